/* Unit tests for common/metrics.c (atomic counters and gauges), how they
 * travel in a health reply (common/svc.c), and the Prometheus text that
 * wsgw renders from those replies for GET /metrics (the only renderer;
 * it lives in services/wsgw/wsgw_health.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "busmsg.h"
#include "metrics.h"
#include "svc.h"
#include "wsgw/wsgw.h"

#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { M_MSGS, M_CONNS, M_DROPS, M__COUNT };

static const struct metric_def defs[M__COUNT] = {
	[M_MSGS] = { "ws_msg_in_total", "SIP messages received" },
	[M_CONNS] = { "ws_conns", "open connections" },
	[M_DROPS] = { "bus_dropped_total", "bus messages dropped" },
};

static void test_init_zero(void **state)
{
	struct metrics m;

	(void)state;
	assert_int_equal(metrics_init(&m, defs, M__COUNT), 0);
	assert_non_null(m.val);
	assert_int_equal(m.n, M__COUNT);
	assert_ptr_equal(m.defs, defs);
	for (size_t i = 0; i < M__COUNT; i++)
		assert_int_equal(metrics_get(&m, i), 0);
	metrics_fini(&m);
	assert_null(m.val);
	assert_int_equal(m.n, 0);
	metrics_fini(&m);	/* twice is harmless */
}

static void test_add_inc_set(void **state)
{
	struct metrics m;

	(void)state;
	assert_int_equal(metrics_init(&m, defs, M__COUNT), 0);
	metrics_inc(&m, M_MSGS);
	metrics_inc(&m, M_MSGS);
	metrics_add(&m, M_MSGS, 40);
	assert_int_equal(metrics_get(&m, M_MSGS), 42);
	/* Gauges go both ways. */
	metrics_add(&m, M_CONNS, 5);
	metrics_add(&m, M_CONNS, -7);
	assert_int_equal(metrics_get(&m, M_CONNS), -2);
	metrics_set(&m, M_CONNS, 9);
	assert_int_equal(metrics_get(&m, M_CONNS), 9);
	metrics_set(&m, M_DROPS, INT64_MAX);
	assert_true(metrics_get(&m, M_DROPS) == INT64_MAX);
	/* Each metric is its own cell. */
	assert_int_equal(metrics_get(&m, M_MSGS), 42);
	metrics_fini(&m);
}

static void test_empty_table(void **state)
{
	struct metrics m;

	(void)state;
	assert_int_equal(metrics_init(&m, NULL, 0), 0);
	json_t *o = metrics_json(&m);
	assert_true(json_is_object(o));
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	metrics_fini(&m);
}

static void test_is_counter(void **state)
{
	(void)state;
	assert_true(metrics_is_counter("ws_msg_in_total"));
	assert_true(metrics_is_counter("a_total"));
	assert_false(metrics_is_counter("ws_conns"));
	assert_false(metrics_is_counter("_total"));	/* no name before */
	assert_false(metrics_is_counter("total"));
	assert_false(metrics_is_counter("x_totals"));
	assert_false(metrics_is_counter("x_total_"));
	assert_false(metrics_is_counter("x_Total"));
	assert_false(metrics_is_counter("xtotal"));
	assert_false(metrics_is_counter(""));
}

static void test_json(void **state)
{
	struct metrics m;

	(void)state;
	assert_int_equal(metrics_init(&m, defs, M__COUNT), 0);
	metrics_add(&m, M_MSGS, 3);
	metrics_set(&m, M_CONNS, -1);
	metrics_set(&m, M_DROPS, INT64_MAX);
	json_t *o = metrics_json(&m);
	assert_int_equal(json_object_size(o), M__COUNT);
	assert_true(json_is_integer(json_object_get(o, "ws_msg_in_total")));
	assert_int_equal(json_integer_value(json_object_get(o,
				"ws_msg_in_total")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "ws_conns")),
			 -1);
	assert_true(json_integer_value(json_object_get(o,
				"bus_dropped_total")) == INT64_MAX);
	/* A snapshot: later changes do not show in it. */
	metrics_inc(&m, M_MSGS);
	assert_int_equal(json_integer_value(json_object_get(o,
				"ws_msg_in_total")), 3);
	json_decref(o);
	metrics_fini(&m);
}

/* Any thread may count: no increments are lost. */
enum { NTHREADS = 8, PER_THREAD = 100000 };

