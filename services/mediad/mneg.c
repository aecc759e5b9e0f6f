/* mneg: SDP offer/answer for a session's two legs.
 *
 * Browser offers: the SIP side is offered the browser's known audio codecs
 * in the browser's order (so a PBX that speaks Opus relays it), then the
 * G.711 laws it lacks (transcoded); the browser is answered once the SIP
 * side has chosen.  SIP offers: the browser is offered the SIP side's codec
 * first (relay) and Opus (transcode); the SIP side is answered once the
 * browser has chosen.  Audio only so far: other m= lines are rejected
 * (port 0), as RFC 3264 6 allows. */
#include "msess.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { PT_OPUS = 111, PT_TE_WEB = 126, PT_TE_SIP = 101 };

static bool mneg_is(const struct sdp_codec *c, const char *name, uint32_t clock)
{
	return !strcasecmp(c->name, name) && c->clock == clock;
}

/* Our codecs: PCMU, PCMA, Opus (48000/2).  0 when c is one of them. */
static bool mneg_known(const struct sdp_codec *c)
{
	return mneg_is(c, "PCMU", 8000) || mneg_is(c, "PCMA", 8000) ||
	       (mneg_is(c, "opus", 48000) && c->channels == 2);
}

static void mneg_codec_set(struct mcodec *mc, const struct sdp_codec *c)
{
	mc->pt = c->pt;
	snprintf(mc->name, sizeof(mc->name), "%s",
		 !strcasecmp(c->name, "opus") ? "opus" : c->name);
	mc->clock = c->clock;
}

/* The first audio RTP m= line the peer did not reject. */
static const struct sdp_media *mneg_audio(const struct sdp_session *sd,
					  size_t *idx)
{
	for (size_t i = 0; i < sd->nmedia; i++) {
		const struct sdp_media *m = &sd->media[i];
		if (m->kind == SDP_MEDIA_AUDIO && m->port &&
		    sdp_proto_is_rtp(m)) {
			if (idx)
				*idx = i;
			return m;
		}
	}
	return NULL;
}

/* Known codecs and the 8 kHz telephone-event of an m= line. */
static size_t mneg_collect(const struct sdp_media *m, struct sdp_codec *out,
			   size_t cap, int *te)
{
	size_t n = 0;

	*te = -1;
	for (size_t i = 0; i < m->ncodecs; i++) {
		const struct sdp_codec *c = &m->codecs[i];
		if (mneg_is(c, "telephone-event", 8000) && *te < 0)
			*te = c->pt;
		else if (mneg_known(c) && n < cap)
			out[n++] = *c;
	}
	return n;
}

