/* config.c: defaults, the value parsers the command line uses, and the
 * worker-count, chunk-size and --halt rules of the API. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void
scx_config_init(struct scx_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->delimiter = '\n';
	cfg->if_serial = SCX_IF_SERIAL_RAISE;
	cfg->order = SCX_ORDER_INPUT;
	cfg->format = SCX_FORMAT_RAW;
	cfg->out_fd = 1;
	cfg->err_fd = 2;
}

/* Parses the @len decimal digits at @s (no sign, no space) into @out:
 * SCX_ENUMBER when they are not all digits, -ERANGE when above @max. */
static int
parse_digits(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return SCX_ENUMBER;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return SCX_ENUMBER;
	for (i = 0; i < len; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* As scx_parse_positive(), for the @len bytes at @s. */
static int
parse_positive(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int err;

	err = parse_digits(s, len, max, &v);
	if (err != 0)
		return err;
	if (v == 0)
		return SCX_ENUMBER;
	*out = v;
	return 0;
}

int
scx_parse_positive(const char *s, uint64_t max, uint64_t *out)
{
	return parse_positive(s, strlen(s), max, out);
}

int
scx_parse_workers(const char *s, struct scx_workers *out)
{
	enum scx_workers_kind kind = SCX_WORKERS_ABSOLUTE;
	size_t len = strlen(s);
	uint64_t v;
	int err;

	if (len == 0)
		return SCX_EWORKERS;
	if (s[0] == '+' || s[0] == '-') {
		kind = s[0] == '+' ? SCX_WORKERS_PLUS : SCX_WORKERS_MINUS;
		s++;
		len--;
	} else if (s[len - 1] == '%') {
		kind = SCX_WORKERS_PERCENT;
		len--;
	}
	err = parse_digits(s, len, SCX_WORKERS_MAX, &v);
	if (err != 0)
		return err == -ERANGE ? -ERANGE : SCX_EWORKERS;
	if (v == 0 && kind == SCX_WORKERS_PERCENT)
		return SCX_EWORKERS;
	if (v == 0 && kind == SCX_WORKERS_ABSOLUTE)
		kind = SCX_WORKERS_ALL;
	out->kind = kind;
	out->value = (unsigned)v;
	out->file = NULL;
	return 0;
}

int
scx_parse_delimiter(const char *s, int *out)
{
	static const char simple[] = "n\nt\tr\r0\0\\\\";
	const char *p;
	uint64_t v = 0;
	int i;

	if (s[0] != '\0' && s[1] == '\0') {
		*out = (unsigned char)s[0];
		return 0;
	}
	if (s[0] != '\\' || s[1] == '\0')
		return SCX_EDELIM;
	if (s[2] == '\0') {
		for (p = simple; p < simple + sizeof(simple) - 1; p += 2)
			if (p[0] == s[1]) {
				*out = (unsigned char)p[1];
				return 0;
			}
		return SCX_EDELIM;
	}
	if (s[1] != 'x' || s[2] == '\0' || s[3] == '\0' || s[4] != '\0')
		return SCX_EDELIM;
	for (i = 2; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint64_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint64_t)(c - 'A' + 10);
		else
			return SCX_EDELIM;
	}
	*out = (int)v;
	return 0;
}

int
scx_parse_format(const char *s, enum scx_format *out)
{
	if (strcmp(s, "raw") == 0)
		*out = SCX_FORMAT_RAW;
	else if (strcmp(s, "jsonl") == 0)
		*out = SCX_FORMAT_JSONL;
	else
		return SCX_EWORD;
	return 0;
}

/* GNU parallel's older --halt forms (0, 1, 2, -1, -2 and N%) in the
 * words of the newer: @s itself, a constant, or @buf. */
static const char *
halt_legacy(const char *s, char *buf, size_t size)
{
	static const char *const legacy[][2] = {
		{ "0", "never" },	   { "1", "soon,fail=1" },
		{ "2", "now,fail=1" },	   { "-1", "soon,success=1" },
		{ "-2", "now,success=1" },
	};
	size_t i, n = strlen(s);

	for (i = 0; i < SCX__ARRAY_SIZE(legacy); i++)
		if (strcmp(s, legacy[i][0]) == 0)
			return legacy[i][1];
	if (n > 1 && n + 11 < size && s[n - 1] == '%' &&
	    strspn(s, "0123456789") == n - 1) {
		snprintf(buf, size, "soon,fail=%s", s);
		return buf;
	}
	return s;
}

int
scx_parse_halt(const char *s, struct scx_halt *out)
{
	static const char *const whats[] = { "fail=", "success=", "done=" };
	struct scx_halt h = { SCX_HALT_NOW, SCX_HALT_FAIL, 0, 0 };
	const char *p;
	size_t i, n;
	uint64_t v = 0;
	char pct[32];
	int err;

	s = halt_legacy(s, pct, sizeof(pct));
	if (strcmp(s, "never") == 0) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (strncmp(s, "now,", 4) == 0) {
		p = s + 4;
	} else if (strncmp(s, "soon,", 5) == 0) {
		h.when = SCX_HALT_SOON;
		p = s + 5;
	} else {
		return SCX_EWORD;
	}
	for (i = 0; i < SCX__ARRAY_SIZE(whats); i++)
		if (strncmp(p, whats[i], strlen(whats[i])) == 0)
			break;
	if (i == SCX__ARRAY_SIZE(whats))
		return SCX_EWORD;
	h.what = (enum scx_halt_what)i;
	p += strlen(whats[i]);
	n = strlen(p);
	if (n > 0 && p[n - 1] == '%') {
		err = parse_positive(p, n - 1, 100, &v);
		h.percent = (unsigned)v;
	} else {
		err = parse_positive(p, n, UINT64_MAX, &v);
		h.count = v;
	}
	if (err != 0)
		return err == -ERANGE ? -ERANGE : SCX_EWORD;
	*out = h;
	return 0;
}

bool
scx__halt_reached(const struct scx_halt *h, const struct scx_summary *sum,
		  int64_t count)
{
	uint64_t n, total;

	if (h->when == SCX_HALT_NEVER)
		return false;
	n = h->what == SCX_HALT_FAIL	  ? sum->failed
	    : h->what == SCX_HALT_SUCCESS ? sum->items - sum->failed
					  : sum->items;
	if (h->count)
		return n >= h->count;
	/* Of all the items when their number is known, else of those done
	 * so far. */
	total = count >= 0 ? (uint64_t)count : sum->items;
	return n > 0 && n * 100 >= (uint64_t)h->percent * total;
}

int
scx_parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;
	int err;

	if (n > 0)
		switch (s[n - 1]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			break;
		}
	err = parse_positive(s, shift ? n - 1 : n, UINT64_MAX >> shift, &v);
	if (err != 0)
		return err;
	*out = v << shift;
	return 0;
}

