/* wsgw_conn: WebSocket connections with subprotocol "sip": admission
 * limits, message reassembly, the send queue, rate limit, pings and the
 * idle timeout.  Everything here runs on the lws service thread. */
#include "wsgw.h"
#include "clock.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int64_t wsgw_now_us(void)
{
	return clock_wall_us();
}

static const char *const wsgw_close_names[] = {
	[WC_NONE] = "client", [WC_CLIENT] = "client", [WC_IDLE] = "idle",
	[WC_LIMIT] = "limit", [WC_SHUTDOWN] = "shutdown", [WC_ERROR] = "error",
	[WC_REQUESTED] = "requested",
};

const char *wsgw_close_name(enum wsgw_close why)
{
	return wsgw_close_names[why];
}

static void wsgw_peer(struct lws *wsi, char *ip, size_t iplen, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = lws_get_socket_fd(wsi);

	snprintf(ip, iplen, "?");
	*port = 0;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (void *)&ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, (socklen_t)iplen);
		*port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)iplen);
		*port = ntohs(s6->sin6_port);
		if (!strncmp(ip, "::ffff:", 7))	/* v4-mapped: show as v4 */
			memmove(ip, ip + 7, strlen(ip + 7) + 1);
	}
}

/* Admission, before the handshake completes: over a limit, refuse. */
static int wsgw_conn_admit(struct wsgw *g, struct lws *wsi)
{
	char ip[64];
	int port;

	wsgw_peer(wsi, ip, sizeof(ip), &port);
	long per_ip = GPOINTER_TO_INT(g_hash_table_lookup(g->per_ip, ip));
	long total = (long)metrics_get(&g->svc.metrics, WM_CONNS);
	if (total >= g->cfg.max_conns || per_ip >= g->cfg.max_per_ip ||
	    g->shutting_down) {
		metrics_inc(&g->svc.metrics, WM_REFUSED);
		LOG_WARN("conn", "refused %s:%d: %s", ip, port,
			 g->shutting_down ? "shutting down" :
			 total >= g->cfg.max_conns ? "max connections" :
			 "max connections per address");
		return -1;
	}
	return 0;
}

static void wsgw_conn_open(struct wsgw *g, struct wsgw_conn *c,
			   struct lws *wsi)
{
	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	wsgw_peer(wsi, c->ip, sizeof(c->ip), &c->port);
	snprintf(c->id, sizeof(c->id), "c%" PRIx64, ++g->next_conn);
	c->last_rx_us = c->last_ping_us = c->tokens_us = wsgw_now_us();
	c->tokens = (double)g->cfg.rate;
	c->counted = 1;
	long n = GPOINTER_TO_INT(g_hash_table_lookup(g->per_ip, c->ip));
	g_hash_table_replace(g->per_ip, g_strdup(c->ip), GINT_TO_POINTER(n + 1));
	g_hash_table_replace(g->conns, c->id, c);
	metrics_inc(&g->svc.metrics, WM_CONNS);
	metrics_inc(&g->svc.metrics, WM_CONNS_TOTAL);
	LOG_INFO("conn", "%s open from %s:%d", c->id, c->ip, c->port);
}

static void wsgw_conn_gone(struct wsgw *g, struct wsgw_conn *c)
{
	if (!c->counted)
		return;
	c->counted = 0;
	long n = GPOINTER_TO_INT(g_hash_table_lookup(g->per_ip, c->ip));
	if (n <= 1)
		g_hash_table_remove(g->per_ip, c->ip);
	else
		g_hash_table_replace(g->per_ip, g_strdup(c->ip),
				     GINT_TO_POINTER(n - 1));
	g_hash_table_remove(g->conns, c->id);
	metrics_add(&g->svc.metrics, WM_CONNS, -1);
	enum wsgw_close why = g->shutting_down ? WC_SHUTDOWN :
			      c->close ? c->close : WC_CLIENT;
	wsgw_bus_publish_closed(g, c, why);
	LOG_INFO("conn", "%s closed (%s)", c->id, wsgw_close_name(why));
	for (struct wsgw_frame *f = c->txq, *next; f; f = next) {
		next = f->next;
		free(f);
	}
	c->txq = c->txq_tail = NULL;
	free(c->rx);
	c->rx = NULL;
}

struct wsgw_conn *wsgw_conn_find(struct wsgw *g, const char *id)
{
	return g_hash_table_lookup(g->conns, id);
}

void wsgw_conn_close(struct wsgw_conn *c, enum wsgw_close why, int code)
{
	if (c->close)
		return;
	c->close = why;
	c->close_code = code;
	lws_callback_on_writable(c->wsi);
}

