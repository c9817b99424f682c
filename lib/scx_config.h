/*
 * scx_config.h: a run's configuration (struct scx_config) and the types
 * and functions it is made of.  Included by scx.h; not meant to be
 * included alone.
 */
#ifndef SCX_CONFIG_H
#define SCX_CONFIG_H

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

enum scx_order {
	SCX_ORDER_INPUT = 0, /* imap: results in input order */
	SCX_ORDER_COMPLETION /* as_completed: results as they finish */
};

/* How jobs' output is grouped (GNU parallel's --group, -u, --line-buffer). */
enum scx_grouping {
	SCX_GROUP = 0,	/* each job's output as one block (the default) */
	SCX_UNGROUP,	/* bytes as they come, in no order (-u) */
	SCX_LINE_BUFFER /* whole lines as they come (--line-buffer) */
};

/* How --progress draws (GNU parallel's --eta and --bar draw as GNU's). */
enum scx_progress_view {
	SCX_PROGRESS_LINE = 0, /* scx-run's own line, erased and redrawn */
	SCX_PROGRESS_ETA,      /* --eta */
	SCX_PROGRESS_BAR       /* --bar */
};

enum scx_format {
	SCX_FORMAT_RAW = 0, /* each item's stdout and stderr, as blocks */
	SCX_FORMAT_JSONL    /* one JSON object per item on stdout */
};

/* How reusable workers (--backend=loky) frame items and results. */
enum scx_protocol {
	SCX_PROTOCOL_LINE = 0, /* each ends with a newline */
	SCX_PROTOCOL_NULL,     /* each ends with a NUL byte */
	SCX_PROTOCOL_LENGTH    /* "<decimal length>\n" then that many bytes */
};

/* --halt: when a condition is met, stop now or soon. */
enum scx_halt_when {
	SCX_HALT_NEVER = 0,
	SCX_HALT_NOW, /* kill running items */
	SCX_HALT_SOON /* let running items finish, start no more */
};

enum scx_halt_what { SCX_HALT_FAIL = 0, SCX_HALT_SUCCESS, SCX_HALT_DONE };

struct scx_halt {
	enum scx_halt_when when;
	enum scx_halt_what what;
	uint64_t count;	  /* this many items ... */
	unsigned percent; /* ... or this percentage (count is then 0) */
};

enum scx_resume {
	SCX_RESUME_NONE = 0,
	SCX_RESUME,	  /* skip items logged as run */
	SCX_RESUME_FAILED /* skip items logged as succeeded */
};

enum scx_if_serial {
	SCX_IF_SERIAL_RAISE = 0, /* refuse to run with a single worker */
	SCX_IF_SERIAL_WARN,	 /* run, and report SCX_NOTICE_SERIAL */
	SCX_IF_SERIAL_IGNORE	 /* run quietly */
};

/* How a worker count was asked for: -j N, -j N%, -j +N, -j -N, -j 0,
 * -j FILE, or not. */
enum scx_workers_kind {
	SCX_WORKERS_DEFAULT = 0, /* the CPUs this process may use */
	SCX_WORKERS_ABSOLUTE,
	SCX_WORKERS_PERCENT,
	SCX_WORKERS_PLUS,
	SCX_WORKERS_MINUS,
	SCX_WORKERS_ALL, /* -j 0: as many as the process and open-file
			    limits allow (GNU parallel's "as many as
			    possible"), at most SCX_WORKERS_MAX */
	SCX_WORKERS_FILE /* -j FILE: the count FILE holds (any of the forms
			    above), read again whenever an item ends: the
			    multiprocess backend follows it while it runs */
};

struct scx_workers {
	enum scx_workers_kind kind;
	unsigned value;
	const char *file; /* SCX_WORKERS_FILE: its path */
};

/* Things the library wants its caller to tell the user. */
enum scx_notice {
	SCX_NOTICE_SERIAL = 1,	    /* --if-serial=warn and a single worker */
	SCX_NOTICE_WORKERS_IGNORED, /* -j disagrees with the backend's size */
	SCX_NOTICE_WORKERS_CAPPED,  /* fewer workers: the open-file limit */
	SCX_NOTICE_SPAWN_WAIT,	    /* no process can be created now: items
				       wait (said once a run) */
	SCX_NOTICE_SHELL_QUOTED,    /* shell: a replacement string inside
				       the command's own quotes */
	SCX_NOTICE_THROTTLE,	    /* --memfree or --load holds every item
				       while none of the run's items runs */
	SCX_NOTICE_BLOCK_GROWN,	    /* --pipe: a record was longer than
				       --block, which grows (GNU's words) */
	/* --halt, as GNU parallel says them: each job that --halt counts
	 * (detail: its command, as the job log has it), and, once --halt
	 * soon is met, how many jobs still run (detail: the number). */
	SCX_NOTICE_JOB_FAILED,
	SCX_NOTICE_JOB_SUCCEEDED,
	SCX_NOTICE_JOB_FINISHED,
	SCX_NOTICE_HALT_WAITING
};

