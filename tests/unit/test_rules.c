/* test_rules.c: the chunk-size and worker-count rules, the value parsers,
 * and the exit status mapping. */
#include "internal.h"
#include "tap.h"

#include <errno.h>

static void
test_chunksize(void)
{
	tap_is_int((long long)scx_default_chunksize(1000, true, 2), 125,
		   "chunksize: ceil(1000 / 8) = 125");
	tap_is_int((long long)scx_default_chunksize(1001, true, 2), 126,
		   "chunksize: rounds up");
	tap_is_int((long long)scx_default_chunksize(3, true, 4), 1,
		   "chunksize: at least 1 with few items");
	tap_is_int((long long)scx_default_chunksize(0, true, 4), 1,
		   "chunksize: 1 with no items");
	tap_is_int((long long)scx_default_chunksize(1000000, false, 2), 1,
		   "chunksize: 1 when the count is unknown");
	tap_is_int((long long)scx_default_chunksize(2000, true, 1), 500,
		   "chunksize: one worker: ceil(n / 4)");
}

static long long
workers(const char *spec, unsigned cpus)
{
	struct scx_workers w;

	if (scx_parse_workers(spec, &w) != 0)
		return -1;
	return scx_workers_resolve(&w, cpus);
}

static void
test_workers(void)
{
	struct scx_workers w = { SCX_WORKERS_DEFAULT, 0, NULL };

	tap_is_int(workers("3", 2), 3, "-j 3: three workers");
	tap_is_int(workers("64", 2), 64, "-j 64: more than the CPUs is fine");
	tap_is_int(workers("50%", 4), 2, "-j 50% of 4 CPUs");
	tap_is_int(workers("50%", 1), 1, "-j 50% of 1 CPU: at least 1");
	tap_is_int(workers("200%", 2), 4, "-j 200% of 2 CPUs");
	tap_is_int(workers("+2", 2), 4, "-j +2");
	tap_is_int(workers("-1", 4), 3, "-j -1");
	tap_is_int(workers("-8", 4), 1, "-j -8 of 4: at least 1");
	tap_is_int(workers("+0", 4), 4, "-j +0: the CPUs");
	tap_is_int(workers("0", 4), scx_workers_most(),
		   "-j 0: as many as the process limit allows");
	tap_ok(scx_workers_most() >= 1 && scx_workers_most() <= SCX_WORKERS_MAX,
	       "-j 0: at least 1, at most SCX_WORKERS_MAX");
	tap_is_int(workers("0%", 4), -1, "-j 0% is refused");
	tap_is_int(workers("", 4), -1, "-j '' is refused");
	tap_is_int(workers("abc", 4), -1, "-j abc is refused");
	tap_is_int(workers("3x", 4), -1, "-j 3x is refused");
	tap_is_int(workers("1.5", 4), -1, "-j 1.5 is refused");
	tap_is_int(workers(" 3", 4), -1, "-j ' 3' is refused");
	tap_is_int(workers("+-3", 4), -1, "-j +-3 is refused");
	tap_is_int(workers("%", 4), -1, "-j % is refused");
	tap_is_int(workers("99999999999999999999", 4), -1,
		   "-j with an overflowing number is refused");
	tap_is_int(scx_workers_resolve(&w, 6), 6, "default: the CPUs");
	tap_ok(scx_cpus_available() >= 1, "at least one CPU is usable");
}

static void
test_parsers(void)
{
	uint64_t v = 0;
	int d = 0;
	enum scx_format f;
	enum scx_if_serial s;

	tap_ok(scx_parse_positive("42", 100, &v) == 0 && v == 42,
	       "positive: 42");
	tap_is_int(scx_parse_positive("0", 100, &v), SCX_ENUMBER,
		   "positive: 0 is refused");
	tap_is_int(scx_parse_positive("-3", 100, &v), SCX_ENUMBER,
		   "positive: -3 is refused");
	tap_is_int(scx_parse_positive("x", 100, &v), SCX_ENUMBER,
		   "positive: x is refused");
	tap_is_int(scx_parse_positive("", 100, &v), SCX_ENUMBER,
		   "positive: '' is refused");
	tap_is_int(scx_parse_positive("101", 100, &v), -ERANGE,
		   "positive: above the maximum is out of range");
	tap_ok(scx_parse_delimiter(",", &d) == 0 && d == ',', "delimiter: ,");
	tap_ok(scx_parse_delimiter("\\t", &d) == 0 && d == '\t',
	       "delimiter: \\t");
	tap_ok(scx_parse_delimiter("\\0", &d) == 0 && d == 0, "delimiter: \\0");
	tap_ok(scx_parse_delimiter("\\x1f", &d) == 0 && d == 0x1f,
	       "delimiter: \\x1f");
	tap_ok(scx_parse_delimiter("\\\\", &d) == 0 && d == '\\',
	       "delimiter: \\\\");
	tap_is_int(scx_parse_delimiter("ab", &d), SCX_EDELIM,
		   "delimiter: two characters are refused");
	tap_is_int(scx_parse_delimiter("", &d), SCX_EDELIM,
		   "delimiter: '' is refused");
	tap_is_int(scx_parse_delimiter("\\q", &d), SCX_EDELIM,
		   "delimiter: \\q is refused");
	tap_is_int(scx_parse_delimiter("\\xZZ", &d), SCX_EDELIM,
		   "delimiter: \\xZZ is refused");
	tap_ok(scx_parse_format("jsonl", &f) == 0 && f == SCX_FORMAT_JSONL,
	       "format: jsonl");
	tap_is_int(scx_parse_format("json", &f), SCX_EWORD,
		   "format: json is not a run format");
	tap_ok(scx_parse_if_serial("warn", &s) == 0 && s == SCX_IF_SERIAL_WARN,
	       "if-serial: warn");
	tap_is_int(scx_parse_if_serial("RAISE", &s), SCX_EWORD,
		   "if-serial: words are case-sensitive");
}

