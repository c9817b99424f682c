/* test_reader.c: the item reader cuts any byte stream into the same items,
 * however the bytes arrive. */
#include "internal.h"
#include "tap.h"

#include <unistd.h>

/* Feeds @input in pieces of @step bytes, ends it, and joins the items
 * as "[item]" for comparison. */
static void
split(const char *input, size_t len, int delim, size_t step,
      struct scx_buf *out, uint64_t *first_seq)
{
	struct scx__reader r;
	struct scx__block *b;
	size_t i, k;

	scx__reader_init(&r, delim);
	out->len = 0;
	*first_seq = 0;
	for (i = 0; i < len; i += step) {
		k = len - i < step ? len - i : step;
		scx__reader_feed(&r, input + i, k);
	}
	scx__reader_end(&r);
	while (scx__reader_cut(&r, &b) == 0) {
		if (*first_seq == 0)
			*first_seq = b->first_seq;
		for (k = 0; k < b->n; k++) {
			scx_buf_putc(out, '[');
			scx_buf_append(out, b->data + b->spans[k].off,
				       b->spans[k].len);
			scx_buf_putc(out, ']');
			/* Every item is followed by its delimiter. */
			if (b->data[b->spans[k].off + b->spans[k].len] != delim)
				scx_buf_append(out, "<no delim>", 10);
		}
		scx__block_free(b);
	}
	scx__reader_free(&r);
}

/* Inputs and expectations are string literals that may hold NUL bytes. */
#define CHECK(name, input, delim, want) \
	check(name, input, sizeof(input) - 1, delim, want, sizeof(want) - 1)

static void
check(const char *name, const char *input, size_t len, int delim,
      const char *want, size_t wantlen)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 100000 };
	struct scx_buf out = { 0 };
	uint64_t first;
	char label[256];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		split(input, len, delim, steps[i], &out, &first);
		snprintf(label, sizeof(label), "%s (pieces of %zu)", name,
			 steps[i]);
		tap_is_bytes(out.data ? out.data : "", out.len, want, wantlen,
			     label);
	}
	scx_buf_free(&out);
}

static void
test_seq_numbers(void)
{
	struct scx__reader r;
	struct scx__block *b;
	uint64_t expect = 1;
	int ok = 1;
	size_t k;

	scx__reader_init(&r, '\n');
	scx__reader_feed(&r, "a\nb\n", 4);
	while (scx__reader_cut(&r, &b) == 0) {
		ok &= b->first_seq == expect;
		expect += b->n;
		scx__block_free(b);
	}
	scx__reader_feed(&r, "c\nd\ne", 5);
	scx__reader_end(&r);
	while (scx__reader_cut(&r, &b) == 0) {
		ok &= b->first_seq == expect;
		for (k = 0; k < b->n; k++)
			expect++;
		scx__block_free(b);
	}
	tap_ok(ok && expect == 6, "sequence numbers continue across blocks");
	scx__reader_free(&r);
}

static void
test_long_item(void)
{
	size_t len = 3u << 20, i;
	struct scx_buf out = { 0 };
	uint64_t first;
	char *big = malloc(len + 2);

	for (i = 0; i < len; i++)
		big[i] = (char)('a' + i % 26);
	big[len] = '\n';
	big[len + 1] = 'z';
	split(big, len + 2, '\n', 65536, &out, &first);
	tap_ok(out.len == len + 2 + 3 && out.data[0] == '[' &&
		   memcmp(out.data + 1, big, len) == 0 &&
		   memcmp(out.data + len + 1, "][z]", 4) == 0,
	       "a 3 MiB item arriving in 64 KiB pieces is one item");
	scx_buf_free(&out);
	free(big);
}

static void
test_count(void)
{
	FILE *f = tmpfile();
	uint64_t n = 0;

	fputs("a\nb\n\nc", f);
	fflush(f);
	rewind(f);
	tap_ok(scx__count_items(fileno(f), '\n', &n) == 0 && n == 4,
	       "count: a last item without delimiter counts");
	tap_ok(ftruncate(fileno(f), 0) == 0, "count: truncate the file");
	tap_ok(scx__count_items(fileno(f), '\n', &n) == 0 && n == 0,
	       "count: an empty file has no items");
	fputs("x\ny\n", f);
	fflush(f);
	fseek(f, 2, SEEK_SET);
	tap_ok(scx__count_items(fileno(f), '\n', &n) == 0 && n == 1,
	       "count: counts from the current offset");
	tap_is_int(lseek(fileno(f), 0, SEEK_CUR), 2,
		   "count: leaves the offset where it was");
	fclose(f);
}

int
main(void)
{
	CHECK("newlines", "a\nbb\nccc\n", '\n', "[a][bb][ccc]");
	CHECK("no trailing newline", "a\nbb", '\n', "[a][bb]");
	CHECK("empty input", "", '\n', "");
	CHECK("empty lines are items", "\n\nx\n", '\n', "[][][x]");
	CHECK("one newline is one empty item", "\n", '\n', "[]");
	CHECK("NUL delimiter keeps newlines", "a\nb\0c\0", '\0', "[a\nb][c]");
	CHECK("NUL bytes inside newline items", "a\0b\nc\n", '\n', "[a\0b][c]");
	CHECK("custom delimiter", "x,y,,z", ',', "[x][y][][z]");
	CHECK("CR is data", "a\r\nb\r\n", '\n', "[a\r][b\r]");
	test_seq_numbers();
	test_long_item();
	test_count();
	return tap_done();
}
