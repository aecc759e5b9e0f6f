/* Unit tests for mediad/mrtcp: our SR/RR + SDES built from known
 * counters (RFC 3550 6.4.1 field layout, 6.1 compound), received SRs kept
 * for LSR/DLSR, relay rewriting of SSRCs, RTP times and extended sequence
 * numbers, report scheduling, and truncated or garbage compounds
 * rejected with the buffer untouched.  argv[1] is an optional name
 * filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediad/mrtcp.h"
#include "mediad/sdp.h"

#include <arpa/inet.h>

/* ---- helpers ---- */

struct wbuf {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct wbuf *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }

static void put32(struct wbuf *w, uint32_t v)
{
	rtp_wr32(w->b + w->n, v);
	w->n += 4;
}

static size_t rtcp_begin(struct wbuf *w, unsigned count, unsigned pt)
{
	size_t at = w->n;

	put8(w, 0x80 | count);
	put8(w, pt);
	put8(w, 0);
	put8(w, 0);
	return at;
}

static void rtcp_end(struct wbuf *w, size_t at)
{
	while ((w->n - at) % 4)
		put8(w, 0);
	rtp_wr16(w->b + at + 2, (uint16_t)((w->n - at) / 4 - 1));
}

static void put_block(struct wbuf *w, uint32_t ssrc, uint32_t ext_seq,
		      uint32_t lsr)
{
	put32(w, ssrc);
	put32(w, 0x0A000003);		/* fraction 10, lost 3 */
	put32(w, ext_seq);
	put32(w, 77);			/* jitter */
	put32(w, lsr);
	put32(w, 0x00008000);		/* DLSR 0.5 s */
}

static void put_sr(struct wbuf *w, uint32_t ssrc, uint64_t ntp,
		   uint32_t rtp_ts, unsigned nblocks, uint32_t about,
		   uint32_t ext_seq)
{
	size_t at = rtcp_begin(w, nblocks, RTCP_SR);

	put32(w, ssrc);
	put32(w, (uint32_t)(ntp >> 32));
	put32(w, (uint32_t)ntp);
	put32(w, rtp_ts);
	put32(w, 50);			/* packets */
	put32(w, 8000);			/* octets */
	for (unsigned i = 0; i < nblocks; i++)
		put_block(w, about, ext_seq, 0x12345678);
	rtcp_end(w, at);
}

static void put_sdes(struct wbuf *w, uint32_t ssrc, const char *cname)
{
	size_t at = rtcp_begin(w, 1, RTCP_SDES);
	size_t n = strlen(cname);

	put32(w, ssrc);
	put8(w, 1);			/* CNAME */
	put8(w, (unsigned)n);
	memcpy(w->b + w->n, cname, n);
	w->n += n;
	put8(w, 0);			/* end of items */
	rtcp_end(w, at);
}

static void put_pli(struct wbuf *w, uint32_t sender, uint32_t media)
{
	size_t at = rtcp_begin(w, 1, RTCP_PSFB);

	put32(w, sender);
	put32(w, media);
	rtcp_end(w, at);
}

static size_t make_rtp(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t ssrc,
		       size_t payload)
{
	p[0] = 0x80;
	p[1] = 0;
	rtp_wr16(p + 2, seq);
	rtp_wr32(p + 4, ts);
	rtp_wr32(p + 8, ssrc);
	memset(p + 12, 0xFF, payload);
	return 12 + payload;
}

/* Next packet of a compound, which must be there. */
static void next_pkt(const uint8_t *b, size_t n, size_t *off,
		     struct rtp_rtcp_pkt *k)
{
	assert_int_equal(rtp_rtcp_next(b, n, off, k), 1);
}

enum { T0 = 1000000000 };	/* a "now" in microseconds */

/* ---- our own reports ---- */

