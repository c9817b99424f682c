/* rsvalue.c: what a replacement string stands for, for one argument:
 * GNU parallel's path forms ({.} {/} {//} {/.} and --plus' {..} {+/}
 * ...), its numbers ({#} {%} {##} {0#} {0%}), and the shell quoting of a
 * substitution (pure). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Perl's File::Basename::fileparse split: the directory part keeps its
 * slash, or is "./" when there is none. */
static void
split_path(const char *s, size_t len, const char **dir, size_t *dirlen,
	   size_t *baselen)
{
	const char *slash = NULL, *p;

	for (p = s; p < s + len; p++)
		if (*p == '/')
			slash = p;
	if (slash == NULL) {
		*dir = "./";
		*dirlen = 2;
		*baselen = len;
	} else {
		*dir = s;
		*dirlen = (size_t)(slash - s) + 1;
		*baselen = len - *dirlen;
	}
}

/* Drops trailing slashes, keeping the first character. */
static size_t
strip_slashes(const char *s, size_t len)
{
	while (len > 1 && s[len - 1] == '/')
		len--;
	return len;
}

/* {//}: the dirname of GNU parallel (Perl's dirname). */
static void
path_dirname(const char *s, size_t len, const char **out, size_t *outlen)
{
	const char *dir;
	size_t dirlen, baselen;

	split_path(s, len, &dir, &dirlen, &baselen);
	dirlen = strip_slashes(dir, dirlen);
	if (baselen == 0) {
		split_path(dir, dirlen, &dir, &dirlen, &baselen);
		dirlen = strip_slashes(dir, dirlen);
	}
	*out = dir;
	*outlen = dirlen;
}

/* {/}: everything after the last slash. */
static void
path_basename(const char *s, size_t len, const char **out, size_t *outlen)
{
	const char *p;

	for (p = s + len; p > s && p[-1] != '/'; p--)
		;
	*out = p;
	*outlen = len - (size_t)(p - s);
}

/* {.}: without the last ".ext" of the last path component. */
static size_t
path_noext(const char *s, size_t len)
{
	const char *p;

	for (p = s + len; p > s; p--) {
		if (p[-1] == '/')
			return len;
		if (p[-1] == '.')
			return (size_t)(p - 1 - s);
	}
	return len;
}

/* The end of @s less @k extensions ("\.[^/.]*" each), or @len when it
 * has fewer. */
static size_t
strip_exts(const char *s, size_t len, int k)
{
	size_t end = len, p;

	while (k-- > 0) {
		p = end;
		while (p > 0 && s[p - 1] != '/' && s[p - 1] != '.')
			p--;
		if (p == 0 || s[p - 1] != '.')
			return len;
		end = p - 1;
	}
	return end;
}

/* The value of a path kind for one argument. */
void
scx__rs_path(enum scx__rs_kind kind, const char *item, size_t len,
	     const char **out, size_t *outlen)
{
	const char *p;
	size_t n;

	*out = item;
	*outlen = len;
	switch (kind) {
	case RS_NOEXT:
		*outlen = path_noext(item, len);
		break;
	case RS_NOEXT2:
	case RS_NOEXT3:
		*outlen = strip_exts(item, len, kind == RS_NOEXT2 ? 2 : 3);
		break;
	case RS_BASE:
		path_basename(item, len, out, outlen);
		break;
	case RS_DIR:
		path_dirname(item, len, out, outlen);
		break;
	case RS_BASENOEXT:
		path_basename(item, len, out, outlen);
		*outlen = path_noext(*out, *outlen);
		break;
	case RS_BASENOEXT2:
	case RS_BASENOEXT3:
		path_basename(item, len, out, outlen);
		*outlen =
		    strip_exts(*out, *outlen, kind == RS_BASENOEXT2 ? 2 : 3);
		break;
	case RS_PDIR: /* s:/[^/]*$:: || s:.*$:: */
		for (p = item + len; p > item && p[-1] != '/'; p--)
			;
		*outlen = p > item ? (size_t)(p - 1 - item) : 0;
		break;
	case RS_EXT: /* s:.*\.:: || s:.*$:: */
		for (p = item + len; p > item && p[-1] != '.'; p--)
			;
		*out = p;
		*outlen = p > item ? len - (size_t)(p - item) : 0;
		break;
	case RS_EXT2:
	case RS_EXT3:
		n = strip_exts(item, len, kind == RS_EXT2 ? 2 : 3);
		if (n == len) {
			*outlen = 0;
		} else {
			*out = item + n + 1;
			*outlen = len - n - 1;
		}
		break;
	default:
		break;
	}
}

/* The text of a number kind, in @num. */
size_t
scx__rs_number(enum scx__rs_kind kind, uint64_t seq, unsigned slot,
	       uint64_t total, unsigned slots, char *num, size_t size)
{
	int width = 1;
	uint64_t v;

	switch (kind) {
	case RS_SEQ:
		return (size_t)snprintf(num, size, "%llu",
					(unsigned long long)seq);
	case RS_SLOT:
		return (size_t)snprintf(num, size, "%u", slot);
	case RS_TOTAL:
		return (size_t)snprintf(num, size, "%llu",
					(unsigned long long)total);
	case RS_SEQ0:
	case RS_SLOT0:
		for (v = kind == RS_SEQ0 ? total : slots; v >= 10; v /= 10)
			width++;
		return (size_t)snprintf(
		    num, size, "%0*llu", width,
		    (unsigned long long)(kind == RS_SEQ0 ? seq : slot));
	default:
		return 0;
	}
}

static bool
shell_safe(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_-./,:@%+", c) != NULL;
}

size_t
scx_shell_quote(char *buf, size_t size, const char *s, size_t len)
{
	size_t i, n = 0;
	bool safe = len > 0;

#define PUT(c)                        \
	do {                          \
		if (n + 1 < size)     \
			buf[n] = (c); \
		n++;                  \
	} while (0)

	for (i = 0; i < len && safe; i++)
		safe = s[i] != '\0' && shell_safe((unsigned char)s[i]);
	if (safe) {
		for (i = 0; i < len; i++)
			PUT(s[i]);
	} else {
		PUT('\'');
		for (i = 0; i < len; i++) {
			if (s[i] == '\'') {
				PUT('\'');
				PUT('\\');
				PUT('\'');
				PUT('\'');
			} else {
				PUT(s[i]);
			}
		}
		PUT('\'');
	}
	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n;
#undef PUT
}

int
scx__append_quoted(struct scx_buf *b, const char *s, size_t len)
{
	size_t need;

	need = scx_shell_quote(NULL, 0, s, len);
	if (scx_buf_reserve(b, need + 1) != 0)
		return -ENOMEM;
	scx_shell_quote(b->data + b->len, need + 1, s, len);
	b->len += need;
	return 0;
}
