/* b2b_call: the call state machine.  Browser -> SIP: authorise, route,
 * media session from the browser's offer, INVITE on the SIP side with
 * mediad's plain offer, answers relayed back through mediad.  SIP ->
 * browser: registrar lookup, media session from the SIP offer, INVITE to
 * every live contact, first 2xx wins.  Either side's BYE or CANCEL ends
 * the other side and the media session; a CDR is written at the end. */
#include "b2b_call.h"
#include "busmsg.h"
#include "clock.h"
#include "log.h"
#include "wsip.h"

#include <sofia-sip/sip_header.h>
#include <string.h>

static struct call *call_new(enum call_dir dir)
{
	struct call *c = g_new0(struct call, 1);

	snprintf(c->id, sizeof(c->id), "%s-%lu", b2b.svc.id, ++b2b.seq);
	c->dir = dir;
	c->refs = 1;
	c->cdr.dir = dir == CALL_WEB_TO_SIP ? CDR_WEB_SIP : CDR_SIP_WEB;
	c->cdr.start_ms = (clock_wall_us() / 1000);
	g_hash_table_insert(b2b.calls, c->id, c);
	metrics_inc(&b2b.svc.metrics, BM_ATTEMPTS);
	metrics_set(&b2b.svc.metrics, BM_CALLS, g_hash_table_size(b2b.calls));
	return c;
}

void call_unref(struct call *c)
{
	if (--c->refs > 0)
		return;
	g_free(c->pending_sdp);
	g_free(c->web_answer);
	g_free(c->sip_sdp);
	g_free(c->invite_text);
	json_decref(c->cdr_bindings);
	g_free(c);
}

/* Live calls by media session id (keys are the calls' own session
 * strings): a media event finds its call without a scan of every call. */
static GHashTable *call_by_session;

static void call_index_session(struct call *c)
{
	if (!call_by_session)
		call_by_session = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_replace(call_by_session, c->session, c);
}

static void call_unindex_session(struct call *c)
{
	if (call_by_session && c->session[0] &&
	    g_hash_table_lookup(call_by_session, c->session) == c)
		g_hash_table_remove(call_by_session, c->session);
}

/* Sessions of calls this instance ended lately (session id -> monotonic
 * end time): a media_delete can be lost when the node stalls, and only
 * the instance that ended the call may delete its session again (other
 * b2buas hear the same events for sessions of their own calls). */
enum { CALL_ENDED_KEEP_US = 600 * G_USEC_PER_SEC, CALL_ENDED_MAX = 50000 };
static GHashTable *call_ended_sessions;

static void call_remember_session(const char *session)
{
	if (!call_ended_sessions)
		call_ended_sessions = g_hash_table_new_full(g_str_hash,
							    g_str_equal,
							    g_free, g_free);
	if (g_hash_table_size(call_ended_sessions) >= CALL_ENDED_MAX)
		g_hash_table_remove_all(call_ended_sessions);	/* a flood */
	g_hash_table_replace(call_ended_sessions, g_strdup(session),
			     g_memdup2(&(gint64){ g_get_monotonic_time() },
				       sizeof(gint64)));
}

static gboolean call_session_old(gpointer k, gpointer v, gpointer now)
{
	return *(gint64 *)now - *(gint64 *)v > CALL_ENDED_KEEP_US;
}

void call_forget_sessions(gint64 now_us)
{
	if (call_ended_sessions)
		g_hash_table_foreach_remove(call_ended_sessions,
					    call_session_old, &now_us);
}

static void call_cdr(struct call *c, enum cdr_end end, int code)
{
	json_t *j;

	c->cdr.end = end;
	c->cdr.reject_code = code;
	c->cdr.end_ms = (clock_wall_us() / 1000);
	c->cdr.call_id = c->id;
	c->cdr.from = c->from;
	c->cdr.to = c->to;
	c->cdr.caller_addr = c->src_ip;
	c->cdr.media_node = c->node;
	c->cdr.node = b2b.svc.id;
	j = cdr_json(&c->cdr);
	if (!j)
		return;
	bus_publish(b2b.svc.bus, "rtcgate.cdr", NULL, j);
	if (b2b.cdr)
		cdr_writer_write(b2b.cdr, j);
	json_decref(j);
}

static void call_media_deleted(json_t *reply, int e, void *arg)
{
	if (e)
		LOG_WARN("call", "media delete: %s", strerror(e));
}

