/* registrar: see reg.h.  main() reads like its life: config, users, bus,
 * KV bucket, workers, loop until SIGTERM (SIGHUP re-reads the users),
 * reverse teardown. */
#include "reg.h"
#include "busmsg.h"
#include "log.h"
#include "svc_loop.h"

#include <glib-unix.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct metric_def reg_metrics[RM__COUNT] = {
	[RM_REGISTERS] = { "reg_requests_total", "REGISTER requests handled" },
	[RM_OK] = { "reg_ok_total", "REGISTERs answered 200" },
	[RM_CHALLENGES] = { "reg_challenges_total", "401 challenges sent" },
	[RM_AUTH_FAIL] = { "auth_failures_total", "wrong credentials" },
	[RM_LOCKOUTS] = { "auth_lockouts_total", "403 after too many failures" },
	[RM_BAD_NONCE] = { "auth_bad_nonce_total", "nonces we did not make" },
	[RM_STALE] = { "auth_stale_nonce_total", "expired nonces (stale=true)" },
	[RM_REPLAYS] = { "auth_replays_total", "nonce counts that did not grow" },
	[RM_BAD_REQ] = { "reg_rejected_total", "REGISTERs refused as malformed or over a limit" },
	[RM_ACTIVE] = { "reg_bindings_active", "live bindings (at the last sweep)" },
	[RM_EVENTS] = { "reg_events_total", "registration events published" },
	[RM_STORE_ERR] = { "reg_store_errors_total", "KV operations that failed" },
	[RM_LOOKUPS] = { "reg_lookups_total", "lookups answered" },
	[RM_FLOWS_CLOSED] = { "reg_flows_closed_total", "closed flows whose bindings were removed" },
	[RM_BUS_BAD] = { "bus_bad_messages_total", "bus messages that failed validation" },
	[RM_USERS] = { "reg_users", "users in the users file" },
};

static struct reg reg;
static volatile int reg_stopping;

/* Decode a bus message of the expected kind; NULL (counted) if bad. */
static json_t *reg_decode(natsMsg *msg, const char *kind)
{
	char err[160];
	json_t *m;
	int e = busmsg_decode(natsMsg_GetData(msg),
			      (size_t)natsMsg_GetDataLength(msg), &m, err,
			      sizeof(err));

	if (!e && strcmp(busmsg_kind(m), kind)) {
		json_decref(m);
		e = BUSMSG_E_KIND;
		snprintf(err, sizeof(err), "expected kind \"%s\"", kind);
	}
	if (e) {
		metrics_inc(&reg.svc.metrics, RM_BUS_BAD);
		LOG_WARN("bus", "%s: %s", natsMsg_GetSubject(msg), err);
		json_t *r = busmsg_error(e, err);
		bus_reply(reg.svc.bus, msg, r);
		json_decref(r);
		return NULL;
	}
	return m;
}

/* Worker threads: the NATS delivery pool (see reg.h). */
static void reg_on_sip(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = reg_decode(msg, "sip");

	if (m)
		reg_sip_handle(&reg, m);
	json_decref(m);
}

static void reg_on_closed(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = reg_decode(msg, "closed");

	if (m)
		reg_flow_closed(&reg, busmsg_str(m, "edge"), busmsg_str(m, "conn"));
	json_decref(m);
}

static void reg_on_lookup(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = reg_decode(msg, "lookup");

	if (!m)
		return;
	json_t *r = reg_flow_lookup(&reg, busmsg_str(m, "aor"));
	bus_reply(b, msg, r);
	json_decref(r);
	json_decref(m);
}

/* A b2bua asks whether a browser's INVITE carries valid credentials. */
static void reg_on_auth(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = reg_decode(msg, "auth_check");
	json_t *r;

	if (!m)
		return;
	r = reg_sip_auth_check(&reg, m);
	if (!r)
		r = busmsg_error(EINVAL, "auth_check: not a sane INVITE");
	bus_reply(b, msg, r);
	json_decref(r);
	json_decref(m);
}

