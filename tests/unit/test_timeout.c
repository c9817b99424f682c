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

static uint64_t
elapsed(void)
{
	return uv_hrtime() / 1000000u - t0;
}

static int
fake_signal(struct scx_backend *be, uint64_t seq, int sig)
{
	(void)be;
	if (sig == SIGTERM && seq == ended_in_time)
		return -ESRCH;
	if (nsent < SCX__ARRAY_SIZE(sent))
		sent[nsent++] = (struct sent){ seq, sig, elapsed() };
	return 0;
}

static const struct scx_backend_ops fake_ops = {
	.name = "fake",
	.signal_item = fake_signal,
};

static struct scx_backend fake = { &fake_ops, NULL, NULL };
static struct scx__timeouts *clocks;

/* At 30 ms: item 2 ends in time, item 4 runs again (a retry). */
static void
on_midway(uv_timer_t *t)
{
	(void)t;
	scx__timeouts_end(clocks, 2);
	scx__timeouts_end(clocks, 4);
	tap_is_int(scx__timeouts_start(clocks, 4), 0, "start: a retry");
}

static void
on_end(uv_timer_t *t)
{
	(void)t;
}

/* Whether @seq got @sig between @from and @to ms. */
static bool
got(uint64_t seq, int sig, uint64_t from, uint64_t to)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		if (sent[i].seq == seq && sent[i].sig == sig)
			return sent[i].at >= from && sent[i].at <= to;
	return false;
}

int
main(void)
{
	uv_loop_t loop;
	uv_timer_t midway, end;
	uint64_t i;

	uv_loop_init(&loop);
	t0 = uv_hrtime() / 1000000u;
	tap_is_int(scx__timeouts_create(&clocks, &loop, &fake, MS, GRACE), 0,
		   "create");
	ended_in_time = 3;
	for (i = 1; i <= 4; i++)
		scx__timeouts_start(clocks, i);
	/* Many short items behind the long ones: dropped as they end. */
	for (i = 100; i < 10100; i++) {
		scx__timeouts_start(clocks, i);
		scx__timeouts_end(clocks, i);
	}
	uv_timer_init(&loop, &midway);
	uv_timer_start(&midway, on_midway, 30, 0);
	/* The clocks' timers do not keep the loop alive: this one does. */
	uv_timer_init(&loop, &end);
	uv_timer_start(&end, on_end, 30 + MS + GRACE + 100, 0);
	uv_run(&loop, UV_RUN_DEFAULT);

	tap_ok(got(1, SIGTERM, MS, MS + 50), "item 1: SIGTERM when due");
	tap_ok(got(1, SIGKILL, MS + GRACE, MS + GRACE + 50),
	       "item 1: SIGKILL after the grace");
	tap_ok(!got(2, SIGTERM, 0, 1000) && !got(2, SIGKILL, 0, 1000),
	       "item 2 ended in time: no signal");
	tap_ok(!got(3, SIGKILL, 0, 1000),
	       "item 3 ended in time as the backend saw: no SIGKILL");
	tap_ok(got(4, SIGTERM, 30 + MS, 30 + MS + 50),
	       "item 4 run again: the new clock only");
	tap_ok(got(4, SIGKILL, 30 + MS + GRACE, 30 + MS + GRACE + 50),
	       "item 4: SIGKILL after the grace of its new clock");
	tap_is_int((long long)nsent, 4,
		   "four signals in all: none for the short items");

	scx__timeouts_close(clocks);
	uv_close((uv_handle_t *)&midway, NULL);
	uv_close((uv_handle_t *)&end, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	tap_is_int(uv_loop_close(&loop), 0, "close: every handle closed");
	return tap_done();
}
