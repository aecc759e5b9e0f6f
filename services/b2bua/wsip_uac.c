/* wsip_uac: requests we send to browsers: client transactions (RFC 3261
 * 17.1), the INVITE and its ACK and CANCEL, requests within dialogs, and
 * matching the browsers' responses to them. */
#include "wsip_int.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wsip_tag_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int wsip_method_ok(const char *method)
{
	size_t n = method ? strlen(method) : 0;

	if (n == 0 || n >= WSIP_METHOD_MAX)
		return 0;
	for (; *method; method++)
		if (*method < 'A' || *method > 'Z')
			return 0;
	return 1;
}

/* A client transaction for a request built in msg, sent on the dialog's
 * flow; INVITE keeps msg for its CANCEL and ACK, others free it. */
static int wsip_ct_send(struct wsip_dialog *d, msg_t *msg, const char *branch,
			void *arg)
{
	const sip_t *sip = sip_object(msg);
	struct wsip *w = d->w;
	struct wsip_txn *t;
	int err = wsip_txn_new(w, d, 0, &t);

	if (err) {
		msg_destroy(msg);
		return err;
	}
	t->invite = sip->sip_request->rq_method == sip_method_invite;
	t->cseq = sip->sip_cseq->cs_seq;
	snprintf(t->method, sizeof(t->method), "%s",
		 sip->sip_request->rq_method_name);
	t->arg = arg;
	if (t->invite) {
		t->initial = d->state == WSIP_DLG_INIT;
		wsip_txn_free(d->ict);	/* the previous, finished one */
		d->ict = t;
		t->req = msg;
	} else {
		t->dnext = d->txns;
		d->txns = t;
	}
	err = wsip_txn_key(t, branch);
	if (err) {
		if (!t->invite)
			msg_destroy(msg);
		wsip_txn_free(t);	/* an INVITE's msg with it */
		return err;
	}
	/* Timer B / F (17.1.1.2, 17.1.2.2) */
	t->deadline = wsip_now(w) + w->timeout_ms;
	err = wsip_send_msg(w, &d->flow, msg, NULL, NULL);
	if (!t->invite)
		msg_destroy(msg);
	return err;
}

int wsip_invite(struct wsip *w, const struct wsip_invite *o,
		struct wsip_dialog **dp)
{
	char branch[WSIP_BRANCH_LEN + 1];
	struct wsip_dialog *d;
	msg_t *msg;
	int err;

	if (!w || !o || !dp || !o->flow.edge[0] || !o->flow.conn[0] ||
	    !wsip_msg_hdr_ok(o->ruri, WSIP_HDR_BUDGET) ||
	    !wsip_msg_hdr_ok(o->from, WSIP_HDR_BUDGET) ||
	    !wsip_msg_hdr_ok(o->to, WSIP_HDR_BUDGET))
		return EINVAL;
	if (w->ntxns >= w->max_txns || w->ndialogs >= w->max_dialogs) {
		w->limited++;
		return ENOSPC;
	}
	err = wsip_dlg_new(w, 1, &d);
	if (err)
		return err;
	err = wsip_dlg_uac_init(d, o);
	if (!err)
		err = wsip_dlg_request(d, "INVITE", d->lcseq, branch, o->extra,
				       o->body.data ? &o->body : NULL, &msg);
	if (!err)
		err = wsip_ct_send(d, msg, branch, o->arg);
	if (err) {
		wsip_dialog_free(d);
		return err;
	}
	*dp = d;
	return 0;
}

