/* timeout.c: --timeout for every backend: each running item's clock, the
 * SIGTERM when its time is up and the SIGKILL after the grace, sent
 * through the backend's signal_item op.
 *
 * --timeout is one duration and clocks start in time order, so deadlines
 * fall due in the order they were set: two first-in first-out queues
 * (one for SIGTERM, one for SIGKILL), each with one timer for its front,
 * take the place of a timer per item. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <uv.h>

/* An item's deadline, on the uv_hrtime() clock in milliseconds.  Seq 0
 * (never an item's) marks one whose item ended. */
struct deadline {
	uint64_t seq;
	uint64_t at;
};

struct scx__timeouts {
	struct scx_backend *be;
	uv_loop_t *loop;
	uint64_t ms, grace_ms;
	struct scx__ring term; /* running items, oldest clock first */
	size_t running;	       /* of term's entries, those not ended */
	struct scx__ring kill; /* items sent SIGTERM, oldest first */
	uv_timer_t term_timer, kill_timer;
	int closing; /* timers not yet closed, once closing */
};

static uint64_t
now_ms(void)
{
	return uv_hrtime() / 1000000u;
}

/* Drops the ended items at the front of @q. */
static void
drop_ended(struct scx__ring *q)
{
	struct deadline *d;

	while ((d = scx__ring_at(q, 0)) != NULL && d->seq == 0)
		scx__ring_pop(q, NULL);
}

/* Arms @timer for the front of @q, if any.  The loop's time lags the
 * clock deadlines are set on, so that the timer never fires early. */
static void
arm(struct scx__timeouts *t, uv_timer_t *timer, struct scx__ring *q,
    uv_timer_cb cb)
{
	const struct deadline *d;
	uint64_t now = uv_now(t->loop);

	drop_ended(q);
	d = scx__ring_at(q, 0);
	if (d != NULL)
		uv_timer_start(timer, cb, d->at > now ? d->at - now : 0, 0);
}

/* Takes the front of @q when it is due at @now.  @return whether it did. */
static bool
take_due(struct scx__ring *q, uint64_t now, struct deadline *out)
{
	const struct deadline *d;

	drop_ended(q);
	d = scx__ring_at(q, 0);
	if (d == NULL || d->at > now)
		return false;
	scx__ring_pop(q, out);
	return true;
}

static void
on_kill(uv_timer_t *timer)
{
	struct scx__timeouts *t = timer->data;
	uint64_t now = now_ms();
	struct deadline d;

	while (take_due(&t->kill, now, &d))
		scx_backend_signal_item(t->be, d.seq, SIGKILL);
	arm(t, &t->kill_timer, &t->kill, on_kill);
}

/* The items whose time is up get SIGTERM, and those signalled SIGKILL
 * after the grace.  The backend may report results meanwhile (what
 * ended in time) and start new items: the queues are read afresh after
 * each call. */
static void
on_term(uv_timer_t *timer)
{
	struct scx__timeouts *t = timer->data;
	uint64_t now = now_ms();
	struct deadline d;

	while (take_due(&t->term, now, &d)) {
		t->running--;
		if (scx_backend_signal_item(t->be, d.seq, SIGTERM) != 0)
			continue;
		d.at = now + t->grace_ms;
		/* No memory for the grace: no grace. */
		if (scx__ring_push(&t->kill, &d) != 0)
			scx_backend_signal_item(t->be, d.seq, SIGKILL);
		else if (!uv_is_active((uv_handle_t *)&t->kill_timer))
			arm(t, &t->kill_timer, &t->kill, on_kill);
	}
	arm(t, &t->term_timer, &t->term, on_term);
}

int
scx__timeouts_create(struct scx__timeouts **out, struct uv_loop_s *loop,
		     struct scx_backend *be, uint64_t ms, uint64_t grace_ms)
{
	struct scx__timeouts *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	t->be = be;
	t->loop = loop;
	t->ms = ms;
	t->grace_ms = grace_ms;
	scx__ring_init(&t->term, sizeof(struct deadline));
	scx__ring_init(&t->kill, sizeof(struct deadline));
	uv_timer_init(loop, &t->term_timer);
	uv_timer_init(loop, &t->kill_timer);
	t->term_timer.data = t->kill_timer.data = t;
	/* What runs the items keeps the loop alive, not their clocks. */
	uv_unref((uv_handle_t *)&t->term_timer);
	uv_unref((uv_handle_t *)&t->kill_timer);
	*out = t;
	return 0;
}

int
scx__timeouts_start(struct scx__timeouts *t, uint64_t seq)
{
	struct deadline d = { seq, now_ms() + t->ms }, *k;
	size_t i;
	int err;

	/* The item runs again (--retries): the SIGKILL still due for its
	 * previous run, which has ended, is not this run's.  Only items
	 * sent SIGTERM in the last grace are there: few. */
	for (i = 0; i < t->kill.n; i++) {
		k = scx__ring_at(&t->kill, i);
		if (k->seq == seq)
			k->seq = 0;
	}
	err = scx__ring_push(&t->term, &d);

	if (err != 0)
		return err;
	t->running++;
	/* An armed timer is due no later than this deadline. */
	if (!uv_is_active((uv_handle_t *)&t->term_timer))
		arm(t, &t->term_timer, &t->term, on_term);
	return 0;
}

/* Keeps only the entries of items still running, in their order. */
static void
compact(struct scx__ring *q)
{
	struct deadline d;
	size_t n = q->n;

	/* Each push fills the room its pop has just made: none fails. */
	while (n-- > 0) {
		scx__ring_pop(q, &d);
		if (d.seq != 0)
			scx__ring_push(q, &d);
	}
}

void
scx__timeouts_end(struct scx__timeouts *t, uint64_t seq)
{
	struct deadline *d;
	size_t i;

	/* At most one entry per worker runs, and those are the latest ones
	 * but for a long item near the front: the search starts at the
	 * back.  An item that runs again (--retries) starts a new clock. */
	for (i = t->term.n; i-- > 0;) {
		d = scx__ring_at(&t->term, i);
		if (d->seq == seq) {
			d->seq = 0;
			t->running--;
			break;
		}
	}
	drop_ended(&t->term);
	/* A long item at the front holds the ended ones behind it: they are
	 * dropped once they outnumber those running, so that the queue
	 * stays about as long as the workers are many. */
	if (t->term.n > 2 * t->running + 16)
		compact(&t->term);
}

static void
on_closed(uv_handle_t *h)
{
	struct scx__timeouts *t = h->data;

	if (--t->closing > 0)
		return;
	scx__ring_free(&t->term);
	scx__ring_free(&t->kill);
	free(t);
}

void
scx__timeouts_close(struct scx__timeouts *t)
{
	if (t == NULL || t->closing)
		return;
	t->closing = 2;
	uv_close((uv_handle_t *)&t->term_timer, on_closed);
	uv_close((uv_handle_t *)&t->kill_timer, on_closed);
}
