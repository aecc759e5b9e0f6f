/* mvideo: the video half of a session's offer/answer (mneg.c calls in).
 *
 * Video is VP8 relayed untouched apart from SSRC, sequence numbers,
 * timestamps and payload type (never transcoded).  On the browser side it
 * is a second m= section bundled on the audio's ICE/DTLS transport
 * (RFC 8843: one a=group:BUNDLE, the same port, ICE credentials and
 * fingerprint, rtcp-mux); on the SIP side an m=video RTP/AVP, or RTP/SAVP
 * with SDES keys of its own (msdes.c, the audio leg's rules), on a port
 * pair of its own, opened only once video is offered or accepted there.
 * A video section without VP8, or refused by the other side, is answered
 * with port 0 while audio goes on as before.  Of the offerer's rtcp-fb
 * values we keep those the relay passes on end to end (NACK, PLI, FIR,
 * REMB); transport-cc would need per-hop handling and is dropped, as are
 * rtx, red, ulpfec and every other codec. */
#include "icefull.h"
#include "msess.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { MVIDEO_CLOCK = 90000, MVIDEO_TS_STEP = 3000 /* 30 fps */ };

static const char *const mvideo_fb_ok[] = {
	"nack", "nack pli", "ccm fir", "goog-remb",
};

static const struct sdp_media *mvideo_find(const struct sdp_session *sd,
					   enum sdp_media_kind kind)
{
	for (size_t i = 0; i < sd->nmedia; i++)
		if (sd->media[i].kind == kind)
			return &sd->media[i];
	return NULL;
}

static const struct sdp_codec *mvideo_vp8(const struct sdp_media *m)
{
	if (!m || !m->port || !sdp_proto_is_rtp(m))
		return NULL;
	for (size_t i = 0; i < m->ncodecs; i++)
		if (!strcasecmp(m->codecs[i].name, "VP8") &&
		    m->codecs[i].clock == MVIDEO_CLOCK)
			return &m->codecs[i];
	return NULL;
}

/* The rtcp-fb values of the offerer's VP8 that we pass on. */
static void mvideo_fb_take(struct mvideo *v, const struct sdp_codec *c)
{
	v->nfb = 0;
	for (size_t i = 0; i < c->nfb && v->nfb < MVIDEO_FB; i++)
		for (size_t j = 0; j < G_N_ELEMENTS(mvideo_fb_ok); j++)
			if (!strcasecmp(c->fb[i], mvideo_fb_ok[j]))
				snprintf(v->fb[v->nfb++], SDP_FB_LEN, "%s",
					 mvideo_fb_ok[j]);
}

static void mvideo_ssrcs(const struct sdp_media *m, uint32_t *out,
			 size_t *n, bool *declared)
{
	*n = 0;
	for (size_t i = 0; m && i < m->nssrcs && *n < MVIDEO_SSRCS; i++)
		out[(*n)++] = m->ssrcs[i].id;
	*declared = *n > 0;
}

void mvideo_web_read(struct msess *s, const struct sdp_session *sd)
{
	struct mvideo *v = &s->vid;
	const struct sdp_media *m = mvideo_find(sd, SDP_MEDIA_VIDEO);
	const struct sdp_codec *c = mvideo_vp8(m);

	v->web_has = m != NULL;
	v->web_ok = c && (m->proto == SDP_PROTO_UDP_TLS_RTP_SAVPF ||
			  m->proto == SDP_PROTO_RTP_SAVPF);
	mvideo_ssrcs(mvideo_find(sd, SDP_MEDIA_AUDIO), v->assrc, &v->na,
		     &v->a_declared);
	mvideo_ssrcs(m, v->vssrc, &v->nv, &v->v_declared);
	if (m)
		snprintf(v->mid, sizeof(v->mid), "%s",
			 m->mid[0] ? m->mid : "1");
	if (!v->web_ok)
		return;
	v->web_pt = c->pt;
	v->web_dir = m->dir;
	mvideo_fb_take(v, c);	/* an answer's: a subset of the offer's */
}

/* The SIP side's address for video, as mneg does for audio: a source
 * already latched stays in the first exchange; a re-offer moves it. */
