/* fdio.c: the loops every file descriptor is read and written with:
 * whole writes and reads that wait out EINTR, at the offset or at the
 * descriptor's position, and the temporary files that outputs too large
 * for memory go to.  (Standard output has a writer of its own, output.c,
 * which also gives up on a reader that takes nothing after a stop.) */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
scx__write_full(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
scx__read_once(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

int
scx_tmpfile(char *detail, size_t size)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd, err;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* A file system without O_TMPFILE: a named file, unlinked at once. */
	snprintf(path, sizeof(path), "%s/scx-run.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0) {
		unlink(path);
		return fd;
	}
	err = errno;
	if (detail != NULL)
		snprintf(detail, size,
			 "cannot create a temporary file in '%.100s' (TMPDIR) "
			 "for output that does not fit in memory",
			 dir);
	return -err;
}

int
scx_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int
scx_pread_all(int fd, void *data, size_t len, uint64_t off)
{
	char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int
scx__open_input(const char *name, int *fd, bool *owned, bool *regular)
{
	struct stat st;

	*owned = strcmp(name, "-") != 0;
	*fd = *owned ? open(name, O_RDONLY | O_CLOEXEC) : 0;
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	*regular = S_ISREG(st.st_mode);
	return 0;
}
