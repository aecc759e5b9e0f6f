/* log: see log.h */
#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static char log_service[32] = "rtcgate";
static enum log_level log_lvl = LOG_LVL_INFO;
static enum log_format log_fmt = LOG_FMT_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char log_ctx[96];

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void log_init(const char *service, enum log_level level, enum log_format fmt)
{
	snprintf(log_service, sizeof(log_service), "%s", service);
	log_lvl = level;
	log_fmt = fmt;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (!strcasecmp(s, log_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (!strcasecmp(s, "text"))
		*out = LOG_FMT_TEXT;
	else if (!strcasecmp(s, "json"))
		*out = LOG_FMT_JSON;
	else
		return -1;
	return 0;
}

int log_enabled(enum log_level level)
{
	return level <= log_lvl;
}

/* Messages may quote what a stranger sent: keep one event on one line and
 * the JSON output valid by replacing control and non-ASCII bytes. */
static void log_sanitize(char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			*s = '?';
	}
}

void log_set_context(const char *ctx)
{
	snprintf(log_ctx, sizeof(log_ctx), "%s", ctx ? ctx : "");
	log_sanitize(log_ctx);	/* contexts are often a stranger's Call-ID */
}

static void log_timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static void log_emit_json(const char *ts, enum log_level level,
			  const char *module, const char *msg)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", ts,
			      "level", log_names[level], "service", log_service,
			      "module", module, "msg", msg);
	if (!o)
		return;
	if (log_ctx[0])
		json_object_set_new(o, "ctx", json_string(log_ctx));
	char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!line)
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
	free(line);
}

void log_vwrite(enum log_level level, const char *module, const char *fmt,
		va_list ap)
{
	char msg[1024], ts[40];

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_sanitize(msg);
	log_timestamp(ts, sizeof(ts));
	if (log_fmt == LOG_FMT_JSON) {
		log_emit_json(ts, level, module, msg);
		return;
	}
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s %-5s %s/%s%s%s%s %s\n", ts, log_names[level],
		log_service, module, log_ctx[0] ? " [" : "", log_ctx,
		log_ctx[0] ? "]" : "", msg);
	pthread_mutex_unlock(&log_lock);
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, module, fmt, ap);
	va_end(ap);
}
