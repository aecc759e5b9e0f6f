/* Unit tests for registrar/reg_auth: the users file, stateless nonces and
 * the digest computation (RFC 2617, RFC 7616, RFC 8760).  Known-answer
 * vectors come from the RFCs' worked examples; one SIP vector was computed
 * independently with Python's hashlib.  Run with a name filter as argv[1]
 * ("*nonce*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "registrar/reg_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T(f) cmocka_unit_test(f)

static const char SECRET[] = "s3cret-shared-by-replicas";
static const char REALM[] = "example.com";
enum { NOW = 1700000000, TTL = 300 };

/* Parse text that must be accepted. */
static struct reg_users *parse_ok(const char *text)
{
	struct reg_users *u = NULL;
	char err[256] = "";

	int e = reg_users_parse(text, &u, err, sizeof(err));
	if (e)
		print_error("unexpected error %d: %s\n", e, err);
	assert_int_equal(e, 0);
	assert_non_null(u);
	return u;
}

/* Parse text that must be refused with EINVAL; err must hold want. */
static void parse_bad(const char *text, const char *want)
{
	struct reg_users *u = NULL;
	char err[256] = "";

	assert_int_equal(reg_users_parse(text, &u, err, sizeof(err)), EINVAL);
	assert_null(u);
	if (!strstr(err, want))
		print_error("error \"%s\" lacks \"%s\"\n", err, want);
	assert_non_null(strstr(err, want));
}

/* ---- users file ---------------------------------------------------- */

static void test_users_password_lines(void **state)
{
	struct reg_users *u = parse_ok("alice alice-secret\nbob\tbob-secret\n");
	struct reg_cred c;

	assert_int_equal(reg_users_count(u), 2);
	assert_int_equal(reg_users_find(u, "alice", &c), 0);
	assert_string_equal(c.password, "alice-secret");
	assert_string_equal(c.realm, "");
	assert_string_equal(c.ha1, "");
	assert_int_equal(reg_users_find(u, "bob", &c), 0);
	assert_string_equal(c.password, "bob-secret");
	/* lookups are exact: no case folding, no prefixes */
	assert_int_equal(reg_users_find(u, "Alice", &c), ENOENT);
	assert_int_equal(reg_users_find(u, "ali", &c), ENOENT);
	assert_int_equal(reg_users_find(u, "", &c), ENOENT);
	/* a password line allows either algorithm in any realm */
	assert_true(reg_cred_allows(&c, REG_ALG_MD5, "a.example"));
	assert_true(reg_cred_allows(&c, REG_ALG_SHA256, "b.example"));
	reg_users_free(u);
}

static void test_users_comments_blank_crlf(void **state)
{
	struct reg_users *u = parse_ok(
		"# the users of example.com\n"
		"\n"
		"   \t  \n"
		"alice pw1   # trailing comment\n"
		"\t# indented comment\n"
		"bob pw2\r\n"
		"\r\n"
		"   carol   pw3   \n"
		"#dave pw4\n"
		"erin pw5");	/* no final newline */
	struct reg_cred c;

	assert_int_equal(reg_users_count(u), 4);
	assert_int_equal(reg_users_find(u, "alice", &c), 0);
	assert_string_equal(c.password, "pw1");
	assert_int_equal(reg_users_find(u, "bob", &c), 0);
	assert_string_equal(c.password, "pw2");	/* no CR kept */
	assert_int_equal(reg_users_find(u, "carol", &c), 0);
	assert_string_equal(c.password, "pw3");
	assert_int_equal(reg_users_find(u, "dave", &c), ENOENT);
	assert_int_equal(reg_users_find(u, "erin", &c), 0);
	reg_users_free(u);
}

/* '#' starts a comment anywhere on a line, also inside a password: a
 * password containing '#' cannot be written in this file (use the HA1
 * form instead). */
static void test_users_hash_in_password_is_comment(void **state)
{
	struct reg_users *u = parse_ok("alice pa#ss\n");
	struct reg_cred c;

	assert_int_equal(reg_users_find(u, "alice", &c), 0);
	assert_string_equal(c.password, "pa");
	reg_users_free(u);
	parse_bad("bob #secret\n", "line 1:");
}

