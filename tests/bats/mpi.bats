#!/usr/bin/env bats
# The MPI backend on one host: mpiexec -n N scx-run --backend=mpi (issue 4).
# Rank 0 hands out the items, ranks 1..N-1 run them.
#
# Skipped, with the reason, when mpiexec is missing or the binary was built
# without MPI.  Each mpiexec launch costs about half a second here, so
# every test runs one or two.  The machine has 2 cores: mpiexec always gets
# --oversubscribe (and --allow-run-as-root as root).

bats_require_minimum_version 1.5.0
load helper

# An MPI abort alone takes about 2 s: leftovers get longer to go.
NO_MARKED_WAIT=10

SCX_MARK=sleep

setup_file() {
	local out
	SCX_SUITE_SKIP=
	if ! command -v mpiexec >/dev/null; then
		SCX_SUITE_SKIP="mpiexec is not installed (apt-get install openmpi-bin)"
	elif ! out=$("$SCX_RUN" --backend=mpi --info --if-serial=ignore 2>&1 </dev/null); then
		case $out in
		*"not available"*)
			SCX_SUITE_SKIP="scx-run was built without MPI: $out" ;;
		*)
			SCX_SUITE_SKIP= ;; # a real failure: the tests show it
		esac
	fi
	export SCX_SUITE_SKIP
}

