/*
 * scx.h: the public interface of libscx, the library behind scx-run.
 *
 * A run reads work items, hands them in chunks to a backend (the executor:
 * a libuv process pool, reusable workers, MPI ranks, or a user's own), and
 * writes each item's result in input order or completion order.  The core
 * (reading, command building, chunking, ordering, output formats, exit
 * status, signal policy) is backend independent; a backend only moves
 * items to its executors and results back, through struct
 * scx_backend_ops.
 *
 * Conventions: functions return 0 or a negative error code, either a
 * negated errno value or one of the SCX_E* codes below; scx_strerror()
 * names both.  The library never prints and never exits.
 */
#ifndef SCX_H
#define SCX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCX_VERSION_MAJOR  0
#define SCX_VERSION_MINOR  1
#define SCX_VERSION_PATCH  0
#define SCX_VERSION_STRING "0.1.0"

/*
 * Error codes of libscx, below every errno value.  XX(name, message).
 */
#define SCX_ERRNO_MAP(XX)                                                   \
	XX(EOF, "no more items")                                            \
	XX(EAGAIN, "no item available yet")                                 \
	XX(ENUMBER, "not a positive integer")                               \
	XX(EWORKERS, "not a worker count (N, N%, +N or -N)")                \
	XX(EWORD, "not one of the accepted words")                          \
	XX(EDELIM,                                                          \
	   "not a single character (or \\n, \\t, \\r, \\0, \\\\, \\xHH)")   \
	XX(EBACKEND, "no such backend")                                     \
	XX(ENOTAVAIL, "backend not available in this build")                \
	XX(ENOCMD, "no command given")                                      \
	XX(ESERIAL, "only one worker is available")                         \
	XX(ENUL, "item contains a NUL byte and cannot be an argument")      \
	XX(ETEMPLATE, "unterminated or empty replacement string")           \
	XX(ESTOPPED, "the run was stopped")                                 \
	XX(EWORKER, "a worker broke its protocol")                          \
	XX(EJOBLOG, "not a job log line")                                   \
	XX(ECHANGED, "the input changed since the logged run")              \
	XX(EITEMRS, "reusable workers get items on stdin: the command may " \
		    "not use {} {.} {/} {//} {/.} {#}")                     \
	XX(ETOOSMALL, "below the smallest accepted value")                  \
	XX(ETHROTTLE, "a throttle that can never clear")                    \
	XX(EOPTION, "an option that does not apply")                        \
	XX(ECOLSEP, "not a regular expression")                             \
	XX(EPERL, "{= perl expression =}: scx-run runs no Perl")            \
	XX(ESKIP, "the job is skipped ({choose_k}, {uniq})")                \
	XX(ETOOLONG, "a command line longer than -s allows")                \
	XX(EWORKDIR, "--workdir: the job's directory cannot be made")       \
	XX(ESEEKABLE, "--pipepart cuts a regular file or a block device, "  \
		      "not a pipe or stream")                               \
	XX(ESIZE, "--block -N: the input's size is not known (not a "       \
		  "regular file)")                                          \
	XX(ETMPFILE, "--cat/--fifo: the job's temporary file cannot be "    \
		     "made")

enum {
	SCX__EBASE = -30000,
#define SCX_XX(name, msg) SCX_##name,
	SCX_ERRNO_MAP(SCX_XX)
#undef SCX_XX
	    SCX__ELAST
};

/* Forward declarations. */
struct uv_loop_s;
struct scx_backend;
struct scx_backend_ops;
struct scx_chunk;
struct scx_config;
struct scx_item;
struct scx_result;
struct scx_run;

/**
 * Names an error code (a negated errno value or an SCX_E* code).
 * @return a static string; never NULL.
 */
const char *scx_strerror(int err);

/* A run's configuration: scx_config.h. */
#include "scx_config.h"

/* ------------------------------------------------------------------ */
/* Items, chunks and results                                           */
/* ------------------------------------------------------------------ */

