/* Unit tests for registrar/reg_guard: failed authentications per user and
 * per client address within a window (lockout after N), and the nonce-count
 * replay table; both tables bounded so a stranger cannot grow them without
 * limit.  Time is passed in, so nothing sleeps.  Run with a name filter as
 * argv[1] ("*nc*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "registrar/reg.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

enum {
	T0 = 1700000000,
	WINDOW = 300,
	/* reg_guard.c's REG_GUARD_MAX is private; the tests find the bound
	 * by filling a table and only require that it exists below this */
	BOUND_CEILING = 1000000,
};

static int setup(void **state)
{
	struct reg_guard *g = NULL;

	if (reg_guard_new(&g))
		return -1;
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	reg_guard_free(*state);
	return 0;
}

/* ---- failures and lockout ------------------------------------------ */

static void test_fail_counts_within_window(void **state)
{
	struct reg_guard *g = *state;

	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0), 1);
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0 + 1), 2);
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0 + WINDOW - 1), 3);
	/* keys are independent: users, addresses, and the two kinds */
	assert_int_equal(reg_guard_fail(g, "u:bob", WINDOW, T0), 1);
	assert_int_equal(reg_guard_fail(g, "ip:192.0.2.1", WINDOW, T0), 1);
	assert_int_equal(reg_guard_fail(g, "ip:192.0.2.1", WINDOW, T0), 2);
	assert_int_equal(reg_guard_fail(g, "ip:192.0.2.10", WINDOW, T0), 1);
	assert_int_equal(reg_guard_fail(g, "u:ip:192.0.2.1", WINDOW, T0), 1);
}

static void test_lockout_after_n(void **state)
{
	struct reg_guard *g = *state;
	const long max = 5;

	assert_false(reg_guard_locked(g, "u:alice", max, WINDOW, T0));
	for (long i = 1; i < max; i++) {
		assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0 + i), i);
		assert_false(reg_guard_locked(g, "u:alice", max, WINDOW, T0 + i));
	}
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0 + max), max);
	assert_true(reg_guard_locked(g, "u:alice", max, WINDOW, T0 + max));
	/* locked for the rest of the window; others are not */
	assert_true(reg_guard_locked(g, "u:alice", max, WINDOW, T0 + WINDOW - 1));
	assert_false(reg_guard_locked(g, "u:bob", max, WINDOW, T0 + max));
	/* the limit is the caller's: per user and per address differ */
	assert_false(reg_guard_locked(g, "u:alice", max + 1, WINDOW, T0 + max));
	assert_true(reg_guard_locked(g, "u:alice", 1, WINDOW, T0 + max));
}

/* The window is fixed: it opens at the first failure and lasts WINDOW
 * seconds; the next failure after it starts a new window at 1. */
static void test_window_expiry(void **state)
{
	struct reg_guard *g = *state;

	for (int i = 0; i < 3; i++)
		reg_guard_fail(g, "ip:198.51.100.7", WINDOW, T0 + i * 100);
	assert_true(reg_guard_locked(g, "ip:198.51.100.7", 3, WINDOW, T0 + 200));
	assert_true(reg_guard_locked(g, "ip:198.51.100.7", 3, WINDOW,
				     T0 + WINDOW - 1));
	/* the lockout ends with the window, without any sweep */
	assert_false(reg_guard_locked(g, "ip:198.51.100.7", 3, WINDOW,
				      T0 + WINDOW));
	/* a failure after the window counts from 1 again */
	assert_int_equal(reg_guard_fail(g, "ip:198.51.100.7", WINDOW,
					T0 + WINDOW), 1);
	assert_false(reg_guard_locked(g, "ip:198.51.100.7", 3, WINDOW,
				      T0 + WINDOW));
	assert_int_equal(reg_guard_fail(g, "ip:198.51.100.7", WINDOW,
					T0 + WINDOW + 1), 2);
}

static void test_forget_after_success(void **state)
{
	struct reg_guard *g = *state;

	reg_guard_fail(g, "u:alice", WINDOW, T0);
	reg_guard_fail(g, "u:alice", WINDOW, T0);
	reg_guard_forget(g, "u:alice");
	assert_false(reg_guard_locked(g, "u:alice", 1, WINDOW, T0));
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0), 1);
	reg_guard_forget(g, "u:nobody");	/* unknown key: harmless */
}

static void test_sweep_drops_old_failures(void **state)
{
	struct reg_guard *g = *state;

	reg_guard_fail(g, "u:old", WINDOW, T0);
	reg_guard_fail(g, "u:old", WINDOW, T0);
	reg_guard_fail(g, "u:young", WINDOW, T0 + 250);
	reg_guard_fail(g, "u:young", WINDOW, T0 + 250);
	/* entries whose window opened more than max_age ago go */
	reg_guard_sweep(g, T0 + 400, WINDOW);
	assert_false(reg_guard_locked(g, "u:old", 1, 10 * WINDOW, T0 + 400));
	assert_true(reg_guard_locked(g, "u:young", 2, WINDOW, T0 + 400));
	assert_int_equal(reg_guard_fail(g, "u:young", WINDOW, T0 + 400), 3);
}

