#!/usr/bin/env bats
# GNU parallel's command language (issue 13): a GNU parallel user's command
# lines run unchanged and print what GNU parallel prints.
#
# Every expected output below is what GNU parallel 20221122 printed for the
# same command line on this machine (2 CPUs, SHELL=/bin/bash), recorded by
# hand; the tests do not need GNU parallel.  GNU was run with -k (or -j1):
# its output is in completion order otherwise, where scx-run writes in input
# order by default.  A test that depends on that default says so only where
# the order could differ between runs (-j > 1 and more than one job).
#
# Where GNU's literal command line cannot run under GNU (GNU has no --shell:
# it is "ambiguous" there, a prefix of --shell-quote, --shellcompletion...),
# the comment gives the equivalent command whose output was recorded.
#
# The cases of the issue's acceptance points are marked [A1] ... [A6].  A
# few cases keep xargs' meaning on purpose, where GNU's splitting of the
# command breaks it; they say what GNU prints instead.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	local out
	GNU_MPI_SKIP=
	if ! command -v mpiexec >/dev/null; then
		GNU_MPI_SKIP="mpiexec is not installed (apt-get install openmpi-bin)"
	elif ! out=$("$SCX_RUN" --backend=mpi --info --if-serial=ignore 2>&1 </dev/null); then
		case $out in
		*"not available"*)
			GNU_MPI_SKIP="scx-run was built without MPI: $out" ;;
		esac
	fi
	export GNU_MPI_SKIP
}

need_mpi() {
	[ -z "${GNU_MPI_SKIP:-}" ] || skip "$GNU_MPI_SKIP"
}

# g ARGS...: scx-run ARGS with stdin from /dev/null, under a hang guard.
g() {
	timeout 60 "$SCX_RUN" "$@" </dev/null
}

# gi IN ARGS...: scx-run ARGS with stdin from the file IN, under a hang guard.
gi() {
	scx "$@"
}

# gl ARGS...: scx-run --backend=loky ARGS, stdin from /dev/null.
gl() {
	lk /dev/null "$@"
}

# gm ARGS...: scx-run --backend=mpi ARGS under mpiexec -n 3 (two worker
# ranks), stdin from /dev/null, under a hang guard.
gm() {
	gmi /dev/null "$@"
}

# gmi IN ARGS...: the same with stdin from the file IN.
gmi() {
	local in=$1
	shift
	timeout 120 "${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi "$@" <"$in"
}

# lines WORD...: the words, one a line (for assert_output "$(lines ...)").
lines() {
	printf '%s\n' "$@"
}

# The exported bash function of the tests that name one.
f() { echo "f:$*"; }

# Items that must stay data in every form of command (acceptance point 5):
# blanks, quotes, command substitutions, shell operators, redirections,
# globs, variables, words that look like options of scx-run or of echo.
# Each one that a shell would run creates the file pwned.  GNU parallel
# prints "x ITEM" for every one of them in every form below, and creates
# no pwned (recorded for each form).
ITEMS=(
	'a  b' "it's" '"dq"' '$(touch pwned)' '`touch pwned`' 'a;touch pwned'
	'|touch pwned' '&& touch pwned' '>pwned' '-n' '--help' '-j2' '*'
	'$HOME' '{}' '~' $'a\tb' '#c' '!x'
)

# items_file: the items, one a line, in the file in.
items_file() {
	printf '%s\n' "${ITEMS[@]}" >in
}

# x_items: what GNU prints for them: "x ITEM" a line.
x_items() {
	printf 'x %s\n' "${ITEMS[@]}"
}

# assert_not_pwned: no item ran as code.
assert_not_pwned() {
	[ ! -e pwned ] || fail "an item ran as shell code: pwned was created"
}

# The -0 items, newlines inside, and what GNU prints for them with
# "echo x {}" in every form (bytes).
nul_items() {
	printf 'a\nb\0$(touch pwned)\nc\0x\n`touch pwned`\0-n\nd\0' >in0
	printf 'x a\nb\nx $(touch pwned)\nc\nx x\n`touch pwned`\nx -n\nd\n' >expected
}

# --- [A1] input sources ------------------------------------------------------

@test "[A1] echo ::: a b c </dev/null: the ::: arguments are the items" {
	run --separate-stderr g echo ::: a b c
	assert_success
	assert_output "$(lines a b c)"
	refute_stderr
}

@test "[A1] echo x | echo ::: a b: stdin is not read when ::: gives the items" {
	echo x >in
	run --separate-stderr gi in echo ::: a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
}

@test "[A1] echo ::: a b ::: 1 2: every combination, the last source fastest" {
	run --separate-stderr g echo ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 'a 1' 'a 2' 'b 1' 'b 2')"
	refute_stderr
}

@test "[A1] echo {2}-{1} ::: a b ::: 1 2: positional strings pick a source" {
	run --separate-stderr g echo '{2}-{1}' ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 1-a 2-a 1-b 2-b)"
	refute_stderr
}

@test "[A1] echo {1}{2} ::: a b :::+ 1 2: :::+ links to the previous source" {
	run --separate-stderr g echo '{1}{2}' ::: a b :::+ 1 2
	assert_success
	assert_output "$(lines a1 b2)"
	refute_stderr
}

@test "[A1] --link echo ::: a b ::: 1 2: linked sources pair up" {
	run --separate-stderr g --link echo ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 'a 1' 'b 2')"
	refute_stderr
}

@test "[A1] echo :::: f ::: x: a :::: file is a source" {
	printf 'f1\nf2\n' >f
	run --separate-stderr g echo :::: f ::: x
	assert_success
	assert_output "$(lines 'f1 x' 'f2 x')"
	refute_stderr
}

@test "[A1] -a f1 -a f2 echo: each -a is a source, combined" {
	printf 'a\nb\n' >f1
	printf '1\n2\n' >f2
	run --separate-stderr g -a f1 -a f2 echo
	assert_success
	assert_output "$(lines 'a 1' 'a 2' 'b 1' 'b 2')"
	refute_stderr
}

# --- [A1] columns, positional strings --------------------------------------

@test "[A1] printf 'a,b\\n' | --colsep , echo {2}:{1}" {
	printf 'a,b\n' >in
	run --separate-stderr gi in --colsep , echo '{2}:{1}'
	assert_success
	assert_output "b:a"
	refute_stderr
}

@test "[A1] echo {1/.} {2//} ::: d/a.tar.gz ::: x/y/z" {
	run --separate-stderr g echo '{1/.}' '{2//}' ::: d/a.tar.gz ::: x/y/z
	assert_success
	assert_output "a.tar x/y"
	refute_stderr
}

# --- [A1] the shell rule -----------------------------------------------------

@test "[A1] 'echo {} | tr a-z A-Z' ::: a b: a one-word template with shell syntax is a shell line" {
	run --separate-stderr g 'echo {} | tr a-z A-Z' ::: a b
	assert_success
	assert_output "$(lines A B)"
	refute_stderr
}

@test "[A1] echo {} '|' tr a-z A-Z ::: a: a bare | word joins the template into a shell line" {
	run --separate-stderr g echo '{}' '|' tr a-z A-Z ::: a
	assert_success
	assert_output "A"
	refute_stderr
}

@test "[A1] FOO=bar --shell echo '\$FOO' {} ::: a: --shell expands \$FOO" {
	# GNU (no --shell, its default): FOO=bar parallel echo '$FOO' {} ::: a
	FOO=bar run --separate-stderr g --shell echo '$FOO' '{}' ::: a
	assert_success
	assert_output "bar a"
	refute_stderr
}

