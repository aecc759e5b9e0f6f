/* dtls: DTLS-SRTP (RFC 5764) with OpenSSL 3 over memory BIOs.
 *
 * Measured behaviour this code relies on is in MEDIA-NOTES ("DTLS with
 * OpenSSL 3 and memory BIOs"): a memory BIO is a byte stream, so output is
 * re-split at record boundaries; OpenSSL never resends a flight on its own
 * when the peer repeats, so retransmission is driven by our caller through
 * a faster timer callback; SSL_CTX_set_tlsext_use_srtp returns 0 on
 * success.
 */
#include "dtls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

enum {
	CERT_DAYS_BEFORE = 1,		/* tolerate peers with a slow clock */
	CERT_DAYS_AFTER = 365,		/* peers check the fingerprint only */
	TIMER_FIRST_US = 100000,	/* MEDIA-NOTES: a lost flight 100 ms */
	TIMER_MAX_US = 2000000,
	SRTP_KEY_LEN = 16,		/* AES-128 in every profile we offer */
};

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"	/* RFC 5764 4.2 */

/* AEAD suites only, for an ECDSA certificate: browsers offer them all,
 * and framing_ok() must know the smallest valid sealed record. */
#define CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384"

/* GCM first: OpenSSL as server applies its own order (MEDIA-NOTES). */
#define DEFAULT_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

struct dtls_ctx {
	SSL_CTX *ssl_ctx;
	char fingerprint[DTLS_FP_LEN];
};

struct dtls_conn {
	SSL *ssl;
	BIO *rbio;			/* owned by ssl */
	BIO *wbio;			/* owned by ssl */
	enum dtls_role role;
	enum dtls_state state;
	enum dtls_fail fail;
	char reason[DTLS_REASON_LEN];
	uint64_t start_us;
	const EVP_MD *remote_md;
	uint8_t remote_fp[EVP_MAX_MD_SIZE];
	unsigned int remote_fp_len;
	int alert_rcvd;			/* last alert from the peer, or -1 */
	int alert_sent;			/* last alert we sent, or -1 */
	struct dtls_srtp_keys keys;
	struct dtls_stats stats;
};

/* SDP names (RFC 8122 5) of the hashes we accept for a=fingerprint. */
static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} fp_algs[] = {
	{ "sha-1", EVP_sha1 },
	{ "sha-224", EVP_sha224 },
	{ "sha-256", EVP_sha256 },
	{ "sha-384", EVP_sha384 },
	{ "sha-512", EVP_sha512 },
};

static const struct {
	enum dtls_srtp_profile id;
	const char *name;		/* OpenSSL's name */
	size_t salt_len;		/* RFC 5764 4.1.2, RFC 7714 12 */
} profiles[] = {
	{ DTLS_SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", 12 },
	{ DTLS_SRTP_AES128_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80", 14 },
	{ DTLS_SRTP_AES128_CM_SHA1_32, "SRTP_AES128_CM_SHA1_32", 14 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- node context: key, certificate, SSL_CTX ---- */

/* Random positive 63-bit serial: peers never look at it, but two nodes
 * restarted in the same second should still not share one. */
static int cert_set_serial(X509 *x)
{
	uint64_t serial;

	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		return EIO;
	serial &= INT64_MAX;
	if (!ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial))
		return ENOMEM;
	return 0;
}

static int cert_make(EVP_PKEY *pkey, X509 **xp)
{
	X509 *x = X509_new();
	X509_NAME *name;
	int err = ENOMEM;

	if (!x)
		return ENOMEM;
	if (!X509_set_version(x, X509_VERSION_3))
		goto out;
	err = cert_set_serial(x);
	if (err)
		goto out;
	err = ENOMEM;
	if (!X509_gmtime_adj(X509_getm_notBefore(x),
			     -(long)CERT_DAYS_BEFORE * 86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x),
			     (long)CERT_DAYS_AFTER * 86400))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"rtcgate",
					-1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, pkey))
		goto out;
	err = EIO;
	if (!X509_sign(x, pkey, EVP_sha256()))
		goto out;
	err = 0;
 out:
	if (err)
		X509_free(x);
	else
		*xp = x;
	return err;
}

