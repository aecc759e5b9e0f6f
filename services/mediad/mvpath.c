/* mvpath: the video packet path of a session, on its worker's thread.
 *
 * From the browser, video shares the audio's ICE/DTLS/SRTP transport
 * (BUNDLE): mpath.c decrypts, then hands each RTP packet here when its
 * payload type and SSRC belong to the video m= section (mvideo_demux_rtp)
 * and each RTCP compound that names a video source.  From the SIP side,
 * video has its own port pair: RTP on the even port (symmetric RTP:
 * latched on the first packet that verifies), RTCP on the odd one or
 * muxed, SRTP and SRTCP there when SDES keyed the leg (msdes.c: the
 * same unprotect, counters and re-keying as the audio leg).  VP8 is
 * relayed with the same rewriting as relayed audio; RTCP (SR/RR, PLI,
 * FIR, NACK, REMB) crosses with the same SSRC mapping, NACKed sequence
 * numbers moved back to the sender's own. */
#include "msess.h"
#include "clock.h"

#include <string.h>

#define MD_ADD(s, i, n) metrics_add(&(s)->md->svc.metrics, (i), (int64_t)(n))
#define MD_INC(s, i) MD_ADD(s, i, 1)

enum { NACK_FCI_OFF = 12 };	/* header, sender SSRC, media SSRC */

static void mvpath_sent(struct msess *s, struct mleg *out, size_t payload)
{
	out->tx++;
	out->tx_bytes += payload;
	MD_INC(s, MM_PKT_OUT);
	MD_INC(s, MM_VIDEO_PKT_OUT);
	MD_ADD(s, MM_VIDEO_BYTES_OUT, payload);
}

static void mvpath_to_web(struct msess *s, uint8_t *p, size_t len,
			  size_t cap, size_t payload)
{
	struct mleg *w = &s->web;
	int err;

	if (!w->srtp || !w->latched)
		return;		/* nowhere safe to send it yet */
	mrtcp_tx_rtp(&s->vweb.rtcp, p, len, (uint64_t)clock_wall_us());
	if ((err = srtpx_protect_rtp(w->srtp, p, &len, cap))) {
		mpath_protect_failed(s, w, w->srtp, err);
		return;
	}
	if (sendto(w->sock.fd, p, len, MSG_DONTWAIT,
		   (const struct sockaddr *)&w->peer, w->peerlen) < 0)
		return;
	mvpath_sent(s, &s->vweb, payload);
}

/* SRTP when SDES keyed the video leg (msdes.c, as for audio). */
static void mvpath_to_sip(struct msess *s, uint8_t *p, size_t len,
			  size_t cap, size_t payload)
{
	struct mleg *o = &s->vsip;
	int err;

	if (!o->peerlen)
		return;
	mrtcp_tx_rtp(&o->rtcp, p, len, (uint64_t)clock_wall_us());
	if (o->srtp && (err = srtpx_protect_rtp(o->srtp, p, &len, cap))) {
		mpath_protect_failed(s, o, o->srtp, err);
		return;
	}
	if (sendto(o->sock.fd, p, len, MSG_DONTWAIT,
		   (const struct sockaddr *)&o->peer, o->peerlen) < 0)
		return;
	mvpath_sent(s, o, payload);
}

/* VP8 from one side, out of the other. */
static void mvpath_forward(struct msess *s, struct mleg *in, uint8_t *p,
			   size_t len, size_t cap)
{
	struct mleg *out = in == &s->vweb ? &s->vsip : &s->vweb;
	uint64_t now = (uint64_t)clock_wall_us();
	struct rtp_hdr h;

	if (rtp_parse(p, len, &h) < 0) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	if (!s->vid.on || rtp_pt(p) != in->codec.pt) {
		MD_INC(s, MM_DROP_DEMUX);
		return;
	}
	in->rx++;
	in->rx_bytes += h.payload_len;
	in->last_rx_us = now;
	MD_INC(s, MM_VIDEO_PKT_IN);
	MD_ADD(s, MM_VIDEO_BYTES_IN, h.payload_len);
	mrtcp_rx_rtp(&in->rtcp, p, in->codec.clock, now);
	if (!mleg_may_send(out)) {	/* on hold that way */
		out->held++;
		MD_INC(s, MM_DROP_HOLD);
		return;
	}
	if (rtp_rewrite_apply(&out->rw, p, len))
		return;		/* stale: from before a source change */
	if (out == &s->vweb)
		mvpath_to_web(s, p, len, cap, h.payload_len);
	else
		mvpath_to_sip(s, p, len, cap, h.payload_len);
}

/* NACKs from in's peer name sequence numbers of our stream toward it:
 * move them back to the numbers the sender on the other side used. */
