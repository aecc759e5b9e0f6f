/* wsgw_sip: what wsgw does with one SIP message from a browser: answer
 * keep-alives and OPTIONS to itself, reject what is malformed, and put the
 * rest on the bus toward the service that owns it (docs/bus.md). */
#include "wsgw.h"
#include "busmsg.h"
#include "log.h"
#include "version.h"
#include "sipframe.h"

#include <string.h>

enum {
	WSGW_PENDING_MAX = 8192,	/* requests awaiting a no-responders */
	WSGW_PENDING_US = 2000000,	/* how long we wait for one */
};

/* A request published with a reply subject, kept briefly so that a "no
 * responders" status from NATS can be turned into a 503. */
struct wsgw_pending {
	char conn[24];
	struct sipframe *req;
	int64_t at_us;
};

static const char wsgw_allow[] =
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, "
	"NOTIFY, MESSAGE, REGISTER\r\n"
	"Supported: path, outbound, gruu, timer, replaces\r\n"
	"Accept: application/sdp, application/dtmf-relay\r\n"
	"Server: rtcgate/" RTCGATE_VERSION "\r\n";

void wsgw_pending_free(gpointer p)
{
	struct wsgw_pending *pe = p;

	sipframe_free(pe->req);
	free(pe);
}

static void wsgw_sip_reply(struct wsgw *g, struct wsgw_conn *c,
			   struct sipframe *f, int status, const char *phrase,
			   const char *extra)
{
	size_t len;
	char *text = sipframe_response(f, status, phrase, extra, &len);

	if (text)
		wsgw_conn_send(g, c, text, len);
	free(text);
}

/* Keep-alive of RFC 5626 4.4.1: a double CRLF "ping" gets a CRLF "pong". */
static int wsgw_sip_is_keepalive(const char *data, size_t len)
{
	return len >= 2 && strspn(data, "\r\n") == len;
}

/* Where a message goes: its owner if it names a valid one, else the
 * service for its kind.  Returns 0 with the subject, or ENOENT. */
static int wsgw_sip_subject(struct sipframe *f, char *subj, size_t len)
{
	char owner[96];

	if (!sipframe_route_param(f, "rtcgate-owner", owner, sizeof(owner))) {
		const char *dot = strchr(owner, '.');
		if (dot && (!strncmp(owner, "registrar.", 10) ||
			    !strncmp(owner, "b2bua.", 6)) &&
		    svc_id_valid(dot + 1)) {
			snprintf(subj, len, "rtcgate.sip.%s", owner);
			return 0;
		}
	}
	if (!sipframe_is_request(f))
		return ENOENT;
	if (!strcmp(sipframe_method(f), "CANCEL")) {
		/* names no owner: every b2bua hears it, the INVITE's answers */
		snprintf(subj, len, "rtcgate.sip.cancel");
		return 0;
	}
	snprintf(subj, len, "rtcgate.sip.%s",
		 !strcmp(sipframe_method(f), "REGISTER") ? "registrar" : "b2bua");
	return 0;
}

static json_t *wsgw_sip_envelope(struct wsgw *g, struct wsgw_conn *c,
				 struct sipframe *f, const char *text,
				 size_t len)
{
	json_t *sip = json_stringn(text, len);	/* NULL if not UTF-8 */
	json_t *m;

	if (!sip)
		return NULL;
	m = busmsg_new("sip");
	json_object_set_new(m, "edge", json_string(g->svc.id));
	json_object_set_new(m, "conn", json_string(c->id));
	json_object_set_new(m, "src_ip", json_string(c->ip));
	json_object_set_new(m, "src_port", json_integer(c->port));
	json_object_set_new(m, "transport", json_string("wss"));
	json_object_set_new(m, "ts_us", json_integer(wsgw_now_us()));
	json_object_set_new(m, "method", json_string(sipframe_method(f)));
	json_object_set_new(m, "status", json_integer(sipframe_status(f)));
	json_object_set_new(m, "call_id", json_string(sipframe_call_id(f)));
	json_object_set_new(m, "sip", sip);
	return m;
}

