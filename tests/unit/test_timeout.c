/* test_timeout.c: the core's --timeout clocks: an item whose time is up
 * gets SIGTERM, then SIGKILL after the grace when the backend signalled
 * it; an item that ended, or that the backend says ended in time, gets
 * neither; an item that runs again gets a new clock; many items that
 * end behind a long one do not hide it. */
#include "internal.h"
#include "tap.h"

#include <signal.h>
#include <uv.h>

#define MS    60u
#define GRACE 40u

/* What the fake backend was asked: the signal and when (ms after t0). */
struct sent {
	uint64_t seq;
	int sig;
	uint64_t at;
};

static struct sent sent[16];
static size_t nsent;
static uint64_t t0;
static uint64_t ended_in_time; /* this seq answers -ESRCH to SIGTERM */
static uv_loop_t loop;
static uv_timer_t rerun5;
static bool seen4, seen5;

static uint64_t
elapsed(void)
{
	return uv_hrtime() / 1000000u - t0;
}

static size_t count(uint64_t seq, int sig);
static struct scx__timeouts *clocks;
static size_t rerun5_at; /* signals sent when item 5 ran again */

/* Item 5 timed out, ended, and runs again: its first run's SIGKILL,
 * still due, must not reach the new run. */
static void
on_rerun5(uv_timer_t *t)
{
	(void)t;
	if (rerun5_at)
		return;
	rerun5_at = nsent;
	scx__timeouts_end(clocks, 5);
	scx__timeouts_start(clocks, 5);
}

static int
fake_signal(struct scx_backend *be, uint64_t seq, int sig)
{
	(void)be;
	if (sig == SIGTERM && seq == ended_in_time)
		return -ESRCH;
	if (nsent < SCX__ARRAY_SIZE(sent))
		sent[nsent++] = (struct sent){ seq, sig, elapsed() };
	/* Item 5 runs again right after its SIGTERM (its retry). */
	if (seq == 5 && sig == SIGTERM && !uv_is_active((uv_handle_t *)&rerun5))
		uv_timer_start(&rerun5, on_rerun5, 0, 0);
	/* The last signals due: any other would have come before them. */
	seen4 |= seq == 4 && sig == SIGKILL;
	seen5 |= seq == 5 && sig == SIGKILL && count(5, SIGTERM) == 2;
	if (seen4 && seen5)
		uv_stop(&loop);
	return 0;
}

static const struct scx_backend_ops fake_ops = {
	.name = "fake",
	.signal_item = fake_signal,
};

static struct scx_backend fake = { &fake_ops, NULL, NULL };

static uint64_t rerun4_at; /* ms after t0 when item 4 ran again */

/* At about 30 ms: item 2 ends in time, item 4 runs again (a retry). */
static void
on_midway(uv_timer_t *t)
{
	(void)t;
	rerun4_at = elapsed();
	scx__timeouts_end(clocks, 2);
	scx__timeouts_end(clocks, 4);
	tap_is_int(scx__timeouts_start(clocks, 4), 0, "start: a retry");
}

static void
on_end(uv_timer_t *t)
{
	(void)t;
}

/* Whether @seq got @sig, never before @from ms (a loaded machine may
 * deliver late, never early).  The order of the signals is checked
 * apart: it holds however late the timers run. */
static bool
got(uint64_t seq, int sig, uint64_t from)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		if (sent[i].seq == seq && sent[i].sig == sig)
			return sent[i].at >= from;
	return false;
}

/* How many times @seq got @sig. */
static size_t
count(uint64_t seq, int sig)
{
	size_t i, n = 0;

	for (i = 0; i < nsent; i++)
		n += sent[i].seq == seq && sent[i].sig == sig;
	return n;
}

/* The position of @seq's @sig among the signals sent, or -1. */
static int
nth(uint64_t seq, int sig)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		if (sent[i].seq == seq && sent[i].sig == sig)
			return (int)i;
	return -1;
}

int
main(void)
{
	uv_timer_t midway, end;
	uint64_t i;

	uv_loop_init(&loop);
	t0 = uv_hrtime() / 1000000u;
	tap_is_int(scx__timeouts_create(&clocks, &loop, &fake, MS, GRACE), 0,
		   "create");
	ended_in_time = 3;
	uv_timer_init(&loop, &rerun5);
	for (i = 1; i <= 5; i++)
		scx__timeouts_start(clocks, i);
	/* Many short items behind the long ones: dropped as they end. */
	for (i = 100; i < 10100; i++) {
		scx__timeouts_start(clocks, i);
		scx__timeouts_end(clocks, i);
	}
	uv_timer_init(&loop, &midway);
	uv_timer_start(&midway, on_midway, 30, 0);
	/* The clocks' timers do not keep the loop alive: this one does, and
	 * ends a run that never gets item 4's SIGKILL (which stops it). */
	uv_timer_init(&loop, &end);
	uv_timer_start(&end, on_end, 60000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);

	tap_ok(got(1, SIGTERM, MS), "item 1: SIGTERM, not before it is due");
	tap_ok(got(1, SIGKILL, MS + GRACE),
	       "item 1: SIGKILL, not before the grace is over");
	tap_ok(!got(2, SIGTERM, 0) && !got(2, SIGKILL, 0),
	       "item 2 ended in time: no signal");
	tap_ok(!got(3, SIGKILL, 0),
	       "item 3 ended in time as the backend saw: no SIGKILL");
	tap_ok(got(4, SIGTERM, rerun4_at + MS) &&
		   nth(4, SIGTERM) > nth(1, SIGTERM),
	       "item 4 run again: the new clock only");
	tap_ok(got(4, SIGKILL, rerun4_at + MS + GRACE) &&
		   nth(4, SIGKILL) > nth(1, SIGKILL),
	       "item 4: SIGKILL after the grace of its new clock");
	tap_ok(rerun5_at > 0 && count(5, SIGTERM) == 2 &&
		   count(5, SIGKILL) == 1 && sent[nsent - 1].seq == 5 &&
		   sent[nsent - 1].sig == SIGKILL,
	       "item 5 run again after its SIGTERM: its first run's SIGKILL "
	       "does not reach the new run");
	tap_is_int((long long)nsent, 7,
		   "seven signals in all (items 1, 4, 5 twice, 5's second "
		   "SIGTERM): none for the short items");

	scx__timeouts_close(clocks);
	uv_close((uv_handle_t *)&midway, NULL);
	uv_close((uv_handle_t *)&rerun5, NULL);
	uv_close((uv_handle_t *)&end, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	tap_is_int(uv_loop_close(&loop), 0, "close: every handle closed");
	return tap_done();
}
