/* icelite: ICE-lite connectivity-check handling for one WebRTC leg with
 * libnice's standalone STUN library.  See icelite.h. */
#include "icelite.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <openssl/rand.h>
#include <stun/usages/ice.h>

enum {
	STUN_HDR = 20,		/* RFC 5389 6 */
};

/* Attributes the agent understands; any other comprehension-required one
 * (type < 0x8000, RFC 5389 15) makes the request fail validation.  Must
 * outlive every agent, hence static.  Chrome's GOOG-NETWORK-INFO (0xC057)
 * is comprehension-optional and passes without being listed. */
static const uint16_t known_attrs[] = {
	STUN_ATTRIBUTE_USERNAME,
	STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_PRIORITY,
	STUN_ATTRIBUTE_USE_CANDIDATE,
	STUN_ATTRIBUTE_ICE_CONTROLLED,
	STUN_ATTRIBUTE_ICE_CONTROLLING,
	STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
	STUN_ATTRIBUTE_FINGERPRINT,
	0
};

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 5.4): exactly 64, so
 * one random byte masked to 6 bits picks each with equal probability. */
static const char ice_chars[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const verdict_names[ICELITE_VERDICT_COUNT] = {
	[ICELITE_REPLY] = "reply",
	[ICELITE_UNAUTHORIZED] = "unauthorized",
	[ICELITE_CONFLICT] = "conflict",
	[ICELITE_BAD] = "bad",
	[ICELITE_IGNORE] = "ignore",
};

int icelite_random_chars(char *out, size_t n)
{
	unsigned char raw[64];

	assert(out != NULL);
	for (size_t done = 0; done < n;) {
		size_t chunk = n - done < sizeof(raw) ? n - done : sizeof(raw);

		if (RAND_bytes(raw, (int)chunk) != 1)
			return EIO;
		for (size_t i = 0; i < chunk; i++)
			out[done + i] = ice_chars[raw[i] & 63];
		done += chunk;
	}
	out[n] = '\0';
	return 0;
}

/* Length of s if it is min..max ice-chars, else 0 (never a valid length:
 * both minimums are above zero). */
static size_t ice_string_len(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '+' || c == '/';

		if (!ok || n == max)
			return 0;
	}
	return n >= min ? n : 0;
}

/* Remote ufrag length, 0 for "accept any" (NULL or ""), -1 if invalid. */
static int remote_len(const char *remote)
{
	size_t n;

	if (remote == NULL || remote[0] == '\0')
		return 0;
	n = ice_string_len(remote, ICELITE_UFRAG_MIN, ICELITE_UFRAG_MAX);
	return n ? (int)n : -1;
}

/* Expected USERNAME = "<our ufrag>:<remote ufrag>" (RFC 8445 7.2.2: the
 * requester puts the receiver's ufrag first); just "<ufrag>:" for any. */
static void build_username(struct icelite *ice, const char *remote,
			   size_t rlen)
{
	memcpy(ice->username, ice->ufrag, ice->ufrag_len);
	ice->username[ice->ufrag_len] = ':';
	if (rlen)
		memcpy(ice->username + ice->ufrag_len + 1, remote, rlen);
	ice->username_len = ice->ufrag_len + 1 + rlen;
	ice->username[ice->username_len] = '\0';
}

int icelite_set_remote_ufrag(struct icelite *ice, const char *remote_ufrag)
{
	int rlen = remote_len(remote_ufrag);

	assert(ice != NULL);
	if (rlen < 0)
		return EINVAL;
	build_username(ice, remote_ufrag, (size_t)rlen);
	return 0;
}

int icelite_set_credentials(struct icelite *ice, const char *ufrag,
			    const char *pwd, const char *remote_ufrag)
{
	size_t ulen, plen;
	int rlen;

	assert(ice != NULL && ufrag != NULL && pwd != NULL);
	/* Check everything before touching the leg, so that a refused
	 * restart leaves the old credentials working. */
	ulen = ice_string_len(ufrag, ICELITE_UFRAG_MIN, ICELITE_UFRAG_MAX);
	plen = ice_string_len(pwd, ICELITE_PWD_MIN, ICELITE_PWD_MAX);
	rlen = remote_len(remote_ufrag);
	if (!ulen || !plen || rlen < 0)
		return EINVAL;

	memcpy(ice->ufrag, ufrag, ulen + 1);
	memcpy(ice->pwd, pwd, plen + 1);
	ice->ufrag_len = ulen;
	ice->pwd_len = plen;
	build_username(ice, remote_ufrag, (size_t)rlen);
	return 0;
}

int icelite_restart(struct icelite *ice, const char *remote_ufrag)
{
	char ufrag[ICELITE_UFRAG_LEN + 1], pwd[ICELITE_PWD_LEN + 1];
	int err;

	err = icelite_random_chars(ufrag, ICELITE_UFRAG_LEN);
	if (!err)
		err = icelite_random_chars(pwd, ICELITE_PWD_LEN);
	if (!err)
		err = icelite_set_credentials(ice, ufrag, pwd, remote_ufrag);
	OPENSSL_cleanse(pwd, sizeof(pwd));
	return err;
}

