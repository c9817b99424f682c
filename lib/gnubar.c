/* gnubar.c: GNU parallel's --eta and --bar progress views, drawn as GNU
 * parallel 20221122 draws them on stderr (read from its source): the ETA
 * status line with its header, and the bar with its zenity prefix. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* GNU parallel's compute_eta(): its clock is whole seconds, its average
 * smoothed so that the ETA does not jump, and an ETA that grew by less
 * than 10% stays as it was. */
static void
compute_eta(struct scx__gnubar *g, const struct scx__progress *p,
	    uint64_t *total, uint64_t *left, double *pct, double *avg,
	    long long *eta)
{
	uint64_t done = p->done + p->skipped;
	long long now = (long long)p->elapsed, e;

	/* An unknown total (a pipe): the items done and running so far. */
	*total =
	    p->total > done ? p->total : done + (p->total ? 0 : p->running);
	*left = *total - done;
	*pct = *avg = 0;
	*eta = 0;
	if (done == 0)
		return;
	*pct = (double)done / (double)*total;
	if (!g->completed_seen) {
		g->completed_seen = true;
		g->first_completed = now;
	}
	*avg = (double)(now - g->first_completed) / (double)done;
	if (!g->smoothed_set) {
		g->smoothed_set = true;
		g->smoothed = *avg;
	}
	g->smoothed = (1 - *pct) * g->smoothed + *pct * *avg;
	e = (long long)((double)*left * g->smoothed);
	if (e * 0.90 < g->last_eta && g->last_eta < e)
		e = g->last_eta;
	else
		g->last_eta = e;
	*eta = e;
}

/* GNU parallel's seconds_to_time_units(): 5s, 1m05s, 2h01m05s, 1d02h... */
static void
time_units(char *out, size_t size, long long s)
{
	long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;

	s %= 60;
	if (d)
		snprintf(out, size, "%lldd%02lldh%02lldm%02llds", d, h, m, s);
	else if (h)
		snprintf(out, size, "%lldh%02lldm%02llds", h, m, s);
	else if (m)
		snprintf(out, size, "%lldm%02llds", m, s);
	else
		snprintf(out, size, "%llds", s);
}

/* Appends @text cut or padded with blanks to @width columns. */
static int
put_padded(struct scx_buf *b, const char *text, unsigned width)
{
	size_t n = strlen(text);

	if (n > width)
		n = width;
	if (scx_buf_append(b, text, n) != 0)
		return -1;
	for (; n < width; n++)
		if (scx_buf_putc(b, ' ') != 0)
			return -1;
	return 0;
}

/* The bar: "\r# ETA sec ARG" (zenity's), the percentage, then the bar
 * text in reverse video up to the part done. */
static int
format_bar(struct scx__gnubar *g, struct scx_buf *b,
	   const struct scx__progress *p, unsigned cols)
{
	uint64_t total, left;
	double pct, avg;
	long long eta;
	char text[256], units[64], *line;
	size_t at;
	unsigned width;

	compute_eta(g, p, &total, &left, &pct, &avg, &eta);
	time_units(units, sizeof(units), eta);
	snprintf(text, sizeof(text), "#   %lld sec ", eta);
	if (scx_buf_append(b, "\r\r", 2) != 0 || put_padded(b, text, cols) != 0)
		return -1;
	/* Perl prints the percentage as a number: 15 digits at most. */
	snprintf(text, sizeof(text), "\r%.15g\r\033[7m", pct * 100);
	if (scx_buf_append(b, text, strlen(text)) != 0)
		return -1;
	snprintf(text, sizeof(text), "%d%% %llu:%llu=%s ", (int)(pct * 100),
		 (unsigned long long)(p->done + p->skipped),
		 (unsigned long long)left, units);
	at = b->len;
	if (put_padded(b, text, cols) != 0)
		return -1;
	width = (unsigned)(cols * pct);
	if (scx_buf_reserve(b, b->len + 4) != 0)
		return -1;
	line = b->data + at;
	memmove(line + width + 4, line + width, cols - width);
	memcpy(line + width, "\033[0m", 4);
	b->len += 4;
	return scx_buf_append(b, "\033[0m", 4);
}

/* The ETA line, after the list of computers and its header the first
 * time. */
static int
format_eta(struct scx__gnubar *g, struct scx_buf *b,
	   const struct scx__progress *p)
{
	uint64_t total, left, done = p->done + p->skipped;
	uint64_t started = done + p->running;
	double pct, avg;
	long long eta;
	char text[512];

	if (!g->header_done) {
		g->header_done = true;
		snprintf(text, sizeof(text),
			 "\nComputers / CPU cores / Max jobs to run\n"
			 "1:local / %u / %u\n\n"
			 "Computer:jobs running/jobs completed/%%of started "
			 "jobs/Average seconds to complete\n",
			 p->cpus, p->workers);
		if (scx_buf_append(b, text, strlen(text)) != 0)
			return -1;
	}
	compute_eta(g, p, &total, &left, &pct, &avg, &eta);
	snprintf(
	    text, sizeof(text),
	    "\rETA: %llds Left: %llu AVG: %.2fs  local:%u/%llu/%u%%/%.1fs ",
	    eta, (unsigned long long)left, avg, p->running,
	    (unsigned long long)done,
	    started ? (unsigned)((p->running + done) * 100 / started) : 0,
	    done ? (double)(long long)p->elapsed / (double)done : 0.0);
	return scx_buf_append(b, text, strlen(text));
}

int
scx__gnubar_format(struct scx__gnubar *g, struct scx_buf *b,
		   const struct scx__progress *p, bool bar, bool final,
		   unsigned cols)
{
	int err;

	err = bar ? format_bar(g, b, p, cols ? cols : 80) : format_eta(g, b, p);
	if (err == 0 && final)
		err = scx_buf_putc(b, '\n');
	return err ? -12 : 0;
}
