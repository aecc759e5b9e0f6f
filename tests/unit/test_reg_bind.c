/* Unit tests for registrar/reg_bind (the pure binding rules: add, refresh,
 * remove by contact or by +sip.instance/reg-id, wildcard, expiry, flows,
 * KV keys) and for the rules reg_sip.c applies around them (max contacts,
 * min/max/default expiry, wildcard with Expires: 0, expired bindings
 * dropped on read).
 *
 * Those reg_sip.c rules live in static functions next to bus and KV I/O,
 * so this file includes reg_sip.c itself with the I/O calls renamed (the
 * #defines below) to in-memory stand-ins: every REGISTER goes through the
 * real parser, digest check, reg_guard and reg_bind, and its reply is the
 * text that would have been published to the wsgw.  Run with a name filter
 * as argv[1] ("*outbound*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The I/O of reg_sip.c, replaced for this file only (see above). */
#define bus_publish stub_bus_publish
#define reg_store_update stub_store_update
#define reg_store_get stub_store_get
#define reg_flow_remember stub_flow_remember
#define reg_publish_events stub_publish_events
#define reg_sip_handle included_reg_sip_handle
#define reg_sip_auth_check included_reg_sip_auth_check
#include "registrar/reg_sip.c"

#include "registrar/reg_bind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(f) cmocka_unit_test(f)
#define TR(f) cmocka_unit_test_setup_teardown(f, reg_setup, reg_teardown)

enum { NOW = 1700000000 };

static const struct reg_flow FLOW_A = {
	.edge = "wsgw-a", .conn = "c1", .src = "192.0.2.1",
	.ua = "JsSIP 3.10.1", .call_id = "cid-a", .cseq = 2,
};
static const struct reg_flow FLOW_B = {
	.edge = "wsgw-b", .conn = "c7", .src = "192.0.2.1",
	.ua = "JsSIP 3.10.1", .call_id = "cid-b", .cseq = 2,
};

#define INST1 "<urn:uuid:0c3f9ab4-6bd4-4f5a-9d3a-3f2a1b4c5d6e>"
#define INST2 "<urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d>"

static struct reg_contact ct(const char *uri, const char *inst, long rid,
			     long expires)
{
	return (struct reg_contact){ uri, inst, rid, expires };
}

static const char *bstr(const json_t *b, const char *k)
{
	return json_string_value(json_object_get(b, k));
}

static json_int_t bint(const json_t *b, const char *k)
{
	return json_integer_value(json_object_get(b, k));
}

static const char *event_name(const json_t *events, size_t i)
{
	return bstr(json_array_get(events, i), "event");
}

/* Apply one contact and expect success. */
static void apply1(json_t *bs, struct reg_contact c, const struct reg_flow *f,
		   int64_t now, json_t *ev)
{
	json_array_clear(ev);
	assert_int_equal(reg_bind_apply(bs, &c, 1, f, now, ev), 0);
}

/* ---- adding, refreshing, removing by contact ----------------------- */

static void test_add_binding_fields(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:a1@x.invalid;transport=ws", NULL, -1, 600), &FLOW_A,
	       NOW, ev);
	assert_int_equal(json_array_size(bs), 1);
	json_t *b = json_array_get(bs, 0);
	assert_string_equal(bstr(b, "contact"), "sip:a1@x.invalid;transport=ws");
	assert_true(json_is_null(json_object_get(b, "instance")));
	assert_int_equal(bint(b, "reg_id"), -1);
	assert_string_equal(bstr(b, "edge"), "wsgw-a");
	assert_string_equal(bstr(b, "conn"), "c1");
	assert_string_equal(bstr(b, "src"), "192.0.2.1");
	assert_string_equal(bstr(b, "ua"), "JsSIP 3.10.1");
	assert_string_equal(bstr(b, "call_id"), "cid-a");
	assert_int_equal(bint(b, "cseq"), 2);
	assert_int_equal(bint(b, "expires_at"), NOW + 600);
	assert_int_equal(bint(b, "registered_at"), NOW);
	assert_int_equal(reg_bind_remaining(b, NOW), 600);
	assert_int_equal(reg_bind_remaining(b, NOW + 599), 1);
	assert_int_equal(reg_bind_remaining(b, NOW + 600), 0);
	assert_int_equal(reg_bind_remaining(b, NOW + 10000), 0);
	/* one event, with what a subscriber needs to find the flow */
	assert_int_equal(json_array_size(ev), 1);
	json_t *e = json_array_get(ev, 0);
	assert_string_equal(bstr(e, "event"), "registered");
	assert_string_equal(bstr(e, "contact"), "sip:a1@x.invalid;transport=ws");
	assert_string_equal(bstr(e, "edge"), "wsgw-a");
	assert_string_equal(bstr(e, "conn"), "c1");
	assert_true(json_is_null(json_object_get(e, "instance")));
	/* optional flow fields may be missing: stored as null */
	struct reg_flow bare = { .edge = "e", .conn = "c" };
	apply1(bs, ct("sip:a2@x.invalid", NULL, -1, 60), &bare, NOW, NULL);
	b = json_array_get(bs, 1);
	assert_true(json_is_null(json_object_get(b, "ua")));
	assert_true(json_is_null(json_object_get(b, "call_id")));
	assert_true(json_is_null(json_object_get(b, "src")));
	json_decref(bs);
	json_decref(ev);
}

