/* reg_store: bindings in a NATS JetStream Key-Value bucket.
 *
 * Every change is a compare-and-set (read, change, kvStore_Update with the
 * revision read; retry on conflict), so replicas updating the same AoR
 * never lose a binding.  Keys are never deleted (a delete could race with
 * a replica adding a binding): an empty list is written instead, and the
 * bucket's max age removes keys nobody refreshed.  These calls block for a
 * bus round trip: they run on the registrar's worker threads, never on a
 * loop thread.
 */
#ifndef RTCGATE_REG_STORE_H
#define RTCGATE_REG_STORE_H

#include <jansson.h>
#include <nats/nats.h>

struct reg_store;

struct reg_store_opts {
	const char *bucket;
	int64_t max_age_s;	/* backstop expiry of untouched keys */
	int replicas;
};

int reg_store_open(struct reg_store **sp, natsConnection *nc,
		   const struct reg_store_opts *o);
void reg_store_close(struct reg_store *s);

/* Change the value of key: fn gets the current value (an empty array when
 * the key does not exist) and returns 0 to write it, ENODATA to leave the
 * key as it is, or an error to abort.  On success *out (if not NULL) is a
 * new reference to the value as written. */
typedef int (reg_store_fn)(json_t *value, void *arg);
int reg_store_update(struct reg_store *s, const char *key, reg_store_fn *fn,
		     void *arg, json_t **out);
/* Current value of key (an empty array when absent); new reference. */
int reg_store_get(struct reg_store *s, const char *key, json_t **out);
/* Every key with the given prefix; free with g_strfreev(). */
int reg_store_keys(struct reg_store *s, const char *prefix, char ***keys);

#endif
