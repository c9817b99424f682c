/* output.c: the output formats (raw blocks, tagged lines, JSON lines) and
 * a buffered writer that never splits one item's block. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

volatile sig_atomic_t scx__interrupted;
volatile sig_atomic_t scx__interrupt_signal;

static int write_all(int fd, struct iovec *iov, int n);

int
scx__write_all(int fd, const void *data, size_t len)
{
	struct iovec iov = { (void *)data, len };

	return len ? write_all(fd, &iov, 1) : 0;
}

/* A write to a stdout nobody reads blocks, and libuv's handlers restart
 * it (SA_RESTART): SIGINT or SIGTERM would wait for the reader.  This
 * handler, chained before libuv's, notes the signal and is installed
 * without SA_RESTART, so the write returns EINTR and the writer gives up
 * (scx__interrupted) while libuv still hears of the signal. */
static struct sigaction uv_handlers[65];

static void
interrupt_handler(int sig, siginfo_t *info, void *ctx)
{
	const struct sigaction *uv = &uv_handlers[sig];

	/* Counted: a second signal gives up a stopping write at once. */
	if (scx__interrupted < 100)
		scx__interrupted++;
	scx__interrupt_signal = sig;
	if (uv->sa_flags & SA_SIGINFO)
		uv->sa_sigaction(sig, info, ctx);
	else if (uv->sa_handler != SIG_DFL && uv->sa_handler != SIG_IGN)
		uv->sa_handler(sig);
}

void
scx__interrupt_writes_on(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &uv_handlers[sig]) != 0 ||
	    (uv_handlers[sig].sa_flags & SA_SIGINFO
		 ? uv_handlers[sig].sa_sigaction == interrupt_handler
		 : 0))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = interrupt_handler;
	sa.sa_flags = SA_SIGINFO;
	sa.sa_mask = uv_handlers[sig].sa_mask;
	sigaction(sig, &sa, NULL);
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
	scx_buf_free(&w->buf);
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
		return scx_buf_append(&w->buf, data, len);
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

/* Appends a tag (made by tag.c) and the tab after it. */
static int
put_tag(struct scx_buf *b, const char *tag, size_t taglen)
{
	if (scx_buf_append(b, tag, taglen) != 0 || scx_buf_putc(b, '\t') != 0)
		return -ENOMEM;
	return 0;
}

/* Appends @data with every line prefixed by @tag and a tab; *@at_start
 * says whether @data begins a line (pieces of one stream follow each
 * other). */
static int
format_tagged(struct scx_buf *b, const char *tag, size_t taglen,
	      const char *data, size_t len, bool *at_start)
{
	const char *p = data, *end = data + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (*at_start && put_tag(b, tag, taglen) != 0)
			return -ENOMEM;
		if (scx_buf_append(b, p, n) != 0)
			return -ENOMEM;
		*at_start = nl != NULL;
		p += n;
	}
	return 0;
}

/* The longest start of @p (@n bytes, more to follow) that does not end
 * inside a UTF-8 sequence, so that pieces are escaped as the whole
 * would be. */
static size_t
utf8_cut(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i, need;

	for (i = n; i > 0 && n - i < 4; i--) {
		if ((s[i - 1] & 0xC0) == 0x80)
			continue; /* a continuation byte: look further back */
		if (s[i - 1] < 0xC0)
			return n; /* ASCII ends the look */
		need = s[i - 1] >= 0xF0 ? 4 : s[i - 1] >= 0xE0 ? 3 : 2;
		return n - (i - 1) < need ? i - 1 : n;
	}
	return n;
}

/* Passes @b to @s piece by piece, each made by @fn(@arg, buf, piece,
 * len) into s->fmt.  @utf8: pieces do not split UTF-8 sequences.
 * @return 0 or an error. */
static int
each_piece(struct scx__sink *s, const struct scx_bytes *b, bool utf8,
	   int (*fn)(void *arg, struct scx_buf *out, const char *p, size_t n,
		     bool last),
	   void *arg)
{
	uint64_t pos = 0;
	const char *p;
	size_t n, k;
	bool last;
	int err;

	do {
		err = scx_bytes_read(b, pos, SCX__PIECE, s->io, &p, &n);
		if (err != 0)
			return err;
		last = pos + n >= b->len;
		k = utf8 && !last ? utf8_cut(p, n) : n;
		if (k == 0)
			k = n;
		s->fmt->len = 0;
		err = fn(arg, s->fmt, p, k, last && k == n);
		if (err == 0 && s->fmt->len > 0)
			err = s->put(s->arg, s->fmt->data, s->fmt->len);
		if (err != 0)
			return err;
		pos += k;
	} while (pos < b->len);
	return 0;
}

struct tagging {
	const char *tag;
	size_t taglen;
	bool at_start;
};

static int
tag_piece(void *arg, struct scx_buf *out, const char *p, size_t n, bool last)
{
	struct tagging *t = arg;

	(void)last;
	return format_tagged(out, t->tag, t->taglen, p, n, &t->at_start);
}

int
scx__put_stream(struct scx__sink *s, const struct scx_bytes *b, const char *tag,
		size_t taglen)
{
	struct tagging t = { tag, taglen, true };
	const char *p;
	uint64_t pos;
	size_t n;
	int err;

	if (b->len == 0)
		return 0;
	if (tag != NULL)
		return each_piece(s, b, false, tag_piece, &t);
	if (b->mem != NULL || b->fd < 0)
		return s->put(s->arg, b->mem, (size_t)b->len);
	for (pos = 0; pos < b->len; pos += n) {
		err = scx_bytes_read(b, pos, SCX__PIECE, s->io, &p, &n);
		if (err == 0)
			err = s->put(s->arg, p, n);
		if (err != 0)
			return err;
	}
	return 0;
}

