/* intake.c: where items come from on their way to a backend: the items to
 * run again (--retries) first, then new ones, read from the inputs or
 * pushed by a feeder (a fed run); --resume's skipping of items done
 * before; and the throttles (--delay, --memfree, --load).  It never calls
 * back into the run: it answers takes, and leaves what went wrong in
 * in->error, in->detail and in->stop. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* An item to run again (--retries), with a copy of its bytes. */
struct retry {
	struct retry *next;
	uint64_t seq;
	unsigned attempt; /* the run it will be */
	size_t len;
	char data[];
};

/* An item out on a retry, and which run of it that is. */
struct attempt {
	uint64_t seq;
	unsigned n;
};

static void shuffle_free(struct shuffle *sh);
static void intake_fail(struct scx__intake *in, int err, enum scx_stop stop,
			const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
intake_fail(struct scx__intake *in, int err, enum scx_stop stop,
	    const char *fmt, ...)
{
	va_list ap;

	if (in->error == 0) {
		in->error = err;
		va_start(ap, fmt);
		vsnprintf(in->detail, sizeof(in->detail), fmt, ap);
		va_end(ap);
	}
	if (stop > in->stop)
		in->stop = stop;
}

void
scx__intake_init(struct scx__intake *in, const struct scx_config *cfg,
		 struct scx__ledger *ledger, struct scx__builder *cmd)
{
	memset(in, 0, sizeof(*in));
	in->cfg = cfg;
	in->ledger = ledger;
	in->cmd = cmd;
	in->count = -1;
	scx__ring_init(&in->fed.chunks, sizeof(struct scx_chunk *));
}

/* The chunk at the front of the fed queue (which is not empty). */
static struct scx_chunk *
fed_front(const struct fedq *q)
{
	return *(struct scx_chunk **)scx__ring_at(&q->chunks, 0);
}

static void
free_retries(struct scx__intake *in)
{
	struct retry *r;

	while ((r = in->retry_head) != NULL) {
		in->retry_head = r->next;
		free(r);
	}
	in->retry_tail = NULL;
}

void
scx__intake_free(struct scx__intake *in)
{
	struct fedq *q = &in->fed;

	scx__intake_close_inputs(in);
	while (q->chunks.n > 0) {
		scx_chunk_destroy(fed_front(q));
		scx__ring_pop(&q->chunks, NULL);
	}
	scx__ring_free(&q->chunks);
	free_retries(in);
	free(in->attempts);
	free(in->skipped);
	shuffle_free(&in->shuf);
}

int
scx__intake_open_inputs(struct scx__intake *in, unsigned slots,
			const char **bad)
{
	const struct scx_column_name *names;
	uint64_t n = 0;
	size_t nnames;
	int err;

	err =
	    scx__source_open(&in->src, in->cfg, in->cmd->on_stdin, slots, bad);
	if (err != 0)
		return err;
	if (scx__source_count(in->src, &n))
		in->count = (int64_t)n;
	names = scx__source_names(in->src, &nnames);
	scx__template_names(in->cmd->tmpl, names, nnames);
	/* --results names a job's directory by its fields. */
	err = scx__ledger_fields(in->ledger, in->src, names, nnames);
	if (err != 0)
		return err;
	scx__template_counts(in->cmd->tmpl, in->count >= 0 ? n : 0, slots);
	return 0;
}

int
scx__intake_start(struct scx__intake *in, void (*notify)(void *), void *arg)
{
	if (in->src == NULL)
		return 0;
	return scx__source_start(in->src, notify, arg);
}

void
scx__intake_close_inputs(struct scx__intake *in)
{
	scx__source_destroy(in->src);
	in->src = NULL;
}

/* ------------------------------------------------------------------ */
/* Fed runs                                                            */
/* ------------------------------------------------------------------ */

/* Takes up to @max items from the fed queue: its head chunk whole when it
 * fits, else a copy of its first items. */
static int
fed_take(struct scx__intake *in, size_t max, struct scx_chunk **out)
{
	struct fedq *q = &in->fed;
	struct scx_chunk *c, *part;
	struct scx__chunk_fill fill;
	size_t k, from, to;

	if (q->chunks.n == 0)
		return q->ended ? SCX_EOF : SCX_EAGAIN;
	c = fed_front(q);
	k = c->n - q->pos;
	if (q->pos == 0 && k <= max) {
		*out = c;
		scx__ring_pop(&q->chunks, NULL);
		return 0;
	}
	if (k > max)
		k = max;
	from = (size_t)(c->items[q->pos].data - c->bytes);
	to = (size_t)(c->items[q->pos + k - 1].data - c->bytes) +
	     c->items[q->pos + k - 1].len + 1;
	part = scx_chunk_create(k, to - from);
	if (part == NULL)
		return -ENOMEM;
	scx__chunk_fill_init(&fill, part);
	scx__chunk_fill_from(&fill, c, q->pos, k);
	q->pos += k;
	if (q->pos == c->n) {
		scx_chunk_destroy(c);
		scx__ring_pop(&q->chunks, NULL);
		q->pos = 0;
	}
	*out = part;
	return 0;
}

int
scx__intake_feed(struct scx__intake *in, struct scx_chunk *chunk)
{
	struct fedq *q = &in->fed;

	if (!in->cfg->fed || q->ended)
		return -EINVAL;
	return scx__ring_push(&q->chunks, &chunk);
}

void
scx__intake_feed_end(struct scx__intake *in)
{
	in->fed.ended = true;
}

void
scx__intake_give_back(struct scx__intake *in)
{
	const struct scx_config *cfg = in->cfg;
	struct fedq *q = &in->fed;
	struct scx_result res;
	struct scx_chunk *c;
	size_t i;

	while (q->chunks.n > 0) {
		c = fed_front(q);
		for (i = q->pos; i < c->n; i++) {
			memset(&res, 0, sizeof(res));
			res.seq = c->items[i].seq;
			res.flags = SCX_RESULT_STOPPED;
			if (cfg->on_result)
				cfg->on_result(cfg->result_arg, &res);
		}
		scx_chunk_destroy(c);
		scx__ring_pop(&q->chunks, NULL);
		q->pos = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Retries                                                             */
/* ------------------------------------------------------------------ */

/* Builds a chunk of up to @max items waiting to run again. */
static int
take_retries(struct scx__intake *in, size_t max, struct scx_chunk **out)
{
	struct retry *r;
	struct scx_chunk *c;
	struct scx__chunk_fill fill;
	size_t n = 0, len = 0, i;

	for (r = in->retry_head; r && n < max; r = r->next, n++)
		len += r->len + 1;
	if (SCX__GROW(in->attempts, in->capattempts, in->nattempts + n, 16))
		return -ENOMEM;
	c = scx_chunk_create(n, len);
	if (c == NULL) {
		intake_fail(in, -ENOMEM, SCX_STOP_DRAIN, "--shuf: %s",
			    scx_strerror(-ENOMEM));
		return SCX_EOF;
	}
	scx__chunk_fill_init(&fill, c);
	for (i = 0; i < n; i++) {
		r = in->retry_head;
		in->retry_head = r->next;
		scx__chunk_fill(&fill, r->seq, r->data, r->len,
				(char)in->cfg->delimiter);
		in->attempts[in->nattempts].seq = r->seq;
		in->attempts[in->nattempts].n = r->attempt;
		in->nattempts++;
		free(r);
	}
	if (in->retry_head == NULL)
		in->retry_tail = NULL;
	*out = c;
	return 0;
}

unsigned
scx__intake_attempt_of(struct scx__intake *in, uint64_t seq)
{
	size_t i;
	unsigned n;

	for (i = 0; i < in->nattempts; i++)
		if (in->attempts[i].seq == seq) {
			n = in->attempts[i].n;
			in->attempts[i] = in->attempts[--in->nattempts];
			return n;
		}
	return 1;
}

bool
scx__intake_retry(struct scx__intake *in, const struct scx_result *res)
{
	unsigned attempt = scx__intake_attempt_of(in, res->seq);
	struct retry *r;

	if (attempt >= in->cfg->retries)
		return false;
	r = malloc(sizeof(*r) + res->item_len);
	if (r == NULL)
		return false;
	r->next = NULL;
	r->seq = res->seq;
	r->attempt = attempt + 1;
	r->len = res->item_len;
	memcpy(r->data, res->item, res->item_len);
	if (in->retry_tail)
		in->retry_tail->next = r;
	else
		in->retry_head = r;
	in->retry_tail = r;
	return true;
}

/* ------------------------------------------------------------------ */
/* Resuming                                                            */
/* ------------------------------------------------------------------ */

/* --resume could not tell what was done: the error names the job log or
 * results directory it was reading. */
static void
skip_failed(struct scx__intake *in, int err)
{
	const struct scx_config *cfg = in->cfg;
	struct scx__ledger *l = in->ledger;

	if (l->detail[0] == '\0')
		snprintf(l->detail, sizeof(l->detail),
			 "cannot check the items done in %s '%s': %s",
			 l->results_fd >= 0 ? "--results" : "--joblog",
			 l->results_fd >= 0 ? cfg->results : cfg->joblog,
			 scx_strerror(err));
	intake_fail(in, err, SCX_STOP_TERMINATE, "%s", l->detail);
}

/* Notes @seq as skipped, for the run to give its gap. */
static int
note_skipped(struct scx__intake *in, uint64_t seq)
{
	if (SCX__GROW(in->skipped, in->capskipped, in->nskipped + 1, 64) != 0)
		return -ENOMEM;
	in->skipped[in->nskipped++] = seq;
	return 0;
}

/* With --resume: drops from @c the items an earlier run did (noted in
 * in->skipped); *@c becomes NULL when none is left. */
static int
skip_done(struct scx__intake *in, struct scx_chunk **c)
{
	struct scx_chunk *in_c = *c, *kept;
	struct scx__chunk_fill fill;
	size_t i, n = 0, len = 0;
	bool *skip;
	int err = 0;

	skip = calloc(in_c->n, sizeof(*skip));
	if (skip == NULL)
		return -ENOMEM;
	for (i = 0; i < in_c->n && err == 0; i++) {
		err = scx__builder_text(in->cmd, &in_c->items[i], 1,
					&in->cmd->text);
		if (err == SCX_ENUL) /* logged as the item itself */
			err =
			    scx_buf_append(&in->cmd->text, in_c->items[i].data,
					   in_c->items[i].len);
		if (err == 0)
			err = scx__ledger_skip(in->ledger, &in_c->items[i],
					       in->cmd->text.data,
					       in->cmd->text.len, &skip[i]);
		if (err == 0 && !skip[i]) {
			n++;
			len += in_c->items[i].len + 1;
		}
	}
	if (err != 0 || n == in_c->n) {
		free(skip);
		return err;
	}
	kept = n ? scx_chunk_create(n, len) : NULL;
	if (n && kept == NULL) {
		free(skip);
		return -ENOMEM;
	}
	if (kept)
		scx__chunk_fill_init(&fill, kept);
	for (i = 0; i < in_c->n && err == 0; i++) {
		if (skip[i])
			err = note_skipped(in, in_c->items[i].seq);
		else
			scx__chunk_fill_from(&fill, in_c, i, 1);
	}
	free(skip);
	if (err != 0) {
		scx_chunk_destroy(kept);
		return err;
	}
	scx_chunk_destroy(in_c);
	*c = kept;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Throttles                                                           */
/* ------------------------------------------------------------------ */

/* A size as --memfree takes it: "2G", "1536M", "100K" or bytes. */
static void
size_text(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "GMK";
	unsigned shift;

	for (shift = 30; shift >= 10; shift -= 10)
		if (v % ((uint64_t)1 << shift) == 0) {
			snprintf(buf, size, "%llu%c",
				 (unsigned long long)(v >> shift),
				 units[(30 - shift) / 10]);
			return;
		}
	snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* A machine's figure of memory: "7.8 GiB", "512.0 MiB", "900 KiB". */
static void
memory_text(char *buf, size_t size, uint64_t v)
{
	if (v >= (uint64_t)1 << 30)
		snprintf(buf, size, "%.1f GiB", (double)v / (1 << 30));
	else if (v >= (uint64_t)1 << 20)
		snprintf(buf, size, "%.1f MiB", (double)v / (1 << 20));
	else
		snprintf(buf, size, "%llu KiB", (unsigned long long)(v >> 10));
}

/* A load in thousandths as --load takes it: "1", "0.5", "0.125". */
static void
load_text(char *buf, size_t size, uint64_t milli)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "%llu.%03u",
			     (unsigned long long)(milli / 1000),
			     (unsigned)(milli % 1000));
	while (n > 0 && n < size && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && n < size && buf[n - 1] == '.')
		buf[--n] = '\0';
}

int
scx__intake_check_throttles(struct scx__intake *in)
{
	const struct scx_config *cfg = in->cfg;
	char want[32], have[32];
	uint64_t v;
	int err;

	if (cfg->fed)
		return 0;
	if (cfg->memfree) {
		const char *field = "MemAvailable";

		err = scx__mem_available(&v);
		if (err == 0) {
			field = "MemTotal";
			err = scx__mem_total(&v);
		}
		if (err != 0) {
			snprintf(in->detail, sizeof(in->detail),
				 "--memfree: cannot read %s in /proc/meminfo: "
				 "%s",
				 field,
				 err == -ENOENT ? "no such line"
						: scx_strerror(err));
			return err;
		}
		if (cfg->memfree >= v) {
			size_text(want, sizeof(want), cfg->memfree);
			memory_text(have, sizeof(have), v);
			snprintf(in->detail, sizeof(in->detail),
				 "--memfree %s: this machine has %s of memory "
				 "(MemTotal in /proc/meminfo), never all of it "
				 "available: no item could ever start",
				 want, have);
			return SCX_ETHROTTLE;
		}
	}
	if (cfg->load_milli) {
		err = scx__load_milli(&v);
		if (err != 0) {
			snprintf(in->detail, sizeof(in->detail),
				 "--load: cannot read the load average in "
				 "/proc/loadavg: %s",
				 err == -ENODATA ? "the file is empty"
						 : scx_strerror(err));
			return err;
		}
	}
	return 0;
}

bool
scx__intake_exhausted(const struct scx__intake *in)
{
	if (in->retry_head != NULL)
		return false;
	if (in->cfg->fed)
		return in->fed.ended && in->fed.chunks.n == 0;
	/* --shuf holds items the source no longer has. */
	if (in->cfg->shuf &&
	    (in->shuf.ready ? in->shuf.next < in->shuf.n : in->shuf.n > 0))
		return false;
	return in->src == NULL || scx__source_exhausted(in->src);
}

/* Whether an item is there to be taken, were it not for a throttle. */
static bool
items_waiting(const struct scx__intake *in)
{
	return in->retry_head != NULL ||
	       (in->shuf.ready && in->shuf.next < in->shuf.n) ||
	       (in->src != NULL && scx__source_waiting(in->src));
}

/* --memfree or --load holds back an item while none of the run's own
 * items runs: only something outside the run can clear it, and it may
 * never do so.  Said once, with the figure that holds it. */
static void
tell_throttle(struct scx__intake *in, uint64_t outstanding, bool memory,
	      uint64_t figure)
{
	const struct scx_config *cfg = in->cfg;
	char msg[320], want[32], have[32], total[32];
	uint64_t v;

	if (in->throttle_told || outstanding > 0 || cfg->notice == NULL ||
	    !items_waiting(in))
		return;
	in->throttle_told = true;
	if (memory) {
		size_text(want, sizeof(want), cfg->memfree);
		memory_text(have, sizeof(have), figure);
		if (scx__mem_total(&v) == 0)
			memory_text(total, sizeof(total), v);
		else
			snprintf(total, sizeof(total), "?");
		snprintf(msg, sizeof(msg),
			 "--memfree %s holds every item: %s of memory is "
			 "available (MemAvailable, of MemTotal %s) and none of "
			 "this run's items runs; waiting until %s are",
			 want, have, total, want);
	} else {
		load_text(want, sizeof(want), cfg->load_milli);
		snprintf(msg, sizeof(msg),
			 "--load %s holds every item: the 1-minute load "
			 "average is %llu.%02u (/proc/loadavg) and none of "
			 "this run's items runs; waiting until it is %s or "
			 "less",
			 want, (unsigned long long)(figure / 1000),
			 (unsigned)(figure % 1000 / 10), want);
	}
	cfg->notice(cfg->notice_arg, SCX_NOTICE_THROTTLE, msg);
}

/* --delay, --memfree, --load: how long no item may start (0: one may
 * now).  With --delay, one item at a time (*@max). */
static uint64_t
throttle_wait(struct scx__intake *in, uint64_t outstanding, uint64_t now_ms,
	      size_t *max)
{
	const struct scx_config *cfg = in->cfg;
	uint64_t wait = 0, v;

	if (cfg->fed || scx__intake_exhausted(in))
		return 0;
	if (cfg->delay_ms) {
		*max = 1;
		if (in->last_start_ms &&
		    now_ms < in->last_start_ms + cfg->delay_ms)
			wait = in->last_start_ms + cfg->delay_ms - now_ms;
	}
	if (wait == 0 && cfg->memfree && scx__mem_available(&v) == 0 &&
	    v < cfg->memfree) {
		wait = 250;
		tell_throttle(in, outstanding, true, v);
	}
	if (wait == 0 && cfg->load_milli && scx__load_milli(&v) == 0 &&
	    v > cfg->load_milli) {
		wait = 1000;
		tell_throttle(in, outstanding, false, v);
	}
	return wait;
}

/* ------------------------------------------------------------------ */
/* Taking                                                              */
/* ------------------------------------------------------------------ */

/* Retries first, then new items, fed or read. */
/* Items from the source. */
static int
source_take(struct scx__intake *in, size_t max, struct scx_chunk **out)
{
	const char *bad = NULL;
	char msg[160];
	int err;

	if (in->src == NULL)
		return SCX_EOF;
	err = scx__source_take(in->src, max, out, &bad);
	while (in->cfg->notice &&
	       scx__source_warning(in->src, msg, sizeof(msg)))
		in->cfg->notice(in->cfg->notice_arg, SCX_NOTICE_BLOCK_GROWN,
				msg);
	if (err == 0 || err == SCX_EAGAIN || err == SCX_EOF)
		return err;
	/* A read error ends the input: what was read still runs. */
	if (err == SCX_ETOOLONG)
		intake_fail(in, err, SCX_STOP_DRAIN,
			    "-m/-X: an argument makes %s", scx_strerror(err));
	else
		intake_fail(in, err, SCX_STOP_DRAIN,
			    "cannot read input '%s': %s", bad ? bad : "-",
			    scx_strerror(err));
	return SCX_EOF;
}

/* --shuf: keeps @c and its items.  @return 0 or -ENOMEM. */
static int
shuffle_keep(struct shuffle *sh, struct scx_chunk *c)
{
	size_t i;

	if (SCX__GROW(sh->chunks, sh->capchunks, sh->nchunks + 1, 16) != 0 ||
	    SCX__GROW(sh->order, sh->cap, sh->n + c->n, 1024) != 0) {
		scx_chunk_destroy(c);
		return -ENOMEM;
	}
	sh->chunks[sh->nchunks++] = c;
	for (i = 0; i < c->n; i++)
		sh->order[sh->n++] = &c->items[i];
	return 0;
}

/* Fisher-Yates, seeded from the kernel (or the clock). */
static void
shuffle_order(struct shuffle *sh)
{
	uint64_t x = 0, j;
	size_t i;
	const struct scx_item *t;

	if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t)sizeof(x))
		x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	x |= 1;
	for (i = sh->n; i > 1; i--) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		j = x % i;
		t = sh->order[i - 1];
		sh->order[i - 1] = sh->order[j];
		sh->order[j] = t;
	}
}

