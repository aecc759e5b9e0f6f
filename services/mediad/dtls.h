/* dtls: DTLS-SRTP key agreement (RFC 5764) over memory BIOs, for mediad's
 * packet path.  No sockets, no timers and no threads here: the worker loop
 * that owns a session feeds received datagrams in, drains datagrams out,
 * asks how long until the next retransmission and passes "now" for the
 * handshake deadline.
 *
 * - struct dtls_ctx: one per media node.  An ECDSA P-256 key and a
 *   self-signed certificate whose SHA-256 fingerprint goes into every SDP
 *   (RFC 5763 5, RFC 8122).  Immutable after dtls_ctx_new, so all worker
 *   threads may create connections from it at once.
 * - struct dtls_conn: one per WebRTC leg, touched only by the thread that
 *   owns the leg.  The peer certificate is accepted during the handshake
 *   and checked against the SDP a=fingerprint once it completes (RFC 5763
 *   5); only then are SRTP keys exported (RFC 5764 4.2).
 *
 * Errors are 0 or a positive errno value.
 */
#ifndef RTCGATE_DTLS_H
#define RTCGATE_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	DTLS_MTU = 1200,		/* largest datagram we emit */
	DTLS_REC_HDR = 13,		/* record header, RFC 6347 4.1 */
	DTLS_FP_LEN = 3 * 64,		/* "AB:CD:..." for SHA-512, with NUL */
	DTLS_SRTP_MASTER_MAX = 46,	/* 32-byte key + 14-byte salt */
	DTLS_REASON_LEN = 96,
	/* the handshake must complete this long after dtls_conn_start */
	DTLS_HANDSHAKE_TIMEOUT_US = 10 * 1000000,
};

/* The digest of our own certificate, as written in a=fingerprint. */
#define DTLS_FP_ALG "sha-256"

enum dtls_role { DTLS_ROLE_CLIENT, DTLS_ROLE_SERVER };

enum dtls_state {
	DTLS_STATE_NEW,		/* created, dtls_conn_start not called yet */
	DTLS_STATE_HANDSHAKING,
	DTLS_STATE_CONNECTED,	/* keys available */
	DTLS_STATE_FAILED,	/* see dtls_conn_fail and dtls_conn_reason */
	DTLS_STATE_CLOSED,	/* close_notify sent or received */
};

/* Why a connection failed: stable codes for events and counters. */
enum dtls_fail {
	DTLS_FAIL_NONE,
	DTLS_FAIL_FINGERPRINT,	/* peer certificate != SDP a=fingerprint */
	DTLS_FAIL_NO_SRTP,	/* no use_srtp profile in common */
	DTLS_FAIL_ALERT,	/* the peer sent a fatal alert */
	DTLS_FAIL_PROTOCOL,	/* we refused the peer's messages */
	DTLS_FAIL_TIMEOUT,	/* deadline or retransmissions exhausted */
	DTLS_FAIL_INTERNAL,	/* OpenSSL failed us (e.g. out of memory) */
};

/* DTLS-SRTP protection profiles: the IANA numbers of RFC 5764 4.1.2 and
 * RFC 7714 14.2, the same values as enum srtpx_profile. */
enum dtls_srtp_profile {
	DTLS_SRTP_AES128_CM_SHA1_80 = 0x0001,
	DTLS_SRTP_AES128_CM_SHA1_32 = 0x0002,
	DTLS_SRTP_AEAD_AES_128_GCM = 0x0007,
};

/* Keys for one leg, already split by direction: "local" protects what we
 * send and "remote" unprotects what we receive.  Each is libsrtp's master
 * key layout, key || salt, master_len bytes long (RFC 5764 4.2). */
struct dtls_srtp_keys {
	enum dtls_srtp_profile profile;
	size_t key_len;		/* 16 */
	size_t salt_len;	/* 14 for AES-CM, 12 for GCM */
	size_t master_len;	/* key_len + salt_len */
	uint8_t local[DTLS_SRTP_MASTER_MAX];
	uint8_t remote[DTLS_SRTP_MASTER_MAX];
};

/* Counters for what the connection dropped; the caller may export them. */
struct dtls_stats {
	uint64_t malformed;	/* datagrams that are not DTLS records */
	uint64_t late;		/* datagrams after FAILED/CLOSED */
	uint64_t app_data;	/* application data bytes discarded */
	uint64_t out_dropped;	/* records larger than the caller's buffer */
};

