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

#include <ctype.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 255

static const char *progname = "scx-run";

/* Everything the command line said. */
struct options {
	struct scx_config cfg;
	const char **inputs; /* -a FILE, in order */
	size_t ninputs;
	struct scx_input_source *sources; /* cfg.sources' storage */
	size_t nsources;
	const char *arg_sep, *arg_file_sep; /* NULL: ::: and :::: */
	bool ignored; /* set by the options that change nothing */
	const char *format;
	const char *backend;
	bool protocol_set;
	bool info, help, version;
	enum { PROGRESS_NO, PROGRESS_TTY, PROGRESS_ALWAYS } progress;
	bool summary;
	bool keep_order; /* -k given (and not undone by --as-completed) */
	char *tagstring; /* cfg.tagstring's storage */
	bool lines;	 /* -L given */
	/* --pipe, --pipepart: -n/-N and -L/-l count records and lines. */
	bool pipe, pipepart, cat, fifo;
	const char **part_files; /* cfg.pipe.files' storage */
	size_t pipe_n, pipe_l;
	bool retry_failed;
	int retry_fd;	     /* --retry-failed: the logged commands, or -1 */
	char retry_path[32]; /* ... as a file name */
};

/* Why parsing stopped: the parser never prints, main() does. */
enum parse_status {
	PARSE_OK,
	PARSE_BAD_VALUE,    /* option, value, expected */
	PARSE_TOO_LARGE,    /* option, value, expected (the range), part */
	PARSE_TOO_SMALL,    /* the same */
	PARSE_UNKNOWN,	    /* value: the unknown option */
	PARSE_REFUSED,	    /* value: GNU parallel's option; refused */
	PARSE_MISSING_ARG,  /* option */
	PARSE_UNWANTED_ARG, /* option: it takes no value, and got one */
	PARSE_NO_MEMORY,
};

struct parse_failure {
	const char *option;
	const char *value;
	const char *expected;
	const char *part; /* the number out of range in value, or NULL */
	char limit[96];	  /* room for an expected text made up */
	char name[48];	  /* room for an option's name as typed */
	const struct refused_spec *refused; /* with PARSE_REFUSED */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: scx-run [-0] [-m] [-q] [-X] [-k] [-t] [-u] [-v] "
		   "[-a file] [-C regex]\n"
		   "               [-d delim] [-I str]"
		   " [-j workers] [-L N] [-l[N]] [-N N] [-n N]\n"
		   "               [-s N] [--as-completed]"
		   " [--backend name] [--chunksize N]\n"
		   "               [--delay secs] [--dry-run]"
		   " [--format fmt] [--halt when,what=N]\n"
		   "               [--header str]"
		   " [--if-serial word] [--joblog file]\n"
		   "               [--keep-affinity] [--line-buffer] [--link]"
		   " [--load N]\n"
		   "               [--memfree size] [--pipe | --pipepart] "
		   "[--block size]\n"
		   "               [--cat | --fifo] [--recstart str] "
		   "[--recend str] [--regexp]\n"
		   "               [--round-robin] [--pipe-item] [--plus]"
		   "\n               [--progress[=when]] [--protocol name]\n"
		   "               [--resume | --resume-failed] [--results "
		   "dir] [--retries N]\n"
		   "               [--reuse] [--seq-prefix] [--shell] "
		   "[--spill-after size]\n"
		   "               [--summary] [--tag] [--tagstring str] "
		   "[--timeout secs]\n"
		   "               [--trim how] [--xargs]\n"
		   "               [command [argument ...]] [::: arg ... | "
		   ":::: file ...] ...\n"
		   "       scx-run --info [--backend name] [--format "
		   "text|json] [-j workers]\n"
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
"Runs command once for each item read from stdin (or from the input\n"
"sources), in parallel, and writes each item's output as one block, in\n"
"input order.\n"
"\n"
"Items:\n"
"  ::: ARG ...             after the command: a source of arguments\n"
"  :::: FILE ...           after the command: each FILE a source\n"
"  :::+, ::::+             the same, linked to the source before\n"
"                          several sources: every combination of their\n"
"                          items, the last one varying fastest\n"
"  -a, --input FILE        read items from FILE ('-' is stdin); given\n"
"                          more than once, each is a source (before those\n"
"                          of :::); also --arg-file, --argfile\n"
"      --arg-sep SEP       SEP instead of ::: (also --argsep)\n"
"      --arg-file-sep SEP  SEP instead of :::: (also --argfilesep)\n"
"      --link              link every source (also --xapply)\n"
"  -0, --null              items end with a NUL byte\n"
"  -d, --delimiter C       items end with C: one byte, or one of\n"
"                          \\n \\t \\r \\0 \\\\ \\xHH\n"
"  -C, --colsep REGEX      cut items into columns {1} {2}...\n"
"                          (also --col-sep)\n"
"      --header STR        ':' or a regex: the first item names the\n"
"                          columns, {name} (--pipe: see below)\n"
"      --trim HOW          trim blanks: n (none), l, r, lr or rl\n"
"\n"
"Arguments per job:\n"
"  -n, --max-args N        up to N arguments per job (also --maxargs)\n"
"  -N N                    N arguments per job, {1}..{N}\n"
"                          (also --max-replace-args, --maxreplaceargs)\n"
"  -L N, -l[N]             N items per job (-l: 1); also --max-lines[=N],\n"
"                          --maxlines[=N]\n"
"  -m                      {} takes all of a job's arguments\n"
"  -X                      a word with {} is repeated per argument\n"
"      --xargs             as many arguments as the command line takes\n"
"  -s, --max-chars N       a job's command line at most N bytes\n"
"                          (also --maxchars)\n"
"\n"
"Command:\n"
"  {} {.} {/} {//} {/.}    the item; without extension; basename;\n"
"                          dirname; basename without extension\n"
"  {#} {%%}                 the item's number; the worker slot\n"
"                          without any, the item is the last argument\n"
"  -I STR                  STR instead of {}; also --extensionreplace\n"
"                          (--er) for {.}, --basenamereplace (--bnr) for\n"
"                          {/}, --dirnamereplace (--dnr) for {//},\n"
"                          --basenameextensionreplace (--bner) for {/.},\n"
"                          --seqreplace for {#}, --slotreplace for {%%}\n"
"      --plus              GNU parallel's further replacement strings\n"
"      --shell             run the command as one /bin/sh string; every\n"
"                          substitution is quoted, so items stay data\n"
"  -q, --quote             every word is one argument, never a shell line\n"
"      --pipe-item         give the item (and its delimiter) on the\n"
"                          worker's stdin instead of as an argument\n"
"\n"
"Scheduling:\n"
"  -j, --max-workers N     workers: N, N%% or +N/-N of the usable CPUs;\n"
"                          0: as many as possible; FILE: the count it\n"
"                          holds, read again as items end\n"
"      --jobs N            the same as --max-workers\n"
"  -P, --max-procs N       the same (GNU parallel's; also --maxprocs)\n"
"      --chunksize N       items handed to a worker slot at a time (loky:\n"
"                          items in flight per worker, fixed)\n"
"      --if-serial WORD    raise, warn or ignore when only one worker is\n"
"                          available without an explicit -j 1\n"
"      --backend NAME      multiprocess (default, or $SCX_BACKEND): one\n"
"                          process per item; loky: reusable workers, each\n"
"                          started once and fed items on its stdin; mpi\n"
"\n"
"Blocks of input (one job per block: the block is its stdin, {} is empty,\n"
"{#} the block's number, nothing is appended):\n"
"      --pipe              cut stdin, or one -a FILE, into blocks of whole\n"
"                          records, as GNU parallel cuts them (also\n"
"                          --spreadstdin)\n"
"      --pipepart          cut the regular file -a FILE by seeking; each\n"
"                          part is spliced into its job (also --pipe-part)\n"
"      --block SIZE        about SIZE bytes a block: N, or N with K, M, G, T\n"
"                          (powers of 1024) or k, m, g, t (of 1000), as\n"
"                          GNU's; at most 2G-1; default 1M (--pipepart:\n"
"                          -10); -N: N blocks per job slot of an input of\n"
"                          known size (also --block-size, --blocksize)\n"
"      --recend STR        a record ends with STR (default: a newline, also\n"
"                          with -0; \\0 \\n \\t \\r... are those bytes) ...\n"
"      --recstart STR      ... where the next one begins with STR (default:\n"
"                          empty)\n"
"      --regexp            --recstart and --recend are POSIX extended\n"
"                          regular expressions (also --regex)\n"
"                          -N N: N records a block; -L N: records of N\n"
"                          lines; --header N, : or REGEX: the header is put\n"
"                          at the head of every block\n"
"      --cat               the block is in a temporary file, named by {}\n"
"                          (appended if the command has no {})\n"
"      --fifo              the same with a named pipe the command must open\n"
"      --round-robin       --pipe: one long-running job per slot, each next\n"
"                          block to whichever job can take it (also\n"
"                          --roundrobin, --round)\n"
"\n"
"Reusable workers (--backend=loky):\n"
"      --protocol NAME     how items and answers are framed: line\n"
"                          (default), null, or length (\"LEN\\n\" + bytes)\n"
"      --seq-prefix        send each item as its number, a tab, the item\n"
"\n"
"Failures and resuming:\n"
"      --joblog FILE       log each finished item, as GNU parallel does\n"
"                          (also --jl); +FILE appends, - is stdout\n"
"      --results DIR       store each job's stdout and stderr, not printed,\n"
"                          in DIR/1/ARG/ as GNU parallel does, atomically;\n"
"                          NAME.csv, .tsv, .json: one file of all jobs\n"
"                          (also --result, --res)\n"
"      --files             write each job's stdout to a file in TMPDIR and\n"
"                          print its name (also --output-as-files,\n"
"                          --outputasfiles)\n"
"      --resume            skip items the job log (or --results) has\n"
"      --resume-failed     skip only the items that succeeded there\n"
"                          (also --resumefailed)\n"
"      --retry-failed      run the failed jobs of --joblog FILE again, with\n"
"                          the commands it logged (also --retryfailed)\n"
"      --retries N         run a failing item up to N times in all\n"
"      --timeout SECS      SIGTERM an item's processes after SECS, SIGKILL\n"
"                          2 s later; it fails as timed out; SECS may be\n"
"                          30s, 1m, 2h, 1d, 1h2m, or N%% of the median\n"
"                          run time of the items that succeeded\n"
"      --halt WHEN,WHAT=N  now|soon,fail|success|done=N or N%%: stop\n"
"                          (killing running items, or letting them end);\n"
"                          also 0, 1, 2, -1, -2, N%%; exit status as GNU\n"
"                          parallel's; also --halt-on-error, --haltonerror\n"
"\n"
"The jobs' order and environment:\n"
"      --shuf              run the jobs in a random order (all read first)\n"
"      --nice N            run the workers N nicer (nice -n N)\n"
"      --tmpdir DIR        set $TMPDIR to DIR (also --tempdir)\n"
"      --workdir DIR       run each job in DIR, made if missing; replacement\n"
"                          strings allowed (also --wd, --work-dir)\n"
"\n"
"Throttles (no new item starts while they hold):\n"
"      --delay SECS        at least SECS between two item starts (units:\n"
"                          as --timeout)\n"
"      --memfree SIZE      while available memory is below SIZE\n"
"      --load N            while the 1-minute load average is above N\n"
"                          (N%%, +N, -N: of the CPUs)\n"
"\n"
"MPI (--backend=mpi, under mpiexec; rank 0 hands out the items):\n"
"      --reuse             worker ranks run items with reusable workers\n"
"                          (the loky protocol) instead of a process each\n"
"      --keep-affinity     leave mpiexec's CPU binding to the worker\n"
"                          ranks' items (by default they may use any CPU)\n"
"\n"
"Output:\n"
"      --as-completed      write results as items finish, not in order\n"
"                          (also --no-keep-order, --nokeeporder, --nok,\n"
"                          --no-k)\n"
"  -k, --keep-order        in input order (the default; also --keeporder)\n"
"      --group             each job's output as one block (the default)\n"
"  -u, --ungroup           each job's output as it comes, lines may mix\n"
"      --line-buffer       whole lines as they come, in completion order\n"
"                          (-k: job after job); also --lb, --linebuffer,\n"
"                          --line-buffered, --linebuffered\n"
"      --tag               prefix each output line with the item and a tab\n"
"      --tagstring STR     prefix each output line with STR, its\n"
"                          replacement strings expanded (also --tag-string)\n"
"      --format FMT        raw (default) or jsonl; with --info, text or json\n"
"      --dry-run           print each command instead of running it\n"
"                          (also --dryrun, --dr)\n"
"      --spill-after SIZE  keep up to SIZE (default 8M) of results that\n"
"                          wait for an earlier item in memory, then use a\n"
"                          temporary file\n"
"      --progress[=WHEN]   a progress line on stderr: auto (a terminal;\n"
"                          the default of --progress), always, never\n"
"      --eta, --bar        GNU parallel's ETA view or progress bar on\n"
"                          stderr (also when it is not a terminal)\n"
"  -t                      print each command on stderr as it starts\n"
"  -v, --verbose           print each command first in its job's output\n"
"      --summary           a summary line on stderr at the end\n"
"\n"
"      --info              print the backend, rank, size and master flag\n"
"      --will-cite, --willcite, --nn, --nonotice, --no-notice, --gnu,\n"
"      --plain             GNU parallel's; accepted, change nothing\n"
"  -h, --help              print this help\n"
"  -V, --version           print the version\n"
"\n"
"Exit status: 0 all items succeeded; 1-100 that many failed; 101 more\n"
"than 100 failed; 128+n stopped by signal n; 255 usage or runtime error\n"
"(also GNU parallel's options that scx-run refuses).  See scx-run(1).\n");
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
	/* --halt's words are GNU parallel's. */
	case SCX_NOTICE_JOB_FAILED:
		fprintf(stderr, "%s: This job failed:\n%s\n", progname, detail);
		break;
	case SCX_NOTICE_JOB_SUCCEEDED:
		fprintf(stderr, "%s: This job succeeded:\n%s\n", progname,
			detail);
		break;
	case SCX_NOTICE_JOB_FINISHED:
		fprintf(stderr, "%s: This job finished:\n%s\n", progname,
			detail);
		break;
	case SCX_NOTICE_HALT_WAITING:
		fprintf(stderr,
			"%s: Starting no more jobs. Waiting for %s jobs to "
			"finish.\n",
			progname, detail);
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
			      "(decimal: 2, 0.5, 1e3; or with units: 30s, "
			      "1m, 2h, 1d, 1h2m)";
