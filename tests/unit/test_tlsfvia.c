/* Unit tests for b2bua/tlsf_via: the TLS front end's plaintext streams,
 * message by message, without sockets: framing (CRLF keep-alives, a
 * message split anywhere, two in one read, a body held back until it is
 * all there, a header block that never ends), the up rewrite (a request's
 * TLS top Via becomes TCP with the mark; other messages byte for byte) and
 * the down rewrite (a marked response gets TLS back, the client's real
 * received/rport, no mark).  Run with a name filter as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "b2bua/tlsf_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char INV[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 192.0.2.9:5061;branch=z9hG4bKu1;rport\r\n"
	"Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\n"
	"To: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
	"Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n";

static const char RESP[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/TCP 192.0.2.9:5061;branch=z9hG4bKu1;rport=40000;"
	"received=127.0.0.1;rtcgate-tls\r\n"
	"From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
	"Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

struct fx {
	struct tlsf f;
	struct tlsf_conn c;
};

static struct fx *fx_new(void)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->c.f = &x->f;
	strcpy(x->c.ip, "203.0.113.7");
	x->c.port = 5555;
	return x;
}

static void fx_free(struct fx *x)
{
	tlsf_buf_reset(&x->c.rawup);
	tlsf_buf_reset(&x->c.up);
	tlsf_buf_reset(&x->c.raw);
	tlsf_buf_reset(&x->c.down);
	free(x);
}

/* Feed bytes in, frame until nothing moves; the output as a string. */
static char *feed(struct fx *x, bool up, const char *p, size_t n)
{
	struct tlsf_buf *in = up ? &x->c.rawup : &x->c.raw;
	struct tlsf_buf *out = up ? &x->c.up : &x->c.down;
	char *s;

	assert_int_equal(tlsf_buf_put(in, p, n), 0);
	while (tlsf_via_frame(&x->c, up) == 0)
		;
	s = strndup(out->data ? out->data + out->head : "", out->len);
	tlsf_buf_take(out, out->len);
	return s;
}

static void test_up_rewrite(void **state)
{
	struct fx *x = fx_new();
	char *s = feed(x, true, INV, strlen(INV));

	assert_non_null(strstr(s, "Via: SIP/2.0/TCP 192.0.2.9:5061;"));
	assert_non_null(strstr(s, ";rtcgate-tls"));
	assert_null(strstr(s, "SIP/2.0/TLS"));
	/* the body is there, after the headers, untouched */
	assert_non_null(strstr(s, "\r\n\r\nv=0\r\n"));
	assert_int_equal(x->c.rawup.len, 0);
	free(s);
	fx_free(x);
}

static void test_down_rewrite(void **state)
{
	struct fx *x = fx_new();
	char *s = feed(x, false, RESP, strlen(RESP));

	assert_non_null(strstr(s, "Via: SIP/2.0/TLS 192.0.2.9:5061;"));
	assert_non_null(strstr(s, "rport=5555"));
	assert_non_null(strstr(s, "received=203.0.113.7"));
	assert_null(strstr(s, "rtcgate-tls"));
	assert_null(strstr(s, "40000"));
	assert_null(strstr(s, "127.0.0.1"));
	free(s);
	fx_free(x);
}

/* The client sends from the address in its Via: no received; and no
 * rport when it did not ask. */
static void test_down_same_host(void **state)
{
	struct fx *x = fx_new();
	char resp[1024], *s;

	strcpy(x->c.ip, "192.0.2.9");
	snprintf(resp, sizeof(resp), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/TCP 192.0.2.9:5061;branch=z9hG4bKu2;"
		 "received=127.0.0.1;rtcgate-tls\r\n%s", strstr(RESP, "From:"));
	s = feed(x, false, resp, strlen(resp));
	assert_non_null(strstr(s, "Via: SIP/2.0/TLS 192.0.2.9:5061;branch=z9hG4bKu2\r\n"));
	free(s);
	fx_free(x);
}

/* Messages that need no change pass byte for byte: a request from sofia,
 * a response without the mark, keep-alives. */
static void test_passthrough(void **state)
{
	struct fx *x = fx_new();
	const char *bye = "BYE sip:a@192.0.2.9 SIP/2.0\r\n"
			  "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKd1\r\n"
			  "Max-Forwards: 70\r\nFrom: <sip:b@x>;tag=2\r\n"
			  "To: <sip:a@x>;tag=1\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n"
			  "Content-Length: 0\r\n\r\n";
	char *s = feed(x, false, bye, strlen(bye));

	assert_string_equal(s, bye);
	free(s);
	s = feed(x, true, "\r\n\r\n", 4);
	assert_string_equal(s, "\r\n\r\n");
	free(s);
	fx_free(x);
}

