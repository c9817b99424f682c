"""Shared code of the Python benchmarks in bench/ (loky, scale, latency,
memory, skew).  Standard library only.  See bench/README.md.

A measured run is one posix_spawn of the command, timed with
time.perf_counter from just before the spawn to the return of wait4 (the
overhead of the measuring itself is a few tens of microseconds and the same
for every command).  Runs of several commands are interleaved: in round r
every command that still has repetitions left runs once, the order rotated
by r, so that load from elsewhere falls on all of them alike.
"""

import fcntl
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Fail(Exception):
    """A benchmark check failed: the run is not trustworthy."""


def say(prog, msg):
    print("%s: %s" % (prog, msg), file=sys.stderr, flush=True)


# --- what the benchmarks need ------------------------------------------------

def apt_install(prog, *pkgs):
    """Install Debian packages (as root, or through sudo -n)."""
    sudo = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise Fail("need to install %s but am not root and have no sudo"
                       % " ".join(pkgs))
        sudo = ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say(prog, "installing %s with apt-get" % " ".join(pkgs))
    if not os.environ.get("SCX_BENCH_APT_UPDATED"):
        subprocess.run(sudo + ["apt-get", "update", "-q"], env=env,
                       stdout=subprocess.DEVNULL, check=False)
        os.environ["SCX_BENCH_APT_UPDATED"] = "1"
    r = subprocess.run(sudo + ["apt-get", "install", "-y", "-q"] + list(pkgs),
                       env=env, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        raise Fail("apt-get install %s failed" % " ".join(pkgs))


def have_gnu_parallel():
    try:
        out = subprocess.run(["parallel", "--version"], capture_output=True,
                             text=True).stdout
    except OSError:
        return False
    return "GNU parallel" in out


def need(prog, what):
    """Make sure the named tools are there, installing them when missing.
    what: names among parallel, time, gnuplot, or any command (its package of the same name)."""
    pkgs = []
    for w in what:
        if w == "parallel":
            if not have_gnu_parallel():
                pkgs.append("parallel")
        elif w == "time":
            if not os.access("/usr/bin/time", os.X_OK):
                pkgs.append("time")
        elif w == "gnuplot":
            if not shutil.which("gnuplot"):
                pkgs.append("gnuplot-nox")
        elif not shutil.which(w):
            pkgs.append(w)
    if pkgs:
        apt_install(prog, *pkgs)
    if "parallel" in what and not have_gnu_parallel():
        raise Fail("'parallel' on PATH is not GNU parallel (moreutils?)")


def scx_binary(prog, work):
    """Copy scx-run (and the MPI plugin beside it) into work/bin, so that a
    rebuild during the run cannot change the binary between repetitions.
    $SCX_BENCH_SCX names the binary (bench/all copies it once for all the
    scripts); else build/scx-run, built with make when missing."""
    src = os.environ.get("SCX_BENCH_SCX") or os.path.join(ROOT, "build", "scx-run")
    if not os.access(src, os.X_OK):
        say(prog, "building scx-run")
        if subprocess.run(["make", "-C", ROOT], stdout=sys.stderr).returncode:
            raise Fail("make failed")
    if not os.access(src, os.X_OK):
        raise Fail("%s missing" % src)
    d = os.path.join(work, "bin")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, "scx-run")
    shutil.copy2(src, dst)
    plugin = os.path.join(os.path.dirname(src), "scx-mpi.so")
    if os.path.exists(plugin):
        shutil.copy2(plugin, os.path.join(d, "scx-mpi.so"))
    return dst


def version(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True)
        return (r.stdout or r.stderr).splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine_line():
    u = os.uname()
    return "nproc %d; CPU %s; kernel %s %s %s" % (
        os.cpu_count() or 0, cpu_model(), u.sysname, u.release, u.machine)


