/* handoff: hand work from foreign threads (NATS delivery threads) to the
 * thread that owns a service's state (its lws or GLib loop).
 *
 * A locked FIFO plus a wake-up: handoff_post() appends and, when the queue
 * was empty, calls the wake function (lws_cancel_service, a GLib invoke), so
 * a burst costs one wake-up.  The owner runs handoff_drain() in its loop.
 * The queue is bounded; a full queue refuses the item (ENOBUFS) and the
 * poster drops and counts it rather than growing without limit.
 */
#ifndef RTCGATE_HANDOFF_H
#define RTCGATE_HANDOFF_H

#include <stddef.h>

struct handoff;

typedef void (handoff_wake_h)(void *arg);
/* Runs on the owner thread; owns data. */
typedef void (handoff_h)(void *data, void *arg);
/* Frees an item that was never run (queue freed with items pending). */
typedef void (handoff_dtor_h)(void *data);

int handoff_new(struct handoff **hp, size_t max_pending, handoff_wake_h *wake,
		void *wake_arg);
/* Frees the queue; pending items are passed to dtor (may be NULL). */
void handoff_free(struct handoff *h, handoff_dtor_h *dtor);
/* Any thread.  0, or ENOBUFS when full, ENOMEM; data stays the caller's on
 * failure. */
int handoff_post(struct handoff *h, handoff_h *fn, void *data, void *arg);
/* Owner thread: run everything queued so far; returns how many ran. */
size_t handoff_drain(struct handoff *h);

#endif
