#!/usr/bin/env bats
# How output is shown (issue 14, Build 1-3): -k, --no-keep-order, --group,
# -u, --line-buffer, --tag/--tagstring, -t and -v.
#
# Every expected output is what GNU parallel 20221122 printed for the same
# command line on this machine, recorded by hand; the tests do not need GNU
# parallel.  The interleaving tests run two jobs of grouping/turns.sh that
# take turns: each waits (at most 100 s, then prints TIMEOUT) until the
# other's line shows in the output file, so that the order of lines is
# decided by what the runner has written, never by the clock.

bats_require_minimum_version 1.5.0
load helper

TURNS="$BATS_TEST_DIRNAME/grouping/turns.sh"

g() {
	timeout 120 "$SCX_RUN" "$@" </dev/null
}

# turns OPTIONS... -- ROLE ROLE: runs the two jobs into $T/out.
turns() {
	export OUT="$PWD/out"
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout 120 "$SCX_RUN" -j2 "${opts[@]}" sh "$TURNS" ::: "$@" \
		</dev/null >"$OUT"
}

# --- order ---------------------------------------------------------------------

@test "-k: printf 'a\\nb\\nc\\n' | scx-run -k echo" {
	# GNU: a b c
	run --separate-stderr bash -c 'printf "a\nb\nc\n" | timeout 60 "$0" -k echo' "$SCX_RUN"
	assert_success
	assert_output "$(printf 'a\nb\nc')"
}

@test "-k wins over an earlier --as-completed, --nok over an earlier -k" {
	run --separate-stderr g -j2 --as-completed -k sh -c 'sleep 0.$1; echo $1' sh ::: 3 1
	assert_success
	assert_output "$(printf '3\n1')"
	for o in --no-keep-order --nokeeporder --nok --no-k; do
		# The first job waits until the second's line is out.
		turns -k "$o" -- kb2 kb1
		assert_equal "$(cat out)" "$(printf 'b1\nb2')"
	done
}

@test "--group is accepted: each job's output whole, in input order" {
	run --separate-stderr g -j2 --group sh -c 'echo $1; echo $1' sh ::: a b
	assert_success
	assert_output "$(printf 'a\na\nb\nb')"
}

# --- -u ------------------------------------------------------------------------

@test "-u: two jobs' lines interleave as they come, none lost" {
	# GNU -u: a1 b1 a2 b2 a3
	turns -u -- a b
	assert_equal "$(cat out)" "$(printf 'a1\nb1\na2\nb2\na3')"
}

@test "-u -k: -k changes nothing (GNU parallel's -u ignores it)" {
	turns -u -k -- a b
	assert_equal "$(cat out)" "$(printf 'a1\nb1\na2\nb2\na3')"
}

@test "-u: a line without its newline yet goes out as it is (GNU's half lines)" {
	# GNU -u: a1, then a2- and b1 on one line, then tail
	turns -u -- pa pb
	assert_equal "$(cat out)" "$(printf 'a1\na2-b1\ntail')"
}

@test "-u --tag: no tag (GNU parallel's -u ignores --tag)" {
	run --separate-stderr g -u --tag sh -c 'printf "x\ny"' sh ::: a
	assert_success
	assert_output "$(printf 'x\ny')"
}

# --- --line-buffer -------------------------------------------------------------

@test "--line-buffer: two jobs' lines interleave as they come, every line whole" {
	# GNU --lb: a1 b1 a2 b2 a3
	for o in --line-buffer --lb --linebuffer --line-buffered --linebuffered; do
		turns "$o" -- a b
		assert_equal "$(cat out)" "$(printf 'a1\nb1\na2\nb2\na3')"
	done
}

@test "--line-buffer: a line is out only once whole" {
	# GNU --lb: a1 b1 a2-tail
	turns --lb -- pa pb
	assert_equal "$(cat out)" "$(printf 'a1\nb1\na2-tail')"
}

