/* mneg: SDP offer/answer for a session's two legs.
 *
 * Browser offers: the SIP side is offered the browser's known audio codecs
 * in the browser's order (so a PBX that speaks Opus relays it), then the
 * G.711 laws it lacks (transcoded); the browser is answered once the SIP
 * side has chosen.  SIP offers: the browser is offered the SIP side's codec
 * first (relay) and Opus (transcode); the SIP side is answered once the
 * browser has chosen.  Video (VP8 relay, bundled toward the browser) is
 * mvideo.c's; other m= lines are rejected (port 0), as RFC 3264 6 allows.
 *
 * Re-offers (mneg_update): a change the other side must see (a direction,
 * i.e. hold and resume, or dropping the codec in use) becomes an offer for
 * the other side, whose answer completes both exchanges; anything else
 * (an ICE restart from the browser, a session refresh) is answered at once.
 * Directions are mirrored: what one side offers we offer on to the other,
 * and the other's answer decides ours to the first (mneg_dir_answer). */
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

	/* a per-thread session, reused: a new one per SDP meant zeroing
	 * 840 KiB, most of our CPU per call set-up */
	if (!text || (e = sdp_session_acquire(sdp))) {
		snprintf(why, whylen, "no SDP");
		return EINVAL;
	}
	e = sdp_session_parse(*sdp, text, strlen(text), &line);
	if (e) {
		snprintf(why, whylen, "SDP line %u: %s", line, sdp_strerror(e));
		sdp_session_release(*sdp);
		*sdp = NULL;
		return EINVAL;
	}
	return 0;
}

bool mneg_dir_sends(enum sdp_dir d)
{
	return d != SDP_DIR_RECVONLY && d != SDP_DIR_INACTIVE;
}

bool mneg_dir_recvs(enum sdp_dir d)
{
	return d != SDP_DIR_SENDONLY && d != SDP_DIR_INACTIVE;
}

enum sdp_dir mneg_dir_make(bool send, bool recv)
{
	return send && recv ? SDP_DIR_SENDRECV : send ? SDP_DIR_SENDONLY :
	       recv ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
}

enum sdp_dir mneg_dir_answer(enum sdp_dir dA, enum sdp_dir dB)
{
	return sdp_dir_answer(dA, dB);
}

bool mleg_may_send(const struct mleg *l)
{
	return mneg_dir_sends(l->ldir) && mneg_dir_recvs(l->dir);
}

bool msess_held(const struct msess *s)
{
	return !mleg_may_send(&s->web) || !mleg_may_send(&s->sip) ||
	       !mneg_dir_sends(s->web.dir) || !mneg_dir_sends(s->sip.dir);
}

/* v= and o= in front of the body of our SDP on leg l.  The version grows
 * only when the body changes: RFC 3264 8 asks for the same version on an
 * unchanged description (a session refresh), one more on any change. */
static char *mneg_finish(struct msess *s, struct mleg *l, GString *body)
{
	guint h = g_str_hash(body->str);
	char head[160];

	if (!l->o_ver || h != l->o_hash) {
		l->o_ver++;
		l->o_hash = h;
	}
	snprintf(head, sizeof(head), "v=0\r\no=rtcgate %" PRIu64 " %u IN IP4 "
		 "%s\r\ns=rtcgate\r\nt=0 0\r\n", s->created_us, l->o_ver,
		 s->md->cfg.media_ip);
	g_string_prepend(body, head);
	return g_string_free(body, FALSE);
}

/* narrow: this Opus is transcoded to and from G.711, which carries 8 kHz
 * audio at most, so the browser is told we play back and capture no more
 * (RFC 7587 6.1): Chrome then encodes narrowband, which costs us a third
 * of a fullband packet to decode, and sends fewer bits for nothing lost. */
