/* chunk.c: a chunk of items: made, filled item by item or by runs of
 * another chunk's items, freed, and carried as a message to an MPI worker
 * rank and back into a chunk there.  (The input's reader fills its
 * chunks from its blocks a run of items at a time, in source.c.) */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct scx_chunk *
scx_chunk_create(size_t n, size_t len)
{
	struct scx_chunk *c;
	size_t size;

	if (n > (SIZE_MAX - sizeof(*c) - len) / sizeof(struct scx_item))
		return NULL;
	size = sizeof(*c) + n * sizeof(struct scx_item) + len;
	c = malloc(size ? size : 1);
	if (c == NULL)
		return NULL;
	c->n = n;
	c->items = (struct scx_item *)(c + 1);
	c->bytes = (const char *)(c->items + n);
	c->len = len;
	c->priv = NULL;
	return c;
}

void
scx_chunk_destroy(struct scx_chunk *chunk)
{
	free(chunk);
}

void
scx__chunk_fill_init(struct scx__chunk_fill *f, struct scx_chunk *c)
{
	f->c = c;
	f->k = 0;
	f->off = 0;
}

void
scx__chunk_fill(struct scx__chunk_fill *f, uint64_t seq, const char *data,
		size_t len, char delim)
{
	char *dst = (char *)f->c->bytes + f->off;

	memcpy(dst, data, len);
	dst[len] = delim;
	f->c->items[f->k].seq = seq;
	f->c->items[f->k].data = dst;
	f->c->items[f->k].len = len;
	f->k++;
	f->off += len + 1;
}

void
scx__chunk_fill_from(struct scx__chunk_fill *f, const struct scx_chunk *from,
		     size_t i, size_t n)
{
	const struct scx_item *first = &from->items[i], *last;
	char *dst = (char *)f->c->bytes + f->off;
	size_t start, end, j;

	if (n == 0)
		return;
	last = &from->items[i + n - 1];
	start = (size_t)(first->data - from->bytes);
	end = (size_t)(last->data - from->bytes) + last->len + 1;
	memcpy(dst, from->bytes + start, end - start);
	for (j = 0; j < n; j++) {
		f->c->items[f->k + j] = from->items[i + j];
		f->c->items[f->k + j].data =
		    dst + (from->items[i + j].data - from->bytes) - start;
	}
	f->k += n;
	f->off += end - start;
}

int
scx_chunk_encode(struct scx_buf *b, const struct scx_chunk *c)
{
	int err = 0;
	size_t i;

	if (c->n == 0)
		return -EINVAL;
	err |= scx_wire_put_u64(b, c->n);
	/* Each item's own seq: a chunk of retries or of what --resume
	 * kept has gaps. */
	for (i = 0; i < c->n; i++) {
		err |= scx_wire_put_u64(b, c->items[i].seq);
		err |= scx_wire_put_u64(b, c->items[i].len);
	}
	err |= scx_buf_append(b, c->bytes, c->len);
	return err ? -ENOMEM : 0;
}

/* The seq and length of each item of a chunk message (@n of them), and
 * the bytes they add up to (each item and its delimiter).  @return them
 * (free) or NULL. */
static struct scx_item *
chunk_heads(struct scx_wire *r, uint64_t n, uint64_t *total)
{
	struct scx_item *v;
	uint64_t i, len;

	if (r->bad || n == 0 || n > r->len / 16)
		return NULL;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return NULL;
	*total = 0;
	for (i = 0; i < n && !r->bad; i++) {
		v[i].seq = scx_wire_u64(r);
		len = scx_wire_u64(r);
		/* Within the message, so that the total cannot wrap. */
		if (len >= r->len || *total + len + 1 > r->len)
			r->bad = true;
		v[i].len = (size_t)len;
		*total += len + 1;
	}
	if (r->bad) {
		free(v);
		return NULL;
	}
	return v;
}

struct scx_chunk *
scx_chunk_decode(const void *buf, size_t len)
{
	struct scx_wire r;
	struct scx__chunk_fill fill;
	struct scx_chunk *c = NULL;
	struct scx_item *heads;
	uint64_t n, total = 0;
	const char *bytes;
	size_t i, off = 0;

	scx_wire_init(&r, buf, len);
	n = scx_wire_u64(&r);
	heads = chunk_heads(&r, n, &total);
	if (heads == NULL)
		return NULL;
	bytes = scx_wire_bytes(&r, (size_t)total);
	if (bytes != NULL && r.pos == r.len)
		c = scx_chunk_create((size_t)n, (size_t)total);
	if (c != NULL) {
		scx__chunk_fill_init(&fill, c);
		for (i = 0; i < n; i++) {
			scx__chunk_fill(&fill, heads[i].seq, bytes + off,
					heads[i].len,
					bytes[off + heads[i].len]);
			off += heads[i].len + 1;
		}
	}
	free(heads);
	return c;
}