static void test_refresh_and_remove_by_contact(void **state)
{
	json_t *bs = json_array(), *ev = json_array();
	struct reg_flow f = FLOW_A;

	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 600), &f, NOW, ev);
	apply1(bs, ct("sip:a2@y.invalid", NULL, -1, 600), &f, NOW, ev);
	/* same contact later: refreshed in place, registered_at kept */
	f.cseq = 3;
	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 300), &f, NOW + 100, ev);
	assert_int_equal(json_array_size(bs), 2);
	json_t *b = json_array_get(bs, 0);
	assert_string_equal(bstr(b, "contact"), "sip:a1@x.invalid");
	assert_int_equal(bint(b, "expires_at"), NOW + 400);
	assert_int_equal(bint(b, "registered_at"), NOW);
	assert_int_equal(bint(b, "cseq"), 3);
	assert_string_equal(event_name(ev, 0), "refreshed");
	/* the contact is compared as a string: another URI is another
	 * binding */
	apply1(bs, ct("sip:a1@x.invalid;transport=ws", NULL, -1, 60), &f,
	       NOW + 100, ev);
	assert_int_equal(json_array_size(bs), 3);
	assert_string_equal(event_name(ev, 0), "registered");
	/* expires 0 removes that contact only */
	f.cseq = 4;
	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 0), &f, NOW + 101, ev);
	assert_int_equal(json_array_size(bs), 2);
	assert_string_equal(bstr(json_array_get(bs, 0), "contact"),
			    "sip:a2@y.invalid");
	assert_int_equal(json_array_size(ev), 1);
	assert_string_equal(event_name(ev, 0), "removed");
	/* removing what is not there changes nothing and says nothing */
	apply1(bs, ct("sip:zz@x.invalid", NULL, -1, 0), &f, NOW + 102, ev);
	assert_int_equal(json_array_size(bs), 2);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(bs);
	json_decref(ev);
}

static void test_several_contacts_in_one_request(void **state)
{
	json_t *bs = json_array(), *ev = json_array();
	struct reg_contact cs[] = {
		ct("sip:tab1@a.invalid", NULL, -1, 600),
		ct("sip:tab2@b.invalid", NULL, -1, 120),
		ct("sip:tab3@c.invalid", NULL, -1, 0),	/* nothing to remove */
	};

	assert_int_equal(reg_bind_apply(bs, cs, 3, &FLOW_A, NOW, ev), 0);
	assert_int_equal(json_array_size(bs), 2);
	assert_int_equal(json_array_size(ev), 2);
	assert_int_equal(reg_bind_remaining(json_array_get(bs, 1), NOW), 120);
	/* a contact repeated within one request: the last one wins */
	struct reg_contact twice[] = {
		ct("sip:tab1@a.invalid", NULL, -1, 600),
		ct("sip:tab1@a.invalid", NULL, -1, 0),
	};
	assert_int_equal(reg_bind_apply(bs, twice, 2, &FLOW_A, NOW, ev), 0);
	assert_int_equal(json_array_size(bs), 1);
	/* zero contacts: nothing at all */
	json_array_clear(ev);
	assert_int_equal(reg_bind_apply(bs, NULL, 0, &FLOW_A, NOW, ev), 0);
	assert_int_equal(json_array_size(bs), 1);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(bs);
	json_decref(ev);
}

/* RFC 3261 10.3 step 7: same Call-ID with a lower CSeq is out of order and
 * changes nothing (not even the other contacts of that request); another
 * Call-ID always updates. */
static void test_out_of_order_cseq(void **state)
{
	json_t *bs = json_array(), *ev = json_array();
	struct reg_flow f = FLOW_A;

	f.cseq = 10;
	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 600), &f, NOW, ev);
	char *before = json_dumps(bs, JSON_COMPACT);
	struct reg_contact cs[] = {
		ct("sip:new@x.invalid", NULL, -1, 600),
		ct("sip:a1@x.invalid", NULL, -1, 0),
	};
	f.cseq = 9;
	json_array_clear(ev);
	assert_int_equal(reg_bind_apply(bs, cs, 2, &f, NOW + 1, ev), EALREADY);
	char *after = json_dumps(bs, JSON_COMPACT);
	assert_string_equal(before, after);
	assert_int_equal(json_array_size(ev), 0);
	free(after);
	/* the same CSeq again is accepted (the registrar has no transaction
	 * layer to absorb a retransmission; RFC 3261 10.3 would refuse) */
	f.cseq = 10;
	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 600), &f, NOW + 2, ev);
	/* another Call-ID with a lower CSeq: a new registration, accepted */
	f.call_id = "cid-other";
	f.cseq = 1;
	apply1(bs, ct("sip:a1@x.invalid", NULL, -1, 0), &f, NOW + 3, ev);
	assert_int_equal(json_array_size(bs), 0);
	free(before);
	json_decref(bs);
	json_decref(ev);
}

/* ---- instance ids and outbound (RFC 5626, RFC 5627) ---------------- */

/* A browser tab reconnects: new WebSocket (new flow, new .invalid contact
 * host), same +sip.instance and reg-id: the older binding is replaced and
 * now points at the new flow. */
static void test_outbound_new_flow_replaces(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:k1@old.invalid;transport=ws", INST1, 1, 600),
	       &FLOW_A, NOW, ev);
	apply1(bs, ct("sip:k2@new.invalid;transport=ws", INST1, 1, 600),
	       &FLOW_B, NOW + 50, ev);
	assert_int_equal(json_array_size(bs), 1);
	json_t *b = json_array_get(bs, 0);
	assert_string_equal(bstr(b, "contact"), "sip:k2@new.invalid;transport=ws");
	assert_string_equal(bstr(b, "instance"), INST1);
	assert_int_equal(bint(b, "reg_id"), 1);
	assert_string_equal(bstr(b, "edge"), "wsgw-b");
	assert_string_equal(bstr(b, "conn"), "c7");
	assert_int_equal(bint(b, "registered_at"), NOW);
	assert_int_equal(bint(b, "expires_at"), NOW + 650);
	assert_string_equal(event_name(ev, 0), "refreshed");
	/* the old flow closing now removes nothing */
	json_array_clear(ev);
	assert_int_equal(reg_bind_remove_flow(bs, "wsgw-a", "c1", ev), 0);
	assert_int_equal(json_array_size(bs), 1);
	json_decref(bs);
	json_decref(ev);
}

