/* busreq: see busreq.h.  Pending requests live in a locked table keyed by
 * sequence number: NATS threads take an entry out when its answer comes,
 * the loop's 50 ms timer takes out the ones past their deadline, so each
 * callback runs once, always on the loop thread. */
#include "busreq.h"
#include "busmsg.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct busreq_pending {
	busreq_h *cb;
	void *arg;
	gint64 deadline_us;	/* monotonic */
};

struct busreq {
	struct bus *bus;
	struct handoff *loop;
	pthread_mutex_t lock;
	GHashTable *pending;	/* seq (guint64 *) -> struct busreq_pending */
	uint64_t seq;
	char inbox[96];
	guint timer;
	GMainContext *ctx;
};

/* What the loop thread runs: the callback with the answer or an error. */
struct busreq_done {
	struct busreq_pending p;
	json_t *reply;
	int e;
};

static void busreq_run(void *data, void *arg)
{
	struct busreq_done *d = data;

	d->p.cb(d->reply, d->e, d->p.arg);
	json_decref(d->reply);
	free(d);
}

static void busreq_done_free(void *data)
{
	struct busreq_done *d = data;

	/* The loop is gone: the caller still hears of it, synchronously. */
	d->p.cb(NULL, ECANCELED, d->p.arg);
	json_decref(d->reply);
	free(d);
}

static struct busreq_pending *busreq_take(struct busreq *r, uint64_t seq)
{
	gpointer key = NULL, p = NULL;

	pthread_mutex_lock(&r->lock);
	if (g_hash_table_steal_extended(r->pending, &seq, &key, &p))
		g_free(key);
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void busreq_finish(struct busreq *r, struct busreq_pending *p,
			  json_t *reply, int e)
{
	struct busreq_done *d = calloc(1, sizeof(*d));

	if (!d) {
		json_decref(reply);
		free(p);
		return;
	}
	d->p = *p;
	d->reply = reply;
	d->e = e;
	free(p);
	if (handoff_post(r->loop, busreq_run, d, r))
		busreq_done_free(d);
}

/* NATS thread: an answer (or a "no responders" status) for one request. */
static void busreq_on_reply(struct bus *b, natsMsg *msg, void *arg)
{
	struct busreq *r = arg;
	const char *subj = natsMsg_GetSubject(msg);
	const char *dot = strrchr(subj, '.');
	struct busreq_pending *p;
	json_t *reply = NULL;
	char err[128];
	int e = 0;

	if (!dot || !(p = busreq_take(r, strtoull(dot + 1, NULL, 10))))
		return;		/* late: the request already timed out */
	if (natsMsg_IsNoResponders(msg))
		e = ENOENT;
	else if (busmsg_decode(natsMsg_GetData(msg),
			       (size_t)natsMsg_GetDataLength(msg), &reply, err,
			       sizeof(err)))
		e = EBADMSG;
	busreq_finish(r, p, reply, e);
}

static gboolean busreq_tick(gpointer arg)
{
	struct busreq *r = arg;
	gint64 now = g_get_monotonic_time();
	GSList *late = NULL;
	GHashTableIter it;
	gpointer k, v;

	pthread_mutex_lock(&r->lock);
	g_hash_table_iter_init(&it, r->pending);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (((struct busreq_pending *)v)->deadline_us > now)
			continue;
		late = g_slist_prepend(late, v);
		g_hash_table_iter_steal(&it);
		g_free(k);
	}
	pthread_mutex_unlock(&r->lock);
	for (GSList *l = late; l; l = l->next) {
		struct busreq_pending *p = l->data;
		p->cb(NULL, ETIMEDOUT, p->arg);
		free(p);
	}
	g_slist_free(late);
	return G_SOURCE_CONTINUE;
}

int busreq_new(struct busreq **rp, struct bus *b, struct handoff *loop,
	       GMainContext *ctx, const char *inbox_prefix)
{
	struct busreq *r = calloc(1, sizeof(*r));
	char wild[128];
	GSource *t;
	int e;

	if (!r)
		return ENOMEM;
	r->bus = b;
	r->loop = loop;
	r->ctx = ctx;
	pthread_mutex_init(&r->lock, NULL);
	r->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					   g_free, free);
	snprintf(r->inbox, sizeof(r->inbox), "%s", inbox_prefix);
	snprintf(wild, sizeof(wild), "%s.*", inbox_prefix);
	e = bus_subscribe(b, wild, NULL, busreq_on_reply, r);
	if (e) {
		busreq_free(r);
		return e;
	}
	t = g_timeout_source_new(50);
	g_source_set_callback(t, busreq_tick, r, NULL);
	r->timer = g_source_attach(t, ctx);
	g_source_unref(t);
	*rp = r;
	return 0;
}

void busreq_free(struct busreq *r)
{
	GHashTableIter it;
	gpointer k, v;

	if (!r)
		return;
	if (r->timer) {
		GSource *s = g_main_context_find_source_by_id(r->ctx, r->timer);
		if (s)
			g_source_destroy(s);
	}
	pthread_mutex_lock(&r->lock);
	g_hash_table_iter_init(&it, r->pending);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct busreq_pending *p = v;
		p->cb(NULL, ECANCELED, p->arg);
	}
	g_hash_table_destroy(r->pending);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static uint64_t seq_of(const char *reply)
{
	return strtoull(strrchr(reply, '.') + 1, NULL, 10);
}

int busreq_send(struct busreq *r, const char *subject, const json_t *req,
		long timeout_ms, busreq_h *cb, void *arg)
{
	struct busreq_pending *p = calloc(1, sizeof(*p));
	char reply[160];
	guint64 *key;
	int e;

	if (!p)
		return ENOMEM;
	p->cb = cb;
	p->arg = arg;
	p->deadline_us = g_get_monotonic_time() + timeout_ms * 1000;
	key = g_new(guint64, 1);
	pthread_mutex_lock(&r->lock);
	*key = ++r->seq;
	g_hash_table_insert(r->pending, key, p);
	pthread_mutex_unlock(&r->lock);
	snprintf(reply, sizeof(reply), "%s.%" PRIu64, r->inbox, *key);
	e = bus_publish(r->bus, subject, reply, req);
	if (e)	/* not sent: the caller handles e itself */
		free(busreq_take(r, seq_of(reply)));
	return e;
}

size_t busreq_pending(const struct busreq *r)
{
	return g_hash_table_size(r->pending);
}