/* GNU parallel's sources, -m/-X, -I and --header: scx_lang.h. */
#include "scx_lang.h"

/* --pipe and --pipepart (issue 15): one job per block of input, as GNU
 * parallel cuts it (lib/cutter.c). */
enum scx_pipe_mode {
	SCX_PIPE_NONE,	 /* one job per item */
	SCX_PIPE_STREAM, /* --pipe: blocks of stdin (or -a FILE) */
	SCX_PIPE_PART	 /* --pipepart -a FILE: parts of a regular file */
};
enum scx_pipe_via {
	SCX_PIPE_STDIN, /* the block is the job's stdin */
	SCX_PIPE_CAT,	/* --cat: in a temporary file named by {} */
	SCX_PIPE_FIFO	/* --fifo: through a named pipe named by {} */
};
struct scx_pipe {
	enum scx_pipe_mode mode;
	enum scx_pipe_via via;
	/* --block: bytes (at most SCX_BLOCK_MAX); -N: N blocks per job slot
	 * of an input of known size; 0: 1 MiB (--pipepart: -10). */
	int64_t block;
	const char *recstart, *recend; /* NULL: "" and the delimiter */
	bool regexp;		       /* they are POSIX EREs */
	uint64_t records;	  /* -N: records per block; 0: as many as fit */
	uint64_t lines;		  /* -L: lines per record; 0: records as cut */
	const char *header;	  /* N lines, ":" (one) or an ERE; NULL: none */
	const char *const *files; /* --pipepart's files (-a), in order */
	size_t nfiles;
	bool round_robin; /* one long-running job per slot (lib/robin.c) */
};
#define SCX_BLOCK_MAX ((int64_t)0x7fffffff) /* GNU's 2 GiB - 1 */

/*
 * Everything a run needs.  Fill it with scx_config_init() and then set
 * fields; the run reads it and never changes or frees it, so every pointer
 * in it must outlive the run.
 */
struct scx_config {
	/* The command template: words with replacement strings. */
	char *const *argv;
	size_t argc;
	bool shell;	      /* run one /bin/sh string, substitutions quoted */
	bool pipe_item;	      /* the item goes to the worker's stdin */
	struct scx_pipe pipe; /* --pipe, --pipepart */
	bool quote, plus;     /* -q: never a shell line; --plus (scx_lang.h) */
	bool context;	      /* -N, -L: a word with {} repeats per argument */
	const char *rs_text[SCX_RS_NNAMES]; /* -I and kin; NULL: the usual */

	/* Reusable workers. */
	enum scx_protocol protocol;
	bool seq_prefix; /* send "SEQ\t" before each item */

	/* Failure handling. */
	const char *joblog; /* GNU parallel's job log, or NULL */
	/* --results: a tree of per-job results (GNU parallel's DIR/1/ARG/),
	 * or one file of them all (NAME.csv, .tsv, .json); NULL: none. */
	const char *results;
	enum scx_resume resume;
	unsigned retries;    /* runs per item at most (0 or 1: one) */
	uint64_t timeout_ms; /* per item; 0: none */
	struct scx_halt halt;

	/* MPI. */
	bool reuse;	    /* worker ranks use reusable workers (loky) */
	bool keep_affinity; /* leave worker ranks' CPU binding to workers */

	/* Input: file names ("-" is stdin), read one after another as one
	 * source; none means stdin. */
	const char *const *inputs;
	size_t ninputs;
	int delimiter; /* the byte that ends an item; '\n' by default */
	/* GNU parallel's sources, columns and arguments per job: the
	 * fields' meanings are in scx_lang.h. */
	const struct scx_input_source *sources;
	size_t nsources;
	bool link;
	const char *colsep, *header, *trim;
	size_t max_args; /* -n, -N, -L; 0: one */
	enum scx_multi multi;
	size_t max_chars;		     /* -s; 0: the system's */
	const struct scx_column_name *names; /* a fed run's {name}s */
	size_t nnames;
	uint64_t total; /* a fed run's {##}: rank 0's job count; 0: unknown */

