/* c2c: click-to-call targets and the per-address rate limit (c2c.h).
 *
 * Buckets live in a chained hash table (seeded hash: the keys are chosen
 * by strangers) and on an LRU list, so both lookup and eviction are O(1).
 * Tokens are kept in 1/60000 of a call so that a refill of per_min calls
 * a minute adds exactly per_min units a millisecond: integer arithmetic,
 * no drift.
 */
#include "c2c.h"
#include "route.h"

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum {
	C2C_UNIT = 60000,	/* tokens per call: ms in a minute */
	C2C_BUCKETS_MIN = 1024,
	C2C_IP_MAX = 64,	/* longest textual address with a zone */
};

struct c2c_key {
	uint8_t fam;		/* 4 or 6 */
	uint8_t a[8];		/* IPv4 address, or IPv6 /64 prefix */
};

struct c2c_ent {
	struct c2c_key key;
	int64_t tokens;		/* in C2C_UNIT per call */
	int64_t last_ms;	/* time of the last refill */
	struct c2c_ent *prev, *next;	/* LRU: head is the most recent */
	struct c2c_ent *hnext;		/* hash chain */
};

struct c2c {
	struct route_pat **pats;
	size_t npats;
	int64_t per_min, cap;	/* cap: burst in units */
	size_t max_addrs;
	struct c2c_ent **tab;
	size_t ntab;		/* power of two */
	struct c2c_ent *head, *tail;
	uint64_t seed;
	struct c2c_stats st;
};

/* ---- targets --------------------------------------------------------- */

static int c2c_add_target(struct c2c *c, char *s, size_t idx)
{
	char why[160];
	size_t len;

	s += strspn(s, " \t");
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	if (!len) {
		LOG_ERROR("c2c", "RTCGATE_CLICK2CALL entry %zu is empty", idx);
		return EINVAL;
	}
	int e = route_pat_new(s, &c->pats[c->npats], why, sizeof(why));
	if (e == EINVAL)
		LOG_ERROR("c2c", "RTCGATE_CLICK2CALL entry %zu '%.40s': %s",
			  idx, s, why);
	if (!e)
		c->npats++;
	return e;
}

static int c2c_parse(struct c2c *c, const char *list)
{
	size_t len = list ? strnlen(list, C2C_LIST_MAX + 1) : 0, n = 1;
	char *buf, *s, *comma;
	int e = 0;

	if (len > C2C_LIST_MAX || strspn(list ? list : "", " \t") == len) {
		if (len > C2C_LIST_MAX)
			LOG_ERROR("c2c", "RTCGATE_CLICK2CALL longer than %d "
				  "bytes", C2C_LIST_MAX);
		return len > C2C_LIST_MAX ? EINVAL : 0;
	}
	for (size_t i = 0; i < len; i++)
		n += list[i] == ',';
	if (n > C2C_TARGETS_MAX) {
		LOG_ERROR("c2c", "RTCGATE_CLICK2CALL: more than %d entries",
			  C2C_TARGETS_MAX);
		return EINVAL;
	}
	if (!(c->pats = calloc(n, sizeof(*c->pats))) ||
	    !(buf = strndup(list, len)))
		return ENOMEM;
	for (s = buf; !e; s = comma + 1) {
		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		e = c2c_add_target(c, s, c->npats + 1);
		if (!comma)
			break;
	}
	free(buf);
	return e;
}

bool c2c_allowed_target(const struct c2c *c, const char *user)
{
	char norm[ROUTE_USER_MAX + 1];

	if (!c || route_user_norm(user, norm, sizeof(norm)))
		return false;
	for (size_t i = 0; i < c->npats; i++) {
		if (route_pat_match(c->pats[i], norm))
			return true;
	}
	return false;
}

size_t c2c_target_count(const struct c2c *c)
{
	return c ? c->npats : 0;
}

/* ---- addresses ------------------------------------------------------- */

/* "192.0.2.1", "2001:db8::1", "[2001:db8::1]", "fe80::1%eth0". */
static int c2c_key_parse(const char *ip, struct c2c_key *k)
{
	char buf[C2C_IP_MAX + 1], *s = buf, *pct;
	uint8_t a[16];
	size_t len = ip ? strnlen(ip, C2C_IP_MAX + 1) : 0;

	if (len == 0 || len > C2C_IP_MAX)
		return EINVAL;
	memcpy(buf, ip, len + 1);
	if (s[0] == '[') {
		if (s[len - 1] != ']')
			return EINVAL;
		s[len - 1] = '\0';
		s++;
	}
	if ((pct = strchr(s, '%')))
		*pct = '\0';	/* the zone does not name another host */
	memset(k, 0, sizeof(*k));
	if (!pct && inet_pton(AF_INET, s, a) == 1) {
		k->fam = 4;
		memcpy(k->a, a, 4);
	} else if (inet_pton(AF_INET6, s, a) == 1) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		bool v4 = !memcmp(a, mapped, sizeof(mapped));
		k->fam = v4 ? 4 : 6;
		memcpy(k->a, v4 ? a + 12 : a, v4 ? 4 : 8);
	} else {
		return EINVAL;
	}
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static size_t c2c_hash(const struct c2c *c, const struct c2c_key *k)
{
	uint64_t w;

	memcpy(&w, k->a, sizeof(w));
	return (size_t)(mix64(w ^ c->seed) + k->fam) & (c->ntab - 1);
}