/* "AB:CD:..." from a digest. */
static void fp_format(char *out, size_t cap, const uint8_t *md,
		      unsigned int len)
{
	size_t o = 0;

	for (unsigned int i = 0; i < len && o + 3 <= cap; i++) {
		snprintf(out + o, cap - o, "%s%02X", i ? ":" : "", md[i]);
		o += i ? 3 : 2;
	}
}

/* The peer's certificate is authenticated by the SDP fingerprint (RFC
 * 5763 5), compared once the handshake completes, not by a CA. */
static int verify_accept(int preverify_ok, X509_STORE_CTX *store)
{
	(void)preverify_ok;
	(void)store;
	return 1;
}

static int ctx_setup(SSL_CTX *sc, EVP_PKEY *pkey, X509 *cert)
{
	if (!SSL_CTX_set_min_proto_version(sc, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(sc, CIPHERS) ||
	    SSL_CTX_use_certificate(sc, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(sc, pkey) != 1 ||
	    SSL_CTX_check_private_key(sc) != 1)
		return EIO;
	/* no resumption or renegotiation: either would change SRTP keys
	 * under a running session */
	SSL_CTX_set_options(sc, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET |
			    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_accept);
	/* inverted convention: 0 is success */
	if (SSL_CTX_set_tlsext_use_srtp(sc, DEFAULT_PROFILES) != 0)
		return EIO;
	return 0;
}

int dtls_ctx_new(struct dtls_ctx **ctxp)
{
	struct dtls_ctx *ctx;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int err;

	if (!ctxp)
		return EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ENOMEM;
	err = EIO;
	pkey = EVP_EC_gen("P-256");
	if (!pkey)
		goto out;
	err = cert_make(pkey, &cert);
	if (err)
		goto out;
	err = ENOMEM;
	ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
	if (!ctx->ssl_ctx)
		goto out;
	err = ctx_setup(ctx->ssl_ctx, pkey, cert);
	if (err)
		goto out;
	err = EIO;
	if (!X509_digest(cert, EVP_sha256(), md, &mdlen))
		goto out;
	fp_format(ctx->fingerprint, sizeof(ctx->fingerprint), md, mdlen);
	err = 0;
 out:
	/* the SSL_CTX holds its own references to key and certificate */
	EVP_PKEY_free(pkey);
	X509_free(cert);
	ERR_clear_error();
	if (err)
		dtls_ctx_free(ctx);
	else
		*ctxp = ctx;
	return err;
}

void dtls_ctx_free(struct dtls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

const char *dtls_ctx_fingerprint(const struct dtls_ctx *ctx)
{
	return ctx->fingerprint;
}

/* ---- per-connection helpers ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "ab:CD:..." with exactly mdlen bytes; RFC 8122 5 (case-insensitive). */
static int fp_parse(const char *hex, uint8_t *out, unsigned int mdlen)
{
	size_t n = strlen(hex);

	if (n != (size_t)mdlen * 3 - 1)
		return EINVAL;
	for (unsigned int i = 0; i < mdlen; i++) {
		const char *p = hex + 3 * i;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || (i + 1 < mdlen && p[2] != ':'))
			return EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int conn_set_remote_fp(struct dtls_conn *conn, const char *alg,
			      const char *hex)
{
	for (size_t i = 0; i < ARRAY_LEN(fp_algs); i++) {
		if (strcasecmp(alg, fp_algs[i].name))
			continue;
		conn->remote_md = fp_algs[i].md();
		conn->remote_fp_len = (unsigned int)EVP_MD_get_size(
			conn->remote_md);
		return fp_parse(hex, conn->remote_fp, conn->remote_fp_len);
	}
	return ENOTSUP;
}

static void conn_failv(struct dtls_conn *conn, enum dtls_fail why,
		       const char *fmt, va_list ap)
{
	conn->state = DTLS_STATE_FAILED;
	conn->fail = why;
	vsnprintf(conn->reason, sizeof(conn->reason), fmt, ap);
}

__attribute__((format(printf, 3, 4)))
static void conn_fail(struct dtls_conn *conn, enum dtls_fail why,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_failv(conn, why, fmt, ap);
	va_end(ap);
}

/* OpenSSL calls this with 0 when it starts a flight's timer and with the
 * current value when the timer fires: start at 100 ms instead of 1 s,
 * then back off (RFC 6347 4.2.4.1), capped so a lossy start recovers
 * within the 10 s deadline. */
static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
	(void)ssl;
	if (timer_us == 0)
		return TIMER_FIRST_US;
	return timer_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : 2 * timer_us;
}

/* Remember alerts as they pass: SSL_get_error says only that the
 * handshake failed, not whether the peer or we gave up, and why. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	struct dtls_conn *conn = SSL_get_app_data(ssl);

	if (!conn || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ)
		conn->alert_rcvd = ret;
	else
		conn->alert_sent = ret;
}

static int conn_ssl_new(struct dtls_conn *conn, SSL_CTX *sc)
{
	conn->ssl = SSL_new(sc);
	if (!conn->ssl)
		return ENOMEM;
	conn->rbio = BIO_new(BIO_s_mem());
	conn->wbio = BIO_new(BIO_s_mem());
	if (!conn->rbio || !conn->wbio) {
		BIO_free(conn->rbio);
		BIO_free(conn->wbio);
		conn->rbio = conn->wbio = NULL;
		return ENOMEM;
	}
	/* empty means "no datagram yet" (WANT_READ), not end of stream */
	BIO_set_mem_eof_return(conn->rbio, -1);
	BIO_set_mem_eof_return(conn->wbio, -1);
	SSL_set_bio(conn->ssl, conn->rbio, conn->wbio);
	/* a memory BIO cannot answer MTU queries */
	SSL_set_options(conn->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(conn->ssl, DTLS_MTU);
	DTLS_set_timer_cb(conn->ssl, timer_cb);
	SSL_set_app_data(conn->ssl, conn);
	SSL_set_info_callback(conn->ssl, info_cb);
	return 0;
}

int dtls_conn_new(struct dtls_ctx *ctx, enum dtls_role role,
		  const char *remote_fp_alg, const char *remote_fp_hex,
		  struct dtls_conn **connp)
{
	struct dtls_conn *conn;
	int err;

	if (!ctx || !remote_fp_alg || !remote_fp_hex || !connp ||
	    (role != DTLS_ROLE_CLIENT && role != DTLS_ROLE_SERVER))
		return EINVAL;
	conn = calloc(1, sizeof(*conn));
	if (!conn)
		return ENOMEM;
	conn->role = role;
	conn->state = DTLS_STATE_NEW;
	conn->alert_rcvd = conn->alert_sent = -1;
	err = conn_set_remote_fp(conn, remote_fp_alg, remote_fp_hex);
	if (err)
		goto out;
	err = conn_ssl_new(conn, ctx->ssl_ctx);
 out:
	ERR_clear_error();
	if (err)
		dtls_conn_free(conn);
	else
		*connp = conn;
	return err;
}

void dtls_conn_free(struct dtls_conn *conn)
{
	if (!conn)
		return;
	SSL_free(conn->ssl);	/* frees both BIOs */
	OPENSSL_cleanse(&conn->keys, sizeof(conn->keys));
	free(conn);
}

int dtls_conn_set_profiles(struct dtls_conn *conn,
			   const enum dtls_srtp_profile *ids, size_t n)
{
	char list[128] = "";
	size_t len = 0;

	if (!conn || !ids || n == 0 || conn->state != DTLS_STATE_NEW)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;

		for (size_t j = 0; j < ARRAY_LEN(profiles); j++)
			if (profiles[j].id == ids[i])
				name = profiles[j].name;
		if (!name)
			return ENOTSUP;
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"%s%s", i ? ":" : "", name);
		if (len >= sizeof(list))
			return EINVAL;
	}
	/* inverted convention: 0 is success */
	if (SSL_set_tlsext_use_srtp(conn->ssl, list) != 0) {
		ERR_clear_error();
		return EINVAL;
	}
	return 0;
}

/* ---- handshake ---- */

/* Name the failure from the alerts seen and OpenSSL's error queue, which
 * is then cleared so that it cannot leak into another connection served
 * by this thread. */
static void conn_fail_ssl(struct dtls_conn *conn, int ssl_err)
{
	unsigned long e = ERR_peek_last_error();
	const char *lib = e ? ERR_reason_error_string(e) : NULL;

	if (ssl_err == SSL_ERROR_ZERO_RETURN)
		conn_fail(conn, DTLS_FAIL_ALERT,
			  "peer closed during the handshake");
	else if (conn->alert_rcvd >= 0)
		conn_fail(conn, DTLS_FAIL_ALERT, "received alert: %s",
			  SSL_alert_desc_string_long(conn->alert_rcvd));
	else if (conn->alert_sent >= 0)
		conn_fail(conn, DTLS_FAIL_PROTOCOL, "sent alert: %s (%s)",
			  SSL_alert_desc_string_long(conn->alert_sent),
			  lib ? lib : "no detail");
	else if (ssl_err == SSL_ERROR_SSL)
		conn_fail(conn, DTLS_FAIL_PROTOCOL, "protocol error: %s",
			  lib ? lib : "no detail");
	else
		conn_fail(conn, DTLS_FAIL_INTERNAL, "OpenSSL error %d (%s)",
			  ssl_err, lib ? lib : "no detail");
	ERR_clear_error();
}

/* RFC 5763 5: the certificate must hash to the SDP a=fingerprint. */
static bool conn_peer_fp_ok(struct dtls_conn *conn)
{
	X509 *peer = SSL_get1_peer_certificate(conn->ssl);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool ok;

	if (!peer)
		return false;
	ok = X509_digest(peer, conn->remote_md, md, &len) &&
		len == conn->remote_fp_len &&
		CRYPTO_memcmp(md, conn->remote_fp, len) == 0;
	X509_free(peer);
	return ok;
}

/* RFC 5764 4.2: the exporter yields client key | server key | client
 * salt | server salt; the DTLS server protects with the server half. */
static int conn_export_keys(struct dtls_conn *conn, unsigned long id)
{
	struct dtls_srtp_keys *k = &conn->keys;
	uint8_t km[2 * DTLS_SRTP_MASTER_MAX];
	const uint8_t *ck, *sk, *cs, *ss;
	size_t i;

	for (i = 0; i < ARRAY_LEN(profiles); i++)
		if (profiles[i].id == id)
			break;
	if (i == ARRAY_LEN(profiles))
		return ENOTSUP;
	k->profile = profiles[i].id;
	k->key_len = SRTP_KEY_LEN;
	k->salt_len = profiles[i].salt_len;
	k->master_len = k->key_len + k->salt_len;
	if (SSL_export_keying_material(conn->ssl, km, 2 * k->master_len,
				       EXPORTER_LABEL,
				       strlen(EXPORTER_LABEL),
				       NULL, 0, 0) != 1)
		return EIO;
	ck = km;
	sk = ck + k->key_len;
	cs = sk + k->key_len;
	ss = cs + k->salt_len;
	if (!SSL_is_server(conn->ssl)) {
		const uint8_t *t = ck;

		ck = sk, sk = t;	/* "sk" is now ours, "ck" theirs */
		t = cs, cs = ss, ss = t;
	}
	memcpy(k->local, sk, k->key_len);
	memcpy(k->local + k->key_len, ss, k->salt_len);
	memcpy(k->remote, ck, k->key_len);
	memcpy(k->remote + k->key_len, cs, k->salt_len);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

static void conn_handshake_done(struct dtls_conn *conn)
{
	const SRTP_PROTECTION_PROFILE *p;

	if (!conn_peer_fp_ok(conn)) {
		/* tell the peer rather than leave it waiting for media */
		SSL_shutdown(conn->ssl);
		conn_fail(conn, DTLS_FAIL_FINGERPRINT, "fingerprint mismatch");
		return;
	}
	p = SSL_get_selected_srtp_profile(conn->ssl);
	if (!p) {
		SSL_shutdown(conn->ssl);
		conn_fail(conn, DTLS_FAIL_NO_SRTP, "no SRTP profile");
		return;
	}
	if (conn_export_keys(conn, p->id)) {
		SSL_shutdown(conn->ssl);
		conn_fail(conn, DTLS_FAIL_NO_SRTP,
			  "cannot key SRTP profile %s", p->name);
		return;
	}
	conn->state = DTLS_STATE_CONNECTED;
}

static void conn_step_handshake(struct dtls_conn *conn)
{
	int ret;

	ERR_clear_error();
	ret = SSL_do_handshake(conn->ssl);
	if (ret == 1) {
		conn_handshake_done(conn);
		ERR_clear_error();
		return;
	}
	ret = SSL_get_error(conn->ssl, ret);
	if (ret == SSL_ERROR_WANT_READ || ret == SSL_ERROR_WANT_WRITE)
		return;
	conn_fail_ssl(conn, ret);
}

/* Once connected the peer may still send alerts, a repeated Finished
 * (its copy of our last flight was lost; OpenSSL answers it here) or,
 * with a data channel we do not offer, application data. */
static void conn_read_established(struct dtls_conn *conn)
{
	uint8_t buf[2048];
	int ret;

	for (;;) {
		ERR_clear_error();
		ret = SSL_read(conn->ssl, buf, sizeof(buf));
		if (ret > 0) {
			conn->stats.app_data += (uint64_t)ret;
			continue;
		}
		ret = SSL_get_error(conn->ssl, ret);
		if (ret == SSL_ERROR_WANT_READ || ret == SSL_ERROR_WANT_WRITE)
			return;
		if (ret == SSL_ERROR_ZERO_RETURN) {
			conn->state = DTLS_STATE_CLOSED;
			snprintf(conn->reason, sizeof(conn->reason),
				 "closed by peer");
			ERR_clear_error();
			return;
		}
		conn_fail_ssl(conn, ret);
		return;
	}
}

int dtls_conn_start(struct dtls_conn *conn, uint64_t now_us)
{
	if (!conn || conn->state != DTLS_STATE_NEW)
		return EINVAL;
	conn->start_us = now_us;
	conn->state = DTLS_STATE_HANDSHAKING;
	if (conn->role == DTLS_ROLE_SERVER) {
		SSL_set_accept_state(conn->ssl);
		return 0;
	}
	SSL_set_connect_state(conn->ssl);
	conn_step_handshake(conn);	/* queues the ClientHello */
	return conn->state == DTLS_STATE_FAILED ? EIO : 0;
}

/* Smallest body of a record sealed with the negotiated AEAD: explicit
 * nonce and tag for AES-GCM (RFC 5288 3), the tag alone for ChaCha20
 * (RFC 7905 2).  Before a cipher is chosen no sealed record is valid, and
 * GCM's bound is the larger one. */
static size_t conn_min_sealed(const struct dtls_conn *conn)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);

	if (!c)
		c = SSL_get_pending_cipher(conn->ssl);
	if (c && SSL_CIPHER_get_cipher_nid(c) == NID_chacha20_poly1305)
		return 16;
	return 8 + 16;
}

