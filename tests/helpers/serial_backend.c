/*
 * serial_backend.c: two backends written outside libscx against its
 * public header alone, to show that struct scx_backend_ops is all a
 * backend needs:
 *
 *   serial      runs each item's command in this process's own loop, one
 *               at a time, with posix_spawn and blocking pipes;
 *   upper       runs no process: an item's result is the item upper-cased
 *               (the imap(f, items) of the API, with f a C function).
 *
 * usage: serial_backend [--upper] [--as-completed] [--format jsonl]
 *                       [--fail-on ITEM] [--open-fails] command [argument ...]
 * --open-fails: open allocates its data and then fails (the core must
 * still call close, which says so on stderr).
 * Items come from stdin.  Used by tests/bats/backend_api.bats.
 */
#include "scx.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct serial {
	struct scx_run *run;
	bool stopped;
	const char *fail_on; /* upper: this item fails */
};

struct bytes {
	char *data;
	size_t len;
};

static int
append(struct bytes *b, const char *p, size_t n)
{
	char *q = realloc(b->data, b->len + n + 1);

	if (q == NULL)
		return -ENOMEM;
	memcpy(q + b->len, p, n);
	b->data = q;
	b->len += n;
	return 0;
}

/* Reads both pipes to their end without letting either fill up. */
static int
drain(int out, int err, struct bytes *o, struct bytes *e)
{
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	char buf[65536];
	ssize_t n;
	int i, open = 2;

	while (open > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				if (append(i ? e : o, buf, (size_t)n) != 0)
					return -ENOMEM;
			} else if (n == 0 || errno != EINTR) {
				p[i].fd = -1;
				open--;
			}
		}
	}
	return 0;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
run_serial(struct serial *s, const struct scx_item *item)
{
	posix_spawn_file_actions_t fa;
	struct bytes o = { 0 }, e = { 0 };
	struct scx_command cmd;
	struct scx_result res;
	int po[2], pe[2], status = 0, err;
	pid_t pid;

	memset(&res, 0, sizeof(res));
	res.seq = item->seq;
	res.item = item->data;
	res.item_len = item->len;
	res.worker = 1;
	res.start_us = now_us();
	err = scx_run_command(s->run, item, 1, &cmd);
	if (err != 0 || pipe2(po, O_CLOEXEC) != 0) {
		scx_run_fail(s->run, err ? err : -errno, "serial backend");
		scx_run_abandon(s->run, item);
		return;
	}
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		scx_run_fail(s->run, -errno, "serial backend");
		scx_run_abandon(s->run, item);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	err = posix_spawnp(&pid, cmd.argv[0], &fa, NULL, cmd.argv, cmd.envp);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (err == 0) {
		drain(po[0], pe[0], &o, &e);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status))
			res.exit_status = WEXITSTATUS(status);
		if (WIFSIGNALED(status)) {
			res.term_signal = WTERMSIG(status);
			res.exit_status = 128 + res.term_signal;
		}
	} else {
		res.exit_status = err == ENOENT ? 127 : 126;
		append(&e, "serial: cannot run\n", 19);
	}
	close(po[0]);
	close(pe[0]);
	res.duration_ns = (uint64_t)(now_us() - res.start_us) * 1000u;
	res.out = o.data;
	res.out_len = o.len;
	res.err = e.data;
	res.err_len = e.len;
	scx_run_done(s->run, &res);
	free(o.data);
	free(e.data);
}

static void
run_upper(struct serial *s, const struct scx_item *item)
{
	struct scx_result res;
	char *up = malloc(item->len + 1);
	size_t i;

	memset(&res, 0, sizeof(res));
	res.seq = item->seq;
	res.item = item->data;
	res.item_len = item->len;
	res.worker = 1;
	res.start_us = now_us();
	for (i = 0; up && i < item->len; i++)
		up[i] = (char)toupper((unsigned char)item->data[i]);
	if (up)
		up[item->len] = '\n';
	res.out = up;
	res.out_len = up ? item->len + 1 : 0;
	if (s->fail_on && strlen(s->fail_on) == item->len &&
	    memcmp(s->fail_on, item->data, item->len) == 0)
		res.exit_status = 1;
	scx_run_done(s->run, &res);
	free(up);
}