static void mneg_rtpmap(GString *g, int pt, const char *name, bool narrow)
{
	if (!strcmp(name, "opus"))
		g_string_append_printf(g, "a=rtpmap:%d opus/48000/2\r\n"
				       "a=fmtp:%d minptime=10;useinbandfec=1%s\r\n",
				       pt, pt, narrow ? ";maxplaybackrate=8000;"
				       "sprop-maxcapturerate=8000" : "");
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

/* a=setup of our WebRTC SDP.  A first offer leaves the browser the
 * choice; a re-offer names the role we hold, which keeps the DTLS
 * association (RFC 8842 5.5: a new setup role would mean a new one). */
static const char *mneg_setup(const struct msess *s, bool offer)
{
	const struct mleg *l = &s->web;

	if (offer && !s->answered)
		return "actpass";
	return l->role == DTLS_ROLE_SERVER ? "passive" : "active";
}

/* Is the browser's Opus bound for transcoding?  Offering, when the SIP
 * side's offer has no Opus to relay it to; answering, when the legs'
 * codecs differ. */
static bool mneg_web_narrow(const struct msess *s, bool offer)
{
	if (offer)
		return s->nsip_offer &&
		       !mneg_find(s->sip_offer, s->nsip_offer, "opus");
	return s->transcode;
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
			       s->md->fingerprint, mneg_setup(s, offer),
			       l->mid, mneg_dir(l->ldir));
	for (size_t i = 0; i < n; i++)
		mneg_rtpmap(g, pts[i], names[i], mneg_web_narrow(s, offer));
	mneg_te(g, l->codec.te_pt);
	/* Relaying G.711, the browser's packets reach the SIP side as they
	 * are: pass on the packet size it asked for (a=ptime is what the
	 * describer wants to receive, RFC 4566 6; Chrome frames PCMU/PCMA at
	 * a remote a=ptime).  Transcoding, we take any Opus framing and want
	 * Chrome's default 20 ms, so nothing is said.  Nonsense (over
	 * 120 ms, more than any audio packet we know) is not passed on. */
	if (s->sip_ptime_said && s->sip_ptime_said <= 120 && n &&
	    strcmp(names[0], "opus"))
		g_string_append_printf(g, "a=ptime:%u\r\n", s->sip_ptime_said);
	g_string_append_printf(g, "a=ssrc:%u cname:rtcgate-%s\r\n", l->ssrc,
			       s->id);
	icefull_write_cands(s, g, offer);	/* lite: one host candidate */
}

/* Our m=audio toward the SIP side: RTP/AVP, or SRTP with SDES keys
 * (msdes.c) when the policy or the SIP side's offer asks for it. */
static void mneg_sip_media(GString *g, struct msess *s, const int *pts,
			   const char *const *names, size_t n, bool offer)
{
	struct mleg *l = &s->sip;

	g_string_append_printf(g, "m=audio %u %s", l->port,
			       msdes_proto(&l->sdes, offer));
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(g, " %d", pts[i]);
	if (l->codec.te_pt >= 0)
		g_string_append_printf(g, " %d", l->codec.te_pt);
	g_string_append_printf(g, "\r\nc=IN IP4 %s\r\n", s->md->cfg.media_ip);
	for (size_t i = 0; i < n; i++)
		mneg_rtpmap(g, pts[i], names[i], false);
	mneg_te(g, l->codec.te_pt);
	/* the ptime we send (RFC 4566 6), which is the one it asked for */
	g_string_append_printf(g, "a=ptime:%u\r\na=%s\r\n", s->sip_ptime,
			       mneg_dir(l->ldir));
	/* We offer no rtcp-mux (a plain phone may not demultiplex), but
	 * accept it when offered: its RTCP and ours then share the RTP
	 * ports (RFC 5761 5.1.1). */
	if (!offer && l->rtcp.sdp_mux)
		g_string_append(g, "a=rtcp-mux\r\n");
	msdes_write(&l->sdes, g, offer);
}

/* The SIP side's a=ptime / a=maxptime (its last SDP's; none: 20 ms):
 * the packets we send it when transcoding. */
static void mneg_sip_ptime(struct msess *s, const struct sdp_media *m)
{
	s->sip_ptime_said = m->ptime;
	s->sip_ptime = mchunk_ptime(m->ptime, m->maxptime);
}

/* Transcoding's framing (mchunk.c) for the SIP codec and ptime in force:
 * made afresh with a new transcoder or law, else only the packet size
 * toward SIP changes (held audio goes on in packets of the new size). */
static void mneg_framing(struct msess *s, bool fresh)
{
	uint8_t sil = !strcmp(s->sip.codec.name, "PCMA") ? 0xD5 : 0xFF;
	unsigned fr = s->sip_ptime * MCHUNK_PER_MS;

	if (!s->xc)
		return;
	if (fresh || s->sip_in.silence != sil) {
		mchunk_init(&s->sip_in, XCODE_FRAME, sil);
		mchunk_init(&s->sip_out, fr, sil);
	} else {
		mchunk_set_frame(&s->sip_out, fr);
	}
}

