#!/usr/bin/env bats
# Signals: SIGINT/SIGTERM stop and leave no worker, SIGKILL after the grace
# period, SIGHUP drains, a closed stdout ends the run.
#
# Each test marks its workers with a unique word ($MARKER, also in the path
# of a copy of sleep) so that pgrep -f finds them, and only them.

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=sleep

suite_setup() {
	mkdir started
}

# A worker that says it started, then sleeps 30 s, then prints "late $1".
SLOW_WORKER='touch "started/$1"; "$0" 30; echo "late $1"'

@test "SIGINT stops the run with exit 130 and leaves no worker" {
	seq 4 >in
	start_bg -j2 sh -c "$SLOW_WORKER" "$SLEEP"
	wait_for_file started/1
	wait_for_file started/2
	kill -INT "$PID"
	wait_exit "$PID"
	assert_equal "$status" 130
	assert_equal "$(marked_pids)" ''
	# the killed items are not reported; items 3 and 4 never started
	assert_equal "$(cat out)" ''
	[ ! -e started/3 ] && [ ! -e started/4 ]
}

@test "SIGTERM stops the run with exit 143 and leaves no worker" {
	seq 4 >in
	start_bg -j2 sh -c "$SLOW_WORKER" "$SLEEP"
	wait_for_file started/1
	wait_for_file started/2
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal "$status" 143
	assert_equal "$(marked_pids)" ''
	assert_equal "$(cat out)" ''
	[ ! -e started/3 ] && [ ! -e started/4 ]
}

@test "SIGTERM: results already complete are written" {
	# ordered mode: item 2 is done but waits behind item 1, still running
	printf '1\n2\n' >in
	start_bg -j2 --progress=always sh -c 'if [ "$1" = 1 ]; then touch started/1; "$0" 30; fi
		echo "done $1"; touch started/"$1"' "$SLEEP"
	wait_for_file started/1
	wait_for_file started/2
	# item 2's result is complete once the runner counts it done (its
	# progress line, redrawn every 0.2 s): an exited item is not enough
	local i=0
	until grep -q ' 1/2 done' err; do
		[ "$i" -lt 400 ] || fail "the runner did not count item 2 done in 20 s: $(cat -A err)"
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal "$status" 143
	assert_equal "$(cat out)" 'done 2'
	assert_equal "$(marked_pids)" ''
}

# start_bg_ignoring SIG ARGS...: start_bg with SIG ignored at start.
start_bg_ignoring() {
	start_bg_command env --ignore-signal="$1" "$SCX_RUN" "${@:2}"
}

@test "SIGINT is handled even when ignored at start (a script's background job)" {
	env --ignore-signal=INT true 2>/dev/null || skip "env --ignore-signal is not supported"
	seq 2 >in
	start_bg_ignoring INT -j2 sh -c "$SLOW_WORKER" "$SLEEP"
	wait_for_file started/1
	kill -INT "$PID"
	wait_exit "$PID"
	assert_equal "$status" 130
	assert_equal "$(marked_pids)" ''
}

@test "a worker that ignores SIGTERM is SIGKILLed after the grace period" {
	seq 2 >in
	# The worker (and its sleep) ignore SIGTERM and would sleep 60 s; the
	# run must still end (the hang guard is 20 s).
	start_bg -j2 sh -c 'trap "" TERM; touch "started/$1"; "$0" 60; echo "late $1"' "$SLEEP"
	wait_for_file started/1
	wait_for_file started/2
	kill -TERM "$PID"
	wait_exit "$PID" 20
	assert_equal "$status" 143
	assert_equal "$(marked_pids)" ''
	assert_equal "$(cat out)" ''
}

# A worker that says it started, then waits (at most 20 s) for the file go.
GATED_WORKER='touch "started/$1"; i=0
	while [ ! -e go ] && [ $i -lt 400 ]; do "$0" 0.05; i=$((i + 1)); done
	echo "done $1"'

@test "SIGHUP drains: running items finish and are written, no new item starts, exit 129" {
	# SIGHUP at its default, whatever the caller ignores
	env --default-signal=HUP true 2>/dev/null || skip "env --default-signal is not supported"
	seq 5 >in
	env --default-signal=HUP "$SCX_RUN" -j2 sh -c "$GATED_WORKER" "$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_for_file started/1
	wait_for_file started/2
	kill -HUP "$PID"
	# the runner has taken the signal before items 1 and 2 end: their
	# SIGCHLD comes after it
	wait_signal_taken "$PID" HUP || fail "SIGHUP still pending after 20 s"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 129
	assert_equal "$(cat out)" "$(printf 'done 1\ndone 2')"
	[ ! -e started/3 ] || fail "item 3 started after SIGHUP"
	assert_equal "$(marked_pids)" ''
}

