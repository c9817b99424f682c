/* lang.h: GNU parallel's language inside the library: the reader, the
 * sources and their jobs, the command template.  Included by internal.h
 * only. */
#ifndef SCX_LANG_H
#define SCX_LANG_H

/* ------------------------------------------------------------------ */
/* reader.c: splits a byte stream into items (pure)                    */
/* ------------------------------------------------------------------ */

/* One item within a block: bytes [off, off + len), the delimiter after. */
struct scx__span {
	size_t off;
	size_t len;
};

/* Complete items cut from the input, in order, with their bytes. */
struct scx__block {
	struct scx__block *next;
	char *data; /* each item followed by the delimiter */
	size_t len;
	struct scx__span *spans;
	size_t n;
	size_t pos; /* items before this were taken */
	uint64_t first_seq;
};

struct scx__reader {
	int delim;
	char *buf; /* bytes not yet cut into a block */
	size_t len;
	size_t cap;
	size_t scan; /* bytes before this hold no delimiter after the cut */
	size_t cut;  /* bytes before this are complete items */
	struct scx__span *spans;
	size_t n;
	size_t spancap;
	uint64_t next_seq;
};

/** Starts a reader for items ended by @delim, numbered from 1. */
void scx__reader_init(struct scx__reader *r, int delim);
/** Frees the reader's buffers. */
void scx__reader_free(struct scx__reader *r);
/**
 * Gives a place to write at least @min new bytes into.
 * @return 0 and *@ptr, *@avail, or -ENOMEM.
 */
int scx__reader_space(struct scx__reader *r, size_t min, char **ptr,
		      size_t *avail);
/** Accepts @n bytes written at the place scx__reader_space() gave.
 * @return 0 or -ENOMEM. */
int scx__reader_commit(struct scx__reader *r, size_t n);
/** Feeds @len bytes (copying them).  @return 0 or -ENOMEM. */
int scx__reader_feed(struct scx__reader *r, const void *data, size_t len);
/** Marks the end of input: unfinished bytes become the last item.
 * @return 0 or -ENOMEM. */
int scx__reader_end(struct scx__reader *r);
/**
 * Cuts the complete items into a block the caller owns.
 * @return 0 and *@out, SCX_EAGAIN when there is none, or -ENOMEM.
 */
int scx__reader_cut(struct scx__reader *r, struct scx__block **out);
/** One read(2) of @fd (at most about @size bytes) into the reader,
 * waiting out EINTR.  @return 1 after some bytes, 0 at the end of the
 * input (the reader then ended it), 2 when a non-blocking @fd has none
 * yet, or a negated errno. */
int scx__reader_fill(struct scx__reader *r, int fd, size_t size);
/** Appends one whole item, whatever bytes it holds (nothing unfinished
 * may be in the reader).  @return 0 or -ENOMEM. */
int scx__reader_item(struct scx__reader *r, const void *data, size_t len);
/** Forgets the complete items, keeping what follows them. */
void scx__reader_drop(struct scx__reader *r);
/** A block of one item, the @len bytes of @data (taken; data[len] is the
 * delimiter), numbered @seq.  NULL without memory (@data not taken). */
struct scx__block *scx__block_one(char *data, size_t len, uint64_t seq);
/** The same of a copy of @text, @delim after it. */
struct scx__block *scx__block_copy(const char *text, size_t len, char delim,
				   uint64_t seq);
/** Frees a block; NULL is allowed. */
void scx__block_free(struct scx__block *b);

/* cutter.c: GNU parallel's blocks of records (--pipe) and parts of a file
 * (--pipepart).  Each job is an scx__block of one item: the block's bytes
 * (with the header first), or for a part "FILE HLEN OFF LEN", which
 * scx__part_parse() reads back.  emit queues a block (taking it) and
 * returns 0, 1 to quit, or an error; wait returns false on quit. */
struct scx__cutter;
typedef int (*scx__cut_emit)(void *arg, struct scx__block *b);
typedef bool (*scx__cut_wait)(void *arg, int fd);
struct scx__cut_calls {
	scx__cut_emit emit;
	scx__cut_wait wait;
	void (*warn)(void *arg, const char *msg); /* said once */
};
int scx__cutter_open(struct scx__cutter **out, const struct scx_config *cfg);
void scx__cutter_free(struct scx__cutter *c);
/** The size of a regular file or a block device at @fd; false for
 * anything else (a pipe, a terminal...). */
