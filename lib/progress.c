/* progress.c: the progress line (--progress) and what the throttles read
 * (--memfree, --load). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends a duration as H:MM:SS, or M:SS under an hour. */
static int
put_duration(struct scx_buf *b, double secs)
{
	char tmp[48];
	uint64_t s = secs > 0 && secs < 1e12 ? (uint64_t)(secs + 0.5) : 0;

	if (s >= 3600)
		snprintf(tmp, sizeof(tmp), "%llu:%02u:%02u",
			 (unsigned long long)(s / 3600),
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	else
		snprintf(tmp, sizeof(tmp), "%u:%02u", (unsigned)(s / 60),
			 (unsigned)(s % 60));
	return scx_buf_append(b, tmp, strlen(tmp));
}

static int
put_rate(struct scx_buf *b, double rate)
{
	char tmp[48];

	if (rate >= 100)
		snprintf(tmp, sizeof(tmp), "%.0f/s", rate);
	else
		snprintf(tmp, sizeof(tmp), "%.1f/s", rate);
	return scx_buf_append(b, tmp, strlen(tmp));
}

int
scx__progress_format(struct scx_buf *b, const struct scx__progress *p,
		     bool final)
{
	const char *name = p->name ? p->name : "scx";
	char tmp[200];
	uint64_t done = p->done + p->skipped, left;
	/* A rate over the first moments says little: no ETA from it. */
	double rate =
	    p->elapsed > (final ? 0 : 0.05) ? (double)p->done / p->elapsed : 0;
	int err;

	if (p->total && !final)
		snprintf(
		    tmp, sizeof(tmp),
		    "%s: %llu/%llu done (%u%%), "
		    "%llu failed, ",
		    name, (unsigned long long)done,
		    (unsigned long long)p->total,
		    (unsigned)(done >= p->total ? 100 : done * 100 / p->total),
		    (unsigned long long)p->failed);
	else
		snprintf(tmp, sizeof(tmp), "%s: %llu done, %llu failed, ", name,
			 (unsigned long long)done,
			 (unsigned long long)p->failed);
	err = scx_buf_append(b, tmp, strlen(tmp));
	if (err == 0 && final) {
		err = scx_buf_append(b, "in ", 3);
		if (err == 0)
			err = put_duration(b, p->elapsed);
		if (err == 0)
			err = scx_buf_append(b, " (", 2);
		if (err == 0)
			err = put_rate(b, rate);
		if (err == 0)
			err = scx_buf_append(b, ")", 1);
		return err;
	}
	if (err == 0)
		err = put_rate(b, rate);
	if (err == 0)
		err = scx_buf_append(b, ", ", 2);
	if (err == 0)
		err = put_duration(b, p->elapsed);
	if (err == 0 && p->total && done < p->total) {
		left = p->total - done;
		err = scx_buf_append(b, ", ETA ", 6);
		if (err == 0 && rate > 0)
			err = put_duration(b, (double)left / rate);
		else if (err == 0)
			err = scx_buf_append(b, "?", 1);
	}
	return err;
}

/* Reads a small file under /proc into @buf, NUL-terminated.
 * @return its length (at least 1), -ENODATA when it is empty, or a
 * negated errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	n = scx__read_once(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return n > 0 ? n : -ENODATA;
}

/* Reads the line "@name: N kB" of /proc/meminfo, in bytes. */
static int
meminfo(const char *name, uint64_t *bytes)
{
	char buf[8192], *p, *end;
	size_t len = strlen(name);
	unsigned long long kib;
	ssize_t n;

	n = read_small("/proc/meminfo", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	for (p = buf; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && p[len] == ':')
			break;
	if (p == NULL)
		return -ENOENT;
	p += len + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	kib = strtoull(p, &end, 10);
	if (errno != 0 || kib > UINT64_MAX / 1024)
		return -EINVAL;
	*bytes = (uint64_t)kib * 1024;
	return 0;
}

int
scx__mem_available(uint64_t *bytes)
{
	return meminfo("MemAvailable", bytes);
}

int
scx__mem_total(uint64_t *bytes)
{
	return meminfo("MemTotal", bytes);
}

int
scx__load_milli(uint64_t *milli)
{
	char buf[256];
	const char *p = buf;
	uint64_t v = 0, scale = 1000;
	ssize_t n;

	n = read_small("/proc/loadavg", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* "I.FF ...": read by hand, whatever the locale's decimal point. */
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (v < UINT64_MAX / 10000)
			v = v * 10 + (uint64_t)(*p - '0');
	v *= 1000;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if ((scale /= 10) > 0)
				v += (uint64_t)(*p - '0') * scale;
	if (*p != ' ' && *p != '\n' && *p != '\0')
		return -EINVAL;
	*milli = v;
	return 0;
}
