/* Unit tests for services/b2bua/wsip*.c: the b2bua's transactions and
 * dialogs toward browsers.  Messages in are shaped like JsSIP's (Via
 * SIP/2.0/WSS <random>.invalid, Contact ...;transport=ws;ob, no
 * Record-Route); messages out are parsed back with sofia-sip and checked
 * header by header.  Time is a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "b2bua/wsip.h"
#include "sipframe.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRLF "\r\n"
#define HOST "example.com"
#define OWNER "b2bua.b1"
#define BR_HOST "df7jal23ls0d.invalid"
#define CONTACT_URI "sip:k3v9@" BR_HOST ";transport=ws;ob"
#define SDP "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" \
	    "t=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

enum { MAX_SENT = 64, MAX_FRAMES = 256 };

static struct {
	struct wsip *w;
	struct wsip_flow fl, fl2;
	uint64_t now;
	char *sent[MAX_SENT];
	struct wsip_flow sent_fl[MAX_SENT];
	int nsent;
	int send_err;
	struct sipframe *frames[MAX_FRAMES];
	int nframes;
	su_home_t *home;
} T;

static int t_send(const struct wsip_flow *fl, const char *text, size_t len,
		  void *arg)
{
	(void)arg;
	assert_true(T.nsent < MAX_SENT);
	T.sent[T.nsent] = strndup(text, len);
	T.sent_fl[T.nsent] = *fl;
	T.nsent++;
	return T.send_err;
}

static uint64_t t_clock(void *arg)
{
	(void)arg;
	return T.now;
}

static int setup_n(unsigned max_dialogs, unsigned max_txns)
{
	struct wsip_cfg cfg = {
		.host = HOST, .owner = OWNER, .max_dialogs = max_dialogs,
		.max_txns = max_txns, .sendh = t_send, .clockh = t_clock,
	};

	memset(&T, 0, sizeof(T));
	T.now = 1000000;
	T.home = su_home_new(sizeof(su_home_t));
	assert_int_equal(wsip_flow_set(&T.fl, "wsgw-a", "c1"), 0);
	assert_int_equal(wsip_flow_set(&T.fl2, "wsgw-a", "c2"), 0);
	return wsip_new(&T.w, &cfg);
}

static int setup(void **state)
{
	(void)state;
	return setup_n(0, 0);
}

static int setup_small(void **state)
{
	(void)state;
	return setup_n(2, 0);
}

static int teardown(void **state)
{
	(void)state;
	wsip_free(T.w);
	for (int i = 0; i < T.nsent; i++)
		free(T.sent[i]);
	for (int i = 0; i < T.nframes; i++)
		sipframe_free(T.frames[i]);
	su_home_unref(T.home);
	return 0;
}

/* ---- helpers ---- */

static struct sipframe *frame(const char *text)
{
	char why[80];
	struct sipframe *f = NULL;

	if (sipframe_parse(text, strlen(text), &f, why, sizeof(why)) !=
	    SIPFRAME_OK)
		fail_msg("does not parse (%s): %.200s", why, text);
	assert_true(T.nframes < MAX_FRAMES);
	T.frames[T.nframes++] = f;
	return f;
}

/* The i-th message we sent (negative: from the end), parsed. */
static sip_t *sent(int i)
{
	if (i < 0)
		i += T.nsent;
	assert_true(i >= 0 && i < T.nsent);
	return sipframe_sip(frame(T.sent[i]));
}

static const char *hdr(const void *h)
{
	return h ? sip_header_as_string(T.home, (const sip_header_t *)h) : "";
}

static const char *url(const url_t *u)
{
	return url_as_string(T.home, u);
}

static const char *param(const char *const *params, const char *name)
{
	const char *v = msg_params_find(params, name);

	return v ? v : "(none)";
}

/* A request as JsSIP writes it; body may be NULL. */
static char *req(const char *method, const char *ruri, const char *branch,
		 const char *ftag, const char *ttag, const char *cid,
		 unsigned cseq, const char *extra, const char *body)
{
	char *s = su_sprintf(T.home,
		"%s %s SIP/2.0" CRLF
		"Via: SIP/2.0/WSS " BR_HOST ";branch=%s;rport=50712;"
		"received=127.0.0.1" CRLF
		"Max-Forwards: 69" CRLF
		"To: <sip:bob@" HOST ">%s%s" CRLF
		"From: \"Alice\" <sip:alice@" HOST ">;tag=%s" CRLF
		"Call-ID: %s" CRLF
		"CSeq: %u %s" CRLF
		"%s"
		"%s"
		"Supported: timer,ice,replaces,outbound" CRLF
		"User-Agent: JsSIP 3.10.1" CRLF
		"Content-Length: %zu" CRLF CRLF "%s",
		method, ruri, branch, ttag ? ";tag=" : "", ttag ? ttag : "",
		ftag, cid, cseq, method, body ? "Content-Type: application/sdp"
		CRLF : "", extra ? extra : "", body ? strlen(body) : 0,
		body ? body : "");
	assert_non_null(s);
	return s;
}

#define INV_BRANCH "z9hG4bK2583311"
#define INV_CID "3qr8cs1v2ch1tjb5d1ol"
#define INV_FTAG "0mq4ksi8b6"
#define INV_CONTACT "Contact: <" CONTACT_URI ">" CRLF

static char *invite_text(const char *extra)
{
	char *x = su_sprintf(T.home, INV_CONTACT "%s", extra ? extra : "");

	return req("INVITE", "sip:bob@" HOST, INV_BRANCH, INV_FTAG, NULL,
		   INV_CID, 6131, x, SDP);
}

static int recv_text(const char *text, const struct wsip_flow *fl,
		     struct wsip_event *ev)
{
	return wsip_recv(T.w, frame(text), fl, ev);
}

/* A new call from the browser: the UAS dialog. */
static struct wsip_dialog *uas_call(struct wsip_event *ev, const char *extra)
{
	assert_int_equal(recv_text(invite_text(extra), &T.fl, ev), 0);
	assert_int_equal(ev->type, WSIP_EV_INVITE);
	assert_non_null(ev->dlg);
	assert_non_null(ev->txn);
	return ev->dlg;
}

/* ... answered 200 and ACKed: confirmed. */
static struct wsip_dialog *uas_confirmed(void)
{
	struct wsip_event ev;
	struct wsip_dialog *d = uas_call(&ev, NULL);
	struct wsip_body b = { NULL, SDP, strlen(SDP) };

	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, &b), 0);
	assert_int_equal(recv_text(req("ACK", "sip:b2bua@" HOST, "z9hG4bKack1",
				       INV_FTAG, wsip_dialog_local_tag(d),
				       INV_CID, 6131, NULL, NULL),
				   &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_ACK);
	return d;
}

/* A request from the browser within dialog d. */
static char *in_dialog(struct wsip_dialog *d, const char *method,
		       const char *branch, unsigned cseq, const char *extra)
{
	return req(method, "sip:b2bua@" HOST ";transport=ws;rtcgate-owner="
		   OWNER, branch, INV_FTAG, wsip_dialog_local_tag(d), INV_CID,
		   cseq, extra, NULL);
}

static void check_copied(const sip_t *r, const char *method, unsigned cseq)
{
	assert_string_equal(r->sip_via->v_branch, INV_BRANCH);
	assert_string_equal(r->sip_via->v_host, BR_HOST);
	assert_string_equal(param(r->sip_via->v_params, "received"),
			    "127.0.0.1");
	assert_null(r->sip_via->v_next);
	assert_string_equal(r->sip_from->a_tag, INV_FTAG);
	assert_string_equal(r->sip_from->a_display, "\"Alice\"");
	assert_string_equal(r->sip_call_id->i_id, INV_CID);
	assert_int_equal(r->sip_cseq->cs_seq, cseq);
	assert_string_equal(r->sip_cseq->cs_method_name, method);
	assert_string_equal(url(r->sip_to->a_url), "sip:bob@" HOST);
}

