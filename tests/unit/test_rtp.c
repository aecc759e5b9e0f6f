/* Unit tests for mediad/rtp: header validation, RFC 7983/5761 demux, the
 * leg rewriter across SSRC changes and wraparound, RTCP compound parsing
 * (good, truncated, malicious), SSRC mapping, SR/RR/SDES building, and
 * receiver statistics.  argv[1] is an optional name filter ("*rtcp*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mediad/rtp.h"

/* ---- helpers ---- */

/* A byte writer for hand-made packets. */
struct wbuf {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct wbuf *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void put16(struct wbuf *w, unsigned v)
{
	rtp_wr16(w->b + w->n, (uint16_t)v);
	w->n += 2;
}

static void put32(struct wbuf *w, uint32_t v)
{
	rtp_wr32(w->b + w->n, v);
	w->n += 4;
}

static void put_bytes(struct wbuf *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* Start an RTCP packet; rtcp_end() fills in its length. */
static size_t rtcp_begin(struct wbuf *w, unsigned count, unsigned pt)
{
	size_t at = w->n;

	put8(w, 0x80 | count);
	put8(w, pt);
	put16(w, 0);
	return at;
}

static void rtcp_end(struct wbuf *w, size_t at)
{
	while ((w->n - at) % 4)
		put8(w, 0);
	rtp_wr16(w->b + at + 2, (uint16_t)((w->n - at) / 4 - 1));
}

/* A 12-byte RTP header plus payload bytes of value 0xAB. */
static size_t make_rtp(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts,
		       uint32_t ssrc, size_t payload)
{
	p[0] = 0x80;
	p[1] = pt;
	rtp_wr16(p + 2, seq);
	rtp_wr32(p + 4, ts);
	rtp_wr32(p + 8, ssrc);
	memset(p + 12, 0xAB, payload);
	return 12 + payload;
}

/* ---- RTP header ---- */

static void test_parse_good(void **state)
{
	uint8_t p[300];
	struct rtp_hdr h;
	size_t n;

	(void)state;
	n = make_rtp(p, 0x80 | 0, 0x1234, 0xDEADBEEF, 0xCAFEF00D, 160);
	assert_int_equal(rtp_parse(p, n, &h), 12);
	assert_int_equal(h.payload_len, 160);
	assert_int_equal(h.cc, 0);
	assert_int_equal(h.ext_off, 0);
	assert_true(rtp_marker(p));
	assert_int_equal(rtp_pt(p), 0);
	assert_int_equal(rtp_seq(p), 0x1234);
	assert_int_equal(rtp_ts(p), 0xDEADBEEF);
	assert_int_equal(rtp_ssrc(p), 0xCAFEF00D);
	assert_int_equal(rtp_parse(p, 12, &h), 12);	/* empty payload */
	assert_int_equal(h.payload_len, 0);

	/* Two CSRCs, a one-byte-header extension of 2 words, padding 4. */
	n = make_rtp(p, 111, 1, 2, 3, 0);
	p[0] = 0x80 | 0x20 | 0x10 | 2;
	memset(p + 12, 0x11, 8);		/* CSRCs */
	rtp_wr16(p + 20, 0xBEDE);
	rtp_wr16(p + 22, 2);
	memset(p + 24, 0x22, 8);		/* extension data */
	memset(p + 32, 0x33, 20);		/* payload */
	memset(p + 52, 0, 3);
	p[55] = 4;				/* padding count */
	n = 56;
	assert_int_equal(rtp_parse(p, n, &h), 32);
	assert_int_equal(h.cc, 2);
	assert_int_equal(h.ext_profile, 0xBEDE);
	assert_int_equal(h.ext_off, 24);
	assert_int_equal(h.ext_len, 8);
	assert_int_equal(h.pad_len, 4);
	assert_int_equal(h.payload_len, 20);

	/* Padding-only: a bandwidth probe with no payload at all. */
	n = make_rtp(p, 96, 1, 2, 3, 0);
	p[0] |= 0x20;
	memset(p + 12, 0, 255);
	p[12 + 254] = 255;
	assert_int_equal(rtp_parse(p, 12 + 255, &h), 12);
	assert_int_equal(h.payload_len, 0);
}

static void test_parse_bad(void **state)
{
	uint8_t p[256];
	struct rtp_hdr h;
	size_t n = make_rtp(p, 0, 1, 2, 3, 20);

	(void)state;
	for (size_t len = 0; len < 12; len++)
		assert_int_equal(rtp_parse(p, len, &h), -RTP_ERR_SHORT);
	p[0] = 0x40;		/* version 1 */
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_VERSION);
	p[0] = 0x00;
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_VERSION);
	p[0] = 0xC0;
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_VERSION);

	p[0] = 0x80 | 15;	/* 60 bytes of CSRC in a 32-byte packet */
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_CSRC);
	p[0] = 0x80 | 5;	/* exactly fills 32 bytes: allowed */
	assert_int_equal(rtp_parse(p, n, &h), 32);

	p[0] = 0x80 | 0x10 | 5;	/* no room for the extension header */
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_EXT);
	p[0] = 0x90;
	rtp_wr16(p + 14, 5);	/* 20 bytes of extension, 16 left */
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_EXT);
	rtp_wr16(p + 14, 0xFFFF);
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_EXT);
	rtp_wr16(p + 14, 4);	/* exactly to the end */
	assert_int_equal(rtp_parse(p, n, &h), 32);

	n = make_rtp(p, 0, 1, 2, 3, 20);
	p[0] = 0xA0;		/* padding */
	p[n - 1] = 0;
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_PADDING);
	p[n - 1] = 21;		/* larger than the 20-byte payload */
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_PADDING);
	p[n - 1] = 20;
	assert_int_equal(rtp_parse(p, n, &h), 12);
	p[0] = 0xA0 | 0x10 | 1;	/* CSRC + extension leave 8 bytes */
	rtp_wr16(p + 18, 1);
	p[n - 1] = 9;
	assert_int_equal(rtp_parse(p, n, &h), -RTP_ERR_PADDING);
}

