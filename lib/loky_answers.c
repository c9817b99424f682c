/* loky_answers.c: the items in flight on a loky worker, oldest first:
 * framed for its stdin by --protocol, and its answers cut out of what it
 * writes (whole records, or the start of a long one spooled or streamed)
 * into the items' results; also what an item gets when its worker dies.
 * It knows nothing of processes or pipes: loky_worker.c reads and writes
 * the bytes. */
#include "loky.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Bookkeeping                                                         */
/* ------------------------------------------------------------------ */

int
scx__loky_fifo_push(struct scx__ring *q, const struct flight *f)
{
	return scx__ring_push(q, f);
}

struct flight
scx__loky_fifo_pop(struct scx__ring *q)
{
	struct flight f;

	scx__ring_pop(q, &f);
	return f;
}

struct flight *
scx__loky_oldest(const struct lworker *w)
{
	return scx__ring_at(&w->fl, 0);
}

void
scx__loky_chunk_release(struct lchunk *lc)
{
	if (--lc->pending > 0)
		return;
	scx_chunk_destroy(lc->c);
	free(lc);
}

/* An item that will not run: back to the core, without a result. */
void
scx__loky_abandon(struct loky *lk, struct flight *f)
{
	scx_run_abandon(lk->run, f->item);
	scx__loky_chunk_release(f->lc);
}

void
scx__loky_abandon_all(struct loky *lk, struct scx__ring *q)
{
	struct flight f;

	while (q->n > 0) {
		f = scx__loky_fifo_pop(q);
		scx__loky_abandon(lk, &f);
	}
}

/* Reports @f's result: @out is the answer (borrowed; in memory or in a
 * file), @status and @signal its failure if any, @msg what goes to its
 * stderr. */
static void
resolve_bytes(struct lworker *w, struct flight *f, const struct scx_bytes *out,
	      int status, int signal, const char *msg, unsigned flags)
{
	struct scx_result res;

	memset(&res, 0, sizeof(res));
	res.flags = flags;
	res.seq = f->item->seq;
	res.item = f->item->data;
	res.item_len = f->item->len;
	res.exit_status = status;
	res.term_signal = signal;
	res.start_us = f->start_us;
	res.duration_ns = w->now_ns > f->start_ns ? w->now_ns - f->start_ns : 0;
	res.worker = w->index;
	res.rank = w->lk->rank;
	scx_result_set_stdout(&res, out);
	res.err = msg;
	res.err_len = msg ? strlen(msg) : 0;
	/* Only the oldest item can be the one a --timeout ended. */
	if (w->timed_out && out->len == 0 && status != 0)
		res.flags |= SCX_RESULT_TIMEOUT;
	scx_run_done(w->lk->run, &res);
	scx__loky_chunk_release(f->lc);
}

static void
resolve(struct lworker *w, struct flight *f, const char *out, size_t len,
	int status, int signal, const char *msg)
{
	struct scx_bytes b = { out, -1, 0, len };

	resolve_bytes(w, f, &b, status, signal, msg, 0);
}

void
scx__loky_fatal(struct loky *lk, int err, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	if (lk->failed)
		return;
	lk->failed = true;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	scx_run_fail(lk->run, err, detail);
}

/* Frees what a failed run left in flight. */
void
scx__loky_release_all(struct scx__ring *q)
{
	struct flight f;

	while (q->n > 0) {
		f = scx__loky_fifo_pop(q);
		scx__loky_chunk_release(f.lc);
	}
}

/* ------------------------------------------------------------------ */
/* Writing items                                                       */
/* ------------------------------------------------------------------ */

/* Whether the protocol can carry @item; a NUL or newline inside an item
 * would end its frame early. */
static bool
frameable(const struct loky *lk, const struct scx_item *item)
{
	switch (lk->cfg->protocol) {
	case SCX_PROTOCOL_LINE:
		return memchr(item->data, '\n', item->len) == NULL;
	case SCX_PROTOCOL_NULL:
		return memchr(item->data, '\0', item->len) == NULL;
	case SCX_PROTOCOL_LENGTH:
	default:
		return true;
	}
}

