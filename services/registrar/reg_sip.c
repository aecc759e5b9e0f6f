/* reg_sip: one REGISTER, start to finish: parse, find the address of
 * record, authenticate (digest, RFC 3261 22 / RFC 8760), check the
 * contacts, change the bindings in KV, answer through the wsgw it came
 * from.  Runs on a worker (NATS delivery) thread. */
#include "reg.h"
#include "busmsg.h"
#include "log.h"
#include "reg_bind.h"
#include "sipframe.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { REG_MAX_CONTACT_HEADERS = 100 };	/* parsing bound, before max_contacts */

struct reg_req {
	struct reg *r;
	struct sipframe *f;
	sip_t *sip;
	su_home_t *home;
	const char *edge, *conn, *src_ip;
	char aor[REG_FIELD_MAX * 2 + 2], user[REG_FIELD_MAX];
	int64_t now;
	const char *method;	/* what the digest covers */
	int proxy;		/* a call's INVITE: 407, Proxy-Authenticate */
	json_t *verdict;	/* NULL: answer over the WebSocket; else the
				 * answer goes here (auth_check) */
};

static void reg_sip_send(struct reg_req *q, int status, const char *phrase,
			 const char *extra)
{
	char subj[128];
	size_t len;
	char *text;
	json_t *m;

	if (q->verdict) {	/* the b2bua answers its INVITE itself */
		json_object_set_new(q->verdict, "status", json_integer(status));
		json_object_set_new(q->verdict, "phrase", json_string(phrase));
		json_object_set_new(q->verdict, "headers",
				    json_string(extra ? extra : ""));
		return;
	}
	text = sipframe_response(q->f, status, phrase, extra, &len);
	if (!text)
		return;
	m = busmsg_new("send");
	json_object_set_new(m, "conn", json_string(q->conn));
	json_object_set_new(m, "sip", json_stringn(text, len));
	snprintf(subj, sizeof(subj), "rtcgate.ws.%s.send", q->edge);
	bus_publish(q->r->svc.bus, subj, NULL, m);
	json_decref(m);
	free(text);
	LOG_DEBUG("sip", "REGISTER %s from %s: %d %s", q->aor[0] ? q->aor : "?",
		 q->src_ip, status, phrase);
}

static void reg_sip_reject(struct reg_req *q, enum reg_metric m, int status,
			   const char *phrase)
{
	metrics_inc(&q->r->svc.metrics, m);
	reg_sip_send(q, status, phrase, NULL);
}

/* 401 with one challenge per algorithm this user may use (both for an
 * unknown user, so that a probe learns nothing). */
static void reg_sip_challenge(struct reg_req *q, int stale)
{
	struct reg_cred c;
	int known = !reg_user_cred(q->r, q->user, &c);
	GString *h = g_string_new(NULL);
	char nonce[REG_NONCE_LEN];

	/* Both challenges (RFC 8760), preferred first.  JsSIP 3 and SIP.js
	 * 0.21 keep only the last WWW-Authenticate and give up unless it is
	 * MD5, so by default SHA-256 comes first and MD5 last. */
	for (int i = 0; i < REG_ALG__COUNT; i++) {
		int alg = q->r->cfg.prefer_sha256 ? REG_ALG__COUNT - 1 - i : i;
		if (known && !reg_cred_allows(&c, (enum reg_alg)alg, q->r->domain))
			continue;
		reg_nonce_make(q->r->secret, q->r->domain, (uint64_t)q->now, nonce);
		g_string_append_printf(h, "%s: Digest realm=\"%s\", "
				       "nonce=\"%s\", qop=\"auth\", algorithm=%s%s\r\n",
				       q->proxy ? "Proxy-Authenticate" :
				       "WWW-Authenticate", q->r->domain, nonce,
				       reg_alg_name((enum reg_alg)alg),
				       stale ? ", stale=true" : "");
	}
	metrics_inc(&q->r->svc.metrics, RM_CHALLENGES);
	if (q->proxy)
		reg_sip_send(q, 407, "Proxy Authentication Required", h->str);
	else
		reg_sip_send(q, 401, "Unauthorized", h->str);
	g_string_free(h, TRUE);
}

