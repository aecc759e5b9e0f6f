/* msdes: SDES-SRTP (RFC 4568) on the SIP leg.  See msdes.h. */
#include "msdes.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* Our offer, in order of preference: the suite every SDES peer has (RFC
 * 4568 6.2.1), then the AEAD ones (RFC 7714 14.2; cheaper per packet
 * with our SRTP primitives), the short tag last (it weakens RTP
 * authentication to 32 bits, RFC 3711 9.5). */
static const char *const offer_suites[MSDES_SUITES] = {
	"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM",
	"AES_CM_128_HMAC_SHA1_32",
};

static const char *const policy_names[] = {
	[MSDES_OFF] = "off", [MSDES_OPTIONAL] = "optional",
	[MSDES_MANDATORY] = "mandatory",
};

int msdes_policy_parse(const char *s, enum msdes_policy *p)
{
	for (size_t i = 0; s && i < sizeof(policy_names) /
	     sizeof(policy_names[0]); i++)
		if (!strcmp(s, policy_names[i])) {
			*p = (enum msdes_policy)i;
			return 0;
		}
	return EINVAL;
}

const char *msdes_policy_name(enum msdes_policy p)
{
	return (unsigned)p <= MSDES_MANDATORY ? policy_names[p] : "?";
}

static bool msdes_is_savp(const struct sdp_media *m)
{
	return m->proto == SDP_PROTO_RTP_SAVP ||
	       m->proto == SDP_PROTO_RTP_SAVPF;
}

/* The key of one a=crypto line: srtpx wants "inline:KEY[|...]". */
static int msdes_line_key(const struct sdp_crypto *cr, struct srtpx_sdes *k,
			  const char **fault)
{
	char kp[8 + SDP_CRYPTO_KEY_LEN + sizeof(cr->key_extra)];

	/* Session parameters (RFC 4568 6.3: KDR, UNENCRYPTED_SRTP, ...)
	 * change how SRTP runs; we implement none, so such a line is not
	 * one we can take (6.3.7: an unknown one makes the line unusable). */
	if (cr->params[0]) {
		*fault = "session parameters not supported";
		return ENOTSUP;
	}
	snprintf(kp, sizeof(kp), "inline:%s%s", cr->key, cr->key_extra);
	return srtpx_sdes_parse(k, cr->suite, kp, fault);
}

int msdes_pick(const struct sdp_media *m, size_t *idx,
	       struct srtpx_sdes *remote, char *why, size_t whylen)
{
	bool noted = false;

	for (size_t i = 0; i < m->ncrypto; i++) {
		const struct sdp_crypto *cr = &m->crypto[i];
		const char *fault = "";
		struct srtpx_sdes k;

		if (msdes_line_key(cr, &k, &fault)) {
			if (!noted)
				snprintf(why, whylen, "a=crypto:%" PRIu32
					 " %s: %s", cr->tag, cr->suite, fault);
			noted = true;
			continue;
		}
		*idx = i;
		*remote = k;
		OPENSSL_cleanse(&k, sizeof(k));
		return 0;
	}
	if (!m->ncrypto)
		snprintf(why, whylen, "no a=crypto line");
	return m->ncrypto ? ENOTSUP : ENOENT;
}

static int msdes_new_key(struct msdes_key *k, uint32_t tag,
			 const char *suite)
{
	k->tag = tag;
	return srtpx_sdes_generate(&k->key, suite, k->inl, sizeof(k->inl));
}

int msdes_offer_in(struct msdes *d, const struct sdp_media *m, char *why,
		   size_t whylen)
{
	const struct sdp_crypto *cr;
	struct srtpx_sdes remote;
	char fault[160] = "";
	size_t i = 0;
	int e = msdes_pick(m, &i, &remote, fault, sizeof(fault));

	if (e && msdes_is_savp(m)) {
		snprintf(why, whylen, "%s offer without a usable SDES key (%s)",
			 m->proto_name, fault);
		return EPROTO;
	}
	if (e) {	/* RTP/AVP: crypto was a wish, plain RTP it is */
		d->on = d->savp = false;
		return 0;
	}
	cr = &m->crypto[i];
	/* A new suite needs a key of ours for it; the same one keeps ours
	 * (RFC 4568 7.1.4 lets the answerer keep its key on a re-offer). */
	if (!d->on || d->local.key.profile != remote.profile) {
		e = msdes_new_key(&d->local, cr->tag, cr->suite);
		if (e) {
			snprintf(why, whylen, "no SRTP key: %s", strerror(e));
			return e;
		}
	}
	d->local.tag = cr->tag;
	d->remote = remote;
	OPENSSL_cleanse(&remote, sizeof(remote));
	d->on = true;
	d->savp = msdes_is_savp(m);
	return 0;
}

int msdes_offer_out(struct msdes *d)
{
	int e;

	if (d->on) {		/* keep what runs (RFC 4568 7.1.4) */
		d->offer[0] = d->local;
		d->noffer = 1;
		return 0;
	}
	if (d->policy == MSDES_OFF) {
		d->noffer = 0;
		return 0;
	}
	for (size_t i = 0; i < MSDES_SUITES; i++) {
		e = msdes_new_key(&d->offer[i], (uint32_t)i + 1,
				  offer_suites[i]);
		if (e) {
			d->noffer = 0;
			return e;
		}
	}
	d->noffer = MSDES_SUITES;
	return 0;
}

