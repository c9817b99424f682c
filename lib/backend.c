/* backend.c: finds backends by name: the built-in ones, the ones this
 * build lacks (so they can say so), and those a program registers. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Backends that exist in scx-run but not in this build. */
#ifdef SCX_HAVE_MPI
static const char *const unavailable[] = { NULL };
#else
static const char *const unavailable[] = { "mpi" };
#endif

static const struct scx_backend_ops *const builtin[] = {
	&scx_backend_multiprocess,
	&scx_backend_loky,
#ifdef SCX_HAVE_MPI
	&scx_backend_mpi,
#endif
};

static const struct scx_backend_ops **registered;
static size_t nregistered;

int
scx_backend_find(const char *name, const struct scx_backend_ops **out)
{
	size_t i;

	for (i = 0; i < SCX__ARRAY_SIZE(builtin); i++)
		if (strcmp(builtin[i]->name, name) == 0) {
			*out = builtin[i];
			return 0;
		}
	for (i = 0; i < nregistered; i++)
		if (strcmp(registered[i]->name, name) == 0) {
			*out = registered[i];
			return 0;
		}
	for (i = 0; i < SCX__ARRAY_SIZE(unavailable); i++)
		if (unavailable[i] && strcmp(unavailable[i], name) == 0)
			return SCX_ENOTAVAIL;
	return SCX_EBACKEND;
}

size_t
scx_backend_names(const char **names, size_t max, bool available)
{
	size_t n = 0, i;

#define ADD(x)                          \
	do {                            \
		if (n < max)            \
			names[n] = (x); \
		n++;                    \
	} while (0)
	for (i = 0; i < SCX__ARRAY_SIZE(builtin); i++)
		ADD(builtin[i]->name);
	for (i = 0; i < nregistered; i++)
		ADD(registered[i]->name);
	if (!available)
		for (i = 0; i < SCX__ARRAY_SIZE(unavailable); i++)
			if (unavailable[i])
				ADD(unavailable[i]);
#undef ADD
	return n;
}

int
scx_backend_register(const struct scx_backend_ops *ops)
{
	const struct scx_backend_ops **p, *found;

	if (ops == NULL || ops->name == NULL)
		return -EINVAL;
	if (scx_backend_find(ops->name, &found) != SCX_EBACKEND)
		return -EEXIST;
	p = realloc(registered, (nregistered + 1) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	registered = p;
	registered[nregistered++] = ops;
	return 0;
}

unsigned
scx_launcher_size(void)
{
	static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
					   "PMIX_SIZE"};
	const char *v;
	uint64_t n;
	size_t i;

	for (i = 0; i < SCX__ARRAY_SIZE(vars); i++) {
		v = getenv(vars[i]);
		if (v && scx_parse_positive(v, 1u << 30, &n) == 0)
			return (unsigned)n;
	}
	return 0;
}

int
scx_backend_default(const struct scx_backend_ops **out, const char **bad)
{
	const char *name = getenv("SCX_BACKEND");
	int err;

	/* Under mpiexec with several ranks, every rank running every item
	 * would be wrong: the MPI backend shares them out. */
	if ((name == NULL || name[0] == '\0') && scx_launcher_size() > 1)
		name = "mpi";
	if (name == NULL || name[0] == '\0')
		name = "multiprocess";
	err = scx_backend_find(name, out);
	if (err != 0)
		*bad = name;
	return err;
}
