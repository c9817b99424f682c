/* procs.c: every process a run's items started, found again and ended:
 * the runner is a child subreaper, so descendants that leave their item
 * (a background child, a setsid daemon) come back to it as its children;
 * process groups that outlive their item's own process are remembered;
 * and a small guard process, told of every group, kills them when the
 * runner itself dies by SIGKILL.
 *
 * Everything here runs on the loop thread, but for the guard's child,
 * which makes system calls only (it is forked from a process with other
 * threads). */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Groups the guard can hold: running items and the groups they left. */
#define GUARD_CAP (1u << 20)

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static struct {
	unsigned open; /* runs under way in this process */
	struct pidset ours;	/* children we started, not yet reaped */
	struct pidset foreign;	/* children that were there before */
	struct pidset groups;	/* groups alive after their leader ended */
	pid_t guard;
	int guard_fd;		/* its pipe, or -1 */
	int32_t *guard_tab;	/* its table (mapped before the fork) */
} P = { .guard_fd = -1 };

/* ------------------------------------------------------------------ */
/* Sets of pids                                                        */
/* ------------------------------------------------------------------ */

static bool
set_has(const struct pidset *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return true;
	return false;
}

static int
set_add(struct pidset *s, pid_t pid)
{
	pid_t *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 16;
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = pid;
	return 0;
}

static bool
set_remove(struct pidset *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == pid) {
			s->v[i] = s->v[--s->n];
			return true;
		}
	return false;
}

static void
set_free(struct pidset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Calls @fn for every child of this process (of any of its threads: an
 * orphan is given to one of them). */
static void
each_child(void (*fn)(pid_t pid, void *arg), void *arg)
{
	struct scx__buf b = { 0 };
	char path[64], *p, *end;
	struct dirent *d;
	ssize_t n;
	DIR *dir;
	long v;
	int fd;

	dir = opendir("/proc/self/task");
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children",
			 d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		b.len = 0;
		for (;;) {
			if (scx__buf_reserve(&b, 4096) != 0)
				break;
			n = read(fd, b.data + b.len, b.cap - b.len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			b.len += (size_t)n;
		}
		close(fd);
		if (b.len == 0)
			continue;
		b.data[b.len] = '\0';
		for (p = b.data;; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			if (v > 0)
				fn((pid_t)v, arg);
		}
	}
	closedir(dir);
	scx__buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* The guard                                                           */
/* ------------------------------------------------------------------ */

/* The guard's life: it reads "+pgid" and "-pgid" (int32) from its pipe,
 * and when the pipe ends, because the runner exited or was killed, it
 * sends SIGKILL to every group it still holds.  System calls only. */
static void __attribute__((noreturn))
guard_main(int fd, int32_t *tab)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				       SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU,
				       SIGUSR1, SIGUSR2 };
	struct sigaction ign;
	int32_t buf[1024], v;
	size_t n = 0, i, k;
	sigset_t none;
	ssize_t got;
	int null;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	for (i = 0; i < SCX__ARRAY_SIZE(ignored); i++)
		sigaction(ignored[i], &ign, NULL);
	ign.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &ign, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "scx-run-guard");
	/* Hold nothing of the runner's: no pipe of a reader downstream may
	 * wait for this process. */
	if (fd != 3) {
		dup2(fd, 3);
		fd = 3;
	}
	syscall(SYS_close_range, 4u, ~0u, 0u);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 3)
			close(null);
	}
	if (chdir("/") != 0) {
		/* Only to let the runner's directory be unmounted. */
	}
	for (;;) {
		got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (k = 0; k < (size_t)got / sizeof(buf[0]); k++) {
			v = buf[k];
			if (v > 0 && n < GUARD_CAP) {
				tab[n++] = v;
				continue;
			}
			for (i = 0; i < n; i++)
				if (tab[i] == -v) {
					tab[i] = tab[--n];
					break;
				}
		}
	}
	for (i = 0; i < n; i++)
		kill(-tab[i], SIGKILL);
	_exit(0);
}

static void
guard_start(void)
{
	int fds[2];
	pid_t pid;

	if (P.guard_tab == NULL) {
		P.guard_tab = mmap(NULL, GUARD_CAP * sizeof(int32_t),
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				   -1, 0);
		if (P.guard_tab == MAP_FAILED) {
			P.guard_tab = NULL;
			return;
		}
	}
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		guard_main(fds[0], P.guard_tab);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return;
	}
	P.guard = pid;
	P.guard_fd = fds[1];
}