static void *count_thread(void *arg)
{
	struct metrics *m = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		metrics_inc(m, M_MSGS);
		metrics_add(m, M_CONNS, 1);
		metrics_add(m, M_CONNS, -1);
		metrics_add(m, M_DROPS, 2);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct metrics m;
	pthread_t t[NTHREADS];

	(void)state;
	assert_int_equal(metrics_init(&m, defs, M__COUNT), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_thread, &m),
				 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metrics_get(&m, M_MSGS), NTHREADS * PER_THREAD);
	assert_int_equal(metrics_get(&m, M_CONNS), 0);
	assert_int_equal(metrics_get(&m, M_DROPS), 2 * NTHREADS * PER_THREAD);
	metrics_fini(&m);
}

/* A service with these metrics, as svc_start() would set it up (without
 * the bus). */
static void fake_svc(struct svc *s, const char *kind, const char *id)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->id, sizeof(s->id), "%s", id);
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	assert_int_equal(metrics_init(&s->metrics, defs, M__COUNT), 0);
}

static void test_health_reply_carries_counters(void **state)
{
	struct svc s;
	char err[128];

	(void)state;
	fake_svc(&s, "wsgw", "w1");
	metrics_add(&s.metrics, M_MSGS, 5);
	metrics_set(&s.metrics, M_CONNS, 2);
	json_t *h = svc_health(&s);
	assert_int_equal(busmsg_validate(h, err, sizeof(err)), 0);
	assert_string_equal(busmsg_kind(h), "health");
	assert_string_equal(busmsg_str(h, "service"), "wsgw");
	assert_string_equal(busmsg_str(h, "id"), "w1");
	assert_in_range(busmsg_int(h, "uptime_s"), 0, 5);
	json_t *c = json_object_get(h, "counters");
	json_t *want = metrics_json(&s.metrics);
	assert_true(json_equal(c, want));
	assert_int_equal(json_integer_value(json_object_get(c,
				"ws_msg_in_total")), 5);
	json_decref(want);
	json_decref(h);
	metrics_fini(&s.metrics);
}

