/* wsgw_admin: the operator page (/admin.html) and its read-only JSON API
 * (/api/registrations, /api/calls, /api/nodes, /api/cdrs), behind HTTP
 * Basic authentication as user "admin" with RTCGATE_ADMIN_PASSWORD.
 *
 * Without a password everything here answers 404.  Credentials are
 * compared in constant time (SHA-256 of both sides, CRYPTO_memcmp, so the
 * length of the password does not show either).  A client address with
 * too many failures in a minute gets 429 until the minute is over.
 * Registrations and calls are asked of the bus per request: the HTTP
 * answer waits (never the lws thread) until the answers are in or a
 * deadline passes.  Runs on the lws thread.
 */
#include "wsgw_admin.h"
#include "log.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum {
	WSGW_ADMIN_MAX_FAILS = 10,	/* per client address ... */
	WSGW_ADMIN_FAIL_WINDOW_US = 60000000,	/* ... per minute */
	WSGW_ADMIN_MAX_CLIENTS = 4096,	/* addresses tracked */
	WSGW_ADMIN_MAX_AUTH = 512,	/* Authorization header bytes */
	WSGW_ADMIN_CALLS_US = 300000,	/* gather b2bua answers this long */
	WSGW_ADMIN_REGS_US = 3000000,	/* the registrar's deadline */
	WSGW_ADMIN_MAX_PAGE = 1 << 20,
};

struct wsgw_admin_fail {
	int count;
	int64_t since_us;
};

int wsgw_admin_path(const char *path)
{
	return !strncmp(path, "/api", 4) || !strncmp(path, "/admin.html", 11);
}

static void wsgw_admin_sha256(const void *data, size_t len,
			      unsigned char out[32])
{
	unsigned int n = 32;

	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
		memset(out, 0, 32);
}

static void wsgw_admin_wait_free(gpointer p)
{
	struct wsgw_admin_wait *w = p;

	lws_sul_cancel(&w->sul);
	json_decref(w->got);
	free(w);
}

int wsgw_admin_start(struct wsgw *g)
{
	struct wsgw_admin *a;
	const char *pw = g->cfg.admin_password;

	if (!pw || !*pw) {
		LOG_INFO("admin", "RTCGATE_ADMIN_PASSWORD unset: the admin API "
			 "and page are off (404)");
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	wsgw_admin_sha256("admin", 5, a->user_hash);
	wsgw_admin_sha256(pw, strlen(pw), a->pw_hash);
	a->fails = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 g_free);
	a->waits = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
					 wsgw_admin_wait_free);
	a->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 wsgw_admin_node_free);
	snprintf(a->inbox, sizeof(a->inbox), "_INBOX.%s.adm", g->svc.id);
	g->admin = a;
	if (strlen(pw) < 12)
		LOG_WARN("admin", "RTCGATE_ADMIN_PASSWORD is short (%zu "
			 "characters); use 12 or more", strlen(pw));
	LOG_INFO("admin", "admin API on at /api/ and /admin.html (user admin)");
	return wsgw_admin_bus_start(g);
}

void wsgw_admin_stop(struct wsgw *g)
{
	struct wsgw_admin *a = g->admin;

	if (!a)
		return;
	g->admin = NULL;
	g_hash_table_destroy(a->waits);
	g_hash_table_destroy(a->fails);
	g_hash_table_destroy(a->nodes);
	for (size_t i = 0; i < WSGW_ADMIN_CDRS; i++)
		json_decref(a->cdrs[i]);
	OPENSSL_cleanse(a->pw_hash, sizeof(a->pw_hash));
	free(a);
}

/* Once a second: forget failure windows that are over, silent nodes. */
void wsgw_admin_tick(struct wsgw *g, int64_t now)
{
	struct wsgw_admin *a = g->admin;
	GHashTableIter it;
	gpointer k, v;

	if (!a)
		return;
	g_hash_table_iter_init(&it, a->fails);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (now - ((struct wsgw_admin_fail *)v)->since_us >=
		    WSGW_ADMIN_FAIL_WINDOW_US)
			g_hash_table_iter_remove(&it);
	g_hash_table_iter_init(&it, a->nodes);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (now - ((struct wsgw_admin_node *)v)->seen_us >
		    WSGW_ADMIN_NODE_STALE_US)
			g_hash_table_iter_remove(&it);
}

