/* wsip_uas: requests from browsers: server transactions (RFC 3261 17.2),
 * new calls, in-dialog requests (12.2.2), ACK and CANCEL (9.2), and our
 * answers to them. */
#include "wsip_int.h"
#include "sipframe.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char wsip_cookie[] = "z9hG4bK";	/* RFC 3261 8.1.1.7 */

static int wsip_too_long(const char *s, size_t max)
{
	return s && strlen(s) >= max;
}

/* What we would keep of a stranger's request must be bounded before we
 * keep anything: NULL, or the reason for a 400. */
static const char *wsip_uas_check(const sip_t *sip)
{
	const sip_via_t *v = sip->sip_via;
	unsigned nvia, nrr;
	size_t bytes;

	if (!sip->sip_from->a_tag || !*sip->sip_from->a_tag)
		return "Missing From tag";	/* 8.1.1.3 */
	if (wsip_too_long(sip->sip_from->a_tag, WSIP_TAG_MAX) ||
	    wsip_too_long(sip->sip_to->a_tag, WSIP_TAG_MAX))
		return "Tag Too Long";
	if (wsip_too_long(sip->sip_call_id->i_id, WSIP_CALLID_MAX))
		return "Call-ID Too Long";
	/* Matching by branch (17.2.3) needs RFC 3261 branches. */
	if (!v->v_branch || strncmp(v->v_branch, wsip_cookie, 7))
		return "Via branch lacks z9hG4bK";
	if (wsip_too_long(v->v_branch, WSIP_TAG_MAX))
		return "Via branch Too Long";
	if (!v->v_host || wsip_too_long(v->v_host, WSIP_HOST_MAX) ||
	    wsip_too_long(v->v_port, 6))
		return "Bad Via sent-by";
	if (wsip_too_long(sip->sip_request->rq_method_name, WSIP_METHOD_MAX))
		return "Method Too Long";
	bytes = wsip_msg_chain_size(sip->sip_via, &nvia) +
		wsip_msg_chain_size(sip->sip_record_route, &nrr) +
		wsip_msg_chain_size(sip->sip_contact, NULL) +
		wsip_msg_chain_size(sip->sip_from, NULL) +
		wsip_msg_chain_size(sip->sip_to, NULL) +
		wsip_msg_chain_size(sip->sip_call_id, NULL);
	if (nvia > WSIP_MAX_VIAS)
		return "Too Many Via";
	if (nrr > WSIP_MAX_ROUTES)
		return "Too Many Record-Route";
	return bytes > WSIP_HDR_BUDGET ? "Headers Too Large" : NULL;
}

/* Server transaction key (17.2.3): branch, sent-by and method (ACK and
 * CANCEL look for "INVITE"), plus the flow, so one browser cannot CANCEL
 * another's INVITE by copying its branch (JsSIP's are short). */
static int wsip_skey(char *buf, size_t len, const struct wsip_flow *fl,
		     const sip_t *sip, const char *method)
{
	const sip_via_t *v = sip->sip_via;
	int n = snprintf(buf, len, "%s\n%s\n%s:%s\n%s\n%s", fl->edge, fl->conn,
			 v->v_host, v->v_port ? v->v_port : "", v->v_branch,
			 method);

	return n < 0 || (size_t)n >= len ? E2BIG : 0;
}

static int wsip_uas_refuse(struct wsip *w, struct sipframe *f,
			   const struct wsip_flow *fl, struct wsip_event *ev,
			   int status, const char *why, int err)
{
	/* 21.5.4: over a limit, a retry later may well succeed */
	const char *extra = err == ENOSPC ? "Retry-After: 5\r\n" : NULL;

	ev->why = why;
	if (err == ENOSPC)
		w->limited++;
	wsip_msg_reject(w, f, fl, status, why, extra);
	return err;
}

