#!/usr/bin/env bats
# The job log (--joblog), the results directory (--results) and resuming
# (--resume, --resume-failed): the format of each, when an item is
# recorded, what a resumed run skips and what it refuses, and the
# acceptance test of issue 5: a run of 2000 items SIGKILLed at 20 random
# moments (after a random number of items started, not after a time) and
# resumed each time loses no item (man page, JOB LOG AND
# RESULTS; docs/decisions.md, "Failures, resuming, memory").
#
# Workers that record what ran append to a file ("side"): it proves that
# a skipped item did not run again.  Worker commands carry $MARKER (as
# their $0) so that pgrep -f finds this test's processes, and only them.
# Runs that could hang go through timeout 60 (a hang shows as status 124)
# or wait_exit: hang guards, not timing checks.

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=1

HEADER=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'

# A worker that appends its item to "side" (a record of what really ran),
# prints "out ITEM", and fails with exit 4 for the item "bad".
SIDE_WORKER='echo "$1" >>side; echo "out $1"; [ "$1" != bad ] || exit 4'

# col N FILE: column N of every job log line after the header.
col() {
	awk -F'\t' -v c="$1" 'NR > 1 { print $c }' "$2"
}


# --- 1. the job log --------------------------------------------------------

@test "--joblog: the header, then one line of 9 TAB-separated columns per item; Host ':'; Command as --dry-run shows it" {
	printf '%s\n' a 'b c' "it's" 'x' >in
	run --separate-stderr scx in -j2 --joblog jl sh -c 'echo "out $1"' "$MARKER"
	assert_success
	refute_stderr
	assert_equal "$(head -n 1 jl)" "$HEADER"
	assert_equal "$(wc -l <jl)" 5
	# every line after the header: 9 columns, the numbers well formed
	run awk -F'\t' 'NR > 1 && !(NF == 9 && $1 ~ /^[0-9]+$/ && $2 == ":" &&
		$3 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ && $4 ~ /^ *[0-9]+\.[0-9][0-9][0-9]$/ &&
		length($4) >= 10 &&
		$5 == "0" && $7 == "0" && $8 == "0") { print "bad line " NR ": " $0 }' jl
	assert_output ''
	# ordered mode: logged in input order
	assert_equal "$(col 1 jl)" "$(seq 4)"
	# Receive: the bytes of each item's stdout ("out ITEM\n")
	assert_equal "$(col 6 jl | tr '\n' ' ')" "6 8 9 6 "
	# Command: what --dry-run prints for the same items, a backslash
	# written as \\ (the quoting of it's has one)
	run --separate-stderr scx in -j2 --dry-run sh -c 'echo "out $1"' "$MARKER"
	assert_success
	assert_equal "$(col 9 jl)" "$(printf '%s\n' "$output" | sed 's/\\/\\\\/g')"
	assert_equal "$(col 9 jl | sed -n 3p)" "sh -c 'echo \"out \$1\"' $MARKER 'it'\\\\''s'"
}

@test "--joblog: Exitval and Signal of an item that exits 3, one killed by SIGKILL, one by SIGTERM" {
	printf '%s\n' ok three kill9 term >in
	run --separate-stderr scx in -j2 --joblog jl sh -c 'case $1 in
		three) exit 3 ;; kill9) kill -KILL $$ ;; term) kill -TERM $$ ;; esac
		echo fine' "$MARKER"
	assert_failure 3
	assert_output 'fine'
	assert_equal "$(cut -f 1,7,8 jl)" "$(printf 'Seq\tExitval\tSignal\n1\t0\t0\n2\t3\t0\n3\t137\t9\n4\t143\t15')"
}

@test "--joblog: Send counts the item and its delimiter with --pipe-item; --shell logs the shell string" {
	printf 'ab\ncd e\n' >in
	run --separate-stderr scx in -j2 --pipe-item --joblog jl cat
	assert_success
	assert_output "$(printf 'ab\ncd e')"
	assert_equal "$(cut -f 5,6,9 jl | tail -n +2)" "$(printf '3\t3\tcat\n5\t5\tcat')"

	printf 'ab\n' >in
	run --separate-stderr scx in -j2 --shell --joblog jl 'echo {} | tr a b'
	assert_success
	assert_output 'bb'
	assert_equal "$(col 9 jl)" 'echo ab | tr a b'
}

