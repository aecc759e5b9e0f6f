/* cdr: call detail records as JSON lines (cdr.h).
 *
 * The writer appends each record with one write() on an O_APPEND
 * descriptor, so a record is never split by another writer of the same
 * file, and a reader never sees half a line unless the disk fills.  A
 * lock makes reopen (from a SIGHUP handler's loop callback) safe against
 * a write on another thread.
 */
#include "cdr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CDR_LINE_MAX = 65536 };

struct cdr_writer {
	pthread_mutex_t lock;
	int fd;
	bool fsync_on;
	char *path;
};

static const char *const cdr_dirs[] = { "web->sip", "sip->web", "web->web" };

static const char *const cdr_ends[] = {
	[CDR_END_NORMAL] = "normal-clearing",
	[CDR_END_BUSY] = "busy",
	[CDR_END_NO_ANSWER] = "no-answer",
	[CDR_END_CANCELLED] = "cancelled",
	[CDR_END_REJECTED] = "rejected",
	[CDR_END_MEDIA_FAILURE] = "media-failure",
	[CDR_END_FLOW_LOST] = "flow-lost",
	[CDR_END_SIP_TIMEOUT] = "sip-timeout",
	[CDR_END_MEDIA_NODE_LOST] = "media-node-lost",
	[CDR_END_TRANSFERRED] = "transferred",
	[CDR_END_SHUTDOWN] = "shutdown",
	[CDR_END_INTERNAL] = "internal-error",
};

const char *cdr_dir_name(enum cdr_dir d)
{
	return (unsigned)d < sizeof(cdr_dirs) / sizeof(cdr_dirs[0]) ?
		cdr_dirs[d] : "unknown";
}

const char *cdr_end_name(enum cdr_end e, int reject_code, char *buf,
			 size_t len)
{
	if ((unsigned)e >= sizeof(cdr_ends) / sizeof(cdr_ends[0]))
		return "unknown";
	if (e != CDR_END_REJECTED || !buf || !len)
		return cdr_ends[e];
	snprintf(buf, len, "rejected:%d", reject_code);
	return buf;
}

/* ---- strings from strangers ------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1-4) with its code point, or
 * 0 (overlong forms, surrogates and beyond U+10FFFF are invalid). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	uint32_t v, min;
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, v = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, v = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Copy at most CDR_STR_MAX bytes of valid, printable UTF-8 into out. */
static void cdr_clean(const char *in, char out[CDR_STR_MAX + 1])
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0, k;
	uint32_t cp;

	while (*s) {
		k = utf8_seq(s, &cp);
		if (!k || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			if (n + 1 > CDR_STR_MAX)
				break;
			out[n++] = '?';
			s += k ? k : 1;
			continue;
		}
		if (n + k > CDR_STR_MAX)
			break;	/* whole characters only */
		memcpy(out + n, s, k);
		n += k;
		s += k;
	}
	out[n] = '\0';
}

static json_t *cdr_str(const char *s)
{
	char buf[CDR_STR_MAX + 1];

	if (!s)
		return json_null();
	cdr_clean(s, buf);
	return json_string(buf);
}

/* ---- the record ------------------------------------------------------ */

static json_t *cdr_time(int64_t ms)
{
	return ms > 0 ? json_integer(ms) : json_null();
}

static int64_t cdr_span(int64_t from, int64_t to)
{
	return from > 0 && to > from ? to - from : 0;
}

/* Steals v; remembers a failure in *err. */
static void put(json_t *o, const char *key, json_t *v, int *err)
{
	if (!v || json_object_set_new(o, key, v))
		*err = ENOMEM;
}