/* A server transaction that keeps only what its answers copy. */
static int wsip_st_new(struct wsip *w, struct wsip_dialog *d,
		       const sip_t *sip, const struct wsip_flow *fl,
		       const char *key, struct wsip_txn **tp)
{
	struct wsip_txn *t;
	sip_t *c;
	int err = wsip_txn_new(w, d, 1, &t);

	if (err)
		return err;
	t->invite = sip->sip_request->rq_method == sip_method_invite;
	if (d && !t->invite) {
		t->dnext = d->txns;
		d->txns = t;
		d->npending++;
	}
	t->cseq = sip->sip_cseq->cs_seq;
	snprintf(t->method, sizeof(t->method), "%s",
		 sip->sip_request->rq_method_name);
	t->flow = *fl;
	if (!d)
		wsip_token(t->tag, WSIP_TOKEN_LEN);
	t->req = wsip_msg_new(&c);
	err = ENOMEM;
	if (t->req &&
	    sip_add_dup(t->req, c, (const sip_header_t *)sip->sip_via) >= 0 &&
	    sip_add_dup(t->req, c, (const sip_header_t *)sip->sip_from) >= 0 &&
	    sip_add_dup(t->req, c, (const sip_header_t *)sip->sip_to) >= 0 &&
	    sip_add_dup(t->req, c,
			(const sip_header_t *)sip->sip_call_id) >= 0 &&
	    sip_add_dup(t->req, c, (const sip_header_t *)sip->sip_cseq) >= 0 &&
	    (!t->invite || !sip->sip_record_route ||
	     sip_add_dup(t->req, c,
			 (const sip_header_t *)sip->sip_record_route) >= 0))
		err = wsip_txn_key(t, key);
	if (err) {
		t->final = 1;	/* nothing to answer */
		wsip_txn_free(t);
		return err;
	}
	*tp = t;
	return 0;
}

static void wsip_ev_request(struct wsip_event *ev, enum wsip_ev_type type,
			    struct wsip_dialog *d, struct wsip_txn *t,
			    const sip_t *sip)
{
	ev->type = type;
	ev->dlg = d;
	ev->txn = t;
	ev->sip = sip;
	snprintf(ev->method, sizeof(ev->method), "%s",
		 sip->sip_request->rq_method_name);
}

/* A new call (12.1.1): a UAS dialog, our To-tag chosen now so that every
 * response carries the same one. */
static int wsip_uas_invite(struct wsip *w, struct sipframe *f,
			   const sip_t *sip, const struct wsip_flow *fl,
			   const char *key, struct wsip_event *ev)
{
	const sip_contact_t *m = sip->sip_contact;
	struct wsip_dialog *d;
	struct wsip_txn *t;
	int err;

	/* 8.1.1.8: an INVITE has exactly one SIP or SIPS Contact */
	if (!m || m->m_next || (m->m_url->url_type != url_sip &&
				m->m_url->url_type != url_sips))
		return wsip_uas_refuse(w, f, fl, ev, 400, "Bad Contact",
				       EBADMSG);
	if (w->ntxns >= w->max_txns || (err = wsip_dlg_new(w, 0, &d)))
		return wsip_uas_refuse(w, f, fl, ev, 503,
				       "Service Unavailable", ENOSPC);
	err = wsip_dlg_uas_init(d, sip, fl);
	if (!err)
		err = wsip_st_new(w, d, sip, fl, key, &t);
	if (err) {
		wsip_dialog_free(d);
		return err == ENOSPC ?
		       wsip_uas_refuse(w, f, fl, ev, 503, "Service Unavailable",
				       ENOSPC) :
		       wsip_uas_refuse(w, f, fl, ev, 500, "Server Error", err);
	}
	t->initial = 1;
	d->ist = t;
	wsip_ev_request(ev, WSIP_EV_INVITE, d, t, sip);
	return 0;
}

/* RFC 3261 14.2: one INVITE at a time in each direction. */
static int wsip_uas_reinvite_check(struct wsip *w, struct sipframe *f,
				   const struct wsip_flow *fl,
				   struct wsip_dialog *d,
				   struct wsip_event *ev)
{
	char retry[32];

