/* Unit tests for mediad's video: VP8 and BUNDLE offer/answer both ways
 * (mvideo.c through mneg.c), re-offers that add, drop or hold video, and
 * the BUNDLE demultiplexing of the browser's RTP and RTCP by payload type
 * and SSRC.  Sessions are built by hand as in test_mneg.c (no worker; the
 * SIP video port is preset so none is opened).  Run with a name filter as
 * argv[1] ("*demux*"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediad/msess.h"
#include "msess_fixture.h"

#define L(s) s "\r\n"
#define FP "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	   "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
#define ICE L("a=ice-ufrag:Wq9h") L("a=ice-pwd:7IFkxN8b0gQv7Ez4ChQb0Xk3") \
	L("a=ice-options:trickle") L("a=fingerprint:sha-256 " FP)
#define FB(pt) L("a=rtcp-fb:" pt " goog-remb") \
	L("a=rtcp-fb:" pt " transport-cc") L("a=rtcp-fb:" pt " ccm fir") \
	L("a=rtcp-fb:" pt " nack") L("a=rtcp-fb:" pt " nack pli")
#define RTX(pt, apt) L("a=rtpmap:" pt " rtx/90000") L("a=fmtp:" pt " apt=" apt)

enum { A_SSRC = 2581832418u, V_SSRC = 1102390212u, V_RTX = 3402951184u };

/* Chrome's audio+video offer (Chrome 120 shape, cut to the codecs that
 * matter: VP8 with rtx, H264, VP9, red, ulpfec; a data channel). */
static const char chrome_av[] =
	L("v=0") L("o=- 4611731400430051336 2 IN IP4 127.0.0.1") L("s=-")
	L("t=0 0") L("a=group:BUNDLE 0 1 2") L("a=extmap-allow-mixed")
	L("a=msid-semantic: WMS s1")
	L("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126")
	L("c=IN IP4 0.0.0.0") L("a=rtcp:9 IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:0")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=sendrecv") L("a=msid:s1 a1") L("a=rtcp-mux") L("a=rtcp-rsize")
	L("a=rtpmap:111 opus/48000/2") L("a=rtcp-fb:111 transport-cc")
	L("a=fmtp:111 minptime=10;useinbandfec=1")
	L("a=rtpmap:63 red/48000/2") L("a=fmtp:63 111/111")
	L("a=rtpmap:9 G722/8000") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000") L("a=rtpmap:13 CN/8000")
	L("a=rtpmap:110 telephone-event/48000")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6")
	L("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 98 99 116 117 118")
	L("c=IN IP4 0.0.0.0") L("a=rtcp:9 IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:1")
	L("a=extmap:3 http://www.ietf.org/id/"
	  "draft-holmer-rmcat-transport-wide-cc-extensions-01")
	L("a=sendrecv") L("a=msid:s1 v1") L("a=rtcp-mux") L("a=rtcp-rsize")
	L("a=rtpmap:96 VP8/90000") FB("96") RTX("97", "96")
	L("a=rtpmap:102 H264/90000") FB("102")
	L("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=42001f") RTX("103", "102")
	L("a=rtpmap:98 VP9/90000") FB("98") L("a=fmtp:98 profile-id=0")
	RTX("99", "98") L("a=rtpmap:116 red/90000") RTX("117", "116")
	L("a=rtpmap:118 ulpfec/90000")
	L("a=ssrc-group:FID 1102390212 3402951184")
	L("a=ssrc:1102390212 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:3402951184 cname:Yq1d8XU3rFbF4rJ6")
	L("m=application 9 UDP/DTLS/SCTP webrtc-datachannel")
	L("c=IN IP4 0.0.0.0") ICE L("a=setup:actpass") L("a=mid:2")
	L("a=sctp-port:5000");

/* The number of lines starting with prefix. */
static int count(const char *sdp, const char *prefix)
{
	int n = 0;

	for (const char *p = sdp; (p = strstr(p, prefix)); p++)
		n += p == sdp || p[-1] == '\n';
	return n;
}

