/* template.c: the command template, its replacement strings (GNU
 * parallel's, positional forms and --plus included) and their expansion
 * for one job, as argv words or as one quoted shell string. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The forms after the braces' optional position, and what they mean. */
static const struct {
	const char *text;
	enum scx__rs_kind kind;
	bool plus; /* only with --plus */
} rs_table[] = {
	{ "", RS_ITEM, false },		 { ".", RS_NOEXT, false },
	{ "/", RS_BASE, false },	 { "//", RS_DIR, false },
	{ "/.", RS_BASENOEXT, false },	 { "..", RS_NOEXT2, true },
	{ "...", RS_NOEXT3, true },	 { "/..", RS_BASENOEXT2, true },
	{ "/...", RS_BASENOEXT3, true }, { "+/", RS_PDIR, true },
	{ "+.", RS_EXT, true },		 { "+..", RS_EXT2, true },
	{ "+...", RS_EXT3, true },
};

/* The kinds -I and its kin rename, in enum scx_rs_name's order. */
static const enum scx__rs_kind renamed_kind[SCX_RS_NNAMES] = {
	RS_ITEM, RS_NOEXT, RS_BASE, RS_DIR, RS_BASENOEXT, RS_SEQ, RS_SLOT,
};
static const char *const default_text[SCX_RS_NNAMES] = {
	"{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}",
};

struct field {
	const char *data;
	size_t len;
};

struct segment {
	enum scx__rs_kind kind;
	long pos;	  /* 0: all the job's arguments; n: the nth; -n */
	const char *text; /* RS_LITERAL, RS_NAME: borrowed from the config */
	size_t len;
	struct scx__rs_op *op; /* RS_BASH */
};