@test "--joblog: a TAB, a newline and a backslash in the Command are written \\t \\n \\\\, one line per item" {
	printf 'a\tb\\c\0x\ny\0' >in
	run --separate-stderr scx in -0 -j2 --joblog jl printf '%s.'
	assert_success
	assert_equal "$(wc -l <jl)" 3
	assert_equal "$(col 9 jl | sed -n 1p)" "printf %s. 'a\\tb\\\\c'"
	assert_equal "$(col 9 jl | sed -n 2p)" "printf %s. 'x\\ny'"
}

@test "--joblog with --backend=loky: Command is the item quoted for the shell, Send and Receive its bytes" {
	printf '%s\n' a 'b c' 'dd' >in
	run --separate-stderr scx in --backend=loky -j2 --joblog jl cat
	assert_success
	assert_output "$(printf 'a\nb c\ndd')"
	assert_equal "$(head -n 1 jl)" "$HEADER"
	# Seq Host Send Receive Exitval Signal Command
	assert_equal "$(cut -f 1,2,5-9 jl | tail -n +2)" \
		"$(printf "1\t:\t2\t2\t0\t0\ta\n2\t:\t4\t4\t0\t0\t'b c'\n3\t:\t3\t3\t0\t0\tdd")"
}

# A worker for the two tests below: item 1 says it started and waits (at
# most 20 s) for the file go; item 2 answers at once.
GATED='if [ "$1" = 1 ]; then touch started/1; i=0
	while [ ! -e go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done; fi
	echo "out $1"; touch "started/$1"'

@test "an item is logged only once its result is stored and its turn came: in input order a fast item behind a slow one is stored but not logged" {
	mkdir started
	printf '1\n2\n' >in
	"$SCX_RUN" -j2 --joblog jl --results res sh -c "$GATED" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	wait_for_file started/1
	wait_for_file started/2
	# item 2 is finished: its result is stored before its turn comes ...
	wait_for_file res/1/2/seq || fail "item 2 was not stored while item 1 ran"
	sleep 0.3 # time for the runner to (wrongly) log item 2
	# ... but not logged (item 1 comes first)
	assert_equal "$(cat jl)" "$HEADER"
	[ ! -e res/1/1/seq ] || fail "item 1 was stored while it ran"
	running "$PID" || fail "the run ended before item 1 was released"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 0
	# --results takes the output, as in GNU parallel: none on stdout
	assert_equal "$(cat out)" ''
	assert_equal "$(cat res/1/1/stdout res/1/2/stdout)" "$(printf 'out 1\nout 2')"
	assert_equal "$(col 1 jl)" "$(printf '1\n2')"
	assert_equal "$(cat err)" ''
}

@test "--as-completed: a fast item is written and logged while a slow one still runs" {
	mkdir started
	printf '1\n2\n' >in
	"$SCX_RUN" -j2 --as-completed --joblog jl sh -c "$GATED" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	wait_for_file started/1
	local i=0
	while [ "$(wc -l <jl)" -lt 2 ] && [ "$i" -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	running "$PID" || fail "the run ended before item 1 was released"
	assert_equal "$(cat out)" 'out 2'
	assert_equal "$(col 1 jl)" 2
	touch go
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(printf 'out 2\nout 1')"
	assert_equal "$(col 1 jl)" "$(printf '2\n1')"
}

@test "--joblog that cannot be opened: exit 255, one line, nothing runs" {
	printf 'a\nb\n' >in
	run --separate-stderr scx in -j2 --joblog "$T/no/such/dir/jl" sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error "$T/no/such/dir/jl" --joblog
	[ ! -e side ] || fail "items ran: $(cat side)"
	run --separate-stderr scx in -j2 --joblog "$T/no/such/dir/jl" --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error "$T/no/such/dir/jl"
	[ ! -e side ] || fail "items ran: $(cat side)"
}

@test "--joblog /dev/full: one line naming the job log and the cause, exit 255, nothing runs" {
	printf 'a\nb\n' >in
	run --separate-stderr scx in -j2 --joblog /dev/full sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error
	assert_stderr "scx-run: cannot write --joblog '/dev/full': No space left on device"
	[ ! -e side ] || fail "items ran: $(cat side)"
}

# full_fs CMD...: runs CMD with $T/full a tmpfs of two pages, one of them
# taken, so that a write of more than a page there fails with ENOSPC (a
# private mount namespace: root only).
full_fs() {
	mkdir -p "$T/full"
	unshare -m sh -c 'mount -t tmpfs -o size=8k tmpfs "$0" &&
		head -c 4096 /dev/zero >"$0/fill" && exec "$@"' "$T/full" "$@"
}

need_full_fs() {
	[ "$EUID" = 0 ] || skip "a full file system needs root (unshare -m, mount -t tmpfs)"
	full_fs true 2>/dev/null || skip "cannot mount a tmpfs (unshare -m or mount not permitted)"
}

@test "a job log that fills its file system mid-run: the message names it, exit 255" {
	need_full_fs
	seq 300 >in
	run --separate-stderr full_fs timeout 60 "$SCX_RUN" -j2 --joblog "$T/full/jl" echo <in
	assert_failure 255
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr "scx-run: cannot write --joblog '$T/full/jl': No space left on device"
}

@test "--results on a full file system: the message names the item's directory, exit 255" {
	need_full_fs
	printf 'a\n' >in
	run --separate-stderr full_fs timeout 60 "$SCX_RUN" -j2 --results "$T/full/res" echo <in
	assert_failure 255
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr "scx-run: cannot store the result of item 1 in '$T/full/res/1/a': No space left on device"
}

# --- 2. resuming from the job log --------------------------------------------

@test "--resume --joblog skips the logged items: not run, not written, not logged again; the rest run" {
	seq 3 >in
	run --separate-stderr scx in -j2 --joblog jl sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_equal "$(sort side)" "$(seq 3)"
	# the input has grown at its end: items 4 and 5 run, 1 to 3 do not
	seq 5 >in
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	refute_stderr
	assert_output "$(printf 'out 4\nout 5')"
	assert_equal "$(sort side)" "$(printf '1\n2\n3\n4\n5')"
	assert_equal "$(head -n 1 jl)" "$HEADER"
	assert_equal "$(grep -c '^Seq' jl)" 1
	assert_equal "$(col 1 jl)" "$(seq 5)"
	# nothing left: nothing runs
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_output ''
	assert_equal "$(wc -l <side)" 5
	assert_equal "$(wc -l <jl)" 6
}

@test "--resume with a job log that does not exist yet runs everything" {
	seq 3 >in
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_output "$(printf 'out 1\nout 2\nout 3')"
	assert_equal "$(head -n 1 jl)" "$HEADER"
	assert_equal "$(col 1 jl)" "$(seq 3)"
}

@test "--resume skips failed items too; --resume-failed runs only the failed ones again, and the exit status counts this run" {
	printf '%s\n' a bad c bad e >in
	run --separate-stderr scx in -j2 --joblog jl sh -c "$SIDE_WORKER" "$MARKER"
	assert_failure 2
	: >side
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_output ''
	assert_equal "$(cat side)" ''
	# items 2 and 4 ran again, and only they
	run --separate-stderr scx in -j2 --joblog jl --resume-failed sh -c "$SIDE_WORKER" "$MARKER"
	assert_failure 2
	assert_output "$(printf 'out bad\nout bad')"
	assert_equal "$(sort side)" "$(printf 'bad\nbad')"
	# lines added, the old ones kept: 2 and 4 have two lines each
	assert_equal "$(col 1 jl | tr '\n' ' ')" '1 2 3 4 5 2 4 '
}

@test "--resume-failed: an item that now succeeds is not run by the next --resume-failed" {
	printf '%s\n' a b c >in
	# b fails while the file b.broken exists
	local w='echo "$1" >>side; [ ! -e "$1.broken" ] || exit 5; echo "out $1"'
	touch b.broken
	run --separate-stderr scx in -j2 --joblog jl sh -c "$w" "$MARKER"
	assert_failure 1
	rm b.broken
	: >side
	run --separate-stderr scx in -j2 --joblog jl --resume-failed sh -c "$w" "$MARKER"
	assert_success
	assert_output 'out b'
	assert_equal "$(cat side)" 'b'
	# its last line counts: it succeeded, so nothing runs now
	run --separate-stderr scx in -j2 --joblog jl --resume-failed sh -c "$w" "$MARKER"
	assert_success
	assert_output ''
	assert_equal "$(cat side)" 'b'
	assert_equal "$(cut -f 1,7 jl | tail -n +2 | tr '\t\n' ': ')" '1:0 2:5 3:0 2:0 '
}

@test "--resume: a changed item at a logged number is an error, exit 255, one line, nothing runs" {
	printf '%s\n' a b c >in
	run --separate-stderr scx in -j2 --joblog jl sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	cp jl jl.before
	: >side
	printf '%s\n' a B c d >in
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error jl 2
	assert_equal "$(cat side)" ''
	cmp -s jl jl.before || fail "the job log changed: $(diff jl.before jl)"
	run --separate-stderr scx in -j2 --joblog jl --resume-failed sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error jl 2
	assert_equal "$(cat side)" ''
}

@test "--resume: a changed command is an error, exit 255, one line, nothing runs" {
	printf '%s\n' a b c >in
	run --separate-stderr scx in -j2 --joblog jl sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	cp jl jl.before
	: >side
	run --separate-stderr scx in -j2 --joblog jl --resume sh -c "$SIDE_WORKER; echo more" "$MARKER"
	assert_usage_error jl
	assert_equal "$(cat side)" ''
	cmp -s jl jl.before || fail "the job log changed: $(diff jl.before jl)"
}

@test "--resume and --resume-failed without --joblog or --results: usage error 255" {
	printf 'a\n' >in
	run --separate-stderr scx in -j2 --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error --resume
	run --separate-stderr scx in -j2 --resume-failed sh -c "$SIDE_WORKER" "$MARKER"
	assert_usage_error --resume-failed
	[ ! -e side ] || fail "items ran: $(cat side)"
}

@test "--resume after a kill tore the job log's last line: the torn line is ignored, and the log stays usable" {
	# A SIGKILL during the write of the job log can leave its last line
	# without its newline ("A last line without its newline is ignored").
	seq 3 >in
	run --separate-stderr scx in -j2 --joblog jl echo
	assert_success
	head -c -12 jl >jl.torn
	mv jl.torn jl
	run --separate-stderr scx in -j2 --joblog jl --resume echo
	assert_success
	assert_output '3'
	# the torn line is gone, item 3 has one whole line of its own
	assert_equal "$(col 1 jl)" "$(seq 3)"
	run awk -F'\t' 'NF != 9 { print NR ": " $0 }' jl
	assert_output ''
	# a second resume: nothing is left, and the log is still a job log
	run --separate-stderr scx in -j2 --joblog jl --resume echo
	# shellcheck disable=SC2154 # $stderr: set by run --separate-stderr
	[ "$status" = 0 ] || fail "the second --resume exited $status: $stderr
$(cat -A jl)"
	assert_output ''
	refute_stderr
}

# --- 3. the results directory ------------------------------------------------

@test "--results DIR: DIR/1/ITEM/{seq,stdout,stderr} as GNU parallel writes them, and .scx-status; nothing on stdout; no temporary file left" {
	printf '%s\n' a 'b c' bad sig >in
	run --separate-stderr scx in -j2 --results res sh -c 'echo "out $1"; echo "err $1" >&2
		case $1 in bad) exit 4 ;; sig) kill -KILL $$ ;; esac' "$MARKER"
	assert_failure 2
	assert_output ''
	refute_stderr
	assert_equal "$(ls -A res)" 1
	assert_equal "$(ls -A res/1 | tr '\n' ' ')" 'a b c bad sig '
	local d
	for d in a 'b c' bad sig; do
		assert_equal "$(ls -A "res/1/$d" | tr '\n' ' ')" '.scx-status seq stderr stdout '
	done
	# seq: the job's number, no newline
	assert_equal "$(cat res/1/bad/seq)" 3
	assert_equal "$(wc -c <res/1/bad/seq)" 1
	# stdout and stderr: exact bytes
	printf 'out b c\n' >want
	cmp "res/1/b c/stdout" want
	printf 'err b c\n' >want
	cmp "res/1/b c/stderr" want
	printf 'out sig\n' >want
	cmp res/1/sig/stdout want
	# .scx-status: one line
	printf 'exit 0 signal 0 timeout 0\n' >want
	cmp res/1/a/.scx-status want
	printf 'exit 4 signal 0 timeout 0\n' >want
	cmp res/1/bad/.scx-status want
	printf 'exit 137 signal 9 timeout 0\n' >want
	cmp res/1/sig/.scx-status want
}

