/* tlsf_conn: one client of the TLS front end.  One GSource watches both
 * descriptors; every wake-up runs the whole pump (TLS -> sofia,
 * sofia -> TLS) until nothing moves, then asks only for the events that
 * can move something: a side whose peer's buffer is full is not read. */
#include "tlsf_int.h"
#include "log.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <string.h>
#include <unistd.h>

enum { TLSF_TRIM_US = G_USEC_PER_SEC };	/* quiet: buffers freed */

struct tlsf_src {
	GSource g;
	struct tlsf_conn *c;
};

/* Reads land here first (one loop thread): no buffer is allocated for a
 * connection that had nothing to read. */
static char tlsf_scratch[TLSF_BUF];

size_t tlsf_buf_room(const struct tlsf_buf *b)
{
	return TLSF_BUF - b->len;
}

int tlsf_buf_put(struct tlsf_buf *b, const char *p, size_t n)
{
	if (n > tlsf_buf_room(b))
		return ENOSPC;
	if (!b->data)
		b->data = g_malloc(TLSF_BUF);
	if (b->head + b->len + n > TLSF_BUF) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	memcpy(b->data + b->head + b->len, p, n);
	b->len += n;
	return 0;
}

void tlsf_buf_take(struct tlsf_buf *b, size_t n)
{
	b->head += n;
	b->len -= n;
	if (!b->len)
		b->head = 0;
}

/* An empty buffer is kept while its connection is busy (a 64 KB malloc
 * and free per message showed in profiles) and freed once it is quiet. */
static void tlsf_buf_trim(struct tlsf_buf *b)
{
	if (!b->len)
		tlsf_buf_reset(b);
}

void tlsf_buf_reset(struct tlsf_buf *b)
{
	g_free(b->data);
	b->data = NULL;
	b->head = b->len = 0;
}

static const char *tlsf_conn_ssl_err(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "connection closed";
}

/* The first reason a connection ends wins; notable ones are logged. */
static void tlsf_conn_fail(struct tlsf_conn *c, enum tlsf_end end,
			   enum tlsf_metric m, const char *why)
{
	if (c->end)
		return;
	c->end = end;
	if (end != TLSF_END_CLOSED)
		tlsf_note(c->f, m, c->ip, why);
}

static void tlsf_conn_upstream(struct tlsf_conn *c)
{
	struct tlsf *f = c->f;
	int one = 1;

	c->ufd = socket(f->up.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (c->ufd < 0) {
		tlsf_conn_fail(c, TLSF_END_UPSTREAM_ERR, TLSF_M_UPSTREAM_ERR,
			       strerror(errno));
		return;
	}
	setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->utag = g_source_add_unix_fd(c->src, c->ufd, G_IO_OUT);
	c->st = TLSF_CONNECTING;
	if (!connect(c->ufd, (struct sockaddr *)&f->up, f->uplen))
		c->st = TLSF_RELAY;
	else if (errno != EINPROGRESS)
		tlsf_conn_fail(c, TLSF_END_UPSTREAM_ERR, TLSF_M_UPSTREAM_ERR,
			       "sofia's TCP listener refused the relay");
}

static bool tlsf_conn_handshake(struct tlsf_conn *c)
{
	int r;

	ERR_clear_error();
	r = SSL_accept(c->ssl);
	if (r == 1) {
		c->hs_io = 0;
		c->last_us = g_get_monotonic_time();
		tlsf_conn_upstream(c);
		return true;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->hs_io = G_IO_IN;
		return false;
	case SSL_ERROR_WANT_WRITE:
		c->hs_io = G_IO_OUT;
		return false;
	default:
		tlsf_conn_fail(c, TLSF_END_HS_FAILED, TLSF_M_HS_FAILED,
			       tlsf_conn_ssl_err());
		return true;
	}
}

static void tlsf_conn_connected(struct tlsf_conn *c, GIOCondition ure)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (!(ure & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
		return;
	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		tlsf_conn_fail(c, TLSF_END_UPSTREAM_ERR, TLSF_M_UPSTREAM_ERR,
			       "sofia's TCP listener refused the relay");
	else
		c->st = TLSF_RELAY;
}

/* An SSL call that did not complete: what it waits for, or the end. */
static void tlsf_conn_ssl_wait(struct tlsf_conn *c, int r, int *io)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*io = G_IO_IN;
		break;
	case SSL_ERROR_WANT_WRITE:
		*io = G_IO_OUT;
		break;
	case SSL_ERROR_ZERO_RETURN:	/* close_notify, or a plain EOF */
		c->t_eof = true;
		break;
	case SSL_ERROR_SYSCALL:		/* reset by the client */
		tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
		break;
	default:			/* an alert, a bad record */
		tlsf_conn_fail(c, TLSF_END_STREAM_ERR, TLSF_M_STREAM_ERR,
			       tlsf_conn_ssl_err());
		break;
	}
}

