/* b2b_nodes: media nodes as their heartbeats describe them.  A new call
 * goes to the least loaded live node; a node silent for 3 s is lost and
 * its calls are ended by the caller of b2b_nodes_reap(). */
#include "b2b.h"
#include "busmsg.h"
#include "log.h"

#include <string.h>

enum { B2B_NODE_LOST_US = 3000000 };

static void b2b_nodes_on_beat(void *data, void *arg)
{
	json_t *m = data;
	const char *id = busmsg_str(m, "node");
	struct b2b_node *n;

	if (!id || !svc_id_valid(id)) {
		json_decref(m);
		return;
	}
	n = g_hash_table_lookup(b2b.nodes, id);
	if (!n) {
		n = g_new0(struct b2b_node, 1);
		snprintf(n->id, sizeof(n->id), "%s", id);
		g_hash_table_insert(b2b.nodes, n->id, n);
		LOG_INFO("nodes", "media node %s joined", id);
	}
	n->sessions = (int)json_integer_value(json_object_get(m, "sessions"));
	n->max_sessions = (int)json_integer_value(json_object_get(m, "max_sessions"));
	n->cpu = json_number_value(json_object_get(m, "cpu"));
	n->draining = json_is_true(json_object_get(m, "draining"));
	n->seen_us = g_get_monotonic_time();
	json_decref(m);
}

/* NATS thread: hand the heartbeat to the loop. */
static void b2b_nodes_heard(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "media_heartbeat", b2b_nodes_on_beat);
}

void b2b_nodes_init(void)
{
	b2b.nodes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	bus_subscribe(b2b.svc.bus, "rtcgate.media.heartbeat", NULL,
		      b2b_nodes_heard, NULL);
}

/* The live node with the lowest share of its capacity in use. */
const char *b2b_nodes_pick(void)
{
	gint64 now = g_get_monotonic_time();
	struct b2b_node *best = NULL;
	double best_load = 2.0;
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, b2b.nodes);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct b2b_node *n = v;
		double load = n->max_sessions ?
			(double)n->sessions / n->max_sessions : 1.0;
		if (n->draining || now - n->seen_us > B2B_NODE_LOST_US ||
		    now < n->suspect_until_us || n->sessions >= n->max_sessions)
			continue;
		if (load < best_load) {
			best = n;
			best_load = load;
		}
	}
	if (best)
		best->sessions++;	/* until its next heartbeat */
	return best ? best->id : NULL;
}

/* A node that did not answer a request: not picked for a while (its
 * heartbeats, or their absence, then decide). */
void b2b_nodes_suspect(const char *id)
{
	struct b2b_node *n = g_hash_table_lookup(b2b.nodes, id);

	if (n)
		n->suspect_until_us = g_get_monotonic_time() + B2B_NODE_LOST_US;
}

/* Nodes silent too long: removed; their ids go to *lost (g_free each). */
void b2b_nodes_reap(gint64 now_us, GSList **lost)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, b2b.nodes);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct b2b_node *n = v;
		if (now_us - n->seen_us <= B2B_NODE_LOST_US)
			continue;
		LOG_WARN("nodes", "media node %s lost (no heartbeat)", n->id);
		*lost = g_slist_prepend(*lost, g_strdup(n->id));
		g_hash_table_iter_remove(&it);
	}
}
