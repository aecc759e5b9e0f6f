/* reg_bind: see reg_bind.h */
#include "reg_bind.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int reg_key_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int reg_bind_key(const char *aor, char out[REG_KEY_MAX])
{
	size_t o = (size_t)snprintf(out, REG_KEY_MAX, "aor.");

	for (const unsigned char *p = (const unsigned char *)aor; *p; p++) {
		if (o + 4 >= REG_KEY_MAX)
			return EINVAL;
		/* '.' is a token separator in KV keys: escape it too */
		if (reg_key_char_ok(*p))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, 4, "=%02X", *p);
	}
	out[o] = '\0';
	return *aor ? 0 : EINVAL;
}

int reg_bind_flow_key(const char *edge, const char *conn,
		      char out[REG_KEY_MAX])
{
	int n = snprintf(out, REG_KEY_MAX, "flow.%s.%s", edge, conn);

	return n > 0 && n < REG_KEY_MAX ? 0 : EINVAL;
}

static void reg_event(json_t *events, const char *what, const json_t *b)
{
	if (!events)
		return;
	json_t *e = json_pack("{s:s, s:O, s:O, s:O, s:O}", "event", what,
			      "contact", json_object_get(b, "contact"),
			      "instance", json_object_get(b, "instance"),
			      "edge", json_object_get(b, "edge"),
			      "conn", json_object_get(b, "conn"));
	if (e)
		json_array_append_new(events, e);
}

/* Same binding?  Outbound (instance + reg-id) or instance alone identify a
 * user agent whatever its contact; otherwise the contact URI does. */
static int reg_bind_same(const json_t *b, const struct reg_contact *c)
{
	const char *inst = json_string_value(json_object_get(b, "instance"));

	if (c->instance && inst)
		return !strcmp(c->instance, inst) &&
		       json_integer_value(json_object_get(b, "reg_id")) ==
		       c->reg_id;
	if (c->instance || inst)
		return 0;
	return !strcmp(c->uri, json_string_value(json_object_get(b, "contact")));
}

static json_t *reg_bind_new(const struct reg_contact *c,
			    const struct reg_flow *f, int64_t now)
{
	json_t *b = json_pack("{s:s, s:s?, s:I, s:s, s:s, s:s?, s:s?, s:s?,"
			      " s:I, s:I, s:I}",
			      "contact", c->uri, "instance", c->instance,
			      "reg_id", (json_int_t)c->reg_id,
			      "edge", f->edge, "conn", f->conn, "src", f->src,
			      "ua", f->ua, "call_id", f->call_id,
			      "cseq", (json_int_t)f->cseq,
			      "expires_at", (json_int_t)(now + c->expires),
			      "registered_at", (json_int_t)now);
	if (b && !c->instance)
		json_object_set_new(b, "instance", json_null());
	return b;
}

static int reg_bind_out_of_order(const json_t *b, const struct reg_flow *f)
{
	const char *cid = json_string_value(json_object_get(b, "call_id"));

	return cid && f->call_id && !strcmp(cid, f->call_id) &&
	       json_integer_value(json_object_get(b, "cseq")) > f->cseq;
}

int reg_bind_apply(json_t *bindings, const struct reg_contact *cs, size_t n,
		   const struct reg_flow *flow, int64_t now, json_t *events)
{
	for (size_t i = 0; i < n; i++) {
		size_t idx;
		json_t *b;
		json_array_foreach(bindings, idx, b)
			if (reg_bind_same(b, &cs[i]) && reg_bind_out_of_order(b, flow))
				return EALREADY;
	}
	for (size_t i = 0; i < n; i++) {
		const struct reg_contact *c = &cs[i];
		size_t idx;
		json_t *b, *found = NULL;
		json_array_foreach(bindings, idx, b) {
			if (reg_bind_same(b, c)) {
				found = b;
				break;
			}
		}
		if (found && c->expires == 0) {
			reg_event(events, "removed", found);
			json_array_remove(bindings, idx);
		} else if (c->expires > 0) {
			json_t *nb = reg_bind_new(c, flow, now);
			if (!nb)
				return ENOMEM;
			if (found) {
				json_object_set(nb, "registered_at",
						json_object_get(found, "registered_at"));
				json_array_set_new(bindings, idx, nb);
			} else {
				json_array_append_new(bindings, nb);
			}
			reg_event(events, found ? "refreshed" : "registered", nb);
		}
	}
	return 0;
}

size_t reg_bind_remove_all(json_t *bindings, json_t *events)
{
	size_t n = json_array_size(bindings), idx;
	json_t *b;

	json_array_foreach(bindings, idx, b)
		reg_event(events, "removed", b);
	json_array_clear(bindings);
	return n;
}

long reg_bind_remaining(const json_t *b, int64_t now)
{
	int64_t left = json_integer_value(json_object_get(b, "expires_at")) - now;

	return left > 0 ? (long)left : 0;
}

/* Remove the bindings for which drop() is true, with an event each. */
static size_t reg_bind_filter(json_t *bindings, json_t *events,
			      const char *what,
			      int (*drop)(const json_t *, const void *),
			      const void *arg)
{
	size_t removed = 0;

	for (size_t i = 0; i < json_array_size(bindings);) {
		json_t *b = json_array_get(bindings, i);
		if (drop(b, arg)) {
			reg_event(events, what, b);
			json_array_remove(bindings, i);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

static int reg_bind_is_expired(const json_t *b, const void *arg)
{
	return reg_bind_remaining(b, *(const int64_t *)arg) == 0;
}

size_t reg_bind_expire(json_t *bindings, int64_t now, json_t *events)
{
	return reg_bind_filter(bindings, events, "expired",
			       reg_bind_is_expired, &now);
}

struct reg_flow_id {
	const char *edge, *conn;
};

static int reg_bind_on_flow(const json_t *b, const void *arg)
{
	const struct reg_flow_id *f = arg;
	const char *e = json_string_value(json_object_get(b, "edge"));
	const char *c = json_string_value(json_object_get(b, "conn"));

	return e && c && !strcmp(e, f->edge) && !strcmp(c, f->conn);
}

size_t reg_bind_remove_flow(json_t *bindings, const char *edge,
			    const char *conn, json_t *events)
{
	struct reg_flow_id f = { edge, conn };

	return reg_bind_filter(bindings, events, "removed", reg_bind_on_flow,
			       &f);
}