/* Whole messages on to the other side's buffer; a client whose stream
 * cannot be framed is dropped (sofia would drop it too). */
static bool tlsf_conn_frame(struct tlsf_conn *c, bool up)
{
	bool moved = false;
	int err;

	while (!c->end && (up ? c->rawup.len : c->raw.len)) {
		err = tlsf_via_frame(c, up);
		if (err == EPROTO && up)
			tlsf_conn_fail(c, TLSF_END_STREAM_ERR,
				       TLSF_M_STREAM_ERR, "SIP stream cannot "
				       "be framed (headers over 64 KB or 256 "
				       "lines, or a body too large)");
		if (err)
			break;
		moved = true;
	}
	return moved;
}

static bool tlsf_conn_tls_read(struct tlsf_conn *c)
{
	bool moved = false;

	while (!c->end && !c->t_eof && tlsf_buf_room(&c->rawup)) {
		int n;

		ERR_clear_error();
		n = SSL_read(c->ssl, tlsf_scratch,
			     (int)tlsf_buf_room(&c->rawup));
		if (n <= 0) {
			tlsf_conn_ssl_wait(c, n, &c->rd_io);
			moved |= c->t_eof || c->end;
			break;
		}
		tlsf_buf_put(&c->rawup, tlsf_scratch, (size_t)n);
		c->rd_io = 0;
		c->last_us = g_get_monotonic_time();
		moved = true;
	}
	return tlsf_conn_frame(c, true) || moved;
}

static bool tlsf_conn_tls_write(struct tlsf_conn *c)
{
	bool moved = false;

	while (!c->end && c->down.len) {
		int n;

		ERR_clear_error();
		n = SSL_write(c->ssl, c->down.data + c->down.head,
			      (int)c->down.len);
		if (n <= 0) {
			tlsf_conn_ssl_wait(c, n, &c->wr_io);
			return moved || c->end;
		}
		tlsf_buf_take(&c->down, (size_t)n);
		c->wr_io = 0;
		moved = true;
	}
	return moved;
}

static bool tlsf_conn_up_write(struct tlsf_conn *c)
{
	bool moved = false;

	while (!c->end && c->st == TLSF_RELAY && c->up.len) {
		ssize_t n = send(c->ufd, c->up.data + c->up.head, c->up.len,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
			return moved;
		}
		tlsf_buf_take(&c->up, (size_t)n);
		moved = true;
	}
	return moved;
}

static bool tlsf_conn_up_read(struct tlsf_conn *c)
{
	bool moved = false;

	while (!c->end && c->st == TLSF_RELAY && !c->u_eof &&
	       tlsf_buf_room(&c->raw)) {
		ssize_t n = recv(c->ufd, tlsf_scratch, tlsf_buf_room(&c->raw),
				 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
			break;
		}
		if (n == 0) {
			c->u_eof = true;
			moved = true;
			break;
		}
		tlsf_buf_put(&c->raw, tlsf_scratch, (size_t)n);
		c->last_us = g_get_monotonic_time();
		moved = true;
	}
	return tlsf_conn_frame(c, false) || moved;
}

/* One full pass until nothing moves; true when anything did. */
static bool tlsf_conn_pump(struct tlsf_conn *c, GIOCondition ure)
{
	bool any = false, moved;

	if (c->st == TLSF_HANDSHAKE && !tlsf_conn_handshake(c))
		return false;
	if (!c->end && c->st == TLSF_CONNECTING)
		tlsf_conn_connected(c, ure);
	do {
		moved = tlsf_conn_tls_read(c);
		moved |= tlsf_conn_up_write(c);
		moved |= tlsf_conn_up_read(c);
		moved |= tlsf_conn_tls_write(c);
		any |= moved;
	} while (moved && !c->end);
	/* either side closing closes the other, once what it sent is on */
	if (c->t_eof && !c->up.len)
		tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
	if (c->u_eof && !c->down.len)
		tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
	return true;
}

/* The events that can move something now. */
static void tlsf_conn_watch(struct tlsf_conn *c)
{
	int tev = 0, uev = 0;

	if (c->st == TLSF_HANDSHAKE) {
		tev = c->hs_io ? c->hs_io : G_IO_IN;
	} else {
		if (!c->t_eof && tlsf_buf_room(&c->rawup))
			tev |= c->rd_io ? c->rd_io : G_IO_IN;
		if (c->down.len)
			tev |= c->wr_io ? c->wr_io : G_IO_OUT;
	}
	g_source_modify_unix_fd(c->src, c->ttag, tev);
	if (!c->utag)
		return;
	if (c->st == TLSF_CONNECTING)
		uev = G_IO_OUT;
	else {
		if (!c->u_eof && tlsf_buf_room(&c->raw))
			uev |= G_IO_IN;
		if (c->up.len)
			uev |= G_IO_OUT;
	}
	g_source_modify_unix_fd(c->src, c->utag, uev);
}

