/* Unit tests for common/handoff.c: the bounded locked queue that carries
 * work from foreign threads to a loop's owner thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "handoff.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* What handlers and wake-ups saw, for single-threaded tests. */
struct rec {
	int wakes;
	void *wake_arg;
	int ran[64];
	size_t nran;
	void *args[64];
	int freed[64];
	size_t nfreed;
};

static struct rec rec;

static void on_wake(void *arg)
{
	rec.wakes++;
	rec.wake_arg = arg;
}

static void on_item(void *data, void *arg)
{
	rec.args[rec.nran] = arg;
	rec.ran[rec.nran++] = *(int *)data;
}

static void on_item_free(void *data, void *arg)
{
	on_item(data, arg);
	free(data);
}

static void on_dtor(void *data)
{
	rec.freed[rec.nfreed++] = *(int *)data;
	free(data);
}

static int *box(int v)
{
	int *p = malloc(sizeof(*p));

	assert_non_null(p);
	*p = v;
	return p;
}

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	return 0;
}

static void test_new_and_free_empty(void **state)
{
	struct handoff *h = NULL;

	(void)state;
	assert_int_equal(handoff_new(&h, 8, NULL, NULL), 0);
	assert_non_null(h);
	assert_int_equal(handoff_drain(h), 0);
	handoff_free(h, on_dtor);
	assert_int_equal(rec.nfreed, 0);
	handoff_free(NULL, on_dtor);	/* harmless */
}

