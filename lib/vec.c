/* vec.c: the growable array and the ring (a first-in first-out queue)
 * that the modules keep their lists in: elements of one size, the room
 * doubled as it fills. */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
scx__grow(void **v, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*v, ncap * size);
	if (p == NULL)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

void
scx__ring_init(struct scx__ring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
}

void
scx__ring_free(struct scx__ring *r)
{
	free(r->v);
	scx__ring_init(r, r->size);
}

void *
scx__ring_at(const struct scx__ring *r, size_t i)
{
	if (i >= r->n)
		return NULL;
	return r->v + ((r->head + i) % r->cap) * r->size;
}

/* Doubles the ring's room, its elements moved to the front. */
static int
ring_grow(struct scx__ring *r)
{
	size_t cap = r->cap ? r->cap * 2 : 16, i;
	char *v;

	if (cap > SIZE_MAX / r->size)
		return -ENOMEM;
	v = malloc(cap * r->size);
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		memcpy(v + i * r->size, scx__ring_at(r, i), r->size);
	free(r->v);
	r->v = v;
	r->cap = cap;
	r->head = 0;
	return 0;
}

int
scx__ring_push(struct scx__ring *r, const void *elem)
{
	int err;

	if (r->n == r->cap && (err = ring_grow(r)) != 0)
		return err;
	r->n++;
	memcpy(scx__ring_at(r, r->n - 1), elem, r->size);
	return 0;
}

void
scx__ring_pop(struct scx__ring *r, void *elem)
{
	if (r->n == 0)
		return;
	if (elem != NULL)
		memcpy(elem, scx__ring_at(r, 0), r->size);
	r->head = (r->head + 1) % r->cap;
	r->n--;
}
