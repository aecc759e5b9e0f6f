/* srtpx: libsrtp2 sessions for one leg, and SDES keys (RFC 4568).
 *
 * Policies follow MEDIA-NOTES ("SRTP profile, keys, libsrtp2"): GCM uses
 * the 16-byte tag for RTP and RTCP (RFC 7714 14.2); AES-CM uses the
 * HMAC-SHA1-80 defaults, and for the 32-bit suite only RTP gets the short
 * tag, SRTCP keeps 80 bits (RFC 5764 4.1.2, RFC 4568 6.2.2).
 */
#include "srtpx.h"
#include "srtp_ossl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <srtp2/srtp.h>

_Static_assert(SRTPX_TRAILER_MAX >= SRTP_MAX_TRAILER_LEN + 4,
	       "SRTCP adds its index to libsrtp's trailer");
_Static_assert(SRTPX_MASTER_MAX <= SRTP_MAX_KEY_LEN,
	       "libsrtp must hold our largest master key");

enum {
	REPLAY_WINDOW = 1024,
	REKEY_COPY_MAX = 1600,	/* a datagram tried with two keys */
};

static const struct prof {
	enum srtpx_profile id;
	const char *suite;	/* SDES name: RFC 4568 6.2, RFC 7714 14.2 */
	size_t master_len;	/* key || salt */
	void (*rtp)(srtp_crypto_policy_t *p);
	void (*rtcp)(srtp_crypto_policy_t *p);
} profs[] = {
	{ SRTPX_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16 + 12,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ SRTPX_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32 + 12,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth },
	{ SRTPX_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16 + 14,
	  srtp_crypto_policy_set_rtp_default,
	  srtp_crypto_policy_set_rtcp_default },
	{ SRTPX_AES128_CM_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16 + 14,
	  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtcp_default },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct srtpx {
	srtp_t out;		/* protect: our key, any outbound SSRC */
	srtp_t in;		/* unprotect: peer's key, any inbound SSRC */
	srtp_t in_old;		/* the peer's previous key, after a re-key,
				   until its new one has verified a packet */
	enum srtpx_profile profile;
	int protect_status;	/* libsrtp's, of the last failed protect */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_err;

/* RTCGATE_SRTP_BACKEND=libsrtp keeps libsrtp's own (on Debian: NSS)
 * primitives, to compare; otherwise ours (srtp_ossl.h).  mediad's mcfg.c
 * rejects other values at start. */
static void global_init(void)
{
	const char *b = getenv("RTCGATE_SRTP_BACKEND");

	init_err = srtp_init() == srtp_err_status_ok ? 0 : EIO;
	if (!init_err && !(b && !strcmp(b, "libsrtp")))
		init_err = srtp_ossl_install();
}

int srtpx_global_init(void)
{
	pthread_once(&init_once, global_init);
	return init_err;
}

static const struct prof *prof_find(enum srtpx_profile id)
{
	for (size_t i = 0; i < ARRAY_LEN(profs); i++)
		if (profs[i].id == id)
			return &profs[i];
	return NULL;
}

size_t srtpx_master_len(enum srtpx_profile profile)
{
	const struct prof *p = prof_find(profile);

	return p ? p->master_len : 0;
}

/* One direction.  libsrtp copies the key into its session. */
static int session_new(srtp_t *s, const struct prof *p, const uint8_t *key,
		       srtp_ssrc_type_t type)
{
	uint8_t k[SRTPX_MASTER_MAX];
	srtp_policy_t pol;
	srtp_err_status_t st;

	memset(&pol, 0, sizeof(pol));
	memcpy(k, key, p->master_len);	/* libsrtp wants a mutable key */
	p->rtp(&pol.rtp);
	p->rtcp(&pol.rtcp);
	pol.ssrc.type = type;
	pol.ssrc.value = 0;
	pol.key = k;
	pol.window_size = REPLAY_WINDOW;
	/* a NACKed packet is re-protected with its original sequence
	 * number: that is a retransmission, not a reuse of the index */
	pol.allow_repeat_tx = 1;
	st = srtp_create(s, &pol);
	OPENSSL_cleanse(k, sizeof(k));
	if (st == srtp_err_status_ok)
		return 0;
	*s = NULL;
	return st == srtp_err_status_alloc_fail ? ENOMEM : EIO;
}

int srtpx_new(struct srtpx **sxp, enum srtpx_profile profile,
	      const uint8_t *local, const uint8_t *remote, size_t master_len)
{
	const struct prof *p = prof_find(profile);
	struct srtpx *sx;
	int err;

	if (!sxp || !local || !remote)
		return EINVAL;
	if (!p)
		return ENOTSUP;
	if (master_len != p->master_len)
		return EINVAL;
	err = srtpx_global_init();
	if (err)
		return err;
	sx = calloc(1, sizeof(*sx));
	if (!sx)
		return ENOMEM;
	sx->profile = profile;
	err = session_new(&sx->out, p, local, ssrc_any_outbound);
	if (err)
		goto out;
	err = session_new(&sx->in, p, remote, ssrc_any_inbound);
 out:
	if (err)
		srtpx_free(sx);
	else
		*sxp = sx;
	return err;
}

void srtpx_free(struct srtpx *sx)
{
	if (!sx)
		return;
	if (sx->out)
		srtp_dealloc(sx->out);
	if (sx->in)
		srtp_dealloc(sx->in);
	if (sx->in_old)
		srtp_dealloc(sx->in_old);
	free(sx);
}

int srtpx_rekey_in(struct srtpx *sx, const uint8_t *remote,
		   size_t master_len)
{
	const struct prof *p = sx ? prof_find(sx->profile) : NULL;
	srtp_t in;
	int err;

	if (!p || !remote || master_len != p->master_len)
		return EINVAL;
	err = session_new(&in, p, remote, ssrc_any_inbound);
	if (err)
		return err;
	/* The peer switches when it has our answer: what it sent before
	 * (in flight, or sent until then) still carries the old key. */
	if (sx->in_old)
		srtp_dealloc(sx->in_old);
	sx->in_old = sx->in;
	sx->in = in;
	return 0;
}

enum srtpx_profile srtpx_profile(const struct srtpx *sx)
{
	return sx->profile;
}

/* ---- packets ---- */

static int protect_err(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
		return EBADMSG;
	default:
		return EIO;
	}
}

static enum srtpx_verdict verdict_of(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return SRTPX_OK;
	case srtp_err_status_auth_fail:
		return SRTPX_AUTH_FAIL;
	case srtp_err_status_replay_fail:	/* index already seen */
	case srtp_err_status_replay_old:	/* left of the window */
		return SRTPX_REPLAY;
	default:
		return SRTPX_BAD;
	}
}

