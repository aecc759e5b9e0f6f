/* Unit tests for common/cfg.c: table-driven configuration from the
 * environment.  Values come from a fake getenv so each test sets exactly
 * the variables it means to; one test goes through the real environment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfg.h"
#include "log.h"
#include "unit_capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tcfg {
	long port;
	char *host;
	char *secret;
	int flag;
	int mode;
	struct cfg_range rtp;
	long offset;
};

static const struct cfg_row trows[] = {
	{ "T_PORT", CFG_INT, "5060", 1, 65535, NULL,
	  offsetof(struct tcfg, port), "SIP port" },
	{ "T_HOST", CFG_STR, "localhost", 0, 0, NULL,
	  offsetof(struct tcfg, host), "host name" },
	{ "T_SECRET", CFG_SECRET, NULL, 0, 0, NULL,
	  offsetof(struct tcfg, secret), "shared secret" },
	{ "T_FLAG", CFG_BOOL, "false", 0, 0, NULL,
	  offsetof(struct tcfg, flag), NULL },
	{ "T_MODE", CFG_ENUM, "text", 0, 0, "text|json|both",
	  offsetof(struct tcfg, mode), "output mode" },
	{ "T_RTP", CFG_PORTRANGE, "10000-20000", 1024, 65535, NULL,
	  offsetof(struct tcfg, rtp), "RTP ports" },
	{ "T_OFFSET", CFG_INT, "0", -100, 100, NULL,
	  offsetof(struct tcfg, offset), "signed value" },
};

/* The fake environment: NULL-terminated pairs. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	for (const char *const *p = fake_env; p && p[0]; p += 2)
		if (!strcmp(p[0], name))
			return p[1];
	return NULL;
}

/* Load trows with a single variable set; returns cfg_load's result. */
static int load_one(struct tcfg *c, const char *var, const char *val,
		    char *err, size_t errlen)
{
	const char *env[] = { var, val, NULL };

	fake_env = env;
	memset(c, 0, sizeof(*c));
	int e = cfg_load(trows, CFG_ROWS(trows), c, fake_getenv, err, errlen);
	fake_env = NULL;
	return e;
}

/* Each bad value is refused with EINVAL and an error naming the variable
 * and quoting the value (or giving the bounds) after it. */