static void test_sr_from_known_counters(void **state)
{
	struct mrtcp r;
	uint8_t pkt[200], out[MRTCP_MAX];
	struct rtp_rtcp_pkt k;
	struct rtp_sender_info si;
	struct rtp_report rb;
	uint64_t peer_ntp = (uint64_t)3900000000u << 32 | 0x80000000u;
	uint64_t wall = 1700000000ull * 1000000 + 250000;
	size_t off = 0;
	char cname[64];
	int n;
	(void)state;

	memset(&r, 0, sizeof(r));
	/* We send three 20 ms PCMU packets: 3 packets, 480 octets. */
	for (int i = 0; i < 3; i++) {
		size_t len = make_rtp(pkt, (uint16_t)(7 + i),
				      5000 + 160 * (uint32_t)i, 0xAAAA, 160);
		mrtcp_tx_rtp(&r, pkt, len, T0 + 20000 * (uint64_t)i);
	}
	/* The peer sends seq 100..119 with 110 lost, then an SR. */
	for (uint16_t s = 100; s < 120; s++) {
		if (s == 110)
			continue;
		make_rtp(pkt, s, 160u * s, 0x1111, 160);
		mrtcp_rx_rtp(&r, pkt, 8000, T0 + 20000ull * s);
	}
	struct wbuf w = { .n = 0 };
	put_sr(&w, 0x1111, peer_ntp, 123, 0, 0, 0);
	assert_int_equal(mrtcp_consume(&r, w.b, w.n, T0 + 3000000), 1);
	assert_int_equal(r.rx_pkts, 1);

	/* 0.5 s after the SR; the last packet we sent left 40 ms in. */
	n = mrtcp_build(&r, out, sizeof(out), 0xAAAA, "sess-1", 8000, wall,
			T0 + 3500000);
	assert_true(n > 0);
	assert_int_equal(n % 4, 0);
	assert_int_equal(rtp_rtcp_validate(out, (size_t)n), 2);

	next_pkt(out, (size_t)n, &off, &k);
	assert_int_equal(k.pt, RTCP_SR);
	assert_int_equal(k.count, 1);
	assert_int_equal(k.len, 28 + 24);
	assert_int_equal(k.ssrc, 0xAAAA);
	assert_int_equal(rtp_rtcp_sender_info(&k, &si), 0);
	assert_true(si.ntp == rtp_ntp_from_unix_us(wall));
	assert_int_equal(si.ntp >> 32, 1700000000ull + 2208988800ull);
	assert_int_equal(si.packets, 3);
	assert_int_equal(si.octets, 480);
	/* 5320 + (3.5 s - 40 ms) * 8000 */
	assert_int_equal(si.rtp_ts, 5320 + 27680);
	assert_int_equal(rtp_rtcp_report_block(&k, 0, &rb), 0);
	assert_int_equal(rb.ssrc, 0x1111);
	assert_int_equal(rb.lost, 1);
	assert_int_equal(rb.ext_max_seq, 119);
	assert_true(rb.fraction > 0);
	assert_int_equal(rb.lsr, (uint32_t)(peer_ntp >> 16));
	assert_int_equal(rb.dlsr, 0x8000);	/* 0.5 s in 1/65536 s */

	next_pkt(out, (size_t)n, &off, &k);
	assert_int_equal(k.pt, RTCP_SDES);
	assert_int_equal(k.ssrc, 0xAAAA);
	assert_int_equal(k.p[8], 1);		/* CNAME item */
	assert_int_equal(k.p[9], 6);
	memcpy(cname, k.p + 10, 6);
	cname[6] = '\0';
	assert_string_equal(cname, "sess-1");
	assert_int_equal(rtp_rtcp_next(out, (size_t)n, &off, &k), 0);
	assert_int_equal(r.tx_pkts, 1);
}

