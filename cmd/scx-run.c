/*
 * scx-run.c: the command line of scx-run: one table of options parsed
 * with getopt_long into a config, one call into libscx, and the exit
 * status.  Every message and exit status is decided here; the library
 * only returns error codes (and the details they are about).
 *
 * Code map (lib/), along an item's way:
 *   source.c       the input thread and queue; reader.c cuts items
 *   run.c          the core: take items, order results, stop policy
 *   template.c     replacement strings and shell quoting
 *   backend.c      backends by name: multiprocess.c (spawn.c), loky.c,
 *                  dryrun.c, and the MPI plugin mpi.c
 *   procs.c        what items start: subreaper, leftovers, the guard
 *   spool.c        an output stream in memory or a temporary file
 *   reorder.c      results waiting for an earlier item; hold.c keeps them
 *   output.c       raw, tagged and JSON output; json.c escaping
 *   ledger.c       the job log (joblog.c) and the results directory
 *   progress.c     the progress line and what the throttles read
 *   config.c       defaults, value parsers, worker and chunk rules
 */
#include "scx.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 255

static const char *progname = "scx-run";

/* Everything the command line said. */
struct options {
	struct scx_config cfg;
	const char **inputs;
	size_t ninputs;
	const char *format;
	const char *backend;
	bool protocol_set;
	bool info, help, version;
	enum { PROGRESS_NO, PROGRESS_TTY, PROGRESS_ALWAYS } progress;
	bool verbose;
};

/* Why parsing stopped: the parser never prints, main() does. */
enum parse_status {
	PARSE_OK,
	PARSE_BAD_VALUE,   /* option, value, expected */
	PARSE_TOO_LARGE,   /* option, value, expected (the range), part */
	PARSE_TOO_SMALL,   /* the same */
	PARSE_UNKNOWN,	   /* value: the unknown option */
	PARSE_MISSING_ARG, /* option */
	PARSE_NO_MEMORY,
};

struct parse_failure {
	const char *option;
	const char *value;
	const char *expected;
	const char *part; /* the number out of range in value, or NULL */
	char limit[96];	  /* room for an expected text made up */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: scx-run [-0] [-a file] [-d delim] [-j workers] "
		"[-N chunksize]\n"
		"               [--as-completed] [--backend name] [--dry-run] "
		"[--format fmt]\n"
		"               [--if-serial word] [--pipe-item] [--protocol "
		"name]\n"
		"               [--halt when,what=N] [--joblog file] "
		"[--keep-affinity]\n"
		"               [--resume | --resume-failed] [--results dir] "
		"[--retries N]\n"
		"               [--reuse] [--seq-prefix] [--shell] "
		"[--spill-after size]\n"
		"               [--tag] [--timeout secs] [--delay secs] "
		"[--memfree size]\n"
		"               [--load N] [--progress[=when]] [--verbose]\n"
		"               command [argument ...]\n"
		"       scx-run --info [--backend name] [--format text|json] "
		"[-j workers]\n"
		"       scx-run --help | --version\n");
}

