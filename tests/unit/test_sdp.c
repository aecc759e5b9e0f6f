/* Unit tests for mediad/sdp: real browser and SIP offers, round trips,
 * exact writer output, offer/answer codec choice, and hostile bodies (each
 * must give its error code, never a crash).  Run with a name filter as
 * argv[1] ("*hostile*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediad/sdp.h"

#define L(s) s "\r\n"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CHROME_FP "3B:5C:9F:10:AA:47:E2:61:0D:8B:7C:34:F1:22:9E:5A:" \
	"6B:0C:D3:48:E7:19:A2:5F:83:6D:C4:11:90:2E:BF:07"
#define CHROME_ICE \
	L("a=ice-ufrag:Wq9h") \
	L("a=ice-pwd:7IFkxN8b0gQv7Ez4ChQb0Xk3") \
	L("a=ice-options:trickle") \
	L("a=fingerprint:sha-256 " CHROME_FP) \
	L("a=setup:actpass")
#define CHROME_MSID "3e4f7a1c-5d2b-4c8e-9f6a-1b2c3d4e5f60"
#define CHROME_FB(pt) \
	L("a=rtcp-fb:" pt " goog-remb") \
	L("a=rtcp-fb:" pt " transport-cc") \
	L("a=rtcp-fb:" pt " ccm fir") \
	L("a=rtcp-fb:" pt " nack") \
	L("a=rtcp-fb:" pt " nack pli")
#define CHROME_RTX(pt, apt) \
	L("a=rtpmap:" pt " rtx/90000") \
	L("a=fmtp:" pt " apt=" apt)

/* Chrome 120 with an audio track, a camera track, a simulcast track and a
 * data channel; host, srflx and tcp candidates gathered before sending. */
