/* Unit tests for mediad/icelite.  Requests come from libnice's own STUN
 * library acting as the controlling full-ICE peer (what a browser is), and
 * each reply is checked back on that client side: MESSAGE-INTEGRITY,
 * FINGERPRINT, XOR-MAPPED-ADDRESS.  Then the refusals (credentials,
 * FINGERPRINT, framing), responses and indications, ICE restart, role
 * conflict, and three kinds of garbage.  Run with a name filter as argv[1]
 * ("*restart*"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <stun/usages/ice.h>

#include "mediad/icelite.h"

/* Fixed credentials so that replies have known sizes. */
static const char UFRAG[] = "AbCd1234";
static const char PWD[] = "0123456789abcdefghij+/XY";
static const char REMOTE[] = "rM7/";		/* Chrome uses 4 chars */
static const char USER[] = "AbCd1234:rM7/";	/* what the peer sends */
static const uint32_t PRIO = 1845501695u;	/* a typical host priority */

enum { BUF = 2048 };

/* The client's view: it must know what it may receive back. */
static const uint16_t client_attrs[] = {
	STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
	STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
	STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLED,
	STUN_ATTRIBUTE_ICE_CONTROLLING, STUN_ATTRIBUTE_FINGERPRINT, 0
};

struct fixture {
	struct icelite ice;
	StunAgent client;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	uint8_t req[BUF];
	size_t req_len;
	uint8_t reply[BUF];
	size_t reply_len;
	struct icelite_check out;
};

static int setup(void **state)
{
	static struct fixture f;	/* 2 StunAgents: keep off the stack */
	int err;

	memset(&f, 0, sizeof(f));
	err = icelite_init(&f.ice, REMOTE);
	if (err == ELIBBAD)
		print_error("icelite_init: ELIBBAD, libnice's STUN calls are "
			    "bound to libsofia-sip-ua (link libnice first)\n");
	if (err || icelite_set_credentials(&f.ice, UFRAG, PWD, REMOTE))
		return -1;
	stun_agent_init(&f.client, client_attrs, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
			STUN_AGENT_USAGE_USE_FINGERPRINT);
	f.v4.sin_family = AF_INET;
	f.v4.sin_port = htons(50123);
	inet_pton(AF_INET, "192.0.2.77", &f.v4.sin_addr);
	f.v6.sin6_family = AF_INET6;
	f.v6.sin6_port = htons(61000);
	inet_pton(AF_INET6, "2001:db8::4:1", &f.v6.sin6_addr);
	*state = &f;
	return 0;
}

/* A check as a controlling browser sends it (RFC 8445 7.1.1-7.1.2).  The
 * client remembers the transaction and the password for the response. */