static void test_outbound_identity(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:k@a.invalid", INST1, 1, 600), &FLOW_A, NOW, ev);
	/* same instance, another reg-id: a second flow of the same UA */
	apply1(bs, ct("sip:k@a.invalid", INST1, 2, 600), &FLOW_B, NOW, ev);
	assert_int_equal(json_array_size(bs), 2);
	/* another instance with the same contact URI: another UA */
	apply1(bs, ct("sip:k@a.invalid", INST2, 1, 600), &FLOW_B, NOW, ev);
	assert_int_equal(json_array_size(bs), 3);
	/* a contact without instance never matches one with an instance,
	 * even with the same URI */
	apply1(bs, ct("sip:k@a.invalid", NULL, -1, 600), &FLOW_A, NOW, ev);
	assert_int_equal(json_array_size(bs), 4);
	assert_string_equal(event_name(ev, 0), "registered");
	apply1(bs, ct("sip:k@a.invalid", NULL, -1, 0), &FLOW_A, NOW, ev);
	assert_int_equal(json_array_size(bs), 3);
	/* removal by instance and reg-id, whatever the URI */
	apply1(bs, ct("sip:whatever@z.invalid", INST1, 2, 0), &FLOW_A, NOW, ev);
	assert_int_equal(json_array_size(bs), 2);
	assert_string_equal(event_name(ev, 0), "removed");
	assert_int_equal(bint(json_array_get(bs, 0), "reg_id"), 1);
	json_decref(bs);
	json_decref(ev);
}

/* RFC 5627 without outbound: +sip.instance alone (reg-id absent, -1)
 * identifies the UA, so a new contact replaces the old one. */
static void test_instance_without_reg_id(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:k@a.invalid", INST1, -1, 600), &FLOW_A, NOW, ev);
	apply1(bs, ct("sip:k@b.invalid", INST1, -1, 600), &FLOW_B, NOW, ev);
	assert_int_equal(json_array_size(bs), 1);
	assert_string_equal(bstr(json_array_get(bs, 0), "contact"),
			    "sip:k@b.invalid");
	/* with a reg-id it is a different (outbound) registration */
	apply1(bs, ct("sip:k@b.invalid", INST1, 1, 600), &FLOW_B, NOW, ev);
	assert_int_equal(json_array_size(bs), 2);
	json_decref(bs);
	json_decref(ev);
}

/* ---- wildcard, expiry, flows --------------------------------------- */

static void test_remove_all(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:a@1.invalid", NULL, -1, 600), &FLOW_A, NOW, NULL);
	apply1(bs, ct("sip:a@2.invalid", INST1, 1, 600), &FLOW_B, NOW, NULL);
	assert_int_equal(reg_bind_remove_all(bs, ev), 2);
	assert_int_equal(json_array_size(bs), 0);
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(event_name(ev, 0), "removed");
	assert_string_equal(event_name(ev, 1), "removed");
	assert_int_equal(reg_bind_remove_all(bs, ev), 0);
	assert_int_equal(reg_bind_remove_all(bs, NULL), 0);
	json_decref(bs);
	json_decref(ev);
}

static void test_expire(void **state)
{
	json_t *bs = json_array(), *ev = json_array();

	apply1(bs, ct("sip:short@x.invalid", NULL, -1, 60), &FLOW_A, NOW, NULL);
	apply1(bs, ct("sip:long@x.invalid", NULL, -1, 600), &FLOW_A, NOW, NULL);
	apply1(bs, ct("sip:mid@x.invalid", NULL, -1, 120), &FLOW_A, NOW, NULL);
	assert_int_equal(reg_bind_expire(bs, NOW + 59, ev), 0);
	assert_int_equal(json_array_size(ev), 0);
	/* at expires_at exactly, a binding is gone */
	assert_int_equal(reg_bind_expire(bs, NOW + 60, ev), 1);
	assert_string_equal(event_name(ev, 0), "expired");
	assert_string_equal(bstr(json_array_get(ev, 0), "contact"),
			    "sip:short@x.invalid");
	json_array_clear(ev);
	assert_int_equal(reg_bind_expire(bs, NOW + 10000, ev), 2);
	assert_int_equal(json_array_size(bs), 0);
	assert_int_equal(json_array_size(ev), 2);
	/* values from an older version without expires_at count as expired */
	json_array_append_new(bs, json_pack("{s:s}", "contact", "sip:x@y"));
	assert_int_equal(reg_bind_expire(bs, NOW, NULL), 1);
	json_decref(bs);
	json_decref(ev);
}

