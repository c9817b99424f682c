#!/usr/bin/env bats
# make install: the files it installs, the pkg-config file, and the
# README's custom-backend example built against the installed library.

bats_require_minimum_version 1.5.0
load helper

suite_setup() {
	# The build the tests run (build/, or build-asan/ under check-asan).
	BUILD_DIR=$(basename "$(dirname "$SCX_RUN")")
}

install_tree() {
	make -s -C "$ROOT" BUILD="$BUILD_DIR" install DESTDIR="$T/x" PREFIX=/usr >"$T/make.out" 2>&1 ||
		fail "make install failed: $(cat "$T/make.out")"
}

@test "install: make install DESTDIR PREFIX puts every file in place" {
	install_tree
	for f in usr/bin/scx-run usr/share/man/man1/scx-run.1 \
		usr/share/bash-completion/completions/scx-run \
		usr/include/scx.h usr/include/scx_config.h usr/include/scx_io.h \
		usr/include/scx_lang.h usr/lib/libscx.a usr/lib/pkgconfig/scx.pc; do
		[ -f "$T/x/$f" ] || fail "missing $f"
	done
	# The shared library, versioned: the file, the soname link, the
	# link for the linker.
	version=$(sed -n 's/^#define SCX_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/lib/scx.h")
	[ -f "$T/x/usr/lib/libscx.so.$version" ] || fail "missing libscx.so.$version"
	assert_equal "$(readlink "$T/x/usr/lib/libscx.so.0")" "libscx.so.$version"
	assert_equal "$(readlink "$T/x/usr/lib/libscx.so")" "libscx.so.0"
	run objdump -p "$T/x/usr/lib/libscx.so.$version"
	assert_line --regexp 'SONAME +libscx\.so\.0$'
	if [ -f "$ROOT/$BUILD_DIR/scx-mpi.so" ]; then
		[ -f "$T/x/usr/lib/scx-run/scx-mpi.so" ] || fail "missing the MPI plugin"
	fi
	# The installed program runs, and finds its MPI plugin from there.
	run --separate-stderr bash -c 'printf "a\nb\n" | "$1" -j2 echo' sh "$T/x/usr/bin/scx-run"
	assert_success
	assert_output $'a\nb'
	if [ -f "$T/x/usr/lib/scx-run/scx-mpi.so" ]; then
		run --separate-stderr "$T/x/usr/bin/scx-run" --backend=mpi --info --if-serial=ignore
		assert_success
		assert_line "backend: mpi"
	fi
	# And make uninstall takes it all away again.
	make -s -C "$ROOT" BUILD="$BUILD_DIR" uninstall DESTDIR="$T/x" PREFIX=/usr
	run find "$T/x" -type f -o -type l
	assert_output ""
}

@test "install: pkg-config finds scx in the installed tree" {
	install_tree
	run env PKG_CONFIG_SYSROOT_DIR="$T/x" PKG_CONFIG_PATH="$T/x/usr/lib/pkgconfig" \
		pkg-config --cflags --libs scx
	assert_success
	assert_output --regexp "-I$T/x/usr/include"
	assert_output --regexp "-L$T/x/usr/lib -lscx"
	run env PKG_CONFIG_PATH="$T/x/usr/lib/pkgconfig" pkg-config --modversion scx
	assert_output "$(sed -n 's/^#define SCX_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/lib/scx.h")"
}

@test "install: the README's custom-backend example compiles against the installed files and runs" {
	[ -z "$SCX_ASAN" ] || skip "the sanitized library cannot be linked into a plain program"
	install_tree
	# The block after the example marker, as the README shows it.
	sed -n '/<!-- example: upper.c/,/^```$/p' "$ROOT/README.md" |
		sed '1,2d;$d' >"$T/upper.c"
	grep -q 'scx_backend_register' "$T/upper.c" || fail "no example found in README.md"
	run env PKG_CONFIG_SYSROOT_DIR="$T/x" PKG_CONFIG_PATH="$T/x/usr/lib/pkgconfig" \
		pkg-config --cflags --libs scx
	assert_success
	flags=$output
	# shellcheck disable=SC2086
	run cc -Wall -Wextra -Werror -o "$T/upper" "$T/upper.c" $flags
	assert_success
	run --separate-stderr bash -c 'printf "hello\nworld\n\nx y\n" | LD_LIBRARY_PATH="$1" "$2"' sh "$T/x/usr/lib" "$T/upper"
	assert_success
	assert_output $'HELLO\nWORLD\n\nX Y'
	# It loads the installed shared library, not another one.
	run env LD_LIBRARY_PATH="$T/x/usr/lib" ldd "$T/upper"
	assert_output --regexp "libscx\.so\.0 => $T/x/usr/lib/libscx\.so\.0"
}
