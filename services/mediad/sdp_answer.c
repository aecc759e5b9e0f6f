/* sdp_answer: offer/answer helpers (see sdp.h).  Pure functions: they
 * read the offer and our preferences and fill the caller's structs. */
#include "sdp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum sdp_dir sdp_dir_answer(enum sdp_dir offered, enum sdp_dir local)
{
	/* UNSET counts as sendrecv, the SDP default */
	bool o_send = offered != SDP_DIR_RECVONLY &&
		      offered != SDP_DIR_INACTIVE;
	bool o_recv = offered != SDP_DIR_SENDONLY &&
		      offered != SDP_DIR_INACTIVE;
	bool l_send = local != SDP_DIR_RECVONLY && local != SDP_DIR_INACTIVE;
	bool l_recv = local != SDP_DIR_SENDONLY && local != SDP_DIR_INACTIVE;
	bool send = o_recv && l_send, recv = o_send && l_recv;

	if (send && recv)
		return SDP_DIR_SENDRECV;
	if (send)
		return SDP_DIR_SENDONLY;
	return recv ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
}

enum sdp_setup sdp_setup_answer(enum sdp_setup offered,
				enum sdp_setup prefer)
{
	switch (offered) {
	case SDP_SETUP_ACTPASS:
		return prefer == SDP_SETUP_PASSIVE ? SDP_SETUP_PASSIVE :
						     SDP_SETUP_ACTIVE;
	case SDP_SETUP_ACTIVE:
		return SDP_SETUP_PASSIVE;
	case SDP_SETUP_PASSIVE:
		return SDP_SETUP_ACTIVE;
	default:
		return offered;
	}
}

static bool is_dtmf(const char *name)
{
	return !strcasecmp(name, "telephone-event");
}

static bool is_companion(const char *name)
{
	return is_dtmf(name) || !strcasecmp(name, "rtx");
}

static bool codec_match(const struct sdp_codec *cd,
			const struct sdp_codec_pref *p)
{
	return *cd->name && !strcasecmp(cd->name, p->name) &&
	       (!p->clock || p->clock == cd->clock) &&
	       (!p->channels || p->channels == cd->channels);
}

/* The payload type an rtx fmtp's "apt=" points at, or -1. */
static int fmtp_apt(const char *fmtp)
{
	const char *a = strstr(fmtp, "apt=");
	int v = 0;

	if (!a || (a != fmtp && a[-1] != ';' && a[-1] != ' '))
		return -1;
	a += 4;
	if (!isdigit((unsigned char)*a))
		return -1;
	for (; isdigit((unsigned char)*a) && v < 1000; a++)
		v = v * 10 + (*a - '0');
	return (*a == '\0' || *a == ';') && v <= 127 ? v : -1;
}

struct pick {
	struct sdp_codec *out;
	size_t cap, n;
};

/* Append a copy of an offered codec with our fmtp and rtcp-fb choice;
 * a pt already picked is skipped. */
static int pick_add(struct pick *pk, const struct sdp_codec *cd,
		    const struct sdp_codec_pref *p)
{
	struct sdp_codec *d;

	for (size_t i = 0; i < pk->n; i++)
		if (pk->out[i].pt == cd->pt)
			return 0;
	if (pk->n >= pk->cap)
		return SDP_ECODEC_LIMIT;
	if (p->fmtp && strlen(p->fmtp) >= sizeof(d->fmtp))
		return SDP_ETOOLONG;
	d = &pk->out[pk->n];
	*d = *cd;
	if (p->fmtp) {
		memset(d->fmtp, 0, sizeof(d->fmtp));
		memcpy(d->fmtp, p->fmtp, strlen(p->fmtp));
	}
	if (!p->keep_fb) {
		d->nfb = 0;
		memset(d->fb, 0, sizeof(d->fb));
	}
	pk->n++;
	return 0;
}