/* One work item: its bytes (not NUL-terminated: an item may contain NUL
 * bytes unless NUL is the delimiter) and its 1-based sequence number in
 * the input. */
struct scx_item {
	uint64_t seq;
	const char *data;
	size_t len;
};

/* Consecutive items handed to a backend by scx_run_take().  Their bytes
 * are contiguous, each item followed by the delimiter, as in the input:
 * bytes[0..len) is the chunk as it could be fed to a worker's stdin. */
struct scx_chunk {
	/* public */
	size_t n;
	struct scx_item *items;
	const char *bytes;
	size_t len;
	/* private */
	void *priv;
};

/** Frees a chunk taken with scx_run_take(); NULL is allowed. */
void scx_chunk_destroy(struct scx_chunk *chunk);

/**
 * Makes a chunk of @n items over @len bytes, for a backend that receives
 * items from elsewhere (MPI): the caller fills bytes (each item followed
 * by the delimiter) and items (seq, data into bytes, len).
 * @return the chunk (scx_chunk_destroy() frees it) or NULL.
 */
struct scx_chunk *scx_chunk_create(size_t n, size_t len);

/* Result flags. */
enum {
	SCX_RESULT_STOPPED = 1,	 /* ended by the run's own stop: not a result */
	SCX_RESULT_TIMEOUT = 2,	 /* killed by --timeout */
	SCX_RESULT_STREAMED = 4, /* its stdout went out with scx_run_stream() */
	SCX_RESULT_OUT_FILE = 8, /* stdout is in out_fd, not in out */
	SCX_RESULT_ERR_FILE = 16, /* stderr is in err_fd, not in err */
	SCX_RESULT_COMMAND = 32	  /* -v: its stdout begins with its command
				     line (scx__live_command()) */
};

/* What one item produced.  Every pointer is borrowed: valid only during
 * the scx_run_done() call that passes it. */
struct scx_result {
	uint64_t seq;
	const char *item;
	size_t item_len;
	int exit_status;      /* 0..255; 128+n when killed by signal n */
	int term_signal;      /* 0 or the signal that ended the worker */
	int64_t start_us;     /* wall-clock start, microseconds since 1970 */
	uint64_t duration_ns; /* run time */
	unsigned worker;      /* 1-based slot of the executor */
	int rank;	      /* rank of the executor (0 when local) */
	const char *host;     /* where it ran; NULL: this machine */
	unsigned flags;	      /* SCX_RESULT_* */
	const char *out;
	size_t out_len;
	const char *err;
	size_t err_len;
	/* An output too large to hold in memory: with SCX_RESULT_OUT_FILE,
	 * stdout is the out_len bytes of the file out_fd from out_off (out
	 * is NULL); likewise stderr with SCX_RESULT_ERR_FILE.  Borrowed, as
	 * every pointer here.  A backend that fills out and err only leaves
	 * the flags clear. */
	int out_fd, err_fd;
	uint64_t out_off, err_off;
};

/* A command ready to start: argv (NULL-terminated), envp (NULL-terminated)
 * and, with pipe_item, the bytes for the worker's stdin.  Borrowed from
 * the run: valid until the next scx_run_command() call. */
struct scx_command {
	char **argv;
	char **envp;
	const char *stdin_data; /* NULL unless the item goes to stdin */
	size_t stdin_len;
	/* --pipepart: then stdin_file_len bytes of stdin_fd from
	 * stdin_file_off (after stdin_data, its header); stdin_fd -1: none.
	 * The multiprocess backend splices them (lib/feed.c); mpi worker
	 * ranks run their jobs through it, and loky refuses block mode. */
	int stdin_fd;
	uint64_t stdin_file_off, stdin_file_len;
	/* --round-robin: a pipe the worker takes as its stdin, as it is
	 * (the backend closes it once the worker has it); -1: none. */
	int stdin_own;
	const char *cwd; /* where it runs (--workdir); NULL: the runner's */
};

/* Building blocks for backends (buffers, spools, the wire): scx_io.h,
 * included below. */
