/* icelite: the ICE-lite side of one WebRTC leg (RFC 8445 2.5, 6.1.1):
 * answers the browser's connectivity checks and consent-freshness requests
 * (RFC 7675) with libnice's standalone STUN library, and sends nothing of
 * its own.  One struct per leg, owned by the caller (no allocation), used
 * only by the worker thread that owns the leg: no locks.
 *
 * Per received datagram whose first byte is 0-3 (STUN, RFC 7983),
 * icelite_handle() returns a verdict and, when there is something to send
 * back, a reply in the caller's buffer:
 *
 *   ICELITE_REPLY         a valid Binding request: success response built
 *                         (XOR-MAPPED-ADDRESS = the source, RFC 5389 15.2;
 *                         MESSAGE-INTEGRITY, FINGERPRINT); the check's
 *                         PRIORITY and USE-CANDIDATE are in *out, and the
 *                         consent clock (icelite_last_valid_us) moves on.
 *   ICELITE_UNAUTHORIZED  a Binding request that failed authentication:
 *                         USERNAME is not "<our ufrag>:<remote ufrag>",
 *                         or MESSAGE-INTEGRITY does not verify with our
 *                         pwd (401), or USERNAME or MESSAGE-INTEGRITY is
 *                         missing (400).  The error response is built, as
 *                         RFC 5389 10.1.2 requires, without
 *                         MESSAGE-INTEGRITY, unless it would be larger
 *                         than the request (no amplification towards a
 *                         spoofed source: only a 400 to a bare request
 *                         under 48 bytes is withheld).  The caller may
 *                         still rate-limit or drop it.
 *   ICELITE_CONFLICT      an authenticated request from a peer that also
 *                         claims the controlled role (ICE-CONTROLLED).  A
 *                         lite agent may never become controlling (RFC
 *                         8445 6.1.1), so we always answer 487 (Role
 *                         Conflict), which makes a full peer switch to
 *                         controlling (RFC 8445 7.2.5.1).  Never seen
 *                         from Chromium, which sends ICE-CONTROLLING.
 *   ICELITE_BAD           dropped, no reply: not STUN (RFC 7983 bits,
 *                         magic cookie, length), truncated or trailing
 *                         bytes, shorter than a header or longer than
 *                         ICELITE_PKT_MAX, missing or wrong FINGERPRINT
 *                         (RFC 5389 7.3), a method other than Binding, an
 *                         unknown comprehension-required attribute (see
 *                         icelite.c), or a source address we cannot put
 *                         in XOR-MAPPED-ADDRESS.
 *   ICELITE_IGNORE        dropped, no reply: Binding indications (RFC 8445
 *                         11 keepalives) and Binding responses (a lite
 *                         agent sends no requests, so none can match).
 *
 * *reply_len > 0 exactly when there is a datagram to send back to `from`;
 * only REPLY, UNAUTHORIZED and CONFLICT set it.  Verdicts index arrays of
 * ICELITE_VERDICT_COUNT counters.
 *
 * Dead-peer detection: browsers repeat checks on the selected pair about
 * every 2.7 s (RFC 7675 5.1 consent); icelite_last_valid_us() is the
 * icelite_now_us() time of the last REPLY, for the worker to compare.
 *
 * Structs are public only so that callers can own them: treat the fields
 * as private.
 */
#ifndef RTCGATE_ICELITE_H
#define RTCGATE_ICELITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <stun/stunagent.h>

enum icelite_verdict {
	ICELITE_REPLY = 0,
	ICELITE_UNAUTHORIZED,
	ICELITE_CONFLICT,
	ICELITE_BAD,
	ICELITE_IGNORE,
	ICELITE_VERDICT_COUNT
};

enum {
	/* What icelite_init generates: 8 * 6 = 48 random bits of ufrag and
	 * 24 * 6 = 144 of pwd; RFC 8445 5.3 asks for at least 24 and 128. */
	ICELITE_UFRAG_LEN = 8,
	ICELITE_PWD_LEN = 24,
	/* Accepted lengths, RFC 8839 5.4: ice-ufrag 4-256, ice-pwd 22-256
	 * ice-chars. */
	ICELITE_UFRAG_MIN = 4,
	ICELITE_UFRAG_MAX = 256,
	ICELITE_PWD_MIN = 22,
	ICELITE_PWD_MAX = 256,
	/* Longest datagram looked at.  Chrome's checks are 100-104 bytes;
	 * the bound caps the work garbage can cost (RFC 5389 7.1 keeps STUN
	 * over UDP under the path MTU anyway). */
	ICELITE_PKT_MAX = 1280,
	/* Smallest reply buffer icelite_handle accepts: STUN header 20,
	 * XOR-MAPPED-ADDRESS for IPv6 4+20, the echoed USERNAME 4+516 (two
	 * 256-char ufrags and ':', padded), MESSAGE-INTEGRITY 4+20,
	 * FINGERPRINT 4+4.  Error responses are far smaller. */
	ICELITE_REPLY_MAX = 20 + 24 + 520 + 24 + 8,
};