@test "[A1] export -f f; f ::: a b: an exported bash function runs in bash" {
	export -f f
	run --separate-stderr g f ::: a b
	assert_success
	assert_output "$(lines f:a f:b)"
	refute_stderr
}

# --- [A1] several arguments per job --------------------------------------------

@test "[A1] -n2 echo ::: a b c d e: two arguments a job, the last job shorter" {
	run --separate-stderr g -n2 echo ::: a b c d e
	assert_success
	assert_output "$(lines 'a b' 'c d' e)"
	refute_stderr
}

@test "[A1] -N2 echo {1}+{2} ::: a b c d: -N is GNU's, not the chunk size" {
	run --separate-stderr g -N2 echo '{1}+{2}' ::: a b c d
	assert_success
	assert_output "$(lines a+b c+d)"
	refute_stderr
}

@test "[A1] -X echo x{}y ::: a b: as GNU, the arguments are spread over the job slots" {
	# GNU's -X and -m divide the arguments evenly among the job slots
	# (ceil(n / -j) each) when they all fit: on this 2-CPU machine GNU
	# printed "xay" and "xby"; with one CPU, "xay xby".
	local expected
	if [ "$(usable_cpus)" -ge 2 ]; then
		expected=$(lines xay xby)
	else
		expected="xay xby"
	fi
	run --separate-stderr g -X echo 'x{}y' ::: a b
	assert_success
	assert_output "$expected"
	refute_stderr
}

@test "[A1] -j1 -X echo x{}y ::: a b: the context repeated for each argument" {
	run --separate-stderr g -j1 -X echo 'x{}y' ::: a b
	assert_success
	assert_output "xay xby"
	refute_stderr
}

@test "[A1] -I ,, echo ,,-x ::: a" {
	run --separate-stderr g -I ,, echo ,,-x ::: a
	assert_success
	assert_output "a-x"
	refute_stderr
}

@test "[A1] --header : echo {name} ::: name a b: the first argument names the source" {
	run --separate-stderr g --header : echo '{name}' ::: name a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
}

@test "[A1] --plus echo {..} ::: a.tar.gz" {
	run --separate-stderr g --plus echo '{..}' ::: a.tar.gz
	assert_success
	assert_output "a"
	refute_stderr
}

@test "[A1] printf 'echo hi\\necho yo\\n' | scx-run: no command, each line is a command" {
	printf 'echo hi\necho yo\n' >in
	run --separate-stderr gi in
	assert_success
	assert_output "$(lines hi yo)"
	refute_stderr
}

# --- [A1] xargs' meaning, on purpose -------------------------------------------
#
# GNU joins the words into one shell line, so the quoting typed for the
# user's shell is lost; scx-run passes each word as one argument.

@test "[A1] sh -c 'echo \"got \$1\"' _ ::: a 'b c': each word one argument (xargs' meaning)" {
	# GNU prints two empty lines: it runs  sh -c echo "got $1" _ 'a'
	# (GNU -q prints what scx-run must print).
	run --separate-stderr g sh -c 'echo "got $1"' _ ::: a 'b c'
	assert_success
	assert_output "$(lines 'got a' 'got b c')"
	refute_stderr
}

@test "[A1] awk '{print \$2}' ::: FILE: the awk program is one argument (xargs' meaning)" {
	# GNU: "awk: line 2: missing } near end of file", exit 1 (GNU -q: 2, 5).
	printf '1 2 3\n4 5 6\n' >FILE
	run --separate-stderr g awk '{print $2}' ::: FILE
	assert_success
	assert_output "$(lines 2 5)"
	refute_stderr
}

@test "[A1] grep -c 'a b' ::: FILE: the pattern is one argument (xargs' meaning)" {
	# GNU: "FILE:3" and "grep: b: No such file or directory", exit 1
	# (GNU -q: 2).
	printf 'a b\nab\na b c\n' >FILE
	run --separate-stderr g grep -c 'a b' ::: FILE
	assert_success
	assert_output "2"
	refute_stderr
}

@test "perl -e 'print \"@ARGV\\n\"' ::: This works: the tutorial's 'This wont work' works as typed" {
	# man parallel_tutorial: GNU prints nothing (exit 0) for
	# parallel perl -e 'print "@ARGV\n"' ::: This wont work; GNU -q prints
	# one word a line.
	command -v perl >/dev/null || skip "perl is not installed"
	run --separate-stderr g perl -e 'print "@ARGV\n"' ::: This works
	assert_success
	assert_output "$(lines This works)"
	refute_stderr
}

@test "FOO=bar echo '\$FOO' {} ::: a: \$VAR in a separate word is not expanded without --shell" {
	# GNU prints "bar a"; GNU -q prints "$FOO a".
	FOO=bar run --separate-stderr g echo '$FOO' '{}' ::: a
	assert_success
	assert_output '$FOO a'
	refute_stderr
}

# --- [A2] stdin is not an extra source ----------------------------------------

@test "[A2] echo x | rm ::: a b removes a and b, never x" {
	touch a b x
	echo x >in
	run --separate-stderr gi in rm ::: a b
	assert_success
	assert_output ''
	refute_stderr
	[ ! -e a ] || fail "a was not removed"
	[ ! -e b ] || fail "b was not removed"
	[ -e x ] || fail "x was removed: stdin was read as a source"
}

# --- [A3] Perl expressions ------------------------------------------------------

@test "[A3] echo '{= s/\\.gz\$// =}' ::: a.tar.gz: GNU's a.tar, or a one-line error and 255; never the literal" {
	run --separate-stderr g echo '{= s/\.gz$// =}' ::: a.tar.gz
	refute_output --partial '{='
	if [ "$status" = 0 ]; then
		assert_output "a.tar"
		refute_stderr
	else
		assert_usage_error '{= s/\.gz$// =}'
	fi
}

# --- [A5] items are data in every form --------------------------------------------

@test "[A5] argv template echo x {}: every item is one argument" {
	run --separate-stderr g echo x '{}' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] argv template echo x (item appended): every item is one argument" {
	run --separate-stderr g echo x ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] one-word shell template 'echo x {} | cat': every item is quoted" {
	run --separate-stderr g 'echo x {} | cat' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] template with a bare | word, echo x {} '|' cat: every item is quoted" {
	run --separate-stderr g echo x '{}' '|' cat ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] template with a bare && word, echo x {} '&&' true: every item is quoted" {
	items_file
	run --separate-stderr g echo x '{}' '&&' true :::: in
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] --shell echo x {}: every item is quoted" {
	# GNU (its default): parallel echo x {} ::: ITEMS
	run --separate-stderr g --shell echo x '{}' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] -q echo x {}: every item is one argument" {
	run --separate-stderr g -q echo x '{}' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] items from stdin into a shell line 'echo x {} | cat'" {
	items_file
	run --separate-stderr gi in 'echo x {} | cat'
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] items from a :::: file into a shell line, with {1}, -N1 and --colsep" {
	items_file
	run --separate-stderr g 'echo x {1} | cat' :::: in ::: y
	assert_success
	assert_output "$(x_items)"
	assert_not_pwned
	run --separate-stderr g -N1 'echo x {1} | cat' :::: in
	assert_success
	assert_output "$(x_items)"
	assert_not_pwned
	run --separate-stderr g --colsep , 'echo x {1} | cat' :::: in
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] -I ,, and --plus strings into a shell line are quoted" {
	items_file
	run --separate-stderr g -I ,, 'echo x ,, | cat' :::: in
	assert_success
	assert_output "$(x_items)"
	assert_not_pwned
	run --separate-stderr g --plus 'echo x {..} | cat' :::: in
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A5] -j1 -X 'echo x {} | cat': several items in one shell line, each quoted" {
	run --separate-stderr g -j1 -X 'echo x {} | cat' ::: "${ITEMS[@]}"
	assert_success
	assert_output "x ${ITEMS[*]}"
	refute_stderr
	assert_not_pwned
}

