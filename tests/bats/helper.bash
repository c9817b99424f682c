# Common set-up for the scx-run bats suites.
#
#   load helper
#
# SCX_RUN is the binary under test (make check-bats sets it; the default is
# the build tree).  Each test runs in its own temporary directory, $T.

# bats-support and bats-assert.  Their load.bash files find their parts
# with $(dirname ...), about 17 forks per test (0.35 s a test on a VM where
# a spawn costs 6 ms): source the same parts directly, falling back to
# load.bash for another layout.
_scx_bats_lib=/usr/lib/bats
if [ -f "$_scx_bats_lib/bats-support/src/output.bash" ] &&
	[ -f "$_scx_bats_lib/bats-assert/src/assert_output.bash" ]; then
	for _scx_f in "$_scx_bats_lib"/bats-support/src/*.bash \
		"$_scx_bats_lib"/bats-assert/src/*.bash; do
		# shellcheck disable=SC1090
		source "$_scx_f"
	done
	unset _scx_f
else
	load "$_scx_bats_lib/bats-support/load.bash"
	load "$_scx_bats_lib/bats-assert/load.bash"
fi
unset _scx_bats_lib

: "${SCX_RUN:=$BATS_TEST_DIRNAME/../../build/scx-run}"
export SCX_RUN

# Tests start from a known environment: no backend chosen by the caller,
# messages (strerror) in English.
unset SCX_BACKEND
export LC_ALL=C

# The source tree, for the suites that read its files or build in it.
ROOT=$BATS_TEST_DIRNAME/../..

# --- every test's set-up and tear-down ------------------------------------
#
# Every suite uses the setup and teardown below; a suite adds to them by
# defining suite_setup (run last in setup, in $T) or suite_teardown (run
# first in teardown), and sets before its tests:
#
#   SCX_MARK=1      a $MARKER for each test's processes, exported;
#   SCX_MARK=sleep  the same and a copy of sleep carrying it, $SLEEP.
#
# A suite's setup_file exports SCX_SUITE_SKIP, when set, as the reason
# every test of the suite skips (a missing tool, a build without MPI).

scx_setup() {
	[ -x "$SCX_RUN" ] || fail "SCX_RUN='$SCX_RUN' is not an executable (run make)"
	T=$BATS_TEST_TMPDIR
	cd "$T" || fail "cannot cd to $T"
}

setup() {
	[ -z "${SCX_SUITE_SKIP:-}" ] || skip "$SCX_SUITE_SKIP"
	scx_setup
	case ${SCX_MARK:-} in
	'') ;;
	sleep)
		new_marker
		make_marked_sleep
		export MARKER SLEEP
		;;
	*)
		new_marker
		export MARKER
		;;
	esac
	if declare -F suite_setup >/dev/null; then
		suite_setup
	fi
}

# teardown: a test that passed must leave no marked process (no_marked_left
# fails it otherwise); then, passed or not, what is left of its processes
# is killed (scx_teardown).
teardown() {
	local st=0
	if declare -F suite_teardown >/dev/null; then
		suite_teardown || st=$?
	fi
	if [ -n "${MARKER:-}" ] && [ -n "${BATS_TEST_COMPLETED:-}" ] &&
		[ -z "${BATS_TEST_SKIPPED:-}" ]; then
		no_marked_left || st=$?
	fi
	scx_teardown
	return "$st"
}

# --- running the binary -------------------------------------------------

# scx_in FILE ARGS...: run scx-run with stdin from FILE.
scx_in() {
	local in=$1
	shift
	"$SCX_RUN" "$@" <"$in"
}

# into OUT COMMAND...: run COMMAND with its stdout to the file OUT, for
# outputs too big to hold in $output.
into() {
	local out=$1
	shift
	"$@" >"$out"
}

# scx_to OUT ARGS...: run scx-run (stdin inherited) with stdout to the file
# OUT.
scx_to() {
	into "$1" "$SCX_RUN" "${@:2}"
}

# scx_to2 OUT ERR ARGS...: stdout to OUT and stderr to ERR.
scx_to2() {
	local out=$1 err=$2
	shift 2
	"$SCX_RUN" "$@" >"$out" 2>"$err"
}

# The runs that could hang go through a hang guard, timeout 60: a hang
# shows as status 124 (not a timing check).

# scx IN ARGS...: scx-run ARGS with stdin from IN, under a hang guard.
scx() {
	local in=$1
	shift
	timeout 60 "$SCX_RUN" "$@" <"$in"
}

# sx ARGS...: scx-run ARGS with stdin from the file in, under a hang guard.
sx() {
	scx in "$@"
}

# lk IN ARGS...: scx-run --backend=loky ARGS with stdin from IN, under a
# hang guard.
lk() {
	scx "$1" --backend=loky "${@:2}"
}

# lk_to IN OUT ARGS...: the same with stdout to the file OUT.
lk_to() {
	into "$2" lk "$1" "${@:3}"
}

# mpiexec with the options this machine needs: it has 2 cores (always
# --oversubscribe), and tests may run as root.
MPIEXEC=(mpiexec --oversubscribe)
[ "$EUID" != 0 ] || MPIEXEC+=(--allow-run-as-root)

# mpi ARGS...: mpiexec ARGS (with the options this machine needs).
mpi() {
	"${MPIEXEC[@]}" "$@"
}

# mpi_to OUT ARGS...: mpiexec ARGS with stdout to the file OUT.
mpi_to() {
	into "$1" mpi "${@:2}"
}

# start_bg_command COMMAND...: start COMMAND in the background (fd 3, which
# bats waits on, closed), stdin from in, stdout to out, stderr to err; its
# pid in PID.
start_bg_command() {
	"$@" <in >out 2>err 3>&- &
	PID=$!
}

# start_bg ARGS...: start scx-run ARGS that way.
start_bg() {
	start_bg_command "$SCX_RUN" "$@"
}

# start_mpi_bg ARGS...: start mpiexec ARGS that way.
start_mpi_bg() {
	start_bg_command "${MPIEXEC[@]}" "$@"
}

# load_err: $stderr and $stderr_lines from the file err (for jobs started
# in the background).
load_err() {
	stderr=$(cat err)
	mapfile -t stderr_lines <err
}

# --- assertions on $stderr (bats-assert only looks at $output) ----------

assert_stderr() {
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")
	assert_output "$@"
}

refute_stderr() {
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")
	refute_output "$@"
}

assert_stderr_line() {
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")
	assert_line "$@"
}

# assert_usage_error FIXED-STRING...: exit 255, nothing on stdout, exactly
# one line on stderr, starting with "scx-run: " and containing every
# FIXED-STRING given (the bad value, the option name).
assert_usage_error() {
	assert_failure 255
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: '
	local s
	for s in "$@"; do
		assert_stderr --partial -- "$s"
	done
}

# --- bytes ----------------------------------------------------------------

# hex [FILE]: the bytes of FILE (or stdin) as one line of hex pairs.
hex() {
	od -An -tx1 -v "$@" | tr -d ' \n'
}

# hexof STRING: the bytes of STRING as one line of hex pairs.
hexof() {
	printf '%s' "$1" | hex
}

# same_file EXPECTED ACTUAL: the two files have the same bytes.
same_file() {
	cmp -s "$1" "$2" && return 0
	fail "$(printf '%s differs from %s (%s vs %s lines):\n%s' "$2" "$1" \
		"$(wc -l <"$1")" "$(wc -l <"$2")" "$(diff "$1" "$2" | head -8)")"
}

# A worker that prints its argument count and its first argument in hex:
# "N HEX".  Use as:  "$SCX_RUN" ... "${ARGDUMP[@]}"
ARGDUMP=(sh -c 'printf "%s " "$#"; printf "%s" "$1" | od -An -tx1 -v | tr -d " \n"; echo' sh)

# --- completion order ----------------------------------------------------

# The start of a worker for completion-order tests (--as-completed), whose
# item is a number N: it waits (at most 20 s) until the file out, where
# the runner writes, has N - 1 lines, that is until items 1 to N-1 have
# been written, one line each.  Items then complete in the order 1, 2, 3
# whatever the machine's speed, and only when each result is written as
# soon as it is complete: in input order they wait out the 20 s and come
# out in input order.  Append what the item prints:
#   scx_to out --as-completed sh -c "$IN_TURN"'; echo "$1"' sh <in
IN_TURN='i=0; while [ "$(wc -l <out)" -lt $(($1 - 1)) ] && [ $i -lt 400 ]; do
	sleep 0.05; i=$((i + 1)); done'

# --- CPUs -----------------------------------------------------------------

# usable_cpus: the CPUs in this process's affinity mask.
usable_cpus() {
	# nproc counts sched_getaffinity, but obeys OMP_* when they are set
	env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc
}

# first_cpu: the first CPU of this process's affinity list (for taskset).
first_cpu() {
	local list
	list=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
	list=${list%%[-,]*}
	printf '%s\n' "$list"
}

need_taskset() {
	command -v taskset >/dev/null || skip "taskset is not installed"
}

# --- processes --------------------------------------------------------------

# A unique word to find this test's processes with pgrep -f.
new_marker() {
	MARKER="scxmark${BATS_ROOT_PID:-$$}x${BATS_TEST_NUMBER}x$RANDOM$RANDOM"
}

# A copy of sleep whose path carries the marker, so pgrep -f finds the
# sleeping process itself (not only the sh that started it).
make_marked_sleep() {
	[ -n "${MARKER:-}" ] || new_marker
	SLEEP="$T/sleep-$MARKER"
	cp "$(command -v sleep)" "$SLEEP"
}

# running PID: true while PID exists and is not a zombie.
running() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

# wait_for_file PATH [SECONDS]: wait until PATH exists (default 20 s).
wait_for_file() {
	local path=$1 limit=$(( ${2:-20} * 20 )) i=0
	while [ ! -e "$path" ]; do
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.05
		i=$((i + 1))
	done
}

# wait_started N [WHAT]: wait (at most 20 s) until started/ holds N files;
# WHAT (default items) names them in the failure.
wait_started() {
	local n=$1 what=${2:-items} i=0 f
	while :; do
		f=(started/*)
		[ -e "${f[0]}" ] && [ "${#f[@]}" -ge "$n" ] && return 0
		[ "$i" -lt 400 ] || fail "fewer than $n $what started in 20 s"
		sleep 0.05
		i=$((i + 1))
	done
}

# --- signals, as /proc/PID/status shows them --------------------------------

# signal_in PID FIELD SIG: true when signal SIG (a number or a name such as
# HUP) is in the mask FIELD of /proc/PID/status: SigPnd (pending for the
# thread PID), ShdPnd (pending for the process), SigCgt (has a handler).
# False when PID does not exist.
signal_in() {
	local pid=$1 field=$2 sig=$3 k v
	[[ $sig =~ ^[0-9]+$ ]] || sig=$(kill -l "$sig") || return 1
	while read -r k v; do
		[ "$k" = "$field:" ] || continue
		(((16#$v >> (sig - 1)) & 1))
		return
	done 2>/dev/null <"/proc/$pid/status"
	return 1
}

# wait_signal_caught PID SIG [SECONDS]: wait (default 20 s) until PID has
# a handler for SIG, so that a signal sent now is the program's to handle
# (before, its default action would end the process).
wait_signal_caught() {
	local pid=$1 sig=$2 limit=$(( ${3:-20} * 100 )) i=0
	until signal_in "$pid" SigCgt "$sig"; do
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# wait_signal_taken PID SIG [SECONDS]: after kill -SIG PID, wait (default
# 20 s) until PID has taken the signal: it is pending no more, so that its
# handler has run or is running (or PID has ended).  What happens in the
# program after that, a handler writing to libuv's signal pipe, comes
# before any signal delivered later, a SIGCHLD among them.
wait_signal_taken() {
	local pid=$1 sig=$2 limit=$(( ${3:-20} * 100 )) i=0
	while signal_in "$pid" ShdPnd "$sig" || signal_in "$pid" SigPnd "$sig"; do
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# wait_reaped PID [SECONDS]: wait (default 20 s) until PID is gone from
# /proc: dead and reaped by its parent (a zombie is not gone), so that the
# parent has seen the death.
wait_reaped() {
	local pid=$1 limit=$(( ${2:-20} * 100 )) i=0
	while [ -e "/proc/$pid" ]; do
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# wait_exit PID [SECONDS]: wait for the background job PID and set
# $status to its exit status.  A hang guard, not a timing check: when PID
# still runs after SECONDS (default 20) it is killed and the test fails.
wait_exit() {
	local pid=$1 limit=$(( ${2:-20} * 20 )) i=0
	while running "$pid"; do
		if [ "$i" -ge "$limit" ]; then
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			fail "process $pid still running after ${2:-20} s (killed)"
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	status=0
	wait "$pid" || status=$?
}

# marked_pids: pids (other than ours) whose command line has $MARKER.
marked_pids() {
	pgrep -f -- "$MARKER" || true
}

# kill_marked: clean-up after a failed test; kills the marked processes
# by their ids.
kill_marked() {
	[ -n "${MARKER:-}" ] || return 0
	local pids
	pids=$(marked_pids)
	# shellcheck disable=SC2086 # one pid a word
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

# no_marked_left [SECONDS]: no process of this test is left, after at most
# SECONDS (default $NO_MARKED_WAIT, else 5) for the dying ones to go; a
# hang guard, not a timing check.  Fails listing them otherwise.
no_marked_left() {
	local i=0 left limit=$(( ${1:-${NO_MARKED_WAIT:-5}} * 20 ))
	while left=$(marked_pids) && [ -n "$left" ]; do
		if [ "$i" -ge "$limit" ]; then
			# shellcheck disable=SC2086 # one pid a word
			fail "processes left: $(ps -o pid=,stat=,args= -p "$(echo $left | tr ' ' ,)")"
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
}

# scx_teardown: after a failure, kill what is left of this test's
# processes: its background jobs not waited for yet, by id, and every
# process carrying its marker.
scx_teardown() {
	local job
	for job in $(jobs -p); do
		kill -KILL "$job" 2>/dev/null || true
	done
	kill_marked
}

# --- the runner's progress line -------------------------------------------

# progress_done FILE: the last "N done" figure that --progress=always
# wrote to FILE (0 before the first).
progress_done() {
	local s
	s=$(tr '\r' '\n' <"$1" | grep -o 'scx-run: [0-9]*' | tail -n 1)
	s=${s##* }
	echo "${s:-0}"
}

# wait_progress FILE N: wait until --progress in FILE shows N done (a hang
# guard of 60 s).
wait_progress() {
	local i=0
	while [ "$(progress_done "$1")" -lt "$2" ]; do
		[ "$i" -lt 1200 ] || fail "progress stuck at $(progress_done "$1") of $2"
		sleep 0.05
		i=$((i + 1))
	done
}