static void test_rr_when_not_sending(void **state)
{
	struct mrtcp r;
	uint8_t out[MRTCP_MAX], pkt[100];
	struct rtp_rtcp_pkt k;
	size_t off = 0;
	int n;
	(void)state;

	memset(&r, 0, sizeof(r));
	/* Nothing received either: an empty RR, then SDES. */
	n = mrtcp_build(&r, out, sizeof(out), 0xBBBB, "x", 8000, 0, T0);
	assert_int_equal(rtp_rtcp_validate(out, (size_t)n), 2);
	next_pkt(out, (size_t)n, &off, &k);
	assert_int_equal(k.pt, RTCP_RR);
	assert_int_equal(k.count, 0);
	assert_int_equal(k.len, 8);
	/* With a source: one block. */
	for (uint16_t s = 1; s < 5; s++) {
		make_rtp(pkt, s, 160u * s, 0x2222, 20);
		mrtcp_rx_rtp(&r, pkt, 8000, T0 + 20000ull * s);
	}
	off = 0;
	n = mrtcp_build(&r, out, sizeof(out), 0xBBBB, "x", 8000, 0, T0 + 1e6);
	next_pkt(out, (size_t)n, &off, &k);
	assert_int_equal(k.pt, RTCP_RR);
	assert_int_equal(k.count, 1);
	assert_int_equal(rtp_rd32(k.p + 8), 0x2222);
	assert_int_equal(rtp_rd32(k.p + 16), 4);	/* ext highest seq */
	assert_int_equal(rtp_rd32(k.p + 24), 0);	/* no SR: LSR 0 */
	/* A new source restarts the statistics. */
	make_rtp(pkt, 9000, 0, 0x3333, 20);
	mrtcp_rx_rtp(&r, pkt, 8000, T0 + 2e6);
	assert_int_equal(r.rx.ssrc, 0x3333);
	/* Too small a buffer: refused, not overrun. */
	assert_true(mrtcp_build(&r, out, 12, 0xBBBB, "x", 8000, 0, T0) < 0);
	assert_true(mrtcp_build(&r, out, 4, 0xBBBB, "x", 8000, 0, T0) < 0);
}

static void test_schedule(void **state)
{
	struct mrtcp r;
	uint8_t out[MRTCP_MAX];
	(void)state;

	memset(&r, 0, sizeof(r));
	assert_false(mrtcp_due(&r, T0));		/* schedules */
	assert_false(mrtcp_due(&r, T0 + MRTCP_INTERVAL_US - 1));
	assert_true(mrtcp_due(&r, T0 + MRTCP_INTERVAL_US));
	assert_true(mrtcp_build(&r, out, sizeof(out), 1, "c", 8000, 0,
				T0 + MRTCP_INTERVAL_US) > 0);
	assert_false(mrtcp_due(&r, T0 + MRTCP_INTERVAL_US + 1));
	assert_true(mrtcp_due(&r, T0 + 2 * MRTCP_INTERVAL_US));
}

/* An SR from another SSRC than the one we report on is not our LSR. */
static void test_consume_other_sender(void **state)
{
	struct mrtcp r;
	uint8_t pkt[100];
	struct wbuf w = { .n = 0 };
	(void)state;

	memset(&r, 0, sizeof(r));
	make_rtp(pkt, 1, 0, 0x1111, 20);
	mrtcp_rx_rtp(&r, pkt, 8000, T0);
	put_sr(&w, 0x9999, 1ull << 40, 0, 0, 0, 0);
	put_sdes(&w, 0x9999, "other");
	assert_int_equal(mrtcp_consume(&r, w.b, w.n, T0), 2);
	assert_false(r.rx.have_sr);
	assert_int_equal(r.peer_rtcp_us, T0);
}

/* ---- relay ---- */

static const struct mrtcp_xlate X = {
	.out_ssrc = 0x0000AAAA,		/* ours toward the other side */
	.have_src = true, .src_ssrc = 0x00001111, .ts_off = 1000,
	.in_ssrc = 0x0000BBBB,		/* ours toward the sender */
	.have_peer = true, .peer_ssrc = 0x00002222, .seq_off = 300,
};

