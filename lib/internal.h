/*
 * internal.h: declarations shared by libscx's modules but not public.
 */
#ifndef SCX_INTERNAL_H
#define SCX_INTERNAL_H

#include "scx.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SCX__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Time a worker gets between SIGTERM and SIGKILL, after a stop or a
 * --timeout. */
#define SCX__GRACE_MS 2000

/* How long an item's pipes are still read after its own process exited,
 * when something it started holds them (a background child): then the
 * item is over, as in GNU parallel. */
#define SCX__DRAIN_MS 100
/* What is still read from them then, at most (bytes already written). */
#define SCX__DRAIN_READ_MAX (16u << 20)

/* Results waiting for an earlier item held in memory before a temporary
 * file takes them (--spill-after). */
#define SCX__SPILL_AFTER (8u << 20)

/* ------------------------------------------------------------------ */
/* chunk.c: filling a chunk                                            */
/* ------------------------------------------------------------------ */

/* Fills a chunk made by scx_chunk_create() for exactly the items and
 * bytes put in it. */
struct scx__chunk_fill {
	struct scx_chunk *c;
	size_t k, off; /* items and bytes filled */
};

void scx__chunk_fill_init(struct scx__chunk_fill *f, struct scx_chunk *c);
/** Appends item @seq: its @len bytes, then @delim. */
void scx__chunk_fill(struct scx__chunk_fill *f, uint64_t seq, const char *data,
		     size_t len, char delim);
/** Appends @n items of @from from its item @i, with their delimiters, in
 * one copy. */
void scx__chunk_fill_from(struct scx__chunk_fill *f,
			  const struct scx_chunk *from, size_t i, size_t n);

/* ------------------------------------------------------------------ */
/* fdio.c: whole reads and writes (and scx_pread_all, scx_pwrite_all,   */
/* scx_tmpfile in scx_io.h)                                            */
/* ------------------------------------------------------------------ */

/** Writes all @len bytes at the descriptor's position, waiting out
 * EINTR.  @return 0 or a negated errno. */
int scx__write_full(int fd, const void *data, size_t len);
/** Opens an input to read ("-": stdin, not *@owned); refuses a
 * directory.  On error *@fd may be open (when *@owned): the caller closes
 * it.  @return 0 or a negated errno. */
int scx__open_input(const char *name, int *fd, bool *owned, bool *regular);
/** One read(2) that waits out EINTR: its result (errno set below 0). */
ssize_t scx__read_once(int fd, void *buf, size_t len);

/* ------------------------------------------------------------------ */
/* vec.c: one growable array, one ring                                 */
/* ------------------------------------------------------------------ */

/**
 * Makes room in the array *@v of *@cap elements of @size bytes for @need
 * of them: doubled from @first as needed.  @return 0 or -ENOMEM (the
 * array is then as it was).  SCX__GROW(arr, cap, need, first) for a typed
 * array.
 */
int scx__grow(void **v, size_t *cap, size_t need, size_t size, size_t first);
#define SCX__GROW(arr, cap, need, first) \
	scx__grow((void **)&(arr), &(cap), (need), sizeof(*(arr)), (first))

/* A first-in first-out queue of elements of @size bytes. */
struct scx__ring {
	char *v;
	size_t head, n, cap, size;
};

void scx__ring_init(struct scx__ring *r, size_t size);
void scx__ring_free(struct scx__ring *r);
/** Appends a copy of @elem.  @return 0 or -ENOMEM. */
int scx__ring_push(struct scx__ring *r, const void *elem);
/** The @i-th element from the front, or NULL past the end. */
void *scx__ring_at(const struct scx__ring *r, size_t i);
/** Takes the front element out (into @elem unless NULL). */
void scx__ring_pop(struct scx__ring *r, void *elem);

/* ------------------------------------------------------------------ */
/* spool.c: an item's output stream, in memory or in a temporary file  */
/* ------------------------------------------------------------------ */

/* What a worker's pipe is read in. */
#define SCX__READ_CHUNK (64u * 1024)
/* Buffer capacity kept from item to item. */
#define SCX__KEEP_CAPACITY (1u << 20)
/* Bytes of one stream held in memory before a temporary file takes it;
 * with many workers less, down to SCX__SPOOL_MIN, so that all of a run's
 * streams together stay near 16 MiB. */
#define SCX__SPOOL_MEM (1u << 20)
#define SCX__SPOOL_MIN (64u * 1024)
/* Bytes read back from a file at a time (a multiple of 3, for base64). */
#define SCX__PIECE (3u * 87382)

/* The reader, the sources, combine.c and the template. */
#include "lang.h"

/* ------------------------------------------------------------------ */
/* reorder.c: results waiting for an earlier item (pure)               */
/* ------------------------------------------------------------------ */

