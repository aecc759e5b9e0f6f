/* mtimer: a worker's deadlines, as a binary min-heap of intrusive timers.
 *
 * mworker used to run mpath_tick on every session every 10 ms, although a
 * session needs attention only now and then (an RTCP report every 5 s,
 * its media timeout, DTLS retransmissions and DTMF while they last).  Each
 * session now carries one timer at its next deadline; a worker's tick pops
 * only the due ones: O(due + log n) instead of O(n).
 *
 * Not thread-safe: a heap and its timers belong to one worker thread. */
#ifndef RTCGATE_MTIMER_H
#define RTCGATE_MTIMER_H

#include <stddef.h>
#include <stdint.h>

/* Embedded in the object it wakes (container_of to get back to it). */
struct mtimer {
	uint64_t due_us;
	size_t idx;		/* position in the heap + 1; 0: not armed */
};

struct mtimer_heap {
	struct mtimer **v;
	size_t n, cap;
};

void mtimer_heap_init(struct mtimer_heap *h);
/* Frees the heap's array; the timers themselves are the caller's. */
void mtimer_heap_free(struct mtimer_heap *h);

/* Arm t at due_us, or move it there if armed.  0 or ENOMEM (t is then
 * left as it was). */
int mtimer_arm(struct mtimer_heap *h, struct mtimer *t, uint64_t due_us);
/* Arm t no later than due_us: an earlier deadline already set stays. */
int mtimer_arm_by(struct mtimer_heap *h, struct mtimer *t, uint64_t due_us);
/* Disarm t (nothing when it is not armed). */
void mtimer_cancel(struct mtimer_heap *h, struct mtimer *t);
/* The earliest timer due at or before now_us, disarmed; NULL if none. */
struct mtimer *mtimer_pop_due(struct mtimer_heap *h, uint64_t now_us);
/* The earliest deadline, UINT64_MAX when the heap is empty. */
uint64_t mtimer_next_us(const struct mtimer_heap *h);

static inline int mtimer_armed(const struct mtimer *t)
{
	return t->idx != 0;
}

static inline size_t mtimer_count(const struct mtimer_heap *h)
{
	return h->n;
}

#endif
