/* deliver.c: where results go: the input-order or completion-order
 * switch, the item whose output streams, the results that wait (held in
 * memory or spilled), the writers of stdout and stderr, the job log lines
 * in output order, and the progress line.  It never calls back into the
 * run: what went wrong is left in d->error, d->detail and d->stop for the
 * run to act on. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void deliver_fail(struct scx__deliver *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Notes the first error and that the run must stop. */
static void
deliver_fail(struct scx__deliver *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d->error == 0) {
		d->error = err;
		va_start(ap, fmt);
		vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
		va_end(ap);
	}
	if (d->stop < SCX_STOP_TERMINATE)
		d->stop = SCX_STOP_TERMINATE;
}

static void
output_failed(struct scx__deliver *d, int err, const char *what)
{
	/* A signal broke a blocked write: the signal's stop follows (the
	 * run may end before the loop hears of the signal itself). */
	if (err == -EINTR) {
		d->interrupted = true;
		if (d->stop < SCX_STOP_TERMINATE)
			d->stop = SCX_STOP_TERMINATE;
		return;
	}
	if (err == -EPIPE) {
		if (!d->broken_pipe) {
			d->broken_pipe = true;
			d->stop = SCX_STOP_KILL;
		}
		return;
	}
	deliver_fail(d, err, "cannot write to %s: %s", what, scx_strerror(err));
}

/* --progress: the line is erased before anything else is written to the
 * terminal, and drawn again by the next tick. */
static void
progress_erase(void *arg, char last)
{
	struct scx__deliver *d = arg;

	d->mid_line = last != '\n';
	if (!d->progress_shown)
		return;
	d->progress_shown = false;
	(void)scx__write_all(d->cfg->err_fd, "\r\033[K", 4);
}

void
scx__deliver_init(struct scx__deliver *d, const struct scx_config *cfg,
		  struct scx__ledger *ledger)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->ledger = ledger;
	scx__writer_init(&d->out, cfg->out_fd);
	scx__writer_init(&d->err, cfg->err_fd);
	scx__reorder_init(&d->reorder, 1);
	scx__hold_init(&d->hold,
		       cfg->spill_after ? cfg->spill_after : SCX__SPILL_AFTER);
}

void
scx__deliver_progress_on(struct scx__deliver *d)
{
	/* GNU's --eta and --bar are drawn over, as GNU parallel's. */
	if (d->cfg->progress_view != SCX_PROGRESS_LINE)
		return;
	d->err.before = progress_erase;
	d->err.before_arg = d;
	if (isatty(d->cfg->out_fd)) {
		d->out.before = progress_erase;
		d->out.before_arg = d;
	}
}

void
scx__deliver_free(struct scx__deliver *d)
{
	uint64_t seq;
	size_t i;
	void *v;

	while ((v = scx__reorder_pop_any(&d->reorder, &seq)) != NULL)
		scx__hold_drop(&d->hold, v);
	scx__reorder_free(&d->reorder);
	for (i = 0; i < d->nwaiting; i++)
		scx__hold_drop(&d->hold, d->waiting[i]);
	free(d->waiting);
	scx__hold_done(&d->hold);
	scx__hold_free(&d->hold);
	scx__writer_free(&d->out);
	scx__writer_free(&d->err);
	scx_buf_free(&d->scratch);
	scx_buf_free(&d->scratch_err);
	scx_buf_free(&d->io);
	scx_buf_free(&d->progress_line);
	scx__tagger_close(&d->tags);
}

/* Results go out as jobs end: --as-completed, and -u (which GNU
 * parallel never orders). */
static bool
in_completion_order(const struct scx__deliver *d)
{
	return d->cfg->order == SCX_ORDER_COMPLETION ||
	       d->cfg->grouping == SCX_UNGROUP;
}

/* The job log's Send, as GNU parallel's: the bytes the job got on its
 * stdin (its item and delimiter, its --pipe block); 0 for a --pipepart
 * part (GNU's cat of the part is the job's own). */