struct dtls_ctx;
struct dtls_conn;

int dtls_ctx_new(struct dtls_ctx **ctxp);
void dtls_ctx_free(struct dtls_ctx *ctx);
/* "AB:CD:...": upper-case SHA-256 of our certificate, for
 * "a=fingerprint:" DTLS_FP_ALG " " ... (RFC 8122 5). */
const char *dtls_ctx_fingerprint(const struct dtls_ctx *ctx);

/* remote_fp_alg/hex: the peer's a=fingerprint ("sha-256", "sha-1",
 * "sha-384", "sha-512"; hex with colons, any case).  ENOTSUP for another
 * hash, EINVAL for malformed hex.  The connection does not use ctx
 * after this call (OpenSSL counts its own reference to the SSL_CTX). */
int dtls_conn_new(struct dtls_ctx *ctx, enum dtls_role role,
		  const char *remote_fp_alg, const char *remote_fp_hex,
		  struct dtls_conn **connp);
void dtls_conn_free(struct dtls_conn *conn);

/* Restrict the use_srtp offer (client) or the choice (server) to these
 * profiles, in order of preference.  Only before dtls_conn_start. */
int dtls_conn_set_profiles(struct dtls_conn *conn,
			   const enum dtls_srtp_profile *profiles, size_t n);

/* Start the handshake and its deadline.  A client queues its ClientHello
 * (drain dtls_conn_output); a server waits for one.  Call it for both
 * roles, before dtls_conn_input. */
int dtls_conn_start(struct dtls_conn *conn, uint64_t now_us);

/* One received datagram (RFC 7983: first byte 20-63).  0 when it was
 * processed, even if it made the connection fail: check dtls_conn_state.
 * EBADMSG when it was not well-formed DTLS and was dropped (counted),
 * ENOTCONN after FAILED/CLOSED (counted), EINVAL before dtls_conn_start.
 * Afterwards drain dtls_conn_output: input may trigger replies. */
int dtls_conn_input(struct dtls_conn *conn, const uint8_t *pkt, size_t len);

/* Write the next datagram to send into buf: whole records only, at most
 * DTLS_MTU bytes.  Returns its length, 0 when nothing is pending.  cap
 * should be at least DTLS_MTU.  Never allocates. */
size_t dtls_conn_output(struct dtls_conn *conn, uint8_t *buf, size_t cap);

/* Microseconds until dtls_conn_handle_timeout is due (0: now), or -1
 * when no retransmission timer runs.  OpenSSL keeps this timer on its own
 * clock; the deadline below is on the caller's. */
int64_t dtls_conn_timeout_us(struct dtls_conn *conn);
/* Retransmit the last flight if its timer expired (then drain output).
 * Fails the connection (DTLS_FAIL_TIMEOUT) when OpenSSL gives up. */
void dtls_conn_handle_timeout(struct dtls_conn *conn);
/* True when the handshake missed its deadline (the connection is then
 * FAILED with DTLS_FAIL_TIMEOUT) or failed by timeout earlier. */
bool dtls_conn_expired(struct dtls_conn *conn, uint64_t now_us);

enum dtls_state dtls_conn_state(const struct dtls_conn *conn);
enum dtls_fail dtls_conn_fail(const struct dtls_conn *conn);
/* Human-readable failure reason ("fingerprint mismatch", "received alert:
 * handshake failure", ...); "" while not failed. */
const char *dtls_conn_reason(const struct dtls_conn *conn);
const struct dtls_stats *dtls_conn_stats(const struct dtls_conn *conn);
/* Whether OpenSSL acted as DTLS server: decides the key split. */
bool dtls_conn_is_server(const struct dtls_conn *conn);

/* Queue a close_notify for the peer (drain dtls_conn_output) and move to
 * CLOSED: for a session that ends while connected. */
void dtls_conn_close(struct dtls_conn *conn);

/* Copy the negotiated SRTP keys.  ENOTCONN unless CONNECTED. */
int dtls_conn_srtp_keys(const struct dtls_conn *conn,
			struct dtls_srtp_keys *keys);

const char *dtls_state_name(enum dtls_state s);
const char *dtls_fail_name(enum dtls_fail f);

#endif
