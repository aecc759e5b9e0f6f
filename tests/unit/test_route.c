/* Unit tests for b2bua/route: the dial plan file (every pattern kind,
 * precedence, templates, rewrites, default, reject), bad files with
 * file:line in the error, a 10,000-rule file, and hostile users.  Run with
 * a name filter as argv[1] ("*regex*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "b2bua/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT "sip:${user}@out.example.com"

static struct route_table *parse(const char *text)
{
	struct route_table *t = NULL;
	char err[256] = "";
	int e = route_table_parse(text, strlen(text), "routes.conf", &t, err,
				  sizeof(err));

	if (e)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(e, 0);
	return t;
}

/* Parse must fail with err starting "routes.conf:<line>: " and holding
 * want. */
static void parse_bad(const char *text, size_t len, int line,
		      const char *want)
{
	struct route_table *t = NULL;
	char err[256] = "", prefix[64];
	int e = route_table_parse(text, len, "routes.conf", &t, err,
				  sizeof(err));

	assert_int_not_equal(e, 0);
	assert_null(t);
	snprintf(prefix, sizeof(prefix), "routes.conf:%d: ", line);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		print_error("err '%s', want '%s...%s'\n", err, prefix, want);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, want));
}

static void expect_sip(const struct route_table *t, const char *user,
		       const char *uri)
{
	struct route_result r;

	assert_int_equal(route_lookup(t, user, NULL, &r), 0);
	if (r.kind != ROUTE_SIP || strcmp(r.uri, uri))
		print_error("%s -> kind %d '%s', want '%s'\n", user, r.kind,
			    r.uri, uri);
	assert_int_equal(r.kind, ROUTE_SIP);
	assert_string_equal(r.uri, uri);
}

static void expect_reject(const struct route_table *t, const char *user,
			  int code)
{
	struct route_result r;

	assert_int_equal(route_lookup(t, user, NULL, &r), 0);
	assert_int_equal(r.kind, ROUTE_REJECT);
	assert_int_equal(r.code, code);
}

/* ---- pattern kinds --------------------------------------------------- */

static void test_exact(void **state)
{
	struct route_table *t = parse(
		"alice sip:alice@pbx.example.com\n"
		"bob   sip:${user}@pbx.example.com;transport=tcp\n");
	struct route_result r;

	expect_sip(t, "alice", "sip:alice@pbx.example.com");
	expect_sip(t, "bob", "sip:bob@pbx.example.com;transport=tcp");
	expect_reject(t, "alicex", 404);
	expect_reject(t, "alic", 404);
	expect_reject(t, "Alice", 404);	/* user parts are case-sensitive */
	assert_int_equal(route_lookup(t, "bob", NULL, &r), 0);
	assert_int_equal(r.line, 2);
	assert_string_equal(r.user, "bob");
	assert_int_equal(route_table_count(t), 2);
	route_table_free(t);
}

static void test_prefix(void **state)
{
	struct route_table *t = parse(
		"00*  sip:${user}@intl.example.com strip=2 prefix=+\n"
		"+44* sip:${user}@uk.example.com\n"
		"*    sip:${user}@rest.example.com\n");

	expect_sip(t, "0044201", "sip:+44201@intl.example.com");
	expect_sip(t, "+44201", "sip:+44201@uk.example.com");
	expect_sip(t, "+44", "sip:+44@uk.example.com");	/* empty rest */
	expect_sip(t, "+4", "sip:+4@rest.example.com");
	expect_sip(t, "carol", "sip:carol@rest.example.com");
	route_table_free(t);
}