/* The help text is laid out as it prints. */
/* clang-format off */
/* layout: help text */
static void
help(void)
{
	usage(stdout);
	printf("\n"
"Runs command once for each item read from stdin (or -a files), in\n"
"parallel, and writes each item's output as one block, in input order.\n"
"\n"
"Items:\n"
"  -a, --input FILE        read items from FILE ('-' is stdin); repeatable,\n"
"                          files are read one after another\n"
"  -0, --null              items end with a NUL byte\n"
"  -d, --delimiter C       items end with C: one byte, or one of\n"
"                          \\n \\t \\r \\0 \\\\ \\xHH\n"
"\n"
"Command:\n"
"  {} {.} {/} {//} {/.}    the item; without extension; basename;\n"
"                          dirname; basename without extension\n"
"  {#} {%%}                 the item's number; the worker slot\n"
"                          without any, the item is the last argument\n"
"      --shell             run the command as one /bin/sh string; every\n"
"                          substitution is quoted, so items stay data\n"
"      --pipe-item         give the item (and its delimiter) on the\n"
"                          worker's stdin instead of as an argument\n"
"\n"
"Scheduling:\n"
"  -j, --max-workers N     workers: N, N%% or +N/-N of the usable CPUs\n"
"      --jobs N            the same as --max-workers\n"
"  -N, --chunksize N       items handed to a worker slot at a time (loky:\n"
"                          items in flight per worker, fixed)\n"
"      --if-serial WORD    raise, warn or ignore when only one worker is\n"
"                          available without an explicit -j 1\n"
"      --backend NAME      multiprocess (default, or $SCX_BACKEND): one\n"
"                          process per item; loky: reusable workers, each\n"
"                          started once and fed items on its stdin; mpi\n"
"\n"
"Reusable workers (--backend=loky):\n"
"      --protocol NAME     how items and answers are framed: line\n"
"                          (default), null, or length (\"LEN\\n\" + bytes)\n"
"      --seq-prefix        send each item as its number, a tab, the item\n"
"\n"
"Failures and resuming:\n"
"      --joblog FILE       log each finished item, as GNU parallel does\n"
"      --results DIR       store each item's stdout, stderr and status in\n"
"                          DIR/SEQ/, atomically\n"
"      --resume            skip items the job log (or --results) has\n"
"      --resume-failed     skip only the items that succeeded there\n"
"      --retries N         run a failing item up to N times in all\n"
"      --timeout SECS      SIGTERM an item's processes after SECS, SIGKILL\n"
"                          2 s later; it fails as timed out\n"
"      --halt WHEN,WHAT=N  now|soon,fail|success|done=N or N%%: stop\n"
"                          (killing running items, or letting them end)\n"
"\n"
"Throttles (no new item starts while they hold):\n"
"      --delay SECS        at least SECS between two item starts\n"
"      --memfree SIZE      while available memory is below SIZE\n"
"      --load N            while the 1-minute load average is above N\n"
"\n"
"MPI (--backend=mpi, under mpiexec; rank 0 hands out the items):\n"
"      --reuse             worker ranks run items with reusable workers\n"
"                          (the loky protocol) instead of a process each\n"
"      --keep-affinity     leave mpiexec's CPU binding to the worker\n"
"                          ranks' items (by default they may use any CPU)\n"
"\n"
"Output:\n"
"      --as-completed      write results as items finish, not in order\n"
"      --tag               prefix each output line with the item and a tab\n"
"      --format FMT        raw (default) or jsonl; with --info, text or json\n"
"      --dry-run           print each command instead of running it\n"
"      --spill-after SIZE  keep up to SIZE (default 8M) of results that\n"
"                          wait for an earlier item in memory, then use a\n"
"                          temporary file\n"
"      --progress[=WHEN]   a progress line on stderr: auto (a terminal;\n"
"                          the default of --progress), always, never\n"
"      --verbose           a summary line on stderr at the end\n"
"\n"
"      --info              print the backend, rank, size and master flag\n"
"  -h, --help              print this help\n"
"  -V, --version           print the version\n"
"\n"
"Exit status: 0 all items succeeded; 1-100 that many failed; 101 more\n"
"than 100 failed; 128+n stopped by signal n; 255 usage or runtime error.\n"
"See scx-run(1).\n");
}
/* clang-format on */

static void
error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_notice(void *arg, enum scx_notice what, const char *detail)
{
	(void)arg;
	switch (what) {
	case SCX_NOTICE_SERIAL:
		error("warning: running serially: %s", detail);
		break;
	case SCX_NOTICE_WORKERS_CAPPED:
	case SCX_NOTICE_WORKERS_IGNORED:
	default:
		error("warning: %s", detail);
		break;
	}
}

static enum parse_status
bad_value(struct parse_failure *f, const char *option, const char *value,
	  const char *expected)
{
	f->option = option;
	f->value = value;
	f->expected = expected;
	return PARSE_BAD_VALUE;
}

/* A number that the parser refused with @err: not a number (@bad says
 * what would be), or out of range (@range says what is accepted). */