static void test_fifo_order(void **state)
{
	static int v[5] = { 10, 20, 30, 40, 50 };
	struct handoff *h;
	int arg = 7;

	(void)state;
	assert_int_equal(handoff_new(&h, 16, NULL, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(handoff_post(h, on_item, &v[i], &arg), 0);
	assert_int_equal(rec.nran, 0);	/* nothing runs before drain */
	assert_int_equal(handoff_drain(h), 5);
	assert_int_equal(rec.nran, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rec.ran[i], v[i]);
		assert_ptr_equal(rec.args[i], &arg);
	}
	/* Drained items are gone. */
	assert_int_equal(handoff_drain(h), 0);
	assert_int_equal(rec.nran, 5);
	handoff_free(h, NULL);
}

/* Each item carries its own function and argument. */
static void test_per_item_handler(void **state)
{
	struct handoff *h;
	int a = 1, b = 2;

	(void)state;
	assert_int_equal(handoff_new(&h, 4, NULL, NULL), 0);
	assert_int_equal(handoff_post(h, on_item_free, box(1), &a), 0);
	assert_int_equal(handoff_post(h, on_item, &b, &b), 0);
	assert_int_equal(handoff_drain(h), 2);
	assert_ptr_equal(rec.args[0], &a);
	assert_ptr_equal(rec.args[1], &b);
	assert_int_equal(rec.ran[0], 1);
	assert_int_equal(rec.ran[1], 2);
	handoff_free(h, NULL);
}

static void test_bounded(void **state)
{
	static int v[6] = { 0, 1, 2, 3, 4, 5 };
	struct handoff *h;
	int refused = 0;

	(void)state;
	assert_int_equal(handoff_new(&h, 4, on_wake, NULL), 0);
	for (int i = 0; i < 6; i++) {
		int e = handoff_post(h, on_item, &v[i], NULL);
		if (e) {
			assert_int_equal(e, ENOBUFS);
			refused++;
		}
	}
	/* Exactly max_pending accepted; the rest refused, and the first
	 * four (not the last four) are the ones kept. */
	assert_int_equal(refused, 2);
	assert_int_equal(handoff_drain(h), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rec.ran[i], i);
	/* Draining frees room again. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(handoff_post(h, on_item, &v[i], NULL), 0);
	assert_int_equal(handoff_post(h, on_item, &v[4], NULL), ENOBUFS);
	handoff_free(h, NULL);
}

/* A refused item stays the caller's: the queue neither runs nor frees it
 * (LSan/ASan catch a double free or a leak here). */
static void test_refused_item_stays_callers(void **state)
{
	struct handoff *h;
	int *kept = box(1);
	int *refused = box(2);

	(void)state;
	assert_int_equal(handoff_new(&h, 1, NULL, NULL), 0);
	assert_int_equal(handoff_post(h, on_item_free, kept, NULL), 0);
	assert_int_equal(handoff_post(h, on_item_free, refused, NULL),
			 ENOBUFS);
	assert_int_equal(*refused, 2);
	free(refused);
	handoff_free(h, on_dtor);
	assert_int_equal(rec.nfreed, 1);
	assert_int_equal(rec.freed[0], 1);
	assert_int_equal(rec.nran, 0);
}

static void test_zero_capacity_refuses_all(void **state)
{
	struct handoff *h;
	int v = 1;

	(void)state;
	assert_int_equal(handoff_new(&h, 0, on_wake, NULL), 0);
	assert_int_equal(handoff_post(h, on_item, &v, NULL), ENOBUFS);
	assert_int_equal(rec.wakes, 0);
	assert_int_equal(handoff_drain(h), 0);
	handoff_free(h, NULL);
}

/* One wake-up per burst: only the post that finds the queue empty wakes
 * the owner; a refused post never does. */
static void test_wake_once_per_burst(void **state)
{
	static int v[4];
	struct handoff *h;
	int warg;

	(void)state;
	assert_int_equal(handoff_new(&h, 3, on_wake, &warg), 0);
	assert_int_equal(handoff_post(h, on_item, &v[0], NULL), 0);
	assert_int_equal(rec.wakes, 1);
	assert_ptr_equal(rec.wake_arg, &warg);
	assert_int_equal(handoff_post(h, on_item, &v[1], NULL), 0);
	assert_int_equal(handoff_post(h, on_item, &v[2], NULL), 0);
	assert_int_equal(handoff_post(h, on_item, &v[3], NULL), ENOBUFS);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(handoff_drain(h), 3);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(handoff_post(h, on_item, &v[0], NULL), 0);
	assert_int_equal(rec.wakes, 2);
	handoff_free(h, NULL);
}

/* A handler may post again (from the owner thread): the new item is not
 * run by the same drain, but it wakes the owner and runs on the next. */
static struct handoff *reentrant_h;

static void on_item_repost(void *data, void *arg)
{
	static int again = 99;

	on_item(data, arg);
	if (*(int *)data != 99)
		assert_int_equal(handoff_post(reentrant_h, on_item_repost,
					      &again, NULL), 0);
}

static void test_post_from_handler(void **state)
{
	int v = 1;

	(void)state;
	assert_int_equal(handoff_new(&reentrant_h, 4, on_wake, NULL), 0);
	assert_int_equal(handoff_post(reentrant_h, on_item_repost, &v, NULL),
			 0);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(handoff_drain(reentrant_h), 1);
	assert_int_equal(rec.nran, 1);
	assert_int_equal(rec.wakes, 2);
	assert_int_equal(handoff_drain(reentrant_h), 1);
	assert_int_equal(rec.nran, 2);
	assert_int_equal(rec.ran[1], 99);
	assert_int_equal(handoff_drain(reentrant_h), 0);
	handoff_free(reentrant_h, NULL);
	reentrant_h = NULL;
}

/* Items pending at free go to the destructor, in order; none run. */
static void test_free_pending(void **state)
{
	struct handoff *h;

	(void)state;
	assert_int_equal(handoff_new(&h, 8, NULL, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(handoff_post(h, on_item_free, box(i), NULL),
				 0);
	handoff_free(h, on_dtor);
	assert_int_equal(rec.nran, 0);
	assert_int_equal(rec.nfreed, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rec.freed[i], i);
}

/* With a NULL destructor pending data is simply not touched. */
static void test_free_pending_no_dtor(void **state)
{
	static int v[3] = { 1, 2, 3 };
	struct handoff *h;

	(void)state;
	assert_int_equal(handoff_new(&h, 8, NULL, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(handoff_post(h, on_item, &v[i], NULL), 0);
	handoff_free(h, NULL);
	assert_int_equal(rec.nran, 0);
	assert_int_equal(v[2], 3);
}

/* Threads: producers post numbered items, one owner thread drains when
 * woken.  Wake-ups use a flag under a mutex, as a loop's wake-up would. */
enum { NPROD = 4, PER_PROD = 20000 };

struct mt {
	struct handoff *h;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int woken;
	int producers_done;
	/* Owner thread only: */
	long next[NPROD];	/* next sequence number expected */
	long received;
	long out_of_order;
	size_t max_batch;
	/* Producers: */
	long refused[NPROD];
	int retry;		/* retry refused posts (no loss) */
};

struct mt_item {
	int prod;
	long seq;
};

struct mt_prod {
	struct mt *mt;
	int id;
};

static void mt_wake(void *arg)
{
	struct mt *mt = arg;

	pthread_mutex_lock(&mt->lock);
	mt->woken = 1;
	pthread_cond_signal(&mt->cond);
	pthread_mutex_unlock(&mt->lock);
}

static void mt_run(void *data, void *arg)
{
	struct mt_item *it = data;
	struct mt *mt = arg;

	/* Per producer, items arrive in the order posted (gaps where the
	 * queue was full and the producer dropped). */
	if (it->seq < mt->next[it->prod])
		mt->out_of_order++;
	mt->next[it->prod] = it->seq + 1;
	mt->received++;
	free(it);
}

static void *mt_producer(void *arg)
{
	struct mt_prod *p = arg;
	struct mt *mt = p->mt;

	for (long s = 0; s < PER_PROD; s++) {
		struct mt_item *it = malloc(sizeof(*it));
		if (!it)
			abort();
		it->prod = p->id;
		it->seq = s;
		for (;;) {
			int e = handoff_post(mt->h, mt_run, it, mt);
			if (!e)
				break;
			if (e != ENOBUFS)
				abort();
			mt->refused[p->id]++;
			if (!mt->retry) {
				free(it);
				break;
			}
			sched_yield();
		}
	}
	pthread_mutex_lock(&mt->lock);
	mt->producers_done++;
	pthread_cond_signal(&mt->cond);
	pthread_mutex_unlock(&mt->lock);
	return NULL;
}

static void *mt_owner(void *arg)
{
	struct mt *mt = arg;

	for (;;) {
		pthread_mutex_lock(&mt->lock);
		while (!mt->woken && mt->producers_done < NPROD)
			pthread_cond_wait(&mt->cond, &mt->lock);
		int done = mt->producers_done == NPROD;
		mt->woken = 0;
		pthread_mutex_unlock(&mt->lock);
		size_t n = handoff_drain(mt->h);
		if (n > mt->max_batch)
			mt->max_batch = n;
		if (done) {
			/* Producers are finished: one last drain. */
			handoff_drain(mt->h);
			return NULL;
		}
	}
}

static void mt_run_all(struct mt *mt, size_t cap)
{
	pthread_t prod[NPROD], owner;
	struct mt_prod pa[NPROD];

	pthread_mutex_init(&mt->lock, NULL);
	pthread_cond_init(&mt->cond, NULL);
	assert_int_equal(handoff_new(&mt->h, cap, mt_wake, mt), 0);
	assert_int_equal(pthread_create(&owner, NULL, mt_owner, mt), 0);
	for (int i = 0; i < NPROD; i++) {
		pa[i].mt = mt;
		pa[i].id = i;
		assert_int_equal(pthread_create(&prod[i], NULL, mt_producer,
						&pa[i]), 0);
	}
	for (int i = 0; i < NPROD; i++)
		pthread_join(prod[i], NULL);
	pthread_join(owner, NULL);
	/* Nothing is left behind: the owner's last drain took it all. */
	assert_int_equal(handoff_drain(mt->h), 0);
	handoff_free(mt->h, free);
	pthread_cond_destroy(&mt->cond);
	pthread_mutex_destroy(&mt->lock);
}

/* Producers retry when refused: every item arrives, in order. */
static void test_threads_no_loss(void **state)
{
	struct mt *mt = calloc(1, sizeof(*mt));

	(void)state;
	assert_non_null(mt);
	mt->retry = 1;
	mt_run_all(mt, 64);
	assert_int_equal(mt->received, (long)NPROD * PER_PROD);
	assert_int_equal(mt->out_of_order, 0);
	for (int i = 0; i < NPROD; i++)
		assert_int_equal(mt->next[i], PER_PROD);
	assert_true(mt->max_batch <= 64);
	free(mt);
}

/* Producers drop when refused: what arrived plus what was refused is
 * everything posted, and no drain ever saw more than the bound. */
static void test_threads_drop_and_count(void **state)
{
	struct mt *mt = calloc(1, sizeof(*mt));
	long refused = 0;

	(void)state;
	assert_non_null(mt);
	mt_run_all(mt, 8);
	for (int i = 0; i < NPROD; i++)
		refused += mt->refused[i];
	assert_int_equal(mt->received + refused, (long)NPROD * PER_PROD);
	assert_int_equal(mt->out_of_order, 0);
	assert_true(mt->max_batch <= 8);
	assert_true(mt->received > 0);
	free(mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_and_free_empty, setup),
		cmocka_unit_test_setup(test_fifo_order, setup),
		cmocka_unit_test_setup(test_per_item_handler, setup),
		cmocka_unit_test_setup(test_bounded, setup),
		cmocka_unit_test_setup(test_refused_item_stays_callers, setup),
		cmocka_unit_test_setup(test_zero_capacity_refuses_all, setup),
		cmocka_unit_test_setup(test_wake_once_per_burst, setup),
		cmocka_unit_test_setup(test_post_from_handler, setup),
		cmocka_unit_test_setup(test_free_pending, setup),
		cmocka_unit_test_setup(test_free_pending_no_dtor, setup),
		cmocka_unit_test_setup(test_threads_no_loss, setup),
		cmocka_unit_test_setup(test_threads_drop_and_count, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