@test "--results with --backend=loky: stdout is the answer, stderr empty" {
	printf '%s\n' x 'y z' >in
	run --separate-stderr scx in --backend=loky -j2 --results res cat
	assert_success
	assert_output ''
	assert_equal "$(ls -A res/1 | tr '\n' ' ')" 'x y z '
	printf 'y z\n' >want
	cmp "res/1/y z/stdout" want
	assert_equal "$(wc -c <"res/1/y z/stderr")" 0
	assert_equal "$(cat "res/1/y z/seq")" 2
	assert_equal "$(cat res/1/x/.scx-status)" 'exit 0 signal 0 timeout 0'
}

@test "--resume --results skips the jobs whose directory holds a result; --resume-failed runs the failed ones again and replaces their result" {
	printf '%s\n' a bad c >in
	run --separate-stderr scx in -j2 --results res sh -c "$SIDE_WORKER" "$MARKER"
	assert_failure 1
	: >side
	printf '%s\n' a bad c d >in
	run --separate-stderr scx in -j2 --results res --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_output ''
	assert_equal "$(cat side)" 'd'
	assert_equal "$(ls -A res/1 | tr '\n' ' ')" 'a bad c d '
	assert_equal "$(cat res/1/d/stdout)" 'out d'
	assert_equal "$(cat res/1/bad/.scx-status)" 'exit 4 signal 0 timeout 0'
	# the same worker: bad runs again, fails again, nothing else runs
	: >side
	run --separate-stderr scx in -j2 --results res --resume-failed sh -c "$SIDE_WORKER" "$MARKER"
	assert_failure 1
	assert_equal "$(cat side)" 'bad'
	# a mended worker (only the arguments name a result, not the
	# command): bad runs again, succeeds, and its result is replaced
	: >side
	run --separate-stderr scx in -j2 --results res --resume-failed \
		sh -c 'echo "$1" >>side; echo "mended $1"' "$MARKER"
	assert_success
	assert_equal "$(cat side)" 'bad'
	assert_equal "$(cat res/1/bad/.scx-status)" 'exit 0 signal 0 timeout 0'
	assert_equal "$(cat res/1/bad/stdout)" 'mended bad'
	assert_equal "$(cat res/1/bad/seq)" 2
	assert_equal "$(cat res/1/a/stdout)" 'out a'
	assert_equal "$(ls -A res/1 | tr '\n' ' ')" 'a bad c d '
}

