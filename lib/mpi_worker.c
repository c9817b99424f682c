/* mpi_worker.c: a worker rank of the MPI backend: receives the job and
 * its chunks from rank 0, runs them in a fed run of a local backend, and
 * streams each result back as a record, in messages of at most MSG_MAX
 * (an output too large for memory goes through a file of its own). */
#include "mpib.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The result stream's bytes still to send, in order: bytes in memory, or
 * an output too large for memory, in a temporary file of its own. */
struct outseg {
	struct outseg *next;
	int fd;		   /* -1: the bytes are data */
	uint64_t pos, len; /* sent so far; the file's length */
	struct scx_buf data;
};

static struct outseg *
outq_tail_mem(struct mpib *m)
{
	struct outseg *g = m->outq_tail;

	if (g != NULL && g->fd < 0)
		return g;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->fd = -1;
	if (m->outq_tail)
		m->outq_tail->next = g;
	else
		m->outq = g;
	m->outq_tail = g;
	return g;
}

static void
outq_pop(struct mpib *m)
{
	struct outseg *g = m->outq;

	m->outq = g->next;
	if (m->outq == NULL)
		m->outq_tail = NULL;
	if (g->fd >= 0)
		close(g->fd);
	scx_buf_free(&g->data);
	free(g);
}

/* Queues @b: appended to the bytes in memory, or, when it is in a file
 * (the executor reuses that file), copied into a file of the queue's
 * own, within the kernel.  @return 0 or an error. */
static int
outq_put(struct mpib *m, const struct scx_bytes *b)
{
	struct outseg *g;
	char detail[256];
	int fd, err;

	if (b->len == 0)
		return 0;
	if (b->mem != NULL || b->fd < 0) {
		g = outq_tail_mem(m);
		if (g == NULL ||
		    scx_buf_append(&g->data, b->mem, (size_t)b->len) != 0)
			return -ENOMEM;
		m->outq_bytes += b->len;
		return 0;
	}
	fd = scx_tmpfile(detail, sizeof(detail));
	if (fd < 0)
		return fd;
	err = scx_bytes_copy(b, fd, 0, &m->io);
	g = err == 0 ? calloc(1, sizeof(*g)) : NULL;
	if (g == NULL) {
		close(fd);
		return err != 0 ? err : -ENOMEM;
	}
	g->fd = fd;
	g->len = b->len;
	if (m->outq_tail)
		m->outq_tail->next = g;
	else
		m->outq = g;
	m->outq_tail = g;
	m->outq_bytes += b->len;
	return 0;
}

/* Sends what the result stream holds, in messages of at most MSG_MAX,
 * with at most SENDS_MAX of them under way: an output of any size costs
 * a few messages of memory, never its size. */
static void
worker_flush(struct mpib *m)
{
	struct outseg *g;
	size_t n, k;
	char *buf;
	int err;

	while (m->outq != NULL && m->sends.n < SENDS_MAX) {
		n = m->outq_bytes < MSG_MAX ? (size_t)m->outq_bytes : MSG_MAX;
		buf = malloc(n ? n : 1);
		if (buf == NULL) {
			scx_run_fail(m->sub, -ENOMEM, "sending results");
			return;
		}
		for (k = 0; k < n && (g = m->outq) != NULL;) {
			uint64_t len = g->fd < 0 ? g->data.len : g->len;
			size_t take = len - g->pos < n - k
					  ? (size_t)(len - g->pos)
					  : n - k;

			if (g->fd < 0) {
				memcpy(buf + k, g->data.data + g->pos, take);
			} else if ((err = scx_pread_all(g->fd, buf + k, take,
							g->pos)) != 0) {
				free(buf);
				scx_run_fail(m->sub, err,
					     "reading back a result");
				return;
			}
			g->pos += take;
			k += take;
			if (g->pos == len)
				outq_pop(m);
		}
		m->outq_bytes -= k;
		if (mpib_send_async(&m->sends, 0, TAG_RESULTS, buf, k) != 0) {
			scx_run_fail(m->sub, -ENOMEM, "sending results");
			return;
		}
	}
}

