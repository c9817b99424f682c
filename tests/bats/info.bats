#!/usr/bin/env bats
# --info, SCX_BACKEND / --backend, --help, --version.

bats_require_minimum_version 1.5.0
load helper

@test "--info prints backend, rank, size and master" {
	run --separate-stderr "$SCX_RUN" --info
	assert_success
	assert_output "$(printf 'backend: multiprocess\nrank: 0\nsize: %s\nmaster: yes' "$(usable_cpus)")"
	refute_stderr
}

@test "--info --format=json parses with jq" {
	run --separate-stderr "$SCX_RUN" --info --format=json
	assert_success
	refute_stderr
	assert_equal "$(jq -c '[.backend, .rank, .size, .master]' <<<"$output")" \
		"[\"multiprocess\",0,$(usable_cpus),true]"
}

@test "-j 3 --info says size 3" {
	run --separate-stderr "$SCX_RUN" -j 3 --info
	assert_success
	assert_line --index 2 'size: 3'
	refute_stderr
}

@test "-j 3 --info --format=json says size 3" {
	run --separate-stderr "$SCX_RUN" -j 3 --info --format=json
	assert_success
	assert_equal "$(jq .size <<<"$output")" 3
	refute_stderr
}

@test "--info size is the CPUs in the affinity mask (taskset one CPU: 1)" {
	need_taskset
	run --separate-stderr taskset -c "$(first_cpu)" "$SCX_RUN" --info --format=json
	assert_success
	assert_equal "$(jq .size <<<"$output")" 1
	refute_stderr
}

@test "--info: -j 200% is twice the usable CPUs" {
	run --separate-stderr "$SCX_RUN" -j 200% --info --format=json
	assert_success
	assert_equal "$(jq .size <<<"$output")" $(( 2 * $(usable_cpus) ))
	refute_stderr
}

@test "--info: -j +2 is the usable CPUs plus 2" {
	run --separate-stderr "$SCX_RUN" -j +2 --info --format=json
	assert_success
	assert_equal "$(jq .size <<<"$output")" $(( $(usable_cpus) + 2 ))
	refute_stderr
}

@test "--info: -j -1 is the usable CPUs minus 1, never below 1" {
	local n
	n=$(( $(usable_cpus) - 1 ))
	[ "$n" -ge 1 ] || n=1
	run --separate-stderr "$SCX_RUN" -j -1 --info --format=json
	assert_success
	assert_equal "$(jq .size <<<"$output")" "$n"
	refute_stderr
}

@test "SCX_BACKEND=multiprocess works" {
	SCX_BACKEND=multiprocess run --separate-stderr "$SCX_RUN" --info
	assert_success
	assert_line --index 0 'backend: multiprocess'
	refute_stderr
}

@test "SCX_BACKEND=multiprocess runs items" {
	printf 'a\n' >in
	SCX_BACKEND=multiprocess run --separate-stderr scx_in in -j2 echo
	assert_success
	assert_output a
	refute_stderr
}

@test "SCX_BACKEND=nosuch fails --info with a one-line error" {
	SCX_BACKEND=nosuch run --separate-stderr "$SCX_RUN" --info
	assert_usage_error SCX_BACKEND "'nosuch'"
}

@test "--backend=multiprocess overrides SCX_BACKEND=nosuch" {
	SCX_BACKEND=nosuch run --separate-stderr "$SCX_RUN" --backend=multiprocess --info
	assert_success
	assert_line --index 0 'backend: multiprocess'
	refute_stderr
}

@test "--backend=multiprocess overrides SCX_BACKEND=nosuch for a run" {
	printf 'a\n' >in
	SCX_BACKEND=nosuch run --separate-stderr scx_in in -j2 --backend=multiprocess echo
	assert_success
	assert_output a
	refute_stderr
}

@test "--backend nosuch fails --info" {
	run --separate-stderr "$SCX_RUN" --backend nosuch --info
	assert_usage_error "'nosuch'"
}

@test "--info --format nosuch is an error" {
	run --separate-stderr "$SCX_RUN" --info --format nosuch
	assert_usage_error "'nosuch'"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr "$SCX_RUN" --help
	assert_success
	assert_line --index 0 --regexp '^usage: scx-run '
	assert_output --partial '--if-serial'
	refute_stderr
}

@test "--version prints the name and a version and exits 0" {
	run --separate-stderr "$SCX_RUN" --version
	assert_success
	assert_output --regexp '^scx-run [0-9]+\.[0-9]+'
	assert_equal "${#lines[@]}" 1
	refute_stderr
}

@test "--info takes no command" {
	run --separate-stderr "$SCX_RUN" --info echo hi
	assert_usage_error "--info" "echo"
}

@test "--info --format=raw is refused: text or json" {
	run --separate-stderr "$SCX_RUN" --info --format=raw
	assert_usage_error "raw" "text, json"
}