/* What a check carried, filled by icelite_handle (out may be NULL). */
struct icelite_check {
	uint32_t priority;	/* PRIORITY, RFC 8445 7.1.1; 0 if absent */
	/* USE-CANDIDATE: the peer nominates the pair this check came over
	 * (RFC 8445 7.1.2; what a controlled agent does: 7.3.1.5) */
	bool use_candidate;
	uint16_t error_code;	/* STUN ERROR-CODE of the reply built (400,
				 * 401, 487), 0 for none or a success */
};

struct icelite {
	/* RFC 5389 agent, short-term credentials, FINGERPRINT.  11 KB of the
	 * struct's 14, nearly all its table of sent transactions, which a
	 * lite agent never fills (it sends no requests). */
	StunAgent agent;
	uint64_t tie_breaker;	/* RFC 8445 7.1.3, random per leg */
	uint64_t last_valid_us;	/* icelite_now_us() of the last REPLY, or 0 */
	size_t ufrag_len;
	size_t pwd_len;
	/* Expected USERNAME, "<ufrag>:<remote ufrag>" (RFC 8445 7.2.2);
	 * with no remote ufrag, only the "<ufrag>:" prefix is compared. */
	size_t username_len;
	char username[ICELITE_UFRAG_MAX * 2 + 2];
	char ufrag[ICELITE_UFRAG_MAX + 1];
	char pwd[ICELITE_PWD_MAX + 1];
};

/* Fill out[0..n-1] with random ice-chars [A-Za-z0-9+/] (RFC 8839 5.4)
 * from OpenSSL's CSPRNG and NUL-terminate it (out holds n + 1).
 * 0, or EIO when the CSPRNG fails. */
int icelite_random_chars(char *out, size_t n);

/* Set up a leg: fresh random ufrag (8 chars), pwd (24) and tie-breaker,
 * the STUN agent, and the remote ufrag from the offer, or NULL / "" to
 * accept any remote part until icelite_set_remote_ufrag.
 * 0, EINVAL (bad remote ufrag), EIO (CSPRNG) or ELIBBAD: libnice's STUN
 * code is bound to sofia-sip's stun_message_length (the process loads
 * libsofia-sip-ua before libnice; see icelite.c) and cannot work. */
int icelite_init(struct icelite *ice, const char *remote_ufrag);

/* The peer's ufrag once known (e.g. from the answer to our offer); NULL or
 * "" accepts any.  0 or EINVAL (not 4-256 ice-chars); unchanged on error. */
int icelite_set_remote_ufrag(struct icelite *ice, const char *remote_ufrag);

/* ICE restart (RFC 8445 9): replace our ufrag and pwd and the remote
 * ufrag together.  From the next packet on, checks with the old ones get
 * UNAUTHORIZED.  The consent clock is kept: media goes on over the old
 * pair until the peer checks with the new credentials.  0 or EINVAL
 * (lengths or characters outside RFC 8839 5.4); unchanged on error. */
int icelite_set_credentials(struct icelite *ice, const char *ufrag,
			    const char *pwd, const char *remote_ufrag);

/* icelite_set_credentials with freshly generated ufrag and pwd, for the
 * answer to a re-offer that restarts ICE.  0, EINVAL or EIO. */
int icelite_restart(struct icelite *ice, const char *remote_ufrag);

/* Handle one received datagram from `from` (AF_INET or AF_INET6, as
 * returned by recvmmsg).  *reply_len is the capacity of reply on input (at
 * least ICELITE_REPLY_MAX) and the length to send on output (0: send
 * nothing).  Our code allocates nothing and takes no locks; it reads
 * CLOCK_MONOTONIC on REPLY only.  But Debian's libnice computes HMAC-SHA1
 * through GnuTLS, whose gnutls_hmac_init mallocs: measured 2 malloc/free
 * pairs per HMAC, so 4 per REPLY, 2 per failed MESSAGE-INTEGRITY, none on
 * the paths that drop before the HMAC (framing, FINGERPRINT, USERNAME,
 * indications, responses).  No pthread locks were taken. */
enum icelite_verdict icelite_handle(struct icelite *ice, const uint8_t *pkt,
				    size_t len, const struct sockaddr *from,
				    socklen_t fromlen, uint8_t *reply,
				    size_t *reply_len,
				    struct icelite_check *out);

/* Our credentials for the SDP (a=ice-ufrag, a=ice-pwd), and the remote
 * ufrag ("" while any is accepted).  Valid until the next set/restart. */
const char *icelite_ufrag(const struct icelite *ice);
const char *icelite_pwd(const struct icelite *ice);
const char *icelite_remote_ufrag(const struct icelite *ice);

/* icelite_now_us() of the last valid check answered, 0 if none yet. */
uint64_t icelite_last_valid_us(const struct icelite *ice);

/* The clock icelite_last_valid_us uses: CLOCK_MONOTONIC in microseconds. */
uint64_t icelite_now_us(void);

/* "reply", "unauthorized", ... for logs and metric labels. */
const char *icelite_verdict_name(enum icelite_verdict v);

#endif
