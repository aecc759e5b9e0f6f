/* wsgw_admin: internals shared by wsgw_admin.c (HTTP, authentication,
 * requests waiting on the bus) and wsgw_admin_data.c (what the bus tells
 * us: media nodes, CDRs, answers of the registrar and the b2buas).
 * Everything here runs on the lws thread unless marked. */
#ifndef RTCGATE_WSGW_ADMIN_H
#define RTCGATE_WSGW_ADMIN_H

#include "wsgw.h"

#include <jansson.h>
#include <stdint.h>

enum {
	WSGW_ADMIN_CDRS = 100,		/* CDRs kept (a ring) */
	WSGW_ADMIN_MAX_LIST = 500,	/* rows in one answer */
	WSGW_ADMIN_MAX_NODES = 200,
	WSGW_ADMIN_MAX_STR = 1024,	/* longer strings from the bus: null */
	WSGW_ADMIN_MAX_MSG = 16384,	/* a heartbeat or CDR larger: dropped */
	WSGW_ADMIN_NODE_STALE_US = 5000000,
};

/* What an HTTP request waits for. */
enum wsgw_admin_what { WA_REGS, WA_CALLS };

struct wsgw_admin_wait {
	struct wsgw *g;
	uint64_t seq;
	struct lws *wsi;
	enum wsgw_admin_what what;
	json_t *got;		/* the answers so far (array) */
	int expected;		/* b2bua instances known to be alive */
	int done;		/* no responders: answer with what we have */
	lws_sorted_usec_list_t sul;	/* the deadline */
};

struct wsgw_admin_node {
	json_t *beat;		/* the last heartbeat, cleaned */
	int64_t seen_us;
};

struct wsgw_admin {
	unsigned char user_hash[32], pw_hash[32];
	GHashTable *fails;	/* client ip -> struct wsgw_admin_fail */
	GHashTable *waits;	/* &seq -> struct wsgw_admin_wait */
	uint64_t next_seq;
	GHashTable *nodes;	/* node id -> struct wsgw_admin_node */
	json_t *cdrs[WSGW_ADMIN_CDRS];
	size_t cdr_next;
	char inbox[128];	/* "_INBOX.<edge>.adm"; replies to .<seq> */
};

/* A field to copy from a bus message into an answer. */
struct wsgw_admin_field {
	const char *name;
	json_type type;		/* JSON_STRING, JSON_INTEGER, JSON_REAL (any
				 * number), JSON_TRUE (a boolean) */
};

/* wsgw_admin_data.c */
int wsgw_admin_bus_start(struct wsgw *g);
/* A new object with the fields of src that have the right type (others
 * null); NULL when src is not an object. */
json_t *wsgw_admin_pick(const json_t *src, const struct wsgw_admin_field *f,
			size_t n);
json_t *wsgw_admin_nodes_json(struct wsgw *g);
json_t *wsgw_admin_cdrs_json(struct wsgw *g);
/* Ask the bus; answers reach wsgw_admin_answer().  0 or an errno. */
int wsgw_admin_ask(struct wsgw *g, struct wsgw_admin_wait *w);
json_t *wsgw_admin_regs_json(struct wsgw *g, const json_t *got);
json_t *wsgw_admin_calls_json(struct wsgw *g, const json_t *got,
			      int expected);
void wsgw_admin_node_free(gpointer p);

/* wsgw_admin.c: an answer (reply NULL: "no responders") for seq. */
void wsgw_admin_answer(struct wsgw *g, uint64_t seq, json_t *reply);

#endif