/* srtp_protect writes its trailer without being told the buffer size. */
static bool room_ok(size_t len, size_t cap)
{
	return len <= (size_t)INT_MAX - SRTPX_TRAILER_MAX &&
		cap >= len + SRTPX_TRAILER_MAX;
}

int srtpx_protect_rtp(struct srtpx *sx, uint8_t *pkt, size_t *len,
		      size_t cap)
{
	srtp_err_status_t st;
	int n;
	int err;

	if (!sx || !pkt || !len)
		return EINVAL;
	if (!room_ok(*len, cap))
		return ENOSPC;
	n = (int)*len;
	st = srtp_protect(sx->out, pkt, &n);
	err = protect_err(st);
	if (err)
		sx->protect_status = (int)st;
	else
		*len = (size_t)n;
	return err;
}

int srtpx_protect_rtcp(struct srtpx *sx, uint8_t *pkt, size_t *len,
		       size_t cap)
{
	srtp_err_status_t st;
	int n;
	int err;

	if (!sx || !pkt || !len)
		return EINVAL;
	if (!room_ok(*len, cap))
		return ENOSPC;
	n = (int)*len;
	st = srtp_protect_rtcp(sx->out, pkt, &n);
	err = protect_err(st);
	if (err)
		sx->protect_status = (int)st;
	else
		*len = (size_t)n;
	return err;
}

