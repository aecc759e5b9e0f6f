/* reg_admin: the live bindings for the operator API (wsgw's
 * /api/registrations), on rtcgate.registrar.list (queue group registrar:
 * one replica answers, any can, the bindings being in KV).
 *
 * Runs on a NATS worker thread, like lookups: the listing is one KV read
 * per AoR, so it reads at most REG_ADMIN_MAX_KEYS keys and lists at most
 * the asked limit; "total" counts what was read, "truncated" says when
 * anything was left out.  Only the fields an operator needs leave: no
 * Call-IDs, no connection ids. */
#include "reg.h"
#include "busmsg.h"
#include "log.h"
#include "reg_bind.h"

#include <glib.h>
#include <string.h>

enum { REG_ADMIN_MAX_KEYS = 2000, REG_ADMIN_MAX_LIST = 500 };

/* "aor.<escaped>" back to the AoR (reg_bind_key() writes =XX). */
static char *reg_admin_aor(const char *key)
{
	GString *s = g_string_new(NULL);

	for (const char *p = key + 4; *p; p++) {
		unsigned int c;
		if (*p == '=' && g_ascii_isxdigit(p[1]) &&
		    g_ascii_isxdigit(p[2]) && sscanf(p + 1, "%2X", &c) == 1) {
			g_string_append_c(s, (char)c);
			p += 2;
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

/* "1.2.3.4:5060" or "[::1]:5060" -> the address alone. */
static json_t *reg_admin_ip(const char *src)
{
	char ip[72];
	const char *colon;

	if (!src)
		return json_null();
	colon = strchr(src, ':');
	if (src[0] == '[' && (colon = strchr(src, ']')))
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - src - 1), src + 1);
	else if (colon && colon == strrchr(src, ':'))	/* one: ip:port */
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - src), src);
	else
		snprintf(ip, sizeof(ip), "%s", src);
	return json_string(ip);
}

static json_t *reg_admin_row(const char *aor, const json_t *b, int64_t now)
{
	json_t *o = json_object();
	const json_t *inst = json_object_get(b, "instance");

	json_object_set_new(o, "aor", json_string(aor));
	json_object_set(o, "contact", json_is_string(json_object_get(b, "contact")) ?
			json_object_get(b, "contact") : json_null());
	json_object_set_new(o, "instance", json_is_string(inst) ?
			    json_copy((json_t *)inst) : json_null());
	json_object_set_new(o, "expires",
			    json_integer(reg_bind_remaining(b, now)));
	json_object_set_new(o, "edge", json_is_string(json_object_get(b, "edge")) ?
			    json_copy(json_object_get(b, "edge")) : json_null());
	json_object_set_new(o, "src_ip",
			    reg_admin_ip(json_string_value(json_object_get(b, "src"))));
	json_object_set_new(o, "ua", json_is_string(json_object_get(b, "ua")) ?
			    json_copy(json_object_get(b, "ua")) : json_null());
	return o;
}

static json_t *reg_admin_list(struct reg *r, long limit)
{
	char **keys = NULL;
	json_t *list = json_array(), *m;
	int64_t now = reg_now();
	long total = 0, nkeys = 0;
	int cut = 0;

	if (reg_store_keys(r->store, "aor.", &keys)) {
		json_decref(list);
		metrics_inc(&r->svc.metrics, RM_STORE_ERR);
		return busmsg_error(BUSMSG_E_FIELD, "registration store unavailable");
	}
	for (char **k = keys; *k; k++) {
		json_t *bindings = NULL, *b;
		size_t i;
		if (++nkeys > REG_ADMIN_MAX_KEYS) {
			cut = 1;
			break;
		}
		if (reg_store_get(r->store, *k, &bindings))
			continue;
		char *aor = reg_admin_aor(*k);
		json_array_foreach(bindings, i, b) {
			if (reg_bind_remaining(b, now) <= 0)
				continue;	/* expired: the sweep removes it */
			total++;
			if ((long)json_array_size(list) < limit)
				json_array_append_new(list,
						      reg_admin_row(aor, b, now));
		}
		g_free(aor);
		json_decref(bindings);
	}
	g_strfreev(keys);
	m = busmsg_new("reg_list_reply");
	json_object_set_new(m, "bindings", list);
	json_object_set_new(m, "total", json_integer(total));
	json_object_set_new(m, "truncated", json_boolean(
		cut || total > (long)json_array_size(list)));
	return m;
}

static void reg_admin_heard(struct bus *b, natsMsg *msg, void *arg)
{
	struct reg *r = arg;
	char err[160];
	json_t *m = NULL, *reply;
	int e = busmsg_decode(natsMsg_GetData(msg),
			      (size_t)natsMsg_GetDataLength(msg), &m, err,
			      sizeof(err));

	if (!e && strcmp(busmsg_kind(m), "reg_list")) {
		e = BUSMSG_E_KIND;
		snprintf(err, sizeof(err), "expected kind \"reg_list\"");
	}
	if (e) {
		metrics_inc(&r->svc.metrics, RM_BUS_BAD);
		LOG_WARN("bus", "%s: %s", natsMsg_GetSubject(msg), err);
		reply = busmsg_error(e, err);
	} else {
		long long limit = busmsg_int(m, "limit");
		reply = reg_admin_list(r, limit > 0 && limit < REG_ADMIN_MAX_LIST ?
				       (long)limit : REG_ADMIN_MAX_LIST);
	}
	bus_reply(b, msg, reply);
	json_decref(reply);
	json_decref(m);
}

int reg_admin_start(struct reg *r)
{
	return bus_subscribe(r->svc.bus, "rtcgate.registrar.list", "registrar",
			     reg_admin_heard, r);
}