/* RFC 6347 4.1: a datagram is a sequence of whole records, each a
 * 13-byte header (type, version, epoch, sequence, length) and its body.
 * Checked before OpenSSL sees it, so that garbage is counted and cannot
 * sit in the read BIO to merge with the next datagram.  Sealed records
 * (epoch > 0) shorter than the AEAD overhead are refused here because
 * OpenSSL 3.0 answers them with a fatal internal_error instead of
 * dropping them (openssl#25290): one forged datagram would end the
 * association, which RFC 6347 4.1.2.7 says must not happen. */
static bool framing_ok(const struct dtls_conn *conn, const uint8_t *p,
		       size_t len)
{
	size_t min_sealed = conn_min_sealed(conn);

	if (len < DTLS_REC_HDR)
		return false;
	while (len > 0) {
		size_t body;

		if (len < DTLS_REC_HDR)
			return false;
		/* change_cipher_spec(20) .. application_data(23), DTLS 1.x;
		 * heartbeat and tls12_cid are never negotiated */
		if (p[0] < 20 || p[0] > 23 || p[1] != 0xFE)
			return false;
		body = (size_t)p[11] << 8 | p[12];
		if (body > len - DTLS_REC_HDR)
			return false;
		if ((p[3] || p[4]) && body < min_sealed)
			return false;
		p += DTLS_REC_HDR + body;
		len -= DTLS_REC_HDR + body;
	}
	return true;
}