static size_t make_check_full(StunAgent *client, uint8_t *buf,
			      const char *user, const char *pwd,
			      bool use_cand, bool controlling, uint64_t tie)
{
	StunMessage msg;
	size_t n;

	n = stun_usage_ice_conncheck_create(client, &msg, buf, BUF,
		(const uint8_t *)user, user ? strlen(user) : 0,
		(const uint8_t *)pwd, pwd ? strlen(pwd) : 0, use_cand,
		controlling, PRIO, tie, NULL,
		STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	assert_true(n > 0);
	return n;
}

static void make_check(struct fixture *f, const char *user, const char *pwd,
		       bool use_cand)
{
	f->req_len = make_check_full(&f->client, f->req, user, pwd, use_cand,
				     true, 0x1122334455667788ull);
}

static enum icelite_verdict handle_from(struct fixture *f, const uint8_t *p,
					size_t n, const void *from,
					socklen_t fromlen)
{
	f->reply_len = sizeof(f->reply);
	return icelite_handle(&f->ice, p, n, from, fromlen, f->reply,
			      &f->reply_len, &f->out);
}

static enum icelite_verdict handle(struct fixture *f, const uint8_t *p,
				   size_t n)
{
	return handle_from(f, p, n, &f->v4, sizeof(f->v4));
}

/* Validate our reply as the client does and return its class. */
static StunClass client_validate(struct fixture *f, StunMessage *msg)
{
	assert_true(f->reply_len > 0);
	assert_int_equal(stun_agent_validate(&f->client, msg, f->reply,
					     f->reply_len, NULL, NULL),
			 STUN_VALIDATION_SUCCESS);
	assert_int_equal(stun_message_get_method(msg), STUN_BINDING);
	return stun_message_get_class(msg);
}

static void assert_mapped(StunMessage *msg, const struct sockaddr *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	assert_int_equal(stun_usage_ice_conncheck_process(&msg[0], &ss, &sl,
				STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
			 STUN_USAGE_ICE_RETURN_SUCCESS);
	assert_int_equal(ss.ss_family, from->sa_family);
	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&ss;
		const struct sockaddr_in *b = (const void *)from;

		assert_int_equal(a->sin_port, b->sin_port);
		assert_memory_equal(&a->sin_addr, &b->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a = (const void *)&ss;
		const struct sockaddr_in6 *b = (const void *)from;

		assert_int_equal(a->sin6_port, b->sin6_port);
		assert_memory_equal(&a->sin6_addr, &b->sin6_addr, 16);
	}
}

/* The client's reading of an error response: its ERROR-CODE. */
static int client_error_code(struct fixture *f, bool keyed)
{
	StunMessage msg;
	int code = 0;

	assert_int_equal(client_validate(f, &msg), STUN_ERROR);
	assert_int_equal(stun_message_has_attribute(&msg,
				STUN_ATTRIBUTE_MESSAGE_INTEGRITY), keyed);
	assert_true(stun_message_has_attribute(&msg,
				STUN_ATTRIBUTE_FINGERPRINT));
	assert_int_equal(stun_message_find_error(&msg, &code),
			 STUN_MESSAGE_RETURN_SUCCESS);
	return code;
}

/* Refused with `code`, unkeyed (RFC 5389 10.1.2), consent clock kept. */
static void assert_unauthorized(struct fixture *f, int code)
{
	uint64_t before = icelite_last_valid_us(&f->ice);

	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_UNAUTHORIZED);
	assert_int_equal(f->out.error_code, code);
	assert_true(f->reply_len <= f->req_len);
	assert_int_equal(client_error_code(f, false), code);
	assert_int_equal(icelite_last_valid_us(&f->ice), before);
}

/* ---- the valid check ---- */

/* Before anything: is libnice's STUN code bound to itself in this process?
 * (icelite.c, stun_symbols_ok: sofia-sip exports a clashing symbol.) */
static void test_stun_library_bound(void **state)
{
	static struct icelite ice;

	(void)state;
	assert_int_equal(icelite_init(&ice, NULL), 0);
}

static void test_good_check_ipv4(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;
	uint64_t t0 = icelite_now_us();

	make_check(f, USER, PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	assert_false(f->out.use_candidate);
	assert_int_equal(f->out.priority, PRIO);
	assert_int_equal(f->out.error_code, 0);
	/* Header 20, XOR-MAPPED-ADDRESS 12, USERNAME 4+16, MESSAGE-INTEGRITY
	 * 24, FINGERPRINT 8: the 84 bytes Chrome accepted. */
	assert_int_equal(f->reply_len, 84);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_true(stun_message_has_attribute(&msg,
				STUN_ATTRIBUTE_MESSAGE_INTEGRITY));
	assert_true(stun_message_has_attribute(&msg,
				STUN_ATTRIBUTE_FINGERPRINT));
	assert_mapped(&msg, (const struct sockaddr *)&f->v4);
	assert_in_range(icelite_last_valid_us(&f->ice), t0, icelite_now_us());
}

static void test_good_check_ipv6(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;

	make_check(f, USER, PWD, false);
	assert_int_equal(handle_from(f, f->req, f->req_len, &f->v6,
				     sizeof(f->v6)), ICELITE_REPLY);
	assert_int_equal(f->reply_len, 96);	/* address 16, not 4 */
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v6);
}

/* recvmmsg may report a sockaddr_storage-sized name: only the family's
 * part counts. */
static void test_large_fromlen(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_storage ss;
	StunMessage msg;

	memset(&ss, 0xA5, sizeof(ss));
	memcpy(&ss, &f->v4, sizeof(f->v4));
	make_check(f, USER, PWD, false);
	assert_int_equal(handle_from(f, f->req, f->req_len, &ss, sizeof(ss)),
			 ICELITE_REPLY);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v4);
}

static void test_use_candidate_reported(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;

	make_check(f, USER, PWD, true);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	assert_true(f->out.use_candidate);
	assert_int_equal(f->out.priority, PRIO);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v4);
}

/* Chrome's check (measured: 104 bytes with USE-CANDIDATE) carries
 * GOOG-NETWORK-INFO, a comprehension-optional attribute we do not know. */
