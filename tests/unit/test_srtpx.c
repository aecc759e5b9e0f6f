/* Unit tests for mediad/srtpx: SRTP/SRTCP round trips keyed from a real
 * DTLS handshake (RFC 5764) for GCM (RFC 7714) and AES-CM (RFC 3711),
 * verdicts for forged and replayed packets, rollover across 3 * 65536
 * packets, long hold gaps, retransmission, and SDES keys (RFC 4568).
 * argv[1] is an optional name filter ("*sdes*"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dtls_pair.h"
#include "mediad/srtpx.h"

enum { PCMU_LEN = 172, BUF = 1600 };

/* The two ends of a call: a protects what b unprotects and back. */
struct ends {
	struct srtpx *a;	/* DTLS client side */
	struct srtpx *b;	/* DTLS server side */
};

_Static_assert((int)SRTPX_AEAD_AES_128_GCM ==
	       (int)DTLS_SRTP_AEAD_AES_128_GCM &&
	       (int)SRTPX_AES128_CM_SHA1_80 ==
	       (int)DTLS_SRTP_AES128_CM_SHA1_80 &&
	       (int)SRTPX_AES128_CM_SHA1_32 ==
	       (int)DTLS_SRTP_AES128_CM_SHA1_32,
	       "both modules use the IANA profile numbers");

/* Handshake with only this profile on the server, key both ends. */
static void ends_from_dtls(struct ends *e, enum dtls_srtp_profile prof)
{
	struct dtls_srtp_keys kc, ks;
	struct pair p;

	pair_open(&p, NULL, NULL);
	assert_int_equal(dtls_conn_set_profiles(p.c, &prof, 1), 0);
	assert_int_equal(dtls_conn_set_profiles(p.s, &prof, 1), 0);
	pair_start(&p);
	pair_run(&p, 1500);
	assert_int_equal(dtls_conn_srtp_keys(p.c, &kc), 0);
	assert_int_equal(dtls_conn_srtp_keys(p.s, &ks), 0);
	assert_int_equal(kc.profile, prof);
	assert_int_equal(srtpx_master_len((enum srtpx_profile)prof),
			 kc.master_len);
	assert_int_equal(srtpx_new(&e->a, (enum srtpx_profile)kc.profile,
				   kc.local, kc.remote, kc.master_len), 0);
	assert_int_equal(srtpx_new(&e->b, (enum srtpx_profile)ks.profile,
				   ks.local, ks.remote, ks.master_len), 0);
	pair_close(&p);
}

static void ends_free(struct ends *e)
{
	srtpx_free(e->a);
	srtpx_free(e->b);
	e->a = e->b = NULL;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* A PCMU packet (12-byte header, 160 bytes of payload). */
static size_t make_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	b[0] = 0x80;
	b[1] = 0;
	wr16(b + 2, seq);
	wr32(b + 4, ts);
	wr32(b + 8, ssrc);
	for (int i = 0; i < 160; i++)
		b[12 + i] = (uint8_t)(seq + i * 7);
	return PCMU_LEN;
}

/* An RTCP SR with one report block (RFC 3550 6.4.1): 52 bytes. */
static size_t make_sr(uint8_t *b, uint32_t ssrc)
{
	memset(b, 0, 52);
	b[0] = 0x81;
	b[1] = 200;
	wr16(b + 2, 52 / 4 - 1);
	wr32(b + 4, ssrc);
	for (int i = 8; i < 52; i++)
		b[i] = (uint8_t)i;
	return 52;
}

static size_t tag_len(enum srtpx_profile p)
{
	return p == SRTPX_AEAD_AES_128_GCM ? 16 :
		p == SRTPX_AES128_CM_SHA1_80 ? 10 : 4;
}

/* One packet from -> to: protected, not plain, then back to plain. */
static enum srtpx_verdict send_rtp(struct srtpx *from, struct srtpx *to,
				   uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	uint8_t plain[BUF], b[BUF];
	size_t n = make_rtp(plain, ssrc, seq, ts), len = n;
	enum srtpx_verdict v;

	memcpy(b, plain, n);
	assert_int_equal(srtpx_protect_rtp(from, b, &len, sizeof(b)), 0);
	assert_int_equal(len, n + tag_len(srtpx_profile(from)));
	assert_memory_equal(b, plain, 12);	/* header stays clear */
	assert_memory_not_equal(b + 12, plain + 12, n - 12);
	v = srtpx_unprotect_rtp(to, b, &len);
	if (v == SRTPX_OK) {
		assert_int_equal(len, n);
		assert_memory_equal(b, plain, n);
	}
	return v;
}

