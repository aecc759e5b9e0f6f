/* msess: one media session (a call's media) with its two legs, owned by
 * one worker for its whole life. */
#ifndef RTCGATE_MSESS_H
#define RTCGATE_MSESS_H

#include "dtls.h"
#include "icefull.h"
#include "icelite.h"
#include "mchunk.h"
#include "mdtmf.h"
#include "mediad.h"
#include "mrtcp.h"
#include "msdes.h"
#include "mtimer.h"
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
	uint64_t rx_bytes, tx_bytes;	/* video legs: RTP payload bytes */
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
	struct icefull *full;		/* full ICE mode's agent (icefull.c) */
	unsigned trickled;		/* media_candidate this generation */
};

/* A re-offer (media_update) waiting for the other side's answer. */
struct mupdate {
	bool pending;
	enum mleg_kind from;		/* the side that re-offered */
	enum sdp_dir dir;		/* its new direction */
	bool codecs;			/* the codec in use was dropped */
};

enum msess_origin { MSESS_FROM_WEB, MSESS_FROM_SIP };

enum { MVIDEO_SSRCS = 8, MVIDEO_FB = 4 };

/* Video (mvideo.c, mvpath.c): VP8 relayed, never transcoded, between the
 * browser's video m= section (bundled on the web leg's transport) and an
 * m=video of its own port pair on the SIP side.  The two struct mleg
 * (vweb, vsip in struct msess) carry codec, SSRC, rewriter, RTCP and
 * counters as the audio legs do; vweb has no socket of its own. */
struct mvideo {
	bool web_has, sip_has;		/* that side's last SDP had m=video */
	bool sip_vfirst;		/* ... before its m=audio */
	bool web_ok, sip_ok;		/* ... with VP8 on a port */
	bool sip_savp;			/* ... its m=video is RTP/SAVP(F) */
	bool on;			/* both: VP8 flows */
	enum sdp_dir web_dir, sip_dir;	/* as offered / answered */
	int web_pt, sip_pt;		/* VP8 on each side */
	char mid[SDP_MID_LEN];		/* the browser's video mid */
	size_t nfb;			/* rtcp-fb we keep: the offerer's */
	char fb[MVIDEO_FB][SDP_FB_LEN];
	/* BUNDLE demux: SSRCs the browser declared (a=ssrc) per m=; none
	 * declared: learnt from the payload type of its first packets. */
	size_t na, nv;
	uint32_t assrc[MVIDEO_SSRCS], vssrc[MVIDEO_SSRCS];
	bool a_declared, v_declared;
};

