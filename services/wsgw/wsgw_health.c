/* wsgw_health: the suite's health as wsgw sees it.  wsgw polls every
 * service kind on the bus each second; the answers land here (lws thread)
 * and /healthz and /metrics are rendered from this cache, so an HTTP probe
 * never waits on the bus. */
#include "wsgw.h"
#include "busmsg.h"
#include "log.h"

#include <string.h>

enum { WSGW_HEALTH_FRESH_US = 3000000 };	/* answered within 3 s */

static const char *const wsgw_health_kinds[] = { "wsgw", "registrar",
						 "b2bua", "mediad" };
#define WSGW_NKINDS (sizeof(wsgw_health_kinds) / sizeof(wsgw_health_kinds[0]))

struct wsgw_hentry {
	json_t *reply;
	int64_t seen_us;
};

static void wsgw_hentry_free(gpointer p)
{
	struct wsgw_hentry *e = p;

	json_decref(e->reply);
	free(e);
}

void wsgw_health_init(struct wsgw *g)
{
	g->health = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  wsgw_hentry_free);
}

void wsgw_health_fini(struct wsgw *g)
{
	if (g->health)
		g_hash_table_destroy(g->health);
	g->health = NULL;
}

static int wsgw_health_kind_known(const char *kind)
{
	for (size_t i = 0; i < WSGW_NKINDS; i++)
		if (!strcmp(kind, wsgw_health_kinds[i]))
			return 1;
	return 0;
}

void wsgw_health_update(struct wsgw *g, json_t *reply)
{
	const char *kind = busmsg_str(reply, "service");
	const char *id = busmsg_str(reply, "id");
	struct wsgw_hentry *e;

	if (!wsgw_health_kind_known(kind) || !svc_id_valid(id))
		return;
	e = malloc(sizeof(*e));
	if (!e)
		return;
	e->reply = json_incref(reply);
	e->seen_us = wsgw_now_us();
	g_hash_table_replace(g->health, g_strdup_printf("%s/%s", kind, id), e);
}

void wsgw_health_expire(struct wsgw *g, int64_t now)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, g->health);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct wsgw_hentry *e = v;
		if (now - e->seen_us > WSGW_HEALTH_FRESH_US)
			g_hash_table_iter_remove(&it);
	}
}

char *wsgw_health_json(struct wsgw *g, int *http_status)
{
	json_t *svcs = json_object(), *root;
	GHashTableIter it;
	gpointer k, v;
	int ok = 1;

	wsgw_health_expire(g, wsgw_now_us());
	for (size_t i = 0; i < WSGW_NKINDS; i++)
		json_object_set_new(svcs, wsgw_health_kinds[i], json_array());
	g_hash_table_iter_init(&it, g->health);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const json_t *r = ((struct wsgw_hentry *)v)->reply;
		json_array_append_new(
			json_object_get(svcs, busmsg_str(r, "service")),
			json_pack("{s:s, s:s, s:I}", "id", busmsg_str(r, "id"),
				  "version", busmsg_str(r, "version") ?
				  busmsg_str(r, "version") : "",
				  "uptime_s", busmsg_int(r, "uptime_s")));
	}
	for (size_t i = 0; i < WSGW_NKINDS; i++)
		if (!json_array_size(json_object_get(svcs, wsgw_health_kinds[i])))
			ok = 0;
	root = json_pack("{s:s, s:o}", "status", ok ? "ok" : "degraded",
			 "services", svcs);
	*http_status = ok ? 200 : 503;
	char *text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	return text;
}

static int wsgw_metric_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < 100 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Lines of one metric, grouped under a single # TYPE header. */
static void wsgw_metric_line(GHashTable *lines, const char *name,
			     const char *labels, long long value)
{
	GString *s = g_hash_table_lookup(lines, name);

	if (!s) {
		s = g_string_new(NULL);
		g_string_append_printf(s, "# TYPE rtcgate_%s %s\n", name,
				       metrics_is_counter(name) ? "counter" :
				       "gauge");
		g_hash_table_insert(lines, g_strdup(name), s);
	}
	g_string_append_printf(s, "rtcgate_%s{%s} %lld\n", name, labels, value);
}

static void wsgw_gstring_free(gpointer p)
{
	g_string_free(p, TRUE);
}

static void wsgw_metrics_of(GHashTable *lines, const json_t *r)
{
	char labels[160];
	const char *key;
	json_t *val;

	snprintf(labels, sizeof(labels), "service=\"%s\",instance=\"%s\"",
		 busmsg_str(r, "service"), busmsg_str(r, "id"));
	wsgw_metric_line(lines, "up", labels, 1);
	wsgw_metric_line(lines, "uptime_seconds", labels,
			 busmsg_int(r, "uptime_s"));
	json_object_foreach(json_object_get(r, "counters"), key, val) {
		if (wsgw_metric_name_ok(key) && json_is_integer(val) &&
		    strcmp(key, "up"))
			wsgw_metric_line(lines, key, labels,
					 json_integer_value(val));
	}
}

char *wsgw_health_metrics(struct wsgw *g)
{
	GHashTable *lines = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, wsgw_gstring_free);
	GString *out = g_string_new(NULL);
	GHashTableIter it;
	gpointer k, v;

	wsgw_health_expire(g, wsgw_now_us());
	g_hash_table_iter_init(&it, g->health);
	while (g_hash_table_iter_next(&it, &k, &v))
		wsgw_metrics_of(lines, ((struct wsgw_hentry *)v)->reply);
	GList *names = g_list_sort(g_hash_table_get_keys(lines),
				   (GCompareFunc)strcmp);
	for (GList *l = names; l; l = l->next)
		g_string_append(out, ((GString *)g_hash_table_lookup(
					     lines, l->data))->str);
	g_list_free(names);
	g_hash_table_destroy(lines);
	return g_string_free(out, FALSE);
}
