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

/* A result in the file: the wire's record (wire.c), its fixed part
 * followed by the host (a pointer, valid for the whole run), then the
 * command text, the item, stdout and stderr. */
#define FILE_HEADER (SCX_RECORD_HEADER + sizeof(const char *))

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
	scx_buf_free(&h->scratch);
	scx_buf_free(&h->head);
	h->fd = -1;
}

static int
open_spill(struct scx__hold *h)
{
	int fd = scx_tmpfile(h->detail, sizeof(h->detail));

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

/* Writes @res's record at the file's end, its streams copied from
 * wherever they are.  @return 0 or an error. */
static int
write_record(struct scx__hold *h, const struct scx_result *res, const char *cmd,
	     size_t cmd_len, uint64_t at)
{
	struct scx_record_lens lens = { cmd_len, res->item_len, 0, 0 };
	struct scx_bytes out, err;
	struct scx_buf *b = &h->head;
	int e;

	scx_result_stdout(res, &out);
	scx_result_stderr(res, &err);
	lens.out = out.len;
	lens.err = err.len;
	b->len = 0;
	e = scx_record_put(b, res, &lens);
	if (e == 0)
		e = scx_buf_append(b, &res->host, sizeof(res->host));
	/* The fixed part, the command text, the item. */
	if (e == 0)
		e = scx_pwrite_all(h->fd, b->data, b->len, at);
	if (e == 0)
		e = scx_pwrite_all(h->fd, cmd, cmd_len, at + FILE_HEADER);
	if (e == 0)
		e = scx_pwrite_all(h->fd, res->item, res->item_len,
				   at + FILE_HEADER + cmd_len);
	at += FILE_HEADER + cmd_len + res->item_len;
	if (e == 0)
		e = scx_bytes_copy(&out, h->fd, at, &h->scratch);
	if (e == 0)
		e = scx_bytes_copy(&err, h->fd, at + out.len, &h->scratch);
	if (e == 0)
		h->end = (off_t)(at + out.len + err.len);
	return e;
}

/* Appends @res to the file.  @return 0 and the tagged handle, or an
 * error. */
static int
spill(struct scx__hold *h, const struct scx_result *res, const char *cmd,
      size_t cmd_len, void **handle)
{
	uint64_t at;
	int e;

	if (h->fd < 0 && (e = open_spill(h)) != 0)
		return e;
	maybe_restart(h);
	at = (uint64_t)h->end;
	e = write_record(h, res, cmd, cmd_len, at);
	if (e != 0) {
		snprintf(h->detail, sizeof(h->detail),
			 "cannot write the results that wait for an earlier "
			 "item to a temporary file in TMPDIR");
		return e;
	}
	h->in_file++;
	*handle = (void *)(((uintptr_t)at << 2) | FILE_TAG);
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

/* Reads back the record at @at: its fixed part into @res and @lens,
 * and its command text, item and (when small) streams into scratch.
 * @return 0 or an error. */
static int
read_record(struct scx__hold *h, uint64_t at, struct scx_result *res,
	    struct scx_record_lens *lens, bool *whole)
{
	char head[FILE_HEADER];
	struct scx_wire w;
	uint64_t body;
	int err;

	err = scx_pread_all(h->fd, head, sizeof(head), at);
	if (err != 0)
		return err;
	scx_wire_init(&w, head, sizeof(head));
	if (!scx_record_get(&w, res, lens))
		return -EIO;
	memcpy(&res->host, scx_wire_bytes(&w, sizeof(res->host)),
	       sizeof(res->host));
	*whole = lens->out + lens->err <= READ_BACK_MAX;
	body = lens->cmd + lens->item + (*whole ? lens->out + lens->err : 0);
	if (scx_buf_reserve(&h->scratch, (size_t)body + 1) != 0)
		return -ENOMEM;
	return scx_pread_all(h->fd, h->scratch.data, (size_t)body,
			     at + FILE_HEADER);
}

int
scx__hold_take(struct scx__hold *h, void *handle, struct scx_result *res,
	       const char **cmd, size_t *cmd_len)
{
	uintptr_t v = (uintptr_t)handle;
	struct scx_record_lens lens;
	struct scx_bytes bytes;
	struct held *p;
	uint64_t at;
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
	err = read_record(h, at, res, &lens, &whole);
	if (err != 0)
		return err;
	b = h->scratch.data;
	*cmd = b;
	*cmd_len = (size_t)lens.cmd;
	res->item = b + lens.cmd;
	res->item_len = (size_t)lens.item;
	b += lens.cmd + lens.item;
	if (whole) {
		res->out = b;
		res->out_len = (size_t)lens.out;
		res->err = b + lens.out;
		res->err_len = (size_t)lens.err;
	} else {
		bytes.mem = NULL;
		bytes.fd = h->fd;
		bytes.off = at + FILE_HEADER + lens.cmd + lens.item;
		bytes.len = lens.out;
		scx_result_set_stdout(res, &bytes);
		bytes.off += lens.out;
		bytes.len = lens.err;
		scx_result_set_stderr(res, &bytes);
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
		scx_buf_free(&h->scratch);
}
