/* rtp: RTP/RTCP parsing, rewriting, demultiplexing and statistics for
 * mediad's packet path.  See rtp.h. */
#include "rtp.h"

#include <string.h>

enum {
	RTP_VERSION = 2,
	SEQ_MOD = 1 << 16,
	MAX_DROPOUT = 3000,	/* RFC 3550 A.1 */
	MAX_MISORDER = 100,	/* RFC 3550 A.1 */
	MIN_SEQUENTIAL = 2,	/* RFC 3550 A.1 */
	/* Packets after a source change during which late packets of the
	 * old source, or of the new one from before its first, are refused
	 * as stale.  Later on, sequence numbers have moved on so far that
	 * such a packet is a restart rather than a latecomer. */
	REWRITE_GUARD = 512,
	/* A learnt frame duration above this many configured ones is a
	 * silence (DTX) gap, not a frame. */
	STEP_FACTOR = 8,
	RTCP_HDR = 4,		/* V/P/count, PT, length */
	FB_HDR = 12,		/* RTCP header, sender and media SSRC */
	REPORT_BLOCK = 24,
	SR_INFO = 20,
};

static const char *const err_names[RTP_ERR__COUNT] = {
	[0] = "ok",
	[RTP_ERR_SHORT] = "short packet",
	[RTP_ERR_VERSION] = "bad version",
	[RTP_ERR_CSRC] = "CSRC list past end",
	[RTP_ERR_EXT] = "header extension past end",
	[RTP_ERR_PADDING] = "bad padding",
	[RTP_ERR_PT] = "payload type not mapped",
	[RTP_ERR_STALE] = "stale packet",
	[RTP_ERR_RTCP_LEN] = "RTCP length past end",
	[RTP_ERR_RTCP_TYPE] = "not an RTCP type",
	[RTP_ERR_RTCP_BODY] = "RTCP body past end",
	[RTP_ERR_NOSPACE] = "buffer too small",
	[RTP_ERR_ARG] = "bad argument",
};

const char *rtp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= RTP_ERR__COUNT)
		return "unknown error";
	return err_names[err];
}

/* ---- RTP header ---- */

int rtp_parse(const uint8_t *p, size_t len, struct rtp_hdr *h)
{
	size_t off;

	if (len < RTP_HDR_MIN)
		return -RTP_ERR_SHORT;
	if (p[0] >> 6 != RTP_VERSION)
		return -RTP_ERR_VERSION;
	memset(h, 0, sizeof(*h));
	h->cc = p[0] & 0x0F;
	off = RTP_HDR_MIN + 4u * h->cc;
	if (off > len)
		return -RTP_ERR_CSRC;
	if (p[0] & 0x10) {
		/* X: one extension after the CSRCs, a 16-bit profile word and
		 * a length in 32-bit words not counting itself (RFC 3550
		 * 5.3.1). */
		if (off + 4 > len)
			return -RTP_ERR_EXT;
		h->ext_profile = rtp_rd16(p + off);
		h->ext_len = 4u * rtp_rd16(p + off + 2);
		h->ext_off = off + 4;
		off += 4 + h->ext_len;
		if (off > len)
			return -RTP_ERR_EXT;
	}
	if (p[0] & 0x20) {
		/* P: the last octet counts the padding including itself, so
		 * it is at least 1 (RFC 3550 5.1, A.1). */
		h->pad_len = p[len - 1];
		if (h->pad_len == 0 || h->pad_len > len - off)
			return -RTP_ERR_PADDING;
	}
	h->hdr_len = off;
	h->payload_len = len - off - h->pad_len;
	return (int)off;
}

/* ---- demultiplexing ---- */

enum rtp_demux rtp_demux_classify(const uint8_t *p, size_t len)
{
	uint8_t b;

	if (len == 0)
		return RTP_DEMUX_DROP;
	b = p[0];
	if (b <= 3)
		return RTP_DEMUX_STUN;
	if (b >= 20 && b <= 63)
		return RTP_DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return RTP_DEMUX_TURN;
	if (b >= 128 && b <= 191) {
		if (len < 2)
			return RTP_DEMUX_DROP;
		return p[1] >= 192 && p[1] <= 223 ? RTP_DEMUX_RTCP :
						     RTP_DEMUX_RTP;
	}
	/* 4-19 (ZRTP 16-19), 80-127 (QUIC, RFC 9443), 192-255: unused. */
	return RTP_DEMUX_DROP;
}