@test "--resume --results: as in GNU parallel a job is found by its arguments, not its number: a changed item runs, the others do not" {
	printf '%s\n' a b c >in
	run --separate-stderr scx in -j2 --results res sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	: >side
	printf '%s\n' a B c d >in
	run --separate-stderr scx in -j2 --results res --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_equal "$(sort side | tr '\n' ' ')" 'B d '
	assert_equal "$(cat res/1/B/seq)" 2
	assert_equal "$(cat res/1/b/seq)" 2
	assert_equal "$(cat res/1/d/stdout)" 'out d'
}

@test "--resume --results: a directory GNU parallel wrote (seq, stdout, stderr, no .scx-status) counts as done" {
	mkdir -p res/1/a
	printf 1 >res/1/a/seq
	echo gnu >res/1/a/stdout
	: >res/1/a/stderr
	printf '%s\n' a b >in
	run --separate-stderr scx in -j2 --results res --resume-failed sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_equal "$(cat side)" b
	assert_equal "$(cat res/1/a/stdout)" gnu
}

@test "--results: a job killed before its seq file was renamed into place runs again on --resume" {
	printf '%s\n' a b >in
	run --separate-stderr scx in -j2 --results res sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	# what a SIGKILL between the renames leaves: stdout there, seq not
	rm res/1/b/seq
	: >side
	run --separate-stderr scx in -j2 --results res --resume sh -c "$SIDE_WORKER" "$MARKER"
	assert_success
	assert_equal "$(cat side)" b
	assert_equal "$(cat res/1/b/seq)" 2
}