	/* Scheduling. */
	struct scx_workers workers;
	size_t chunksize; /* 0: ceil(n / (4 * workers)) if n is known, else 1 */
	enum scx_if_serial if_serial;
	enum scx_order order;
	const struct scx_backend_ops *backend; /* NULL: scx_backend_default() */

	/* Throttles: no item starts sooner than delay_ms after the one
	 * before, while the system's available memory (MemAvailable) is
	 * below memfree bytes, or while the 1-minute load average is above
	 * load_milli / 1000.  0: no such throttle.  With mpi they apply on
	 * rank 0, when it hands items out.  A memfree of at least MemTotal,
	 * or a figure that cannot be read, makes scx_run_execute() fail
	 * with SCX_ETHROTTLE or the read error before anything runs; when
	 * memfree or load holds back an item while none of the run's items
	 * runs, SCX_NOTICE_THROTTLE says so, once. */
	uint64_t delay_ms;
	uint64_t memfree;
	uint64_t load_milli;

	/* Job log forms, stopping and scheduling (issue 14, part "sched").
	 * joblog_append: --joblog +FILE: the log is added to, never emptied
	 * and never given a header line, as GNU parallel does; a joblog of
	 * "-" is the run's out_fd, each line after its item's output. */
	bool joblog_append;
	/* --timeout N%: an item runs at most N% of the median run time of
	 * the items that succeeded so far (none times out before the first
	 * success), as GNU parallel; with timeout_ms 0.  0: not relative. */
	unsigned timeout_percent;
	/* --shuf: every item is read first, then they run in a random
	 * order, numbered ({#}) in that order, as GNU parallel. */
	bool shuf;
	/* --nice N: added to each worker's niceness, as nice -n N (from
	 * -20 to 19; 0: none). */
	int nice;
	/* --workdir DIR: each job runs in DIR (replacement strings expanded
	 * per job, made when missing, as GNU parallel's); NULL or ".": ours. */
	const char *workdir;

	/* The name the messages an item gets as its stderr begin with
	 * ("NAME: command not found"); NULL: "scx". */
	const char *progname;

	/* Output. */
	size_t spill_after; /* results held in memory before a temporary
			       file takes them; 0: 8 MiB */
	enum scx_format format;
	bool tag;      /* prefix output lines with the item and a tab */
	bool dry_run;  /* print each command instead of running it */
	bool progress; /* draw a progress line on err_fd, redrawn as items
			  finish, and leave a summary line at the end */
	/* Output, issue 14: grouping, tags, what runs. */
	enum scx_grouping grouping;
	const char *tagstring; /* --tagstring: a template for the tag, with
				  replacement strings; NULL: --tag's item */
	bool trace;	       /* -t: each command on err_fd before it runs */
	enum scx_progress_view progress_view; /* with progress */
	bool verbose; /* -v: each command on out_fd, first in its
			 job's output */
	int out_fd;   /* 1 by default */
	int err_fd;   /* 2 by default */
	/* --files (issue 14, results part): each job's stdout goes to a file
	 * kept in TMPDIR, whose name is written instead. */
	bool files;

	/* Called for each notice; may be NULL. */
	void (*notice)(void *arg, enum scx_notice what, const char *detail);
	void *notice_arg;

	/* Embedding a run in another executor (an MPI worker rank does):
	 * items are pushed with scx_run_feed() instead of read from inputs,
	 * and each result, or an item given back (SCX_RESULT_STOPPED), goes
	 * to on_result instead of being written. */
	bool fed;
	void (*on_result)(void *arg, const struct scx_result *res);
	void *result_arg;
	/* The rank and size workers are told (SCX_RANK, SCX_SIZE, the jsonl
	 * rank); size 0 means the backend's own. */
	int rank;
	unsigned size;
};

/** Sets every field of @cfg to its default. */
void scx_config_init(struct scx_config *cfg);

/* The largest N of a worker count (-j N, N%, +N, -N), and the most
 * workers a count resolves to. */
#define SCX_WORKERS_MAX 1000000u

/* The longest duration in seconds (--timeout, --delay). */
#define SCX_SECONDS_MAX 1000000000u

