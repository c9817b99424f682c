/* run.c: the core of a run: hands items to the backend, puts results in
 * order, writes them, and applies the signal and stop policy, the same
 * for every backend. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

enum { SIG_INT, SIG_TERM, SIG_HUP, NSIGNALS };
static const int handled_signals[NSIGNALS] = { SIGINT, SIGTERM, SIGHUP };

struct scx_run {
	const struct scx_config *cfg;
	struct scx_backend be;
	bool be_open;
	struct scx__sizing sizing; /* how many workers, and why */
	size_t chunksize;

	struct scx__intake intake; /* where items come from */
	struct scx__builder cmd;   /* each item's command */

	uv_loop_t loop;
	bool loop_ready;
	uv_async_t input_async;
	uv_signal_t signals[NSIGNALS];
	uv_timer_t grace;
	uv_prepare_t prepare;
	bool handles_open;

	/* --delay, --memfree, --load: the timer that ends a wait. */
	uv_timer_t throttle;
	/* Reaps what items left behind, every second. */
	uv_timer_t sweep;
	/* --progress. */
	uv_timer_t progress_timer;
	uint64_t t0_ns;

	struct scx__deliver deliver; /* where results go */

	/* Requests from inside backend callbacks, applied on the next loop
	 * pass so that a backend is never re-entered. */
	enum scx_stop stop_wanted;
	enum scx_stop stop_done;
	bool finish_wanted;

	/* Failure handling: the job log and results directory, retries,
	 * --halt. */
	struct scx__ledger ledger;
	struct scx__halt halt;
	struct scx__timeouts *timeouts; /* --timeout's clocks, or NULL */

	bool executed;
	uint64_t outstanding;
	struct scx_summary sum;
	int error;
	char detail[512];
};

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