static int mvideo_sip_peer(struct mleg *l, const struct sdp_media *m,
			   bool again)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons(m->port);
	if (m->conn.af != SDP_AF_IP4 ||
	    inet_pton(AF_INET, m->conn.addr, &a.sin_addr) != 1)
		return EAFNOSUPPORT;
	mrtcp_sdp_read(&l->rtcp, m, again);
	if (l->peerlen && !memcmp(&l->peer, &a, sizeof(a)))
		return 0;
	if (l->latched && !again)
		return 0;
	l->latched = false;
	memset(&l->peer, 0, sizeof(l->peer));
	memcpy(&l->peer, &a, sizeof(a));
	l->peerlen = sizeof(a);
	return 0;
}

static bool mvideo_sip_proto(const struct sdp_media *m)
{
	return m->proto == SDP_PROTO_RTP_AVP ||
	       m->proto == SDP_PROTO_RTP_AVPF ||
	       m->proto == SDP_PROTO_RTP_SAVP ||
	       m->proto == SDP_PROTO_RTP_SAVPF;
}

/* The SIP side's SDES keys for video (msdes.c, the audio leg's rules):
 * an offer's RTP/SAVP without a usable a=crypto line, or an answer
 * without the SRTP our offer asked for, refuses the video alone (false);
 * audio goes on.  A usable offer re-keys at once, as audio does. */
static bool mvideo_sip_sdes(struct msess *s, const struct sdp_media *m,
			    bool offer)
{
	struct mleg *l = &s->vsip;
	char why[200] = "";
	int e;

	e = offer ? msdes_offer_in(&l->sdes, m, why, sizeof(why)) :
		    msdes_answer_in(&l->sdes, m, why, sizeof(why));
	if (!e)
		e = msdes_apply(&l->sdes, &l->srtp, why, sizeof(why));
	if (e)
		LOG_INFO("sess", "%s: video refused toward the SIP side: %s",
			 s->id, why);
	return !e;
}

void mvideo_sip_read(struct msess *s, const struct sdp_session *sd,
		     bool again, bool offer)
{
	struct mvideo *v = &s->vid;
	const struct sdp_media *m = mvideo_find(sd, SDP_MEDIA_VIDEO);
	const struct sdp_media *a = mvideo_find(sd, SDP_MEDIA_AUDIO);
	const struct sdp_codec *c = mvideo_vp8(m);

	v->sip_has = m != NULL;
	/* our answer keeps its m= order (RFC 3264 6) */
	v->sip_vfirst = m && a && m < a;
	v->sip_savp = m && (m->proto == SDP_PROTO_RTP_SAVP ||
			    m->proto == SDP_PROTO_RTP_SAVPF);
	v->sip_ok = c && mvideo_sip_proto(m) &&
		    !mvideo_sip_peer(&s->vsip, m, again) &&
		    mvideo_sip_sdes(s, m, offer);
	if (!v->sip_ok) {
		if (m && m->ncodecs && !v->on)	/* for an m=video 0 */
			v->sip_pt = m->codecs[0].pt;
		return;
	}
	v->sip_pt = c->pt;
	v->sip_dir = m->dir;
	mvideo_fb_take(v, c);
}

bool mvideo_changed(const struct msess *s, enum mleg_kind side,
		    const struct sdp_session *sd)
{
	const struct mvideo *v = &s->vid;
	const struct sdp_media *m = mvideo_find(sd, SDP_MEDIA_VIDEO);
	bool ok = mvideo_vp8(m) != NULL;

	if (side == MLEG_WEB)
		return ok != v->web_ok || (ok && m->dir != v->web_dir);
	return ok != v->sip_ok || (ok && m->dir != v->sip_dir);
}

/* The SIP side's video port pair, opened on first use. */
static int mvideo_port(struct msess *s)
{
	struct mleg *l = &s->vsip;

	if (l->port)
		return 0;
	if (mport_open(s->md->ports, s->md->cfg.bind_ip, true, &l->sock.fd,
		       &l->rsock.fd, &l->port))
		return EADDRINUSE;
	if (mworker_watch(s->w, &l->sock) || mworker_watch(s->w, &l->rsock))
		return EIO;
	return 0;
}