/* The peer's address for a plain RTP leg, from c= and the m= port.  In
 * the first exchange a source already latched (symmetric RTP, a peer
 * behind NAT) wins; a re-offer that moves the address is believed, and
 * symmetric RTP latches anew. */
static int mneg_sip_peer(struct mleg *l, const struct sdp_media *m,
			 bool again)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	const struct sockaddr_in *o = (const void *)&l->peer;

	a.sin_port = htons(m->port);
	if (m->conn.af != SDP_AF_IP4 ||
	    inet_pton(AF_INET, m->conn.addr, &a.sin_addr) != 1)
		return EAFNOSUPPORT;
	mrtcp_sdp_read(&l->rtcp, m, again);
	if (l->peerlen && o->sin_addr.s_addr == a.sin_addr.s_addr &&
	    o->sin_port == a.sin_port)
		return 0;
	if (l->latched && !again)
		return 0;
	l->latched = false;
	memset(&l->peer, 0, sizeof(l->peer));
	memcpy(&l->peer, &a, sizeof(a));
	l->peerlen = sizeof(a);
	return 0;
}

/* What the SIP side may offer: plain RTP, or SDES-SRTP (msdes.c). */
static bool mneg_sip_proto(const struct sdp_media *m)
{
	enum sdp_proto p = m->proto;

	return p == SDP_PROTO_RTP_AVP || p == SDP_PROTO_RTP_AVPF ||
	       p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
}

/* WebRTC transport details of the browser's m= line. */
static int mneg_web_check(const struct sdp_media *m, char *why, size_t whylen)
{
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
	return 0;
}

static int mneg_web_transport(struct msess *s, const struct sdp_media *m,
			      char *why, size_t whylen)
{
	struct mleg *l = &s->web;

	if (mneg_web_check(m, why, whylen))
		return EPROTO;
	if (icelite_set_remote_ufrag(&l->ice, m->tp.ufrag)) {
		snprintf(why, whylen, "bad ice-ufrag");
		return EPROTO;
	}
	snprintf(l->remote_fp, sizeof(l->remote_fp), "%s", m->tp.fp_hex);
	snprintf(l->remote_pwd, sizeof(l->remote_pwd), "%s", m->tp.pwd);
	snprintf(l->mid, sizeof(l->mid), "%s", m->mid[0] ? m->mid : "0");
	l->dir = m->dir;
	return icefull_remote(s, m, false, why, whylen) ? EPROTO : 0;
}

/* A later WebRTC description (re-offer, or the answer to ours): same
 * certificate, a setup that keeps our DTLS role, new ICE credentials
 * taken (an ICE restart, RFC 8445 9: we answer with new ones of ours). */
static int mneg_web_again(struct msess *s, const struct sdp_media *m,
			  bool offer, char *why, size_t whylen)
{
	struct mleg *l = &s->web;
	enum sdp_setup st = m->tp.setup;
	bool restart;

	if (mneg_web_check(m, why, whylen))
		return EPROTO;
	if (strcasecmp(m->tp.fp_hex, l->remote_fp)) {
		snprintf(why, whylen, "a re-offer that changes the DTLS "
			 "fingerprint is refused for now");
		return ENOTSUP;
	}
	/* Our role is fixed: the peer may say actpass (offer) or the role
	 * opposite ours, never ours (RFC 8842 5.5). */
	if ((st == SDP_SETUP_ACTIVE && l->role == DTLS_ROLE_CLIENT) ||
	    (st == SDP_SETUP_PASSIVE && l->role == DTLS_ROLE_SERVER) ||
	    (!offer && st == SDP_SETUP_ACTPASS)) {
		snprintf(why, whylen, "a=setup:%s would need a new DTLS "
			 "association (not supported)", sdp_setup_name(st));
		return ENOTSUP;
	}
	restart = strcmp(m->tp.ufrag, icelite_remote_ufrag(&l->ice)) ||
		  strcmp(m->tp.pwd, l->remote_pwd);
	if (restart && (offer ? icelite_restart(&l->ice, m->tp.ufrag) :
			icelite_set_remote_ufrag(&l->ice, m->tp.ufrag))) {
		snprintf(why, whylen, "bad ice-ufrag");
		return EPROTO;
	}
	if (restart) {
		snprintf(l->remote_pwd, sizeof(l->remote_pwd), "%s", m->tp.pwd);
		l->ice_restarting = true;
		LOG_INFO("sess", "%s: ICE restart (%s)", s->id,
			 offer ? "browser's re-offer" : "browser's answer");
	}
	if (icefull_remote(s, m, restart, why, whylen))
		return EPROTO;
	snprintf(l->mid, sizeof(l->mid), "%s", m->mid[0] ? m->mid : "0");
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

/* The SIP side's codec list for a browser's offer: the browser's codecs in
 * its order, then the G.711 laws it lacks (reached by transcoding Opus). */
/* Is there room for one more transcoded session on this node?  Offers
 * made without room keep to what can be relayed (the fallback to
 * a shared codec); the count is checked again when the answer comes. */
static bool mneg_can_transcode(const struct msess *s)
{
	return atomic_load(&s->md->ntranscode) < s->md->cfg.max_transcode;
}

static size_t mneg_sip_list(const struct msess *s, int *pts,
			    const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nweb_offer; i++) {
		const struct sdp_codec *c = &s->web_offer[i];
		bool opus = !strcasecmp(c->name, "opus");
		pts[n] = opus ? PT_OPUS : (int)c->pt;
		names[n++] = opus ? "opus" : c->name;
	}
	if (mneg_find(s->web_offer, s->nweb_offer, "opus") &&
	    mneg_can_transcode(s)) {
		if (!mneg_find(s->web_offer, s->nweb_offer, "PCMU"))
			pts[n] = 0, names[n++] = "PCMU";
		if (!mneg_find(s->web_offer, s->nweb_offer, "PCMA"))
			pts[n] = 8, names[n++] = "PCMA";
	}
	return n;
}

