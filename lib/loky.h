/*
 * loky.h: what the loky backend's three files share, and nothing else
 * includes.  They are layers, each using only the ones below it:
 * loky.c (the backend: which worker gets which items, and when a slot
 * gets a new worker) over loky_worker.c (one worker's process and its
 * pipes) over loky_answers.c (the items in flight, framed for the worker,
 * and its answers parsed into results).  The worker layer tells the one
 * above of changes through struct lworker_events, never by name.
 */
#ifndef SCX_LOKY_H
#define SCX_LOKY_H

#include "internal.h"

#include <uv.h>

/* Items in flight per worker, unless --chunksize fixes it: it starts at
 * FIRST_WINDOW and then follows each worker's pace, so that about
 * TARGET_MS of its work is queued on it (a slow worker holds few items an
 * idle one could run, a fast one is never starved), up to MAX_WINDOW. */
#define FIRST_WINDOW 2u
#define TARGET_MS    50u
#define MAX_WINDOW   (4u << 10)
/* A worker that holds its answers in a buffer (awk, python, sed without
 * stdbuf) gets a larger window until it flushes, up to this. */
#define MAX_FLOOR (4u << 20)
/* How often the pace is measured and stalls are looked for. */
#define TICK_MS	   20u
#define READ_CHUNK SCX__READ_CHUNK

/* A chunk taken from the core, freed once all its items are resolved. */
struct lchunk {
	struct scx_chunk *c;
	size_t pending;
};

/* An item written to a worker and waiting for its answer. */
struct flight {
	const struct scx_item *item;
	struct lchunk *lc;
	uint64_t start_ns;
	int64_t start_us;
};

/* A ring of flights, oldest first. */
struct loky;

struct lworker {
	struct loky *lk;
	unsigned index; /* 1-based slot */
	bool running;	/* spawned, not yet finished */
	pid_t pid;	/* its process, leader of its own group */
	uv_pipe_t in, out, err;
	int handles; /* handles not yet closed */
	bool in_open, out_open, err_open, exited;
	bool writing;
	uv_write_t wreq;
	struct scx_buf wbuf; /* the bytes of the write under way */
	struct scx_buf rbuf; /* answers not yet parsed */
	size_t rpos;
	size_t rscan;	      /* no delimiter from rpos to here */
	uint64_t body_left;   /* bytes of a long length-framed answer to come */
	struct scx_spool ans; /* the start of a long answer */
	bool streaming;	      /* the head item's answer goes out as it comes */
	struct scx_buf ebuf;  /* stderr not yet passed on */
	size_t err_lines;     /* its first bytes that are whole lines */
	struct scx__ring fl;
	size_t window;
	size_t floor;	       /* raised by stalls, never lowered */
	double rate;	       /* answers per second, smoothed; 0: unknown */
	uint64_t answers;      /* from this process */
	uint64_t answers_seen; /* at the last tick */
	uint64_t now_ns;       /* when the current read arrived */
	int exit_status, term_signal;
	bool signalled;
	bool closed_stdout;   /* ended by us for closing its stdout early */
	bool timed_out;	      /* ended by --timeout (the core's clock) */
	bool timeout_killed;  /* and SIGKILLed after the grace */
	uint64_t timeout_seq; /* the item it timed out on */
	uint64_t idle_since;  /* done with every item but not exiting */
	uint64_t exited_ns;   /* when its process exited */
	bool spawn_wait;      /* could not start: waits for the retry timer */
	uint64_t sent;	      /* bytes that went into its stdin pipe */
	size_t unsent;	      /* of the write under way, not yet in it */
	bool read_any;	      /* at its exit, it had read some of them */
};

/* What the backend (loky.c) does when one of its workers changes: the
 * worker layer calls up through these only. */
struct lworker_events {
	/* The worker may have room for more items. */
	void (*room)(struct lworker *w);
	/* Its process ended and its output was read to the end. */
	void (*finished)(struct lworker *w);
	/* Its pipes are all closed: the slot may get a new worker. */
	void (*freed)(struct lworker *w);
};

