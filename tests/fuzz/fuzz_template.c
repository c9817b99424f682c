/* fuzz_template.c: any command words and any item expand without a fault;
 * in --shell mode every substitution reads back, through POSIX single-
 * quote rules, as exactly the item. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads one shell word the way sh would for our quoting: single-quoted
 * runs and bare characters, with '\'' joining them.  Returns the length
 * read from @s. */
static size_t
unquote(const char *s, struct scx_buf *out)
{
	const char *p = s;

	out->len = 0;
	while (*p && *p != ' ') {
		if (*p == '\'') {
			p++;
			while (*p && *p != '\'')
				scx_buf_putc(out, *p++);
			if (*p == '\'')
				p++;
		} else if (*p == '\\' && p[1]) {
			scx_buf_putc(out, p[1]);
			p += 2;
		} else {
			scx_buf_putc(out, *p++);
		}
	}
	return (size_t)(p - s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scx_buf space = { 0 }, vec = { 0 }, word = { 0 };
	struct scx__template *t;
	char *words[8], *copy, *item, *sep;
	size_t nwords = 0, itemlen;
	char **argv;
	bool shell;
	int err;

	if (size < 1)
		return 0;
	shell = data[0] & 1;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	/* "word\x01word\x01...\x02item" */
	sep = memchr(copy, '\x02', size - 1);
	item = sep ? sep + 1 : copy + size - 1;
	itemlen = sep ? (size_t)(copy + size - 1 - item) : 0;
	if (sep)
		*sep = '\0';
	for (char *w = copy; nwords < 8;) {
		words[nwords++] = w;
		w = strchr(w, '\x01');
		if (w == NULL)
			break;
		*w++ = '\0';
	}
	err = scx__template_parse(&t, words, nwords, shell, false);
	if (err == 0) {
		const char *rs = NULL;
		char quote = 0;

		/* The scan of the template's own quotes never faults, and
		 * names a replacement string when it finds one. */
		if (scx__template_quoted(t, &rs, &quote) == 1 &&
		    (rs == NULL || rs[0] != '{'))
			abort();
		err = scx__template_expand(t, item, itemlen, 42, 3, &space,
					   &vec, &argv);
		if (err == 0 && argv[0] == NULL)
			abort();
		/* "{}" alone as the command: the shell string is the quoted
		 * item, which must read back as the item. */
		if (err == 0 && shell && nwords == 1 &&
		    strcmp(words[0], "{}") == 0) {
			size_t n = unquote(argv[2], &word);

			if (argv[2][n] != '\0' || word.len != itemlen ||
			    (itemlen && memcmp(word.data, item, itemlen) != 0))
				abort();
		}
		scx__template_free(t);
	} else if (err != SCX_ENOCMD && err != SCX_EPERL) {
		/* No command, or a {= perl =} string (refused): the only
		 * ways a template may be refused. */
		abort();
	}
	scx_buf_free(&space);
	scx_buf_free(&vec);
	scx_buf_free(&word);
	free(copy);
	return 0;
}