static size_t chrome_like(StunAgent *client, uint8_t *buf, uint16_t extra)
{
	StunMessage msg;

	assert_true(stun_agent_init_request(client, &msg, buf, BUF,
					    STUN_BINDING));
	assert_int_equal(stun_message_append_bytes(&msg,
				STUN_ATTRIBUTE_USERNAME, USER, strlen(USER)),
			 STUN_MESSAGE_RETURN_SUCCESS);
	assert_int_equal(stun_message_append32(&msg, (StunAttribute)extra,
					       0x00010002), 0);
	assert_int_equal(stun_message_append64(&msg,
				STUN_ATTRIBUTE_ICE_CONTROLLING, 42), 0);
	assert_int_equal(stun_message_append32(&msg, STUN_ATTRIBUTE_PRIORITY,
					       PRIO), 0);
	assert_int_equal(stun_message_append_flag(&msg,
				STUN_ATTRIBUTE_USE_CANDIDATE), 0);
	return stun_agent_finish_message(client, &msg, (const uint8_t *)PWD,
					 strlen(PWD));
}

static void test_chrome_like_check(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;

	f->req_len = chrome_like(&f->client, f->req, 0xC057);
	assert_int_equal(f->req_len, 104);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	assert_true(f->out.use_candidate);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v4);
}

/* The same with an unknown comprehension-required type: dropped. */
static void test_unknown_required_attribute(void **state)
{
	struct fixture *f = *state;

	f->req_len = chrome_like(&f->client, f->req, 0x0057);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_BAD);
	assert_int_equal(f->reply_len, 0);
}

/* Without a remote ufrag any remote part is accepted, ours still not. */
static void test_any_remote_ufrag(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;

	assert_int_equal(icelite_set_remote_ufrag(&f->ice, NULL), 0);
	assert_string_equal(icelite_remote_ufrag(&f->ice), "");
	make_check(f, "AbCd1234:whatever+else", PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	make_check(f, "AbCd1235:rM7/", PWD, false);
	assert_unauthorized(f, 401);
	make_check(f, "AbCd1234", PWD, false);	/* no ':' */
	assert_unauthorized(f, 401);

	/* Once the answer names the peer's ufrag, only that one passes. */
	assert_int_equal(icelite_set_remote_ufrag(&f->ice, REMOTE), 0);
	assert_string_equal(icelite_remote_ufrag(&f->ice), REMOTE);
	make_check(f, "AbCd1234:whatever+else", PWD, false);
	assert_unauthorized(f, 401);
	make_check(f, USER, PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
}

/* ---- refusals ---- */

static void test_wrong_remote_ufrag(void **state)
{
	struct fixture *f = *state;

	make_check(f, "AbCd1234:rM7x", PWD, false);
	assert_unauthorized(f, 401);
	make_check(f, "AbCd1234:rM7/x", PWD, false);	/* longer */
	assert_unauthorized(f, 401);
	make_check(f, "AbCd1234:rM7", PWD, false);	/* prefix only */
	assert_unauthorized(f, 401);
}

static void test_wrong_local_ufrag(void **state)
{
	struct fixture *f = *state;

	make_check(f, "abcd1234:rM7/", PWD, false);	/* case matters */
	assert_unauthorized(f, 401);
	make_check(f, "rM7/:AbCd1234", PWD, false);	/* swapped */
	assert_unauthorized(f, 401);
}

static void test_wrong_password(void **state)
{
	struct fixture *f = *state;

	make_check(f, USER, "0123456789abcdefghij+/XZ", false);
	assert_unauthorized(f, 401);
	make_check(f, USER, "0123456789abcdefghij+/X", false);
	assert_unauthorized(f, 401);
}

/* One bit of MESSAGE-INTEGRITY flipped, FINGERPRINT recomputed so that
 * only the HMAC can notice: UNAUTHORIZED, not BAD. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n);
static void fix_fingerprint(uint8_t *p, size_t n);

static void test_bad_integrity(void **state)
{
	struct fixture *f = *state;

	make_check(f, USER, PWD, false);
	f->req[f->req_len - 8 - 10] ^= 0x04;	/* inside the HMAC */
	fix_fingerprint(f->req, f->req_len);
	assert_unauthorized(f, 401);
}

/* RFC 5389 10.1.2: no USERNAME or no MESSAGE-INTEGRITY is a 400. */
static void test_missing_credentials(void **state)
{
	struct fixture *f = *state;

	StunMessage msg;

	make_check(f, NULL, NULL, false);
	assert_int_equal(f->req_len, 48);
	assert_unauthorized(f, 400);
	make_check(f, USER, NULL, false);
	assert_unauthorized(f, 400);

	/* A bare request (FINGERPRINT only, 28 bytes) would get a larger
	 * 400: withheld, so a spoofed source cannot use us to amplify. */
	assert_true(stun_agent_init_request(&f->client, &msg, f->req, BUF,
					    STUN_BINDING));
	f->req_len = stun_agent_finish_message(&f->client, &msg, NULL, 0);
	assert_int_equal(f->req_len, 28);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_UNAUTHORIZED);
	assert_int_equal(f->reply_len, 0);
	assert_int_equal(f->out.error_code, 0);
}