struct loky {
	struct scx_run *run;
	const struct scx_config *cfg;
	uv_loop_t *loop;
	const struct lworker_events *ev;
	unsigned n;
	struct lworker *w;
	struct scx__ring requeue; /* items to run again before new ones */
	uv_timer_t *tick; /* its own allocation: freed by its close callback */
	uv_signal_t *sigchld; /* reaps the workers; the same */
	struct scx__spawner spawner;
	enum scx_stop stop;
	bool eof;
	bool failed;
	uv_timer_t *retry; /* starts workers that could not start */
	unsigned spawn_wait_ms;
	bool spawn_warned;
	unsigned barren;
	size_t fixed_window; /* --chunksize, or 0 to adapt */
	size_t spool_at;     /* an unfinished answer this long is spooled */
	int rank;
};

/* The loky files' own functions: not exported by libscx.so. */
#pragma GCC visibility push(hidden)

/* ------------------------------------------------------------------ */
/* loky_answers.c: items in flight, their frames and their answers     */
/* ------------------------------------------------------------------ */

/** Appends a copy of @f to @q.  @return 0 or -ENOMEM. */
int scx__loky_fifo_push(struct scx__ring *q, const struct flight *f);
/** Takes the oldest flight off @q, which is not empty. */
struct flight scx__loky_fifo_pop(struct scx__ring *q);
/** The oldest item in flight on @w, which has one. */
struct flight *scx__loky_oldest(const struct lworker *w);
/** One item of @lc is resolved: the chunk is freed with its last one. */
void scx__loky_chunk_release(struct lchunk *lc);
/** Gives @f's item back to the core, without a result (it will not run). */
void scx__loky_abandon(struct loky *lk, struct flight *f);
/** Abandons every item on @q, which ends empty. */
void scx__loky_abandon_all(struct loky *lk, struct scx__ring *q);
/** Frees what a failed run left on @q, with no word to the core. */
void scx__loky_release_all(struct scx__ring *q);
/** Ends the run with @err and a message made from @fmt; only the first
 * call counts (lk->failed). */
void scx__loky_fatal(struct loky *lk, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Puts @f on @w: framed into its write buffer and in flight, or failed
 * at once when its protocol cannot carry the item.  @now and @wall are
 * its start.  @return 0 or -ENOMEM. */
int scx__loky_send_item(struct lworker *w, struct flight *f, uint64_t now,
			int64_t wall);
/** Turns the whole answers in w->rbuf into results, spooling the start
 * of a long one.  @at_end: the stream ended.  Errors end the run. */
void scx__loky_parse_answers(struct lworker *w, bool at_end);
/** The worker ended well: the bytes after its last delimiter are the
 * answer of its oldest item. */
void scx__loky_last_answer(struct lworker *w);
/** Forgets what was left of an unfinished answer. */
void scx__loky_drop_partial(struct lworker *w);
/** Fails the oldest item in flight on @w, whose process died. */
void scx__loky_fail_head(struct lworker *w);

/* ------------------------------------------------------------------ */
/* loky_worker.c: one worker's process and its pipes                   */
/* ------------------------------------------------------------------ */

/** Starts the slot's worker and reads its stdout and stderr.  @return 0
 * (w->running), -EAGAIN when no process can be created now (try again
 * later), or another negated errno, already reported by
 * scx__loky_fatal(). */
int scx__lworker_start(struct lworker *w);
/** Writes the items framed in w->wbuf.  @return whether all of it went
 * at once (more may fit). */
bool scx__lworker_write(struct lworker *w);
/** Closes the worker's stdin, unless a write is under way. */
void scx__lworker_close_stdin(struct lworker *w);
/** Closes the worker's stdin, cancelling a write under way. */
void scx__lworker_shut_stdin(struct lworker *w);
/** Reaps the worker's process if it exited (after SIGCHLD). */
void scx__lworker_reap(struct lworker *w);
/** The checks of one tick: pace, stalls, a drain that is over, a worker
 * that lingers.  @return whether its window grew. */
bool scx__lworker_tick(struct lworker *w);
/** --timeout, timed by the core: SIGTERM to the worker's group when @seq
 * is its oldest unanswered item (after reading the answers its stdout
 * holds already), SIGKILL after the grace when it timed out on @seq.
 * @return 0, or -ESRCH when not signalled. */
int scx__lworker_signal(struct lworker *w, uint64_t seq, int sig);

#pragma GCC visibility pop

#endif
