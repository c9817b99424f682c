#!/usr/bin/env bats
# Replacement strings {} {.} {/} {//} {/.} {#} {%}, as GNU parallel.

bats_require_minimum_version 1.5.0
load helper

# The inputs, one a line.  The expected strings below are what GNU parallel
# 20221122 prints for them (parallel -k printf '[%s]\n' {.} and so on).
INPUTS=(
	'a/b.c/d.e.f' 'file' '/abs' '/' 'dir/' 'a//b' '.bashrc' 'x.' './x' ''
	'a/b/' '..' 'a b.txt' 'a.b/c' '/a.b' 'dir/.hidden' '.' 'a.tar.gz'
)

# replaced STRING: run printf '[%s]\n' STRING over the inputs.
replaced() {
	printf '%s\n' "${INPUTS[@]}" >in
	run --separate-stderr scx_in in -j2 printf '[%s]\n' "$1"
}

@test "{} is the item" {
	replaced '{}'
	assert_success
	assert_output "$(printf '[%s]\n' "${INPUTS[@]}")"
	refute_stderr
}

@test "{.} is the item without its extension" {
	replaced '{.}'
	assert_success
	assert_output "$(printf '[%s]\n' 'a/b.c/d.e' 'file' '/abs' '/' 'dir/' 'a//b' \
		'' 'x' './x' '' 'a/b/' '.' 'a b' 'a.b/c' '/a' 'dir/' '' 'a.tar')"
	refute_stderr
}

@test "{/} is the basename" {
	replaced '{/}'
	assert_success
	assert_output "$(printf '[%s]\n' 'd.e.f' 'file' 'abs' '' '' 'b' \
		'.bashrc' 'x.' 'x' '' '' '..' 'a b.txt' 'c' 'a.b' '.hidden' '.' 'a.tar.gz')"
	refute_stderr
}

@test "{//} is the dirname" {
	replaced '{//}'
	assert_success
	assert_output "$(printf '[%s]\n' 'a/b.c' '.' '/' '/' '.' 'a' \
		'.' '.' '.' '.' 'a' '.' '.' 'a.b' '/' 'dir' '.' '.')"
	refute_stderr
}

@test "{/.} is the basename without its extension" {
	replaced '{/.}'
	assert_success
	assert_output "$(printf '[%s]\n' 'd.e' 'file' 'abs' '' '' 'b' \
		'' 'x' 'x' '' '' '.' 'a b' 'c' 'a' '' '' 'a.tar')"
	refute_stderr
}

@test "{} {.} {/} {//} {/.} agree with GNU parallel" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	parallel --version 2>/dev/null | grep -q 'GNU parallel' || skip "parallel is not GNU parallel"
	printf '%s\n' "${INPUTS[@]}" >in
	local fmt='[%s]|[%s]|[%s]|[%s]|[%s]\n'
	parallel --will-cite -k -j2 -a in printf "'$fmt'" '{}' '{.}' '{/}' '{//}' '{/.}' >expected
	run --separate-stderr scx_in in -j2 printf "$fmt" '{}' '{.}' '{/}' '{//}' '{/.}'
	assert_success
	assert_output "$(cat expected)"
	refute_stderr
}

@test "{#} is the item number, in input order" {
	printf 'a\nb\nc\nd\n' >in
	run --separate-stderr scx_in in -j2 echo '{#}' '{}'
	assert_success
	assert_output "$(printf '1 a\n2 b\n3 c\n4 d')"
	refute_stderr
}

@test "{#} counts items, not lines of a multi-line -0 item" {
	printf 'a\nb\0c\0' >in
	run --separate-stderr scx_in in -j2 -0 printf '%s:%s;' '{#}' '{}'
	assert_success
	assert_output "$(printf '1:a\nb;2:c;')"
	refute_stderr
}

@test "{%} is 1 for every item with -j 1" {
	seq 4 >in
	run --separate-stderr scx_in in -j1 echo '{%}'
	assert_success
	assert_output "$(printf '1\n1\n1\n1')"
	refute_stderr
}

@test "{%} is the worker slot, the same as SCX_SLOT and within 1..-j" {
	seq 8 >in
	run --separate-stderr scx_in in -j3 sh -c 'echo "$1 $SCX_SLOT"' sh '{%}'
	assert_success
	assert_equal "${#lines[@]}" 8
	local line
	for line in "${lines[@]}"; do
		[[ $line =~ ^([123])\ ([123])$ ]] || fail "bad line '$line'"
		assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	done
	refute_stderr
}

@test "without a replacement string the item is appended as the last argument" {
	printf 'x y\n' >in
	run --separate-stderr scx_in in -j2 printf '<%s|%s>\n' first
	assert_success
	assert_output '<first|x y>'
	refute_stderr
}

@test "{#} alone suppresses the appended item" {
	printf 'x\ny\n' >in
	run --separate-stderr scx_in in -j2 printf '<%s>' '{#}'
	assert_success
	assert_output '<1><2>'
	refute_stderr
}

@test "{%} alone suppresses the appended item" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j1 printf '<%s>' '{%}'
	assert_success
	assert_output '<1>'
	refute_stderr
}

@test "{.} alone suppresses the appended item" {
	printf 'x.c\n' >in
	run --separate-stderr scx_in in -j2 printf '<%s>' '{.}'
	assert_success
	assert_output '<x>'
	refute_stderr
}

@test "a replacement string inside a word: x{}y" {
	printf 'a b\n' >in
	run --separate-stderr scx_in in -j2 "${ARGDUMP[@]}" 'x{}y'
	assert_success
	assert_output "1 $(hexof 'xa by')"
	refute_stderr
}

@test "several replacement strings in one word" {
	printf 'dir/f.txt\n' >in
	run --separate-stderr scx_in in -j1 echo 'out/{/.}-{#}-{%}.{}'
	assert_success
	assert_output 'out/f-1-1.dir/f.txt'
	refute_stderr
}

@test "a replacement string used twice is replaced twice" {
	printf 'a\n' >in
	run --separate-stderr scx_in in -j2 echo '{}' '{}{}'
	assert_success
	assert_output 'a aa'
	refute_stderr
}

@test "a replacement string in the command name" {
	printf 'echo\n' >in
	run --separate-stderr scx_in in -j2 '{}' hello
	assert_success
	assert_output 'hello'
	refute_stderr
}

@test "braces that are not replacement strings stay as they are" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j2 echo '{foo}' '{' '}' '{ }' '{}'
	assert_success
	assert_output '{foo} { } { } x'
	refute_stderr
}

@test "--shell: a replacement string inside a word is quoted in place" {
	printf 'a b\n' >in
	run --separate-stderr scx_in in -j2 --shell 'printf "%s\n" x{}y'
	assert_success
	assert_output 'xa by'
	refute_stderr
}

@test "--shell: {.} {/} {//} {/.} are quoted too" {
	printf '%s\n' '$(touch pwned)/`x`.$(y)' >in
	run --separate-stderr scx_in in -j2 --shell 'printf "[%s]\n" {.} {/} {//} {/.}'
	assert_success
	assert_output "$(printf '[%s]\n' '$(touch pwned)/`x`' '`x`.$(y)' '$(touch pwned)' '`x`')"
	refute_stderr
	[ ! -e pwned ]
}

@test "--pipe-item without a replacement string appends nothing" {
	printf 'x\n' >in
	run --separate-stderr scx_in in -j2 --pipe-item sh -c 'echo "$#"; cat' sh
	assert_success
	assert_output "$(printf '0\nx')"
	refute_stderr
}