@test "SIGHUP ignored at start (nohup) stays ignored: the run completes" {
	env --ignore-signal=HUP true 2>/dev/null || skip "env --ignore-signal is not supported"
	seq 3 >in
	start_bg_ignoring HUP -j1 sh -c "$GATED_WORKER" "$SLEEP"
	wait_for_file started/1
	kill -HUP "$PID"
	# taken (here: discarded) before item 1 ends
	wait_signal_taken "$PID" HUP || fail "SIGHUP still pending after 20 s"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(printf 'done 1\ndone 2\ndone 3')"
}

@test "a closed stdout (| head -1) ends the run with 141, quietly, leaving no worker" {
	run --separate-stderr bash -c 'seq 1000 |
		timeout 60 "$SCX_RUN" -j2 sh -c "yes \$1 | head -c 100000; : $MARKER" sh | head -1
		echo "status ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf '1\nstatus 141')"
	refute_stderr
	assert_equal "$(marked_pids)" ''
}

@test "a closed stdout kills the running workers" {
	# item 1 fills the pipe, item 2 would sleep 30 s
	printf '1\n2\n' >in
	run --separate-stderr bash -c '
		timeout 60 "$SCX_RUN" -j2 sh -c "if [ \$1 = 1 ]; then
			while [ ! -e started/2 ]; do sleep 0.05; done; yes 1 | head -c 1000000;
			else touch started/2; \"\$0\" 30; fi" "$SLEEP" <in | head -1
		echo "status ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf '1\nstatus 141')"
	refute_stderr
	assert_equal "$(marked_pids)" ''
}

# --- results complete at a stop are written and logged (issue 11, B1) -----

# stop_resume_check SIGNAL MIN ARGS...: 200 items, item 1 blocks while
# the file "block" exists, each of the others writes 10000 bytes; once
# --progress shows MIN done, SIGNAL stops the run.  Then every finished
# result is written and logged, and --resume (unblocked) writes each
# other item once.
stop_resume_check() {
	local sig=$1 min=$2 n
	shift 2
	seq 200 >in
	touch block
	start_bg --progress=always --joblog jl "$@"
	wait_progress err "$min"
	kill -"$sig" "$PID"
	wait_exit "$PID"
	assert_equal "$status" $((128 + $(kill -l "$sig")))
	n=$(progress_done err)
	[ "$n" -ge "$min" ] || fail "the final progress line says $n done"
	# every finished result written, whole, and logged, once
	assert_equal "$(wc -l <out)" "$n"
	assert_equal "$(grep -c -v 'x\{10000\}' out)" 0
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' jl | sort -n | uniq | wc -l)" "$n"
	assert_equal "$(awk -F'\t' 'NR > 1' jl | wc -l)" "$n"
	rm block
	mv out out.1
	start_bg --joblog jl --resume "$@"
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat out.1 out | wc -l)" 200
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' jl | sort -n)" "$(seq 200)"
	assert_equal "$(marked_pids)" ''
}

# Item 1 sleeps while "block" exists; every item prints 10000 x's.
BLOCKED_ITEM='[ "$1" != 1 ] || [ ! -e block ] || "$0" 30
	head -c 10000 /dev/zero | tr "\0" x; echo'

@test "SIGTERM: 199 results behind a running item 1 are all written and logged, then --resume completes (multiprocess)" {
	stop_resume_check TERM 199 -j2 sh -c "$BLOCKED_ITEM" "$SLEEP"
}

@test "SIGINT: 199 results behind a running item 1 are all written and logged, then --resume completes (multiprocess)" {
	stop_resume_check INT 199 -j2 sh -c "$BLOCKED_ITEM" "$SLEEP"
}

@test "SIGTERM: the answers behind a running item 1 are all written and logged, then --resume completes (loky)" {
	# a worker holds one item beside the one it works on
	stop_resume_check TERM 198 --backend=loky -j2 --chunksize 1 bash -c \
		'while read -r i; do [ "$i" != 1 ] || [ ! -e block ] || "$0" 30
			printf "%s\n" "$(head -c 10000 /dev/zero | tr "\0" x)"; done' "$SLEEP"
}

@test "SIGTERM while nobody reads stdout: the write gives up after the grace, exit 143 (not 0)" {
	seq 8 >in
	mkfifo ff
	"$SCX_RUN" -j4 --joblog jl sh -c 'head -c 1000000 /dev/zero' sh <in >ff 2>err 3>&- &
	PID=$!
	# a reader that opens the FIFO and never reads
	exec 7<ff
	wait_signal_caught "$PID" TERM
	# until the runner is blocked writing to the full pipe
	local i=0
	until [[ $(cat "/proc/$PID/wchan" 2>/dev/null) == *pipe_write ]]; do
		[ "$i" -lt 2000 ] || fail "the runner never blocked on its stdout"
		sleep 0.01
		i=$((i + 1))
	done
	kill -TERM "$PID"
	wait_exit "$PID"
	exec 7<&-
	assert_equal "$status" 143
}
