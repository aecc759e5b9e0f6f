/* msess: a media session's life: ports, ICE credentials, SSRCs at birth;
 * sockets, DTLS, SRTP and the transcoder freed at death; statistics and
 * events on the bus. */
#include "msess.h"
#include "busmsg.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static void msess_leg_init(struct msess *s, struct mleg *l, enum mleg_kind k)
{
	l->kind = k;
	l->sock = (struct msock){ .s = s, .leg = l, .fd = -1 };
	l->rsock = (struct msock){ .s = s, .leg = l, .fd = -1, .rtcp = true };
	l->codec.pt = -1;
	l->codec.te_pt = -1;
	mdtmf_tx_init(&l->dtmf_tx);
	/* Random SSRC, first sequence number and timestamp: RFC 3550 5.1. */
	RAND_bytes((unsigned char *)&l->ssrc, sizeof(l->ssrc));
	RAND_bytes((unsigned char *)&l->seq, sizeof(l->seq));
	RAND_bytes((unsigned char *)&l->ts, sizeof(l->ts));
}

static int msess_ports(struct msess *s, char *why, size_t whylen)
{
	const char *bind = s->md->cfg.bind_ip;
	int fd2;

	if (mport_open(s->md->ports, bind, false, &s->web.sock.fd, &fd2,
		       &s->web.port) ||
	    mport_open(s->md->ports, bind, true, &s->sip.sock.fd,
		       &s->sip.rsock.fd, &s->sip.port)) {
		snprintf(why, whylen, "no free media ports");
		return EADDRINUSE;
	}
	if (mworker_watch(s->w, &s->web.sock) ||
	    mworker_watch(s->w, &s->sip.sock) ||
	    mworker_watch(s->w, &s->sip.rsock)) {
		snprintf(why, whylen, "cannot watch media sockets");
		return EIO;
	}
	return 0;
}

int msess_new(struct mediad *md, struct mworker *w, const char *id,
	      struct msess **sp, char *why, size_t whylen)
{
	struct msess *s;

	if (atomic_fetch_add(&md->nsessions, 1) >= md->cfg.max_sessions) {
		atomic_fetch_sub(&md->nsessions, 1);
		snprintf(why, whylen, "session limit reached");
		return EBUSY;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		atomic_fetch_sub(&md->nsessions, 1);
		snprintf(why, whylen, "out of memory");
		return ENOMEM;
	}
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->md = md;
	s->w = w;
	s->created_us = (uint64_t)clock_wall_us();
	s->sip_ptime = MCHUNK_PTIME_DEFAULT;
	msess_leg_init(s, &s->web, MLEG_WEB);
	msess_leg_init(s, &s->sip, MLEG_SIP);
	msess_leg_init(s, &s->vweb, MLEG_WEB);
	msess_leg_init(s, &s->vsip, MLEG_SIP);
	s->sip.sdes.policy = (enum msdes_policy)md->cfg.sip_srtp;
	if (icelite_init(&s->web.ice, NULL) || msess_ports(s, why, whylen) ||
	    icefull_leg_new(s, why, whylen)) {
		if (!why[0])
			snprintf(why, whylen, "ICE setup failed");
		msess_free(s);
		return EIO;
	}
	*sp = s;
	return 0;
}

static void msess_leg_free(struct msess *s, struct mleg *l)
{
	/* Closing a socket removes it from epoll. */
	mport_close(s->md->ports, l->port, l->sock.fd, l->rsock.fd);
	dtls_conn_free(l->dtls);
	srtpx_free(l->srtp);
	OPENSSL_cleanse(&l->sdes, sizeof(l->sdes));	/* SDES keys */
}

void msess_free(struct msess *s)
{
	if (!s)
		return;
	icefull_leg_free(s);
	msess_leg_free(s, &s->web);
	msess_leg_free(s, &s->sip);
	msess_leg_free(s, &s->vsip);	/* video port pair, if opened */
	if (s->xc) {
		xcode_free(s->xc);
		atomic_fetch_sub(&s->md->ntranscode, 1);
	}
	g_free(s->offer_sdp);
	g_free(s->web_tmpl);
	atomic_fetch_sub(&s->md->nsessions, 1);
	free(s);
}

