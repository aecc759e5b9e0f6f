/* echo_rtp: one call's media: an RTP socket from RTCGATE_ECHO_MEDIA_PORTS,
 * the greeting tone, then the caller's packets sent back.
 *
 * Packets leave with our own SSRC, a sequence number that runs on from the
 * tone into the echo, and timestamps on one clock (a pause between the
 * tone and the caller's first packet shows as a gap in whole frames, with
 * the marker bit set, as after a silence).  Symmetric RTP:
 * until a packet arrives we send to the address in the peer's SDP; the
 * first well-formed packet of the negotiated payload type latches its
 * source, packets from anywhere else are dropped after that, and we send
 * to it.  Oversized and malformed packets are dropped and counted.
 * Everything runs on the loop thread.
 */
#ifndef RTCGATE_ECHO_RTP_H
#define RTCGATE_ECHO_RTP_H

#include "echo_sdp.h"

struct echo_rtp;

/* No RTP for the configured time. */
typedef void (echo_rtp_timeout_h)(void *arg);

struct echo_rtp_opts {
	const char *log_id;		/* copied; a Call-ID for log lines */
	long tone_ms;			/* 0: no tone */
	long timeout_s;
	echo_rtp_timeout_h *timeout_h;
	void *arg;
};

/* Binds the next free even port.  EADDRINUSE when the range is full. */
int echo_rtp_alloc(struct echo_rtp **rp, const struct echo_rtp_opts *o);
unsigned echo_rtp_port(const struct echo_rtp *r);
/* Start (first call: the tone begins) or change (re-INVITE) the media. */
void echo_rtp_set_media(struct echo_rtp *r, const struct echo_media *m);
void echo_rtp_free(struct echo_rtp *r);

#endif
