/* svc: what every rtcgate service does the same way.
 *
 * Shared settings (NATS_URL, log level and format, instance id, bus
 * deadline), the service's own settings table, logging, the bus connection,
 * its counters and the health responder on rtcgate.health.<kind>.
 */
#ifndef RTCGATE_SVC_H
#define RTCGATE_SVC_H

#include "bus.h"
#include "cfg.h"
#include "metrics.h"

#include <jansson.h>
#include <time.h>

enum { SVC_ID_MAX = 64 };

struct svc_cfg {
	char *nats_url;
	char *instance_id;
	int log_level;
	int log_format;
	long bus_deadline_s;
};

/* Adds service-specific fields to a health reply; runs on a NATS thread. */
typedef void (svc_health_h)(json_t *reply, void *arg);

struct svc {
	const char *kind;		/* "wsgw", "registrar", ... */
	char id[SVC_ID_MAX];		/* unique instance id */
	struct timespec started;
	struct svc_cfg cfg;
	struct bus *bus;
	struct metrics metrics;
	svc_health_h *health_extra;
	void *health_arg;
};

/* Load config (shared rows, then the service's rows into its own struct),
 * start logging, print the effective config.  EINVAL on bad config, after
 * printing one line that names the variable. */
int svc_configure(struct svc *s, const char *kind,
		  const struct cfg_row *rows, size_t nrows, void *cfg);
/* Counters, bus connection and health responder. */
int svc_start(struct svc *s, const struct metric_def *defs, size_t ndefs);
void svc_stop(struct svc *s, const struct cfg_row *rows, size_t nrows,
	      void *cfg);
long svc_uptime_s(const struct svc *s);
/* The health reply (kind "health"); new reference.  Thread-safe. */
json_t *svc_health(struct svc *s);
/* Check an id is safe in a NATS subject token ([A-Za-z0-9_-]). */
int svc_id_valid(const char *id);

#endif