#include "scx_io.h"

/* ------------------------------------------------------------------ */
/* Backends: the Parallel interface                                    */
/* ------------------------------------------------------------------ */

enum scx_stop {
	SCX_STOP_DRAIN = 1, /* start no more items; running ones finish */
	SCX_STOP_TERMINATE, /* SIGTERM to every running worker */
	SCX_STOP_KILL	    /* SIGKILL to every running worker */
};

/*
 * A backend is a const table of these, filled with designated
 * initialisers.  The core calls them on the run's libuv loop thread:
 *
 *   open     allocate be->data and decide the size; called once.  When
 *            it fails, the core still calls close if be->data is set:
 *            close must free a partly opened backend.
 *   start    begin taking items with scx_run_take() (the loop is about to
 *            run); optional.
 *   ready    more items may be available now (after SCX_EAGAIN).
 *   stop     stop as @how says; items not started are given back with
 *            scx_run_abandon(), running ones end with scx_run_done().
 *            May be called more than once, escalating.
 *   close    free be->data; called once, after the loop ended (or
 *            after a failed open, as above).
 *   rank, size, is_master   the get_rank/get_size/is_master_process of
 *            the API; valid after open.  rank and is_master are optional:
 *            without them, the rank is the config's (cfg->rank: a fed
 *            run's) and the process is the master.
 *   serve    for backends whose non-master processes do not read input
 *            (MPI worker ranks): run the non-master side to completion;
 *            NULL otherwise.
 *   signal_item   for --timeout, whose clock and escalation are the
 *            core's: send @sig to what runs item @seq (its process group;
 *            for reusable workers the worker whose oldest unanswered item
 *            it is).  The core sends SIGTERM when the item's time is up
 *            (counted from the backend's scx_run_item_started()): the
 *            backend marks the item so that its result carries
 *            SCX_RESULT_TIMEOUT.  When that returned 0, SIGKILL follows
 *            after the grace a stopped run gets, to what still runs of
 *            the item that timed out (its group, even when the item's own
 *            process died of the SIGTERM).  Return 0 when signalled, or
 *            -ESRCH when not: the item no longer runs, or ended in time.
 *            The runner may have been stopped (SIGSTOP) while it ended:
 *            the backend first reaps or reads what already ended.
 *            Optional: without it, scx_config_check() refuses --timeout.
 *
 * Running items in input order or in completion order is the core's
 * switch (scx_imap(), scx_as_completed()): a backend returns results in
 * whatever order its executors finish them.
 */
/* Backend flags: in ops->flags for every run of the backend, or
 * reported for a run of a given config by ops->run_flags. */
enum {
	/* Items go to long-lived workers' stdin: the command gets no item
	 * appended and may not use one ({} {.} {/} {//} {/.} {#}). */
	SCX_BACKEND_ITEMS_ON_STDIN = 1,
	/* The backend takes the MPI options (--reuse, --keep-affinity). */
	SCX_BACKEND_MPI_OPTIONS = 2,
	/* Not a backend users choose by name (dry-run); not listed. */
	SCX_BACKEND_HIDDEN = 4
};

struct scx_backend_ops {
	const char *name;
	unsigned flags;
	int (*open)(struct scx_backend *be, struct scx_run *run);
	int (*start)(struct scx_backend *be);
	void (*ready)(struct scx_backend *be);
	void (*stop)(struct scx_backend *be, enum scx_stop how);
	void (*close)(struct scx_backend *be);
	int (*rank)(const struct scx_backend *be);
	unsigned (*size)(const struct scx_backend *be);
	bool (*is_master)(const struct scx_backend *be);
	int (*serve)(struct scx_backend *be);
	/* Why the size is what it is, for messages ("mpiexec -n 2 gives one
	 * worker rank"); optional. */
	void (*explain_size)(const struct scx_backend *be, char *buf,
			     size_t size);
	/* The flags a run of @cfg has beside ops->flags (mpi with --reuse:
	 * SCX_BACKEND_ITEMS_ON_STDIN); optional. */
	unsigned (*run_flags)(const struct scx_config *cfg);
	int (*signal_item)(struct scx_backend *be, uint64_t seq, int sig);
};