/* The browser's codec list for a SIP offer: the SIP side's first codec
 * first (relay), then Opus (transcode). */
static size_t mneg_web_list(const struct msess *s, int *pts,
			    const char **names)
{
	const struct sdp_codec *first = &s->sip_offer[0];
	bool sip_opus = mneg_find(s->sip_offer, s->nsip_offer, "opus") != NULL;
	bool opus = sip_opus || mneg_can_transcode(s);
	bool opus_first = !strcasecmp(first->name, "opus") ||
			  (opus && s->md->cfg.codec_policy == MPOLICY_OPUS_WEB);
	size_t n = 0;

	if (opus_first)
		pts[n] = PT_OPUS, names[n++] = "opus";
	for (size_t i = 0; i < s->nsip_offer && n < 3; i++)
		if (strcasecmp(s->sip_offer[i].name, "opus")) {
			bool a = !strcasecmp(s->sip_offer[i].name, "PCMA");
			pts[n] = a ? 8 : 0;
			names[n++] = a ? "PCMA" : "PCMU";
		}
	if (!opus_first && opus && n < 3)
		pts[n] = PT_OPUS, names[n++] = "opus";
	return n;
}

/* Our offer to the SIP side, with our direction (and SDES keys) on it. */
static char *mneg_sip_offer(struct msess *s, const int *pts,
			    const char **names, size_t n, enum sdp_dir d,
			    char *why, size_t whylen)
{
	GString *g;

	if (msdes_offer_out(&s->sip.sdes)) {
		snprintf(why, whylen, "no SRTP keys for the SIP side");
		return NULL;
	}
	g = g_string_new(NULL);
	s->sip.ldir = d;
	mneg_sip_media(g, s, pts, names, n, true);
	mvideo_sip_media(g, s, true);
	return mneg_finish(s, &s->sip, g);
}

/* Our offer to the browser, with our direction on it. */
static char *mneg_web_offer(struct msess *s, const int *pts,
			    const char **names, size_t n, enum sdp_dir d)
{
	GString *g = g_string_new(NULL);

	s->web.ldir = d;
	g_string_append(g, icefull_lite_attr(s));
	mvideo_bundle(g, s, true);
	mneg_web_media(g, s, pts, names, n, true);
	mvideo_web_media(g, s, true);
	return mneg_finish(s, &s->web, g);
}

/* Browser offer -> SIP offer. */
static char *mneg_from_web(struct msess *s, const struct sdp_session *sd,
			   char *why, size_t whylen)
{
	size_t ai = SIZE_MAX;
	const struct sdp_media *m = mneg_audio(sd, &ai);
	int te, pts[4];
	const char *names[4];
	size_t n;

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
	n = mneg_sip_list(s, pts, names);
	s->sip.dir = SDP_DIR_UNSET;
	mvideo_web_read(s, sd);
	return mneg_sip_offer(s, pts, names, n, m->dir, why, whylen);
}