struct scx__reorder {
	uint64_t next; /* the sequence number due next */
	void **ring;   /* slot (seq & mask): NULL, a held value, or GAP */
	size_t mask;
	size_t held;
};

#define SCX__REORDER_GAP ((void *)1)

/** Starts with @first due. */
void scx__reorder_init(struct scx__reorder *q, uint64_t first);
/** Frees the ring (not the values). */
void scx__reorder_free(struct scx__reorder *q);
/** Holds @value for @seq (>= next); GAP marks an item with no result.
 * @return 0 or -ENOMEM. */
int scx__reorder_put(struct scx__reorder *q, uint64_t seq, void *value);
/**
 * Pops the value due next if it is there, skipping gaps.
 * @return it (and advances), or NULL.
 */
void *scx__reorder_pop(struct scx__reorder *q);
/**
 * Pops the lowest held value whatever is missing before it (used when a
 * stopped run flushes what completed).  @return it or NULL.
 */
void *scx__reorder_pop_any(struct scx__reorder *q, uint64_t *seq);

/* ------------------------------------------------------------------ */
/* hold.c: results waiting for their turn                              */
/* ------------------------------------------------------------------ */

struct scx__hold {
	size_t mem, limit; /* bytes held in memory, and how many may be */
	int fd;		   /* the spill file, or -1 */
	off_t end;
	size_t in_file; /* records in the file not taken back yet */
	struct scx_buf scratch;
	struct scx_buf head; /* a record's fixed part */
	void *last;	  /* the memory result taken last, freed at the next */
	char detail[256]; /* why the spill file failed, or "" */
};

void scx__hold_init(struct scx__hold *h, size_t limit);
void scx__hold_free(struct scx__hold *h);
/** Stores a copy of @res: in memory below the limit, else in the file.
 * @return 0 and a handle (never NULL, never SCX__REORDER_GAP), or an
 * error. */
int scx__hold_put(struct scx__hold *h, const struct scx_result *res,
		  const char *cmd, size_t cmd_len, void **handle);
/** Gives the result of @handle back in *@res (valid until the next
 * take); the handle is used up.  @return 0 or an error. */
int scx__hold_take(struct scx__hold *h, void *handle, struct scx_result *res,
		   const char **cmd, size_t *cmd_len);
/** Forgets a handle without reading it. */
void scx__hold_drop(struct scx__hold *h, void *handle);
/** Frees what the last take kept alive. */
void scx__hold_done(struct scx__hold *h);

/* ------------------------------------------------------------------ */
/* json.c, output.c: formats and the writer                            */
/* ------------------------------------------------------------------ */

/** Appends @s as a JSON string (quotes included); invalid UTF-8 bytes
 * become U+FFFD.  @return whether @s was valid UTF-8, or -ENOMEM. */
int scx__json_string(struct scx_buf *b, const char *s, size_t len);
/** As scx__json_string(), for one piece of a string: the opening quote
 * when @first, the closing one when @last.  A piece must not end inside
 * a UTF-8 sequence unless it is the last. */
int scx__json_chars(struct scx_buf *b, const char *s, size_t len, bool first,
		    bool last);
/** Appends the base64 encoding of @s.  @return 0 or -ENOMEM. */
int scx__base64(struct scx_buf *b, const char *s, size_t len);

/* A buffered writer to one file descriptor. */
/* Counts the SIGINTs and SIGTERMs run.c's handler saw: once one came, a
 * write goes on only while its reader takes the bytes (it gives up after
 * the grace without progress, or at a second signal). */
extern volatile sig_atomic_t scx__interrupted;
/* ... and the last of them. */
extern volatile sig_atomic_t scx__interrupt_signal;

struct scx__writer {
	int fd;
	struct scx_buf buf;
	int error; /* the first write error, as a negated errno */
	/* Called before each write, when set, with the last byte about to
	 * be written (the progress line erases itself from a terminal, and
	 * learns whether the cursor will be at the start of a line). */
	void (*before)(void *arg, char last);
	void *before_arg;
};

/** Chains a handler before the current one of @sig that counts it in
 * scx__interrupted and lets a blocked write return EINTR. */
void scx__interrupt_writes_on(int sig);
/** Writes all of @data to @fd (EINTR, EAGAIN waited out; a SIGINT or
 * SIGTERM gives up).  @return 0 or a negated errno. */
int scx__write_all(int fd, const void *data, size_t len);
void scx__writer_init(struct scx__writer *w, int fd);
/** Queues bytes; writes when enough are queued.  @return 0 or error. */
int scx__writer_put(struct scx__writer *w, const void *data, size_t len);
/** Writes everything queued.  @return 0 or the first error. */
int scx__writer_flush(struct scx__writer *w);
void scx__writer_free(struct scx__writer *w);

/* Where formatted output goes, piece by piece. */
struct scx__sink {
	int (*put)(void *arg, const char *data, size_t len);
	void *arg;
	struct scx_buf *fmt; /* formatting space */
	struct scx_buf *io;  /* bytes read back from a file */
};