/* Tells the guard of a group (@v > 0) or that it is gone (@v < 0). */
static void
guard_tell(pid_t v)
{
	int32_t m = (int32_t)v;
	ssize_t n;

	if (P.guard_fd < 0)
		return;
	do
		n = write(P.guard_fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m)) {
		/* The guard is gone: runs go on without one. */
		close(P.guard_fd);
		P.guard_fd = -1;
	}
}

static void
guard_stop(void)
{
	int status;

	if (P.guard_fd < 0)
		return;
	close(P.guard_fd);
	P.guard_fd = -1;
	while (waitpid(P.guard, &status, 0) < 0 && errno == EINTR)
		;
	P.guard = 0;
}

/* ------------------------------------------------------------------ */
/* The processes of a run                                              */
/* ------------------------------------------------------------------ */

static void
note_foreign(pid_t pid, void *arg)
{
	(void)arg;
	set_add(&P.foreign, pid);
}

void
scx__procs_open(void)
{
	if (P.open++ > 0)
		return;
	/* Descendants whose parent ends come to us, not to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	P.foreign.n = 0;
	each_child(note_foreign, NULL);
}

void
scx__procs_spawned(pid_t pid)
{
	if (!P.open)
		return;
	if (P.guard_fd < 0 && P.guard == 0)
		guard_start();
	set_add(&P.ours, pid);
	guard_tell(pid);
}

/* Whether the group @pgid still has a process. */
static bool
group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

void
scx__procs_reaped(pid_t pid)
{
	if (!P.open || !set_remove(&P.ours, pid))
		return;
	/* Its group may live on (a background child): remembered, so that
	 * the end of the run or a stop ends it. */
	if (group_alive(pid) && set_add(&P.groups, pid) == 0)
		return;
	guard_tell(-pid);
}

/* Whether @pid is a child that one of our items left behind. */
static bool
is_orphan(pid_t pid)
{
	return pid != P.guard && !set_has(&P.ours, pid) &&
	       !set_has(&P.foreign, pid);
}

static void
reap_orphan(pid_t pid, void *arg)
{
	int status;

	(void)arg;
	if (is_orphan(pid))
		waitpid(pid, &status, WNOHANG);
}

void
scx__procs_sweep(void)
{
	size_t i = 0;

	if (!P.open)
		return;
	each_child(reap_orphan, NULL);
	while (i < P.groups.n) {
		if (group_alive(P.groups.v[i])) {
			i++;
			continue;
		}
		guard_tell(-P.groups.v[i]);
		P.groups.v[i] = P.groups.v[--P.groups.n];
	}
}

struct killing {
	int sig;
	unsigned found;
};

static void
kill_orphan(pid_t pid, void *arg)
{
	struct killing *k = arg;
	int status;

	if (!is_orphan(pid))
		return;
	if (waitpid(pid, &status, WNOHANG) == pid)
		return; /* it had ended */
	k->found++;
	/* A daemon that made its own group takes it along. */
	if (getpgid(pid) == pid)
		kill(-pid, k->sig);
	kill(pid, k->sig);
}

unsigned
scx__procs_kill_left(int sig)
{
	struct killing k = { sig, 0 };
	size_t i;

	if (!P.open)
		return 0;
	scx__procs_sweep();
	for (i = 0; i < P.groups.n; i++)
		if (kill(-P.groups.v[i], sig) == 0)
			k.found++;
	each_child(kill_orphan, &k);
	return k.found;
}

/* Sleeps @ms milliseconds. */
static void
nap(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
scx__procs_close(void)
{
	unsigned waited = 0;

	if (P.open == 0 || --P.open > 0)
		return;
	P.open = 1; /* while it cleans up */
	/* What items left behind ends with the run: SIGTERM, and SIGKILL
	 * after the grace for what is still there. */
	if (scx__procs_kill_left(SIGTERM) > 0) {
		while (waited < SCX__GRACE_MS && scx__procs_kill_left(0) > 0) {
			nap(10);
			waited += 10;
		}
		while (scx__procs_kill_left(SIGKILL) > 0 && waited < 4 * SCX__GRACE_MS) {
			nap(10);
			waited += 10;
		}
	}
	scx__procs_sweep();
	guard_stop();
	set_free(&P.ours);
	set_free(&P.foreign);
	set_free(&P.groups);
	P.open = 0;
}