static void test_relay_rewrites(void **state)
{
	struct wbuf w = { .n = 0 };
	struct rtp_rtcp_pkt k;
	struct rtp_sender_info si;
	struct rtp_report rb;
	size_t off = 0;
	(void)state;

	/* SR from the peer (its RTP SSRC 0x1111) reporting on our stream
	 * toward it (0xBBBB, our seq 0x0002_0190 = 400 in cycle 2), its
	 * SDES, and a PLI about our stream. */
	put_sr(&w, 0x1111, 0x0102030405060708ull, 5000, 1, 0xBBBB,
	       0x00020190);
	put_sdes(&w, 0x1111, "peer");
	put_pli(&w, 0x1111, 0xBBBB);
	assert_true(mrtcp_relay(w.b, w.n, &X) >= 4);

	next_pkt(w.b, w.n, &off, &k);
	assert_int_equal(k.ssrc, 0xAAAA);
	assert_int_equal(rtp_rtcp_sender_info(&k, &si), 0);
	assert_true(si.ntp == 0x0102030405060708ull);	/* untouched */
	assert_int_equal(si.rtp_ts, 6000);		/* + ts_off */
	assert_int_equal(si.packets, 50);
	assert_int_equal(rtp_rtcp_report_block(&k, 0, &rb), 0);
	assert_int_equal(rb.ssrc, 0x2222);		/* the other peer's */
	assert_int_equal(rb.ext_max_seq, 0x00020064);	/* 400 - 300 */
	assert_int_equal(rb.lsr, 0x12345678);		/* kept */
	assert_int_equal(rb.jitter, 77);
	next_pkt(w.b, w.n, &off, &k);
	assert_int_equal(k.pt, RTCP_SDES);
	assert_int_equal(k.ssrc, 0xAAAA);
	next_pkt(w.b, w.n, &off, &k);
	assert_int_equal(k.fb, RTP_FB_PLI);
	assert_int_equal(k.ssrc, 0xAAAA);
	assert_int_equal(k.media_ssrc, 0x2222);
}

/* A block about someone else, an SR from a second sender and a peer we
 * do not know yet: sender mapped, the rest left alone. */
static void test_relay_partial(void **state)
{
	struct wbuf w = { .n = 0 };
	struct mrtcp_xlate x = X;
	struct rtp_rtcp_pkt k;
	struct rtp_report rb;
	struct rtp_sender_info si;
	size_t off = 0;
	(void)state;

	put_sr(&w, 0x7777, 1, 5000, 1, 0x4444, 10);
	x.have_peer = false;
	assert_true(mrtcp_relay(w.b, w.n, &x) >= 1);
	next_pkt(w.b, w.n, &off, &k);
	assert_int_equal(k.ssrc, 0xAAAA);
	assert_int_equal(rtp_rtcp_sender_info(&k, &si), 0);
	assert_int_equal(si.rtp_ts, 5000);	/* not the rewritten source */
	assert_int_equal(rtp_rtcp_report_block(&k, 0, &rb), 0);
	assert_int_equal(rb.ssrc, 0x4444);
	assert_int_equal(rb.ext_max_seq, 10);

	/* Unknown peer: a block about our SSRC keeps it and its seq. */
	w.n = 0;
	off = 0;
	put_sr(&w, 0x1111, 1, 5000, 1, 0xBBBB, 400);
	assert_true(mrtcp_relay(w.b, w.n, &x) >= 1);
	next_pkt(w.b, w.n, &off, &k);
	assert_int_equal(rtp_rtcp_report_block(&k, 0, &rb), 0);
	assert_int_equal(rb.ssrc, 0xBBBB);
	assert_int_equal(rb.ext_max_seq, 400);
}

/* ---- bad input ---- */

static void expect_rejected(uint8_t *b, size_t n)
{
	struct mrtcp r;
	uint8_t copy[1024];

	memset(&r, 0, sizeof(r));
	memcpy(copy, b, n);
	assert_true(mrtcp_relay(b, n, &X) < 0);
	assert_memory_equal(b, copy, n);
	assert_true(mrtcp_consume(&r, b, n, T0) < 0);
	assert_int_equal(r.rx_pkts, 0);
	assert_int_equal(r.peer_rtcp_us, 0);
}

