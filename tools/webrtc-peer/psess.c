/* psess: one session seen from outside mediad: a browser on the WebRTC
 * leg and a SIP phone on the plain RTP leg.
 *
 * Built and negotiated on the main thread (pctl.c), then owned by one
 * worker thread until it is joined: ICE checks, the DTLS handshake, SRTP,
 * sending audio every 20 ms and measuring what arrives.  Both of its
 * sockets are connected to mediad's ports, so the kernel drops anything
 * from elsewhere and sends need no address. */
#include "peer.h"
#include "log.h"
#include "rtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	SETTLE_US = 100000,	/* DTLS done -> first audio, see psess_keyed */
	BATCH = 8,		/* datagrams per socket per wake-up */
};

static int psess_socket(const char *ip, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int one = 1, buf = 256 * 1024;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Arrival times from the kernel: the latency we report must not
	 * include how long this process took to read the packet. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/* The socket's count of datagrams dropped on a full receive queue:
	 * loss on our side of the wire is then told apart from mediad's. */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		int e = errno ? errno : EINVAL;
		close(fd);
		return -e;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void psess_stream_init(struct pstream *st)
{
	/* Random SSRC, sequence and timestamp, RFC 3550 5.1. */
	RAND_bytes((unsigned char *)&st->ssrc, sizeof(st->ssrc));
	RAND_bytes((unsigned char *)&st->seq, sizeof(st->seq));
	RAND_bytes((unsigned char *)&st->ts, sizeof(st->ts));
}

/* The WebRTC leg's transport: our own UDP socket, or a NiceAgent. */
static int psess_web_transport(struct psess *s)
{
	const struct peer_opts *o = s->o;
	int fd;

	if (o->ice == PEER_ICE_NICE) {
		int e = pnice_new(&s->nice, o->ip, s->ufrag, s->pwd, s->cand,
				  sizeof(s->cand), &s->web_port);
		if (!e)
			s->web.fd = pnice_fd(s->nice);
		return e;
	}
	fd = psess_socket(o->ip, &s->web_port);
	if (fd < 0)
		return -fd;
	s->web.fd = fd;
	snprintf(s->cand, sizeof(s->cand), "candidate:1 1 udp 2130706431 %s "
		 "%u typ host", o->ip, s->web_port);
	if (psdp_random_chars(s->ufrag, PEER_UFRAG_LEN) ||
	    psdp_random_chars(s->pwd, PEER_PWD_LEN))
		return EIO;
	return 0;
}

int psess_new(struct psess **sp, int idx, const struct peer_opts *o)
{
	struct psess *s = calloc(1, sizeof(*s));
	int e, fd;

	if (!s)
		return ENOMEM;
	s->idx = idx;
	s->o = o;
	s->web = (struct psock){ .s = s, .fd = -1 };
	s->sip = (struct psock){ .s = s, .fd = -1, .sip = true };
	s->rtcp = (struct psock){ .s = s, .fd = -1, .sip = true, .rtcp = true };
	s->web_te_pt = s->sip_te_pt = -1;
	psess_stream_init(&s->web_tx);
	psess_stream_init(&s->sip_tx);
	e = psdes_init(s);
	if (!e)
		e = psess_web_transport(s);
	if (!e) {
		fd = psess_socket(o->ip, &s->sip_port);
		e = fd < 0 ? -fd : 0;
		s->sip.fd = fd;
	}
	if (!e && o->rtcp) {
		fd = psess_socket(o->ip, &s->rtcp_port);
		e = fd < 0 ? -fd : 0;
		s->rtcp.fd = fd;
	}
	if (!e)
		e = pmedia_decoder_new(o->web_codec, &s->web_dec);
	if (!e)
		e = pmedia_decoder_new(o->sip_codec, &s->sip_dec);
	if (e) {
		psess_free(s);
		return e;
	}
	*sp = s;
	return 0;
}

void psess_free(struct psess *s)
{
	if (!s)
		return;
	if (s->nice)
		pnice_free(s->nice);	/* closes the web fd */
	else if (s->web.fd >= 0)
		close(s->web.fd);
	if (s->sip.fd >= 0)
		close(s->sip.fd);
	if (s->rtcp.fd >= 0)
		close(s->rtcp.fd);
	dtls_conn_free(s->dtls);
	srtpx_free(s->srtp);
	srtpx_free(s->sip_srtp);
	srtpx_free(atomic_load(&s->sip_srtp_next));
	json_decref(s->mediad_sip_srtp);
	pmedia_decoder_free(s->web_dec);
	pmedia_decoder_free(s->sip_dec);
	free(s);
}

static int psess_connect(int fd, const char *addr, uint16_t port,
			 struct sockaddr_in *out)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return EAFNOSUPPORT;
	if (out)
		*out = a;
	return connect(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;
}

/* mediad's answer or offer is known: aim both legs at it and prepare
 * ICE and DTLS.  The DTLS role follows the setup attributes (RFC 5763 5):
 * whoever is "active" is the client. */
int psess_configure(struct psess *s, const struct psdp_remote *web,
		    const struct psdp_remote *sip, char *why, size_t whylen)
{
	bool we_active = web->setup == SDP_SETUP_PASSIVE ||
			 (web->setup == SDP_SETUP_ACTPASS &&
			  !s->o->answer_passive);
	int e;

	s->web_pt = web->pt;
	s->sip_pt = sip->pt;
	s->role = we_active ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
	e = psess_connect(s->sip.fd, sip->addr, sip->port, &s->mediad_sip);
	if (!e && s->rtcp.fd >= 0)	/* mediad's RTCP: RTP port + 1 */
		e = psess_connect(s->rtcp.fd, sip->addr,
				  (uint16_t)(sip->port + 1), NULL);
	if (!e && s->nice)
		e = pnice_set_remote(s->nice, web);
	else if (!e)
		e = psess_connect(s->web.fd, web->addr, web->port, NULL);
	if (e) {
		snprintf(why, whylen, "cannot reach mediad's ports: %s",
			 strerror(e));
		return e;
	}
	pice_init(&s->ice, s->ufrag, web->ufrag, web->pwd);
	e = dtls_conn_new(psdp_dtls_ctx(), s->role, "sha-256", web->fp_hex,
			  &s->dtls);
	if (e) {
		snprintf(why, whylen, "DTLS setup: %s", strerror(e));
		return e;
	}
	return psdes_configure(s, sip, why, whylen);
}

void psess_fail(struct psess *s, const char *why)
{
	if (s->state == PS_FAILED)
		return;
	if (s->state == PS_MEDIA)
		atomic_fetch_sub(&pworker_media, 1);
	s->state = PS_FAILED;
	s->sending = false;
	snprintf(s->why, sizeof(s->why), "%s", why);
	atomic_fetch_add(&pworker_failed, 1);
	LOG_DEBUG("sess", "%d %s: failed: %s", s->idx, s->id, why);
}

/* On the worker, once it owns the session. */
void psess_start(struct psess *s, uint64_t now_us)
{
	s->state = PS_ICE;
	s->t_posted = now_us;
	s->ice.next_us = now_us;
}

static void psess_dtls_flush(struct psess *s)
{
	uint8_t out[DTLS_MTU];
	size_t n;

	while ((n = dtls_conn_output(s->dtls, out, sizeof(out))) > 0)
		if (send(s->web.fd, out, n, MSG_DONTWAIT) < 0)
			break;	/* the retransmission timer resends */
}

static void psess_ice_up(struct psess *s, uint64_t now_us)
{
	if (s->state != PS_ICE)
		return;
	s->t_ice = now_us;
	s->state = PS_DTLS;
	s->ice.next_us = now_us + 2500000;	/* consent from now on */
	if (dtls_conn_start(s->dtls, now_us)) {
		psess_fail(s, "DTLS start failed");
		return;
	}
	psess_dtls_flush(s);
}

/* SRTP keyed.  Audio starts SETTLE_US later: when mediad is the DTLS
 * client it keys its SRTP only when our last flight arrives, and audio
 * that beats it there would count as loss that is not mediad's. */
static void psess_keyed(struct psess *s, uint64_t now_us)
{
	struct dtls_srtp_keys k;

	if (dtls_conn_srtp_keys(s->dtls, &k) ||
	    srtpx_new(&s->srtp, (enum srtpx_profile)k.profile, k.local,
		      k.remote, k.master_len)) {
		psess_fail(s, "SRTP keys unusable");
		return;
	}
	snprintf(s->profile, sizeof(s->profile), "%s",
		 srtpx_sdes_suite_name((enum srtpx_profile)k.profile));
	s->t_dtls = now_us;
	s->media_at = now_us + SETTLE_US;
	s->state = PS_MEDIA;
	atomic_fetch_add(&pworker_media, 1);
}

static void psess_dtls_check(struct psess *s, uint64_t now_us)
{
	char why[PEER_WHY_LEN];

	switch (dtls_conn_state(s->dtls)) {
	case DTLS_STATE_CONNECTED:
		if (s->state == PS_DTLS)
			psess_keyed(s, now_us);
		break;
	case DTLS_STATE_FAILED:
	case DTLS_STATE_CLOSED:
		snprintf(why, sizeof(why), "DTLS: %s",
			 dtls_conn_reason(s->dtls));
		psess_fail(s, why);
		break;
	default:
		break;
	}
}

/* Audio from mediad on the WebRTC leg: SRTP, then measured. */
/* A transcoded packet carries no send time (mediad wrote its header):
 * mediad makes one packet per packet in, so it came from the newest one
 * the other end had sent when it arrived.  Exact while mediad answers
 * within 20 ms; beyond that a lower bound (loss and pace then show it). */
static int64_t psess_xcode_lat(const struct psess *s,
			       const struct pstream *from, uint64_t rx_ns)
{
	if (!s->transcode || !rx_ns)
		return -1;
	if (from->last_ns && rx_ns >= from->last_ns)
		return (int64_t)(rx_ns - from->last_ns);
	if (from->prev_ns && rx_ns >= from->prev_ns)
		return (int64_t)(rx_ns - from->prev_ns);
	return -1;
}

static void psess_web_rtp(struct psess *s, uint8_t *p, size_t n,
			  uint64_t rx_ns, struct phist *lat)
{
	const struct peer_opts *o = s->o;
	int hz = o->echo ? o->web_hz : o->sip_hz;
	int other = o->echo ? o->sip_hz : o->web_hz;
	int64_t ns;

	if (!s->srtp)
		return;
	if (rtp_demux_classify(p, n) == RTP_DEMUX_RTCP) {
		prtcp_web_in(s, p, n);
		return;
	}
	if (srtpx_unprotect_rtp(s->srtp, p, &n) != SRTPX_OK) {
		s->web_rx.undecodable++;
		return;
	}
	prtcp_rtp_seen(s, false, p, n);
	if (pscript_te_in(s, true, p, n))
		return;
	/* transcoded: 20 ms Opus; relayed: the phone's packets as sent */
	s->web_rx.want = s->transcode ? PEER_FRAME : o->sip_ptime ?
			 (uint32_t)o->sip_ptime * 8 : PEER_FRAME;
	struct pmeter before = s->web_rx;
	ns = pmedia_measure(&s->web_rx, s->web_dec, o->web_codec, s->web_pt,
			    hz, other, p, n, rx_ns);
	pscript_measured(&s->web_ph[atomic_load(&pscript_phase)], &s->web_rx,
			 &before);
	if (ns < 0 && !o->echo)
		ns = psess_xcode_lat(s, &s->sip_tx, rx_ns);
	if (atomic_load(&pworker_measuring)) {
		s->win_rcvd++;
		if (ns >= 0)
			phist_add(&lat[o->echo ? 2 : 1], (uint64_t)ns / 1000u);
	}
}

static void psess_web_in(struct psess *s, uint8_t *p, size_t n,
			 uint64_t rx_ns, struct phist *lat)
{
	uint64_t now = pmedia_mono_us();

	if (n == 1 && (p[0] == PNICE_READY || p[0] == PNICE_FAILED)) {
		if (p[0] == PNICE_READY)
			psess_ice_up(s, now);
		else
			psess_fail(s, "ICE failed (NiceAgent)");
		return;
	}
	switch (rtp_demux_classify(p, n)) {
	case RTP_DEMUX_STUN:
		if (pice_input(s, p, n))
			psess_ice_up(s, now);
		break;
	case RTP_DEMUX_DTLS:
		if (s->state != PS_DTLS && s->state != PS_MEDIA)
			break;
		dtls_conn_input(s->dtls, p, n);
		psess_dtls_flush(s);
		psess_dtls_check(s, now);
		break;
	case RTP_DEMUX_RTP:
	case RTP_DEMUX_RTCP:
		psess_web_rtp(s, p, n, rx_ns, lat);
		break;
	default:
		break;
	}
}

/* Audio from mediad on the SIP leg: plain RTP, measured, maybe echoed. */
static void psess_sip_in(struct psess *s, uint8_t *p, size_t n,
			 uint64_t rx_ns, struct phist *lat)
{
	const struct peer_opts *o = s->o;
	int64_t ns;

	if (s->state != PS_MEDIA)
		return;
	if (s->sip_srtp && !psdes_in(s, p, &n)) {
		s->sip_rx.undecodable++;
		return;
	}
	if (rtp_demux_classify(p, n) == RTP_DEMUX_RTCP)
		return;		/* mediad's SRTCP: verified, not audio */
	prtcp_rtp_seen(s, true, p, n);
	if (o->echo && send(s->sip.fd, p, n, MSG_DONTWAIT) > 0)
		s->sip_echoed++;
	if (pscript_te_in(s, false, p, n))
		return;
	/* transcoded: the ptime mediad's answer said, or when mediad
	 * offered, the one the phone's answer asked for; relayed: the
	 * browser's 20 ms packets as sent */
	s->sip_rx.want = !s->transcode ? PEER_FRAME :
			 o->sip_offers ? s->sip_ptime * 8 :
			 o->sip_ptime ? (uint32_t)o->sip_ptime * 8 : PEER_FRAME;
	struct pmeter before = s->sip_rx;
	ns = pmedia_measure(&s->sip_rx, s->sip_dec, o->sip_codec, s->sip_pt,
			    o->web_hz, o->sip_hz, p, n, rx_ns);
	pscript_measured(&s->sip_ph[atomic_load(&pscript_phase)], &s->sip_rx,
			 &before);
	if (ns < 0)
		ns = psess_xcode_lat(s, &s->web_tx, rx_ns);
	if (atomic_load(&pworker_measuring)) {
		s->win_rcvd++;
		if (ns >= 0)
			phist_add(&lat[0], (uint64_t)ns / 1000u);
	}
}

/* The kernel's arrival time, and the socket's drop counter if given. */
static uint64_t psess_rx_ns(struct msghdr *mh, uint32_t *drops)
{
	uint64_t ns = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			ns = (uint64_t)ts.tv_sec * 1000000000u +
			     (uint64_t)ts.tv_nsec;
		} else if (c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(drops, CMSG_DATA(c), sizeof(*drops));
		}
	}
	return ns ? ns : pmedia_real_ns();	/* e.g. NiceAgent's socketpair */
}