/* SIP offer -> WebRTC offer. */
static char *mneg_from_sip(struct msess *s, const struct sdp_session *sd,
			   char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	int te, pts[3];
	const char *names[3];
	size_t n;

	if (!m || !mneg_sip_proto(m)) {
		snprintf(why, whylen, "no RTP/AVP or RTP/SAVP audio in the "
			 "offer");
		return NULL;
	}
	if (mneg_sip_peer(&s->sip, m, false)) {
		snprintf(why, whylen, "offer has no IPv4 connection address");
		return NULL;
	}
	if (msdes_offer_in(&s->sip.sdes, m, why, whylen) ||
	    msdes_apply(&s->sip.sdes, &s->sip.srtp, why, whylen))
		return NULL;
	s->sip.dir = m->dir;
	mneg_sip_ptime(s, m);
	s->nsip_offer = mneg_collect(m, s->sip_offer, 8, &te);
	if (!s->nsip_offer) {
		snprintf(why, whylen, "no audio codec in common (PCMU, PCMA, opus)");
		return NULL;
	}
	s->sip.codec.te_pt = te;
	s->web.codec.te_pt = te >= 0 ? PT_TE_WEB : -1;
	n = mneg_web_list(s, pts, names);
	snprintf(s->web.mid, sizeof(s->web.mid), "0");
	s->web.dir = SDP_DIR_UNSET;
	mvideo_sip_read(s, sd, false, true);
	return mneg_web_offer(s, pts, names, n, m->dir);
}

char *mneg_create(struct msess *s, enum msess_origin side, const char *sdp,
		  char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	char *out;

	if (mneg_parse(sdp, &sd, why, whylen))
		return NULL;
	s->origin = side;
	if (!s->sip_ptime)	/* nothing said yet: 20 ms */
		s->sip_ptime = MCHUNK_PTIME_DEFAULT;
	s->offer_sdp = g_strdup(sdp);
	if (side == MSESS_FROM_WEB)	/* the answer mirrors its m= lines */
		s->web_tmpl = g_strdup(sdp);
	out = side == MSESS_FROM_WEB ? mneg_from_web(s, sd, why, whylen) :
				      mneg_from_sip(s, sd, why, whylen);
	sdp_session_release(sd);
	return out;
}

/* The transcoder a session needs, made or released. */
static int mneg_xcode(struct msess *s, char *why, size_t whylen)
{
	struct xcode_cfg xc;

	if (!s->transcode) {
		if (s->xc) {
			xcode_free(s->xc);
			s->xc = NULL;
			atomic_fetch_sub(&s->md->ntranscode, 1);
		}
		return 0;
	}
	if (s->xc)
		return 0;
	if (strcmp(s->web.codec.name, "opus") ||
	    !strcmp(s->sip.codec.name, "opus")) {
		snprintf(why, whylen, "cannot transcode %s <-> %s",
			 s->web.codec.name, s->sip.codec.name);
		return ENOTSUP;
	}
	if (atomic_fetch_add(&s->md->ntranscode, 1) >= s->md->cfg.max_transcode) {
		atomic_fetch_sub(&s->md->ntranscode, 1);
		snprintf(why, whylen, "transcode limit reached");
		return EBUSY;
	}
	xcode_cfg_default(&xc);
	xc.complexity = (int)s->md->cfg.opus_complexity;
	if (xcode_new(&s->xc, &xc)) {
		atomic_fetch_sub(&s->md->ntranscode, 1);
		snprintf(why, whylen, "transcoder setup failed");
		return ENOMEM;
	}
	return 0;
}

/* Relay maps and, when the legs differ, the transcoder.  After the first
 * exchange the rewriters are kept (only their payload type maps change),
 * so SSRC, sequence numbers and timestamps run on across re-offers. */
static int mneg_apply(struct msess *s, char *why, size_t whylen)
{
	struct mleg *w = &s->web, *p = &s->sip;
	bool was = s->transcode;

	s->transcode = strcasecmp(w->codec.name, p->codec.name) != 0;
	for (int i = 0; i < 2; i++) {
		struct mleg *out = i ? p : w, *in = i ? w : p;
		bool opus = !strcmp(out->codec.name, "opus");
		struct rtp_rewrite_cfg rc = {
			.ssrc = out->ssrc, .seq = out->seq, .ts = out->ts,
			.ts_step = opus ? 960 : 160, .mark_on_switch = true,
		};
		if (!s->answered)
			rtp_rewrite_init(&out->rw, &rc);
		else
			memset(out->rw.pt_map, RTP_PT_NONE,
			       sizeof(out->rw.pt_map));
		if (!s->transcode)
			rtp_rewrite_map_pt(&out->rw, (uint8_t)in->codec.pt,
					   (uint8_t)out->codec.pt);
		if (in->codec.te_pt >= 0 && out->codec.te_pt >= 0 &&
		    !s->transcode)
			rtp_rewrite_map_pt(&out->rw, (uint8_t)in->codec.te_pt,
					   (uint8_t)out->codec.te_pt);
	}
	if (mneg_xcode(s, why, whylen)) {
		s->transcode = was && s->xc;
		return EBUSY;
	}
	mneg_framing(s, !was);
	return 0;
}