static enum parse_status
bad_number(struct parse_failure *f, const char *option, const char *value,
	   int err, const char *bad, const char *range)
{
	enum parse_status st = bad_value(f, option, value, bad);

	if (err == -ERANGE || err == SCX_ETOOSMALL) {
		f->expected = range;
		st = err == -ERANGE ? PARSE_TOO_LARGE : PARSE_TOO_SMALL;
	}
	return st;
}

/* "at most NG, N bytes": the largest size below @max bytes. */
static const char *
size_limit(struct parse_failure *f, uint64_t max)
{
	snprintf(f->limit, sizeof(f->limit), "at most %lluG, %llu bytes",
		 (unsigned long long)(max >> 30), (unsigned long long)max);
	return f->limit;
}

/*
 * The options' parsers, one per option that takes a value or sets more
 * than a flag.  Each applies @arg (NULL for an option without a value) to
 * @o, or says in @f why it refuses it.  Messages name the option as the
 * manual does (--max-workers, also for -j and --jobs).
 */

static const char seconds[] = "a positive number of seconds "
			      "(decimal: 2, 0.5, 1e3)";
static const char seconds_range[] = "accepted: 0.001 to 1000000000 "
				    "seconds";
static const char size_text[] = "a size (N, or N with K, M or G)";

static enum parse_status
opt_workers(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_workers(arg, &o->cfg.workers);

	if (err == 0)
		return PARSE_OK;
	return bad_number(f, "--max-workers", arg, err,
			  "a worker count (N, N%, +N or -N, "
			  "N > 0)",
			  "at most 1000000, also in N%, +N "
			  "and -N");
}

static enum parse_status
opt_chunksize(struct options *o, const char *arg, struct parse_failure *f)
{
	uint64_t v;
	int err = scx_parse_positive(arg, SIZE_MAX / 2, &v);

	if (err != 0) {
		snprintf(f->limit, sizeof(f->limit), "at most %zu items",
			 SIZE_MAX / 2);
		return bad_number(f, "--chunksize", arg, err,
				  "a positive integer", f->limit);
	}
	o->cfg.chunksize = (size_t)v;
	return PARSE_OK;
}

static enum parse_status
opt_if_serial(struct options *o, const char *arg, struct parse_failure *f)
{
	if (scx_parse_if_serial(arg, &o->cfg.if_serial) != 0)
		return bad_value(f, "--if-serial", arg,
				 "one of raise, warn, ignore");
	return PARSE_OK;
}

/* --backend is resolved once the whole command line is known. */
static enum parse_status
opt_backend(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)f;
	o->backend = arg;
	return PARSE_OK;
}

static enum parse_status
opt_input(struct options *o, const char *arg, struct parse_failure *f)
{
	const char **p = realloc(o->inputs, (o->ninputs + 1) * sizeof(*p));

	(void)f;
	if (p == NULL)
		return PARSE_NO_MEMORY;
	o->inputs = p;
	o->inputs[o->ninputs++] = arg;
	return PARSE_OK;
}

static enum parse_status
opt_null(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.delimiter = '\0';
	return PARSE_OK;
}

static enum parse_status
opt_delimiter(struct options *o, const char *arg, struct parse_failure *f)
{
	if (scx_parse_delimiter(arg, &o->cfg.delimiter) != 0)
		return bad_value(f, "--delimiter", arg,
				 "a single character (or \\n, \\t, "
				 "\\r, \\0, \\\\, \\xHH)");
	return PARSE_OK;
}

static enum parse_status
opt_as_completed(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.order = SCX_ORDER_COMPLETION;
	return PARSE_OK;
}

/* --format is checked once --info is known: its formats are others. */
static enum parse_status
opt_format(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)f;
	o->format = arg;
	return PARSE_OK;
}

static enum parse_status
opt_protocol(struct options *o, const char *arg, struct parse_failure *f)
{
	if (scx_parse_protocol(arg, &o->cfg.protocol) != 0)
		return bad_value(f, "--protocol", arg,
				 "one of line, null, length");
	o->protocol_set = true;
	return PARSE_OK;
}