/* ---- rewriting ---- */

/* Serial-number order of 16-bit sequence numbers, as RFC 3550 A.1 uses
 * it: positive when a comes after b. */
static inline int seq_cmp(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b);
}

void rtp_rewrite_init(struct rtp_rewrite *rw, const struct rtp_rewrite_cfg *c)
{
	memset(rw, 0, sizeof(*rw));
	memset(rw->pt_map, RTP_PT_NONE, sizeof(rw->pt_map));
	rw->out_ssrc = c->ssrc;
	rw->cfg_step = rw->step = c->ts_step ? c->ts_step : 1;
	rw->mark_on_switch = c->mark_on_switch;
	/* As if a packet seq - 1, ts - step had been sent: the first source
	 * then starts exactly at the configured values. */
	rw->out_max = (uint16_t)(c->seq - 1);
	rw->out_max_ts = c->ts - rw->step;
}

int rtp_rewrite_map_pt(struct rtp_rewrite *rw, uint8_t in_pt, uint8_t out_pt)
{
	if (in_pt > 127)
		return -RTP_ERR_ARG;
	if (out_pt != RTP_PT_NONE && (out_pt > 127 ||
				      (out_pt >= 64 && out_pt <= 95)))
		return -RTP_ERR_ARG;
	rw->pt_map[in_pt] = out_pt;
	return 0;
}

/* A packet that cannot be placed without reusing output sequence numbers
 * already sent: from the previous source and not newer than the last it
 * sent, or from the current source and older than its first packet. */
static bool rw_stale(const struct rtp_rewrite *rw, uint32_t ssrc,
		     uint16_t seq)
{
	int d;

	if (!rw->have_src || rw->in_count >= REWRITE_GUARD)
		return false;
	if (ssrc == rw->in_ssrc) {
		d = seq_cmp(rw->in_first, seq);
		return d > 0 && d <= MAX_MISORDER;
	}
	if (rw->have_prev && ssrc == rw->prev_ssrc) {
		d = seq_cmp(rw->prev_max, seq);
		return d >= 0 && d <= MAX_MISORDER;
	}
	return false;
}

static void rw_new_source(struct rtp_rewrite *rw, uint32_t ssrc,
			  uint16_t seq, uint32_t ts)
{
	if (rw->have_src) {
		rw->prev_ssrc = rw->in_ssrc;
		rw->prev_max = rw->in_max;
		rw->have_prev = true;
		rw->switches++;
	}
	/* Continue one sequence number and one frame duration after the
	 * newest packet sent, so the receiver sees one unbroken stream. */
	rw->seq_off = (uint16_t)(rw->out_max + 1 - seq);
	rw->ts_off = rw->out_max_ts + rw->step - ts;
	rw->have_src = true;
	rw->in_ssrc = ssrc;
	rw->in_first = rw->in_max = seq;
	rw->in_max_ts = ts;
	rw->in_count = 0;
}

/* Follow the newest input packet, and learn the frame duration from two
 * consecutive ones for the gap at the next source change. */
static void rw_track(struct rtp_rewrite *rw, uint16_t seq, uint32_t ts)
{
	int d = seq_cmp(seq, rw->in_max);
	uint32_t dt = ts - rw->in_max_ts;

	if (d <= 0)
		return;
	if (d == 1 && dt > 0 &&
	    (uint64_t)dt <= (uint64_t)STEP_FACTOR * rw->cfg_step)
		rw->step = dt;
	rw->in_max = seq;
	rw->in_max_ts = ts;
}