@test "--line-buffer --tag tags each line" {
	# GNU --lb --tag: every line after its job's argument and a tab.
	turns --lb --tag -- a b
	assert_equal "$(cat out)" "$(printf 'a\ta1\nb\tb1\na\ta2\nb\tb2\na\ta3')"
	turns --lb --tag -- pa pb
	assert_equal "$(cat out)" "$(printf 'pa\ta1\npb\tb1\npa\ta2-tail')"
}

@test "--line-buffer -k: the first job's lines stream, the second's follow it" {
	# GNU --lb -k: a1 seen a2 b1 b2 (the first job saw its own line out
	# while it ran; the second's waited, although it ended first).
	turns --lb -k -- ka kb
	assert_equal "$(cat out)" "$(printf 'a1\nseen\na2\nb1\nb2')"
}

@test "--line-buffer -k: when the first job ends, the next one's lines held so far go out at once" {
	# GNU --lb -k: h1 n1 n2. The second job prints n1, then waits until
	# n1 is out before it prints n2 and ends; n1 may only wait for the
	# first job (h1), never for the second job's own end.
	turns --lb -k -- ha hb
	assert_equal "$(cat out)" "$(printf 'h1\nn1\nn2')"
}

@test "--line-buffer: stderr lines too, each whole" {
	run --separate-stderr g --lb sh -c 'printf "e1\ne2-" >&2; printf "x\n" >&2' sh ::: a
	assert_success
	assert_stderr "$(printf 'e1\ne2-x')"
}

# --- tags ----------------------------------------------------------------------

@test "--tag echo x ::: a ::: 1 (the arguments joined by a blank, as GNU 20221122)" {
	# GNU 20221122: "a 1<TAB>x a 1".  The issue asked for a tab between
	# the arguments; GNU joins them with a blank (also its 20260222
	# source: --tag is --tagstring '{}'), and so does scx-run (README).
	run --separate-stderr g --tag echo x ::: a ::: 1
	assert_success
	assert_output "$(printf 'a 1\tx a 1')"
}

@test "--tagstring '{}:' echo x ::: a b" {
	# GNU: a:<TAB>x a, b:<TAB>x b
	run --separate-stderr g --tagstring '{}:' echo x ::: a b
	assert_success
	assert_output "$(printf 'a:\tx a\nb:\tx b')"
}

@test "--tagstring with {1} {2} {#} {%}, and --tag-string" {
	# GNU -j1: 1-a-1|1<TAB>x a 1 ... ({%} is the slot; -j1: 1)
	run --separate-stderr g -j1 --tag-string '{#}-{1}-{2}|{%}' echo x ::: a ::: 1 2
	assert_success
	assert_output "$(printf '1-a-1|1\tx a 1\n2-a-2|1\tx a 2')"
}

@test "--tagstring: \\t and octal escapes, as GNU's" {
	# GNU --tagstring 'q\12z\9y\101\t': q<001>2z9yA<TAB><TAB>x 1
	run --separate-stderr g --tagstring 'q\12z\9y\101\t' echo x ::: 1
	assert_success
	assert_output "$(printf 'q\0012z9yA\t\tx 1')"
}

@test "--tagstring with --format jsonl: a \"tag\" field" {
	run --separate-stderr g --tagstring 't{}' --format jsonl echo ::: a
	assert_success
	assert_output --partial '"item":"a","tag":"ta",'
}

@test "--tagstring with a {= =} string is refused" {
	run --separate-stderr g --tagstring '{= $_ =}' echo ::: a
	assert_failure 255
}

# --- -t and -v -----------------------------------------------------------------

@test "-t: each command on stderr before it runs, quoted" {
	# GNU -t: echo 'a b' on stderr; a b on stdout.
	run --separate-stderr g -t echo ::: 'a b'
	assert_success
	assert_output 'a b'
	assert_stderr "echo 'a b'"
}

