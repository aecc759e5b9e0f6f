/* Unit tests for mediad/msdes: SDES-SRTP (RFC 4568) on the SIP leg.
 * Which a=crypto line an offer gets answered with, our offers per policy,
 * answers that match or do not, SRTP made from both keys for every suite
 * (a packet protected by one end unprotected by the other), re-keying,
 * and mneg's use of it (a SIP RTP/SAVP offer answered with a key; an
 * offer with only unknown suites refused with a reason).  argv[1] is an
 * optional name filter ("*pick*"). */
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

/* 30 bytes key||salt (AES-CM), base64: RFC 4568's own example key. */
#define KEY30 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
/* 28 bytes (AES-128-GCM) and 44 bytes (AES-256-GCM) */
#define KEY28 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA=="
#define KEY44 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ="

#define FP "sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	   "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

static struct sdp_session *parsed;

static int setup(void **st)
{
	if (srtpx_global_init() || sdp_session_new(&parsed))
		return -1;
	return setup_md(st);
}

static int teardown(void **st)
{
	sdp_session_free(parsed);
	return teardown_md(st);
}

/* A SIP offer's m=audio with the given proto and a=crypto lines. */
static const struct sdp_media *media(const char *proto, const char *crypto)
{
	char *t = g_strdup_printf(
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 %s 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n%s", proto, crypto);
	unsigned line = 0;

	assert_int_equal(sdp_session_parse(parsed, t, strlen(t), &line), 0);
	g_free(t);
	return &parsed->media[0];
}

static void test_pick_first_usable(void **st)
{
	struct srtpx_sdes k;
	char why[160] = "";
	size_t i = 99;

	(void)st;
	/* unknown suite, session parameters, MKI, wrong length: skipped in
	 * the offerer's order; the first good line wins */
	assert_int_equal(msdes_pick(media("RTP/SAVP",
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
		" UNENCRYPTED_SRTP\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
		"|2^20|1:4\r\n"
		"a=crypto:4 AEAD_AES_128_GCM inline:" KEY30 "\r\n"
		"a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "|2^31\r\n"
		"a=crypto:6 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
		&i, &k, why, sizeof(why)), 0);
	assert_int_equal(i, 4);
	assert_int_equal(k.profile, SRTPX_AES128_CM_SHA1_32);
	assert_int_equal(k.master_len, 30);

	assert_int_equal(msdes_pick(media("RTP/SAVP",
		"a=crypto:7 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
		"a=crypto:8 AEAD_AES_128_GCM inline:" KEY30 "\r\n"),
		&i, &k, why, sizeof(why)), ENOTSUP);
	has(why, "a=crypto:7 F8_128_HMAC_SHA1_80: unknown crypto suite");
	assert_int_equal(msdes_pick(media("RTP/SAVP", ""), &i, &k, why,
				    sizeof(why)), ENOENT);
	/* every suite we support, with its key length */
	assert_int_equal(msdes_pick(media("RTP/SAVP",
		"a=crypto:1 AEAD_AES_256_GCM inline:" KEY44 "\r\n"),
		&i, &k, why, sizeof(why)), 0);
	assert_int_equal(k.profile, SRTPX_AEAD_AES_256_GCM);
	assert_int_equal(k.master_len, 44);
	assert_int_equal(msdes_pick(media("RTP/SAVP",
		"a=crypto:1 AEAD_AES_128_GCM inline:" KEY28 "\r\n"),
		&i, &k, why, sizeof(why)), 0);
	assert_int_equal(k.profile, SRTPX_AEAD_AES_128_GCM);
}

static void test_offer_in(void **st)
{
	struct msdes d;
	char why[200] = "";
	GString *g = g_string_new(NULL);

	(void)st;
	memset(&d, 0, sizeof(d));
	/* RTP/SAVP with nothing usable: refused, with the reason */
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
		why, sizeof(why)), EPROTO);
	has(why, "RTP/SAVP offer without a usable SDES key");
	has(why, "unknown crypto suite");
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP", ""), why,
					sizeof(why)), EPROTO);
	/* RTP/AVP with unusable crypto: best effort, plain RTP */
	assert_int_equal(msdes_offer_in(&d, media("RTP/AVP",
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
		why, sizeof(why)), 0);
	assert_false(d.on);
	assert_string_equal(msdes_proto(&d, false), "RTP/AVP");
	/* RTP/AVP with a usable line: SRTP, answered RTP/AVP + crypto */
	assert_int_equal(msdes_offer_in(&d, media("RTP/AVP",
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
		why, sizeof(why)), 0);
	assert_true(d.on);
	assert_string_equal(msdes_proto(&d, false), "RTP/AVP");
	/* RTP/SAVP: answered RTP/SAVP with our own key, same tag */
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:9 AEAD_AES_256_GCM inline:" KEY44 "\r\n"),
		why, sizeof(why)), 0);
	assert_true(d.on);
	assert_string_equal(msdes_proto(&d, false), "RTP/SAVP");
	msdes_write(&d, g, false);
	has(g->str, "a=crypto:9 AEAD_AES_256_GCM inline:");
	/* 44 bytes: 60 base64 characters, then CRLF */
	assert_int_equal(strlen(g->str), strlen("a=crypto:9 AEAD_AES_256_GCM "
						"inline:") + 60 + 2);
	assert_int_equal(d.local.key.master_len, 44);
	/* a fresh key, not the peer's */
	assert_memory_not_equal(d.local.key.master, d.remote.master, 44);
	g_string_free(g, TRUE);
}

