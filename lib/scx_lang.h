/*
 * scx_lang.h: the types of GNU parallel's command language in a run's
 * configuration (struct scx_config, scx.h): input sources, several
 * arguments per job, renamed replacement strings, column names.
 * Included by scx.h; not meant to be included alone.
 *
 * The fields of struct scx_config that use them:
 *   sources, nsources  GNU parallel's input sources; when there are any,
 *                      inputs is not read.  Several give every combination
 *                      of their items, the last varying fastest; linked
 *                      ones (all of them with link, wrapping round) go
 *                      side by side.  A job's arguments are one item
 *                      whose fields (one per source, column and argument)
 *                      are separated by NUL bytes (by tabs for reusable
 *                      workers, which read the item as text).
 *   link               --link: all the sources side by side.
 *   colsep             a regex cutting each item into columns.
 *   header             ":" or a regex: the first item names the columns
 *                      ({name}); NULL: none.
 *   trim               --trim n, l, r, lr or rl; NULL: n (lr with colsep).
 *   max_args           -n, -N, -L: at most this many per job; 0: one;
 *                      SCX_ARGS_NONE (-N0): one per job, given to none
 *                      of the command's replacement strings.
 *   multi, max_chars   -m, -X, --xargs, and -s (0: GNU parallel's limit).
 *   quote              -q: every word is one argument, never a shell line
 *                      (by default a template that holds shell syntax
 *                      runs as one, GNU parallel's way).
 *   plus, rs_text      --plus, and the names -I and its kin give the basic
 *                      replacement strings (NULL: the usual).
 *   names, nnames      {name} in a fed run (an MPI worker rank): the names
 *                      rank 0 read from the header
 *                      (scx_run_column_names()).
 *   total              {##} and {0#} in a fed run: rank 0's job count
 *                      (scx_run_item_count()), 0 when unknown.
 */
#ifndef SCX_LANG_H_PUBLIC
#define SCX_LANG_H_PUBLIC

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One of GNU parallel's input sources: the words after ::: , or a file
 * of items (:::: FILE, -a FILE; "-" is standard input). */
struct scx_input_source {
	const char *const *args; /* ::: words; NULL for a file */
	size_t nargs;
	const char *path; /* the file, when args is NULL */
	bool linked;	  /* :::+ / ::::+: side by side with the one before */
};

/* A column name from --header, and the field (from 1) it names. */
struct scx_column_name {
	const char *name;
	size_t field;
};

/* max_args of -N0 and -n0: a job per argument, which the command does not
 * get. */
#define SCX_ARGS_NONE ((size_t)-1)

/* -m, -X, --xargs: as many arguments per job as the command line takes. */
enum scx_multi {
	SCX_MULTI_NONE = 0,
	SCX_MULTI_M,	 /* -m: {} takes all the job's arguments */
	SCX_MULTI_X,	 /* -X: a word with {} is repeated per argument */
	SCX_MULTI_XARGS, /* --xargs: -m, filling each job to the limit */
};

/* The replacement strings that -I and its kin rename. */
enum scx_rs_name {
	SCX_RS_ITEM = 0,  /* {}: -I */
	SCX_RS_NOEXT,	  /* {.}: --extensionreplace */
	SCX_RS_BASE,	  /* {/}: --basenamereplace */
	SCX_RS_DIR,	  /* {//}: --dirnamereplace */
	SCX_RS_BASENOEXT, /* {/.}: --basenameextensionreplace */
	SCX_RS_SEQ,	  /* {#}: --seqreplace */
	SCX_RS_SLOT,	  /* {%}: --slotreplace */
	SCX_RS_NNAMES
};

#ifdef __cplusplus
}
#endif

#endif