@test "-v: each command on stdout, first in its job's output" {
	# GNU -v: echo 'a b' / a b / echo c / c
	run --separate-stderr g -j2 -v echo ::: 'a b' c
	assert_success
	assert_output "$(printf "echo 'a b'\na b\necho c\nc")"
	refute_stderr
	run --separate-stderr g -j2 --verbose -k echo ::: a
	assert_output "$(printf 'echo a\na')"
}

@test "-v --tag: the command line is tagged too" {
	# GNU -v -k --tag: a<TAB>echo a / a<TAB>a / b<TAB>echo b / b<TAB>b
	run --separate-stderr g -v -k --tag echo ::: a b
	assert_success
	assert_output "$(printf 'a\techo a\na\ta\nb\techo b\nb\tb')"
}

@test "-t -v: the command on stderr and on stdout" {
	# GNU -k -t -v: echo a (stderr); echo a / a (stdout)
	run --separate-stderr g -t -v echo ::: a
	assert_success
	assert_output "$(printf 'echo a\na')"
	assert_stderr 'echo a'
}

@test "-v -u and -v --line-buffer: the command as its job starts; with -k at its job's turn" {
	# GNU -u -v echo ::: a: echo a / a
	run --separate-stderr g -u -v echo ::: a
	assert_success
	assert_output "$(printf 'echo a\na')"
	# GNU --lb -k -v: the second job's command waits with its lines.
	run --separate-stderr g -j2 --lb -k -v sh -c 'echo $0; sleep 0.$0; echo $0' ::: 3 1
	assert_success
	assert_output "$(printf "sh -c 'echo \$0; sleep 0.\$0; echo \$0' 3\n3\n3\nsh -c 'echo \$0; sleep 0.\$0; echo \$0' 1\n1\n1")"
	# GNU --lb -v --tag: the command line is tagged.
	run --separate-stderr g -j1 --lb -v --tag echo ::: a
	assert_output "$(printf 'a\techo a\na\ta')"
}

# --- --eta and --bar -------------------------------------------------------------

# bytes FILE: FILE's content, trailing newlines kept, into $e.
bytes() {
	e=$(cat "$1"; echo x)
	e=${e%x}
}