/* ---- answers ---------------------------------------------------------- */

static void wsgw_admin_json(struct wsgw_http_resp *r, int status, json_t *j)
{
	r->status = status;
	r->type = "application/json";
	r->cache = "no-store";
	r->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!r->body) {
		r->status = 500;
		r->body = strdup("{\"error\":\"out of memory\"}");
	}
}

static void wsgw_admin_error(struct wsgw_http_resp *r, int status,
			     const char *why)
{
	wsgw_admin_json(r, status, json_pack("{s:s}", "error", why));
}

/* ---- authentication --------------------------------------------------- */

static void wsgw_admin_peer(struct lws *wsi, char *ip, size_t len)
{
	if (!lws_get_peer_simple(wsi, ip, len))
		snprintf(ip, len, "?");
	if (!strncmp(ip, "::ffff:", 7))	/* v4-mapped: one key per client */
		memmove(ip, ip + 7, strlen(ip + 7) + 1);
}

static int wsgw_admin_b64_ok(const char *s, size_t n)
{
	size_t pad = 0;

	if (!n || n % 4)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return pad <= 2;
}

enum wsgw_auth { WA_OK, WA_MISSING, WA_WRONG, WA_MALFORMED };

/* Authorization: Basic base64(user:password) (RFC 7617). */
static enum wsgw_auth wsgw_admin_check(struct wsgw_admin *a, struct lws *wsi)
{
	char hdr[WSGW_ADMIN_MAX_AUTH + 1];
	unsigned char dec[WSGW_ADMIN_MAX_AUTH], uh[32], ph[32];
	int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	const char *b64, *colon;
	size_t n, pad = 0;
	int len, ok;

	if (total <= 0)
		return WA_MISSING;
	if (total > WSGW_ADMIN_MAX_AUTH ||
	    lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
		return WA_MALFORMED;
	if (strncasecmp(hdr, "Basic ", 6))
		return WA_WRONG;
	for (b64 = hdr + 6; *b64 == ' '; b64++)
		;
	n = strlen(b64);
	while (n && b64[n - 1] == ' ')
		n--;
	if (!wsgw_admin_b64_ok(b64, n))
		return WA_MALFORMED;
	len = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		pad++;
	if (len < 0 || (size_t)len < pad)
		return WA_MALFORMED;
	len -= (int)pad;
	colon = memchr(dec, ':', (size_t)len);
	if (!colon) {
		OPENSSL_cleanse(dec, sizeof(dec));
		return WA_MALFORMED;
	}
	wsgw_admin_sha256(dec, (size_t)(colon - (char *)dec), uh);
	wsgw_admin_sha256(colon + 1, (size_t)len - (size_t)(colon + 1 - (char *)dec),
			  ph);
	OPENSSL_cleanse(dec, sizeof(dec));
	/* both compared, whatever the first says: no early exit to time */
	ok = !CRYPTO_memcmp(uh, a->user_hash, 32);
	ok &= !CRYPTO_memcmp(ph, a->pw_hash, 32);
	OPENSSL_cleanse(ph, sizeof(ph));
	return ok ? WA_OK : WA_WRONG;
}

static struct wsgw_admin_fail *wsgw_admin_fails_of(struct wsgw_admin *a,
						   const char *ip, int64_t now)
{
	struct wsgw_admin_fail *f = g_hash_table_lookup(a->fails, ip);

	if (f && now - f->since_us >= WSGW_ADMIN_FAIL_WINDOW_US) {
		f->count = 0;
		f->since_us = now;
	}
	return f;
}

/* 0: authenticated; else *r holds the refusal. */
static int wsgw_admin_auth(struct wsgw *g, struct lws *wsi,
			   struct wsgw_http_resp *r)
{
	struct wsgw_admin *a = g->admin;
	int64_t now = wsgw_now_us();
	char ip[64];
	struct wsgw_admin_fail *f;
	enum wsgw_auth res;