static void expect_refused(const char *var, const char *val, const char *what)
{
	struct tcfg c;
	char err[256] = "";

	int e = load_one(&c, var, val, err, sizeof(err));
	cfg_free(trows, CFG_ROWS(trows), &c);
	if (e != EINVAL || strncmp(err, var, strlen(var)) ||
	    (what && !strstr(err, what)))
		fail_msg("%s=\"%s\": got %d, err \"%s\" (wanted \"%s\")", var,
			 val, e, err, what ? what : "");
	assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state)
{
	struct tcfg c;
	char err[128] = "";

	(void)state;
	assert_int_equal(load_one(&c, "UNRELATED", "x", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.port, 5060);
	assert_non_null(c.host);
	assert_string_equal(c.host, "localhost");
	assert_null(c.secret);
	assert_int_equal(c.flag, 0);
	assert_int_equal(c.mode, 0);
	assert_int_equal(c.rtp.lo, 10000);
	assert_int_equal(c.rtp.hi, 20000);
	assert_int_equal(c.offset, 0);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_null(c.host);
}

static void test_env_overrides_every_type(void **state)
{
	const char *env[] = {
		"T_PORT", "5070", "T_HOST", "sip.example.com",
		"T_SECRET", "s3cret", "T_FLAG", "yes", "T_MODE", "json",
		"T_RTP", "2000-3000", "T_OFFSET", "-42", NULL,
	};
	struct tcfg c;
	char err[128] = "";

	(void)state;
	memset(&c, 0, sizeof(c));
	fake_env = env;
	assert_int_equal(cfg_load(trows, CFG_ROWS(trows), &c, fake_getenv,
				  err, sizeof(err)), 0);
	fake_env = NULL;
	assert_int_equal(c.port, 5070);
	assert_string_equal(c.host, "sip.example.com");
	assert_string_equal(c.secret, "s3cret");
	assert_int_equal(c.flag, 1);
	assert_int_equal(c.mode, 1);
	assert_int_equal(c.rtp.lo, 2000);
	assert_int_equal(c.rtp.hi, 3000);
	assert_int_equal(c.offset, -42);
	/* The strings are copies, not the environment's own storage. */
	assert_ptr_not_equal(c.host, env[3]);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_null(c.host);
	assert_null(c.secret);
}

/* An empty variable means "use the default", as in shells. */
static void test_empty_value_means_default(void **state)
{
	struct tcfg c;
	char err[128];

	(void)state;
	assert_int_equal(load_one(&c, "T_PORT", "", err, sizeof(err)), 0);
	assert_int_equal(c.port, 5060);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_HOST", "", err, sizeof(err)), 0);
	assert_string_equal(c.host, "localhost");
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_RTP", "", err, sizeof(err)), 0);
	assert_int_equal(c.rtp.lo, 10000);
	cfg_free(trows, CFG_ROWS(trows), &c);
}

static void test_int_not_a_number(void **state)
{
	static const char *const bad[] = {
		"abc", "5060x", "50 60", "0x10", "1.5", "1e3", "-", "+",
		"5060 ", "five",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused("T_PORT", bad[i], "not an integer");
}

static void test_int_overflow(void **state)
{
	(void)state;
	expect_refused("T_PORT", "99999999999999999999", "not an integer");
	expect_refused("T_PORT", "-99999999999999999999", "not an integer");
	expect_refused("T_OFFSET", "9223372036854775808", "not an integer");
}

static void test_int_out_of_range(void **state)
{
	(void)state;
	expect_refused("T_PORT", "0", "out of range 1..65535");
	expect_refused("T_PORT", "65536", "out of range 1..65535");
	expect_refused("T_PORT", "-1", "out of range 1..65535");
	expect_refused("T_PORT", "9223372036854775807", "out of range");
	expect_refused("T_OFFSET", "-101", "out of range -100..100");
	expect_refused("T_OFFSET", "101", "out of range -100..100");
}

static void test_int_bounds_inclusive(void **state)
{
	struct tcfg c;
	char err[128];

	(void)state;
	assert_int_equal(load_one(&c, "T_PORT", "1", err, sizeof(err)), 0);
	assert_int_equal(c.port, 1);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_PORT", "65535", err, sizeof(err)),
			 0);
	assert_int_equal(c.port, 65535);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_OFFSET", "-100", err, sizeof(err)),
			 0);
	assert_int_equal(c.offset, -100);
	cfg_free(trows, CFG_ROWS(trows), &c);
}

static void test_bool_values(void **state)
{
	static const char *const yes[] = { "1", "true", "TRUE", "yes", "On" };
	static const char *const no[] = { "0", "false", "No", "off", "OFF" };
	struct tcfg c;
	char err[128];

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(load_one(&c, "T_FLAG", yes[i], err,
					  sizeof(err)), 0);
		assert_int_equal(c.flag, 1);
		cfg_free(trows, CFG_ROWS(trows), &c);
		assert_int_equal(load_one(&c, "T_FLAG", no[i], err,
					  sizeof(err)), 0);
		assert_int_equal(c.flag, 0);
		cfg_free(trows, CFG_ROWS(trows), &c);
	}
}