/* A leap of the current source's sequence numbers: forward by more than
 * RFC 3550's MAX_DROPOUT, or back by more than MAX_MISORDER (a sender
 * that counted on while it was held, restarted its counter, or changed
 * its mind about numbering without changing SSRC).  Passed through, the
 * leap would reach an SRTP receiver, whose rollover guess (RFC 3711
 * 3.3.1) fails for any jump of 2^15 or more: it would then reject every
 * later packet.  Such a leap starts a new run instead, placed right
 * after the newest packet sent. */
static bool rw_leapt(const struct rtp_rewrite *rw, uint16_t seq)
{
	int d = seq_cmp(seq, rw->in_max);

	return d > MAX_DROPOUT || d < -MAX_MISORDER;
}

int rtp_rewrite_apply(struct rtp_rewrite *rw, uint8_t *pkt, size_t len)
{
	uint32_t ssrc, ts, out_ts;
	uint16_t seq, out_seq;
	uint8_t pt;
	bool switched = false;

	if (len < RTP_HDR_MIN)
		return -RTP_ERR_SHORT;
	pt = rw->pt_map[rtp_pt(pkt)];
	if (pt == RTP_PT_NONE)
		return -RTP_ERR_PT;
	ssrc = rtp_ssrc(pkt);
	seq = rtp_seq(pkt);
	ts = rtp_ts(pkt);
	if (rw_stale(rw, ssrc, seq))
		return -RTP_ERR_STALE;
	if (!rw->have_src || ssrc != rw->in_ssrc) {
		rw_new_source(rw, ssrc, seq, ts);
		switched = true;
	} else if (rw_leapt(rw, seq)) {
		uint32_t sw = rw->switches;

		rw_new_source(rw, ssrc, seq, ts);
		rw->switches = sw;	/* the same source goes on */
		rw->leaps++;
		switched = true;
	} else {
		rw_track(rw, seq, ts);
	}
	if (rw->in_count < REWRITE_GUARD)
		rw->in_count++;

	out_seq = (uint16_t)(seq + rw->seq_off);
	out_ts = ts + rw->ts_off;
	if (seq_cmp(out_seq, rw->out_max) > 0) {
		rw->out_max = out_seq;
		rw->out_max_ts = out_ts;
	}
	pkt[1] = (uint8_t)((pkt[1] & 0x80) | pt);
	if (switched && rw->mark_on_switch)
		pkt[1] |= 0x80;
	rtp_wr16(pkt + 2, out_seq);
	rtp_wr32(pkt + 4, out_ts);
	rtp_wr32(pkt + 8, rw->out_ssrc);
	return 0;
}

void rtp_rewrite_resync(struct rtp_rewrite *rw)
{
	/* Forget the current source: the next packet is placed after the
	 * newest sent (rw_new_source), and nothing of the old run counts as
	 * stale any more. */
	rw->have_src = false;
	rw->have_prev = false;
}

uint16_t rtp_rewrite_insert(struct rtp_rewrite *rw, uint32_t *ts)
{
	rw->out_max++;
	rw->seq_off++;
	*ts = rw->out_max_ts;
	return rw->out_max;
}

/* ---- RTCP parsing ---- */

/* Offsets of the SDES chunks of a packet of n bytes (RFC 3550 6.5): an
 * SSRC, items of type, length, text, ended by a zero octet and padded with
 * zeros to the next 32-bit boundary.  offs may be NULL. */
static int sdes_chunks(const uint8_t *p, size_t n, unsigned sc, size_t *offs)
{
	size_t o = RTCP_HDR;

	for (unsigned i = 0; i < sc; i++) {
		if (o + 4 > n)
			return -RTP_ERR_RTCP_BODY;
		if (offs)
			offs[i] = o;
		o += 4;
		while (o < n && p[o] != 0) {
			if (o + 2 > n || o + 2 + p[o + 1] > n)
				return -RTP_ERR_RTCP_BODY;
			o += 2 + (size_t)p[o + 1];
		}
		if (o >= n)
			return -RTP_ERR_RTCP_BODY;	/* no end item */
		o = (o + 4) & ~(size_t)3;
		if (o > n)
			return -RTP_ERR_RTCP_BODY;
	}
	return 0;
}

