/* wsip_dlg: dialogs (RFC 3261 12): their state, matching, and the requests
 * we send within them. */
#include "wsip_int.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wsip_dlg_new(struct wsip *w, int uac, struct wsip_dialog **dp)
{
	struct wsip_dialog *d;

	if (w->ndialogs >= w->max_dialogs)
		return ENOSPC;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->home = su_home_new(sizeof(su_home_t));
	if (!d->home) {
		free(d);
		return ENOMEM;
	}
	d->w = w;
	d->uac = uac ? 1 : 0;
	d->state = WSIP_DLG_INIT;
	/* 80 random bits never collide in practice; the loop makes sure. */
	do
		wsip_token(d->ltag, WSIP_TOKEN_LEN);
	while (g_hash_table_contains(w->dialogs, d->ltag));
	g_hash_table_insert(w->dialogs, d->ltag, d);
	w->ndialogs++;
	*dp = d;
	return 0;
}

/* 481 for a request the browser still waits for: the dialog it names
 * is going away.  Sent without touching the transaction's state. */
static void wsip_dlg_481(struct wsip_dialog *d, struct wsip_txn *t)
{
	struct wsip_resp r = { .status = 481, .tag = d->ltag };

	if (!t->final)
		wsip_msg_respond(d->w, &t->flow, sip_object(t->req), &r);
	wsip_txn_free(t);
}

static void wsip_dlg_drain(struct wsip_dialog *d)
{
	struct wsip_txn *t;

	while ((t = d->txns)) {
		if (t->server) {
			wsip_dlg_481(d, t);	/* unlinks it */
			continue;
		}
		/* A client transaction outlives its dialog so that the
		 * response to, say, our BYE is absorbed quietly. */
		d->txns = t->dnext;
		t->dnext = NULL;
		t->dlg = NULL;
		t->arg = NULL;
	}
	if (d->ist)
		wsip_dlg_481(d, d->ist);
	wsip_txn_free(d->ict);
}

void wsip_dialog_free(struct wsip_dialog *d)
{
	if (!d)
		return;
	wsip_dlg_drain(d);
	g_hash_table_remove(d->w->dialogs, d->ltag);
	d->w->ndialogs--;
	su_home_unref(d->home);
	free(d);
}

void wsip_dlg_unlink(struct wsip_dialog *d, struct wsip_txn *t)
{
	if (d->ist == t)
		d->ist = NULL;
	else if (d->ict == t)
		d->ict = NULL;
	else
		for (struct wsip_txn **pp = &d->txns; *pp; pp = &(*pp)->dnext)
			if (*pp == t) {
				*pp = t->dnext;
				break;
			}
	t->dlg = NULL;
}

/* The dialog an incoming request belongs to (12.2.2): our tag in To, and
 * the Call-ID and the remote tag (From) must match too. */
struct wsip_dialog *wsip_dlg_find(struct wsip *w, const sip_t *sip)
{
	const char *ltag = sip->sip_to->a_tag, *rtag = sip->sip_from->a_tag;
	struct wsip_dialog *d = ltag ? g_hash_table_lookup(w->dialogs, ltag) :
			       NULL;

	if (!d || !rtag || !d->remote->a_tag ||
	    strcmp(d->remote->a_tag, rtag) ||
	    strcmp(d->call_id->i_id, sip->sip_call_id->i_id))
		return NULL;
	return d;
}

/* Remote target from a Contact (12.1.1, 12.1.2, target refresh 12.2).
 * No Contact keeps the old target; a bad one is EINVAL. */
int wsip_dlg_target(struct wsip_dialog *d, const sip_contact_t *m)
{
	url_t *u;

	if (!m)
		return 0;
	if (m->m_next || (m->m_url->url_type != url_sip &&
			  m->m_url->url_type != url_sips))
		return EINVAL;
	u = url_hdup(d->home, m->m_url);
	if (!u)
		return ENOMEM;
	su_free(d->home, d->target);
	d->target = u;
	return 0;
}

/* Route set from Record-Route: in order for a UAS (12.1.1), reversed for
 * a UAC (12.1.2). */
int wsip_dlg_routes(struct wsip_dialog *d, const sip_record_route_t *rr,
		    int reverse)
{
	sip_route_t *r = NULL;

	if (rr) {
		r = reverse ? sip_route_reverse(d->home, rr) :
			      sip_route_fixdup(d->home, rr);
		if (!r)
			return ENOMEM;
	}
	if (d->routes)
		msg_header_free_all(d->home, (msg_header_t *)d->routes);
	d->routes = r;
	return 0;
}

/* UAS side of a new INVITE (12.1.1). */
int wsip_dlg_uas_init(struct wsip_dialog *d, const sip_t *sip,
		      const struct wsip_flow *fl)
{
	su_home_t *home = d->home;
	int err;

	d->flow = *fl;
	d->call_id = sip_call_id_dup(home, sip->sip_call_id);
	d->remote = sip_from_dup(home, sip->sip_from);
	d->local = sip_to_dup(home, sip->sip_to);
	if (!d->call_id || !d->remote || !d->local ||
	    sip_to_tag(home, d->local, d->ltag) < 0)
		return ENOMEM;
	d->rcseq = sip->sip_cseq->cs_seq;
	d->rcseq_set = 1;
	err = wsip_dlg_target(d, sip->sip_contact);
	if (!err)
		err = wsip_dlg_routes(d, sip->sip_record_route, 0);
	return err;
}

/* UAC side of our INVITE (8.1.1, 12.1.2): a Call-ID starting with an
 * upper-case letter, which JsSIP's own-request check (its lower-case
 * jssip_id prefix, RFC 3261 16.3.4) can never mistake for its own. */
