/* srtp_ossl: libcrypto implementations of libsrtp2's cipher and auth
 * types (see srtp_ossl.h for why).
 *
 * The contract is libsrtp 2.x's (cipher.h, auth.h), as its srtp.c uses it:
 * - AES-ICM: the key is key || 14-byte salt; set_iv gets the 16-byte
 *   counter block with the salt NOT yet applied (the salt is XORed in
 *   here), encrypt and decrypt are the same keystream XOR, continued
 *   across calls until the next set_iv.  The key derivation (RFC 3711
 *   4.3) runs through this type too.
 * - AES-GCM: the key is key || 12-byte salt, but srtp.c applies the salt
 *   to the IV itself, so set_iv gets the finished 12-byte IV.  set_aad may
 *   be called more than once (SRTCP: header, then the E||index word).
 *   encrypt leaves the length alone and get_tag appends the tag; decrypt
 *   gets ciphertext || tag, verifies, and shortens the length by the tag.
 *   encrypt may get NULL with length 0 (SRTCP with E=0: all AAD).
 * - HMAC-SHA1: init keys the context and leaves it ready for data (the
 *   self-test calls compute straight after init); start restarts with the
 *   same key; compute adds its data and writes the first tag_len bytes.
 *
 * HMAC is built on SHA1_* with the ipad and opad blocks hashed once per
 * key: EVP_MAC, HMAC_CTX and EVP_MD re-initialisation each allocate and
 * free an algorithm context twice per MAC in OpenSSL 3.0 (measured:
 * 2 mallocs and 615 ns per 176-byte MAC against 0 and 403 ns this way).
 * SHA1_* are deprecated in OpenSSL 3 but present in every 3.x release.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* SHA1_Init etc.: see above */

#include "srtp_ossl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

enum {
	ICM_SALT = 14,		/* RFC 3711 4.3: 112-bit session salt */
	ICM_128_KEY = 16 + ICM_SALT,
	ICM_256_KEY = 32 + ICM_SALT,
	GCM_SALT = 12,		/* RFC 7714 8.1 */
	GCM_128_KEY = 16 + GCM_SALT,
	GCM_256_KEY = 32 + GCM_SALT,
	GCM_IV = 12,
	GCM_TAG = 16,
	GCM_TAG_8 = 8,		/* RFC 7714 14.1's 8-octet tag variants */
	SHA1_LEN = 20,
	SHA1_BLOCK = 64,
};

static const srtp_cipher_type_t icm_128, icm_256, gcm_128, gcm_256;
static const srtp_auth_type_t hmac_sha1;

/* ---- AES-ICM (RFC 3711 4.1.1) ---- */

struct icm {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *evp;
	int key_size;			/* 16 or 32 */
	uint8_t offset[16];		/* salt || 00 00 */
};