static const char chrome_offer[] =
	L("v=0")
	L("o=- 4611731400430051336 2 IN IP4 127.0.0.1")
	L("s=-")
	L("t=0 0")
	L("a=group:BUNDLE 0 1 2 3")
	L("a=extmap-allow-mixed")
	L("a=msid-semantic: WMS " CHROME_MSID)
	L("m=audio 51472 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126")
	L("c=IN IP4 198.51.100.23")
	L("a=rtcp:9 IN IP4 0.0.0.0")
	L("a=candidate:2999745851 1 udp 2122260223 192.168.1.34 51472 typ host"
	  " generation 0 network-id 1 network-cost 10")
	L("a=candidate:1509957375 1 udp 1686052607 198.51.100.23 51472 typ"
	  " srflx raddr 192.168.1.34 rport 51472 generation 0 network-id 1"
	  " network-cost 10")
	L("a=candidate:4233069003 1 tcp 1518280447 192.168.1.34 9 typ host"
	  " tcptype active generation 0 network-id 1 network-cost 10")
	L("a=end-of-candidates")
	CHROME_ICE
	L("a=mid:0")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "abs-send-time")
	L("a=extmap:3 http://www.ietf.org/id/"
	  "draft-holmer-rmcat-transport-wide-cc-extensions-01")
	L("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=sendrecv")
	L("a=msid:" CHROME_MSID " 9b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:111 opus/48000/2")
	L("a=rtcp-fb:111 transport-cc")
	L("a=fmtp:111 minptime=10;useinbandfec=1")
	L("a=rtpmap:63 red/48000/2")
	L("a=fmtp:63 111/111")
	L("a=rtpmap:9 G722/8000")
	L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:13 CN/8000")
	L("a=rtpmap:110 telephone-event/48000")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:2581832418 msid:" CHROME_MSID
	  " 9b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b")
	L("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109"
	  " 127 125 39 40 45 46 98 99 100 101 112 113 116 117 118")
	L("c=IN IP4 0.0.0.0")
	L("a=rtcp:9 IN IP4 0.0.0.0")
	CHROME_ICE
	L("a=mid:1")
	L("a=extmap:14 urn:ietf:params:rtp-hdrext:toffset")
	L("a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "abs-send-time")
	L("a=extmap:13 urn:3gpp:video-orientation")
	L("a=extmap:3 http://www.ietf.org/id/"
	  "draft-holmer-rmcat-transport-wide-cc-extensions-01")
	L("a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "playout-delay")
	L("a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "video-content-type")
	L("a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "video-timing")
	L("a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "color-space")
	L("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")
	L("a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:"
	  "repaired-rtp-stream-id")
	L("a=sendrecv")
	L("a=msid:" CHROME_MSID " 0c5a7e2d-1b3f-4a6c-9d8e-7f6a5b4c3d2e")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:96 VP8/90000")
	CHROME_FB("96")
	CHROME_RTX("97", "96")
	L("a=rtpmap:102 H264/90000")
	CHROME_FB("102")
	L("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=42001f")
	CHROME_RTX("103", "102")
	L("a=rtpmap:104 H264/90000")
	CHROME_FB("104")
	L("a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;"
	  "profile-level-id=42001f")
	CHROME_RTX("105", "104")
	L("a=rtpmap:106 H264/90000")
	CHROME_FB("106")
	L("a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=42e01f")
	CHROME_RTX("107", "106")
	L("a=rtpmap:108 H264/90000")
	CHROME_FB("108")
	L("a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;"
	  "profile-level-id=42e01f")
	CHROME_RTX("109", "108")
	L("a=rtpmap:127 H264/90000")
	CHROME_FB("127")
	L("a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=4d001f")
	CHROME_RTX("125", "127")
	L("a=rtpmap:39 H264/90000")
	CHROME_FB("39")
	L("a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;"
	  "profile-level-id=4d001f")
	CHROME_RTX("40", "39")
	L("a=rtpmap:45 AV1/90000")
	CHROME_FB("45")
	L("a=fmtp:45 level-idx=5;profile=0;tier=0")
	CHROME_RTX("46", "45")
	L("a=rtpmap:98 VP9/90000")
	CHROME_FB("98")
	L("a=fmtp:98 profile-id=0")
	CHROME_RTX("99", "98")
	L("a=rtpmap:100 VP9/90000")
	CHROME_FB("100")
	L("a=fmtp:100 profile-id=2")
	CHROME_RTX("101", "100")
	L("a=rtpmap:112 H264/90000")
	CHROME_FB("112")
	L("a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=64001f")
	CHROME_RTX("113", "112")
	L("a=rtpmap:116 red/90000")
	CHROME_RTX("117", "116")
	L("a=rtpmap:118 ulpfec/90000")
	L("a=ssrc-group:FID 1102390212 3402951184")
	L("a=ssrc:1102390212 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:1102390212 msid:" CHROME_MSID
	  " 0c5a7e2d-1b3f-4a6c-9d8e-7f6a5b4c3d2e")
	L("a=ssrc:3402951184 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:3402951184 msid:" CHROME_MSID
	  " 0c5a7e2d-1b3f-4a6c-9d8e-7f6a5b4c3d2e")
	L("m=video 9 UDP/TLS/RTP/SAVPF 96 97")
	L("c=IN IP4 0.0.0.0")
	L("a=rtcp:9 IN IP4 0.0.0.0")
	CHROME_ICE
	L("a=mid:2")
	L("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")
	L("a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:"
	  "repaired-rtp-stream-id")
	L("a=sendonly")
	L("a=msid:" CHROME_MSID " 5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:96 VP8/90000")
	CHROME_FB("96")
	CHROME_RTX("97", "96")
	L("a=rid:q send")
	L("a=rid:h send")
	L("a=rid:f send")
	L("a=simulcast:send q;h;f")
	L("m=application 9 UDP/DTLS/SCTP webrtc-datachannel")
	L("c=IN IP4 0.0.0.0")
	CHROME_ICE
	L("a=mid:3")
	L("a=sctp-port:5000")
	L("a=max-message-size:262144");

#define FF_FP "7E:0A:94:C1:3D:52:88:F6:1B:A9:40:DE:27:6C:B3:05:" \
	"E8:71:9A:2F:C6:14:5B:83:D0:3E:A7:69:F2:0D:4C:B8"
#define FF_FB(pt) \
	L("a=rtcp-fb:" pt " nack") \
	L("a=rtcp-fb:" pt " nack pli") \
	L("a=rtcp-fb:" pt " ccm fir") \
	L("a=rtcp-fb:" pt " goog-remb") \
	L("a=rtcp-fb:" pt " transport-cc")

/* Firefox 121: fingerprint at session level, attributes in alphabetical
 * order (fmtp before rtpmap), uppercase transports, extmap directions. */
static const char firefox_offer[] =
	L("v=0")
	L("o=mozilla...THIS_IS_SDPARTA-99.0 7193287395917285413 0 IN IP4"
	  " 0.0.0.0")
	L("s=-")
	L("t=0 0")
	L("a=fingerprint:sha-256 " FF_FP)
	L("a=group:BUNDLE 0 1")
	L("a=ice-options:trickle")
	L("a=msid-semantic:WMS *")
	L("m=audio 50522 UDP/TLS/RTP/SAVPF 109 9 0 8 101")
	L("c=IN IP4 203.0.113.50")
	L("a=candidate:0 1 UDP 2122252543 10.0.0.12 50522 typ host")
	L("a=candidate:2 1 TCP 2105524479 10.0.0.12 9 typ host tcptype"
	  " active")
	L("a=candidate:1 1 UDP 1686052863 203.0.113.50 50522 typ srflx"
	  " raddr 10.0.0.12 rport 50522")
	L("a=sendrecv")
	L("a=end-of-candidates")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level")
	L("a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1")
	L("a=fmtp:101 0-15")
	L("a=ice-pwd:2e8c1b5f9a7d4c3e6b0a1f2d3c4b5a69")
	L("a=ice-ufrag:8f1c2b3a")
	L("a=mid:0")
	L("a=msid:{5b7c0d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e}"
	  " {9d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a}")
	L("a=rtcp-mux")
	L("a=rtpmap:109 opus/48000/2")
	L("a=rtpmap:9 G722/8000/1")
	L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:101 telephone-event/8000/1")
	L("a=setup:actpass")
	L("a=ssrc:3363578911 cname:{0f2f3e55-3b8a-4d8c-9f2a-1c2d3e4f5a6b}")
	L("m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98")
	L("c=IN IP4 0.0.0.0")
	L("a=sendrecv")
	L("a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "abs-send-time")
	L("a=extmap:5 urn:ietf:params:rtp-hdrext:toffset")
	L("a=extmap:6/recvonly http://www.webrtc.org/experiments/"
	  "rtp-hdrext/playout-delay")
	L("a=extmap:7 http://www.ietf.org/id/"
	  "draft-holmer-rmcat-transport-wide-cc-extensions-01")
	L("a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;"
	  "packetization-mode=1")
	L("a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1")
	L("a=fmtp:120 max-fs=12288;max-fr=60")
	L("a=fmtp:124 apt=120")
	L("a=fmtp:121 max-fs=12288;max-fr=60")
	L("a=fmtp:125 apt=121")
	L("a=fmtp:127 apt=126")
	L("a=fmtp:98 apt=97")
	L("a=ice-pwd:2e8c1b5f9a7d4c3e6b0a1f2d3c4b5a69")
	L("a=ice-ufrag:8f1c2b3a")
	L("a=mid:1")
	L("a=msid:{5b7c0d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e}"
	  " {1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}")
	FF_FB("120")
	FF_FB("121")
	FF_FB("126")
	FF_FB("97")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:120 VP8/90000")
	L("a=rtpmap:124 rtx/90000")
	L("a=rtpmap:121 VP9/90000")
	L("a=rtpmap:125 rtx/90000")
	L("a=rtpmap:126 H264/90000")
	L("a=rtpmap:127 rtx/90000")
	L("a=rtpmap:97 H264/90000")
	L("a=rtpmap:98 rtx/90000")
	L("a=setup:actpass")
	L("a=ssrc:2924178225 cname:{0f2f3e55-3b8a-4d8c-9f2a-1c2d3e4f5a6b}")
	L("a=ssrc:1480625112 cname:{0f2f3e55-3b8a-4d8c-9f2a-1c2d3e4f5a6b}")
	L("a=ssrc-group:FID 2924178225 1480625112");

/* A PBX (FreeSWITCH style): static payload types without rtpmap. */
static const char sip_offer[] =
	L("v=0")
	L("o=FreeSWITCH 1700000000 1700000001 IN IP4 192.0.2.10")
	L("s=FreeSWITCH")
	L("c=IN IP4 192.0.2.10")
	L("t=0 0")
	L("m=audio 24580 RTP/AVP 0 8 101 13")
	L("a=rtpmap:101 telephone-event/8000")
	L("a=fmtp:101 0-16")
	L("a=ptime:20")
	L("a=sendrecv")
	L("a=rtcp:24581 IN IP4 192.0.2.10");

/* A pjsip softphone offering SDES-SRTP, keys from RFC 4568's examples. */
static const char sdes_offer[] =
	L("v=0")
	L("o=- 3912845612 3912845612 IN IP4 198.51.100.7")
	L("s=pjmedia")
	L("b=AS:84")
	L("t=0 0")
	L("a=X-nat:0")
	L("m=audio 4000 RTP/SAVP 8 0 101")
	L("c=IN IP4 198.51.100.7")
	L("b=TIAS:64000")
	L("a=rtcp:4001 IN IP4 198.51.100.7")
	L("a=sendrecv")
	L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000")
	L("a=fmtp:101 0-16")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80"
	  " inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4")
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_32"
	  " inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4"
	  " UNENCRYPTED_SRTCP")
	L("a=ssrc:1212121212 cname:5f8c2a9b1d3e4f60");

/* The shortest body the parser accepts with one active m=; hostile tests
 * append to it. */
#define MINIMAL \
	L("v=0") \
	L("o=- 1 1 IN IP4 127.0.0.1") \
	L("s=-") \
	L("c=IN IP4 127.0.0.1") \
	L("t=0 0") \
	L("m=audio 9 RTP/AVP 0")

enum { BIG = 256 * 1024 };

struct fx {
	struct sdp_session *s, *s2;
	char *buf;	/* BIG bytes: output, or hostile input */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sdp_session_new(&f->s) || sdp_session_new(&f->s2))
		return -1;
	f->buf = calloc(1, BIG);
	*state = f;
	return f->buf ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	sdp_session_free(f->s);
	sdp_session_free(f->s2);
	free(f->buf);
	free(f);
	return 0;
}

static int parse_str(struct sdp_session *s, const char *text)
{
	return sdp_session_parse(s, text, strlen(text), NULL);
}

static void parse_ok(struct sdp_session *s, const char *text)
{
	unsigned line = 0;
	int err = sdp_session_parse(s, text, strlen(text), &line);

	if (err)
		print_message("parse: %s at line %u\n", sdp_strerror(err),
			      line);
	assert_int_equal(err, 0);
}

/* MINIMAL plus extra lines, parsed; the error (0 when fine). */
static int parse_extra(struct fx *f, const char *extra, unsigned *line)
{
	int n = snprintf(f->buf, BIG, "%s%s", MINIMAL, extra);

	assert_true(n > 0 && n < BIG);
	return sdp_session_parse(f->s, f->buf, (size_t)n, line);
}

static void expect_extra(struct fx *f, const char *extra, int want)
{
	unsigned line = 0;
	int err = parse_extra(f, extra, &line);

	if (err != want)
		print_message("%s: got %d (%s), want %d\n", extra, err,
			      sdp_strerror(err), want);
	assert_int_equal(err, want);
}

/* ---- the offers, field by field -------------------------------------- */

static void test_chrome_session(void **state)
{
	struct fx *f = *state;
	struct sdp_session *s = f->s;

	parse_ok(s, chrome_offer);
	assert_string_equal(s->origin.user, "-");
	assert_true(s->origin.sess_id == 4611731400430051336ULL);
	assert_true(s->origin.sess_ver == 2);
	assert_int_equal(s->origin.conn.af, SDP_AF_IP4);
	assert_string_equal(s->origin.conn.addr, "127.0.0.1");
	assert_string_equal(s->name, "-");
	assert_int_equal(s->conn.af, SDP_AF_NONE);
	assert_int_equal(s->nbundle, 4);
	assert_string_equal(s->bundle[0], "0");
	assert_string_equal(s->bundle[3], "3");
	assert_int_equal(s->nmedia, 4);
	assert_ptr_equal(sdp_media_find_mid(s, "2"), &s->media[2]);
	assert_null(sdp_media_find_mid(s, "9"));
}

static void test_chrome_audio(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;
	const struct sdp_codec *c;

	parse_ok(f->s, chrome_offer);
	m = &f->s->media[0];
	assert_int_equal(m->kind, SDP_MEDIA_AUDIO);
	assert_int_equal(m->proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	assert_int_equal(m->port, 51472);
	assert_string_equal(m->conn.addr, "198.51.100.23");
	assert_int_equal(m->rtcp_port, 9);
	assert_string_equal(m->mid, "0");
	assert_int_equal(m->dir, SDP_DIR_SENDRECV);
	assert_true(m->rtcp_mux && m->rtcp_rsize);
	assert_string_equal(m->tp.ufrag, "Wq9h");
	assert_string_equal(m->tp.pwd, "7IFkxN8b0gQv7Ez4ChQb0Xk3");
	assert_string_equal(m->tp.ice_options, "trickle");
	assert_string_equal(m->tp.fp_algo, "sha-256");
	assert_string_equal(m->tp.fp_hex, CHROME_FP);
	assert_int_equal(m->tp.setup, SDP_SETUP_ACTPASS);
	assert_int_equal(m->ncodecs, 8);
	c = &m->codecs[0];
	assert_int_equal(c->pt, 111);
	assert_string_equal(c->name, "opus");
	assert_int_equal(c->clock, 48000);
	assert_int_equal(c->channels, 2);
	assert_string_equal(c->fmtp, "minptime=10;useinbandfec=1");
	assert_int_equal(c->nfb, 1);
	assert_string_equal(c->fb[0], "transport-cc");
	c = sdp_codec_find(m, 126);
	assert_non_null(c);
	assert_string_equal(c->name, "telephone-event");
	assert_int_equal(c->clock, 8000);
	assert_int_equal(sdp_codec_find(m, 110)->clock, 48000);
	assert_null(sdp_codec_find(m, 96));
	assert_int_equal(m->nextmaps, 4);
	assert_string_equal(m->extmaps[3],
			    "4 urn:ietf:params:rtp-hdrext:sdes:mid");
	assert_int_equal(m->nssrcs, 1);
	assert_true(m->ssrcs[0].id == 2581832418u);
	assert_string_equal(m->ssrcs[0].cname, "Yq1d8XU3rFbF4rJ6");
}

static void test_chrome_candidates(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;
	const struct sdp_candidate *c;

	parse_ok(f->s, chrome_offer);
	m = &f->s->media[0];
	assert_int_equal(m->ncands, 3);
	assert_true(m->end_of_candidates);
	c = &m->cands[0];
	assert_string_equal(c->foundation, "2999745851");
	assert_int_equal(c->component, 1);
	assert_string_equal(c->transport, "udp");
	assert_true(c->priority == 2122260223u);
	assert_string_equal(c->addr, "192.168.1.34");
	assert_int_equal(c->port, 51472);
	assert_int_equal(c->type, SDP_CAND_HOST);
	assert_false(c->has_raddr);
	c = &m->cands[1];
	assert_int_equal(c->type, SDP_CAND_SRFLX);
	assert_true(c->has_raddr);
	assert_string_equal(c->raddr, "192.168.1.34");
	assert_int_equal(c->rport, 51472);
	c = &m->cands[2];
	assert_string_equal(c->transport, "tcp");
	assert_int_equal(c->port, 9);
	assert_string_equal(c->tcptype, "active");
	/* bundled: the other sections gathered nothing */
	assert_int_equal(f->s->media[1].ncands, 0);
	assert_false(f->s->media[1].end_of_candidates);
}

static void test_chrome_video(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;
	const struct sdp_codec *c;

	parse_ok(f->s, chrome_offer);
	m = &f->s->media[1];
	assert_int_equal(m->kind, SDP_MEDIA_VIDEO);
	assert_int_equal(m->port, 9);
	assert_int_equal(m->ncodecs, 25);
	assert_int_equal(m->codecs[24].pt, 118);
	c = sdp_codec_find(m, 96);
	assert_string_equal(c->name, "VP8");
	assert_int_equal(c->clock, 90000);
	assert_int_equal(c->channels, 1);
	assert_int_equal(c->nfb, 5);
	assert_string_equal(c->fb[2], "ccm fir");
	assert_string_equal(c->fb[4], "nack pli");
	assert_string_equal(sdp_codec_find(m, 97)->fmtp, "apt=96");
	assert_string_equal(sdp_codec_find(m, 45)->name, "AV1");
	assert_string_equal(sdp_codec_find(m, 127)->fmtp,
			    "level-asymmetry-allowed=1;packetization-mode=1;"
			    "profile-level-id=4d001f");
	assert_int_equal(m->nextmaps, 11);
	assert_int_equal(m->nssrc_groups, 1);
	assert_string_equal(m->ssrc_groups[0].semantics, "FID");
	assert_int_equal(m->ssrc_groups[0].nids, 2);
	assert_true(m->ssrc_groups[0].ids[1] == 3402951184u);
	assert_int_equal(m->nssrcs, 2);
	assert_string_equal(m->ssrcs[1].cname, "Yq1d8XU3rFbF4rJ6");
}

static void test_chrome_simulcast_and_datachannel(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;

	parse_ok(f->s, chrome_offer);
	m = &f->s->media[2];
	assert_int_equal(m->dir, SDP_DIR_SENDONLY);
	assert_int_equal(m->ncodecs, 2);
	assert_int_equal(m->nssrcs, 0);	/* rid instead of ssrc lines */
	m = &f->s->media[3];
	assert_int_equal(m->kind, SDP_MEDIA_APPLICATION);
	assert_int_equal(m->proto, SDP_PROTO_OTHER);
	assert_string_equal(m->proto_name, "UDP/DTLS/SCTP");
	assert_false(sdp_proto_is_rtp(m));
	assert_string_equal(m->fmt, "webrtc-datachannel");
	assert_int_equal(m->ncodecs, 0);
	assert_string_equal(m->mid, "3");
	assert_string_equal(m->tp.ufrag, "Wq9h");
}

static void test_firefox_offer(void **state)
{
	struct fx *f = *state;
	const struct sdp_session *s = f->s;
	const struct sdp_media *a, *v;

	parse_ok(f->s, firefox_offer);
	a = &s->media[0];
	v = &s->media[1];
	assert_string_equal(s->origin.user, "mozilla...THIS_IS_SDPARTA-99.0");
	assert_true(s->origin.sess_id == 7193287395917285413ULL);
	/* session-level fingerprint and ice-options reach both m= */
	assert_string_equal(s->tp.fp_hex, FF_FP);
	assert_string_equal(a->tp.fp_hex, FF_FP);
	assert_string_equal(v->tp.fp_algo, "sha-256");
	assert_string_equal(v->tp.ice_options, "trickle");
	assert_string_equal(a->tp.ufrag, "8f1c2b3a");
	/* fmtp came before rtpmap */
	assert_string_equal(a->codecs[0].name, "opus");
	assert_string_equal(a->codecs[0].fmtp,
			    "maxplaybackrate=48000;stereo=1;useinbandfec=1");
	assert_int_equal(sdp_codec_find(a, 9)->channels, 1);
	assert_string_equal(sdp_codec_find(a, 101)->fmtp, "0-15");
	assert_int_equal(a->ncands, 3);
	assert_string_equal(a->cands[0].transport, "UDP");
	assert_string_equal(a->cands[1].tcptype, "active");
	assert_true(a->end_of_candidates);
	assert_string_equal(a->extmaps[1], "2/recvonly "
			    "urn:ietf:params:rtp-hdrext:csrc-audio-level");
	assert_false(a->rtcp_rsize);
	assert_int_equal(v->ncodecs, 8);
	assert_int_equal(sdp_codec_find(v, 97)->nfb, 5);
	assert_int_equal(sdp_codec_find(v, 98)->nfb, 0);
	assert_string_equal(sdp_codec_find(v, 125)->fmtp, "apt=121");
	assert_int_equal(v->nssrc_groups, 1);
	assert_int_equal(v->nssrcs, 2);
}

static void test_sip_plain_offer(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;

	parse_ok(f->s, sip_offer);
	m = &f->s->media[0];
	assert_string_equal(f->s->name, "FreeSWITCH");
	assert_int_equal(m->proto, SDP_PROTO_RTP_AVP);
	assert_true(sdp_proto_is_rtp(m));
	/* the session c= applies to the m= */
	assert_string_equal(m->conn.addr, "192.0.2.10");
	assert_int_equal(m->ptime, 20);
	assert_int_equal(m->rtcp_port, 24581);
	assert_false(m->rtcp_mux);
	assert_int_equal(m->tp.setup, SDP_SETUP_NONE);
	assert_int_equal(m->ncodecs, 4);
	/* static payload types get RFC 3551 defaults without an rtpmap */
	assert_string_equal(m->codecs[0].name, "PCMU");
	assert_int_equal(m->codecs[0].clock, 8000);
	assert_string_equal(m->codecs[1].name, "PCMA");
	assert_string_equal(m->codecs[3].name, "CN");
	assert_string_equal(m->codecs[2].name, "telephone-event");
	assert_string_equal(m->codecs[2].fmtp, "0-16");
}

static void test_sdes_offer(void **state)
{
	struct fx *f = *state;
	const struct sdp_media *m;

	parse_ok(f->s, sdes_offer);
	m = &f->s->media[0];
	assert_int_equal(m->proto, SDP_PROTO_RTP_SAVP);
	assert_int_equal(m->ncrypto, 2);
	assert_int_equal(m->crypto[0].tag, 1);
	assert_string_equal(m->crypto[0].suite, "AES_CM_128_HMAC_SHA1_80");
	assert_string_equal(m->crypto[0].key,
			    "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
	assert_string_equal(m->crypto[0].key_extra, "|2^20|1:4");
	assert_string_equal(m->crypto[0].params, "");
	assert_string_equal(m->crypto[1].suite, "AES_CM_128_HMAC_SHA1_32");
	assert_string_equal(m->crypto[1].params, "UNENCRYPTED_SRTCP");
	assert_int_equal(m->nssrcs, 1);
}

static void test_lf_line_ends(void **state)
{
	struct fx *f = *state;
	size_t n = 0;

	for (const char *p = chrome_offer; *p; p++)
		if (*p != '\r')
			f->buf[n++] = *p;
	assert_int_equal(sdp_session_parse(f->s2, f->buf, n, NULL), 0);
	parse_ok(f->s, chrome_offer);
	assert_memory_equal(f->s, f->s2, sizeof(*f->s));
	/* and without a final line end */
	assert_int_equal(sdp_session_parse(f->s2, sip_offer,
					   strlen(sip_offer) - 2, NULL), 0);
	assert_int_equal(f->s2->media[0].rtcp_port, 24581);
}

static void test_unknown_lines_ignored(void **state)
{
	struct fx *f = *state;

	parse_ok(f->s2, MINIMAL);
	assert_int_equal(parse_extra(f,
		L("a=simulcast:send q;h;f")
		L("a=rid:q send max-width=320")
		L("a=msid:- track")
		L("a=extmap-allow-mixed")
		L("a=x-google-flag:conference")
		L("a=rtpmap-but-not-quite")
		L("a=group:LS 0 1")
		L("b=AS:64")
		L("i=an info line")
		L("y=an unknown type letter")
		L("")
		L("a=unknown:with:colons and spaces   "), NULL), 0);
	assert_memory_equal(f->s, f->s2, sizeof(*f->s));
}

static void test_inheritance(void **state)
{
	struct fx *f = *state;

	parse_ok(f->s,
		L("v=0")
		L("o=- 1 1 IN IP4 127.0.0.1")
		L("s=-")
		L("c=IN IP4 10.1.1.1")
		L("t=0 0")
		L("a=sendonly")
		L("a=ice-ufrag:sess")
		L("a=ice-pwd:sesspwdsesspwdsesspwd1")
		L("a=ice-lite")
		L("m=audio 1000 RTP/AVP 0")
		L("a=ice-ufrag:media")
		L("m=audio 2000 RTP/AVP 0")
		L("c=IN IP6 2001:db8::1")
		L("a=recvonly"));
	assert_int_equal(f->s->dir, SDP_DIR_SENDONLY);
	assert_int_equal(f->s->media[0].dir, SDP_DIR_SENDONLY);
	assert_int_equal(f->s->media[1].dir, SDP_DIR_RECVONLY);
	assert_string_equal(f->s->media[0].tp.ufrag, "media");
	assert_string_equal(f->s->media[0].tp.pwd, "sesspwdsesspwdsesspwd1");
	assert_string_equal(f->s->media[1].tp.ufrag, "sess");
	assert_true(f->s->media[1].tp.ice_lite);
	assert_string_equal(f->s->media[0].conn.addr, "10.1.1.1");
	assert_int_equal(f->s->media[1].conn.af, SDP_AF_IP6);
	assert_string_equal(f->s->media[1].conn.addr, "2001:db8::1");
}

/* ---- round trips ----------------------------------------------------- */

/* parse -> write -> parse gives the same struct, and writing that again
 * gives the same text. */
static void roundtrip(struct fx *f, const char *text)
{
	size_t len = 0, len2 = 0;
	char *again = malloc(BIG);

	assert_non_null(again);
	parse_ok(f->s, text);
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, &len), 0);
	assert_int_equal(strlen(f->buf), len);
	assert_int_equal(sdp_session_parse(f->s2, f->buf, len, NULL), 0);
	assert_memory_equal(f->s, f->s2, sizeof(*f->s));
	assert_int_equal(sdp_session_write(f->s2, again, BIG, &len2), 0);
	assert_int_equal(len, len2);
	assert_string_equal(f->buf, again);
	assert_non_null(strstr(f->buf, "\r\n"));
	free(again);
}

static void test_roundtrip_chrome(void **state)
{
	struct fx *f = *state;

	roundtrip(f, chrome_offer);
	/* the WebRTC pieces are all there */
	assert_non_null(strstr(f->buf, "\r\na=group:BUNDLE 0 1 2 3\r\n"));
	assert_non_null(strstr(f->buf, "\r\na=candidate:1509957375 1 udp "
			       "1686052607 198.51.100.23 51472 typ srflx raddr"
			       " 192.168.1.34 rport 51472\r\n"));
	assert_non_null(strstr(f->buf, "\r\na=ssrc-group:FID 1102390212 "
			       "3402951184\r\n"));
	assert_non_null(strstr(f->buf, "\r\na=rtcp-fb:96 nack pli\r\n"));
	assert_non_null(strstr(f->buf, "\r\nm=application 9 UDP/DTLS/SCTP "
			       "webrtc-datachannel\r\n"));
}

static void test_roundtrip_firefox(void **state)
{
	roundtrip(*state, firefox_offer);
}

static void test_roundtrip_sip_and_sdes(void **state)
{
	struct fx *f = *state;

	roundtrip(f, sip_offer);
	assert_non_null(strstr(f->buf, "\r\na=rtpmap:0 PCMU/8000\r\n"));
	roundtrip(f, sdes_offer);
	assert_non_null(strstr(f->buf, "\r\na=crypto:2 "
			       "AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw"
			       "6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4 "
			       "UNENCRYPTED_SRTCP\r\n"));
}

/* ---- writer ---------------------------------------------------------- */

static const struct sdp_codec_pref g711_prefs[] = {
	{ .name = "PCMU", .clock = 8000 },
	{ .name = "PCMA", .clock = 8000 },
	{ .name = "telephone-event", .fmtp = "0-16" },
};

static void answer_origin(struct sdp_session *a, const char *addr)
{
	strcpy(a->origin.user, "rtcgate");
	a->origin.sess_id = 1234567890;
	a->origin.sess_ver = 1;
	a->origin.conn.af = SDP_AF_IP4;
	strcpy(a->origin.conn.addr, addr);
	strcpy(a->name, "rtcgate");
}

#define ANS_FP "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

static const char webrtc_answer[] =
	L("v=0")
	L("o=rtcgate 1234567890 1 IN IP4 203.0.113.10")
	L("s=rtcgate")
	L("t=0 0")
	L("a=ice-lite")
	L("a=group:BUNDLE 0")
	L("m=audio 20000 UDP/TLS/RTP/SAVPF 0 126")
	L("c=IN IP4 203.0.113.10")
	L("a=ice-ufrag:Ab3dEf7h")
	L("a=ice-pwd:0123456789abcdefABCDEF01")
	L("a=fingerprint:sha-256 " ANS_FP)
	L("a=setup:passive")
	L("a=mid:0")
	L("a=sendrecv")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=fmtp:126 0-16")
	L("a=ssrc:305419896 cname:rtcgate-1")
	L("a=candidate:1 1 udp 2130706431 203.0.113.10 20000 typ host")
	L("a=end-of-candidates")
	L("m=video 0 UDP/TLS/RTP/SAVPF 96")
	L("a=mid:1")
	L("a=inactive")
	L("m=video 0 UDP/TLS/RTP/SAVPF 96")
	L("a=mid:2")
	L("a=inactive")
	L("m=application 0 UDP/DTLS/SCTP webrtc-datachannel")
	L("a=mid:3")
	L("a=inactive");

/* What mediad does for a browser offer: answer each m=, fill in ICE-lite
 * credentials, fingerprint and a host candidate for the audio one. */
static void build_webrtc_answer(const struct sdp_session *o,
				struct sdp_session *a)
{
	struct sdp_media *m = &a->media[0];

	memset(a, 0, sizeof(*a));
	answer_origin(a, "203.0.113.10");
	a->tp.ice_lite = true;
	a->nmedia = o->nmedia;
	assert_int_equal(sdp_media_answer(&o->media[0], g711_prefs, 3, 1,
					  SDP_DIR_SENDRECV, m), 0);
	for (size_t i = 1; i < o->nmedia; i++)
		assert_int_equal(sdp_media_answer(&o->media[i], g711_prefs, 3,
						  1, SDP_DIR_SENDRECV,
						  &a->media[i]),
				 SDP_ENOCODEC);
	a->nbundle = 1;
	strcpy(a->bundle[0], m->mid);
	m->port = 20000;
	m->conn.af = SDP_AF_IP4;
	strcpy(m->conn.addr, "203.0.113.10");
	strcpy(m->tp.ufrag, "Ab3dEf7h");
	strcpy(m->tp.pwd, "0123456789abcdefABCDEF01");
	strcpy(m->tp.fp_algo, "sha-256");
	strcpy(m->tp.fp_hex, ANS_FP);
	m->tp.setup = sdp_setup_answer(o->media[0].tp.setup,
				       SDP_SETUP_PASSIVE);
	m->nssrcs = 1;
	m->ssrcs[0].id = 305419896;
	strcpy(m->ssrcs[0].cname, "rtcgate-1");
	assert_int_equal(sdp_candidate_parse(&m->cands[0], "candidate:1 1 "
			 "udp 2130706431 203.0.113.10 20000 typ host"), 0);
	m->ncands = 1;
	m->end_of_candidates = true;
}

static void test_write_webrtc_answer(void **state)
{
	struct fx *f = *state;
	size_t len = 0;

	parse_ok(f->s, chrome_offer);
	build_webrtc_answer(f->s, f->s2);
	assert_int_equal(sdp_session_write(f->s2, f->buf, BIG, &len), 0);
	assert_string_equal(f->buf, webrtc_answer);
	assert_int_equal(len, strlen(webrtc_answer));
	/* and our own parser reads it back */
	parse_ok(f->s, f->buf);
	assert_true(f->s->media[0].tp.ice_lite);
	assert_int_equal(f->s->media[0].tp.setup, SDP_SETUP_PASSIVE);
	assert_int_equal(f->s->media[1].port, 0);
}

static void test_write_plain_and_sdes_answers(void **state)
{
	static const char plain[] =
		L("v=0")
		L("o=rtcgate 1234567890 1 IN IP4 192.0.2.20")
		L("s=rtcgate")
		L("c=IN IP4 192.0.2.20")
		L("t=0 0")
		L("m=audio 30000 RTP/AVP 0 101")
		L("a=sendrecv")
		L("a=rtpmap:0 PCMU/8000")
		L("a=rtpmap:101 telephone-event/8000")
		L("a=fmtp:101 0-16")
		L("a=ptime:20");
	static const char sdes_tail[] =
		L("m=audio 30002 RTP/SAVP 8 101")
		L("a=rtcp:30003")
		L("a=sendrecv")
		L("a=rtpmap:8 PCMA/8000")
		L("a=rtpmap:101 telephone-event/8000")
		L("a=fmtp:101 0-16")
		L("a=ptime:20")
		L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanV"
		  "mcjkpPywjNWhcYD0mXXtxaVBR");
	static const struct sdp_codec_pref alaw[] = {
		{ .name = "pcma" }, { .name = "telephone-event" },
	};
	struct fx *f = *state;
	struct sdp_session *a = f->s2;
	struct sdp_media *m = &a->media[0];

	parse_ok(f->s, sip_offer);
	memset(a, 0, sizeof(*a));
	answer_origin(a, "192.0.2.20");
	a->conn = a->origin.conn;
	a->nmedia = 1;
	assert_int_equal(sdp_media_answer(&f->s->media[0], g711_prefs, 3, 1,
					  SDP_DIR_SENDRECV, m), 0);
	m->port = 30000;
	m->ptime = 20;
	assert_int_equal(sdp_session_write(a, f->buf, BIG, NULL), 0);
	assert_string_equal(f->buf, plain);

	/* SDES: PCMA, and telephone-event with the offer's fmtp */
	parse_ok(f->s, sdes_offer);
	assert_int_equal(sdp_media_answer(&f->s->media[0], alaw, 2, 1,
					  SDP_DIR_SENDRECV, m), 0);
	m->port = 30002;
	m->rtcp_port = 30003;
	m->ptime = 20;
	m->ncrypto = 1;
	m->crypto[0].tag = f->s->media[0].crypto[0].tag;
	strcpy(m->crypto[0].suite, f->s->media[0].crypto[0].suite);
	strcpy(m->crypto[0].key, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
	assert_int_equal(sdp_session_write(a, f->buf, BIG, NULL), 0);
	assert_non_null(strstr(f->buf, sdes_tail));
}

static void test_write_buffer_too_small(void **state)
{
	struct fx *f = *state;
	size_t need = 0, len;
	char *small;

	parse_ok(f->s, sip_offer);
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, &need), 0);
	small = malloc(need + 1);
	assert_non_null(small);
	/* every size short of the body and its NUL fails, leaving "" */
	for (size_t size = 1; size <= need; size++) {
		memset(small, 'x', need + 1);
		len = 7;
		assert_int_equal(sdp_session_write(f->s, small, size, &len),
				 SDP_ENOSPC);
		assert_int_equal(small[0], '\0');
		assert_int_equal(len, 7);
	}
	assert_int_equal(sdp_session_write(f->s, small, need + 1, &len), 0);
	assert_int_equal(len, need);
	assert_string_equal(small, f->buf);
	assert_int_equal(sdp_session_write(f->s, small, 0, NULL), SDP_ENOSPC);
	assert_int_equal(sdp_session_write(f->s, NULL, 10, NULL), SDP_EINVAL);
	assert_int_equal(sdp_session_write(NULL, small, 10, NULL), SDP_EINVAL);
	free(small);
}

static void test_write_refuses_bad_values(void **state)
{
	struct fx *f = *state;
	struct sdp_media *m = &f->s->media[0];

	parse_ok(f->s, sip_offer);
	/* a value from elsewhere must not smuggle in a line */
	strcpy(m->mid, "0\r\na=evil");
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, NULL),
			 SDP_EINVAL);
	assert_string_equal(f->buf, "");
	m->mid[0] = '\0';
	strcpy(m->codecs[0].fmtp, "a\nb");
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, NULL),
			 SDP_EINVAL);
	m->codecs[0].fmtp[0] = '\0';
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, NULL), 0);
	/* an RTP m= needs a payload type; an rtpmap needs a clock */
	m->ncodecs = 0;
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, NULL),
			 SDP_EINVAL);
	m->ncodecs = 1;
	m->codecs[0].clock = 0;
	assert_int_equal(sdp_session_write(f->s, f->buf, BIG, NULL),
			 SDP_EINVAL);
}