static void test_remove_flow(void **state)
{
	json_t *bs = json_array(), *ev = json_array();
	struct reg_flow a2 = FLOW_A;

	a2.conn = "c2";
	apply1(bs, ct("sip:1@x.invalid", NULL, -1, 600), &FLOW_A, NOW, NULL);
	apply1(bs, ct("sip:2@x.invalid", NULL, -1, 600), &FLOW_B, NOW, NULL);
	apply1(bs, ct("sip:3@x.invalid", NULL, -1, 600), &FLOW_A, NOW, NULL);
	apply1(bs, ct("sip:4@x.invalid", NULL, -1, 600), &a2, NOW, NULL);
	/* the same conn id on another edge is another flow */
	assert_int_equal(reg_bind_remove_flow(bs, "wsgw-b", "c1", ev), 0);
	assert_int_equal(reg_bind_remove_flow(bs, "wsgw-a", "c1", ev), 2);
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(event_name(ev, 0), "removed");
	assert_int_equal(json_array_size(bs), 2);
	assert_string_equal(bstr(json_array_get(bs, 0), "contact"),
			    "sip:2@x.invalid");
	assert_string_equal(bstr(json_array_get(bs, 1), "contact"),
			    "sip:4@x.invalid");
	json_decref(bs);
	json_decref(ev);
}

/* ---- KV keys -------------------------------------------------------- */

/* Characters a JetStream KV key may hold: [-/_=.a-zA-Z0-9]. */
static int kv_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (!n || k[0] == '.' || k[n - 1] == '.' || strstr(k, ".."))
		return 0;
	return strspn(k, "-/_=.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
		      "RSTUVWXYZ0123456789") == n;
}

/* The inverse of reg_bind_key, to prove no two AoRs share a key. */
static int key_decode(const char *key, char *out, size_t len)
{
	size_t o = 0;

	if (strncmp(key, "aor.", 4))
		return -1;
	for (const char *p = key + 4; *p; p++) {
		if (o + 1 >= len)
			return -1;
		if (*p == '=') {
			unsigned v;
			if (sscanf(p + 1, "%2X", &v) != 1 || !p[1] || !p[2])
				return -1;
			out[o++] = (char)v;
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return 0;
}

static void test_key_escaping_round_trip(void **state)
{
	static const char *const aors[] = {
		"alice@example.com",
		"a.b@example.com",
		"a=2Eb@example.com",	/* looks like an escape: is escaped */
		"a=b@example.com",
		"*@example.com",
		">@example.com",
		"with space@example.com",
		"tab\there@example.com",
		"percent%41@example.com",
		"slash/and\\back@example.com",
		"caf\xc3\xa9@example.com",	/* UTF-8 */
		"\xff\x01@example.com",
		"UPPER@example.com",	/* case is kept: a different key */
		"upper@example.com",
		"-_@example.com",
		"+33123456789@example.com",
		"a..b@example.com",
		".@.",
	};
	char keys[sizeof(aors) / sizeof(aors[0])][REG_KEY_MAX];
	char back[REG_KEY_MAX];

	for (size_t i = 0; i < sizeof(aors) / sizeof(aors[0]); i++) {
		assert_int_equal(reg_bind_key(aors[i], keys[i]), 0);
		if (!kv_key_ok(keys[i]))
			fail_msg("%s -> %s: not a KV key", aors[i], keys[i]);
		assert_int_equal(key_decode(keys[i], back, sizeof(back)), 0);
		assert_string_equal(back, aors[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(keys[i], keys[j]);
	}
	assert_string_equal(keys[0], "aor.alice=40example=2Ecom");
	assert_string_equal(keys[2], "aor.a=3D2Eb=40example=2Ecom");
}

static void test_key_limits(void **state)
{
	char aor[400], key[REG_KEY_MAX];

	assert_int_equal(reg_bind_key("", key), EINVAL);
	/* plain characters take one byte: 292 fit after "aor." */
	memset(aor, 'a', 292);
	aor[292] = '\0';
	assert_int_equal(reg_bind_key(aor, key), 0);
	assert_int_equal(strlen(key), 296);
	memset(aor, 'a', 293);
	aor[293] = '\0';
	assert_int_equal(reg_bind_key(aor, key), EINVAL);
	/* escaped ones take three: 98 fit */
	memset(aor, '.', 98);
	aor[98] = '\0';
	assert_int_equal(reg_bind_key(aor, key), 0);
	assert_int_equal(strlen(key), 4 + 3 * 98);
	memset(aor, '.', 99);
	aor[99] = '\0';
	assert_int_equal(reg_bind_key(aor, key), EINVAL);
	/* the longest AoR reg_sip accepts (127-byte user, 255-byte domain,
	 * all plain) does not fit: EINVAL, then a 500 to the client */
	memset(aor, 'u', 127);
	aor[127] = '@';
	memset(aor + 128, 'd', 255);
	aor[383] = '\0';
	assert_int_equal(reg_bind_key(aor, key), EINVAL);
}

static void test_flow_key(void **state)
{
	char key[REG_KEY_MAX], big[REG_KEY_MAX];

	assert_int_equal(reg_bind_flow_key("wsgw-host-1234", "c1f", key), 0);
	assert_string_equal(key, "flow.wsgw-host-1234.c1f");
	assert_true(kv_key_ok(key));
	/* keys of AoRs and of flows never collide: different prefixes */
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(reg_bind_flow_key(big, "c1", key), EINVAL);
	big[REG_KEY_MAX - 9] = '\0';	/* "flow." + edge + ".c1" = 299 */
	assert_int_equal(reg_bind_flow_key(big, "c1", key), 0);
	assert_int_equal(strlen(key), REG_KEY_MAX - 1);
}

/* ==== the rules in reg_sip.c, through the whole REGISTER path ========= */

/* The in-memory KV bucket and the captured bus. */
static GHashTable *store;	/* key -> json_t * */
static char *last_reply;	/* SIP text of the last "send" */
static json_t *published;	/* events, with "aor" added */
static struct metric_def test_metric_defs[RM__COUNT];

int stub_bus_publish(struct bus *b, const char *subject, const char *reply,
		     const json_t *m)
{
	const char *sip = json_string_value(json_object_get(m, "sip"));

	free(last_reply);
	last_reply = sip ? strdup(sip) : NULL;
	return 0;
}

int stub_store_get(struct reg_store *s, const char *key, json_t **out)
{
	json_t *v = g_hash_table_lookup(store, key);

	*out = v ? json_deep_copy(v) : json_array();
	return 0;
}

/* Mirrors reg_store_update: ENODATA leaves the key, returns the value. */
int stub_store_update(struct reg_store *s, const char *key, reg_store_fn *fn,
		      void *arg, json_t **out)
{
	json_t *val;
	int e;

	stub_store_get(s, key, &val);
	e = fn(val, arg);
	if (!e)
		g_hash_table_replace(store, g_strdup(key), json_deep_copy(val));
	if (e == ENODATA)
		e = 0;
	if (!e && out)
		*out = val;
	else
		json_decref(val);
	return e;
}

int stub_flow_remember(struct reg *r, const char *edge, const char *conn,
		       const char *aor)
{
	return 0;
}

void stub_publish_events(struct reg *r, const char *aor, json_t *events)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev) {
		json_t *c = json_deep_copy(ev);
		json_object_set_new(c, "aor", json_string(aor));
		json_array_append_new(published, c);
	}
}

static int reg_setup(void **state)
{
	struct reg *r = calloc(1, sizeof(*r));
	char err[128];

	if (!r)
		return -1;
	for (int i = 0; i < RM__COUNT; i++)
		test_metric_defs[i] = (struct metric_def){ "m_total", "" };
	log_init("test", LOG_LVL_ERROR, LOG_FMT_TEXT);
	r->cfg = (struct reg_cfg){
		.nonce_ttl = 300, .min_expires = 60, .max_expires = 3600,
		.default_expires = 600, .max_contacts = 3, .max_failures = 5,
		.max_failures_ip = 50, .failure_window = 300, .workers = 1,
		.prefer_sha256 = 1,
	};
	snprintf(r->domain, sizeof(r->domain), "example.com");
	snprintf(r->secret, sizeof(r->secret), "unit-secret");
	pthread_rwlock_init(&r->users_lock, NULL);
	if (metrics_init(&r->svc.metrics, test_metric_defs, RM__COUNT) ||
	    reg_guard_new(&r->guard) ||
	    reg_users_parse("alice alice-pw\nbob bob-pw\n", &r->users, err,
			    sizeof(err)))
		return -1;
	store = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)json_decref);
	published = json_array();
	*state = r;
	return 0;
}

