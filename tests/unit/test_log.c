/* Unit tests for common/log.c: one line per event on stderr, as text or
 * JSON.  Output is captured from fd 2 and checked line by line; JSON lines
 * are parsed back with jansson. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "unit_capture.h"

#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static struct capture cap;

static void start(void)
{
	assert_int_equal(capture_begin(&cap, 2), 0);
}

static char *stop(void)
{
	char *out = capture_end(&cap, NULL);

	assert_non_null(out);
	return out;
}

static int teardown(void **state)
{
	(void)state;
	log_set_context(NULL);
	log_init("rtcgate", LOG_LVL_INFO, LOG_FMT_TEXT);
	return 0;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void assert_matches(const char *s, const char *re)
{
	regex_t rx;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	int r = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	if (r)
		fail_msg("\"%s\" does not match /%s/", s, re);
}

/* Parse one JSON line (ending in '\n') into an object. */
static json_t *parse_line(const char *line)
{
	json_error_t jerr;
	size_t len = strcspn(line, "\n");

	assert_int_equal(line[len], '\n');
	json_t *o = json_loadb(line, len, 0, &jerr);
	if (!o)
		fail_msg("not JSON (%s): %.*s", jerr.text, (int)len, line);
	assert_true(json_is_object(o));
	return o;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		fail_msg("no string \"%s\"", key);
	return s;
}

static void test_level_parse(void **state)
{
	static const struct {
		const char *s;
		enum log_level l;
	} ok[] = {
		{ "error", LOG_LVL_ERROR }, { "WARN", LOG_LVL_WARN },
		{ "Info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	static const char *const bad[] = { "", "err", "warning", "verbose",
					   "info ", "trace", "3" };
	enum log_level l;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		l = (enum log_level)-1;
		assert_int_equal(log_level_parse(ok[i].s, &l), 0);
		assert_int_equal(l, ok[i].l);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l = LOG_LVL_WARN;
		assert_int_not_equal(log_level_parse(bad[i], &l), 0);
		assert_int_equal(l, LOG_LVL_WARN);	/* untouched */
	}
}

static void test_format_parse(void **state)
{
	enum log_format f = LOG_FMT_TEXT;

	(void)state;
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FMT_JSON);
	assert_int_equal(log_format_parse("TEXT", &f), 0);
	assert_int_equal(f, LOG_FMT_TEXT);
	assert_int_equal(log_format_parse("Json", &f), 0);
	assert_int_equal(f, LOG_FMT_JSON);
	assert_int_not_equal(log_format_parse("xml", &f), 0);
	assert_int_not_equal(log_format_parse("", &f), 0);
	assert_int_not_equal(log_format_parse("jsonl", &f), 0);
	assert_int_equal(f, LOG_FMT_JSON);
}

static void test_enabled(void **state)
{
	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	assert_true(log_enabled(LOG_LVL_ERROR));
	assert_true(log_enabled(LOG_LVL_WARN));
	assert_true(log_enabled(LOG_LVL_INFO));
	assert_false(log_enabled(LOG_LVL_DEBUG));
	log_init("unit", LOG_LVL_ERROR, LOG_FMT_TEXT);
	assert_true(log_enabled(LOG_LVL_ERROR));
	assert_false(log_enabled(LOG_LVL_WARN));
	log_init("unit", LOG_LVL_DEBUG, LOG_FMT_TEXT);
	assert_true(log_enabled(LOG_LVL_DEBUG));
}

static int side_effects;

static int bump(void)
{
	return ++side_effects;
}

static void test_level_filtering(void **state)
{
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_WARN, LOG_FMT_TEXT);
	side_effects = 0;
	start();
	LOG_DEBUG("m", "debug %d", bump());
	LOG_INFO("m", "info");
	LOG_WARN("m", "warn");
	LOG_ERROR("m", "error");
	out = stop();
	assert_int_equal(count_lines(out), 2);
	assert_null(strstr(out, " info"));
	assert_non_null(strstr(out, " warn  unit/m warn\n"));
	assert_non_null(strstr(out, " error unit/m error\n"));
	/* LOG_DEBUG does not even evaluate its arguments when off. */
	assert_int_equal(side_effects, 0);
	free(out);

	log_init("unit", LOG_LVL_DEBUG, LOG_FMT_JSON);
	start();
	LOG_DEBUG("m", "debug %d", bump());
	out = stop();
	assert_int_equal(side_effects, 1);
	json_t *o = parse_line(out);
	assert_string_equal(jstr(o, "level"), "debug");
	assert_string_equal(jstr(o, "msg"), "debug 1");
	json_decref(o);
	free(out);
}