int wsip_request(struct wsip_dialog *d, const char *method,
		 const char *extra, const struct wsip_body *body, void *arg)
{
	char branch[WSIP_BRANCH_LEN + 1];
	sip_method_t m;
	msg_t *msg;
	int err;

	if (!d || !wsip_method_ok(method))
		return EINVAL;
	m = sip_method_code(method);
	if (m == sip_method_ack || m == sip_method_cancel)
		return EINVAL;
	/* 15: the callee must not BYE an early dialog (it answers) */
	if ((d->state != WSIP_DLG_EARLY && d->state != WSIP_DLG_CONFIRMED) ||
	    (m == sip_method_bye && !d->uac && d->state == WSIP_DLG_EARLY))
		return ENOTCONN;
	if (m == sip_method_invite && ((d->ict && !d->ict->final) ||
				       (d->ist && !d->ist->final)))
		return EBUSY;	/* 14.1 */
	if (d->w->ntxns >= d->w->max_txns) {
		d->w->limited++;
		return ENOSPC;
	}
	/* 12.2.1.1: +1; a UAS's empty local sequence starts at 1 */
	err = wsip_dlg_request(d, method, d->lcseq + 1, branch, extra, body,
			       &msg);
	if (err)
		return err;
	d->lcseq++;
	if (m == sip_method_bye)
		d->state = WSIP_DLG_TERMINATED;	/* 15.1.1 */
	return wsip_ct_send(d, msg, branch, arg);
}

int wsip_ack(struct wsip_dialog *d, const struct wsip_body *body)
{
	char branch[WSIP_BRANCH_LEN + 1];
	struct wsip_txn *t = d ? d->ict : NULL;
	msg_t *msg;
	int err;

	if (!t || !t->final || t->status < 200 || t->status >= 300)
		return EPROTO;
	if (t->acked)
		return EALREADY;
	/* 13.2.2.4: built like a request within the dialog, with the
	 * INVITE's CSeq number */
	err = wsip_dlg_request(d, "ACK", t->cseq, branch, NULL,
			       body && body->data ? body : NULL, &msg);
	if (err)
		return err;
	free(t->ack);
	t->ack = NULL;
	err = wsip_send_msg(d->w, &d->flow, msg, &t->ack, &t->acklen);
	t->acked = 1;
	msg_destroy(msg);
	return err;
}

/* Start a request copying the INVITE's Request-URI, top Via (same
 * branch), Route, From and Call-ID: CANCEL (9.1) and the ACK of a non-2xx
 * (17.1.1.3).  The caller adds To. */
static msg_t *wsip_uac_sibling(const struct wsip_txn *t, sip_method_t m,
			       const char *name, sip_t **sipp)
{
	const sip_t *inv = sip_object(t->req);
	sip_t *sip;
	msg_t *msg = wsip_msg_new(&sip);
	su_home_t *home = msg_home(msg);

	if (!msg)
		return NULL;
	sip->sip_request = sip_request_create(home, m, name,
		(const url_string_t *)inv->sip_request->rq_url, NULL);
	sip->sip_cseq = sip_cseq_create(home, t->cseq, m, name);
	if (!sip->sip_request || !sip->sip_cseq ||
	    sip_add_dup(msg, sip, (const sip_header_t *)inv->sip_via) < 0 ||
	    (inv->sip_route &&
	     sip_add_dup(msg, sip, (const sip_header_t *)inv->sip_route) < 0) ||
	    sip_add_make(msg, sip, sip_max_forwards_class, "70") < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)inv->sip_from) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)inv->sip_call_id) < 0) {
		msg_destroy(msg);
		return NULL;
	}
	*sipp = sip;
	return msg;
}

static int wsip_uac_send_cancel(struct wsip_txn *t, const char *extra)
{
	sip_t *sip;
	msg_t *msg = wsip_uac_sibling(t, sip_method_cancel, "CANCEL", &sip);
	const sip_t *inv = sip_object(t->req);
	int err = ENOMEM;

	/* 9.1: To as in the INVITE, without a tag */
	if (msg &&
	    sip_add_dup(msg, sip, (const sip_header_t *)inv->sip_to) >= 0)
		err = wsip_msg_finish(msg, sip, extra, NULL);
	if (!err)
		err = wsip_send_msg(t->w, &t->dlg->flow, msg, NULL, NULL);
	if (msg)
		msg_destroy(msg);
	t->cancel_sent = 1;
	t->cancel_held = 0;
	/* 9.1: no final response within 64*T1 -> give up on the INVITE */
	t->deadline = wsip_now(t->w) + t->w->timeout_ms;
	return err;
}