struct scx__template {
	bool shell;
	const char *shell_path;
	bool fields;   /* items are fields separated by NUL bytes */
	bool repeat;   /* -X: a word with {} is repeated per argument */
	bool appended; /* the last word was added: {} (unless a name is) */
	bool any_rs;   /* a replacement string other than a name */
	struct segment *segs;
	size_t nsegs;
	size_t *word_end; /* segs of word i end before word_end[i] */
	size_t nwords;
	uint64_t total;
	unsigned slots;
	char **words; /* -X in a shell line: the words cut at blanks */
	size_t nown;
	/* Scratch: the current job's fields. */
	struct field *f;
	size_t nf, capf;
	struct scx_buf tmp; /* a --plus bash-like value */
	bool skip;	    /* {choose_k}, {uniq}: the last job is skipped */
	/* What the segments use, known once parsed (settle()). */
	bool uses_args, rising, uniq;
	bool no_args;	  /* -N0 */
	bool quote_words; /* -q in a shell line (a bash function) */
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether --plus reads @p (@n bytes) as a bash-like string. */
static bool
bash_rs(const char *p, size_t n)
{
	struct scx__rs_op *op;
	bool yes = scx__rs_bash_parse(p, n, &op) == 1;

	scx__rs_bash_free(op);
	return yes;
}

/* The longest of the renamed strings (-I and its kin) that starts at
 * @s: its kind, or -1. */
static int
match_renamed(const char *s, const char *const *rs_text, size_t *len)
{
	size_t i, n, best = 0;
	int kind = -1;

	for (i = 0; rs_text != NULL && i < SCX_RS_NNAMES; i++) {
		if (rs_text[i] == NULL)
			continue;
		n = strlen(rs_text[i]);
		if (n > best && strncmp(s, rs_text[i], n) == 0) {
			best = n;
			kind = (int)renamed_kind[i];
		}
	}
	*len = best;
	return kind;
}

/* Which replacement string starts at @s (a '{'), if any: its kind,
 * position and length.  @plus: --plus; @rs_text: renamed basics. */
static int
match_rs(const char *s, bool plus, const char *const *rs_text, long *pos,
	 size_t *len)
{
	const char *close, *p;
	size_t i, n;
	bool renamed;
	int kind;

	if ((kind = match_renamed(s, rs_text, len)) >= 0) {
		*pos = 0;
		return kind;
	}
	if (*s != '{')
		return -1;
	close = strchr(s + 1, '}');
	if (close == NULL || memchr(s + 1, '{', (size_t)(close - s - 1)))
		return -1;
	*len = (size_t)(close - s) + 1;
	p = s + 1;
	*pos = 0;
	if (is_digit(*p) || (*p == '-' && is_digit(p[1]))) {
		bool neg = *p == '-';

		if (neg)
			p++;
		while (is_digit(*p) && *pos < 1000000)
			*pos = *pos * 10 + (*p++ - '0');
		if (neg)
			*pos = -*pos;
		if (*pos == 0 && p == s + 2 && s[1] == '0') {
			/* {0#}, {0%}: with --plus; {0} is {} */
			if (plus && p[0] == '#' && p[1] == '}')
				return (*len = 4), RS_SEQ0;
			if (plus && p[0] == '%' && p[1] == '}')
				return (*len = 4), RS_SLOT0;
		}
	} else {
		/* A basic form that was renamed is no longer itself. */
		for (i = 0; i < SCX_RS_NNAMES; i++) {
			renamed = rs_text != NULL && rs_text[i] != NULL;
			if (renamed && strncmp(s, default_text[i], *len) == 0 &&
			    strlen(default_text[i]) == *len)
				return -1;
		}
		n = (size_t)(close - p);
		if (n == 1 && *p == '#')
			return RS_SEQ;
		if (n == 1 && *p == '%')
			return RS_SLOT;
		if (plus && n == 2 && p[0] == '#' && p[1] == '#')
			return RS_TOTAL;
		if (plus && n == 4 && strncmp(p, "slot", 4) == 0)
			return RS_SLOT;
		if (plus && n == 8 && strncmp(p, "choose_k", 8) == 0)
			return RS_CHOOSE_K;
		if (plus && n == 4 && strncmp(p, "uniq", 4) == 0)
			return RS_UNIQ;
	}
	n = (size_t)(close - p);
	for (i = 0; i < SCX__ARRAY_SIZE(rs_table); i++)
		if ((plus || !rs_table[i].plus) &&
		    strlen(rs_table[i].text) == n &&
		    strncmp(p, rs_table[i].text, n) == 0)
			return (int)rs_table[i].kind;
	if (p == s + 1 && n > 0 && plus && bash_rs(p, n))
		return RS_BASH;
	if (p == s + 1 && n > 0)
		return RS_NAME;
	return -1;
}

static int
add_segment(struct scx__template *t, size_t *cap, enum scx__rs_kind kind,
	    long pos, const char *text, size_t len)
{
	if (SCX__GROW(t->segs, *cap, t->nsegs + 1, 16) != 0)
		return -ENOMEM;
	t->segs[t->nsegs].kind = kind;
	t->segs[t->nsegs].pos = pos;
	t->segs[t->nsegs].text = text;
	t->segs[t->nsegs].len = len;
	t->segs[t->nsegs].op = NULL;
	t->nsegs++;
	return 0;
}

/* Whether a {= perl =} string spans words ("{=", "s/a/b/", "=}"), as
 * GNU parallel reads the words joined. */
static bool
perl_words(const struct scx__template_opts *o)
{
	const char *w, *q;
	size_t i, k;

	for (i = 0; i < o->argc; i++) {
		w = o->argv[i];
		while ((w = strchr(w, '{')) != NULL) {
			for (q = w + 1; is_digit(*q) || *q == '-'; q++)
				;
			if (*q == '=') {
				if (strstr(q + 1, "=}") != NULL)
					return true;
				for (k = i + 1; k < o->argc; k++)
					if (strstr(o->argv[k], "=}") != NULL)
						return true;
			}
			w++;
		}
	}
	return false;
}

/* Cuts one word into literal and replacement segments. */
static int
parse_word(struct scx__template *t, size_t *cap, const char *w,
	   const struct scx__template_opts *o)
{
	const char *lit = w, *p = w;
	size_t len;
	long pos;
	int kind, err;

	while (*p != '\0') {
		kind = match_rs(p, o->plus, o->rs_text, &pos, &len);
		if (kind < 0) {
			p++;
			continue;
		}
		if (p > lit) {
			err = add_segment(t, cap, RS_LITERAL, 0, lit,
					  (size_t)(p - lit));
			if (err != 0)
				return err;
		}
		if (kind == RS_BASH) {
			err = add_segment(t, cap, RS_BASH, 0, NULL, 0);
			if (err == 0 &&
			    scx__rs_bash_parse(p + 1, len - 2,
					       &t->segs[t->nsegs - 1].op) < 0)
				err = -ENOMEM;
		} else if (kind == RS_NAME)
			err = add_segment(t, cap, RS_NAME, 0, p, len);
		else
			err = add_segment(t, cap, (enum scx__rs_kind)kind, pos,
					  NULL, 0);
		if (err != 0)
			return err;
		if (kind != RS_NAME)
			t->any_rs = true;
		p += len;
		lit = p;
	}
	if (p > lit)
		return add_segment(t, cap, RS_LITERAL, 0, lit,
				   (size_t)(p - lit));
	return 0;
}

/* The template's words cut at every blank into t->words (joined again
 * by blanks, the shell line is the same). */
static int
split_blanks(struct scx__template *t, const struct scx__template_opts *o)
{
	const char *p, *q;
	size_t i, n = 0;

	for (i = 0; i < o->argc; i++)
		for (n++, p = o->argv[i]; (p = strchr(p, ' ')) != NULL; p++)
			n++;
	t->words = calloc(n, sizeof(*t->words));
	if (t->words == NULL)
		return -ENOMEM;
	for (i = 0; i < o->argc; i++) {
		for (p = o->argv[i];; p = q + 1) {
			q = strchrnul(p, ' ');
			t->words[t->nown] = strndup(p, (size_t)(q - p));
			if (t->words[t->nown] == NULL)
				return -ENOMEM;
			t->nown++;
			if (*q == '\0')
				break;
		}
	}
	return 0;
}

static void settle(struct scx__template *t);

int
scx__template_parse_opts(struct scx__template **out,
			 const struct scx__template_opts *o)
{
	struct scx__template *t;
	size_t cap = 0, i;
	int err;

	*out = NULL;
	if (o->argc == 0 && !o->no_command)
		return SCX_ENOCMD;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->shell = o->shell || o->no_command;
	t->shell_path = o->shell_path ? o->shell_path : "/bin/sh";
	t->fields = o->fields;
	t->no_args = o->no_args;
	t->quote_words = o->quote_words && t->shell;
	/* GNU parallel repeats the context of {} for -X, -N, and -L
	 * without -m or --xargs (cmd decides context). */
	t->repeat = o->multi == SCX_MULTI_X || o->context;
	if (perl_words(o)) {
		err = SCX_EPERL;
		goto error;
	}
	if (t->shell && t->repeat) {
		/* -X repeats a word of the shell line, which may be part of
		 * a template word ('echo x {} | cat'). */
		err = split_blanks(t, o);
		if (err != 0)
			goto error;
	}
	t->word_end =
	    calloc((t->words ? t->nown : o->argc) + 2, sizeof(*t->word_end));
	if (t->word_end == NULL) {
		err = -ENOMEM;
		goto error;
	}
	for (i = 0; i < (t->words ? t->nown : o->argc); i++) {
		err =
		    parse_word(t, &cap, t->words ? t->words[i] : o->argv[i], o);
		if (err != 0)
			goto error;
		t->word_end[t->nwords++] = t->nsegs;
	}
	if (o->no_command) {
		err = add_segment(t, &cap, RS_RAW, 0, NULL, 0);
		if (err != 0)
			goto error;
		t->word_end[t->nwords++] = t->nsegs;
		t->any_rs = true;
	} else if (!t->any_rs && !o->pipe_item && !o->no_args) {
		err = add_segment(t, &cap, RS_ITEM, 0, NULL, 0);
		if (err != 0)
			goto error;
		t->word_end[t->nwords++] = t->nsegs;
		t->appended = true;
	}
	settle(t);
	*out = t;
	return 0;

error:
	scx__template_free(t);
	return err;
}

int
scx__template_parse(struct scx__template **out, char *const *argv, size_t argc,
		    bool shell, bool pipe_item)
{
	struct scx__template_opts o = { 0 };

	o.argv = argv;
	o.argc = argc;
	o.shell = shell;
	o.pipe_item = pipe_item;
	return scx__template_parse_opts(out, &o);
}

void
scx__template_free(struct scx__template *t)
{
	if (t == NULL)
		return;
	size_t i;

	for (i = 0; i < t->nown; i++)
		free(t->words[i]);
	for (i = 0; i < t->nsegs; i++)
		scx__rs_bash_free(t->segs[i].op);
	free(t->words);
	free(t->segs);
	free(t->word_end);
	free(t->f);
	scx_buf_free(&t->tmp);
	free(t);
}

void
scx__template_names(struct scx__template *t,
		    const struct scx_column_name *names, size_t n)
{
	size_t i, k;

	for (i = 0; i < t->nsegs; i++) {
		struct segment *sg = &t->segs[i];

		if (sg->kind != RS_NAME)
			continue;
		for (k = 0; k < n; k++)
			if (strlen(names[k].name) == sg->len - 2 &&
			    memcmp(names[k].name, sg->text + 1, sg->len - 2) ==
				0) {
				sg->kind = RS_ITEM;
				sg->pos = (long)names[k].field;
				t->any_rs = true;
				break;
			}
	}
	if (t->appended && t->any_rs && t->nwords > 0) {
		/* A name stands for the item: nothing is appended. */
		t->nwords--;
		t->nsegs = t->nwords > 0 ? t->word_end[t->nwords - 1] : 0;
		t->appended = false;
	}
	settle(t);
}

void
scx__template_counts(struct scx__template *t, uint64_t total, unsigned slots)
{
	t->total = total;
	t->slots = slots;
}

static bool
is_path(enum scx__rs_kind kind)
{
	return kind >= RS_ITEM && kind <= RS_LAST_PATH;
}

static const char *const kind_name[] = {
	"",	 "{}",	   "{.}",   "{/}",	  "{//}",   "{/.}",
	"{..}",	 "{...}",  "{/..}", "{/...}",	  "{+/}",   "{+.}",
	"{+..}", "{+...}", "{:-x}", "{choose_k}", "{uniq}", "",
	"{#}",	 "{%}",	   "{##}",  "{0#}",	  "{0%}",   "{name}",
};

/* Whether a segment of a kind in [@from, @to] is used. */
static bool
uses_kinds(const struct scx__template *t, enum scx__rs_kind from,
	   enum scx__rs_kind to)
{
	size_t i;