	if (d->ist && !d->ist->final) {
		/* with Retry-After between 0 and 10 s */
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n",
			 g_random_int_range(0, 11));
		ev->why = "INVITE Already Pending";
		wsip_msg_reject(w, f, fl, 500, ev->why, retry);
		return EPROTO;
	}
	if (d->ict && !d->ict->final)
		return wsip_uas_refuse(w, f, fl, ev, 491, "Request Pending",
				       EPROTO);
	return 0;
}

/* BYE (15.1.2): the dialog ends now; an INVITE still unanswered gets 487
 * (the caller learns it from the BYE). */
static void wsip_uas_bye(struct wsip_dialog *d)
{
	d->state = WSIP_DLG_TERMINATED;
	if (d->ist && !d->ist->final) {
		d->ist->cancelled = 1;
		wsip_st_answer(d->ist, 487, NULL, NULL, NULL);
	}
}

static int wsip_uas_in_dialog(struct wsip *w, struct sipframe *f,
			      const sip_t *sip, const struct wsip_flow *fl,
			      const char *key, struct wsip_event *ev)
{
	sip_method_t m = sip->sip_request->rq_method;
	struct wsip_dialog *d = wsip_dlg_find(w, sip);
	struct wsip_txn *t;
	int err;

	if (!d || d->state == WSIP_DLG_TERMINATED)
		return wsip_uas_refuse(w, f, fl, ev, 481,
				       "Call/Transaction Does Not Exist",
				       ENOENT);
	/* 12.2.2: lower (or, being a new transaction, equal) is out of order */
	if (d->rcseq_set && sip->sip_cseq->cs_seq <= d->rcseq)
		return wsip_uas_refuse(w, f, fl, ev, 500, "CSeq Out of Order",
				       EPROTO);
	d->rcseq = sip->sip_cseq->cs_seq;
	d->rcseq_set = 1;
	if (m == sip_method_invite &&
	    (err = wsip_uas_reinvite_check(w, f, fl, d, ev)))
		return err;
	if (m != sip_method_invite && d->npending >= WSIP_DLG_MAX_PENDING)
		return wsip_uas_refuse(w, f, fl, ev, 500, "Too Many Requests",
				       ENOSPC);
	/* 12.2.2 target refresh; 8.1.1.8 allows only one Contact */
	if ((m == sip_method_invite || m == sip_method_update) &&
	    wsip_dlg_target(d, sip->sip_contact))
		return wsip_uas_refuse(w, f, fl, ev, 400, "Bad Contact",
				       EBADMSG);
	err = wsip_st_new(w, d, sip, fl, key, &t);
	if (err)
		return wsip_uas_refuse(w, f, fl, ev, 503, "Service Unavailable",
				       ENOSPC);
	if (m == sip_method_invite) {
		wsip_txn_free(d->ist);	/* answered: see wsip_event.txn */
		d->ist = t;
	}
	if (m == sip_method_bye)
		wsip_uas_bye(d);
	wsip_ev_request(ev, WSIP_EV_REQUEST, d, t, sip);
	return 0;
}

/* ACK (17.2.1, 13.3.1.4): for a non-2xx it is part of the INVITE
 * transaction (same branch) and absorbed; for a 2xx it is a transaction of
 * its own, matched to the dialog.  ACKs are never answered. */
static int wsip_uas_ack(struct wsip *w, const sip_t *sip,
			const struct wsip_flow *fl, struct wsip_event *ev)
{
	char key[WSIP_SKEY_MAX];
	struct wsip_txn *t = NULL;
	struct wsip_dialog *d;

	if (!wsip_skey(key, sizeof(key), fl, sip, "INVITE"))
		t = g_hash_table_lookup(w->servers, key);
	if (t && t->final && t->status >= 300) {
		t->acked = 1;
		ev->why = "ACK for a non-2xx";
		return 0;
	}
	d = wsip_dlg_find(w, sip);
	t = d ? d->ist : NULL;
	if (!t || !t->final || t->status >= 300 ||
	    t->cseq != sip->sip_cseq->cs_seq) {
		w->strays++;
		ev->why = "ACK matches nothing";
		return ENOENT;
	}
	if (t->acked) {
		ev->why = "ACK again";
		return 0;
	}
	t->acked = 1;
	t->deadline = 0;
	ev->type = WSIP_EV_ACK;
	ev->dlg = d;
	ev->sip = sip;
	snprintf(ev->method, sizeof(ev->method), "ACK");
	return 0;
}