/* The decimal digits of a mantissa ("12.5" is 1, 2, 5), skipping its
 * point. */
struct mantissa {
	const char *s;	 /* first digit (or the point) */
	size_t n;	 /* digits */
	const char *dot; /* the point, or NULL */
};

static char
mantissa_digit(const struct mantissa *m, size_t k)
{
	const char *p = m->s + k;

	if (m->dot != NULL && p >= m->dot)
		p++;
	return *p;
}

int
scx_parse_thousandths(const char *s, uint64_t max, uint64_t *out)
{
	struct mantissa m = { s, 0, NULL };
	const char *p = s;
	size_t ints, lead = 0, k;
	long long exp = 0, point;
	uint64_t v = 0;
	bool rest = false, neg = false;

	/* Digits, a point with digits on at least one side, and an optional
	 * exponent: nothing else (no sign, space, hex, inf or nan). */
	while (*p >= '0' && *p <= '9')
		p++;
	ints = (size_t)(p - s);
	if (*p == '.') {
		m.dot = p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	m.n = (size_t)(p - s) - (m.dot ? 1 : 0);
	if (m.n == 0)
		return SCX_ENUMBER;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			neg = *p++ == '-';
		if (*p < '0' || *p > '9')
			return SCX_ENUMBER;
		for (; *p >= '0' && *p <= '9'; p++)
			if (exp < 1000000000)
				exp = exp * 10 + (*p - '0');
		if (neg)
			exp = -exp;
	}
	if (*p != '\0')
		return SCX_ENUMBER;

	/* The value in thousandths is the digits before position @point of
	 * the mantissa's digits (leading zeros dropped), rounded by the one
	 * at @point. */
	while (lead < m.n && mantissa_digit(&m, lead) == '0')
		lead++;
	if (lead == m.n)
		return SCX_ENUMBER; /* zero */
	point = (long long)ints + exp + 3 - (long long)lead;
	if (point <= 0)
		return SCX_ETOOSMALL;
	if (point > 20)
		return -ERANGE;
	for (k = 0; k < (size_t)point; k++) {
		char c = lead + k < m.n ? mantissa_digit(&m, lead + k) : '0';

		if (v > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(c - '0');
	}
	for (k = lead + (size_t)point; k < m.n && !rest; k++)
		rest = mantissa_digit(&m, k) != '0';
	if (v > max || (v == max && rest))
		return -ERANGE;
	k = lead + (size_t)point;
	if (k < m.n && mantissa_digit(&m, k) >= '5')
		v++;
	*out = v;
	return 0;
}

/* The seconds of GNU parallel's time units, or 0. */
static uint64_t
unit_seconds(char c)
{
	switch (c) {
	case 's':
	case 'S':
		return 1;
	case 'm':
	case 'M':
		return 60;
	case 'h':
	case 'H':
		return 3600;
	case 'd':
	case 'D':
		return 86400;
	default:
		return 0;
	}
}

/* A duration with GNU parallel's units ("1h2m", "0.1s", "2d"): numbers
 * each followed by s, m, h or d, a last one bare (seconds), as GNU's
 * arithmetic reads "1m30". */
static int
parse_units(const char *s, uint64_t max, uint64_t *ms)
{
	uint64_t total = 0, v, unit;
	char num[64];
	size_t n;
	int err;

	while (*s != '\0') {
		n = strspn(s, "0123456789.");
		unit = unit_seconds(s[n]);
		if (n == 0 || n >= sizeof(num) || (s[n] != '\0' && unit == 0))
			return SCX_ENUMBER;
		memcpy(num, s, n);
		num[n] = '\0';
		v = 0;
		err = strspn(num, "0.") == n && strchr(num, '0')
			  ? 0
			  : scx_parse_thousandths(num, max, &v);
		if (err != 0)
			return err;
		if (unit == 0)
			unit = 1;
		if (v > (max - total) / unit)
			return -ERANGE;
		total += v * unit;
		s += n + (s[n] != '\0');
	}
	if (total == 0)
		return SCX_ENUMBER;
	*ms = total;
	return 0;
}

int
scx_parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t max = (uint64_t)SCX_SECONDS_MAX * 1000;

	if (strpbrk(s, "smhdSMHD") != NULL)
		return parse_units(s, max, ms);
	return scx_parse_thousandths(s, max, ms);
}