static const char *mvideo_dirname(enum sdp_dir d)
{
	return d == SDP_DIR_UNSET ? "sendrecv" : sdp_dir_name(d);
}

static void mvideo_codec(GString *g, const struct mvideo *v, int pt)
{
	g_string_append_printf(g, "a=rtpmap:%d VP8/90000\r\n", pt);
	for (size_t i = 0; i < v->nfb; i++)
		g_string_append_printf(g, "a=rtcp-fb:%d %s\r\n", pt, v->fb[i]);
}

/* Before our offer: SDES keys for video the way audio is offered (the
 * policy, or the SRTP audio runs with), so video is encrypted whenever
 * audio is.  Keys already running are kept (RFC 4568 7.1.4). */
static int mvideo_sip_keys(struct msess *s)
{
	const struct msdes *a = &s->sip.sdes;
	struct msdes *d = &s->vsip.sdes;

	d->policy = !a->on ? a->policy :
		    a->savp ? MSDES_MANDATORY : MSDES_OPTIONAL;
	return msdes_offer_out(d);
}

void mvideo_sip_media(GString *g, struct msess *s, bool offer)
{
	struct mvideo *v = &s->vid;
	struct mleg *l = &s->vsip;
	/* offer: what the browser sends us; answer: both sides agreed */
	bool live = offer ? v->web_ok : v->on;
	/* offers keep a number already agreed with the SIP side */
	int pt = !offer ? v->sip_pt : l->codec.pt >= 0 ? l->codec.pt :
		 v->web_pt;

	if (!(offer ? v->web_has || v->sip_has : v->sip_has))
		return;		/* no m=video to offer or mirror */
	if (!offer && v->on && !v->sip_ok) {
		/* a re-offer answered here whose video we refused (its SRTP
		 * unusable): video stops, audio goes on */
		v->on = false;
		live = false;
	}
	if (live && mvideo_port(s)) {
		LOG_WARN("sess", "%s: no port pair for video: refused", s->id);
		live = false;
	}
	if (live && offer && mvideo_sip_keys(s)) {
		LOG_WARN("sess", "%s: no SRTP keys for video: refused", s->id);
		live = false;
	}
	if (!live) {	/* the offer's proto kept (RFC 3264 6) */
		g_string_append_printf(g, "m=video 0 %s %d\r\n",
				       !offer && v->sip_savp ? "RTP/SAVP" :
				       "RTP/AVP", pt > 0 ? pt : 96);
		return;
	}
	if (offer)
		l->ldir = v->web_dir;
	g_string_append_printf(g, "m=video %u %s %d\r\nc=IN IP4 %s\r\n",
			       l->port, msdes_proto(&l->sdes, offer), pt,
			       s->md->cfg.media_ip);
	mvideo_codec(g, v, pt);
	g_string_append_printf(g, "a=%s\r\n", mvideo_dirname(l->ldir));
	if (!offer && l->rtcp.sdp_mux)	/* as for audio (mneg.c) */
		g_string_append(g, "a=rtcp-mux\r\n");
	msdes_write(&l->sdes, g, offer);
}

/* A payload type for VP8 toward the browser that no audio codec of the
 * bundle uses (RFC 8843 9.1: unique across the bundle). */
static int mvideo_web_pt(const struct msess *s, int want)
{
	static const int taken[] = { 0, 8, 9, 13, 63, 110, 111, 126 };

	for (int pt = want; pt < 128; pt = pt < 96 ? 96 : pt + 1) {
		bool used = pt == s->web.codec.te_pt;
		for (size_t i = 0; i < G_N_ELEMENTS(taken); i++)
			used = used || pt == taken[i];
		if (!used && !(pt >= 64 && pt < 96))
			return pt;
	}
	return 96;
}

