/* rtp: the RTP/RTCP pieces of mediad's packet path, as pure functions over
 * caller-owned buffers and structs: no allocation, no locks, no clocks (the
 * caller passes "now").  A struct belongs to the worker thread that owns
 * its session.
 *
 * - RTP header validation and field access (RFC 3550 5.1, 5.3.1);
 * - first-byte demultiplexing of one UDP 5-tuple (RFC 7983) and RTP/RTCP
 *   separation under rtcp-mux (RFC 5761 4);
 * - a rewriter that gives one output leg a fixed SSRC with continuous
 *   sequence numbers and timestamps across input SSRC changes, and maps
 *   payload type numbers;
 * - RTCP compound parsing (RFC 3550 6, RFC 4585 6, RFC 5104 4), SSRC
 *   rewriting inside RTCP, and building our own SR, RR and SDES;
 * - receiver statistics for report blocks (RFC 3550 A.1, A.3, A.8).
 *
 * Functions that can fail return a negative -RTP_ERR_* (so that a counter
 * per drop reason is one array index away); rtp_strerror names them.
 * Structs are public only so that callers can own them: treat their
 * fields as private unless a comment says otherwise.
 */
#ifndef RTCGATE_RTP_H
#define RTCGATE_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtp_err {
	RTP_ERR_SHORT = 1,	/* shorter than a fixed header */
	RTP_ERR_VERSION,	/* version field is not 2 */
	RTP_ERR_CSRC,		/* CSRC list runs past the end */
	RTP_ERR_EXT,		/* header extension runs past the end */
	RTP_ERR_PADDING,	/* padding count 0 or beyond the payload */
	RTP_ERR_PT,		/* payload type not mapped on this leg */
	RTP_ERR_STALE,		/* late packet from before a source change */
	RTP_ERR_RTCP_LEN,	/* RTCP length field past the end */
	RTP_ERR_RTCP_TYPE,	/* not an RTCP packet type (192-223) */
	RTP_ERR_RTCP_BODY,	/* RTCP contents run past their packet */
	RTP_ERR_NOSPACE,	/* output buffer too small */
	RTP_ERR_ARG,		/* bad argument */
	RTP_ERR__COUNT
};

/* "short packet" etc. for logs; takes err or -err. */
const char *rtp_strerror(int err);

enum {
	RTP_HDR_MIN = 12,	/* fixed header, RFC 3550 5.1 */
	RTP_PT_NONE = 0xFF,	/* rewriter: payload type not mapped */
	RTCP_SR = 200,		/* RTCP packet types, RFC 3550 12.1 */
	RTCP_RR = 201,
	RTCP_SDES = 202,
	RTCP_BYE = 203,
	RTCP_APP = 204,
	RTCP_RTPFB = 205,	/* RFC 4585 6.1 */
	RTCP_PSFB = 206,
	RTCP_XR = 207,		/* RFC 3611 */
	RTCP_MAX_BLOCKS = 31,	/* 5-bit count field */
};

/* ---- RTP header ---- */

/* Layout of a validated packet.  Payload is p[hdr_len, hdr_len +
 * payload_len); padding, if any, follows it. */
struct rtp_hdr {
	size_t hdr_len;		/* fixed + CSRCs + extension */
	size_t payload_len;	/* without padding */
	size_t ext_off;		/* extension data offset, 0 if none */
	size_t ext_len;		/* extension data bytes (after its header) */
	uint16_t ext_profile;	/* 0xBEDE one-byte, 0x100x two-byte ... */
	uint8_t cc;		/* CSRC count */
	uint8_t pad_len;
};

/* Validate p[0, len) as RTP: returns the header length (>= 12) and fills
 * *h, or -RTP_ERR_*.  Padding-only packets (empty payload) are accepted:
 * WebRTC senders use them as bandwidth probes. */
int rtp_parse(const uint8_t *p, size_t len, struct rtp_hdr *h);

/* Big-endian field access.  The rtp_seq() etc. below need a packet that
 * rtp_parse() accepted, or at least RTP_HDR_MIN bytes. */
