#!/usr/bin/env bats
# Reusable workers (--backend=loky): each worker command starts once per
# slot and answers items framed on its stdin (docs/decisions.md, "Reusable
# workers").  Throughput, block-buffered workers, faults (dying, killed,
# lying and missing workers), protocols, the environment and signals.
#
# Runs that could hang go through lk/lk_to (timeout 60: a hang shows as
# status 124) or wait_exit: hang guards, not timing checks.  Big outputs go
# to files, never into $output.

bats_require_minimum_version 1.5.0
load helper

SCX_MARK=1

# A block-buffered python: no -u, PYTHONUNBUFFERED unset, not the pyenv shim.
PY=(env -u PYTHONUNBUFFERED /usr/bin/python3)
need_python() {
	[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is missing"
}


# --- throughput and order -----------------------------------------------------

@test "loky: 1,000,000 items through cat come back exactly, in order" {
	seq 1000000 >in
	run --separate-stderr lk_to in out -j2 cat
	assert_success
	assert_output ''
	refute_stderr
	same_file in out
}

@test "loky: --as-completed gives the same 1,000,000 items, each once" {
	seq 1000000 >in
	run --separate-stderr lk_to in out -j2 --as-completed cat
	assert_success
	refute_stderr
	sort -n out >sorted
	same_file in sorted
}

@test "loky: --tag prefixes each answer with its item" {
	printf 'a\nb\nc\n' >in
	run --separate-stderr lk in -j2 --tag sed 's/^/x/'
	assert_success
	assert_output "$(printf 'a\txa\nb\txb\nc\txc')"
	refute_stderr
}

# --- block-buffered workers ---------------------------------------------------

@test "loky: block-buffered awk over 100,000 items: right results, in order" {
	seq 100000 >in
	awk '{ print $1 * 2 }' in >expected
	run --separate-stderr lk_to in out -j2 awk '{ print $1 * 2 }'
	assert_success
	refute_stderr
	same_file expected out
}

@test "loky: block-buffered python3 over 100,000 items: right results, in order" {
	need_python
	seq 100000 >in
	awk '{ print length($0) + 1 }' in >expected
	run --separate-stderr lk_to in out -j2 "${PY[@]}" -c 'import sys
for l in sys.stdin: print(len(l))'
	assert_success
	refute_stderr
	same_file expected out
}

@test "loky: block-buffered sed over 100,000 items: right results, in order" {
	seq 100000 | sed 's/.*/a&a/' >in
	seq 100000 | sed 's/.*/b&a/' >expected
	run --separate-stderr lk_to in out -j2 sed s/a/b/
	assert_success
	refute_stderr
	same_file expected out
}

@test "loky: 7 items to a block-buffered worker finish (its stdin is closed at the end)" {
	seq 7 >in
	run --separate-stderr lk in -j2 awk '{ print $1 * 2 }'
	assert_success
	assert_output "$(seq 2 2 14)"
	refute_stderr
}

@test "loky: 7 items to a block-buffered worker with --chunksize 3 finish" {
	need_python
	seq 7 >in
	run --separate-stderr lk in -j2 --chunksize 3 "${PY[@]}" -c 'import sys
for l in sys.stdin: print(int(l) * 3)'
	assert_success
	assert_output "$(seq 3 3 21)"
	refute_stderr
}

# --- dying workers --------------------------------------------------------------

@test "loky: a worker dying on every 1000th of 100,000 items: the others answered once, in order; exit 100" {
	seq 100000 >in
	grep -v '000$' in >expected
	run --separate-stderr lk_to in out -j2 sh -c 'while read -r l; do
		case $l in *000) exit 3 ;; esac; echo "$l"; done'
	assert_failure 100
	same_file expected out
	# one message per dying item, naming the worker and its status
	assert_equal "${#stderr_lines[@]}" 100
	assert_equal "$(grep -cvE '^scx-run: worker [12] .*status 3( |$)' <<<"$stderr" || true)" 0
}