static void test_digit_classes(void **state)
{
	struct route_table *t = parse(
		"1XXX  sip:${user}@four.example.com\n"
		"NXX   sip:${user}@three.example.com\n"
		"Z0    sip:${user}@two.example.com\n"
		"9NXX* sip:${user}@nine.example.com strip=1\n"
		"*7X   sip:${user}@feature.example.com\n");

	expect_sip(t, "1234", "sip:1234@four.example.com");
	expect_reject(t, "123", 404);
	expect_reject(t, "12345", 404);
	expect_reject(t, "1a34", 404);
	expect_sip(t, "212", "sip:212@three.example.com");
	expect_reject(t, "112", 404);	/* N is 2-9 */
	expect_sip(t, "10", "sip:10@two.example.com");
	expect_reject(t, "00", 404);	/* Z is 1-9 */
	expect_sip(t, "9200", "sip:200@nine.example.com");
	expect_sip(t, "9200555", "sip:200555@nine.example.com");
	expect_reject(t, "9100", 404);
	expect_sip(t, "*72", "sip:*72@feature.example.com");
	expect_reject(t, "*7", 404);
	route_table_free(t);
}

static void test_regex(void **state)
{
	struct route_table *t = parse(
		"re:(sales|support)([0-9]*) sip:${1}@q${2}.example.com\n"
		"re:[a-z]+\\.[a-z]+ sip:${user}@people.example.com\n"
		"re:a|b sip:${user}@ab.example.com\n");

	expect_sip(t, "sales", "sip:sales@q.example.com");
	expect_sip(t, "support42", "sip:support@q42.example.com");
	expect_reject(t, "xsales", 404);	/* anchored at the start */
	expect_reject(t, "sales1x", 404);	/* and at the end */
	expect_sip(t, "john.smith", "sip:john.smith@people.example.com");
	expect_reject(t, "john.smith2", 404);
	expect_sip(t, "a", "sip:a@ab.example.com");
	expect_reject(t, "ab", 404);	/* alternation stays anchored */
	route_table_free(t);
}

/* ---- precedence ------------------------------------------------------ */

static void test_precedence(void **state)
{
	struct route_table *t = parse(
		"1*     @reject:403\n"
		"1000   sip:a@one.example.com\n"
		"2000   sip:a@first.example.com\n"
		"2*     sip:${user}@two.example.com\n"
		"2000   sip:a@second.example.com\n"
		"re:3.* sip:${user}@re.example.com\n"
		"3XX    sip:${user}@digits.example.com\n");
	struct route_result r;

	/* a prefix above an exact user wins */
	assert_int_equal(route_lookup(t, "1000", NULL, &r), 0);
	assert_int_equal(r.kind, ROUTE_REJECT);
	assert_int_equal(r.code, 403);
	assert_int_equal(r.line, 1);
	/* an exact user above a prefix wins, and the first of two exact
	 * lines for the same user */
	assert_int_equal(route_lookup(t, "2000", NULL, &r), 0);
	assert_string_equal(r.uri, "sip:a@first.example.com");
	assert_int_equal(r.line, 3);
	expect_sip(t, "2001", "sip:2001@two.example.com");
	expect_sip(t, "300", "sip:300@re.example.com");
	route_table_free(t);
}

/* ---- templates and rewrites ------------------------------------------ */

static void test_templates(void **state)
{
	struct route_table *t = parse(
		"alice sip:pbx.example.com;transport=tcp\n"
		"bob   SIPS:pbx.example.com:5061\n"
		"0*    sip:${user}@trunk.example.com;orig=${dialled} strip=1\n"
		"h*    sip:x-${dialled}-${user}@h.example.com prefix=p\n"
		"d$x   sip:${user}@dollar.example.com\n");

	/* no '@': the user goes in front of the host */
	expect_sip(t, "alice", "sip:alice@pbx.example.com;transport=tcp");
	expect_sip(t, "bob", "SIPS:bob@pbx.example.com:5061");
	expect_sip(t, "0123", "sip:123@trunk.example.com;orig=0123");
	expect_sip(t, "hi", "sip:x-hi-phi@h.example.com");
	expect_sip(t, "d$x", "sip:d$x@dollar.example.com");
	route_table_free(t);
}

