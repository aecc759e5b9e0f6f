/* b2bua: calls between browsers (over wsgw and the bus) and SIP equipment
 * (sofia-sip's NUA), with media on mediad nodes.  One GLib loop owns it
 * all; see b2b.h. */
#include "b2b_call.h"
#include "busmsg.h"
#include "log.h"

#include <glib-unix.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct metric_def b2b_metrics[BM__COUNT] = {
	[BM_UP] = { "up", "1 while the service runs" },
	[BM_CALLS] = { "calls_active", "calls now" },
	[BM_ATTEMPTS] = { "calls_attempted_total", "calls begun (both directions)" },
	[BM_ANSWERED] = { "calls_completed_total", "answered calls ended normally" },
	[BM_FAILED] = { "calls_failed_total", "calls that ended otherwise" },
	[BM_REJECTED] = { "calls_rejected_total", "calls refused at once" },
	[BM_WEB_IN] = { "web_messages_in_total", "SIP messages from browsers" },
	[BM_WEB_BAD] = { "web_messages_bad_total", "browser messages dropped as malformed" },
	[BM_SIP_IN] = { "sip_invites_in_total", "INVITEs from the SIP side" },
	[BM_MEDIA_ERR] = { "media_errors_total", "mediad requests that failed" },
	[BM_BUS_BAD] = { "bus_bad_messages_total", "bus messages that failed validation" },
	[BM_TLS + TLSF_M_CONNS] = { "sip_tls_connections", "SIP over TLS connections open" },
	[BM_TLS + TLSF_M_ACCEPTED] = { "sip_tls_accepted_total", "SIP over TLS connections taken" },
	[BM_TLS + TLSF_M_REFUSED_MAX] = { "sip_tls_refused_max_conn_total",
		"TLS connections closed at once: RTCGATE_SIP_TLS_MAX_CONN open" },
	[BM_TLS + TLSF_M_REFUSED_IP] = { "sip_tls_refused_per_ip_total",
		"TLS connections closed at once: RTCGATE_SIP_TLS_MAX_PER_IP from there" },
	[BM_TLS + TLSF_M_HS_FAILED] = { "sip_tls_handshake_failed_total",
		"TLS handshakes that failed or were abandoned" },
	[BM_TLS + TLSF_M_TO_HANDSHAKE] = { "sip_tls_timeouts_handshake_total",
		"TLS connections closed: handshake not done in time" },
	[BM_TLS + TLSF_M_TO_IDLE] = { "sip_tls_timeouts_idle_total",
		"TLS connections closed: idle too long" },
	[BM_TLS + TLSF_M_STREAM_ERR] = { "sip_tls_stream_errors_total",
		"TLS connections ended by an alert or a bad record after the handshake" },
	[BM_TLS + TLSF_M_UPSTREAM_ERR] = { "sip_tls_upstream_errors_total",
		"TLS connections that could not be relayed to the SIP stack" },
	[BM_TLS + TLSF_M_VIA_FIXED] = { "sip_tls_via_fixed_total",
		"responses over TLS whose top Via got the client's real address" },
};

static void b2b_on_media_event(void *data, void *arg)
{
	json_t *m = data;

	call_media_event(m);
	json_decref(m);
}

static void b2b_media_event_heard(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "media_event", b2b_on_media_event);
}

/* Every second: media nodes that went silent take their calls along. */
static gboolean b2b_reap(gpointer arg)
{
	GSList *lost = NULL;

	b2b_nodes_reap(g_get_monotonic_time(), &lost);
	call_forget_sessions(g_get_monotonic_time());
	for (GSList *l = lost; l; l = l->next)
		call_media_node_lost(l->data);
	g_slist_free_full(lost, g_free);
	return G_SOURCE_CONTINUE;
}