/* End the call everywhere it still lives, once. */
static void call_end(struct call *c, enum cdr_end end, int code)
{
	if (c->state == CALL_ENDED)
		return;
	c->state = CALL_ENDED;
	if (c->ring_timer)
		g_source_remove(c->ring_timer);
	if (c->grace_timer)
		g_source_remove(c->grace_timer);
	c->ring_timer = c->grace_timer = 0;
	call_unindex_session(c);
	if (c->session[0]) {
		json_t *m = busmsg_new("media_delete");
		call_remember_session(c->session);
		char subj[128];
		json_object_set_new(m, "session", json_string(c->session));
		snprintf(subj, sizeof(subj), "rtcgate.media.%s", c->node);
		busreq_send(b2b.req, subj, m, b2b.cfg.media_timeout_ms,
			    call_media_deleted, NULL);
		json_decref(m);
	}
	b2b_web_release(c);
	b2b_sip_release(c);
	if (end == CDR_END_NORMAL)
		metrics_inc(&b2b.svc.metrics, BM_ANSWERED);
	else
		metrics_inc(&b2b.svc.metrics, BM_FAILED);
	call_cdr(c, end, code);
	LOG_INFO("call", "%s: ended (%s)", c->id,
		 cdr_end_name(end, code, (char[32]){ 0 }, 32));
	g_hash_table_remove(b2b.calls, c->id);
	metrics_set(&b2b.svc.metrics, BM_CALLS, g_hash_table_size(b2b.calls));
	call_unref(c);
}

static enum cdr_end call_end_for(int status)
{
	if (status == 486 || status == 600)
		return CDR_END_BUSY;
	if (status == 408 || status == 480)
		return CDR_END_NO_ANSWER;
	if (status == 487)
		return CDR_END_CANCELLED;
	return CDR_END_REJECTED;
}

/* ---- mediad requests ---- */

int call_media_send(struct call *c, json_t *m, busreq_h *cb, void *arg)
{
	char subj[128];

	if (!c->node[0]) {
		const char *n = b2b_nodes_pick();
		if (n)
			snprintf(c->node, sizeof(c->node), "%s", n);
	}
	if (c->node[0])
		snprintf(subj, sizeof(subj), "rtcgate.media.%s", c->node);
	else
		snprintf(subj, sizeof(subj), "rtcgate.media.any");
	return busreq_send(b2b.req, subj, m, b2b.cfg.media_timeout_ms, cb, arg);
}

int call_media(struct call *c, const char *kind, const char *side,
	       const char *sdp, busreq_h *cb)
{
	json_t *m = busmsg_new(kind);
	int e;

	if (side)
		json_object_set_new(m, "side", json_string(side));
	/* Its events come to this instance only (docs/bus.md). */
	if (!strcmp(kind, "media_create"))
		json_object_set_new(m, "owner", json_string(b2b.svc.id));
	if (c->sip_srtp[0] && !strcmp(kind, "media_create"))
		json_object_set_new(m, "sip_srtp", json_string(c->sip_srtp));
	if (c->session[0])
		json_object_set_new(m, "session", json_string(c->session));
	json_object_set_new(m, "sdp", json_string(sdp ? sdp : ""));
	c->refs++;
	e = call_media_send(c, m, cb, c);
	if (e)
		c->refs--;
	json_decref(m);
	return e;
}

/* Video relayed (mediad's codec.video): the CDR's codecs name it too,
 * "opus+VP8". */
static void call_codec_video(struct call *c, const json_t *v)
{
	char *cw = c->codec_web, *cs = c->codec_sip;

	if (!json_is_string(v) || !cw[0])
		return;
	snprintf(cw + strlen(cw), sizeof(c->codec_web) - strlen(cw), "+%s",
		 json_string_value(v));
	snprintf(cs + strlen(cs), sizeof(c->codec_sip) - strlen(cs), "+%s",
		 json_string_value(v));
}

/* The registrar's bindings of user@host (a reference is held until cb). */
static int call_lookup(struct call *c, const char *aor, busreq_h *cb)
{
	json_t *m = busmsg_new("lookup");
	int e;

	json_object_set_new(m, "aor", json_string(aor));
	c->refs++;
	e = busreq_send(b2b.req, "rtcgate.registrar.lookup", m, 2000, cb, c);
	if (e)
		c->refs--;
	json_decref(m);
	return e;
}

