/* pctl: a session's offer/answer with mediad over NATS, as the b2bua
 * would drive it (docs/mediad.md, "Bus API"), on the main thread with
 * blocking requests.
 *
 * The browser offers (default): media_create side "web" with our WebRTC
 * offer returns mediad's RTP offer for the SIP side; our SIP phone's
 * answer goes back in media_answer, which returns mediad's WebRTC answer.
 * The SIP side offers (--sip-offers): media_create side "sip" with our
 * phone's offer returns mediad's WebRTC offer; our browser's answer goes
 * in media_answer, which returns the answer for the phone. */
#include "peer.h"
#include "bus.h"
#include "busmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PCTL_TIMEOUT_MS = 5000 };

int pctl_connect(struct bus **bp, const char *url)
{
	struct bus_opts o = { .url = url, .name = "rtcgate-peer",
			      .connect_deadline_ms = 5000 };

	return bus_connect(bp, &o);
}

/* One request; *rep is a media_sdp or media_stats reply, else an error
 * with why set. */
static int pctl_req(struct bus *b, const char *node, json_t *req,
		    json_t **rep, char *why, size_t whylen)
{
	char subj[160];
	int e;

	snprintf(subj, sizeof(subj), "rtcgate.media.%s", node);
	e = bus_request(b, subj, req, PCTL_TIMEOUT_MS, rep);
	json_decref(req);
	if (e) {
		snprintf(why, whylen, "bus request to %s: %s", subj,
			 strerror(e));
		return e;
	}
	if (!strcmp(busmsg_kind(*rep) ? busmsg_kind(*rep) : "", "error")) {
		snprintf(why, whylen, "mediad: %s", busmsg_str(*rep, "reason") ?
			 busmsg_str(*rep, "reason") : "error");
		json_decref(*rep);
		*rep = NULL;
		return EPROTO;
	}
	return 0;
}

static json_t *pctl_msg(const char *kind, const char *k1, const char *v1,
			const char *k2, const char *v2)
{
	json_t *m = busmsg_new(kind);

	json_object_set_new(m, k1, json_string(v1));
	if (k2)
		json_object_set_new(m, k2, json_string(v2));
	return m;
}

/* media_create: the offer out, mediad's offer for the other side back. */
static int pctl_create(struct bus *b, struct psess *s, const char *side,
		       char *offer, enum peer_codec c, struct psdp_remote *r,
		       char *why, size_t whylen)
{
	json_t *rep = NULL;
	int e;

	if (!offer) {
		snprintf(why, whylen, "out of memory");
		return ENOMEM;
	}
	json_t *m = pctl_msg("media_create", "side", side, "sdp", offer);

	if (s->o->sip_srtp)	/* the b2bua's per-route choice */
		json_object_set_new(m, "sip_srtp", json_string(s->o->sip_srtp));
	e = pctl_req(b, s->o->node, m, &rep, why, whylen);
	free(offer);
	if (e)
		return e;
	snprintf(s->id, sizeof(s->id), "%s", busmsg_str(rep, "session"));
	snprintf(s->node, sizeof(s->node), "%s", busmsg_str(rep, "node") ?
		 busmsg_str(rep, "node") : s->o->node);
	e = psdp_read(busmsg_str(rep, "sdp"), c, r, why, whylen);
	if (!e && s->o->sdes)
		e = psdp_read_crypto(busmsg_str(rep, "sdp"), s->o->sdes, r);
	json_decref(rep);
	return e;
}

/* media_answer: our answer out, the answer for the offerer back. */
static int pctl_answer(struct bus *b, struct psess *s, char *answer,
		       enum peer_codec c, struct psdp_remote *r, char *why,
		       size_t whylen)
{
	json_t *rep = NULL;
	int e;

	if (!answer) {
		snprintf(why, whylen, "out of memory");
		return ENOMEM;
	}
	e = pctl_req(b, s->node, pctl_msg("media_answer", "session", s->id,
		     "sdp", answer), &rep, why, whylen);
	free(answer);
	if (e)
		return e;
	s->transcode = json_is_true(json_object_get(rep, "transcode"));
	e = psdp_read(busmsg_str(rep, "sdp"), c, r, why, whylen);
	if (!e && s->o->sdes)
		e = psdp_read_crypto(busmsg_str(rep, "sdp"), s->o->sdes, r);
	json_decref(rep);
	return e;
}

