/* json.c: JSON strings that jq accepts for any bytes, and base64 for the
 * bytes that are not UTF-8. */
#include "internal.h"

#include <errno.h>

/* The length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

int
scx__json_string(struct scx_buf *b, const char *str, size_t len)
{
	return scx__json_chars(b, str, len, true, true);
}

/* Appends the JSON escape of the ASCII control or quoting byte @c. */
static int
json_escape(struct scx_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 0, '0', '0', 0, 0 };
	size_t n = 2;

	switch (c) {
	case '"':
	case '\\':
		esc[1] = (char)c;
		break;
	case '\n':
		esc[1] = 'n';
		break;
	case '\t':
		esc[1] = 't';
		break;
	case '\r':
		esc[1] = 'r';
		break;
	case '\b':
		esc[1] = 'b';
		break;
	case '\f':
		esc[1] = 'f';
		break;
	default:
		esc[1] = 'u';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		n = 6;
		break;
	}
	return scx_buf_append(b, esc, n);
}

int
scx__json_chars(struct scx_buf *b, const char *str, size_t len, bool first,
		bool last)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, n;
	int valid = 1;

	if (scx_buf_reserve(b, len + 2) != 0)
		return -ENOMEM;
	if (first)
		b->data[b->len++] = '"';
	while (i < len) {
		/* Copy a run of plain printable ASCII at once. */
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x80 &&
			      s[run] != '"' && s[run] != '\\';
		     run++)
			;
		if (run > i && scx_buf_append(b, s + i, run - i) != 0)
			return -ENOMEM;
		i = run;
		if (i == len)
			break;
		if (s[i] < 0x80) {
			if (json_escape(b, s[i++]) != 0)
				return -ENOMEM;
			continue;
		}
		/* An invalid byte becomes U+FFFD (the bytes go in base64). */
		n = utf8_seq(s + i, len - i);
		if (n == 0) {
			valid = 0;
			if (scx_buf_append(b, "\xEF\xBF\xBD", 3) != 0)
				return -ENOMEM;
			i++;
		} else {
			if (scx_buf_append(b, s + i, n) != 0)
				return -ENOMEM;
			i += n;
		}
	}
	if (last && scx_buf_putc(b, '"') != 0)
		return -ENOMEM;
	return valid;
}

int
scx__base64(struct scx_buf *b, const char *str, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)str;
	size_t i;
	char *o;
	uint32_t v;

	if (scx_buf_reserve(b, (len + 2) / 3 * 4) != 0)
		return -ENOMEM;
	o = b->data + b->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len = (size_t)(o - b->data);
	return 0;
}
