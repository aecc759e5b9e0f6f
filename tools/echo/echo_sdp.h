/* echo_sdp: the offer/answer of the echo endpoint, on sofia-sip's SDP
 * parser.  No I/O: in goes SDP text, out comes the media to run and the
 * SDP to send.
 *
 * The first audio stream over RTP/AVP with PCMU, PCMA or
 * opus/48000/2 is accepted, with one codec: PCMU if offered, else PCMA,
 * else Opus (the echo sends the caller's bytes back, so a codec that needs
 * no transcoding is all it needs).  Every other stream is rejected (port 0).
 */
#ifndef RTCGATE_ECHO_SDP_H
#define RTCGATE_ECHO_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum echo_codec { ECHO_PCMU, ECHO_PCMA, ECHO_OPUS };

/* What the RTP side needs to know. */
struct echo_media {
	enum echo_codec codec;
	int pt;				/* payload type, both ways */
	struct sockaddr_storage peer;	/* c=/m= of the peer */
	socklen_t peer_len;		/* 0: none (0.0.0.0, port 0) */
	bool send;			/* we may send (peer receives) */
	bool recv;			/* the peer sends */
};

/* Our side of the session. */
struct echo_sdp_local {
	const char *ip;			/* numeric */
	int family;			/* AF_INET or AF_INET6 */
	unsigned port;			/* our RTP port */
	unsigned long long sess_id;
	unsigned long long version;	/* o= version */
};

/* Samples per 20 ms frame at the codec's RTP clock rate. */
unsigned echo_codec_frame(enum echo_codec c);
const char *echo_codec_name(enum echo_codec c);

/* Answer an offer: *m gets the media, *answer a new string (g_free).
 * EBADMSG: the offer does not parse; EPROTO: nothing we can accept. */
int echo_sdp_answer(const char *offer, size_t len,
		    const struct echo_sdp_local *l, struct echo_media *m,
		    char **answer);
/* Our offer when the INVITE had none: PCMU, PCMA, Opus; new string. */
char *echo_sdp_offer(const struct echo_sdp_local *l);
/* The peer's answer to our offer (in the ACK): same errors as above. */
int echo_sdp_accept(const char *answer, size_t len, struct echo_media *m);

#endif