static int reg_teardown(void **state)
{
	struct reg *r = *state;

	reg_users_free(r->users);
	reg_guard_free(r->guard);
	metrics_fini(&r->svc.metrics);
	pthread_rwlock_destroy(&r->users_lock);
	free(r);
	g_hash_table_destroy(store);
	json_decref(published);
	free(last_reply);
	last_reply = NULL;
	return 0;
}

/* One SIP text through reg_sip_handle; the reply (caller frees) or NULL. */
static char *exchange(struct reg *r, const char *conn, const char *text)
{
	json_t *env = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "v",
				BUSMSG_VERSION, "kind", "sip", "edge", "wsgw-a",
				"conn", conn, "src_ip", "192.0.2.1", "sip", text);

	free(last_reply);
	last_reply = NULL;
	included_reg_sip_handle(r, env);
	json_decref(env);
	char *out = last_reply;
	last_reply = NULL;
	return out;
}

static char *register_text(const char *user, const char *call_id, long cseq,
			   const char *headers)
{
	return g_strdup_printf(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/WSS t.invalid;branch=z9hG4bK-%s-%ld\r\n"
		"Max-Forwards: 70\r\n"
		"To: <sip:%s@example.com>\r\n"
		"From: <sip:%s@example.com>;tag=t%ld\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %ld REGISTER\r\n"
		"User-Agent: JsSIP 3.10.1\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n",
		call_id, cseq, user, user, cseq, call_id, cseq, headers);
}

static int status_of(const char *reply)
{
	return reply && !strncmp(reply, "SIP/2.0 ", 8) ? atoi(reply + 8) : -1;
}

/* The nonce of the MD5 challenge in a 401, copied to out. */
static int md5_nonce(const char *reply, char out[REG_NONCE_LEN])
{
	for (const char *p = reply; (p = strstr(p, "WWW-Authenticate:")); p++) {
		const char *eol = strstr(p, "\r\n");
		const char *alg = strstr(p, "algorithm=MD5");
		const char *n = strstr(p, "nonce=\"");
		if (!eol || !alg || alg > eol || !n || n > eol)
			continue;
		snprintf(out, REG_NONCE_LEN, "%.*s", REG_NONCE_LEN - 1, n + 7);
		return 0;
	}
	return -1;
}

/* A REGISTER answered with a 401, then again with digest credentials
 * (CSeq cseq, then cseq + 1); the final reply (caller frees). */