@test "[A5] -j1 -m echo x {} '|' cat: several items in one shell line, each quoted" {
	run --separate-stderr g -j1 -m echo x '{}' '|' cat ::: "${ITEMS[@]}"
	assert_success
	assert_output "x ${ITEMS[*]}"
	refute_stderr
	assert_not_pwned
}

@test "[A5] -N2 'echo {2} {1} | cat': positional strings quoted" {
	run --separate-stderr g -N2 'echo {2} {1} | cat' ::: '$(touch pwned)' '`touch pwned`' "it's" 'a  b'
	assert_success
	assert_output "$(lines '`touch pwned` $(touch pwned)' "a  b it's")"
	refute_stderr
	assert_not_pwned
}

@test "[A5] {.} {/} {//} {/.} of hostile paths into a shell line are quoted" {
	local paths=('d/$(touch pwned).txt' '`touch pwned`/a b.c' "x;y/it's.z")
	local expected
	expected=$(lines 'd/$(touch pwned) $(touch pwned).txt d $(touch pwned)' \
		'`touch pwned`/a b a b.c `touch pwned` a b' \
		"x;y/it's it's.z x;y it's")
	run --separate-stderr g 'echo {.} {/} {//} {/.} | cat' ::: "${paths[@]}"
	assert_success
	assert_output "$expected"
	assert_not_pwned
	run --separate-stderr g echo '{.}' '{/}' '{//}' '{/.}' ::: "${paths[@]}"
	assert_success
	assert_output "$expected"
	refute_stderr
	assert_not_pwned
}

@test "[A5] backslashes and % reach a shell line's printf as typed" {
	run --separate-stderr g 'printf "%s|\n" {} | cat' ::: 'back\slash' 'a\nb' '%s' '\\' '\'
	assert_success
	assert_output "$(lines 'back\slash|' 'a\nb|' '%s|' '\\|' '\|')"
	refute_stderr
}

@test "[A5] -0 items with newlines, argv template echo x {}" {
	nul_items
	run --separate-stderr into out gi in0 -0 echo x '{}'
	assert_success
	same_file expected out
	assert_not_pwned
}

@test "[A5] -0 items with newlines, shell template 'echo x {} | cat'" {
	nul_items
	run --separate-stderr into out gi in0 -0 'echo x {} | cat'
	assert_success
	same_file expected out
	assert_not_pwned
}

@test "[A5] -0 items with newlines, bare | word: echo x {} '|' cat" {
	nul_items
	run --separate-stderr into out gi in0 -0 echo x '{}' '|' cat
	assert_success
	same_file expected out
	assert_not_pwned
}

@test "[A5] -0 items with newlines, --shell echo x {}" {
	# GNU (its default): parallel -0 echo x {} < in0
	nul_items
	run --separate-stderr into out gi in0 -0 --shell echo x '{}'
	assert_success
	same_file expected out
	assert_not_pwned
}

@test "[A5] -0 with a :::: file: items with newlines into a shell line" {
	nul_items
	run --separate-stderr into out g -0 'echo x {} | cat' :::: in0
	assert_success
	same_file expected out
	assert_not_pwned
}

@test "[A5] arguments after ::: that look like options are items, not options of scx-run" {
	run --separate-stderr g echo x ::: --help -j2 --tag --shell -- -n
	assert_success
	assert_output "$(lines 'x --help' 'x -j2' 'x --tag' 'x --shell' 'x --' 'x -n')"
	refute_stderr
}

@test "a ::: argument with a newline is two items, as GNU (its ::: arguments are lines)" {
	# GNU: parallel -k echo {#} {} ::: $'a\nb' c  prints 1 a, 2 b, 3 c;
	# with -0 it keeps "a\nb" as one item.
	run --separate-stderr g echo '{#}' '{}' ::: $'a\nb' c
	assert_success
	assert_output "$(lines '1 a' '2 b' '3 c')"
	refute_stderr
}

# --- sources: more of GNU's tutorial ------------------------------------------------

@test "echo :::: f1 ::::+ f2: ::::+ links a file to the previous source" {
	printf 'a\nb\n' >f1
	printf '1\n2\n' >f2
	run --separate-stderr g echo :::: f1 ::::+ f2
	assert_success
	assert_output "$(lines 'a 1' 'b 2')"
	refute_stderr
}

@test "--link with unequal lengths wraps the shorter sources" {
	run --separate-stderr g --link echo ::: A B C D E ::: F G
	assert_success
	assert_output "$(lines 'A F' 'B G' 'C F' 'D G' 'E F')"
	refute_stderr
}

@test "--link over three sources, one of them a single argument" {
	run --separate-stderr g --link echo ::: a b c ::: 1 2 ::: X
	assert_success
	assert_output "$(lines 'a 1 X' 'b 2 X' 'c 1 X')"
	refute_stderr
}

@test ":::+ with unequal lengths stops at the shorter (it does not wrap, unlike --link)" {
	run --separate-stderr g echo ::: A B C D E :::+ F G
	assert_success
	assert_output "$(lines 'A F' 'B G')"
	refute_stderr
}

@test ":::: abc-file :::+ G H I :::: def-file: a link inside a combination" {
	printf 'A\nB\nC\n' >abc-file
	printf 'D\nE\nF\n' >def-file
	run --separate-stderr g echo :::: abc-file :::+ G H I :::: def-file
	assert_success
	assert_output "$(lines 'A G D' 'A G E' 'A G F' 'B H D' 'B H E' 'B H F' \
		'C I D' 'C I E' 'C I F')"
	refute_stderr
}

@test ":::: abc-file ::: G H I ::::+ def-file: the link binds the last two" {
	printf 'A\nB\nC\n' >abc-file
	printf 'D\nE\nF\n' >def-file
	run --separate-stderr g echo :::: abc-file ::: G H I ::::+ def-file
	assert_success
	assert_output "$(lines 'A G D' 'A H E' 'A I F' 'B G D' 'B H E' 'B I F' \
		'C G D' 'C H E' 'C I F')"
	refute_stderr
}

@test "three ::: sources: eight combinations in GNU's order" {
	run --separate-stderr g echo ::: a b ::: 1 2 ::: X Y
	assert_success
	assert_output "$(lines 'a 1 X' 'a 1 Y' 'a 2 X' 'a 2 Y' 'b 1 X' 'b 1 Y' \
		'b 2 X' 'b 2 Y')"
	refute_stderr
}

@test "cat abc-file | echo :::: - def-file: :::: - is stdin" {
	printf 'A\nB\nC\n' >in
	printf 'D\nE\nF\n' >def-file
	run --separate-stderr gi in echo :::: - def-file
	assert_success
	assert_output "$(lines 'A D' 'A E' 'A F' 'B D' 'B E' 'B F' 'C D' 'C E' 'C F')"
	refute_stderr
}

