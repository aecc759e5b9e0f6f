/* reg_flow: what happens to bindings besides REGISTER: their WebSocket
 * flow closes, the b2bua looks them up, they expire.  Each AoR registered
 * over a flow is listed under a flow key, so a closed connection finds its
 * bindings without scanning the bucket. */
#include "reg.h"
#include "busmsg.h"
#include "log.h"
#include "reg_bind.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/time.h>

int64_t reg_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec;
}

void reg_publish_events(struct reg *r, const char *aor, json_t *events)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev) {
		json_t *m = json_deep_copy(ev);
		json_object_set_new(m, "v", json_integer(BUSMSG_VERSION));
		json_object_set_new(m, "kind", json_string("reg_event"));
		json_object_set_new(m, "aor", json_string(aor));
		bus_publish(r->svc.bus, "rtcgate.reg.event", NULL, m);
		json_decref(m);
		metrics_inc(&r->svc.metrics, RM_EVENTS);
		LOG_DEBUG("reg", "%s %s", json_string_value(json_object_get(ev, "event")), aor);
	}
}

static int reg_flow_add(json_t *aors, void *arg)
{
	const char *aor = arg;
	size_t i;
	json_t *a;

	json_array_foreach(aors, i, a)
		if (!strcmp(json_string_value(a) ? json_string_value(a) : "", aor))
			return ENODATA;
	json_array_append_new(aors, json_string(aor));
	return 0;
}

int reg_flow_remember(struct reg *r, const char *edge, const char *conn,
		      const char *aor)
{
	char key[REG_KEY_MAX];
	int e = reg_bind_flow_key(edge, conn, key);

	if (!e)
		e = reg_store_update(r->store, key, reg_flow_add, (void *)aor,
				     NULL);
	if (e)
		metrics_inc(&r->svc.metrics, RM_STORE_ERR);
	return e;
}

struct reg_flow_drop {
	const char *edge, *conn;
	json_t *events;
};

static int reg_flow_drop_fn(json_t *bindings, void *arg)
{
	struct reg_flow_drop *d = arg;

	json_array_clear(d->events);
	return reg_bind_remove_flow(bindings, d->edge, d->conn, d->events) ?
	       0 : ENODATA;
}

static int reg_flow_clear(json_t *aors, void *arg)
{
	(void)arg;
	if (!json_array_size(aors))
		return ENODATA;
	json_array_clear(aors);
	return 0;
}

void reg_flow_closed(struct reg *r, const char *edge, const char *conn)
{
	char fkey[REG_KEY_MAX], key[REG_KEY_MAX];
	json_t *aors = NULL;
	struct reg_flow_drop d = { edge, conn, json_array() };
	size_t i;
	json_t *a;

	if (reg_bind_flow_key(edge, conn, fkey) ||
	    reg_store_get(r->store, fkey, &aors)) {
		json_decref(d.events);
		return;
	}
	json_array_foreach(aors, i, a) {
		const char *aor = json_string_value(a);
		if (!aor || reg_bind_key(aor, key))
			continue;
		if (reg_store_update(r->store, key, reg_flow_drop_fn, &d, NULL))
			metrics_inc(&r->svc.metrics, RM_STORE_ERR);
		else
			reg_publish_events(r, aor, d.events);
	}
	if (json_array_size(aors)) {
		metrics_inc(&r->svc.metrics, RM_FLOWS_CLOSED);
		reg_store_update(r->store, fkey, reg_flow_clear, NULL, NULL);
		LOG_INFO("reg", "flow %s/%s closed: bindings of %zu AoRs checked",
			 edge, conn, json_array_size(aors));
	}
	json_decref(aors);
	json_decref(d.events);
}

json_t *reg_flow_lookup(struct reg *r, const char *aor)
{
	char key[REG_KEY_MAX];
	json_t *bindings = NULL, *reply;
	int64_t now = reg_now();
	size_t i;
	json_t *b;

	metrics_inc(&r->svc.metrics, RM_LOOKUPS);
	if (reg_bind_key(aor, key))
		return busmsg_error(BUSMSG_E_FIELD, "bad aor");
	if (reg_store_get(r->store, key, &bindings))
		return busmsg_error(BUSMSG_E_FIELD, "registration store unavailable");
	reg_bind_expire(bindings, now, NULL);	/* expiry checked on read */
	json_array_foreach(bindings, i, b)
		json_object_set_new(b, "expires_in",
				    json_integer(reg_bind_remaining(b, now)));
	reply = busmsg_new("bindings");
	json_object_set_new(reply, "aor", json_string(aor));
	json_object_set_new(reply, "bindings", bindings);
	return reply;
}

struct reg_sweep {
	int64_t now;
	json_t *events;
	size_t live;
};

static int reg_sweep_fn(json_t *bindings, void *arg)
{
	struct reg_sweep *s = arg;

	json_array_clear(s->events);
	size_t gone = reg_bind_expire(bindings, s->now, s->events);
	s->live += json_array_size(bindings);
	return gone ? 0 : ENODATA;
}

static char *reg_aor_of_key(const char *key)
{
	GString *s = g_string_new(NULL);

	for (const char *p = key + 4; *p; p++) {	/* after "aor." */
		unsigned int c;
		if (*p == '=' && sscanf(p + 1, "%2X", &c) == 1) {
			g_string_append_c(s, (char)c);
			p += 2;
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

/* Expire what nobody refreshed; also counts the live bindings. */
void reg_flow_sweep(struct reg *r)
{
	char **keys = NULL;
	struct reg_sweep s = { reg_now(), json_array(), 0 };

	if (reg_store_keys(r->store, "aor.", &keys)) {
		json_decref(s.events);
		return;
	}
	for (char **k = keys; *k; k++) {
		size_t before = s.live;
		if (reg_store_update(r->store, *k, reg_sweep_fn, &s, NULL)) {
			s.live = before;
			continue;
		}
		if (json_array_size(s.events)) {
			char *aor = reg_aor_of_key(*k);
			reg_publish_events(r, aor, s.events);
			free(aor);
		}
	}
	metrics_set(&r->svc.metrics, RM_ACTIVE, (int64_t)s.live);
	g_strfreev(keys);
	json_decref(s.events);
}