/** Puts the bytes @b to @s, each line prefixed by @tag and a tab when
 * @tag is not NULL; bytes in a file are read a piece at a time.
 * @return 0 or an error (a put's, or a read's). */
int scx__put_stream(struct scx__sink *s, const struct scx_bytes *b,
		    const char *tag, size_t taglen);
/** Puts @r as one JSON line to @s, its streams a piece at a time, with a
 * "tag" field when @tag is not NULL. */
int scx__put_json(struct scx__sink *s, const struct scx_result *r,
		  const char *tag, size_t taglen);
/** Whether a stream of @r is in a file. */
bool scx__result_in_file(const struct scx_result *r);

/**
 * Formats one result for output: raw stdout/stderr blocks (tagged or
 * not), or one JSON line.  Appends to @out and @err.  Its streams must
 * be in memory.
 * @return 0 or -ENOMEM.
 */
int scx__format_result(const struct scx_config *cfg,
		       const struct scx_result *res, const char *tag,
		       size_t taglen, struct scx_buf *out, struct scx_buf *err);
/** Appends @data to @b, each line after @tag and a tab unless @tag is
 * NULL (@data begins a line).  @return 0 or -ENOMEM. */
int scx__format_lines(struct scx_buf *b, const char *tag, size_t taglen,
		      const char *data, size_t len);

/* ------------------------------------------------------------------ */
/* tag.c: one-word templates; --tag and --tagstring                    */
/* ------------------------------------------------------------------ */

/* A one-word template of an option's own (--tagstring, --results NAME,
 * --workdir), never run: expanded per job into text. */
struct scx__word {
	struct scx__template *tmpl; /* NULL: not opened */
	struct scx_buf text;	    /* the last expansion */
	struct scx_buf space, vec;  /* its scratch */
};

/** Parses @word with @cfg's replacement strings (-I and kin, --plus, -X
 * and -N's repeat, --header's names; @on_stdin: the items of reusable
 * workers, one field).  @return 0, SCX_EPERL or -ENOMEM. */
int scx__word_open(struct scx__word *w, const char *word,
		   const struct scx_config *cfg, bool on_stdin);
/** Expands @w for the job of @item (@len bytes), number @seq on @slot,
 * into w->text (NUL-terminated).  @return 0, SCX_ENUL or -ENOMEM. */
int scx__word_expand(struct scx__word *w, const char *item, size_t len,
		     uint64_t seq, unsigned slot);
void scx__word_close(struct scx__word *w);

struct scx__tagger {
	bool on;	    /* --tag or --tagstring */
	struct scx__word w; /* --tagstring's (w.tmpl NULL: --tag's); its
			       text is the last tag made */
};

/** Readies the tags of @cfg (@on_stdin: items go to reusable workers).
 * @return 0, SCX_EPERL or -ENOMEM. */
int scx__tagger_open(struct scx__tagger *t, const struct scx_config *cfg,
		     bool on_stdin);
void scx__tagger_close(struct scx__tagger *t);
/** The tag of the job of @item (@len bytes) number @seq on @slot into
 * *@tag (owned by @t, valid until the next call), or NULL without tags.
 * @return 0 or -ENOMEM. */
int scx__tagger_make(struct scx__tagger *t, const char *item, size_t len,
		     uint64_t seq, unsigned slot, const char **tag,
		     size_t *tlen);

/* ------------------------------------------------------------------ */
/* workers.c: how many workers a run gets, and why                     */
/* ------------------------------------------------------------------ */

struct scx__sizing {
	unsigned wanted; /* -j resolved against the usable CPUs */
	bool creating;	 /* notices wait for scx_run_create()'s end */
	unsigned fit;	 /* the open-file limit left this many, or 0 */
	char why[256];	 /* ... and says so: the limit, how many fit */
};

void scx__sizing_init(struct scx__sizing *z, const struct scx_config *cfg);
/** Whether @cfg's worker count may change while the run runs (-j FILE). */
bool scx__workers_live(const struct scx_config *cfg);
/** -j FILE: reads the count again into *@active, at most @most.
 * @return whether it changed (a file that cannot be read, or holds no
 * count for a moment, changes nothing). */
bool scx__workers_follow(const struct scx_config *cfg, unsigned most,
			 unsigned *active);
/** How many of @n workers keeping @fds_each descriptors fit under the
 * open-file limit (the cap is told as a notice). */
unsigned scx__sizing_fit(struct scx__sizing *z, const struct scx_config *cfg,
			 unsigned n, unsigned fds_each);
/** Tells the cap, once creation is over. */
void scx__sizing_notify(struct scx__sizing *z, const struct scx_config *cfg);
/** --if-serial for a run left with one worker; @explain: the backend's
 * reason, or "".  @return 0 or SCX_ESERIAL (@detail says why). */
