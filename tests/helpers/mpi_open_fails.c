/*
 * mpi_open_fails: the MPI backend's open, made to fail at each of its
 * allocations in turn (issue 12, acceptance 5).  Linked with the plugin's
 * objects and -Wl,--wrap=malloc,--wrap=calloc, so that allocations made
 * by the library and the plugin (not by OpenMPI's own libraries) inside
 * the backend's open are counted, and the Nth fails.
 *
 * usage: mpi_open_fails N [--reuse]
 * N = 0 fails nothing.  Prints "allocations: K" (those made inside open),
 * then "open: ok" or "open: failed: MESSAGE", then "finalized: yes|no|
 * not initialized" after the run is gone.  Exit 0 when open worked, 1
 * when it failed (always 0 under mpiexec), 2 on a usage error.  Under
 * the sanitizer build, LeakSanitizer then checks that nothing is left.
 * Under mpiexec only rank 0 fails; the other ranks serve an empty run.
 */
#include "scx.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's backend, linked in. */
extern const struct scx_backend_ops scx_backend_mpi;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);

static bool counting;
static unsigned long count, fail_at;

static bool
fails_now(void)
{
	return counting && ++count == fail_at;
}

void *
__wrap_malloc(size_t size)
{
	return fails_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fails_now() ? NULL : __real_calloc(n, size);
}

static struct scx_backend_ops counted;

static int
counted_open(struct scx_backend *be, struct scx_run *run)
{
	int err;

	counting = true;
	err = scx_backend_mpi.open(be, run);
	counting = false;
	return err;
}

static const char *
finalized(void)
{
	int init = 0, fin = 0;

	MPI_Initialized(&init);
	if (!init)
		return "not initialized";
	MPI_Finalized(&fin);
	return fin ? "yes" : "no";
}

int
main(int argc, char **argv)
{
	static char *words[] = { "true", NULL };
	struct scx_summary sum;
	struct scx_config cfg;
	struct scx_run *run = NULL;
	char detail[256];
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");
	int err;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--reuse"))) {
		fprintf(stderr, "usage: mpi_open_fails N [--reuse]\n");
		return 2;
	}
	fail_at = strtoul(argv[1], NULL, 10);
	if (rank != NULL && strcmp(rank, "0") != 0)
		fail_at = 0;
	counted = scx_backend_mpi;
	counted.open = counted_open;
	scx_config_init(&cfg);
	cfg.argv = words;
	cfg.argc = 1;
	cfg.reuse = argc == 3;
	cfg.backend = &counted;
	cfg.if_serial = SCX_IF_SERIAL_IGNORE;
	cfg.progname = "mpi_open_fails";
	err = scx_run_create(&run, &cfg, detail, sizeof(detail));
	printf("allocations: %lu\n", count);
	if (err != 0)
		printf("open: failed: %s%s%s\n", scx_strerror(err),
		       detail[0] ? ": " : "", detail);
	else
		printf("open: ok\n");
	if (err == 0 && rank != NULL && strcmp(rank, "0") != 0)
		scx_run_execute(run, &sum);
	scx_run_destroy(run);
	printf("finalized: %s\n", finalized());
	/* Under mpiexec every rank exits 0, so that mpiexec lets each of
	 * them finish (it aborts the others once one fails). */
	return rank == NULL && err != 0;
}
