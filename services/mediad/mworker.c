/* mworker: one packet worker: an epoll loop that owns its sessions and
 * their sockets.  Bus requests for its sessions arrive through a hand-off
 * queue (an eventfd wakes the loop); a 10 ms timerfd runs mpath_tick for
 * the sessions whose deadline has come (a min-heap, mtimer.c), which
 * drives DTLS retransmissions, DTMF, RTCP reports and media timeouts. */
#include "msess.h"
#include "busmsg.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { MWORKER_EVENTS = 256, MWORKER_TICK_MS = 10, MWORKER_PENDING = 4096 };

/* A bus request waiting for the worker. */
struct mreq {
	json_t *msg;
	char *reply;
};

static void mworker_wake(void *arg)
{
	struct mworker *w = arg;
	uint64_t one = 1;

	if (write(w->evfd, &one, sizeof(one)) < 0)
		return;		/* already signalled: the counter is set */
}

int mworker_watch(struct mworker *w, struct msock *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = k };

	if (k->fd < 0)
		return 0;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, k->fd, &ev) ? errno : 0;
}

static void mworker_reply(struct mworker *w, const char *reply, json_t *m)
{
	if (reply && m)
		bus_publish(w->md->svc.bus, reply, NULL, m);
	json_decref(m);
}

/* A request whose fields are wrong (the schema's types passed): refused
 * and counted with the messages mbus.c refuses. */
static json_t *mworker_bad(struct mworker *w, const char *why)
{
	metrics_inc(&w->md->svc.metrics, MM_BUS_BAD);
	LOG_WARN("bus", "refused: %s", why);
	return busmsg_error(BUSMSG_E_FIELD, why);
}

static json_t *mworker_sdp_reply(struct msess *s, char *sdp)
{
	json_t *m = busmsg_new("media_sdp");

	json_object_set_new(m, "session", json_string(s->id));
	json_object_set_new(m, "node", json_string(s->md->svc.id));
	json_object_set_new(m, "sdp", json_string(sdp));
	json_object_set_new(m, "transcode", json_boolean(s->transcode));
	if (s->web.codec.pt >= 0)
		json_object_set_new(m, "codec", json_pack("{s:s, s:s}", "web",
			s->web.codec.name, "sip", s->sip.codec.name));
	if (s->vid.on && json_object_get(m, "codec"))	/* relayed as is */
		json_object_set_new(json_object_get(m, "codec"), "video",
				    json_string("VP8"));
	g_free(sdp);
	return m;
}

static json_t *mworker_ok(struct msess *s)
{
	json_t *m = busmsg_new("media_ok");

	if (s)
		json_object_set_new(m, "session", json_string(s->id));
	return m;
}

/* A new session's offer/answer; the session is in w->sessions already.
 * On a refusal it is removed and freed. */
static json_t *mworker_create_sdp(struct mworker *w, struct msess *s,
				  const json_t *req)
{
	const char *side = busmsg_str(req, "side");
	char why[160] = "";
	char *sdp = mneg_create(s, strcmp(side, "sip") ? MSESS_FROM_WEB :
				MSESS_FROM_SIP, busmsg_str(req, "sdp"), why,
				sizeof(why));

	if (!sdp) {
		metrics_inc(&w->md->svc.metrics, MM_SDP_BAD);
		LOG_INFO("sess", "refused a %s offer: %s", side, why);
		mtimer_cancel(&w->timers, &s->timer);
		g_hash_table_remove(w->sessions, s->id);
		atomic_fetch_sub(&w->nsessions, 1);
		msess_free(s);
		return busmsg_error(BUSMSG_E_FIELD, why);
	}
	metrics_inc(&w->md->svc.metrics, MM_CREATED);
	LOG_INFO("sess", "%s: created from a %s offer (web %u, sip %u)", s->id,
		 side, s->web.port, s->sip.port);
	return mworker_sdp_reply(s, sdp);
}

/* Full ICE with a STUN server: the reply waited for gathering. */
static void mworker_gathered(struct msess *s, json_t *req, const char *reply)
{
	mworker_reply(s->w, reply, mworker_create_sdp(s->w, s, req));
}