@test "--eta: GNU parallel's list of computers, header and ETA lines, on stderr that is not a terminal" {
	# GNU --eta -j2 (stderr a file): "\nComputers / CPU cores / Max jobs
	# to run\n1:local / 2 / 2\n\nComputer:jobs running/jobs completed/%of
	# started jobs/Average seconds to complete\n", then "\rETA: 0s Left:
	# 4 AVG: 0.00s  local:2/0/100%/0.0s " per redraw, the last one
	# "\rETA: 0s Left: 0 AVG: 0.25s  local:0/4/100%/0.2s \n".
	timeout 60 "$SCX_RUN" -j2 --eta echo ::: a b c </dev/null >out 2>err
	assert_equal "$(cat out)" "$(printf 'a\nb\nc')"
	local head e rest re
	head=$(printf '\nComputers / CPU cores / Max jobs to run\n1:local / %s / 2\n\nComputer:jobs running/jobs completed/%%of started jobs/Average seconds to complete\nx' "$(nproc)")
	head=${head%x}
	bytes err
	[[ $e == "$head"* ]] || fail "no GNU header: $(printf '%q' "$e")"
	rest=${e#"$head"}
	re=$'^(\rETA: [0-9]+s Left: [0-9]+ AVG: [0-9]+\\.[0-9][0-9]s  local:[0-9]+/[0-9]+/[0-9]+%/[0-9]+\\.[0-9]s )+\n$'
	[[ $rest =~ $re ]] || fail "not GNU's ETA lines: $(printf '%q' "$rest")"
	[[ $rest == *$'\rETA: 0s Left: 0 AVG: '*'s  local:0/3/100%/'*$'s \n' ]] ||
		fail "the last ETA line is not the end's: $(printf '%q' "$rest")"
}

@test "--bar: GNU parallel's bar (zenity line, percentage, reverse video), 80 columns off a terminal" {
	# GNU --bar -j2 (stderr a file): per redraw "\r\r#   0 sec 2" padded
	# to 80, "\r0\r", ESC[7m, the bar text "0% 0:4=0s 2" padded to 80 with
	# ESC[0m where the part done ends, ESC[0m; the last one
	# "...\r100\r\e[7m100% 4:0=0s 4<pad>\e[0m\e[0m\n".  scx-run's text has
	# no job argument at its end (README).
	timeout 60 "$SCX_RUN" -j2 --bar echo ::: a b c </dev/null >out 2>err
	assert_equal "$(cat out)" "$(printf 'a\nb\nc')"
	local e re last pad
	bytes err
	re=$'^(\r\r#   [0-9]+ sec  {70}\r[0-9.]+\r\e\\[7m[^\r]*\e\\[0m)+\n$'
	[[ $e =~ $re ]] || fail "not GNU's bar: $(printf '%q' "$e")"
	pad=$(printf '%68s' '')
	last=$'\r\r#   0 sec '"$(printf '%70s' '')"$'\r100\r\e[7m100% 3:0=0s '"$pad"$'\e[0m\e[0m\n'
	[[ $e == *"$last" ]] || fail "the last bar is not the end's: $(printf '%q' "$e")"
}

# --- bounded memory (the 1 GiB figures: bench/outmem) ------------------------

# 64 MiB of "x\n" lines.
BIG=67108864
BIG_ITEM='head -c "$0" /dev/zero | tr "\0" "\n" | sed "s/^/x/" | head -c "$0"'

# rss_ok FILE: the peak RSS (KiB) in FILE, written by /usr/bin/time -f %M,
# is under 32 MiB; not checked on the sanitizer build (SCX_ASAN=1).
rss_ok() {
	local kib
	kib=$(tail -n 1 "$1")
	[[ $kib =~ ^[0-9]+$ ]] || fail "no RSS figure in $1: $(cat "$1")"
	[ "${SCX_ASAN:-}" = 1 ] || [ "$kib" -lt 32768 ] ||
		fail "peak RSS of scx-run $kib KiB, not under 32768 KiB"
}

@test "-u and --line-buffer --tag: a 64 MiB job whole, RSS under 32 MiB" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time (package time) is not installed"
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" -u sh -c "$1" "$0" ::: 1 </dev/null | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$(sh -c "$BIG_ITEM" "$BIG" | md5sum)"
	rss_ok rss
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" --lb --tag sh -c "$1" "$0" ::: 1 </dev/null | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$(sh -c "$BIG_ITEM" "$BIG" | sed 's/^/1\t/' | md5sum)"
	rss_ok rss
}

@test "--line-buffer -k: 64 MiB waiting behind a running first job is held, whole, RSS under 32 MiB" {
	[ -x /usr/bin/time ] || skip "/usr/bin/time (package time) is not installed"
	# The first job ends only once the second has written all of it.
	run bash -c '/usr/bin/time -f %M -o rss "$SCX_RUN" -j2 --lb -k sh -c "
		if [ \$1 = 1 ]; then
			while [ ! -e done ]; do sleep 0.05; done; echo first
		else
			$1; : >done
		fi" "$0" ::: 1 2 </dev/null | md5sum' "$BIG" "$BIG_ITEM"
	assert_output "$( (echo first; sh -c "$BIG_ITEM" "$BIG") | md5sum)"
	rss_ok rss
}

@test "--line-buffer: a 16 MiB line without a newline comes out whole" {
	run bash -c '"$SCX_RUN" -j2 --lb sh -c "
		if [ \$1 = 1 ]; then head -c 16777216 /dev/zero | tr \"\\0\" a; echo
		else echo short; fi" sh ::: 1 2 </dev/null | awk "{ print length(\$0) }" | sort -n'
	assert_output "$(printf '5\n16777216')"
}
