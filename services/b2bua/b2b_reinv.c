/* b2b_reinv: re-INVITEs within an answered call, from either side: hold
 * (sendonly/inactive), resume, ICE restart, session refreshes.  mediad
 * applies the re-offer (media_update) and says whether the other side must
 * see it (forward: a direction or codec change) or answers it at once (an
 * ICE restart, an unchanged SDP).  When forwarded, the other side gets a
 * re-INVITE with mediad's offer, and its answer completes the exchange
 * through media_answer.  A re-INVITE that fails leaves the call as it was
 * (RFC 3261 14.1) and its status goes back to the side that sent it. */
#include "b2b_call.h"
#include "busmsg.h"
#include "log.h"
#include "wsip.h"

#include <string.h>

/* Answer the side that re-offered: sdp with 200, or a failure. */
static void call_reinv_done(struct call *c, int status, const char *phrase,
			    const char *sdp)
{
	struct wsip_body b = { .type = "application/sdp" };

	if (c->reinv == REINV_WEB && c->reinv_txn) {
		b.data = sdp;
		b.len = sdp ? strlen(sdp) : 0;
		wsip_respond(c->reinv_txn, status, phrase, status == 491 ?
			     "Retry-After: 2\r\n" : NULL, sdp ? &b : NULL);
	} else if (c->reinv == REINV_SIP) {
		b2b_sip_respond(c, status, phrase, sdp);
	}
	if (status >= 200) {
		c->reinv = REINV_NONE;
		c->reinv_txn = NULL;
	}
}

/* mediad's answer for the side that re-offered, after the other side
 * answered our re-INVITE. */
static void call_reinv_answered(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);

	if (c->state != CALL_ENDED)
		call_reinv_done(c, sdp ? 200 : 488, sdp ? "OK" :
				"Not Acceptable Here", sdp);
	call_unref(c);
}

static void call_reinv_complete(struct call *c, int status,
				const char *phrase, const char *sdp)
{
	if (status < 200)
		return;
	if (status >= 300 || !sdp) {
		LOG_INFO("call", "%s: re-INVITE refused by the other side: %d",
			 c->id, status);
		call_reinv_done(c, status >= 300 ? status : 488, status >= 300 ?
				phrase : "Not Acceptable Here", NULL);
		return;
	}
	if (call_media(c, "media_answer", NULL, sdp, call_reinv_answered))
		call_reinv_done(c, 500, "Media Unavailable", NULL);
}

/* mediad took the re-offer. */
static void call_reinv_updated(json_t *r, int e, void *arg)
{
	struct call *c = arg;
	const char *sdp = c->state == CALL_ENDED ? NULL : call_media_sdp(c, r, e);
	bool fwd = r && json_is_true(json_object_get(r, "forward"));
	int err = 0;

	if (c->state == CALL_ENDED) {
		call_unref(c);
		return;
	}
	if (!sdp)
		call_reinv_done(c, 488, "Not Acceptable Here", NULL);
	else if (!fwd)
		call_reinv_done(c, 200, "OK", sdp);
	else if (c->reinv == REINV_WEB)
		b2b_sip_reinvite(c, sdp);
	else
		err = b2b_web_reinvite(c, sdp);
	if (err)	/* the browser cannot be reached now */
		call_reinv_done(c, 500, "Server Internal Error", NULL);
	call_unref(c);
}

/* A re-offer from one side: 491 while another is in progress (14.1). */
static int call_reinv_start(struct call *c, enum call_reinv who,
			    const char *sdp)
{
	const char *side = who == REINV_WEB ? "web" : "sip";

	if (c->state != CALL_ANSWERED || c->reinv != REINV_NONE)
		return 491;
	if (!sdp)
		return 0;	/* offerless: answered with our last SDP */
	c->reinv = who;
	LOG_INFO("call", "%s: re-INVITE from the %s side", c->id, side);
	if (call_media(c, "media_update", side, sdp, call_reinv_updated)) {
		c->reinv = REINV_NONE;
		return 500;
	}
	return 0;
}

void call_web_reinvite(struct call *c, struct wsip_txn *txn, const char *sdp)
{
	int st;

	if (!sdp) {	/* browsers always offer; no offerless support */
		wsip_respond(txn, 488, "Not Acceptable Here", NULL, NULL);
		return;
	}
	st = call_reinv_start(c, REINV_WEB, sdp);
	if (st)
		wsip_respond(txn, st, NULL, st == 491 ? "Retry-After: 2\r\n" :
			     NULL, NULL);
	else
		c->reinv_txn = txn;
}

void call_sip_reinvite(struct call *c, const char *sdp)
{
	int st = call_reinv_start(c, REINV_SIP, sdp);

	if (st)
		b2b_sip_respond(c, st, st == 491 ? "Request Pending" :
				"Server Internal Error", NULL);
	else if (!sdp)	/* a refresh that asks us to offer: no change */
		b2b_sip_respond(c, 200, "OK", c->sip_sdp);
}

void call_sip_reinvite_response(struct call *c, int status,
				const char *phrase, const char *sdp)
{
	if (c->reinv == REINV_WEB)
		call_reinv_complete(c, status, phrase, sdp);
}

void call_web_reinvite_response(struct call *c, int status,
				const char *phrase, const char *sdp)
{
	if (c->reinv == REINV_SIP)
		call_reinv_complete(c, status, phrase, sdp);
}
