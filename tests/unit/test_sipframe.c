/* Unit tests for common/sipframe.c: one SIP message per WebSocket frame,
 * parsed with sofia-sip, plus the replies an edge builds itself.  Most
 * inputs here are what a stranger's browser (or a fuzzer) could send. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sipframe.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define CRLF "\r\n"

#define REGISTER_MSG \
	"REGISTER sip:example.com SIP/2.0" CRLF \
	"Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKreg1" CRLF \
	"Max-Forwards: 70" CRLF \
	"From: <sip:alice@example.com>;tag=ftag1" CRLF \
	"To: <sip:alice@example.com>" CRLF \
	"Call-ID: reg-call-1@client" CRLF \
	"CSeq: 1 REGISTER" CRLF \
	"Contact: <sip:x7k@df7jal23ls0d.invalid;transport=ws>;expires=600" CRLF \
	"Content-Length: 0" CRLF \
	CRLF

#define SDP_BODY \
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" \
	"t=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

#define INVITE_MSG \
	"INVITE sip:bob@example.com SIP/2.0" CRLF \
	"Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1" CRLF \
	"Max-Forwards: 70" CRLF \
	"From: \"Alice\" <sip:alice@example.com>;tag=ftag2" CRLF \
	"To: <sip:bob@example.com>" CRLF \
	"Call-ID: inv-call-1@client" CRLF \
	"CSeq: 10 INVITE" CRLF \
	"Contact: <sip:x7k@df7jal23ls0d.invalid;transport=ws;ob>" CRLF \
	"Content-Type: application/sdp" CRLF \
	"Content-Length: 96" CRLF \
	CRLF \
	SDP_BODY

#define RESPONSE_MSG \
	"SIP/2.0 200 OK" CRLF \
	"Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1;" \
	"rtcgate-owner=b2bua.b1" CRLF \
	"From: \"Alice\" <sip:alice@example.com>;tag=ftag2" CRLF \
	"To: <sip:bob@example.com>;tag=bobtag" CRLF \
	"Call-ID: inv-call-1@client" CRLF \
	"CSeq: 10 INVITE" CRLF \
	"Content-Length: 0" CRLF \
	CRLF

/* A request whose CSeq method does not match: parses, fails sofia's sanity
 * check, but has everything a 400 needs. */
#define BAD_CSEQ_MSG \
	"INVITE sip:bob@example.com SIP/2.0" CRLF \
	"Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1;rport" CRLF \
	"Via: SIP/2.0/TCP b.invalid:5061;branch=z9hG4bK2" CRLF \
	"From: <sip:alice@example.com>;tag=ft" CRLF \
	"To: <sip:bob@example.com>" CRLF \
	"Call-ID: bad-cseq@client" CRLF \
	"CSeq: 7 REGISTER" CRLF \
	CRLF

/* Parse s; check the verdict and the documented invariants: *fp is set
 * unless GARBAGE, and a reason is given unless OK. */
static struct sipframe *parse_expect(const char *s, size_t len,
				     enum sipframe_verdict want, char *why,
				     size_t whylen)
{
	struct sipframe *f = (struct sipframe *)0x1;
	enum sipframe_verdict v;

	why[0] = '\0';
	v = sipframe_parse(s, len, &f, why, whylen);
	if (v != want)
		fail_msg("verdict %d (%s), wanted %d for: %.80s", v, why,
			 want, s);
	if (v == SIPFRAME_GARBAGE)
		assert_null(f);
	else
		assert_non_null(f);
	if (v != SIPFRAME_OK)
		assert_true(why[0] != '\0');
	return f;
}

/* s without its header lines starting "name:". */
static char *without_header(const char *s, const char *name)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	size_t n = strlen(name);

	assert_non_null(out);
	while (*s) {
		const char *eol = strstr(s, CRLF);
		size_t len = eol ? (size_t)(eol - s) + 2 : strlen(s);
		if (strncasecmp(s, name, n) || s[n] != ':') {
			memcpy(o, s, len);
			o += len;
		}
		s += len;
	}
	*o = '\0';
	return out;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_register_ok(void **state)
{
	char why[64];
	struct sipframe *f = parse_expect(REGISTER_MSG, strlen(REGISTER_MSG),
					  SIPFRAME_OK, why, sizeof(why));

	(void)state;
	assert_true(sipframe_is_request(f));
	assert_string_equal(sipframe_method(f), "REGISTER");
	assert_int_equal(sipframe_status(f), 0);
	assert_string_equal(sipframe_call_id(f), "reg-call-1@client");
	assert_false(sipframe_is_options_to_self(f));
	/* The sofia objects are exposed and consistent. */
	assert_non_null(sipframe_msg(f));
	sip_t *sip = sipframe_sip(f);
	assert_non_null(sip);
	assert_string_equal(sip->sip_call_id->i_id, "reg-call-1@client");
	assert_int_equal(sip->sip_cseq->cs_seq, 1);
	assert_non_null(sip->sip_contact);
	sipframe_free(f);
	sipframe_free(NULL);	/* harmless */
}

