/* hold.c: results waiting for their turn (an earlier item is still
 * running): copies in memory up to a limit, then records in an unnamed
 * temporary file, so that a million results behind one slow item cost
 * disk, not memory.  The file has no name: it is gone on every exit path,
 * SIGKILL included. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A result in memory, with its bytes after it. */
struct held {
	struct scx_result res;
	const char *cmd; /* its job log command text */
	size_t cmd_len;
	size_t size;
	char bytes[];
};

/* A result in the file: this header, then item, stdout and stderr. */
struct record {
	uint64_t seq;
	int32_t exit_status, term_signal;
	int64_t start_us;
	uint64_t duration_ns;
	uint32_t worker, flags;
	int32_t rank, pad;
	const char *host; /* valid for the whole run */
	uint64_t item_len, out_len, err_len, cmd_len;
};

/* Handles are tagged: a struct held pointer (malloc'ed, so its two low
 * bits are 0), or a file offset shifted left by 2 with the low bits 10;
 * 1 stays free for the reorder buffer's gap. */
#define FILE_TAG 2u

void
scx__hold_init(struct scx__hold *h, size_t limit)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->limit = limit;
}

void
scx__hold_free(struct scx__hold *h)
{
	if (h->fd >= 0)
		close(h->fd);
	scx__buf_free(&h->scratch);
	h->fd = -1;
}

static int
open_spill(struct scx__hold *h)
{
	int fd = scx__tmpfile(h->detail, sizeof(h->detail));

	if (fd < 0)
		return fd;
	h->fd = fd;
	return 0;
}

/* Every record in the file was taken and used: it starts again from
 * empty (only disk space is at stake if the truncation fails). */
static void
maybe_restart(struct scx__hold *h)
{
	if (h->in_file > 0 || h->end == 0)
		return;
	h->end = 0;
	if (ftruncate(h->fd, 0) != 0) {
		/* The offsets restart anyway. */
	}
}

/* Appends @res to the file, its streams copied from wherever they are.
 * @return 0 and the tagged handle, or an error. */
static int
spill(struct scx__hold *h, const struct scx_result *res, const char *cmd,
      size_t cmd_len, void **handle)
{
	struct scx__bytes out, err;
	struct record r;
	uint64_t at;
	int e;

	if (h->fd < 0 && (e = open_spill(h)) != 0)
		return e;
	maybe_restart(h);
	scx__result_stdout(res, &out);
	scx__result_stderr(res, &err);
	memset(&r, 0, sizeof(r));
	r.seq = res->seq;
	r.exit_status = res->exit_status;
	r.term_signal = res->term_signal;
	r.start_us = res->start_us;
	r.duration_ns = res->duration_ns;
	r.worker = res->worker;
	r.flags =
	    res->flags & ~(unsigned)(SCX_RESULT_OUT_FILE | SCX_RESULT_ERR_FILE);
	r.rank = res->rank;
	r.host = res->host;
	r.item_len = res->item_len;
	r.out_len = out.len;
	r.err_len = err.len;
	r.cmd_len = cmd_len;
	at = (uint64_t)h->end;
	/* The header, the command text, the item, stdout, stderr. */
	e = scx__pwrite_all(h->fd, &r, sizeof(r), at);
	if (e == 0)
		e = scx__pwrite_all(h->fd, cmd, cmd_len, at + sizeof(r));
	at += cmd_len;
	if (e == 0)
		e = scx__pwrite_all(h->fd, res->item, res->item_len,
				    at + sizeof(r));
	if (e == 0)
		e = scx__bytes_copy(&out, h->fd, at + sizeof(r) + res->item_len,
				    &h->scratch);
	if (e == 0)
		e = scx__bytes_copy(&err, h->fd,
				    at + sizeof(r) + res->item_len + out.len,
				    &h->scratch);
	if (e != 0) {
		snprintf(h->detail, sizeof(h->detail),
			 "cannot write the results that wait for an earlier "
			 "item to a temporary file in TMPDIR");
		return e;
	}
	h->end = (off_t)(at + sizeof(r) + res->item_len + out.len + err.len);
	h->in_file++;
	*handle = (void *)(((uintptr_t)(at - cmd_len) << 2) | FILE_TAG);
	return 0;
}

