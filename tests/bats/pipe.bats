#!/usr/bin/env bats
# Block mode: --pipe and --pipepart, GNU parallel's "one job per block of
# input": the input is cut into blocks of whole records, and each block is
# the stdin of a job of its own (or, with --cat / --fifo, a file under {}).
#
# Every expected output below is what GNU parallel 20221122 printed for the
# same command line on this machine (2 CPUs, SHELL=/bin/bash), recorded by
# hand; the tests do not need GNU parallel.  Each test gives GNU's command
# line as a comment.  GNU was run with -k: its output is in completion
# order otherwise, where scx-run writes in input order by default; where
# more than one job runs at once and the order could differ, the test
# passes -k as well (or sorts).
#
# GNU's --pipepart cuts a file into (jobslots x 10) parts when --block is
# not given, and into (jobslots x N) parts with --block -N: those cases give
# -j2, the jobslots of the machine where they were recorded.
#
# Where scx-run differs from GNU on purpose (a one-line error where GNU
# does something else), the test says what GNU does.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	local out
	PIPE_MPI_SKIP=
	if ! command -v mpiexec >/dev/null; then
		PIPE_MPI_SKIP="mpiexec is not installed (apt-get install openmpi-bin)"
	elif ! out=$("$SCX_RUN" --backend=mpi --info --if-serial=ignore 2>&1 </dev/null); then
		case $out in
		*"not available"*)
			PIPE_MPI_SKIP="scx-run was built without MPI: $out" ;;
		esac
	fi
	export PIPE_MPI_SKIP
}

need_mpi() {
	[ -z "${PIPE_MPI_SKIP:-}" ] || skip "$PIPE_MPI_SKIP"
}

# g ARGS...: scx-run ARGS with stdin from /dev/null, under a hang guard.
g() {
	timeout 60 "$SCX_RUN" "$@" </dev/null
}

# gmi IN ARGS...: scx-run --backend=mpi ARGS under mpiexec -n 3 (two worker
# ranks), stdin from the file IN, under a hang guard.
gmi() {
	local in=$1
	shift
	timeout 120 "${MPIEXEC[@]}" -n 3 "$SCX_RUN" --backend=mpi "$@" <"$in"
}

# lines WORD...: the words, one a line (for assert_output "$(lines ...)").
lines() {
	printf '%s\n' "$@"
}

# runs COUNT VALUE ...: VALUE COUNT times, one a line, for each pair (the
# block sizes of a long run: runs 1 5 30 3 is 5 then thirty 3s).
runs() {
	local n v i
	while [ "$#" -ge 2 ]; do
		n=$1 v=$2
		shift 2
		for ((i = 0; i < n; i++)); do
			printf '%s\n' "$v"
		done
	done
}

# The FASTA-like records of the --recstart cases: each starts with '>'.
fasta() {
	printf '>a\nAC\nGT\n>b\nTT\n>c\nGG\nCC\nAA\n' >in
}

# What GNU's -k 'echo ==; cat' prints for them, one record a job.
fasta_one_a_job() {
	lines '==' '>a' AC GT '==' '>b' TT '==' '>c' GG CC AA
}

# --- --pipe: blocks of whole lines ----------------------------------------------

@test "seq 5 | --pipe wc -l: the whole input is one block (default --block 1M)" {
	# GNU: seq 5 | parallel --pipe wc -l
	seq 5 >in
	run -0 --separate-stderr sx --pipe wc -l
	assert_output 5
	refute_stderr
}

@test "seq 5 | --pipe -N2 wc -l: two records a job" {
	# GNU: seq 5 | parallel --pipe -N2 -k wc -l
	seq 5 >in
	run -0 --separate-stderr sx --pipe -N2 wc -l
	assert_output "$(lines 2 2 1)"
	refute_stderr
}

@test "seq 10 | --pipe -N3 and -N5 --block 4: -N grows a block too small for N records, with a warning each time" {
	# GNU: seq 10 | parallel --pipe -N3 -k wc -l
	seq 10 >in
	run -0 --separate-stderr sx --pipe -N3 -k wc -l
	assert_output "$(lines 3 3 3 1)"
	refute_stderr
	# GNU: seq 10 | parallel --pipe -N5 --block 4 -k wc -l prints 5 5 and
	#   parallel: Warning: A record was longer than 4. Increasing to --blocksize 7.
	#   parallel: Warning: A record was longer than 7. Increasing to --blocksize 11.
	run -0 --separate-stderr sx --pipe -N5 --block 4 -k wc -l
	assert_output "$(lines 5 5)"
	assert_equal "${#stderr_lines[@]}" 2
	assert_stderr_line --index 0 --partial 'record was longer than 4'
	assert_stderr_line --index 0 --partial 'blocksize 7'
	assert_stderr_line --index 1 --partial 'record was longer than 7'
	assert_stderr_line --index 1 --partial 'blocksize 11'
}

@test "seq 1000 | --pipe --block 10 -k wc -l: each block filled up to 10 bytes, cut after its last newline" {
	# GNU: seq 1000 | parallel --pipe --block 10 -k wc -l
	# 5, 4, thirty 3s, four hundred and fifty 2s, 1 (1000 lines).
	seq 1000 >in
	run -0 --separate-stderr sx --pipe --block 10 -k wc -l
	assert_output "$(runs 1 5 1 4 30 3 450 2 1 1)"
	refute_stderr
}

@test "seq 10000 | --pipe --block 1k: k is 1000 bytes" {
	# GNU: seq 10000 | parallel --pipe --block 1k -k wc -l
	# (GNU's multiply_binary_prefix: k = 10^3, K = Ki = 2^10.)
	seq 10000 >in
	run -0 --separate-stderr sx --pipe --block 1k -k wc -l
	assert_output "$(runs 1 277 2 250 1 244 44 200 1 179)"
	refute_stderr
}