/* A mediad reply: the SDP, or NULL (logged, counted) when it failed. */
const char *call_media_sdp(struct call *c, json_t *r, int e)
{
	const char *kind = r ? busmsg_kind(r) : NULL;

	if (!e && kind && !strcmp(kind, "media_sdp")) {
		if (!c->session[0] && busmsg_str(r, "session")) {
			snprintf(c->session, sizeof(c->session), "%s",
				 busmsg_str(r, "session"));
			if (c->state != CALL_ENDED)
				call_index_session(c);
		}
		const char *node = busmsg_str(r, "node");
		if (node)
			snprintf(c->node, sizeof(c->node), "%s", node);
		if (json_is_true(json_object_get(r, "transcode")))
			c->cdr.transcoded = true;
		json_t *cod = json_object_get(r, "codec");
		if (cod) {
			snprintf(c->codec_web, sizeof(c->codec_web), "%s",
				 json_string_value(json_object_get(cod, "web")));
			snprintf(c->codec_sip, sizeof(c->codec_sip), "%s",
				 json_string_value(json_object_get(cod, "sip")));
			call_codec_video(c, json_object_get(cod, "video"));
			c->cdr.codec_web = c->codec_web;
			c->cdr.codec_sip = c->codec_sip;
		}
		return busmsg_str(r, "sdp");
	}
	metrics_inc(&b2b.svc.metrics, BM_MEDIA_ERR);
	LOG_WARN("call", "%s: media: %s", c->id, e ? strerror(e) :
		 r && busmsg_str(r, "reason") ? busmsg_str(r, "reason") : "?");
	return NULL;
}

/* media_create reached no node (one that died before its heartbeats were
 * missed) or one that could not take the session (full, draining): once,
 * on another node. */
static bool call_media_retry(struct call *c, json_t *r, int e,
			     const char *side, busreq_h *cb)
{
	const char *why = r ? busmsg_str(r, "reason") : NULL;

	if (!e && !(why && (strstr(why, "limit") || strstr(why, "ports") ||
			    strstr(why, "draining"))))
		return false;
	if (c->media_retried || c->session[0] || c->state == CALL_ENDED)
		return false;
	c->media_retried = true;
	if (c->node[0])
		b2b_nodes_suspect(c->node);
	LOG_INFO("call", "%s: media node %s: %s; trying another", c->id,
		 c->node[0] ? c->node : "any", e ? strerror(e) : why);
	c->node[0] = '\0';
	return !call_media(c, "media_create", side, c->pending_sdp, cb);
}

/* A Reason header (RFC 3326) carrying mediad's reason ("transcode limit
 * reached", "no audio codec in common ..."): printable ASCII only, no
 * quotes, so a peer's words cannot break the header.  The value alone
 * (for sofia's SIPTAG_REASON_STR), or the whole header line. */
static void call_reason_value(char *buf, size_t len, int code,
			      const char *why)
{
	char text[96];
	size_t n = 0;

	for (const char *p = why ? why : "media"; *p && n < sizeof(text) - 1;
	     p++)
		text[n++] = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ?
			    *p : ' ';
	text[n] = '\0';
	snprintf(buf, len, "SIP;cause=%d;text=\"%s\"", code, text);
}

static void call_reason_header(char *buf, size_t len, int code,
			       const char *why)
{
	char v[128];	/* "SIP;cause=NNN;text=" and 95 characters */

	call_reason_value(v, sizeof(v), code, why);
	snprintf(buf, len, "Reason: %s\r\n", v);
}

/* ---- browser -> SIP ---- */

/* mediad answered the SIP side's SDP: answer the browser (183 for early
 * media, or 200; a 200 that came meanwhile is answered here too). */
static void call_w2s_answered(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);

	c->media_pending = false;
	if (c->state == CALL_ENDED) {
		call_unref(c);
		return;
	}
	if (!sdp) {
		char reason[160];
		call_reason_header(reason, sizeof(reason), 488, r ?
				   busmsg_str(r, "reason") : NULL);
		b2b_web_respond(c, 488, "Not Acceptable Here", NULL, reason);
		b2b_sip_hangup(c);
		call_end(c, CDR_END_MEDIA_FAILURE, 488);
	} else {
		c->media_answered = true;
		c->web_answer = g_strdup(sdp);
		b2b_web_respond(c, c->pending_status, c->pending_status == 200 ?
				"OK" : "Session Progress", sdp, NULL);
		if (c->pending_status == 200) {
			c->state = CALL_ANSWERED;
			c->cdr.answer_ms = (clock_wall_us() / 1000);
		}
	}
	call_unref(c);
}

static int call_w2s_media_answer(struct call *c, int status, const char *sdp)
{
	c->pending_status = status;
	if (c->media_pending)
		return 0;	/* the answer in flight will say status */
	if (c->media_answered) {
		b2b_web_respond(c, 200, "OK", c->web_answer, NULL);
		c->state = CALL_ANSWERED;
		c->cdr.answer_ms = (clock_wall_us() / 1000);
		return 0;
	}
	if (!sdp || call_media(c, "media_answer", NULL, sdp, call_w2s_answered))
		return EIO;
	c->media_pending = true;
	return 0;
}