static void test_strip_prefix(void **state)
{
	struct route_table *t = parse(
		"99   sip:${user}@x.example.com strip=1 prefix=0044\n"
		"9*   sip:${user}@out.example.com strip=1\n"
		"*    sip:${user}@catch.example.com\n");
	struct route_result r;

	expect_sip(t, "9555", "sip:555@out.example.com");
	/* "9" would strip to nothing: the rule is skipped */
	expect_sip(t, "9", "sip:9@catch.example.com");
	assert_int_equal(route_lookup(t, "9555", NULL, &r), 0);
	assert_string_equal(r.user, "555");
	/* strip and prefix on an exact user */
	assert_int_equal(route_lookup(t, "99", NULL, &r), 0);
	assert_string_equal(r.user, "00449");
	route_table_free(t);
}

/* srtp=: the route's SDES choice for mediad's offer toward it. */
static void test_srtp_option(void **state)
{
	struct route_table *t = parse(
		"pbx*  sip:${user}@pbx.example.com srtp=mandatory strip=3\n"
		"re:tr([0-9]+) sip:${1}@trunk.example.com srtp=optional\n"
		"*     sip:${user}@plain.example.com\n");
	struct route_result r;

	(void)state;
	assert_int_equal(route_lookup(t, "pbx100", NULL, &r), 0);
	assert_string_equal(r.uri, "sip:100@pbx.example.com");
	assert_string_equal(r.srtp, "mandatory");
	assert_int_equal(route_lookup(t, "tr55", NULL, &r), 0);
	assert_string_equal(r.srtp, "optional");
	assert_int_equal(route_lookup(t, "bob", NULL, &r), 0);
	assert_string_equal(r.srtp, "");
	/* the default route has none either */
	assert_int_equal(route_lookup(NULL, "bob", OUT, &r), 0);
	assert_string_equal(r.srtp, "");
	route_table_free(t);
}

static void test_strip_whole_prefix_rule(void **state)
{
	struct route_table *t = parse(
		"12* sip:${user}@a.example.com strip=5\n"
		"12* sip:${user}@b.example.com strip=2 prefix=0\n");

	expect_sip(t, "123456", "sip:6@a.example.com");
	expect_sip(t, "12345", "sip:0345@b.example.com");
	expect_sip(t, "12", "sip:0@b.example.com");
	route_table_free(t);
}

static void test_browser(void **state)
{
	struct route_table *t = parse(
		"8*  @browser strip=1\n"
		"web @browser\n");
	struct route_result r;

	assert_int_equal(route_lookup(t, "8alice", OUT, &r), 0);
	assert_int_equal(r.kind, ROUTE_BROWSER);
	assert_string_equal(r.user, "alice");
	assert_int_equal(r.line, 1);
	assert_int_equal(route_lookup(t, "web", OUT, &r), 0);
	assert_int_equal(r.kind, ROUTE_BROWSER);
	assert_string_equal(r.user, "web");
	route_table_free(t);
}

static void test_reject(void **state)
{
	struct route_table *t = parse(
		"900* @reject:403\n"
		"666  @reject:603\n");
	struct route_result r;

	expect_reject(t, "9001", 403);
	expect_reject(t, "666", 603);
	assert_int_equal(route_lookup(t, "666", OUT, &r), 0);
	assert_int_equal(r.kind, ROUTE_REJECT);
	assert_string_equal(r.user, "666");
	assert_int_equal(r.line, 2);
	route_table_free(t);
}

/* ---- default --------------------------------------------------------- */