/* Appends @item's frame to the worker's write buffer. */
static int
frame(struct lworker *w, const struct scx_item *item)
{
	const struct scx_config *cfg = w->lk->cfg;
	struct scx_buf *b = &w->wbuf;
	char prefix[32];
	int plen = 0;

	if (cfg->seq_prefix)
		plen = snprintf(prefix, sizeof(prefix), "%llu\t",
				(unsigned long long)item->seq);
	if (cfg->protocol == SCX_PROTOCOL_LENGTH &&
	    scx_buf_printf(b, "%zu\n", item->len + (size_t)plen) != 0)
		return -ENOMEM;
	if (scx_buf_reserve(b, (size_t)plen + item->len + 1) != 0)
		return -ENOMEM;
	memcpy(b->data + b->len, prefix, (size_t)plen);
	b->len += (size_t)plen;
	memcpy(b->data + b->len, item->data, item->len);
	b->len += item->len;
	if (cfg->protocol == SCX_PROTOCOL_LINE)
		b->data[b->len++] = '\n';
	else if (cfg->protocol == SCX_PROTOCOL_NULL)
		b->data[b->len++] = '\0';
	return 0;
}

/* Puts @f on the worker: framed into the write buffer, in flight. */
int
scx__loky_send_item(struct lworker *w, struct flight *f, uint64_t now,
		    int64_t wall)
{
	char msg[200];
	size_t framed;
	int err;

	if (!frameable(w->lk, f->item)) {
		w->now_ns = now;
		f->start_ns = now;
		f->start_us = wall;
		if (w->lk->cfg->protocol == SCX_PROTOCOL_LINE)
			scx__item_msg(msg, sizeof(msg), w->lk->cfg,
				      "the item contains a newline, which "
				      "--protocol=line cannot carry (use "
				      "--protocol=null or length)");
		else
			scx__item_msg(msg, sizeof(msg), w->lk->cfg,
				      "the item contains a NUL byte, which "
				      "--protocol=null cannot carry (use "
				      "--protocol=line or length)");
		resolve(w, f, NULL, 0, 126, 0, msg);
		return 0;
	}
	framed = w->wbuf.len;
	err = frame(w, f->item);
	if (err != 0) {
		w->wbuf.len = framed;
		return err;
	}
	f->start_ns = now;
	f->start_us = wall;
	err = scx__loky_fifo_push(&w->fl, f);
	if (err != 0) /* not in flight: the worker must not get it */
		w->wbuf.len = framed;
	/* The worker's oldest unanswered item: its --timeout clock starts. */
	if (err == 0 && w->fl.n == 1)
		scx_run_item_started(w->lk->run, f->item->seq);
	return err;
}

/* ------------------------------------------------------------------ */
/* Reading answers                                                     */
/* ------------------------------------------------------------------ */

/* An answer arrived (its last @len bytes at @rec, after what the answer
 * spool holds): it belongs to the oldest item in flight. */
static bool
answer(struct lworker *w, const char *rec, size_t len)
{
	struct scx_bytes b = { rec, -1, 0, len };
	struct flight f;
	int err;

	if (w->fl.n == 0) {
		scx__loky_fatal(
		    w->lk, SCX_EWORKER,
		    "worker %u (pid %d) wrote more answers than it was given "
		    "items",
		    w->index, (int)w->pid);
		return false;
	}
	if (scx_spool_len(&w->ans) > 0) {
		err = scx_spool_append(&w->ans, rec, len);
		if (err != 0) {
			scx__loky_fatal(w->lk, err, "%s", w->ans.detail);
			return false;
		}
		scx_spool_view(&w->ans, &b);
	}
	f = scx__loky_fifo_pop(&w->fl);
	w->answers++;
	/* The next item's --timeout clock starts at this answer. */
	if (w->fl.n > 0)
		scx_run_item_started(w->lk->run,
				     scx__loky_oldest(w)->item->seq);
	resolve_bytes(w, &f, &b, 0, 0, NULL,
		      w->streaming ? SCX_RESULT_STREAMED : 0);
	w->streaming = false;
	scx_spool_reset(&w->ans);
	return true;
}

/* The start of a long answer (@len bytes at @p) goes out at once when
 * the core lets it (the item is next and the output raw), else to the
 * answer spool: an answer of any size costs no memory.  @return whether
 * it could. */
