#!/usr/bin/env bats
# The command line itself: option words taken exactly, GNU parallel's
# names and aliases, GNU parallel's options that scx-run refuses, the
# values of the options of several arguments per job, and where the
# command ends and the input sources begin.  Expected outputs marked
# "GNU" are what GNU parallel 20221122 prints for the same command line.

bats_require_minimum_version 1.5.0
load helper

# opt ARGS...: scx-run ARGS with one item on stdin, for the options that
# are refused before anything runs.
opt() {
	printf 'item\n' >in
	run --separate-stderr timeout 20 "$SCX_RUN" "$@" <in
}

# dry ARGS...: the commands scx-run --dry-run ARGS prints, stdin empty.
dry() {
	run --separate-stderr timeout 20 "$SCX_RUN" --dry-run "$@" </dev/null
}

# The names of refused_table in cmd/scx-run.c (one entry a line).
refused_names() {
	sed -n '/refused_table\[\] = {/,/^};/p' "$ROOT/cmd/scx-run.c" |
		grep -o '^	{ "[a-z_-]*"' | grep -o '[a-z_-]*'
}

# refused_letters: the letters of refused_table's entries.
refused_letters() {
	sed -n '/refused_table\[\] = {/,/^};/p' "$ROOT/cmd/scx-run.c" |
		grep -o "^	{ [^,]*, '[a-zA-Z]'" | grep -o "'[a-zA-Z]'" | tr -d "'"
}

# --- option words are exact --------------------------------------------------

@test "--pipe is GNU parallel's option, not an abbreviation of --pipe-item" {
	# --pipe-item would run wc -l once per line (1 1 1); GNU's --pipe
	# gives the block of all three lines to one job.
	printf '1\n2\n3\n' >in
	run -0 --separate-stderr timeout 20 "$SCX_RUN" --pipe wc -l <in
	assert_output 3
	refute_stderr
}

@test "--time is not taken as --timeout" {
	opt --time 3 echo
	assert_usage_error "unknown option '--time'"
}

@test "--tim is not taken as --timeout" {
	opt --tim=3 echo
	assert_usage_error "unknown option '--tim'"
}

@test "a prefix of one of scx-run's own options is refused (--chunk, --pipe-i, --as)" {
	for word in --chunk=2 --pipe-i --as; do
		opt "$word" echo
		assert_usage_error "unknown option '${word%%=*}'"
	done
}

@test "a prefix of a refused GNU option is unknown, not refused (--sshlog)" {
	opt --sshlog host echo
	assert_usage_error "unknown option '--sshlog'"
}

# --- messages name the word being read ---------------------------------------

@test "--tag -L2 is --tag and -L 2, not an unknown --tag" {
	# Once "unknown option '--tag'": the message read the word before.
	run --separate-stderr "$SCX_RUN" --tag -L2 -j1 true ::: a b c </dev/null
	assert_success
	assert_output ''
	refute_stderr
}

@test "an unknown letter after a long option names the letter, not the long option" {
	opt --tag -Z echo
	assert_usage_error "unknown option '-Z'"
	refute_stderr --partial -- --tag
}

@test "an unknown letter in a cluster names the letter (-0Z)" {
	opt --tag -0Z echo
	assert_usage_error "unknown option '-Z'"
}

@test "a value missing at the end names the option (--tag -L)" {
	opt --tag -L
	assert_usage_error "-L needs a value"
	opt --tag --joblog
	assert_usage_error "--joblog needs a value"
}

@test "a flag given a value is refused as such (--tag=x)" {
	opt --tag=x echo
	assert_usage_error "--tag takes no value"
}

# --- GNU parallel's options that scx-run refuses -----------------------------

@test "ssh and remote-host options point to mpiexec --backend=mpi, exit 255" {
	for word in -S --sshlogin --slf --sshloginfile --onall --nonall \
		--transfer --return --trc --cleanup --basefile --controlmaster; do
		opt "$word" host echo
		assert_usage_error "GNU parallel's $word is not supported" \
			"mpiexec ... scx-run --backend=mpi"
	done
}

@test "options of later issues say they are not supported yet, exit 255" {
	for word in --tee --shard --latest-line --ctag \
		--total --termseq --memsuspend --limit; do
		opt "$word" x echo
		assert_usage_error "GNU parallel's $word is not supported yet"
	done
}

