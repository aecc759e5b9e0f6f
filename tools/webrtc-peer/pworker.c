/* pworker: an epoll loop that owns sessions.  The main thread hands it a
 * session (after the bus exchange) through a hand-off queue and an
 * eventfd; from then on only this thread touches the session, until
 * pworker_join returns it.
 *
 * A 250 us timerfd paces the audio: each session sends in one of 80
 * slots of the 20 ms period (round robin), so N sessions send N/80
 * packets per tick per side instead of N packets in one burst every
 * 20 ms, like calls that started at random moments.  Bursts matter: mediad
 * handles a burst's packets one after the other, and the last one's
 * latency includes all the others.  Every 40th tick (10 ms) runs the
 * sessions' housekeeping (ICE, DTLS timers, deadlines).  When the loop
 * falls behind, the timerfd reports several expirations and the missed
 * slots are sent at once: counted as overruns, the peer's own overload. */
#include "peer.h"
#include "handoff.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { EVENTS = 256, HOUSEKEEP_TICKS = PEER_SLOTS / 2, QUEUE = 8192 };

_Atomic long pworker_media, pworker_failed;
_Atomic int pworker_measuring;
_Atomic uint64_t pworker_last_rx_us;

/* Sessions of one send slot: a growable array. */
struct pslot {
	struct psess **v;
	size_t n, cap;
};

struct pworker {
	int idx;
	int epfd, tfd, evfd;
	pthread_t th;
	bool running;
	struct handoff *ho;
	struct pslot all;
	struct pslot slots[PEER_SLOTS];
	uint64_t tick;
	uint64_t overruns;
	bool quiet;			/* no more audio out */
	bool stop;
	struct phist lat[3];		/* web->sip, sip->web, round trip */
};

static int pslot_push(struct pslot *sl, struct psess *s)
{
	if (sl->n == sl->cap) {
		size_t cap = sl->cap ? sl->cap * 2 : 64;
		struct psess **v = realloc(sl->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		sl->v = v;
		sl->cap = cap;
	}
	sl->v[sl->n++] = s;
	return 0;
}

static void pworker_wake(void *arg)
{
	struct pworker *w = arg;
	uint64_t one = 1;

	(void)!write(w->evfd, &one, sizeof(one));
}

static int pworker_watch(struct pworker *w, struct psock *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = k };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, k->fd, &ev) ? errno : 0;
}

/* Hand-off: a new session, now ours. */
static void pworker_on_add(void *data, void *arg)
{
	struct psess *s = data;
	struct pworker *w = arg;

	/* Slots by arrival on this worker, not by global index: with two
	 * workers, indices alone would leave half of each one's slots empty. */
	if (pslot_push(&w->slots[w->all.n % PEER_SLOTS], s) ||
	    pslot_push(&w->all, s) ||
	    pworker_watch(w, &s->web) || pworker_watch(w, &s->sip) ||
	    (s->rtcp.fd >= 0 && pworker_watch(w, &s->rtcp))) {
		psess_fail(s, "worker: cannot take the session");
		return;
	}
	psess_start(s, pmedia_mono_us());
	psess_tick(s, pmedia_mono_us());	/* first check now */
}

static void pworker_on_quiet(void *data PEER_UNUSED, void *arg)
{
	struct pworker *w = arg;

	w->quiet = true;
}

static void pworker_on_stop(void *data PEER_UNUSED, void *arg)
{
	struct pworker *w = arg;

	w->stop = true;
}

static void pworker_ticks(struct pworker *w)
{
	uint64_t n = 0, now;

	if (read(w->tfd, &n, sizeof(n)) != sizeof(n))
		return;
	if (n > 1)
		w->overruns += n - 1;
	now = pmedia_mono_us();
	for (uint64_t t = 0; t < n; t++) {
		struct pslot *sl = &w->slots[w->tick % PEER_SLOTS];
		for (size_t i = 0; i < sl->n && !w->quiet; i++)
			psess_send(sl->v[i]);
		if (w->tick++ % HOUSEKEEP_TICKS == 0)
			for (size_t i = 0; i < w->all.n; i++)
				psess_tick(w->all.v[i], now);
	}
}

static void *pworker_main(void *arg)
{
	struct pworker *w = arg;
	struct epoll_event ev[EVENTS];
	uint64_t n;

	while (!w->stop) {
		int k = epoll_wait(w->epfd, ev, EVENTS, 100);
		for (int i = 0; i < k; i++) {
			if (ev[i].data.ptr == &w->evfd) {
				if (read(w->evfd, &n, sizeof(n)) > 0)
					handoff_drain(w->ho);
			} else if (ev[i].data.ptr == &w->tfd) {
				pworker_ticks(w);
			} else {
				struct psock *s = ev[i].data.ptr;
				psess_readable(s, w->lat);
			}
		}
	}
	return NULL;
}

static int pworker_fds(struct pworker *w)
{
	struct itimerspec its = { { 0, PEER_TICK_NS }, { 0, PEER_TICK_NS } };
	struct epoll_event e1 = { .events = EPOLLIN, .data.ptr = &w->evfd };
	struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = &w->tfd };

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->evfd < 0 || w->tfd < 0 ||
	    timerfd_settime(w->tfd, 0, &its, NULL) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &e1) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &e2))
		return errno ? errno : EIO;
	return 0;
}

int pworker_start(struct pworker **wp, int idx)
{
	struct pworker *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return ENOMEM;
	w->idx = idx;
	w->epfd = w->tfd = w->evfd = -1;
	e = pworker_fds(w);
	if (!e)
		e = handoff_new(&w->ho, QUEUE, pworker_wake, w);
	if (!e)
		e = pthread_create(&w->th, NULL, pworker_main, w);
	if (e) {
		pworker_free(w);
		return e;
	}
	w->running = true;
	*wp = w;
	return 0;
}

int pworker_add(struct pworker *w, struct psess *s)
{
	return handoff_post(w->ho, pworker_on_add, s, w);
}

void pworker_quiet(struct pworker *w)
{
	handoff_post(w->ho, pworker_on_quiet, NULL, w);
}

void pworker_join(struct pworker *w, struct phist *lat, uint64_t *overruns)
{
	if (w->running) {
		handoff_post(w->ho, pworker_on_stop, NULL, w);
		pthread_join(w->th, NULL);
		w->running = false;
	}
	for (int i = 0; lat && i < 3; i++)
		phist_merge(&lat[i], &w->lat[i]);
	if (overruns)
		*overruns += w->overruns;
}

/* Frees the loop, not the sessions: those belong to the caller again. */
void pworker_free(struct pworker *w)
{
	if (!w)
		return;
	pworker_join(w, NULL, NULL);
	handoff_free(w->ho, NULL);
	for (int i = 0; i < PEER_SLOTS; i++)
		free(w->slots[i].v);
	free(w->all.v);
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->evfd >= 0)
		close(w->evfd);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}