static void test_default(void **state)
{
	struct route_table *t = parse("alice sip:alice@pbx.example.com\n");
	struct route_result r;
	char err[128];

	assert_int_equal(route_lookup(t, "bob", OUT, &r), 0);
	assert_int_equal(r.kind, ROUTE_SIP);
	assert_string_equal(r.uri, "sip:bob@out.example.com");
	assert_int_equal(r.line, 0);
	/* no table at all */
	assert_int_equal(route_lookup(NULL, "bob", OUT, &r), 0);
	assert_string_equal(r.uri, "sip:bob@out.example.com");
	/* host-only default */
	assert_int_equal(route_lookup(NULL, "bob", "sip:pbx.example.com", &r),
			 0);
	assert_string_equal(r.uri, "sip:bob@pbx.example.com");
	/* none: 404 */
	assert_int_equal(route_lookup(t, "bob", NULL, &r), 0);
	assert_int_equal(r.kind, ROUTE_REJECT);
	assert_int_equal(r.code, 404);
	assert_int_equal(route_lookup(t, "bob", "", &r), 0);
	assert_int_equal(r.code, 404);
	/* a bad default: 500, EBADMSG */
	assert_int_equal(route_lookup(t, "bob", "http://x", &r), EBADMSG);
	assert_int_equal(r.kind, ROUTE_REJECT);
	assert_int_equal(r.code, 500);
	assert_int_equal(route_lookup(t, "bob", "sip:${1}@x", &r), EBADMSG);
	/* start-up check */
	assert_int_equal(route_template_check(OUT, err, sizeof(err)), 0);
	assert_int_equal(route_template_check("sip:h.example.com", err,
					      sizeof(err)), 0);
	assert_int_equal(route_template_check("tel:+441234", err,
					      sizeof(err)), EINVAL);
	assert_int_equal(route_template_check("sip:${usr}@x", err,
					      sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "unknown variable"));
	assert_int_equal(route_template_check("sip:a@", err, sizeof(err)),
			 EINVAL);
	assert_int_equal(route_template_check(NULL, err, sizeof(err)),
			 EINVAL);
	route_table_free(t);
}

/* ---- file syntax ----------------------------------------------------- */

static void test_comments_and_blanks(void **state)
{
	struct route_table *t = parse(
		"# dial plan\n"
		"\n"
		"   \t  \n"
		"alice\tsip:alice@pbx.example.com   # trailing comment\r\n"
		"  # indented comment\n"
		"bob sip:bob@pbx.example.com");	/* no final newline */

	assert_int_equal(route_table_count(t), 2);
	expect_sip(t, "alice", "sip:alice@pbx.example.com");
	expect_sip(t, "bob", "sip:bob@pbx.example.com");
	route_table_free(t);

	t = parse("");
	assert_int_equal(route_table_count(t), 0);
	expect_reject(t, "alice", 404);
	route_table_free(t);
	t = parse("# only comments\n# é ü non-ASCII in comments is fine\n");
	assert_int_equal(route_table_count(t), 0);
	route_table_free(t);
}

#define BAD(text, line, want) parse_bad(text, sizeof(text) - 1, line, want)

static void test_bad_destinations(void **state)
{
	BAD("a sip:a@x\nb sip:${user@x\n", 2, "unterminated");
	BAD("b sip:${foo}@x\n", 1, "unknown variable");
	BAD("b sip:${1}@x\n", 1, "regex groups");
	BAD("re:(a) sip:${2}@x\n", 1, "has 1 regex groups");
	BAD("b\n", 1, "needs a destination");
	BAD("b http://x\n", 1, "not a sip: or sips: URI");
	BAD("b sip:\n", 1, "no host");
	BAD("b sip:a@;x\n", 1, "no host");
	BAD("b sip:a<b>@x\n", 1, "bad character");
	BAD("b @phone\n", 1, "unknown destination");
	BAD("b @reject\n", 1, "unknown destination");
	BAD("b @reject:200\n", 1, "400-699");
	BAD("b @reject:4000\n", 1, "400-699");
	BAD("b @reject:40x\n", 1, "400-699");
	BAD("b sip:${user}${user}${user}@x\n", 1, "may expand beyond");
}

static void test_bad_options(void **state)
{
	BAD("#\nb sip:b@x foo=1\n", 2, "unknown option 'foo=1'");
	BAD("b sip:b@x strip=abc\n", 1, "strip=");
	BAD("b sip:b@x strip=-1\n", 1, "strip=");
	BAD("b sip:b@x strip=999\n", 1, "strip=");
	BAD("b* sip:b@x strip=1 strip=2\n", 1, "once");
	BAD("b sip:b@x prefix=a<b\n", 1, "prefix=");
	BAD("b sip:b@x prefix=\n", 1, "prefix=");
	BAD("b @reject:403 strip=1\n", 1, "not valid with @reject");
	BAD("b sip:b@x srtp=always\n", 1, "srtp= wants off, optional");
	BAD("b sip:b@x srtp=off srtp=optional\n", 1, "once");
	BAD("b @browser srtp=optional\n", 1, "srtp= is for SIP URI");
	BAD("b @reject:403 srtp=off\n", 1, "srtp= is for SIP URI");
	BAD("bob sip:b@x strip=3\n", 1, "removes the whole user");
	BAD("a b c d e f g h i\n", 1, "more than 8 fields");
}