struct scx_backend {
	const struct scx_backend_ops *ops;
	struct scx_run *run;
	void *data; /* the backend's own */
};

/* The calls through a backend's table, with the defaults of its optional
 * ops: the only way the core and nesting backends call one. */

/* (Below, with the rest of the run's API: the config a run was made
 * from.) */
const struct scx_config *scx_run_config(const struct scx_run *run);

static inline int
scx_backend_start(struct scx_backend *be)
{
	if (be->ops->start)
		return be->ops->start(be);
	be->ops->ready(be);
	return 0;
}

static inline void
scx_backend_ready(struct scx_backend *be)
{
	be->ops->ready(be);
}

static inline void
scx_backend_stop(struct scx_backend *be, enum scx_stop how)
{
	be->ops->stop(be, how);
}

static inline void
scx_backend_close(struct scx_backend *be)
{
	if (be->ops->close)
		be->ops->close(be);
}

static inline int
scx_backend_rank(const struct scx_backend *be)
{
	return be->ops->rank ? be->ops->rank(be)
			     : (be->run ? scx_run_config(be->run)->rank : 0);
}

static inline unsigned
scx_backend_size(const struct scx_backend *be)
{
	return be->ops->size(be);
}

static inline bool
scx_backend_is_master(const struct scx_backend *be)
{
	return be->ops->is_master ? be->ops->is_master(be) : true;
}

/** Sends @sig to what runs item @seq (--timeout).  @return 0, -ESRCH
 * (not signalled), or -ENOSYS when the backend cannot. */
static inline int
scx_backend_signal_item(struct scx_backend *be, uint64_t seq, int sig)
{
	if (be->ops->signal_item == NULL)
		return -ENOSYS;
	return be->ops->signal_item(be, seq, sig);
}

/** The flags of a run of @ops with @cfg. */
static inline unsigned
scx_backend_flags(const struct scx_backend_ops *ops,
		  const struct scx_config *cfg)
{
	return ops->flags | (ops->run_flags ? ops->run_flags(cfg) : 0);
}

/** The built-in backends.  The MPI backend is a plugin (scx-mpi.so),
 * loaded by scx_backend_find("mpi"); the dry-run one is also found as
 * "dry-run". */
extern const struct scx_backend_ops scx_backend_multiprocess;
extern const struct scx_backend_ops scx_backend_loky;
extern const struct scx_backend_ops scx_backend_dryrun;

/**
 * Checks that @cfg's options apply to the backend @ops (NULL: the
 * default one): --reuse and --keep-affinity only with a backend that
 * takes MPI options, --protocol (@protocol_set: given) and --seq-prefix
 * only with reusable workers, --pipe-item and --dry-run not with them,
 * --timeout only with a backend that can signal an item, --resume and
 * --resume-failed only with a job log or a results directory to read.
 * The one check of option conflicts, for the program and any caller.
 * @return 0, or SCX_EOPTION with @detail saying which option and why
 * (or, with @ops NULL, scx_backend_default()'s error with @detail naming
 * the backend that is missing).
 */
int scx_config_check(const struct scx_config *cfg,
		     const struct scx_backend_ops *ops, bool protocol_set,
		     char *detail, size_t size);

/**
 * Finds a backend by name among the built-in and registered ones.
 * @return 0 and *@out, SCX_EBACKEND for an unknown name, or SCX_ENOTAVAIL
 * for a known backend this build lacks.
 */
int scx_backend_find(const char *name, const struct scx_backend_ops **out);

/**
 * Why the last scx_backend_find() answered SCX_ENOTAVAIL for a backend
 * this build has as a plugin (it could not be found or loaded), or NULL.
 * The string is static: valid until the next scx_backend_find().
 */
const char *scx_backend_load_error(void);