/* Publish; f is kept (for a possible 503) or freed. */
static void wsgw_sip_publish(struct wsgw *g, struct wsgw_conn *c,
			     struct sipframe *f, const char *subj)
{
	char reply[160];
	size_t len;
	char *text = sipframe_text(f, &len);
	json_t *m = text ? wsgw_sip_envelope(g, c, f, text, len) : NULL;
	int want_reply = sipframe_is_request(f) &&
			 strcmp(sipframe_method(f), "ACK") &&
			 g_hash_table_size(g->pending) < WSGW_PENDING_MAX;

	free(text);
	if (!m) {
		metrics_inc(&g->svc.metrics, WM_GARBAGE);
		sipframe_free(f);
		return;
	}
	if (want_reply) {
		uint64_t seq = ++g->next_seq;
		struct wsgw_pending *pe = calloc(1, sizeof(*pe));
		if (pe) {
			snprintf(pe->conn, sizeof(pe->conn), "%s", c->id);
			pe->req = f;
			pe->at_us = wsgw_now_us();
			g_hash_table_insert(g->pending, g_memdup2(&seq, sizeof(seq)),
					    pe);
			f = NULL;
			snprintf(reply, sizeof(reply), "%s.%" PRIu64,
				 g->subj_nr, seq);
		} else {
			want_reply = 0;
		}
	}
	bus_publish(g->svc.bus, subj, want_reply ? reply : NULL, m);
	json_decref(m);
	sipframe_free(f);
}

void wsgw_sip_on_message(struct wsgw *g, struct wsgw_conn *c, char *data,
			 size_t len)
{
	struct sipframe *f;
	char why[96], subj[160];

	if (wsgw_sip_is_keepalive(data, len)) {
		metrics_inc(&g->svc.metrics, WM_KEEPALIVES);
		wsgw_conn_send(g, c, "\r\n", 2);
		return;
	}
	switch (sipframe_parse(data, len, &f, why, sizeof(why))) {
	case SIPFRAME_GARBAGE:
		metrics_inc(&g->svc.metrics, WM_GARBAGE);
		LOG_DEBUG("sip", "%s: dropped %zu bytes: %s", c->id, len, why);
		return;
	case SIPFRAME_BAD_REQUEST:
		metrics_inc(&g->svc.metrics, WM_BAD_REQ);
		LOG_INFO("sip", "%s: 400 %s", c->id, why);
		wsgw_sip_reply(g, c, f, 400, why, NULL);
		sipframe_free(f);
		return;
	case SIPFRAME_OK:
		break;
	}
	log_set_context(sipframe_call_id(f));
	if (sipframe_is_request(f))
		sipframe_set_received(f, c->ip, c->port);
	if (sipframe_is_options_to_self(f)) {
		metrics_inc(&g->svc.metrics, WM_OPTIONS);
		wsgw_sip_reply(g, c, f, 200, "OK", wsgw_allow);
		sipframe_free(f);
	} else if (wsgw_sip_subject(f, subj, sizeof(subj))) {
		metrics_inc(&g->svc.metrics, WM_UNROUTABLE);
		LOG_DEBUG("sip", "%s: response %d without owner dropped", c->id,
			  sipframe_status(f));
		sipframe_free(f);
	} else {
		LOG_DEBUG("sip", "%s: %s %s -> %s", c->id,
			  sipframe_is_request(f) ? "request" : "response",
			  sipframe_method(f), subj);
		wsgw_sip_publish(g, c, f, subj);
	}
	log_set_context(NULL);
}

void wsgw_sip_no_responders(struct wsgw *g, uint64_t seq)
{
	struct wsgw_pending *pe = g_hash_table_lookup(g->pending, &seq);
	struct wsgw_conn *c;

	if (!pe)
		return;
	metrics_inc(&g->svc.metrics, WM_NO_RESPONDERS);
	c = wsgw_conn_find(g, pe->conn);
	LOG_WARN("sip", "no service takes %s requests: 503",
		 sipframe_method(pe->req));
	if (c)
		wsgw_sip_reply(g, c, pe->req, 503, "Service Unavailable",
			       "Retry-After: 5\r\n");
	g_hash_table_remove(g->pending, &seq);
}

void wsgw_sip_expire(struct wsgw *g, int64_t now)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, g->pending);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct wsgw_pending *pe = v;
		if (now - pe->at_us > WSGW_PENDING_US)
			g_hash_table_iter_remove(&it);
	}
}