/* ---- round trips ---- */

static void check_round_trip(struct ends *e, enum srtpx_profile prof)
{
	uint8_t plain[BUF], b[BUF];
	size_t n, len;

	assert_int_equal(srtpx_profile(e->a), prof);
	for (uint16_t seq = 1; seq <= 50; seq++) {
		assert_int_equal(send_rtp(e->a, e->b, 0x1111, seq, seq * 160u),
				 SRTPX_OK);
		assert_int_equal(send_rtp(e->b, e->a, 0x2222, seq, seq * 160u),
				 SRTPX_OK);
	}
	/* SRTCP: 4-byte E+index, then the tag; always 80 bits for AES-CM
	 * (RFC 3711 3.4; RFC 5764 4.1.2 for the 32-bit profile) */
	n = make_sr(plain, 0x1111);
	memcpy(b, plain, n);
	len = n;
	assert_int_equal(srtpx_protect_rtcp(e->a, b, &len, sizeof(b)), 0);
	assert_int_equal(len, n + 4 + (prof == SRTPX_AEAD_AES_128_GCM ?
				       16 : 10));
	assert_memory_not_equal(b + 8, plain + 8, n - 8);
	assert_int_equal(srtpx_unprotect_rtcp(e->b, b, &len), SRTPX_OK);
	assert_int_equal(len, n);
	assert_memory_equal(b, plain, n);
}

static void test_round_trip_gcm(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	check_round_trip(&e, SRTPX_AEAD_AES_128_GCM);
	ends_free(&e);
}

static void test_round_trip_aes_cm(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_80);
	check_round_trip(&e, SRTPX_AES128_CM_SHA1_80);
	ends_free(&e);
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_32);
	check_round_trip(&e, SRTPX_AES128_CM_SHA1_32);
	ends_free(&e);
}

/* MEDIA-NOTES: swapped halves fail every packet with auth_fail. */
static void test_swapped_keys_fail(void **state)
{
	struct dtls_srtp_keys k;
	struct srtpx *wrong;
	struct ends e;
	struct pair p;

	(void)state;
	pair_open(&p, NULL, NULL);
	pair_start(&p);
	pair_run(&p, 1500);
	assert_int_equal(dtls_conn_srtp_keys(p.s, &k), 0);
	assert_int_equal(srtpx_new(&e.b, (enum srtpx_profile)k.profile,
				   k.local, k.remote, k.master_len), 0);
	/* the client's srtpx built with the server's view */
	assert_int_equal(srtpx_new(&wrong, (enum srtpx_profile)k.profile,
				   k.local, k.remote, k.master_len), 0);
	for (uint16_t seq = 1; seq < 10; seq++)
		assert_int_equal(send_rtp(e.b, wrong, 1, seq, seq * 160u),
				 SRTPX_AUTH_FAIL);
	srtpx_free(wrong);
	srtpx_free(e.b);
	pair_close(&p);
}

/* ---- forged, replayed, retransmitted ---- */

static void check_tamper(struct ends *e)
{
	uint8_t b[BUF], orig[BUF];
	size_t n, len;

	for (int where = 0; where < 3; where++) {
		n = make_rtp(b, 0x77, (uint16_t)(100 + where), 16000);
		assert_int_equal(srtpx_protect_rtp(e->a, b, &n, sizeof(b)), 0);
		memcpy(orig, b, n);
		/* the tag, the payload, the (authenticated) header */
		b[where == 0 ? n - 1 : where == 1 ? 40 : 1] ^= 0x01;
		len = n;
		assert_int_equal(srtpx_unprotect_rtp(e->b, b, &len),
				 SRTPX_AUTH_FAIL);
		/* the forgery did not burn the index: the real one passes */
		memcpy(b, orig, n);
		len = n;
		assert_int_equal(srtpx_unprotect_rtp(e->b, b, &len), SRTPX_OK);
	}
	n = make_sr(b, 0x77);
	assert_int_equal(srtpx_protect_rtcp(e->a, b, &n, sizeof(b)), 0);
	b[n - 1] ^= 0x80;
	assert_int_equal(srtpx_unprotect_rtcp(e->b, b, &n), SRTPX_AUTH_FAIL);
	/* too short to hold a header and a tag */
	len = 5;
	assert_int_equal(srtpx_unprotect_rtp(e->b, b, &len), SRTPX_BAD);
	len = 7;
	assert_int_equal(srtpx_unprotect_rtcp(e->b, b, &len), SRTPX_BAD);
}

