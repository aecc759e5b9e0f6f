/* busmsg: see busmsg.h.  The schemas below are the source of truth that
 * docs/bus.md describes. */
#include "busmsg.h"

#include <stdio.h>
#include <string.h>

enum { BUSMSG_MAX_FIELDS = 8 };

struct busmsg_field {
	const char *name;
	json_type type;
};

struct busmsg_schema {
	const char *kind;
	struct busmsg_field req[BUSMSG_MAX_FIELDS];
};

static const struct busmsg_schema busmsg_schemas[] = {
	{ "sip", { { "edge", JSON_STRING }, { "conn", JSON_STRING },
		   { "src_ip", JSON_STRING }, { "src_port", JSON_INTEGER },
		   { "ts_us", JSON_INTEGER }, { "sip", JSON_STRING } } },
	{ "send", { { "conn", JSON_STRING }, { "sip", JSON_STRING } } },
	{ "send_result", { { "ok", JSON_TRUE } } },
	{ "closed", { { "edge", JSON_STRING }, { "conn", JSON_STRING },
		      { "reason", JSON_STRING } } },
	{ "health_req", { { NULL, 0 } } },
	{ "health", { { "service", JSON_STRING }, { "id", JSON_STRING },
		      { "version", JSON_STRING }, { "uptime_s", JSON_INTEGER },
		      { "counters", JSON_OBJECT } } },
	{ "lookup", { { "aor", JSON_STRING } } },
	{ "auth_check", { { "sip", JSON_STRING } } },
	{ "auth_result", { { "status", JSON_INTEGER } } },
	{ "bindings", { { "aor", JSON_STRING }, { "bindings", JSON_ARRAY } } },
	{ "reg_event", { { "event", JSON_STRING }, { "aor", JSON_STRING } } },
	{ "media_create", { { "side", JSON_STRING }, { "sdp", JSON_STRING } } },
	{ "media_answer", { { "session", JSON_STRING }, { "sdp", JSON_STRING } } },
	{ "media_delete", { { "session", JSON_STRING } } },
	{ "media_stats", { { "session", JSON_STRING } } },
	{ "media_sdp", { { "session", JSON_STRING }, { "sdp", JSON_STRING } } },
	{ "media_event", { { "session", JSON_STRING }, { "event", JSON_STRING } } },
	{ "media_heartbeat", { { "node", JSON_STRING }, { "sessions", JSON_INTEGER } } },
	{ "media_update", { { "session", JSON_STRING }, { "side", JSON_STRING },
			    { "sdp", JSON_STRING } } },
	{ "media_dtmf", { { "session", JSON_STRING }, { "leg", JSON_STRING },
			  { "digits", JSON_STRING } } },
	{ "media_candidate", { { "session", JSON_STRING } } },
	{ "media_drain", { { NULL, 0 } } },
	{ "media_ok", { { NULL, 0 } } },
	{ "reg_list", { { NULL, 0 } } },
	{ "reg_list_reply", { { "bindings", JSON_ARRAY }, { "total", JSON_INTEGER },
			      { "truncated", JSON_TRUE } } },
	{ "call_list", { { NULL, 0 } } },
	{ "call_list_reply", { { "b2bua", JSON_STRING }, { "calls", JSON_ARRAY },
			       { "total", JSON_INTEGER }, { "truncated", JSON_TRUE } } },
	{ "error", { { "code", JSON_INTEGER }, { "reason", JSON_STRING } } },
};

json_t *busmsg_new(const char *kind)
{
	return json_pack("{s:i, s:s}", "v", BUSMSG_VERSION, "kind", kind);
}

static int busmsg_type_ok(const json_t *v, json_type want)
{
	/* "ok" and other flags: any boolean is fine where JSON_TRUE is named */
	if (want == JSON_TRUE)
		return json_is_boolean(v);
	return json_typeof(v) == want;
}

static const char *busmsg_type_name(json_type t)
{
	switch (t) {
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_TRUE: return "a boolean";
	default: return "of another type";
	}
}

int busmsg_validate(const json_t *m, char *err, size_t errlen)
{
	if (!json_is_object(m)) {
		snprintf(err, errlen, "message is not a JSON object");
		return BUSMSG_E_BADJSON;
	}
	json_t *v = json_object_get(m, "v");
	if (!json_is_integer(v) || json_integer_value(v) != BUSMSG_VERSION) {
		snprintf(err, errlen, "missing or unsupported \"v\"");
		return BUSMSG_E_VERSION;
	}
	const char *kind = busmsg_kind(m);
	if (!kind) {
		snprintf(err, errlen, "missing \"kind\"");
		return BUSMSG_E_KIND;
	}
	for (size_t i = 0; i < sizeof(busmsg_schemas) / sizeof(busmsg_schemas[0]); i++) {
		const struct busmsg_schema *s = &busmsg_schemas[i];
		if (strcmp(s->kind, kind))
			continue;
		for (size_t f = 0; f < BUSMSG_MAX_FIELDS && s->req[f].name; f++) {
			json_t *fv = json_object_get(m, s->req[f].name);
			if (!fv || !busmsg_type_ok(fv, s->req[f].type)) {
				snprintf(err, errlen,
					 "%s: field \"%s\" must be %s", kind,
					 s->req[f].name,
					 busmsg_type_name(s->req[f].type));
				return BUSMSG_E_FIELD;
			}
		}
		return 0;
	}
	snprintf(err, errlen, "unknown kind \"%.40s\"", kind);
	return BUSMSG_E_KIND;
}

int busmsg_decode(const char *data, size_t len, json_t **out, char *err,
		  size_t errlen)
{
	json_error_t jerr;

	if (len > BUSMSG_MAX_LEN) {
		snprintf(err, errlen, "message of %zu bytes is too big", len);
		return BUSMSG_E_TOOBIG;
	}
	json_t *m = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m) {
		snprintf(err, errlen, "bad JSON: %s", jerr.text);
		return BUSMSG_E_BADJSON;
	}
	int e = busmsg_validate(m, err, errlen);
	if (e) {
		json_decref(m);
		return e;
	}
	*out = m;
	return 0;
}

char *busmsg_encode(const json_t *m, size_t *lenp)
{
	char *s = json_dumps(m, JSON_COMPACT);
	if (s && lenp)
		*lenp = strlen(s);
	return s;
}

json_t *busmsg_error(int code, const char *reason)
{
	json_t *m = busmsg_new("error");
	json_object_set_new(m, "code", json_integer(code));
	json_t *r = json_string(reason ? reason : "");

	if (!r) {
		/* A reason quoting a stranger's bytes may not be UTF-8 (or be
		 * cut inside a character): keep the ASCII, mark the rest. */
		char buf[256];
		size_t i = 0;
		for (; reason[i] && i < sizeof(buf) - 1; i++)
			buf[i] = (unsigned char)reason[i] < 0x80 ? reason[i] : '?';
		buf[i] = '\0';
		r = json_string(buf);
	}
	json_object_set_new(m, "reason", r);
	return m;
}

const char *busmsg_str(const json_t *m, const char *key)
{
	return json_string_value(json_object_get(m, key));
}

long long busmsg_int(const json_t *m, const char *key)
{
	return json_integer_value(json_object_get(m, key));
}

const char *busmsg_kind(const json_t *m)
{
	return busmsg_str(m, "kind");
}
