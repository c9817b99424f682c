/* loky_worker.c: one reusable worker's process: its start (three pipes
 * and the vfork spawner), the items written to its stdin, its stdout read
 * into loky_answers.c and its stderr passed on in whole lines, its exit,
 * what each tick checks on it (its pace, a stall on a buffer, a drain
 * that is over, a worker that does not exit), and the signals of the
 * core's --timeout.  It tells loky.c of changes through lk->ev only. */
#include "loky.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a worker may stay after its stdin was closed and every item
 * it got was answered (then SIGTERM; twice as long, SIGKILL). */
#define LINGER_MS 2000u
/* How long a worker that closed its stdout early may take to exit before
 * it is ended. */
#define CLOSED_STDOUT_MS 200u
/* A worker's stderr goes on in whole lines (ended by \n or \r); a line
 * longer than this goes on in pieces. */
#define ERR_LINE_MAX (64u * 1024)

static void on_handle_closed(uv_handle_t *h);

/* ------------------------------------------------------------------ */
/* Writing items                                                       */
/* ------------------------------------------------------------------ */

static void
on_written(uv_write_t *req, int status)
{
	struct lworker *w = req->data;

	w->writing = false;
	w->wbuf.len = 0;
	if (status == 0)
		w->sent += w->unsent;
	/* A failed write (EPIPE, or cancelled by a close) means the worker
	 * is going away: its exit hands its items on. */
	if (status == 0)
		w->lk->ev->room(w);
}

void
scx__lworker_close_stdin(struct lworker *w)
{
	if (w->in_open && !w->writing) {
		w->in_open = false;
		uv_close((uv_handle_t *)&w->in, on_handle_closed);
	}
}

void
scx__lworker_shut_stdin(struct lworker *w)
{
	if (w->in_open) {
		w->in_open = false;
		uv_close((uv_handle_t *)&w->in, on_handle_closed);
	}
}

/* Writes the framed items: what the pipe takes at once (counted in
 * w->sent, which tells at the worker's exit whether it read anything),
 * the rest through libuv.  @return whether all of it went at once (more
 * may fit). */
bool
scx__lworker_write(struct lworker *w)
{
	uv_buf_t buf = uv_buf_init(w->wbuf.data, (unsigned)w->wbuf.len);
	int n = uv_try_write((uv_stream_t *)&w->in, &buf, 1);

	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		/* EPIPE: the worker is going away; its exit hands its
		 * items on. */
		w->wbuf.len = 0;
		return false;
	}
	w->sent += (uint64_t)n;
	if ((size_t)n == w->wbuf.len) {
		w->wbuf.len = 0;
		return true;
	}
	buf = uv_buf_init(w->wbuf.data + n, (unsigned)(w->wbuf.len - n));
	w->unsent = buf.len;
	w->writing = true;
	if (uv_write(&w->wreq, (uv_stream_t *)&w->in, &buf, 1, on_written) !=
	    0) {
		w->writing = false;
		w->wbuf.len = 0;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Reading answers                                                     */
/* ------------------------------------------------------------------ */

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lworker *w = h->data;
	struct scx_buf *b = h == (uv_handle_t *)&w->out ? &w->rbuf : &w->ebuf;

	(void)suggested;
	if (scx_buf_reserve(b, READ_CHUNK) != 0) {
		buf->base = NULL;
		buf->len = 0;
		return;
	}
	buf->base = b->data + b->len;
	buf->len = b->cap - b->len;
}

/* The process ended and its output is read: the backend settles its
 * items. */
static void
worker_check_finished(struct lworker *w)
{
	if (w->running && w->exited && !w->out_open && !w->err_open)
		w->lk->ev->finished(w);
}

static void
on_out(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct lworker *w = st->data;
	uint64_t before;

	(void)buf;
	if (nread > 0) {
		w->rbuf.len += (size_t)nread;
		w->now_ns = uv_hrtime();
		before = w->answers;
		scx__loky_parse_answers(w, false);
		/* Half a window answered at once: a fast worker; do not wait
		 * for the next tick to give it more. */
		if (!w->lk->fixed_window && w->window < MAX_WINDOW &&
		    w->answers - before >= w->window / 2 &&
		    w->answers - before >= 2)
			w->window *= 2;
		w->lk->ev->room(w);
		return;
	}
	if (nread == 0)
		return;
	/* No memory for the answer: an error, never a shortened answer. */
	if (nread == UV_ENOBUFS) {
		scx__loky_fatal(w->lk, -ENOMEM,
				"reading the answers of worker %u", w->index);
		return;
	}
	w->now_ns = uv_hrtime();
	/* At the end of its output, unfinished bytes are a last answer; a
	 * read error leaves them unanswered. */
	if (nread == UV_EOF)
		scx__loky_parse_answers(w, true);
	w->out_open = false;
	uv_close((uv_handle_t *)&w->out, on_handle_closed);
	worker_check_finished(w);
}