# --- 4. killed at 20 random moments, resumed each time -----------------------

# done_results: how many whole results res holds (a seq file says so).
done_results() {
	local f n=0
	for f in res/1/*/seq; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# done_joblog: how many different items jl has logged.
done_joblog() {
	[ -e jl ] || { echo 0; return; }
	awk -F'\t' 'NR > 1 && /\t/ && !seen[$1]++ { n++ } END { print n + 0 }' jl
}

# kill_resume DONE_FN OPTION... -- COMMAND...: run scx-run OPTION...
# COMMAND (stdin in, stdout out.N) 20 times, the first run fresh, the
# others with --resume; then once more with --resume, to the end (stdout
# out.final).  COMMAND appends each item it runs to the file side; each
# of the 20 runs is SIGKILLed once side has grown by a random 1 to 100
# lines since that run started, so that the kill lands mid-run on a fast
# machine as on a slow one (a kill after a fixed delay lands after the
# end when the items go faster).  DONE_FN counts the items recorded.
# Sets KILLED (runs that ended by the SIGKILL), PROGRESS (killed runs
# after which more items were recorded than before) and FINAL_LEFT (the
# items left for the final run).
kill_resume() {
	local done_fn=$1 i pid st before after seen=0 from want deadline
	local -a new
	shift
	local -a opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	local -a resume=()
	KILLED=0 PROGRESS=0
	# side is read as it grows (fd 7: each mapfile reads the new lines
	# only); the pause between two looks is a read with a timeout on a
	# FIFO nobody writes (fd 9): bash builtins, no process per look.
	: >>side
	mkfifo pause
	exec 7<side 9<>pause
	for i in $(seq 20); do
		before=$("$done_fn")
		mapfile -t -u 7 new
		seen=$((seen + ${#new[@]}))
		from=$seen
		want=$((from + 1 + RANDOM % 100))
		"$SCX_RUN" "${opts[@]}" "${resume[@]}" "$@" <in >"out.$i" 2>"err.$i" 3>&- 7<&- 9<&- &
		pid=$!
		deadline=$((SECONDS + 60))
		while running "$pid"; do
			mapfile -t -u 7 new
			seen=$((seen + ${#new[@]}))
			[ "$seen" -lt "$want" ] || break
			if [ "$SECONDS" -ge "$deadline" ]; then
				kill -KILL "$pid" 2>/dev/null || true
				wait "$pid" || true
				exec 7<&- 9<&-
				fail "run $i: side grew by $((seen - from)) of the $((want - from)) lines awaited in 60 s"
			fi
			read -r -t 0.001 -u 9 _ || true
		done
		kill -KILL "$pid" 2>/dev/null || true
		st=0
		wait "$pid" || st=$?
		case $st in
		137) KILLED=$((KILLED + 1)) ;;
		0) ;;
		*)
			exec 7<&- 9<&-
			fail "run $i exited $st: $(cat "err.$i")"
			;;
		esac
		after=$("$done_fn")
		[ "$st" != 137 ] || [ "$after" -le "$before" ] || PROGRESS=$((PROGRESS + 1))
		resume=(--resume)
	done
	exec 7<&- 9<&-
	FINAL_LEFT=$((2000 - $("$done_fn")))
	st=0
	timeout 120 "$SCX_RUN" "${opts[@]}" --resume "$@" <in >out.final 2>err.final 3>&- || st=$?
	[ "$st" = 0 ] || fail "the final run exited $st: $(cat err.final)"
}

# the kills landed while items were running, and the runs made progress
assert_kills_mid_run() {
	echo "killed $KILLED, with progress $PROGRESS, left for the final run $FINAL_LEFT" >&3
	[ "$KILLED" -ge 10 ] || fail "only $KILLED of 20 runs were killed mid-run"
	[ "$PROGRESS" -ge 5 ] || fail "only $PROGRESS killed runs made progress"
}

# assert_results_complete: res holds the jobs 1..2000 in GNU parallel's
# layout (res/1/N/), each once, each right.
assert_results_complete() {
	# every job's directory, and nothing else
	assert_equal "$(ls -A res)" 1
	ls -A res/1 | sort -n >stored
	seq 2000 >want
	cmp -s want stored || fail "res/1 holds $(wc -l <stored) entries: $(diff want stored | head -5)"
	# every result whole: seq N, stdout "N\n", empty stderr, exit 0
	cat $(seq -f 'res/1/%g/stdout' 2000) >all.stdout
	cmp -s want all.stdout || fail "wrong stdout: $(diff want all.stdout | head -5)"
	run awk '{ n = FILENAME; sub(/^res\/1\//, "", n); sub(/\/seq$/, "", n)
		if ($0 != n || FNR != 1) print FILENAME ": " $0; c++ }
		END { if (c != 2000) print c " results" }' $(seq -f 'res/1/%g/seq' 2000)
	assert_output ''
	assert_equal "$(cat $(seq -f 'res/1/%g/.scx-status' 2000) | sort | uniq -c | sed 's/^ *//')" \
		'2000 exit 0 signal 0 timeout 0'
	assert_equal "$(cat $(seq -f 'res/1/%g/stderr' 2000) | wc -c)" 0
	# what a kill may leave: temporary files, never a second result
	run find res -mindepth 3 ! -name seq ! -name stdout ! -name stderr ! -name .scx-status ! -name '.scx-tmp.*'
	assert_output ''
}

