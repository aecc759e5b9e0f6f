/* bus: see bus.h */
#include "bus.h"

#include <glib.h>
#include "busmsg.h"
#include "log.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BUS_MAX_SUBS = 96 };

struct bus_sub {
	struct bus *bus;
	natsSubscription *sub;
	bus_msg_h *h;
	void *arg;
};

struct bus {
	natsOptions *opts;
	natsConnection *nc;
	struct bus_sub subs[BUS_MAX_SUBS];
	size_t nsubs;
};

int bus_errno(natsStatus s)
{
	switch (s) {
	case NATS_OK: return 0;
	case NATS_TIMEOUT: return ETIMEDOUT;
	case NATS_NO_RESPONDERS: return ENOENT;
	case NATS_NO_MEMORY: return ENOMEM;
	case NATS_INVALID_ARG: case NATS_INVALID_SUBJECT: return EINVAL;
	case NATS_MAX_PAYLOAD: return EMSGSIZE;
	case NATS_CONNECTION_CLOSED: case NATS_NO_SERVER: return ENOTCONN;
	default: return EIO;
	}
}

static void bus_on_disconnected(natsConnection *nc, void *arg)
{
	(void)nc;
	(void)arg;
	LOG_WARN("bus", "disconnected from NATS; reconnecting");
}

static void bus_on_reconnected(natsConnection *nc, void *arg)
{
	char url[256] = "";

	(void)arg;
	natsConnection_GetConnectedUrl(nc, url, sizeof(url));
	LOG_INFO("bus", "reconnected to %s", url);
}

static int64_t bus_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* NATS_URL may list several servers, comma-separated (a cluster seen from
 * outside it): any of them will do for the first connection.  The client
 * takes one URL per entry, so the list is split here. */
enum { BUS_MAX_SERVERS = 16 };

static natsStatus bus_set_servers(natsOptions *opts, const char *url)
{
	gchar **v = g_strsplit(url, ",", BUS_MAX_SERVERS + 1);
	int n = 0;
	natsStatus s;

	for (gchar **p = v; *p; p++) {
		g_strstrip(*p);
		if (**p && n < BUS_MAX_SERVERS)
			v[n++] = *p;
		else
			g_free(*p);
	}
	v[n] = NULL;
	s = n > 1 ? natsOptions_SetServers(opts, (const char **)v, n) :
	    natsOptions_SetURL(opts, n ? v[0] : url);
	g_strfreev(v);
	return s;
}

