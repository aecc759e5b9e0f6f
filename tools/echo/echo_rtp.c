/* echo_rtp: see echo_rtp.h */
#include "echo_rtp.h"
#include "echo.h"
#include "echo_tone.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	RTP_HDR = 12,
	RTP_MAX = 1500,		/* the largest packet we take */
	RTP_BURST = 64,		/* packets read per wake-up */
	RTP_FRAME_MS = 20,
};

struct echo_rtp {
	int fd;
	unsigned port;
	guint io_src, tone_src, watch_src;
	char id[64];
	struct echo_media media;
	bool has_media;
	struct sockaddr_storage latched;
	socklen_t latched_len;		/* 0: not latched yet */
	struct echo_tone *tone;		/* while it plays */
	enum echo_codec tone_codec;
	long tone_ms, timeout_s;
	gint64 last_rx_us, last_tx_us;
	uint32_t ssrc, ts;		/* ts: of the last packet sent */
	uint16_t seq;			/* of the next packet */
	bool sent_any;
	bool echoing;			/* in_ssrc and ts_off are set */
	uint32_t in_ssrc, ts_off;	/* the caller's stream -> ours */
	echo_rtp_timeout_h *timeout_h;
	void *arg;
};

unsigned echo_rtp_port(const struct echo_rtp *r)
{
	return r->port;
}

static void echo_rtp_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* Even ports round-robin from where the last call stopped, so a port just
 * freed is not reused at once (late packets of the old call). */
static int echo_rtp_bind(struct echo_rtp *r)
{
	struct echo_ports *p = &echo.ports;
	long n = (p->hi - p->lo) / 2 + 1;

	for (long i = 0; i < n; i++) {
		struct sockaddr_storage a = echo.addr;
		long port = p->next;

		p->next = port + 2 > p->hi ? p->lo : port + 2;
		echo_rtp_set_port(&a, (unsigned)port);
		if (!bind(r->fd, (struct sockaddr *)&a, echo.addr_len)) {
			r->port = (unsigned)port;
			return 0;
		}
		if (errno != EADDRINUSE && errno != EACCES)
			return errno;
	}
	return EADDRINUSE;
}

static bool echo_rtp_same(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

static void echo_rtp_addr_str(const struct sockaddr_storage *a, char *buf,
			      size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const void *)a;
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		port = ntohs(a4->sin_port);
	} else {
		const struct sockaddr_in6 *a6 = (const void *)a;
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		port = ntohs(a6->sin6_port);
	}
	snprintf(buf, size, "%s:%u", host, port);
}

/* One packet out: to the latched source, else to the SDP address. */
static void echo_rtp_send(struct echo_rtp *r, const uint8_t *payload,
			  size_t len, uint32_t ts, bool marker)
{
	uint8_t pkt[RTP_HDR + RTP_MAX];
	const struct sockaddr_storage *to = r->latched_len ? &r->latched
							   : &r->media.peer;
	socklen_t to_len = r->latched_len ? r->latched_len : r->media.peer_len;

	if (!r->media.send || !to_len || len > RTP_MAX)
		return;
	pkt[0] = 0x80;
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | r->media.pt);
	pkt[2] = (uint8_t)(r->seq >> 8);
	pkt[3] = (uint8_t)r->seq;
	for (int i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(r->ssrc >> (24 - 8 * i));
	}
	memcpy(pkt + RTP_HDR, payload, len);
	if (sendto(r->fd, pkt, RTP_HDR + len, MSG_DONTWAIT,
		   (const struct sockaddr *)to, to_len) < 0) {
		LOG_DEBUG("rtp", "send: %s", strerror(errno));
		return;
	}
	metrics_inc(&echo.svc.metrics, EM_RTP_OUT);
	r->seq++;
	r->ts = ts;
	r->sent_any = true;
	r->last_tx_us = g_get_monotonic_time();
}

static void echo_rtp_tone_stop(struct echo_rtp *r)
{
	if (r->tone_src)
		g_source_remove(r->tone_src);
	r->tone_src = 0;
	echo_tone_free(r->tone);
	r->tone = NULL;
}

