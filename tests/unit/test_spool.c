/* test_spool.c: an output stream spilled to a file reads back, and is
 * formatted (raw, tagged, JSON with its base64), exactly as the same bytes
 * held in memory, whatever falls on the boundaries of the pieces. */
#include "internal.h"
#include "tap.h"

#include <unistd.h>

static struct scx_config cfg;

static int
put_buf(void *arg, const char *data, size_t len)
{
	return scx_buf_append(arg, data, len);
}

/* The bytes of a test stream: ASCII, multi-byte UTF-8 sequences, invalid
 * bytes, newlines, placed so that sequences straddle piece boundaries. */
static void
make_bytes(struct scx_buf *b, size_t len, unsigned seed, bool invalid)
{
	static const char *const parts[] = {
		"a",  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\n", "\"",	  "\\",		  "\t",
		"x"
	};
	unsigned v = seed;

	b->len = 0;
	while (b->len < len) {
		v = v * 1103515245u + 12345u;
		scx_buf_append(b, parts[(v >> 16) % 9],
			       strlen(parts[(v >> 16) % 9]));
		if (invalid && (v >> 8) % 5000 == 0)
			scx_buf_putc(b, 0xff);
	}
}

/* Spools @bytes into @sp in two appends, past its memory limit, and checks
 * that it spilled to a file and reads back whole; @b is its view.  The
 * caller frees @sp. */
static void
check_spooled(struct scx_spool *sp, struct scx_bytes *b,
	      const struct scx_buf *bytes, const char *name)
{
	struct scx_buf tmp = { 0 };
	char label[160];
	int err;

	scx_spool_init(sp, 1024);
	err = scx_spool_append(sp, bytes->data, bytes->len / 3);
	if (err == 0)
		err = scx_spool_append(sp, bytes->data + bytes->len / 3,
				       bytes->len - bytes->len / 3);
	snprintf(label, sizeof(label), "%s: spooled", name);
	tap_ok(err == 0 && sp->in_file && scx_spool_len(sp) == bytes->len,
	       label);

	/* read back whole */
	scx_spool_view(sp, b);
	scx_buf_reserve(&tmp, bytes->len);
	tmp.len = bytes->len;
	err = scx_pread_all(b->fd, tmp.data, tmp.len, b->off);
	snprintf(label, sizeof(label), "%s: reads back", name);
	tap_ok(err == 0 && memcmp(tmp.data, bytes->data, bytes->len) == 0,
	       label);

	scx_buf_free(&tmp);
}

/* Formats a result whose stdout is @bytes as JSON, tagged and raw, once
 * from memory, once from @b, the view of a spool that spilled to a file;
 * each time the two outputs must be the same. */
static void
check_formats(const struct scx_buf *bytes, const struct scx_bytes *b,
	      const char *name)
{
	struct scx_buf mem_out = { 0 }, mem_err = { 0 }, file_out = { 0 };
	struct scx_buf fmt = { 0 }, io = { 0 };
	struct scx__sink sink = { put_buf, &file_out, &fmt, &io };
	struct scx_result res;
	char label[160];
	int err;

	memset(&res, 0, sizeof(res));
	res.seq = 7;
	res.item = "item";
	res.item_len = 4;
	res.out = bytes->data;
	res.out_len = bytes->len;

	/* JSON */
	cfg.format = SCX_FORMAT_JSONL;
	scx__format_result(&cfg, &res, NULL, 0, &mem_out, &mem_err);
	scx_result_set_stdout(&res, b);
	file_out.len = 0;
	err = scx__put_json(&sink, &res, NULL, 0);
	snprintf(label, sizeof(label), "%s: JSON from the file is the same",
		 name);
	tap_ok(err == 0 && file_out.len == mem_out.len &&
		   memcmp(file_out.data, mem_out.data, mem_out.len) == 0,
	       label);

	/* tagged */
	cfg.format = SCX_FORMAT_RAW;
	res.flags = 0;
	res.out = bytes->data;
	res.out_len = bytes->len;
	mem_out.len = mem_err.len = 0;
	scx__format_result(&cfg, &res, "item", 4, &mem_out, &mem_err);
	file_out.len = 0;
	err = scx__put_stream(&sink, b, "item", 4);
	snprintf(label, sizeof(label), "%s: tagged from the file is the same",
		 name);
	tap_ok(err == 0 && file_out.len == mem_out.len &&
		   memcmp(file_out.data, mem_out.data, mem_out.len) == 0,
	       label);

	/* raw */
	file_out.len = 0;
	err = scx__put_stream(&sink, b, NULL, 0);
	snprintf(label, sizeof(label), "%s: raw from the file is the same",
		 name);
	tap_ok(err == 0 && file_out.len == bytes->len &&
		   memcmp(file_out.data, bytes->data, bytes->len) == 0,
	       label);

	scx_buf_free(&mem_out);
	scx_buf_free(&mem_err);
	scx_buf_free(&file_out);
	scx_buf_free(&fmt);
	scx_buf_free(&io);
}

/* Spools @bytes until they spill to a file, checks that every format of
 * them from the file is the same as from memory, then that a reset spool
 * starts again in memory. */
static void
check_same(const struct scx_buf *bytes, const char *name)
{
	struct scx_spool sp;
	struct scx_bytes b;
	char label[160];
	int err;

	check_spooled(&sp, &b, bytes, name);
	check_formats(bytes, &b, name);

	/* reset: the file is reused from empty */
	scx_spool_reset(&sp);
	err = scx_spool_append(&sp, "abc", 3);
	scx_spool_view(&sp, &b);
	snprintf(label, sizeof(label), "%s: after a reset, back in memory",
		 name);
	tap_ok(err == 0 && !sp.in_file && b.mem != NULL && b.len == 3, label);

	scx_spool_free(&sp);
}

int
main(void)
{
	struct scx_buf b = { 0 };
	unsigned seed;

	scx_config_init(&cfg);
	/* Several pieces (SCX__PIECE) long, valid and invalid UTF-8, with
	 * different seeds so that sequences fall across the boundaries. */
	for (seed = 1; seed <= 4; seed++) {
		make_bytes(&b, 3 * SCX__PIECE + seed * 7, seed, false);
		check_same(&b, seed == 1 ? "valid UTF-8, 1" : "valid UTF-8");
		make_bytes(&b, 2 * SCX__PIECE + seed * 5, seed, true);
		check_same(&b, "invalid bytes (base64 too)");
	}
	make_bytes(&b, 2000, 9, false);
	check_same(&b, "short, still spilled");
	scx_buf_free(&b);
	return tap_done();
}
