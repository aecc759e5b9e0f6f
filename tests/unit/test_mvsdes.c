/* Unit tests for SDES-SRTP (RFC 4568) on the SIP side's video m-line
 * (mvideo.c with msdes.c): a SIP offer with RTP/SAVP audio and video
 * answered with our keys for both; our offers under each policy; an
 * unusable video crypto line refusing the video alone; a re-offer that
 * re-keys the video's inbound SRTP and keeps our key.  Sessions are built
 * by hand (msess_fixture.h).  Run with a name filter as argv[1]. */
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
	L("a=fingerprint:sha-256 " FP)
/* 30-byte AES-CM keys, base64 (RFC 4568's example, and another) */
#define KEY_A "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define KEY_V "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw"
#define KEY_V2 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"

/* A phone's offer: audio and video, each with its proto and crypto. */
static char *sip_offer(const char *vproto, const char *vcrypto, int ver)
{
	return g_strdup_printf(
		L("v=0") L("o=pbx 7 %d IN IP4 127.0.0.1") L("s=-")
		L("c=IN IP4 127.0.0.1") L("t=0 0")
		L("m=audio 30000 RTP/SAVP 0") L("a=rtpmap:0 PCMU/8000")
		L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A)
		L("a=sendrecv") L("m=video 30002 %s 100")
		L("a=rtpmap:100 VP8/90000") L("a=rtcp-fb:100 nack pli")
		"%s" L("a=sendrecv"), ver, vproto, vcrypto);
}