/* One srtp_cipher_t and its state, or alloc_fail. */
static srtp_err_status_t cipher_new(srtp_cipher_t **c, void *state,
				    const srtp_cipher_type_t *type,
				    int algorithm, int key_len)
{
	*c = calloc(1, sizeof(**c));
	if (!*c)
		return srtp_err_status_alloc_fail;
	(*c)->type = type;
	(*c)->state = state;
	(*c)->algorithm = algorithm;
	(*c)->key_len = key_len;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_t **c, int key_len, int tlen)
{
	struct icm *s;

	if (!c || (key_len != ICM_128_KEY && key_len != ICM_256_KEY))
		return srtp_err_status_bad_param;
	s = calloc(1, sizeof(*s));
	if (!s)
		return srtp_err_status_alloc_fail;
	s->ctx = EVP_CIPHER_CTX_new();
	if (!s->ctx) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->key_size = key_len - ICM_SALT;
	s->evp = key_len == ICM_128_KEY ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
	if (cipher_new(c, s, key_len == ICM_128_KEY ? &icm_128 : &icm_256,
		       key_len == ICM_128_KEY ? SRTP_AES_ICM_128 :
		       SRTP_AES_ICM_256, key_len)) {
		EVP_CIPHER_CTX_free(s->ctx);
		free(s);
		return srtp_err_status_alloc_fail;
	}
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c)
{
	struct icm *s = c ? c->state : NULL;

	if (s) {
		EVP_CIPHER_CTX_free(s->ctx);	/* clears the key schedule */
		OPENSSL_cleanse(s, sizeof(*s));
		free(s);
	}
	free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct icm *s = state;

	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + s->key_size, ICM_SALT);
	if (!EVP_EncryptInit_ex(s->ctx, s->evp, NULL, key, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* A new IV restarts the keystream (and OpenSSL's partial-block count). */
static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv,
				    srtp_cipher_direction_t dir)
{
	struct icm *s = state;
	uint8_t ctr[16];

	for (int i = 0; i < 16; i++)
		ctr[i] = s->offset[i] ^ iv[i];
	if (!EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, ctr))
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_crypt(void *state, uint8_t *buf,
				   unsigned int *len)
{
	struct icm *s = state;
	int out;

	if (*len == 0)
		return srtp_err_status_ok;
	if (!buf || *len > (unsigned int)INT32_MAX)
		return srtp_err_status_bad_param;
	if (!EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) ||
	    out != (int)*len)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* ---- AES-GCM (RFC 7714) ---- */

struct gcm {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *evp;
	int tag_len;
	srtp_cipher_direction_t dir;	/* of the last set_iv */
};

static srtp_err_status_t gcm_alloc(srtp_cipher_t **c, int key_len, int tlen)
{
	struct gcm *s;

	if (!c || (key_len != GCM_128_KEY && key_len != GCM_256_KEY) ||
	    (tlen != GCM_TAG && tlen != GCM_TAG_8))
		return srtp_err_status_bad_param;
	s = calloc(1, sizeof(*s));
	if (!s)
		return srtp_err_status_alloc_fail;
	s->ctx = EVP_CIPHER_CTX_new();
	if (!s->ctx) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->tag_len = tlen;
	s->dir = srtp_direction_any;
	s->evp = key_len == GCM_128_KEY ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	if (cipher_new(c, s, key_len == GCM_128_KEY ? &gcm_128 : &gcm_256,
		       key_len == GCM_128_KEY ? SRTP_AES_GCM_128 :
		       SRTP_AES_GCM_256, key_len)) {
		EVP_CIPHER_CTX_free(s->ctx);
		free(s);
		return srtp_err_status_alloc_fail;
	}
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *c)
{
	struct gcm *s = c ? c->state : NULL;

	if (s) {
		EVP_CIPHER_CTX_free(s->ctx);
		OPENSSL_cleanse(s, sizeof(*s));
		free(s);
	}
	free(c);
	return srtp_err_status_ok;
}

/* Only the key part: the salt is srtp.c's business (it builds the IV). */
static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct gcm *s = state;

	s->dir = srtp_direction_any;
	if (!EVP_CipherInit_ex(s->ctx, s->evp, NULL, key, NULL, 1))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* Starts a message: AAD, data, tag.  The default IV length is 12. */
static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv,
				    srtp_cipher_direction_t dir)
{
	struct gcm *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	s->dir = dir;
	if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv,
			       dir == srtp_direction_encrypt))
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad,
				     uint32_t len)
{
	struct gcm *s = state;
	int out;

	if (s->dir == srtp_direction_any || len > (uint32_t)INT32_MAX)
		return srtp_err_status_bad_param;
	if (len == 0)
		return srtp_err_status_ok;
	if (!EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len))
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf,
				     unsigned int *len)
{
	struct gcm *s = state;
	int out;

	if (s->dir != srtp_direction_encrypt || *len > (unsigned)INT32_MAX)
		return srtp_err_status_bad_param;
	if (*len == 0)
		return srtp_err_status_ok;
	if (!buf)
		return srtp_err_status_bad_param;
	if (!EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len) ||
	    out != (int)*len)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* Finishes the message: GCM's final step writes no data, only the tag. */
