#!/usr/bin/env bats
# GNU parallel's input sources as the library makes them into jobs
# (lib/combine.c): streaming, and bad input.  GNU parallel's own outputs
# are in gnu.bats.

bats_require_minimum_version 1.5.0
load helper

# wait_for_line FILE LINE: wait (at most 20 s) until FILE holds LINE, while
# the writer keeps descriptor 7 open; fails closing it.
wait_for_line() {
	local i=0
	until grep -qxF -- "$2" "$1"; do
		[ "$i" -lt 400 ] || { exec 7>&-; fail "no '$2' in $1 while the source is open"; }
		sleep 0.05
		i=$((i + 1))
	done
}

@test "sources: a slow first source streams: its first job runs before its second line is written" {
	mkfifo fifo
	"$SCX_RUN" echo :::: fifo ::: x >out 2>err &
	local pid=$!
	exec 7>fifo
	echo a >&7
	# The first job's output, while the source is still open.
	wait_for_line out 'a x'
	echo b >&7
	exec 7>&-
	wait "$pid"
	assert_equal "$(cat out)" "$(printf 'a x\nb x')"
	assert_equal "$(cat err)" ""
}

@test "sources: -N2 over a slow pipe: a full job runs while the pipe is open" {
	mkfifo fifo
	"$SCX_RUN" -N2 echo {2}-{1} :::: fifo >out 2>err &
	local pid=$!
	exec 7>fifo
	printf 'a\nb\nc\n' >&7
	wait_for_line out 'b-a'
	exec 7>&-
	wait "$pid"
	assert_equal "$(cat out)" "$(printf 'b-a\n-c')"
}

@test "sources: an item with a NUL byte among several sources: one line naming the input, exit 255, nothing run" {
	printf 'a\0b\nc\n' >nul
	run --separate-stderr "$SCX_RUN" touch :::: nul ::: x
	assert_usage_error "nul" "NUL"
	[ ! -e x ] || fail "a job ran"
}

@test "sources: --colsep that is not a regular expression: one line, exit 255" {
	run --separate-stderr "$SCX_RUN" --colsep '(' echo ::: 'a(b'
	assert_usage_error "--colsep '('" "not a regular expression"
}

@test "sources: a :::: file that is missing: one line naming it, exit 255" {
	run --separate-stderr "$SCX_RUN" echo :::: missing ::: x
	assert_usage_error "missing"
}

@test "sources: a :::: directory: one line naming it, exit 255" {
	mkdir d
	run --separate-stderr "$SCX_RUN" echo :::: d ::: x
	assert_usage_error "'d'"
}

@test "sources: --header : with an empty source: no job, exit 0" {
	: >empty
	run --separate-stderr "$SCX_RUN" --header : echo {a} :::: empty
	assert_success
	assert_output ''
}