class Scratch:
    """A scratch directory, removed at the end unless kept."""

    def __init__(self, prog, keep=False):
        self.prog = prog
        self.keep = keep
        self.path = tempfile.mkdtemp(prefix="scx-bench-%s." % prog,
                                     dir=os.environ.get("TMPDIR", "/tmp"))

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if self.keep or et is not None:
            say("bench/" + self.prog, "scratch kept in %s" % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False

    def file(self, name, data=None):
        p = os.path.join(self.path, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        return p


def seq_file(path, n):
    """seq n into path (a line per number, 1..n)."""
    with open(path, "wb") as f:
        f.write(b"".join(b"%d\n" % i for i in range(1, n + 1)))
    return path


# --- the CPU-bound worker ------------------------------------------------------

CPU_K = 1500


def cpu_worker(k=CPU_K):
    """A reusable worker with a measurable amount of work per item: a loop
    of k steps per line, one answer per line ("ITEM SUM"), each written at
    once with one write() ($| = 1).  perl reads what the pipe holds, line
    by line, without waiting for a full buffer.  (mawk waits for a full
    input buffer unless -W interactive, and with it writes every piece of
    a print separately: four writes per answer, as costly as the work.)"""
    return ["perl", "-e", '$| = 1; while (<STDIN>) { chomp; my $s = 0; '
            'for my $i (1..%d) { $s += $i %% 7 } print "$_ $s\\n" }' % k]


def cpu_output(k, n):
    """What cpu_worker(k) answers to seq n."""
    s = sum(i % 7 for i in range(1, k + 1))
    return b"".join(b"%d %d\n" % (i, s) for i in range(1, n + 1))


# --- one measured run ----------------------------------------------------------

class Result:
    __slots__ = ("wall", "first", "status", "maxrss_kib", "cpu")

    def __init__(self, wall, first, status, maxrss_kib, cpu):
        self.wall = wall
        self.first = first
        self.status = status
        self.maxrss_kib = maxrss_kib
        self.cpu = cpu


def _feed(fd, data):
    """Write data to the pipe fd and close it (a thread of run())."""
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view[:1 << 16])
            view = view[n:]
    except BrokenPipeError:
        pass
    finally:
        os.close(fd)


def run(argv, stdin=None, stdout=None, stderr=None, consume=None, env=None,
        consume_fd=1, stdin_data=None):
    """Spawn argv (PATH lookup) with stdin from the file stdin (or
    /dev/null), stdout to the file stdout (or /dev/null), stderr to the
    file stderr (or /dev/null), wait for it and return a Result: wall
    seconds, status (exit code, or 128+signal), ru_maxrss (KiB) and
    user+sys CPU of the process and everything it waited for (wait4).

    stdin_data: when given (bytes), stdin is a pipe instead, which a
    thread fills with stdin_data and then closes (as `cat FILE | argv`).

    consume: when given, stdout (or stderr, with consume_fd=2) is a pipe
    instead, and consume(chunk) is called with what the command writes
    there (b"" at the end); Result.first is the time to the first byte."""
    feed = None
    if stdin_data is not None:
        ir, iw = os.pipe()  # both close-on-exec; the dup2 to 0 is not
        fa = [(os.POSIX_SPAWN_DUP2, ir, 0)]
    else:
        fa = [(os.POSIX_SPAWN_OPEN, 0, stdin or "/dev/null", os.O_RDONLY, 0)]
    r = w = None
    if consume is not None:
        if consume_fd not in (1, 2):
            raise ValueError("consume_fd must be 1 or 2")
        r, w = os.pipe()  # both close-on-exec; dup2 to 1 or 2 is not
        try:  # fewer, larger reads (F_SETPIPE_SZ)
            fcntl.fcntl(r, 1031, 1 << 20)
        except OSError:
            pass
    for fd, path in ((1, stdout), (2, stderr)):
        if consume is not None and fd == consume_fd:
            fa.append((os.POSIX_SPAWN_DUP2, w, fd))
        else:
            fa.append((os.POSIX_SPAWN_OPEN, fd, path or "/dev/null",
                       os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    first = None
    t0 = time.perf_counter()
    try:
        pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ,
                              file_actions=fa)
    finally:
        if stdin_data is not None:
            os.close(ir)
    if stdin_data is not None:
        feed = threading.Thread(target=_feed, args=(iw, stdin_data), daemon=True)
        feed.start()
    if consume is not None:
        os.close(w)
        try:
            while True:
                chunk = os.read(r, 1 << 20)
                if first is None and chunk:
                    first = time.perf_counter() - t0
                consume(chunk)
                if not chunk:
                    break
        finally:
            os.close(r)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter()
    if feed is not None:
        feed.join()
    if os.WIFEXITED(status):
        st = os.WEXITSTATUS(status)
    else:
        st = 128 + os.WTERMSIG(status)
    return Result(t1 - t0, first, st, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)


def same_files(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x = fa.read(1 << 20)
            y = fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def same_lines_any_order(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        x, y = fa.read(), fb.read()
    if len(x) != len(y):
        return False
    return sorted(x.split(b"\n")) == sorted(y.split(b"\n"))


class Case:
    """A command to time, with its input, its expected output and its
    number of repetitions.

    check: "same" (stdout equals the file expect), "sorted" (the same lines
    as expect, any order), "empty", or None (output not kept)."""

    def __init__(self, name, argv, stdin=None, reps=3, check=None, expect=None,
                 label=None, n=None, meta=None, stdin_data=None):
        self.name = name
        self.argv = list(argv)
        self.stdin = stdin
        self.stdin_data = stdin_data  # bytes: fed through a pipe instead
        self.reps = reps
        self.check = check
        self.expect = expect
        self.label = label or name
        self.n = n
        self.meta = meta or {}
        self.results = []

    def walls(self):
        return [r.wall for r in self.results]


def run_case(prog, work, case, rep):
    out = os.path.join(work, "out") if case.check else None
    err = os.path.join(work, "err")
    res = run(case.argv, stdin=case.stdin, stdout=out, stderr=err,
              stdin_data=case.stdin_data)
    why = []
    if res.status != 0:
        why.append("exited with status %d" % res.status)
    if os.path.getsize(err):
        with open(err, "rb") as f:
            why.append("wrote to stderr: %r" % f.read(400))
    if case.check == "same" and not same_files(out, case.expect):
        why.append("output differs from the expected output")
    elif case.check == "sorted" and not same_lines_any_order(out, case.expect):
        why.append("output is not the expected lines (in any order)")
    elif case.check == "empty" and os.path.getsize(out):
        why.append("unexpected output")
    if why:
        raise Fail("%s (rep %d): %s; command: %s" % (
            case.label, rep, "; ".join(why), shell_words(case.argv)))
    case.results.append(res)
    return res


def interleave(prog, work, cases, verbose=True):
    """Run every case its number of repetitions, round-robin, the order
    rotated each round."""
    rounds = max(c.reps for c in cases) if cases else 0
    for r in range(rounds):
        active = [c for c in cases if c.reps > r]
        k = r % len(active)
        for c in active[k:] + active[:k]:
            res = run_case(prog, work, c, r + 1)
            if verbose:
                say(prog, "rep %d  %-46s %9.4f s" % (r + 1, c.label[:46], res.wall))


# --- statistics ------------------------------------------------------------------

def median(v):
    return statistics.median(v)


def percentile(v, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(v)
    if len(s) == 1:
        return s[0]
    x = (len(s) - 1) * p / 100.0
    lo = math.floor(x)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (x - lo)


def iqr(v):
    return percentile(v, 75) - percentile(v, 25)


def median_se(v):
    """Standard error of a median, estimated from the interquartile range
    (sigma ~ IQR / 1.349; se(median) ~ 1.2533 sigma / sqrt(k))."""
    if len(v) < 2:
        return float("nan")
    return 1.2533 * (iqr(v) / 1.349) / math.sqrt(len(v))


# --- output ------------------------------------------------------------------------

def shell_words(argv):
    out = []
    for a in argv:
        if a and all(c.isalnum() or c in "-_./=%+:,@" for c in a):
            out.append(a)
        else:
            out.append("'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)


def md_table(header, rows, align=None):
    align = align or (["---"] + ["---:"] * (len(header) - 1))
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    return "\n".join(lines)


def text_table(header, rows):
    w = [len(h) for h in header]
    for r in rows:
        for i, x in enumerate(r):
            w[i] = max(w[i], len(str(x)))
    lines = ["  ".join(h.ljust(w[i]) for i, h in enumerate(header))]
    for r in rows:
        lines.append("  ".join(str(x).ljust(w[i]) for i, x in enumerate(r)))
    return "\n".join(lines)


def verdict(ok):
    return "meets" if ok else "does not meet"


class Report:
    """A script's markdown section and its rows for the summary table.

    Target rows are written to the --targets file as tab-separated
    fields: key, what, measured, target, verdict (meets, does not meet,
    info), section."""

    def __init__(self, section):
        self.section = section
        self.parts = []
        self.targets = []

    def add(self, text=""):
        self.parts.append(text)

    def target(self, key, what, measured, target, verdict_):
        self.targets.append((key, what, measured, target, verdict_, self.section))

    def markdown(self):
        return "\n".join(self.parts).rstrip("\n") + "\n"

    def write(self, results, targets):
        if results:
            with open(results + ".tmp", "w") as f:
                f.write(self.markdown())
            os.replace(results + ".tmp", results)
        if targets:
            with open(targets, "w") as f:
                for t in self.targets:
                    f.write("\t".join(str(x).replace("\t", " ") for x in t) + "\n")

    def print_targets(self):
        if self.targets:
            print()
            print(text_table(["target", "measured", "target", "verdict"],
                             [t[1:5] for t in self.targets]))


def common_args(parser):
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: small counts, few repetitions")
    parser.add_argument("--results", metavar="FILE",
                        help="write this script's markdown section to FILE "
                             "(bench/all assembles bench/RESULTS.md from them)")
    parser.add_argument("--targets", metavar="FILE",
                        help="write its rows for the summary table to FILE (TSV)")
    parser.add_argument("--no-results", action="store_true",
                        help="write no file (the default when run alone)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch directory")


def section_header(rep, title, script, started, load_before, load_after, took, extra=""):
    rep.add("## %s" % title)
    rep.add()
    rep.add("`%s`; %s; load average before %s, after %s; took %.0f s.%s" % (
        script, started, load_before, load_after, took, extra))
    rep.add()


def now_utc():
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
