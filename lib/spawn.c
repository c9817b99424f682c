/* spawn.c: starts one process per item as cheaply as Linux allows, with
 * vfork (no page tables copied, no copy-on-write faults after it) and, in
 * the child, what posix_spawn cannot do: a parent-death signal, so that
 * an item never outlives a runner killed with SIGKILL. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void
scx__spawner_init(struct scx__spawner *sp)
{
	memset(sp, 0, sizeof(*sp));
	sigemptyset(&sp->reset);
}

void
scx__spawner_free(struct scx__spawner *sp)
{
	free(sp->file);
	free(sp->path);
	sp->file = sp->path = NULL;
}

void
scx__spawner_note_signals(struct scx__spawner *sp)
{
	struct sigaction sa;
	int sig;

	/* Signals with a handler of ours (libuv's) must be back to their
	 * default in the child before it could receive one; exec would do
	 * it only later.  SIGPIPE is ignored by the runner, not its items. */
	sigemptyset(&sp->reset);
	for (sig = 1; sig < 65; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33)
			continue;
		if (sigaction(sig, NULL, &sa) != 0)
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			sigaddset(&sp->reset, sig);
	}
	sigaddset(&sp->reset, SIGPIPE);
}

/* Whether @path names an executable regular file; the errno if not. */
static int
executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) == 0 ? 0 : -errno;
}

/* Finds @file as execvp would, on the PATH of this process.  The answer
 * for the last name is kept: most runs start the same program each time.
 * @return 0 and *@path (owned by @sp), or -ENOENT / -EACCES / -ENOMEM. */
static int
resolve(struct scx__spawner *sp, const char *file, const char **path)
{
	const char *dirs, *p, *colon;
	struct scx_buf b = { 0 };
	int err, found = -ENOENT;
	size_t n;

	if (strchr(file, '/')) {
		*path = file;
		return 0;
	}
	if (file[0] == '\0')
		return -ENOENT;
	if (sp->file && strcmp(sp->file, file) == 0) {
		*path = sp->path;
		return sp->path ? 0 : sp->err;
	}
	dirs = getenv("PATH");
	if (dirs == NULL)
		dirs = "/usr/local/bin:/bin:/usr/bin";
	for (p = dirs;; p = colon + 1) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		b.len = 0;
		if (scx_buf_append(&b, n ? p : ".", n ? n : 1) != 0 ||
		    scx_buf_putc(&b, '/') != 0 ||
		    scx_buf_append(&b, file, strlen(file) + 1) != 0) {
			scx_buf_free(&b);
			return -ENOMEM;
		}
		err = executable(b.data);
		if (err == 0) {
			found = 0;
			break;
		}
		if (err == -EACCES)
			found = -EACCES;
		if (colon == NULL)
			break;
	}
	free(sp->file);
	free(sp->path);
	sp->file = strdup(file);
	sp->path = found == 0 ? strdup(b.data) : NULL;
	sp->err = found;
	scx_buf_free(&b);
	if (sp->file == NULL || (found == 0 && sp->path == NULL))
		return -ENOMEM;
	*path = sp->path;
	return found;
}

/* Makes @from the child's descriptor @to, open across exec (dup2 leaves
 * a descriptor that is already @to close-on-exec). */
static int
move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

/* The child's side of vfork: it runs on the parent's memory until
 * execve, so it makes system calls only and reports a failure in
 * *req->child_errno. */
static void __attribute__((noinline, noreturn))
child(const struct scx__spawn_req *req, const char *path, const sigset_t *reset,
      pid_t parent)
{
	struct sigaction dfl;
	sigset_t none;
	int sig, fd;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < 65; sig++)
		if (sigismember(reset, sig) == 1)
			sigaction(sig, &dfl, NULL);
	/* Its own session and process group: a stop reaches all it starts. */
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127); /* the runner died before the line above */
	if (req->stdin_fd >= 0) {
		fd = req->stdin_fd;
	} else {
		/* Close-on-exec: only its copy as stdin reaches the worker. */
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			goto fail;
	}
	if (move_fd(fd, 0) < 0 || move_fd(req->stdout_fd, 1) < 0 ||
	    move_fd(req->stderr_fd, 2) < 0)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* As nice(1) does it: a niceness it may not have is not an error. */
	if (req->nice != 0)
		(void)!nice(req->nice);
	if (req->cwd != NULL && chdir(req->cwd) != 0)
		goto fail;
	execve(path, req->argv, req->envp);
fail:
	*req->child_errno = errno;
	_exit(127);
}

int
scx__spawn(struct scx__spawner *sp, const struct scx__spawn_req *req,
	   pid_t *out)
{
	volatile int child_errno = 0;
	struct scx__spawn_req r = *req;
	sigset_t all, old;
	const char *path;
	pid_t pid, parent = getpid();
	int err, status;

	err = resolve(sp, req->argv[0], &path);
	if (err != 0)
		return err;
	r.child_errno = (int *)&child_errno;
	r.nice = sp->nice;
	/* No handler may run in the child while it shares our memory. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child(&r, path, &sp->reset, parent);
	err = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		return err;
	if (child_errno != 0) {
		/* The child exited without exec: reap it, report why. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return -child_errno;
	}
	*out = pid;
	scx__procs_spawned(pid);
	return 0;
}
