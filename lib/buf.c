/* buf.c: a growable byte buffer, the one allocation pattern of libscx. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
scx_buf_reserve(struct scx_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	need = b->len + more;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
scx_buf_append(struct scx_buf *b, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (scx_buf_reserve(b, len) != 0)
		return -ENOMEM;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int
scx_buf_putc(struct scx_buf *b, int c)
{
	if (b->len == b->cap && scx_buf_reserve(b, 1) != 0)
		return -ENOMEM;
	b->data[b->len++] = (char)c;
	return 0;
}

int
scx_buf_printf(struct scx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (scx_buf_reserve(b, 64) != 0)
		return -ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= b->cap - b->len) {
		if (scx_buf_reserve(b, (size_t)n + 1) != 0)
			return -ENOMEM;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

void
scx_buf_trim(struct scx_buf *b, size_t keep)
{
	size_t cap = b->len > keep ? b->len : keep;
	char *p;

	if (b->cap <= 2 * cap)
		return;
	if (cap == 0) {
		scx_buf_free(b);
		return;
	}
	p = realloc(b->data, cap);
	if (p == NULL)
		return; /* the larger buffer stays: only memory is at stake */
	b->data = p;
	b->cap = cap;
}

void
scx_buf_free(struct scx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