/* The fed run's result callback: into the stream for the master. */
static void
worker_result(void *arg, const struct scx_result *res)
{
	struct mpib *m = arg;
	struct scx_bytes out, errb, head;
	struct scx_buf *b = &m->head;
	struct scx_record_lens lens = { 0, 0, 0, 0 };
	struct scx_result r = *res;
	int err;

	scx_result_stdout(res, &out);
	scx_result_stderr(res, &errb);
	lens.out = out.len;
	lens.err = errb.len;
	r.rank = m->rank;
	b->len = 0;
	err = scx_record_put(b, &r, &lens);
	head.mem = b->data;
	head.fd = -1;
	head.off = 0;
	head.len = b->len;
	if (err == 0)
		err = outq_put(m, &head);
	if (err == 0)
		err = outq_put(m, &out);
	if (err == 0)
		err = outq_put(m, &errb);
	if (err != 0)
		scx_run_fail(m->sub, err, "queueing a result");
	if (m->outq_bytes >= MSG_MAX)
		worker_flush(m);
}

/* After every loop pass: results out at once, not at the next probe. */
static void
flush_cb(uv_check_t *h)
{
	struct mpib *m = h->data;

	if (m->outq != NULL) {
		mpib_sends_progress(&m->sends);
		worker_flush(m);
	}
}

static int
start_flusher(struct mpib *m)
{
	m->flusher = malloc(sizeof(*m->flusher));
	if (m->flusher == NULL)
		return -ENOMEM;
	uv_check_init(m->loop, m->flusher);
	m->flusher->data = m;
	uv_check_start(m->flusher, flush_cb);
	uv_unref((uv_handle_t *)m->flusher);
	return 0;
}

static void
worker_poll(struct mpib *m)
{
	struct scx_chunk *c;
	bool progress = false;
	uint32_t how;
	char *buf;
	int from, tag, len, got;

	while ((got = mpib_recv_any(0, &from, &tag, &buf, &len)) == 1) {
		progress = true;
		switch (tag) {
		case TAG_CHUNK:
			c = scx_chunk_decode(buf, (size_t)len);
			if (c == NULL || scx_run_feed(m->sub, c) != 0) {
				scx_chunk_destroy(c);
				scx_run_fail(m->sub, SCX_EWORKER,
					     "a malformed chunk from rank 0");
			}
			break;
		case TAG_END:
			m->ended = true;
			scx_run_feed_end(m->sub);
			break;
		case TAG_STOP:
			if (len == (int)sizeof(how)) {
				memcpy(&how, buf, sizeof(how));
				scx_run_stop(m->sub, (enum scx_stop)how);
			}
			break;
		default:
			break;
		}
		free(buf);
	}
	progress |= mpib_sends_progress(&m->sends);
	if (m->outq != NULL) {
		worker_flush(m);
		progress = true;
	}
	mpib_poll_again(m, progress);
}

/* The job count and the --header names (put_names()). */
static int
parse_names(struct mpib *m, struct scx_wire *r)
{
	uint64_t total = scx_wire_u64(r), n = scx_wire_u64(r), k, len;
	const char *s;

	m->subcfg.total = total;
	if (r->bad || n > r->len)
		return SCX_EWORKER;
	m->names = calloc((size_t)n + 1, sizeof(*m->names));
	if (m->names == NULL)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		len = scx_wire_u64(r);
		s = scx_wire_bytes(r, r->bad ? 0 : (size_t)len);
		if (r->bad || s == NULL)
			return SCX_EWORKER;
		m->names[k].name = strndup(s, (size_t)len);
		if (m->names[k].name == NULL)
			return -ENOMEM;
		m->names[k].field = (size_t)scx_wire_u64(r);
		m->nnames++;
	}
	m->subcfg.names = m->names;
	m->subcfg.nnames = m->nnames;
	return r->bad ? SCX_EWORKER : 0;
}

/* GNU parallel's language as the master sent it (put_language()); the
 * sources only as a count: a fed run reads none. */
static int
parse_language(struct mpib *m, struct scx_wire *r)
{
	struct scx_config *c = &m->subcfg;
	uint32_t flags = scx_wire_u32(r);
	uint64_t n;
	const char *s;
	size_t k;

	c->quote = flags & 1;
	c->plus = flags & 2;
	c->link = flags & 4;
	c->context = flags & 8;
	c->pipe.mode = (enum scx_pipe_mode)(flags >> 4 & 3);
	c->pipe.via = (enum scx_pipe_via)(flags >> 6 & 3);
	c->nsources = (size_t)scx_wire_u64(r);
	c->sources = NULL;
	c->max_args = (size_t)scx_wire_u64(r);
	c->multi = (enum scx_multi)scx_wire_u32(r);
	c->max_chars = (size_t)scx_wire_u64(r);
	for (k = 0; k < SPEC_STRINGS; k++) {
		bool present = scx_wire_u32(r) != 0;

		n = scx_wire_u64(r);
		s = scx_wire_bytes(r, r->bad ? 0 : (size_t)n);
		if (r->bad || s == NULL)
			return SCX_EWORKER;
		if (!present)
			continue;
		m->strs[k] = strndup(s, (size_t)n);
		if (m->strs[k] == NULL)
			return -ENOMEM;
	}
	c->colsep = m->strs[0];
	c->header = m->strs[1];
	c->trim = m->strs[2];
	for (k = 0; k < SCX_RS_NNAMES; k++)
		c->rs_text[k] = m->strs[3 + k];
	c->workdir = m->strs[3 + SCX_RS_NNAMES];
	c->pipe.files = (const char *const *)&m->strs[4 + SCX_RS_NNAMES];
	c->pipe.nfiles = m->strs[4 + SCX_RS_NNAMES] != NULL;
	return parse_names(m, r);
}