int wsip_dlg_uac_init(struct wsip_dialog *d, const struct wsip_invite *o)
{
	su_home_t *home = d->home;
	char cid[WSIP_TOKEN_LEN + 8];
	url_t *u;

	d->flow = o->flow;
	d->arg = o->arg;
	d->lcseq = 1;
	cid[0] = 'W';
	wsip_token(cid + 1, WSIP_TOKEN_LEN + 4);
	d->call_id = sip_call_id_make(home, cid);
	d->local = sip_from_make(home, o->from);
	d->remote = sip_to_make(home, o->to);
	u = url_make(home, o->ruri);
	if (!d->call_id)
		return ENOMEM;
	if (!d->local || !d->remote || !u || d->local->a_tag ||
	    d->remote->a_tag ||
	    (u->url_type != url_sip && u->url_type != url_sips) || !u->url_host)
		return EINVAL;
	d->target = u;
	return sip_from_tag(home, d->local, d->ltag) < 0 ? ENOMEM : 0;
}

/* The dialog's view of a response with a To-tag (12.1.2, 13.2.2.4):
 * remote tag, target and route set.  Bounded like a request. */
int wsip_dlg_from_response(struct wsip_dialog *d, const sip_t *sip)
{
	unsigned nrr;
	size_t bytes = wsip_msg_chain_size(sip->sip_record_route, &nrr) +
		       wsip_msg_chain_size(sip->sip_contact, NULL) +
		       wsip_msg_chain_size(sip->sip_to, NULL);
	sip_to_t *to;
	int err;

	if (nrr > WSIP_MAX_ROUTES || bytes > WSIP_HDR_BUDGET)
		return EMSGSIZE;
	to = sip_to_dup(d->home, sip->sip_to);
	if (!to)
		return ENOMEM;
	err = wsip_dlg_target(d, sip->sip_contact);
	if (!err)
		err = wsip_dlg_routes(d, sip->sip_record_route, 1);
	if (err) {
		su_free(d->home, to);
		return err;
	}
	su_free(d->home, d->remote);
	d->remote = to;
	return 0;
}

static int wsip_dlg_wants_contact(sip_method_t m)
{
	/* target refresh and subscription requests (12.2.1.1, RFC 3311,
	 * RFC 6665, RFC 3515) */
	return m == sip_method_invite || m == sip_method_update ||
	       m == sip_method_notify || m == sip_method_subscribe ||
	       m == sip_method_refer;
}

/* A request within the dialog (12.2.1.1), loose routing: Request-URI the
 * remote target, Route the route set.  branch receives the new branch. */
int wsip_dlg_request(struct wsip_dialog *d, const char *method,
		     uint32_t cseq, char *branch, const char *extra,
		     const struct wsip_body *body, msg_t **mp)
{
	sip_method_t m = sip_method_code(method);
	sip_t *sip;
	msg_t *msg = wsip_msg_new(&sip);
	su_home_t *home = msg_home(msg);
	int err = ENOMEM;

	if (!msg)
		return ENOMEM;
	sip->sip_request = sip_request_create(home, m, method,
					      (url_string_t *)d->target, NULL);
	if (!sip->sip_request || (err = wsip_msg_via(d->w, msg, sip, branch)))
		goto out;
	err = ENOMEM;
	if ((d->routes &&
	     sip_add_dup(msg, sip, (const sip_header_t *)d->routes) < 0) ||
	    sip_add_make(msg, sip, sip_max_forwards_class, "70") < 0 ||
	    sip_add_dup_as(msg, sip, sip_from_class,
			   (const sip_header_t *)d->local) < 0 ||
	    sip_add_dup_as(msg, sip, sip_to_class,
			   (const sip_header_t *)d->remote) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)d->call_id) < 0)
		goto out;
	sip->sip_cseq = sip_cseq_create(home, cseq, m, method);
	if (!sip->sip_cseq)
		goto out;
	if (wsip_dlg_wants_contact(m) &&
	    (err = wsip_msg_contact(d->w, msg, sip)))
		goto out;
	err = wsip_msg_finish(msg, sip, extra, body);
out:
	if (err)
		msg_destroy(msg);
	else
		*mp = msg;
	return err;
}

enum wsip_dlg_state wsip_dialog_state(const struct wsip_dialog *d)
{
	return d->state;
}

const char *wsip_dialog_state_name(enum wsip_dlg_state s)
{
	switch (s) {
	case WSIP_DLG_INIT: return "init";
	case WSIP_DLG_EARLY: return "early";
	case WSIP_DLG_CONFIRMED: return "confirmed";
	case WSIP_DLG_TERMINATED: return "terminated";
	}
	return "?";
}

int wsip_dialog_is_uac(const struct wsip_dialog *d)
{
	return d->uac;
}

const char *wsip_dialog_call_id(const struct wsip_dialog *d)
{
	return d->call_id ? d->call_id->i_id : "";
}

const char *wsip_dialog_local_tag(const struct wsip_dialog *d)
{
	return d->ltag;
}

const char *wsip_dialog_remote_tag(const struct wsip_dialog *d)
{
	return d->remote && d->remote->a_tag ? d->remote->a_tag : "";
}

const struct wsip_flow *wsip_dialog_flow(const struct wsip_dialog *d)
{
	return &d->flow;
}

void wsip_dialog_set_flow(struct wsip_dialog *d, const struct wsip_flow *fl)
{
	d->flow = *fl;
}

void *wsip_dialog_arg(const struct wsip_dialog *d)
{
	return d->arg;
}

void wsip_dialog_set_arg(struct wsip_dialog *d, void *arg)
{
	d->arg = arg;
}
