/* halt.c: --halt as GNU parallel applies it: which jobs it counts and
 * tells the user about, when it stops the run, and the exit status it
 * leaves (the failing job's own status for fail=1, a percentage for N%). */
#include "internal.h"

#include <stdio.h>

static bool
job_failed(const struct scx_result *res)
{
	return res->exit_status != 0 || res->term_signal != 0;
}

/* Once --halt now is met, the jobs it kills are not counted. */
static bool
halt_over(const struct scx__halt *h, const struct scx_config *cfg)
{
	return h->reached && cfg->halt.when == SCX_HALT_NOW;
}

bool
scx__halt_tells(const struct scx__halt *h, const struct scx_config *cfg,
		const struct scx_result *res)
{
	if (cfg->halt.when == SCX_HALT_NEVER || halt_over(h, cfg))
		return false;
	switch (cfg->halt.what) {
	case SCX_HALT_FAIL:
		return job_failed(res);
	case SCX_HALT_SUCCESS:
		return !job_failed(res);
	default:
		return true;
	}
}

/* ceil(100 * @n / @total), @total at least 1. */
static int
percent_of(uint64_t n, uint64_t total)
{
	if (total == 0)
		total = 1;
	return (int)((n * 100 + total - 1) / total);
}

/* The exit status of a --halt fail= or done= that is met by @res. */
static int
status_when_met(const struct scx_halt *halt, const struct scx_summary *sum,
		uint64_t total, const struct scx_result *res)
{
	if (halt->count == 0)
		return percent_of(sum->failed, total);
	/* fail=1, done=1: the job's own status, as a shell gives it. */
	if (halt->count == 1)
		return res->exit_status != 0   ? res->exit_status
		       : res->term_signal != 0 ? 128 + res->term_signal
					       : 0;
	return sum->failed <= 100 ? (int)sum->failed : 101;
}

static void
tell(const struct scx_config *cfg, enum scx_notice what, const char *detail)
{
	if (cfg->notice)
		cfg->notice(cfg->notice_arg, what, detail);
}

enum scx_stop
scx__halt_after(struct scx__halt *h, const struct scx_config *cfg,
		struct scx_summary *sum, int64_t count,
		const struct scx_result *res, const char *cmd, uint64_t running)
{
	static const enum scx_notice told[] = { SCX_NOTICE_JOB_FAILED,
						SCX_NOTICE_JOB_SUCCEEDED,
						SCX_NOTICE_JOB_FINISHED };
	const struct scx_halt *halt = &cfg->halt;
	uint64_t total = count >= 0 ? (uint64_t)count : sum->items;
	char n[24];

	if (halt->when == SCX_HALT_NEVER || halt_over(h, cfg))
		return 0;
	sum->halt = true;
	if (!h->reached)
		/* What GNU parallel exits with if the condition is never
		 * met: the failures, or their percentage. */
		sum->halt_status = halt->count == 0
				       ? percent_of(sum->failed, sum->items)
				   : sum->failed <= 100 ? (int)sum->failed
							: 101;
	if (!scx__halt_tells(h, cfg, res))
		return 0;
	tell(cfg, told[halt->what], cmd ? cmd : "");
	if (!scx__halt_reached(halt, sum, count))
		return 0;
	if (halt->what == SCX_HALT_SUCCESS)
		sum->halt_status = 0;
	else if (!h->reached)
		sum->halt_status = status_when_met(halt, sum, total, res);
	h->reached = true;
	if (halt->when == SCX_HALT_NOW)
		return SCX_STOP_TERMINATE;
	if (running > 0) {
		snprintf(n, sizeof(n), "%llu", (unsigned long long)running);
		tell(cfg, SCX_NOTICE_HALT_WAITING, n);
	}
	return SCX_STOP_DRAIN;
}