static inline uint16_t rtp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rtp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void rtp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void rtp_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline bool rtp_marker(const uint8_t *p) { return p[1] & 0x80; }
static inline uint8_t rtp_pt(const uint8_t *p) { return p[1] & 0x7F; }
static inline uint16_t rtp_seq(const uint8_t *p) { return rtp_rd16(p + 2); }
static inline uint32_t rtp_ts(const uint8_t *p) { return rtp_rd32(p + 4); }
static inline uint32_t rtp_ssrc(const uint8_t *p) { return rtp_rd32(p + 8); }

/* ---- demultiplexing one 5-tuple ---- */

enum rtp_demux {
	RTP_DEMUX_DROP,		/* anything else (ZRTP, QUIC, empty ...) */
	RTP_DEMUX_STUN,		/* first byte 0-3 */
	RTP_DEMUX_DTLS,		/* 20-63 */
	RTP_DEMUX_TURN,		/* 64-79: TURN channel data */
	RTP_DEMUX_RTP,		/* 128-191, second byte not 192-223 */
	RTP_DEMUX_RTCP,		/* 128-191, second byte 192-223 */
};

/* RFC 7983 5 (first byte), then RFC 5761 4 (second byte: RTCP packet
 * types 192-223 never clash with RTP payload types 0-63 and 96-127, with
 * or without the marker bit). */
enum rtp_demux rtp_demux_classify(const uint8_t *p, size_t len);

/* ---- rewriting one output leg ---- */

struct rtp_rewrite_cfg {
	uint32_t ssrc;		/* our SSRC on the output leg */
	uint16_t seq;		/* first sequence number out (random, */
	uint32_t ts;		/* first timestamp out     RFC 3550 5.1) */
	uint32_t ts_step;	/* frame duration in clock ticks (160 for
				   20 ms at 8 kHz) until one is learnt */
	bool mark_on_switch;	/* set M on the first packet of a new input
				   source: for audio it starts a talkspurt
				   (RFC 3551 4.1), so jitter buffers resync;
				   leave false for video (M ends a frame) */
};

struct rtp_rewrite {
	uint8_t pt_map[128];	/* input PT -> output PT or RTP_PT_NONE */
	uint32_t out_ssrc;
	uint32_t cfg_step, step;
	bool mark_on_switch;
	bool have_src, have_prev;
	uint32_t in_ssrc;	/* current input source */
	uint16_t seq_off;	/* out = in + offset, per source */
	uint32_t ts_off;
	uint16_t in_first, in_max;	/* input seq: first seen, highest */
	uint32_t in_max_ts;
	uint32_t in_count;	/* packets from this source, saturating */
	uint32_t prev_ssrc;	/* the source before the current one */
	uint16_t prev_max;
	uint16_t out_max;	/* highest seq sent, and its timestamp */
	uint32_t out_max_ts;
	uint32_t switches;	/* readable: input source changes seen */
	uint32_t leaps;		/* readable: sequence leaps of one source
				   (> 3000 ahead, > 100 back) made into new
				   runs, so that no output jump reaches an
				   SRTP receiver's rollover guess */
};

/* All payload types start unmapped (dropped): map what was negotiated. */
void rtp_rewrite_init(struct rtp_rewrite *rw, const struct rtp_rewrite_cfg *c);
/* Map in_pt (0-127) to out_pt, or to RTP_PT_NONE to drop it.  Output PTs
 * 64-95 are refused: with the marker bit they read as RTCP under
 * rtcp-mux (RFC 5761 4). */
int rtp_rewrite_map_pt(struct rtp_rewrite *rw, uint8_t in_pt, uint8_t out_pt);
/* Rewrite SSRC, sequence number, timestamp and payload type of a packet
 * that rtp_parse() accepted, in place.  The output never jumps: a new
 * input source, or a leap in the current one's sequence numbers, goes on
 * one sequence number and one frame after the newest packet sent.
 * Returns 0, or -RTP_ERR_PT (unmapped) or -RTP_ERR_STALE (a late packet
 * that would break the output order): drop those. */
