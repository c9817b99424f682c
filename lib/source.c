/* source.c: reads the inputs on a thread into a bounded queue of items,
 * so that a slow or endless input (tail -f) never blocks the event loop
 * and a fast one never fills memory. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reading thread waits once this much is queued. */
#define QUEUE_MAX_BYTES (4u << 20)
#define QUEUE_MAX_ITEMS (64u << 10)
#define READ_SIZE	(64u << 10)

struct input {
	int fd;
	bool owned;
	bool regular;
	const char *name;
};

struct scx__source {
	struct input *inputs;
	size_t ninputs;
	int delim;
	bool counted;
	uint64_t count;

	pthread_t thread;
	bool started;
	int quit[2];

	/* Shared with the thread, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quitting;
	struct scx__block *head, *tail;
	size_t qitems, qbytes;
	bool eof;
	int error;
	const char *bad;

	void (*notify)(void *);
	void *notify_arg;
	struct scx__reader reader; /* the thread's own */
	struct scx__combine *comb; /* GNU's sources, or NULL: inputs as is */
	struct scx__cutter *cut;   /* --pipe, --pipepart; or NULL */
	struct scx__robin *rr;	   /* --round-robin (with --pipe); or NULL */
	enum scx_pipe_mode pipe;
	unsigned slots;
	struct scx_buf warnings; /* the cutter's, each NUL-ended, not yet
				    taken (under mu) */
};

/* combine.c's items are pushed in blocks of about this many. */
#define EMIT_BATCH 1024

static void
close_inputs(struct scx__source *s)
{
	size_t i;

	for (i = 0; i < s->ninputs; i++)
		if (s->inputs[i].owned && s->inputs[i].fd >= 0)
			close(s->inputs[i].fd);
	free(s->inputs);
	s->inputs = NULL;
	s->ninputs = 0;
}

static int
open_input(struct input *in, const char *name)
{
	in->name = name;
	return scx__open_input(name, &in->fd, &in->owned, &in->regular);
}

static int
count_inputs(struct scx__source *s)
{
	uint64_t total = 0, n;
	size_t i;
	int err;

	for (i = 0; i < s->ninputs; i++)
		if (!s->inputs[i].regular)
			return 0;
	for (i = 0; i < s->ninputs; i++) {
		err = scx__count_items(s->inputs[i].fd, s->delim, &n);
		if (err != 0)
			return 0; /* not seekable after all: count unknown */
		total += n;
	}
	s->counted = true;
	s->count = total;
	return 0;
}

static int cut_emit(void *arg, struct scx__block *b);
static bool cut_wait(void *arg, int fd);
static void cut_warn(void *arg, const char *msg);
static const struct scx__cut_calls queue_calls = { cut_emit, cut_wait,
						   cut_warn };

/* --pipe, --pipepart: the inputs are cut into blocks; their number is
 * not known before. */
static int
open_cutter(struct scx__source *s, const struct scx_config *cfg, unsigned slots,
	    const char **bad)
{
	uint64_t size = 0, one;
	size_t i;
	int err;

	err = scx__cutter_open(&s->cut, cfg);
	if (err != 0)
		return err;
	s->pipe = cfg->pipe.mode;
	s->slots = slots;
	for (i = 0; i < s->ninputs; i++) {
		if (!scx__input_size(s->inputs[i].fd, &one) &&
		    (s->pipe == SCX_PIPE_PART ||
		     scx__cutter_needs_size(s->cut))) {
			*bad = s->inputs[i].name;
			return s->pipe == SCX_PIPE_PART ? SCX_ESEEKABLE
							: SCX_ESIZE;
		}
		size += one;
	}
	/* --block -N: of all the inputs together, as GNU's. */
	scx__cutter_size(s->cut, size, slots);
	if (s->pipe == SCX_PIPE_STREAM && cfg->pipe.round_robin)
		return scx__robin_open(&s->rr, slots, s->quit[0], &queue_calls,
				       s);
	return 0;
}

