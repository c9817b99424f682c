/* multiprocess.c: the multiprocess backend: worker slots on the run's
 * libuv loop, each running one process per item (its own session and
 * process group), stdout and stderr read through libuv pipes.  spawn.c
 * starts them (vfork: libuv 1.44's uv_spawn forks, which cost about twice
 * what xargs spends per item, bench/); libuv does the rest. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

/* An item's stdout beyond this much goes out as it comes when the core
 * lets it (the item is next in order), instead of being held whole. */
#define STREAM_AT (256u * 1024)

struct mp;
struct slot;

/* One running worker process and what it has written so far. */
struct proc {
	pid_t pid;
	uv_pipe_t out, err;
	struct scx__feed *in; /* its stdin, while in_open */
	struct slot *slot;
	const struct scx_item *item;
	struct scx_spool *obuf, *ebuf; /* the slot's */
	uint64_t start_ns, end_ns;
	int64_t start_us;
	int exit_status, term_signal;
	bool exited, out_open, err_open, in_open;
	bool signalled; /* the run's stop sent it a signal */
	int handles;	/* open handles; freed when none is left */
	bool reported;
	uv_timer_t timer; /* the drain after its exit */
	bool timer_open;
	bool timed_out;	     /* the core's --timeout sent it SIGTERM */
	bool timeout_killed; /* and SIGKILL after the grace */
	bool streaming;	     /* its stdout goes out as it comes */
	bool lost;	     /* part of its output could not be kept */
	bool command;	     /* its stdout begins with its command (-v) */
};

/* A chunk shared by the slots that run parts of it. */
struct mchunk {
	struct scx_chunk *c;
	unsigned refs;
};

/* A worker slot: a part of a chunk, run one process at a time. */
struct slot {
	struct mp *mp;
	unsigned index; /* 1-based, {%} and SCX_SLOT */
	struct mchunk *mc;
	size_t next, end; /* mc->c->items[next, end) have not started */
	struct proc *proc;
	/* Output spools, reused from item to item so that memory (and a
	 * temporary file, once an output needed one) is not allocated and
	 * trimmed for every process. */
	struct scx_spool obuf, ebuf;
};

struct mp {
	struct scx_run *run;
	uv_loop_t *loop;
	unsigned nslots;
	unsigned active; /* slots that take items: -j FILE's count */
	struct slot *slots;
	unsigned running; /* processes not yet reaped */
	uv_signal_t sigchld;
	bool sigchld_open;
	struct scx__spawner spawner;
	enum scx_stop stop;
	bool eof;
	/* No process could be created: wait for the timer or a process's
	 * end before trying again. */
	struct scx_backend *be;
	size_t stream_at; /* an output streams once this much waits */
	bool spawn_blocked, spawn_warned, retry_open;
	unsigned spawn_wait_ms;
	uv_timer_t retry;
};

static void slot_advance(struct slot *s);

/* -j FILE, read as an item ends: slots past it idle, those within run. */
static void
follow_workers(struct mp *mp)
{
	unsigned before = mp->active, i;

	if (!scx__workers_follow(scx_run_config(mp->run), mp->nslots,
				 &mp->active))
		return;
	for (i = before; i < mp->active && !mp->stop; i++)
		slot_advance(&mp->slots[i]);
}

/* ------------------------------------------------------------------ */
/* A process's life                                                    */
/* ------------------------------------------------------------------ */

static void
on_pipe_closed(uv_handle_t *h)
{
	struct proc *p = h->data;

	if (--p->handles == 0 && p->reported)
		free(p);
}

static void
close_pipe(uv_pipe_t *pipe, bool *open)
{
	if (!*open)
		return;
	*open = false;
	uv_close((uv_handle_t *)pipe, on_pipe_closed);
}

static void
close_pipes(struct proc *p)
{
	close_pipe(&p->out, &p->out_open);
	close_pipe(&p->err, &p->err_open);
	if (p->in_open)
		scx__feed_close(p->in, on_pipe_closed);
	p->in_open = false;
}