static void test_candidate_trickle(void **state)
{
	static const char line[] = "candidate:1509957375 1 udp 1686052607 "
		"198.51.100.23 51472 typ srflx raddr 192.168.1.34 rport 51472";
	struct sdp_candidate c;
	char out[256];

	(void)state;
	assert_int_equal(sdp_candidate_parse(&c, line), 0);
	assert_int_equal(c.type, SDP_CAND_SRFLX);
	assert_int_equal(sdp_candidate_write(&c, out, sizeof(out)), 0);
	assert_string_equal(out, line);
	assert_int_equal(sdp_candidate_parse(&c, "a=candidate:x 2 TCP 5 "
			 "fe80::1 0 typ relay tcptype passive ufrag Wq9h\r\n"),
			 0);
	assert_int_equal(c.component, 2);
	assert_int_equal(c.type, SDP_CAND_RELAY);
	assert_string_equal(c.tcptype, "passive");
	assert_int_equal(sdp_candidate_write(&c, out, 10), SDP_ENOSPC);
	assert_string_equal(out, "");
	assert_int_equal(sdp_candidate_parse(&c, "1 1 udp 1 h 1 typ host"),
			 SDP_ECAND);
	assert_int_equal(sdp_candidate_parse(&c, "candidate:1 1 udp 1 h 1 "
			 "typ nat"), SDP_ECAND);
	assert_int_equal(sdp_candidate_parse(&c, "candidate:1 1 udp 1 h 1 "
			 "typ srflx raddr 1.2.3.4"), SDP_ECAND);
	assert_int_equal(sdp_candidate_parse(NULL, line), SDP_EINVAL);
}

