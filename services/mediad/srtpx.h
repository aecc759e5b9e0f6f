/* srtpx: SRTP and SRTCP (RFC 3711, RFC 7714) for one leg of a session,
 * wrapping libsrtp2, plus SDES key handling (RFC 4568) for the SIP leg.
 *
 * A struct srtpx holds two libsrtp sessions: outbound (protect with our
 * key) and inbound (unprotect with the peer's), each accepting any SSRC.
 * It belongs to the worker thread that owns the leg.  Protect and
 * unprotect work in place on the caller's buffer and allocate nothing
 * themselves; libsrtp allocates once per new SSRC seen in a direction
 * (ssrc_any streams are cloned on first use, after authentication).
 *
 * Rollover (RFC 3711 3.3.1): the receiver guesses each packet's rollover
 * counter from its sequence number relative to the highest one seen, so a
 * forward jump must stay below 2^15 packets.  At 50 packets/s that is
 * 10.9 minutes: a session must keep unprotecting everything the peer
 * sends while on hold, not drop packets unread, or the first packet after
 * a longer gap gets a wrong index and the leg goes one-way (REPLAY on
 * every packet).
 *
 * Errors are 0 or a positive errno value.
 */
#ifndef RTCGATE_SRTPX_H
#define RTCGATE_SRTPX_H

#include <stddef.h>
#include <stdint.h>

/* Protection profiles: the IANA DTLS-SRTP numbers (RFC 5764 4.1.2, RFC
 * 7714 14.2), equal to enum dtls_srtp_profile. */
enum srtpx_profile {
	SRTPX_AES128_CM_SHA1_80 = 0x0001,
	SRTPX_AES128_CM_SHA1_32 = 0x0002,
	SRTPX_AEAD_AES_128_GCM = 0x0007,
	SRTPX_AEAD_AES_256_GCM = 0x0008,	/* SDES only, for now */
};

enum {
	SRTPX_MASTER_MAX = 46,	/* master key || salt, largest profile */
	/* room protect needs after the packet: libsrtp's SRTP_MAX_TRAILER_LEN
	 * plus the 4-byte SRTCP index (checked in srtpx.c) */
	SRTPX_TRAILER_MAX = 148,
	/* "inline:" + base64 of SRTPX_MASTER_MAX bytes + NUL */
	SRTPX_SDES_INLINE_MAX = 7 + 4 * ((SRTPX_MASTER_MAX + 2) / 3) + 1,
};

/* What unprotect made of a packet, for per-reason drop counters. */
enum srtpx_verdict {
	SRTPX_OK = 0,
	SRTPX_AUTH_FAIL,	/* tag did not verify: forged, or wrong key */
	SRTPX_REPLAY,		/* seen before, or older than the window */
	SRTPX_BAD,		/* too short, bad header, anything else */
	SRTPX_VERDICT_COUNT
};

struct srtpx;

/* srtp_init, once per process; safe to call from several threads. */
int srtpx_global_init(void);

/* Key length (key || salt) of a profile, 0 for an unknown one. */
size_t srtpx_master_len(enum srtpx_profile profile);

/* local protects what we send, remote unprotects what we receive; both
 * master_len bytes, which must equal srtpx_master_len(profile).  The keys
 * are copied.  Replay window 1024 packets; a retransmission of a packet
 * we already protected (same SSRC and sequence number) is allowed. */
int srtpx_new(struct srtpx **sxp, enum srtpx_profile profile,
	      const uint8_t *local, const uint8_t *remote, size_t master_len);
void srtpx_free(struct srtpx *sx);
/* A new key from the peer (an SDES re-offer or answer that changed it):
 * the inbound session starts again with it, ours goes on (our rollover
 * counter and indices must not start over under the same key).  Until a
 * packet verifies with the new key, one that fails it is tried with the
 * previous key too: the peer switches only when it has our answer. */
int srtpx_rekey_in(struct srtpx *sx, const uint8_t *remote,
		   size_t master_len);
enum srtpx_profile srtpx_profile(const struct srtpx *sx);

/* In place: *len grows by the tag (and SRTCP index).  cap is the buffer
 * size: ENOSPC unless cap >= *len + SRTPX_TRAILER_MAX.  EBADMSG for a
 * packet libsrtp cannot parse, EIO otherwise. */
int srtpx_protect_rtp(struct srtpx *sx, uint8_t *pkt, size_t *len,
		      size_t cap);
int srtpx_protect_rtcp(struct srtpx *sx, uint8_t *pkt, size_t *len,
		       size_t cap);
/* libsrtp's srtp_err_status_t of the last protect that failed inside
 * libsrtp (0: none), for the one log line a session writes about it. */
int srtpx_protect_status(const struct srtpx *sx);

/* In place: on SRTPX_OK *len shrinks to the plain packet; on anything
 * else drop the packet (its bytes may have been changed). */
enum srtpx_verdict srtpx_unprotect_rtp(struct srtpx *sx, uint8_t *pkt,
				       size_t *len);
enum srtpx_verdict srtpx_unprotect_rtcp(struct srtpx *sx, uint8_t *pkt,
					size_t *len);

const char *srtpx_verdict_name(enum srtpx_verdict v);

/* ---- SDES, RFC 4568 ---- */

/* One side's key for one crypto suite. */
struct srtpx_sdes {
	enum srtpx_profile profile;
	size_t master_len;
	uint8_t master[SRTPX_MASTER_MAX];	/* key || salt */
};

/* Profile of an RFC 4568 6.2 / RFC 7714 14.2 suite name
 * ("AES_CM_128_HMAC_SHA1_80"); ENOTSUP for others. */
int srtpx_sdes_suite(const char *suite, enum srtpx_profile *profile);
const char *srtpx_sdes_suite_name(enum srtpx_profile profile);

/* A fresh random key for suite, and its key-params ("inline:<base64>")
 * in out (at least SRTPX_SDES_INLINE_MAX bytes). */
int srtpx_sdes_generate(struct srtpx_sdes *sd, const char *suite,
			char *out, size_t cap);

/* Parse key-params "inline:<base64>[|lifetime][|mki:len]" offered or
 * answered for suite.  One key only, and no MKI (we never use one);
 * lifetime is checked for syntax and otherwise ignored.  EINVAL for bad
 * syntax, base64 or length, ENOTSUP for an unknown suite, an MKI or
 * several keys; *why (if not NULL) gets a reason for the log. */
int srtpx_sdes_parse(struct srtpx_sdes *sd, const char *suite,
		     const char *key_params, const char **why);

#endif
