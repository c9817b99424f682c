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
	err |= scx_wire_put_u64(b, c->items[0].seq);
	err |= scx_wire_put_u64(b, c->n);
	for (i = 0; i < c->n; i++)
		err |= scx_wire_put_u64(b, c->items[i].len);
	err |= scx_buf_append(b, c->bytes, c->len);
	return err ? -ENOMEM : 0;
}

/* The item lengths of a chunk message, and the bytes they add up to
 * (each item and its delimiter).  @return them (free) or NULL. */
static uint64_t *
chunk_lengths(struct scx_wire *r, uint64_t n, uint64_t *total)
{
	uint64_t *lens, i;

	if (r->bad || n == 0 || n > r->len / 8)
		return NULL;
	lens = malloc(n * sizeof(*lens));
	if (lens == NULL)
		return NULL;
	*total = 0;
	for (i = 0; i < n; i++) {
		lens[i] = scx_wire_u64(r);
		if (lens[i] > r->len) {
			r->bad = true;
			break;
		}
		*total += lens[i] + 1;
	}
	if (r->bad) {
		free(lens);
		return NULL;
	}
	return lens;
}

struct scx_chunk *
scx_chunk_decode(const void *buf, size_t len)
{
	struct scx_wire r;
	struct scx__chunk_fill fill;
	struct scx_chunk *c = NULL;
	uint64_t first, n, *lens, total = 0;
	const char *bytes;
	size_t i, off = 0;

	scx_wire_init(&r, buf, len);
	first = scx_wire_u64(&r);
	n = scx_wire_u64(&r);
	lens = chunk_lengths(&r, n, &total);
	if (lens == NULL)
		return NULL;
	bytes = scx_wire_bytes(&r, (size_t)total);
	if (bytes != NULL && r.pos == r.len)
		c = scx_chunk_create((size_t)n, (size_t)total);
	if (c != NULL) {
		scx__chunk_fill_init(&fill, c);
		for (i = 0; i < n; i++) {
			scx__chunk_fill(&fill, first + i, bytes + off,
					(size_t)lens[i], bytes[off + lens[i]]);
			off += lens[i] + 1;
		}
	}
	free(lens);
	return c;
}