/* Passes the first @n bytes of the worker's stderr on. */
static void
flush_stderr(struct lworker *w, size_t n)
{
	struct scx_buf *b = &w->ebuf;

	if (n == 0)
		return;
	scx_run_stderr(w->lk->run, b->data, n);
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	w->err_lines = 0;
	scx_buf_trim(b, READ_CHUNK);
}

/* A reusable worker's stderr belongs to no item: it is passed on in
 * whole lines, so that two workers' lines never mix. */
static void
on_err(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct lworker *w = st->data;
	struct scx_buf *b = &w->ebuf;
	size_t n, old;

	(void)buf;
	if (nread > 0) {
		/* Bytes after err_lines hold no line end: look at the new
		 * bytes only, from their end. */
		old = b->len;
		b->len += (size_t)nread;
		for (n = b->len; n > old; n--)
			if (b->data[n - 1] == '\n' || b->data[n - 1] == '\r')
				break;
		if (n > old)
			w->err_lines = n;
		/* Whole lines go on at the next tick, many in one write (a
		 * progress bar redrawn for every item costs one write per
		 * tick, not per item); sooner when many wait, in pieces when
		 * one line is too long to hold. */
		if (b->len >= ERR_LINE_MAX)
			flush_stderr(w, w->err_lines ? w->err_lines : b->len);
		return;
	}
	if (nread == 0)
		return;
	flush_stderr(w, b->len);
	w->err_open = false;
	uv_close((uv_handle_t *)&w->err, on_handle_closed);
	worker_check_finished(w);
}

/* ------------------------------------------------------------------ */
/* A worker's life                                                     */
/* ------------------------------------------------------------------ */

/* Whether the worker read any of what was written to it: what is still
 * in its stdin pipe (FIONREAD on our end) is what it did not read (the
 * first writes are small: all of them fit in the pipe).  A pipe closed
 * already counts as read. */
static bool
read_any(struct lworker *w)
{
	uv_os_fd_t fd;
	int queued;

	if (!w->in_open || uv_fileno((uv_handle_t *)&w->in, &fd) != 0 ||
	    ioctl(fd, FIONREAD, &queued) != 0)
		return true;
	return (uint64_t)queued < w->sent;
}

static void
worker_exited(struct lworker *w, int wstatus)
{
	w->read_any = read_any(w);
	w->exited = true;
	w->exited_ns = uv_hrtime();
	scx__wait_status(wstatus, &w->exit_status, &w->term_signal);
	scx__procs_reaped(w->pid);
	if (w->lk->stop == SCX_STOP_KILL) {
		if (w->out_open) {
			w->out_open = false;
			uv_close((uv_handle_t *)&w->out, on_handle_closed);
		}
		if (w->err_open) {
			w->err_open = false;
			uv_close((uv_handle_t *)&w->err, on_handle_closed);
		}
	}
	worker_check_finished(w);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct lworker *w = h->data;

	if (--w->handles == 0)
		w->lk->ev->freed(w);
}

/* Opens the worker's three pipes; the ends that are the worker's come
 * back in @fds.  @return 0 or a negated errno. */
static int
open_pipes(struct lworker *w, int fds[3])
{
	uv_loop_t *loop = w->lk->loop;
	int err;

	fds[0] = fds[1] = fds[2] = -1;
	w->handles = 3;
	w->in_open = w->out_open = w->err_open = true;
	err = scx__pipe_open(loop, &w->in, w, false, &fds[0]);
	if (err == 0)
		err = scx__pipe_open(loop, &w->out, w, true, &fds[1]);
	else
		uv_pipe_init(loop, &w->out, 0);
	if (err == 0)
		err = scx__pipe_open(loop, &w->err, w, true, &fds[2]);
	else
		uv_pipe_init(loop, &w->err, 0);
	return err;
}

