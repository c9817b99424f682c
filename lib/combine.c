/* combine.c: GNU parallel's input sources made into jobs: every
 * combination of the sources' items (the last varying fastest), linked
 * sources side by side, columns (--colsep), names (--header), and several
 * arguments per job (-n, -N, -m, -X).  A job's fields go out as one item,
 * separated by a byte no field holds (NUL; a tab for reusable workers,
 * which read the item as text).  The first source streams when it can;
 * the others are read whole when the run opens. */
#include "internal.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE (64u << 10)
/* -m, -X, --xargs: a job's command line at most this long, as GNU
 * parallel measures it: (its line limit, 130329 here, - 3000) / 2. */
#define DEFAULT_MAX_CHARS 63664

struct value {
	const char *p;
	size_t len;
};

struct column {
	const char *name; /* for messages */
	struct value *v;
	size_t n;
	struct scx__reader rd; /* a file's bytes */
	int fd;
	bool owned, regular;
	size_t width;	 /* fields its header names (1 without --colsep) */
	bool had_header; /* emptied by its header, it has no item at all */
};

struct group {
	size_t first, count; /* columns */
	bool wrap;	     /* --link: the longest decides, others wrap */
	size_t len;
};

struct scx__combine {
	const struct scx_config *cfg;
	int sep;
	struct column *cols;
	size_t ncols;
	struct group *groups;
	size_t ngroups;
	bool streamed;	   /* column 0 is read as the run goes */
	size_t skip_first; /* of column 0's items, headers */
	size_t header_lines;
	size_t per_job; /* rows; 0: fill to max_chars */
	size_t max_chars, xword, job_base;
	bool have_re, one_char;
	char sepchar;
	regex_t re;
	bool trim_l, trim_r;
	struct scx_column_name *names;
	size_t nnames;
	/* The job being built. */
	struct scx_buf job, scratch;
	size_t job_rows, job_chars;
	size_t *row_off, cap_rows; /* where each row of the job starts */
	unsigned slots;
	size_t *idx;
	struct scx_config *own_cfg;
	struct scx_input_source one; /* the inputs as a source */
	bool counted;
	uint64_t count;
};

/* ------------------------------------------------------------------ */
/* Reading a source                                                    */
/* ------------------------------------------------------------------ */

static int
open_file(struct column *c, const char *path)
{
	c->name = path;
	return scx__open_input(path, &c->fd, &c->owned, &c->regular);
}

/* Reads more of @c's file into its reader.  @return 1 at its end, 0
 * after some bytes (or none yet), 2 when told to quit, or a negated
 * errno. */
static int
read_more(struct column *c, bool (*wait)(void *, int), void *arg)
{
	int got;

	if (!c->regular && wait != NULL && !wait(arg, c->fd))
		return 2;
	got = scx__reader_fill(&c->rd, c->fd, READ_SIZE);
	return got < 0 ? got : got == 0 ? 1 : 0;
}

/* Reads all of @c and makes its values. */
static int
load_file(struct column *c)
{
	size_t i;
	int err;

	while ((err = read_more(c, NULL, NULL)) == 0)
		;
	if (err < 0)
		return err;
	c->v = calloc(c->rd.n ? c->rd.n : 1, sizeof(*c->v));
	if (c->v == NULL)
		return -ENOMEM;
	for (i = 0; i < c->rd.n; i++) {
		c->v[i].p = c->rd.buf + c->rd.spans[i].off;
		c->v[i].len = c->rd.spans[i].len;
	}
	c->n = c->rd.n;
	return 0;
}

/* Whether a value holds the byte that separates fields (only NUL is
 * read back: a tab for reusable workers only joins them). */
static bool
holds_sep(const struct scx__combine *cb, const char *p, size_t len)
{
	return cb->sep == '\0' && memchr(p, '\0', len) != NULL;
}

/* ------------------------------------------------------------------ */
/* Columns                                                             */
/* ------------------------------------------------------------------ */

static int
set_colsep(struct scx__combine *cb, const char *colsep)
{
	char *rx = scx__perl_regex(colsep, strlen(colsep));
	int rc;

	if (rx == NULL)
		return -ENOMEM;
	if (strlen(rx) == 1 && strchr(".[]()*+?{}|^$\\", rx[0]) == NULL) {
		cb->one_char = true;
		cb->sepchar = rx[0];
		free(rx);
		return 0;
	}
	rc = regcomp(&cb->re, rx, REG_EXTENDED);
	free(rx);
	if (rc != 0)
		return SCX_ECOLSEP;
	cb->have_re = true;
	return 0;
}