	wsgw_admin_peer(wsi, ip, sizeof(ip));
	f = wsgw_admin_fails_of(a, ip, now);
	if (f && f->count >= WSGW_ADMIN_MAX_FAILS) {
		metrics_inc(&g->svc.metrics, WM_ADMIN_LIMITED);
		wsgw_admin_error(r, 429, "too many failed logins; wait");
		r->hdr = "retry-after:";
		snprintf(r->hdr_val, sizeof(r->hdr_val), "%lld", (long long)
			 ((f->since_us + WSGW_ADMIN_FAIL_WINDOW_US - now) /
			  1000000 + 1));
		return EPERM;
	}
	res = wsgw_admin_check(a, wsi);
	if (res == WA_OK) {
		if (f)
			g_hash_table_remove(a->fails, ip);
		return 0;
	}
	/* A browser's first request carries no credentials: that is how it
	 * learns it needs some, not a failure. */
	if (res != WA_MISSING) {
		metrics_inc(&g->svc.metrics, WM_ADMIN_AUTH_FAIL);
		if (!f && g_hash_table_size(a->fails) < WSGW_ADMIN_MAX_CLIENTS) {
			f = g_new0(struct wsgw_admin_fail, 1);
			f->since_us = now;
			g_hash_table_insert(a->fails, g_strdup(ip), f);
		}
		if (f && ++f->count == WSGW_ADMIN_MAX_FAILS)
			LOG_WARN("admin", "%s: %d failed admin logins; refusing "
				 "it for a minute", ip, f->count);
	}
	if (res == WA_MALFORMED) {
		wsgw_admin_error(r, 400, "malformed Authorization header");
		return EINVAL;
	}
	wsgw_admin_error(r, 401, "authentication required");
	r->hdr = "www-authenticate:";
	snprintf(r->hdr_val, sizeof(r->hdr_val),
		 "Basic realm=\"rtcgate admin\", charset=\"UTF-8\"");
	return EACCES;
}

/* ---- the page --------------------------------------------------------- */

static void wsgw_admin_page(struct wsgw *g, struct wsgw_http_resp *r)
{
	char *path = g_build_filename(g->cfg.web_root, "admin.html", NULL);
	gchar *text = NULL;
	gsize len = 0;
	struct stat st;

	if (stat(path, &st) || st.st_size > WSGW_ADMIN_MAX_PAGE ||
	    !g_file_get_contents(path, &text, &len, NULL)) {
		LOG_WARN("admin", "cannot read %s", path);
		wsgw_admin_error(r, 404, "admin page not installed");
	} else {
		r->status = 200;
		r->type = "text/html; charset=utf-8";
		r->cache = "no-store";
		r->body = strndup(text, len);
	}
	g_free(text);
	g_free(path);
}

/* ---- requests that wait on the bus ------------------------------------ */

static void wsgw_admin_finish(struct wsgw_admin_wait *w)
{
	struct wsgw *g = w->g;
	struct wsgw_http_resp r = { 0 };

	if (w->what == WA_CALLS)
		wsgw_admin_json(&r, 200, wsgw_admin_calls_json(g, w->got,
							       w->expected));
	else if (!json_array_size(w->got))
		wsgw_admin_error(&r, w->done ? 503 : 504, w->done ?
				 "no registrar is running" :
				 "the registrar did not answer in time");
	else
		wsgw_admin_json(&r, 200, wsgw_admin_regs_json(
					g, json_array_get(w->got, 0)));
	wsgw_http_deliver(w->wsi, &r);
	g_hash_table_remove(g->admin->waits, &w->seq);	/* frees w */
}

static void wsgw_admin_deadline(lws_sorted_usec_list_t *sul)
{
	wsgw_admin_finish(lws_container_of(sul, struct wsgw_admin_wait, sul));
}

void wsgw_admin_answer(struct wsgw *g, uint64_t seq, json_t *reply)
{
	struct wsgw_admin_wait *w;

	if (!g->admin ||
	    !(w = g_hash_table_lookup(g->admin->waits, &(gint64){ (gint64)seq })))
		return;	/* late: the deadline answered already */
	if (!reply)
		w->done = 1;
	else if (json_array_size(w->got) < WSGW_ADMIN_MAX_NODES)
		json_array_append(w->got, reply);
	if (w->done || w->what == WA_REGS ||
	    (w->expected && (int)json_array_size(w->got) >= w->expected))
		wsgw_admin_finish(w);
}

/* How many b2bua instances answered the last health polls. */
static int wsgw_admin_b2buas(struct wsgw *g)
{
	GHashTableIter it;
	gpointer k, v;
	int n = 0;

	wsgw_health_expire(g, wsgw_now_us());
	g_hash_table_iter_init(&it, g->health);
	while (g_hash_table_iter_next(&it, &k, &v))
		n += !strncmp(k, "b2bua/", 6);
	return n;
}

static int wsgw_admin_wait_for(struct wsgw *g, struct lws *wsi,
			       enum wsgw_admin_what what,
			       struct wsgw_http_resp *r)
{
	struct wsgw_admin_wait *w = calloc(1, sizeof(*w));

