/* feed.c: writes a worker's stdin from the loop: its item's bytes, then
 * (--pipepart) a part of a file, which splice(2) moves from the page cache
 * into the pipe without the bytes passing through our memory; where the
 * kernel cannot splice (a file system without it), pread and write. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#define FEED_PIPE_SIZE (1 << 20) /* fewer wake-ups per block */
#define FEED_COPY      (64 << 10)

struct scx__feed {
	uv_poll_t poll;
	int fd; /* our end: non-blocking */
	const char *data;
	size_t len;
	int file_fd;
	uint64_t off, left;
	char *copy; /* the fallback's buffer */
	size_t copy_pos, copy_len;
	bool polling;
	void (*ended)(void *arg);
	uv_close_cb closed;
	void *arg;
};

int
scx__feed_open(struct uv_loop_s *loop, struct scx__feed **out, int *theirs,
	       void *arg)
{
	struct scx__feed *f;
	int fds[2], err;

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		err = -errno;
		free(f);
		return err;
	}
	(void)fcntl(fds[1], F_SETPIPE_SZ, FEED_PIPE_SIZE); /* a hint */
	(void)fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	err = uv_poll_init(loop, &f->poll, fds[1]);
	if (err != 0) {
		close(fds[0]);
		close(fds[1]);
		free(f);
		return err;
	}
	f->poll.data = f;
	f->fd = fds[1];
	f->file_fd = -1;
	f->arg = arg; /* closed gets it even if the feed never started */
	*theirs = fds[0];
	*out = f;
	return 0;
}

/* Moves what it can now.  @return 1 when all is written, 0 when the pipe
 * is full, or a negated errno (EPIPE: the worker did not read it all). */
static int
move(struct scx__feed *f)
{
	ssize_t n;

	while (f->len > 0) {
		/* vmsplice: the pipe takes references to our pages instead of
		 * a copy, so they must stay as they are until the worker has
		 * read them: an item's bytes do (they live until its result is
		 * in); a --pipepart header is rewritten for the next job, and
		 * is copied. */
		struct iovec iov = { (void *)f->data, f->len };

		n = f->file_fd < 0 ? vmsplice(f->fd, &iov, 1, SPLICE_F_NONBLOCK)
				   : -1;
		if (n < 0 &&
		    (f->file_fd >= 0 || errno == EINVAL || errno == ENOSYS))
			n = write(f->fd, f->data, f->len);
		if (n < 0)
			return errno == EINTR	 ? 0
			       : errno == EAGAIN ? 0
						 : -errno;
		f->data += n;
		f->len -= (size_t)n;
	}
	while (f->copy == NULL && f->left > 0) {
		loff_t off = (loff_t)f->off;

		n = splice(f->file_fd, &off, f->fd, NULL,
			   f->left < FEED_PIPE_SIZE ? f->left : FEED_PIPE_SIZE,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (n > 0) {
			f->off += (uint64_t)n;
			f->left -= (uint64_t)n;
		} else if (n == 0) {
			f->left = 0; /* the file got shorter */
		} else if (errno == EAGAIN || errno == EINTR) {
			return 0;
		} else if (errno == EINVAL || errno == ENOSYS) {
			f->copy = malloc(FEED_COPY);
			if (f->copy == NULL)
				return -ENOMEM;
		} else {
			return -errno;
		}
	}
	while (f->copy != NULL && (f->left > 0 || f->copy_pos < f->copy_len)) {
		if (f->copy_pos == f->copy_len) {
			n = pread(f->file_fd, f->copy,
				  f->left < FEED_COPY ? f->left : FEED_COPY,
				  (off_t)f->off);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				return n < 0 ? -errno : 1;
			}
			f->off += (uint64_t)n;
			f->left -= (uint64_t)n;
			f->copy_pos = 0;
			f->copy_len = (size_t)n;
		}
		n = write(f->fd, f->copy + f->copy_pos,
			  f->copy_len - f->copy_pos);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		f->copy_pos += (size_t)n;
	}
	return 1;
}

static void
on_writable(uv_poll_t *h, int status, int events)
{
	struct scx__feed *f = h->data;
	int r;

	(void)events;
	r = status < 0 ? status : move(f);
	if (r == 0)
		return;
	uv_poll_stop(&f->poll);
	f->polling = false;
	f->ended(f->arg);
}

void
scx__feed_start(struct scx__feed *f, const struct scx_command *cmd,
		void (*ended)(void *arg), void *arg)
{
	f->data = cmd->stdin_data ? cmd->stdin_data : "";
	f->len = cmd->stdin_len;
	f->file_fd = cmd->stdin_fd;
	f->off = cmd->stdin_file_off;
	f->left = cmd->stdin_fd >= 0 ? cmd->stdin_file_len : 0;
	f->ended = ended;
	f->arg = arg;
	/* Wait for room first: the loop stays free for the other workers. */
	if (uv_poll_start(&f->poll, UV_WRITABLE, on_writable) == 0)
		f->polling = true;
	else
		ended(arg);
}

static void
on_closed(uv_handle_t *h)
{
	struct scx__feed *f = h->data;

	close(f->fd);
	h->data = f->arg; /* the caller's, as its own handles' */
	if (f->closed)
		f->closed(h);
	free(f->copy);
	free(f);
}

void
scx__feed_close(struct scx__feed *f, void (*closed)(struct uv_handle_s *h))
{
	f->closed = closed;
	uv_close((uv_handle_t *)&f->poll, on_closed);
}
