/* Unit tests for b2bua/cdr: the JSON fields of a record, the file format
 * (one valid JSON object per line, parsed back), reopen after a rename
 * (log rotation), bad paths, and long or hostile strings.  Files live in
 * a fresh directory under /tmp.  Run with a name filter as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "b2bua/cdr.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dir {
	char path[64];
	char file[96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/rtcgate-cdr-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/cdr.jsonl", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char p[128];

	unlink(d->file);
	snprintf(p, sizeof(p), "%s.1", d->file);
	unlink(p);
	rmdir(d->path);
	free(d);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct cdr answered = {
	.call_id = "a84b4c76e66710@pc33.example.com",
	.dir = CDR_WEB_SIP,
	.from = "sip:alice@example.com",
	.to = "sip:+442071234567@pbx.example.com",
	.caller_addr = "2001:db8::7",
	.start_ms = 1700000000000,
	.answer_ms = 1700000002500,
	.end_ms = 1700000062500,
	.codec_web = "opus",
	.codec_sip = "PCMA",
	.transcoded = true,
	.media_node = "media-1",
	.node = "b2bua-a",
	.end = CDR_END_NORMAL,
	.sip_status = 200,
};

/* Read a whole file. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf;
	size_t n;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	n = fread(buf, 1, (size_t)st.st_size, f);
	assert_int_equal(n, (size_t)st.st_size);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Every line a JSON object; returns how many, all ending in '\n'. */
static int count_records(const char *text)
{
	int n = 0;

	for (const char *s = text; *s; ) {
		const char *nl = strchr(s, '\n');
		json_error_t jerr;
		assert_non_null(nl);	/* the last line is terminated too */
		json_t *j = json_loadb(s, (size_t)(nl - s), 0, &jerr);
		if (!j)
			print_error("line %d: %s\n", n + 1, jerr.text);
		assert_non_null(j);
		assert_true(json_is_object(j));
		json_decref(j);
		n++;
		s = nl + 1;
	}
	return n;
}

static void write_one(struct cdr_writer *w, const struct cdr *c)
{
	json_t *j = cdr_json(c);

	assert_non_null(j);
	assert_int_equal(cdr_writer_write(w, j), 0);
	json_decref(j);
}

/* ---- fields ---------------------------------------------------------- */

static void test_json_fields(void **state)
{
	json_t *j = cdr_json(&answered);

	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "call_id")),
			    answered.call_id);
	assert_string_equal(json_string_value(json_object_get(j,
			    "direction")), "web->sip");
	assert_string_equal(json_string_value(json_object_get(j, "from")),
			    answered.from);
	assert_string_equal(json_string_value(json_object_get(j, "to")),
			    answered.to);
	assert_string_equal(json_string_value(json_object_get(j,
			    "caller_addr")), "2001:db8::7");
	assert_int_equal(json_integer_value(json_object_get(j, "start")),
			 answered.start_ms);
	assert_int_equal(json_integer_value(json_object_get(j, "answer")),
			 answered.answer_ms);
	assert_int_equal(json_integer_value(json_object_get(j, "end")),
			 answered.end_ms);
	assert_int_equal(json_integer_value(json_object_get(j, "setup_ms")),
			 2500);
	assert_int_equal(json_integer_value(json_object_get(j,
			 "duration_ms")), 60000);
	assert_string_equal(json_string_value(json_object_get(j,
			    "codec_web")), "opus");
	assert_string_equal(json_string_value(json_object_get(j,
			    "codec_sip")), "PCMA");
	assert_true(json_is_true(json_object_get(j, "transcoded")));
	assert_string_equal(json_string_value(json_object_get(j,
			    "media_node")), "media-1");
	assert_string_equal(json_string_value(json_object_get(j, "node")),
			    "b2bua-a");
	assert_string_equal(json_string_value(json_object_get(j,
			    "end_reason")), "normal-clearing");
	assert_int_equal(json_integer_value(json_object_get(j,
			 "sip_status")), 200);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "cdr");
	assert_int_equal(json_object_size(j), 19);
	json_decref(j);
}

