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

/* Delivers @n results in the order @order (1-based seqs; 0 marks a gap
 * for the next seq in @gaps), with a spill limit of @spill bytes, and
 * checks the output against input order. */
static void
check_order(const uint64_t *order, size_t n, size_t size, size_t spill,
	    const char *name)
{
	struct scx_buf out = { 0 }, want = { 0 }, got = { 0 };
	struct scx__ledger ledger;
	struct scx__deliver d;
	struct scx_config cfg;
	struct scx_result res;
	char item[32], label[160];
	size_t i;
	int fd = scratch_fd();

	scx_config_init(&cfg);
	cfg.out_fd = fd;
	cfg.spill_after = spill;
	scx__ledger_init(&ledger);
	scx__deliver_init(&d, &cfg, &ledger);
	for (i = 0; i < n; i++) {
		output_of(order[i], size, &out);
		result_of(&res, order[i], &out, item);
		scx__deliver_result(&d, order[i], &res, NULL, 0);
	}
	for (i = 1; i <= n; i++) {
		output_of(i, size, &out);
		scx_buf_append(&want, out.data, out.len);
	}
	/* Every result is due once the last arrived: all are out before the
	 * end of the run (which flushes what a stopped run left). */
	scx__deliver_flush(&d);
	read_back(fd, &got);
	snprintf(label, sizeof(label), "%s: all written as they fell due",
		 name);
	tap_ok(got.len == want.len, label);
	scx__deliver_finish(&d);
	read_back(fd, &got);
	snprintf(label, sizeof(label), "%s: input order, byte for byte", name);
	tap_ok(d.error == 0 && got.len == want.len &&
		   memcmp(got.data, want.data, want.len) == 0,
	       label);
	scx__deliver_free(&d);
	scx__ledger_close(&ledger);
	close(fd);
	scx_buf_free(&out);
	scx_buf_free(&want);
	scx_buf_free(&got);
}

/* Items 1..5 where 3 is a gap (no result, e.g. --resume skipped it) and
 * 2 streams its output while 1 is still running: the stream waits for
 * nothing (2 may stream only once it is next), and 4 and 5 wait for 2. */
static void
check_stream_and_gap(void)
{
	struct scx_buf out = { 0 }, want = { 0 }, got = { 0 };
	struct scx__ledger ledger;
	struct scx__deliver d;
	struct scx_config cfg;
	struct scx_result res;
	char item[32];
	int fd = scratch_fd();
	bool may;

	scx_config_init(&cfg);
	cfg.out_fd = fd;
	scx__ledger_init(&ledger);
	scx__deliver_init(&d, &cfg, &ledger);

	/* 2 asks to stream while 1 is due: refused */
	may = scx__deliver_stream_begin(&d, 2);
	tap_ok(!may, "an item that is not next may not stream");
	output_of(4, 100, &out);
	result_of(&res, 4, &out, item);
	scx__deliver_result(&d, 4, &res, NULL, 0);
	scx__deliver_result(&d, 3, NULL, NULL, 0); /* the gap */
	output_of(1, 10, &out);
	result_of(&res, 1, &out, item);
	scx__deliver_result(&d, 1, &res, NULL, 0);
	/* now 2 is next: it streams, in two pieces, then ends with a rest */
	may = scx__deliver_stream_begin(&d, 2);
	tap_ok(may, "the next item may stream");
	tap_ok(!scx__deliver_stream_begin(&d, 5),
	       "no other item streams meanwhile");
	scx__deliver_stream(&d, 2, "stream-1 ", 9);
	scx__deliver_stream(&d, 2, "stream-2 ", 9);
	output_of(5, 20, &out);
	result_of(&res, 5, &out, item);
	scx__deliver_result(&d, 5, &res, NULL, 0); /* waits behind 2 */
	out.len = 0;
	scx_buf_append(&out, "rest\n", 5);
	result_of(&res, 2, &out, item);
	res.flags = SCX_RESULT_STREAMED;
	scx__deliver_result(&d, 2, &res, NULL, 0);
	scx__deliver_finish(&d);

	output_of(1, 10, &out);
	scx_buf_append(&want, out.data, out.len);
	scx_buf_append(&want, "stream-1 stream-2 rest\n", 23);
	output_of(4, 100, &out);
	scx_buf_append(&want, out.data, out.len);
	output_of(5, 20, &out);
	scx_buf_append(&want, out.data, out.len);
	read_back(fd, &got);
	tap_is_bytes(got.data ? got.data : "", got.len, want.data, want.len,
		     "stream and gap: 1, 2 whole, then 4 and 5");
	scx__deliver_free(&d);
	scx__ledger_close(&ledger);
	close(fd);
	scx_buf_free(&out);
	scx_buf_free(&want);
	scx_buf_free(&got);
}

/* Completion order: results come out as they arrive, but not inside a
 * streaming item's block. */
static void
check_completion(void)
{
	struct scx_buf out = { 0 }, want = { 0 }, got = { 0 };
	struct scx__ledger ledger;
	struct scx__deliver d;
	struct scx_config cfg;
	struct scx_result res;
	char item[32];
	int fd = scratch_fd();

	scx_config_init(&cfg);
	cfg.out_fd = fd;
	cfg.order = SCX_ORDER_COMPLETION;
	scx__ledger_init(&ledger);
	scx__deliver_init(&d, &cfg, &ledger);
	output_of(3, 5, &out);
	result_of(&res, 3, &out, item);
	scx__deliver_result(&d, 3, &res, NULL, 0);
	tap_ok(scx__deliver_stream_begin(&d, 1), "completion order: 1 streams");
	scx__deliver_stream(&d, 1, "one ", 4);
	output_of(2, 5, &out);
	result_of(&res, 2, &out, item);
	scx__deliver_result(&d, 2, &res, NULL, 0); /* waits for 1 */
	scx__deliver_stream(&d, 1, "more ", 5);
	out.len = 0;
	scx_buf_append(&out, "end\n", 4);
	result_of(&res, 1, &out, item);
	res.flags = SCX_RESULT_STREAMED;
	scx__deliver_result(&d, 1, &res, NULL, 0);
	scx__deliver_finish(&d);
	output_of(3, 5, &out);
	scx_buf_append(&want, out.data, out.len);
	scx_buf_append(&want, "one more end\n", 13);
	output_of(2, 5, &out);
	scx_buf_append(&want, out.data, out.len);
	read_back(fd, &got);
	tap_is_bytes(got.data ? got.data : "", got.len, want.data, want.len,
		     "completion order: 3, then 1's block whole, then 2");
	scx__deliver_free(&d);
	scx__ledger_close(&ledger);
	close(fd);
	scx_buf_free(&out);
	scx_buf_free(&want);
	scx_buf_free(&got);
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