static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag,
				     uint32_t *len)
{
	struct gcm *s = state;
	uint8_t none[16];
	int out;

	if (s->dir != srtp_direction_encrypt)
		return srtp_err_status_bad_param;
	if (!EVP_CipherFinal_ex(s->ctx, none, &out) ||
	    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len,
				 tag))
		return srtp_err_status_algo_fail;
	*len = (uint32_t)s->tag_len;
	return srtp_err_status_ok;
}

/* In place: the plaintext is written before the tag is checked, so on
 * auth_fail the buffer holds garbage (srtpx tells its callers to drop it). */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf,
				     unsigned int *len)
{
	struct gcm *s = state;
	uint8_t none[16];
	int n, out;

	if (s->dir != srtp_direction_decrypt || *len > (unsigned)INT32_MAX)
		return srtp_err_status_bad_param;
	if (!buf || *len < (unsigned int)s->tag_len)
		return srtp_err_status_auth_fail;
	n = (int)*len - s->tag_len;
	if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len,
				 buf + n))
		return srtp_err_status_auth_fail;
	if (n > 0 && (!EVP_CipherUpdate(s->ctx, buf, &out, buf, n) ||
		      out != n))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) <= 0)
		return srtp_err_status_auth_fail;
	*len = (unsigned int)n;
	return srtp_err_status_ok;
}

/* ---- HMAC-SHA1 (RFC 2104), truncated to the policy's tag ---- */

struct hmac {
	SHA_CTX inner;		/* after key ^ ipad */
	SHA_CTX outer;		/* after key ^ opad */
	SHA_CTX work;		/* the message in progress */
};

