/* tap.h: a few TAP (Test Anything Protocol) helpers for the C unit tests. */
#ifndef SCX_TAP_H
#define SCX_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline void
tap_ok(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
}

/* Compares @len bytes of @got with @wantlen bytes of @want. */
static inline void
tap_is_bytes(const char *got, size_t len, const char *want, size_t wantlen,
	     const char *name)
{
	int same = len == wantlen && memcmp(got, want, len) == 0;

	tap_ok(same, name);
	if (!same)
		printf("#   got:  '%.*s' (%zu bytes)\n#   want: '%.*s' (%zu "
		       "bytes)\n",
		       (int)len, got, len, (int)wantlen, want, wantlen);
}

/* Compares @len bytes of @got with the C string @want. */
static inline void
tap_is_mem(const char *got, size_t len, const char *want, const char *name)
{
	tap_is_bytes(got, len, want, strlen(want), name);
}

static inline void
tap_is_int(long long got, long long want, const char *name)
{
	tap_ok(got == want, name);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