/* ---- offer/answer ---------------------------------------------------- */

static void test_select_g711_follows_dtmf_rate(void **state)
{
	struct fx *f = *state;
	struct sdp_codec out[8];
	size_t n = 0;

	parse_ok(f->s, chrome_offer);
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g711_prefs, 3, 1,
					   out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pt, 0);
	/* telephone-event/8000 (126), not the 48 kHz one (110) */
	assert_int_equal(out[1].pt, 126);
	assert_string_equal(out[1].fmtp, "0-16");
	/* no cap: PCMU and PCMA, still one telephone-event */
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g711_prefs, 3, 0,
					   out, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[1].pt, 8);
	assert_int_equal(out[2].pt, 126);
}

static void test_select_opus_dtmf_48k(void **state)
{
	static const struct sdp_codec_pref prefs[] = {
		{ .name = "telephone-event" },
		{ .name = "OPUS", .clock = 48000, .channels = 2 },
		{ .name = "PCMU" },
	};
	struct fx *f = *state;
	struct sdp_codec out[8];
	size_t n = 0;

	parse_ok(f->s, chrome_offer);
	assert_int_equal(sdp_codecs_select(&f->s->media[0], prefs, 3, 1,
					   out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pt, 111);
	/* fmtp NULL: the offer's; keep_fb false: none */
	assert_string_equal(out[0].fmtp, "minptime=10;useinbandfec=1");
	assert_int_equal(out[0].nfb, 0);
	assert_int_equal(out[1].pt, 110);
	assert_int_equal(out[1].clock, 48000);
}

static void test_select_name_rate_channels(void **state)
{
	static const struct sdp_codec_pref mono_opus[] = {
		{ .name = "opus", .channels = 1 },
		{ .name = "g722", .clock = 16000 },
		{ .name = "Pcma", .clock = 8000, .channels = 1 },
	};
	struct fx *f = *state;
	struct sdp_codec out[8];
	size_t n = 0;

	parse_ok(f->s, firefox_offer);
	/* opus/48000/2 is not mono; G722's RTP clock is 8000 (RFC 3551) */
	assert_int_equal(sdp_codecs_select(&f->s->media[0], mono_opus, 3, 0,
					   out, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].pt, 8);
	assert_string_equal(out[0].name, "PCMA");
}

static void test_select_no_common_codec(void **state)
{
	static const struct sdp_codec_pref g729[] = {
		{ .name = "G729" }, { .name = "telephone-event" },
	};
	struct fx *f = *state;
	struct sdp_media *ans = &f->s2->media[0];
	struct sdp_codec out[8];
	size_t n = 5;

	parse_ok(f->s, chrome_offer);
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g729, 2, 0, out,
					   8, &n), SDP_ENOCODEC);
	assert_int_equal(n, 0);
	/* the m= is rejected: port 0, one of the offer's formats */
	assert_int_equal(sdp_media_answer(&f->s->media[0], g729, 2, 0,
					  SDP_DIR_SENDRECV, ans),
			 SDP_ENOCODEC);
	assert_int_equal(ans->port, 0);
	assert_int_equal(ans->ncodecs, 0);
	assert_string_equal(ans->fmt, "111");
	assert_int_equal(ans->dir, SDP_DIR_INACTIVE);
	assert_string_equal(ans->mid, "0");
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g729, 0, 0, out,
					   8, &n), SDP_ENOCODEC);
}

