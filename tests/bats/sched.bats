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
