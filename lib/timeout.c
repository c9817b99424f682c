/* timeout.c: --timeout for every backend: each running item's clock, the
 * SIGTERM when its time is up and the SIGKILL after the grace, sent
 * through the backend's signal_item op.
 *
 * --timeout is one duration and clocks start in time order, so deadlines
 * fall due in the order they were set: two first-in first-out queues
 * (one for SIGTERM, one for SIGKILL), each with one timer for its front,
 * take the place of a timer per item.  --timeout N% (GNU parallel's) is
 * N% of the median run time of the items that succeeded so far, the same
 * for every running item, so the order holds; until one succeeded, no
 * item times out. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* An item's deadline, on the uv_hrtime() clock in milliseconds (in the
 * SIGTERM queue: its start, the deadline being t->ms later).  Seq 0
 * (never an item's) marks one whose item ended. */
struct deadline {
	uint64_t seq;
	uint64_t at;
};

/* GNU parallel's median of the run times (a remedian: medians of 999
 * values, of 999 such medians, and of 999 of those), in nanoseconds. */
#define REMEDIAN_N 999

struct remedian {
	uint64_t level[3][REMEDIAN_N];
	uint64_t count;
};

struct scx__timeouts {
	struct scx_backend *be;
	uv_loop_t *loop;
	uint64_t ms, grace_ms; /* ms: UINT64_MAX while N% has no median */
	unsigned percent;      /* --timeout N%, or 0 */
	struct remedian *times;
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
	uint64_t now = uv_now(t->loop), at;

	drop_ended(q);
	d = scx__ring_at(q, 0);
	if (d == NULL || (q == &t->term && t->ms == UINT64_MAX))
		return;
	at = q == &t->term ? d->at + t->ms : d->at;
	uv_timer_start(timer, cb, at > now ? at - now : 0, 0);
}

/* Takes the front of @q when it is due at @now, @after its time.
 * @return whether it did. */
static bool
take_due(struct scx__ring *q, uint64_t now, uint64_t after,
	 struct deadline *out)
{
	const struct deadline *d;

	drop_ended(q);
	d = scx__ring_at(q, 0);
	if (d == NULL || after == UINT64_MAX || d->at + after > now)
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

	while (take_due(&t->kill, now, 0, &d))
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

	while (take_due(&t->term, now, t->ms, &d)) {
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
	struct deadline d = { seq, now_ms() }, *k;
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
	free(t->times);
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of @v's @n values (the lower one of an even count, as GNU
 * parallel's index $#a/2). */
static uint64_t
median(const uint64_t *v, size_t n)
{
	uint64_t sorted[REMEDIAN_N];

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	return sorted[(n - 1) / 2];
}

/* Adds @ns to the remedian.  @return the median so far. */
static uint64_t
remedian_add(struct remedian *r, uint64_t ns)
{
	uint64_t i = r->count++, n[3];
	size_t k;

	n[0] = r->count < REMEDIAN_N ? r->count : REMEDIAN_N;
	n[1] = i / REMEDIAN_N + 1;
	n[2] = i / REMEDIAN_N / REMEDIAN_N + 1;
	r->level[0][i % REMEDIAN_N] = ns;
	for (k = 1; k < 3; k++) {
		if (n[k] > REMEDIAN_N)
			n[k] = REMEDIAN_N;
		r->level[k][(i / (k == 1 ? REMEDIAN_N
					 : (uint64_t)REMEDIAN_N * REMEDIAN_N)) %
			    REMEDIAN_N] = median(r->level[k - 1], n[k - 1]);
	}
	return median(r->level[2], n[2]);
}

int
scx__timeouts_for(struct scx__timeouts **out, struct uv_loop_s *loop,
		  struct scx_backend *be, const struct scx_config *cfg)
{
	int err;

	*out = NULL;
	if (cfg->timeout_ms == 0 && cfg->timeout_percent == 0)
		return 0;
	err =
	    scx__timeouts_create(out, loop, be, cfg->timeout_ms, SCX__GRACE_MS);
	if (err != 0 || cfg->timeout_percent == 0)
		return err;
	(*out)->percent = cfg->timeout_percent;
	(*out)->ms = UINT64_MAX;
	(*out)->times = calloc(1, sizeof(*(*out)->times));
	if ((*out)->times == NULL) {
		scx__timeouts_close(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
scx__timeouts_done(struct scx__timeouts *t, const struct scx_result *res)
{
	uint64_t med;

	scx__timeouts_end(t, res->seq);
	if (t->percent == 0 || res->exit_status != 0 || res->term_signal != 0)
		return;
	med = remedian_add(t->times, res->duration_ns);
	/* Rounded up to the millisecond of the clocks. */
	t->ms = (med / 100 * t->percent + 999999) / 1000000u;
	if (t->ms == 0)
		t->ms = 1;
	/* The deadlines may be nearer now. */
	uv_timer_stop(&t->term_timer);
	arm(t, &t->term_timer, &t->term, on_term);
}
