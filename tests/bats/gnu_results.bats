#!/usr/bin/env bats
# Job results on disk as GNU parallel writes them (issue 14, Build 4 and
# Acceptance 1 and 3): --results DIR in GNU's layout, --results NAME.csv,
# .tsv and .json, --files.
#
# Every expected output below is what GNU parallel 20221122 printed or
# wrote for the same command line on this machine, recorded by hand; the
# tests do not need GNU parallel.  GNU was run with -k or -j1 where the
# order could differ.  Times differ from run to run: the tests compare the
# deterministic columns and check the form of the others.  scx-run adds a
# hidden .scx-status beside GNU's three files; listings leave it out.

bats_require_minimum_version 1.5.0
load helper

g() {
	timeout 60 "$SCX_RUN" "$@" </dev/null
}

# files DIR: the files under DIR but .scx-status, NUL-sorted, '|' after
# each (names may hold newlines and tabs); bats' own files left out too.
files() {
	find "$1" -type f ! -name '*.scx-status' ! -name 'separate-stderr-*' -print0 | LC_ALL=C sort -z | tr '\0' '|'
}

# --- --results DIR ------------------------------------------------------------

@test "gnu: --results res echo ::: a b, then cat res/1/a/stdout res/1/b/stdout [A1]" {
	run --separate-stderr g --results res echo ::: a b
	assert_success
	# GNU: nothing on stdout
	assert_output ''
	refute_stderr
	run cat res/1/a/stdout res/1/b/stdout
	assert_output "$(printf 'a\nb')"
	# GNU: find res -type f | sort
	assert_equal "$(files res)" 'res/1/a/seq|res/1/a/stderr|res/1/a/stdout|res/1/b/seq|res/1/b/stderr|res/1/b/stdout|'
	# seq: the number, no newline
	assert_equal "$(cat res/1/b/seq)" 2
	assert_equal "$(wc -c <res/1/b/seq)" 1
	assert_equal "$(wc -c <res/1/a/stderr)" 0
}

@test "gnu: --results with two sources: one level per source, stderr and the exit status as GNU's" {
	run --separate-stderr g --results r 'echo {1}{2}; echo e >&2; exit 2' ::: a b ::: 1 2
	# GNU: exit 4 (four jobs failed), nothing on stdout or stderr
	assert_failure 4
	assert_output ''
	refute_stderr
	assert_equal "$(files r)" 'r/1/a/2/1/seq|r/1/a/2/1/stderr|r/1/a/2/1/stdout|r/1/a/2/2/seq|r/1/a/2/2/stderr|r/1/a/2/2/stdout|r/1/b/2/1/seq|r/1/b/2/1/stderr|r/1/b/2/1/stdout|r/1/b/2/2/seq|r/1/b/2/2/stderr|r/1/b/2/2/stdout|'
	assert_equal "$(cat r/1/b/2/2/seq)" 4
	assert_equal "$(cat r/1/b/2/2/stderr)" e
	assert_equal "$(cat r/1/a/2/2/stdout)" a2
	assert_equal "$(cat r/1/b/2/2/.scx-status)" 'exit 2 signal 0 timeout 0'
}

@test "gnu: --results with --header : names the levels, sorted by name" {
	run --separate-stderr g --results h --header : echo ::: x 1 2 ::: a 3 4
	assert_success
	# GNU: find h -name stdout | sort
	assert_equal "$(find h -name stdout | LC_ALL=C sort | tr '\n' ' ')" 'h/a/3/x/1/stdout h/a/3/x/2/stdout h/a/4/x/1/stdout h/a/4/x/2/stdout '
	assert_equal "$(cat h/a/4/x/1/stdout)" '1 4'
}

@test "gnu: --results with -N2 repeats the levels per argument, --colsep numbers the columns" {
	run --separate-stderr g -N2 --results r2 echo ::: a b c d ::: x
	assert_success
	# GNU: find r2 -name seq | sort
	assert_equal "$(find r2 -name seq | LC_ALL=C sort | tr '\n' ' ')" 'r2/1/a/2/x/1/b/2/x/seq r2/1/c/2/x/1/d/2/x/seq '
	run --separate-stderr g --colsep , --results r3 echo ::: a,b
	assert_success
	assert_equal "$(find r3 -name seq)" r3/1/a/2/b/seq
}