/* One JSON string, piece by piece: the pieces' validity is ANDed. */
struct jstring {
	bool valid;
	bool first;
};

static int
json_piece(void *arg, struct scx_buf *out, const char *p, size_t n, bool last)
{
	struct jstring *j = arg;
	int v;

	v = scx__json_chars(out, p, n, j->first, last);
	j->first = false;
	if (v < 0)
		return v;
	if (v == 0)
		j->valid = false;
	return 0;
}

struct b64 {
	bool first;
};

static int
b64_piece(void *arg, struct scx_buf *out, const char *p, size_t n, bool last)
{
	struct b64 *b = arg;
	int err = 0;

	if (b->first)
		err = scx_buf_putc(out, '"');
	b->first = false;
	if (err == 0)
		err = scx__base64(out, p, n);
	if (err == 0 && last)
		err = scx_buf_putc(out, '"');
	return err;
}

/* Writes "name":"string", and "name_base64":"..." when it is not UTF-8,
 * for bytes that may be in a file. */
static int
json_field_stream(struct scx__sink *s, const char *name,
		  const struct scx_bytes *b)
{
	struct jstring j = { true, true };
	struct b64 b64 = { true };
	int err;

	s->fmt->len = 0;
	if (scx_buf_printf(s->fmt, ",\"%s\":", name) != 0)
		return -ENOMEM;
	if (b->len == 0 && scx_buf_append(s->fmt, "\"\"", 2) != 0)
		return -ENOMEM;
	err = s->put(s->arg, s->fmt->data, s->fmt->len);
	if (err != 0 || b->len == 0)
		return err;
	err = each_piece(s, b, true, json_piece, &j);
	if (err != 0 || j.valid)
		return err;
	s->fmt->len = 0;
	if (scx_buf_printf(s->fmt, ",\"%s_base64\":", name) != 0)
		return -ENOMEM;
	err = s->put(s->arg, s->fmt->data, s->fmt->len);
	if (err == 0)
		err = each_piece(s, b, false, b64_piece, &b64);
	return err;
}

/* Appends "name":"string", and "name_base64":"..." when it is not UTF-8. */
static int
json_field(struct scx_buf *b, const char *name, const char *s, size_t len)
{
	int valid;

	if (scx_buf_printf(b, ",\"%s\":", name) != 0)
		return -ENOMEM;
	valid = scx__json_string(b, s, len);
	if (valid < 0)
		return valid;
	if (valid)
		return 0;
	if (scx_buf_printf(b, ",\"%s_base64\":\"", name) != 0 ||
	    scx__base64(b, s, len) != 0 || scx_buf_putc(b, '"') != 0)
		return -ENOMEM;
	return 0;
}

/* The fields of a JSON result before its stdout; "tag" with --tag or
 * --tagstring. */
static int
json_head(struct scx_buf *b, const struct scx_result *r, const char *tag,
	  size_t taglen)
{
	int err;

	err = scx_buf_printf(b, "{\"seq\":%llu", (unsigned long long)r->seq);
	if (err == 0)
		err = json_field(b, "item", r->item, r->item_len);
	if (err == 0 && tag != NULL)
		err = json_field(b, "tag", tag, taglen);
	if (err == 0)
		err = scx_buf_printf(
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
	return err;
}

static int
format_json(struct scx_buf *b, const struct scx_result *r, const char *tag,
	    size_t taglen)
{
	int err;

	err = json_head(b, r, tag, taglen);
	if (err == 0)
		err = json_field(b, "stdout", r->out, r->out_len);
	if (err == 0)
		err = json_field(b, "stderr", r->err, r->err_len);
	if (err == 0)
		err = scx_buf_append(b, "}\n", 2);
	return err;
}

int
scx__put_json(struct scx__sink *s, const struct scx_result *r, const char *tag,
	      size_t taglen)
{
	struct scx_bytes out, err;
	int e;

	scx_result_stdout(r, &out);
	scx_result_stderr(r, &err);
	s->fmt->len = 0;
	e = json_head(s->fmt, r, tag, taglen);
	if (e == 0)
		e = s->put(s->arg, s->fmt->data, s->fmt->len);
	if (e == 0)
		e = json_field_stream(s, "stdout", &out);
	if (e == 0)
		e = json_field_stream(s, "stderr", &err);
	if (e == 0)
		e = s->put(s->arg, "}\n", 2);
	return e;
}

bool
scx__result_in_file(const struct scx_result *r)
{
	return (r->flags & (SCX_RESULT_OUT_FILE | SCX_RESULT_ERR_FILE)) != 0;
}

int
scx__format_lines(struct scx_buf *b, const char *tag, size_t taglen,
		  const char *data, size_t len)
{
	bool at_start = true;

	if (tag == NULL)
		return scx_buf_append(b, data, len);
	return format_tagged(b, tag, taglen, data, len, &at_start);
}

int
scx__format_result(const struct scx_config *cfg, const struct scx_result *res,
		   const char *tag, size_t taglen, struct scx_buf *out,
		   struct scx_buf *err)
{
	bool at_start = true;
	int e = 0;

	if (cfg->format == SCX_FORMAT_JSONL)
		return format_json(out, res, tag, taglen);
	if (tag != NULL) {
		e = format_tagged(out, tag, taglen, res->out, res->out_len,
				  &at_start);
		at_start = true;
		if (e == 0)
			e = format_tagged(err, tag, taglen, res->err,
					  res->err_len, &at_start);
		return e;
	}
	e = scx_buf_append(out, res->out, res->out_len);
	if (e == 0)
		e = scx_buf_append(err, res->err, res->err_len);
	return e;
}
