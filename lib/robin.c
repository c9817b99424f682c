/* robin.c: --round-robin.  On the source's thread, the blocks the cutter
 * makes are dealt to one long-running job per slot: each job is an item
 * whose stdin is a pipe of ours ("FD", the read end, which the job's
 * process takes as its stdin); the first blocks start the jobs, and each
 * next block goes to whichever job's pipe can take it.  At the end of the
 * input the pipes close and the jobs end, each with one result. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ROBIN_PIPE_SIZE (1 << 20)

struct rr_pipe {
	int fd;		      /* our write end; -1: closed */
	struct scx__block *b; /* the block being written, or NULL */
	size_t off;	      /* of b's bytes (b->spans[0]) written */
};

struct scx__robin {
	unsigned slots, n, next;
	struct rr_pipe *p;
	int quit_fd;
	scx__cut_emit emit; /* queues a job's item */
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

int
scx__robin_open(struct scx__robin **out, unsigned slots, int quit_fd,
		const struct scx__cut_calls *calls, void *arg)
{
	struct scx__robin *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->slots = slots ? slots : 1;
	r->p = calloc(r->slots, sizeof(*r->p));
	if (r->p == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->quit_fd = quit_fd;
	r->emit = calls->emit;
	r->warn = calls->warn;
	r->arg = arg;
	*out = r;
	return 0;
}

static void
drop(struct rr_pipe *p)
{
	scx__block_free(p->b);
	p->b = NULL;
	p->off = 0;
}

void
scx__robin_free(struct scx__robin *r)
{
	unsigned i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		drop(&r->p[i]);
		if (r->p[i].fd >= 0)
			close(r->p[i].fd);
	}
	free(r->p);
	free(r);
}

/* A job stopped reading: said, since the @n bytes given to it that it
 * did not read (in its pipe, and of its block) reach no job. */
static void
lost(struct scx__robin *r, struct rr_pipe *p, size_t n)
{
	char msg[200];
	int unread = 0;

	if (ioctl(p->fd, FIONREAD, &unread) == 0 && unread > 0)
		n += (size_t)unread;
	if (p->b != NULL)
		n += p->b->spans[0].len - p->off;
	snprintf(msg, sizeof(msg),
		 "--round-robin: job %u stopped reading its input; %zu bytes "
		 "given to it reached no job",
		 (unsigned)(p - r->p) + 1, n);
	if (r->warn && n > 0)
		r->warn(r->arg, msg);
	close(p->fd);
	p->fd = -1;
	drop(p);
}

/* Whether @p's job has closed its end (its pipe has no reader). */
static bool
reader_gone(struct rr_pipe *p)
{
	struct pollfd f = { p->fd, POLLOUT, 0 };

	return p->fd >= 0 && poll(&f, 1, 0) == 1 &&
	       (f.revents & (POLLERR | POLLHUP));
}

/* Writes what @p can take now of its block.  A job that stopped reading
 * (EPIPE) gets no more: its pipe closes. */
static void
flush(struct scx__robin *r, struct rr_pipe *p)
{
	ssize_t n;

	while (p->b != NULL && p->fd >= 0) {
		n = write(p->fd, p->b->data + p->off,
			  p->b->spans[0].len - p->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			lost(r, p, 0);
			return;
		}
		p->off += (size_t)n;
		if (p->off == p->b->spans[0].len)
			drop(p);
	}
}

/* A new job and its pipe.  @return 0, 1 on quit, or an error. */
static int
start_job(struct scx__robin *r)
{
	struct scx__block *item;
	struct rr_pipe *p = &r->p[r->n];
	char text[24];
	int fds[2], n, err;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	(void)fcntl(fds[1], F_SETPIPE_SZ, ROBIN_PIPE_SIZE); /* a hint */
	(void)fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	n = snprintf(text, sizeof(text), "%d", fds[0]);
	item = scx__block_copy(text, (size_t)n, '\n', r->n + 1);
	if (item == NULL) {
		close(fds[0]);
		close(fds[1]);
		return -ENOMEM;
	}
	p->fd = fds[1];
	r->n++;
	err = r->emit(r->arg, item);
	if (err != 0)
		close(fds[0]); /* never queued */
	return err;
}

/* Waits until a pipe can take more (or the source quits).  @return 0,
 * or 1 on quit. */
static int
wait_room(struct scx__robin *r)
{
	struct pollfd fds[r->n + 1];
	unsigned i;

	for (i = 0; i < r->n; i++) {
		fds[i].fd = r->p[i].fd;
		fds[i].events = POLLOUT;
	}
	fds[r->n].fd = r->quit_fd;
	fds[r->n].events = POLLIN;
	while (poll(fds, r->n + 1, -1) < 0)
		if (errno != EINTR)
			return 0;
	return fds[r->n].revents ? 1 : 0;
}

/* The pipe of a job that is free and has room, or -1. */
static int
ready_pipe(struct scx__robin *r)
{
	struct pollfd f;
	unsigned k, i;

	for (k = 0; k < r->n; k++) {
		i = (r->next + k) % r->n;
		if (r->p[i].fd < 0)
			continue;
		flush(r, &r->p[i]);
		if (r->p[i].b != NULL || r->p[i].fd < 0)
			continue;
		f.fd = r->p[i].fd;
		f.events = POLLOUT;
		if (poll(&f, 1, 0) == 1 && (f.revents & (POLLERR | POLLHUP))) {
			lost(r, &r->p[i], 0);
			continue;
		}
		if (f.revents & POLLOUT) {
			r->next = (i + 1) % r->n;
			return (int)i;
		}
	}
	return -1;
}

static bool
any_open(const struct scx__robin *r)
{
	unsigned i;

	for (i = 0; i < r->n; i++)
		if (r->p[i].fd >= 0)
			return true;
	return false;
}

int
scx__robin_deal(struct scx__robin *r, struct scx__block *b)
{
	int i, err;

	if (r->n < r->slots) {
		err = start_job(r);
		if (err != 0) {
			scx__block_free(b);
			return err;
		}
		i = (int)r->n - 1;
	} else {
		while ((i = ready_pipe(r)) < 0) {
			if (!any_open(r)) { /* every job stopped reading */
				scx__block_free(b);
				return 0;
			}
			if (wait_room(r) != 0) {
				scx__block_free(b);
				return 1;
			}
		}
	}
	r->p[i].b = b;
	r->p[i].off = 0;
	flush(r, &r->p[i]);
	return 0;
}

int
scx__robin_end(struct scx__robin *r)
{
	unsigned i;
	bool pending;

	for (;;) {
		pending = false;
		for (i = 0; i < r->n; i++) {
			flush(r, &r->p[i]);
			pending |= r->p[i].b != NULL;
		}
		if (!pending)
			break;
		if (wait_room(r) != 0)
			return 1;
	}
	for (i = 0; i < r->n; i++) {
		if (reader_gone(&r->p[i]))
			lost(r, &r->p[i], 0);
		if (r->p[i].fd >= 0) {
			close(r->p[i].fd);
			r->p[i].fd = -1;
		}
	}
	return 0;
}