void mvideo_web_media(GString *g, struct msess *s, bool offer)
{
	struct mvideo *v = &s->vid;
	struct mleg *w = &s->web, *l = &s->vweb;
	const char *ip = s->md->cfg.media_ip;
	const char *setup = offer && !s->answered ? "actpass" :
			    w->role == DTLS_ROLE_SERVER ? "passive" : "active";
	int pt;

	if (offer && !v->sip_ok) {
		if (v->web_has)		/* keep the m= line, refused */
			g_string_append_printf(g, "m=video 0 UDP/TLS/RTP/SAVPF "
					       "%d\r\nc=IN IP4 %s\r\na=mid:%s\r\n"
					       "a=inactive\r\n", v->web_pt > 0 ?
					       v->web_pt : 96, ip, v->mid);
		return;
	}
	if (offer) {
		if (!v->on)
			v->web_pt = l->codec.pt >= 0 ? l->codec.pt :
				    mvideo_web_pt(s, v->sip_pt);
		l->ldir = v->sip_dir;
		v->web_has = true;
	}
	pt = v->web_pt;
	g_string_append_printf(g, "m=video %u UDP/TLS/RTP/SAVPF %d\r\n"
			       "c=IN IP4 %s\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
			       "a=fingerprint:%s\r\na=setup:%s\r\na=mid:%s\r\n"
			       "a=%s\r\na=rtcp-mux\r\n", w->port, pt, ip,
			       icelite_ufrag(&w->ice), icelite_pwd(&w->ice),
			       s->md->fingerprint, setup, v->mid,
			       mvideo_dirname(l->ldir));
	mvideo_codec(g, v, pt);
	g_string_append_printf(g, "a=ssrc:%u cname:rtcgate-%s\r\n", l->ssrc,
			       s->id);
	icefull_write_cands(s, g, offer);	/* the bundle's: audio's */
}

void mvideo_bundle(GString *g, struct msess *s, bool offer)
{
	struct mvideo *v = &s->vid;
	bool video = offer ? v->sip_ok : v->on && v->web_has;

	/* our offer names the video section: a mid of its own */
	if (offer && (!v->mid[0] || !strcmp(v->mid, s->web.mid)))
		snprintf(v->mid, sizeof(v->mid), "%s",
			 strcmp(s->web.mid, "1") ? "1" : "v");
	g_string_append_printf(g, "a=group:BUNDLE %s", s->web.mid);
	if (video)
		g_string_append_printf(g, " %s", v->mid);
	g_string_append(g, "\r\n");
}

/* One output's rewriter: set up once, its PT map renewed each exchange
 * (SSRC, sequence numbers and timestamps run on across re-offers). */
static void mvideo_rw(struct mleg *out, int in_pt, bool again)
{
	struct rtp_rewrite_cfg rc = {
		.ssrc = out->ssrc, .seq = out->seq, .ts = out->ts,
		.ts_step = MVIDEO_TS_STEP,
		.mark_on_switch = false,	/* M ends a VP8 frame */
	};

	if (!again)
		rtp_rewrite_init(&out->rw, &rc);
	else
		memset(out->rw.pt_map, RTP_PT_NONE, sizeof(out->rw.pt_map));
	rtp_rewrite_map_pt(&out->rw, (uint8_t)in_pt, (uint8_t)out->codec.pt);
}

int mvideo_apply(struct msess *s, enum mleg_kind offerer, char *why,
		 size_t whylen)
{
	struct mvideo *v = &s->vid;
	struct mleg *w = &s->vweb, *p = &s->vsip;
	bool again = w->codec.pt >= 0;

	v->on = v->web_ok && v->sip_ok;
	if (v->on && mvideo_port(s)) {
		/* audio goes on; our answer refuses video (port 0) */
		LOG_WARN("sess", "%s: no port pair for video: refused", s->id);
		v->on = false;
	}
	if (!v->on)
		return 0;
	w->dir = v->web_dir;
	p->dir = v->sip_dir;
	if (offerer == MLEG_WEB)
		w->ldir = mneg_dir_answer(v->web_dir, v->sip_dir);
	else
		p->ldir = mneg_dir_answer(v->sip_dir, v->web_dir);
	for (int i = 0; i < 2; i++) {
		struct mleg *l = i ? p : w;
		l->codec.pt = i ? v->sip_pt : v->web_pt;
		snprintf(l->codec.name, sizeof(l->codec.name), "VP8");
		l->codec.clock = MVIDEO_CLOCK;
		l->codec.te_pt = -1;
	}
	mvideo_rw(p, w->codec.pt, again);
	mvideo_rw(w, p->codec.pt, again);
	if (again) {
		rtp_rewrite_resync(&w->rw);
		rtp_rewrite_resync(&p->rw);
	}
	(void)why;
	(void)whylen;
	return 0;
}