static void test_tampered_auth_fail(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	check_tamper(&e);
	ends_free(&e);
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_80);
	check_tamper(&e);
	ends_free(&e);
}

static void check_replay(struct ends *e)
{
	uint8_t b[BUF], copy[BUF];
	size_t n, len;

	n = make_rtp(b, 0x99, 500, 0);
	assert_int_equal(srtpx_protect_rtp(e->a, b, &n, sizeof(b)), 0);
	memcpy(copy, b, n);
	len = n;
	assert_int_equal(srtpx_unprotect_rtp(e->b, b, &len), SRTPX_OK);
	len = n;
	assert_int_equal(srtpx_unprotect_rtp(e->b, copy, &len), SRTPX_REPLAY);
	/* older than the 1024-packet window: replay_old */
	n = make_rtp(b, 0x99, 600, 0);
	assert_int_equal(srtpx_protect_rtp(e->a, b, &n, sizeof(b)), 0);
	memcpy(copy, b, n);
	for (uint16_t seq = 601; seq < 1700; seq++)
		assert_int_equal(send_rtp(e->a, e->b, 0x99, seq, 0), SRTPX_OK);
	len = n;
	assert_int_equal(srtpx_unprotect_rtp(e->b, copy, &len), SRTPX_REPLAY);
	/* SRTCP replay */
	n = make_sr(b, 0x99);
	assert_int_equal(srtpx_protect_rtcp(e->a, b, &n, sizeof(b)), 0);
	memcpy(copy, b, n);
	len = n;
	assert_int_equal(srtpx_unprotect_rtcp(e->b, b, &len), SRTPX_OK);
	len = n;
	assert_int_equal(srtpx_unprotect_rtcp(e->b, copy, &len),
			 SRTPX_REPLAY);
}

static void test_replay(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	check_replay(&e);
	ends_free(&e);
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_80);
	check_replay(&e);
	ends_free(&e);
}

/* A NACKed packet is protected again with its old sequence number
 * (allow_repeat_tx) and comes out byte-identical; the receiver that
 * already had it reports a replay, one that lost it accepts it. */
static void test_retransmission(void **state)
{
	uint8_t b1[BUF], b2[BUF];
	size_t n1, n2;
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	for (uint16_t seq = 10; seq < 20; seq++)
		assert_int_equal(send_rtp(e.a, e.b, 5, seq, 0), SRTPX_OK);
	n1 = make_rtp(b1, 5, 20, 0);			/* lost */
	assert_int_equal(srtpx_protect_rtp(e.a, b1, &n1, sizeof(b1)), 0);
	assert_int_equal(send_rtp(e.a, e.b, 5, 21, 0), SRTPX_OK);
	n2 = make_rtp(b2, 5, 20, 0);			/* resent */
	assert_int_equal(srtpx_protect_rtp(e.a, b2, &n2, sizeof(b2)), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	assert_int_equal(srtpx_unprotect_rtp(e.b, b2, &n2), SRTPX_OK);
	assert_int_equal(srtpx_unprotect_rtp(e.b, b1, &n1), SRTPX_REPLAY);
	ends_free(&e);
}

/* ---- rollover and gaps (RFC 3711 3.3.1) ---- */

static void check_rollover(struct ends *e)
{
	uint16_t seq = 65000;
	uint32_t ts = 0xFFFF0000u;

	/* 3 * 65536 packets: the sequence number wraps three times */
	for (uint32_t i = 0; i < 3 * 65536u; i++, seq++, ts += 160)
		if (send_rtp(e->a, e->b, 0xABC, seq, ts) != SRTPX_OK)
			fail_msg("packet %u (seq %u) lost", i, seq);
}

static void test_rollover(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	check_rollover(&e);
	ends_free(&e);
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_80);
	check_rollover(&e);
	ends_free(&e);
}

/* Protect gap packets on the sender only: they were lost, or never read
 * by the receiver. */