int psess_readable(struct psock *k, struct phist *lat)
{
	static _Thread_local uint8_t bufs[BATCH][PEER_PKT_MAX];
	static _Thread_local char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec)) +
					     CMSG_SPACE(sizeof(uint32_t))];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int got;

	/* One recvmmsg per wake-up; epoll is level-triggered, so whatever
	 * is left over comes back in the next round. */
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ bufs[i], PEER_PKT_MAX - SRTPX_TRAILER_MAX };
		mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
			.msg_iovlen = 1, .msg_control = ctl[i],
			.msg_controllen = sizeof(ctl[i]) };
	}
	got = recvmmsg(k->fd, mm, BATCH, MSG_DONTWAIT, NULL);
	/* Audio seen, for the drain at the end (STUN consent responses do
	 * not count: they never stop). */
	if (got > 0 && (bufs[0][0] & 0xC0) == 0x80)
		atomic_store_explicit(&pworker_last_rx_us, pmedia_mono_us(),
				      memory_order_relaxed);
	for (int i = 0; i < got; i++) {
		uint32_t *drops = k->sip ? &k->s->sip_drops : &k->s->web_drops;
		uint64_t rx_ns = psess_rx_ns(&mm[i].msg_hdr, drops);
		if (k->s->state == PS_FAILED)
			return got;
		if (k->rtcp)
			prtcp_sip_in(k->s, bufs[i], mm[i].msg_len, rx_ns);
		else if (k->sip)
			psess_sip_in(k->s, bufs[i], mm[i].msg_len, rx_ns, lat);
		else
			psess_web_in(k->s, bufs[i], mm[i].msg_len, rx_ns, lat);
	}
	return got;
}

