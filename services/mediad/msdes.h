/* msdes: SDES-SRTP (RFC 4568) on the SIP leg: which a=crypto line to take
 * from an offer, the a=crypto lines of our offers and answers, and the
 * leg's srtpx (srtpx.c) keyed from both sides' keys.
 *
 * The SIP side offers: RTP/SAVP must carry a usable a=crypto line (else
 * the session is refused with a reason, and the b2bua answers 488);
 * RTP/AVP with a=crypto lines is "best effort SRTP": SRTP when a line is
 * usable, plain RTP otherwise.  We take the first line, in the offerer's
 * order, whose suite we support, whose key parses (one key, no MKI) and
 * that has no session parameters, and answer with a key of our own for
 * that suite and tag.
 *
 * We offer (RTCGATE_SIP_SRTP, or media_create's sip_srtp): off, RTP/AVP
 * without crypto; optional, RTP/AVP with one a=crypto line per suite (the
 * answer decides); mandatory, RTP/SAVP with the same lines, and an answer
 * without a usable a=crypto line fails the session.
 *
 * Everything but msdes_apply is pure (no I/O; msdes_offer_out and
 * msdes_offer_in draw keys from OpenSSL's CSPRNG).  A struct msdes
 * belongs to the worker that owns its session.  Errors are 0 or a
 * positive errno value, with a reason in why. */
#ifndef RTCGATE_MSDES_H
#define RTCGATE_MSDES_H

#include "sdp.h"
#include "srtpx.h"

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum msdes_policy { MSDES_OFF, MSDES_OPTIONAL, MSDES_MANDATORY };

enum { MSDES_SUITES = 4 };

/* One a=crypto line of ours. */
struct msdes_key {
	uint32_t tag;
	struct srtpx_sdes key;
	char inl[SRTPX_SDES_INLINE_MAX];	/* "inline:<base64>" */
};

struct msdes {
	enum msdes_policy policy;	/* for the offers we make */
	bool on;			/* SRTP on this leg (both keys known) */
	bool savp;			/* the agreed m= proto is RTP/SAVP */
	size_t noffer;			/* our last offer's lines */
	struct msdes_key offer[MSDES_SUITES];
	struct msdes_key local;		/* ours, in use (or to be) */
	struct srtpx_sdes remote;	/* the peer's */
	/* what the leg's srtpx was made with, to tell a re-key */
	bool applied;
	struct srtpx_sdes applied_local, applied_remote;
	/* unprotect verdicts on this leg, for media_stats */
	uint64_t auth_fail, replay, bad;
};

/* "off", "optional", "mandatory" -> policy; EINVAL for others. */
int msdes_policy_parse(const char *s, enum msdes_policy *p);
const char *msdes_policy_name(enum msdes_policy p);

/* The first usable a=crypto line of m: its index and the peer's key.
 * ENOENT when m has none, ENOTSUP when none is usable (why: the first
 * line's fault). */
int msdes_pick(const struct sdp_media *m, size_t *idx,
	       struct srtpx_sdes *remote, char *why, size_t whylen);

/* An offer (first or re-offer) from the SIP side. */
int msdes_offer_in(struct msdes *d, const struct sdp_media *m, char *why,
		   size_t whylen);
/* Before we offer to the SIP side: keys for every suite (or, with SRTP
 * already running, the key in use under its tag). */
int msdes_offer_out(struct msdes *d);
/* The SIP side's answer to our offer. */
int msdes_answer_in(struct msdes *d, const struct sdp_media *m, char *why,
		    size_t whylen);

/* The m= proto of our SDP, and its a=crypto lines (offer: the offered
 * keys; answer: ours in use, if any). */
const char *msdes_proto(const struct msdes *d, bool offer);
void msdes_write(const struct msdes *d, GString *g, bool offer);

/* Make, re-key or drop the leg's srtpx to match d. */
int msdes_apply(struct msdes *d, struct srtpx **sxp, char *why,
		size_t whylen);

/* Count one unprotect verdict (not SRTPX_OK). */
void msdes_count(struct msdes *d, enum srtpx_verdict v);
/* For media_stats: {suite, auth_fail, replay, bad}, or JSON null. */
json_t *msdes_stats(const struct msdes *d);

#endif