/* Whatever the bytes, an accepted packet's parts stay inside it. */
static void test_parse_never_overruns(void **state)
{
	uint8_t p[64];
	struct rtp_hdr h;
	uint32_t x = 12345;

	(void)state;
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = (x >> 8) % sizeof(p);

		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = (uint8_t)(x >> 16);
		}
		p[0] = (uint8_t)((p[0] & 0x3F) | 0x80);
		if (rtp_parse(p, len, &h) > 0)
			assert_true(h.hdr_len + h.payload_len + h.pad_len ==
				    len && h.ext_off + h.ext_len <= len);
		x = x * 1103515245u + 12345u;
	}
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(rtp_strerror(-RTP_ERR_SHORT), "short packet");
	assert_string_equal(rtp_strerror(RTP_ERR_PT),
			    "payload type not mapped");
	assert_string_equal(rtp_strerror(999), "unknown error");
	for (int e = 0; e < RTP_ERR__COUNT; e++)
		assert_non_null(rtp_strerror(e));
}

/* ---- demux ---- */

static void test_demux_every_first_byte(void **state)
{
	uint8_t p[2];

	(void)state;
	for (int b = 0; b < 256; b++) {
		enum rtp_demux want = RTP_DEMUX_DROP, want_rtcp;

		if (b <= 3)
			want = RTP_DEMUX_STUN;
		else if (b >= 20 && b <= 63)
			want = RTP_DEMUX_DTLS;
		else if (b >= 64 && b <= 79)
			want = RTP_DEMUX_TURN;
		else if (b >= 128 && b <= 191)
			want = RTP_DEMUX_RTP;
		want_rtcp = want == RTP_DEMUX_RTP ? RTP_DEMUX_RTCP : want;

		p[0] = (uint8_t)b;
		p[1] = 0;	/* PCMU without marker */
		assert_int_equal(rtp_demux_classify(p, 2), want);
		p[1] = 0x80;	/* PCMU with marker: 128, still RTP */
		assert_int_equal(rtp_demux_classify(p, 2), want);
		p[1] = 200;	/* SR */
		assert_int_equal(rtp_demux_classify(p, 2), want_rtcp);
		/* One byte cannot say RTP or RTCP. */
		if (want == RTP_DEMUX_RTP)
			want = RTP_DEMUX_DROP;
		assert_int_equal(rtp_demux_classify(p, 1), want);
	}
	assert_int_equal(rtp_demux_classify(p, 0), RTP_DEMUX_DROP);
	/* RFC 5761 4: the second byte decides, 192-223 inclusive. */
	for (int b2 = 0; b2 < 256; b2++) {
		p[0] = 0x80;
		p[1] = (uint8_t)b2;
		assert_int_equal(rtp_demux_classify(p, 2),
				 b2 >= 192 && b2 <= 223 ? RTP_DEMUX_RTCP :
				 RTP_DEMUX_RTP);
	}
}

/* ---- rewriter ---- */

static void rw_setup(struct rtp_rewrite *rw, uint16_t seq, uint32_t ts,
		     bool mark)
{
	struct rtp_rewrite_cfg c = {
		.ssrc = 0x5EED0001, .seq = seq, .ts = ts, .ts_step = 160,
		.mark_on_switch = mark,
	};

	rtp_rewrite_init(rw, &c);
	assert_int_equal(rtp_rewrite_map_pt(rw, 0, 0), 0);
	assert_int_equal(rtp_rewrite_map_pt(rw, 101, 126), 0);
}

/* Feed n in-order packets of one source; check every output follows the
 * previous one by exactly one seq and one frame, whatever wraps. */
static void feed(struct rtp_rewrite *rw, uint32_t ssrc, uint16_t seq,
		 uint32_t ts, int n, uint16_t *last_seq, uint32_t *last_ts,
		 bool first_marked)
{
	uint8_t p[172];

	for (int i = 0; i < n; i++) {
		make_rtp(p, 0, (uint16_t)(seq + i), ts + 160u * i, ssrc, 160);
		assert_int_equal(rtp_rewrite_apply(rw, p, sizeof(p)), 0);
		assert_int_equal(rtp_ssrc(p), 0x5EED0001);
		assert_int_equal(rtp_seq(p), (uint16_t)(*last_seq + 1));
		assert_int_equal(rtp_ts(p), *last_ts + 160);
		assert_int_equal(rtp_marker(p), first_marked && i == 0);
		assert_int_equal(p[20], 0xAB);	/* payload untouched */
		*last_seq = rtp_seq(p);
		*last_ts = rtp_ts(p);
	}
}

static void test_rewrite_continuity_across_ssrc_changes(void **state)
{
	struct rtp_rewrite rw;
	uint8_t p[172];
	uint16_t s;
	uint32_t t;

	(void)state;
	/* Output starts near both wraps: 16-bit seq, 32-bit ts. */
	rw_setup(&rw, 65530, 0xFFFFFD00u, true);
	make_rtp(p, 0, 40000, 1000, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), 65530);
	assert_int_equal(rtp_ts(p), 0xFFFFFD00u);
	s = rtp_seq(p);
	t = rtp_ts(p);
	feed(&rw, 0xA, 40001, 1160, 30, &s, &t, false);
	/* Re-INVITE: a new SSRC with unrelated seq and ts, itself about
	 * to wrap. */
	feed(&rw, 0xB, 65520, 0xFFFFFF00u, 40, &s, &t, true);
	feed(&rw, 0xC, 0, 0, 10, &s, &t, true);
	feed(&rw, 0xD, 32768, 0x80000000u, 10, &s, &t, true);
	assert_int_equal(rw.switches, 3);
}

