/* mpi.c: the MPI backend: rank 0 reads the input and hands chunks of items
 * to the worker ranks on demand, a few ahead; each worker rank runs them
 * with a local executor (a fed run of the multiprocess or loky backend)
 * and streams the results back.  The only file that includes <mpi.h>.
 *
 * OpenMPI busy-polls inside blocking calls, so neither side ever blocks
 * in MPI while work runs: a libuv timer probes for messages, at once
 * while they flow and backing off to a few milliseconds when idle. */
#include "scx.h"

#include <errno.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

enum {
	TAG_SPEC = 1, /* master -> worker: the job, as the master parsed it */
	TAG_CHUNK,    /* master -> worker: items */
	TAG_END,      /* master -> worker: no more items */
	TAG_STOP,     /* master -> worker: stop (drain, terminate, kill) */
	TAG_RESULTS,  /* worker -> master: a piece of the result stream */
	TAG_DONE,     /* worker -> master: every item answered; finalizing */
	TAG_FAIL,     /* worker -> master: cannot run (the message) */
	TAG_HELLO     /* worker -> master: its host name */
};

#define SPEC_VERSION 2u
/* Chunks sent ahead to each worker rank, so none idles while its next
 * chunk travels. */
#define PREFETCH 3
/* Results travel in messages of at most this many bytes, with at most
 * SENDS_MAX of them under way from a worker rank. */
#define MSG_MAX	  (1u << 20)
#define SENDS_MAX 8u
/* Chunk size when neither --chunksize nor the item count says: one item
 * (one process per item balances best), or this many for reusable
 * workers, which answer in microseconds. */
#define REUSE_CHUNK 4096u
/* The longest wait between two probes when nothing arrives: a result or
 * a chunk waits at most this long (less than one process spawn), and a
 * probe costs a few microseconds, so an idle master stays near 0% CPU. */
#define POLL_MAX_MS 2u

/* ------------------------------------------------------------------ */
/* Sends in flight                                                     */
/* ------------------------------------------------------------------ */

struct send {
	MPI_Request req;
	char *buf;
};

struct sendq {
	struct send *v;
	size_t n, cap;
};

/* Sends @len bytes of @buf (which it owns from now on) without waiting. */
static int
send_async(struct sendq *q, int dest, int tag, char *buf, size_t len)
{
	struct send *v;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		v = realloc(q->v, q->cap * sizeof(*v));
		if (v == NULL) {
			free(buf);
			return -ENOMEM;
		}
		q->v = v;
	}
	if (MPI_Isend(buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD,
		      &q->v[q->n].req) != MPI_SUCCESS) {
		free(buf);
		return -EIO;
	}
	q->v[q->n++].buf = buf;
	return 0;
}

/* Sends a copy of @len bytes at @data. */
static int
send_copy(struct sendq *q, int dest, int tag, const void *data, size_t len)
{
	char *buf = malloc(len ? len : 1);

	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, data, len);
	return send_async(q, dest, tag, buf, len);
}

/* Frees the sends that completed.  @return whether any did. */
static bool
sends_progress(struct sendq *q)
{
	size_t i = 0;
	bool any = false;
	int done;

	while (i < q->n) {
		MPI_Test(&q->v[i].req, &done, MPI_STATUS_IGNORE);
		if (!done) {
			i++;
			continue;
		}
		free(q->v[i].buf);
		q->v[i] = q->v[--q->n];
		any = true;
	}
	return any;
}

static void
sends_wait(struct sendq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		MPI_Wait(&q->v[i].req, MPI_STATUS_IGNORE);
		free(q->v[i].buf);
	}
	q->n = 0;
	free(q->v);
	q->v = NULL;
	q->cap = 0;
}

/* Receives the next message from @source (MPI_ANY_SOURCE too) if one is
 * there.  @return 1 and the message (free *@buf), 0, or an error. */
