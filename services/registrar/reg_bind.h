/* reg_bind: the bindings of one address of record, as the JSON array kept
 * in the KV bucket, and the pure rules that change them (RFC 3261 10.3,
 * RFC 5626 outbound, RFC 5627 instance ids).  No I/O: reg_store does that.
 *
 * A binding: {"contact","instance","reg_id","edge","conn","src","ua",
 * "call_id","cseq","expires_at","registered_at"}; times in Unix seconds.
 */
#ifndef RTCGATE_REG_BIND_H
#define RTCGATE_REG_BIND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One Contact of a REGISTER. */
struct reg_contact {
	const char *uri;	/* the contact URI, "sip:..." */
	const char *instance;	/* +sip.instance without quotes, or NULL */
	long reg_id;		/* reg-id, or -1 */
	long expires;		/* seconds granted; 0 removes */
};

/* Where the REGISTER came from: the flow its bindings are tied to. */
struct reg_flow {
	const char *edge, *conn, *src, *ua, *call_id;
	long cseq;
};

enum { REG_KEY_MAX = 300 };

/* KV key for an AoR ("user@domain"): "aor." plus the AoR with characters
 * KV keys cannot hold written as =XX.  EINVAL when too long. */
int reg_bind_key(const char *aor, char out[REG_KEY_MAX]);
/* KV key of the list of AoRs registered over one WebSocket flow. */
int reg_bind_flow_key(const char *edge, const char *conn,
		      char out[REG_KEY_MAX]);

/* Apply the contacts; events (array) gets what happened.  EALREADY when a
 * contact repeats an older CSeq of the same Call-ID (request out of order,
 * nothing changed). */
int reg_bind_apply(json_t *bindings, const struct reg_contact *cs, size_t n,
		   const struct reg_flow *flow, int64_t now, json_t *events);
/* Contact: * with Expires: 0 */
size_t reg_bind_remove_all(json_t *bindings, json_t *events);
size_t reg_bind_expire(json_t *bindings, int64_t now, json_t *events);
size_t reg_bind_remove_flow(json_t *bindings, const char *edge,
			    const char *conn, json_t *events);
/* Seconds left of a binding (0 if expired). */
long reg_bind_remaining(const json_t *b, int64_t now);

#endif