int rtp_rewrite_apply(struct rtp_rewrite *rw, uint8_t *pkt, size_t len);
/* The next input packet starts a new run as if from a new source: it
 * continues one sequence number and one frame after the last packet sent
 * (marked, when so configured).  For a pause the receiver must not read as
 * loss, e.g. a resume after a hold. */
void rtp_rewrite_resync(struct rtp_rewrite *rw);
/* A packet of our own in the output stream (a telephone-event we send):
 * returns its sequence number, the next one, and moves later relayed
 * packets up by one so that none is reused.  *ts gets the timestamp of
 * the newest packet sent. */
uint16_t rtp_rewrite_insert(struct rtp_rewrite *rw, uint32_t *ts);

/* ---- RTCP ---- */

/* Feedback message kinds (RTPFB/PSFB FMT, and REMB inside AFB). */
enum rtp_fb {
	RTP_FB_NONE,		/* not a feedback packet */
	RTP_FB_NACK,		/* RTPFB 1, RFC 4585 6.2.1 */
	RTP_FB_TMMBR,		/* RTPFB 3, RFC 5104 4.2.1 */
	RTP_FB_TMMBN,		/* RTPFB 4, RFC 5104 4.2.2 */
	RTP_FB_TWCC,		/* RTPFB 15, transport-cc (draft-holmer) */
	RTP_FB_PLI,		/* PSFB 1, RFC 4585 6.3.1 */
	RTP_FB_FIR,		/* PSFB 4, RFC 5104 4.3.1 */
	RTP_FB_REMB,		/* PSFB 15 "REMB" (draft-alvestrand) */
	RTP_FB_OTHER,		/* any other FMT (SLI, RPSI, other AFB) */
};

/* One packet of a compound, as returned by rtp_rtcp_next(). */
struct rtp_rtcp_pkt {
	const uint8_t *p;	/* its first byte (common header) */
	size_t len;		/* bytes including header, excluding padding */
	uint8_t pt;		/* RTCP_SR ... */
	uint8_t count;		/* RC, SC or FMT: low 5 bits of byte 0 */
	enum rtp_fb fb;
	uint32_t ssrc;		/* sender / first chunk / first BYE, or 0 */
	uint32_t media_ssrc;	/* feedback: media source, else 0 */
};

/* Iterate a compound packet: *off starts at 0.  Returns 1 with *k filled,
 * 0 at the end, or -RTP_ERR_* for a broken packet, after which iteration
 * must stop.  Each packet is checked against its own length: report
 * blocks, SDES chunks and items, BYE lists and feedback FCI.  A compound
 * need not start with SR/RR (reduced-size RTCP, RFC 5506). */
int rtp_rtcp_next(const uint8_t *buf, size_t len, size_t *off,
		  struct rtp_rtcp_pkt *k);
/* Check a whole compound: number of packets (>= 1), or -RTP_ERR_*. */
int rtp_rtcp_validate(const uint8_t *buf, size_t len);

/* Report block, RFC 3550 6.4.1. */
struct rtp_report {
	uint32_t ssrc;		/* the source reported on */
	uint8_t fraction;	/* lost since last report, fixed point /256 */
	int32_t lost;		/* cumulative, 24-bit signed */
	uint32_t ext_max_seq;	/* cycles << 16 | highest seq */
	uint32_t jitter;	/* interarrival jitter, clock ticks */
	uint32_t lsr;		/* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;		/* delay since that SR, 1/65536 s */
};

/* SR sender info, RFC 3550 6.4.1. */
struct rtp_sender_info {
	uint64_t ntp;		/* 32.32 fixed point, seconds since 1900 */
	uint32_t rtp_ts;	/* the same instant in RTP clock ticks */
	uint32_t packets;	/* sent since starting (or SSRC change) */
	uint32_t octets;	/* payload octets sent */
};

/* Items in a packet: report blocks (SR/RR), chunks (SDES), SSRCs (BYE,
 * REMB), NACK pairs, FIR or TMMBR/TMMBN entries; 0 for others. */