static void test_truncated_and_broken(void **state)
{
	struct wbuf w = { .n = 0 };
	uint8_t b[1024];
	size_t full;
	(void)state;

	put_sr(&w, 0x1111, 1, 2, 2, 0xBBBB, 3);
	put_sdes(&w, 0x1111, "peer");
	full = w.n;
	/* Every truncation of a valid compound is refused. */
	for (size_t n = 0; n < full; n++) {
		if (n == 28 + 48)
			continue;	/* the SR alone is a valid compound */
		memcpy(b, w.b, full);
		expect_rejected(b, n);
	}
	/* Version 1. */
	memcpy(b, w.b, full);
	b[0] = (uint8_t)((b[0] & 0x3F) | 0x40);
	expect_rejected(b, full);
	/* Length field past the end. */
	memcpy(b, w.b, full);
	rtp_wr16(b + 2, 200);
	expect_rejected(b, full);
	/* More report blocks than the packet holds. */
	memcpy(b, w.b, full);
	b[0] = 0x80 | 5;
	expect_rejected(b, full);
	/* Not an RTCP packet type. */
	memcpy(b, w.b, full);
	b[1] = 96;
	expect_rejected(b, full);
	/* SDES item running past its chunk. */
	memcpy(b, w.b, full);
	b[28 + 48 + 9] = 200;
	expect_rejected(b, full);
}

/* Random bytes and random mutations of a good compound: each either
 * passes validation or is refused untouched; nothing reads past n (the
 * sanitizer build checks that). */
static void test_garbage(void **state)
{
	struct wbuf w = { .n = 0 };
	uint8_t b[512], copy[512];
	unsigned seed = 12345;
	int refused = 0;
	(void)state;

	put_sr(&w, 0x1111, 1, 2, 1, 0xBBBB, 3);
	put_sdes(&w, 0x1111, "peer");
	put_pli(&w, 0x1111, 0xBBBB);
	for (int i = 0; i < 20000; i++) {
		struct mrtcp r;
		size_t n;
		int rv;

		memset(&r, 0, sizeof(r));
		if (i % 2) {
			n = (size_t)rand_r(&seed) % sizeof(b);
			for (size_t j = 0; j < n; j++)
				b[j] = (uint8_t)rand_r(&seed);
			b[0] = (uint8_t)(0x80 | (b[0] & 0x3F));
		} else {
			n = w.n;
			memcpy(b, w.b, n);
			b[(size_t)rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		}
		uint8_t *heap = malloc(n ? n : 1);	/* exact size: ASan */
		memcpy(heap, b, n);
		memcpy(copy, b, n);
		rv = mrtcp_relay(heap, n, &X);
		if (rv < 0) {
			refused++;
			assert_memory_equal(heap, copy, n);
			assert_true(mrtcp_consume(&r, heap, n, T0) < 0);
		} else {
			assert_true(rtp_rtcp_validate(heap, n) > 0);
		}
		free(heap);
	}
	assert_true(refused > 10000);
}

/* ---- the SIP side's a=rtcp / a=rtcp-mux, and our BYE ---- */

#define SIP_SDP(audio_attrs, video_attrs) \
	"v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\n" \
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" \
	audio_attrs "m=video 40100 RTP/AVP 96\r\n" \
	"a=rtpmap:96 VP8/90000\r\n" video_attrs

static struct sdp_session *parse_sip(const char *sdp)
{
	struct sdp_session *sd = NULL;

	assert_int_equal(sdp_session_new(&sd), 0);
	assert_int_equal(sdp_session_parse(sd, sdp, strlen(sdp), NULL), 0);
	assert_int_equal(sd->nmedia, 2);
	return sd;
}

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	return ss;
}

/* Where mrtcp_sip_dest sends for a peer whose RTP is at 192.0.2.5:rtp:
 * "ip:port", or "mux". */
static void dest_is(const struct mrtcp *r, uint16_t rtp, const char *want)
{
	struct sockaddr_storage peer = v4("192.0.2.5", rtp), to;
	socklen_t tl = 0;
	char got[64], ip[INET_ADDRSTRLEN];

	if (!mrtcp_sip_dest(r, &peer, sizeof(struct sockaddr_in), &to, &tl)) {
		assert_string_equal("mux", want);
		return;
	}
	assert_int_equal(tl, sizeof(struct sockaddr_in));
	inet_ntop(AF_INET, &((struct sockaddr_in *)&to)->sin_addr, ip,
		  sizeof(ip));
	snprintf(got, sizeof(got), "%s:%u", ip,
		 ntohs(((struct sockaddr_in *)&to)->sin_port));
	assert_string_equal(got, want);
}

