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
	uint64_t item_len, out_len, err_len;
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
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* A file system without O_TMPFILE: a named file, unlinked at
		 * once. */
		snprintf(path, sizeof(path), "%s/scx-run.XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0) {
			int err = errno;

			snprintf(h->detail, sizeof(h->detail),
				 "cannot create a temporary file in '%.100s' "
				 "(TMPDIR) for the results that wait for an "
				 "earlier item",
				 dir);
			return -err;
		}
		unlink(path);
	}
	h->fd = fd;
	return 0;
}

static int
pwrite_all(int fd, const void *data, size_t len, off_t off)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
pread_all(int fd, void *data, size_t len, off_t off)
{
	char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Appends @res to the file.  @return 0 and the tagged handle, or error. */
static int
spill(struct scx__hold *h, const struct scx_result *res, void **handle)
{
	struct record r;
	off_t at;
	int err;

	if (h->fd < 0 && (err = open_spill(h)) != 0)
		return err;
	memset(&r, 0, sizeof(r));
	r.seq = res->seq;
	r.exit_status = res->exit_status;
	r.term_signal = res->term_signal;
	r.start_us = res->start_us;
	r.duration_ns = res->duration_ns;
	r.worker = res->worker;
	r.flags = res->flags;
	r.rank = res->rank;
	r.host = res->host;
	r.item_len = res->item_len;
	r.out_len = res->out_len;
	r.err_len = res->err_len;
	at = h->end;
	err = pwrite_all(h->fd, &r, sizeof(r), at);
	if (err == 0)
		err = pwrite_all(h->fd, res->item, res->item_len,
				 at + (off_t)sizeof(r));
	if (err == 0)
		err = pwrite_all(h->fd, res->out, res->out_len,
				 at + (off_t)(sizeof(r) + res->item_len));
	if (err == 0)
		err = pwrite_all(h->fd, res->err, res->err_len,
				 at + (off_t)(sizeof(r) + res->item_len +
					      res->out_len));
	if (err != 0)
		return err;
	h->end = at + (off_t)(sizeof(r) + res->item_len + res->out_len +
			      res->err_len);
	h->in_file++;
	*handle = (void *)(((uintptr_t)at << 2) | FILE_TAG);
	return 0;
}

int
scx__hold_put(struct scx__hold *h, const struct scx_result *res,
	      void **handle)
{
	size_t size = sizeof(struct held) + res->item_len + res->out_len +
		      res->err_len;
	struct held *p;
	char *b;

	if (h->mem + size > h->limit)
		return spill(h, res, handle);
	p = malloc(size);
	if (p == NULL)
		return spill(h, res, handle);
	p->res = *res;
	p->size = size;
	b = p->bytes;
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

int
scx__hold_take(struct scx__hold *h, void *handle, struct scx_result *res)
{
	uintptr_t v = (uintptr_t)handle;
	struct record r;
	struct held *p;
	off_t at;
	char *b;
	int err;

	/* The previous memory result is freed now that it was used. */
	free(h->last);
	h->last = NULL;
	if ((v & 3u) != FILE_TAG) {
		p = handle;
		*res = p->res;
		h->mem -= p->size;
		h->last = p;
		return 0;
	}
	at = (off_t)(v >> 2);
	err = pread_all(h->fd, &r, sizeof(r), at);
	if (err == 0 && scx__buf_reserve(&h->scratch, r.item_len + r.out_len +
							      r.err_len + 1) != 0)
		err = -ENOMEM;
	if (err == 0)
		err = pread_all(h->fd, h->scratch.data,
				r.item_len + r.out_len + r.err_len,
				at + (off_t)sizeof(r));
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
	res->item = b;
	res->item_len = r.item_len;
	res->out = b + r.item_len;
	res->out_len = r.out_len;
	res->err = b + r.item_len + r.out_len;
	res->err_len = r.err_len;
	/* Everything in the file was taken: start it again from empty. */
	if (--h->in_file == 0) {
		h->end = 0;
		if (ftruncate(h->fd, 0) != 0) {
			/* Only disk space is at stake; the offsets restart. */
		}
	}
	return 0;
}

void
scx__hold_drop(struct scx__hold *h, void *handle)
{
	uintptr_t v = (uintptr_t)handle;
	struct held *p = handle;

	if ((v & 3u) == FILE_TAG) {
		if (--h->in_file == 0)
			h->end = 0;
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
}