static void
trim(const struct scx__combine *cb, const char **p, size_t *len)
{
	while (cb->trim_l && *len > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (cb->trim_r && *len > 0 &&
	       ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

/* Calls @fn for each column of @p (one without --colsep). */
static int
each_column(struct scx__combine *cb, const char *p, size_t len,
	    int (*fn)(struct scx__combine *, const char *, size_t, void *),
	    void *arg)
{
	const char *end = p + len, *q;
	regmatch_t m;
	size_t off;
	char *s;
	int err, flags = 0;

	if (cb->one_char) {
		for (;;) {
			q = memchr(p, cb->sepchar, (size_t)(end - p));
			if (q == NULL)
				return fn(cb, p, (size_t)(end - p), arg);
			err = fn(cb, p, (size_t)(q - p), arg);
			if (err != 0)
				return err;
			p = q + 1;
		}
	}
	if (!cb->have_re)
		return fn(cb, p, len, arg);
	/* regexec needs a string; fields hold no NUL (refused before). */
	cb->scratch.len = 0;
	if (scx_buf_append(&cb->scratch, p, len) != 0 ||
	    scx_buf_putc(&cb->scratch, '\0') != 0)
		return -ENOMEM;
	s = cb->scratch.data;
	off = 0;
	while (off <= len && regexec(&cb->re, s + off, 1, &m, flags) == 0 &&
	       m.rm_eo > 0) {
		if (m.rm_eo == m.rm_so) { /* an empty match: no cut */
			break;
		}
		err = fn(cb, s + off, (size_t)m.rm_so, arg);
		if (err != 0)
			return err;
		off += (size_t)m.rm_eo;
		flags = REG_NOTBOL;
	}
	return fn(cb, s + off, len - off, arg);
}

/* ------------------------------------------------------------------ */
/* Header                                                              */
/* ------------------------------------------------------------------ */

static int
add_name(struct scx__combine *cb, const char *p, size_t len, void *arg)
{
	struct column *c = arg;
	size_t cap = cb->nnames, field = 1, i;
	struct scx_column_name *nn;

	for (i = 0; c != &cb->cols[i]; i++)
		field += cb->cols[i].width;
	field += c->width;
	trim(cb, &p, &len);
	nn = realloc(cb->names, (cap + 1) * sizeof(*nn));
	if (nn == NULL)
		return -ENOMEM;
	cb->names = nn;
	nn[cap].name = strndup(p, len);
	if (nn[cap].name == NULL)
		return -ENOMEM;
	nn[cap].field = field;
	cb->nnames++;
	c->width++;
	return 0;
}

static int
header_of(struct scx__combine *cb, struct column *c, const struct value *h)
{
	return each_column(cb, h->p, h->len, add_name, c);
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

static void
make_groups(struct scx__combine *cb)
{
	const struct scx_config *cfg = cb->cfg;
	size_t i;

	for (i = 0; i < cb->ncols; i++) {
		struct group *g;

		if (i > 0 && (cfg->link || cfg->sources[i].linked)) {
			g = &cb->groups[cb->ngroups - 1];
			g->count++;
			continue;
		}
		g = &cb->groups[cb->ngroups++];
		g->first = i;
		g->count = 1;
		g->wrap = cfg->link;
	}
}

/* A column's length for the groups: an empty source among several
 * counts as one empty item, as in GNU parallel. */
static size_t
col_len(const struct scx__combine *cb, const struct column *c)
{
	return c->n == 0 && cb->ncols > 1 && !c->had_header ? 1 : c->n;
}

static void
group_lens(struct scx__combine *cb, size_t from)
{
	size_t g, j, n;

	for (g = from; g < cb->ngroups; g++) {
		struct group *gr = &cb->groups[g];

		gr->len = gr->wrap ? 0 : SIZE_MAX;
		for (j = gr->first; j < gr->first + gr->count; j++) {
			n = col_len(cb, &cb->cols[j]);
			if (gr->wrap ? n > gr->len : n < gr->len)
				gr->len = n;
		}
	}
}

/* The values of ::: words: as GNU parallel, a word that holds the
 * delimiter is several items. */
static int
args_column(struct column *c, const struct scx_input_source *src, int delim)
{
	const char *p, *q;
	size_t k, n = 0;

	for (k = 0; k < src->nargs; k++)
		for (p = src->args[k];
		     (p = strchr(p, delim)) != NULL && delim != '\0'; p++)
			n++;
	c->v = calloc(src->nargs + n + 1, sizeof(*c->v));
	if (c->v == NULL)
		return -ENOMEM;
	for (k = 0; k < src->nargs; k++) {
		p = src->args[k];
		while (delim != '\0' && (q = strchr(p, delim)) != NULL) {
			c->v[c->n].p = p;
			c->v[c->n++].len = (size_t)(q - p);
			p = q + 1;
		}
		c->v[c->n].p = p; /* "d\n" is "d" and "", as in GNU's */
		c->v[c->n++].len = strlen(p);
	}
	return 0;
}

static int
open_columns(struct scx__combine *cb, const char **bad)
{
	const struct scx_config *cfg = cb->cfg;
	size_t i, k;
	int err;

	for (i = 0; i < cb->ncols; i++) {
		const struct scx_input_source *src = &cfg->sources[i];
		struct column *c = &cb->cols[i];

		c->fd = -1;
		scx__reader_init(&c->rd, cfg->delimiter);
		if (src->args != NULL) {
			c->name = ":::";
			err = args_column(c, src, cfg->delimiter);
			if (err != 0)
				return err;
			continue;
		}
		err = open_file(c, src->path);
		if (err == 0 && !(i == 0 && cb->streamed))
			err = load_file(c);
		if (err != 0) {
			*bad = src->path;
			return err;
		}
	}
	for (i = 0; i < cb->ncols; i++) {
		struct column *c = &cb->cols[i];

		for (k = 0; k < c->n; k++)
			if (holds_sep(cb, c->v[k].p, c->v[k].len)) {
				*bad = c->name;
				return SCX_ENUL;
			}
	}
	return 0;
}

static int
read_headers(struct scx__combine *cb, const char **bad)
{
	struct value h;
	size_t i;
	int err = 0;

	for (i = 0; i < cb->ncols; i++) {
		struct column *c = &cb->cols[i];

		if (i == 0 && cb->streamed) {
			while (c->rd.n == 0 &&
			       (err = read_more(c, NULL, NULL)) == 0)
				;
			if (c->rd.n == 0) {
				if (err < 0) {
					*bad = c->name;
					return err;
				}
				continue;
			}
			h.p = c->rd.buf + c->rd.spans[0].off;
			h.len = c->rd.spans[0].len;
			cb->skip_first = cb->header_lines;
		} else {
			size_t k =
			    cb->header_lines < c->n ? cb->header_lines : c->n;

			if (c->n == 0)
				continue;
			h = c->v[0];
			memmove(c->v, c->v + k, (c->n - k) * sizeof(*c->v));
			c->n -= k;
		}
		c->had_header = true;
		err = header_of(cb, c, &h);
		if (err != 0)
			return err;
	}
	return 0;
}

/* Rows and jobs, when the first source's length is known. */
static void
count_jobs(struct scx__combine *cb, unsigned slots)
{
	struct column *c0 = &cb->cols[0];
	uint64_t rows = 1, n0;
	size_t g;

	cb->slots = slots ? slots : 1;
	if (cb->streamed) {
		if (!c0->regular ||
		    scx__count_items(c0->fd, cb->cfg->delimiter, &n0) != 0)
			return;
		/* The header's bytes may be read already. */
		n0 += c0->rd.n;
		if (c0->had_header)
			n0 -= n0 < cb->header_lines ? n0 : cb->header_lines;
		if (n0 == 0 && cb->ncols > 1 && !c0->had_header)
			n0 = 1;
		rows = n0;
		g = 1;
	} else {
		g = 0;
	}
	for (; g < cb->ngroups; g++)
		rows *= cb->groups[g].len;
	if (cb->cfg->multi != SCX_MULTI_NONE)
		return; /* the line's length cuts jobs: count unknown */
	cb->counted = true;
	cb->count = (rows + cb->per_job - 1) / cb->per_job;
}

/* The template's own length on a command line. */
static size_t
template_chars(const struct scx_config *cfg)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->argc; i++)
		n += strlen(cfg->argv[i]) + 1;
	return n;
}

/* What -X repeats per argument beyond the argument and its blank: the
 * rest of the word around {}. */
static size_t
x_words(const struct scx_config *cfg)
{
	const char *rs =
	    cfg->rs_text[SCX_RS_ITEM] ? cfg->rs_text[SCX_RS_ITEM] : "{}";
	size_t i, n = 0;

	const char *p, *q;

	/* In a shell line -X repeats a blank-separated word ('echo {} |
	 * wc'), in argv a whole word. */
	for (i = 0; i < cfg->argc; i++)
		for (p = cfg->argv[i]; *p != '\0'; p = *q ? q + 1 : q) {
			q = cfg->argc == 1 ? strchrnul(p, ' ') : strchr(p, 0);
			if (memmem(p, (size_t)(q - p), rs, strlen(rs)))
				n += (size_t)(q - p) - strlen(rs);
		}
	return n;
}

/* How jobs are cut and columns trimmed. */
static void
job_rules(struct scx__combine *cb, const struct scx_config *cfg)
{
	const char *h = cfg->header;

	cb->per_job = cfg->max_args > 1 && cfg->max_args != SCX_ARGS_NONE
			  ? cfg->max_args
			  : 1;
	if (cfg->multi != SCX_MULTI_NONE) /* -n bounds -m and -X */
		cb->per_job =
		    cfg->max_args == SCX_ARGS_NONE ? 0 : cfg->max_args;
	/* -s above GNU parallel's limit is its limit, as in GNU's. */
	cb->max_chars = cfg->max_chars && cfg->max_chars < DEFAULT_MAX_CHARS
			    ? cfg->max_chars
			    : DEFAULT_MAX_CHARS;
	if (cfg->multi == SCX_MULTI_X)
		cb->xword = x_words(cfg);
	if (cfg->trim != NULL) {
		cb->trim_l = strchr(cfg->trim, 'l') != NULL;
		cb->trim_r = strchr(cfg->trim, 'r') != NULL;
	} else if (cfg->colsep != NULL) {
		/* GNU parallel trims columns on both sides by default. */
		cb->trim_l = cb->trim_r = true;
	}
	cb->job_base = template_chars(cfg);
	/* --header: the first line; "0" is Perl's false: none, as in GNU
	 * parallel 20221122. */
	cb->header_lines = h != NULL && strcmp(h, "0") != 0 ? 1 : 0;
}

bool
scx__combine_needed(const struct scx_config *cfg)
{
	return cfg->nsources > 1 || cfg->max_args > 1 ||
	       cfg->multi != SCX_MULTI_NONE || cfg->colsep != NULL ||
	       cfg->header != NULL ||
	       (cfg->trim != NULL && strcmp(cfg->trim, "n") != 0);
}

int
scx__combine_open(struct scx__combine **out, const struct scx_config *cfg,
		  int sep, unsigned slots, const char **bad)
{
	struct scx_config *copy = NULL;
	struct scx__combine *cb;
	int err;

	*bad = NULL;
	cb = calloc(1, sizeof(*cb));
	if (cb == NULL)
		return -ENOMEM;
	if (cfg->nsources == 0 && cfg->ninputs > 1) {
		/* Several files read as one: not a source GNU parallel has. */
		free(cb);
		return -EINVAL;
	}
	if (cfg->nsources == 0) {
		/* The input as one source: a copy of the config that says
		 * so. */
		copy = malloc(sizeof(*copy));
		if (copy == NULL) {
			free(cb);
			return -ENOMEM;
		}
		*copy = *cfg;
		cb->one.path = cfg->ninputs == 1 ? cfg->inputs[0] : "-";
		copy->sources = &cb->one;
		copy->nsources = 1;
		cfg = copy;
	}
	cb->cfg = cfg;
	cb->own_cfg = copy;
	cb->sep = sep;
	cb->ncols = cfg->nsources;
	cb->cols = calloc(cb->ncols, sizeof(*cb->cols));
	cb->groups = calloc(cb->ncols, sizeof(*cb->groups));
	cb->idx = calloc(cb->ncols, sizeof(*cb->idx));
	if (cb->cols == NULL || cb->groups == NULL || cb->idx == NULL) {
		err = -ENOMEM;
		goto error;
	}
	make_groups(cb);
	cb->streamed = cfg->sources[0].args == NULL && cb->groups[0].count == 1;
	job_rules(cb, cfg);
	if (cfg->colsep != NULL || cb->header_lines > 0) {
		err = set_colsep(cb, cfg->colsep ? cfg->colsep : "\t");
		if (err != 0)
			goto error;
	}
	err = open_columns(cb, bad);
	if (err != 0)
		goto error;
	if (cb->header_lines > 0) {
		err = read_headers(cb, bad);
		if (err != 0)
			goto error;
	}
	group_lens(cb, 0);
	count_jobs(cb, slots);
	*out = cb;
	return 0;

error:
	scx__combine_free(cb);
	return err;
}

bool
scx__combine_count(const struct scx__combine *cb, uint64_t *n)
{
	if (cb->counted)
		*n = cb->count;
	return cb->counted;
}

void
scx__combine_fields(const struct scx__combine *cb, int *sep, size_t *width)
{
	*sep = cb->sep;
	/* With --colsep a row has as many fields as its line. */
	*width = cb->cfg->colsep != NULL ? 0 : cb->ncols;
}

const struct scx_column_name *
scx__combine_names(const struct scx__combine *cb, size_t *n)
{
	*n = cb->nnames;
	return cb->names;
}

void
scx__combine_free(struct scx__combine *cb)
{
	size_t i;

	if (cb == NULL)
		return;
	for (i = 0; cb->cols != NULL && i < cb->ncols; i++) {
		struct column *c = &cb->cols[i];

		if (c->owned && c->fd >= 0)
			close(c->fd);
		free(c->v);
		scx__reader_free(&c->rd);
	}
	for (i = 0; i < cb->nnames; i++)
		free((char *)cb->names[i].name);
	free(cb->names);
	if (cb->have_re)
		regfree(&cb->re);
	scx_buf_free(&cb->job);
	free(cb->row_off);
	scx_buf_free(&cb->scratch);
	free(cb->own_cfg);
	free(cb->cols);
	free(cb->groups);
	free(cb->idx);
	free(cb);
}

/* ------------------------------------------------------------------ */
/* Making jobs                                                         */
/* ------------------------------------------------------------------ */

struct emitter {
	int (*emit)(void *, const char *, size_t);
	void *arg;
};

static int
flush_job(struct scx__combine *cb, const struct emitter *e)
{
	int err;

	if (cb->job_rows == 0)
		return 0;
	err = e->emit(e->arg, cb->job.data ? cb->job.data : "", cb->job.len);
	cb->job.len = 0;
	cb->job_rows = 0;
	cb->job_chars = 0;
	return err;
}

/* The last job: with -m and -X, what is left when the input ends is
 * spread evenly over the job slots, as GNU parallel does. */
static int
flush_last(struct scx__combine *cb, const struct emitter *e)
{
	const struct scx_config *cfg = cb->cfg;
	size_t k, r, from, to;
	int err = 0;

	if ((cfg->multi != SCX_MULTI_M && cfg->multi != SCX_MULTI_X) ||
	    cb->slots < 2 || cb->job_rows < 2)
		return flush_job(cb, e);
	k = (cb->job_rows + cb->slots - 1) / cb->slots;
	for (r = 0; r < cb->job_rows && err == 0; r += k) {
		from = cb->row_off[r];
		to =
		    r + k < cb->job_rows ? cb->row_off[r + k] - 1 : cb->job.len;
		err = e->emit(e->arg, cb->job.data + from, to - from);
	}
	cb->job.len = 0;
	cb->job_rows = 0;
	cb->job_chars = 0;
	return err;
}

static int
add_field(struct scx__combine *cb, const char *p, size_t len, void *arg)
{
	(void)arg;
	trim(cb, &p, &len);
	if (cb->job.len > 0 || cb->job_chars > 0) {
		if (scx_buf_putc(&cb->job, (char)cb->sep) != 0)
			return -ENOMEM;
	}
	/* The length only counts for -m and -X (and job_chars > 0 says a
	 * separator is due). */
	cb->job_chars += cb->cfg->multi != SCX_MULTI_NONE
			     ? scx_shell_quote(NULL, 0, p, len) + 1 + cb->xword
			     : 1;
	return scx_buf_append(&cb->job, p, len);
}

/* Adds one row (a value of each column) to the job. */
static int
add_row(struct scx__combine *cb, const struct value *const *row,
	const struct emitter *e)
{
	size_t i, mark = cb->job.len, chars = cb->job_chars;
	int err;

	for (i = 0; i < cb->ncols; i++) {
		err = each_column(cb, row[i]->p, row[i]->len, add_field, NULL);
		if (err != 0)
			return err;
	}
	if (cb->cfg->multi != SCX_MULTI_NONE && cb->job_rows == 0 &&
	    cb->job_base + cb->job_chars > cb->max_chars)
		return SCX_ETOOLONG; /* one argument is too long already */
	if (cb->cfg->multi != SCX_MULTI_NONE && cb->job_rows > 0 &&
	    cb->job_base + cb->job_chars > cb->max_chars) {
		/* Too long with this row: the job goes without it. */
		size_t rowlen = cb->job.len - mark - 1;
		size_t rowchars = cb->job_chars - chars;

		cb->job.len = mark;
		err = flush_job(cb, e);
		if (err != 0)
			return err;
		memmove(cb->job.data, cb->job.data + mark + 1, rowlen);
		cb->job.len = rowlen;
		cb->job_chars = rowchars;
	}
	if (SCX__GROW(cb->row_off, cb->cap_rows, cb->job_rows + 1, 64) != 0)
		return -ENOMEM;
	cb->row_off[cb->job_rows] = cb->job_rows == 0 ? 0 : mark + 1;
	cb->job_rows++;
	if (cb->per_job > 0 && cb->job_rows >= cb->per_job)
		return flush_job(cb, e);
	return 0;
}

static const struct value empty_value = { "", 0 };

static const struct value *
member_value(const struct scx__combine *cb, size_t col, size_t i)
{
	const struct column *c = &cb->cols[col];

	if (c->n == 0)
		return &empty_value;
	return &c->v[i % c->n];
}

/* Every row for row @i of the first group (@first: column 0's value
 * when it streams). */
static int
rows_for(struct scx__combine *cb, size_t i, const struct value *first,
	 const struct emitter *e)
{
	const struct value *row[cb->ncols];
	size_t g, j;
	int err;

	for (j = 0; j < cb->groups[0].count; j++)
		row[j] = first != NULL ? first : member_value(cb, j, i);
	for (g = 1; g < cb->ngroups; g++) {
		cb->idx[g] = 0;
		if (cb->groups[g].len == 0)
			return 0;
	}
	for (;;) {
		for (g = 1; g < cb->ngroups; g++)
			for (j = cb->groups[g].first;
			     j < cb->groups[g].first + cb->groups[g].count; j++)
				row[j] = member_value(cb, j, cb->idx[g]);
		err = add_row(cb, row, e);
		if (err != 0)
			return err;
		for (g = cb->ngroups - 1; g >= 1; g--) {
			if (++cb->idx[g] < cb->groups[g].len)
				break;
			cb->idx[g] = 0;
		}
		if (g == 0)
			return 0;
	}
}

static int
stream_first(struct scx__combine *cb, const struct emitter *e,
	     bool (*wait)(void *, int), void *arg)
{
	struct column *c = &cb->cols[0];
	struct value v;
	size_t i, rows = 0;
	int done = 0, err;

	for (;;) {
		for (i = 0; i < c->rd.n; i++) {
			if (cb->skip_first > 0) {
				cb->skip_first--;
				continue;
			}
			v.p = c->rd.buf + c->rd.spans[i].off;
			v.len = c->rd.spans[i].len;
			if (holds_sep(cb, v.p, v.len)) {
				return SCX_ENUL;
			}
			err = rows_for(cb, 0, &v, e);
			if (err != 0)
				return err;
			rows++;
		}
		scx__reader_drop(&c->rd);
		/* What this read made goes now: a slow pipe's jobs start
		 * as their lines come. */
		err = e->emit(e->arg, NULL, 0);
		if (err != 0)
			return err;
		if (done)
			break;
		done = read_more(c, wait, arg);
		if (done < 0)
			return done;
		if (done == 2)
			return 1;
	}
	if (rows == 0 && cb->ncols > 1 && !c->had_header)
		return rows_for(cb, 0, &empty_value, e);
	return 0;
}

int
scx__combine_run(struct scx__combine *cb,
		 int (*emit)(void *, const char *, size_t),
		 bool (*wait)(void *, int), void *arg, const char **bad)
{
	struct emitter e = { emit, arg };
	size_t i;
	int err = 0;

	*bad = NULL;
	if (cb->streamed) {
		err = stream_first(cb, &e, wait, arg);
		if (err != 0 && err != 1)
			*bad = cb->cols[0].name;
	} else {
		for (i = 0; i < cb->groups[0].len && err == 0; i++)
			err = rows_for(cb, i, NULL, &e);
	}
	if (err == 0)
		err = flush_last(cb, &e);
	return err;
}
