/* results.c: --results in GNU parallel's forms (a directory per job,
 * DIR/1/ARG/2/ARG/ holding seq, stdout and stderr, each stored whole or
 * not at all; files named by a replacement string, my_{} or my_{}/; or
 * one CSV, TSV or JSON file of all the jobs), and the files of --files. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file beside GNU parallel's three that keeps the exit status, for
 * --resume-failed: hidden, so that the directory lists as GNU's does. */
#define STATUS_FILE ".scx-status"

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum scx__results_kind
scx__results_kind(const char *name)
{
	/* GNU parallel looks at the end of the name, in any case. */
	if (ends_with(name, ".csv"))
		return SCX__RESULTS_CSV;
	if (ends_with(name, ".tsv"))
		return SCX__RESULTS_TSV;
	if (ends_with(name, ".json"))
		return SCX__RESULTS_JSON;
	return SCX__RESULTS_DIR;
}

bool
scx__results_templated(const char *name)
{
	const char *open = strchr(name, '{');

	return open != NULL && strchr(open + 1, '}') != NULL;
}

/* ------------------------------------------------------------------ */
/* The job's directory                                                 */
/* ------------------------------------------------------------------ */

/* One field of an item. */
struct field {
	const char *p;
	size_t len;
	size_t number; /* its source (column) number, 1-based */
};

/* The label of field @number: its --header name, or the number. */
static const char *
label(const struct scx__fields *f, size_t number, char *num, size_t size)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (f->names[i].field == number)
			return f->names[i].name;
	snprintf(num, size, "%zu", number);
	return num;
}

/* Perl's numeric value of a string (its leading number, else 0). */
static double
perl_number(const char *s)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return 0;
	v = strtod(s, &end);
	return end == s ? 0 : v;
}

/* GNU parallel's order of the labels: numerically, then as text. */
static int
label_cmp(const struct scx__fields *f, size_t a, size_t b)
{
	char na[24], nb[24];
	const char *la = label(f, a, na, sizeof(na));
	const char *lb = label(f, b, nb, sizeof(nb));
	double x = perl_number(la), y = perl_number(lb);

	if (x != y)
		return x < y ? -1 : 1;
	return strcmp(la, lb);
}

/* Appends @p escaped as GNU parallel writes a value in a path. */
static int
put_value(struct scx_buf *out, const char *p, size_t len, size_t name_max)
{
	size_t start = out->len, i;
	int err = 0;

	for (i = 0; i < len && err == 0; i++) {
		switch (p[i]) {
		case '\\':
			err = scx_buf_append(out, "\\\\", 2);
			break;
		case '\t':
			err = scx_buf_append(out, "\\t", 2);
			break;
		case '\0':
			err = scx_buf_append(out, "\\0", 2);
			break;
		case '/':
			err = scx_buf_append(out, "\\_", 2);
			break;
		default:
			err = scx_buf_putc(out, p[i]);
		}
	}
	if (err == 0 && name_max > 0 && out->len - start > name_max)
		out->len = start + name_max;
	return err;
}

/* Appends one row of fields, in the order of their labels. */
static int
put_row(struct scx_buf *out, const struct scx__fields *f, struct field *row,
	size_t n, size_t name_max)
{
	char num[24];
	struct field t;
	size_t i, j;
	int err = 0;

	/* A stable insertion sort: rows are a few fields. */
	for (i = 1; f->nnames > 0 && i < n; i++)
		for (j = i; j > 0 &&
			    label_cmp(f, row[j - 1].number, row[j].number) > 0;
		     j--) {
			t = row[j];
			row[j] = row[j - 1];
			row[j - 1] = t;
		}
	for (i = 0; i < n && err == 0; i++) {
		const char *l = label(f, row[i].number, num, sizeof(num));

		if (out->len > 0)
			err = scx_buf_putc(out, '/');
		if (err == 0)
			err = scx_buf_append(out, l, strlen(l));
		if (err == 0)
			err = scx_buf_putc(out, '/');
		if (err == 0)
			err = put_value(out, row[i].p, row[i].len, name_max);
	}
	return err;
}