int
scx_parse_protocol(const char *s, enum scx_protocol *out)
{
	if (strcmp(s, "line") == 0)
		*out = SCX_PROTOCOL_LINE;
	else if (strcmp(s, "null") == 0)
		*out = SCX_PROTOCOL_NULL;
	else if (strcmp(s, "length") == 0)
		*out = SCX_PROTOCOL_LENGTH;
	else
		return SCX_EWORD;
	return 0;
}

int
scx_parse_if_serial(const char *s, enum scx_if_serial *out)
{
	if (strcmp(s, "raise") == 0)
		*out = SCX_IF_SERIAL_RAISE;
	else if (strcmp(s, "warn") == 0)
		*out = SCX_IF_SERIAL_WARN;
	else if (strcmp(s, "ignore") == 0)
		*out = SCX_IF_SERIAL_IGNORE;
	else
		return SCX_EWORD;
	return 0;
}

unsigned
scx_cpus_available(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

unsigned
scx_workers_most(void)
{
	/* Processes the runner and the shell around it need. */
	const rlim_t reserve = 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= SCX_WORKERS_MAX + reserve)
		return SCX_WORKERS_MAX;
	return rl.rlim_cur > reserve ? (unsigned)(rl.rlim_cur - reserve) : 1;
}

unsigned
scx_workers_resolve(const struct scx_workers *w, unsigned cpus)
{
	uint64_t n;

	switch (w->kind) {
	case SCX_WORKERS_ABSOLUTE:
		n = w->value;
		break;
	case SCX_WORKERS_PERCENT:
		n = (uint64_t)cpus * w->value / 100;
		break;
	case SCX_WORKERS_PLUS:
		n = (uint64_t)cpus + w->value;
		break;
	case SCX_WORKERS_MINUS:
		n = w->value >= cpus ? 1 : cpus - w->value;
		break;
	case SCX_WORKERS_ALL:
		n = scx_workers_most();
		break;
	case SCX_WORKERS_FILE:
		n = 1;
		break;
	case SCX_WORKERS_DEFAULT:
	default:
		n = cpus;
		break;
	}
	if (n < 1)
		n = 1;
	if (n > SCX_WORKERS_MAX)
		n = SCX_WORKERS_MAX;
	return (unsigned)n;
}

size_t
scx_default_chunksize(uint64_t n, bool n_known, unsigned workers)
{
	uint64_t per, c;

	if (!n_known || n == 0 || workers == 0)
		return 1;
	per = 4 * (uint64_t)workers;
	c = (n + per - 1) / per;
	if (c > SIZE_MAX)
		c = SIZE_MAX;
	return c < 1 ? 1 : (size_t)c;
}

int64_t
scx__wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
