/* error.c: names for libscx's error codes and negated errno values. */
#include "scx.h"

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
