/* mpi_master.c: rank 0 of the MPI backend: sends the job, hands chunks
 * of items to the worker ranks a few ahead, round robin, and cuts the
 * result records out of each rank's stream into the run (a large record
 * through spools, so that its size costs no memory). */
#include "mpib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the worker ranks' templates need of GNU parallel's language: the
 * sources only as a count (rank 0 reads them), how jobs are made. */
static int
put_language(struct scx_buf *b, const struct scx_config *c)
{
	const char *strs[SPEC_STRINGS] = { c->colsep, c->header, c->trim };
	int err = 0;
	size_t k;

	for (k = 0; k < SCX_RS_NNAMES; k++)
		strs[3 + k] = c->rs_text[k];
	strs[3 + SCX_RS_NNAMES] = c->workdir;
	strs[4 + SCX_RS_NNAMES] = c->pipe.nfiles ? c->pipe.files[0] : NULL;
	err |= scx_wire_put_u32(
	    b, (uint32_t)c->quote | (uint32_t)c->plus << 1 |
		   (uint32_t)c->link << 2 | (uint32_t)c->context << 3 |
		   (uint32_t)c->pipe.mode << 4 | (uint32_t)c->pipe.via << 6);
	err |= scx_wire_put_u64(b, c->nsources);
	err |= scx_wire_put_u64(b, c->max_args);
	err |= scx_wire_put_u32(b, (uint32_t)c->multi);
	err |= scx_wire_put_u64(b, c->max_chars);
	for (k = 0; k < SPEC_STRINGS; k++) {
		err |= scx_wire_put_u32(b, strs[k] != NULL);
		err |= scx_wire_put_str(b, strs[k] ? strs[k] : "",
					strs[k] ? strlen(strs[k]) : 0);
	}
	return err;
}

/* The job count ({##}) and the --header names rank 0 read, for every
 * rank's commands. */
static int
put_names(struct scx_buf *b, struct scx_run *run)
{
	const struct scx_column_name *names;
	size_t n, k;
	int err;

	names = scx_run_column_names(run, &n);
	err = scx_wire_put_u64(b, scx_run_item_count(run) > 0
				      ? (uint64_t)scx_run_item_count(run)
				      : 0);
	err |= scx_wire_put_u64(b, n);
	for (k = 0; k < n; k++) {
		err |=
		    scx_wire_put_str(b, names[k].name, strlen(names[k].name));
		err |= scx_wire_put_u64(b, names[k].field);
	}
	return err;
}

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
		    (uint32_t)c->keep_affinity << 4 | (uint32_t)c->trace << 5);
	err |= scx_wire_put_u32(&b, (uint32_t)c->protocol);
	err |= scx_wire_put_u32(&b, (uint32_t)c->delimiter);
	err |= scx_wire_put_u64(&b, c->chunksize);
	err |= scx_wire_put_u64(&b, c->timeout_ms);
	err |= scx_wire_put_u32(&b, c->timeout_percent);
	err |= scx_wire_put_u32(&b, (uint32_t)c->nice);
	err |= scx_wire_put_u64(&b, c->argc);
	for (k = 0; k < c->argc; k++)
		err |= scx_wire_put_str(&b, c->argv[k], strlen(c->argv[k]));
	err |= put_language(&b, c);
	err |= put_names(&b, m->run);
	if (err != 0) {
		scx_buf_free(&b);
		return -ENOMEM;
	}
	for (i = 1; i < m->size && err == 0; i++)
		err = mpib_send_copy(&m->sends, i, TAG_SPEC, b.data, b.len);
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
	return mpib_send_async(&m->sends, w->rank, TAG_CHUNK, b.data, b.len);
}

/* Gives the worker ranks their next chunks, one chunk per rank per round,
 * so that a few items spread over every rank instead of queueing on the
 * first. */
void
mpib_dispatch(struct mpib *m)
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

/* Item @seq of @c, or NULL.  A chunk's seqs are consecutive unless it
 * holds retries or what --resume kept: then it is searched. */
static const struct scx_item *
chunk_item(const struct scx_chunk *c, uint64_t seq)
{
	uint64_t first = c->items[0].seq;
	size_t k;

	if (c->items[c->n - 1].seq == first + c->n - 1)
		return seq >= first && seq - first < c->n
			   ? &c->items[seq - first]
			   : NULL;
	for (k = 0; k < c->n; k++)
		if (c->items[k].seq == seq)
			return &c->items[k];
	return NULL;
}