static struct c2c_ent *c2c_find(const struct c2c *c, const struct c2c_key *k)
{
	struct c2c_ent *e = c->tab[c2c_hash(c, k)];

	while (e && memcmp(&e->key, k, sizeof(*k)))
		e = e->hnext;
	return e;
}

static void lru_unlink(struct c2c *c, struct c2c_ent *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct c2c *c, struct c2c_ent *e)
{
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void tab_unlink(struct c2c *c, struct c2c_ent *e)
{
	struct c2c_ent **pp = &c->tab[c2c_hash(c, &e->key)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
}

/* Double the table when it holds as many entries as chains; a failed
 * allocation only leaves the chains longer. */
static void tab_grow(struct c2c *c)
{
	size_t n = c->ntab * 2;
	struct c2c_ent **old = c->tab, **tab;
	size_t nold = c->ntab;

	if (c->st.addrs < c->ntab || c->ntab >= c->max_addrs)
		return;
	if (!(tab = calloc(n, sizeof(*tab))))
		return;
	c->tab = tab;
	c->ntab = n;
	for (size_t i = 0; i < nold; i++) {
		for (struct c2c_ent *e = old[i], *nx; e; e = nx) {
			size_t h = c2c_hash(c, &e->key);
			nx = e->hnext;
			e->hnext = tab[h];
			tab[h] = e;
		}
	}
	free(old);
}

/* ---- buckets --------------------------------------------------------- */

static void refill(const struct c2c *c, struct c2c_ent *e, int64_t now)
{
	uint64_t dt, full;

	if (now <= e->last_ms)
		return;	/* a clock that steps back gives nothing */
	/* unsigned: the distance between any two int64 fits */
	dt = (uint64_t)now - (uint64_t)e->last_ms;
	full = (uint64_t)((c->cap - e->tokens) / c->per_min) + 1;
	e->last_ms = now;
	if (dt >= full)
		e->tokens = c->cap;
	else
		e->tokens += (int64_t)dt * c->per_min;
}

/* Make room for one more address: drop the least recently used. */
static void c2c_evict(struct c2c *c, int64_t now)
{
	struct c2c_ent *e = c->tail;

	refill(c, e, now);
	c->st.evicted++;
	if (e->tokens < c->cap)
		c->st.evicted_busy++;
	lru_unlink(c, e);
	tab_unlink(c, e);
	c->st.addrs--;
	free(e);
}

static struct c2c_ent *c2c_get(struct c2c *c, const struct c2c_key *k,
			       int64_t now)
{
	struct c2c_ent *e = c2c_find(c, k);

	if (e) {
		lru_unlink(c, e);
		lru_push(c, e);
		return e;
	}
	if (c->st.addrs >= c->max_addrs)
		c2c_evict(c, now);
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	e->key = *k;
	e->tokens = c->cap;
	e->last_ms = now;
	size_t h = c2c_hash(c, k);
	e->hnext = c->tab[h];
	c->tab[h] = e;
	lru_push(c, e);
	c->st.addrs++;
	tab_grow(c);
	return e;
}

int c2c_admit(struct c2c *c, const char *ip, int64_t now_ms,
	      int *retry_after_s)
{
	struct c2c_key k;
	struct c2c_ent *e;

	if (!c || c2c_key_parse(ip, &k))
		return EINVAL;
	if (!(e = c2c_get(c, &k, now_ms)))
		return ENOMEM;
	refill(c, e, now_ms);
	if (e->tokens >= C2C_UNIT) {
		e->tokens -= C2C_UNIT;
		c->st.admitted++;
		return 0;
	}
	c->st.refused++;
	if (retry_after_s) {
		int64_t ms = (C2C_UNIT - e->tokens + c->per_min - 1) /
			c->per_min;
		*retry_after_s = (int)((ms + 999) / 1000);
		if (*retry_after_s < 1)
			*retry_after_s = 1;
	}
	return EAGAIN;
}

void c2c_stats(const struct c2c *c, struct c2c_stats *st)
{
	if (c && st)
		*st = c->st;
}

/* ---- life ------------------------------------------------------------ */

static uint64_t c2c_seed(void)
{
	uint64_t s;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == sizeof(s))
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32);
}

int c2c_new(const char *list, int per_min, int burst, size_t max_addrs,
	    struct c2c **cp)
{
	struct c2c *c;
	int e;

	if (!cp || per_min < 1 || per_min > C2C_PER_MIN_MAX || burst < 1 ||
	    burst > C2C_BURST_MAX || max_addrs < 1 ||
	    max_addrs > C2C_ADDRS_MAX)
		return EINVAL;
	if (!(c = calloc(1, sizeof(*c))))
		return ENOMEM;
	c->per_min = per_min;
	c->cap = (int64_t)burst * C2C_UNIT;
	c->max_addrs = max_addrs;
	c->ntab = C2C_BUCKETS_MIN;
	c->seed = c2c_seed();
	e = (c->tab = calloc(c->ntab, sizeof(*c->tab))) ? 0 : ENOMEM;
	if (!e)
		e = c2c_parse(c, list);
	if (e) {
		c2c_free(c);
		return e;
	}
	*cp = c;
	return 0;
}

void c2c_free(struct c2c *c)
{
	if (!c)
		return;
	for (struct c2c_ent *e = c->head, *nx; e; e = nx) {
		nx = e->next;
		free(e);
	}
	for (size_t i = 0; i < c->npats; i++)
		route_pat_free(c->pats[i]);
	free(c->pats);
	free(c->tab);
	free(c);
}