static enum parse_status
opt_joblog(struct options *o, const char *arg, struct parse_failure *f)
{
	if (arg[0] == '\0')
		return bad_value(f, "--joblog", arg, "a file name");
	o->cfg.joblog = arg;
	return PARSE_OK;
}

static enum parse_status
opt_resume(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.resume = SCX_RESUME;
	return PARSE_OK;
}

static enum parse_status
opt_resume_failed(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.resume = SCX_RESUME_FAILED;
	return PARSE_OK;
}

static enum parse_status
opt_results(struct options *o, const char *arg, struct parse_failure *f)
{
	if (arg[0] == '\0')
		return bad_value(f, "--results", arg, "a directory");
	o->cfg.results = arg;
	return PARSE_OK;
}

static enum parse_status
opt_retries(struct options *o, const char *arg, struct parse_failure *f)
{
	uint64_t v;
	int err = scx_parse_positive(arg, 1000000, &v);

	if (err != 0)
		return bad_number(f, "--retries", arg, err,
				  "a positive integer (runs per item "
				  "at most)",
				  "at most 1000000 runs per item");
	o->cfg.retries = (unsigned)v;
	return PARSE_OK;
}

static enum parse_status
opt_timeout(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_seconds(arg, &o->cfg.timeout_ms);

	if (err != 0)
		return bad_number(f, "--timeout", arg, err, seconds,
				  seconds_range);
	return PARSE_OK;
}

static enum parse_status
opt_halt(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_halt(arg, &o->cfg.halt);

	if (err == 0)
		return PARSE_OK;
	/* Only a number can be out of range: it follows '='. */
	f->part = strchr(arg, '=') ? strchr(arg, '=') + 1 : arg;
	return bad_number(f, "--halt", arg, err,
			  "now|soon,fail|success|done=N or N% "
			  "(or never)",
			  strchr(f->part, '%')
			      ? "at most 100%"
			      : "at most 18446744073709551615");
}

static enum parse_status
opt_spill_after(struct options *o, const char *arg, struct parse_failure *f)
{
	uint64_t v;
	int err = scx_parse_size(arg, &v);

	if (err == 0 && v > SIZE_MAX / 2)
		err = -ERANGE;
	if (err != 0)
		return bad_number(f, "--spill-after", arg, err, size_text,
				  size_limit(f, SIZE_MAX / 2));
	o->cfg.spill_after = (size_t)v;
	return PARSE_OK;
}

static enum parse_status
opt_delay(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_seconds(arg, &o->cfg.delay_ms);

	if (err != 0)
		return bad_number(f, "--delay", arg, err, seconds,
				  seconds_range);
	return PARSE_OK;
}

static enum parse_status
opt_memfree(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_size(arg, &o->cfg.memfree);

	if (err != 0)
		return bad_number(f, "--memfree", arg, err, size_text,
				  size_limit(f, UINT64_MAX));
	return PARSE_OK;
}

/* A decimal like the seconds of --timeout, in thousandths. */
static enum parse_status
opt_load(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_thousandths(arg, (uint64_t)1000000000 * 1000,
					&o->cfg.load_milli);

	if (err != 0)
		return bad_number(f, "--load", arg, err,
				  "a positive load average (decimal: "
				  "2, 0.5)",
				  "accepted: 0.001 to 1000000000");
	return PARSE_OK;
}

static enum parse_status
opt_progress(struct options *o, const char *arg, struct parse_failure *f)
{
	if (arg == NULL || strcmp(arg, "auto") == 0)
		o->progress = PROGRESS_TTY;
	else if (strcmp(arg, "always") == 0)
		o->progress = PROGRESS_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		o->progress = PROGRESS_NO;
	else
		return bad_value(f, "--progress", arg,
				 "one of auto, always, never");
	return PARSE_OK;
}