static void test_select_video_with_rtx(void **state)
{
	static const struct sdp_codec_pref video[] = {
		{ .name = "VP8", .clock = 90000, .keep_fb = true },
		{ .name = "rtx", .clock = 90000 },
	};
	struct fx *f = *state;
	struct sdp_codec out[8];
	size_t n = 0;

	parse_ok(f->s, firefox_offer);
	assert_int_equal(sdp_codecs_select(&f->s->media[1], video, 2, 0, out,
					   8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pt, 120);
	assert_int_equal(out[0].nfb, 5);
	/* the rtx whose apt points at VP8, keeping Firefox's numbers */
	assert_int_equal(out[1].pt, 124);
	assert_string_equal(out[1].fmtp, "apt=120");
	/* an rtx alone picks nothing */
	assert_int_equal(sdp_codecs_select(&f->s->media[1], video + 1, 1, 0,
					   out, 8, &n), SDP_ENOCODEC);
}

static void test_select_limits_and_args(void **state)
{
	static const struct sdp_codec_pref bad[] = { { .name = NULL } };
	struct fx *f = *state;
	struct sdp_codec out[2];
	size_t n = 0;

	parse_ok(f->s, sip_offer);
	/* PCMU fits, its telephone-event does not */
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g711_prefs, 3, 1,
					   out, 1, &n), SDP_ECODEC_LIMIT);
	assert_int_equal(sdp_codecs_select(&f->s->media[0], g711_prefs, 3, 1,
					   out, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].pt, 101);
	assert_int_equal(sdp_codecs_select(&f->s->media[0], bad, 1, 0, out,
					   2, &n), SDP_EINVAL);
	assert_int_equal(sdp_codecs_select(NULL, g711_prefs, 3, 0, out, 2,
					   &n), SDP_EINVAL);
	assert_int_equal(sdp_media_answer(NULL, g711_prefs, 3, 0,
					  SDP_DIR_SENDRECV, NULL), SDP_EINVAL);
}