/**
 * Parses a worker count: "N", "N%", "+N" or "-N" (N decimal digits, at
 * most SCX_WORKERS_MAX); "0" is SCX_WORKERS_ALL (GNU parallel's -j 0).
 * "0%" is refused.  A file name is not parsed here (see
 * scx_workers_read_file()).
 * @return 0, SCX_EWORKERS, or -ERANGE when N is larger than
 * SCX_WORKERS_MAX; @out is written only on success.
 */
int scx_parse_workers(const char *s, struct scx_workers *out);

/**
 * Parses a positive integer of decimal digits only (no sign, no space)
 * no larger than @max.
 * @return 0, SCX_ENUMBER, or -ERANGE when it is larger than @max.
 */
int scx_parse_positive(const char *s, uint64_t max, uint64_t *out);

/**
 * Parses a delimiter: one byte, or one of \n \t \r \0 \\ \xHH.
 * @return 0 or SCX_EDELIM.
 */
int scx_parse_delimiter(const char *s, int *out);

/** Parses "raw" or "jsonl".  @return 0 or SCX_EWORD. */
int scx_parse_format(const char *s, enum scx_format *out);

/**
 * Parses a --halt value: "now|soon,fail|success|done=N[%]", or "never".
 * @return 0, SCX_EWORD, or -ERANGE when N is larger than UINT64_MAX or N%
 * than 100%.
 */
int scx_parse_halt(const char *s, struct scx_halt *out);

/**
 * Parses a size: N, or N followed by K, M or G (powers of 1024), N
 * positive decimal digits.
 * @return 0, SCX_ENUMBER, or -ERANGE when it is larger than UINT64_MAX
 * bytes.
 */
int scx_parse_size(const char *s, uint64_t *out);

/**
 * Parses a positive decimal number ("2", "0.5", ".5", "5.", "1e3",
 * "2.5E-1": digits with an optional point and exponent; no sign, space,
 * hex, inf or nan) into thousandths, rounded to the nearest.
 * @return 0 and *@out, SCX_ENUMBER (not such a number, or zero),
 * SCX_ETOOSMALL (below 0.001), or -ERANGE (above @max thousandths).
 */
int scx_parse_thousandths(const char *s, uint64_t max, uint64_t *out);

/**
 * Parses a duration in seconds, as scx_parse_thousandths(), from 0.001
 * to SCX_SECONDS_MAX, into milliseconds; or with GNU parallel's units:
 * numbers (digits and a point) each followed by s, m, h or d (either
 * case), the last one possibly bare, summed ("1h2m", "0.1s", "1m30").
 * @return 0 and *@ms, SCX_ENUMBER, SCX_ETOOSMALL or -ERANGE.
 */
int scx_parse_seconds(const char *s, uint64_t *ms);

/** Parses "line", "null" or "length".  @return 0 or SCX_EWORD. */
int scx_parse_protocol(const char *s, enum scx_protocol *out);

/** Parses "raise", "warn" or "ignore".  @return 0 or SCX_EWORD. */
int scx_parse_if_serial(const char *s, enum scx_if_serial *out);

/**
 * The number of CPUs this process may run on (its affinity mask, so
 * taskset and cgroup cpusets count); at least 1.
 */
unsigned scx_cpus_available(void);

/**
 * Resolves a worker count against @cpus.  Relative counts never go below
 * one; -j 0 is scx_workers_most(); a -j FILE read here is 1.
 * @return the number of workers, at least 1.
 */
unsigned scx_workers_resolve(const struct scx_workers *w, unsigned cpus);

/**
 * The most workers -j 0 gives: the process limit (ulimit -u) less a
 * reserve of 64, at most SCX_WORKERS_MAX (the open-file limit is applied
 * by the backend, which knows what a worker holds open).
 */
unsigned scx_workers_most(void);

/**
 * Reads the worker count of -j FILE at @path: a count as
 * scx_parse_workers() takes it (also 0, surrounding white space
 * allowed), resolved against @cpus into *@n.
 * @return 0, a negated errno (the file cannot be read), or SCX_EWORKERS
 * (it does not hold a count).
 */
int scx_workers_read_file(const char *path, unsigned cpus, unsigned *n);

/**
 * The chunk-size rule of the API: ceil(n / (4 * workers)), at least 1,
 * when the item count @n is known (@n_known), else 1.
 */
size_t scx_default_chunksize(uint64_t n, bool n_known, unsigned workers);

#endif /* SCX_CONFIG_H */
