/* spool.c: one stream of an item's output on its way: held in memory up to
 * a bound, then in an unnamed temporary file, so that an item writing
 * 1 GiB costs disk, not memory, whatever the output mode; and the reading
 * of such a stream piece by piece, wherever its bytes are. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Spools                                                              */
/* ------------------------------------------------------------------ */

void
scx_spool_init(struct scx_spool *s, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->limit = limit ? limit : SCX__SPOOL_MEM;
}

void
scx_spool_free(struct scx_spool *s)
{
	scx_buf_free(&s->mem);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->flen = 0;
	s->in_file = false;
}

int
scx_spool_commit(struct scx_spool *s)
{
	int err;

	if (!s->in_file && s->mem.len <= s->limit)
		return 0;
	if (s->fd < 0) {
		s->fd = scx_tmpfile(s->detail, sizeof(s->detail));
		if (s->fd < 0)
			return s->fd;
	}
	s->in_file = true;
	if (s->mem.len == 0)
		return 0;
	err = scx_pwrite_all(s->fd, s->mem.data, s->mem.len, s->flen);
	if (err != 0) {
		snprintf(s->detail, sizeof(s->detail),
			 "cannot write output that does not fit in memory to "
			 "a temporary file in TMPDIR");
		return err;
	}
	s->flen += s->mem.len;
	/* The buffer is read into again: one read's worth is enough now. */
	s->mem.len = 0;
	scx_buf_trim(&s->mem, SCX__READ_CHUNK);
	return 0;
}

int
scx_spool_append(struct scx_spool *s, const void *data, size_t len)
{
	int err;

	if (s->in_file && len >= s->limit) {
		/* Large pieces go straight to the file. */
		err = scx_spool_commit(s);
		if (err == 0)
			err = scx_pwrite_all(s->fd, data, len, s->flen);
		if (err == 0)
			s->flen += len;
		return err;
	}
	if (scx_buf_append(&s->mem, data, len) != 0)
		return -ENOMEM;
	return scx_spool_commit(s);
}

uint64_t
scx_spool_len(const struct scx_spool *s)
{
	return s->flen + s->mem.len;
}

void
scx_spool_view(const struct scx_spool *s, struct scx_bytes *b)
{
	if (s->in_file) {
		b->mem = NULL;
		b->fd = s->fd;
		b->off = 0;
		b->len = s->flen;
	} else {
		b->mem = s->mem.data;
		b->fd = -1;
		b->off = 0;
		b->len = s->mem.len;
	}
}

void
scx_spool_reset(struct scx_spool *s)
{
	if (s->in_file && ftruncate(s->fd, 0) != 0) {
		/* Only disk space is at stake: the file is written from 0. */
	}
	s->in_file = false;
	s->flen = 0;
	s->mem.len = 0;
	scx_buf_trim(&s->mem, s->limit < SCX__KEEP_CAPACITY
				  ? s->limit
				  : SCX__KEEP_CAPACITY);
}

/* ------------------------------------------------------------------ */
/* Reading a result's streams                                          */
/* ------------------------------------------------------------------ */

void
scx_result_stdout(const struct scx_result *r, struct scx_bytes *b)
{
	if (r->flags & SCX_RESULT_OUT_FILE) {
		b->mem = NULL;
		b->fd = r->out_fd;
		b->off = r->out_off;
	} else {
		b->mem = r->out;
		b->fd = -1;
		b->off = 0;
	}
	b->len = r->out_len;
}

void
scx_result_stderr(const struct scx_result *r, struct scx_bytes *b)
{
	if (r->flags & SCX_RESULT_ERR_FILE) {
		b->mem = NULL;
		b->fd = r->err_fd;
		b->off = r->err_off;
	} else {
		b->mem = r->err;
		b->fd = -1;
		b->off = 0;
	}
	b->len = r->err_len;
}

void
scx_result_set_stdout(struct scx_result *r, const struct scx_bytes *b)
{
	r->flags &= ~(unsigned)SCX_RESULT_OUT_FILE;
	r->out_len = (size_t)b->len;
	if (b->mem != NULL || b->fd < 0) {
		r->out = b->mem;
		return;
	}
	r->out = NULL;
	r->out_fd = b->fd;
	r->out_off = b->off;
	r->flags |= SCX_RESULT_OUT_FILE;
}

void
scx_result_set_stderr(struct scx_result *r, const struct scx_bytes *b)
{
	r->flags &= ~(unsigned)SCX_RESULT_ERR_FILE;
	r->err_len = (size_t)b->len;
	if (b->mem != NULL || b->fd < 0) {
		r->err = b->mem;
		return;
	}
	r->err = NULL;
	r->err_fd = b->fd;
	r->err_off = b->off;
	r->flags |= SCX_RESULT_ERR_FILE;
}

int
scx_bytes_read(const struct scx_bytes *b, uint64_t pos, size_t max,
	       struct scx_buf *scratch, const char **p, size_t *n)
{
	size_t k;
	int err;

	if (pos >= b->len) {
		*n = 0;
		return 0;
	}
	k = b->len - pos < max ? (size_t)(b->len - pos) : max;
	if (b->mem != NULL || b->fd < 0) {
		*p = b->mem + pos;
		*n = k;
		return 0;
	}
	if (scx_buf_reserve(scratch, k) != 0)
		return -ENOMEM;
	err = scx_pread_all(b->fd, scratch->data, k, b->off + pos);
	if (err != 0)
		return err;
	*p = scratch->data;
	*n = k;
	return 0;
}

int
scx_bytes_copy(const struct scx_bytes *b, int fd, uint64_t at,
	       struct scx_buf *scratch)
{
	uint64_t pos = 0;
	const char *p;
	size_t n;
	int err;

	if (b->fd >= 0 && b->mem == NULL) {
		/* Within the kernel when it can. */
		loff_t in = (loff_t)b->off, out = (loff_t)at;
		ssize_t got;

		while (pos < b->len) {
			got = copy_file_range(b->fd, &in, fd, &out,
					      (size_t)(b->len - pos), 0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			pos += (uint64_t)got;
		}
	}
	while (pos < b->len) {
		err = scx_bytes_read(b, pos, SCX__PIECE, scratch, &p, &n);
		if (err != 0)
			return err;
		err = scx_pwrite_all(fd, p, n, at + pos);
		if (err != 0)
			return err;
		pos += n;
	}
	return 0;
}
