/* ledger.c: what a run records so that it can be resumed: the job log
 * (--joblog), the results directory (--results), and, when resuming, which
 * items earlier runs already did. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
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
	if (cfg->resume != SCX_RESUME_NONE && cfg->results == NULL) {
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

static int
open_results(struct scx__ledger *l, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(l, -errno, "cannot create --results '%s': %s", dir,
			    strerror(errno));
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
	if (cfg->results && (err = open_results(l, cfg->results)) != 0)
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
	scx_buf_free(&l->pending);
	scx_buf_free(&l->scratch);
	scx__done_free(&l->done);
	l->joblog_fd = l->results_fd = -1;
}

/* ------------------------------------------------------------------ */
/* Resuming                                                            */
/* ------------------------------------------------------------------ */

/* Opens the entry @name of the results directory for reading, as a
 * directory when @dir: never through a symbolic link planted there.
 * @return the descriptor, or a negated errno (-ENOENT: not there,
 * -ELOOP: a link). */
static int
open_entry(int dirfd, const char *name, bool dir)
{
	int fd =
	    openat(dirfd, name,
		   O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (dir ? O_DIRECTORY : 0));

	if (fd >= 0)
		return fd;
	/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a link. */
	if (errno == ENOTDIR || errno == ELOOP) {
		struct stat st;

		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return -ELOOP;
		return -ENOTDIR;
	}
	return -errno;
}

/* Reads the file @file of the result directory @seq into l->scratch.
 * @return 0, or a negated errno (-ENOENT: not there). */
static int
read_result_file(struct scx__ledger *l, uint64_t seq, const char *file)
{
	char buf[4096], name[32];
	ssize_t n;
	int dfd, fd, err = 0;

	snprintf(name, sizeof(name), "%llu", (unsigned long long)seq);
	snprintf(l->bad_entry, sizeof(l->bad_entry), "%s", name);
	dfd = open_entry(l->results_fd, name, true);
	if (dfd < 0)
		return dfd;
	snprintf(l->bad_entry, sizeof(l->bad_entry), "%s/%s", name, file);
	fd = open_entry(dfd, file, false);
	close(dfd);
	if (fd < 0)
		return fd;
	l->scratch.len = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (scx_buf_append(&l->scratch, buf, (size_t)n) != 0) {
			err = -ENOMEM;
			break;
		}
	}
	close(fd);
	return err;
}

/* What the results directory says of @item: 0 (not done), or the
 * SCX__DONE_* bits; SCX_ECHANGED when it holds another item. */
