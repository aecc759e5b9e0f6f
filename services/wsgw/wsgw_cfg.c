/* wsgw_cfg: wsgw's settings (the README table lists them too). */
#include "wsgw.h"

#include <stddef.h>

#define W(f) offsetof(struct wsgw_cfg, f)

const struct cfg_row wsgw_cfg_rows[] = {
	{ "RTCGATE_WSS_ADDR", CFG_STR, "0.0.0.0", 0, 0, NULL, W(addr),
	  "address wsgw listens on" },
	{ "RTCGATE_WSS_PORT", CFG_INT, "8443", 1, 65535, NULL, W(port),
	  "HTTPS + WSS port (web page, sip subprotocol, /healthz, /metrics)" },
	{ "RTCGATE_TLS_CERT", CFG_STR, NULL, 0, 0, NULL, W(tls_cert),
	  "PEM certificate (chain) for wsgw; self-signed when unset" },
	{ "RTCGATE_TLS_KEY", CFG_STR, NULL, 0, 0, NULL, W(tls_key),
	  "PEM private key matching RTCGATE_TLS_CERT" },
	{ "RTCGATE_WEB_ROOT", CFG_STR, "web/public", 0, 0, NULL, W(web_root),
	  "folder of static web files served at /" },
	{ "RTCGATE_DOMAIN", CFG_STR, NULL, 0, 0, NULL, W(domain),
	  "SIP domain (default: the host name)" },
	{ "RTCGATE_WS_MAX_CONNS", CFG_INT, "10000", 1, 1000000, NULL,
	  W(max_conns), "WebSocket connections per wsgw" },
	{ "RTCGATE_WS_MAX_PER_IP", CFG_INT, "200", 1, 1000000, NULL,
	  W(max_per_ip), "WebSocket connections per client address" },
	{ "RTCGATE_WS_MAX_MESSAGE", CFG_INT, "65536", 1024, 1048576, NULL,
	  W(max_message), "largest SIP message (bytes); larger closes with 1009" },
	{ "RTCGATE_WS_RATE", CFG_INT, "50", 1, 100000, NULL, W(rate),
	  "SIP messages per second per connection (burst the same)" },
	{ "RTCGATE_WS_HANDSHAKE_TIMEOUT", CFG_INT, "5", 1, 300, NULL,
	  W(handshake_timeout), "seconds for the TLS + WebSocket handshake" },
	{ "RTCGATE_WS_IDLE_TIMEOUT", CFG_INT, "120", 1, 86400, NULL,
	  W(idle_timeout), "seconds without any frame or pong before closing" },
	{ "RTCGATE_WS_PING_INTERVAL", CFG_INT, "30", 1, 86400, NULL,
	  W(ping_interval), "seconds between WebSocket pings to quiet clients" },
	{ "RTCGATE_WS_MAX_QUEUED", CFG_INT, "1048576", 65536, 67108864, NULL,
	  W(max_queued), "bytes queued toward one client before it is dropped" },
	{ "RTCGATE_ADMIN_PASSWORD", CFG_SECRET, NULL, 0, 0, NULL,
	  W(admin_password), "password of user admin for /admin.html and "
	  "/api/*; unset: the admin API is off (404)" },
};

const size_t wsgw_cfg_nrows = CFG_ROWS(wsgw_cfg_rows);
