/* tlsfront: the b2bua's SIP-over-TLS listener, terminated with OpenSSL in
 * front of sofia-sip's plain TCP transport.
 *
 * sofia-sip 1.12.11's own TLS server never closes a silent or half-done
 * connection, has no connection cap and leaks each connection's SSL, so
 * inbound TLS never reaches it: tlsfront accepts on RTCGATE_SIP_TLS_PORT,
 * does the handshake itself, and relays the plaintext over one loopback
 * TCP connection per client to sofia's TCP listener (RTCGATE_SIP_PORT),
 * with bounded buffers both ways, caps (total, per source address) and
 * deadlines (handshake, idle).  Responses going back get their top Via's
 * received/rport set to the client's real address (tlsf_via.c), since
 * sofia saw the loopback connection.
 *
 * Everything runs in one GMainContext (the b2bua's loop); no locks. */
#ifndef RTCGATE_TLSFRONT_H
#define RTCGATE_TLSFRONT_H

#include "metrics.h"

#include <glib.h>
#include <stdbool.h>

/* Metrics, at opts.mbase in the owner's table (main.c names them). */
enum tlsf_metric {
	TLSF_M_CONNS,		/* gauge: open client connections */
	TLSF_M_ACCEPTED,	/* connections taken */
	TLSF_M_REFUSED_MAX,	/* refused: RTCGATE_SIP_TLS_MAX_CONN */
	TLSF_M_REFUSED_IP,	/* refused: RTCGATE_SIP_TLS_MAX_PER_IP */
	TLSF_M_HS_FAILED,	/* handshakes that failed (garbage, alerts) */
	TLSF_M_TO_HANDSHAKE,	/* closed: handshake not done in time */
	TLSF_M_TO_IDLE,		/* closed: nothing either way for too long */
	TLSF_M_STREAM_ERR,	/* TLS errors after the handshake */
	TLSF_M_UPSTREAM_ERR,	/* sofia's TCP listener did not take us */
	TLSF_M_VIA_FIXED,	/* responses whose top Via was corrected */
	TLSF_M__COUNT
};

/* The Via parameter that tells a request came over TLS through the front
 * end (sofia sees TCP; see tlsf_via.c). */
#define TLSF_VIA_MARK "rtcgate-tls"

/* Listening sockets at most (one per local address of a wildcard). */
enum { TLSF_LISTEN_MAX = 16 };

struct tlsf_opts {
	const char *ip;			/* listen address */
	int port;
	const int *fds;			/* or these bound sockets (owned) */
	int nfds;
	const char *cert, *key;		/* PEM chain, PEM key */
	const char *up_ip;		/* sofia's TCP listener */
	int up_port;
	unsigned max_conn, max_per_ip;
	unsigned handshake_ms, idle_ms;
	GMainContext *ctx;
	struct metrics *metrics;
	size_t mbase;
};

struct tlsf;

/* Loads the certificate and key, listens.  0 or an errno (logged). */
int tlsf_new(const struct tlsf_opts *o, struct tlsf **fp);
/* Closes every connection and the listener (NULL is fine). */
void tlsf_free(struct tlsf *f);
/* Open client connections (for tests and logs). */
unsigned tlsf_count(const struct tlsf *f);

#endif