@test "seq 10000 | --pipe --block 2K: K is 1024 bytes" {
	# GNU: seq 10000 | parallel --pipe --block 2K -k wc -l
	seq 10000 >in
	run -0 --separate-stderr sx --pipe --block 2K -k wc -l
	assert_output "$(runs 1 539 1 501 21 409 1 371)"
	refute_stderr
}

@test "seq 5 | --pipe --block 10 wc -l: an input of exactly one block is one job" {
	# GNU: seq 5 | parallel --pipe --block 10 wc -l
	seq 5 >in
	run -0 --separate-stderr sx --pipe --block 10 wc -l
	assert_output 5
	refute_stderr
}

@test "--pipe --block 10 with a 14-byte record: the block grows to 14, with a warning, the record stays whole" {
	# GNU: printf 'a\nbbbbbbbbbbbbb\nc\n' | parallel --pipe --block 10 -k wc -c
	# prints 2 14 2 and, on stderr,
	#   parallel: Warning: A record was longer than 10. Increasing to --blocksize 14.
	printf 'a\nbbbbbbbbbbbbb\nc\n' >in
	run -0 --separate-stderr sx --pipe --block 10 -k wc -c
	assert_output "$(lines 2 14 2)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --partial 'scx-run: warning:'
	assert_stderr --partial 'record was longer than 10'
	assert_stderr --partial 'blocksize 14'
}

@test "seq 3 | --pipe --block 1: the block grows to 3 (ceil(1 x 1.3 + 1)), one line a job" {
	# GNU: seq 3 | parallel --pipe --block 1 -k wc -l prints 1 1 1 and
	#   parallel: Warning: A record was longer than 1. Increasing to --blocksize 3.
	seq 3 >in
	run -0 --separate-stderr sx --pipe --block 1 -k wc -l
	assert_output "$(lines 1 1 1)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --partial 'record was longer than 1'
	assert_stderr --partial 'blocksize 3'
}

# --- -L: records of N lines ------------------------------------------------------

@test "seq 10 | --pipe -L 3 --block 6: one 3-line record a block, the short last one alone" {
	# GNU: seq 10 | parallel --pipe -L 3 --block 6 -k 'echo ==; cat'
	seq 10 >in
	run -0 --separate-stderr sx --pipe -L 3 --block 6 -k 'echo ==; cat'
	assert_output "$(lines == 1 2 3 == 4 5 6 == 7 8 9 == 10)"
	refute_stderr
}

@test "seq 10 | --pipe -L 3: the whole 3-line records in one block, the incomplete one in a job of its own" {
	# GNU: seq 10 | parallel --pipe -L 3 -k 'echo ==; cat'
	# (the same with --block 100)
	seq 10 >in
	run -0 --separate-stderr sx --pipe -L 3 -k 'echo ==; cat'
	assert_output "$(lines == 1 2 3 4 5 6 7 8 9 == 10)"
	refute_stderr
}

@test "seq 10 | --pipe -L 2 -N 2: N records of L lines a job" {
	# GNU: seq 10 | parallel --pipe -L 2 -N 2 -k 'echo ==; cat'
	seq 10 >in
	run -0 --separate-stderr sx --pipe -L 2 -N 2 -k 'echo ==; cat'
	assert_output "$(lines == 1 2 3 4 == 5 6 7 8 == 9 10)"
	refute_stderr
	# GNU: seq 10 | parallel --pipe -L 3 -N1 -k 'echo ==; cat'
	run -0 --separate-stderr sx --pipe -L 3 -N1 -k 'echo ==; cat'
	assert_output "$(lines == 1 2 3 == 4 5 6 == 7 8 9 == 10)"
	refute_stderr
}

# --- --recstart, --recend, --regexp ------------------------------------------

@test "--pipe --recstart '>' -N1: one multi-line record a job" {
	# GNU: parallel --pipe --recstart '>' -N1 -k 'echo ==; cat' <in
	fasta
	run -0 --separate-stderr sx --pipe --recstart '>' -N1 -k 'echo ==; cat'
	assert_output "$(fasta_one_a_job)"
	refute_stderr
}

@test "--pipe --recstart '>' -N2: two records a job" {
	# GNU: parallel --pipe --recstart '>' -N2 -k 'echo ==; cat' <in
	fasta
	run -0 --separate-stderr sx --pipe --recstart '>' -N2 -k 'echo ==; cat'
	assert_output "$(lines == '>a' AC GT '>b' TT == '>c' GG CC AA)"
	refute_stderr
}

@test "--pipe --recstart '>' --block 10: blocks cut before a '>', the block grows past the 11-byte record" {
	# GNU: parallel --pipe --recstart '>' --block 10 -k 'echo ==; cat' <in
	# and parallel: Warning: A record was longer than 10. Increasing to --blocksize 14.
	fasta
	run -0 --separate-stderr sx --pipe --recstart '>' --block 10 -k 'echo ==; cat'
	assert_output "$(fasta_one_a_job)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --partial 'record was longer than 10'
}

@test "--pipe --recend 'END\\n' -N1: records end with END and a newline (\\n is the printf escape)" {
	# GNU: printf 'x\ny\nEND\nz\nEND\nw\nq\nEND\n' |
	#      parallel --pipe --recend 'END\n' -N1 -k 'echo ==; cat'
	# (the same blocks with --block 8 in place of -N1)
	printf 'x\ny\nEND\nz\nEND\nw\nq\nEND\n' >in
	run -0 --separate-stderr sx --pipe --recend 'END\n' -N1 -k 'echo ==; cat'
	assert_output "$(lines == x y END == z END == w q END)"
	refute_stderr
	run -0 --separate-stderr sx --pipe --recend 'END\n' --block 8 -k 'echo ==; cat'
	assert_output "$(lines == x y END == z END == w q END)"
	refute_stderr
}