static void test_invite_with_body_ok(void **state)
{
	char why[64];
	struct sipframe *f = parse_expect(INVITE_MSG, strlen(INVITE_MSG),
					  SIPFRAME_OK, why, sizeof(why));

	(void)state;
	assert_int_equal(strlen(SDP_BODY), 96);
	assert_true(sipframe_is_request(f));
	assert_string_equal(sipframe_method(f), "INVITE");
	assert_string_equal(sipframe_call_id(f), "inv-call-1@client");
	sip_t *sip = sipframe_sip(f);
	assert_non_null(sip->sip_payload);
	assert_int_equal(sip->sip_payload->pl_len, 96);
	assert_memory_equal(sip->sip_payload->pl_data, SDP_BODY, 96);
	sipframe_free(f);
}

static void test_responses_ok(void **state)
{
	static const struct {
		const char *line;
		int status;
	} r[] = {
		{ "SIP/2.0 200 OK", 200 },
		{ "SIP/2.0 180 Ringing", 180 },
		{ "SIP/2.0 486 Busy Here", 486 },
		{ "SIP/2.0 699 Whatever", 699 },
	};
	char msg[1024], why[64];

	(void)state;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		snprintf(msg, sizeof(msg), "%s%s", r[i].line,
			 strchr(RESPONSE_MSG, '\r'));
		struct sipframe *f = parse_expect(msg, strlen(msg),
						  SIPFRAME_OK, why,
						  sizeof(why));
		assert_false(sipframe_is_request(f));
		assert_int_equal(sipframe_status(f), r[i].status);
		/* The method of a response is its CSeq's. */
		assert_string_equal(sipframe_method(f), "INVITE");
		assert_string_equal(sipframe_call_id(f), "inv-call-1@client");
		assert_false(sipframe_is_options_to_self(f));
		sipframe_free(f);
	}
}

/* Without any of the five headers no response can be built: garbage. */
static void test_missing_mandatory_headers(void **state)
{
	static const char *const hdr[] = { "Via", "From", "To", "Call-ID",
					   "CSeq" };
	char why[64], want[64];

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		char *req = without_header(REGISTER_MSG, hdr[i]);
		char *inv = without_header(INVITE_MSG, hdr[i]);
		char *rsp = without_header(RESPONSE_MSG, hdr[i]);

		assert_true(strlen(req) < strlen(REGISTER_MSG));
		snprintf(want, sizeof(want), "Missing %s", hdr[i]);
		parse_expect(req, strlen(req), SIPFRAME_GARBAGE, why,
			     sizeof(why));
		assert_string_equal(why, want);
		parse_expect(inv, strlen(inv), SIPFRAME_GARBAGE, why,
			     sizeof(why));
		assert_string_equal(why, want);
		parse_expect(rsp, strlen(rsp), SIPFRAME_GARBAGE, why,
			     sizeof(why));
		assert_string_equal(why, want);
		free(req);
		free(inv);
		free(rsp);
	}
}

/* A mandatory header that does not parse counts as missing. */
static void test_unparseable_mandatory_headers(void **state)
{
	static const struct {
		const char *name, *line, *why;
	} bad[] = {
		{ "Via", "Via: garbage", "Missing Via" },
		{ "CSeq", "CSeq: abc", "Missing CSeq" },
		{ "CSeq", "CSeq: 1", "Missing CSeq" },
		{ "From", "From: <<<", "Missing From" },
	};
	char why[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *base = without_header(REGISTER_MSG, bad[i].name);
		char msg[1024];
		/* Put the bad line right after the request line. */
		const char *rest = strstr(base, CRLF) + 2;
		snprintf(msg, sizeof(msg), "%.*s%s" CRLF "%s",
			 (int)(rest - base), base, bad[i].line, rest);
		parse_expect(msg, strlen(msg), SIPFRAME_GARBAGE, why,
			     sizeof(why));
		assert_string_equal(why, bad[i].why);
		free(base);
	}
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"x",
		"hello world" CRLF CRLF,
		CRLF CRLF,
		"SIP/2.0" CRLF CRLF,
		"REGISTER" CRLF CRLF,
		"REGISTER sip:example.com" CRLF CRLF,
		"SIP/2.0 OK" CRLF CRLF,
		"GET / HTTP/1.1" CRLF "Host: example.com" CRLF CRLF,
		"\xff\xfe\xfd\xfc",
		"{\"v\":1,\"kind\":\"sip\"}",
		"Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF CRLF,
	};
	char why[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_expect(bad[i], strlen(bad[i]), SIPFRAME_GARBAGE, why,
			     sizeof(why));
}

