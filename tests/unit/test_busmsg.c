/* Unit tests for common/busmsg.c: the bus JSON envelope.  Every input here
 * is something a stranger on the bus could publish. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "busmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode a NUL-terminated text; expect code; check err mentions want. */
static void expect_decode(const char *text, int code, const char *want)
{
	json_t *m = (json_t *)0x1;	/* must stay untouched on failure */
	char err[256] = "";
	int e = busmsg_decode(text, strlen(text), &m, err, sizeof(err));

	if (e != code)
		fail_msg("%s: got %d (%s), wanted %d", text, e, err, code);
	if (code) {
		assert_ptr_equal(m, (json_t *)0x1);
		assert_true(err[0] != '\0');
		if (want && !strstr(err, want))
			fail_msg("%s: err \"%s\" lacks \"%s\"", text, err,
				 want);
	} else {
		assert_true(json_is_object(m));
		json_decref(m);
	}
}

static void test_new_envelope(void **state)
{
	json_t *m = busmsg_new("health_req");
	char err[128] = "";

	(void)state;
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "v")),
			 BUSMSG_VERSION);
	assert_string_equal(busmsg_kind(m), "health_req");
	assert_int_equal(json_object_size(m), 2);
	assert_int_equal(busmsg_validate(m, err, sizeof(err)), 0);
	json_decref(m);

	/* A new envelope lacks its kind's fields until they are added. */
	m = busmsg_new("lookup");
	assert_int_equal(busmsg_validate(m, err, sizeof(err)),
			 BUSMSG_E_FIELD);
	assert_string_equal(err, "lookup: field \"aor\" must be a string");
	json_object_set_new(m, "aor", json_string("sip:alice@example.com"));
	assert_int_equal(busmsg_validate(m, err, sizeof(err)), 0);
	json_decref(m);
}