/**
 * Lists the names of the backends scx-run knows, available in this build
 * or not, into @names (at most @max).  @return how many there are.
 */
size_t scx_backend_names(const char **names, size_t max, bool available);

/**
 * Registers a backend so that scx_backend_find() finds it.  @ops is
 * borrowed and must outlive every use.
 * @return 0, -EEXIST when the name is taken, or -ENOMEM.
 */
int scx_backend_register(const struct scx_backend_ops *ops);

/**
 * The number of ranks an MPI launcher (mpiexec) started, from its
 * environment, or 0 when not started by one.
 */
unsigned scx_launcher_size(void);

/**
 * The default backend: $SCX_BACKEND if set, else mpi when started by an
 * MPI launcher with more than one rank, else multiprocess.
 * @return as scx_backend_find(); on error *@bad is the offending name.
 */
int scx_backend_default(const struct scx_backend_ops **out, const char **bad);

/* The backend a command line names, for cmd/ (issue 12, Build 4). */

/**
 * Finds the backend @name, or the default one (scx_backend_default())
 * when @name is NULL or "", and refuses a hidden one such as dry-run
 * (the config's dry_run picks it, not a name).
 * @return 0 and *@out, or an SCX_E* code with @detail (@size bytes) saying
 * why: for @name, a text to follow where the name came from ("'x' is not
 * a backend (accepted: ...)", "'mpi' cannot be loaded: ..."); for the
 * default, one that stands alone ("started by mpiexec with 4 ranks, which
 * needs the mpi backend: ...").
 */
int scx_backend_resolve(const char *name, const struct scx_backend_ops **out,
			char *detail, size_t size);

/* ------------------------------------------------------------------ */
/* Runs                                                                */
/* ------------------------------------------------------------------ */

/* The outcome of a run. */
struct scx_summary {
	uint64_t items;	    /* items with a result */
	uint64_t failed;    /* of those, how many failed */
	uint64_t timed_out; /* of those, how many --timeout ended */
	uint64_t skipped;   /* items --resume skipped */
	uint64_t retried;   /* runs of items again after a failure */
	uint64_t total;	    /* all the items, when known before the run, else
			       0 */
	int stop_signal;    /* the signal that stopped the run, or 0 */
	bool broken_pipe;   /* stdout was closed by its reader */
	int error;	    /* a runtime error that ended the run, or 0 */
	/* --halt (not never): the exit status GNU parallel gives, which
	 * scx_exit_status() returns when no signal or error stopped the
	 * run. */
	bool halt;
	int halt_status;
};

/**
 * Creates a run: resolves the worker count, opens the backend and applies
 * --if-serial.  Inputs are opened by scx_run_execute().  @cfg is borrowed
 * for the run's lifetime.
 * @return 0 and *@out (free it with scx_run_destroy()), or an error; then
 * @detail (if not NULL) holds a description of the culprit, or "".
 */
int scx_run_create(struct scx_run **out, const struct scx_config *cfg,
		   char *detail, size_t detail_size);

/** Frees a run and everything it owns; NULL is allowed. */
void scx_run_destroy(struct scx_run *run);

/**
 * Opens the inputs and runs every item, writing results in the order the
 * config asks for; call it once.
 * @return 0 when the run went to its end (items may have failed, or a
 * signal may have stopped it: see *@summary), or an error that ended it
 * (then scx_run_error_detail() describes it).
 */
int scx_run_execute(struct scx_run *run, struct scx_summary *summary);

/** As scx_run_execute(), results in input order (the API's imap/map). */
int scx_imap(struct scx_run *run, struct scx_summary *summary);

/** As scx_run_execute(), results as they complete (as_completed). */
int scx_as_completed(struct scx_run *run, struct scx_summary *summary);

/**
 * The exit status GNU parallel would give: 0 if nothing failed, the
 * failure count up to 100, 101 beyond, 128+n after signal n, 255 after an
 * error.
 */
int scx_exit_status(const struct scx_summary *summary);