static void test_text_line(void **state)
{
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	start();
	LOG_INFO("mod", "hello %s %d", "world", 42);
	out = stop();
	assert_matches(out, "^" TS_RE " info  unit/mod hello world 42\n$");
	free(out);

	log_set_context("call-1@x");
	start();
	LOG_ERROR("mod", "boom");
	out = stop();
	assert_matches(out, "^" TS_RE " error unit/mod \\[call-1@x\\] boom\n$");
	free(out);

	log_set_context(NULL);
	start();
	LOG_WARN("mod", "quiet");
	out = stop();
	assert_matches(out, "^" TS_RE " warn  unit/mod quiet\n$");
	free(out);
}

static void test_json_line(void **state)
{
	char *out;
	json_t *o;

	(void)state;
	log_init("wsgw", LOG_LVL_INFO, LOG_FMT_JSON);
	start();
	LOG_WARN("bus", "dropped %d of %s", 3, "\"quoted\" \\ text");
	out = stop();
	assert_int_equal(count_lines(out), 1);
	o = parse_line(out);
	assert_int_equal(json_object_size(o), 5);
	assert_matches(jstr(o, "ts"), "^" TS_RE "$");
	assert_string_equal(jstr(o, "level"), "warn");
	assert_string_equal(jstr(o, "service"), "wsgw");
	assert_string_equal(jstr(o, "module"), "bus");
	assert_string_equal(jstr(o, "msg"), "dropped 3 of \"quoted\" \\ text");
	assert_null(json_object_get(o, "ctx"));
	json_decref(o);
	free(out);

	/* The context goes in its own field. */
	log_set_context("a84b4c76e66710@pc33.example.com");
	start();
	LOG_ERROR("sip", "x");
	out = stop();
	o = parse_line(out);
	assert_int_equal(json_object_size(o), 6);
	assert_string_equal(jstr(o, "ctx"), "a84b4c76e66710@pc33.example.com");
	assert_string_equal(jstr(o, "level"), "error");
	json_decref(o);
	free(out);
}

/* What a stranger sent cannot break a line or the JSON. */
static void test_sanitised(void **state)
{
	static const char evil[] = "a\nb\rc\td\x1b[31me\x7f\x01\xc3\xa9\xff";
	static const char want[] = "a?b?c?d?[31me?????";
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	start();
	LOG_INFO("m", "got %s.", evil);
	out = stop();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, " unit/m got a?b?c?d?[31me?????.\n"));
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("control byte 0x%02x in output",
				 (unsigned char)*p);
	free(out);

	log_init("unit", LOG_LVL_INFO, LOG_FMT_JSON);
	start();
	LOG_INFO("m", "%s", evil);
	out = stop();
	assert_int_equal(count_lines(out), 1);
	json_t *o = parse_line(out);
	assert_string_equal(jstr(o, "msg"), want);
	json_decref(o);
	free(out);
}

/* Messages are cut at 1023 bytes, still one valid line. */
static void test_long_message(void **state)
{
	char *big = malloc(5000);
	char *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	log_init("unit", LOG_LVL_INFO, LOG_FMT_JSON);
	start();
	LOG_INFO("m", "%s", big);
	out = stop();
	assert_int_equal(count_lines(out), 1);
	json_t *o = parse_line(out);
	assert_int_equal(strlen(jstr(o, "msg")), 1023);
	json_decref(o);
	free(out);

	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	start();
	LOG_INFO("m", "%s", big);
	out = stop();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, " unit/m xxx"));
	assert_int_equal(strspn(strstr(out, " unit/m ") + 8, "x"), 1023);
	free(out);
	free(big);
}

/* Service names and contexts are cut to their buffers (31 and 95). */
static void test_truncation(void **state)
{
	char name[100], ctx[200];
	char *out;

	(void)state;
	memset(name, 's', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(ctx, 'c', sizeof(ctx) - 1);
	ctx[sizeof(ctx) - 1] = '\0';
	log_init(name, LOG_LVL_INFO, LOG_FMT_JSON);
	log_set_context(ctx);
	start();
	LOG_INFO("m", "x");
	out = stop();
	json_t *o = parse_line(out);
	assert_int_equal(strlen(jstr(o, "service")), 31);
	assert_int_equal(strlen(jstr(o, "ctx")), 95);
	json_decref(o);
	free(out);
}

static void vlog(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vlog(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(l, "va", fmt, ap);
	va_end(ap);
}

static void test_vwrite(void **state)
{
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_WARN, LOG_FMT_TEXT);
	start();
	vlog(LOG_LVL_ERROR, "%s=%ld", "k", 7L);
	vlog(LOG_LVL_INFO, "hidden");
	out = stop();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, " error unit/va k=7\n"));
	free(out);
}