static void test_direction_and_setup_answers(void **state)
{
	static const struct {
		enum sdp_dir offer, local, want;
	} cases[] = {
		{ SDP_DIR_SENDRECV, SDP_DIR_SENDRECV, SDP_DIR_SENDRECV },
		{ SDP_DIR_SENDONLY, SDP_DIR_SENDRECV, SDP_DIR_RECVONLY },
		{ SDP_DIR_RECVONLY, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY },
		{ SDP_DIR_INACTIVE, SDP_DIR_SENDRECV, SDP_DIR_INACTIVE },
		{ SDP_DIR_UNSET, SDP_DIR_SENDRECV, SDP_DIR_SENDRECV },
		{ SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_SENDONLY },
		{ SDP_DIR_SENDRECV, SDP_DIR_INACTIVE, SDP_DIR_INACTIVE },
		{ SDP_DIR_SENDONLY, SDP_DIR_SENDONLY, SDP_DIR_INACTIVE },
		{ SDP_DIR_RECVONLY, SDP_DIR_RECVONLY, SDP_DIR_INACTIVE },
		{ SDP_DIR_SENDONLY, SDP_DIR_RECVONLY, SDP_DIR_RECVONLY },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		assert_int_equal(sdp_dir_answer(cases[i].offer,
						cases[i].local),
				 cases[i].want);
	assert_int_equal(sdp_setup_answer(SDP_SETUP_ACTPASS, SDP_SETUP_NONE),
			 SDP_SETUP_ACTIVE);
	assert_int_equal(sdp_setup_answer(SDP_SETUP_ACTPASS,
					  SDP_SETUP_PASSIVE),
			 SDP_SETUP_PASSIVE);
	assert_int_equal(sdp_setup_answer(SDP_SETUP_ACTIVE, SDP_SETUP_ACTIVE),
			 SDP_SETUP_PASSIVE);
	assert_int_equal(sdp_setup_answer(SDP_SETUP_PASSIVE,
					  SDP_SETUP_PASSIVE),
			 SDP_SETUP_ACTIVE);
	assert_int_equal(sdp_setup_answer(SDP_SETUP_NONE, SDP_SETUP_ACTIVE),
			 SDP_SETUP_NONE);
	assert_string_equal(sdp_dir_name(SDP_DIR_RECVONLY), "recvonly");
	assert_string_equal(sdp_setup_name(SDP_SETUP_ACTPASS), "actpass");
}

static void test_media_answer_hold(void **state)
{
	struct fx *f = *state;
	struct sdp_media *ans = &f->s2->media[0];

	parse_ok(f->s, firefox_offer);
	/* a re-offer putting us on hold */
	f->s->media[0].dir = SDP_DIR_SENDONLY;
	assert_int_equal(sdp_media_answer(&f->s->media[0], g711_prefs, 3, 1,
					  SDP_DIR_SENDRECV, ans), 0);
	assert_int_equal(ans->dir, SDP_DIR_RECVONLY);
	assert_int_equal(ans->kind, SDP_MEDIA_AUDIO);
	assert_int_equal(ans->proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	assert_string_equal(ans->mid, "0");
	assert_true(ans->rtcp_mux);
	assert_false(ans->rtcp_rsize);
	assert_int_equal(ans->ncodecs, 2);
	assert_int_equal(ans->codecs[0].pt, 0);
	assert_int_equal(ans->codecs[1].pt, 101);
	/* nothing of the offer's transport is copied */
	assert_string_equal(ans->tp.ufrag, "");
	assert_int_equal(ans->ncands, 0);
}

/* ---- hostile input --------------------------------------------------- */

static void test_hostile_empty(void **state)
{
	struct fx *f = *state;
	unsigned line = 99;

	assert_int_equal(sdp_session_parse(f->s, NULL, 0, &line),
			 SDP_EVERSION);
	assert_int_equal(line, 0);
	assert_int_equal(sdp_session_parse(f->s, "", 0, NULL), SDP_EVERSION);
	assert_int_equal(sdp_session_parse(f->s, "\r\n", 2, NULL),
			 SDP_EVERSION);
	assert_int_equal(sdp_session_parse(f->s, NULL, 5, NULL), SDP_EINVAL);
	assert_int_equal(sdp_session_parse(NULL, "v=0", 3, NULL), SDP_EINVAL);
	/* v= alone lacks o= */
	assert_int_equal(sdp_session_parse(f->s, "v=0\r\n", 5, NULL),
			 SDP_EORIGIN);
}

static void test_hostile_no_version(void **state)
{
	static const char *const bodies[] = {
		"o=- 1 1 IN IP4 127.0.0.1\r\nv=0\r\n",
		"v=1\r\no=- 1 1 IN IP4 127.0.0.1\r\n",
		"\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n",
		" v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n",
		"v=00\r\n",
		"hello world",
	};
	struct fx *f = *state;

	for (size_t i = 0; i < NELEM(bodies); i++)
		assert_int_equal(sdp_session_parse(f->s, bodies[i],
						   strlen(bodies[i]), NULL),
				 SDP_EVERSION);
	/* and a second session inside the body */
	expect_extra(f, L("v=0"), SDP_EVERSION);
}

static void test_hostile_size_and_lines(void **state)
{
	struct fx *f = *state;
	size_t n = strlen(MINIMAL);
	unsigned line = 0;

	/* 100k lines: over the size limit long before the line limit */
	memcpy(f->buf, MINIMAL, n);
	for (int i = 0; i < 100000; i++, n += 2)
		memcpy(f->buf + n, "a\n", 2);
	assert_int_equal(sdp_session_parse(f->s, f->buf, n, &line),
			 SDP_ETOOBIG);
	assert_int_equal(sdp_session_parse(f->s, f->buf, SDP_MAX_SIZE + 1,
					   NULL), SDP_ETOOBIG);
	/* short lines: the line limit, at the first line past it */
	n = strlen(MINIMAL);
	for (int i = 0; i < SDP_MAX_LINES; i++, n += 4)
		memcpy(f->buf + n, "a=x\n", 4);
	assert_int_equal(sdp_session_parse(f->s, f->buf, n, &line),
			 SDP_ELINES);
	assert_int_equal(line, SDP_MAX_LINES + 1);
	/* exactly at the limit is fine */
	n -= 4 * 6;
	assert_int_equal(sdp_session_parse(f->s, f->buf, n, NULL), 0);
}

static void test_hostile_long_line(void **state)
{
	struct fx *f = *state;
	size_t n = strlen(MINIMAL);
	unsigned line = 0;

	/* a 10k-character attribute */
	memcpy(f->buf, MINIMAL, n);
	memcpy(f->buf + n, "a=x:", 4);
	memset(f->buf + n + 4, 'A', 10000);
	memcpy(f->buf + n + 10004, "\r\n", 2);
	assert_int_equal(sdp_session_parse(f->s, f->buf, n + 10006, &line),
			 SDP_ELINELEN);
	assert_int_equal(line, 7);
	/* SDP_MAX_LINE itself passes (an unknown attribute), one more not */
	assert_int_equal(sdp_session_parse(f->s, f->buf,
					   n + SDP_MAX_LINE, NULL), 0);
	assert_int_equal(sdp_session_parse(f->s, f->buf,
					   n + SDP_MAX_LINE + 1, NULL),
			 SDP_ELINELEN);
	/* values longer than their field are refused, not cut */
	memcpy(f->buf + n, "a=mid:", 6);
	assert_int_equal(sdp_session_parse(f->s, f->buf, n + 200, NULL),
			 SDP_ETOOLONG);
}

static void test_hostile_nul_and_control_bytes(void **state)
{
	struct fx *f = *state;
	size_t n = strlen(chrome_offer);
	unsigned line = 0;

	memcpy(f->buf, chrome_offer, n);
	f->buf[n / 2] = '\0';
	assert_int_equal(sdp_session_parse(f->s, f->buf, n, &line),
			 SDP_EBADCHAR);
	assert_true(line > 1);
	memcpy(f->buf, chrome_offer, n);
	f->buf[100] = '\x01';
	assert_int_equal(sdp_session_parse(f->s, f->buf, n, NULL),
			 SDP_EBADCHAR);
	expect_extra(f, "a=mid:0\r1\r\n", SDP_EBADCHAR);	/* lone CR */
	expect_extra(f, "a=mid:\x7f\r\n", SDP_EBADCHAR);
	/* a failed parse leaves nothing behind */
	assert_int_equal(f->s->nmedia, 0);
	assert_int_equal(f->s->origin.sess_id, 0);
}

static void test_hostile_too_many_candidates(void **state)
{
	struct fx *f = *state;
	char *extra = malloc(8192);
	size_t n = 0;

	assert_non_null(extra);
	for (int i = 0; i < SDP_MAX_CANDS; i++)
		n += (size_t)sprintf(extra + n, "a=candidate:%d 1 udp %d "
				     "10.0.0.1 %d typ host\r\n", i, 1000 + i,
				     2000 + i);
	expect_extra(f, extra, 0);
	assert_int_equal(f->s->media[0].ncands, SDP_MAX_CANDS);
	sprintf(extra + n, "a=candidate:x 1 udp 1 10.0.0.1 1 typ host\r\n");
	expect_extra(f, extra, SDP_ECAND_LIMIT);
	free(extra);
}

static void test_hostile_payload_types(void **state)
{
	struct fx *f = *state;
	int n = sprintf(f->buf, "%s", MINIMAL);

	/* an m= with 1000 payload types */
	n += sprintf(f->buf + n, "m=audio 9 RTP/AVP");
	for (int i = 0; i < 1000; i++)
		n += sprintf(f->buf + n, " %d", i % 128);
	n += sprintf(f->buf + n, "\r\nc=IN IP4 127.0.0.1\r\n");
	assert_int_equal(sdp_session_parse(f->s, f->buf, (size_t)n, NULL),
			 SDP_ECODEC_LIMIT);
	expect_extra(f, "m=audio 9 RTP/AVP 128\r\n", SDP_EPT);
	expect_extra(f, "m=audio 9 RTP/AVP 0 8 0\r\n", SDP_EPT);
	expect_extra(f, "m=audio 9 RTP/AVP 0 x\r\n", SDP_EPT);
	expect_extra(f, "a=rtpmap:200 foo/8000\r\n", SDP_EPT);
	/* an rtpmap for a pt not on the m= line is ignored */
	expect_extra(f, "a=rtpmap:96 foo/8000\r\n", 0);
}

static void test_hostile_media_count(void **state)
{
	struct fx *f = *state;
	char *extra = malloc(4096);
	size_t n = 0;

	assert_non_null(extra);
	for (int i = 1; i < SDP_MAX_MEDIA; i++)
		n += (size_t)sprintf(extra + n, "m=audio 0 RTP/AVP 0\r\n");
	expect_extra(f, extra, 0);
	assert_int_equal(f->s->nmedia, SDP_MAX_MEDIA);
	sprintf(extra + n, "m=audio 0 RTP/AVP 0\r\n");
	expect_extra(f, extra, SDP_EMEDIA_LIMIT);
	free(extra);
}

static void test_hostile_ports(void **state)
{
	static const char *const bad[] = {
		"65536", "99999999999999999999999", "abc", "-1", "+9",
		"0x10", "9/0", "9/", "/2", "9/70000", " 9a",
	};
	struct fx *f = *state;
	char line[128];

	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(line, sizeof(line), "m=audio %s RTP/AVP 0\r\n",
			 bad[i]);
		expect_extra(f, line, SDP_EPORT);
	}
	expect_extra(f, "m=audio 65535/2 RTP/AVP 0\r\n", 0);
	assert_int_equal(f->s->media[1].nports, 2);
	expect_extra(f, "a=rtcp:70000\r\n", SDP_EPORT);
	expect_extra(f, "a=candidate:1 1 udp 1 10.0.0.1 65536 typ host\r\n",
		     SDP_ECAND);
}

static void test_hostile_negative_numbers(void **state)
{
	static const struct {
		const char *line;
		int err;
	} cases[] = {
		{ "a=ptime:-20", SDP_EATTR },
		{ "a=maxptime:-1", SDP_EATTR },
		{ "a=ptime:0", SDP_EATTR },
		{ "a=rtpmap:-1 PCMU/8000", SDP_EPT },
		{ "a=rtpmap:0 PCMU/-8000", SDP_EATTR },
		{ "a=rtpmap:0 opus/48000/-2", SDP_EATTR },
		{ "a=fmtp:-0 x=1", SDP_EPT },
		{ "a=rtcp-fb:-5 nack", SDP_EPT },
		{ "a=ssrc:-5 cname:x", SDP_EATTR },
		{ "a=ssrc:4294967296 cname:x", SDP_EATTR },
		{ "a=candidate:1 -1 udp 1 10.0.0.1 1 typ host", SDP_ECAND },
		{ "a=candidate:1 1 udp -1 10.0.0.1 1 typ host", SDP_ECAND },
		{ "a=candidate:1 1 udp 4294967296 10.0.0.1 1 typ host",
		  SDP_ECAND },
		{ "a=candidate:1 1 udp 1 10.0.0.1 -1 typ host", SDP_ECAND },
		{ "a=crypto:-1 AES_CM_128_HMAC_SHA1_80 inline:"
		  "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", SDP_ECRYPTO },
		{ "a=rtcp:-9", SDP_EPORT },
	};
	struct fx *f = *state;
	char line[256];

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(line, sizeof(line), "%s\r\n", cases[i].line);
		expect_extra(f, line, cases[i].err);
	}
	assert_int_equal(parse_str(f->s, L("v=0")
				   L("o=- -1 1 IN IP4 127.0.0.1")),
			 SDP_EORIGIN);
}

