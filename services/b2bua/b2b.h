/* b2bua: shared types.  One GLib loop owns everything: calls, the
 * sofia-sip NUA (through su_glib) on the SIP side, and the browser side,
 * whose SIP messages arrive from wsgw over the bus and are handed into the
 * loop.  Requests to mediad and the registrar are asynchronous (busreq). */
#ifndef RTCGATE_B2B_H
#define RTCGATE_B2B_H

#include "busreq.h"
#include "c2c.h"
#include "cdr.h"
#include "route.h"
#include "svc.h"
#include "svc_loop.h"
#include "tlsfront.h"

#include <glib.h>
#include <jansson.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/su_glib.h>

struct b2b_cfg {
	long sip_port;
	char *sip_ip;		/* address in our SIP Contact/Via */
	char *tls_cert, *tls_key;	/* PEM files: SIP over TLS when set */
	long tls_port;
	long tls_max_conn, tls_max_per_ip;	/* the TLS front end's caps */
	long tls_handshake_s, tls_idle_s;	/* and its deadlines */
	long sip_t1_ms;		/* RFC 3261 T1; 64*T1 ends transactions */
	char *outbound;		/* RTCGATE_SIP_OUTBOUND template */
	char *routes_path;
	char *click2call;
	long c2c_rate, c2c_burst;
	long max_calls;
	long ring_timeout_s;
	long flow_grace_s;
	long session_timer_s;
	char *dtmf_sip;		/* "rfc4733" or "info" */
	char *domain;
	char *cdr_path;
	long media_timeout_ms;	/* one bus request to mediad */
};

extern const struct cfg_row b2b_cfg_rows[];
extern const size_t b2b_cfg_nrows;

enum {
	BM_UP, BM_CALLS, BM_ATTEMPTS, BM_ANSWERED, BM_FAILED, BM_REJECTED,
	BM_WEB_IN, BM_WEB_BAD, BM_SIP_IN, BM_MEDIA_ERR, BM_BUS_BAD,
	BM_TLS,			/* the TLS front end's, enum tlsf_metric */
	BM__COUNT = BM_TLS + TLSF_M__COUNT
};

/* A media node as its heartbeats describe it. */
struct b2b_node {
	char id[SVC_ID_MAX];
	int sessions, max_sessions;
	double cpu;
	bool draining;
	gint64 seen_us;		/* monotonic time of the last heartbeat */
	gint64 suspect_until_us;	/* it failed a request: not before */
};

struct b2b {
	struct svc svc;
	struct b2b_cfg cfg;
	struct svc_loop loop;
	su_root_t *root;
	nua_t *nua;
	struct busreq *req;
	struct route_table *routes;
	struct c2c *c2c;
	struct cdr_writer *cdr;
	GHashTable *calls;	/* our call id -> struct call */
	GHashTable *by_web;	/* browser Call-ID -> struct call */
	GHashTable *nodes;	/* media node id -> struct b2b_node */
	char contact[256];	/* our Contact toward SIP peers */
	char contact_tls[256];	/* the same over TLS: ;transport=tls */
	char contact_sips[256];	/* and for sips: dialogs */
	char *tls_dir;		/* sofia's certificate directory */
	struct tlsf *tlsf;	/* inbound SIP over TLS (tlsfront.h) */
	bool sip_down;		/* NUA finished its shutdown */
	unsigned long seq;
};

extern struct b2b b2b;

/* b2b_bus.c */
void b2b_bus_to_loop(natsMsg *msg, const char *kind, handoff_h *fn);

/* b2b_admin.c: this instance's calls for the operator API */
int b2b_admin_start(void);

/* b2b_flow.c: lost WebSockets and reconnections */
int b2b_flow_start(void);

/* b2b_tlsfd.c: NUA's TLS listeners on port, taken for tlsfront: at most
 * max in fds (owned), *n of them */
int b2b_tlsfd_take(int port, int *fds, int max, int *n);

/* b2b_nodes.c: media nodes from heartbeats */
void b2b_nodes_init(void);
const char *b2b_nodes_pick(void);
void b2b_nodes_reap(gint64 now_us, GSList **lost);
void b2b_nodes_suspect(const char *id);

#endif
