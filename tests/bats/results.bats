#!/usr/bin/env bats
# --results DIR never writes outside DIR (planted links are refused), and
# an item is written and logged only once its result is stored (issue 11,
# B3 and Build 6).

bats_require_minimum_version 1.5.0
load helper

suite_setup() {
	mkdir res victim
	echo precious >victim/stdout
	echo precious >victim/item
}

# victim_intact: nothing in victim/ was removed or changed.
victim_intact() {
	assert_equal "$(ls victim | tr '\n' ' ')" 'item stdout '
	assert_equal "$(cat victim/stdout victim/item)" "$(printf 'precious\nprecious')"
}

@test "--results: a symbolic link planted as an item's result directory is refused, nothing outside DIR is touched (B3)" {
	ln -s "$T/victim" res/1
	echo x >in
	run --separate-stderr "$SCX_RUN" --results res echo <in
	assert_failure 255
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr "scx-run: --results 'res': '1' is a symbolic link, not a result directory this run made: refusing to touch it"
	victim_intact
	# the link itself is left as it was, and no .old or .tmp entry remains
	[ -L res/1 ] || fail "res/1 was replaced"
	assert_equal "$(ls -A res)" 1
}

@test "--results: a symbolic link planted as a job's directory is refused, nothing outside DIR is touched (B3)" {
	mkdir res/1
	ln -s "$T/victim" res/1/x
	echo x >in
	run --separate-stderr "$SCX_RUN" --results res echo <in
	assert_failure 255
	assert_output ''
	assert_stderr "scx-run: --results 'res': '1/x' is a symbolic link, not a result directory this run made: refusing to touch it"
	victim_intact
	[ -L res/1/x ] || fail "res/1/x was replaced"
}

@test "--results: a symbolic link planted under the run's temporary name is removed, never followed (B3)" {
	# the temporary names have the runner's pid: exec keeps bash's
	mkdir -p res/1/x
	echo x >in
	run --separate-stderr bash -c 'ln -s "$1/victim/stdout" "res/1/x/.scx-tmp.$$.1.stdout"; exec "$0" --results res echo <in' "$SCX_RUN" "$T"
	assert_success
	assert_output ''
	victim_intact
	assert_equal "$(cat res/1/x/stdout)" x
	[ ! -L res/1/x/stdout ] || fail "the link became the result"
	assert_equal "$(ls -A res/1/x | tr '\n' ' ')" '.scx-status seq stderr stdout '
}

@test "--results --resume: a symbolic link planted as a result is refused, not read (B3)" {
	echo x >in
	run --separate-stderr "$SCX_RUN" --results res echo <in
	assert_success
	rm -r res/1
	ln -s "$T/victim" res/1
	run --separate-stderr "$SCX_RUN" --results res --resume echo <in
	assert_failure 255
	assert_stderr --partial "'1' is a symbolic link"
	victim_intact
}

@test "--results: a file planted as a result directory is refused" {
	echo planted >res/1
	echo x >in
	run --separate-stderr "$SCX_RUN" --results res echo <in
	assert_failure 255
	assert_stderr --partial "'1' is not a directory"
	assert_equal "$(cat res/1)" planted
}

@test "--results: an item whose result cannot be stored is neither written nor logged; the run exits 255 (Build 6)" {
	mkdir res/1
	ln -s "$T/victim" res/1/2
	seq 3 >in
	run --separate-stderr "$SCX_RUN" -j1 --joblog jl --results res echo <in
	assert_failure 255
	assert_output ''
	[ -e res/1/1/seq ] || fail "item 1 was not stored"
	run awk -F'\t' 'NR > 1 { print $1 }' jl
	refute_line 2
	assert_line 1
	victim_intact
}

@test "--results on a full disk: the item is neither written nor logged, exit 255 (Build 6)" {
	[ "$EUID" = 0 ] || skip "a small file system needs root (unshare -m, mount -t tmpfs)"
	command -v unshare >/dev/null || skip "unshare is not installed"
	mkdir small
	unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$0"' "$T/small" 2>/dev/null ||
		skip "cannot mount a tmpfs (unshare -m or mount not permitted)"
	printf '%s\n' 1 2 3 >in
	# item 2 writes 200 KB: more than the file system holds
	run --separate-stderr unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$0" && mkdir "$0/res" &&
		"$SCX_RUN" -j1 --joblog jl --results "$0/res" sh -c "if [ \$1 = 2 ]; then head -c 200000 /dev/zero; fi; echo \$1" sh <in;
		echo "status $?"; ls "$0/res/1"; cat "$0/res/1/1/stdout"' "$T/small"
	assert_output "$(printf 'status 255\n1\n2\n1')"
	assert_stderr --partial "cannot store the result of item 2"
	assert_stderr --partial "No space left on device"
	run awk -F'\t' 'NR > 1 { print $1 }' jl
	assert_output 1
}

@test "a full TMPDIR while outputs spool: exit 255, and no item is stored or logged with output it lost" {
	[ "$EUID" = 0 ] || skip "a small file system needs root (unshare -m, mount -t tmpfs)"
	command -v unshare >/dev/null || skip "unshare is not installed"
	mkdir small
	unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$0"' "$T/small" 2>/dev/null ||
		skip "cannot mount a tmpfs (unshare -m or mount not permitted)"
	seq 8 >in
	# 8 items of 1 MiB + 1 byte at once: each spools past 1 MiB, into a
	# TMPDIR with about 4 KiB free
	local i
	for i in 1 2 3 4 5; do
		rm -rf res jl
		run --separate-stderr unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$0" &&
			head -c 1044480 /dev/zero >"$0/fill" &&
			TMPDIR=$0 exec "$SCX_RUN" -j 8 --results res --joblog jl sh -c "head -c 1048577 /dev/zero" sh <in' "$T/small"
		assert_failure 255
		assert_stderr --partial TMPDIR
		# whatever was stored and logged is whole
		run find res -name stdout ! -size 1048577c
		assert_output ''
		run awk -F'\t' 'NR > 1 && $6 != 1048577' jl
		assert_output ''
	done
}

@test "--results --resume: a link planted inside a result directory is named in the error" {
	echo x >in
	run --separate-stderr "$SCX_RUN" --results res echo <in
	assert_success
	rm res/1/x/seq
	ln -s "$T/victim/item" res/1/x/seq
	run --separate-stderr "$SCX_RUN" --results res --resume echo <in
	assert_failure 255
	assert_stderr "scx-run: --results 'res': '1/x/seq' is a symbolic link, not a result this run stored: refusing to follow it"
	victim_intact
}

@test "--results: a result that cannot be stored leaves no temporary file behind" {
	[ "$EUID" = 0 ] || skip "a small file system needs root (unshare -m, mount -t tmpfs)"
	command -v unshare >/dev/null || skip "unshare is not installed"
	echo 1 >in
	mkdir small
	run --separate-stderr unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$0" && mkdir "$0/res" &&
		"$SCX_RUN" --results "$0/res" sh -c "head -c 200000 /dev/zero" sh <in;
		echo "status $?"; find "$0/res" -name ".scx-tmp*"; ls -A "$0/res/1/1"' "$T/small"
	assert_output 'status 255'
}
