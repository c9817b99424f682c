#!/bin/sh
# w.sh ROLE: one of two jobs that take turns, each waiting until the
# other's line shows in the output file $OUT (or a marker file).
seen() { grep -qF -- "$1" "$OUT" 2>/dev/null; }
waitfor() {
	i=0
	while ! seen "$1"; do
		i=$((i + 1))
		[ "$i" -le 2000 ] || { echo "TIMEOUT($1)"; exit 1; }
		sleep 0.05
	done
}
case $1 in
a) printf 'a1\n'; waitfor b1; printf 'a2\n'; waitfor b2; printf 'a3\n' ;;
b) waitfor a1; printf 'b1\n'; waitfor a2; printf 'b2\n' ;;
pa) printf 'a1\na2-'; waitfor b1; printf 'tail\n' ;;
pb) waitfor a1; printf 'b1\n' ;;
ka) printf 'a1\n'; if waitfor a1 >/dev/null; then echo seen; else echo unseen; fi
    while [ ! -e "$OUT.b" ]; do sleep 0.05; done; printf 'a2\n' ;;
kb) printf 'b1\n'; : >"$OUT.b"; printf 'b2\n' ;;
kb2) waitfor b1; printf 'b2\n' ;;
kb1) printf 'b1\n' ;;
ha) while [ ! -e "$OUT.go" ]; do sleep 0.05; done; printf 'h1\n' ;;
hb) printf 'n1\n'; : >"$OUT.go"; waitfor n1; printf 'n2\n' ;;
esac
