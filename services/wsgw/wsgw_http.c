/* wsgw_http: plain HTTPS on the same port: /healthz and /metrics (answered
 * from the health cache), static files through an lws mount, and refusal of
 * WebSocket handshakes that do not ask for the "sip" subprotocol. */
#include "wsgw.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct wsgw_http {
	char *body;
	size_t len, sent;
	struct wsgw_http_resp resp;	/* headers waiting for writable */
	int hdr_pending;
};

struct wsgw *wsgw_global;

static int wsgw_http_headers(struct lws *wsi, struct wsgw_http *h,
			     struct wsgw_http_resp *r)
{
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
		*end = hdr + sizeof(hdr) - 1;
	const char *cache = r->cache ? r->cache : "no-store";

	h->body = r->body;
	r->body = NULL;
	h->len = h->body ? strlen(h->body) : 0;
	h->sent = 0;
	if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->type,
					(lws_filepos_t)h->len, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)cache,
					 (int)strlen(cache), &p, end) ||
	    (r->hdr && lws_add_http_header_by_name(wsi,
				(const unsigned char *)r->hdr,
				(const unsigned char *)r->hdr_val,
				(int)strlen(r->hdr_val), &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return 1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int wsgw_http_start(struct lws *wsi, struct wsgw_http *h,
			   const char *path)
{
	struct wsgw *g = wsgw_global;
	struct wsgw_http_resp r = { .status = 200 };

	if (wsgw_admin_path(path)) {
		int e = wsgw_admin_http(g, wsi, path, &r);
		if (e == EINPROGRESS)
			return 0;	/* wsgw_http_deliver() follows */
	} else if (!path[0]) {	/* not a GET: nothing here takes one */
		r.status = 405;
		r.body = strdup("method not allowed\n");
		r.type = "text/plain";
		r.hdr = "allow:";
		snprintf(r.hdr_val, sizeof(r.hdr_val), "GET");
	} else if (!strncmp(path, "/healthz", 8)) {
		r.body = wsgw_health_json(g, &r.status);
		r.type = "application/json";
	} else {
		r.body = wsgw_health_metrics(g);
		r.type = "text/plain; version=0.0.4";
	}
	return wsgw_http_headers(wsi, h, &r);
}

void wsgw_http_deliver(struct lws *wsi, struct wsgw_http_resp *r)
{
	struct wsgw_http *h = lws_wsi_user(wsi);

	if (!h) {
		free(r->body);
		return;
	}
	h->resp = *r;
	r->body = NULL;
	h->hdr_pending = 1;
	lws_callback_on_writable(wsi);
}

static int wsgw_http_write(struct lws *wsi, struct wsgw_http *h)
{
	enum { CHUNK = 8192 };
	unsigned char buf[LWS_PRE + CHUNK];
	size_t n = h->len - h->sent;

	if (n > CHUNK)
		n = CHUNK;
	memcpy(buf + LWS_PRE, h->body + h->sent, n);
	h->sent += n;
	int last = h->sent == h->len;
	if (lws_write(wsi, buf + LWS_PRE, n,
		      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return 1;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Sec-WebSocket-Protocol is a comma-separated list (RFC 6455 4.1). */
static int wsgw_http_offers_sip(struct lws *wsi)
{
	char list[256], *save = NULL;

	if (lws_hdr_copy(wsi, list, sizeof(list), WSI_TOKEN_PROTOCOL) <= 0)
		return 0;
	for (char *t = strtok_r(list, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save))
		if (!strcmp(t, "sip"))
			return 1;
	return 0;
}

static int wsgw_http_cb(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len)
{
	struct wsgw *g = wsgw_global;
	struct wsgw_http *h = user;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		g_hash_table_insert(g->handshakes, wsi,
				    g_memdup2(&(int64_t){ wsgw_now_us() },
					      sizeof(int64_t)));
		break;
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		wsgw_conn_handshake_seen(g, wsi);
		break;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		wsgw_conn_handshake_seen(g, wsi);
		/* lws drops an unknown subprotocol without a callback: refuse
		 * (and count) every upgrade that does not offer "sip" here. */
		if (!wsgw_http_offers_sip(wsi)) {
			metrics_inc(&g->svc.metrics, WM_REFUSED);
			LOG_INFO("http", "refused WebSocket without subprotocol sip");
			return -1;
		}
		break;
	case LWS_CALLBACK_WSI_DESTROY: {
		int64_t *t = g_hash_table_lookup(g->handshakes, wsi);
		/* Closed before any request: the handshake deadline hit. */
		if (t && wsgw_now_us() - *t >=
			 (g->cfg.handshake_timeout * 1000000) * 9 / 10)
			metrics_inc(&g->svc.metrics, WM_HANDSHAKE_TIMEOUTS);
		g_hash_table_remove(g->handshakes, wsi);
		break;
	}
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A WebSocket handshake that reached protocols[0]: no "sip". */
		metrics_inc(&g->svc.metrics, WM_REFUSED);
		LOG_INFO("http", "refused WebSocket without subprotocol sip");
		return -1;
	case LWS_CALLBACK_HTTP: {
		char uri[256] = "";
		/* a URI too long to copy, or a method without one (POST),
		 * reaches the admin API as "/api/?" and is refused there */
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0) {
			char *u = NULL;
			int ul = 0;
			if (lws_http_get_uri_and_method(wsi, &u, &ul) >= 0 &&
			    u && ul > 0 && wsgw_admin_path(u))
				snprintf(uri, sizeof(uri), "/api/?");
		}
		if (h)
			return wsgw_http_start(wsi, h, uri);
		return 1;
	}
	case LWS_CALLBACK_HTTP_BODY:
		return 0;	/* nothing here takes a body: dropped */
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/* lws would end the transaction here, under our answer */
		if (h && (h->body || h->hdr_pending))
			return 0;
		break;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (h && h->hdr_pending) {
			h->hdr_pending = 0;
			return wsgw_http_headers(wsi, h, &h->resp);
		}
		if (h && h->body)
			return wsgw_http_write(wsi, h);
		break;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		wsgw_admin_http_closed(g, wsi);
		if (h) {
			free(h->body);
			free(h->resp.body);
			h->body = h->resp.body = NULL;
			h->hdr_pending = 0;
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols wsgw_http_proto = {
	.name = "http",
	.callback = wsgw_http_cb,
	.per_session_data_size = sizeof(struct wsgw_http),
};

const struct lws_protocols *wsgw_http_protocol(void)
{
	return &wsgw_http_proto;
}