/* Random bytes (deterministic) never crash the parser, never yield a sane
 * message, and always keep the verdict/pointer contract. */
static void test_random_bytes(void **state)
{
	uint32_t x = 2463534242u;
	char buf[512], why[64];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = 1 + round % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)(x % 255 + 1);	/* no NULs */
		}
		/* Half the rounds look like a SIP start. */
		if (round & 1)
			memcpy(buf, "INVITE sip:", len < 11 ? len : 11);
		struct sipframe *f = (struct sipframe *)0x1;
		enum sipframe_verdict v = sipframe_parse(buf, len, &f, why,
							 sizeof(why));
		assert_int_not_equal(v, SIPFRAME_OK);
		if (v == SIPFRAME_GARBAGE)
			assert_null(f);
		else
			assert_non_null(f);
		sipframe_free(f);
	}
}

static void test_empty_and_nul_bytes(void **state)
{
	char msg[1024], why[64];
	size_t len = strlen(REGISTER_MSG);

	(void)state;
	parse_expect("", 0, SIPFRAME_GARBAGE, why, sizeof(why));
	assert_string_equal(why, "empty or NUL bytes");
	/* A NUL anywhere, even as the last byte, makes it garbage. */
	memcpy(msg, REGISTER_MSG, len + 1);
	parse_expect(msg, len + 1, SIPFRAME_GARBAGE, why, sizeof(why));
	assert_string_equal(why, "empty or NUL bytes");
	msg[40] = '\0';
	parse_expect(msg, len, SIPFRAME_GARBAGE, why, sizeof(why));
	assert_string_equal(why, "empty or NUL bytes");
	memcpy(msg, REGISTER_MSG, len + 1);
	msg[0] = '\0';
	parse_expect(msg, len, SIPFRAME_GARBAGE, why, sizeof(why));
}

/* Only [data, data+len) is read: no terminator needed (ASan checks), and
 * bytes past len are ignored. */
static void test_length_is_respected(void **state)
{
	size_t len = strlen(REGISTER_MSG);
	char *buf = malloc(len);
	char why[64];

	(void)state;
	assert_non_null(buf);
	memcpy(buf, REGISTER_MSG, len);
	struct sipframe *f = parse_expect(buf, len, SIPFRAME_OK, why,
					  sizeof(why));
	sipframe_free(f);
	free(buf);

	char two[2048];
	snprintf(two, sizeof(two), "%s%s", REGISTER_MSG, INVITE_MSG);
	f = parse_expect(two, strlen(REGISTER_MSG), SIPFRAME_OK, why,
			 sizeof(why));
	assert_string_equal(sipframe_method(f), "REGISTER");
	sipframe_free(f);
}

/* A short why buffer is truncated, not overflowed. */
static void test_small_why_buffer(void **state)
{
	char why[8];
	struct sipframe *f;

	(void)state;
	memset(why, 'x', sizeof(why));
	assert_int_equal(sipframe_parse("junk", 4, &f, why, 4),
			 SIPFRAME_GARBAGE);
	assert_int_equal(strlen(why), 3);
	assert_int_equal(why[4], 'x');
}

static void test_bad_cseq_is_bad_request(void **state)
{
	char why[64];
	struct sipframe *f = parse_expect(BAD_CSEQ_MSG, strlen(BAD_CSEQ_MSG),
					  SIPFRAME_BAD_REQUEST, why,
					  sizeof(why));

	(void)state;
	assert_string_equal(why, "Bad Request-URI or CSeq");
	assert_true(sipframe_is_request(f));
	assert_string_equal(sipframe_method(f), "INVITE");
	sipframe_free(f);
}

/* A body shorter than Content-Length says: broken, but answerable. */
static void test_truncated_body_is_bad_request(void **state)
{
	const char *msg = "MESSAGE sip:bob@example.com SIP/2.0" CRLF
		"Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF
		"From: <sip:alice@example.com>;tag=ft" CRLF
		"To: <sip:bob@example.com>" CRLF
		"Call-ID: trunc@client" CRLF
		"CSeq: 1 MESSAGE" CRLF
		"Content-Length: 100" CRLF CRLF
		"only a few bytes";
	char why[64];
	struct sipframe *f;

	(void)state;
	f = parse_expect(msg, strlen(msg), SIPFRAME_BAD_REQUEST, why,
			 sizeof(why));
	assert_string_equal(sipframe_call_id(f), "trunc@client");
	sipframe_free(f);
}

/* A broken response can never be answered: garbage, not BAD_REQUEST. */
static void test_broken_response_is_garbage(void **state)
{
	char msg[1024], why[64];
	const char *cseq = strstr(RESPONSE_MSG, "CSeq: 10 INVITE");

	(void)state;
	snprintf(msg, sizeof(msg), "%.*sContent-Length: 50" CRLF CRLF "x",
		 (int)(cseq - RESPONSE_MSG) + 17, RESPONSE_MSG);
	parse_expect(msg, strlen(msg), SIPFRAME_GARBAGE, why, sizeof(why));
}

