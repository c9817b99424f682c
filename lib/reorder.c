/* reorder.c: holds results that finished before an earlier item, in a
 * ring indexed by sequence number, so that putting and popping are O(1). */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
scx__reorder_init(struct scx__reorder *q, uint64_t first)
{
	memset(q, 0, sizeof(*q));
	q->next = first;
}

void
scx__reorder_free(struct scx__reorder *q)
{
	free(q->ring);
	q->ring = NULL;
	q->mask = 0;
	q->held = 0;
}

static size_t
ring_cap(const struct scx__reorder *q)
{
	return q->ring ? q->mask + 1 : 0;
}

/* Grows the ring to hold sequence numbers up to next + need - 1. */
static int
grow(struct scx__reorder *q, uint64_t need)
{
	size_t cap = ring_cap(q), ncap, i;
	void **ring;
	uint64_t s;

	ncap = cap ? cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / sizeof(void *))
			return -ENOMEM;
		ncap *= 2;
	}
	ring = calloc(ncap, sizeof(*ring));
	if (ring == NULL)
		return -ENOMEM;
	for (i = 0; i < cap; i++) {
		s = q->next + i;
		ring[s & (ncap - 1)] = q->ring[s & q->mask];
	}
	free(q->ring);
	q->ring = ring;
	q->mask = ncap - 1;
	return 0;
}

int
scx__reorder_put(struct scx__reorder *q, uint64_t seq, void *value)
{
	uint64_t need;
	int err;

	if (seq < q->next || value == NULL)
		return -EINVAL;
	need = seq - q->next + 1;
	if (need > ring_cap(q) && (err = grow(q, need)) != 0)
		return err;
	q->ring[seq & q->mask] = value;
	if (value != SCX__REORDER_GAP)
		q->held++;
	return 0;
}

void *
scx__reorder_pop(struct scx__reorder *q)
{
	void **slot, *v;

	while (q->ring != NULL) {
		slot = &q->ring[q->next & q->mask];
		v = *slot;
		if (v == NULL)
			return NULL;
		*slot = NULL;
		q->next++;
		if (v != SCX__REORDER_GAP) {
			q->held--;
			return v;
		}
	}
	return NULL;
}

void *
scx__reorder_pop_any(struct scx__reorder *q, uint64_t *seq)
{
	void **slot, *v;

	while (q->held > 0) {
		slot = &q->ring[q->next & q->mask];
		v = *slot;
		*slot = NULL;
		q->next++;
		if (v != NULL && v != SCX__REORDER_GAP) {
			q->held--;
			*seq = q->next - 1;
			return v;
		}
	}
	return NULL;
}