static void check_our_contact(const sip_t *m)
{
	assert_non_null(m->sip_contact);
	assert_null(m->sip_contact->m_next);
	assert_string_equal(url(m->sip_contact->m_url),
			    "sip:b2bua@" HOST ";transport=ws;rtcgate-owner="
			    OWNER);
}

static int count_routes(const sip_route_t *r)
{
	int n = 0;

	for (; r; r = r->r_next)
		n++;
	return n;
}

/* ---- construction ---- */

static void test_new_rejects_bad_config(void **state)
{
	struct wsip *w = NULL;
	struct wsip_cfg c = { .host = HOST, .owner = OWNER, .sendh = t_send };

	(void)state;
	c.host = "example.com;x=y";	/* would inject a parameter */
	assert_int_equal(wsip_new(&w, &c), EINVAL);
	c.host = "";
	assert_int_equal(wsip_new(&w, &c), EINVAL);
	c.host = HOST;
	c.owner = "b2bua.b1>;evil";
	assert_int_equal(wsip_new(&w, &c), EINVAL);
	c.owner = OWNER;
	c.sendh = NULL;
	assert_int_equal(wsip_new(&w, &c), EINVAL);
	assert_null(w);
	c.sendh = t_send;
	assert_int_equal(wsip_new(&w, &c), 0);
	wsip_free(w);
	wsip_free(NULL);
}

static void test_flow_bounds(void **state)
{
	struct wsip_flow fl;
	char big[100];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wsip_flow_set(&fl, big, "c"), EINVAL);
	assert_int_equal(wsip_flow_set(&fl, "e", ""), EINVAL);
	assert_int_equal(wsip_flow_set(&fl, "e", NULL), EINVAL);
	assert_int_equal(wsip_flow_set(&fl, "e", "c"), 0);
	assert_string_equal(fl.edge, "e");
}

/* ---- UAS: the browser calls ---- */

static void test_uas_invite_event(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_string_equal(ev.method, "INVITE");
	assert_non_null(ev.sip);
	assert_int_equal(ev.sip->sip_payload->pl_len, strlen(SDP));
	assert_false(wsip_dialog_is_uac(d));
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_INIT);
	assert_string_equal(wsip_dialog_call_id(d), INV_CID);
	assert_string_equal(wsip_dialog_remote_tag(d), INV_FTAG);
	assert_int_equal(strlen(wsip_dialog_local_tag(d)), 16);
	assert_string_equal(wsip_dialog_flow(d)->conn, "c1");
	assert_string_equal(wsip_txn_method(ev.txn), "INVITE");
	assert_int_equal(T.nsent, 0);	/* the b2bua answers */
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 1);
	assert_int_equal(st.txns, 1);
	wsip_dialog_set_arg(d, &st);
	assert_ptr_equal(wsip_dialog_arg(d), &st);
}

static void test_uas_100_trying(void **state)
{
	struct wsip_event ev;
	sip_t *r;

	(void)state;
	uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 100, NULL, NULL, NULL), 0);
	assert_int_equal(T.nsent, 1);
	assert_string_equal(T.sent_fl[0].edge, "wsgw-a");
	assert_string_equal(T.sent_fl[0].conn, "c1");
	r = sent(0);
	assert_int_equal(r->sip_status->st_status, 100);
	assert_string_equal(r->sip_status->st_phrase, "Trying");
	check_copied(r, "INVITE", 6131);
	/* 8.2.6.2: 100 may go without a tag; it is hop-by-hop, no Contact */
	assert_null(r->sip_to->a_tag);
	assert_null(r->sip_contact);
	assert_int_equal(r->sip_content_length->l_length, 0);
	assert_int_equal(wsip_dialog_state(ev.dlg), WSIP_DLG_INIT);
}

static void test_uas_180_200_tag_stable(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_body b = { NULL, SDP, strlen(SDP) };
	sip_t *r;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 180, NULL, NULL, NULL), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_EARLY);
	assert_int_equal(wsip_respond(ev.txn, 183, "Session Progress", NULL,
				      &b), 0);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, &b), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
	assert_int_equal(T.nsent, 3);
	for (int i = 0; i < 3; i++) {
		r = sent(i);
		check_copied(r, "INVITE", 6131);
		assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
		check_our_contact(r);
		assert_null(r->sip_record_route);
	}
	r = sent(0);
	assert_int_equal(r->sip_status->st_status, 180);
	assert_string_equal(r->sip_status->st_phrase, "Ringing");
	assert_null(r->sip_payload);
	r = sent(2);
	assert_int_equal(r->sip_status->st_status, 200);
	assert_string_equal(r->sip_content_type->c_type, "application/sdp");
	assert_int_equal(r->sip_content_length->l_length, strlen(SDP));
	assert_memory_equal(r->sip_payload->pl_data, SDP, strlen(SDP));
	/* a final response was sent: no more */
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL),
			 EALREADY);
	assert_int_equal(wsip_respond(ev.txn, 42, NULL, NULL, NULL), EINVAL);
}