static char *sip_answer(int vport, int vpt, const char *vdir)
{
	return g_strdup_printf(
		L("v=0") L("o=pbx 1 1 IN IP4 127.0.0.1") L("s=-")
		L("c=IN IP4 127.0.0.1") L("t=0 0")
		L("m=audio 30000 RTP/AVP 111 101")
		L("a=rtpmap:111 opus/48000/2")
		L("a=rtpmap:101 telephone-event/8000") L("a=sendrecv")
		L("m=video %d RTP/AVP %d") L("a=rtpmap:%d VP8/90000")
		L("a=rtcp-fb:%d nack pli") L("a=%s"), vport, vpt, vpt, vpt,
		vdir);
}

/* A browser session with video on: Chrome's offer, a PBX answer. */
static struct msess *web_call(char **web_ans)
{
	struct msess *s = sess_new();
	char why[160] = "", *sip, *ans;

	sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	assert_non_null(sip);
	g_free(sip);
	ans = sip_answer(30002, 100, "sendrecv");
	*web_ans = mneg_answer(s, ans, why, sizeof(why));
	g_free(ans);
	if (!*web_ans)
		fail_msg("answer refused: %s", why);
	return s;
}

static void test_browser_offer_sip_side(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));

	assert_non_null(sip);
	has(sip, "m=audio 20002 RTP/AVP 111 0 8 101\r\n");
	has(sip, "\r\nm=video 20004 RTP/AVP 96\r\nc=IN IP4 127.0.0.1\r\n"
		 "a=rtpmap:96 VP8/90000\r\n");
	/* the feedback the relay passes on, not transport-cc */
	has(sip, "a=rtcp-fb:96 goog-remb\r\n");
	has(sip, "a=rtcp-fb:96 ccm fir\r\n");
	has(sip, "a=rtcp-fb:96 nack\r\n");
	has(sip, "a=rtcp-fb:96 nack pli\r\n");
	hasnt(sip, "transport-cc");
	hasnt(sip, "H264");
	hasnt(sip, "rtx");
	hasnt(sip, "ulpfec");
	assert_int_equal(count(sip, "m="), 2);
	g_free(sip);
	sess_free(s);
}

/* With SRTP mandatory toward SIP, video is offered encrypted too
 * (test_mvsdes.c has the rest). */