/* The job as the master parsed it: every rank runs exactly that. */
static int
parse_spec(struct mpib *m, const char *buf, size_t len)
{
	struct scx_wire r;
	struct scx_config *c = &m->subcfg;
	uint32_t flags;
	uint64_t argc, k, n;
	const char *s;

	scx_wire_init(&r, buf, len);
	if (scx_wire_u32(&r) != SPEC_VERSION)
		return SCX_EWORKER;
	flags = scx_wire_u32(&r);
	c->shell = flags & 1;
	c->pipe_item = flags & 2;
	c->seq_prefix = flags & 4;
	c->reuse = flags & 8;
	c->keep_affinity = flags & 16;
	c->trace = flags & 32; /* -t: each rank shows what it starts */
	c->protocol = (enum scx_protocol)scx_wire_u32(&r);
	c->delimiter = (int)scx_wire_u32(&r);
	c->chunksize = (size_t)scx_wire_u64(&r);
	c->timeout_ms = scx_wire_u64(&r);
	c->timeout_percent = scx_wire_u32(&r);
	c->nice = (int)scx_wire_u32(&r);
	argc = scx_wire_u64(&r);
	if (r.bad || argc > len)
		return SCX_EWORKER;
	m->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (m->argv == NULL)
		return -ENOMEM;
	m->argc = (size_t)argc;
	for (k = 0; k < argc; k++) {
		n = scx_wire_u64(&r);
		s = scx_wire_bytes(&r, r.bad ? 0 : (size_t)n);
		if (r.bad || s == NULL)
			return SCX_EWORKER;
		m->argv[k] = strndup(s, (size_t)n);
		if (m->argv[k] == NULL)
			return -ENOMEM;
	}
	c->argv = m->argv;
	c->argc = m->argc;
	return parse_language(m, &r);
}

/* mpiexec binds a rank to a core when there are few ranks; the items a
 * worker rank runs should have the machine, unless asked otherwise. */
static void
unbind(void)
{
	cpu_set_t all;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&all);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

/* Tells rank 0 that every item this rank got is settled: waits for END
 * (rank 0 sends it once every item it sent is answered), answering any
 * chunk that arrives after the fed run ended with "not run", then sends
 * DONE, or FAIL with @fail. */