/* The Digest credentials for our realm, or NULL. */
static const msg_auth_t *reg_sip_creds(struct reg_req *q, auth_response_t *ar)
{
	for (const msg_auth_t *au = q->proxy ? q->sip->sip_proxy_authorization :
				    q->sip->sip_authorization; au;
	     au = au->au_next) {
		if (strcasecmp(au->au_scheme, "Digest"))
			continue;
		memset(ar, 0, sizeof(*ar));
		ar->ar_size = sizeof(*ar);
		if (auth_digest_response_get(q->home, ar, au->au_params) < 0)
			return au;	/* malformed: reported by the caller */
		if (ar->ar_realm && !strcmp(ar->ar_realm, q->r->domain))
			return au;
	}
	return NULL;
}

static int reg_sip_locked(struct reg_req *q, const char *ukey,
			  const char *ikey)
{
	struct reg_cfg *c = &q->r->cfg;

	return reg_guard_locked(q->r->guard, ukey, c->max_failures,
				c->failure_window, q->now) ||
	       reg_guard_locked(q->r->guard, ikey, c->max_failures_ip,
				c->failure_window, q->now);
}

/* A wrong password: 401 again, or 403 once over the limit. */
static void reg_sip_failed(struct reg_req *q, const char *ukey,
			   const char *ikey)
{
	struct reg_cfg *c = &q->r->cfg;
	long nu = reg_guard_fail(q->r->guard, ukey, c->failure_window, q->now);
	long ni = reg_guard_fail(q->r->guard, ikey, c->failure_window, q->now);

	metrics_inc(&q->r->svc.metrics, RM_AUTH_FAIL);
	LOG_WARN("auth", "wrong credentials for %s from %s (user %ld/%ld, "
		 "address %ld/%ld)", q->user, q->src_ip, nu, c->max_failures, ni,
		 c->max_failures_ip);
	if (nu >= c->max_failures || ni >= c->max_failures_ip)
		reg_sip_reject(q, RM_LOCKOUTS, 403, "Too Many Failed Attempts");
	else
		reg_sip_challenge(q, 0);
}

/* Does the response match?  0 when it does. */
static int reg_sip_verify(struct reg_req *q, const auth_response_t *ar,
			  enum reg_alg alg)
{
	struct reg_cred c;
	char ha1[REG_HEX_MAX], want[REG_HEX_MAX];

	if (reg_user_cred(q->r, q->user, &c) ||
	    reg_ha1(&c, alg, q->user, q->r->domain, ha1))
		return EPERM;
	reg_digest_response(alg, ha1, ar->ar_nonce, ar->ar_nc, ar->ar_cnonce,
			    ar->ar_qop, q->method, ar->ar_uri, want);
	explicit_bzero(ha1, sizeof(ha1));
	return reg_hex_equal(want, ar->ar_response) ? 0 : EPERM;
}

/* 0 when the request is authenticated; otherwise it has been answered. */
static int reg_sip_auth(struct reg_req *q)
{
	auth_response_t ar;
	const msg_auth_t *au = reg_sip_creds(q, &ar);
	char ukey[REG_FIELD_MAX + 4], ikey[80];
	enum reg_alg alg;

	if (!au) {
		reg_sip_challenge(q, 0);
		return EACCES;
	}
	if (!ar.ar_username || !ar.ar_nonce || !ar.ar_uri || !ar.ar_response ||
	    !ar.ar_realm || !ar.ar_qop || !ar.ar_nc || !ar.ar_cnonce ||
	    strcasecmp(ar.ar_qop, "auth")) {
		reg_sip_reject(q, RM_BAD_REQ, 400, "Malformed Authorization");
		return EINVAL;
	}
	if (reg_alg_parse(ar.ar_algorithm, &alg)) {
		reg_sip_reject(q, RM_BAD_REQ, 400, "Unsupported Digest Algorithm");
		return EINVAL;
	}
	snprintf(ukey, sizeof(ukey), "u:%s", q->user);
	snprintf(ikey, sizeof(ikey), "ip:%s", q->src_ip);
	if (reg_sip_locked(q, ukey, ikey)) {
		reg_sip_reject(q, RM_LOCKOUTS, 403, "Too Many Failed Attempts");
		return EACCES;
	}
	if (strcmp(ar.ar_username, q->user)) {
		reg_sip_reject(q, RM_AUTH_FAIL, 403, "Username Does Not Match");
		return EACCES;
	}
	switch (reg_nonce_check(q->r->secret, q->r->domain, ar.ar_nonce,
				(uint64_t)q->now, (uint64_t)q->r->cfg.nonce_ttl)) {
	case REG_NONCE_BAD:
		metrics_inc(&q->r->svc.metrics, RM_BAD_NONCE);
		reg_sip_challenge(q, 0);
		return EACCES;
	case REG_NONCE_STALE:
		metrics_inc(&q->r->svc.metrics, RM_STALE);
		reg_sip_challenge(q, 1);
		return EACCES;
	case REG_NONCE_OK:
		break;
	}
	if (reg_sip_verify(q, &ar, alg)) {
		reg_sip_failed(q, ukey, ikey);
		return EACCES;
	}
	/* Only a correct response may advance the nonce count. */
	if (reg_guard_nc(q->r->guard, ar.ar_nonce, strtoul(ar.ar_nc, NULL, 16),
			 q->now)) {
		metrics_inc(&q->r->svc.metrics, RM_REPLAYS);
		reg_sip_challenge(q, 0);
		return EACCES;
	}
	reg_guard_forget(q->r->guard, ukey);
	return 0;
}

