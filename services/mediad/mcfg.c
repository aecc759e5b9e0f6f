/* mcfg: mediad's settings (the README table lists them too). */
#include "mediad.h"

#include <stddef.h>

#define M(f) offsetof(struct mcfg, f)

const struct cfg_row mcfg_rows[] = {
	{ "RTCGATE_MEDIA_IP", CFG_STR, NULL, 0, 0, NULL, M(media_ip),
	  "address advertised in SDP and ICE candidates (default: the first "
	  "non-loopback address, else 127.0.0.1)" },
	{ "RTCGATE_MEDIA_BIND", CFG_STR, NULL, 0, 0, NULL, M(bind_ip),
	  "address media sockets bind to (default: RTCGATE_MEDIA_IP)" },
	{ "RTCGATE_MEDIA_PORTS", CFG_PORTRANGE, "20000-29999", 1024, 65535,
	  NULL, M(ports), "UDP port range of this node" },
	{ "RTCGATE_MEDIA_WORKERS", CFG_INT, "0", 0, 64, NULL, M(workers),
	  "packet worker threads (0: one per core)" },
	{ "RTCGATE_MAX_CALLS", CFG_INT, "4000", 1, 100000, NULL,
	  M(max_sessions), "media sessions on this node" },
	{ "RTCGATE_MAX_TRANSCODE", CFG_INT, "200", 0, 100000, NULL,
	  M(max_transcode), "of which transcoded (Opus <-> G.711)" },
	{ "RTCGATE_MEDIA_TIMEOUT", CFG_INT, "30", 2, 3600, NULL,
	  M(media_timeout_s), "seconds without packets before a media timeout" },
	{ "RTCGATE_CODEC_POLICY", CFG_ENUM, "relay-first", 0, 0,
	  "relay-first|opus-web", M(codec_policy),
	  "relay-first: a codec both legs share; opus-web: Opus toward browsers" },
	{ "RTCGATE_ICE_MODE", CFG_ENUM, "lite", 0, 0, "lite|full", M(ice_mode),
	  "lite: ICE-lite on a reachable address; full: full ICE (libnice) "
	  "for a node behind NAT" },
	{ "RTCGATE_STUN_SERVER", CFG_STR, NULL, 0, 0, NULL, M(stun_server),
	  "full ICE mode: STUN server host:port for a server-reflexive "
	  "candidate (default: none, host candidates only)" },
	{ "RTCGATE_OPUS_COMPLEXITY", CFG_INT, "1", 0, 10, NULL,
	  M(opus_complexity), "Opus encoder complexity when transcoding" },
	/* read by srtpx_global_init itself (it also serves rtcgate-peer);
	 * the row validates the value and lists it with the others */
	{ "RTCGATE_SRTP_BACKEND", CFG_ENUM, "openssl", 0, 0,
	  "openssl|libsrtp", M(srtp_backend),
	  "SRTP primitives: openssl (libcrypto) or libsrtp (its own; NSS on "
	  "Debian, whose cost grows with the number of calls)" },
	/* the order of enum msdes_policy */
	{ "RTCGATE_SIP_SRTP", CFG_ENUM, "off", 0, 0,
	  "off|optional|mandatory", M(sip_srtp),
	  "SDES-SRTP in our offers to the SIP side: off (RTP/AVP), optional "
	  "(RTP/AVP with a=crypto: the answer decides) or mandatory "
	  "(RTP/SAVP; an answer without SRTP fails the call)" },
	{ "RTCGATE_MEDIA_HEARTBEAT_MS", CFG_INT, "1000", 100, 60000, NULL,
	  M(heartbeat_ms), "interval of the load heartbeat on the bus" },
	{ "RTCGATE_MEDIA_DRAIN_GRACE", CFG_INT, "30", 0, 86400, NULL,
	  M(drain_grace_s), "after SIGTERM: seconds existing calls may go on "
	  "(no new ones) before they are ended; 0: exit at once" },
};

const size_t mcfg_nrows = CFG_ROWS(mcfg_rows);