static const char seconds_range[] = "accepted: 0.001 to 1000000000 "
				    "seconds";
static const char size_text[] = "a size (N, or N with K, M or G)";

/* A count, or GNU parallel's -j FILE: a regular file that holds one. */
static enum parse_status
opt_workers(struct options *o, const char *arg, struct parse_failure *f)
{
	int err = scx_parse_workers(arg, &o->cfg.workers);
	struct stat st;
	unsigned n;

	if (err == 0)
		return PARSE_OK;
	if (err != -ERANGE && stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		err = scx_workers_read_file(arg, scx_cpus_available(), &n);
		if (err != 0)
			return bad_value(f, "--max-workers", arg,
					 err == SCX_EWORKERS
					     ? "a file holding a worker count "
					       "(N, N%, +N, -N or 0)"
					     : "a readable file");
		o->cfg.workers =
		    (struct scx_workers){ SCX_WORKERS_FILE, 0, arg };
		return PARSE_OK;
	}
	return bad_number(f, "--max-workers", arg, err,
			  "a worker count (N, N%, +N or -N; 0: as many as "
			  "possible) or a file holding one",
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
	o->keep_order = false;
	return PARSE_OK;
}

/* -u, --line-buffer and --group (GNU parallel's three ways of showing
 * output): the last one given wins. */
static enum parse_status
opt_ungroup(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.grouping = SCX_UNGROUP;
	return PARSE_OK;
}

static enum parse_status
opt_line_buffer(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.grouping = SCX_LINE_BUFFER;
	return PARSE_OK;
}

static enum parse_status
opt_group(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.grouping = SCX_GROUP;
	return PARSE_OK;
}

/* --tagstring: GNU parallel undoes \t, \n, \r and octal \NNN or \N
 * in it (its unquote_printf()), and so does scx-run. */
static enum parse_status
opt_tagstring(struct options *o, const char *arg, struct parse_failure *f)
{
	char *t = malloc(strlen(arg) + 1), *q;
	const char *p;
	int n, v;

	(void)f;
	if (t == NULL)
		return PARSE_NO_MEMORY;
	/* A NUL byte (\0) cannot be part of a C string: the tag ends
	 * there. */
	for (p = arg, q = t; *p; p++) {
		if (*p != '\\' || p[1] == '\0') {
			*q++ = *p;
			continue;
		}
		if (p[1] == 't' || p[1] == 'n' || p[1] == 'r') {
			*q++ = p[1] == 't' ? '\t' : p[1] == 'n' ? '\n' : '\r';
			p++;
			continue;
		}
		/* \NNN (three octal digits), else \N: one digit, octal
		 * when it is one (\8 and \9 are the digit). */
		for (n = 0, v = 0; n < 3 && p[1 + n] >= '0' && p[1 + n] <= '7';
		     n++)
			v = v * 8 + (p[1 + n] - '0');
		if (n < 3 && p[1] >= '0' && p[1] <= '9') {
			n = 1;
			v = p[1] <= '7' ? p[1] - '0' : p[1];
		} else if (n < 3) {
			*q++ = *p; /* not one of GNU's escapes */
			continue;
		}
		if (v == 0)
			break; /* a NUL ends the tag here */
		*q++ = (char)v;
		p += n;
	}
	*q = '\0';
	free(o->tagstring);
	o->tagstring = t;
	o->cfg.tagstring = t;
	return PARSE_OK;
}

/* --format is checked once --info is known: its formats are others. */
/* -k: GNU parallel's keep-order is scx-run's default; it undoes an
 * earlier --as-completed, as GNU's -k undoes an earlier --no-keep-order. */
static enum parse_status
opt_keep_order(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.order = SCX_ORDER_INPUT;
	o->keep_order = true;
	return PARSE_OK;
}

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

/* GNU parallel's forms: +FILE appends, - is stdout. */
static enum parse_status
opt_joblog(struct options *o, const char *arg, struct parse_failure *f)
{
	o->cfg.joblog_append = arg[0] == '+';
	if (arg[o->cfg.joblog_append] == '\0')
		return bad_value(f, "--joblog", arg,
				 "a file name, +FILE (append) or - (stdout)");
	o->cfg.joblog = arg + o->cfg.joblog_append;
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

/* Seconds (with GNU's units), or GNU's N% of the median run time. */
static enum parse_status
opt_timeout(struct options *o, const char *arg, struct parse_failure *f)
{
	size_t n = strlen(arg);
	char digits[32];
	uint64_t v;
	int err;

	o->cfg.timeout_ms = 0;
	o->cfg.timeout_percent = 0;
	if (n > 1 && arg[n - 1] == '%' && strspn(arg, "0123456789") == n - 1) {
		snprintf(digits, sizeof(digits), "%.*s", (int)(n - 1), arg);
		err = n - 1 < sizeof(digits)
			  ? scx_parse_positive(digits, 1000000, &v)
			  : -ERANGE;
		if (err != 0)
			return bad_number(f, "--timeout", arg, err, seconds,
					  "at most 1000000%");
		o->cfg.timeout_percent = (unsigned)v;
		return PARSE_OK;
	}
	err = scx_parse_seconds(arg, &o->cfg.timeout_ms);
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
			  "(or never, 0, 1, 2, -1, -2, N%)",
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

/* GNU parallel's N%, +N and -N: relative to the CPUs. */
static bool
load_relative(struct options *o, const char *arg)
{
	uint64_t cpus = scx_cpus_available(), v;
	size_t n = strlen(arg);
	char digits[16];
	bool pct = n > 1 && arg[n - 1] == '%',
	     sign = arg[0] == '+' || arg[0] == '-';

	if ((!pct && !sign) || n - pct - sign == 0 ||
	    n - pct - sign >= sizeof(digits) ||
	    strspn(arg + sign, "0123456789") != n - pct - sign)
		return false;
	snprintf(digits, sizeof(digits), "%.*s", (int)(n - pct - sign),
		 arg + sign);
	if (scx_parse_positive(digits, 1000000, &v) != 0)
		return false;
	if (pct)
		o->cfg.load_milli = cpus * v * 10;
	else if (arg[0] == '+')
		o->cfg.load_milli = (cpus + v) * 1000;
	else
		o->cfg.load_milli = v < cpus ? (cpus - v) * 1000 : 0;
	return o->cfg.load_milli > 0;
}

/* A decimal like the seconds of --timeout, in thousandths. */
static enum parse_status
opt_load(struct options *o, const char *arg, struct parse_failure *f)
{
	int err;

	if (load_relative(o, arg))
		return PARSE_OK;
	err = scx_parse_thousandths(arg, (uint64_t)1000000000 * 1000,
				    &o->cfg.load_milli);
	if (err != 0)
		return bad_number(f, "--load", arg, err,
				  "a positive load average (decimal: "
				  "2, 0.5; or N%, +N, -N of the CPUs)",
				  "accepted: 0.001 to 1000000000");
	return PARSE_OK;
}

/* GNU parallel's --nice N, as nice -n N: an integer, -20 to 19. */
static enum parse_status
opt_nice(struct options *o, const char *arg, struct parse_failure *f)
{
	uint64_t v;
	bool neg = arg[0] == '-';
	int err = scx_parse_positive(arg + (neg || arg[0] == '+'), 20, &v);

	if (err == 0 && !neg && v > 19)
		err = -ERANGE;
	if (strcmp(arg, "0") == 0) {
		o->cfg.nice = 0;
		return PARSE_OK;
	}
	if (err != 0)
		return bad_number(f, "--nice", arg, err,
				  "a niceness (an integer, -20 to 19)",
				  "accepted: -20 to 19");
	o->cfg.nice = neg ? -(int)v : (int)v;
	return PARSE_OK;
}

/* --workdir DIR: GNU's "..." (a temporary directory per job, removed
 * after it) is not done; "." is the current directory. */
static enum parse_status
opt_workdir(struct options *o, const char *arg, struct parse_failure *f)
{
	if (arg[0] == '\0' || strcmp(arg, "...") == 0)
		return bad_value(f, "--workdir", arg,
				 "a directory (GNU's '...' is not supported "
				 "yet)");
	o->cfg.workdir = arg;
	return PARSE_OK;
}

/* GNU parallel's --tmpdir DIR is $TMPDIR: for scx-run's temporary files
 * and, as in GNU parallel, for the workers. */
static enum parse_status
opt_tmpdir(struct options *o, const char *arg, struct parse_failure *f)
{
	struct stat st;

	(void)o;
	if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode))
		return bad_value(f, "--tmpdir", arg, "a directory");
	if (setenv("TMPDIR", arg, 1) != 0)
		return PARSE_NO_MEMORY;
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

/* --eta and --bar: GNU parallel's views, drawn on stderr also when it is
 * not a terminal, as GNU parallel draws them; --bar wins over --eta. */
static enum parse_status
opt_eta(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	if (o->cfg.progress_view != SCX_PROGRESS_BAR)
		o->cfg.progress_view = SCX_PROGRESS_ETA;
	return PARSE_OK;
}

static enum parse_status
opt_bar(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.progress_view = SCX_PROGRESS_BAR;
	return PARSE_OK;
}

/* A count of arguments or characters: a positive integer. */
static enum parse_status
opt_count(const char *option, const char *arg, size_t *out,
	  struct parse_failure *f)
{
	uint64_t v;
	int err = scx_parse_positive(arg, SIZE_MAX / 2, &v);

	if (err != 0) {
		snprintf(f->limit, sizeof(f->limit), "at most %zu",
			 SIZE_MAX / 2);
		return bad_number(f, option, arg, err, "a positive integer",
				  f->limit);
	}
	*out = (size_t)v;
	return PARSE_OK;
}

/* -n, -N and -L (GNU parallel's three ways of saying how many arguments
 * a job takes) all give the same limit here.  0, as in GNU parallel, is
 * a job per argument that the command does not get. */
static enum parse_status
opt_args(const char *option, const char *arg, struct options *o,
	 struct parse_failure *f)
{
	enum parse_status st;

	if (arg[0] != '\0' && strspn(arg, "0") == strlen(arg)) {
		o->cfg.max_args = SCX_ARGS_NONE;
		return PARSE_OK;
	}
	st = opt_count(option, arg, &o->cfg.max_args, f);
	if (st == PARSE_BAD_VALUE)
		f->expected = "a whole number (0: none to the command)";
	return st;
}

static enum parse_status
opt_max_args(struct options *o, const char *arg, struct parse_failure *f)
{
	enum parse_status st = opt_args("--max-args", arg, o, f);

	o->pipe_n = o->cfg.max_args;
	return st;
}

static enum parse_status
opt_max_replace_args(struct options *o, const char *arg,
		     struct parse_failure *f)
{
	enum parse_status st = opt_args("--max-replace-args", arg, o, f);

	o->cfg.context = true; /* GNU's ContextReplace */
	o->pipe_n = o->cfg.max_args;
	return st;
}

static enum parse_status
opt_lines(struct options *o, const char *arg, struct parse_failure *f)
{
	enum parse_status st = opt_args("-L", arg, o, f);

	o->lines = true;
	o->pipe_l = o->cfg.max_args;
	return st;
}

/* --block SIZE, as GNU parallel's: a number (a fraction allowed) with k,
 * m, g, t (powers of 1000), K, M, G, T or Ki, Mi... either case (powers of
 * 1024); at most 2G - 1; 0 is the default; -N: N blocks per job slot. */
static enum parse_status
opt_block(struct options *o, const char *arg, struct parse_failure *f)
{
	static const char units[] = "kmgt";
	const char *s = arg[0] == '-' ? arg + 1 : arg, *u;
	double v = 0, scale = 1, frac = 0.1;
	int i;

	f->option = "--block";
	f->value = arg;
	f->expected = "a size: N, or N with k, M, G or T (K, M, G, T: powers "
		      "of 1024; k, m, g, t: of 1000); -N: N blocks per job "
		      "slot";
	if (!isdigit((unsigned char)*s) &&
	    !(*s == '.' && isdigit((unsigned char)s[1])))
		return PARSE_BAD_VALUE;
	for (; isdigit((unsigned char)*s); s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, frac /= 10)
			v += (*s - '0') * frac;
	if (*s != '\0') {
		u = strchr(units, tolower((unsigned char)*s));
		if (u == NULL)
			return PARSE_BAD_VALUE;
		bool binary = isupper((unsigned char)*s) ||
			      tolower((unsigned char)s[1]) == 'i';
		for (i = 0; i <= u - units; i++)
			scale *= binary ? 1024 : 1000;
		s += 1 + (tolower((unsigned char)s[1]) == 'i');
		if (*s != '\0')
			return PARSE_BAD_VALUE;
	}
	v *= scale;
	if (v >= (double)SCX_BLOCK_MAX + 1) {
		error("warning: --block %s is 2G or more: using 2G - 1 "
		      "(2147483647), as GNU parallel",
		      arg);
		v = (double)SCX_BLOCK_MAX;
	}
	o->cfg.pipe.block = arg[0] == '-' ? -(int64_t)v : (int64_t)v;
	if (arg[0] == '-' && o->cfg.pipe.block == 0)
		return PARSE_BAD_VALUE;
	return PARSE_OK;
}

static enum parse_status
opt_max_lines(struct options *o, const char *arg, struct parse_failure *f)
{
	enum parse_status st = PARSE_OK;

	if (arg == NULL || strcmp(arg, "0") == 0)
		o->cfg.max_args = 1;
	else
		st = opt_count("--max-lines", arg, &o->cfg.max_args, f);
	o->pipe_l = o->cfg.max_args;
	return st;
}

static enum parse_status
opt_max_chars(struct options *o, const char *arg, struct parse_failure *f)
{
	return opt_count("--max-chars", arg, &o->cfg.max_chars, f);
}

static enum parse_status
opt_multi_m(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.multi = SCX_MULTI_M;
	return PARSE_OK;
}

static enum parse_status
opt_multi_x(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.multi = SCX_MULTI_X;
	return PARSE_OK;
}

static enum parse_status
opt_xargs(struct options *o, const char *arg, struct parse_failure *f)
{
	(void)arg;
	(void)f;
	o->cfg.multi = SCX_MULTI_XARGS;
	return PARSE_OK;
}

static enum parse_status
opt_trim(struct options *o, const char *arg, struct parse_failure *f)
{
	static const char *const ways[] = { "n", "l", "r", "lr", "rl" };
	size_t i;

	for (i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
		if (strcmp(arg, ways[i]) == 0) {
			o->cfg.trim = ways[i];
			return PARSE_OK;
		}
	return bad_value(f, "--trim", arg, "one of n, l, r, lr, rl");
}

/*
 * The options: each one's long name (NULL for a letter only), what
 * getopt_long knows of its value, its short letter (or 0), and either its
 * parser or, with parse NULL, the field of struct options it sets: a bool
 * for an option without a value, a string (never empty) for one with.
 * getopt_long's table and short-option string are made from it, so an
 * option is added here and nowhere else in the parser.  GNU parallel's
 * other names for an option are entries of their own, each accepted by
 * its whole name only.  tests/bats/docs.bats reads the long names from
 * this table: keep one entry a line, its name first.
 */
struct option_spec {
	const char *name;
	int has_arg;
	int letter;
	enum parse_status (*parse)(struct options *o, const char *arg,
				   struct parse_failure *f);
	size_t field;
};

/* Where a flag's bool, or an option's string, is in struct options. */
#define FLAG(field) offsetof(struct options, field)
#define TEXT(field) offsetof(struct options, field)
#define RS(name)    TEXT(cfg.rs_text[SCX_RS_##name])

static const struct option_spec option_table[] = {
	{ "max-workers", required_argument, 'j', opt_workers, 0 },
	{ "jobs", required_argument, 0, opt_workers, 0 },
	{ "max-procs", required_argument, 'P', opt_workers, 0 },
	{ "maxprocs", required_argument, 0, opt_workers, 0 },
	{ "chunksize", required_argument, 0, opt_chunksize, 0 },
	{ "if-serial", required_argument, 0, opt_if_serial, 0 },
	{ "backend", required_argument, 0, opt_backend, 0 },
	{ "input", required_argument, 'a', opt_input, 0 },
	{ "arg-file", required_argument, 0, opt_input, 0 },
	{ "argfile", required_argument, 0, opt_input, 0 },
	{ "arg-sep", required_argument, 0, NULL, TEXT(arg_sep) },
	{ "argsep", required_argument, 0, NULL, TEXT(arg_sep) },
	{ "arg-file-sep", required_argument, 0, NULL, TEXT(arg_file_sep) },
	{ "argfilesep", required_argument, 0, NULL, TEXT(arg_file_sep) },
	{ "link", no_argument, 0, NULL, FLAG(cfg.link) },
	{ "xapply", no_argument, 0, NULL, FLAG(cfg.link) },
	{ "null", no_argument, '0', opt_null, 0 },
	{ "delimiter", required_argument, 'd', opt_delimiter, 0 },
	{ "colsep", required_argument, 'C', NULL, TEXT(cfg.colsep) },
	{ "col-sep", required_argument, 0, NULL, TEXT(cfg.colsep) },
	{ "header", required_argument, 0, NULL, TEXT(cfg.header) },
	{ "trim", required_argument, 0, opt_trim, 0 },
	{ "max-args", required_argument, 'n', opt_max_args, 0 },
	{ "maxargs", required_argument, 0, opt_max_args, 0 },
	{ "max-replace-args", required_argument, 'N', opt_max_replace_args, 0 },
	{ "maxreplaceargs", required_argument, 0, opt_max_replace_args, 0 },
	{ NULL, required_argument, 'L', opt_lines, 0 },
	{ "max-lines", optional_argument, 'l', opt_max_lines, 0 },
	{ "pipe", no_argument, 0, NULL, FLAG(pipe) },
	{ "spreadstdin", no_argument, 0, NULL, FLAG(pipe) },
	{ "pipepart", no_argument, 0, NULL, FLAG(pipepart) },
	{ "pipe-part", no_argument, 0, NULL, FLAG(pipepart) },
	{ "block", required_argument, 0, opt_block, 0 },
	{ "block-size", required_argument, 0, opt_block, 0 },
	{ "blocksize", required_argument, 0, opt_block, 0 },
	{ "recstart", required_argument, 0, NULL, TEXT(cfg.pipe.recstart) },
	{ "recend", required_argument, 0, NULL, TEXT(cfg.pipe.recend) },
	{ "regexp", no_argument, 0, NULL, FLAG(cfg.pipe.regexp) },
	{ "regex", no_argument, 0, NULL, FLAG(cfg.pipe.regexp) },
	{ "cat", no_argument, 0, NULL, FLAG(cat) },
	{ "fifo", no_argument, 0, NULL, FLAG(fifo) },
	{ "round-robin", no_argument, 0, NULL, FLAG(cfg.pipe.round_robin) },
	{ "roundrobin", no_argument, 0, NULL, FLAG(cfg.pipe.round_robin) },
	{ "round", no_argument, 0, NULL, FLAG(cfg.pipe.round_robin) },
	{ "maxlines", optional_argument, 0, opt_max_lines, 0 },
	{ NULL, no_argument, 'm', opt_multi_m, 0 },
	{ NULL, no_argument, 'X', opt_multi_x, 0 },
	{ "xargs", no_argument, 0, opt_xargs, 0 },
	{ "max-chars", required_argument, 's', opt_max_chars, 0 },
	{ "maxchars", required_argument, 0, opt_max_chars, 0 },
	{ "plus", no_argument, 0, NULL, FLAG(cfg.plus) },
	{ NULL, required_argument, 'I', NULL, RS(ITEM) },
	{ "extensionreplace", required_argument, 0, NULL, RS(NOEXT) },
	{ "er", required_argument, 0, NULL, RS(NOEXT) },
	{ "basenamereplace", required_argument, 0, NULL, RS(BASE) },
	{ "bnr", required_argument, 0, NULL, RS(BASE) },
	{ "dirnamereplace", required_argument, 0, NULL, RS(DIR) },
	{ "dnr", required_argument, 0, NULL, RS(DIR) },
	{ "basenameextensionreplace", required_argument, 0, NULL,
	  RS(BASENOEXT) },
	{ "bner", required_argument, 0, NULL, RS(BASENOEXT) },
	{ "seqreplace", required_argument, 0, NULL, RS(SEQ) },
	{ "slotreplace", required_argument, 0, NULL, RS(SLOT) },
	{ "quote", no_argument, 'q', NULL, FLAG(cfg.quote) },
	{ "as-completed", no_argument, 0, opt_as_completed, 0 },
	{ "keep-order", no_argument, 'k', opt_keep_order, 0 },
	{ "keeporder", no_argument, 0, opt_keep_order, 0 },
	{ "no-keep-order", no_argument, 0, opt_as_completed, 0 },
	{ "nokeeporder", no_argument, 0, opt_as_completed, 0 },
	{ "nok", no_argument, 0, opt_as_completed, 0 },
	{ "no-k", no_argument, 0, opt_as_completed, 0 },
	{ "group", no_argument, 0, opt_group, 0 },
	{ "ungroup", no_argument, 'u', opt_ungroup, 0 },
	{ "line-buffer", no_argument, 0, opt_line_buffer, 0 },
	{ "line-buffered", no_argument, 0, opt_line_buffer, 0 },
	{ "linebuffer", no_argument, 0, opt_line_buffer, 0 },
	{ "linebuffered", no_argument, 0, opt_line_buffer, 0 },
	{ "lb", no_argument, 0, opt_line_buffer, 0 },
	{ "tag", no_argument, 0, NULL, FLAG(cfg.tag) },
	{ "tagstring", required_argument, 0, opt_tagstring, 0 },
	{ "tag-string", required_argument, 0, opt_tagstring, 0 },
	{ "format", required_argument, 0, opt_format, 0 },
	{ "shell", no_argument, 0, NULL, FLAG(cfg.shell) },
	{ "pipe-item", no_argument, 0, NULL, FLAG(cfg.pipe_item) },
	{ "info", no_argument, 0, NULL, FLAG(info) },
	{ "dry-run", no_argument, 0, NULL, FLAG(cfg.dry_run) },
	{ "dryrun", no_argument, 0, NULL, FLAG(cfg.dry_run) },
	{ "dr", no_argument, 0, NULL, FLAG(cfg.dry_run) },
	{ "protocol", required_argument, 0, opt_protocol, 0 },
	{ "seq-prefix", no_argument, 0, NULL, FLAG(cfg.seq_prefix) },
	{ "reuse", no_argument, 0, NULL, FLAG(cfg.reuse) },
	{ "keep-affinity", no_argument, 0, NULL, FLAG(cfg.keep_affinity) },
	{ "joblog", required_argument, 0, opt_joblog, 0 },
	{ "jl", required_argument, 0, opt_joblog, 0 },
	{ "resume", no_argument, 0, opt_resume, 0 },
	{ "retry-failed", no_argument, 0, NULL, FLAG(retry_failed) },
	{ "retryfailed", no_argument, 0, NULL, FLAG(retry_failed) },
	{ "resume-failed", no_argument, 0, opt_resume_failed, 0 },
	{ "resumefailed", no_argument, 0, opt_resume_failed, 0 },
	{ "results", required_argument, 0, opt_results, 0 },
	{ "result", required_argument, 0, opt_results, 0 },
	{ "res", required_argument, 0, opt_results, 0 },
	{ "files", no_argument, 0, NULL, FLAG(cfg.files) },
	{ "output-as-files", no_argument, 0, NULL, FLAG(cfg.files) },
	{ "outputasfiles", no_argument, 0, NULL, FLAG(cfg.files) },
	{ "retries", required_argument, 0, opt_retries, 0 },
	{ "timeout", required_argument, 0, opt_timeout, 0 },
	{ "halt", required_argument, 0, opt_halt, 0 },
	{ "halt-on-error", required_argument, 0, opt_halt, 0 },
	{ "haltonerror", required_argument, 0, opt_halt, 0 },
	{ "spill-after", required_argument, 0, opt_spill_after, 0 },
	{ "delay", required_argument, 0, opt_delay, 0 },
	{ "memfree", required_argument, 0, opt_memfree, 0 },
	{ "load", required_argument, 0, opt_load, 0 },
	{ "progress", optional_argument, 0, opt_progress, 0 },
	{ "eta", no_argument, 0, opt_eta, 0 },
	{ "bar", no_argument, 0, opt_bar, 0 },
	{ NULL, no_argument, 't', NULL, FLAG(cfg.trace) },
	{ "verbose", no_argument, 'v', NULL, FLAG(cfg.verbose) },
	{ "summary", no_argument, 0, NULL, FLAG(summary) },
	{ "nice", required_argument, 0, opt_nice, 0 },
	{ "shuf", no_argument, 0, NULL, FLAG(cfg.shuf) },
	{ "tmpdir", required_argument, 0, opt_tmpdir, 0 },
	{ "tempdir", required_argument, 0, opt_tmpdir, 0 },
	{ "workdir", required_argument, 0, opt_workdir, 0 },
	{ "work-dir", required_argument, 0, opt_workdir, 0 },
	{ "wd", required_argument, 0, opt_workdir, 0 },
	/* GNU parallel's options that change nothing here: scx-run prints
	 * no citation notice and reads no profile. */
	{ "will-cite", no_argument, 0, NULL, FLAG(ignored) },
	{ "willcite", no_argument, 0, NULL, FLAG(ignored) },
	{ "nn", no_argument, 0, NULL, FLAG(ignored) },
	{ "nonotice", no_argument, 0, NULL, FLAG(ignored) },
	{ "no-notice", no_argument, 0, NULL, FLAG(ignored) },
	{ "gnu", no_argument, 0, NULL, FLAG(ignored) },
	{ "plain", no_argument, 0, NULL, FLAG(ignored) },
	{ "help", no_argument, 'h', NULL, FLAG(help) },
	{ "version", no_argument, 'V', NULL, FLAG(version) },
};

#undef FLAG
#undef TEXT
#undef RS

#define NOPTIONS (sizeof(option_table) / sizeof(option_table[0]))

/* Why scx-run refuses one of GNU parallel's options. */
enum refusal {
	NOT_YET, /* it may come: not supported yet */
	REMOTE,	 /* ssh and remote hosts: scx-run has MPI instead */
	RETIRED, /* GNU parallel itself has retired it */
	PERL,	 /* it takes Perl code: scx-run runs no Perl */
};

/*
 * GNU parallel's options that scx-run does not have (all of the names
 * in the GetOptions table of parallel 20221122 that are not above), so
 * that each is refused by its name, with what scx-run offers instead
 * where it has something.  The README's "Options scx-run refuses" and
 * the man page list them.
 */
struct refused_spec {
	const char *name; /* NULL: a letter only */
	int letter;
	enum refusal why;
	const char *hint; /* NULL, or what to use instead */
};

static const char hint_info[] = "scx-run --info prints the workers";

static const struct refused_spec refused_table[] = {
	/* Remote hosts. */
	{ "sshlogin", 'S', REMOTE, NULL },
	{ "sshloginfile", 0, REMOTE, NULL },
	{ "slf", 0, REMOTE, NULL },
	{ "onall", 0, REMOTE, NULL },
	{ "nonall", 0, REMOTE, NULL },
	{ "filter-hosts", 0, REMOTE, NULL },
	{ "filterhosts", 0, REMOTE, NULL },
	{ "filter-host", 0, REMOTE, NULL },
	{ "controlmaster", 'M', REMOTE, NULL },
	{ "ssh", 0, REMOTE, NULL },
	{ "ssh-delay", 0, REMOTE, NULL },
	{ "sshdelay", 0, REMOTE, NULL },
	{ "transfer-file", 0, REMOTE, NULL },
	{ "transferfile", 0, REMOTE, NULL },
	{ "transfer-files", 0, REMOTE, NULL },
	{ "transferfiles", 0, REMOTE, NULL },
	{ "tf", 0, REMOTE, NULL },
	{ "return", 0, REMOTE, NULL },
	{ "trc", 0, REMOTE, NULL },
	{ "transfer", 0, REMOTE, NULL },
	{ "cleanup", 0, REMOTE, NULL },
	{ "basefile", 0, REMOTE, NULL },
	{ "bf", 0, REMOTE, NULL },
	{ "rsync-opts", 0, REMOTE, NULL },
	{ "rsyncopts", 0, REMOTE, NULL },
	{ "hgrp", 0, REMOTE, NULL },
	{ "hostgrp", 0, REMOTE, NULL },
	{ "hostgroup", 0, REMOTE, NULL },
	{ "hostgroups", 0, REMOTE, NULL },
	/* Perl code. */
	{ "rpl", 0, PERL, NULL },
	{ "parens", 0, PERL, NULL },
	{ "filter", 0, PERL, NULL },
	/* Retired by GNU parallel. */
	{ NULL, 'g', RETIRED, NULL },
	{ NULL, 'U', RETIRED, "use --er" },
	{ NULL, 'B', RETIRED, NULL },
	{ NULL, 'W', RETIRED, NULL },
	{ NULL, 'T', RETIRED, NULL },
	{ NULL, 'H', RETIRED, NULL },
	{ NULL, 'Y', RETIRED, NULL },
	{ "sql", 0, RETIRED, NULL },
	{ "ctrl-c", 0, RETIRED, NULL },
	{ "ctrlc", 0, RETIRED, NULL },
	{ "no-ctrl-c", 0, RETIRED, NULL },
	{ "no-ctrlc", 0, RETIRED, NULL },
	{ "noctrlc", 0, RETIRED, NULL },
	{ "tollef", 0, RETIRED, NULL },
	/* Output. */
	{ "latest-line", 0, NOT_YET, NULL },
	{ "latestline", 0, NOT_YET, NULL },
	{ "ll", 0, NOT_YET, NULL },
	{ "ctag", 0, NOT_YET, NULL },
	{ "ctag-string", 0, NOT_YET, NULL },
	{ "ctagstring", 0, NOT_YET, NULL },
	{ "color", 0, NOT_YET, NULL },
	{ "colour", 0, NOT_YET, NULL },
	{ "color-failed", 0, NOT_YET, NULL },
	{ "colour-failed", 0, NOT_YET, NULL },
	{ "colorfailed", 0, NOT_YET, NULL },
	{ "colourfailed", 0, NOT_YET, NULL },
	{ "color-fail", 0, NOT_YET, NULL },
	{ "colour-fail", 0, NOT_YET, NULL },
	{ "colorfail", 0, NOT_YET, NULL },
	{ "colourfail", 0, NOT_YET, NULL },
	{ "cf", 0, NOT_YET, NULL },
	{ "tmux", 0, NOT_YET, NULL },
	{ "tmux-pane", 0, NOT_YET, NULL },
	{ "tmuxpane", 0, NOT_YET, NULL },
	{ "total-jobs", 0, NOT_YET, NULL },
	{ "totaljobs", 0, NOT_YET, NULL },
	{ "total", 0, NOT_YET, NULL },
	{ "silent", 0, NOT_YET, NULL },
	{ "debug", 'D', NOT_YET, NULL },
	/* Block mode (--pipe). */
	{ "block-timeout", 0, NOT_YET, NULL },
	{ "blocktimeout", 0, NOT_YET, NULL },
	{ "bt", 0, NOT_YET, NULL },
	{ "remove-rec-sep", 0, NOT_YET, NULL },
	{ "removerecsep", 0, NOT_YET, NULL },
	{ "rrs", 0, NOT_YET, NULL },
	{ "tee", 0, NOT_YET, NULL },
	{ "shard", 0, NOT_YET, NULL },
	{ "bin", 0, NOT_YET, NULL },
	{ "group-by", 0, NOT_YET, NULL },
	{ "groupby", 0, NOT_YET, NULL },
	/* Input. */
	{ "csv", 0, NOT_YET, "--colsep splits columns" },
	{ "skip-first-line", 0, NOT_YET, NULL },
	{ "skipfirstline", 0, NOT_YET, NULL },
	{ "linkinputsource", 0, NOT_YET, "use :::+ or --link" },
	{ "xapplyinputsource", 0, NOT_YET, "use :::+ or --link" },
	{ "no-run-if-empty", 'r', NOT_YET, NULL },
	{ "norunifempty", 0, NOT_YET, NULL },
	{ "replace", 'i', NOT_YET, "use -I" },
	{ NULL, 'E', NOT_YET, NULL },
	{ "eof", 'e', NOT_YET, NULL },
	{ "shebang", 0, NOT_YET, NULL },
	{ "hashbang", 0, NOT_YET, NULL },
	{ "_pipe-means-argfiles", 0, NOT_YET, NULL },
	/* Scheduling and failures. */
	{ "term-seq", 0, NOT_YET, "--timeout sends SIGTERM, then SIGKILL" },
	{ "termseq", 0, NOT_YET, "--timeout sends SIGTERM, then SIGKILL" },
	{ "memsuspend", 0, NOT_YET, "--memfree holds back new items" },
	{ "noswap", 0, NOT_YET, "--memfree holds back new items" },
	{ "limit", 0, NOT_YET, NULL },
	{ "interactive", 'p', NOT_YET, NULL },
	{ "exit", 'x', NOT_YET, NULL },
	{ "process-slot-var", 0, NOT_YET, "workers see SCX_SLOT" },
	{ "processslotvar", 0, NOT_YET, "workers see SCX_SLOT" },
	{ "use-sockets-instead-of-threads", 0, NOT_YET, NULL },
	{ "usesocketsinsteadofthreads", 0, NOT_YET, NULL },
	{ "use-cores-instead-of-threads", 0, NOT_YET, NULL },
	{ "usecoresinsteadofthreads", 0, NOT_YET, NULL },
	{ "use-cpus-instead-of-cores", 0, NOT_YET, NULL },
	{ "usecpusinsteadofcores", 0, NOT_YET, NULL },
	/* The environment of jobs. */
	{ "env", 0, NOT_YET, NULL },
	{ "recordenv", 0, NOT_YET, NULL },
	{ "record-env", 0, NOT_YET, NULL },
	{ "session", 0, NOT_YET, NULL },
	{ "open-tty", 'o', NOT_YET, NULL },
	{ "tty", 0, NOT_YET, NULL },
	{ "template", 0, NOT_YET, NULL },
	{ "tmpl", 0, NOT_YET, NULL },
	{ "compress", 0, NOT_YET, NULL },
	{ "use-compress-program", 0, NOT_YET, NULL },
	{ "compress-program", 0, NOT_YET, NULL },
	{ "usecompressprogram", 0, NOT_YET, NULL },
	{ "compressprogram", 0, NOT_YET, NULL },
	{ "use-decompress-program", 0, NOT_YET, NULL },
	{ "decompress-program", 0, NOT_YET, NULL },
	{ "usedecompressprogram", 0, NOT_YET, NULL },
	{ "decompressprogram", 0, NOT_YET, NULL },
	/* Semaphores and other modes. */
	{ "semaphore", 0, NOT_YET, NULL },
	{ "semaphore-timeout", 0, NOT_YET, NULL },
	{ "semaphoretimeout", 0, NOT_YET, NULL },
	{ "st", 0, NOT_YET, NULL },
	{ "semaphore-name", 0, NOT_YET, NULL },
	{ "semaphorename", 0, NOT_YET, NULL },
	{ "id", 0, NOT_YET, NULL },
	{ "fg", 0, NOT_YET, NULL },
	{ "bg", 0, NOT_YET, NULL },
	{ "wait", 0, NOT_YET, NULL },
	{ "sql-master", 0, NOT_YET, NULL },
	{ "sqlmaster", 0, NOT_YET, NULL },
	{ "sql-worker", 0, NOT_YET, NULL },
	{ "sqlworker", 0, NOT_YET, NULL },
	{ "sql-and-worker", 0, NOT_YET, NULL },
	{ "sqlandworker", 0, NOT_YET, NULL },
	{ "profile", 'J', NOT_YET, NULL },
	{ "embed", 0, NOT_YET, NULL },
	{ "_parset", 0, NOT_YET, NULL },
	{ "_test", 0, NOT_YET, NULL },
	/* What GNU parallel prints about itself and the system. */
	{ "shell-quote", 0, NOT_YET, NULL },
	{ "shellquote", 0, NOT_YET, NULL },
	{ "shell_quote", 0, NOT_YET, NULL },
	{ "shell-completion", 0, NOT_YET, "see completions/scx-run.bash" },
	{ "shellcompletion", 0, NOT_YET, "see completions/scx-run.bash" },
	{ "number-of-cpus", 0, NOT_YET, hint_info },
	{ "numberofcpus", 0, NOT_YET, hint_info },
	{ "number-of-sockets", 0, NOT_YET, hint_info },
	{ "numberofsockets", 0, NOT_YET, hint_info },
	{ "number-of-cores", 0, NOT_YET, hint_info },
	{ "numberofcores", 0, NOT_YET, hint_info },
	{ "number-of-threads", 0, NOT_YET, hint_info },
	{ "numberofthreads", 0, NOT_YET, hint_info },
	{ "max-line-length-allowed", 0, NOT_YET, NULL },
	{ "maxlinelengthallowed", 0, NOT_YET, NULL },
	{ "show-limits", 0, NOT_YET, NULL },
	{ "showlimits", 0, NOT_YET, NULL },
	{ "min-version", 0, NOT_YET, NULL },
	{ "minversion", 0, NOT_YET, NULL },
	{ "bug", 0, NOT_YET, NULL },
};

#define NREFUSED (sizeof(refused_table) / sizeof(refused_table[0]))

/* What getopt_long returns for the long form of option_table[i] and of
 * refused_table[i]; a short form returns its letter. */
#define OPTION_VAL(i)  (256 + (int)(i))
#define REFUSED_VAL(i) (256 + (int)NOPTIONS + (int)(i))

/* Room for getopt_long's tables. */
#define NLONGS	(NOPTIONS + NREFUSED)
#define NSHORTS (3 * NLONGS + 3)

/* Adds @letter (unless 0) to the short-option string @shorts at *@n. */
static void
add_short(char *shorts, size_t *n, int letter, int has_arg)
{
	if (letter == 0)
		return;
	shorts[(*n)++] = (char)letter;
	if (has_arg != no_argument)
		shorts[(*n)++] = ':';
	if (has_arg == optional_argument)
		shorts[(*n)++] = ':';
}

/* getopt_long's table and short-option string, from option_table and
 * refused_table: @longs has NLONGS + 1 entries, @shorts NSHORTS bytes.
 * The string begins "+:": stop at the command word, and say ':' for a
 * value missing.  A refused option takes an optional value, so that it is
 * refused by its name however it is written. */
static void
getopt_tables(struct option *longs, char *shorts)
{
	size_t i, k = 0, n = 0;

	shorts[n++] = '+';
	shorts[n++] = ':';
	for (i = 0; i < NOPTIONS; i++) {
		const struct option_spec *s = &option_table[i];

		if (s->name)
			longs[k++] = (struct option){ s->name, s->has_arg, NULL,
						      OPTION_VAL(i) };
		add_short(shorts, &n, s->letter, s->has_arg);
	}
	for (i = 0; i < NREFUSED; i++) {
		const struct refused_spec *r = &refused_table[i];

		if (r->name)
			longs[k++] =
			    (struct option){ r->name, optional_argument, NULL,
					     REFUSED_VAL(i) };
		add_short(shorts, &n, r->letter, optional_argument);
	}
	shorts[n] = '\0';
	longs[k] = (struct option){ NULL, 0, NULL, 0 };
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

/* The refused option getopt_long's answer @c stands for, or NULL. */
static const struct refused_spec *
refused_of(int c)
{
	size_t i;

	if (c >= REFUSED_VAL(0) && c < REFUSED_VAL(NREFUSED))
		return &refused_table[c - REFUSED_VAL(0)];
	for (i = 0; i < NREFUSED; i++)
		if (c != 0 && refused_table[i].letter == c)
			return &refused_table[i];
	return NULL;
}

/* The option as the user wrote it, for messages: the long word @word up
 * to its '=', or the letter @letter as "-X". */
static const char *
typed_option(const char *word, int letter, char *buf, size_t size)
{
	if (strncmp(word, "--", 2) == 0)
		snprintf(buf, size, "%.*s", (int)strcspn(word, "="), word);
	else
		snprintf(buf, size, "-%c", letter);
	return buf;
}

/* Whether @s is decimal digits. */
static bool
all_digits(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* Applies option @s with value @arg (NULL: none) to @o. */
static enum parse_status
apply_option(struct options *o, const struct option_spec *s, const char *arg,
	     const char *typed, struct parse_failure *f)
{
	if (s->parse)
		return s->parse(o, arg, f);
	if (s->has_arg == no_argument) {
		*(bool *)((char *)o + s->field) = true;
		return PARSE_OK;
	}
	if (arg[0] == '\0') {
		snprintf(f->name, sizeof(f->name), "%s", typed);
		return bad_value(f, f->name, arg, "a non-empty string");
	}
	*(const char **)((char *)o + s->field) = arg;
	return PARSE_OK;
}

/* Handles getopt_long's answer @c for the word @word, whose long option
 * (if it is one) is @lopt.  @optbuf receives the option's name for the
 * messages of refusals. */
static enum parse_status
parse_option(struct options *o, int c, int argc, char **argv, const char *word,
	     const struct option *lopt, struct parse_failure *f, char *optbuf,
	     size_t optsize)
{
	const struct option_spec *s = option_of(c);
	const char *typed, *arg = optarg;
	size_t len = strcspn(word, "=");

	typed = typed_option(word, c < 256 ? c : 0, optbuf, optsize);
	/* getopt_long takes an unambiguous prefix of a name: refuse it. */
	if (lopt && strncmp(word, "--", 2) == 0 &&
	    (strlen(lopt->name) != len - 2 ||
	     strncmp(lopt->name, word + 2, len - 2) != 0)) {
		f->value = typed;
		return PARSE_UNKNOWN;
	}
	if (s == NULL) {
		f->value = typed;
		f->refused = refused_of(c);
		return f->refused ? PARSE_REFUSED : PARSE_UNKNOWN;
	}
	/* -l and --max-lines take an optional number, also as the next
	 * word, as GNU parallel's do. */
	if (s->parse == opt_max_lines && s->has_arg == optional_argument &&
	    arg == NULL && optind < argc && all_digits(argv[optind]))
		arg = argv[optind++];
	return apply_option(o, s, arg, typed, f);
}

/* Says why getopt_long refused the word @word (@c: '?' or ':'). */
static enum parse_status
getopt_failure(int c, const char *word, struct parse_failure *f, char *optbuf,
	       size_t optsize)
{
	const char *typed = typed_option(word, optopt, optbuf, optsize);
	size_t i;

	if (c == ':') {
		f->option = typed;
		return PARSE_MISSING_ARG;
	}
	f->value = typed;
	if (strncmp(word, "--", 2) == 0 && strchr(word, '='))
		for (i = 0; i < NOPTIONS; i++)
			if (option_table[i].name &&
			    strcmp(option_table[i].name, typed + 2) == 0) {
				f->option = typed;
				return PARSE_UNWANTED_ARG;
			}
	return PARSE_UNKNOWN;
}

/* The options, up to the command word. */
static enum parse_status
parse_options(struct options *o, int argc, char **argv, struct parse_failure *f,
	      char *optbuf, size_t optsize)
{
	struct option longs[NLONGS + 1];
	char shorts[NSHORTS];
	enum parse_status st;
	const char *word;
	int c, at, li;

	getopt_tables(longs, shorts);
	opterr = 0;
	for (;;) {
		/* The word getopt_long is about to read (optind 0 restarts
		 * it at argv[1]). */
		at = optind == 0 ? 1 : optind;
		word = at < argc ? argv[at] : "";
		li = -1;
		c = getopt_long(argc, argv, shorts, longs, &li);
		if (c == -1)
			return PARSE_OK;
		if (c == '?' || c == ':')
			return getopt_failure(c, word, f, optbuf, optsize);
		st = parse_option(o, c, argc, argv, word,
				  li >= 0 ? &longs[li] : NULL, f, optbuf,
				  optsize);
		if (st != PARSE_OK)
			return st;
	}
}

/* The kind of source the word @w begins: 0 none, 1 arguments (:::), 2
 * files (::::); *@linked says it had a '+'. */
static int
separator_kind(const struct options *o, const char *w, bool *linked)
{
	const char *seps[2] = { o->arg_sep ? o->arg_sep : ":::",
				o->arg_file_sep ? o->arg_file_sep : "::::" };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(seps[i]);
		if (strncmp(w, seps[i], n) == 0 &&
		    (w[n] == '\0' || (w[n] == '+' && w[n + 1] == '\0'))) {
			*linked = w[n] == '+';
			return (int)i + 1;
		}
	}
	return 0;
}

/* Adds one source to o->sources, which has room for it. */
static void
add_source(struct options *o, const char *const *args, size_t nargs,
	   const char *path, bool linked)
{
	o->sources[o->nsources++] =
	    (struct scx_input_source){ args, nargs, path, linked };
}

/*
 * GNU parallel's input sources: the -a files first (as GNU parallel
 * orders them), then those after the command: "::: w1 w2" is one source
 * of arguments, ":::: f1 f2" one source per file, and their "+" forms mark
 * the sources they give as linked to the one before.  Without any,
 * stdin is the only source (cfg.inputs stays empty either way).
 */
static enum parse_status
collect_sources(struct options *o, char **argv, int from, int argc)
{
	int i = from, end, kind;
	bool linked = false, next_linked;
	size_t k;

	while (i < argc && separator_kind(o, argv[i], &linked) == 0)
		i++;
	o->cfg.argv = argv + from;
	o->cfg.argc = (size_t)(i - from);
	if (i == argc && o->ninputs == 0)
		return PARSE_OK;
	o->sources =
	    calloc(o->ninputs + (size_t)(argc - i) + 1, sizeof(*o->sources));
	if (o->sources == NULL)
		return PARSE_NO_MEMORY;
	for (k = 0; k < o->ninputs; k++)
		add_source(o, NULL, 0, o->inputs[k], false);
	for (; i < argc; i = end) {
		kind = separator_kind(o, argv[i], &linked);
		for (end = i + 1; end < argc; end++)
			if (separator_kind(o, argv[end], &next_linked) != 0)
				break;
		if (kind == 1)
			add_source(o, (const char *const *)argv + i + 1,
				   (size_t)(end - i - 1), NULL, linked);
		for (k = (size_t)i + 1; kind == 2 && k < (size_t)end; k++)
			add_source(o, NULL, 0, argv[k], linked);
		/* ":::: " with no file is a source with no arguments. */
		if (kind == 2 && end == i + 1)
			add_source(o, (const char *const *)argv + end, 0, NULL,
				   linked);
	}
	/* The first source has none before it to be linked to. */
	o->sources[0].linked = false;
	o->cfg.sources = o->sources;
	o->cfg.nsources = o->nsources;
	return PARSE_OK;
}

static enum parse_status
parse_args(struct options *o, int argc, char **argv, struct parse_failure *f,
	   char *optbuf, size_t optsize)
{
	enum parse_status st = parse_options(o, argc, argv, f, optbuf, optsize);

	if (st != PARSE_OK)
		return st;
	return collect_sources(o, argv, optind, argc);
}

/* What parse_args() allocated. */
static void
options_free(struct options *o)
{
	free(o->inputs);
	free(o->sources);
	free(o->part_files);
	free(o->tagstring);
	if (o->retry_fd >= 0)
		close(o->retry_fd);
}

static bool
write_whole(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The commands of the job log, NUL-separated, in a file of their own
 * (memory), which becomes the only source.  @return false when it
 * cannot be made (said). */
static bool
retry_source(struct options *o, const char *cmds, size_t len)
{
	struct scx_input_source *s = calloc(1, sizeof(*s));

	o->retry_fd = memfd_create("scx-retry-failed", MFD_CLOEXEC);
	if (s == NULL || o->retry_fd < 0 ||
	    !write_whole(o->retry_fd, cmds, len)) {
		error("--retry-failed: cannot keep the job log's commands: %s",
		      strerror(s == NULL ? ENOMEM : errno));
		free(s);
		return false;
	}
	snprintf(o->retry_path, sizeof(o->retry_path), "/dev/fd/%d",
		 o->retry_fd);
	*s = (struct scx_input_source){ NULL, 0, o->retry_path, false };
	free(o->sources);
	o->sources = s;
	o->nsources = 1;
	o->ninputs = 0;
	o->cfg.sources = s;
	o->cfg.nsources = 1;
	return true;
}

/*
 * --retry-failed, as GNU parallel: the jobs of --joblog FILE that failed
 * run again, each the command the log has for it, with its number; those
 * that succeeded are skipped, and the log is added to.  The command and
 * the sources of the command line are not used.  A log that does not
 * exist yet leaves the run as it is (GNU parallel then starts one).
 * @return false when it cannot be done (said).
 */
static bool
apply_retry_failed(struct options *o)
{
	const char *log = o->cfg.joblog;
	uint64_t count, line;
	char *cmds = NULL;
	size_t len;
	bool ok;
	int err;

	if (!o->retry_failed)
		return true;
	if (log == NULL || strcmp(log, "-") == 0) {
		error(
		    "--retry-failed needs --joblog FILE: the log whose failed "
		    "jobs run again");
		return false;
	}
	err = scx_joblog_commands(log, &cmds, &len, &count, &line);
	if (err == -ENOENT)
		return true;
	if (err != 0) {
		if (err == SCX_EJOBLOG && line > 0)
			error(
			    "--retry-failed: --joblog '%s': line %llu is not a "
			    "job log line",
			    log, (unsigned long long)line);
		else
			error("--retry-failed: --joblog '%s': %s", log,
			      err == SCX_EJOBLOG ? "a Seq far beyond its lines"
						 : scx_strerror(err));
		return false;
	}
	ok = retry_source(o, cmds, len);
	free(cmds);
	o->cfg.argc = 0;
	o->cfg.delimiter = '\0';
	o->cfg.resume = SCX_RESUME_FAILED;
	return ok;
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

/* --summary: what the run did, on one line of stderr at its end. */
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

/* The first {= ... =} of the command, as GNU parallel reads it (the
 * words joined by blanks), into @buf. */
static const char *
perl_string(const struct scx_config *cfg, char *buf, size_t size)
{
	const char *from, *to;
	size_t i, n = 0;
	char *line;

	for (i = 0; i < cfg->argc; i++)
		n += strlen(cfg->argv[i]) + 1;
	line = calloc(1, n + 1);
	if (line == NULL)
		return "{= =}";
	for (i = 0; i < cfg->argc; i++) {
		if (i > 0)
			strcat(line, " ");
		strcat(line, cfg->argv[i]);
	}
	from = strstr(line, "{");
	while (from != NULL && from[strspn(from + 1, "0123456789-") + 1] != '=')
		from = strchr(from + 1, '{');
	to = from ? strstr(from + 1, "=}") : NULL;
	snprintf(buf, size, "%.*s", to ? (int)(to + 2 - from) : 5,
		 to ? from : "{= =}");
	free(line);
	return buf;
}

static void
report_run_error(struct scx_run *run, int err, const struct options *o)
{
	const char *detail = scx_run_error_detail(run);
	char rs[256];

	if (err == SCX_EPERL)
		error("%s: a Perl expression, and scx-run runs no Perl (the "
		      "--plus strings cover most of what it does)",
		      perl_string(&o->cfg, rs, sizeof(rs)));
	else if (err == SCX_ENOCMD)
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

/* Whether the run reads standard input: no source at all, or "-" as a
 * file of one. */
static bool
reads_stdin(const struct options *o)
{
	size_t i;

	for (i = 0; i < o->nsources; i++)
		if (o->sources[i].path && strcmp(o->sources[i].path, "-") == 0)
			return true;
	for (i = 0; i < o->ninputs; i++)
		if (strcmp(o->inputs[i], "-") == 0)
			return true;
	return o->ninputs == 0 && o->nsources == 0;
}

/* Says why GNU parallel's option @typed is refused. */
static void
report_refused(const char *typed, const struct refused_spec *r)
{
	switch (r->why) {
	case REMOTE:
		error("GNU parallel's %s is not supported: to run on other "
		      "hosts, use mpiexec ... %s --backend=mpi",
		      typed, progname);
		return;
	case RETIRED:
		error("GNU parallel's %s is not supported (GNU parallel has "
		      "retired it%s%s)",
		      typed, r->hint ? "; " : "", r->hint ? r->hint : "");
		return;
	case PERL:
		error("GNU parallel's %s is not supported: it takes Perl code, "
		      "and %s runs no Perl",
		      typed, progname);
		return;
	case NOT_YET:
	default:
		error("GNU parallel's %s is not supported yet%s%s%s", typed,
		      r->hint ? " (" : "", r->hint ? r->hint : "",
		      r->hint ? ")" : "");
		return;
	}
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
	case PARSE_REFUSED:
		report_refused(f->value, f->refused);
		break;
	case PARSE_MISSING_ARG:
		error("%s needs a value (try '%s --help')", f->option,
		      progname);
		break;
	case PARSE_UNWANTED_ARG:
		error("%s takes no value (try '%s --help')", f->option,
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

/* --pipepart's files: every -a names one (not stdin). */
static bool
part_files(struct options *o)
{
	size_t i;

	o->part_files = calloc(o->nsources, sizeof(char *));
	if (o->part_files == NULL)
		return false;
	for (i = 0; i < o->nsources; i++) {
		if (strcmp(o->sources[i].path, "-") == 0)
			return false;
		o->part_files[i] = o->sources[i].path;
	}
	o->cfg.pipe.files = o->part_files;
	o->cfg.pipe.nfiles = o->nsources;
	return true;
}

/* --pipe, --pipepart, --cat, --fifo: one job per block of the input, which
 * is stdin or one -a FILE (--pipepart: one regular file); -n/-N then count
 * records per block and -L/-l lines per record, as GNU parallel's. */
static bool
resolve_pipe(struct options *o)
{
	struct scx_pipe *p = &o->cfg.pipe;
	size_t i;

	if (!o->pipe && !o->pipepart && !o->cat && !o->fifo) {
		if (p->block || p->recstart || p->recend || p->regexp) {
			error("--block, --recstart, --recend and --regexp "
			      "need --pipe or --pipepart");
			return false;
		}
		p->round_robin = false; /* GNU ignores it too */
		return true;
	}
	p->mode = o->pipepart ? SCX_PIPE_PART : SCX_PIPE_STREAM;
	p->via = o->fifo  ? SCX_PIPE_FIFO
		 : o->cat ? SCX_PIPE_CAT
			  : SCX_PIPE_STDIN;
	if (o->cat && o->fifo) {
		error("--cat and --fifo: give one of them");
		return false;
	}
	for (i = 0; i < o->nsources; i++)
		if (o->sources[i].args != NULL || (i > 0 && !o->pipepart)) {
			error("%s reads one input, stdin or -a FILE (not :::, "
			      "::::, or several -a)",
			      o->pipepart ? "--pipepart" : "--pipe");
			return false;
		}
	if (o->pipepart && (o->nsources == 0 || !part_files(o))) {
		error("--pipepart cuts a file: give it with -a FILE");
		return false;
	}
	if (o->cfg.pipe_item) {
		error("--pipe-item and %s: give one of them",
		      o->pipepart ? "--pipepart" : "--pipe");
		return false;
	}
	if (o->pipe_n && o->pipe_l && o->pipe_n > UINT64_MAX / o->pipe_l) {
		error("-N %zu with -L %zu: more lines a block than can be "
		      "counted",
		      o->pipe_n, o->pipe_l);
		return false;
	}
	if (o->pipepart && (o->pipe_n || o->pipe_l)) {
		error("--pipepart cuts a file at --block boundaries: -N, -L "
		      "and -l apply to --pipe (as GNU parallel)");
		return false;
	}
	if (p->round_robin && !o->pipepart && o->cfg.retries > 1) {
		error("--retries: a --round-robin job's input is a stream, "
		      "which cannot be given again");
		return false;
	}
	/* Blocks (--block 10M) are allocated on the reading thread and freed
	 * on the loop's: with glibc's sliding threshold they come from that
	 * thread's arena, whose freed space stays resident.  From 4 MiB up,
	 * memory is mapped and given back on free (in block mode only: a
	 * fixed threshold keeps smaller freed buffers resident elsewhere). */
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	p->records = o->cfg.max_args == SCX_ARGS_NONE ? 0 : o->pipe_n;
	p->lines = o->pipe_l;
	p->header = o->cfg.header;
	o->cfg.header = NULL;
	o->cfg.max_args = 0;
	o->cfg.context = false;
	o->cfg.multi = SCX_MULTI_NONE;
	o->lines = false;
	return true;
}

/* Checks the parsed command line as a whole: the format, the backend, the
 * command, the standard streams (bit n of @closed: descriptor n was
 * closed) and the options that need others.  Prints why not and returns
 * false when it cannot be done. */
static bool
check_request(struct options *o, unsigned closed, bool *json_info)
{
	if (!resolve_format(o, json_info) || !resolve_backend(o) ||
	    !resolve_pipe(o))
		return false;
	if (o->info && o->cfg.argc > 0) {
		error("--info takes no command ('%s' given)", o->cfg.argv[0]);
		return false;
	}
	if (o->info && o->nsources > 0) {
		error("--info takes no input source (:::, :::: or -a)");
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
	/* --line-buffer is in completion order, as GNU parallel's, unless
	 * -k asks for input order. */
	if (o->cfg.grouping == SCX_LINE_BUFFER && !o->keep_order)
		o->cfg.order = SCX_ORDER_COMPLETION;
	/* GNU's ContextReplace: -N always, -L unless -m or --xargs. */
	if (o->lines && o->cfg.multi != SCX_MULTI_M &&
	    o->cfg.multi != SCX_MULTI_XARGS)
		o->cfg.context = true;
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
	    o->cfg.progress_view != SCX_PROGRESS_LINE ||
	    o->progress == PROGRESS_ALWAYS ||
	    (o->progress == PROGRESS_TTY && isatty(2) && !o->cfg.dry_run);
	/* GNU parallel's notice: a user who forgot ::: would wait for
	 * nothing. */
	if (reads_stdin(o) && isatty(0) && isatty(2))
		error("warning: reading items from the terminal; CTRL-D ends "
		      "them (did you forget :::, :::: or -a, or to pipe items "
		      "in?)");
	t0 = now_seconds();
	err = scx_run_execute(run, &sum);
	if (err != 0)
		report_run_error(run, err, o);
	status = scx_exit_status(&sum);
	/* An MPI worker rank serves rank 0, which sums up the run. */
	if (o->summary && scx_run_is_master(run))
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

	if (!apply_retry_failed(o) || !check_request(o, closed, &json_info))
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
	struct parse_failure f;
	char optbuf[64];
	enum parse_status st;
	unsigned closed;
	int status = EXIT_USAGE;

	closed = open_standard_streams();
	raise_open_file_limit();
	memset(&o, 0, sizeof(o));
	o.retry_fd = -1;
	memset(&f, 0, sizeof(f));
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
	options_free(&o);
	return status;
}
