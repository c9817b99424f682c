/* mpi_link.c: the MPI backend's messages (sends that never wait, probes
 * for what arrived) and the timer that probes, at once while messages flow
 * and after a growing pause, up to POLL_MAX_MS, when idle. */
#include "mpib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
mpib_send_async(struct sendq *q, int dest, int tag, char *buf, size_t len)
{
	struct send *v;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		v = realloc(q->v, q->cap * sizeof(*v));
		if (v == NULL) {
			free(buf);
			return -ENOMEM;
		}
		q->v = v;
	}
	if (MPI_Isend(buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD,
		      &q->v[q->n].req) != MPI_SUCCESS) {
		free(buf);
		return -EIO;
	}
	q->v[q->n++].buf = buf;
	return 0;
}

/* Sends a copy of @len bytes at @data. */
int
mpib_send_copy(struct sendq *q, int dest, int tag, const void *data, size_t len)
{
	char *buf = malloc(len ? len : 1);

	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, data, len);
	return mpib_send_async(q, dest, tag, buf, len);
}

/* Frees the sends that completed.  @return whether any did. */
bool
mpib_sends_progress(struct sendq *q)
{
	size_t i = 0;
	bool any = false;
	int done;

	while (i < q->n) {
		MPI_Test(&q->v[i].req, &done, MPI_STATUS_IGNORE);
		if (!done) {
			i++;
			continue;
		}
		free(q->v[i].buf);
		q->v[i] = q->v[--q->n];
		any = true;
	}
	return any;
}

void
mpib_sends_wait(struct sendq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		MPI_Wait(&q->v[i].req, MPI_STATUS_IGNORE);
		free(q->v[i].buf);
	}
	q->n = 0;
	free(q->v);
	q->v = NULL;
	q->cap = 0;
}

/* Receives the next message from @source (MPI_ANY_SOURCE too) if one is
 * there.  @return 1 and the message (free *@buf), 0, or an error. */
int
mpib_recv_any(int source, int *from, int *tag, char **buf, int *len)
{
	MPI_Status st;
	int flag = 0;

	MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
	if (!flag)
		return 0;
	MPI_Get_count(&st, MPI_BYTE, len);
	*buf = malloc(*len > 0 ? (size_t)*len : 1);
	if (*buf == NULL)
		return -ENOMEM;
	MPI_Recv(*buf, *len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG,
		 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	*from = st.MPI_SOURCE;
	*tag = st.MPI_TAG;
	return 1;
}

void
mpib_free_handle(uv_handle_t *h)
{
	free(h);
}

static void
poll_cb(uv_timer_t *t)
{
	struct mpib *m = t->data;

	m->on_poll(m);
}

void
mpib_poll_again(struct mpib *m, bool progress)
{
	if (m->poll == NULL)
		return;
	if (progress)
		m->backoff = 0;
	else if (m->backoff < POLL_MAX_MS)
		m->backoff = m->backoff ? m->backoff * 2 : 1;
	uv_timer_start(m->poll, poll_cb, m->backoff, 0);
}

int
mpib_start_poll(struct mpib *m, bool keep_alive,
		void (*on_poll)(struct mpib *m))
{
	m->poll = malloc(sizeof(*m->poll));
	if (m->poll == NULL)
		return -ENOMEM;
	uv_timer_init(m->loop, m->poll);
	m->poll->data = m;
	m->on_poll = on_poll;
	if (!keep_alive)
		uv_unref((uv_handle_t *)m->poll);
	mpib_poll_again(m, true);
	return 0;
}

void
mpib_stop_poll(struct mpib *m)
{
	if (m->poll == NULL)
		return;
	uv_close((uv_handle_t *)m->poll, mpib_free_handle);
	m->poll = NULL;
}