/* Build REGISTER_MSG with n extra header lines made by fmt(i). */
static char *with_many_headers(int n, const char *fmt, size_t *lenp)
{
	size_t cap = strlen(REGISTER_MSG) + (size_t)n * 80;
	char *buf = malloc(cap);
	const char *body = strstr(REGISTER_MSG, CRLF CRLF) + 2;
	size_t len = (size_t)(body - REGISTER_MSG);

	assert_non_null(buf);
	memcpy(buf, REGISTER_MSG, len);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, fmt, i, i);
	len += (size_t)snprintf(buf + len, cap - len, CRLF);
	*lenp = len;
	return buf;
}

/* Whatever the verdict on a huge message (sofia takes it today; a header
 * limit could refuse it), the contract holds and the message is read
 * right. */
static void check_huge(const char *buf, size_t len)
{
	char why[64] = "";
	struct sipframe *f = (struct sipframe *)0x1;
	enum sipframe_verdict v = sipframe_parse(buf, len, &f, why,
						 sizeof(why));

	if (v == SIPFRAME_GARBAGE) {
		assert_null(f);
		assert_true(why[0] != '\0');
		return;
	}
	assert_non_null(f);
	assert_string_equal(sipframe_call_id(f), "reg-call-1@client");
	assert_string_equal(sipframe_method(f), "REGISTER");
	if (v == SIPFRAME_BAD_REQUEST) {
		size_t rlen;
		char *r = sipframe_response(f, 400, why, NULL, &rlen);
		assert_non_null(r);
		free(r);
	}
	sipframe_free(f);
}

static void test_ten_thousand_headers(void **state)
{
	size_t len;
	char *buf = with_many_headers(10000, "X-Filler-%d: value %d" CRLF,
				      &len);

	(void)state;
	check_huge(buf, len);
	free(buf);
	buf = with_many_headers(10000,
		"Via: SIP/2.0/TCP h%d.invalid;branch=z9hG4bKv%d" CRLF, &len);
	check_huge(buf, len);
	free(buf);
}

