/* test_wire.c: the encodings results and items travel in (wire.c,
 * chunk.c), through scx.h alone as a backend plugin sees them: a result
 * record and a chunk come back as they went, and a cut or forged message
 * is refused, never read past its end. */
#include "scx.h"
#include "tap.h"

#include <errno.h>

static struct scx_result
sample_result(void)
{
	struct scx_result r;

	memset(&r, 0, sizeof(r));
	r.seq = 1234567890123ull;
	r.exit_status = 137;
	r.term_signal = 9;
	r.start_us = -42;
	r.duration_ns = 5000000001ull;
	r.worker = 7;
	r.rank = 3;
	r.flags =
	    SCX_RESULT_STOPPED | SCX_RESULT_OUT_FILE | SCX_RESULT_ERR_FILE;
	r.item = "item";
	r.item_len = 4;
	return r;
}

static void
test_record(void)
{
	struct scx_record_lens lens = { 1, 2, 3000000000ull, 4 }, got_lens;
	struct scx_result r = sample_result(), got;
	struct scx_buf b = { 0 };
	struct scx_wire w;
	size_t cut;
	int bad = 0;

	tap_is_int(scx_record_put(&b, &r, &lens), 0, "record: put");
	tap_is_int((long long)b.len, SCX_RECORD_HEADER,
		   "record: the fixed part is SCX_RECORD_HEADER bytes");
	scx_wire_init(&w, b.data, b.len);
	tap_ok(scx_record_get(&w, &got, &got_lens), "record: get");
	tap_ok(got.seq == r.seq && got.exit_status == 137 &&
		   got.term_signal == 9 && got.start_us == -42 &&
		   got.duration_ns == r.duration_ns && got.worker == 7 &&
		   got.rank == 3,
	       "record: every number comes back");
	tap_is_int(got.flags, SCX_RESULT_STOPPED,
		   "record: the in-a-file flags do not travel");
	tap_ok(got.item == NULL && got.out == NULL && got.host == NULL,
	       "record: no pointer travels");
	tap_ok(got_lens.cmd == 1 && got_lens.item == 2 &&
		   got_lens.out == 3000000000ull && got_lens.err == 4,
	       "record: the lengths come back");
	tap_is_int((long long)w.pos, (long long)b.len,
		   "record: get reads the fixed part, no more");
	for (cut = 0; cut < b.len; cut++) {
		scx_wire_init(&w, b.data, cut);
		if (scx_record_get(&w, &got, &got_lens))
			bad++;
	}
	tap_is_int(bad, 0, "record: every cut fixed part is refused");
	scx_buf_free(&b);
}

static struct scx_chunk *
sample_chunk(void)
{
	static const char bytes[] = "one\n\ntwo items\nx\n";
	struct scx_chunk *c = scx_chunk_create(4, sizeof(bytes) - 1);
	static const size_t lens[] = { 3, 0, 9, 1 };
	/* With gaps, as a chunk of retries or of what --resume kept. */
	static const uint64_t seqs[] = { 41, 43, 44, 90 };
	size_t i, off = 0;

	memcpy((char *)c->bytes, bytes, sizeof(bytes) - 1);
	for (i = 0; i < 4; i++) {
		c->items[i].seq = seqs[i];
		c->items[i].data = c->bytes + off;
		c->items[i].len = lens[i];
		off += lens[i] + 1;
	}
	return c;
}

static void
test_chunk(void)
{
	struct scx_chunk *c = sample_chunk(), *got, empty = { 0 };
	struct scx_buf b = { 0 };
	size_t i, cut;
	int same = 1, bad = 0;

	tap_is_int(scx_chunk_encode(&b, c), 0, "chunk: encode");
	got = scx_chunk_decode(b.data, b.len);
	tap_ok(got != NULL && got->n == 4 && got->len == c->len &&
		   memcmp(got->bytes, c->bytes, c->len) == 0,
	       "chunk: decode gives its bytes back");
	for (i = 0; got != NULL && i < 4; i++)
		same &= got->items[i].seq == c->items[i].seq &&
			got->items[i].len == c->items[i].len &&
			memcmp(got->items[i].data, c->items[i].data,
			       c->items[i].len) == 0 &&
			got->items[i].data[got->items[i].len] == '\n';
	tap_ok(got != NULL && same,
	       "chunk: each item, its own seq (gaps kept) and length back");
	scx_chunk_destroy(got);
	for (cut = 0; cut < b.len; cut++) {
		got = scx_chunk_decode(b.data, cut);
		if (got != NULL)
			bad++;
		scx_chunk_destroy(got);
	}
	tap_is_int(bad, 0, "chunk: every cut message is refused");
	scx_buf_append(&b, "z", 1);
	got = scx_chunk_decode(b.data, b.len);
	tap_ok(got == NULL, "chunk: a message with bytes left over is refused");
	scx_chunk_destroy(got);
	/* An item length that would run far past the message: the count,
	 * then item 0's seq, then its length. */
	memset(b.data + 8 + 8, 0xff, 8);
	got = scx_chunk_decode(b.data, b.len - 1);
	tap_ok(got == NULL, "chunk: a forged item length is refused");
	scx_chunk_destroy(got);
	b.len = 0;
	tap_is_int(scx_chunk_encode(&b, &empty), -EINVAL,
		   "chunk: an empty chunk is not encoded");
	got = scx_chunk_decode(b.data, 0);
	tap_ok(got == NULL, "chunk: an empty message is refused");
	scx_buf_free(&b);
	scx_chunk_destroy(c);
}

int
main(void)
{
	test_record();
	test_chunk();
	return tap_done();
}