/* NULL when the reply is deferred (icefull_defer). */
static json_t *mworker_create(struct mworker *w, const json_t *req,
			      const char *reply)
{
	const char *owner = busmsg_str(req, "owner");
	const char *side = busmsg_str(req, "side");
	char id[MSESS_ID_LEN], why[160] = "";
	static _Atomic unsigned seq;
	struct msess *s;

	if (atomic_load(&w->md->draining))
		return busmsg_error(BUSMSG_E_FIELD, "draining: no new sessions");
	if (strcmp(side, "web") && strcmp(side, "sip"))
		return mworker_bad(w, "side must be web or sip");
	/* an owner that is not a string would send events nowhere */
	if (json_object_get(req, "owner") && !(owner && svc_id_valid(owner)))
		return mworker_bad(w, "owner: not an instance id");
	snprintf(id, sizeof(id), "%s.%d.%u", w->md->svc.id, w->idx,
		 atomic_fetch_add(&seq, 1));
	if (msess_new(w->md, w, id, &s, why, sizeof(why))) {
		metrics_inc(&w->md->svc.metrics, MM_REFUSED);
		return busmsg_error(BUSMSG_E_FIELD, why);
	}
	/* the b2bua's per-route choice of SDES toward SIP, if any */
	if (json_object_get(req, "sip_srtp") &&
	    msdes_policy_parse(busmsg_str(req, "sip_srtp"),
			       &s->sip.sdes.policy)) {
		msess_free(s);
		return mworker_bad(w, "sip_srtp must be off, optional or "
				   "mandatory");
	}
	if (owner)
		snprintf(s->owner, sizeof(s->owner), "%s", owner);
	if (mtimer_arm(&w->timers, &s->timer, (uint64_t)clock_wall_us())) {
		metrics_inc(&w->md->svc.metrics, MM_REFUSED);
		msess_free(s);
		return busmsg_error(BUSMSG_E_FIELD, "out of memory");
	}
	g_hash_table_insert(w->sessions, s->id, s);
	atomic_fetch_add(&w->nsessions, 1);
	if (icefull_gathering(s)) {
		icefull_defer(s, req, reply, mworker_gathered);
		return NULL;
	}
	return mworker_create_sdp(w, s, req);
}

static void mworker_delete(struct mworker *w, struct msess *s)
{
	if (s->transcode)
		atomic_fetch_sub(&w->ntranscode, 1);
	mtimer_cancel(&w->timers, &s->timer);
	g_hash_table_remove(w->sessions, s->id);
	atomic_fetch_sub(&w->nsessions, 1);
	metrics_inc(&w->md->svc.metrics, MM_DELETED);
	LOG_INFO("sess", "%s: deleted (web rx %" PRIu64 " tx %" PRIu64
		 ", sip rx %" PRIu64 " tx %" PRIu64 ")", s->id, s->web.rx,
		 s->web.tx, s->sip.rx, s->sip.tx);
	mpath_bye(s);	/* peers stop their receivers (RFC 3550 6.6) */
	msess_free(s);
}

/* The worker's share of the transcode count follows the session's. */
static void mworker_xcount(struct mworker *w, bool was, bool now)
{
	if (!was && now)
		atomic_fetch_add(&w->ntranscode, 1);
	else if (was && !now)
		atomic_fetch_sub(&w->ntranscode, 1);
}

static json_t *mworker_refused(struct mworker *w, struct msess *s,
			       const char *what, const char *why)
{
	metrics_inc(&w->md->svc.metrics, MM_SDP_BAD);
	LOG_INFO("sess", "%s: %s refused: %s", s->id, what, why);
	return busmsg_error(BUSMSG_E_FIELD, why);
}

static json_t *mworker_answer(struct mworker *w, struct msess *s,
			      const json_t *req)
{
	char why[160] = "";
	bool was = s->transcode;
	char *sdp = mneg_answer(s, busmsg_str(req, "sdp"), why, sizeof(why));

	mworker_xcount(w, was, s->transcode);
	if (!sdp)
		return mworker_refused(w, s, "answer", why);
	LOG_INFO("sess", "%s: answered: web %s/%d %s, sip %s/%d %s%s", s->id,
		 s->web.codec.name, s->web.codec.pt, sdp_dir_name(s->web.ldir),
		 s->sip.codec.name, s->sip.codec.pt, sdp_dir_name(s->sip.ldir),
		 s->transcode ? ", transcoding" : "");
	return mworker_sdp_reply(s, sdp);
}