int scx__sizing_serial(struct scx__sizing *z, const struct scx_config *cfg,
		       const char *explain, char *detail, size_t size);

/* ------------------------------------------------------------------ */
/* intake.c: retries, new items (read or fed), resume, throttles       */
/* ------------------------------------------------------------------ */

struct retry;
struct attempt;

struct scx__intake {
	const struct scx_config *cfg;
	struct scx__ledger *ledger;	 /* --resume asks it what was done */
	struct scx__builder *cmd;	 /* ... by the item's command text */
	struct scx__source *src;	 /* the inputs, or NULL (fed) */
	int64_t count;			 /* items, when known before; else -1 */
	struct fedq {			 /* cfg->fed: pushed chunks */
		struct scx__ring chunks; /* of struct scx_chunk * */
		size_t pos; /* items already taken from the front one */
		bool ended;
	} fed;
	struct retry *retry_head, *retry_tail; /* items to run again */
	struct attempt *attempts;	       /* items out on a retry */
	size_t nattempts, capattempts;
	uint64_t *skipped; /* --resume skipped these since the last look */
	size_t nskipped, capskipped;
	uint64_t last_start_ms; /* --delay: when the last item started */
	struct shuffle {	/* --shuf: every item, read before any runs */
		struct scx_chunk **chunks; /* as the source gave them */
		size_t nchunks, capchunks;
		const struct scx_item **order; /* their items, shuffled */
		size_t n, cap, next;	       /* next: the first not given */
		bool ready;		       /* the source has ended */
	} shuf;
	bool throttle_told; /* SCX_NOTICE_THROTTLE was given */
	/* What went wrong, for the run to act on. */
	int error;
	char detail[512];
	enum scx_stop stop;
};

void scx__intake_init(struct scx__intake *in, const struct scx_config *cfg,
		      struct scx__ledger *ledger, struct scx__builder *cmd);
void scx__intake_free(struct scx__intake *in);
/** Opens the inputs (counting their items when all are regular files).
 * @return 0 or an error (*@bad names the input). */
int scx__intake_open_inputs(struct scx__intake *in, unsigned slots,
			    const char **bad);
/** The --header names of the open inputs. */
const struct scx_column_name *scx__intake_names(const struct scx__intake *in,
						size_t *n);
/** Starts reading the inputs; @notify(@arg) when items come. */
int scx__intake_start(struct scx__intake *in, void (*notify)(void *),
		      void *arg);
void scx__intake_close_inputs(struct scx__intake *in);
/** Refuses a throttle that can never clear, or whose figure cannot be
 * read.  @return 0 or an error (in->detail). */
int scx__intake_check_throttles(struct scx__intake *in);
/**
 * Takes up to @max items: retries first, then new ones, less those
 * --resume skips (then in in->skipped).  @outstanding: items out now;
 * @throttle: the throttles apply.
 * @return 0 and *@out, SCX_EAGAIN (*@wait_ms > 0: a throttle holds them
 * that long), or SCX_EOF (also after an error: in->error).
 */
int scx__intake_take(struct scx__intake *in, size_t max, uint64_t outstanding,
		     uint64_t now_ms, bool throttle, struct scx_chunk **out,
		     uint64_t *wait_ms);
/** Whether no item will come but retries (input ended, all taken). */
bool scx__intake_exhausted(const struct scx__intake *in);
/** Queues a failed item to run again if --retries allows.
 * @return whether it was. */
bool scx__intake_retry(struct scx__intake *in, const struct scx_result *res);
/** Which run of its item @seq was (1 unless a retry); forgets it. */
unsigned scx__intake_attempt_of(struct scx__intake *in, uint64_t seq);
/** A fed run: pushes @chunk (owned from now on).  @return 0, -EINVAL or
 * -ENOMEM. */
int scx__intake_feed(struct scx__intake *in, struct scx_chunk *chunk);
void scx__intake_feed_end(struct scx__intake *in);
/** A stopped fed run gives the items it never took back to its
 * feeder (on_result, SCX_RESULT_STOPPED). */
void scx__intake_give_back(struct scx__intake *in);

/* ------------------------------------------------------------------ */
/* deliver.c: where results go, in order, and the progress line        */
/* ------------------------------------------------------------------ */

struct scx__progress;

/* gnubar.c: --eta's and --bar's state between two draws. */
struct scx__gnubar {
	bool header_done;
	bool completed_seen, smoothed_set;
	long long first_completed, last_eta;
	double smoothed;
};