@test "--pipe --recstart S --recend 'E\\n' -N1: both must match at a cut" {
	# GNU: printf 'S1\nx\nE\nS2\ny\nE\nS3\nE\n' |
	#      parallel --pipe --recstart 'S' --recend 'E\n' -N1 -k 'echo ==; cat'
	printf 'S1\nx\nE\nS2\ny\nE\nS3\nE\n' >in
	run -0 --separate-stderr sx --pipe --recstart S --recend 'E\n' -N1 -k 'echo ==; cat'
	assert_output "$(lines == S1 x E == S2 y E == S3 E)"
	refute_stderr
}

@test "--pipe --regexp --recend '[0-9]<newline>' -N1: a record ends with a line ending in a digit" {
	# GNU: printf 'a1\nb\nc2\nd3\ne\nf\ng4\nh\n' |
	#      parallel --pipe --regexp --recend '[0-9]
	#      ' -N1 -k 'echo ==; cat'
	# (a real newline in the regex, which means the same in ERE and Perl;
	# GNU prints the same for --recend '[0-9]\n', Perl's \n)
	printf 'a1\nb\nc2\nd3\ne\nf\ng4\nh\n' >in
	run -0 --separate-stderr sx --pipe --regexp --recend $'[0-9]\n' -N1 -k 'echo ==; cat'
	assert_output "$(lines == a1 == b c2 == d3 == e f g4 == h)"
	refute_stderr
}

@test "--pipe --regexp --recstart '[>@]' -N1: a record starts with > or @" {
	# GNU: parallel --pipe --regexp --recstart '[>@]' -N1 -k 'echo ==; cat' <in
	# (GNU prints the same for --recstart '^>', Perl's ^ at a line start)
	fasta
	run -0 --separate-stderr sx --pipe --regexp --recstart '[>@]' -N1 -k 'echo ==; cat'
	assert_output "$(fasta_one_a_job)"
	refute_stderr
}

# --- --header ---------------------------------------------------------------------

@test "--pipe --header 1 -N1: the header line heads every block" {
	# GNU: printf 'h1,h2\n1,2\n3,4\n5,6\n' | parallel --pipe --header 1 -N1 -k cat
	printf 'h1,h2\n1,2\n3,4\n5,6\n' >in
	run -0 --separate-stderr sx --pipe --header 1 -N1 -k cat
	assert_output "$(lines h1,h2 1,2 h1,h2 3,4 h1,h2 5,6)"
	refute_stderr
}

@test "--pipe --header : -N2 and --header 1 -N2: the same (':' is one line)" {
	# GNU: printf 'h1,h2\n1,2\n3,4\n5,6\n' | parallel --pipe --header : -N2 -k 'echo ==; cat'
	# (and the same with --header 1)
	printf 'h1,h2\n1,2\n3,4\n5,6\n' >in
	run -0 --separate-stderr sx --pipe --header : -N2 -k 'echo ==; cat'
	assert_output "$(lines == h1,h2 1,2 3,4 == h1,h2 5,6)"
	refute_stderr
	run -0 --separate-stderr sx --pipe --header 1 -N2 -k 'echo ==; cat'
	assert_output "$(lines == h1,h2 1,2 3,4 == h1,h2 5,6)"
	refute_stderr
}

@test "--pipe --header 2 -N2: two header lines; --header 1 --block 8" {
	# GNU: printf 'h1\nh2\n1\n2\n3\n' | parallel --pipe --header 2 -N2 -k 'echo ==; cat'
	printf 'h1\nh2\n1\n2\n3\n' >in
	run -0 --separate-stderr sx --pipe --header 2 -N2 -k 'echo ==; cat'
	assert_output "$(lines == h1 h2 1 2 == h1 h2 3)"
	refute_stderr
	# GNU: printf 'h1,h2\n1,2\n3,4\n5,6\n' | parallel --pipe --header 1 --block 8 -k 'echo ==; cat'
	printf 'h1,h2\n1,2\n3,4\n5,6\n' >in
	run -0 --separate-stderr sx --pipe --header 1 --block 8 -k 'echo ==; cat'
	assert_output "$(lines == h1,h2 1,2 3,4 == h1,h2 5,6)"
	refute_stderr
}

@test "--pipe --header 1 with only the header: no job runs" {
	# GNU: printf 'h1,h2\n' | parallel --pipe --header 1 -k 'echo ==; cat'
	# prints nothing, exit 0.
	printf 'h1,h2\n' >in
	run -0 --separate-stderr sx --pipe --header 1 -k 'echo ==; cat'
	assert_output ''
	refute_stderr
}

# --- --pipepart -a FILE -------------------------------------------------------

@test "--pipepart -a FILE --block -1 -j2: one part a job slot, cut after a newline" {
	# GNU: parallel --pipepart -a s1000 --block -1 -k -j2 wc -l (seq 1000 >s1000)
	# (--block 1 + int(3893 / 2 / 1) = 1947 bytes: 514 lines, then 486)
	seq 1000 >s1000
	run -0 --separate-stderr g --pipepart -a s1000 --block -1 -k -j2 wc -l
	assert_output "$(lines 514 486)"
	refute_stderr
}

@test "--pipepart -a FILE --block -1: the counts add up to the file's lines" {
	# GNU: parallel --pipepart -a s1000 --block -1 wc -l: 514 486 on 2 CPUs
	seq 1000 >s1000
	run -0 --separate-stderr g --pipepart -a s1000 --block -1 wc -l
	local n sum=0
	for n in "${lines[@]}"; do
		sum=$((sum + n))
	done
	assert_equal "$sum" 1000
	refute_stderr
}