/* Kind of a feedback packet, and whether its FCI fits in n bytes. */
static int fb_check(struct rtp_rtcp_pkt *k, size_t n)
{
	const uint8_t *p = k->p;
	size_t fci = n - FB_HDR;

	if (k->pt == RTCP_RTPFB) {
		k->fb = k->count == 1 ? RTP_FB_NACK :
			k->count == 3 ? RTP_FB_TMMBR :
			k->count == 4 ? RTP_FB_TMMBN :
			k->count == 15 ? RTP_FB_TWCC : RTP_FB_OTHER;
	} else {
		k->fb = k->count == 1 ? RTP_FB_PLI :
			k->count == 4 ? RTP_FB_FIR : RTP_FB_OTHER;
		/* AFB (FMT 15, RFC 4585 6.4) is application-defined; REMB
		 * is the one that starts with the ASCII name "REMB". */
		if (k->count == 15 && fci >= 8 &&
		    !memcmp(p + FB_HDR, "REMB", 4))
			k->fb = RTP_FB_REMB;
	}
	switch (k->fb) {
	case RTP_FB_NACK:
		return fci >= 4 && fci % 4 == 0 ? 0 : -RTP_ERR_RTCP_BODY;
	case RTP_FB_TMMBR:
	case RTP_FB_TMMBN:
		return fci % 8 == 0 ? 0 : -RTP_ERR_RTCP_BODY;
	case RTP_FB_FIR:
		return fci >= 8 && fci % 8 == 0 ? 0 : -RTP_ERR_RTCP_BODY;
	case RTP_FB_REMB:
		return fci >= 8 + 4u * p[FB_HDR + 4] ? 0 : -RTP_ERR_RTCP_BODY;
	default:
		return 0;
	}
}

/* Check the contents of one packet of n bytes (padding removed). */
static int rtcp_body(struct rtp_rtcp_pkt *k, size_t n)
{
	const uint8_t *p = k->p;
	size_t need = RTCP_HDR;

	switch (k->pt) {
	case RTCP_SR:
		need += 4 + SR_INFO + REPORT_BLOCK * (size_t)k->count;
		break;
	case RTCP_RR:
		need += 4 + REPORT_BLOCK * (size_t)k->count;
		break;
	case RTCP_SDES:
		return sdes_chunks(p, n, k->count, NULL);
	case RTCP_BYE:
		need += 4 * (size_t)k->count;
		/* An optional reason: a length octet and that many bytes. */
		if (n > need && need + 1 + p[need] > n)
			return -RTP_ERR_RTCP_BODY;
		break;
	case RTCP_APP:
		need += 8;	/* SSRC and 4-character name */
		break;
	case RTCP_RTPFB:
	case RTCP_PSFB:
		if (n < FB_HDR)
			return -RTP_ERR_RTCP_BODY;
		return fb_check(k, n);
	case RTCP_XR:
		need += 4;
		break;
	default:
		break;	/* unknown but well-framed: skipped, forwarded */
	}
	return n >= need ? 0 : -RTP_ERR_RTCP_BODY;
}

/* The framing rules of RFC 3550 6.4.1 and A.2: version 2, a length that
 * stays inside the datagram, padding only in the last packet. */
static int rtcp_frame(const uint8_t *buf, size_t len, size_t off,
		      size_t *wire, size_t *n)
{
	const uint8_t *p = buf + off;
	size_t pad = 0;

	if (len - off < RTCP_HDR)
		return -RTP_ERR_RTCP_LEN;
	if (p[0] >> 6 != RTP_VERSION)
		return -RTP_ERR_VERSION;
	if (p[1] < 192 || p[1] > 223)
		return -RTP_ERR_RTCP_TYPE;
	*wire = 4 * ((size_t)rtp_rd16(p + 2) + 1);
	if (*wire > len - off)
		return -RTP_ERR_RTCP_LEN;
	if (p[0] & 0x20) {
		pad = p[*wire - 1];
		if (off + *wire != len || pad == 0 || pad > *wire - RTCP_HDR)
			return -RTP_ERR_PADDING;
	}
	*n = *wire - pad;
	return 0;
}

int rtp_rtcp_next(const uint8_t *buf, size_t len, size_t *off,
		  struct rtp_rtcp_pkt *k)
{
	size_t wire, n;
	int err;

