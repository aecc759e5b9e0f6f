/* mrtcp: RTCP on one leg: relay rewriting, our own SR/RR + SDES, and
 * received reports consumed (see mrtcp.h). */
#include "mrtcp.h"
#include "sdp.h"

#include <arpa/inet.h>
#include <string.h>

enum {
	SR_INFO_OFF = 8,	/* sender info after header + SSRC */
	SR_RTPTS_OFF = 16,	/* RTP time inside an SR */
	SR_BLOCKS_OFF = 28,	/* report blocks: SR */
	RR_BLOCKS_OFF = 8,	/*                RR */
	RB_LEN = 24,
	RB_SEQ_OFF = 8,		/* extended highest seq inside a block */
};

void mrtcp_rx_rtp(struct mrtcp *r, const uint8_t *pkt, uint32_t clock,
		  uint64_t now_us)
{
	/* A new source restarts the statistics (RFC 3550 A.1: per SSRC). */
	if (!r->rx_on || r->rx.ssrc != rtp_ssrc(pkt)) {
		rtp_rxstats_init(&r->rx, rtp_ssrc(pkt), clock ? clock : 8000);
		r->rx_on = true;
	}
	rtp_rxstats_update(&r->rx, rtp_seq(pkt), rtp_ts(pkt), now_us);
}

void mrtcp_tx_rtp(struct mrtcp *r, const uint8_t *pkt, size_t len,
		  uint64_t now_us)
{
	struct rtp_hdr h;

	if (rtp_parse(pkt, len, &h) < 0)
		return;
	r->packets++;
	r->octets += (uint32_t)h.payload_len;
	r->last_ts = rtp_ts(pkt);
	r->last_ts_us = now_us;
	r->sent_any = true;
}

int mrtcp_consume(struct mrtcp *r, const uint8_t *buf, size_t len,
		  uint64_t now_us)
{
	struct rtp_rtcp_pkt k;
	struct rtp_sender_info si;
	size_t off = 0;
	int n = rtp_rtcp_validate(buf, len);

	if (n < 0)
		return n;
	while (rtp_rtcp_next(buf, len, &off, &k) > 0) {
		/* Only the source we report on: its SR is what the peer
		 * will look up by LSR (RFC 3550 6.4.1). */
		if (k.pt == RTCP_SR && r->rx_on && k.ssrc == r->rx.ssrc &&
		    !rtp_rtcp_sender_info(&k, &si))
			rtp_rxstats_sr(&r->rx, si.ntp, now_us);
	}
	r->peer_rtcp_us = now_us;
	r->rx_pkts++;
	return n;
}

int mrtcp_loss_about(const uint8_t *buf, size_t len, uint32_t ssrc)
{
	struct rtp_rtcp_pkt k;
	struct rtp_report rb;
	size_t off = 0;
	int f = -1;

	while (rtp_rtcp_next(buf, len, &off, &k) > 0) {
		if (k.pt != RTCP_SR && k.pt != RTCP_RR)
			continue;
		for (unsigned i = 0; i < rtp_rtcp_items(&k); i++)
			if (!rtp_rtcp_report_block(&k, i, &rb) &&
			    rb.ssrc == ssrc)
				f = rb.fraction;
	}
	return f;
}

static void add_sender(uint32_t *s, size_t *n, uint32_t ssrc)
{
	for (size_t i = 0; i < *n; i++)
		if (s[i] == ssrc)
			return;
	if (*n < MRTCP_MAX_SENDERS)
		s[(*n)++] = ssrc;
}

/* Report blocks about our SSRC on the input leg carry our rewritten
 * sequence numbers: move them back to the output peer's own. */
static void relay_blocks(uint8_t *p, const struct rtp_rtcp_pkt *k,
			 const struct mrtcp_xlate *x)
{
	size_t at = k->pt == RTCP_SR ? SR_BLOCKS_OFF : RR_BLOCKS_OFF;

	for (unsigned i = 0; i < k->count; i++, at += RB_LEN) {
		uint8_t *b = p + at;
		uint32_t ext;

		if (at + RB_LEN > k->len)
			return;	/* validated; never trust it */
		if (!x->have_peer || rtp_rd32(b) != x->in_ssrc)
			continue;
		ext = rtp_rd32(b + RB_SEQ_OFF);
		ext = (ext & 0xFFFF0000u) |
		      (uint16_t)((uint16_t)ext - x->seq_off);
		rtp_wr32(b + RB_SEQ_OFF, ext);
	}
}

int mrtcp_relay(uint8_t *buf, size_t len, const struct mrtcp_xlate *x)
{
	struct rtp_ssrc_map map[MRTCP_MAX_SENDERS + 1];
	uint32_t senders[MRTCP_MAX_SENDERS];
	struct rtp_rtcp_pkt k;
	size_t off = 0, ns = 0, nm = 0;
	int rc = rtp_rtcp_validate(buf, len);

	if (rc < 0)
		return rc;
	while (rtp_rtcp_next(buf, len, &off, &k) > 0) {
		uint8_t *p = buf + (k.p - buf);

		if (k.ssrc && k.ssrc != x->in_ssrc)
			add_sender(senders, &ns, k.ssrc);
		if (k.pt == RTCP_SR && x->have_src && k.ssrc == x->src_ssrc)
			rtp_wr32(p + SR_RTPTS_OFF,
				 rtp_rd32(p + SR_RTPTS_OFF) + x->ts_off);
		if (k.pt == RTCP_SR || k.pt == RTCP_RR)
			relay_blocks(p, &k, x);
	}
	/* Our SSRC on the input leg first: a sender that happens to use
	 * the same number is not one (the peer would see a collision). */
	if (x->have_peer)
		map[nm++] = (struct rtp_ssrc_map){ x->in_ssrc, x->peer_ssrc };
	for (size_t i = 0; i < ns; i++)
		map[nm++] = (struct rtp_ssrc_map){ senders[i], x->out_ssrc };
	return rtp_rtcp_map_ssrcs(buf, len, map, nm);
}

