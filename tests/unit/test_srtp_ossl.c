/* Unit tests for mediad/srtp_ossl: libsrtp2 with our OpenSSL primitives.
 *
 * - known answers: RFC 3711 B.2 (AES-CM keystream), B.3 (key derivation,
 *   checked through a whole srtp_protect against an independent
 *   computation), RFC 7714 16.1.1 and 17.2 (AES-GCM, both tag lengths);
 * - cross-check: sessions created before the install use Debian's NSS
 *   primitives, sessions created after use ours; for random keys and
 *   packets both protect to identical bytes (AES_CM_128_HMAC_SHA1_80 and
 *   AEAD_AES_128_GCM, RTP and RTCP) and each unprotects the other's;
 * - forged tags, changed payloads and replays are refused;
 * - protect and unprotect allocate nothing (NSS does, which shows that the
 *   counter works).
 *
 * The install is process-wide, so main() creates the reference (NSS)
 * sessions first, then installs, then runs the tests.
 * argv[1] is an optional name filter ("*cross*").
 */
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

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "mediad/srtp_ossl.h"

/* libsrtp exports these (crypto_kernel.h, not installed): which
 * implementation srtp_create will use for a type. */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(
	srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(
	srtp_auth_type_id_t id);

enum {
	BUF = 2048,
	KEYS = 24,		/* random keys per profile in the cross-check */
	PKTS = 60,		/* packets per key and kind */
};

enum prof { P_CM80, P_GCM, P_COUNT };

static const struct {
	const char *name;
	size_t master_len;
	void (*rtp)(srtp_crypto_policy_t *p);
	void (*rtcp)(srtp_crypto_policy_t *p);
} profs[P_COUNT] = {
	[P_CM80] = { "AES_CM_128_HMAC_SHA1_80", 30,
		     srtp_crypto_policy_set_rtp_default,
		     srtp_crypto_policy_set_rtcp_default },
	[P_GCM] = { "AEAD_AES_128_GCM", 28,
		    srtp_crypto_policy_set_aes_gcm_128_16_auth,
		    srtp_crypto_policy_set_aes_gcm_128_16_auth },
};

/* Made in main() before the install: NSS-backed. */
static struct {
	uint8_t key[KEYS][32];
	srtp_t out[KEYS], in[KEYS];
} ref[P_COUNT];
static const srtp_cipher_type_t *kernel_before[SRTP_AES_GCM_256 + 1];
static const srtp_auth_type_t *kernel_auth_before;

static srtp_err_status_t session(srtp_t *s, enum prof p, const uint8_t *key,
				 srtp_ssrc_type_t type, uint32_t ssrc)
{
	uint8_t k[32];
	srtp_policy_t pol;

	memset(&pol, 0, sizeof(pol));
	memcpy(k, key, profs[p].master_len);
	profs[p].rtp(&pol.rtp);
	profs[p].rtcp(&pol.rtcp);
	pol.ssrc.type = type;
	pol.ssrc.value = ssrc;
	pol.key = k;
	pol.window_size = 1024;
	return srtp_create(s, &pol);
}

static void hex(uint8_t *out, const char *s)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned int v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static uint32_t rnd(uint32_t n)
{
	uint32_t v;

	assert_int_equal(RAND_bytes((uint8_t *)&v, sizeof(v)), 1);
	return n ? v % n : v;
}

/* ---- our types on their own ---- */

static void test_self_tests(void **state)
{
	static const srtp_cipher_type_id_t ids[] = {
		SRTP_AES_ICM_128, SRTP_AES_ICM_256, SRTP_AES_GCM_128,
		SRTP_AES_GCM_256,
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const srtp_cipher_type_t *t = srtp_ossl_cipher_type(ids[i]);

		assert_non_null(t);
		assert_int_equal(t->id, ids[i]);
		assert_int_equal(srtp_cipher_type_self_test(t),
				 srtp_err_status_ok);
	}
	assert_null(srtp_ossl_cipher_type(SRTP_NULL_CIPHER));
	assert_int_equal(srtp_auth_type_self_test(srtp_ossl_auth_type()),
			 srtp_err_status_ok);
}

static void test_install_replaces(void **state)
{
	static const srtp_cipher_type_id_t ids[] = {
		SRTP_AES_ICM_128, SRTP_AES_ICM_256, SRTP_AES_GCM_128,
		SRTP_AES_GCM_256,
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const srtp_cipher_type_t *ours = srtp_ossl_cipher_type(ids[i]);

		assert_ptr_not_equal(kernel_before[ids[i]], ours);
		assert_ptr_equal(srtp_crypto_kernel_get_cipher_type(ids[i]),
				 ours);
	}
	assert_ptr_not_equal(kernel_auth_before, srtp_ossl_auth_type());
	assert_ptr_equal(srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1),
			 srtp_ossl_auth_type());
	/* again: harmless (mediad and a test may both call it) */
	assert_int_equal(srtp_ossl_install(), 0);
}

