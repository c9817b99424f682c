/* test_vec.c: the growable array and the ring keep every element, in
 * order, across growth and across the ring's wrap-around. */
#include "internal.h"
#include "tap.h"

#include <errno.h>

static void
test_grow(void)
{
	uint64_t *v = NULL;
	size_t cap = 0, i;
	int same = 1;

	tap_is_int(SCX__GROW(v, cap, 1, 4), 0, "grow: from nothing");
	tap_is_int((long long)cap, 4, "grow: to the first size");
	for (i = 0; i < 1000; i++) {
		if (SCX__GROW(v, cap, i + 1, 4) != 0)
			break;
		v[i] = i * 7;
	}
	for (i = 0; i < 1000; i++)
		same &= v[i] == i * 7;
	tap_ok(same && cap >= 1000 && cap < 2048,
	       "grow: 1000 elements kept, room doubled");
	tap_is_int(SCX__GROW(v, cap, (size_t)-1, 4), -ENOMEM,
		   "grow: an impossible size is refused");
	tap_ok(v[999] == 999 * 7, "grow: a refused growth keeps the array");
	free(v);
}

static void
test_ring(void)
{
	struct scx__ring r;
	unsigned next_in = 0, next_out = 0, got, round;
	int same = 1;

	scx__ring_init(&r, sizeof(unsigned));
	tap_ok(scx__ring_at(&r, 0) == NULL, "ring: empty");
	/* Pushes 3, pops 2, so that the front moves round while it grows. */
	for (round = 0; round < 200; round++) {
		for (int k = 0; k < 3; k++, next_in++)
			same &= scx__ring_push(&r, &next_in) == 0;
		for (int k = 0; k < 2; k++, next_out++) {
			scx__ring_pop(&r, &got);
			same &= got == next_out;
		}
	}
	tap_ok(same, "ring: first in, first out, across growth and wrap");
	tap_is_int((long long)r.n, 200, "ring: the count");
	tap_ok(*(unsigned *)scx__ring_at(&r, 199) == next_in - 1 &&
		   scx__ring_at(&r, 200) == NULL,
	       "ring: at() reaches the back, and no further");
	while (r.n > 0)
		scx__ring_pop(&r, NULL);
	scx__ring_pop(&r, NULL);
	tap_is_int((long long)r.n, 0,
		   "ring: popping an empty ring is harmless");
	scx__ring_free(&r);
}

int
main(void)
{
	test_grow();
	test_ring();
	return tap_done();
}
