/* ledger.h: the job log (joblog.c), --results' forms (results.c) and
 * the ledger of a run that writes them (ledger.c).  Included by
 * internal.h; not meant to be included alone. */
#ifndef SCX_LEDGER_H
#define SCX_LEDGER_H

/* ------------------------------------------------------------------ */
/* joblog.c: GNU parallel's job log (pure)                             */
/* ------------------------------------------------------------------ */

extern const char scx__joblog_header[];

struct scx__joblog_entry {
	uint64_t seq;
	const char *host; /* NULL: ":" (this machine) */
	int64_t start_us;
	uint64_t runtime_ns;
	uint64_t send, receive;
	int exitval, signal;
	const char *command;
	size_t command_len;
};

/** FNV-1a of @len bytes. */
uint64_t scx__hash(const char *s, size_t len);
/** Whether the line @line (@len bytes, no newline) is the header. */
bool scx__joblog_is_header(const char *line, size_t len);
/** Appends one log line (tabs and newlines in the command escaped).
 * @return 0 or -ENOMEM. */
int scx__joblog_line(struct scx_buf *b, const struct scx__joblog_entry *e);
/** Parses one line (without its newline); the command is unescaped into
 * @scratch.  @return 0, SCX_EJOBLOG, or -ENOMEM. */
int scx__joblog_parse_line(const char *line, size_t len,
			   struct scx__joblog_entry *e,
			   struct scx_buf *scratch);

/* Items a resumed run finds done, indexed by sequence number. */
enum {
	SCX__DONE_LOGGED = 1,
	SCX__DONE_OK = 2,  /* exit 0, no signal */
	SCX__DONE_HASH = 4 /* the command's hash is known */
};

struct scx__done_slot {
	uint64_t seq; /* 0: empty */
	uint64_t hash;
	uint8_t state;
};

struct scx__done {
	struct scx__done_slot *slots;
	size_t cap, n;
};

void scx__done_init(struct scx__done *d);
void scx__done_free(struct scx__done *d);
/** Records @seq as done.  @return 0 or -ENOMEM. */
int scx__done_mark(struct scx__done *d, uint64_t seq, bool ok, bool has_hash,
		   uint64_t hash);
/** SCX__DONE_* bits for @seq (0: not done); its hash in *@hash. */
unsigned scx__done_state(const struct scx__done *d, uint64_t seq,
			 uint64_t *hash);
/**
 * Loads the complete lines of a job log's text (a header line is
 * skipped); *@lineno counts lines across calls, *@consumed says how many
 * bytes were used (the rest is an unfinished line).
 * @return 0, SCX_EJOBLOG (*@lineno is the bad line), or -ENOMEM.
 */
int scx__joblog_load(struct scx__done *d, const char *text, size_t len,
		     bool check_commands, uint64_t *lineno, size_t *consumed);

/* ------------------------------------------------------------------ */
/* results.c: --results in GNU parallel's forms, and --files           */
/* ------------------------------------------------------------------ */

/* How a job's item holds its arguments, for the names under --results
 * DIR and the V columns of --results FILE.csv. */
struct scx__fields {
	bool split;   /* fields separated by sep (else one field) */
	int sep;      /* NUL, or a tab for reusable workers */
	size_t width; /* fields of one argument row; 0: one row */
	struct scx_column_name *names; /* --header's names (owned) */
	size_t nnames;
};

enum scx__results_kind {
	SCX__RESULTS_DIR = 0,
	SCX__RESULTS_CSV,
	SCX__RESULTS_TSV,
	SCX__RESULTS_JSON
};

/** What --results @name makes: a directory tree, or one file. */
enum scx__results_kind scx__results_kind(const char *name);
/** Whether --results @name holds a replacement string ({} and the like). */
bool scx__results_templated(const char *name);
/**
 * The job's directory under DIR, as GNU parallel names it (pure): for
 * each argument its source number (or --header name) and its value, "/"
 * between, the value's backslash, tab, NUL and / written \\ \t \0 \_ and
 * cut to @name_max bytes (0: uncut).  @return 0 or -ENOMEM.
 */
int scx__results_path(const struct scx__fields *f, const char *item, size_t len,
		      size_t name_max, struct scx_buf *out);
/**
 * Stores @res in its directory under the open directory @root: seq,
 * stdout, stderr (and .scx-status) written under temporary names, synced,
 * then renamed, seq last.  @path is scratch space; on error it names the
 * entry at fault.  @return 0, -ELOOP or -ENOTDIR (@path is a link or not a
 * directory), or another negated errno.
 */
int scx__results_store(int root, const struct scx__fields *f,
		       const struct scx_result *res, struct scx_buf *path,
		       struct scx_buf *scratch);
