/* reg_cfg: the registrar's settings (README lists them). */
#include "reg.h"

#include <stddef.h>

#define R(f) offsetof(struct reg_cfg, f)

const struct cfg_row reg_cfg_rows[] = {
	{ "RTCGATE_USERS", CFG_STR, "config/users.conf", 0, 0, NULL,
	  R(users_path), "users file: `username password` or `username realm ha1`" },
	{ "RTCGATE_DOMAIN", CFG_STR, NULL, 0, 0, NULL, R(domain),
	  "SIP domain (realm) registrations belong to; default the host name" },
	{ "RTCGATE_NONCE_SECRET", CFG_SECRET, NULL, 0, 0, NULL,
	  R(nonce_secret), "secret shared by registrar replicas to sign nonces" },
	{ "RTCGATE_NONCE_TTL", CFG_INT, "300", 10, 86400, NULL, R(nonce_ttl),
	  "seconds a nonce is good for (then stale=true)" },
	{ "RTCGATE_REG_MIN_EXPIRES", CFG_INT, "60", 1, 86400, NULL,
	  R(min_expires), "shortest registration (423 below it)" },
	{ "RTCGATE_REG_MAX_EXPIRES", CFG_INT, "3600", 1, 604800, NULL,
	  R(max_expires), "longest registration (longer is shortened)" },
	{ "RTCGATE_REG_DEFAULT_EXPIRES", CFG_INT, "600", 1, 604800, NULL,
	  R(default_expires), "registration time when none is asked" },
	{ "RTCGATE_REG_MAX_CONTACTS", CFG_INT, "10", 1, 1000, NULL,
	  R(max_contacts), "bindings per user (browser tabs, devices)" },
	{ "RTCGATE_AUTH_MAX_FAILURES", CFG_INT, "5", 1, 100000, NULL,
	  R(max_failures), "wrong passwords for one user before 403" },
	{ "RTCGATE_AUTH_MAX_FAILURES_IP", CFG_INT, "50", 1, 1000000, NULL,
	  R(max_failures_ip), "wrong passwords from one address before 403 "
	  "(higher: many agents share one NAT address)" },
	{ "RTCGATE_AUTH_WINDOW", CFG_INT, "300", 1, 86400, NULL,
	  R(failure_window), "seconds over which failures are counted" },
	{ "RTCGATE_REG_WORKERS", CFG_INT, "4", 1, 64, NULL, R(workers),
	  "REGISTERs handled in parallel" },
	{ "RTCGATE_KV_BUCKET", CFG_STR, "rtcgate_bindings", 0, 0, NULL,
	  R(bucket), "JetStream KV bucket of the bindings" },
	{ "RTCGATE_KV_REPLICAS", CFG_INT, "1", 1, 5, NULL, R(kv_replicas),
	  "replicas of the bucket (3 in a NATS cluster)" },
	{ "RTCGATE_AUTH_FIRST", CFG_ENUM, "SHA-256", 0, 0, "MD5|SHA-256",
	  R(prefer_sha256), "challenge listed first; JsSIP and SIP.js read only "
	  "the last, which must then be MD5" },
	{ "RTCGATE_REG_SWEEP", CFG_INT, "5", 1, 3600, NULL, R(sweep_s),
	  "seconds between sweeps for expired bindings" },
};

const size_t reg_cfg_nrows = CFG_ROWS(reg_cfg_rows);
