/* loky.c: the reusable-worker backend: each slot's worker command starts
 * once and answers many items over a pipe, one result record per item,
 * in order; a worker that dies is replaced and its unanswered items run
 * again.  This file is the backend's operations and its scheduling:
 * which items go to which worker, what a dead worker's items become, and
 * when a slot gets a worker; loky_worker.c runs each worker's process and
 * loky_answers.c frames its items and parses its answers (see loky.h). */
#include "loky.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An unfinished answer this long moves from the read buffer to the
 * answer spool (memory, then a temporary file). */
#define ANSWER_SPOOL_AT (256u * 1024)
/* Workers in a row that exit without one answer before we give up. */
#define MAX_BARREN 5

static void slot_free(struct lworker *w);
static void worker_start(struct lworker *w);
static void maybe_close_tick(struct loky *lk);

/* ------------------------------------------------------------------ */
/* Feeding workers                                                     */
/* ------------------------------------------------------------------ */

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
		scx__lworker_close_stdin(w);
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
		if (err != 0) /* not in flight: given back, not lost */
			scx__loky_abandon(lk, &f);
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
				for (i = 0; i < c->n; i++) {
					f.item = &c->items[i];
					f.lc = lc;
					err = scx__loky_send_item(w, &f, now,
								  wall);
					if (err != 0)
						break;
				}
				/* From the one that could not be sent. */
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
		return scx__lworker_write(w);
	/* Nothing left to send: end of input lets the worker flush. */
	if (lk->eof && lk->requeue.n == 0)
		scx__lworker_close_stdin(w);
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
/* Slots and their workers                                             */
/* ------------------------------------------------------------------ */

/* The SIGCHLD handle keeps the loop alive while a worker has not been
 * reaped: a worker's pipes may close before it exits, and its exit
 * status (the warning below) must still be heard. */
static void
hold_loop(struct loky *lk)
{
	unsigned i;

	if (lk->sigchld == NULL)
		return;
	for (i = 0; i < lk->n; i++)
		if (lk->w[i].running) {
			uv_ref((uv_handle_t *)lk->sigchld);
			return;
		}
	uv_unref((uv_handle_t *)lk->sigchld);
}

/* What the items of a worker that ended become. */
static void
settle(struct lworker *w)
{
	struct loky *lk = w->lk;
	struct flight f;
	bool early = !lk->eof || lk->requeue.n > 0 || w->fl.n > 0;

	w->running = false;
	hold_loop(lk);
	scx__lworker_shut_stdin(w); /* even with a write under way */
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

/* Starts the slot's worker and gives it items; one that cannot start
 * now waits for the retry timer.  Other failures were reported, and have
 * ended the run (lk->failed). */
static void
worker_start(struct lworker *w)
{
	int err = scx__lworker_start(w);

	if (err == -EAGAIN && !w->lk->failed) {
		spawn_later(w);
		return;
	}
	if (err != 0)
		return;
	w->lk->spawn_wait_ms = 0;
	hold_loop(w->lk);
	worker_fill(w);
}

/* SIGCHLD: reaps the workers that ended (only ours: a library user's
 * other children are left alone). */
static void
on_sigchld(uv_signal_t *h, int signum)
{
	struct loky *lk = h->data;
	unsigned i;

	(void)signum;
	for (i = 0; i < lk->n; i++)
		scx__lworker_reap(&lk->w[i]);
}

/* Every tick: each worker's pace, stalls and drains (loky_worker.c); a
 * worker whose window grew gets more items. */
static void
on_tick(uv_timer_t *t)
{
	struct loky *lk = t->data;
	unsigned i;

	for (i = 0; i < lk->n; i++)
		if (scx__lworker_tick(&lk->w[i]))
			worker_fill(&lk->w[i]);
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

/* What the workers' changes call (loky_worker.c calls up only so). */
static const struct lworker_events events = {
	.room = worker_fill,
	.finished = worker_finished,
	.freed = slot_free,
};

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
	lk->ev = &events;
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
	lk->spawner.nice = scx_run_config(run)->nice;
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
		scx__ring_init(&lk->w[i].fl, sizeof(struct flight));
	}
	scx__ring_init(&lk->requeue, sizeof(struct flight));
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
	/* Only a worker not yet reaped keeps the run alive (hold_loop). */
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
		scx__lworker_close_stdin(w);
		if (how == SCX_STOP_DRAIN)
			continue;
		w->signalled = true;
		kill(-w->pid, how == SCX_STOP_KILL ? SIGKILL : SIGTERM);
	}
}

/* --timeout: the worker whose oldest unanswered item @seq is (or, for
 * the SIGKILL, which timed out on it). */
static int
loky_signal_item(struct scx_backend *be, uint64_t seq, int sig)
{
	struct loky *lk = be->data;
	unsigned i;

	for (i = 0; i < lk->n; i++)
		if (scx__lworker_signal(&lk->w[i], seq, sig) == 0)
			return 0;
	return -ESRCH;
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
		scx__ring_free(&lk->w[i].fl);
	}
	scx__ring_free(&lk->requeue);
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

const struct scx_backend_ops scx_backend_loky = {
	.name = "loky",
	.flags = SCX_BACKEND_ITEMS_ON_STDIN,
	.open = loky_open,
	.start = loky_start,
	.ready = loky_ready,
	.stop = loky_stop,
	.close = loky_close,
	.size = loky_size,
	.signal_item = loky_signal_item,
};
