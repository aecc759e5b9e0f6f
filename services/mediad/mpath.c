/* mpath: the packet path of one session, on its worker's thread.
 *
 * WebRTC leg: one socket (BUNDLE + rtcp-mux), datagrams told apart by
 * their first byte (RFC 7983): STUN checks answered as an ICE-lite agent,
 * DTLS records fed to OpenSSL, SRTP/SRTCP through libsrtp once DTLS has
 * given keys.  SIP leg: plain RTP on an even port, RTCP on the odd one;
 * symmetric RTP (the first packet's source becomes the peer, RFC 4961).
 * Between them: relay (rewrite SSRC/seq/ts/PT) or Opus <-> G.711 (20 ms
 * Opus frames; G.711 re-chunked to and from the SIP ptime, mchunk.c), with
 * RFC 4733 telephone-events mapped across either way and reported; nothing
 * is sent toward a leg whose direction is on hold.  RTCP (mrtcp.c): relayed
 * across with the rewriters' SSRC mapping, and our own SR/RR + SDES every
 * 5 s on a leg when we transcode or the other leg's peer sends none. */
#include "msess.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <string.h>

enum { MPATH_BATCH = 64 };	/* datagrams per socket per wake-up */
/* mpath_next_us: the timer step while something runs on 10 ms steps,
 * and the longest a session goes without a tick. */
enum { MPATH_STEP_US = 10000, MPATH_IDLE_US = 1000000 };

#define MD_INC(s, i) metrics_inc(&(s)->md->svc.metrics, (i))

