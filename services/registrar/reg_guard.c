/* reg_guard: counts failed authentications per user and per client
 * address within a window (brute force is slowed to a 403), and remembers
 * the highest nonce-count seen for each nonce (replays are refused).
 * Memory is bounded: old entries go in reg_guard_sweep(), and when the
 * failure table is full, keys it does not hold share one overflow counter:
 * a flood from many addresses then locks out untracked keys together
 * (fails closed for them) instead of letting them guess without limit. */
#include "reg.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>

enum { REG_GUARD_MAX = 200000 };

struct reg_count {
	long n;
	int64_t since;
};

struct reg_guard {
	pthread_mutex_t lock;
	GHashTable *fails;	/* key -> struct reg_count */
	GHashTable *ncs;	/* nonce -> struct reg_count (n = nc) */
	struct reg_count overflow;	/* keys the full table cannot hold */
};

int reg_guard_new(struct reg_guard **gp)
{
	struct reg_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	g->fails = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g->ncs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	*gp = g;
	return 0;
}

void reg_guard_free(struct reg_guard *g)
{
	if (!g)
		return;
	g_hash_table_destroy(g->fails);
	g_hash_table_destroy(g->ncs);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int reg_guard_locked(struct reg_guard *g, const char *key, long max,
		     int64_t window_s, int64_t now)
{
	pthread_mutex_lock(&g->lock);
	struct reg_count *c = g_hash_table_lookup(g->fails, key);
	if (!c && g_hash_table_size(g->fails) >= REG_GUARD_MAX)
		c = &g->overflow;
	int locked = c && now - c->since < window_s && c->n >= max;
	pthread_mutex_unlock(&g->lock);
	return locked;
}

long reg_guard_fail(struct reg_guard *g, const char *key, int64_t window_s,
		    int64_t now)
{
	long n = 1;

	pthread_mutex_lock(&g->lock);
	struct reg_count *c = g_hash_table_lookup(g->fails, key);
	if (!c && g_hash_table_size(g->fails) >= REG_GUARD_MAX)
		c = &g->overflow;
	if (c && now - c->since < window_s) {
		n = ++c->n;
	} else if (c) {
		c->n = 1;
		c->since = now;
	} else {
		c = g_new(struct reg_count, 1);
		c->n = 1;
		c->since = now;
		g_hash_table_insert(g->fails, g_strdup(key), c);
	}
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t reg_guard_size(struct reg_guard *g)
{
	pthread_mutex_lock(&g->lock);
	size_t n = g_hash_table_size(g->fails);
	pthread_mutex_unlock(&g->lock);
	return n;
}

void reg_guard_forget(struct reg_guard *g, const char *key)
{
	pthread_mutex_lock(&g->lock);
	g_hash_table_remove(g->fails, key);
	pthread_mutex_unlock(&g->lock);
}

int reg_guard_nc(struct reg_guard *g, const char *nonce, unsigned long nc,
		 int64_t now)
{
	int e = 0;

	pthread_mutex_lock(&g->lock);
	struct reg_count *c = g_hash_table_lookup(g->ncs, nonce);
	if (c && (unsigned long)c->n >= nc) {
		e = EALREADY;
	} else if (c) {
		c->n = (long)nc;
	} else if (g_hash_table_size(g->ncs) < REG_GUARD_MAX) {
		c = g_new(struct reg_count, 1);
		c->n = (long)nc;
		c->since = now;
		g_hash_table_insert(g->ncs, g_strdup(nonce), c);
	} else {
		e = EBUSY;	/* cannot track it: make the client re-auth */
	}
	pthread_mutex_unlock(&g->lock);
	return e;
}

static gboolean reg_guard_old(gpointer k, gpointer v, gpointer arg)
{
	const int64_t *lim = arg;

	return ((struct reg_count *)v)->since < *lim;
}

void reg_guard_sweep(struct reg_guard *g, int64_t now, int64_t max_age_s)
{
	int64_t lim = now - max_age_s;

	pthread_mutex_lock(&g->lock);
	g_hash_table_foreach_remove(g->fails, reg_guard_old, &lim);
	g_hash_table_foreach_remove(g->ncs, reg_guard_old, &lim);
	pthread_mutex_unlock(&g->lock);
}
