/* test_deliver.c: the delivery of results: fed in any order, with gaps,
 * held in memory or spilled, with an item that streams, what comes out is
 * byte for byte the results in input order (or completion order), each
 * whole; and the job log gets each line once, after its output. */
#include "internal.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A file the writers write to, read back whole. */
static int
scratch_fd(void)
{
	char detail[256];

	return scx_tmpfile(detail, sizeof(detail));
}

static void
read_back(int fd, struct scx_buf *b)
{
	char buf[4096];
	off_t off = 0;
	ssize_t n;

	b->len = 0;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		scx_buf_append(b, buf, (size_t)n);
		off += n;
	}
}

/* The output of item @seq in these tests. */
static void
output_of(uint64_t seq, size_t size, struct scx_buf *b)
{
	size_t i;

	b->len = 0;
	for (i = 0; i < size; i++)
		scx_buf_putc(b, 'a' + (int)((seq + i) % 26));
	scx_buf_printf(b, "<%llu>\n", (unsigned long long)seq);
}

static void
result_of(struct scx_result *res, uint64_t seq, const struct scx_buf *out,
	  char *item)
{
	memset(res, 0, sizeof(*res));
	snprintf(item, 32, "i%llu", (unsigned long long)seq);
	res->seq = seq;
	res->item = item;
	res->item_len = strlen(item);
	res->out = out->data;
	res->out_len = out->len;
}

/* A sink writing to a scratch file, and the buffers a check uses. */
struct fixture {
	struct scx_buf out, want, got;
	struct scx__ledger ledger;
	struct scx__deliver d;
	struct scx_config cfg;
	struct scx_result res;
	char item[32];
	int fd;
};

/* Sets @f's config up (scratch output, @order); the sink starts with
 * fixture_start() once the test changed the config. */
static void
fixture_init(struct fixture *f, enum scx_order order)
{
	memset(f, 0, sizeof(*f));
	f->fd = scratch_fd();
	scx_config_init(&f->cfg);
	f->cfg.out_fd = f->fd;
	f->cfg.order = order;
	scx__ledger_init(&f->ledger);
}

static void
fixture_start(struct fixture *f)
{
	scx__deliver_init(&f->d, &f->cfg, &f->ledger);
}

static void
fixture_free(struct fixture *f)
{
	scx__deliver_free(&f->d);
	scx__ledger_close(&f->ledger);
	close(f->fd);
	scx_buf_free(&f->out);
	scx_buf_free(&f->want);
	scx_buf_free(&f->got);
}

/* Item @seq's result, @size bytes of its output and @flags, to the sink. */
static void
deliver(struct fixture *f, uint64_t seq, size_t size, unsigned flags)
{
	output_of(seq, size, &f->out);
	result_of(&f->res, seq, &f->out, f->item);
	f->res.flags = flags;
	scx__deliver_result(&f->d, seq, &f->res, NULL, 0);
}

/* Item @seq's last @text after it streamed, to the sink. */
static void
deliver_rest(struct fixture *f, uint64_t seq, const char *text)
{
	f->out.len = 0;
	scx_buf_append(&f->out, text, strlen(text));
	result_of(&f->res, seq, &f->out, f->item);
	f->res.flags = SCX_RESULT_STREAMED;
	scx__deliver_result(&f->d, seq, &f->res, NULL, 0);
}

/* Appends item @seq's output of @size bytes to what is wanted. */
static void
want_item(struct fixture *f, uint64_t seq, size_t size)
{
	output_of(seq, size, &f->out);
	scx_buf_append(&f->want, f->out.data, f->out.len);
}

/* Delivers @n results in the order @order (1-based seqs; 0 marks a gap
 * for the next seq in @gaps), with a spill limit of @spill bytes, and
 * checks the output against input order. */
static void
check_order(const uint64_t *order, size_t n, size_t size, size_t spill,
	    const char *name)
{
	struct fixture f;
	char label[160];
	size_t i;

	fixture_init(&f, SCX_ORDER_INPUT);
	f.cfg.spill_after = spill;
	fixture_start(&f);
	for (i = 0; i < n; i++)
		deliver(&f, order[i], size, 0);
	for (i = 1; i <= n; i++)
		want_item(&f, i, size);
	/* Every result is due once the last arrived: all are out before the
	 * end of the run (which flushes what a stopped run left). */
	scx__deliver_flush(&f.d);
	read_back(f.fd, &f.got);
	snprintf(label, sizeof(label), "%s: all written as they fell due",
		 name);
	tap_ok(f.got.len == f.want.len, label);
	scx__deliver_finish(&f.d);
	read_back(f.fd, &f.got);
	snprintf(label, sizeof(label), "%s: input order, byte for byte", name);
	tap_ok(f.d.error == 0 && f.got.len == f.want.len &&
		   memcmp(f.got.data, f.want.data, f.want.len) == 0,
	       label);
	fixture_free(&f);
}

/* Items 1..5 where 3 is a gap (no result, e.g. --resume skipped it) and
 * 2 streams its output while 1 is still running: the stream waits for
 * nothing (2 may stream only once it is next), and 4 and 5 wait for 2. */