int wsgw_conn_send(struct wsgw *g, struct wsgw_conn *c, const char *data,
		   size_t len)
{
	if (c->close)
		return ENOTCONN;
	if (c->txq_bytes + len > (size_t)g->cfg.max_queued) {
		/* A client that does not read would hold our memory. */
		metrics_inc(&g->svc.metrics, WM_SLOW_CLOSED);
		LOG_WARN("conn", "%s: %zu bytes queued, dropping slow client",
			 c->id, c->txq_bytes);
		wsgw_conn_close(c, WC_LIMIT, LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return ENOBUFS;
	}
	struct wsgw_frame *f = malloc(sizeof(*f) + LWS_PRE + len);
	if (!f)
		return ENOMEM;
	f->next = NULL;
	f->len = len;
	memcpy(f->buf + LWS_PRE, data, len);
	if (c->txq_tail)
		c->txq_tail->next = f;
	else
		c->txq = f;
	c->txq_tail = f;
	c->txq_bytes += len;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* One frame (or the close, or a ping) per writable callback. */
static int wsgw_conn_writable(struct wsgw *g, struct wsgw_conn *c)
{
	if (c->close) {
		static const char bye[] = "bye";
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
				 (unsigned char *)bye, sizeof(bye) - 1);
		return -1;
	}
	if (c->ping_pending) {
		unsigned char buf[LWS_PRE + 1];
		c->ping_pending = 0;
		if (lws_write(c->wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
	} else if (c->txq) {
		struct wsgw_frame *f = c->txq;
		if (lws_write(c->wsi, f->buf + LWS_PRE, f->len,
			      LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		c->txq = f->next;
		if (!c->txq)
			c->txq_tail = NULL;
		c->txq_bytes -= f->len;
		free(f);
		metrics_inc(&g->svc.metrics, WM_MSG_OUT);
	}
	if (c->txq || c->ping_pending)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int wsgw_conn_rate_ok(struct wsgw *g, struct wsgw_conn *c,
			     int64_t now)
{
	double rate = (double)g->cfg.rate;

	c->tokens += (double)(now - c->tokens_us) * rate / 1e6;
	if (c->tokens > rate)
		c->tokens = rate;
	c->tokens_us = now;
	if (c->tokens < 1.0)
		return 0;
	c->tokens -= 1.0;
	return 1;
}

static int wsgw_conn_receive(struct wsgw *g, struct wsgw_conn *c,
			     const void *in, size_t len)
{
	struct lws *wsi = c->wsi;
	int64_t now = wsgw_now_us();

	c->last_rx_us = now;
	if (c->close)
		return 0;
	if (c->rx_len + len > (size_t)g->cfg.max_message) {
		metrics_inc(&g->svc.metrics, WM_TOO_BIG);
		LOG_WARN("conn", "%s: message over %ld bytes, closing", c->id,
			 g->cfg.max_message);
		wsgw_conn_close(c, WC_LIMIT, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
		return 0;
	}
	if (c->rx_len + len + 1 > c->rx_cap) {
		size_t cap = c->rx_len + len + 1;
		cap = cap < 2048 ? 2048 : cap;
		char *p = realloc(c->rx, cap);
		if (!p)
			return -1;
		c->rx = p;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	c->rx[c->rx_len] = '\0';
	size_t n = c->rx_len;
	c->rx_len = 0;
	metrics_inc(&g->svc.metrics, WM_MSG_IN);
	if (!wsgw_conn_rate_ok(g, c, now)) {
		metrics_inc(&g->svc.metrics, WM_RATE_LIMITED);
		LOG_DEBUG("conn", "%s: over %ld messages/s, dropped", c->id,
			  g->cfg.rate);
		return 0;
	}
	wsgw_sip_on_message(g, c, c->rx, n);
	/* Keep a small buffer for the next message, not a large one. */
	if (c->rx_cap > 16384) {
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
	return 0;
}

/* Every second: pings to quiet clients, the idle timeout. */
void wsgw_conn_tick(struct wsgw *g, int64_t now)
{
	GHashTableIter it;
	gpointer k, v;
	int64_t idle = (int64_t)g->cfg.idle_timeout * 1000000;
	int64_t ping = (int64_t)g->cfg.ping_interval * 1000000;

	g_hash_table_iter_init(&it, g->conns);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct wsgw_conn *c = v;
		if (c->close)
			continue;
		if (now - c->last_rx_us >= idle) {
			metrics_inc(&g->svc.metrics, WM_IDLE_CLOSED);
			wsgw_conn_close(c, WC_IDLE, LWS_CLOSE_STATUS_GOINGAWAY);
		} else if (now - c->last_rx_us >= ping &&
			   now - c->last_ping_us >= ping) {
			c->last_ping_us = now;
			c->ping_pending = 1;
			lws_callback_on_writable(c->wsi);
		}
	}
}

/* The handshake deadline: lws closes sockets that stall in TLS or HTTP
 * (timeout_secs); we track them only to count those closes. */
void wsgw_conn_handshake_seen(struct wsgw *g, struct lws *wsi)
{
	g_hash_table_remove(g->handshakes, wsi);
}

static int wsgw_sip_cb(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct wsgw *g = wsgw_global;
	struct wsgw_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		wsgw_conn_handshake_seen(g, wsi);
		return wsgw_conn_admit(g, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		wsgw_conn_handshake_seen(g, wsi);
		wsgw_conn_open(g, c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return wsgw_conn_receive(g, c, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		c->last_rx_us = wsgw_now_us();
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return wsgw_conn_writable(g, c);
	case LWS_CALLBACK_CLOSED:
		wsgw_conn_gone(g, c);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols wsgw_sip_proto = {
	.name = "sip",
	.callback = wsgw_sip_cb,
	.per_session_data_size = sizeof(struct wsgw_conn),
	.rx_buffer_size = 16384,
};

const struct lws_protocols *wsgw_sip_protocol(void)
{
	return &wsgw_sip_proto;
}
