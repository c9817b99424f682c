#!/usr/bin/env bats
# GNU parallel's job log forms, stopping, scheduling and values (issue 14,
# Build 4 (job log forms, --retry-failed), 5, 6, 7): --joblog +FILE and -,
# --halt's exit statuses and messages, its legacy forms, --termseq,
# durations with units, -j 0 and -j FILE.
#
# Every expected output marked "GNU" is what GNU parallel 20221122 printed
# for the same command line on this machine, recorded by hand; the tests
# do not need GNU parallel.  Job log lines are compared without their
# Starttime and JobRuntime columns (cut -f1,2,5-), which vary.

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=sleep

# g ARGS...: scx-run ARGS with stdin from /dev/null, under a hang guard.
g() {
	timeout 60 "$SCX_RUN" "$@" </dev/null
}

# --- --joblog +FILE and --joblog - -----------------------------------------

@test "--joblog +FILE twice: the file is added to, and +FILE writes no header line (GNU)" {
	run --separate-stderr g --joblog +jl echo ::: a
	assert_success
	assert_output a
	run --separate-stderr g --joblog +jl echo ::: a
	assert_success
	# GNU: parallel --joblog +jl echo ::: a, twice.
	run cut -f1,2,5- jl
	assert_output "$(printf '1\t:\t0\t2\t0\t0\techo a\n1\t:\t0\t2\t0\t0\techo a')"
}

@test "--joblog FILE then --joblog +FILE: one header, two lines (GNU)" {
	run --separate-stderr g --joblog jl echo ::: a
	assert_success
	run --separate-stderr g --joblog +jl echo ::: b
	assert_success
	assert_output b
	# GNU: parallel --joblog jl echo ::: a; parallel --joblog +jl echo ::: b
	run cut -f1,2,5- jl
	assert_output "$(printf 'Seq\tHost\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t0\t2\t0\t0\techo a\n1\t:\t0\t2\t0\t0\techo b')"
}

@test "--joblog FILE (no +) still empties the log first" {
	g --joblog jl echo ::: a >/dev/null
	g --joblog jl echo ::: b >/dev/null
	run cut -f1,2,5- jl
	assert_output "$(printf 'Seq\tHost\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t0\t2\t0\t0\techo b')"
}

@test "--joblog -: the header, then each job's line after its output, on stdout (GNU)" {
	run --separate-stderr g --joblog - echo ::: a b
	assert_success
	assert_stderr ''
	# GNU: parallel -k --joblog - echo ::: a b
	run cut -f1,2,5- <<<"$output"
	assert_output "$(printf 'Seq\tHost\tSend\tReceive\tExitval\tSignal\tCommand\na\n1\t:\t0\t2\t0\t0\techo a\nb\n2\t:\t0\t2\t0\t0\techo b')"
}

@test "--joblog - with reusable workers: each line after its item's output" {
	run --separate-stderr g --backend=loky -j1 --joblog - cat ::: a b
	assert_success
	run cut -f1,7 <<<"$output"
	assert_output "$(printf 'Seq\tExitval\na\n1\t0\nb\n2\t0')"
}

@test "--joblog + and --joblog with no name: one line, exit 255" {
	run --separate-stderr g --joblog + echo ::: a
	assert_usage_error "--joblog" "'+'" "+FILE"
}

@test "--joblog - --resume: nothing to read back, one line, exit 255" {
	run --separate-stderr g --joblog - --resume echo ::: a
	assert_usage_error "--resume needs --joblog FILE"
}

# --- --halt: GNU's exit statuses and messages --------------------------------

@test "--halt now,fail=1 'echo {}; exit {}' ::: 0 3 0: exit 3, the failing job's status, and GNU's two lines (GNU)" {
	run --separate-stderr g --halt now,fail=1 'echo {}; exit {}' ::: 0 3 0
	assert_failure 3
	run --separate-stderr g -j1 --halt now,fail=1 'echo {}; exit {}' ::: 0 3 0
	# GNU: parallel -j1 --halt now,fail=1 'echo {}; exit {}' ::: 0 3 0
	assert_failure 3
	assert_output "$(printf '0\n3')"
	assert_equal "$stderr" "$(printf 'scx-run: This job failed:\necho 3; exit 3')"
}

