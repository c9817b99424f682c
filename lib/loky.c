/* loky.c: the reusable-worker backend: each slot's worker command starts
 * once and answers many items over a pipe, one result record per item,
 * in order; a worker that dies is replaced and its unanswered items run
 * again. */
#include "loky.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

/* How long a worker may stay after its stdin was closed and every item
 * it got was answered (then SIGTERM; twice as long, SIGKILL). */
#define LINGER_MS 2000u
/* How long a worker that closed its stdout early may take to exit before
 * it is ended. */
#define CLOSED_STDOUT_MS 200u
/* An unfinished answer this long moves from the read buffer to the
 * answer spool (memory, then a temporary file). */
#define ANSWER_SPOOL_AT (256u * 1024)
/* A worker's stderr goes on in whole lines (ended by \n or \r); a line
 * longer than this goes on in pieces. */
#define ERR_LINE_MAX (64u * 1024)
/* Workers in a row that exit without one answer before we give up. */
#define MAX_BARREN 5

static void worker_fill(struct lworker *w);
static void slot_free(struct lworker *w);
static void worker_start(struct lworker *w);
static void maybe_close_tick(struct loky *lk);

/* ------------------------------------------------------------------ */
/* Bookkeeping                                                         */
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
		worker_fill(w);
}

static void on_handle_closed(uv_handle_t *h);

static void
close_stdin(struct lworker *w)
{
	if (w->in_open && !w->writing) {
		w->in_open = false;
		uv_close((uv_handle_t *)&w->in, on_handle_closed);
	}
}

/* Writes more items while the worker has room in its window: first items
 * to run again, then new ones from the core. */
/* Writes the framed items: what the pipe takes at once (counted in
 * w->sent, which tells at the worker's exit whether it read anything),
 * the rest through libuv.  @return whether all of it went at once (more
 * may fit). */
static bool
write_items(struct lworker *w)
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

/* Puts more items on the worker while it has room in its window: first
 * items to run again, then new ones.  @return whether it wrote them all
 * at once (room may be left). */
static bool
fill_once(struct lworker *w)
{
	struct loky *lk = w->lk;
	struct scx_chunk *c;
	struct lchunk *lc;
	struct flight f;
	uint64_t now;
	int64_t wall;
	size_t room, i;
	int err = 0;

	if (!w->running || w->exited || !w->in_open || w->writing)
		return false;
	if (lk->stop || lk->failed) {
		close_stdin(w);
		return false;
	}
	room = w->window > w->fl.n ? w->window - w->fl.n : 0;
	if (room == 0)
		return false;
	now = uv_hrtime();
	wall = scx__wall_us();
	while (room > 0 && lk->requeue.n > 0 && err == 0) {
		f = scx__loky_fifo_pop(&lk->requeue);
		err = scx__loky_send_item(w, &f, now, wall);
		room--;
	}
	if (room > 0 && !lk->eof && err == 0) {
		err = scx_run_take(lk->run, room, &c);
		if (err == 0) {
			lc = malloc(sizeof(*lc));
			if (lc == NULL) {
				for (i = 0; i < c->n; i++)
					scx_run_abandon(lk->run, &c->items[i]);
				scx_chunk_destroy(c);
				err = -ENOMEM;
			} else {
				lc->c = c;
				lc->pending = c->n + 1;
				for (i = 0; i < c->n && err == 0; i++) {
					f.item = &c->items[i];
					f.lc = lc;
					err = scx__loky_send_item(w, &f, now,
								  wall);
				}
				for (; i < c->n; i++) {
					scx_run_abandon(lk->run, &c->items[i]);
					scx__loky_chunk_release(lc);
				}
				scx__loky_chunk_release(lc);
			}
		} else if (err == SCX_EOF) {
			lk->eof = true;
			err = 0;
		} else if (err == SCX_EAGAIN) {
			err = 0;
		}
	}
	if (err != 0) {
		scx__loky_fatal(lk, err, "feeding worker %u", w->index);
		return false;
	}
	if (w->wbuf.len > 0)
		return write_items(w);
	/* Nothing left to send: end of input lets the worker flush. */
	if (lk->eof && lk->requeue.n == 0)
		close_stdin(w);
	return false;
}