/* Reports an item that could not start, as a shell would: 127 when the
 * command is not found, 126 when it cannot be executed. */
static void
fail_item(struct slot *s, const struct scx_item *item, int status,
	  const char *msg)
{
	struct scx_result res;

	scx__result_init(&res, item, s->index, scx_run_rank(s->mp->run));
	res.exit_status = status;
	res.start_us = scx__wall_us();
	res.err = msg;
	res.err_len = strlen(msg);
	scx_run_done(s->mp->run, &res);
}

/* --line-buffer -k: the job that is now at the head offers its lines. */
static void
reoffer(struct mp *mp)
{
	struct proc *q;
	unsigned i;

	if (scx_run_config(mp->run)->grouping != SCX_LINE_BUFFER)
		return;
	for (i = 0; i < mp->nslots; i++)
		if ((q = mp->slots[i].proc) != NULL && !q->obuf->in_file)
			(void)scx__offer_live(mp->run, q->item,
					      mp->slots[i].index, false,
					      &q->obuf->mem);
}

static void
proc_finished(struct proc *p)
{
	struct slot *s = p->slot;
	struct mp *mp = s->mp;
	struct scx_bytes bytes;
	struct scx_result res;

	scx__result_init(&res, p->item, s->index, scx_run_rank(mp->run));
	res.term_signal = p->term_signal;
	res.exit_status = scx__exit_code(p->exit_status, p->term_signal);
	/* A timed-out item failed, also when it caught the SIGTERM and
	 * exited 0: it is reported as ended by that SIGTERM. */
	if (p->timed_out && res.exit_status == 0) {
		res.term_signal = SIGTERM;
		res.exit_status = 128 + SIGTERM;
	}
	res.start_us = p->start_us;
	res.duration_ns = p->end_ns - p->start_ns;
	if (p->signalled || p->lost)
		res.flags |= SCX_RESULT_STOPPED;
	if (p->timed_out)
		res.flags |= SCX_RESULT_TIMEOUT;
	if (p->streaming)
		res.flags |= SCX_RESULT_STREAMED;
	if (p->command)
		res.flags |= SCX_RESULT_COMMAND;
	scx_spool_view(&s->obuf, &bytes);
	scx_result_set_stdout(&res, &bytes);
	scx_spool_view(&s->ebuf, &bytes);
	scx_result_set_stderr(&res, &bytes);
	s->proc = NULL;
	p->reported = true;
	if (p->timer_open) {
		p->timer_open = false;
		uv_close((uv_handle_t *)&p->timer, on_pipe_closed);
	}
	if (p->handles == 0)
		free(p);
	scx_run_done(mp->run, &res);
	scx_spool_reset(&s->obuf);
	scx_spool_reset(&s->ebuf);
	reoffer(mp);
	follow_workers(mp);
	slot_advance(s);
}

static void
check_finished(struct proc *p)
{
	if (p->exited && !p->out_open && !p->err_open && !p->in_open)
		proc_finished(p);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct proc *p = h->data;
	struct scx_buf *b =
	    h == (uv_handle_t *)&p->out ? &p->obuf->mem : &p->ebuf->mem;

	(void)suggested;
	scx__read_space(b, buf);
}

