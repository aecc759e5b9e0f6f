/* icefull: full ICE through a NiceAgent per WebRTC leg (see icefull.h). */
#include "icefull.h"
#include "icecand.h"
#include "msess.h"
#include "busmsg.h"
#include "clock.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <nice/agent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MD_INC(s, i) metrics_inc(&(s)->md->svc.metrics, (i))

struct icefull {
	struct msess *s;
	NiceAgent *agent;
	guint stream;
	GSource *timer;		/* 1 s: consent and the connect deadline */
	bool gathered;
	/* A reply waiting for the STUN server (icefull_defer) */
	GSource *gsrc;		/* the deadline, then the idle call */
	icefull_gathered_h *done;
	json_t *req;
	char *reply;
	bool remote;		/* the peer's credentials are set */
	bool failed;		/* ice_failed reported (this generation) */
	uint64_t deadline_us;	/* no pair by then: failed; 0: none */
};

/* The STUN server, resolved once at start (libnice wants a literal). */
static char icefull_stun_ip[INET6_ADDRSTRLEN];
static guint icefull_stun_port;

int icefull_global_init(struct mediad *md)
{
	const char *v = md->cfg.stun_server;
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[256];
	const char *colon;
	long port;
	char *end;

	if (!v || !*v)
		return 0;
	colon = strrchr(v, ':');
	port = colon ? strtol(colon + 1, &end, 10) : 3478;
	if ((colon && (*end || port < 1 || port > 65535)) ||
	    (size_t)(colon ? colon - v : (long)strlen(v)) >= sizeof(host)) {
		LOG_ERROR("ice", "RTCGATE_STUN_SERVER: want host:port, got %s",
			  v);
		return EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon ? colon - v :
		 (long)strlen(v)), v);
	if (getaddrinfo(host, NULL, &hints, &ai) || !ai) {
		LOG_ERROR("ice", "RTCGATE_STUN_SERVER: cannot resolve %s", host);
		return EINVAL;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
		  icefull_stun_ip, sizeof(icefull_stun_ip));
	freeaddrinfo(ai);
	icefull_stun_port = (guint)port;
	LOG_INFO("ice", "STUN server %s:%u for server-reflexive candidates",
		 icefull_stun_ip, icefull_stun_port);
	return 0;
}

/* ---- the worker's loop ---- */

static gboolean icefull_epoll_ready(gint fd, GIOCondition c, gpointer arg)
{
	mworker_batch(arg, 0);
	return G_SOURCE_CONTINUE;
}

void icefull_worker_run(struct mworker *w)
{
	GSource *src = g_unix_fd_source_new(w->epfd, G_IO_IN);

	g_source_set_callback(src, G_SOURCE_FUNC(icefull_epoll_ready), w, NULL);
	g_source_attach(src, w->ctx);
	g_main_context_push_thread_default(w->ctx);
	while (!w->stop)
		g_main_context_iteration(w->ctx, TRUE);
	g_main_context_pop_thread_default(w->ctx);
	g_source_destroy(src);
	g_source_unref(src);
}

/* ---- one leg's agent ---- */

const char *icefull_lite_attr(const struct msess *s)
{
	return s->web.full ? "" : "a=ice-lite\r\n";
}

static void icefull_failed(struct icefull *f, const char *why)
{
	if (f->failed)
		return;
	f->failed = true;
	f->deadline_us = 0;
	MD_INC(f->s, MM_ICE_FAILED);
	msess_event(f->s, "ice_failed", why);
}

/* libnice received a datagram that is not STUN: DTLS or SRTP, into the
 * same path as lite mode's (copied: SRTP works in place and may grow). */
static void icefull_recv(NiceAgent *a, guint stream, guint comp, guint len,
			 gchar *buf, gpointer arg)
{
	static _Thread_local uint8_t pkt[2048];
	struct icefull *f = arg;
	struct msess *s = f->s;

	MD_INC(s, MM_PKT_IN);
	if (len > sizeof(pkt) - SRTPX_TRAILER_MAX) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	memcpy(pkt, buf, len);
	mpath_web_media(s, pkt, len, sizeof(pkt),
			rtp_demux_classify(pkt, len));
}

/* A pair is selected (first, after a restart, or a better one): send from
 * its socket to its remote address, and start DTLS once. */
