/* reader.c: cuts a byte stream into delimiter-separated items, in blocks. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READER_MIN_CAP (64 * 1024)

void
scx__reader_init(struct scx__reader *r, int delim)
{
	memset(r, 0, sizeof(*r));
	r->delim = delim;
	r->next_seq = 1;
}

void
scx__reader_free(struct scx__reader *r)
{
	free(r->buf);
	free(r->spans);
	memset(r, 0, sizeof(*r));
}

static int
add_span(struct scx__reader *r, size_t off, size_t len)
{
	if (SCX__GROW(r->spans, r->spancap, r->n + 1, 256) != 0)
		return -ENOMEM;
	r->spans[r->n].off = off;
	r->spans[r->n].len = len;
	r->n++;
	return 0;
}

int
scx__reader_space(struct scx__reader *r, size_t min, char **ptr, size_t *avail)
{
	size_t cap;
	char *p;

	/* One byte more than asked, so that end() can always add the
	 * delimiter after a last item that lacks one. */
	if (r->cap - r->len < min + 1) {
		cap = r->cap ? r->cap : READER_MIN_CAP;
		while (cap - r->len < min + 1) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		p = realloc(r->buf, cap);
		if (p == NULL)
			return -ENOMEM;
		r->buf = p;
		r->cap = cap;
	}
	*ptr = r->buf + r->len;
	*avail = r->cap - r->len - 1;
	return 0;
}

int
scx__reader_commit(struct scx__reader *r, size_t n)
{
	const char *p, *end;
	int err;

	r->len += n;
	p = r->buf + r->scan;
	end = r->buf + r->len;
	while (p < end && (p = memchr(p, r->delim, (size_t)(end - p)))) {
		err = add_span(r, r->cut, (size_t)(p - r->buf) - r->cut);
		if (err != 0)
			return err;
		r->cut = (size_t)(p - r->buf) + 1;
		p++;
	}
	r->scan = r->len;
	return 0;
}

int
scx__reader_feed(struct scx__reader *r, const void *data, size_t len)
{
	size_t avail;
	char *ptr;
	int err;

	err = scx__reader_space(r, len, &ptr, &avail);
	if (err != 0)
		return err;
	memcpy(ptr, data, len);
	return scx__reader_commit(r, len);
}

int
scx__reader_end(struct scx__reader *r)
{
	size_t avail;
	char *ptr;
	int err;

	if (r->len == r->cut)
		return 0;
	err = scx__reader_space(r, 1, &ptr, &avail);
	if (err != 0)
		return err;
	err = add_span(r, r->cut, r->len - r->cut);
	if (err != 0)
		return err;
	r->buf[r->len++] = (char)r->delim;
	r->cut = r->scan = r->len;
	return 0;
}

int
scx__reader_fill(struct scx__reader *r, int fd, size_t size)
{
	size_t avail;
	ssize_t got;
	char *ptr;
	int err;

	err = scx__reader_space(r, size, &ptr, &avail);
	if (err != 0)
		return err;
	do
		got = read(fd, ptr, avail);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN ? 2 : -errno;
	if (got == 0) {
		err = scx__reader_end(r);
		return err != 0 ? err : 0;
	}
	err = scx__reader_commit(r, (size_t)got);
	return err != 0 ? err : 1;
}

int
scx__reader_item(struct scx__reader *r, const void *data, size_t len)
{
	size_t avail;
	char *ptr;
	int err;

	err = scx__reader_space(r, len + 1, &ptr, &avail);
	if (err != 0)
		return err;
	memcpy(ptr, data, len);
	ptr[len] = (char)r->delim;
	err = add_span(r, r->len, len);
	if (err != 0)
		return err;
	r->len += len + 1;
	r->cut = r->scan = r->len;
	return 0;
}

void
scx__reader_drop(struct scx__reader *r)
{
	size_t rest = r->len - r->cut;

	if (rest > 0)
		memmove(r->buf, r->buf + r->cut, rest);
	r->next_seq += r->n;
	r->len = rest;
	r->scan -= r->cut;
	r->cut = 0;
	r->n = 0;
}

int
scx__reader_cut(struct scx__reader *r, struct scx__block **out)
{
	struct scx__block *b;
	size_t rest;

	if (r->n == 0)
		return SCX_EAGAIN;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->data = malloc(r->cut);
	b->spans = malloc(r->n * sizeof(*b->spans));
	if (b->data == NULL || b->spans == NULL) {
		scx__block_free(b);
		return -ENOMEM;
	}
	memcpy(b->data, r->buf, r->cut);
	memcpy(b->spans, r->spans, r->n * sizeof(*b->spans));
	b->len = r->cut;
	b->n = r->n;
	b->first_seq = r->next_seq;
	r->next_seq += r->n;

	rest = r->len - r->cut;
	memmove(r->buf, r->buf + r->cut, rest);
	r->len = rest;
	r->scan -= r->cut;
	r->cut = 0;
	r->n = 0;
	*out = b;
	return 0;
}

struct scx__block *
scx__block_one(char *data, size_t len, uint64_t seq)
{
	struct scx__block *b = calloc(1, sizeof(*b));

	if (b == NULL || (b->spans = malloc(sizeof(*b->spans))) == NULL) {
		free(b);
		return NULL;
	}
	b->data = data;
	b->len = len + 1;
	b->spans[0].off = 0;
	b->spans[0].len = len;
	b->n = 1;
	b->first_seq = seq;
	return b;
}

struct scx__block *
scx__block_copy(const char *text, size_t len, char delim, uint64_t seq)
{
	struct scx__block *b;
	char *data = malloc(len + 1);

	if (data == NULL)
		return NULL;
	memcpy(data, text, len);
	data[len] = delim;
	b = scx__block_one(data, len, seq);
	if (b == NULL)
		free(data);
	return b;
}

void
scx__block_free(struct scx__block *b)
{
	if (b == NULL)
		return;
	free(b->data);
	free(b->spans);
	free(b);
}

/* How many bytes of @p are @c: a loop the compiler vectorises, several
 * times faster than memchr() per short line. */
static size_t
count_byte(const char *p, size_t len, char c)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == c;
	return n;
}

int
scx__count_items(int fd, int delim, uint64_t *count)
{
	char buf[128 * 1024];
	uint64_t n = 0;
	off_t off;
	ssize_t got;
	char last = (char)delim;

	off = lseek(fd, 0, SEEK_CUR);
	if (off < 0)
		return -errno;
	for (;;) {
		got = pread(fd, buf, sizeof(buf), off);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			break;
		off += got;
		n += count_byte(buf, (size_t)got, (char)delim);
		last = buf[got - 1];
	}
	if (last != (char)delim)
		n++;
	*count = n;
	return 0;
}
