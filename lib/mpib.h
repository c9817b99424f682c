/* mpib.h: the MPI backend's own header (mpi.c, mpi_link.c, mpi_master.c,
 * mpi_worker.c: the plugin, built against scx.h alone).  Rank 0, the
 * master, reads the input and hands chunks of items to the worker ranks
 * on demand, a few ahead; each worker rank runs them with a local
 * executor (a fed run of the multiprocess or loky backend) and streams the
 * results back.  The plugin's files are the only ones that include
 * <mpi.h>.
 *
 * OpenMPI busy-polls inside blocking calls, so neither side ever blocks
 * in MPI while work runs: a libuv timer probes for messages, at once
 * while they flow and backing off to a few milliseconds when idle. */
#ifndef SCX_MPIB_H
#define SCX_MPIB_H

#include "scx.h"

#include <mpi.h>
#include <uv.h>

/* What follows is the plugin's own: not exported from it. */
#pragma GCC visibility push(hidden)

enum {
	TAG_SPEC = 1, /* master -> worker: the job, as the master parsed it */
	TAG_CHUNK,    /* master -> worker: items */
	TAG_END,      /* master -> worker: no more items */
	TAG_STOP,     /* master -> worker: stop (drain, terminate, kill) */
	TAG_RESULTS,  /* worker -> master: a piece of the result stream */
	TAG_DONE,     /* worker -> master: every item answered; finalizing */
	TAG_FAIL,     /* worker -> master: cannot run (the message) */
	TAG_HELLO     /* worker -> master: its host name */
};

#define SPEC_VERSION 5u
/* The spec's strings after the words: --colsep, --header, --trim, then
 * -I and its kin. */
#define SPEC_STRINGS                                             \
	(5 + SCX_RS_NNAMES) /* then --workdir, --pipepart's file \
			     */
/* Chunks sent ahead to each worker rank, so none idles while its next
 * chunk travels. */
#define PREFETCH 3
/* Results travel in messages of at most this many bytes, with at most
 * SENDS_MAX of them under way from a worker rank. */
#define MSG_MAX	  (1u << 20)
#define SENDS_MAX 8u
/* Chunk size when neither --chunksize nor the item count says: one item
 * (one process per item balances best), or this many for reusable
 * workers, which answer in microseconds. */
#define REUSE_CHUNK 4096u
/* The longest wait between two probes when nothing arrives: a result or
 * a chunk waits at most this long (less than one process spawn), and a
 * probe costs a few microseconds, so an idle master stays near 0% CPU. */
#define POLL_MAX_MS 2u

/* Sends in flight. */
struct send {
	MPI_Request req;
	char *buf;
};

struct sendq {
	struct send *v;
	size_t n, cap;
};

/* The master's view of one worker rank. */
struct wrank {
	int rank;
	struct scx_chunk *chunks[PREFETCH]; /* sent, not yet answered */
	size_t left[PREFETCH];		    /* their unanswered items */
	unsigned nchunks;
	struct scx_buf in; /* result stream not yet parsed */
	size_t inpos;
	/* A large record on its way: its fixed part, and what its streams
	 * still want. */
	bool large;
	bool lost;   /* its streams could not be kept */
	bool broken; /* it sent a malformed record: its stream is ignored */
	struct scx_result pending;
	uint64_t out_left, err_left;
	struct scx_spool out_spool, err_spool;
	bool done;
	char *host; /* from its HELLO */
};

struct mpib {
	struct scx_run *run;
	const struct scx_config *cfg;
	uv_loop_t *loop; /* the master's, or the worker's fed run's */
	int rank, size;
	bool finalize; /* we initialised MPI, so we finalize it */
	unsigned nworkers;
	uv_timer_t *poll;
	void (*on_poll)(struct mpib *m); /* the master's or a worker's */
	unsigned backoff;
	struct sendq sends;

	/* The master. */
	struct wrank *w;
	unsigned next; /* round robin */
	size_t chunk_max;
	bool spec_sent, eof, end_sent;
	enum scx_stop stop, stop_sent;
	unsigned ndone;

	/* A singleton (no worker rank) runs items itself, with this. */
	struct scx_backend local;
	bool local_mode;

	/* A worker rank. */
	struct scx_run *sub;
	uv_check_t *flusher; /* sends results once per loop pass */
	struct scx_config subcfg;
	char **argv; /* the spec's words */
	size_t argc;
	char *strs[SPEC_STRINGS];      /* its other strings (NULL: none) */
	struct scx_column_name *names; /* the --header names */
	size_t nnames;
	struct outseg *outq, *outq_tail; /* results not yet sent */
	uint64_t outq_bytes;
	struct scx_buf head; /* a record's header */
	struct scx_buf io;   /* bytes read back from a file */
	bool ended;	     /* END or STOP received */
};

/* mpi_link.c: sends, receives, the probe timer */

/** Sends @len bytes of @buf (which it owns from now on) without waiting. */
int mpib_send_async(struct sendq *q, int dest, int tag, char *buf, size_t len);
/** Sends a copy of @len bytes at @data. */
int mpib_send_copy(struct sendq *q, int dest, int tag, const void *data,
		   size_t len);
/** Frees the sends that completed.  @return whether any did. */
bool mpib_sends_progress(struct sendq *q);
/** Waits for every send, and frees them. */
void mpib_sends_wait(struct sendq *q);
/** Receives the next message from @source (MPI_ANY_SOURCE too) if one is
 * there.  @return 1 and the message (free *@buf), 0, or an error. */
int mpib_recv_any(int source, int *from, int *tag, char **buf, int *len);
void mpib_free_handle(uv_handle_t *h);
/** Starts the probe timer on m->loop, calling @on_poll (which calls
 * mpib_poll_again); without @keep_alive it does not keep the loop
 * running. */
int mpib_start_poll(struct mpib *m, bool keep_alive,
		    void (*on_poll)(struct mpib *m));
/** Probes again at once after progress, else after a growing pause. */
void mpib_poll_again(struct mpib *m, bool progress);
void mpib_stop_poll(struct mpib *m);

/* mpi_master.c: rank 0 */

/** Sends the job to every worker rank and starts handing out items.
 * @return 0 or an error. */
int mpib_master_start(struct mpib *m);
/** Gives the worker ranks their next chunks. */
void mpib_dispatch(struct mpib *m);
/** Frees the master's state (after the run, or a failed start). */
void mpib_master_free(struct mpib *m);

/* mpi_worker.c: a worker rank */

/** Runs this worker rank's share of the job: the backend's serve op. */
int mpib_serve(struct scx_backend *be);
/** Frees a worker rank's state. */
void mpib_worker_free(struct mpib *m);

#pragma GCC visibility pop

#endif
