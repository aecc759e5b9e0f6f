/* wsgw: the WSS edge (see wsgw.h).  main() reads like its life: config,
 * bus, TLS, lws context, loop until SIGTERM, reverse teardown. */
#include "wsgw.h"
#include "log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct metric_def wsgw_metrics[WM__COUNT] = {
	[WM_CONNS] = { "ws_connections", "open WebSocket connections" },
	[WM_CONNS_TOTAL] = { "ws_connections_total", "WebSocket connections accepted" },
	[WM_MSG_IN] = { "ws_messages_in_total", "SIP messages received" },
	[WM_MSG_OUT] = { "ws_messages_out_total", "frames sent" },
	[WM_GARBAGE] = { "ws_garbage_total", "frames dropped as not SIP" },
	[WM_BAD_REQ] = { "ws_bad_requests_total", "malformed requests answered 400" },
	[WM_REFUSED] = { "ws_refused_total", "handshakes refused (limits, subprotocol)" },
	[WM_TOO_BIG] = { "ws_too_big_total", "connections closed for an oversized message" },
	[WM_RATE_LIMITED] = { "ws_rate_limited_total", "messages dropped over the rate limit" },
	[WM_HANDSHAKE_TIMEOUTS] = { "ws_handshake_timeouts_total", "sockets closed at the handshake deadline" },
	[WM_IDLE_CLOSED] = { "ws_idle_closed_total", "connections closed as idle" },
	[WM_KEEPALIVES] = { "ws_keepalives_total", "CRLF keep-alives answered" },
	[WM_OPTIONS] = { "ws_options_answered_total", "OPTIONS to the gateway answered" },
	[WM_NO_RESPONDERS] = { "ws_no_responders_total", "requests answered 503: no service" },
	[WM_UNROUTABLE] = { "ws_unroutable_total", "responses without an owner dropped" },
	[WM_SEND_NOCONN] = { "ws_send_noconn_total", "sends to a closed connection" },
	[WM_BUS_BAD] = { "bus_bad_messages_total", "bus messages that failed validation" },
	[WM_HANDOFF_DROPPED] = { "bus_handoff_dropped_total", "bus messages dropped: loop queue full" },
	[WM_SLOW_CLOSED] = { "ws_slow_closed_total", "clients dropped for not reading" },
	[WM_ADMIN_REQ] = { "admin_requests_total", "admin API and page requests" },
	[WM_ADMIN_AUTH_FAIL] = { "admin_auth_failures_total", "admin requests with wrong or malformed credentials" },
	[WM_ADMIN_LIMITED] = { "admin_rate_limited_total", "admin requests refused 429 after repeated failures" },
	[WM_ADMIN_BUS_BAD] = { "admin_bus_bad_total", "bus messages for the admin API dropped as malformed" },
};

static struct wsgw wsgw;

static void wsgw_on_signal(int sig)
{
	(void)sig;
	wsgw.stopping = 1;
	if (wsgw.lws)
		lws_cancel_service(wsgw.lws);
}

/* NATS threads wake the lws thread through the hand-off queue; once the
 * context is being destroyed (it still announces closed connections on
 * the bus, so the bus outlives it) a late message must not touch it. */
static pthread_mutex_t wsgw_wake_lock = PTHREAD_MUTEX_INITIALIZER;
static int wsgw_wake_ok;

static void wsgw_wake(void *arg)
{
	pthread_mutex_lock(&wsgw_wake_lock);
	if (wsgw_wake_ok)
		lws_cancel_service(arg);
	pthread_mutex_unlock(&wsgw_wake_lock);
}

/* The once-a-second housekeeping, on the lws thread. */
static void wsgw_tick(lws_sorted_usec_list_t *sul)
{
	int64_t now = wsgw_now_us();

	wsgw_conn_tick(&wsgw, now);
	wsgw_sip_expire(&wsgw, now);
	wsgw_health_expire(&wsgw, now);
	wsgw_bus_poll_health(&wsgw);
	wsgw_admin_tick(&wsgw, now);
	lws_sul_schedule(wsgw.lws, 0, sul, wsgw_tick, LWS_US_PER_SEC);
}

static int wsgw_loop_cb(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED && wsgw.ho)
		handoff_drain(wsgw.ho);
	return 0;
}

static const struct lws_protocols wsgw_loop_proto = {
	.name = "rtcgate-loop", .callback = wsgw_loop_cb,
};