	if (!w || !(w->got = json_array())) {
		free(w);
		wsgw_admin_error(r, 500, "out of memory");
		return 0;
	}
	w->g = g;
	w->seq = ++g->admin->next_seq;
	w->wsi = wsi;
	w->what = what;
	w->expected = what == WA_CALLS ? wsgw_admin_b2buas(g) : 1;
	if (wsgw_admin_ask(g, w)) {
		wsgw_admin_wait_free(w);
		wsgw_admin_error(r, 503, "bus unavailable");
		return 0;
	}
	g_hash_table_insert(g->admin->waits, &w->seq, w);
	lws_sul_schedule(g->lws, 0, &w->sul, wsgw_admin_deadline,
			 what == WA_CALLS ? WSGW_ADMIN_CALLS_US :
			 WSGW_ADMIN_REGS_US);
	return EINPROGRESS;
}

void wsgw_admin_http_closed(struct wsgw *g, struct lws *wsi)
{
	GHashTableIter it;
	gpointer k, v;

	if (!g->admin)
		return;
	g_hash_table_iter_init(&it, g->admin->waits);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((struct wsgw_admin_wait *)v)->wsi == wsi)
			g_hash_table_iter_remove(&it);
}

/* ---- dispatch --------------------------------------------------------- */

int wsgw_admin_http(struct wsgw *g, struct lws *wsi, const char *path,
		    struct wsgw_http_resp *r)
{
	metrics_inc(&g->svc.metrics, WM_ADMIN_REQ);
	if (!g->admin) {
		wsgw_admin_error(r, 404, "not found");
		return 0;
	}
	if (wsgw_admin_auth(g, wsi, r))
		return 0;
	if (!strcmp(path, "/admin.html")) {
		wsgw_admin_page(g, r);
		return 0;
	}
	if (!strcmp(path, "/api/?")) {
		wsgw_admin_error(r, 405, "GET only");
		return 0;
	}
	if (!strcmp(path, "/api/nodes")) {
		wsgw_admin_json(r, 200, wsgw_admin_nodes_json(g));
		return 0;
	}
	if (!strcmp(path, "/api/cdrs")) {
		wsgw_admin_json(r, 200, wsgw_admin_cdrs_json(g));
		return 0;
	}
	if (!strcmp(path, "/api/registrations"))
		return wsgw_admin_wait_for(g, wsi, WA_REGS, r);
	if (!strcmp(path, "/api/calls"))
		return wsgw_admin_wait_for(g, wsi, WA_CALLS, r);
	wsgw_admin_error(r, 404, "not found");
	return 0;
}