/* Fill the failure table with distinct keys; returns how many keys it
 * took until a new key was no longer remembered. */
static long fill_fail_table(struct reg_guard *g, int64_t now)
{
	char key[48];

	for (long i = 0; i < BOUND_CEILING; i++) {
		size_t before = reg_guard_size(g);
		snprintf(key, sizeof(key), "ip:2001:db8::%lx", i);
		reg_guard_fail(g, key, WINDOW, now);
		if (reg_guard_size(g) == before)	/* not stored: full */
			return i;
	}
	return -1;
}

/* A stranger with many addresses (an IPv6 /64) cannot grow the failure
 * table without limit: past the bound, new keys are not stored, while the
 * keys already known keep counting. */
static void test_fail_table_bounded(void **state)
{
	struct reg_guard *g = *state;

	reg_guard_fail(g, "u:alice", WINDOW, T0);
	long bound = fill_fail_table(g, T0);
	assert_true(bound > 1000);	/* room for a real attack's keys */
	assert_true(bound < BOUND_CEILING);
	/* a new key is not stored: it counts in the shared overflow entry
	 * (the probe above already put one failure there) */
	size_t full = reg_guard_size(g);
	assert_int_equal(reg_guard_fail(g, "u:fresh", WINDOW, T0), 2);
	assert_int_equal(reg_guard_fail(g, "u:other", WINDOW, T0), 3);
	assert_int_equal(reg_guard_size(g), full);
	assert_false(reg_guard_locked(g, "u:fresh", 4, WINDOW, T0));
	assert_true(reg_guard_locked(g, "u:fresh", 3, WINDOW, T0));
	/* ...a known one counts on its own */
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0), 2);
	assert_true(reg_guard_locked(g, "u:alice", 2, WINDOW, T0));
	assert_false(reg_guard_locked(g, "u:alice", 3, WINDOW, T0));
	/* after the sweep there is room again */
	reg_guard_sweep(g, T0 + WINDOW + 1, WINDOW);
	assert_int_equal(reg_guard_fail(g, "u:fresh", WINDOW, T0 + WINDOW + 1), 1);
	assert_int_equal(reg_guard_fail(g, "u:fresh", WINDOW, T0 + WINDOW + 1), 2);
}

/* Regression (reg_guard.c, fixed): once the table is full, a key it does
 * not hold still gets locked out, through the shared overflow entry. */
static void test_fail_table_full_still_locks_new_key(void **state)
{
	struct reg_guard *g = *state;

	assert_true(fill_fail_table(g, T0) > 0);
	for (int i = 0; i < 5; i++)
		reg_guard_fail(g, "ip:203.0.113.66", WINDOW, T0 + 1);
	assert_true(reg_guard_locked(g, "ip:203.0.113.66", 5, WINDOW, T0 + 1));
}

/* ---- nonce-count replay table -------------------------------------- */

static const char N1[] = "AAAAAGVT8QDQ3q2-7wEjRWeJq83vASNFZ4mrze8BI0U";
static const char N2[] = "AAAAAGVT8QCe2Xv_1u9L0q8fHkR3mQ0yW4bA7cD2eF5";

static void test_nc_must_grow(void **state)
{
	struct reg_guard *g = *state;

	assert_int_equal(reg_guard_nc(g, N1, 1, T0), 0);
	assert_int_equal(reg_guard_nc(g, N1, 1, T0), EALREADY);	/* replay */
	assert_int_equal(reg_guard_nc(g, N1, 2, T0), 0);
	assert_int_equal(reg_guard_nc(g, N1, 2, T0 + 1), EALREADY);
	assert_int_equal(reg_guard_nc(g, N1, 1, T0 + 1), EALREADY);	/* older */
	/* gaps are fine (RFC 7616 3.4: the count only has to grow) */
	assert_int_equal(reg_guard_nc(g, N1, 0x10, T0 + 1), 0);
	assert_int_equal(reg_guard_nc(g, N1, 0xf, T0 + 1), EALREADY);
	/* each nonce has its own count */
	assert_int_equal(reg_guard_nc(g, N2, 1, T0), 0);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0), EALREADY);
}

static void test_nc_edges(void **state)
{
	struct reg_guard *g = *state;

	/* nc=00000000 (never sent by a correct client) is usable once */
	assert_int_equal(reg_guard_nc(g, N1, 0, T0), 0);
	assert_int_equal(reg_guard_nc(g, N1, 0, T0), EALREADY);
	/* the largest 8-digit count, then nothing can follow it */
	assert_int_equal(reg_guard_nc(g, N2, 0xffffffffUL, T0), 0);
	assert_int_equal(reg_guard_nc(g, N2, 0xffffffffUL, T0), EALREADY);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0), EALREADY);
}