static void test_rewrite_reorder_and_stale(void **state)
{
	struct rtp_rewrite rw;
	uint8_t p[172];
	uint16_t s = 999;
	uint32_t t = 50000 - 160;

	(void)state;
	rw_setup(&rw, 1000, 50000, false);
	feed(&rw, 0xA, 10, 0, 20, &s, &t, false);	/* in 10..29 */

	/* Reordering inside a source keeps its shape: in 31 before 30. */
	make_rtp(p, 0, 31, 21 * 160, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), (uint16_t)(s + 2));
	make_rtp(p, 0, 30, 20 * 160, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), (uint16_t)(s + 1));
	assert_int_equal(rtp_ts(p), t + 160);
	s += 2;
	t += 320;

	/* Switch to B; a late A packet is refused, and so is a B packet
	 * from before B's first. */
	feed(&rw, 0xB, 500, 7777, 5, &s, &t, false);
	make_rtp(p, 0, 29, 19 * 160, 0xA, 160);
	memcpy(p + 100, "late", 4);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)),
			 -RTP_ERR_STALE);
	assert_int_equal(rtp_ssrc(p), 0xA);	/* refused: unchanged */
	make_rtp(p, 0, 499, 7777 - 160, 0xB, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)),
			 -RTP_ERR_STALE);
	/* A returns with newer packets: a genuine switch, continuous. */
	feed(&rw, 0xA, 40, 40 * 160, 5, &s, &t, false);
	assert_int_equal(rw.switches, 2);
	/* After the guard period an old number is no longer "late". */
	feed(&rw, 0xA, 45, 45 * 160, 600, &s, &t, false);
	make_rtp(p, 0, 39, 39 * 160, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
}

static void test_rewrite_pt_map_and_marker(void **state)
{
	struct rtp_rewrite rw;
	uint8_t p[172], orig[172];

	(void)state;
	rw_setup(&rw, 1, 1, false);
	make_rtp(p, 8, 1, 1, 0xA, 160);		/* PCMA: not mapped */
	memcpy(orig, p, sizeof(p));
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), -RTP_ERR_PT);
	assert_memory_equal(p, orig, sizeof(p));
	assert_int_equal(rtp_rewrite_apply(&rw, p, 11), -RTP_ERR_SHORT);

	make_rtp(p, 0x80 | 101, 1, 1, 0xA, 4);	/* telephone-event, M */
	assert_int_equal(rtp_rewrite_apply(&rw, p, 16), 0);
	assert_int_equal(rtp_pt(p), 126);
	assert_true(rtp_marker(p));
	make_rtp(p, 101, 2, 1, 0xA, 4);
	assert_int_equal(rtp_rewrite_apply(&rw, p, 16), 0);
	assert_false(rtp_marker(p));

	/* Output PTs that would read as RTCP under rtcp-mux, or invalid. */
	assert_int_equal(rtp_rewrite_map_pt(&rw, 96, 64), -RTP_ERR_ARG);
	assert_int_equal(rtp_rewrite_map_pt(&rw, 96, 95), -RTP_ERR_ARG);
	assert_int_equal(rtp_rewrite_map_pt(&rw, 96, 128), -RTP_ERR_ARG);
	assert_int_equal(rtp_rewrite_map_pt(&rw, 128, 96), -RTP_ERR_ARG);
	assert_int_equal(rtp_rewrite_map_pt(&rw, 96, 63), 0);
	assert_int_equal(rtp_rewrite_map_pt(&rw, 0, RTP_PT_NONE), 0);
	make_rtp(p, 0, 3, 1, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), -RTP_ERR_PT);
}

/* One source leaps (a phone that counted on while held, by 40,000: more
 * than 2^15, which an SRTP receiver would read as a step back and lose
 * the rollover counter on), steps back, or loses a few packets: the
 * output never moves by more than the real loss. */
static void test_rewrite_leaps_keep_output_continuous(void **state)
{
	struct rtp_rewrite rw;
	uint8_t p[172];
	uint16_t s = 65499;
	uint32_t t = 0x1000 - 160;

	(void)state;
	rw_setup(&rw, 65500, 0x1000, true);
	feed(&rw, 0xA, 100, 8000, 50, &s, &t, true);		/* 100..149 */
	feed(&rw, 0xA, 40150, 8000 + 40050u * 160, 50, &s, &t, true);
	assert_int_equal(rw.leaps, 1);
	assert_int_equal(rw.switches, 0);
	/* forward by 20,000 (below 2^15, above MAX_DROPOUT) */
	feed(&rw, 0xA, 60200, 9000, 20, &s, &t, true);
	/* back by 30,000 (a restarted counter) */
	feed(&rw, 0xA, 30220, 12345, 20, &s, &t, true);
	assert_int_equal(rw.leaps, 3);
	/* an ordinary loss of 10 packets passes as a gap of 10 */
	make_rtp(p, 0, 30250, 12345 + 30u * 160, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), (uint16_t)(s + 11));
	assert_false(rtp_marker(p));
	assert_int_equal(rw.leaps, 3);
	/* a packet 20 late is reordering, not a leap */
	make_rtp(p, 0, 30230, 12345 + 10u * 160, 0xA, 160);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), (uint16_t)(s - 9));
	assert_int_equal(rw.leaps, 3);
}

/* The gap at a switch is the frame duration seen last (Opus, 20 ms at
 * 48 kHz here), not the configured one. */