	if (*off >= len)
		return 0;
	err = rtcp_frame(buf, len, *off, &wire, &n);
	if (err)
		return err;
	memset(k, 0, sizeof(*k));
	k->p = buf + *off;
	k->len = n;
	k->pt = k->p[1];
	k->count = k->p[0] & 0x1F;
	err = rtcp_body(k, n);
	if (err)
		return err;
	/* SDES and BYE start with their first item's SSRC, if any. */
	if (k->pt == RTCP_SDES || k->pt == RTCP_BYE ? k->count > 0 : n >= 8)
		k->ssrc = rtp_rd32(k->p + 4);
	if (k->fb != RTP_FB_NONE)
		k->media_ssrc = rtp_rd32(k->p + 8);
	*off += wire;
	return 1;
}

int rtp_rtcp_validate(const uint8_t *buf, size_t len)
{
	struct rtp_rtcp_pkt k;
	size_t off = 0;
	int n = 0, rc;

	if (len == 0)
		return -RTP_ERR_SHORT;
	while ((rc = rtp_rtcp_next(buf, len, &off, &k)) > 0)
		n++;
	return rc < 0 ? rc : n;
}

/* ---- RTCP accessors ---- */

unsigned rtp_rtcp_items(const struct rtp_rtcp_pkt *k)
{
	switch (k->pt) {
	case RTCP_SR:
	case RTCP_RR:
	case RTCP_SDES:
	case RTCP_BYE:
		return k->count;
	default:
		break;
	}
	switch (k->fb) {
	case RTP_FB_NACK:
		return (unsigned)((k->len - FB_HDR) / 4);
	case RTP_FB_FIR:
	case RTP_FB_TMMBR:
	case RTP_FB_TMMBN:
		return (unsigned)((k->len - FB_HDR) / 8);
	case RTP_FB_REMB:
		return k->p[FB_HDR + 4];
	default:
		return 0;
	}
}

/* Offset of the SSRC that item i is about, or 0 if it has none. */
static size_t item_off(const struct rtp_rtcp_pkt *k, unsigned i)
{
	size_t offs[RTCP_MAX_BLOCKS];

	if (i >= rtp_rtcp_items(k))
		return 0;
	switch (k->pt) {
	case RTCP_SR:
		return RTCP_HDR + 4 + SR_INFO + REPORT_BLOCK * (size_t)i;
	case RTCP_RR:
		return RTCP_HDR + 4 + REPORT_BLOCK * (size_t)i;
	case RTCP_SDES:
		return sdes_chunks(k->p, k->len, i + 1, offs) ? 0 : offs[i];
	case RTCP_BYE:
		return RTCP_HDR + 4 * (size_t)i;
	default:
		break;
	}
	switch (k->fb) {
	case RTP_FB_FIR:
	case RTP_FB_TMMBR:
	case RTP_FB_TMMBN:
		return FB_HDR + 8 * (size_t)i;
	case RTP_FB_REMB:
		return FB_HDR + 8 + 4 * (size_t)i;
	default:
		return 0;
	}
}

int rtp_rtcp_item_ssrc(const struct rtp_rtcp_pkt *k, unsigned i,
		       uint32_t *ssrc)
{
	size_t o = item_off(k, i);

	if (!o)
		return -RTP_ERR_ARG;
	*ssrc = rtp_rd32(k->p + o);
	return 0;
}

int rtp_rtcp_sender_info(const struct rtp_rtcp_pkt *k,
			 struct rtp_sender_info *si)
{
	const uint8_t *p = k->p + RTCP_HDR + 4;

	if (k->pt != RTCP_SR)
		return -RTP_ERR_ARG;
	si->ntp = (uint64_t)rtp_rd32(p) << 32 | rtp_rd32(p + 4);
	si->rtp_ts = rtp_rd32(p + 8);
	si->packets = rtp_rd32(p + 12);
	si->octets = rtp_rd32(p + 16);
	return 0;
}

int rtp_rtcp_report_block(const struct rtp_rtcp_pkt *k, unsigned i,
			  struct rtp_report *rb)
{
	const uint8_t *p;
	uint32_t lost;