/* The answer to the browser's (last) offer, in its m= order. */
static char *mneg_web_answer(struct msess *s, char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	size_t ai = SIZE_MAX, vi = SIZE_MAX;
	GString *g;

	if (mneg_parse(s->web_tmpl, &sd, why, whylen))
		return NULL;
	mneg_audio(sd, &ai);
	for (size_t i = 0; i < sd->nmedia && vi == SIZE_MAX; i++)
		if (sd->media[i].kind == SDP_MEDIA_VIDEO)
			vi = i;
	g = g_string_new(NULL);
	g_string_append(g, icefull_lite_attr(s));
	mvideo_bundle(g, s, false);
	for (size_t i = 0; i < sd->nmedia; i++) {
		if (i == ai) {
			const char *name = s->web.codec.name;
			mneg_web_media(g, s, &s->web.codec.pt, &name, 1, false);
		} else if (i == vi && s->vid.on) {
			mvideo_web_media(g, s, false);
		} else {
			mneg_reject(g, &sd->media[i], s->md->cfg.media_ip);
		}
	}
	sdp_session_release(sd);
	return mneg_finish(s, &s->web, g);
}

/* Our answer to the SIP side's (last) offer: the codec in use. */
static char *mneg_sip_answer(struct msess *s)
{
	const char *name = s->sip.codec.name;
	GString *g = g_string_new(NULL);

	if (s->vid.sip_vfirst)
		mvideo_sip_media(g, s, false);
	mneg_sip_media(g, s, &s->sip.codec.pt, &name, 1, false);
	if (!s->vid.sip_vfirst)
		mvideo_sip_media(g, s, false);
	return mneg_finish(s, &s->sip, g);
}

/* SIP answer to our offer: pick the browser's codec (from its offer). */
static int mneg_sip_answered(struct msess *s, const struct sdp_session *sd,
			     char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	struct sdp_codec got[8];
	int te;
	const struct sdp_codec *wc;

	if (!m || mneg_sip_peer(&s->sip, m, s->answered)) {
		snprintf(why, whylen, "the SIP side refused audio");
		return EPROTO;
	}
	if (msdes_answer_in(&s->sip.sdes, m, why, whylen) ||
	    msdes_apply(&s->sip.sdes, &s->sip.srtp, why, whylen))
		return EPROTO;
	if (!mneg_collect(m, got, 8, &te)) {
		snprintf(why, whylen, "the SIP side chose no codec we offered");
		return EPROTO;
	}
	s->sip.dir = m->dir;
	mneg_sip_ptime(s, m);
	mneg_codec_set(&s->sip.codec, &got[0]);
	s->sip.codec.te_pt = te;
	wc = mneg_find(s->web_offer, s->nweb_offer, got[0].name);
	/* opus-web transcodes only where there is room; a shared codec is
	 * relayed otherwise */
	if (!wc || (s->md->cfg.codec_policy == MPOLICY_OPUS_WEB &&
		    strcasecmp(got[0].name, "opus") && mneg_can_transcode(s)))
		wc = mneg_find(s->web_offer, s->nweb_offer, "opus");
	if (!wc) {
		snprintf(why, whylen, "no codec for the browser");
		return EPROTO;
	}
	mneg_codec_set(&s->web.codec, wc);
	/* The browser's telephone-event stays only if the SIP side has one
	 * (what the browser offered is in the template, web_offer's te). */
	if (te < 0)
		s->web.codec.te_pt = -1;
	if (mneg_apply(s, why, whylen))
		return EBUSY;
	mvideo_sip_read(s, sd, s->answered, false);
	return mvideo_apply(s, MLEG_WEB, why, whylen);
}

