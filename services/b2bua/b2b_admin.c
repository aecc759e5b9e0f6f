/* b2b_admin: this instance's calls for the operator API (wsgw's
 * /api/calls).  Every b2bua subscribes to rtcgate.b2bua.calls without a
 * queue group, so one request reaches them all and wsgw gathers the
 * answers.  The request arrives on a NATS thread; the calls belong to the
 * loop, so the listing is made there and published from there.
 * Only what an operator needs is listed: no SDP, no SIP headers. */
#include "b2b_call.h"
#include "busmsg.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

enum { B2B_ADMIN_MAX_CALLS = 500 };

static const char *const b2b_admin_states[] = {
	[CALL_NEW] = "new", [CALL_PROCEEDING] = "proceeding",
	[CALL_EARLY] = "early", [CALL_ANSWERED] = "answered",
	[CALL_ENDED] = "ended",
};

struct b2b_admin_req {
	char *reply;
	long limit;
};

static void b2b_admin_req_free(struct b2b_admin_req *r)
{
	free(r->reply);
	free(r);
}

/* Strings from the SIP side may be anything: keep them valid UTF-8. */
static json_t *b2b_admin_str(const char *s)
{
	json_t *j;
	char buf[640];
	size_t i;

	if (!s || !*s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

static json_t *b2b_admin_time(int64_t ms)
{
	return ms > 0 ? json_integer(ms) : json_null();
}

static json_t *b2b_admin_call(const struct call *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", b2b_admin_str(c->id));
	json_object_set_new(o, "dir", json_string(c->dir == CALL_WEB_TO_SIP ?
						   "web->sip" : "sip->web"));
	json_object_set_new(o, "state", json_string(
		(unsigned)c->state < sizeof(b2b_admin_states) /
		sizeof(b2b_admin_states[0]) ? b2b_admin_states[c->state] : "?"));
	json_object_set_new(o, "from", b2b_admin_str(c->from));
	json_object_set_new(o, "to", b2b_admin_str(c->to));
	json_object_set_new(o, "node", b2b_admin_str(c->node));
	json_object_set_new(o, "session", b2b_admin_str(c->session));
	json_object_set_new(o, "codec_web", b2b_admin_str(c->codec_web));
	json_object_set_new(o, "codec_sip", b2b_admin_str(c->codec_sip));
	json_object_set_new(o, "started", b2b_admin_time(c->cdr.start_ms));
	json_object_set_new(o, "answered", b2b_admin_time(c->cdr.answer_ms));
	return o;
}

/* Loop thread. */
static void b2b_admin_list(void *data, void *arg)
{
	struct b2b_admin_req *r = data;
	json_t *m = busmsg_new("call_list_reply"), *calls = json_array();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, b2b.calls);
	while (g_hash_table_iter_next(&it, &k, &v) &&
	       (long)json_array_size(calls) < r->limit)
		json_array_append_new(calls, b2b_admin_call(v));
	json_object_set_new(m, "b2bua", json_string(b2b.svc.id));
	json_object_set_new(m, "calls", calls);
	json_object_set_new(m, "total",
			    json_integer(g_hash_table_size(b2b.calls)));
	json_object_set_new(m, "truncated", json_boolean(
		json_array_size(calls) < g_hash_table_size(b2b.calls)));
	bus_publish(b2b.svc.bus, r->reply, NULL, m);
	json_decref(m);
	b2b_admin_req_free(r);
}

/* NATS thread: validate, keep the reply subject, hand over to the loop
 * (b2b_bus_to_loop() would lose the reply subject). */
static void b2b_admin_heard(struct bus *b, natsMsg *msg, void *arg)
{
	const char *reply = natsMsg_GetReply(msg);
	struct b2b_admin_req *r;
	json_t *m = NULL;
	char err[128];
	long long limit;

	if (!reply || !*reply ||
	    busmsg_decode(natsMsg_GetData(msg),
			  (size_t)natsMsg_GetDataLength(msg), &m, err,
			  sizeof(err)) || strcmp(busmsg_kind(m), "call_list")) {
		metrics_inc(&b2b.svc.metrics, BM_BUS_BAD);
		json_decref(m);
		return;
	}
	limit = busmsg_int(m, "limit");
	json_decref(m);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->reply = strdup(reply))) {
		free(r);
		return;
	}
	r->limit = limit > 0 && limit < B2B_ADMIN_MAX_CALLS ? (long)limit :
		   B2B_ADMIN_MAX_CALLS;
	if (handoff_post(b2b.loop.ho, b2b_admin_list, r, NULL))
		b2b_admin_req_free(r);
}

int b2b_admin_start(void)
{
	return bus_subscribe(b2b.svc.bus, "rtcgate.b2bua.calls", NULL,
			     b2b_admin_heard, NULL);
}