static void
on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct proc *p = st->data;
	struct scx_run *run = p->slot->mp->run;
	bool is_out = st == (uv_stream_t *)&p->out;
	struct scx_spool *sp = is_out ? p->obuf : p->ebuf;
	struct scx_buf *b = &sp->mem;
	int err;

	(void)buf;
	if (nread > 0) {
		b->len += (size_t)nread;
		if (!sp->in_file &&
		    scx__offer_live(run, p->item, p->slot->index, !is_out, b))
			return;
		if (is_out && !sp->in_file &&
		    b->len >= p->slot->mp->stream_at &&
		    (p->streaming || scx_run_stream_begin(run, p->item->seq))) {
			p->streaming = true;
			scx_run_stream(run, p->item->seq, b->data, b->len);
			b->len = 0;
			return;
		}
		/* Past the spool's bound, the output goes to a file.  An
		 * output that could not be kept is not a result: the run
		 * ends with the error, and the item is not reported. */
		err = scx_spool_commit(sp);
		if (err != 0) {
			p->lost = true;
			scx_run_fail(run, err, sp->detail);
		}
		return;
	}
	if (nread == 0)
		return;
	/* EOF, or an error (ENOBUFS when memory ran out): the stream ends. */
	if (nread == UV_ENOBUFS)
		scx_run_fail(p->slot->mp->run, -ENOMEM,
			     "reading worker output");
	close_pipe(is_out ? &p->out : &p->err,
		   is_out ? &p->out_open : &p->err_open);
	check_finished(p);
}

static void maybe_close_sigchld(struct mp *mp);

/* Reads what @pipe holds already, through on_read() (see
 * scx__read_pending()). */
static void
read_pending(uv_pipe_t *pipe, bool open)
{
	if (open)
		scx__read_pending(pipe, on_alloc, on_read, NULL, NULL);
}

/* The item's process ended SCX__DRAIN_MS ago: what still holds its pipes
 * (a background child, a daemon) is not waited for; its output so far
 * is the item's, and the run's end stops it. */
static void
on_drain(uv_timer_t *t)
{
	struct proc *p = t->data;

	read_pending(&p->out, p->out_open);
	read_pending(&p->err, p->err_open);
	close_pipes(p);
	check_finished(p);
}

static void
start_drain(struct mp *mp, struct proc *p)
{
	if (!p->out_open && !p->err_open && !p->in_open)
		return;
	if (!p->timer_open) {
		uv_timer_init(mp->loop, &p->timer);
		p->timer.data = p;
		p->timer_open = true;
		p->handles++;
	}
	uv_timer_start(&p->timer, on_drain, SCX__DRAIN_MS, 0);
}

static void
proc_exited(struct proc *p, int status)
{
	struct mp *mp = p->slot->mp;

	p->end_ns = uv_hrtime();
	p->exited = true;
	mp->running--;
	mp->spawn_blocked = false; /* a process can be had again */
	scx__procs_reaped(p->pid);
	scx__wait_status(status, &p->exit_status, &p->term_signal);
	/* Killed: do not wait for pipes a stray grandchild may hold.  Timing
	 * out, the core's grace goes on (its SIGKILL comes through
	 * mp_signal_item()): a process the item started that ignores
	 * SIGTERM may still hold its pipes.  Otherwise the item did not time
	 * out, and its pipes get a short drain. */
	if (mp->stop == SCX_STOP_KILL || p->timeout_killed)
		close_pipes(p);
	else if (!p->timed_out)
		start_drain(mp, p);
	check_finished(p);
	maybe_close_sigchld(mp);
}

/* SIGCHLD: reap the slots' processes that ended (only ours: a library
 * user's other children are left alone). */
static void
on_sigchld(uv_signal_t *h, int signum)
{
	struct mp *mp = h->data;
	struct proc *p;
	unsigned i;
	int status;

	(void)signum;
	for (i = 0; i < mp->nslots; i++) {
		p = mp->slots[i].proc;
		if (p != NULL && !p->exited && scx__reap(p->pid, &status))
			proc_exited(p, status);
	}
}

static void
maybe_close_sigchld(struct mp *mp)
{
	if (mp->sigchld_open && mp->stop && mp->running == 0) {
		mp->sigchld_open = false;
		uv_close((uv_handle_t *)&mp->sigchld, NULL);
	}
	if (mp->retry_open && mp->stop) {
		mp->retry_open = false;
		uv_close((uv_handle_t *)&mp->retry, NULL);
	}
}

/* Its stdin is written, or the worker did not read it all (EPIPE): fine. */
static void
on_fed(void *arg)
{
	struct proc *p = arg;

	if (p->in_open)
		scx__feed_close(p->in, on_pipe_closed);
	p->in_open = false;
	check_finished(p);
}