/* Is this CANCEL for that INVITE?  Same branch found it (9.2); Call-ID,
 * From-tag and CSeq number must agree too (9.1). */
static int wsip_cancel_matches(const struct wsip_txn *t, const sip_t *sip)
{
	const sip_t *inv = sip_object(t->req);

	return t->invite && t->cseq == sip->sip_cseq->cs_seq &&
	       !strcmp(inv->sip_call_id->i_id, sip->sip_call_id->i_id) &&
	       !strcmp(inv->sip_from->a_tag, sip->sip_from->a_tag);
}

/* The INVITE server transaction a CANCEL is for, or NULL. */
static struct wsip_txn *wsip_cancel_txn(struct wsip *w, const sip_t *sip,
					const struct wsip_flow *fl)
{
	char key[WSIP_SKEY_MAX];
	struct wsip_txn *t = NULL;

	if (sip->sip_via && sip->sip_via->v_branch &&
	    !wsip_skey(key, sizeof(key), fl, sip, "INVITE"))
		t = g_hash_table_lookup(w->servers, key);
	return t && wsip_cancel_matches(t, sip) ? t : NULL;
}

int wsip_cancel_known(struct wsip *w, struct sipframe *f,
		      const struct wsip_flow *fl)
{
	const sip_t *sip = sipframe_sip(f);

	return sip && sip->sip_request && sip->sip_cseq && sip->sip_call_id &&
	       sip->sip_from && sip->sip_from->a_tag &&
	       sip->sip_request->rq_method == sip_method_cancel &&
	       wsip_cancel_txn(w, sip, fl) != NULL;
}

/* CANCEL (9.2): 200 for the CANCEL with the dialog's To-tag, and, when
 * the INVITE is still pending, 487 for it. */
static int wsip_uas_cancel(struct wsip *w, struct sipframe *f,
			   const sip_t *sip, const struct wsip_flow *fl,
			   struct wsip_event *ev)
{
	struct wsip_txn *t = wsip_cancel_txn(w, sip, fl);
	struct wsip_resp ok = { .status = 200 };

	if (!t)
		return wsip_uas_refuse(w, f, fl, ev, 481,
				       "Call/Transaction Does Not Exist",
				       ENOENT);
	ok.tag = t->dlg->ltag;
	wsip_msg_respond(w, fl, sip, &ok);
	if (t->final) {
		ev->why = "CANCEL after the final response";
		return 0;
	}
	t->cancelled = 1;
	wsip_st_answer(t, 487, NULL, NULL, NULL);
	ev->type = WSIP_EV_CANCELLED;
	ev->dlg = t->dlg;
	ev->txn = t;
	ev->sip = sip;
	snprintf(ev->method, sizeof(ev->method), "INVITE");
	return 0;
}

/* Outside a dialog only INVITE starts something; these need one
 * (15.1.2, RFC 3311 5.2, RFC 6086 4.2.2, RFC 3262 3). */
static int wsip_needs_dialog(sip_method_t m)
{
	return m == sip_method_bye || m == sip_method_info ||
	       m == sip_method_update || m == sip_method_prack;
}

