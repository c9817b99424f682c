/* rsvalue.c: what a replacement string stands for, for one argument:
 * GNU parallel's path forms ({.} {/} {//} {/.} and --plus' {..} {+/}
 * ...), its numbers ({#} {%} {##} {0#} {0%}), and the shell quoting of a
 * substitution (pure). */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ------------------------------------------------------------------ */
/* --plus' bash-like strings                                           */
/* ------------------------------------------------------------------ */

/* Perl's escapes that POSIX regular expressions lack. */
char *
scx__perl_regex(const char *perl, size_t n)
{
	/* Each escape outside and inside a bracket expression (NULL: kept
	 * as typed). */
	static const struct {
		char c;
		const char *out, *in;
	} esc[] = {
		{ 't', "\t", "\t" },
		{ 'n', "\n", "\n" },
		{ 's', "[[:space:]]", "[:space:]" },
		{ 'S', "[^[:space:]]", NULL },
		{ 'd', "[0-9]", "0-9" },
		{ 'D', "[^0-9]", NULL },
		{ 'w', "[[:alnum:]_]", "[:alnum:]_" },
		{ 'W', "[^[:alnum:]_]", NULL },
	};
	char *out = malloc(n * 12 + 1);
	const char *p, *end = perl + n, *rep;
	bool in = false;
	size_t k = 0, i;

	if (out == NULL)
		return NULL;
	for (p = perl; p < end; p++) {
		rep = NULL;
		if (*p == '\\' && p + 1 < end)
			for (i = 0; i < sizeof(esc) / sizeof(esc[0]); i++)
				if (p[1] == esc[i].c)
					rep = in ? esc[i].in : esc[i].out;
		if (rep != NULL) {
			memcpy(out + k, rep, strlen(rep));
			k += strlen(rep);
			p++;
			continue;
		}
		if (!in && *p == '[') {
			/* A ']' first (after an optional '^') is literal. */
			in = true;
			out[k++] = *p++;
			if (p < end && *p == '^')
				out[k++] = *p++;
			if (p < end && *p == ']')
				out[k++] = *p++;
			p--;
		} else if (in && *p == '[' && p + 1 < end && p[1] == ':' &&
			   memmem(p + 2, (size_t)(end - p - 2), ":]", 2)) {
			/* [:class:] inside a bracket, copied whole */
			const char *q =
			    memmem(p + 2, (size_t)(end - p - 2), ":]", 2);

			memcpy(out + k, p, (size_t)(q + 2 - p));
			k += (size_t)(q + 2 - p);
			p = q + 1;
		} else {
			if (in && *p == ']')
				in = false;
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

bool
scx__regex_ok(const char *perl)
{
	char *rx = scx__perl_regex(perl, strlen(perl));
	regex_t re;
	bool ok;

	if (rx == NULL)
		return true; /* no memory: the run will say so */
	ok = regcomp(&re, rx, REG_EXTENDED | REG_NOSUB) == 0;
	if (ok)
		regfree(&re);
	free(rx);
	return ok;
}

enum bash_op {
	OP_DEFAULT,	/* {:-x}: x when the value is empty (or "0": Perl) */
	OP_SUBSTR,	/* {:N} {:N:M} */
	OP_DEL_PRE,	/* {#pat}: the shortest prefix */
	OP_DEL_PRE_MAX, /* {##pat}: the longest */
	OP_DEL_SUF,	/* {%pat} */
	OP_DEL_SUF_MAX, /* {%%pat} */
	OP_SUB,		/* {/pat/repl}: the first match */
	OP_SUB_ALL,	/* {//pat/repl} */
	OP_SUB_PRE,	/* {/#pat/repl} */
	OP_SUB_SUF,	/* {/%pat/repl} */
	OP_UPPER,	/* {^pat}: a match at the start, upper-cased */
	OP_UPPER_ALL,	/* {^^pat} */
	OP_LOWER,	/* {,pat} */
	OP_LOWER_ALL,	/* {,,pat} */
};

struct scx__rs_op {
	enum bash_op op;
	regex_t re, full, pre, suf; /* pat, ^(pat)$, ^(pat), (pat)$ */
	char last; /* the byte every match ends with, or 0: unknown */
	bool compiled;
	char *text; /* the default, or the replacement */
	size_t from, count;
	bool has_count;
};

static bool
digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n > 0;
}

static int
compile(struct scx__rs_op *op, const char *pat, size_t n)
{
	static const char *const forms[] = { "%s", "^(%s)$", "^(%s)", "(%s)$" };
	regex_t *res[] = { &op->re, &op->full, &op->pre, &op->suf };
	char *rx = scx__perl_regex(pat, n), *form;
	size_t i, done = 0;

	if (rx == NULL)
		return -ENOMEM;
	form = malloc(strlen(rx) + 8);
	for (i = 0; form != NULL && i < 4; i++, done++) {
		sprintf(form, forms[i], rx);
		if (regcomp(res[i], form,
			    REG_EXTENDED | (i == 1 ? REG_NOSUB : 0)) != 0)
			break;
	}
	free(form);
	if (done == 4) {
		/* A pattern without alternatives that ends in a letter or a
		 * digit: its matches end with it (a quick no for a suffix:
		 * glibc's search for "(.*y)$" is quadratic in the item). */
		i = strlen(rx);
		if (i > 0 && strchr(rx, '|') == NULL &&
		    isalnum((unsigned char)rx[i - 1]) &&
		    (i < 2 || rx[i - 2] != '\\'))
			op->last = rx[i - 1];
		free(rx);
		op->compiled = true;
		return 1;
	}
	free(rx);
	while (done-- > 0)
		regfree(res[done]);
	return form == NULL ? -ENOMEM : 0; /* not a regex: not this string */
}

/* Which operation @p (@n bytes) names, and where its pattern and text
 * are. */
static bool
classify(const char *p, size_t n, enum bash_op *op, size_t *skip,
	 const char **slash)
{
	static const struct {
		const char *lead;
		enum bash_op op;
		bool repl;
	} forms[] = {
		{ "//", OP_SUB_ALL, true },  { "/#", OP_SUB_PRE, true },
		{ "/%", OP_SUB_SUF, true },  { "/", OP_SUB, true },
		{ "##", OP_DEL_PRE_MAX, 0 }, { "#", OP_DEL_PRE, 0 },
		{ "%%", OP_DEL_SUF_MAX, 0 }, { "%", OP_DEL_SUF, 0 },
		{ "^^", OP_UPPER_ALL, 0 },   { "^", OP_UPPER, 0 },
		{ ",,", OP_LOWER_ALL, 0 },   { ",", OP_LOWER, 0 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		k = strlen(forms[i].lead);
		if (n <= k || strncmp(p, forms[i].lead, k) != 0)
			continue;
		*slash = NULL;
		if (forms[i].repl) {
			*slash = memchr(p + k, '/', n - k);
			if (*slash == NULL || *slash == p + k)
				continue;
		}
		*op = forms[i].op;
		*skip = k;
		return true;
	}
	return false;
}

int
scx__rs_bash_parse(const char *p, size_t n, struct scx__rs_op **out)
{
	struct scx__rs_op *op;
	const char *slash = NULL, *colon;
	enum bash_op kind;
	size_t skip = 0;
	int rc;

	*out = NULL;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -ENOMEM;
	if (n > 2 && p[0] == ':' && p[1] == '-') {
		op->op = OP_DEFAULT;
		op->text = strndup(p + 2, n - 2);
		rc = op->text ? 1 : -ENOMEM;
	} else if (n > 1 && p[0] == ':') {
		colon = memchr(p + 1, ':', n - 1);
		op->op = OP_SUBSTR;
		if (colon == NULL && digits(p + 1, n - 1)) {
			op->from = strtoul(p + 1, NULL, 10);
			rc = 1;
		} else if (colon != NULL &&
			   digits(p + 1, (size_t)(colon - p - 1)) &&
			   digits(colon + 1, (size_t)(p + n - colon - 1))) {
			op->from = strtoul(p + 1, NULL, 10);
			op->count = strtoul(colon + 1, NULL, 10);
			op->has_count = true;
			rc = 1;
		} else {
			rc = 0;
		}
	} else if (classify(p, n, &kind, &skip, &slash)) {
		op->op = kind;
		rc = compile(op, p + skip,
			     slash ? (size_t)(slash - p - skip) : n - skip);
		if (rc == 1 && slash != NULL) {
			op->text =
			    strndup(slash + 1, (size_t)(p + n - slash - 1));
			if (op->text == NULL)
				rc = -ENOMEM;
		}
	} else {
		rc = 0;
	}
	if (rc == 1)
		*out = op;
	else
		scx__rs_bash_free(op);
	return rc;
}

void
scx__rs_bash_free(struct scx__rs_op *op)
{
	if (op == NULL)
		return;
	if (op->compiled) {
		regfree(&op->re);
		regfree(&op->full);
		regfree(&op->pre);
		regfree(&op->suf);
	}
	free(op->text);
	free(op);
}

/* Whether s[from, to) matches the whole pattern (s is writable and
 * NUL-terminated at its end). */
static bool
whole(const struct scx__rs_op *op, char *s, size_t from, size_t to)
{
	char keep = s[to];
	bool yes;

	s[to] = '\0';
	yes = regexec(&op->full, s + from, 0, NULL, 0) == 0;
	s[to] = keep;
	return yes;
}

static int
apply_case(const struct scx__rs_op *op, char *s, size_t len,
	   struct scx_buf *out)
{
	bool all = op->op == OP_UPPER_ALL || op->op == OP_LOWER_ALL;
	bool up = op->op == OP_UPPER || op->op == OP_UPPER_ALL;
	size_t off = 0, i;
	regmatch_t m;

	while (off <= len &&
	       regexec(&op->re, s + off, 1, &m, off ? REG_NOTBOL : 0) == 0) {
		if (!all && m.rm_so != 0)
			break;
		for (i = off + (size_t)m.rm_so; i < off + (size_t)m.rm_eo; i++)
			s[i] = (char)(up ? toupper((unsigned char)s[i])
					 : tolower((unsigned char)s[i]));
		off +=
		    m.rm_eo > m.rm_so ? (size_t)m.rm_eo : (size_t)m.rm_so + 1;
		if (!all)
			break;
	}
	return scx_buf_append(out, s, len);
}

static int
apply_sub(const struct scx__rs_op *op, char *s, size_t len, struct scx_buf *out)
{
	size_t off = 0, i;
	regmatch_t m;
	int err = 0;

	if (op->op == OP_SUB_SUF) {
		if ((op->last && (len == 0 || s[len - 1] != op->last)) ||
		    regexec(&op->suf, s, 1, &m, 0) != 0)
			return scx_buf_append(out, s, len);
		i = (size_t)m.rm_so; /* the longest suffix */
		if (scx_buf_append(out, s, i) != 0)
			return -ENOMEM;
		return scx_buf_append(out, op->text, strlen(op->text));
	}
	while (off <= len && err == 0 &&
	       regexec(&op->re, s + off, 1, &m, off ? REG_NOTBOL : 0) == 0) {
		if (op->op == OP_SUB_PRE && (off > 0 || m.rm_so != 0))
			break;
		err = scx_buf_append(out, s + off, (size_t)m.rm_so);
		if (err == 0)
			err = scx_buf_append(out, op->text, strlen(op->text));
		if (m.rm_eo == m.rm_so) { /* an empty match: keep a byte */
			if (off + (size_t)m.rm_eo < len && err == 0)
				err =
				    scx_buf_putc(out, s[off + (size_t)m.rm_eo]);
			off += (size_t)m.rm_eo + 1;
		} else {
			off += (size_t)m.rm_eo;
		}
		if (op->op != OP_SUB_ALL)
			break;
	}
	if (err == 0 && off < len)
		err = scx_buf_append(out, s + off, len - off);
	return err;
}

static int
apply_cut(const struct scx__rs_op *op, char *s, size_t len, struct scx_buf *out)
{
	regmatch_t m;
	size_t i;

	/* One search finds the longest (POSIX matches leftmost-longest);
	 * the shortest is looked for only within it. */
	switch (op->op) {
	case OP_DEL_PRE:
	case OP_DEL_PRE_MAX:
		if (regexec(&op->pre, s, 1, &m, 0) != 0)
			return scx_buf_append(out, s, len);
		i = (size_t)m.rm_eo;
		if (op->op == OP_DEL_PRE)
			for (i = 0; i < (size_t)m.rm_eo && !whole(op, s, 0, i);
			     i++)
				;
		return scx_buf_append(out, s + i, len - i);
	default: /* OP_DEL_SUF, OP_DEL_SUF_MAX */
		if ((op->last && (len == 0 || s[len - 1] != op->last)) ||
		    regexec(&op->suf, s, 1, &m, 0) != 0)
			return scx_buf_append(out, s, len);
		i = (size_t)m.rm_so;
		if (op->op == OP_DEL_SUF)
			for (i = len;
			     i > (size_t)m.rm_so && !whole(op, s, i, len); i--)
				;
		return scx_buf_append(out, s, i);
	}
}

int
scx__rs_bash_apply(const struct scx__rs_op *op, const char *v, size_t len,
		   struct scx_buf *out)
{
	char *s;
	int err;

	if (op->op == OP_DEFAULT) {
		if (len == 0 || (len == 1 && v[0] == '0'))
			return scx_buf_append(out, op->text, strlen(op->text));
		return scx_buf_append(out, v, len);
	}
	if (op->op == OP_SUBSTR) {
		size_t from = op->from < len ? op->from : len;
		size_t n = len - from;

		if (op->has_count && op->count < n)
			n = op->count;
		return scx_buf_append(out, v + from, n);
	}
	s = strndup(v, len); /* regexec wants a string; no NUL in v */
	if (s == NULL)
		return -ENOMEM;
	if (op->op >= OP_UPPER)
		err = apply_case(op, s, len, out);
	else if (op->op >= OP_SUB)
		err = apply_sub(op, s, len, out);
	else
		err = apply_cut(op, s, len, out);
	free(s);
	return err;
}