static void
worker_finish(struct mpib *m, const char *fail)
{
	struct scx_result res;
	struct scx_chunk *c;
	char *buf;
	int from, tag, len, got;
	size_t i;

	worker_flush(m);
	while (!m->ended) {
		got = mpib_recv_any(0, &from, &tag, &buf, &len);
		if (got < 0)
			break;
		if (got == 0) {
			mpib_sends_progress(&m->sends);
			worker_flush(m);
			usleep(1000);
			continue;
		}
		if (tag == TAG_END)
			m->ended = true;
		if (tag == TAG_CHUNK &&
		    (c = scx_chunk_decode(buf, (size_t)len))) {
			for (i = 0; i < c->n; i++) {
				memset(&res, 0, sizeof(res));
				res.seq = c->items[i].seq;
				res.flags = SCX_RESULT_STOPPED;
				worker_result(m, &res);
			}
			scx_chunk_destroy(c);
			worker_flush(m);
		}
		free(buf);
	}
	/* Everything queued goes before DONE, a few messages at a time. */
	while (m->outq != NULL) {
		mpib_sends_progress(&m->sends);
		worker_flush(m);
		if (m->outq != NULL)
			usleep(200);
	}
	mpib_sends_wait(&m->sends);
	if (fail)
		MPI_Send(fail, (int)strlen(fail), MPI_BYTE, 0, TAG_FAIL,
			 MPI_COMM_WORLD);
	else
		MPI_Send("", 0, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
}

/* Waits for the job from rank 0.  @return its length (0: rank 0
 * stopped before the run began, and said why) and *@buf, or -ENOMEM. */
static int
receive_spec(char **buf)
{
	MPI_Status st;
	int len, flag;

	/* A blocking probe would spin a core in OpenMPI while rank 0
	 * counts its input: look every millisecond. */
	for (flag = 0; !flag; usleep(1000))
		MPI_Iprobe(0, TAG_SPEC, MPI_COMM_WORLD, &flag, &st);
	MPI_Get_count(&st, MPI_BYTE, &len);
	*buf = malloc(len > 0 ? (size_t)len : 1);
	if (*buf == NULL)
		return -ENOMEM;
	MPI_Recv(*buf, len, MPI_BYTE, 0, TAG_SPEC, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	return len;
}

/* The fed run of this worker rank: one local worker of the job's kind,
 * its results streamed to rank 0. */
static void
sub_config(struct mpib *m)
{
	struct scx_config *c = &m->subcfg;

	c->workers.kind = SCX_WORKERS_ABSOLUTE;
	c->workers.value = 1;
	c->if_serial = SCX_IF_SERIAL_IGNORE;
	c->backend = c->reuse ? &scx_backend_loky : &scx_backend_multiprocess;
	c->fed = true;
	c->on_result = worker_result;
	c->result_arg = m;
	c->rank = m->rank;
	c->size = m->nworkers;
	c->progname = m->cfg->progname;
	c->notice = m->cfg->notice;
	c->notice_arg = m->cfg->notice_arg;
}

/* Runs the fed run to its end.  @return 0, or an error (@msg says it). */
static int
run_sub(struct mpib *m, char *msg, size_t size)
{
	struct scx_summary sum;
	char detail[256];
	int err;

	err = scx_run_create(&m->sub, &m->subcfg, detail, sizeof(detail));
	if (err != 0) {
		snprintf(msg, size, "%s%s%s", scx_strerror(err),
			 detail[0] ? ": " : "", detail);
		return err;
	}
	m->loop = scx_run_loop(m->sub);
	err = mpib_start_poll(m, false, worker_poll);
	if (err == 0)
		err = start_flusher(m);
	if (err == 0)
		err = scx_run_execute(m->sub, &sum);
	mpib_stop_poll(m);
	if (m->flusher) {
		uv_close((uv_handle_t *)m->flusher, mpib_free_handle);
		m->flusher = NULL;
	}
	if (err != 0)
		snprintf(msg, size, "%s",
			 scx_run_error_detail(m->sub)
			     ? scx_run_error_detail(m->sub)
			     : scx_strerror(err));
	return err;
}

int
mpib_serve(struct scx_backend *be)
{
	struct mpib *m = be->data;
	char msg[512], host[256];
	char *buf;
	int len, err;

	len = receive_spec(&buf);
	if (len <= 0) {
		free(len == 0 ? buf : NULL);
		return len;
	}
	scx_config_init(&m->subcfg);
	err = parse_spec(m, buf, (size_t)len);
	free(buf);
	if (err != 0) {
		/* Rank 0 reports it (and exits 255); this rank ends quietly. */
		worker_finish(m, "cannot read the job from rank 0");
		return 0;
	}
	if (!m->subcfg.keep_affinity)
		unbind();
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		MPI_Send(host, (int)strlen(host), MPI_BYTE, 0, TAG_HELLO,
			 MPI_COMM_WORLD);
	}
	sub_config(m);
	err = run_sub(m, msg, sizeof(msg));
	worker_finish(m, err != 0 ? msg : NULL);
	return 0;
}

void
mpib_worker_free(struct mpib *m)
{
	size_t k;

	if (m->sub)
		scx_run_destroy(m->sub);
	m->sub = NULL;
	for (k = 0; k < m->argc; k++)
		free(m->argv[k]);
	free(m->argv);
	m->argv = NULL;
	m->argc = 0;
	for (k = 0; k < SPEC_STRINGS; k++) {
		free(m->strs[k]);
		m->strs[k] = NULL;
	}
	for (k = 0; k < m->nnames; k++)
		free((char *)m->names[k].name);
	free(m->names);
	m->names = NULL;
	m->nnames = 0;
	while (m->outq != NULL)
		outq_pop(m);
	scx_buf_free(&m->head);
	scx_buf_free(&m->io);
}