@test "--halt soon,fail=1: exit 3 too; a job killed by a signal gives 128+n (GNU)" {
	run --separate-stderr g -j1 --halt soon,fail=1 'echo {}; exit {}' ::: 0 3 0
	assert_failure 3
	assert_output "$(printf '0\n3')"
	# GNU: parallel --halt now,fail=1 'kill -9 $$' ::: 0 (exit 137)
	run --separate-stderr g --halt now,fail=1 'kill -9 $$' ::: 0
	assert_failure 137
	assert_equal "$stderr" "$(printf 'scx-run: This job failed:\nkill -9 $$ 0')"
}

@test "--halt success=1 and done=1: exit 0 (the job's status), 'This job succeeded:' / 'This job finished:' (GNU)" {
	# GNU: parallel -j1 --halt now,success=1 'echo {}; exit {}' ::: 0 3 0 4
	run --separate-stderr g -j1 --halt now,success=1 'echo {}; exit {}' ::: 0 3 0 4
	assert_success
	assert_output 0
	assert_equal "$stderr" "$(printf 'scx-run: This job succeeded:\necho 0; exit 0')"
	# GNU: parallel -j1 --halt soon,done=1 'echo {}; exit {}' ::: 0 3 0 4
	run --separate-stderr g -j1 --halt soon,done=1 'echo {}; exit {}' ::: 0 3 0 4
	assert_success
	assert_output 0
	assert_equal "$stderr" "$(printf 'scx-run: This job finished:\necho 0; exit 0')"
}

@test "--halt now,fail=2: exit 2, the number failed; every failed job is told (GNU)" {
	# GNU: parallel -j1 --halt now,fail=2 'exit {}' ::: 0 3 0 5 7
	run --separate-stderr g -j1 --halt now,fail=2 'exit {}' ::: 0 3 0 5 7
	assert_failure 2
	assert_equal "$stderr" "$(printf 'scx-run: This job failed:\nexit 3\nscx-run: This job failed:\nexit 5')"
}

@test "--halt with a percentage: exit the percentage failed, met or not (GNU)" {
	# GNU: parallel -j1 --halt now,fail=34% 'echo {}; exit {}' ::: 0 3 0 4 (exit 50)
	run --separate-stderr g -j1 --halt now,fail=34% 'echo {}; exit {}' ::: 0 3 0 4
	assert_failure 50
	assert_output "$(printf '0\n3\n0\n4')"
	assert_equal "$stderr" "$(printf 'scx-run: This job failed:\necho 3; exit 3\nscx-run: This job failed:\necho 4; exit 4')"
	# GNU: parallel --halt soon,fail=50% 'exit {}' ::: 0 3 0 0 (never met: exit 25)
	run --separate-stderr g -j1 --halt soon,fail=50% 'exit {}' ::: 0 3 0 0
	assert_failure 25
	# GNU: parallel -j1 --halt soon,success=50% 'exit {}' ::: 1 0 1 2 (exit 75)
	run --separate-stderr g -j1 --halt soon,success=50% 'exit {}' ::: 1 0 1 2
	assert_failure 75
}

@test "--halt soon,fail=1 with a job still running: 'Starting no more jobs. Waiting for 1 jobs to finish.' (GNU)" {
	# slow runs until the message is out (the test releases it once it
	# reads it); fail fails once slow has started.
	timeout 60 "$SCX_RUN" -j2 --halt soon,fail=1 sh -c '
		case $1 in
		slow) touch started; while [ ! -e release ]; do sleep 0.01; done; echo slow ;;
		fail) while [ ! -e started ]; do sleep 0.01; done; echo fail; exit 1 ;;
		esac' sh ::: slow fail never </dev/null >out 2>err &
	pid=$!
	i=0
	while ! grep -q 'Waiting for' err && [ $i -lt 6000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	touch release
	st=0
	wait "$pid" || st=$?
	# GNU: parallel -j2 --halt soon,fail=1 ... (the same lines, parallel:)
	assert_equal "$st" 1
	assert_equal "$(cat out)" "$(printf 'slow\nfail')"
	assert_equal "$(head -n1 err)" 'scx-run: This job failed:'
	assert_equal "$(tail -n1 err)" 'scx-run: Starting no more jobs. Waiting for 1 jobs to finish.'
	assert_equal "$(grep -c . err)" 7
}

