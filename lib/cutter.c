/* cutter.c: cuts an input into GNU parallel's blocks of records for
 * --pipe, and finds the parts of a regular file for --pipepart, as GNU
 * parallel 20221122 does (its spreadstdin and find_split_positions), so
 * that each job gets the bytes GNU's would. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BLOCK (1 << 20)
#define DEFAULT_PART  (-10) /* --pipepart: 10 parts per job slot */
#define PART_READ     (128 << 10)
#define CUT_GROW_WARNING                                \
	"A record was longer than %lld. Increasing to " \
	"--blocksize %lld."

struct scx__cutter {
	const struct scx_pipe *p;
	char delim[1];
	char *rs, *re; /* recstart, recend, their escapes undone */
	size_t rslen, relen;
	char *sep; /* recend then recstart */
	size_t seplen;
	bool rx, any_end;
	regex_t split_rx; /* (recend)(recstart) */
	regex_t start_rx; /* recstart alone */
	size_t rs_group;  /* recstart's group in split_rx */
	bool hdr_rx_set;
	regex_t hdr_rx;
	uint64_t hdr_lines;
	int64_t bs;
	uint64_t records; /* -N (times -L): records per block */

	char *hdr;
	size_t hlen;
	char *buf;
	size_t len, cap;
	bool garbage_read;
	uint64_t seq;
	unsigned file; /* --pipepart: which -a file */
	void (*warn)(void *arg, const char *msg);

	scx__cut_emit emit;
	scx__cut_wait wait;
	void *arg;
};

/* GNU's printf escapes of --recstart and --recend: \0 \r \n \t \' \"
 * and \\ (with --regexp, only \r \n \t, which a POSIX ERE does not
 * know; the rest is the expression's).  NULL without memory. */
static char *
unescape(const char *s, bool regexp, size_t *len)
{
	static const char from[] = "0rnt'\"\\", to[] = "\0\r\n\t'\"\\";
	char *out = malloc(strlen(s) + 1), *w = out;
	const char *k;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		k = s[0] == '\\' && s[1] ? strchr(from, s[1]) : NULL;
		if (k != NULL &&
		    (!regexp || (k - from >= 1 && k - from <= 3))) {
			*w++ = to[k - from];
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	*len = (size_t)(w - out);
	return out;
}

static int
compile(regex_t *rx, const char *text)
{
	return regcomp(rx, text, REG_EXTENDED | REG_NEWLINE) == 0 ? 0
								  : SCX_ECOLSEP;
}

static int
open_regexps(struct scx__cutter *c)
{
	regex_t re_alone;
	char *both;
	size_t n;
	int err;

	/* GNU: an empty --recend alone with --regexp is any one byte. */
	const char *re = c->any_end ? "(.|\n)" : c->re;
	const char *rs = c->rs;

	if (compile(&re_alone, re) != 0)
		return SCX_ECOLSEP;
	c->rs_group = re_alone.re_nsub + 2;
	regfree(&re_alone);
	n = strlen(re) + strlen(rs) + 5;
	both = malloc(n);
	if (both == NULL)
		return -ENOMEM;
	snprintf(both, n, "(%s)(%s)", re, rs);
	err = compile(&c->split_rx, both);
	free(both);
	if (err != 0)
		return err;
	if (compile(&c->start_rx, c->rslen ? rs : "()") != 0) {
		regfree(&c->split_rx);
		return SCX_ECOLSEP;
	}
	c->rx = true;
	return 0;
}

static int
open_header(struct scx__cutter *c)
{
	const char *h = c->p->header;
	uint64_t n;

	if (h == NULL)
		return 0;
	if (strcmp(h, ":") == 0)
		c->hdr_lines = 1;
	else if (scx_parse_positive(h, UINT32_MAX, &n) == 0)
		c->hdr_lines = n;
	else {
		char *rx = unescape(h, true, &(size_t){ 0 });

		if (rx == NULL)
			return -ENOMEM;
		c->hdr_rx_set = compile(&c->hdr_rx, rx) == 0;
		free(rx);
		if (!c->hdr_rx_set)
			return SCX_ECOLSEP;
	}
	return 0;
}

int
scx__cutter_open(struct scx__cutter **out, const struct scx_config *cfg)
{
	const struct scx_pipe *p = &cfg->pipe;
	struct scx__cutter *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->p = p;
	/* GNU's default --recend is a newline, -0 or not. */
	c->delim[0] = '\n';
	(void)cfg;
	/* GNU's recstartrecend(): with --recstart alone a record ends
	 * anywhere; the newline is the end only when neither is given. */
	c->rs = unescape(p->recstart ? p->recstart : "", p->regexp, &c->rslen);
	c->re = unescape(p->recend     ? p->recend
			 : p->recstart ? ""
				       : "\n",
			 p->regexp, &c->relen);
	c->any_end = p->regexp && p->recend && !p->recstart && !*p->recend;
	c->seplen = c->relen + c->rslen;
	c->sep = c->rs && c->re ? malloc(c->seplen + 1) : NULL;
	c->records = p->records * (p->lines ? p->lines : 1);
	c->bs = p->block		   ? p->block
		: p->mode == SCX_PIPE_PART ? DEFAULT_PART
					   : DEFAULT_BLOCK;
	if (p->mode == SCX_PIPE_PART && p->round_robin)
		c->bs = -1; /* GNU: one part per job slot */
	c->seq = 1;
	err = c->sep == NULL ? -ENOMEM : 0;
	if (err == 0) {
		memcpy(c->sep, c->re, c->relen);
		memcpy(c->sep + c->relen, c->rs, c->rslen);
		c->sep[c->seplen] = '\0';
	}
	if (err == 0 && p->regexp)
		err = open_regexps(c);
	if (err == 0)
		err = open_header(c);
	if (err != 0) {
		scx__cutter_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void
scx__cutter_free(struct scx__cutter *c)
{
	if (c == NULL)
		return;
	if (c->rx) {
		regfree(&c->split_rx);
		regfree(&c->start_rx);
	}
	if (c->hdr_rx_set)
		regfree(&c->hdr_rx);
	free(c->sep);
	free(c->rs);
	free(c->re);
	free(c->hdr);
	free(c->buf);
	free(c);
}

bool
scx__input_size(int fd, uint64_t *size)
{
	struct stat st;
	uint64_t n;

	*size = 0;
	if (fstat(fd, &st) != 0)
		return false;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return true;
	}
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &n) == 0) {
		*size = n; /* GNU's size_of_block_dev */
		return true;
	}
	return false;
}

