/* mrtcp: RTCP on one leg of a media session (RFC 3550 6), over rtp.c's
 * parser and builders.  Pure functions over caller-owned state: no
 * allocation, no locks, no clocks (the caller passes "now", a monotonic
 * microsecond clock, and the wall clock for NTP times).
 *
 * - relay: an RTCP compound from one leg is rewritten for the other with
 *   the RTP rewriter's mapping (senders become our SSRC on the output
 *   leg, report blocks about our SSRC on the input leg become reports on
 *   the output peer's own SSRC, SR RTP times and extended sequence
 *   numbers moved by the rewriter's offsets);
 * - our own reports: the leg counts what we send on it and what we
 *   receive from it, and builds SR (or RR) + report block + SDES CNAME
 *   every MRTCP_INTERVAL_US (RFC 3550 6.1, compound);
 * - received SR/RR are consumed: an SR's NTP time becomes the LSR of our
 *   next report block, and the time since it the DLSR. */
#ifndef RTCGATE_MRTCP_H
#define RTCGATE_MRTCP_H

#include "rtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

enum {
	MRTCP_INTERVAL_US = 5000000,	/* our reports: every 5 s */
	/* A peer silent on RTCP for this long gets reports from us (relay
	 * forwards the other peer's while it sends them). */
	MRTCP_PEER_QUIET_US = 12000000,
	MRTCP_MAX = 1500,		/* one compound, before SRTCP */
	MRTCP_CNAME_MAX = 64,
	MRTCP_MAX_SENDERS = 8,		/* senders mapped per compound */
	MRTCP_BYE_MAX = 4,		/* SSRCs in our BYE */
};

struct mrtcp {
	struct rtp_rxstats rx;		/* RTP arriving on this leg */
	bool rx_on;
	bool sent_any;			/* SR only once we have sent */
	uint32_t packets, octets;	/* RTP we sent on this leg */
	uint32_t last_ts;		/* RTP time of the last one ... */
	uint64_t last_ts_us;		/* ... and when it left */
	uint64_t next_us;		/* our next report; 0: not scheduled */
	uint64_t peer_rtcp_us;		/* last valid RTCP from the peer */
	bool peer_mux;			/* SIP: its RTCP on the RTP port */
	struct sockaddr_storage rpeer;	/* SIP: where its RTCP comes from */
	socklen_t rpeerlen;
	/* SIP: what its SDP said (mrtcp_sdp_read), until its RTCP arrives */
	bool sdp_mux;			/* a=rtcp-mux (RFC 5761) */
	uint16_t sdp_port;		/* a=rtcp port (RFC 3605); 0: RTP+1 */
	bool sdp_has_addr;		/* ... with an address of its own */
	struct in_addr sdp_addr;
	uint64_t rx_pkts, tx_pkts;	/* readable: RTCP compounds in/out */
};

/* What rewriting one compound for the output leg needs, from the two
 * legs' rewriters (rtp_rewrite: out = in + offset). */
struct mrtcp_xlate {
	uint32_t out_ssrc;	/* ours on the output leg */
	bool have_src;		/* the output rewriter has a source */
	uint32_t src_ssrc;	/* ... this one (the input peer's RTP SSRC) */
	uint32_t ts_off;	/* ... and its timestamp offset */
	uint32_t in_ssrc;	/* ours on the input leg */
	bool have_peer;		/* the input rewriter has a source */
	uint32_t peer_ssrc;	/* ... the output peer's RTP SSRC */
	uint16_t seq_off;	/* ... and its sequence offset */
};

/* An RTP packet (already rtp_parse()d) arrived from the leg's peer. */
void mrtcp_rx_rtp(struct mrtcp *r, const uint8_t *pkt, uint32_t clock,
		  uint64_t now_us);
/* An RTP packet of hdr_len + payload bytes left on this leg. */
void mrtcp_tx_rtp(struct mrtcp *r, const uint8_t *pkt, size_t len,
		  uint64_t now_us);
/* A compound from the leg's peer: validated, SRs noted for LSR/DLSR.
 * Returns the number of packets in it, or -RTP_ERR_* (drop it). */
int mrtcp_consume(struct mrtcp *r, const uint8_t *buf, size_t len,
		  uint64_t now_us);
/* The fraction lost (0-255, /256) of the last report block about ssrc
 * in a compound (SR or RR), or -1 when none is about it: how much of
 * what we send the peer lost (the transcoder's FEC follows it). */
int mrtcp_loss_about(const uint8_t *buf, size_t len, uint32_t ssrc);
/* Rewrite a compound in place for the output leg (see above).  Returns
 * the number of SSRC fields rewritten, or -RTP_ERR_* with buf untouched. */
int mrtcp_relay(uint8_t *buf, size_t len, const struct mrtcp_xlate *x);
/* Whether a report of ours is due on this leg at now_us; schedules the
 * first one an interval after the first call. */
bool mrtcp_due(struct mrtcp *r, uint64_t now_us);
/* Build our compound for the leg: SR (once we have sent RTP; else RR)
 * with a report block on what we receive, then SDES CNAME.  Returns the
 * bytes written, or -RTP_ERR_*; schedules the next one. */
int mrtcp_build(struct mrtcp *r, uint8_t *buf, size_t cap, uint32_t ssrc,
		const char *cname, uint32_t clock, uint64_t wall_us,
		uint64_t now_us);


/* The SIP side's m= section (offer or answer): a=rtcp-mux and a=rtcp
 * [IN IP4 addr] say where its RTCP goes before any has arrived.  A
 * re-offer (again) replaces what an earlier one said; in the first
 * exchange rtcp-mux seen on the wire stays. */
struct sdp_media;
void mrtcp_sdp_read(struct mrtcp *r, const struct sdp_media *m, bool again);
/* Where our RTCP toward a SIP peer whose RTP goes to rtp (IPv4) goes:
 * false when on the RTP port itself (rtcp-mux, said or seen); else *to
 * is its RTCP source once it has sent some, or the a=rtcp port (and
 * address), or the RTP port + 1 (RFC 3550 11). */
bool mrtcp_sip_dest(const struct mrtcp *r, const struct sockaddr_storage *rtp,
		    socklen_t rl, struct sockaddr_storage *to, socklen_t *tl);
/* Whether from is the host the SIP side's a=rtcp named (its RTCP may
 * come from there rather than from its RTP host). */
bool mrtcp_sdp_host(const struct mrtcp *r,
		    const struct sockaddr_storage *from);
/* Whether RTCP ran on this leg: RTP or RTCP either way. */
bool mrtcp_active(const struct mrtcp *r);
/* Our last compound on the leg (RFC 3550 6.6): the report mrtcp_build
 * makes, then BYE for ssrcs[0..n) (n at most MRTCP_BYE_MAX).  Returns
 * the bytes written, or -RTP_ERR_*. */
int mrtcp_build_bye(struct mrtcp *r, uint8_t *buf, size_t cap,
		    const uint32_t *ssrcs, size_t n, const char *cname,
		    uint32_t clock, uint64_t wall_us, uint64_t now_us);

#endif
