/* wsgw_admin_data: what the admin API shows, from the bus.
 *
 * Media nodes: the last heartbeat of each (rtcgate.media.heartbeat),
 * dropped after 5 s of silence.  CDRs: the last 100 on rtcgate.cdr, in a
 * ring.  Registrations and calls: asked per HTTP request (reg_list to the
 * registrar's queue group, call_list to every b2bua), the answers coming
 * back on one wildcard inbox.  NATS handlers decode and validate, then
 * hand over to the lws thread; only known fields of the right type are
 * copied into an answer, so nothing else a service sends (SIP bodies,
 * nonces) can leak through the API.
 */
#include "wsgw_admin.h"
#include "busmsg.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct wsgw_admin_field wsgw_node_fields[] = {
	{ "node", JSON_STRING }, { "ip", JSON_STRING },
	{ "sessions", JSON_INTEGER }, { "max_sessions", JSON_INTEGER },
	{ "transcoded", JSON_INTEGER }, { "max_transcode", JSON_INTEGER },
	{ "free_ports", JSON_INTEGER }, { "cpu", JSON_REAL },
	{ "draining", JSON_TRUE },
};

/* cdr.h lists the record's fields. */
static const struct wsgw_admin_field wsgw_cdr_fields[] = {
	{ "call_id", JSON_STRING }, { "direction", JSON_STRING },
	{ "from", JSON_STRING }, { "to", JSON_STRING },
	{ "caller_addr", JSON_STRING }, { "start", JSON_INTEGER },
	{ "answer", JSON_INTEGER }, { "end", JSON_INTEGER },
	{ "setup_ms", JSON_INTEGER }, { "duration_ms", JSON_INTEGER },
	{ "codec_web", JSON_STRING }, { "codec_sip", JSON_STRING },
	{ "transcoded", JSON_TRUE }, { "media_node", JSON_STRING },
	{ "end_reason", JSON_STRING }, { "sip_status", JSON_INTEGER },
	{ "node", JSON_STRING },
};

static const struct wsgw_admin_field wsgw_binding_fields[] = {
	{ "aor", JSON_STRING }, { "contact", JSON_STRING },
	{ "instance", JSON_STRING }, { "expires", JSON_INTEGER },
	{ "edge", JSON_STRING }, { "src_ip", JSON_STRING },
	{ "ua", JSON_STRING },
};

static const struct wsgw_admin_field wsgw_call_fields[] = {
	{ "id", JSON_STRING }, { "dir", JSON_STRING },
	{ "state", JSON_STRING }, { "from", JSON_STRING },
	{ "to", JSON_STRING }, { "node", JSON_STRING },
	{ "session", JSON_STRING }, { "codec_web", JSON_STRING },
	{ "codec_sip", JSON_STRING }, { "started", JSON_INTEGER },
	{ "answered", JSON_INTEGER },
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static int wsgw_admin_type_ok(const json_t *v, json_type t)
{
	switch (t) {
	case JSON_STRING:
		return json_is_string(v) &&
		       json_string_length(v) <= WSGW_ADMIN_MAX_STR;
	case JSON_REAL: return json_is_number(v);
	case JSON_TRUE: return json_is_boolean(v);
	default: return json_typeof(v) == t;
	}
}

json_t *wsgw_admin_pick(const json_t *src, const struct wsgw_admin_field *f,
			size_t n)
{
	json_t *o;

	if (!json_is_object(src) || !(o = json_object()))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(src, f[i].name);
		json_object_set_new(o, f[i].name,
				    v && wsgw_admin_type_ok(v, f[i].type) ?
				    json_copy(v) : json_null());
	}
	return o;
}

void wsgw_admin_node_free(gpointer p)
{
	struct wsgw_admin_node *n = p;

	json_decref(n->beat);
	g_free(n);
}

/* ---- lws thread ------------------------------------------------------- */

static void wsgw_admin_on_beat(void *data, void *arg)
{
	struct wsgw *g = arg;
	json_t *m = data;
	const char *id = busmsg_str(m, "node");
	struct wsgw_admin_node *n;

	if (!g->admin || !id || !svc_id_valid(id)) {
		json_decref(m);
		return;
	}
	n = g_hash_table_lookup(g->admin->nodes, id);
	if (!n) {
		if (g_hash_table_size(g->admin->nodes) >= WSGW_ADMIN_MAX_NODES) {
			metrics_inc(&g->svc.metrics, WM_ADMIN_BUS_BAD);
			json_decref(m);
			return;
		}
		n = g_new0(struct wsgw_admin_node, 1);
		g_hash_table_insert(g->admin->nodes, g_strdup(id), n);
	}
	json_decref(n->beat);
	n->beat = wsgw_admin_pick(m, wsgw_node_fields, NFIELDS(wsgw_node_fields));
	n->seen_us = wsgw_now_us();
	json_decref(m);
}

