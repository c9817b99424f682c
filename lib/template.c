/* template.c: the command template, its replacement strings and their
 * expansion for one item, as argv words or as one quoted shell string. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rs_kind {
	RS_LITERAL,
	RS_ITEM,      /* {} */
	RS_NOEXT,     /* {.} */
	RS_BASE,      /* {/} */
	RS_DIR,	      /* {//} */
	RS_BASENOEXT, /* {/.} */
	RS_SEQ,	      /* {#} */
	RS_SLOT	      /* {%} */
};

static const struct {
	const char *text;
	enum rs_kind kind;
} rs_table[] = {
	{ "{}", RS_ITEM },  { "{.}", RS_NOEXT },      { "{/}", RS_BASE },
	{ "{//}", RS_DIR }, { "{/.}", RS_BASENOEXT }, { "{#}", RS_SEQ },
	{ "{%}", RS_SLOT },
};

struct segment {
	enum rs_kind kind;
	const char *text; /* RS_LITERAL: borrowed from the config */
	size_t len;
};

struct scx__template {
	bool shell;
	struct segment *segs;
	size_t nsegs;
	size_t *word_end; /* segs of word i end before word_end[i] */
	size_t nwords;
};

/* Which replacement string starts at @s, if any; its length in *@len. */
static int
match_rs(const char *s, size_t *len)
{
	size_t i, n;

	for (i = 0; i < SCX__ARRAY_SIZE(rs_table); i++) {
		n = strlen(rs_table[i].text);
		if (strncmp(s, rs_table[i].text, n) == 0) {
			*len = n;
			return (int)rs_table[i].kind;
		}
	}
	return -1;
}

static int
add_segment(struct scx__template *t, size_t *cap, enum rs_kind kind,
	    const char *text, size_t len)
{
	if (SCX__GROW(t->segs, *cap, t->nsegs + 1, 16) != 0)
		return -ENOMEM;
	t->segs[t->nsegs].kind = kind;
	t->segs[t->nsegs].text = text;
	t->segs[t->nsegs].len = len;
	t->nsegs++;
	return 0;
}

/* Cuts one word into literal and replacement segments. */
static int
parse_word(struct scx__template *t, size_t *cap, const char *w, bool *any)
{
	const char *lit = w, *p = w;
	size_t len;
	int kind, err;

	while (*p != '\0') {
		if (*p == '{' && (kind = match_rs(p, &len)) >= 0) {
			if (p > lit) {
				err = add_segment(t, cap, RS_LITERAL, lit,
						  (size_t)(p - lit));
				if (err != 0)
					return err;
			}
			err = add_segment(t, cap, (enum rs_kind)kind, NULL, 0);
			if (err != 0)
				return err;
			*any = true;
			p += len;
			lit = p;
		} else {
			p++;
		}
	}
	if (p > lit)
		return add_segment(t, cap, RS_LITERAL, lit, (size_t)(p - lit));
	return 0;
}

int
scx__template_parse(struct scx__template **out, char *const *argv, size_t argc,
		    bool shell, bool pipe_item)
{
	struct scx__template *t;
	size_t cap = 0, i;
	bool any = false;
	int err;

	if (argc == 0)
		return SCX_ENOCMD;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->shell = shell;
	t->word_end = calloc(argc + 1, sizeof(*t->word_end));
	if (t->word_end == NULL) {
		err = -ENOMEM;
		goto error;
	}
	for (i = 0; i < argc; i++) {
		err = parse_word(t, &cap, argv[i], &any);
		if (err != 0)
			goto error;
		t->word_end[t->nwords++] = t->nsegs;
	}
	if (!any && !pipe_item) {
		err = add_segment(t, &cap, RS_ITEM, NULL, 0);
		if (err != 0)
			goto error;
		t->word_end[t->nwords++] = t->nsegs;
	}
	*out = t;
	return 0;

error:
	scx__template_free(t);
	return err;
}

void
scx__template_free(struct scx__template *t)
{
	if (t == NULL)
		return;
	free(t->segs);
	free(t->word_end);
	free(t);
}

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