/* The context is per thread. */
static void *ctx_thread(void *arg)
{
	(void)arg;
	LOG_INFO("t", "from thread");
	log_set_context("thread-ctx");
	LOG_INFO("t", "thread with ctx");
	return NULL;
}

static void test_context_is_per_thread(void **state)
{
	pthread_t t;
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	log_set_context("main-ctx");
	start();
	pthread_create(&t, NULL, ctx_thread, NULL);
	pthread_join(t, NULL);
	LOG_INFO("t", "from main");
	out = stop();
	assert_int_equal(count_lines(out), 3);
	assert_non_null(strstr(out, " unit/t from thread\n"));
	assert_non_null(strstr(out, " unit/t [thread-ctx] thread with ctx\n"));
	assert_non_null(strstr(out, " unit/t [main-ctx] from main\n"));
	free(out);
}

/* Many threads at once: every line whole and valid, each thread's lines
 * in order. */
enum { NTHREADS = 8, PER_THREAD = 300 };

static void *spam_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	char ctx[16];

	snprintf(ctx, sizeof(ctx), "t%d", id);
	log_set_context(ctx);
	for (int i = 0; i < PER_THREAD; i++)
		LOG_INFO("spam", "%d %d %s", id, i,
			 "padding padding padding padding padding padding");
	return NULL;
}

static void test_concurrent_json(void **state)
{
	pthread_t t[NTHREADS];
	int next[NTHREADS] = { 0 };
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_JSON);
	start();
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, spam_thread, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	out = stop();
	assert_int_equal(count_lines(out), NTHREADS * PER_THREAD);
	for (char *line = out; *line; line = strchr(line, '\n') + 1) {
		json_t *o = parse_line(line);
		int id, seq;
		char ctx[16];
		assert_int_equal(sscanf(jstr(o, "msg"), "%d %d", &id, &seq),
				 2);
		assert_in_range(id, 0, NTHREADS - 1);
		assert_int_equal(seq, next[id]);
		next[id]++;
		snprintf(ctx, sizeof(ctx), "t%d", id);
		assert_string_equal(jstr(o, "ctx"), ctx);
		json_decref(o);
	}
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(next[i], PER_THREAD);
	free(out);
}

/* Regression test, bug fixed in (common/log.c, log_set_context / log_vwrite): only the message is
 * sanitised, not the context, yet services set the context to the
 * stranger's Call-ID (wsgw_sip.c, reg_sip.c), and sofia accepts a Call-ID
 * with ESC, DEL and bytes >= 0x80.  Text lines then carry raw terminal
 * escapes (or a newline, through the API), and in JSON mode a context that
 * is not UTF-8 makes json_string() fail so "ctx" silently disappears.
 * Fix: run the copy in log_set_context() through log_sanitize(). */
static void test_context_sanitised(void **state)
{
	char *out;

	(void)state;
	log_init("unit", LOG_LVL_INFO, LOG_FMT_TEXT);
	log_set_context("c\x1b[2J\n\x7f\xff");
	start();
	LOG_INFO("m", "x");
	out = stop();
	assert_int_equal(count_lines(out), 1);
	for (const char *p = out; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') ||
		    (unsigned char)*p >= 0x7f)
			fail_msg("raw byte 0x%02x in text line",
				 (unsigned char)*p);
	free(out);

	log_init("unit", LOG_LVL_INFO, LOG_FMT_JSON);
	start();
	LOG_INFO("m", "x");
	out = stop();
	json_t *o = parse_line(out);
	assert_non_null(json_object_get(o, "ctx"));
	json_decref(o);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_level_parse, teardown),
		cmocka_unit_test_teardown(test_format_parse, teardown),
		cmocka_unit_test_teardown(test_enabled, teardown),
		cmocka_unit_test_teardown(test_level_filtering, teardown),
		cmocka_unit_test_teardown(test_text_line, teardown),
		cmocka_unit_test_teardown(test_json_line, teardown),
		cmocka_unit_test_teardown(test_sanitised, teardown),
		cmocka_unit_test_teardown(test_long_message, teardown),
		cmocka_unit_test_teardown(test_truncation, teardown),
		cmocka_unit_test_teardown(test_vwrite, teardown),
		cmocka_unit_test_teardown(test_context_is_per_thread, teardown),
		cmocka_unit_test_teardown(test_concurrent_json, teardown),
		cmocka_unit_test_teardown(test_context_sanitised, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