/* One valid message of every kind the schemas list. */
static void test_decode_every_kind(void **state)
{
	static const char *const ok[] = {
		"{\"v\":1,\"kind\":\"sip\",\"edge\":\"wsgw.1\",\"conn\":\"c1\","
		"\"src_ip\":\"192.0.2.1\",\"src_port\":5060,"
		"\"ts_us\":1700000000000000,\"sip\":\"REGISTER ...\"}",
		"{\"v\":1,\"kind\":\"send\",\"conn\":\"c1\",\"sip\":\"x\"}",
		"{\"v\":1,\"kind\":\"send_result\",\"ok\":true}",
		"{\"v\":1,\"kind\":\"send_result\",\"ok\":false}",
		"{\"v\":1,\"kind\":\"closed\",\"edge\":\"e\",\"conn\":\"c\","
		"\"reason\":\"client\"}",
		"{\"v\":1,\"kind\":\"health_req\"}",
		"{\"v\":1,\"kind\":\"health\",\"service\":\"wsgw\",\"id\":\"w1\","
		"\"version\":\"0.1\",\"uptime_s\":3,\"counters\":{}}",
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"sip:a@b\"}",
		"{\"v\":1,\"kind\":\"bindings\",\"aor\":\"sip:a@b\","
		"\"bindings\":[]}",
		"{\"v\":1,\"kind\":\"reg_event\",\"event\":\"added\","
		"\"aor\":\"sip:a@b\"}",
		"{\"v\":1,\"kind\":\"error\",\"code\":4,\"reason\":\"x\"}",
		/* Unknown extra fields and any key order are fine. */
		"{\"extra\":[1,{\"a\":null}],\"kind\":\"health_req\",\"v\":1}",
		" \r\n\t{\"v\":1,\"kind\":\"health_req\"}\n ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_decode(ok[i], 0, NULL);
}

static void test_decode_reads_fields(void **state)
{
	const char *text = "{\"v\":1,\"kind\":\"sip\",\"edge\":\"wsgw.1\","
			   "\"conn\":\"c1\",\"src_ip\":\"192.0.2.1\","
			   "\"src_port\":5060,\"ts_us\":1700000000000001,"
			   "\"sip\":\"OPTIONS sip:x SIP/2.0\"}";
	json_t *m = NULL;
	char err[64];

	(void)state;
	assert_int_equal(busmsg_decode(text, strlen(text), &m, err,
				       sizeof(err)), 0);
	assert_string_equal(busmsg_kind(m), "sip");
	assert_string_equal(busmsg_str(m, "src_ip"), "192.0.2.1");
	assert_int_equal(busmsg_int(m, "src_port"), 5060);
	assert_true(busmsg_int(m, "ts_us") == 1700000000000001LL);
	/* Absent or of another type: NULL / 0. */
	assert_null(busmsg_str(m, "nope"));
	assert_null(busmsg_str(m, "src_port"));
	assert_int_equal(busmsg_int(m, "nope"), 0);
	assert_int_equal(busmsg_int(m, "src_ip"), 0);
	json_decref(m);
}

/* Only the bytes in [data, data+len) are read: no terminator needed. */
static void test_decode_unterminated_buffer(void **state)
{
	static const char text[] = "{\"v\":1,\"kind\":\"health_req\"}";
	size_t len = sizeof(text) - 1;
	char *buf = malloc(len);
	json_t *m = NULL;
	char err[64];

	(void)state;
	assert_non_null(buf);
	memcpy(buf, text, len);
	assert_int_equal(busmsg_decode(buf, len, &m, err, sizeof(err)), 0);
	json_decref(m);
	/* A length shorter than the text cuts it: bad JSON. */
	assert_int_equal(busmsg_decode(buf, len - 1, &m, err, sizeof(err)),
			 BUSMSG_E_BADJSON);
	free(buf);
}

static void test_not_json(void **state)
{
	static const char *const bad[] = {
		"", " ", "not json", "{", "}", "{\"v\":1,", "nul",
		"{\"v\":1,\"kind\":\"health_req\"} x",
		"{\"v\":1,\"kind\":\"health_req\"}{}",
		"{'v':1}", "{v:1}", "{\"v\":01,\"kind\":\"health_req\"}",
		"{\"v\":1,\"kind\":\"health_req\",}",
		/* Too big for any integer type jansson has. */
		"{\"v\":1,\"kind\":\"error\",\"code\":99999999999999999999,"
		"\"reason\":\"x\"}",
		/* Duplicate keys are refused, not resolved. */
		"{\"v\":1,\"kind\":\"health_req\",\"kind\":\"lookup\"}",
		/* \u0000 would cut C strings short. */
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"a\\u0000b\"}",
		/* A lone surrogate is not a character. */
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\\ud800\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_decode(bad[i], BUSMSG_E_BADJSON, "bad JSON");
}

/* JSON that is not an object: scalars are not JSON texts jansson accepts
 * by default, arrays parse but are not envelopes. */
static void test_not_an_object(void **state)
{
	(void)state;
	expect_decode("[1,2,3]", BUSMSG_E_BADJSON, "not a JSON object");
	expect_decode("[]", BUSMSG_E_BADJSON, "not a JSON object");
	expect_decode("42", BUSMSG_E_BADJSON, "bad JSON");
	expect_decode("\"str\"", BUSMSG_E_BADJSON, "bad JSON");
	expect_decode("null", BUSMSG_E_BADJSON, "bad JSON");
}

static void test_nul_bytes_in_data(void **state)
{
	static const char text[] = "{\"v\":1,\"kind\":\"health_req\"}\0{}";
	static const char text2[] = "{\"v\":1,\"kind\":\"look\0up\"}";
	json_t *m = NULL;
	char err[128];

	(void)state;
	/* The whole length is parsed: bytes after a NUL are not ignored. */
	assert_int_equal(busmsg_decode(text, sizeof(text) - 1, &m, err,
				       sizeof(err)), BUSMSG_E_BADJSON);
	assert_int_equal(busmsg_decode(text2, sizeof(text2) - 1, &m, err,
				       sizeof(err)), BUSMSG_E_BADJSON);
}

static void test_non_utf8(void **state)
{
	static const char *const bad[] = {
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xff\"}",
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xc3\"}",	/* cut */
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xc0\xaf\"}",	/* overlong */
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xed\xa0\x80\"}", /* surrogate */
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xf4\x90\x80\x80\"}", /* > U+10FFFF */
		"{\"v\xfe\":1}",
		"\xef\xbb\xbf{\"v\":1,\"kind\":\"health_req\"}",	/* BOM */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_decode(bad[i], BUSMSG_E_BADJSON, "bad JSON");
	/* Valid multi-byte UTF-8 is fine. */
	expect_decode("{\"v\":1,\"kind\":\"lookup\",\"aor\":\"sip:\xc3\xa9@x\"}",
		      0, NULL);
}

static void test_version(void **state)
{
	static const char *const bad[] = {
		"{\"kind\":\"health_req\"}",
		"{\"v\":2,\"kind\":\"health_req\"}",
		"{\"v\":0,\"kind\":\"health_req\"}",
		"{\"v\":-1,\"kind\":\"health_req\"}",
		"{\"v\":\"1\",\"kind\":\"health_req\"}",
		"{\"v\":1.0,\"kind\":\"health_req\"}",
		"{\"v\":true,\"kind\":\"health_req\"}",
		"{\"v\":null,\"kind\":\"health_req\"}",
		"{\"v\":[1],\"kind\":\"health_req\"}",
		"{\"v\":4294967297,\"kind\":\"health_req\"}",
		/* The version is checked before the kind. */
		"{\"v\":2,\"kind\":\"no_such_kind\"}",
		"{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_decode(bad[i], BUSMSG_E_VERSION, "\"v\"");
}

static void test_kind(void **state)
{
	static const char *const missing[] = {
		"{\"v\":1}",
		"{\"v\":1,\"kind\":5}",
		"{\"v\":1,\"kind\":null}",
		"{\"v\":1,\"kind\":[\"sip\"]}",
		"{\"v\":1,\"Kind\":\"health_req\"}",
	};
	static const char *const unknown[] = {
		"{\"v\":1,\"kind\":\"\"}",
		"{\"v\":1,\"kind\":\"SIP\"}",
		"{\"v\":1,\"kind\":\"sip \"}",
		"{\"v\":1,\"kind\":\"health_req_\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		expect_decode(missing[i], BUSMSG_E_KIND, "missing \"kind\"");
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		expect_decode(unknown[i], BUSMSG_E_KIND, "unknown kind");
}

/* The reason names the kind, cut at 40 bytes so a stranger's long kind
 * cannot flood logs. */
static void test_unknown_kind_reason(void **state)
{
	char text[400], want[80];
	char kind[201];
	json_t *m = NULL;
	char err[256];

	(void)state;
	memset(kind, 'k', sizeof(kind) - 1);
	kind[sizeof(kind) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"v\":1,\"kind\":\"%s\"}", kind);
	assert_int_equal(busmsg_decode(text, strlen(text), &m, err,
				       sizeof(err)), BUSMSG_E_KIND);
	snprintf(want, sizeof(want), "unknown kind \"%.40s\"", kind);
	assert_string_equal(err, want);
}

/* Each required field of "sip": missing, then of the wrong type. */
static void test_sip_fields(void **state)
{
	static const struct {
		const char *name;
		const char *good;
		const char *bad;
		const char *type;
	} f[] = {
		{ "edge", "\"e\"", "1", "a string" },
		{ "conn", "\"c\"", "null", "a string" },
		{ "src_ip", "\"192.0.2.1\"", "[]", "a string" },
		{ "src_port", "5060", "\"5060\"", "an integer" },
		{ "ts_us", "1", "1.5", "an integer" },
		{ "sip", "\"x\"", "{}", "a string" },
	};
	enum { NF = sizeof(f) / sizeof(f[0]) };
	char text[512], want[128];

	(void)state;
	for (size_t skip = 0; skip < NF; skip++) {
		for (int wrong = 0; wrong < 2; wrong++) {
			size_t n = (size_t)snprintf(text, sizeof(text),
					"{\"v\":1,\"kind\":\"sip\"");
			for (size_t i = 0; i < NF; i++) {
				if (i == skip && !wrong)
					continue;
				n += (size_t)snprintf(text + n,
					sizeof(text) - n, ",\"%s\":%s",
					f[i].name,
					i == skip ? f[i].bad : f[i].good);
			}
			snprintf(text + n, sizeof(text) - n, "}");
			snprintf(want, sizeof(want),
				 "sip: field \"%s\" must be %s", f[skip].name,
				 f[skip].type);
			expect_decode(text, BUSMSG_E_FIELD, want);
		}
	}
}

static void test_other_field_types(void **state)
{
	(void)state;
	expect_decode("{\"v\":1,\"kind\":\"send_result\",\"ok\":\"true\"}",
		      BUSMSG_E_FIELD, "\"ok\" must be a boolean");
	expect_decode("{\"v\":1,\"kind\":\"send_result\",\"ok\":1}",
		      BUSMSG_E_FIELD, "\"ok\" must be a boolean");
	expect_decode("{\"v\":1,\"kind\":\"send_result\"}",
		      BUSMSG_E_FIELD, "\"ok\"");
	expect_decode("{\"v\":1,\"kind\":\"health\",\"service\":\"wsgw\","
		      "\"id\":\"w1\",\"version\":\"0.1\",\"uptime_s\":3,"
		      "\"counters\":[]}",
		      BUSMSG_E_FIELD, "\"counters\" must be an object");
	expect_decode("{\"v\":1,\"kind\":\"bindings\",\"aor\":\"a\","
		      "\"bindings\":{}}",
		      BUSMSG_E_FIELD, "\"bindings\" must be an array");
	expect_decode("{\"v\":1,\"kind\":\"error\",\"code\":\"4\","
		      "\"reason\":\"x\"}",
		      BUSMSG_E_FIELD, "\"code\" must be an integer");
	expect_decode("{\"v\":1,\"kind\":\"lookup\",\"aor\":null}",
		      BUSMSG_E_FIELD, "lookup: field \"aor\"");
}

static void test_too_big(void **state)
{
	size_t len = BUSMSG_MAX_LEN + 1;
	char *buf = malloc(len);
	json_t *m = NULL;
	char err[128] = "";
	static const char head[] = "{\"v\":1,\"kind\":\"health_req\"}";

	(void)state;
	assert_non_null(buf);
	/* Valid JSON padded with whitespace: one byte over is refused
	 * before parsing, exactly the limit is accepted. */
	memset(buf, ' ', len);
	memcpy(buf, head, sizeof(head) - 1);
	assert_int_equal(busmsg_decode(buf, len, &m, err, sizeof(err)),
			 BUSMSG_E_TOOBIG);
	assert_non_null(strstr(err, "too big"));
	assert_int_equal(busmsg_decode(buf, BUSMSG_MAX_LEN, &m, err,
				       sizeof(err)), 0);
	json_decref(m);
	/* A huge length is refused without reading the data. */
	assert_int_equal(busmsg_decode(buf, (size_t)-1, &m, err, sizeof(err)),
			 BUSMSG_E_TOOBIG);
	free(buf);
}

/* Deep nesting must not exhaust the stack: jansson caps the depth. */
static void test_deeply_nested(void **state)
{
	enum { DEPTH = 100000 };	/* jansson allows 2048 */
	static const char head[] = "{\"v\":1,\"kind\":\"health_req\",\"x\":";
	size_t len = sizeof(head) - 1 + 2 * DEPTH + 1;
	char *buf = malloc(len);
	json_t *m = NULL;
	char err[128];

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, '[', DEPTH);
	memset(buf + sizeof(head) - 1 + DEPTH, ']', DEPTH);
	buf[len - 1] = '}';
	assert_int_equal(busmsg_decode(buf, len, &m, err, sizeof(err)),
			 BUSMSG_E_BADJSON);
	/* Unbalanced: only openings. */
	assert_int_equal(busmsg_decode(buf, sizeof(head) - 1 + DEPTH, &m, err,
				       sizeof(err)), BUSMSG_E_BADJSON);
	free(buf);

	/* Nested objects: {"a":{"a":...1...}} */
	len = sizeof(head) - 1 + 5 * (size_t)DEPTH + 1 + DEPTH + 1;
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	for (size_t i = 0; i < DEPTH; i++)
		memcpy(buf + sizeof(head) - 1 + 5 * i, "{\"a\":", 5);
	buf[sizeof(head) - 1 + 5 * (size_t)DEPTH] = '1';
	memset(buf + sizeof(head) + 5 * (size_t)DEPTH, '}', DEPTH + 1);
	assert_int_equal(busmsg_decode(buf, len, &m, err, sizeof(err)),
			 BUSMSG_E_BADJSON);
	free(buf);

	/* Moderate nesting is accepted. */
	char ok[256];
	int n = snprintf(ok, sizeof(ok), "%s", head);
	for (int i = 0; i < 50; i++)
		ok[n++] = '[';
	for (int i = 0; i < 50; i++)
		ok[n++] = ']';
	ok[n++] = '}';
	assert_int_equal(busmsg_decode(ok, (size_t)n, &m, err, sizeof(err)),
			 0);
	json_decref(m);
}

/* A very long (but allowed) field decodes whole. */
static void test_big_field(void **state)
{
	size_t n = 512 * 1024;
	char *buf = malloc(n + 64);
	json_t *m = NULL;
	char err[128];

	(void)state;
	assert_non_null(buf);
	int h = snprintf(buf, 64, "{\"v\":1,\"kind\":\"lookup\",\"aor\":\"");
	memset(buf + h, 'a', n);
	memcpy(buf + h + n, "\"}", 2);
	assert_int_equal(busmsg_decode(buf, (size_t)h + n + 2, &m, err,
				       sizeof(err)), 0);
	assert_int_equal(strlen(busmsg_str(m, "aor")), n);
	json_decref(m);
	free(buf);
}

static void test_validate_non_object(void **state)
{
	char err[128];
	json_t *a = json_array();

	(void)state;
	assert_int_equal(busmsg_validate(NULL, err, sizeof(err)),
			 BUSMSG_E_BADJSON);
	assert_int_equal(busmsg_validate(a, err, sizeof(err)),
			 BUSMSG_E_BADJSON);
	assert_string_equal(err, "message is not a JSON object");
	json_decref(a);
}

/* Error text is truncated to the buffer, never overflows it. */
static void test_small_err_buffer(void **state)
{
	const char *text = "{\"v\":1,\"kind\":\"no_such_kind_at_all\"}";
	char err[16];
	json_t *m = NULL;

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(busmsg_decode(text, strlen(text), &m, err, 6),
			 BUSMSG_E_KIND);
	assert_string_equal(err, "unkno");
	assert_int_equal(err[6], 'x');
}

static void test_encode_roundtrip(void **state)
{
	json_t *m = busmsg_new("send");
	json_t *back = NULL;
	size_t len = 0;
	char err[64];

	(void)state;
	json_object_set_new(m, "conn", json_string("c1"));
	json_object_set_new(m, "sip", json_string("line1\r\nline2\"\\\x01"));
	char *s = busmsg_encode(m, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	/* Compact: one line, no spaces between tokens. */
	assert_null(strchr(s, '\n'));
	assert_null(strstr(s, ", "));
	assert_null(strstr(s, ": "));
	assert_int_equal(busmsg_decode(s, len, &back, err, sizeof(err)), 0);
	assert_true(json_equal(m, back));
	assert_string_equal(busmsg_str(back, "sip"),
			    "line1\r\nline2\"\\\x01");
	free(s);
	/* lenp is optional. */
	s = busmsg_encode(m, NULL);
	assert_non_null(s);
	free(s);
	json_decref(back);
	json_decref(m);
}

static void test_error_reply(void **state)
{
	json_t *r = busmsg_error(BUSMSG_E_NOCONN, "connection c1 is gone");
	char err[64];

	(void)state;
	assert_non_null(r);
	assert_int_equal(busmsg_validate(r, err, sizeof(err)), 0);
	assert_string_equal(busmsg_kind(r), "error");
	assert_int_equal(busmsg_int(r, "code"), BUSMSG_E_NOCONN);
	assert_string_equal(busmsg_str(r, "reason"), "connection c1 is gone");
	json_decref(r);
}

/* Services answer every refused message with busmsg_error(code, err) built
 * from the decoder's own reason; that reply must itself be a valid
 * envelope whatever the stranger sent. */
static void test_error_reply_for_each_failure(void **state)
{
	static const char *const bad[] = {
		"junk", "[1]", "{\"v\":9}", "{\"v\":1}",
		"{\"v\":1,\"kind\":\"nope\"}",
		"{\"v\":1,\"kind\":\"lookup\"}",
		"{\"v\":1,\"kind\":\"lookup\",\"aor\":\"\xff\xfe\"}",
	};
	char err[160];
	json_t *m = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = busmsg_decode(bad[i], strlen(bad[i]), &m, err,
				      sizeof(err));
		assert_int_not_equal(e, 0);
		json_t *r = busmsg_error(e, err);
		char err2[160];
		if (busmsg_validate(r, err2, sizeof(err2)))
			fail_msg("reply to %s invalid: %s", bad[i], err2);
		assert_string_equal(busmsg_str(r, "reason"), err);
		json_decref(r);
	}
}

/* Regression test, bug fixed in (common/busmsg.c, busmsg_validate, "unknown kind \"%.40s\""):
 * the kind is cut at 40 *bytes*, which can split a multi-byte UTF-8
 * character.  The reason is then not valid UTF-8, json_string() refuses it
 * in busmsg_error(), and the error reply goes out without its required
 * "reason" field, so it fails its own schema (E_FIELD) at the receiver. */
static void test_error_reply_for_long_utf8_kind(void **state)
{
	char text[256];
	char err[160], err2[160];
	json_t *m = NULL;
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "{\"v\":1,\"kind\":\"a");

	(void)state;
	for (int i = 0; i < 30; i++)	/* "é" is two bytes */
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\xc3\xa9");
	snprintf(text + n, sizeof(text) - n, "\"}");
	int e = busmsg_decode(text, strlen(text), &m, err, sizeof(err));
	assert_int_equal(e, BUSMSG_E_KIND);
	json_t *r = busmsg_error(e, err);
	assert_non_null(json_object_get(r, "reason"));
	assert_int_equal(busmsg_validate(r, err2, sizeof(err2)), 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_envelope),
		cmocka_unit_test(test_decode_every_kind),
		cmocka_unit_test(test_decode_reads_fields),
		cmocka_unit_test(test_decode_unterminated_buffer),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_nul_bytes_in_data),
		cmocka_unit_test(test_non_utf8),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_unknown_kind_reason),
		cmocka_unit_test(test_sip_fields),
		cmocka_unit_test(test_other_field_types),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_deeply_nested),
		cmocka_unit_test(test_big_field),
		cmocka_unit_test(test_validate_non_object),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_error_reply_for_each_failure),
		cmocka_unit_test(test_error_reply_for_long_utf8_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