static bool
spool_answer(struct lworker *w, const char *p, size_t len)
{
	struct scx_run *run = w->lk->run;
	uint64_t seq;
	int err;

	if (w->fl.n == 0)
		return answer(w, p, len); /* reports the extra answer */
	seq = scx__loky_oldest(w)->item->seq;
	if (w->streaming ||
	    (scx_spool_len(&w->ans) == 0 && scx_run_stream_begin(run, seq))) {
		w->streaming = true;
		scx_run_stream(run, seq, p, len);
		return true;
	}
	err = scx_spool_append(&w->ans, p, len);
	if (err != 0)
		scx__loky_fatal(w->lk, err, "%s", w->ans.detail);
	return err == 0;
}

/* Results of one step of parsing. */
enum step { STEP_MORE, STEP_WAIT, STEP_FAILED };

/* A line or NUL framed answer at the read position.  @return STEP_MORE
 * when one was taken (or the start of a long one spooled), STEP_WAIT when
 * its end has not come. */
static enum step
delimited_answer(struct lworker *w, bool at_end)
{
	struct scx_buf *b = &w->rbuf;
	char delim = w->lk->cfg->protocol == SCX_PROTOCOL_NULL ? '\0' : '\n';
	const char *p = b->data + w->rpos, *end = b->data + b->len, *nl;
	const char *from = b->data + (w->rscan > w->rpos ? w->rscan : w->rpos);

	nl = memchr(from, delim, (size_t)(end - from));
	if (nl == NULL) {
		w->rscan = b->len;
		if (at_end || (size_t)(end - p) < w->lk->spool_at)
			return STEP_WAIT;
		if (!spool_answer(w, p, (size_t)(end - p)))
			return STEP_FAILED;
		w->rpos = b->len;
		return STEP_WAIT;
	}
	if (!answer(w, p, (size_t)(nl - p) + 1))
		return STEP_FAILED;
	w->rpos += (size_t)(nl - p) + 1;
	w->rscan = w->rpos;
	return STEP_MORE;
}

/* The body of a long length-framed answer, going into the spool. */
static enum step
answer_body(struct lworker *w)
{
	struct scx_buf *b = &w->rbuf;
	const char *p = b->data + w->rpos;
	uint64_t avail = b->len - w->rpos;
	size_t n = (size_t)(avail < w->body_left ? avail : w->body_left);

	w->body_left -= n;
	w->rpos += n;
	if (w->body_left > 0)
		return spool_answer(w, p, n) ? STEP_MORE : STEP_FAILED;
	if (!answer(w, p, n))
		return STEP_FAILED;
	w->rscan = w->rpos;
	return STEP_MORE;
}

/* A length-framed answer, "<length>\n<bytes>", at the read position. */
static enum step
length_answer(struct lworker *w)
{
	struct scx_buf *b = &w->rbuf;
	const char *p = b->data + w->rpos, *end = b->data + b->len, *nl;
	const char *from = b->data + (w->rscan > w->rpos ? w->rscan : w->rpos);
	uint64_t v = 0;
	size_t len;

	nl = memchr(from, '\n', (size_t)(end - from));
	if (nl == NULL) {
		w->rscan = b->len;
		if ((size_t)(end - p) <= 32)
			return STEP_WAIT;
		goto bad_length;
	}
	for (len = 0;
	     p + len < nl && p[len] >= '0' && p[len] <= '9' && v < (1ull << 40);
	     len++)
		v = v * 10 + (uint64_t)(p[len] - '0');
	if (len == 0 || p + len != nl)
		goto bad_length;
	if ((uint64_t)(end - nl - 1) < v && v >= w->lk->spool_at) {
		/* Its body streams into the answer spool. */
		w->rpos += len + 1;
		w->body_left = v;
		return STEP_MORE;
	}
	if ((uint64_t)(end - nl - 1) < v)
		return STEP_WAIT;
	if (!answer(w, nl + 1, (size_t)v))
		return STEP_FAILED;
	w->rpos += len + 1 + (size_t)v;
	w->rscan = w->rpos;
	return STEP_MORE;

bad_length:
	scx__loky_fatal(
	    w->lk, SCX_EWORKER,
	    "worker %u wrote an answer without a length, or one too long "
	    "(--protocol=length wants \"<length>\\n<bytes>\")",
	    w->index);
	return STEP_FAILED;
}