/* The text a replacement string stands for; numbers go into @num. */
static void
rs_value(enum rs_kind kind, const char *item, size_t len, uint64_t seq,
	 unsigned slot, char *num, size_t numsize, const char **out,
	 size_t *outlen)
{
	switch (kind) {
	case RS_ITEM:
		*out = item;
		*outlen = len;
		break;
	case RS_NOEXT:
		*out = item;
		*outlen = path_noext(item, len);
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
	case RS_SEQ:
		*outlen = (size_t)snprintf(num, numsize, "%llu",
					   (unsigned long long)seq);
		*out = num;
		break;
	case RS_SLOT:
		*outlen = (size_t)snprintf(num, numsize, "%u", slot);
		*out = num;
		break;
	case RS_LITERAL:
	default:
		*out = "";
		*outlen = 0;
		break;
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

static int
append_quoted(struct scx_buf *b, const char *s, size_t len)
{
	size_t need;

	need = scx_shell_quote(NULL, 0, s, len);
	if (scx_buf_reserve(b, need + 1) != 0)
		return -ENOMEM;
	scx_shell_quote(b->data + b->len, need + 1, s, len);
	b->len += need;
	return 0;
}

/* Whether a segment of a kind in [@from, @to] is used. */
static bool
uses_kinds(const struct scx__template *t, enum rs_kind from, enum rs_kind to)
{
	size_t i;

	for (i = 0; i < t->nsegs; i++)
		if (t->segs[i].kind >= from && t->segs[i].kind <= to)
			return true;
	return false;
}

static bool
uses_item(const struct scx__template *t)
{
	return uses_kinds(t, RS_ITEM, RS_BASENOEXT);
}

bool
scx__template_uses_item(const struct scx__template *t)
{
	return uses_kinds(t, RS_ITEM, RS_SEQ);
}

bool
scx__template_uses_slot(const struct scx__template *t)
{
	return uses_kinds(t, RS_SLOT, RS_SLOT);
}

/* ------------------------------------------------------------------ */
/* Replacement strings inside the template's own quotes (--shell)      */
/* ------------------------------------------------------------------ */

/* The template as sh will read it, words joined by spaces, with a NUL
 * where each replacement string goes (a word holds no NUL byte). */
static char *
flatten(const struct scx__template *t, size_t *len)
{
	size_t i, w = 0, n = 0, cap = 1;
	char *s;

	for (i = 0; i < t->nsegs; i++)
		cap += t->segs[i].kind == RS_LITERAL ? t->segs[i].len : 1;
	cap += t->nwords;
	s = malloc(cap);
	if (s == NULL)
		return NULL;
	for (i = 0; i < t->nsegs; i++) {
		while (w < t->nwords && t->word_end[w] == i) {
			if (i > 0)
				s[n++] = ' ';
			w++;
		}
		if (t->segs[i].kind == RS_LITERAL) {
			memcpy(s + n, t->segs[i].text, t->segs[i].len);
			n += t->segs[i].len;
		} else {
			s[n++] = '\0';
		}
	}
	*len = n;
	return s;
}

/* A shell context: what opened it, and whether sh leaves the quoting of
 * a substitution in it as text (inside '...' and "...", and ${...}
 * within "..."). */
struct context {
	char open; /* 0 (top), '\'', '"', '(' ($( or a subshell), '`', '{' */
	bool quoted;
};

#define MAX_DEPTH 64

int
scx__template_quoted(const struct scx__template *t, const char **rs,
		     char *quote)
{
	struct context st[MAX_DEPTH] = { { 0, false } };
	size_t depth = 1, len, i, seg = 0;
	bool escaped = false;
	char *s, c, next;
	int found = 0;

	if (!t->shell)
		return 0;
	s = flatten(t, &len);
	if (s == NULL)
		return -ENOMEM;
	for (i = 0; i < len && !found && depth < MAX_DEPTH; i++) {
		struct context *top = &st[depth - 1];

		c = s[i];
		next = i + 1 < len ? s[i + 1] : ' ';
		if (c == '\0') {
			/* The next replacement string, in segment order. */
			while (t->segs[seg].kind == RS_LITERAL)
				seg++;
			if (t->segs[seg].kind <= RS_BASENOEXT &&
			    (escaped || top->quoted)) {
				found = 1;
				*quote = !top->quoted	     ? '\\'
					 : top->open == '\'' ? '\''
							     : '"';
				*rs = rs_table[t->segs[seg].kind - 1].text;
			}
			seg++;
			escaped = false;
			continue;
		}
		if (escaped) {
			escaped = false;
			continue;
		}
		if (top->open == '\'') {
			if (c == '\'')
				depth--;
			continue;
		}
		if (c == '\\') {
			/* In "...", a backslash before anything but $ ` " \
			 * stays, and the next byte means nothing there. */
			escaped = true;
		} else if (c == '"' && top->open == '"') {
			depth--;
		} else if (c == '$' && (next == '(' || next == '{')) {
			st[depth].open = next == '(' ? '(' : '{';
			st[depth].quoted = next == '{' && top->quoted;
			depth++;
			i++;
		} else if (c == '`') {
			if (top->open == '`') {
				depth--;
			} else {
				st[depth].open = '`';
				st[depth].quoted = false;
				depth++;
			}
		} else if (top->open == '"') {
			continue;
		} else if (c == '\'' || c == '"' || c == '(') {
			st[depth].open = c;
			st[depth].quoted = c != '(';
			depth++;
		} else if ((c == ')' && top->open == '(') ||
			   (c == '}' && top->open == '{')) {
			depth--;
		}
	}
	free(s);
	return found;
}

/* Appends the expansion of segments [from, to). */
static int
expand_segments(const struct scx__template *t, size_t from, size_t to,
		const char *item, size_t len, uint64_t seq, unsigned slot,
		struct scx_buf *b)
{
	char num[32];
	const char *v;
	size_t vlen, i;
	int err;

	for (i = from; i < to; i++) {
		const struct segment *sg = &t->segs[i];

		if (sg->kind == RS_LITERAL) {
			err = scx_buf_append(b, sg->text, sg->len);
		} else {
			rs_value(sg->kind, item, len, seq, slot, num,
				 sizeof(num), &v, &vlen);
			if (t->shell)
				err = append_quoted(b, v, vlen);
			else
				err = scx_buf_append(b, v, vlen);
		}
		if (err != 0)
			return err;
	}
	return 0;
}

int
scx__template_expand(const struct scx__template *t, const char *item,
		     size_t len, uint64_t seq, unsigned slot,
		     struct scx_buf *space, struct scx_buf *vec, char ***argv)
{
	size_t i, from = 0, nargs;
	char **av, *p;
	int err;

	if (uses_item(t) && memchr(item, '\0', len) != NULL)
		return SCX_ENUL;
	space->len = 0;
	for (i = 0; i < t->nwords; i++) {
		if (t->shell && i > 0 && (err = scx_buf_putc(space, ' ')) != 0)
			return err;
		err = expand_segments(t, from, t->word_end[i], item, len, seq,
				      slot, space);
		if (err != 0)
			return err;
		if (!t->shell && (err = scx_buf_putc(space, '\0')) != 0)
			return err;
		from = t->word_end[i];
	}
	if (t->shell && (err = scx_buf_putc(space, '\0')) != 0)
		return err;

	/* Every word is NUL-terminated in space, one after another (no
	 * word holds a NUL: items with one were refused above). */
	nargs = t->shell ? 3 : t->nwords;
	vec->len = 0;
	if (scx_buf_reserve(vec, (nargs + 1) * sizeof(char *)) != 0)
		return -ENOMEM;
	av = (char **)(void *)vec->data;
	if (t->shell) {
		av[0] = (char *)"/bin/sh";
		av[1] = (char *)"-c";
		av[2] = space->data;
	} else {
		for (i = 0, p = space->data; i < nargs; i++) {
			av[i] = p;
			p += strlen(p) + 1;
		}
	}
	av[nargs] = NULL;
	*argv = av;
	return 0;
}

int
scx__template_one(const char *rs, const char *item, size_t len,
		  struct scx_buf *out)
{
	const char *v;
	char num[32];
	size_t vlen, n;
	int kind;

	kind = match_rs(rs, &n);
	if (kind < 0 || rs[n] != '\0')
		return SCX_ETEMPLATE;
	rs_value((enum rs_kind)kind, item, len, 7, 3, num, sizeof(num), &v,
		 &vlen);
	return scx_buf_append(out, v, vlen);
}