/* The browser's answer to our offer: PCMU, and VP8 when video is on. */
static const char web_ans_av[] =
	L("v=0") L("o=- 9 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
	L("a=group:BUNDLE 0 1") L("m=audio 9 UDP/TLS/RTP/SAVPF 0")
	L("c=IN IP4 0.0.0.0") ICE L("a=setup:active") L("a=mid:0")
	L("a=sendrecv") L("a=rtcp-mux") L("a=rtpmap:0 PCMU/8000")
	L("a=ssrc:11 cname:x")
	L("m=video 9 UDP/TLS/RTP/SAVPF 100") L("c=IN IP4 0.0.0.0") ICE
	L("a=setup:active") L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
	L("a=rtpmap:100 VP8/90000") L("a=ssrc:22 cname:x");

static const char web_ans_a[] =
	L("v=0") L("o=- 9 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
	L("a=group:BUNDLE 0") L("m=audio 9 UDP/TLS/RTP/SAVPF 0")
	L("c=IN IP4 0.0.0.0") ICE L("a=setup:active") L("a=mid:0")
	L("a=sendrecv") L("a=rtcp-mux") L("a=rtpmap:0 PCMU/8000")
	L("a=ssrc:11 cname:x");

/* Chrome's audio+video offer, cut down. */
static const char chrome_av[] =
	L("v=0") L("o=- 46 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
	L("a=group:BUNDLE 0 1")
	L("m=audio 9 UDP/TLS/RTP/SAVPF 111 0") L("c=IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:0") L("a=sendrecv") L("a=rtcp-mux")
	L("a=rtpmap:111 opus/48000/2") L("a=rtpmap:0 PCMU/8000")
	L("a=ssrc:11 cname:x")
	L("m=video 9 UDP/TLS/RTP/SAVPF 96") L("c=IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
	L("a=rtpmap:96 VP8/90000") L("a=rtcp-fb:96 nack pli")
	L("a=ssrc:22 cname:x");

static int count(const char *sdp, const char *prefix)
{
	int n = 0;

	for (const char *p = sdp; (p = strstr(p, prefix)); p++)
		n += p == sdp || p[-1] == '\n';
	return n;
}

/* The text of the a=crypto line that follows "m=video" in sdp. */
static char *video_crypto(const char *sdp)
{
	const char *v = strstr(sdp, "m=video"), *c, *e;

	assert_non_null(v);
	c = strstr(v, "a=crypto:");
	assert_non_null(c);
	e = strstr(c, "\r\n");
	return g_strndup(c, (size_t)(e - c));
}

static int setup(void **st)
{
	return srtpx_global_init() ? -1 : setup_md(st);
}

/* A SIP call offering SRTP for audio and video (key KEY_V), answered. */
static struct msess *sip_call(char **sip_ans)
{
	struct msess *s = sess_new();
	char why[200] = "", *off, *web;

	off = sip_offer("RTP/SAVP", L("a=crypto:3 AES_CM_128_HMAC_SHA1_80 "
				      "inline:" KEY_V), 1);
	web = mneg_create(s, MSESS_FROM_SIP, off, why, sizeof(why));
	if (!web)
		fail_msg("refused: %s", why);
	has(web, "m=video 20000 UDP/TLS/RTP/SAVPF 100\r\n");
	*sip_ans = mneg_answer(s, web_ans_av, why, sizeof(why));
	if (!*sip_ans)
		fail_msg("answer refused: %s", why);
	g_free(off);
	g_free(web);
	return s;
}

static void test_sip_offer_both_srtp(void **st)
{
	char *ans, *vc;
	struct msess *s = sip_call(&ans);

	assert_true(s->vid.on);
	has(ans, "m=audio 20002 RTP/SAVP 0\r\n");
	has(ans, "m=video 20004 RTP/SAVP 100\r\n");
	assert_int_equal(count(ans, "a=crypto:"), 2);
	has(ans, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	/* the video's own tag, and a key of ours, not the phone's */
	vc = video_crypto(ans);
	has(vc, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:");
	hasnt(vc, KEY_V);
	hasnt(ans, KEY_A);
	assert_non_null(s->vsip.srtp);
	assert_non_null(s->sip.srtp);
	assert_true(s->vsip.sdes.on && s->vsip.sdes.savp);
	/* two keys of ours: video's differs from audio's */
	assert_memory_not_equal(s->vsip.sdes.local.key.master,
				s->sip.sdes.local.key.master, 30);
	g_free(vc);
	g_free(ans);
	sess_free(s);
}

/* RTP/AVP video with a=crypto: best effort, as audio. */
static void test_sip_offer_avp_crypto(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "", *off, *web, *ans;

	off = sip_offer("RTP/AVP", L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				     "inline:" KEY_V), 1);
	web = mneg_create(s, MSESS_FROM_SIP, off, why, sizeof(why));
	assert_non_null(web);
	ans = mneg_answer(s, web_ans_av, why, sizeof(why));
	assert_non_null(ans);
	has(ans, "m=video 20004 RTP/AVP 100\r\n");
	has(strstr(ans, "m=video"), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 ");
	assert_non_null(s->vsip.srtp);
	g_free(off);
	g_free(web);
	g_free(ans);
	sess_free(s);
}

/* A video crypto offer we cannot use: video refused, audio SRTP kept. */
static void test_sip_offer_unusable_video(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "", *off, *web, *ans;

	off = sip_offer("RTP/SAVP", L("a=crypto:1 F8_128_HMAC_SHA1_80 "
				      "inline:" KEY_V), 1);
	web = mneg_create(s, MSESS_FROM_SIP, off, why, sizeof(why));
	if (!web)
		fail_msg("refused: %s", why);
	hasnt(web, "m=video 20000");	/* the browser is offered audio */
	ans = mneg_answer(s, web_ans_a, why, sizeof(why));
	if (!ans)
		fail_msg("answer refused: %s", why);
	assert_false(s->vid.on);
	has(ans, "m=audio 20002 RTP/SAVP 0\r\n");
	has(ans, "m=video 0 RTP/SAVP 100\r\n");
	assert_int_equal(count(ans, "a=crypto:"), 1);
	assert_non_null(s->sip.srtp);
	assert_null(s->vsip.srtp);
	g_free(off);
	g_free(web);
	g_free(ans);
	sess_free(s);
}

static char *browser_offer(struct msess *s, enum msdes_policy p)
{
	char why[200] = "", *sip;

	s->sip.sdes.policy = p;
	sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	if (!sip)
		fail_msg("refused: %s", why);
	return sip;
}

/* The PBX's answer: audio and video each with the given crypto line. */
static char *pbx_answer(const char *vproto, const char *acrypto,
			const char *vcrypto)
{
	return g_strdup_printf(
		L("v=0") L("o=pbx 1 1 IN IP4 127.0.0.1") L("s=-")
		L("c=IN IP4 127.0.0.1") L("t=0 0")
		L("m=audio 30000 %s 0") L("a=rtpmap:0 PCMU/8000") "%s"
		L("a=sendrecv") L("m=video 30002 %s 96")
		L("a=rtpmap:96 VP8/90000") "%s" L("a=sendrecv"), vproto,
		acrypto, vproto, vcrypto);
}

static void test_our_offer_mandatory(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "", *sip = browser_offer(s, MSDES_MANDATORY);
	char *ans, *web;

	has(sip, "m=audio 20002 RTP/SAVP ");
	has(sip, "m=video 20004 RTP/SAVP 96\r\n");
	/* four suites each, the video's lines keys of its own */
	assert_int_equal(count(sip, "a=crypto:"), 8);
	assert_int_equal(count(strstr(sip, "m=video"), "a=crypto:"), 4);
	has(strstr(sip, "m=video"), "a=crypto:2 AEAD_AES_128_GCM inline:");
	ans = pbx_answer("RTP/SAVP", L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				       "inline:" KEY_A),
			 L("a=crypto:2 AEAD_AES_128_GCM inline:"
			   "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA=="));
	web = mneg_answer(s, ans, why, sizeof(why));
	if (!web)
		fail_msg("answer refused: %s", why);
	assert_true(s->vid.on);
	assert_non_null(s->vsip.srtp);
	assert_int_equal(srtpx_profile(s->vsip.srtp), SRTPX_AEAD_AES_128_GCM);
	has(web, "m=video 20000 UDP/TLS/RTP/SAVPF 96\r\n");
	g_free(ans);
	g_free(web);
	g_free(sip);
	sess_free(s);
}

/* Mandatory: video answered without crypto is refused, audio goes on. */
static void test_our_offer_mandatory_plain_video(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "", *sip = browser_offer(s, MSDES_MANDATORY);
	char *ans, *web;

	ans = pbx_answer("RTP/SAVP", L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				       "inline:" KEY_A), "");
	web = mneg_answer(s, ans, why, sizeof(why));
	if (!web)
		fail_msg("answer refused: %s", why);
	assert_false(s->vid.on);
	assert_non_null(s->sip.srtp);
	has(web, "m=video 0 ");
	g_free(ans);
	g_free(web);
	g_free(sip);
	sess_free(s);
}

static void test_our_offer_optional_and_off(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "", *sip = browser_offer(s, MSDES_OPTIONAL);
	char *ans, *web;

	has(sip, "m=audio 20002 RTP/AVP ");
	has(sip, "m=video 20004 RTP/AVP 96\r\n");
	assert_int_equal(count(strstr(sip, "m=video"), "a=crypto:"), 4);
	/* optional: a plain video answer is plain video */
	ans = pbx_answer("RTP/AVP", L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				      "inline:" KEY_A), "");
	web = mneg_answer(s, ans, why, sizeof(why));
	if (!web)
		fail_msg("answer refused: %s", why);
	assert_true(s->vid.on);
	assert_null(s->vsip.srtp);
	assert_non_null(s->sip.srtp);
	g_free(ans);
	g_free(web);
	g_free(sip);
	sess_free(s);

	s = sess_new();
	sip = browser_offer(s, MSDES_OFF);
	has(sip, "m=video 20004 RTP/AVP 96\r\n");
	assert_int_equal(count(sip, "a=crypto:"), 0);
	g_free(sip);
	sess_free(s);
}

/* A phone's SRTP packet of ours-to-read: VP8 protected with its key. */
static size_t phone_packet(const char *b64, uint8_t *p, size_t cap,
			   uint16_t seq)
{
	struct srtpx_sdes k, mine;
	struct srtpx *sx = NULL;
	char inl[SRTPX_SDES_INLINE_MAX];
	char kp[80];
	size_t len = 40;

	snprintf(kp, sizeof(kp), "inline:%s", b64);
	assert_int_equal(srtpx_sdes_parse(&k, "AES_CM_128_HMAC_SHA1_80", kp,
					  NULL), 0);
	assert_int_equal(srtpx_sdes_generate(&mine, "AES_CM_128_HMAC_SHA1_80",
					     inl, sizeof(inl)), 0);
	assert_int_equal(srtpx_new(&sx, k.profile, k.master, mine.master,
				   k.master_len), 0);
	memset(p, 0x5A, len);
	p[0] = 0x80, p[1] = 100;
	p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq;
	p[8] = 0x11, p[9] = 0x22, p[10] = 0x33, p[11] = 0x44;
	assert_int_equal(srtpx_protect_rtp(sx, p, &len, cap), 0);
	srtpx_free(sx);
	return len;
}

static void test_reoffer_rekey(void **st)
{
	char *ans, *ans2, *off, *vc, *vc2, why[200] = "";
	struct msess *s = sip_call(&ans);
	struct srtpx *before = s->vsip.srtp;
	uint8_t p[512];
	size_t n;
	bool fwd = true;

	vc = video_crypto(ans);
	off = sip_offer("RTP/SAVP", L("a=crypto:3 AES_CM_128_HMAC_SHA1_80 "
				      "inline:" KEY_V2), 2);
	ans2 = mneg_update(s, MLEG_SIP, off, &fwd, why, sizeof(why));
	if (!ans2)
		fail_msg("re-offer refused: %s", why);
	assert_false(fwd);
	/* our key and tag stay (RFC 4568 7.1.4), the srtpx is re-keyed in
	 * place (our outbound session goes on) */
	vc2 = video_crypto(ans2);
	assert_string_equal(vc, vc2);
	assert_ptr_equal(s->vsip.srtp, before);
	/* an old-key packet still verifies until a new-key one has */
	n = phone_packet(KEY_V, p, sizeof(p), 10);
	assert_int_equal(srtpx_unprotect_rtp(s->vsip.srtp, p, &n), SRTPX_OK);
	n = phone_packet(KEY_V2, p, sizeof(p), 11);
	assert_int_equal(srtpx_unprotect_rtp(s->vsip.srtp, p, &n), SRTPX_OK);
	n = phone_packet(KEY_V2, p, sizeof(p), 12);
	assert_int_equal(srtpx_unprotect_rtp(s->vsip.srtp, p, &n), SRTPX_OK);
	/* a packet under a key nobody offered does not */
	n = phone_packet(KEY_A, p, sizeof(p), 13);
	assert_int_not_equal(srtpx_unprotect_rtp(s->vsip.srtp, p, &n),
			     SRTPX_OK);
	g_free(vc);
	g_free(vc2);
	g_free(off);
	g_free(ans);
	g_free(ans2);
	sess_free(s);
}

/* A re-offer whose video crypto we cannot use: video stops, audio on. */
static void test_reoffer_unusable_video(void **st)
{
	char *ans, *ans2, *off, why[200] = "";
	struct msess *s = sip_call(&ans);
	bool fwd = true;

	off = sip_offer("RTP/SAVP", L("a=crypto:3 F8_128_HMAC_SHA1_80 "
				      "inline:" KEY_V2), 2);
	ans2 = mneg_update(s, MLEG_SIP, off, &fwd, why, sizeof(why));
	if (!ans2)
		fail_msg("re-offer refused: %s", why);
	assert_false(s->vid.on);
	has(ans2, "m=audio 20002 RTP/SAVP 0\r\n");
	has(ans2, "m=video 0 RTP/SAVP ");
	assert_int_equal(count(ans2, "a=crypto:"), 1);
	g_free(off);
	g_free(ans);
	g_free(ans2);
	sess_free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_offer_both_srtp),
		cmocka_unit_test(test_sip_offer_avp_crypto),
		cmocka_unit_test(test_sip_offer_unusable_video),
		cmocka_unit_test(test_our_offer_mandatory),
		cmocka_unit_test(test_our_offer_mandatory_plain_video),
		cmocka_unit_test(test_our_offer_optional_and_off),
		cmocka_unit_test(test_reoffer_rekey),
		cmocka_unit_test(test_reoffer_unusable_video),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown_md);
}