static void test_uas_ack_matched(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uas_confirmed();
	assert_int_equal(T.nsent, 1);	/* the 200; ACK is not answered */
	/* the same ACK again is absorbed */
	assert_int_equal(recv_text(req("ACK", "sip:b2bua@" HOST, "z9hG4bKack1",
				       INV_FTAG, wsip_dialog_local_tag(d),
				       INV_CID, 6131, NULL, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	/* acked: the 64*T1 timer does not fire */
	T.now += 60000;
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	assert_int_equal(T.nsent, 1);
}

static void test_uas_ack_wrong_cseq_or_tag_is_stray(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	assert_int_equal(recv_text(req("ACK", "sip:b2bua@" HOST, "z9hG4bKa2",
				       INV_FTAG, wsip_dialog_local_tag(d),
				       INV_CID, 6130, NULL, NULL), &T.fl, &ev),
			 ENOENT);
	assert_int_equal(recv_text(req("ACK", "sip:b2bua@" HOST, "z9hG4bKa3",
				       INV_FTAG, "nottheirs", INV_CID, 6131,
				       NULL, NULL), &T.fl, &ev), ENOENT);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.strays, 2);
	assert_int_equal(T.nsent, 1);	/* never answered */
}

static void test_uas_no_ack_timeout(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	T.now += 31000;
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	T.now += 1000;
	assert_int_equal(wsip_tick(T.w, &ev), 1);
	assert_int_equal(ev.type, WSIP_EV_NO_ACK);
	assert_ptr_equal(ev.dlg, d);
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	/* the caller ends it (13.3.1.4) */
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
}

static void test_uas_cancel_before_answer(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_txn *inv;
	sip_t *r;

	(void)state;
	d = uas_call(&ev, NULL);
	inv = ev.txn;
	assert_int_equal(wsip_respond(inv, 180, NULL, NULL, NULL), 0);
	/* RFC 3261 9.1: same branch, To without tag, CSeq number */
	assert_int_equal(recv_text(req("CANCEL", "sip:bob@" HOST, INV_BRANCH,
				       INV_FTAG, NULL, INV_CID, 6131,
				       "Reason: SIP;cause=487" CRLF, NULL),
				   &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_CANCELLED);
	assert_ptr_equal(ev.dlg, d);
	assert_ptr_equal(ev.txn, inv);
	assert_non_null(ev.sip->sip_reason);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	assert_int_equal(T.nsent, 3);
	r = sent(1);	/* 200 for the CANCEL */
	assert_int_equal(r->sip_status->st_status, 200);
	check_copied(r, "CANCEL", 6131);
	assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
	r = sent(2);	/* 487 for the INVITE, same To-tag (9.2) */
	assert_int_equal(r->sip_status->st_status, 487);
	check_copied(r, "INVITE", 6131);
	assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
	assert_null(r->sip_contact);
	/* the b2bua's answer comes too late */
	assert_int_equal(wsip_respond(inv, 200, NULL, NULL, NULL), EALREADY);
	/* JsSIP ACKs the 487 on the INVITE's branch: absorbed */
	assert_int_equal(recv_text(req("ACK", "sip:bob@" HOST, INV_BRANCH,
				       INV_FTAG, wsip_dialog_local_tag(d),
				       INV_CID, 6131, NULL, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	assert_int_equal(T.nsent, 3);
}

static void test_uas_cancel_unknown_branch(void **state)
{
	struct wsip_event ev;
	sip_t *r;

	(void)state;
	uas_call(&ev, NULL);
	assert_int_equal(recv_text(req("CANCEL", "sip:bob@" HOST,
				       "z9hG4bK999", INV_FTAG, NULL, INV_CID,
				       6131, NULL, NULL), &T.fl, &ev), ENOENT);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	r = sent(0);
	assert_int_equal(r->sip_status->st_status, 481);
	assert_string_equal(r->sip_cseq->cs_method_name, "CANCEL");
	/* the INVITE's branch from another connection: not theirs to end */
	assert_int_equal(recv_text(req("CANCEL", "sip:bob@" HOST, INV_BRANCH,
				       INV_FTAG, NULL, INV_CID, 6131, NULL,
				       NULL), &T.fl2, &ev), ENOENT);
	assert_int_equal(sent(1)->sip_status->st_status, 481);
	assert_string_equal(T.sent_fl[1].conn, "c2");
	/* right branch, wrong CSeq number (9.1) */
	assert_int_equal(recv_text(req("CANCEL", "sip:bob@" HOST, INV_BRANCH,
				       INV_FTAG, NULL, INV_CID, 6132, NULL,
				       NULL), &T.fl, &ev), ENOENT);
	assert_int_equal(sent(2)->sip_status->st_status, 481);
}

static void test_uas_cancel_after_answer(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	assert_int_equal(recv_text(req("CANCEL", "sip:bob@" HOST, INV_BRANCH,
				       INV_FTAG, NULL, INV_CID, 6131, NULL,
				       NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);	/* no effect (9.2) */
	assert_int_equal(T.nsent, 2);
	assert_int_equal(sent(1)->sip_status->st_status, 200);
	assert_string_equal(sent(1)->sip_cseq->cs_method_name, "CANCEL");
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
}

static void test_uas_error_with_extra_headers(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *r;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 486, NULL,
				      "Reason: Q.850;cause=17" CRLF
				      "Retry-After: 30" CRLF, NULL), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	r = sent(0);
	assert_int_equal(r->sip_status->st_status, 486);
	assert_string_equal(r->sip_status->st_phrase, "Busy Here");
	check_copied(r, "INVITE", 6131);
	assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
	assert_null(r->sip_contact);
	assert_string_equal(r->sip_reason->re_protocol, "Q.850");
	assert_int_equal(r->sip_retry_after->af_delta, 30);
}

static void test_uas_bad_phrase(void **state)
{
	struct wsip_event ev;

	(void)state;
	uas_call(&ev, NULL);
	assert_int_equal(wsip_respond(ev.txn, 480, "Gone\r\nX: y", NULL,
				      NULL), EINVAL);
	assert_int_equal(T.nsent, 0);
	assert_int_equal(wsip_respond(NULL, 480, NULL, NULL, NULL), EINVAL);
	/* header lines sofia cannot parse, or an empty line: refused, and
	 * the transaction is still there to answer properly */
	assert_int_equal(wsip_respond(ev.txn, 480, NULL, "no colon" CRLF,
				      NULL), EINVAL);
	assert_int_equal(wsip_respond(ev.txn, 480, NULL, "Reason: x" CRLF CRLF
				      "body", NULL), EINVAL);
	assert_int_equal(T.nsent, 0);
	assert_int_equal(wsip_dialog_state(ev.dlg), WSIP_DLG_INIT);
	assert_int_equal(wsip_respond(ev.txn, 480, "Gone", NULL, NULL), 0);
	assert_string_equal(sent(0)->sip_status->st_phrase, "Gone");
}

static void test_uas_record_route_kept_in_order(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *r;

	(void)state;
	d = uas_call(&ev, "Record-Route: <sip:p1.example.net;lr>" CRLF
			  "Record-Route: <sip:p2.example.net;lr>" CRLF);
	assert_int_equal(wsip_respond(ev.txn, 180, NULL, NULL, NULL), 0);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	for (int i = 0; i < 2; i++) {	/* 12.1.1: copied into 1xx, 2xx */
		r = sent(i);
		assert_int_equal(count_routes(r->sip_record_route), 2);
		assert_string_equal(url(r->sip_record_route->r_url),
				    "sip:p1.example.net;lr");
	}
	/* our request: Route = Record-Route in order, R-URI the Contact */
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	r = sent(-1);
	assert_string_equal(url(r->sip_request->rq_url), CONTACT_URI);
	assert_int_equal(count_routes(r->sip_route), 2);
	assert_string_equal(url(r->sip_route->r_url), "sip:p1.example.net;lr");
	assert_string_equal(url(r->sip_route->r_next->r_url),
			    "sip:p2.example.net;lr");
}

static void test_uas_bye_in_dialog(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;
	sip_t *r;

	(void)state;
	d = uas_confirmed();
	assert_int_equal(recv_text(in_dialog(d, "BYE", "z9hG4bKbye1", 6132,
					     NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_ptr_equal(ev.dlg, d);
	assert_string_equal(ev.method, "BYE");
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.txns, 2);	/* the INVITE's and the BYE's */
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.txns, 1);	/* the BYE's is done */
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 200);
	assert_string_equal(r->sip_via->v_branch, "z9hG4bKbye1");
	assert_string_equal(r->sip_cseq->cs_method_name, "BYE");
	assert_int_equal(r->sip_cseq->cs_seq, 6132);
	assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
	assert_string_equal(r->sip_from->a_tag, INV_FTAG);
	assert_null(r->sip_contact);
	/* the dialog is over: more requests get 481 */
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi9", 6133,
					     NULL), &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
}

static void test_uas_bye_wrong_tag_or_callid(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	char *bye;

	(void)state;
	d = uas_confirmed();
	bye = req("BYE", "sip:b2bua@" HOST, "z9hG4bKb1", INV_FTAG, "bogus",
		  INV_CID, 6132, NULL, NULL);
	assert_int_equal(recv_text(bye, &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	bye = req("BYE", "sip:b2bua@" HOST, "z9hG4bKb2", "otherfrom",
		  wsip_dialog_local_tag(d), INV_CID, 6132, NULL, NULL);
	assert_int_equal(recv_text(bye, &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	bye = req("BYE", "sip:b2bua@" HOST, "z9hG4bKb3", INV_FTAG,
		  wsip_dialog_local_tag(d), "other-call", 6132, NULL, NULL);
	assert_int_equal(recv_text(bye, &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	/* a BYE without To-tag is outside any dialog (15.1.2) */
	bye = req("BYE", "sip:b2bua@" HOST, "z9hG4bKb4", INV_FTAG, NULL,
		  INV_CID, 6132, NULL, NULL);
	assert_int_equal(recv_text(bye, &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
}

static void test_uas_cseq_must_increase(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *r;

	(void)state;
	d = uas_confirmed();
	/* equal to the INVITE's, then lower: 500 (12.2.2) */
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi1", 6131,
					     NULL), &T.fl, &ev), EPROTO);
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 500);
	assert_null(r->sip_retry_after);
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi2", 17, NULL),
				   &T.fl, &ev), EPROTO);
	assert_int_equal(sent(-1)->sip_status->st_status, 500);
	/* higher, even by a jump, is fine */
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi3", 7000,
					     NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi4", 6999,
					     NULL), &T.fl, &ev), EPROTO);
}

static void test_uas_reinvite(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_body b = { NULL, SDP, strlen(SDP) };
	char *ri;
	sip_t *r;

	(void)state;
	d = uas_confirmed();
	/* the browser came back with a new Contact (target refresh) */
	ri = req("INVITE", "sip:b2bua@" HOST, "z9hG4bKre1", INV_FTAG,
		 wsip_dialog_local_tag(d), INV_CID, 6132,
		 "Contact: <sip:z9z9@new.invalid;transport=ws;ob>" CRLF, SDP);
	assert_int_equal(recv_text(ri, &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_string_equal(ev.method, "INVITE");
	assert_ptr_equal(ev.dlg, d);
	/* 14.2: a second INVITE while this one is pending */
	ri = req("INVITE", "sip:b2bua@" HOST, "z9hG4bKre2", INV_FTAG,
		 wsip_dialog_local_tag(d), INV_CID, 6133, INV_CONTACT, SDP);
	struct wsip_event ev2;
	assert_int_equal(recv_text(ri, &T.fl, &ev2), EPROTO);
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 500);
	assert_non_null(r->sip_retry_after);
	assert_int_equal(wsip_request(d, "INVITE", NULL, &b, NULL), EBUSY);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, &b), 0);
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 200);
	assert_int_equal(r->sip_cseq->cs_seq, 6132);
	check_our_contact(r);
	assert_string_equal(r->sip_to->a_tag, wsip_dialog_local_tag(d));
	/* the ACK of the re-INVITE's 2xx */
	assert_int_equal(recv_text(req("ACK", "sip:b2bua@" HOST, "z9hG4bKa9",
				       INV_FTAG, wsip_dialog_local_tag(d),
				       INV_CID, 6132, NULL, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_ACK);
	/* our next request goes to the new target */
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	r = sent(-1);
	assert_string_equal(url(r->sip_request->rq_url),
			    "sip:z9z9@new.invalid;transport=ws;ob");
}

static void test_uas_update_info_options(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *r;

	(void)state;
	d = uas_confirmed();
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi1", 6132,
		"Content-Type: application/dtmf-relay" CRLF), &T.fl, &ev), 0);
	assert_string_equal(ev.method, "INFO");
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 200);
	assert_string_equal(r->sip_cseq->cs_method_name, "INFO");
	assert_null(r->sip_contact);
	assert_int_equal(recv_text(in_dialog(d, "UPDATE", "z9hG4bKu1", 6133,
					     INV_CONTACT), &T.fl, &ev), 0);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	check_our_contact(sent(-1));	/* RFC 3311: target refresh */
	/* OPTIONS outside any dialog: no dialog, a To-tag made up */
	assert_int_equal(recv_text(req("OPTIONS", "sip:b2bua@" HOST,
				       "z9hG4bKo1", "ot1", NULL, "opt-1", 1,
				       NULL, NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_null(ev.dlg);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL,
				      "Allow: INVITE, ACK, CANCEL, BYE" CRLF,
				      NULL), 0);
	r = sent(-1);
	assert_non_null(r->sip_to->a_tag);
	assert_int_equal(strlen(r->sip_to->a_tag), 16);
	assert_non_null(r->sip_allow);
}

static void test_uas_bye_while_ringing(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_txn *inv;

	(void)state;
	d = uas_call(&ev, NULL);
	inv = ev.txn;
	assert_int_equal(wsip_respond(inv, 180, NULL, NULL, NULL), 0);
	/* the caller may BYE an early dialog (15); the INVITE gets 487 */
	assert_int_equal(recv_text(in_dialog(d, "BYE", "z9hG4bKb1", 6132, NULL),
				   &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_int_equal(sent(-1)->sip_status->st_status, 487);
	assert_int_equal(wsip_respond(inv, 200, NULL, NULL, NULL), EALREADY);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	assert_string_equal(sent(-1)->sip_cseq->cs_method_name, "BYE");
}

static void test_uas_free_answers_pending(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;

	(void)state;
	d = uas_confirmed();
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKi1", 6132,
					     NULL), &T.fl, &ev), 0);
	wsip_dialog_free(d);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	assert_string_equal(sent(-1)->sip_cseq->cs_method_name, "INFO");
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 0);
	assert_int_equal(st.txns, 0);
	wsip_dialog_free(NULL);
}