static int wsgw_tls_setup(struct lws_context_creation_info *info)
{
	struct wsgw_cfg *c = &wsgw.cfg;

	if (!c->tls_cert != !c->tls_key) {
		LOG_ERROR("cfg", "bad configuration: %s is set but %s is not",
			  c->tls_cert ? "RTCGATE_TLS_CERT" : "RTCGATE_TLS_KEY",
			  c->tls_cert ? "RTCGATE_TLS_KEY" : "RTCGATE_TLS_CERT");
		return -1;
	}
	if (c->tls_cert) {
		if (access(c->tls_cert, R_OK) || access(c->tls_key, R_OK)) {
			LOG_ERROR("cfg", "bad configuration: RTCGATE_TLS_CERT/"
				  "RTCGATE_TLS_KEY: cannot read %s",
				  access(c->tls_cert, R_OK) ? c->tls_cert :
				  c->tls_key);
			return -1;
		}
		info->ssl_cert_filepath = c->tls_cert;
		info->ssl_private_key_filepath = c->tls_key;
		return 0;
	}
	if (wsgw_tls_self_signed(c->domain ? c->domain : "localhost",
				 &wsgw.cert_pem, &wsgw.key_pem))
		return -1;
	LOG_WARN("tls", "no RTCGATE_TLS_CERT: using a self-signed certificate");
	info->server_ssl_cert_mem = wsgw.cert_pem;
	info->server_ssl_cert_mem_len = (unsigned)strlen(wsgw.cert_pem);
	info->server_ssl_private_key_mem = wsgw.key_pem;
	info->server_ssl_private_key_mem_len = (unsigned)strlen(wsgw.key_pem);
	return 0;
}

static const struct lws_protocols *wsgw_protocols[4];

static const struct lws_http_mount wsgw_mount_metrics = {
	.mountpoint = "/metrics", .mountpoint_len = 8, .origin = "http",
	.origin_protocol = LWSMPRO_CALLBACK,
};
static const struct lws_http_mount wsgw_mount_health = {
	.mount_next = &wsgw_mount_metrics, .mountpoint = "/healthz",
	.mountpoint_len = 8, .origin = "http",
	.origin_protocol = LWSMPRO_CALLBACK,
};
/* The operator API and page (wsgw_admin.c): behind a password, so served
 * by our callback, never by the file mount. */
static const struct lws_http_mount wsgw_mount_admin_page = {
	.mount_next = &wsgw_mount_health, .mountpoint = "/admin.html",
	.mountpoint_len = 11, .origin = "http",
	.origin_protocol = LWSMPRO_CALLBACK,
};
static const struct lws_http_mount wsgw_mount_api = {
	.mount_next = &wsgw_mount_admin_page, .mountpoint = "/api",
	.mountpoint_len = 4, .origin = "http",
	.origin_protocol = LWSMPRO_CALLBACK,
};
/* The bundles and the stylesheet may be cached for 5 minutes (the
 * ~260 KB bundles must not be fetched on every page load), then
 * revalidated by ETag; the pages themselves (and the rest of "/") are
 * "no-store", so a new page with new bundle names is seen at once.
 * (lws 4.1 does not let a file mount vary this per file.) */
static char wsgw_js_dir[4096], wsgw_css_dir[4096];
static const struct lws_http_mount wsgw_mount_js = {
	.mount_next = &wsgw_mount_api, .mountpoint = "/js",
	.mountpoint_len = 3, .origin = wsgw_js_dir,
	.origin_protocol = LWSMPRO_FILE,
	.cache_max_age = 300, .cache_reusable = 1, .cache_intermediaries = 1,
};
static const struct lws_http_mount wsgw_mount_css = {
	.mount_next = &wsgw_mount_js, .mountpoint = "/css",
	.mountpoint_len = 4, .origin = wsgw_css_dir,
	.origin_protocol = LWSMPRO_FILE,
	.cache_max_age = 300, .cache_reusable = 1, .cache_intermediaries = 1,
};
static struct lws_http_mount wsgw_mount_files = {
	.mount_next = &wsgw_mount_css, .mountpoint = "/",
	.mountpoint_len = 1, .def = "index.html",
	.origin_protocol = LWSMPRO_FILE,
};