int srtpx_protect_status(const struct srtpx *sx)
{
	return sx ? sx->protect_status : 0;
}

static srtp_err_status_t unprotect_one(srtp_t s, uint8_t *pkt, int *n,
				       bool rtcp)
{
	return rtcp ? srtp_unprotect_rtcp(s, pkt, n) : srtp_unprotect(s, pkt, n);
}

/* After srtpx_rekey_in: the new key first, then the old one, on a copy
 * (an AEAD decryption that fails may already have written into the
 * packet).  The first packet the new key verifies retires the old one.
 * Only during a re-key, so the copy costs nothing in the steady state. */
static enum srtpx_verdict unprotect_rekeyed(struct srtpx *sx, uint8_t *pkt,
					    size_t *len, bool rtcp)
{
	uint8_t copy[REKEY_COPY_MAX];
	enum srtpx_verdict v;
	bool kept = *len <= sizeof(copy);
	int n = (int)*len;

	if (kept)
		memcpy(copy, pkt, *len);
	v = verdict_of(unprotect_one(sx->in, pkt, &n, rtcp));
	if (v == SRTPX_OK) {
		srtp_dealloc(sx->in_old);	/* the new key is in use */
		sx->in_old = NULL;
	} else if (v == SRTPX_AUTH_FAIL && kept) {
		memcpy(pkt, copy, *len);
		n = (int)*len;
		v = verdict_of(unprotect_one(sx->in_old, pkt, &n, rtcp));
	}
	if (v == SRTPX_OK)
		*len = (size_t)n;
	return v;
}

enum srtpx_verdict srtpx_unprotect_rtp(struct srtpx *sx, uint8_t *pkt,
				       size_t *len)
{
	enum srtpx_verdict v;
	int n;

	if (!sx || !pkt || !len || *len > INT_MAX)
		return SRTPX_BAD;
	if (sx->in_old)
		return unprotect_rekeyed(sx, pkt, len, false);
	n = (int)*len;
	v = verdict_of(srtp_unprotect(sx->in, pkt, &n));
	if (v == SRTPX_OK)
		*len = (size_t)n;
	return v;
}

enum srtpx_verdict srtpx_unprotect_rtcp(struct srtpx *sx, uint8_t *pkt,
					size_t *len)
{
	enum srtpx_verdict v;
	int n;

	if (!sx || !pkt || !len || *len > INT_MAX)
		return SRTPX_BAD;
	if (sx->in_old)
		return unprotect_rekeyed(sx, pkt, len, true);
	n = (int)*len;
	v = verdict_of(srtp_unprotect_rtcp(sx->in, pkt, &n));
	if (v == SRTPX_OK)
		*len = (size_t)n;
	return v;
}

const char *srtpx_verdict_name(enum srtpx_verdict v)
{
	static const char *const names[] = {
		[SRTPX_OK] = "ok",
		[SRTPX_AUTH_FAIL] = "authentication failed",
		[SRTPX_REPLAY] = "replayed",
		[SRTPX_BAD] = "malformed",
	};

	return (unsigned)v < ARRAY_LEN(names) ? names[v] : "?";
}

/* ---- SDES (RFC 4568) ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

/* RFC 4648 4 with padding; out needs 4 * ceil(n / 3) + 1 bytes. */
static void b64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Strict decoder: alphabet only, padding only at the end and only as
 * much as the length needs (or none), unused bits zero.  A key that
 * decodes two ways is a key we would get wrong. */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap,
		      size_t *outlen)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t o = 0, data = n;

	while (data > 0 && n - data < 2 && s[data - 1] == '=')
		data--;
	if (data < n && (n % 4 || data % 4 == 1))
		return EINVAL;	/* padding, but not to a whole group */
	if (data % 4 == 1)
		return EINVAL;	/* 6 bits cannot end a byte */
	for (size_t i = 0; i < data; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return EINVAL;
		acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return EINVAL;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return EINVAL;
	*outlen = o;
	return 0;
}