/* RFC 3711 B.2: keystream blocks 0-2 for session key 2B7E..., salt
 * F0F1...FD, index 0, SSRC 0; also fed in pieces that split blocks. */
static void test_rfc3711_b2_keystream(void **state)
{
	uint8_t key[30], want[48], got[48], iv[16] = { 0 };
	srtp_cipher_t *c;
	uint32_t n;

	hex(key, "2b7e151628aed2a6abf7158809cf4f3c"
		 "f0f1f2f3f4f5f6f7f8f9fafbfcfd");
	hex(want, "e03ead0935c95e80e166b16dd92b4eb4"
		  "d23513162b02d0f72a43a2fe4a5f97ab"
		  "41e95b3bb0a2e8dd477901e4fca894c0");
	assert_int_equal(srtp_cipher_type_alloc(
		srtp_ossl_cipher_type(SRTP_AES_ICM_128), &c, 30, 0),
		srtp_err_status_ok);
	assert_int_equal(srtp_cipher_init(c, key), srtp_err_status_ok);
	assert_int_equal(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
			 srtp_err_status_ok);
	n = sizeof(got);
	assert_int_equal(srtp_cipher_output(c, got, &n), srtp_err_status_ok);
	assert_memory_equal(got, want, sizeof(want));

	/* 7 + 30 + 11 bytes continue one keystream; a new IV restarts it */
	assert_int_equal(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
			 srtp_err_status_ok);
	memset(got, 0, sizeof(got));
	n = 7;
	assert_int_equal(srtp_cipher_encrypt(c, got, &n), srtp_err_status_ok);
	n = 30;
	assert_int_equal(srtp_cipher_encrypt(c, got + 7, &n),
			 srtp_err_status_ok);
	n = 11;
	assert_int_equal(srtp_cipher_encrypt(c, got + 37, &n),
			 srtp_err_status_ok);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(srtp_cipher_dealloc(c), srtp_err_status_ok);

	/* wrong key lengths are refused */
	assert_int_equal(srtp_cipher_type_alloc(
		srtp_ossl_cipher_type(SRTP_AES_ICM_128), &c, 16, 0),
		srtp_err_status_bad_param);
}

/* RFC 3711 B.3's master key, through srtp_protect: the packet must be
 * what the derived keys (session key C61E..., salt 30CB..., auth key
 * CEBE...) give when applied by hand: AES-128-CTR with the RFC 3711 4.1.1
 * IV, then HMAC-SHA1 over header || ciphertext || ROC, 80 bits. */