struct scx__deliver {
	const struct scx_config *cfg;
	struct scx__ledger *ledger; /* the run's: job log lines in order */
	bool send_items;	    /* Send counts the item (on stdin) */
	struct scx__writer out, err;
	struct scx_buf scratch, scratch_err;
	struct scx_buf io; /* output read back from a file */
	struct scx__reorder reorder;
	struct scx__hold hold;	 /* results waiting for their turn */
	struct scx__tagger tags; /* --tag, --tagstring */
	uint64_t streaming;	 /* the item whose stdout streams, or 0 */
	uint64_t streamed_len;	 /* the bytes it streamed so far */
	void **waiting;		 /* --as-completed: waiting for it */
	size_t nwaiting, capwaiting;
	/* --progress. */
	bool progress_shown;
	bool mid_line; /* the terminal's last line has no newline yet */
	struct scx__gnubar gnubar; /* --eta, --bar */
	struct scx_buf progress_line;
	/* What went wrong, for the run to act on. */
	int error;
	char detail[512];
	enum scx_stop stop; /* the stop the run must make, or 0 */
	bool broken_pipe;   /* stdout was closed by its reader */
	bool interrupted;   /* a SIGINT or SIGTERM broke a write */
};

void scx__deliver_init(struct scx__deliver *d, const struct scx_config *cfg,
		       struct scx__ledger *ledger);
void scx__deliver_free(struct scx__deliver *d);
/** The progress line erases itself before what is written to a
 * terminal. */
void scx__deliver_progress_on(struct scx__deliver *d);
/**
 * The result of @seq, or its gap (@res NULL: no result), arrived: written
 * now, or held until its turn.  @cmd is its command text for the job log
 * (copied when held).
 */
void scx__deliver_result(struct scx__deliver *d, uint64_t seq,
			 const struct scx_result *res, const char *cmd,
			 size_t cmd_len);
/**
 * -u and --line-buffer: of @len bytes that the running job of @item (on
 * @slot) wrote to stdout (or stderr, @is_err), writes what may go out
 * now: all of them with -u, whole lines with --line-buffer (only the
 * head job's with input order).  @return how many went out (0 when the
 * run groups output).
 */
size_t scx__deliver_live(struct scx__deliver *d, const struct scx_item *item,
			 unsigned slot, bool is_err, const char *data,
			 size_t len);
/** Whether the running item @seq's stdout may go out as it comes. */
bool scx__deliver_stream_begin(struct scx__deliver *d, uint64_t seq);
/** Writes stdout bytes of the streaming item @seq. */
void scx__deliver_stream(struct scx__deliver *d, uint64_t seq, const char *data,
			 size_t len);
/** Writes bytes to stderr that belong to no item. */
void scx__deliver_stderr(struct scx__deliver *d, const char *data, size_t len);
/** Writes what stdout has queued, then the job log lines it held. */
void scx__deliver_flush(struct scx__deliver *d);
/** Writes every held result, past the gaps (after a stop), and flushes. */
void scx__deliver_finish(struct scx__deliver *d);
/** Draws the progress line of @p (@final: the summary line). */
void scx__deliver_progress(struct scx__deliver *d,
			   const struct scx__progress *p, bool final);

/* ------------------------------------------------------------------ */
/* command.c: each item's command, its environment, and as text        */
/* ------------------------------------------------------------------ */

#define SCX__ENVVARS 7

/* pipejob.c: the command of a --pipe/--pipepart job: what {} stands for,
 * its stdin, and the --cat/--fifo wrapper with its temporary file. */
struct scx__pipejob {
	const struct scx_config *cfg;
	int *part_fds; /* --pipepart's files; -1: not opened */
	size_t nparts;
	struct scx_buf hdr; /* the header of the part's file */
	char prefix[4096];  /* TMPDIR/scx-run-XXXXXX- */
	struct scx_buf name, argv;
};
int scx__pipejob_open(struct scx__pipejob *pj, const struct scx_config *cfg);
void scx__pipejob_close(struct scx__pipejob *pj);
/** What {} stands for in job @seq: nothing, or --cat/--fifo's file. */
const char *scx__pipejob_arg(struct scx__pipejob *pj, uint64_t seq,
			     size_t *len);
/** Gives @cmd (its argv expanded) its stdin and wrapper.  @return 0,
 * SCX_ETMPFILE, SCX_EWORD (a bad part) or -ENOMEM. */
int scx__pipejob_command(struct scx__pipejob *pj, const struct scx_item *item,
			 struct scx_command *cmd);
/** Job @seq ended: its --cat/--fifo file goes, should its wrapper have
 * been killed before removing it. */
void scx__pipejob_done(struct scx__pipejob *pj, uint64_t seq);

struct scx__builder {
	const struct scx_config *cfg;
	struct scx__pipejob pj; /* with cfg->pipe.mode */
	struct scx__template *tmpl;
	struct scx_buf space, vec; /* argv and its strings */
	struct scx_buf text;	   /* the command as text */
	char **envp;
	char envvars[SCX__ENVVARS][48]; /* SCX_SEQ ... PARALLEL_PID */
	bool on_stdin; /* items go to reusable workers' stdin */
	char shell_path[4096];
	struct scx__word wd; /* --workdir's (wd.tmpl NULL: none) */
};