void call_sip_response(struct call *c, int status, const char *phrase,
		       const char *sdp)
{
	if (c->state == CALL_ENDED || c->dir != CALL_WEB_TO_SIP || status == 100)
		return;
	if (status < 200) {
		c->state = CALL_EARLY;
		if (sdp && !c->media_answered && !c->media_pending &&
		    !call_w2s_media_answer(c, 183, sdp))
			return;
		b2b_web_respond(c, 180, "Ringing", NULL, NULL);
		return;
	}
	c->cdr.sip_status = status;
	if (status >= 300) {
		b2b_web_respond(c, status, phrase, NULL, NULL);
		call_end(c, call_end_for(status), status);
		return;
	}
	c->sip_answered = true;
	if (call_w2s_media_answer(c, 200, sdp)) {
		b2b_web_respond(c, 502, "Bad Gateway", NULL, NULL);
		b2b_sip_hangup(c);
		call_end(c, CDR_END_MEDIA_FAILURE, 502);
	}
}

/* mediad made the SIP offer from the browser's: INVITE the SIP side. */
static void call_w2s_offered(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);

	if (!sdp && call_media_retry(c, r, e, "web", call_w2s_offered)) {
		call_unref(c);
		return;
	}
	if (c->state != CALL_ENDED) {
		if (!sdp || b2b_sip_invite(c, c->to, sdp)) {
			const char *why = r ? busmsg_str(r, "reason") : NULL;
			int st = why && strstr(why, "limit") ? 503 : 488;
			char extra[200];
			call_reason_header(extra, sizeof(extra), st, why);
			if (st == 503)	/* every node is full: try later */
				g_strlcat(extra, "Retry-After: 5\r\n",
					  sizeof(extra));
			b2b_web_respond(c, st, st == 503 ? "Service Unavailable"
					: "Not Acceptable Here", NULL, extra);
			call_end(c, CDR_END_MEDIA_FAILURE, st);
		} else {
			c->state = CALL_PROCEEDING;
		}
	}
	call_unref(c);
}

/* May this browser call this user?  Registered on this very flow, or a
 * click-to-call target within the address's rate. */
static int call_w2s_allowed(struct call *c, bool registered)
{
	int retry = 0;

	if (registered)
		return 0;
	if (!b2b.c2c || !c2c_allowed_target(b2b.c2c, c->user))
		return 403;
	if (c2c_admit(b2b.c2c, c->src_ip, (clock_wall_us() / 1000), &retry))
		return 429;
	return 0;
}

/* Dial: mediad makes the SIP offer from the browser's, then INVITE. */
static void call_w2s_dial(struct call *c, const char *uri)
{
	snprintf(c->to, sizeof(c->to), "<%s>", uri);
	if (call_media(c, "media_create", "web", c->pending_sdp,
		       call_w2s_offered)) {
		b2b_web_respond(c, 503, "Service Unavailable", NULL,
				"Retry-After: 5\r\n");
		call_end(c, CDR_END_MEDIA_FAILURE, 503);
	}
}

/* A call to a browser user goes out on our own SIP side and comes back in
 * as a SIP -> browser call: each browser gets its own media session, and
 * hold, forking, ring timeout and failures work as for any SIP call. */
static void call_w2s_dial_browser(struct call *c, const char *user)
{
	char uri[ROUTE_URI_MAX];

	snprintf(uri, sizeof(uri), "sip:%s@%s:%ld", user, b2b.cfg.sip_ip,
		 b2b.cfg.sip_port);
	LOG_INFO("call", "%s: %s is a browser user", c->id, user);
	call_w2s_dial(c, uri);
}

static void call_w2s_reject(struct call *c, int st)
{
	b2b_web_respond(c, st, st == 404 ? "Not Found" : "Rejected", NULL,
			NULL);
	call_end(c, CDR_END_REJECTED, st);
}

/* No dial-plan rule matched: a registered browser user of our domain
 * goes to that browser, anyone else to RTCGATE_SIP_OUTBOUND (or 404 when
 * there is none). */
static void call_w2s_target_looked_up(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	json_t *bs = r ? json_object_get(r, "bindings") : NULL;

	if (c->state != CALL_ENDED) {
		if (json_array_size(bs))
			call_w2s_dial_browser(c, c->user);
		else if (c->route_uri[0])
			call_w2s_dial(c, c->route_uri);
		else
			call_w2s_reject(c, c->route_code);
	}
	call_unref(c);
}

static void call_w2s_route(struct call *c, bool registered);

/* The registrar's verdict on the INVITE's Proxy-Authorization. */
static void call_w2s_authed(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	int st = r ? (int)json_integer_value(json_object_get(r, "status")) : 0;
	const char *hdrs = r ? busmsg_str(r, "headers") : NULL;

	if (c->state != CALL_ENDED) {
		if (st == 200) {
			LOG_INFO("call", "%s: caller authenticated", c->id);
			call_w2s_route(c, true);
		} else {
			if (st < 400 || st > 699)	/* no verdict */
				st = 503;
			b2b_web_respond(c, st, r && busmsg_str(r, "phrase") ?
					busmsg_str(r, "phrase") : "Service "
					"Unavailable", NULL, st == 503 ?
					"Retry-After: 5\r\n" : hdrs);
			call_end(c, CDR_END_REJECTED, st);
		}
	}
	call_unref(c);
}

