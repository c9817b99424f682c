#!/usr/bin/env bats
# The documentation lists every option the parser accepts.

bats_require_minimum_version 1.5.0

setup() {
	load /usr/lib/bats/bats-support/load.bash
	load /usr/lib/bats/bats-assert/load.bash
	SCX_RUN="${SCX_RUN:-$BATS_TEST_DIRNAME/../../build/scx-run}"
	ROOT="$BATS_TEST_DIRNAME/../.."
}

# The long options in getopt_long's table in cmd/scx-run.c.
long_options() {
	sed -n '/long_options\[\] = {/,/^};/p' "$ROOT/cmd/scx-run.c" |
		grep -o '{ *"[a-z-]*"' | grep -o '[a-z-]*'
}

@test "docs: the parser has long options to check" {
	run long_options
	assert_success
	assert_line "max-workers"
	assert_line "dry-run"
}

@test "docs: --help lists every long option" {
	run --separate-stderr "$SCX_RUN" --help
	assert_success
	for opt in $(long_options); do
		grep -q -- "--$opt\b" <<<"$output" || fail "--help lacks --$opt"
	done
}

@test "docs: the man page lists every long option" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tutf8 "$ROOT/man/scx-run.1"
	assert_success
	page=$(col -b <<<"$output")
	for opt in $(long_options); do
		grep -q -- "--$opt\b" <<<"$page" || fail "the man page lacks --$opt"
	done
}

@test "docs: the man page's synopsis has every option of usage()" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run --separate-stderr "$SCX_RUN" --help
	assert_success
	usage=$(sed -n '1,/^$/p' <<<"$output")
	synopsis=$(mandoc -Tutf8 "$ROOT/man/scx-run.1" | col -b |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
	opts=$(grep -oE -- '[[ ]-{1,2}[a-zA-Z0-9][-a-z]*' <<<"$usage" | tr -d '[ ' | sort -u)
	[ -n "$opts" ] || fail "no option found in usage()"
	for opt in $opts; do
		grep -q -- "$opt\b" <<<"$synopsis" || fail "the synopsis lacks $opt"
	done
}

@test "docs: the README's options table lists every long option" {
	table=$(sed -n '/^### Options/,/^### /p' "$ROOT/README.md")
	[ -n "$table" ] || fail "no options table in README.md"
	for opt in $(long_options); do
		grep -q -- "\`--$opt\`" <<<"$table" || fail "the README's table lacks --$opt"
	done
}