/* One result record from worker @w, complete in its stream. */
static void
master_result(struct mpib *m, struct wrank *w, struct scx_result *res)
{
	const struct scx_item *item = NULL;
	struct scx_chunk *c = NULL;
	unsigned i, j;

	for (i = 0; i < w->nchunks && item == NULL; i++)
		item = chunk_item(c = w->chunks[i], res->seq);
	if (item == NULL) {
		scx_run_fail(m->run, SCX_EWORKER,
			     "a worker rank answered an item it was not given");
		return;
	}
	i--;
	res->host = w->host;
	res->item = item->data;
	res->item_len = item->len;
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
 * into *@outlen, *@errlen.  @return 1, 0 when it is not all there yet,
 * or -1 when it is not a record a worker rank sends (it sends no command
 * text and no item; its streams fit in 64 bits). */
static int
parse_header(struct scx_wire *r, struct scx_result *res, uint64_t *outlen,
	     uint64_t *errlen)
{
	struct scx_record_lens lens;

	if (!scx_record_get(r, res, &lens))
		return 0;
	*outlen = lens.out;
	*errlen = lens.err;
	if (lens.cmd != 0 || lens.item != 0 || lens.out > UINT64_MAX - lens.err)
		return -1;
	return 1;
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
	int got;

	for (;;) {
		if (w->large) {
			master_large(m, w);
			if (w->large)
				break;
		}
		scx_wire_init(&r, w->in.data + w->inpos, w->in.len - w->inpos);
		got = parse_header(&r, &res, &outlen, &errlen);
		if (got < 0) {
			/* The stream cannot be followed past it: what this
			 * rank still had is not answered, and the run ends. */
			scx_run_fail(m->run, SCX_EWORKER,
				     "a worker rank sent a malformed result");
			w->broken = true;
			w->inpos = w->in.len;
			break;
		}
		if (got == 0)
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
		if (w->broken) /* its stream cannot be followed any more */
			break;
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

	while ((got = mpib_recv_any(MPI_ANY_SOURCE, &from, &tag, &buf, &len)) ==
	       1) {
		if (from >= 1 && from < m->size)
			master_message(m, from, tag, buf, len);
		free(buf);
		progress = true;
	}
	if (got < 0)
		scx_run_fail(m->run, got, "receiving from worker ranks");
	progress |= mpib_sends_progress(&m->sends);
	/* A stop matters only for items still out on the worker ranks; it
	 * may come after END (every item was sent, some still run). */
	if (m->stop > m->stop_sent && !all_answered(m)) {
		how = (uint32_t)m->stop;
		for (i = 1; i < m->size; i++)
			mpib_send_copy(&m->sends, i, TAG_STOP, &how,
				       sizeof(how));
		m->stop_sent = m->stop;
	}
	if (!m->stop)
		mpib_dispatch(m);
	/* END as soon as no more chunks will be sent (it arrives after the
	 * last one): a reusable worker that buffers its answers only flushes
	 * once its stdin is closed, which END lets its rank do. */
	if ((m->eof || m->stop) && !m->end_sent &&
	    (m->stop_sent == m->stop || all_answered(m))) {
		for (i = 1; i < m->size; i++)
			mpib_send_copy(&m->sends, i, TAG_END, "", 0);
		m->end_sent = true;
		progress = true;
	}
	if (m->ndone == m->nworkers && m->end_sent) {
		mpib_sends_wait(&m->sends);
		mpib_stop_poll(m);
		return;
	}
	mpib_poll_again(m, progress);
}

int
mpib_master_start(struct mpib *m)
{
	int64_t n = scx_run_item_count(m->run);
	int err;

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
	err = mpib_start_poll(m, true, master_poll);
	if (err != 0)
		return err;
	mpib_dispatch(m);
	return 0;
}

void
mpib_master_free(struct mpib *m)
{
	unsigned i;
	size_t k;

	/* Rank 0 ending before it sent the job (an error, --if-serial,
	 * --info): the worker ranks wait for it; tell them there is none. */
	if (m->rank == 0 && m->size > 1 && !m->spec_sent)
		for (int r = 1; r < m->size; r++)
			MPI_Send("", 0, MPI_BYTE, r, TAG_SPEC, MPI_COMM_WORLD);
	for (i = 0; m->w && i < m->nworkers; i++) {
		for (k = 0; k < m->w[i].nchunks; k++)
			scx_chunk_destroy(m->w[i].chunks[k]);
		scx_buf_free(&m->w[i].in);
		scx_spool_free(&m->w[i].out_spool);
		scx_spool_free(&m->w[i].err_spool);
		free(m->w[i].host);
	}
	free(m->w);
	m->w = NULL;
}