static void test_users_empty_text(void **state)
{
	struct reg_users *u = parse_ok("");

	assert_int_equal(reg_users_count(u), 0);
	reg_users_free(u);
	u = parse_ok("# nobody yet\n\n");
	assert_int_equal(reg_users_count(u), 0);
	reg_users_free(u);
	reg_users_free(NULL);	/* harmless */
}

static void test_users_ha1_lines(void **state)
{
	struct reg_users *u = parse_ok(
		"carol example.com 5F2C6F3C1E0D8F7A4B3C2D1E0F9A8B7C\n"
		"dave example.com "
		"7987C64C30E25F1B74BE53F966B49B90"
		"F2808AA92FAF9A00262392D7B4794232\n");
	struct reg_cred c;

	assert_int_equal(reg_users_count(u), 2);
	assert_int_equal(reg_users_find(u, "carol", &c), 0);
	assert_string_equal(c.password, "");
	assert_string_equal(c.realm, "example.com");
	/* stored lower case, whatever the file says */
	assert_string_equal(c.ha1, "5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c");
	assert_int_equal(c.ha1_alg, REG_ALG_MD5);
	assert_true(reg_cred_allows(&c, REG_ALG_MD5, "example.com"));
	assert_false(reg_cred_allows(&c, REG_ALG_SHA256, "example.com"));
	assert_false(reg_cred_allows(&c, REG_ALG_MD5, "other.example"));
	assert_false(reg_cred_allows(&c, REG_ALG_MD5, "EXAMPLE.COM"));

	assert_int_equal(reg_users_find(u, "dave", &c), 0);
	assert_int_equal(c.ha1_alg, REG_ALG_SHA256);
	assert_int_equal(strlen(c.ha1), 64);
	assert_true(reg_cred_allows(&c, REG_ALG_SHA256, "example.com"));
	assert_false(reg_cred_allows(&c, REG_ALG_MD5, "example.com"));
	reg_users_free(u);
}

static void test_users_bad_lines(void **state)
{
	parse_bad("alice\n", "line 1: expected");
	parse_bad("alice pw\nbob\n", "line 2: expected");
	parse_bad("a b c d\n", "line 1: expected");
	parse_bad("a b c d e\n", "line 1: too many fields");
	/* three fields: the third must be an MD5 or SHA-256 HA1 in hex */
	parse_bad("carol example.com nothex\n", "ha1 must be 32");
	parse_bad("carol example.com 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7\n",
		  "ha1 must be 32");	/* 31 digits */
	parse_bad("carol example.com 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7cd\n",
		  "ha1 must be 32");	/* 33 digits */
	parse_bad("carol example.com 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7g\n",
		  "ha1 must be 32");	/* 'g' */
	/* the error names the first bad line and nothing is kept */
	parse_bad("alice pw\n# fine\nbob pw\nzed\nerin pw\n", "line 4:");
}

/* Regression test, bug fixed (reg_auth.c:99, strtok_r(copy, "\n", ...)): strtok_r folds runs of
 * '\n', so empty lines are skipped without being counted and the error
 * names the wrong line ("line 2" for the 4th line below).  Lines that hold
 * only "\r" or spaces are counted, so CRLF files are right.  Fix: walk the
 * text line by line with strchr/strsep (which keep empty fields) and count
 * every line. */
static void test_users_bad_line_number_after_blank_lines(void **state)
{
	parse_bad("alice pw\n\n\nzed\n", "line 4:");
}

