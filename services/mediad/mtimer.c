/* mtimer: binary min-heap of intrusive timers (see mtimer.h).  Each timer
 * knows its slot, so moving or cancelling one is O(log n) without a
 * search. */
#include "mtimer.h"

#include <errno.h>
#include <stdlib.h>

void mtimer_heap_init(struct mtimer_heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void mtimer_heap_free(struct mtimer_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->idx = 0;
	free(h->v);
	mtimer_heap_init(h);
}

static void mtimer_place(struct mtimer_heap *h, size_t i, struct mtimer *t)
{
	h->v[i] = t;
	t->idx = i + 1;
}

static void mtimer_up(struct mtimer_heap *h, size_t i)
{
	struct mtimer *t = h->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h->v[p]->due_us <= t->due_us)
			break;
		mtimer_place(h, i, h->v[p]);
		i = p;
	}
	mtimer_place(h, i, t);
}

static void mtimer_down(struct mtimer_heap *h, size_t i)
{
	struct mtimer *t = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due_us < h->v[c]->due_us)
			c++;
		if (t->due_us <= h->v[c]->due_us)
			break;
		mtimer_place(h, i, h->v[c]);
		i = c;
	}
	mtimer_place(h, i, t);
}

static int mtimer_grow(struct mtimer_heap *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	struct mtimer **v = realloc(h->v, cap * sizeof(*v));

	if (!v)
		return ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

int mtimer_arm(struct mtimer_heap *h, struct mtimer *t, uint64_t due_us)
{
	size_t i;

	if (t->idx) {
		uint64_t was = t->due_us;
		t->due_us = due_us;
		if (due_us < was)
			mtimer_up(h, t->idx - 1);
		else
			mtimer_down(h, t->idx - 1);
		return 0;
	}
	if (h->n == h->cap && mtimer_grow(h))
		return ENOMEM;
	t->due_us = due_us;
	i = h->n++;
	mtimer_place(h, i, t);
	mtimer_up(h, i);
	return 0;
}

int mtimer_arm_by(struct mtimer_heap *h, struct mtimer *t, uint64_t due_us)
{
	if (t->idx && t->due_us <= due_us)
		return 0;
	return mtimer_arm(h, t, due_us);
}

void mtimer_cancel(struct mtimer_heap *h, struct mtimer *t)
{
	size_t i;
	struct mtimer *last;

	if (!t->idx)
		return;
	i = t->idx - 1;
	t->idx = 0;
	last = h->v[--h->n];
	if (i == h->n)
		return;		/* it was the last slot */
	mtimer_place(h, i, last);
	/* The moved timer may belong above or below its new slot. */
	if (i > 0 && h->v[(i - 1) / 2]->due_us > last->due_us)
		mtimer_up(h, i);
	else
		mtimer_down(h, i);
}

struct mtimer *mtimer_pop_due(struct mtimer_heap *h, uint64_t now_us)
{
	struct mtimer *t;

	if (!h->n || h->v[0]->due_us > now_us)
		return NULL;
	t = h->v[0];
	mtimer_cancel(h, t);
	return t;
}

uint64_t mtimer_next_us(const struct mtimer_heap *h)
{
	return h->n ? h->v[0]->due_us : UINT64_MAX;
}
