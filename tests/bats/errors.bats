#!/usr/bin/env bats
# Exit status, failing and missing workers, invalid option values.

bats_require_minimum_version 1.5.0
load helper

# --- exit status = number of failed items ------------------------------------

@test "all items succeed: exit 0" {
	seq 3 >in
	run --separate-stderr scx_in in -j2 sh -c 'echo "$1"; exit 0' sh
	assert_success
	assert_output "$(seq 3)"
	refute_stderr
}

@test "exit status is the number of failed items (3 of 10)" {
	seq 10 >in
	run --separate-stderr scx_in in -j2 sh -c 'echo "$1"; [ $(($1 % 3)) -ne 0 ]' sh
	assert_failure 3
	# failing items still write their output
	assert_output "$(seq 10)"
	refute_stderr
}

@test "exit status counts failures whatever the worker's own exit code" {
	printf '2\n0\n77\n255\n' >in
	run --separate-stderr scx_in in -j2 sh -c 'exit "$1"' sh
	assert_failure 3
	assert_output ''
	refute_stderr
}

@test "100 failed items: exit 100" {
	seq 100 >in
	run --separate-stderr scx_in in -j4 sh -c 'exit 1'
	assert_failure 100
	assert_output ''
	refute_stderr
}

@test "101 failed items: exit 101" {
	seq 101 >in
	run --separate-stderr scx_in in -j4 sh -c 'exit 1'
	assert_failure 101
	assert_output ''
	refute_stderr
}

@test "a worker killed by a signal counts as failed" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 sh -c '[ "$1" = b ] || kill -TERM $$' sh
	assert_failure 1
	assert_output ''
	refute_stderr
}

@test "a worker killed by signal n has exit 128+n and signal n in jsonl" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl sh -c 'kill -KILL $$'
	assert_failure 1
	assert_equal "$(jq -c '[.exit, .signal]' <<<"$output")" '[137,9]'
	refute_stderr
}

@test "a failed item's exit code is in jsonl" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl sh -c 'exit 3'
	assert_failure 1
	assert_equal "$(jq -c '[.exit, .signal]' <<<"$output")" '[3,0]'
	refute_stderr
}

# --- missing and non-executable workers -----------------------------------------

@test "a command that does not exist: each item fails, exit = count, clear message" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 no-such-command-scx
	assert_failure 2
	assert_output ''
	assert_stderr "$(printf 'scx-run: no-such-command-scx: command not found\n%.0s' 1 2)"
}

@test "a command that does not exist fails each item with 127" {
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl no-such-command-scx
	assert_failure 2
	assert_equal "$(jq -c '[.seq, .exit, .signal, .stderr]' <<<"$output")" \
		"$(printf '[%s,127,0,"scx-run: no-such-command-scx: command not found\\n"]\n' 1 2)"
	refute_stderr
}

@test "a path to a command that does not exist fails each item with 127" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl ./no-such-file
	assert_failure 1
	assert_equal "$(jq -r .exit <<<"$output")" 127
	assert_regex "$(jq -r .stderr <<<"$output")" '^scx-run: \./no-such-file: '
	refute_stderr
}

@test "more than 100 items with a missing command: exit 101, no crash" {
	seq 120 >in
	run --separate-stderr scx_in in -j4 no-such-command-scx
	assert_failure 101
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 120
}

@test "a worker that is not executable: each item fails, clear message" {
	printf '#!/bin/sh\necho ran\n' >worker
	chmod -x worker
	printf 'a\nb\n' >in
	run --separate-stderr scx_in in -j2 ./worker
	assert_failure 2
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 2
	assert_stderr_line --index 0 --regexp '^scx-run: \./worker: .*[Pp]ermission denied'
	assert_stderr_line --index 1 --regexp '^scx-run: \./worker: .*[Pp]ermission denied'
}

@test "a worker that is not executable fails each item with 126" {
	printf '#!/bin/sh\necho ran\n' >worker
	chmod -x worker
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl ./worker
	assert_failure 1
	assert_equal "$(jq -c '[.exit, .signal]' <<<"$output")" '[126,0]'
	refute_stderr
}