/* A response copies every Via, in order (RFC 3261 8.2.6.2). */
static void test_response_copies_all_vias(void **state)
{
	size_t len, rlen = 0;
	char why[64];
	char *buf = with_many_headers(70,
		"Via: SIP/2.0/TCP h%d.invalid;branch=z9hG4bKv%d" CRLF, &len);
	struct sipframe *f = parse_expect(buf, len, SIPFRAME_OK, why,
					  sizeof(why));
	char *r = sipframe_response(f, 400, "Too Many", NULL, &rlen);

	(void)state;
	assert_non_null(r);
	assert_int_equal(count(r, CRLF "Via: "), 71);
	char *first = strstr(r, "branch=z9hG4bKreg1");
	char *last = strstr(r, "h69.invalid;branch=z9hG4bKv69" CRLF);
	assert_non_null(first);
	assert_non_null(last);
	assert_true(first < strstr(r, "h0.invalid;"));
	assert_true(strstr(r, "h0.invalid;") < strstr(r, "h1.invalid;"));
	assert_true(strstr(r, "h68.invalid;") < last);
	free(r);
	sipframe_free(f);
	free(buf);
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Regression test, bug fixed in (common/sipframe.c, sipframe_parse): no limit on the number of
 * header lines, and sofia's parser is quadratic in it: one 64 KiB frame
 * (wsgw's default RTCGATE_WS_MAX_MESSAGE) of 13,000 "A:1" lines takes
 * about 2 s of CPU (10,000 headers: 0.5 s, 40,000: 11 s), on wsgw's only
 * loop thread, so one client stalls every connection.  Count header lines
 * before msg_make() and refuse beyond a sane limit (a few hundred).
 * The bound below is generous (100 ms of this thread's CPU time). */
static void test_many_headers_cost(void **state)
{
	size_t cap = 65536, len;
	char *buf = malloc(cap);
	const char *body = strstr(REGISTER_MSG, CRLF CRLF) + 2;
	char why[64];
	struct sipframe *f;

	(void)state;
	assert_non_null(buf);
	len = (size_t)(body - REGISTER_MSG);
	memcpy(buf, REGISTER_MSG, len);
	while (len + 5 + 2 <= cap) {
		memcpy(buf + len, "A:1" CRLF, 5);
		len += 5;
	}
	memcpy(buf + len, CRLF, 2);
	len += 2;
	double t0 = thread_cpu_s();
	sipframe_parse(buf, len, &f, why, sizeof(why));
	double spent = thread_cpu_s() - t0;
	sipframe_free(f);
	free(buf);
	if (spent > 0.1)
		fail_msg("parsing one 64 KiB frame took %.3f s of CPU", spent);
}

/* The 400 an edge sends for a broken request. */
static void test_400_response(void **state)
{
	char why[64], why2[64];
	size_t len = 0;
	struct sipframe *f = parse_expect(BAD_CSEQ_MSG, strlen(BAD_CSEQ_MSG),
					  SIPFRAME_BAD_REQUEST, why,
					  sizeof(why));
	char *r = sipframe_response(f, 400, why, NULL, &len);

	(void)state;
	assert_non_null(r);
	assert_int_equal(len, strlen(r));
	/* Status line first. */
	assert_true(!strncmp(r, "SIP/2.0 400 Bad Request-URI or CSeq" CRLF, 37));
	/* Both Vias copied verbatim and in order. */
	char *v1 = strstr(r, CRLF "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1;"
			  "rport" CRLF);
	char *v2 = strstr(r, CRLF "Via: SIP/2.0/TCP b.invalid:5061;"
			  "branch=z9hG4bK2" CRLF);
	assert_non_null(v1);
	assert_non_null(v2);
	assert_true(v1 < v2);
	assert_non_null(strstr(r, CRLF "From: <sip:alice@example.com>;tag=ft"
			       CRLF));
	assert_non_null(strstr(r, CRLF "Call-ID: bad-cseq@client" CRLF));
	assert_non_null(strstr(r, CRLF "CSeq: 7 REGISTER" CRLF));
	assert_non_null(strstr(r, CRLF "Content-Length: 0" CRLF));
	/* The To gets our tag. */
	char *to = strstr(r, CRLF "To: <sip:bob@example.com>;tag=");
	assert_non_null(to);
	assert_true(to[strlen(CRLF "To: <sip:bob@example.com>;tag=")] != '\r');
	/* Headers end with one empty line, which ends the message. */
	assert_true(len >= 4);
	assert_string_equal(r + len - 4, CRLF CRLF);
	assert_ptr_equal(strstr(r, CRLF CRLF), r + len - 4);
	/* And what we send parses as a sane response. */
	struct sipframe *back = parse_expect(r, len, SIPFRAME_OK, why2,
					     sizeof(why2));
	assert_false(sipframe_is_request(back));
	assert_int_equal(sipframe_status(back), 400);
	assert_string_equal(sipframe_call_id(back), "bad-cseq@client");
	assert_string_equal(sipframe_method(back), "REGISTER");
	assert_non_null(sipframe_sip(back)->sip_to->a_tag);
	sipframe_free(back);
	free(r);
	sipframe_free(f);
}

/* A To that already has a tag keeps it and gets no second one. */
static void test_response_keeps_to_tag(void **state)
{
	char why[64];
	size_t len;
	struct sipframe *f;
	const char *req = "BYE sip:bob@example.com SIP/2.0" CRLF
		"Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF
		"From: <sip:alice@example.com>;tag=ft" CRLF
		"To: <sip:bob@example.com>;tag=existing" CRLF
		"Call-ID: bye@client" CRLF
		"CSeq: 3 BYE" CRLF CRLF;

	(void)state;
	f = parse_expect(req, strlen(req), SIPFRAME_OK, why, sizeof(why));
	char *r = sipframe_response(f, 200, "OK", NULL, &len);
	assert_non_null(r);
	assert_non_null(strstr(r, CRLF "To: <sip:bob@example.com>;"
			       "tag=existing" CRLF));
	assert_int_equal(count(r, "tag="), 2);	/* From's and To's */
	free(r);
	sipframe_free(f);
}

/* Two responses get different To tags. */
static void test_response_tags_differ(void **state)
{
	char why[64];
	size_t len;
	struct sipframe *f = parse_expect(REGISTER_MSG, strlen(REGISTER_MSG),
					  SIPFRAME_OK, why, sizeof(why));
	char *a = sipframe_response(f, 400, "Bad", NULL, &len);
	char *b = sipframe_response(f, 400, "Bad", NULL, &len);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(strstr(a, CRLF "To: "), strstr(b, CRLF "To: "));
	free(a);
	free(b);
	sipframe_free(f);
}

static void test_response_extra_headers(void **state)
{
	char why[64];
	size_t len;
	struct sipframe *f = parse_expect(REGISTER_MSG, strlen(REGISTER_MSG),
					  SIPFRAME_OK, why, sizeof(why));
	char *r = sipframe_response(f, 200, "OK",
				    "Allow: INVITE, ACK, BYE" CRLF
				    "Supported: outbound" CRLF, &len);

	(void)state;
	assert_non_null(r);
	assert_true(!strncmp(r, "SIP/2.0 200 OK" CRLF, 16));
	assert_non_null(strstr(r, CRLF "Allow: INVITE, ACK, BYE" CRLF));
	assert_non_null(strstr(r, CRLF "Supported: outbound" CRLF));
	assert_string_equal(r + len - 4, CRLF CRLF);
	struct sipframe *back = parse_expect(r, len, SIPFRAME_OK, why,
					     sizeof(why));
	assert_non_null(sipframe_sip(back)->sip_allow);
	sipframe_free(back);
	free(r);
	sipframe_free(f);
}

static void test_response_status_range(void **state)
{
	char why[64];
	size_t len = 12345;
	struct sipframe *f = parse_expect(REGISTER_MSG, strlen(REGISTER_MSG),
					  SIPFRAME_OK, why, sizeof(why));

	(void)state;
	assert_null(sipframe_response(f, 99, "Too Low", NULL, &len));
	assert_null(sipframe_response(f, 700, "Too High", NULL, &len));
	assert_null(sipframe_response(f, -400, "Negative", NULL, &len));
	assert_int_equal(len, 12345);	/* untouched on failure */
	/* NULL phrase: the standard one. */
	char *r = sipframe_response(f, 404, NULL, NULL, &len);
	assert_non_null(r);
	assert_true(!strncmp(r, "SIP/2.0 404 Not Found" CRLF, 23));
	free(r);
	sipframe_free(f);
}

static void test_options_to_self(void **state)
{
	static const struct {
		const char *rline;
		const char *cseq;
		int self;
	} t[] = {
		{ "OPTIONS sip:gw.example.com SIP/2.0", "1 OPTIONS", 1 },
		{ "OPTIONS sips:gw.example.com:443 SIP/2.0", "1 OPTIONS", 1 },
		{ "OPTIONS sip:gw.example.com;transport=ws SIP/2.0",
		  "1 OPTIONS", 1 },
		{ "OPTIONS sip:alice@gw.example.com SIP/2.0", "1 OPTIONS", 0 },
		{ "OPTIONS sip:+15551234@gw.example.com;user=phone SIP/2.0",
		  "1 OPTIONS", 0 },
		{ "REGISTER sip:gw.example.com SIP/2.0", "1 REGISTER", 0 },
		{ "INFO sip:gw.example.com SIP/2.0", "1 INFO", 0 },
		{ "SIP/2.0 200 OK", "1 OPTIONS", 0 },
	};
	char msg[1024], why[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(msg, sizeof(msg), "%s" CRLF
			 "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF
			 "From: <sip:alice@example.com>;tag=ft" CRLF
			 "To: <sip:gw.example.com>" CRLF
			 "Call-ID: opt@client" CRLF
			 "CSeq: %s" CRLF CRLF, t[i].rline, t[i].cseq);
		struct sipframe *f = parse_expect(msg, strlen(msg),
						  SIPFRAME_OK, why,
						  sizeof(why));
		if (sipframe_is_options_to_self(f) != t[i].self)
			fail_msg("%s: want %d", t[i].rline, t[i].self);
		sipframe_free(f);
	}
}

/* Request with the given Request-URI and Route lines (may be ""). */
static struct sipframe *parse_routed(const char *ruri, const char *routes)
{
	char msg[1024], why[64];

	snprintf(msg, sizeof(msg), "INVITE %s SIP/2.0" CRLF "%s"
		 "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF
		 "From: <sip:alice@example.com>;tag=ft" CRLF
		 "To: <sip:bob@example.com>" CRLF
		 "Call-ID: route@client" CRLF
		 "CSeq: 1 INVITE" CRLF CRLF, ruri, routes);
	return parse_expect(msg, strlen(msg), SIPFRAME_OK, why, sizeof(why));
}

static void test_route_param(void **state)
{
	char buf[64];
	struct sipframe *f;

	(void)state;
	/* From the first Route. */
	f = parse_routed("sip:bob@example.com;rtcgate-owner=b2bua.wrong",
			 "Route: <sip:gw.invalid;lr;rtcgate-owner=b2bua.b1>, "
			 "<sip:other.invalid;lr;rtcgate-owner=b2bua.b2>" CRLF
			 "Route: <sip:third.invalid;rtcgate-owner=x.y>" CRLF);
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "b2bua.b1");
	assert_int_equal(sipframe_route_param(f, "lr", buf, sizeof(buf)), 0);
	assert_int_equal(sipframe_route_param(f, "rtcgate-own", buf,
					      sizeof(buf)), ENOENT);
	assert_int_equal(sipframe_route_param(f, "nope", buf, sizeof(buf)),
			 ENOENT);
	sipframe_free(f);

	/* No Route: from the Request-URI; parameter names ignore case. */
	f = parse_routed("sip:bob@example.com;transport=ws;"
			 "RTCGATE-OWNER=registrar.r1", "");
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "registrar.r1");
	sipframe_free(f);

	/* Only the first Route counts, even when it lacks the parameter. */
	f = parse_routed("sip:bob@example.com;rtcgate-owner=b2bua.b1",
			 "Route: <sip:gw.invalid;lr>" CRLF);
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), ENOENT);
	sipframe_free(f);

	/* No parameters at all. */
	f = parse_routed("sip:bob@example.com", "");
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), ENOENT);
	sipframe_free(f);
}