static char *do_register(struct reg *r, const char *user, const char *pass,
			 const char *conn, const char *call_id, long cseq,
			 const char *headers)
{
	char *text = register_text(user, call_id, cseq, headers);
	char *reply = exchange(r, conn, text);
	char nonce[REG_NONCE_LEN], ha1[REG_HEX_MAX], resp[REG_HEX_MAX];
	struct reg_cred c = { 0 };

	g_free(text);
	if (status_of(reply) != 401 || md5_nonce(reply, nonce))
		return reply;
	free(reply);
	snprintf(c.password, sizeof(c.password), "%s", pass);
	reg_ha1(&c, REG_ALG_MD5, user, "example.com", ha1);
	reg_digest_response(REG_ALG_MD5, ha1, nonce, "00000001", "0a4f113b",
			    "auth", "REGISTER", "sip:example.com", resp);
	char *auth = g_strdup_printf(
		"%sAuthorization: Digest username=\"%s\", realm=\"example.com\", "
		"nonce=\"%s\", uri=\"sip:example.com\", response=\"%s\", "
		"algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\"\r\n",
		headers, user, nonce, resp);
	text = register_text(user, call_id, cseq + 1, auth);
	g_free(auth);
	reply = exchange(r, conn, text);
	g_free(text);
	return reply;
}

/* The stored bindings of user@example.com (borrowed), or NULL. */
static json_t *stored(const char *user)
{
	char aor[200], key[REG_KEY_MAX];

	snprintf(aor, sizeof(aor), "%s@example.com", user);
	assert_int_equal(reg_bind_key(aor, key), 0);
	return g_hash_table_lookup(store, key);	/* NULL: never written */
}

static size_t nstored(const char *user)
{
	return json_array_size(stored(user));
}

/* Register and expect status; returns nothing, frees the reply. */
static void expect_register(struct reg *r, const char *headers, int status,
			    const char *want)
{
	static long cseq = 100;
	char *reply = do_register(r, "alice", "alice-pw", "c1", "cid-alice",
				  cseq += 2, headers);

	if (status_of(reply) != status || (want && !strstr(reply, want)))
		fail_msg("expected %d with \"%s\", got:\n%s", status,
			 want ? want : "", reply ? reply : "(nothing)");
	free(reply);
}

static void test_sip_challenge_then_ok(void **state)
{
	struct reg *r = *state;
	char *text = register_text("alice", "cid-x", 1,
				   "Contact: <sip:a@x.invalid;transport=ws>\r\n");
	char *reply = exchange(r, "c1", text);

	g_free(text);
	assert_int_equal(status_of(reply), 401);
	/* both algorithms, SHA-256 first (RFC 8760 section 2.3) */
	const char *sha = strstr(reply, "algorithm=SHA-256");
	const char *md5 = strstr(reply, "algorithm=MD5");
	assert_non_null(sha);
	assert_non_null(md5);
	assert_true(sha < md5);
	assert_non_null(strstr(reply, "qop=\"auth\""));
	free(reply);
	assert_int_equal(nstored("alice"), 0);
	/* a wrong password stores nothing either */
	reply = do_register(r, "alice", "wrong", "c1", "cid-x", 3,
			    "Contact: <sip:a@x.invalid;transport=ws>\r\n");
	assert_int_equal(status_of(reply), 401);
	free(reply);
	assert_int_equal(nstored("alice"), 0);
	expect_register(r, "Contact: <sip:a@x.invalid;transport=ws>\r\n", 200,
			"Contact: <sip:a@x.invalid;transport=ws>;expires=600");
	assert_int_equal(nstored("alice"), 1);
	assert_string_equal(bstr(json_array_get(published, 0), "event"),
			    "registered");
	assert_string_equal(bstr(json_array_get(published, 0), "aor"),
			    "alice@example.com");
}

/* RFC 3261 10.2.1 / 10.3 step 6: the contact's expires parameter, else the
 * Expires header, else the default; above the maximum it is cut down. */
static void test_sip_expiry_default_header_param_max(void **state)
{
	struct reg *r = *state;

	r->cfg.max_contacts = 10;
	expect_register(r, "Contact: <sip:d@x.invalid>\r\n", 200,
			"Contact: <sip:d@x.invalid>;expires=600");
	expect_register(r, "Contact: <sip:h@x.invalid>\r\nExpires: 120\r\n",
			200, "Contact: <sip:h@x.invalid>;expires=120");
	expect_register(r, "Contact: <sip:p@x.invalid>;expires=90\r\n"
			"Expires: 120\r\n", 200,
			"Contact: <sip:p@x.invalid>;expires=90");
	expect_register(r, "Contact: <sip:m@x.invalid>;expires=999999\r\n",
			200, "Contact: <sip:m@x.invalid>;expires=3600");
	expect_register(r, "Contact: <sip:x@x.invalid>\r\nExpires: 3601\r\n",
			200, "Contact: <sip:x@x.invalid>;expires=3600");
	expect_register(r, "Contact: <sip:e@x.invalid>;expires=60\r\n", 200,
			"Contact: <sip:e@x.invalid>;expires=60");
	/* the 200 lists every live binding, this request's and older */
	assert_int_equal(nstored("alice"), 6);
	json_t *m = json_array_get(stored("alice"), 3);
	assert_string_equal(bstr(m, "contact"), "sip:m@x.invalid");
	assert_true(reg_bind_remaining(m, reg_now()) > 3590);
}

/* RFC 3261 10.3 step 6: shorter than the minimum is 423 with Min-Expires,
 * and nothing is stored. */
static void test_sip_min_expires(void **state)
{
	struct reg *r = *state;

	expect_register(r, "Contact: <sip:a@x.invalid>;expires=59\r\n", 423,
			"Min-Expires: 60\r\n");
	expect_register(r, "Contact: <sip:a@x.invalid>\r\nExpires: 1\r\n", 423,
			"Min-Expires: 60\r\n");
	/* one brief contact spoils the whole request */
	expect_register(r, "Contact: <sip:ok@x.invalid>, "
			"<sip:a@x.invalid>;expires=30\r\n", 423, "Min-Expires");
	assert_int_equal(nstored("alice"), 0);
	/* the minimum itself is fine */
	expect_register(r, "Contact: <sip:a@x.invalid>;expires=60\r\n", 200,
			";expires=60");
	/* expires=0 is never too brief: it removes */
	expect_register(r, "Contact: <sip:a@x.invalid>;expires=0\r\n", 200,
			NULL);
	assert_int_equal(nstored("alice"), 0);
}