static long long
thousandths(const char *s)
{
	uint64_t v = 0;
	int err = scx_parse_thousandths(s, 1000000000000ull, &v);

	return err != 0 ? err : (long long)v;
}

static void
test_decimals(void)
{
	uint64_t v = 0;

	tap_is_int(thousandths("2"), 2000, "decimal: 2");
	tap_is_int(thousandths("0.5"), 500, "decimal: 0.5");
	tap_is_int(thousandths(".5"), 500, "decimal: .5");
	tap_is_int(thousandths("5."), 5000, "decimal: 5.");
	tap_is_int(thousandths("1e3"), 1000000, "decimal: 1e3");
	tap_is_int(thousandths("2.5E-1"), 250, "decimal: 2.5E-1");
	tap_is_int(thousandths("1e+2"), 100000, "decimal: 1e+2");
	tap_is_int(thousandths("0.001"), 1, "decimal: 0.001, the smallest");
	tap_is_int(thousandths("0.0015"), 2, "decimal: rounds to nearest");
	tap_is_int(thousandths("0.0014999"), 1, "decimal: rounds down");
	tap_is_int(thousandths("000000000000000000000000000012.5"), 12500,
		   "decimal: leading zeros do not count");
	tap_is_int(thousandths("0.000000000000000000000000001e27"), 1000,
		   "decimal: a long fraction with an exponent");
	tap_is_int(thousandths("1000000000"), 1000000000000ll,
		   "decimal: the largest");
	tap_is_int(thousandths("1000000000.0001"), -ERANGE,
		   "decimal: just above the largest is out of range");
	tap_is_int(thousandths("1e10"), -ERANGE, "decimal: 1e10 is too large");
	tap_is_int(thousandths("1e999999999999"), -ERANGE,
		   "decimal: a huge exponent is too large");
	tap_is_int(thousandths("99999999999999999999999"), -ERANGE,
		   "decimal: 23 digits are too large");
	tap_is_int(thousandths("0.0009"), SCX_ETOOSMALL,
		   "decimal: below 0.001 is too small");
	tap_is_int(thousandths("1e-999999999999"), SCX_ETOOSMALL,
		   "decimal: a huge negative exponent is too small");
	tap_is_int(thousandths("0"), SCX_ENUMBER, "decimal: 0 is refused");
	tap_is_int(thousandths("0.000e5"), SCX_ENUMBER,
		   "decimal: 0.000e5 is zero");
	tap_is_int(thousandths("0x10"), SCX_ENUMBER, "decimal: no hex");
	tap_is_int(thousandths("inf"), SCX_ENUMBER, "decimal: no inf");
	tap_is_int(thousandths("nan"), SCX_ENUMBER, "decimal: no nan");
	tap_is_int(thousandths(" 1"), SCX_ENUMBER, "decimal: no space before");
	tap_is_int(thousandths("1 "), SCX_ENUMBER, "decimal: no space after");
	tap_is_int(thousandths("+1"), SCX_ENUMBER, "decimal: no sign");
	tap_is_int(thousandths("-1"), SCX_ENUMBER, "decimal: no minus");
	tap_is_int(thousandths("."), SCX_ENUMBER, "decimal: a point alone");
	tap_is_int(thousandths("1e"), SCX_ENUMBER,
		   "decimal: an empty exponent");
	tap_is_int(thousandths("e3"), SCX_ENUMBER, "decimal: no mantissa");
	tap_is_int(thousandths("1,5"), SCX_ENUMBER, "decimal: no comma");
	tap_is_int(thousandths(""), SCX_ENUMBER, "decimal: '' is refused");
	tap_ok(scx_parse_seconds("1e9", &v) == 0 && v == 1000000000000ull,
	       "seconds: 1e9 is the longest");
	tap_is_int(scx_parse_seconds("1e10", &v), -ERANGE,
		   "seconds: 1e10 is too long");
	/* GNU parallel's time units. */
	tap_ok(scx_parse_seconds("30s", &v) == 0 && v == 30000, "units: 30s");
	tap_ok(scx_parse_seconds("1m", &v) == 0 && v == 60000, "units: 1m");
	tap_ok(scx_parse_seconds("2h", &v) == 0 && v == 7200000, "units: 2h");
	tap_ok(scx_parse_seconds("1d", &v) == 0 && v == 86400000, "units: 1d");
	tap_ok(scx_parse_seconds("1h2m", &v) == 0 && v == 3720000,
	       "units: 1h2m");
	tap_ok(scx_parse_seconds("0.1s", &v) == 0 && v == 100, "units: 0.1s");
	tap_ok(scx_parse_seconds("1m30", &v) == 0 && v == 90000,
	       "units: 1m30, the bare last number is seconds");
	tap_ok(scx_parse_seconds("0h1S", &v) == 0 && v == 1000,
	       "units: a zero part, and either case");
	tap_is_int(scx_parse_seconds("0s", &v), SCX_ENUMBER, "units: 0s");
	tap_is_int(scx_parse_seconds("1x", &v), SCX_ENUMBER, "units: 1x");
	tap_is_int(scx_parse_seconds("1mm", &v), SCX_ENUMBER, "units: 1mm");
	tap_is_int(scx_parse_seconds("s", &v), SCX_ENUMBER, "units: s");
	tap_is_int(scx_parse_seconds("11575d", &v), -ERANGE,
		   "units: 11575d is too long");
}

