#!/usr/bin/env bats
# --progress (on a terminal, piped, always, never), --summary (the summary
# line) and the throttles --delay, --memfree and --load.
#
# A terminal is a pseudo-terminal from util-linux script(1).  The load
# average and the memory are made deterministic by bind-mounting files of
# ours on /proc/loadavg and /proc/meminfo in a private mount namespace
# (root only: skipped otherwise).  Runs that could hang go through timeout 60 or wait_exit;
# the timing checks have wide margins (the throttles sleep 0.3 to 2 s,
# a spawn costs a few ms).

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=1

suite_setup() {
	mkdir started
}

# --- helpers --------------------------------------------------------------

need_script() {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	script --version 2>/dev/null | grep -q util-linux ||
		skip "script is not the util-linux one"
}

# on_tty COMMAND: run the sh COMMAND under a pseudo-terminal (stdout and
# stderr the terminal), what the terminal shows into the file cap.  The
# status is COMMAND's.
on_tty() {
	SHELL=/bin/sh timeout 60 script -qec "$1" /dev/null </dev/null >cap
}

# clean FILE: FILE with every "CR ESC [K" turned into a line break and the
# other carriage returns (a terminal's CR LF) dropped: one line for each
# progress redraw, each item line and the summary.
clean() {
	sed 's/\r\x1b\[K/\n/g; s/\r//g' "$1"
}

# A progress line out of N items, and the final summary of N items, F of
# them failed.
progress_re() {
	printf '^scx-run: [0-9]+/%s done \\([0-9]+%%\\), [0-9]+ failed, [0-9.]+/s, [0-9]+:[0-9]{2}(, ETA ([0-9]+:[0-9]{2}|\\?))?$' "$1"
}
final_re() {
	printf '^scx-run: %s done, %s failed, in [0-9]+:[0-9]{2} \\([0-9.]+/s\\)$' "$1" "$2"
}

# check_lines FILE WORD N: the cleaned lines of FILE are each empty, a
# progress line out of N, the final summary of N items, or "WORD i" for
# i in 1..N, each of these exactly once; at least one progress line has
# an ETA, and the summary is the last line.  Sets NPROG to the number of
# progress lines.
check_lines() {
	local file=$1 word=$2 n=$3 l i eta=0
	local prog final
	local -a seen=() lines
	prog=$(progress_re "$n")
	final=$(final_re "$n" 0)
	mapfile -t lines < <(clean "$file")
	NPROG=0
	for l in "${lines[@]}"; do
		if [[ $l =~ ^$word\ ([0-9]+)$ ]]; then
			i=${BASH_REMATCH[1]}
			[ -z "${seen[i]:-}" ] || fail "'$l' is there twice"
			seen[i]=1
		elif [[ $l =~ $prog ]]; then
			NPROG=$((NPROG + 1))
			[[ $l != *", ETA "* ]] || eta=1
		elif [ -z "$l" ] || [[ $l =~ $final ]]; then
			:
		else
			fail "unexpected line (a progress line not erased?): $(printf '%q' "$l")"
		fi
	done
	for ((i = 1; i <= n; i++)); do
		[ -n "${seen[i]:-}" ] || fail "'$word $i' is missing"
	done
	[ "$NPROG" -ge 1 ] || fail "no progress line out of $n"
	[ "$eta" = 1 ] || fail "no progress line with an ETA"
	[[ ${lines[-1]} =~ $final ]] ||
		fail "the last line is not the summary: $(printf '%q' "${lines[-1]}")"
}