/* Browser answer to our offer: pick the SIP codec (from its offer). */
static int mneg_web_answered(struct msess *s, const struct sdp_session *sd,
			     char *why, size_t whylen)
{
	const struct sdp_media *m = mneg_audio(sd, NULL);
	struct sdp_codec got[8];
	int te;
	const struct sdp_codec *sc;

	if (!m) {
		snprintf(why, whylen, "the browser refused audio");
		return EPROTO;
	}
	if (!s->answered ? mneg_web_transport(s, m, why, whylen) ||
			   mneg_dtls(s, m->tp.setup, why, whylen) :
			   mneg_web_again(s, m, false, why, whylen))
		return EPROTO;
	if (!mneg_collect(m, got, 8, &te)) {
		snprintf(why, whylen, "the browser chose no codec we offered");
		return EPROTO;
	}
	s->web.dir = m->dir;
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
		return EPROTO;
	}
	mneg_codec_set(&s->sip.codec, sc);
	if (mneg_apply(s, why, whylen))
		return EBUSY;
	mvideo_web_read(s, sd);
	return mvideo_apply(s, MLEG_SIP, why, whylen);
}

/* The first exchange: the answer for the side that offered. */
static char *mneg_first_answer(struct msess *s, const struct sdp_session *sd,
			       char *why, size_t whylen)
{
	if (s->origin == MSESS_FROM_WEB) {
		if (mneg_sip_answered(s, sd, why, whylen))
			return NULL;
		s->web.ldir = mneg_dir_answer(s->web.dir, s->sip.dir);
		return mneg_web_answer(s, why, whylen);
	}
	if (mneg_web_answered(s, sd, why, whylen))
		return NULL;
	s->sip.ldir = mneg_dir_answer(s->sip.dir, s->web.dir);
	return mneg_sip_answer(s);
}

/* The other side answered a forwarded re-offer: the answer for the side
 * that re-offered.  The first exchange's pickers serve again: a browser's
 * re-offer was passed on as a browser offer would be, a SIP one likewise. */
static char *mneg_update_answer(struct msess *s, const struct sdp_session *sd,
				char *why, size_t whylen)
{
	struct mupdate u = s->upd;

	s->upd.pending = false;
	/* Relayed streams go on one packet after the last sent, whatever
	 * the pause (a hold) did to the input's numbers. */
	rtp_rewrite_resync(&s->web.rw);
	rtp_rewrite_resync(&s->sip.rw);
	if (u.from == MLEG_WEB) {
		if (mneg_sip_answered(s, sd, why, whylen))
			return NULL;
		s->web.dir = u.dir;
		s->web.ldir = mneg_dir_answer(u.dir, s->sip.dir);
		return mneg_web_answer(s, why, whylen);
	}
	if (mneg_web_answered(s, sd, why, whylen))
		return NULL;
	s->sip.dir = u.dir;
	s->sip.ldir = mneg_dir_answer(u.dir, s->web.dir);
	return mneg_sip_answer(s);
}

char *mneg_answer(struct msess *s, const char *sdp, char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	char *out;

	if (s->answered && !s->upd.pending) {
		snprintf(why, whylen, "no offer of ours awaits an answer");
		return NULL;
	}
	if (mneg_parse(sdp, &sd, why, whylen))
		return NULL;
	out = s->answered ? mneg_update_answer(s, sd, why, whylen) :
			    mneg_first_answer(s, sd, why, whylen);
	sdp_session_release(sd);
	if (out)
		s->answered = true;
	return out;
}

/* Does a re-offer still carry the codec in use on its side? */
static bool mneg_keeps_codec(const struct mleg *l, const struct sdp_codec *c,
			     size_t n)
{
	return mneg_find(c, n, l->codec.name) != NULL;
}

/* A re-offer from the browser. */
static char *mneg_update_web(struct msess *s, const struct sdp_media *m,
			     const char *text, bool vchg, bool *forward,
			     char *why, size_t whylen)
{
	struct sdp_codec got[8];
	int te, pts[4];
	const char *names[4];
	size_t n;

	if (mneg_web_again(s, m, true, why, whylen))
		return NULL;
	n = mneg_collect(m, got, 8, &te);
	if (!n) {
		snprintf(why, whylen, "no audio codec in common (PCMU, PCMA, opus)");
		return NULL;
	}
	g_free(s->web_tmpl);
	s->web_tmpl = g_strdup(text);
	s->upd = (struct mupdate){ .from = MLEG_WEB, .dir = m->dir,
		.codecs = !mneg_keeps_codec(&s->web, got, n) };
	/* Its codecs are the browser's offer now: the SIP side's answer
	 * picks from them. */
	memcpy(s->web_offer, got, n * sizeof(got[0]));
	s->nweb_offer = n;
	if (m->dir == s->web.dir && !s->upd.codecs && !vchg) {
		*forward = false;
		return mneg_web_answer(s, why, whylen);
	}
	/* The other side must hear of it: offer it on, mirrored. */
	s->upd.pending = true;
	*forward = true;
	s->web.dir = m->dir;	/* stop sending to a browser that holds now */
	if (!s->upd.codecs) {
		const char *name = s->sip.codec.name;
		return mneg_sip_offer(s, &s->sip.codec.pt, &name, 1, m->dir,
				      why, whylen);
	}
	s->web.codec.te_pt = te;
	s->sip.codec.te_pt = te >= 0 ? PT_TE_SIP : -1;
	n = mneg_sip_list(s, pts, names);
	return mneg_sip_offer(s, pts, names, n, m->dir, why, whylen);
}

