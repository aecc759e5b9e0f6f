/* icefull: full ICE (RFC 8445) for the WebRTC leg when
 * RTCGATE_ICE_MODE=full: a media node without a reachable address (behind
 * NAT) must send checks of its own, which an ICE-lite agent never does.
 *
 * Each session's WebRTC leg gets a libnice NiceAgent of its own (the ICE
 * role is a property of the whole agent, and a session's role depends on
 * who offered), all on its worker's GMainContext: in full mode the worker
 * runs a GLib loop in which its epoll fd (SIP legs, hand-offs, the 10 ms
 * tick) is one more source, so a session still lives on one thread and
 * takes no locks.  Lite mode never gets here: its worker loop and packet
 * path are unchanged.
 *
 * Packets libnice delivers go into the same DTLS/SRTP path as in lite
 * mode (mpath_web_media); what we send goes straight out of the socket of
 * the selected pair (sendto, as in lite mode), since libnice adds nothing
 * to a UDP datagram on a host or server-reflexive pair.  Our ufrag and pwd
 * stay in the leg's struct icelite (msess.h), so the SDP writer and ICE
 * restart (mneg.c) work the same way in both modes.
 *
 * Trickle (RFC 8838/8840): media_candidate adds a remote candidate or says
 * the peer has no more (icefull_trickle, both modes).  All functions run on
 * the session's worker thread. */
#ifndef RTCGATE_ICEFULL_H
#define RTCGATE_ICEFULL_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mediad;
struct msess;
struct mworker;
struct sdp_media;

enum {
	ICEFULL_MAX_TRICKLE = 32,	/* media_candidate per ICE generation */
	ICEFULL_GATHER_MS = 2000,	/* wait for the STUN server, at most */
	ICEFULL_CONNECT_S = 20,		/* no pair by then: ice_failed */
};

/* At start, once: resolve RTCGATE_STUN_SERVER ("host:port").  0 or
 * EINVAL (logged).  Lite mode: nothing to do. */
int icefull_global_init(struct mediad *md);

/* The worker's loop in full mode; returns when w->stop is set. */
void icefull_worker_run(struct mworker *w);

/* The session's agent: its stream on the leg's port, our credentials,
 * gathering started (host candidates at once; see icefull_defer for a
 * server-reflexive one).  0, or an errno with why set. */
int icefull_leg_new(struct msess *s, char *why, size_t whylen);
/* With a STUN server the server-reflexive candidate comes after a round
 * trip, and the SDP we reply with must carry it (we do not trickle our
 * own): icefull_gathering tells whether the leg still waits, and
 * icefull_defer keeps a copy of the request and its reply subject and
 * calls done(s, req, reply) from the worker's loop once gathering is over
 * or ICEFULL_GATHER_MS has passed.  The worker goes on meanwhile.  A
 * session freed first answers the reply subject with an error. */
typedef void icefull_gathered_h(struct msess *s, json_t *req,
				const char *reply);
bool icefull_gathering(const struct msess *s);
void icefull_defer(struct msess *s, const json_t *req, const char *reply,
		   icefull_gathered_h *done);
/* Before the leg's sockets are closed (the selected pair's socket is
 * libnice's, not ours). */
void icefull_leg_free(struct msess *s);

/* Session-level "a=ice-lite\r\n" in lite mode, "" in full mode. */
const char *icefull_lite_attr(const struct msess *s);

/* Our candidate lines in an SDP: lite mode the one host candidate, full
 * mode those gathered; then a=end-of-candidates.  offer: our SDP offers
 * (the first offer of a session makes us controlling, RFC 8445 6.1.1). */
void icefull_write_cands(struct msess *s, GString *g, bool offer);

/* The peer's ICE description from its SDP: credentials, candidates, and
 * whether it will trickle more.  restart: new credentials (mneg has set
 * ours already).  Lite mode: 0 at once.  0, or an errno with why set. */
int icefull_remote(struct msess *s, const struct sdp_media *m, bool restart,
		   char *why, size_t whylen);

/* media_stats' "ice": {mode, trickled} and in full mode the component's
 * state and the selected pair's remote address. */
json_t *icefull_stats(const struct msess *s);

/* media_candidate: one trickled candidate ("candidate" field) or the end
 * of them ("end_of_candidates": true).  Returns the reply (media_ok or
 * error), counted in the metrics. */
json_t *icefull_trickle(struct msess *s, const json_t *req);

#endif