int
scx__source_open(struct scx__source **out, const struct scx_config *cfg,
		 bool on_stdin, unsigned slots, const char **bad)
{
	static const char *const stdin_only[] = { "-" };
	const char *const *inputs = cfg->inputs;
	size_t ninputs = cfg->ninputs, i;
	int delim = cfg->delimiter;
	struct scx__source *s;
	int err;

	*bad = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->quit[0] = s->quit[1] = -1;
	s->delim = delim;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	scx__reader_init(&s->reader, delim);
	if (cfg->pipe.mode == SCX_PIPE_PART) {
		inputs = cfg->pipe.files; /* each cut in turn */
		ninputs = cfg->pipe.nfiles;
	} else if (cfg->pipe.mode == SCX_PIPE_STREAM) {
		/* Never GNU's sources (--colsep, --trim, -m apply to
		 * arguments, which blocks have none of): stdin or -a FILE. */
		if (cfg->nsources == 1) {
			inputs = &cfg->sources[0].path;
			ninputs = 1;
		}
	} else if (cfg->nsources == 1 && cfg->sources[0].args == NULL &&
		   !scx__combine_needed(cfg)) {
		/* One file as it is: read as the inputs are. */
		inputs = &cfg->sources[0].path;
		ninputs = 1;
	} else if (cfg->nsources > 0 || scx__combine_needed(cfg)) {
		err = scx__combine_open(&s->comb, cfg, on_stdin ? '\t' : '\0',
					slots, bad);
		if (err == 0 && pipe2(s->quit, O_CLOEXEC) != 0)
			err = -errno;
		if (err != 0)
			goto error;
		s->counted = scx__combine_count(s->comb, &s->count);
		*out = s;
		return 0;
	}
	if (ninputs == 0) {
		inputs = stdin_only;
		ninputs = 1;
	}
	s->inputs = calloc(ninputs, sizeof(*s->inputs));
	if (s->inputs == NULL) {
		err = -ENOMEM;
		goto error;
	}
	for (i = 0; i < ninputs; i++)
		s->inputs[i].fd = -1;
	s->ninputs = ninputs;
	for (i = 0; i < ninputs; i++) {
		err = open_input(&s->inputs[i], inputs[i]);
		if (err != 0) {
			*bad = inputs[i];
			goto error;
		}
	}
	if (pipe2(s->quit, O_CLOEXEC) != 0) {
		err = -errno;
		goto error;
	}
	if (cfg->pipe.mode != SCX_PIPE_NONE) {
		err = open_cutter(s, cfg, slots, bad);
		if (err != 0)
			goto error;
	} else {
		count_inputs(s);
	}
	*out = s;
	return 0;

error:
	scx__source_destroy(s);
	return err;
}

bool
scx__source_fields(const struct scx__source *s, int *sep, size_t *width)
{
	if (s->comb == NULL)
		return false;
	scx__combine_fields(s->comb, sep, width);
	return true;
}

const struct scx_column_name *
scx__source_names(const struct scx__source *s, size_t *n)
{
	*n = 0;
	return s->comb != NULL ? scx__combine_names(s->comb, n) : NULL;
}

bool
scx__source_count(const struct scx__source *s, uint64_t *n)
{
	if (s->counted)
		*n = s->count;
	return s->counted;
}

static bool
queue_full(const struct scx__source *s)
{
	return s->head != NULL &&
	       (s->qbytes >= QUEUE_MAX_BYTES || s->qitems >= QUEUE_MAX_ITEMS);
}

/* Queues a block, waiting while the queue is full.  Returns false when
 * the source is being destroyed. */
static bool
push_block(struct scx__source *s, struct scx__block *b)
{
	bool quitting;

	pthread_mutex_lock(&s->mu);
	while (queue_full(s) && !s->quitting)
		pthread_cond_wait(&s->cv, &s->mu);
	quitting = s->quitting;
	if (!quitting) {
		if (s->tail)
			s->tail->next = b;
		else
			s->head = b;
		s->tail = b;
		s->qitems += b->n;
		s->qbytes += b->len;
	}
	pthread_mutex_unlock(&s->mu);
	if (quitting) {
		scx__block_free(b);
		return false;
	}
	s->notify(s->notify_arg);
	return true;
}

static bool
push_items(struct scx__source *s, int *err)
{
	struct scx__block *b;

	*err = scx__reader_cut(&s->reader, &b);
	if (*err == SCX_EAGAIN) {
		*err = 0;
		return true;
	}
	if (*err != 0)
		return false;
	return push_block(s, b);
}