@test "--halt's legacy forms: 0 never, 1 soon,fail=1, 2 now,fail=1, -1 and -2 success=1, N% soon,fail=N%; --halt-on-error is --halt (GNU)" {
	# GNU: parallel -j1 --halt H 'exit {}' ::: 0 3 0 4, for each H
	run --separate-stderr g -j1 --halt 0 'exit {}' ::: 0 3 0 4
	assert_failure 2
	assert_stderr ''
	run --separate-stderr g -j1 --halt 1 'exit {}' ::: 0 3 0 4
	assert_failure 3
	run --separate-stderr g -j1 --halt 2 'exit {}' ::: 0 3 0 4
	assert_failure 3
	assert_equal "$stderr" "$(printf 'scx-run: This job failed:\nexit 3')"
	run --separate-stderr g -j1 --halt -1 'exit {}' ::: 0 3 0 4
	assert_success
	assert_equal "$stderr" "$(printf 'scx-run: This job succeeded:\nexit 0')"
	run --separate-stderr g -j1 --halt -2 'exit {}' ::: 0 3 0 4
	assert_success
	run --separate-stderr g -j1 --halt 50% 'exit {}' ::: 0 3 0 4
	assert_failure 50
	# GNU: parallel --halt-on-error 2 'exit {}' ::: 0 3 0
	run --separate-stderr g --halt-on-error 2 'exit {}' ::: 0 3 0
	assert_failure 3
	run --separate-stderr g --halt 3 'exit {}' ::: 0
	assert_usage_error "--halt: '3' is not"
}

# --- durations with units, --timeout N%, --load N% ---------------------------

@test "--delay 0.1s --timeout 10s echo ::: a b (GNU)" {
	run --separate-stderr g --delay 0.1s --timeout 10s echo ::: a b
	# GNU: parallel -k --delay 0.1s --timeout 10s echo ::: a b
	assert_success
	assert_output "$(printf 'a\nb')"
	assert_stderr ''
}

@test "durations: 30s 1m 2h 1d 1h2m 0.1s 1m30 2H, and bare seconds, for --timeout and --delay" {
	local v
	for v in 30s 1m 2h 1d 1h2m 0.1s 1m30 2H 5 0.5; do
		run --separate-stderr g --timeout "$v" echo ::: a
		assert_success
		assert_output a
	done
	run --separate-stderr g --delay 1h2m --dry-run echo ::: a
	assert_success
}

@test "durations: 0s, 1x, 1mm, s and more than 10^9 seconds are refused with one line" {
	local v
	for v in 0s 1x 1mm s; do
		run --separate-stderr g --timeout "$v" echo ::: a
		assert_usage_error "--timeout: '$v' is not a positive number of seconds" "30s, 1m, 2h, 1d, 1h2m"
	done
	run --separate-stderr g --delay 11575d echo ::: a
	assert_usage_error "--delay: '11575d' is too large"
}

@test "--timeout 1000%: an item far slower than the median of those that succeeded is ended" {
	# -j1: three items of about 0.05 s, then one that never ends on its
	# own: it is ended as timed out (the others are not looked at: a
	# machine that stalls one of them 10 times over may time it out too).
	run --separate-stderr g -j1 --format=jsonl --timeout 1000% sh -c '
		case $1 in hang) exec "$0" 1000 ;; esac; "$0" 0.05; echo "$1"' "$SLEEP" ::: a b c hang
	assert_failure
	assert_equal "$(jq -c 'select(.item == "hang") | [.timeout, .signal]' <<<"$output")" '[true,15]'
	no_marked_left
}

@test "--timeout 200%: before any item succeeded, none times out (GNU's rule)" {
	# The first item takes longer than anything after it.
	run --separate-stderr g -j1 --timeout 1% sh -c '"$0" "$1"; echo "$1"' "$SLEEP" ::: 0.3
	assert_success
	assert_output 0.3
}

@test "--timeout N%: 0% and 1000001% are refused with one line" {
	run --separate-stderr g --timeout 0% echo ::: a
	assert_usage_error "--timeout: '0%'"
	run --separate-stderr g --timeout 1000001% echo ::: a
	assert_usage_error "--timeout: '1000001%' is too large"
}