/* Writes more items while the worker has room in its window. */
static void
worker_fill(struct lworker *w)
{
	while (fill_once(w))
		;
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

static void worker_check_finished(struct lworker *w);
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
		worker_fill(w);
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

/* What the items of a worker that ended become. */
static void
settle(struct lworker *w)
{
	struct loky *lk = w->lk;
	struct flight f;
	bool early = !lk->eof || lk->requeue.n > 0 || w->fl.n > 0;

	w->running = false;
	close_stdin(w);
	if (w->in_open) { /* a write was still under way */
		w->in_open = false;
		uv_close((uv_handle_t *)&w->in, on_handle_closed);
	}
	if (lk->stop >= SCX_STOP_TERMINATE || lk->failed) {
		scx__loky_drop_partial(w);
		scx__loky_abandon_all(lk, &w->fl);
		return;
	}
	scx__loky_last_answer(w);
	scx__loky_drop_partial(w);
	if (w->fl.n > 0) {
		w->now_ns = uv_hrtime();
		scx__loky_fail_head(w);
		/* Draining: nothing runs again. */
		if (lk->stop) {
			scx__loky_abandon_all(lk, &w->fl);
			return;
		}
		/* The rest never started as far as we know: run them again,
		 * before anything new. */
		while (w->fl.n > 0) {
			f = scx__loky_fifo_pop(&w->fl);
			if (scx__loky_fifo_push(&lk->requeue, &f) != 0) {
				scx__loky_abandon(lk, &f);
				scx__loky_fatal(lk, -ENOMEM,
						"requeueing items");
			}
		}
	} else if (!early && (w->exit_status || w->term_signal)) {
		char msg[160];

		scx__item_msg(msg, sizeof(msg), lk->cfg,
			      "warning: worker %u exited with %s %d after its "
			      "last item",
			      w->index, w->term_signal ? "signal" : "status",
			      w->term_signal ? w->term_signal : w->exit_status);
		scx_run_stderr(lk->run, msg, strlen(msg));
	}
	/* A worker that dies holding items fails its oldest one, so an item
	 * that crashes its worker fails (after its retries) and the run goes
	 * on.  Only a command whose workers exit without reading anything
	 * (true, an interpreter that cannot start its script) is given up on
	 * after MAX_BARREN of them in a row. */
	if (early && lk->stop == 0) {
		lk->barren = w->answers || w->read_any ? 0 : lk->barren + 1;
		if (lk->barren >= MAX_BARREN)
			scx__loky_fatal(
			    lk, SCX_EWORKER,
			    "worker '%s' exited %u times in a row without "
			    "answering an item or reading its input (last: "
			    "%s %d); it must read items on stdin and write "
			    "one answer per item",
			    lk->cfg->argv[0], lk->barren,
			    w->term_signal ? "signal" : "status",
			    w->term_signal ? w->term_signal : w->exit_status);
	}
	/* Other workers may have room for what this one left. */
	for (unsigned i = 0; i < lk->n; i++)
		if (lk->w[i].running)
			worker_fill(&lk->w[i]);
}

/* The process ended and its output is read: settle its items, and free
 * the slot if its pipes are all closed already (stdin closed at the end
 * of the input, its output read to the end before it exited). */
static void
worker_finished(struct lworker *w)
{
	settle(w);
	if (w->handles == 0)
		slot_free(w);
}

static void
worker_check_finished(struct lworker *w)
{
	if (w->running && w->exited && !w->out_open && !w->err_open)
		worker_finished(w);
}

/* Takes one item from the core into the pending queue, so that a worker
 * is started only when it has something to do.  @return whether an item
 * is pending. */
static bool
take_ahead(struct loky *lk)
{
	struct scx_chunk *c;
	struct lchunk *lc;
	struct flight f;
	int err;

	if (lk->requeue.n > 0)
		return true;
	if (lk->eof)
		return false;
	err = scx_run_take(lk->run, 1, &c);
	if (err == SCX_EOF)
		lk->eof = true;
	if (err != 0)
		return false;
	lc = malloc(sizeof(*lc));
	memset(&f, 0, sizeof(f));
	f.item = &c->items[0];
	f.lc = lc;
	if (lc == NULL || (lc->c = c, lc->pending = 1,
			   scx__loky_fifo_push(&lk->requeue, &f) != 0)) {
		scx_run_abandon(lk->run, &c->items[0]);
		if (lc)
			scx__loky_chunk_release(lc);
		else
			scx_chunk_destroy(c);
		scx__loky_fatal(lk, -ENOMEM, "taking an item");
		return false;
	}
	return true;
}

/* Whether the slot should get a (fresh) worker: an item waits for it.
 * Workers start lazily: -j 64 over 3 items starts 3, and no worker is
 * started only to be told at once that input ended. */
static bool
needs_worker(struct lworker *w)
{
	struct loky *lk = w->lk;

	if (lk->stop || lk->failed || w->running || w->handles > 0 ||
	    w->spawn_wait)
		return false;
	return take_ahead(lk);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct lworker *w = h->data;

	if (--w->handles == 0)
		slot_free(w);
}

/* The slot's worker is gone and its pipes are closed: a new worker, if
 * an item waits for one.  Whichever of the process's end and its pipes'
 * closing comes last calls this. */
static void
slot_free(struct lworker *w)
{
	if (w->running)
		return;
	if (needs_worker(w))
		worker_start(w);
	else
		maybe_close_tick(w->lk);
}

static void
on_spawn_retry(uv_timer_t *t)
{
	struct loky *lk = t->data;
	unsigned i;

	for (i = 0; i < lk->n; i++)
		lk->w[i].spawn_wait = false;
	for (i = 0; i < lk->n && !lk->failed; i++)
		if (!lk->w[i].running && needs_worker(&lk->w[i]))
			worker_start(&lk->w[i]);
}

/* No process can be created for @w now: it starts again after a wait
 * that grows from 10 ms to 1 s while it lasts (the timer keeps the run
 * alive meanwhile). */
static void
spawn_later(struct lworker *w)
{
	struct loky *lk = w->lk;
	char msg[256];

	w->spawn_wait = true;
	lk->spawn_wait_ms = lk->spawn_wait_ms ? lk->spawn_wait_ms * 2 : 10;
	if (lk->spawn_wait_ms > 1000)
		lk->spawn_wait_ms = 1000;
	if (!lk->spawn_warned) {
		lk->spawn_warned = true;
		snprintf(msg, sizeof(msg),
			 "cannot start a worker now (%s: the process limit, or "
			 "memory); it starts as soon as it can",
			 strerror(EAGAIN));
		scx_run_notice(lk->run, SCX_NOTICE_SPAWN_WAIT, msg);
	}
	if (lk->retry == NULL) {
		lk->retry = malloc(sizeof(*lk->retry));
		if (lk->retry == NULL) {
			scx__loky_fatal(lk, -ENOMEM,
					"waiting to start a worker");
			return;
		}
		uv_timer_init(lk->loop, lk->retry);
		lk->retry->data = lk;
	}
	uv_timer_start(lk->retry, on_spawn_retry, lk->spawn_wait_ms, 0);
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
	w->last_answer_ns = 0;
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
static void
worker_start(struct lworker *w)
{
	struct loky *lk = w->lk;
	struct scx__spawn_req req;
	struct scx_command cmd;
	int fds[3], err;

	err = scx_run_worker_command(lk->run, w->index, &cmd);
	if (err != 0) {
		scx__loky_fatal(lk, err, "building the worker command");
		return;
	}
	w->wreq.data = w;
	reset_worker(w);
	err = open_pipes(w, fds);
	if (err != 0) {
		scx__loky_fatal(lk, err, "making a worker's pipes");
		start_failed(w, fds);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.argv = cmd.argv;
	req.envp = cmd.envp;
	req.stdin_fd = fds[0];
	req.stdout_fd = fds[1];
	req.stderr_fd = fds[2];
	err = scx__spawn(&lk->spawner, &req, &w->pid);
	if (err != 0) {
		/* Not a respawn loop: a worker that cannot start at all ends
		 * the run; one that cannot start now (the process limit,
		 * memory) waits for the retry timer. */
		if (err == -EAGAIN || err == -ENOMEM)
			spawn_later(w);
		else
			scx__loky_fatal(lk, err, "cannot start worker '%s'",
					cmd.argv[0]);
		start_failed(w, fds);
		return;
	}
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	lk->spawn_wait_ms = 0;
	w->running = true;
	uv_read_start((uv_stream_t *)&w->out, on_alloc, on_out);
	uv_read_start((uv_stream_t *)&w->err, on_alloc, on_err);
	worker_fill(w);
}

/* SIGCHLD: reaps the workers that ended (only ours: a library user's
 * other children are left alone). */
static void
on_sigchld(uv_signal_t *h, int signum)
{
	struct loky *lk = h->data;
	struct lworker *w;
	unsigned i;
	int status;

	(void)signum;
	for (i = 0; i < lk->n; i++) {
		w = &lk->w[i];
		if (w->running && !w->exited && scx__reap(w->pid, &status))
			worker_exited(w, status);
	}
}

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

/* Reads what @pipe holds already, through the read callbacks (at most
 * SCX__DRAIN_READ_MAX). */
static void
read_pending(struct lworker *w, uv_pipe_t *pipe, bool open)
{
	uv_os_fd_t fd;
	size_t total = 0;
	uv_buf_t buf;
	ssize_t n;

	if (!open || uv_fileno((uv_handle_t *)pipe, &fd) != 0)
		return;
	while (total < SCX__DRAIN_READ_MAX && w->running && !w->lk->failed) {
		on_alloc((uv_handle_t *)pipe, 0, &buf);
		if (buf.len == 0)
			return;
		do
			n = read(fd, buf.base, buf.len);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return;
		if (pipe == &w->out)
			on_out((uv_stream_t *)pipe, n, &buf);
		else
			on_err((uv_stream_t *)pipe, n, &buf);
		total += (size_t)n;
	}
}

/* A worker whose stdin we closed and that answered every item has nothing
 * left to do: it should exit.  One that does not within LINGER_MS gets
 * SIGTERM, then SIGKILL, rather than hold the run open for ever. */
/* --timeout: the oldest unanswered item has been the worker's since the
 * later of its writing and the previous answer. */
static void
check_timeout(struct lworker *w)
{
	uint64_t limit = w->lk->cfg->timeout_ms * 1000000u, now, since;
	const struct flight *head;
	uint64_t answered;

	if (limit == 0 || !w->running)
		return;
	now = uv_hrtime();
	/* The group gets SIGKILL after the grace even when the worker
	 * itself died of the SIGTERM: a process it started that ignores
	 * SIGTERM may still hold its stdout. */
	if (w->timed_out) {
		if (!w->timeout_killed &&
		    now - w->timed_out_at >= SCX__GRACE_MS * 1000000ull) {
			w->timeout_killed = true;
			kill(-w->pid, SIGKILL);
		}
		return;
	}
	if (w->exited || w->fl.n == 0)
		return;
	head = &w->fl.v[w->fl.head];
	since = head->start_ns > w->last_answer_ns ? head->start_ns
						   : w->last_answer_ns;
	if (now - since < limit)
		return;
	/* The runner may have been stopped (SIGSTOP) while the answer came
	 * in time: what the pipe holds is read first. */
	answered = w->answers;
	read_pending(w, &w->out, w->out_open);
	if (w->answers != answered || !w->running || w->exited || w->fl.n == 0)
		return;
	w->timed_out = true;
	w->timed_out_at = now;
	kill(-w->pid, SIGTERM);
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

/* Every tick: measure each busy worker's pace, and find workers that
 * wait for input while they hold answers in a buffer (a full window, no
 * answer since the last tick, an empty stdin pipe): a larger window lets
 * them fill their buffer and flush. */
static void
on_tick(uv_timer_t *t)
{
	struct loky *lk = t->data;
	struct lworker *w;
	uint64_t answered;
	size_t before;
	unsigned i;

	for (i = 0; i < lk->n; i++) {
		w = &lk->w[i];
		answered = w->answers - w->answers_seen;
		w->answers_seen = w->answers;
		flush_stderr(w, w->err_lines);
		check_timeout(w);
		drain_over(w);
		linger(w);
		if (!w->running || w->exited || !w->in_open || w->fl.n == 0)
			continue;
		before = w->window;
		pace(w, answered);
		if (answered == 0 && w->fl.n >= before && !w->writing &&
		    stdin_drained(w) && w->floor < MAX_FLOOR) {
			w->floor = before * 2;
			if (w->window < w->floor)
				w->window = w->floor;
		}
		if (w->window > before)
			worker_fill(w);
	}
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

/* The tick is needed while any worker lives (to pace it, or to end one
 * that does not exit after its last answer). */
static void
maybe_close_tick(struct loky *lk)
{
	unsigned i;

	if (lk->tick == NULL)
		return;
	if (!lk->stop && !lk->failed && !(lk->eof && lk->requeue.n == 0))
		return;
	for (i = 0; i < lk->n; i++)
		if (lk->w[i].running || lk->w[i].handles > 0)
			return;
	uv_close((uv_handle_t *)lk->tick, free_handle);
	lk->tick = NULL;
	if (lk->sigchld != NULL) {
		uv_close((uv_handle_t *)lk->sigchld, free_handle);
		lk->sigchld = NULL;
	}
	if (lk->retry != NULL) {
		uv_close((uv_handle_t *)lk->retry, free_handle);
		lk->retry = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* The backend                                                         */
/* ------------------------------------------------------------------ */

static int
loky_open(struct scx_backend *be, struct scx_run *run)
{
	struct loky *lk;
	size_t limit;
	unsigned i;

	lk = calloc(1, sizeof(*lk));
	if (lk == NULL)
		return -ENOMEM;
	lk->run = run;
	lk->cfg = scx_run_config(run);
	lk->loop = scx_run_loop(run);
	/* Three pipes per worker, three more while one starts. */
	lk->n = scx_run_fit_workers(run, scx_run_workers_wanted(run), 4);
	lk->w = calloc(lk->n, sizeof(*lk->w));
	if (lk->w == NULL) {
		free(lk);
		return -ENOMEM;
	}
	scx__spawner_init(&lk->spawner);
	/* All the workers' answers in memory together stay near 16 MiB. */
	limit = (16u << 20) / lk->n;
	if (limit > SCX__SPOOL_MEM)
		limit = SCX__SPOOL_MEM;
	if (limit < SCX__SPOOL_MIN)
		limit = SCX__SPOOL_MIN;
	lk->spool_at =
	    limit / 2 < ANSWER_SPOOL_AT ? limit / 2 : ANSWER_SPOOL_AT;
	for (i = 0; i < lk->n; i++) {
		lk->w[i].lk = lk;
		lk->w[i].index = i + 1;
		scx_spool_init(&lk->w[i].ans, limit);
	}
	be->data = lk;
	return 0;
}

static int
loky_start(struct scx_backend *be)
{
	struct loky *lk = be->data;
	unsigned i;
	int err;

	lk->rank = scx_run_rank(lk->run);
	lk->fixed_window = lk->cfg->chunksize;
	lk->tick = malloc(sizeof(*lk->tick));
	if (lk->tick == NULL)
		return -ENOMEM;
	uv_timer_init(lk->loop, lk->tick);
	lk->tick->data = lk;
	uv_timer_start(lk->tick, on_tick, TICK_MS, TICK_MS);
	uv_unref((uv_handle_t *)lk->tick);
	lk->sigchld = malloc(sizeof(*lk->sigchld));
	if (lk->sigchld == NULL)
		return -ENOMEM;
	uv_signal_init(lk->loop, lk->sigchld);
	lk->sigchld->data = lk;
	err = uv_signal_start(lk->sigchld, on_sigchld, SIGCHLD);
	if (err != 0)
		return err;
	/* The workers' pipes keep the run alive, not the signal. */
	uv_unref((uv_handle_t *)lk->sigchld);
	scx__spawner_note_signals(&lk->spawner);
	for (i = 0; i < lk->n && !lk->failed; i++)
		if (needs_worker(&lk->w[i]))
			worker_start(&lk->w[i]);
	return 0;
}

static void
loky_ready(struct scx_backend *be)
{
	struct loky *lk = be->data;
	unsigned i;

	for (i = 0; i < lk->n && !lk->failed; i++) {
		if (lk->w[i].running)
			worker_fill(&lk->w[i]);
		else if (needs_worker(&lk->w[i]))
			worker_start(&lk->w[i]);
	}
}

static void
loky_stop(struct scx_backend *be, enum scx_stop how)
{
	struct loky *lk = be->data;
	struct lworker *w;
	unsigned i;

	if (how > lk->stop)
		lk->stop = how;
	scx__loky_abandon_all(lk, &lk->requeue);
	maybe_close_tick(lk);
	for (i = 0; i < lk->n; i++) {
		w = &lk->w[i];
		if (!w->running)
			continue;
		close_stdin(w);
		if (how == SCX_STOP_DRAIN)
			continue;
		w->signalled = true;
		kill(-w->pid, how == SCX_STOP_KILL ? SIGKILL : SIGTERM);
	}
}

static void
loky_close(struct scx_backend *be)
{
	struct loky *lk = be->data;
	unsigned i;

	if (lk == NULL)
		return;
	if (lk->tick != NULL) /* only when the run failed to start */
		uv_close((uv_handle_t *)lk->tick, free_handle);
	if (lk->sigchld != NULL)
		uv_close((uv_handle_t *)lk->sigchld, free_handle);
	scx__spawner_free(&lk->spawner);
	if (lk->retry != NULL)
		uv_close((uv_handle_t *)lk->retry, free_handle);
	scx__loky_release_all(&lk->requeue);
	for (i = 0; i < lk->n; i++) {
		scx__loky_release_all(&lk->w[i].fl);
		scx_buf_free(&lk->w[i].wbuf);
		scx_buf_free(&lk->w[i].rbuf);
		scx_spool_free(&lk->w[i].ans);
		scx_buf_free(&lk->w[i].ebuf);
		free(lk->w[i].fl.v);
	}
	free(lk->requeue.v);
	free(lk->w);
	free(lk);
	be->data = NULL;
}

static unsigned
loky_size(const struct scx_backend *be)
{
	const struct loky *lk = be->data;

	return lk->n;
}

static int
loky_rank(const struct scx_backend *be)
{
	const struct loky *lk = be->data;

	return lk->cfg->rank;
}

static bool
loky_is_master(const struct scx_backend *be)
{
	(void)be;
	return true;
}

const struct scx_backend_ops scx_backend_loky = {
	.name = "loky",
	.flags = SCX_BACKEND_ITEMS_ON_STDIN,
	.open = loky_open,
	.start = loky_start,
	.ready = loky_ready,
	.stop = loky_stop,
	.close = loky_close,
	.rank = loky_rank,
	.size = loky_size,
	.is_master = loky_is_master,
};
