/* wsgw: the WSS edge.  Browsers connect here with SIP over WebSocket
 * (RFC 7118); each frame is one SIP message, checked and put on the bus.
 *
 * Threads: the main thread runs lws_service() and owns every connection,
 * the health cache and the pending table.  NATS delivery threads only
 * decode and hand work over (handoff.h + lws_cancel_service()).
 */
#ifndef RTCGATE_WSGW_H
#define RTCGATE_WSGW_H

#include "handoff.h"
#include "svc.h"

#include <glib.h>
#include <libwebsockets.h>
#include <stdint.h>

struct sipframe;

struct wsgw_cfg {
	char *addr;
	long port;
	char *tls_cert, *tls_key;
	char *web_root;
	char *domain;
	long max_conns, max_per_ip, max_message, rate;
	long handshake_timeout, idle_timeout, ping_interval;
	long max_queued;	/* bytes queued toward one slow client */
	char *admin_password;	/* RTCGATE_ADMIN_PASSWORD; NULL: API off */
};

extern const struct cfg_row wsgw_cfg_rows[];
extern const size_t wsgw_cfg_nrows;

enum wsgw_metric {
	WM_CONNS, WM_CONNS_TOTAL, WM_MSG_IN, WM_MSG_OUT, WM_GARBAGE,
	WM_BAD_REQ, WM_REFUSED, WM_TOO_BIG, WM_RATE_LIMITED,
	WM_HANDSHAKE_TIMEOUTS, WM_IDLE_CLOSED, WM_KEEPALIVES, WM_OPTIONS,
	WM_NO_RESPONDERS, WM_UNROUTABLE, WM_SEND_NOCONN, WM_BUS_BAD,
	WM_HANDOFF_DROPPED, WM_SLOW_CLOSED, WM_ADMIN_REQ, WM_ADMIN_AUTH_FAIL,
	WM_ADMIN_LIMITED, WM_ADMIN_BUS_BAD, WM__COUNT
};

enum wsgw_close {
	WC_NONE, WC_CLIENT, WC_IDLE, WC_LIMIT, WC_SHUTDOWN, WC_ERROR,
	WC_REQUESTED,
};

struct wsgw_frame {
	struct wsgw_frame *next;
	size_t len;
	unsigned char buf[];	/* LWS_PRE bytes, then the payload */
};

struct wsgw_conn {
	char id[24];
	char ip[64];
	int port;
	struct lws *wsi;
	int64_t last_rx_us, last_ping_us;
	double tokens;
	int64_t tokens_us;
	char *rx;		/* message being reassembled */
	size_t rx_len, rx_cap;
	struct wsgw_frame *txq, *txq_tail;
	size_t txq_bytes;
	int ping_pending;
	enum wsgw_close close;	/* set: close at next writable */
	int close_code;
	int counted;		/* holds a slot in the connection limits */
};

struct wsgw {
	struct svc svc;
	struct wsgw_cfg cfg;
	struct lws_context *lws;
	struct handoff *ho;
	volatile int stopping;
	int shutting_down;
	GHashTable *conns;	/* id -> struct wsgw_conn * (borrowed) */
	GHashTable *per_ip;	/* ip (owned) -> count */
	GHashTable *handshakes;	/* struct lws * -> accept time (us) */
	uint64_t next_conn;
	GHashTable *pending;	/* seq -> struct wsgw_pending * (owned) */
	uint64_t next_seq;
	GHashTable *health;	/* "kind" -> GHashTable id -> health entry */
	lws_sorted_usec_list_t tick;
	char *cert_pem, *key_pem;	/* generated when none configured */
	struct wsgw_admin *admin;	/* the operator API (wsgw_admin.c) */
	char subj_send[128], subj_nr[128], subj_health_inbox[128];
};

int64_t wsgw_now_us(void);

/* wsgw_tls.c */
int wsgw_tls_self_signed(const char *cn, char **cert_pem, char **key_pem);

/* wsgw_conn.c */
const struct lws_protocols *wsgw_sip_protocol(void);
void wsgw_conn_tick(struct wsgw *g, int64_t now);
int wsgw_conn_send(struct wsgw *g, struct wsgw_conn *c, const char *data,
		   size_t len);
struct wsgw_conn *wsgw_conn_find(struct wsgw *g, const char *id);
void wsgw_conn_close(struct wsgw_conn *c, enum wsgw_close why, int code);
const char *wsgw_close_name(enum wsgw_close why);
void wsgw_conn_handshake_seen(struct wsgw *g, struct lws *wsi);

/* wsgw_sip.c */
void wsgw_sip_on_message(struct wsgw *g, struct wsgw_conn *c, char *data,
			 size_t len);
void wsgw_sip_no_responders(struct wsgw *g, uint64_t seq);
void wsgw_sip_expire(struct wsgw *g, int64_t now);
void wsgw_pending_free(gpointer p);

/* wsgw_bus.c */
int wsgw_bus_start(struct wsgw *g);
void wsgw_bus_poll_health(struct wsgw *g);
void wsgw_bus_publish_closed(struct wsgw *g, const struct wsgw_conn *c,
			     enum wsgw_close why);

/* wsgw_health.c */
void wsgw_health_init(struct wsgw *g);
void wsgw_health_fini(struct wsgw *g);
void wsgw_health_update(struct wsgw *g, json_t *reply);
void wsgw_health_expire(struct wsgw *g, int64_t now);
/* Bodies for /healthz and /metrics; caller frees. */
char *wsgw_health_json(struct wsgw *g, int *http_status);
char *wsgw_health_metrics(struct wsgw *g);

/* An HTTP answer built by a handler; the HTTP writer (wsgw_http.c) sends
 * it and frees body. */
struct wsgw_http_resp {
	int status;
	const char *type;	/* Content-Type */
	const char *cache;	/* Cache-Control */
	char *body;		/* malloc()ed, NUL-terminated */
	const char *hdr;	/* one more header ("www-authenticate:"), or NULL */
	char hdr_val[128];
};

/* wsgw_admin.c: the operator page and its JSON API (docs/admin.md) */
struct wsgw_admin;
int wsgw_admin_start(struct wsgw *g);
void wsgw_admin_stop(struct wsgw *g);
void wsgw_admin_tick(struct wsgw *g, int64_t now);
/* Is this path the admin's (/api/..., /admin.html)? */
int wsgw_admin_path(const char *path);
/* 0: *r is ready; EINPROGRESS: the answer comes later through
 * wsgw_http_deliver() (it waits on the bus). */
int wsgw_admin_http(struct wsgw *g, struct lws *wsi, const char *path,
		    struct wsgw_http_resp *r);
/* The HTTP connection wsi ended: forget what waits for it. */
void wsgw_admin_http_closed(struct wsgw *g, struct lws *wsi);

/* wsgw_http.c */
const struct lws_protocols *wsgw_http_protocol(void);
/* Send r (taken) on wsi, whose request was left waiting. */
void wsgw_http_deliver(struct lws *wsi, struct wsgw_http_resp *r);
extern struct wsgw *wsgw_global;	/* the one instance, for lws callbacks */

#endif
