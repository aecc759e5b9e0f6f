/* log: one line per event on stderr, plain text or JSON lines.
 *
 * The level and format are process-wide and set once at start (log_init);
 * writing is thread-safe (one fprintf per line under a lock), so NATS
 * threads, lws and GLib loops may all log.  A thread-local context string
 * (a Call-ID, a connection id) is added to every line written by that thread.
 */
#ifndef RTCGATE_LOG_H
#define RTCGATE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

void log_init(const char *service, enum log_level level, enum log_format fmt);
int log_level_parse(const char *s, enum log_level *out);
int log_format_parse(const char *s, enum log_format *out);
int log_enabled(enum log_level level);
void log_set_context(const char *ctx);	/* NULL clears; copied */
void log_write(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vwrite(enum log_level level, const char *module, const char *fmt,
		va_list ap);

#define LOG_ERROR(mod, ...) log_write(LOG_LVL_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_write(LOG_LVL_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_write(LOG_LVL_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) \
	do { if (log_enabled(LOG_LVL_DEBUG)) \
		log_write(LOG_LVL_DEBUG, mod, __VA_ARGS__); } while (0)

#endif