	for (i = 0; i < t->nsegs; i++)
		if (t->segs[i].kind >= from && t->segs[i].kind <= to)
			return true;
	return false;
}

/* Notes what the segments use, for the per-job path. */
static void
settle(struct scx__template *t)
{
	t->uses_args = uses_kinds(t, RS_ITEM, RS_LAST_PATH);
	t->rising = uses_kinds(t, RS_CHOOSE_K, RS_CHOOSE_K);
	t->uniq = uses_kinds(t, RS_UNIQ, RS_UNIQ);
}

bool
scx__template_uses_item(const struct scx__template *t)
{
	return uses_kinds(t, RS_ITEM, RS_SEQ);
}

bool
scx__template_is_shell(const struct scx__template *t)
{
	return t->shell;
}

bool
scx__template_uses_slot(const struct scx__template *t)
{
	return uses_kinds(t, RS_SLOT, RS_SLOT) ||
	       uses_kinds(t, RS_SLOT0, RS_SLOT0);
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

	if (!t->shell || t->quote_words)
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
			if (is_path(t->segs[seg].kind) &&
			    t->segs[seg].kind != RS_RAW &&
			    (escaped || top->quoted)) {
				found = 1;
				*quote = !top->quoted	     ? '\\'
					 : top->open == '\'' ? '\''
							     : '"';
				*rs = kind_name[t->segs[seg].kind];
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

/* The job's fields: NUL-separated with fields, else the item itself. */
static int
split_fields(struct scx__template *t, const char *item, size_t len)
{
	const char *p = item, *end = item + len, *q;

	t->nf = 0;
	for (;;) {
		if (SCX__GROW(t->f, t->capf, t->nf + 1, 8) != 0)
			return -ENOMEM;
		q = t->fields ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		t->f[t->nf].data = p;
		t->f[t->nf].len = q ? (size_t)(q - p) : (size_t)(end - p);
		t->nf++;
		if (q == NULL)
			return 0;
		p = q + 1;
	}
}

static const struct field no_field = { "", 0 };

static const struct field *
field_at(const struct scx__template *t, long pos)
{
	if (pos > 0 && (size_t)pos <= t->nf)
		return &t->f[pos - 1];
	if (pos < 0 && (size_t)-pos <= t->nf)
		return &t->f[t->nf - (size_t)-pos];
	return &no_field;
}

static int
put_value(struct scx__template *t, const struct segment *sg,
	  const struct field *f, struct scx_buf *b)
{
	const char *v;
	size_t vlen;

	if (sg->kind == RS_RAW)
		return scx_buf_append(b, f->data, f->len);
	if (sg->kind == RS_BASH && !t->shell)
		return scx__rs_bash_apply(sg->op, f->data, f->len, b);
	if (sg->kind == RS_BASH) {
		t->tmp.len = 0;
		if (scx__rs_bash_apply(sg->op, f->data, f->len, &t->tmp) != 0)
			return -ENOMEM;
		return scx__append_quoted(b, t->tmp.data ? t->tmp.data : "",
					  t->tmp.len);
	}
	scx__rs_path(sg->kind, f->data, f->len, &v, &vlen);
	if (t->shell)
		return scx__append_quoted(b, v, vlen);
	return scx_buf_append(b, v, vlen);
}

/* Ends a word of argv (a NUL after it) or puts the blank between words
 * of a shell line. */
static int
word_break(const struct scx__template *t, struct scx_buf *b, size_t *nwords)
{
	if (t->shell)
		return scx_buf_putc(b, ' ');
	(*nwords)++;
	return scx_buf_putc(b, '\0');
}

/* Appends the expansion of the word of segments [from, to); @only >= 0:
 * {} stands for that argument alone (-X), else for all of them, each one
 * word. */
static int
expand_word(struct scx__template *t, size_t from, size_t to, uint64_t seq,
	    unsigned slot, long only, struct scx_buf *b, size_t *nwords)
{
	char num[48];
	size_t i, k, n;
	int err = 0;

	for (i = from; t->nf == 0 && i < to; i++)
		if (!is_path(t->segs[i].kind) || t->segs[i].pos != 0)
			break;
	if (t->nf == 0 && i == to && to > from)
		return 0; /* -N0: {} alone is no word at all */
	for (i = from; i < to && err == 0; i++) {
		const struct segment *sg = &t->segs[i];

		if ((sg->kind == RS_LITERAL || sg->kind == RS_NAME) &&
		    t->quote_words) {
			err = scx__append_quoted(b, sg->text, sg->len);
		} else if (sg->kind == RS_LITERAL || sg->kind == RS_NAME) {
			err = scx_buf_append(b, sg->text, sg->len);
		} else if (!is_path(sg->kind)) {
			n = scx__rs_number(sg->kind, seq, slot, t->total,
					   t->slots, num, sizeof(num));
			err = scx_buf_append(b, num, n);
		} else if (sg->pos != 0) {
			err = put_value(t, sg, field_at(t, sg->pos), b);
		} else if (only >= 0) {
			err = put_value(t, sg, &t->f[only], b);
		} else {
			for (k = 0; k < t->nf && err == 0; k++) {
				if (k > 0)
					err = sg->kind == RS_RAW
						  ? scx_buf_putc(b, ' ')
						  : word_break(t, b, nwords);
				if (err == 0)
					err = put_value(t, sg, &t->f[k], b);
			}
		}
	}
	if (err == 0 && !t->shell)
		err = word_break(t, b, nwords);
	return err;
}

/* Whether {choose_k} or {uniq} skip the job of the fields split. */
static bool
skipped(const struct scx__template *t)
{
	bool rising = t->rising, uniq = t->uniq;
	size_t i, k, n;
	int c;

	for (i = 1; (rising || uniq) && i < t->nf; i++) {
		for (k = rising ? i - 1 : 0; k < i; k++) {
			n = t->f[k].len < t->f[i].len ? t->f[k].len
						      : t->f[i].len;
			c = memcmp(t->f[k].data, t->f[i].data, n);
			if (c == 0)
				c = t->f[k].len < t->f[i].len	? -1
				    : t->f[k].len > t->f[i].len ? 1
								: 0;
			if ((rising && c >= 0) || (uniq && c == 0))
				return true;
		}
	}
	return false;
}

bool
scx__template_skipped(const struct scx__template *t)
{
	return t->skip;
}

/* Whether a word holds a {} form for all the arguments. */
static bool
word_takes_all(const struct scx__template *t, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (is_path(t->segs[i].kind) && t->segs[i].pos == 0)
			return true;
	return false;
}

int
scx__template_expand(struct scx__template *t, const char *item, size_t len,
		     uint64_t seq, unsigned slot, struct scx_buf *space,
		     struct scx_buf *vec, char ***argv)
{
	size_t i, k, from = 0, nargs = 0;
	char **av, *p;
	int err;

	if (!t->fields && t->uses_args && memchr(item, '\0', len) != NULL)
		return SCX_ENUL;
	err = split_fields(t, item, len);
	if (err != 0)
		return err;
	if (t->no_args)
		t->nf = 0;
	t->skip = skipped(t);
	space->len = 0;
	for (i = 0; i < t->nwords; i++) {
		size_t to = t->word_end[i];

		if (t->shell && i > 0 && (err = scx_buf_putc(space, ' ')) != 0)
			return err;
		if (t->repeat && word_takes_all(t, from, to)) {
			for (k = 0; k < t->nf && err == 0; k++) {
				if (k > 0 && t->shell)
					err = scx_buf_putc(space, ' ');
				if (err == 0)
					err =
					    expand_word(t, from, to, seq, slot,
							(long)k, space, &nargs);
			}
		} else {
			err = expand_word(t, from, to, seq, slot, -1, space,
					  &nargs);
		}
		if (err != 0)
			return err;
		from = to;
	}
	if (t->shell) {
		if ((err = scx_buf_putc(space, '\0')) != 0)
			return err;
		nargs = 3;
	}

	/* Every word is NUL-terminated in space, one after another (no
	 * word holds a NUL: items with one were refused above). */
	vec->len = 0;
	if (scx_buf_reserve(vec, (nargs + 1) * sizeof(char *)) != 0)
		return -ENOMEM;
	av = (char **)(void *)vec->data;
	if (t->shell) {
		av[0] = (char *)t->shell_path;
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
	struct scx__template t = { 0 };
	struct field f = { item, len };
	char num[48];
	size_t n;
	long pos;
	int kind;

	kind = match_rs(rs, true, NULL, &pos, &n);
	if (kind < 0 || kind == RS_NAME || rs[n] != '\0')
		return SCX_ETEMPLATE;
	t.total = 9;
	t.slots = 2;
	if (!is_path((enum scx__rs_kind)kind)) {
		n = scx__rs_number((enum scx__rs_kind)kind, 7, 3, 9, 2, num,
				   sizeof(num));
		return scx_buf_append(out, num, n);
	}
	struct segment sg = { (enum scx__rs_kind)kind, 0, NULL, 0, NULL };
	int err;

	if (kind == RS_BASH && scx__rs_bash_parse(rs + 1, n - 2, &sg.op) != 1)
		return SCX_ETEMPLATE;
	err = put_value(&t, &sg, &f, out);
	scx__rs_bash_free(sg.op);
	scx_buf_free(&t.tmp);
	return err;
}

int
scx__template_text(struct scx__template *t, const char *item, size_t len,
		   uint64_t seq, unsigned slot, struct scx_buf *space,
		   struct scx_buf *vec, struct scx_buf *out)
{
	char **argv;
	size_t i;
	int err;

	out->len = 0;
	err = scx__template_expand(t, item, len, seq, slot, space, vec, &argv);
	for (i = 0; err == 0 && argv[i] != NULL; i++) {
		if (i > 0)
			err = scx_buf_putc(out, ' ');
		if (err == 0)
			err = scx_buf_append(out, argv[i], strlen(argv[i]));
	}
	if (err == 0)
		err = scx_buf_putc(out, '\0');
	if (err == 0)
		out->len--;
	return err;
}