int srtpx_sdes_suite(const char *suite, enum srtpx_profile *profile)
{
	if (!suite || !profile)
		return EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(profs); i++) {
		/* RFC 4568 9.2: suite names are case-sensitive */
		if (!strcmp(suite, profs[i].suite)) {
			*profile = profs[i].id;
			return 0;
		}
	}
	return ENOTSUP;
}

const char *srtpx_sdes_suite_name(enum srtpx_profile profile)
{
	const struct prof *p = prof_find(profile);

	return p ? p->suite : NULL;
}

int srtpx_sdes_generate(struct srtpx_sdes *sd, const char *suite,
			char *out, size_t cap)
{
	static const char method[] = "inline:";
	const struct prof *p;
	enum srtpx_profile id;
	int err;

	if (!sd || !out)
		return EINVAL;
	err = srtpx_sdes_suite(suite, &id);
	if (err)
		return err;
	p = prof_find(id);
	if (cap < sizeof(method) + 4 * ((p->master_len + 2) / 3))
		return ENOSPC;
	if (RAND_bytes(sd->master, (int)p->master_len) != 1)
		return EIO;
	sd->profile = id;
	sd->master_len = p->master_len;
	memcpy(out, method, sizeof(method) - 1);
	b64_encode(out + sizeof(method) - 1, sd->master, p->master_len);
	return 0;
}

/* lifetime = ["2^"] 1*DIGIT (RFC 4568 9.2); the value is not used. */
static bool lifetime_ok(const char *s, size_t n)
{
	if (n > 2 && s[0] == '2' && s[1] == '^')
		s += 2, n -= 2;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* After the key: up to two "|field"s, a lifetime then an MKI. */
static int sdes_check_tail(const char *s, const char **why)
{
	for (int field = 0; *s == '|'; field++) {
		const char *f = s + 1;
		size_t n = strcspn(f, "|");

		if (memchr(f, ':', n)) {
			*why = "MKI not supported";
			return ENOTSUP;
		}
		if (field > 0 || !lifetime_ok(f, n)) {
			*why = "bad key lifetime";
			return EINVAL;
		}
		s = f + n;
	}
	if (*s) {
		*why = "bad key-params syntax";
		return EINVAL;
	}
	return 0;
}

static int sdes_parse(struct srtpx_sdes *sd, const struct prof *p,
		      const char *kp, const char **why)
{
	static const char method[] = "inline:";
	uint8_t key[SRTPX_MASTER_MAX + 3];
	size_t klen, n;
	int err;

	if (strchr(kp, ';')) {
		*why = "several keys not supported";
		return ENOTSUP;
	}
	if (strncasecmp(kp, method, sizeof(method) - 1)) {
		*why = "key method is not inline";
		return EINVAL;
	}
	kp += sizeof(method) - 1;
	n = strcspn(kp, "|");
	err = sdes_check_tail(kp + n, why);
	if (err)
		return err;
	if (b64_decode(kp, n, key, sizeof(key), &klen)) {
		*why = "bad base64 in key";
		return EINVAL;
	}
	if (klen != p->master_len) {
		OPENSSL_cleanse(key, sizeof(key));
		*why = "wrong key length for suite";
		return EINVAL;
	}
	sd->profile = p->id;
	sd->master_len = klen;
	memcpy(sd->master, key, klen);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

int srtpx_sdes_parse(struct srtpx_sdes *sd, const char *suite,
		     const char *key_params, const char **why)
{
	const char *dummy;
	enum srtpx_profile id;
	int err;

	if (!why)
		why = &dummy;
	*why = "";
	if (!sd || !suite || !key_params) {
		*why = "missing argument";
		return EINVAL;
	}
	err = srtpx_sdes_suite(suite, &id);
	if (err) {
		*why = "unknown crypto suite";
		return err;
	}
	return sdes_parse(sd, prof_find(id), key_params, why);
}