static void test_rewrite_learns_frame_duration(void **state)
{
	struct rtp_rewrite rw;
	uint8_t p[40];
	uint32_t ts0;

	(void)state;
	rw_setup(&rw, 1, 1000, false);
	rtp_rewrite_map_pt(&rw, 111, 111);
	for (int i = 0; i < 5; i++) {
		make_rtp(p, 111, (uint16_t)(7 + i), 960u * i, 0xA, 20);
		assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	}
	/* A DTX gap of 3 s is no frame duration. */
	make_rtp(p, 111, 12, 960u * 4 + 144000, 0xA, 20);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	ts0 = rtp_ts(p);
	make_rtp(p, 111, 300, 5, 0xB, 20);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_ts(p), ts0 + 960);
}

/* ---- RTCP ---- */

static void assert_report_equal(const struct rtp_report *a,
				const struct rtp_report *b)
{
	assert_int_equal(a->ssrc, b->ssrc);
	assert_int_equal(a->fraction, b->fraction);
	assert_int_equal(a->lost, b->lost);
	assert_int_equal(a->ext_max_seq, b->ext_max_seq);
	assert_int_equal(a->jitter, b->jitter);
	assert_int_equal(a->lsr, b->lsr);
	assert_int_equal(a->dlsr, b->dlsr);
}

/* A compound with one of every kind we know, padding in the last. */
static void make_compound(struct wbuf *w)
{
	size_t at;

	w->n = 0;
	at = rtcp_begin(w, 2, RTCP_SR);
	put32(w, 0xA);				/* sender */
	put32(w, 0xE1000000);
	put32(w, 0x80000000);			/* NTP */
	put32(w, 123456);			/* RTP ts */
	put32(w, 50);
	put32(w, 8000);
	for (uint32_t i = 0; i < 2; i++) {
		put32(w, 0xB + i);
		put32(w, 0x19FFFFFF);	/* fraction 25, lost -1 */
		put32(w, 0x1FFFF);
		put32(w, 33);
		put32(w, 0x12345678);
		put32(w, 0x10000);
	}
	rtcp_end(w, at);

	at = rtcp_begin(w, 2, RTCP_SDES);
	put32(w, 0xA);
	put8(w, 1);				/* CNAME */
	put8(w, 5);
	put_bytes(w, "alice", 5);
	put8(w, 6);				/* TOOL */
	put8(w, 2);
	put_bytes(w, "rg", 2);
	put8(w, 0);
	while ((w->n - at) % 4)
		put8(w, 0);
	put32(w, 0xB);
	put8(w, 1);
	put8(w, 2);
	put_bytes(w, "bb", 2);
	put8(w, 0);				/* end; rtcp_end pads */
	rtcp_end(w, at);

	at = rtcp_begin(w, 2, RTCP_BYE);
	put32(w, 0xA);
	put32(w, 0xB);
	put8(w, 3);
	put_bytes(w, "bye", 3);
	rtcp_end(w, at);

	at = rtcp_begin(w, 1, RTCP_RTPFB);	/* generic NACK */
	put32(w, 0xA);
	put32(w, 0xB);
	put16(w, 1000);
	put16(w, 0x8001);
	put16(w, 2000);
	put16(w, 0);
	rtcp_end(w, at);

	at = rtcp_begin(w, 1, RTCP_PSFB);	/* PLI */
	put32(w, 0xA);
	put32(w, 0xB);
	rtcp_end(w, at);

	at = rtcp_begin(w, 4, RTCP_PSFB);	/* FIR */
	put32(w, 0xA);
	put32(w, 0);
	put32(w, 0xB);
	put32(w, 7u << 24);
	rtcp_end(w, at);

	at = rtcp_begin(w, 15, RTCP_PSFB);	/* REMB 1.5 Mbit/s */
	put32(w, 0xA);
	put32(w, 0);
	put_bytes(w, "REMB", 4);
	put32(w, 2u << 24 | 3u << 18 | 187500);
	put32(w, 0xB);
	put32(w, 0xC);
	rtcp_end(w, at);

	at = rtcp_begin(w, 0, RTCP_APP);
	put32(w, 0xA);
	put_bytes(w, "TEST", 4);
	rtcp_end(w, at);

	at = rtcp_begin(w, 0, 195);		/* unknown type: skipped */
	put32(w, 0xA);
	rtcp_end(w, at);

	at = rtcp_begin(w, 0, RTCP_RR);		/* last, with padding */
	w->b[at] |= 0x20;
	put32(w, 0xA);
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
	put8(w, 4);
	rtcp_end(w, at);
}