int wsip_cancel(struct wsip_dialog *d, const char *extra)
{
	struct wsip_txn *t = d ? d->ict : NULL;

	if (!t)
		return ENOENT;
	if (t->final)
		return EALREADY;
	if (t->cancel_sent || t->cancel_held)
		return 0;
	if (t->proceeding)
		return wsip_uac_send_cancel(t, extra);
	/* 9.1: not before a provisional response; sent when one comes */
	if (extra && !(t->cancel_extra = strdup(extra)))
		return ENOMEM;
	t->cancel_held = 1;
	return 0;
}

/* 17.1.1.3: the transaction ACKs a non-2xx itself, To from the response */
static int wsip_uac_ack_failure(struct wsip_txn *t, const sip_t *resp)
{
	sip_t *sip;
	msg_t *msg = wsip_uac_sibling(t, sip_method_ack, "ACK", &sip);
	int err = ENOMEM;

	if (msg &&
	    sip_add_dup(msg, sip, (const sip_header_t *)resp->sip_to) >= 0)
		err = wsip_msg_finish(msg, sip, NULL, NULL);
	if (!err)
		err = wsip_send_msg(t->w, &t->dlg->flow, msg, NULL, NULL);
	if (msg)
		msg_destroy(msg);
	return err;
}

static void wsip_ev_response(struct wsip_event *ev, struct wsip_txn *t,
			     const sip_t *sip, int status)
{
	ev->type = WSIP_EV_RESPONSE;
	ev->dlg = t->dlg;
	ev->arg = t->arg;
	ev->status = status;
	ev->sip = sip;
	snprintf(ev->method, sizeof(ev->method), "%s", t->method);
}

static int wsip_uac_nict(struct wsip_txn *t, const sip_t *sip, int status,
			 struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;

	if (!d) {
		ev->why = "response for a freed dialog";
		if (status >= 200)
			wsip_txn_free(t);
		return 0;
	}
	wsip_ev_response(ev, t, sip, status);
	if (status < 200)
		return 0;
	if (status == 481 || status == 408)
		d->state = WSIP_DLG_TERMINATED;	/* 12.2.1.2 */
	wsip_txn_free(t);
	return 0;
}

static int wsip_uac_ict_1xx(struct wsip_txn *t, const sip_t *sip,
			    int status, struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;
	const char *tag = sip->sip_to->a_tag;

	t->proceeding = 1;
	if (!t->cancel_sent)
		t->deadline = 0;	/* Timer B runs only while calling */
	if (t->cancel_held)
		wsip_uac_send_cancel(t, t->cancel_extra);
	/* 12.1.2 / 13.2.2.1: a tagged 1xx makes the early dialog */
	if (t->initial && tag && d->state == WSIP_DLG_INIT) {
		if (wsip_dlg_from_response(d, sip)) {
			ev->why = "1xx with oversized headers";
			return EBADMSG;
		}
		d->state = WSIP_DLG_EARLY;
	} else if (t->initial && tag && !wsip_tag_eq(tag, d->remote->a_tag)) {
		/* another early dialog: only a forking proxy makes one, and
		 * browsers are reached directly */
		ev->why = "1xx from another fork";
		return 0;
	}
	wsip_ev_response(ev, t, sip, status);
	return 0;
}

static int wsip_uac_ict_2xx(struct wsip_txn *t, const sip_t *sip,
			    int status, struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;

	if (!sip->sip_to->a_tag) {
		ev->why = "2xx without To-tag";	/* 12.1.1 says it must */
		return EBADMSG;
	}
	/* 13.2.2.4: the 2xx makes (or confirms) the dialog, its route set
	 * recomputed from the 2xx; a re-INVITE's refreshes the target */
	if (t->initial ? wsip_dlg_from_response(d, sip) :
			 wsip_dlg_target(d, sip->sip_contact)) {
		ev->why = "2xx with bad or oversized headers";
		return EBADMSG;
	}
	t->final = 1;
	t->status = status;
	t->deadline = 0;
	if (t->initial)
		d->state = WSIP_DLG_CONFIRMED;
	wsip_ev_response(ev, t, sip, status);
	ev->need_ack = 1;
	return 0;
}

