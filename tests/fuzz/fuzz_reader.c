/* fuzz_reader.c: the item reader cuts any bytes, arriving in any pieces,
 * into items whose concatenation (with delimiters) is the input. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scx__reader r;
	struct scx__block *b;
	struct scx_buf got = { 0 };
	size_t step, i, k;
	int delim;

	if (size < 2)
		return 0;
	delim = data[0] % 3 == 0 ? '\n' : data[0] % 3 == 1 ? '\0' : ',';
	step = (size_t)data[1] % 17 + 1;
	data += 2;
	size -= 2;
	scx__reader_init(&r, delim);
	for (i = 0; i < size; i += step) {
		k = size - i < step ? size - i : step;
		if (scx__reader_feed(&r, data + i, k) != 0)
			abort();
	}
	if (scx__reader_end(&r) != 0)
		abort();
	while (scx__reader_cut(&r, &b) == 0) {
		for (k = 0; k < b->n; k++) {
			if (b->data[b->spans[k].off + b->spans[k].len] !=
			    (char)delim)
				abort(); /* every item ends with its delimiter
					  */
			if (memchr(b->data + b->spans[k].off, delim,
				   b->spans[k].len))
				abort(); /* and holds none inside */
			scx_buf_append(&got, b->data + b->spans[k].off,
				       b->spans[k].len + 1);
		}
		scx__block_free(b);
	}
	/* The items and their delimiters are the input, plus a delimiter
	 * after a last item that lacked one. */
	if (got.len != size + (size && data[size - 1] != (char)delim))
		abort();
	if (size && memcmp(got.data, data, size) != 0)
		abort();
	scx_buf_free(&got);
	scx__reader_free(&r);
	return 0;
}
