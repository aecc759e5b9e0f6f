/* handoff: see handoff.h */
#include "handoff.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct handoff_item {
	struct handoff_item *next;
	handoff_h *fn;
	void *data;
	void *arg;
};

struct handoff {
	pthread_mutex_t lock;
	struct handoff_item *head, *tail;
	size_t pending, max_pending;
	handoff_wake_h *wake;
	void *wake_arg;
};

int handoff_new(struct handoff **hp, size_t max_pending, handoff_wake_h *wake,
		void *wake_arg)
{
	struct handoff *h = calloc(1, sizeof(*h));

	if (!h)
		return ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->max_pending = max_pending;
	h->wake = wake;
	h->wake_arg = wake_arg;
	*hp = h;
	return 0;
}

void handoff_free(struct handoff *h, handoff_dtor_h *dtor)
{
	if (!h)
		return;
	for (struct handoff_item *it = h->head, *next; it; it = next) {
		next = it->next;
		if (dtor)
			dtor(it->data);
		free(it);
	}
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int handoff_post(struct handoff *h, handoff_h *fn, void *data, void *arg)
{
	struct handoff_item *it = malloc(sizeof(*it));
	int was_empty;

	if (!it)
		return ENOMEM;
	it->next = NULL;
	it->fn = fn;
	it->data = data;
	it->arg = arg;
	pthread_mutex_lock(&h->lock);
	if (h->pending >= h->max_pending) {
		pthread_mutex_unlock(&h->lock);
		free(it);
		return ENOBUFS;
	}
	was_empty = !h->head;
	if (h->tail)
		h->tail->next = it;
	else
		h->head = it;
	h->tail = it;
	h->pending++;
	pthread_mutex_unlock(&h->lock);
	/* Wake outside the lock: the owner may be draining right now. */
	if (was_empty && h->wake)
		h->wake(h->wake_arg);
	return 0;
}

size_t handoff_drain(struct handoff *h)
{
	struct handoff_item *list;
	size_t n = 0;

	pthread_mutex_lock(&h->lock);
	list = h->head;
	h->head = h->tail = NULL;
	h->pending = 0;
	pthread_mutex_unlock(&h->lock);
	while (list) {
		struct handoff_item *it = list;
		list = it->next;
		it->fn(it->data, it->arg);
		free(it);
		n++;
	}
	return n;
}