static void test_users_huge_lines(void **state)
{
	enum { HUGE = 1 << 20 };
	char *text = malloc(HUGE + 64);
	char name[REG_FIELD_MAX + 1];
	struct reg_users *u;
	struct reg_cred c;

	assert_non_null(text);
	/* one field of a megabyte */
	memset(text, 'x', HUGE);
	strcpy(text + HUGE, " pw\n");
	parse_bad(text, "line 1: field too long");
	/* a megabyte of short fields */
	for (size_t i = 0; i < HUGE; i += 2) {
		text[i] = 'a';
		text[i + 1] = ' ';
	}
	strcpy(text + HUGE, "\n");
	parse_bad(text, "line 1: too many fields");
	/* a megabyte of blanks is a blank line */
	memset(text, ' ', HUGE);
	strcpy(text + HUGE, "\nalice pw\n");
	u = parse_ok(text);
	assert_int_equal(reg_users_count(u), 1);
	reg_users_free(u);
	free(text);

	/* REG_FIELD_MAX - 1 characters fit, REG_FIELD_MAX do not */
	memset(name, 'n', REG_FIELD_MAX - 1);
	name[REG_FIELD_MAX - 1] = '\0';
	char line[3 * REG_FIELD_MAX];
	snprintf(line, sizeof(line), "%s %s\n", name, name);
	u = parse_ok(line);
	assert_int_equal(reg_users_find(u, name, &c), 0);
	assert_string_equal(c.password, name);
	reg_users_free(u);
	name[REG_FIELD_MAX - 1] = 'n';
	name[REG_FIELD_MAX] = '\0';
	snprintf(line, sizeof(line), "alice %s\n", name);
	parse_bad(line, "field too long");
	snprintf(line, sizeof(line), "%s pw\n", name);
	parse_bad(line, "field too long");
	snprintf(line, sizeof(line), "carol %s 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c\n",
		 name);
	parse_bad(line, "field too long");
}

/* A user listed twice: the later line wins, silently. */
static void test_users_duplicates_last_wins(void **state)
{
	struct reg_users *u = parse_ok(
		"alice first\n"
		"bob pw\n"
		"alice second\n"
		"bob example.com 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c\n");
	struct reg_cred c;

	assert_int_equal(reg_users_count(u), 2);
	assert_int_equal(reg_users_find(u, "alice", &c), 0);
	assert_string_equal(c.password, "second");
	assert_int_equal(reg_users_find(u, "bob", &c), 0);
	assert_string_equal(c.password, "");
	assert_string_equal(c.ha1, "5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c");
	reg_users_free(u);
}

static void test_users_many(void **state)
{
	enum { N = 20000 };
	size_t cap = (size_t)N * 24, o = 0;
	char *text = malloc(cap);
	struct reg_users *u;
	struct reg_cred c;

	assert_non_null(text);
	for (int i = 0; i < N; i++)
		o += (size_t)snprintf(text + o, cap - o, "u%d pw%d\n", i, i);
	u = parse_ok(text);
	free(text);
	assert_int_equal(reg_users_count(u), N);
	assert_int_equal(reg_users_find(u, "u12345", &c), 0);
	assert_string_equal(c.password, "pw12345");
	assert_int_equal(reg_users_find(u, "u20000", &c), ENOENT);
	reg_users_free(u);
}