static void sender_only(struct srtpx *a, uint32_t ssrc, uint16_t *seq,
			uint32_t n)
{
	uint8_t b[BUF];

	for (uint32_t i = 0; i < n; i++, (*seq)++) {
		size_t len = make_rtp(b, ssrc, *seq, 0);

		assert_int_equal(srtpx_protect_rtp(a, b, &len, sizeof(b)), 0);
	}
}

/* A hold: the sender's sequence number moves on by 30000 while nothing
 * reaches us, the timestamp by 12 minutes of 8 kHz; decryption goes on,
 * also when the jump crosses a wrap of the sequence number. */
static void check_hold_gap(struct ends *e, uint16_t start)
{
	uint16_t seq = start;
	uint32_t ts = 1000;

	for (int i = 0; i < 100; i++, seq++, ts += 160)
		assert_int_equal(send_rtp(e->a, e->b, 0xD0, seq, ts),
				 SRTPX_OK);
	/* the receiver never saw these, the sender's counter moved on */
	sender_only(e->a, 0xD0, &seq, 30000);
	ts += 12 * 60 * 8000;
	for (int i = 0; i < 100; i++, seq++, ts += 160)
		assert_int_equal(send_rtp(e->a, e->b, 0xD0, seq, ts),
				 SRTPX_OK);
}

static void test_hold_gap(void **state)
{
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	check_hold_gap(&e, 1);
	ends_free(&e);
	ends_from_dtls(&e, DTLS_SRTP_AES128_CM_SHA1_80);
	check_hold_gap(&e, 50000);	/* the jump wraps: ROC + 1 */
	ends_free(&e);
}

/* The limit the header warns about: a gap of more than 2^15 packets (11
 * minutes at 50/s) puts the receiver's rollover guess one behind, and
 * every later packet is refused as a replay.  libsrtp does not guess while
 * the highest index is below 2^15 (a stream that started low), so the
 * first jump passes; senders pick a random first sequence number, so in
 * practice the limit applies.  Pinned here so that a change in libsrtp or
 * a recovery in srtpx shows up. */
static void test_gap_beyond_half_window(void **state)
{
	uint16_t seq = 1;
	struct ends e;

	(void)state;
	ends_from_dtls(&e, DTLS_SRTP_AEAD_AES_128_GCM);
	for (int i = 0; i < 100; i++, seq++)
		assert_int_equal(send_rtp(e.a, e.b, 0xD1, seq, 0), SRTPX_OK);
	/* libsrtp takes any jump while the index is below 2^15 */
	sender_only(e.a, 0xD1, &seq, 36000);
	for (int i = 0; i < 100; i++, seq++)
		assert_int_equal(send_rtp(e.a, e.b, 0xD1, seq, 0), SRTPX_OK);
	sender_only(e.a, 0xD1, &seq, 36000);		/* 12 min at 50/s */
	for (int i = 0; i < 100; i++, seq++)
		assert_int_equal(send_rtp(e.a, e.b, 0xD1, seq, 0),
				 SRTPX_REPLAY);
	/* a new SSRC on the same keys is a fresh stream and works */
	assert_int_equal(send_rtp(e.a, e.b, 0xD2, 7, 0), SRTPX_OK);
	ends_free(&e);
}

/* ---- arguments ---- */

static void test_bad_arguments(void **state)
{
	uint8_t key[SRTPX_MASTER_MAX] = { 1 }, b[BUF];
	struct srtpx *sx = NULL;
	size_t len;

	(void)state;
	assert_int_equal(srtpx_global_init(), 0);
	assert_int_equal(srtpx_global_init(), 0);
	assert_int_equal(srtpx_new(&sx, SRTPX_AES128_CM_SHA1_80, key, key, 28),
			 EINVAL);
	assert_int_equal(srtpx_new(&sx, (enum srtpx_profile)5, key, key, 30),
			 ENOTSUP);
	assert_int_equal(srtpx_new(&sx, SRTPX_AEAD_AES_128_GCM, NULL, key, 28),
			 EINVAL);
	assert_null(sx);
	assert_int_equal(srtpx_master_len((enum srtpx_profile)9), 0);
	assert_int_equal(srtpx_new(&sx, SRTPX_AEAD_AES_128_GCM, key, key, 28),
			 0);
	len = make_rtp(b, 1, 1, 1);
	/* protect needs room for the trailer */
	assert_int_equal(srtpx_protect_rtp(sx, b, &len, len + 16), ENOSPC);
	assert_int_equal(srtpx_protect_rtcp(sx, b, &len, len), ENOSPC);
	assert_int_equal(len, PCMU_LEN);
	/* ENOSPC is ours, before libsrtp: no libsrtp status yet */
	assert_int_equal(srtpx_protect_status(sx), 0);
	assert_int_equal(srtpx_protect_rtp(sx, b, &len, sizeof(b)), 0);
	len = 8;	/* not an RTP header */
	assert_int_equal(srtpx_protect_rtp(sx, b, &len, sizeof(b)), EBADMSG);
	/* ... libsrtp's refusal is kept for mediad's one log line */
	assert_int_not_equal(srtpx_protect_status(sx), 0);
	assert_int_equal(srtpx_protect_status(NULL), 0);
	assert_string_equal(srtpx_verdict_name(SRTPX_REPLAY), "replayed");
	srtpx_free(sx);
	srtpx_free(NULL);
}

