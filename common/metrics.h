/* metrics: a service's counters and gauges, safe to touch from any thread.
 *
 * A service declares its metrics as a const table of names; names ending in
 * "_total" are Prometheus counters, all others gauges.  Values are atomics, so
 * the health responder reads them from a NATS thread without locks.
 */
#ifndef RTCGATE_METRICS_H
#define RTCGATE_METRICS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct metric_def {
	const char *name;	/* [a-z_]+, "_total" suffix for counters */
	const char *help;
};

struct metrics {
	const struct metric_def *defs;
	size_t n;
	_Atomic int64_t *val;
};

int metrics_init(struct metrics *m, const struct metric_def *defs, size_t n);
void metrics_fini(struct metrics *m);
static inline void metrics_add(struct metrics *m, size_t i, int64_t d)
{
	atomic_fetch_add_explicit(&m->val[i], d, memory_order_relaxed);
}
static inline void metrics_inc(struct metrics *m, size_t i)
{
	metrics_add(m, i, 1);
}
static inline void metrics_set(struct metrics *m, size_t i, int64_t v)
{
	atomic_store_explicit(&m->val[i], v, memory_order_relaxed);
}
static inline int64_t metrics_get(const struct metrics *m, size_t i)
{
	return atomic_load_explicit(&m->val[i], memory_order_relaxed);
}
/* {"name": value, ...}; new reference. */
json_t *metrics_json(const struct metrics *m);
/* Is this metric name a counter ("_total")? */
int metrics_is_counter(const char *name);

#endif