# now_us: the time in microseconds; since_ms T0: milliseconds since T0.
now_us() {
	local t=$EPOCHREALTIME
	printf '%s\n' "${t/./}"
}
since_ms() {
	local t=$EPOCHREALTIME
	t=${t/./}
	echo $(((10#$t - 10#$1) / 1000))
}

# check_gaps FILE MIN: FILE has lines "i TIME" (seconds since the epoch);
# sorted by TIME, two consecutive times are at least MIN seconds apart.
check_gaps() {
	local bad
	bad=$(sort -k2,2n "$1" | awk -v min="$2" '
		NR > 1 && $2 - prev < min { printf "%s started %.3f s after %s\n", $1, $2 - prev, pid }
		{ prev = $2; pid = $1 }')
	[ -z "$bad" ] || fail "$(printf 'starts closer than %s s:\n%s\n%s' "$2" "$bad" "$(cat "$1")")"
}

# A fake /proc/loadavg: FAKE_LOAD ARGS... runs scx-run ARGS (under the
# same pid: unshare and sh exec) with /proc/loadavg showing $T/loadavg.
FAKE_LOAD=(unshare -m sh -c 'mount --bind "$0" /proc/loadavg && exec "$SCX_RUN" "$@"')
need_fake_load() {
	[ "$EUID" = 0 ] || skip "a fake /proc/loadavg needs root (unshare -m, mount --bind)"
	command -v unshare >/dev/null || skip "unshare is not installed"
	echo "5.00 5.00 5.00 1/100 1" >loadavg
	unshare -m sh -c 'mount --bind "$0" /proc/loadavg && read -r a _ </proc/loadavg &&
		[ "$a" = 5.00 ]' "$T/loadavg" 2>/dev/null ||
		skip "cannot bind-mount a fake /proc/loadavg (unshare -m or mount --bind not permitted)"
	FAKE_LOAD+=("$T/loadavg")
}

# A fake /proc/meminfo, the same way: FAKE_MEM ARGS... runs scx-run ARGS
# with /proc/meminfo showing $T/meminfo, which need_fake_mem writes with
# MemTotal 8 GiB and MemAvailable 1 GiB (mem_available KIB changes it).
FAKE_MEM=(unshare -m sh -c 'mount --bind "$0" /proc/meminfo && exec "$SCX_RUN" "$@"')
mem_available() {
	# written in place: the bind mount shows the new contents
	printf 'MemTotal:        8388608 kB\nMemFree:         %s kB\nMemAvailable:    %s kB\n' \
		"$1" "$1" >meminfo
}
need_fake_mem() {
	[ "$EUID" = 0 ] || skip "a fake /proc/meminfo needs root (unshare -m, mount --bind)"
	command -v unshare >/dev/null || skip "unshare is not installed"
	mem_available 1048576
	unshare -m sh -c 'mount --bind "$0" /proc/meminfo && grep -q "^MemTotal: *8388608 kB" /proc/meminfo' \
		"$T/meminfo" 2>/dev/null ||
		skip "cannot bind-mount a fake /proc/meminfo (unshare -m or mount --bind not permitted)"
	FAKE_MEM+=("$T/meminfo")
}

# A worker that says it started and prints "ran i".
STARTED_WORKER='touch "started/$1"; echo "ran $1"'

# no_started: no item has started.
no_started() {
	local f=(started/*)
	[ ! -e "${f[0]}" ] || fail "items started: ${f[*]}"
}

# --- --progress -------------------------------------------------------------

@test "--progress on a terminal: progress lines with an ETA, every item line, the summary last" {
	need_script
	seq 20 >in
	on_tty '"$SCX_RUN" --progress -j2 sh -c "sleep 0.1; echo item \$1" sh <in'
	check_lines cap item 20
}

@test "--progress on a terminal: an item's last line without a newline is not erased" {
	# An erase (CR ESC [K) must only ever wipe a progress line: what is
	# before it is a progress line, or ends with a line break.  Here each
	# item writes "xN" with no newline; item 2 runs for 0.3 s after item
	# 1's output is out, and the summary comes after item 2's.
	need_script
	seq 2 >in
	on_tty '"$SCX_RUN" --progress -j1 sh -c "sleep 0.3; printf x\$1" sh <in'
	local cap erase=$'\r\033[K' seg prog
	cap=$(cat cap; echo .)
	prog=$(progress_re 2)
	while [[ $cap == *"$erase"* ]]; do
		seg=${cap%%"$erase"*}
		cap=${cap#*"$erase"}
		# An erase wipes the current line only: what follows the
		# last line break.
		[[ $seg == *$'\n'* ]] && seg=${seg##*$'\n'}
		[ -z "$seg" ] || [[ $seg =~ $prog ]] ||
			fail "$(printf 'the progress line erased %q from the terminal' "$seg")"
	done
}

@test "--progress on a terminal draws nothing with --progress=never or --dry-run" {
	need_script
	seq 5 >in
	on_tty '"$SCX_RUN" --progress=never -j2 sh -c "sleep 0.3; echo item \$1" sh <in &&
		"$SCX_RUN" --progress --dry-run echo x <in && "$SCX_RUN" --progress --progress=never true <in'
	run grep -c 'scx-run' cap
	assert_output 0
	run clean cap
	assert_output "$(printf 'item %s\n' 1 2 3 4 5; printf 'echo x %s\n' 1 2 3 4 5)"
}

@test "--progress piped (stderr not a terminal): nothing on stderr" {
	seq 5 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --progress -j2 sh -c 'sleep 0.3; echo "out $1"' sh <in
	assert_success
	assert_output "$(printf 'out %s\n' 1 2 3 4 5)"
	assert_equal "$stderr" ''
}

@test "--progress=always into a file: carriage-return redraws, then the summary with the failures" {
	seq 6 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --progress=always -j2 \
		sh -c 'sleep 0.2; case $1 in 2|5) exit 1;; esac' sh <in
	assert_failure 2
	assert_output ''
	# every redraw starts with CR ESC [K; at least one progress line
	local cr=$'\r\033[K' rest
	[[ $stderr == "$cr"* ]] || fail "stderr does not start with CR ESC [K: $(printf '%q' "$stderr")"
	rest=${stderr//"$cr"/}
	[[ $rest != *$'\r'* ]] || fail "a carriage return not followed by ESC [K: $(printf '%q' "$stderr")"
	[[ $stderr == *"${cr}scx-run: "[0-9]"/6 done ("* ]] || fail "no progress redraw: $(printf '%q' "$stderr")"
	# the summary ends it, after a CR ESC [K, with its newline
	# ($stderr has lost the final newline: check the file bats kept)
	local last=${stderr##*"$cr"} final
	final=$(final_re 6 2)
	[[ $last =~ $final ]] || fail "the last line is not the summary: $(printf '%q' "$last")"
	[[ $stderr != *$'\n'* ]] || fail "a line break before the summary: $(printf '%q' "$stderr")"
	run bash -c '"$SCX_RUN" --progress=always true </dev/null 2>&1 | tail -c 1 | od -An -c'
	assert_output --partial '\n'
}

@test "--progress=always with items of unknown count (a pipe): no total, no ETA" {
	run --separate-stderr bash -c 'seq 4 | timeout 60 "$SCX_RUN" --progress=always -j2 sh -c "sleep 0.3" sh'
	assert_success
	local lines l n=0
	mapfile -t lines < <(printf '%s\n' "$stderr" | clean /dev/stdin)
	for l in "${lines[@]}"; do
		[ -n "$l" ] || continue
		if [[ $l =~ ^scx-run:\ [0-9]+\ done,\ 0\ failed,\ [0-9.]+/s,\ [0-9]+:[0-9]{2}$ ]]; then
			n=$((n + 1))
		else
			[[ $l =~ $(final_re 4 0) ]] || fail "unexpected line: $(printf '%q' "$l")"
		fi
	done
	[ "$n" -ge 1 ] || fail "no progress line: $(printf '%q' "$stderr")"
	[[ ${lines[-1]} =~ $(final_re 4 0) ]] || fail "no summary last"
}

@test "--progress=never: nothing on stderr" {
	seq 5 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --progress=never -j2 sh -c 'sleep 0.3; echo "out $1"' sh <in
	assert_success
	assert_output "$(printf 'out %s\n' 1 2 3 4 5)"
	assert_equal "$stderr" ''
}

@test "--progress=bogus is a usage error naming the value" {
	run --separate-stderr "$SCX_RUN" --progress=bogus true </dev/null
	assert_usage_error --progress "'bogus'"
	run --separate-stderr "$SCX_RUN" --progress= true </dev/null
	assert_usage_error --progress "''"
}

@test "--progress=always: the items' stderr lines come whole, between the redraws" {
	seq 20 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --progress=always -j2 \
		sh -c 'sleep 0.05; echo "out $1"; echo "err $1" >&2' sh <in
	assert_success
	assert_output "$(printf 'out %s\n' $(seq 20))"
	printf '%s\n' "$stderr" >err
	check_lines err err 20
}

@test "--progress=always --backend=loky: the worker's stderr lines come whole, between the redraws" {
	seq 20 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --backend=loky --progress=always -j2 \
		sh -c 'while read -r x; do sleep 0.05; echo "err $x" >&2; echo "out $x"; done' "$MARKER" <in
	assert_success
	assert_output "$(printf 'out %s\n' $(seq 20))"
	printf '%s\n' "$stderr" >err
	check_lines err err 20
}

# --- --summary --------------------------------------------------------------

# The summary line: verbose_re HEAD BACKEND WORKERS EXIT.
verbose_re() {
	printf '^scx-run: %s; [0-9]+\\.[0-9]{3} s, [0-9]+\\.[0-9] items/s; backend %s, %s workers?; exit %s$' "$@"
}

@test "--summary: items, succeeded, failed, backend, workers and exit status" {
	seq 5 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --summary -j2 sh -c 'case $1 in 2|4) exit 3;; esac' sh <in
	assert_failure 2
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp "$(verbose_re '5 items, 3 succeeded, 2 failed' multiprocess 2 2)"
}

@test "--summary --backend=loky names the backend" {
	seq 3 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --summary --backend=loky -j2 cat <in
	assert_success
	assert_output "$(printf '%s\n' 1 2 3)"
	assert_stderr --regexp "$(verbose_re '3 items, 3 succeeded, 0 failed' loky 2 0)"
}

@test "--summary --timeout counts the timed-out item" {
	seq 3 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --summary -j3 --timeout 0.5 \
		sh -c '[ "$1" != 2 ] || sleep 30' "$MARKER" <in
	assert_failure 1
	assert_stderr_line --regexp "$(verbose_re '3 items, 2 succeeded, 1 failed, 1 timed out' multiprocess 3 1)"
}

@test "--summary --retries counts the retried item" {
	seq 3 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --summary -j2 --retries 2 \
		sh -c 'if [ "$1" = 2 ] && [ ! -e once ]; then touch once; exit 1; fi' sh <in
	assert_success
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp "$(verbose_re '3 items, 3 succeeded, 0 failed, 1 retried' multiprocess 2 0)"
}

@test "--summary --resume counts the skipped items" {
	seq 4 >in4
	seq 6 >in
	# the same command both times (--resume checks it)
	run timeout 60 "$SCX_RUN" --joblog jl sh -c 'echo "ran $1"' sh <in4
	assert_success
	run --separate-stderr timeout 60 "$SCX_RUN" --summary -j2 --joblog jl --resume \
		sh -c 'echo "ran $1"' sh <in
	assert_success
	assert_output "$(printf 'ran 5\nran 6')"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp "$(verbose_re '2 items, 2 succeeded, 0 failed, 4 skipped \(resumed\)' multiprocess 2 0)"
}

@test "--summary --halt counts the items not run (input a regular file)" {
	seq 10 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --summary -j1 --halt soon,fail=1 sh -c '[ "$1" != 3 ]' sh <in
	assert_failure 1
	# --halt's own lines (GNU's) come first.
	assert_equal "${stderr_lines[0]}" 'scx-run: This job failed:'
	stderr=${stderr_lines[2]}
	assert_stderr --regexp "$(verbose_re '3 items, 2 succeeded, 1 failed, 7 not run' multiprocess 1 1)"
}

@test "no --summary: no summary line" {
	seq 3 >in
	run --separate-stderr timeout 60 "$SCX_RUN" sh -c '[ "$1" != 2 ]' sh <in
	assert_failure 1
	assert_equal "$stderr" ''
}

# --- --delay ----------------------------------------------------------------

@test "--delay 0.3 -j4: starts at least 0.3 s apart, items still run side by side" {
	seq 4 >in
	local t0
	t0=$(now_us)
	# each item stamps its start and its end (bash's $EPOCHREALTIME)
	run --separate-stderr timeout 60 "$SCX_RUN" --delay 0.3 -j4 --format=jsonl \
		bash -c 'echo "$1 $EPOCHREALTIME" >"started/$1"; sleep 0.6
			echo "$1 $EPOCHREALTIME" >"started/end$1"' sh <in
	local ms
	ms=$(since_ms "$t0")
	assert_success
	# the runner's own start times (jsonl start, to the microsecond):
	# 0.3 s apart, less the millisecond its timer counts in
	jq -r '"\(.seq) \(.start)"' <<<"$output" >starts
	assert_equal "$(wc -l <starts)" 4
	check_gaps starts 0.298
	# the items' own stamps: the same gaps, give or take the time a
	# process takes to start, a few ms here (0.1 s of room for a
	# slower or busier machine)
	cat started/[0-9] >stamps
	assert_equal "$(wc -l <stamps)" 4
	check_gaps stamps 0.2
	[ "$ms" -ge 900 ] || fail "the run took $ms ms, under 0.9 s"
	# item 2 started (~0.3 s) before item 1 ended (~0.6 s): one at a time
	# is about starting, not running
	run awk 'FNR == 1 { t[FILENAME] = $2 } END { print (t["started/2"] < t["started/end1"]) ? "overlap" : "serial" }' \
		started/2 started/end1
	assert_output overlap
}

@test "--delay 0.3 --backend=loky: items are written to the workers at least 0.3 s apart" {
	seq 4 >in
	local t0
	t0=$(now_us)
	run --separate-stderr timeout 60 "$SCX_RUN" --backend=loky --delay 0.3 -j2 \
		bash -c 'while read -r x; do echo "$x $EPOCHREALTIME"; done' "$MARKER" <in
	local ms
	ms=$(since_ms "$t0")
	assert_success
	assert_equal "${#lines[@]}" 4
	# a worker stamps an item when it reads it, with no process for the
	# stamp: item 1 may wait for its worker to start, so its stamp says
	# little (the wall time covers it); items 2 to 4 find their workers
	# waiting
	printf '%s\n' "${lines[@]:1}" >starts
	check_gaps starts 0.27
	[ "$ms" -ge 900 ] || fail "the run took $ms ms, under 0.9 s"
}

@test "--delay: bad values (0, -1, abc, empty) are usage errors naming the value" {
	local v
	for v in 0 -1 abc ''; do
		run --separate-stderr "$SCX_RUN" --delay "$v" true </dev/null
		assert_usage_error --delay "'$v'"
	done
}

# --- --memfree --------------------------------------------------------------

@test "--memfree 2G with 1 GiB available: no item starts; SIGTERM ends the wait with 143" {
	need_fake_mem
	seq 3 >in
	"${FAKE_MEM[@]}" --memfree 2G -j2 sh -c "$STARTED_WORKER" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	# up (its handlers set), then 2 s in which no item may start
	wait_signal_caught "$PID" TERM || fail "scx-run set no SIGTERM handler in 20 s"
	sleep 2
	no_started
	running "$PID" || fail "scx-run has ended"
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal "$status" 143
	no_started
	assert_equal "$(cat out)" ''
}

@test "--memfree 2G with 1 GiB available: SIGHUP drains at once (nothing runs), exit 129" {
	env --default-signal=HUP true 2>/dev/null || skip "env --default-signal is not supported"
	need_fake_mem
	seq 3 >in
	env --default-signal=HUP "${FAKE_MEM[@]}" --memfree 2G -j2 sh -c "$STARTED_WORKER" "$MARKER" \
		<in >out 2>err 3>&- &
	PID=$!
	# SIGHUP is the runner's to handle (before, it would end it, with the
	# same status 129)
	wait_signal_caught "$PID" HUP || fail "scx-run set no SIGHUP handler in 20 s"
	local t0 ms
	t0=$(now_us)
	kill -HUP "$PID"
	wait_exit "$PID"
	ms=$(since_ms "$t0")
	assert_equal "$status" 129
	[ "$ms" -lt 1000 ] || fail "the drain took $ms ms with no item running"
	no_started
	assert_equal "$(cat out)" ''
}

@test "--memfree 1K: the run goes as usual" {
	seq 3 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --memfree 1K -j2 sh -c "$STARTED_WORKER" sh <in
	assert_success
	assert_output "$(printf 'ran %s\n' 1 2 3)"
	assert_equal "$stderr" ''
}

@test "--memfree 2G with 1 GiB available: one notice naming the throttle and the machine's figures; items start once memory is freed" {
	need_fake_mem
	seq 3 >in
	"${FAKE_MEM[@]}" --memfree 2G -j2 sh -c "$STARTED_WORKER" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	sleep 1
	no_started
	running "$PID" || fail "scx-run has ended: $(cat err)"
	assert_equal "$(cat err)" "scx-run: warning: --memfree 2G holds every item: 1.0 GiB of memory is available (MemAvailable, of MemTotal 8.0 GiB) and none of this run's items runs; waiting until 2G are"
	mem_available 4194304
	wait_for_file started/1 20 || fail "no item started after memory was freed"
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(printf 'ran %s\n' 1 2 3)"
	# said once
	assert_equal "$(wc -l <err)" 1
}

@test "--memfree at or above MemTotal can never clear: one-line error, exit 255, nothing runs" {
	local kib
	kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	[ -n "$kib" ] || skip "no MemTotal in /proc/meminfo"
	seq 3 >in
	for v in "${kib}K" "$((kib + 1))K"; do
		run --separate-stderr timeout 60 "$SCX_RUN" --memfree "$v" -j2 sh -c "$STARTED_WORKER" "$MARKER" <in
		assert_usage_error "--memfree $v: this machine has" "of memory (MemTotal in /proc/meminfo), never all of it available: no item could ever start"
		no_started
	done
}

@test "--memfree above a fake MemTotal of 8 GiB: the error gives the machine's figure" {
	need_fake_mem
	run --separate-stderr timeout 60 "${FAKE_MEM[@]}" --memfree 9G true </dev/null
	assert_usage_error "scx-run: --memfree 9G: this machine has 8.0 GiB of memory (MemTotal in /proc/meminfo), never all of it available: no item could ever start"
}

@test "--memfree without MemAvailable in /proc/meminfo: one-line error, exit 255" {
	need_fake_mem
	printf 'MemTotal:        8388608 kB\n' >meminfo
	run --separate-stderr timeout 60 "${FAKE_MEM[@]}" --memfree 1G true </dev/null
	assert_usage_error "--memfree: cannot read MemAvailable in /proc/meminfo"
}

@test "--memfree: bad values (0, -1, abc, 1X, empty) are usage errors naming the value" {
	local v
	for v in 0 -1 abc 1X ''; do
		run --separate-stderr "$SCX_RUN" --memfree "$v" true </dev/null
		assert_usage_error --memfree "'$v'"
	done
}

# --- --load -----------------------------------------------------------------

@test "--load 1 under a fake load of 5: no item starts; they start once the load falls" {
	need_fake_load
	seq 3 >in
	"${FAKE_LOAD[@]}" --load 1 -j2 sh -c "$STARTED_WORKER" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	# up (unshare and sh exec scx-run under this pid), then 2 s in which
	# no item may start
	local i=0
	until [ "$(readlink "/proc/$PID/exe" 2>/dev/null)" = "$(readlink -f "$SCX_RUN")" ] &&
		signal_in "$PID" SigCgt TERM; do
		[ "$i" -lt 400 ] || fail "scx-run was not up in 20 s: $(cat err)"
		sleep 0.05
		i=$((i + 1))
	done
	sleep 2
	no_started
	running "$PID" || fail "scx-run has ended: $(cat err)"
	# written in place: the bind mount shows the new contents
	echo "0.10 0.10 0.10 1/100 1" >loadavg
	local t0 ms
	t0=$(now_us)
	wait_for_file started/1 20 || fail "no item started after the load fell"
	ms=$(since_ms "$t0")
	[ "$ms" -le 1500 ] || fail "the first item started $ms ms after the load fell"
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(printf 'ran %s\n' 1 2 3)"
	# one notice, from the start, which is also the only line
	assert_equal "$(cat err)" "scx-run: warning: --load 1 holds every item: the 1-minute load average is 5.00 (/proc/loadavg) and none of this run's items runs; waiting until it is 1 or less"
}

@test "--load 0.5 under a fake load of 5: the notice comes while nothing has run, and the run waits on" {
	need_fake_load
	seq 3 >in
	"${FAKE_LOAD[@]}" --load 0.5 -j2 sh -c "$STARTED_WORKER" "$MARKER" <in >out 2>err 3>&- &
	PID=$!
	local i=0
	while [ ! -s err ] && [ "$i" -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	assert_equal "$(cat err)" "scx-run: warning: --load 0.5 holds every item: the 1-minute load average is 5.00 (/proc/loadavg) and none of this run's items runs; waiting until it is 0.5 or less"
	no_started
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal "$status" 143
}

@test "--load with an unreadable /proc/loadavg: one-line error, exit 255" {
	need_fake_load
	: >loadavg
	run --separate-stderr timeout 60 "${FAKE_LOAD[@]}" --load 1 true </dev/null
	assert_usage_error "--load: cannot read the load average in /proc/loadavg"
}

@test "--load above (or equal to) the fake load: the run starts at once" {
	need_fake_load
	seq 3 >in
	local v t0 ms
	for v in 10 5; do
		t0=$(now_us)
		run --separate-stderr timeout 10 "${FAKE_LOAD[@]}" --load "$v" -j2 sh -c 'echo "ran $1"' sh <in
		ms=$(since_ms "$t0")
		assert_success
		assert_output "$(printf 'ran %s\n' 1 2 3)"
		[ "$ms" -lt 900 ] || fail "--load $v under a load of 5.00 took $ms ms"
	done
}

@test "--load: bad values (0, -2, x, empty) are usage errors naming the value" {
	local v
	for v in 0 -2 x ''; do
		run --separate-stderr "$SCX_RUN" --load "$v" true </dev/null
		assert_usage_error --load "'$v'"
	done
}

# --- a throttle holds no run with nothing to start -------------------------

@test "throttles with an empty input: exit 0 at once (fake load of 5, --load 0.001)" {
	need_fake_load
	local t0 ms
	t0=$(now_us)
	run --separate-stderr timeout 60 "${FAKE_LOAD[@]}" --load 0.001 true </dev/null
	ms=$(since_ms "$t0")
	assert_success
	assert_equal "$stderr" ''
	[ "$ms" -lt 2000 ] || fail "an empty run under --load took $ms ms"
	# an input that ends later, without an item
	t0=$(now_us)
	run --separate-stderr bash -c 'sleep 0.5 | timeout 60 "$@" --load 0.001 true' sh "${FAKE_LOAD[@]}"
	ms=$(since_ms "$t0")
	assert_success
	# no item waited: no notice
	assert_equal "$stderr" ''
	[ "$ms" -lt 2000 ] || fail "a run of no items under --load took $ms ms"
}

@test "throttles with an empty input: exit 0 at once (--delay 5)" {
	local t0 ms
	t0=$(now_us)
	run --separate-stderr timeout 60 "$SCX_RUN" --delay 5 true </dev/null
	ms=$(since_ms "$t0")
	assert_success
	assert_equal "$stderr" ''
	[ "$ms" -lt 2000 ] || fail "an empty run with --delay 5 took $ms ms"
}

@test "throttles with an empty input: exit 0 at once, no notice (--memfree 2G, 1 GiB available)" {
	need_fake_mem
	local t0 ms
	t0=$(now_us)
	run --separate-stderr timeout 60 "${FAKE_MEM[@]}" --memfree 2G true </dev/null
	ms=$(since_ms "$t0")
	assert_success
	assert_equal "$stderr" ''
	[ "$ms" -lt 2000 ] || fail "an empty run with --memfree 2G took $ms ms"
	# an input that ends later, without an item: no item waits, no notice
	run --separate-stderr bash -c 'sleep 0.5 | timeout 60 "$@" --memfree 2G true' sh "${FAKE_MEM[@]}"
	assert_success
	assert_equal "$stderr" ''
}

@test "--delay 5 holds no run after its last item" {
	local t0 ms
	echo 1 >in
	t0=$(now_us)
	run --separate-stderr timeout 60 "$SCX_RUN" --delay 5 -j2 echo <in
	ms=$(since_ms "$t0")
	assert_success
	assert_output 1
	[ "$ms" -lt 2000 ] || fail "a run of one item with --delay 5 took $ms ms"
	# the input ends 0.5 s after its only item
	t0=$(now_us)
	run --separate-stderr bash -c '(echo 1; sleep 0.5) | timeout 60 "$SCX_RUN" --delay 5 -j2 echo'
	ms=$(since_ms "$t0")
	assert_success
	assert_output 1
	[ "$ms" -lt 2000 ] || fail "a run of one item with --delay 5 took $ms ms"
}
