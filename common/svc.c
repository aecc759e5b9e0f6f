/* svc: see svc.h */
#include "svc.h"
#include "busmsg.h"
#include "log.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cfg_row svc_rows[] = {
	{ "NATS_URL", CFG_STR, "nats://127.0.0.1:4222", 0, 0, NULL,
	  offsetof(struct svc_cfg, nats_url), "NATS server(s) to use" },
	{ "RTCGATE_INSTANCE_ID", CFG_STR, NULL, 0, 0, NULL,
	  offsetof(struct svc_cfg, instance_id),
	  "unique id of this process on the bus ([A-Za-z0-9_-])" },
	{ "RTCGATE_LOG_LEVEL", CFG_ENUM, "info", 0, 0,
	  "error|warn|info|debug", offsetof(struct svc_cfg, log_level),
	  "log level" },
	{ "RTCGATE_LOG_FORMAT", CFG_ENUM, "text", 0, 0, "text|json",
	  offsetof(struct svc_cfg, log_format),
	  "text lines, or JSON lines for log collectors" },
	{ "RTCGATE_BUS_DEADLINE", CFG_INT, "15", 1, 3600, NULL,
	  offsetof(struct svc_cfg, bus_deadline_s),
	  "seconds to wait for NATS at start before giving up" },
};

int svc_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= SVC_ID_MAX)
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_-") == n;
}

/* <kind>-<host>-<pid>: unique on one host, readable in logs; dots and other
 * characters that NATS subjects cannot carry become '-'. */
static void svc_default_id(struct svc *s)
{
	char host[40] = "host";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-", *p))
			*p = '-';
	snprintf(s->id, sizeof(s->id), "%s-%s-%ld", s->kind, host,
		 (long)getpid());
}

int svc_configure(struct svc *s, const char *kind,
		  const struct cfg_row *rows, size_t nrows, void *cfg)
{
	char err[256];

	memset(&s->cfg, 0, sizeof(s->cfg));
	s->kind = kind;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	log_init(kind, LOG_LVL_INFO, LOG_FMT_TEXT);
	if (cfg_load(svc_rows, CFG_ROWS(svc_rows), &s->cfg, NULL, err,
		     sizeof(err)) ||
	    (rows && cfg_load(rows, nrows, cfg, NULL, err, sizeof(err)))) {
		LOG_ERROR("cfg", "bad configuration: %s", err);
		return EINVAL;
	}
	log_init(kind, (enum log_level)s->cfg.log_level,
		 (enum log_format)s->cfg.log_format);
	if (s->cfg.instance_id) {
		if (!svc_id_valid(s->cfg.instance_id)) {
			LOG_ERROR("cfg", "bad configuration: RTCGATE_INSTANCE_ID="
				  "\"%s\": use 1-63 of [A-Za-z0-9_-]",
				  s->cfg.instance_id);
			return EINVAL;
		}
		snprintf(s->id, sizeof(s->id), "%s", s->cfg.instance_id);
	} else {
		svc_default_id(s);
	}
	LOG_INFO("svc", "rtcgate %s %s starting as %s", kind, RTCGATE_VERSION,
		 s->id);
	cfg_log(svc_rows, CFG_ROWS(svc_rows), &s->cfg);
	if (rows)
		cfg_log(rows, nrows, cfg);
	return 0;
}

long svc_uptime_s(const struct svc *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - s->started.tv_sec);
}

json_t *svc_health(struct svc *s)
{
	json_t *m = busmsg_new("health");

	json_object_set_new(m, "service", json_string(s->kind));
	json_object_set_new(m, "id", json_string(s->id));
	json_object_set_new(m, "version", json_string(RTCGATE_VERSION));
	json_object_set_new(m, "uptime_s", json_integer(svc_uptime_s(s)));
	json_object_set_new(m, "counters", metrics_json(&s->metrics));
	if (s->health_extra)
		s->health_extra(m, s->health_arg);
	return m;
}

/* Health is answered on the NATS thread: it reads only atomics and
 * immutable fields, so it needs no hand-off and answers even when the
 * service loop is busy (which is then visible in its counters). */
static void svc_on_health(struct bus *b, natsMsg *msg, void *arg)
{
	json_t *m = svc_health(arg);

	bus_reply(b, msg, m);
	json_decref(m);
}

int svc_start(struct svc *s, const struct metric_def *defs, size_t ndefs)
{
	char subj[128];
	struct bus_opts bo = {
		.url = s->cfg.nats_url,
		.name = s->id,
		.connect_deadline_ms = s->cfg.bus_deadline_s * 1000,
	};
	int e = metrics_init(&s->metrics, defs, ndefs);

	if (e)
		return e;
	e = bus_connect(&s->bus, &bo);
	if (e)
		return e;
	snprintf(subj, sizeof(subj), "rtcgate.health.%s", s->kind);
	e = bus_subscribe(s->bus, subj, NULL, svc_on_health, s);
	if (!e) {
		snprintf(subj, sizeof(subj), "rtcgate.health.%s.%s", s->kind,
			 s->id);
		e = bus_subscribe(s->bus, subj, NULL, svc_on_health, s);
	}
	return e;
}

void svc_stop(struct svc *s, const struct cfg_row *rows, size_t nrows,
	      void *cfg)
{
	bus_close(s->bus, 2000);
	s->bus = NULL;
	metrics_fini(&s->metrics);
	cfg_free(svc_rows, CFG_ROWS(svc_rows), &s->cfg);
	if (rows)
		cfg_free(rows, nrows, cfg);
	LOG_INFO("svc", "stopped");
}