/* The worker could not start: its pipes close, and it is not running. */
static void
start_failed(struct lworker *w, const int fds[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	w->in_open = w->out_open = w->err_open = false;
	uv_close((uv_handle_t *)&w->in, on_handle_closed);
	uv_close((uv_handle_t *)&w->out, on_handle_closed);
	uv_close((uv_handle_t *)&w->err, on_handle_closed);
}

static void
reset_worker(struct lworker *w)
{
	struct loky *lk = w->lk;

	w->exited = false;
	w->writing = false;
	w->signalled = false;
	w->closed_stdout = false;
	w->timed_out = false;
	w->timeout_killed = false;
	w->timeout_seq = 0;
	w->idle_since = 0;
	w->answers = w->answers_seen = 0;
	w->exit_status = w->term_signal = 0;
	w->sent = 0;
	w->read_any = false;
	w->rbuf.len = w->rpos = w->rscan = 0;
	w->body_left = 0;
	w->streaming = false;
	scx_spool_reset(&w->ans);
	w->ebuf.len = 0;
	w->err_lines = 0;
	w->wbuf.len = 0;
	/* A slot keeps what it learned about its worker (the floor a
	 * block-buffered one needs) across respawns. */
	if (w->floor == 0)
		w->floor = 1;
	w->window = lk->fixed_window ? lk->fixed_window : FIRST_WINDOW;
	if (w->window < w->floor)
		w->window = w->floor;
}

/* Starts the slot's worker, by the same vfork spawner as one process per
 * item: its own session, and the parent-death signal. */
int
scx__lworker_start(struct lworker *w)
{
	struct loky *lk = w->lk;
	struct scx__spawn_req req;
	struct scx_command cmd;
	int fds[3], err;

	err = scx_run_worker_command(lk->run, w->index, &cmd);
	if (err != 0) {
		scx__loky_fatal(lk, err, "building the worker command");
		return err;
	}
	w->wreq.data = w;
	reset_worker(w);
	err = open_pipes(w, fds);
	if (err != 0) {
		scx__loky_fatal(lk, err, "making a worker's pipes");
		start_failed(w, fds);
		return err;
	}
	memset(&req, 0, sizeof(req));
	req.argv = cmd.argv;
	req.envp = cmd.envp;
	req.cwd = cmd.cwd;
	req.stdin_fd = fds[0];
	req.stdout_fd = fds[1];
	req.stderr_fd = fds[2];
	err = scx__spawn(&lk->spawner, &req, &w->pid);
	if (err != 0) {
		/* Not a respawn loop: a worker that cannot start at all ends
		 * the run; one that cannot start now (the process limit,
		 * memory) waits for the retry timer. */
		if (err == -EAGAIN || err == -ENOMEM)
			err = -EAGAIN;
		else
			scx__loky_fatal(lk, err, "cannot start worker '%s'",
					cmd.argv[0]);
		start_failed(w, fds);
		return err;
	}
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	w->running = true;
	uv_read_start((uv_stream_t *)&w->out, on_alloc, on_out);
	uv_read_start((uv_stream_t *)&w->err, on_alloc, on_err);
	return 0;
}

/* Only our own process is reaped: a library user's other children are
 * left alone. */
void
scx__lworker_reap(struct lworker *w)
{
	int status;

	if (w->running && !w->exited && scx__reap(w->pid, &status))
		worker_exited(w, status);
}

/* ------------------------------------------------------------------ */
/* Every tick                                                          */
/* ------------------------------------------------------------------ */

/* Whether the worker read everything written to it: FIONREAD on our
 * end of its stdin pipe counts what is still in the pipe (a Unix socket,
 * should the pipe be one, answers SIOCOUTQ). */
static bool
stdin_drained(struct lworker *w)
{
	struct stat st;
	int fd, queued;

	if (uv_fileno((uv_handle_t *)&w->in, &fd) != 0 || fstat(fd, &st) != 0)
		return false;
	if (ioctl(fd, S_ISSOCK(st.st_mode) ? SIOCOUTQ : FIONREAD, &queued) != 0)
		return false;
	return queued == 0;
}

/* Sets the window from the worker's pace: about TARGET_MS of its work. */
static void
pace(struct lworker *w, uint64_t answered)
{
	double now = (double)answered * (1000.0 / TICK_MS), want;

	w->rate = w->rate > 0 ? (w->rate + now) / 2 : now;
	if (w->lk->fixed_window)
		return;
	want = w->rate * (TARGET_MS / 1000.0);
	w->window = want < 1		? 1
		    : want > MAX_WINDOW ? MAX_WINDOW
					: (size_t)want;
	if (w->window < w->floor)
		w->window = w->floor;
}

/* Whether reading what a worker's pipes hold goes on. */
static bool
still_reading(void *arg)
{
	const struct lworker *w = arg;

	return w->running && !w->lk->failed;
}

/* Reads what @pipe holds already, through the read callbacks (see
 * scx__read_pending()). */
static void
read_pending(struct lworker *w, uv_pipe_t *pipe, bool open)
{
	if (open)
		scx__read_pending(pipe, on_alloc,
				  pipe == &w->out ? on_out : on_err,
				  still_reading, w);
}

/* --timeout: the core's clock of the worker's oldest unanswered item
 * started at the later of its writing and the previous answer. */
int
scx__lworker_signal(struct lworker *w, uint64_t seq, int sig)
{
	uint64_t answered;

	if (!w->running)
		return -ESRCH;
	/* The group gets SIGKILL after the grace even when the worker
	 * itself died of the SIGTERM: a process it started that ignores
	 * SIGTERM may still hold its stdout. */
	if (sig == SIGKILL) {
		if (!w->timed_out || w->timeout_killed || w->timeout_seq != seq)
			return -ESRCH;
		w->timeout_killed = true;
		kill(-w->pid, SIGKILL);
		return 0;
	}
	if (w->timed_out || w->exited || w->fl.n == 0 ||
	    scx__loky_oldest(w)->item->seq != seq)
		return -ESRCH;
	/* The runner may have been stopped (SIGSTOP) while the answer came
	 * in time: what the pipe holds is read first. */
	answered = w->answers;
	read_pending(w, &w->out, w->out_open);
	if (w->answers != answered || !w->running || w->exited || w->fl.n == 0)
		return -ESRCH;
	w->timed_out = true;
	w->timeout_seq = seq;
	kill(-w->pid, sig);
	return 0;
}

/* The worker exited SCX__DRAIN_MS ago and something it started still
 * holds its stdout or stderr: what came is taken, the rest is not waited
 * for (the run's end stops what holds them). */
static void
drain_over(struct lworker *w)
{
	if (!w->running || !w->exited || (!w->out_open && !w->err_open) ||
	    uv_hrtime() - w->exited_ns < SCX__DRAIN_MS * 1000000ull)
		return;
	/* The loop may have been busy past the drain's end: what the pipes
	 * hold already was written in time. */
	read_pending(w, &w->out, w->out_open);
	read_pending(w, &w->err, w->err_open);
	if (!w->running || w->lk->failed)
		return;
	if (w->out_open) {
		w->now_ns = uv_hrtime();
		scx__loky_parse_answers(w, true);
		w->out_open = false;
		uv_close((uv_handle_t *)&w->out, on_handle_closed);
	}
	if (w->err_open) {
		flush_stderr(w, w->ebuf.len);
		w->err_open = false;
		uv_close((uv_handle_t *)&w->err, on_handle_closed);
	}
	worker_check_finished(w);
}

/* A worker whose stdin we closed and that answered every item has nothing
 * left to do: it should exit.  One that does not within LINGER_MS gets
 * SIGTERM, then SIGKILL, rather than hold the run open for ever. */
static void
linger(struct lworker *w)
{
	uint64_t now, idle;

	/* A worker that closed its stdout while it has items to answer, or
	 * while more may come, can never answer them: unless it is about to
	 * exit anyway (dying processes close their stdout first), end it
	 * rather than wait for an exit that may not come. */
	if (w->running && !w->exited && !w->out_open &&
	    (w->fl.n > 0 || w->in_open)) {
		now = uv_hrtime();
		if (w->idle_since == 0)
			w->idle_since = now;
		else if (now - w->idle_since >= CLOSED_STDOUT_MS * 1000000u &&
			 !w->closed_stdout) {
			w->closed_stdout = true;
			kill(-w->pid, SIGKILL);
		}
		return;
	}
	if (!w->running || w->exited || w->in_open || w->fl.n > 0) {
		w->idle_since = 0;
		return;
	}
	now = uv_hrtime();
	if (w->idle_since == 0) {
		w->idle_since = now;
		return;
	}
	idle = (now - w->idle_since) / 1000000u;
	if (idle >= 2 * LINGER_MS)
		kill(-w->pid, SIGKILL);
	else if (idle >= LINGER_MS)
		kill(-w->pid, SIGTERM);
}

/* Every tick: measure the worker's pace if it is busy, and find whether
 * it waits for input while it holds answers in a buffer (a full window,
 * no answer since the last tick, an empty stdin pipe): a larger window
 * lets it fill its buffer and flush. */
bool
scx__lworker_tick(struct lworker *w)
{
	uint64_t answered;
	size_t before;

	answered = w->answers - w->answers_seen;
	w->answers_seen = w->answers;
	flush_stderr(w, w->err_lines);
	drain_over(w);
	linger(w);
	if (!w->running || w->exited || !w->in_open || w->fl.n == 0)
		return false;
	before = w->window;
	pace(w, answered);
	if (answered == 0 && w->fl.n >= before && !w->writing &&
	    stdin_drained(w) && w->floor < MAX_FLOOR) {
		w->floor = before * 2;
		if (w->window < w->floor)
			w->window = w->floor;
	}
	return w->window > before;
}
