/* chunk.c: a chunk of items: made, freed, and carried as a message to
 * an MPI worker rank and back into a chunk there. */
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
		memcpy((char *)c->bytes, bytes, total);
		for (i = 0; i < n; i++) {
			c->items[i].seq = first + i;
			c->items[i].data = c->bytes + off;
			c->items[i].len = lens[i];
			off += lens[i] + 1;
		}
	}
	free(lens);
	return c;
}