static void test_users_load_file(void **state)
{
	char path[] = "/tmp/test_reg_auth.XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "alice pw\n# c\nbob example.com "
		"5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c\n";
	struct reg_users *u = NULL;
	char err[256] = "";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
			 (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(reg_users_load(path, &u, err, sizeof(err)), 0);
	assert_int_equal(reg_users_count(u), 2);
	reg_users_free(u);
	u = NULL;
	/* a bad line in a file: EINVAL naming the line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "alice\n", 6), 6);
	close(fd);
	assert_int_equal(reg_users_load(path, &u, err, sizeof(err)), EINVAL);
	assert_null(u);
	assert_non_null(strstr(err, "line 1"));
	unlink(path);
	/* a missing file: ENOENT, and err says why */
	err[0] = '\0';
	assert_int_equal(reg_users_load(path, &u, err, sizeof(err)), ENOENT);
	assert_null(u);
	assert_true(strlen(err) > 0);
}

/* ---- algorithms and hashes ----------------------------------------- */

static void test_alg_names(void **state)
{
	enum reg_alg a = REG_ALG_SHA256;

	assert_string_equal(reg_alg_name(REG_ALG_MD5), "MD5");
	assert_string_equal(reg_alg_name(REG_ALG_SHA256), "SHA-256");
	/* RFC 3261 22.4: no algorithm means MD5 */
	assert_int_equal(reg_alg_parse(NULL, &a), 0);
	assert_int_equal(a, REG_ALG_MD5);
	assert_int_equal(reg_alg_parse("sha-256", &a), 0);
	assert_int_equal(a, REG_ALG_SHA256);
	assert_int_equal(reg_alg_parse("md5", &a), 0);
	assert_int_equal(a, REG_ALG_MD5);
	/* session variants and SHA-512-256 (RFC 8760) are not offered */
	assert_int_equal(reg_alg_parse("MD5-sess", &a), EINVAL);
	assert_int_equal(reg_alg_parse("SHA-256-sess", &a), EINVAL);
	assert_int_equal(reg_alg_parse("SHA-512-256", &a), EINVAL);
	assert_int_equal(reg_alg_parse("SHA256", &a), EINVAL);
	assert_int_equal(reg_alg_parse("", &a), EINVAL);
}

static void test_hash_hex_vectors(void **state)
{
	char h[REG_HEX_MAX];

	reg_hash_hex(REG_ALG_MD5, "", 0, h);
	assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
	reg_hash_hex(REG_ALG_MD5, "abc", 3, h);
	assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
	reg_hash_hex(REG_ALG_SHA256, "abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad");
	/* the length counts, not the NUL */
	reg_hash_hex(REG_ALG_SHA256, "abcdef", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad");
}

static void test_hex_equal(void **state)
{
	assert_true(reg_hex_equal("6629fae4", "6629fae4"));
	assert_true(reg_hex_equal("6629FAE4", "6629fae4"));
	assert_false(reg_hex_equal("6629fae4", "6629fae5"));
	assert_false(reg_hex_equal("6629fae4", "6629fae"));
	assert_false(reg_hex_equal("", "0"));
	assert_false(reg_hex_equal("00", "0"));
}

/* RFC 2617 section 3.5: the worked example (MD5, qop=auth). */
static void test_digest_rfc2617_example(void **state)
{
	struct reg_cred c = { .password = "Circle Of Life" };
	char ha1[REG_HEX_MAX], resp[REG_HEX_MAX];

	assert_int_equal(reg_ha1(&c, REG_ALG_MD5, "Mufasa",
				 "testrealm@host.com", ha1), 0);
	reg_digest_response(REG_ALG_MD5, ha1,
			    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
			    "0a4f113b", "auth", "GET", "/dir/index.html", resp);
	assert_string_equal(resp, "6629fae49393a05397450978507c4ef1");
}

/* RFC 7616 section 3.9.1: the same request with MD5 and with SHA-256 (the
 * algorithms RFC 8760 section 2.1 brings to SIP; RFC 8760 has no worked
 * example of its own). */
static const char R7616_NONCE[] = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
static const char R7616_CNONCE[] = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
static const char R7616_REALM[] = "http-auth@example.org";

static void test_digest_rfc7616_md5(void **state)
{
	struct reg_cred c = { .password = "Circle of Life" };
	char ha1[REG_HEX_MAX], resp[REG_HEX_MAX];

	assert_int_equal(reg_ha1(&c, REG_ALG_MD5, "Mufasa", R7616_REALM, ha1), 0);
	reg_digest_response(REG_ALG_MD5, ha1, R7616_NONCE, "00000001",
			    R7616_CNONCE, "auth", "GET", "/dir/index.html",
			    resp);
	assert_string_equal(resp, "8ca523f5e9506fed4657c9700eebdbec");
}

static void test_digest_rfc7616_sha256(void **state)
{
	struct reg_cred c = { .password = "Circle of Life" };
	char ha1[REG_HEX_MAX], resp[REG_HEX_MAX];

	assert_int_equal(reg_ha1(&c, REG_ALG_SHA256, "Mufasa", R7616_REALM,
				 ha1), 0);
	reg_digest_response(REG_ALG_SHA256, ha1, R7616_NONCE, "00000001",
			    R7616_CNONCE, "auth", "GET", "/dir/index.html",
			    resp);
	assert_string_equal(resp, "753927fa0e85d155564e2e272a28d180"
				  "2ca10daf4496794697cf8db5856cb6c1");
}

/* The same SHA-256 example from a stored HA1 ("user realm ha1" line):
 * the HA1 is used as is, for its own algorithm and realm only. */
static void test_digest_from_stored_ha1(void **state)
{
	struct reg_users *u = parse_ok(
		"Mufasa http-auth@example.org "
		"7987c64c30e25f1b74be53f966b49b90"
		"f2808aa92faf9a00262392d7b4794232\n");
	struct reg_cred c;
	char ha1[REG_HEX_MAX] = "", resp[REG_HEX_MAX];

	assert_int_equal(reg_users_find(u, "Mufasa", &c), 0);
	reg_users_free(u);
	assert_int_equal(reg_ha1(&c, REG_ALG_SHA256, "Mufasa", R7616_REALM,
				 ha1), 0);
	reg_digest_response(REG_ALG_SHA256, ha1, R7616_NONCE, "00000001",
			    R7616_CNONCE, "auth", "GET", "/dir/index.html",
			    resp);
	assert_string_equal(resp, "753927fa0e85d155564e2e272a28d180"
				  "2ca10daf4496794697cf8db5856cb6c1");
	/* other algorithm or realm: EPERM, nothing written */
	ha1[0] = '\0';
	assert_int_equal(reg_ha1(&c, REG_ALG_MD5, "Mufasa", R7616_REALM, ha1),
			 EPERM);
	assert_string_equal(ha1, "");
	assert_int_equal(reg_ha1(&c, REG_ALG_SHA256, "Mufasa", "example.com",
				 ha1), EPERM);
}

/* A SIP REGISTER as JsSIP answers it (qop=auth, method REGISTER, the
 * Request-URI as digest-uri).  Expected values computed independently:
 *   python3: H=lambda a,s: hashlib.new(a, s.encode()).hexdigest()
 *   ha1=H(a,"alice:example.com:alice-secret"); ha2=H(a,"REGISTER:sip:example.com")
 *   H(a, f"{ha1}:{nonce}:0000000a:c0ffee:auth:{ha2}") */
static void test_digest_sip_register(void **state)
{
	struct reg_cred c = { .password = "alice-secret" };
	const char *nonce = "AAAAAGVT8QDQ3q2-7wEjRWeJq83vASNFZ4mrze8BI0U";
	char ha1[REG_HEX_MAX], resp[REG_HEX_MAX];

	assert_int_equal(reg_ha1(&c, REG_ALG_MD5, "alice", "example.com", ha1), 0);
	assert_string_equal(ha1, "ae7914636bb60b37a9441871cf572389");
	reg_digest_response(REG_ALG_MD5, ha1, nonce, "0000000a", "c0ffee",
			    "auth", "REGISTER", "sip:example.com", resp);
	assert_string_equal(resp, "394ead36d75651b860240e8d72e7bbea");
	assert_int_equal(reg_ha1(&c, REG_ALG_SHA256, "alice", "example.com",
				 ha1), 0);
	reg_digest_response(REG_ALG_SHA256, ha1, nonce, "0000000a", "c0ffee",
			    "auth", "REGISTER", "sip:example.com", resp);
	assert_string_equal(resp, "32f587126958429a794002318ac82caf"
				  "cea1e02f6d74d9a1bee9f9c83b74764a");
	/* every input counts */
	char other[REG_HEX_MAX];
	reg_digest_response(REG_ALG_SHA256, ha1, nonce, "0000000b", "c0ffee",
			    "auth", "REGISTER", "sip:example.com", other);
	assert_string_not_equal(other, resp);
	reg_digest_response(REG_ALG_SHA256, ha1, nonce, "0000000a", "c0ffee",
			    "auth", "INVITE", "sip:example.com", other);
	assert_string_not_equal(other, resp);
	reg_digest_response(REG_ALG_SHA256, ha1, nonce, "0000000a", "c0ffef",
			    "auth", "REGISTER", "sip:example.com", other);
	assert_string_not_equal(other, resp);
}

/* ---- nonces -------------------------------------------------------- */

static int b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void test_nonce_format(void **state)
{
	char a[REG_NONCE_LEN], b[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW, a);
	reg_nonce_make(SECRET, REALM, NOW, b);
	assert_int_equal(strlen(a), REG_NONCE_LEN - 1);
	/* safe inside quotes and URIs */
	for (size_t i = 0; a[i]; i++)
		assert_true(b64url_char(a[i]));
	/* same second, same realm: still different (8 random bytes) */
	assert_string_not_equal(a, b);
	/* the first 8 bytes are the time, big-endian, readable to anyone */
	char c[REG_NONCE_LEN];
	reg_nonce_make(SECRET, REALM, 0, c);
	assert_memory_equal(c, "AAAAAAAAAA", 10);
}

static void test_nonce_good(void **state)
{
	char n[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_OK);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + 1, TTL),
			 REG_NONCE_OK);
	/* another replica with the same secret accepts it too: no state */
	char copy[REG_NONCE_LEN];
	memcpy(copy, n, sizeof(copy));
	assert_int_equal(reg_nonce_check(SECRET, REALM, copy, NOW + 10, TTL),
			 REG_NONCE_OK);
}