@test "a refused option names scx-run's way where there is one" {
	opt --termseq TERM,200,KILL,25 echo
	assert_usage_error "GNU parallel's --termseq is not supported yet (--timeout sends SIGTERM, then SIGKILL)"
	opt --memsuspend 1G echo
	assert_usage_error "GNU parallel's --memsuspend is not supported yet (--memfree holds back new items)"
}

@test "a refused option with its value after '=' is refused by its name" {
	opt --sshlogin=host echo
	assert_usage_error "GNU parallel's --sshlogin is not supported"
	opt -Shost echo
	assert_usage_error "GNU parallel's -S is not supported"
}

@test "options GNU parallel has retired, and those of Perl code, are refused" {
	opt -g echo
	assert_usage_error "GNU parallel's -g is not supported (GNU parallel has retired it)"
	opt --rpl '{x} s/a/b/' echo
	assert_usage_error "GNU parallel's --rpl is not supported: it takes Perl code"
}

@test "every name in refused_table is refused by that name, and nothing runs" {
	local names n=0
	names=$(refused_names)
	[ -n "$names" ] || fail "no names read from refused_table"
	for name in $names; do
		opt "--$name" touch ran
		assert_usage_error "GNU parallel's --$name is not supported"
		n=$((n + 1))
	done
	[ ! -e ran ]
	[ "$n" -gt 150 ] || fail "only $n names"
}

@test "every letter in refused_table is refused by that letter" {
	for letter in $(refused_letters); do
		opt "-$letter" touch ran
		assert_usage_error "GNU parallel's -$letter is not supported"
	done
	[ ! -e ran ]
}

@test "an option neither scx-run's nor GNU parallel's is unknown, exit 255" {
	opt --frobnicate echo
	assert_usage_error "unknown option '--frobnicate'"
}

# --- aliases: GNU parallel's other names mean the same ----------------------

# same_as WORDS -- OTHER WORDS: both dry runs print the same, and succeed.
same_as() {
	local -a a=() b=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	dry "${a[@]}"
	assert_success
	refute_stderr
	local first=$output
	dry "${b[@]}"
	assert_success
	refute_stderr
	assert_equal "$output" "$first"
	[ -n "$first" ] || fail "no output from ${a[*]}"
}

@test "-n, --max-args and --maxargs are the same" {
	same_as -n 2 echo ::: a b c -- --max-args 2 echo ::: a b c
	same_as -n 2 echo ::: a b c -- --maxargs=2 echo ::: a b c
	# GNU: parallel --dry-run -k -n2 echo ::: a b c
	assert_output "$(printf 'echo a b\necho c')"
}

@test "-N, --max-replace-args and --maxreplaceargs are the same" {
	same_as -N 2 echo ::: a b c -- --max-replace-args 2 echo ::: a b c
	same_as -N2 echo ::: a b c -- --maxreplaceargs=2 echo ::: a b c
}

@test "-L, -l, --max-lines and --maxlines are the same; -l takes a number in the next word" {
	printf '1\n2\n3\n' >in
	same_as -L 2 -a in echo -- --max-lines=2 -a in echo
	same_as -L 2 -a in echo -- --maxlines 2 -a in echo
	same_as -L 2 -a in echo -- -l 2 -a in echo
	same_as -L 2 -a in echo -- -l2 -a in echo
	# GNU: printf '1\n2\n3\n' | parallel --dry-run -k -l 2 echo
	assert_output "$(printf 'echo 1 2\necho 3')"
}

@test "-l without a number is one line per job; a next word that is not a number is the command" {
	same_as -l echo ::: a b -- -L 1 echo ::: a b
	same_as -l x ::: a b -- -L 1 x ::: a b
}

@test "--link and --xapply are the same" {
	same_as --link echo ::: a b ::: 1 2 -- --xapply echo ::: a b ::: 1 2
}

@test "-C, --colsep and --col-sep are the same" {
	printf 'a,b\n' >in
	same_as -C , -a in echo {2} -- --colsep , -a in echo {2}
	same_as -C , -a in echo {2} -- --col-sep=, -a in echo {2}
}