struct msess {
	char id[MSESS_ID_LEN];
	char owner[SVC_ID_MAX];		/* media_create's owner: events go to
					 * rtcgate.media.event.<owner> */
	struct mediad *md;
	struct mworker *w;
	enum msess_origin origin;	/* which side offered first */
	bool answered;
	bool transcode;
	bool timed_out;
	bool web_seq_ok;		/* web_seq: last Opus seq decoded */
	uint16_t web_seq;
	struct mleg web, sip;
	struct mleg vweb, vsip;		/* video (struct mvideo) */
	struct mvideo vid;
	struct xcode *xc;
	/* Transcoding's framing (mchunk.c): the SIP side's G.711 in 20 ms
	 * frames for the Opus encoder, and decoded audio in packets of
	 * sip_ptime toward SIP. */
	struct mchunk sip_in, sip_out;
	unsigned sip_ptime;		/* ms per packet toward SIP */
	uint32_t sip_ptime_said;	/* the SIP side's a=ptime, 0: none */
	char *offer_sdp;		/* the first offer, owned */
	uint64_t created_us;
	uint64_t tick_us;		/* mpath_tick's clock, ms steps */
	struct mtimer timer;		/* worker's heap: next mpath_tick */
	struct sdp_codec web_offer[8];	/* browser's audio codecs (web offer) */
	size_t nweb_offer;
	struct sdp_codec sip_offer[8];	/* SIP peer's codecs (SIP offer) */
	size_t nsip_offer;
	char *web_tmpl;			/* browser's last offer: answer's m= */
	struct mupdate upd;
	uint64_t protect_failed;	/* SRTP/SRTCP protect failures */
	bool protect_logged;		/* ... the first one logged */
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
/* When mpath_tick must next run for s (after a tick, or a request). */
uint64_t mpath_next_us(const struct msess *s, uint64_t now_us);
void mpath_send(struct mleg *leg, const uint8_t *p, size_t len);
/* A WebRTC datagram from the verified peer (d: its RFC 7983 class), past
 * ICE: DTLS or SRTP/SRTCP.  Lite mode after its source check; full mode
 * for what libnice delivers. */
void mpath_web_media(struct msess *s, uint8_t *p, size_t n, size_t cap,
		     enum rtp_demux d);
/* Full ICE selected a pair: start DTLS if not yet (lite mode does it on
 * the first valid check). */
void mpath_web_up(struct msess *s);
/* media_dtmf: queue digits on a leg.  0, EINVAL, ENOSPC or ENOTSUP (no
 * telephone-event on that leg). */
int mpath_dtmf_queue(struct msess *s, struct mleg *l, const char *digits,
		     unsigned dur_ms);

/* mvideo.c: video offer/answer pieces, called from mneg.c.  The
 * sd arguments are parsed SDP of the side named. */
struct sdp_session;
/* A browser's offer or answer: its VP8, mid, rtcp-fb, SSRCs. */
void mvideo_web_read(struct msess *s, const struct sdp_session *sd);
/* A SIP side's offer or answer: its VP8, address and SDES keys (video is
 * off when there is no IPv4 address to reach, or its SRTP is unusable:
 * audio goes on).  offer: an offer (first or re-offer), not an answer. */
void mvideo_sip_read(struct msess *s, const struct sdp_session *sd,
		     bool again, bool offer);
/* Our m=video toward the SIP side (offer or answer): port 0 when off. */
void mvideo_sip_media(GString *g, struct msess *s, bool offer);
/* Our m=video toward the browser (offer or answer), bundled. */
void mvideo_web_media(GString *g, struct msess *s, bool offer);
/* a=group:BUNDLE line of our WebRTC SDP (audio mid, video mid if on). */
void mvideo_bundle(GString *g, struct msess *s, bool offer);
/* After an answer: decide whether video flows, open the SIP video port
 * pair if needed, set up the rewriters.  0 or an errno (why set). */
int mvideo_apply(struct msess *s, enum mleg_kind offerer, char *why,
		 size_t whylen);
/* Does an offer from side change video (added, removed, direction)? */
bool mvideo_changed(const struct msess *s, enum mleg_kind side,
		    const struct sdp_session *sd);
/* BUNDLE demux of one RTP packet from the browser (after SRTP). */
enum mvideo_demux { MVIDEO_AUDIO, MVIDEO_VIDEO, MVIDEO_DROP };
enum mvideo_demux mvideo_demux_rtp(struct msess *s, uint8_t pt,
				   uint32_t ssrc);
/* The same for an RTCP compound: video when it names a video SSRC. */
bool mvideo_rtcp_is_video(const struct msess *s, const uint8_t *p,
			  size_t len);
json_t *mvideo_stats(const struct msess *s);

/* mvpath.c: the video packet path */
/* RTP/RTCP from the browser, decrypted: true when video took it. */
bool mvpath_web_in(struct msess *s, uint8_t *p, size_t len, size_t cap,
		   bool rtcp);
void mvpath_sip_in(struct msock *k, uint8_t *p, size_t n, size_t cap,
		   const struct sockaddr_storage *from, socklen_t fl);
/* NACKs about media (our SSRC toward their sender) name our sequence
 * numbers: move each lost packet id back by seq_off, in place. */
void mvpath_nack_back(uint8_t *buf, size_t len, uint32_t media,
		      uint16_t seq_off);
/* mpath.c pieces mvpath.c shares */
bool mpath_same(const struct sockaddr_storage *a, socklen_t al,
		const struct sockaddr_storage *b, socklen_t bl);
struct mrtcp_xlate mpath_rtcp_xlate(const struct mleg *in,
				    const struct mleg *out);
/* true when it left */
bool mpath_rtcp_send(struct msess *s, struct mleg *o, uint8_t *p,
		     size_t len, size_t cap);
/* A protect toward leg l failed with err (srtpx): counted, the first one
 * of the session logged with libsrtp's status. */
void mpath_protect_failed(struct msess *s, const struct mleg *l,
			  const struct srtpx *sx, int err);
/* SRTP or SRTCP from a SIP leg's peer (l->srtp set), unprotected in
 * place: false when it does not verify (dropped, counted in l->sdes and
 * the media_srtp_* metrics). */
bool mpath_sip_unprotect(struct msess *s, struct mleg *l, uint8_t *p,
			 size_t *n, bool rtcp);
/* The session ends (media_delete, drain): a BYE for our SSRCs on each
 * leg whose RTCP ran (RFC 3550 6.6), SRTCP toward the browser. */
void mpath_bye(struct msess *s);

/* mworker.c */
struct mworker {
	struct mediad *md;
	int idx;
	pthread_t th;
	int epfd, evfd, tfd;
	struct handoff *ho;
	GHashTable *sessions;		/* id -> struct msess */
	struct mtimer_heap timers;	/* sessions by next mpath_tick */
	GMainContext *ctx;		/* full ICE mode: the agents' loop */
	_Atomic int nsessions, ntranscode;
	volatile int stop;
};
int mworker_start(struct mediad *md, int idx, struct mworker **wp);
void mworker_stop(struct mworker *w);
int mworker_watch(struct mworker *w, struct msock *k);
/* One epoll wait (timeout_ms) and what it brought. */
void mworker_batch(struct mworker *w, int timeout_ms);
/* A bus request for this worker: handled on its thread, answered there. */
int mworker_post(struct mworker *w, json_t *req, const char *reply);

#endif