int dtls_conn_input(struct dtls_conn *conn, const uint8_t *pkt, size_t len)
{
	if (!conn || !pkt || conn->state == DTLS_STATE_NEW)
		return EINVAL;
	if (conn->state == DTLS_STATE_FAILED ||
	    conn->state == DTLS_STATE_CLOSED) {
		conn->stats.late++;
		return ENOTCONN;
	}
	if (len > INT32_MAX || !framing_ok(conn, pkt, len)) {
		conn->stats.malformed++;
		return EBADMSG;
	}
	/* OpenSSL consumes a whole datagram per read; anything left over
	 * from a previous one must not be glued to this one */
	if (BIO_ctrl_pending(conn->rbio) > 0)
		(void)BIO_reset(conn->rbio);
	if (BIO_write(conn->rbio, pkt, (int)len) != (int)len) {
		ERR_clear_error();
		return ENOMEM;
	}
	if (conn->state == DTLS_STATE_HANDSHAKING)
		conn_step_handshake(conn);
	/* records after the Finished may share its datagram */
	if (conn->state == DTLS_STATE_CONNECTED)
		conn_read_established(conn);
	return 0;
}

/* ---- output and timers ---- */

/* Length of the record at p, or all of len if the header is cut (cannot
 * happen with OpenSSL's own output; keeps the loop finite regardless). */