/* One tone frame out; false (and the tone gone) when it is over. */
static bool echo_rtp_tone_frame(struct echo_rtp *r)
{
	uint8_t buf[ECHO_TONE_MAX];
	size_t n = echo_tone_next(r->tone, buf, sizeof(buf));

	if (!n) {
		echo_tone_free(r->tone);
		r->tone = NULL;
		return false;
	}
	echo_rtp_send(r, buf, n, r->ts + echo_codec_frame(r->media.codec),
		      !r->sent_any);
	return true;
}

static gboolean echo_rtp_tone_tick(gpointer arg)
{
	struct echo_rtp *r = arg;

	if (echo_rtp_tone_frame(r))
		return G_SOURCE_CONTINUE;
	r->tone_src = 0;
	return G_SOURCE_REMOVE;
}

/* Without a tone (none configured, or no Opus encoder) the echo starts at
 * once.  The first frame leaves now, not in 20 ms. */
static void echo_rtp_tone_start(struct echo_rtp *r)
{
	if (r->tone_ms <= 0 || !r->media.send ||
	    echo_tone_alloc(&r->tone, r->media.codec, r->tone_ms))
		return;
	r->tone_codec = r->media.codec;
	if (echo_rtp_tone_frame(r))
		r->tone_src = g_timeout_add(RTP_FRAME_MS, echo_rtp_tone_tick, r);
}

/* The payload of a well-formed RTP packet (RFC 3550 5.1): after the CSRCs
 * and the header extension, before the padding. */
static int echo_rtp_parse(const uint8_t *p, size_t n, size_t *off,
			  size_t *len)
{
	size_t h, pad = 0;

	if (n < RTP_HDR || n > RTP_MAX || (p[0] >> 6) != 2)
		return EBADMSG;
	h = RTP_HDR + 4u * (p[0] & 0x0F);
	if (p[0] & 0x10) {
		if (n < h + 4)
			return EBADMSG;
		h += 4 + 4u * (size_t)(p[h + 2] << 8 | p[h + 3]);
	}
	if (p[0] & 0x20) {
		pad = p[n - 1];
		if (!pad)
			return EBADMSG;
	}
	if (n < h + pad + 1)
		return EBADMSG;	/* no payload: nothing to echo */
	*off = h;
	*len = n - h - pad;
	return 0;
}

static uint32_t echo_rtp_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The first good packet latches its source; others are dropped after. */
static bool echo_rtp_latch(struct echo_rtp *r,
			   const struct sockaddr_storage *src, socklen_t len)
{
	char a[INET6_ADDRSTRLEN + 8];

	if (r->latched_len)
		return echo_rtp_same(&r->latched, src);
	r->latched = *src;
	r->latched_len = len;
	echo_rtp_addr_str(src, a, sizeof(a));
	log_set_context(r->id);
	LOG_INFO("rtp", "port %u: %s RTP from %s", r->port,
		 echo_codec_name(r->media.codec), a);
	log_set_context(NULL);
	return true;
}

/* Our timestamp for a stream that starts now: the clock ran on since our
 * last packet (whole frames, at least one), as after a silence. */
static uint32_t echo_rtp_ts_now(const struct echo_rtp *r)
{
	uint32_t frame = echo_codec_frame(r->media.codec);
	gint64 idle_ms = (g_get_monotonic_time() - r->last_tx_us) / 1000;
	uint32_t frames = 1;

	if (r->sent_any && idle_ms > RTP_FRAME_MS)
		frames = (uint32_t)MIN(idle_ms / RTP_FRAME_MS, 3600000);
	return r->ts + frames * frame;
}

/* Back to the sender with our SSRC and sequence numbers; its timestamps
 * are shifted onto our clock, again whenever it starts a new stream (new
 * SSRC) or the media changed; the marker bit tells the receiver. */
static void echo_rtp_echo(struct echo_rtp *r, const uint8_t *p, size_t off,
			  size_t len)
{
	uint32_t ts = echo_rtp_u32(p + 4), ssrc = echo_rtp_u32(p + 8);
	bool start = !r->echoing || ssrc != r->in_ssrc;

	if (start) {
		r->ts_off = echo_rtp_ts_now(r) - ts;
		r->in_ssrc = ssrc;
		r->echoing = true;
	}
	echo_rtp_send(r, p + off, len, ts + r->ts_off,
		      start || (p[1] & 0x80));
}