/**
 * GNU parallel's --retry-failed: the commands of the job log at @path, for
 * each Seq from 1 to the largest logged, the last line's for a Seq logged
 * twice, "" for a Seq never logged: *@count NUL-terminated strings one
 * after another in *@out (*@len bytes, the last NUL excluded; the caller
 * frees it).
 * @return 0, a negated errno (the file cannot be read, no memory), or
 * SCX_EJOBLOG: line *@bad_line is not a job log line (0: a Seq far
 * beyond the number of lines).
 */
int scx_joblog_commands(const char *path, char **out, size_t *len,
			uint64_t *count, uint64_t *bad_line);

/** The resolved number of workers (the backend's size). */
unsigned scx_run_size(const struct scx_run *run);
/** The rank of this process in the backend (0 unless MPI). */
int scx_run_rank(const struct scx_run *run);
/** Whether this process is the master (reads input, writes output). */
bool scx_run_is_master(const struct scx_run *run);
/** The backend's name. */
const char *scx_run_backend_name(const struct scx_run *run);
/** The chunk size in use. */
size_t scx_run_chunksize(const struct scx_run *run);
/** The number of items if known before reading, else -1. */
int64_t scx_run_item_count(const struct scx_run *run);
/** The --header column names, once the inputs are open (*@n of them). */
const struct scx_column_name *scx_run_column_names(const struct scx_run *run,
						   size_t *n);

/* Functions for backends. */

/** The config the run was created with. */
const struct scx_config *scx_run_config(const struct scx_run *run);

/** The run's libuv loop, on which every backend callback happens. */
struct uv_loop_s *scx_run_loop(struct scx_run *run);

/** The worker count the user asked for, resolved (before the backend). */
unsigned scx_run_workers_wanted(const struct scx_run *run);

/**
 * Opens the backend @ops as @be inside @run with @workers workers, for a
 * backend that runs its items through another (mpi on a single rank runs
 * them with multiprocess or loky).  The caller then drives @be with the
 * scx_backend_*() calls and closes it with scx_backend_close().
 * @return 0, or the open's error (what it allocated is freed).
 */
int scx_run_open_nested(struct scx_run *run, struct scx_backend *be,
			const struct scx_backend_ops *ops, unsigned workers);

/**
 * How many of @n workers that keep @fds_each descriptors open fit under
 * the open-file limit; reports SCX_NOTICE_WORKERS_CAPPED when fewer.
 * @return between 1 and @n.
 */
unsigned scx_run_fit_workers(struct scx_run *run, unsigned n,
			     unsigned fds_each);

/**
 * Takes the next chunk of at most @max items (0: the run's chunk size).
 * @return 0 and *@out (the caller owns it: scx_chunk_destroy()),
 * SCX_EAGAIN when no item is available now (ops->ready follows when one
 * is), or SCX_EOF when no item will come (input ended, or the run stops).
 */
int scx_run_take(struct scx_run *run, size_t max, struct scx_chunk **out);

/**
 * Reports one item's result.  @res is borrowed.  Every item taken must
 * end in exactly one scx_run_done() or scx_run_abandon().
 */
void scx_run_done(struct scx_run *run, const struct scx_result *res);

/**
 * Starts the --timeout clock of the running item @seq, for a backend
 * with ops->signal_item: when its process starts, or for a reusable
 * worker when the item becomes the oldest unanswered one (at its writing
 * if the worker had none, else at the answer before it).  The item's
 * scx_run_done() or scx_run_abandon() stops the clock.  Nothing happens
 * without --timeout.
 */
void scx_run_item_started(struct scx_run *run, uint64_t seq);

/**
 * Pushes a chunk into a fed run (cfg->fed); the run owns it afterwards.
 * @return 0, or -EINVAL when the run is not fed or was ended.
 */
int scx_run_feed(struct scx_run *run, struct scx_chunk *chunk);

/** Tells a fed run that no more chunks will come. */
void scx_run_feed_end(struct scx_run *run);