static void test_sip_max_contacts(void **state)
{
	struct reg *r = *state;

	/* more Contacts in one request than max_contacts (3) */
	expect_register(r, "Contact: <sip:1@x.invalid>, <sip:2@x.invalid>, "
			"<sip:3@x.invalid>, <sip:4@x.invalid>\r\n", 403,
			"Too Many Contacts");
	assert_int_equal(nstored("alice"), 0);
	expect_register(r, "Contact: <sip:1@x.invalid>, <sip:2@x.invalid>\r\n",
			200, NULL);
	expect_register(r, "Contact: <sip:3@x.invalid>\r\n", 200, NULL);
	/* a fourth binding across requests */
	expect_register(r, "Contact: <sip:4@x.invalid>\r\n", 403,
			"Too Many Registrations");
	assert_int_equal(nstored("alice"), 3);
	/* refreshing one of the three is fine; so is replacing one */
	expect_register(r, "Contact: <sip:3@x.invalid>\r\n", 200, NULL);
	expect_register(r, "Contact: <sip:3@x.invalid>;expires=0, "
			"<sip:4@x.invalid>\r\n", 200, "<sip:4@x.invalid>");
	assert_int_equal(nstored("alice"), 3);
	/* bob has his own three */
	char *reply = do_register(r, "bob", "bob-pw", "c2", "cid-bob", 1,
				  "Contact: <sip:b@x.invalid>\r\n");
	assert_int_equal(status_of(reply), 200);
	free(reply);
}

/* RFC 3261 10.2.2: Contact: * with Expires: 0 removes every binding; any
 * other use of * is a 400. */
static void test_sip_wildcard(void **state)
{
	struct reg *r = *state;

	expect_register(r, "Contact: <sip:1@x.invalid>, <sip:2@x.invalid>\r\n",
			200, NULL);
	expect_register(r, "Contact: *\r\n", 400, "Invalid Wildcard Contact");
	expect_register(r, "Contact: *\r\nExpires: 60\r\n", 400,
			"Invalid Wildcard");
	expect_register(r, "Contact: *, <sip:3@x.invalid>\r\nExpires: 0\r\n",
			400, "Invalid Wildcard");
	assert_int_equal(nstored("alice"), 2);
	json_array_clear(published);
	expect_register(r, "Contact: *\r\nExpires: 0\r\n", 200, NULL);
	assert_int_equal(nstored("alice"), 0);
	assert_int_equal(json_array_size(published), 2);
	assert_string_equal(bstr(json_array_get(published, 0), "event"),
			    "removed");
	/* again on nothing: still 200 */
	expect_register(r, "Contact: *\r\nExpires: 0\r\n", 200, NULL);
}

/* Bindings past their expiry are dropped whenever the AoR is read for a
 * REGISTER (also a query without Contact), with an "expired" event, even
 * if no sweep ran. */
static void test_sip_expired_dropped_on_read(void **state)
{
	struct reg *r = *state;
	int64_t now = reg_now();
	char key[REG_KEY_MAX];

	assert_int_equal(reg_bind_key("alice@example.com", key), 0);
	g_hash_table_replace(store, g_strdup(key), json_pack(
		"[{s:s, s:n, s:I, s:s, s:s, s:I, s:I},"
		" {s:s, s:n, s:I, s:s, s:s, s:I, s:I}]",
		"contact", "sip:old@x.invalid", "instance", "reg_id",
		(json_int_t)-1, "edge", "wsgw-a", "conn", "c0", "expires_at",
		(json_int_t)(now - 5), "registered_at", (json_int_t)(now - 700),
		"contact", "sip:live@x.invalid", "instance", "reg_id",
		(json_int_t)-1, "edge", "wsgw-a", "conn", "c0", "expires_at",
		(json_int_t)(now + 100), "registered_at", (json_int_t)now));
	/* a query: no Contact */
	char *reply = do_register(r, "alice", "alice-pw", "c1", "cid-q", 1, "");
	assert_int_equal(status_of(reply), 200);
	assert_null(strstr(reply, "sip:old@"));
	assert_non_null(strstr(reply, "Contact: <sip:live@x.invalid>;expires="));
	free(reply);
	assert_int_equal(nstored("alice"), 1);
	assert_int_equal(json_array_size(published), 1);
	assert_string_equal(bstr(json_array_get(published, 0), "event"),
			    "expired");
	/* a query that finds nothing expired writes nothing */
	json_t *before = json_deep_copy(stored("alice"));
	reply = do_register(r, "alice", "alice-pw", "c1", "cid-q", 5, "");
	assert_int_equal(status_of(reply), 200);
	free(reply);
	assert_true(json_equal(before, stored("alice")));
	json_decref(before);
	/* an expired binding does not count against max_contacts */
	json_t *b = stored("alice");
	json_array_append_new(b, json_pack("{s:s, s:n, s:I, s:s, s:s, s:I}",
		"contact", "sip:gone1@x.invalid", "instance", "reg_id",
		(json_int_t)-1, "edge", "e", "conn", "c", "expires_at",
		(json_int_t)(now - 1)));
	json_array_append_new(b, json_pack("{s:s, s:n, s:I, s:s, s:s, s:I}",
		"contact", "sip:gone2@x.invalid", "instance", "reg_id",
		(json_int_t)-1, "edge", "e", "conn", "c", "expires_at",
		(json_int_t)(now - 1)));
	expect_register(r, "Contact: <sip:n1@x.invalid>, <sip:n2@x.invalid>\r\n",
			200, NULL);
	assert_int_equal(nstored("alice"), 3);
}