static int
results_state(struct scx__ledger *l, const struct scx_item *item)
{
	int exitval = -1, sig = -1, err;

	err = read_result_file(l, item->seq, "status");
	if (err == -ENOENT)
		return 0;
	if (err != 0)
		return err;
	if (scx_buf_putc(&l->scratch, '\0') != 0)
		return -ENOMEM;
	sscanf(l->scratch.data, "exit %d signal %d", &exitval, &sig);
	err = read_result_file(l, item->seq, "item");
	if (err != 0)
		return err == -ENOENT ? 0 : err;
	if (l->scratch.len != item->len ||
	    memcmp(l->scratch.data, item->data, item->len) != 0)
		return SCX_ECHANGED;
	return SCX__DONE_LOGGED | (exitval == 0 && sig == 0 ? SCX__DONE_OK : 0);
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
	if (l->results_fd >= 0) {
		state = results_state(l, item);
		if (state == SCX_ECHANGED)
			return fail(l, SCX_ECHANGED,
				    "--results '%s' holds another item as "
				    "number %llu: the input changed since (use "
				    "another directory, or no --resume)",
				    cfg->results,
				    (unsigned long long)item->seq);
		if (state == -ELOOP)
			return fail(l, state,
				    "--results '%s': '%s' is a symbolic link, "
				    "not a result this run stored: refusing to "
				    "follow it",
				    cfg->results, l->bad_entry);
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

/* Writes a new file in @dirfd (never through a link: O_EXCL) with the
 * bytes @b, wherever they are, and syncs it. */
static int
write_file(struct scx__ledger *l, int dirfd, const char *name,
	   const struct scx_bytes *b)
{
	int fd, err;

	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (b->mem != NULL || b->fd < 0)
		err = scx__write_full(fd, b->mem, (size_t)b->len);
	else
		err = scx_bytes_copy(b, fd, 0, &l->scratch);
	if (err == 0 && fsync(fd) != 0)
		err = -errno;
	/* A file system may report a failed write only now (NFS). */
	if (close(fd) != 0 && err == 0)
		err = -errno;
	return err;
}

/* write_file() of bytes in memory. */
static int
write_mem(struct scx__ledger *l, int dirfd, const char *name, const char *p,
	  size_t len)
{
	struct scx_bytes b = { p, -1, 0, len };

	return write_file(l, dirfd, name, &b);
}

/* Removes the result directory @name of @dirfd: its four files, then
 * itself.  A link or a file planted there is not followed: -ELOOP or
 * -ENOTDIR, and nothing is removed.  @return 0 (also when it was not
 * there) or a negated errno. */
static int
remove_result_dir(int dirfd, const char *name)
{
	static const char *const files[] = { "item", "stdout", "stderr",
					     "status" };
	size_t i;
	int fd;

	fd = open_entry(dirfd, name, true);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	for (i = 0; i < SCX__ARRAY_SIZE(files); i++)
		unlinkat(fd, files[i], 0);
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* The error for an entry of the results directory that is not ours. */
static int
planted(struct scx__ledger *l, int err, const char *name)
{
	if (err != -ELOOP && err != -ENOTDIR)
		return fail(l, err,
			    "--results '%s': '%s' cannot be removed (%s): it "
			    "is not a result directory this run made",
			    l->cfg->results, name, scx_strerror(err));
	return fail(l, err,
		    "--results '%s': '%s' is %s, not a result directory this "
		    "run made: refusing to touch it",
		    l->cfg->results, name,
		    err == -ELOOP ? "a symbolic link" : "not a directory");
}

int
scx__ledger_result(struct scx__ledger *l, const struct scx_result *res)
{
	char tmp[96], final[32], old[96], path[128], status[96];
	struct scx_bytes out, errb;
	int dfd = -1, err;

	if (l->results_fd < 0)
		return 0;
	/* Everything is written in a directory of its own, synced, and then
	 * renamed into place: a result is there whole or not at all. */
	snprintf(tmp, sizeof(tmp), ".tmp.%llu.%d", (unsigned long long)res->seq,
		 (int)getpid());
	snprintf(final, sizeof(final), "%llu", (unsigned long long)res->seq);
	snprintf(old, sizeof(old), ".old.%llu.%d", (unsigned long long)res->seq,
		 (int)getpid());
	/* Leftovers of a killed run with our pid are removed; anything that
	 * is not a directory we made is refused, before any change. */
	if ((err = remove_result_dir(l->results_fd, tmp)) != 0)
		return planted(l, err, tmp);
	if ((err = remove_result_dir(l->results_fd, old)) != 0)
		return planted(l, err, old);
	dfd = open_entry(l->results_fd, final, true);
	if (dfd < 0 && dfd != -ENOENT)
		return dfd == -ELOOP || dfd == -ENOTDIR
			   ? planted(l, dfd, final)
			   : fail(l, dfd, "cannot open '%s/%s': %s",
				  l->cfg->results, final, scx_strerror(dfd));
	if (dfd >= 0)
		close(dfd);
	dfd = -1;
	if (mkdirat(l->results_fd, tmp, 0755) != 0) {
		err = -errno;
		goto error;
	}
	dfd = open_entry(l->results_fd, tmp, true);
	if (dfd < 0) {
		err = dfd;
		goto error;
	}
	snprintf(status, sizeof(status), "exit %d signal %d timeout %d\n",
		 res->exit_status, res->term_signal,
		 (res->flags & SCX_RESULT_TIMEOUT) ? 1 : 0);
	scx_result_stdout(res, &out);
	scx_result_stderr(res, &errb);
	if ((err = write_mem(l, dfd, "item", res->item, res->item_len)) != 0 ||
	    (err = write_file(l, dfd, "stdout", &out)) != 0 ||
	    (err = write_file(l, dfd, "stderr", &errb)) != 0 ||
	    (err = write_mem(l, dfd, "status", status, strlen(status))) != 0)
		goto error;
	if (fsync(dfd) != 0) {
		err = -errno;
		goto error;
	}
	close(dfd);
	dfd = -1;
	/* A rerun (--resume-failed) replaces the earlier result. */
	if (renameat(l->results_fd, final, l->results_fd, old) == 0 &&
	    (err = remove_result_dir(l->results_fd, old)) != 0)
		goto error;
	if (renameat(l->results_fd, tmp, l->results_fd, final) != 0) {
		err = -errno;
		goto error;
	}
	if (fsync(l->results_fd) != 0) {
		err = -errno;
		goto error;
	}
	return 0;

error:
	if (dfd >= 0)
		close(dfd);
	/* What was written of it is not a result. */
	remove_result_dir(l->results_fd, tmp);
	snprintf(path, sizeof(path), "%s/%s", l->cfg->results, final);
	return fail(l, err, "cannot store the result of item %llu in '%s': %s",
		    (unsigned long long)res->seq, path, scx_strerror(err));
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
		if (strncmp(p, "Seq\t", 4) == 0)
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