static void
shuffle_free(struct shuffle *sh)
{
	size_t i;

	for (i = 0; i < sh->nchunks; i++)
		scx_chunk_destroy(sh->chunks[i]);
	free(sh->chunks);
	free(sh->order);
	memset(sh, 0, sizeof(*sh));
}

/* --shuf: every item is read before the first is given out, then they
 * are handed out in a random order, numbered from 1 in that order. */
static int
shuffle_take(struct scx__intake *in, size_t max, struct scx_chunk **out)
{
	struct shuffle *sh = &in->shuf;
	struct scx__chunk_fill fill;
	struct scx_chunk *c;
	size_t n, len = 0, i;
	int err;

	while (!sh->ready) {
		err = source_take(in, SIZE_MAX / 2, &c);
		if (err == SCX_EOF) {
			shuffle_order(sh);
			sh->ready = true;
		} else if (err != 0) {
			return err;
		} else if ((err = shuffle_keep(sh, c)) != 0) {
			intake_fail(in, err, SCX_STOP_DRAIN, "--shuf: %s",
				    scx_strerror(err));
			return SCX_EOF;
		}
	}
	n = sh->n - sh->next < (max ? max : 1) ? sh->n - sh->next : max;
	if (n == 0) {
		shuffle_free(sh);
		sh->ready = true;
		return SCX_EOF;
	}
	for (i = 0; i < n; i++)
		len += sh->order[sh->next + i]->len + 1;
	c = scx_chunk_create(n, len);
	if (c == NULL)
		return -ENOMEM;
	scx__chunk_fill_init(&fill, c);
	for (i = 0; i < n; i++, sh->next++)
		scx__chunk_fill(
		    &fill, sh->next + 1, sh->order[sh->next]->data,
		    sh->order[sh->next]->len,
		    sh->order[sh->next]->data[sh->order[sh->next]->len]);
	*out = c;
	return 0;
}