/** Appends @argv as one shell-quoted line (no newline). */
int scx__format_argv(struct scx_buf *b, char *const *argv);
/** Parses the command template of @cfg (@on_stdin: items go to
 * reusable workers).  @return 0, SCX_ENOCMD, SCX_EITEMRS or -ENOMEM. */
int scx__builder_open(struct scx__builder *b, const struct scx_config *cfg,
		      bool on_stdin);
/** Builds the workers' environment, telling them @rank and @size.
 * @return 0 or -ENOMEM. */
int scx__builder_env(struct scx__builder *b, int rank, unsigned size);
void scx__builder_close(struct scx__builder *b);
/** @item's command on @slot, valid until the next call.
 * @return 0, SCX_ENUL or -ENOMEM. */
int scx__builder_command(struct scx__builder *b, const struct scx_item *item,
			 unsigned slot, struct scx_command *cmd);
/** A reusable worker's command on @slot.  @return 0 or -ENOMEM. */
int scx__builder_worker(struct scx__builder *b, unsigned slot,
			struct scx_command *cmd);
/** @item's command as text into @out: shell-quoted words, the shell
 * string itself with --shell, the quoted item for reusable workers.
 * @return 0, SCX_ENUL or -ENOMEM. */
int scx__builder_text(struct scx__builder *b, const struct scx_item *item,
		      unsigned slot, struct scx_buf *out);
/** Whether the command uses the slot ({%}). */
bool scx__builder_uses_slot(const struct scx__builder *b);
/** --shell: when a replacement string stands inside the command's own
 * quotes, writes the warning into @msg.  @return 1 when it did, else 0. */
int scx__builder_quote_notice(struct scx__builder *b, char *msg, size_t size);

/* ------------------------------------------------------------------ */
/* executor.c: what the local backends share about their processes     */
/* ------------------------------------------------------------------ */

struct uv_loop_s;
struct uv_pipe_s;
struct uv_buf_t;

/** A result for @item on @worker of @rank, everything else 0. */
void scx__result_init(struct scx_result *res, const struct scx_item *item,
		      unsigned worker, int rank);
/**
 * -u and --line-buffer: offers what the running @item (on @slot) wrote
 * to stdout or stderr (@is_err), the bytes in @b, to scx_run_live(); what
 * went out leaves @b.  @return whether it took some and the rest fits in
 * a read's room (else the caller spools @b as usual).
 */
bool scx__offer_live(struct scx_run *run, const struct scx_item *item,
		     unsigned slot, bool is_err, struct scx_buf *b);
/** -v with -u or --line-buffer: @item's command line into @out, the
 * start of its stdout, offered at once.  @return whether it is there
 * (its result then has SCX_RESULT_COMMAND). */
bool scx__live_command(struct scx_run *run, const struct scx_item *item,
		       unsigned slot, struct scx_buf *out);
/** -t: writes @item's command on stderr when the run asks for it. */
void scx__trace(struct scx_run *run, const struct scx_item *item,
		unsigned slot);
/** A wait status as an exit status or the signal that ended it. */
void scx__wait_status(int wstatus, int *exit_status, int *term_signal);
/** The exit code of an item: its status, or 128+n after signal n. */
int scx__exit_code(int exit_status, int term_signal);
/** Reaps @pid if it ended.  @return whether it did (*@wstatus). */
int scx__reap(pid_t pid, int *wstatus);
/** A message an item gets as its stderr: "PROGNAME: ...\n" (the
 * config's program name).  @return its length. */
size_t scx__item_msg(char *buf, size_t size, const struct scx_config *cfg,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Whether the command of an item could not be made for a reason of the
 * item's own (@err from scx_run_command(): SCX_ENUL, SCX_ESKIP,
 * SCX_EWORKDIR): then the item fails with *@status and @msg as its
 * stderr, and is not run. */
bool scx__unrunnable(const struct scx_config *cfg, int err, int *status,
		     char *msg, size_t size);
/** The message and exit status (127 not found, 126 not executable) of a
 * command @file that could not start with error @err. */
int scx__start_failure(char *msg, size_t size, const struct scx_config *cfg,
		       const char *file, int err);
/** Makes a pipe whose end of ours @handle wraps (reading when
 * @mine_reads); the other end is *@theirs.  The handle is initialised
 * even on failure (close it).  @return 0 or a negated errno. */
int scx__pipe_open(struct uv_loop_s *loop, struct uv_pipe_s *handle, void *data,
		   bool mine_reads, int *theirs);
/** Room in @b for a read, as libuv's alloc callback gives it.
 * @return 0, or -ENOMEM (then @buf is empty: libuv says ENOBUFS). */