/* A caller that is not registered on its flow may still prove who it is
 * with a digest answer (RFC 3261 22.3): the registrar, which holds the
 * users and the nonces, checks it or makes the 407 challenge. */
static int call_w2s_authenticate(struct call *c)
{
	json_t *m = busmsg_new("auth_check");
	int e;

	json_object_set_new(m, "sip", json_string(c->invite_text));
	json_object_set_new(m, "src_ip", json_string(c->src_ip));
	g_free(c->invite_text);
	c->invite_text = NULL;	/* asked once */
	c->refs++;
	e = busreq_send(b2b.req, "rtcgate.registrar.auth", m, 2000,
			call_w2s_authed, c);
	if (e)
		c->refs--;
	json_decref(m);
	return e;
}

static void call_w2s_route(struct call *c, bool registered)
{
	struct route_result rr;
	int st = call_w2s_allowed(c, registered);
	char aor[ROUTE_USER_MAX + 300];

	if (st == 403 && c->invite_text && !call_w2s_authenticate(c))
		return;
	g_free(c->invite_text);
	c->invite_text = NULL;
	if (st) {
		b2b_web_respond(c, st, st == 403 ? "Forbidden" :
				"Too Many Requests", NULL, st == 429 ?
				"Retry-After: 10\r\n" : NULL);
		call_end(c, CDR_END_REJECTED, st);
		return;
	}
	if (route_lookup(b2b.routes, c->user, b2b.cfg.outbound, &rr) ||
	    rr.line) {	/* a bad user, or a rule of the dial plan */
		if (rr.kind == ROUTE_BROWSER)
			call_w2s_dial_browser(c, rr.user);
		else if (rr.kind == ROUTE_SIP) {
			snprintf(c->sip_srtp, sizeof(c->sip_srtp), "%s",
				 rr.srtp);
			call_w2s_dial(c, rr.uri);
		}
		else
			call_w2s_reject(c, rr.code);
		return;
	}
	snprintf(c->user, sizeof(c->user), "%s", rr.user);	/* normalised */
	if (rr.kind == ROUTE_SIP)
		snprintf(c->route_uri, sizeof(c->route_uri), "%s", rr.uri);
	c->route_code = rr.kind == ROUTE_REJECT ? rr.code : 404;
	snprintf(aor, sizeof(aor), "%s@%s", c->user, b2b.cfg.domain);
	if (call_lookup(c, aor, call_w2s_target_looked_up)) {
		if (c->route_uri[0])
			call_w2s_dial(c, c->route_uri);
		else
			call_w2s_reject(c, c->route_code);
	}
}

/* The registrar's bindings of the caller: is one of them this flow? */
static void call_w2s_looked_up(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	json_t *bs = r ? json_object_get(r, "bindings") : NULL;
	bool registered = false;
	size_t i;
	json_t *b;

	json_array_foreach(bs, i, b)
		if (!g_strcmp0(busmsg_str(b, "edge"), c->edge) &&
		    !g_strcmp0(busmsg_str(b, "conn"), c->conn)) {
			registered = true;
			snprintf(c->instance, sizeof(c->instance), "%s",
				 busmsg_str(b, "instance") ?
				 busmsg_str(b, "instance") : "");
		}
	if (c->state != CALL_ENDED)
		call_w2s_route(c, registered);
	call_unref(c);
}

void call_web_invite(const struct call_web_in *in)
{
	const char *from_aor = in->from_aor, *sdp = in->sdp;
	struct call *c;

	if (g_hash_table_size(b2b.calls) >= (guint)b2b.cfg.max_calls) {
		c = call_new(CALL_WEB_TO_SIP);
		c->wd = in->wd;
		c->itxn = in->txn;
		b2b_web_respond(c, 503, "Service Unavailable", NULL,
				"Retry-After: 5\r\n");
		call_end(c, CDR_END_REJECTED, 503);
		return;
	}
	c = call_new(CALL_WEB_TO_SIP);
	c->wd = in->wd;
	c->itxn = in->txn;
	wsip_dialog_set_arg(in->wd, c);
	snprintf(c->edge, sizeof(c->edge), "%s", in->edge);
	snprintf(c->conn, sizeof(c->conn), "%s", in->conn);
	snprintf(c->src_ip, sizeof(c->src_ip), "%s", in->src_ip);
	snprintf(c->from, sizeof(c->from), "<sip:%s>", from_aor);
	snprintf(c->user, sizeof(c->user), "%s", in->user);
	c->pending_sdp = g_strdup(sdp);
	c->invite_text = g_strdup(in->text);
	LOG_INFO("call", "%s: %s -> %s from %s", c->id, from_aor, in->user,
		 in->src_ip);
	b2b_web_respond(c, 100, "Trying", NULL, NULL);
	if (!sdp) {
		b2b_web_respond(c, 488, "Not Acceptable Here", NULL, NULL);
		call_end(c, CDR_END_REJECTED, 488);
		return;
	}
	if (call_lookup(c, from_aor, call_w2s_looked_up))
		call_w2s_route(c, false);
}

