#!/usr/bin/env bats
# Items: odd bytes reach the worker as one argument, byte for byte; --shell
# keeps them data; jsonl round-trips them; delimiters, inputs, sizes,
# streaming.

bats_require_minimum_version 1.5.0
load helper

# write_items [-0] ITEM...: the items, one a line (with -0: NUL-terminated),
# to the file in.
write_items() {
	if [ "$1" = -0 ]; then
		shift
		printf '%s\0' "$@" >in
	else
		printf '%s\n' "$@" >in
	fi
}

# arg_items [-0] ITEM...: each item must reach the worker as exactly one
# argument with the same bytes, in input order.
arg_items() {
	local opt=() item expected=''
	[ "$1" != -0 ] || opt=(-0)
	write_items "$@"
	[ "$1" != -0 ] || shift
	for item in "$@"; do
		expected+="1 $(hexof "$item")"$'\n'
	done
	# a few files, so that an unwanted glob would have something to match
	touch file1 file2
	run --separate-stderr scx_in in -j2 "${opt[@]}" "${ARGDUMP[@]}"
	assert_success
	assert_output "${expected%$'\n'}"
	refute_stderr
}

@test "items with spaces, tabs and a carriage return are one argument each" {
	arg_items 'a b  c' '  a b  ' $'a\tb\t' $'a\r'
}

@test "items with quotes and backslashes reach the worker byte for byte" {
	arg_items "it's 'quoted'" 'say "hi"' 'a\nb\\c' "\"'"
}

@test "items with \$(...), backticks and \$VAR are not substituted" {
	arg_items '$(touch pwned) $HOME' '`touch pwned`' '${PATH}'
	[ ! -e pwned ]
}

@test "items that are globs are not expanded" {
	arg_items '*' 'file?' '[a-z]*'
}

@test "items with a leading - (-rf, --help, --) are arguments, not options" {
	arg_items '-rf' '--help' '--' '-' '-j'
}

@test "items with non-UTF-8 bytes reach the worker byte for byte" {
	arg_items $'\xff\xfe' $'a\xc3' $'\xc0\xaf'
}

@test "items with control bytes and UTF-8 text reach the worker byte for byte" {
	arg_items $'\x01\x1b[0m\x7f' 'héllo wörld ✓'
}

@test "with -0 items with embedded newlines are one argument each" {
	arg_items -0 $'line 1\nline 2\n' $'\n' $'a b\t\'"$(x)`y`*\n-rf\xff\xfe'
}

@test "an empty line is an item (an empty argument)" {
	printf 'a\n\nb\n' >in
	run --separate-stderr scx_in in -j2 "${ARGDUMP[@]}"
	assert_success
	assert_output "$(printf '1 61\n1 \n1 62')"
	refute_stderr
}

# --- --shell: items stay data ----------------------------------------------

# shell_items [-0] ITEM...: with --shell, each item reaches the shell as
# one word with the same bytes, and runs nothing.
shell_items() {
	local opt=() item expected=''
	[ "$1" != -0 ] || opt=(-0)
	write_items "$@"
	[ "$1" != -0 ] || shift
	for item in "$@"; do
		expected+="0 $(hexof "$item")"$'\n'
	done
	touch keep file1 file2
	run --separate-stderr scx_in in -j2 "${opt[@]}" --shell \
		'printf "%s " $#; printf %s {} | od -An -tx1 -v | tr -d " \n"; echo'
	assert_success
	assert_output "${expected%$'\n'}"
	refute_stderr
	[ ! -e pwned ] || fail "an item ran code: pwned was created"
	[ -e keep ] || fail "an item ran code: keep was deleted"
}

@test "--shell: \$(...), backticks and \$VAR in items are data" {
	shell_items '$(touch pwned; rm keep)' '`touch pwned; rm keep`' '$HOME ${PATH}'
}

@test "--shell: quotes breaking out and ; & | > in items are data" {
	shell_items "'; touch pwned; rm keep; '" '"; touch pwned; rm keep; "' \
		'a; touch pwned & rm keep | cat > pwned' "\\'; touch pwned"
}

@test "--shell: globs and a leading - in items are data" {
	shell_items '*' 'file?' '-rf' '--help'
}

@test "--shell: non-UTF-8 bytes and (-0) newlines in items are data" {
	shell_items -0 $'\xff\xfe' $'a\ntouch pwned\nrm keep' $'\n'
}