@test "-a - -a f2: -a - is stdin, combined with the other -a" {
	printf 'p\nq\n' >in
	printf '1\n2\n' >f2
	run --separate-stderr gi in -a - -a f2 echo
	assert_success
	assert_output "$(lines 'p 1' 'p 2' 'q 1' 'q 2')"
	refute_stderr
}

@test "-a f1 echo ::: x y: an -a source and a ::: source combine" {
	printf 'a\nb\n' >f1
	run --separate-stderr g -a f1 echo ::: x y
	assert_success
	assert_output "$(lines 'a x' 'a y' 'b x' 'b y')"
	refute_stderr
}

@test "--arg-sep ,, echo ,, A B C :::: def-file" {
	printf 'D\nE\nF\n' >def-file
	run --separate-stderr g --arg-sep ,, echo ,, A B C :::: def-file
	assert_success
	assert_output "$(lines 'A D' 'A E' 'A F' 'B D' 'B E' 'B F' 'C D' 'C E' 'C F')"
	refute_stderr
}

@test "--arg-file-sep // echo ::: A B C // def-file" {
	printf 'D\nE\nF\n' >def-file
	run --separate-stderr g --arg-file-sep // echo ::: A B C // def-file
	assert_success
	assert_output "$(lines 'A D' 'A E' 'A F' 'B D' 'B E' 'B F' 'C D' 'C E' 'C F')"
	refute_stderr
}

@test "-0 echo :::: abc0-file and -d _ echo :::: abc_-file: the delimiter applies to :::: files" {
	printf 'A\0B\0C\0' >abc0-file
	printf 'A_B_C_' >abc_-file
	run --separate-stderr g -0 echo :::: abc0-file
	assert_success
	assert_output "$(lines A B C)"
	run --separate-stderr g -d _ echo :::: abc_-file
	assert_success
	assert_output "$(lines A B C)"
	refute_stderr
}

@test "::: 'echo foo' 'echo bar': no command, each argument is a command" {
	run --separate-stderr g ::: 'echo foo' 'echo bar'
	assert_success
	assert_output "$(lines foo bar)"
	refute_stderr
}

@test "no command: a failing command line counts in the exit status" {
	printf 'echo hi | tr a-z A-Z\nexit 3\n' >in
	run --separate-stderr gi in
	assert_failure 1
	assert_output "HI"
	refute_stderr
}

# --- replacement strings -----------------------------------------------------------

@test "echo {#} {} ::: a b c: {#} is the job number" {
	run --separate-stderr g echo '{#}' '{}' ::: a b c
	assert_success
	assert_output "$(lines '1 a' '2 b' '3 c')"
	refute_stderr
}

@test "-j1 echo {%} {} ::: a b: {%} is the job slot" {
	run --separate-stderr g -j1 echo '{%}' '{}' ::: a b
	assert_success
	assert_output "$(lines '1 a' '1 b')"
	refute_stderr
}

@test "echo {-1} {1} ::: a b ::: x y: {-1} is the last source" {
	run --separate-stderr g echo '{-1}' '{1}' ::: a b ::: x y
	assert_success
	assert_output "$(lines 'x a' 'y a' 'x b' 'y b')"
	refute_stderr
}

@test "echo {1.} {1/} {1//} {1/.} ::: d/a.tar.gz" {
	run --separate-stderr g echo '{1.}' '{1/}' '{1//}' '{1/.}' ::: d/a.tar.gz
	assert_success
	assert_output "d/a.tar a.tar.gz d a.tar"
	refute_stderr
}

@test "echo {2.} {2/} {2//} {2/.} ::: x ::: /d/e/a.b.c" {
	run --separate-stderr g echo '{2.}' '{2/}' '{2//}' '{2/.}' ::: x ::: /d/e/a.b.c
	assert_success
	assert_output "/d/e/a.b a.b.c /d/e a.b"
	refute_stderr
}

@test "the tutorial's echo /={1/} //={1//} /.={1/.} .={1.} ::: A/B.C D/E.F" {
	run --separate-stderr g echo '/={1/}' '//={1//}' '/.={1/.}' '.={1.}' ::: A/B.C D/E.F
	assert_success
	assert_output "$(lines '/=B.C //=A /.=B .=A/B' '/=E.F //=D /.=E .=D/E')"
	refute_stderr
}

@test "{} with two sources is both arguments; {2} beyond the sources is empty" {
	run --separate-stderr g echo '{}x' '{1}' ::: a ::: b
	assert_success
	assert_output "a bx a"
	run --separate-stderr g echo '{2}x' ::: a
	assert_success
	assert_output "x"
	refute_stderr
}

@test "brace strings that are not replacement strings stay literal, as GNU leaves them" {
	# GNU: parallel echo '{x}' '{1' '{name}' '{}}' '{ }' '{a b}' '{1x}' ::: v
	# prints  {x} {1 {name} v} { } {a b} {1x}  (the {} in {}} is
	# replaced, so no argument is appended).
	run --separate-stderr g echo '{x}' '{1' '{name}' '{}}' '{ }' '{a b}' '{1x}' ::: v
	assert_success
	assert_output '{x} {1 {name} v} { } {a b} {1x}'
	refute_stderr
}

@test "a brace string alone that is not a replacement string: the item is appended" {
	run --separate-stderr g echo '{name}' ::: name a
	assert_success
	assert_output "$(lines '{name} name' '{name} a')"
	run --separate-stderr g echo '{/x}' '{.x}' '{./}' '{=}' ::: a.b
	assert_success
	assert_output '{/x} {.x} {./} {=} a.b'
	refute_stderr
}

@test "{..} and {##} without --plus are literal, the item appended" {
	run --separate-stderr g echo '{..}' '{##}' ::: a.tar.gz
	assert_success
	assert_output "{..} {##} a.tar.gz"
	refute_stderr
}

@test "{{}} is the item inside braces" {
	run --separate-stderr g echo '{{}}' ::: a
	assert_success
	assert_output "{a}"
	refute_stderr
}

# --- --colsep, --header, --trim --------------------------------------------------

@test "--colsep '\\t' echo {2} {1}: a regex for tab" {
	printf 'a\tb\n' >in
	run --separate-stderr gi in --colsep '\t' echo '{2}' '{1}'
	assert_success
	assert_output "b a"
	refute_stderr
}

@test "--colsep '\\t' echo 1={1} 2={2} :::: tsv-file.tsv: the header line is data" {
	printf 'f1\tf2\nA\tB\nC\tD\n' >tsv-file.tsv
	run --separate-stderr g --colsep '\t' echo '1={1}' '2={2}' :::: tsv-file.tsv
	assert_success
	assert_output "$(lines '1=f1 2=f2' '1=A 2=B' '1=C 2=D')"
	refute_stderr
}

@test "--colsep: {} is the columns as separate arguments, and no {} appends them all" {
	printf 'a\tb\tc\n' >in
	run --separate-stderr gi in --colsep '\t' echo '{}'
	assert_success
	assert_output "a b c"
	printf 'a,b\nc,d\n' >in
	run --separate-stderr gi in --colsep , echo
	assert_success
	assert_output "$(lines 'a b' 'c d')"
	refute_stderr
}