static void test_bad_patterns(void **state)
{
	BAD("re:(abc sip:a@x\n", 1, "unterminated (");
	BAD("re:abc) sip:a@x\n", 1, "unbalanced )");
	BAD("re:a)|(b sip:a@x\n", 1, "unbalanced )");
	BAD("re:[abc sip:a@x\n", 1, "unterminated [");
	BAD("re:(a)\\1 sip:a@x\n", 1, "back-references");
	BAD("re:a{999} sip:a@x\n", 1, "{m,n}");
	BAD("re:a{5,2} sip:a@x\n", 1, "{m,n}");
	BAD("re:((a{100}){100}) sip:a@x\n", 1, "too large");
	BAD("re:[z-a] sip:a@x\n", 1, "regex: ");
	BAD("re: sip:a@x\n", 1, "regex empty");
	BAD("a<b sip:a@x\n", 1, "not a user part");
	BAD("a@b sip:a@x\n", 1, "not a user part");
	BAD("%00 sip:a@x\n", 1, "not a user part");
	BAD("%zz* sip:a@x\n", 1, "not a user part");
}

static void test_regex_edge_cases_load(void **state)
{
	/* bracket expressions hold ')' '(' and classes without counting */
	struct route_table *t = parse(
		"re:[()]x sip:${user}@p.example.com\n"
		"re:[]a]b sip:${user}@br.example.com\n"
		"re:[[:alpha:]]{2,3} sip:${user}@alpha.example.com\n"
		"re:q{2,} sip:${user}@q.example.com\n");

	expect_sip(t, "(x", "sip:(x@p.example.com");
	expect_sip(t, "abc", "sip:abc@alpha.example.com");
	expect_reject(t, "abcd", 404);
	expect_sip(t, "ab", "sip:ab@br.example.com");
	expect_sip(t, "qqqq", "sip:qqqq@q.example.com");
	route_table_free(t);
}

static void test_too_long_and_binary(void **state)
{
	char line[ROUTE_LINE_MAX + 64];
	static const char bin[] = "a sip:a@x\n\x7f" "ELF\x02\x01\x01\x00\x00";
	static const char nul[] = "a sip:a@x\nb sip:b@x\0garbage\n";

	memset(line, 0, sizeof(line));
	strcpy(line, "a sip:a@x\n#\n");
	memset(line + strlen(line), 'x', ROUTE_LINE_MAX + 1);
	parse_bad(line, strlen(line), 3, "line longer than 1024 bytes");
	/* exactly the limit is fine (a long comment) */
	memset(line, 0, sizeof(line));
	line[0] = '#';
	memset(line + 1, 'x', ROUTE_LINE_MAX - 1);
	struct route_table *t = parse(line);
	route_table_free(t);

	parse_bad(bin, sizeof(bin) - 1, 2, "control character 0x7f");
	parse_bad(nul, sizeof(nul) - 1, 2, "control character 0x00");
	BAD("a\x01 sip:a@x\n", 1, "control character 0x01");
	BAD("\xff\xfe\x00\x01", 1, "control character");
	BAD("\xc3\xa9t\xc3\xa9 sip:a@x\n", 1, "not a user part");
}

/* ---- files ----------------------------------------------------------- */

