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
put_duration(struct scx__buf *b, double secs)
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
	return scx__buf_append(b, tmp, strlen(tmp));
}

static int
put_rate(struct scx__buf *b, double rate)
{
	char tmp[48];

	if (rate >= 100)
		snprintf(tmp, sizeof(tmp), "%.0f/s", rate);
	else
		snprintf(tmp, sizeof(tmp), "%.1f/s", rate);
	return scx__buf_append(b, tmp, strlen(tmp));
}

int
scx__progress_format(struct scx__buf *b, const struct scx__progress *p,
		     bool final)
{
	char tmp[160];
	uint64_t done = p->done + p->skipped, left;
	/* A rate over the first moments says little: no ETA from it. */
	double rate = p->elapsed > (final ? 0 : 0.05)
			      ? (double)p->done / p->elapsed
			      : 0;
	int err;

	if (p->total && !final)
		snprintf(tmp, sizeof(tmp), "scx-run: %llu/%llu done (%u%%), "
			 "%llu failed, ",
			 (unsigned long long)done,
			 (unsigned long long)p->total,
			 (unsigned)(done >= p->total ? 100
						     : done * 100 / p->total),
			 (unsigned long long)p->failed);
	else
		snprintf(tmp, sizeof(tmp), "scx-run: %llu done, %llu failed, ",
			 (unsigned long long)done,
			 (unsigned long long)p->failed);
	err = scx__buf_append(b, tmp, strlen(tmp));
	if (err == 0 && final) {
		err = scx__buf_append(b, "in ", 3);
		if (err == 0)
			err = put_duration(b, p->elapsed);
		if (err == 0)
			err = scx__buf_append(b, " (", 2);
		if (err == 0)
			err = put_rate(b, rate);
		if (err == 0)
			err = scx__buf_append(b, ")", 1);
		return err;
	}
	if (err == 0)
		err = put_rate(b, rate);
	if (err == 0)
		err = scx__buf_append(b, ", ", 2);
	if (err == 0)
		err = put_duration(b, p->elapsed);
	if (err == 0 && p->total && done < p->total) {
		left = p->total - done;
		err = scx__buf_append(b, ", ETA ", 6);
		if (err == 0 && rate > 0)
			err = put_duration(b, (double)left / rate);
		else if (err == 0)
			err = scx__buf_append(b, "?", 1);
	}
	return err;
}

/* Reads a small file under /proc into @buf; its length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int
scx__mem_available(uint64_t *bytes)
{
	char buf[4096], *p, *end;
	unsigned long long kib;

	if (read_small("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -errno ? -errno : -EIO;
	p = strstr(buf, "MemAvailable:");
	if (p == NULL)
		return -ENOENT;
	errno = 0;
	kib = strtoull(p + 13, &end, 10);
	if (errno != 0 || end == p + 13)
		return -EINVAL;
	*bytes = (uint64_t)kib * 1024;
	return 0;
}

int
scx__load_milli(uint64_t *milli)
{
	char buf[256], *end;
	double v;

	if (read_small("/proc/loadavg", buf, sizeof(buf)) <= 0)
		return -errno ? -errno : -EIO;
	errno = 0;
	v = strtod(buf, &end);
	if (errno != 0 || end == buf || v < 0)
		return -EINVAL;
	*milli = (uint64_t)(v * 1000 + 0.5);
	return 0;
}
