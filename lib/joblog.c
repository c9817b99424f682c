/* joblog.c: GNU parallel's job log: one tab-separated line per finished
 * item, and reading one back to know which items a resumed run skips. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char scx__joblog_header[] =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
    "Command\n";

uint64_t
scx__hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Tabs and newlines would break the line into other columns: the command
 * keeps them as \t and \n (and a backslash as \\), so it reads back. */
static int
append_escaped(struct scx_buf *b, const char *s, size_t len)
{
	size_t i;
	int err = 0;

	for (i = 0; i < len && err == 0; i++) {
		if (s[i] == '\t')
			err = scx_buf_append(b, "\\t", 2);
		else if (s[i] == '\n')
			err = scx_buf_append(b, "\\n", 2);
		else if (s[i] == '\\')
			err = scx_buf_append(b, "\\\\", 2);
		else
			err = scx_buf_putc(b, s[i]);
	}
	return err;
}

int
scx__joblog_line(struct scx_buf *b, const struct scx__joblog_entry *e)
{
	char runtime[32];
	int err;

	/* JobRuntime as GNU parallel writes it: %10.3f, so padded. */
	snprintf(runtime, sizeof(runtime), "%llu.%03llu",
		 (unsigned long long)(e->runtime_ns / 1000000000u),
		 (unsigned long long)(e->runtime_ns % 1000000000u / 1000000u));
	err = scx_buf_printf(
	    b, "%llu\t%s\t%lld.%03lld\t%10s\t%llu\t%llu\t%d\t%d\t",
	    (unsigned long long)e->seq, e->host ? e->host : ":",
	    (long long)(e->start_us / 1000000),
	    (long long)(e->start_us % 1000000 / 1000), runtime,
	    (unsigned long long)e->send, (unsigned long long)e->receive,
	    e->exitval, e->signal);
	if (err == 0)
		err = append_escaped(b, e->command, e->command_len);
	if (err == 0)
		err = scx_buf_putc(b, '\n');
	return err;
}

/* Parses a decimal integer field, sign allowed. */
static bool
parse_int(const char *s, size_t len, long long *out)
{
	long long v = 0;
	size_t i = 0;
	bool neg = false;

	if (len > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > 18)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* Undoes append_escaped() into @b. */
static int
unescape(struct scx_buf *b, const char *s, size_t len)
{
	size_t i;
	int err = 0;

	b->len = 0;
	for (i = 0; i < len && err == 0; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			err = scx_buf_putc(b, s[i] == 't'   ? '\t'
					      : s[i] == 'n' ? '\n'
							    : s[i]);
		} else {
			err = scx_buf_putc(b, s[i]);
		}
	}
	return err;
}

int
scx__joblog_parse_line(const char *line, size_t len,
		       struct scx__joblog_entry *e, struct scx_buf *scratch)
{
	const char *f[9];
	size_t flen[9], n = 0, i, start = 0;
	long long seq, exitval, sig;

	for (i = 0; i <= len && n < 9; i++) {
		if (i == len || (line[i] == '\t' && n < 8)) {
			f[n] = line + start;
			flen[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	if (n != 9 || !parse_int(f[0], flen[0], &seq) || seq < 1 ||
	    !parse_int(f[6], flen[6], &exitval) ||
	    !parse_int(f[7], flen[7], &sig))
		return SCX_EJOBLOG;
	memset(e, 0, sizeof(*e));
	e->seq = (uint64_t)seq;
	e->exitval = (int)exitval;
	e->signal = (int)sig;
	if (unescape(scratch, f[8], flen[8]) != 0)
		return -ENOMEM;
	e->command = scratch->data ? scratch->data : "";
	e->command_len = scratch->len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* What a resumed run skips                                            */
/* ------------------------------------------------------------------ */

/* The index is a hash table keyed by sequence number (open addressing,
 * at most half full), so that its size follows the log's lines, however
 * large the numbers in it. */

void
scx__done_init(struct scx__done *d)
{
	memset(d, 0, sizeof(*d));
}

void
scx__done_free(struct scx__done *d)
{
	free(d->slots);
	memset(d, 0, sizeof(*d));
}

static size_t
slot_of(const struct scx__done *d, uint64_t seq)
{
	size_t i = (size_t)(seq * 0x9E3779B97F4A7C15ull) & (d->cap - 1);

	while (d->slots[i].seq != 0 && d->slots[i].seq != seq)
		i = (i + 1) & (d->cap - 1);
	return i;
}

static int
grow(struct scx__done *d)
{
	struct scx__done_slot *old = d->slots;
	size_t oldcap = d->cap, i;

	d->cap = oldcap ? oldcap * 2 : 1024;
	d->slots = calloc(d->cap, sizeof(*d->slots));
	if (d->slots == NULL) {
		d->slots = old;
		d->cap = oldcap;
		return -ENOMEM;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i].seq != 0)
			d->slots[slot_of(d, old[i].seq)] = old[i];
	free(old);
	return 0;
}

int
scx__done_mark(struct scx__done *d, uint64_t seq, bool ok, bool has_hash,
	       uint64_t hash)
{
	size_t i;

	if (seq == 0)
		return SCX_EJOBLOG;
	if ((d->n + 1) * 2 > d->cap && grow(d) != 0)
		return -ENOMEM;
	i = slot_of(d, seq);
	if (d->slots[i].seq == 0)
		d->n++;
	/* A later line for the same item (a retry, a resumed run) wins. */
	d->slots[i].seq = seq;
	d->slots[i].state =
	    (uint8_t)(SCX__DONE_LOGGED | (ok ? SCX__DONE_OK : 0) |
		      (has_hash ? SCX__DONE_HASH : 0));
	d->slots[i].hash = hash;
	return 0;
}

unsigned
scx__done_state(const struct scx__done *d, uint64_t seq, uint64_t *hash)
{
	size_t i;

	if (d->cap == 0 || seq == 0)
		return 0;
	i = slot_of(d, seq);
	if (d->slots[i].seq != seq)
		return 0;
	if (hash)
		*hash = d->slots[i].hash;
	return d->slots[i].state;
}

bool
scx__joblog_is_header(const char *line, size_t len)
{
	/* memcmp within the line: a log's text is not NUL-terminated. */
	return len >= 4 && memcmp(line, "Seq\t", 4) == 0;
}

int
scx__joblog_load(struct scx__done *d, const char *text, size_t len,
		 bool check_commands, uint64_t *lineno, size_t *consumed)
{
	struct scx__joblog_entry e;
	struct scx_buf scratch = { 0 };
	const char *p = text, *end = text + len, *nl;
	int err = 0;

	while (p < end && err == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break; /* a torn last line, or one the caller completes
				*/
		++*lineno;
		if (scx__joblog_is_header(p, (size_t)(nl - p))) {
			p = nl + 1;
			continue;
		}
		err = scx__joblog_parse_line(p, (size_t)(nl - p), &e, &scratch);
		if (err == 0)
			err = scx__done_mark(
			    d, e.seq, e.exitval == 0 && e.signal == 0,
			    check_commands,
			    scx__hash(e.command, e.command_len));
		if (err == 0)
			p = nl + 1;
	}
	*consumed = (size_t)(p - text);
	scx_buf_free(&scratch);
	return err;
}