void call_web_ack(struct call *c)
{
	(void)c;	/* the SIP side was ACKed by NUA on its 200 */
}

void call_web_bye(struct call *c)
{
	b2b_sip_hangup(c);
	call_end(c, CDR_END_NORMAL, 0);
}

void call_web_cancelled(struct call *c)
{
	b2b_sip_hangup(c);
	call_end(c, CDR_END_CANCELLED, 487);
}

void call_sip_bye(struct call *c)
{
	b2b_web_bye(c);
	call_end(c, c->transferred ? CDR_END_TRANSFERRED : CDR_END_NORMAL, 0);
}

void call_sip_cancelled(struct call *c)
{
	b2b_web_cancel_forks(c, NULL);
	call_end(c, CDR_END_CANCELLED, 487);
}

void call_sip_terminated(struct call *c, int status)
{
	/* NUA ended the SIP dialog on its own (timeout, transport error):
	 * the browser leg goes too. */
	if (c->state == CALL_ENDED)
		return;
	if (c->state == CALL_ANSWERED)
		b2b_web_bye(c);
	else if (c->dir == CALL_WEB_TO_SIP)
		b2b_web_respond(c, status >= 300 ? status : 408,
				"Request Timeout", NULL, NULL);
	else
		b2b_web_cancel_forks(c, NULL);
	call_end(c, CDR_END_SIP_TIMEOUT, status);
}

/* ---- SIP -> browser ---- */

static gboolean call_s2w_ring_timeout(gpointer arg)
{
	struct call *c = arg;

	c->ring_timer = 0;
	b2b_web_cancel_forks(c, NULL);
	b2b_sip_respond(c, 408, "Request Timeout", NULL);
	call_end(c, CDR_END_NO_ANSWER, 408);
	return G_SOURCE_REMOVE;
}

/* mediad answered the browser's SDP: answer the SIP side. */
static void call_s2w_answered(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);

	if (c->state != CALL_ENDED) {
		if (!sdp) {
			b2b_sip_respond(c, 488, "Not Acceptable Here", NULL);
			b2b_web_bye(c);
			call_end(c, CDR_END_MEDIA_FAILURE, 488);
		} else {
			b2b_sip_respond(c, 200, "OK", sdp);
			c->sip_answered = true;
			c->state = CALL_ANSWERED;
			c->cdr.answer_ms = (clock_wall_us() / 1000);
		}
	}
	call_unref(c);
}

void call_web_response(struct call *c, struct b2b_fork *f, int status,
		       const char *phrase, const char *sdp)
{
	if (c->state == CALL_ENDED || c->dir != CALL_SIP_TO_WEB)
		return;
	if (status < 200) {
		if (status >= 180 && c->state < CALL_EARLY) {
			c->state = CALL_EARLY;
			b2b_sip_respond(c, 180, "Ringing", NULL);
		}
		return;
	}
	if (status >= 300) {
		if (c->forks || c->winner)
			return;	/* others still ring; b2b_web drops this fork */
		b2b_sip_respond(c, status == 487 ? 480 : status, phrase, NULL);
		call_end(c, call_end_for(status), status);
		return;
	}
	if (c->winner)
		return;		/* a later 2xx: b2b_web ACKs and BYEs it */
	c->winner = f;
	snprintf(c->instance, sizeof(c->instance), "%s",
		 b2b_web_fork_instance(f));
	b2b_web_ack(c, f);
	b2b_web_cancel_forks(c, f);
	if (c->ring_timer)
		g_source_remove(c->ring_timer);
	c->ring_timer = 0;
	if (!sdp || call_media(c, "media_answer", NULL, sdp, call_s2w_answered)) {
		b2b_sip_respond(c, 488, "Not Acceptable Here", NULL);
		b2b_web_bye(c);
		call_end(c, CDR_END_MEDIA_FAILURE, 488);
	}
}