/*
 * The options: each one's long name, what getopt_long knows of its value,
 * its short letter (or 0), and either its parser or, for a flag (parse
 * NULL), the bool in struct options it sets.  getopt_long's table and
 * short-option string are made from it, so an option is added here and
 * nowhere else in the parser.  tests/bats/docs.bats reads the long names
 * from this table: keep one entry a line, its name first.
 */
struct option_spec {
	const char *name;
	int has_arg;
	int letter;
	enum parse_status (*parse)(struct options *o, const char *arg,
				   struct parse_failure *f);
	size_t flag;
};

/* Where a flag's bool is in struct options. */
#define FLAG(field) offsetof(struct options, field)

static const struct option_spec option_table[] = {
	{ "max-workers", required_argument, 'j', opt_workers, 0 },
	{ "jobs", required_argument, 0, opt_workers, 0 },
	{ "chunksize", required_argument, 'N', opt_chunksize, 0 },
	{ "if-serial", required_argument, 0, opt_if_serial, 0 },
	{ "backend", required_argument, 0, opt_backend, 0 },
	{ "input", required_argument, 'a', opt_input, 0 },
	{ "null", no_argument, '0', opt_null, 0 },
	{ "delimiter", required_argument, 'd', opt_delimiter, 0 },
	{ "as-completed", no_argument, 0, opt_as_completed, 0 },
	{ "tag", no_argument, 0, NULL, FLAG(cfg.tag) },
	{ "format", required_argument, 0, opt_format, 0 },
	{ "shell", no_argument, 0, NULL, FLAG(cfg.shell) },
	{ "pipe-item", no_argument, 0, NULL, FLAG(cfg.pipe_item) },
	{ "info", no_argument, 0, NULL, FLAG(info) },
	{ "dry-run", no_argument, 0, NULL, FLAG(cfg.dry_run) },
	{ "protocol", required_argument, 0, opt_protocol, 0 },
	{ "seq-prefix", no_argument, 0, NULL, FLAG(cfg.seq_prefix) },
	{ "reuse", no_argument, 0, NULL, FLAG(cfg.reuse) },
	{ "keep-affinity", no_argument, 0, NULL, FLAG(cfg.keep_affinity) },
	{ "joblog", required_argument, 0, opt_joblog, 0 },
	{ "resume", no_argument, 0, opt_resume, 0 },
	{ "resume-failed", no_argument, 0, opt_resume_failed, 0 },
	{ "results", required_argument, 0, opt_results, 0 },
	{ "retries", required_argument, 0, opt_retries, 0 },
	{ "timeout", required_argument, 0, opt_timeout, 0 },
	{ "halt", required_argument, 0, opt_halt, 0 },
	{ "spill-after", required_argument, 0, opt_spill_after, 0 },
	{ "delay", required_argument, 0, opt_delay, 0 },
	{ "memfree", required_argument, 0, opt_memfree, 0 },
	{ "load", required_argument, 0, opt_load, 0 },
	{ "progress", optional_argument, 0, opt_progress, 0 },
	{ "verbose", no_argument, 0, NULL, FLAG(verbose) },
	{ "help", no_argument, 'h', NULL, FLAG(help) },
	{ "version", no_argument, 'V', NULL, FLAG(version) },
};

#undef FLAG

#define NOPTIONS (sizeof(option_table) / sizeof(option_table[0]))

/* What getopt_long returns for the long form of option_table[i]; the
 * short form returns its letter. */
#define OPTION_VAL(i) (256 + (int)(i))

/* getopt_long's table and short-option string, from option_table:
 * @longs has NOPTIONS + 1 entries, @shorts 3 * NOPTIONS + 3 bytes.  The
 * string begins "+:": stop at the command word, and say ':' for a value
 * missing. */
static void
getopt_tables(struct option *longs, char *shorts)
{
	const struct option_spec *s;
	size_t i, n = 0;

	shorts[n++] = '+';
	shorts[n++] = ':';
	for (i = 0; i < NOPTIONS; i++) {
		s = &option_table[i];
		longs[i] =
		    (struct option){ s->name, s->has_arg, NULL, OPTION_VAL(i) };
		if (s->letter == 0)
			continue;
		shorts[n++] = (char)s->letter;
		if (s->has_arg != no_argument)
			shorts[n++] = ':';
		if (s->has_arg == optional_argument)
			shorts[n++] = ':';
	}
	shorts[n] = '\0';
	longs[NOPTIONS] = (struct option){ NULL, 0, NULL, 0 };
}

