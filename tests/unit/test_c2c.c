/* Unit tests for b2bua/c2c: the click-to-call target list (parsing,
 * matching, garbage) and the per-address token bucket (admission, refusal,
 * refill with time passed in, IPv4/IPv6 keys, the bounded table and its
 * eviction).  Nothing sleeps.  Run with a name filter as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "b2bua/c2c.h"
#include "unit_capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T0 = 1000000 };

static struct c2c *mk(const char *list, int per_min, int burst, size_t max)
{
	struct c2c *c = NULL;

	assert_int_equal(c2c_new(list, per_min, burst, max, &c), 0);
	assert_non_null(c);
	return c;
}

/* c2c_new must refuse list, and its log line must hold want. */
static void bad_list(const char *list, const char *want)
{
	struct capture cap;
	struct c2c *c = NULL;
	char *log;
	int e;

	assert_int_equal(capture_begin(&cap, 2), 0);
	e = c2c_new(list, 6, 3, 100, &c);
	log = capture_end(&cap, NULL);
	assert_int_equal(e, EINVAL);
	assert_null(c);
	if (!strstr(log, want))
		print_error("log '%s' lacks '%s'\n", log, want);
	assert_non_null(strstr(log, want));
	free(log);
}

/* ---- targets --------------------------------------------------------- */

static void test_list_parsing(void **state)
{
	struct c2c *c = mk(" sales, support ,00*,+44*,\t1XXX,re:help[0-9]",
			   6, 3, 100);

	assert_int_equal(c2c_target_count(c), 6);
	assert_true(c2c_allowed_target(c, "sales"));
	assert_true(c2c_allowed_target(c, "support"));
	assert_true(c2c_allowed_target(c, "0044123"));
	assert_true(c2c_allowed_target(c, "+44"));
	assert_true(c2c_allowed_target(c, "1234"));
	assert_true(c2c_allowed_target(c, "help7"));
	assert_false(c2c_allowed_target(c, "sale"));
	assert_false(c2c_allowed_target(c, "salesx"));
	assert_false(c2c_allowed_target(c, "12345"));
	assert_false(c2c_allowed_target(c, "help"));
	assert_false(c2c_allowed_target(c, "alice"));
	c2c_free(c);

	c = mk("*", 6, 3, 100);	/* everything: the operator's choice */
	assert_true(c2c_allowed_target(c, "anyone"));
	c2c_free(c);
}

static void test_empty_list(void **state)
{
	static const char *const empties[] = { NULL, "", "   ", "\t" };

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct c2c *c = mk(empties[i], 6, 3, 100);
		assert_int_equal(c2c_target_count(c), 0);
		assert_false(c2c_allowed_target(c, "sales"));
		assert_false(c2c_allowed_target(c, "*"));
		c2c_free(c);
	}
	assert_false(c2c_allowed_target(NULL, "sales"));
}

static void test_garbage_lists(void **state)
{
	char *big;

	bad_list("sales,,support", "entry 2 is empty");
	bad_list("sales,", "entry 2 is empty");
	bad_list(",sales", "entry 1 is empty");
	bad_list("sales, ,x", "entry 2 is empty");
	bad_list("sa les", "entry 1 'sa les'");
	bad_list("ok,<sip:x@y>", "entry 2");
	bad_list("ok,re:(x", "unterminated (");
	bad_list("a@b", "not a user part");
	bad_list("\x01\x02", "entry 1");
	bad_list("caf\xc3\xa9", "entry 1");

	big = malloc(C2C_LIST_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', C2C_LIST_MAX + 1);
	big[C2C_LIST_MAX + 1] = '\0';
	bad_list(big, "longer than");
	/* 1001 entries */
	size_t n = 0;
	for (int i = 0; i <= C2C_TARGETS_MAX; i++)
		n += (size_t)sprintf(big + n, "%su%d", i ? "," : "", i);
	bad_list(big, "more than 1000 entries");
	free(big);
}

static void test_bad_bounds(void **state)
{
	struct c2c *c = NULL;

	assert_int_equal(c2c_new("a", 0, 1, 10, &c), EINVAL);
	assert_int_equal(c2c_new("a", -5, 1, 10, &c), EINVAL);
	assert_int_equal(c2c_new("a", C2C_PER_MIN_MAX + 1, 1, 10, &c), EINVAL);
	assert_int_equal(c2c_new("a", 6, 0, 10, &c), EINVAL);
	assert_int_equal(c2c_new("a", 6, C2C_BURST_MAX + 1, 10, &c), EINVAL);
	assert_int_equal(c2c_new("a", 6, 1, 0, &c), EINVAL);
	assert_int_equal(c2c_new("a", 6, 1, (size_t)C2C_ADDRS_MAX + 1, &c),
			 EINVAL);
	assert_int_equal(c2c_new("a", 6, 1, 10, NULL), EINVAL);
	assert_null(c);
	c2c_free(NULL);
}

static void test_hostile_targets(void **state)
{
	struct c2c *c = mk("alice,00*", 6, 3, 100);
	char lng[300];

	assert_true(c2c_allowed_target(c, "%61lice"));	/* escapes decoded */
	assert_false(c2c_allowed_target(c, NULL));
	assert_false(c2c_allowed_target(c, ""));
	assert_false(c2c_allowed_target(c, "alice\r\n"));
	assert_false(c2c_allowed_target(c, "al%00ice"));
	assert_false(c2c_allowed_target(c, "00\x01"));
	memset(lng, '0', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_false(c2c_allowed_target(c, lng));	/* too long */
	c2c_free(c);
}

/* ---- rate ------------------------------------------------------------ */

static void test_admit_under_rate(void **state)
{
	struct c2c *c = mk("a", 60, 5, 100);	/* one a second, burst 5 */
	struct c2c_stats st;

	/* a steady call a second never runs dry */
	for (int i = 0; i < 100; i++)
		assert_int_equal(c2c_admit(c, "192.0.2.1", T0 + i * 1000,
					   NULL), 0);
	c2c_stats(c, &st);
	assert_int_equal(st.admitted, 100);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.addrs, 1);
	c2c_free(c);
}

static void test_refuse_above_rate(void **state)
{
	struct c2c *c = mk("a", 6, 3, 100);	/* one per 10 s, burst 3 */
	int retry = -1;

	for (int i = 0; i < 3; i++)
		assert_int_equal(c2c_admit(c, "192.0.2.1", T0, &retry), 0);
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0, &retry), EAGAIN);
	assert_int_equal(retry, 10);
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0 + 4000, &retry), EAGAIN);
	assert_int_equal(retry, 6);
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0 + 9999, &retry), EAGAIN);
	assert_int_equal(retry, 1);	/* never 0 */
	/* another address is not affected */
	assert_int_equal(c2c_admit(c, "192.0.2.2", T0, &retry), 0);
	/* a NULL retry pointer is fine */
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0, NULL), EAGAIN);
	c2c_free(c);
}