static void test_nonce_stale_after_ttl(void **state)
{
	char n[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW, n);
	/* good for TTL seconds inclusive, stale after */
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + TTL, TTL),
			 REG_NONCE_OK);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + TTL + 1, TTL),
			 REG_NONCE_STALE);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + 86400, TTL),
			 REG_NONCE_STALE);
	/* a different TTL moves the line */
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + 11, 10),
			 REG_NONCE_STALE);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW + 10, 10),
			 REG_NONCE_OK);
}

/* A nonce from far in the future (a replica with a broken clock, or a
 * leaked secret) is not accepted. */
static void test_nonce_far_future(void **state)
{
	char n[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW + 100, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_STALE);
	reg_nonce_make(SECRET, REALM, UINT64_MAX, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_STALE);
	reg_nonce_make(SECRET, REALM, NOW + 6, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_STALE);
}

/* Regression test, bug fixed (reg_auth.c:303): "t > now_s + 5 || now_s - t > ttl_s" means to let
 * a nonce from a replica whose clock runs up to 5 s ahead pass, but for
 * t in (now, now + 5] the unsigned now_s - t wraps to about 2^64 and the
 * nonce is STALE: replicas with clocks a second apart answer each other's
 * challenges with stale=true (an extra round trip).  Fix:
 *   if (t > now_s + 5 || (now_s > t && now_s - t > ttl_s))
 */