/* mediad made the browser's offer: INVITE every live contact. */
static void call_s2w_offered(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);
	json_t *bs = json_object_get(c->cdr_bindings, "bindings");
	size_t i, n = 0;
	json_t *b;

	if (c->state == CALL_ENDED ||
	    (!sdp && call_media_retry(c, r, e, "sip", call_s2w_offered))) {
		call_unref(c);
		return;
	}
	if (sdp)
		json_array_foreach(bs, i, b)
			n += !b2b_web_fork(c, b, sdp);
	if (!n && !sdp) {	/* mediad refused the offer: say why */
		char reason[160];
		call_reason_value(reason, sizeof(reason), 488, r ?
				  busmsg_str(r, "reason") : NULL);
		b2b_sip_refuse(c, 488, "Not Acceptable Here", reason);
		call_end(c, CDR_END_MEDIA_FAILURE, 488);
	} else if (!n) {
		b2b_sip_respond(c, 480, "Temporarily Unavailable", NULL);
		call_end(c, CDR_END_NO_ANSWER, 480);
	} else {
		c->state = CALL_PROCEEDING;
		c->ring_timer = g_timeout_add_seconds(
			(guint)b2b.cfg.ring_timeout_s, call_s2w_ring_timeout, c);
	}
	call_unref(c);
}

static void call_s2w_looked_up(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	json_t *bs = r ? json_object_get(r, "bindings") : NULL;

	if (c->state != CALL_ENDED) {
		if (!json_array_size(bs)) {
			b2b_sip_respond(c, 480, "Temporarily Unavailable", NULL);
			call_end(c, CDR_END_NO_ANSWER, 480);
		} else {
			c->cdr_bindings = json_incref(r);
			if (call_media(c, "media_create", "sip", c->pending_sdp,
				       call_s2w_offered)) {
				b2b_sip_respond(c, 503, "Service Unavailable", NULL);
				call_end(c, CDR_END_MEDIA_FAILURE, 503);
			}
		}
	}
	call_unref(c);
}

void call_sip_invite(nua_handle_t *nh, const sip_t *sip, const char *sdp)
{
	struct call *c = call_new(CALL_SIP_TO_WEB);
	const url_t *ru = sip->sip_request->rq_url;
	char aor[200];

	c->nh = nh;
	c->sip_contact = b2b_sip_contact_for_msg(sip);
	nua_handle_bind(nh, c);
	if (sip->sip_from) {	/* name-addr without the tag: ours goes on */
		char u[200] = "";
		url_e(u, sizeof(u), sip->sip_from->a_url);
		snprintf(c->from, sizeof(c->from), "<%s>", u);
	}
	snprintf(c->user, sizeof(c->user), "%s", ru->url_user ? ru->url_user : "");
	snprintf(c->to, sizeof(c->to), "<sip:%s@%s>", c->user, b2b.cfg.domain);
	snprintf(c->src_ip, sizeof(c->src_ip), "%s", sip->sip_via &&
		 sip->sip_via->v_host ? sip->sip_via->v_host : "");
	LOG_INFO("call", "%s: SIP %s -> %s", c->id, c->from, c->user);
	if (g_hash_table_size(b2b.calls) > (guint)b2b.cfg.max_calls || !sdp ||
	    !c->user[0]) {
		int st = !sdp ? 488 : !c->user[0] ? 404 : 503;
		b2b_sip_respond(c, st, st == 503 ? "Service Unavailable" :
				st == 404 ? "Not Found" : "Not Acceptable Here",
				NULL);
		call_end(c, CDR_END_REJECTED, st);
		return;
	}
	c->pending_sdp = g_strdup(sdp);
	snprintf(aor, sizeof(aor), "%s@%s", c->user, b2b.cfg.domain);
	if (call_lookup(c, aor, call_s2w_looked_up)) {
		b2b_sip_respond(c, 503, "Service Unavailable", NULL);
		call_end(c, CDR_END_REJECTED, 503);
	}
}

/* ---- failures reported from elsewhere ---- */

static void call_fail(struct call *c, enum cdr_end why)
{
	if (c->state == CALL_ANSWERED) {
		b2b_web_bye(c);
		b2b_sip_hangup(c);
	} else if (c->dir == CALL_WEB_TO_SIP) {
		b2b_web_respond(c, 503, "Service Unavailable", NULL, NULL);
		b2b_sip_hangup(c);
	} else {
		b2b_web_cancel_forks(c, NULL);
		b2b_sip_respond(c, 503, "Service Unavailable", NULL);
	}
	call_end(c, why, 0);
}

/* A media node reports the media timeout of a session whose call we
 * ended: its media_delete was lost (the node stalled while we gave up on
 * it).  Delete it again, or it holds its ports for good. */
static void call_media_orphan(const json_t *ev)
{
	const char *node = busmsg_str(ev, "node");
	const char *session = busmsg_str(ev, "session");
	char subj[160];
	json_t *m;

	if (!node || strcmp(busmsg_str(ev, "event"), "media_timeout") ||
	    !call_ended_sessions ||
	    !g_hash_table_remove(call_ended_sessions, session))
		return;
	LOG_INFO("call", "media session %s on %s outlived its call: deleted",
		 session, node);
	m = busmsg_new("media_delete");
	json_object_set_new(m, "session", json_string(session));
	snprintf(subj, sizeof(subj), "rtcgate.media.%s", node);
	busreq_send(b2b.req, subj, m, b2b.cfg.media_timeout_ms,
		    call_media_deleted, NULL);
	json_decref(m);
}