/**
 * Whether the run is stopping (a signal, --halt, an error): a backend
 * starts no new item then, even one it already took; it gives those back
 * with scx_run_abandon() when its ops->stop is called.
 */
bool scx_run_stopping(const struct scx_run *run);

/** Asks a run to stop as @how says (as a signal would, without one). */
void scx_run_stop(struct scx_run *run, enum scx_stop how);

/**
 * -u and --line-buffer (scx_config.grouping): offers @len bytes that the
 * running item @item (on @slot) wrote to its stdout, or its stderr
 * (@is_err), as they come.  @return how many of them (a prefix: all with
 * -u, whole lines with --line-buffer) went out; the backend keeps the
 * rest, offers it again with what follows, and reports what is left in
 * the item's result.  0 when output is grouped.
 */
size_t scx_run_live(struct scx_run *run, const struct scx_item *item,
		    unsigned slot, bool is_err, const char *data, size_t len);

/**
 * Asks to write the stdout of the running item @seq as it arrives rather
 * than when it ends (an item with a large output need not be held): the
 * core agrees when the format allows it and no other item's output can
 * come before it.  @return whether to stream; then every later byte of
 * its stdout goes through scx_run_stream() and its result carries
 * SCX_RESULT_STREAMED with only the rest in out.
 */
bool scx_run_stream_begin(struct scx_run *run, uint64_t seq);

/** Tells the run's caller something (the config's notice callback). */
void scx_run_notice(struct scx_run *run, enum scx_notice what,
		    const char *detail);

/** Writes stdout bytes of the streaming item @seq. */
void scx_run_stream(struct scx_run *run, uint64_t seq, const char *data,
		    size_t len);

/** Gives back an item that was taken but will not run (after a stop). */
void scx_run_abandon(struct scx_run *run, const struct scx_item *item);

/**
 * Ends the run with an error (e.g. the executor cannot start at all): the
 * core stops the backend and scx_run_execute() returns @err.  @detail is
 * copied.
 */
void scx_run_fail(struct scx_run *run, int err, const char *detail);

/** A description of the error that ended the run, or NULL. */
const char *scx_run_error_detail(const struct scx_run *run);

/**
 * Builds the command for @item on worker @slot: argv from the template,
 * the environment with SCX_SEQ, SCX_SLOT, SCX_RANK and SCX_SIZE.
 * @return 0, SCX_ENUL (the item cannot be an argument), SCX_ESKIP (the
 * job is not run and counts as failed), or -ENOMEM.
 */
int scx_run_command(struct scx_run *run, const struct scx_item *item,
		    unsigned slot, struct scx_command *cmd);

/**
 * @item's command on worker @slot as text, as --dry-run prints it:
 * shell-quoted words, or the shell string with --shell.  *@text (not
 * NUL-terminated; @len bytes) is valid until the next call.
 * @return 0, SCX_ENUL, or -ENOMEM.
 */
int scx_run_command_text(struct scx_run *run, const struct scx_item *item,
			 unsigned slot, const char **text, size_t *len);

/**
 * Builds the command of a long-lived worker on @slot (backends with
 * SCX_BACKEND_ITEMS_ON_STDIN): argv from the template ({%} is the slot),
 * the environment with SCX_SLOT, SCX_RANK and SCX_SIZE (SCX_SEQ is 0).
 * @return 0 or -ENOMEM.
 */
int scx_run_worker_command(struct scx_run *run, unsigned slot,
			   struct scx_command *cmd);

/**
 * Writes bytes a worker wrote to its stderr outside any item's result
 * (a reusable worker's diagnostics) to the run's stderr.  @data is
 * borrowed.
 */
void scx_run_stderr(struct scx_run *run, const char *data, size_t len);

/**
 * Quotes @s (of @len bytes) for /bin/sh into @buf of @size bytes.
 * @return the quoted length (which may exceed @size - 1, as snprintf).
 */
size_t scx_shell_quote(char *buf, size_t size, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SCX_H */