static void test_offer_out_policies(void **st)
{
	struct msdes d;
	GString *g = g_string_new(NULL);

	(void)st;
	memset(&d, 0, sizeof(d));
	assert_int_equal(msdes_offer_out(&d), 0);
	msdes_write(&d, g, true);
	assert_string_equal(g->str, "");
	assert_string_equal(msdes_proto(&d, true), "RTP/AVP");

	d.policy = MSDES_OPTIONAL;
	assert_int_equal(msdes_offer_out(&d), 0);
	msdes_write(&d, g, true);
	assert_string_equal(msdes_proto(&d, true), "RTP/AVP");
	has(g->str, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	has(g->str, "a=crypto:2 AEAD_AES_128_GCM inline:");
	has(g->str, "a=crypto:3 AEAD_AES_256_GCM inline:");
	has(g->str, "a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:");
	/* every offered key is different */
	assert_memory_not_equal(d.offer[0].key.master, d.offer[3].key.master,
				30);
	d.policy = MSDES_MANDATORY;
	assert_string_equal(msdes_proto(&d, true), "RTP/SAVP");
	g_string_free(g, TRUE);
}

/* Our offer in d; the peer answers tag/suite with key: 0 or an errno. */
static int answer(struct msdes *d, const char *proto, const char *line,
		  char *why, size_t whylen)
{
	return msdes_answer_in(d, media(proto, line), why, whylen);
}

static void test_answer_in(void **st)
{
	struct msdes d;
	char why[200] = "";

	(void)st;
	memset(&d, 0, sizeof(d));
	d.policy = MSDES_OPTIONAL;
	assert_int_equal(msdes_offer_out(&d), 0);
	/* the tag we offered with another suite: refused */
	assert_int_equal(answer(&d, "RTP/AVP", "a=crypto:1 AEAD_AES_128_GCM "
				"inline:" KEY28 "\r\n", why, sizeof(why)),
			 EPROTO);
	has(why, "matches no line we offered");
	/* plain RTP answer to an optional offer: plain RTP */
	assert_int_equal(answer(&d, "RTP/AVP", "", why, sizeof(why)), 0);
	assert_false(d.on);
	/* a bad key under a tag we offered */
	assert_int_equal(answer(&d, "RTP/AVP", "a=crypto:2 AEAD_AES_128_GCM "
				"inline:" KEY30 "\r\n", why, sizeof(why)),
			 EPROTO);
	has(why, "wrong key length");
	/* tag 2, GCM: taken; our key for it is offer[1]'s */
	assert_int_equal(answer(&d, "RTP/AVP", "a=crypto:2 AEAD_AES_128_GCM "
				"inline:" KEY28 "\r\n", why, sizeof(why)), 0);
	assert_true(d.on);
	assert_int_equal(d.local.tag, 2);
	assert_memory_equal(d.local.key.master, d.offer[1].key.master, 28);

	/* mandatory: an answer without SRTP fails, saying why */
	memset(&d, 0, sizeof(d));
	d.policy = MSDES_MANDATORY;
	assert_int_equal(msdes_offer_out(&d), 0);
	assert_int_equal(answer(&d, "RTP/AVP", "", why, sizeof(why)), EPROTO);
	has(why, "mandatory SRTP: SIP answer without usable SRTP (no a=crypto");
	assert_int_equal(answer(&d, "RTP/SAVP", "a=crypto:1 "
				"AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n",
				why, sizeof(why)), 0);
	assert_true(d.on && d.savp);
	/* off: an RTP/SAVP answer to our RTP/AVP offer is refused */
	memset(&d, 0, sizeof(d));
	assert_int_equal(msdes_offer_out(&d), 0);
	assert_int_equal(answer(&d, "RTP/SAVP", "", why, sizeof(why)), EPROTO);
}

/* The other end of the leg: keys swapped. */
static struct srtpx *peer_of(const struct msdes *d)
{
	struct srtpx *p = NULL;

	assert_int_equal(srtpx_new(&p, d->local.key.profile, d->remote.master,
				   d->local.key.master,
				   d->local.key.master_len), 0);
	return p;
}

static size_t pcmu(uint8_t *b, uint16_t seq)
{
	memset(b, 0, 172);
	b[0] = 0x80;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[11] = 7;		/* SSRC 7 */
	memset(b + 12, 0x55, 160);
	return 172;
}

/* a protects, b unprotects: the plain packet comes back. */
static enum srtpx_verdict through(struct srtpx *a, struct srtpx *b,
				  uint16_t seq)
{
	uint8_t p[172 + SRTPX_TRAILER_MAX];
	size_t n = pcmu(p, seq);
	enum srtpx_verdict v;

	assert_int_equal(srtpx_protect_rtp(a, p, &n, sizeof(p)), 0);
	assert_true(n > 172);
	v = srtpx_unprotect_rtp(b, p, &n);
	if (v == SRTPX_OK) {
		assert_int_equal(n, 172);
		assert_int_equal(p[100], 0x55);
	}
	return v;
}

static void test_apply_every_suite(void **st)
{
	static const char *const lines[] = {
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n",
		"a=crypto:1 AEAD_AES_128_GCM inline:" KEY28 "\r\n",
		"a=crypto:1 AEAD_AES_256_GCM inline:" KEY44 "\r\n",
	};
	char why[160] = "";

	(void)st;
	for (size_t i = 0; i < 4; i++) {
		struct msdes d;
		struct srtpx *sx = NULL, *peer, *was;

		memset(&d, 0, sizeof(d));
		assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP", lines[i]),
						why, sizeof(why)), 0);
		assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
		assert_non_null(sx);
		peer = peer_of(&d);
		assert_int_equal(through(sx, peer, 1), SRTPX_OK);
		assert_int_equal(through(peer, sx, 1), SRTPX_OK);
		/* a forged tag: refused, counted */
		{
			uint8_t p[172 + SRTPX_TRAILER_MAX];
			size_t n = pcmu(p, 2);
			enum srtpx_verdict v;
			assert_int_equal(srtpx_protect_rtp(peer, p, &n,
							   sizeof(p)), 0);
			p[n - 1] ^= 1;
			v = srtpx_unprotect_rtp(sx, p, &n);
			assert_int_equal(v, SRTPX_AUTH_FAIL);
			msdes_count(&d, v);
			assert_int_equal(d.auth_fail, 1);
		}
		/* the same offer again: nothing changes */
		was = sx;
		assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP", lines[i]),
						why, sizeof(why)), 0);
		assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
		assert_ptr_equal(sx, was);
		assert_int_equal(through(peer, sx, 3), SRTPX_OK);
		srtpx_free(peer);
		/* SRTP dropped by a plain re-offer */
		assert_int_equal(msdes_offer_in(&d, media("RTP/AVP", ""), why,
						sizeof(why)), 0);
		assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
		assert_null(sx);
		assert_true(json_is_null(msdes_stats(&d)));
	}
}