void mvpath_nack_back(uint8_t *buf, size_t len, uint32_t media,
		      uint16_t seq_off)
{
	struct rtp_rtcp_pkt k;
	size_t off = 0;

	while (rtp_rtcp_next(buf, len, &off, &k) > 0) {
		uint8_t *p = buf + (k.p - buf);

		if (k.fb != RTP_FB_NACK || k.media_ssrc != media)
			continue;
		for (unsigned i = 0; i < rtp_rtcp_items(&k); i++) {
			uint8_t *pid = p + NACK_FCI_OFF + 4 * i;
			if (NACK_FCI_OFF + 4 * i + 2 <= k.len)
				rtp_wr16(pid, (uint16_t)(rtp_rd16(pid) -
							 seq_off));
		}
	}
}

static void mvpath_rtcp_in(struct msess *s, struct mleg *in, uint8_t *p,
			   size_t len, size_t cap)
{
	struct mleg *out = in == &s->vweb ? &s->vsip : &s->vweb;
	struct mrtcp_xlate x;

	MD_INC(s, MM_RTCP_IN);
	if (mrtcp_consume(&in->rtcp, p, len, (uint64_t)clock_wall_us()) < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	if (!s->vid.on)
		return;
	x = mpath_rtcp_xlate(in, out);
	if (x.have_peer)
		mvpath_nack_back(p, len, in->ssrc, x.seq_off);
	if (mrtcp_relay(p, len, &x) < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	/* toward the browser on the bundle's transport (SRTCP) */
	mpath_rtcp_send(s, out == &s->vweb ? &s->web : out, p, len, cap);
}

bool mvpath_web_in(struct msess *s, uint8_t *p, size_t len, size_t cap,
		   bool rtcp)
{
	if (!s->vid.on)
		return false;
	if (rtcp) {
		if (!mvideo_rtcp_is_video(s, p, len))
			return false;
		mvpath_rtcp_in(s, &s->vweb, p, len, cap);
		return true;
	}
	if (len < RTP_HDR_MIN)
		return false;	/* the audio path drops and counts it */
	switch (mvideo_demux_rtp(s, rtp_pt(p), rtp_ssrc(p))) {
	case MVIDEO_AUDIO:
		return false;
	case MVIDEO_VIDEO:
		mvpath_forward(s, &s->vweb, p, len, cap);
		return true;
	default:
		MD_INC(s, MM_DROP_DEMUX);
		return true;
	}
}

/* RTCP on the odd port: only from the host the RTP comes from. */
static void mvpath_sip_rtcp(struct msess *s, struct mleg *l, uint8_t *p,
			    size_t n, size_t cap,
			    const struct sockaddr_storage *from, socklen_t fl)
{
	const struct sockaddr_in *a = (const void *)from;
	const struct sockaddr_in *b = (const void *)&l->peer;

	if (!l->peerlen || from->ss_family != AF_INET ||
	    (a->sin_addr.s_addr != b->sin_addr.s_addr &&
	     !mrtcp_sdp_host(&l->rtcp, from))) {
		MD_INC(s, MM_DROP_SOURCE);
		return;
	}
	if (rtp_demux_classify(p, n) != RTP_DEMUX_RTCP) {
		MD_INC(s, MM_RTCP_IN);
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	if (l->srtp && !mpath_sip_unprotect(s, l, p, &n, true))
		return;		/* SRTCP that does not verify */
	memcpy(&l->rtcp.rpeer, from, fl);
	l->rtcp.rpeerlen = fl;
	l->rtcp.peer_mux = false;	/* as for audio (mpath.c) */
	mvpath_rtcp_in(s, l, p, n, cap);
}

void mvpath_sip_in(struct msock *k, uint8_t *p, size_t n, size_t cap,
		   const struct sockaddr_storage *from, socklen_t fl)
{
	struct msess *s = k->s;
	struct mleg *l = k->leg;
	enum rtp_demux d;

	if (k->rtcp) {
		mvpath_sip_rtcp(s, l, p, n, cap, from, fl);
		return;
	}
	if (l->latched && !mpath_same(from, fl, &l->peer, l->peerlen)) {
		MD_INC(s, MM_DROP_SOURCE);
		return;
	}
	d = rtp_demux_classify(p, n);
	if (d != RTP_DEMUX_RTCP && d != RTP_DEMUX_RTP) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	/* SDES-SRTP: only a packet that verifies counts, or latches. */
	if (l->srtp && !mpath_sip_unprotect(s, l, p, &n,
					    d == RTP_DEMUX_RTCP))
		return;
	if (!l->latched) {	/* symmetric RTP, as for audio */
		memcpy(&l->peer, from, fl);
		l->peerlen = fl;
		l->latched = true;
	}
	if (d == RTP_DEMUX_RTCP) {
		l->rtcp.peer_mux = true;
		mvpath_rtcp_in(s, l, p, n, cap);
	} else {
		mvpath_forward(s, l, p, n, cap);
	}
}