unsigned rtp_rtcp_items(const struct rtp_rtcp_pkt *k);
/* The SSRC that item i is about (not for NACK, whose items are seqs). */
int rtp_rtcp_item_ssrc(const struct rtp_rtcp_pkt *k, unsigned i,
		       uint32_t *ssrc);
int rtp_rtcp_sender_info(const struct rtp_rtcp_pkt *k,
			 struct rtp_sender_info *si);
int rtp_rtcp_report_block(const struct rtp_rtcp_pkt *k, unsigned i,
			  struct rtp_report *rb);
/* NACK item i: lost packet id and bitmask of the 16 following. */
int rtp_rtcp_nack(const struct rtp_rtcp_pkt *k, unsigned i, uint16_t *pid,
		  uint16_t *blp);
/* REMB: the estimated bitrate in bits/s (mantissa << exponent). */
int rtp_rtcp_remb(const struct rtp_rtcp_pkt *k, uint64_t *bps);

struct rtp_ssrc_map {
	uint32_t from, to;
};

/* Replace every SSRC found in map[].from by its .to, everywhere a known
 * RTCP packet carries one: SR/RR sender and report blocks, SDES chunks,
 * BYE, APP, feedback sender and media source, FIR/TMMBR/TMMBN entries and
 * REMB lists.  The compound is validated first and left untouched when
 * broken.  Returns the number of fields rewritten, or -RTP_ERR_*. */
int rtp_rtcp_map_ssrcs(uint8_t *buf, size_t len,
		       const struct rtp_ssrc_map *map, size_t nmap);

/* Build packets into buf (cap bytes), to be sent as one compound (SR or
 * RR first, then SDES, RFC 3550 6.1).  Each returns the bytes written, or
 * -RTP_ERR_NOSPACE / -RTP_ERR_ARG (more than 31 blocks, CNAME > 255). */
int rtp_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct rtp_sender_info *si,
		      const struct rtp_report *rb, unsigned nrb);
int rtp_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct rtp_report *rb, unsigned nrb);
int rtp_rtcp_build_sdes(uint8_t *buf, size_t cap, uint32_t ssrc,
			const char *cname);

/* NTP time (RFC 3550 4) from microseconds since the Unix epoch. */
uint64_t rtp_ntp_from_unix_us(uint64_t us);

/* ---- receiver statistics for one source ---- */

struct rtp_rxstats {
	uint32_t ssrc, clock_rate;
	bool started;
	uint32_t probation;	/* sequential packets still needed */
	uint16_t max_seq;
	uint32_t cycles;	/* wraps << 16 */
	uint32_t base_seq, bad_seq;
	uint32_t received;	/* readable: packets counted */
	uint32_t expected_prior, received_prior;
	bool have_transit;
	uint32_t transit;
	uint32_t jitter;	/* times 16, RFC 3550 A.8 */
	bool have_sr;
	uint32_t lsr;
	uint64_t sr_at_us;
};

void rtp_rxstats_init(struct rtp_rxstats *s, uint32_t ssrc,
		      uint32_t clock_rate);
/* Account for one RTP packet of this source that arrived at now_us (any
 * monotonic microsecond clock).  Returns 1 if counted, 0 while the source
 * is on probation or for a stray sequence jump (RFC 3550 A.1); a caller
 * may drop those. */
int rtp_rxstats_update(struct rtp_rxstats *s, uint16_t seq, uint32_t ts,
		       uint64_t now_us);
/* Note an SR from this source (its NTP time), for LSR and DLSR. */
void rtp_rxstats_sr(struct rtp_rxstats *s, uint64_t ntp, uint64_t now_us);
/* Fill a report block (RFC 3550 A.3) and start the next interval for the
 * fraction lost.  Returns 1, or 0 with nothing to report (no valid source
 * yet). */
int rtp_rxstats_report(struct rtp_rxstats *s, uint64_t now_us,
		       struct rtp_report *rb);

#endif