/* Responses carry the owner in their top Via. */
static void test_route_param_response(void **state)
{
	char buf[64], why[64];
	struct sipframe *f = parse_expect(RESPONSE_MSG, strlen(RESPONSE_MSG),
					  SIPFRAME_OK, why, sizeof(why));

	(void)state;
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "b2bua.b1");
	assert_int_equal(sipframe_route_param(f, "branch", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "z9hG4bKinv1");
	assert_int_equal(sipframe_route_param(f, "rtcgate", buf, sizeof(buf)),
			 ENOENT);
	/* Too long for buf: cut, and terminated. */
	char small[6];
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", small,
					      sizeof(small)), 0);
	assert_string_equal(small, "b2bua");
	sipframe_free(f);

	char *noparam = without_header(RESPONSE_MSG, "Via");
	char msg[1024];
	snprintf(msg, sizeof(msg), "SIP/2.0 200 OK" CRLF
		 "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1" CRLF "%s",
		 strstr(noparam, CRLF) + 2);
	f = parse_expect(msg, strlen(msg), SIPFRAME_OK, why, sizeof(why));
	assert_int_equal(sipframe_route_param(f, "rtcgate-owner", buf,
					      sizeof(buf)), ENOENT);
	sipframe_free(f);
	free(noparam);
}