static int wsgw_lws_start(void)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	wsgw_protocols[0] = wsgw_http_protocol();
	wsgw_protocols[1] = wsgw_sip_protocol();
	wsgw_protocols[2] = &wsgw_loop_proto;
	info.pprotocols = wsgw_protocols;
	info.port = (int)wsgw.cfg.port;
	info.iface = wsgw.cfg.addr;
	wsgw_mount_files.origin = wsgw.cfg.web_root;
	snprintf(wsgw_js_dir, sizeof(wsgw_js_dir), "%s/js", wsgw.cfg.web_root);
	snprintf(wsgw_css_dir, sizeof(wsgw_css_dir), "%s/css",
		 wsgw.cfg.web_root);
	info.mounts = &wsgw_mount_files;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	info.timeout_secs = (unsigned)wsgw.cfg.handshake_timeout;
	info.timeout_secs_ah_idle = (unsigned)wsgw.cfg.handshake_timeout;
	info.keepalive_timeout = 5;
	info.fd_limit_per_thread = (unsigned)(wsgw.cfg.max_conns + 256);
	info.vhost_name = "rtcgate";
	/* HTTP/1.1 only: WebSocket over h2 (RFC 8441) buys browsers nothing
	 * here and is the less travelled path in lws 4.1. */
	info.alpn = "http/1.1";
	if (wsgw_tls_setup(&info))
		return -1;
	wsgw.lws = lws_create_context(&info);
	if (!wsgw.lws) {
		LOG_ERROR("main", "cannot listen on %s:%ld (address in use, or "
			  "bad TLS certificate?)", wsgw.cfg.addr, wsgw.cfg.port);
		return -1;
	}
	LOG_INFO("main", "listening on https://%s:%ld/ (wss, subprotocol sip)",
		 wsgw.cfg.addr, wsgw.cfg.port);
	return 0;
}

static void wsgw_tables_init(void)
{
	wsgw.conns = g_hash_table_new(g_str_hash, g_str_equal);
	wsgw.per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    NULL);
	wsgw.handshakes = g_hash_table_new_full(g_direct_hash, g_direct_equal,
						NULL, g_free);
	wsgw.pending = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					     g_free, wsgw_pending_free);
	wsgw_health_init(&wsgw);
}

static void wsgw_tables_fini(void)
{
	g_hash_table_destroy(wsgw.conns);
	g_hash_table_destroy(wsgw.per_ip);
	g_hash_table_destroy(wsgw.handshakes);
	g_hash_table_destroy(wsgw.pending);
	wsgw_health_fini(&wsgw);
}

int main(void)
{
	int rc = EXIT_FAILURE;

	wsgw_global = &wsgw;
	if (svc_configure(&wsgw.svc, "wsgw", wsgw_cfg_rows, wsgw_cfg_nrows,
			  &wsgw.cfg))
		return 2;
	lws_set_log_level(LLL_ERR, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, wsgw_on_signal);
	signal(SIGINT, wsgw_on_signal);
	wsgw_tables_init();
	if (handoff_new(&wsgw.ho, 100000, wsgw_wake, NULL))
		goto out;
	if (svc_start(&wsgw.svc, wsgw_metrics, WM__COUNT))
		goto out;
	if (wsgw_lws_start()) {
		rc = 2;
		goto out;
	}
	handoff_free(wsgw.ho, NULL);	/* re-made with the context to wake */
	handoff_new(&wsgw.ho, 100000, wsgw_wake, wsgw.lws);
	wsgw_wake_ok = 1;
	if (wsgw_bus_start(&wsgw) || wsgw_admin_start(&wsgw))
		goto out;
	lws_sul_schedule(wsgw.lws, 0, &wsgw.tick, wsgw_tick, 1);
	LOG_INFO("main", "ready");
	while (!wsgw.stopping && lws_service(wsgw.lws, 0) >= 0)
		;
	rc = EXIT_SUCCESS;
out:
	pthread_mutex_lock(&wsgw_wake_lock);
	wsgw_wake_ok = 0;
	wsgw.shutting_down = 1;
	pthread_mutex_unlock(&wsgw_wake_lock);
	if (wsgw.lws)
		lws_context_destroy(wsgw.lws);	/* closes and announces conns */
	wsgw.lws = NULL;
	svc_stop(&wsgw.svc, wsgw_cfg_rows, wsgw_cfg_nrows, &wsgw.cfg);
	handoff_free(wsgw.ho, NULL);
	wsgw_admin_stop(&wsgw);
	wsgw_tables_fini();
	free(wsgw.cert_pem);
	free(wsgw.key_pem);
	nats_CloseAndWait(2000);
	return rc;
}