@test "--shell 'printf \"%s\\n\" {}' prints every odd item as it is" {
	printf '%s\n' 'a b' "it's" '"q"' '$(touch pwned)' '`touch pwned`' '*' '-rf' $'a\tb' >in
	touch keep
	run --separate-stderr scx_in in -j2 --shell 'printf "%s\n" {}'
	assert_success
	assert_output "$(cat in)"
	refute_stderr
	[ ! -e pwned ]
}

# --- --shell: a replacement string inside the template's own quotes ------------

# The start of the warning for a replacement string inside quotes.
QUOTED_WARNING="scx-run: warning: --shell: {} is inside"

@test "--shell 'echo \"x{}y\"': one warning, before any item runs; the items still run" {
	printf '%s\n' 'a b' c >in
	run --separate-stderr scx_in in -j2 --shell 'echo "x{}y"; echo "err {}" >&2'
	assert_success
	assert_output "$(printf '%s\n' "x'a b'y" xcy)"
	assert_equal "${#stderr_lines[@]}" 3
	assert_stderr_line --index 0 --partial "$QUOTED_WARNING \"...\" in the command"
	assert_stderr_line --index 1 "err 'a b'"
	assert_stderr_line --index 2 'err c'
}

@test "--shell \"echo 'x{}y'\": one warning; the items still run" {
	printf '%s\n' 'a b' c d >in
	run --separate-stderr scx_in in -j2 --shell "echo 'x{}y'"
	assert_success
	assert_output "$(printf '%s\n' 'xa by' xcy xdy)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr "$QUOTED_WARNING '...' in the command: there scx-run's quoting of the item does not hold (its quotes show, its \$(...) runs); leave replacement strings outside quotes"
}

@test "--shell: a quoted sh -c script with {} in it warns; {.} and {/} in quotes too" {
	local cmd
	for cmd in "sh -c 'echo {}'" 'echo "{.}"' "echo '{/}'" 'printf %s\\n "{//}"' 'echo "a {/.} b"'; do
		printf 'x\n' >in
		run --separate-stderr scx_in in -j2 --shell "$cmd"
		assert_success
		assert_equal "${#stderr_lines[@]}" 1
		assert_stderr --partial "warning: --shell: {"
	done
}

@test "--shell: a quote spanning words counts; a backslash before {} warns too" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j2 --shell echo '"a' '{}' 'b"'
	assert_success
	assert_output 'a x b'
	assert_stderr --partial "$QUOTED_WARNING \"...\""
	run --separate-stderr scx_in in -j2 --shell 'echo \{}'
	assert_success
	assert_stderr --partial "warning: --shell: {} is after a backslash"
}

@test "--shell: no warning for {} outside quotes, between quoted words, in \$(...) inside quotes, or for {#} {%}" {
	local cmd
	for cmd in 'echo x{}y' 'echo "a" {} "b"' "echo 'a' {} 'b'" 'echo "$(printf %s {})"' \
		'echo "`printf %s {}`"' 'echo "{#} {%}"' "echo '{#}'" 'echo \"{}\"' "echo \\'{}\\'" \
		'echo "a\"" {}' "echo 'a\\' {}" 'echo ${x:-{}}'; do
		printf 'a b\n' >in
		run --separate-stderr scx_in in -j2 --shell "$cmd"
		assert_success
		refute_stderr
	done
}

@test "--shell without a replacement string appends the item quoted" {
	printf '%s\n' '$(touch pwned)' >in
	run --separate-stderr scx_in in -j2 --shell 'printf "[%s]\n"'
	assert_success
	assert_output '[$(touch pwned)]'
	refute_stderr
	[ ! -e pwned ]
}

# --- --format=jsonl round-trips odd items ------------------------------------

# Every odd item, NUL-terminated.
odd_items() {
	printf '%s\0' 'a b' "it's" '"q"' '$(x)' '`x`' '*' '-rf' '--help' \
		$'a\tb' $'\xff\xfe' $'two\nlines' 'back\slash' $'\x01\x1f\x7f' \
		'héllo' $'mixed\xe9 bytes' '' $'a\r'
}

# jsonl_bytes FIELD: for each jsonl line of $output, the exact bytes of
# FIELD (FIELD_base64 when present, else the JSON string's UTF-8) as
# base64, one line each.
jsonl_bytes() {
	printf '%s\n' "$output" |
		jq -r --arg f "$1" 'if has($f + "_base64") then .[$f + "_base64"] else (.[$f] | @base64) end'
}

