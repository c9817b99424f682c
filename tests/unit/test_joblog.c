/* test_joblog.c: job log lines in GNU parallel's columns, read back, and
 * the index of done items a resumed run consults. */
#include "internal.h"
#include "tap.h"

#include <errno.h>

static void
test_line(void)
{
	struct scx__joblog_entry e, back;
	struct scx_buf b = { 0 }, scratch = { 0 };
	const char cmd[] = "echo 'a\tb'\nx\\y";

	memset(&e, 0, sizeof(e));
	e.seq = 12;
	e.start_us = 1700000000123456;
	e.runtime_ns = 2500000000u;
	e.send = 3;
	e.receive = 4;
	e.exitval = 1;
	e.signal = 0;
	e.command = cmd;
	e.command_len = sizeof(cmd) - 1;
	tap_ok(scx__joblog_line(&b, &e) == 0, "line: formats");
	tap_is_mem(
	    b.data, b.len,
	    "12\t:\t1700000000.123\t     2.500\t3\t4\t1\t0\techo "
	    "'a\\tb'\\nx\\\\y\n",
	    "line: GNU parallel's columns (JobRuntime %10.3f), tab and newline "
	    "escaped");
	tap_ok(scx__joblog_parse_line(b.data, b.len - 1, &back, &scratch) == 0,
	       "line: parses back");
	tap_is_bytes(back.command, back.command_len, cmd, sizeof(cmd) - 1,
		     "line: the command reads back byte for byte");
	tap_ok(back.seq == 12 && back.exitval == 1 && back.signal == 0,
	       "line: seq, exit value and signal read back");
	tap_is_int(scx__joblog_parse_line("x\ty", 3, &back, &scratch),
		   SCX_EJOBLOG, "line: two columns are not a line");
	tap_is_int(scx__joblog_parse_line("0\t:\t1\t1\t0\t0\t0\t0\tc", 17,
					  &back, &scratch),
		   SCX_EJOBLOG, "line: seq 0 is not a line");
	scx_buf_free(&b);
	scx_buf_free(&scratch);
}

static void
test_load(void)
{
	static const char log[] = "Seq\tHost\tStarttime\tJobRuntime\tSend\tRece"
				  "ive\tExitval\tSignal\tCommand\n"
				  "1\t:\t1.000\t0.100\t0\t2\t0\t0\techo 1\n"
				  "2\t:\t1.000\t0.100\t0\t0\t1\t0\techo 2\n"
				  "3\t:\t1.000\t0.100\t0\t0\t0\t9\techo 3\n"
				  "2\t:\t2.000\t0.100\t0\t2\t0\t0\techo 2\n"
				  "4\t:\t1.0";
	struct scx__done d;
	uint64_t lineno = 0, h = 0;
	size_t used = 0;

	scx__done_init(&d);
	tap_ok(scx__joblog_load(&d, log, sizeof(log) - 1, true, &lineno,
				&used) == 0,
	       "load: a log with a header and a torn last line");
	tap_is_int((long long)used, (long long)(sizeof(log) - 1 - 7),
		   "load: the torn line is left for later");
	tap_is_int(scx__done_state(&d, 1, &h),
		   SCX__DONE_LOGGED | SCX__DONE_OK | SCX__DONE_HASH,
		   "load: item 1 done and succeeded");
	tap_ok(h == scx__hash("echo 1", 6), "load: item 1's command hash");
	tap_is_int(scx__done_state(&d, 2, NULL),
		   SCX__DONE_LOGGED | SCX__DONE_OK | SCX__DONE_HASH,
		   "load: a later line for item 2 wins (a successful retry)");
	tap_is_int(scx__done_state(&d, 3, NULL),
		   SCX__DONE_LOGGED | SCX__DONE_HASH,
		   "load: item 3 killed by a signal is not ok");
	tap_is_int(scx__done_state(&d, 4, NULL), 0,
		   "load: item 4's torn line does not count");
	scx__done_free(&d);
}

static void
test_huge_seq(void)
{
	/* Found by fuzz_joblog: a sequence number of 2^32 made the index
	 * allocate 4 GiB. */
	static const char log[] =
	    "4294967296\t:\t1\t1\t0\t0\t0\t0\tc\n"
	    "999999999999999999\t:\t1\t1\t0\t0\t1\t0\tc\n";
	struct scx__done d;
	uint64_t lineno = 0;
	size_t used = 0;

	scx__done_init(&d);
	tap_ok(scx__joblog_load(&d, log, sizeof(log) - 1, false, &lineno,
				&used) == 0,
	       "huge seq: loads");
	tap_ok(d.cap <= 1024, "huge seq: the index stays small");
	tap_is_int(scx__done_state(&d, 4294967296ull, NULL),
		   SCX__DONE_LOGGED | SCX__DONE_OK, "huge seq: found");
	tap_is_int(scx__done_state(&d, 999999999999999999ull, NULL),
		   SCX__DONE_LOGGED, "huge seq: the largest found");
	tap_is_int(scx__done_state(&d, 5, NULL), 0, "huge seq: 5 is not");
	scx__done_free(&d);
}

static void
test_many(void)
{
	struct scx__done d;
	uint64_t s;
	int ok = 1;

	scx__done_init(&d);
	for (s = 1; s <= 100000; s++)
		ok &= scx__done_mark(&d, s * 7, s % 3 != 0, false, 0) == 0;
	for (s = 1; s <= 100000; s++)
		ok &= scx__done_state(&d, s * 7, NULL) ==
		      (unsigned)(SCX__DONE_LOGGED | (s % 3 ? SCX__DONE_OK : 0));
	ok &= scx__done_state(&d, 8, NULL) == 0;
	tap_ok(ok, "index: 100,000 items marked and found");
	scx__done_free(&d);
}

int
main(void)
{
	test_line();
	test_load();
	test_huge_seq();
	test_many();
	return tap_done();
}