static void test_unanswered(void **state)
{
	struct cdr c = {
		.call_id = "x1", .dir = CDR_SIP_WEB, .start_ms = 1000,
		.end_ms = 31000, .end = CDR_END_REJECTED, .reject_code = 486,
		.sip_status = 486,
	};
	json_t *j = cdr_json(&c);

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j,
			    "direction")), "sip->web");
	assert_true(json_is_null(json_object_get(j, "answer")));
	assert_int_equal(json_integer_value(json_object_get(j, "setup_ms")),
			 30000);
	assert_int_equal(json_integer_value(json_object_get(j,
			 "duration_ms")), 0);
	assert_string_equal(json_string_value(json_object_get(j,
			    "end_reason")), "rejected:486");
	/* strings not given are null, not "" */
	assert_true(json_is_null(json_object_get(j, "from")));
	assert_true(json_is_null(json_object_get(j, "codec_sip")));
	assert_true(json_is_false(json_object_get(j, "transcoded")));
	json_decref(j);

	/* nothing known at all; time running backwards gives 0, not < 0 */
	struct cdr z = { .dir = CDR_WEB_WEB, .start_ms = 5000,
			 .answer_ms = 6000, .end_ms = 4000 };
	j = cdr_json(&z);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "call_id")));
	assert_true(json_is_null(json_object_get(j, "sip_status")));
	assert_int_equal(json_integer_value(json_object_get(j,
			 "duration_ms")), 0);
	assert_string_equal(json_string_value(json_object_get(j,
			    "direction")), "web->web");
	json_decref(j);
	assert_null(cdr_json(NULL));
}

static void test_names(void **state)
{
	static const char *const want[] = {
		"normal-clearing", "busy", "no-answer", "cancelled",
		"rejected:603", "media-failure", "flow-lost", "sip-timeout",
		"media-node-lost", "transferred", "shutdown", "internal-error",
	};
	char buf[32];

	for (int e = CDR_END_NORMAL; e <= CDR_END_INTERNAL; e++)
		assert_string_equal(cdr_end_name((enum cdr_end)e, 603, buf,
						 sizeof(buf)), want[e]);
	assert_string_equal(cdr_end_name(CDR_END_REJECTED, 403, NULL, 0),
			    "rejected");
	assert_string_equal(cdr_end_name((enum cdr_end)99, 0, buf,
					 sizeof(buf)), "unknown");
	assert_string_equal(cdr_dir_name(CDR_WEB_SIP), "web->sip");
	assert_string_equal(cdr_dir_name((enum cdr_dir)7), "unknown");
}

/* ---- hostile strings -------------------------------------------------- */

static const char *field(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));

	assert_non_null(s);
	return s;
}

static void test_hostile_strings(void **state)
{
	char *huge = malloc(100001);
	char edge[CDR_STR_MAX + 8];
	struct cdr c = answered;
	json_t *j;

	assert_non_null(huge);
	memset(huge, 'x', 100000);
	huge[100000] = '\0';
	/* a two-byte character straddling the limit is left out whole */
	memset(edge, 'a', CDR_STR_MAX - 1);
	strcpy(edge + CDR_STR_MAX - 1, "\xc3\xa9z");
	c.from = huge;
	c.to = edge;
	c.call_id = "id\r\nX-Injected: 1\x1b[31m\x7f";
	c.caller_addr = "\xff\xfe bad \xc0\xaf overlong \xed\xa0\x80 surr";
	c.codec_web = "trunc\xe2\x82";		/* cut inside a sequence */
	/* valid UTF-8, kept as it is */
	c.media_node = "Zo\xc3\xab \xe2\x98\x8e \xf0\x9f\x98\x80";
	c.node = "c1\xc2\x85";			/* C1 control: NEL */
	j = cdr_json(&c);
	assert_non_null(j);
	assert_int_equal(strlen(field(j, "from")), CDR_STR_MAX);
	assert_int_equal(strlen(field(j, "to")), CDR_STR_MAX - 1);
	assert_string_equal(field(j, "call_id"), "id??X-Injected: 1?[31m?");
	assert_string_equal(field(j, "caller_addr"),
			    "?? bad ?? overlong ??? surr");
	assert_string_equal(field(j, "codec_web"), "trunc??");
	assert_string_equal(field(j, "media_node"), c.media_node);
	assert_string_equal(field(j, "node"), "c1?");
	json_decref(j);
	free(huge);
}

/* ---- the file -------------------------------------------------------- */

static void test_line_format(void **state)
{
	struct dir *d = *state;
	struct cdr_writer *w = NULL;
	struct cdr c = answered;
	char *text;

	assert_int_equal(cdr_writer_open(d->file, &w), 0);
	write_one(w, &answered);
	c.call_id = "second\nline";	/* cleaned: no raw newline */
	c.from = "\"quoted\" \\ back";
	write_one(w, &c);
	cdr_writer_set_fsync(w, true);
	write_one(w, &answered);
	cdr_writer_close(w);

	text = slurp(d->file);
	assert_int_equal(count_records(text), 3);
	/* parse the second back and compare */
	const char *l2 = strchr(text, '\n') + 1;
	json_t *j = json_loadb(l2, (size_t)(strchr(l2, '\n') - l2), 0, NULL);
	assert_non_null(j);
	assert_string_equal(field(j, "call_id"), "second?line");
	assert_string_equal(field(j, "from"), "\"quoted\" \\ back");
	json_decref(j);
	free(text);

	/* appends: an existing file keeps its lines */
	assert_int_equal(cdr_writer_open(d->file, &w), 0);
	write_one(w, &answered);
	cdr_writer_close(w);
	text = slurp(d->file);
	assert_int_equal(count_records(text), 4);
	free(text);
}

