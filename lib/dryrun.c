/* dryrun.c: the backend behind --dry-run: each item's "result" is the
 * command that would run, shell-quoted, so ordering and formats apply. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dryrun {
	struct scx_run *run;
	unsigned size;
	bool stopped;
	struct scx_buf line;
	char msg[128];
};

static void
dry_item(struct dryrun *d, const struct scx_item *item)
{
	struct scx_result res;
	unsigned slot = (unsigned)((item->seq - 1) % d->size) + 1;
	const char *text;
	size_t len;
	int err;

	memset(&res, 0, sizeof(res));
	res.seq = item->seq;
	res.item = item->data;
	res.item_len = item->len;
	res.start_us = scx__wall_us();
	res.worker = slot;
	d->line.len = 0;
	err = scx_run_command_text(d->run, item, slot, &text, &len);
	if (err == SCX_ENUL) {
		res.exit_status = 126;
		res.err = d->msg;
		res.err_len = scx__item_msg(d->msg, sizeof(d->msg),
					    scx_run_config(d->run),
					    "the item contains a NUL byte and "
					    "cannot be an argument");
	} else if (err != 0) {
		scx_run_fail(d->run, err, "building a command");
		scx_run_abandon(d->run, item);
		return;
	} else {
		/* Its own copy: the job log asks for the text again. */
		err = scx_buf_append(&d->line, text, len);
		if (err == 0)
			err = scx_buf_putc(&d->line, '\n');
		if (err != 0) {
			scx_run_fail(d->run, err, "formatting a command");
			scx_run_abandon(d->run, item);
			return;
		}
		res.out = d->line.data;
		res.out_len = d->line.len;
	}
	scx_run_done(d->run, &res);
}

static void
dry_ready(struct scx_backend *be)
{
	struct dryrun *d = be->data;
	struct scx_chunk *c;
	size_t i;

	while (!d->stopped && scx_run_take(d->run, 0, &c) == 0) {
		for (i = 0; i < c->n; i++)
			dry_item(d, &c->items[i]);
		scx_chunk_destroy(c);
	}
}

static int
dry_open(struct scx_backend *be, struct scx_run *run)
{
	struct dryrun *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->run = run;
	d->size = scx_run_workers_wanted(run);
	be->data = d;
	return 0;
}

static void
dry_stop(struct scx_backend *be, enum scx_stop how)
{
	struct dryrun *d = be->data;

	(void)how;
	d->stopped = true;
}

static void
dry_close(struct scx_backend *be)
{
	struct dryrun *d = be->data;

	if (d == NULL)
		return;
	scx_buf_free(&d->line);
	free(d);
	be->data = NULL;
}

static unsigned
dry_size(const struct scx_backend *be)
{
	const struct dryrun *d = be->data;

	return d->size;
}

const struct scx_backend_ops scx_backend_dryrun = {
	.name = "dry-run",
	.flags = SCX_BACKEND_HIDDEN,
	.open = dry_open,
	.ready = dry_ready,
	.stop = dry_stop,
	.close = dry_close,
	.size = dry_size,
};