static srtp_err_status_t hmac_alloc(srtp_auth_t **a, int key_len,
				    int out_len)
{
	struct hmac *s;

	/* keys longer than a block would have to be hashed first; SRTP's
	 * are 20 bytes (RFC 3711 4.2.1, n_a = 160) */
	if (!a || key_len < 0 || key_len > SHA1_BLOCK || out_len < 0 ||
	    out_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	s = calloc(1, sizeof(*s));
	*a = calloc(1, sizeof(**a));
	if (!s || !*a) {
		free(s);
		free(*a);
		*a = NULL;
		return srtp_err_status_alloc_fail;
	}
	(*a)->type = &hmac_sha1;
	(*a)->state = s;
	(*a)->out_len = out_len;
	(*a)->key_len = key_len;
	(*a)->prefix_len = 0;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a)
{
	if (a && a->state) {
		OPENSSL_cleanse(a->state, sizeof(struct hmac));
		free(a->state);
	}
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key,
				   int key_len)
{
	struct hmac *s = state;
	uint8_t ipad[SHA1_BLOCK], opad[SHA1_BLOCK];

	if (key_len < 0 || key_len > SHA1_BLOCK)
		return srtp_err_status_bad_param;
	for (int i = 0; i < SHA1_BLOCK; i++) {
		uint8_t k = i < key_len ? key[i] : 0;

		ipad[i] = k ^ 0x36;
		opad[i] = k ^ 0x5c;
	}
	SHA1_Init(&s->inner);
	SHA1_Update(&s->inner, ipad, sizeof(ipad));
	SHA1_Init(&s->outer);
	SHA1_Update(&s->outer, opad, sizeof(opad));
	s->work = s->inner;
	OPENSSL_cleanse(ipad, sizeof(ipad));
	OPENSSL_cleanse(opad, sizeof(opad));
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_start(void *state)
{
	struct hmac *s = state;

	s->work = s->inner;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *buf,
				     int len)
{
	struct hmac *s = state;

	if (len < 0)
		return srtp_err_status_bad_param;
	SHA1_Update(&s->work, buf, (size_t)len);
	return srtp_err_status_ok;
}

/* Also restarts, so a compute without a start hashes a fresh message. */
static srtp_err_status_t hmac_compute(void *state, const uint8_t *buf,
				      int len, int tag_len, uint8_t *tag)
{
	struct hmac *s = state;
	uint8_t h[SHA1_LEN];
	SHA_CTX o;

	if (len < 0 || tag_len < 0 || tag_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	SHA1_Update(&s->work, buf, (size_t)len);
	SHA1_Final(h, &s->work);
	o = s->outer;
	SHA1_Update(&o, h, sizeof(h));
	SHA1_Final(h, &o);
	memcpy(tag, h, (size_t)tag_len);
	s->work = s->inner;
	return srtp_err_status_ok;
}

/* ---- known answers, which libsrtp runs before accepting a type ---- */

/* RFC 3711 B.2: session key and salt, index 0, SSRC 0; the plaintext is
 * zeros, so the ciphertext is the first 32 bytes of the keystream. */
static const uint8_t icm_128_key[ICM_128_KEY] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_128_ks[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80,
	0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
	0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
/* RFC 6188 7.1: the same with a 256-bit session key. */
static const uint8_t icm_256_key[ICM_256_KEY] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70,
	0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82,
	0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_256_ks[32] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25,
	0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6,
	0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
};
static const uint8_t zeros[32];
static uint8_t icm_nonce[16];	/* libsrtp's test case wants it mutable */

static const srtp_cipher_test_case_t icm_128_test = {
	ICM_128_KEY, icm_128_key, icm_nonce, 32, zeros, 32, icm_128_ks,
	0, NULL, 0, NULL,
};
static const srtp_cipher_test_case_t icm_256_test = {
	ICM_256_KEY, icm_256_key, icm_nonce, 32, zeros, 32, icm_256_ks,
	0, NULL, 0, NULL,
};

/* RFC 7714 16.1.1: AEAD_AES_128_GCM on an RTP packet; the IV is the one
 * the RFC computes (salt applied), the AAD the 12-byte header. */
static const uint8_t gcm_128_key[GCM_128_KEY] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f,
	0x20, 0x71, 0x75, 0x6f,
};
static uint8_t gcm_128_iv[GCM_IV] = {
	0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f,
	0x20, 0x71, 0x84, 0x14,
};
static const uint8_t gcm_128_aad[12] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2,
};
static const uint8_t gcm_128_pt[38] = {	/* "Gallia est omnis..." */
	0x47, 0x61, 0x6c, 0x6c, 0x69, 0x61, 0x20, 0x65,
	0x73, 0x74, 0x20, 0x6f, 0x6d, 0x6e, 0x69, 0x73,
	0x20, 0x64, 0x69, 0x76, 0x69, 0x73, 0x61, 0x20,
	0x69, 0x6e, 0x20, 0x70, 0x61, 0x72, 0x74, 0x65,
	0x73, 0x20, 0x74, 0x72, 0x65, 0x73,
};
static const uint8_t gcm_128_ct[38 + GCM_TAG] = {
	0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c,
	0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e, 0x4b, 0xca,
	0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f,
	0x42, 0xa5, 0xf4, 0x7a, 0x51, 0xc7, 0xd1, 0x9b,
	0x36, 0xde, 0x3a, 0xdf, 0x88, 0x33,
	0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1, 0x6a, 0x91,
	0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce,
};
/* The 8-octet tag is the first half of the 16-octet one (RFC 7714 7.2) */
static const srtp_cipher_test_case_t gcm_128_test_8 = {
	GCM_128_KEY, gcm_128_key, gcm_128_iv, 38, gcm_128_pt,
	38 + GCM_TAG_8, gcm_128_ct, 12, gcm_128_aad, GCM_TAG_8, NULL,
};
static const srtp_cipher_test_case_t gcm_128_test = {
	GCM_128_KEY, gcm_128_key, gcm_128_iv, 38, gcm_128_pt,
	38 + GCM_TAG, gcm_128_ct, 12, gcm_128_aad, GCM_TAG, &gcm_128_test_8,
};

/* RFC 7714 17.2: AEAD_AES_256_GCM on an SRTCP packet, index 0x5d4 with
 * E set: the AAD is the 8-byte header then the E||index word. */
static const uint8_t gcm_256_key[GCM_256_KEY] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f,
	0x20, 0x71, 0x75, 0x6f,
};
static uint8_t gcm_256_iv[GCM_IV] = {
	0x51, 0x75, 0x24, 0x05, 0x52, 0x03, 0x72, 0x6f,
	0x20, 0x71, 0x70, 0xbb,
};
static const uint8_t gcm_256_aad[12] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x80, 0x00, 0x05, 0xd4,
};
static const uint8_t gcm_256_pt[44] = {
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef,
};
static const uint8_t gcm_256_ct[44 + GCM_TAG] = {
	0xd5, 0x0a, 0xe4, 0xd1, 0xf5, 0xce, 0x5d, 0x30,
	0x4b, 0xa2, 0x97, 0xe4, 0x7d, 0x47, 0x0c, 0x28,
	0x2c, 0x3e, 0xce, 0x5d, 0xbf, 0xfe, 0x0a, 0x50,
	0xa2, 0xea, 0xa5, 0xc1, 0x11, 0x05, 0x55, 0xbe,
	0x84, 0x15, 0xf6, 0x58, 0xc6, 0x1d, 0xe0, 0x47,
	0x6f, 0x1b, 0x6f, 0xad,
	0x1d, 0x1e, 0xb3, 0x0c, 0x44, 0x46, 0x83, 0x9f,
	0x57, 0xff, 0x6f, 0x6c, 0xb2, 0x6a, 0xc3, 0xbe,
};
static const srtp_cipher_test_case_t gcm_256_test = {
	GCM_256_KEY, gcm_256_key, gcm_256_iv, 44, gcm_256_pt,
	44 + GCM_TAG, gcm_256_ct, 12, gcm_256_aad, GCM_TAG, NULL,
};