static json_t *mworker_update(struct mworker *w, struct msess *s,
			      const json_t *req)
{
	const char *side = busmsg_str(req, "side");
	char why[160] = "";
	bool fwd = false;
	char *sdp;
	json_t *m;

	if (!side || (strcmp(side, "web") && strcmp(side, "sip")))
		return mworker_bad(w, "side must be web or sip");
	sdp = mneg_update(s, strcmp(side, "web") ? MLEG_SIP : MLEG_WEB,
			  busmsg_str(req, "sdp"), &fwd, why, sizeof(why));
	if (!sdp)
		return mworker_refused(w, s, "re-offer", why);
	metrics_inc(&w->md->svc.metrics, MM_UPDATES);
	LOG_INFO("sess", "%s: %s re-offer (%s): %s", s->id, side,
		 sdp_dir_name(s->upd.dir), fwd ? "offered on to the other side"
		 : "answered");
	m = mworker_sdp_reply(s, sdp);
	json_object_set_new(m, "forward", json_boolean(fwd));
	return m;
}

static json_t *mworker_dtmf(struct mworker *w, struct msess *s,
			    const json_t *req)
{
	const char *leg = busmsg_str(req, "leg");
	const char *digits = busmsg_str(req, "digits");
	json_t *d = json_object_get(req, "duration_ms");
	json_int_t ms = d ? json_integer_value(d) : MDTMF_DUR_DEFAULT;
	struct mleg *l;
	int e;

	if (!leg || (strcmp(leg, "web") && strcmp(leg, "sip")))
		return mworker_bad(w, "leg must be web or sip");
	if (!mdtmf_digits_ok(digits))
		return mworker_bad(w, "digits: 1-64 of 0-9*#A-D");
	if (d && !json_is_integer(d))
		return mworker_bad(w, "duration_ms: an integer");
	/* A SIP INFO's Duration may be anything: play what can be played
	 * rather than drop the digit. */
	ms = ms < MDTMF_DUR_MIN ? MDTMF_DUR_MIN : ms > MDTMF_DUR_MAX ?
	     MDTMF_DUR_MAX : ms;
	l = strcmp(leg, "web") ? &s->sip : &s->web;
	e = mpath_dtmf_queue(s, l, digits, (unsigned)ms);
	if (e == ENOTSUP)
		return busmsg_error(BUSMSG_E_FIELD, "leg has no telephone-event "
				    "negotiated");
	if (e)
		return busmsg_error(BUSMSG_E_FIELD, "DTMF queue full");
	LOG_INFO("sess", "%s: DTMF \"%s\" (%lld ms) queued on the %s leg",
		 s->id, digits, (long long)ms, leg);
	return mworker_ok(s);
}

/* The session-level requests. */
static json_t *mworker_on_session(struct mworker *w, const char *kind,
				  const json_t *req)
{
	struct msess *s = g_hash_table_lookup(w->sessions,
					      busmsg_str(req, "session"));

	if (!s)
		return busmsg_error(BUSMSG_E_NOCONN, "no such session");
	/* A request may start what runs on timers (answer: RTCP; DTMF; a
	 * re-offer: hold): the next tick looks, and sets the deadline. */
	mtimer_arm_by(&w->timers, &s->timer, (uint64_t)clock_wall_us());
	if (!strcmp(kind, "media_delete")) {
		json_t *st = msess_stats(s);
		mworker_delete(w, s);
		return st;
	}
	if (!strcmp(kind, "media_stats"))
		return msess_stats(s);
	if (!strcmp(kind, "media_answer"))
		return mworker_answer(w, s, req);
	if (!strcmp(kind, "media_update"))
		return mworker_update(w, s, req);
	if (!strcmp(kind, "media_dtmf"))
		return mworker_dtmf(w, s, req);
	if (!strcmp(kind, "media_candidate"))
		return icefull_trickle(s, req);
	metrics_inc(&w->md->svc.metrics, MM_BUS_BAD);
	return busmsg_error(BUSMSG_E_KIND, "unknown media request");
}

/* Drain grace over (posted by the main thread): every session ends, each
 * with an event the b2bua hangs its call up on. */
static void mworker_expire(struct mworker *w)
{
	GHashTableIter it;
	gpointer k, v;

	for (;;) {
		g_hash_table_iter_init(&it, w->sessions);
		if (!g_hash_table_iter_next(&it, &k, &v))
			break;
		msess_event(v, "drained", "drain grace expired");
		mworker_delete(w, v);
	}
}

static void mworker_on_req(void *data, void *arg)
{
	struct mreq *r = data;
	struct mworker *w = arg;
	const char *kind = busmsg_str(r->msg, "kind");

	if (!strcmp(kind, "media_expire"))	/* internal, no reply */
		mworker_expire(w);
	else
		mworker_reply(w, r->reply, !strcmp(kind, "media_create") ?
			      mworker_create(w, r->msg, r->reply) :
			      mworker_on_session(w, kind, r->msg));
	json_decref(r->msg);
	free(r->reply);
	free(r);
}

