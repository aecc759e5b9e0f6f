/* Unit tests for services/mediad/mtimer.c: the per-worker min-heap of
 * session deadlines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mediad/mtimer.h"

#include <stdlib.h>

/* The heap property and every timer's back-index hold. */
static void check_heap(const struct mtimer_heap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i]->idx, i + 1);
		if (i > 0)
			assert_true(h->v[(i - 1) / 2]->due_us <=
				    h->v[i]->due_us);
	}
}

static void test_empty(void **state)
{
	struct mtimer_heap h;
	struct mtimer t = { 0 };

	(void)state;
	mtimer_heap_init(&h);
	assert_null(mtimer_pop_due(&h, UINT64_MAX));
	assert_true(mtimer_next_us(&h) == UINT64_MAX);
	mtimer_cancel(&h, &t);		/* not armed: nothing */
	assert_int_equal(mtimer_count(&h), 0);
	mtimer_heap_free(&h);
}

static void test_order_and_due(void **state)
{
	struct mtimer_heap h;
	struct mtimer t[5] = { { 0 } };
	const uint64_t due[5] = { 50, 10, 40, 20, 30 };

	(void)state;
	mtimer_heap_init(&h);
	for (int i = 0; i < 5; i++)
		assert_int_equal(mtimer_arm(&h, &t[i], due[i]), 0);
	check_heap(&h);
	assert_true(mtimer_next_us(&h) == 10);
	/* Nothing is due before its deadline. */
	assert_null(mtimer_pop_due(&h, 9));
	assert_ptr_equal(mtimer_pop_due(&h, 25), &t[1]);
	assert_ptr_equal(mtimer_pop_due(&h, 25), &t[3]);
	assert_null(mtimer_pop_due(&h, 25));
	assert_false(mtimer_armed(&t[1]));
	assert_true(mtimer_armed(&t[0]));
	assert_ptr_equal(mtimer_pop_due(&h, 100), &t[4]);
	assert_ptr_equal(mtimer_pop_due(&h, 100), &t[2]);
	assert_ptr_equal(mtimer_pop_due(&h, 100), &t[0]);
	assert_null(mtimer_pop_due(&h, 100));
	mtimer_heap_free(&h);
}

static void test_move_and_cancel(void **state)
{
	struct mtimer_heap h;
	struct mtimer a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	mtimer_heap_init(&h);
	mtimer_arm(&h, &a, 100);
	mtimer_arm(&h, &b, 200);
	mtimer_arm(&h, &c, 300);
	/* Re-arming moves, never duplicates. */
	mtimer_arm(&h, &c, 50);
	assert_int_equal(mtimer_count(&h), 3);
	assert_true(mtimer_next_us(&h) == 50);
	mtimer_arm(&h, &c, 400);
	assert_true(mtimer_next_us(&h) == 100);
	check_heap(&h);
	/* arm_by keeps an earlier deadline, takes an earlier one. */
	mtimer_arm_by(&h, &a, 150);
	assert_true(a.due_us == 100);
	mtimer_arm_by(&h, &b, 20);
	assert_true(b.due_us == 20);
	mtimer_cancel(&h, &b);
	mtimer_cancel(&h, &b);
	assert_int_equal(mtimer_count(&h), 2);
	check_heap(&h);
	assert_ptr_equal(mtimer_pop_due(&h, 1000), &a);
	assert_ptr_equal(mtimer_pop_due(&h, 1000), &c);
	/* arm_by on a disarmed timer arms it. */
	mtimer_arm_by(&h, &b, 7);
	assert_true(mtimer_next_us(&h) == 7);
	mtimer_heap_free(&h);
	assert_false(mtimer_armed(&b));
}

/* Random arms, moves, cancels and pops against a plain array. */
static void test_random_against_model(void **state)
{
	enum { N = 300, OPS = 20000 };
	struct mtimer_heap h;
	struct mtimer *t = calloc(N, sizeof(*t));
	uint64_t now = 0;

	(void)state;
	assert_non_null(t);
	mtimer_heap_init(&h);
	srand(4242);
	for (int op = 0; op < OPS; op++) {
		struct mtimer *x = &t[rand() % N];
		int what = rand() % 4;

		if (what == 0) {
			assert_int_equal(mtimer_arm(&h, x,
					 now + (uint64_t)(rand() % 1000)), 0);
		} else if (what == 1) {
			mtimer_arm_by(&h, x, now + (uint64_t)(rand() % 1000));
		} else if (what == 2) {
			mtimer_cancel(&h, x);
		} else {
			struct mtimer *p;
			now += (uint64_t)(rand() % 50);
			while ((p = mtimer_pop_due(&h, now))) {
				assert_true(p->due_us <= now);
				assert_false(mtimer_armed(p));
			}
			/* Nothing left is due; the model agrees. */
			for (int i = 0; i < N; i++)
				assert_true(!mtimer_armed(&t[i]) ||
					    t[i].due_us > now);
		}
		if (op % 97 == 0) {
			size_t armed = 0;
			uint64_t min = UINT64_MAX;
			check_heap(&h);
			for (int i = 0; i < N; i++) {
				if (!mtimer_armed(&t[i]))
					continue;
				armed++;
				if (t[i].due_us < min)
					min = t[i].due_us;
			}
			assert_int_equal(armed, mtimer_count(&h));
			assert_true(mtimer_next_us(&h) == min);
		}
	}
	mtimer_heap_free(&h);
	free(t);
}

/* Pops come out in deadline order, whatever the order of arming. */
static void test_heap_sort(void **state)
{
	enum { N = 1000 };
	struct mtimer_heap h;
	struct mtimer *t = calloc(N, sizeof(*t));
	uint64_t last = 0;

	(void)state;
	assert_non_null(t);
	mtimer_heap_init(&h);
	srand(7);
	for (int i = 0; i < N; i++)
		assert_int_equal(mtimer_arm(&h, &t[i],
				 (uint64_t)(rand() % 5000)), 0);
	for (int i = 0; i < N; i++) {
		struct mtimer *p = mtimer_pop_due(&h, UINT64_MAX);
		assert_non_null(p);
		assert_true(p->due_us >= last);
		last = p->due_us;
	}
	assert_int_equal(mtimer_count(&h), 0);
	mtimer_heap_free(&h);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_order_and_due),
		cmocka_unit_test(test_move_and_cancel),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_heap_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