static void test_rfc3711_b3_through_protect(void **state)
{
	uint8_t master[30], ckey[16], csalt[14], akey[20];
	uint8_t pkt[BUF], want[BUF], iv[16] = { 0 }, mac[20];
	const uint32_t ssrc = 0xdeadbeef;
	const uint16_t seq = 0x1234;
	EVP_CIPHER_CTX *ctx;
	unsigned int maclen;
	srtp_t s;
	int len = 12 + 160, out;

	hex(master, "e1f97a0d3e018be0d64fa32c06de4139"
		    "0ec675ad498afeebb6960b3aabe6");
	hex(ckey, "c61e7a93744f39ee10734afe3ff7a087");
	hex(csalt, "30cbbc08863d8c85d49db34a9ae1");
	hex(akey, "cebe321f6ff7716b6fd4ab49af256a156d38baa4");

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80, pkt[1] = 0x00, pkt[2] = seq >> 8, pkt[3] = seq & 0xff;
	pkt[4] = 0x01, pkt[5] = 0x02, pkt[6] = 0x03, pkt[7] = 0x04;
	pkt[8] = 0xde, pkt[9] = 0xad, pkt[10] = 0xbe, pkt[11] = 0xef;
	for (int i = 12; i < len; i++)
		pkt[i] = (uint8_t)(i * 7);
	memcpy(want, pkt, (size_t)len);

	/* IV = (salt << 16) ^ (SSRC << 64) ^ (index << 16); ROC 0 */
	memcpy(iv, csalt, sizeof(csalt));
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	iv[12] ^= seq >> 8;
	iv[13] ^= seq & 0xff;
	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_true(EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, ckey,
				       iv));
	assert_true(EVP_EncryptUpdate(ctx, want + 12, &out, want + 12,
				      len - 12));
	EVP_CIPHER_CTX_free(ctx);
	memset(want + len, 0, 4);	/* ROC, authenticated, not sent */
	assert_non_null(HMAC(EVP_sha1(), akey, sizeof(akey), want,
			     (size_t)len + 4, mac, &maclen));
	memcpy(want + len, mac, 10);

	assert_int_equal(session(&s, P_CM80, master, ssrc_specific, ssrc),
			 srtp_err_status_ok);
	assert_int_equal(srtp_protect(s, pkt, &len), srtp_err_status_ok);
	assert_int_equal(len, 12 + 160 + 10);
	assert_memory_equal(pkt, want, (size_t)len);
	srtp_dealloc(s);
}

/* One RFC 7714 vector at the cipher level: AAD given in pieces, both
 * tag lengths, and a forged tag. */
static void gcm_vector(srtp_cipher_type_id_t id, int key_len,
		       const char *key_hex, const char *iv_hex,
		       const char *aad_hex, size_t aad_split,
		       const char *pt_hex, const char *ct_tag_hex)
{
	uint8_t key[44], iv[12], aad[64], pt[128], ct[160], buf[160];
	size_t aad_len = strlen(aad_hex) / 2, pt_len = strlen(pt_hex) / 2;
	const int tags[] = { 16, 8 };

	hex(key, key_hex);
	hex(iv, iv_hex);
	hex(aad, aad_hex);
	hex(pt, pt_hex);
	hex(ct, ct_tag_hex);
	assert_int_equal(strlen(ct_tag_hex) / 2, pt_len + 16);

	for (size_t t = 0; t < 2; t++) {
		srtp_cipher_t *c;
		uint32_t n = (uint32_t)pt_len, tag_len = 0;

		assert_int_equal(srtp_cipher_type_alloc(
			srtp_ossl_cipher_type(id), &c, key_len, tags[t]),
			srtp_err_status_ok);
		assert_int_equal(c->algorithm, id);
		assert_int_equal(srtp_cipher_init(c, key), srtp_err_status_ok);

		memcpy(buf, pt, pt_len);
		assert_int_equal(srtp_cipher_set_iv(c, iv,
			srtp_direction_encrypt), srtp_err_status_ok);
		assert_int_equal(srtp_cipher_set_aad(c, aad,
			(uint32_t)aad_split), srtp_err_status_ok);
		assert_int_equal(srtp_cipher_set_aad(c, aad + aad_split,
			(uint32_t)(aad_len - aad_split)), srtp_err_status_ok);
		assert_int_equal(srtp_cipher_encrypt(c, buf, &n),
				 srtp_err_status_ok);
		assert_int_equal(n, pt_len);
		assert_int_equal(srtp_cipher_get_tag(c, buf + n, &tag_len),
				 srtp_err_status_ok);
		assert_int_equal(tag_len, tags[t]);
		/* the 8-octet tag is the 16-octet one cut short */
		assert_memory_equal(buf, ct, pt_len + tag_len);

		for (int forged = 1; forged >= 0; forged--) {
			uint8_t dec[160];

			memcpy(dec, ct, pt_len + tag_len);
			dec[pt_len + tag_len - 1] ^= (uint8_t)forged;
			n = (uint32_t)(pt_len + tag_len);
			assert_int_equal(srtp_cipher_set_iv(c, iv,
				srtp_direction_decrypt), srtp_err_status_ok);
			assert_int_equal(srtp_cipher_set_aad(c, aad,
				(uint32_t)aad_len), srtp_err_status_ok);
			if (forged) {
				assert_int_equal(srtp_cipher_decrypt(c, dec,
					&n), srtp_err_status_auth_fail);
				continue;
			}
			assert_int_equal(srtp_cipher_decrypt(c, dec, &n),
					 srtp_err_status_ok);
			assert_int_equal(n, pt_len);
			assert_memory_equal(dec, pt, pt_len);
		}
		assert_int_equal(srtp_cipher_dealloc(c), srtp_err_status_ok);
	}
}