static char *tmp_write(const char *data, size_t len)
{
	char *path = strdup("/tmp/rtcgate-route-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_load_file(void **state)
{
	static const char text[] = "alice sip:a@x\nbob  sip:b@x foo\n";
	char *path = tmp_write(text, sizeof(text) - 1);
	struct route_table *t = NULL;
	char err[512], want[512];

	assert_int_equal(route_table_load(path, &t, err, sizeof(err)), EINVAL);
	assert_null(t);
	snprintf(want, sizeof(want), "%s:2: unknown option 'foo'", path);
	assert_memory_equal(err, want, strlen(want));

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("alice sip:a@pbx.example.com\n", f);
	fclose(f);
	assert_int_equal(route_table_load(path, &t, err, sizeof(err)), 0);
	expect_sip(t, "alice", "sip:a@pbx.example.com");
	route_table_free(t);

	unlink(path);
	assert_int_equal(route_table_load(path, &t, err, sizeof(err)), ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(route_table_load("/tmp", &t, err, sizeof(err)),
			 EISDIR);
	assert_int_equal(route_table_load(NULL, &t, err, sizeof(err)), EINVAL);
	free(path);
}

/* Reload: the caller loads a new table, swaps, frees the old one. */
static void test_reload_swap(void **state)
{
	struct route_table *cur = parse("alice sip:a@old.example.com\n");
	struct route_table *next = parse("alice sip:a@new.example.com\n");
	struct route_table *old = cur;

	expect_sip(cur, "alice", "sip:a@old.example.com");
	cur = next;
	route_table_free(old);
	expect_sip(cur, "alice", "sip:a@new.example.com");
	route_table_free(cur);
}

/* ---- big tables ------------------------------------------------------ */

static char *big_plan(int exact, int prefixes, int regexes, size_t *lenp)
{
	size_t cap = (size_t)(exact + prefixes + regexes) * 80 + 1, n = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	for (int i = 0; i < regexes; i++)
		n += (size_t)snprintf(s + n, cap - n,
			"re:r%dx[0-9]+ sip:${user}@re.example.com\n", i);
	for (int i = 0; i < prefixes; i++)
		n += (size_t)snprintf(s + n, cap - n,
			"p%d-* sip:${user}@p%d.example.com strip=1\n", i, i);
	for (int i = 0; i < exact; i++)
		n += (size_t)snprintf(s + n, cap - n,
			"user%d sip:u%d@pbx%d.example.com\n", i, i, i % 7);
	*lenp = n;
	return s;
}

static void test_ten_thousand_rules(void **state)
{
	size_t len;
	char *text = big_plan(8900, 1000, 100, &len);
	char *path = tmp_write(text, len);
	struct route_table *t = NULL;
	char err[256], uri[128], user[32];

	assert_int_equal(route_table_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(route_table_count(t), 10000);
	for (int i = 0; i < 8900; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		snprintf(uri, sizeof(uri), "sip:u%d@pbx%d.example.com", i,
			 i % 7);
		expect_sip(t, user, uri);
	}
	expect_sip(t, "p999-x", "sip:999-x@p999.example.com");
	expect_sip(t, "r99x12", "sip:r99x12@re.example.com");
	expect_reject(t, "nobody", 404);
	route_table_free(t);
	unlink(path);
	free(path);
	free(text);
}

static void test_rule_limits(void **state)
{
	size_t len;
	char *text = big_plan(ROUTE_RULES_MAX + 1, 0, 0, &len);

	parse_bad(text, len, ROUTE_RULES_MAX + 1, "more than 10000 rules");
	free(text);
	text = big_plan(0, 0, ROUTE_REGEX_RULES_MAX + 1, &len);
	parse_bad(text, len, ROUTE_REGEX_RULES_MAX + 1, "re: rules");
	free(text);
}

/* ---- users ----------------------------------------------------------- */

static void test_hostile_users(void **state)
{
	struct route_table *t = parse("* sip:${user}@any.example.com\n");
	static const char *const bad[] = {
		"", "a b", "a\nb", "a\rb", "\x01", "a\x7f", "<a>", "a@b",
		"a:b", "a\"b", "%", "%4", "%zz", "%00", "%0a", "%0D%0A", "%7f",
		"a#b", "a[b]", "\xc3\xa9", "\xff", "a\\b", "a{b}",
	};
	char lng[ROUTE_USER_MAX + 2];
	struct route_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		if (route_lookup(t, bad[i], OUT, &r) != EINVAL)
			print_error("accepted user #%zu\n", i);
		assert_int_equal(route_lookup(t, bad[i], OUT, &r), EINVAL);
		assert_int_equal(r.kind, ROUTE_REJECT);
		assert_int_equal(r.code, 400);
	}
	assert_int_equal(route_lookup(t, NULL, OUT, &r), EINVAL);
	memset(lng, 'a', sizeof(lng) - 1);
	lng[ROUTE_USER_MAX + 1] = '\0';
	assert_int_equal(route_lookup(t, lng, OUT, &r), EINVAL);
	lng[ROUTE_USER_MAX] = '\0';
	assert_int_equal(route_lookup(t, lng, OUT, &r), 0);
	assert_int_equal(r.kind, ROUTE_SIP);
	/* every character RFC 3261 allows in a user part */
	expect_sip(t, "aZ9-_.!~*'()&=+$,;?/",
		   "sip:aZ9-_.!~*'()&=+$,;?/@any.example.com");
	route_table_free(t);
}

static void test_escapes_normalised(void **state)
{
	struct route_table *t = parse("alice sip:alice@pbx.example.com\n"
				      "a%40b sip:${user}@at.example.com\n"
				      "%2a* sip:${user}@star.example.com\n");
	char out[ROUTE_USER_MAX + 1];

	expect_sip(t, "%61lice", "sip:alice@pbx.example.com");
	expect_sip(t, "%61%6C%69%63%65", "sip:alice@pbx.example.com");
	/* '@' needs its escape: kept (upper-case hex) */
	expect_sip(t, "a%40b", "sip:a%40b@at.example.com");
	expect_reject(t, "a%40B", 404);
	expect_sip(t, "*9", "sip:*9@star.example.com");
	expect_sip(t, "%2A9", "sip:*9@star.example.com");
	route_table_free(t);
	assert_int_equal(route_user_norm("a%2fb%25", out, sizeof(out)), 0);
	assert_string_equal(out, "a/b%25");
	assert_int_equal(route_user_norm("a", out, ROUTE_USER_MAX), EINVAL);
}

/* ---- patterns on their own (click-to-call uses them) ---------------- */

static void test_pat_api(void **state)
{
	struct route_pat *p = NULL;
	char err[160];

	assert_int_equal(route_pat_new("sales", &p, err, sizeof(err)), 0);
	assert_true(route_pat_match(p, "sales"));
	assert_false(route_pat_match(p, "sales2"));
	assert_false(route_pat_match(p, NULL));
	route_pat_free(p);
	assert_int_equal(route_pat_new("1XX*", &p, err, sizeof(err)), 0);
	assert_true(route_pat_match(p, "123"));
	assert_true(route_pat_match(p, "1234"));
	assert_false(route_pat_match(p, "12"));
	route_pat_free(p);
	assert_int_equal(route_pat_new("re:x+", &p, err, sizeof(err)), 0);
	assert_true(route_pat_match(p, "xxx"));
	route_pat_free(p);
	assert_int_equal(route_pat_new("a b", &p, err, sizeof(err)), EINVAL);
	assert_int_equal(route_pat_new("", &p, err, sizeof(err)), EINVAL);
	assert_int_equal(route_pat_new("re:a b", &p, err, sizeof(err)),
			 EINVAL);
	route_pat_free(NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_digit_classes),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_strip_prefix),
		cmocka_unit_test(test_srtp_option),
		cmocka_unit_test(test_strip_whole_prefix_rule),
		cmocka_unit_test(test_browser),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_bad_destinations),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_regex_edge_cases_load),
		cmocka_unit_test(test_too_long_and_binary),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_reload_swap),
		cmocka_unit_test(test_ten_thousand_rules),
		cmocka_unit_test(test_rule_limits),
		cmocka_unit_test(test_hostile_users),
		cmocka_unit_test(test_escapes_normalised),
		cmocka_unit_test(test_pat_api),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