static uint64_t
sent(const struct scx__deliver *d, const struct scx_result *res)
{
	const struct scx_pipe *p = &d->cfg->pipe;

	if (p->mode == SCX_PIPE_PART || (p->mode && p->round_robin))
		return 0;
	if (p->mode == SCX_PIPE_STREAM)
		return res->item_len;
	return d->send_items ? res->item_len + 1 : 0;
}

/* The tag of @res (NULL without --tag, and with -u, as in GNU
 * parallel); a tag that cannot be made fails the run. */
static int
result_tag(struct scx__deliver *d, const struct scx_result *res,
	   const char **tag, size_t *len)
{
	const char *item;
	int err;

	*tag = NULL;
	*len = 0;
	if (d->cfg->grouping == SCX_UNGROUP)
		return 0;
	*len = res->item_len;
	item = scx__item_shown(d->cfg, res->item, len);
	err = scx__tagger_make(&d->tags, item, *len, res->seq, res->worker, tag,
			       len);
	if (err != 0)
		deliver_fail(d, err, "making a --tagstring: %s",
			     scx_strerror(err));
	return err;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* Writes a block to stderr right away, after what stdout has queued, so
 * that a terminal shows both in item order. */
static void
put_stderr(struct scx__deliver *d, const char *data, size_t len)
{
	int err;

	err = scx__writer_flush(&d->out);
	if (err != 0) {
		output_failed(d, err, "standard output");
		return;
	}
	err = scx__writer_put(&d->err, data, len);
	if (err == 0)
		err = scx__writer_flush(&d->err);
	if (err != 0)
		output_failed(d, err, "standard error");
}

void
scx__deliver_flush(struct scx__deliver *d)
{
	int err;

	err = scx__writer_flush(&d->out);
	if (err != 0) {
		output_failed(d, err, "standard output");
		return;
	}
	/* The job log lines of the items stdout held: a logged item's
	 * output is always out already. */
	err = scx__ledger_flush(d->ledger);
	if (err != 0)
		deliver_fail(d, err, "%s", d->ledger->detail);
}

void
scx__deliver_stderr(struct scx__deliver *d, const char *data, size_t len)
{
	if (len > 0 && d->err.error == 0)
		put_stderr(d, data, len);
}

/* Queues @res's job log line; it is written once stdout has the item.
 * @cmd is its command text. */
static void
log_result(struct scx__deliver *d, const struct scx_result *res,
	   const char *cmd, size_t cmd_len)
{
	uint64_t send = 0, receive = res->out_len;
	int err;

	if (d->ledger->joblog_fd < 0)
		return;
	send = sent(d, res);
	/* Receive counts the bytes that streamed out as well. */
	if (res->flags & SCX_RESULT_STREAMED)
		receive += d->streamed_len;
	err = scx__ledger_log(d->ledger, res, send, receive, cmd, cmd_len);
	if (err != 0) {
		deliver_fail(d, err, "cannot write --joblog '%s': %s",
			     d->cfg->joblog, scx_strerror(err));
	} else if (d->ledger->joblog_out) {
		/* --joblog -: the line follows the item's output on stdout,
		 * as in GNU parallel. */
		err = scx__writer_put(&d->out, d->ledger->pending.data,
				      d->ledger->pending.len);
		d->ledger->pending.len = 0;
		if (err != 0)
			output_failed(d, err, "standard output");
	} else if (scx__ledger_wants_flush(d->ledger))
		scx__deliver_flush(d);
}

static int
put_out(void *arg, const char *data, size_t len)
{
	struct scx__deliver *d = arg;

	return scx__writer_put(&d->out, data, len);
}

static int
put_err(void *arg, const char *data, size_t len)
{
	struct scx__deliver *d = arg;

	return scx__writer_put(&d->err, data, len);
}

/* A piecewise write failed: stdout's or stderr's writer, or reading the
 * result back from its file. */
static void
emit_failed(struct scx__deliver *d, int err)
{
	if (d->out.error != 0)
		output_failed(d, d->out.error, "standard output");
	else if (d->err.error != 0)
		output_failed(d, d->err.error, "standard error");
	else
		deliver_fail(d, err, "reading back an item's output: %s",
			     scx_strerror(err));
}

/* Writes a result whose output is (partly) in a file, a piece at a
 * time, so that its size costs no memory. */
static void
emit_from_file(struct scx__deliver *d, const struct scx_result *res,
	       const char *tag, size_t taglen)
{
	struct scx__sink sink = { put_out, d, &d->scratch, &d->io };
	struct scx_bytes b;
	int err;

	if (d->cfg->format == SCX_FORMAT_JSONL) {
		err = scx__put_json(&sink, res, tag, taglen);
		if (err != 0)
			emit_failed(d, err);
		return;
	}
	scx_result_stdout(res, &b);
	err = scx__put_stream(&sink, &b, tag, taglen);
	if (err != 0) {
		emit_failed(d, err);
		return;
	}
	scx_result_stderr(res, &b);
	if (b.len == 0)
		return;
	err = scx__writer_flush(&d->out);
	if (err == 0) {
		sink.put = put_err;
		err = scx__put_stream(&sink, &b, tag, taglen);
	}
	if (err == 0)
		err = scx__writer_flush(&d->err);
	if (err != 0)
		emit_failed(d, err);
}

/* -v: the command, as a line of the job's output (tagged, as GNU
 * parallel's). */
static int
put_verbose(struct scx__deliver *d, const char *cmd, size_t cmd_len,
	    const char *tag, size_t taglen)
{
	int err;

	d->scratch.len = 0;
	err = scx__format_lines(&d->scratch, tag, taglen, cmd, cmd_len);
	if (err == 0)
		err = scx_buf_putc(&d->scratch, '\n');
	if (err == 0)
		err = scx__writer_put(&d->out, d->scratch.data, d->scratch.len);
	return err;
}

/* --results and --files: a job's output goes to files, not to stdout
 * (as in GNU parallel); --files writes the name of the file instead, and
 * --results FILE.csv the job's record. */
static void
emit_stored(struct scx__deliver *d, const struct scx_result *res,
	    const char *cmd, size_t cmd_len)
{
	struct scx__sink sink = { put_out, d, &d->scratch, &d->io };
	uint64_t send = sent(d, res);
	struct scx_bytes b = { NULL, -1, 0, 0 };
	const char *tag;
	size_t taglen;
	int err;

	if (d->cfg->files) {
		if (result_tag(d, res, &tag, &taglen) != 0)
			return;
		err = scx__files_write(res, &d->scratch_err, &d->io);
		if (err != 0) {
			deliver_fail(d, err,
				     "--files: cannot write a file in TMPDIR: "
				     "%s",
				     scx_strerror(err));
			return;
		}
		if (scx_buf_putc(&d->scratch_err, '\n') != 0) {
			deliver_fail(d, -ENOMEM, "--files: %s",
				     scx_strerror(-ENOMEM));
			return;
		}
		b.mem = d->scratch_err.data;
		b.len = d->scratch_err.len;
		err = scx__put_stream(&sink, &b, tag, taglen);
		if (err != 0) {
			emit_failed(d, err);
			return;
		}
	}
	err = scx__ledger_record(d->ledger, res, send, cmd, cmd_len);
	/* -.csv and the like: a closed or interrupted stdout, as ever. */
	if (err == -EPIPE || err == -EINTR) {
		output_failed(d, err, "standard output");
		return;
	}
	if (err != 0) {
		deliver_fail(d, err, "%s", d->ledger->detail);
		return;
	}
	log_result(d, res, cmd, cmd_len);
}

/* Writes @res's output, after -v's command line. */
static void
emit_output(struct scx__deliver *d, const struct scx_result *res,
	    const char *cmd, size_t cmd_len)
{
	const struct scx_config *cfg = d->cfg;
	const char *tag;
	size_t taglen;
	int err;

	if (result_tag(d, res, &tag, &taglen) != 0)
		return;
	if (cfg->verbose && cfg->format == SCX_FORMAT_RAW && cmd &&
	    !(res->flags & SCX_RESULT_COMMAND) &&
	    (err = put_verbose(d, cmd, cmd_len, tag, taglen)) != 0) {
		output_failed(d, err, "standard output");
		return;
	}
	if (scx__result_in_file(res)) {
		emit_from_file(d, res, tag, taglen);
		return;
	}
	if (cfg->format == SCX_FORMAT_RAW && tag == NULL) {
		err = scx__writer_put(&d->out, res->out, res->out_len);
		if (err != 0) {
			output_failed(d, err, "standard output");
			return;
		}
		if (res->err_len > 0)
			put_stderr(d, res->err, res->err_len);
		return;
	}
	d->scratch.len = 0;
	d->scratch_err.len = 0;
	err = scx__format_result(cfg, res, tag, taglen, &d->scratch,
				 &d->scratch_err);
	if (err == 0)
		err = scx__writer_put(&d->out, d->scratch.data, d->scratch.len);
	if (err != 0) {
		output_failed(d, err, "standard output");
		return;
	}
	if (d->scratch_err.len > 0)
		put_stderr(d, d->scratch_err.data, d->scratch_err.len);
}

/* Writes @res, then queues its job log line: a line flushed early
 * still follows its item's output. */
static void
emit(struct scx__deliver *d, const struct scx_result *res, const char *cmd,
     size_t cmd_len)
{
	const struct scx_config *cfg = d->cfg;

	if (d->out.error != 0 || d->broken_pipe)
		return;
	if ((cfg->results || cfg->files) && !cfg->dry_run) {
		emit_stored(d, res, cmd, cmd_len);
		return;
	}
	emit_output(d, res, cmd, cmd_len);
	if (d->out.error == 0 && !d->broken_pipe)
		log_result(d, res, cmd, cmd_len);
}

/* ------------------------------------------------------------------ */
/* Order                                                               */
/* ------------------------------------------------------------------ */

/* Emits the held result @handle. */
static void
emit_handle(struct scx__deliver *d, void *handle)
{
	struct scx_result res;
	const char *cmd;
	size_t cmd_len;
	int err;

	err = scx__hold_take(&d->hold, handle, &res, &cmd, &cmd_len);
	if (err != 0) {
		deliver_fail(d, err, "reading back a held result: %s",
			     scx_strerror(err));
		return;
	}
	emit(d, &res, cmd, cmd_len);
}

/* Writes every held result that is now due. */
static void
emit_due(struct scx__deliver *d)
{
	void *v;

	while ((v = scx__reorder_pop(&d->reorder)) != NULL)
		emit_handle(d, v);
	scx__hold_done(&d->hold);
}

/* A result could not be held (no memory, or no spill file). */
static void
hold_failed(struct scx__deliver *d, int err)
{
	deliver_fail(d, err, "%s: %s",
		     d->hold.detail[0] ? d->hold.detail : "holding a result",
		     scx_strerror(err));
}

/* Completion order while an item streams: results that finish meanwhile
 * wait until it ends, so that its block stays whole. */
static void
wait_for_stream(struct scx__deliver *d, const struct scx_result *res,
		const char *cmd, size_t cmd_len)
{
	void *handle;
	int err;

	if (SCX__GROW(d->waiting, d->capwaiting, d->nwaiting + 1, 64) != 0) {
		hold_failed(d, -ENOMEM);
		return;
	}
	err = scx__hold_put(&d->hold, res, cmd, cmd_len, &handle);
	if (err != 0) {
		hold_failed(d, err);
		return;
	}
	d->waiting[d->nwaiting++] = handle;
}

static void
emit_waiting(struct scx__deliver *d)
{
	size_t i;

	for (i = 0; i < d->nwaiting; i++)
		emit_handle(d, d->waiting[i]);
	d->nwaiting = 0;
	scx__hold_done(&d->hold);
}

/* In input order, @seq's result (or gap) is due: written, and whatever
 * it held back. */
static void
due(struct scx__deliver *d, const struct scx_result *res, const char *cmd,
    size_t cmd_len)
{
	int err;

	if (res)
		emit(d, res, cmd, cmd_len);
	/* Its place in the order buffer becomes a gap, which the buffer
	 * passes over to give back what follows it. */
	err = scx__reorder_put(&d->reorder, d->reorder.next, SCX__REORDER_GAP);
	if (err != 0) {
		hold_failed(d, err);
		return;
	}
	emit_due(d);
}

void
scx__deliver_result(struct scx__deliver *d, uint64_t seq,
		    const struct scx_result *res, const char *cmd,
		    size_t cmd_len)
{
	void *value;
	int err;

	if (d->streaming && seq == d->streaming) {
		/* The streaming item ended: the rest of it, then whatever
		 * waited behind it. */
		d->streaming = 0;
		if (in_completion_order(d)) {
			if (res)
				emit(d, res, cmd, cmd_len);
			emit_waiting(d);
			return;
		}
		due(d, res, cmd, cmd_len);
		return;
	}
	if (in_completion_order(d)) {
		if (res && d->streaming)
			wait_for_stream(d, res, cmd, cmd_len);
		else if (res)
			emit(d, res, cmd, cmd_len);
		return;
	}
	if (seq == d->reorder.next) {
		due(d, res, cmd, cmd_len);
		return;
	}
	value = SCX__REORDER_GAP;
	if (res) {
		err = scx__hold_put(&d->hold, res, cmd, cmd_len, &value);
		if (err != 0) {
			hold_failed(d, err);
			return;
		}
	}
	err = scx__reorder_put(&d->reorder, seq, value);
	if (err != 0) {
		if (value != SCX__REORDER_GAP)
			scx__hold_drop(&d->hold, value);
		hold_failed(d, err);
	}
}

/* Whether a job's output may only go out whole, never as it comes
 * (streamed, -u, --line-buffer): where the format frames each job, where
 * the result is also stored or handed over whole, and where a failed job
 * runs again (its first output would be out already). */
static bool
held_whole(const struct scx_config *cfg)
{
	return cfg->format != SCX_FORMAT_RAW || cfg->results || cfg->files ||
	       cfg->on_result || cfg->retries > 1;
}

bool
scx__deliver_stream_begin(struct scx__deliver *d, uint64_t seq)
{
	const struct scx_config *cfg = d->cfg;

	if (held_whole(cfg) || d->tags.on || cfg->verbose ||
	    cfg->grouping != SCX_GROUP || d->broken_pipe)
		return false;
	if (d->streaming)
		return d->streaming == seq;
	if (cfg->order == SCX_ORDER_INPUT && seq != d->reorder.next)
		return false;
	d->streaming = seq;
	d->streamed_len = 0;
	return true;
}

void
scx__deliver_stream(struct scx__deliver *d, uint64_t seq, const char *data,
		    size_t len)
{
	int err;

	if (seq != d->streaming || d->out.error != 0 || d->broken_pipe)
		return;
	d->streamed_len += len;
	err = scx__writer_put(&d->out, data, len);
	if (err != 0)
		output_failed(d, err, "standard output");
}

/* Writes @len bytes of a live job to stdout or stderr now, tagged with
 * --line-buffer. */
static void
put_live(struct scx__deliver *d, const struct scx_item *item, unsigned slot,
	 bool is_err, const char *data, size_t len)
{
	struct scx__writer *w = is_err ? &d->err : &d->out;
	const char *tag = NULL;
	size_t taglen = 0, shown = item->len;
	/* Its own statement: an argument list does not order the call that
	 * sets shown before the argument that reads it. */
	const char *arg = scx__item_shown(d->cfg, item->data, &shown);
	int err;

	if (d->cfg->grouping == SCX_LINE_BUFFER &&
	    scx__tagger_make(&d->tags, arg, shown, item->seq, slot, &tag,
			     &taglen) != 0) {
		deliver_fail(d, -ENOMEM, "making a --tagstring: %s",
			     scx_strerror(-ENOMEM));
		return;
	}
	/* What the other stream has queued goes first. */
	err = scx__writer_flush(is_err ? &d->out : &d->err);
	if (err == 0 && tag != NULL) {
		d->scratch.len = 0;
		err = scx__format_lines(&d->scratch, tag, taglen, data, len);
		if (err == 0)
			err =
			    scx__writer_put(w, d->scratch.data, d->scratch.len);
	} else if (err == 0) {
		err = scx__writer_put(w, data, len);
	}
	if (err == 0)
		err = scx__writer_flush(w);
	if (err != 0)
		output_failed(d, err,
			      is_err ? "standard error" : "standard output");
}

size_t
scx__deliver_live(struct scx__deliver *d, const struct scx_item *item,
		  unsigned slot, bool is_err, const char *data, size_t len)
{
	const struct scx_config *cfg = d->cfg;
	const char *nl;

	if (cfg->grouping == SCX_GROUP || held_whole(cfg) || len == 0)
		return 0;
	if (d->out.error != 0 || d->broken_pipe)
		return len; /* nobody reads: dropped, as a stream's would */
	if (cfg->grouping == SCX_LINE_BUFFER) {
		/* -k: only the head job's lines, until it ends; the others
		 * wait their turn whole, in memory or spilled. */
		if (!in_completion_order(d) &&
		    (item->seq != d->reorder.next ||
		     (d->streaming != 0 && d->streaming != item->seq)))
			return 0;
		nl = memrchr(data, '\n', len);
		if (nl == NULL)
			return 0;
		len = (size_t)(nl - data) + 1;
	}
	put_live(d, item, slot, is_err, data, len);
	return len;
}

void
scx__deliver_finish(struct scx__deliver *d)
{
	uint64_t seq;
	void *v;

	/* After a stop: what completed, in order, past the gaps. */
	emit_waiting(d);
	while ((v = scx__reorder_pop_any(&d->reorder, &seq)) != NULL)
		emit_handle(d, v);
	scx__hold_done(&d->hold);
	scx__deliver_flush(d);
}

/* ------------------------------------------------------------------ */
/* The progress line                                                   */
/* ------------------------------------------------------------------ */

/* The width of the terminal on @fd, or 80 (GNU parallel's default). */
static unsigned
terminal_columns(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

void
scx__deliver_progress(struct scx__deliver *d, const struct scx__progress *p,
		      bool final)
{
	struct scx_buf *b = &d->progress_line;

	if (d->err.error != 0)
		return;
	/* What stdout has queued goes first: it erases an old line. */
	if (!final && scx__writer_flush(&d->out) != 0)
		return;
	b->len = 0;
	if (d->cfg->progress_view != SCX_PROGRESS_LINE) {
		if (scx__gnubar_format(
			&d->gnubar, b, p,
			d->cfg->progress_view == SCX_PROGRESS_BAR, final,
			terminal_columns(d->cfg->err_fd)) == 0)
			(void)scx__write_all(d->cfg->err_fd, b->data, b->len);
		return;
	}
	/* An output line without its newline yet stays: the progress line
	 * goes below it. */
	if ((d->mid_line && !d->progress_shown
		 ? scx_buf_putc(b, '\n')
		 : scx_buf_append(b, "\r\033[K", 4)) != 0 ||
	    scx__progress_format(b, p, final) != 0 ||
	    (final && scx_buf_putc(b, '\n') != 0))
		return;
	if (scx__write_all(d->cfg->err_fd, b->data, b->len) != 0)
		return;
	d->mid_line = false;
	d->progress_shown = !final;
}
