/* mpi.c: the MPI backend's operations (mpib.h says how it works): MPI
 * initialised and finalised, the worker ranks counted, and the master's
 * or a worker rank's part started; a singleton runs the items itself
 * with a nested local backend.  Like every file of the plugin it sees
 * libscx through scx.h alone. */
#include "scx.h"
#include "mpib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
mpi_open(struct scx_backend *be, struct scx_run *run)
{
	struct mpib *m;
	char msg[256];
	int inited = 0, provided;
	unsigned i;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	be->data = m;
	m->run = run;
	m->cfg = scx_run_config(run);
	m->loop = scx_run_loop(run);
	MPI_Initialized(&inited);
	if (!inited) {
		/* Only this thread calls MPI; the input thread never does. */
		if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED,
				    &provided) != MPI_SUCCESS)
			return -EIO;
		m->finalize = true;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &m->size);
	m->nworkers = m->size > 1 ? (unsigned)m->size - 1 : 1;
	if (m->rank == 0 && m->size > 1 && m->cfg->notice &&
	    m->cfg->workers.kind != SCX_WORKERS_DEFAULT &&
	    scx_run_workers_wanted(run) != m->nworkers) {
		snprintf(
		    msg, sizeof(msg),
		    "-j is ignored under MPI: %d rank%s give%s %u worker%s "
		    "(rank 0 hands out the items)",
		    m->size, m->size == 1 ? "" : "s", m->size == 1 ? "s" : "",
		    m->nworkers, m->nworkers == 1 ? "" : "s");
		m->cfg->notice(m->cfg->notice_arg, SCX_NOTICE_WORKERS_IGNORED,
			       msg);
	}
	if (m->rank != 0)
		return 0;
	if (m->size == 1) {
		/* A singleton has no worker rank: rank 0 runs the items. */
		m->local_mode = true;
		return scx_run_open_nested(run, &m->local,
					   m->cfg->reuse
					       ? &scx_backend_loky
					       : &scx_backend_multiprocess,
					   1);
	}
	m->w = calloc(m->nworkers, sizeof(*m->w));
	if (m->w == NULL)
		return -ENOMEM;
	for (i = 0; i < m->nworkers; i++) {
		m->w[i].rank = (int)i + 1;
		scx_spool_init(&m->w[i].out_spool, 0);
		scx_spool_init(&m->w[i].err_spool, 0);
	}
	return 0;
}

static int
mpi_start(struct scx_backend *be)
{
	struct mpib *m = be->data;

	if (m->local_mode)
		return scx_backend_start(&m->local);
	return mpib_master_start(m);
}

static void
mpi_ready(struct scx_backend *be)
{
	struct mpib *m = be->data;

	if (m->local_mode) {
		scx_backend_ready(&m->local);
		return;
	}
	mpib_dispatch(m);
	mpib_poll_again(m, true);
}

static void
mpi_stop(struct scx_backend *be, enum scx_stop how)
{
	struct mpib *m = be->data;

	if (m->local_mode) {
		scx_backend_stop(&m->local, how);
		return;
	}
	/* At the end of a run the core says DRAIN: END goes out once every
	 * chunk is answered, which the poll sees. */
	if (how > m->stop)
		m->stop = how;
	m->eof = true;
	mpib_poll_again(m, true);
}

/* --timeout: a singleton's items run in its nested backend; on the
 * master of worker ranks none runs here (each worker rank's fed run
 * times its own). */
static int
mpi_signal_item(struct scx_backend *be, uint64_t seq, int sig)
{
	struct mpib *m = be->data;

	if (!m->local_mode)
		return -ESRCH;
	return scx_backend_signal_item(&m->local, seq, sig);
}

static void
mpi_close(struct scx_backend *be)
{
	struct mpib *m = be->data;

	if (m == NULL)
		return;
	if (m->local_mode && m->local.data)
		scx_backend_close(&m->local);
	mpib_master_free(m);
	mpib_worker_free(m);
	if (m->poll) /* only after a failed start */
		uv_close((uv_handle_t *)m->poll, mpib_free_handle);
	mpib_sends_wait(&m->sends);
	if (m->finalize)
		MPI_Finalize();
	free(m);
	be->data = NULL;
}

static unsigned
mpi_size(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->nworkers;
}

static int
mpi_rank(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->rank;
}

static bool
mpi_is_master(const struct scx_backend *be)
{
	const struct mpib *m = be->data;

	return m->rank == 0;
}

static void
mpi_explain_size(const struct scx_backend *be, char *buf, size_t size)
{
	const struct mpib *m = be->data;

	if (m->size == 1)
		snprintf(buf, size,
			 "not started by mpiexec, so there is no worker rank "
			 "(start it with mpiexec -n 3 or more)");
	else
		snprintf(buf, size,
			 "mpiexec -n %d gives %u worker rank%s, as rank 0 only "
			 "hands out the items: -n 3 is the smallest parallel "
			 "launch",
			 m->size, m->nworkers, m->nworkers == 1 ? "" : "s");
}

/* The headers this plugin was built from; the program checks them. */
const unsigned scx_plugin_abi = SCX_ABI_ID;

/* With --reuse, items go to the reusable workers' stdin. */
static unsigned
mpi_run_flags(const struct scx_config *cfg)
{
	return cfg->reuse ? SCX_BACKEND_ITEMS_ON_STDIN : 0;
}

const struct scx_backend_ops scx_backend_mpi = {
	.name = "mpi",
	.flags = SCX_BACKEND_MPI_OPTIONS,
	.run_flags = mpi_run_flags,
	.open = mpi_open,
	.start = mpi_start,
	.ready = mpi_ready,
	.stop = mpi_stop,
	.close = mpi_close,
	.rank = mpi_rank,
	.size = mpi_size,
	.is_master = mpi_is_master,
	.serve = mpib_serve,
	.explain_size = mpi_explain_size,
	.signal_item = mpi_signal_item,
};