static void test_nonce_clock_skew_allowance(void **state)
{
	char n[REG_NONCE_LEN];

	for (int d = 1; d <= 5; d++) {
		reg_nonce_make(SECRET, REALM, NOW + (uint64_t)d, n);
		assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
				 REG_NONCE_OK);
	}
}

static void test_nonce_wrong_realm_or_secret(void **state)
{
	char n[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW, n);
	assert_int_equal(reg_nonce_check(SECRET, "example.org", n, NOW, TTL),
			 REG_NONCE_BAD);
	assert_int_equal(reg_nonce_check(SECRET, "", n, NOW, TTL),
			 REG_NONCE_BAD);
	assert_int_equal(reg_nonce_check("another-secret", REALM, n, NOW, TTL),
			 REG_NONCE_BAD);
	assert_int_equal(reg_nonce_check("", REALM, n, NOW, TTL),
			 REG_NONCE_BAD);
	/* the MAC is checked before the time: a foreign nonce never gets
	 * stale=true, whatever its age */
	assert_int_equal(reg_nonce_check("another-secret", REALM, n,
					 NOW + 100000, TTL), REG_NONCE_BAD);
	/* an empty secret still works as a key (and only for itself) */
	reg_nonce_make("", REALM, NOW, n);
	assert_int_equal(reg_nonce_check("", REALM, n, NOW, TTL), REG_NONCE_OK);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_BAD);
}

static char b64url_flip(char c)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = strchr(al, c);

	/* flip the top bit of the 6: significant even in the last
	 * character, whose two low bits are padding */
	return al[(p - al) ^ 0x20];
}