static void test_bool_bad(void **state)
{
	static const char *const bad[] = { "maybe", "2", "tru", "yess", "-1",
					   "true ", "y" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused("T_FLAG", bad[i], "expected true or false");
}

static void test_enum_values(void **state)
{
	struct tcfg c;
	char err[128];

	(void)state;
	assert_int_equal(load_one(&c, "T_MODE", "text", err, sizeof(err)), 0);
	assert_int_equal(c.mode, 0);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_MODE", "json", err, sizeof(err)), 0);
	assert_int_equal(c.mode, 1);
	cfg_free(trows, CFG_ROWS(trows), &c);
	/* Matching ignores case, and the last choice has no '|' after it. */
	assert_int_equal(load_one(&c, "T_MODE", "BOTH", err, sizeof(err)), 0);
	assert_int_equal(c.mode, 2);
	cfg_free(trows, CFG_ROWS(trows), &c);
}

static void test_enum_bad(void **state)
{
	static const char *const bad[] = { "xml", "jso", "jsonx", "tex",
					   "text|json", "|", "bothh", " text" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused("T_MODE", bad[i],
			       "expected one of text|json|both");
}

static void test_portrange_good(void **state)
{
	struct tcfg c;
	char err[128];

	(void)state;
	assert_int_equal(load_one(&c, "T_RTP", "1024-65535", err,
				  sizeof(err)), 0);
	assert_int_equal(c.rtp.lo, 1024);
	assert_int_equal(c.rtp.hi, 65535);
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_RTP", "5000-5000", err,
				  sizeof(err)), 0);
	assert_int_equal(c.rtp.lo, 5000);
	assert_int_equal(c.rtp.hi, 5000);
	cfg_free(trows, CFG_ROWS(trows), &c);
}

