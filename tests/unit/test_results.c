/* test_results.c: the names --results gives a job's directory, as GNU
 * parallel 20221122 names them, and the CSV and JSON records. */
#include "internal.h"
#include "tap.h"

#include <string.h>

/* The path of @item (@len bytes) under @f, cut at @max. */
static void
path_is(const struct scx__fields *f, const char *item, size_t len, size_t max,
	const char *want, const char *name)
{
	struct scx_buf b = { 0 };

	tap_ok(scx__results_path(f, item, len, max, &b) == 0, name);
	tap_is_mem(b.data, b.len, want, name);
	scx_buf_free(&b);
}

static void
test_path(void)
{
	struct scx__fields one = { 0 }, two = { true, '\0', 2, NULL, 0 };
	struct scx__fields flat = { true, '\0', 0, NULL, 0 };
	struct scx_column_name names[] = { { "zz", 1 }, { "aa", 2 } };
	struct scx__fields named = { true, '\0', 2, names, 2 };

	path_is(&one, "a", 1, 255, "1/a", "path: one source");
	path_is(&one, "a/b", 3, 255, "1/a\\_b", "path: / is \\_");
	path_is(&one, "t\tb\\s", 5, 255, "1/t\\tb\\\\s",
		"path: tab and backslash escaped");
	path_is(&one, "a\0b", 3, 255, "1/a\\0b",
		"path: a NUL in a single field is \\0");
	path_is(&one, "", 0, 255, "1/", "path: the empty argument");
	path_is(&one, "..", 2, 255, "1/..", "path: .. is kept");
	path_is(&two,
		"a\0"
		"1",
		3, 255, "1/a/2/1", "path: two sources");
	path_is(&two, "a\0x\0b\0x", 7, 255, "1/a/2/x/1/b/2/x",
		"path: -N2, the levels per argument row");
	path_is(&flat, "a\0b\0c", 5, 255, "1/a/2/b/3/c",
		"path: --colsep, one row");
	path_is(&named,
		"a\0"
		"1",
		3, 255, "aa/1/zz/a", "path: --header names, sorted by name");
	path_is(&one, "xxxxxxxx", 8, 5, "1/xxxxx", "path: cut at the limit");
	path_is(&one, "a/", 2, 2, "1/a\\", "path: cut inside an escape");
}

static void
test_kind(void)
{
	tap_ok(scx__results_kind("r") == SCX__RESULTS_DIR, "kind: a directory");
	tap_ok(scx__results_kind("o.CSV") == SCX__RESULTS_CSV, "kind: .CSV");
	tap_ok(scx__results_kind("o.tsv") == SCX__RESULTS_TSV, "kind: .tsv");
	tap_ok(scx__results_kind("-.json") == SCX__RESULTS_JSON,
	       "kind: -.json");
	tap_ok(scx__results_templated("my_{}/"), "templated: my_{}/");
	tap_ok(!scx__results_templated("a{b"), "templated: a lone {");
}

static void
test_record(void)
{
	struct scx__fields two = { true, '\0', 2, NULL, 0 };
	struct scx_buf b = { 0 }, s = { 0 };
	struct scx_result r;

	memset(&r, 0, sizeof(r));
	r.seq = 2;
	r.item = "b\"c\0"
		 "1";
	r.item_len = 5;
	r.start_us = 1796144229808123;
	r.duration_ns = 1500000;
	r.out = "x y\n";
	r.out_len = 4;
	r.err = "";
	r.exit_status = 3;
	tap_ok(scx__results_record(SCX__RESULTS_CSV, &two, &r, 0, "echo", 4,
				   true, &b, &s) == 0,
	       "csv: formats");
	tap_is_mem(b.data, b.len,
		   "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,"
		   "Command,V1,V2,Stdout,Stderr\n"
		   "2,:,1796144229.808,0.001,0,4,3,0,echo,\"b\"\"c\",1,"
		   "\"x y\n\",\n",
		   "csv: GNU's header and quoting");
	b.len = 0;
	tap_ok(scx__results_record(SCX__RESULTS_JSON, &two, &r, 0, "e\\", 2,
				   false, &b, &s) == 0,
	       "json: formats");
	tap_is_mem(
	    b.data, b.len,
	    "{ \"Seq\": 2, \"Host\": \":\", \"Starttime\": "
	    "1796144229.808, \"JobRuntime\": 0.001, \"Send\": 0, "
	    "\"Receive\": 4, \"Exitval\": 3, \"Signal\": 0, \"Command\": "
	    "\"e\\\\\", \"V\": [ \"b\\\"c\",\"1\" ], \"Stdout\": "
	    "\"x y\\u000a\", \"Stderr\": \"\" }\n",
	    "json: GNU's line");
	scx_buf_free(&b);
	scx_buf_free(&s);
}

int
main(void)
{
	test_path();
	test_kind();
	test_record();
	return tap_done();
}