@test "a directory as the command fails each item with 126" {
	mkdir sub
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 --format=jsonl ./sub
	assert_failure 1
	assert_equal "$(jq -r .exit <<<"$output")" 126
	assert_regex "$(jq -r .stderr <<<"$output")" '^scx-run: \./sub: '
	refute_stderr
}

# --- invalid option values: one line naming the value, exit 255 -------------------

# bad_option ARGS...: run scx-run with ARGS and a command, one item on stdin
# (a value wrongly accepted may make the run wait: timeout ends it).
bad_option() {
	printf 'item\n' >in
	run --separate-stderr timeout 20 "$SCX_RUN" "$@" <in
}

@test "-j 0% is an error (-j 0 is GNU parallel's as many as possible: sched.bats)" {
	bad_option -j 0% echo
	assert_usage_error "'0%'" max-workers
}

@test "-j abc is an error" {
	bad_option -j abc echo
	assert_usage_error "'abc'"
}

@test "-j '' is an error" {
	bad_option -j '' echo
	assert_usage_error "''"
}

@test "--chunksize 0 is an error" {
	bad_option --chunksize 0 echo
	assert_usage_error "--chunksize: '0' is not a positive integer"
}

@test "--chunksize -3 is an error" {
	bad_option --chunksize -3 echo
	assert_usage_error "'-3'" --chunksize
}

@test "--chunksize x is an error" {
	bad_option --chunksize x echo
	assert_usage_error "--chunksize: 'x' is not a positive integer"
}

@test "--backend nosuch is an error that lists the backends" {
	bad_option --backend nosuch echo
	assert_usage_error "'nosuch'" multiprocess
}

@test "--backend loky is accepted: --info prints backend: loky" {
	run --separate-stderr "$SCX_RUN" --info --backend loky
	assert_success
	assert_line --index 0 'backend: loky'
	refute_stderr
}

@test "SCX_BACKEND=nosuch is an error naming SCX_BACKEND" {
	printf 'item\n' >in
	SCX_BACKEND=nosuch run --separate-stderr scx_in in -j2 echo
	assert_usage_error "'nosuch'" SCX_BACKEND
}

@test "--format nosuch is an error" {
	bad_option --format nosuch echo
	assert_usage_error "'nosuch'" --format
}

@test "--if-serial nosuch is an error" {
	bad_option --if-serial nosuch echo
	assert_usage_error "'nosuch'" --if-serial
}

@test "--delimiter ab is an error" {
	bad_option --delimiter ab echo
	assert_usage_error "'ab'" --delimiter
}

@test "-d '' is an error" {
	bad_option -d '' echo
	assert_usage_error "''" --delimiter
}

@test "an unknown option is an error" {
	bad_option --frobnicate echo
	assert_usage_error --frobnicate
}

@test "-j without a value at the end is an error" {
	bad_option -j
	assert_usage_error -j
}

@test "no command: each item is a command, as in GNU parallel" {
	# Once an error (exit 255); GNU parallel 20221122 runs the item
	# through the shell: `printf 'item\n' | parallel -j2` exits 1 with
	# "item: command not found" on stderr and nothing on stdout.
	bad_option -j2
	assert_failure 1
	assert_output ''
}

@test "-a /nonexistent is an error naming the file" {
	bad_option -j2 -a /nonexistent echo
	assert_usage_error "/nonexistent"
}

@test "-a on a directory is an error naming it" {
	mkdir dir
	bad_option -j2 -a dir echo
	assert_usage_error "dir"
}

@test "-a on an unreadable file is an error naming it" {
	[ "$(id -u)" -ne 0 ] || skip "running as root: a chmod 000 file is still readable"
	printf 'x\n' >secret
	chmod 000 secret
	bad_option -j2 -a secret echo
	assert_usage_error "secret"
}

@test "an unreadable -a after a good one: nothing runs" {
	printf 'x\n' >good
	bad_option -j2 -a good -a /nonexistent touch ran
	assert_usage_error "/nonexistent"
	[ ! -e ran ]
}

@test "options after the command belong to the command" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j2 echo -j 0
	assert_success
	assert_output '-j 0 x'
	refute_stderr
}

@test "a closed stdout is an error, not silently discarded output" {
	run --separate-stderr bash -c 'seq 3 | "$SCX_RUN" echo >&-'
	assert_failure 255
	assert_stderr --partial "standard output is closed"
}