# assert_joblog_complete: jl logs 1..2000, each once, all succeeded, one
# header; the output of all the runs together has every item.
assert_joblog_complete() {
	seq 2000 >want
	assert_equal "$(head -n 1 jl)" "$HEADER"
	assert_equal "$(grep -c '^Seq' jl)" 1
	col 1 jl | sort -n >logged
	cmp -s want logged || fail "the job log has $(wc -l <logged) lines: $(diff want logged | head -5)"
	run awk -F'\t' 'NR > 1 && (NF != 9 || $7 != 0 || $8 != 0) { print NR ": " $0 }' jl
	assert_output ''
	# no item missing from the output of all the runs (some may be twice)
	cat out.* | sort -u >written
	sort want >want.sorted
	run comm -23 want.sorted written
	assert_output ''
}

@test "SIGKILL at 20 random moments, --results: every result stored exactly once, each right (multiprocess)" {
	seq 2000 >in
	kill_resume done_results -j2 --results res -- sh -c 'echo "$1" >>side; echo "$1"' "$MARKER"
	assert_kills_mid_run
	assert_results_complete
	# the worker's own record: every item ran; only items running (or
	# done and not yet stored) at a kill ran again
	sort -u side >ran
	sort want >want.sorted
	run comm -23 want.sorted ran
	assert_output ''
	local runs
	runs=$(wc -l <side)
	echo "runs of items: $runs" >&3
	[ "$runs" -le $((2000 + 10 * KILLED)) ] || fail "$runs runs of 2000 items for $KILLED kills"
	no_marked_left
}