/* After the worker has stopped: count what is still queued on our
 * sockets.  It reached us (the kernel queued it), so it is not loss;
 * a peer that fell behind leaves a backlog here, which the report shows. */
uint64_t psess_flush(struct psess *s, struct phist *scratch)
{
	uint64_t n = 0;
	int got;

	while ((got = psess_readable(&s->web, scratch)) > 0)
		n += (uint64_t)got;
	while ((got = psess_readable(&s->sip, scratch)) > 0)
		n += (uint64_t)got;
	while (s->rtcp.fd >= 0 && psess_readable(&s->rtcp, scratch) > 0)
		;	/* RTCP is not audio: not part of the backlog */
	return n;
}

/* Every 10 ms: ICE checks, DTLS retransmissions, deadlines. */
void psess_tick(struct psess *s, uint64_t now_us)
{
	if (s->state == PS_FAILED)
		return;
	if (!s->nice)
		pice_tick(s, now_us);
	if (s->state == PS_DTLS) {
		if (dtls_conn_timeout_us(s->dtls) == 0)
			dtls_conn_handle_timeout(s->dtls);
		psess_dtls_flush(s);
		dtls_conn_expired(s->dtls, now_us);
		psess_dtls_check(s, now_us);
	}
	pscript_tick(s);
	if (s->state != PS_MEDIA &&
	    now_us - s->t_posted > (uint64_t)s->o->setup_timeout_ms * 1000)
		psess_fail(s, s->state == PS_ICE ? "ICE timeout"
						 : "DTLS timeout");
	if (s->state == PS_MEDIA && !s->sending && now_us >= s->media_at)
		s->sending = true;
	prtcp_tick(s, now_us);
}

