/* b2b_cfg: the b2bua's settings (the README table lists them too). */
#include "b2b.h"

#include <stddef.h>

#define B(f) offsetof(struct b2b_cfg, f)

const struct cfg_row b2b_cfg_rows[] = {
	{ "RTCGATE_SIP_PORT", CFG_INT, "5060", 1, 65535, NULL, B(sip_port),
	  "SIP side, UDP and TCP" },
	{ "RTCGATE_SIP_IP", CFG_STR, "127.0.0.1", 0, 0, NULL, B(sip_ip),
	  "address the SIP side binds to and puts in Via/Contact" },
	{ "RTCGATE_SIP_TLS_CERT", CFG_STR, NULL, 0, 0, NULL, B(tls_cert),
	  "PEM certificate (chain) of the SIP side's TLS listener; with "
	  "RTCGATE_SIP_TLS_KEY it turns SIP over TLS on" },
	{ "RTCGATE_SIP_TLS_KEY", CFG_STR, NULL, 0, 0, NULL, B(tls_key),
	  "PEM private key (unencrypted) of RTCGATE_SIP_TLS_CERT" },
	{ "RTCGATE_SIP_TLS_PORT", CFG_INT, "5061", 1, 65535, NULL,
	  B(tls_port), "SIP over TLS port (with a certificate)" },
	{ "RTCGATE_SIP_TLS_MAX_CONN", CFG_INT, "2048", 1, 1000000, NULL,
	  B(tls_max_conn), "SIP over TLS connections at most; more are "
	  "closed at once" },
	{ "RTCGATE_SIP_TLS_MAX_PER_IP", CFG_INT, "64", 1, 1000000, NULL,
	  B(tls_max_per_ip), "SIP over TLS connections at most from one "
	  "address" },
	{ "RTCGATE_SIP_TLS_HANDSHAKE_TIMEOUT", CFG_INT, "10", 1, 600, NULL,
	  B(tls_handshake_s), "seconds a SIP over TLS client has to finish "
	  "its handshake" },
	{ "RTCGATE_SIP_TLS_IDLE", CFG_INT, "900", 1, 86400, NULL,
	  B(tls_idle_s), "seconds a SIP over TLS connection may carry nothing "
	  "either way (keep-alives count) before it is closed" },
	{ "RTCGATE_SIP_T1", CFG_INT, "500", 10, 10000, NULL, B(sip_t1_ms),
	  "SIP timer T1 (RTT estimate), ms; retransmissions and transaction "
	  "timeouts (64*T1) follow it" },
	{ "RTCGATE_SIP_OUTBOUND", CFG_STR, NULL, 0, 0, NULL, B(outbound),
	  "where browser calls go when no route matches (URI template)" },
	{ "RTCGATE_ROUTES", CFG_STR, NULL, 0, 0, NULL, B(routes_path),
	  "dial plan file (see README)" },
	{ "RTCGATE_CLICK2CALL", CFG_STR, NULL, 0, 0, NULL, B(click2call),
	  "targets callable without an account (comma-separated patterns)" },
	{ "RTCGATE_CLICK2CALL_RATE", CFG_INT, "6", 1, 60000, NULL, B(c2c_rate),
	  "click-to-call calls per minute per client address" },
	{ "RTCGATE_CLICK2CALL_BURST", CFG_INT, "3", 1, 10000, NULL,
	  B(c2c_burst), "click-to-call burst per client address" },
	{ "RTCGATE_MAX_CALLS", CFG_INT, "2000", 1, 1000000, NULL, B(max_calls),
	  "calls per b2bua; more get 503 with Retry-After" },
	{ "RTCGATE_RING_TIMEOUT", CFG_INT, "60", 1, 3600, NULL,
	  B(ring_timeout_s), "seconds a browser may ring before 408" },
	{ "RTCGATE_FLOW_GRACE", CFG_INT, "30", 0, 3600, NULL, B(flow_grace_s),
	  "seconds a call waits for a browser whose WebSocket dropped" },
	{ "RTCGATE_SESSION_TIMER", CFG_INT, "1800", 0, 86400, NULL,
	  B(session_timer_s), "SIP-side session timer, seconds (RFC 4028; "
	  "0: off, else at least 90)" },
	{ "RTCGATE_DTMF_SIP", CFG_STR, "rfc4733", 0, 0, NULL, B(dtmf_sip),
	  "DTMF toward the SIP side: rfc4733 (telephone-event through mediad "
	  "when negotiated, else INFO) or info (INFO relayed)" },
	{ "RTCGATE_DOMAIN", CFG_STR, NULL, 0, 0, NULL, B(domain),
	  "SIP domain of browser users (default: the host name)" },
	{ "RTCGATE_CDR_FILE", CFG_STR, NULL, 0, 0, NULL, B(cdr_path),
	  "file call detail records are appended to (JSON lines)" },
	{ "RTCGATE_MEDIA_REQUEST_MS", CFG_INT, "2000", 100, 60000, NULL,
	  B(media_timeout_ms), "deadline of one request to mediad" },
};

const size_t b2b_cfg_nrows = CFG_ROWS(b2b_cfg_rows);

/* The service's one instance (outside main.c so unit tests link). */
struct b2b b2b;