bool mrtcp_due(struct mrtcp *r, uint64_t now_us)
{
	if (!r->next_us) {
		r->next_us = now_us + MRTCP_INTERVAL_US;
		return false;
	}
	return now_us >= r->next_us;
}

int mrtcp_build(struct mrtcp *r, uint8_t *buf, size_t cap, uint32_t ssrc,
		const char *cname, uint32_t clock, uint64_t wall_us,
		uint64_t now_us)
{
	struct rtp_report rb;
	struct rtp_sender_info si;
	unsigned nrb = r->rx_on && rtp_rxstats_report(&r->rx, now_us, &rb);
	int n, m;

	if (!clock)
		clock = 8000;
	if (r->sent_any) {
		/* The RTP time of "now" on our stream: the last packet's,
		 * moved on by the time since it left (RFC 3550 6.4.1). */
		uint64_t el = now_us > r->last_ts_us ? now_us - r->last_ts_us
						     : 0;
		si.ntp = rtp_ntp_from_unix_us(wall_us);
		si.rtp_ts = r->last_ts + (uint32_t)(el * clock / 1000000u);
		si.packets = r->packets;
		si.octets = r->octets;
		n = rtp_rtcp_build_sr(buf, cap, ssrc, &si, &rb, nrb);
	} else {
		n = rtp_rtcp_build_rr(buf, cap, ssrc, &rb, nrb);
	}
	if (n < 0)
		return n;
	m = rtp_rtcp_build_sdes(buf + n, cap - (size_t)n, ssrc, cname);
	if (m < 0)
		return m;
	r->next_us = now_us + MRTCP_INTERVAL_US;
	r->tx_pkts++;
	return n + m;
}

/* ---- the SIP side's SDP and our BYE ---- */

void mrtcp_sdp_read(struct mrtcp *r, const struct sdp_media *m, bool again)
{
	struct in_addr a;

	r->sdp_mux = m->rtcp_mux;
	if (again)
		r->peer_mux = m->rtcp_mux;
	else if (m->rtcp_mux)
		r->peer_mux = true;
	r->sdp_port = m->rtcp_port;
	/* 0.0.0.0 names no host (RFC 3605 allows it as "not yet"). */
	r->sdp_has_addr = m->rtcp_port && m->rtcp_conn.af == SDP_AF_IP4 &&
			  inet_pton(AF_INET, m->rtcp_conn.addr, &a) == 1 &&
			  a.s_addr != htonl(INADDR_ANY);
	r->sdp_addr = r->sdp_has_addr ? a : (struct in_addr){ 0 };
}

bool mrtcp_sip_dest(const struct mrtcp *r, const struct sockaddr_storage *rtp,
		    socklen_t rl, struct sockaddr_storage *to, socklen_t *tl)
{
	struct sockaddr_in *a = (struct sockaddr_in *)to;

	if (r->peer_mux)
		return false;
	if (r->rpeerlen) {	/* latched: its RTCP's source wins */
		*to = r->rpeer;
		*tl = r->rpeerlen;
		return true;
	}
	*to = *rtp;
	*tl = rl;
	if (to->ss_family != AF_INET) {	/* mneg keeps IPv4 peers only */
		struct sockaddr_in6 *b = (struct sockaddr_in6 *)to;
		b->sin6_port = htons((uint16_t)(ntohs(b->sin6_port) + 1));
		return true;
	}
	if (r->sdp_has_addr)
		a->sin_addr = r->sdp_addr;
	a->sin_port = htons(r->sdp_port ? r->sdp_port
					: (uint16_t)(ntohs(a->sin_port) + 1));
	return true;
}

bool mrtcp_sdp_host(const struct mrtcp *r,
		    const struct sockaddr_storage *from)
{
	return r->sdp_has_addr && from->ss_family == AF_INET &&
	       ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
		       r->sdp_addr.s_addr;
}

bool mrtcp_active(const struct mrtcp *r)
{
	return r->sent_any || r->rx_on || r->rx_pkts || r->tx_pkts;
}

int mrtcp_build_bye(struct mrtcp *r, uint8_t *buf, size_t cap,
		    const uint32_t *ssrcs, size_t n, const char *cname,
		    uint32_t clock, uint64_t wall_us, uint64_t now_us)
{
	size_t len = 4 + 4 * n;
	int m;

	if (!n || n > MRTCP_BYE_MAX)
		return -RTP_ERR_ARG;
	/* A compound starts with a report (RFC 3550 6.1), BYE last. */
	m = mrtcp_build(r, buf, cap, ssrcs[0], cname, clock, wall_us, now_us);
	if (m < 0)
		return m;
	if ((size_t)m + len > cap)
		return -RTP_ERR_NOSPACE;
	buf += m;
	buf[0] = (uint8_t)(0x80 | n);
	buf[1] = RTCP_BYE;
	rtp_wr16(buf + 2, (uint16_t)(len / 4 - 1));
	for (size_t i = 0; i < n; i++)
		rtp_wr32(buf + 4 + 4 * i, ssrcs[i]);
	return m + (int)len;
}
