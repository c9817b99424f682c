/* workers.c: how many workers a run gets, and why: -j resolved against
 * the usable CPUs, the open-file limit's cap, and --if-serial when one
 * worker is left. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* -j as the user typed it, for messages. */
static const char *
workers_spec(const struct scx_workers *w, char *buf, size_t size)
{
	switch (w->kind) {
	case SCX_WORKERS_ABSOLUTE:
		snprintf(buf, size, "-j %u", w->value);
		break;
	case SCX_WORKERS_PERCENT:
		snprintf(buf, size, "-j %u%%", w->value);
		break;
	case SCX_WORKERS_PLUS:
		snprintf(buf, size, "-j +%u", w->value);
		break;
	case SCX_WORKERS_MINUS:
		snprintf(buf, size, "-j -%u", w->value);
		break;
	case SCX_WORKERS_ALL:
		snprintf(buf, size, "-j 0");
		break;
	case SCX_WORKERS_FILE:
		snprintf(buf, size, "-j %s", w->file);
		break;
	case SCX_WORKERS_DEFAULT:
	default:
		snprintf(buf, size, "the default -j");
		break;
	}
	return buf;
}

void
scx__sizing_init(struct scx__sizing *z, const struct scx_config *cfg)
{
	unsigned n;

	memset(z, 0, sizeof(*z));
	z->wanted = scx_workers_resolve(&cfg->workers, scx_cpus_available());
	/* -j FILE: what it holds now (the command line checked that it can
	 * be read); 1 if it cannot be read any more. */
	if (cfg->workers.kind == SCX_WORKERS_FILE &&
	    scx_workers_read_file(cfg->workers.file, scx_cpus_available(),
				  &n) == 0)
		z->wanted = n;
}

void
scx__sizing_notify(struct scx__sizing *z, const struct scx_config *cfg)
{
	char msg[320];

	/* Unless --if-serial said it already. */
	if (z->why[0] == '\0' || cfg->notice == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s: running %u", z->why, z->fit);
	cfg->notice(cfg->notice_arg, SCX_NOTICE_WORKERS_CAPPED, msg);
}

unsigned
scx__sizing_fit(struct scx__sizing *z, const struct scx_config *cfg, unsigned n,
		unsigned fds_each)
{
	/* Descriptors the runner itself needs: inputs, the loop, signals. */
	const rlim_t reserve = 32;
	char spec[64];
	struct rlimit rl;
	rlim_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return n;
	fit = rl.rlim_cur > reserve + fds_each
		  ? (rl.rlim_cur - reserve) / fds_each
		  : 1;
	if (n <= fit)
		return n;
	/* -j 0 and -j FILE ask for as many as fit: no notice. */
	if (cfg->workers.kind == SCX_WORKERS_ALL ||
	    cfg->workers.kind == SCX_WORKERS_FILE)
		return (unsigned)fit;
	z->fit = (unsigned)fit;
	snprintf(z->why, sizeof(z->why),
		 "the open-file limit of %llu (ulimit -n) leaves room for %u "
		 "of the %u workers of %s (about %u open files each beside "
		 "the runner's %u)",
		 (unsigned long long)rl.rlim_cur, (unsigned)fit, n,
		 workers_spec(&cfg->workers, spec, sizeof(spec)), fds_each,
		 (unsigned)reserve);
	/* While the run is created, --if-serial may still refuse or merge
	 * it into its own notice: scx_run_create() reports it. */
	if (!z->creating)
		scx__sizing_notify(z, cfg);
	return (unsigned)fit;
}

int
scx__sizing_serial(struct scx__sizing *z, const struct scx_config *cfg,
		   const char *explain, char *detail, size_t size)
{
	char reason[256], spec[64];
	unsigned cpus;

	if (cfg->workers.kind == SCX_WORKERS_ABSOLUTE &&
	    cfg->workers.value == 1 && z->wanted == 1)
		return 0;
	/* -j FILE's count is the user's, and may grow. */
	if (cfg->workers.kind == SCX_WORKERS_FILE)
		return 0;
	cpus = scx_cpus_available();
	/* The open-file limit left one of several workers: that is the
	 * reason given; a -j N the user typed is then run with the one (the
	 * capped notice says why): the count was the user's, the limit the
	 * machine's. */
	if (z->fit == 1) {
		if (cfg->workers.kind == SCX_WORKERS_ABSOLUTE)
			return 0;
		snprintf(reason, sizeof(reason), "%s", z->why);
		/* The serial notice or error says it all. */
		z->why[0] = '\0';
	} else if (explain != NULL && explain[0] != '\0') {
		snprintf(reason, sizeof(reason), "%s", explain);
	} else {
		snprintf(reason, sizeof(reason),
			 "%s gives 1 worker (%u CPU%s usable by this process; "
			 "-j 1 asks for one on purpose)",
			 workers_spec(&cfg->workers, spec, sizeof(spec)), cpus,
			 cpus == 1 ? "" : "s");
	}
	switch (cfg->if_serial) {
	case SCX_IF_SERIAL_RAISE:
		if (detail != NULL && size > 0)
			snprintf(detail, size, "%s", reason);
		return SCX_ESERIAL;
	case SCX_IF_SERIAL_WARN:
		if (cfg->notice)
			cfg->notice(cfg->notice_arg, SCX_NOTICE_SERIAL, reason);
		return 0;
	case SCX_IF_SERIAL_IGNORE:
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* -j 0 and -j FILE                                                    */
/* ------------------------------------------------------------------ */

int
scx_workers_read_file(const char *path, unsigned cpus, unsigned *n)
{
	struct scx_workers w;
	char buf[64];
	size_t len = 0, start;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err != 0)
		return err;
	/* A count is short: a longer file is not one. */
	if (len == sizeof(buf) - 1)
		return SCX_EWORKERS;
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
		len--;
	buf[len] = '\0';
	start = strspn(buf, " \t\r\n");
	if (scx_parse_workers(buf + start, &w) != 0)
		return SCX_EWORKERS;
	*n = scx_workers_resolve(&w, cpus);
	return 0;
}

bool
scx__workers_live(const struct scx_config *cfg)
{
	return cfg->workers.kind == SCX_WORKERS_FILE;
}

bool
scx__workers_follow(const struct scx_config *cfg, unsigned most,
		    unsigned *active)
{
	unsigned n;

	if (!scx__workers_live(cfg) ||
	    scx_workers_read_file(cfg->workers.file, scx_cpus_available(),
				  &n) != 0)
		return false;
	if (n > most)
		n = most;
	if (n == *active)
		return false;
	*active = n;
	return true;
}