static void
spawn_failed(struct slot *s, const struct scx_item *item, const char *file,
	     int err)
{
	char msg[512];
	int status;

	status = scx__start_failure(msg, sizeof(msg),
				    scx_run_config(s->mp->run), file, err);
	fail_item(s, item, status, msg);
}

/* Opens a pipe whose end of ours @handle wraps; the other end is
 * returned in *@theirs.  The handle counts as open even on failure (its
 * close frees it).  @return 0 or a negated errno. */
static int
open_pipe(struct mp *mp, struct proc *p, uv_pipe_t *handle, bool *open,
	  bool mine_reads, int *theirs)
{
	p->handles++;
	*open = true;
	return scx__pipe_open(mp->loop, handle, p, mine_reads, theirs);
}

static void mp_ready(struct scx_backend *be);

static void
on_spawn_retry(uv_timer_t *t)
{
	struct mp *mp = t->data;

	mp->spawn_blocked = false;
	mp_ready(mp->be);
}

/* A process could not be created for now: slot @s gives its item back
 * to its part (it starts again first), and no slot tries again before
 * the timer, whose wait grows from 10 ms to 1 s while it lasts, or before
 * one of our processes ends. */
static void
spawn_later(struct mp *mp, struct slot *s)
{
	char msg[256];

	s->next--;
	mp->spawn_blocked = true;
	mp->spawn_wait_ms = mp->spawn_wait_ms ? mp->spawn_wait_ms * 2 : 10;
	if (mp->spawn_wait_ms > 1000)
		mp->spawn_wait_ms = 1000;
	if (!mp->spawn_warned) {
		mp->spawn_warned = true;
		snprintf(msg, sizeof(msg),
			 "cannot start a process now (%s: the process limit, "
			 "or memory); items wait and start as processes end",
			 strerror(EAGAIN));
		scx_run_notice(mp->run, SCX_NOTICE_SPAWN_WAIT, msg);
	}
	if (!mp->retry_open) {
		uv_timer_init(mp->loop, &mp->retry);
		mp->retry.data = mp;
		mp->retry_open = true;
	}
	uv_timer_start(&mp->retry, on_spawn_retry, mp->spawn_wait_ms, 0);
}

/* A process for @item with its pipes, not started yet.  @return it, or
 * NULL (then *@err; the fds are closed). */
static struct proc *
new_proc(struct slot *s, const struct scx_item *item, bool with_stdin,
	 int fds[3], int *err)
{
	struct mp *mp = s->mp;
	struct proc *p;
	int i;

	fds[0] = fds[1] = fds[2] = -1;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	p->slot = s;
	p->item = item;
	p->obuf = &s->obuf;
	p->ebuf = &s->ebuf;
	p->reported = true; /* until it runs, the pipes free it */
	*err = open_pipe(mp, p, &p->out, &p->out_open, true, &fds[1]);
	if (*err == 0)
		*err = open_pipe(mp, p, &p->err, &p->err_open, true, &fds[2]);
	if (*err == 0 && with_stdin) {
		*err = scx__feed_open(mp->loop, &p->in, &fds[0], p);
		p->handles += *err == 0;
		p->in_open = *err == 0;
	}
	if (*err == 0)
		return p;
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close_pipes(p);
	if (p->handles == 0)
		free(p);
	return NULL;
}

/* The process of @p runs: its --timeout clock, its output read, its
 * item written to its stdin when it takes it there. */
static void
proc_running(struct proc *p, const struct scx_command *cmd)
{
	struct slot *s = p->slot;
	struct mp *mp = s->mp;

	mp->spawn_wait_ms = 0;
	p->reported = false;
	s->proc = p;
	mp->running++;
	scx_run_item_started(mp->run, p->item->seq);
	uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&p->err, on_alloc, on_read);
	if (p->in_open)
		scx__feed_start(p->in, cmd, on_fed, p);
}