/* A re-offer with a new key from the peer: inbound re-keyed, ours goes
 * on (the same srtpx, its outbound state kept); the old key is taken
 * until the new one is seen. */
static void test_rekey_in(void **st)
{
	struct msdes d;
	struct srtpx *sx = NULL, *old_peer, *new_peer, *was;
	char why[160] = "";
	json_t *j;

	(void)st;
	memset(&d, 0, sizeof(d));
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"),
		why, sizeof(why)), 0);
	assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
	old_peer = peer_of(&d);
	for (uint16_t q = 10; q < 20; q++)
		assert_int_equal(through(sx, old_peer, q), SRTPX_OK);
	was = sx;
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n"),
		why, sizeof(why)), 0);
	assert_int_equal(d.local.tag, 2);
	assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
	assert_ptr_equal(sx, was);
	new_peer = peer_of(&d);
	/* until the peer has our answer it still sends with its old key:
	 * taken, until the new key has verified a packet */
	assert_int_equal(through(old_peer, sx, 100), SRTPX_OK);
	assert_int_equal(through(new_peer, sx, 101), SRTPX_OK);
	assert_int_equal(through(old_peer, sx, 102), SRTPX_AUTH_FAIL);
	assert_int_equal(through(new_peer, sx, 103), SRTPX_OK);
	/* ours continued: the old peer state still follows our indices */
	assert_int_equal(through(sx, old_peer, 20), SRTPX_OK);
	j = msdes_stats(&d);
	assert_string_equal(json_string_value(json_object_get(j, "suite")),
			    "AES_CM_128_HMAC_SHA1_80");
	json_decref(j);
	srtpx_free(old_peer);
	srtpx_free(new_peer);
	srtpx_free(sx);
}