static void cdr_times(json_t *o, const struct cdr *c, int *err)
{
	int64_t setup_end = c->answer_ms > 0 ? c->answer_ms : c->end_ms;

	put(o, "start", cdr_time(c->start_ms), err);
	put(o, "answer", cdr_time(c->answer_ms), err);
	put(o, "end", cdr_time(c->end_ms), err);
	put(o, "setup_ms", c->start_ms > 0 && setup_end > 0 ?
	    json_integer(cdr_span(c->start_ms, setup_end)) : json_null(), err);
	put(o, "duration_ms", json_integer(c->answer_ms > 0 ?
	    cdr_span(c->answer_ms, c->end_ms) : 0), err);
}

json_t *cdr_json(const struct cdr *c)
{
	char reason[32];
	json_t *o;
	int err = 0;

	if (!c || !(o = json_object()))
		return NULL;
	put(o, "v", json_integer(1), &err);
	put(o, "kind", json_string("cdr"), &err);	/* the bus envelope */
	put(o, "call_id", cdr_str(c->call_id), &err);
	put(o, "direction", json_string(cdr_dir_name(c->dir)), &err);
	put(o, "from", cdr_str(c->from), &err);
	put(o, "to", cdr_str(c->to), &err);
	put(o, "caller_addr", cdr_str(c->caller_addr), &err);
	cdr_times(o, c, &err);
	put(o, "codec_web", cdr_str(c->codec_web), &err);
	put(o, "codec_sip", cdr_str(c->codec_sip), &err);
	put(o, "transcoded", json_boolean(c->transcoded), &err);
	put(o, "media_node", cdr_str(c->media_node), &err);
	put(o, "node", cdr_str(c->node), &err);
	put(o, "end_reason", json_string(cdr_end_name(c->end, c->reject_code,
						      reason, sizeof(reason))),
	    &err);
	put(o, "sip_status", c->sip_status > 0 ? json_integer(c->sip_status) :
	    json_null(), &err);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the file -------------------------------------------------------- */

static int cdr_open_fd(const char *path, int *fdp)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		      O_NOCTTY, 0640);

	if (fd < 0)
		return errno;
	*fdp = fd;
	return 0;
}

int cdr_writer_open(const char *path, struct cdr_writer **wp)
{
	struct cdr_writer *w;
	int e;

	if (!path || !*path || !wp)
		return EINVAL;
	if (!(w = calloc(1, sizeof(*w))))
		return ENOMEM;
	if (!(w->path = strdup(path))) {
		free(w);
		return ENOMEM;
	}
	if ((e = cdr_open_fd(path, &w->fd))) {
		free(w->path);
		free(w);
		return e;
	}
	pthread_mutex_init(&w->lock, NULL);
	*wp = w;
	return 0;
}

void cdr_writer_set_fsync(struct cdr_writer *w, bool on)
{
	if (w)
		w->fsync_on = on;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int cdr_writer_write(struct cdr_writer *w, const json_t *j)
{
	size_t n;
	char *buf;
	int e;

	if (!w || !j)
		return EINVAL;
	n = json_dumpb(j, NULL, 0, JSON_COMPACT);
	if (n == 0)
		return EINVAL;
	if (n >= CDR_LINE_MAX)
		return EMSGSIZE;
	if (!(buf = malloc(n + 1)))
		return ENOMEM;
	/* jansson escapes control characters, so the line is one line */
	json_dumpb(j, buf, n, JSON_COMPACT);
	buf[n] = '\n';
	pthread_mutex_lock(&w->lock);
	e = write_all(w->fd, buf, n + 1);
	if (!e && w->fsync_on && fsync(w->fd))
		e = errno;
	pthread_mutex_unlock(&w->lock);
	free(buf);
	return e;
}

int cdr_writer_reopen(struct cdr_writer *w)
{
	int fd = -1, old, e;

	if (!w)
		return EINVAL;
	if ((e = cdr_open_fd(w->path, &fd)))
		return e;
	pthread_mutex_lock(&w->lock);
	old = w->fd;
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
	close(old);
	return 0;
}

void cdr_writer_close(struct cdr_writer *w)
{
	if (!w)
		return;
	close(w->fd);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