static void icefull_selected(NiceAgent *a, guint stream, guint comp,
			     NiceCandidate *lc, NiceCandidate *rc, gpointer arg)
{
	struct icefull *f = arg;
	struct msess *s = f->s;
	struct mleg *l = &s->web;
	GSocket *gs = nice_agent_get_selected_socket(a, stream, comp);
	char ra[NICE_ADDRESS_STRING_LEN];
	bool first = !l->latched;

	if (!gs) {	/* TCP or relayed: not configured, so not expected */
		LOG_WARN("ice", "%s: selected pair has no UDP socket", s->id);
		return;
	}
	l->sock.fd = g_socket_get_fd(gs);
	g_object_unref(gs);
	memset(&l->peer, 0, sizeof(l->peer));
	nice_address_copy_to_sockaddr(&rc->addr, (struct sockaddr *)&l->peer);
	l->peerlen = l->peer.ss_family == AF_INET6 ?
		     sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	l->latched = true;
	l->last_rx_us = (uint64_t)clock_wall_us();
	f->deadline_us = 0;
	f->failed = false;
	nice_address_to_string(&rc->addr, ra);
	LOG_INFO("ice", "%s: selected pair -> %s:%u (%s)", s->id, ra,
		 nice_address_get_port(&rc->addr),
		 sdp_cand_type_name(rc->type == NICE_CANDIDATE_TYPE_HOST ?
			SDP_CAND_HOST : rc->type ==
			NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE ? SDP_CAND_SRFLX :
			rc->type == NICE_CANDIDATE_TYPE_RELAYED ?
			SDP_CAND_RELAY : SDP_CAND_PRFLX));
	MD_INC(s, MM_STUN_OK);
	if (first) {
		l->ice_restarting = false;
		msess_event(s, "ice_connected", NULL);
	} else if (l->ice_restarting) {
		l->ice_restarting = false;
		msess_event(s, "ice_connected", "restart");
	}
	mpath_web_up(s);
}

static void icefull_state(NiceAgent *a, guint stream, guint comp,
			  guint state, gpointer arg)
{
	struct icefull *f = arg;

	LOG_DEBUG("ice", "%s: %s", f->s->id, nice_component_state_to_string(
		  (NiceComponentState)state));
	if (state == NICE_COMPONENT_STATE_FAILED)
		icefull_failed(f, f->s->web.latched ? "consent lost" :
			       "no candidate pair worked");
}

/* Gathering is over (done, or the deadline): hand the waiting request
 * back from an idle callback, not from inside libnice's signal, since the
 * handler may free the session and its agent. */
static gboolean icefull_deferred(gpointer arg)
{
	struct icefull *f = arg;
	json_t *req = f->req;
	char *reply = f->reply;
	icefull_gathered_h *done = f->done;

	g_source_unref(f->gsrc);
	f->gsrc = NULL;
	f->req = NULL;
	f->reply = NULL;
	f->done = NULL;
	done(f->s, req, reply);		/* may free f */
	json_decref(req);
	g_free(reply);
	return G_SOURCE_REMOVE;
}

static gboolean icefull_gather_end(gpointer arg)
{
	struct icefull *f = arg;

	f->gathered = true;
	if (!f->done || !f->gsrc)
		return G_SOURCE_REMOVE;
	g_source_destroy(f->gsrc);
	g_source_unref(f->gsrc);
	f->gsrc = g_idle_source_new();
	g_source_set_callback(f->gsrc, icefull_deferred, f, NULL);
	g_source_attach(f->gsrc, f->s->w->ctx);
	return G_SOURCE_REMOVE;
}

static void icefull_gathered(NiceAgent *a, guint stream, gpointer arg)
{
	icefull_gather_end(arg);
}

/* Every second: consent freshness stands for traffic, as a browser's
 * checks do in lite mode (the media timeout on hold); the deadline. */
static gboolean icefull_second(gpointer arg)
{
	struct icefull *f = arg;
	struct mleg *l = &f->s->web;
	uint64_t now = (uint64_t)clock_wall_us();
	NiceComponentState st = nice_agent_get_component_state(f->agent,
							       f->stream, 1);

	if (l->latched && !f->failed && (st == NICE_COMPONENT_STATE_READY ||
					 st == NICE_COMPONENT_STATE_CONNECTED))
		l->last_rx_us = now;
	if (f->deadline_us && now > f->deadline_us)
		icefull_failed(f, "timeout");
	return G_SOURCE_CONTINUE;
}