bool mpath_same(const struct sockaddr_storage *a, socklen_t al,
		const struct sockaddr_storage *b, socklen_t bl)
{
	if (al != bl || a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

void mpath_send(struct mleg *leg, const uint8_t *p, size_t len)
{
	struct msess *s = leg->sock.s;

	if (!leg->peerlen)
		return;
	if (sendto(leg->sock.fd, p, len, MSG_DONTWAIT,
		   (const struct sockaddr *)&leg->peer, leg->peerlen) < 0)
		return;		/* a full socket buffer drops, as UDP does */
	leg->tx++;
	MD_INC(s, MM_PKT_OUT);
}

static void mpath_dtls_flush(struct mleg *l)
{
	uint8_t out[DTLS_MTU];
	size_t n;

	while ((n = dtls_conn_output(l->dtls, out, sizeof(out))) > 0)
		mpath_send(l, out, n);
}

/* DTLS finished: key SRTP (RFC 5764 4.2), report once either way. */
static void mpath_dtls_state(struct msess *s)
{
	struct mleg *l = &s->web;
	enum dtls_state st = dtls_conn_state(l->dtls);
	struct dtls_srtp_keys k;

	if (l->dtls_reported || st == DTLS_STATE_HANDSHAKING ||
	    st == DTLS_STATE_NEW)
		return;
	l->dtls_reported = true;
	if (st == DTLS_STATE_CONNECTED && !dtls_conn_srtp_keys(l->dtls, &k) &&
	    !srtpx_new(&l->srtp, (enum srtpx_profile)k.profile, k.local,
		       k.remote, k.master_len)) {
		MD_INC(s, MM_DTLS_OK);
		msess_event(s, "dtls_connected", srtpx_sdes_suite_name(
				    (enum srtpx_profile)k.profile));
		return;
	}
	MD_INC(s, MM_DTLS_FAIL);
	msess_event(s, "dtls_failed", dtls_conn_reason(l->dtls));
}

static void mpath_stun(struct msess *s, const uint8_t *p, size_t n,
		       const struct sockaddr_storage *from, socklen_t fl)
{
	struct mleg *l = &s->web;
	uint8_t reply[ICELITE_REPLY_MAX];
	size_t rlen = sizeof(reply);
	struct icelite_check chk;

	switch (icelite_handle(&l->ice, p, n, (const struct sockaddr *)from,
			       fl, reply, &rlen, &chk)) {
	case ICELITE_REPLY:
		MD_INC(s, MM_STUN_OK);
		/* Latch on the first valid check; a nominated pair wins. */
		if (l->ice_restarting) {
			/* The peer proved the new credentials (RFC 8445 9). */
			l->ice_restarting = false;
			msess_event(s, "ice_connected", "restart");
		}
		if (!l->latched || chk.use_candidate) {
			if (!l->latched)
				msess_event(s, "ice_connected", NULL);
			memcpy(&l->peer, from, fl);
			l->peerlen = fl;
			l->latched = true;
		}
		l->last_rx_us = (uint64_t)clock_wall_us();
		sendto(l->sock.fd, reply, rlen, MSG_DONTWAIT,
		       (const struct sockaddr *)from, fl);
		/* ICE is up: the DTLS deadline runs from here in both roles
		 * (a client sends its ClientHello now). */
		if (l->dtls && dtls_conn_state(l->dtls) == DTLS_STATE_NEW) {
			dtls_conn_start(l->dtls, (uint64_t)clock_wall_us());
			mpath_dtls_flush(l);
		}
		break;
	case ICELITE_UNAUTHORIZED:
	case ICELITE_CONFLICT:
		MD_INC(s, MM_STUN_UNAUTH);
		if (rlen)
			sendto(l->sock.fd, reply, rlen, MSG_DONTWAIT,
			       (const struct sockaddr *)from, fl);
		break;
	case ICELITE_BAD:
		MD_INC(s, MM_STUN_BAD);
		break;
	default:
		break;
	}
}

/* Our own RTP header in front of a generated payload. */
static size_t mpath_header(struct mleg *out, uint8_t *p, uint32_t samples,
			   bool marker)
{
	p[0] = 0x80;
	p[1] = (uint8_t)((marker ? 0x80 : 0) | (out->codec.pt & 0x7F));
	rtp_wr16(p + 2, out->seq++);
	rtp_wr32(p + 4, out->ts);
	rtp_wr32(p + 8, out->ssrc);
	out->ts += samples;
	return RTP_HDR_MIN;
}

static void mpath_to_web(struct msess *s, uint8_t *p, size_t len, size_t cap)
{
	struct mleg *w = &s->web;
	int err;

	if (!w->srtp || !w->latched)
		return;		/* nowhere safe to send it yet */
	mrtcp_tx_rtp(&w->rtcp, p, len, (uint64_t)clock_wall_us());
	if ((err = srtpx_protect_rtp(w->srtp, p, &len, cap))) {
		mpath_protect_failed(s, w, w->srtp, err);
		return;
	}
	mpath_send(w, p, len);
}

/* RTP toward the SIP leg, counted for our SRs on it; SRTP when SDES
 * keyed it (msdes.c).  cap: the buffer's size, for the SRTP tag. */
static void mpath_to_sip(struct mleg *o, uint8_t *p, size_t len, size_t cap)
{
	int err;

	if (!o->peerlen)
		return;
	mrtcp_tx_rtp(&o->rtcp, p, len, (uint64_t)clock_wall_us());
	if (o->srtp && (err = srtpx_protect_rtp(o->srtp, p, &len, cap))) {
		mpath_protect_failed(o->sock.s, o, o->srtp, err);
		return;
	}
	mpath_send(o, p, len);
}

/* SRTP or SRTCP from a SIP leg's peer (audio or video), unprotected in
 * place: false (dropped and counted, per leg too) when it does not
 * verify. */
bool mpath_sip_unprotect(struct msess *s, struct mleg *l, uint8_t *p,
			 size_t *n, bool rtcp)
{
	enum srtpx_verdict v = rtcp ? srtpx_unprotect_rtcp(l->srtp, p, n)
				    : srtpx_unprotect_rtp(l->srtp, p, n);

	if (v == SRTPX_OK)
		return true;
	msdes_count(&l->sdes, v);
	MD_INC(s, v == SRTPX_AUTH_FAIL ? MM_SRTP_AUTH :
		  v == SRTPX_REPLAY ? MM_SRTP_REPLAY : MM_SRTP_OTHER);
	return false;
}

/* SIP -> browser, transcoding: G.711 of any packet size in (mchunk
 * places it by timestamp and cuts 20 ms frames), 20 ms Opus frames out.
 * A pause the chunker did not fill moves the Opus timestamp on by its
 * length; lost audio up to 60 ms goes in as silence. */
static void mpath_sip_to_opus(struct msess *s, const uint8_t *rtp,
			      const uint8_t *pay, size_t n)
{
	struct mleg *w = &s->web;
	enum xcode_law law = !strcmp(s->sip.codec.name, "PCMA") ? XCODE_ALAW
								: XCODE_ULAW;
	uint8_t pkt[RTP_HDR_MIN + XCODE_OPUS_PKT_MAX + SRTPX_TRAILER_MAX];
	uint8_t frame[XCODE_FRAME];
	uint32_t skip;
	int r;

	if (mchunk_push_rtp(&s->sip_in, rtp_ssrc(rtp), rtp_ts(rtp), pay, n) ==
	    MCHUNK_BAD)
		MD_INC(s, MM_DROP_BAD);
	while (mchunk_pop(&s->sip_in, frame, &skip)) {
		/* one frame in, one packet out: the encoder holds nothing */
		r = xcode_g711_to_opus(s->xc, frame, XCODE_FRAME, law,
				       pkt + RTP_HDR_MIN, XCODE_OPUS_PKT_MAX);
		w->ts += xcode_ts_dur_to_opus(skip);
		if (r <= 0) {
			w->ts += XCODE_FRAME_TS;	/* a frame's hole */
			continue;
		}
		mpath_header(w, pkt, XCODE_FRAME_TS, false);
		mpath_to_web(s, pkt, RTP_HDR_MIN + (size_t)r, sizeof(pkt));
	}
}

enum { MPATH_MISORDER = 100 };	/* RFC 3550 A.1's MAX_MISORDER */

/* Decoded G.711 toward SIP in packets of the SIP side's ptime.  Our SR's
 * RTP time runs from the end of the last packet: it left when its last
 * sample was decoded, not its first. */
static void mpath_g711_out(struct msess *s, const uint8_t *pcm, size_t n)
{
	struct mleg *o = &s->sip;
	uint8_t pkt[RTP_HDR_MIN + MCHUNK_FRAME_MAX + SRTPX_TRAILER_MAX];
	unsigned fr;
	uint32_t ts;

	if (!n || mchunk_push(&s->sip_out, pcm, n))
		return;
	fr = s->sip_out.frame;
	while (mchunk_pop(&s->sip_out, pkt + RTP_HDR_MIN, NULL)) {
		ts = o->ts;
		mpath_header(o, pkt, fr, false);
		mpath_to_sip(o, pkt, RTP_HDR_MIN + fr, sizeof(pkt));
		if (o->peerlen)
			o->rtcp.last_ts = ts + fr;
	}
}

/* Browser -> SIP, transcoding: one Opus packet in (any frame size), G.711
 * out in packets of the SIP ptime; a gap of one packet is rebuilt from
 * the next one's FEC. */
static void mpath_opus_to_sip(struct msess *s, const uint8_t *rtp,
			      const uint8_t *pay, size_t n)
{
	struct mleg *o = &s->sip;
	enum xcode_law law = !strcmp(o->codec.name, "PCMA") ? XCODE_ALAW
							     : XCODE_ULAW;
	uint8_t pcm[XCODE_PKT_SAMPLES_MAX];
	int r;
	uint16_t seq = rtp_seq(rtp);

	if (s->web_seq_ok && (uint16_t)(seq - s->web_seq) == 2) {
		r = xcode_opus_lost(s->xc, pay, n, 0, law, pcm, sizeof(pcm));
		if (r > 0)
			mpath_g711_out(s, pcm, (size_t)r);
	}
	/* Late or repeated: already played out.  A larger step back is a
	 * new run (another SSRC, a restarted counter): decoded, or every
	 * packet until its numbers caught up would be thrown away. */
	if (s->web_seq_ok && (int16_t)(seq - s->web_seq) <= 0 &&
	    (int16_t)(seq - s->web_seq) > -MPATH_MISORDER)
		return;
	s->web_seq = seq;
	s->web_seq_ok = true;
	r = xcode_opus_to_g711(s->xc, pay, n, law, pcm, sizeof(pcm));
	if (r < 0) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	mpath_g711_out(s, pcm, (size_t)r);
}

/* A telephone-event that arrived on leg in: its end is reported once. */
static void mpath_dtmf_seen(struct msess *s, struct mleg *in,
			    const uint8_t *p, const struct rtp_hdr *h)
{
	struct mdtmf_end e;
	char d[2];
	int r = mdtmf_rx_packet(&in->dtmf_rx, rtp_ts(p), p + h->hdr_len,
				h->payload_len, &e);

	if (r <= 0)
		return;
	in->dtmf_events++;
	MD_INC(s, MM_DTMF);
	d[0] = e.digit;
	d[1] = '\0';
	msess_event_ex(s, "dtmf", d, json_pack("{s:s, s:I}", "leg",
		       in->kind == MLEG_WEB ? "web" : "sip", "duration",
		       (json_int_t)e.dur_ms));
}

/* A telephone-event packet of ours on leg out: payload, marker and event
 * timestamp given; the sequence number is the leg's next. */
static void mpath_te_send(struct msess *s, struct mleg *out,
			  const uint8_t *pay, bool marker, uint32_t ts)
{
	uint8_t pkt[RTP_HDR_MIN + MDTMF_PAYLOAD + SRTPX_TRAILER_MAX];
	uint32_t now_ts;
	uint16_t seq = s->transcode ? out->seq++ :
			rtp_rewrite_insert(&out->rw, &now_ts);

	pkt[0] = 0x80;
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | (out->codec.te_pt & 0x7F));
	rtp_wr16(pkt + 2, seq);
	rtp_wr32(pkt + 4, ts);
	rtp_wr32(pkt + 8, out->ssrc);
	memcpy(pkt + RTP_HDR_MIN, pay, MDTMF_PAYLOAD);
	if (out == &s->web)
		mpath_to_web(s, pkt, RTP_HDR_MIN + MDTMF_PAYLOAD, sizeof(pkt));
	else
		mpath_to_sip(out, pkt, RTP_HDR_MIN + MDTMF_PAYLOAD,
			     sizeof(pkt));
}

/* Transcoding: a telephone-event crosses with the other leg's payload
 * type, SSRC and sequence numbers, its timestamp rebased onto the other
 * leg's clock (one event, one timestamp, RFC 4733 2.3.1). */
static void mpath_te_across(struct msess *s, struct mleg *out,
			    const uint8_t *p, const struct rtp_hdr *h)
{
	uint32_t ts = rtp_ts(p);

	if (out->codec.te_pt < 0 || h->payload_len < MDTMF_PAYLOAD) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	if (!out->te_have || ts != out->te_in_ts) {
		out->te_have = true;
		out->te_in_ts = ts;
		out->te_out_ts = out->ts;
	}
	mpath_te_send(s, out, p + h->hdr_len, rtp_marker(p), out->te_out_ts);
}

/* A plain RTP packet from one leg, out of the other. */
static void mpath_forward(struct msess *s, struct mleg *in, uint8_t *p,
			  size_t len, size_t cap)
{
	struct mleg *out = in == &s->web ? &s->sip : &s->web;
	struct rtp_hdr h;
	bool te;

	if (!s->answered || rtp_parse(p, len, &h) < 0) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	mrtcp_rx_rtp(&in->rtcp, p, in->codec.clock, (uint64_t)clock_wall_us());
	te = in->codec.te_pt >= 0 && rtp_pt(p) == in->codec.te_pt;
	if (te)
		mpath_dtmf_seen(s, in, p, &h);
	if (!mleg_may_send(out)) {	/* on hold that way (RFC 3264 8.4) */
		out->held++;
		MD_INC(s, MM_DROP_HOLD);
		return;
	}
	if (s->transcode && te) {
		mpath_te_across(s, out, p, &h);
		return;
	}
	if (s->transcode && rtp_pt(p) == in->codec.pt) {
		if (in == &s->web)
			mpath_opus_to_sip(s, p, p + h.hdr_len, h.payload_len);
		else
			mpath_sip_to_opus(s, p, p + h.hdr_len, h.payload_len);
		return;
	}
	if (s->transcode)
		return;
	switch (rtp_rewrite_apply(&out->rw, p, len)) {
	case 0:
		break;
	case -RTP_ERR_PT:	/* not negotiated here (CN, video's ...) */
		MD_INC(s, MM_DROP_DEMUX);
		return;
	default:
		return;		/* stale */
	}
	if (out == &s->web)
		mpath_to_web(s, p, len, cap);
	else
		mpath_to_sip(out, p, len, cap);
}

int mpath_dtmf_queue(struct msess *s, struct mleg *l, const char *digits,
		     unsigned dur_ms)
{
	if (!s->answered || l->codec.te_pt < 0)
		return ENOTSUP;
	return mdtmf_tx_queue(&l->dtmf_tx, digits, dur_ms);
}

/* An event starts "now" on the leg's stream, but never before the end of
 * the last one we sent: each event needs a timestamp of its own (RFC 4733
 * 2.3.1), even when no audio has moved the stream's clock between them. */
static void mpath_dtmf_start(struct msess *s, struct mleg *l)
{
	uint32_t ts = s->transcode ? l->ts : l->rw.out_max_ts + l->rw.step;
	uint32_t per_ms = (l->codec.clock ? l->codec.clock : 8000) / 1000;

	if ((int32_t)(l->dtmf_next_ts - ts) > 0)
		ts = l->dtmf_next_ts;
	l->dtmf_ts = ts;
	l->dtmf_next_ts = ts + per_ms * (l->dtmf_tx.dur_ms + MDTMF_GAP_MS);
}

/* media_dtmf digits due on leg l. */
static void mpath_dtmf_tick(struct msess *s, struct mleg *l, unsigned ms)
{
	struct mdtmf_pkt pkt;

	while (mdtmf_tx_tick(&l->dtmf_tx, ms, &pkt)) {
		ms = 0;
		if (pkt.start)
			mpath_dtmf_start(s, l);
		if (pkt.payload[1] & 0x80 && !l->dtmf_tx.playing)
			MD_INC(s, MM_DTMF_SENT);
		if (!mleg_may_send(l)) {
			l->held++;
			MD_INC(s, MM_DROP_HOLD);
			continue;
		}
		mpath_te_send(s, l, pkt.payload, pkt.marker, l->dtmf_ts);
	}
}

/* ---- RTCP ---- */

/* RTCP toward the SIP leg: on the RTP port under rtcp-mux (said in its
 * SDP or seen), else from our odd port to where mrtcp_sip_dest says. */
static bool mpath_rtcp_to_sip(struct msess *s, struct mleg *o,
			      const uint8_t *p, size_t len)
{
	struct sockaddr_storage to;
	socklen_t tl;

	if (!o->peerlen)
		return false;
	if (o->rsock.fd < 0 ||
	    !mrtcp_sip_dest(&o->rtcp, &o->peer, o->peerlen, &to, &tl)) {
		mpath_send(o, p, len);
		return true;
	}
	if (sendto(o->rsock.fd, p, len, MSG_DONTWAIT,
		   (const struct sockaddr *)&to, tl) < 0)
		return false;
	MD_INC(s, MM_PKT_OUT);
	return true;
}

/* A compound out of leg o: SRTCP toward the browser, plain toward SIP. */
bool mpath_rtcp_send(struct msess *s, struct mleg *o, uint8_t *p,
		     size_t len, size_t cap)
{
	bool sent = false;
	int err = 0;

	if (o == &s->web) {
		if (o->srtp && o->latched &&
		    !(err = srtpx_protect_rtcp(o->srtp, p, &len, cap))) {
			mpath_send(o, p, len);
			sent = true;
		}
	} else if (!o->srtp ||
		   !(err = srtpx_protect_rtcp(o->srtp, p, &len, cap))) {
		sent = mpath_rtcp_to_sip(s, o, p, len);
	}
	if (err)
		mpath_protect_failed(s, o, o->srtp, err);
	MD_INC(s, sent ? MM_RTCP_OUT : MM_RTCP_DROP);
	return sent;
}

void mpath_protect_failed(struct msess *s, const struct mleg *l,
			  const struct srtpx *sx, int err)
{
	s->protect_failed++;
	MD_INC(s, MM_SRTP_PROTECT_FAIL);
	if (s->protect_logged)
		return;
	s->protect_logged = true;
	LOG_WARN("sess", "%s: SRTP protect toward the %s side failed: %s "
		 "(libsrtp status %d); later failures are only counted",
		 s->id, l->kind == MLEG_WEB ? "browser" : "SIP",
		 strerror(err), srtpx_protect_status(sx));
}

/* Our last compound on leg l (SRTCP toward the browser, through o). */
static void mpath_bye_leg(struct msess *s, struct mleg *l, struct mleg *o,
			  const uint32_t *ssrcs, size_t n, uint64_t now)
{
	uint8_t buf[MRTCP_MAX + SRTPX_TRAILER_MAX];
	int len;

	len = mrtcp_build_bye(&l->rtcp, buf, MRTCP_MAX, ssrcs, n, s->id,
			      l->codec.clock, now, now);
	if (len < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	if (mpath_rtcp_send(s, o, buf, (size_t)len, sizeof(buf)))
		MD_INC(s, MM_RTCP_BYE);
}

void mpath_bye(struct msess *s)
{
	uint64_t now = (uint64_t)clock_wall_us();
	uint32_t ssrcs[2];
	size_t n = 0;

	if (!s->answered)
		return;
	/* The browser's transport is bundled: one BYE names both our
	 * SSRCs on it (audio, and video when it ran). */
	if (mrtcp_active(&s->web.rtcp))
		ssrcs[n++] = s->web.ssrc;
	if (s->vid.on && mrtcp_active(&s->vweb.rtcp))
		ssrcs[n++] = s->vweb.ssrc;
	if (n)
		mpath_bye_leg(s, ssrcs[0] == s->web.ssrc ? &s->web : &s->vweb,
			      &s->web, ssrcs, n, now);
	if (mrtcp_active(&s->sip.rtcp))
		mpath_bye_leg(s, &s->sip, &s->sip, &s->sip.ssrc, 1, now);
	if (s->vid.on && mrtcp_active(&s->vsip.rtcp))
		mpath_bye_leg(s, &s->vsip, &s->vsip, &s->vsip.ssrc, 1, now);
}

/* How a compound from leg in's peer is rewritten on its way out of leg
 * out: the RTP rewriters' SSRC and offsets of both (audio and video). */
struct mrtcp_xlate mpath_rtcp_xlate(const struct mleg *in,
				    const struct mleg *out)
{
	return (struct mrtcp_xlate){
		.out_ssrc = out->ssrc,
		.have_src = out->rw.have_src,
		.src_ssrc = out->rw.in_ssrc,
		.ts_off = out->rw.ts_off,
		.in_ssrc = in->ssrc,
		.have_peer = in->rw.have_src,
		.peer_ssrc = in->rw.in_ssrc,
		.seq_off = in->rw.seq_off,
	};
}

/* A plain compound from leg in's peer: its SRs noted for our report
 * blocks; when relaying, rewritten with the rewriters' mapping and sent
 * on (RTCP keeps flowing on hold: RFC 3264 5.1). */
static void mpath_rtcp_in(struct msess *s, struct mleg *in, uint8_t *p,
			  size_t len, size_t cap)
{
	struct mleg *out = in == &s->web ? &s->sip : &s->web;
	struct mrtcp_xlate x;

	MD_INC(s, MM_RTCP_IN);
	if (mrtcp_consume(&in->rtcp, p, len, (uint64_t)clock_wall_us()) < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	/* The browser's loss of our Opus steers the encoder's in-band FEC. */
	if (s->xc && in == &s->web) {
		int f = mrtcp_loss_about(p, len, in->ssrc);

		if (f >= 0)
			xcode_loss_report(s->xc, (unsigned)f);
	}
	if (!s->answered || s->transcode)
		return;	/* consumed: our own reports go out instead */
	x = mpath_rtcp_xlate(in, out);
	if (mrtcp_relay(p, len, &x) < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	mpath_rtcp_send(s, out, p, len, cap);
}

/* Our own report on leg l when due, unless the other leg's peer reports
 * and we relay them. */
static void mpath_rtcp_tick(struct msess *s, struct mleg *l, uint64_t now)
{
	struct mleg *o = l == &s->web ? &s->sip : &s->web;
	uint8_t buf[MRTCP_MAX + SRTPX_TRAILER_MAX];
	int n;

	if (!mrtcp_due(&l->rtcp, now))
		return;
	if (!s->transcode && o->rtcp.peer_rtcp_us &&
	    now - o->rtcp.peer_rtcp_us < MRTCP_PEER_QUIET_US) {
		l->rtcp.next_us = now + MRTCP_INTERVAL_US;
		return;
	}
	n = mrtcp_build(&l->rtcp, buf, MRTCP_MAX, l->ssrc, s->id,
			l->codec.clock, now, now);
	if (n < 0) {
		MD_INC(s, MM_RTCP_DROP);
		return;
	}
	mpath_rtcp_send(s, l, buf, (size_t)n, sizeof(buf));
}

static void mpath_web_srtp(struct msess *s, uint8_t *p, size_t len,
			   size_t cap, bool rtcp)
{
	struct mleg *w = &s->web;
	enum srtpx_verdict v;

	if (!w->srtp) {
		MD_INC(s, MM_DROP_BAD);
		return;
	}
	v = rtcp ? srtpx_unprotect_rtcp(w->srtp, p, &len)
		 : srtpx_unprotect_rtp(w->srtp, p, &len);
	if (v != SRTPX_OK) {
		MD_INC(s, v == SRTPX_AUTH_FAIL ? MM_SRTP_AUTH :
			  v == SRTPX_REPLAY ? MM_SRTP_REPLAY : MM_SRTP_OTHER);
		return;
	}
	w->last_rx_us = (uint64_t)clock_wall_us();
	if (mvpath_web_in(s, p, len, cap, rtcp))
		return;		/* BUNDLE: the video m= section's */
	if (rtcp)
		mpath_rtcp_in(s, w, p, len, cap);
	else
		mpath_forward(s, w, p, len, cap);
}

static void mpath_web_in(struct msess *s, uint8_t *p, size_t n, size_t cap,
			 const struct sockaddr_storage *from, socklen_t fl)
{
	struct mleg *w = &s->web;
	enum rtp_demux d = rtp_demux_classify(p, n);

	if (d == RTP_DEMUX_STUN) {
		mpath_stun(s, p, n, from, fl);
		return;
	}
	/* Everything else only from the address ICE has verified. */
	if (!w->latched || !mpath_same(from, fl, &w->peer, w->peerlen)) {
		MD_INC(s, MM_DROP_SOURCE);
		return;
	}
	mpath_web_media(s, p, n, cap, d);
}

void mpath_web_media(struct msess *s, uint8_t *p, size_t n, size_t cap,
		     enum rtp_demux d)
{
	struct mleg *w = &s->web;

	w->rx++;
	if (d == RTP_DEMUX_DTLS && w->dtls) {
		if (dtls_conn_state(w->dtls) == DTLS_STATE_NEW)
			dtls_conn_start(w->dtls, (uint64_t)clock_wall_us());
		dtls_conn_input(w->dtls, p, n);
		mpath_dtls_flush(w);
		mpath_dtls_state(s);
	} else if (d == RTP_DEMUX_RTP || d == RTP_DEMUX_RTCP) {
		mpath_web_srtp(s, p, n, cap, d == RTP_DEMUX_RTCP);
	} else {
		MD_INC(s, MM_DROP_BAD);
	}
}

void mpath_web_up(struct msess *s)
{
	struct mleg *l = &s->web;

	if (l->dtls && dtls_conn_state(l->dtls) == DTLS_STATE_NEW) {
		dtls_conn_start(l->dtls, (uint64_t)clock_wall_us());
		mpath_dtls_flush(l);
	}
}

/* Whether two addresses share a host (ports aside). */
static bool mpath_same_host(const struct sockaddr_storage *a,
			    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr));
}

/* On the SIP leg's odd port: RTCP only from the host its RTP comes from
 * (or the SDP named, c= or a=rtcp); the last source is where ours goes. */
static void mpath_sip_rtcp(struct msess *s, struct mleg *l, uint8_t *p,
			   size_t n, size_t cap,
			   const struct sockaddr_storage *from, socklen_t fl)
{
	if (!l->peerlen || (!mpath_same_host(from, &l->peer) &&
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
		return;
	memcpy(&l->rtcp.rpeer, from, fl);
	l->rtcp.rpeerlen = fl;
	l->rtcp.peer_mux = false;	/* what it does beats what it said */
	l->rx++;
	l->last_rx_us = (uint64_t)clock_wall_us();
	mpath_rtcp_in(s, l, p, n, cap);
}

static void mpath_sip_in(struct msock *k, uint8_t *p, size_t n, size_t cap,
			 const struct sockaddr_storage *from, socklen_t fl)
{
	struct msess *s = k->s;
	struct mleg *l = k->leg;
	bool rtcp;

	if (k->rtcp) {
		mpath_sip_rtcp(s, l, p, n, cap, from, fl);
		return;
	}
	if (l->latched && !mpath_same(from, fl, &l->peer, l->peerlen)) {
		MD_INC(s, MM_DROP_SOURCE);
		return;
	}
	rtcp = rtp_demux_classify(p, n) == RTP_DEMUX_RTCP;
	/* SDES-SRTP: only a packet that verifies counts, or latches. */
	if (l->srtp && !mpath_sip_unprotect(s, l, p, &n, rtcp))
		return;
	/* Symmetric RTP: latch the first RTP packet's source, then only it. */
	if (!l->latched) {
		memcpy(&l->peer, from, fl);
		l->peerlen = fl;
		l->latched = true;
	}
	l->rx++;
	l->last_rx_us = (uint64_t)clock_wall_us();
	/* rtcp-mux on the SIP side (RFC 5761 4): RTCP on the RTP port. */
	if (rtcp) {
		l->rtcp.peer_mux = true;
		mpath_rtcp_in(s, l, p, n, cap);
		return;
	}
	mpath_forward(s, l, p, n, cap);
}

void mpath_readable(struct msock *k, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < MPATH_BATCH; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(k->fd, buf, cap - SRTPX_TRAILER_MAX,
				     MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			return;
		metrics_inc(&k->s->md->svc.metrics, MM_PKT_IN);
		if (k->leg == &k->s->vsip)
			mvpath_sip_in(k, buf, (size_t)n, cap, &from, fl);
		else if (k->leg->kind == MLEG_WEB)
			mpath_web_in(k->s, buf, (size_t)n, cap, &from, fl);
		else
			mpath_sip_in(k, buf, (size_t)n, cap, &from, fl);
	}
}

/* What the media timeout runs from. */
static uint64_t mpath_last_rx(const struct msess *s, uint64_t now_us)
{
	const struct mleg *w = &s->web;
	uint64_t last = w->last_rx_us > s->sip.last_rx_us ? w->last_rx_us
							 : s->sip.last_rx_us;

	if (!last)
		last = s->created_us;
	/* A held call may carry no RTP at all (RFC 3264 8.4); the browser's
	 * consent checks (RFC 7675) still show it is there. */
	if (s->answered && msess_held(s))
		last = w->latched ? w->last_rx_us : now_us;
	return last;
}

static bool mpath_dtmf_busy(const struct mleg *l)
{
	return l->dtmf_tx.n || l->dtmf_tx.playing || l->dtmf_tx.gap_ms;
}

/* When due (the worker's timer heap): DTLS retransmissions and deadline;
 * DTMF we send; our RTCP reports; media timeout. */
void mpath_tick(struct msess *s, uint64_t now_us)
{
	struct mleg *w = &s->web;
	uint64_t last;
	unsigned ms = 0;

	if (s->tick_us && now_us > s->tick_us) {
		ms = (unsigned)((now_us - s->tick_us) / 1000);
		s->tick_us += (uint64_t)ms * 1000;	/* keep the remainder */
	} else if (!s->tick_us) {
		s->tick_us = now_us;
	}
	if (s->answered && mpath_dtmf_busy(&s->web))
		mpath_dtmf_tick(s, &s->web, ms);
	if (s->answered && mpath_dtmf_busy(&s->sip))
		mpath_dtmf_tick(s, &s->sip, ms);

	if (s->answered) {
		mpath_rtcp_tick(s, &s->web, now_us);
		mpath_rtcp_tick(s, &s->sip, now_us);
	}

	if (w->dtls && !w->dtls_reported) {
		if (dtls_conn_timeout_us(w->dtls) == 0)
			dtls_conn_handle_timeout(w->dtls);
		mpath_dtls_flush(w);
		dtls_conn_expired(w->dtls, now_us);	/* fails it at 10 s */
		mpath_dtls_state(s);
	}
	last = mpath_last_rx(s, now_us);
	if (!s->timed_out &&
	    now_us - last > (uint64_t)s->md->cfg.media_timeout_s * 1000000) {
		s->timed_out = true;
		MD_INC(s, MM_TIMEOUTS);
		msess_event(s, "media_timeout", NULL);
	}
}

/* The earliest of: the next 10 ms step while DTLS or DTMF is under way,
 * our next RTCP report, the media timeout; and no later than a second
 * from now, so that a deadline this does not know of yet (a new timer in
 * mpath_tick) is late by a second at worst, not missed. */
uint64_t mpath_next_us(const struct msess *s, uint64_t now_us)
{
	uint64_t next = now_us + MPATH_IDLE_US, t;

	if ((s->web.dtls && !s->web.dtls_reported) ||
	    (s->answered && (mpath_dtmf_busy(&s->web) ||
			     mpath_dtmf_busy(&s->sip))))
		return now_us + MPATH_STEP_US;
	if (s->answered) {
		/* 0: not scheduled yet; the tick that schedules it is due. */
		for (int i = 0; i < 2; i++) {
			t = (i ? &s->sip : &s->web)->rtcp.next_us;
			if (t < next)
				next = t;
		}
	}
	if (!s->timed_out) {
		t = mpath_last_rx(s, now_us) +
		    (uint64_t)s->md->cfg.media_timeout_s * 1000000 + 1;
		if (t < next)
			next = t;
	}
	return next > now_us ? next : now_us + MPATH_STEP_US;
}
