/* reg_store: see reg_store.h */
#include "reg_store.h"
#include "bus.h"
#include "log.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

enum { REG_STORE_TRIES = 10 };

struct reg_store {
	jsCtx *js;
	kvStore *kv;
};

int reg_store_open(struct reg_store **sp, natsConnection *nc,
		   const struct reg_store_opts *o)
{
	struct reg_store *s = calloc(1, sizeof(*s));
	kvConfig kc;
	natsStatus st;

	if (!s)
		return ENOMEM;
	st = natsConnection_JetStream(&s->js, nc, NULL);
	if (st == NATS_OK)
		st = js_KeyValue(&s->kv, s->js, o->bucket);
	if (st == NATS_NOT_FOUND) {
		kvConfig_Init(&kc);
		kc.Bucket = o->bucket;
		kc.Description = "rtcgate registrations";
		kc.History = 1;
		kc.TTL = o->max_age_s * (int64_t)1000000000;
		kc.StorageType = js_FileStorage;
		kc.Replicas = o->replicas;
		st = js_CreateKeyValue(&s->kv, s->js, &kc);
		if (st != NATS_OK)	/* another replica made it meanwhile */
			st = js_KeyValue(&s->kv, s->js, o->bucket);
	}
	if (st != NATS_OK) {
		LOG_ERROR("store", "KV bucket %s: %s (%s); is JetStream on?",
			  o->bucket, natsStatus_GetText(st),
			  nats_GetLastError(NULL));
		reg_store_close(s);
		return bus_errno(st) ? bus_errno(st) : EIO;
	}
	*sp = s;
	return 0;
}

void reg_store_close(struct reg_store *s)
{
	if (!s)
		return;
	kvStore_Destroy(s->kv);
	jsCtx_Destroy(s->js);
	free(s);
}

/* Read key; *rev is 0 when the key does not exist (or was purged). */
static int reg_store_read(struct reg_store *s, const char *key, json_t **val,
			  uint64_t *rev)
{
	kvEntry *e = NULL;
	natsStatus st = kvStore_Get(&e, s->kv, key);

	*rev = 0;
	if (st == NATS_NOT_FOUND) {
		*val = json_array();
		return 0;
	}
	if (st != NATS_OK)
		return bus_errno(st) ? bus_errno(st) : EIO;
	*rev = kvEntry_Revision(e);
	*val = json_loadb(kvEntry_Value(e), (size_t)kvEntry_ValueLen(e), 0,
			  NULL);
	kvEntry_Destroy(e);
	if (!json_is_array(*val)) {	/* unreadable: start afresh */
		LOG_WARN("store", "%s: unreadable value replaced", key);
		json_decref(*val);
		*val = json_array();
	}
	return 0;
}

int reg_store_get(struct reg_store *s, const char *key, json_t **out)
{
	uint64_t rev;

	return reg_store_read(s, key, out, &rev);
}

static int reg_store_write(struct reg_store *s, const char *key,
			   const json_t *val, uint64_t rev)
{
	char *text = json_dumps(val, JSON_COMPACT);
	uint64_t nrev;
	natsStatus st;

	if (!text)
		return ENOMEM;
	if (rev)
		st = kvStore_Update(&nrev, s->kv, key, text, (int)strlen(text),
				    rev);
	else
		st = kvStore_Create(&nrev, s->kv, key, text, (int)strlen(text));
	free(text);
	if (st == NATS_OK)
		return 0;
	/* A wrong last sequence (someone wrote first) is the usual reason. */
	return EAGAIN;
}

int reg_store_update(struct reg_store *s, const char *key, reg_store_fn *fn,
		     void *arg, json_t **out)
{
	for (int i = 0; i < REG_STORE_TRIES; i++) {
		json_t *val;
		uint64_t rev;
		int e = reg_store_read(s, key, &val, &rev);

		if (e)
			return e;
		e = fn(val, arg);
		if (!e)
			e = reg_store_write(s, key, val, rev);
		if (e == ENODATA)
			e = 0;
		if (e == EAGAIN) {
			json_decref(val);
			continue;
		}
		if (!e && out)
			*out = val;
		else
			json_decref(val);
		return e;
	}
	LOG_WARN("store", "%s: gave up after %d conflicting updates", key,
		 REG_STORE_TRIES);
	return EBUSY;
}

int reg_store_keys(struct reg_store *s, const char *prefix, char ***keys)
{
	kvKeysList list = { 0 };
	natsStatus st = kvStore_Keys(&list, s->kv, NULL);
	GPtrArray *a = g_ptr_array_new();
	size_t plen = strlen(prefix);

	if (st != NATS_OK && st != NATS_NOT_FOUND) {
		g_ptr_array_free(a, TRUE);
		return bus_errno(st) ? bus_errno(st) : EIO;
	}
	for (int i = 0; i < list.Count; i++)
		if (!strncmp(list.Keys[i], prefix, plen))
			g_ptr_array_add(a, g_strdup(list.Keys[i]));
	g_ptr_array_add(a, NULL);
	kvKeysList_Destroy(&list);
	*keys = (char **)g_ptr_array_free(a, FALSE);
	return 0;
}