# odd_b64: the odd items as base64, one line each.
odd_b64() {
	local item
	while IFS= read -r -d '' item; do
		printf '%s' "$item" | base64 -w0
		echo
	done < <(odd_items)
}

@test "--format=jsonl: every line parses with jq, one object per item" {
	odd_items >in
	run --separate-stderr scx_in in -0 -j2 --format=jsonl printf '%s'
	assert_success
	refute_stderr
	# each line on its own is one JSON object
	local seqs
	seqs=$(printf '%s\n' "$output" | jq -R -r 'fromjson | .seq')
	assert_equal "$seqs" "$(seq "$(odd_items | tr -cd '\0' | wc -c)")"
}

@test "--format=jsonl: item round-trips for every odd item" {
	odd_items >in
	run --separate-stderr scx_in in -0 -j2 --format=jsonl true
	assert_success
	refute_stderr
	assert_equal "$(jsonl_bytes item)" "$(odd_b64)"
}

@test "--format=jsonl: stdout round-trips for every odd item" {
	odd_items >in
	run --separate-stderr scx_in in -0 -j2 --format=jsonl printf '%s'
	assert_success
	refute_stderr
	assert_equal "$(jsonl_bytes stdout)" "$(odd_b64)"
}

@test "--format=jsonl: stderr round-trips for every odd item" {
	odd_items >in
	run --separate-stderr scx_in in -0 -j2 --format=jsonl sh -c 'printf %s "$1" >&2' sh
	assert_success
	refute_stderr
	assert_equal "$(jsonl_bytes stderr)" "$(odd_b64)"
}

@test "--format=jsonl: invalid UTF-8 shows as U+FFFD plus exact bytes in item_base64" {
	printf 'a\xffb\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl true
	assert_success
	refute_stderr
	assert_equal "$(jq -r .item <<<"$output")" $'a\xef\xbf\xbdb' # U+FFFD in UTF-8
	assert_equal "$(jq -r .item_base64 <<<"$output")" "$(printf 'a\xffb' | base64)"
}

@test "--format=jsonl: valid UTF-8 has no _base64 field" {
	printf 'h\xc3\xa9\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl printf '%s'
	assert_success
	refute_stderr
	assert_equal "$(jq -c '[.item, .stdout, has("item_base64"), has("stdout_base64")]' <<<"$output")" \
		'["hé","hé",false,false]'
}

# --- delimiters and inputs ---------------------------------------------------

@test "an input without a trailing newline still gives its last item" {
	printf 'a\nb' >in
	run --separate-stderr scx_in in -j2 echo
	assert_success
	assert_output "$(printf 'a\nb')"
	refute_stderr
}

@test "an empty input gives no output and exit 0" {
	: >in
	run --separate-stderr scx_in in -j2 echo
	assert_success
	assert_output ''
	refute_stderr
}

@test "an empty input runs nothing" {
	: >in
	run --separate-stderr scx_in in -j2 touch ran
	assert_success
	[ ! -e ran ]
}

@test "-0 splits at NUL bytes, last item without a NUL included" {
	printf 'a b\0c\nd\0e' >in
	run --separate-stderr scx_in in -j2 -0 printf '[%s]'
	assert_success
	assert_output "$(printf '[a b][c\nd][e]')"
	refute_stderr
}

@test "--null is -0" {
	printf 'a\0b\0' >in
	run --separate-stderr scx_in in -j2 --null echo
	assert_success
	assert_output "$(printf 'a\nb')"
	refute_stderr
}

@test "-d , splits at commas and keeps newlines in items" {
	printf 'a,b\nc,d' >in
	run --separate-stderr scx_in in -j2 -d , printf '[%s]'
	assert_success
	assert_output "$(printf '[a][b\nc][d]')"
	refute_stderr
}

@test "-d '\\t' splits at tabs" {
	printf 'a\tb c\t' >in
	run --separate-stderr scx_in in -j2 -d '\t' printf '[%s]'
	assert_success
	assert_output '[a][b c]'
	refute_stderr
}

@test "-d '\\x3a' splits at the byte 0x3a (:)" {
	printf 'a:b:c' >in
	run --separate-stderr scx_in in -j2 -d '\x3a' printf '[%s]'
	assert_success
	assert_output '[a][b][c]'
	refute_stderr
}

