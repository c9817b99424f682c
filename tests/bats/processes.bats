#!/usr/bin/env bats
# What items start, found again and ended (issue 11, Build 4): an item
# ends when its own process has exited and its pipes are drained, or at
# most a short drain after that exit; nothing an item started outlives the
# run (background children, setsid daemons); a runner killed by SIGKILL
# takes its items' process groups with it; workers inherit no stray
# descriptor.
#
# Worker commands carry $MARKER (a copy of sleep whose path has it, or $0)
# so that pgrep -f finds this test's processes, and only them.  Runs that
# could hang go through timeout (a hang shows as status 124): hang guards,
# not timing checks.

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=sleep


# --- an item whose child holds its output -----------------------------------

@test "--timeout 1, the item's own process exits while a background child holds stdout: its output, exit 0, no hang, no child left (B2)" {
	run --separate-stderr timeout 20 "$SCX_RUN" --timeout 1 sh -c '"$0" 60 & echo started' "$SLEEP" </dev/null
	assert_success
	assert_output ''
	echo 1 >in
	run --separate-stderr timeout 20 "$SCX_RUN" --timeout 1 sh -c '"$0" 60 & echo started' "$SLEEP" <in
	assert_success
	assert_output 'started'
	refute_stderr
	no_marked_left 0
}

@test "--timeout 1, a setsid daemon holds the item's stdout: the item ends, the daemon is ended with the run (B2)" {
	echo 1 >in
	run --separate-stderr timeout 20 "$SCX_RUN" --timeout 1 sh -c 'setsid "$0" 60 & echo started' "$SLEEP" <in
	assert_success
	assert_output 'started'
	no_marked_left 0
}

@test "an item that leaves a background child holding its stdout ends without waiting for it, as GNU parallel does" {
	# GNU parallel 20221122 prints "started" and ends the job at once
	seq 3 >in
	run --separate-stderr timeout 20 "$SCX_RUN" -j2 sh -c '"$0" 30 & echo "started $1"' "$SLEEP" <in
	assert_success
	assert_output "$(printf 'started %s\n' 1 2 3)"
	no_marked_left 0
}

@test "the end of the run ends what items left running: a background child and a setsid daemon" {
	seq 4 >in
	run --separate-stderr timeout 20 "$SCX_RUN" -j2 sh -c '"$0" 30 </dev/null >/dev/null 2>&1 &
		setsid "$0" 31 </dev/null >/dev/null 2>&1 &
		echo "$1"' "$SLEEP" <in
	assert_success
	assert_output "$(seq 4)"
	no_marked_left 0
}

@test "a daemon that ignores SIGTERM is SIGKILLed after the grace at the end of the run" {
	echo 1 >in
	run --separate-stderr timeout 20 "$SCX_RUN" sh -c 'trap "" TERM; setsid sh -c "trap \"\" TERM; exec \"$0\" 30" "$0" </dev/null >/dev/null 2>&1 &
		echo ok' "$SLEEP" <in
	assert_success
	assert_output ok
	no_marked_left 0
}

@test "loky: a worker's background child holding its stdout does not keep the run alive, and is ended (B6)" {
	seq 3 >in
	run --separate-stderr timeout 20 "$SCX_RUN" --backend=loky -j2 sh -c '"$0" 30 & while read x; do echo $x; done' "$SLEEP" <in
	assert_success
	assert_output "$(seq 3)"
	no_marked_left 0
}

@test "loky: SIGTERM ends the workers and their background children (B6)" {
	seq 3 >in
	mkdir started
	"$SCX_RUN" --backend=loky -j2 sh -c '"$0" 30 & while read x; do touch started/$x; "$0" 20; echo $x; done' "$SLEEP" <in >out 2>err 3>&- &
	local pid=$!
	wait_for_file started/1
	wait_for_file started/2
	kill -TERM "$pid"
	wait_exit "$pid"
	assert_equal "$status" 143
	no_marked_left
}

@test "SIGTERM ends the setsid daemons of items that already finished" {
	seq 10 >in
	mkdir started
	"$SCX_RUN" -j2 sh -c 'if [ "$1" -le 3 ]; then setsid "$0" 30 </dev/null >/dev/null 2>&1 & else touch started/$1; exec "$0" 20; fi' "$SLEEP" <in >out 2>err 3>&- &
	local pid=$!
	wait_for_file started/4
	kill -TERM "$pid"
	wait_exit "$pid"
	assert_equal "$status" 143
	no_marked_left
}

# --- the runner killed by SIGKILL --------------------------------------------

# kill9_check ARGS...: scx-run ARGS over 10 items whose workers (and their
# children, in the item's process group) carry $MARKER; once four of
# them run, SIGKILL the runner: within 3 s none is left.
kill9_check() {
	seq 10 >in
	start_bg "$@"
	local pid=$PID i=0
	while [ "$(marked_pids | wc -l)" -lt 4 ]; do
		[ "$i" -lt 400 ] || fail "the workers did not start"
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$pid"
	wait "$pid" || true
	no_marked_left 3
}

@test "SIGKILL of the runner: no worker and no child in its item's group is left (multiprocess)" {
	kill9_check -j2 sh -c '"$0" 30 & "$0" 31' "$SLEEP"
}

@test "SIGKILL of the runner: no worker and no child in its item's group is left (loky)" {
	kill9_check --backend=loky -j2 sh -c '"$0" 30 & while read x; do "$0" 31; echo $x; done' "$SLEEP"
}

# --- descriptors ---------------------------------------------------------------

# list_fds FILE...: each FILE (a listing of /proc/PID/fd) on one line.
list_fds() {
	local f
	for f in "$@"; do
		sort -n "$f" | tr '\n' ' '
		echo
	done
}

# The shell lists its own descriptors with a simple command (no pipeline:
# a pipeline's pipes would be open in the shell while ls reads).

@test "a worker gets only stdin, stdout and stderr from the runner: no descriptor leaks (multiprocess)" {
	# descriptors of the shell running the tests are closed first; the
	# runner's own (its loop, pipes, /dev/null) must not reach the worker
	seq 2 >in
	run --separate-stderr bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
		exec "$0" -j2 bash -c "ls /proc/\$\$/fd >fds.\$1" sh <in' "$SCX_RUN"
	assert_success
	assert_equal "$(list_fds fds.1 fds.2)" "$(printf '0 1 2 \n0 1 2 ')"
}

@test "a worker gets only stdin, stdout and stderr from the runner: no descriptor leaks (loky)" {
	echo x >in
	run --separate-stderr bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
		exec "$0" --backend=loky -j1 bash -c "ls /proc/\$\$/fd >fds; while read x; do echo \$x; done" <in' "$SCX_RUN"
	assert_success
	assert_output x
	assert_equal "$(list_fds fds)" '0 1 2 '
}
