/* error.c: names for libscx's error codes and negated errno values, and
 * the exit status a run's summary gives. */
#include "scx.h"

#include <signal.h>
#include <string.h>

const char *
scx_strerror(int err)
{
	switch (err) {
#define SCX_XX(name, msg) \
	case SCX_##name:  \
		return msg;
		SCX_ERRNO_MAP(SCX_XX)
#undef SCX_XX
	case 0:
		return "success";
	default:
		break;
	}
	if (err < 0 && err > SCX__EBASE)
		return strerror(-err);
	return "unknown error";
}

int
scx_exit_status(const struct scx_summary *s)
{
	if (s->stop_signal > 0)
		return 128 + s->stop_signal;
	if (s->error != 0)
		return 255;
	if (s->broken_pipe)
		return 128 + SIGPIPE;
	if (s->halt)
		return s->halt_status;
	if (s->failed == 0)
		return 0;
	return s->failed <= 100 ? (int)s->failed : 101;
}