static void test_reopen_after_rename(void **state)
{
	struct dir *d = *state;
	struct cdr_writer *w = NULL;
	char old[128], *text;

	snprintf(old, sizeof(old), "%s.1", d->file);
	assert_int_equal(cdr_writer_open(d->file, &w), 0);
	write_one(w, &answered);
	assert_int_equal(rename(d->file, old), 0);
	write_one(w, &answered);	/* still the renamed file */
	assert_int_equal(cdr_writer_reopen(w), 0);
	write_one(w, &answered);
	write_one(w, &answered);
	cdr_writer_close(w);

	text = slurp(old);
	assert_int_equal(count_records(text), 2);
	free(text);
	text = slurp(d->file);
	assert_int_equal(count_records(text), 2);
	free(text);
}

static void test_reopen_failure_keeps_file(void **state)
{
	struct dir *d = *state;
	struct cdr_writer *w = NULL;
	struct stat st;

	assert_int_equal(cdr_writer_open(d->file, &w), 0);
	write_one(w, &answered);
	/* the directory is gone: reopen fails, writing goes on */
	assert_int_equal(unlink(d->file), 0);
	assert_int_equal(rmdir(d->path), 0);
	assert_int_equal(cdr_writer_reopen(w), ENOENT);
	write_one(w, &answered);
	cdr_writer_close(w);
	assert_int_equal(stat(d->file, &st), -1);
	assert_int_equal(mkdir(d->path, 0700), 0);	/* for teardown */
}

static void test_bad_paths(void **state)
{
	struct dir *d = *state;
	struct cdr_writer *w = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/no/such/dir/cdr.jsonl", d->path);
	assert_int_equal(cdr_writer_open(p, &w), ENOENT);
	assert_null(w);
	assert_int_equal(cdr_writer_open(d->path, &w), EISDIR);
	assert_int_equal(cdr_writer_open("", &w), EINVAL);
	assert_int_equal(cdr_writer_open(NULL, &w), EINVAL);
	assert_int_equal(cdr_writer_open(d->file, NULL), EINVAL);
	assert_null(w);
	assert_int_equal(cdr_writer_write(NULL, NULL), EINVAL);
	assert_int_equal(cdr_writer_reopen(NULL), EINVAL);
	cdr_writer_close(NULL);
	cdr_writer_set_fsync(NULL, true);
}

static void test_oversized_record(void **state)
{
	struct dir *d = *state;
	struct cdr_writer *w = NULL;
	json_t *j = json_object();
	char *big = malloc(70000), *text;

	assert_non_null(big);
	memset(big, 'y', 69999);
	big[69999] = '\0';
	json_object_set_new(j, "blob", json_string(big));
	assert_int_equal(cdr_writer_open(d->file, &w), 0);
	assert_int_equal(cdr_writer_write(w, j), EMSGSIZE);
	assert_int_equal(cdr_writer_write(w, NULL), EINVAL);
	write_one(w, &answered);
	cdr_writer_close(w);
	text = slurp(d->file);
	assert_int_equal(count_records(text), 1);
	free(text);
	json_decref(j);
	free(big);
}

/* Several threads write at once: every line stays whole. */
struct writer_arg {
	struct cdr_writer *w;
	int n;
};

static void *writer_thread(void *p)
{
	struct writer_arg *a = p;
	json_t *j = cdr_json(&answered);

	for (int i = 0; i < a->n && j; i++)
		cdr_writer_write(a->w, j);
	json_decref(j);
	return NULL;
}

static void test_threads(void **state)
{
	struct dir *d = *state;
	struct writer_arg a = { NULL, 500 };
	pthread_t th[4];
	char *text;

	assert_int_equal(cdr_writer_open(d->file, &a.w), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer_thread,
						&a), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(cdr_writer_reopen(a.w), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	cdr_writer_close(a.w);
	text = slurp(d->file);
	assert_int_equal(count_records(text), 2000);
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_json_fields),
		T(test_unanswered),
		T(test_names),
		T(test_hostile_strings),
		T(test_line_format),
		T(test_reopen_after_rename),
		T(test_reopen_failure_keeps_file),
		T(test_bad_paths),
		T(test_oversized_record),
		T(test_threads),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("cdr", tests, NULL, NULL);
}