@test "gnu: --results with hostile arguments: / \\ tab newline .. . '' and a leading dot, named as GNU names them, never outside DIR" {
	run --separate-stderr g -j1 --results res echo ::: 'a/b' '..' '' '.hid' $'nl\nx' $'t\tb' 'b\s' '.'
	assert_success
	# GNU (-j1): find res -type f -print0 | sort -z | tr '\0' '|'.  A
	# newline splits a ::: argument in two (nl, x), as GNU splits it; ..
	# is res itself; '' and . share res/1, the last one stored stays.
	assert_equal "$(files res)" 'res/1/.hid/seq|res/1/.hid/stderr|res/1/.hid/stdout|res/1/a\_b/seq|res/1/a\_b/stderr|res/1/a\_b/stdout|res/1/b\\s/seq|res/1/b\\s/stderr|res/1/b\\s/stdout|res/1/nl/seq|res/1/nl/stderr|res/1/nl/stdout|res/1/seq|res/1/stderr|res/1/stdout|res/1/t\tb/seq|res/1/t\tb/stderr|res/1/t\tb/stdout|res/1/x/seq|res/1/x/stderr|res/1/x/stdout|res/seq|res/stderr|res/stdout|'
	assert_equal "$(cat 'res/1/a\_b/stdout')" 'a/b'
	assert_equal "$(cat res/stdout)" '..'
	assert_equal "$(cat res/1/stdout)" '.'
	assert_equal "$(cat 'res/1/b\\s/stdout')" 'b\s'
	assert_equal "$(cat 'res/1/t\tb/stdout')" "$(printf 't\tb')"
	# nothing outside res
	[ ! -e stdout ] && [ ! -e seq ] && [ ! -e 1 ] || fail "a result outside res"
}

@test "gnu: --results with an argument longer than a file name: cut to 255 bytes" {
	local long
	long=$(printf 'x%.0s' $(seq 300))
	run --separate-stderr g --results long echo ::: "$long"
	assert_success
	# GNU: find long -name seq | awk '{ print length($0) }' gives 266
	run find long -name seq
	assert_equal "${#output}" 266
	assert_equal "$(cat "long/1/${long:0:255}/stdout")" "$long"
}

@test "gnu: --results my_{}: the job's stdout in my_ARG, beside my_ARG.err and my_ARG.seq" {
	run --separate-stderr g --results 'my_{}' 'echo {}; echo e{} >&2' ::: foo bar
	assert_success
	assert_output ''
	# GNU: find . -type f | sort (in an empty directory)
	assert_equal "$(files .)" './my_bar|./my_bar.err|./my_bar.seq|./my_foo|./my_foo.err|./my_foo.seq|'
	assert_equal "$(cat my_foo)" foo
	assert_equal "$(cat my_foo.err)" efoo
	assert_equal "$(cat my_bar.seq)" 2
	assert_equal "$(cat .my_bar.scx-status)" 'exit 0 signal 0 timeout 0'
}

@test "gnu: --results my_{}/ is a directory per job; {}/out makes the directory {}; {#} and --header names too" {
	run --separate-stderr g --results 'd_{}/' 'echo {}; echo e >&2' ::: foo
	assert_success
	run --separate-stderr g --results '{}/out' echo ::: a
	assert_success
	run --separate-stderr g --results 'x/{#}' echo ::: a
	assert_success
	run --separate-stderr g --header : --results 'h{n}' echo ::: n q
	assert_success
	# GNU: find . -type f | sort, for the four runs
	assert_equal "$(files .)" './a/out|./a/out.err|./a/out.seq|./d_foo/seq|./d_foo/stderr|./d_foo/stdout|./hq|./hq.err|./hq.seq|./x/1|./x/1.err|./x/1.seq|'
	assert_equal "$(cat d_foo/stderr a/out)" "$(printf 'e\na')"
}

@test "gnu: --results with an unknown {name} is a directory name, as GNU's" {
	run --separate-stderr g --results 'x{foo}' echo ::: a
	assert_success
	assert_equal "$(cat 'x{foo}/1/a/stdout')" a
}