	if ((k->pt != RTCP_SR && k->pt != RTCP_RR) || i >= k->count)
		return -RTP_ERR_ARG;
	p = k->p + item_off(k, i);
	rb->ssrc = rtp_rd32(p);
	rb->fraction = p[4];
	/* 24-bit two's complement: sign-extend through the top byte. */
	lost = rtp_rd32(p + 4) & 0xFFFFFF;
	rb->lost = (int32_t)(lost ^ 0x800000) - 0x800000;
	rb->ext_max_seq = rtp_rd32(p + 8);
	rb->jitter = rtp_rd32(p + 12);
	rb->lsr = rtp_rd32(p + 16);
	rb->dlsr = rtp_rd32(p + 20);
	return 0;
}

int rtp_rtcp_nack(const struct rtp_rtcp_pkt *k, unsigned i, uint16_t *pid,
		  uint16_t *blp)
{
	if (k->fb != RTP_FB_NACK || i >= rtp_rtcp_items(k))
		return -RTP_ERR_ARG;
	*pid = rtp_rd16(k->p + FB_HDR + 4 * (size_t)i);
	*blp = rtp_rd16(k->p + FB_HDR + 4 * (size_t)i + 2);
	return 0;
}

int rtp_rtcp_remb(const struct rtp_rtcp_pkt *k, uint64_t *bps)
{
	uint32_t w;

	if (k->fb != RTP_FB_REMB)
		return -RTP_ERR_ARG;
	/* Num SSRC (8 bits), BR Exp (6), BR Mantissa (18). */
	w = rtp_rd32(k->p + FB_HDR + 4);
	*bps = (uint64_t)(w & 0x3FFFF) << ((w >> 18) & 0x3F);
	return 0;
}

/* ---- RTCP SSRC mapping ---- */

static int map_at(uint8_t *at, const struct rtp_ssrc_map *map, size_t nmap)
{
	uint32_t v = rtp_rd32(at);

	for (size_t i = 0; i < nmap; i++) {
		if (map[i].from == v) {
			rtp_wr32(at, map[i].to);
			return 1;
		}
	}
	return 0;
}

/* One validated packet: the fixed SSRC words, then the items'. */
static int map_pkt(uint8_t *p, const struct rtp_rtcp_pkt *k,
		   const struct rtp_ssrc_map *map, size_t nmap)
{
	unsigned items = rtp_rtcp_items(k);
	int n = 0;

	switch (k->pt) {
	case RTCP_SR:
	case RTCP_RR:
	case RTCP_APP:
	case RTCP_XR:
		n += map_at(p + RTCP_HDR, map, nmap);
		break;
	case RTCP_RTPFB:
	case RTCP_PSFB:
		n += map_at(p + RTCP_HDR, map, nmap);
		n += map_at(p + RTCP_HDR + 4, map, nmap);
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < items; i++) {
		size_t o = item_off(k, i);

		if (o)
			n += map_at(p + o, map, nmap);
	}
	return n;
}

int rtp_rtcp_map_ssrcs(uint8_t *buf, size_t len,
		       const struct rtp_ssrc_map *map, size_t nmap)
{
	struct rtp_rtcp_pkt k;
	size_t off = 0;
	int rc, n = 0;

	rc = rtp_rtcp_validate(buf, len);
	if (rc < 0)
		return rc;
	while (rtp_rtcp_next(buf, len, &off, &k) > 0)
		n += map_pkt(buf + (k.p - buf), &k, map, nmap);
	return n;
}

/* ---- RTCP building ---- */

static void put_hdr(uint8_t *p, unsigned count, uint8_t pt, size_t len)
{
	p[0] = (uint8_t)(RTP_VERSION << 6 | count);
	p[1] = pt;
	rtp_wr16(p + 2, (uint16_t)(len / 4 - 1));
}