@test "--colsep: a column beyond the line's is empty" {
	printf 'a,b\n' >in
	run --separate-stderr gi in --colsep , echo '{3}x'
	assert_success
	assert_output "x"
	refute_stderr
}

@test "--header : --colsep , echo {y}-{x}: names from the first line" {
	printf 'x,y\n1,2\n3,4\n' >in
	run --separate-stderr gi in --header : --colsep , echo '{y}-{x}'
	assert_success
	assert_output "$(lines 2-1 4-3)"
	refute_stderr
}

@test "--header : --colsep '\\t' with a :::: file" {
	printf 'f1\tf2\nA\tB\nC\tD\n' >tsv-file.tsv
	run --separate-stderr g --header : --colsep '\t' echo 'f2={f2}' 'f1={f1}' :::: tsv-file.tsv
	assert_success
	assert_output "$(lines 'f2=B f1=A' 'f2=D f1=C')"
	refute_stderr
}

@test "--header : echo f1={f1} f2={f2} ::: f1 A B ::: f2 C D" {
	run --separate-stderr g --header : echo 'f1={f1}' 'f2={f2}' ::: f1 A B ::: f2 C D
	assert_success
	assert_output "$(lines 'f1=A f2=C' 'f1=A f2=D' 'f1=B f2=C' 'f1=B f2=D')"
	refute_stderr
}

@test "--header : with an unknown name: the name stays literal, the header is still taken" {
	run --separate-stderr g --header : echo '{x}' ::: name a
	assert_success
	assert_output "{x} a"
	refute_stderr
}

@test "--colsep trims blanks around columns by default (GNU's --trim lr with --colsep)" {
	printf '  a  ,  b \n' >in
	run --separate-stderr gi in --colsep , echo 'x{1}x' 'x{2}x'
	assert_success
	assert_output "xax xbx"
	run --separate-stderr gi in --colsep , --trim n echo 'x{1}x' 'x{2}x'
	assert_success
	assert_output "x  a  x x  b x"
	refute_stderr
}

@test "--colsep , --trim l and --trim r" {
	printf '  a  ,  b \n' >in
	run --separate-stderr gi in --colsep , --trim l echo 'x{1}x' 'x{2}x'
	assert_success
	assert_output "xa  x xb x"
	run --separate-stderr gi in --colsep , --trim r echo 'x{1}x' 'x{2}x'
	assert_success
	assert_output "x  ax x  bx"
	refute_stderr
}

@test "--trim l, r, lr on a ::: argument (the tutorial's pre-{}-post)" {
	run --separate-stderr g --trim r echo 'pre-{}-post' ::: ' A '
	assert_output "pre- A-post"
	run --separate-stderr g --trim l echo 'pre-{}-post' ::: ' A '
	assert_output "pre-A -post"
	run --separate-stderr g --trim lr echo 'pre-{}-post' ::: ' A '
	assert_success
	assert_output "pre-A-post"
	refute_stderr
}

# --- -I and the other renames ---------------------------------------------------------

@test "-I ,, echo {}-,,: with -I the {} string is literal" {
	run --separate-stderr g -I ,, echo '{}-,,' ::: a
	assert_success
	assert_output "{}-a"
	refute_stderr
}

@test "--extensionreplace / --er: the new string replaces {.}, which turns literal" {
	run --separate-stderr g --extensionreplace ,, echo ,, ::: A/B.C
	assert_success
	assert_output "A/B"
	run --separate-stderr g --er EXT echo EXT '{.}' ::: a.b.c
	assert_success
	assert_output "a.b {.}"
	refute_stderr
}

@test "--basenamereplace, --dirnamereplace, --basenameextensionreplace (--bnr, --dnr, --bner)" {
	run --separate-stderr g --basenamereplace ,, echo ,, ::: A/B.C
	assert_output "B.C"
	run --separate-stderr g --bnr BN --dnr DN --bner BNE echo BN DN BNE ::: d/a.b
	assert_output "a.b d a"
	run --separate-stderr g --basenameextensionreplace ,, echo ,, ::: A/B.C
	assert_success
	assert_output "B"
	refute_stderr
}

@test "--seqreplace and --slotreplace (-j1)" {
	run --separate-stderr g --seqreplace ,, echo ,, ::: A B C
	assert_success
	assert_output "$(lines 1 2 3)"
	run --separate-stderr g -j1 --slotreplace ,, echo ,, ::: A B
	assert_success
	assert_output "$(lines 1 1)"
	refute_stderr
}

# --- --plus --------------------------------------------------------------------------

@test "--plus: {..} {...} {/..} {/...}" {
	run --separate-stderr g --plus echo '{..}' '{...}' '{/..}' '{/...}' ::: d/a.tar.gz.b
	assert_success
	assert_output "d/a.tar d/a a.tar a"
	refute_stderr
}

@test "--plus: {+/} {+.} {+..} {+...}" {
	run --separate-stderr g --plus echo '{+/}' '{+.}' '{+..}' '{+...}' ::: d/e/a.tar.gz.b
	assert_success
	assert_output "d/e b gz.b tar.gz.b"
	refute_stderr
}

@test "--plus: the tutorial's identities give back {}" {
	run --separate-stderr g --plus echo '{+/}/{/}' '{.}.{+.}' '{+/}/{/.}.{+.}' \
		'{..}.{+..}' '{+/}/{/..}.{+..}' '{...}.{+...}' '{+/}/{/...}.{+...}' \
		::: dir/sub/file.ex1.ex2.ex3
	assert_success
	assert_output "$(printf 'dir/sub/file.ex1.ex2.ex3 %.0s' 1 2 3 4 5 6)dir/sub/file.ex1.ex2.ex3"
	refute_stderr
}

@test "--plus: Job {#} of {##}" {
	run --separate-stderr g --plus echo Job '{#}' of '{##}' ::: 1 2 3
	assert_success
	assert_output "$(lines 'Job 1 of 3' 'Job 2 of 3' 'Job 3 of 3')"
	refute_stderr
}

@test "--plus: {0#} pads the job number to the width of the job count; -j1 {0%} {slot}" {
	run --separate-stderr g --plus echo '{0#}' ::: a b c d e f g h i j k
	assert_success
	assert_output "$(lines 01 02 03 04 05 06 07 08 09 10 11)"
	run --separate-stderr g -j1 --plus echo '{0%}' '{slot}' ::: a b
	assert_success
	assert_output "$(lines '1 1' '1 1')"
	refute_stderr
}

@test "--plus: {:-def} {:2} {:1:3}" {
	run --separate-stderr g --plus echo '{:-def}x' ::: '' a
	assert_success
	assert_output "$(lines defx ax)"
	run --separate-stderr g --plus echo '{:2}' '{:1:3}' ::: abcdef
	assert_success
	assert_output "cdef bcd"
	refute_stderr
}

@test "--plus: {#pat} {##pat} {%pat} {%%pat}" {
	run --separate-stderr g --plus echo '{#z.*z.}' '{##z.*z.}' ::: z.z.z.foo
	assert_success
	assert_output "z.foo foo"
	run --separate-stderr g --plus echo '{%.z.*z}' '{%%.z.*z}' ::: foo.z.z.z
	assert_success
	assert_output "foo.z foo"
	refute_stderr
}

@test "--plus: {/a/X} {//a/X} {/#a/X} {/%a/X}" {
	run --separate-stderr g --plus echo '{/a/X}' '{//a/X}' '{/#a/X}' '{/%a/X}' ::: abca
	assert_success
	assert_output "Xbca XbcX Xbca abcX"
	refute_stderr
}

