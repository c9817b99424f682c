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
	const char *tmp = getenv("TMPDIR");
	char rnd[7];
	size_t i;
	int fd;

	memset(pj, 0, sizeof(*pj));
	pj->cfg = cfg;
	if (cfg->pipe.mode == SCX_PIPE_PART && !cfg->dry_run) {
		pj->part_fds = calloc(cfg->pipe.nfiles, sizeof(int));
		if (pj->part_fds == NULL)
			return -ENOMEM;
		pj->nparts = cfg->pipe.nfiles;
		/* One that cannot be opened is the source's to report. */
		for (i = 0; i < pj->nparts; i++)
			pj->part_fds[i] =
			    open(cfg->pipe.files[i], O_RDONLY | O_CLOEXEC);
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
	size_t i;

	for (i = 0; i < pj->nparts; i++)
		if (pj->part_fds[i] >= 0)
			close(pj->part_fds[i]);
	free(pj->part_fds);
	scx_buf_free(&pj->hdr);
	scx_buf_free(&pj->name);
	scx_buf_free(&pj->argv);
	memset(pj, 0, sizeof(*pj));
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

/* --pipepart: its file's header from memory, then the part. */
static int
part_stdin(struct scx__pipejob *pj, const struct scx_item *item,
	   struct scx_command *cmd)
{
	uint64_t file, hlen, off, n;
	ssize_t got = 0;
	int fd;

	if (scx__part_parse(item->data, item->len, &file, &hlen, &off, &n) !=
		0 ||
	    file >= pj->nparts)
		return SCX_EWORD;
	fd = pj->part_fds[file];
	if (fd < 0)
		return -EBADF;
	pj->hdr.len = 0;
	if (hlen > 0) {
		if (scx_buf_reserve(&pj->hdr, hlen) != 0)
			return -ENOMEM;
		got = pread(fd, pj->hdr.data, hlen, 0);
		if (got < 0)
			return -errno;
	}
	cmd->stdin_data = got > 0 ? pj->hdr.data : "";
	cmd->stdin_len = (size_t)got;
	cmd->stdin_fd = fd;
	cmd->stdin_file_off = off;
	cmd->stdin_file_len = n;
	return 0;
}

/* --round-robin: the job's stdin is the pipe its item names. */
static int
robin_stdin(const struct scx_item *item, struct scx_command *cmd)
{
	char text[24];
	char *end;
	long fd;

	if (item->len == 0 || item->len >= sizeof(text))
		return SCX_EWORD;
	memcpy(text, item->data, item->len);
	text[item->len] = '\0';
	fd = strtol(text, &end, 10);
	if (*end != '\0' || fd < 0 || fd > INT32_MAX)
		return SCX_EWORD;
	cmd->stdin_data = NULL;
	cmd->stdin_len = 0;
	cmd->stdin_own = (int)fd;
	return 0;
}

int
scx__pipejob_command(struct scx__pipejob *pj, const struct scx_item *item,
		     struct scx_command *cmd)
{
	int err;

	if (pj->cfg->pipe.mode == SCX_PIPE_PART) {
		err = part_stdin(pj, item, cmd);
	} else if (pj->cfg->pipe.round_robin) {
		err = robin_stdin(item, cmd);
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

void
scx__pipejob_done(struct scx__pipejob *pj, uint64_t seq)
{
	if (pj->cfg == NULL || pj->cfg->pipe.mode == SCX_PIPE_NONE ||
	    pj->cfg->pipe.via == SCX_PIPE_STDIN || pj->cfg->dry_run)
		return;
	if (scx__pipejob_arg(pj, seq, &(size_t){ 0 }) != NULL)
		(void)unlink(pj->name.data); /* mostly gone already: ENOENT */
}