static const struct sdp_codec *mneg_find(const struct sdp_codec *list,
					 size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static int mneg_parse(const char *text, struct sdp_session **sdp, char *why,
		      size_t whylen)
{
	unsigned line = 0;
	int e;

	if (!text || (e = sdp_session_new(sdp))) {
		snprintf(why, whylen, "no SDP");
		return EINVAL;
	}
	e = sdp_session_parse(*sdp, text, strlen(text), &line);
	if (e) {
		snprintf(why, whylen, "SDP line %u: %s", line, sdp_strerror(e));
		sdp_session_free(*sdp);
		*sdp = NULL;
		return EINVAL;
	}
	return 0;
}

static void mneg_origin(GString *g, const struct msess *s)
{
	g_string_append_printf(g, "v=0\r\no=rtcgate %" PRIu64 " %u IN IP4 %s\r\n"
			       "s=rtcgate\r\nt=0 0\r\n", s->created_us,
			       s->answered ? 2u : 1u, s->md->cfg.media_ip);
}

static void mneg_rtpmap(GString *g, int pt, const char *name)
{
	if (!strcmp(name, "opus"))
		g_string_append_printf(g, "a=rtpmap:%d opus/48000/2\r\n"
				       "a=fmtp:%d minptime=10;useinbandfec=1\r\n",
				       pt, pt);
	else
		g_string_append_printf(g, "a=rtpmap:%d %s/8000\r\n", pt, name);
}

static void mneg_te(GString *g, int pt)
{
	if (pt >= 0)
		g_string_append_printf(g, "a=rtpmap:%d telephone-event/8000\r\n"
				       "a=fmtp:%d 0-16\r\n", pt, pt);
}

/* The browser's m= lines we do not take: rejected, mid kept (RFC 8843). */
static void mneg_reject(GString *g, const struct sdp_media *m, const char *ip)
{
	char fmt[SDP_NAME_LEN];

	if (m->ncodecs)		/* the answer keeps one of the offer's PTs */
		snprintf(fmt, sizeof(fmt), "%u", m->codecs[0].pt);
	else
		snprintf(fmt, sizeof(fmt), "%s", m->fmt[0] ? m->fmt : "0");
	g_string_append_printf(g, "m=%s 0 %s %s\r\nc=IN IP4 %s\r\n",
			       m->type_name, m->proto_name, fmt, ip);
	if (m->mid[0])
		g_string_append_printf(g, "a=mid:%s\r\n", m->mid);
	g_string_append(g, "a=inactive\r\n");
}

static const char *mneg_dir(enum sdp_dir d)
{
	return d == SDP_DIR_UNSET ? "sendrecv" : sdp_dir_name(d);
}

/* Our WebRTC m=audio: ICE-lite, DTLS-SRTP, rtcp-mux, one host candidate. */
static void mneg_web_media(GString *g, struct msess *s, const int *pts,
			   const char *const *names, size_t n, bool offer)
{
	struct mleg *l = &s->web;
	const char *ip = s->md->cfg.media_ip;

	g_string_append_printf(g, "m=audio %u UDP/TLS/RTP/SAVPF", l->port);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(g, " %d", pts[i]);
	if (l->codec.te_pt >= 0)
		g_string_append_printf(g, " %d", l->codec.te_pt);
	g_string_append_printf(g, "\r\nc=IN IP4 %s\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
			       "a=fingerprint:%s\r\na=setup:%s\r\na=mid:%s\r\n"
			       "a=%s\r\na=rtcp-mux\r\n", ip,
			       icelite_ufrag(&l->ice), icelite_pwd(&l->ice),
			       s->md->fingerprint, offer ? "actpass" :
			       l->role == DTLS_ROLE_SERVER ? "passive" : "active",
			       l->mid, mneg_dir(sdp_dir_answer(l->dir,
							       SDP_DIR_SENDRECV)));
	for (size_t i = 0; i < n; i++)
		mneg_rtpmap(g, pts[i], names[i]);
	mneg_te(g, l->codec.te_pt);
	g_string_append_printf(g, "a=ssrc:%u cname:rtcgate-%s\r\n"
			       "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n"
			       "a=end-of-candidates\r\n", l->ssrc, s->id, ip,
			       l->port);
}

/* Our plain RTP m=audio toward the SIP side. */
static void mneg_sip_media(GString *g, struct msess *s, const int *pts,
			   const char *const *names, size_t n)
{
	struct mleg *l = &s->sip;

	g_string_append_printf(g, "m=audio %u RTP/AVP", l->port);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(g, " %d", pts[i]);
	if (l->codec.te_pt >= 0)
		g_string_append_printf(g, " %d", l->codec.te_pt);
	g_string_append_printf(g, "\r\nc=IN IP4 %s\r\n", s->md->cfg.media_ip);
	for (size_t i = 0; i < n; i++)
		mneg_rtpmap(g, pts[i], names[i]);
	mneg_te(g, l->codec.te_pt);
	g_string_append_printf(g, "a=ptime:20\r\na=%s\r\n",
			       mneg_dir(sdp_dir_answer(l->dir,
						       SDP_DIR_SENDRECV)));
}

/* The peer's address for a plain RTP leg, from c= and the m= port. */
static int mneg_sip_peer(struct mleg *l, const struct sdp_media *m)
{
	struct sockaddr_in *a = (struct sockaddr_in *)&l->peer;

	memset(&l->peer, 0, sizeof(l->peer));
	a->sin_family = AF_INET;
	a->sin_port = htons(m->port);
	if (m->conn.af != SDP_AF_IP4 ||
	    inet_pton(AF_INET, m->conn.addr, &a->sin_addr) != 1)
		return EAFNOSUPPORT;
	l->peerlen = sizeof(*a);
	l->dir = m->dir;
	return 0;
}

/* WebRTC transport details of the browser's m= line. */
static int mneg_web_transport(struct msess *s, const struct sdp_media *m,
			      char *why, size_t whylen)
{
	struct mleg *l = &s->web;

	if (m->proto != SDP_PROTO_UDP_TLS_RTP_SAVPF &&
	    m->proto != SDP_PROTO_RTP_SAVPF) {
		snprintf(why, whylen, "not a WebRTC audio line (%s)",
			 m->proto_name);
		return EPROTO;
	}
	if (!m->tp.ufrag[0] || !m->tp.pwd[0] || !m->tp.fp_hex[0] ||
	    strcasecmp(m->tp.fp_algo, "sha-256") || !m->rtcp_mux) {
		snprintf(why, whylen, "WebRTC offer lacks ICE credentials, a "
			 "sha-256 fingerprint or rtcp-mux");
		return EPROTO;
	}
	if (icelite_set_remote_ufrag(&l->ice, m->tp.ufrag)) {
		snprintf(why, whylen, "bad ice-ufrag");
		return EPROTO;
	}
	snprintf(l->remote_fp, sizeof(l->remote_fp), "%s", m->tp.fp_hex);
	snprintf(l->mid, sizeof(l->mid), "%s", m->mid[0] ? m->mid : "0");
	l->dir = m->dir;
	return 0;
}

static int mneg_dtls(struct msess *s, enum sdp_setup peer, char *why,
		     size_t whylen)
{
	struct mleg *l = &s->web;

	/* The peer's setup decides ours (RFC 5763 5): we take the server
	 * side (passive) whenever we may, which answers a browser at once. */
	l->role = peer == SDP_SETUP_PASSIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
	if (dtls_conn_new(s->md->dtls, l->role, "sha-256", l->remote_fp,
			  &l->dtls)) {
		snprintf(why, whylen, "DTLS setup failed");
		return EIO;
	}
	return 0;
}

/* Browser offer -> SIP offer. */
static char *mneg_from_web(struct msess *s, const struct sdp_session *sd,
			   char *why, size_t whylen)
{
	size_t ai = SIZE_MAX;
	const struct sdp_media *m = mneg_audio(sd, &ai);
	int te, pts[4];
	const char *names[4];
	size_t n = 0;
	GString *g;

	if (!m) {
		snprintf(why, whylen, "no audio in the offer");
		return NULL;
	}
	if (mneg_web_transport(s, m, why, whylen) ||
	    mneg_dtls(s, m->tp.setup, why, whylen))
		return NULL;
	s->nweb_offer = mneg_collect(m, s->web_offer, 8, &te);
	if (!s->nweb_offer) {
		snprintf(why, whylen, "no audio codec in common (PCMU, PCMA, opus)");
		return NULL;
	}
	s->web.codec.te_pt = te;
	s->sip.codec.te_pt = te >= 0 ? PT_TE_SIP : -1;
	for (size_t i = 0; i < s->nweb_offer; i++) {
		const struct sdp_codec *c = &s->web_offer[i];
		bool opus = !strcasecmp(c->name, "opus");
		pts[n] = opus ? PT_OPUS : (int)c->pt;
		names[n++] = opus ? "opus" : c->name;
	}
	/* G.711 laws the browser lacks, reached by transcoding its Opus. */
	if (mneg_find(s->web_offer, s->nweb_offer, "opus")) {
		if (!mneg_find(s->web_offer, s->nweb_offer, "PCMU"))
			pts[n] = 0, names[n++] = "PCMU";
		if (!mneg_find(s->web_offer, s->nweb_offer, "PCMA"))
			pts[n] = 8, names[n++] = "PCMA";
	}
	s->sip.dir = SDP_DIR_UNSET;
	g = g_string_new(NULL);
	mneg_origin(g, s);
	mneg_sip_media(g, s, pts, names, n);
	return g_string_free(g, FALSE);
}

/* SIP offer -> WebRTC offer. */
static char *mneg_from_sip(struct msess *s, const struct sdp_session *sd,
			   char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	int te, pts[3];
	const char *names[3];
	size_t n = 0;
	GString *g;

	if (!m || (m->proto != SDP_PROTO_RTP_AVP &&
		   m->proto != SDP_PROTO_RTP_AVPF)) {
		snprintf(why, whylen, "no RTP/AVP audio in the offer%s",
			 m && m->proto == SDP_PROTO_RTP_SAVP ?
			 " (SDES-SRTP toward SIP is not built yet)" : "");
		return NULL;
	}
	if (mneg_sip_peer(&s->sip, m)) {
		snprintf(why, whylen, "offer has no IPv4 connection address");
		return NULL;
	}
	s->nsip_offer = mneg_collect(m, s->sip_offer, 8, &te);
	if (!s->nsip_offer) {
		snprintf(why, whylen, "no audio codec in common (PCMU, PCMA, opus)");
		return NULL;
	}
	s->sip.codec.te_pt = te;
	s->web.codec.te_pt = te >= 0 ? PT_TE_WEB : -1;
	/* The SIP side's first codec first (relay), then Opus (transcode). */
	const struct sdp_codec *first = &s->sip_offer[0];
	bool opus_first = !strcasecmp(first->name, "opus") ||
			  s->md->cfg.codec_policy == MPOLICY_OPUS_WEB;
	if (opus_first)
		pts[n] = PT_OPUS, names[n++] = "opus";
	for (size_t i = 0; i < s->nsip_offer && n < 3; i++)
		if (strcasecmp(s->sip_offer[i].name, "opus")) {
			bool a = !strcasecmp(s->sip_offer[i].name, "PCMA");
			pts[n] = a ? 8 : 0;
			names[n++] = a ? "PCMA" : "PCMU";
		}
	if (!opus_first && n < 3)
		pts[n] = PT_OPUS, names[n++] = "opus";
	snprintf(s->web.mid, sizeof(s->web.mid), "0");
	s->web.dir = SDP_DIR_UNSET;
	g = g_string_new(NULL);
	mneg_origin(g, s);
	g_string_append(g, "a=ice-lite\r\na=group:BUNDLE 0\r\n");
	mneg_web_media(g, s, pts, names, n, true);
	return g_string_free(g, FALSE);
}

char *mneg_create(struct msess *s, enum msess_origin side, const char *sdp,
		  char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	char *out;

	if (mneg_parse(sdp, &sd, why, whylen))
		return NULL;
	s->origin = side;
	s->offer_sdp = g_strdup(sdp);	/* the answer mirrors its m= lines */
	out = side == MSESS_FROM_WEB ? mneg_from_web(s, sd, why, whylen) :
				      mneg_from_sip(s, sd, why, whylen);
	sdp_session_free(sd);
	return out;
}

/* Relay maps and, when the legs differ, the transcoder. */
static int mneg_apply(struct msess *s, char *why, size_t whylen)
{
	struct mleg *w = &s->web, *p = &s->sip;

	s->transcode = strcasecmp(w->codec.name, p->codec.name) != 0;
	for (int i = 0; i < 2; i++) {
		struct mleg *out = i ? p : w, *in = i ? w : p;
		bool opus = !strcmp(out->codec.name, "opus");
		struct rtp_rewrite_cfg rc = {
			.ssrc = out->ssrc, .seq = out->seq, .ts = out->ts,
			.ts_step = opus ? 960 : 160, .mark_on_switch = true,
		};
		rtp_rewrite_init(&out->rw, &rc);
		if (!s->transcode)
			rtp_rewrite_map_pt(&out->rw, (uint8_t)in->codec.pt,
					   (uint8_t)out->codec.pt);
		if (in->codec.te_pt >= 0 && out->codec.te_pt >= 0 &&
		    !s->transcode)
			rtp_rewrite_map_pt(&out->rw, (uint8_t)in->codec.te_pt,
					   (uint8_t)out->codec.te_pt);
	}
	if (!s->transcode)
		return 0;
	if (strcmp(w->codec.name, "opus") || !strcmp(p->codec.name, "opus")) {
		snprintf(why, whylen, "cannot transcode %s <-> %s",
			 w->codec.name, p->codec.name);
		return ENOTSUP;
	}
	if (atomic_fetch_add(&s->md->ntranscode, 1) >= s->md->cfg.max_transcode) {
		atomic_fetch_sub(&s->md->ntranscode, 1);
		s->transcode = false;
		snprintf(why, whylen, "transcode limit reached");
		return EBUSY;
	}
	struct xcode_cfg xc;
	xcode_cfg_default(&xc);
	xc.complexity = (int)s->md->cfg.opus_complexity;
	if (xcode_new(&s->xc, &xc)) {
		atomic_fetch_sub(&s->md->ntranscode, 1);
		s->transcode = false;
		snprintf(why, whylen, "transcoder setup failed");
		return ENOMEM;
	}
	return 0;
}

/* The answer to the browser's offer, in its m= order. */
static char *mneg_web_answer(struct msess *s, char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	size_t ai = SIZE_MAX;
	GString *g;

	if (mneg_parse(s->offer_sdp, &sd, why, whylen))
		return NULL;
	mneg_audio(sd, &ai);
	g = g_string_new(NULL);
	mneg_origin(g, s);
	g_string_append_printf(g, "a=ice-lite\r\na=group:BUNDLE %s\r\n",
			       s->web.mid);
	for (size_t i = 0; i < sd->nmedia; i++) {
		if (i == ai) {
			const char *name = s->web.codec.name;
			mneg_web_media(g, s, &s->web.codec.pt, &name, 1, false);
		} else {
			mneg_reject(g, &sd->media[i], s->md->cfg.media_ip);
		}
	}
	sdp_session_free(sd);
	return g_string_free(g, FALSE);
}

/* SIP answer to our offer: pick the browser's codec, answer it. */
static char *mneg_sip_answered(struct msess *s, const struct sdp_session *sd,
			       char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	struct sdp_codec got[8];
	int te;
	const struct sdp_codec *wc;

	if (!m || mneg_sip_peer(&s->sip, m)) {
		snprintf(why, whylen, "the SIP side refused audio");
		return NULL;
	}
	if (!mneg_collect(m, got, 8, &te)) {
		snprintf(why, whylen, "the SIP side chose no codec we offered");
		return NULL;
	}
	mneg_codec_set(&s->sip.codec, &got[0]);
	s->sip.codec.te_pt = te;
	if (te < 0)
		s->web.codec.te_pt = -1;
	wc = mneg_find(s->web_offer, s->nweb_offer, got[0].name);
	if (s->md->cfg.codec_policy == MPOLICY_OPUS_WEB || !wc)
		wc = mneg_find(s->web_offer, s->nweb_offer, "opus");
	if (!wc) {
		snprintf(why, whylen, "no codec for the browser");
		return NULL;
	}
	mneg_codec_set(&s->web.codec, wc);
	if (mneg_apply(s, why, whylen))
		return NULL;
	return mneg_web_answer(s, why, whylen);
}

/* Browser answer to our offer: pick the SIP codec, answer the SIP side. */
static char *mneg_web_answered(struct msess *s, const struct sdp_session *sd,
			       char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	struct sdp_codec got[8];
	int te;
	const struct sdp_codec *sc;
	GString *g;

	if (!m) {
		snprintf(why, whylen, "the browser refused audio");
		return NULL;
	}
	if (mneg_web_transport(s, m, why, whylen) ||
	    mneg_dtls(s, m->tp.setup, why, whylen))
		return NULL;
	if (!mneg_collect(m, got, 8, &te)) {
		snprintf(why, whylen, "the browser chose no codec we offered");
		return NULL;
	}
	mneg_codec_set(&s->web.codec, &got[0]);
	s->web.codec.te_pt = te;
	if (te < 0)
		s->sip.codec.te_pt = -1;
	sc = mneg_find(s->sip_offer, s->nsip_offer, got[0].name);
	for (size_t i = 0; !sc && i < s->nsip_offer; i++)
		if (strcasecmp(s->sip_offer[i].name, "opus"))
			sc = &s->sip_offer[i];
	if (!sc) {
		snprintf(why, whylen, "no codec for the SIP side");
		return NULL;
	}
	mneg_codec_set(&s->sip.codec, sc);
	if (mneg_apply(s, why, whylen))
		return NULL;
	const char *name = s->sip.codec.name;
	g = g_string_new(NULL);
	mneg_origin(g, s);
	mneg_sip_media(g, s, &s->sip.codec.pt, &name, 1);
	return g_string_free(g, FALSE);
}

char *mneg_answer(struct msess *s, const char *sdp, char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	char *out;

	if (s->answered) {
		snprintf(why, whylen, "already answered (re-offers are not "
			 "built yet)");
		return NULL;
	}
	if (mneg_parse(sdp, &sd, why, whylen))
		return NULL;
	out = s->origin == MSESS_FROM_WEB ? mneg_sip_answered(s, sd, why, whylen)
					  : mneg_web_answered(s, sd, why, whylen);
	sdp_session_free(sd);
	if (out)
		s->answered = true;
	return out;
}
