/* registrar: REGISTER from browsers (over the bus from wsgw), digest
 * authentication, bindings in JetStream KV, lookups for the b2bua.
 *
 * Threads: REGISTERs are handled on NATS delivery threads, several queue
 * subscriptions in parallel, because each needs blocking KV round trips
 * (libnats has no asynchronous KV API).  The registrar keeps no call state:
 * the bindings live in KV (compare-and-set), the users table is swapped
 * whole under a lock on SIGHUP, and the brute-force guard has its own lock
 * (reg_guard).  The GLib loop on the main thread handles signals; a sweep
 * thread expires bindings.
 */
#ifndef RTCGATE_REG_H
#define RTCGATE_REG_H

#include "reg_auth.h"
#include "reg_store.h"
#include "svc.h"

#include <pthread.h>

struct reg_cfg {
	char *users_path;
	char *domain;
	char *nonce_secret;
	long nonce_ttl;
	long min_expires, max_expires, default_expires;
	long max_contacts;
	long max_failures, max_failures_ip, failure_window;
	long workers;
	char *bucket;
	long kv_replicas;
	long sweep_s;
	int prefer_sha256;
};

extern const struct cfg_row reg_cfg_rows[];
extern const size_t reg_cfg_nrows;

enum reg_metric {
	RM_REGISTERS, RM_OK, RM_CHALLENGES, RM_AUTH_FAIL, RM_LOCKOUTS,
	RM_BAD_NONCE, RM_STALE, RM_REPLAYS, RM_BAD_REQ, RM_ACTIVE,
	RM_EVENTS, RM_STORE_ERR, RM_LOOKUPS, RM_FLOWS_CLOSED, RM_BUS_BAD,
	RM_USERS, RM__COUNT
};

struct reg_guard;

struct reg {
	struct svc svc;
	struct reg_cfg cfg;
	char domain[256];
	char secret[128];
	struct reg_store *store;
	struct reg_guard *guard;
	pthread_rwlock_t users_lock;
	struct reg_users *users;	/* under users_lock */
};

/* reg_users reload (main.c): 0, or an error logged once. */
int reg_reload_users(struct reg *r);
int reg_user_cred(struct reg *r, const char *user, struct reg_cred *c);

/* reg_guard.c: brute-force and replay protection, thread-safe. */
int reg_guard_new(struct reg_guard **gp);
void reg_guard_free(struct reg_guard *g);
/* Has key (a user or an address) failed max times within window? */
int reg_guard_locked(struct reg_guard *g, const char *key, long max,
		     int64_t window_s, int64_t now);
/* Count a failure; returns the count within the window. */
long reg_guard_fail(struct reg_guard *g, const char *key, int64_t window_s,
		    int64_t now);
void reg_guard_forget(struct reg_guard *g, const char *key);
/* Keys in the failure table (for tests and health). */
size_t reg_guard_size(struct reg_guard *g);
/* nc must grow for a nonce: 0, or EALREADY for a replay. */
int reg_guard_nc(struct reg_guard *g, const char *nonce, unsigned long nc,
		 int64_t now);
void reg_guard_sweep(struct reg_guard *g, int64_t now, int64_t max_age_s);

/* reg_sip.c: one REGISTER (envelope already validated). */
void reg_sip_handle(struct reg *r, const json_t *env);
/* auth_check (a browser's INVITE, sip and src_ip): auth_result, or NULL
 * for a message that is not a sane INVITE. */
json_t *reg_sip_auth_check(struct reg *r, const json_t *req);

/* reg_flow.c: bindings of a closed WebSocket flow, lookups, the sweep. */
void reg_flow_closed(struct reg *r, const char *edge, const char *conn);
json_t *reg_flow_lookup(struct reg *r, const char *aor);
void reg_flow_sweep(struct reg *r);
int reg_flow_remember(struct reg *r, const char *edge, const char *conn,
		      const char *aor);
void reg_publish_events(struct reg *r, const char *aor, json_t *events);

int64_t reg_now(void);

/* reg_admin.c: the bindings for the operator API (rtcgate.registrar.list) */
int reg_admin_start(struct reg *r);

#endif