/* ---- hostile or broken input ---- */

static void test_uas_missing_tags_and_contact(void **state)
{
	struct wsip_event ev;
	char *s;

	(void)state;
	/* no From tag */
	s = su_sprintf(T.home, "%s", invite_text(NULL));
	char *t = strstr(s, ";tag=" INV_FTAG);
	size_t n = strlen(";tag=" INV_FTAG);
	memmove(t, t + n, strlen(t + n) + 1);
	assert_int_equal(recv_text(s, &T.fl, &ev), EBADMSG);
	assert_int_equal(sent(-1)->sip_status->st_status, 400);
	assert_string_equal(ev.why, "Missing From tag");
	/* no Contact in an INVITE (8.1.1.8) */
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKn1",
				       "f1", NULL, "c-1", 1, NULL, SDP),
				   &T.fl, &ev), EBADMSG);
	assert_int_equal(sent(-1)->sip_status->st_status, 400);
	/* an RFC 2543 branch */
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "1234",
				       "f1", NULL, "c-2", 1, INV_CONTACT, SDP),
				   &T.fl, &ev), EBADMSG);
	/* a broken ACK is never answered */
	int before = T.nsent;
	assert_int_equal(recv_text(req("ACK", "sip:bob@" HOST, "xyz", "f1",
				       "t1", "c-3", 1, NULL, NULL), &T.fl, &ev),
			 EBADMSG);
	assert_int_equal(T.nsent, before);
}

static char *repeat(char c, size_t n)
{
	char *s = su_alloc(T.home, n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_uas_huge_headers(void **state)
{
	struct wsip_event ev;
	struct wsip_stats st;
	char *big = repeat('a', 300), *br;
	char *rr = su_strdup(T.home, "");

	(void)state;
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKh1",
				       "f1", NULL, big, 1, INV_CONTACT, SDP),
				   &T.fl, &ev), EBADMSG);
	assert_string_equal(ev.why, "Call-ID Too Long");
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKh2",
				       big, NULL, "c-h2", 1, INV_CONTACT, SDP),
				   &T.fl, &ev), EBADMSG);
	br = su_sprintf(T.home, "z9hG4bK%s", big);
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, br, "f1",
				       NULL, "c-h3", 1, INV_CONTACT, SDP),
				   &T.fl, &ev), EBADMSG);
	for (int i = 0; i < 20; i++)
		rr = su_sprintf(T.home, "%sRecord-Route: <sip:p%d.x;lr>" CRLF,
				rr, i);
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKh4",
				       "f1", NULL, "c-h4", 1,
				       su_sprintf(T.home, INV_CONTACT "%s",
						  rr), SDP), &T.fl, &ev),
			 EBADMSG);
	assert_string_equal(ev.why, "Too Many Record-Route");
	/* a 10 KB display name: more than we keep of anyone */
	char *from = su_sprintf(T.home, "Contact: \"%s\" <" CONTACT_URI ">"
				CRLF, repeat('b', 10000));
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKh5",
				       "f1", NULL, "c-h5", 1, from, SDP),
				   &T.fl, &ev), EBADMSG);
	assert_string_equal(ev.why, "Headers Too Large");
	for (int i = 0; i < T.nsent; i++)
		assert_int_equal(sent(i)->sip_status->st_status, 400);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 0);
	assert_int_equal(st.txns, 0);
	assert_int_equal(st.refused, 5);
}