/* Does offered codec cd accompany primary codec prim under pref p? */
static bool companion_of(const struct sdp_codec *cd,
			 const struct sdp_codec *prim,
			 const struct sdp_codec_pref *p)
{
	if (!codec_match(cd, p))
		return false;
	if (is_dtmf(p->name))
		return cd->clock == prim->clock;
	return fmtp_apt(cd->fmtp) == prim->pt;
}

static int pick_companions(struct pick *pk, const struct sdp_media *offer,
			   const struct sdp_codec_pref *p, size_t nprim)
{
	int err = 0;

	for (size_t i = 0; i < nprim && !err; i++)
		for (size_t j = 0; j < offer->ncodecs && !err; j++)
			if (companion_of(&offer->codecs[j], &pk->out[i], p))
				err = pick_add(pk, &offer->codecs[j], p);
	return err;
}

int sdp_codecs_select(const struct sdp_media *offer,
		      const struct sdp_codec_pref *prefs, size_t nprefs,
		      size_t max_primary, struct sdp_codec *out, size_t cap,
		      size_t *nout)
{
	struct pick pk = { .out = out, .cap = cap };
	size_t nprim;
	int err = 0;

	if (!offer || (!prefs && nprefs) || !out || !nout)
		return SDP_EINVAL;
	for (size_t i = 0; i < nprefs; i++)
		if (!prefs[i].name)
			return SDP_EINVAL;
	*nout = 0;
	for (size_t i = 0; i < nprefs && !err; i++) {
		if (is_companion(prefs[i].name) ||
		    (max_primary && pk.n >= max_primary))
			continue;
		for (size_t j = 0; j < offer->ncodecs; j++) {
			if (codec_match(&offer->codecs[j], &prefs[i])) {
				err = pick_add(&pk, &offer->codecs[j],
					       &prefs[i]);
				break;
			}
		}
	}
	nprim = pk.n;
	if (!err && !nprim)
		err = SDP_ENOCODEC;
	for (size_t i = 0; i < nprefs && !err; i++)
		if (is_companion(prefs[i].name))
			err = pick_companions(&pk, offer, &prefs[i], nprim);
	if (!err)
		*nout = pk.n;
	return err;
}

/* A rejected m= echoes the offer's kind, proto and one format (RFC 3264
 * section 6) with port 0. */
static void media_reject(const struct sdp_media *offer, struct sdp_media *ans)
{
	ans->port = 0;
	ans->dir = SDP_DIR_INACTIVE;
	ans->ncodecs = 0;
	memset(ans->codecs, 0, sizeof(ans->codecs));
	if (sdp_proto_is_rtp(offer) && offer->ncodecs)
		snprintf(ans->fmt, sizeof(ans->fmt), "%u",
			 offer->codecs[0].pt);
	else
		memcpy(ans->fmt, offer->fmt, sizeof(ans->fmt));
	if (!*ans->fmt)
		ans->fmt[0] = '0';
}

int sdp_media_answer(const struct sdp_media *offer,
		     const struct sdp_codec_pref *prefs, size_t nprefs,
		     size_t max_primary, enum sdp_dir local,
		     struct sdp_media *ans)
{
	int err;

	if (!offer || !ans)
		return SDP_EINVAL;
	memset(ans, 0, sizeof(*ans));
	ans->kind = offer->kind;
	ans->proto = offer->proto;
	ans->nports = 1;
	memcpy(ans->type_name, offer->type_name, sizeof(ans->type_name));
	memcpy(ans->proto_name, offer->proto_name, sizeof(ans->proto_name));
	memcpy(ans->mid, offer->mid, sizeof(ans->mid));
	if (!sdp_proto_is_rtp(offer) || !offer->port)
		err = SDP_ENOCODEC;
	else
		err = sdp_codecs_select(offer, prefs, nprefs, max_primary,
					ans->codecs, SDP_MAX_CODECS,
					&ans->ncodecs);
	if (err) {
		media_reject(offer, ans);
		return err;
	}
	ans->dir = sdp_dir_answer(offer->dir, local);
	ans->rtcp_mux = offer->rtcp_mux;
	ans->rtcp_rsize = offer->rtcp_rsize;
	return 0;
}