/* JsSIP's REGISTER (RFC 5626 outbound): the reconnecting tab replaces its
 * binding; the 200 carries Require: outbound and, when asked, a GRUU. */
static void test_sip_outbound_and_gruu(void **state)
{
	struct reg *r = *state;
	const char *h1 = "Contact: <sip:k1@aaa.invalid;transport=ws>"
		";+sip.instance=\"" INST1 "\";reg-id=1;expires=600\r\n"
		"Supported: path, outbound, gruu\r\n";
	const char *h2 = "Contact: <sip:k2@bbb.invalid;transport=ws>"
		";+sip.instance=\"" INST1 "\";reg-id=1;expires=600\r\n"
		"Supported: path, outbound, gruu\r\n";

	char *reply = do_register(r, "alice", "alice-pw", "c1", "cid-tab", 1, h1);
	assert_int_equal(status_of(reply), 200);
	assert_non_null(strstr(reply, "Require: outbound\r\n"));
	assert_non_null(strstr(reply, ";+sip.instance=\"" INST1 "\";reg-id=1"));
	assert_non_null(strstr(reply, ";pub-gruu=\"sip:alice@example.com;gr="
			       "urn:uuid:0c3f9ab4-6bd4-4f5a-9d3a-3f2a1b4c5d6e\""));
	free(reply);
	/* new WebSocket, new Call-ID, same instance and reg-id */
	reply = do_register(r, "alice", "alice-pw", "c9", "cid-tab2", 1, h2);
	assert_int_equal(status_of(reply), 200);
	assert_null(strstr(reply, "k1@aaa.invalid"));
	free(reply);
	assert_int_equal(nstored("alice"), 1);
	json_t *b = json_array_get(stored("alice"), 0);
	assert_string_equal(bstr(b, "conn"), "c9");
	assert_string_equal(bstr(b, "contact"),
			    "sip:k2@bbb.invalid;transport=ws");
	assert_string_equal(bstr(b, "instance"), INST1);
	/* without Supported: gruu or outbound, neither appears */
	reply = do_register(r, "bob", "bob-pw", "c3", "cid-b", 1,
			    "Contact: <sip:k@c.invalid;transport=ws>"
			    ";+sip.instance=\"" INST2 "\";reg-id=1\r\n");
	assert_int_equal(status_of(reply), 200);
	assert_null(strstr(reply, "Require: outbound"));
	assert_null(strstr(reply, "pub-gruu"));
	free(reply);
}

/* Same Call-ID, lower CSeq than the stored binding: 500, nothing changes. */
static void test_sip_out_of_order(void **state)
{
	struct reg *r = *state;
	char *reply = do_register(r, "alice", "alice-pw", "c1", "cid-o", 10,
				  "Contact: <sip:o@x.invalid>\r\n");

	assert_int_equal(status_of(reply), 200);
	free(reply);
	reply = do_register(r, "alice", "alice-pw", "c1", "cid-o", 4,
			    "Contact: <sip:o@x.invalid>;expires=0\r\n");
	assert_int_equal(status_of(reply), 500);
	assert_non_null(strstr(reply, "Out Of Order"));
	free(reply);
	assert_int_equal(nstored("alice"), 1);
}

/* Regression test, bug fixed (reg_sip.c:252, strtol(m->m_expires, NULL, 10)): a Contact expires
 * parameter that is not a number ("abc", "") reads as 0, so a malformed
 * parameter silently removes the binding and the answer is 200.  RFC 3261
 * 20.10 makes it delta-seconds; refuse it (400) or ignore it (use the
 * Expires header or the default), but never treat it as a removal.  Fix:
 * parse with an end pointer and require digits only, e.g.
 *   char *end; errno = 0; long e = strtol(v, &end, 10);
 *   if (end == v || *end || errno) -> 400 "Bad Contact expires"
 */
static void test_sip_bad_expires_param_keeps_binding(void **state)
{
	struct reg *r = *state;

	expect_register(r, "Contact: <sip:a@x.invalid>\r\n", 200, NULL);
	assert_int_equal(nstored("alice"), 1);
	char *reply = do_register(r, "alice", "alice-pw", "c1", "cid-alice",
				  1000, "Contact: <sip:a@x.invalid>;expires=abc\r\n");
	int st = status_of(reply);
	free(reply);
	assert_true(st == 400 || st == 200);
	assert_int_equal(nstored("alice"), 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_add_binding_fields),
		T(test_refresh_and_remove_by_contact),
		T(test_several_contacts_in_one_request),
		T(test_out_of_order_cseq),
		T(test_outbound_new_flow_replaces),
		T(test_outbound_identity),
		T(test_instance_without_reg_id),
		T(test_remove_all),
		T(test_expire),
		T(test_remove_flow),
		T(test_key_escaping_round_trip),
		T(test_key_limits),
		T(test_flow_key),
		TR(test_sip_challenge_then_ok),
		TR(test_sip_expiry_default_header_param_max),
		TR(test_sip_min_expires),
		TR(test_sip_max_contacts),
		TR(test_sip_wildcard),
		TR(test_sip_expired_dropped_on_read),
		TR(test_sip_outbound_and_gruu),
		TR(test_sip_out_of_order),
		TR(test_sip_bad_expires_param_keeps_binding),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("reg_bind", tests, NULL, NULL);
}