/* A param's value from a sofia parameter list, quotes removed, in home. */
static const char *reg_sip_param(struct reg_req *q, msg_param_t const *params,
				 const char *name)
{
	const char *v = msg_params_find(params, name);

	if (!v)
		return NULL;
	return *v == '"' ? msg_unquote_dup(q->home, v) : v;
}

struct reg_apply {
	struct reg_contact cs[REG_MAX_CONTACT_HEADERS];
	size_t n;
	int star;
	struct reg_flow flow;
	int64_t now;
	long max;
	json_t *events;
};

/* Contacts to reg_contact; 0, or the request has been answered. */
/* A Contact's expires parameter: delta-seconds (RFC 3261 20.19), or -1. */
static long reg_sip_expires(const char *v)
{
	char *end;
	long e;

	if (!v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	e = strtol(v, &end, 10);
	if (*end || errno)
		return errno == ERANGE ? LONG_MAX / 2 : -1;
	return e;
}

static int reg_sip_contacts(struct reg_req *q, struct reg_apply *a)
{
	const struct reg_cfg *c = &q->r->cfg;
	const sip_contact_t *m;
	long hdr_exp = q->sip->sip_expires ? (long)q->sip->sip_expires->ex_delta : -1;

	for (m = q->sip->sip_contact; m; m = m->m_next) {
		if (m->m_url->url_type == url_any) {
			a->star = 1;
			continue;
		}
		if (a->n == REG_MAX_CONTACT_HEADERS ||
		    a->n == (size_t)c->max_contacts) {
			reg_sip_reject(q, RM_BAD_REQ, 403, "Too Many Contacts");
			return E2BIG;
		}
		struct reg_contact *rc = &a->cs[a->n++];
		const char *rid = reg_sip_param(q, m->m_params, "reg-id");
		long e = m->m_expires ? reg_sip_expires(m->m_expires) :
			 hdr_exp >= 0 ? hdr_exp : c->default_expires;
		if (e < 0) {	/* ";expires=abc" must not read as 0 */
			reg_sip_reject(q, RM_BAD_REQ, 400, "Bad Contact expires");
			return EINVAL;
		}
		rc->uri = url_as_string(q->home, m->m_url);
		rc->instance = reg_sip_param(q, m->m_params, "+sip.instance");
		rc->reg_id = rid ? strtol(rid, NULL, 10) : -1;
		if (e != 0 && e < c->min_expires) {
			char h[48];
			snprintf(h, sizeof(h), "Min-Expires: %ld\r\n", c->min_expires);
			metrics_inc(&q->r->svc.metrics, RM_BAD_REQ);
			reg_sip_send(q, 423, "Interval Too Brief", h);
			return ERANGE;
		}
		rc->expires = e > c->max_expires ? c->max_expires : (e < 0 ? 0 : e);
	}
	if (a->star && (a->n || hdr_exp != 0)) {
		reg_sip_reject(q, RM_BAD_REQ, 400, "Invalid Wildcard Contact");
		return EINVAL;
	}
	return 0;
}

static int reg_sip_mutate(json_t *bindings, void *arg)
{
	struct reg_apply *a = arg;

	json_array_clear(a->events);
	reg_bind_expire(bindings, a->now, a->events);
	if (a->star) {
		reg_bind_remove_all(bindings, a->events);
		return 0;
	}
	if (!a->n)	/* a query: write only if something expired */
		return json_array_size(a->events) ? 0 : ENODATA;
	int e = reg_bind_apply(bindings, a->cs, a->n, &a->flow, a->now,
			       a->events);
	if (!e && json_array_size(bindings) > (size_t)a->max)
		e = EMLINK;
	return e;
}

/* Contact lines of the 200 OK: every live binding with its time left. */
static void reg_sip_ok(struct reg_req *q, const json_t *bindings,
		       int outbound)
{
	GString *h = g_string_new(NULL);
	int gruu = sip_has_supported(q->sip->sip_supported, "gruu");
	size_t i;
	json_t *b;

	json_array_foreach(bindings, i, b) {
		const char *inst = json_string_value(json_object_get(b, "instance"));
		json_int_t rid = json_integer_value(json_object_get(b, "reg_id"));
		g_string_append_printf(h, "Contact: <%s>;expires=%ld",
				       json_string_value(json_object_get(b, "contact")),
				       reg_bind_remaining(b, q->now));
		if (inst)
			g_string_append_printf(h, ";+sip.instance=\"%s\"", inst);
		if (rid >= 0)
			g_string_append_printf(h, ";reg-id=%lld", (long long)rid);
		/* RFC 5627: a public GRUU when asked for and possible */
		if (inst && gruu && inst[0] == '<') {
			size_t n = strlen(inst);
			g_string_append_printf(h, ";pub-gruu=\"sip:%s;gr=%.*s\"",
					       q->aor, (int)(n - 2), inst + 1);
		}
		g_string_append(h, "\r\n");
	}
	if (outbound)
		g_string_append(h, "Require: outbound\r\n");
	g_string_append(h, "Supported: outbound, gruu, path\r\n");
	metrics_inc(&q->r->svc.metrics, RM_OK);
	reg_sip_send(q, 200, "OK", h->str);
	g_string_free(h, TRUE);
}

/* To's URI gives the address of record; it must be in our domain. */
static int reg_sip_aor(struct reg_req *q)
{
	const url_t *u = q->sip->sip_to->a_url;

	if (!u->url_user || !*u->url_user || !u->url_host ||
	    strlen(u->url_user) >= REG_FIELD_MAX) {
		reg_sip_reject(q, RM_BAD_REQ, 400, "Bad To URI");
		return EINVAL;
	}
	if (strcasecmp(u->url_host, q->r->domain)) {
		reg_sip_reject(q, RM_BAD_REQ, 403, "Domain Not Served Here");
		return EPERM;
	}
	snprintf(q->user, sizeof(q->user), "%s", u->url_user);
	snprintf(q->aor, sizeof(q->aor), "%s@%s", u->url_user, q->r->domain);
	return 0;
}

static void reg_sip_store(struct reg_req *q, struct reg_apply *a)
{
	char key[REG_KEY_MAX];
	json_t *bindings = NULL;
	int outbound = 0;
	int e = reg_bind_key(q->aor, key);

	for (size_t i = 0; i < a->n; i++)
		outbound |= a->cs[i].reg_id >= 0 && a->cs[i].instance &&
			    sip_has_supported(q->sip->sip_supported, "outbound");
	a->events = json_array();
	if (!e)
		e = reg_store_update(q->r->store, key, reg_sip_mutate, a,
				     &bindings);
	if (!e && !bindings)	/* a query that changed nothing */
		e = reg_store_get(q->r->store, key, &bindings);
	if (e == EALREADY) {
		reg_sip_reject(q, RM_BAD_REQ, 500, "Request Out Of Order");
	} else if (e == EMLINK) {
		reg_sip_reject(q, RM_BAD_REQ, 403, "Too Many Registrations");
	} else if (e) {
		LOG_ERROR("store", "%s: %s", q->aor, strerror(e));
		reg_sip_reject(q, RM_STORE_ERR, 500, "Registration Store Unavailable");
	} else {
		if (a->n)
			reg_flow_remember(q->r, q->edge, q->conn, q->aor);
		reg_bind_expire(bindings, q->now, NULL);
		reg_sip_ok(q, bindings, outbound);
		reg_publish_events(q->r, q->aor, a->events);
	}
	json_decref(bindings);
	json_decref(a->events);
}

void reg_sip_handle(struct reg *r, const json_t *env)
{
	struct reg_req q = { .r = r, .now = reg_now(), .method = "REGISTER" };
	struct reg_apply *a;
	const char *text = busmsg_str(env, "sip");
	char why[96];

	q.edge = busmsg_str(env, "edge");
	q.conn = busmsg_str(env, "conn");
	q.src_ip = busmsg_str(env, "src_ip");
	snprintf(why, sizeof(why), "not REGISTER");
	if (sipframe_parse(text, strlen(text), &q.f, why, sizeof(why)) !=
	    SIPFRAME_OK || !sipframe_is_request(q.f) ||
	    strcmp(sipframe_method(q.f), "REGISTER")) {
		metrics_inc(&r->svc.metrics, RM_BUS_BAD);
		LOG_WARN("sip", "not a sane REGISTER from %s (%s): dropped",
			 q.edge, why);
		sipframe_free(q.f);
		return;
	}
	q.sip = sipframe_sip(q.f);
	q.home = msg_home(sipframe_msg(q.f));
	metrics_inc(&r->svc.metrics, RM_REGISTERS);
	log_set_context(sipframe_call_id(q.f));
	a = calloc(1, sizeof(*a));
	if (a && !reg_sip_aor(&q) && !reg_sip_auth(&q) &&
	    !reg_sip_contacts(&q, a)) {
		a->flow = (struct reg_flow){
			.edge = q.edge, .conn = q.conn,
			.src = busmsg_str(env, "src_ip"),
			.ua = q.sip->sip_user_agent ?
			      q.sip->sip_user_agent->g_string : NULL,
			.call_id = sipframe_call_id(q.f),
			.cseq = q.sip->sip_cseq ? (long)q.sip->sip_cseq->cs_seq : 0,
		};
		a->now = q.now;
		a->max = r->cfg.max_contacts;
		reg_sip_store(&q, a);
	}
	free(a);
	log_set_context(NULL);
	sipframe_free(q.f);
}

/* A browser's INVITE that the b2bua could not authorise otherwise (the
 * caller is not registered on its flow): check its Proxy-Authorization as
 * for REGISTER (same users, nonces, replay and lockout rules) against the
 * From user.  The verdict: status 200 and the user, or the status and
 * headers (Proxy-Authenticate challenges) for the b2bua to answer with. */
json_t *reg_sip_auth_check(struct reg *r, const json_t *req)
{
	struct reg_req q = { .r = r, .now = reg_now(), .method = "INVITE",
			     .proxy = 1 };
	const char *text = busmsg_str(req, "sip");
	const url_t *u;
	char why[96];

	q.src_ip = busmsg_str(req, "src_ip") ? busmsg_str(req, "src_ip") : "?";
	if (!text || sipframe_parse(text, strlen(text), &q.f, why,
				    sizeof(why)) != SIPFRAME_OK ||
	    !sipframe_is_request(q.f) || strcmp(sipframe_method(q.f), "INVITE")) {
		metrics_inc(&r->svc.metrics, RM_BUS_BAD);
		sipframe_free(q.f);
		return NULL;
	}
	q.sip = sipframe_sip(q.f);
	q.home = msg_home(sipframe_msg(q.f));
	q.verdict = busmsg_new("auth_result");
	u = q.sip->sip_from->a_url;
	if (!u->url_user || !*u->url_user || strlen(u->url_user) >= REG_FIELD_MAX ||
	    !u->url_host || strcasecmp(u->url_host, r->domain)) {
		reg_sip_reject(&q, RM_BAD_REQ, 403, "Caller Not Served Here");
	} else {
		snprintf(q.user, sizeof(q.user), "%s", u->url_user);
		if (!reg_sip_auth(&q)) {
			reg_sip_send(&q, 200, "OK", NULL);
			json_object_set_new(q.verdict, "user",
					    json_string(q.user));
		}
	}
	sipframe_free(q.f);
	return q.verdict;
}
