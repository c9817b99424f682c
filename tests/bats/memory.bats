#!/usr/bin/env bats
# Bounded memory (man page, MEMORY): results waiting behind a slow item
# spill to an unnamed temporary file past --spill-after; an item's large
# stdout streams.  Peak RSS is measured with GNU time (-f %M, KiB); those
# checks are skipped on the sanitizer build (SCX_ASAN=1, set by make
# check-asan), whose shadow memory would blow any limit, but the outputs
# are still checked there.
#
# Each test marks its processes with a unique word ($MARKER, also in the
# path of a copy of sleep, $SLEEP) so that pgrep -f finds them.  Big
# outputs go to files or through wc, never into $output.

bats_require_minimum_version 1.5.0
load helper

# The acceptance limit for the peak RSS of scx-run.
RSS_LIMIT_KIB=$((32 * 1024))

SCX_MARK=sleep

suite_setup() {
	mkdir tmp
	export TMPDIR=$T/tmp
}

need_gnu_time() {
	[ -x /usr/bin/time ] || skip "/usr/bin/time (package time) is not installed"
}

# check_rss FILE: the peak RSS in FILE (written by /usr/bin/time -f %M -o
# FILE) is under the limit; skipped (but printed) on the sanitizer build.
check_rss() {
	local kib
	kib=$(tail -n 1 "$1")
	[[ $kib =~ ^[0-9]+$ ]] || fail "no RSS figure in $1: $(cat "$1")"
	echo "# $BATS_TEST_DESCRIPTION: peak RSS $kib KiB" >&3
	if [ "${SCX_ASAN:-}" = 1 ]; then
		return 0
	fi
	[ "$kib" -lt "$RSS_LIMIT_KIB" ] ||
		fail "peak RSS of scx-run $kib KiB, not under $RSS_LIMIT_KIB KiB"
}

# tmp_empty: nothing was left in $TMPDIR.
tmp_empty() {
	local left
	left=$(ls -A "$TMPDIR")
	[ -z "$left" ] || fail "left in TMPDIR: $left"
}