static void test_refill(void **state)
{
	struct c2c *c = mk("a", 6, 3, 100);
	int retry;

	for (int i = 0; i < 3; i++)
		assert_int_equal(c2c_admit(c, "198.51.100.7", T0, &retry), 0);
	assert_int_equal(c2c_admit(c, "198.51.100.7", T0, &retry), EAGAIN);
	assert_int_equal(c2c_admit(c, "198.51.100.7", T0 + 10000, &retry), 0);
	assert_int_equal(c2c_admit(c, "198.51.100.7", T0 + 10000, &retry),
			 EAGAIN);
	/* an hour later: full again, but only up to the burst */
	int64_t t = T0 + 3600 * 1000;
	for (int i = 0; i < 3; i++)
		assert_int_equal(c2c_admit(c, "198.51.100.7", t, &retry), 0);
	assert_int_equal(c2c_admit(c, "198.51.100.7", t, &retry), EAGAIN);
	c2c_free(c);
}

static void test_odd_clocks(void **state)
{
	struct c2c *c = mk("a", 6, 1, 100);
	int retry;

	assert_int_equal(c2c_admit(c, "192.0.2.9", T0, &retry), 0);
	/* a clock that steps back refills nothing */
	assert_int_equal(c2c_admit(c, "192.0.2.9", T0 - 100000, &retry),
			 EAGAIN);
	assert_int_equal(c2c_admit(c, "192.0.2.9", T0 + 5000, &retry), EAGAIN);
	/* a huge jump does not overflow */
	assert_int_equal(c2c_admit(c, "192.0.2.9", INT64_MAX, &retry), 0);
	assert_int_equal(c2c_admit(c, "192.0.2.9", INT64_MAX, &retry), EAGAIN);
	assert_int_equal(c2c_admit(c, "192.0.2.10", INT64_MIN, &retry), 0);
	assert_int_equal(c2c_admit(c, "192.0.2.10", INT64_MAX, &retry), 0);
	c2c_free(c);
}

/* ---- addresses ------------------------------------------------------- */

static void test_address_keys(void **state)
{
	struct c2c *c = mk("a", 6, 1, 100);
	struct c2c_stats st;

	assert_int_equal(c2c_admit(c, "2001:db8::1", T0, NULL), 0);
	/* the same /64, other spellings: one bucket */
	assert_int_equal(c2c_admit(c, "2001:db8::2", T0, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "[2001:db8::1]", T0, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "2001:DB8:0:0:ffff::1%eth0", T0, NULL),
			 EAGAIN);
	/* another /64 */
	assert_int_equal(c2c_admit(c, "2001:db8:0:1::1", T0, NULL), 0);
	/* IPv4 and its IPv4-mapped IPv6 form: one bucket */
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0, NULL), 0);
	assert_int_equal(c2c_admit(c, "::ffff:192.0.2.1", T0, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "[::ffff:c000:201]", T0, NULL), EAGAIN);
	/* an IPv4 address is not an IPv6 /64 that starts with its bytes */
	assert_int_equal(c2c_admit(c, "c000:201::", T0, NULL), 0);
	c2c_stats(c, &st);
	assert_int_equal(st.addrs, 4);
	c2c_free(c);
}