@test "loky: jsonl: a block-buffered awk dying on every 1000th item: those have exit 3" {
	seq 10000 >in
	grep -v '000$' in >expected
	run --separate-stderr lk_to in out -j2 --format=jsonl \
		awk '{ if ($1 % 1000 == 0) exit 3; print $1 }'
	assert_failure 10
	refute_stderr
	assert_equal "$(jq -c 'select(.exit != 0) | [.seq, .exit, .signal]' out)" \
		"$(seq 1000 1000 10000 | sed 's/.*/[&,3,0]/')"
	assert_equal "$(jq -s 'map(.seq) == [range(1; 10001)]' out)" true
	jq -j 'select(.exit == 0) | .stdout' out >answers
	same_file expected answers
}

@test "loky: kill -9 of a worker from outside fails only its item; none lost, none twice" {
	seq 600 >in
	# the worker that reads item 300 writes its pid and waits to be killed
	"$SCX_RUN" --backend=loky -j2 --format=jsonl sh -c 'while read -r l; do
		if [ "$l" = 300 ]; then
			echo $$ >pid.tmp; mv pid.tmp pid300
			while :; do sleep 0.05; done
		fi
		echo "$l"; done # '"$MARKER" <in >out 2>err 3>&- &
	PID=$!
	wait_for_file pid300 || fail "no worker got item 300"
	victim=$(cat pid300)
	# a worker (its command line is the sh -c string), not scx-run
	pgrep -f "^sh -c while read -r l; do.*# $MARKER\$" | grep -qx "$victim" ||
		fail "pid $victim is not a worker"
	kill -KILL "$victim"
	wait_exit "$PID"
	assert_equal "$status" 1
	assert_equal "$(cat err)" ''
	assert_equal "$(jq -c 'select(.exit != 0) | [.seq, .exit, .signal]' out)" '[300,137,9]'
	assert_regex "$(jq -r 'select(.exit != 0) | .stderr' out)" 'worker [12] .*signal 9'
	assert_equal "$(jq -s 'map(.seq) == [range(1; 601)]' out)" true
	jq -j 'select(.exit == 0) | .stdout' out >answers
	grep -vx 300 in >expected
	same_file expected answers
}

@test "loky: a worker exiting 0 after its first answer (head -n 1): its unanswered item fails, the others are answered" {
	seq 10 >in
	run --separate-stderr lk_to in out -j2 --format=jsonl head -n 1
	refute_stderr
	failed=$(jq -s 'map(select(.exit != 0)) | length' out)
	[ "$failed" -ge 1 ] && [ "$failed" -lt 10 ] || fail "$failed of 10 items failed"
	assert_failure "$failed"
	assert_equal "$(jq -s 'map(.seq) == [range(1; 11)]' out)" true
	# answered items carry their own answer; the others exit 1 with a message
	assert_equal "$(jq -c 'select(.exit == 0 and .stdout != .item + "\n")' out)" ''
	assert_equal "$(jq -c 'select(.exit != 0) |
		select(.exit != 1 or .signal != 0 or .stdout != "" or
			(.stderr | test("^scx-run: worker [12] .*status 0") | not))' out)" ''
}

@test "loky: a worker that closes its stdout but keeps running: its item fails, no hang" {
	make_marked_sleep
	seq 10 >in
	# answers one item, closes its stdout, then stays while items come
	run --separate-stderr lk_to in out -j2 --format=jsonl sh -c 'read -r l; echo "$l"; exec >&-
		if read -r l; then exec "$0" 60; fi' "$SLEEP"
	refute_stderr
	failed=$(jq -s 'map(select(.exit != 0)) | length' out)
	[ "$failed" -ge 1 ] && [ "$failed" -lt 10 ] || fail "$failed of 10 items failed"
	assert_failure "$failed"
	assert_equal "$(jq -s 'map(.seq) == [range(1; 11)]' out)" true
	assert_equal "$(jq -c 'select(.exit == 0 and .stdout != .item + "\n")' out)" ''
	assert_equal "$(jq -c 'select(.exit != 0) |
		select(.stderr | test("^scx-run: worker [12] .*closed its stdout") | not)' out)" ''
	no_marked_left
}

