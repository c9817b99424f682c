/* output.c: the output formats (raw blocks, tagged lines, JSON lines) and
 * a buffered writer that never splits one item's block. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

volatile sig_atomic_t scx__interrupted;

static int write_all(int fd, struct iovec *iov, int n);

int
scx__write_all(int fd, const void *data, size_t len)
{
	struct iovec iov = { (void *)data, len };

	return len ? write_all(fd, &iov, 1) : 0;
}

/* Queued bytes are written once this many are waiting. */
#define WRITER_BATCH (64u * 1024)

void
scx__writer_init(struct scx__writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
}

void
scx__writer_free(struct scx__writer *w)
{
	scx__buf_free(&w->buf);
}

/* Advances @iov past @got written bytes.  @return how many are left. */
static int
advance(struct iovec **iovp, int n, size_t got)
{
	struct iovec *iov = *iovp;

	while (n > 0 && got >= iov->iov_len) {
		got -= iov->iov_len;
		iov++;
		n--;
	}
	if (n > 0) {
		iov->iov_base = (char *)iov->iov_base + got;
		iov->iov_len -= got;
	}
	*iovp = iov;
	return n;
}

/* Once SIGINT or SIGTERM arrived, a stopping run still writes what is
 * complete, as long as the reader takes it, but must never block for
 * good on a stdout nobody reads: it writes in pieces that do not block
 * once the descriptor is writable (PIPE_BUF bytes fit in a writable
 * pipe), and gives up after SCX__GRACE_MS without progress, or at once
 * on a second signal. */
static int
write_stopping(int fd, struct iovec *iov, int n)
{
	struct pollfd p;
	struct stat st;
	size_t piece = PIPE_BUF, len;
	ssize_t got;
	int r;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		piece = 1u << 20;
	while (n > 0) {
		if (scx__interrupted > 1)
			return -EINTR;
		if (iov->iov_len == 0) {
			iov++;
			n--;
			continue;
		}
		p.fd = fd;
		p.events = POLLOUT;
		r = poll(&p, 1, SCX__GRACE_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EINTR; /* no reader took anything */
		len = iov->iov_len < piece ? iov->iov_len : piece;
		got = write(fd, iov->iov_base, len);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		n = advance(&iov, n, (size_t)got);
	}
	return 0;
}

/* Writes all of @iov, waiting out EINTR and a non-blocking descriptor. */
static int
write_all(int fd, struct iovec *iov, int n)
{
	struct pollfd p;
	ssize_t got;

	while (n > 0) {
		if (scx__interrupted)
			return write_stopping(fd, iov, n);
		got = writev(fd, iov, n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				p.fd = fd;
				p.events = POLLOUT;
				poll(&p, 1, -1);
				continue;
			}
			return -errno;
		}
		n = advance(&iov, n, (size_t)got);
	}
	return 0;
}

int
scx__writer_put(struct scx__writer *w, const void *data, size_t len)
{
	struct iovec iov[2];
	int err;

	if (w->error != 0)
		return w->error;
	if (w->buf.len + len <= WRITER_BATCH)
		return scx__buf_append(&w->buf, data, len);
	iov[0].iov_base = w->buf.data;
	iov[0].iov_len = w->buf.len;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	if (w->before && len > 0)
		w->before(w->before_arg, ((const char *)data)[len - 1]);
	err = write_all(w->fd, w->buf.len ? iov : iov + 1, w->buf.len ? 2 : 1);
	w->buf.len = 0;
	if (err != 0)
		w->error = err;
	return err;
}

int
scx__writer_flush(struct scx__writer *w)
{
	struct iovec iov;
	int err;

	if (w->error != 0 || w->buf.len == 0)
		return w->error;
	iov.iov_base = w->buf.data;
	iov.iov_len = w->buf.len;
	if (w->before)
		w->before(w->before_arg, w->buf.data[w->buf.len - 1]);
	err = write_all(w->fd, &iov, 1);
	w->buf.len = 0;
	if (err != 0)
		w->error = err;
	return err;
}

/* Appends @data with every line prefixed by @tag and a tab. */
static int
format_tagged(struct scx__buf *b, const char *tag, size_t taglen,
	      const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (scx__buf_append(b, tag, taglen) != 0 ||
		    scx__buf_putc(b, '\t') != 0 ||
		    scx__buf_append(b, p, n) != 0)
			return -ENOMEM;
		p += n;
	}
	return 0;
}

/* Appends "name":"string", and "name_base64":"..." when it is not UTF-8. */
static int
json_field(struct scx__buf *b, const char *name, const char *s, size_t len)
{
	int valid;

	if (scx__buf_printf(b, ",\"%s\":", name) != 0)
		return -ENOMEM;
	valid = scx__json_string(b, s, len);
	if (valid < 0)
		return valid;
	if (valid)
		return 0;
	if (scx__buf_printf(b, ",\"%s_base64\":\"", name) != 0 ||
	    scx__base64(b, s, len) != 0 || scx__buf_putc(b, '"') != 0)
		return -ENOMEM;
	return 0;
}

static int
format_json(struct scx__buf *b, const struct scx_result *r)
{
	int err;

	err = scx__buf_printf(b, "{\"seq\":%llu", (unsigned long long)r->seq);
	if (err == 0)
		err = json_field(b, "item", r->item, r->item_len);
	if (err == 0)
		err = scx__buf_printf(
		    b,
		    ",\"exit\":%d,\"signal\":%d,\"timeout\":%s,"
		    "\"start\":%lld.%06lld,"
		    "\"duration\":%llu.%06llu,\"worker\":%u,\"rank\":%d",
		    r->exit_status, r->term_signal,
		    (r->flags & SCX_RESULT_TIMEOUT) ? "true" : "false",
		    (long long)(r->start_us / 1000000),
		    (long long)(r->start_us % 1000000),
		    (unsigned long long)(r->duration_ns / 1000000000u),
		    (unsigned long long)(r->duration_ns % 1000000000u / 1000u),
		    r->worker, r->rank);
	if (err == 0)
		err = json_field(b, "stdout", r->out, r->out_len);
	if (err == 0)
		err = json_field(b, "stderr", r->err, r->err_len);
	if (err == 0)
		err = scx__buf_append(b, "}\n", 2);
	return err;
}

int
scx__format_result(const struct scx_config *cfg, const struct scx_result *res,
		   struct scx__buf *out, struct scx__buf *err)
{
	int e = 0;

	if (cfg->format == SCX_FORMAT_JSONL)
		return format_json(out, res);
	if (cfg->tag) {
		e = format_tagged(out, res->item, res->item_len, res->out,
				  res->out_len);
		if (e == 0)
			e = format_tagged(err, res->item, res->item_len,
					  res->err, res->err_len);
		return e;
	}
	e = scx__buf_append(out, res->out, res->out_len);
	if (e == 0)
		e = scx__buf_append(err, res->err, res->err_len);
	return e;
}