@test "-d '\\0' is -0" {
	printf 'a\nb\0c\0' >in
	run --separate-stderr scx_in in -j2 -d '\0' printf '[%s]'
	assert_success
	assert_output "$(printf '[a\nb][c]')"
	refute_stderr
}

@test "--delimiter is -d" {
	printf 'a;b' >in
	run --separate-stderr scx_in in -j2 --delimiter ';' printf '[%s]'
	assert_success
	assert_output '[a][b]'
	refute_stderr
}

@test "an item with a NUL byte in newline mode fails with 126 and a message" {
	printf 'a\n\x00x\nb\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl echo
	assert_failure 1
	assert_equal "$(jq -c '[.seq, .exit]' <<<"$output")" "$(printf '[1,0]\n[2,126]\n[3,0]')"
	local msg
	msg=$(jq -r 'select(.seq == 2) | .stderr' <<<"$output")
	assert_regex "$msg" '^scx-run: .*NUL'
	refute_stderr
}

@test "-a FILE reads items from FILE (and not stdin)" {
	printf 'f1\nf2\n' >file
	printf 'stdin\n' >in
	run --separate-stderr scx_in in -j2 -a file echo
	assert_success
	assert_output "$(printf 'f1\nf2')"
	refute_stderr
}

@test "--input is -a" {
	printf 'f1\n' >file
	run --separate-stderr "$SCX_RUN" -j2 --input file echo </dev/null
	assert_success
	assert_output f1
	refute_stderr
}

# Several -a are several input sources, combined as GNU parallel combines
# them (once, they were read one after another: a change of the spec).
# The expected output is GNU parallel 20221122's (with -k).
@test "-a repeated: every combination of the files' items, the last varying fastest" {
	printf 'a1\na2\n' >a
	printf 'b1\nb2' >b
	printf 'c1\n' >c
	run --separate-stderr "$SCX_RUN" -j2 -a a -a b -a c echo </dev/null
	assert_success
	assert_output "$(printf 'a1 b1 c1\na1 b2 c1\na2 b1 c1\na2 b2 c1')"
	refute_stderr
}

@test "-a - reads stdin as a source in its place among the files" {
	printf 'a1\n' >a
	printf 'b1\n' >b
	printf 's1\ns2\n' >in
	run --separate-stderr scx_in in -j2 -a a -a - -a b echo
	assert_success
	assert_output "$(printf 'a1 s1 b1\na1 s2 b1')"
	refute_stderr
}

@test "-a - alone is stdin" {
	printf 's1\ns2' >in
	run --separate-stderr scx_in in -j2 -a - echo
	assert_success
	assert_output "$(printf 's1\ns2')"
	refute_stderr
}

# --- sizes ---------------------------------------------------------------------

@test "a 2 MiB single-line item reaches the worker whole (--pipe-item)" {
	head -c 2097152 /dev/urandom | od -An -tx1 -v | tr -d ' \n' | head -c 2097152 >in
	echo >>in
	run --separate-stderr scx_in in -j2 --pipe-item cksum
	assert_success
	# the item and its newline: the whole file
	assert_output "$(cksum <in)"
	refute_stderr
}

@test "a 2 MiB item as an argument fails cleanly (E2BIG: Linux limits one argument to 128 KiB)" {
	head -c 2097152 /dev/zero | tr '\0' x >in
	echo >>in
	run --separate-stderr scx_in in -j2 --format=jsonl echo
	assert_failure 1
	assert_equal "$(jq -c '[.seq, .exit, (.item | length), (.stderr | test("^scx-run: .*Argument list too long"))]' <<<"$output")" \
		'[1,126,2097152,true]'
	refute_stderr
}

@test "a 120 KiB item reaches the worker as one argument, byte for byte" {
	head -c 122880 /dev/urandom | od -An -tx1 -v | tr -d ' \n' | head -c 122880 >in
	echo >>in
	run --separate-stderr scx_in in -j2 sh -c 'printf %s "$1" | cksum' sh
	assert_success
	assert_output "$(head -c 122880 in | cksum)"
	refute_stderr
}