static void wsgw_admin_on_cdr(void *data, void *arg)
{
	struct wsgw *g = arg;
	struct wsgw_admin *a = g->admin;

	if (!a) {
		json_decref(data);
		return;
	}
	json_decref(a->cdrs[a->cdr_next]);
	a->cdrs[a->cdr_next] = data;
	a->cdr_next = (a->cdr_next + 1) % WSGW_ADMIN_CDRS;
}

struct wsgw_admin_reply {
	uint64_t seq;
	json_t *msg;	/* NULL: no responders */
};

static void wsgw_admin_reply_free(void *p)
{
	struct wsgw_admin_reply *r = p;

	json_decref(r->msg);
	free(r);
}

static void wsgw_admin_on_reply(void *data, void *arg)
{
	struct wsgw_admin_reply *r = data;

	wsgw_admin_answer(arg, r->seq, r->msg);
	wsgw_admin_reply_free(r);
}

json_t *wsgw_admin_nodes_json(struct wsgw *g)
{
	json_t *list = json_array();
	int64_t now = wsgw_now_us();
	GHashTableIter it;
	gpointer k, v;

	wsgw_admin_tick(g, now);
	g_hash_table_iter_init(&it, g->admin->nodes);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct wsgw_admin_node *n = v;
		json_t *o = json_deep_copy(n->beat);
		json_object_set_new(o, "age_ms",
				    json_integer((now - n->seen_us) / 1000));
		json_array_append_new(list, o);
	}
	return json_pack("{s:o, s:I}", "nodes", list, "total",
			 (json_int_t)json_array_size(list));
}

/* Newest first. */
json_t *wsgw_admin_cdrs_json(struct wsgw *g)
{
	struct wsgw_admin *a = g->admin;
	json_t *list = json_array();

	for (size_t i = 1; i <= WSGW_ADMIN_CDRS; i++) {
		json_t *c = a->cdrs[(a->cdr_next + WSGW_ADMIN_CDRS - i) %
				    WSGW_ADMIN_CDRS];
		if (c)
			json_array_append_new(list, json_copy(c));
	}
	return json_pack("{s:o, s:I, s:i}", "cdrs", list, "total",
			 (json_int_t)json_array_size(list), "kept",
			 WSGW_ADMIN_CDRS);
}

/* Rows of a list from the bus, cleaned and capped; bad rows counted. */
static size_t wsgw_admin_rows(struct wsgw *g, json_t *out, const json_t *in,
			      const struct wsgw_admin_field *f, size_t nf,
			      const char *b2bua)
{
	size_t i, bad = 0;
	json_t *row;

	json_array_foreach(in, i, row) {
		json_t *o = wsgw_admin_pick(row, f, nf);
		if (!o) {
			bad++;
			continue;
		}
		if (b2bua)
			json_object_set_new(o, "b2bua", json_string(b2bua));
		if (json_array_size(out) < WSGW_ADMIN_MAX_LIST)
			json_array_append_new(out, o);
		else
			json_decref(o);
	}
	if (bad)
		metrics_add(&g->svc.metrics, WM_ADMIN_BUS_BAD, (int64_t)bad);
	return i - bad;
}

json_t *wsgw_admin_regs_json(struct wsgw *g, const json_t *reply)
{
	json_t *list = json_array();
	json_int_t total;

	if (strcmp(busmsg_kind(reply), "reg_list_reply")) {
		json_decref(list);
		return json_pack("{s:s, s:s?}", "error", "the registrar failed",
				 "reason", busmsg_str(reply, "reason"));
	}
	wsgw_admin_rows(g, list, json_object_get(reply, "bindings"),
			wsgw_binding_fields, NFIELDS(wsgw_binding_fields), NULL);
	total = busmsg_int(reply, "total");
	if (total < (json_int_t)json_array_size(list))
		total = (json_int_t)json_array_size(list);
	return json_pack("{s:o, s:I, s:b}", "bindings", list, "total", total,
			 "truncated", total > (json_int_t)json_array_size(list) ||
			 json_is_true(json_object_get(reply, "truncated")));
}

json_t *wsgw_admin_calls_json(struct wsgw *g, const json_t *got,
			      int expected)
{
	json_t *list = json_array(), *ids = json_array(), *r;
	json_int_t total = 0;
	size_t i;

	json_array_foreach(got, i, r) {
		const char *id = busmsg_str(r, "b2bua");
		if (strcmp(busmsg_kind(r), "call_list_reply") || !id ||
		    !svc_id_valid(id)) {
			metrics_inc(&g->svc.metrics, WM_ADMIN_BUS_BAD);
			continue;
		}
		json_array_append_new(ids, json_string(id));
		wsgw_admin_rows(g, list, json_object_get(r, "calls"),
				wsgw_call_fields, NFIELDS(wsgw_call_fields), id);
		total += busmsg_int(r, "total");
	}
	if (total < (json_int_t)json_array_size(list))
		total = (json_int_t)json_array_size(list);
	return json_pack("{s:o, s:I, s:b, s:o, s:i}", "calls", list, "total",
			 total, "truncated",
			 total > (json_int_t)json_array_size(list),
			 "b2bua_answered", ids, "b2bua_expected", expected);
}

