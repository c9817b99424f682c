/* setup.c: what a run is set up from: the backend its config picks (the
 * config's, dry-run's, or the default), whether the config's options
 * apply to it, and the run's creation with it.  It sits above run.c and
 * the backends, so that neither depends on the other's table. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The backend a run of @cfg uses; SCX_E* with *@bad naming the one that
 * is missing. */
static int
pick_backend(const struct scx_config *cfg, const struct scx_backend_ops **ops,
	     const char **bad)
{
	if (cfg->dry_run) {
		*bad = "dry-run";
		return scx_backend_find("dry-run", ops);
	}
	*ops = cfg->backend;
	return *ops ? 0 : scx_backend_default(ops, bad);
}

int
scx_run_create(struct scx_run **out, const struct scx_config *cfg, char *detail,
	       size_t detail_size)
{
	const struct scx_backend_ops *ops = NULL;
	const char *bad = NULL;
	int err = pick_backend(cfg, &ops, &bad);

	if (err != 0) {
		if (detail && detail_size)
			snprintf(detail, detail_size, "%s", bad ? bad : "");
		return err;
	}
	return scx__run_create(out, cfg, ops, detail, detail_size);
}

/* The options of a run's output and records that cannot go together:
 * true, with @detail saying why. */
static bool
output_conflict(const struct scx_config *cfg, bool on_stdin, const char *name,
		char *detail, size_t size)
{
	bool out_log = cfg->joblog && strcmp(cfg->joblog, "-") == 0;

	if (out_log && cfg->resume != SCX_RESUME_NONE && !cfg->results)
		snprintf(detail, size,
			 "%s needs --joblog FILE: --joblog - writes the log to "
			 "stdout, where nothing can be read back",
			 cfg->resume == SCX_RESUME ? "--resume"
						   : "--resume-failed");
	else if (cfg->resume != SCX_RESUME_NONE && !cfg->joblog &&
		 !cfg->results)
		snprintf(detail, size,
			 "%s needs --joblog FILE or --results DIR to know what "
			 "was done",
			 cfg->resume == SCX_RESUME ? "--resume"
						   : "--resume-failed");
	else if (cfg->resume != SCX_RESUME_NONE && !cfg->joblog &&
		 cfg->results &&
		 scx__results_kind(cfg->results) != SCX__RESULTS_DIR)
		snprintf(detail, size,
			 "%s with --results '%s' needs --joblog FILE: the "
			 "file of results is not read back",
			 cfg->resume == SCX_RESUME ? "--resume"
						   : "--resume-failed",
			 cfg->results);
	else if (cfg->files && cfg->results)
		snprintf(detail, size,
			 "--files and --results both say where the output "
			 "goes: give one");
	else if (cfg->colsep != NULL && !scx__regex_ok(cfg->colsep))
		snprintf(detail, size,
			 "--colsep '%s': not a regular expression",
			 cfg->colsep);
	else if (on_stdin && (cfg->trace || cfg->verbose))
		snprintf(detail, size,
			 "%s prints each job's command; reusable workers "
			 "(--backend=%s) run none per item",
			 cfg->trace ? "-t" : "-v", name);
	else if (cfg->verbose && (cfg->files || cfg->results))
		snprintf(detail, size,
			 "-v with %s: the commands would go into the stored "
			 "output, which scx-run does not do yet",
			 cfg->files ? "--files" : "--results");
	else
		return false;
	return true;
}

int
scx_config_check(const struct scx_config *cfg,
		 const struct scx_backend_ops *ops, bool protocol_set,
		 char *detail, size_t size)
{
	const char *bad = NULL, *name;
	bool mpi, on_stdin;
	int err;

	if (ops == NULL && (err = scx_backend_default(&ops, &bad)) != 0) {
		/* As scx_run_create() says it: the backend that is missing. */
		snprintf(detail, size, "%s", bad ? bad : "");
		return err;
	}
	name = ops->name;
	mpi = ops->flags & SCX_BACKEND_MPI_OPTIONS;
	on_stdin = scx_backend_flags(ops, cfg) & SCX_BACKEND_ITEMS_ON_STDIN;
	if (!mpi && (cfg->reuse || cfg->keep_affinity))
		snprintf(detail, size,
			 "%s applies to --backend=mpi, not to the %s backend",
			 cfg->reuse ? "--reuse" : "--keep-affinity", name);
	else if (!on_stdin && (protocol_set || cfg->seq_prefix))
		snprintf(detail, size,
			 "%s applies to reusable workers (--backend=loky, or "
			 "mpi with --reuse), not to the %s backend%s",
			 protocol_set ? "--protocol" : "--seq-prefix", name,
			 mpi ? " without --reuse" : "");
	else if (on_stdin && cfg->pipe_item)
		snprintf(detail, size,
			 "--pipe-item: reusable workers (--backend=%s) always "
			 "get items on stdin",
			 name);
	else if (on_stdin && cfg->pipe.mode != SCX_PIPE_NONE)
		snprintf(detail, size,
			 "%s: a block is the stdin of a process of its own; "
			 "reusable workers (--backend=%s) answer per item",
			 cfg->pipe.mode == SCX_PIPE_PART ? "--pipepart"
							 : "--pipe",
			 name);
	else if (mpi && cfg->pipe.mode == SCX_PIPE_PART && cfg->pipe.nfiles > 1)
		snprintf(detail, size,
			 "--pipepart: with --backend=%s, one -a FILE (run "
			 "one scx-run per file)",
			 name);
	else if (mpi && cfg->pipe.round_robin &&
		 cfg->pipe.mode == SCX_PIPE_STREAM)
		snprintf(detail, size,
			 "--round-robin: its jobs read pipes of rank 0; with "
			 "--backend=%s, leave it out (each block is a job)",
			 name);
	else if (on_stdin && cfg->dry_run)
		snprintf(detail, size,
			 "--dry-run prints one command per item; reusable "
			 "workers (--backend=%s) have none",
			 name);
	else if ((cfg->timeout_ms || cfg->timeout_percent) && !cfg->dry_run &&
		 !ops->signal_item)
		snprintf(detail, size,
			 "--timeout: the %s backend cannot end an item that "
			 "runs too long",
			 name);
	else if (!output_conflict(cfg, on_stdin, name, detail, size))
		return 0;
	return SCX_EOPTION;
}

int
scx_imap(struct scx_run *run, struct scx_summary *summary)
{
	if (scx_run_config(run)->order != SCX_ORDER_INPUT)
		return -EINVAL;
	return scx_run_execute(run, summary);
}

int
scx_as_completed(struct scx_run *run, struct scx_summary *summary)
{
	if (scx_run_config(run)->order != SCX_ORDER_COMPLETION)
		return -EINVAL;
	return scx_run_execute(run, summary);
}