/* ---- SDES ---- */

static void test_sdes_round_trip(void **state)
{
	static const char *const suites[] = {
		"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
		"AEAD_AES_128_GCM",
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct srtpx_sdes mine, theirs, got;
		char kp[SRTPX_SDES_INLINE_MAX];
		char kp2[SRTPX_SDES_INLINE_MAX + 20];
		const char *why = NULL;
		struct ends e;

		assert_int_equal(srtpx_sdes_generate(&mine, suites[i], kp,
						     sizeof(kp)), 0);
		assert_int_equal(strncmp(kp, "inline:", 7), 0);
		assert_int_equal(strlen(kp), 7 + 40);	/* 28 or 30 bytes */
		assert_string_equal(srtpx_sdes_suite_name(mine.profile),
				    suites[i]);
		assert_int_equal(srtpx_sdes_parse(&got, suites[i], kp, &why),
				 0);
		assert_string_equal(why, "");
		assert_int_equal(got.profile, mine.profile);
		assert_int_equal(got.master_len, mine.master_len);
		assert_memory_equal(got.master, mine.master, got.master_len);
		/* with a lifetime, in both spellings */
		snprintf(kp2, sizeof(kp2), "%s|2^31", kp);
		assert_int_equal(srtpx_sdes_parse(&got, suites[i], kp2, &why),
				 0);
		snprintf(kp2, sizeof(kp2), "%s|1048576", kp);
		assert_int_equal(srtpx_sdes_parse(&got, suites[i], kp2, &why),
				 0);
		assert_memory_equal(got.master, mine.master, got.master_len);
		/* two keys, one each way, make a working leg */
		assert_int_equal(srtpx_sdes_generate(&theirs, suites[i], kp,
						     sizeof(kp)), 0);
		assert_memory_not_equal(theirs.master, mine.master,
					mine.master_len);
		assert_int_equal(srtpx_new(&e.a, mine.profile, mine.master,
					   theirs.master, mine.master_len), 0);
		assert_int_equal(srtpx_new(&e.b, theirs.profile, theirs.master,
					   mine.master, mine.master_len), 0);
		check_round_trip(&e, mine.profile);
		ends_free(&e);
	}
}