/* Waits until @fd is readable or the source is told to quit.  Returns
 * false on quit. */
static bool
wait_readable(struct scx__source *s, int fd)
{
	struct pollfd p[2];

	p[0].fd = fd;
	p[0].events = POLLIN;
	p[1].fd = s->quit[0];
	p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return true; /* let read() report it */
		}
		if (p[1].revents)
			return false;
		return true;
	}
}

/* Reads one input to its end.  Returns 0, 1 on quit, or an error. */
static int
read_input(struct scx__source *s, const struct input *in)
{
	int got, err;

	for (;;) {
		if (!in->regular && !wait_readable(s, in->fd))
			return 1;
		got = scx__reader_fill(&s->reader, in->fd, READ_SIZE);
		if (got < 0)
			return got;
		if (got != 2 && !push_items(s, &err))
			return err ? err : 1;
		if (got == 0)
			return 0;
	}
}

static bool
combine_wait(void *arg, int fd)
{
	return wait_readable(arg, fd);
}

static int
combine_emit(void *arg, const char *data, size_t len)
{
	struct scx__source *s = arg;
	int err;

	if (data == NULL) /* a flush */
		return s->reader.n > 0 && !push_items(s, &err) ? (err ? err : 1)
							       : 0;
	err = scx__reader_item(&s->reader, data, len);
	if (err != 0)
		return err;
	if (s->reader.n >= EMIT_BATCH && !push_items(s, &err))
		return err ? err : 1;
	return 0;
}

/* Makes GNU parallel's jobs of the sources.  Returns 0, 1 on quit, or an
 * error (*@bad names the source). */
static int
combine_all(struct scx__source *s, const char **bad)
{
	int err;

	err = scx__combine_run(s->comb, combine_emit, combine_wait, s, bad);
	if (err == 0 && !push_items(s, &err))
		return err ? err : 1;
	return err;
}

static int
cut_emit(void *arg, struct scx__block *b)
{
	return push_block(arg, b) ? 0 : 1;
}

static int
robin_emit(void *arg, struct scx__block *b)
{
	struct scx__source *s = arg;

	return scx__robin_deal(s->rr, b);
}

static bool
cut_wait(void *arg, int fd)
{
	return wait_readable(arg, fd);
}

static void
cut_warn(void *arg, const char *msg)
{
	struct scx__source *s = arg;

	pthread_mutex_lock(&s->mu);
	if (s->warnings.len < 64 * 1024) /* else: said enough */
		(void)scx_buf_append(&s->warnings, msg, strlen(msg) + 1);
	pthread_mutex_unlock(&s->mu);
}

static int
cut_input(struct scx__source *s, const struct input *in)
{
	static const struct scx__cut_calls robin = { robin_emit, cut_wait,
						     cut_warn };
	int err;

	if (s->pipe == SCX_PIPE_PART)
		return scx__cutter_part(s->cut, in->fd,
					(unsigned)(in - s->inputs), s->slots,
					cut_emit, s);
	if (s->rr == NULL)
		return scx__cutter_stream(s->cut, in->fd, in->regular,
					  &queue_calls, s);
	err = scx__cutter_stream(s->cut, in->fd, in->regular, &robin, s);
	return err == 0 ? scx__robin_end(s->rr) : err;
}

bool
scx__source_warning(struct scx__source *s, char *msg, size_t size)
{
	size_t n;
	bool any;

	pthread_mutex_lock(&s->mu);
	any = s->warnings.len > 0;
	if (any) {
		n = strlen(s->warnings.data) + 1;
		snprintf(msg, size, "%s", s->warnings.data);
		memmove(s->warnings.data, s->warnings.data + n,
			s->warnings.len - n);
		s->warnings.len -= n;
	}
	pthread_mutex_unlock(&s->mu);
	return any;
}