/* The entry getopt_long's answer @c stands for, or NULL. */
static const struct option_spec *
option_of(int c)
{
	size_t i;

	if (c >= OPTION_VAL(0) && c < OPTION_VAL(NOPTIONS))
		return &option_table[c - OPTION_VAL(0)];
	for (i = 0; i < NOPTIONS; i++)
		if (c != 0 && option_table[i].letter == c)
			return &option_table[i];
	return NULL;
}

static enum parse_status
parse_option(struct options *o, int c, const char *arg, struct parse_failure *f)
{
	const struct option_spec *s = option_of(c);

	if (s == NULL)
		return PARSE_UNKNOWN;
	if (s->parse)
		return s->parse(o, arg, f);
	*(bool *)((char *)o + s->flag) = true;
	return PARSE_OK;
}

/* The option name getopt stopped at, for messages. */
static const char *
failed_option(char **argv, int optopt_char, char *buf, size_t size)
{
	const char *arg = argv[optind - 1];

	if (optopt_char != 0 && strncmp(arg, "--", 2) != 0) {
		snprintf(buf, size, "-%c", optopt_char);
		return buf;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
	return buf;
}

static enum parse_status
parse_args(struct options *o, int argc, char **argv, struct parse_failure *f,
	   char *optbuf, size_t optsize)
{
	struct option longs[NOPTIONS + 1];
	char shorts[3 * NOPTIONS + 3];
	enum parse_status st;
	int c;

	getopt_tables(longs, shorts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == '?') {
			f->value = failed_option(argv, optopt, optbuf, optsize);
			return PARSE_UNKNOWN;
		}
		if (c == ':') {
			f->option =
			    failed_option(argv, optopt, optbuf, optsize);
			return PARSE_MISSING_ARG;
		}
		st = parse_option(o, c, optarg, f);
		if (st != PARSE_OK)
			return st;
	}
	o->cfg.argv = argv + optind;
	o->cfg.argc = (size_t)(argc - optind);
	o->cfg.inputs = o->inputs;
	o->cfg.ninputs = o->ninputs;
	return PARSE_OK;
}

/* Resolves --backend (or $SCX_BACKEND, or the default); prints why not
 * and returns false when it cannot. */
static bool
resolve_backend(struct options *o)
{
	const char *from = "--backend", *name = o->backend;
	char detail[768];

	if (name == NULL) {
		name = getenv("SCX_BACKEND");
		from = "SCX_BACKEND";
	}
	if (scx_backend_resolve(name, &o->cfg.backend, detail,
				sizeof(detail)) == 0)
		return true;
	if (name == NULL || name[0] == '\0')
		error("%s", detail);
	else
		error("%s: %s", from, detail);
	return false;
}

/* Checks --format against the mode: raw|jsonl for runs, text|json for
 * --info. */
static bool
resolve_format(struct options *o, bool *json_info)
{
	*json_info = false;
	if (o->format == NULL)
		return true;
	if (o->info) {
		if (strcmp(o->format, "json") == 0) {
			*json_info = true;
			return true;
		}
		if (strcmp(o->format, "text") == 0)
			return true;
		error("--format: '%s' is not an --info format (accepted: "
		      "text, json)",
		      o->format);
		return false;
	}
	if (scx_parse_format(o->format, &o->cfg.format) == 0)
		return true;
	error("--format: '%s' is not a format (accepted: raw, jsonl)",
	      o->format);
	return false;
}

/* Options that only mean something for some backends are refused for
 * the others, rather than silently ignored. */
static bool
check_backend_options(const struct options *o)
{
	char detail[256];

	if (scx_config_check(&o->cfg, o->cfg.backend, o->protocol_set, detail,
			     sizeof(detail)) == 0)
		return true;
	error("%s", detail);
	return false;
}