@test "--pipepart -a FILE --block 5 on seq 10: parts 3 3 3 1" {
	# GNU: parallel --pipepart -a s10 --block 5 -k wc -l (seq 10 >s10)
	seq 10 >s10
	run -0 --separate-stderr g --pipepart -a s10 --block 5 -k wc -l
	assert_output "$(lines 3 3 3 1)"
	refute_stderr
}

@test "--pipepart -a FILE -j2 without --block: ten parts a job slot" {
	# GNU: parallel --pipepart -a s10 -j2 -k wc -l: 2 2 2 2 2
	# (--block 1 + int(21 / 2 / 10) = 2 bytes: each cut after the next newline)
	seq 10 >s10
	run -0 --separate-stderr g --pipepart -a s10 -j2 -k wc -l
	assert_output "$(lines 2 2 2 2 2)"
	refute_stderr
	# GNU: parallel --pipepart -a s1000 -j2 -k wc -l
	seq 1000 >s1000
	run -0 --separate-stderr g --pipepart -a s1000 -j2 -k wc -l
	assert_output "$(runs 1 69 1 57 17 49 1 41)"
	refute_stderr
}

@test "--pipepart -a FILE --block -2 -j2 on seq 10: 4 4 2" {
	# GNU: parallel --pipepart -a s10 --block -2 -k -j2 wc -l
	seq 10 >s10
	run -0 --separate-stderr g --pipepart -a s10 --block -2 -k -j2 wc -l
	assert_output "$(lines 4 4 2)"
	refute_stderr
}

@test "--pipepart -a FILE --header 1: the header heads every part" {
	# GNU: parallel --pipepart -a csv --header 1 --block 4 -k 'echo ==; cat'
	printf 'h1,h2\n1,2\n3,4\n5,6\n' >csv
	run -0 --separate-stderr g --pipepart -a csv --header 1 --block 4 -k 'echo ==; cat'
	assert_output "$(lines == h1,h2 1,2 3,4 == h1,h2 5,6)"
	refute_stderr
	# GNU: parallel --pipepart -a csv -j2 --header 1 -k 'echo ==; cat'
	run -0 --separate-stderr g --pipepart -a csv -j2 --header 1 -k 'echo ==; cat'
	assert_output "$(lines == h1,h2 1,2 == h1,h2 3,4 == h1,h2 5,6)"
	refute_stderr
}

@test "--pipepart -a FILE --recstart '>' --block 3 and --recend 'END\\n' --block 1" {
	# GNU: parallel --pipepart -a in --recstart '>' --block 3 -k 'echo ==; cat'
	fasta
	run -0 --separate-stderr g --pipepart -a in --recstart '>' --block 3 -k 'echo ==; cat'
	assert_output "$(fasta_one_a_job)"
	refute_stderr
	# GNU: parallel --pipepart -a en --recend 'END\n' --block 1 -k 'echo ==; cat'
	printf 'x\nEND\ny\nz\nEND\nw\nEND\n' >en
	run -0 --separate-stderr g --pipepart -a en --recend 'END\n' --block 1 -k 'echo ==; cat'
	assert_output "$(lines == x END == y z END == w END)"
	refute_stderr
}

@test "--pipepart -a EMPTY: no job runs" {
	# GNU: parallel --pipepart -a empty -k wc -l prints nothing, exit 0
	# (the same with --block 5).
	: >empty
	run -0 --separate-stderr g --pipepart -a empty -k wc -l
	assert_output ''
	refute_stderr
	run -0 --separate-stderr g --pipepart -a empty --block 5 -k wc -l
	assert_output ''
	refute_stderr
}

@test "--pipepart -a FILE -a FILE: each file cut on its own" {
	# GNU: parallel --pipepart -a s10 -a s10 --block 12 -k wc -l
	seq 10 >s10
	run -0 --separate-stderr g --pipepart -a s10 -a s10 --block 12 -k wc -l
	assert_output "$(lines 7 3 7 3)"
	refute_stderr
}

# --- --cat and --fifo: the block in a file under {} ------------------------------