bool
scx__cutter_needs_size(const struct scx__cutter *c)
{
	return c->bs < 0;
}

/* --block -N: N blocks per job slot of @size bytes, as GNU. */
void
scx__cutter_size(struct scx__cutter *c, uint64_t size, unsigned slots)
{
	uint64_t n = (uint64_t)(-c->bs), bs;

	if (c->bs >= 0)
		return;
	bs = 1 + size / (slots ? slots : 1) / n;
	c->bs = bs > (uint64_t)SCX_BLOCK_MAX ? SCX_BLOCK_MAX : (int64_t)bs;
}

/* ------------------------------------------------------------------ */
/* The buffer                                                          */
/* ------------------------------------------------------------------ */

static int
reserve(struct scx__cutter *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 4096;
	char *b;

	need++; /* room for the delimiter after a block */
	if (need <= c->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	b = realloc(c->buf, cap);
	if (b == NULL)
		return -ENOMEM;
	c->buf = b;
	c->cap = cap;
	return 0;
}

/* One read(2) of at most @max bytes onto the buffer.  @return the bytes
 * read, 0 at the end, or a negated errno; 1 << 62 when told to quit. */
#define CUT_QUIT ((ssize_t)1 << 62)
static ssize_t
read_some(struct scx__cutter *c, int fd, bool regular, size_t max)
{
	ssize_t got;

	if (reserve(c, c->len + max) != 0)
		return -ENOMEM;
	for (;;) {
		if (!regular && !c->wait(c->arg, fd))
			return CUT_QUIT;
		got = read(fd, c->buf + c->len, max);
		if (got >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	c->len += (size_t)got;
	return got;
}

/* Makes a job of the header and the buffer's first @end bytes, and takes
 * them off the buffer.  @return 0, 1 on quit, or an error. */
static int
write_record(struct scx__cutter *c, size_t end, bool *written)
{
	struct scx__block *b;
	size_t n = c->hlen + end;
	char *data, *rest;

	if (end == 0)
		return 0;
	*written = true;
	if (c->hlen == 0) {
		/* The buffer becomes the block; what follows moves to a new
		 * one, as long as the next block needs (reserve() grows it). */
		size_t cap = c->bs > 0 ? (size_t)c->bs + 1 : c->cap;

		if (cap < c->len - end + 1)
			cap = c->len - end + 1;
		rest = malloc(cap);
		if (rest == NULL)
			return -ENOMEM;
		memcpy(rest, c->buf + end, c->len - end);
		data = c->buf;
		c->buf = rest;
		c->cap = cap;
	} else {
		data = malloc(n + 1);
		if (data == NULL)
			return -ENOMEM;
		memcpy(data, c->hdr, c->hlen);
		memcpy(data + c->hlen, c->buf, end);
		memmove(c->buf, c->buf + end, c->len - end);
	}
	c->len -= end;
	data[n] = c->delim[0];
	b = scx__block_one(data, n, c->seq++);
	if (b == NULL) {
		free(data);
		return -ENOMEM;
	}
	return c->emit(c->arg, b);
}

/* ------------------------------------------------------------------ */
/* Where records end                                                   */
/* ------------------------------------------------------------------ */

/* The first split (recend then recstart; the position between them) whose
 * recend begins at or after @from, by regular expression; -1: none.
 * *@at is where the match began. */
static ssize_t
rx_next(struct scx__cutter *c, const char *buf, size_t from, size_t len,
	size_t *at)
{
	regmatch_t m[64];
	int flags = REG_STARTEND;

	if (c->rs_group >= 64 || from > len)
		return -1;
	if (from > 0 && buf[from - 1] != '\n')
		flags |= REG_NOTBOL;
	m[0].rm_so = (regoff_t)from;
	m[0].rm_eo = (regoff_t)len;
	if (regexec(&c->split_rx, buf, c->rs_group + 1, m, flags) != 0)
		return -1;
	*at = (size_t)m[0].rm_so;
	return (ssize_t)m[c->rs_group].rm_so;
}

/* The first fixed split at or after @from; -1: none. */
static ssize_t
fixed_next(const struct scx__cutter *c, const char *buf, size_t from,
	   size_t len)
{
	const char *hit;

	if (from > len)
		return -1;
	if (c->seplen == 1)
		hit = memchr(buf + from, c->sep[0], len - from);
	else
		hit = memmem(buf + from, len - from, c->sep, c->seplen);
	return hit ? (ssize_t)(hit - buf) : -1;
}

/* GNU's pass(): the last recend+recstart in the buffer. */
static ssize_t
last_split(struct scx__cutter *c)
{
	ssize_t i, last = -1;
	size_t at, from = 0;

	if (c->rx) {
		while ((i = rx_next(c, c->buf, from, c->len, &at)) >= 0) {
			last = i;
			from = at + 1;
		}
		return last;
	}
	if (c->seplen == 0)
		return (ssize_t)c->len;
	if (c->seplen == 1) {
		const char *hit = memrchr(c->buf, c->sep[0], c->len);
		return hit ? (ssize_t)(hit - c->buf) + (ssize_t)c->relen : -1;
	}
	while ((i = fixed_next(c, c->buf, from, c->len)) >= 0) {
		last = i;
		from = (size_t)i + 1;
	}
	return last < 0 ? -1 : last + (ssize_t)c->relen;
}

/* GNU's nindex(): the @n-th recend+recstart, searched from offset 1 on,
 * then the split after its recend; -1: fewer. */
static ssize_t
nth_split(const struct scx__cutter *c, uint64_t n)
{
	ssize_t i = 0;
	uint64_t k;

	for (k = 0; k < n; k++) {
		i = fixed_next(c, c->buf, (size_t)i + 1, c->len);
		if (i < 0)
			return -1;
	}
	return i + (ssize_t)c->relen;
}

static int
pass_n(struct scx__cutter *c, bool *written)
{
	ssize_t i;
	int err = 0;

	while (err == 0 && c->len > 0 && (i = nth_split(c, c->records)) >= 0)
		err = write_record(c, (size_t)i, written);
	return err;
}

/* GNU's pass_n_regexps(): text before the first recstart is a record of
 * its own; then blocks of N records, each ending where recend meets the
 * next recstart. */
static int
pass_n_regexps(struct scx__cutter *c, bool *written)
{
	regmatch_t m[1];
	ssize_t q;
	size_t at, pos;
	uint64_t k;
	int err = 0;

	if (!c->garbage_read) {
		c->garbage_read = true;
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)c->len;
		if (regexec(&c->start_rx, c->buf, 1, m, REG_STARTEND) != 0 ||
		    m[0].rm_so != 0) {
			q = rx_next(c, c->buf, 0, c->len, &at);
			if (q > 0)
				err = write_record(c, (size_t)q, written);
		}
	}
	while (err == 0) {
		pos = 0;
		for (k = 0; k < c->records; k++) {
			q = rx_next(c, c->buf, pos + (c->rslen > 0), c->len,
				    &at);
			if (q <= 0)
				return 0;
			pos = (size_t)q;
		}
		err = write_record(c, pos, written);
	}
	return err;
}

/* GNU's pass_n_line_records(): the most whole -L groups of lines. */
static int
pass_lines(struct scx__cutter *c, bool *written)
{
	uint64_t lines = 0, keep;
	const char *p = c->buf, *end = c->buf + c->len;
	size_t cut = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	keep = lines - lines % c->p->lines;
	for (p = c->buf; keep > 0; keep--) {
		p = memchr(p, '\n', (size_t)(end - p)) + 1;
		cut = (size_t)(p - c->buf);
	}
	return write_record(c, cut, written);
}

static int
pass(struct scx__cutter *c, bool eof, bool *written)
{
	ssize_t i;

	if (c->p->lines && !c->p->records)
		return pass_lines(c, written);
	if (c->records)
		return c->rx ? pass_n_regexps(c, written) : pass_n(c, written);
	if (eof)
		return 0;
	i = last_split(c);
	return i > 0 ? write_record(c, (size_t)i, written) : 0;
}

/* ------------------------------------------------------------------ */
/* The header                                                          */
/* ------------------------------------------------------------------ */

/* How long the header at the buffer's start is; 0: not all there. */
static size_t
header_end(struct scx__cutter *c)
{
	regmatch_t m[1];
	const char *p = c->buf, *end = c->buf + c->len;
	uint64_t k;

	if (c->hdr_rx_set) {
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)c->len;
		if (regexec(&c->hdr_rx, c->buf, 1, m, REG_STARTEND) != 0 ||
		    m[0].rm_so != 0)
			return 0;
		return (size_t)m[0].rm_eo;
	}
	for (k = 0; k < c->hdr_lines; k++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (p == NULL)
			return 0;
		p++;
	}
	return (size_t)(p - c->buf);
}

static int
keep_header(struct scx__cutter *c, size_t n)
{
	c->hdr = malloc(n + 1);
	if (c->hdr == NULL)
		return -ENOMEM;
	memcpy(c->hdr, c->buf, n);
	c->hlen = n;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	return 0;
}

/* GNU's find_header(): reads a block at a time until the header is
 * whole.  @return 0, 1 on quit, or an error. */
static int
read_header(struct scx__cutter *c, int fd, bool regular)
{
	ssize_t got;
	size_t n;

	if (c->p->header == NULL)
		return 0;
	for (;;) {
		got = read_some(c, fd, regular, (size_t)c->bs);
		if (got == CUT_QUIT)
			return 1;
		if (got < 0)
			return (int)got;
		if (got == 0)
			return 0;
		n = header_end(c);
		if (n > 0)
			return keep_header(c, n);
	}
}

/* ------------------------------------------------------------------ */
/* --pipe                                                              */
/* ------------------------------------------------------------------ */

/* GNU's read_block(): up to the next multiple of the block size.
 * @return 0, 1 at the end, 2 on quit, or an error. */
static int
read_block(struct scx__cutter *c, int fd, bool regular)
{
	size_t want = (size_t)c->bs - c->len % (size_t)c->bs;
	ssize_t got;

	while (want > 0) {
		got = read_some(c, fd, regular, want);
		if (got == CUT_QUIT)
			return 2;
		if (got < 0)
			return (int)got;
		if (got == 0)
			return 1;
		want -= (size_t)got;
	}
	return 0;
}

static void
grow_block(struct scx__cutter *c)
{
	double next = ceil((double)c->bs * 1.3 + 1);
	char msg[160];

	if (c->bs >= SCX_BLOCK_MAX)
		return;
	next = next > (double)SCX_BLOCK_MAX ? (double)SCX_BLOCK_MAX : next;
	snprintf(msg, sizeof(msg), CUT_GROW_WARNING, (long long)c->bs,
		 (long long)next);
	if (c->warn)
		c->warn(c->arg, msg);
	c->bs = (int64_t)next;
}

int
scx__cutter_stream(struct scx__cutter *c, int fd, bool regular,
		   const struct scx__cut_calls *calls, void *arg)
{
	bool written;
	int err, end;

	c->emit = calls->emit;
	c->wait = calls->wait;
	c->warn = calls->warn;
	c->arg = arg;
	err = read_header(c, fd, regular);
	for (end = 0; err == 0 && end == 0;) {
		written = false;
		end = read_block(c, fd, regular);
		if (end < 0 || end == 2)
			return end < 0 ? end : 1;
		err = pass(c, end == 1, &written);
		if (err == 0 && end == 0 && !written)
			grow_block(c);
	}
	if (err == 0)
		err = write_record(c, c->len, &written);
	return err;
}

/* ------------------------------------------------------------------ */
/* --pipepart                                                          */
/* ------------------------------------------------------------------ */

/* Makes the job of the part [@from, @to) of the file. */
static int
emit_part(struct scx__cutter *c, uint64_t from, uint64_t to)
{
	struct scx__block *b;
	char text[80];
	int n;

	n = snprintf(text, sizeof(text), "%u %zu %llu %llu", c->file, c->hlen,
		     (unsigned long long)from, (unsigned long long)(to - from));
	b = scx__block_copy(text, (size_t)n, c->delim[0], c->seq++);
	return b != NULL ? c->emit(c->arg, b) : -ENOMEM;
}

/* The first split at or after @pos in the file (GNU reads 128 KiB at a
 * time; by regular expression, the last split of what it has read).
 * @return 0 and *@split, 1 when there is none, or an error. */
static int
part_split(struct scx__cutter *c, int fd, uint64_t pos, uint64_t *split)
{
	ssize_t got, i;
	size_t from;

	c->len = 0;
	for (;;) {
		if (reserve(c, c->len + PART_READ) != 0)
			return -ENOMEM;
		got = pread(fd, c->buf + c->len, PART_READ,
			    (off_t)(pos + c->len));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 1;
		c->len += (size_t)got;
		if (c->rx) {
			i = last_split(c);
		} else {
			from = c->len - (size_t)got;
			from = from >= c->seplen ? from - c->seplen + 1 : 0;
			i = fixed_next(c, c->buf, from, c->len);
			i = i < 0 ? -1 : i + (ssize_t)c->relen;
		}
		if (i >= 0) {
			*split = pos + (uint64_t)i;
			return 0;
		}
	}
}

int
scx__cutter_part(struct scx__cutter *c, int fd, unsigned file, unsigned slots,
		 scx__cut_emit emit, void *arg)
{
	uint64_t size, pos, prev, split = 0;
	int err;

	c->emit = emit;
	c->arg = arg;
	c->file = file;
	free(c->hdr); /* each file has its own header (GNU) */
	c->hdr = NULL;
	c->hlen = c->len = 0;
	if (!scx__input_size(fd, &size))
		return SCX_ESEEKABLE;
	scx__cutter_size(c, size, slots); /* the caller's sum, if set */
	err = read_header(c, fd, true);
	if (err != 0)
		return err;
	prev = c->hlen;
	for (pos = (uint64_t)c->bs + c->hlen; pos < size;
	     pos += (uint64_t)c->bs) {
		if (c->seplen > 0 || c->rx) {
			err = part_split(c, fd, pos, &split);
			if (err == 1)
				break;
			if (err != 0)
				return err;
			pos = split;
		}
		if (pos > prev) {
			err = emit_part(c, prev, pos);
			if (err != 0)
				return err;
			prev = pos;
		}
	}
	return prev < size ? emit_part(c, prev, size) : 0;
}

int
scx__part_parse(const char *data, size_t len, uint64_t *file, uint64_t *hlen,
		uint64_t *off, uint64_t *n)
{
	char text[100];
	unsigned long long f, a, b, c;
	int used = 0;

	if (len >= sizeof(text))
		return SCX_EWORD;
	memcpy(text, data, len);
	text[len] = '\0';
	if (sscanf(text, "%llu %llu %llu %llu%n", &f, &a, &b, &c, &used) != 4 ||
	    (size_t)used != len)
		return SCX_EWORD;
	*file = f;
	*hlen = a;
	*off = b;
	*n = c;
	return 0;
}