static int b2b_load_policy(void)
{
	char err[256];

	if (!b2b.cfg.domain) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		b2b.cfg.domain = strdup(host);
	}
	if (strcmp(b2b.cfg.dtmf_sip, "rfc4733") &&
	    strcmp(b2b.cfg.dtmf_sip, "info")) {
		LOG_ERROR("cfg", "RTCGATE_DTMF_SIP: rfc4733 or info, not \"%s\"",
			  b2b.cfg.dtmf_sip);
		return EINVAL;
	}
	if (b2b.cfg.session_timer_s && b2b.cfg.session_timer_s < 90) {
		LOG_ERROR("cfg", "RTCGATE_SESSION_TIMER: 0 (off) or at least 90 "
			  "seconds (RFC 4028 Min-SE), not %ld",
			  b2b.cfg.session_timer_s);
		return EINVAL;
	}
	if (b2b.cfg.outbound &&
	    route_template_check(b2b.cfg.outbound, err, sizeof(err))) {
		LOG_ERROR("cfg", "RTCGATE_SIP_OUTBOUND: %s", err);
		return EINVAL;
	}
	if (b2b.cfg.routes_path &&
	    route_table_load(b2b.cfg.routes_path, &b2b.routes, err, sizeof(err))) {
		LOG_ERROR("cfg", "RTCGATE_ROUTES: %s", err);
		return EINVAL;
	}
	if (b2b.cfg.click2call &&
	    c2c_new(b2b.cfg.click2call, (int)b2b.cfg.c2c_rate,
		    (int)b2b.cfg.c2c_burst, 100000, &b2b.c2c)) {
		LOG_ERROR("cfg", "RTCGATE_CLICK2CALL: bad list");
		return EINVAL;
	}
	if (b2b.cfg.cdr_path && cdr_writer_open(b2b.cfg.cdr_path, &b2b.cdr)) {
		LOG_ERROR("cfg", "RTCGATE_CDR_FILE: cannot open %s",
			  b2b.cfg.cdr_path);
		return EINVAL;
	}
	return b2b_sip_tls_prepare();	/* last: it leaves a directory */
}

static gboolean b2b_on_hup(gpointer arg)
{
	struct route_table *t = NULL;
	char err[256];

	if (b2b.cfg.routes_path) {
		if (route_table_load(b2b.cfg.routes_path, &t, err, sizeof(err))) {
			LOG_ERROR("cfg", "RTCGATE_ROUTES not reloaded: %s", err);
		} else {
			route_table_free(b2b.routes);
			b2b.routes = t;
			LOG_INFO("cfg", "routes reloaded");
		}
	}
	if (b2b.cdr)
		cdr_writer_reopen(b2b.cdr);
	return G_SOURCE_CONTINUE;
}

static int b2b_start(void)
{
	char inbox[128], events[128];
	int e;

	snprintf(inbox, sizeof(inbox), "_INBOX.b2bua.%s", b2b.svc.id);
	snprintf(events, sizeof(events), "rtcgate.media.event.%s", b2b.svc.id);
	b2b.calls = g_hash_table_new(g_str_hash, g_str_equal);
	b2b_nodes_init();
	if ((e = busreq_new(&b2b.req, b2b.svc.bus, b2b.loop.ho, b2b.loop.ctx,
			    inbox)) ||
	    (e = bus_subscribe(b2b.svc.bus, "rtcgate.media.event", NULL,
			       b2b_media_event_heard, NULL)) ||
	    (e = bus_subscribe(b2b.svc.bus, events, NULL,
			       b2b_media_event_heard, NULL)) ||
	    (e = b2b_admin_start()) ||
	    (e = b2b_web_start()) || (e = b2b_flow_start()) ||
	    (e = b2b_sip_start()))
		return e;
	g_timeout_add_seconds(1, b2b_reap, NULL);
	g_unix_signal_add(SIGHUP, b2b_on_hup, NULL);
	return 0;
}

int main(void)
{
	int rc = EXIT_FAILURE;

	if (svc_configure(&b2b.svc, "b2bua", b2b_cfg_rows, b2b_cfg_nrows,
			  &b2b.cfg))
		return 2;
	if (b2b_load_policy())
		return 2;
	if (svc_loop_init(&b2b.loop, 100000))
		goto out;
	if (svc_start(&b2b.svc, b2b_metrics, BM__COUNT) || b2b_start())
		goto out;
	metrics_set(&b2b.svc.metrics, BM_UP, 1);
	LOG_INFO("main", "ready: domain %s", b2b.cfg.domain);
	svc_loop_run(&b2b.loop);
	call_end_all();
	rc = EXIT_SUCCESS;
out:
	b2b_sip_stop();
	b2b_web_stop();
	busreq_free(b2b.req);
	svc_stop(&b2b.svc, b2b_cfg_rows, b2b_cfg_nrows, &b2b.cfg);
	svc_loop_fini(&b2b.loop, NULL);
	route_table_free(b2b.routes);
	c2c_free(b2b.c2c);
	cdr_writer_close(b2b.cdr);
	nats_CloseAndWait(2000);
	return rc;
}
