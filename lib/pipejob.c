/* pipejob.c: the command of a --pipe or --pipepart job.  Its block is its
 * stdin; {} stands for nothing, or with --cat and --fifo for a temporary
 * file (a named pipe) that a small sh wrapper fills from that stdin and
 * removes when the job ends, as GNU parallel's wrapper does. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $0: the file; "$@": the job's command.  The file exists (made by the
 * runner, ours alone) before the wrapper runs. */
static const char cat_script[] =
    "cat >\"$0\" || { rm -f -- \"$0\"; exit 255; }; \"$@\"; s=$?; "
    "rm -f -- \"$0\"; exit $s";
/* The command reads the named pipe; a cat fills it from our stdin, and is
 * stopped when the command ends without reading it all. */
static const char fifo_script[] =
    "exec 3<&0 </dev/null; cat <&3 >\"$0\" & c=$!; exec 3<&-; \"$@\"; "
    "s=$?; kill $c 2>/dev/null; rm -f -- \"$0\"; exit $s";

int
scx__pipejob_open(struct scx__pipejob *pj, const struct scx_config *cfg)
{
	const char *tmp = getenv("TMPDIR"), *path = cfg->pipe.file;
	char rnd[7];
	int fd;

	memset(pj, 0, sizeof(*pj));
	pj->cfg = cfg;
	pj->part_fd = -1;
	if (cfg->pipe.mode == SCX_PIPE_PART && !cfg->dry_run) {
		if (path == NULL)
			return SCX_ESEEKABLE;
		pj->part_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (pj->part_fd < 0)
			return -errno;
	}
	if (cfg->pipe.via == SCX_PIPE_STDIN)
		return 0;
	/* One random part per run, then the job's number: a name that is
	 * known before the job runs (the job log shows it) and that another
	 * user cannot guess to plant a link there first. */
	snprintf(pj->prefix, sizeof(pj->prefix), "%s/scx-run-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(pj->prefix);
	if (fd >= 0) {
		close(fd);
		unlink(pj->prefix);
		memcpy(rnd, pj->prefix + strlen(pj->prefix) - 6, 7);
	} else {
		snprintf(rnd, sizeof(rnd), "%06x",
			 (unsigned)getpid() & 0xffffff);
	}
	snprintf(pj->prefix, sizeof(pj->prefix), "%s/scx-run-%s-",
		 tmp && *tmp ? tmp : "/tmp", rnd);
	return 0;
}

void
scx__pipejob_close(struct scx__pipejob *pj)
{
	if (pj->part_fd >= 0)
		close(pj->part_fd);
	free(pj->hdr);
	scx_buf_free(&pj->name);
	scx_buf_free(&pj->argv);
	memset(pj, 0, sizeof(*pj));
	pj->part_fd = -1;
}

const char *
scx__pipejob_arg(struct scx__pipejob *pj, uint64_t seq, size_t *len)
{
	*len = 0;
	if (pj->cfg->pipe.via == SCX_PIPE_STDIN)
		return "";
	pj->name.len = 0;
	if (scx_buf_printf(&pj->name, "%s%llu", pj->prefix,
			   (unsigned long long)seq) != 0)
		return NULL;
	*len = pj->name.len;
	return pj->name.data;
}

/* Makes the job's file (a named pipe for --fifo), ours alone; one left
 * by an earlier attempt of the same job is ours to replace, anything
 * else there (another user's link) is not. */
static int
make_file(struct scx__pipejob *pj, const char *name)
{
	struct stat st;
	int tries, fd;

	for (tries = 0; tries < 2; tries++) {
		if (pj->cfg->pipe.via == SCX_PIPE_FIFO) {
			if (mkfifo(name, 0600) == 0)
				return 0;
		} else {
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0600);
			if (fd >= 0) {
				close(fd);
				return 0;
			}
		}
		if (errno != EEXIST || lstat(name, &st) != 0 ||
		    st.st_uid != geteuid() ||
		    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) ||
		    unlink(name) != 0)
			break;
	}
	return SCX_ETMPFILE;
}

static int
wrap(struct scx__pipejob *pj, struct scx_command *cmd)
{
	static const char *const head[] = { "/bin/sh", "-c" };
	size_t n = 0, i;
	char **v;
	int err;

	while (cmd->argv[n] != NULL)
		n++;
	err = scx_buf_reserve(&pj->argv, (n + 5) * sizeof(char *));
	if (err != 0)
		return err;
	v = (char **)(void *)pj->argv.data;
	v[0] = (char *)head[0];
	v[1] = (char *)head[1];
	v[2] = (char *)(pj->cfg->pipe.via == SCX_PIPE_FIFO ? fifo_script
							   : cat_script);
	v[3] = pj->name.data;
	for (i = 0; i <= n; i++)
		v[4 + i] = cmd->argv[i];
	cmd->argv = v;
	return 0;
}

/* --pipepart: the header (read once) from memory, then the part. */
static int
part_stdin(struct scx__pipejob *pj, const struct scx_item *item,
	   struct scx_command *cmd)
{
	uint64_t hlen, off, n;
	ssize_t got;

	if (scx__part_parse(item->data, item->len, &hlen, &off, &n) != 0)
		return SCX_EWORD;
	if (!pj->hdr_read && hlen > 0) {
		pj->hdr = malloc(hlen);
		if (pj->hdr == NULL)
			return -ENOMEM;
		got = pread(pj->part_fd, pj->hdr, hlen, 0);
		if (got < 0)
			return -errno;
		pj->hlen = (size_t)got;
	}
	pj->hdr_read = true;
	cmd->stdin_data = pj->hlen ? pj->hdr : "";
	cmd->stdin_len = pj->hlen;
	cmd->stdin_fd = pj->part_fd;
	cmd->stdin_file_off = off;
	cmd->stdin_file_len = n;
	return 0;
}

int
scx__pipejob_command(struct scx__pipejob *pj, const struct scx_item *item,
		     struct scx_command *cmd)
{
	int err;

	if (pj->cfg->pipe.mode == SCX_PIPE_PART) {
		err = part_stdin(pj, item, cmd);
	} else {
		cmd->stdin_data = item->data;
		cmd->stdin_len = item->len;
		err = 0;
	}
	if (err != 0 || pj->cfg->pipe.via == SCX_PIPE_STDIN)
		return err;
	/* The name scx__pipejob_arg() made for this job. */
	if (scx__pipejob_arg(pj, item->seq, &(size_t){ 0 }) == NULL)
		return -ENOMEM;
	err = make_file(pj, pj->name.data);
	return err != 0 ? err : wrap(pj, cmd);
}