static void mworker_req_free(void *data)
{
	struct mreq *r = data;

	json_decref(r->msg);
	free(r->reply);
	free(r);
}

int mworker_post(struct mworker *w, json_t *req, const char *reply)
{
	struct mreq *r = calloc(1, sizeof(*r));

	if (!r)
		return ENOMEM;
	r->msg = json_incref(req);
	r->reply = reply ? strdup(reply) : NULL;
	int e = handoff_post(w->ho, mworker_on_req, r, w);
	if (e)
		mworker_req_free(r);
	return e;
}

/* The due sessions only.  Re-arming a popped timer needs no memory:
 * its slot was just freed. */
static void mworker_tick(struct mworker *w)
{
	uint64_t now = (uint64_t)clock_wall_us(), n;
	struct mtimer *t;

	if (read(w->tfd, &n, sizeof(n)) < 0)
		return;
	while ((t = mtimer_pop_due(&w->timers, now))) {
		struct msess *s = (struct msess *)(void *)((char *)t -
				  offsetof(struct msess, timer));
		mpath_tick(s, now);
		mtimer_arm(&w->timers, t, mpath_next_us(s, now));
	}
}

void mworker_batch(struct mworker *w, int timeout_ms)
{
	struct epoll_event ev[MWORKER_EVENTS];
	/* Room for the largest datagram plus the SRTP trailer we may add. */
	static _Thread_local uint8_t buf[2048];
	uint64_t n;
	int k = epoll_wait(w->epfd, ev, MWORKER_EVENTS, timeout_ms);
	bool cmds = false;

	for (int i = 0; i < k; i++) {
		if (ev[i].data.ptr == &w->evfd)
			cmds = true;
		else if (ev[i].data.ptr == &w->tfd)
			mworker_tick(w);
		else
			mpath_readable(ev[i].data.ptr, buf, sizeof(buf));
	}
	/* After the batch: a delete frees sockets later events of the same
	 * batch may point to. */
	if (cmds && read(w->evfd, &n, sizeof(n)) >= 0)
		handoff_drain(w->ho);
}

static void *mworker_main(void *arg)
{
	struct mworker *w = arg;

	if (w->ctx) {		/* full ICE: a GLib loop around the epoll */
		icefull_worker_run(w);
		return NULL;
	}
	while (!w->stop)
		mworker_batch(w, 200);
	return NULL;
}

static void mworker_free(struct mworker *w)
{
	mtimer_heap_free(&w->timers);	/* before the sessions it points to */
	if (w->sessions) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, w->sessions);
		while (g_hash_table_iter_next(&it, &k, &v))
			msess_free(v);
		g_hash_table_destroy(w->sessions);
	}
	if (w->ctx)
		g_main_context_unref(w->ctx);
	handoff_free(w->ho, mworker_req_free);
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->evfd >= 0)
		close(w->evfd);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}

static int mworker_fds(struct mworker *w)
{
	struct itimerspec its = {
		.it_interval = { 0, MWORKER_TICK_MS * 1000000L },
		.it_value = { 0, MWORKER_TICK_MS * 1000000L },
	};
	struct epoll_event e1 = { .events = EPOLLIN, .data.ptr = &w->evfd };
	struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = &w->tfd };

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->evfd < 0 || w->tfd < 0 ||
	    timerfd_settime(w->tfd, 0, &its, NULL) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &e1) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &e2))
		return errno ? errno : EIO;
	return 0;
}

int mworker_start(struct mediad *md, int idx, struct mworker **wp)
{
	struct mworker *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return ENOMEM;
	w->md = md;
	w->idx = idx;
	w->epfd = w->evfd = w->tfd = -1;
	w->sessions = g_hash_table_new(g_str_hash, g_str_equal);
	mtimer_heap_init(&w->timers);
	if (md->cfg.ice_mode == MICE_FULL)
		w->ctx = g_main_context_new();
	e = mworker_fds(w);
	if (!e)
		e = handoff_new(&w->ho, MWORKER_PENDING, mworker_wake, w);
	if (!e)
		e = pthread_create(&w->th, NULL, mworker_main, w);
	if (e) {
		mworker_free(w);
		return e;
	}
	*wp = w;
	return 0;
}

void mworker_stop(struct mworker *w)
{
	if (!w)
		return;
	w->stop = 1;
	mworker_wake(w);
	pthread_join(w->th, NULL);
	mworker_free(w);
}