static void test_mandatory_srtp_video(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *sip;

	s->sip.sdes.policy = MSDES_MANDATORY;
	sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	assert_non_null(sip);
	has(sip, "m=audio 20002 RTP/SAVP ");
	has(sip, "\r\nm=video 20004 RTP/SAVP 96\r\n");
	has(strstr(sip, "m=video"), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 ");
	g_free(sip);
	sess_free(s);
}

static void test_browser_offer_answer(void **st)
{
	char *ans;
	struct msess *s = web_call(&ans);
	uint8_t p[40] = { 0x80, 96, 0, 7, 0, 0, 0, 9, 0x41, 0xB4, 0x52, 0xC4 };

	has(ans, "a=group:BUNDLE 0 1\r\n");
	has(ans, "m=audio 20000 UDP/TLS/RTP/SAVPF 111 126\r\n");
	has(ans, "m=video 20000 UDP/TLS/RTP/SAVPF 96\r\n");
	has(ans, "a=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\n"
		 "a=rtpmap:96 VP8/90000\r\n");
	has(ans, "a=rtcp-fb:96 nack pli\r\n");
	hasnt(ans, "transport-cc");
	hasnt(ans, "rtx");
	hasnt(ans, "H264");
	/* the same transport in both bundled sections */
	assert_int_equal(count(ans, "a=ice-ufrag:"), 2);
	assert_int_equal(count(ans, "a=setup:passive"), 2);
	/* the data channel is refused, its mid kept */
	has(ans, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	has(ans, "a=mid:2\r\n");
	assert_true(s->vid.on);
	assert_int_equal(s->vweb.codec.pt, 96);
	assert_int_equal(s->vsip.codec.pt, 100);
	/* VP8 from the browser leaves toward SIP as PT 100 with our SSRC */
	assert_int_equal(rtp_rewrite_apply(&s->vsip.rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_pt(p), 100);
	assert_int_equal(rtp_ssrc(p), s->vsip.ssrc);
	/* stats name the codec */
	json_t *j = mvideo_stats(s);
	assert_string_equal(json_string_value(json_object_get(j, "codec")),
			    "VP8");
	json_decref(j);
	g_free(ans);
	sess_free(s);
}

static void test_sip_refuses_video(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "", *sip, *ans, *web;

	sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	g_free(sip);
	ans = sip_answer(0, 96, "sendrecv");
	web = mneg_answer(s, ans, why, sizeof(why));
	assert_non_null(web);
	assert_false(s->vid.on);
	has(web, "a=group:BUNDLE 0\r\n");
	has(web, "m=audio 20000 UDP/TLS/RTP/SAVPF 111 126\r\n");
	has(web, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n");
	g_free(ans);
	g_free(web);
	sess_free(s);
	/* an audio-only SIP answer (no m=video at all) likewise */
	s = sess_new();
	sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	g_free(sip);
	web = mneg_answer(s, L("v=0") L("o=pbx 1 1 IN IP4 127.0.0.1") L("s=-")
			  L("c=IN IP4 127.0.0.1") L("t=0 0")
			  L("m=audio 30000 RTP/AVP 0") L("a=rtpmap:0 PCMU/8000"),
			  why, sizeof(why));
	assert_non_null(web);
	assert_false(s->vid.on);
	has(web, "m=video 0 ");
	has(web, "m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\n");
	g_free(web);
	sess_free(s);
}

static const char sip_av_offer[] =
	L("v=0") L("o=pbx 7 7 IN IP4 127.0.0.1") L("s=-")
	L("c=IN IP4 127.0.0.1") L("t=0 0") L("m=audio 30000 RTP/AVP 0 101")
	L("a=rtpmap:0 PCMU/8000") L("a=rtpmap:101 telephone-event/8000")
	L("a=sendrecv") L("m=video 30002 RTP/AVP 100 126")
	L("a=rtpmap:100 VP8/90000") L("a=rtcp-fb:100 nack")
	L("a=rtcp-fb:100 nack pli") L("a=rtcp-fb:100 ccm fir")
	L("a=rtpmap:126 H264/90000") L("a=sendrecv");

/* The browser's answer to our offer: audio PCMU, video as given. */
static char *web_answer(const char *vline)
{
	return g_strdup_printf(
		L("v=0") L("o=- 9 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
		L("a=group:BUNDLE 0 1") L("m=audio 9 UDP/TLS/RTP/SAVPF 0 126")
		L("c=IN IP4 0.0.0.0") ICE L("a=setup:active") L("a=mid:0")
		L("a=sendrecv") L("a=rtcp-mux") L("a=rtpmap:0 PCMU/8000")
		L("a=rtpmap:126 telephone-event/8000")
		L("a=ssrc:11 cname:x") "%s", vline);
}

static void test_sip_offer_video(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "", *web, *ans, *sip;

	web = mneg_create(s, MSESS_FROM_SIP, sip_av_offer, why, sizeof(why));
	assert_non_null(web);
	has(web, "a=group:BUNDLE 0 1\r\n");
	has(web, "m=video 20000 UDP/TLS/RTP/SAVPF 100\r\n");
	has(web, "a=mid:1\r\n");
	has(web, "a=rtpmap:100 VP8/90000\r\na=rtcp-fb:100 nack\r\n"
		 "a=rtcp-fb:100 nack pli\r\na=rtcp-fb:100 ccm fir\r\n");
	hasnt(web, "H264");
	assert_int_equal(count(web, "a=setup:actpass"), 2);
	assert_int_equal(count(web, "a=fingerprint:"), 2);
	ans = web_answer(L("m=video 9 UDP/TLS/RTP/SAVPF 100")
			 L("c=IN IP4 0.0.0.0") ICE L("a=setup:active")
			 L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
			 L("a=rtpmap:100 VP8/90000")
			 L("a=rtcp-fb:100 nack pli") L("a=ssrc:22 cname:x"));
	sip = mneg_answer(s, ans, why, sizeof(why));
	if (!sip)
		fail_msg("refused: %s", why);
	assert_true(s->vid.on);
	has(sip, "m=audio 20002 RTP/AVP 0 101\r\n");
	has(sip, "m=video 20004 RTP/AVP 100\r\n");
	has(sip, "a=rtcp-fb:100 nack pli\r\n");
	/* a=ssrc of the browser's answer: the sources the demux expects */
	assert_int_equal(mvideo_demux_rtp(s, 100, 22), MVIDEO_VIDEO);
	assert_int_equal(mvideo_demux_rtp(s, 0, 11), MVIDEO_AUDIO);
	g_free(ans);
	g_free(sip);
	g_free(web);
	sess_free(s);
}

static void test_sip_offer_no_vp8(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "", *web, *ans, *sip;

	web = mneg_create(s, MSESS_FROM_SIP,
			  L("v=0") L("o=pbx 7 7 IN IP4 127.0.0.1") L("s=-")
			  L("c=IN IP4 127.0.0.1") L("t=0 0")
			  L("m=audio 30000 RTP/AVP 0") L("a=rtpmap:0 PCMU/8000")
			  L("m=video 30002 RTP/AVP 126")
			  L("a=rtpmap:126 H264/90000"), why, sizeof(why));
	assert_non_null(web);
	hasnt(web, "m=video");
	has(web, "a=group:BUNDLE 0\r\n");
	ans = web_answer("");
	sip = mneg_answer(s, ans, why, sizeof(why));
	assert_non_null(sip);
	assert_false(s->vid.on);
	/* audio goes on; the video line is mirrored, refused */
	has(sip, "m=audio 20002 RTP/AVP 0\r\n");
	has(sip, "m=video 0 RTP/AVP 126\r\n");
	g_free(ans);
	g_free(sip);
	g_free(web);
	sess_free(s);
}

/* A SIP offer with video first is answered in its own m= order. */
static void test_sip_offer_video_first(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "", *web, *ans, *sip;

	web = mneg_create(s, MSESS_FROM_SIP,
			  L("v=0") L("o=pbx 7 7 IN IP4 127.0.0.1") L("s=-")
			  L("c=IN IP4 127.0.0.1") L("t=0 0")
			  L("m=video 30002 RTP/AVP 100")
			  L("a=rtpmap:100 VP8/90000")
			  L("m=audio 30000 RTP/AVP 0") L("a=rtpmap:0 PCMU/8000"),
			  why, sizeof(why));
	assert_non_null(web);
	ans = web_answer(L("m=video 9 UDP/TLS/RTP/SAVPF 100")
			 L("c=IN IP4 0.0.0.0") ICE L("a=setup:active")
			 L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
			 L("a=rtpmap:100 VP8/90000"));
	sip = mneg_answer(s, ans, why, sizeof(why));
	assert_non_null(sip);
	assert_true(s->vid.on);
	assert_non_null(strstr(sip, "m=audio"));
	assert_true(strstr(sip, "m=video 20004 RTP/AVP 100") <
		    strstr(sip, "m=audio 20002 RTP/AVP 0"));
	g_free(ans);
	g_free(sip);
	g_free(web);
	sess_free(s);
}

static void test_demux(void **st)
{
	char *ans;
	struct msess *s = web_call(&ans);
	uint8_t pli[12] = { 0x81, 206, 0, 2 }, rr[32] = { 0x81, 201, 0, 7 };

	/* by payload type and declared SSRC */
	assert_int_equal(mvideo_demux_rtp(s, 111, A_SSRC), MVIDEO_AUDIO);
	assert_int_equal(mvideo_demux_rtp(s, 126, A_SSRC), MVIDEO_AUDIO);
	assert_int_equal(mvideo_demux_rtp(s, 96, V_SSRC), MVIDEO_VIDEO);
	/* video's PT on audio's source, audio's on video's: dropped */
	assert_int_equal(mvideo_demux_rtp(s, 96, A_SSRC), MVIDEO_DROP);
	assert_int_equal(mvideo_demux_rtp(s, 111, V_SSRC), MVIDEO_DROP);
	/* an SSRC the browser never declared, a PT not negotiated (rtx) */
	assert_int_equal(mvideo_demux_rtp(s, 96, 0x12345678), MVIDEO_DROP);
	assert_int_equal(mvideo_demux_rtp(s, 97, V_RTX), MVIDEO_DROP);
	/* RTCP: a PLI about our video source goes to video ... */
	rtp_wr32(pli + 4, 77);
	rtp_wr32(pli + 8, s->vweb.ssrc);
	assert_true(mvideo_rtcp_is_video(s, pli, sizeof(pli)));
	/* ... an RR reporting on our audio source stays audio */
	rtp_wr32(rr + 4, A_SSRC);
	rtp_wr32(rr + 8, s->web.ssrc);
	assert_false(mvideo_rtcp_is_video(s, rr, sizeof(rr)));
	/* ... and one reporting on our video source is video */
	rtp_wr32(rr + 8, s->vweb.ssrc);
	assert_true(mvideo_rtcp_is_video(s, rr, sizeof(rr)));
	g_free(ans);
	sess_free(s);
}

/* Undeclared SSRCs: learnt from the payload type, never shared. */
static void test_demux_learn(void **st)
{
	char *ans;
	struct msess *s = web_call(&ans);

	s->vid.na = s->vid.nv = 0;
	s->vid.a_declared = s->vid.v_declared = false;
	assert_int_equal(mvideo_demux_rtp(s, 111, 5), MVIDEO_AUDIO);
	assert_int_equal(mvideo_demux_rtp(s, 96, 6), MVIDEO_VIDEO);
	assert_int_equal(mvideo_demux_rtp(s, 96, 5), MVIDEO_DROP);
	assert_int_equal(mvideo_demux_rtp(s, 111, 6), MVIDEO_DROP);
	/* without video in the session, all is audio as before */
	s->vid.on = false;
	assert_int_equal(mvideo_demux_rtp(s, 96, 6), MVIDEO_AUDIO);
	g_free(ans);
	sess_free(s);
}

/* Chrome's offer with the video m= replaced by mline + its attributes. */
static char *reoffer(const char *vsection)
{
	const char *v = strstr(chrome_av, "m=video");
	const char *app = strstr(chrome_av, "m=application");

	return g_strdup_printf("%.*s%s%s", (int)(v - chrome_av), chrome_av,
			       vsection, app);
}

static void test_update_video(void **st)
{
	char *ans, *off, *sip, *web, *sa, why[160] = "";
	struct msess *s = web_call(&ans);
	bool fwd = true;
	const char *v = strstr(chrome_av, "m=video");
	const char *app = strstr(chrome_av, "m=application");
	char *vsec = g_strndup(v, (size_t)(app - v));
	char *hold = g_strdup(vsec);

	/* the same offer again: answered at once, video still on */
	off = reoffer(vsec);
	web = mneg_update(s, MLEG_WEB, off, &fwd, why, sizeof(why));
	assert_non_null(web);
	assert_false(fwd);
	has(web, "m=video 20000 UDP/TLS/RTP/SAVPF 96\r\n");
	g_free(web);
	g_free(off);
	/* video on hold (sendonly): the SIP side is asked */
	memcpy(strstr(hold, "a=sendrecv"), "a=sendonly", 10);
	off = reoffer(hold);
	sip = mneg_update(s, MLEG_WEB, off, &fwd, why, sizeof(why));
	assert_non_null(sip);
	assert_true(fwd);
	has(sip, "m=video 20004 RTP/AVP 100\r\n");
	has(sip, "a=rtpmap:100 VP8/90000\r\n");
	has(sip, "a=sendonly\r\n");
	sa = sip_answer(30002, 100, "recvonly");
	web = mneg_answer(s, sa, why, sizeof(why));
	assert_non_null(web);
	assert_true(s->vid.on);
	has(web, "a=mid:1\r\na=recvonly\r\n");
	assert_false(mleg_may_send(&s->vweb));	/* nothing to a sendonly */
	assert_true(mleg_may_send(&s->vsip));
	g_free(sa);
	g_free(web);
	g_free(sip);
	g_free(off);
	/* video dropped (port 0): the SIP side hears of it */
	off = reoffer("m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
		      "a=mid:1\r\na=inactive\r\n");
	sip = mneg_update(s, MLEG_WEB, off, &fwd, why, sizeof(why));
	assert_non_null(sip);
	assert_true(fwd);
	has(sip, "m=video 0 RTP/AVP 100\r\n");
	sa = sip_answer(0, 100, "sendrecv");
	web = mneg_answer(s, sa, why, sizeof(why));
	assert_non_null(web);
	assert_false(s->vid.on);
	has(web, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n");
	has(web, "a=group:BUNDLE 0\r\n");
	has(web, "m=audio 20000 UDP/TLS/RTP/SAVPF 111 126\r\n");
	g_free(sa);
	g_free(web);
	g_free(sip);
	g_free(off);
	/* and back: added again */
	off = reoffer(vsec);
	sip = mneg_update(s, MLEG_WEB, off, &fwd, why, sizeof(why));
	assert_true(fwd);
	has(sip, "m=video 20004 RTP/AVP 100\r\n");
	sa = sip_answer(30002, 100, "sendrecv");
	web = mneg_answer(s, sa, why, sizeof(why));
	assert_true(s->vid.on);
	has(web, "a=group:BUNDLE 0 1\r\n");
	g_free(sa);
	g_free(web);
	g_free(sip);
	g_free(off);
	g_free(hold);
	g_free(vsec);
	g_free(ans);
	sess_free(s);
}

/* The SIP side adds video to an audio call by re-offering. */
static void test_sip_adds_video(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "", *web, *ans, *sip;
	bool fwd = false;
	const char *a_only = L("v=0") L("o=pbx 7 7 IN IP4 127.0.0.1") L("s=-")
		L("c=IN IP4 127.0.0.1") L("t=0 0") L("m=audio 30000 RTP/AVP 0")
		L("a=rtpmap:0 PCMU/8000") L("a=sendrecv");

	web = mneg_create(s, MSESS_FROM_SIP, a_only, why, sizeof(why));
	hasnt(web, "m=video");
	g_free(web);
	ans = web_answer("");
	sip = mneg_answer(s, ans, why, sizeof(why));
	assert_non_null(sip);
	hasnt(sip, "m=video");
	g_free(sip);
	g_free(ans);
	web = mneg_update(s, MLEG_SIP, sip_av_offer, &fwd, why, sizeof(why));
	if (!web)
		fail_msg("refused: %s", why);
	assert_true(fwd);
	has(web, "a=group:BUNDLE 0 1\r\n");
	has(web, "m=video 20000 UDP/TLS/RTP/SAVPF 100\r\n");
	has(web, "a=setup:passive\r\n");	/* our DTLS role kept */
	ans = web_answer(L("m=video 9 UDP/TLS/RTP/SAVPF 100")
			 L("c=IN IP4 0.0.0.0") ICE L("a=setup:active")
			 L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
			 L("a=rtpmap:100 VP8/90000"));
	sip = mneg_answer(s, ans, why, sizeof(why));
	if (!sip)
		fail_msg("refused: %s", why);
	assert_true(s->vid.on);
	has(sip, "m=video 20004 RTP/AVP 100\r\n");
	g_free(sip);
	g_free(ans);
	g_free(web);
	sess_free(s);
}

/* A NACK's lost packet ids are moved back to the sender's numbers; one
 * about another source, and the packet's other fields, are untouched. */
static void test_nack_back(void **st)
{
	uint8_t b[36] = { 0x81, 205, 0, 3 }, *n2 = b + 16;

	rtp_wr32(b + 4, 0xAAAA);	/* sender */
	rtp_wr32(b + 8, 1003);		/* media: our SSRC toward the NACKer */
	rtp_wr16(b + 12, 105);		/* pid */
	rtp_wr16(b + 14, 0x0003);	/* blp */
	n2[0] = 0x81;
	n2[1] = 205;
	rtp_wr16(n2 + 2, 4);
	rtp_wr32(n2 + 4, 0xAAAA);
	rtp_wr32(n2 + 8, 77);		/* someone else's */
	rtp_wr16(n2 + 12, 500);
	rtp_wr16(n2 + 16, 600);
	assert_int_equal(rtp_rtcp_validate(b, 36), 2);
	mvpath_nack_back(b, 36, 1003, 100);
	assert_int_equal(rtp_rd16(b + 12), 5);
	assert_int_equal(rtp_rd16(b + 14), 0x0003);
	assert_int_equal(rtp_rd32(b + 8), 1003);
	assert_int_equal(rtp_rd16(n2 + 12), 500);
	/* wrapping below zero */
	mvpath_nack_back(b, 36, 1003, 10);
	assert_int_equal(rtp_rd16(b + 12), 65531);
	/* a broken compound is left alone */
	b[3] = 9;
	mvpath_nack_back(b, 36, 1003, 1);
	assert_int_equal(rtp_rd16(b + 12), 65531);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_browser_offer_sip_side),
		cmocka_unit_test(test_browser_offer_answer),
		cmocka_unit_test(test_mandatory_srtp_video),
		cmocka_unit_test(test_sip_refuses_video),
		cmocka_unit_test(test_sip_offer_video),
		cmocka_unit_test(test_sip_offer_no_vp8),
		cmocka_unit_test(test_sip_offer_video_first),
		cmocka_unit_test(test_demux),
		cmocka_unit_test(test_demux_learn),
		cmocka_unit_test(test_update_video),
		cmocka_unit_test(test_sip_adds_video),
		cmocka_unit_test(test_nack_back),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup_md, teardown_md);
}