@test "--plus: {^a} {^^a} {,A} {,,A}" {
	run --separate-stderr g --plus echo '{^a}' '{^^a}' '{,A}' '{,,A}' ::: abAa ABaA
	assert_success
	assert_output "$(lines 'AbAa AbAA abAa abaa' 'ABaA ABAA aBaA aBaa')"
	refute_stderr
}

@test "--plus: positional forms {1..} {2/..}" {
	run --separate-stderr g --plus echo '{1..}' '{2/..}' ::: a.b.c ::: d/e.f.g
	assert_success
	assert_output "a e"
	refute_stderr
}

@test "--plus: {choose_k} skips combinations; GNU counts each skipped job in the exit status" {
	# GNU 20221122: 3 jobs run, 6 skipped, exit 6.
	run --separate-stderr g --plus echo '{choose_k}' ::: a b c ::: a b c
	assert_failure 6
	assert_output "$(lines 'a b' 'a c' 'b c')"
	refute_stderr
}

# --- several arguments per job ----------------------------------------------------------

@test "-N2 and -L2 repeat the word around {} per argument (GNU's context replace); -n2 and -L2 -m do not" {
	# GNU parallel 20221122: -N and -L (without -m or --xargs) set its
	# ContextReplace, as -X does.
	run --separate-stderr g -N2 echo 'x{}y' ::: a b c
	assert_output "$(lines 'xay xby' xcy)"
	run --separate-stderr g -L2 echo 'x{}y' ::: a b c
	assert_output "$(lines 'xay xby' xcy)"
	run --separate-stderr g -L2 -m echo 'x{}y' ::: a b c
	assert_output "$(lines 'xa by' xcy)"
	run --separate-stderr g -n2 echo 'x{}y' ::: a b c
	assert_output "$(lines 'xa by' xcy)"
	refute_stderr
}

@test "-N2 echo {1}+{2} ::: a b c: a missing argument is empty" {
	run --separate-stderr g -N2 echo '{1}+{2}' ::: a b c
	assert_success
	assert_output "$(lines a+b c+)"
	refute_stderr
}

@test "-N3 echo 1={1} 2={2} 3={3} ::: A B C D E F G H" {
	run --separate-stderr g -N3 echo '1={1}' '2={2}' '3={3}' ::: A B C D E F G H
	assert_success
	assert_output "$(lines '1=A 2=B 3=C' '1=D 2=E 3=F' '1=G 2=H 3=')"
	refute_stderr
}

@test "-N0 echo foo ::: 1 2 3: one job per argument, no argument given" {
	run --separate-stderr g -N0 echo foo ::: 1 2 3
	assert_success
	assert_output "$(lines foo foo foo)"
	refute_stderr
}

@test "-n2 echo :::: f5, --max-args 2 and -n2 -a f5" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -n2 echo :::: f5
	assert_output "$(lines 'a b' 'c d' e)"
	run --separate-stderr g --max-args 2 echo :::: f5
	assert_output "$(lines 'a b' 'c d' e)"
	run --separate-stderr g -n2 -a f5 echo
	assert_success
	assert_output "$(lines 'a b' 'c d' e)"
	refute_stderr
}

@test "-n2 echo {#} and -n2 echo {1}-{2}: one number per job" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -n2 echo '{#}' :::: f5
	assert_output "$(lines 1 2 3)"
	run --separate-stderr g -n2 echo '{1}-{2}' ::: a b c
	assert_success
	assert_output "$(lines a-b c-)"
	refute_stderr
}

@test "-n2 over two sources: two combinations a job" {
	run --separate-stderr g -n2 echo ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 'a 1 a 2' 'b 1 b 2')"
	refute_stderr
}

@test "-j1 -m echo pre-{}-post: the context once around all arguments" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -j1 -m echo 'pre-{}-post' :::: f5
	assert_success
	assert_output "pre-a b c d e-post"
	refute_stderr
}

@test "--jobs 4 -m echo ::: 1..10: the tutorial's spread over four job slots" {
	run --separate-stderr g --jobs 4 -m echo ::: 1 2 3 4 5 6 7 8 9 10
	assert_success
	assert_output "$(lines '1 2 3' '4 5 6' '7 8 9' 10)"
	refute_stderr
}

@test "--jobs 4 -X echo pre-{}-post ::: A..G (output in input order)" {
	run --separate-stderr g --jobs 4 -X echo 'pre-{}-post' ::: A B C D E F G
	assert_success
	assert_output "$(lines 'pre-A-post pre-B-post' 'pre-C-post pre-D-post' \
		'pre-E-post pre-F-post' 'pre-G-post')"
	refute_stderr
}

@test "-j1 -n2 -X echo x{}y: -n bounds -X" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -j1 -n2 -X echo 'x{}y' :::: f5
	assert_success
	assert_output "$(lines 'xay xby' 'xcy xdy' xey)"
	refute_stderr
}

@test "--xargs echo :::: f5: as many as fit, not spread over the slots (-j1 and -j3)" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -j1 --xargs echo :::: f5
	assert_output "a b c d e"
	run --separate-stderr g -j3 --xargs echo :::: f5
	assert_success
	assert_output "a b c d e"
	refute_stderr
}

@test "-L2 echo :::: f5 and -L2 echo {1}/{2}" {
	printf 'a\nb\nc\nd\ne\n' >f5
	run --separate-stderr g -L2 echo :::: f5
	assert_output "$(lines 'a b' 'c d' e)"
	run --separate-stderr g -L2 echo '{1}/{2}' :::: f5
	assert_success
	assert_output "$(lines a/b c/d e/)"
	refute_stderr
}

@test "export -f f; -n2 f ::: a b c: a function gets several arguments" {
	export -f f
	run --separate-stderr g -n2 f ::: a b c
	assert_success
	assert_output "$(lines 'f:a b' f:c)"
	refute_stderr
}

# --- commands and shells ------------------------------------------------------------------

@test "'gunzip -c {} > {.}' ::: a.gz b.gz: a one-word shell line with a redirection" {
	printf 'x\n' | gzip >a.gz
	printf 'y\n' | gzip >b.gz
	run --separate-stderr g 'gunzip -c {} > {.}' ::: a.gz b.gz
	assert_success
	assert_output ''
	refute_stderr
	assert_equal "$(cat a)" x
	assert_equal "$(cat b)" y
}

@test "bare operator words: '>' '&&' '||' ';' '2>&1'" {
	run --separate-stderr g echo '{}' '>' '{}.out' ::: a b
	assert_success
	assert_output ''
	assert_equal "$(cat a.out b.out)" "$(lines a b)"
	run --separate-stderr g echo '{}' '&&' echo then '{}' ::: a b
	assert_output "$(lines a 'then a' b 'then b')"
	run --separate-stderr g false '{}' '||' echo failed '{}' ::: a
	assert_output "failed a"
	run --separate-stderr g echo '{}' ';' echo next ::: a
	assert_output "$(lines a next)"
	run --separate-stderr g echo '{}' '2>&1' ::: a
	assert_success
	assert_output "a"
	refute_stderr
}