@test "a closed stdin with nothing else to read is an error" {
	run --separate-stderr bash -c '"$SCX_RUN" echo <&-'
	assert_usage_error "standard input is closed"
}

@test "a closed stdin is fine when -a gives the items" {
	printf 'a\nb\n' >items
	run --separate-stderr bash -c '"$SCX_RUN" -a items echo <&-'
	assert_success
	assert_output $'a\nb'
}

@test "-j beyond the open-file limit runs fewer workers, with a warning" {
	run --separate-stderr bash -c 'ulimit -n 48; seq 6 | "$SCX_RUN" -j 40 echo'
	assert_success
	assert_output "$(seq 6)"
	assert_stderr --partial "open files"
	assert_stderr --partial "running "
}

# The runner keeps 32 descriptors for itself and a worker needs about 3
# (multiprocess) or 4 (loky): under ulimit -n 36 one worker fits.

@test "-j 8 capped to one worker by the open-file limit: runs, one warning naming the limit" {
	run --separate-stderr bash -c 'ulimit -n 36; seq 3 | "$SCX_RUN" -j 8 echo'
	assert_success
	assert_output "$(seq 3)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr "scx-run: warning: the open-file limit of 36 (ulimit -n) leaves room for 1 of the 8 workers of -j 8 (about 3 open files each beside the runner's 32): running 1"
}

@test "loky: -j 8 capped to one worker by the open-file limit: runs, one warning naming the limit" {
	run --separate-stderr bash -c 'ulimit -n 36; seq 3 | "$SCX_RUN" --backend=loky -j 8 cat'
	assert_success
	assert_output "$(seq 3)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --partial "open-file limit of 36 (ulimit -n) leaves room for 1 of the 8 workers of -j 8 (about 4 open files each"
}

@test "a relative -j capped to one worker by the open-file limit: --if-serial refuses, naming the limit, not the CPUs" {
	local j
	for j in 200% +1; do
		run --separate-stderr bash -c 'ulimit -n 36; seq 3 | "$SCX_RUN" -j "$1" echo' sh "$j"
		assert_usage_error "only one worker is available: the open-file limit of 36 (ulimit -n) leaves room for 1 of the" \
			"workers of -j $j" "--if-serial=warn"
		refute_stderr --partial CPU
	done
}

@test "a relative -j capped to one worker, --if-serial=warn: one warning naming the limit, the run goes on" {
	run --separate-stderr bash -c 'ulimit -n 36; seq 3 | "$SCX_RUN" -j 200% --if-serial=warn echo'
	assert_success
	assert_output "$(seq 3)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp "^scx-run: warning: running serially: the open-file limit of 36 \(ulimit -n\) leaves room for 1 of the [0-9]+ workers of -j 200%"
}

@test "a relative -j capped to one worker, --if-serial=ignore: quiet" {
	run --separate-stderr bash -c 'ulimit -n 36; seq 3 | "$SCX_RUN" -j 200% --if-serial=ignore echo'
	assert_success
	assert_output "$(seq 3)"
	refute_stderr
}

@test "an item too long for an argument fails with 126 and a hint" {
	head -c 300000 /dev/zero | tr '\0' x >big
	run --separate-stderr "$SCX_RUN" -a big echo
	assert_failure 1
	assert_stderr --partial "Argument list too long"
	assert_stderr --partial "--pipe-item"
}

# --- numbers: decimal only; a number out of range names the range ------------

@test "--timeout, --delay, --load: a number too large says so and gives the range" {
	local opt
	for opt in --timeout --delay --load; do
		bad_option "$opt" 1e10 echo
		assert_usage_error "$opt: '1e10' is too large" "0.001 to 1000000000"
		bad_option "$opt" 1000000000.5 echo
		assert_usage_error "$opt: '1000000000.5' is too large"
	done
}

@test "--timeout, --delay, --load: a positive number below 0.001 is too small" {
	local opt
	for opt in --timeout --delay --load; do
		bad_option "$opt" 0.0004 echo
		assert_usage_error "$opt: '0.0004' is too small" "0.001 to 1000000000"
		bad_option "$opt" 1e-10 echo
		assert_usage_error "$opt: '1e-10' is too small"
	done
}

@test "--timeout, --delay, --load: the limits themselves are accepted" {
	local opt v
	for opt in --timeout --delay --load; do
		for v in 0.001 1e-3 1000000000 1e9 .5 5. 2E1; do
			# --info: parsed, and no run that a --load could hold
			run --separate-stderr timeout 20 "$SCX_RUN" "$opt" "$v" --info
			assert_success
			refute_stderr
		done
	done
}

@test "--timeout, --delay, --load: hex, inf, nan, signs and spaces are refused" {
	local opt v extra
	for opt in --timeout --delay --load; do
		# GNU's --load +N and -N are CPU counts; durations take units.
		extra='+1 -1'
		[ "$opt" != --load ] || extra=1s
		for v in 0x10 0x1 0X2 inf INF infinity nan NaN ' 1' '1 ' $'\t1' 1e 1e+ \
			e3 . .e1 1.2.3 1,5 1_000 0b1 1e1.5 $extra; do
			bad_option "$opt" "$v" echo
			assert_usage_error "$opt: '$v' is not a"
		done
	done
}

@test "--retries beyond its maximum says what the maximum is" {
	bad_option --retries 2147483647 echo
	assert_usage_error "--retries: '2147483647' is too large" "at most 1000000"
	bad_option --retries 99999999999999999999999 echo
	assert_usage_error "--retries: '99999999999999999999999' is too large" "at most 1000000"
}

@test "-j beyond its maximum says what the maximum is" {
	local v
	for v in 1000001 99999999999999999999 1000001% +1000001 -1000001; do
		bad_option -j "$v" echo
		assert_usage_error "--max-workers: '$v' is too large" "at most 1000000"
	done
}

@test "--chunksize beyond its maximum says what the maximum is" {
	bad_option --chunksize 99999999999999999999 echo
	assert_usage_error "--chunksize: '99999999999999999999' is too large" \
		"at most 9223372036854775807"
}

@test "--spill-after and --memfree beyond their maximum say what it is" {
	bad_option --spill-after 9999999999G echo
	assert_usage_error "--spill-after: '9999999999G' is too large" "at most 8589934591G"
	bad_option --spill-after 99999999999999999999 echo
	assert_usage_error "--spill-after: '99999999999999999999' is too large"
	bad_option --memfree 99999999999G echo
	assert_usage_error "--memfree: '99999999999G' is too large" "at most 17179869183G"
}

@test "--halt: a count or percentage beyond its maximum says what it is" {
	bad_option --halt now,fail=101% echo
	assert_usage_error "--halt: 'now,fail=101%': '101%' is too large" "at most 100%"
	bad_option --halt soon,success=99999999999999999999 echo
	assert_usage_error "--halt: 'soon,success=99999999999999999999': '99999999999999999999' is too large" \
		"at most 18446744073709551615"
}

@test "integer options refuse signs, spaces and hex (no wrap-around of '-')" {
	local opt v
	for opt in --chunksize --retries --spill-after --memfree; do
		for v in ' 3' '3 ' +3 -3 -18446744073709551615 0x3 3.0 '3 3'; do
			bad_option "$opt" "$v" echo
			assert_usage_error "$opt: '$v' is not a"
		done
	done
	for v in ' 3' '3 ' ++3 --3 0x3 '+ 3' 3.0 '3%%' '%3'; do
		bad_option -j "$v" echo
		assert_usage_error "--max-workers: '$v' is not a"
	done
	for v in now,fail=+3 'now,fail= 3' now,fail=-3 now,fail=0x3 'now,fail=3 '; do
		bad_option --halt "$v" echo
		assert_usage_error "--halt: '$v' is not"
	done
}

@test "--resume, --resume-failed without --joblog or --results: one line saying what they need, nothing run" {
	local opt
	for opt in --resume --resume-failed; do
		run --separate-stderr bash -c 'echo x | "$SCX_RUN" '"$opt"' touch "$1"' sh "$T/ran"
		assert_usage_error "$opt needs --joblog FILE or --results DIR"
		[ ! -e "$T/ran" ] || fail "$opt ran the item"
	done
}
