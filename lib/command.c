/* command.c: each item's command: the template expanded into argv (or
 * one shell line), the workers' environment, and the command as text, as
 * --dry-run prints it and the job log records it. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* The per-job variables: SCX_SEQ, SCX_SLOT, PARALLEL_SEQ,
 * PARALLEL_JOBSLOT, then the run's: SCX_RANK, SCX_SIZE, PARALLEL_PID. */
enum { ENV_SEQ, ENV_SLOT, ENV_PSEQ, ENV_PSLOT, ENV_RANK, ENV_SIZE, ENV_PPID };

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
		"SCX_SEQ=",	 "SCX_SLOT=",	  "SCX_RANK=",
		"SCX_SIZE=",	 "PARALLEL_SEQ=", "PARALLEL_JOBSLOT=",
		"PARALLEL_PID=", "OMPI_",	  "PMIX_",
		"OPAL_",	 "PRTE_",	  "ORTE_",
	};
	size_t i;

	for (i = 0; i < SCX__ARRAY_SIZE(names); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/* The workers' environment: ours without the per-job variables, then
 * ours, which scx__builder_command() fills for each job. */
static int
build_env(struct scx__builder *b, int rank, unsigned size)
{
	size_t n = 0, i, k = 0;

	while (environ && environ[n])
		n++;
	b->envp = calloc(n + SCX__ENVVARS + 1, sizeof(char *));
	if (b->envp == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!is_runner_variable(environ[i]))
			b->envp[k++] = environ[i];
	for (i = 0; i < SCX__ENVVARS; i++)
		b->envp[k + i] = b->envvars[i];
	b->envp[k + SCX__ENVVARS] = NULL;
	snprintf(b->envvars[ENV_RANK], sizeof(b->envvars[0]), "SCX_RANK=%d",
		 rank);
	snprintf(b->envvars[ENV_SIZE], sizeof(b->envvars[0]), "SCX_SIZE=%u",
		 size);
	snprintf(b->envvars[ENV_PPID], sizeof(b->envvars[0]),
		 "PARALLEL_PID=%ld", (long)getpid());
	return 0;
}

/* ------------------------------------------------------------------ */
/* The shell rule: argv words, or one shell line as GNU parallel       */
/* ------------------------------------------------------------------ */

/* A word that is a shell operator by itself: GNU parallel's way of
 * writing a pipeline as words (echo {} '|' tr a-z A-Z). */
static bool
is_operator(const char *w)
{
	static const char *const ops[] = {
		"|",   "||",   "&&", ";",  "&",	 ">",	">>",  "<",    "2>",
		"2>>", "2>&1", "|&", "&>", "<<", "<<<", ">&2", "1>&2",
	};
	size_t i;

	for (i = 0; i < SCX__ARRAY_SIZE(ops); i++)
		if (strcmp(w, ops[i]) == 0)
			return true;
	return false;
}

static bool
has_shell_syntax(const char *w)
{
	return strpbrk(w, " \t\n|&;<>()$`\\\"'*?[~") != NULL;
}

static bool
executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* Finds @name in $PATH into @out (@size bytes). */
static bool
in_path(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *colon;
	int n;

	if (strchr(name, '/') != NULL)
		return executable(name);
	for (p = path ? path : "/usr/bin:/bin"; *p != '\0'; p = colon + 1) {
		colon = strchrnul(p, ':');
		n = snprintf(out, size, "%.*s/%s",
			     colon > p ? (int)(colon - p) : 1,
			     colon > p ? p : ".", name);
		if (n > 0 && (size_t)n < size && executable(out))
			return true;
		if (*colon == '\0')
			break;
	}
	return false;
}

/* Whether @name is a function exported from bash (export -f). */
static bool
bash_function(const char *name)
{
	char var[256];

	if (snprintf(var, sizeof(var), "BASH_FUNC_%s%%%%", name) >=
	    (int)sizeof(var))
		return false;
	return getenv(var) != NULL;
}

/* Whether the base name of @path is one of @names (@n of them). */
static bool
base_in(const char *path, const char *const *names, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < n; i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	return false;
}

static bool
bourne_shell(const char *path)
{
	static const char *const names[] = {
		"sh",	 "bash", "dash", "ksh",	 "ksh93", "mksh",
		"pdksh", "zsh",	 "ash",	 "posh", "yash",  "busybox",
	};

	return base_in(path, names, SCX__ARRAY_SIZE(names));
}

/* Whether @path names a shell that is not Bourne-type. */
static bool
other_shell(const char *path)
{
	static const char *const names[] = {
		"csh", "tcsh", "bsd-csh", "fish", "rc", "rush", "rzsh", "sash",
	};

	return base_in(path, names, SCX__ARRAY_SIZE(names));
}

/* Reads the first NUL-terminated word of /proc/@pid/@what into @out. */
static bool
proc_word(long pid, const char *what, char *out, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, out, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	out[n] = '\0';
	return true;
}

/* The shell that started us, as GNU parallel finds it: the nearest
 * ancestor whose command name is a shell's (bash, -bash, /bin/sh...).
 * Only a Bourne-type one is taken (our quoting is Bourne's); a csh or fish
 * ancestor ends the search. Found in @out; false when there is none. */
static bool
parent_shell(char *out, size_t size)
{
	char word[4096], *p;
	long pid = getppid();
	int depth;

	for (depth = 0; pid > 1 && depth < 64; depth++) {
		if (proc_word(pid, "cmdline", word, sizeof(word)) &&
		    word[0] != '\0') {
			p = word[0] == '-' ? word + 1 : word;
			if (other_shell(p) || strstr(p, "busybox") != NULL)
				return false;
			if (bourne_shell(p) && strchr(p, '/') == NULL)
				return in_path(p, out, size);
			if (bourne_shell(p))
				return executable(p) &&
				       snprintf(out, size, "%s", p) < (int)size;
		}
		if (!proc_word(pid, "stat", word, sizeof(word)))
			return false;
		p = strrchr(word, ')'); /* the name may hold blanks */
		if (p == NULL || sscanf(p + 1, " %*c %ld", &pid) != 1)
			return false;
	}
	return false;
}

/* The shell of shell lines: $PARALLEL_SHELL, else the Bourne-type shell
 * that started us, else $SHELL when it is a Bourne-type shell, else
 * /bin/sh; bash for an exported function. */
static const char *
pick_shell(struct scx__builder *b, bool function)
{
	const char *ps = getenv("PARALLEL_SHELL"), *sh = getenv("SHELL");
	const char *pick = "/bin/sh";

	if (ps != NULL && *ps != '\0')
		return ps;
	if (parent_shell(b->shell_path, sizeof(b->shell_path)))
		pick = b->shell_path;
	else if (sh != NULL && *sh == '/' && bourne_shell(sh) && executable(sh))
		pick = sh;
	if (function && strstr(pick, "bash") == NULL) {
		if (sh != NULL && strstr(sh, "bash") != NULL && executable(sh))
			return sh;
		if (in_path("bash", b->shell_path, sizeof(b->shell_path)))
			return b->shell_path;
	}
	return pick;
}

/* Whether @cfg's template runs as one shell line. */
static bool
wants_shell(const struct scx_config *cfg, bool *function)
{
	char path[4096];
	size_t i;

	*function = cfg->argc > 0 && bash_function(cfg->argv[0]);
	if (cfg->quote) /* a function needs bash all the same, -q's words */
		return *function;
	if (cfg->shell || cfg->argc == 0 || *function)
		return true;
	for (i = 0; i < cfg->argc; i++)
		if (is_operator(cfg->argv[i]))
			return true;
	return cfg->argc == 1 && has_shell_syntax(cfg->argv[0]) &&
	       !in_path(cfg->argv[0], path, sizeof(path));
}

/* --workdir DIR: a one-word template, expanded per job ("." is ours). */
static int
open_workdir(struct scx__builder *b, const struct scx_config *cfg)
{
	int err;

	if (cfg->workdir == NULL || strcmp(cfg->workdir, ".") == 0)
		return 0;
	err = scx__word_open(&b->wd, cfg->workdir, cfg, b->on_stdin);
	if (err != 0)
		return err;
	/* A reusable worker starts once, for no job of its own. */
	if (b->on_stdin && scx__template_uses_item(b->wd.tmpl))
		return SCX_EITEMRS;
	return 0;
}

/* The directory of @item's job into b->wd, made when missing (GNU's
 * mkdir -p; its "/./" and trailing slashes dropped). @return 0 or
 * SCX_EWORKDIR. */
static int
job_workdir(struct scx__builder *b, const struct scx_item *item, unsigned slot)
{
	struct scx_buf *d = &b->wd.text;
	char *p;
	int err;

	err = scx__word_expand(&b->wd, item->data, item->len, item->seq, slot);
	if (err != 0)
		return err;
	while ((p = strstr(d->data, "/./")) != NULL) {
		memmove(p, p + 2, d->len - (size_t)(p + 2 - d->data) + 1);
		d->len -= 2;
	}
	while (d->len > 1 && d->data[d->len - 1] == '/')
		d->data[--d->len] = '\0';
	if (d->len == 0 || scx__make_dirs(d->data) != 0)
		return SCX_EWORKDIR;
	return 0;
}

int
scx__builder_open(struct scx__builder *b, const struct scx_config *cfg,
		  bool on_stdin)
{
	int err;

	struct scx__template_opts o = { 0 };
	bool function;

	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	b->on_stdin = on_stdin;
	o.argv = cfg->argv;
	o.argc = cfg->argc;
	o.shell = wants_shell(cfg, &function);
	o.shell_path = o.shell ? pick_shell(b, function) : NULL;
	o.no_command = cfg->argc == 0 && !on_stdin;
	o.pipe_item = cfg->pipe_item || on_stdin ||
		      (cfg->pipe.mode != SCX_PIPE_NONE &&
		       cfg->pipe.via == SCX_PIPE_STDIN);
	o.fields = scx__combine_needed(cfg) && !on_stdin;
	o.no_args = cfg->max_args == SCX_ARGS_NONE;
	o.quote_words = cfg->quote;
	o.multi = cfg->multi;
	o.context = cfg->context;
	o.plus = cfg->plus;
	o.rs_text = cfg->rs_text;
	err = scx__template_parse_opts(&b->tmpl, &o);
	if (err != 0)
		return err;
	scx__template_names(b->tmpl, cfg->names, cfg->nnames);
	if (on_stdin && scx__template_uses_item(b->tmpl))
		return SCX_EITEMRS;
	if (cfg->pipe.mode != SCX_PIPE_NONE) {
		err = scx__pipejob_open(&b->pj, cfg);
		if (err != 0)
			return err;
	}
	return open_workdir(b, cfg);
}

int
scx__builder_env(struct scx__builder *b, int rank, unsigned size)
{
	/* A fed run's job count comes from rank 0 (the others' intake
	 * tells the template when it opens the inputs). */
	if (b->cfg->fed)
		scx__template_counts(b->tmpl, b->cfg->total, size);
	return build_env(b, rank, size);
}

void
scx__builder_close(struct scx__builder *b)
{
	scx__template_free(b->tmpl);
	if (b->cfg != NULL && b->cfg->pipe.mode != SCX_PIPE_NONE)
		scx__pipejob_close(&b->pj);
	scx__word_close(&b->wd);
	scx_buf_free(&b->space);
	scx_buf_free(&b->vec);
	scx_buf_free(&b->text);
	free(b->envp);
	memset(b, 0, sizeof(*b));
}

/* The text the template is expanded with: the item, or for a block of
 * --pipe what {} stands for. */
static const char *
arg_of(struct scx__builder *b, const struct scx_item *item, size_t *len)
{
	*len = item->len;
	if (b->cfg->pipe.mode == SCX_PIPE_NONE)
		return item->data;
	return scx__pipejob_arg(&b->pj, item->seq, len);
}

int
scx__builder_command(struct scx__builder *b, const struct scx_item *item,
		     unsigned slot, struct scx_command *cmd)
{
	const char *arg;
	size_t len;
	int err;

	arg = arg_of(b, item, &len);
	if (arg == NULL)
		return -ENOMEM;
	err = scx__template_expand(b->tmpl, arg, len, item->seq, slot,
				   &b->space, &b->vec, &cmd->argv);
	if (err != 0)
		return err;
	if (scx__template_skipped(b->tmpl))
		return SCX_ESKIP;
	snprintf(b->envvars[ENV_SEQ], sizeof(b->envvars[0]), "SCX_SEQ=%llu",
		 (unsigned long long)item->seq);
	snprintf(b->envvars[ENV_SLOT], sizeof(b->envvars[0]), "SCX_SLOT=%u",
		 slot);
	snprintf(b->envvars[ENV_PSEQ], sizeof(b->envvars[0]),
		 "PARALLEL_SEQ=%llu", (unsigned long long)item->seq);
	snprintf(b->envvars[ENV_PSLOT], sizeof(b->envvars[0]),
		 "PARALLEL_JOBSLOT=%u", slot);
	cmd->envp = b->envp;
	cmd->cwd = NULL;
	if (b->wd.tmpl != NULL) {
		err = job_workdir(b, item, slot);
		if (err != 0)
			return err;
		cmd->cwd = b->wd.text.data;
	}
	cmd->stdin_fd = cmd->stdin_own = -1;
	cmd->stdin_file_off = cmd->stdin_file_len = 0;
	if (b->cfg->pipe.mode != SCX_PIPE_NONE) {
		return scx__pipejob_command(&b->pj, item, cmd);
	} else if (b->cfg->pipe_item) {
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
	cmd->stdin_fd = cmd->stdin_own = -1;
	return err;
}

int
scx__builder_text(struct scx__builder *b, const struct scx_item *item,
		  unsigned slot, struct scx_buf *out)
{
	const char *arg;
	size_t need, len;
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
	arg = arg_of(b, item, &len);
	if (arg == NULL)
		return -ENOMEM;
	err = scx__template_expand(b->tmpl, arg, len, item->seq,
				   slot ? slot : 1, &b->space, &b->vec, &argv);
	if (err != 0)
		return err;
	/* A shell command is shown as the shell string itself. */
	if (scx__template_is_shell(b->tmpl))
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
		 "%s: %s is %s in the command: there scx-run's quoting "
		 "of the item does not hold (its quotes show, its $(...) "
		 "runs); leave replacement strings outside quotes",
		 b->cfg->shell ? "--shell" : "the command is a shell line", rs,
		 quote == '\''	? "inside '...'"
		 : quote == '"' ? "inside \"...\""
				: "after a backslash");
	return 1;
}