int
scx__hold_put(struct scx__hold *h, const struct scx_result *res,
	      const char *cmd, size_t cmd_len, void **handle)
{
	size_t size = sizeof(struct held) + cmd_len + res->item_len +
		      res->out_len + res->err_len;
	struct held *p;
	char *b;

	if (scx__result_in_file(res) || h->mem + size > h->limit)
		return spill(h, res, cmd, cmd_len, handle);
	p = malloc(size);
	if (p == NULL)
		return spill(h, res, cmd, cmd_len, handle);
	p->res = *res;
	p->size = size;
	b = p->bytes;
	if (cmd_len)
		memcpy(b, cmd, cmd_len);
	p->cmd = b;
	p->cmd_len = cmd_len;
	b += cmd_len;
	memcpy(b, res->item, res->item_len);
	p->res.item = b;
	b += res->item_len;
	if (res->out_len)
		memcpy(b, res->out, res->out_len);
	p->res.out = b;
	b += res->out_len;
	if (res->err_len)
		memcpy(b, res->err, res->err_len);
	p->res.err = b;
	h->mem += size;
	*handle = p;
	return 0;
}

/* Records whose streams are larger than this are given back as bytes in
 * the file, not read into memory. */
#define READ_BACK_MAX (1u << 20)

int
scx__hold_take(struct scx__hold *h, void *handle, struct scx_result *res,
	       const char **cmd, size_t *cmd_len)
{
	uintptr_t v = (uintptr_t)handle;
	struct scx__bytes bytes;
	struct record r;
	struct held *p;
	uint64_t at, body;
	bool whole;
	char *b;
	int err;

	/* The previous memory result is freed now that it was used. */
	free(h->last);
	h->last = NULL;
	if ((v & 3u) != FILE_TAG) {
		p = handle;
		*res = p->res;
		*cmd = p->cmd;
		*cmd_len = p->cmd_len;
		h->mem -= p->size;
		h->last = p;
		return 0;
	}
	at = (uint64_t)(v >> 2);
	err = scx__pread_all(h->fd, &r, sizeof(r), at);
	if (err != 0)
		return err;
	whole = r.out_len + r.err_len <= READ_BACK_MAX;
	body = r.cmd_len + r.item_len + (whole ? r.out_len + r.err_len : 0);
	if (scx__buf_reserve(&h->scratch, (size_t)body + 1) != 0)
		return -ENOMEM;
	err = scx__pread_all(h->fd, h->scratch.data, (size_t)body,
			     at + sizeof(r));
	if (err != 0)
		return err;
	memset(res, 0, sizeof(*res));
	res->seq = r.seq;
	res->exit_status = r.exit_status;
	res->term_signal = r.term_signal;
	res->start_us = r.start_us;
	res->duration_ns = r.duration_ns;
	res->worker = r.worker;
	res->flags = r.flags;
	res->rank = r.rank;
	res->host = r.host;
	b = h->scratch.data;
	*cmd = b;
	*cmd_len = (size_t)r.cmd_len;
	b += r.cmd_len;
	at += r.cmd_len;
	res->item = b;
	res->item_len = r.item_len;
	if (whole) {
		res->out = b + r.item_len;
		res->out_len = r.out_len;
		res->err = b + r.item_len + r.out_len;
		res->err_len = r.err_len;
	} else {
		bytes.mem = NULL;
		bytes.fd = h->fd;
		bytes.off = at + sizeof(r) + r.item_len;
		bytes.len = r.out_len;
		scx__result_set_stdout(res, &bytes);
		bytes.off += r.out_len;
		bytes.len = r.err_len;
		scx__result_set_stderr(res, &bytes);
	}
	/* Its bytes stay in the file until the next put or done. */
	h->in_file--;
	return 0;
}

void
scx__hold_drop(struct scx__hold *h, void *handle)
{
	uintptr_t v = (uintptr_t)handle;
	struct held *p = handle;

	if ((v & 3u) == FILE_TAG) {
		h->in_file--;
		return;
	}
	h->mem -= p->size;
	free(p);
}

void
scx__hold_done(struct scx__hold *h)
{
	free(h->last);
	h->last = NULL;
	if (h->fd >= 0)
		maybe_restart(h);
	/* A large record read back needs no large buffer afterwards. */
	if (h->scratch.cap > 4 * READ_BACK_MAX)
		scx__buf_free(&h->scratch);
}