bool scx__input_size(int fd, uint64_t *size);
/** --block -N needs the input's size. */
bool scx__cutter_needs_size(const struct scx__cutter *c);
void scx__cutter_size(struct scx__cutter *c, uint64_t size, unsigned slots);
/** Cuts @fd to its end.  @return 0, 1 on quit, or an error. */
int scx__cutter_stream(struct scx__cutter *c, int fd, bool regular,
		       const struct scx__cut_calls *calls, void *arg);
/** Finds the parts of the regular file @fd.  @return 0, 1 on quit, or an
 * error. */
int scx__cutter_part(struct scx__cutter *c, int fd, unsigned file,
		     unsigned slots, scx__cut_emit emit, void *arg);
/* robin.c: --round-robin's dealing of blocks to one job per slot (the
 * jobs' items go out through @emit; their stdin is a pipe, "FD"). */
struct scx__robin;
int scx__robin_open(struct scx__robin **out, unsigned slots, int quit_fd,
		    const struct scx__cut_calls *calls, void *arg);
void scx__robin_free(struct scx__robin *r);
/** Gives @b (taken) to a job.  @return 0, 1 on quit, or an error. */
int scx__robin_deal(struct scx__robin *r, struct scx__block *b);
/** Writes what is left, then ends every job's input.  @return 0 or 1 on
 * quit. */
int scx__robin_end(struct scx__robin *r);
/** Reads a part's item back.  @return 0, or SCX_EWORD. */
int scx__part_parse(const char *data, size_t len, uint64_t *file,
		    uint64_t *hlen, uint64_t *off, uint64_t *n);

/**
 * Counts the items in @fd from its current offset without moving it and
 * without holding the input in memory.
 * @return 0 and *@count, or a negated errno.
 */
int scx__count_items(int fd, int delim, uint64_t *count);

/* ------------------------------------------------------------------ */
/* combine.c: GNU parallel's input sources made into jobs              */
/* ------------------------------------------------------------------ */

struct scx__combine;

/** Whether @cfg's items are made by combine.c (several sources, columns,
 * names or several arguments per job) rather than read as they are. */
bool scx__combine_needed(const struct scx_config *cfg);
/**
 * Opens @cfg's sources, reads all but a streaming first one, and their
 * headers.  Fields are separated by @sep; -m and -X spread arguments over
 * @slots jobs.  @return 0 and *@out, or an error (*@bad names the source).
 */
int scx__combine_open(struct scx__combine **out, const struct scx_config *cfg,
		      int sep, unsigned slots, const char **bad);
/** Whether the job count is known, and what it is. */
bool scx__combine_count(const struct scx__combine *cb, uint64_t *n);
/** The --header names. */
/** How a job's item holds its fields: separated by *@sep, *@width to an
 * argument row (0: one row of them all). */
void scx__combine_fields(const struct scx__combine *cb, int *sep,
			 size_t *width);
const struct scx_column_name *scx__combine_names(const struct scx__combine *cb,
						 size_t *n);
/**
 * Makes every job, calling @emit(@arg, bytes, len) for each (it returns 0,
 * 1 to stop, or an error; bytes NULL: send on what was emitted); @wait(@arg,
 * fd) waits for input on a pipe and returns false to stop.  @return 0, 1 when
 * stopped, or an error (*@bad names the source).
 */
int scx__combine_run(struct scx__combine *cb,
		     int (*emit)(void *, const char *, size_t),
		     bool (*wait)(void *, int), void *arg, const char **bad);
void scx__combine_free(struct scx__combine *cb);

/* ------------------------------------------------------------------ */
/* source.c: the input, read by a thread into a bounded queue          */
/* ------------------------------------------------------------------ */

struct scx__source;

/**
 * Opens @cfg's inputs or sources (none: stdin) and counts the items when
 * it can.  @on_stdin: items go to reusable workers as text (fields joined
 * by tabs); @slots: the run's workers.  On error *@bad names the input.
 * @return 0 and *@out, or an error.
 */
int scx__source_open(struct scx__source **out, const struct scx_config *cfg,
		     bool on_stdin, unsigned slots, const char **bad);
