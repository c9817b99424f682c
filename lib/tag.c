/* tag.c: the tag that --tag and --tagstring put before each output line
 * of a job: its arguments joined by blanks, or the --tagstring template
 * expanded with the job's replacement strings. */
#include "internal.h"

#include <errno.h>
#include <string.h>

int
scx__tagger_open(struct scx__tagger *t, const struct scx_config *cfg,
		 bool on_stdin)
{
	struct scx__template_opts o = { 0 };
	char *words[1];
	int err;

	memset(t, 0, sizeof(*t));
	/* An empty --tagstring is Perl's false to GNU parallel: none. */
	t->on = cfg->tag || (cfg->tagstring != NULL && *cfg->tagstring);
	if (cfg->tagstring == NULL || *cfg->tagstring == '\0')
		return 0;
	words[0] = (char *)cfg->tagstring;
	o.argv = words;
	o.argc = 1;
	/* One word, never run: nothing appended, nothing quoted. */
	o.pipe_item = true;
	o.fields = scx__combine_needed(cfg) && !on_stdin;
	o.plus = cfg->plus;
	o.multi = cfg->multi; /* -X, -N: {}'s word repeats per argument */
	o.context = cfg->context;
	o.rs_text = cfg->rs_text;
	err = scx__template_parse_opts(&t->tmpl, &o);
	if (err != 0)
		return err;
	scx__template_names(t->tmpl, cfg->names, cfg->nnames);
	return 0;
}

void
scx__tagger_close(struct scx__tagger *t)
{
	scx__template_free(t->tmpl);
	scx_buf_free(&t->text);
	scx_buf_free(&t->space);
	scx_buf_free(&t->vec);
	memset(t, 0, sizeof(*t));
}

int
scx__tagger_make(struct scx__tagger *t, const char *item, size_t len,
		 uint64_t seq, unsigned slot, const char **tag, size_t *tlen)
{
	size_t i;
	int err;

	*tag = NULL;
	*tlen = 0;
	if (!t->on)
		return 0;
	t->text.len = 0;
	if (t->tmpl == NULL) {
		/* GNU parallel 20221122 joins a job's arguments with blanks
		 * (the fields of a combined job are NUL-separated here). */
		if (scx_buf_append(&t->text, item, len) != 0)
			return -ENOMEM;
		for (i = 0; i < t->text.len; i++)
			if (t->text.data[i] == '\0')
				t->text.data[i] = ' ';
	} else {
		err = scx__template_text(t->tmpl, item, len, seq, slot,
					 &t->space, &t->vec, &t->text);
		if (err == SCX_ENUL) {
			/* An argument with a NUL byte: the tag shows it. */
			t->text.len = 0;
			err = scx_buf_append(&t->text, item, len);
		}
		if (err != 0)
			return err;
	}
	*tag = t->text.data ? t->text.data : "";
	*tlen = t->text.len;
	return 0;
}