int wsip_uas_recv(struct wsip *w, struct sipframe *f, const sip_t *sip,
		  const struct wsip_flow *fl, struct wsip_event *ev)
{
	sip_method_t m = sip->sip_request->rq_method;
	const char *why = wsip_uas_check(sip);
	char key[WSIP_SKEY_MAX];
	struct wsip_txn *t;
	int err;

	if (!why && wsip_skey(key, sizeof(key), fl, sip,
			      sip->sip_request->rq_method_name))
		why = "Bad Via";
	if (why && m == sip_method_ack) {
		ev->why = why;
		return EBADMSG;
	}
	if (why)
		return wsip_uas_refuse(w, f, fl, ev, 400, why, EBADMSG);
	if (m == sip_method_ack)
		return wsip_uas_ack(w, sip, fl, ev);
	if (m == sip_method_cancel)
		return wsip_uas_cancel(w, f, sip, fl, ev);
	/* 17.2.3: a request of a known transaction is a retransmission;
	 * over a reliable transport there is nothing to send again. */
	if (g_hash_table_contains(w->servers, key)) {
		ev->why = "retransmission";
		return 0;
	}
	if (sip->sip_to->a_tag)
		return wsip_uas_in_dialog(w, f, sip, fl, key, ev);
	if (m == sip_method_invite)
		return wsip_uas_invite(w, f, sip, fl, key, ev);
	if (wsip_needs_dialog(m))
		return wsip_uas_refuse(w, f, fl, ev, 481,
				       "Call/Transaction Does Not Exist",
				       ENOENT);
	err = wsip_st_new(w, NULL, sip, fl, key, &t);
	if (err)
		return wsip_uas_refuse(w, f, fl, ev, 503, "Service Unavailable",
				       ENOSPC);
	wsip_ev_request(ev, WSIP_EV_REQUEST, NULL, t, sip);
	return 0;
}

/* An INVITE's final answer moves its dialog (13.3.1.4, 12.3). */
static void wsip_st_invite_final(struct wsip_txn *t, int status)
{
	struct wsip_dialog *d = t->dlg;

	if (status < 300) {
		if (d->state != WSIP_DLG_TERMINATED)
			d->state = WSIP_DLG_CONFIRMED;
		/* Reliable transport: no 2xx retransmissions, but a 2xx
		 * never ACKed still ends the call after 64*T1. */
		t->deadline = wsip_now(t->w) + t->w->timeout_ms;
	} else if (t->initial) {
		d->state = WSIP_DLG_TERMINATED;
	}
}

/* Send a response.  Once it is built, the state moves on whatever
 * happens to the sending; a final one frees a non-INVITE transaction. */
int wsip_st_answer(struct wsip_txn *t, int status, const char *phrase,
		   const char *extra, const struct wsip_body *body)
{
	struct wsip_dialog *d = t->dlg;
	struct wsip_resp r = { .status = status, .phrase = phrase,
			       .extra = extra, .body = body };
	msg_t *msg;
	int err;

	/* 8.2.6.2: To-tag on all but 100; 12.1.1: Contact and
	 * Record-Route in dialog-creating responses; RFC 3311 5.2:
	 * Contact in a 2xx to UPDATE (target refresh) */
	if (status > 100)
		r.tag = d ? d->ltag : t->tag;
	if (t->invite && status > 100 && status < 300) {
		r.contact = 1;
		r.rr = t->initial;
	}
	if (status >= 200 && status < 300 && !strcmp(t->method, "UPDATE"))
		r.contact = 1;
	err = wsip_msg_response(t->w, sip_object(t->req), &r, &msg);
	if (err)
		return err;
	err = wsip_send_msg(t->w, &t->flow, msg, NULL, NULL);
	msg_destroy(msg);
	t->status = status;
	if (status < 200) {
		if (t->initial && status > 100 && d->state == WSIP_DLG_INIT)
			d->state = WSIP_DLG_EARLY;
		return err;
	}
	t->final = 1;
	if (t->invite)
		wsip_st_invite_final(t, status);
	else
		wsip_txn_free(t);
	return err;
}

int wsip_respond(struct wsip_txn *st, int status, const char *phrase,
		 const char *extra, const struct wsip_body *body)
{
	if (!st || !st->server || status < 100 || status > 699 ||
	    (phrase && !wsip_msg_hdr_ok(phrase, 128)))
		return EINVAL;
	if (st->final)
		return EALREADY;
	return wsip_st_answer(st, status, phrase, extra, body);
}