# spill_fd PID: true when PID has a file open in $TMPDIR (an O_TMPFILE
# file shows as "$TMPDIR/#inode (deleted)").
spill_fd() {
	local fd target
	for fd in /proc/"$1"/fd/*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		case $target in "$TMPDIR"/*) return 0 ;; esac
	done
	return 1
}

# wait_spill PID: wait (at most 20 s) until PID has its spill file open.
wait_spill() {
	local i=0
	until spill_fd "$1"; do
		running "$1" || fail "scx-run $1 ended before it spilled"
		[ "$i" -lt 400 ] || fail "scx-run $1 opened no file in $TMPDIR in 20 s"
		sleep 0.05
		i=$((i + 1))
	done
}

# A per-item worker: item 1 waits for the file go (at most 20 s), which the
# test makes, or item $GO_AFTER once it has printed; every item prints 20
# lines "ITEM k".  With -j2, item 1 holds one slot, and the items of the
# other slot complete one after another: when item $GO_AFTER runs, all
# those before it in that slot are complete and wait behind item 1,
# however fast or slow the machine.
STRAGGLER='if [ "$1" = 1 ]; then
		i=0; while [ ! -e go ] && [ $i -lt 400 ]; do "$0" 0.05; i=$((i + 1)); done
	fi
	seq -f "$1 %g" 20
	if [ "$1" = "${GO_AFTER:-}" ]; then touch go; fi'

# expected_straggler N: the output of items 1..N of STRAGGLER, in order.
expected_straggler() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) for (k = 1; k <= 20; k++) print i, k }'
}

# ============================================================================
# acceptance: bounded memory
# ============================================================================

@test "loky: a 5 s item at the head, then 200,000 fast items: complete, in order, RSS under 32 MiB" {
	need_gnu_time
	seq 200001 >in
	# item 1 blocks its worker 5 s; the other worker answers the rest,
	# whose results all wait behind item 1.  mawk reads its input in
	# blocks unless -W interactive.
	local awk_opts=()
	if awk -W version 2>/dev/null | grep -q mawk; then
		awk_opts=(-W interactive)
	fi
	# Item 1 also waits (at most 40 s) until the other worker has read
	# the last item, so that all of them wait behind it, however fast
	# the machine.
	SECONDS=0
	run --separate-stderr into out timeout 60 /usr/bin/time -f %M -o rss \
		"$SCX_RUN" --backend=loky -j2 awk "${awk_opts[@]}" -v s="$SLEEP" '
		$0 == 1 { system(s " 5; i=0; while [ ! -e last ] && [ $i -lt 800 ]; do " \
			s " 0.05; i=$((i + 1)); done") }
		$0 == 200001 { system("touch last") }
		{ print }' <in
	assert_success
	refute_stderr
	[ "$SECONDS" -ge 5 ] || fail "the run took $SECONDS s: item 1 did not hold the others"
	[ -e last ] || fail "no worker read the last item"
	same_file in out
	check_rss rss
	tmp_empty
	no_marked_left
}

@test "one item printing 1 GiB (head -c 1G /dev/zero) | wc -c: every byte, RSS under 32 MiB" {
	need_gnu_time
	echo 1G >in
	run --separate-stderr bash -c 'timeout 60 /usr/bin/time -f %M -o rss \
		"$SCX_RUN" -j2 head -c {} /dev/zero <in | wc -c
		echo "status ${PIPESTATUS[0]}"'
	assert_success
	refute_stderr
	assert_output "$(printf '1073741824\nstatus 0')"
	check_rss rss
	tmp_empty
}

# ============================================================================
# --spill-after
# ============================================================================

@test "--spill-after 1K: results behind a straggler spill to an unnamed file in TMPDIR; output complete, in order; nothing left" {
	seq 150 >in
	"$SCX_RUN" -j2 --spill-after 1K sh -c "$STRAGGLER" "$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	# the spill file is open but has no name
	wait_spill "$PID"
	tmp_empty
	touch go
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat err)" ''
	expected_straggler 150 >expected
	same_file expected out
	tmp_empty
}

@test "--spill-after: nothing spills below the limit (an unusable TMPDIR is not touched)" {
	seq 50 >in
	# until item 50 has run, the results of about 100 bytes of the items
	# before it in the other slot (8 to 49: 1 to 7 are item 1's chunk)
	# wait: under the default 8M
	GO_AFTER=50 TMPDIR=$T/no-such-dir run --separate-stderr \
		timeout 60 "$SCX_RUN" -j2 sh -c "$STRAGGLER" "$SLEEP" <in
	assert_success
	refute_stderr
	assert_output "$(expected_straggler 50)"
}

@test "--spill-after: a spill file that cannot be created ends the run with 255" {
	seq 50 >in
	# item 1 waits for go, never made: the run must end at the failed
	# spill (ended by the 20 s guard, item 1 would make it exit 0)
	TMPDIR=$T/no-such-dir run --separate-stderr \
		timeout 60 "$SCX_RUN" -j2 --spill-after 1K sh -c "$STRAGGLER" "$SLEEP" <in
	assert_failure 255
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: '
	no_marked_left
}

@test "--spill-after 1K with --format=jsonl: spilled results are whole JSON lines, in order" {
	seq 100 >in
	"$SCX_RUN" -j2 --spill-after 1K --format=jsonl sh -c "$STRAGGLER" "$SLEEP" \
		<in >out 2>err 3>&- &
	PID=$!
	# item 1 is released once results have spilled
	wait_spill "$PID"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 0
	assert_equal "$(cat err)" ''
	assert_equal "$(jq -s 'map(.seq) == [range(1; 101)]' out)" true
	assert_equal "$(jq -j '.stdout' out)" "$(expected_straggler 100)"
	tmp_empty
}

@test "loky: --spill-after 1K with a straggler: 20,000 answers complete and in order; nothing left" {
	seq 20000 >in
	run --separate-stderr timeout 60 "$SCX_RUN" --backend=loky -j2 --spill-after 1K sh -c '
		read -r l; "$0" 1; echo "$l"; exec cat' "$SLEEP" <in
	assert_success
	refute_stderr
	assert_equal "$output" "$(cat in)"
	tmp_empty
	no_marked_left
}

@test "--as-completed: an item streaming 4 MB stays one block while the others finish (and spill)" {
	{ echo big; seq 100; } >in
	run --separate-stderr into out timeout 60 "$SCX_RUN" -j2 --as-completed --spill-after 1K sh -c '
		if [ "$1" = big ]; then
			yes big | head -n 500000; "$0" 0.5; yes big | head -n 500000
		else echo "small $1"; fi' "$SLEEP" <in
	assert_success
	refute_stderr
	# every line there, the big ones in one run of lines
	assert_equal "$(grep -c '^big$' out)" 1000000
	assert_equal "$(grep '^small' out | sort -k2n)" "$(seq 100 | sed 's/^/small /')"
	assert_equal "$(uniq out | grep -c '^big$')" 1
	tmp_empty
}

@test "--spill-after: SIGTERM while results are spilled: exit 143, the complete ones written, nothing left in TMPDIR, no item left" {
	seq 300 >in
	# --chunksize 1: one item at a time to each slot, so that no item waits behind
	# item 1 in its slot's chunk
	"$SCX_RUN" -j2 --chunksize 1 --spill-after 1K sh -c "$STRAGGLER" "$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_spill "$PID"
	kill -TERM "$PID"
	wait_exit "$PID"
	assert_equal "$status" 143
	# the complete results are written, in order, without item 1 (still
	# running), the spilled ones included: items 2 to some k
	k=$(tail -n 1 out | cut -d ' ' -f 1)
	[ -n "$k" ] || fail "no result written"
	expected_straggler "$k" | sed 1,20d >expected
	same_file expected out
	tmp_empty
	no_marked_left
}

@test "--spill-after: SIGKILL while results are spilled: nothing left in TMPDIR, the item dies with scx-run" {
	seq 300 >in
	# item 1 is the sleep itself (exec), so the parent-death signal ends it
	"$SCX_RUN" -j2 --spill-after 1K sh -c 'if [ "$1" = 1 ]; then exec "$0" 30; fi
		seq -f "$1 %g" 20' "$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_spill "$PID"
	kill -KILL "$PID"
	wait_exit "$PID"
	assert_equal "$status" 137
	tmp_empty
	no_marked_left
}

@test "--spill-after accepts K, M, G in either case" {
	printf 'a\n' >in
	local v
	for v in 1 1K 1k 2M 2m 1G 1g; do
		run --separate-stderr timeout 60 "$SCX_RUN" -j2 --spill-after "$v" echo <in
		assert_success
		assert_output a
	done
}

@test "--spill-after 0, -1, 1X, empty, 0K, 1.5K, K, 1KB: usage error naming the value" {
	printf 'a\n' >in
	local v
	for v in 0 -1 1X '' 0K 1.5K K 1KB; do
		run --separate-stderr timeout 60 "$SCX_RUN" -j2 --spill-after "$v" sh -c 'touch ran' sh <in
		assert_usage_error --spill-after "'$v'"
		[ ! -e ran ] || fail "an item ran with --spill-after '$v'"
	done
}

# ============================================================================
# One item writing 64 MiB, in every output mode (issue 11, Build 3): no
# mode holds an item whole (1 GiB figures: bench/memory)
# ============================================================================

# 64 MiB of "x\n" lines.
BIG=67108864
BIG_ITEM='head -c "$0" /dev/zero | tr "\0" "\n" | sed "s/^/x/" | head -c "$0"'

@test "64 MiB with --tag: every line tagged, RSS under 32 MiB" {
	need_gnu_time
	echo 1 >in
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --tag sh -c "$1" "$0" <in | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$(sh -c "$BIG_ITEM" "$BIG" | sed 's/^/1\t/' | md5sum)"
	check_rss rss
	tmp_empty
}

@test "64 MiB with --format=jsonl: one JSON line with all of it, RSS under 32 MiB" {
	need_gnu_time
	echo 1 >in
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --format=jsonl sh -c "$1" "$0" <in | jq -r .stdout | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$( (sh -c "$BIG_ITEM" "$BIG"; echo) | md5sum)"
	check_rss rss
	tmp_empty
}

@test "64 MiB of invalid UTF-8 with --format=jsonl: stdout_base64 has the exact bytes, RSS under 32 MiB" {
	need_gnu_time
	echo 1 >in
	local w='head -c "$0" /dev/zero | tr "\0" "\377"'
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --format=jsonl sh -c "$1" "$0" <in | jq -r .stdout_base64 | base64 -d | md5sum' "$BIG" "$w"
	assert_output "$(head -c "$BIG" /dev/zero | tr '\0' '\377' | md5sum)"
	check_rss rss
}

@test "64 MiB with --results: stored whole, RSS under 32 MiB" {
	need_gnu_time
	echo 1 >in
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --results res sh -c "$1" "$0" <in | wc -c' "$BIG" "$BIG_ITEM"
	local want
	want=$(sh -c "$BIG_ITEM" "$BIG" | md5sum)
	# --results takes the output, as in GNU parallel: none on stdout
	assert_output 0
	assert_equal "$(md5sum <res/1/1/stdout)" "$want"
	check_rss rss
}

@test "64 MiB on stderr: all of it, RSS under 32 MiB" {
	need_gnu_time
	echo 1 >in
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" sh -c "$1 >&2" "$0" <in 2>&1 >/dev/null | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$(sh -c "$BIG_ITEM" "$BIG" | md5sum)"
	check_rss rss
	tmp_empty
}

@test "64 MiB from an item running behind a slower earlier one: whole, in order, RSS under 32 MiB" {
	need_gnu_time
	# item 1 ends only once item 2 has finished (its marker), so item 2's
	# output is all there while it must wait
	printf '1\n2\n' >in
	local w='if [ "$1" = 1 ]; then while [ ! -e done2 ]; do "$SLEEP" 0.05; done; echo first
		else head -c "$0" /dev/zero | tr "\0" "\n" | sed "s/^/x/" | head -c "$0"; touch done2; fi'
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" -j2 sh -c "$1" "$0" <in | md5sum' "$BIG" "$w"
	assert_output "$( (echo first; sh -c "$BIG_ITEM" "$BIG") | md5sum)"
	check_rss rss
	tmp_empty
}

@test "loky: a 64 MiB answer with --tag (through the answer spool): whole, RSS under 32 MiB" {
	need_gnu_time
	echo "$BIG" >in
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --backend=loky -j1 --tag sh -c "while read n; do head -c \$n /dev/zero | tr \"\\0\" a; echo; done" <in | md5sum'
	assert_output "$( (printf '%s\t' "$BIG"; head -c "$BIG" /dev/zero | tr '\0' a; echo) | md5sum)"
	check_rss rss
	tmp_empty
}

@test "mpi: 64 MiB from an item on a worker rank: whole, RSS under 32 MiB on every rank" {
	need_gnu_time
	command -v mpiexec >/dev/null || skip "mpiexec is not installed"
	"$SCX_RUN" --backend=mpi --info --if-serial=ignore </dev/null >/dev/null 2>&1 ||
		skip "scx-run was built without MPI"
	local -a mpiexec=(mpiexec --oversubscribe)
	[ "$EUID" != 0 ] || mpiexec+=(--allow-run-as-root)
	printf '#!/bin/sh\nexec /usr/bin/time -f %%M -o "%s/rss.$OMPI_COMM_WORLD_RANK" "$@"\n' "$T" >rankrss
	chmod +x rankrss
	echo 1 >in
	run bash -c 'timeout 120 "$@" <in | md5sum' sh "${mpiexec[@]}" -n 3 ./rankrss "$SCX_RUN" --backend=mpi sh -c "$BIG_ITEM" "$BIG"
	assert_output "$(sh -c "$BIG_ITEM" "$BIG" | md5sum)"
	check_rss rss.0
	check_rss rss.1
	check_rss rss.2
}

@test "sources: 1,000,000 lines of a :::: file times a second source (--dry-run): every job, in order, RSS under 32 MiB" {
	need_gnu_time
	seq 1000000 >big
	run --separate-stderr into out /usr/bin/time -f %M -o rss \
		"$SCX_RUN" --dry-run echo :::: big ::: x y
	assert_success
	refute_stderr
	awk '{ print "echo " $0 " x"; print "echo " $0 " y" }' big >want
	same_file want out
	check_rss rss
}

@test "sources: ::: with 100,000 words and -n 3 (--dry-run): every job, RSS under 32 MiB" {
	need_gnu_time
	seq 100000 >words
	run --separate-stderr into out /usr/bin/time -f %M -o rss \
		"$SCX_RUN" --dry-run -n 3 echo ::: $(cat words)
	assert_success
	refute_stderr
	paste -d ' ' - - - <words | sed 's/ *$//; s/^/echo /' >want
	same_file want out
	check_rss rss
}
