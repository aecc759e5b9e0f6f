/* b2b_xfer: blind transfer (RFC 3515 REFER) asked by the browser and
 * carried out by the SIP side.  The browser's REFER names a target of our
 * domain; the dial plan turns it into a SIP URI, and our REFER on the SIP
 * leg asks the peer (a PBX, a phone) to call it.  Its answer answers the
 * browser's REFER, and its NOTIFYs (message/sipfrag progress) are relayed
 * to the browser, which hangs up or is hung up when the transfer is done. */
#include "b2b_call.h"
#include "log.h"
#include "wsip.h"

#include <sofia-sip/sip_header.h>
#include <string.h>

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

void call_web_refer(struct call *c, struct wsip_txn *txn, const sip_t *sip)
{
	char uri[ROUTE_URI_MAX];
	int st;

	if (c->state != CALL_ANSWERED || !c->nh) {
		wsip_respond(txn, 403, "Forbidden", NULL, NULL);
		return;
	}
	if (c->refer_txn) {	/* one transfer at a time */
		wsip_respond(txn, 491, "Request Pending", NULL, NULL);
		return;
	}
	st = call_refer_target(sip, uri, sizeof(uri));
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