static void test_limits_max_dialogs(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_invite o = { .ruri = CONTACT_URI,
				 .from = "<sip:carol@" HOST ">",
				 .to = "<sip:bob@" HOST ">" };
	struct wsip_stats st;
	sip_t *r;

	(void)state;
	o.flow = T.fl;
	for (int i = 0; i < 2; i++) {
		char *br = su_sprintf(T.home, "z9hG4bKl%d", i);
		assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, br,
					       "f1", NULL, br, 1, INV_CONTACT,
					       SDP), &T.fl, &ev), 0);
		assert_int_equal(ev.type, WSIP_EV_INVITE);
	}
	assert_int_equal(recv_text(req("INVITE", "sip:bob@" HOST, "z9hG4bKl3",
				       "f1", NULL, "c-l3", 1, INV_CONTACT, SDP),
				   &T.fl, &ev), ENOSPC);
	r = sent(-1);
	assert_int_equal(r->sip_status->st_status, 503);
	assert_non_null(r->sip_retry_after);
	assert_int_equal(wsip_invite(T.w, &o, &d), ENOSPC);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 2);
	assert_int_equal(st.limited, 2);
}

static void test_limits_pending_per_dialog(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uas_confirmed();
	for (unsigned i = 0; i < WSIP_DLG_MAX_PENDING; i++) {
		char *br = su_sprintf(T.home, "z9hG4bKp%u", i);
		assert_int_equal(recv_text(in_dialog(d, "INFO", br, 7000 + i,
						     NULL), &T.fl, &ev), 0);
	}
	assert_int_equal(recv_text(in_dialog(d, "INFO", "z9hG4bKpx", 8000,
					     NULL), &T.fl, &ev), ENOSPC);
	assert_int_equal(sent(-1)->sip_status->st_status, 500);
}