@test "--results my_{} --resume skips a job whose stdout file is there (GNU's rule); --resume-failed reruns a failed one" {
	run --separate-stderr g --results 'my_{}' 'echo {}; echo {} >>side' ::: a b
	assert_success
	echo kept >my_a
	run --separate-stderr g --resume --results 'my_{}' 'echo {}; echo {} >>side' ::: a b c
	assert_success
	assert_equal "$(sort side | tr '\n' ' ')" 'a b c '
	assert_equal "$(cat my_a)" kept
	assert_equal "$(cat my_c.seq)" 3
	run --separate-stderr g --results 'my_{}' 'echo {} >>side; exit 1' ::: d
	assert_failure 1
	run --separate-stderr g --resume-failed --results 'my_{}' 'echo {} >>side' ::: d
	assert_success
	run --separate-stderr g --resume-failed --results 'my_{}' 'echo {} >>side' ::: d
	assert_success
	assert_equal "$(sort side | tr '\n' ' ')" 'a b c d d '
}

@test "gnu: --results DIR/ and a DIR with parents to make" {
	run --separate-stderr g --results deep/er/ echo ::: a
	assert_success
	assert_equal "$(cat deep/er/1/a/stdout)" a
}

@test "gnu: --results with the same arguments twice: one directory, the last job's" {
	run --separate-stderr g -j1 --results res2 echo ::: a a
	assert_success
	# GNU (-k): cat res2/1/a/seq
	assert_equal "$(cat res2/1/a/seq)" 2
}

# --- --results NAME.csv, .tsv, .json -------------------------------------------

# form_times FILE SEP: columns 3 and 4 (Starttime, JobRuntime) of every
# record but the header are seconds with 3 decimals.
form_times() {
	run awk -F"$2" 'NR > 1 && $1 ~ /^[0-9]+$/ && !($3 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ && length($3) == 14 && $4 ~ /^[0-9]+\.[0-9][0-9][0-9]$/) { print "bad line " NR ": " $0 }' "$1"
	assert_output ''
}

# untimed FILE SEP: FILE with Starttime and JobRuntime written T and R.
untimed() {
	sed -E "s/^([0-9]+)$2:$2[0-9]{10}\.[0-9]{3}$2[0-9]+\.[0-9]{3}$2/\1$2:${2}T${2}R$2/" "$1"
}

@test "gnu: --results out.csv: one file in GNU's columns, nothing on stdout [A1]" {
	run --separate-stderr g --results out.csv 'echo {}; echo err{} >&2; exit {}' ::: 0 3
	assert_failure 1
	assert_output ''
	refute_stderr
	form_times out.csv ,
	# GNU (-k): cat out.csv, Starttime and JobRuntime written T and R
	assert_equal "$(untimed out.csv ,)" 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr
1,:,T,R,0,2,0,0,"echo 0; echo err0 >&2; exit 0",0,"0
","err0
"
2,:,T,R,0,2,3,0,"echo 3; echo err3 >&2; exit 3",3,"3
","err3
"'
}

@test "gnu: --results out.csv quotes a field with a quote, a comma or white space as GNU does" {
	run --separate-stderr g --results out.csv 'echo {}; echo e{} >&2' ::: a 'b"c' ::: 1
	assert_success
	form_times out.csv ,
	# GNU (-k): cat out.csv
	assert_equal "$(untimed out.csv ,)" 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,V2,Stdout,Stderr
1,:,T,R,0,4,0,0,"echo a 1; echo ea 1 >&2",a,1,"a 1
","ea 1
"
2,:,T,R,0,6,0,0,"echo '"'b\"\"c'"' 1; echo e'"'b\"\"c'"' 1 >&2","b""c",1,"b""c 1
","eb""c 1
"'
}

@test "gnu: --results out.tsv: TAB-separated, the same quoting" {
	run --separate-stderr g --results out.tsv 'echo {1} {2}' ::: 'a b' c ::: 1
	assert_success
	form_times out.tsv $'\t'
	# GNU (-k): cat out.tsv
	assert_equal "$(untimed out.tsv $'\t')" "$(printf '%s\n' \
		$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\tV1\tV2\tStdout\tStderr' \
		$'1\t:\tT\tR\t0\t6\t0\t0\t"echo \'a b\' 1"\t"a b"\t1\t"a b 1' \
		$'"\t' \
		$'2\t:\tT\tR\t0\t4\t0\t0\t"echo c 1"\tc\t1\t"c 1' \
		$'"\t')"
}