/* Split at every byte: nothing goes out before the whole message (body
 * included) is in, then exactly one rewritten message. */
static void test_split_everywhere(void **state)
{
	size_t n = strlen(INV);

	for (size_t cut = 1; cut < n; cut++) {
		struct fx *x = fx_new();
		char *a = feed(x, true, INV, cut);
		char *b = feed(x, true, INV + cut, n - cut);

		assert_string_equal(a, "");
		assert_non_null(strstr(b, ";rtcgate-tls"));
		assert_non_null(strstr(b, "\r\n\r\nv=0\r\n"));
		assert_int_equal(x->c.rawup.len, 0);
		free(a);
		free(b);
		fx_free(x);
	}
}

/* Two messages and a keep-alive in one read: all three, in order. */
static void test_two_in_one(void **state)
{
	struct fx *x = fx_new();
	char buf[4096], *s, *first, *second;

	snprintf(buf, sizeof(buf), "%s\r\n\r\n%s", INV, INV);
	s = feed(x, true, buf, strlen(buf));
	first = strstr(s, "INVITE ");
	second = first ? strstr(first + 1, "INVITE ") : NULL;
	assert_non_null(second);
	assert_non_null(strstr(first, "v=0\r\n\r\n\r\nINVITE "));
	free(s);
	fx_free(x);
}

/* Headers that never end, too many lines, a body larger than a buffer,
 * garbage: EPROTO up (the connection is dropped). */
static void test_unframeable(void **state)
{
	static char big[TLSF_BUF];
	struct fx *x;
	char lines[16384] = "OPTIONS sip:a@x SIP/2.0\r\n";

	memset(big, 'a', sizeof(big));
	memcpy(big, "OPTIONS sip:a@x SIP/2.0\r\nX: ", 28);
	x = fx_new();
	assert_int_equal(tlsf_buf_put(&x->c.rawup, big, sizeof(big)), 0);
	assert_int_equal(tlsf_via_frame(&x->c, true), EPROTO);
	fx_free(x);

	for (int i = 0; i < 300; i++)
		strcat(lines, "X-A: b\r\n");
	strcat(lines, "\r\n");
	x = fx_new();
	assert_int_equal(tlsf_buf_put(&x->c.rawup, lines, strlen(lines)), 0);
	assert_int_equal(tlsf_via_frame(&x->c, true), EPROTO);
	fx_free(x);

	x = fx_new();
	const char *huge = "OPTIONS sip:a@x SIP/2.0\r\nContent-Length: 100000\r\n\r\n";
	assert_int_equal(tlsf_buf_put(&x->c.rawup, huge, strlen(huge)), 0);
	assert_int_equal(tlsf_via_frame(&x->c, true), EPROTO);
	fx_free(x);

	x = fx_new();
	assert_int_equal(tlsf_buf_put(&x->c.rawup, "\x16\x03\x01\0\0\r\n\r\n", 9), 0);
	assert_int_equal(tlsf_via_frame(&x->c, true), EPROTO);
	fx_free(x);
}

/* No room for the message on the other side: nothing moves (back-
 * pressure), and it moves once the room is there. */
static void test_backpressure(void **state)
{
	struct fx *x = fx_new();
	static char fill[TLSF_BUF - 100];

	memset(fill, 'z', sizeof(fill));
	assert_int_equal(tlsf_buf_put(&x->c.up, fill, sizeof(fill)), 0);
	assert_int_equal(tlsf_buf_put(&x->c.rawup, INV, strlen(INV)), 0);
	assert_int_equal(tlsf_via_frame(&x->c, true), EAGAIN);
	assert_int_equal(x->c.rawup.len, strlen(INV));
	tlsf_buf_take(&x->c.up, x->c.up.len);
	assert_int_equal(tlsf_via_frame(&x->c, true), 0);
	assert_int_equal(x->c.rawup.len, 0);
	assert_non_null(memmem(x->c.up.data + x->c.up.head, x->c.up.len,
			       "rtcgate-tls", 11));
	fx_free(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_rewrite),
		cmocka_unit_test(test_down_rewrite),
		cmocka_unit_test(test_down_same_host),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_two_in_one),
		cmocka_unit_test(test_unframeable),
		cmocka_unit_test(test_backpressure),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("tlsfvia", tests, NULL, NULL);
}
