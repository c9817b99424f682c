/* test_output.c: the output formats of one result (raw, tagged, JSON
 * lines), and the hold of waiting results (in memory and in the spill
 * file, with the job log's command text), back exactly as they went in. */
#include "internal.h"
#include "tap.h"

static void
sample(struct scx_result *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = 7;
	r->item = "a b";
	r->item_len = 3;
	r->exit_status = 3;
	r->start_us = 1700000000123456;
	r->duration_ns = 1500000000;
	r->worker = 2;
	r->out = "one\ntwo";
	r->out_len = 7;
	r->err = "bad\xff\n";
	r->err_len = 5;
}

static void
check_formats(void)
{
	struct scx_buf out = { 0 }, err = { 0 };
	struct scx_config cfg;
	struct scx_result r;

	scx_config_init(&cfg);
	sample(&r);
	scx__format_result(&cfg, &r, NULL, 0, &out, &err);
	tap_is_mem(out.data, out.len, "one\ntwo", "raw: stdout as it is");
	tap_is_bytes(err.data, err.len, "bad\xff\n", 5, "raw: stderr as it is");

	out.len = err.len = 0;
	scx__format_result(&cfg, &r, "a b", 3, &out, &err);
	tap_is_mem(out.data, out.len, "a b\tone\na b\ttwo",
		   "tagged: each line, the last one without its newline too");
	tap_is_bytes(err.data, err.len, "a b\tbad\xff\n", 9, "tagged: stderr");

	out.len = err.len = 0;
	cfg.format = SCX_FORMAT_JSONL;
	scx__format_result(&cfg, &r, NULL, 0, &out, &err);
	tap_is_mem(out.data, out.len,
		   "{\"seq\":7,\"item\":\"a b\",\"exit\":3,\"signal\":0,"
		   "\"timeout\":false,\"start\":1700000000.123456,"
		   "\"duration\":1.500000,\"worker\":2,\"rank\":0,"
		   "\"stdout\":\"one\\ntwo\",\"stderr\":\"bad\xef\xbf\xbd\\n\","
		   "\"stderr_base64\":\"YmFk/wo=\"}\n",
		   "jsonl: every field; invalid UTF-8 as U+FFFD and base64");
	tap_is_int((long long)err.len, 0, "jsonl: nothing on stderr");

	out.len = 0;
	scx__format_result(&cfg, &r, "t:a", 3, &out, &err);
	{
		static const char want[] = "\"item\":\"a b\",\"tag\":\"t:a\",";

		tap_ok(out.len > 0 && memmem(out.data, out.len, want,
					     sizeof(want) - 1) != NULL,
		       "jsonl: --tag's or --tagstring's tag as the tag field");
	}
	scx_buf_free(&out);
	scx_buf_free(&err);
}

/* Puts @n results into a hold of @limit bytes (memory, then the file),
 * takes them back in another order, and compares. */
static void
check_hold(size_t limit, size_t size, const char *name)
{
	struct scx__hold h;
	struct scx_result r, back;
	struct scx_buf out = { 0 }, got = { 0 }, io = { 0 };
	struct scx_bytes b;
	void *handle[8];
	const char *cmd, *p;
	size_t cmd_len, k, n;
	char item[16], want_cmd[16], label[128];
	int i, ok = 1;

	scx__hold_init(&h, limit);
	for (i = 0; i < 8; i++) {
		out.len = 0;
		for (k = 0; k < size; k++)
			scx_buf_putc(&out, 'a' + (i + (int)k) % 26);
		memset(&r, 0, sizeof(r));
		snprintf(item, sizeof(item), "item%d", i);
		snprintf(want_cmd, sizeof(want_cmd), "cmd %d", i);
		r.seq = (uint64_t)i + 1;
		r.item = item;
		r.item_len = strlen(item);
		r.out = out.data;
		r.out_len = out.len;
		r.err = "e";
		r.err_len = 1;
		r.exit_status = i;
		if (scx__hold_put(&h, &r, want_cmd, strlen(want_cmd),
				  &handle[i]) != 0)
			ok = 0;
	}
	for (i = 7; i >= 0 && ok; i--) {
		if (scx__hold_take(&h, handle[i], &back, &cmd, &cmd_len) != 0) {
			ok = 0;
			break;
		}
		snprintf(item, sizeof(item), "item%d", i);
		snprintf(want_cmd, sizeof(want_cmd), "cmd %d", i);
		/* stdout, wherever it is */
		scx_result_stdout(&back, &b);
		got.len = 0;
		for (k = 0; k < b.len; k += n) {
			if (scx_bytes_read(&b, k, SCX__PIECE, &io, &p, &n) != 0)
				break;
			scx_buf_append(&got, p, n);
		}
		out.len = 0;
		for (k = 0; k < size; k++)
			scx_buf_putc(&out, 'a' + (i + (int)k) % 26);
		if (back.seq != (uint64_t)i + 1 || back.exit_status != i ||
		    back.item_len != strlen(item) ||
		    memcmp(back.item, item, back.item_len) != 0 ||
		    cmd_len != strlen(want_cmd) ||
		    memcmp(cmd, want_cmd, cmd_len) != 0 || got.len != size ||
		    memcmp(got.data, out.data, size) != 0 || back.err_len != 1)
			ok = 0;
		scx__hold_done(&h);
	}
	snprintf(label, sizeof(label), "hold, %s: every result back whole",
		 name);
	tap_ok(ok, label);
	scx__hold_free(&h);
	scx_buf_free(&out);
	scx_buf_free(&got);
	scx_buf_free(&io);
}

int
main(void)
{
	check_formats();
	check_hold(1 << 20, 100, "in memory");
	check_hold(1, 100, "all spilled");
	check_hold(300000, 100000, "some in memory, some spilled");
	check_hold(1, 1500000, "spilled, large: given back as file bytes");
	return tap_done();
}