static void test_rfc7714_vectors(void **state)
{
	/* 16.1.1: AEAD_AES_128_GCM, RTP, AAD = the 12-byte header */
	gcm_vector(SRTP_AES_GCM_128, 28,
		   "000102030405060708090a0b0c0d0e0f517569642070726f2071756f",
		   "51753c6580c2726f20718414",
		   "8040f17b8041f8d35501a0b2", 5,
		   "47616c6c696120657374206f6d6e69732064697669736120"
		   "696e207061727465732074726573",
		   "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f"
		   "42a5f47a51c7d19b36de3adf8833"
		   "899d7f27beb16a9152cf765ee4390cce");
	/* 17.2: AEAD_AES_256_GCM, SRTCP, AAD = header, then E || index */
	gcm_vector(SRTP_AES_GCM_256, 44,
		   "000102030405060708090a0b0c0d0e0f"
		   "101112131415161718191a1b1c1d1e1f517569642070726f2071756f",
		   "517524055203726f207170bb",
		   "81c8000d4d617273800005d4", 8,
		   "4e5450314e545032525450200000042a0000e9304c756e61"
		   "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
		   "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50"
		   "a2eaa5c1110555be8415f658c61de0476f1b6fad"
		   "1d1eb30c4446839f57ff6f6cb26ac3be");
}

/* ---- cross-check against NSS ---- */

/* A random RTP packet: CSRCs, maybe a header extension, any payload. */
static int rand_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq)
{
	int cc = (int)rnd(4), x = (int)rnd(2), n = 12, ext = (int)rnd(4);
	int payload = (int)rnd(1200);

	b[0] = (uint8_t)(0x80 | x << 4 | cc);
	b[1] = (uint8_t)(rnd(2) << 7 | rnd(35));	/* PT 0-34 */
	b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
	assert_int_equal(RAND_bytes(b + 4, 4), 1);
	b[8] = (uint8_t)(ssrc >> 24), b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8), b[11] = (uint8_t)ssrc;
	assert_int_equal(RAND_bytes(b + n, 4 * cc), 1);
	n += 4 * cc;
	if (x) {
		b[n] = 0xbe, b[n + 1] = 0xde, b[n + 2] = 0;
		b[n + 3] = (uint8_t)ext;
		assert_int_equal(RAND_bytes(b + n + 4, 4 * ext), 1);
		n += 4 + 4 * ext;
	}
	if (payload)
		assert_int_equal(RAND_bytes(b + n, payload), 1);
	return n + payload;
}

/* A random compound-looking RTCP packet: SR header, then words. */
static int rand_rtcp(uint8_t *b, uint32_t ssrc)
{
	int words = 1 + (int)rnd(60);

	assert_int_equal(RAND_bytes(b + 8, 4 * (words - 1)), 1);
	b[0] = 0x80, b[1] = 200;
	b[2] = (uint8_t)(words >> 8), b[3] = (uint8_t)words;
	b[4] = (uint8_t)(ssrc >> 24), b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8), b[7] = (uint8_t)ssrc;
	return 4 + 4 * words;
}