/* --sip-ptime: the phone's packets of its own size, paced by the 20 ms
 * tick (a 10 ms phone sends two per tick, a 30 ms one three every two). */
static void psess_send_ptime(struct psess *s)
{
	const struct peer_opts *o = s->o;
	long want = o->sip_ptime * 8;
	uint8_t p[PEER_PKT_MAX];
	size_t n;

	s->sip_tx.credit += PEER_FRAME;
	while (s->sip_tx.credit >= want) {
		s->sip_tx.credit -= want;
		n = pmedia_build_g711(&s->sip_tx, o->sip_codec, s->sip_pt,
				      o->sip_hz, (size_t)want, p,
				      sizeof(p) - SRTPX_TRAILER_MAX);
		if (n && s->sip_srtp)
			psdes_send(s, p, n, sizeof(p));
		else if (n && send(s->sip.fd, p, n, MSG_DONTWAIT) > 0)
			s->sip_tx.sent++;
	}
}

/* One 20 ms frame out of each side. */
void psess_send(struct psess *s)
{
	const struct peer_opts *o = s->o;
	uint8_t p[PEER_PKT_MAX];
	size_t n;

	if (!s->sending)
		return;
	/* Packets actually sent in the window: a peer short of CPU sends
	 * late, and the cost per call must be per packet really relayed. */
	if (atomic_load(&pworker_measuring))
		s->win_sent += o->echo ? 1 : 2;
	/* --web-seq-jump, --sip-seq-jump: one leap, mid-call */
	if (o->web_seq_jump && s->web_tx.sent == PEER_JUMP_AT)
		s->web_tx.seq = (uint16_t)(s->web_tx.seq + o->web_seq_jump);
	if (o->sip_seq_jump && s->sip_tx.sent == PEER_JUMP_AT)
		s->sip_tx.seq = (uint16_t)(s->sip_tx.seq + o->sip_seq_jump);
	n = pmedia_build(&s->web_tx, o->web_codec, s->web_pt, o->web_hz, p,
			 sizeof(p) - SRTPX_TRAILER_MAX);
	if (n && !srtpx_protect_rtp(s->srtp, p, &n, sizeof(p)) &&
	    send(s->web.fd, p, n, MSG_DONTWAIT) > 0)
		s->web_tx.sent++;
	if (o->echo)
		return;
	if (o->sip_ptime && o->sip_codec != PEER_OPUS) {
		psess_send_ptime(s);
		return;
	}
	n = pmedia_build(&s->sip_tx, o->sip_codec, s->sip_pt, o->sip_hz, p,
			 sizeof(p) - SRTPX_TRAILER_MAX);
	if (n && s->sip_srtp)
		psdes_send(s, p, n, sizeof(p));
	else if (n && send(s->sip.fd, p, n, MSG_DONTWAIT) > 0)
		s->sip_tx.sent++;
	pscript_send(s);
}
