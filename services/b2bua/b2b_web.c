/* b2b_web: the browser side.  SIP messages from wsgw arrive on the bus
 * (new requests on rtcgate.sip.b2bua, queue group "b2bua"; follow-ups on
 * rtcgate.sip.b2bua.<id>, the owner in our Contact and Via), are handed to
 * the loop, and go through our transaction/dialog layer (wsip); what it
 * sends goes back to the connection through rtcgate.ws.<edge>.send. */
#include "b2b_call.h"
#include "busmsg.h"
#include "log.h"
#include "sipframe.h"
#include "wsip.h"

#include <sofia-sip/sip.h>
#include <string.h>

/* One INVITE out to a browser contact (SIP -> browser forking). */
struct b2b_fork {
	struct call *c;
	struct wsip_dialog *d;
	char instance[128];	/* the binding's +sip.instance, or "" */
};

static struct wsip *b2b_wsip;

static void b2b_web_fork_free(gpointer data);
static struct wsip_dialog *b2b_web_dialog(const struct call *c);

static int b2b_web_send(const struct wsip_flow *fl, const char *text,
			size_t len, void *arg)
{
	json_t *m = busmsg_new("send");
	char subj[160];
	int e;

	json_object_set_new(m, "conn", json_string(fl->conn));
	json_object_set_new(m, "sip", json_stringn(text, len));
	snprintf(subj, sizeof(subj), "rtcgate.ws.%s.send", fl->edge);
	e = bus_publish(b2b.svc.bus, subj, NULL, m);
	json_decref(m);
	return e;
}

/* A browser dialog's call: UAS dialogs carry the call, UAC ones (our
 * INVITEs to browsers) their fork. */
static struct call *b2b_web_call_of(struct wsip_dialog *d)
{
	void *arg = d ? wsip_dialog_arg(d) : NULL;

	if (!arg)
		return NULL;
	return wsip_dialog_is_uac(d) ? ((struct b2b_fork *)arg)->c : arg;
}