static void test_hostile_missing_fields(void **state)
{
	static const struct {
		const char *line;
		int err;
	} cases[] = {
		{ "m=audio 9 RTP/AVP", SDP_EMLINE },
		{ "m=audio 9", SDP_EMLINE },
		{ "m=", SDP_EMLINE },
		{ "c=IN IP4", SDP_ECONN },
		{ "c=IN IP5 1.2.3.4", SDP_ECONN },
		{ "c=XX IP4 1.2.3.4", SDP_ECONN },
		{ "c=IN IP4 1.2.3.4 extra", SDP_ECONN },
		{ "o=- 1 1 IN IP4 127.0.0.1", SDP_EORIGIN },	/* twice */
		{ "a=rtpmap:0", SDP_EATTR },
		{ "a=rtpmap:0 PCMU", SDP_EATTR },
		{ "a=rtpmap:0 /8000", SDP_EATTR },
		{ "a=rtpmap:", SDP_EATTR },
		{ "a=mid", SDP_EATTR },
		{ "a=mid:a b", SDP_EATTR },
		{ "a=ice-ufrag:", SDP_EATTR },
		{ "a=fingerprint:sha-256", SDP_EATTR },
		{ "a=fingerprint:sha-256 AB:C", SDP_EATTR },
		{ "a=fingerprint:sha-256 AB:CD:", SDP_EATTR },
		{ "a=fingerprint:sha-256 XY:CD", SDP_EATTR },
		{ "a=setup:maybe", SDP_EATTR },
		{ "a=rtcp-fb:96", SDP_EATTR },
		{ "a=ssrc-group:FID", SDP_EATTR },
		{ "a=ssrc-group:SIM 1 2 3 4 5", SDP_ELIST_LIMIT },
		{ "a=extmap:urn:only", SDP_EATTR },
		{ "a=extmap:1", SDP_EATTR },
		{ "a=candidate:1 1 udp", SDP_ECAND },
		{ "a=candidate:1 1 udp 1 10.0.0.1 1 host", SDP_ECAND },
		{ "a=candidate:1 1 udp 1 10.0.0.1 1 typ host raddr",
		  SDP_ECAND },
		{ "a=crypto:1 AES_CM_128_HMAC_SHA1_80", SDP_ECRYPTO },
		{ "a=crypto:1 AES_CM_128_HMAC_SHA1_80 WVNfX19z", SDP_ECRYPTO },
		{ "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", SDP_ECRYPTO },
		{ "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abcd!efg",
		  SDP_ECRYPTO },
		{ "x", SDP_ESYNTAX },
		{ "=x", SDP_ESYNTAX },
		{ "A=x", SDP_ESYNTAX },
		{ "ab=x", SDP_ESYNTAX },
	};
	struct fx *f = *state;
	char line[256];

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(line, sizeof(line), "%s\r\n", cases[i].line);
		expect_extra(f, line, cases[i].err);
	}
	/* no o= at all; an active m= without any c= */
	assert_int_equal(parse_str(f->s, L("v=0") L("s=-")), SDP_EORIGIN);
	parse_ok(f->s, L("v=0") L("o=- 1 1 IN IP4 127.0.0.1")
		 L("m=audio 0 RTP/AVP 0"));
	assert_int_equal(parse_str(f->s, L("v=0") L("o=- 1 1 IN IP4 127.0.0.1")
				   L("m=audio 9 RTP/AVP 0")), SDP_ECONN);
}