static size_t record_len(const uint8_t *p, size_t len)
{
	size_t n;

	if (len < DTLS_REC_HDR)
		return len;
	n = DTLS_REC_HDR + ((size_t)p[11] << 8 | p[12]);
	return n < len ? n : len;
}

/* Drop n bytes from the write BIO through buf (no allocation). */
static void wbio_discard(BIO *wbio, uint8_t *buf, size_t cap, size_t n)
{
	while (n > 0 && cap > 0) {
		size_t chunk = n < cap ? n : cap;

		if (BIO_read(wbio, buf, (int)chunk) <= 0)
			break;
		n -= chunk;
	}
}

size_t dtls_conn_output(struct dtls_conn *conn, uint8_t *buf, size_t cap)
{
	size_t limit = cap < DTLS_MTU ? cap : DTLS_MTU;

	if (!conn || !buf || cap == 0)
		return 0;
	for (;;) {
		char *data = NULL;
		long avail = BIO_get_mem_data(conn->wbio, &data);
		size_t n = 0, first;

		if (avail <= 0 || !data)
			return 0;
		first = record_len((const uint8_t *)data, (size_t)avail);
		/* pack whole records: a split record is lost to the peer */
		while (n < (size_t)avail) {
			size_t r = record_len((const uint8_t *)data + n,
					      (size_t)avail - n);

			if (n + r > limit)
				break;
			n += r;
		}
		if (n > 0)
			return BIO_read(conn->wbio, buf, (int)n) == (int)n ?
				n : 0;
		/* one record larger than buf: sending part of it is
		 * useless, so drop it and let retransmission cope */
		conn->stats.out_dropped++;
		wbio_discard(conn->wbio, buf, cap, first);
	}
}