/* Starts @item on slot @s; on failure the item's result is reported at
 * once and s->proc stays NULL. */
static void
spawn(struct slot *s, const struct scx_item *item)
{
	struct mp *mp = s->mp;
	struct scx_command cmd;
	struct scx__spawn_req req;
	char msg[512];
	struct proc *p;
	int fds[3], err, status;

	err = scx_run_command(mp->run, item, s->index, &cmd);
	if (scx__unrunnable(scx_run_config(mp->run), err, &status, msg,
			    sizeof(msg))) {
		fail_item(s, item, status, msg);
		return;
	}
	p = err == 0 ? new_proc(s, item, cmd.stdin_data || cmd.stdin_fd >= 0,
				fds, &err)
		     : NULL;
	if (p != NULL && cmd.stdin_own >= 0)
		fds[0] = cmd.stdin_own; /* closed once the child has it */
	if (p == NULL) {
		/* No pipe or no memory: the executor itself is broken. */
		scx_run_fail(mp->run, err, "starting a worker");
		scx_run_abandon(mp->run, item);
		return;
	}
	p->start_us = scx__wall_us();
	p->start_ns = uv_hrtime();
	/* stdin: the item's pipe, or /dev/null (-1); exec's errno if it
	 * failed (ENOENT, EACCES...). */
	req = (struct scx__spawn_req){ cmd.argv, cmd.envp, fds[0], fds[1],
				       fds[2],	 NULL,	   0,	   cmd.cwd };
	err = scx__spawn(&mp->spawner, &req, &p->pid);
	close(fds[1]);
	close(fds[2]);
	if (fds[0] >= 0)
		close(fds[0]);
	if (err == -EAGAIN || err == -ENOMEM) {
		/* No process to be had now (the process limit, memory):
		 * the item waits and starts again later, as GNU parallel
		 * does, rather than fail. */
		close_pipes(p);
		spawn_later(mp, s);
		return;
	}
	if (err != 0) {
		spawn_failed(s, item, cmd.argv[0], err);
		close_pipes(p);
		return;
	}
	scx__trace(mp->run, item, s->index);
	p->command = scx__live_command(mp->run, item, s->index, &s->obuf.mem);
	proc_running(p, &cmd);
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

static struct mchunk *
mchunk_new(struct scx_chunk *c)
{
	struct mchunk *mc = malloc(sizeof(*mc));

	if (mc != NULL) {
		mc->c = c;
		mc->refs = 1;
	}
	return mc;
}

/* The slot is done with its part of the chunk. */
static void
slot_release(struct slot *s)
{
	if (s->mc != NULL && --s->mc->refs == 0) {
		scx_chunk_destroy(s->mc->c);
		free(s->mc);
	}
	s->mc = NULL;
	s->next = s->end = 0;
}

/* Gives back the items of the slot's part that have not started. */
static void
abandon_rest(struct slot *s)
{
	if (s->mc == NULL)
		return;
	for (; s->next < s->end; s->next++)
		scx_run_abandon(s->mp->run, &s->mc->c->items[s->next]);
}

/* An idle slot takes over the back half of the unstarted items of the
 * slot that has the most, so that a chunk behind a slow item does not
 * wait while other slots have nothing to do.  @return whether it did. */
static bool
steal(struct slot *s)
{
	struct mp *mp = s->mp;
	struct slot *v = NULL;
	size_t most = 0, left, k;
	unsigned i;

	for (i = 0; i < mp->nslots; i++) {
		left = mp->slots[i].end - mp->slots[i].next;
		if (&mp->slots[i] != s && mp->slots[i].mc && left > most) {
			most = left;
			v = &mp->slots[i];
		}
	}
	if (v == NULL)
		return false;
	k = (most + 1) / 2;
	s->mc = v->mc;
	s->mc->refs++;
	s->end = v->end;
	s->next = v->end - k;
	v->end = s->next;
	return true;
}

static void slot_advance(struct slot *s);

/* A slot took a chunk of several items: idle slots may share it. */
static void
wake_idle(struct mp *mp, const struct slot *s)
{
	unsigned i;

	for (i = 0; i < mp->nslots && s->end - s->next > 1; i++)
		if (mp->slots[i].proc == NULL && &mp->slots[i] != s)
			slot_advance(&mp->slots[i]);
}

/* Takes a new chunk for @s.  @return whether it got one. */
static bool
slot_take(struct slot *s)
{
	struct mp *mp = s->mp;
	struct scx_chunk *c;
	size_t i;
	int err;

	if (mp->eof)
		return false;
	err = scx_run_take(mp->run, 0, &c);
	if (err == SCX_EOF)
		mp->eof = true;
	if (err != 0)
		return false;
	s->mc = mchunk_new(c);
	if (s->mc == NULL) {
		for (i = 0; i < c->n; i++)
			scx_run_abandon(mp->run, &c->items[i]);
		scx_chunk_destroy(c);
		scx_run_fail(mp->run, -ENOMEM, "taking items");
		return false;
	}
	s->next = 0;
	s->end = c->n;
	return true;
}

/* Keeps the slot busy: the next item of its part, a new chunk, or items
 * taken over from another slot. */
static void
slot_advance(struct slot *s)
{
	struct mp *mp = s->mp;

	while (s->proc == NULL) {
		/* A stop asked from inside a callback (--halt soon) is not
		 * applied yet: the chunk's other items must not start. */
		if (mp->stop || scx_run_stopping(mp->run)) {
			abandon_rest(s);
		} else if (s->index > mp->active) {
			return; /* -j FILE lowered the count: others steal */
		} else if (s->mc && s->next < s->end) {
			if (mp->spawn_blocked)
				return;
			spawn(s, &s->mc->c->items[s->next++]);
			if (mp->spawn_blocked)
				return;
			continue;
		}
		slot_release(s);
		if (mp->stop || scx_run_stopping(mp->run))
			return;
		if (slot_take(s)) {
			wake_idle(mp, s);
			continue;
		}
		if (!steal(s))
			return;
	}
}

/* ------------------------------------------------------------------ */
/* The backend                                                         */
/* ------------------------------------------------------------------ */

static int
mp_open(struct scx_backend *be, struct scx_run *run)
{
	struct mp *mp;
	size_t limit;
	unsigned i;

	mp = calloc(1, sizeof(*mp));
	if (mp == NULL)
		return -ENOMEM;
	mp->run = run;
	mp->loop = scx_run_loop(run);
	/* Two pipes per running item, two more while one starts.  -j FILE
	 * may ask for more later: as many slots as -j 0 gets. */
	mp->active = scx_run_workers_wanted(run);
	mp->nslots = scx_run_fit_workers(run,
					 scx__workers_live(scx_run_config(run))
					     ? scx_workers_most()
					     : mp->active,
					 3);
	if (mp->active > mp->nslots)
		mp->active = mp->nslots;
	mp->slots = calloc(mp->nslots, sizeof(*mp->slots));
	if (mp->slots == NULL) {
		free(mp);
		return -ENOMEM;
	}
	scx__spawner_init(&mp->spawner);
	mp->spawner.nice = scx_run_config(run)->nice;
	/* Each slot's streams may hold this much before a file takes them:
	 * all of them together stay near 16 MiB. */
	limit = (16u << 20) / (2 * mp->nslots);
	if (limit > SCX__SPOOL_MEM)
		limit = SCX__SPOOL_MEM;
	if (limit < SCX__SPOOL_MIN)
		limit = SCX__SPOOL_MIN;
	/* An output streams once this much of it waits, before its spool
	 * would spill. */
	mp->stream_at = limit / 2 < STREAM_AT ? limit / 2 : STREAM_AT;
	for (i = 0; i < mp->nslots; i++) {
		mp->slots[i].mp = mp;
		mp->slots[i].index = i + 1;
		scx_spool_init(&mp->slots[i].obuf, limit);
		scx_spool_init(&mp->slots[i].ebuf, limit);
	}
	mp->be = be;
	be->data = mp;
	return 0;
}

static int
mp_start(struct scx_backend *be)
{
	struct mp *mp = be->data;
	int err;

	err = uv_signal_init(mp->loop, &mp->sigchld);
	if (err != 0)
		return err;
	mp->sigchld.data = mp;
	mp->sigchld_open = true;
	err = uv_signal_start(&mp->sigchld, on_sigchld, SIGCHLD);
	if (err != 0)
		return err;
	scx__spawner_note_signals(&mp->spawner);
	be->ops->ready(be);
	return 0;
}

static void
mp_ready(struct scx_backend *be)
{
	struct mp *mp = be->data;
	unsigned i;

	for (i = 0; i < mp->nslots && !mp->eof && !mp->stop; i++)
		slot_advance(&mp->slots[i]);
}

static void
mp_stop(struct scx_backend *be, enum scx_stop how)
{
	struct mp *mp = be->data;
	struct proc *p;
	unsigned i;

	if (how > mp->stop)
		mp->stop = how;
	for (i = 0; i < mp->nslots; i++) {
		struct slot *s = &mp->slots[i];

		abandon_rest(s);
		p = s->proc;
		if (p == NULL || how == SCX_STOP_DRAIN)
			continue;
		p->signalled = true;
		kill(-p->pid, how == SCX_STOP_KILL ? SIGKILL : SIGTERM);
		if (how == SCX_STOP_KILL && p->exited) {
			close_pipes(p);
			check_finished(p);
		}
	}
	maybe_close_sigchld(mp);
}

/* --timeout, timed by the core: SIGTERM to the item's process group when
 * its time is up; SIGKILL to the group after the grace, to one that timed
 * out. */
static int
mp_signal_item(struct scx_backend *be, uint64_t seq, int sig)
{
	struct mp *mp = be->data;
	struct proc *p = NULL;
	unsigned i;
	int status;

	for (i = 0; i < mp->nslots && p == NULL; i++)
		if (mp->slots[i].proc && mp->slots[i].proc->item->seq == seq)
			p = mp->slots[i].proc;
	if (p == NULL || p->timeout_killed || p->timed_out != (sig == SIGKILL))
		return -ESRCH;
	if (sig == SIGKILL) {
		/* Even when the item's own process already died of the
		 * SIGTERM; then its pipes are not waited for (a process
		 * outside the group may hold them). */
		p->timeout_killed = true;
		kill(-p->pid, SIGKILL);
		if (p->exited) {
			close_pipes(p);
			check_finished(p);
		}
		return 0;
	}
	/* The runner may have been stopped (SIGSTOP) while the item ended
	 * in time: timers run before SIGCHLD is seen.  An item that has
	 * exited did not time out. */
	if (p->exited)
		return -ESRCH;
	if (scx__reap(p->pid, &status)) {
		proc_exited(p, status);
		return -ESRCH;
	}
	p->timed_out = true;
	kill(-p->pid, sig);
	return 0;
}

static void
mp_close(struct scx_backend *be)
{
	struct mp *mp = be->data;
	unsigned i;

	if (mp == NULL)
		return;
	for (i = 0; i < mp->nslots; i++) {
		slot_release(&mp->slots[i]);
		scx_spool_free(&mp->slots[i].obuf);
		scx_spool_free(&mp->slots[i].ebuf);
	}
	scx__spawner_free(&mp->spawner);
	free(mp->slots);
	free(mp);
	be->data = NULL;
}

static unsigned
mp_size(const struct scx_backend *be)
{
	const struct mp *mp = be->data;

	return mp->nslots;
}

const struct scx_backend_ops scx_backend_multiprocess = {
	.name = "multiprocess",
	.open = mp_open,
	.start = mp_start,
	.ready = mp_ready,
	.stop = mp_stop,
	.close = mp_close,
	.size = mp_size,
	.signal_item = mp_signal_item,
};
