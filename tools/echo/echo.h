/* echo: the demo echo endpoint for `make run`.
 *
 * A SIP user agent (sofia-sip's NUA through su_glib) that answers every
 * INVITE, plays a short tone and then sends the caller's RTP back.  One
 * GLib loop on the main thread owns everything: NUA, the calls, their RTP
 * sockets and timers; only the health responder runs on a NATS thread,
 * and it reads nothing but the atomic counters.
 */
#ifndef RTCGATE_ECHO_H
#define RTCGATE_ECHO_H

#include "svc.h"
#include "svc_loop.h"

#include <glib.h>
#include <stdbool.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/su_glib.h>
#include <sys/socket.h>

struct echo_cfg {
	long sip_port;
	char *ip;		/* SIP and RTP bind to it; put in Contact/SDP */
	struct cfg_range media_ports;
	long max_calls;
	long tone_ms;
	long media_timeout_s;
	char *tls_cert, *tls_key;	/* PEM files: SIP over TLS when set */
	long tls_port;
};

extern const struct cfg_row echo_cfg_rows[];
extern const size_t echo_cfg_nrows;

enum {
	EM_UP, EM_CALLS, EM_ANSWERED, EM_REJECTED, EM_TIMED_OUT,
	EM_RTP_IN, EM_RTP_OUT, EM_RTP_DROPPED,
	EM__COUNT
};

/* The next media port to try; even ports only (RTP), odd ones are left
 * for the RTCP that peers may send to port + 1. */
struct echo_ports {
	long lo, hi, next;
};

struct echo {
	struct svc svc;
	struct echo_cfg cfg;
	struct svc_loop loop;
	struct sockaddr_storage addr;	/* cfg.ip, port 0 */
	socklen_t addr_len;
	struct echo_ports ports;
	su_root_t *root;
	nua_t *nua;
	GHashTable *calls;	/* set of struct echo_call * */
	char contact[160];	/* our Contact: <sip:echo@ip:port> */
	char contact_tls[200];	/* over TLS: ;transport=tls, sips: */
	char contact_sips[200];
	char *tls_dir;		/* sofia's certificate directory, until
				 * NUA has read it */
	bool sip_down;		/* NUA finished its shutdown */
};

extern struct echo echo;

/* echo_cfg.c: checks that the table alone cannot express. */
int echo_cfg_check(void);

/* echo_sip.c: NUA in the loop. */
int echo_sip_start(void);
void echo_sip_stop(void);
/* Our Contact in answer to this INVITE (TLS when it came over TLS). */
const char *echo_sip_contact(const sip_t *sip);

#endif