/* libnice and sofia-sip both export a function named stun_message_length
 * (sofia's takes a byte buffer and returns the message type).  In a
 * process that loads libsofia-sip-ua before libnice, libnice's own calls
 * bind to sofia's, and libnice then neither builds nor parses a single
 * message correctly: every check would be dropped, silently.  Measured in
 * this repository's unit-test and mediad links, which put sofia-sip first.
 * The cure is the link order (libnice before sofia-sip, or no sofia-sip in
 * mediad); this probe makes the mistake fail loudly at start instead. */
static bool stun_symbols_ok(void)
{
	/* A Binding request header saying 8 bytes of attributes follow. */
	uint8_t buf[28] = { 0x00, 0x01, 0x00, 0x08 };
	StunMessage probe = { .buffer = buf, .buffer_len = sizeof(buf) };

	return stun_message_length(&probe) == sizeof(buf);
}

int icelite_init(struct icelite *ice, const char *remote_ufrag)
{
	assert(ice != NULL);
	memset(ice, 0, sizeof(*ice));
	if (!stun_symbols_ok())
		return ELIBBAD;
	/* RFC 5389 framing with FINGERPRINT, which Chrome requires on our
	 * responses (it ignores them without), and short-term credentials
	 * (RFC 8445 7.2.2). */
	stun_agent_init(&ice->agent, known_attrs, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
			STUN_AGENT_USAGE_USE_FINGERPRINT);
	if (RAND_bytes((unsigned char *)&ice->tie_breaker,
		       sizeof(ice->tie_breaker)) != 1)
		return EIO;
	return icelite_restart(ice, remote_ufrag);
}

/* stun_agent_validate's callback, run only for a message that carries
 * USERNAME and MESSAGE-INTEGRITY: accept our exact USERNAME and hand back
 * our pwd as the HMAC key (RFC 8445 7.2.2; the peer's pwd is never needed,
 * a lite agent sends no checks).  The library then verifies the HMAC.
 * When any remote part goes, it must still fit a ufrag (RFC 8839 5.4):
 * the reply echoes USERNAME, and ICELITE_REPLY_MAX counts on that. */
static bool check_username(StunAgent *agent, StunMessage *msg,
			   uint8_t *username, uint16_t len, uint8_t **key,
			   size_t *key_len, void *arg)
{
	struct icelite *ice = arg;
	size_t prefix = ice->ufrag_len + 1;
	bool any = ice->username_len == prefix;

	(void)agent;
	(void)msg;
	if (username == NULL)
		return false;
	if (any ? len < prefix || len - prefix > ICELITE_UFRAG_MAX
		: len != ice->username_len)
		return false;
	if (memcmp(username, ice->username, any ? prefix : len) != 0)
		return false;
	*key = (uint8_t *)ice->pwd;
	*key_len = ice->pwd_len;
	return true;
}

/* An error response to req.  It is keyed with req's key when req was
 * authenticated (487), and unkeyed after a failed authentication (400,
 * 401: RFC 5389 10.1.2).  Returns its length, 0 if it did not fit. */
static size_t build_error(struct icelite *ice, const StunMessage *req,
			  uint8_t *buf, size_t cap, StunError code)
{
	StunMessage msg;

	if (!stun_agent_init_error(&ice->agent, &msg, buf, cap, req, code))
		return 0;
	return stun_agent_finish_message(&ice->agent, &msg, NULL, 0);
}

/* Copy `from` into the sockaddr_storage the library wants and return its
 * length, or 0 for what XOR-MAPPED-ADDRESS cannot carry (RFC 5389 15.2:
 * IPv4 and IPv6 only). */
static socklen_t copy_source(struct sockaddr_storage *ss,
			     const struct sockaddr *from, socklen_t fromlen)
{
	size_t need;

	if ((size_t)fromlen < sizeof(sa_family_t))
		return 0;
	if (from->sa_family == AF_INET)
		need = sizeof(struct sockaddr_in);
	else if (from->sa_family == AF_INET6)
		need = sizeof(struct sockaddr_in6);
	else
		return 0;
	if ((size_t)fromlen < need)
		return 0;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, from, need);
	return (socklen_t)need;
}

/* A request that passed authentication: success response, or 487 when
 * the peer claims the controlled role too.  The library would settle such
 * a conflict with the tie-breakers (RFC 8445 7.3.1.1) and, when ours is
 * lower, switch us to controlling and answer success; a lite agent may
 * not switch (RFC 8445 6.1.1), so both outcomes become 487. */
static enum icelite_verdict answer(struct icelite *ice, StunMessage *req,
				   const struct sockaddr_storage *src,
				   socklen_t srclen, uint8_t *reply,
				   size_t cap, size_t *reply_len,
				   struct icelite_check *out)
{
	StunMessage msg;
	StunUsageIceReturn r;
	bool control = false;	/* lite: always controlled */
	size_t n = cap;