static natsStatus bus_make_opts(struct bus *b, const struct bus_opts *o)
{
	natsStatus s = natsOptions_Create(&b->opts);

	if (s == NATS_OK)
		s = bus_set_servers(b->opts, o->url);
	if (s == NATS_OK)
		s = natsOptions_SetName(b->opts, o->name);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(b->opts, 2000);
	if (s == NATS_OK)	/* after the first connect, reconnect forever */
		s = natsOptions_SetMaxReconnect(b->opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(b->opts, 250);
	if (s == NATS_OK)	/* replies leave at once, not after the flusher */
		s = natsOptions_SetSendAsap(b->opts, true);
	if (s == NATS_OK)	/* a few delivery threads, not one per sub */
		s = natsOptions_UseGlobalMessageDelivery(b->opts, true);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(b->opts, bus_on_disconnected, b);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(b->opts, bus_on_reconnected, b);
	return s;
}

int bus_connect(struct bus **bp, const struct bus_opts *o)
{
	struct bus *b = calloc(1, sizeof(*b));
	natsStatus s;
	int64_t deadline = bus_now_ms() + o->connect_deadline_ms;
	int tries = 0;

	if (!b)
		return ENOMEM;
	s = bus_make_opts(b, o);
	while (s == NATS_OK) {
		s = natsConnection_Connect(&b->nc, b->opts);
		if (s == NATS_OK)
			break;
		if (tries++ == 0)
			LOG_WARN("bus", "cannot reach NATS at %s (%s); retrying",
				 o->url, natsStatus_GetText(s));
		if (bus_now_ms() >= deadline)
			break;
		nats_Sleep(200);
		s = NATS_OK;
	}
	if (s != NATS_OK) {
		LOG_ERROR("bus", "NATS at %s unreachable for %ld ms: %s",
			  o->url, o->connect_deadline_ms, natsStatus_GetText(s));
		natsOptions_Destroy(b->opts);
		free(b);
		return bus_errno(s) ? bus_errno(s) : EIO;
	}
	LOG_INFO("bus", "connected to NATS at %s", o->url);
	*bp = b;
	return 0;
}

void bus_close(struct bus *b, long timeout_ms)
{
	if (!b)
		return;
	/* Drain: stop taking messages, finish the ones in flight, flush. */
	if (natsConnection_DrainTimeout(b->nc, timeout_ms) == NATS_OK) {
		int64_t end = bus_now_ms() + timeout_ms + 100;
		while (!natsConnection_IsClosed(b->nc) && bus_now_ms() < end)
			nats_Sleep(10);
	}
	natsConnection_Close(b->nc);
	for (size_t i = 0; i < b->nsubs; i++)
		natsSubscription_Destroy(b->subs[i].sub);
	natsConnection_Destroy(b->nc);
	natsOptions_Destroy(b->opts);
	free(b);
}

natsConnection *bus_nats(struct bus *b)
{
	return b->nc;
}

static void bus_dispatch(natsConnection *nc, natsSubscription *sub,
			 natsMsg *msg, void *closure)
{
	struct bus_sub *bs = closure;

	(void)nc;
	(void)sub;
	bs->h(bs->bus, msg, bs->arg);
	natsMsg_Destroy(msg);
}

int bus_subscribe(struct bus *b, const char *subject, const char *queue,
		  bus_msg_h *h, void *arg)
{
	natsStatus s;

	if (b->nsubs >= BUS_MAX_SUBS)
		return ENOSPC;
	struct bus_sub *bs = &b->subs[b->nsubs];
	bs->bus = b;
	bs->h = h;
	bs->arg = arg;
	if (queue)
		s = natsConnection_QueueSubscribe(&bs->sub, b->nc, subject,
						  queue, bus_dispatch, bs);
	else
		s = natsConnection_Subscribe(&bs->sub, b->nc, subject,
					     bus_dispatch, bs);
	if (s == NATS_OK)	/* no silent drops under bursts: large limits */
		s = natsSubscription_SetPendingLimits(bs->sub, 65536,
						      64 * 1024 * 1024);
	if (s != NATS_OK) {
		LOG_ERROR("bus", "subscribe %s: %s", subject,
			  natsStatus_GetText(s));
		return bus_errno(s);
	}
	b->nsubs++;
	return 0;
}

int bus_publish_raw(struct bus *b, const char *subject, const char *reply,
		    const void *data, size_t len)
{
	natsStatus s;

	if (reply)
		s = natsConnection_PublishRequest(b->nc, subject, reply, data,
						  (int)len);
	else
		s = natsConnection_Publish(b->nc, subject, data, (int)len);
	if (s != NATS_OK)
		LOG_WARN("bus", "publish %s: %s", subject,
			 natsStatus_GetText(s));
	return bus_errno(s);
}

int bus_publish(struct bus *b, const char *subject, const char *reply,
		const json_t *m)
{
	size_t len;
	char *text = busmsg_encode(m, &len);

	if (!text)
		return ENOMEM;
	int e = bus_publish_raw(b, subject, reply, text, len);
	free(text);
	return e;
}

int bus_reply(struct bus *b, natsMsg *req, const json_t *m)
{
	const char *reply = natsMsg_GetReply(req);

	if (!reply || !*reply)
		return 0;
	return bus_publish(b, reply, NULL, m);
}

int bus_request(struct bus *b, const char *subject, const json_t *req,
		long timeout_ms, json_t **reply)
{
	natsMsg *resp = NULL;
	size_t len;
	char *text = busmsg_encode(req, &len);

	if (!text)
		return ENOMEM;
	natsStatus s = natsConnection_Request(&resp, b->nc, subject, text,
					      (int)len, timeout_ms);
	free(text);
	if (s != NATS_OK)
		return bus_errno(s);
	json_t *j = json_loadb(natsMsg_GetData(resp),
			       (size_t)natsMsg_GetDataLength(resp), 0, NULL);
	natsMsg_Destroy(resp);
	if (!j)
		return EBADMSG;
	*reply = j;
	return 0;
}
