/* mdrain: draining a media node, on the main (GLib) loop.
 *
 * SIGTERM (or a media_drain request): no new sessions, the existing ones go
 * on; exit when the last is deleted, or end them all when
 * RTCGATE_MEDIA_DRAIN_GRACE runs out (each with a "drained" event, for the
 * b2bua to hang up on).  A second SIGTERM exits at once. */
#include "msess.h"
#include "busmsg.h"
#include "clock.h"
#include "log.h"

static struct mediad *mdrain_md;
static GMainLoop *mdrain_loop;
static int mdrain_terms;
static bool mdrain_on, mdrain_expired;
static uint64_t mdrain_deadline_us;

/* Every 100 ms while draining. */
static gboolean mdrain_check(gpointer arg)
{
	int n = atomic_load(&mdrain_md->nsessions);

	if (n <= 0) {
		LOG_INFO("main", "drained (%s): exiting", mdrain_expired ?
			 "grace over" : "the last session ended");
		g_main_loop_quit(mdrain_loop);
		return G_SOURCE_REMOVE;
	}
	if (!mdrain_expired &&
	    (uint64_t)clock_wall_us() >= mdrain_deadline_us) {
		mdrain_expired = true;
		LOG_INFO("main", "drain grace over: ending %d sessions", n);
		json_t *m = busmsg_new("media_expire");
		for (size_t i = 0; i < mdrain_md->nworkers; i++)
			if (mworker_post(mdrain_md->workers[i], m, NULL))
				LOG_WARN("main", "worker %zu: queue full", i);
		json_decref(m);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean mdrain_start(gpointer arg)
{
	if (mdrain_on)
		return G_SOURCE_REMOVE;
	mdrain_on = true;
	atomic_store(&mdrain_md->draining, 1);
	metrics_set(&mdrain_md->svc.metrics, MM_DRAINING, 1);
	mdrain_deadline_us = (uint64_t)clock_wall_us() +
			     (uint64_t)mdrain_md->cfg.drain_grace_s * 1000000;
	LOG_INFO("main", "draining: no new sessions; %d left, %ld s of grace",
		 atomic_load(&mdrain_md->nsessions), mdrain_md->cfg.drain_grace_s);
	mbus_heartbeat(mdrain_md);	/* tell the b2buas now, not in a second */
	if (mdrain_check(NULL) == G_SOURCE_CONTINUE)
		g_timeout_add(100, mdrain_check, NULL);
	return G_SOURCE_REMOVE;
}

void mdrain_request(void)
{
	g_main_context_invoke(NULL, mdrain_start, NULL);
}

void mdrain_on_term(void)
{
	if (mdrain_terms++) {
		LOG_INFO("main", "second SIGTERM: exiting now");
		g_main_loop_quit(mdrain_loop);
	} else {
		mdrain_start(NULL);
	}
}

void mdrain_quit(void)
{
	g_main_loop_quit(mdrain_loop);
}

void mdrain_init(struct mediad *md, GMainLoop *loop)
{
	mdrain_md = md;
	mdrain_loop = loop;
}