@test "gnu: --results out.json: one JSON line per job, GNU's escapes" {
	run --separate-stderr g --results out.json 'printf "%s\t\n" {}; echo "e\\" >&2' ::: 'q"x' y
	assert_success
	# GNU (-k): cat out.json, the times written T and R
	run sed -E 's/"Starttime": [0-9]{10}\.[0-9]{3}, "JobRuntime": [0-9]+\.[0-9]{3}/"Starttime": T, "JobRuntime": R/' out.json
	assert_output "$(cat <<'JSON'
{ "Seq": 1, "Host": ":", "Starttime": T, "JobRuntime": R, "Send": 0, "Receive": 5, "Exitval": 0, "Signal": 0, "Command": "printf \"%s\\t\\n\" 'q\"x'; echo \"e\\\\\" >&2", "V": [ "q\"x" ], "Stdout": "q\"x\u0009\u000a", "Stderr": "e\\\u000a" }
{ "Seq": 2, "Host": ":", "Starttime": T, "JobRuntime": R, "Send": 0, "Receive": 3, "Exitval": 0, "Signal": 0, "Command": "printf \"%s\\t\\n\" y; echo \"e\\\\\" >&2", "V": [ "y" ], "Stdout": "y\u0009\u000a", "Stderr": "e\\\u000a" }
JSON
)"
	# every line is JSON
	run jq -r '.V[0] + "|" + .Stdout' out.json
	assert_output "$(printf 'q"x|q"x\t\n\ny|y\t\n')"
}

@test "gnu: --results -.csv writes the file on stdout; --header : names the V columns" {
	run --separate-stderr g --results -.csv --header : echo ::: n a
	assert_success
	refute_stderr
	assert_equal "$(sed -n 1p <<<"$output")" 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,n,Stdout,Stderr'
	assert_equal "$(sed -n 2p <<<"$output" | cut -d, -f 1,2,5-)" '1,:,0,2,0,0,"echo a",a,"a'
}

@test "gnu: --results e.csv with no job leaves an empty file" {
	run --separate-stderr g --results e.csv echo :::
	assert_equal "$(wc -c <e.csv)" 0
}

@test "--results out.csv --resume needs --joblog; with it only the missing jobs run and are added, one header" {
	run --separate-stderr g --results out.csv --resume echo ::: a
	assert_usage_error "--resume with --results 'out.csv' needs --joblog FILE"
	run --separate-stderr g --results out.csv --joblog jl echo ::: a b
	assert_success
	sed -i '$d' jl
	run --separate-stderr g --results out.csv --joblog jl --resume echo ::: a b
	assert_success
	assert_equal "$(grep -c '^Seq' out.csv)" 1
	assert_equal "$(grep -E '^(Seq|[0-9])' out.csv | cut -d, -f 1,10 | tr '\n' ' ')" 'Seq,V1 1,a 2,b 2,b '
}

# --- --files ---------------------------------------------------------------------

@test "gnu: --files prints the name of a kept file in TMPDIR holding each job's stdout; stderr is dropped" {
	mkdir tmp
	run --separate-stderr env TMPDIR="$T/tmp" "$SCX_RUN" --files 'echo {}; echo err >&2' ::: a b </dev/null
	assert_success
	refute_stderr
	# GNU (-k): /tmp/parXXXXX.par twice, five letters or digits each
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp "^$T/tmp/par[0-9a-zA-Z]{5}\.par$"
	assert_line --index 1 --regexp "^$T/tmp/par[0-9a-zA-Z]{5}\.par$"
	assert_equal "$(cat "${lines[0]}")" a
	assert_equal "$(cat "${lines[1]}")" b
	# GNU: ls -l: -rw-------
	assert_equal "$(stat -c %A "${lines[0]}")" -rw-------
	assert_equal "$(ls tmp | wc -l)" 2
}

@test "gnu: --output-as-files and --outputasfiles are --files; --tag tags the name" {
	mkdir tmp
	local o
	for o in --output-as-files --outputasfiles; do
		run --separate-stderr env TMPDIR="$T/tmp" "$SCX_RUN" "$o" echo ::: a </dev/null
		assert_success
		assert_output --regexp "^$T/tmp/par[0-9a-zA-Z]{5}\.par$"
	done
	run --separate-stderr env TMPDIR="$T/tmp" "$SCX_RUN" --tag --files echo ::: a </dev/null
	assert_success
	# GNU: a<TAB>/tmp/parXXXXX.par
	assert_output --regexp "^a	$T/tmp/par[0-9a-zA-Z]{5}\.par$"
}