# wait_count DIR N [SECONDS]: wait until DIR holds at least N entries.
wait_count() {
	local dir=$1 n=$2 limit=$(( ${3:-20} * 20 )) i=0 f c
	while :; do
		c=0
		for f in "$dir"/*; do
			[ -e "$f" ] && c=$((c + 1))
		done
		[ "$c" -lt "$n" ] || return 0
		[ "$i" -lt "$limit" ] || fail "only $c of $n entries in $dir"
		sleep 0.05
		i=$((i + 1))
	done
}

# rank_pid RANK: the pid of this test's scx-run process that is MPI rank
# RANK (its environment says so; worker commands never carry OMPI_*).
rank_pid() {
	local p exe
	exe=$(readlink -f "$SCX_RUN")
	for p in $(marked_pids); do
		[ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$exe" ] || continue
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# A worker that says it started, then sleeps 30 s.
SLOW_WORKER='touch "started/$1"; exec "$0" 30'

# --- 1. order, completion order, blocks -----------------------------------

@test "mpiexec -n 4: 200 items come out in input order" {
	seq 200 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi echo <in
	assert_success
	assert_output "$(seq 200)"
	refute_stderr
}

@test "--as-completed writes in completion order (items 3 1 2, each completing once the ones before it are written)" {
	# item N completes once items 1..N-1 are in out (IN_TURN): rank 0
	# must write each result as it arrives for item 3 to complete
	printf '3\n1\n2\n' >in
	run --separate-stderr mpi_to out -n 4 "$SCX_RUN" --backend=mpi --as-completed \
		sh -c "$IN_TURN"'; echo "$1"' sh <in
	assert_success
	assert_equal "$(cat out)" "$(printf '1\n2\n3')"
	refute_stderr
}

@test "3 items on 3 worker ranks run at once, one on each rank" {
	printf '1\n2\n3\n' >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi --format=jsonl \
		sh -c 'sleep 0.5' sh <in
	assert_success
	refute_stderr
	assert_equal "$(jq -r .rank <<<"$output" | sort -n | paste -sd' ')" '1 2 3'
}

@test "--as-completed: each item's output is one block, never interleaved" {
	# 9 items of 20000 lines ("ITEM N") each, several times a pipe's size
	seq 9 >in
	run --separate-stderr mpi_to out -n 4 "$SCX_RUN" --backend=mpi \
		--as-completed sh -c 'seq -f "$1 %g" 20000' sh <in
	assert_success
	refute_stderr
	run awk '
		$1 != cur {
			if (cur != "" && n != 20000) bad = bad " short:" cur
			if ($1 in seen) bad = bad " again:" $1
			seen[$1] = 1; items++; cur = $1; n = 0
		}
		{ n++; if ($2 != n) { bad = bad " line:" NR; exit } }
		END { if (n != 20000 || items != 9) bad = bad " items:" items
		      print bad == "" ? "blocks ok" : "interleaved" bad }' out
	assert_output 'blocks ok'
}

# --- 2. ranks ---------------------------------------------------------------

@test "items run on worker ranks 1..3 only: SCX_RANK and jsonl rank agree, never 0" {
	seq 60 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi --format=jsonl \
		sh -c 'sleep 0.02; echo "$SCX_RANK"' sh <in
	assert_success
	refute_stderr
	assert_equal "$(jq -r .seq <<<"$output" | sort -n | paste -sd' ')" \
		"$(seq 60 | paste -sd' ')"
	# "jsonl-rank SCX_RANK" per item: only "1 1", "2 2", "3 3"
	assert_equal "$(jq -r '"\(.rank) \(.stdout | rtrimstr("\n"))"' <<<"$output" |
		grep -cvx -e '1 1' -e '2 2' -e '3 3')" 0
}

@test "all three worker ranks get items (60 items of 0.02 s)" {
	seq 60 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi \
		sh -c 'sleep 0.02; echo "$SCX_RANK"' sh <in
	assert_success
	refute_stderr
	assert_equal "${#lines[@]}" 60
	assert_equal "$(sort -u <<<"$output" | paste -sd' ')" '1 2 3'
}

# --- 3. serial launches ---------------------------------------------------

@test "mpiexec -n 2: refused by default, the message says -n 3 is the smallest" {
	seq 5 >in
	run --separate-stderr mpi -n 2 "$SCX_RUN" --backend=mpi echo <in
	# mpiexec exits with rank 0's status
	assert_failure 255
	assert_output ''
	assert_stderr_line --regexp '^scx-run: .*-n 3'
}

@test "mpiexec -n 2 --if-serial=warn: runs every item and warns" {
	seq 5 >in
	run --separate-stderr mpi -n 2 "$SCX_RUN" --backend=mpi --if-serial=warn echo <in
	assert_success
	assert_output "$(seq 5)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: warning: .*-n 2'
}

@test "mpiexec -n 2 --if-serial=ignore: runs every item quietly" {
	seq 5 >in
	run --separate-stderr mpi -n 2 "$SCX_RUN" --backend=mpi --if-serial=ignore echo <in
	assert_success
	assert_output "$(seq 5)"
	refute_stderr
}

@test "singleton (no mpiexec): refused by default, pointing at mpiexec -n 3" {
	seq 5 >in
	run --separate-stderr "$SCX_RUN" --backend=mpi echo <in
	assert_failure 255
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: .*mpiexec -n 3'
}

@test "singleton --if-serial=ignore: rank 0 runs the items itself" {
	seq 5 >in
	run --separate-stderr "$SCX_RUN" --backend=mpi --if-serial=ignore \
		sh -c 'echo "$SCX_RANK $1"' sh <in
	assert_success
	assert_output "$(printf '0 %s\n' 1 2 3 4 5)"
	refute_stderr
}

# --- 4. the master does not spin -----------------------------------------

# The brief's figure (under 0.1 s; 2% of a core) is measured by bench/mpi,
# side by side with an empty MPI program: a CPU budget in the suite would be
# at the mercy of a loaded machine.  What the suite checks is that rank 0
# does not spin: a master that polls without pause burns the whole ~3 s.
@test "rank 0 does not spin while 3 worker ranks run 9 items of sleep 1" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time is not installed (apt-get install time)"
	local wrap=$BATS_TEST_DIRNAME/mpi/rank0-time idle busy
	# the same launch without items: MPI_Init/Finalize and start-up alone
	run --separate-stderr mpi -n 4 "$wrap" "$T/idle" "$SCX_RUN" --backend=mpi \
		sh -c 'sleep 1' </dev/null
	assert_success
	refute_stderr
	seq 9 >in
	run --separate-stderr mpi -n 4 "$wrap" "$T/busy" "$SCX_RUN" --backend=mpi \
		sh -c 'sleep 1; echo "$1"' sh <in
	assert_success
	assert_output "$(seq 9)"
	refute_stderr
	# "USER SYS ELAPSED" of rank 0
	idle=$(cat idle)
	busy=$(cat busy)
	local run_cpu
	run_cpu=$(awk -v i="$idle" -v b="$busy" 'BEGIN {
		split(i, x, " "); split(b, y, " ")
		printf "%.2f", (y[1] + y[2]) - (x[1] + x[2]) }')
	echo "# rank 0 (user sys wall): no items $idle; 9 x sleep 1: $busy; run phase CPU $run_cpu s" >&3
	# the run phase lasted seconds (the items did run on the workers)
	awk -v b="$busy" 'BEGIN { split(b, y, " "); exit !(y[3] >= 2.5) }' ||
		fail "rank 0 lasted only ${busy##* } s"
	awk -v c="$run_cpu" 'BEGIN { exit !(c < 0.5) }' ||
		fail "rank 0 used $run_cpu s of CPU in the run phase (no items: $idle; items: $busy)"
}

# --- 5. large results -------------------------------------------------------

@test "a 5 MiB output from one item arrives whole and in order" {
	head -c 5242880 /dev/urandom >big
	{ echo 1; cat big; echo 3; } >expected
	printf '1\n2\n3\n' >in
	run --separate-stderr mpi_to out -n 4 "$SCX_RUN" --backend=mpi \
		sh -c 'if [ "$1" = 2 ]; then cat "$0"; else echo "$1"; fi' "$T/big" <in
	assert_success
	refute_stderr
	assert_equal "$(stat -c %s out)" "$(stat -c %s expected)"
	assert_equal "$(md5sum <out)" "$(md5sum <expected)"
}

# --- 6. a worker rank dies ----------------------------------------------------

@test "kill -9 of a worker rank ends the run, names the dead rank, leaves no item" {
	mkdir started
	seq 30 >in
	start_mpi_bg -n 4 "$SCX_RUN" --backend=mpi sh -c "$SLOW_WORKER" "$SLEEP"
	wait_count started 3
	local victim
	victim=$(rank_pid 1) || fail "no scx-run process with OMPI_COMM_WORLD_RANK=1"
	kill -KILL "$victim"
	wait_exit "$PID" 30
	load_err
	assert [ "$status" -ne 0 ]
	assert_equal "$(cat out)" ''
	# mpiexec names it: "process rank 1 with PID ... exited on signal 9"
	assert_stderr --regexp 'rank 1 .*signal 9'
	no_marked_left
}

# --- 7. --info and choosing the backend under mpiexec ---------------------

@test "--info under mpiexec -n 3: one line per rank, ranks 0..2, size 2, only rank 0 master" {
	run --separate-stderr mpi -n 3 "$SCX_RUN" --backend=mpi --info --format=json </dev/null
	assert_success
	refute_stderr
	assert_equal "${#lines[@]}" 3
	assert_equal "$(jq -sc 'sort_by(.rank) | map([.backend, .rank, .size, .master])' <<<"$output")" \
		'[["mpi",0,2,true],["mpi",1,2,false],["mpi",2,2,false]]'
}

@test "under mpiexec without --backend, --info says mpi on every rank" {
	run --separate-stderr mpi -n 3 "$SCX_RUN" --info --format=json </dev/null
	assert_success
	refute_stderr
	assert_equal "$(jq -r .backend <<<"$output" | paste -sd' ')" 'mpi mpi mpi'
}

@test "under mpiexec without --backend, items run once each, not on every rank" {
	seq 20 >in
	run --separate-stderr mpi -n 3 "$SCX_RUN" echo <in
	assert_success
	assert_output "$(seq 20)"
	refute_stderr
}

# --- 8. the workers' environment and CPUs ----------------------------------

@test "worker commands see no OMPI_*, PMIX_*, OPAL_* variables" {
	seq 3 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi sh -c 'exec env' sh <in
	assert_success
	refute_stderr
	# env did run: once per item
	assert_equal "$(grep -c '^SCX_RANK=[123]$' <<<"$output")" 3
	refute_line --regexp '^(OMPI|PMIX|OPAL)_'
}

@test "-n 2 --bind-to core: a worker command may use every CPU" {
	[ "$(usable_cpus)" -ge 2 ] || skip "needs at least 2 CPUs"
	local all
	all=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
	echo x >in
	run --separate-stderr mpi -n 2 --bind-to core "$SCX_RUN" --backend=mpi \
		--if-serial=ignore sh -c 'grep Cpus_allowed_list /proc/self/status' <in
	assert_success
	refute_stderr
	assert_output --regexp "^Cpus_allowed_list:[[:space:]]+$all\$"
}

@test "-n 2 --bind-to core --keep-affinity: a worker command keeps the rank's one CPU" {
	[ "$(usable_cpus)" -ge 2 ] || skip "needs at least 2 CPUs"
	echo x >in
	run --separate-stderr mpi -n 2 --bind-to core "$SCX_RUN" --backend=mpi \
		--if-serial=ignore --keep-affinity sh -c 'grep Cpus_allowed_list /proc/self/status' <in
	assert_success
	refute_stderr
	assert_output --regexp '^Cpus_allowed_list:[[:space:]]+[0-9]+$'
}

# --- 9. -j under MPI ------------------------------------------------------------

@test "-j 7 under mpiexec -n 4: a warning about -j, and 3 workers all the same" {
	seq 9 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi -j 7 --format=jsonl \
		sh -c 'echo "$SCX_SIZE"' sh <in
	assert_success
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --regexp '^scx-run: warning: .*-j'
	assert_equal "$(jq -r '.stdout | rtrimstr("\n")' <<<"$output" | sort -u)" 3
	assert_equal "$(jq -r .rank <<<"$output" | sort -u | paste -sd' ')" '1 2 3'
}

@test "-j 3 under mpiexec -n 4 agrees with the ranks: no warning" {
	seq 3 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi -j 3 echo <in
	assert_success
	assert_output "$(seq 3)"
	refute_stderr
}

# --- 10. reusable workers on the ranks --------------------------------------

@test "--reuse: 100000 lines through cat come back exactly, in order" {
	seq 100000 >in
	run --separate-stderr mpi_to out -n 3 "$SCX_RUN" --backend=mpi --reuse cat <in
	assert_success
	refute_stderr
	cmp out in
}

@test "--reuse with a block-buffered worker (awk): every answer comes, no hang" {
	seq 20000 >in
	run --separate-stderr timeout 60 "${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi \
		--reuse awk '{ print $1 * 2 }' <in
	assert_success
	refute_stderr
	assert_equal "$(md5sum <<<"$output")" "$(awk '{ print $1 * 2 }' in | md5sum)"
}

@test "--reuse with two items and sed: both answered (stdin closed at the end)" {
	run --separate-stderr timeout 30 bash -c \
		"printf 'a\nb\n' | ${MPIEXEC[*]} -n 3 '$SCX_RUN' --backend=mpi --reuse sed 's/^/x:/'"
	assert_success
	assert_output $'x:a\nx:b'
}

@test "singleton --reuse --if-serial=ignore: reusable worker, nothing appended" {
	run --separate-stderr bash -c "printf 'a\nb\n' | '$SCX_RUN' --backend=mpi --reuse --if-serial=ignore cat"
	assert_success
	assert_output $'a\nb'
}

@test "--reuse with a worker that cannot start: exit 255 and a message naming it" {
	seq 10 >in
	run --separate-stderr timeout 30 "${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi \
		--reuse nosuchcmd <in
	assert_failure 255
	assert_output ''
	assert_stderr_line --regexp "^scx-run: .*nosuchcmd.*No such file or directory"
}

@test "--reuse with a worker that cannot start: every scx-run message names it" {
	seq 10 >in
	run --separate-stderr timeout 30 "${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi \
		--reuse nosuchcmd <in
	assert_failure 255
	# mpiexec's own banner aside, no bare "scx-run: No such file or directory"
	assert_equal "$(grep '^scx-run:' <<<"$stderr" | grep -vc nosuchcmd)" 0
}

# --- 11. failing items ------------------------------------------------------------

@test "5 of 20 items fail: exit status 5" {
	seq 20 >in
	run --separate-stderr mpi -n 4 "$SCX_RUN" --backend=mpi \
		sh -c 'echo "$1"; [ $(($1 % 4)) -ne 0 ]' sh <in
	assert_failure 5
	assert_output "$(seq 20)"
}

# --- 12. signals -----------------------------------------------------------------

@test "SIGTERM to mpiexec during a run ends it promptly and leaves no item" {
	mkdir started
	seq 30 >in
	start_mpi_bg -n 4 "$SCX_RUN" --backend=mpi sh -c "$SLOW_WORKER" "$SLEEP"
	wait_count started 3
	kill -TERM "$PID"
	wait_exit "$PID" 30
	assert [ "$status" -ne 0 ]
	assert_equal "$(cat out)" ''
	no_marked_left
}

@test "SIGTERM to rank 0 during a run: exit 143, no item left" {
	mkdir started
	seq 30 >in
	start_mpi_bg -n 4 "$SCX_RUN" --backend=mpi sh -c "$SLOW_WORKER" "$SLEEP"
	wait_count started 3
	local r0
	r0=$(rank_pid 0) || fail "no scx-run process with OMPI_COMM_WORLD_RANK=0"
	kill -TERM "$r0"
	wait_exit "$PID" 30
	assert_equal "$status" 143
	assert_equal "$(cat out)" ''
	no_marked_left
}

@test "SIGTERM to rank 0: every finished result is written and logged once, and --resume completes (issue 11, B1)" {
	seq 200 >in
	touch block
	local w='[ "$1" != 1 ] || [ ! -e block ] || "$0" 30
		head -c 10000 /dev/zero | tr "\0" x; echo'
	start_mpi_bg -n 3 "$SCX_RUN" --backend=mpi --progress=always --joblog jl sh -c "$w" "$SLEEP"
	local r0 n
	wait_progress err 190
	r0=$(rank_pid 0) || fail "no scx-run process with OMPI_COMM_WORLD_RANK=0"
	kill -TERM "$r0"
	wait_exit "$PID" 30
	assert_equal "$status" 143
	n=$(progress_done err)
	[ "$n" -ge 190 ] || fail "the final progress line says $n done"
	assert_equal "$(wc -l <out)" "$n"
	assert_equal "$(grep -c -v 'x\{10000\}' out)" 0
	assert_equal "$(awk -F'\t' 'NR > 1' jl | wc -l)" "$n"
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' jl | sort -u | wc -l)" "$n"
	rm block
	mv out out.1
	start_mpi_bg -n 3 "$SCX_RUN" --backend=mpi --joblog jl --resume sh -c "$w" "$SLEEP"
	wait_exit "$PID" 60
	assert_equal "$status" 0
	assert_equal "$(cat out.1 out | wc -l)" 200
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' jl | sort -n)" "$(seq 200)"
	no_marked_left
}

@test "mpi: the backend is a plugin, loaded only by runs that use it" {
	# A run with another backend does not load OpenMPI at all.
	run --separate-stderr bash -c 'echo x | "$SCX_RUN" -j2 sh -c "grep -c libmpi /proc/\$PPID/maps; :"'
	assert_success
	assert_output "0"
	# A copy of the program without its plugin beside it says so, on
	# one line, and exits 255.
	cp "$SCX_RUN" "$T/lonely-scx-run"
	run --separate-stderr env -u SCX_PLUGIN_DIR "$T/lonely-scx-run" --backend=mpi echo </dev/null
	[ "$status" -eq 255 ] || fail "status $status"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "$stderr" "^scx-run: --backend: 'mpi' cannot be loaded: .*scx-mpi.so"
}

@test "mpi: a plugin built from other headers is refused, on one line, not run" {
	command -v cc >/dev/null || skip "no C compiler"
	mkdir plug
	printf 'const unsigned scx_plugin_abi = 1u;\nchar scx_backend_mpi[512];\n' >plug/fake.c
	cc -shared -fPIC -o plug/scx-mpi.so plug/fake.c
	run --separate-stderr env SCX_PLUGIN_DIR="$T/plug" "$SCX_RUN" --backend=mpi --if-serial=ignore echo </dev/null
	[ "$status" -eq 255 ] || fail "status $status, stderr: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "$stderr" "cannot be loaded: .*plug/scx-mpi.so was not built with this scx-run"
}

@test "mpi: --summary sums the run up once, on rank 0" {
	run --separate-stderr timeout 60 bash -c 'seq 5 | "$@"' sh \
		"${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi --summary echo
	assert_success
	[ "$(grep -c '^scx-run: .* items' <<<"$stderr")" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "$stderr" "scx-run: 5 items, 5 succeeded, 0 failed"
}

# open_fails ARGS...: the MPI backend's open failed at each of its
# allocations in turn (tests/helpers/mpi_open_fails); each must fail with
# its error, leave MPI finalised if it was initialised, and (under
# make check-asan) leak nothing.
open_fails() {
	local helper=$SCX_HELPERS/mpi_open_fails n k
	run --separate-stderr "$helper" 0 "$@"
	assert_success
	assert_line "open: ok"
	assert_line "finalized: yes"
	k=${lines[0]#allocations: }
	((k >= 2)) || fail "only $k allocations counted in open: ${lines[*]}"
	for ((n = 1; n <= k; n++)); do
		run --separate-stderr "$helper" "$n" "$@"
		assert_failure 1
		assert_line "allocations: $n"
		assert_line "open: failed: Cannot allocate memory: mpi"
		if ((n == 1)); then
			assert_line "finalized: not initialized"
		else
			assert_line "finalized: yes"
		fi
		[ -z "$stderr" ] || fail "allocation $n: $stderr"
	done
}

@test "mpi: open failing at each of its allocations frees them and finalises MPI (singleton)" {
	open_fails
}

@test "mpi: open failing at each of its allocations frees them and finalises MPI (singleton, --reuse)" {
	open_fails --reuse
}

@test "mpi: open failing on rank 0 of 3: every rank ends, MPI finalised, nothing leaks" {
	run --separate-stderr mpi -n 3 "$SCX_HELPERS/mpi_open_fails" 2 </dev/null
	assert_success
	assert_line "open: failed: Cannot allocate memory: mpi"
	[ "$(grep -c '^open: ok$' <<<"$output")" = 2 ] || fail "$output"
	[ "$(grep -c '^finalized: yes$' <<<"$output")" = 3 ] || fail "$output"
	[[ $stderr != *LeakSanitizer* && $stderr != *"ERROR: "* ]] || fail "$stderr"
}

# retry_gaps ARGS...: 20 items in chunks of 4 where every third item
# fails its first run: the chunks of retries have gaps in their seqs.
retry_gaps() {
	seq 20 >in
	run --separate-stderr mpi -n 3 "$SCX_RUN" --backend=mpi -a in --retries 2 "$@" \
		sh -c 'f=$0/m$1; if [ $(($1 % 3)) = 1 ] && [ ! -e "$f" ]; then : >"$f"; exit 1; fi; echo "$1"' "$T"
	assert_success
	assert_output "$(seq 20)"
	[ "$(ls "$T" | grep -c '^m')" = 7 ] || fail "not every third item failed once: $(ls "$T")"
}

@test "mpi --retries: items that fail once run again on a worker rank, a chunk of retries with gaps in its seqs comes back right" {
	retry_gaps --chunksize 4
}

@test "mpi --retries with the default chunk size: every item once, in order" {
	retry_gaps
}