static int wsip_uac_ict_fail(struct wsip_txn *t, const sip_t *sip,
			     int status, struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;

	t->final = 1;
	t->status = status;
	t->deadline = 0;
	wsip_uac_ack_failure(t, sip);
	/* 12.3: a failed INVITE ends its early dialog; 12.2.1.2: 481 and
	 * 408 to a re-INVITE end the dialog too */
	if (t->initial || status == 481 || status == 408)
		d->state = WSIP_DLG_TERMINATED;
	wsip_ev_response(ev, t, sip, status);
	return 0;
}

/* A response after the final one: a repeated 2xx gets our ACK again
 * (13.2.2.4), a repeated failure its ACK (17.1.1.2); anything else (a 2xx
 * from another fork, or after we gave up) is dropped. */
static int wsip_uac_ict_again(struct wsip_txn *t, const sip_t *sip,
			      int status, struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;
	const char *tag = sip->sip_to->a_tag;

	if (status >= 200 && status < 300 && t->status >= 200 &&
	    t->status < 300 && wsip_tag_eq(tag, d->remote->a_tag)) {
		ev->why = "2xx again";
		if (!t->ack)
			return 0;
		return d->w->sendh(&d->flow, t->ack, t->acklen, d->w->arg);
	}
	if (status >= 300 && status == t->status) {
		ev->why = "final response again";
		return wsip_uac_ack_failure(t, sip);
	}
	ev->why = "late response";
	return 0;
}

static int wsip_uac_ict(struct wsip_txn *t, const sip_t *sip, int status,
			struct wsip_event *ev)
{
	if (t->final)
		return wsip_uac_ict_again(t, sip, status, ev);
	if (status < 200)
		return wsip_uac_ict_1xx(t, sip, status, ev);
	if (status < 300)
		return wsip_uac_ict_2xx(t, sip, status, ev);
	return wsip_uac_ict_fail(t, sip, status, ev);
}

/* 17.1.3: the top Via branch finds the transaction, the CSeq method must
 * be its method (a CANCEL shares the INVITE's branch). */
int wsip_uac_recv(struct wsip *w, const sip_t *sip, struct wsip_event *ev)
{
	const char *branch = sip->sip_via->v_branch;
	const char *tag = sip->sip_to->a_tag;
	struct wsip_txn *t = NULL;
	struct wsip_dialog *d;

	if (branch && strlen(branch) < WSIP_TAG_MAX)
		t = g_hash_table_lookup(w->clients, branch);
	d = t ? t->dlg : NULL;
	if (t && t->invite && t->cseq == sip->sip_cseq->cs_seq &&
	    sip->sip_cseq->cs_method == sip_method_cancel) {
		ev->why = "response to our CANCEL";
		return 0;
	}
	if (!t || t->cseq != sip->sip_cseq->cs_seq ||
	    strcmp(t->method, sip->sip_cseq->cs_method_name) ||
	    (d && strcmp(d->call_id->i_id, sip->sip_call_id->i_id)) ||
	    (tag && strlen(tag) >= WSIP_TAG_MAX) ||
	    /* within a dialog the To-tag is the remote tag */
	    (d && !t->initial && tag && d->remote->a_tag &&
	     !wsip_tag_eq(tag, d->remote->a_tag))) {
		w->strays++;
		ev->why = "response matches no transaction";
		return ENOENT;
	}
	if (!t->invite)
		return wsip_uac_nict(t, sip, sip->sip_status->st_status, ev);
	return wsip_uac_ict(t, sip, sip->sip_status->st_status, ev);
}