static void put_block(uint8_t *p, const struct rtp_report *rb)
{
	/* Cumulative lost is 24-bit signed (RFC 3550 6.4.1); clamp. */
	int32_t lost = rb->lost > 0x7FFFFF ? 0x7FFFFF :
		       rb->lost < -0x800000 ? -0x800000 : rb->lost;

	rtp_wr32(p, rb->ssrc);
	rtp_wr32(p + 4, (uint32_t)rb->fraction << 24 |
			 ((uint32_t)lost & 0xFFFFFF));
	rtp_wr32(p + 8, rb->ext_max_seq);
	rtp_wr32(p + 12, rb->jitter);
	rtp_wr32(p + 16, rb->lsr);
	rtp_wr32(p + 20, rb->dlsr);
}

static void put_blocks(uint8_t *p, const struct rtp_report *rb,
		       unsigned nrb)
{
	for (unsigned i = 0; i < nrb; i++)
		put_block(p + REPORT_BLOCK * (size_t)i, &rb[i]);
}

int rtp_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct rtp_sender_info *si,
		      const struct rtp_report *rb, unsigned nrb)
{
	size_t len = RTCP_HDR + 4 + SR_INFO + REPORT_BLOCK * (size_t)nrb;
	uint8_t *p = buf + RTCP_HDR + 4;

	if (nrb > RTCP_MAX_BLOCKS)
		return -RTP_ERR_ARG;
	if (cap < len)
		return -RTP_ERR_NOSPACE;
	put_hdr(buf, nrb, RTCP_SR, len);
	rtp_wr32(buf + RTCP_HDR, ssrc);
	rtp_wr32(p, (uint32_t)(si->ntp >> 32));
	rtp_wr32(p + 4, (uint32_t)si->ntp);
	rtp_wr32(p + 8, si->rtp_ts);
	rtp_wr32(p + 12, si->packets);
	rtp_wr32(p + 16, si->octets);
	put_blocks(p + SR_INFO, rb, nrb);
	return (int)len;
}

int rtp_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct rtp_report *rb, unsigned nrb)
{
	size_t len = RTCP_HDR + 4 + REPORT_BLOCK * (size_t)nrb;

	if (nrb > RTCP_MAX_BLOCKS)
		return -RTP_ERR_ARG;
	if (cap < len)
		return -RTP_ERR_NOSPACE;
	put_hdr(buf, nrb, RTCP_RR, len);
	rtp_wr32(buf + RTCP_HDR, ssrc);
	put_blocks(buf + RTCP_HDR + 4, rb, nrb);
	return (int)len;
}

int rtp_rtcp_build_sdes(uint8_t *buf, size_t cap, uint32_t ssrc,
			const char *cname)
{
	size_t clen = strlen(cname);
	/* header, SSRC, CNAME item (type 1, length, text), then the end
	 * octet and zeros up to a 32-bit boundary (RFC 3550 6.5). */
	size_t used = RTCP_HDR + 4 + 2 + clen;
	size_t len = (used + 4) & ~(size_t)3;

	if (clen > 255)
		return -RTP_ERR_ARG;
	if (cap < len)
		return -RTP_ERR_NOSPACE;
	put_hdr(buf, 1, RTCP_SDES, len);
	rtp_wr32(buf + RTCP_HDR, ssrc);
	buf[RTCP_HDR + 4] = 1;
	buf[RTCP_HDR + 5] = (uint8_t)clen;
	memcpy(buf + RTCP_HDR + 6, cname, clen);
	memset(buf + used, 0, len - used);
	return (int)len;
}

uint64_t rtp_ntp_from_unix_us(uint64_t us)
{
	/* NTP counts from 1900, 70 years (17 leap days) before Unix. */
	const uint64_t epoch_delta = 2208988800u;
	uint64_t frac = ((us % 1000000u) << 32) / 1000000u;

	return (us / 1000000u + epoch_delta) << 32 | frac;
}

/* ---- receiver statistics ---- */

void rtp_rxstats_init(struct rtp_rxstats *s, uint32_t ssrc,
		      uint32_t clock_rate)
{
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->clock_rate = clock_rate;
}

