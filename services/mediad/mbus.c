/* mbus: mediad on the bus.  Requests for this node on
 * rtcgate.media.<node>, new sessions also on rtcgate.media.any (queue
 * group "mediad"), each handed to the worker that owns the session; a
 * heartbeat with the node's load on rtcgate.media.heartbeat. */
#include "msess.h"
#include "busmsg.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static struct mediad *mbus_md;

static void mbus_refuse(natsMsg *msg, int code, const char *why)
{
	json_t *r = busmsg_error(code, why);

	metrics_inc(&mbus_md->svc.metrics, MM_BUS_BAD);
	LOG_WARN("bus", "%s: %s", natsMsg_GetSubject(msg), why);
	bus_reply(mbus_md->svc.bus, msg, r);
	json_decref(r);
}

/* The worker of a new session: the least loaded. */
static struct mworker *mbus_pick(void)
{
	struct mworker *best = mbus_md->workers[0];

	for (size_t i = 1; i < mbus_md->nworkers; i++)
		if (atomic_load(&mbus_md->workers[i]->nsessions) <
		    atomic_load(&best->nsessions))
			best = mbus_md->workers[i];
	return best;
}

/* Session ids are "<node>.<worker>.<n>": the worker is in the id. */
static struct mworker *mbus_owner(const char *id)
{
	size_t nl = strlen(mbus_md->svc.id);
	char *end;

	if (!id || strncmp(id, mbus_md->svc.id, nl) || id[nl] != '.')
		return NULL;
	long w = strtol(id + nl + 1, &end, 10);
	if (end == id + nl + 1 || *end != '.' || w < 0 ||
	    (size_t)w >= mbus_md->nworkers)
		return NULL;
	return mbus_md->workers[w];
}

static void mbus_on_request(struct bus *b, natsMsg *msg, void *arg)
{
	char err[160];
	json_t *m;
	struct mworker *w;
	int e = busmsg_decode(natsMsg_GetData(msg),
			      (size_t)natsMsg_GetDataLength(msg), &m, err,
			      sizeof(err));

	if (e) {
		mbus_refuse(msg, e, err);
		return;
	}
	const char *kind = busmsg_kind(m);
	if (!strcmp(kind, "media_drain") && !arg) {
		/* For a preStop hook: the same as SIGTERM. */
		json_t *r = busmsg_new("media_ok");
		json_object_set_new(r, "node", json_string(mbus_md->svc.id));
		json_object_set_new(r, "draining", json_true());
		json_object_set_new(r, "sessions",
				    json_integer(atomic_load(&mbus_md->nsessions)));
		/* Refuse new sessions from now on, not from when the main
		 * loop gets to it: a create right after this reply must see
		 * it. */
		atomic_store(&mbus_md->draining, 1);
		mdrain_request();
		bus_reply(mbus_md->svc.bus, msg, r);
		json_decref(r);
		json_decref(m);
		return;
	}
	if (!strcmp(kind, "media_create"))
		w = mbus_pick();
	else if (!strncmp(kind, "media_", 6) && !arg)
		w = mbus_owner(busmsg_str(m, "session"));
	else
		w = NULL;
	if (!w)
		mbus_refuse(msg, BUSMSG_E_FIELD, arg ? "rtcgate.media.any "
			    "takes media_create only" : "no such session");
	else if (mworker_post(w, m, natsMsg_GetReply(msg)))
		mbus_refuse(msg, BUSMSG_E_FIELD, "worker queue full");
	json_decref(m);
}

int mbus_start(struct mediad *md)
{
	char subj[128];
	int e;

	mbus_md = md;
	snprintf(subj, sizeof(subj), "rtcgate.media.%s", md->svc.id);
	e = bus_subscribe(md->svc.bus, subj, NULL, mbus_on_request, NULL);
	if (!e)
		e = bus_subscribe(md->svc.bus, "rtcgate.media.any", "mediad",
				  mbus_on_request, (void *)1);
	return e;
}

static double mbus_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* GLib timer on the main loop: the node's load, for the b2bua's choice. */
int mbus_heartbeat(void *arg)
{
	struct mediad *md = arg;
	static double last_cpu;
	double cpu = mbus_cpu_s();
	double load = (cpu - last_cpu) * 1000.0 / (double)md->cfg.heartbeat_ms;
	json_t *m = busmsg_new("media_heartbeat");

	last_cpu = cpu;
	metrics_set(&md->svc.metrics, MM_SESSIONS, atomic_load(&md->nsessions));
	metrics_set(&md->svc.metrics, MM_TRANSCODED,
		    atomic_load(&md->ntranscode));
	metrics_set(&md->svc.metrics, MM_PORTS_FREE,
		    (int64_t)mport_free_count(md->ports));
	json_object_set_new(m, "node", json_string(md->svc.id));
	json_object_set_new(m, "ip", json_string(md->cfg.media_ip));
	json_object_set_new(m, "sessions", json_integer(atomic_load(&md->nsessions)));
	json_object_set_new(m, "transcoded", json_integer(atomic_load(&md->ntranscode)));
	json_object_set_new(m, "max_sessions", json_integer(md->cfg.max_sessions));
	json_object_set_new(m, "max_transcode", json_integer(md->cfg.max_transcode));
	json_object_set_new(m, "free_ports", json_integer((json_int_t)mport_free_count(md->ports)));
	json_object_set_new(m, "cpu", json_real(load));	/* cores busy */
	json_object_set_new(m, "draining", json_boolean(atomic_load(&md->draining)));
	bus_publish(md->svc.bus, "rtcgate.media.heartbeat", NULL, m);
	json_decref(m);
	return 1;	/* G_SOURCE_CONTINUE */
}
