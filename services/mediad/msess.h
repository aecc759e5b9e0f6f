/* msess: one media session (a call's media) with its two legs, owned by
 * one worker for its whole life. */
#ifndef RTCGATE_MSESS_H
#define RTCGATE_MSESS_H

#include "dtls.h"
#include "icelite.h"
#include "mdtmf.h"
#include "mediad.h"
#include "mrtcp.h"
#include "msdes.h"
#include "sdp.h"
#include "srtpx.h"
#include "xcode.h"

#include <glib.h>
#include <jansson.h>

enum { MSESS_ID_LEN = 96, MCODEC_NAME = SDP_CODEC_LEN };

enum mleg_kind { MLEG_WEB, MLEG_SIP };

/* What a leg sends and receives, as negotiated. */
struct mcodec {
	int pt;				/* -1: none */
	char name[MCODEC_NAME];		/* "PCMU", "PCMA", "opus" */
	uint32_t clock;
	int te_pt;			/* telephone-event, -1: none */
};

/* epoll's data for one socket: which leg, RTP or RTCP port. */
struct msock {
	struct msess *s;
	struct mleg *leg;
	int fd;
	bool rtcp;
};

struct mleg {
	enum mleg_kind kind;
	struct msock sock, rsock;	/* rsock: SIP leg's RTCP port */
	uint16_t port;
	struct sockaddr_storage peer;	/* where we send */
	socklen_t peerlen;
	bool latched;			/* peer learnt from its packets */
	struct mcodec codec;
	uint32_t ssrc;			/* ours on this leg */
	uint16_t seq;			/* next seq when we generate */
	uint32_t ts;			/* next ts when we generate */
	struct rtp_rewrite rw;		/* relay: packets out of this leg */
	enum sdp_dir dir;		/* the peer's, as its last SDP said */
	enum sdp_dir ldir;		/* ours, as our last SDP to it said */
	uint32_t o_ver;			/* o= version of our SDP on this leg */
	guint o_hash;			/* ... and a hash of that SDP's body */
	uint64_t last_rx_us;
	uint64_t rx, tx;
	uint64_t held;			/* not sent: this direction on hold */
	/* RFC 4733 */
	struct mdtmf_rx dtmf_rx;	/* events arriving on this leg */
	struct mdtmf_tx dtmf_tx;	/* media_dtmf digits to send on it */
	uint32_t dtmf_ts;		/* timestamp of the event we send */
	uint32_t dtmf_next_ts;		/* the next one starts no earlier */
	bool te_have;			/* transcoding: an event being mapped */
	uint32_t te_in_ts, te_out_ts;	/* ... its timestamp in and out */
	uint64_t dtmf_events;		/* events seen arriving */
	struct mrtcp rtcp;		/* RTCP on this leg (mrtcp.c) */
	struct msdes sdes;		/* SIP leg: SDES-SRTP keys (msdes.c);
					   srtp below is then its SRTP */
	/* WebRTC leg only */
	struct icelite ice;
	struct dtls_conn *dtls;
	enum dtls_role role;
	struct srtpx *srtp;		/* set once DTLS is connected */
	bool dtls_reported;
	char mid[SDP_MID_LEN];
	char remote_fp[SDP_FP_LEN];
	char remote_pwd[SDP_ICE_LEN];	/* to tell an ICE restart */
	bool ice_restarting;		/* new credentials not yet checked */
};

/* A re-offer (media_update) waiting for the other side's answer. */
struct mupdate {
	bool pending;
	enum mleg_kind from;		/* the side that re-offered */
	enum sdp_dir dir;		/* its new direction */
	bool codecs;			/* the codec in use was dropped */
};

enum msess_origin { MSESS_FROM_WEB, MSESS_FROM_SIP };

struct msess {
	char id[MSESS_ID_LEN];
	struct mediad *md;
	struct mworker *w;
	enum msess_origin origin;	/* which side offered first */
	bool answered;
	bool transcode;
	bool timed_out;
	bool web_seq_ok;		/* web_seq: last Opus seq decoded */
	uint16_t web_seq;
	struct mleg web, sip;
	struct xcode *xc;
	char *offer_sdp;		/* the first offer, owned */
	uint64_t created_us;
	uint64_t tick_us;		/* mpath_tick's clock, ms steps */
	struct sdp_codec web_offer[8];	/* browser's audio codecs (web offer) */
	size_t nweb_offer;
	struct sdp_codec sip_offer[8];	/* SIP peer's codecs (SIP offer) */
	size_t nsip_offer;
	char *web_tmpl;			/* browser's last offer: answer's m= */
	struct mupdate upd;
};

/* msess.c: life cycle (runs on the owning worker) */
int msess_new(struct mediad *md, struct mworker *w, const char *id,
	      struct msess **sp, char *why, size_t whylen);
void msess_free(struct msess *s);
json_t *msess_stats(const struct msess *s);
void msess_event(struct msess *s, const char *event, const char *detail);
/* The same with more fields (taken: json_object_update_new). */
void msess_event_ex(struct msess *s, const char *event, const char *detail,
		    json_t *extra);

/* mneg.c: SDP offer/answer; each returns the SDP to send on, or NULL
 * with why set. */
char *mneg_create(struct msess *s, enum msess_origin side, const char *sdp,
		  char *why, size_t whylen);
char *mneg_answer(struct msess *s, const char *sdp, char *why,
		  size_t whylen);
/* A re-offer from one side (media_update).  Returns the SDP to send with
 * *forward: true, an offer for the other side (whose answer then comes
 * through mneg_answer); false, the answer for the side that re-offered. */
char *mneg_update(struct msess *s, enum mleg_kind side, const char *sdp,
		  bool *forward, char *why, size_t whylen);

/* Directions (pure, for the tests too).  UNSET reads as sendrecv. */
bool mneg_dir_sends(enum sdp_dir d);
bool mneg_dir_recvs(enum sdp_dir d);
enum sdp_dir mneg_dir_make(bool send, bool recv);
/* Side A offered dA (we offered it on to B), B answered dB: our answer to
 * A.  We send to A what B sends, if A receives; we take from A what B
 * receives, if A sends. */
enum sdp_dir mneg_dir_answer(enum sdp_dir dA, enum sdp_dir dB);
/* Whether we may send toward this leg: we said we send, it said it
 * receives (RFC 3264 6.1: nothing toward a sendonly or inactive peer). */
bool mleg_may_send(const struct mleg *l);
/* Whether the session is on hold in any direction. */
bool msess_held(const struct msess *s);

/* mpath.c: the packet path and timers */
void mpath_readable(struct msock *k, uint8_t *buf, size_t cap);
void mpath_tick(struct msess *s, uint64_t now_us);
void mpath_send(struct mleg *leg, const uint8_t *p, size_t len);
/* media_dtmf: queue digits on a leg.  0, EINVAL, ENOSPC or ENOTSUP (no
 * telephone-event on that leg). */
int mpath_dtmf_queue(struct msess *s, struct mleg *l, const char *digits,
		     unsigned dur_ms);

/* mworker.c */
struct mworker {
	struct mediad *md;
	int idx;
	pthread_t th;
	int epfd, evfd, tfd;
	struct handoff *ho;
	GHashTable *sessions;		/* id -> struct msess */
	_Atomic int nsessions, ntranscode;
	volatile int stop;
};
int mworker_start(struct mediad *md, int idx, struct mworker **wp);
void mworker_stop(struct mworker *w);
int mworker_watch(struct mworker *w, struct msock *k);
/* A bus request for this worker: handled on its thread, answered there. */
int mworker_post(struct mworker *w, json_t *req, const char *reply);

#endif