@test "export -f f: f {} '|' tr and 'f {} | tr': a function inside a shell line" {
	export -f f
	run --separate-stderr g f '{}' '|' tr a-z A-Z ::: a b
	assert_success
	assert_output "$(lines F:A F:B)"
	run --separate-stderr g 'f {} | tr a-z A-Z' ::: a b
	assert_success
	assert_output "$(lines F:A F:B)"
	refute_stderr
	# Without $SHELL (cron, CI) the shell is bats' own bash, as GNU finds it.
	SHELL=/bin/sh run --separate-stderr g 'f {} | tr a-z A-Z' ::: a b
	assert_success
	assert_output "$(lines F:A F:B)"
	env -u SHELL bash -c "\"\$SCX_RUN\" 'f {} | tr a-z A-Z' ::: a" >out
	assert_equal "$(cat out)" F:A
}

@test "the shell of a shell line is the shell that started scx-run, as GNU's" {
	# GNU parallel walks up its ancestors to the nearest shell (recorded:
	# dash -c 'parallel "echo \$0" ::: a; true' prints /usr/bin/dash a).
	run env -u SHELL dash -c "\"\$SCX_RUN\" 'echo \$0' ::: a; true"
	assert_success
	assert_output --regexp '^/(usr/)?bin/dash a$'
	run env SHELL=/bin/dash bash -c "\"\$SCX_RUN\" 'echo \$0' ::: a; true"
	assert_output --regexp '^/(usr/)?bin/bash a$'
	run env PARALLEL_SHELL=/bin/dash bash -c "\"\$SCX_RUN\" 'echo \$0' ::: a; true"
	assert_output '/bin/dash a'
}

@test "-q echo 'a  b' ::: c: the two blanks stay (issue 14, Acceptance 1)" {
	# GNU parallel 20221122: a  b c (without -q GNU prints a b c: its shell
	# splits the word; scx-run passes words as argv, README says so).
	run --separate-stderr g -q echo 'a  b' ::: c
	assert_success
	assert_output 'a  b c'
	refute_stderr
}

@test "-q printf '[%s]\\n': -q passes the words as typed" {
	run --separate-stderr g -q printf '[%s]\n' ::: a b
	assert_success
	assert_output "$(lines '[a]' '[b]')"
	refute_stderr
}

@test "a failing command per argument: the exit status counts the failures" {
	run --separate-stderr g false ::: a b c
	assert_failure 3
	assert_output ''
	# GNU -q (GNU without -q runs  sh -c exit _ 'N': exit 0):
	run --separate-stderr g sh -c 'exit $1' _ ::: 0 1 2 3
	assert_failure 3
	assert_output ''
	refute_stderr
}

# --- the environment of a job ---------------------------------------------------------------

@test "-j1 sh -c 'echo \$PARALLEL_SEQ \$PARALLEL_JOBSLOT': workers see GNU's variables" {
	# GNU -q (GNU without -q expands them in its own shell line: empty
	# lines).
	run --separate-stderr g -j1 sh -c 'echo $PARALLEL_SEQ $PARALLEL_JOBSLOT' ::: a b c
	assert_success
	assert_output "$(lines '1 1' '2 1' '3 1')"
	refute_stderr
}

@test "-j1 'echo \$PARALLEL_SEQ': a one-word shell line sees it too, the item appended" {
	run --separate-stderr g -j1 'echo $PARALLEL_SEQ' ::: a b c
	assert_success
	assert_output "$(lines '1 a' '2 b' '3 c')"
	refute_stderr
}

@test "PARALLEL_PID is set to a process id" {
	# GNU -q; the number itself differs between runs.
	run --separate-stderr g -j2 sh -c 'test "$PARALLEL_PID" -gt 1 && echo ok $1' sh ::: a b
	assert_success
	assert_output "$(lines 'ok a' 'ok b')"
	refute_stderr
}

@test "--tag echo foo-{} ::: A B C" {
	run --separate-stderr g --tag echo 'foo-{}' ::: A B C
	assert_success
	assert_output "$(printf 'A\tfoo-A\nB\tfoo-B\nC\tfoo-C')"
	refute_stderr
}

# --- [A6] reusable workers (--backend=loky) ----------------------------------------------------
#
# A loky worker reads its items on stdin, so only cases without
# replacement strings apply; the expected output is what GNU prints for the
# same items (parallel -k echo ::: ...).

@test "[A6] loky: cat ::: a b c </dev/null" {
	run --separate-stderr gl cat ::: a b c
	assert_success
	assert_output "$(lines a b c)"
	refute_stderr
}

@test "[A6] loky: echo x | cat ::: a b: stdin is not read" {
	echo x >in
	run --separate-stderr lk in cat ::: a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
}

@test "[A6] loky: cat :::: f and --arg-sep ,, cat ,, a b" {
	printf 'f1\nf2\n' >f
	run --separate-stderr gl cat :::: f
	assert_success
	assert_output "$(lines f1 f2)"
	run --separate-stderr gl --arg-sep ,, cat ,, a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
}

@test "[A6] loky: echo x | rm-worker ::: a b removes a and b, never x" {
	touch a b x
	echo x >in
	run --separate-stderr lk in sh -c 'while read -r f; do rm -- "$f"; echo "$f"; done' ::: a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
	[ ! -e a ] && [ ! -e b ] || fail "a or b was not removed"
	[ -e x ] || fail "x was removed: stdin was read as a source"
}

@test "[A6] loky: hostile items through cat come back as data" {
	# GNU: parallel -k echo ::: ITEMS prints each item.
	run --separate-stderr gl cat ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(printf '%s\n' "${ITEMS[@]}")"
	refute_stderr
	assert_not_pwned
}

@test "[A6] loky: a one-word shell worker 'tr a-z A-Z' ::: a b" {
	# GNU, one shell per item: parallel -k 'echo {} | tr a-z A-Z' ::: a b
	run --separate-stderr gl 'tr a-z A-Z' ::: a b
	assert_success
	assert_output "$(lines A B)"
	refute_stderr
}

@test "[A6] loky: a worker with a bare | word, cat '|' tr a-z A-Z ::: a b" {
	# GNU, one shell per item: parallel -k echo {} '|' tr a-z A-Z ::: a b
	run --separate-stderr gl cat '|' tr a-z A-Z ::: a b
	assert_success
	assert_output "$(lines A B)"
	refute_stderr
}

# --- [A6] MPI: mpiexec -n 3 scx-run --backend=mpi -------------------------------------------------

@test "[A6] mpi: echo ::: a b c </dev/null" {
	need_mpi
	run --separate-stderr gm echo ::: a b c
	assert_success
	assert_output "$(lines a b c)"
	refute_stderr
}

@test "[A6] mpi: echo x | echo ::: a b and rm ::: a b never removes x" {
	need_mpi
	touch a b x
	echo x >in
	run --separate-stderr gmi in rm ::: a b
	assert_success
	assert_output ''
	[ ! -e a ] && [ ! -e b ] || fail "a or b was not removed"
	[ -e x ] || fail "x was removed: stdin was read as a source"
	run --separate-stderr gmi in echo ::: a b
	assert_success
	assert_output "$(lines a b)"
	refute_stderr
}

@test "[A6] mpi: echo ::: a b ::: 1 2 and echo {2}-{1}" {
	need_mpi
	run --separate-stderr gm echo ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 'a 1' 'a 2' 'b 1' 'b 2')"
	run --separate-stderr gm echo '{2}-{1}' ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 1-a 2-a 1-b 2-b)"
	refute_stderr
}