@test "--files with --results is refused, exit 255" {
	run --separate-stderr g --files --results res echo ::: a
	assert_usage_error "--files and --results both say where the output goes"
}

@test "--dry-run with --results or --files prints the commands and stores nothing" {
	run --separate-stderr g --dry-run --results res echo ::: a
	assert_success
	assert_output 'echo a'
	[ ! -e res ] || fail "res was made"
	run --separate-stderr g --dry-run --results out.csv echo ::: a
	assert_output 'echo a'
	[ ! -e out.csv ] || fail "out.csv was made"
}

@test "--results -.csv into a closed pipe ends quietly, as any output does (GNU: exit 141)" {
	run --separate-stderr bash -c '"$0" --results -.csv echo ::: $(seq 2000) </dev/null | head -n 1; echo "status ${PIPESTATUS[0]}"' "$SCX_RUN"
	assert_output "$(printf 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr\nstatus 141')"
	refute_stderr
}

# --- several arguments in a name, tag or stored output (review) ----------------

@test "gnu: --results 'r/{}' with two sources: {} is all the job's arguments, one file per job" {
	# GNU: r/a b, r/a c (and their .err and .seq), each holding its output.
	run --separate-stderr g --results 'r/{}' echo ::: a ::: b c
	assert_success
	assert_output ''
	assert_equal "$(files r)" 'r/a b|r/a b.err|r/a b.seq|r/a c|r/a c.err|r/a c.seq|'
	assert_equal "$(cat 'r/a b')" 'a b'
	assert_equal "$(cat 'r/a c')" 'a c'
	# -N2: GNU repeats the word around {} per argument (r/[x] r/[y]).
	run --separate-stderr g -N2 --results 'r2/[{}]' echo ::: x y
	assert_success
	assert_equal "$(files r2)" 'r2/[x] r2/[y]|r2/[x] r2/[y].err|r2/[x] r2/[y].seq|'
}

@test "gnu: --tagstring with several arguments, -N2 and an empty --tagstring" {
	run --separate-stderr g --tagstring 'T{}T' echo ::: a ::: b
	assert_output "$(printf 'Ta bT\ta b')"
	run --separate-stderr g -N2 --tagstring '<{}>' echo ::: a b
	assert_output "$(printf '<a> <b>\ta b')"
	# An empty --tagstring is no tag (Perl's false).
	run --separate-stderr g --tagstring '' echo ::: a
	assert_output a
	refute_stderr
}

@test "gnu: --files with --line-buffer or -u: the file holds the output, only its name is printed" {
	local f
	for mode in --line-buffer -u; do
		run --separate-stderr g --files "$mode" echo ::: a
		assert_success
		assert_output --regexp '^/.*/par[0-9A-Za-z]{5}\.par$'
		f=$output
		assert_equal "$(cat "$f")" a
		rm -f "$f"
	done
	# TMPDIR with a trailing slash: one slash in the name, as GNU's.
	mkdir t
	TMPDIR=$PWD/t/ run --separate-stderr g --files echo ::: a
	assert_output --regexp "^$PWD/t/par[0-9A-Za-z]{5}\.par\$"
}

@test "-v with --files or --results, -t or -v with reusable workers: one line saying why, exit 255" {
	run --separate-stderr g -v --files echo ::: a
	assert_failure 255
	assert_stderr --partial '-v with --files'
	run --separate-stderr g -v --results r echo ::: a
	assert_failure 255
	[ ! -e r ]
	printf 'a\n' >in
	run --separate-stderr "$SCX_RUN" --backend=loky -t cat <in
	assert_failure 255
	assert_stderr --partial 'reusable workers'
	run --separate-stderr "$SCX_RUN" --backend=loky -v cat <in
	assert_failure 255
	assert_output ''
}

@test "gnu: --results 'r/{}' with a 250-byte argument stores it (as GNU), and --resume finds it done" {
	local long
	long=$(printf 'x%.0s' $(seq 250))
	run --separate-stderr g --results 'r/{}' sh -c 'echo run >>marker; echo "$1"' sh ::: "$long"
	assert_success
	assert_equal "$(cat "r/$long")" "$long"
	[ -f "r/$long.err" ] && [ -f "r/$long.seq" ]
	run --separate-stderr g --resume --results 'r/{}' sh -c 'echo run >>marker; echo "$1"' sh ::: "$long"
	assert_success
	assert_equal "$(cat marker)" run
}
