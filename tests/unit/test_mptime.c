/* Unit tests for mediad's SIP ptime in offer/answer (mneg.c with
 * mchunk.c): the ptime we send toward SIP follows the SIP side's offer,
 * answer and re-offers, our SDP toward SIP says it, the transcoder's
 * framing follows it, and relayed G.711 carries it to the browser.  The
 * sessions are built by hand (msess_fixture.h).  argv[1] is an optional
 * name filter ("*relay*"). */
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

#define FP "sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	   "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

/* A Chrome-like browser description: Opus, and PCMU when pcmu. */
static char *web_sdp(const char *setup, bool opus, bool pcmu)
{
	return g_strdup_printf(
		"v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"a=group:BUNDLE 0\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF%s%s\r\n"
		"c=IN IP4 0.0.0.0\r\na=ice-ufrag:uFr1\r\n"
		"a=ice-pwd:pwd1pwd1pwd1pwd1pwd1pw\r\na=fingerprint:%s\r\n"
		"a=setup:%s\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n%s%s",
		opus ? " 111" : "", pcmu ? " 0" : "", FP, setup,
		opus ? "a=rtpmap:111 opus/48000/2\r\n" : "",
		pcmu ? "a=rtpmap:0 PCMU/8000\r\n" : "");
}

/* A phone's PCMU description with extra attributes (a=ptime...). */
static char *sip_sdp(const char *attrs)
{
	return g_strdup_printf(
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n%sa=sendrecv\r\n", attrs);
}

/* The audio m= section of one of our SDPs says a=ptime:want (0: none). */
static void ptime_is(const char *sdp, unsigned want)
{
	char line[32];

	if (!want) {
		hasnt(sdp, "a=ptime:");
		return;
	}
	snprintf(line, sizeof(line), "a=ptime:%u\r\n", want);
	has(sdp, line);
}

/* The SIP side offers with attrs; the browser answers Opus (transcoded).
 * Returns the session; *ans: our answer to the SIP side. */
static struct msess *sip_call(const char *attrs, char **ans, char **woffer)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *o = sip_sdp(attrs), *a;

	*woffer = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(*woffer);
	a = web_sdp("active", true, false);
	*ans = mneg_answer(s, a, why, sizeof(why));
	if (!*ans)
		fail_msg("answer refused: %s", why);
	assert_true(s->transcode);
	g_free(a);
	g_free(o);
	return s;
}

static void test_sip_offer_ptime(void **st)
{
	static const struct { const char *attrs; unsigned want; } t[] = {
		{ "a=ptime:30\r\n", 30 }, { "a=ptime:10\r\n", 10 },
		{ "a=ptime:40\r\n", 40 }, { "", 20 },
		{ "a=maxptime:150\r\n", 20 }, { "a=maxptime:10\r\n", 10 },
		{ "a=ptime:60\r\n", 40 }, { "a=ptime:40\r\na=maxptime:30\r\n",
					    30 },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *ans, *wo;
		struct msess *s = sip_call(t[i].attrs, &ans, &wo);

		assert_int_equal(s->sip_ptime, t[i].want);
		ptime_is(ans, t[i].want);
		assert_int_equal(s->sip_out.frame, t[i].want * 8);
		assert_int_equal(s->sip_in.frame, XCODE_FRAME);
		assert_int_equal(s->sip_in.silence, 0xFF);
		g_free(ans);
		g_free(wo);
		sess_free(s);
	}
}

/* Our WebRTC offer lists the phone's PCMU first (relay): it carries the
 * phone's a=ptime; over 120 it is nonsense and stays behind. */
static void test_web_offer_carries_ptime(void **st)
{
	char *ans, *wo;
	struct msess *s = sip_call("a=ptime:30\r\n", &ans, &wo);

	(void)st;
	ptime_is(wo, 30);
	g_free(ans);
	g_free(wo);
	sess_free(s);
	s = sip_call("a=ptime:4000\r\n", &ans, &wo);
	ptime_is(wo, 0);
	ptime_is(ans, 40);
	g_free(ans);
	g_free(wo);
	sess_free(s);
}

/* Re-offers from the SIP side change the ptime at once (the answer says
 * it, the framing follows); one without a=ptime goes back to 20. */
static void test_reoffer_changes_ptime(void **st)
{
	static const struct { const char *attrs; unsigned want; } t[] = {
		{ "a=ptime:40\r\n", 40 }, { "a=ptime:10\r\n", 10 },
		{ "", 20 }, { "a=ptime:30\r\n", 30 },
	};
	char *ans, *wo, why[160] = "";
	struct msess *s = sip_call("a=ptime:20\r\n", &ans, &wo);

	(void)st;
	g_free(ans);
	g_free(wo);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *o = sip_sdp(t[i].attrs), *r;
		bool fwd = true;

		r = mneg_update(s, MLEG_SIP, o, &fwd, why, sizeof(why));
		assert_non_null(r);
		assert_false(fwd);
		ptime_is(r, t[i].want);
		assert_int_equal(s->sip_out.frame, t[i].want * 8);
		g_free(r);
		g_free(o);
	}
	sess_free(s);
}

/* The browser offers Opus only: our offer to the SIP side says 20; its
 * answer's a=ptime decides what we send; the browser hears no ptime. */
static void test_browser_offer_sip_answer(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *o = web_sdp("actpass", true, false), *a, *r;

	(void)st;
	r = mneg_create(s, MSESS_FROM_WEB, o, why, sizeof(why));
	assert_non_null(r);
	ptime_is(r, 20);
	g_free(r);
	a = sip_sdp("a=ptime:40\r\n");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	assert_true(s->transcode);
	assert_int_equal(s->sip_ptime, 40);
	assert_int_equal(s->sip_out.frame, 320);
	ptime_is(r, 0);		/* Opus toward the browser: nothing said */
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);
}

/* Relayed PCMU: no transcoder, no framing; the phone's a=ptime goes into
 * our answer to the browser (Chrome frames PCMU at it). */
static void test_relay_carries_ptime(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *o = web_sdp("actpass", true, true), *a, *r;

	(void)st;
	r = mneg_create(s, MSESS_FROM_WEB, o, why, sizeof(why));
	assert_non_null(r);
	g_free(r);
	a = sip_sdp("a=ptime:30\r\n");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	assert_false(s->transcode);
	assert_null(s->xc);
	has(r, "m=audio 20000 UDP/TLS/RTP/SAVPF 0");
	ptime_is(r, 30);
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_offer_ptime),
		cmocka_unit_test(test_web_offer_carries_ptime),
		cmocka_unit_test(test_reoffer_changes_ptime),
		cmocka_unit_test(test_browser_offer_sip_answer),
		cmocka_unit_test(test_relay_carries_ptime),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup_md, teardown_md);
}