int scx__read_space(struct scx_buf *b, struct uv_buf_t *buf);
struct uv_handle_s;
struct uv_stream_s;
/**
 * Reads what @pipe (open) holds already, through @alloc and @read as
 * libuv would call them: the loop may have been busy past an item's end,
 * and bytes written before it are the item's.  A writer that keeps
 * writing is not followed past SCX__DRAIN_READ_MAX; @more (NULL: always)
 * says whether to go on after each read.
 */
void scx__read_pending(struct uv_pipe_s *pipe,
		       void (*alloc)(struct uv_handle_s *, size_t,
				     struct uv_buf_t *),
		       void (*read)(struct uv_stream_s *, ssize_t,
				    const struct uv_buf_t *),
		       bool (*more)(void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* spawn.c: one process per item, by vfork                             */
/* ------------------------------------------------------------------ */

#include <signal.h>

struct scx__spawner {
	sigset_t reset; /* signals the child sets back to their default */
	char *file;	/* the last name looked up on $PATH ... */
	char *path;	/* ... where it was found (NULL: not) ... */
	int err;	/* ... or why not */
	int nice;	/* --nice: added to the child's niceness */
};

struct scx__spawn_req {
	char *const *argv;
	char *const *envp;
	int stdin_fd; /* -1: /dev/null */
	int stdout_fd;
	int stderr_fd;
	int *child_errno; /* spawn.c's own */
	int nice;	  /* spawn.c's own: the spawner's */
	const char *cwd;  /* NULL: ours */
};

void scx__spawner_init(struct scx__spawner *sp);
void scx__spawner_free(struct scx__spawner *sp);
/** Notes which signals have handlers now (call once they are all set). */
void scx__spawner_note_signals(struct scx__spawner *sp);
/**
 * Starts @req->argv[0] (found on $PATH) in a new session, with the given
 * standard streams and a parent-death signal (SIGKILL).
 * @return 0 and *@pid, or a negated errno (-ENOENT, -EACCES, -E2BIG...).
 */
int scx__spawn(struct scx__spawner *sp, const struct scx__spawn_req *req,
	       pid_t *pid);
/* ------------------------------------------------------------------ */
/* procs.c: the processes items started, found again and ended         */
/* ------------------------------------------------------------------ */

/** Makes this process a child subreaper and notes the children it has
 * already (never touched); runs may nest: each open has its close. */
void scx__procs_open(void);
/** Ends what the items left behind (SIGTERM, SIGKILL after the grace),
 * reaps it, and stops the guard (last close only). */
void scx__procs_close(void);
/** @pid, a child we started as the leader of its own group, runs: the
 * guard learns of its group (started at the first call). */
void scx__procs_spawned(pid_t pid);
/** @pid was reaped by its owner; its group is remembered while it has
 * processes left. */
void scx__procs_reaped(pid_t pid);
/** Reaps orphans that ended and forgets groups that are gone. */
void scx__procs_sweep(void);
/** Sends @sig (0: only counts) to the groups items left behind and to
 * the orphans that came to us.  @return how many were there. */
unsigned scx__procs_kill_left(int sig);

/* The job log, --results and the ledger: ledger.h. */
#include "ledger.h"

/* ------------------------------------------------------------------ */
/* timeout.c: --timeout's clocks, SIGTERM and then SIGKILL             */
/* ------------------------------------------------------------------ */

struct scx__timeouts;

/**
 * Makes the clocks of a run whose items get @ms each: @be hears
 * SIGTERM (scx_backend_signal_item()) when an item's time is up, then
 * SIGKILL @grace_ms later.  Two timers on @loop, which do not keep it
 * alive.  @return 0 and *@out (scx__timeouts_close() frees it), or
 * -ENOMEM.
 */
int scx__timeouts_create(struct scx__timeouts **out, struct uv_loop_s *loop,
			 struct scx_backend *be, uint64_t ms,
			 uint64_t grace_ms);
/** Starts the clock of item @seq.  @return 0 or -ENOMEM. */
int scx__timeouts_start(struct scx__timeouts *t, uint64_t seq);
/** Item @seq ended (a result, or given back): no SIGTERM for it.  A
 * SIGKILL already due after its SIGTERM stays: the backend knows whether
 * something of it still runs. */
void scx__timeouts_end(struct scx__timeouts *t, uint64_t seq);
/** Stops the clocks; the memory is freed once the loop has closed the
 * timers.  NULL is allowed. */
void scx__timeouts_close(struct scx__timeouts *t);
/** The clocks of @cfg's --timeout (seconds, or N% of the median run time
 * of the items that succeeded so far) in *@out, or NULL when it has none.
 * @return 0 or -ENOMEM. */
int scx__timeouts_for(struct scx__timeouts **out, struct uv_loop_s *loop,
		      struct scx_backend *be, const struct scx_config *cfg);
/** @res's item ended: as scx__timeouts_end(), and its run time counts in
 * the median of --timeout N% when it succeeded. */
void scx__timeouts_done(struct scx__timeouts *t, const struct scx_result *res);

/* ------------------------------------------------------------------ */
/* run.c, for setup.c                                                  */
/* ------------------------------------------------------------------ */

/** Creates a run of @cfg with the backend @ops (scx_run_create() picks
 * it). */
int scx__run_create(struct scx_run **out, const struct scx_config *cfg,
		    const struct scx_backend_ops *ops, char *detail,
		    size_t detail_size);

/* ------------------------------------------------------------------ */
/* config.c: the --halt rule                                           */
/* ------------------------------------------------------------------ */

/** Whether --halt @h is met by the items of @sum, of @count in all (-1:
 * not known, then of those done so far). */
bool scx__halt_reached(const struct scx_halt *h, const struct scx_summary *sum,
		       int64_t count);

/* ------------------------------------------------------------------ */
/* halt.c: --halt as GNU parallel applies it                           */
/* ------------------------------------------------------------------ */

struct scx__halt {
	bool reached; /* the condition was met: the exit status is set */
};

/** Whether --halt tells the user about @res (then give its command to
 * scx__halt_after()). */
bool scx__halt_tells(const struct scx__halt *h, const struct scx_config *cfg,
		     const struct scx_result *res);

/**
 * --halt once @res is counted in @sum (of @count items in all, -1: not
 * known): the notice GNU parallel gives about the job (@cmd, its command,
 * when scx__halt_tells()), sum->halt and sum->halt_status as GNU parallel
 * would exit, and the stop it asks for, or 0.  @running: items that still
 * run.
 */
enum scx_stop scx__halt_after(struct scx__halt *h, const struct scx_config *cfg,
			      struct scx_summary *sum, int64_t count,
			      const struct scx_result *res, const char *cmd,
			      uint64_t running);

/* ------------------------------------------------------------------ */
/* time                                                                */
/* ------------------------------------------------------------------ */

/** Wall-clock time in microseconds since 1970. */
int64_t scx__wall_us(void);

/* ------------------------------------------------------------------ */
/* progress.c: the progress line and what the throttles read           */
/* ------------------------------------------------------------------ */

struct scx__progress {
	uint64_t done;	  /* items finished in this run */
	uint64_t failed;  /* of those, failed */
	uint64_t skipped; /* items --resume skipped */
	uint64_t total;	  /* all the items, or 0 when unknown */
	double elapsed;	  /* seconds since the run started */
	const char *name; /* the program's, at the start of the line */
	unsigned running; /* --eta: items running now */
	unsigned workers; /* --eta: the job slots */
	unsigned cpus;	  /* --eta: the CPUs this process may use */
};

/** Appends GNU parallel's --bar (@bar) or --eta view of @p, @cols
 * columns wide (0: 80), and a newline when @final.
 * @return 0 or -ENOMEM. */
int scx__gnubar_format(struct scx__gnubar *g, struct scx_buf *b,
		       const struct scx__progress *p, bool bar, bool final,
		       unsigned cols);

/** Appends the progress line (no newline); @final: the summary line.
 * @return 0 or -ENOMEM. */
int scx__progress_format(struct scx_buf *b, const struct scx__progress *p,
			 bool final);
/** The system's available memory (MemAvailable in /proc/meminfo), in
 * bytes.  @return 0, -ENOENT (no such line), or another negated errno. */
int scx__mem_available(uint64_t *bytes);
/** The system's memory (MemTotal in /proc/meminfo), in bytes.
 * @return as scx__mem_available(). */
int scx__mem_total(uint64_t *bytes);
/** The 1-minute load average (/proc/loadavg), in thousandths.
 * @return 0, -ENODATA (an empty file), or another negated errno. */
int scx__load_milli(uint64_t *milli);

/* feed.c: a worker's stdin, written from the loop (item bytes, then a
 * part of a file by splice).  ended: all written, or the worker stopped
 * reading; then scx__feed_close(), whose closed gets a handle whose
 * data is ended's arg. */
struct scx__feed;
int scx__feed_open(struct uv_loop_s *loop, struct scx__feed **out, int *theirs,
		   void *arg);
void scx__feed_start(struct scx__feed *f, const struct scx_command *cmd,
		     void (*ended)(void *arg), void *arg);
void scx__feed_close(struct scx__feed *f,
		     void (*closed)(struct uv_handle_s *h));

/* What the job of an item is called where it is shown (--tag, --results,
 * the job log): the item, or nothing for a block of --pipe/--pipepart,
 * whose bytes are its stdin, not its arguments (as GNU parallel). */
static inline const char *
scx__item_shown(const struct scx_config *cfg, const char *data, size_t *len)
{
	if (cfg == NULL || cfg->pipe.mode == SCX_PIPE_NONE)
		return data;
	*len = 0;
	return "";
}

#endif /* SCX_INTERNAL_H */
