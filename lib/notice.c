/* notice.c: the notices a run gives its caller (the config's notice
 * callback), for the core and the backends alike. */
#include "internal.h"

void
scx_run_notice(struct scx_run *run, enum scx_notice what, const char *detail)
{
	const struct scx_config *cfg = scx_run_config(run);

	if (cfg->notice)
		cfg->notice(cfg->notice_arg, what, detail);
}