static void test_sdp_rtcp_dest(void **state)
{
	struct sdp_session *sd;
	struct sockaddr_storage from;
	struct mrtcp r;

	(void)state;
	/* RFC 3605 with an address of its own, audio; port only, video */
	sd = parse_sip(SIP_SDP("a=rtcp:41001 IN IP4 198.51.100.7\r\n",
			       "a=rtcp:41101\r\n"));
	assert_int_equal(sd->media[0].rtcp_port, 41001);
	assert_int_equal(sd->media[0].rtcp_conn.af, SDP_AF_IP4);
	assert_string_equal(sd->media[0].rtcp_conn.addr, "198.51.100.7");
	assert_int_equal(sd->media[1].rtcp_conn.af, SDP_AF_NONE);
	memset(&r, 0, sizeof(r));
	mrtcp_sdp_read(&r, &sd->media[0], false);
	dest_is(&r, 40000, "198.51.100.7:41001");
	/* its RTCP may come from that host */
	from = v4("198.51.100.7", 9);
	assert_true(mrtcp_sdp_host(&r, &from));
	from = v4("198.51.100.8", 41001);
	assert_false(mrtcp_sdp_host(&r, &from));
	memset(&r, 0, sizeof(r));
	mrtcp_sdp_read(&r, &sd->media[1], false);
	dest_is(&r, 40100, "192.0.2.5:41101");	/* c='s host */
	from = v4("198.51.100.7", 9);		/* no a=rtcp host here */
	assert_false(mrtcp_sdp_host(&r, &from));
	/* its RTCP arrived from elsewhere: latching wins */
	r.rpeer = v4("203.0.113.1", 5555);
	r.rpeerlen = sizeof(struct sockaddr_in);
	dest_is(&r, 40100, "203.0.113.1:5555");
	sdp_session_free(sd);

	/* nothing said: RTP + 1; 0.0.0.0 names no host; a bad address
	 * leaves the port usable */
	sd = parse_sip(SIP_SDP("", "a=rtcp:41101 IN IP4 0.0.0.0\r\n"));
	memset(&r, 0, sizeof(r));
	mrtcp_sdp_read(&r, &sd->media[0], false);
	dest_is(&r, 40000, "192.0.2.5:40001");
	mrtcp_sdp_read(&r, &sd->media[1], false);
	dest_is(&r, 40100, "192.0.2.5:41101");
	sdp_session_free(sd);
	sd = parse_sip(SIP_SDP("a=rtcp:41001 IN IP4 not..an.address\r\n", ""));
	assert_int_equal(sd->media[0].rtcp_conn.af, SDP_AF_IP4);
	memset(&r, 0, sizeof(r));
	mrtcp_sdp_read(&r, &sd->media[0], false);
	dest_is(&r, 40000, "192.0.2.5:41001");
	sdp_session_free(sd);
}

static void test_sdp_rtcp_mux(void **state)
{
	struct sdp_session *sd, *plain;
	struct mrtcp r;

	(void)state;
	sd = parse_sip(SIP_SDP("a=rtcp-mux\r\n", "a=rtcp-mux\r\n"));
	plain = parse_sip(SIP_SDP("", ""));
	memset(&r, 0, sizeof(r));
	mrtcp_sdp_read(&r, &sd->media[1], false);
	assert_true(r.sdp_mux);
	dest_is(&r, 40100, "mux");
	/* rtcp-mux seen on the wire stays through the first exchange ... */
	memset(&r, 0, sizeof(r));
	r.peer_mux = true;
	mrtcp_sdp_read(&r, &plain->media[0], false);
	assert_false(r.sdp_mux);
	dest_is(&r, 40000, "mux");
	/* ... a re-offer without it is believed */
	mrtcp_sdp_read(&r, &plain->media[0], true);
	dest_is(&r, 40000, "192.0.2.5:40001");
	mrtcp_sdp_read(&r, &sd->media[0], true);
	dest_is(&r, 40000, "mux");
	sdp_session_free(sd);
	sdp_session_free(plain);
}