/* Regression test, bug fixed in (common/sipframe.c, sipframe_route_param, "url_param(...) > 0"):
 * sofia's url_param() returns the value's length + 1 when the value does
 * not fit in the buffer, *without writing it*.  sipframe_route_param then
 * returns 0 with buf unwritten: the caller (wsgw_sip_subject, owner[96]
 * uninitialised on the stack) goes on to strchr() garbage.  A stranger
 * triggers it with a Route or Request-URI ";rtcgate-owner=<96+ chars>". */
static void test_route_param_long_value(void **state)
{
	char ruri[256], buf[16];
	struct sipframe *f;

	(void)state;
	snprintf(ruri, sizeof(ruri), "sip:bob@example.com;rtcgate-owner="
		 "registrar.%0100d", 7);
	f = parse_routed(ruri, "");
	memset(buf, 'Z', sizeof(buf));
	int e = sipframe_route_param(f, "rtcgate-owner", buf, sizeof(buf));
	/* Either refused, or a terminated prefix of the value. */
	if (e == 0) {
		assert_non_null(memchr(buf, '\0', sizeof(buf)));
		assert_true(!strncmp(buf, "registrar.000000",
				     strlen(buf)));
	}
	sipframe_free(f);
}

static void test_set_received(void **state)
{
	char why[64];
	size_t len = 0;
	struct sipframe *f = parse_expect(BAD_CSEQ_MSG, strlen(BAD_CSEQ_MSG),
					  SIPFRAME_BAD_REQUEST, why,
					  sizeof(why));

	(void)state;
	assert_int_equal(sipframe_set_received(f, "192.0.2.1", 40000), 0);
	char *t = sipframe_text(f, &len);
	assert_non_null(t);
	assert_int_equal(len, strlen(t));
	/* The top Via gets both; the existing bare "rport" is replaced. */
	char *v = strstr(t, CRLF "Via: SIP/2.0/WSS a.invalid;");
	assert_non_null(v);
	char *eol = strstr(v + 2, CRLF);
	assert_non_null(eol);
	*eol = '\0';
	assert_non_null(strstr(v, ";received=192.0.2.1"));
	assert_non_null(strstr(v, ";rport=40000"));
	assert_int_equal(count(v, "rport"), 1);
	*eol = '\r';
	/* The second Via is untouched. */
	assert_non_null(strstr(t, CRLF "Via: SIP/2.0/TCP b.invalid:5061;"
			       "branch=z9hG4bK2" CRLF));
	assert_int_equal(count(t, "received="), 1);
	free(t);

	/* Again: values replaced, not added. */
	assert_int_equal(sipframe_set_received(f, "198.51.100.7", 1), 0);
	t = sipframe_text(f, &len);
	assert_non_null(t);
	assert_int_equal(count(t, "received="), 1);
	assert_int_equal(count(t, "rport"), 1);
	assert_non_null(strstr(t, ";received=198.51.100.7"));
	assert_non_null(strstr(t, ";rport=1"));
	free(t);

	/* The sofia view agrees, and a response carries it back. */
	sip_t *sip = sipframe_sip(f);
	assert_string_equal(sip->sip_via->v_received, "198.51.100.7");
	assert_string_equal(sip->sip_via->v_rport, "1");
	char *r = sipframe_response(f, 400, "Bad", NULL, &len);
	assert_non_null(r);
	assert_non_null(strstr(r, ";received=198.51.100.7"));
	free(r);
	sipframe_free(f);
}

