/* executor.c: what the local backends share about the processes they
 * run: a result made from an item, wait statuses as exit codes, the
 * messages an item gets as its stderr when it cannot run, pipes to a
 * worker, reaping, and what -t, -u and --line-buffer show of them. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

void
scx__result_init(struct scx_result *res, const struct scx_item *item,
		 unsigned worker, int rank)
{
	memset(res, 0, sizeof(*res));
	res->seq = item->seq;
	res->item = item->data;
	res->item_len = item->len;
	res->worker = worker;
	res->rank = rank;
}

void
scx__wait_status(int wstatus, int *exit_status, int *term_signal)
{
	*exit_status = 0;
	*term_signal = 0;
	if (WIFEXITED(wstatus))
		*exit_status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		*term_signal = WTERMSIG(wstatus);
}

int
scx__exit_code(int exit_status, int term_signal)
{
	return term_signal ? 128 + term_signal : exit_status;
}

int
scx__reap(pid_t pid, int *wstatus)
{
	pid_t got;

	do
		got = waitpid(pid, wstatus, WNOHANG);
	while (got < 0 && errno == EINTR);
	return got == pid;
}

size_t
scx__item_msg(char *buf, size_t size, const struct scx_config *cfg,
	      const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int k;

	k = snprintf(buf, size, "%s: ", cfg->progname ? cfg->progname : "scx");
	n = k > 0 && (size_t)k < size ? (size_t)k : 0;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	n += k > 0 ? (size_t)k : 0;
	if (n >= size - 1)
		n = size - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

bool
scx__unrunnable(const struct scx_config *cfg, int err, int *status, char *msg,
		size_t size)
{
	msg[0] = '\0';
	if (err == SCX_ENUL) {
		*status = 126;
		scx__item_msg(msg, size, cfg,
			      "the item contains a NUL byte and cannot be an "
			      "argument (use -0, or --pipe-item)");
	} else if (err == SCX_ESKIP) {
		*status = 1; /* not run, counted as failed, as in GNU */
	} else if (err == SCX_ETMPFILE) {
		*status = 255;
		scx__item_msg(msg, size, cfg, "%s", scx_strerror(err));
	} else if (err == SCX_EWORKDIR) {
		*status = 255; /* GNU parallel's cd DIR || exit 255 */
		scx__item_msg(msg, size, cfg, "--workdir '%s': %s",
			      cfg->workdir, "cannot make the job's directory");
	} else {
		return false;
	}
	return true;
}

int
scx__start_failure(char *msg, size_t size, const struct scx_config *cfg,
		   const char *file, int err)
{
	/* As a shell says it: 127 when the command is not found, 126 when
	 * it cannot be executed. */
	if (err == -ENOENT) {
		if (strchr(file, '/'))
			scx__item_msg(msg, size, cfg,
				      "%s: No such file or directory", file);
		else if (file[0] == '\0')
			scx__item_msg(msg, size, cfg,
				      "'': command not found (the command is "
				      "an empty word)");
		else
			scx__item_msg(msg, size, cfg, "%s: command not found",
				      file);
		return 127;
	}
	if (err == -E2BIG)
		scx__item_msg(msg, size, cfg,
			      "%s: %s (one argument may hold at most 128 KiB "
			      "here; --pipe-item passes the item on stdin)",
			      file, scx_strerror(err));
	else
		scx__item_msg(msg, size, cfg, "%s: %s", file,
			      scx_strerror(err));
	return 126;
}

int
scx__pipe_open(uv_loop_t *loop, uv_pipe_t *handle, void *data, bool mine_reads,
	       int *theirs)
{
	int fds[2], err;

	uv_pipe_init(loop, handle, 0);
	handle->data = data;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	err = uv_pipe_open(handle, mine_reads ? fds[0] : fds[1]);
	if (err != 0) {
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	*theirs = mine_reads ? fds[1] : fds[0];
	return 0;
}

int
scx__read_space(struct scx_buf *b, uv_buf_t *buf)
{
	if (scx_buf_reserve(b, SCX__READ_CHUNK) != 0) {
		buf->base = NULL;
		buf->len = 0;
		return -ENOMEM;
	}
	buf->base = b->data + b->len;
	buf->len = b->cap - b->len;
	return 0;
}

void
scx__read_pending(uv_pipe_t *pipe, uv_alloc_cb alloc, uv_read_cb read,
		  bool (*more)(void *arg), void *arg)
{
	uv_os_fd_t fd;
	size_t total = 0;
	uv_buf_t buf;
	ssize_t n;

	if (uv_fileno((uv_handle_t *)pipe, &fd) != 0)
		return;
	while (total < SCX__DRAIN_READ_MAX && (more == NULL || more(arg))) {
		alloc((uv_handle_t *)pipe, 0, &buf);
		if (buf.len == 0)
			return;
		n = scx__read_once(fd, buf.base, buf.len);
		if (n <= 0)
			return;
		read((uv_stream_t *)pipe, n, &buf);
		total += (size_t)n;
	}
}

bool
scx__offer_live(struct scx_run *run, const struct scx_item *item, unsigned slot,
		bool is_err, struct scx_buf *b)
{
	size_t took;

	if (scx_run_config(run)->grouping == SCX_GROUP)
		return false;
	took = scx_run_live(run, item, slot, is_err, b->data, b->len);
	if (took == 0)
		return false;
	memmove(b->data, b->data + took, b->len - took);
	b->len -= took;
	return b->len <= SCX__READ_CHUNK;
}

void
scx__trace(struct scx_run *run, const struct scx_item *item, unsigned slot)
{
	const char *text;
	size_t len;

	if (!scx_run_config(run)->trace ||
	    scx_run_command_text(run, item, slot, &text, &len) != 0)
		return;
	scx_run_stderr(run, text, len);
	scx_run_stderr(run, "\n", 1);
}

bool
scx__live_command(struct scx_run *run, const struct scx_item *item,
		  unsigned slot, struct scx_buf *out)
{
	const struct scx_config *cfg = scx_run_config(run);
	const char *text;
	size_t len;

	/* With -u and --line-buffer the command goes out as its job
	 * starts, or waits at the head of the job's output (-k). */
	if (!cfg->verbose || cfg->grouping == SCX_GROUP || cfg->files ||
	    cfg->format != SCX_FORMAT_RAW ||
	    scx_run_command_text(run, item, slot, &text, &len) != 0 ||
	    scx_buf_append(out, text, len) != 0 || scx_buf_putc(out, '\n') != 0)
		return false;
	(void)scx__offer_live(run, item, slot, false, out);
	return true;
}
