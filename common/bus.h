/* bus: NATS helpers shared by the services.
 *
 * Connect with retries until a deadline (a service that cannot reach its bus
 * exits with a clear message instead of hanging), reconnect forever after
 * that, JSON publish/reply, blocking request with timeout (never from a loop
 * thread), and drain on shutdown.  Handlers run on NATS's delivery thread:
 * they decode, validate and hand off (handoff.h); they never touch loop state.
 */
#ifndef RTCGATE_BUS_H
#define RTCGATE_BUS_H

#include <jansson.h>
#include <nats/nats.h>

struct bus;

struct bus_opts {
	const char *url;
	const char *name;		/* connection name shown by nats-server */
	long connect_deadline_ms;	/* give up the first connect after this */
};

/* Runs on a NATS thread; msg is borrowed (freed after return). */
typedef void (bus_msg_h)(struct bus *b, natsMsg *msg, void *arg);

int bus_connect(struct bus **bp, const struct bus_opts *o);
/* Drain subscriptions and pending publishes (up to timeout), then free. */
void bus_close(struct bus *b, long timeout_ms);
natsConnection *bus_nats(struct bus *b);

int bus_subscribe(struct bus *b, const char *subject, const char *queue,
		  bus_msg_h *h, void *arg);
int bus_publish(struct bus *b, const char *subject, const char *reply,
		const json_t *m);
int bus_publish_raw(struct bus *b, const char *subject, const char *reply,
		    const void *data, size_t len);
/* Reply to msg if it has a reply subject; 0 when it has none. */
int bus_reply(struct bus *b, natsMsg *req, const json_t *m);
/* Blocking request; *reply is a new reference (decoded, not validated).
 * ETIMEDOUT on timeout, ENOENT when nobody subscribes. */
int bus_request(struct bus *b, const char *subject, const json_t *req,
		long timeout_ms, json_t **reply);
/* Map a natsStatus to an errno value. */
int bus_errno(natsStatus s);

#endif
