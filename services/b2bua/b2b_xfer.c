/* b2b_xfer: transfer (RFC 3515 REFER) asked by the browser and carried
 * out by the SIP side.  Blind: the browser's REFER names a target of our
 * domain; the dial plan turns it into a SIP URI, and our REFER on the SIP
 * leg asks the peer (a PBX, a phone) to call it.  Attended (RFC 5589): the
 * Refer-To carries Replaces naming the browser's dialog of another call
 * through us; our REFER asks the peer to call that call's SIP peer with a
 * Replaces naming our SIP-leg dialog with it (RFC 3891), which the peer
 * then takes over.  Either way the peer's answer answers the browser's
 * REFER, and its NOTIFYs (message/sipfrag progress) are relayed to the
 * browser, which hangs up or is hung up when the transfer is done. */
#include "b2b_call.h"
#include "log.h"
#include "wsip.h"

#include <errno.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>
#include <string.h>
#include <strings.h>

/* The SIP URI for a transfer target, or an error status. */
static int call_refer_target(const sip_t *sip, char *uri, size_t len)
{
	const url_t *u = sip->sip_refer_to ? sip->sip_refer_to->r_url : NULL;
	struct route_result rr;

	if (!u || !u->url_user || !u->url_user[0])
		return 400;
	if (route_lookup(b2b.routes, u->url_user, b2b.cfg.outbound, &rr))
		return 400;
	if (rr.kind == ROUTE_REJECT)
		return rr.code;
	if (rr.kind == ROUTE_BROWSER)	/* the peer calls us, we the browser */
		snprintf(uri, len, "sip:%s@%s:%ld", rr.user, b2b.cfg.sip_ip,
			 b2b.cfg.sip_port);
	else
		snprintf(uri, len, "%s", rr.uri);
	return 0;
}

/* The Replaces value of a Refer-To URI's headers ("?Replaces=..."),
 * unescaped into buf: 0, ENOENT when there is none, E2BIG when it is
 * longer than buf (refused: read as "none" it made a blind transfer). */
static int call_refer_replaces_value(const url_t *u, char *buf, size_t len)
{
	const char *h = u ? u->url_headers : NULL;
	const char *v = NULL, *end = NULL;

	while (h && *h && !v) {
		end = h + strcspn(h, "&");
		if (!strncasecmp(h, "Replaces=", 9))
			v = h + 9;
		else
			h = end + (*end == '&');
	}
	if (!v)
		return ENOENT;
	if ((size_t)(end - v) >= len)
		return E2BIG;
	memcpy(buf, v, (size_t)(end - v));
	buf[end - v] = '\0';
	url_unescape(buf, buf);
	return 0;
}

/* The call whose browser dialog rp names, seen from the browser: to-tag
 * is ours, from-tag the browser's. */
static struct call *call_by_web_dialog(const sip_replaces_t *rp)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, b2b.calls);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct call *c = v;
		if (c->wd && rp->rp_to_tag && rp->rp_from_tag &&
		    !strcmp(wsip_dialog_call_id(c->wd), rp->rp_call_id) &&
		    !strcmp(wsip_dialog_local_tag(c->wd), rp->rp_to_tag) &&
		    !strcmp(wsip_dialog_remote_tag(c->wd), rp->rp_from_tag))
			return c;
	}
	return NULL;
}

/* %-escape everything but RFC 3261's unreserved characters. */
static int call_refer_escape(const char *s, char *out, size_t len)
{
	static const char mark[] = "-_.!~*'()";
	size_t n = 0;

	for (; *s; s++) {
		bool keep = g_ascii_isalnum(*s) || strchr(mark, *s);
		if (n + (keep ? 1 : 3) >= len)
			return ENOSPC;
		n += (size_t)snprintf(out + n, len - n, keep ? "%c" : "%%%02X",
				      (unsigned char)*s);
	}
	return 0;
}

/* Attended transfer: our Refer-To for the SIP peer of c, naming the SIP
 * peer of the replaced call and our dialog with it.  0, or a status. */
static int call_refer_attended(struct call *c, const char *val, char *uri,
			       size_t len)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	sip_replaces_t *rp = sip_replaces_make(home, val), *ours;
	struct call *other = rp ? call_by_web_dialog(rp) : NULL;
	char text[600], esc[1800], peer[sizeof(c->to)];
	int st = 0;

	if (!rp)
		st = 400;
	else if (!other || other == c || other->state != CALL_ANSWERED ||
		 !other->nh)
		st = 403;	/* not a call of ours it could replace */
	else if (!(ours = nua_handle_make_replaces(other->nh, home, 0)) ||
		 sip_replaces_e(text, sizeof(text), (msg_header_t *)ours, 0) <= 0 ||
		 call_refer_escape(text, esc, sizeof(esc)))
		st = 500;
	if (!st) {	/* its SIP peer: whom we called, or who called us */
		const char *p = other->dir == CALL_WEB_TO_SIP ? other->to :
			other->from;
		snprintf(peer, sizeof(peer), "%s", p + (*p == '<'));
		peer[strcspn(peer, ">")] = '\0';
		if ((size_t)snprintf(uri, len, "%s?Replaces=%s", peer, esc) >=
		    len)
			st = 500;
		else
			LOG_INFO("call", "%s: attended transfer, replacing %s",
				 c->id, other->id);
	}
	su_home_deinit(home);
	return st;
}

void call_web_refer(struct call *c, struct wsip_txn *txn, const sip_t *sip)
{
	char uri[ROUTE_URI_MAX], val[600];
	int rep, st;

	if (c->state != CALL_ANSWERED || !c->nh) {
		wsip_respond(txn, 403, "Forbidden", NULL, NULL);
		return;
	}
	if (c->refer_txn) {	/* one transfer at a time */
		wsip_respond(txn, 491, "Request Pending", NULL, NULL);
		return;
	}
	rep = call_refer_replaces_value(sip->sip_refer_to ?
					sip->sip_refer_to->r_url : NULL, val,
					sizeof(val));
	st = rep == E2BIG ? 400 : !rep ?
		call_refer_attended(c, val, uri, sizeof(uri)) :
		call_refer_target(sip, uri, sizeof(uri));
	if (st) {
		LOG_INFO("call", "%s: transfer refused (%d)", c->id, st);
		wsip_respond(txn, st, NULL, NULL, NULL);
		return;
	}
	LOG_INFO("call", "%s: transfer to %s", c->id, uri);
	c->refer_txn = txn;
	b2b_sip_refer(c, uri);
}

void call_sip_refer_answered(struct call *c, int status, const char *phrase)
{
	if (status < 200 || !c->refer_txn)
		return;
	wsip_respond(c->refer_txn, status, phrase, NULL, NULL);
	c->refer_txn = NULL;
}

/* The peer's progress report: relayed; a 2xx in it means the target
 * answered, which the CDR says. */
void call_sip_notify(struct call *c, const sip_t *sip)
{
	const char *frag = sip->sip_payload ? sip->sip_payload->pl_data : NULL;

	if (frag && sip->sip_payload->pl_len >= 9 &&
	    !strncmp(frag, "SIP/2.0 2", 9))
		c->transferred = true;
	b2b_web_notify(c, sip);
}