/* The same with GCM, whose failed decryption writes into the packet:
 * the retry with the old key must see the packet as it came. */
static void test_rekey_in_gcm(void **st)
{
	struct msdes d;
	struct srtpx *sx = NULL, *old_peer, *new_peer;
	char why[160] = "";

	(void)st;
	memset(&d, 0, sizeof(d));
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:1 AEAD_AES_128_GCM inline:" KEY28 "\r\n"),
		why, sizeof(why)), 0);
	assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
	old_peer = peer_of(&d);
	assert_int_equal(through(old_peer, sx, 1), SRTPX_OK);
	assert_int_equal(msdes_offer_in(&d, media("RTP/SAVP",
		"a=crypto:1 AEAD_AES_128_GCM inline:"
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYg==\r\n"),
		why, sizeof(why)), 0);
	assert_int_equal(msdes_apply(&d, &sx, why, sizeof(why)), 0);
	new_peer = peer_of(&d);
	for (uint16_t q = 2; q < 6; q++)	/* payload checked by through */
		assert_int_equal(through(old_peer, sx, q), SRTPX_OK);
	assert_int_equal(through(new_peer, sx, 6), SRTPX_OK);
	assert_int_equal(through(old_peer, sx, 7), SRTPX_AUTH_FAIL);
	srtpx_free(old_peer);
	srtpx_free(new_peer);
	srtpx_free(sx);
}