	r = stun_usage_ice_conncheck_create_reply(&ice->agent, req, &msg,
		reply, &n, src, srclen, &control, ice->tie_breaker,
		STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	if (r == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT ||
	    (r == STUN_USAGE_ICE_RETURN_SUCCESS && n > 0 &&
	     stun_message_get_class(&msg) == STUN_ERROR)) {
		*reply_len = build_error(ice, req, reply, cap,
					 STUN_ERROR_ROLE_CONFLICT);
		out->error_code = STUN_ERROR_ROLE_CONFLICT;
		return ICELITE_CONFLICT;
	}
	if (r != STUN_USAGE_ICE_RETURN_SUCCESS || n == 0)
		return ICELITE_BAD;

	*reply_len = n;
	out->priority = stun_usage_ice_conncheck_priority(req);
	out->use_candidate = stun_usage_ice_conncheck_use_candidate(req);
	ice->last_valid_us = icelite_now_us();
	return ICELITE_REPLY;
}

/* A Binding request that failed stun_agent_validate past the framing. */
static enum icelite_verdict refuse(struct icelite *ice, StunMessage *req,
				   StunValidationStatus st, uint8_t *reply,
				   size_t cap, size_t *reply_len,
				   struct icelite_check *out)
{
	StunError code;
	size_t n;

	if (st == STUN_VALIDATION_UNAUTHORIZED)
		code = STUN_ERROR_UNAUTHORIZED;
	else if (st == STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST)
		code = STUN_ERROR_BAD_REQUEST;
	else
		/* UNKNOWN_REQUEST_ATTRIBUTE: RFC 5389 7.3.1 would have us
		 * answer 420, but no ICE peer puts comprehension-required
		 * attributes we do not know into checks; such a packet is
		 * not worth a reply. */
		return ICELITE_BAD;

	/* Unauthenticated, so possibly from a spoofed source: never answer
	 * with more bytes than came in, or we would be an amplifier.  A 401
	 * (48 bytes) is always smaller than a request carrying USERNAME and
	 * MESSAGE-INTEGRITY; a 400 to a bare 28-byte request is not sent. */
	n = build_error(ice, req, reply, cap, code);
	if (n == 0 || n > req->buffer_len)
		return ICELITE_UNAUTHORIZED;
	*reply_len = n;
	out->error_code = (uint16_t)code;
	return ICELITE_UNAUTHORIZED;
}

enum icelite_verdict icelite_handle(struct icelite *ice, const uint8_t *pkt,
				    size_t len, const struct sockaddr *from,
				    socklen_t fromlen, uint8_t *reply,
				    size_t *reply_len,
				    struct icelite_check *out)
{
	struct icelite_check dummy;
	struct sockaddr_storage src;
	StunMessage req;
	StunValidationStatus st;
	socklen_t srclen;
	size_t cap;

	assert(ice != NULL && from != NULL && reply != NULL);
	assert(reply_len != NULL && *reply_len >= ICELITE_REPLY_MAX);
	cap = *reply_len;
	*reply_len = 0;
	if (out == NULL)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	if (pkt == NULL || len < STUN_HDR || len > ICELITE_PKT_MAX)
		return ICELITE_BAD;

	/* Framing, magic cookie and FINGERPRINT come first in the library
	 * (RFC 5389 7.3); after them req is usable whatever the status. */
	st = stun_agent_validate(&ice->agent, &req, pkt, len, check_username,
				 ice);
	if (st == STUN_VALIDATION_NOT_STUN ||
	    st == STUN_VALIDATION_INCOMPLETE_STUN ||
	    st == STUN_VALIDATION_BAD_REQUEST)
		return ICELITE_BAD;
	if (stun_message_get_method(&req) != STUN_BINDING)
		return ICELITE_BAD;
	/* Indications fail the credentials test (they carry none) and
	 * responses are unmatched: sort by class before the status. */
	if (stun_message_get_class(&req) != STUN_REQUEST)
		return ICELITE_IGNORE;

	if (st != STUN_VALIDATION_SUCCESS)
		return refuse(ice, &req, st, reply, cap, reply_len, out);
	srclen = copy_source(&src, from, fromlen);
	if (srclen == 0)
		return ICELITE_BAD;
	return answer(ice, &req, &src, srclen, reply, cap, reply_len, out);
}

const char *icelite_ufrag(const struct icelite *ice)
{
	return ice->ufrag;
}

const char *icelite_pwd(const struct icelite *ice)
{
	return ice->pwd;
}

const char *icelite_remote_ufrag(const struct icelite *ice)
{
	return ice->username + ice->ufrag_len + 1;
}

uint64_t icelite_last_valid_us(const struct icelite *ice)
{
	return ice->last_valid_us;
}

uint64_t icelite_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *icelite_verdict_name(enum icelite_verdict v)
{
	if ((unsigned)v >= ICELITE_VERDICT_COUNT)
		return "?";
	return verdict_names[v];
}