/* Cuts whole records out of what the worker wrote.  @at_end: the stream
 * ended; unfinished bytes stay, to be a last answer only if the worker
 * ends well (scx__loky_last_answer()).  Each byte is looked at once
 * (rscan: no delimiter before it), and the start of a long answer moves
 * to the answer spool. */
void
scx__loky_parse_answers(struct lworker *w, bool at_end)
{
	struct scx_buf *b = &w->rbuf;
	enum step st = STEP_MORE;
	size_t rest;

	while (st == STEP_MORE && w->rpos < b->len && !w->lk->failed) {
		if (w->body_left > 0)
			st = answer_body(w);
		else if (w->lk->cfg->protocol == SCX_PROTOCOL_LENGTH)
			st = length_answer(w);
		else
			st = delimited_answer(w, at_end);
	}
	if (st == STEP_FAILED)
		return;
	/* Keep the buffer small: move what is left to its start. */
	rest = b->len - w->rpos;
	if (w->rpos > 0 && (rest == 0 || w->rpos > b->len / 2)) {
		memmove(b->data, b->data + w->rpos, rest);
		b->len = rest;
		w->rscan = w->rscan > w->rpos ? w->rscan - w->rpos : 0;
		w->rpos = 0;
		scx_buf_trim(b, 2 * READ_CHUNK);
	}
}

/* The worker ended well (exit 0, not stopped, timed out or ended by us):
 * the bytes after its last delimiter are a last answer.  A worker that
 * died mid-answer has none: its item fails instead. */
void
scx__loky_last_answer(struct lworker *w)
{
	struct scx_buf *b = &w->rbuf;

	if (w->lk->cfg->protocol == SCX_PROTOCOL_LENGTH || w->fl.n == 0 ||
	    w->exit_status != 0 || w->term_signal != 0 || w->signalled ||
	    w->timed_out || w->closed_stdout)
		return;
	if (w->rpos == b->len && scx_spool_len(&w->ans) == 0 && !w->streaming)
		return;
	w->now_ns = uv_hrtime();
	if (answer(w, b->data + w->rpos, b->len - w->rpos))
		w->rpos = b->len;
}

/* What was left of an unfinished answer is not one. */
void
scx__loky_drop_partial(struct lworker *w)
{
	w->rpos = w->rbuf.len;
	scx_spool_reset(&w->ans);
}

/* What the item in flight on a dead worker gets. */
void
scx__loky_fail_head(struct lworker *w)
{
	char msg[256];
	struct flight f = scx__loky_fifo_pop(&w->fl);
	int status;

	if (w->timed_out) {
		status = 128 + (w->term_signal ? w->term_signal : SIGTERM);
		scx__item_msg(msg, sizeof(msg), w->lk->cfg,
			      "worker %u (pid %d) timed out on this item "
			      "(--timeout) and was ended",
			      w->index, (int)w->pid);
	} else if (w->closed_stdout) {
		status = 1;
		scx__item_msg(msg, sizeof(msg), w->lk->cfg,
			      "worker %u (pid %d) closed its stdout before "
			      "answering this item, and was ended",
			      w->index, (int)w->pid);
	} else if (w->term_signal) {
		status = 128 + w->term_signal;
		scx__item_msg(msg, sizeof(msg), w->lk->cfg,
			      "worker %u (pid %d) was killed by signal %d "
			      "while running this item",
			      w->index, (int)w->pid, w->term_signal);
	} else {
		status = w->exit_status ? w->exit_status : 1;
		scx__item_msg(msg, sizeof(msg), w->lk->cfg,
			      "worker %u (pid %d) exited with status %d "
			      "before answering this item",
			      w->index, (int)w->pid, w->exit_status);
	}
	resolve(w, &f, NULL, 0, status,
		w->closed_stdout		  ? 0
		: w->timed_out && !w->term_signal ? SIGTERM
						  : w->term_signal,
		msg);
}