static void test_uas_retransmission_absorbed(void **state)
{
	struct wsip_event ev;
	struct wsip_stats st;

	(void)state;
	uas_call(&ev, NULL);
	assert_int_equal(recv_text(invite_text(NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	assert_string_equal(ev.why, "retransmission");
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 1);
	assert_int_equal(T.nsent, 0);
}

/* ---- UAC: we call a browser ---- */

#define UAC_EXTRA "Allow: INVITE, ACK, CANCEL, BYE, INFO, UPDATE" CRLF

static struct wsip_dialog *uac_call(void *arg)
{
	struct wsip_dialog *d = NULL;
	struct wsip_invite o = {
		.ruri = CONTACT_URI,
		.from = "\"Carol\" <sip:carol@" HOST ">",
		.to = "<sip:bob@" HOST ">",
		.extra = UAC_EXTRA,
		.body = { NULL, SDP, strlen(SDP) },
		.arg = arg,
	};

	o.flow = T.fl;
	assert_int_equal(wsip_invite(T.w, &o, &d), 0);
	assert_non_null(d);
	return d;
}

/* The browser's response to the request we sent as message i. */
static char *browser_resp(int i, int status, const char *phrase,
			  const char *ttag, const char *extra,
			  const char *body)
{
	const sip_t *q = sent(i);

	return su_sprintf(T.home,
		"SIP/2.0 %d %s" CRLF "Via: %s" CRLF "From: %s" CRLF
		"To: %s%s%s" CRLF "Call-ID: %s" CRLF "CSeq: %s" CRLF
		"%s%sSupported: outbound" CRLF "Content-Length: %zu" CRLF CRLF
		"%s", status, phrase, hdr(q->sip_via), hdr(q->sip_from),
		hdr(q->sip_to), ttag ? ";tag=" : "", ttag ? ttag : "",
		hdr(q->sip_call_id), hdr(q->sip_cseq),
		body ? "Content-Type: application/sdp" CRLF : "",
		extra ? extra : "", body ? strlen(body) : 0,
		body ? body : "");
}

#define BR_CONTACT "Contact: <sip:k3v9@" BR_HOST ";transport=ws>" CRLF

static void test_uac_invite_built(void **state)
{
	struct wsip_dialog *d;
	sip_t *q;
	const char *branch;

	(void)state;
	d = uac_call(NULL);
	assert_true(wsip_dialog_is_uac(d));
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_INIT);
	assert_int_equal(T.nsent, 1);
	assert_string_equal(T.sent_fl[0].conn, "c1");
	q = sent(0);
	assert_string_equal(q->sip_request->rq_method_name, "INVITE");
	assert_string_equal(url(q->sip_request->rq_url), CONTACT_URI);
	/* Via: WSS, our host, a fresh RFC 3261 branch, the owner */
	assert_null(q->sip_via->v_next);
	assert_string_equal(q->sip_via->v_protocol, "SIP/2.0/WSS");
	assert_string_equal(q->sip_via->v_host, HOST);
	branch = q->sip_via->v_branch;
	assert_int_equal(strncmp(branch, "z9hG4bK", 7), 0);
	assert_int_equal(strlen(branch), 7 + 16);
	assert_string_equal(param(q->sip_via->v_params, "rtcgate-owner"),
			    OWNER);
	assert_int_equal(q->sip_max_forwards->mf_count, 70);
	assert_string_equal(q->sip_from->a_tag, wsip_dialog_local_tag(d));
	assert_string_equal(q->sip_from->a_display, "\"Carol\"");
	assert_string_equal(url(q->sip_from->a_url), "sip:carol@" HOST);
	assert_null(q->sip_to->a_tag);
	assert_string_equal(url(q->sip_to->a_url), "sip:bob@" HOST);
	assert_string_equal(q->sip_call_id->i_id, wsip_dialog_call_id(d));
	assert_true(q->sip_call_id->i_id[0] == 'W');
	assert_int_equal(q->sip_cseq->cs_seq, 1);
	assert_int_equal(q->sip_cseq->cs_method, sip_method_invite);
	check_our_contact(q);
	assert_null(q->sip_route);
	assert_non_null(q->sip_allow);
	assert_string_equal(q->sip_content_type->c_type, "application/sdp");
	assert_memory_equal(q->sip_payload->pl_data, SDP, strlen(SDP));
	/* two calls never share identifiers */
	struct wsip_dialog *d2 = uac_call(NULL);
	sip_t *q2 = sent(1);
	assert_string_not_equal(q2->sip_via->v_branch, branch);
	assert_string_not_equal(wsip_dialog_call_id(d2),
				wsip_dialog_call_id(d));
	assert_string_not_equal(wsip_dialog_local_tag(d2),
				wsip_dialog_local_tag(d));
}

static void test_uac_180_early_dialog(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	int arg;

	(void)state;
	d = uac_call(&arg);
	assert_int_equal(recv_text(browser_resp(0, 100, "Trying", NULL, NULL,
						NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 100);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_INIT);
	assert_int_equal(recv_text(browser_resp(0, 180, "Ringing", "bt1",
						BR_CONTACT, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 180);
	assert_ptr_equal(ev.dlg, d);
	assert_ptr_equal(ev.arg, &arg);
	assert_string_equal(ev.method, "INVITE");
	assert_false(ev.need_ack);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_EARLY);
	assert_string_equal(wsip_dialog_remote_tag(d), "bt1");
	/* no timeout once ringing: the b2bua's ring timer decides */
	T.now += 100000;
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	assert_int_equal(T.nsent, 1);
}

static void test_uac_200_confirmed_and_ack(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *a;
	char *ok;

	(void)state;
	d = uac_call(NULL);
	assert_int_equal(wsip_ack(d, NULL), EPROTO);	/* nothing to ACK */
	ok = browser_resp(0, 200, "OK", "bt1",
			  "Contact: <sip:k3v9@" BR_HOST ";transport=ws;x=1>"
			  CRLF "Record-Route: <sip:p1.x;lr>, <sip:p2.x;lr>"
			  CRLF, SDP);
	assert_int_equal(recv_text(ok, &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 200);
	assert_true(ev.need_ack);
	assert_int_equal(ev.sip->sip_payload->pl_len, strlen(SDP));
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
	assert_string_equal(wsip_dialog_remote_tag(d), "bt1");
	assert_int_equal(wsip_ack(d, NULL), 0);
	assert_int_equal(wsip_ack(d, NULL), EALREADY);
	a = sent(1);
	assert_string_equal(a->sip_request->rq_method_name, "ACK");
	/* 13.2.2.4: R-URI the remote target, Route the reversed RR */
	assert_string_equal(url(a->sip_request->rq_url),
			    "sip:k3v9@" BR_HOST ";transport=ws;x=1");
	assert_int_equal(count_routes(a->sip_route), 2);
	assert_string_equal(url(a->sip_route->r_url), "sip:p2.x;lr");
	assert_string_equal(url(a->sip_route->r_next->r_url), "sip:p1.x;lr");
	/* its own transaction: a new branch, the INVITE's CSeq number */
	assert_string_not_equal(a->sip_via->v_branch,
				sent(0)->sip_via->v_branch);
	assert_string_equal(param(a->sip_via->v_params, "rtcgate-owner"),
			    OWNER);
	assert_int_equal(a->sip_cseq->cs_seq, 1);
	assert_int_equal(a->sip_cseq->cs_method, sip_method_ack);
	assert_string_equal(a->sip_to->a_tag, "bt1");
	assert_string_equal(a->sip_from->a_tag, wsip_dialog_local_tag(d));
	assert_null(a->sip_contact);
	assert_null(a->sip_payload);
	/* JsSIP repeats its 200 until our ACK arrives: ACK again */
	assert_int_equal(recv_text(ok, &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	assert_int_equal(T.nsent, 3);
	assert_string_equal(T.sent[2], T.sent[1]);
}

static void test_uac_486_acked_same_branch(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *a, *inv;

	(void)state;
	d = uac_call(NULL);
	assert_int_equal(recv_text(browser_resp(0, 486, "Busy Here", "bt2",
						NULL, NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 486);
	assert_false(ev.need_ack);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	assert_int_equal(T.nsent, 2);	/* the ACK, sent by the layer */
	inv = sent(0);
	a = sent(1);
	assert_string_equal(a->sip_request->rq_method_name, "ACK");
	/* 17.1.1.3: same branch and R-URI, To of the response */
	assert_string_equal(a->sip_via->v_branch, inv->sip_via->v_branch);
	assert_string_equal(url(a->sip_request->rq_url),
			    url(inv->sip_request->rq_url));
	assert_string_equal(a->sip_to->a_tag, "bt2");
	assert_string_equal(a->sip_from->a_tag, inv->sip_from->a_tag);
	assert_string_equal(a->sip_call_id->i_id, inv->sip_call_id->i_id);
	assert_int_equal(a->sip_cseq->cs_seq, 1);
	assert_int_equal(a->sip_cseq->cs_method, sip_method_ack);
	assert_int_equal(a->sip_max_forwards->mf_count, 70);
	assert_int_equal(wsip_ack(d, NULL), EPROTO);
	assert_int_equal(wsip_cancel(d, NULL), EALREADY);
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), ENOTCONN);
}

static void test_uac_cancel_built(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	sip_t *c, *inv, *a;

	(void)state;
	d = uac_call(NULL);
	assert_int_equal(recv_text(browser_resp(0, 180, "Ringing", "bt3",
						BR_CONTACT, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(wsip_cancel(d, "Reason: SIP;cause=200;text=\"Call "
				     "completed elsewhere\"" CRLF), 0);
	assert_int_equal(T.nsent, 2);
	inv = sent(0);
	c = sent(1);
	/* 9.1: same Request-URI, Call-ID, From, To (no tag), branch, CSeq
	 * number; method CANCEL */
	assert_string_equal(c->sip_request->rq_method_name, "CANCEL");
	assert_string_equal(url(c->sip_request->rq_url), CONTACT_URI);
	assert_string_equal(c->sip_via->v_branch, inv->sip_via->v_branch);
	assert_null(c->sip_via->v_next);
	assert_string_equal(c->sip_call_id->i_id, inv->sip_call_id->i_id);
	assert_string_equal(c->sip_from->a_tag, inv->sip_from->a_tag);
	assert_null(c->sip_to->a_tag);
	assert_int_equal(c->sip_cseq->cs_seq, 1);
	assert_int_equal(c->sip_cseq->cs_method, sip_method_cancel);
	assert_string_equal(c->sip_reason->re_protocol, "SIP");
	assert_null(c->sip_payload);
	assert_int_equal(wsip_cancel(d, NULL), 0);	/* once is enough */
	assert_int_equal(T.nsent, 2);
	/* 200 for the CANCEL: absorbed; 487 for the INVITE: ACKed */
	assert_int_equal(recv_text(browser_resp(1, 200, "OK", "bt3", NULL,
						NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	assert_int_equal(recv_text(browser_resp(0, 487, "Request Terminated",
						"bt3", NULL, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 487);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	a = sent(2);
	assert_string_equal(a->sip_request->rq_method_name, "ACK");
	assert_string_equal(a->sip_via->v_branch, inv->sip_via->v_branch);
}

static void test_uac_cancel_held_until_provisional(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uac_call(NULL);
	/* 9.1: no CANCEL before a provisional response */
	assert_int_equal(wsip_cancel(d, "Reason: SIP;cause=480" CRLF), 0);
	assert_int_equal(T.nsent, 1);
	assert_int_equal(recv_text(browser_resp(0, 100, "Trying", NULL, NULL,
						NULL), &T.fl, &ev), 0);
	assert_int_equal(T.nsent, 2);
	assert_string_equal(sent(1)->sip_request->rq_method_name, "CANCEL");
	assert_non_null(sent(1)->sip_reason);
	/* no final answer in 64*T1 after the CANCEL: given up (9.1) */
	T.now += 32000;
	assert_int_equal(wsip_tick(T.w, &ev), 1);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 408);
	assert_true(ev.timeout);
	assert_null(ev.sip);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
}

static void test_uac_2xx_crosses_cancel(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uac_call(NULL);
	assert_int_equal(recv_text(browser_resp(0, 180, "Ringing", "bt4",
						BR_CONTACT, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(wsip_cancel(d, NULL), 0);
	/* the browser answered before it saw the CANCEL: ACK, then BYE */
	assert_int_equal(recv_text(browser_resp(0, 200, "OK", "bt4",
						BR_CONTACT, SDP), &T.fl, &ev),
			 0);
	assert_true(ev.need_ack);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
	assert_int_equal(wsip_ack(d, NULL), 0);
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	assert_string_equal(sent(-1)->sip_request->rq_method_name, "BYE");
	assert_int_equal(sent(-1)->sip_cseq->cs_seq, 2);
}

/* Answered call: 200 with a Record-Route, ACKed. */
static struct wsip_dialog *uac_confirmed(void)
{
	struct wsip_event ev;
	struct wsip_dialog *d = uac_call(NULL);

	assert_int_equal(recv_text(browser_resp(-1, 200, "OK", "bt5",
		BR_CONTACT "Record-Route: <sip:p1.x;lr>" CRLF, SDP), &T.fl,
		&ev), 0);
	assert_int_equal(wsip_ack(d, NULL), 0);
	return d;
}

static void test_uac_in_dialog_bye(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;
	int arg;
	sip_t *b;

	(void)state;
	d = uac_confirmed();
	assert_int_equal(wsip_request(d, "BYE", "Reason: Q.850;cause=16" CRLF,
				      NULL, &arg), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	b = sent(-1);
	assert_string_equal(b->sip_request->rq_method_name, "BYE");
	assert_string_equal(url(b->sip_request->rq_url),
			    "sip:k3v9@" BR_HOST ";transport=ws");
	assert_int_equal(b->sip_cseq->cs_seq, 2);	/* INVITE's + 1 */
	assert_int_equal(count_routes(b->sip_route), 1);
	assert_string_equal(url(b->sip_route->r_url), "sip:p1.x;lr");
	assert_string_equal(b->sip_to->a_tag, "bt5");
	assert_string_equal(b->sip_from->a_tag, wsip_dialog_local_tag(d));
	assert_string_equal(b->sip_call_id->i_id, wsip_dialog_call_id(d));
	assert_int_equal(strncmp(b->sip_via->v_branch, "z9hG4bK", 7), 0);
	assert_null(b->sip_contact);
	assert_non_null(b->sip_reason);
	assert_int_equal(wsip_request(d, "INFO", NULL, NULL, NULL), ENOTCONN);
	assert_int_equal(recv_text(browser_resp(-1, 200, "OK", "bt5", NULL,
						NULL), &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_string_equal(ev.method, "BYE");
	assert_int_equal(ev.status, 200);
	assert_ptr_equal(ev.arg, &arg);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.txns, 1);	/* the INVITE's, kept by d */
}

static void test_uac_in_dialog_requests(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_body sf = { "message/sipfrag", "SIP/2.0 200 OK\r\n", 16 };
	sip_t *q;

	(void)state;
	d = uac_confirmed();
	assert_int_equal(wsip_request(d, "INFO", NULL, NULL, NULL), 0);
	assert_int_equal(sent(-1)->sip_cseq->cs_seq, 2);
	assert_null(sent(-1)->sip_contact);
	assert_int_equal(wsip_request(d, "NOTIFY", "Event: refer" CRLF
				      "Subscription-State: terminated" CRLF,
				      &sf, NULL), 0);
	q = sent(-1);
	assert_int_equal(q->sip_cseq->cs_seq, 3);
	check_our_contact(q);	/* RFC 6665 */
	assert_string_equal(q->sip_content_type->c_type, "message/sipfrag");
	assert_int_equal(wsip_request(d, "INVITE", NULL, NULL, NULL), 0);
	q = sent(-1);
	assert_int_equal(q->sip_cseq->cs_seq, 4);
	check_our_contact(q);
	assert_int_equal(wsip_request(d, "INVITE", NULL, NULL, NULL), EBUSY);
	/* a browser's re-INVITE while ours is pending: 491 (14.2) */
	assert_int_equal(recv_text(req("INVITE", "sip:b2bua@" HOST,
				       "z9hG4bKx1", "bt5",
				       wsip_dialog_local_tag(d),
				       wsip_dialog_call_id(d), 1, INV_CONTACT,
				       SDP), &T.fl, &ev), EPROTO);
	assert_int_equal(sent(-1)->sip_status->st_status, 491);
	assert_int_equal(wsip_request(d, "ACK", NULL, NULL, NULL), EINVAL);
	assert_int_equal(wsip_request(d, "CANCEL", NULL, NULL, NULL), EINVAL);
	assert_int_equal(wsip_request(d, "in fo", NULL, NULL, NULL), EINVAL);
	/* a 491 to our re-INVITE leaves the dialog up, and is ACKed */
	assert_int_equal(recv_text(browser_resp(-2, 491, "Request Pending",
						"bt5", NULL, NULL), &T.fl, &ev),
			 0);
	assert_int_equal(ev.status, 491);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_CONFIRMED);
	assert_string_equal(sent(-1)->sip_request->rq_method_name, "ACK");
	assert_int_equal(sent(-1)->sip_cseq->cs_seq, 4);
}

static void test_uac_browser_bye(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uac_confirmed();
	/* the browser hangs up: its To-tag is our From-tag */
	assert_int_equal(recv_text(req("BYE", "sip:b2bua@" HOST
				       ";transport=ws;rtcgate-owner=" OWNER,
				       "z9hG4bKbb", "bt5",
				       wsip_dialog_local_tag(d),
				       wsip_dialog_call_id(d), 1, NULL, NULL),
				   &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_REQUEST);
	assert_ptr_equal(ev.dlg, d);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	assert_int_equal(wsip_respond(ev.txn, 200, NULL, NULL, NULL), 0);
	assert_string_equal(sent(-1)->sip_to->a_tag, wsip_dialog_local_tag(d));
}

static void test_uac_unknown_responses_ignored(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;
	char *r;

	(void)state;
	d = uac_call(NULL);
	/* a branch we never sent */
	r = su_sprintf(T.home, "SIP/2.0 200 OK" CRLF
		       "Via: SIP/2.0/WSS " HOST ";branch=z9hG4bKnotours;"
		       "rtcgate-owner=" OWNER CRLF
		       "From: <sip:carol@" HOST ">;tag=%s" CRLF
		       "To: <sip:bob@" HOST ">;tag=x" CRLF
		       "Call-ID: %s" CRLF "CSeq: 1 INVITE" CRLF
		       "Content-Length: 0" CRLF CRLF,
		       wsip_dialog_local_tag(d), wsip_dialog_call_id(d));
	assert_int_equal(recv_text(r, &T.fl, &ev), ENOENT);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	/* our branch, but another method or CSeq */
	char *ok = browser_resp(0, 200, "OK", "bt6", BR_CONTACT, SDP);
	char *p = strstr(ok, "CSeq: 1 INVITE");
	memcpy(p, "CSeq: 1 UPDATE", 14);
	assert_int_equal(recv_text(ok, &T.fl, &ev), ENOENT);
	ok = browser_resp(0, 200, "OK", "bt6", BR_CONTACT, SDP);
	p = strstr(ok, "CSeq: 1 INVITE");
	memcpy(p, "CSeq: 7 INVITE", 14);
	assert_int_equal(recv_text(ok, &T.fl, &ev), ENOENT);
	/* a huge To-tag */
	ok = browser_resp(0, 180, "Ringing", repeat('t', 500), BR_CONTACT,
			  NULL);
	assert_int_equal(recv_text(ok, &T.fl, &ev), ENOENT);
	/* a 2xx without To-tag makes no dialog */
	assert_int_equal(recv_text(browser_resp(0, 200, "OK", NULL, BR_CONTACT,
						SDP), &T.fl, &ev), EBADMSG);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_INIT);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.strays, 4);
	assert_int_equal(T.nsent, 1);	/* nothing answered */
}

static void test_uac_invite_timeout(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	int arg;

	(void)state;
	d = uac_call(&arg);
	T.now += 31999;
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	T.now += 1;
	assert_int_equal(wsip_tick(T.w, &ev), 1);	/* Timer B */
	assert_int_equal(ev.type, WSIP_EV_RESPONSE);
	assert_int_equal(ev.status, 408);
	assert_true(ev.timeout);
	assert_ptr_equal(ev.dlg, d);
	assert_ptr_equal(ev.arg, &arg);
	assert_string_equal(ev.method, "INVITE");
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	/* a response after we gave up changes nothing */
	assert_int_equal(recv_text(browser_resp(0, 200, "OK", "late",
						BR_CONTACT, SDP), &T.fl, &ev),
			 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
}

static void test_uac_request_timeout_and_detach(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;
	struct wsip_stats st;

	(void)state;
	d = uac_confirmed();
	assert_int_equal(wsip_request(d, "INFO", NULL, NULL, NULL), 0);
	assert_int_equal(wsip_request(d, "UPDATE", NULL, NULL, NULL), 0);
	T.now += 32000;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wsip_tick(T.w, &ev), 1);	/* Timer F */
		assert_int_equal(ev.type, WSIP_EV_RESPONSE);
		assert_int_equal(ev.status, 408);
		assert_true(ev.timeout);
	}
	assert_int_equal(wsip_tick(T.w, &ev), 0);
	assert_int_equal(wsip_dialog_state(d), WSIP_DLG_TERMINATED);
	/* a BYE whose dialog is freed before the answer: answer absorbed */
	d = uac_confirmed();
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	char *ok = browser_resp(-1, 200, "OK", "bt5", NULL, NULL);
	wsip_dialog_free(d);
	assert_int_equal(recv_text(ok, &T.fl, &ev), 0);
	assert_int_equal(ev.type, WSIP_EV_NONE);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.txns, 1);	/* the first call's INVITE */
}

static void test_uac_bad_arguments(void **state)
{
	struct wsip_dialog *d = NULL;
	struct wsip_invite o = { .ruri = CONTACT_URI,
				 .from = "<sip:carol@" HOST ">",
				 .to = "<sip:bob@" HOST ">" };
	struct wsip_stats st;

	(void)state;
	assert_int_equal(wsip_invite(T.w, &o, &d), EINVAL);	/* no flow */
	o.flow = T.fl;
	o.to = "<sip:bob@" HOST ">\r\nX-Injected: 1";
	assert_int_equal(wsip_invite(T.w, &o, &d), EINVAL);
	o.to = "<sip:bob@" HOST ">;tag=already";
	assert_int_equal(wsip_invite(T.w, &o, &d), EINVAL);
	o.to = "<sip:bob@" HOST ">";
	o.ruri = "mailto:bob@" HOST;
	assert_int_equal(wsip_invite(T.w, &o, &d), EINVAL);
	o.ruri = CONTACT_URI;
	T.send_err = EIO;	/* the bus refused it: nothing kept */
	assert_int_equal(wsip_invite(T.w, &o, &d), EIO);
	assert_null(d);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 0);
	assert_int_equal(st.txns, 0);
	T.send_err = 0;
	assert_int_equal(wsip_invite(T.w, &o, &d), 0);
	assert_int_equal(wsip_ack(NULL, NULL), EPROTO);
	assert_int_equal(wsip_cancel(NULL, NULL), ENOENT);
	assert_int_equal(wsip_request(NULL, "BYE", NULL, NULL, NULL), EINVAL);
}

static void test_uas_callee_cannot_bye_early(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *d;

	(void)state;
	d = uas_call(&ev, NULL);
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), ENOTCONN);
	assert_int_equal(wsip_respond(ev.txn, 180, NULL, NULL, NULL), 0);
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), ENOTCONN);
	/* but it may send UPDATE/INFO in the early dialog; CSeq from 1 */
	assert_int_equal(wsip_request(d, "INFO", NULL, NULL, NULL), 0);
	assert_int_equal(sent(-1)->sip_cseq->cs_seq, 1);
	assert_string_equal(sent(-1)->sip_to->a_tag, INV_FTAG);
	assert_string_equal(sent(-1)->sip_from->a_tag,
			    wsip_dialog_local_tag(d));
	assert_string_equal(url(sent(-1)->sip_request->rq_url), CONTACT_URI);
}

static void test_dialog_new_flow(void **state)
{
	struct wsip_dialog *d;

	(void)state;
	d = uac_confirmed();
	wsip_dialog_set_flow(d, &T.fl2);
	assert_int_equal(wsip_request(d, "BYE", NULL, NULL, NULL), 0);
	assert_string_equal(T.sent_fl[T.nsent - 1].conn, "c2");
	assert_string_equal(wsip_dialog_state_name(WSIP_DLG_EARLY), "early");
}

/* Parallel forking by the b2bua: one UAC dialog per registered contact,
 * each with its own Call-ID; the first 2xx wins, the rest are CANCELled
 * with a Reason (RFC 3326) so JsSIP shows "answered elsewhere". */
static void test_uac_parallel_forking(void **state)
{
	struct wsip_event ev;
	struct wsip_dialog *a, *b;
	int arg_a, arg_b;
	sip_t *c;

	(void)state;
	a = uac_call(&arg_a);
	b = uac_call(&arg_b);
	wsip_dialog_set_flow(b, &T.fl2);	/* already sent on c1: fine */
	assert_string_not_equal(wsip_dialog_call_id(a), wsip_dialog_call_id(b));
	assert_int_equal(recv_text(browser_resp(0, 180, "Ringing", "ta",
						BR_CONTACT, NULL), &T.fl, &ev),
			 0);
	assert_ptr_equal(ev.arg, &arg_a);
	assert_int_equal(recv_text(browser_resp(1, 200, "OK", "tb", BR_CONTACT,
						SDP), &T.fl2, &ev), 0);
	assert_ptr_equal(ev.dlg, b);
	assert_ptr_equal(ev.arg, &arg_b);
	assert_true(ev.need_ack);
	assert_int_equal(wsip_ack(b, NULL), 0);
	assert_string_equal(T.sent_fl[T.nsent - 1].conn, "c2");
	assert_int_equal(wsip_cancel(a, "Reason: SIP;cause=200;text=\"Call "
				     "completed elsewhere\"" CRLF), 0);
	c = sent(-1);
	assert_string_equal(T.sent_fl[T.nsent - 1].conn, "c1");
	assert_string_equal(c->sip_request->rq_method_name, "CANCEL");
	assert_string_equal(c->sip_call_id->i_id, wsip_dialog_call_id(a));
	assert_string_equal(c->sip_reason->re_cause, "200");
	assert_int_equal(wsip_dialog_state(a), WSIP_DLG_EARLY);
	assert_int_equal(wsip_dialog_state(b), WSIP_DLG_CONFIRMED);
	wsip_dialog_free(a);	/* its 487 will find nothing: fine */
	assert_int_equal(recv_text(browser_resp(0, 487, "Request Terminated",
						"ta", NULL, NULL), &T.fl, &ev),
			 ENOENT);
}

/* An INVITE with a To-tag we never gave out: 481, not a new call. */
static void test_uas_reinvite_unknown_dialog(void **state)
{
	struct wsip_event ev;
	struct wsip_stats st;

	(void)state;
	assert_int_equal(recv_text(req("INVITE", "sip:b2bua@" HOST,
				       "z9hG4bKu1", "f1", "madeup", "c-u1", 2,
				       INV_CONTACT, SDP), &T.fl, &ev), ENOENT);
	assert_int_equal(sent(-1)->sip_status->st_status, 481);
	wsip_get_stats(T.w, &st);
	assert_int_equal(st.dialogs, 0);
	assert_int_equal(st.txns, 0);
}

int main(void)
{
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_config),
		cmocka_unit_test(test_flow_bounds),
		T_(test_uas_invite_event),
		T_(test_uas_100_trying),
		T_(test_uas_180_200_tag_stable),
		T_(test_uas_ack_matched),
		T_(test_uas_ack_wrong_cseq_or_tag_is_stray),
		T_(test_uas_no_ack_timeout),
		T_(test_uas_cancel_before_answer),
		T_(test_uas_cancel_unknown_branch),
		T_(test_uas_cancel_after_answer),
		T_(test_uas_error_with_extra_headers),
		T_(test_uas_bad_phrase),
		T_(test_uas_record_route_kept_in_order),
		T_(test_uas_bye_in_dialog),
		T_(test_uas_bye_wrong_tag_or_callid),
		T_(test_uas_cseq_must_increase),
		T_(test_uas_reinvite),
		T_(test_uas_update_info_options),
		T_(test_uas_bye_while_ringing),
		T_(test_uas_free_answers_pending),
		T_(test_uas_missing_tags_and_contact),
		T_(test_uas_huge_headers),
		cmocka_unit_test_setup_teardown(test_limits_max_dialogs,
						setup_small, teardown),
		T_(test_limits_pending_per_dialog),
		T_(test_uas_retransmission_absorbed),
		T_(test_uas_callee_cannot_bye_early),
		T_(test_uac_invite_built),
		T_(test_uac_180_early_dialog),
		T_(test_uac_200_confirmed_and_ack),
		T_(test_uac_486_acked_same_branch),
		T_(test_uac_cancel_built),
		T_(test_uac_cancel_held_until_provisional),
		T_(test_uac_2xx_crosses_cancel),
		T_(test_uac_in_dialog_bye),
		T_(test_uac_in_dialog_requests),
		T_(test_uac_browser_bye),
		T_(test_uac_unknown_responses_ignored),
		T_(test_uac_invite_timeout),
		T_(test_uac_request_timeout_and_detach),
		T_(test_uac_bad_arguments),
		T_(test_dialog_new_flow),
		T_(test_uac_parallel_forking),
		T_(test_uas_reinvite_unknown_dialog),
	};
#undef T_
	return cmocka_run_group_tests(tests, NULL, NULL);
}