static int
take_items(struct scx__intake *in, size_t max, struct scx_chunk **out)
{
	if (in->retry_head)
		return take_retries(in, max, out);
	if (in->cfg->fed)
		return fed_take(in, max, out);
	if (in->cfg->shuf)
		return shuffle_take(in, max, out);
	return source_take(in, max, out);
}

int
scx__intake_take(struct scx__intake *in, size_t max, uint64_t outstanding,
		 uint64_t now_ms, bool throttle, struct scx_chunk **out,
		 uint64_t *wait_ms)
{
	const struct scx_config *cfg = in->cfg;
	int err;

	*wait_ms = 0;
	if (throttle && (cfg->delay_ms || cfg->memfree || cfg->load_milli)) {
		*wait_ms = throttle_wait(in, outstanding, now_ms, &max);
		if (*wait_ms > 0)
			return SCX_EAGAIN;
	}
	for (;;) {
		err = take_items(in, max, out);
		/* Items out may still fail and come back to run again. */
		if (err == SCX_EOF && cfg->retries > 1 && outstanding > 0)
			return SCX_EAGAIN;
		if (err != 0)
			return err;
		if (cfg->resume != SCX_RESUME_NONE && !cfg->fed) {
			err = skip_done(in, out);
			if (err != 0) {
				scx_chunk_destroy(*out);
				*out = NULL;
				skip_failed(in, err);
				return SCX_EOF;
			}
			if (*out == NULL)
				continue; /* all done before: take more */
		}
		if (cfg->delay_ms)
			in->last_start_ms = now_ms;
		return 0;
	}
}

const struct scx_column_name *
scx__intake_names(const struct scx__intake *in, size_t *n)
{
	*n = 0;
	return in->src ? scx__source_names(in->src, n) : NULL;
}
