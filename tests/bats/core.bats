#!/usr/bin/env bats
# Core behaviour: ordering, no interleaving, scheduling, worker environment,
# --if-serial.

bats_require_minimum_version 1.5.0
load helper

# A worker writing about 1 MiB (2100 lines of 500 times its item) in many
# small writes (dash's echo writes each line on its own).
BIG_WRITER='l=$(printf "%0500d" 0 | tr 0 "$1"); i=0
while [ $i -lt 2100 ]; do echo "$l"; i=$((i + 1)); done'

# check_blocks FILE ORDER: FILE holds, for each digit of ORDER in turn, one
# contiguous block of 2100 lines, each that digit 500 times.
check_blocks() {
	local file=$1 order=$2 bad blocks expected='' d
	bad=$(grep -cvE '^(1{500}|2{500}|3{500}|4{500})$' "$file" || true)
	assert_equal "$bad" 0
	blocks=$(cut -c1 "$file" | uniq -c | awk '{ print $1, $2 }')
	for d in $(printf '%s' "$order" | fold -w1); do
		expected+="2100 $d"$'\n'
	done
	assert_equal "$blocks" "${expected%$'\n'}"
}

@test "seq 10 | scx-run echo prints 1..10 in input order" {
	[ "$(usable_cpus)" -gt 1 ] || skip "one usable CPU: the default -j raises (--if-serial)"
	seq 10 >in
	run --separate-stderr scx_in in echo
	assert_success
	assert_output "$(seq 10)"
	refute_stderr
}

@test "workers finishing in reverse order still give input order by default" {
	printf '3\n2\n1\n' >in
	run --separate-stderr scx_in in -j3 sh -c 'sleep "0.$((($1 - 1) * 2))"; echo "$1"' sh
	assert_success
	assert_output "$(printf '3\n2\n1')"
	refute_stderr
}

@test "--as-completed writes results in completion order" {
	# item N completes once items 1..N-1 are written (IN_TURN)
	printf '3\n2\n1\n' >in
	run --separate-stderr scx_to out -j3 --as-completed sh -c "$IN_TURN"'; echo "$1"' sh <in
	assert_success
	assert_equal "$(cat out)" "$(printf '1\n2\n3')"
	refute_stderr
}

@test "1 MiB of small writes per item never interleaves (input order)" {
	seq 4 >in
	run --separate-stderr scx_to out -j4 sh -c "$BIG_WRITER" sh <in
	assert_success
	refute_stderr
	check_blocks out 1234
}

@test "1 MiB of small writes per item never interleaves (--as-completed)" {
	seq 4 >in
	run --separate-stderr scx_to out -j4 --as-completed sh -c "$BIG_WRITER" sh <in
	assert_success
	refute_stderr
	# Any order of the four blocks, each one contiguous and whole.
	local order
	order=$(cut -c1 out | uniq | tr -d '\n')
	assert_equal "$(printf '%s' "$order" | fold -w1 | sort | tr -d '\n')" 1234
	check_blocks out "$order"
}

@test "1 MiB of small writes per item to stderr never interleaves" {
	seq 4 >in
	run --separate-stderr scx_to2 out err -j4 sh -c "{ $BIG_WRITER; } >&2" sh <in
	assert_success
	assert_equal "$(wc -c <out)" 0
	check_blocks err 1234
}

@test "each item's stdout and stderr are written as blocks, both in input order" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 sh -c 'echo "o1 $1"; echo "e1 $1" >&2; echo "o2 $1"; echo "e2 $1" >&2' sh
	assert_success
	assert_output "$(printf 'o1 a\no2 a\no1 b\no2 b')"
	assert_stderr "$(printf 'e1 a\ne2 a\ne1 b\ne2 b')"
}

@test "-j 4 runs four items at once, more than the CPUs if need be" {
	# A barrier: every item waits (at most 10 s) until all four have
	# started; with fewer than four running at once they fail.
	seq 4 >in
	mkdir started
	run --separate-stderr scx_in in -j4 sh -c 'touch "started/$1"; i=0
		while [ "$(ls started | wc -l)" -lt 4 ]; do
			[ $i -lt 200 ] || exit 1; sleep 0.05; i=$((i + 1))
		done; echo "$1"' sh
	assert_success
	assert_output "$(seq 4)"
	refute_stderr
}

@test "-j 1 never runs two items at once" {
	seq 3 >in
	run --separate-stderr scx_in in -j1 sh -c 'mkdir lock || exit 1; sleep 0.1; rmdir lock; echo "$1"' sh
	assert_success
	assert_output "$(seq 3)"
	refute_stderr
}