# With one process per item, 100,000 items take about 5 minutes on a
# 2-core VM where a spawn costs 6 ms; --dry-run goes through the same
# reader, command builder and ordered output without the spawns.
@test "100,000 items: all there, in order (--dry-run)" {
	seq 100000 >in
	run --separate-stderr scx_to out -j2 --dry-run echo <in
	assert_success
	refute_stderr
	seq 100000 | sed 's/^/echo /' >expected
	cmp out expected
}

# --- streaming -------------------------------------------------------------------

@test "the reader streams: an endless input gives its first result (yes | --dry-run | head -1)" {
	# A reader that reads all its input first never ends here; timeout is
	# only a hang guard.
	run --separate-stderr bash -c 'yes | timeout 60 "$SCX_RUN" -j2 --dry-run echo | head -1
		echo "status ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf 'echo y\nstatus 141')"
	refute_stderr
}

@test "the reader streams: peak memory for a 100 MB input stays far below its size" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed"
	# ASan's quarantine keeps freed memory; turn it off so the peak shows
	# what the program holds (no effect on a normal build).
	run --separate-stderr bash -c '
		yes "$(printf %010000d 0)" | head -c 100000000 |
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
			/usr/bin/time -f "maxrss %M" -o rss "$SCX_RUN" -j2 --dry-run true | wc -l
		cat rss'
	assert_success
	assert_line --index 0 10000
	local kib
	kib=$(awk '$1 == "maxrss" { print $2 }' <<<"$output")
	[ -n "$kib" ]
	# 50 MB: half the input
	[ "$kib" -lt 50000 ] || fail "peak RSS ${kib} KiB for a 100 MB input"
}

@test "ordered mode gives the first result while the input is still open" {
	mkfifo fifo
	"$SCX_RUN" -j2 echo <fifo >out 2>err 3>&- &
	local pid=$!
	exec 4>fifo
	echo first >&4
	local i=0
	while [ ! -s out ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	run cat out
	exec 4>&-
	wait_exit "$pid"
	assert_equal "$status" 0
	assert_equal "$output" first
	assert_equal "$(cat err)" ''
}

@test "--as-completed gives the first result while the input is still open" {
	mkfifo fifo
	"$SCX_RUN" -j2 --as-completed echo <fifo >out 2>err 3>&- &
	local pid=$!
	exec 4>fifo
	echo first >&4
	local i=0
	while [ ! -s out ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	run cat out
	exec 4>&-
	wait_exit "$pid"
	assert_equal "$status" 0
	assert_equal "$output" first
	assert_equal "$(cat err)" ''
}

# --- --pipe-item -------------------------------------------------------------------

# A worker that prints its argument count and its stdin in hex.
STDINDUMP=(sh -c 'printf "%s " "$#"; od -An -tx1 -v | tr -d " \n"; echo' sh)

@test "--pipe-item gives the item and its newline on stdin, no argument" {
	printf 'a b\nc' >in
	run --separate-stderr scx_in in -j2 --pipe-item "${STDINDUMP[@]}"
	assert_success
	assert_output "$(printf '0 %s\n0 %s' "$(hexof $'a b\n')" "$(hexof $'c\n')")"
	refute_stderr
}

@test "--pipe-item with -0 gives the item and its NUL on stdin" {
	printf 'a\nb\0c' >in
	run --separate-stderr scx_in in -j2 -0 --pipe-item "${STDINDUMP[@]}"
	assert_success
	assert_output "$(printf '0 %s00\n0 %s00' "$(hexof $'a\nb')" "$(hexof c)")"
	refute_stderr
}

@test "--pipe-item with -d , gives the item and its comma on stdin" {
	printf 'a,b' >in
	run --separate-stderr scx_in in -j2 -d , --pipe-item "${STDINDUMP[@]}"
	assert_success
	assert_output "$(printf '0 %s\n0 %s' "$(hexof a,)" "$(hexof b,)")"
	refute_stderr
}

@test "--pipe-item still substitutes replacement strings" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --pipe-item sh -c 'echo "arg=$1 stdin=$(cat)"' sh '{}'
	assert_success
	assert_output 'arg=a stdin=a'
	refute_stderr
}

@test "a template that became a shell line ('echo \"{}\"', no --shell) warns of {} inside its quotes" {
	run --separate-stderr "$SCX_RUN" 'echo "{}"' ::: a </dev/null
	assert_success
	assert_output "a"
	assert_stderr --partial "warning: the command is a shell line: {} is inside \"...\""
}