static void test_nonce_tampered(void **state)
{
	char n[REG_NONCE_LEN], t[REG_NONCE_LEN];

	reg_nonce_make(SECRET, REALM, NOW, n);
	/* every character: time (0-10), random (10-21), MAC (21-42) */
	for (size_t i = 0; i < REG_NONCE_LEN - 1; i++) {
		memcpy(t, n, sizeof(t));
		t[i] = b64url_flip(t[i]);
		if (reg_nonce_check(SECRET, REALM, t, NOW, TTL) != REG_NONCE_BAD)
			fail_msg("tampered character %zu accepted: %s", i, t);
	}
	/* moving the time forward by hand breaks the MAC, not just the age */
	reg_nonce_make(SECRET, REALM, NOW - 10 * TTL, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, n, NOW, TTL),
			 REG_NONCE_STALE);
	memcpy(t, n, sizeof(t));
	char fresh[REG_NONCE_LEN];
	reg_nonce_make(SECRET, REALM, NOW, fresh);
	memcpy(t, fresh, 10);	/* a fresh time on an old nonce */
	assert_int_equal(reg_nonce_check(SECRET, REALM, t, NOW, TTL),
			 REG_NONCE_BAD);
}

static void test_nonce_wrong_length_or_alphabet(void **state)
{
	char n[REG_NONCE_LEN], t[REG_NONCE_LEN + 8];

	reg_nonce_make(SECRET, REALM, NOW, n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, "", NOW, TTL),
			 REG_NONCE_BAD);
	/* one character short, one extra, the padding back on */
	memcpy(t, n, REG_NONCE_LEN - 2);
	t[REG_NONCE_LEN - 2] = '\0';
	assert_int_equal(reg_nonce_check(SECRET, REALM, t, NOW, TTL),
			 REG_NONCE_BAD);
	snprintf(t, sizeof(t), "%sA", n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, t, NOW, TTL),
			 REG_NONCE_BAD);
	snprintf(t, sizeof(t), "%s=", n);
	assert_int_equal(reg_nonce_check(SECRET, REALM, t, NOW, TTL),
			 REG_NONCE_BAD);
	/* standard base64 characters and others are refused */
	const char bad[] = { '+', '/', '=', ' ', '"', '.', '\x80', '\n' };
	for (size_t i = 0; i < sizeof(bad); i++) {
		memcpy(t, n, REG_NONCE_LEN);
		t[7] = bad[i];
		assert_int_equal(reg_nonce_check(SECRET, REALM, t, NOW, TTL),
				 REG_NONCE_BAD);
	}
	/* RFC 2617's example nonce (hex, 34 characters) is not ours */
	assert_int_equal(reg_nonce_check(SECRET, REALM,
					 "dcd98b7102dd2f0e8b11d0f600bfb0c093",
					 NOW, TTL), REG_NONCE_BAD);
	/* a long realm is fine (the MAC covers its first 127 bytes) */
	char realm[300];
	memset(realm, 'r', sizeof(realm) - 1);
	realm[sizeof(realm) - 1] = '\0';
	reg_nonce_make(SECRET, realm, NOW, n);
	assert_int_equal(reg_nonce_check(SECRET, realm, n, NOW, TTL),
			 REG_NONCE_OK);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_users_password_lines),
		T(test_users_comments_blank_crlf),
		T(test_users_hash_in_password_is_comment),
		T(test_users_empty_text),
		T(test_users_ha1_lines),
		T(test_users_bad_lines),
		T(test_users_huge_lines),
		T(test_users_duplicates_last_wins),
		T(test_users_many),
		T(test_users_load_file),
		T(test_alg_names),
		T(test_hash_hex_vectors),
		T(test_hex_equal),
		T(test_digest_rfc2617_example),
		T(test_digest_rfc7616_md5),
		T(test_digest_rfc7616_sha256),
		T(test_digest_from_stored_ha1),
		T(test_digest_sip_register),
		T(test_nonce_format),
		T(test_nonce_good),
		T(test_nonce_stale_after_ttl),
		T(test_nonce_far_future),
		T(test_nonce_wrong_realm_or_secret),
		T(test_nonce_tampered),
		T(test_nonce_wrong_length_or_alphabet),
		T(test_users_bad_line_number_after_blank_lines),
		T(test_nonce_clock_skew_allowance),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reg_auth", tests, NULL, NULL);
}