@test "loky: jsonl: an item failed by a closed stdout has exit 128+n when it has signal n" {
	make_marked_sleep
	seq 2 >in
	run --separate-stderr lk_to in out -j1 --format=jsonl sh -c 'read -r l; echo "$l"; exec >&-
		if read -r l; then exec "$0" 60; fi' "$SLEEP"
	assert_failure 1
	refute_stderr
	assert_equal "$(jq -c 'select(.exit != 0) | .seq' out)" 2
	assert_regex "$(jq -r 'select(.seq == 2) | .stderr' out)" 'closed its stdout'
	# as for any item: signal n means exit 128+n
	assert_equal "$(jq -c 'select(.signal != 0 and .exit != 128 + .signal)' out)" ''
	no_marked_left
}

# --- workers that cannot work -----------------------------------------------------

@test "loky: a worker command that does not exist: one line naming it, exit 255" {
	seq 1000 >in
	run --separate-stderr lk in -j2 no-such-command-scx
	assert_usage_error no-such-command-scx
}

@test "loky: a worker command that is not executable: one line naming it, exit 255" {
	printf '#!/bin/sh\ncat\n' >worker
	chmod -x worker
	seq 1000 >in
	run --separate-stderr lk in -j2 ./worker
	assert_usage_error ./worker
}

