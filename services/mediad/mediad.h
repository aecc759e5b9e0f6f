/* mediad: the media node.  Shared types of the service: settings, the
 * node, its workers, and a media session with its two legs.
 *
 * Threads: the bus (NATS) threads parse SDP, allocate ports and build the
 * answer; a session is then handed to one worker (an epoll loop) that owns
 * it, its sockets and its packet path for the rest of its life.  Commands
 * for a session (answer, delete, stats) reach its worker through the
 * worker's hand-off queue; the packet path takes no locks. */
#ifndef RTCGATE_MEDIAD_H
#define RTCGATE_MEDIAD_H

#include "cfg.h"
#include "handoff.h"
#include "rtp.h"
#include "svc.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum mcodec_policy { MPOLICY_RELAY_FIRST, MPOLICY_OPUS_WEB };
enum mice_mode { MICE_LITE, MICE_FULL };	/* RTCGATE_ICE_MODE */

struct mcfg {
	char *media_ip;			/* advertised in SDP and candidates */
	char *bind_ip;			/* sockets bind here */
	struct cfg_range ports;
	long workers;
	long max_sessions;
	long max_transcode;
	long media_timeout_s;
	int codec_policy;		/* enum mcodec_policy */
	int ice_mode;			/* enum mice_mode */
	char *stun_server;		/* full mode: host:port, or NULL */
	long opus_complexity;
	long heartbeat_ms;
	long drain_grace_s;		/* SIGTERM: seconds to wait for calls */
	int srtp_backend;		/* 0 openssl, 1 libsrtp (srtpx.c) */
	int sip_srtp;			/* enum msdes_policy: our SIP offers */
};

extern const struct cfg_row mcfg_rows[];
extern const size_t mcfg_nrows;

/* Counters in /metrics and health; the packet path only adds to them. */
enum {
	MM_UP, MM_SESSIONS, MM_TRANSCODED, MM_CREATED, MM_REFUSED,
	MM_DELETED, MM_PKT_IN, MM_PKT_OUT, MM_DROP_SOURCE, MM_DROP_BAD,
	MM_STUN_OK, MM_STUN_UNAUTH, MM_STUN_BAD, MM_DTLS_OK, MM_DTLS_FAIL,
	MM_SRTP_AUTH, MM_SRTP_REPLAY, MM_SRTP_OTHER, MM_TIMEOUTS,
	MM_BUS_BAD, MM_SDP_BAD, MM_PORTS_FREE, MM_DTMF,
	MM_DROP_HOLD, MM_DTMF_SENT, MM_UPDATES, MM_DRAINING,
	MM_RTCP_IN, MM_RTCP_OUT, MM_RTCP_DROP,
	MM_ICE_FAILED, MM_CAND_IN, MM_CAND_REFUSED,
	MM_VIDEO_PKT_IN, MM_VIDEO_PKT_OUT, MM_VIDEO_BYTES_IN, MM_VIDEO_BYTES_OUT,
	MM_DROP_DEMUX,
	MM_SRTP_PROTECT_FAIL, MM_RTCP_BYE,
	MM__COUNT
};

struct mport_pool;
struct mworker;
struct dtls_ctx;

struct mediad {
	struct svc svc;
	struct mcfg cfg;
	struct mport_pool *ports;
	struct mworker **workers;
	size_t nworkers;
	struct dtls_ctx *dtls;
	char fingerprint[128];		/* "sha-256 AB:CD:..." for SDP */
	_Atomic int draining;		/* no new sessions */
	_Atomic int nsessions, ntranscode;	/* node-wide, for admission */
};

/* ---- the bus (mbus.c) ---- */
int mbus_start(struct mediad *md);
int mbus_heartbeat(void *md);	/* a GSourceFunc */
/* ---- draining (mdrain.c, on the main loop) ---- */
struct _GMainLoop;
void mdrain_init(struct mediad *md, struct _GMainLoop *loop);
/* SIGTERM: the first drains, a second quits. */
void mdrain_on_term(void);
void mdrain_quit(void);
/* Start draining from any thread (media_drain). */
void mdrain_request(void);

/* ---- port pool (mport.c) ---- */
int mport_pool_new(struct mport_pool **pp, int lo, int hi);
void mport_pool_free(struct mport_pool *p);
/* Bind a UDP socket on an even port of the range (and, when pair, the
 * odd port above it too).  Returns 0 and the fds, or EADDRINUSE when the
 * range is exhausted. */
int mport_open(struct mport_pool *p, const char *ip, bool pair, int *fd,
	       int *fd2, uint16_t *port);
void mport_close(struct mport_pool *p, uint16_t port, int fd, int fd2);
size_t mport_free_count(const struct mport_pool *p);

#endif