@test "-a, --input, --arg-file and --argfile are the same" {
	printf 'x\ny\n' >in
	same_as -a in echo -- --input in echo
	same_as -a in echo -- --arg-file in echo
	same_as -a in echo -- --argfile=in echo
}

@test "--arg-sep and --argsep replace :::" {
	same_as echo ::: a b -- --arg-sep ,, echo ,, a b
	same_as echo ::: a b -- --argsep=,, echo ,, a b
	# GNU: parallel --dry-run -k --arg-sep ,, echo ,, a b
	assert_output "$(printf 'echo a\necho b')"
}

@test "--arg-file-sep and --argfilesep replace ::::, and their + form links" {
	printf 'a1\na2\n' >f1
	printf 'c1\nc2\nc3\n' >f3
	same_as echo :::: f1 -- --arg-file-sep ,, echo ,, f1
	same_as echo :::: f1 -- --argfilesep ,, echo ,, f1
	same_as echo ::::+ f1 f3 -- --arg-file-sep ,, echo ,,+ f1 f3
	# GNU: parallel --dry-run -k --arg-file-sep ,, echo ,,+ f1 f3
	assert_output "$(printf 'echo a1 c1\necho a2 c2')"
}

@test "-I and its kin, long and short names, are the same" {
	same_as -I ,, echo ,, ::: a -- echo {} ::: a
	same_as --er ,, echo ,, ::: a.b -- --extensionreplace ,, echo ,, ::: a.b
	same_as --bnr ,, echo ,, ::: d/a -- --basenamereplace ,, echo ,, ::: d/a
	same_as --dnr ,, echo ,, ::: d/a -- --dirnamereplace ,, echo ,, ::: d/a
	same_as --bner ,, echo ,, ::: d/a.b -- --basenameextensionreplace ,, echo ,, ::: d/a.b
	same_as --seqreplace ,, echo ,, ::: a -- echo {#} ::: a
	same_as --slotreplace ,, echo ,, ::: a -- echo {%} ::: a
}

@test "-q and --quote, -m, -X, --xargs, --plus, --header, --trim are accepted" {
	same_as -q echo ::: a -- --quote echo ::: a
	for words in "-m" "-X" "--xargs" "--plus" "--header :" "--trim lr" \
		"--trim n" "--trim l" "--trim r" "--trim rl"; do
		# shellcheck disable=SC2086
		dry $words echo ::: h a
		assert_success
		refute_stderr
	done
}

@test "GNU parallel's names of scx-run's options: --jl, --res, --result, --resumefailed, --dryrun, --dr, --halt-on-error, --haltonerror" {
	same_as echo ::: a -- --dryrun echo ::: a
	same_as echo ::: a -- --dr echo ::: a
	same_as echo ::: a -- --halt-on-error now,fail=1 echo ::: a
	same_as echo ::: a -- --haltonerror now,fail=1 echo ::: a
	same_as --joblog l1 echo ::: a -- --jl l2 echo ::: a
	same_as --results d1 echo ::: a -- --res d2 echo ::: a
	same_as --results d3 echo ::: a -- --result d4 echo ::: a
	same_as --resume-failed --joblog l3 echo ::: a -- --resumefailed --joblog l4 echo ::: a
}

@test "-k, --keep-order and --keeporder keep input order, undoing --as-completed" {
	same_as -k echo ::: a b -- --keep-order echo ::: a b
	same_as -k echo ::: a b -- --keeporder echo ::: a b
	run --separate-stderr "$SCX_RUN" -j2 --as-completed -k sh -c 'sleep "$1"; echo "$1"' sh ::: 0.5 0 </dev/null
	assert_success
	# GNU: parallel -j2 -k sh -c 'sleep "$1"; echo "$1"' sh ::: 0.5 0
	assert_output "$(printf '0.5\n0')"
}

@test "--will-cite and GNU parallel's other no-op options are accepted" {
	for word in --will-cite --willcite --nn --nonotice --no-notice --gnu --plain; do
		same_as echo ::: a -- "$word" echo ::: a
	done
}

# --- bad values of the new options -------------------------------------------

@test "-n, -N, -L, -l, -s: a value that is not a number is refused, naming the option" {
	opt -n x echo
	assert_usage_error --max-args "'x'" "is not a whole number (0: none to the command)"
	opt --max-args 1.5 echo
	assert_usage_error --max-args "'1.5'"
	opt -N -1 echo
	assert_usage_error --max-replace-args "'-1'"
	opt -L x echo
	assert_usage_error -L "'x'"
	opt -lx echo
	assert_usage_error --max-lines "'x'"
	opt --max-lines=x echo
	assert_usage_error --max-lines "'x'"
	opt -s 1k echo
	assert_usage_error --max-chars "'1k'" "positive integer"
	opt -s 0 echo
	assert_usage_error --max-chars "'0'"
}

@test "-n0, -N0, -L0: a job per argument that the command does not get; -l0 is -l1" {
	# GNU: parallel -k -N0 echo foo ::: 1 2 prints foo twice; -l0 prints
	# "foo 1", "foo 2".
	for o in -n0 -N0 -L0 --max-args=00; do
		dry "$o" echo foo ::: 1 2
		assert_success
		assert_output "$(printf 'echo foo\necho foo')"
	done
	dry -l0 echo foo ::: 1 2
	assert_output "$(printf 'echo foo 1\necho foo 2')"
}

@test "-n and -s too large are refused with the range" {
	opt -s 99999999999999999999 echo
	assert_usage_error --max-chars "too large" "at most 9223372036854775807"
	opt -n 9223372036854775808 echo
	assert_usage_error --max-args "too large"
}

@test "--trim takes only n, l, r, lr, rl" {
	opt --trim x echo
	assert_usage_error --trim "'x'" "one of n, l, r, lr, rl"
	opt --trim '' echo
	assert_usage_error --trim "''"
}

@test "an empty string is refused for -I, --colsep, --header, --arg-sep, --arg-file-sep" {
	for o in -I --colsep --header --arg-sep --arg-file-sep --er; do
		opt "$o" '' echo
		assert_usage_error "$o: '' is not a non-empty string"
	done
}

@test "-N is no longer the chunk size: its error names --max-replace-args" {
	opt -N x echo
	assert_usage_error --max-replace-args
	refute_stderr --partial chunksize
}

@test "--chunksize has no short form" {
	dry --chunksize 1 echo ::: a
	assert_success
	assert_output "echo a"
}

# --- where the command ends ---------------------------------------------------

@test "-a sources come before the command line's, as in GNU parallel" {
	printf 'a1\na2\n' >f1
	dry -a f1 echo ::: x y
	assert_success
	refute_stderr
	# GNU: parallel --dry-run -k -a f1 echo ::: x y
	assert_output "$(printf 'echo a1 x\necho a1 y\necho a2 x\necho a2 y')"
}

@test "::::+ links each of its files: ::: x y ::::+ f1 f3" {
	printf 'a1\na2\n' >f1
	printf 'c1\nc2\nc3\n' >f3
	dry echo ::: x y ::::+ f1 f3
	assert_success
	refute_stderr
	# GNU: parallel --dry-run -k echo ::: x y ::::+ f1 f3
	assert_output "$(printf 'echo x a1 c1\necho y a2 c2')"
}

@test "options after ::: are arguments" {
	dry echo ::: -j --tag
	assert_success
	assert_output "$(printf 'echo -j\necho --tag')"
}

@test "--info takes no input source" {
	opt --info ::: a
	assert_usage_error "--info takes no input source"
}

# --- items from a terminal ----------------------------------------------------

# on_tty ARGS...: scx-run ARGS with stdin, stdout and stderr on a terminal
# (script(1)'s), stdin ending at once; the transcript in $output.
on_tty() {
	command -v script >/dev/null || skip "script(1) is not installed"
	local cmd
	cmd=$(printf '%q ' "$SCX_RUN" "$@")
	run timeout 20 script -qec "$cmd" /dev/null </dev/null
}

@test "items read from a terminal: one warning says so" {
	on_tty -j1 echo
	assert_output --partial "scx-run: warning: reading items from the terminal; CTRL-D ends them (did you forget :::, :::: or -a, or to pipe items in?)"
}

@test "no warning when the items come from ::: or from a pipe" {
	on_tty -j1 echo ::: a
	refute_output --partial "from the terminal"
	run --separate-stderr "$SCX_RUN" -j1 echo </dev/null
	assert_success
	refute_stderr
}
