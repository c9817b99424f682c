#!/usr/bin/env bats
# A backend written outside lib/ against the public header (scx.h) runs
# items through the same core: ordering, formats, exit status.

bats_require_minimum_version 1.5.0
load helper

suite_setup() {
	HELPER="${SCX_HELPERS:-$BATS_TEST_DIRNAME/../../build/tests/helpers}/serial_backend"
	[ -x "$HELPER" ] || fail "missing $HELPER (make builds it)"
}

@test "api: a serial backend outside lib/ runs every item through the core" {
	run --separate-stderr bash -c "printf 'a\nb b\nc\n' | '$HELPER' sh -c 'echo \"\$1 \$SCX_SEQ \$SCX_SLOT\"' sh"
	assert_success
	assert_output "# backend serial, size 1, rank 0, master 1
a 1 1
b b 2 1
c 3 1"
	[ -z "$stderr" ]
}

@test "api: the core counts the custom backend's failures in the exit status" {
	run --separate-stderr bash -c "printf '1\n0\n3\n0\n' | '$HELPER' sh -c 'exit \$1' sh"
	assert_failure 2
}

@test "api: a backend without processes (imap of a C function)" {
	run --separate-stderr bash -c "printf 'hello\nworld\n' | '$HELPER' --upper unused"
	assert_success
	assert_line --index 1 "HELLO"
	assert_line --index 2 "WORLD"
}

@test "api: the core's jsonl format applies to a custom backend" {
	run --separate-stderr bash -c "printf 'x\ny\n' | '$HELPER' --upper --fail-on y --format jsonl unused | tail -n +2 | jq -c '[.seq, .item, .stdout, .exit]'"
	assert_success
	assert_output '[1,"x","X\n",0]
[2,"y","Y\n",1]'
}

@test "api: as_completed with a custom backend gives every item once" {
	run --separate-stderr bash -c "seq 50 | '$HELPER' --upper --as-completed unused | tail -n +2 | sort -n"
	assert_success
	assert_output "$(seq 50)"
}

@test "api: a backend whose open fails after allocating: the core calls its close (nothing leaks), exit 255" {
	run --separate-stderr bash -c "printf 'a\n' | '$HELPER' --open-fails echo"
	assert_failure 255
	assert_output ''
	[[ $stderr == *"# closed after a failed open"* ]] || fail "close was not called: $stderr"
	[[ $stderr == *"serial_backend: "* ]] || fail "no error: $stderr"
	[[ $stderr != *LeakSanitizer* ]] || fail "$stderr"
}