static bool mvideo_in(const uint32_t *l, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == x)
			return true;
	return false;
}

enum mvideo_demux mvideo_demux_rtp(struct msess *s, uint8_t pt,
				   uint32_t ssrc)
{
	struct mvideo *v = &s->vid;
	bool vid, aud;
	uint32_t *own;
	size_t *n;

	if (!v->on)
		return MVIDEO_AUDIO;	/* one stream: as before video */
	vid = pt == s->vweb.codec.pt;
	aud = pt == s->web.codec.pt ||
	      (s->web.codec.te_pt >= 0 && pt == s->web.codec.te_pt);
	if (!vid && !aud)
		return MVIDEO_DROP;	/* not negotiated in this bundle */
	if (mvideo_in(vid ? v->assrc : v->vssrc, vid ? v->na : v->nv, ssrc))
		return MVIDEO_DROP;	/* the other stream's source */
	own = vid ? v->vssrc : v->assrc;
	n = vid ? &v->nv : &v->na;
	if (mvideo_in(own, *n, ssrc))
		return vid ? MVIDEO_VIDEO : MVIDEO_AUDIO;
	if (vid ? v->v_declared : v->a_declared)
		return MVIDEO_DROP;	/* a source never declared */
	if (*n < MVIDEO_SSRCS)		/* learnt: none was declared */
		own[(*n)++] = ssrc;
	return vid ? MVIDEO_VIDEO : MVIDEO_AUDIO;
}

bool mvideo_rtcp_is_video(const struct msess *s, const uint8_t *p,
			  size_t len)
{
	const struct mvideo *v = &s->vid;
	uint32_t ours = s->vweb.ssrc, x;
	struct rtp_rtcp_pkt k;
	size_t off = 0;

	while (rtp_rtcp_next(p, len, &off, &k) > 0) {
		if (k.media_ssrc == ours || mvideo_in(v->vssrc, v->nv, k.ssrc))
			return true;
		if (k.pt == RTCP_SDES || k.fb == RTP_FB_NACK ||
		    k.fb == RTP_FB_PLI)
			continue;	/* items are not SSRCs we route by */
		for (unsigned i = 0; i < rtp_rtcp_items(&k); i++)
			if (!rtp_rtcp_item_ssrc(&k, i, &x) && x == ours)
				return true;
	}
	return false;
}

static json_t *mvideo_leg_stats(const struct mleg *l)
{
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I}",
			 "pt", l->codec.pt, "ssrc", (json_int_t)l->ssrc,
			 "rx", (json_int_t)l->rx,
			 "tx", (json_int_t)l->tx,
			 "rx_bytes", (json_int_t)l->rx_bytes,
			 "tx_bytes", (json_int_t)l->tx_bytes,
			 "dir", mvideo_dirname(l->dir),
			 "local_dir", mvideo_dirname(l->ldir),
			 "held", (json_int_t)l->held);
}

json_t *mvideo_stats(const struct msess *s)
{
	json_t *web = mvideo_leg_stats(&s->vweb);
	json_t *sip = mvideo_leg_stats(&s->vsip);

	json_object_set_new(web, "mid", json_string(s->vid.mid));
	json_object_set_new(sip, "port", json_integer(s->vsip.port));
	json_object_set_new(sip, "latched", json_boolean(s->vsip.latched));
	json_object_set_new(sip, "srtp", msdes_stats(&s->vsip.sdes));
	return json_pack("{s:b, s:s, s:o, s:o}", "on", s->vid.on, "codec",
			 s->vid.on ? "VP8" : "", "web", web, "sip", sip);
}