static void test_rtcp_compound_parse(void **state)
{
	struct wbuf w;
	struct rtp_rtcp_pkt k;
	struct rtp_sender_info si;
	struct rtp_report rb;
	uint16_t pid, blp;
	uint32_t ssrc;
	uint64_t bps;
	size_t off = 0;

	(void)state;
	make_compound(&w);
	assert_int_equal(rtp_rtcp_validate(w.b, w.n), 10);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_SR);
	assert_int_equal(k.ssrc, 0xA);
	assert_int_equal(rtp_rtcp_items(&k), 2);
	assert_int_equal(rtp_rtcp_sender_info(&k, &si), 0);
	assert_true(si.ntp == 0xE100000080000000ull);
	assert_int_equal(si.rtp_ts, 123456);
	assert_int_equal(si.packets, 50);
	assert_int_equal(si.octets, 8000);
	assert_int_equal(rtp_rtcp_report_block(&k, 1, &rb), 0);
	assert_int_equal(rb.ssrc, 0xC);
	assert_int_equal(rb.fraction, 25);
	assert_int_equal(rb.lost, -1);
	assert_int_equal(rb.ext_max_seq, 0x1FFFF);
	assert_int_equal(rb.jitter, 33);
	assert_int_equal(rb.lsr, 0x12345678);
	assert_int_equal(rb.dlsr, 0x10000);
	assert_int_equal(rtp_rtcp_report_block(&k, 2, &rb), -RTP_ERR_ARG);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_SDES);
	assert_int_equal(rtp_rtcp_item_ssrc(&k, 1, &ssrc), 0);
	assert_int_equal(ssrc, 0xB);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_BYE);
	assert_int_equal(rtp_rtcp_items(&k), 2);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.fb, RTP_FB_NACK);
	assert_int_equal(k.media_ssrc, 0xB);
	assert_int_equal(rtp_rtcp_items(&k), 2);
	assert_int_equal(rtp_rtcp_nack(&k, 0, &pid, &blp), 0);
	assert_int_equal(pid, 1000);
	assert_int_equal(blp, 0x8001);
	assert_int_equal(rtp_rtcp_nack(&k, 2, &pid, &blp), -RTP_ERR_ARG);
	assert_int_equal(rtp_rtcp_item_ssrc(&k, 0, &ssrc), -RTP_ERR_ARG);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.fb, RTP_FB_PLI);
	assert_int_equal(k.media_ssrc, 0xB);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.fb, RTP_FB_FIR);
	assert_int_equal(rtp_rtcp_item_ssrc(&k, 0, &ssrc), 0);
	assert_int_equal(ssrc, 0xB);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.fb, RTP_FB_REMB);
	assert_int_equal(rtp_rtcp_remb(&k, &bps), 0);
	assert_true(bps == 1500000);
	assert_int_equal(rtp_rtcp_items(&k), 2);
	assert_int_equal(rtp_rtcp_item_ssrc(&k, 1, &ssrc), 0);
	assert_int_equal(ssrc, 0xC);

	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_APP);
	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, 195);
	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_RR);
	assert_int_equal(k.len, 8);		/* padding removed */
	assert_int_equal(rtp_rtcp_next(w.b, w.n, &off, &k), 0);
	assert_int_equal(off, w.n);
}

/* Every prefix of a compound is either a whole number of packets or
 * refused, and nothing reads past it (ASan build). */
static void test_rtcp_truncated(void **state)
{
	struct wbuf w;
	uint8_t copy[2048];
	int valid_prefixes = 0;

	(void)state;
	make_compound(&w);
	for (size_t len = 1; len < w.n; len++) {
		memcpy(copy, w.b, len);	/* exact-size view for ASan */
		int rc = rtp_rtcp_validate(copy, len);

		if (rc > 0)
			valid_prefixes++;
		else
			assert_true(rc == -RTP_ERR_RTCP_LEN ||
				    rc == -RTP_ERR_RTCP_BODY);
	}
	assert_int_equal(valid_prefixes, 9);
	assert_int_equal(rtp_rtcp_validate(w.b, 0), -RTP_ERR_SHORT);
}

/* Build a one-packet compound from words, fixing the length field. */
static size_t one(uint8_t *b, uint8_t b0, uint8_t pt, const uint32_t *wd,
		  size_t nw)
{
	b[0] = b0;
	b[1] = pt;
	rtp_wr16(b + 2, (uint16_t)nw);
	for (size_t i = 0; i < nw; i++)
		rtp_wr32(b + 4 + 4 * i, wd[i]);
	return 4 + 4 * nw;
}

static void test_rtcp_malicious(void **state)
{
	uint8_t b[256];
	size_t n;
	const uint32_t sr[6] = { 0xA, 0, 0, 0, 0, 0 };
	const uint32_t two[2] = { 0xA, 0xB };
	const uint32_t sdes_noend[2] = { 0xA, 0x01026162 };
	const uint32_t sdes_long[2] = { 0xA, 0x01096162 };
	const uint32_t remb[4] = { 0xA, 0, 0x52454D42, 5u << 24 };
	const uint32_t bye_reason[2] = { 0xA, 0x09616263 };

	(void)state;
	n = one(b, 0x80, RTCP_SR, sr, 6);
	assert_int_equal(rtp_rtcp_validate(b, n), 1);
	b[0] = 0x81;		/* claims a report block it lacks */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	b[0] = 0x9F;		/* 31 of them */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	b[0] = 0x40;		/* version 1 */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_VERSION);
	b[0] = 0x80;
	rtp_wr16(b + 2, 7);	/* one word longer than the datagram */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_LEN);
	rtp_wr16(b + 2, 0xFFFF);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_LEN);
	rtp_wr16(b + 2, 6);
	assert_int_equal(rtp_rtcp_validate(b, n - 2), -RTP_ERR_RTCP_LEN);
	assert_int_equal(rtp_rtcp_validate(b, 3), -RTP_ERR_RTCP_LEN);
	b[1] = 255;		/* outside 192-223 */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_TYPE);
	b[1] = 0x80 | 0;	/* PCMU with marker: RTP, not RTCP */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_TYPE);

	/* Padding: only in the last packet, 1..body. */
	n = one(b, 0xA0, RTCP_RR, two, 2);
	b[n - 1] = 4;		/* header + SSRC + 4 bytes of padding */
	assert_int_equal(rtp_rtcp_validate(b, n), 1);
	b[n - 1] = 8;		/* eats the SSRC */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	b[n - 1] = 0;
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_PADDING);
	b[n - 1] = 9;
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_PADDING);
	n = one(b, 0xA0, RTCP_RR, two, 2);
	b[n - 1] = 4;
	memcpy(b + n, b, n);	/* a padded packet followed by another */
	b[n - 1] = 4;
	b[0] = 0xA0;
	assert_int_equal(rtp_rtcp_validate(b, 2 * n), -RTP_ERR_PADDING);

	/* SDES: no end item; an item running past the packet. */
	n = one(b, 0x81, RTCP_SDES, sdes_noend, 2);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x81, RTCP_SDES, sdes_long, 2);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x82, RTCP_SDES, two, 2);	/* 2 chunks, 1 present */
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);

	/* BYE: more SSRCs than words; a reason longer than its room. */
	n = one(b, 0x83, RTCP_BYE, two, 2);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x81, RTCP_BYE, bye_reason, 2);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);

	/* Feedback: too short for the two SSRCs; NACK without FCI; FIR
	 * with half an entry; REMB listing 5 SSRCs but carrying none. */
	n = one(b, 0x81, RTCP_PSFB, two, 1);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x81, RTCP_RTPFB, two, 2);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x84, RTCP_PSFB, sr, 3);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
	n = one(b, 0x8F, RTCP_PSFB, remb, 4);
	assert_int_equal(rtp_rtcp_validate(b, n), -RTP_ERR_RTCP_BODY);
}

