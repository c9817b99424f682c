/* backend.c: finds backends by name: the built-in ones, the ones this
 * build lacks (so they can say so), and those a program registers. */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Backends that exist in scx-run but not in this build. */
#ifdef SCX_HAVE_MPI
static const char *const unavailable[] = { NULL };
#else
static const char *const unavailable[] = { "mpi" };
#endif

static const struct scx_backend_ops *const builtin[] = {
	&scx_backend_multiprocess,
	&scx_backend_loky,
	&scx_backend_dryrun,
};

/* Backends built as plugins: the MPI backend links OpenMPI, whose dozen
 * shared libraries cost every run about 10 ms to load; it is loaded only
 * when a run asks for it. */
struct plugin {
	const char *name;   /* the backend's name */
	const char *file;   /* beside the program: build/scx-mpi.so */
	const char *symbol; /* its scx_backend_ops */
	const struct scx_backend_ops *ops;
};

#ifdef SCX_HAVE_MPI
static struct plugin plugins[] = {
	{ "mpi", "scx-mpi.so", "scx_backend_mpi", NULL },
};
#else
static struct plugin plugins[] = { { NULL, NULL, NULL, NULL } };
#endif

#ifndef SCX_ABI_ID
#define SCX_ABI_ID 0u
#endif

#ifndef SCX_PKGLIBDIR
#define SCX_PKGLIBDIR "/usr/local/lib/scx-run"
#endif

static char load_error[512];

const char *
scx_backend_load_error(void)
{
	return load_error[0] ? load_error : NULL;
}

/* dlopen()s @path; 0, or -1 with load_error set when it exists but cannot
 * be loaded, or 1 when there is no such file. */
static int
plugin_open(struct plugin *pl, const char *path)
{
	const unsigned *abi;
	void *h;

	if (access(path, F_OK) != 0)
		return 1;
	/* RTLD_GLOBAL: OpenMPI's own components, which it dlopen()s, look
	 * for libmpi's symbols in the global scope. */
	h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (h == NULL) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror());
		return -1;
	}
	/* A plugin built from other headers would misread every structure:
	 * refuse it rather than crash. */
	abi = dlsym(h, "scx_plugin_abi");
	if (abi == NULL || *abi != SCX_ABI_ID) {
		snprintf(load_error, sizeof(load_error),
			 "%s was not built with this scx-run (reinstall both "
			 "from the same build)",
			 path);
		dlclose(h);
		return -1;
	}
	pl->ops = dlsym(h, pl->symbol);
	if (pl->ops == NULL) {
		snprintf(load_error, sizeof(load_error), "%s: no %s", path,
			 pl->symbol);
		return -1;
	}
	return 0;
}

/* Looks for the plugin in $SCX_PLUGIN_DIR, beside the program (a build
 * tree), in ../lib/scx-run from it (a moved installation), and in the
 * directory it was installed to. */
static int
plugin_load(struct plugin *pl)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	const char *env = getenv("SCX_PLUGIN_DIR");
	ssize_t n;
	int r;

	if (pl->ops)
		return 0;
	load_error[0] = '\0';
	if (env && env[0]) {
		snprintf(path, sizeof(path), "%s/%s", env, pl->file);
		r = plugin_open(pl, path);
		if (r <= 0)
			return r;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", exe, pl->file);
			r = plugin_open(pl, path);
			if (r <= 0)
				return r;
			snprintf(path, sizeof(path), "%s/../lib/scx-run/%s",
				 exe, pl->file);
			r = plugin_open(pl, path);
			if (r <= 0)
				return r;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", SCX_PKGLIBDIR, pl->file);
	r = plugin_open(pl, path);
	if (r == 1)
		snprintf(load_error, sizeof(load_error),
			 "its plugin %s was not found beside the program nor "
			 "in %s",
			 pl->file, SCX_PKGLIBDIR);
	return r == 0 ? 0 : -1;
}

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
	for (i = 0; i < SCX__ARRAY_SIZE(plugins); i++)
		if (plugins[i].name && strcmp(plugins[i].name, name) == 0) {
			if (plugin_load(&plugins[i]) != 0)
				return SCX_ENOTAVAIL;
			*out = plugins[i].ops;
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
		if (!(builtin[i]->flags & SCX_BACKEND_HIDDEN))
			ADD(builtin[i]->name);
	for (i = 0; i < SCX__ARRAY_SIZE(plugins); i++)
		if (plugins[i].name)
			ADD(plugins[i].name);
	for (i = 0; i < nregistered; i++)
		if (!(registered[i]->flags & SCX_BACKEND_HIDDEN))
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
	static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
					    "PMIX_SIZE" };
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

/* "a, b, c": the names scx_backend_names() lists, into @buf. */
static void
names_list(char *buf, size_t size, bool available)
{
	const char *names[16];
	size_t n, i, len = 0;

	n = scx_backend_names(names, 16, available);
	buf[0] = '\0';
	for (i = 0; i < n && i < 16; i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
					"%s%s", i ? ", " : "", names[i]);
}

/* Why @name, which scx_backend_find() refused with @err, cannot be used;
 * right after that call, while load_error still says why. */
static void
explain_refusal(int err, const char *name, char *detail, size_t size)
{
	char list[256];

	if (err == SCX_ENOTAVAIL && load_error[0]) {
		snprintf(detail, size, "'%s' cannot be loaded: %s", name,
			 load_error);
	} else if (err == SCX_ENOTAVAIL) {
		names_list(list, sizeof(list), true);
		snprintf(detail, size,
			 "'%s' is not available in this build (available: %s)",
			 name, list);
	} else {
		names_list(list, sizeof(list), false);
		snprintf(detail, size, "'%s' is not a backend (accepted: %s)",
			 name, list);
	}
}

/* The default backend, or why it cannot be had: the MPI launcher's ranks
 * need the mpi backend, or $SCX_BACKEND names a wrong one. */
static int
resolve_default(const struct scx_backend_ops **out, char *detail, size_t size)
{
	const char *env = getenv("SCX_BACKEND"), *bad = NULL;
	char why[512];
	int err = scx_backend_default(out, &bad);

	if (err == 0 || (env && env[0])) {
		if (err != 0) {
			explain_refusal(err, bad, why, sizeof(why));
			snprintf(detail, size, "SCX_BACKEND: %s", why);
		}
		return err;
	}
	if (load_error[0])
		snprintf(
		    detail, size,
		    "started by mpiexec with %u ranks, which needs the mpi "
		    "backend: it cannot be loaded: %s",
		    scx_launcher_size(), load_error);
	else
		snprintf(
		    detail, size,
		    "started by mpiexec with %u ranks, which needs the mpi "
		    "backend: it is not available in this build",
		    scx_launcher_size());
	return err;
}

int
scx_backend_resolve(const char *name, const struct scx_backend_ops **out,
		    char *detail, size_t size)
{
	int err;

	if (name == NULL || name[0] == '\0')
		err = resolve_default(out, detail, size);
	else if ((err = scx_backend_find(name, out)) != 0)
		explain_refusal(err, name, detail, size);
	/* dry-run is chosen by the config's dry_run, not by name. */
	if (err == 0 && ((*out)->flags & SCX_BACKEND_HIDDEN)) {
		explain_refusal(SCX_EBACKEND, (*out)->name, detail, size);
		err = SCX_EBACKEND;
	}
	return err;
}