static void cross_check(enum prof p)
{
	for (int k = 0; k < KEYS; k++) {
		srtp_t out, in;
		uint32_t ssrc = rnd(0);
		uint16_t seq = (uint16_t)rnd(65536);

		assert_int_equal(session(&out, p, ref[p].key[k],
					 ssrc_any_outbound, 0),
				 srtp_err_status_ok);
		assert_int_equal(session(&in, p, ref[p].key[k],
					 ssrc_any_inbound, 0),
				 srtp_err_status_ok);
		for (int i = 0; i < PKTS; i++) {
			uint8_t a[BUF], b[BUF], plain[BUF];
			bool rtcp = i % 3 == 2;
			int la, lb, lp;

			la = rtcp ? rand_rtcp(a, ssrc) :
				rand_rtp(a, ssrc, seq++);
			lb = lp = la;
			memcpy(b, a, (size_t)la);
			memcpy(plain, a, (size_t)la);
			if (rtcp) {
				assert_int_equal(srtp_protect_rtcp(
					ref[p].out[k], a, &la), 0);
				assert_int_equal(srtp_protect_rtcp(out, b,
					&lb), 0);
			} else {
				assert_int_equal(srtp_protect(ref[p].out[k],
					a, &la), 0);
				assert_int_equal(srtp_protect(out, b, &lb), 0);
			}
			assert_int_equal(la, lb);
			assert_true(la > lp);
			assert_memory_equal(a, b, (size_t)la);
			/* each side reads what the other wrote */
			if (rtcp) {
				assert_int_equal(srtp_unprotect_rtcp(in, a,
					&la), 0);
				assert_int_equal(srtp_unprotect_rtcp(
					ref[p].in[k], b, &lb), 0);
			} else {
				assert_int_equal(srtp_unprotect(in, a, &la), 0);
				assert_int_equal(srtp_unprotect(ref[p].in[k],
					b, &lb), 0);
			}
			assert_int_equal(la, lp);
			assert_int_equal(lb, lp);
			assert_memory_equal(a, plain, (size_t)lp);
			assert_memory_equal(b, plain, (size_t)lp);
		}
		srtp_dealloc(out);
		srtp_dealloc(in);
	}
}

static void test_cross_check_aes_cm(void **state)
{
	cross_check(P_CM80);
}

static void test_cross_check_gcm(void **state)
{
	cross_check(P_GCM);
}

/* ---- refusals ---- */

static void refusals(enum prof p)
{
	uint8_t key[32], pkt[BUF], copy[BUF];
	srtp_t out, in;
	int len, n;

	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(session(&out, p, key, ssrc_any_outbound, 0), 0);
	assert_int_equal(session(&in, p, key, ssrc_any_inbound, 0), 0);
	len = 12 + 160;
	memset(pkt, 0x55, (size_t)len);
	pkt[0] = 0x80, pkt[1] = 0, pkt[2] = 0x10, pkt[3] = 0x01;
	assert_int_equal(srtp_protect(out, pkt, &len), srtp_err_status_ok);

	/* last bit of the tag, then one bit of the payload */
	memcpy(copy, pkt, (size_t)len);
	copy[len - 1] ^= 1;
	n = len;
	assert_int_equal(srtp_unprotect(in, copy, &n),
			 srtp_err_status_auth_fail);
	memcpy(copy, pkt, (size_t)len);
	copy[40] ^= 0x80;
	n = len;
	assert_int_equal(srtp_unprotect(in, copy, &n),
			 srtp_err_status_auth_fail);
	/* too short to hold a tag */
	n = 12 + 3;
	memcpy(copy, pkt, (size_t)n);
	assert_int_not_equal(srtp_unprotect(in, copy, &n), srtp_err_status_ok);

	/* the genuine one, once */
	memcpy(copy, pkt, (size_t)len);
	n = len;
	assert_int_equal(srtp_unprotect(in, copy, &n), srtp_err_status_ok);
	assert_int_equal(n, 12 + 160);
	memcpy(copy, pkt, (size_t)len);
	n = len;
	assert_int_equal(srtp_unprotect(in, copy, &n),
			 srtp_err_status_replay_fail);

	/* SRTCP: forged, genuine, replayed */
	len = rand_rtcp(pkt, 0x01020304);
	assert_int_equal(srtp_protect_rtcp(out, pkt, &len), 0);
	memcpy(copy, pkt, (size_t)len);
	copy[len - 1] ^= 1;
	n = len;
	assert_int_equal(srtp_unprotect_rtcp(in, copy, &n),
			 srtp_err_status_auth_fail);
	memcpy(copy, pkt, (size_t)len);
	n = len;
	assert_int_equal(srtp_unprotect_rtcp(in, copy, &n), 0);
	memcpy(copy, pkt, (size_t)len);
	n = len;
	assert_int_equal(srtp_unprotect_rtcp(in, copy, &n),
			 srtp_err_status_replay_fail);
	srtp_dealloc(out);
	srtp_dealloc(in);
}

static void test_refusals_aes_cm(void **state)
{
	refusals(P_CM80);
}