static void test_bad_addresses(void **state)
{
	struct c2c *c = mk("a", 6, 1, 100);
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.256", "example.com", "1.2.3.4%eth0",
		"[1.2.3.4", "[]", "[", "::1]", "1.2.3.4:5060", "2001:db8::g",
		" 1.2.3.4", "1.2.3.4\n", "\xff\xfe",
	};
	char lng[200];
	struct c2c_stats st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(c2c_admit(c, bad[i], T0, NULL), EINVAL);
	assert_int_equal(c2c_admit(c, NULL, T0, NULL), EINVAL);
	assert_int_equal(c2c_admit(NULL, "1.2.3.4", T0, NULL), EINVAL);
	memset(lng, '1', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_int_equal(c2c_admit(c, lng, T0, NULL), EINVAL);
	c2c_stats(c, &st);
	assert_int_equal(st.addrs, 0);
	c2c_free(c);
}

/* ---- the bounded table ----------------------------------------------- */

static void test_table_bound_lru(void **state)
{
	struct c2c *c = mk("a", 6, 1, 4);
	struct c2c_stats st;
	char ip[32];

	for (int i = 1; i <= 4; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		assert_int_equal(c2c_admit(c, ip, T0, NULL), 0);
	}
	/* touch .1 so that .2 is the least recently used */
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0 + 1, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "192.0.2.5", T0 + 2, NULL), 0);
	c2c_stats(c, &st);
	assert_int_equal(st.addrs, 4);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.evicted_busy, 1);	/* .2 was not full again */
	/* .1, .3, .4 are remembered, .2 was forgotten */
	assert_int_equal(c2c_admit(c, "192.0.2.1", T0 + 3, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "192.0.2.4", T0 + 3, NULL), EAGAIN);
	assert_int_equal(c2c_admit(c, "192.0.2.2", T0 + 4, NULL), 0);
	c2c_free(c);
}

static void test_eviction_of_full_buckets(void **state)
{
	struct c2c *c = mk("a", 6, 1, 2);
	struct c2c_stats st;

	assert_int_equal(c2c_admit(c, "192.0.2.1", T0, NULL), 0);
	assert_int_equal(c2c_admit(c, "192.0.2.2", T0, NULL), 0);
	/* 10 s later both are full again: evicting loses nothing */
	assert_int_equal(c2c_admit(c, "192.0.2.3", T0 + 10000, NULL), 0);
	assert_int_equal(c2c_admit(c, "192.0.2.4", T0 + 10000, NULL), 0);
	c2c_stats(c, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.evicted_busy, 0);
	assert_int_equal(st.addrs, 2);
	c2c_free(c);
}

static void test_many_addresses(void **state)
{
	struct c2c *c = mk("a", 6, 1, 1000);
	struct c2c_stats st;
	char ip[64];

	for (int i = 0; i < 100000; i++) {
		if (i % 2)
			snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16,
				 (i >> 8) & 255, i & 255);
		else
			snprintf(ip, sizeof(ip), "2001:db8:%x:%x::1", i >> 16,
				 i & 0xffff);
		assert_int_equal(c2c_admit(c, ip, T0 + i, NULL), 0);
		if (i % 997 == 0) {
			c2c_stats(c, &st);
			assert_true(st.addrs <= 1000);
		}
	}
	c2c_stats(c, &st);
	assert_int_equal(st.addrs, 1000);
	assert_int_equal(st.evicted, 99000);
	assert_int_equal(st.admitted, 100000);
	/* the most recent ones are still held and still empty */
	assert_int_equal(c2c_admit(c, "10.1.134.159", T0 + 100000, NULL),
			 EAGAIN);	/* i = 99999 */
	c2c_free(c);
}

/* Growth of the hash table past its first size keeps every entry. */
static void test_table_growth(void **state)
{
	struct c2c *c = mk("a", 6, 1, 50000);
	struct c2c_stats st;
	char ip[32];

	for (int i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i >> 8, i & 255);
		assert_int_equal(c2c_admit(c, ip, T0, NULL), 0);
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i >> 8, i & 255);
		assert_int_equal(c2c_admit(c, ip, T0, NULL), EAGAIN);
	}
	c2c_stats(c, &st);
	assert_int_equal(st.addrs, 20000);
	assert_int_equal(st.evicted, 0);
	c2c_free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_parsing),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_garbage_lists),
		cmocka_unit_test(test_bad_bounds),
		cmocka_unit_test(test_hostile_targets),
		cmocka_unit_test(test_admit_under_rate),
		cmocka_unit_test(test_refuse_above_rate),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_odd_clocks),
		cmocka_unit_test(test_address_keys),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_table_bound_lru),
		cmocka_unit_test(test_eviction_of_full_buckets),
		cmocka_unit_test(test_many_addresses),
		cmocka_unit_test(test_table_growth),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("c2c", tests, NULL, NULL);
}
