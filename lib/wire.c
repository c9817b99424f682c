/* wire.c: the byte encodings results and items travel in.  A result
 * record (a fixed part, then the command text, the item, stdout and
 * stderr) is what the hold writes to its spill file and what an MPI worker
 * rank streams to rank 0 (chunk.c carries items the other way).  Both ends are
 * the same build, so numbers are in the machine's order. */
#include "internal.h"

#include <errno.h>
#include <string.h>

int
scx_wire_put_u32(struct scx_buf *b, uint32_t v)
{
	return scx_buf_append(b, &v, sizeof(v));
}

int
scx_wire_put_u64(struct scx_buf *b, uint64_t v)
{
	return scx_buf_append(b, &v, sizeof(v));
}

int
scx_wire_put_str(struct scx_buf *b, const char *s, size_t len)
{
	int err = scx_wire_put_u64(b, len);

	return err ? err : scx_buf_append(b, s, len);
}

void
scx_wire_init(struct scx_wire *w, const void *p, size_t len)
{
	w->p = p;
	w->len = len;
	w->pos = 0;
	w->bad = false;
}

const char *
scx_wire_bytes(struct scx_wire *w, size_t n)
{
	const char *p = w->p + w->pos;

	if (w->bad || n > w->len - w->pos) {
		w->bad = true;
		return NULL;
	}
	w->pos += n;
	return p;
}

uint32_t
scx_wire_u32(struct scx_wire *w)
{
	const char *p = scx_wire_bytes(w, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

uint64_t
scx_wire_u64(struct scx_wire *w)
{
	const char *p = scx_wire_bytes(w, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

int
scx_record_put(struct scx_buf *b, const struct scx_result *res,
	       const struct scx_record_lens *lens)
{
	unsigned flags =
	    res->flags & ~(unsigned)(SCX_RESULT_OUT_FILE | SCX_RESULT_ERR_FILE);
	int err = 0;

	err |= scx_wire_put_u64(b, res->seq);
	err |= scx_wire_put_u32(b, (uint32_t)res->exit_status);
	err |= scx_wire_put_u32(b, (uint32_t)res->term_signal);
	err |= scx_wire_put_u64(b, (uint64_t)res->start_us);
	err |= scx_wire_put_u64(b, res->duration_ns);
	err |= scx_wire_put_u32(b, res->worker);
	err |= scx_wire_put_u32(b, (uint32_t)res->rank);
	err |= scx_wire_put_u32(b, flags);
	err |= scx_wire_put_u64(b, lens->cmd);
	err |= scx_wire_put_u64(b, lens->item);
	err |= scx_wire_put_u64(b, lens->out);
	err |= scx_wire_put_u64(b, lens->err);
	return err ? -ENOMEM : 0;
}

bool
scx_record_get(struct scx_wire *w, struct scx_result *res,
	       struct scx_record_lens *lens)
{
	memset(res, 0, sizeof(*res));
	res->seq = scx_wire_u64(w);
	res->exit_status = (int)scx_wire_u32(w);
	res->term_signal = (int)scx_wire_u32(w);
	res->start_us = (int64_t)scx_wire_u64(w);
	res->duration_ns = scx_wire_u64(w);
	res->worker = scx_wire_u32(w);
	res->rank = (int)scx_wire_u32(w);
	res->flags = scx_wire_u32(w);
	lens->cmd = scx_wire_u64(w);
	lens->item = scx_wire_u64(w);
	lens->out = scx_wire_u64(w);
	lens->err = scx_wire_u64(w);
	return !w->bad;
}