/** The --header names (none without --header). */
/** Whether a job's item is fields (combine.c's), and how. */
bool scx__source_fields(const struct scx__source *s, int *sep, size_t *width);
const struct scx_column_name *scx__source_names(const struct scx__source *s,
						size_t *n);
/** Whether the item count is known, and what it is. */
bool scx__source_count(const struct scx__source *s, uint64_t *n);
/**
 * Starts the reading thread; @notify(@arg) is called from it whenever
 * items arrive or input ends.  @return 0 or a negated errno.
 */
int scx__source_start(struct scx__source *s, void (*notify)(void *), void *arg);
/**
 * Takes up to @max items.  @return 0 and *@out, SCX_EAGAIN, SCX_EOF, or
 * the read error that ended the input (then *@bad names the input).
 */
int scx__source_take(struct scx__source *s, size_t max, struct scx_chunk **out,
		     const char **bad);
/** Whether items are read and waiting to be taken. */
bool scx__source_waiting(struct scx__source *s);
/** Whether input ended and every item was taken. */
bool scx__source_exhausted(struct scx__source *s);
/** The cutter's warning since the last call, if any, into @msg. */
bool scx__source_warning(struct scx__source *s, char *msg, size_t size);
/** Stops the thread, closes the inputs, frees everything. */
void scx__source_destroy(struct scx__source *s);

/* ------------------------------------------------------------------ */
/* template.c: the command template and its replacement strings (pure)*/
/* ------------------------------------------------------------------ */

struct scx__template;

/* A piece of a template: literal text or a replacement string. */
enum scx__rs_kind {
	RS_LITERAL,
	/* Values of an argument (path kinds). */
	RS_ITEM,       /* {} */
	RS_NOEXT,      /* {.} */
	RS_BASE,       /* {/} */
	RS_DIR,	       /* {//} */
	RS_BASENOEXT,  /* {/.} */
	RS_NOEXT2,     /* {..} */
	RS_NOEXT3,     /* {...} */
	RS_BASENOEXT2, /* {/..} */
	RS_BASENOEXT3, /* {/...} */
	RS_PDIR,       /* {+/} */
	RS_EXT,	       /* {+.} */
	RS_EXT2,       /* {+..} */
	RS_EXT3,       /* {+...} */
	RS_BASH,       /* --plus' bash-like {:-x} {#pat} {/a/b} {^a} ... */
	RS_CHOOSE_K,   /* {choose_k}: {}, the job skipped unless rising */
	RS_UNIQ,       /* {uniq}: {}, the job skipped if two are equal */
	RS_RAW,	       /* no command: the item is the command, as is */
	RS_LAST_PATH = RS_RAW,
	/* Numbers. */
	RS_SEQ,	  /* {#} */
	RS_SLOT,  /* {%} */
	RS_TOTAL, /* {##} */
	RS_SEQ0,  /* {0#} */
	RS_SLOT0, /* {0%} */
	RS_NAME	  /* {name}: a --header name, literal until it names one */
};

/* rsvalue.c: what a replacement string stands for. */

/** The value of a path kind (RS_ITEM..RS_RAW) for one argument: a part
 * of it, in *@out. */
void scx__rs_path(enum scx__rs_kind kind, const char *item, size_t len,
		  const char **out, size_t *outlen);
/** The text of a number kind into @num (@size bytes); its length. */
size_t scx__rs_number(enum scx__rs_kind kind, uint64_t seq, unsigned slot,
		      uint64_t total, unsigned slots, char *num, size_t size);
struct scx__rs_op;
/** Whether @p (@n bytes, between the braces) is one of --plus' bash-like
 * strings; then *@out is its compiled form.  @return 1, 0, or -ENOMEM. */
int scx__rs_bash_parse(const char *p, size_t n, struct scx__rs_op **out);
void scx__rs_bash_free(struct scx__rs_op *op);
/** Appends what @op makes of @v.  @return 0 or -ENOMEM. */
int scx__rs_bash_apply(const struct scx__rs_op *op, const char *v, size_t len,
		       struct scx_buf *out);
/** A POSIX extended regex for a Perl one (\t \n \s \d \w ...), to
 * free().  NULL: no memory. */