int
scx__results_path(const struct scx__fields *f, const char *item, size_t len,
		  size_t name_max, struct scx_buf *out)
{
	struct field row[64], *big = NULL, *r = row;
	size_t cap = SCX__ARRAY_SIZE(row), n = 0, width, i = 0, end;
	const char *p = item, *q;
	int err = 0;

	out->len = 0;
	/* The fields, numbered by their place in their row. */
	for (;;) {
		q = f->split ? memchr(p, f->sep, (size_t)(item + len - p))
			     : NULL;
		end = q ? (size_t)(q - p) : (size_t)(item + len - p);
		if (n == cap) {
			struct field *nb = realloc(big, 2 * cap * sizeof(*nb));

			if (nb == NULL) {
				free(big);
				return -ENOMEM;
			}
			if (big == NULL)
				memcpy(nb, row, sizeof(row));
			big = r = nb;
			cap *= 2;
		}
		r[n].p = p;
		r[n].len = end;
		r[n].number = f->width ? n % f->width + 1 : n + 1;
		n++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	width = f->width ? f->width : n;
	for (i = 0; i < n && err == 0; i += width)
		err = put_row(out, f, r + i, n - i < width ? n - i : width,
			      name_max);
	free(big);
	return err;
}

/* ------------------------------------------------------------------ */
/* Storing and finding a job's result                                  */
/* ------------------------------------------------------------------ */

/* Opens the entry @name of @dirfd as a directory (made first when
 * @create), never through a symbolic link.  @return the descriptor or a
 * negated errno (-ELOOP: a link; -ENOTDIR: not a directory). */
static int
open_dir(int dirfd, const char *name, bool create)
{
	struct stat st;
	int fd;

	if (create && mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR && errno != ELOOP)
		return -errno;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -ENOTDIR;
}

/*
 * Opens the job's directory @path (relative, in place: its '/' become
 * NULs) under @root, as the kernel would resolve it ("" and "." stay,
 * ".." goes back up, never above @root), never through a link.  On error
 * @path is cut to the entry at fault.  @return the descriptor or a
 * negated errno.
 */
static int
open_job_dir(int root, struct scx_buf *path, bool create)
{
	char *parts[512], *s, *e, *base;
	size_t n = 0, i;
	int fd, next;

	if (scx_buf_putc(path, '\0') != 0)
		return -ENOMEM;
	base = path->data;
	for (s = base; s != NULL; s = e) {
		e = strchr(s, '/');
		if (e != NULL)
			*e++ = '\0';
		if (s[0] == '\0' || strcmp(s, ".") == 0)
			continue;
		if (strcmp(s, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		if (n == SCX__ARRAY_SIZE(parts))
			return -ENAMETOOLONG;
		parts[n++] = s;
	}
	fd = dup(root);
	if (fd < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		next = open_dir(fd, parts[i], create);
		close(fd);
		if (next < 0) {
			/* Name the entry: the parts up to it, '/' between. */
			path->len = 0;
			for (size_t k = 0; k <= i; k++) {
				if (k > 0)
					scx_buf_putc(path, '/');
				scx_buf_append(path, parts[k],
					       strlen(parts[k]));
			}
			if (scx_buf_putc(path, '\0') == 0)
				path->len--;
			return next;
		}
		fd = next;
	}
	/* The path as it was, a C string. */
	for (i = 0; i + 1 < path->len; i++)
		if (base[i] == '\0')
			base[i] = '/';
	path->len--;
	return fd;
}

/* Writes the file @name in @dirfd anew (never through a link) with the
 * bytes @b, and syncs it. */
static int
write_file(int dirfd, const char *name, const struct scx_bytes *b,
	   struct scx_buf *scratch)
{
	int fd, err;

	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		return -errno;
	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (b->mem != NULL || b->fd < 0)
		err = scx__write_full(fd, b->mem, (size_t)b->len);
	else
		err = scx_bytes_copy(b, fd, 0, scratch);
	if (err == 0 && fsync(fd) != 0)
		err = -errno;
	/* A file system may report a failed write only now (NFS). */
	if (close(fd) != 0 && err == 0)
		err = -errno;
	return err;
}

/* What a job's four files hold, in this order; their temporary names. */
static const char *const kinds[] = { "stdout", "stderr", "status", "seq" };

/* GNU parallel's names of them in a job's directory. */
static const char *const dir_names[] = { "stdout", "stderr", STATUS_FILE,
					 "seq" };

/* The temporary name of file @i of item @seq. */
static void
tmp_name(char *buf, size_t size, size_t i, uint64_t seq)
{
	snprintf(buf, size, ".scx-tmp.%d.%llu.%s", (int)getpid(),
		 (unsigned long long)seq, kinds[i]);
}

/* Writes the four files of @res under their temporary names. */
static int
write_tmp_files(int dfd, const struct scx_result *res, struct scx_buf *scratch)
{
	char name[96], status[96], seq[24];
	struct scx_bytes b[4];
	size_t i;
	int err = 0;

	snprintf(status, sizeof(status), "exit %d signal %d timeout %d\n",
		 res->exit_status, res->term_signal,
		 (res->flags & SCX_RESULT_TIMEOUT) ? 1 : 0);
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)res->seq);
	scx_result_stdout(res, &b[0]);
	scx_result_stderr(res, &b[1]);
	b[2] = (struct scx_bytes){ status, -1, 0, strlen(status) };
	b[3] = (struct scx_bytes){ seq, -1, 0, strlen(seq) };
	for (i = 0; i < 4 && err == 0; i++) {
		tmp_name(name, sizeof(name), i, res->seq);
		err = write_file(dfd, name, &b[i], scratch);
	}
	return err;
}

/* Renames temporary file @i of @seq to @names[@i]. */
static int
rename_one(int dfd, const char *const names[4], size_t i, uint64_t seq)
{
	char name[96];

	tmp_name(name, sizeof(name), i, seq);
	return renameat(dfd, name, dfd, names[i]) != 0 ? -errno : 0;
}

/*
 * Stores @res in @dfd as the files @names (stdout, stderr, status, seq):
 * written under temporary names and synced; the file @names[@last], which
 * says the result is whole, is removed first (an earlier result loses it
 * before any of its files is replaced) and renamed last.
 */
static int
store_files(int dfd, const char *const names[4], size_t last,
	    const struct scx_result *res, struct scx_buf *scratch)
{
	char name[96];
	size_t i;
	int err;

	err = write_tmp_files(dfd, res, scratch);
	if (err == 0) {
		if (unlinkat(dfd, names[last], 0) == 0) {
			if (fsync(dfd) != 0)
				err = -errno;
		} else if (errno != ENOENT) {
			err = -errno;
		}
	}
	for (i = 0; i < 4 && err == 0; i++)
		if (i != last)
			err = rename_one(dfd, names, i, res->seq);
	if (err == 0)
		err = rename_one(dfd, names, last, res->seq);
	if (err == 0 && fsync(dfd) != 0)
		err = -errno;
	if (err != 0)
		for (i = 0; i < 4; i++) {
			tmp_name(name, sizeof(name), i, res->seq);
			unlinkat(dfd, name, 0);
		}
	return err;
}

int
scx__results_store(int root, const struct scx__fields *f,
		   const struct scx_result *res, struct scx_buf *path,
		   struct scx_buf *scratch)
{
	int dfd, err;

	err = scx__results_path(f, res->item, res->item_len, NAME_MAX, path);
	if (err != 0)
		return err;
	dfd = open_job_dir(root, path, true);
	if (dfd < 0)
		return dfd;
	/* seq says the result is whole. */
	err = store_files(dfd, dir_names, 3, res, scratch);
	close(dfd);
	return err;
}

/* --results with a replacement string: GNU's names for the job's name
 * @name.  A name ending in '/' is a directory of GNU's three files; any
 * other is the stdout file, beside NAME.err and NAME.seq (and a hidden
 * .NAME.scx-status), in its directory.  @return that directory's
 * descriptor (made when @create) and @names, *@last, or a negated errno. */
static int
named_files(const char *name, bool create, char bufs[3][NAME_MAX + 16],
	    const char *names[4], size_t *last)
{
	const char *slash = strrchr(name, '/'), *base;
	char dir[PATH_MAX];
	int err, fd;

	if (slash != NULL && slash[1] == '\0') {
		if (create && (err = scx__make_dirs(name)) != 0)
			return err;
		memcpy(names, dir_names, sizeof(dir_names));
		*last = 3;
		fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	base = slash ? slash + 1 : name;
	if (strlen(base) > NAME_MAX || (size_t)(base - name) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(base - name) : 1,
		 slash ? name : ".");
	if (create && (err = scx__make_dirs(dir)) != 0)
		return err;
	snprintf(bufs[0], NAME_MAX + 16, "%s.err", base);
	/* The hidden status file of a long name is named by its hash, so
	 * that every name GNU can store stays storable. */
	if (strlen(base) + 12 <= NAME_MAX)
		snprintf(bufs[1], NAME_MAX + 16, ".%s.scx-status", base);
	else
		snprintf(bufs[1], NAME_MAX + 16, ".scx-status-%016llx",
			 (unsigned long long)scx__hash(base, strlen(base)));
	snprintf(bufs[2], NAME_MAX + 16, "%s.seq", base);
	names[0] = base;
	names[1] = bufs[0];
	names[2] = bufs[1];
	names[3] = bufs[2];
	/* GNU parallel takes the stdout file as the sign of a result. */
	*last = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
scx__results_store_named(const char *name, const struct scx_result *res,
			 struct scx_buf *scratch)
{
	char bufs[3][NAME_MAX + 16];
	const char *names[4];
	size_t last;
	int dfd, err;

	dfd = named_files(name, true, bufs, names, &last);
	if (dfd < 0)
		return dfd;
	err = store_files(dfd, names, last, res, scratch);
	close(dfd);
	return err;
}

/* Reads the small file @name of @dfd (never through a link) into
 * @scratch, NUL-terminated.  @return 0 or a negated errno. */
static int
read_small(int dfd, const char *name, struct scx_buf *scratch)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;
	n = scx__read_once(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	scratch->len = 0;
	if (scx_buf_append(scratch, buf, (size_t)n) != 0 ||
	    scx_buf_putc(scratch, '\0') != 0)
		return -ENOMEM;
	return 0;
}

/* What @dfd holds of a result stored as @names: 0, or the SCX__DONE_*
 * bits; *@file names the file at fault on error. */
static int
state_of(int dfd, const char *const names[4], size_t last,
	 struct scx_buf *scratch, const char **file)
{
	int exitval = 0, sig = 0, err;

	*file = names[last];
	err = read_small(dfd, names[last], scratch);
	if (err == 0) {
		*file = names[2];
		err = read_small(dfd, names[2], scratch);
		if (err == 0)
			sscanf(scratch->data, "exit %d signal %d", &exitval,
			       &sig);
		else if (err == -ENOENT)
			err = 0;
	}
	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	return SCX__DONE_LOGGED | (exitval == 0 && sig == 0 ? SCX__DONE_OK : 0);
}

int
scx__results_state(int root, const struct scx__fields *f, const char *item,
		   size_t len, struct scx_buf *path, struct scx_buf *scratch)
{
	const char *file;
	int dfd, err;

	err = scx__results_path(f, item, len, NAME_MAX, path);
	if (err != 0)
		return err;
	dfd = open_job_dir(root, path, false);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	err = state_of(dfd, dir_names, 3, scratch, &file);
	close(dfd);
	if (err < 0) {
		/* Name the file at fault. */
		if ((path->len > 0 && scx_buf_putc(path, '/') != 0) ||
		    scx_buf_append(path, file, strlen(file) + 1) != 0)
			return -ENOMEM;
		path->len--;
	}
	return err;
}

int
scx__results_state_named(const char *name, struct scx_buf *scratch)
{
	char bufs[3][NAME_MAX + 16];
	const char *names[4], *file;
	size_t last;
	int dfd, err;

	dfd = named_files(name, false, bufs, names, &last);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	err = state_of(dfd, names, last, scratch, &file);
	close(dfd);
	return err;
}

/* mkdir -p @dir, as GNU parallel makes it. */
int
scx__make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* One file of all results: CSV, TSV, JSON                             */
/* ------------------------------------------------------------------ */

/* Appends @p as a CSV field, as GNU parallel quotes one: in double quotes
 * (each doubled) when it holds a quote, white space, @sep or a NUL. */
static int
put_csv(struct scx_buf *out, const char *p, size_t len, char sep)
{
	bool quote = false;
	size_t i;
	int err = 0;

	for (i = 0; i < len && !quote; i++)
		quote = strchr(" \t\n\r\f\v\"", p[i]) != NULL || p[i] == sep ||
			p[i] == '\0';
	if (!quote)
		return scx_buf_append(out, p, len);
	err = scx_buf_putc(out, '"');
	for (i = 0; i < len && err == 0; i++)
		err = p[i] == '"' ? scx_buf_append(out, "\"\"", 2)
				  : scx_buf_putc(out, p[i]);
	return err == 0 ? scx_buf_putc(out, '"') : err;
}

/* Appends @p as GNU parallel writes a JSON string's inside: \\ \" and
 * \u00XX for the control bytes; the other bytes as they are. */
static int
put_json(struct scx_buf *out, const char *p, size_t len)
{
	size_t i;
	int err = 0;

	for (i = 0; i < len && err == 0; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\\' || c == '"')
			err = scx_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			err = scx_buf_printf(out, "\\u%04x", c);
		else
			err = scx_buf_putc(out, c);
	}
	return err;
}

/* Appends a field of @kind: a CSV field (a separator before it unless
 * @first), or a JSON string's inside. */
static int
put_field(enum scx__results_kind kind, struct scx_buf *out, const char *p,
	  size_t len, bool first)
{
	char sep = kind == SCX__RESULTS_TSV ? '\t' : ',';

	if (kind == SCX__RESULTS_JSON)
		return put_json(out, p, len);
	if (!first && scx_buf_putc(out, sep) != 0)
		return -ENOMEM;
	return put_csv(out, p, len, sep);
}

/* The fields of @item, as put_field()s; JSON: "a","b". */
static int
put_args(enum scx__results_kind kind, const struct scx__fields *f,
	 const char *item, size_t len, struct scx_buf *out)
{
	const char *p = item, *q, *end = item + len;
	bool json = kind == SCX__RESULTS_JSON;
	int err = 0;

	for (bool first = true; err == 0; first = false) {
		q = f->split ? memchr(p, f->sep, (size_t)(end - p)) : NULL;
		if (json && !first)
			err = scx_buf_putc(out, ',');
		if (json && err == 0)
			err = scx_buf_putc(out, '"');
		if (err == 0)
			err = put_field(kind, out, p,
					(size_t)((q ? q : end) - p), false);
		if (json && err == 0)
			err = scx_buf_putc(out, '"');
		if (q == NULL)
			break;
		p = q + 1;
	}
	return err;
}

/* The CSV header: GNU's columns, a V column per field. */
static int
put_header(enum scx__results_kind kind, const struct scx__fields *f,
	   const char *item, size_t len, struct scx_buf *out)
{
	static const char *const cols[] = { "Seq",	  "Host",   "Starttime",
					    "JobRuntime", "Send",   "Receive",
					    "Exitval",	  "Signal", "Command" };
	size_t i, n = 1;
	char v[32];
	const char *l;
	int err = 0;

	for (i = 0; f->split && i < len; i++)
		n += item[i] == (char)f->sep;
	for (i = 0; i < SCX__ARRAY_SIZE(cols) && err == 0; i++)
		err = put_field(kind, out, cols[i], strlen(cols[i]), i == 0);
	for (i = 1; i <= n && err == 0; i++) {
		snprintf(v, sizeof(v), "V%zu", i);
		l = f->nnames > 0 ? label(f, i, v, sizeof(v)) : v;
		err = put_field(kind, out, l, strlen(l), false);
	}
	if (err == 0)
		err = put_field(kind, out, "Stdout", 6, false);
	if (err == 0)
		err = put_field(kind, out, "Stderr", 6, false);
	return err == 0 ? scx_buf_putc(out, '\n') : err;
}

/* Appends the stream @b as a field (read whole from its file). */
static int
put_stream(enum scx__results_kind kind, const struct scx_bytes *b,
	   struct scx_buf *out, struct scx_buf *scratch, struct scx_buf *tmp)
{
	uint64_t pos = 0;
	const char *p;
	size_t n;
	int err;

	tmp->len = 0;
	for (;;) {
		err = scx_bytes_read(b, pos, SCX__PIECE, scratch, &p, &n);
		if (err != 0)
			return err;
		if (n == 0)
			break;
		if (scx_buf_append(tmp, p, n) != 0)
			return -ENOMEM;
		pos += n;
	}
	return put_field(kind, out, tmp->data, tmp->len, false);
}

/* Seq to Command, GNU's way (times as the job log writes them). */
static int
put_columns(enum scx__results_kind kind, const struct scx_result *res,
	    uint64_t send, const char *cmd, size_t cmd_len, struct scx_buf *out)
{
	static const char *const keys[] = {
		"Starttime", "JobRuntime", "Send",
		"Receive",   "Exitval",	   "Signal"
	};
	const char *host = res->host ? res->host : ":";
	bool json = kind == SCX__RESULTS_JSON;
	char num[6][48];
	size_t i;
	int err;

	snprintf(num[0], sizeof(num[0]), "%lld.%03lld",
		 (long long)(res->start_us / 1000000),
		 (long long)(res->start_us % 1000000 / 1000));
	snprintf(
	    num[1], sizeof(num[1]), "%llu.%03llu",
	    (unsigned long long)(res->duration_ns / 1000000000u),
	    (unsigned long long)(res->duration_ns % 1000000000u / 1000000u));
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)send);
	snprintf(num[3], sizeof(num[3]), "%zu", res->out_len);
	snprintf(num[4], sizeof(num[4]), "%d", res->exit_status);
	snprintf(num[5], sizeof(num[5]), "%d", res->term_signal);
	err =
	    scx_buf_printf(out, json ? "{ \"Seq\": %llu, \"Host\": \"" : "%llu",
			   (unsigned long long)res->seq);
	if (err == 0)
		err = put_field(kind, out, host, strlen(host), false);
	for (i = 0; i < 6 && err == 0; i++)
		err = json
			  ? scx_buf_printf(out, "%s\"%s\": %s",
					   i == 0 ? "\", " : ", ", keys[i],
					   num[i])
			  : put_field(kind, out, num[i], strlen(num[i]), false);
	if (err == 0 && json)
		err = scx_buf_printf(out, ", \"Command\": \"");
	if (err == 0)
		err = put_field(kind, out, cmd, cmd_len, false);
	return err;
}

int
scx__results_record(enum scx__results_kind kind, const struct scx__fields *f,
		    const struct scx_result *res, uint64_t send,
		    const char *cmd, size_t cmd_len, bool header,
		    struct scx_buf *out, struct scx_buf *scratch)
{
	bool json = kind == SCX__RESULTS_JSON;
	struct scx_buf tmp = { 0 };
	struct scx_bytes b;
	int err = 0;

	if (header && !json)
		err = put_header(kind, f, res->item, res->item_len, out);
	if (err == 0)
		err = put_columns(kind, res, send, cmd, cmd_len, out);
	if (err == 0 && json)
		err = scx_buf_printf(out, "\", \"V\": [ ");
	if (err == 0)
		err = put_args(kind, f, res->item, res->item_len, out);
	if (err == 0 && json)
		err = scx_buf_printf(out, " ], \"Stdout\": \"");
	scx_result_stdout(res, &b);
	if (err == 0)
		err = put_stream(kind, &b, out, scratch, &tmp);
	if (err == 0 && json)
		err = scx_buf_printf(out, "\", \"Stderr\": \"");
	scx_result_stderr(res, &b);
	if (err == 0)
		err = put_stream(kind, &b, out, scratch, &tmp);
	if (err == 0)
		err = scx_buf_printf(out, json ? "\" }\n" : "\n");
	scx_buf_free(&tmp);
	return err;
}

/* ------------------------------------------------------------------ */
/* --files                                                             */
/* ------------------------------------------------------------------ */

int
scx__files_write(const struct scx_result *res, struct scx_buf *name,
		 struct scx_buf *scratch)
{
	static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char *dir = getenv("TMPDIR");
	unsigned char r[5];
	struct scx_bytes b;
	int fd, err, tries;
	size_t i, dlen;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/') /* TMPDIR=/x/: /x/parXXXXX */
		dlen--;
	/* GNU parallel's names: $TMPDIR/par, five random letters, .par. */
	for (tries = 0;; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -EIO;
		name->len = 0;
		if (scx_buf_printf(name, "%.*s/par", (int)dlen, dir) != 0)
			return -ENOMEM;
		for (i = 0; i < sizeof(r); i++)
			if (scx_buf_putc(name, chars[r[i] % 62]) != 0)
				return -ENOMEM;
		if (scx_buf_append(name, ".par", 5) != 0)
			return -ENOMEM;
		name->len--;
		fd = open(name->data,
			  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries == 100)
			return -errno;
	}
	scx_result_stdout(res, &b);
	if (b.mem != NULL || b.fd < 0)
		err = scx__write_full(fd, b.mem, (size_t)b.len);
	else
		err = scx_bytes_copy(&b, fd, 0, scratch);
	if (close(fd) != 0 && err == 0)
		err = -errno;
	if (err != 0)
		unlink(name->data);
	return err;
}
