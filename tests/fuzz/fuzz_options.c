/* fuzz_options.c: the command-line parser of scx-run takes any argument
 * vector without a fault: it accepts it or names what it refuses. */
#define main scx_run_main
#include "../../cmd/scx-run.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *argv[33], optbuf[64];
	struct parse_failure f;
	struct options o;
	enum parse_status st;
	int argc = 1;
	size_t i;

	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = (char *)"scx-run";
	/* Arguments are separated by NUL bytes. */
	for (i = 0; i < size && argc < 32; argc++) {
		argv[argc] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	memset(&o, 0, sizeof(o));
	memset(&f, 0, sizeof(f));
	scx_config_init(&o.cfg);
	optind = 0; /* GNU getopt: start afresh */
	st = parse_args(&o, argc, argv, &f, optbuf, sizeof(optbuf));
	if ((st == PARSE_BAD_VALUE || st == PARSE_TOO_LARGE ||
	     st == PARSE_TOO_SMALL) &&
	    (!f.option || !f.value || !f.expected))
		abort();
	if (((st == PARSE_UNKNOWN || st == PARSE_REFUSED) && !f.value) ||
	    (st == PARSE_REFUSED && !f.refused) ||
	    ((st == PARSE_MISSING_ARG || st == PARSE_UNWANTED_ARG) &&
	     !f.option))
		abort();
	if (st == PARSE_OK && o.cfg.argc > (size_t)argc)
		abort();
	options_free(&o);
	free(copy);
	return 0;
}