static void echo_rtp_packet(struct echo_rtp *r, const uint8_t *p, size_t n,
			    const struct sockaddr_storage *src, socklen_t sl)
{
	size_t off, len;

	if (echo_rtp_parse(p, n, &off, &len) || !r->has_media ||
	    (p[1] & 0x7F) != r->media.pt || !echo_rtp_latch(r, src, sl)) {
		metrics_inc(&echo.svc.metrics, EM_RTP_DROPPED);
		return;
	}
	metrics_inc(&echo.svc.metrics, EM_RTP_IN);
	r->last_rx_us = g_get_monotonic_time();
	if (!r->tone)		/* the caller hears the tone out first */
		echo_rtp_echo(r, p, off, len);
}

static gboolean echo_rtp_readable(gint fd, GIOCondition cond, gpointer arg)
{
	struct echo_rtp *r = arg;
	uint8_t buf[RTP_MAX + 1];

	for (int i = 0; i < RTP_BURST; i++) {
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		/* MSG_TRUNC: the real length, so oversized packets show. */
		ssize_t n = recvfrom(fd, buf, sizeof(buf),
				     MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&src, &sl);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if ((size_t)n > RTP_MAX) {
			metrics_inc(&echo.svc.metrics, EM_RTP_DROPPED);
			continue;
		}
		echo_rtp_packet(r, buf, (size_t)n, &src, sl);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean echo_rtp_watch(gpointer arg)
{
	struct echo_rtp *r = arg;
	gint64 idle = g_get_monotonic_time() - r->last_rx_us;

	if (idle < r->timeout_s * G_USEC_PER_SEC)
		return G_SOURCE_CONTINUE;
	r->watch_src = 0;
	log_set_context(r->id);
	LOG_INFO("rtp", "port %u: no RTP for %ld s", r->port, r->timeout_s);
	log_set_context(NULL);
	r->timeout_h(r->arg);	/* r may be gone now */
	return G_SOURCE_REMOVE;
}

int echo_rtp_alloc(struct echo_rtp **rp, const struct echo_rtp_opts *o)
{
	struct echo_rtp *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return ENOMEM;
	r->fd = socket(echo.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		err = errno;
		goto out;
	}
	err = echo_rtp_bind(r);
	if (err)
		goto out;
	snprintf(r->id, sizeof(r->id), "%s", o->log_id ? o->log_id : "");
	r->tone_ms = o->tone_ms;
	r->timeout_s = o->timeout_s;
	r->timeout_h = o->timeout_h;
	r->arg = o->arg;
	r->ssrc = g_random_int();
	r->ts = g_random_int();
	r->seq = (uint16_t)g_random_int();
	r->last_rx_us = g_get_monotonic_time();
	r->io_src = g_unix_fd_add(r->fd, G_IO_IN, echo_rtp_readable, r);
	r->watch_src = g_timeout_add_seconds(1, echo_rtp_watch, r);
out:
	if (err)
		echo_rtp_free(r);
	else
		*rp = r;
	return err;
}

void echo_rtp_set_media(struct echo_rtp *r, const struct echo_media *m)
{
	bool first = !r->has_media;

	/* A new address in the SDP (the peer moved): latch afresh. */
	if (!first && (m->peer_len != r->media.peer_len ||
		       (m->peer_len && !echo_rtp_same(&m->peer, &r->media.peer))))
		r->latched_len = 0;
	r->media = *m;
	r->has_media = true;
	if (m->peer_len && m->peer.ss_family != echo.addr.ss_family)
		r->media.peer_len = 0;	/* our socket cannot reach it */
	r->echoing = false;
	if (first)
		echo_rtp_tone_start(r);
	else if (r->tone && (!m->send || m->codec != r->tone_codec))
		echo_rtp_tone_stop(r);
}

void echo_rtp_free(struct echo_rtp *r)
{
	if (!r)
		return;
	echo_rtp_tone_stop(r);
	if (r->io_src)
		g_source_remove(r->io_src);
	if (r->watch_src)
		g_source_remove(r->watch_src);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}