/* RFC 4568 8.1's example key, without its MKI, decodes to known bytes. */
static void test_sdes_known_key(void **state)
{
	static const uint8_t want[30] = {
		0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
		0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68,
		0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51,
	};
	struct srtpx_sdes sd;
	const char *why;

	(void)state;
	assert_int_equal(srtpx_sdes_parse(&sd, "AES_CM_128_HMAC_SHA1_80",
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20", &why),
		0);
	assert_int_equal(sd.profile, SRTPX_AES128_CM_SHA1_80);
	assert_int_equal(sd.master_len, 30);
	assert_memory_equal(sd.master, want, 30);
	/* the example as printed has an MKI: refused, with a reason */
	assert_int_equal(srtpx_sdes_parse(&sd, "AES_CM_128_HMAC_SHA1_80",
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
		&why), ENOTSUP);
	assert_string_equal(why, "MKI not supported");
}

static void test_sdes_refused(void **state)
{
	static const char key30[] =
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
	static const struct {
		const char *suite, *kp, *why;
		int err;
	} cases[] = {
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVm*jkpPywj"
		  "NWhcYD0mXXtxaVBR", "bad base64 in key", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVB=", "bad base64 in key", EINVAL },
		/* 38 characters whose last one has low bits set */
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaV", "bad base64 in key", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtx", "wrong key length for suite", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBRQUFB", "wrong key length for suite",
		  EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:", "wrong key length "
		  "for suite", EINVAL },
		/* a 30-byte key is the wrong size for GCM (28) */
		{ "AEAD_AES_128_GCM", key30, "wrong key length for suite",
		  EINVAL },
		{ "F8_128_HMAC_SHA1_80", key30, "unknown crypto suite",
		  ENOTSUP },
		{ "aes_cm_128_hmac_sha1_80", key30, "unknown crypto suite",
		  ENOTSUP },
		{ "AES_256_CM_HMAC_SHA1_80", key30, "unknown crypto suite",
		  ENOTSUP },
		{ "AES_CM_128_HMAC_SHA1_80", "uri:PS1uQCVeeCFCanVmcjkpPywjNWhc"
		  "YD0mXXtxaVBR", "key method is not inline", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR|1:1", "MKI not supported", ENOTSUP },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR;inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0m"
		  "XXtxaVBR", "several keys not supported", ENOTSUP },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR|2^", "bad key lifetime", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR|", "bad key lifetime", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR|2^31|2^31", "bad key lifetime", EINVAL },
		{ "AES_CM_128_HMAC_SHA1_80", "inline:PS1uQCVeeCFCanVmcjkpPywj"
		  "NWhcYD0mXXtxaVBR UNENCRYPTED_SRTP", "bad base64 in key",
		  EINVAL },
	};
	struct srtpx_sdes sd;
	char small[20];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		print_message("  %zu: %s\n", i, cases[i].kp);
		assert_int_equal(srtpx_sdes_parse(&sd, cases[i].suite,
						  cases[i].kp, &why),
				 cases[i].err);
		assert_string_equal(why, cases[i].why);
	}
	assert_int_equal(srtpx_sdes_parse(&sd, "AEAD_AES_128_GCM", NULL, NULL),
			 EINVAL);
	assert_int_equal(srtpx_sdes_generate(&sd, "AES_CM_128_HMAC_SHA1_80",
					     small, sizeof(small)), ENOSPC);
	assert_int_equal(srtpx_sdes_generate(&sd, "NULL", small,
					     sizeof(small)), ENOTSUP);
}

/* GCM's 28-byte key ends in "==" (RFC 4648 4); unpadded is accepted
 * too, other paddings are not. */
static void test_sdes_gcm_padding(void **state)
{
	char kp[SRTPX_SDES_INLINE_MAX], bad[SRTPX_SDES_INLINE_MAX + 8];
	struct srtpx_sdes sd, got;
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(srtpx_sdes_generate(&sd, "AEAD_AES_128_GCM", kp,
					     sizeof(kp)), 0);
	n = strlen(kp);
	assert_int_equal(kp[n - 1], '=');
	assert_int_equal(kp[n - 2], '=');
	assert_true(kp[n - 3] != '=');
	kp[n - 2] = '\0';
	assert_int_equal(srtpx_sdes_parse(&got, "AEAD_AES_128_GCM", kp, &why),
			 0);
	assert_memory_equal(got.master, sd.master, 28);
	snprintf(bad, sizeof(bad), "%s=", kp);
	assert_int_equal(srtpx_sdes_parse(&got, "AEAD_AES_128_GCM", bad,
					  &why), EINVAL);
	snprintf(bad, sizeof(bad), "%s===", kp);
	assert_int_equal(srtpx_sdes_parse(&got, "AEAD_AES_128_GCM", bad,
					  &why), EINVAL);
	snprintf(bad, sizeof(bad), "%s=A", kp);
	assert_int_equal(srtpx_sdes_parse(&got, "AEAD_AES_128_GCM", bad,
					  &why), EINVAL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_gcm),
		cmocka_unit_test(test_round_trip_aes_cm),
		cmocka_unit_test(test_swapped_keys_fail),
		cmocka_unit_test(test_tampered_auth_fail),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_hold_gap),
		cmocka_unit_test(test_gap_beyond_half_window),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_sdes_round_trip),
		cmocka_unit_test(test_sdes_known_key),
		cmocka_unit_test(test_sdes_refused),
		cmocka_unit_test(test_sdes_gcm_padding),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("srtpx", tests, NULL, NULL);
}