/* An unchanged message comes back as it came in. */
static void test_text_roundtrip(void **state)
{
	static const char *const msgs[] = { REGISTER_MSG, INVITE_MSG,
					    RESPONSE_MSG };
	char why[64];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len = 0;
		struct sipframe *f = parse_expect(msgs[i], strlen(msgs[i]),
						  SIPFRAME_OK, why,
						  sizeof(why));
		char *t = sipframe_text(f, &len);
		assert_non_null(t);
		assert_int_equal(len, strlen(msgs[i]));
		assert_string_equal(t, msgs[i]);
		free(t);
		sipframe_free(f);
	}
}

/* Print the To tag of a fresh 400 (used by the test below, in a new
 * process of this same binary). */
static int print_tag(void)
{
	char why[64];
	size_t len;
	struct sipframe *f;

	if (sipframe_parse(REGISTER_MSG, strlen(REGISTER_MSG), &f, why,
			   sizeof(why)) != SIPFRAME_OK)
		return 1;
	char *r = sipframe_response(f, 400, "Bad", NULL, &len);
	char *to = r ? strstr(r, CRLF "To: ") : NULL;
	char *tag = to ? strstr(to, ";tag=") : NULL;
	if (!tag)
		return 1;
	printf("%.*s\n", (int)strcspn(tag + 5, "\r"), tag + 5);
	free(r);
	sipframe_free(f);
	return 0;
}

static void read_tag_of_new_process(char *tag, size_t len)
{
	char exe[4096], cmd[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' --print-tag", exe);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(tag, (int)len, p));
	assert_int_equal(pclose(p), 0);
	assert_true(strlen(tag) > 1);
}

/* Regression test, bug fixed in (common/sipframe.c, sipframe_response, "rg%08lx", random()):
 * random() is never seeded, so every process produces the same sequence
 * of To tags ("rg6b8b4567" first, with glibc): two wsgw instances, or one
 * wsgw before and after a restart, answer with identical tags.  RFC 3261
 * 19.3 wants tags globally unique and cryptographically random (>= 32 */
static void test_tags_differ_across_processes(void **state)
{
	char a[64], b[64];

	(void)state;
	read_tag_of_new_process(a, sizeof(a));
	read_tag_of_new_process(b, sizeof(b));
	assert_string_not_equal(a, b);
}

/* One Contact line with 300 elements re-encodes as 300 header lines on
 * the bus: it is refused with a 400 at the edge already. */
static void test_long_contact_list(void **state)
{
	size_t cap = 65536, len;
	char *buf = malloc(cap), why[96];
	const char *body = strstr(REGISTER_MSG, CRLF CRLF) + 2;
	struct sipframe *f;

	(void)state;
	assert_non_null(buf);
	len = (size_t)(body - REGISTER_MSG);
	memcpy(buf, REGISTER_MSG, len);
	len += (size_t)snprintf(buf + len, cap - len, "Contact: <sip:a0@h.invalid>");
	for (int i = 1; i < 300; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					", <sip:a%d@h.invalid>", i);
	len += (size_t)snprintf(buf + len, cap - len, CRLF CRLF);
	f = parse_expect(buf, len, SIPFRAME_BAD_REQUEST, why, sizeof(why));
	assert_string_equal(why, "Too Many Headers");
	sipframe_free(f);
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_ok),
		cmocka_unit_test(test_invite_with_body_ok),
		cmocka_unit_test(test_responses_ok),
		cmocka_unit_test(test_missing_mandatory_headers),
		cmocka_unit_test(test_unparseable_mandatory_headers),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_empty_and_nul_bytes),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_small_why_buffer),
		cmocka_unit_test(test_bad_cseq_is_bad_request),
		cmocka_unit_test(test_truncated_body_is_bad_request),
		cmocka_unit_test(test_broken_response_is_garbage),
		cmocka_unit_test(test_ten_thousand_headers),
		cmocka_unit_test(test_response_copies_all_vias),
		cmocka_unit_test(test_400_response),
		cmocka_unit_test(test_response_keeps_to_tag),
		cmocka_unit_test(test_response_tags_differ),
		cmocka_unit_test(test_response_extra_headers),
		cmocka_unit_test(test_response_status_range),
		cmocka_unit_test(test_options_to_self),
		cmocka_unit_test(test_route_param),
		cmocka_unit_test(test_route_param_response),
		cmocka_unit_test(test_set_received),
		cmocka_unit_test(test_text_roundtrip),
		cmocka_unit_test(test_route_param_long_value),
		cmocka_unit_test(test_tags_differ_across_processes),
		cmocka_unit_test(test_many_headers_cost),
		cmocka_unit_test(test_long_contact_list),
	};

	if (argc > 1 && !strcmp(argv[1], "--print-tag"))
		return print_tag();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