@test "SIGKILL at 20 random moments, --joblog: no item missing from the output, every item logged once (multiprocess)" {
	seq 2000 >in
	kill_resume done_joblog -j2 --joblog jl -- sh -c 'echo "$1" >>side; echo "$1"' "$MARKER"
	assert_kills_mid_run
	assert_joblog_complete
}

# A reusable worker that appends each item it reads to side and answers
# it after about 6 ms (bash's builtin printf, and read -t on a FIFO that
# nobody writes: no process per item).  The pause keeps the items from
# racing ahead of the kills by more than a fraction of an item, however
# fast the machine.  $0 is the FIFO; its name carries the marker.
SLOW_LOKY='exec 9<>"$0"; while IFS= read -r l; do printf "%s\n" "$l" >>side
	read -t 0.006 -u 9 _; printf "%s\n" "$l"; done'

@test "SIGKILL at 20 random moments, --results: every result stored exactly once, each right (loky)" {
	mkfifo "fifo-$MARKER"
	seq 2000 >in
	kill_resume done_results --backend=loky -j2 --results res -- bash -c "$SLOW_LOKY" "$T/fifo-$MARKER"
	assert_kills_mid_run
	assert_results_complete
	no_marked_left
}

@test "SIGKILL at 20 random moments, --joblog: no item missing from the output, every item logged once (loky)" {
	mkfifo "fifo-$MARKER"
	seq 2000 >in
	kill_resume done_joblog --backend=loky -j2 --joblog jl -- bash -c "$SLOW_LOKY" "$T/fifo-$MARKER"
	assert_kills_mid_run
	assert_joblog_complete
	# loky logs the item as its Command
	assert_equal "$(col 9 jl | sort -n | head -n 3)" "$(seq 3)"
	no_marked_left
}