static void
test_ranges(void)
{
	struct scx_workers w;
	struct scx_halt h;
	uint64_t v = 0;

	tap_is_int(scx_parse_workers("1000000", &w), 0, "-j 1000000 is taken");
	tap_is_int(scx_parse_workers("1000001", &w), -ERANGE,
		   "-j 1000001 is out of range");
	tap_is_int(scx_parse_workers("+1000001", &w), -ERANGE,
		   "-j +1000001 is out of range");
	tap_is_int(scx_parse_workers("1000001%", &w), -ERANGE,
		   "-j 1000001% is out of range");
	tap_is_int(scx_parse_workers("99999999999999999999999999999999999", &w),
		   -ERANGE, "-j with 35 digits is out of range");
	tap_is_int(scx_parse_workers("99999999999999999999x", &w), SCX_EWORKERS,
		   "-j: a long number with a letter is no count");
	tap_is_int(scx_parse_positive("99999999999999999999x", 100, &v),
		   SCX_ENUMBER, "positive: a long number with a letter");
	tap_is_int(scx_parse_size("17179869184G", &v), -ERANGE,
		   "size: 2^64 bytes is out of range");
	tap_ok(scx_parse_size("17179869183G", &v) == 0 && v == 17179869183ull
								   << 30,
	       "size: 17179869183G is taken");
	tap_is_int(scx_parse_size("1.5K", &v), SCX_ENUMBER,
		   "size: 1.5K is refused");
	tap_is_int(scx_parse_halt("now,fail=101%", &h), -ERANGE,
		   "halt: 101% is out of range");
	tap_is_int(scx_parse_halt("now,fail=99999999999999999999", &h), -ERANGE,
		   "halt: a count above 2^64 is out of range");
	tap_is_int(scx_parse_halt("now,fail=+3", &h), SCX_EWORD,
		   "halt: +3 is refused");
	tap_is_int(scx_parse_halt("now,fail=%", &h), SCX_EWORD,
		   "halt: % alone is refused");
}

static void
test_exit_status(void)
{
	struct scx_summary s;

	memset(&s, 0, sizeof(s));
	tap_is_int(scx_exit_status(&s), 0, "exit: nothing failed");
	s.failed = 7;
	tap_is_int(scx_exit_status(&s), 7, "exit: 7 failed");
	s.failed = 100;
	tap_is_int(scx_exit_status(&s), 100, "exit: 100 failed");
	s.failed = 101;
	tap_is_int(scx_exit_status(&s), 101, "exit: 101 failed");
	s.failed = 5000;
	tap_is_int(scx_exit_status(&s), 101, "exit: 5000 failed is 101");
	s.broken_pipe = true;
	tap_is_int(scx_exit_status(&s), 141, "exit: broken pipe");
	s.error = -EIO;
	tap_is_int(scx_exit_status(&s), 255, "exit: runtime error");
	s.stop_signal = 15;
	tap_is_int(scx_exit_status(&s), 143, "exit: stopped by SIGTERM");
}

static void
test_errors(void)
{
	tap_ok(strcmp(scx_strerror(SCX_ESERIAL),
		      "only one worker is available") == 0,
	       "strerror: an SCX code");
	tap_ok(strcmp(scx_strerror(-ENOENT), "No such file or directory") == 0,
	       "strerror: an errno value");
	tap_ok(SCX__ELAST < -4096, "SCX codes are below every errno value");
}

int
main(void)
{
	test_chunksize();
	test_workers();
	test_parsers();
	test_decimals();
	test_ranges();
	test_exit_status();
	test_errors();
	return tap_done();
}