static void tlsf_conn_finish(struct tlsf_conn *c)
{
	static const enum tlsf_metric count[] = {
		[TLSF_END_HS_FAILED] = TLSF_M_HS_FAILED,
		[TLSF_END_HS_TIMEOUT] = TLSF_M_TO_HANDSHAKE,
		[TLSF_END_IDLE] = TLSF_M_TO_IDLE,
		[TLSF_END_STREAM_ERR] = TLSF_M_STREAM_ERR,
		[TLSF_END_UPSTREAM_ERR] = TLSF_M_UPSTREAM_ERR,
	};

	/* a client that left before its handshake was done failed it */
	if (c->end == TLSF_END_CLOSED && c->st == TLSF_HANDSHAKE)
		c->end = TLSF_END_HS_FAILED;
	if (c->end != TLSF_END_CLOSED)
		tlsf_inc(c->f, count[c->end]);
	tlsf_conn_free(c);
}

static gboolean tlsf_conn_dispatch(GSource *s, GSourceFunc cb, gpointer d)
{
	struct tlsf_conn *c = ((struct tlsf_src *)s)->c;
	GIOCondition tre = g_source_query_unix_fd(s, c->ttag);
	GIOCondition ure = c->utag ? g_source_query_unix_fd(s, c->utag) : 0;
	bool moved = tlsf_conn_pump(c, ure);

	/* a hung-up descriptor polls ready for ever: end it when nothing
	 * more can move */
	if (!moved && ((tre | ure) & (G_IO_HUP | G_IO_ERR)))
		tlsf_conn_fail(c, TLSF_END_CLOSED, 0, NULL);
	if (c->end) {
		tlsf_conn_finish(c);
		return G_SOURCE_REMOVE;
	}
	tlsf_conn_watch(c);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs tlsf_conn_funcs = {
	.dispatch = tlsf_conn_dispatch,
};

bool tlsf_conn_expire(struct tlsf_conn *c, gint64 now_us)
{
	const struct tlsf_opts *o = &c->f->o;

	if (c->st == TLSF_HANDSHAKE && now_us >= c->hs_deadline_us)
		tlsf_conn_fail(c, TLSF_END_HS_TIMEOUT, TLSF_M_TO_HANDSHAKE,
			       "TLS handshake not done in "
			       "RTCGATE_SIP_TLS_HANDSHAKE_TIMEOUT");
	else if (c->st != TLSF_HANDSHAKE &&
		 now_us - c->last_us >= (gint64)o->idle_ms * 1000)
		tlsf_conn_fail(c, TLSF_END_IDLE, TLSF_M_TO_IDLE,
			       "nothing either way for RTCGATE_SIP_TLS_IDLE");
	if (!c->end) {
		if (now_us - c->last_us >= TLSF_TRIM_US) {
			tlsf_buf_trim(&c->rawup);
			tlsf_buf_trim(&c->up);
			tlsf_buf_trim(&c->raw);
			tlsf_buf_trim(&c->down);
		}
		return false;
	}
	tlsf_conn_finish(c);
	return true;
}

int tlsf_conn_new(struct tlsf *f, int fd, const struct sockaddr *sa,
		  socklen_t salen, const char *ip, int port,
		  struct tlsf_conn **cp)
{
	struct tlsf_conn *c = g_new0(struct tlsf_conn, 1);

	c->f = f;
	c->tfd = fd;
	c->ufd = -1;
	c->ssl = SSL_new(f->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, fd)) {
		SSL_free(c->ssl);
		g_free(c);
		return ENOMEM;
	}
	memcpy(&c->peer, sa, MIN((size_t)salen, sizeof(c->peer)));
	g_strlcpy(c->ip, ip, sizeof(c->ip));
	c->port = port;
	c->hs_deadline_us = g_get_monotonic_time() +
			    (gint64)f->o.handshake_ms * 1000;
	c->src = g_source_new(&tlsf_conn_funcs, sizeof(struct tlsf_src));
	((struct tlsf_src *)c->src)->c = c;
	c->ttag = g_source_add_unix_fd(c->src, fd, G_IO_IN);
	g_source_attach(c->src, f->o.ctx);
	c->link.data = c;
	*cp = c;
	return 0;
}

void tlsf_conn_free(struct tlsf_conn *c)
{
	if (!c)
		return;
	tlsf_forget(c->f, c);
	/* a clean end says so (close_notify, best effort, never waited for) */
	if (c->end == TLSF_END_CLOSED && c->st != TLSF_HANDSHAKE) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
	}
	ERR_clear_error();
	g_source_destroy(c->src);
	g_source_unref(c->src);
	SSL_free(c->ssl);
	close(c->tfd);
	if (c->ufd >= 0)
		close(c->ufd);
	tlsf_buf_reset(&c->rawup);
	tlsf_buf_reset(&c->up);
	tlsf_buf_reset(&c->down);
	tlsf_buf_reset(&c->raw);
	g_free(c);
}