/* Random corruption of a good compound never crashes, and whatever is
 * accepted can be walked and mapped; what is refused stays untouched. */
static void test_rtcp_mutations(void **state)
{
	struct wbuf w, m;
	const struct rtp_ssrc_map map[] = { { 0xA, 0x1 }, { 0xB, 0x2 } };
	uint8_t before[2048];
	uint32_t x = 99;

	(void)state;
	make_compound(&w);
	for (int iter = 0; iter < 50000; iter++) {
		m = w;
		for (int j = 0; j < 3; j++) {
			x = x * 1103515245u + 12345u;
			m.b[(x >> 8) % m.n] = (uint8_t)(x >> 20);
		}
		x = x * 1103515245u + 12345u;
		m.n -= (x >> 10) % 8;
		memcpy(before, m.b, m.n);
		if (rtp_rtcp_map_ssrcs(m.b, m.n, map, 2) < 0)
			assert_memory_equal(before, m.b, m.n);
		else
			assert_true(rtp_rtcp_validate(m.b, m.n) > 0);
	}
}

static void test_rtcp_map_ssrcs(void **state)
{
	struct wbuf w;
	struct rtp_rtcp_pkt k;
	const struct rtp_ssrc_map map[] = { { 0xA, 0x1A }, { 0xB, 0x1B } };
	uint32_t ssrc;
	size_t off = 0;

	(void)state;
	make_compound(&w);
	/* SR 1+1, SDES 2, BYE 2, NACK 2, PLI 2, FIR 1+1 (media 0 stays),
	 * REMB 1+1 (0xC stays), APP 1, unknown 0, RR 1. */
	assert_int_equal(rtp_rtcp_map_ssrcs(w.b, w.n, map, 2), 16);
	while (rtp_rtcp_next(w.b, w.n, &off, &k) > 0) {
		if (k.pt == 195) {
			assert_int_equal(rtp_rd32(k.p + 4), 0xA);
			continue;
		}
		if (k.pt != RTCP_SDES && k.pt != RTCP_BYE)
			assert_int_equal(k.ssrc, 0x1A);
		for (unsigned i = 0; i < rtp_rtcp_items(&k); i++) {
			if (rtp_rtcp_item_ssrc(&k, i, &ssrc) == 0)
				assert_true(ssrc == 0x1A || ssrc == 0x1B ||
					    ssrc == 0xC);
		}
		if (k.fb == RTP_FB_NACK || k.fb == RTP_FB_PLI)
			assert_int_equal(k.media_ssrc, 0x1B);
	}
	/* A broken compound is refused and left as it was. */
	make_compound(&w);
	w.b[1] = 0;
	assert_int_equal(rtp_rtcp_map_ssrcs(w.b, w.n, map, 2),
			 -RTP_ERR_RTCP_TYPE);
	assert_int_equal(rtp_rd32(w.b + 4), 0xA);
}

static void test_rtcp_build_and_reparse(void **state)
{
	uint8_t b[1500];
	struct rtp_report rb[2] = {
		{ 0xB, 25, 100, 0x10010, 40, 0xAABBCCDD, 98304 },
		{ 0xC, 0, -5, 7, 0, 0, 0 },
	};
	struct rtp_report rb_many[32], got;
	struct rtp_sender_info si = { 0xE1000000C0000000ull, 8000, 50, 8000 };
	struct rtp_sender_info si2;
	struct rtp_rtcp_pkt k;
	size_t off = 0;
	int n, m;

	(void)state;
	n = rtp_rtcp_build_sr(b, sizeof(b), 0xA, &si, rb, 2);
	assert_int_equal(n, 28 + 48);
	m = rtp_rtcp_build_sdes(b + n, sizeof(b) - (size_t)n, 0xA,
				"mediad@rtcgate");
	assert_true(m > 0 && m % 4 == 0);
	assert_int_equal(rtp_rtcp_validate(b, (size_t)(n + m)), 2);
	assert_int_equal(rtp_rtcp_next(b, (size_t)(n + m), &off, &k), 1);
	assert_int_equal(k.ssrc, 0xA);
	assert_int_equal(rtp_rtcp_sender_info(&k, &si2), 0);
	assert_true(si2.ntp == si.ntp);
	assert_int_equal(si2.rtp_ts, si.rtp_ts);
	assert_int_equal(si2.packets, si.packets);
	assert_int_equal(si2.octets, si.octets);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(rtp_rtcp_report_block(&k, i, &got), 0);
		assert_report_equal(&got, &rb[i]);
	}

	n = rtp_rtcp_build_rr(b, sizeof(b), 0xA, NULL, 0);
	assert_int_equal(n, 8);
	assert_int_equal(rtp_rtcp_validate(b, 8), 1);

	/* Limits: 31 blocks, buffer size, a lost count beyond 24 bits. */
	memset(rb_many, 0, sizeof(rb_many));
	rb_many[30].lost = -9000000;
	assert_int_equal(rtp_rtcp_build_rr(b, sizeof(b), 0xA, rb_many, 31),
			 8 + 31 * 24);
	off = 0;
	assert_int_equal(rtp_rtcp_next(b, sizeof(b), &off, &k), 1);
	assert_int_equal(rtp_rtcp_report_block(&k, 30, &got), 0);
	assert_int_equal(got.lost, -0x800000);
	assert_int_equal(rtp_rtcp_build_rr(b, sizeof(b), 0xA, rb_many, 32),
			 -RTP_ERR_ARG);
	assert_int_equal(rtp_rtcp_build_sr(b, 51, 0xA, &si, rb, 1),
			 -RTP_ERR_NOSPACE);
	assert_int_equal(rtp_rtcp_build_sr(b, 52, 0xA, &si, rb, 1), 52);
	assert_int_equal(rtp_rtcp_build_rr(b, 7, 0xA, NULL, 0),
			 -RTP_ERR_NOSPACE);
}