static void *
source_thread(void *arg)
{
	struct scx__source *s = arg;
	const char *bad = NULL;
	size_t i;
	int err = 0;

	if (s->comb != NULL)
		err = combine_all(s, &bad);
	for (i = 0; i < s->ninputs; i++) {
		err = s->cut ? cut_input(s, &s->inputs[i])
			     : read_input(s, &s->inputs[i]);
		if (err != 0) {
			bad = s->inputs[i].name;
			break;
		}
	}
	if (err == 1)
		return NULL;
	pthread_mutex_lock(&s->mu);
	s->eof = true;
	s->error = err;
	s->bad = bad;
	pthread_mutex_unlock(&s->mu);
	s->notify(s->notify_arg);
	return NULL;
}

int
scx__source_start(struct scx__source *s, void (*notify)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	s->notify = notify;
	s->notify_arg = arg;
	/* Signals belong to the event loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->thread, NULL, source_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		return -err;
	s->started = true;
	return 0;
}

/* How many of block @b's remaining items fit in @room, and the byte range
 * [*from, *to) they span, delimiters included. */
static size_t
block_range(const struct scx__block *b, size_t room, size_t *from, size_t *to)
{
	size_t k = b->n - b->pos;

	if (k > room)
		k = room;
	*from = b->spans[b->pos].off;
	*to = b->spans[b->pos + k - 1].off + b->spans[b->pos + k - 1].len + 1;
	return k;
}

/* Builds a chunk of up to @max items from the queue's head; under mu. */
static int
take_locked(struct scx__source *s, size_t max, struct scx_chunk **out)
{
	struct scx__block *b;
	struct scx_chunk *c;
	size_t n = 0, len = 0, k, i, from, to;
	char *dst;

	for (b = s->head; b != NULL && n < max; b = b->next) {
		k = block_range(b, max - n, &from, &to);
		len += to - from;
		n += k;
	}
	c = scx_chunk_create(n, len);
	if (c == NULL)
		return -ENOMEM;
	dst = (char *)c->bytes;
	i = 0;
	while (i < n) {
		b = s->head;
		k = block_range(b, n - i, &from, &to);
		memcpy(dst, b->data + from, to - from);
		for (; k > 0; k--, i++, b->pos++) {
			c->items[i].seq = b->first_seq + b->pos;
			c->items[i].data = dst + (b->spans[b->pos].off - from);
			c->items[i].len = b->spans[b->pos].len;
		}
		dst += to - from;
		s->qbytes -= to - from;
		if (b->pos == b->n) {
			s->head = b->next;
			if (s->head == NULL)
				s->tail = NULL;
			scx__block_free(b);
		}
	}
	s->qitems -= n;
	*out = c;
	return 0;
}

int
scx__source_take(struct scx__source *s, size_t max, struct scx_chunk **out,
		 const char **bad)
{
	bool was_full;
	int err;

	if (max == 0)
		max = 1;
	pthread_mutex_lock(&s->mu);
	if (s->head == NULL) {
		err = s->eof ? (s->error ? s->error : SCX_EOF) : SCX_EAGAIN;
		*bad = s->bad;
		pthread_mutex_unlock(&s->mu);
		return err;
	}
	was_full = queue_full(s);
	err = take_locked(s, max, out);
	if (was_full && !queue_full(s))
		pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return err;
}

bool
scx__source_waiting(struct scx__source *s)
{
	bool some;

	pthread_mutex_lock(&s->mu);
	some = s->head != NULL;
	pthread_mutex_unlock(&s->mu);
	return some;
}

bool
scx__source_exhausted(struct scx__source *s)
{
	bool done;

	pthread_mutex_lock(&s->mu);
	done = s->eof && s->head == NULL;
	pthread_mutex_unlock(&s->mu);
	return done;
}

void
scx__source_destroy(struct scx__source *s)
{
	struct scx__block *b;
	char c = 'q';

	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->quitting = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (write(s->quit[1], &c, 1) < 0) {
			/* The thread also sees quitting when it next queues. */
		}
		pthread_join(s->thread, NULL);
	}
	while ((b = s->head) != NULL) {
		s->head = b->next;
		scx__block_free(b);
	}
	close_inputs(s);
	scx__combine_free(s->comb);
	scx__cutter_free(s->cut);
	scx__robin_free(s->rr);
	scx_buf_free(&s->warnings);
	if (s->quit[0] >= 0)
		close(s->quit[0]);
	if (s->quit[1] >= 0)
		close(s->quit[1]);
	scx__reader_free(&s->reader);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