char *scx__perl_regex(const char *perl, size_t len);
/** Whether @perl makes a POSIX extended regex (scx__perl_regex()). */
bool scx__regex_ok(const char *perl);

/** Appends @s shell-quoted.  @return 0 or -ENOMEM. */
int scx__append_quoted(struct scx_buf *b, const char *s, size_t len);

/* How to read the command words. */
struct scx__template_opts {
	char *const *argv;
	size_t argc;
	bool shell;		/* one shell line, substitutions quoted */
	const char *shell_path; /* NULL: /bin/sh */
	bool no_command;  /* no words: each job's arguments are its command */
	bool pipe_item;	  /* nothing is appended */
	bool fields;	  /* a job's arguments are NUL-separated fields */
	bool no_args;	  /* -N0: the command gets none of them */
	bool quote_words; /* -q in a shell line: each word quoted */
	enum scx_multi multi;
	bool context; /* -N, -L: {}'s word repeats per argument, as -X */
	bool plus;
	const char *const *rs_text; /* -I and its kin, or NULL */
};

/**
 * Parses the command words.  Replacement strings: GNU parallel's {} {.}
 * {/} {//} {/.} {#} {%}, their positional forms {n} {n.} ... {-n}, --plus'
 * {..} {...} {/..} {/...} {+/} {+.} {+..} {+...} {##} {0#} {0%}, and
 * --header's {name}.  Without any, the arguments are appended as last
 * words (unless pipe_item).
 * @return 0 and *@out, SCX_ENOCMD, SCX_EPERL (a {= =} string), or
 * -ENOMEM.
 */
int scx__template_parse_opts(struct scx__template **out,
			     const struct scx__template_opts *o);
/** scx__template_parse_opts() with only these. */
int scx__template_parse(struct scx__template **out, char *const *argv,
			size_t argc, bool shell, bool pipe_item);
/** Gives the --header names: {name} then stands for that field. */
void scx__template_names(struct scx__template *t,
			 const struct scx_column_name *names, size_t n);
/** The job count ({##}, {0#}; 0: unknown) and the slots ({0%}). */
void scx__template_counts(struct scx__template *t, uint64_t total,
			  unsigned slots);
/** Frees a template; NULL is allowed. */
void scx__template_free(struct scx__template *t);
/**
 * Expands the template for one item into @argv: with shell, {"/bin/sh",
 * "-c", string, NULL}; without, one argument per word.  @argv and its
 * strings live in @space and @vec (reused between calls).
 * @return 0, SCX_ENUL, or -ENOMEM.
 */
int scx__template_expand(struct scx__template *t, const char *item, size_t len,
			 uint64_t seq, unsigned slot, struct scx_buf *space,
			 struct scx_buf *vec, char ***argv);
/**
 * Expands the template for one item as text: its words joined by blanks,
 * as GNU parallel's {} of several arguments reads in --tagstring and
 * --results NAME.  Into @out (NUL-terminated); @space and @vec as above.
 * @return 0, SCX_ENUL, or -ENOMEM.
 */
int scx__template_text(struct scx__template *t, const char *item, size_t len,
		       uint64_t seq, unsigned slot, struct scx_buf *space,
		       struct scx_buf *vec, struct scx_buf *out);
/**
 * With shell: finds the first replacement string of the item ({} {.} {/}
 * {//} {/.}) that stands inside single or double quotes of the template
 * itself, or right after a backslash, where sh does not undo the quoting
 * of its substitution (its quotes show and its $(...) runs).
 * @return 1 and *@rs (the string, static) and *@quote ('\'', '"' or '\\'),
 * 0 when there is none (or without shell), or -ENOMEM.
 */
int scx__template_quoted(const struct scx__template *t, const char **rs,
			 char *quote);
/** Whether the template uses the item or its number. */
bool scx__template_uses_item(const struct scx__template *t);
/** Whether the template uses the slot ({%}). */
bool scx__template_uses_slot(const struct scx__template *t);
/** Whether the last job expanded is one {choose_k} or {uniq} skips. */
bool scx__template_skipped(const struct scx__template *t);
/** Whether the template runs as one shell line. */
bool scx__template_is_shell(const struct scx__template *t);
/** Expands a single replacement kind, for tests: "{.}" etc. */
int scx__template_one(const char *rs, const char *item, size_t len,
		      struct scx_buf *out);

#endif