/* The sweep forgets a nonce's count once max_age has passed since its
 * first use; main.c passes max(nonce TTL, failure window), so by then the
 * nonce itself is stale and a replay fails the nonce check instead. */
static void test_nc_sweep(void **state)
{
	struct reg_guard *g = *state;
	const int64_t ttl = 300;

	assert_int_equal(reg_guard_nc(g, N1, 1, T0), 0);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0 + 200), 0);
	reg_guard_sweep(g, T0 + ttl, ttl);	/* nothing older than ttl yet */
	assert_int_equal(reg_guard_nc(g, N1, 1, T0 + ttl), EALREADY);
	/* the count's age is from its first use, not its last */
	assert_int_equal(reg_guard_nc(g, N1, 2, T0 + ttl), 0);
	reg_guard_sweep(g, T0 + ttl + 1, ttl);
	assert_int_equal(reg_guard_nc(g, N1, 1, T0 + ttl + 1), 0);	/* forgotten */
	assert_int_equal(reg_guard_nc(g, N2, 1, T0 + ttl + 1), EALREADY);
}

/* Fill the nonce table; returns the number of nonces it took. */
static long fill_nc_table(struct reg_guard *g, int64_t now)
{
	char nonce[48];

	for (long i = 0; i < BOUND_CEILING; i++) {
		snprintf(nonce, sizeof(nonce), "fill-%039ld", i);
		int e = reg_guard_nc(g, nonce, 1, now);
		if (e == EBUSY)
			return i;
		if (e)
			return -1;
	}
	return -1;
}

/* The replay table is bounded too.  When full, a new nonce gets EBUSY (the
 * registrar answers with a new challenge) and known nonces are still
 * checked.  Only a correct digest response reaches reg_guard_nc (see
 * reg_sip_auth), so a stranger cannot fill it; but one authenticated user
 * can, with about 200000 successful REGISTERs within a nonce TTL, and then
 * every new nonce of every user gets EBUSY until the sweep. */
static void test_nc_table_bounded(void **state)
{
	struct reg_guard *g = *state;

	assert_int_equal(reg_guard_nc(g, N1, 1, T0), 0);
	long bound = fill_nc_table(g, T0);
	assert_true(bound > 1000);
	assert_true(bound < BOUND_CEILING);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0), EBUSY);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0), EBUSY);	/* still not kept */
	/* a known nonce: replays still caught, counts still advance */
	assert_int_equal(reg_guard_nc(g, N1, 1, T0), EALREADY);
	assert_int_equal(reg_guard_nc(g, N1, 2, T0), 0);
	/* the failure table is separate and unaffected */
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0), 1);
	assert_int_equal(reg_guard_fail(g, "u:alice", WINDOW, T0), 2);
	/* the sweep makes room */
	reg_guard_sweep(g, T0 + 301, 300);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0 + 301), 0);
	assert_int_equal(reg_guard_nc(g, N2, 1, T0 + 301), EALREADY);
}

/* ---- threads ------------------------------------------------------- */

enum { THREADS = 8, ROUNDS = 2000 };

struct race {
	struct reg_guard *g;
	pthread_barrier_t *start;
	long ok;
};

static void *race_nc(void *arg)
{
	struct race *r = arg;
	char nonce[48];

	pthread_barrier_wait(r->start);
	for (long i = 0; i < ROUNDS; i++) {
		snprintf(nonce, sizeof(nonce), "race-%ld", i);
		if (!reg_guard_nc(r->g, nonce, 1, T0))
			r->ok++;
	}
	return NULL;
}

static void *race_fail(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->start);
	for (long i = 0; i < ROUNDS; i++)
		reg_guard_fail(r->g, "ip:192.0.2.99", WINDOW, T0);
	return NULL;
}

/* The same request replayed on several worker threads at once: exactly
 * one of them wins each nonce; concurrent failures are all counted. */
static void test_threads_replay_and_counts(void **state)
{
	struct reg_guard *g = *state;
	pthread_barrier_t start;
	pthread_t th[THREADS];
	struct race r[THREADS];
	long ok = 0;

	pthread_barrier_init(&start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct race){ g, &start, 0 };
		assert_int_equal(pthread_create(&th[i], NULL,
						i % 2 ? race_fail : race_nc,
						&r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += r[i].ok;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(ok, ROUNDS);
	assert_int_equal(reg_guard_fail(g, "ip:192.0.2.99", WINDOW, T0),
			 (long)ROUNDS * (THREADS / 2) + 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_fail_counts_within_window),
		T(test_lockout_after_n),
		T(test_window_expiry),
		T(test_forget_after_success),
		T(test_sweep_drops_old_failures),
		T(test_fail_table_bounded),
		T(test_fail_table_full_still_locks_new_key),
		T(test_nc_must_grow),
		T(test_nc_edges),
		T(test_nc_sweep),
		T(test_nc_table_bounded),
		T(test_threads_replay_and_counts),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reg_guard", tests, NULL, NULL);
}