@test "loky: a worker that exits without reading (true): exit 255 after a few tries, no respawn loop" {
	seq 1000 >in
	run --separate-stderr lk in -j2 true
	assert_failure 255
	assert_output ''
	[ "${#stderr_lines[@]}" -le 10 ] || fail "${#stderr_lines[@]} lines on stderr: a respawn loop?"
	assert_stderr_line --index $((${#stderr_lines[@]} - 1)) \
		--regexp "^scx-run: worker 'true' exited [0-9]+ times .*without answering"
}

@test "loky: a worker writing more answers than items: exit 255, message naming it" {
	seq 10 >in
	run --separate-stderr lk in -j2 sh -c 'while read -r l; do echo "$l"; echo extra; done'
	assert_failure 255
	assert_stderr --regexp 'scx-run: worker [12] [^'$'\n'']*more answers'
}

@test "loky: a malformed length header from a worker: exit 255, message naming it" {
	seq 3 >in
	run --separate-stderr lk in -j2 --protocol=length sh -c 'while read -r l; do echo "not a length"; done'
	assert_failure 255
	assert_stderr --regexp 'scx-run: worker [12]'
}

@test "loky: a worker exiting non-zero after its last answer: a warning, not a failure" {
	seq 4 >in
	run --separate-stderr lk in -j2 sh -c 'cat; exit 4'
	assert_success
	assert_output "$(seq 4)"
	[ "${#stderr_lines[@]}" -ge 1 ] || fail "no warning"
	assert_equal "$(grep -cvE '^scx-run: warning: worker [12] .*status 4' <<<"$stderr" || true)" 0
}

# --- protocols ------------------------------------------------------------------------

@test "loky: --protocol=null carries items with newlines (and empty items)" {
	printf 'a\nb\0\0c\n\n\0d\0' >in
	printf 'A\nB\0\0C\n\n\0D\0' >expected
	run --separate-stderr lk_to in out -0 -j2 --protocol=null tr a-z A-Z
	assert_success
	refute_stderr
	assert_equal "$(hex out)" "$(hex expected)"
}

@test "loky: line protocol: an item with a newline fails with 126, a message naming --protocol" {
	printf 'a\nb\0c\0' >in
	run --separate-stderr lk_to in out -0 -j2 --format=jsonl cat
	assert_failure 1
	refute_stderr
	assert_equal "$(jq -c '[.seq, .exit, .signal, .stdout]' out)" \
		"$(printf '%s\n' '[1,126,0,""]' '[2,0,0,"c\n"]')"
	assert_regex "$(jq -r 'select(.seq == 1) | .stderr' out)" '^scx-run: .*--protocol'
}

@test "loky: null protocol: an item with a NUL fails with 126, a message naming --protocol" {
	printf 'a\0b,c,' >in
	run --separate-stderr lk_to in out -d , -j2 --protocol=null --format=jsonl cat
	assert_failure 1
	refute_stderr
	assert_equal "$(jq -c '[.seq, .exit, .signal]' out)" \
		"$(printf '%s\n' '[1,126,0]' '[2,0,0]')"
	assert_regex "$(jq -r 'select(.seq == 1) | .stderr' out)" '^scx-run: .*--protocol'
}

@test "loky: --protocol=length carries binary items and answers (NUL, 0xff, newlines)" {
	need_python
	printf 'a\0b,\377\n\376,,xyz\n\n,' >in
	printf 'b\0a\376\n\377\n\nzyx' >expected
	run --separate-stderr lk_to in out -d , -j2 --protocol=length \
		"${PY[@]}" "$BATS_TEST_DIRNAME/workers/reverse-length.py"
	assert_success
	refute_stderr
	assert_equal "$(hex out)" "$(hex expected)"
}

@test "loky: --protocol=length: each item gets its own answer (jsonl, exact bytes)" {
	need_python
	printf 'a\0b,\377\n\376,,xyz\n\n,' >in
	run --separate-stderr lk_to in out -d , -j2 --protocol=length --format=jsonl \
		"${PY[@]}" "$BATS_TEST_DIRNAME/workers/reverse-length.py"
	assert_success
	refute_stderr
	assert_equal "$(jq -r '.stdout_base64 // (.stdout | @base64)' out)" \
		"$(printf 'b\0a' | base64; printf '\376\n\377' | base64; echo; printf '\n\nzyx' | base64)"
}

@test "loky: --protocol=length over 20,000 items to a block-buffered worker" {
	need_python
	seq 20000 >in
	rev in | tr -d '\n' >expected
	run --separate-stderr lk_to in out -j2 --protocol=length \
		"${PY[@]}" "$BATS_TEST_DIRNAME/workers/reverse-length.py"
	assert_success
	refute_stderr
	same_file expected out
}

@test "loky: --protocol nosuch is a usage error" {
	seq 3 >in
	run --separate-stderr lk in -j2 --protocol=nosuch cat
	assert_usage_error "'nosuch'" --protocol
}

@test "loky: --seq-prefix sends each item as its number, a tab, the item" {
	printf 'a\nb\nc\n' >in
	run --separate-stderr lk in -j2 --seq-prefix cat
	assert_success
	assert_output "$(printf '1\ta\n2\tb\n3\tc')"
	refute_stderr
}

@test "loky: --seq-prefix with --protocol=length: the length counts the prefix" {
	need_python
	printf 'xy,,' >in
	printf 'yx\t1\t2' >expected
	run --separate-stderr lk_to in out -d , -j2 --seq-prefix --protocol=length \
		"${PY[@]}" "$BATS_TEST_DIRNAME/workers/reverse-length.py"
	assert_success
	refute_stderr
	assert_equal "$(hex out)" "$(hex expected)"
}

# --- the command and the environment -----------------------------------------------

@test "loky: the command may not use {} {.} {/} {//} {/.} {#}: exit 255, nothing runs" {
	seq 3 >in
	local r
	for r in '{}' '{.}' '{/}' '{//}' '{/.}' '{#}'; do
		run --separate-stderr lk in -j2 sh -c 'touch ran; cat' "x$r"
		assert_usage_error "may not use"
		[ ! -e ran ] || fail "a worker ran with $r in the command"
	done
}

@test "loky: {%} in the command is the worker slot (1..N)" {
	seq 300 >in
	run --separate-stderr lk in -j3 sh -c 'while read -r l; do echo "{%} $l"; done'
	assert_success
	refute_stderr
	assert_equal "$(awk '{ print $2 }' <<<"$output")" "$(seq 300)"
	assert_equal "$(awk '$1 !~ /^[123]$/' <<<"$output")" ''
}

@test "loky: workers see SCX_SLOT (1..N), SCX_SIZE=N, SCX_RANK=0, SCX_SEQ=0" {
	seq 300 >in
	run --separate-stderr lk in -j3 sh -c 'while read -r l; do
		echo "$SCX_SLOT $SCX_SIZE $SCX_RANK $SCX_SEQ"; done'
	assert_success
	refute_stderr
	assert_equal "${#lines[@]}" 300
	assert_equal "$(grep -cvE '^[123] 3 0 0$' <<<"$output" || true)" 0
}

@test "loky: worker stderr is passed through in whole lines" {
	seq 2000 >in
	# each line in two writes, from two workers at once
	run --separate-stderr lk in -j2 sh -c 'while read -r l; do
		printf "err " >&2; printf "%s\n" "$l" >&2; echo "$l"; done'
	assert_success
	assert_output "$(seq 2000)"
	assert_equal "$(sort <<<"$stderr")" "$(sed 's/^/err /' in | sort)"
}

@test "loky: jsonl parses; stdout is the answer with its newline; worker in 1..N" {
	printf 'x\ny\nz\n' >in
	run --separate-stderr lk in -j2 --format=jsonl cat
	assert_success
	refute_stderr
	assert_equal "$(jq -c '[.seq, .item, .exit, .signal, .stdout, .stderr, .rank]' <<<"$output")" \
		"$(printf '%s\n' '[1,"x",0,0,"x\n","",0]' '[2,"y",0,0,"y\n","",0]' '[3,"z",0,0,"z\n","",0]')"
	assert_equal "$(jq -c 'select(.worker < 1 or .worker > 2)' <<<"$output")" ''
}

@test "loky: a slow worker does not hoard items an idle one could answer" {
	seq 3000 >in
	# slot 1 takes 10 ms an item, slot 2 is cat
	run --separate-stderr lk_to in out -j2 --format=jsonl sh -c 'if [ {%} = 1 ]; then
		while read -r l; do sleep 0.01; echo "$l"; done; else exec cat; fi'
	assert_success
	refute_stderr
	assert_equal "$(jq -s 'map(.seq) == [range(1; 3001)]' out)" true
	assert_equal "$(jq -c 'select(.stdout != .item + "\n")' out)" ''
	w1=$(jq -s 'map(select(.worker == 1)) | length' out)
	w2=$(jq -s 'map(select(.worker == 2)) | length' out)
	assert_equal "$((w1 + w2))" 3000
	[ "$w1" -lt 300 ] || fail "the slow worker 1 answered $w1 of 3000 items (worker 2: $w2)"
}

@test "loky: a worker blocked on an item does not hoard the items the other one runs" {
	seq 100 >in
	# slot 1 blocks on its first item until slot 2 has answered item 100
	# (at most 20 s, a hang guard: slot 2's 100 items take 1 s here, 10
	# s on a machine ten times slower); slot 2 takes about 10 ms an item
	run --separate-stderr lk_to in out -j2 --format=jsonl sh -c 'if [ {%} = 1 ]; then
		read -r l; i=0
		while [ ! -e go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
		echo "$l"; exec cat
	else
		while read -r l; do sleep 0.005; echo "$l"; if [ "$l" = 100 ]; then touch go; fi; done
	fi'
	assert_success
	refute_stderr
	assert_equal "$(jq -s 'map(.seq) == [range(1; 101)]' out)" true
	assert_equal "$(jq -c 'select(.stdout != .item + "\n")' out)" ''
	w1=$(jq -s 'map(select(.worker == 1)) | length' out)
	[ "$w1" -lt 10 ] || fail "the blocked worker 1 answered $w1 of 100 items: $(jq -s -c 'map(select(.worker == 1) | .seq)' out)"
}

# --- options that belong to one backend -------------------------------------------

@test "--protocol without --backend=loky is a usage error" {
	seq 3 >in
	run --separate-stderr scx_in in -j2 --protocol=null cat
	assert_usage_error --protocol loky
}

@test "--seq-prefix without --backend=loky is a usage error" {
	seq 3 >in
	run --separate-stderr scx_in in -j2 --seq-prefix cat
	assert_usage_error --seq-prefix loky
}

@test "loky: --pipe-item is a usage error" {
	seq 3 >in
	run --separate-stderr lk in -j2 --pipe-item cat
	assert_usage_error --pipe-item
}

@test "loky: --dry-run is a usage error" {
	seq 3 >in
	run --separate-stderr lk in -j2 --dry-run cat
	assert_usage_error --dry-run
}

# --- signals ------------------------------------------------------------------------------

@test "loky: SIGINT stops the run with exit 130, quietly, and leaves no worker" {
	make_marked_sleep
	mkdir started
	seq 10 >in
	"$SCX_RUN" --backend=loky -j2 sh -c 'while read -r l; do
		touch "started/$l"; "$0" 30; echo "$l"; done' "$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_started 2 workers
	kill -INT "$PID"
	wait_exit "$PID"
	assert_equal "$status" 130
	no_marked_left
	assert_equal "$(cat out)" ''
	assert_equal "$(cat err)" ''
}

@test "loky: yes | scx-run --backend=loky -j2 cat | head -3 ends with y y y, exit 141" {
	run --separate-stderr bash -c 'yes | timeout 60 "$SCX_RUN" --backend=loky -j2 sh -c "cat; : $MARKER" | head -3
		echo "status ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf 'y\ny\ny\nstatus 141')"
	refute_stderr
	no_marked_left
}

@test "loky: SIGHUP drains: answers to items already sent are written, no new item, exit 129" {
	env --default-signal=HUP true 2>/dev/null || skip "env --default-signal is not supported"
	make_marked_sleep
	mkdir started
	seq 100 >in
	# each worker answers only once the file go exists
	env --default-signal=HUP "$SCX_RUN" --backend=loky -j2 sh -c 'while read -r l; do
		touch "started/$l"; while [ ! -e go ]; do "$0" 0.05; done; echo "done $l"; done' \
		"$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_started 2 workers
	kill -HUP "$PID"
	# the runner takes the signal before the workers answer (the
	# assertions hold either way: answered items were sent before the
	# drain; this keeps the drain the one stopping the run)
	wait_signal_taken "$PID" HUP || fail "SIGHUP still pending after 20 s"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 129
	n=$(wc -l <out)
	[ "$n" -ge 2 ] && [ "$n" -lt 100 ] || fail "$n answers after SIGHUP"
	assert_equal "$(cat out)" "$(seq "$n" | sed 's/^/done /')"
	local f
	for f in started/*; do
		[ "${f#started/}" -le "$n" ] || fail "item ${f#started/} started but has no answer"
	done
	assert_equal "$(cat err)" ''
	no_marked_left
}

@test "loky: a worker killed during a SIGHUP drain: its item fails, the run still ends with 129" {
	env --default-signal=HUP true 2>/dev/null || skip "env --default-signal is not supported"
	make_marked_sleep
	mkdir started
	seq 100 >in
	# each worker writes its pid for the item it reads, and answers only
	# once the file go exists
	env --default-signal=HUP "$SCX_RUN" --backend=loky -j2 sh -c 'while read -r l; do
		echo $$ >"started/$l"; while [ ! -e go ]; do "$0" 0.05; done; echo "done $l"; done' \
		"$SLEEP" <in >out 2>err 3>&- &
	PID=$!
	wait_started 2 workers
	kill -HUP "$PID"
	wait_signal_taken "$PID" HUP || fail "SIGHUP still pending after 20 s"
	victim=$(cat started/1)
	kill -KILL "$victim"
	# the runner has seen the death (reaped the worker) before the other
	# worker answers
	wait_reaped "$victim" || fail "worker $victim not reaped in 20 s"
	touch go
	wait_exit "$PID"
	assert_equal "$status" 129
	grep -q '^scx-run: worker [12] .*signal 9' err || fail "no message for item 1: $(cat err)"
	# the other worker's answers; nothing from the dead one
	n=$(grep -c . out || true)
	[ "$n" -ge 1 ] || fail "no answer after SIGHUP"
	assert_equal "$(grep -cv '^done [0-9]*$' out || true)" 0
	grep -qx 'done 1' out && fail "item 1 answered by a killed worker"
	no_marked_left
}

# --- items that crash their worker, long answers, stderr (issue 11) ----------

@test "loky: an item that crashes its worker fails after its retries; the others succeed (B5)" {
	seq 5 >in
	run --separate-stderr lk in -j1 --retries 10 sh -c 'while read x; do [ "$x" = 2 ] && kill -9 $$; echo "$x"; done'
	assert_failure 1
	assert_output "$(printf '1\n3\n4\n5')"
	# every run of item 2 was reported as the worker's death
	assert_stderr --partial 'killed by signal 9 while running this item'
}

@test "loky: six crashing items in a row after the first answers: each fails, the run goes on (B5)" {
	# the worker that answered 1 and 2 dies on 3; five fresh workers in a
	# row then die on 4..8 without answering anything
	seq 20 >in
	run --separate-stderr lk in -j1 sh -c 'while read x; do [ "$x" -ge 3 ] && [ "$x" -le 8 ] && kill -9 $$; echo "$x"; done'
	assert_failure 6
	assert_output "$(seq 20 | sed '3,8d')"
	assert_equal "$(grep -c 'killed by signal 9 while running this item' <<<"$stderr")" 6
}

@test "loky: a 200 MB answer under a 300 MB address-space limit arrives whole, or the run fails: never a short answer (B4)" {
	[ -z "${SCX_ASAN:-}" ] || skip "AddressSanitizer needs the address space"
	echo 209715200 >in
	run bash -c 'prlimit --as=300000000 "$0" --backend=loky -j1 sh -c '\''while read n; do head -c "$n" /dev/zero | tr "\0" a; echo; done'\'' <in | wc -c; echo "${PIPESTATUS[0]}"' "$SCX_RUN"
	assert_success
	# either the whole answer and exit 0, or an error exit
	if [ "${lines[1]}" = 0 ]; then
		assert_equal "${lines[0]}" 209715201
	else
		assert_equal "${lines[1]}" 255
	fi
}

@test "loky: a 64 MiB answer line is whole, also with --tag (through the answer spool)" {
	echo 67108864 >in
	local w='while read n; do head -c "$n" /dev/zero | tr "\0" a; echo; done'
	run bash -c '"$0" --backend=loky -j1 sh -c "$1" <in | md5sum' "$SCX_RUN" "$w"
	assert_output "$( (head -c 67108864 /dev/zero | tr '\0' a; echo) | md5sum)"
	run bash -c '"$0" --backend=loky -j1 --tag sh -c "$1" <in | md5sum' "$SCX_RUN" "$w"
	assert_output "$( (printf '67108864\t'; head -c 67108864 /dev/zero | tr '\0' a; echo) | md5sum)"
}

@test "loky: a 64 MiB answer with --protocol=length is whole, also with --tag" {
	echo 67108864 >in
	# items come length-framed too: "8\n67108864"
	local w='import sys
i = sys.stdin.buffer; o = sys.stdout.buffer
while True:
    h = i.readline()
    if not h: break
    n = int(i.read(int(h)))
    o.write(b"%d\n" % n); o.write(b"a" * n); o.flush()'
	run bash -c '"$0" --backend=loky -j1 --protocol=length /usr/bin/python3 -c "$1" <in | md5sum' "$SCX_RUN" "$w"
	assert_output "$(head -c 67108864 /dev/zero | tr '\0' a | md5sum)"
	run bash -c '"$0" --backend=loky -j1 --protocol=length --tag /usr/bin/python3 -c "$1" <in | md5sum' "$SCX_RUN" "$w"
	assert_output "$( (printf '67108864\t'; head -c 67108864 /dev/zero | tr '\0' a) | md5sum)"
}

@test "loky: a long last answer without its newline is one answer" {
	echo 3000000 >in
	run bash -c '"$0" --backend=loky -j1 --tag sh -c "read n; head -c \$n /dev/zero | tr \"\\0\" a" <in | wc -c' "$SCX_RUN"
	assert_output $((3000000 + 8))
}

@test "loky: a worker's 32 MiB stderr line without a newline passes whole, in bounded memory (B8)" {
	echo 33554432 >in
	run bash -c '"$0" --backend=loky -j1 sh -c "read n; head -c \$n /dev/zero | tr \"\\0\" e >&2; echo done" <in 2>&1 >/dev/null | wc -c' "$SCX_RUN"
	assert_output 33554432
}

@test "loky: a worker's stderr lines pass whole, \\r-ended progress lines too" {
	seq 3 >in
	run --separate-stderr lk in -j1 sh -c 'while read x; do printf "\r%s%%" "$x" >&2; echo "line $x" >&2; echo "$x"; done'
	assert_success
	assert_output "$(seq 3)"
	assert_equal "$stderr" "$(printf '\r1%%line 1\n\r2%%line 2\n\r3%%line 3')"
}

# --- answers cut short by the worker's death (review of issue 11) -----------

@test "loky: a worker killed mid-answer: that item fails (137), the half answer is no answer, the next item is answered" {
	printf 'a\nb\nc\n' >in
	run --separate-stderr lk in -j1 --format=jsonl sh -c 'read x; echo "ans-$x"; read y; printf "half-$y"; kill -9 $$'
	# (the worker that answered c dies after its last item: a warning)
	assert_failure 1
	assert_equal "$(jq -c '{item, exit, stdout}' <<<"$output" | head -n 2)" \
		"$(printf '%s\n' '{"item":"a","exit":0,"stdout":"ans-a\n"}' '{"item":"b","exit":137,"stdout":""}')"
	# c went to a new worker, which answered it before it was killed too
	assert_equal "$(jq -c 'select(.item == "c") | .stdout' <<<"$output")" '"ans-c\n"'
}

@test "loky: a worker killed mid-answer with --protocol=null and --chunksize 1: that item fails" {
	printf 'a\0b\0' >in
	run --separate-stderr lk in -0 -j1 --chunksize 1 --protocol=null --format=jsonl sh -c 'printf "whole\0"; printf "half"; kill -9 $$'
	assert_failure 1
	assert_equal "$(jq -c '{item, exit}' <<<"$output")" \
		"$(printf '%s\n' '{"item":"a","exit":0}' '{"item":"b","exit":137}')"
}

@test "loky: --timeout on a worker that wrote half an answer: that item times out, never exit 0" {
	printf 'x\n' >in
	run --separate-stderr lk in -j1 --chunksize 1 --timeout 0.5 --format=jsonl sh -c 'while read x; do printf "part-$x"; sleep 30; echo done; done'
	assert_failure 1
	assert_equal "$(jq -c '{item, exit, timeout, stdout}' <<<"$output")" '{"item":"x","exit":143,"timeout":true,"stdout":""}'
}

@test "loky: SIGTERM while a worker is mid-answer: the item is not written, logged or stored" {
	make_marked_sleep
	echo x >in
	mkdir started
	"$SCX_RUN" --backend=loky --joblog jl --results res --format=jsonl sh -c 'while read x; do printf "part-"; touch started/1; "$0" 30; echo done; done' "$SLEEP" <in >out 2>err 3>&- &
	local pid=$!
	wait_for_file started/1
	kill -TERM "$pid"
	wait_exit "$pid"
	assert_equal "$status" 143
	assert_equal "$(cat out)" ''
	assert_equal "$(awk 'NR > 1' jl)" ''
	[ ! -e res/1/x/seq ] || fail "res/1/x was stored: $(cat res/1/x/stdout)"
}

@test "loky: a last answer without its newline counts when the worker exits 0 by itself" {
	printf 'a\nb\n' >in
	run --separate-stderr lk in -j1 sh -c 'read x; echo "$x"; read y; printf "last-$y"'
	assert_success
	assert_output "$(printf 'a\nlast-b')"
}

@test "loky: an item that crashes every worker it meets, with --retries 6: it fails, the others are answered" {
	printf '%s\n' 'crash' 2 3 >in
	run --separate-stderr lk in -j1 --chunksize 1 --retries 6 sh -c 'while read x; do [ "$x" = crash ] && kill -9 $$; echo "$x"; done'
	assert_failure 1
	assert_output "$(printf '2\n3')"
	assert_equal "$(grep -c 'killed by signal 9 while running this item' <<<"$stderr")" 1
}

@test "loky: 64 workers, each answering 3 MB: RSS under 32 MiB" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time (package time) is not installed"
	seq 128 >in
	run bash -c '/usr/bin/time -f %M -o rss "$0" --backend=loky -j 64 sh -c "while read x; do head -c 3000000 /dev/zero | tr \"\\0\" x; echo; done" <in | wc -c' "$SCX_RUN"
	assert_output 384000128
	local kib
	kib=$(tail -n 1 rss)
	echo "# peak RSS $kib KiB" >&3
	[ -n "${SCX_ASAN:-}" ] || [ "$kib" -lt 32768 ] || fail "peak RSS $kib KiB"
}