/* Only the configured address (RTCGATE_MEDIA_BIND, else _IP); on a
 * wildcard bind, libnice's own choice of interface addresses. */
static void icefull_local_addr(struct icefull *f, const char *ip)
{
	NiceAddress a;

	if (!strcmp(ip, "0.0.0.0") || !strcmp(ip, "::"))
		return;
	if (nice_address_set_from_string(&a, ip))
		nice_agent_add_local_address(f->agent, &a);
}

static int icefull_agent(struct icefull *f, char *why, size_t whylen)
{
	struct msess *s = f->s;
	struct mleg *l = &s->web;

	f->agent = nice_agent_new_full(s->w->ctx, NICE_COMPATIBILITY_RFC5245,
				       NICE_AGENT_OPTION_ICE_TRICKLE |
				       NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	g_object_set(f->agent, "upnp", FALSE, "ice-tcp", FALSE,
		     "controlling-mode", FALSE, NULL);
	if (icefull_stun_port)
		g_object_set(f->agent, "stun-server", icefull_stun_ip,
			     "stun-server-port", icefull_stun_port, NULL);
	icefull_local_addr(f, s->md->cfg.bind_ip);
	f->stream = nice_agent_add_stream(f->agent, 1);
	if (!f->stream ||
	    !nice_agent_set_local_credentials(f->agent, f->stream,
					      icelite_ufrag(&l->ice),
					      icelite_pwd(&l->ice))) {
		snprintf(why, whylen, "ICE agent setup failed");
		return EIO;
	}
	/* The port the pool reserved for this leg, and no other. */
	nice_agent_set_port_range(f->agent, f->stream, 1, l->port, l->port);
	g_signal_connect(f->agent, "new-selected-pair-full",
			 G_CALLBACK(icefull_selected), f);
	g_signal_connect(f->agent, "component-state-changed",
			 G_CALLBACK(icefull_state), f);
	g_signal_connect(f->agent, "candidate-gathering-done",
			 G_CALLBACK(icefull_gathered), f);
	nice_agent_attach_recv(f->agent, f->stream, 1, s->w->ctx, icefull_recv,
			       f);
	return 0;
}

/* Gather: host candidates come at once, a server-reflexive one after a
 * round trip to the STUN server (icefull_defer waits for it). */
static int icefull_gather(struct icefull *f, char *why, size_t whylen)
{
	GSList *c;

	if (!nice_agent_gather_candidates(f->agent, f->stream)) {
		snprintf(why, whylen, "no ICE candidates (port %u taken?)",
			 f->s->web.port);
		return EADDRINUSE;
	}
	if (!icefull_stun_port)
		f->gathered = true;
	c = nice_agent_get_local_candidates(f->agent, f->stream, 1);
	if (!c) {
		snprintf(why, whylen, "no ICE candidates gathered");
		return EADDRNOTAVAIL;
	}
	g_slist_free_full(c, (GDestroyNotify)nice_candidate_free);
	return 0;
}

int icefull_leg_new(struct msess *s, char *why, size_t whylen)
{
	struct mleg *l = &s->web;
	struct icefull *f;
	int e;

	if (s->md->cfg.ice_mode != MICE_FULL)
		return 0;
	f = g_new0(struct icefull, 1);
	f->s = s;
	l->full = f;
	/* libnice binds the port itself: give the pool's socket up, keep the
	 * port reserved in the pool (mport_close on free). */
	close(l->sock.fd);
	l->sock.fd = -1;
	e = icefull_agent(f, why, whylen);
	if (!e)
		e = icefull_gather(f, why, whylen);
	if (e)
		return e;
	f->timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(f->timer, icefull_second, f, NULL);
	g_source_attach(f->timer, s->w->ctx);
	return 0;
}

bool icefull_gathering(const struct msess *s)
{
	return s->web.full && !s->web.full->gathered;
}

void icefull_defer(struct msess *s, const json_t *req, const char *reply,
		   icefull_gathered_h *done)
{
	struct icefull *f = s->web.full;

	f->req = json_deep_copy(req);
	f->reply = g_strdup(reply);
	f->done = done;
	f->gsrc = g_timeout_source_new(ICEFULL_GATHER_MS);
	g_source_set_callback(f->gsrc, icefull_gather_end, f, NULL);
	g_source_attach(f->gsrc, s->w->ctx);
}

void icefull_leg_free(struct msess *s)
{
	struct icefull *f = s->web.full;

	if (!f)
		return;
	if (f->gsrc) {
		g_source_destroy(f->gsrc);
		g_source_unref(f->gsrc);
	}
	if (f->reply && s->md->svc.bus) {	/* ended before its reply */
		json_t *e = busmsg_error(BUSMSG_E_FIELD, "session ended while "
					 "gathering ICE candidates");
		bus_publish(s->md->svc.bus, f->reply, NULL, e);
		json_decref(e);
	}
	json_decref(f->req);
	g_free(f->reply);
	/* The selected pair's socket is libnice's: not ours to close. */
	s->web.sock.fd = -1;
	if (f->timer) {
		g_source_destroy(f->timer);
		g_source_unref(f->timer);
	}
	if (f->agent) {
		g_signal_handlers_disconnect_by_data(f->agent, f);
		if (f->stream) {
			nice_agent_attach_recv(f->agent, f->stream, 1,
					       s->w->ctx, NULL, NULL);
			nice_agent_remove_stream(f->agent, f->stream);
		}
		g_object_unref(f->agent);
	}
	g_free(f);
	s->web.full = NULL;
}

/* ---- SDP ---- */

void icefull_write_cands(struct msess *s, GString *g, bool offer)
{
	struct mleg *l = &s->web;
	struct icefull *f = l->full;
	struct sdp_candidate c;
	char line[SDP_MAX_LINE];
	GSList *list, *i;

	if (!f) {
		g_string_append_printf(g, "a=candidate:1 1 udp 2130706431 %s "
				       "%u typ host\r\n", s->md->cfg.media_ip,
				       l->port);
		g_string_append(g, "a=end-of-candidates\r\n");
		return;
	}
	/* We offer first: we are the controlling agent (RFC 8445 6.1.1). */
	if (offer && !s->answered && !f->remote)
		g_object_set(f->agent, "controlling-mode", TRUE, NULL);
	g_string_append(g, "a=ice-options:trickle\r\n");
	list = nice_agent_get_local_candidates(f->agent, f->stream, 1);
	for (i = list; i; i = i->next)
		if (!icecand_from_nice(i->data, &c) &&
		    !sdp_candidate_write(&c, line, sizeof(line)))
			g_string_append_printf(g, "a=%s\r\n", line);
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	g_string_append(g, "a=end-of-candidates\r\n");
}

/* Hand candidates to the agent.  How many it took, the rest counted. */
static unsigned icefull_add(struct icefull *f, const struct sdp_candidate *c,
			    size_t n)
{
	GSList *list = NULL;
	unsigned skipped = 0;
	int added;

	for (size_t i = 0; i < n; i++) {
		NiceCandidate *nc;
		if (icecand_to_nice(&c[i], f->stream, &nc))
			skipped++;	/* TCP, RTCP, mDNS: see icecand.h */
		else
			list = g_slist_prepend(list, nc);
	}
	added = list ? nice_agent_set_remote_candidates(f->agent, f->stream, 1,
							list) : 0;
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	if (skipped)
		LOG_INFO("ice", "%s: %u remote candidate(s) not usable (TCP, "
			 "RTCP or mDNS)", f->s->id, skipped);
	return added > 0 ? (unsigned)added : 0;
}

int icefull_remote(struct msess *s, const struct sdp_media *m, bool restart,
		   char *why, size_t whylen)
{
	struct mleg *l = &s->web;
	struct icefull *f = l->full;

	if (restart)
		l->trickled = 0;	/* a new generation of candidates */
	if (!f)
		return 0;
	if (restart) {
		/* New checks with new credentials; the old pair carries media
		 * until a new one is selected (RFC 8445 9). */
		if (!nice_agent_restart_stream(f->agent, f->stream) ||
		    !nice_agent_set_local_credentials(f->agent, f->stream,
			icelite_ufrag(&l->ice), icelite_pwd(&l->ice))) {
			snprintf(why, whylen, "ICE restart failed");
			return EIO;
		}
		f->failed = false;
	}
	if (restart || !f->remote) {
		if (!nice_agent_set_remote_credentials(f->agent, f->stream,
						       m->tp.ufrag, m->tp.pwd)) {
			snprintf(why, whylen, "bad ICE credentials");
			return EPROTO;
		}
		f->remote = true;
		f->deadline_us = (uint64_t)clock_wall_us() +
				 ICEFULL_CONNECT_S * 1000000ull;
	}
	icefull_add(f, m->cands, m->ncands);
	/* Without trickle, or with end-of-candidates, the peer has said all
	 * (RFC 8840 4.4): libnice may then declare failure. */
	if (m->end_of_candidates || !strstr(m->tp.ice_options, "trickle"))
		nice_agent_peer_candidate_gathering_done(f->agent, f->stream);
	return 0;
}

json_t *icefull_stats(const struct msess *s)
{
	const struct mleg *l = &s->web;
	const struct icefull *f = l->full;
	json_t *o = json_pack("{s:s, s:i}", "mode", f ? "full" : "lite",
			      "trickled", (int)l->trickled);
	char a[INET6_ADDRSTRLEN] = "";

	if (!f)
		return o;
	json_object_set_new(o, "state", json_string(
		nice_component_state_to_string(nice_agent_get_component_state(
			f->agent, f->stream, 1))));
	if (l->latched) {
		const void *ip = l->peer.ss_family == AF_INET6 ?
			(const void *)&((const struct sockaddr_in6 *)&l->peer)->sin6_addr :
			(const void *)&((const struct sockaddr_in *)&l->peer)->sin_addr;
		inet_ntop(l->peer.ss_family, ip, a, sizeof(a));
		json_object_set_new(o, "remote", json_pack("{s:s, s:i}", "ip",
			a, "port", ntohs(((const struct sockaddr_in *)
					  &l->peer)->sin_port)));
	}
	return o;
}

/* ---- trickle ---- */

static json_t *icefull_refuse(struct msess *s, const char *why)
{
	MD_INC(s, MM_CAND_REFUSED);
	LOG_INFO("ice", "%s: media_candidate refused: %s", s->id, why);
	return busmsg_error(BUSMSG_E_FIELD, why);
}

json_t *icefull_trickle(struct msess *s, const json_t *req)
{
	struct mleg *l = &s->web;
	struct icefull *f = l->full;
	const char *text = busmsg_str(req, "candidate");
	const char *ufrag = busmsg_str(req, "ufrag");
	struct sdp_candidate c;
	json_t *ok = busmsg_new("media_ok");
	bool used = false;

	json_object_set_new(ok, "session", json_string(s->id));
	if (ufrag && *ufrag && strcmp(ufrag, icelite_remote_ufrag(&l->ice))) {
		/* An older generation's (RFC 8838 11.4): not for us now. */
		json_object_set_new(ok, "ignored", json_string("old ufrag"));
		return ok;
	}
	if (json_is_true(json_object_get(req, "end_of_candidates"))) {
		if (f && f->remote)
			nice_agent_peer_candidate_gathering_done(f->agent,
								 f->stream);
		return ok;
	}
	if (!text || !*text) {
		json_decref(ok);
		return icefull_refuse(s, "candidate or end_of_candidates "
				      "required");
	}
	if (l->trickled >= ICEFULL_MAX_TRICKLE) {
		json_decref(ok);
		return icefull_refuse(s, "candidate limit reached");
	}
	if (sdp_candidate_parse(&c, text)) {
		json_decref(ok);
		return icefull_refuse(s, "malformed candidate");
	}
	if (f && !f->remote) {
		json_decref(ok);
		return icefull_refuse(s, "no remote description yet");
	}
	l->trickled++;
	MD_INC(s, MM_CAND_IN);
	/* Lite mode learns addresses from the peer's checks: counted only. */
	if (f)
		used = icefull_add(f, &c, 1) > 0;
	else
		used = true;
	if (!used)
		json_object_set_new(ok, "ignored", json_string(
			"not usable (TCP, RTCP or an mDNS name)"));
	return ok;
}