@test "--pipe --cat 'cat {}': {} is a file holding the block" {
	# GNU: seq 3 | TMPDIR=$PWD/tmp parallel --pipe --cat -k 'cat {}'
	seq 3 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --cat -k 'cat {}'
	assert_output "$(lines 1 2 3)"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipe --cat wc -l: without {} the file name is the last argument, in \$TMPDIR, removed after the job" {
	# GNU: seq 3 | TMPDIR=$PWD/tmp parallel --pipe --cat -k wc -l
	# prints "3 $PWD/tmp/parVaFsG" (a random name), and tmp is empty after.
	seq 3 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --cat -k wc -l
	assert_output --regexp "^3 $T/tmp/[^/ ]+\$"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipe -N2 --cat 'echo {}': a file a block, each removed" {
	# GNU: seq 5 | TMPDIR=$PWD/tmp parallel --pipe -N2 --cat -k 'echo {}'
	# prints three names in tmp (parSzZmj, parGs9aY, parPzR3U), tmp empty after.
	seq 5 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe -N2 --cat -k 'echo {}'
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp "^$T/tmp/[^/ ]+\$"
	assert_line --index 1 --regexp "^$T/tmp/[^/ ]+\$"
	assert_line --index 2 --regexp "^$T/tmp/[^/ ]+\$"
	[ "${lines[0]}" != "${lines[1]}" ] && [ "${lines[1]}" != "${lines[2]}" ] &&
		[ "${lines[0]}" != "${lines[2]}" ] || fail "two blocks shared a file: ${lines[*]}"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipe --cat: {} is a regular file, and the job's stdin is empty" {
	# GNU: seq 3 | parallel --pipe --cat -k 'test -f {} && echo file'
	seq 3 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --cat -k 'test -f {} && echo file'
	assert_output file
	refute_stderr
	# GNU: seq 3 | parallel --pipe --cat -k 'wc -l; cat {}'
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --cat -k 'wc -l; cat {}'
	assert_output "$(lines 0 1 2 3)"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipe --fifo 'cat {}': {} is a named pipe carrying the block" {
	# GNU: seq 3 | TMPDIR=$PWD/tmp parallel --pipe --fifo -k 'cat {}'
	seq 3 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --fifo -k 'cat {}'
	assert_output "$(lines 1 2 3)"
	refute_stderr
	# GNU: seq 3 | parallel --pipe --fifo -k 'test -p {} && echo fifo; cat {} >/dev/null'
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --fifo -k 'test -p {} && echo fifo; cat {} >/dev/null'
	assert_output fifo
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipe --fifo wc -l: without {} the fifo's name is the last argument, removed after the job" {
	# GNU: seq 3 | TMPDIR=$PWD/tmp parallel --pipe --fifo -k wc -l
	# prints "3 $PWD/tmp/par9q2Z8", tmp empty after.
	seq 3 >in
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr sx --pipe --fifo -k wc -l
	assert_output --regexp "^3 $T/tmp/[^/ ]+\$"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

@test "--pipepart --cat: the part in a file" {
	# GNU: parallel --pipepart -a s10 --block 5 --cat -k 'wc -l <{}'
	seq 10 >s10
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr g --pipepart -a s10 --block 5 --cat -k 'wc -l <{}'
	assert_output "$(lines 3 3 3 1)"
	refute_stderr
	run ls -A tmp
	assert_output ''
}

# --- -0 ----------------------------------------------------------------------------

@test "--pipe -0 -N1: -0 does not change the records, they still end with a newline" {
	# GNU: printf 'a\nb\0c\nd\0' | parallel --pipe -0 -N1 -k 'od -An -tx1'
	printf 'a\nb\0c\nd\0' >in
	run -0 --separate-stderr sx --pipe -0 -N1 -k 'od -An -tx1'
	assert_output "$(lines ' 61 0a' ' 62 00 63 0a' ' 64 00')"
	refute_stderr
	# GNU: printf 'a\0b\0c\0' | parallel --pipe -0 -N1 -k 'od -An -tx1': one job
	printf 'a\0b\0c\0' >in
	run -0 --separate-stderr sx --pipe -0 -N1 -k 'od -An -tx1'
	assert_output ' 61 00 62 00 63 00'
	refute_stderr
}

@test "--pipe --recend '\\0' -N1: records that end with a NUL byte" {
	# GNU: printf 'a\nb\0c\nd\0' | parallel --pipe --recend '\0' -N1 -k 'od -An -tx1'
	printf 'a\nb\0c\nd\0' >in
	run -0 --separate-stderr sx --pipe --recend '\0' -N1 -k 'od -An -tx1'
	assert_output "$(lines ' 61 0a 62 00' ' 63 0a 64 00')"
	refute_stderr
	# GNU: printf 'a\0b\0c\0' | parallel --pipe -0 --recend '\0' -N1 -k 'od -An -tx1'
	printf 'a\0b\0c\0' >in
	run -0 --separate-stderr sx --pipe -0 --recend '\0' -N1 -k 'od -An -tx1'
	assert_output "$(lines ' 61 00' ' 62 00' ' 63 00')"
	refute_stderr
}

# --- replacement strings --------------------------------------------------------

@test "--pipe -N2 'echo {#}; cat': {#} is the block's number" {
	# GNU: seq 6 | parallel --pipe -N2 -k 'echo {#}; cat'
	seq 6 >in
	run -0 --separate-stderr sx --pipe -N2 -k 'echo {#}; cat'
	assert_output "$(lines 1 1 2 2 3 4 3 5 6)"
	refute_stderr
}

@test "--pipe -N2 -j1 'echo {#} {%}; cat': {%} is the job slot" {
	# GNU: seq 6 | parallel --pipe -N2 -k -j1 'echo {#} {%}; cat'
	seq 6 >in
	run -0 --separate-stderr sx --pipe -N2 -k -j1 'echo {#} {%}; cat'
	assert_output "$(lines '1 1' 1 2 '2 1' 3 4 '3 1' 5 6)"
	refute_stderr
}

@test "--pipe echo {} x: {} is empty without --cat; nothing is appended to the command" {
	# GNU: seq 2 | parallel --pipe -k 'echo {} x' prints " x"
	seq 2 >in
	run -0 --separate-stderr sx --pipe -k 'echo {} x'
	assert_output ' x'
	refute_stderr
	# GNU: seq 2 | parallel --pipe -k echo {} x prints " x" (bytes 20 78 0a)
	run -0 --separate-stderr sx --pipe -k echo '{}' x
	assert_output ' x'
	refute_stderr
	# GNU: seq 4 | parallel --pipe -N2 -k echo x prints x x
	seq 4 >in
	run -0 --separate-stderr sx --pipe -N2 -k echo x
	assert_output "$(lines x x)"
	refute_stderr
}

# --- with other options ---------------------------------------------------------

@test "--pipe -N2 --tag cat: the tag is the job's (empty) argument, then a tab" {
	# GNU: seq 4 | parallel --pipe -N2 -k --tag cat (bytes: \t1\n\t2\n\t3\n\t4\n)
	seq 4 >in
	run -0 --separate-stderr sx --pipe -N2 -k --tag cat
	assert_output "$(printf '\t1\n\t2\n\t3\n\t4')"
	refute_stderr
}

@test "--pipe -N2 --tagstring 'j{#}' cat" {
	# GNU: seq 4 | parallel --pipe -N2 -k --tagstring 'j{#}' cat
	seq 4 >in
	run -0 --separate-stderr sx --pipe -N2 -k --tagstring 'j{#}' cat
	assert_output "$(printf 'j1\t1\nj1\t2\nj2\t3\nj2\t4')"
	refute_stderr
}

@test "--pipe -N2 --joblog: a row a block" {
	# GNU: seq 5 | parallel --pipe -N2 -k --joblog jl wc -l
	# jl: the header and 3 rows, Seq 1 2 3, Exitval 0, Command "wc -l".
	seq 5 >in
	run -0 --separate-stderr sx --pipe -N2 -k --joblog jl wc -l
	assert_output "$(lines 2 2 1)"
	refute_stderr
	run -0 cut -f1,7,9 jl
	assert_output "$(printf 'Seq\tExitval\tCommand\n1\t0\twc -l\n2\t0\twc -l\n3\t0\twc -l')"
}

@test "--pipe -N2 --joblog: Send is the block's bytes, Receive the job's output bytes" {
	# GNU: seq 5 | parallel --pipe -N2 -k --joblog jl wc -l
	# Send 4 4 2, Receive 2 2 2.
	seq 5 >in
	run -0 --separate-stderr sx --pipe -N2 -k --joblog jl wc -l
	run -0 cut -f1,5,6 jl
	assert_output "$(printf 'Seq\tSend\tReceive\n1\t4\t2\n2\t4\t2\n3\t2\t2')"
}

@test "--pipe -N2 --as-completed wc -l: every block's output (sorted)" {
	# GNU (completion order is its default): seq 5 | parallel --pipe -N2 wc -l | sort
	seq 5 >in
	run -0 --separate-stderr sx --pipe -N2 --as-completed wc -l
	assert_equal "$(sort <<<"$output")" "$(lines 1 2 2)"
	refute_stderr
}

@test "--pipe -N2, a failing block: the others' output, exit status the number of failed jobs" {
	# GNU: seq 6 | parallel --pipe -N2 -k 'b=$(cat); case $b in *3*) exit 1;; esac; echo "$b"'
	# prints 1 2 5 6, exit 1.
	seq 6 >in
	run -1 --separate-stderr sx --pipe -N2 -k 'b=$(cat); case $b in *3*) exit 1;; esac; echo "$b"'
	assert_output "$(lines 1 2 5 6)"
	# GNU: seq 10 | parallel --pipe -N2 -k 'b=$(cat); case $b in *[37]*) exit 1;; esac; echo "$b"'
	# prints 1 2 5 6 9 10, exit 2.
	seq 10 >in
	run -2 --separate-stderr sx --pipe -N2 -k 'b=$(cat); case $b in *[37]*) exit 1;; esac; echo "$b"'
	assert_output "$(lines 1 2 5 6 9 10)"
	# GNU: seq 6 | parallel --pipe -N2 -k -j1 'b=$(cat); case $b in *3*) exit 5;; esac; echo "$b"'
	# prints 1 2 5 6, exit 1.
	seq 6 >in
	run -1 --separate-stderr sx --pipe -N2 -k -j1 'b=$(cat); case $b in *3*) exit 5;; esac; echo "$b"'
	assert_output "$(lines 1 2 5 6)"
}

@test "--pipe -N2 -j1 --halt now,fail=1: stops at the failing block, with its exit status" {
	# GNU: seq 6 | parallel --pipe -N2 -k -j1 --halt now,fail=1 'b=$(cat); case $b in *3*) exit 1;; esac; echo "$b"'
	# prints 1 2, exit 1 (and "parallel: This job failed:" on stderr).
	seq 6 >in
	run -1 --separate-stderr sx --pipe -N2 -k -j1 --halt now,fail=1 'b=$(cat); case $b in *3*) exit 1;; esac; echo "$b"'
	assert_output "$(lines 1 2)"
	# GNU: the same with exit 5: prints 1 2, exit 5.
	run -5 --separate-stderr sx --pipe -N2 -k -j1 --halt now,fail=1 'b=$(cat); case $b in *3*) exit 5;; esac; echo "$b"'
	assert_output "$(lines 1 2)"
}

@test "--pipe -N2 --retries 2: a block that failed once is given again whole" {
	# GNU: seq 4 | parallel --pipe -N2 -k -j1 --retries 2 'b=$(cat); if [ ! -e m ]; then touch m; exit 1; fi; echo "{#}:$b"'
	# prints 1:1 2 2:3 4, exit 0.
	seq 4 >in
	run -0 --separate-stderr sx --pipe -N2 -k -j1 --retries 2 'b=$(cat); if [ ! -e m ]; then touch m; exit 1; fi; echo "{#}:$b"'
	assert_output "$(lines 1:1 2 2:3 4)"
	refute_stderr
}

@test "--pipe -N2 --retries 3: each of the 3 tries of a failing block gets the whole block" {
	# GNU: seq 4 | parallel --pipe -N2 -k -j1 --retries 3 'b=$(cat); printf "%s;" $b >>cnt; case $b in *3*) exit 3;; esac; echo "$b"'
	# prints 1 2, exit 1; cnt: 1;2;3;4;3;4;3;4;
	seq 4 >in
	run -1 --separate-stderr sx --pipe -N2 -k -j1 --retries 3 'b=$(cat); printf "%s;" $b >>cnt; case $b in *3*) exit 3;; esac; echo "$b"'
	assert_output "$(lines 1 2)"
	run -0 cat cnt
	assert_output '1;2;3;4;3;4;3;4;'
}

@test "--pipe -N2 --timeout 1: the block's job that does not end is killed, the others' output stays" {
	# GNU: seq 4 | parallel --pipe -N2 -k --timeout 1 'b=$(cat); case $b in *3*) sleep 10;; esac; echo "$b"'
	# prints 1 2, exit 1, and on stderr
	#   parallel: Warning: This job was killed because it timed out:
	make_marked_sleep
	export SLEEP MARKER
	seq 4 >in
	run -1 --separate-stderr sx --pipe -N2 -k --timeout 1 'b=$(cat); case $b in *3*) "$SLEEP" 30;; esac; echo "$b"'
	assert_output "$(lines 1 2)"
}

# --- where the input comes from ---------------------------------------------------

@test "--pipe -a FILE: the file is the input that is cut (a difference from GNU, on purpose)" {
	# GNU: seq 3 | parallel --pipe -a s10 wc -l prints 3: GNU 20221122
	# still cuts stdin and takes -a as an argument source (with -N2 its
	# lines land in the commands).  Issue 15 asks for -a FILE as the
	# input of --pipe, and the README says so: s10's 10 lines, not
	# stdin's 3.
	seq 10 >s10
	seq 3 >in
	run -0 --separate-stderr sx --pipe -a s10 wc -l
	assert_output 10
	refute_stderr
	run -0 --separate-stderr "$SCX_RUN" --pipe -a s10 -N4 -k wc -l </dev/null
	assert_output "$(lines 4 4 2)"
}

@test "--pipe with empty input: no job runs, exit 0" {
	# GNU: printf '' | parallel --pipe wc -l prints nothing, exit 0 (the
	# same for 'echo ran', -N1 'echo ran' and --header 1 'echo ran').
	: >in
	run -0 --separate-stderr sx --pipe wc -l
	assert_output ''
	refute_stderr
	run -0 --separate-stderr sx --pipe 'echo ran'
	assert_output ''
	refute_stderr
	run -0 --separate-stderr sx --pipe -N1 'echo ran'
	assert_output ''
	refute_stderr
}

@test "--pipe with no final newline: the last record is passed as it is" {
	# GNU: printf 'a\nb' | parallel --pipe 'od -An -tx1'
	printf 'a\nb' >in
	run -0 --separate-stderr sx --pipe 'od -An -tx1'
	assert_output ' 61 0a 62'
	refute_stderr
	# GNU: printf 'a\nb' | parallel --pipe -N1 -k 'od -An -tx1' (the same with -L1)
	run -0 --separate-stderr sx --pipe -N1 -k 'od -An -tx1'
	assert_output "$(lines ' 61 0a' ' 62')"
	refute_stderr
	run -0 --separate-stderr sx --pipe -L1 -k 'od -An -tx1'
	assert_output "$(lines ' 61 0a' ' 62')"
	refute_stderr
}

# --- backends ---------------------------------------------------------------------

@test "loky: --backend=loky refuses --pipe in one line, exit 255 (a block is a process's whole stdin)" {
	# Reusable workers answer per item; a block is the stdin of a process
	# of its own (the default backend, or mpi).  GNU has no backends.
	seq 5 >in
	run -255 --separate-stderr lk in --pipe -N2 -k wc -l
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_line --index 0 --partial "--pipe: a block is the stdin of a process of its own"
	run -255 --separate-stderr lk in --pipepart -a in wc -l
	assert_stderr_line --index 0 --partial "--pipepart"
}

@test "mpi: mpiexec -n 3 scx-run --backend=mpi --pipe -N2 -k wc -l: GNU's (multiprocess) output" {
	# MPI, two worker ranks.  GNU: seq 5 | parallel --pipe -N2 -k wc -l
	need_mpi
	seq 5 >in
	run -0 --separate-stderr gmi in --pipe -N2 -k wc -l <in
	assert_output "$(lines 2 2 1)"
}

@test "mpi: --backend=mpi --pipe --recstart '>' -N1 'echo ==; cat'" {
	# MPI.  GNU: parallel --pipe --recstart '>' -N1 -k 'echo ==; cat' <in
	need_mpi
	fasta
	run -0 --separate-stderr gmi in --pipe --recstart '>' -N1 -k 'echo ==; cat' <in
	assert_output "$(fasta_one_a_job)"
}

# --- errors -------------------------------------------------------------------------

@test "--pipepart without -a: a one-line error, exit 255" {
	# GNU: seq 3 | parallel --pipepart wc -l prints nothing and exits 0;
	# scx-run refuses it.
	seq 3 >in
	run --separate-stderr sx --pipepart wc -l
	assert_usage_error --pipepart
}

@test "--pipepart -a <(seq 3): not a seekable file, exit 255" {
	# GNU: parallel --pipepart -a <(seq 3) wc -l, exit 255:
	#   parallel: Error: /dev/fd/63 is neither a file nor a block device
	run --separate-stderr g --pipepart -a <(seq 3) wc -l
	assert_usage_error /dev/fd/
}

@test "--pipepart -a MISSING: exit 255" {
	# GNU: parallel --pipepart -a nonexist wc -l, exit 255:
	#   parallel: Error: File not found: nonexist
	run --separate-stderr g --pipepart -a nonexist wc -l
	assert_failure 255
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr --partial nonexist
}

@test "--pipepart -N2: exit 255" {
	# GNU: parallel --pipepart -a s10 -N2 -k wc -l, exit 255:
	#   parallel: Error: --pipepart is incompatible with --max-replace-args, --max-lines, and -L.
	seq 10 >s10
	run --separate-stderr g --pipepart -a s10 -N2 -k wc -l
	assert_usage_error --pipepart
}

@test "--pipe --block x: not a size, exit 255" {
	# GNU: seq 3 | parallel --pipe --block x wc -l, exit 255 (Perl dies:
	#   Illegal modulus zero at /usr/bin/parallel line 1065.)
	seq 3 >in
	run --separate-stderr sx --pipe --block x wc -l
	assert_usage_error --block x
}

@test "--pipe --block -1: one block per job slot of a regular file; from a pipe, exit 255" {
	# GNU: seq 3 | parallel --pipe --block -1 wc -l, exit 255 (Perl dies:
	#   Negative length at /usr/bin/parallel line 1073.
	#   	...propagated at /usr/bin/parallel line 1086.)
	# Issue 15 asks for --block -1 as one block per slot for a known size:
	# GNU's --pipepart formula, 1 + size / slots / 1 = 1 + 20 / 2 = 11
	# bytes of seq 10 -> blocks of 5 lines (10 bytes; the 11th byte would
	# cut a line) and 5.
	seq 10 >in
	run -0 --separate-stderr sx -j2 --pipe --block -1 -k wc -l
	assert_output "$(lines 5 5)"
	run --separate-stderr bash -c 'seq 10 | "$1" -j2 --pipe --block -1 wc -l' sh "$SCX_RUN"
	assert_failure 255
	assert_stderr_line --index 0 --partial "--block -N: the input's size is not known"
}

@test "--pipe --block 0: GNU's default block (1M)" {
	# GNU: seq 3 | parallel --pipe --block 0 wc -l prints 3, exit 0
	# (--block 0 is false in Perl: "$opt::blocksize || '1M'").
	seq 3 >in
	run -0 --separate-stderr sx --pipe --block 0 wc -l
	assert_output 3
	refute_stderr
}

# --- cases found while merging (scx-run's own behaviour) ---------------------------

@test "--pipe with a command that is not found: each block fails with 127, exit 1, no crash" {
	# GNU: seq 3 | parallel --pipe nosuchcommand-x: exit 1 (one job
	# failed), "/usr/bin/bash: line 1: nosuchcommand-x: command not found".
	seq 3 >in
	run --separate-stderr sx --pipe nosuchcommand-x
	assert_failure 1
	assert_output ''
	assert_stderr --partial "nosuchcommand-x: command not found"
	run --separate-stderr sx --pipe -N1 --cat nosuchcommand-x
	assert_failure 3
}

@test "--pipe --results DIR: each block's result in a directory of its own (DIR/1/SEQ)" {
	# GNU 20221122 writes every block's result to the same place, one over
	# the other; scx-run names each block's directory by its number.
	seq 6 >in
	run -0 --separate-stderr sx --pipe -N2 --results res wc -l
	assert_output ''
	assert_equal "$(cat res/1/1/stdout res/1/2/stdout res/1/3/stdout)" "$(lines 2 2 2)"
	assert_equal "$(cat res/1/3/seq)" 3
}

@test "--header REGEX with \\n, as GNU's Perl: the leading comment lines head every block" {
	# GNU: printf '#a\n#b\nx\ny\n' | parallel --pipe --header '(#.*\n)*' -N1 -k cat
	printf '#a\n#b\nx\ny\n' >in
	run -0 --separate-stderr sx --pipe --header '(#.*\n)*' -N1 -k cat
	assert_output "$(lines '#a' '#b' x '#a' '#b' y)"
}

@test "--cat and --fifo: an interrupted run (SIGINT) leaves no temporary file behind" {
	# The job's wrapper is killed before it can remove its file; scx-run
	# removes it when the job's end is reported.
	local via
	make_marked_sleep
	for via in --cat --fifo; do
		rm -rf tmp started out err
		mkdir tmp started
		seq 20 >in
		TMPDIR=$PWD/tmp start_bg -j2 --pipe -N5 "$via" \
			"touch started/{#}; $SLEEP 60 <{}"
		wait_started 2 jobs
		kill -INT "$PID"
		wait "$PID" || true
		run ls -A tmp
		assert_output ''
		! pgrep -f "$MARKER" >/dev/null || fail "$via: a job outlived the run"
	done
}

# --- found in review (each failed before its fix) ------------------------------------

@test "--pipe --line-buffer --tag: the tag is empty, as GNU's (it read past a one-byte string)" {
	# GNU: seq 10 | parallel -k --pipe -N3 --line-buffer --tag 'wc -l'
	seq 10 >in
	run -0 --separate-stderr sx -k --pipe -N3 --line-buffer --tag 'wc -l'
	assert_output "$(printf '\t3\n\t3\n\t3\n\t1')"
}

@test "--pipe with --colsep or --trim: blocks, not lines (every byte was lost)" {
	# GNU: seq 5 | parallel -k --pipe --colsep , wc -l prints 5
	seq 5 >in
	run -0 --separate-stderr sx -k --pipe --colsep , wc -l
	assert_output 5
	run -0 --separate-stderr sx -k --pipe --trim lr wc -l
	assert_output 5
}

@test "--recstart alone: a record ends anywhere before it, not only at a newline" {
	# GNU: printf 'Xa b Xc d Xe\nXf\n' | parallel -k --pipe --recstart X -N1 'cat; echo "|"'
	printf 'Xa b Xc d Xe\nXf\n' >in
	run -0 --separate-stderr sx -k --pipe --recstart X -N1 'cat; echo "|"'
	assert_output "$(printf 'Xa b |\nXc d |\nXe\n|\nXf\n|')"
	# GNU: seq 100000 | parallel -k --pipe --recstart 1 --block 10k wc -c | wc -l
	seq 100000 >in
	run -0 --separate-stderr sx -k --pipe --recstart 1 --block 10k wc -c
	assert_equal "${#lines[@]}" 59
}

@test "--pipepart with several -a: the parts are sized from all the files together" {
	# GNU: parallel -k -j3 --pipepart -a m1 -a m2 wc -c (seq 20000, seq 3000)
	seq 20000 >m1
	seq 3000 >m2
	run -0 --separate-stderr "$SCX_RUN" -k -j3 --pipepart -a m1 -a m2 wc -c
	assert_equal "$(echo $output)" "4098 4095 4095 4095 4095 4095 4095 4095 4095 4095 4095 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 4098 2376 4098 4095 4095 1605"
}
