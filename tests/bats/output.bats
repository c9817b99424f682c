#!/usr/bin/env bats
# Output: --tag, --dry-run, --format=jsonl fields.

bats_require_minimum_version 1.5.0
load helper

# --- --tag ---------------------------------------------------------------------------

@test "--tag prefixes every stdout line with the item and a tab" {
	printf 'a\nb c\n' >in
	run --separate-stderr scx_in in -j2 --tag sh -c 'echo "one $1"; echo two' sh
	assert_success
	assert_output "$(printf 'a\tone a\na\ttwo\nb c\tone b c\nb c\ttwo')"
	refute_stderr
}

@test "--tag prefixes every stderr line with the item and a tab" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 --tag sh -c 'echo "e1 $1" >&2; echo e2 >&2' sh
	assert_success
	assert_output ''
	assert_stderr "$(printf 'a\te1 a\na\te2\nb\te1 b\nb\te2')"
}

@test "--tag tags a last line without a newline" {
	printf 'a\n' >in
	run --separate-stderr scx_to out -j2 --tag sh -c 'printf "x\ny"' <in
	assert_success
	refute_stderr
	assert_equal "$(od -An -c out | tr -s ' ')" "$(printf 'a\tx\na\ty' | od -An -c | tr -s ' ')"
}

@test "--tag with --as-completed tags each line with its own item" {
	# item 2 completes once item 1 is written (IN_TURN)
	printf '2\n1\n' >in
	run --separate-stderr scx_to out -j2 --tag --as-completed sh -c "$IN_TURN"'; echo "out $1"' sh <in
	assert_success
	assert_equal "$(cat out)" "$(printf '1\tout 1\n2\tout 2')"
	refute_stderr
}

# --- --dry-run -------------------------------------------------------------------------

@test "--dry-run prints each command, one line per item, in input order" {
	seq 3 >in
	run --separate-stderr scx_in in -j2 --dry-run echo hello
	assert_success
	assert_output "$(printf 'echo hello 1\necho hello 2\necho hello 3')"
	refute_stderr
}

@test "--dry-run runs nothing" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 --dry-run touch '{}'
	assert_success
	assert_output "$(printf 'touch a\ntouch b')"
	refute_stderr
	[ ! -e a ] && [ ! -e b ]
}

@test "--dry-run shell-quotes: each line run by sh gives the real argv" {
	printf '%s\0' 'a b' "it's" '"q"' '$(touch pwned)' '`touch pwned`' '*' '-rf' \
		$'a\tb' $'\xff\xfe' 'back\slash' '' $'two\nlines' '~' '#x' >in
	touch file1
	run --separate-stderr scx_to dry -j2 -0 --dry-run "${ARGDUMP[@]}" <in
	assert_success
	refute_stderr
	# What the dry-run commands print, run by sh ...
	sh dry >from-dry
	[ ! -e pwned ]
	# ... is what the real run prints.
	run --separate-stderr scx_to real -j2 -0 "${ARGDUMP[@]}" <in
	assert_success
	cmp from-dry real
	assert_equal "$(wc -l <real)" 14
}

@test "--dry-run shell-quotes the command words too" {
	printf 'x\n' >in
	run --separate-stderr scx_to dry -j2 --dry-run printf '%s|%s\n' 'a b' <in
	assert_success
	refute_stderr
	run sh dry
	assert_success
	assert_output 'a b|x'
}

@test "--dry-run with --shell prints the shell string" {
	printf 'a b\n' >in
	run --separate-stderr scx_in in -j2 --dry-run --shell 'echo {} | tr a-z A-Z'
	assert_success
	refute_stderr
	assert_equal "${#lines[@]}" 1
	# the string is the command with the item quoted
	run sh -c "$output"
	assert_output 'A B'
}

@test "--dry-run with --format=jsonl gives one object per item with the command as stdout" {
	printf 'a b\nc\n' >in
	run --separate-stderr scx_in in -j2 --dry-run --format=jsonl echo
	assert_success
	refute_stderr
	assert_equal "$(jq -c '[.seq, .item, .exit]' <<<"$output")" "$(printf '[1,"a b",0]\n[2,"c",0]')"
	run sh -c "$(jq -r .stdout <<<"$output")"
	assert_output "$(printf 'a b\nc')"
}

# --- --format=jsonl ----------------------------------------------------------------------

@test "--format=jsonl has seq, item, exit, signal, start, duration, worker, rank, stdout, stderr" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl sh -c 'echo "out $1"; echo "err $1" >&2' sh
	assert_success
	refute_stderr
	assert_equal "$(jq -c '[.seq, .item, .exit, .signal, .rank, .stdout, .stderr]' <<<"$output")" \
		"$(printf '%s\n' '[1,"a",0,0,0,"out a\n","err a\n"]' '[2,"b",0,0,0,"out b\n","err b\n"]')"
	assert_equal "$(jq -r '[(.start | type), (.duration | type), (.worker | type)] | join(" ")' <<<"$output" | sort -u)" \
		'number number number'
}

@test "--format=jsonl: start is the epoch time and duration is not negative" {
	printf 'a\n' >in
	local before after
	before=$(date +%s)
	run --separate-stderr scx_in in -j2 --format=jsonl sh -c 'sleep 0.1'
	after=$(date +%s)
	assert_success
	refute_stderr
	run jq -r --argjson b "$before" --argjson a "$after" \
		'[.start >= $b - 1, .start <= $a + 1, .duration >= 0, .duration < 60] | all' <<<"$output"
	assert_output true
}

@test "--format=jsonl: worker is the slot, within 1..-j" {
	seq 6 >in
	run --separate-stderr scx_in in -j3 --format=jsonl sh -c 'echo $SCX_SLOT'
	assert_success
	refute_stderr
	assert_equal "$(jq -r 'select((.stdout | rtrimstr("\n") | tonumber) != .worker or .worker < 1 or .worker > 3)' <<<"$output")" ''
	assert_equal "${#lines[@]}" 6
}

@test "--format=jsonl keeps input order by default" {
	printf '3\n2\n1\n' >in
	run --separate-stderr scx_in in -j3 --format=jsonl sh -c 'sleep "0.$((($1 - 1) * 2))"' sh
	assert_success
	refute_stderr
	assert_equal "$(jq -r .item <<<"$output" | tr '\n' ' ')" '3 2 1 '
}

@test "--format=jsonl with --as-completed is in completion order" {
	# item N completes once items 1..N-1 are written, a line each (IN_TURN)
	printf '3\n2\n1\n' >in
	run --separate-stderr scx_to out -j3 --as-completed --format=jsonl sh -c "$IN_TURN" sh <in
	assert_success
	refute_stderr
	assert_equal "$(jq -r .item out | tr '\n' ' ')" '1 2 3 '
}

@test "--format=jsonl: output of 1 MiB in one item is one line that parses" {
	printf 'x\n' >in
	run --separate-stderr scx_to out -j2 --format=jsonl sh -c 'head -c 1048576 /dev/zero | tr "\0" z' <in
	assert_success
	refute_stderr
	assert_equal "$(wc -l <out)" 1
	assert_equal "$(jq -r '.stdout | length' out)" 1048576
}

@test "--format=raw is the default output" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=raw sh -c 'echo "out $1"; echo "err $1" >&2' sh
	assert_success
	assert_output 'out a'
	assert_stderr 'err a'
}

@test "output without a trailing newline is passed as it is" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_to out -j2 printf '<%s>' <in
	assert_success
	refute_stderr
	assert_equal "$(cat out)" '<a><b>'
	assert_equal "$(wc -c <out)" 6
}
