/* wsip: the layer object, its tables, transactions, timers and the entry
 * point for browsers' messages.  See wsip.h. */
#include "wsip_int.h"
#include "sipframe.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int wsip_flow_set(struct wsip_flow *fl, const char *edge, const char *conn)
{
	if (!edge || !conn || !*edge || !*conn ||
	    strlen(edge) >= sizeof(fl->edge) ||
	    strlen(conn) >= sizeof(fl->conn))
		return EINVAL;
	snprintf(fl->edge, sizeof(fl->edge), "%s", edge);
	snprintf(fl->conn, sizeof(fl->conn), "%s", conn);
	return 0;
}

/* Only these characters go into our Via, Contact and rtcgate-owner: a host
 * name or address literal, and an owner "svc.id" (docs/bus.md). */
static int wsip_plain(const char *s, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= max)
		return 0;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

static uint64_t wsip_clock_mono(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t wsip_now(const struct wsip *w)
{
	return w->clockh(w->arg);
}

/* Tags, branches and Call-IDs identify dialogs to strangers, so they must
 * be unguessable (RFC 3261 19.3): the kernel's random bytes, spelled by
 * msg_random_token() (5 bits a character).  buf holds chars + 1. */
void wsip_token(char *buf, size_t chars)
{
	uint8_t rnd[64];
	size_t n = chars * 5 / 8 + 2;

	if (n > sizeof(rnd))
		abort();	/* programmer error: tokens are short */
	if (getrandom(rnd, n, 0) == (ssize_t)n)
		msg_random_token(buf, (isize_t)chars, rnd, (isize_t)n);
	else
		msg_random_token(buf, (isize_t)chars, NULL, 0);
}

int wsip_new(struct wsip **wp, const struct wsip_cfg *cfg)
{
	struct wsip *w;

	if (!wp || !cfg || !cfg->sendh ||
	    !wsip_plain(cfg->host, WSIP_HOST_MAX, ".-[]:") ||
	    !wsip_plain(cfg->owner, WSIP_ID_MAX + 8, "._-"))
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	snprintf(w->host, sizeof(w->host), "%s", cfg->host);
	snprintf(w->owner, sizeof(w->owner), "%s", cfg->owner);
	snprintf(w->contact, sizeof(w->contact),
		 "<sip:b2bua@%s;transport=ws;rtcgate-owner=%s>", w->host,
		 w->owner);
	w->max_dialogs = cfg->max_dialogs ? cfg->max_dialogs :
			 WSIP_DEFAULT_DIALOGS;
	w->max_txns = cfg->max_txns ? cfg->max_txns : 4 * w->max_dialogs;
	w->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
			WSIP_DEFAULT_TIMEOUT_MS;
	w->sendh = cfg->sendh;
	w->clockh = cfg->clockh ? cfg->clockh : wsip_clock_mono;
	w->arg = cfg->arg;
	/* Keys live inside the objects: the tables own nothing. */
	w->dialogs = g_hash_table_new(g_str_hash, g_str_equal);
	w->servers = g_hash_table_new(g_str_hash, g_str_equal);
	w->clients = g_hash_table_new(g_str_hash, g_str_equal);
	*wp = w;
	return 0;
}

void wsip_free(struct wsip *w)
{
	GList *all;

	if (!w)
		return;
	/* Without sending anything: no 481s at shutdown. */
	while (w->txns) {
		w->txns->final = 1;
		wsip_txn_free(w->txns);
	}
	all = g_hash_table_get_values(w->dialogs);
	for (GList *l = all; l; l = l->next)
		wsip_dialog_free(l->data);
	g_list_free(all);
	g_hash_table_destroy(w->dialogs);
	g_hash_table_destroy(w->servers);
	g_hash_table_destroy(w->clients);
	free(w);
}

int wsip_send_msg(struct wsip *w, const struct wsip_flow *fl, msg_t *msg,
		  char **keep, size_t *keeplen)
{
	size_t len = 0;
	char *s;

	if (msg_serialize(msg, (msg_pub_t *)sip_object(msg)) < 0)
		return ENOMEM;
	s = msg_as_string(msg_home(msg), msg, NULL, 0, &len);
	if (!s)
		return ENOMEM;
	if (keep) {
		*keep = malloc(len);
		if (!*keep)
			return ENOMEM;
		memcpy(*keep, s, len);
		*keeplen = len;
	}
	return w->sendh(fl, s, len, w->arg);
}

int wsip_txn_new(struct wsip *w, struct wsip_dialog *d, int server,
		 struct wsip_txn **tp)
{
	struct wsip_txn *t;

	if (w->ntxns >= w->max_txns)
		return ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->w = w;
	t->dlg = d;
	t->server = server ? 1 : 0;
	t->next = w->txns;
	if (w->txns)
		w->txns->prev = t;
	w->txns = t;
	w->ntxns++;
	*tp = t;
	return 0;
}

static GHashTable *wsip_txn_table(const struct wsip_txn *t)
{
	return t->server ? t->w->servers : t->w->clients;
}

int wsip_txn_key(struct wsip_txn *t, const char *key)
{
	GHashTable *tab = wsip_txn_table(t);

	if (strlen(key) >= sizeof(t->key))
		return E2BIG;
	if (g_hash_table_contains(tab, key))
		return EEXIST;
	snprintf(t->key, sizeof(t->key), "%s", key);
	g_hash_table_insert(tab, t->key, t);
	t->in_table = 1;
	return 0;
}

void wsip_txn_free(struct wsip_txn *t)
{
	struct wsip *w;
	struct wsip_dialog *d;

	if (!t)
		return;
	w = t->w;
	d = t->dlg;
	if (t->in_table)
		g_hash_table_remove(wsip_txn_table(t), t->key);
	if (t->prev)
		t->prev->next = t->next;
	else
		w->txns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	if (d && t->server && !t->invite && d->npending)
		d->npending--;
	if (d)
		wsip_dlg_unlink(d, t);
	if (t->req)
		msg_destroy(t->req);
	free(t->ack);
	free(t->cancel_extra);
	w->ntxns--;
	free(t);
}

void wsip_ev_init(struct wsip_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = WSIP_EV_NONE;
}

int wsip_recv(struct wsip *w, struct sipframe *f, const struct wsip_flow *fl,
	      struct wsip_event *ev)
{
	const sip_t *sip = sipframe_sip(f);

	wsip_ev_init(ev);
	/* sipframe_parse() lets through only messages with these, but a
	 * layer facing strangers checks again rather than crash. */
	if (!sip || !fl || sip_sanity_check(sip) < 0) {
		ev->why = "not a sane SIP message";
		return EBADMSG;
	}
	if (sip->sip_request)
		return wsip_uas_recv(w, f, sip, fl, ev);
	return wsip_uac_recv(w, sip, ev);
}

/* A client transaction that got no final answer in 64*T1 (Timer B, F;
 * 9.1 after a CANCEL) ends as if a 408 came (RFC 3261 8.1.3.1); a 408 to a
 * request in a dialog ends the dialog (12.2.1.2). */
static int wsip_expire_client(struct wsip_txn *t, struct wsip_event *ev)
{
	struct wsip_dialog *d = t->dlg;

	ev->type = WSIP_EV_RESPONSE;
	ev->dlg = d;
	ev->arg = t->arg;
	ev->status = 408;
	ev->timeout = 1;
	snprintf(ev->method, sizeof(ev->method), "%s", t->method);
	if (d)
		d->state = WSIP_DLG_TERMINATED;
	if (t->invite) {
		t->final = 1;
		t->status = 408;
		return 1;
	}
	wsip_txn_free(t);
	if (!d)
		wsip_ev_init(ev);	/* its dialog is gone: nobody to tell */
	return d != NULL;
}

static int wsip_expire(struct wsip_txn *t, struct wsip_event *ev)
{
	if (!t->server)
		return wsip_expire_client(t, ev);
	/* Server INVITE: our 2xx was not ACKed (13.3.1.4). */
	ev->type = WSIP_EV_NO_ACK;
	ev->dlg = t->dlg;
	snprintf(ev->method, sizeof(ev->method), "%s", t->method);
	return 1;
}

int wsip_tick(struct wsip *w, struct wsip_event *ev)
{
	uint64_t now = wsip_now(w);
	struct wsip_txn *t, *next;

	wsip_ev_init(ev);
	for (t = w->txns; t; t = next) {
		next = t->next;
		if (!t->deadline || t->deadline > now)
			continue;
		t->deadline = 0;
		/* wsip_expire() frees at most t itself. */
		if (wsip_expire(t, ev))
			return 1;
	}
	return 0;
}

const char *wsip_txn_method(const struct wsip_txn *st)
{
	return st->method;
}

void wsip_get_stats(const struct wsip *w, struct wsip_stats *st)
{
	st->dialogs = w->ndialogs;
	st->txns = w->ntxns;
	st->strays = w->strays;
	st->refused = w->refused;
	st->limited = w->limited;
}
