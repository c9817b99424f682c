#!/usr/bin/env bats
# The documentation lists every option the parser accepts.

bats_require_minimum_version 1.5.0
load helper

# The long options in the option table of cmd/scx-run.c, from which the
# parser makes getopt_long's table: one entry a line, its name first.
long_options() {
	sed -n '/option_table\[\] = {/,/^};/p' "$ROOT/cmd/scx-run.c" |
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

# complete_words WORD...: what the bash completion offers for the command
# line WORD... (the last word is the one being completed).
complete_words() {
	bash -c 'source "$1/completions/scx-run.bash" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_scx_run
		printf "%s\n" "${COMPREPLY[@]}"' sh "$ROOT" "$@"
}

@test "docs: the README's Architecture names every file in lib/ and cmd/, and no file that is gone" {
	local f missing=() gone=()
	for f in "$ROOT"/lib/*.[ch] "$ROOT"/lib/*.map "$ROOT"/lib/*.list "$ROOT"/cmd/*.c; do
		f=${f#"$ROOT"/}
		sed -n '/^## Architecture/,/^## Install/p' "$ROOT/README.md" |
			grep -qF "\`$f\`" || missing+=("$f")
	done
	for f in $(sed -n '/^## Architecture/,/^## Install/p' "$ROOT/README.md" |
		grep -o '`\(lib\|cmd\)/[a-z_./-]*`' | tr -d '`' | sort -u); do
		[ -e "$ROOT/$f" ] || gone+=("$f")
	done
	[ ${#missing[@]} = 0 ] || fail "not in the README's Architecture: ${missing[*]}"
	[ ${#gone[@]} = 0 ] || fail "in the README's Architecture but gone: ${gone[*]}"
}

@test "completion: sourcing it registers a completion for scx-run" {
	run bash -c 'source "$1/completions/scx-run.bash" && complete -p scx-run' sh "$ROOT"
	assert_success
	assert_output "complete -F _scx_run scx-run"
}

@test "completion: --backend= offers the three backends" {
	run complete_words scx-run --backend = ""
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "loky mpi multiprocess "
	run complete_words scx-run "--backend" ""
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "loky mpi multiprocess "
	run complete_words scx-run -j 2 --backend = l
	assert_output "loky"
}

@test "completion: option values for --format, --if-serial, --protocol, --progress" {
	run complete_words scx-run --format = j
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "json jsonl "
	run complete_words scx-run --if-serial = ""
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "ignore raise warn "
	run complete_words scx-run --protocol = ""
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "length line null "
	run complete_words scx-run --progress = al
	assert_output "always"
	# Backslash escapes reach the word as typed (compgen drops one level).
	run complete_words scx-run -d ""
	assert_line '\n'
	assert_line '\t'
	refute_line 'n'
}

@test "completion: offers every long option" {
	run complete_words scx-run --
	assert_success
	for opt in $(long_options); do
		assert_line -- "--$opt"
	done
}

@test "completion: after the command word, options are the command's" {
	run complete_words scx-run -j 2 --as-completed echo --
	assert_success
	! grep -qx -- "--as-completed" <<<"$output" || fail "offered scx-run's options: $output"
	# Before the command word, they are scx-run's.
	run complete_words scx-run -j 2 --as
	assert_output "--as-completed"
}