/* RFC 2202 test case 1. */
static const uint8_t hmac_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[8] = "Hi There";
static const uint8_t hmac_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_test = {
	20, hmac_key, 8, hmac_data, 20, hmac_tag, NULL,
};

/* ---- the types ---- */

static const srtp_cipher_type_t icm_128 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt,
	icm_set_iv, NULL, "AES-128 ICM using OpenSSL (rtcgate)",
	&icm_128_test, SRTP_AES_ICM_128,
};
static const srtp_cipher_type_t icm_256 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_crypt, icm_crypt,
	icm_set_iv, NULL, "AES-256 ICM using OpenSSL (rtcgate)",
	&icm_256_test, SRTP_AES_ICM_256,
};
static const srtp_cipher_type_t gcm_128 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt,
	gcm_decrypt, gcm_set_iv, gcm_get_tag,
	"AES-128 GCM using OpenSSL (rtcgate)", &gcm_128_test,
	SRTP_AES_GCM_128,
};
static const srtp_cipher_type_t gcm_256 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt,
	gcm_decrypt, gcm_set_iv, gcm_get_tag,
	"AES-256 GCM using OpenSSL (rtcgate)", &gcm_256_test,
	SRTP_AES_GCM_256,
};
static const srtp_auth_type_t hmac_sha1 = {
	hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update,
	hmac_start, "HMAC-SHA1 using OpenSSL (rtcgate)", &hmac_test,
	SRTP_HMAC_SHA1,
};

static const srtp_cipher_type_t *const ciphers[] = {
	&icm_128, &icm_256, &gcm_128, &gcm_256,
};

const srtp_cipher_type_t *srtp_ossl_cipher_type(srtp_cipher_type_id_t id)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (ciphers[i]->id == id)
			return ciphers[i];
	return NULL;
}

const srtp_auth_type_t *srtp_ossl_auth_type(void)
{
	return &hmac_sha1;
}

int srtp_ossl_install(void)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (srtp_replace_cipher_type(ciphers[i], ciphers[i]->id) !=
		    srtp_err_status_ok)
			return EIO;
	if (srtp_replace_auth_type(&hmac_sha1, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok)
		return EIO;
	return 0;
}