static void test_bad_fingerprint(void **state)
{
	struct fixture *f = *state;

	make_check(f, USER, PWD, false);
	for (size_t i = f->req_len - 4; i < f->req_len; i++) {
		uint8_t copy[BUF];

		memcpy(copy, f->req, f->req_len);
		copy[i] ^= 0x01;
		assert_int_equal(handle(f, copy, f->req_len), ICELITE_BAD);
		assert_int_equal(f->reply_len, 0);
	}
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

/* FINGERPRINT (CRC-32) catches every single-bit error anywhere. */
static void test_every_bit_flip(void **state)
{
	struct fixture *f = *state;

	make_check(f, USER, PWD, true);
	for (size_t i = 0; i < f->req_len * 8; i++) {
		uint8_t copy[BUF];

		memcpy(copy, f->req, f->req_len);
		copy[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(handle(f, copy, f->req_len), ICELITE_BAD);
		assert_int_equal(f->reply_len, 0);
	}
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

static void test_truncated_every_length(void **state)
{
	struct fixture *f = *state;

	make_check(f, USER, PWD, true);
	for (size_t n = 0; n < f->req_len; n++) {
		uint8_t *copy = malloc(n ? n : 1);	/* exact: overreads */

		assert_non_null(copy);
		memcpy(copy, f->req, n);
		assert_int_equal(handle(f, n ? copy : NULL, n), ICELITE_BAD);
		assert_int_equal(f->reply_len, 0);
		/* Re-framed at the cut (length field patched): then the
		 * FINGERPRINT is gone or wrong. */
		if (n >= 20 && n % 4 == 0) {
			copy[2] = (uint8_t)((n - 20) >> 8);
			copy[3] = (uint8_t)(n - 20);
			assert_int_not_equal(handle(f, copy, n),
					     ICELITE_REPLY);
			assert_int_equal(f->reply_len, 0);
		}
		free(copy);
	}
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

static void test_too_long_and_trailing(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[ICELITE_PKT_MAX + 64];
	char user[ICELITE_PKT_MAX];

	/* A well-formed check above the size bound. */
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	memcpy(user, "AbCd1234:", 9);
	assert_int_equal(icelite_set_remote_ufrag(&f->ice, NULL), 0);
	make_check(f, user, PWD, false);
	assert_true(f->req_len > ICELITE_PKT_MAX);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_BAD);

	/* Trailing bytes after a valid check: not one STUN message. */
	make_check(f, USER, PWD, false);
	memcpy(big, f->req, f->req_len);
	memset(big + f->req_len, 0, 4);
	assert_int_equal(handle(f, big, f->req_len + 4), ICELITE_BAD);
	assert_int_equal(f->reply_len, 0);
}

/* With any remote part accepted, one longer than a ufrag can be (RFC 8839
 * 5.4: 256) is refused; the longest USERNAME that passes, from two
 * 256-char ufrags, yields a reply of exactly ICELITE_REPLY_MAX over IPv6. */
static void test_long_username_any_remote(void **state)
{
	struct fixture *f = *state;
	char ours[ICELITE_UFRAG_MAX + 1];
	char user[2 * ICELITE_UFRAG_MAX + 3];
	StunMessage msg;

	memset(ours, 'o', ICELITE_UFRAG_MAX);
	ours[ICELITE_UFRAG_MAX] = '\0';
	assert_int_equal(icelite_set_credentials(&f->ice, ours, PWD, NULL), 0);
	memset(user, 'x', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	memcpy(user, ours, ICELITE_UFRAG_MAX);
	user[ICELITE_UFRAG_MAX] = ':';
	make_check(f, user, PWD, false);	/* remote part 257 chars */
	assert_true(f->req_len <= ICELITE_PKT_MAX);
	assert_unauthorized(f, 401);

	user[sizeof(user) - 2] = '\0';	/* remote part 256 chars */
	make_check(f, user, PWD, false);
	f->reply_len = ICELITE_REPLY_MAX;
	assert_int_equal(icelite_handle(&f->ice, f->req, f->req_len,
		(const struct sockaddr *)&f->v6, sizeof(f->v6), f->reply,
		&f->reply_len, NULL), ICELITE_REPLY);
	assert_int_equal(f->reply_len, ICELITE_REPLY_MAX);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v6);
}

/* ---- not requests, not Binding ---- */

static void test_indication_ignored(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;
	uint8_t buf[BUF];
	size_t n;

	/* RFC 8445 11 keepalive: a Binding indication, FINGERPRINT only. */
	assert_true(stun_agent_init_indication(&f->client, &msg, buf,
					       sizeof(buf), STUN_BINDING));
	n = stun_agent_finish_message(&f->client, &msg, NULL, 0);
	assert_int_equal(n, 28);
	assert_int_equal(handle(f, buf, n), ICELITE_IGNORE);
	assert_int_equal(f->reply_len, 0);

	/* With credentials too. */
	assert_true(stun_agent_init_indication(&f->client, &msg, buf,
					       sizeof(buf), STUN_BINDING));
	assert_int_equal(stun_message_append_bytes(&msg,
				STUN_ATTRIBUTE_USERNAME, USER, strlen(USER)),
			 0);
	n = stun_agent_finish_message(&f->client, &msg, (const uint8_t *)PWD,
				      strlen(PWD));
	assert_int_equal(handle(f, buf, n), ICELITE_IGNORE);
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);

	/* A non-Binding indication is not ours at all. */
	assert_true(stun_agent_init_indication(&f->client, &msg, buf,
					       sizeof(buf), STUN_SEND));
	n = stun_agent_finish_message(&f->client, &msg, NULL, 0);
	assert_int_equal(handle(f, buf, n), ICELITE_BAD);
}

/* Our own replies looped back: a lite agent has no transactions open. */
static void test_responses_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t copy[BUF];
	size_t n;

	make_check(f, USER, PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	n = f->reply_len;
	memcpy(copy, f->reply, n);
	assert_int_equal(handle(f, copy, n), ICELITE_IGNORE);
	assert_int_equal(f->reply_len, 0);

	make_check(f, "nope1234:rM7/", PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_UNAUTHORIZED);
	n = f->reply_len;
	memcpy(copy, f->reply, n);
	assert_int_equal(handle(f, copy, n), ICELITE_IGNORE);
	assert_int_equal(f->reply_len, 0);
}

static void test_other_method_bad(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;
	uint8_t buf[BUF];
	size_t n;

	/* A TURN Allocate request with valid credentials. */
	assert_true(stun_agent_init_request(&f->client, &msg, buf,
					    sizeof(buf), STUN_ALLOCATE));
	assert_int_equal(stun_message_append_bytes(&msg,
				STUN_ATTRIBUTE_USERNAME, USER, strlen(USER)),
			 0);
	n = stun_agent_finish_message(&f->client, &msg, (const uint8_t *)PWD,
				      strlen(PWD));
	assert_int_equal(handle(f, buf, n), ICELITE_BAD);
	assert_int_equal(f->reply_len, 0);
}

/* ---- ICE restart, role conflict, addresses ---- */

static void test_ice_restart(void **state)
{
	struct fixture *f = *state;
	StunMessage msg;
	uint64_t before;
	char user[64];

	make_check(f, USER, PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	before = icelite_last_valid_us(&f->ice);

	assert_int_equal(icelite_restart(&f->ice, "NeWr"), 0);
	assert_int_equal(strlen(icelite_ufrag(&f->ice)), ICELITE_UFRAG_LEN);
	assert_int_equal(strlen(icelite_pwd(&f->ice)), ICELITE_PWD_LEN);
	assert_string_not_equal(icelite_ufrag(&f->ice), UFRAG);
	assert_string_equal(icelite_remote_ufrag(&f->ice), "NeWr");
	assert_int_equal(icelite_last_valid_us(&f->ice), before);

	/* Old everything; old ufrags with the new pwd; new ufrags with the
	 * old pwd: all refused. */
	make_check(f, USER, PWD, false);
	assert_unauthorized(f, 401);
	make_check(f, USER, icelite_pwd(&f->ice), false);
	assert_unauthorized(f, 401);
	snprintf(user, sizeof(user), "%s:NeWr", icelite_ufrag(&f->ice));
	make_check(f, user, PWD, false);
	assert_unauthorized(f, 401);
	snprintf(user, sizeof(user), "%s:rM7/", icelite_ufrag(&f->ice));
	make_check(f, user, icelite_pwd(&f->ice), false);
	assert_unauthorized(f, 401);

	snprintf(user, sizeof(user), "%s:NeWr", icelite_ufrag(&f->ice));
	make_check(f, user, icelite_pwd(&f->ice), true);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
	assert_int_equal(client_validate(f, &msg), STUN_RESPONSE);
	assert_mapped(&msg, (const struct sockaddr *)&f->v4);
	assert_true(icelite_last_valid_us(&f->ice) >= before);
}

/* A peer that claims the controlled role as well gets 487 whichever
 * tie-breaker is larger: a lite agent never becomes controlling. */
static void test_role_conflict(void **state)
{
	struct fixture *f = *state;
	static const uint64_t ties[] = { 0, 1u << 31, UINT64_MAX };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	StunMessage msg;

	for (size_t i = 0; i < 3; i++) {
		f->ice.tie_breaker = 0x8000000000000000ull;
		f->req_len = make_check_full(&f->client, f->req, USER, PWD,
					     false, false, ties[i]);
		assert_int_equal(handle(f, f->req, f->req_len),
				 ICELITE_CONFLICT);
		assert_int_equal(f->out.error_code, 487);
		assert_int_equal(client_validate(f, &msg), STUN_ERROR);
		assert_true(stun_message_has_attribute(&msg,
				STUN_ATTRIBUTE_MESSAGE_INTEGRITY));
		assert_int_equal(stun_usage_ice_conncheck_process(&msg, &ss,
				&sl, STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
			STUN_USAGE_ICE_RETURN_ROLE_CONFLICT);
	}
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

static void test_unsupported_source(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	make_check(f, USER, PWD, false);
	assert_int_equal(handle_from(f, f->req, f->req_len, &un, sizeof(un)),
			 ICELITE_BAD);
	assert_int_equal(f->reply_len, 0);
	assert_int_equal(handle_from(f, f->req, f->req_len, &f->v4, 4),
			 ICELITE_BAD);
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

/* ---- credentials ---- */

static bool all_ice_chars(const char *s)
{
	for (; *s; s++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789+/", *s))
			return false;
	return true;
}

static void test_random_chars(void **state)
{
	char buf[6401];
	bool seen[256] = { false };
	size_t distinct = 0;

	(void)state;
	assert_int_equal(icelite_random_chars(buf, 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(icelite_random_chars(buf, sizeof(buf) - 1), 0);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_true(all_ice_chars(buf));
	for (size_t i = 0; buf[i]; i++) {
		distinct += !seen[(uint8_t)buf[i]];
		seen[(uint8_t)buf[i]] = true;
	}
	assert_int_equal(distinct, 64);	/* misses one with p < 1e-40 */
}

static void test_init_generates_credentials(void **state)
{
	static struct icelite a, b;

	(void)state;
	assert_int_equal(icelite_init(&a, "abcd"), 0);
	assert_int_equal(icelite_init(&b, NULL), 0);
	assert_int_equal(strlen(icelite_ufrag(&a)), ICELITE_UFRAG_LEN);
	assert_int_equal(strlen(icelite_pwd(&a)), ICELITE_PWD_LEN);
	assert_true(all_ice_chars(icelite_ufrag(&a)));
	assert_true(all_ice_chars(icelite_pwd(&a)));
	assert_string_not_equal(icelite_ufrag(&a), icelite_ufrag(&b));
	assert_string_not_equal(icelite_pwd(&a), icelite_pwd(&b));
	assert_true(a.tie_breaker != b.tie_breaker);
	assert_string_equal(icelite_remote_ufrag(&a), "abcd");
	assert_string_equal(icelite_remote_ufrag(&b), "");
	assert_int_equal(icelite_last_valid_us(&a), 0);
	assert_int_equal(icelite_init(&a, "ab:cd"), EINVAL);
}

static void test_set_credentials_checked(void **state)
{
	struct fixture *f = *state;
	char long_ok[ICELITE_UFRAG_MAX + 1], too_long[ICELITE_UFRAG_MAX + 2];
	const char *bad[][3] = {
		{ "abc", PWD, REMOTE },			/* ufrag < 4 */
		{ "abc:", PWD, REMOTE },		/* ':' */
		{ UFRAG, "0123456789abcdefghij+", REMOTE }, /* pwd 21 */
		{ UFRAG, "0123456789 abcdefghij+/XY", REMOTE },
		{ UFRAG, PWD, "rM7" },
		{ UFRAG, PWD, "rM7-" },
		{ too_long, PWD, REMOTE },
		{ UFRAG, too_long, REMOTE },
		{ UFRAG, PWD, too_long },
	};

	memset(long_ok, 'k', sizeof(long_ok) - 1);
	long_ok[sizeof(long_ok) - 1] = '\0';
	memset(too_long, 'k', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(icelite_set_credentials(&f->ice, bad[i][0],
				 bad[i][1], bad[i][2]), EINVAL);
	assert_int_equal(icelite_set_remote_ufrag(&f->ice, "x y z"), EINVAL);

	/* Refusals changed nothing: the old check still passes. */
	assert_string_equal(icelite_ufrag(&f->ice), UFRAG);
	assert_string_equal(icelite_pwd(&f->ice), PWD);
	assert_string_equal(icelite_remote_ufrag(&f->ice), REMOTE);
	make_check(f, USER, PWD, false);
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);

	/* The RFC 8839 maximum is fine for all three. */
	assert_int_equal(icelite_set_credentials(&f->ice, long_ok, long_ok,
						 long_ok), 0);
	assert_int_equal(strlen(icelite_remote_ufrag(&f->ice)),
			 ICELITE_UFRAG_MAX);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(icelite_verdict_name(ICELITE_REPLY), "reply");
	assert_string_equal(icelite_verdict_name(ICELITE_UNAUTHORIZED),
			    "unauthorized");
	assert_string_equal(icelite_verdict_name(ICELITE_CONFLICT),
			    "conflict");
	assert_string_equal(icelite_verdict_name(ICELITE_BAD), "bad");
	assert_string_equal(icelite_verdict_name(ICELITE_IGNORE), "ignore");
	assert_string_equal(icelite_verdict_name(ICELITE_VERDICT_COUNT), "?");
}

/* ---- garbage ---- */

enum { FUZZ_ROUNDS = 10000 };

static uint64_t rnd(uint64_t *s)	/* xorshift64*, fixed seeds */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Rewrite the trailing FINGERPRINT of an n-byte message (RFC 5389 15.5:
 * CRC-32 of what precedes it, XOR 0x5354554e). */
static void fix_fingerprint(uint8_t *p, size_t n)
{
	uint32_t v = crc32_ieee(p, n - 8) ^ 0x5354554Eu;

	put16(p + n - 4, v >> 16);
	put16(p + n - 2, v);
}

/* Verdict bookkeeping shared by the garbage tests: never a REPLY, and a
 * reply only where the contract allows one. */
static void check_garbage(struct fixture *f, const uint8_t *p, size_t n,
			  unsigned counts[ICELITE_VERDICT_COUNT])
{
	/* An exact-size heap copy: overreads show under ASan or valgrind. */
	uint8_t *copy = malloc(n ? n : 1);
	enum icelite_verdict v;

	assert_non_null(copy);
	memcpy(copy, p, n);
	v = handle(f, copy, n);
	free(copy);
	assert_true((unsigned)v < ICELITE_VERDICT_COUNT);
	assert_int_not_equal(v, ICELITE_REPLY);
	assert_true(f->reply_len <= ICELITE_REPLY_MAX);
	if (v == ICELITE_BAD || v == ICELITE_IGNORE)
		assert_int_equal(f->reply_len, 0);
	if (v == ICELITE_UNAUTHORIZED)		/* no amplification */
		assert_true(f->reply_len <= n);
	counts[v]++;
}

static void print_counts(const char *what, const unsigned *c)
{
	print_message("%s: reply %u unauthorized %u conflict %u bad %u "
		      "ignore %u\n", what, c[0], c[1], c[2], c[3], c[4]);
}

/* Random bytes of random length; half of them dressed as STUN (first
 * bits, magic cookie, consistent length) to get past the first test. */
static void test_random_garbage(void **state)
{
	struct fixture *f = *state;
	unsigned counts[ICELITE_VERDICT_COUNT] = { 0 };
	uint64_t s = 0x9E3779B97F4A7C15ull;

	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		uint8_t p[1500];
		size_t n = rnd(&s) % sizeof(p);

		for (size_t k = 0; k < n; k++)
			p[k] = (uint8_t)rnd(&s);
		if (i % 2 && n >= 20) {
			n &= ~(size_t)3;
			p[0] &= 0x3F;
			put16(p + 2, (uint32_t)(n - 20));
			memcpy(p + 4, "\x21\x12\xA4\x42", 4);
		}
		check_garbage(f, p, n, counts);
	}
	print_counts("random", counts);
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

/* Well-framed messages of random attributes with a correct FINGERPRINT,
 * so that the attribute walk, the USERNAME check and the HMAC run. */
static size_t fuzz_message(uint64_t *s, uint8_t *p)
{
	static const uint16_t types[] = { 0x0001, 0x0011, 0x0101, 0x0111,
					  0x0003, 0x0016 };
	static const uint16_t attrs[] = { 0x0006, 0x0008, 0x0024, 0x0025,
		0x8029, 0x802A, 0x0020, 0x0009, 0x8028, 0xC057, 0x0057 };
	size_t n = 20, nattr = rnd(s) % 8;

	put16(p, types[rnd(s) % 6]);
	memcpy(p + 4, "\x21\x12\xA4\x42", 4);
	for (int k = 8; k < 20; k++)
		p[k] = (uint8_t)rnd(s);
	for (size_t a = 0; a < nattr; a++) {
		uint16_t t = attrs[rnd(s) % 11];
		size_t len = rnd(s) % 41, wire = len;

		if (t == 0x0006 && rnd(s) % 2)
			len = wire = strlen(USER);
		if (rnd(s) % 16 == 0)
			wire = rnd(s) % 2048;	/* lying length */
		put16(p + n, t);
		put16(p + n + 2, (uint32_t)wire);
		for (size_t k = 0; k < ((len + 3) & ~(size_t)3); k++)
			p[n + 4 + k] = (uint8_t)rnd(s);
		if (t == 0x0006 && len == strlen(USER))
			memcpy(p + n + 4, USER, len);
		n += 4 + ((len + 3) & ~(size_t)3);
	}
	put16(p + n, 0x8028);
	put16(p + n + 2, 4);
	n += 8;
	put16(p + 2, (uint32_t)(n - 20));
	fix_fingerprint(p, n);
	return n;
}

static void test_structured_garbage(void **state)
{
	struct fixture *f = *state;
	unsigned counts[ICELITE_VERDICT_COUNT] = { 0 };
	uint64_t s = 0xD1B54A32D192ED03ull;

	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		uint8_t p[20 + 8 * (4 + 44) + 8];
		size_t n = fuzz_message(&s, p);

		check_garbage(f, p, n, counts);
	}
	print_counts("structured", counts);
	assert_true(counts[ICELITE_UNAUTHORIZED] > 0);
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
}

/* A valid check with 1-3 distinct bytes changed before the FINGERPRINT,
 * which is then recomputed: only MESSAGE-INTEGRITY stands in the way. */
static void test_mutated_checks(void **state)
{
	struct fixture *f = *state;
	unsigned counts[ICELITE_VERDICT_COUNT] = { 0 };
	uint64_t s = 0x94D049BB133111EBull;

	make_check(f, USER, PWD, true);
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		uint8_t p[BUF];
		size_t pos[3], k = 1 + rnd(&s) % 3;

		memcpy(p, f->req, f->req_len);
		for (size_t j = 0; j < k; j++) {
			bool dup;

			do {
				pos[j] = rnd(&s) % (f->req_len - 8);
				dup = false;
				for (size_t m = 0; m < j; m++)
					dup |= pos[m] == pos[j];
			} while (dup);
			p[pos[j]] ^= (uint8_t)(1 + rnd(&s) % 255);
		}
		fix_fingerprint(p, f->req_len);
		check_garbage(f, p, f->req_len, counts);
	}
	print_counts("mutated", counts);
	assert_true(counts[ICELITE_UNAUTHORIZED] > 0);
	assert_int_equal(icelite_last_valid_us(&f->ice), 0);
	/* And the original still passes. */
	assert_int_equal(handle(f, f->req, f->req_len), ICELITE_REPLY);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stun_library_bound),
		T(test_good_check_ipv4),
		T(test_good_check_ipv6),
		T(test_large_fromlen),
		T(test_use_candidate_reported),
		T(test_chrome_like_check),
		T(test_unknown_required_attribute),
		T(test_any_remote_ufrag),
		T(test_wrong_remote_ufrag),
		T(test_wrong_local_ufrag),
		T(test_wrong_password),
		T(test_bad_integrity),
		T(test_missing_credentials),
		T(test_bad_fingerprint),
		T(test_every_bit_flip),
		T(test_truncated_every_length),
		T(test_too_long_and_trailing),
		T(test_long_username_any_remote),
		T(test_indication_ignored),
		T(test_responses_ignored),
		T(test_other_method_bad),
		T(test_ice_restart),
		T(test_role_conflict),
		T(test_unsupported_source),
		cmocka_unit_test(test_random_chars),
		cmocka_unit_test(test_init_generates_credentials),
		T(test_set_credentials_checked),
		cmocka_unit_test(test_verdict_names),
		T(test_random_garbage),
		T(test_structured_garbage),
		T(test_mutated_checks),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("icelite", tests, NULL, NULL);
}