@test "-j 2 never runs three items at once" {
	seq 4 >in
	mkdir running
	run --separate-stderr scx_in in -j2 sh -c 'touch "running/$1"; n=$(ls running | wc -l)
		sleep 0.1; rm "running/$1"; [ "$n" -le 2 ] && echo "$1"' sh
	assert_success
	assert_output "$(seq 4)"
	refute_stderr
}

@test "--chunksize keeps one process and one result per item" {
	seq 10 >in
	run --separate-stderr scx_in in -j2 --chunksize 3 sh -c 'echo "$1 $SCX_SEQ $$"' sh
	assert_success
	assert_equal "${#lines[@]}" 10
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1,2)" "$(seq 10 | awk '{ print $1, $1 }')"
	# ten different worker processes
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f3 | sort -u | wc -l)" 10
	refute_stderr
}

@test "items from a file: a slot that runs out takes over the unstarted items of a chunk behind a slow item" {
	# 20 items from a file: the default chunk (3 items) puts items 2 and 3
	# behind item 1 on its slot.  Item 1 waits until items 2..20 have all
	# run: it can only end if the other slot takes 2 and 3 over (a hang
	# guard, timeout 60, ends it otherwise).
	seq 20 >in
	mkdir ran
	run --separate-stderr timeout 60 "$SCX_RUN" -j2 sh -c 'if [ "$1" = 1 ]; then
			while [ "$(ls ran | wc -l)" -lt 19 ]; do sleep 0.05; done
		else touch "ran/$1"; fi; echo "$1"' sh <in
	assert_success
	assert_output "$(seq 20)"
	refute_stderr
}

@test "workers see SCX_SEQ, SCX_SLOT, SCX_RANK=0 and SCX_SIZE" {
	seq 6 >in
	run --separate-stderr scx_in in -j3 sh -c 'echo "$1 seq=$SCX_SEQ rank=$SCX_RANK size=$SCX_SIZE"; case $SCX_SLOT in 1|2|3) ;; *) echo "bad slot [$SCX_SLOT]";; esac' sh
	assert_success
	assert_output "$(seq 6 | awk '{ print $1 " seq=" $1 " rank=0 size=3" }')"
	refute_stderr
}

@test "SCX_SLOT is unique among the items running at once" {
	seq 3 >in
	mkdir started
	run --separate-stderr scx_in in -j3 sh -c 'touch "started/$1"; i=0
		while [ "$(ls started | wc -l)" -lt 3 ]; do
			[ $i -lt 200 ] || exit 1; sleep 0.05; i=$((i + 1))
		done; echo "$SCX_SLOT"' sh
	assert_success
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$(seq 3)"
	refute_stderr
}

@test "a worker's stdin is /dev/null" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j2 sh -c 'readlink /proc/$$/fd/0' sh
	assert_success
	assert_output /dev/null
	refute_stderr
}

@test "a worker does not eat the runner's stdin" {
	run --separate-stderr bash -c 'seq 3 | "$SCX_RUN" -j2 sh -c '\''cat; echo "[$SCX_SEQ]"'\'
	assert_success
	assert_output "$(printf '[1]\n[2]\n[3]')"
	refute_stderr
}

# --- --if-serial (one usable CPU via taskset) ------------------------------

@test "--if-serial: one CPU and no -j raises by default (exit 255, names --if-serial)" {
	need_taskset
	printf 'a\n' >in
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" echo <in
	assert_usage_error --if-serial
}

@test "--if-serial=warn: one CPU runs serially with a warning on stderr" {
	need_taskset
	printf 'a\nb\n' >in
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" --if-serial=warn echo <in
	assert_success
	assert_output "$(printf 'a\nb')"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: .*warning'
}

@test "--if-serial=ignore: one CPU runs serially and quietly" {
	need_taskset
	printf 'a\nb\n' >in
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" --if-serial=ignore echo <in
	assert_success
	assert_output "$(printf 'a\nb')"
	refute_stderr
}

@test "--if-serial: an explicit -j 1 runs quietly on one CPU" {
	need_taskset
	printf 'a\nb\n' >in
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" -j 1 echo <in
	assert_success
	assert_output "$(printf 'a\nb')"
	refute_stderr
}

@test "--if-serial: -j 50% on one CPU is one worker by conditions and raises" {
	need_taskset
	printf 'a\n' >in
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" -j 50% echo <in
	assert_usage_error --if-serial
}