int64_t dtls_conn_timeout_us(struct dtls_conn *conn)
{
	struct timeval tv;

	if (!conn || conn->state != DTLS_STATE_HANDSHAKING ||
	    DTLSv1_get_timeout(conn->ssl, &tv) != 1)
		return -1;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

void dtls_conn_handle_timeout(struct dtls_conn *conn)
{
	if (!conn || conn->state != DTLS_STATE_HANDSHAKING)
		return;
	ERR_clear_error();
	/* < 0: OpenSSL gave up after its retransmission limit */
	if (DTLSv1_handle_timeout(conn->ssl) < 0) {
		conn_fail(conn, DTLS_FAIL_TIMEOUT,
			  "handshake timeout (retransmissions exhausted)");
		ERR_clear_error();
	}
}

bool dtls_conn_expired(struct dtls_conn *conn, uint64_t now_us)
{
	if (!conn)
		return false;
	/* now before start: another clock, not a reason to fail */
	if (conn->state == DTLS_STATE_HANDSHAKING &&
	    now_us >= conn->start_us &&
	    now_us - conn->start_us >= DTLS_HANDSHAKE_TIMEOUT_US)
		conn_fail(conn, DTLS_FAIL_TIMEOUT,
			  "handshake not done in %d s",
			  DTLS_HANDSHAKE_TIMEOUT_US / 1000000);
	return conn->fail == DTLS_FAIL_TIMEOUT;
}

void dtls_conn_close(struct dtls_conn *conn)
{
	if (!conn || conn->state == DTLS_STATE_CLOSED ||
	    conn->state == DTLS_STATE_FAILED)
		return;
	if (conn->state == DTLS_STATE_CONNECTED) {
		ERR_clear_error();
		SSL_shutdown(conn->ssl);
		ERR_clear_error();
	}
	conn->state = DTLS_STATE_CLOSED;
	snprintf(conn->reason, sizeof(conn->reason), "closed locally");
}

/* ---- accessors ---- */

enum dtls_state dtls_conn_state(const struct dtls_conn *conn)
{
	return conn->state;
}

enum dtls_fail dtls_conn_fail(const struct dtls_conn *conn)
{
	return conn->fail;
}

const char *dtls_conn_reason(const struct dtls_conn *conn)
{
	return conn->reason;
}

const struct dtls_stats *dtls_conn_stats(const struct dtls_conn *conn)
{
	return &conn->stats;
}

bool dtls_conn_is_server(const struct dtls_conn *conn)
{
	return SSL_is_server(conn->ssl) == 1;
}

int dtls_conn_srtp_keys(const struct dtls_conn *conn,
			struct dtls_srtp_keys *keys)
{
	if (!conn || !keys)
		return EINVAL;
	if (conn->state != DTLS_STATE_CONNECTED)
		return ENOTCONN;
	*keys = conn->keys;
	return 0;
}

const char *dtls_state_name(enum dtls_state s)
{
	static const char *const names[] = {
		[DTLS_STATE_NEW] = "new",
		[DTLS_STATE_HANDSHAKING] = "handshaking",
		[DTLS_STATE_CONNECTED] = "connected",
		[DTLS_STATE_FAILED] = "failed",
		[DTLS_STATE_CLOSED] = "closed",
	};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "?";
}

const char *dtls_fail_name(enum dtls_fail f)
{
	static const char *const names[] = {
		[DTLS_FAIL_NONE] = "none",
		[DTLS_FAIL_FINGERPRINT] = "fingerprint mismatch",
		[DTLS_FAIL_NO_SRTP] = "no SRTP profile",
		[DTLS_FAIL_ALERT] = "alert",
		[DTLS_FAIL_PROTOCOL] = "protocol error",
		[DTLS_FAIL_TIMEOUT] = "timeout",
		[DTLS_FAIL_INTERNAL] = "internal error",
	};

	return (unsigned)f < ARRAY_LEN(names) ? names[f] : "?";
}
