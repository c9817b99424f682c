#!/usr/bin/env python3
"""layout.py: the size and dependency rules of the source tree (issue 12).

  - no file in lib/ over 900 lines, lib/run.c under 1,000;
  - no C function over 80 lines (from its opening brace to its closing
    one), except a function marked "layout: help text" on the line above
    its return type, whose body is the program's help;
  - no dependency cycle between lib/ files: file A depends on file B when
    A's object uses a symbol B's object defines (objects in BUILD/lib);
  - no "scx-run:" string in lib/;
  - the MPI plugin (lib/mpi*.c, lib/mpib.h) includes scx.h, never
    internal.h;
  - the shared library exports no scx__ symbol.

Usage: tools/layout.py BUILD.  Prints each breach and exits 1, or prints
a one-line summary and exits 0."""
import glob
import os
import re
import subprocess
import sys

MAX_FILE = 900
MAX_RUN = 999
MAX_FUNC = 80

def c_files():
    pats = ["lib/*.c", "lib/*.h", "cmd/*.c", "tests/unit/*.c",
            "tests/helpers/*.c", "tests/fuzz/*.c"]
    return sorted(f for p in pats for f in glob.glob(p))

def functions(path):
    """(name, first line, length) of each function definition: a line at
    column 0 with a name and a '(' followed, at some later line, by a '{'
    alone at column 0; the function ends at the next '}' at column 0."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i] == "{":
            j = i - 1
            while j >= 0 and not re.match(r"^[A-Za-z_]\w*\(", lines[j]):
                j -= 1
            name = re.match(r"^(\w+)", lines[j]).group(1) if j >= 0 else "?"
            exempt = j >= 2 and "layout: help text" in lines[j - 2]
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if not exempt:
                out.append((name, i + 1, k - i + 1))
            i = k
        i += 1
    return out

def cycles(build):
    objs = sorted(glob.glob(os.path.join(build, "lib", "*.o")))
    defs, undef = {}, {}
    for o in objs:
        f = os.path.basename(o)[:-2]
        nm = subprocess.run(["nm", o], capture_output=True, text=True,
                            check=True).stdout
        for l in nm.splitlines():
            p = l.split()
            if len(p) == 3 and p[1] in "TDBR":
                defs[p[2]] = f
            elif len(p) == 2 and p[0] == "U":
                undef.setdefault(f, set()).add(p[1])
    graph = {f: {defs[u] for u in us if u in defs and defs[u] != f}
             for f, us in undef.items()}
    # Tarjan's strongly connected components.
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found, len(objs)

def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    bad = []
    nfunc = 0
    for f in c_files():
        n = open(f, encoding="utf-8").read().count("\n")
        if f == "lib/run.c":
            if n > MAX_RUN:
                bad.append(f"{f}: {n} lines (at most {MAX_RUN})")
        elif f.startswith("lib/") and n > MAX_FILE:
            bad.append(f"{f}: {n} lines (at most {MAX_FILE})")
        if f.endswith(".c"):
            for name, line, length in functions(f):
                nfunc += 1
                if length > MAX_FUNC:
                    bad.append(f"{f}:{line}: {name}() is {length} lines "
                               f"(at most {MAX_FUNC})")
        if f.startswith("lib/") and "scx-run:" in open(f).read():
            bad.append(f"{f}: has the string \"scx-run:\"")
    mpi = sorted(glob.glob("lib/mpi*.c")) + ["lib/mpib.h"]
    for f in mpi:
        text = open(f).read()
        if '#include "internal.h"' in text:
            bad.append(f"{f}: the MPI plugin must not include internal.h")
    for f in ("lib/mpib.h", "lib/mpi.c"):
        if '#include "scx.h"' not in open(f).read():
            bad.append(f + ": must include scx.h")
    found, nobj = cycles(build)
    for scc in found:
        bad.append("dependency cycle: " + " <-> ".join(scc))
    so = os.path.join(build, "libscx.so")
    nm = subprocess.run(["nm", "-D", "--defined-only", so],
                        capture_output=True, text=True, check=True).stdout
    hidden = [l.split()[-1] for l in nm.splitlines()
              if l.split()[-1].startswith("scx__")]
    if hidden:
        bad.append(f"{so} exports {len(hidden)} scx__ symbols, "
                   f"such as {hidden[0]}")
    for b in bad:
        print("layout: " + b)
    if bad:
        return 1
    print(f"layout: ok ({len(c_files())} files, {nfunc} functions, "
          f"{nobj} objects without a cycle)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
