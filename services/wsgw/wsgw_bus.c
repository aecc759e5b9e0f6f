/* wsgw_bus: wsgw's subscriptions.  Handlers run on NATS threads: they
 * decode and validate, then hand the work to the lws thread. */
#include "wsgw.h"
#include "busmsg.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const wsgw_kinds[] = { "wsgw", "registrar", "b2bua",
					  "mediad" };

/* A "send" waiting for the lws thread. */
struct wsgw_send {
	json_t *msg;
	char *reply;	/* reply subject, or NULL */
};

static void wsgw_send_free(struct wsgw_send *s)
{
	json_decref(s->msg);
	free(s->reply);
	free(s);
}

static void wsgw_post(struct wsgw *g, handoff_h *fn, void *data,
		      handoff_dtor_h *dtor)
{
	if (handoff_post(g->ho, fn, data, g)) {
		metrics_inc(&g->svc.metrics, WM_HANDOFF_DROPPED);
		dtor(data);
	}
}

static void wsgw_send_result(struct wsgw *g, const char *reply, int code,
			     const char *reason)
{
	json_t *r;

	if (!reply)
		return;
	r = busmsg_new("send_result");
	json_object_set_new(r, "ok", json_boolean(!code));
	if (code) {
		json_object_set_new(r, "code", json_integer(code));
		json_object_set_new(r, "reason", json_string(reason));
	}
	bus_publish(g->svc.bus, reply, NULL, r);
	json_decref(r);
}

/* lws thread */
static void wsgw_do_send(void *data, void *arg)
{
	struct wsgw_send *s = data;
	struct wsgw *g = arg;
	const char *conn = busmsg_str(s->msg, "conn");
	const char *sip = busmsg_str(s->msg, "sip");
	struct wsgw_conn *c = wsgw_conn_find(g, conn);

	if (!c || c->close) {
		metrics_inc(&g->svc.metrics, WM_SEND_NOCONN);
		wsgw_send_result(g, s->reply, BUSMSG_E_NOCONN,
				 "connection closed");
	} else {
		int e = wsgw_conn_send(g, c, sip, strlen(sip));
		if (!e && json_is_true(json_object_get(s->msg, "close")))
			wsgw_conn_close(c, WC_REQUESTED,
					LWS_CLOSE_STATUS_NORMAL);
		wsgw_send_result(g, s->reply, e ? BUSMSG_E_NOCONN : 0,
				 e ? "connection closing" : NULL);
	}
	wsgw_send_free(s);
}

static void wsgw_on_send(struct bus *b, natsMsg *msg, void *arg)
{
	struct wsgw *g = arg;
	char err[160];
	json_t *m;
	const char *reply = natsMsg_GetReply(msg);
	int e = busmsg_decode(natsMsg_GetData(msg),
			      (size_t)natsMsg_GetDataLength(msg), &m, err,
			      sizeof(err));

	if (!e && strcmp(busmsg_kind(m), "send")) {
		json_decref(m);
		e = BUSMSG_E_KIND;
		snprintf(err, sizeof(err), "expected kind \"send\"");
	}
	if (e) {
		metrics_inc(&g->svc.metrics, WM_BUS_BAD);
		LOG_WARN("bus", "bad send message: %s", err);
		json_t *r = busmsg_error(e, err);
		bus_reply(b, msg, r);
		json_decref(r);
		return;
	}
	struct wsgw_send *s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(m);
		return;
	}
	s->msg = m;
	s->reply = reply && *reply ? strdup(reply) : NULL;
	wsgw_post(g, wsgw_do_send, s, (handoff_dtor_h *)wsgw_send_free);
}

/* lws thread */
static void wsgw_do_no_responders(void *data, void *arg)
{
	wsgw_sip_no_responders(arg, *(uint64_t *)data);
	free(data);
}

static void wsgw_on_no_responders(struct bus *b, natsMsg *msg, void *arg)
{
	struct wsgw *g = arg;
	const char *subj = natsMsg_GetSubject(msg);
	const char *dot = strrchr(subj, '.');
	uint64_t *seq;

	(void)b;
	if (!natsMsg_IsNoResponders(msg) || !dot)
		return;
	seq = malloc(sizeof(*seq));
	if (!seq)
		return;
	*seq = strtoull(dot + 1, NULL, 10);
	wsgw_post(g, wsgw_do_no_responders, seq, free);
}

/* lws thread */
static void wsgw_do_health(void *data, void *arg)
{
	wsgw_health_update(arg, data);
	json_decref(data);
}

static void wsgw_on_health(struct bus *b, natsMsg *msg, void *arg)
{
	struct wsgw *g = arg;
	char err[160];
	json_t *m;

	(void)b;
	if (busmsg_decode(natsMsg_GetData(msg),
			  (size_t)natsMsg_GetDataLength(msg), &m, err,
			  sizeof(err)))
		return;
	if (strcmp(busmsg_kind(m), "health")) {
		json_decref(m);
		return;
	}
	wsgw_post(g, wsgw_do_health, m, (handoff_dtor_h *)json_decref);
}

void wsgw_bus_poll_health(struct wsgw *g)
{
	json_t *req = busmsg_new("health_req");
	char subj[64];

	for (size_t i = 0; i < sizeof(wsgw_kinds) / sizeof(wsgw_kinds[0]); i++) {
		snprintf(subj, sizeof(subj), "rtcgate.health.%s", wsgw_kinds[i]);
		bus_publish(g->svc.bus, subj, g->subj_health_inbox, req);
	}
	json_decref(req);
}

void wsgw_bus_publish_closed(struct wsgw *g, const struct wsgw_conn *c,
			     enum wsgw_close why)
{
	json_t *m = busmsg_new("closed");

	json_object_set_new(m, "edge", json_string(g->svc.id));
	json_object_set_new(m, "conn", json_string(c->id));
	json_object_set_new(m, "src_ip", json_string(c->ip));
	json_object_set_new(m, "src_port", json_integer(c->port));
	json_object_set_new(m, "reason", json_string(wsgw_close_name(why)));
	bus_publish(g->svc.bus, "rtcgate.ws.closed", NULL, m);
	json_decref(m);
}

int wsgw_bus_start(struct wsgw *g)
{
	char nr[160];
	int e;

	snprintf(g->subj_send, sizeof(g->subj_send), "rtcgate.ws.%s.send",
		 g->svc.id);
	snprintf(g->subj_nr, sizeof(g->subj_nr), "_INBOX.%s.nr", g->svc.id);
	snprintf(g->subj_health_inbox, sizeof(g->subj_health_inbox),
		 "_INBOX.%s.health", g->svc.id);
	snprintf(nr, sizeof(nr), "%s.*", g->subj_nr);
	e = bus_subscribe(g->svc.bus, g->subj_send, NULL, wsgw_on_send, g);
	if (!e)
		e = bus_subscribe(g->svc.bus, nr, NULL, wsgw_on_no_responders, g);
	if (!e)
		e = bus_subscribe(g->svc.bus, g->subj_health_inbox, NULL,
				  wsgw_on_health, g);
	return e;
}
