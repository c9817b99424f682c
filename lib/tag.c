/* tag.c: one-word templates of options (--tagstring, --results NAME,
 * --workdir), and the tag that --tag and --tagstring put before each
 * output line of a job: its arguments joined by blanks, or the
 * --tagstring template expanded with the job's replacement strings. */
#include "internal.h"

#include <errno.h>
#include <string.h>

int
scx__word_open(struct scx__word *w, const char *word,
	       const struct scx_config *cfg, bool on_stdin)
{
	struct scx__template_opts o = { 0 };
	char *words[1] = { (char *)word };
	int err;

	memset(w, 0, sizeof(*w));
	o.argv = words;
	o.argc = 1;
	o.pipe_item = true; /* nothing appended, nothing quoted */
	o.fields = scx__combine_needed(cfg) && !on_stdin;
	o.plus = cfg->plus;
	o.multi = cfg->multi; /* -X, -N: {}'s word repeats per argument */
	o.context = cfg->context;
	o.rs_text = cfg->rs_text;
	err = scx__template_parse_opts(&w->tmpl, &o);
	if (err == 0)
		scx__template_names(w->tmpl, cfg->names, cfg->nnames);
	return err;
}

int
scx__word_expand(struct scx__word *w, const char *item, size_t len,
		 uint64_t seq, unsigned slot)
{
	return scx__template_text(w->tmpl, item, len, seq, slot, &w->space,
				  &w->vec, &w->text);
}

void
scx__word_close(struct scx__word *w)
{
	scx__template_free(w->tmpl);
	scx_buf_free(&w->text);
	scx_buf_free(&w->space);
	scx_buf_free(&w->vec);
	memset(w, 0, sizeof(*w));
}

int
scx__tagger_open(struct scx__tagger *t, const struct scx_config *cfg,
		 bool on_stdin)
{
	memset(t, 0, sizeof(*t));
	/* An empty --tagstring is Perl's false to GNU parallel: none. */
	t->on = cfg->tag || (cfg->tagstring != NULL && *cfg->tagstring);
	if (cfg->tagstring == NULL || *cfg->tagstring == '\0')
		return 0;
	return scx__word_open(&t->w, cfg->tagstring, cfg, on_stdin);
}

void
scx__tagger_close(struct scx__tagger *t)
{
	scx__word_close(&t->w);
	t->on = false;
}

int
scx__tagger_make(struct scx__tagger *t, const char *item, size_t len,
		 uint64_t seq, unsigned slot, const char **tag, size_t *tlen)
{
	struct scx_buf *text = &t->w.text;
	size_t i;
	int err;

	*tag = NULL;
	*tlen = 0;
	if (!t->on)
		return 0;
	text->len = 0;
	if (t->w.tmpl == NULL) {
		/* GNU parallel 20221122 joins a job's arguments with blanks
		 * (the fields of a combined job are NUL-separated here). */
		if (scx_buf_append(text, item, len) != 0)
			return -ENOMEM;
		for (i = 0; i < text->len; i++)
			if (text->data[i] == '\0')
				text->data[i] = ' ';
	} else {
		err = scx__word_expand(&t->w, item, len, seq, slot);
		if (err == SCX_ENUL) {
			/* An argument with a NUL byte: the tag shows it. */
			text->len = 0;
			err = scx_buf_append(text, item, len);
		}
		if (err != 0)
			return err;
	}
	*tag = text->data ? text->data : "";
	*tlen = text->len;
	return 0;
}