static void test_rtcp_build_sdes_lengths(void **state)
{
	uint8_t b[300];
	char name[300];
	struct rtp_rtcp_pkt k;
	size_t off;

	(void)state;
	memset(name, 'x', sizeof(name));
	for (size_t len = 0; len <= 256; len++) {
		int n;

		name[len] = 0;
		n = rtp_rtcp_build_sdes(b, sizeof(b), 0xA, name);
		if (len == 256) {
			assert_int_equal(n, -RTP_ERR_ARG);
			break;
		}
		assert_int_equal(rtp_rtcp_build_sdes(b, (size_t)n - 1, 0xA,
						     name), -RTP_ERR_NOSPACE);
		n = rtp_rtcp_build_sdes(b, sizeof(b), 0xA, name);
		name[len] = 'x';
		assert_int_equal(n, (int)((10 + len + 4) & ~(size_t)3));
		assert_int_equal(rtp_rtcp_validate(b, (size_t)n), 1);
		off = 0;
		assert_int_equal(rtp_rtcp_next(b, (size_t)n, &off, &k), 1);
		assert_int_equal(k.ssrc, 0xA);
		assert_int_equal(b[9], len);
	}
}

static void test_ntp(void **state)
{
	(void)state;
	assert_true(rtp_ntp_from_unix_us(0) == 2208988800ull << 32);
	assert_true(rtp_ntp_from_unix_us(1500000) ==
		    ((2208988801ull << 32) | 0x80000000u));
}

/* ---- receiver statistics ---- */

static void test_rxstats_probation_and_jumps(void **state)
{
	struct rtp_rxstats s;
	struct rtp_report rb;

	(void)state;
	rtp_rxstats_init(&s, 0xA, 8000);
	assert_int_equal(rtp_rxstats_report(&s, 0, &rb), 0);
	assert_int_equal(rtp_rxstats_update(&s, 100, 0, 0), 0);
	assert_int_equal(rtp_rxstats_report(&s, 0, &rb), 0);
	/* Out of order during probation: starts over. */
	assert_int_equal(rtp_rxstats_update(&s, 300, 0, 0), 0);
	assert_int_equal(rtp_rxstats_update(&s, 301, 160, 20000), 1);
	assert_int_equal(rtp_rxstats_update(&s, 302, 320, 40000), 1);
	assert_int_equal(s.received, 2);
	/* One stray packet far away is not counted... */
	assert_int_equal(rtp_rxstats_update(&s, 20000, 0, 60000), 0);
	assert_int_equal(rtp_rxstats_update(&s, 303, 480, 60000), 1);
	assert_int_equal(rtp_rxstats_report(&s, 60000, &rb), 1);
	assert_int_equal(rb.ext_max_seq, 303);
	assert_int_equal(rb.lost, 0);
	/* ...two in a row after a jump mean the sender restarted. */
	assert_int_equal(rtp_rxstats_update(&s, 9000, 0, 80000), 0);
	assert_int_equal(rtp_rxstats_update(&s, 9001, 160, 100000), 1);
	assert_int_equal(s.received, 1);
	assert_int_equal(rtp_rxstats_report(&s, 100000, &rb), 1);
	assert_int_equal(rb.ext_max_seq, 9001);
	assert_int_equal(rb.lost, 0);
}

/* 2000 packets from seq 65000 (wrapping), every 20th lost, pairs swapped
 * every 50, then duplicates: loss, fraction and wrap per RFC 3550 A.3. */
static void test_rxstats_loss_and_reorder(void **state)
{
	struct rtp_rxstats s;
	struct rtp_report rb;
	uint64_t now = 1000000;
	int order[2000];

	(void)state;
	for (int i = 0; i < 2000; i++)
		order[i] = i;
	for (int i = 10; i < 1990; i += 50) {
		order[i] = i + 1;
		order[i + 1] = i;
	}
	rtp_rxstats_init(&s, 0xA, 8000);
	for (int j = 0; j < 2000; j++) {
		int i = order[j];

		if (i % 20 == 19 && i != 1999)
			continue;
		rtp_rxstats_update(&s, (uint16_t)(65000 + i), 160u * i, now);
		now += 20000;
	}
	assert_int_equal(rtp_rxstats_report(&s, now, &rb), 1);
	assert_int_equal(rb.ssrc, 0xA);
	assert_int_equal(rb.ext_max_seq, 65000 + 1999);	/* one cycle */
	assert_true(rb.ext_max_seq >> 16 == 1);
	/* The first packet was spent on probation: expected counts from
	 * the second.  99 lost of 1999. */
	assert_int_equal(rb.lost, 99);
	assert_int_equal(rb.fraction, (99 << 8) / 1999);

	/* Next interval: 100 more, 10 lost -> 10 %. */
	for (int i = 2000; i < 2100; i++) {
		if (i % 10 == 0)
			continue;
		rtp_rxstats_update(&s, (uint16_t)(65000 + i), 160u * i, now);
		now += 20000;
	}
	assert_int_equal(rtp_rxstats_report(&s, now, &rb), 1);
	assert_int_equal(rb.lost, 109);
	assert_int_equal(rb.fraction, 25);	/* 10/100 * 256 */

	/* Every packet twice: cumulative lost goes down (A.3 allows a
	 * negative count), the fraction stays 0. */
	for (int i = 2100; i < 2300; i++) {
		rtp_rxstats_update(&s, (uint16_t)(65000 + i), 160u * i, now);
		rtp_rxstats_update(&s, (uint16_t)(65000 + i), 160u * i, now);
		now += 20000;
	}
	assert_int_equal(rtp_rxstats_report(&s, now, &rb), 1);
	assert_int_equal(rb.lost, 109 - 200);
	assert_int_equal(rb.fraction, 0);

	/* Silence: nothing arrives, fraction would be 0 (no expected). */
	assert_int_equal(rtp_rxstats_report(&s, now, &rb), 1);
	assert_int_equal(rb.fraction, 0);
}