# --- 5. MPI ----------------------------------------------------------------------

@test "mpi: --joblog's Host column is the worker rank's host name" {
	command -v mpiexec >/dev/null || skip "mpiexec is not installed (apt-get install openmpi-bin)"
	local out
	if ! out=$("$SCX_RUN" --backend=mpi --info --if-serial=ignore 2>&1 </dev/null); then
		case $out in
		*"not available"*) skip "scx-run was built without MPI: $out" ;;
		esac
	fi
	local -a mpiexec=(mpiexec --oversubscribe)
	[ "$EUID" != 0 ] || mpiexec+=(--allow-run-as-root)
	seq 4 >in
	run --separate-stderr timeout 60 "${mpiexec[@]}" -n 3 "$SCX_RUN" --backend=mpi --joblog jl echo <in
	assert_success
	assert_output "$(seq 4)"
	assert_equal "$(head -n 1 jl)" "$HEADER"
	assert_equal "$(col 1 jl)" "$(seq 4)"
	assert_equal "$(col 2 jl | sort -u)" "$(uname -n)"
	assert_equal "$(col 9 jl)" "$(printf 'echo %s\n' 1 2 3 4)"
}

@test "--resume with a job log that has no line ends (a device, a binary file): one-line error, exit 255, bounded memory" {
	seq 3 >in
	# /dev/zero never ends and has no newline: reading it whole would
	# take all the memory (the address space is capped so that a
	# regression fails here rather than on the machine; not under
	# AddressSanitizer, whose shadow memory needs the address space).
	run --separate-stderr bash -c '[ -n "$SCX_ASAN" ] || ulimit -v 2000000
		timeout 60 "$1" -j2 --joblog /dev/zero --resume echo <in' sh "$SCX_RUN"
	[ "$status" -eq 255 ] || fail "status $status, stderr: $stderr"
	assert_output ''
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "$stderr" "^scx-run: --joblog '/dev/zero': line 1 is longer than"
}

@test "--joblog: Receive counts every byte of an output that streamed (5 MB, multiprocess and loky)" {
	echo 5000000 >in
	run --separate-stderr bash -c '"$0" --joblog jl sh -c "head -c \$1 /dev/zero" sh <in | wc -c' "$SCX_RUN"
	assert_output 5000000
	assert_equal "$(col 6 jl)" 5000000
	run --separate-stderr bash -c '"$0" --backend=loky --joblog jl2 sh -c "read n; head -c \$n /dev/zero; echo" <in | wc -c' "$SCX_RUN"
	assert_output 5000001
	assert_equal "$(col 6 jl2)" 5000001
}