@test "--load N%, +N, -N: relative to the CPUs, as GNU parallel; 0% and 1.5% are refused" {
	run --separate-stderr g --load 100000% echo ::: a
	assert_success
	assert_output a
	run --separate-stderr g --load +100000 echo ::: a
	assert_success
	run --separate-stderr g --load 0% echo ::: a
	assert_usage_error "--load: '0%'" "N%, +N, -N"
	run --separate-stderr g --load 1.5% echo ::: a
	assert_usage_error "--load: '1.5%'"
	run --separate-stderr g --load -100000 echo ::: a
	assert_usage_error "--load: '-100000'"
}

# --- -j 0, -j FILE, and the other -j forms -----------------------------------

@test "-j0 echo ::: a b (GNU); -j 0 is as many workers as the limits allow" {
	run --separate-stderr g -j0 echo ::: a b
	# GNU: parallel -k -j0 echo ::: a b
	assert_success
	assert_output "$(printf 'a\nb')"
	assert_stderr ''
	run --separate-stderr g -j 0 --info
	assert_success
	size=$(sed -n 's/^size: //p' <<<"$output")
	[ "$size" -gt 2 ] || fail "-j 0 gave $size workers"
	# The open-file limit caps it, without a warning.
	run --separate-stderr bash -c 'ulimit -n 64; exec "$SCX_RUN" -j 0 --info </dev/null'
	assert_success
	assert_stderr ''
	size=$(sed -n 's/^size: //p' <<<"$output")
	[ "$size" -ge 1 ] && [ "$size" -le 11 ] || fail "-j 0 under ulimit -n 64 gave $size workers"
}

@test "-j +N, -j -N, -j N% still work; -j 0% is refused" {
	run --separate-stderr g -j +1 echo ::: a
	assert_success
	run --separate-stderr g -j -1 --if-serial=ignore echo ::: a
	assert_success
	run --separate-stderr g -j 50% --if-serial=ignore echo ::: a
	assert_success
	run --separate-stderr g -j 0% echo ::: a
	assert_usage_error "--max-workers: '0%' is not a worker count"
}

@test "-j FILE: a file holding a count; one holding none, or none at all, is refused with one line" {
	echo 2 >jobs
	run --separate-stderr g -j jobs echo ::: a b
	assert_success
	assert_output "$(printf 'a\nb')"
	echo ' +1 ' >jobs
	run --separate-stderr g -P jobs echo ::: a
	assert_success
	echo x >jobs
	run --separate-stderr g -j jobs echo ::: a
	assert_usage_error "--max-workers: 'jobs' is not a file holding a worker count"
	run --separate-stderr g -j no-such-file echo ::: a
	assert_usage_error "--max-workers: 'no-such-file' is not a worker count"
}

# started_count: how many items have started (their marker files).
started_count() {
	ls started.* 2>/dev/null | wc -l
}