static void test_hostile_list_limits(void **state)
{
	struct fx *f = *state;
	char *extra = malloc(16384);
	size_t n = 0;

	assert_non_null(extra);
	for (int i = 0; i <= SDP_MAX_FB; i++)
		n += (size_t)sprintf(extra + n, "a=rtcp-fb:* nack %d\r\n", i);
	expect_extra(f, extra, SDP_ELIST_LIMIT);
	n = 0;
	for (int i = 0; i <= SDP_MAX_SSRC; i++)
		n += (size_t)sprintf(extra + n, "a=ssrc:%d cname:x\r\n", i);
	expect_extra(f, extra, SDP_ELIST_LIMIT);
	n = 0;
	for (int i = 0; i <= SDP_MAX_EXTMAP; i++)
		n += (size_t)sprintf(extra + n, "a=extmap:%d urn:x\r\n", i);
	expect_extra(f, extra, SDP_ELIST_LIMIT);
	n = 0;
	for (int i = 0; i <= SDP_MAX_CRYPTO; i++)
		n += (size_t)sprintf(extra + n, "a=crypto:%d AES_CM_128_HMAC_"
				     "SHA1_80 inline:WVNfX19zZW1j\r\n", i);
	expect_extra(f, extra, SDP_ELIST_LIMIT);
	free(extra);
}

/* Every prefix of a real offer, and many randomly damaged copies: each
 * parse succeeds or fails cleanly, and whatever parses writes back to a
 * body that parses to the same thing. */
static void test_hostile_truncated_and_mutated(void **state)
{
	static const char bytes[] = " :/\n\r0921-a=\t\0\xff";
	struct fx *f = *state;
	size_t n = strlen(chrome_offer), len;
	uint32_t rnd = 12345;
	int ok = 0;

	for (size_t cut = 0; cut <= n; cut += 7)
		(void)sdp_session_parse(f->s, chrome_offer, cut, NULL);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(f->buf, chrome_offer, n);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rnd = rnd * 1103515245u + 12345u;
			f->buf[(rnd >> 8) % n] = bytes[(rnd >> 4) %
						       (sizeof(bytes) - 1)];
		}
		if (sdp_session_parse(f->s, f->buf, n, NULL))
			continue;
		ok++;
		assert_int_equal(sdp_session_write(f->s, f->buf + n, BIG - n,
						   &len), 0);
		assert_int_equal(sdp_session_parse(f->s2, f->buf + n, len,
						   NULL), 0);
		assert_memory_equal(f->s, f->s2, sizeof(*f->s));
	}
	print_message("%d of 3000 damaged offers still parsed\n", ok);
	assert_true(ok > 0);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = SDP_EINVAL; e < SDP_EEND; e++) {
		assert_non_null(sdp_strerror(e));
		assert_true(strlen(sdp_strerror(e)) > 5);
		if (e > SDP_EINVAL)
			assert_string_not_equal(sdp_strerror(e),
						sdp_strerror(e - 1));
	}
	assert_string_equal(sdp_strerror(0), "success");
	assert_non_null(sdp_strerror(12));	/* ENOMEM */
	assert_non_null(sdp_strerror(-77));
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_chrome_session),
		T(test_chrome_audio),
		T(test_chrome_candidates),
		T(test_chrome_video),
		T(test_chrome_simulcast_and_datachannel),
		T(test_firefox_offer),
		T(test_sip_plain_offer),
		T(test_sdes_offer),
		T(test_lf_line_ends),
		T(test_unknown_lines_ignored),
		T(test_inheritance),
		T(test_roundtrip_chrome),
		T(test_roundtrip_firefox),
		T(test_roundtrip_sip_and_sdes),
		T(test_write_webrtc_answer),
		T(test_write_plain_and_sdes_answers),
		T(test_write_buffer_too_small),
		T(test_write_refuses_bad_values),
		T(test_candidate_trickle),
		T(test_select_g711_follows_dtmf_rate),
		T(test_select_opus_dtmf_48k),
		T(test_select_name_rate_channels),
		T(test_select_no_common_codec),
		T(test_select_video_with_rtx),
		T(test_select_limits_and_args),
		T(test_direction_and_setup_answers),
		T(test_media_answer_hold),
		T(test_hostile_empty),
		T(test_hostile_no_version),
		T(test_hostile_size_and_lines),
		T(test_hostile_long_line),
		T(test_hostile_nul_and_control_bytes),
		T(test_hostile_too_many_candidates),
		T(test_hostile_payload_types),
		T(test_hostile_media_count),
		T(test_hostile_ports),
		T(test_hostile_negative_numbers),
		T(test_hostile_missing_fields),
		T(test_hostile_list_limits),
		T(test_hostile_truncated_and_mutated),
		T(test_strerror),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("sdp", tests, NULL, NULL);
}