void call_media_event(const json_t *ev)
{
	const char *session = busmsg_str(ev, "session");
	const char *event = busmsg_str(ev, "event");
	struct call *c;

	if (!session || !event)
		return;
	c = call_by_session ? g_hash_table_lookup(call_by_session, session)
			    : NULL;
	if (!c) {
		call_media_orphan(ev);
		return;
	}
	if (!strcmp(event, "dtmf")) {
		call_media_dtmf(c, ev);
	} else if (!strcmp(event, "dtls_failed") ||
		   !strcmp(event, "ice_failed") ||
		   !strcmp(event, "media_timeout")) {
		LOG_INFO("call", "%s: media %s", c->id, event);
		call_fail(c, CDR_END_MEDIA_FAILURE);
	}
}

void call_media_node_lost(const char *node)
{
	GList *all = g_hash_table_get_values(b2b.calls);

	for (GList *l = all; l; l = l->next) {
		struct call *c = l->data;
		if (!strcmp(c->node, node))
			call_fail(c, CDR_END_MEDIA_NODE_LOST);
	}
	g_list_free(all);
}

void call_end_all(void)
{
	GList *all = g_hash_table_get_values(b2b.calls);

	for (GList *l = all; l; l = l->next)
		call_fail(l->data, CDR_END_SHUTDOWN);
	g_list_free(all);
	if (call_ended_sessions)
		g_hash_table_destroy(call_ended_sessions);
	call_ended_sessions = NULL;
	if (call_by_session)
		g_hash_table_destroy(call_by_session);
	call_by_session = NULL;
}

/* ---- a browser that lost its WebSocket ---- */

static gboolean call_grace_over(gpointer arg)
{
	struct call *c = arg;

	c->grace_timer = 0;
	LOG_INFO("call", "%s: the browser did not come back within %ld s",
		 c->id, b2b.cfg.flow_grace_s);
	b2b_sip_hangup(c);
	call_end(c, CDR_END_FLOW_LOST, 0);
	return G_SOURCE_REMOVE;
}

static bool call_on_flow(const struct call *c, const char *edge,
			 const char *conn)
{
	const struct wsip_flow *fl = b2b_web_flow(c);

	return fl && !strcmp(fl->edge, edge) && !strcmp(fl->conn, conn);
}

/* An answered call waits RTCGATE_FLOW_GRACE for its browser; one that
 * was not answered yet ends (the browser's INVITE cannot be answered on a
 * flow that is gone).  A call to a browser that still rings its other
 * contacts is left to them and the ring timeout. */
void call_web_flow_closed(const char *edge, const char *conn)
{
	GList *all = g_hash_table_get_values(b2b.calls);

	for (GList *l = all; l; l = l->next) {
		struct call *c = l->data;
		if (c->grace_timer || !call_on_flow(c, edge, conn))
			continue;
		if (c->state == CALL_ANSWERED && b2b.cfg.flow_grace_s > 0) {
			LOG_INFO("call", "%s: WebSocket lost; waiting %ld s for "
				 "the browser", c->id, b2b.cfg.flow_grace_s);
			c->grace_timer = g_timeout_add_seconds(
				(guint)b2b.cfg.flow_grace_s, call_grace_over, c);
		} else if (c->state == CALL_ANSWERED ||
			   c->dir == CALL_WEB_TO_SIP) {
			LOG_INFO("call", "%s: WebSocket lost", c->id);
			b2b_sip_hangup(c);
			call_end(c, CDR_END_FLOW_LOST, 0);
		}
	}
	g_list_free(all);
}

void call_web_moved(struct call *c, const struct wsip_flow *fl)
{
	LOG_INFO("call", "%s: the browser is back on %s/%s", c->id, fl->edge,
		 fl->conn);
	b2b_web_set_flow(c, fl);
	if (c->grace_timer)
		g_source_remove(c->grace_timer);
	c->grace_timer = 0;
}

/* The browser registered again with the same +sip.instance: its calls
 * go on over the new flow. */
void call_web_flow_back(const char *instance, const char *edge,
			const char *conn)
{
	GHashTableIter it;
	gpointer k, v;
	struct wsip_flow fl;

	if (wsip_flow_set(&fl, edge, conn))
		return;
	g_hash_table_iter_init(&it, b2b.calls);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct call *c = v;
		if (c->state != CALL_ENDED && !strcmp(c->instance, instance) &&
		    !call_on_flow(c, edge, conn))
			call_web_moved(c, &fl);
	}
}