/* Items are taken until none is left; the take never blocks, so an
 * empty queue means: wait for the next ready(). */
static void
ready(struct scx_backend *be,
      void (*one)(struct serial *, const struct scx_item *))
{
	struct serial *s = be->data;
	struct scx_chunk *c;
	size_t i;

	while (!s->stopped && scx_run_take(s->run, 0, &c) == 0) {
		for (i = 0; i < c->n; i++) {
			if (s->stopped)
				scx_run_abandon(s->run, &c->items[i]);
			else
				one(s, &c->items[i]);
		}
		scx_chunk_destroy(c);
	}
}

static void
serial_ready(struct scx_backend *be)
{
	ready(be, run_serial);
}

static void
upper_ready(struct scx_backend *be)
{
	ready(be, run_upper);
}

static const char *fail_on;
static bool open_fails;

static int
serial_open(struct scx_backend *be, struct scx_run *run)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->run = run;
	s->fail_on = fail_on;
	be->data = s;
	return open_fails ? -EIO : 0;
}

static void
serial_stop(struct scx_backend *be, enum scx_stop how)
{
	struct serial *s = be->data;

	(void)how;
	s->stopped = true;
}

static void
serial_close(struct scx_backend *be)
{
	if (open_fails)
		fprintf(stderr, "# closed after a failed open\n");
	free(be->data);
	be->data = NULL;
}

static unsigned
serial_size(const struct scx_backend *be)
{
	(void)be;
	return 1;
}

static int
serial_rank(const struct scx_backend *be)
{
	(void)be;
	return 0;
}

static bool
serial_is_master(const struct scx_backend *be)
{
	(void)be;
	return true;
}

static const struct scx_backend_ops serial_ops = {
	.name = "serial",
	.open = serial_open,
	.ready = serial_ready,
	.stop = serial_stop,
	.close = serial_close,
	.rank = serial_rank,
	.size = serial_size,
	.is_master = serial_is_master,
};

static const struct scx_backend_ops upper_ops = {
	.name = "upper",
	.open = serial_open,
	.ready = upper_ready,
	.stop = serial_stop,
	.close = serial_close,
	.rank = serial_rank,
	.size = serial_size,
	.is_master = serial_is_master,
};

int
main(int argc, char **argv)
{
	struct scx_config cfg;
	struct scx_summary sum;
	struct scx_run *run;
	const char *name = "serial";
	char detail[256];
	int i = 1, err;

	scx_config_init(&cfg);
	cfg.workers.kind = SCX_WORKERS_ABSOLUTE;
	cfg.workers.value = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--upper") == 0)
			name = "upper";
		else if (strcmp(argv[i], "--as-completed") == 0)
			cfg.order = SCX_ORDER_COMPLETION;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			scx_parse_format(argv[++i], &cfg.format);
		else if (strcmp(argv[i], "--fail-on") == 0 && i + 1 < argc)
			fail_on = argv[++i];
		else if (strcmp(argv[i], "--open-fails") == 0)
			open_fails = true;
		else
			break;
	}
	cfg.argv = argv + i;
	cfg.argc = (size_t)(argc - i);
	if (scx_backend_register(&serial_ops) != 0 ||
	    scx_backend_register(&upper_ops) != 0 ||
	    scx_backend_find(name, &cfg.backend) != 0) {
		fprintf(stderr, "serial_backend: cannot register\n");
		return 255;
	}
	err = scx_run_create(&run, &cfg, detail, sizeof(detail));
	if (err != 0) {
		fprintf(stderr, "serial_backend: %s %s\n", scx_strerror(err),
			detail);
		return 255;
	}
	printf("# backend %s, size %u, rank %d, master %d\n",
	       scx_run_backend_name(run), scx_run_size(run), scx_run_rank(run),
	       scx_run_is_master(run));
	fflush(stdout);
	if (cfg.order == SCX_ORDER_COMPLETION)
		err = scx_as_completed(run, &sum);
	else
		err = scx_imap(run, &sum);
	if (err != 0)
		fprintf(stderr, "serial_backend: %s\n", scx_strerror(err));
	scx_run_destroy(run);
	return scx_exit_status(&sum);
}
