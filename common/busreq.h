/* busreq: request/reply on the bus without blocking the service's loop.
 * One wildcard inbox per process; each request gets a reply subject
 * "<inbox>.<seq>"; the answer, a "no responders" status or the timeout
 * reaches the caller's callback on the loop thread (through the loop's
 * hand-off queue), exactly once. */
#ifndef RTCGATE_BUSREQ_H
#define RTCGATE_BUSREQ_H

#include "bus.h"
#include "handoff.h"

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

struct busreq;

/* reply: the decoded answer (NULL on failure, then e is ETIMEDOUT,
 * ENOENT for "no responders", EBADMSG for an undecodable answer); the
 * callback does not own it. */
typedef void (busreq_h)(json_t *reply, int e, void *arg);

int busreq_new(struct busreq **rp, struct bus *b, struct handoff *loop,
	       GMainContext *ctx, const char *inbox_prefix);
/* Fails every pending request with ECANCELED (callbacks run). */
void busreq_free(struct busreq *r);
int busreq_send(struct busreq *r, const char *subject, const json_t *req,
		long timeout_ms, busreq_h *cb, void *arg);
size_t busreq_pending(const struct busreq *r);

#endif
