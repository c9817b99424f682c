/* ledger.c: what a run records so that it can be resumed: the job log
 * (--joblog), the results directory (--results), and, when resuming, which
 * items earlier runs already did. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Job log lines are written once this many bytes wait (and stdout was
 * flushed before them). */
#define PENDING_MAX (64u * 1024)

void
scx__ledger_init(struct scx__ledger *l)
{
	memset(l, 0, sizeof(*l));
	l->joblog_fd = -1;
	l->results_fd = -1;
	l->record_fd = -1;
	scx__done_init(&l->done);
}

static int fail(struct scx__ledger *l, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct scx__ledger *l, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->detail, sizeof(l->detail), fmt, ap);
	va_end(ap);
	return err;
}

/* The longest job log line read back: an item's command up to 64 MiB. */
#define JOBLOG_LINE_MAX (64u << 20)

/* Reads an earlier job log into the index of done items. */
static int
load_joblog(struct scx__ledger *l, int fd, const char *path)
{
	struct scx_buf b = { 0 };
	uint64_t lineno = 0;
	size_t used;
	ssize_t n;
	int err = 0;

	for (;;) {
		if (scx_buf_reserve(&b, 1 << 20) != 0) {
			err = -ENOMEM;
			break;
		}
		n = read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(l, -errno, "cannot read --joblog '%s': %s",
				   path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		err = scx__joblog_load(&l->done, b.data, b.len,
				       l->check_commands, &lineno, &used);
		if (err == SCX_EJOBLOG) {
			err = fail(l, err,
				   "--joblog '%s': line %llu is not a job log "
				   "line (Seq Host Starttime JobRuntime Send "
				   "Receive Exitval Signal Command)",
				   path, (unsigned long long)lineno);
			break;
		}
		if (err != 0)
			break;
		memmove(b.data, b.data + used, b.len - used);
		b.len -= used;
		/* No job log line is this long: not a job log (a device, a
		 * binary file), and reading on would fill the memory. */
		if (b.len > JOBLOG_LINE_MAX) {
			err = fail(l, SCX_EJOBLOG,
				   "--joblog '%s': line %llu is longer than "
				   "%u MiB: not a job log",
				   path, (unsigned long long)lineno + 1,
				   JOBLOG_LINE_MAX >> 20);
			break;
		}
	}
	scx_buf_free(&b);
	return err;
}

/* A run killed while it wrote a job log line leaves it without its
 * newline: it is cut off (its item was not logged, so it runs again), and
 * the new lines start on a line of their own.  @size becomes the length
 * kept. */
static int
drop_torn_line(int fd, off_t *size)
{
	char buf[4096];
	off_t end = *size, start;
	ssize_t n, i;

	while (end > 0) {
		start = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
		n = pread(fd, buf, (size_t)(end - start), start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (i = n; i > 0; i--)
			if (buf[i - 1] == '\n')
				break;
		if (i > 0) {
			end = start + i;
			break;
		}
		end = start;
	}
	if (end == *size)
		return 0;
	if (ftruncate(fd, end) != 0)
		return -errno;
	*size = end;
	return 0;
}

/* Ends the last line of the @size bytes of @fd, if it has no newline, so
 * that the lines added after it start on a line of their own. */
static int
end_last_line(int fd, off_t size)
{
	char c;
	ssize_t n;

	do
		n = pread(fd, &c, 1, size - 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return n < 0 ? -errno : -EIO;
	if (c == '\n')
		return 0;
	do
		n = pwrite(fd, "\n", 1, size);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : n < 0 ? -errno : -EIO;
}

static int
open_joblog(struct scx__ledger *l, const struct scx_config *cfg)
{
	struct stat st;
	int flags = O_RDWR | O_CREAT | O_CLOEXEC;
	int fd, err;

	/* --joblog -: the lines go to stdout, after their items' output;
	 * with --dry-run, as in GNU parallel, nowhere. */
	if (strcmp(cfg->joblog, "-") == 0 && cfg->dry_run)
		return 0;
	if (strcmp(cfg->joblog, "-") == 0) {
		l->joblog_fd = cfg->out_fd;
		l->joblog_out = true;
		return scx__write_full(l->joblog_fd, scx__joblog_header,
				       strlen(scx__joblog_header));
	}
	/* A fresh run starts a fresh log; a resumed one adds to it, and so
	 * does --joblog +FILE. */
	if (cfg->resume == SCX_RESUME_NONE && !cfg->joblog_append)
		flags |= O_TRUNC;
	fd = open(cfg->joblog, flags, 0644);
	if (fd < 0)
		return fail(l, -errno, "cannot open --joblog '%s': %s",
			    cfg->joblog, strerror(errno));
	l->joblog_fd = fd;
	/* The job log says what is done, unless a results tree does. */
	if (cfg->resume != SCX_RESUME_NONE && l->results_fd < 0 &&
	    l->name.tmpl == NULL) {
		err = load_joblog(l, fd, cfg->joblog);
		if (err != 0)
			return err;
	}
	if (fstat(fd, &st) != 0)
		return fail(l, -errno, "--joblog '%s': %s", cfg->joblog,
			    strerror(errno));
	if (st.st_size > 0 && S_ISREG(st.st_mode)) {
		/* Resuming, a torn last line is an item not logged: it is cut
		 * off.  Only added to (+FILE), the file keeps its bytes. */
		err = cfg->resume != SCX_RESUME_NONE
			  ? drop_torn_line(fd, &st.st_size)
			  : end_last_line(fd, st.st_size);
		if (err != 0)
			return fail(l, err, "--joblog '%s': %s", cfg->joblog,
				    strerror(-err));
	}
	if (lseek(fd, 0, SEEK_END) < 0)
		return fail(l, -errno, "--joblog '%s': %s", cfg->joblog,
			    strerror(errno));
	/* GNU parallel's --joblog +FILE never writes the header line. */
	if (st.st_size == 0 && !cfg->joblog_append) {
		err = scx__write_full(fd, scx__joblog_header,
				      strlen(scx__joblog_header));
		if (err != 0)
			return fail(l, err, "cannot write --joblog '%s': %s",
				    cfg->joblog, strerror(-err));
	}
	return 0;
}

/* --results with a replacement string ({} and the like): a template of
 * its own, expanded per job.  @return 0 (l->name.tmpl stays NULL when
 * the name uses none: a directory) or an error. */
static int
open_named(struct scx__ledger *l, const struct scx_config *cfg)
{
	int err;

	err = scx__word_open(&l->name, cfg->results, cfg, false);
	if (err != 0)
		return fail(l, err, "--results '%s': %s", cfg->results,
			    scx_strerror(err));
	/* The inputs are open: --header's {name}s are known. */
	scx__template_names(l->name.tmpl, l->fields.names, l->fields.nnames);
	if (!scx__template_uses_item(l->name.tmpl))
		scx__word_close(&l->name);
	return 0;
}

/* The name of @item's results with a replacement string, in l->name. */
static int
job_name(struct scx__ledger *l, const char *item, size_t len, uint64_t seq,
	 unsigned slot, const char **name)
{
	int err;

	err = scx__word_expand(&l->name, item, len, seq, slot);
	if (err != 0)
		return err;
	*name = l->name.text.data;
	return 0;
}

/* --results FILE.csv, .tsv, .json: made anew, or added to when resuming
 * (what is done is in the job log); -.csv and the like: stdout. */
static int
open_record_file(struct scx__ledger *l, const struct scx_config *cfg)
{
	const char *name = cfg->results;
	struct stat st;
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;

	if (name[0] == '-' && name[1] == '.') {
		l->record_fd = dup(cfg->out_fd);
		if (l->record_fd < 0)
			return fail(l, -errno, "--results '%s': %s", name,
				    strerror(errno));
		return 0;
	}
	if (cfg->resume == SCX_RESUME_NONE)
		flags |= O_TRUNC;
	l->record_fd = open(name, flags, 0644);
	if (l->record_fd < 0)
		return fail(l, -errno, "cannot open --results '%s': %s", name,
			    strerror(errno));
	if (fstat(l->record_fd, &st) == 0 && st.st_size > 0)
		l->record_header = true;
	return 0;
}

static int
open_results(struct scx__ledger *l, const struct scx_config *cfg)
{
	const char *dir = cfg->results;
	int err;

	l->results_kind = scx__results_kind(dir);
	if (l->results_kind != SCX__RESULTS_DIR)
		return open_record_file(l, cfg);
	if (scx__results_templated(dir) && (err = open_named(l, cfg)) != 0)
		return err;
	if (l->name.tmpl != NULL)
		return 0;
	if ((err = scx__make_dirs(dir)) != 0)
		return fail(l, err, "cannot create --results '%s': %s", dir,
			    strerror(-err));
	l->results_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->results_fd < 0)
		return fail(l, -errno, "cannot open --results '%s': %s", dir,
			    strerror(errno));
	return 0;
}

int
scx__ledger_open(struct scx__ledger *l, const struct scx_config *cfg,
		 bool check_commands)
{
	int err;

	l->cfg = cfg;
	l->check_commands = check_commands;
	l->host = ":";
	/* A dry run prints the commands and stores nothing. */
	if (cfg->results && !cfg->dry_run && (err = open_results(l, cfg)) != 0)
		return err;
	if (cfg->joblog && (err = open_joblog(l, cfg)) != 0)
		return err;
	return 0;
}

void
scx__ledger_close(struct scx__ledger *l)
{
	if (l->joblog_fd >= 0 && !l->joblog_out)
		close(l->joblog_fd);
	if (l->results_fd >= 0)
		close(l->results_fd);
	if (l->record_fd >= 0)
		close(l->record_fd);
	scx_buf_free(&l->pending);
	scx_buf_free(&l->scratch);
	scx_buf_free(&l->path);
	scx_buf_free(&l->record);
	scx__word_close(&l->name);
	scx__done_free(&l->done);
	for (size_t i = 0; i < l->fields.nnames; i++)
		free((char *)l->fields.names[i].name);
	free(l->fields.names);
	l->fields.names = NULL;
	l->fields.nnames = 0;
	l->joblog_fd = l->results_fd = l->record_fd = -1;
}

/* ------------------------------------------------------------------ */
/* Resuming                                                            */
/* ------------------------------------------------------------------ */

int
scx__ledger_fields(struct scx__ledger *l, const struct scx__source *src,
		   const struct scx_column_name *names, size_t n)
{
	struct scx__fields *f = &l->fields;
	size_t i;

	f->split = src != NULL && scx__source_fields(src, &f->sep, &f->width);
	if (n == 0)
		return 0;
	/* The template keeps the names: it gets this copy, freed last. */
	f->names = calloc(n, sizeof(*f->names));
	if (f->names == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		f->names[i].field = names[i].field;
		f->names[i].name = strdup(names[i].name);
		if (f->names[i].name == NULL)
			return -ENOMEM;
		f->nnames++;
	}
	if (l->name.tmpl != NULL)
		scx__template_names(l->name.tmpl, f->names, f->nnames);
	return 0;
}

/* A job's directory under --results DIR is named after its arguments; a
 * --pipe block has none, so its number names it (DIR/1/SEQ), lest every
 * block's result land in one directory. */
static const char *
dir_name(struct scx__ledger *l, const char *data, size_t *len, uint64_t seq)
{
	int n;

	if (l->cfg == NULL || l->cfg->pipe.mode == SCX_PIPE_NONE)
		return data;
	n = snprintf(l->seq_text, sizeof(l->seq_text), "%llu",
		     (unsigned long long)seq);
	*len = n > 0 ? (size_t)n : 0;
	return l->seq_text;
}

/* What the files named for @item hold (--results with {}). */
static int
named_state(struct scx__ledger *l, const struct scx_item *item)
{
	const char *name = NULL;
	int state;

	size_t len = item->len;
	const char *data = scx__item_shown(l->cfg, item->data, &len);

	state = job_name(l, data, len, item->seq, 1, &name);
	if (state == 0)
		state = scx__results_state_named(name, &l->scratch);
	if (state < 0)
		return fail(l, state, "--results '%s': item %llu: %s%s%s",
			    l->cfg->results, (unsigned long long)item->seq,
			    name ? name : "", name ? ": " : "",
			    scx_strerror(state));
	return state;
}

int
scx__ledger_skip(struct scx__ledger *l, const struct scx_item *item,
		 const char *cmd, size_t cmdlen, bool *skip)
{
	const struct scx_config *cfg = l->cfg;
	uint64_t hash = 0;
	int state;

	*skip = false;
	if (cfg->resume == SCX_RESUME_NONE)
		return 0;
	if (l->name.tmpl != NULL) {
		state = named_state(l, item);
		if (state < 0)
			return state;
	} else if (l->results_fd >= 0) {
		/* GNU parallel's rule: a job whose directory holds a whole
		 * result is done, whatever its number was. */
		size_t len = item->len;
		const char *data = dir_name(l, item->data, &len, item->seq);

		state = scx__results_state(l->results_fd, &l->fields, data, len,
					   &l->path, &l->scratch);
		if (state == -ELOOP || state == -ENOTDIR)
			return fail(l, state,
				    "--results '%s': '%s' is %s, not a result "
				    "this run stored: refusing to follow it",
				    cfg->results, l->path.data,
				    state == -ELOOP ? "a symbolic link"
						    : "not a directory");
		if (state < 0)
			return fail(l, state, "--results '%s': item %llu: %s",
				    cfg->results, (unsigned long long)item->seq,
				    scx_strerror(state));
	} else {
		state = (int)scx__done_state(&l->done, item->seq, &hash);
		if ((state & SCX__DONE_HASH) && cmd &&
		    scx__hash(cmd, cmdlen) != hash)
			return fail(
			    l, SCX_ECHANGED,
			    "--joblog '%s' logged another command as "
			    "item %llu: the input or the command changed "
			    "since (use another job log, or no --resume)",
			    cfg->joblog, (unsigned long long)item->seq);
	}
	if (!(state & SCX__DONE_LOGGED))
		return 0;
	*skip = (state & SCX__DONE_OK) || cfg->resume == SCX_RESUME;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Recording                                                           */
/* ------------------------------------------------------------------ */

int
scx__ledger_log(struct scx__ledger *l, const struct scx_result *res,
		uint64_t send, uint64_t receive, const char *cmd, size_t cmdlen)
{
	struct scx__joblog_entry e;

	if (l->joblog_fd < 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.seq = res->seq;
	e.host = res->host ? res->host : l->host;
	e.start_us = res->start_us;
	e.runtime_ns = res->duration_ns;
	e.send = send;
	e.receive = receive;
	e.exitval = res->exit_status;
	e.signal = res->term_signal;
	e.command = cmd;
	e.command_len = cmdlen;
	return scx__joblog_line(&l->pending, &e);
}

bool
scx__ledger_wants_flush(const struct scx__ledger *l)
{
	return l->pending.len >= PENDING_MAX;
}

int
scx__ledger_flush(struct scx__ledger *l)
{
	int err;

	if (l->joblog_fd < 0 || l->pending.len == 0)
		return 0;
	err = scx__write_full(l->joblog_fd, l->pending.data, l->pending.len);
	l->pending.len = 0;
	if (err != 0)
		return fail(l, err, "cannot write --joblog '%s': %s",
			    l->cfg->joblog, scx_strerror(err));
	return 0;
}

int
scx__ledger_result(struct scx__ledger *l, const struct scx_result *job)
{
	struct scx_result shown = *job, *res = &shown;
	const char *name = NULL;
	int err;

	shown.item = l->name.tmpl
			 ? scx__item_shown(l->cfg, job->item, &shown.item_len)
			 : dir_name(l, job->item, &shown.item_len, job->seq);
	if (l->name.tmpl != NULL) {
		err = job_name(l, res->item, res->item_len, res->seq,
			       res->worker, &name);
		if (err == 0)
			err = scx__results_store_named(name, res, &l->scratch);
		if (err != 0)
			return fail(l, err,
				    "cannot store the result of item %llu in "
				    "'%s': %s",
				    (unsigned long long)res->seq,
				    name ? name : l->cfg->results,
				    scx_strerror(err));
		return 0;
	}
	if (l->results_fd < 0)
		return 0;
	err = scx__results_store(l->results_fd, &l->fields, res, &l->path,
				 &l->scratch);
	if (err == -ELOOP || err == -ENOTDIR)
		return fail(l, err,
			    "--results '%s': '%s' is %s, not a result "
			    "directory this run made: refusing to touch it",
			    l->cfg->results, l->path.data,
			    err == -ELOOP ? "a symbolic link"
					  : "not a directory");
	if (err != 0)
		return fail(l, err,
			    "cannot store the result of item %llu in '%s/%s': "
			    "%s",
			    (unsigned long long)res->seq, l->cfg->results,
			    l->path.len ? l->path.data : "", scx_strerror(err));
	return 0;
}

int
scx__ledger_record(struct scx__ledger *l, const struct scx_result *job,
		   uint64_t send, const char *cmd, size_t cmd_len)
{
	struct scx_result shown = *job, *res = &shown;
	int err;

	shown.item = scx__item_shown(l->cfg, job->item, &shown.item_len);

	if (l->record_fd < 0)
		return 0;
	l->record.len = 0;
	err = scx__results_record(l->results_kind, &l->fields, res, send, cmd,
				  cmd_len, !l->record_header, &l->record,
				  &l->scratch);
	/* One write: a record is in the file whole (O_APPEND). */
	if (err == 0)
		err = scx__write_full(l->record_fd, l->record.data,
				      l->record.len);
	if (l->record.len > SCX__KEEP_CAPACITY)
		scx_buf_free(&l->record);
	if (err != 0)
		return fail(l, err, "cannot write --results '%s': %s",
			    l->cfg->results, scx_strerror(err));
	l->record_header = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* --retry-failed                                                      */
/* ------------------------------------------------------------------ */

struct logged {
	uint64_t seq, line; /* the line's number breaks ties: last wins */
	size_t at, len;	    /* its command in the commands buffer */
};

static int
cmp_logged(const void *a, const void *b)
{
	const struct logged *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Reads all of @fd into @b. */
static int
read_all(int fd, struct scx_buf *b)
{
	ssize_t n;

	for (;;) {
		if (scx_buf_reserve(b, 1 << 16) != 0)
			return -ENOMEM;
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
	}
}

/* Each line of @text (@len bytes) in *@v: its Seq and command, kept in
 * @cmds.  *@lineno is the line a failure is about. */
static int
parse_logged(const char *text, size_t len, struct scx_buf *cmds,
	     struct logged **v, size_t *n, uint64_t *lineno)
{
	struct scx__joblog_entry e;
	struct scx_buf scratch = { 0 };
	const char *p = text, *end = text + len, *nl;
	size_t cap = 0;
	int err = 0;

	for (; p < end && err == 0; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break; /* a torn last line: its item was not logged */
		++*lineno;
		if (scx__joblog_is_header(p, (size_t)(nl - p)))
			continue;
		err = scx__joblog_parse_line(p, (size_t)(nl - p), &e, &scratch);
		if (err == 0 && SCX__GROW(*v, cap, *n + 1, 256) != 0)
			err = -ENOMEM;
		if (err != 0)
			break;
		(*v)[(*n)++] =
		    (struct logged){ e.seq, *lineno, cmds->len, e.command_len };
		err = scx_buf_append(cmds, e.command, e.command_len);
	}
	scx_buf_free(&scratch);
	return err;
}

/* The commands of @v (sorted), one for each Seq from 1, into @out. */
static int
commands_in_order(const struct logged *v, size_t n, const struct scx_buf *cmds,
		  struct scx_buf *out, uint64_t *count)
{
	uint64_t seq = 1;
	size_t i;
	int err = 0;

	for (i = 0; i < n && err == 0; i++) {
		if (i + 1 < n && v[i + 1].seq == v[i].seq)
			continue; /* a later line for this Seq wins */
		for (; seq < v[i].seq && err == 0; seq++)
			err = scx_buf_putc(out, '\0'); /* never logged */
		if (err == 0)
			err =
			    scx_buf_append(out, cmds->data + v[i].at, v[i].len);
		if (err == 0)
			err = scx_buf_putc(out, '\0');
		seq++;
	}
	*count = seq - 1;
	return err;
}

int
scx_joblog_commands(const char *path, char **out, size_t *len, uint64_t *count,
		    uint64_t *bad_line)
{
	struct scx_buf text = { 0 }, cmds = { 0 }, res = { 0 };
	struct logged *v = NULL;
	size_t n = 0;
	int fd, err;

	*bad_line = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read_all(fd, &text);
	close(fd);
	if (err == 0)
		err =
		    parse_logged(text.data, text.len, &cmds, &v, &n, bad_line);
	if (err == 0 && n > 0) {
		qsort(v, n, sizeof(*v), cmp_logged);
		/* A Seq far beyond the lines is not a run's: the gaps
		 * would be runs of empty commands. */
		if (v[n - 1].seq > 64 * (uint64_t)n + 1024)
			err = SCX_EJOBLOG;
	}
	if (err == 0)
		err = commands_in_order(v, n, &cmds, &res, count);
	if (err == 0 && scx_buf_putc(&res, '\0') == 0) {
		*out = res.data;
		*len = res.len - 1;
		res.data = NULL;
	} else if (err == 0) {
		err = -ENOMEM;
	}
	if (err != SCX_EJOBLOG)
		*bad_line = 0;
	free(v);
	scx_buf_free(&text);
	scx_buf_free(&cmds);
	scx_buf_free(&res);
	return err;
}