/* A burst: 50 of the 51 packets expected in an interval lost. */
static void test_rxstats_burst_loss(void **state)
{
	struct rtp_rxstats s;
	struct rtp_report rb;

	(void)state;
	rtp_rxstats_init(&s, 0xA, 8000);
	for (int i = 0; i < 10; i++)
		rtp_rxstats_update(&s, (uint16_t)i, 160u * i, 20000u * i);
	rtp_rxstats_report(&s, 0, &rb);
	/* seq 10..59 all lost; 60 arrives. */
	rtp_rxstats_update(&s, 60, 9600, 1200000);
	assert_int_equal(rtp_rxstats_report(&s, 0, &rb), 1);
	assert_int_equal(rb.fraction, (50 << 8) / 51);
	assert_int_equal(rb.lost, 50);
	assert_int_equal(rb.ext_max_seq, 60);
}

static void test_rxstats_jitter(void **state)
{
	struct rtp_rxstats s;
	struct rtp_report rb;

	(void)state;
	/* Constant transit: no jitter. */
	rtp_rxstats_init(&s, 0xA, 8000);
	for (int i = 0; i < 500; i++)
		rtp_rxstats_update(&s, (uint16_t)i, 1234 + 160u * i,
				   5000000 + 20000u * i);
	rtp_rxstats_report(&s, 0, &rb);
	assert_int_equal(rb.jitter, 0);

	/* Every other packet 10 ms late: |D| is 80 ticks each time, so J
	 * converges to 80 (RFC 3550 A.8). */
	rtp_rxstats_init(&s, 0xA, 8000);
	for (int i = 0; i < 500; i++)
		rtp_rxstats_update(&s, (uint16_t)i, 160u * i,
				   20000u * i + (i % 2 ? 10000 : 0));
	rtp_rxstats_report(&s, 0, &rb);
	assert_in_range(rb.jitter, 78, 80);

	/* The same at 48 kHz, 5 ms: 240 ticks; timestamps wrap. */
	rtp_rxstats_init(&s, 0xA, 48000);
	for (int i = 0; i < 800; i++)
		rtp_rxstats_update(&s, (uint16_t)i, 0xFFFF0000u + 960u * i,
				   20000u * i + (i % 2 ? 5000 : 0));
	rtp_rxstats_report(&s, 0, &rb);
	assert_in_range(rb.jitter, 236, 240);
}

static void test_rxstats_lsr_dlsr(void **state)
{
	struct rtp_rxstats s;
	struct rtp_report rb;

	(void)state;
	rtp_rxstats_init(&s, 0xA, 8000);
	rtp_rxstats_update(&s, 1, 0, 0);
	rtp_rxstats_update(&s, 2, 160, 20000);
	assert_int_equal(rtp_rxstats_report(&s, 30000, &rb), 1);
	assert_int_equal(rb.lsr, 0);
	assert_int_equal(rb.dlsr, 0);
	rtp_rxstats_sr(&s, 0xE1234567ABCD0000ull, 1000000);
	assert_int_equal(rtp_rxstats_report(&s, 2500000, &rb), 1);
	assert_int_equal(rb.lsr, 0x4567ABCD);
	assert_int_equal(rb.dlsr, 98304);	/* 1.5 s * 65536 */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_never_overruns),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_demux_every_first_byte),
		cmocka_unit_test(test_rewrite_continuity_across_ssrc_changes),
		cmocka_unit_test(test_rewrite_reorder_and_stale),
		cmocka_unit_test(test_rewrite_leaps_keep_output_continuous),
		cmocka_unit_test(test_rewrite_pt_map_and_marker),
		cmocka_unit_test(test_rewrite_learns_frame_duration),
		cmocka_unit_test(test_rtcp_compound_parse),
		cmocka_unit_test(test_rtcp_truncated),
		cmocka_unit_test(test_rtcp_malicious),
		cmocka_unit_test(test_rtcp_mutations),
		cmocka_unit_test(test_rtcp_map_ssrcs),
		cmocka_unit_test(test_rtcp_build_and_reparse),
		cmocka_unit_test(test_rtcp_build_sdes_lengths),
		cmocka_unit_test(test_ntp),
		cmocka_unit_test(test_rxstats_probation_and_jumps),
		cmocka_unit_test(test_rxstats_loss_and_reorder),
		cmocka_unit_test(test_rxstats_burst_loss),
		cmocka_unit_test(test_rxstats_jitter),
		cmocka_unit_test(test_rxstats_lsr_dlsr),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("rtp", tests, NULL, NULL);
}