int pctl_setup(struct bus *b, struct psess *s, char *why, size_t whylen)
{
	const struct peer_opts *o = s->o;
	struct psdp_remote web, sip;
	int e;

	if (!o->sip_offers) {
		e = pctl_create(b, s, "web", psdp_web(s, true, s->cand),
				o->sip_codec, &sip, why, whylen);
		s->sip_pt = sip.pt;
		if (!e && o->sdes && sip.crypto) {
			/* answer mediad's line for our suite, as offered */
			s->sdes_tag = sip.crypto_tag;
			s->sdes_proto = !strcmp(sip.proto, "RTP/SAVP") ?
					"RTP/SAVP" : "RTP/AVP";
		}
		if (!e)
			e = pctl_answer(b, s, psdp_sip(s, false), o->web_codec,
					&web, why, whylen);
	} else {
		e = pctl_create(b, s, "sip", psdp_sip(s, true), o->web_codec,
				&web, why, whylen);
		s->web_pt = web.pt;
		if (!e)
			e = pctl_answer(b, s, psdp_web(s, false, s->cand),
					o->sip_codec, &sip, why, whylen);
	}
	s->web_te_pt = e ? -1 : web.te_pt;
	s->sip_te_pt = e ? -1 : sip.te_pt;
	s->web_ptime = e ? 0 : web.ptime;
	s->sip_ptime = e ? 0 : sip.ptime;
	if (!e && !web.webrtc) {
		snprintf(why, whylen, "mediad's WebRTC side is not "
			 "UDP/TLS/RTP/SAVPF");
		e = EPROTO;
	}
	return e ? e : psess_configure(s, &web, &sip, why, whylen);
}

static int pctl_sdp_out(json_t *rep, char **out, char *why, size_t whylen)
{
	const char *sdp = busmsg_str(rep, "sdp");

	*out = sdp ? strdup(sdp) : NULL;
	if (!*out)
		snprintf(why, whylen, "mediad's reply has no SDP");
	json_decref(rep);
	return *out ? 0 : EPROTO;
}

int pctl_update(struct bus *b, struct psess *s, const char *side, char *sdp,
		bool *fwd, char **out, char *why, size_t whylen)
{
	json_t *m = pctl_msg("media_update", "session", s->id, "side", side);
	json_t *rep = NULL;
	int e;

	json_object_set_new(m, "sdp", json_string(sdp ? sdp : ""));
	free(sdp);
	e = pctl_req(b, s->node, m, &rep, why, whylen);
	if (e)
		return e;
	*fwd = json_is_true(json_object_get(rep, "forward"));
	return pctl_sdp_out(rep, out, why, whylen);
}

int pctl_reanswer(struct bus *b, struct psess *s, char *sdp, char **out,
		  char *why, size_t whylen)
{
	json_t *rep = NULL;
	int e = pctl_req(b, s->node, pctl_msg("media_answer", "session", s->id,
			 "sdp", sdp ? sdp : ""), &rep, why, whylen);

	free(sdp);
	return e ? e : pctl_sdp_out(rep, out, why, whylen);
}

int pctl_dtmf(struct bus *b, struct psess *s, const char *leg,
	      const char *digits, char *why, size_t whylen)
{
	json_t *m = pctl_msg("media_dtmf", "session", s->id, "leg", leg);
	json_t *rep = NULL;
	int e;

	json_object_set_new(m, "digits", json_string(digits));
	e = pctl_req(b, s->node, m, &rep, why, whylen);
	json_decref(rep);
	return e;
}

/* media_delete; mediad's final counters go into the report. */
void pctl_delete(struct bus *b, struct psess *s)
{
	json_t *rep = NULL;
	char why[PEER_WHY_LEN];
	static const char *const keys[4][2] = {
		{ "web", "rx" }, { "web", "tx" }, { "sip", "rx" }, { "sip", "tx" },
	};

	if (!s->id[0] || pctl_req(b, s->node, pctl_msg("media_delete",
		"session", s->id, NULL, NULL), &rep, why, sizeof(why)))
		return;
	for (int i = 0; i < 4; i++)
		s->mediad_stats[i] = json_integer_value(json_object_get(
			json_object_get(rep, keys[i][0]), keys[i][1]));
	/* SDES on the SIP leg: suite and drops, or null */
	s->mediad_sip_srtp = json_incref(json_object_get(
		json_object_get(rep, "sip"), "srtp"));
	json_decref(rep);
}