static gpointer reg_sweeper(gpointer arg)
{
	for (long t = 0; !reg_stopping; t++) {
		g_usleep(100000);
		if (t % (reg.cfg.sweep_s * 10))
			continue;
		reg_flow_sweep(&reg);
		reg_guard_sweep(reg.guard, reg_now(),
				reg.cfg.nonce_ttl > reg.cfg.failure_window ?
				reg.cfg.nonce_ttl : reg.cfg.failure_window);
	}
	return NULL;
}

static int reg_subscribe(void)
{
	char subj[128];
	int e = 0;

	nats_SetMessageDeliveryPoolSize((int)reg.cfg.workers + 2);
	for (long i = 0; i < reg.cfg.workers && !e; i++)
		e = bus_subscribe(reg.svc.bus, "rtcgate.sip.registrar",
				  "registrar", reg_on_sip, NULL);
	snprintf(subj, sizeof(subj), "rtcgate.sip.registrar.%s", reg.svc.id);
	if (!e)
		e = bus_subscribe(reg.svc.bus, subj, NULL, reg_on_sip, NULL);
	if (!e)
		e = bus_subscribe(reg.svc.bus, "rtcgate.ws.closed", "registrar",
				  reg_on_closed, NULL);
	if (!e)
		e = bus_subscribe(reg.svc.bus, "rtcgate.registrar.lookup",
				  "registrar", reg_on_lookup, NULL);
	if (!e)
		e = bus_subscribe(reg.svc.bus, "rtcgate.registrar.auth",
				  "registrar", reg_on_auth, NULL);
	if (!e)
		e = reg_admin_start(&reg);
	return e;
}

static gboolean reg_on_hup(gpointer arg)
{
	LOG_INFO("users", "SIGHUP: re-reading %s", reg.cfg.users_path);
	reg_reload_users(&reg);	/* on error the old table stays */
	return G_SOURCE_CONTINUE;
}

/* Domain and nonce secret, with defaults and a warning where one matters. */
static void reg_identity(void)
{
	if (reg.cfg.domain)
		snprintf(reg.domain, sizeof(reg.domain), "%s", reg.cfg.domain);
	else
		gethostname(reg.domain, sizeof(reg.domain) - 1);
	if (reg.cfg.nonce_secret) {
		snprintf(reg.secret, sizeof(reg.secret), "%s", reg.cfg.nonce_secret);
		return;
	}
	unsigned char raw[24];
	RAND_bytes(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(reg.secret + 2 * i, 3, "%02x", raw[i]);
	LOG_WARN("auth", "RTCGATE_NONCE_SECRET unset: a random secret is used; "
		 "replicas must share one");
}

int main(void)
{
	struct svc_loop loop;
	struct reg_store_opts so;
	GThread *sweeper = NULL;
	int rc = EXIT_FAILURE;

	if (svc_configure(&reg.svc, "registrar", reg_cfg_rows, reg_cfg_nrows,
			  &reg.cfg))
		return 2;
	reg_identity();
	pthread_rwlock_init(&reg.users_lock, NULL);
	if (svc_loop_init(&loop, 1000) || reg_guard_new(&reg.guard))
		goto out;
	if (svc_start(&reg.svc, reg_metrics, RM__COUNT))
		goto out;
	if (reg_reload_users(&reg)) {
		rc = 2;
		goto out;
	}
	so = (struct reg_store_opts){ .bucket = reg.cfg.bucket,
		.max_age_s = 2 * reg.cfg.max_expires + 60,
		.replicas = (int)reg.cfg.kv_replicas };
	if (reg_store_open(&reg.store, bus_nats(reg.svc.bus), &so) ||
	    reg_subscribe())
		goto out;
	g_unix_signal_add(SIGHUP, reg_on_hup, NULL);
	sweeper = g_thread_new("sweep", reg_sweeper, NULL);
	LOG_INFO("main", "ready: domain %s, bucket %s", reg.domain,
		 reg.cfg.bucket);
	svc_loop_run(&loop);
	rc = EXIT_SUCCESS;
out:
	reg_stopping = 1;
	if (sweeper)
		g_thread_join(sweeper);
	svc_stop(&reg.svc, reg_cfg_rows, reg_cfg_nrows, &reg.cfg);
	reg_store_close(reg.store);
	svc_loop_fini(&loop, NULL);
	reg_guard_free(reg.guard);
	reg_users_free(reg.users);
	nats_CloseAndWait(2000);
	return rc;
}