static void test_portrange_bad(void **state)
{
	char longval[200];
	static const char *const bad[] = {
		"3000-2000",		/* low above high */
		"1000-2000",		/* low below min */
		"2000-70000",		/* high above max */
		"0-65536",
		"2000",			/* no dash */
		"-",
		"2000-",
		"-2000",
		"a-b",
		"2000-3000-4000",
		"2000 - 3000",
		"2000-3000x",
		"99999999999999999999-3000",
		"2000-99999999999999999999",
		"2000:3000",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused("T_RTP", bad[i],
			       "expected LOW-HIGH within 1024-65535");
	/* Longer than the parser's buffer: refused, not overflowed. */
	memset(longval, '1', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	longval[4] = '-';
	expect_refused("T_RTP", longval, "expected LOW-HIGH");
}

static void test_required_without_default(void **state)
{
	struct req {
		long n;
		int b;
		int e;
		struct cfg_range r;
	} v;
	static const struct cfg_row rows_int[] = {
		{ "R_INT", CFG_INT, NULL, 0, 10, NULL, offsetof(struct req, n),
		  NULL },
	};
	static const struct cfg_row rows_other[] = {
		{ "R_BOOL", CFG_BOOL, NULL, 0, 0, NULL,
		  offsetof(struct req, b), NULL },
		{ "R_ENUM", CFG_ENUM, NULL, 0, 0, "a|b",
		  offsetof(struct req, e), NULL },
		{ "R_RANGE", CFG_PORTRANGE, NULL, 1, 9, NULL,
		  offsetof(struct req, r), NULL },
	};
	const char *env_empty[] = { "R_INT", "", NULL };
	const char *env_bool[] = { "R_BOOL", "on", NULL };
	char err[128] = "";

	(void)state;
	memset(&v, 0, sizeof(v));
	fake_env = NULL;
	assert_int_equal(cfg_load(rows_int, 1, &v, fake_getenv, err,
				  sizeof(err)), EINVAL);
	assert_string_equal(err, "R_INT: no value and no default");
	/* Empty counts as unset. */
	fake_env = env_empty;
	assert_int_equal(cfg_load(rows_int, 1, &v, fake_getenv, err,
				  sizeof(err)), EINVAL);
	assert_string_equal(err, "R_INT: no value and no default");
	fake_env = NULL;
	assert_int_equal(cfg_load(rows_other, 3, &v, fake_getenv, err,
				  sizeof(err)), EINVAL);
	assert_string_equal(err, "R_BOOL: no value and no default");
	fake_env = env_bool;
	assert_int_equal(cfg_load(rows_other, 3, &v, fake_getenv, err,
				  sizeof(err)), EINVAL);
	assert_string_equal(err, "R_ENUM: no value and no default");
	fake_env = NULL;
}

/* The first bad value stops loading: rows after it are not touched. */
static void test_stops_at_first_error(void **state)
{
	const char *env[] = { "T_HOST", "h1", "T_FLAG", "bogus",
			      "T_RTP", "2000-3000", NULL };
	struct tcfg c;
	char err[128] = "";

	(void)state;
	memset(&c, 0, sizeof(c));
	c.rtp.lo = c.rtp.hi = -7;
	c.mode = 99;
	fake_env = env;
	assert_int_equal(cfg_load(trows, CFG_ROWS(trows), &c, fake_getenv,
				  err, sizeof(err)), EINVAL);
	fake_env = NULL;
	assert_string_equal(err, "T_FLAG=\"bogus\": expected true or false");
	assert_int_equal(c.port, 5060);
	assert_string_equal(c.host, "h1");
	assert_int_equal(c.mode, 99);
	assert_int_equal(c.rtp.lo, -7);
	/* What was loaded before the error is freed by cfg_free (LSan). */
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_null(c.host);
}

/* Loading again replaces (and frees) strings loaded before. */
static void test_reload_replaces_strings(void **state)
{
	const char *env1[] = { "T_HOST", "first", "T_SECRET", "a", NULL };
	const char *env2[] = { "T_HOST", "second", NULL };
	struct tcfg c;
	char err[128];

	(void)state;
	memset(&c, 0, sizeof(c));
	fake_env = env1;
	assert_int_equal(cfg_load(trows, CFG_ROWS(trows), &c, fake_getenv,
				  err, sizeof(err)), 0);
	assert_string_equal(c.host, "first");
	fake_env = env2;
	assert_int_equal(cfg_load(trows, CFG_ROWS(trows), &c, fake_getenv,
				  err, sizeof(err)), 0);
	fake_env = NULL;
	assert_string_equal(c.host, "second");
	/* An unset string without default keeps what it had. */
	assert_non_null(c.secret);
	assert_string_equal(c.secret, "a");
	cfg_free(trows, CFG_ROWS(trows), &c);
	/* Freeing twice is harmless: fields were reset to NULL. */
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_null(c.secret);
}

/* NULL getenv_fn reads the process environment. */
static void test_real_environment(void **state)
{
	static const struct cfg_row rows[] = {
		{ "RTCGATE_UNIT_CFG_N", CFG_INT, "1", 0, 100, NULL, 0, NULL },
	};
	long n = -1;
	char err[128] = "";

	(void)state;
	assert_int_equal(setenv("RTCGATE_UNIT_CFG_N", "42", 1), 0);
	assert_int_equal(cfg_load(rows, 1, &n, NULL, err, sizeof(err)), 0);
	assert_int_equal(n, 42);
	assert_int_equal(setenv("RTCGATE_UNIT_CFG_N", "420", 1), 0);
	assert_int_equal(cfg_load(rows, 1, &n, NULL, err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err,
			    "RTCGATE_UNIT_CFG_N=420: out of range 0..100");
	unsetenv("RTCGATE_UNIT_CFG_N");
	assert_int_equal(cfg_load(rows, 1, &n, NULL, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
}

/* A short error buffer truncates the message, never overflows it. */
static void test_small_error_buffer(void **state)
{
	struct tcfg c;
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(load_one(&c, "T_PORT", "not-a-number-at-all", err,
				  8), EINVAL);
	assert_string_equal(err, "T_PORT=");
	assert_int_equal(err[8], 'x');
	cfg_free(trows, CFG_ROWS(trows), &c);
}

static void test_error_messages_exact(void **state)
{
	struct tcfg c;
	char err[128];

	(void)state;
	assert_int_equal(load_one(&c, "T_PORT", "abc", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "T_PORT=\"abc\": not an integer");
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_PORT", "70000", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "T_PORT=70000: out of range 1..65535");
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_MODE", "xml", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err,
			    "T_MODE=\"xml\": expected one of text|json|both");
	cfg_free(trows, CFG_ROWS(trows), &c);
	assert_int_equal(load_one(&c, "T_RTP", "9-8", err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err,
		"T_RTP=\"9-8\": expected LOW-HIGH within 1024-65535");
	cfg_free(trows, CFG_ROWS(trows), &c);
}

/* cfg_log prints every row, masking secrets. */
static void test_log_masks_secret(void **state)
{
	const char *env[] = { "T_SECRET", "hunter2", "T_FLAG", "on",
			      "T_MODE", "both", "T_RTP", "2000-3000", NULL };
	struct tcfg c;
	struct capture cap;
	char err[128];
	char *out;

	(void)state;
	memset(&c, 0, sizeof(c));
	fake_env = env;
	assert_int_equal(cfg_load(trows, CFG_ROWS(trows), &c, fake_getenv,
				  err, sizeof(err)), 0);
	fake_env = NULL;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	assert_int_equal(capture_begin(&cap, 2), 0);
	cfg_log(trows, CFG_ROWS(trows), &c);
	out = capture_end(&cap, NULL);
	assert_non_null(out);
	assert_null(strstr(out, "hunter2"));
	assert_non_null(strstr(out, "T_SECRET=(set)\n"));
	assert_non_null(strstr(out, "T_PORT=5060\n"));
	assert_non_null(strstr(out, "T_HOST=localhost\n"));
	assert_non_null(strstr(out, "T_FLAG=true\n"));
	assert_non_null(strstr(out, "T_MODE=both\n"));
	assert_non_null(strstr(out, "T_RTP=2000-3000\n"));
	assert_non_null(strstr(out, "T_OFFSET=0\n"));
	free(out);
	cfg_free(trows, CFG_ROWS(trows), &c);

	/* Unset strings and secrets say so; an enum prints its name. */
	c.mode = 0;
	assert_int_equal(capture_begin(&cap, 2), 0);
	cfg_log(trows, CFG_ROWS(trows), &c);
	out = capture_end(&cap, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "T_SECRET=(unset)\n"));
	assert_non_null(strstr(out, "T_HOST=(unset)\n"));
	assert_non_null(strstr(out, "T_MODE=text\n"));
	free(out);
}

static void test_print_table(void **state)
{
	struct capture cap;
	char *out;

	(void)state;
	assert_int_equal(capture_begin(&cap, 1), 0);
	cfg_print_table(trows, CFG_ROWS(trows));
	out = capture_end(&cap, NULL);
	assert_non_null(out);
	static const char head[] = "| variable | meaning | default |\n"
				   "|---|---|---|\n";
	assert_memory_equal(out, head, strlen(head));
	assert_non_null(strstr(out, "| T_PORT | SIP port | 5060 |\n"));
	/* No default: "-"; no help: empty cell. */
	assert_non_null(strstr(out, "| T_SECRET | shared secret | - |\n"));
	assert_non_null(strstr(out, "| T_FLAG |  | false |\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env_overrides_every_type),
		cmocka_unit_test(test_empty_value_means_default),
		cmocka_unit_test(test_int_not_a_number),
		cmocka_unit_test(test_int_overflow),
		cmocka_unit_test(test_int_out_of_range),
		cmocka_unit_test(test_int_bounds_inclusive),
		cmocka_unit_test(test_bool_values),
		cmocka_unit_test(test_bool_bad),
		cmocka_unit_test(test_enum_values),
		cmocka_unit_test(test_enum_bad),
		cmocka_unit_test(test_portrange_good),
		cmocka_unit_test(test_portrange_bad),
		cmocka_unit_test(test_required_without_default),
		cmocka_unit_test(test_stops_at_first_error),
		cmocka_unit_test(test_reload_replaces_strings),
		cmocka_unit_test(test_real_environment),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_error_messages_exact),
		cmocka_unit_test(test_log_masks_secret),
		cmocka_unit_test(test_print_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
