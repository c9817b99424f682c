/* test_reorder.c: the reorder buffer releases results in sequence order,
 * skips gaps, and grows as far ahead as results arrive. */
#include "internal.h"
#include "tap.h"

#include <errno.h>

static void *
val(uint64_t seq)
{
	return (void *)(uintptr_t)(seq * 16 + 8);
}

static void
test_in_order(void)
{
	struct scx__reorder q;
	uint64_t s;
	int ok = 1;

	scx__reorder_init(&q, 1);
	for (s = 1; s <= 1000; s++) {
		ok &= scx__reorder_put(&q, s, val(s)) == 0;
		ok &= scx__reorder_pop(&q) == val(s);
	}
	tap_ok(ok && q.next == 1001, "in-order results pass straight through");
	scx__reorder_free(&q);
}

static void
test_reverse(void)
{
	struct scx__reorder q;
	uint64_t s;
	int ok = 1;

	scx__reorder_init(&q, 1);
	for (s = 5000; s >= 2; s--)
		ok &= scx__reorder_put(&q, s, val(s)) == 0;
	tap_ok(scx__reorder_pop(&q) == NULL, "nothing is due before item 1");
	tap_is_int((long long)q.held, 4999, "4999 results are held");
	scx__reorder_put(&q, 1, val(1));
	for (s = 1; s <= 5000; s++)
		ok &= scx__reorder_pop(&q) == val(s);
	tap_ok(ok && scx__reorder_pop(&q) == NULL,
	       "reverse arrival comes out in order once item 1 arrives");
	tap_is_int((long long)q.held, 0, "nothing is held after");
	scx__reorder_free(&q);
}

static void
test_gaps(void)
{
	struct scx__reorder q;
	uint64_t seq = 0;

	scx__reorder_init(&q, 1);
	scx__reorder_put(&q, 3, val(3));
	scx__reorder_put(&q, 2, SCX__REORDER_GAP);
	scx__reorder_put(&q, 1, SCX__REORDER_GAP);
	tap_ok(scx__reorder_pop(&q) == val(3), "gaps are skipped");
	scx__reorder_put(&q, 6, val(6));
	scx__reorder_put(&q, 9, val(9));
	tap_ok(scx__reorder_pop(&q) == NULL, "item 4 is still due");
	tap_ok(scx__reorder_pop_any(&q, &seq) == val(6) && seq == 6,
	       "pop_any skips missing items");
	tap_ok(scx__reorder_pop_any(&q, &seq) == val(9) && seq == 9,
	       "pop_any continues in order");
	tap_ok(scx__reorder_pop_any(&q, &seq) == NULL, "then nothing is left");
	tap_is_int(scx__reorder_put(&q, 2, val(2)), -EINVAL,
		   "a sequence number already passed is refused");
	scx__reorder_free(&q);
}

static void
test_wrap(void)
{
	struct scx__reorder q;
	uint64_t s, base;
	int ok = 1;

	/* A window that slides far past the ring's size. */
	scx__reorder_init(&q, 1);
	for (base = 1; base < 100000; base += 10) {
		for (s = base + 9; s >= base; s--)
			ok &= scx__reorder_put(&q, s, val(s)) == 0;
		for (s = base; s < base + 10; s++)
			ok &= scx__reorder_pop(&q) == val(s);
	}
	tap_ok(ok && q.mask + 1 <= 64, "a sliding window keeps the ring small");
	scx__reorder_free(&q);
}

int
main(void)
{
	test_in_order();
	test_reverse();
	test_gaps();
	test_wrap();
	return tap_done();
}