static void
report_create_error(int err, const char *detail)
{
	switch (err) {
	case SCX_ESERIAL:
		error("only one worker is available: %s (--if-serial=warn or "
		      "ignore runs anyway)",
		      detail);
		break;
	case SCX_ENOTAVAIL:
		error("--backend: '%s' is not available in this build", detail);
		break;
	default:
		error("cannot start: %s%s%s", detail, detail[0] ? ": " : "",
		      scx_strerror(err));
		break;
	}
}

static int
print_info(struct scx_run *run, bool json)
{
	if (json)
		printf("{\"backend\":\"%s\",\"rank\":%d,\"size\":%u,"
		       "\"master\":%s}\n",
		       scx_run_backend_name(run), scx_run_rank(run),
		       scx_run_size(run),
		       scx_run_is_master(run) ? "true" : "false");
	else
		printf("backend: %s\nrank: %d\nsize: %u\nmaster: %s\n",
		       scx_run_backend_name(run), scx_run_rank(run),
		       scx_run_size(run),
		       scx_run_is_master(run) ? "yes" : "no");
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --verbose: what the run did, on one line of stderr at its end. */
static void
print_summary(struct scx_run *run, const struct scx_summary *s, double wall,
	      int status)
{
	char extra[256] = "";
	size_t n = 0;

	if (s->timed_out)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      ", %llu timed out",
				      (unsigned long long)s->timed_out);
	if (s->retried && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      ", %llu retried",
				      (unsigned long long)s->retried);
	if (s->skipped && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      ", %llu skipped (resumed)",
				      (unsigned long long)s->skipped);
	if (s->total && s->items + s->skipped < s->total && n < sizeof(extra))
		n += (size_t)snprintf(
		    extra + n, sizeof(extra) - n, ", %llu not run",
		    (unsigned long long)(s->total - s->items - s->skipped));
	fprintf(stderr,
		"%s: %llu items, %llu succeeded, %llu failed%s; %.3f s, "
		"%.1f items/s; backend %s, %u worker%s; exit %d\n",
		progname, (unsigned long long)s->items,
		(unsigned long long)(s->items - s->failed),
		(unsigned long long)s->failed, extra, wall,
		wall > 0 ? (double)s->items / wall : 0.0,
		scx_run_backend_name(run), scx_run_size(run),
		scx_run_size(run) == 1 ? "" : "s", status);
}

static void
report_run_error(struct scx_run *run, int err)
{
	const char *detail = scx_run_error_detail(run);

	if (err == SCX_ENOCMD)
		error("no command given (try '%s --help')", progname);
	else if (detail)
		error("%s", detail);
	else
		error("%s", scx_strerror(err));
}

/* Makes sure descriptors 0, 1 and 2 are open, so that no pipe or input
 * file ever lands on them and gets mistaken for a standard stream; bit n
 * of the result says descriptor n was closed. */
static unsigned
open_standard_streams(void)
{
	unsigned closed = 0;
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0) {
			closed |= 1u << fd;
			if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) <
			    0)
				exit(EXIT_USAGE);
		}
	return closed;
}

/* Many workers need many pipes: use all the descriptors we may. */
static void
raise_open_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Whether the run reads standard input. */
static bool
reads_stdin(const struct options *o)
{
	size_t i;

	for (i = 0; i < o->ninputs; i++)
		if (strcmp(o->inputs[i], "-") == 0)
			return true;
	return o->ninputs == 0;
}

