/* command.c: each item's command: the template expanded into argv (or
 * one shell line), the workers' environment, and the command as text, as
 * --dry-run prints it and the job log records it. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int
scx__format_argv(struct scx_buf *b, char *const *argv)
{
	size_t need, i;

	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0 && scx_buf_putc(b, ' ') != 0)
			return -ENOMEM;
		need = scx_shell_quote(NULL, 0, argv[i], strlen(argv[i]));
		if (scx_buf_reserve(b, need + 1) != 0)
			return -ENOMEM;
		scx_shell_quote(b->data + b->len, need + 1, argv[i],
				strlen(argv[i]));
		b->len += need;
	}
	return 0;
}

/* Variables workers must not inherit: our own per-item ones, and those of
 * an MPI launcher (a worker that is itself an MPI program would take
 * them for its own and hang; no worker is a rank of our job). */
static bool
is_runner_variable(const char *e)
{
	static const char *const names[] = {
		"SCX_SEQ=", "SCX_SLOT=", "SCX_RANK=", "SCX_SIZE=", "OMPI_",
		"PMIX_",    "OPAL_",	 "PRTE_",     "ORTE_",
	};
	size_t i;

	for (i = 0; i < SCX__ARRAY_SIZE(names); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/* The workers' environment: ours without SCX_* item variables, then four
 * slots that scx__builder_command() fills for each item. */
static int
build_env(struct scx__builder *b, int rank, unsigned size)
{
	size_t n = 0, i, k = 0;

	while (environ && environ[n])
		n++;
	b->envp = calloc(n + 5, sizeof(char *));
	if (b->envp == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!is_runner_variable(environ[i]))
			b->envp[k++] = environ[i];
	for (i = 0; i < 4; i++)
		b->envp[k + i] = b->envvars[i];
	b->envp[k + 4] = NULL;
	snprintf(b->envvars[2], sizeof(b->envvars[2]), "SCX_RANK=%d", rank);
	snprintf(b->envvars[3], sizeof(b->envvars[3]), "SCX_SIZE=%u", size);
	return 0;
}

int
scx__builder_open(struct scx__builder *b, const struct scx_config *cfg,
		  bool on_stdin)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	b->on_stdin = on_stdin;
	err = scx__template_parse(&b->tmpl, cfg->argv, cfg->argc, cfg->shell,
				  cfg->pipe_item || on_stdin);
	if (err != 0)
		return err;
	if (on_stdin && scx__template_uses_item(b->tmpl))
		return SCX_EITEMRS;
	return 0;
}

int
scx__builder_env(struct scx__builder *b, int rank, unsigned size)
{
	return build_env(b, rank, size);
}

void
scx__builder_close(struct scx__builder *b)
{
	scx__template_free(b->tmpl);
	scx_buf_free(&b->space);
	scx_buf_free(&b->vec);
	scx_buf_free(&b->text);
	free(b->envp);
	memset(b, 0, sizeof(*b));
}

int
scx__builder_command(struct scx__builder *b, const struct scx_item *item,
		     unsigned slot, struct scx_command *cmd)
{
	int err;

	err = scx__template_expand(b->tmpl, item->data, item->len, item->seq,
				   slot, &b->space, &b->vec, &cmd->argv);
	if (err != 0)
		return err;
	snprintf(b->envvars[0], sizeof(b->envvars[0]), "SCX_SEQ=%llu",
		 (unsigned long long)item->seq);
	snprintf(b->envvars[1], sizeof(b->envvars[1]), "SCX_SLOT=%u", slot);
	cmd->envp = b->envp;
	if (b->cfg->pipe_item) {
		/* The delimiter follows every item in a chunk. */
		cmd->stdin_data = item->data;
		cmd->stdin_len = item->len + 1;
	} else {
		cmd->stdin_data = NULL;
		cmd->stdin_len = 0;
	}
	return 0;
}

int
scx__builder_worker(struct scx__builder *b, unsigned slot,
		    struct scx_command *cmd)
{
	static const struct scx_item none = { 0, "", 0 };
	int err;

	err = scx__builder_command(b, &none, slot, cmd);
	cmd->stdin_data = NULL;
	cmd->stdin_len = 0;
	return err;
}

int
scx__builder_text(struct scx__builder *b, const struct scx_item *item,
		  unsigned slot, struct scx_buf *out)
{
	size_t need;
	char **argv;
	int err;

	out->len = 0;
	if (b->on_stdin) {
		/* A reusable worker's item is its command: the item,
		 * quoted. */
		need = scx_shell_quote(NULL, 0, item->data, item->len);
		if (scx_buf_reserve(out, need + 1) != 0)
			return -ENOMEM;
		scx_shell_quote(out->data, need + 1, item->data, item->len);
		out->len = need;
		return 0;
	}
	err = scx__template_expand(b->tmpl, item->data, item->len, item->seq,
				   slot ? slot : 1, &b->space, &b->vec, &argv);
	if (err != 0)
		return err;
	/* A shell command is shown as the shell string itself. */
	if (b->cfg->shell)
		return scx_buf_append(out, argv[2], strlen(argv[2]));
	return scx__format_argv(out, argv);
}

bool
scx__builder_uses_slot(const struct scx__builder *b)
{
	return scx__template_uses_slot(b->tmpl);
}

int
scx__builder_quote_notice(struct scx__builder *b, char *msg, size_t size)
{
	const char *rs = NULL;
	char quote = 0;

	/* A replacement string that the command's own quotes hold is
	 * substituted quoted all the same, and sh then keeps those quotes
	 * as text and runs what they were to protect. */
	if (scx__template_quoted(b->tmpl, &rs, &quote) <= 0)
		return 0;
	snprintf(msg, size,
		 "--shell: %s is %s in the command: there scx-run's quoting "
		 "of the item does not hold (its quotes show, its $(...) "
		 "runs); leave replacement strings outside quotes",
		 rs,
		 quote == '\''	? "inside '...'"
		 : quote == '"' ? "inside \"...\""
				: "after a backslash");
	return 1;
}