static int
recv_any(int source, int *from, int *tag, char **buf, int *len)
{
	MPI_Status st;
	int flag = 0;

	MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
	if (!flag)
		return 0;
	MPI_Get_count(&st, MPI_BYTE, len);
	*buf = malloc(*len > 0 ? (size_t)*len : 1);
	if (*buf == NULL)
		return -ENOMEM;
	MPI_Recv(*buf, *len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG,
		 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	*from = st.MPI_SOURCE;
	*tag = st.MPI_TAG;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The backend's state                                                 */
/* ------------------------------------------------------------------ */

/* The master's view of one worker rank. */
struct wrank {
	int rank;
	struct scx_chunk *chunks[PREFETCH]; /* sent, not yet answered */
	size_t left[PREFETCH];		    /* their unanswered items */
	unsigned nchunks;
	struct scx_buf in; /* result stream not yet parsed */
	size_t inpos;
	/* A large record on its way: its fixed part, and what its streams
	 * still want. */
	bool large;
	bool lost; /* its streams could not be kept */
	struct scx_result pending;
	uint64_t out_left, err_left;
	struct scx_spool out_spool, err_spool;
	bool done;
	char *host; /* from its HELLO */
};

struct mpib {
	struct scx_run *run;
	const struct scx_config *cfg;
	uv_loop_t *loop; /* the master's, or the worker's fed run's */
	int rank, size;
	bool finalize; /* we initialised MPI, so we finalize it */
	unsigned nworkers;
	uv_timer_t *poll;
	unsigned backoff;
	struct sendq sends;

	/* The master. */
	struct wrank *w;
	unsigned next; /* round robin */
	size_t chunk_max;
	bool spec_sent, eof, end_sent;
	enum scx_stop stop, stop_sent;
	unsigned ndone;

	/* A singleton (no worker rank) runs items itself, with this. */
	struct scx_backend local;
	bool local_mode;

	/* A worker rank. */
	struct scx_run *sub;
	uv_check_t *flusher; /* sends results once per loop pass */
	struct scx_config subcfg;
	char **argv; /* the spec's words */
	size_t argc;
	struct outseg *outq, *outq_tail; /* results not yet sent */
	uint64_t outq_bytes;
	struct scx_buf head; /* a record's header */
	struct scx_buf io;   /* bytes read back from a file */
	bool ended;	     /* END or STOP received */
};

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

static void poll_cb(uv_timer_t *t);

/* Probes again at once after progress, else after a growing pause. */
static void
poll_again(struct mpib *m, bool progress)
{
	if (m->poll == NULL)
		return;
	if (progress)
		m->backoff = 0;
	else if (m->backoff < POLL_MAX_MS)
		m->backoff = m->backoff ? m->backoff * 2 : 1;
	uv_timer_start(m->poll, poll_cb, m->backoff, 0);
}

static int
start_poll(struct mpib *m, bool keep_alive)
{
	m->poll = malloc(sizeof(*m->poll));
	if (m->poll == NULL)
		return -ENOMEM;
	uv_timer_init(m->loop, m->poll);
	m->poll->data = m;
	if (!keep_alive)
		uv_unref((uv_handle_t *)m->poll);
	poll_again(m, true);
	return 0;
}

static void
stop_poll(struct mpib *m)
{
	if (m->poll == NULL)
		return;
	uv_close((uv_handle_t *)m->poll, free_handle);
	m->poll = NULL;
}

/* ------------------------------------------------------------------ */
/* The master                                                          */
/* ------------------------------------------------------------------ */

static int
send_spec(struct mpib *m)
{
	const struct scx_config *c = m->cfg;
	struct scx_buf b = { 0 };
	int err = 0, i;
	size_t k;

	err |= scx_wire_put_u32(&b, SPEC_VERSION);
	err |= scx_wire_put_u32(
	    &b, (uint32_t)c->shell | (uint32_t)c->pipe_item << 1 |
		    (uint32_t)c->seq_prefix << 2 | (uint32_t)c->reuse << 3 |
		    (uint32_t)c->keep_affinity << 4);
	err |= scx_wire_put_u32(&b, (uint32_t)c->protocol);
	err |= scx_wire_put_u32(&b, (uint32_t)c->delimiter);
	err |= scx_wire_put_u64(&b, c->chunksize);
	err |= scx_wire_put_u64(&b, c->timeout_ms);
	err |= scx_wire_put_u64(&b, c->argc);
	for (k = 0; k < c->argc; k++)
		err |= scx_wire_put_str(&b, c->argv[k], strlen(c->argv[k]));
	if (err != 0) {
		scx_buf_free(&b);
		return -ENOMEM;
	}
	for (i = 1; i < m->size && err == 0; i++)
		err = send_copy(&m->sends, i, TAG_SPEC, b.data, b.len);
	scx_buf_free(&b);
	m->spec_sent = true;
	return err;
}

static int
send_chunk(struct mpib *m, struct wrank *w, struct scx_chunk *c)
{
	struct scx_buf b = { 0 };

	if (scx_chunk_encode(&b, c) != 0) {
		scx_buf_free(&b);
		return -ENOMEM;
	}
	return send_async(&m->sends, w->rank, TAG_CHUNK, b.data, b.len);
}

/* Gives the worker ranks their next chunks, one chunk per rank per round,
 * so that a few items spread over every rank instead of queueing on the
 * first. */
static void
dispatch(struct mpib *m)
{
	struct scx_chunk *c;
	struct wrank *w;
	bool gave = true;
	unsigned i, k;
	size_t j;
	int err;

	if (m->eof || m->stop)
		return;
	while (gave && !m->eof) {
		gave = false;
		for (k = 0; k < m->nworkers && !m->eof; k++) {
			i = (m->next + k) % m->nworkers;
			w = &m->w[i];
			if (w->nchunks >= PREFETCH)
				continue;
			err = scx_run_take(m->run, m->chunk_max, &c);
			if (err == SCX_EOF)
				m->eof = true;
			if (err != 0)
				return;
			err = send_chunk(m, w, c);
			if (err != 0) {
				for (j = 0; j < c->n; j++)
					scx_run_abandon(m->run, &c->items[j]);
				scx_chunk_destroy(c);
				scx_run_fail(m->run, err, "sending items");
				m->eof = true;
				return;
			}
			w->chunks[w->nchunks] = c;
			w->left[w->nchunks] = c->n;
			w->nchunks++;
			gave = true;
		}
		m->next = (m->next + 1) % m->nworkers;
	}
}

/* One result record from worker @w, complete in its stream. */
static void
master_result(struct mpib *m, struct wrank *w, struct scx_result *res)
{
	struct scx_chunk *c;
	unsigned i, j;

	for (i = 0; i < w->nchunks; i++) {
		c = w->chunks[i];
		if (res->seq >= c->items[0].seq &&
		    res->seq < c->items[0].seq + c->n)
			break;
	}
	if (i == w->nchunks) {
		scx_run_fail(m->run, SCX_EWORKER,
			     "a worker rank answered an item it was not given");
		return;
	}
	res->host = w->host;
	res->item = c->items[res->seq - c->items[0].seq].data;
	res->item_len = c->items[res->seq - c->items[0].seq].len;
	scx_run_done(m->run, res);
	if (--w->left[i] > 0)
		return;
	scx_chunk_destroy(c);
	for (j = i + 1; j < w->nchunks; j++) {
		w->chunks[j - 1] = w->chunks[j];
		w->left[j - 1] = w->left[j];
	}
	w->nchunks--;
}

/* Reads a record's fixed part from @r into @res and the stream lengths
 * into *@outlen, *@errlen.  @return false when it is not all there (or
 * not a record from a worker rank: it sends no command text, no item). */
static bool
parse_header(struct scx_wire *r, struct scx_result *res, uint64_t *outlen,
	     uint64_t *errlen)
{
	struct scx_record_lens lens;

	if (!scx_record_get(r, res, &lens))
		return false;
	*outlen = lens.out;
	*errlen = lens.err;
	return lens.cmd == 0 && lens.item == 0;
}

/* A record whose streams are this large arrives through spools (memory,
 * then a temporary file) instead of the stream buffer. */
#define RECORD_SPOOL_AT (1u << 20)

/* Moves up to the bytes a large record still wants from @w's stream into
 * its spools; when it is complete, reports it. */
static void
master_large(struct mpib *m, struct wrank *w)
{
	struct scx_bytes b;
	size_t avail, n;
	int err;

	while (w->large && w->inpos < w->in.len) {
		avail = w->in.len - w->inpos;
		if (w->out_left > 0) {
			n = avail < w->out_left ? avail : (size_t)w->out_left;
			err = w->lost
				  ? 0
				  : scx_spool_append(&w->out_spool,
						     w->in.data + w->inpos, n);
			w->out_left -= n;
		} else {
			n = avail < w->err_left ? avail : (size_t)w->err_left;
			err = w->lost
				  ? 0
				  : scx_spool_append(&w->err_spool,
						     w->in.data + w->inpos, n);
			w->err_left -= n;
		}
		w->inpos += n;
		if (err != 0 && !w->lost) {
			/* The rest of the record is read past; the item is
			 * not a result (the run ends with the error). */
			w->lost = true;
			scx_run_fail(m->run, err,
				     w->out_spool.detail[0]
					 ? w->out_spool.detail
					 : w->err_spool.detail);
		}
		if (w->out_left == 0 && w->err_left == 0) {
			w->large = false;
			scx_spool_view(&w->out_spool, &b);
			scx_result_set_stdout(&w->pending, &b);
			scx_spool_view(&w->err_spool, &b);
			scx_result_set_stderr(&w->pending, &b);
			if (w->lost)
				w->pending.flags |= SCX_RESULT_STOPPED;
			w->lost = false;
			master_result(m, w, &w->pending);
			scx_spool_reset(&w->out_spool);
			scx_spool_reset(&w->err_spool);
		}
	}
}

/* Cuts the complete records out of @w's result stream; a large record's
 * streams go to spools as they arrive, so that its size costs no
 * memory. */
static void
master_parse(struct mpib *m, struct wrank *w)
{
	struct scx_result res;
	struct scx_wire r;
	uint64_t outlen, errlen;
	size_t rest;

	for (;;) {
		if (w->large) {
			master_large(m, w);
			if (w->large)
				break;
		}
		scx_wire_init(&r, w->in.data + w->inpos, w->in.len - w->inpos);
		if (!parse_header(&r, &res, &outlen, &errlen))
			break;
		if (outlen + errlen >= RECORD_SPOOL_AT) {
			w->inpos += r.pos;
			w->pending = res;
			w->out_left = outlen;
			w->err_left = errlen;
			w->large = true;
			continue;
		}
		res.out = scx_wire_bytes(&r, (size_t)outlen);
		res.out_len = (size_t)outlen;
		res.err = scx_wire_bytes(&r, (size_t)errlen);
		res.err_len = (size_t)errlen;
		if (r.bad)
			break;
		w->inpos += r.pos;
		master_result(m, w, &res);
	}
	rest = w->in.len - w->inpos;
	if (w->inpos > 0 && (rest == 0 || w->inpos > w->in.len / 2)) {
		memmove(w->in.data, w->in.data + w->inpos, rest);
		w->in.len = rest;
		w->inpos = 0;
	}
	if (w->in.cap > 4 * MSG_MAX && w->in.len < MSG_MAX) {
		/* A large record passed: give the buffer's memory back. */
		struct scx_buf keep = { 0 };

		if (scx_buf_append(&keep, w->in.data, w->in.len) == 0) {
			scx_buf_free(&w->in);
			w->in = keep;
		}
	}
}

static bool
all_answered(const struct mpib *m)
{
	unsigned i;

	for (i = 0; i < m->nworkers; i++)
		if (m->w[i].nchunks > 0)
			return false;
	return true;
}

static void
master_message(struct mpib *m, int from, int tag, char *buf, int len)
{
	struct wrank *w = &m->w[from - 1];
	char msg[512];

	switch (tag) {
	case TAG_RESULTS:
		if (scx_buf_append(&w->in, buf, (size_t)len) != 0) {
			scx_run_fail(m->run, -ENOMEM, "receiving results");
			break;
		}
		master_parse(m, w);
		break;
	case TAG_HELLO:
		free(w->host);
		w->host = strndup(buf, (size_t)len);
		break;
	case TAG_DONE:
		if (!w->done) {
			w->done = true;
			m->ndone++;
		}
		break;
	case TAG_FAIL:
		snprintf(msg, sizeof(msg), "worker rank %d: %.*s", from,
			 len > 400 ? 400 : len, buf);
		scx_run_fail(m->run, SCX_EWORKER, msg);
		if (!w->done) {
			w->done = true;
			m->ndone++;
		}
		break;
	default:
		break;
	}
}

static void
master_poll(struct mpib *m)
{
	bool progress = false;
	char *buf;
	int from, tag, len, got, i;
	uint32_t how;

	while ((got = recv_any(MPI_ANY_SOURCE, &from, &tag, &buf, &len)) == 1) {
		if (from >= 1 && from < m->size)
			master_message(m, from, tag, buf, len);
		free(buf);
		progress = true;
	}
	if (got < 0)
		scx_run_fail(m->run, got, "receiving from worker ranks");
	progress |= sends_progress(&m->sends);
	/* A stop matters only for items still out on the worker ranks; it
	 * may come after END (every item was sent, some still run). */
	if (m->stop > m->stop_sent && !all_answered(m)) {
		how = (uint32_t)m->stop;
		for (i = 1; i < m->size; i++)
			send_copy(&m->sends, i, TAG_STOP, &how, sizeof(how));
		m->stop_sent = m->stop;
	}
	if (!m->stop)
		dispatch(m);
	/* END as soon as no more chunks will be sent (it arrives after the
	 * last one): a reusable worker that buffers its answers only flushes
	 * once its stdin is closed, which END lets its rank do. */
	if ((m->eof || m->stop) && !m->end_sent &&
	    (m->stop_sent == m->stop || all_answered(m))) {
		for (i = 1; i < m->size; i++)
			send_copy(&m->sends, i, TAG_END, "", 0);
		m->end_sent = true;
		progress = true;
	}
	if (m->ndone == m->nworkers && m->end_sent) {
		sends_wait(&m->sends);
		stop_poll(m);
		return;
	}
	poll_again(m, progress);
}

/* ------------------------------------------------------------------ */
/* A worker rank                                                       */
/* ------------------------------------------------------------------ */

/* The result stream's bytes still to send, in order: bytes in memory, or
 * an output too large for memory, in a temporary file of its own. */
struct outseg {
	struct outseg *next;
	int fd;		   /* -1: the bytes are data */
	uint64_t pos, len; /* sent so far; the file's length */
	struct scx_buf data;
};

static struct outseg *
outq_tail_mem(struct mpib *m)
{
	struct outseg *g = m->outq_tail;

	if (g != NULL && g->fd < 0)
		return g;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->fd = -1;
	if (m->outq_tail)
		m->outq_tail->next = g;
	else
		m->outq = g;
	m->outq_tail = g;
	return g;
}

static void
outq_pop(struct mpib *m)
{
	struct outseg *g = m->outq;

	m->outq = g->next;
	if (m->outq == NULL)
		m->outq_tail = NULL;
	if (g->fd >= 0)
		close(g->fd);
	scx_buf_free(&g->data);
	free(g);
}

/* Queues @b: appended to the bytes in memory, or, when it is in a file
 * (the executor reuses that file), copied into a file of the queue's
 * own, within the kernel.  @return 0 or an error. */
static int
outq_put(struct mpib *m, const struct scx_bytes *b)
{
	struct outseg *g;
	char detail[256];
	int fd, err;

	if (b->len == 0)
		return 0;
	if (b->mem != NULL || b->fd < 0) {
		g = outq_tail_mem(m);
		if (g == NULL ||
		    scx_buf_append(&g->data, b->mem, (size_t)b->len) != 0)
			return -ENOMEM;
		m->outq_bytes += b->len;
		return 0;
	}
	fd = scx_tmpfile(detail, sizeof(detail));
	if (fd < 0)
		return fd;
	err = scx_bytes_copy(b, fd, 0, &m->io);
	g = err == 0 ? calloc(1, sizeof(*g)) : NULL;
	if (g == NULL) {
		close(fd);
		return err != 0 ? err : -ENOMEM;
	}
	g->fd = fd;
	g->len = b->len;
	if (m->outq_tail)
		m->outq_tail->next = g;
	else
		m->outq = g;
	m->outq_tail = g;
	m->outq_bytes += b->len;
	return 0;
}

/* Sends what the result stream holds, in messages of at most MSG_MAX,
 * with at most SENDS_MAX of them under way: an output of any size costs
 * a few messages of memory, never its size. */
static void
worker_flush(struct mpib *m)
{
	struct outseg *g;
	size_t n, k;
	char *buf;
	int err;

	while (m->outq != NULL && m->sends.n < SENDS_MAX) {
		n = m->outq_bytes < MSG_MAX ? (size_t)m->outq_bytes : MSG_MAX;
		buf = malloc(n ? n : 1);
		if (buf == NULL) {
			scx_run_fail(m->sub, -ENOMEM, "sending results");
			return;
		}
		for (k = 0; k < n && (g = m->outq) != NULL;) {
			uint64_t len = g->fd < 0 ? g->data.len : g->len;
			size_t take = len - g->pos < n - k
					  ? (size_t)(len - g->pos)
					  : n - k;

			if (g->fd < 0) {
				memcpy(buf + k, g->data.data + g->pos, take);
			} else if ((err = scx_pread_all(g->fd, buf + k, take,
							g->pos)) != 0) {
				free(buf);
				scx_run_fail(m->sub, err,
					     "reading back a result");
				return;
			}
			g->pos += take;
			k += take;
			if (g->pos == len)
				outq_pop(m);
		}
		m->outq_bytes -= k;
		if (send_async(&m->sends, 0, TAG_RESULTS, buf, k) != 0) {
			scx_run_fail(m->sub, -ENOMEM, "sending results");
			return;
		}
	}
}

/* The fed run's result callback: into the stream for the master. */
static void
worker_result(void *arg, const struct scx_result *res)
{
	struct mpib *m = arg;
	struct scx_bytes out, errb, head;
	struct scx_buf *b = &m->head;
	struct scx_record_lens lens = { 0, 0, 0, 0 };
	struct scx_result r = *res;
	int err;

	scx_result_stdout(res, &out);
	scx_result_stderr(res, &errb);
	lens.out = out.len;
	lens.err = errb.len;
	r.rank = m->rank;
	b->len = 0;
	err = scx_record_put(b, &r, &lens);
	head.mem = b->data;
	head.fd = -1;
	head.off = 0;
	head.len = b->len;
	if (err == 0)
		err = outq_put(m, &head);
	if (err == 0)
		err = outq_put(m, &out);
	if (err == 0)
		err = outq_put(m, &errb);
	if (err != 0)
		scx_run_fail(m->sub, err, "queueing a result");
	if (m->outq_bytes >= MSG_MAX)
		worker_flush(m);
}

/* After every loop pass: results out at once, not at the next probe. */
static void
flush_cb(uv_check_t *h)
{
	struct mpib *m = h->data;

	if (m->outq != NULL) {
		sends_progress(&m->sends);
		worker_flush(m);
	}
}

static int
start_flusher(struct mpib *m)
{
	m->flusher = malloc(sizeof(*m->flusher));
	if (m->flusher == NULL)
		return -ENOMEM;
	uv_check_init(m->loop, m->flusher);
	m->flusher->data = m;
	uv_check_start(m->flusher, flush_cb);
	uv_unref((uv_handle_t *)m->flusher);
	return 0;
}

static void
worker_poll(struct mpib *m)
{
	struct scx_chunk *c;
	bool progress = false;
	uint32_t how;
	char *buf;
	int from, tag, len, got;

	while ((got = recv_any(0, &from, &tag, &buf, &len)) == 1) {
		progress = true;
		switch (tag) {
		case TAG_CHUNK:
			c = scx_chunk_decode(buf, (size_t)len);
			if (c == NULL || scx_run_feed(m->sub, c) != 0) {
				scx_chunk_destroy(c);
				scx_run_fail(m->sub, SCX_EWORKER,
					     "a malformed chunk from rank 0");
			}
			break;
		case TAG_END:
			m->ended = true;
			scx_run_feed_end(m->sub);
			break;
		case TAG_STOP:
			if (len == (int)sizeof(how)) {
				memcpy(&how, buf, sizeof(how));
				scx_run_stop(m->sub, (enum scx_stop)how);
			}
			break;
		default:
			break;
		}
		free(buf);
	}
	progress |= sends_progress(&m->sends);
	if (m->outq != NULL) {
		worker_flush(m);
		progress = true;
	}
	poll_again(m, progress);
}

/* The job as the master parsed it: every rank runs exactly that. */
static int
parse_spec(struct mpib *m, const char *buf, size_t len)
{
	struct scx_wire r;
	struct scx_config *c = &m->subcfg;
	uint32_t flags;
	uint64_t argc, k, n;
	const char *s;

	scx_wire_init(&r, buf, len);
	if (scx_wire_u32(&r) != SPEC_VERSION)
		return SCX_EWORKER;
	flags = scx_wire_u32(&r);
	c->shell = flags & 1;
	c->pipe_item = flags & 2;
	c->seq_prefix = flags & 4;
	c->reuse = flags & 8;
	c->keep_affinity = flags & 16;
	c->protocol = (enum scx_protocol)scx_wire_u32(&r);
	c->delimiter = (int)scx_wire_u32(&r);
	c->chunksize = (size_t)scx_wire_u64(&r);
	c->timeout_ms = scx_wire_u64(&r);
	argc = scx_wire_u64(&r);
	if (r.bad || argc == 0 || argc > len)
		return SCX_EWORKER;
	m->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (m->argv == NULL)
		return -ENOMEM;
	m->argc = (size_t)argc;
	for (k = 0; k < argc; k++) {
		n = scx_wire_u64(&r);
		s = scx_wire_bytes(&r, r.bad ? 0 : (size_t)n);
		if (r.bad || s == NULL)
			return SCX_EWORKER;
		m->argv[k] = strndup(s, (size_t)n);
		if (m->argv[k] == NULL)
			return -ENOMEM;
	}
	c->argv = m->argv;
	c->argc = m->argc;
	return 0;
}

/* mpiexec binds a rank to a core when there are few ranks; the items a
 * worker rank runs should have the machine, unless asked otherwise. */
static void
unbind(void)
{
	cpu_set_t all;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&all);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

/* Tells rank 0 that every item this rank got is settled: waits for END
 * (rank 0 sends it once every item it sent is answered), answering any
 * chunk that arrives after the fed run ended with "not run", then sends
 * DONE, or FAIL with @fail. */
static void
worker_finish(struct mpib *m, const char *fail)
{
	struct scx_result res;
	struct scx_chunk *c;
	char *buf;
	int from, tag, len, got;
	size_t i;

	worker_flush(m);
	while (!m->ended) {
		got = recv_any(0, &from, &tag, &buf, &len);
		if (got < 0)
			break;
		if (got == 0) {
			sends_progress(&m->sends);
			worker_flush(m);
			usleep(1000);
			continue;
		}
		if (tag == TAG_END)
			m->ended = true;
		if (tag == TAG_CHUNK &&
		    (c = scx_chunk_decode(buf, (size_t)len))) {
			for (i = 0; i < c->n; i++) {
				memset(&res, 0, sizeof(res));
				res.seq = c->items[i].seq;
				res.flags = SCX_RESULT_STOPPED;
				worker_result(m, &res);
			}
			scx_chunk_destroy(c);
			worker_flush(m);
		}
		free(buf);
	}
	/* Everything queued goes before DONE, a few messages at a time. */
	while (m->outq != NULL) {
		sends_progress(&m->sends);
		worker_flush(m);
		if (m->outq != NULL)
			usleep(200);
	}
	sends_wait(&m->sends);
	if (fail)
		MPI_Send(fail, (int)strlen(fail), MPI_BYTE, 0, TAG_FAIL,
			 MPI_COMM_WORLD);
	else
		MPI_Send("", 0, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
}

/* Waits for the job from rank 0.  @return its length (0: rank 0
 * stopped before the run began, and said why) and *@buf, or -ENOMEM. */
static int
receive_spec(char **buf)
{
	MPI_Status st;
	int len, flag;

	/* A blocking probe would spin a core in OpenMPI while rank 0
	 * counts its input: look every millisecond. */
	for (flag = 0; !flag; usleep(1000))
		MPI_Iprobe(0, TAG_SPEC, MPI_COMM_WORLD, &flag, &st);
	MPI_Get_count(&st, MPI_BYTE, &len);
	*buf = malloc(len > 0 ? (size_t)len : 1);
	if (*buf == NULL)
		return -ENOMEM;
	MPI_Recv(*buf, len, MPI_BYTE, 0, TAG_SPEC, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	return len;
}

/* The fed run of this worker rank: one local worker of the job's kind,
 * its results streamed to rank 0. */
static void
sub_config(struct mpib *m)
{
	struct scx_config *c = &m->subcfg;

	c->workers.kind = SCX_WORKERS_ABSOLUTE;
	c->workers.value = 1;
	c->if_serial = SCX_IF_SERIAL_IGNORE;
	c->backend = c->reuse ? &scx_backend_loky : &scx_backend_multiprocess;
	c->fed = true;
	c->on_result = worker_result;
	c->result_arg = m;
	c->rank = m->rank;
	c->size = m->nworkers;
	c->progname = m->cfg->progname;
	c->notice = m->cfg->notice;
	c->notice_arg = m->cfg->notice_arg;
}

/* Runs the fed run to its end.  @return 0, or an error (@msg says it). */
static int
run_sub(struct mpib *m, char *msg, size_t size)
{
	struct scx_summary sum;
	char detail[256];
	int err;

	err = scx_run_create(&m->sub, &m->subcfg, detail, sizeof(detail));
	if (err != 0) {
		snprintf(msg, size, "%s%s%s", scx_strerror(err),
			 detail[0] ? ": " : "", detail);
		return err;
	}
	m->loop = scx_run_loop(m->sub);
	err = start_poll(m, false);
	if (err == 0)
		err = start_flusher(m);
	if (err == 0)
		err = scx_run_execute(m->sub, &sum);
	stop_poll(m);
	if (m->flusher) {
		uv_close((uv_handle_t *)m->flusher, free_handle);
		m->flusher = NULL;
	}
	if (err != 0)
		snprintf(msg, size, "%s",
			 scx_run_error_detail(m->sub)
			     ? scx_run_error_detail(m->sub)
			     : scx_strerror(err));
	return err;
}

static int
mpi_serve(struct scx_backend *be)
{
	struct mpib *m = be->data;
	char msg[512], host[256];
	char *buf;
	int len, err;

	len = receive_spec(&buf);
	if (len <= 0) {
		free(len == 0 ? buf : NULL);
		return len;
	}
	scx_config_init(&m->subcfg);
	err = parse_spec(m, buf, (size_t)len);
	free(buf);
	if (err != 0) {
		/* Rank 0 reports it (and exits 255); this rank ends quietly. */
		worker_finish(m, "cannot read the job from rank 0");
		return 0;
	}
	if (!m->subcfg.keep_affinity)
		unbind();
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		MPI_Send(host, (int)strlen(host), MPI_BYTE, 0, TAG_HELLO,
			 MPI_COMM_WORLD);
	}
	sub_config(m);
	err = run_sub(m, msg, sizeof(msg));
	worker_finish(m, err != 0 ? msg : NULL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The backend                                                         */
/* ------------------------------------------------------------------ */

static void
poll_cb(uv_timer_t *t)
{
	struct mpib *m = t->data;

	if (m->sub != NULL)
		worker_poll(m);
	else
		master_poll(m);
}

static int
mpi_open(struct scx_backend *be, struct scx_run *run)
{
	struct mpib *m;
	char msg[256];
	int inited = 0, provided, err;
	unsigned i;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	be->data = m;
	m->run = run;
	m->cfg = scx_run_config(run);
	m->loop = scx_run_loop(run);
	MPI_Initialized(&inited);
	if (!inited) {
		/* Only this thread calls MPI; the input thread never does. */
		if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED,
				    &provided) != MPI_SUCCESS)
			return -EIO;
		m->finalize = true;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &m->size);
	m->nworkers = m->size > 1 ? (unsigned)m->size - 1 : 1;
	if (m->rank == 0 && m->size > 1 && m->cfg->notice &&
	    m->cfg->workers.kind != SCX_WORKERS_DEFAULT &&
	    scx_run_workers_wanted(run) != m->nworkers) {
		snprintf(
		    msg, sizeof(msg),
		    "-j is ignored under MPI: %d rank%s give%s %u worker%s "
		    "(rank 0 hands out the items)",
		    m->size, m->size == 1 ? "" : "s", m->size == 1 ? "s" : "",
		    m->nworkers, m->nworkers == 1 ? "" : "s");
		m->cfg->notice(m->cfg->notice_arg, SCX_NOTICE_WORKERS_IGNORED,
			       msg);
	}
	if (m->rank != 0)
		return 0;
	if (m->size == 1) {
		/* A singleton has no worker rank: rank 0 runs the items. */
		m->local_mode = true;
		return scx_run_open_nested(run, &m->local,
					   m->cfg->reuse
					       ? &scx_backend_loky
					       : &scx_backend_multiprocess,
					   1);
	}
	m->w = calloc(m->nworkers, sizeof(*m->w));
	if (m->w == NULL)
		return -ENOMEM;
	for (i = 0; i < m->nworkers; i++) {
		m->w[i].rank = (int)i + 1;
		scx_spool_init(&m->w[i].out_spool, 0);
		scx_spool_init(&m->w[i].err_spool, 0);
	}
	err = 0;
	return err;
}

static int
mpi_start(struct scx_backend *be)
{
	struct mpib *m = be->data;
	int64_t n = scx_run_item_count(m->run);
	int err;

	if (m->local_mode)
		return scx_backend_start(&m->local);
	if (m->cfg->chunksize)
		m->chunk_max = m->cfg->chunksize;
	else if (n >= 0)
		m->chunk_max =
		    scx_default_chunksize((uint64_t)n, true, m->nworkers);
	else
		m->chunk_max = m->cfg->reuse ? REUSE_CHUNK : 1;
	err = send_spec(m);
	if (err != 0)
		return err;
	err = start_poll(m, true);
	if (err != 0)
		return err;
	dispatch(m);
	return 0;
}

static void
mpi_ready(struct scx_backend *be)
{
	struct mpib *m = be->data;

	if (m->local_mode) {
		scx_backend_ready(&m->local);
		return;
	}
	dispatch(m);
	poll_again(m, true);
}

static void
mpi_stop(struct scx_backend *be, enum scx_stop how)
{
	struct mpib *m = be->data;

	if (m->local_mode) {
		scx_backend_stop(&m->local, how);
		return;
	}
	/* At the end of a run the core says DRAIN: END goes out once every
	 * chunk is answered, which the poll sees. */
	if (how > m->stop)
		m->stop = how;
	m->eof = true;
	poll_again(m, true);
}

static void
mpi_close(struct scx_backend *be)
{
	struct mpib *m = be->data;
	unsigned i;
	size_t k;

	if (m == NULL)
		return;
	if (m->local_mode && m->local.data)
		scx_backend_close(&m->local);
	/* Rank 0 ending before it sent the job (an error, --if-serial,
	 * --info): the worker ranks wait for it; tell them there is none. */
	if (m->rank == 0 && m->size > 1 && !m->spec_sent)
		for (int i = 1; i < m->size; i++)
			MPI_Send("", 0, MPI_BYTE, i, TAG_SPEC, MPI_COMM_WORLD);
	if (m->sub)
		scx_run_destroy(m->sub);
	for (i = 0; m->w && i < m->nworkers; i++) {
		for (k = 0; k < m->w[i].nchunks; k++)
			scx_chunk_destroy(m->w[i].chunks[k]);
		scx_buf_free(&m->w[i].in);
		scx_spool_free(&m->w[i].out_spool);
		scx_spool_free(&m->w[i].err_spool);
		free(m->w[i].host);
	}
	if (m->poll) /* only after a failed start */
		uv_close((uv_handle_t *)m->poll, free_handle);
	sends_wait(&m->sends);
	free(m->w);
	for (k = 0; k < m->argc; k++)
		free(m->argv[k]);
	free(m->argv);
	while (m->outq != NULL)
		outq_pop(m);
	scx_buf_free(&m->head);
	scx_buf_free(&m->io);
	if (m->finalize)
		MPI_Finalize();
	free(m);
	be->data = NULL;
}

static unsigned
mpi_size(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->nworkers;
}

static int
mpi_rank(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->rank;
}

static bool
mpi_is_master(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->rank == 0;
}

static void
mpi_explain_size(const struct scx_backend *be, char *buf, size_t size)
{
	const struct mpib *m = be->data;

	if (m->size == 1)
		snprintf(buf, size,
			 "not started by mpiexec, so there is no worker rank "
			 "(start it with mpiexec -n 3 or more)");
	else
		snprintf(buf, size,
			 "mpiexec -n %d gives %u worker rank%s, as rank 0 only "
			 "hands out the items: -n 3 is the smallest parallel "
			 "launch",
			 m->size, m->nworkers, m->nworkers == 1 ? "" : "s");
}

/* The headers this plugin was built from; the program checks them. */
const unsigned scx_plugin_abi = SCX_ABI_ID;

/* With --reuse, items go to the reusable workers' stdin. */
static unsigned
mpi_run_flags(const struct scx_config *cfg)
{
	return cfg->reuse ? SCX_BACKEND_ITEMS_ON_STDIN : 0;
}

const struct scx_backend_ops scx_backend_mpi = {
	.name = "mpi",
	.flags = SCX_BACKEND_MPI_OPTIONS,
	.run_flags = mpi_run_flags,
	.open = mpi_open,
	.start = mpi_start,
	.ready = mpi_ready,
	.stop = mpi_stop,
	.close = mpi_close,
	.rank = mpi_rank,
	.size = mpi_size,
	.is_master = mpi_is_master,
	.serve = mpi_serve,
	.explain_size = mpi_explain_size,
};