/* Says why the command line was refused. */
static void
report_parse_failure(enum parse_status st, const struct parse_failure *f)
{
	const char *how = st == PARSE_TOO_LARGE ? "large" : "small";

	switch (st) {
	case PARSE_OK:
		break;
	case PARSE_BAD_VALUE:
		error("%s: '%s' is not %s", f->option, f->value, f->expected);
		break;
	case PARSE_TOO_LARGE:
	case PARSE_TOO_SMALL:
		if (f->part)
			error("%s: '%s': '%s' is too %s (%s)", f->option,
			      f->value, f->part, how, f->expected);
		else
			error("%s: '%s' is too %s (%s)", f->option, f->value,
			      how, f->expected);
		break;
	case PARSE_UNKNOWN:
		error("unknown option '%s' (try '%s --help')", f->value,
		      progname);
		break;
	case PARSE_MISSING_ARG:
		error("%s needs a value (try '%s --help')", f->option,
		      progname);
		break;
	case PARSE_NO_MEMORY:
	default:
		error("out of memory");
		break;
	}
}

/* --help (which wins) or --version: 0, or EXIT_USAGE when stdout fails. */
static int
print_help_or_version(const struct options *o)
{
	if (o->help)
		help();
	else
		printf("scx-run %s\n", SCX_VERSION_STRING);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

/* Checks the parsed command line as a whole: the format, the backend, the
 * command, the standard streams (bit n of @closed: descriptor n was
 * closed) and the options that need others.  Prints why not and returns
 * false when it cannot be done. */
static bool
check_request(struct options *o, unsigned closed, bool *json_info)
{
	if (!resolve_format(o, json_info) || !resolve_backend(o))
		return false;
	if (!o->info && o->cfg.argc == 0) {
		error("no command given (try '%s --help')", progname);
		return false;
	}
	if (o->info && o->cfg.argc > 0) {
		error("--info takes no command ('%s' given)", o->cfg.argv[0]);
		return false;
	}
	if (closed & 2) {
		error("standard output is closed (redirect it to /dev/null to "
		      "discard the output)");
		return false;
	}
	if ((closed & 1) && !o->info && reads_stdin(o)) {
		error("standard input is closed: no items to read (give -a "
		      "FILE, or redirect it from /dev/null for none)");
		return false;
	}
	return check_backend_options(o);
}

/* Runs the items of @run; the exit status. */
static int
execute(struct scx_run *run, struct options *o)
{
	struct scx_summary sum;
	double t0;
	int err, status;

	o->cfg.progress =
	    o->progress == PROGRESS_ALWAYS ||
	    (o->progress == PROGRESS_TTY && isatty(2) && !o->cfg.dry_run);
	t0 = now_seconds();
	err = scx_run_execute(run, &sum);
	if (err != 0)
		report_run_error(run, err);
	status = scx_exit_status(&sum);
	/* An MPI worker rank serves rank 0, which sums up the run. */
	if (o->verbose && scx_run_is_master(run))
		print_summary(run, &sum, now_seconds() - t0, status);
	return status;
}

/* Does what a parsed command line asks for, --info or a run, and turns
 * the outcome into messages and the exit status. */
static int
operate(struct options *o, unsigned closed)
{
	struct scx_run *run = NULL;
	char detail[512];
	bool json_info;
	int err, status = EXIT_USAGE;

	if (!check_request(o, closed, &json_info))
		return EXIT_USAGE;
	if (o->info)
		o->cfg.if_serial = SCX_IF_SERIAL_IGNORE;
	err = scx_run_create(&run, &o->cfg, detail, sizeof(detail));
	if (err != 0)
		report_create_error(err, detail);
	else if (o->info)
		status = print_info(run, json_info);
	else
		status = execute(run, o);
	scx_run_destroy(run);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct parse_failure f = { NULL, NULL, NULL, NULL, "" };
	char optbuf[64];
	enum parse_status st;
	unsigned closed;
	int status = EXIT_USAGE;

	closed = open_standard_streams();
	raise_open_file_limit();
	memset(&o, 0, sizeof(o));
	scx_config_init(&o.cfg);
	o.cfg.progname = progname;
	o.cfg.notice = on_notice;

	st = parse_args(&o, argc, argv, &f, optbuf, sizeof(optbuf));
	if (st != PARSE_OK)
		report_parse_failure(st, &f);
	else if (o.help || o.version)
		status = print_help_or_version(&o);
	else
		status = operate(&o, closed);
	free(o.inputs);
	return status;
}