/* A re-offer from the SIP side. */
static char *mneg_update_sip(struct msess *s, const struct sdp_media *m,
			     bool vchg, bool *forward, char *why,
			     size_t whylen)
{
	struct sdp_codec got[8];
	int te, pts[3];
	const char *names[3];
	size_t n;

	if (!mneg_sip_proto(m)) {
		snprintf(why, whylen, "no RTP/AVP or RTP/SAVP audio in the "
			 "re-offer");
		return NULL;
	}
	n = mneg_collect(m, got, 8, &te);
	if (!n) {
		snprintf(why, whylen, "no audio codec in common (PCMU, PCMA, opus)");
		return NULL;
	}
	if (mneg_sip_peer(&s->sip, m, true)) {
		snprintf(why, whylen, "re-offer has no IPv4 connection address");
		return NULL;
	}
	/* new keys, or SRTP dropped, take effect at once (RFC 4568 7.1.4:
	 * the offerer is ready for them as it offers) */
	if (msdes_offer_in(&s->sip.sdes, m, why, whylen) ||
	    msdes_apply(&s->sip.sdes, &s->sip.srtp, why, whylen))
		return NULL;
	mneg_sip_ptime(s, m);	/* our packets change size now */
	mneg_framing(s, false);
	s->upd = (struct mupdate){ .from = MLEG_SIP, .dir = m->dir,
		.codecs = !mneg_keeps_codec(&s->sip, got, n) };
	memcpy(s->sip_offer, got, n * sizeof(got[0]));
	s->nsip_offer = n;
	if (m->dir == s->sip.dir && !s->upd.codecs && !vchg) {
		*forward = false;
		return mneg_sip_answer(s);
	}
	s->upd.pending = true;
	*forward = true;
	s->sip.dir = m->dir;
	if (!s->upd.codecs) {
		const char *name = s->web.codec.name;
		return mneg_web_offer(s, &s->web.codec.pt, &name, 1, m->dir);
	}
	s->sip.codec.te_pt = te;
	s->web.codec.te_pt = te >= 0 ? PT_TE_WEB : -1;
	n = mneg_web_list(s, pts, names);
	return mneg_web_offer(s, pts, names, n, m->dir);
}

char *mneg_update(struct msess *s, enum mleg_kind side, const char *sdp,
		  bool *forward, char *why, size_t whylen)
{
	struct sdp_session *sd = NULL;
	const struct sdp_media *m;
	char *out = NULL;
	bool vchg;

	if (!s->answered) {
		snprintf(why, whylen, "the first offer/answer is not complete");
		return NULL;
	}
	if (mneg_parse(sdp, &sd, why, whylen))
		return NULL;
	if (s->upd.pending)	/* e.g. the re-INVITE it became failed */
		LOG_INFO("sess", "%s: a new re-offer replaces the one pending",
			 s->id);
	s->upd.pending = false;
	m = mneg_audio(sd, NULL);
	if (!m)
		snprintf(why, whylen, "no audio in the re-offer (putting audio "
			 "on port 0 is not supported: delete the session)");
	else if (side == MLEG_WEB) {
		/* video added, removed or its direction changed: the other
		 * side must hear of it (mvideo.c) */
		vchg = mvideo_changed(s, MLEG_WEB, sd);
		mvideo_web_read(s, sd);
		out = mneg_update_web(s, m, sdp, vchg, forward, why, whylen);
	} else {
		vchg = mvideo_changed(s, MLEG_SIP, sd);
		mvideo_sip_read(s, sd, true, true);
		out = mneg_update_sip(s, m, vchg, forward, why, whylen);
	}
	sdp_session_release(sd);
	return out;
}