static void test_refusals_gcm(void **state)
{
	refusals(P_GCM);
}

/* ---- no allocation per packet ---- */

#if defined(__SANITIZE_ADDRESS__)
#define COUNT_MALLOC 0		/* ASan owns malloc */
#else
#define COUNT_MALLOC 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);

/* Every allocation in the process comes through here (the executable's
 * definitions take precedence over libc's for every library). */
static _Thread_local unsigned long allocs;

void *malloc(size_t n)
{
	allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	allocs++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	allocs++;
	return __libc_realloc(p, n);
}
#endif

/* Allocations per 100 protect + unprotect after the first packet. */
static unsigned long allocs_per_100(srtp_t out, srtp_t in, bool rtcp)
{
#if COUNT_MALLOC
	unsigned long before = 0;

	for (int i = 0; i <= 100; i++) {
		uint8_t pkt[BUF];
		int len;

		if (i == 1)	/* the first one clones the stream */
			before = allocs;
		len = rtcp ? rand_rtcp(pkt, 0x0a0b0c0d) :
			rand_rtp(pkt, 0x0a0b0c0d, (uint16_t)i);
		if (rtcp) {
			assert_int_equal(srtp_protect_rtcp(out, pkt, &len), 0);
			assert_int_equal(srtp_unprotect_rtcp(in, pkt, &len), 0);
		} else {
			assert_int_equal(srtp_protect(out, pkt, &len), 0);
			assert_int_equal(srtp_unprotect(in, pkt, &len), 0);
		}
	}
	return allocs - before;
#else
	(void)out, (void)in, (void)rtcp;
	return 0;
#endif
}

static void test_no_allocation(void **state)
{
	if (!COUNT_MALLOC)
		skip();
	for (int p = 0; p < P_COUNT; p++) {
		srtp_t out, in;

		assert_int_equal(session(&out, p, ref[p].key[0],
					 ssrc_any_outbound, 0), 0);
		assert_int_equal(session(&in, p, ref[p].key[0],
					 ssrc_any_inbound, 0), 0);
		assert_int_equal(allocs_per_100(out, in, false), 0);
		assert_int_equal(allocs_per_100(out, in, true), 0);
		srtp_dealloc(out);
		srtp_dealloc(in);
	}
	/* the reference sessions (NSS) do allocate: the counter counts */
	assert_true(allocs_per_100(ref[P_GCM].out[1], ref[P_GCM].in[1],
				   false) > 0);
}

/* ---- setup ---- */

static void make_reference(void)
{
	for (int p = 0; p < P_COUNT; p++)
		for (int k = 0; k < KEYS; k++) {
			if (RAND_bytes(ref[p].key[k], 32) != 1 ||
			    session(&ref[p].out[k], p, ref[p].key[k],
				    ssrc_any_outbound, 0) ||
			    session(&ref[p].in[k], p, ref[p].key[k],
				    ssrc_any_inbound, 0)) {
				fprintf(stderr, "reference session failed\n");
				exit(1);
			}
		}
	for (int id = 0; id <= SRTP_AES_GCM_256; id++)
		kernel_before[id] = srtp_crypto_kernel_get_cipher_type(id);
	kernel_auth_before = srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1);
}

static int free_reference(void **state)
{
	for (int p = 0; p < P_COUNT; p++)
		for (int k = 0; k < KEYS; k++) {
			srtp_dealloc(ref[p].out[k]);
			srtp_dealloc(ref[p].in[k]);
		}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_tests),
		cmocka_unit_test(test_install_replaces),
		cmocka_unit_test(test_rfc3711_b2_keystream),
		cmocka_unit_test(test_rfc3711_b3_through_protect),
		cmocka_unit_test(test_rfc7714_vectors),
		cmocka_unit_test(test_cross_check_aes_cm),
		cmocka_unit_test(test_cross_check_gcm),
		cmocka_unit_test(test_refusals_aes_cm),
		cmocka_unit_test(test_refusals_gcm),
		cmocka_unit_test(test_no_allocation),
	};

	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp_init failed\n");
		return 1;
	}
	make_reference();
	if (srtp_ossl_install()) {
		fprintf(stderr, "srtp_ossl_install failed\n");
		return 1;
	}
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("srtp_ossl", tests, NULL,
					   free_reference);
}