@test "[A6] mpi: :::+ and --link" {
	need_mpi
	run --separate-stderr gm echo '{1}{2}' ::: a b :::+ 1 2
	assert_success
	assert_output "$(lines a1 b2)"
	run --separate-stderr gm --link echo ::: a b ::: 1 2
	assert_success
	assert_output "$(lines 'a 1' 'b 2')"
	refute_stderr
}

@test "[A6] mpi: echo :::: f ::: x and -a f1 -a f2 echo" {
	need_mpi
	printf 'f1\nf2\n' >f
	printf 'a\nb\n' >f1
	printf '1\n2\n' >f2
	run --separate-stderr gm echo :::: f ::: x
	assert_success
	assert_output "$(lines 'f1 x' 'f2 x')"
	run --separate-stderr gm -a f1 -a f2 echo
	assert_success
	assert_output "$(lines 'a 1' 'a 2' 'b 1' 'b 2')"
	refute_stderr
}

@test "[A6] mpi: --colsep , echo {2}:{1} and echo {1/.} {2//}" {
	need_mpi
	printf 'a,b\n' >in
	run --separate-stderr gmi in --colsep , echo '{2}:{1}'
	assert_success
	assert_output "b:a"
	run --separate-stderr gm echo '{1/.}' '{2//}' ::: d/a.tar.gz ::: x/y/z
	assert_success
	assert_output "a.tar x/y"
	refute_stderr
}

@test "[A6] mpi: the shell rule, 'echo {} | tr a-z A-Z' and echo {} '|' tr a-z A-Z" {
	need_mpi
	run --separate-stderr gm 'echo {} | tr a-z A-Z' ::: a b
	assert_success
	assert_output "$(lines A B)"
	run --separate-stderr gm echo '{}' '|' tr a-z A-Z ::: a
	assert_success
	assert_output "A"
	refute_stderr
}

@test "[A6] mpi: FOO=bar --shell echo '\$FOO' {} and an exported function" {
	need_mpi
	# GNU (its default): FOO=bar parallel echo '$FOO' {} ::: a
	FOO=bar run --separate-stderr gm --shell echo '$FOO' '{}' ::: a
	assert_success
	assert_output "bar a"
	export -f f
	run --separate-stderr gm f ::: a b
	assert_success
	assert_output "$(lines f:a f:b)"
	refute_stderr
}

@test "[A6] mpi: -n2 and -N2" {
	need_mpi
	run --separate-stderr gm -n2 echo ::: a b c d e
	assert_success
	assert_output "$(lines 'a b' 'c d' e)"
	run --separate-stderr gm -N2 echo '{1}+{2}' ::: a b c d
	assert_success
	assert_output "$(lines a+b c+d)"
	refute_stderr
}

@test "[A6] mpi: -I ,,, --header : and --plus" {
	need_mpi
	run --separate-stderr gm -I ,, echo ,,-x ::: a
	assert_success
	assert_output "a-x"
	# mpiexec takes a lone ':' on its command line as the separator of
	# two programs (MPMD), so under mpiexec it is written --header=:
	run --separate-stderr gm --header=: echo '{name}' ::: name a b
	assert_success
	assert_output "$(lines a b)"
	run --separate-stderr gm --plus echo '{..}' ::: a.tar.gz
	assert_success
	assert_output "a"
	refute_stderr
}

@test "[A6] mpi: no command, each line of stdin is a command" {
	need_mpi
	printf 'echo hi\necho yo\n' >in
	run --separate-stderr gmi in
	assert_success
	assert_output "$(lines hi yo)"
	refute_stderr
}

@test "[A6] mpi: xargs' meaning, sh -c 'echo \"got \$1\"' _ ::: a 'b c'" {
	need_mpi
	run --separate-stderr gm sh -c 'echo "got $1"' _ ::: a 'b c'
	assert_success
	assert_output "$(lines 'got a' 'got b c')"
	refute_stderr
}

@test "[A6] mpi: hostile items stay data, argv and shell templates" {
	need_mpi
	run --separate-stderr gm echo x '{}' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	assert_not_pwned
	run --separate-stderr gm 'echo x {} | cat' ::: "${ITEMS[@]}"
	assert_success
	assert_output "$(x_items)"
	refute_stderr
	assert_not_pwned
}

@test "[A6] mpi: -0 items with newlines into a shell line" {
	need_mpi
	nul_items
	run --separate-stderr into out gmi in0 -0 'echo x {} | cat'
	assert_success
	same_file expected out
	assert_not_pwned
}

# --- Found by a review of issue 13's change; GNU's outputs recorded ---------

@test "seq 5 | -j2 -m echo: from a pipe, what is left at the end is spread over the slots" {
	seq 5 >in
	run --separate-stderr gi in -j2 -m echo
	assert_success
	assert_output "$(lines '1 2 3' '4 5')"
}

@test "-j1 -X echo {} '|' wc -w ::: 1..20000: -X cuts a shell line where GNU does (12459, 7541)" {
	run --separate-stderr g -j1 -X echo {} '|' wc -w ::: $(seq 20000)
	assert_success
	assert_output "$(lines 12459 7541)"
}

@test "--header 0 is no header (Perl's false); a source that is only its header gives no job" {
	run --separate-stderr g --header 0 echo ::: h1 h2 a b
	assert_success
	assert_output "$(lines h1 h2 a b)"
	run --separate-stderr g --header : echo ::: a ::: b
	assert_success
	assert_output ''
}

@test "--colsep '[\\s,]+' and --plus {/[\\d]/X}: Perl's escapes inside a bracket expression" {
	run --separate-stderr g --colsep '[\s,]+' echo {1}:{2}:{3} ::: 'a, b c'
	assert_success
	assert_output "a:b:c"
	run --separate-stderr g --plus echo '{/[\d]/X}' ::: a1b
	assert_success
	assert_output "aXb"
}

@test "-s 3 -m echo ::: abcdef: an argument longer than -s is an error, exit 255, nothing run" {
	run --separate-stderr g -s 3 -m echo ::: abcdef
	assert_usage_error "-s"
}

@test "[A6] mpi: {##} and {0#}: the job count reaches the worker ranks" {
	need_mpi
	run --separate-stderr gm --plus echo {##} {0#} ::: a b c d e f g h i j k l
	assert_success
	assert_line --index 0 "12 01"
	assert_line --index 11 "12 12"
}

@test "-q with an exported bash function: the function runs, each word one argument (GNU's -q)" {
	f() { echo "f:$1|$2"; }
	export -f f
	run --separate-stderr g -q f "x y" {} ::: "a b"
	assert_success
	assert_output "f:x y|a b"
	# Without -q the words are joined into bash's line, as GNU's.
	run --separate-stderr g f "x y" {} ::: "a b"
	assert_success
	assert_output "f:x|y"
}

@test "-P 2, --max-procs=1 and --maxprocs 1 are -j (GNU's names for it)" {
	run --separate-stderr g -P 2 echo ::: a b
	assert_success
	assert_output "$(lines a b)"
	run --separate-stderr g --max-procs=1 echo ::: a b
	assert_success
	assert_output "$(lines a b)"
	run --separate-stderr g --maxprocs 1 echo {%} ::: a
	assert_success
	assert_output "1"
	# -P 0 is -j 0, GNU's as many as possible (sched.bats).
	run --separate-stderr g -P 0 echo ::: a
	assert_success
	assert_output a
	run --separate-stderr g -P 0% echo ::: a
	assert_usage_error "0%"
}