static void set_detail(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_detail(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Applies --if-serial when the backend ended up with one worker. */
static int
check_serial(struct scx_run *run, char *detail, size_t size)
{
	char explain[256];

	if (run->cfg->dry_run || scx_backend_size(&run->be) != 1 ||
	    !scx_run_is_master(run))
		return 0;
	explain[0] = '\0';
	if (run->be.ops->explain_size)
		run->be.ops->explain_size(&run->be, explain, sizeof(explain));
	return scx__sizing_serial(&run->sizing, run->cfg, explain, detail,
				  size);
}

int
scx__run_create(struct scx_run **out, const struct scx_config *cfg,
		const struct scx_backend_ops *ops, char *detail,
		size_t detail_size)
{
	struct scx_run *run;
	int err;

	set_detail(detail, detail_size, "%s", "");
	run = calloc(1, sizeof(*run));
	if (run == NULL)
		return -ENOMEM;
	run->cfg = cfg;
	scx__sizing_init(&run->sizing, cfg);
	scx__ledger_init(&run->ledger);
	scx__deliver_init(&run->deliver, cfg, &run->ledger);
	scx__intake_init(&run->intake, cfg, &run->ledger, &run->cmd);

	err = uv_loop_init(&run->loop);
	if (err != 0)
		goto error;
	run->loop_ready = true;

	run->be.ops = ops;
	run->be.run = run;
	run->sizing.creating = true;
	err = ops->open(&run->be, run);
	if (err != 0) {
		/* What open allocated before it failed is close's to free. */
		if (run->be.data != NULL)
			scx_backend_close(&run->be);
		set_detail(detail, detail_size, "%s", ops->name);
		goto error;
	}
	run->be_open = true;
	err = check_serial(run, detail, detail_size);
	if (err != 0)
		goto error;
	run->sizing.creating = false;
	scx__sizing_notify(&run->sizing, cfg);
	*out = run;
	return 0;

error:
	scx_run_destroy(run);
	return err;
}

void
scx_run_destroy(struct scx_run *run)
{
	if (run == NULL)
		return;
	scx__intake_close_inputs(&run->intake);
	scx__timeouts_close(run->timeouts);
	if (run->be_open)
		scx_backend_close(&run->be);
	if (run->loop_ready) {
		/* Let close callbacks of anything left run, then free. */
		uv_run(&run->loop, UV_RUN_DEFAULT);
		uv_loop_close(&run->loop);
	}
	scx__intake_free(&run->intake);
	scx__ledger_close(&run->ledger);
	scx__builder_close(&run->cmd);
	scx__deliver_free(&run->deliver);
	free(run);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */

unsigned
scx_run_size(const struct scx_run *run)
{
	return scx_backend_size(&run->be);
}

int
scx_run_rank(const struct scx_run *run)
{
	return scx_backend_rank(&run->be);
}

bool
scx_run_is_master(const struct scx_run *run)
{
	return scx_backend_is_master(&run->be);
}

const char *
scx_run_backend_name(const struct scx_run *run)
{
	return run->be.ops->name;
}

size_t
scx_run_chunksize(const struct scx_run *run)
{
	return run->chunksize;
}

int64_t
scx_run_item_count(const struct scx_run *run)
{
	return run->intake.count;
}

const struct scx_column_name *
scx_run_column_names(const struct scx_run *run, size_t *n)
{
	return scx__intake_names(&run->intake, n);
}

const struct scx_config *
scx_run_config(const struct scx_run *run)
{
	return run->cfg;
}

struct uv_loop_s *
scx_run_loop(struct scx_run *run)
{
	return &run->loop;
}

unsigned
scx_run_workers_wanted(const struct scx_run *run)
{
	return run->sizing.wanted;
}

int
scx_run_open_nested(struct scx_run *run, struct scx_backend *be,
		    const struct scx_backend_ops *ops, unsigned workers)
{
	int err;

	run->sizing.wanted = workers;
	be->ops = ops;
	be->run = run;
	be->data = NULL;
	err = ops->open(be, run);
	if (err != 0 && be->data != NULL) {
		scx_backend_close(be);
		be->data = NULL;
	}
	return err;
}

unsigned
scx_run_fit_workers(struct scx_run *run, unsigned n, unsigned fds_each)
{
	return scx__sizing_fit(&run->sizing, run->cfg, n, fds_each);
}

const char *
scx_run_error_detail(const struct scx_run *run)
{
	return run->detail[0] ? run->detail : NULL;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

int
scx_run_command(struct scx_run *run, const struct scx_item *item, unsigned slot,
		struct scx_command *cmd)
{
	return scx__builder_command(&run->cmd, item, slot, cmd);
}

int
scx_run_worker_command(struct scx_run *run, unsigned slot,
		       struct scx_command *cmd)
{
	return scx__builder_worker(&run->cmd, slot, cmd);
}

int
scx_run_command_text(struct scx_run *run, const struct scx_item *item,
		     unsigned slot, const char **text, size_t *len)
{
	int err = scx__builder_text(&run->cmd, item, slot, &run->cmd.text);

	*text = run->cmd.text.data ? run->cmd.text.data : "";
	*len = run->cmd.text.len;
	return err;
}

/* Whether items go to long-lived workers' stdin (loky, mpi --reuse). */
static bool
items_on_stdin(const struct scx_run *run)
{
	return scx_backend_flags(run->be.ops, run->cfg) &
	       SCX_BACKEND_ITEMS_ON_STDIN;
}

/* The job log's Command for @item: what --dry-run prints, or for
 * reusable workers the item itself, quoted; an item that cannot be an
 * argument (a NUL byte) is logged as it is. */
static int
log_command(struct scx_run *run, const struct scx_item *item, unsigned slot)
{
	int err = scx__builder_text(&run->cmd, item, slot, &run->cmd.text);

	if (err == SCX_ENUL)
		return scx_buf_append(&run->cmd.text, item->data, item->len);
	return err;
}

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

static void request_stop(struct scx_run *run, enum scx_stop how);
static void maybe_finish(struct scx_run *run);
static void scx_run_fail_detail(struct scx_run *run, int err,
				const char *detail);

/* What delivering results found wrong becomes the run's error and the
 * stop it needs. */
static void
absorb(struct scx_run *run)
{
	struct scx__deliver *d = &run->deliver;

	if (d->broken_pipe)
		run->sum.broken_pipe = true;
	if (d->interrupted && run->sum.stop_signal == 0)
		run->sum.stop_signal = scx__interrupt_signal;
	if (d->error != 0 && run->error == 0) {
		run->error = d->error;
		set_detail(run->detail, sizeof(run->detail), "%s", d->detail);
	}
	if (d->stop > 0) {
		request_stop(run, d->stop);
		d->stop = 0;
	}
}

static void
flush_output(struct scx_run *run)
{
	scx__deliver_flush(&run->deliver);
	absorb(run);
}

void
scx_run_stderr(struct scx_run *run, const char *data, size_t len)
{
	scx__deliver_stderr(&run->deliver, data, len);
	absorb(run);
}

/* The result (or the gap) for @seq goes to delivery, with its command
 * text when the job log (or --results FILE.csv) records it. */
static void
order_result(struct scx_run *run, uint64_t seq, const struct scx_result *res)
{
	struct scx_item item;
	const char *cmd = NULL;
	size_t cmd_len = 0;

	if (res != NULL && (run->ledger.joblog_fd >= 0 ||
			    run->ledger.record_fd >= 0 || run->cfg->verbose)) {
		item.seq = res->seq;
		item.data = res->item;
		item.len = res->item_len;
		if (log_command(run, &item, res->worker) != 0) {
			scx_run_fail(run, -ENOMEM, "the job log's command");
			return;
		}
		cmd = run->cmd.text.data;
		cmd_len = run->cmd.text.len;
	}
	scx__deliver_result(&run->deliver, seq, res, cmd, cmd_len);
	absorb(run);
}

bool
scx_run_stream_begin(struct scx_run *run, uint64_t seq)
{
	return scx__deliver_stream_begin(&run->deliver, seq);
}

size_t
scx_run_live(struct scx_run *run, const struct scx_item *item, unsigned slot,
	     bool is_err, const char *data, size_t len)
{
	len = scx__deliver_live(&run->deliver, item, slot, is_err, data, len);
	absorb(run);
	return len;
}

void
scx_run_stream(struct scx_run *run, uint64_t seq, const char *data, size_t len)
{
	scx__deliver_stream(&run->deliver, seq, data, len);
	absorb(run);
}

/* The progress line's figures now. */
static void
progress_draw(struct scx_run *run, bool final)
{
	struct scx__progress p;

	p.done = run->sum.items;
	p.failed = run->sum.failed;
	p.skipped = run->sum.skipped;
	p.total = run->intake.count > 0 ? (uint64_t)run->intake.count : 0;
	p.elapsed = (double)(uv_hrtime() - run->t0_ns) / 1e9;
	p.name = run->cfg->progname;
	p.workers = scx_run_size(run);
	p.running = (unsigned)(run->outstanding < p.workers ? run->outstanding
							    : p.workers);
	p.cpus = scx_cpus_available();
	scx__deliver_progress(&run->deliver, &p, final);
}

static void
on_progress(uv_timer_t *t)
{
	progress_draw(t->data, false);
}

/* ------------------------------------------------------------------ */
/* The run's life                                                      */
/* ------------------------------------------------------------------ */

static bool
input_exhausted(struct scx_run *run)
{
	return scx__intake_exhausted(&run->intake);
}

static void
maybe_finish(struct scx_run *run)
{
	if (!run->handles_open || run->outstanding > 0)
		return;
	if (run->stop_wanted || input_exhausted(run))
		run->finish_wanted = true;
}

static void
close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Everything is done: write the rest and let the loop end. */
static void
finish(struct scx_run *run)
{
	size_t i;

	run->handles_open = false;
	scx__intake_close_inputs(&run->intake);
	scx__intake_give_back(&run->intake);
	scx__deliver_finish(&run->deliver);
	absorb(run);
	close_handle((uv_handle_t *)&run->input_async);
	for (i = 0; i < NSIGNALS; i++)
		close_handle((uv_handle_t *)&run->signals[i]);
	close_handle((uv_handle_t *)&run->grace);
	close_handle((uv_handle_t *)&run->prepare);
	close_handle((uv_handle_t *)&run->throttle);
	close_handle((uv_handle_t *)&run->progress_timer);
	close_handle((uv_handle_t *)&run->sweep);
	scx__timeouts_close(run->timeouts);
	run->timeouts = NULL;
	/* Let the backend retire its executors. */
	if (run->stop_done == 0) {
		run->stop_done = SCX_STOP_DRAIN;
		scx_backend_stop(&run->be, SCX_STOP_DRAIN);
	}
}

static void
on_grace(uv_timer_t *t)
{
	struct scx_run *run = t->data;

	request_stop(run, SCX_STOP_KILL);
}

static void
request_stop(struct scx_run *run, enum scx_stop how)
{
	if (how > run->stop_wanted)
		run->stop_wanted = how;
}

/* Applies a wanted stop: the backend hears of it once per level. */
static void
apply_stop(struct scx_run *run)
{
	enum scx_stop how = run->stop_wanted;

	if (how <= run->stop_done || !run->handles_open)
		return;
	run->stop_done = how;
	if (how == SCX_STOP_TERMINATE)
		uv_timer_start(&run->grace, on_grace, SCX__GRACE_MS, 0);
	else if (how == SCX_STOP_KILL)
		uv_timer_stop(&run->grace);
	scx_backend_stop(&run->be, how);
	/* And what finished items left behind. */
	if (how >= SCX_STOP_TERMINATE)
		scx__procs_kill_left(how == SCX_STOP_KILL ? SIGKILL : SIGTERM);
	maybe_finish(run);
}

static void
on_prepare(uv_prepare_t *p)
{
	struct scx_run *run = p->data;

	apply_stop(run);
	if (run->handles_open) {
		flush_output(run);
		apply_stop(run);
	}
	if (run->finish_wanted && run->handles_open)
		finish(run);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct scx_run *run = h->data;

	if (signum == SIGHUP) {
		if (run->sum.stop_signal == 0)
			run->sum.stop_signal = SIGHUP;
		request_stop(run, SCX_STOP_DRAIN);
	} else if (run->stop_done >= SCX_STOP_TERMINATE) {
		/* A second interrupt: no more grace. */
		request_stop(run, SCX_STOP_KILL);
	} else {
		run->sum.stop_signal = signum;
		request_stop(run, SCX_STOP_TERMINATE);
	}
	apply_stop(run);
}

/* Items may be there now (input arrived, a retry, a throttle ended):
 * the backend hears of it unless the run stops. */
static void
items_ready(struct scx_run *run)
{
	if (!run->handles_open)
		return;
	apply_stop(run);
	if (run->stop_wanted == 0)
		scx_backend_ready(&run->be);
	maybe_finish(run);
}

static void
on_input(uv_async_t *a)
{
	items_ready(a->data);
}

static void
notify_input(void *arg)
{
	struct scx_run *run = arg;

	uv_async_send(&run->input_async);
}

/* --shell: said once, before any item, by the process that parsed the
 * command line (not a fed run). */
static void
warn_quoted(struct scx_run *run)
{
	const struct scx_config *cfg = run->cfg;
	char msg[320];

	if (!cfg->fed && cfg->notice &&
	    scx__builder_quote_notice(&run->cmd, msg, sizeof(msg)))
		cfg->notice(cfg->notice_arg, SCX_NOTICE_SHELL_QUOTED, msg);
}

/* The workers' environment, with the rank and size they are told. */
static int
env_ready(struct scx_run *run)
{
	return scx__builder_env(&run->cmd, scx_run_rank(run),
				run->cfg->size ? run->cfg->size
					       : scx_run_size(run));
}

/* Everything execute() needs before the loop runs. */
static int
prepare_run(struct scx_run *run)
{
	const struct scx_config *cfg = run->cfg;
	const char *bad = NULL;
	bool on_stdin;
	uint64_t n = 0;
	int err;

	on_stdin = items_on_stdin(run);
	run->deliver.send_items = cfg->pipe_item || on_stdin;
	if ((err = scx__builder_open(&run->cmd, cfg, on_stdin)) != 0 ||
	    (err = scx__tagger_open(&run->deliver.tags, cfg, on_stdin)) != 0)
		return err;
	err = scx__intake_check_throttles(&run->intake);
	if (err != 0) {
		set_detail(run->detail, sizeof(run->detail), "%s",
			   run->intake.detail);
		return err;
	}
	warn_quoted(run);
	err = scx__timeouts_for(&run->timeouts, &run->loop, &run->be, cfg);
	if (err != 0)
		return err;
	if (cfg->fed) {
		run->chunksize = cfg->chunksize ? cfg->chunksize : 1;
		return env_ready(run);
	}
	err = scx__intake_open_inputs(&run->intake, scx_run_size(run), &bad);
	if (err != 0) {
		set_detail(run->detail, sizeof(run->detail),
			   "cannot read input '%s': %s", bad ? bad : "-",
			   scx_strerror(err));
		return err;
	}
	n = run->intake.count >= 0 ? (uint64_t)run->intake.count : 0;
	run->chunksize = cfg->chunksize
			     ? cfg->chunksize
			     : scx_default_chunksize(n, run->intake.count >= 0,
						     scx_run_size(run));
	if (cfg->joblog || cfg->results) {
		err = scx__ledger_open(&run->ledger, cfg,
				       !scx__builder_uses_slot(&run->cmd));
		if (err != 0) {
			set_detail(run->detail, sizeof(run->detail), "%s",
				   run->ledger.detail);
			return err;
		}
	}
	return env_ready(run);
}

static void
on_sweep(uv_timer_t *t)
{
	(void)t;
	scx__procs_sweep();
}

static int
open_handles(struct scx_run *run)
{
	struct sigaction old;
	size_t i;
	int err;

	err = uv_async_init(&run->loop, &run->input_async, on_input);
	if (err != 0)
		return err;
	run->input_async.data = run;
	uv_timer_init(&run->loop, &run->grace);
	run->grace.data = run;
	uv_unref((uv_handle_t *)&run->grace);
	uv_timer_init(&run->loop, &run->throttle);
	run->throttle.data = run;
	uv_timer_init(&run->loop, &run->sweep);
	run->sweep.data = run;
	uv_timer_start(&run->sweep, on_sweep, 1000, 1000);
	uv_unref((uv_handle_t *)&run->sweep);
	uv_timer_init(&run->loop, &run->progress_timer);
	run->progress_timer.data = run;
	uv_unref((uv_handle_t *)&run->progress_timer);
	if (run->cfg->progress) {
		scx__deliver_progress_on(&run->deliver);
		uv_timer_start(&run->progress_timer, on_progress, 200, 200);
	}
	uv_prepare_init(&run->loop, &run->prepare);
	run->prepare.data = run;
	uv_prepare_start(&run->prepare, on_prepare);
	uv_unref((uv_handle_t *)&run->prepare);
	for (i = 0; i < NSIGNALS; i++) {
		uv_signal_init(&run->loop, &run->signals[i]);
		run->signals[i].data = run;
		/* SIGHUP ignored when we started (nohup) stays ignored.
		 * SIGINT and SIGTERM are always ours: a script's background
		 * job starts with SIGINT ignored, and kill -INT must still
		 * stop the run cleanly. */
		if (handled_signals[i] == SIGHUP &&
		    sigaction(SIGHUP, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		uv_signal_start(&run->signals[i], on_signal,
				handled_signals[i]);
		if (handled_signals[i] != SIGHUP)
			scx__interrupt_writes_on(handled_signals[i]);
	}
	run->handles_open = true;
	return 0;
}

int
scx_run_execute(struct scx_run *run, struct scx_summary *summary)
{
	struct sigaction ign, old;
	int err;

	if (run->executed)
		return -EALREADY;
	run->executed = true;
	scx__interrupted = 0;
	scx__interrupt_signal = 0;
	/* A process that is not the master (an MPI worker rank) reads no
	 * input and writes no output: it serves the master. */
	if (!scx_run_is_master(run) && run->be.ops->serve) {
		err = run->be.ops->serve(&run->be);
		goto out;
	}
	run->t0_ns = uv_hrtime();
	err = prepare_run(run);
	if (err != 0)
		goto out;
	err = open_handles(run);
	if (err != 0)
		goto out;
	scx__procs_open();

	/* A closed stdout must be an EPIPE we handle, not a signal. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);

	err = scx__intake_start(&run->intake, notify_input, run);
	if (err != 0) {
		scx_run_fail(run, err, "starting the input thread");
	} else {
		err = scx_backend_start(&run->be);
		if (err != 0)
			scx_run_fail(run, err, "starting the backend");
	}
	maybe_finish(run);
	uv_run(&run->loop, UV_RUN_DEFAULT);
	/* What the items left behind does not outlive the run. */
	scx__procs_close();
	if (run->cfg->progress && !run->sum.broken_pipe)
		progress_draw(run, true);
	sigaction(SIGPIPE, &old, NULL);
	err = run->error;
out:
	if (err != 0 && run->error == 0)
		run->error = err;
	run->sum.error = run->error;
	run->sum.total =
	    run->intake.count > 0 ? (uint64_t)run->intake.count : 0;
	if (summary)
		*summary = run->sum;
	return run->error;
}

/* ------------------------------------------------------------------ */
/* Functions for backends                                              */
/* ------------------------------------------------------------------ */

int
scx_run_feed(struct scx_run *run, struct scx_chunk *chunk)
{
	int err = scx__intake_feed(&run->intake, chunk);

	if (err == 0 && run->handles_open)
		uv_async_send(&run->input_async);
	return err;
}

void
scx_run_feed_end(struct scx_run *run)
{
	scx__intake_feed_end(&run->intake);
	if (run->handles_open)
		uv_async_send(&run->input_async);
}

bool
scx_run_stopping(const struct scx_run *run)
{
	return run->stop_wanted != 0;
}

void
scx_run_stop(struct scx_run *run, enum scx_stop how)
{
	request_stop(run, how);
	if (run->handles_open)
		uv_async_send(&run->input_async);
}

static void
on_throttle(uv_timer_t *t)
{
	items_ready(t->data);
}

/* What the intake found wrong becomes the run's error and stop. */
static void
absorb_intake(struct scx_run *run)
{
	struct scx__intake *in = &run->intake;

	if (in->error != 0 && run->error == 0) {
		run->error = in->error;
		set_detail(run->detail, sizeof(run->detail), "%s", in->detail);
	}
	if (in->stop > 0) {
		request_stop(run, in->stop);
		in->stop = 0;
	}
}

int
scx_run_take(struct scx_run *run, size_t max, struct scx_chunk **out)
{
	uint64_t wait;
	size_t i;
	int err;

	if (run->stop_wanted)
		return SCX_EOF;
	if (max == 0)
		max = run->chunksize;
	/* A throttle holds the items until its timer ends. */
	if (run->handles_open && uv_is_active((uv_handle_t *)&run->throttle))
		return SCX_EAGAIN;
	err = scx__intake_take(&run->intake, max, run->outstanding,
			       uv_hrtime() / 1000000, run->handles_open, out,
			       &wait);
	/* Items --resume skipped leave gaps in the output order. */
	for (i = 0; i < run->intake.nskipped; i++) {
		run->sum.skipped++;
		order_result(run, run->intake.skipped[i], NULL);
	}
	run->intake.nskipped = 0;
	absorb_intake(run);
	if (err == SCX_EAGAIN && wait > 0)
		uv_timer_start(&run->throttle, on_throttle, wait, 0);
	if (err == 0)
		run->outstanding += (*out)->n;
	if (err != 0 && run->stop_wanted)
		maybe_finish(run);
	return err;
}

/* --retries: queues a failed item to run again.  @return whether it was. */
static bool
retry(struct scx_run *run, const struct scx_result *res)
{
	if (run->stop_wanted || !scx__intake_retry(&run->intake, res))
		return false;
	/* A backend that heard "no more items" learns there is one. */
	if (run->handles_open)
		uv_async_send(&run->input_async);
	return true;
}

/* --halt, now that @res is counted: its notices, and the stop it asks. */
static void
check_halt(struct scx_run *run, const struct scx_result *res)
{
	struct scx_item item = { res->seq, res->item, res->item_len };
	const char *cmd = NULL;

	if (scx__halt_tells(&run->halt, run->cfg, res)) {
		flush_output(run);
		if (log_command(run, &item, res->worker) == 0 &&
		    scx_buf_putc(&run->cmd.text, '\0') == 0)
			cmd = run->cmd.text.data;
	}
	request_stop(run, scx__halt_after(&run->halt, run->cfg, &run->sum,
					  run->intake.count, res, cmd,
					  run->outstanding));
}

void
scx_run_done(struct scx_run *run, const struct scx_result *res)
{
	bool failed = res->exit_status != 0 || res->term_signal != 0;
	int err;

	run->outstanding--;
	scx__pipejob_done(&run->cmd.pj, res->seq); /* a killed job's file */
	if (run->timeouts)
		scx__timeouts_done(run->timeouts, res);
	if (run->cfg->on_result) {
		run->cfg->on_result(run->cfg->result_arg, res);
		maybe_finish(run);
		return;
	}
	if (res->flags & SCX_RESULT_STOPPED) {
		scx__intake_attempt_of(&run->intake, res->seq);
		order_result(run, res->seq, NULL);
		maybe_finish(run);
		return;
	}
	if (failed && run->cfg->retries > 1 && retry(run, res)) {
		run->sum.retried++;
		return;
	}
	/* Stored first: an item whose result could not be stored is neither
	 * written nor logged, so that --resume runs it again. */
	err = scx__ledger_result(&run->ledger, res);
	if (err != 0) {
		scx_run_fail_detail(run, err, run->ledger.detail);
		order_result(run, res->seq, NULL);
		maybe_finish(run);
		return;
	}
	run->sum.items++;
	if (failed)
		run->sum.failed++;
	if (res->flags & SCX_RESULT_TIMEOUT)
		run->sum.timed_out++;
	order_result(run, res->seq, res);
	check_halt(run, res);
	maybe_finish(run);
}

void
scx_run_item_started(struct scx_run *run, uint64_t seq)
{
	int err;

	if (run->timeouts == NULL)
		return;
	err = scx__timeouts_start(run->timeouts, seq);
	if (err != 0)
		scx_run_fail(run, err, "timing an item (--timeout)");
}

void
scx_run_abandon(struct scx_run *run, const struct scx_item *item)
{
	struct scx_result res;

	run->outstanding--;
	if (run->timeouts)
		scx__timeouts_end(run->timeouts, item->seq);
	scx__intake_attempt_of(&run->intake, item->seq);
	if (run->cfg->on_result) {
		memset(&res, 0, sizeof(res));
		res.seq = item->seq;
		res.item = item->data;
		res.item_len = item->len;
		res.flags = SCX_RESULT_STOPPED;
		run->cfg->on_result(run->cfg->result_arg, &res);
		maybe_finish(run);
		return;
	}
	order_result(run, item->seq, NULL);
	maybe_finish(run);
}

void
scx_run_fail(struct scx_run *run, int err, const char *detail)
{
	if (run->error == 0) {
		run->error = err;
		/* A broken worker protocol is explained by the detail alone. */
		if (err == SCX_EWORKER && detail)
			set_detail(run->detail, sizeof(run->detail), "%s",
				   detail);
		else
			set_detail(run->detail, sizeof(run->detail), "%s: %s",
				   detail ? detail : "error",
				   scx_strerror(err));
	}
	request_stop(run, SCX_STOP_TERMINATE);
	maybe_finish(run);
}

/* Ends the run with an error whose message is @detail alone. */
static void
scx_run_fail_detail(struct scx_run *run, int err, const char *detail)
{
	if (run->error == 0) {
		run->error = err;
		set_detail(run->detail, sizeof(run->detail), "%s", detail);
	}
	request_stop(run, SCX_STOP_TERMINATE);
	maybe_finish(run);
}