# wait_started N: waits (at most 60 s) until N items have started.
wait_started() {
	local i=0
	while [ "$(started_count)" -lt "$1" ] && [ $i -lt 6000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	[ "$(started_count)" -ge "$1" ] || fail "only $(started_count) of $1 items started"
}

@test "-j FILE: a running run whose FILE goes from 1 to 4 goes from one to four running items, without restarting [A2]" {
	echo 1 >jobs
	# Each item marks its start, then waits for its release file.
	timeout 120 "$SCX_RUN" -j jobs sh -c '
		echo "$$" >"started.$1"
		while [ ! -e "release.$1" ]; do sleep 0.01; done
		echo "$1"' sh ::: 1 2 3 4 5 6 7 8 </dev/null >out 2>err &
	pid=$!
	wait_started 1
	# One slot: item 2 cannot start while item 1 runs.
	assert_equal "$(started_count)" 1
	echo 4 >jobs
	# The count is read again when an item ends.
	touch release.1
	wait_started 4
	# Items 2, 3, 4 and 5 run at once (1 ended): four, no more.
	wait_started 5
	assert_equal "$(started_count)" 5
	running=$(for f in started.*; do kill -0 "$(cat "$f")" 2>/dev/null && echo; done | wc -l)
	assert_equal "$running" 4
	# The run was not restarted: item 1 started once, the same process.
	touch release.2 release.3 release.4 release.5 release.6 release.7 release.8
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	assert_equal "$(cat out)" "$(seq 8)"
	assert_equal "$(cat err)" ''
}

# --- --nice, --tmpdir --------------------------------------------------------

@test "--nice 5 'nice; echo {}' ::: a: the job runs 5 nicer (GNU); with loky too" {
	base=$(nice)
	run --separate-stderr g --nice 5 'nice; echo {}' ::: a
	# GNU: parallel --nice 5 'nice; echo {}' ::: a (from niceness 0)
	assert_success
	assert_output "$(printf '%s\na' $((base + 5 > 19 ? 19 : base + 5)))"
	run --separate-stderr g --backend=loky --nice 5 sh -c 'read -r x; echo "$(nice) $x"' ::: a
	assert_success
	assert_output "$((base + 5 > 19 ? 19 : base + 5)) a"
}

@test "--nice: beyond -20 to 19, or not an integer, is refused with one line" {
	run --separate-stderr g --nice 20 echo ::: a
	assert_usage_error "--nice: '20' is too large" "-20 to 19"
	run --separate-stderr g --nice x echo ::: a
	assert_usage_error "--nice: 'x' is not a niceness"
}

@test "--tmpdir DIR is \$TMPDIR, for the workers too (GNU); also --tempdir; a missing DIR is refused" {
	mkdir tdir
	run --separate-stderr g --tmpdir "$T/tdir" 'echo $TMPDIR' ::: a
	# GNU: parallel --tmpdir /var/tmp 'echo $TMPDIR' ::: a printed "/var/tmp a"
	assert_success
	assert_output "$T/tdir a"
	run --separate-stderr g --tempdir "$T/tdir" 'echo $TMPDIR' ::: a
	assert_output "$T/tdir a"
	run --separate-stderr g --tmpdir "$T/none" echo ::: a
	assert_usage_error "--tmpdir: '$T/none' is not a directory"
}

# --- --retry-failed -----------------------------------------------------------

@test "--retry-failed --joblog jl: the failed jobs run again, their commands from the log, numbers kept; the log is added to (GNU)" {
	run --separate-stderr g --joblog jl 'echo {}; exit {}' ::: 0 3 0 4
	assert_failure 2
	run --separate-stderr g --retry-failed --joblog jl
	# GNU: parallel --joblog jl 'echo {}; exit {}' ::: 0 3 0 4, then
	# parallel --retry-failed --joblog jl
	assert_failure 2
	assert_output "$(printf '3\n4')"
	run cut -f1,7- jl
	assert_output "$(printf 'Seq\tExitval\tSignal\tCommand\n1\t0\t0\techo 0; exit 0\n2\t3\t0\techo 3; exit 3\n3\t0\t0\techo 0; exit 0\n4\t4\t0\techo 4; exit 4\n2\t3\t0\techo 3; exit 3\n4\t4\t0\techo 4; exit 4')"
	# The command line's command and sources are not used (GNU).
	run --separate-stderr g --retry-failed --joblog jl echo ignored ::: x
	assert_failure 2
	assert_output "$(printf '3\n4')"
}

@test "--retry-failed: a job that now succeeds is not run a third time; a command with a newline runs whole" {
	run --separate-stderr g --joblog jl sh -c 'test -e ok-$1 || { touch ok-$1; exit 1; }; echo "ran $1"' sh ::: a b
	assert_failure 2
	run --separate-stderr g --retry-failed --joblog jl
	assert_success
	assert_output "$(printf 'ran a\nran b')"
	run --separate-stderr g --retry-failed --joblog jl
	assert_success
	assert_output ''
	printf 'echo one\nexit 1\0' >cmds
	run --separate-stderr timeout 60 "$SCX_RUN" -0 --joblog nl <cmds
	assert_failure 1
	run --separate-stderr g --retry-failed --joblog nl
	assert_failure 1
	assert_output one
}

@test "--retry-failed without --joblog FILE, or with a log that is not one: one line, exit 255" {
	run --separate-stderr g --retry-failed echo a
	assert_usage_error "--retry-failed needs --joblog FILE"
	run --separate-stderr g --retry-failed --joblog - echo a
	assert_usage_error "--retry-failed needs --joblog FILE"
	printf 'a\tb\n' >bad
	run --separate-stderr g --retry-failed --joblog bad
	assert_usage_error "--retry-failed: --joblog 'bad': line 1 is not a job log line"
}

@test "--joblog - --dry-run: only the commands, no log (GNU)" {
	run --separate-stderr g --dry-run --joblog - echo ::: a
	# GNU: parallel --dry-run --joblog - echo ::: a
	assert_success
	assert_output 'echo a'
}

@test "--joblog +FILE keeps a last line without its newline, and adds its lines after it" {
	printf 'my notes' >jl
	run --separate-stderr g --joblog +jl echo ::: a
	assert_success
	run cut -f1,2,5- jl
	assert_output "$(printf 'my notes\n1\t:\t0\t2\t0\t0\techo a')"
}

# --- --shuf -------------------------------------------------------------------

@test "--shuf: every job runs once, in a random order, numbered {#} in that order (GNU)" {
	run --separate-stderr g --shuf echo {#} {} ::: $(seq 20)
	# GNU: parallel -k --shuf echo {#} {} ::: 1 ... 20 printed 1..20 in
	# the first column and the arguments shuffled in the second.
	assert_success
	assert_equal "$(cut -d' ' -f1 <<<"$output" | paste -sd' ')" "$(seq 20 | paste -sd' ')"
	assert_equal "$(cut -d' ' -f2 <<<"$output" | sort -n | paste -sd' ')" "$(seq 20 | paste -sd' ')"
	# 20! orders: the input's own is (all but) never the one drawn.
	[ "$(cut -d' ' -f2 <<<"$output" | paste -sd' ')" != "$(seq 20 | paste -sd' ')" ] ||
		fail "--shuf kept the input order"
}

@test "--shuf with a file, with two sources, with loky; no items: exit 0" {
	seq 5 >f5
	run --separate-stderr g --shuf -a f5 echo
	assert_success
	assert_equal "$(sort -n <<<"$output" | paste -sd' ')" '1 2 3 4 5'
	run --separate-stderr g --shuf echo {1}{2} ::: a b ::: 1 2
	assert_success
	assert_equal "$(sort <<<"$output" | paste -sd' ')" 'a1 a2 b1 b2'
	run --separate-stderr g --shuf --backend=loky cat ::: a b c
	assert_success
	assert_equal "$(sort <<<"$output" | paste -sd' ')" 'a b c'
	run --separate-stderr g --shuf echo ::: 
	assert_success
	assert_output ''
}

# --- --workdir ----------------------------------------------------------------

@test "--wd wdt/{} pwd ::: a b: each job in its own directory, made when missing (GNU's output)" {
	# GNU parallel 20221122: /PWD/wdt/a, /PWD/wdt/b (it makes them).
	run --separate-stderr "$SCX_RUN" -k --wd wdt/{} sh -c pwd sh ::: a b </dev/null
	assert_success
	assert_output "$(printf '%s\n' "$PWD/wdt/a" "$PWD/wdt/b")"
	[ -d wdt/a ] && [ -d wdt/b ]
	# --workdir and --work-dir are its other names; '.' is ours;
	# "/./" and a trailing slash are dropped.
	run --separate-stderr "$SCX_RUN" --workdir "$PWD/./x/" 'pwd; echo {}' ::: 1 </dev/null
	assert_output "$(printf '%s\n' "$PWD/x" 1)"
	run --separate-stderr "$SCX_RUN" --work-dir . sh -c pwd sh ::: 1 </dev/null
	assert_output "$PWD"
	refute_stderr
}

@test "--wd: a directory that cannot be made fails the job with 255 and one line; '...' is refused" {
	touch file
	run --separate-stderr "$SCX_RUN" --wd file/{} pwd ::: a </dev/null
	assert_failure 1
	assert_output ''
	assert_stderr "scx-run: --workdir 'file/{}': cannot make the job's directory"
	run --separate-stderr "$SCX_RUN" --wd ... pwd ::: a </dev/null
	assert_failure 255
	assert_stderr --partial "'...'"
}

@test "--wd with reusable workers: a plain directory, not one with replacement strings" {
	mkdir d
	run --separate-stderr "$SCX_RUN" --backend=loky -j1 --wd d sh -c 'while read -r l; do echo "$PWD $l"; done' <<<a
	assert_success
	assert_output "$PWD/d a"
	run --separate-stderr "$SCX_RUN" --backend=loky --wd 'd/{}' cat <<<a
	assert_failure 255
}