/* RFC 3550 A.1 init_seq: counting starts over at seq. */
static void rx_restart(struct rtp_rxstats *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1;	/* so that seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

/* RFC 3550 A.1 update_seq: 1 if the packet counts. */
static int rx_seq(struct rtp_rxstats *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* A new source must send MIN_SEQUENTIAL packets in order
		 * before it counts, so that a stray packet does not. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->max_seq = seq;
			if (--s->probation == 0) {
				rx_restart(s, seq);
				return 1;
			}
		} else {
			s->probation = MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return 0;
	}
	if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;	/* wrapped */
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/* A big jump: believe it (the sender restarted) only when
		 * the next packet follows it. */
		if (seq != s->bad_seq) {
			s->bad_seq = (uint16_t)(seq + 1);
			return 0;
		}
		rx_restart(s, seq);
	}
	/* else a duplicate or a late packet: counted, as A.1 does. */
	return 1;
}

/* now_us in RTP clock ticks, without overflowing the multiplication. */
static uint32_t rx_ticks(uint64_t now_us, uint32_t rate)
{
	return (uint32_t)((now_us / 1000000u) * rate +
			  (now_us % 1000000u) * rate / 1000000u);
}

/* RFC 3550 A.8: J += (|D| - J) / 16, kept times 16 in integers. */
static void rx_jitter(struct rtp_rxstats *s, uint32_t ts, uint64_t now_us)
{
	uint32_t transit = rx_ticks(now_us, s->clock_rate) - ts;
	int32_t d = (int32_t)(transit - s->transit);
	uint32_t ad = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;

	if (s->have_transit) {
		/* A timestamp jump can make |D| huge; capping it keeps
		 * 16 * J inside 32 bits. */
		if (ad > 0x7FFFFFF)
			ad = 0x7FFFFFF;
		s->jitter += ad - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
	s->have_transit = true;
}

int rtp_rxstats_update(struct rtp_rxstats *s, uint16_t seq, uint32_t ts,
		       uint64_t now_us)
{
	if (!s->started) {
		/* RFC 3550 A.1: a new source starts on probation, as if
		 * seq - 1 had been its last packet. */
		rx_restart(s, seq);
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = MIN_SEQUENTIAL;
		s->started = true;
	}
	if (!rx_seq(s, seq))
		return 0;
	s->received++;
	rx_jitter(s, ts, now_us);
	return 1;
}

void rtp_rxstats_sr(struct rtp_rxstats *s, uint64_t ntp, uint64_t now_us)
{
	s->lsr = (uint32_t)(ntp >> 16);	/* middle 32 bits, RFC 3550 6.4.1 */
	s->sr_at_us = now_us;
	s->have_sr = true;
}

int rtp_rxstats_report(struct rtp_rxstats *s, uint64_t now_us,
		       struct rtp_report *rb)
{
	uint32_t ext_max = s->cycles + s->max_seq;
	int64_t expected, lost, exp_int, lost_int;

	if (!s->started || s->probation)
		return 0;
	/* RFC 3550 A.3. */
	expected = (int64_t)ext_max - s->base_seq + 1;
	lost = expected - s->received;
	exp_int = expected - s->expected_prior;
	lost_int = exp_int - ((int64_t)s->received - s->received_prior);
	s->expected_prior = (uint32_t)expected;
	s->received_prior = s->received;

	memset(rb, 0, sizeof(*rb));
	rb->ssrc = s->ssrc;
	rb->lost = lost > 0x7FFFFF ? 0x7FFFFF :
		   lost < -0x800000 ? -0x800000 : (int32_t)lost;
	/* Under A.1 a counted packet always arrives with the interval's
	 * highest seq, so lost_int < exp_int; clamp anyway, since 256 would
	 * wrap to 0 in the 8-bit field. */
	if (exp_int > 0 && lost_int > 0)
		rb->fraction = (uint8_t)(lost_int >= exp_int ? 255 :
					 (lost_int << 8) / exp_int);
	rb->ext_max_seq = ext_max;
	rb->jitter = s->jitter >> 4;
	if (s->have_sr) {
		rb->lsr = s->lsr;
		rb->dlsr = (uint32_t)((now_us - s->sr_at_us) * 65536u /
				      1000000u);
	}
	return 1;
}
