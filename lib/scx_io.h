/*
 * scx_io.h: building blocks for libscx's backends, part of its public
 * interface (scx.h includes it): a growable buffer, byte views of memory
 * or of a file, spools that keep an output stream in memory and then in a
 * temporary file, the result streams of a struct scx_result, and the
 * wire: the encodings of a result record and of a chunk of items.
 */
#ifndef SCX_IO_H
#define SCX_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scx_result;
struct scx_chunk;

/* A growable byte buffer; { 0 } is an empty one. */
struct scx_buf {
	char *data;
	size_t len;
	size_t cap;
};

/** Makes room for @more bytes after len.  @return 0 or -ENOMEM. */
int scx_buf_reserve(struct scx_buf *b, size_t more);
/** Appends @len bytes.  @return 0 or -ENOMEM. */
int scx_buf_append(struct scx_buf *b, const void *data, size_t len);
/** Appends one byte.  @return 0 or -ENOMEM. */
int scx_buf_putc(struct scx_buf *b, int c);
/** Appends a formatted string.  @return 0 or -ENOMEM. */
int scx_buf_printf(struct scx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Gives back memory beyond max(len, @keep) when that is more than half
 * of it (a large item passed). */
void scx_buf_trim(struct scx_buf *b, size_t keep);
/** Frees the buffer's memory and empties it. */
void scx_buf_free(struct scx_buf *b);

/* Bytes in memory (mem) or in a file (fd, from off), len of them. */
struct scx_bytes {
	const char *mem;
	int fd;
	uint64_t off, len;
};

struct scx_spool {
	struct scx_buf mem; /* the bytes, or (in_file) the next ones */
	int fd;		    /* the temporary file, kept for reuse, or -1 */
	uint64_t flen;	    /* bytes in the file */
	size_t limit;	    /* bytes held in memory before the file */
	bool in_file;
	char detail[256]; /* why the file failed */
};

/** An unnamed temporary file in $TMPDIR (or /tmp), read-write.
 * @return its descriptor, or a negated errno (@detail says where). */
int scx_tmpfile(char *detail, size_t size);
int scx_pwrite_all(int fd, const void *data, size_t len, uint64_t off);
int scx_pread_all(int fd, void *data, size_t len, uint64_t off);

/** Starts an empty spool holding up to @limit bytes (0: 1 MiB, less with
 * many workers) in memory, then in a temporary file. */
void scx_spool_init(struct scx_spool *s, size_t limit);
void scx_spool_free(struct scx_spool *s);
/** Takes the bytes appended to s->mem (after a read into it): into the
 * file once they pass the limit.  @return 0 or an error (s->detail). */
int scx_spool_commit(struct scx_spool *s);
/** Appends @len bytes.  @return 0 or an error (s->detail). */
int scx_spool_append(struct scx_spool *s, const void *data, size_t len);
/** The bytes held so far. */
uint64_t scx_spool_len(const struct scx_spool *s);
/** Where the bytes are (valid until the next change). */
void scx_spool_view(const struct scx_spool *s, struct scx_bytes *b);
/** Empties the spool; its file stays open for the next item. */
void scx_spool_reset(struct scx_spool *s);

/** Where a result's stdout (stderr) bytes are. */
void scx_result_stdout(const struct scx_result *r, struct scx_bytes *b);
void scx_result_stderr(const struct scx_result *r, struct scx_bytes *b);
/** Sets a result's stdout (stderr) to @b, with the flag that says so. */
void scx_result_set_stdout(struct scx_result *r, const struct scx_bytes *b);
void scx_result_set_stderr(struct scx_result *r, const struct scx_bytes *b);
/**
 * Gives up to @max bytes of @b from @pos: *@p points into memory, or into
 * @scratch for a file.  @return 0 (and *@n, 0 at the end) or an error.
 */
int scx_bytes_read(const struct scx_bytes *b, uint64_t pos, size_t max,
		   struct scx_buf *scratch, const char **p, size_t *n);
/** Copies all of @b into the file @fd at @at.  @return 0 or an error. */
int scx_bytes_copy(const struct scx_bytes *b, int fd, uint64_t at,
		   struct scx_buf *scratch);

/* The wire: numbers in the machine's order (both ends are one build). */
int scx_wire_put_u32(struct scx_buf *b, uint32_t v);
int scx_wire_put_u64(struct scx_buf *b, uint64_t v);
/** A length (u64), then the bytes. */
int scx_wire_put_str(struct scx_buf *b, const char *s, size_t len);

/* Reads a message; any short read marks it bad (and gives 0 or NULL). */
struct scx_wire {
	const char *p;
	size_t len, pos;
	bool bad;
};

void scx_wire_init(struct scx_wire *w, const void *p, size_t len);
uint32_t scx_wire_u32(struct scx_wire *w);
uint64_t scx_wire_u64(struct scx_wire *w);
/** @return the next @n bytes (in the message), or NULL. */
const char *scx_wire_bytes(struct scx_wire *w, size_t n);

/* A result record: this fixed part, then cmd, item, out and err bytes
 * (as many of each as its lengths say). */
#define SCX_RECORD_HEADER (8 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 4 * 8)

struct scx_record_lens {
	uint64_t cmd, item, out, err;
};

/** Appends @res's fixed part (every field but the pointers, and its flags
 * without SCX_RESULT_OUT_FILE/ERR_FILE) and @lens.  @return 0 or
 * -ENOMEM. */
int scx_record_put(struct scx_buf *b, const struct scx_result *res,
		   const struct scx_record_lens *lens);
/** Reads a fixed part into @res (its pointers NULL) and @lens.
 * @return false when it is not all there. */
bool scx_record_get(struct scx_wire *w, struct scx_result *res,
		    struct scx_record_lens *lens);

/** Appends a chunk message: the count, each item's seq and length (a
 * chunk's seqs may have gaps), and the chunk's bytes.  @return 0,
 * -EINVAL (no item) or -ENOMEM. */
int scx_chunk_encode(struct scx_buf *b, const struct scx_chunk *c);
/** A chunk message back into a chunk (each item followed by one
 * delimiter byte).  @return it, or NULL when the message is malformed or
 * memory is short. */
struct scx_chunk *scx_chunk_decode(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
