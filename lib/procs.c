/* procs.c: every process a run's items started, found again and ended:
 * the runner is a child subreaper, so descendants that leave their item
 * (a background child, a setsid daemon) come back to it as its children;
 * process groups that outlive their item's own process are remembered;
 * and a small guard process, which shares a table of every item's group
 * with the runner, kills them when the runner itself dies by SIGKILL.
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

struct guard_tab;

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static struct {
	unsigned open;	       /* runs under way in this process */
	struct pidset ours;    /* children we started, not yet reaped */
	struct pidset foreign; /* children that were there before */
	struct pidset groups;  /* groups alive after their leader ended */
	pid_t guard;
	int guard_fd;		     /* its pipe, or -1 */
	struct guard_tab *guard_tab; /* shared with it */
	struct pidset free_slots;    /* free slots of the table */
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
	if (SCX__GROW(s->v, s->cap, s->n + 1, 16) != 0)
		return -ENOMEM;
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
	struct scx_buf b = { 0 };
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
			if (scx_buf_reserve(&b, 4096) != 0)
				break;
			n = scx__read_once(fd, b.data + b.len,
					   b.cap - b.len - 1);
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
	scx_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* The guard                                                           */
/* ------------------------------------------------------------------ */

/* The guard shares a table with the runner (mapped before the fork):
 * slots hold the process groups to end, 0 when free, and top says how
 * many slots were ever used.  The runner writes it with plain stores (an
 * aligned 32-bit store is whole), so that telling the guard of an item
 * costs no system call and wakes nobody; the guard reads it only once the
 * runner is gone. */
struct guard_tab {
	volatile uint32_t top;
	volatile int32_t slot[];
};

/* The guard's life: it waits for its pipe to end, because the runner
 * exited or was killed, then sends SIGKILL to every group in the table.
 * System calls only. */
static void __attribute__((noreturn)) guard_main(int fd, struct guard_tab *tab)
{
	static const int ignored[] = { SIGINT,	SIGTERM, SIGHUP,  SIGQUIT,
				       SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU,
				       SIGUSR1, SIGUSR2 };
	struct sigaction ign;
	uint32_t i, top;
	sigset_t none;
	char buf[64];
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
	do
		got = read(fd, buf, sizeof(buf));
	while (got > 0 || (got < 0 && errno == EINTR));
	top = tab->top < GUARD_CAP ? tab->top : GUARD_CAP;
	for (i = 0; i < top; i++)
		if (tab->slot[i] > 0)
			kill(-tab->slot[i], SIGKILL);
	_exit(0);
}

static void
guard_start(void)
{
	int fds[2];
	pid_t pid;

	if (P.guard_tab == NULL) {
		P.guard_tab =
		    mmap(NULL,
			 sizeof(struct guard_tab) + GUARD_CAP * sizeof(int32_t),
			 PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

/* Puts group @pgid in the guard's table.  Free slots are kept on a
 * stack of the runner's own; the table only ever grows to the most groups
 * held at once. */
static void
guard_add(pid_t pgid)
{
	struct guard_tab *t = P.guard_tab;
	uint32_t i;

	if (P.guard_fd < 0 || t == NULL)
		return;
	if (P.free_slots.n > 0) {
		i = (uint32_t)P.free_slots.v[--P.free_slots.n];
	} else {
		if (t->top >= GUARD_CAP)
			return;
		i = t->top;
		t->slot[i] = 0;
		t->top = i + 1;
	}
	t->slot[i] = (int32_t)pgid;
}

/* Takes group @pgid out of the guard's table. */
static void
guard_remove(pid_t pgid)
{
	struct guard_tab *t = P.guard_tab;
	uint32_t i;

	if (P.guard_fd < 0 || t == NULL)
		return;
	for (i = t->top; i > 0; i--)
		if (t->slot[i - 1] == (int32_t)pgid) {
			t->slot[i - 1] = 0;
			set_add(&P.free_slots, (pid_t)(i - 1));
			return;
		}
}

static void
guard_stop(void)
{
	int status;

	if (P.guard_fd < 0)
		return;
	/* Everything left was ended: the guard has nothing to do. */
	if (P.guard_tab != NULL)
		P.guard_tab->top = 0;
	close(P.guard_fd);
	P.guard_fd = -1;
	while (waitpid(P.guard, &status, 0) < 0 && errno == EINTR)
		;
	P.guard = 0;
	P.free_slots.n = 0;
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
	guard_add(pid);
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
	guard_remove(pid);
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
		guard_remove(P.groups.v[i]);
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
		while (scx__procs_kill_left(SIGKILL) > 0 &&
		       waited < 4 * SCX__GRACE_MS) {
			nap(10);
			waited += 10;
		}
	}
	scx__procs_sweep();
	guard_stop();
	set_free(&P.ours);
	set_free(&P.foreign);
	set_free(&P.groups);
	set_free(&P.free_slots);
	P.open = 0;
}