/* The SDP writer keeps a=rtcp's address (it reproduces what it read). */
static void test_sdp_rtcp_written(void **state)
{
	struct sdp_session *sd = parse_sip(SIP_SDP(
		"a=rtcp:41001 IN IP4 198.51.100.7\r\n", "a=rtcp:41101\r\n"));
	char out[2048];

	(void)state;
	assert_int_equal(sdp_session_write(sd, out, sizeof(out), NULL), 0);
	assert_non_null(strstr(out, "a=rtcp:41001 IN IP4 198.51.100.7\r\n"));
	assert_non_null(strstr(out, "a=rtcp:41101\r\n"));
	sdp_session_free(sd);
}

/* Walks a BYE compound: report first, SDES, then BYE naming ssrcs. */
static void bye_is(const uint8_t *b, int n, uint8_t first,
		   const uint32_t *ssrcs, unsigned count)
{
	struct rtp_rtcp_pkt k;
	size_t off = 0;

	assert_true(n > 0);
	assert_int_equal(rtp_rtcp_validate(b, (size_t)n), 3);
	assert_int_equal(rtp_rtcp_next(b, (size_t)n, &off, &k), 1);
	assert_int_equal(k.pt, first);
	assert_int_equal(k.ssrc, ssrcs[0]);
	assert_int_equal(rtp_rtcp_next(b, (size_t)n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_SDES);
	assert_int_equal(rtp_rtcp_next(b, (size_t)n, &off, &k), 1);
	assert_int_equal(k.pt, RTCP_BYE);
	assert_int_equal(k.count, count);
	assert_int_equal(k.len, 4 + 4 * count);
	for (unsigned i = 0; i < count; i++)
		assert_int_equal(rtp_rd32(k.p + 4 + 4 * i), ssrcs[i]);
	assert_int_equal(off, (size_t)n);
}

static void test_bye(void **state)
{
	uint8_t rtp[12 + 160] = { 0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4 };
	const uint32_t two[] = { 0x11111111, 0x22222222 };
	uint32_t many[MRTCP_BYE_MAX + 1] = { 1, 2, 3, 4, 5 };
	uint8_t b[MRTCP_MAX];
	struct mrtcp r;
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_false(mrtcp_active(&r));
	/* nothing sent yet: RR, SDES, BYE of both SSRCs (bundled leg) */
	n = mrtcp_build_bye(&r, b, sizeof(b), two, 2, "sess-1", 8000,
			    1700000000000000ull, 1000000);
	bye_is(b, n, RTCP_RR, two, 2);
	assert_int_equal(r.tx_pkts, 1);
	assert_true(mrtcp_active(&r));	/* it has now sent RTCP */

	memset(&r, 0, sizeof(r));
	mrtcp_tx_rtp(&r, rtp, sizeof(rtp), 500000);
	assert_true(mrtcp_active(&r));
	n = mrtcp_build_bye(&r, b, sizeof(b), two + 1, 1, "sess-1", 8000,
			    1700000000000000ull, 1000000);
	bye_is(b, n, RTCP_SR, two + 1, 1);

	assert_int_equal(mrtcp_build_bye(&r, b, sizeof(b), two, 0, "x", 8000,
					 0, 0), -RTP_ERR_ARG);
	assert_int_equal(mrtcp_build_bye(&r, b, sizeof(b), many,
					 MRTCP_BYE_MAX + 1, "x", 8000, 0, 0),
			 -RTP_ERR_ARG);
	/* room for the report but not the BYE */
	n = mrtcp_build(&r, b, sizeof(b), 7, "sess-1", 8000, 0, 0);
	assert_true(n > 0);
	assert_int_equal(mrtcp_build_bye(&r, b, (size_t)n + 4, two, 1,
					 "sess-1", 8000, 0, 0),
			 -RTP_ERR_NOSPACE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sr_from_known_counters),
		cmocka_unit_test(test_rr_when_not_sending),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_consume_other_sender),
		cmocka_unit_test(test_relay_rewrites),
		cmocka_unit_test(test_relay_partial),
		cmocka_unit_test(test_truncated_and_broken),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_sdp_rtcp_dest),
		cmocka_unit_test(test_sdp_rtcp_mux),
		cmocka_unit_test(test_sdp_rtcp_written),
		cmocka_unit_test(test_bye),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("mrtcp", tests, NULL, NULL);
}