static const char *msess_dir(enum sdp_dir d)
{
	return d == SDP_DIR_UNSET ? "sendrecv" : sdp_dir_name(d);
}

static json_t *msess_leg_stats(const struct mleg *l)
{
	return json_pack("{s:i, s:s, s:i, s:I, s:I, s:b, s:s, s:s, s:I, s:I,"
			 " s:I}", "port", l->port,
			 "codec", l->codec.name, "pt", l->codec.pt,
			 "rx", (json_int_t)l->rx, "tx", (json_int_t)l->tx,
			 "latched", l->latched, "dir", msess_dir(l->dir),
			 "local_dir", msess_dir(l->ldir),
			 "held", (json_int_t)l->held,
			 "dtmf_rx", (json_int_t)l->dtmf_events,
			 "dtmf_tx", (json_int_t)l->dtmf_tx.sent);
}

/* The SIP ptime, and transcoding's re-chunking of what the SIP side
 * sent (mchunk.c): packets taken, gaps filled and skipped, new runs,
 * late ones and bad sizes dropped. */
static json_t *msess_ptime_stats(const struct msess *s)
{
	const struct mchunk_stats *c = &s->sip_in.st;

	return json_pack("{s:i, s:o}", "ptime", (int)s->sip_ptime, "rechunk",
			 !s->xc ? json_null() : json_pack(
			 "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "taken", (json_int_t)c->taken,
			 "filled", (json_int_t)c->filled,
			 "fill_samples", (json_int_t)c->fill_samples,
			 "skipped", (json_int_t)c->skipped,
			 "runs", (json_int_t)c->runs,
			 "late", (json_int_t)c->late,
			 "bad", (json_int_t)c->bad));
}

json_t *msess_stats(const struct msess *s)
{
	json_t *m = busmsg_new("media_stats");

	json_object_set_new(m, "session", json_string(s->id));
	json_object_set_new(m, "transcode", json_boolean(s->transcode));
	json_object_set_new(m, "web", msess_leg_stats(&s->web));
	json_object_set_new(m, "sip", msess_leg_stats(&s->sip));
	json_object_set_new(m, "video", mvideo_stats(s));
	json_object_set_new(m, "dtls", json_string(s->web.dtls ?
		dtls_state_name(dtls_conn_state(s->web.dtls)) : "none"));
	json_object_set_new(m, "srtp", json_boolean(s->web.srtp != NULL));
	json_object_set_new(m, "srtp_protect_failed",
			    json_integer((json_int_t)s->protect_failed));
	json_object_set_new(m, "ice", icefull_stats(s));
	/* SDES-SRTP on the SIP leg: suite and drops, or null */
	json_object_set_new(json_object_get(m, "sip"), "srtp",
			    msdes_stats(&s->sip.sdes));
	json_object_update_new(json_object_get(m, "sip"), msess_ptime_stats(s));
	return m;
}

void msess_event(struct msess *s, const char *event, const char *detail)
{
	msess_event_ex(s, event, detail, NULL);
}

void msess_event_ex(struct msess *s, const char *event, const char *detail,
		    json_t *extra)
{
	json_t *m = busmsg_new("media_event");

	json_object_set_new(m, "node", json_string(s->md->svc.id));
	json_object_set_new(m, "session", json_string(s->id));
	json_object_set_new(m, "event", json_string(event));
	if (detail)
		json_object_set_new(m, "detail", json_string(detail));
	if (extra)
		json_object_update_new(m, extra);
	if (s->owner[0]) {
		char subj[32 + SVC_ID_MAX];
		snprintf(subj, sizeof(subj), "rtcgate.media.event.%s", s->owner);
		bus_publish(s->md->svc.bus, subj, NULL, m);
	} else {
		bus_publish(s->md->svc.bus, "rtcgate.media.event", NULL, m);
	}
	json_decref(m);
	LOG_INFO("sess", "%s: %s%s%s", s->id, event, detail ? ": " : "",
		 detail ? detail : "");
}