static void
check_stream_and_gap(void)
{
	struct fixture f;

	fixture_init(&f, SCX_ORDER_INPUT);
	fixture_start(&f);
	/* 2 asks to stream while 1 is due: refused */
	tap_ok(!scx__deliver_stream_begin(&f.d, 2),
	       "an item that is not next may not stream");
	deliver(&f, 4, 100, 0);
	scx__deliver_result(&f.d, 3, NULL, NULL, 0); /* the gap */
	deliver(&f, 1, 10, 0);
	/* now 2 is next: it streams, in two pieces, then ends with a rest */
	tap_ok(scx__deliver_stream_begin(&f.d, 2), "the next item may stream");
	tap_ok(!scx__deliver_stream_begin(&f.d, 5),
	       "no other item streams meanwhile");
	scx__deliver_stream(&f.d, 2, "stream-1 ", 9);
	scx__deliver_stream(&f.d, 2, "stream-2 ", 9);
	deliver(&f, 5, 20, 0); /* waits behind 2 */
	deliver_rest(&f, 2, "rest\n");
	scx__deliver_finish(&f.d);

	want_item(&f, 1, 10);
	scx_buf_append(&f.want, "stream-1 stream-2 rest\n", 23);
	want_item(&f, 4, 100);
	want_item(&f, 5, 20);
	read_back(f.fd, &f.got);
	tap_is_bytes(f.got.data ? f.got.data : "", f.got.len, f.want.data,
		     f.want.len, "stream and gap: 1, 2 whole, then 4 and 5");
	fixture_free(&f);
}

/* Completion order: results come out as they arrive, but not inside a
 * streaming item's block. */
static void
check_completion(void)
{
	struct fixture f;

	fixture_init(&f, SCX_ORDER_COMPLETION);
	fixture_start(&f);
	deliver(&f, 3, 5, 0);
	tap_ok(scx__deliver_stream_begin(&f.d, 1),
	       "completion order: 1 streams");
	scx__deliver_stream(&f.d, 1, "one ", 4);
	deliver(&f, 2, 5, 0); /* waits for 1 */
	scx__deliver_stream(&f.d, 1, "more ", 5);
	deliver_rest(&f, 1, "end\n");
	scx__deliver_finish(&f.d);
	want_item(&f, 3, 5);
	scx_buf_append(&f.want, "one more end\n", 13);
	want_item(&f, 2, 5);
	read_back(f.fd, &f.got);
	tap_is_bytes(f.got.data ? f.got.data : "", f.got.len, f.want.data,
		     f.want.len,
		     "completion order: 3, then 1's block whole, then 2");
	fixture_free(&f);
}

/* The job log: each result's line once, in output order, with the
 * command text it was given (held with it while it waited). */
static void
check_joblog(void)
{
	struct scx_buf out = { 0 }, got = { 0 };
	struct scx__ledger ledger;
	struct scx__deliver d;
	struct scx_config cfg;
	struct scx_result res;
	char item[32], cmd[32], path[] = "/tmp/scx-test-joblog-XXXXXX";
	int fd = scratch_fd(), lfd;
	uint64_t seq;
	const char *p;
	int lines = 0, in_order = 1;
	uint64_t last = 0;

	lfd = mkstemp(path);
	close(lfd);
	scx_config_init(&cfg);
	cfg.out_fd = fd;
	cfg.joblog = path;
	cfg.spill_after = 64; /* spill most of them, commands too */
	scx__ledger_init(&ledger);
	tap_ok(scx__ledger_open(&ledger, &cfg, true) == 0, "job log opens");
	scx__deliver_init(&d, &cfg, &ledger);
	for (seq = 20; seq >= 1; seq--) {
		output_of(seq, 50, &out);
		result_of(&res, seq, &out, item);
		snprintf(cmd, sizeof(cmd), "cmd %llu", (unsigned long long)seq);
		scx__deliver_result(&d, seq, &res, cmd, strlen(cmd));
	}
	scx__deliver_finish(&d);
	scx__ledger_close(&ledger);
	lfd = open(path, O_RDONLY);
	read_back(lfd, &got);
	close(lfd);
	unlink(path);
	scx_buf_putc(&got, '\0');
	for (p = strchr(got.data, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		unsigned long long s = strtoull(p + 1, NULL, 10);
		char want[32];

		snprintf(want, sizeof(want), "\tcmd %llu\n", s);
		if (s != last + 1 || strstr(p + 1, want) == NULL)
			in_order = 0;
		last = s;
		lines++;
	}
	tap_is_int(lines, 20, "job log: one line per result");
	tap_ok(in_order, "job log: in output order, each with its command");
	scx__deliver_free(&d);
	close(fd);
	scx_buf_free(&out);
	scx_buf_free(&got);
}

int
main(void)
{
	static const uint64_t in_order[] = { 1, 2, 3, 4, 5, 6 };
	static const uint64_t reversed[] = { 6, 5, 4, 3, 2, 1 };
	static const uint64_t shuffled[] = { 3, 6, 1, 5, 2, 4 };
	uint64_t many[200];
	size_t i;

	check_order(in_order, 6, 100, 0, "in order");
	check_order(reversed, 6, 100, 0, "reversed");
	check_order(shuffled, 6, 100, 0, "shuffled");
	check_order(reversed, 6, 3000, 1000, "reversed, spilled");
	for (i = 0; i < 200; i++)
		many[i] = (uint64_t)((i * 37) % 200) + 1;
	check_order(many, 200, 5000, 100000, "200 shuffled, half spilled");
	for (i = 0; i < 30; i++)
		many[i] = (uint64_t)((i * 7) % 30) + 1;
	check_order(many, 30, 1200000, 1 << 20,
		    "30 shuffled of 1.2 MB, read back from the spill file");
	check_stream_and_gap();
	check_completion();
	check_joblog();
	return tap_done();
}