static char *b2b_web_sdp(const sip_t *sip)
{
	if (!sip || !sip->sip_payload || !sip->sip_content_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp"))
		return NULL;
	return g_strndup(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

static void b2b_web_invite_in(struct wsip_event *ev, const json_t *env)
{
	const sip_t *sip = ev->sip;
	const url_t *from = sip->sip_from->a_url, *ru = sip->sip_request->rq_url;
	char aor[300], *sdp = b2b_web_sdp(sip);

	snprintf(aor, sizeof(aor), "%s@%s", from->url_user ? from->url_user : "",
		 from->url_host ? from->url_host : "");
	call_web_invite(&(struct call_web_in){
		.wd = ev->dlg, .txn = ev->txn, .edge = busmsg_str(env, "edge"),
		.conn = busmsg_str(env, "conn"),
		.src_ip = busmsg_str(env, "src_ip"), .from_aor = aor,
		.user = ru->url_user ? ru->url_user : "", .sdp = sdp,
		.text = busmsg_str(env, "sip") });
	g_free(sdp);
}

static void b2b_web_request(struct wsip_event *ev)
{
	struct call *c = b2b_web_call_of(ev->dlg);

	if (!strcmp(ev->method, "BYE") && c) {
		wsip_respond(ev->txn, 200, "OK", NULL, NULL);
		call_web_bye(c);
	} else if (c && !strcmp(ev->method, "INFO")) {
		/* DTMF (application/dtmf-relay) and the like: to the SIP side */
		call_web_info(c, ev->sip);
		wsip_respond(ev->txn, 200, "OK", NULL, NULL);
	} else if (c && (!strcmp(ev->method, "INVITE") ||
			 !strcmp(ev->method, "UPDATE"))) {
		char *sdp = b2b_web_sdp(ev->sip);
		if (!sdp && !strcmp(ev->method, "UPDATE"))	/* a refresh */
			wsip_respond(ev->txn, 200, "OK", NULL, NULL);
		else
			call_web_reinvite(c, ev->txn, sdp);
		g_free(sdp);
	} else if (c && !strcmp(ev->method, "REFER")) {
		call_web_refer(c, ev->txn, ev->sip);
	} else if (c && !strcmp(ev->method, "OPTIONS")) {
		wsip_respond(ev->txn, 200, "OK", NULL, NULL);
	} else if (!strcmp(ev->method, "OPTIONS")) {
		wsip_respond(ev->txn, 200, "OK", "Allow: INVITE, ACK, BYE, "
			     "CANCEL, OPTIONS, INFO, REFER, UPDATE\r\n", NULL);
	} else {
		/* re-INVITE, UPDATE, REFER, MESSAGE: not built yet */
		wsip_respond(ev->txn, 501, "Not Implemented", NULL, NULL);
	}
}

/* The arg of our re-INVITEs to browsers, to tell their answers apart. */
static char b2b_web_reinv_arg;

static void b2b_web_reinvite_answered(struct wsip_event *ev)
{
	struct call *c = b2b_web_call_of(ev->dlg);
	char *sdp = b2b_web_sdp(ev->sip);

	if (ev->need_ack)
		wsip_ack(ev->dlg, NULL);
	if (c)
		call_web_reinvite_response(c, ev->status, ev->sip &&
					   ev->sip->sip_status ?
					   ev->sip->sip_status->st_phrase : "",
					   sdp);
	g_free(sdp);
}

static void b2b_web_response(struct wsip_event *ev)
{
	struct b2b_fork *f = ev->dlg && wsip_dialog_is_uac(ev->dlg) ?
			     wsip_dialog_arg(ev->dlg) : NULL;
	char *sdp;

	if (ev->arg == &b2b_web_reinv_arg && !strcmp(ev->method, "INVITE")) {
		b2b_web_reinvite_answered(ev);
		return;
	}
	if (!f || strcmp(ev->method, "INVITE"))
		return;		/* BYE/CANCEL answers: nothing to do */
	if (f->c->winner && f->c->winner != f && ev->need_ack) {
		wsip_ack(ev->dlg, NULL);	/* a second 2xx: ACK, BYE */
		wsip_request(ev->dlg, "BYE", NULL, NULL, NULL);
		return;
	}
	if (ev->status >= 300)	/* this fork is over */
		f->c->forks = g_slist_remove(f->c->forks, f);
	sdp = b2b_web_sdp(ev->sip);
	call_web_response(f->c, f, ev->status, ev->sip && ev->sip->sip_status ?
			  ev->sip->sip_status->st_phrase : "", sdp);
	g_free(sdp);
	if (ev->status >= 300)
		b2b_web_fork_free(f);
}

static void b2b_web_event(struct wsip_event *ev, const json_t *env)
{
	struct call *c = b2b_web_call_of(ev->dlg);

	switch (ev->type) {
	case WSIP_EV_INVITE:
		b2b_web_invite_in(ev, env);
		break;
	case WSIP_EV_REQUEST:
		b2b_web_request(ev);
		break;
	case WSIP_EV_ACK:
		if (c)
			call_web_ack(c);
		break;
	case WSIP_EV_CANCELLED:
		if (c) {
			c->itxn = NULL;	/* the layer answered 487 */
			call_web_cancelled(c);
		}
		break;
	case WSIP_EV_RESPONSE:
		b2b_web_response(ev);
		break;
	case WSIP_EV_NO_ACK:
		if (c)
			call_web_bye(c);
		break;
	default:
		break;
	}
}

/* A request within a call that came over another flow than the call's:
 * the browser reconnected (RFC 5626), so ours go there too. */
static void b2b_web_follow(const struct wsip_event *ev,
			   const struct wsip_flow *fl)
{
	struct call *c = b2b_web_call_of(ev->dlg);
	const struct wsip_flow *cur = c ? b2b_web_flow(c) : NULL;

	if ((ev->type == WSIP_EV_REQUEST || ev->type == WSIP_EV_ACK) && cur &&
	    b2b_web_dialog(c) == ev->dlg &&
	    (strcmp(cur->edge, fl->edge) || strcmp(cur->conn, fl->conn)))
		call_web_moved(c, fl);
}

/* The frame and flow of a bus envelope; bad ones are counted. */
static int b2b_web_frame(const json_t *env, struct wsip_flow *fl,
			 struct sipframe **f)
{
	const char *text = busmsg_str(env, "sip");
	char why[96];

	*f = NULL;
	if (!text || wsip_flow_set(fl, busmsg_str(env, "edge"),
				   busmsg_str(env, "conn")) ||
	    sipframe_parse(text, strlen(text), f, why, sizeof(why)) !=
	    SIPFRAME_OK) {
		metrics_inc(&b2b.svc.metrics, BM_WEB_BAD);
		sipframe_free(*f);
		*f = NULL;
		return EBADMSG;
	}
	metrics_inc(&b2b.svc.metrics, BM_WEB_IN);
	return 0;
}

static void b2b_web_handle(struct sipframe *f, const struct wsip_flow *fl,
			   const json_t *env)
{
	struct wsip_event ev;

	if (!wsip_recv(b2b_wsip, f, fl, &ev)) {
		b2b_web_follow(&ev, fl);
		b2b_web_event(&ev, env);
	} else {
		LOG_DEBUG("web", "refused: %s", ev.why ? ev.why : "?");
	}
}

/* On the loop: one SIP message from a browser. */
static void b2b_web_on_msg(void *data, void *arg)
{
	json_t *env = data;
	struct wsip_flow fl;
	struct sipframe *f;

	if (!b2b_web_frame(env, &fl, &f))
		b2b_web_handle(f, &fl, env);
	sipframe_free(f);
	json_decref(env);
}

/* A CANCEL that names no owner reaches every b2bua (rtcgate.sip.cancel):
 * the one that has its INVITE answers, the others stay silent. */
static void b2b_web_on_cancel(void *data, void *arg)
{
	json_t *env = data;
	struct wsip_flow fl;
	struct sipframe *f;

	if (!b2b_web_frame(env, &fl, &f) &&
	    wsip_cancel_known(b2b_wsip, f, &fl))
		b2b_web_handle(f, &fl, env);
	sipframe_free(f);
	json_decref(env);
}

static void b2b_web_heard(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "sip", b2b_web_on_msg);
}

static void b2b_web_heard_cancel(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "sip", b2b_web_on_cancel);
}

static gboolean b2b_web_tick(gpointer arg)
{
	struct wsip_event ev;

	while (wsip_tick(b2b_wsip, &ev) == 1)
		b2b_web_event(&ev, NULL);
	return G_SOURCE_CONTINUE;
}

int b2b_web_start(void)
{
	char owner[96], subj[128];
	struct wsip_cfg wc = { 0 };
	GSource *t;
	int e;

	snprintf(owner, sizeof(owner), "b2bua.%s", b2b.svc.id);
	wc.host = b2b.cfg.domain;
	wc.owner = owner;
	wc.max_dialogs = (unsigned)b2b.cfg.max_calls * 4;
	wc.sendh = b2b_web_send;
	e = wsip_new(&b2b_wsip, &wc);
	if (e)
		return e;
	snprintf(subj, sizeof(subj), "rtcgate.sip.b2bua.%s", b2b.svc.id);
	e = bus_subscribe(b2b.svc.bus, "rtcgate.sip.b2bua", "b2bua",
			  b2b_web_heard, NULL);
	if (!e)
		e = bus_subscribe(b2b.svc.bus, subj, NULL, b2b_web_heard, NULL);
	if (!e)
		e = bus_subscribe(b2b.svc.bus, "rtcgate.sip.cancel", NULL,
				  b2b_web_heard_cancel, NULL);
	t = g_timeout_source_new(200);
	g_source_set_callback(t, b2b_web_tick, NULL, NULL);
	g_source_attach(t, b2b.loop.ctx);
	g_source_unref(t);
	return e;
}

void b2b_web_stop(void)
{
	wsip_free(b2b_wsip);
	b2b_wsip = NULL;
}

static struct wsip_body *b2b_web_body(struct wsip_body *b, const char *sdp)
{
	if (!sdp)
		return NULL;
	*b = (struct wsip_body){ .type = "application/sdp", .data = sdp,
				 .len = strlen(sdp) };
	return b;
}

void b2b_web_respond(struct call *c, int status, const char *phrase,
		     const char *sdp, const char *extra)
{
	struct wsip_body b;

	if (!c->itxn)
		return;
	wsip_respond(c->itxn, status, phrase, extra, b2b_web_body(&b, sdp));
	if (status >= 200)
		c->itxn = NULL;	/* the transaction is complete */
}

/* The browser's dialog of an answered call (or of a call from it). */
static struct wsip_dialog *b2b_web_dialog(const struct call *c)
{
	return c->dir == CALL_WEB_TO_SIP ? c->wd :
	       c->winner ? c->winner->d : NULL;
}

const struct wsip_flow *b2b_web_flow(const struct call *c)
{
	struct wsip_dialog *d = b2b_web_dialog(c);

	return d ? wsip_dialog_flow(d) : NULL;
}

void b2b_web_set_flow(struct call *c, const struct wsip_flow *fl)
{
	struct wsip_dialog *d = b2b_web_dialog(c);

	if (d)
		wsip_dialog_set_flow(d, fl);
}

const char *b2b_web_fork_instance(const struct b2b_fork *f)
{
	return f->instance;
}

void b2b_web_bye(struct call *c)
{
	struct wsip_dialog *d = b2b_web_dialog(c);

	if (c->dir == CALL_WEB_TO_SIP && c->itxn) {
		/* not answered yet: the INVITE gets a final answer instead */
		b2b_web_respond(c, 480, "Temporarily Unavailable", NULL, NULL);
		return;
	}
	if (d && wsip_dialog_state(d) == WSIP_DLG_CONFIRMED)
		wsip_request(d, "BYE", NULL, NULL, NULL);
	else if (c->dir == CALL_SIP_TO_WEB)
		b2b_web_cancel_forks(c, NULL);
}

int b2b_web_fork(struct call *c, const json_t *binding, const char *sdp)
{
	struct b2b_fork *f = g_new0(struct b2b_fork, 1);
	struct wsip_invite o = { 0 };
	int e;

	f->c = c;
	snprintf(f->instance, sizeof(f->instance), "%s",
		 busmsg_str(binding, "instance") ?
		 busmsg_str(binding, "instance") : "");
	if (wsip_flow_set(&o.flow, busmsg_str(binding, "edge"),
			  busmsg_str(binding, "conn"))) {
		g_free(f);
		return EINVAL;
	}
	o.ruri = busmsg_str(binding, "contact");
	o.from = c->from;
	o.to = c->to;
	b2b_web_body(&o.body, sdp);
	o.arg = f;
	e = wsip_invite(b2b_wsip, &o, &f->d);
	if (e) {
		LOG_WARN("web", "%s: INVITE to %s: %s", c->id,
			 o.ruri ? o.ruri : "?", strerror(e));
		g_free(f);
		return e;
	}
	wsip_dialog_set_arg(f->d, f);
	c->forks = g_slist_prepend(c->forks, f);
	return 0;
}

void b2b_web_cancel_forks(struct call *c, struct b2b_fork *except)
{
	for (GSList *l = c->forks; l; l = l->next) {
		struct b2b_fork *f = l->data;
		if (f != except)
			wsip_cancel(f->d, "Reason: SIP;cause=200;text=\"Call "
				    "completed elsewhere\"\r\n");
	}
}

/* A request from the SIP side within the call (INFO) to the browser. */
void b2b_web_info(struct call *c, const char *type, const char *body,
		  size_t len)
{
	struct wsip_dialog *d = b2b_web_dialog(c);
	struct wsip_body b = { .type = type, .data = body, .len = len };

	if (d && wsip_dialog_state(d) == WSIP_DLG_CONFIRMED)
		wsip_request(d, "INFO", NULL, body ? &b : NULL, NULL);
}

/* A NOTIFY of the SIP side's transfer progress, to the browser. */
void b2b_web_notify(struct call *c, const sip_t *sip)
{
	struct wsip_dialog *d = b2b_web_dialog(c);
	const sip_subscription_state_t *ss = sip->sip_subscription_state;
	struct wsip_body b = { .type = "message/sipfrag" };
	char extra[160];
	bool over = ss && ss->ss_substate &&
		    !strcmp(ss->ss_substate, "terminated");

	if (!d || wsip_dialog_state(d) != WSIP_DLG_CONFIRMED)
		return;
	snprintf(extra, sizeof(extra), "Event: refer\r\n"
		 "Subscription-State: %s\r\n", over ?
		 "terminated;reason=noresource" : "active;expires=60");
	if (sip->sip_payload) {
		b.data = sip->sip_payload->pl_data;
		b.len = sip->sip_payload->pl_len;
	}
	wsip_request(d, "NOTIFY", extra, b.data ? &b : NULL, NULL);
}

/* mediad's re-offer (hold, resume from the SIP side) to the browser. */
int b2b_web_reinvite(struct call *c, const char *sdp)
{
	struct wsip_dialog *d = b2b_web_dialog(c);
	struct wsip_body b;

	if (!d || wsip_dialog_state(d) != WSIP_DLG_CONFIRMED || c->grace_timer)
		return ENOTCONN;
	return wsip_request(d, "INVITE", NULL, b2b_web_body(&b, sdp),
			    &b2b_web_reinv_arg);
}

void b2b_web_ack(struct call *c, struct b2b_fork *f)
{
	wsip_ack(f->d, NULL);
}

static void b2b_web_fork_free(gpointer data)
{
	struct b2b_fork *f = data;

	wsip_dialog_free(f->d);
	g_free(f);
}

void b2b_web_release(struct call *c)
{
	if (c->winner && !g_slist_find(c->forks, c->winner))
		b2b_web_fork_free(c->winner);
	g_slist_free_full(c->forks, b2b_web_fork_free);
	c->forks = NULL;
	c->winner = NULL;
	if (c->wd) {
		wsip_dialog_set_arg(c->wd, NULL);
		wsip_dialog_free(c->wd);
		c->wd = NULL;
	}
	c->itxn = NULL;
	c->refer_txn = NULL;
}