/* Prometheus text from health replies, as wsgw serves it. */
static char *prometheus_of(struct svc *svcs, size_t n, json_t *extra)
{
	static struct wsgw g;	/* large; only the health cache is used */

	memset(&g, 0, sizeof(g));
	wsgw_health_init(&g);
	for (size_t i = 0; i < n; i++) {
		json_t *h = svc_health(&svcs[i]);
		wsgw_health_update(&g, h);
		json_decref(h);
	}
	if (extra)
		wsgw_health_update(&g, extra);
	char *text = wsgw_health_metrics(&g);
	wsgw_health_fini(&g);
	assert_non_null(text);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Every line is a "# TYPE name counter|gauge" comment or a sample
 * "name{labels} integer", each sample after its own TYPE line. */
static void check_exposition(char *text)
{
	regex_t type_rx, sample_rx;
	char current[128] = "";

	assert_int_equal(regcomp(&type_rx,
		"^# TYPE (rtcgate_[a-z0-9_]+) (counter|gauge)$",
		REG_EXTENDED), 0);
	assert_int_equal(regcomp(&sample_rx,
		"^(rtcgate_[a-z0-9_]+)\\{service=\"[a-z]+\","
		"instance=\"[A-Za-z0-9_-]+\"\\} -?[0-9]+$", REG_EXTENDED), 0);
	assert_true(*text && text[strlen(text) - 1] == '\n');
	for (char *line = text, *nl; *line; line = nl + 1) {
		regmatch_t mt[3];
		nl = strchr(line, '\n');
		*nl = '\0';
		if (!regexec(&type_rx, line, 3, mt, 0)) {
			snprintf(current, sizeof(current), "%.*s",
				 (int)(mt[1].rm_eo - mt[1].rm_so),
				 line + mt[1].rm_so);
			int counter = !strncmp(line + mt[2].rm_so, "counter",
					       7);
			assert_int_equal(counter,
					 metrics_is_counter(current +
							    strlen("rtcgate_")));
		} else if (!regexec(&sample_rx, line, 2, mt, 0)) {
			if ((size_t)(mt[1].rm_eo - mt[1].rm_so) !=
			    strlen(current) ||
			    strncmp(line, current, strlen(current)))
				fail_msg("sample without its TYPE: %s", line);
		} else {
			fail_msg("bad exposition line: %s", line);
		}
		*nl = '\n';
	}
	regfree(&type_rx);
	regfree(&sample_rx);
}

static void test_prometheus_text(void **state)
{
	struct svc s[2];

	(void)state;
	fake_svc(&s[0], "wsgw", "w1");
	fake_svc(&s[1], "registrar", "r-1");
	metrics_add(&s[0].metrics, M_MSGS, 3);
	metrics_set(&s[0].metrics, M_CONNS, 2);
	metrics_add(&s[1].metrics, M_MSGS, 11);
	char *text = prometheus_of(s, 2, NULL);

	check_exposition(text);
	/* "_total" names are counters, others gauges; one TYPE line per
	 * metric however many instances report it. */
	assert_int_equal(count(text,
		"# TYPE rtcgate_ws_msg_in_total counter\n"), 1);
	assert_int_equal(count(text, "# TYPE rtcgate_ws_conns gauge\n"), 1);
	assert_int_equal(count(text,
		"# TYPE rtcgate_bus_dropped_total counter\n"), 1);
	assert_int_equal(count(text, "# TYPE rtcgate_up gauge\n"), 1);
	assert_int_equal(count(text, "# TYPE rtcgate_uptime_seconds gauge\n"),
			 1);
	assert_non_null(strstr(text, "\nrtcgate_ws_msg_in_total{service="
			       "\"wsgw\",instance=\"w1\"} 3\n"));
	assert_non_null(strstr(text, "\nrtcgate_ws_msg_in_total{service="
			       "\"registrar\",instance=\"r-1\"} 11\n"));
	assert_non_null(strstr(text, "\nrtcgate_ws_conns{service=\"wsgw\","
			       "instance=\"w1\"} 2\n"));
	assert_non_null(strstr(text, "\nrtcgate_up{service=\"wsgw\","
			       "instance=\"w1\"} 1\n"));
	assert_int_equal(count(text, "\nrtcgate_up{"), 2);
	g_free(text);
	metrics_fini(&s[0].metrics);
	metrics_fini(&s[1].metrics);
}

/* Counter names and replies from the bus are foreign input: names that
 * would break the exposition format, non-integer values, unknown kinds
 * and unsafe ids are left out. */
static void test_prometheus_skips_bad_input(void **state)
{
	struct svc s;

	(void)state;
	fake_svc(&s, "wsgw", "w1");
	json_t *h = svc_health(&s);
	json_t *c = json_object_get(h, "counters");
	json_object_set_new(c, "Bad-Name_total", json_integer(1));
	json_object_set_new(c, "evil\n# TYPE x counter\nx_total",
			    json_integer(2));
	json_object_set_new(c, "str_total", json_string("7"));
	json_object_set_new(c, "real_total", json_real(1.5));
	json_object_set_new(c, "up", json_integer(0));
	json_t *strangers[] = {
		json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:{}}", "v", 1, "kind",
			  "health", "service", "nosuch", "id", "n1",
			  "version", "0", "uptime_s", 1, "counters"),
		json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:{}}", "v", 1, "kind",
			  "health", "service", "b2bua", "id", "x\"} 1\nevil",
			  "version", "0", "uptime_s", 1, "counters"),
	};
	static struct wsgw g;

	memset(&g, 0, sizeof(g));
	wsgw_health_init(&g);
	wsgw_health_update(&g, h);
	for (size_t i = 0; i < 2; i++)
		wsgw_health_update(&g, strangers[i]);
	char *text = wsgw_health_metrics(&g);
	wsgw_health_fini(&g);

	assert_non_null(text);
	check_exposition(text);
	assert_null(strstr(text, "Bad-Name"));
	assert_null(strstr(text, "evil"));
	assert_null(strstr(text, "str_total"));
	assert_null(strstr(text, "real_total"));
	assert_null(strstr(text, "nosuch"));
	assert_null(strstr(text, "b2bua"));
	/* "up" is the gateway's own statement, not the service's. */
	assert_non_null(strstr(text, "rtcgate_up{service=\"wsgw\","
			       "instance=\"w1\"} 1\n"));
	assert_int_equal(count(text, "rtcgate_up{"), 1);
	g_free(text);
	json_decref(h);
	json_decref(strangers[0]);
	json_decref(strangers[1]);
	metrics_fini(&s.metrics);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_zero),
		cmocka_unit_test(test_add_inc_set),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_is_counter),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_health_reply_carries_counters),
		cmocka_unit_test(test_prometheus_text),
		cmocka_unit_test(test_prometheus_skips_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