static void test_policy_names(void **st)
{
	enum msdes_policy p;

	(void)st;
	assert_int_equal(msdes_policy_parse("mandatory", &p), 0);
	assert_int_equal(p, MSDES_MANDATORY);
	assert_int_equal(msdes_policy_parse("optional", &p), 0);
	assert_int_equal(p, MSDES_OPTIONAL);
	assert_int_equal(msdes_policy_parse("Mandatory", &p), EINVAL);
	assert_int_equal(msdes_policy_parse(NULL, &p), EINVAL);
	assert_string_equal(msdes_policy_name(MSDES_OFF), "off");
}

/* ---- through mneg: a session built by hand, as test_mneg does ---- */

static char *sip_offer(const char *proto, const char *crypto)
{
	return g_strdup_printf(
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 %s 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n%sa=sendrecv\r\n", proto, crypto);
}

static const char web_answer[] =
	"v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
	"c=IN IP4 0.0.0.0\r\na=ice-ufrag:uFr1\r\n"
	"a=ice-pwd:pwd1pwd1pwd1pwd1pwd1pw\r\na=fingerprint:" FP "\r\n"
	"a=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static void test_mneg_sip_offers_savp(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "";
	char *o = sip_offer("RTP/SAVP", "a=crypto:1 F8_128_HMAC_SHA1_80 "
			    "inline:" KEY30 "\r\na=crypto:2 "
			    "AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
	char *r;

	(void)st;
	r = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(r);
	has(r, "UDP/TLS/RTP/SAVPF");	/* the browser's offer is as ever */
	assert_non_null(s->sip.srtp);
	g_free(r);
	r = mneg_answer(s, web_answer, why, sizeof(why));
	if (!r)
		fail_msg("answer refused: %s", why);
	has(r, "m=audio 20002 RTP/SAVP 0\r\n");
	has(r, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:");
	g_free(r);
	g_free(o);
	sess_free(s);

	/* only unknown suites: refused, with a reason for the b2bua */
	s = sess_new();
	o = sip_offer("RTP/SAVP", "a=crypto:1 F8_128_HMAC_SHA1_80 inline:"
		      KEY30 "\r\n");
	why[0] = '\0';
	assert_null(mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why)));
	has(why, "RTP/SAVP offer without a usable SDES key");
	g_free(o);
	sess_free(s);
}

static void test_mneg_we_offer_mandatory(void **st)
{
	struct msess *s = sess_new();
	char why[200] = "";
	char *o = g_strdup_printf(
		"v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
		"c=IN IP4 0.0.0.0\r\na=ice-ufrag:uFr1\r\n"
		"a=ice-pwd:pwd1pwd1pwd1pwd1pwd1pw\r\na=fingerprint:" FP "\r\n"
		"a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
		"a=rtpmap:0 PCMU/8000\r\n");
	char *r, *a;

	(void)st;
	s->sip.sdes.policy = MSDES_MANDATORY;
	r = mneg_create(s, MSESS_FROM_WEB, o, why, sizeof(why));
	assert_non_null(r);
	has(r, "RTP/SAVP 0");
	has(r, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	g_free(r);
	/* a plain answer fails the session, saying why */
	a = sip_offer("RTP/AVP", "");
	assert_null(mneg_answer(s, a, why, sizeof(why)));
	has(why, "mandatory");
	g_free(a);
	/* an SRTP answer under tag 3 keys the leg */
	a = sip_offer("RTP/SAVP", "a=crypto:3 AEAD_AES_256_GCM inline:"
		      KEY44 "\r\n");
	r = mneg_answer(s, a, why, sizeof(why));
	if (!r)
		fail_msg("answer refused: %s", why);
	assert_non_null(s->sip.srtp);
	assert_int_equal(srtpx_profile(s->sip.srtp), SRTPX_AEAD_AES_256_GCM);
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_first_usable),
		cmocka_unit_test(test_offer_in),
		cmocka_unit_test(test_offer_out_policies),
		cmocka_unit_test(test_answer_in),
		cmocka_unit_test(test_apply_every_suite),
		cmocka_unit_test(test_rekey_in),
		cmocka_unit_test(test_rekey_in_gcm),
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_mneg_sip_offers_savp),
		cmocka_unit_test(test_mneg_we_offer_mandatory),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