/* ---- NATS threads ----------------------------------------------------- */

static void wsgw_admin_post(struct wsgw *g, handoff_h *fn, void *data,
			    handoff_dtor_h *dtor)
{
	if (g->shutting_down || handoff_post(g->ho, fn, data, g)) {
		metrics_inc(&g->svc.metrics, WM_HANDOFF_DROPPED);
		dtor(data);
	}
}

static json_t *wsgw_admin_decode(struct wsgw *g, natsMsg *msg,
				 const char *kind)
{
	char err[160];
	json_t *m = NULL;
	int len = natsMsg_GetDataLength(msg);

	if (len > WSGW_ADMIN_MAX_MSG ||
	    busmsg_decode(natsMsg_GetData(msg), (size_t)len, &m, err,
			  sizeof(err)) ||
	    strcmp(busmsg_kind(m), kind)) {
		metrics_inc(&g->svc.metrics, WM_ADMIN_BUS_BAD);
		json_decref(m);
		return NULL;
	}
	return m;
}

static void wsgw_admin_beat_heard(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = wsgw_admin_decode(arg, msg, "media_heartbeat");

	if (m)
		wsgw_admin_post(arg, wsgw_admin_on_beat, m,
				(handoff_dtor_h *)json_decref);
}

/* A CDR (kind "cdr") has no schema in busmsg: checked here. */
static void wsgw_admin_cdr_heard(struct bus *b, natsMsg *msg, void *arg)
{
	struct wsgw *g = arg;
	int len = natsMsg_GetDataLength(msg);
	json_t *m = NULL, *c = NULL;

	if (len <= WSGW_ADMIN_MAX_MSG)
		m = json_loadb(natsMsg_GetData(msg), (size_t)len,
			       JSON_REJECT_DUPLICATES, NULL);
	if (m && json_integer_value(json_object_get(m, "v")) == 1 &&
	    json_is_string(json_object_get(m, "call_id")) &&
	    json_is_string(json_object_get(m, "end_reason")))
		c = wsgw_admin_pick(m, wsgw_cdr_fields, NFIELDS(wsgw_cdr_fields));
	json_decref(m);
	if (!c) {
		metrics_inc(&g->svc.metrics, WM_ADMIN_BUS_BAD);
		return;
	}
	wsgw_admin_post(g, wsgw_admin_on_cdr, c, (handoff_dtor_h *)json_decref);
}

static void wsgw_admin_reply_heard(struct bus *b, natsMsg *msg, void *arg)
{
	struct wsgw *g = arg;
	const char *dot = strrchr(natsMsg_GetSubject(msg), '.');
	struct wsgw_admin_reply *r;
	char err[160];
	json_t *m = NULL;

	if (!dot)
		return;
	if (!natsMsg_IsNoResponders(msg) &&
	    busmsg_decode(natsMsg_GetData(msg),
			  (size_t)natsMsg_GetDataLength(msg), &m, err,
			  sizeof(err))) {
		metrics_inc(&g->svc.metrics, WM_ADMIN_BUS_BAD);
		LOG_WARN("admin", "bad answer on %s: %s",
			 natsMsg_GetSubject(msg), err);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		json_decref(m);
		return;
	}
	r->seq = strtoull(dot + 1, NULL, 10);
	r->msg = m;
	wsgw_admin_post(g, wsgw_admin_on_reply, r, wsgw_admin_reply_free);
}

int wsgw_admin_ask(struct wsgw *g, struct wsgw_admin_wait *w)
{
	char reply[160];
	json_t *m;
	int e;

	snprintf(reply, sizeof(reply), "%s.%llu", g->admin->inbox,
		 (unsigned long long)w->seq);
	if (w->what == WA_REGS) {
		m = busmsg_new("reg_list");
		json_object_set_new(m, "limit", json_integer(WSGW_ADMIN_MAX_LIST));
		e = bus_publish(g->svc.bus, "rtcgate.registrar.list", reply, m);
	} else {
		m = busmsg_new("call_list");
		json_object_set_new(m, "limit", json_integer(WSGW_ADMIN_MAX_LIST));
		e = bus_publish(g->svc.bus, "rtcgate.b2bua.calls", reply, m);
	}
	json_decref(m);
	return e;
}

int wsgw_admin_bus_start(struct wsgw *g)
{
	char inbox[160];
	int e;

	snprintf(inbox, sizeof(inbox), "%s.*", g->admin->inbox);
	e = bus_subscribe(g->svc.bus, inbox, NULL, wsgw_admin_reply_heard, g);
	if (!e)
		e = bus_subscribe(g->svc.bus, "rtcgate.media.heartbeat", NULL,
				  wsgw_admin_beat_heard, g);
	if (!e)
		e = bus_subscribe(g->svc.bus, "rtcgate.cdr", NULL,
				  wsgw_admin_cdr_heard, g);
	return e;
}
