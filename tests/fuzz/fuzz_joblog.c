/* fuzz_joblog.c: a job log of any text loads without a fault, and a line
 * written for any command reads back as that command. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scx__done d;
	struct scx__joblog_entry e, back;
	struct scx_buf line = { 0 }, scratch = { 0 };
	uint64_t lineno = 0;
	size_t used = 0;
	int err;

	scx__done_init(&d);
	err = scx__joblog_load(&d, (const char *)data, size, true, &lineno,
			       &used);
	if (err != 0 && err != SCX_EJOBLOG && err != -ENOMEM)
		abort();
	if (used > size)
		abort();
	scx__done_free(&d);

	/* Round trip: the input as a command. */
	memset(&e, 0, sizeof(e));
	e.seq = size + 1;
	e.exitval = -1;
	e.signal = 9;
	e.command = (const char *)data;
	e.command_len = size;
	if (scx__joblog_line(&line, &e) != 0)
		abort();
	if (memchr(line.data, '\n', line.len - 1) != NULL)
		abort(); /* one line, whatever the command holds */
	if (scx__joblog_parse_line(line.data, line.len - 1, &back, &scratch) !=
		0 ||
	    back.seq != e.seq || back.exitval != -1 || back.signal != 9 ||
	    back.command_len != size ||
	    (size && memcmp(back.command, data, size) != 0))
		abort();
	scx_buf_free(&line);
	scx_buf_free(&scratch);
	return 0;
}