/* Which of our offered lines the answer took: the same tag and suite
 * (RFC 4568 5.1.2), with a key that parses. */
static int msdes_match(const struct msdes *d, const struct sdp_media *m,
		       size_t *which, struct srtpx_sdes *remote, char *why,
		       size_t whylen)
{
	for (size_t i = 0; i < m->ncrypto; i++) {
		const struct sdp_crypto *cr = &m->crypto[i];
		const char *fault = "";

		for (size_t j = 0; j < d->noffer; j++) {
			if (cr->tag != d->offer[j].tag ||
			    strcmp(cr->suite, srtpx_sdes_suite_name(
					   d->offer[j].key.profile)))
				continue;
			if (msdes_line_key(cr, remote, &fault)) {
				snprintf(why, whylen, "answered a=crypto:%"
					 PRIu32 ": %s", cr->tag, fault);
				return EPROTO;
			}
			*which = j;
			return 0;
		}
	}
	/* crypto that answers nothing we offered is a broken answer, not a
	 * plain one: the peer would send SRTP we cannot read */
	snprintf(why, whylen, m->ncrypto ? "the answer's a=crypto matches "
		 "no line we offered" : "no a=crypto in the answer");
	return m->ncrypto ? EPROTO : ENOENT;
}

int msdes_answer_in(struct msdes *d, const struct sdp_media *m, char *why,
		    size_t whylen)
{
	struct srtpx_sdes remote;
	char fault[160] = "";
	size_t j = 0;
	int e;

	if (!d->noffer) {
		if (msdes_is_savp(m)) {
			snprintf(why, whylen, "the SIP side answered %s to an "
				 "offer without SRTP", m->proto_name);
			return EPROTO;
		}
		d->on = d->savp = false;
		return 0;
	}
	e = msdes_match(d, m, &j, &remote, fault, sizeof(fault));
	if (e == EPROTO || (e && (msdes_is_savp(m) ||
				  d->policy == MSDES_MANDATORY))) {
		/* short, key words first: the b2bua relays it in a
		 * Reason header of 96 characters */
		snprintf(why, whylen, "%sSIP answer without usable SRTP (%s)",
			 d->policy == MSDES_MANDATORY ? "mandatory SRTP: " : "",
			 fault);
		return EPROTO;
	}
	if (e) {	/* optional: the answer said plain RTP */
		d->on = d->savp = false;
		return 0;
	}
	d->local = d->offer[j];
	d->remote = remote;
	OPENSSL_cleanse(&remote, sizeof(remote));
	d->on = true;
	d->savp = msdes_is_savp(m);
	return 0;
}

const char *msdes_proto(const struct msdes *d, bool offer)
{
	if (d->on)
		return d->savp ? "RTP/SAVP" : "RTP/AVP";
	return offer && d->policy == MSDES_MANDATORY ? "RTP/SAVP" : "RTP/AVP";
}

static void msdes_line(GString *g, const struct msdes_key *k)
{
	g_string_append_printf(g, "a=crypto:%" PRIu32 " %s %s\r\n", k->tag,
			       srtpx_sdes_suite_name(k->key.profile), k->inl);
}

void msdes_write(const struct msdes *d, GString *g, bool offer)
{
	if (!offer) {
		if (d->on)
			msdes_line(g, &d->local);
		return;
	}
	for (size_t i = 0; i < d->noffer; i++)
		msdes_line(g, &d->offer[i]);
}

static bool msdes_same(const struct srtpx_sdes *a, const struct srtpx_sdes *b)
{
	return a->profile == b->profile && a->master_len == b->master_len &&
	       !CRYPTO_memcmp(a->master, b->master, a->master_len);
}

int msdes_apply(struct msdes *d, struct srtpx **sxp, char *why,
		size_t whylen)
{
	struct srtpx *sx = NULL;
	int e;

	if (!d->on) {
		srtpx_free(*sxp);
		*sxp = NULL;
		d->applied = false;
		return 0;
	}
	if (*sxp && d->applied &&
	    msdes_same(&d->local.key, &d->applied_local)) {
		if (msdes_same(&d->remote, &d->applied_remote))
			return 0;
		/* only the peer's key changed: ours runs on */
		e = srtpx_rekey_in(*sxp, d->remote.master,
				   d->remote.master_len);
	} else {
		e = srtpx_new(&sx, d->local.key.profile, d->local.key.master,
			      d->remote.master, d->local.key.master_len);
		if (!e) {
			srtpx_free(*sxp);
			*sxp = sx;
		}
	}
	if (e) {
		snprintf(why, whylen, "SRTP setup failed: %s", strerror(e));
		return e;
	}
	d->applied = true;
	d->applied_local = d->local.key;
	d->applied_remote = d->remote;
	return 0;
}

void msdes_count(struct msdes *d, enum srtpx_verdict v)
{
	if (v == SRTPX_AUTH_FAIL)
		d->auth_fail++;
	else if (v == SRTPX_REPLAY)
		d->replay++;
	else if (v != SRTPX_OK)
		d->bad++;
}

json_t *msdes_stats(const struct msdes *d)
{
	if (!d->on)
		return json_null();
	return json_pack("{s:s, s:b, s:I, s:I, s:I}", "suite",
			 srtpx_sdes_suite_name(d->local.key.profile),
			 "savp", d->savp,
			 "auth_fail", (json_int_t)d->auth_fail,
			 "replay", (json_int_t)d->replay,
			 "bad", (json_int_t)d->bad);
}