/**
 * What the directory of @item under @root holds: 0 (no complete result),
 * or SCX__DONE_LOGGED and SCX__DONE_OK (exit 0; a result without its
 * .scx-status, as GNU parallel writes them, counts as one).
 * @return those bits or a negated errno (@path names the entry).
 */
int scx__results_state(int root, const struct scx__fields *f, const char *item,
		       size_t len, struct scx_buf *path,
		       struct scx_buf *scratch);
/** --results with a replacement string: stores @res under the job's
 * name @name, as GNU parallel does (NAME/ a directory of seq, stdout,
 * stderr; else NAME, NAME.err, NAME.seq), atomically: the stdout file (seq
 * in a directory) comes last.  @return 0 or a negated errno. */
int scx__results_store_named(const char *name, const struct scx_result *res,
			     struct scx_buf *scratch);
/** What the job's name @name holds: as scx__results_state(). */
int scx__results_state_named(const char *name, struct scx_buf *scratch);
/** mkdir -p @dir.  @return 0 or a negated errno. */
int scx__make_dirs(const char *dir);
/** One job's CSV (TSV) record or JSON line, after the CSV header when
 * @header; its streams are read whole into @out.  @return 0 or an error. */
int scx__results_record(enum scx__results_kind kind,
			const struct scx__fields *f,
			const struct scx_result *res, uint64_t send,
			const char *cmd, size_t cmd_len, bool header,
			struct scx_buf *out, struct scx_buf *scratch);
/** --files: writes @res's stdout into a new file $TMPDIR/parXXXXX.par,
 * kept, whose name goes to @name.  @return 0 or a negated errno. */
int scx__files_write(const struct scx_result *res, struct scx_buf *name,
		     struct scx_buf *scratch);

/* ------------------------------------------------------------------ */
/* ledger.c: the job log and results directory of a run                */
/* ------------------------------------------------------------------ */

struct scx__ledger {
	const struct scx_config *cfg;
	char seq_text[24]; /* a --pipe block's name in --results DIR */
	bool check_commands;
	const char *host;
	struct scx__done done; /* resume: what an earlier job log says */
	int joblog_fd;
	bool joblog_out;	/* --joblog -: joblog_fd is stdout, not ours;
				   deliver puts each line after its item */
	struct scx_buf pending; /* log lines waiting for stdout's flush */
	int results_fd;
	struct scx_buf scratch;
	char detail[512]; /* what the last error was about */
	/* --results in GNU parallel's forms (issue 14, results part). */
	enum scx__results_kind results_kind;
	struct scx__fields fields;
	int record_fd;	     /* --results FILE.csv, .tsv, .json */
	bool record_header;  /* the CSV header is written */
	struct scx_buf path; /* a job's directory under DIR */
	struct scx_buf record;
	struct scx__word name; /* --results with {}: a job's name */
};

void scx__ledger_init(struct scx__ledger *l);
/** Opens --joblog and --results and, with --resume, reads what they say.
 * @return 0 or an error (l->detail says more). */
int scx__ledger_open(struct scx__ledger *l, const struct scx_config *cfg,
		     bool check_commands);
void scx__ledger_close(struct scx__ledger *l);
/**
 * With --resume: whether @item was done by an earlier run (*@skip).
 * @cmd is the command that would run it now (checked against the log).
 * @return 0 or SCX_ECHANGED (l->detail says more).
 */
int scx__ledger_skip(struct scx__ledger *l, const struct scx_item *item,
		     const char *cmd, size_t cmdlen, bool *skip);
/** Queues @res's job log line (Send @send, Receive @receive bytes).
 * @return 0 or -ENOMEM. */
int scx__ledger_log(struct scx__ledger *l, const struct scx_result *res,
		    uint64_t send, uint64_t receive, const char *cmd,
		    size_t cmdlen);
/** Whether enough log lines wait to be written. */
bool scx__ledger_wants_flush(const struct scx__ledger *l);
/** Writes the queued log lines: call only once stdout holds the items'
 * output.  @return 0 or an error. */
int scx__ledger_flush(struct scx__ledger *l);
/** Stores @res in the results directory, atomically.  @return 0 or an
 * error. */
int scx__ledger_result(struct scx__ledger *l, const struct scx_result *res);
/** Tells how jobs' items hold their fields (@src: NULL, or the open
 * source), and their --header @names (copied).  @return 0 or -ENOMEM. */
int scx__ledger_fields(struct scx__ledger *l, const struct scx__source *src,
		       const struct scx_column_name *names, size_t n);
/** Writes @res's record in --results FILE (Send @send, Command @cmd).
 * @return 0 or an error (l->detail says more). */
int scx__ledger_record(struct scx__ledger *l, const struct scx_result *res,
		       uint64_t send, const char *cmd, size_t cmd_len);

#endif /* SCX_LEDGER_H */
