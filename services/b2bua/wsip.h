/* wsip: the b2bua's SIP transactions and dialogs toward browsers.
 *
 * sofia-sip has no WebSocket transport, so the browser-facing leg of a call
 * runs on this compact layer instead of NTA/NUA: browsers' messages arrive
 * from wsgw over the bus (parsed into a struct sipframe), and what we send
 * goes back as text through a send handler, which the b2bua publishes on
 * rtcgate.ws.<edge>.send.  Messages are parsed and built with sofia-sip's
 * msg_t/sip_t; the protocol rules are RFC 3261's.
 *
 * The transport (WebSocket via wsgw) is reliable, so there are no
 * retransmission timers (RFC 3261 17.1.1.2, 17.1.2.2, 17.2.1: Timers A, E,
 * G are for unreliable transports, and D, I, J, K are zero).  What stays:
 * transaction timeouts (Timer B and F, 64*T1), a 2xx that is never ACKed
 * (13.3.1.4), and all of the matching: Via branch, CSeq, tags, ACK and
 * CANCEL.  Time moves only in wsip_tick().
 *
 * Events are pulled, not pushed: wsip_recv() and wsip_tick() fill a
 * struct wsip_event and return, so no callback can re-enter the layer while
 * it walks its tables.  The only callback is the send handler; it must not
 * call back into wsip.
 *
 * Ownership:
 * - struct wsip owns every dialog and transaction; wsip_free() frees all.
 * - A dialog (UAS: handed out by WSIP_EV_INVITE; UAC: made by
 *   wsip_invite()) stays valid until the caller calls wsip_dialog_free();
 *   the layer never frees one by itself, whatever its state.  The caller
 *   must free every dialog it is given.  Each dialog has its own su_home.
 * - A server transaction (ev.txn of WSIP_EV_INVITE / WSIP_EV_REQUEST) is
 *   lent until you send its final response (wsip_respond() with status
 *   >= 200), until the layer ends it (WSIP_EV_CANCELLED names it; a BYE
 *   ends a pending INVITE with 487 too), or until its dialog is freed;
 *   forget it then.  (An INVITE's stays allocated while its dialog lives
 *   and no newer INVITE arrives, so a late wsip_respond() on it is a
 *   harmless EALREADY, but do not count on that.)  Client transactions
 *   are never seen: their responses come back as WSIP_EV_RESPONSE
 *   carrying the arg given when sending.
 * - Strings and sip_t pointers in an event are lent until the caller frees
 *   the frame (ev.sip) or calls into wsip again.
 *
 * Bounds: at most cfg.max_dialogs dialogs and cfg.max_txns transactions
 * (new calls beyond get 503); tags, branches, Call-IDs, Via and
 * Record-Route counts and the bytes of a stranger's headers kept per
 * transaction or dialog are all capped (enum below), and over-long input
 * is answered 400, never truncated.
 *
 * Forking: to call a user with several registered browsers the b2bua calls
 * wsip_invite() once per contact.  Each is its own dialog with its own
 * Call-ID and From-tag (the b2bua is a UAC per contact, not a proxy), so
 * the first 2xx wins and the others are CANCELled (or ACKed and BYEd when
 * their 2xx crossed the CANCEL) without any dialog-matching ambiguity.
 *
 * Contact: <sip:b2bua@<host>;transport=ws;rtcgate-owner=<owner>> on our
 * requests and dialog-creating responses.  rtcgate-owner makes wsgw route
 * the browser's in-dialog requests (sent to this URI, RFC 3261 12.2.1.1)
 * to this b2bua instance (docs/bus.md).  No ";ob": RFC 5626's "ob" is for
 * a UA's Contact or an edge proxy's Path/Record-Route; the browser already
 * sends everything over its one WebSocket.  Our top Via is
 * "SIP/2.0/WSS <host>;branch=z9hG4bK<random>;rtcgate-owner=<owner>", so
 * responses reach this instance too.
 */
#ifndef RTCGATE_WSIP_H
#define RTCGATE_WSIP_H

#include <stddef.h>
#include <stdint.h>

struct sipframe;
struct sip_s;
struct wsip;
struct wsip_dialog;
struct wsip_txn;

enum {
	WSIP_ID_MAX = 64,	/* edge and conn ids, with the NUL */
	WSIP_METHOD_MAX = 24,	/* longest method name + 1 */
	WSIP_TAG_MAX = 128,	/* longest tag or branch we accept + 1 */
	WSIP_CALLID_MAX = 256,	/* longest Call-ID we accept + 1 */
	WSIP_HOST_MAX = 256,	/* longest host name + 1 */
	WSIP_MAX_VIAS = 8,	/* browsers talk to us directly: one Via */
	WSIP_MAX_ROUTES = 16,	/* Record-Route entries in a route set */
	WSIP_HDR_BUDGET = 8192,	/* bytes of a stranger's headers kept */
	WSIP_DLG_MAX_PENDING = 8,	/* unanswered requests per dialog */
	WSIP_DEFAULT_DIALOGS = 10000,
	WSIP_DEFAULT_TIMEOUT_MS = 32000,	/* 64*T1, RFC 3261 17.1.1.2 */
};

/* Where a browser is: the wsgw instance and its WebSocket connection. */
struct wsip_flow {
	char edge[WSIP_ID_MAX];
	char conn[WSIP_ID_MAX];
};

/* 0, or EINVAL when either id is empty or too long. */
int wsip_flow_set(struct wsip_flow *fl, const char *edge, const char *conn);

/* Send one SIP message (text, len bytes, not NUL-terminated) on a flow.
 * Called synchronously from wsip functions; must not call into wsip.
 * A non-zero return is handed back to the wsip caller (the protocol state
 * has moved on as if the message were lost on the wire). */
typedef int (wsip_send_h)(const struct wsip_flow *fl, const char *text,
			  size_t len, void *arg);
/* Monotonic milliseconds. */
typedef uint64_t (wsip_clock_h)(void *arg);

struct wsip_cfg {
	const char *host;	/* in Contact and Via: the SIP domain */
	const char *owner;	/* rtcgate-owner value, "b2bua.<id>" */
	unsigned max_dialogs;	/* 0: WSIP_DEFAULT_DIALOGS */
	unsigned max_txns;	/* 0: 4 * max_dialogs */
	unsigned timeout_ms;	/* 64*T1; 0: WSIP_DEFAULT_TIMEOUT_MS */
	wsip_send_h *sendh;	/* required */
	wsip_clock_h *clockh;	/* NULL: CLOCK_MONOTONIC */
	void *arg;		/* for sendh and clockh */
};

/* Strings in cfg are copied.  EINVAL: a host or owner that is not a plain
 * token (so nothing can be injected into our headers) or no sendh. */
int wsip_new(struct wsip **wp, const struct wsip_cfg *cfg);
/* Frees every dialog and transaction, sending nothing. */
void wsip_free(struct wsip *w);

enum wsip_ev_type {
	WSIP_EV_NONE,		/* consumed: answered, absorbed or dropped */
	WSIP_EV_INVITE,		/* new call: dlg (UAS, yours to free), txn */
	WSIP_EV_REQUEST,	/* other request: txn; dlg, or NULL outside
				 * a dialog (OPTIONS, MESSAGE, ...) */
	WSIP_EV_ACK,		/* the ACK for our 2xx: dlg, sip (may hold
				 * the SDP answer) */
	WSIP_EV_CANCELLED,	/* CANCEL matched a pending INVITE: 200 and
				 * 487 sent; dlg, txn (the INVITE's) */
	WSIP_EV_RESPONSE,	/* to a request we sent: dlg (or NULL when
				 * freed), arg, method, status; timeout when
				 * none came (status 408, sip NULL) */
	WSIP_EV_NO_ACK,		/* our 2xx got no ACK in 64*T1: dlg; end
				 * the call with BYE (RFC 3261 13.3.1.4) */
};

struct wsip_event {
	enum wsip_ev_type type;
	struct wsip_dialog *dlg;
	struct wsip_txn *txn;	/* answer with wsip_respond() */
	void *arg;		/* RESPONSE: as given to wsip_request() etc. */
	char method[WSIP_METHOD_MAX];
	int status;		/* RESPONSE */
	int timeout;		/* RESPONSE: no answer in 64*T1 */
	int need_ack;		/* RESPONSE: a 2xx to INVITE: wsip_ack() */
	const struct sip_s *sip;	/* the message, lent; NULL from tick */
	const char *why;	/* why a message was refused, for logs */
};

/* Hand over one message from a browser (flow: where it came from).  f is
 * a SIPFRAME_OK frame and stays the caller's.  0 with ev filled (type NONE
 * when nothing is left to do: a retransmission, an ACK for a non-2xx, a
 * response to our CANCEL...), or: EBADMSG (answered 400, or dropped),
 * ENOENT (no transaction or dialog: answered 481, or a response or ACK
 * dropped), EPROTO (CSeq out of order or an INVITE pending: answered
 * 500/491), ENOSPC (over a limit: answered 503 or 500, with Retry-After).
 * ev->type is WSIP_EV_NONE on error, ev->why says why. */
int wsip_recv(struct wsip *w, struct sipframe *f, const struct wsip_flow *fl,
	      struct wsip_event *ev);

/* Is f a CANCEL for an INVITE this layer received on fl?  With several
 * b2buas a browser's CANCEL (which names no owner) reaches all of them;
 * only the one that knows the INVITE may answer it. */
int wsip_cancel_known(struct wsip *w, struct sipframe *f,
		      const struct wsip_flow *fl);

/* Timeouts due by now: returns 1 with one event, 0 when none is left.
 * Call it until it returns 0, every few hundred ms. */
int wsip_tick(struct wsip *w, struct wsip_event *ev);

struct wsip_body {
	const char *type;	/* NULL: application/sdp */
	const char *data;
	size_t len;
};

/* Answer a server transaction.  phrase NULL: the standard one.  extra:
 * NULL or header lines each ending in CRLF (Reason, Retry-After,
 * WWW-Authenticate, ...).  body: NULL or the message body.  100 carries no
 * To-tag; other responses carry the dialog's (RFC 3261 8.2.6.2).  A 1xx
 * (not 100) or 2xx to INVITE carries our Contact and the INVITE's
 * Record-Route (12.1.1).  EALREADY when a final response was sent (by the
 * layer too: 487 after CANCEL), EINVAL for a bad status or extra. */
int wsip_respond(struct wsip_txn *st, int status, const char *phrase,
		 const char *extra, const struct wsip_body *body);

/* A call to a browser: INVITE to a registered contact. */
struct wsip_invite {
	struct wsip_flow flow;	/* the binding's edge and conn */
	const char *ruri;	/* the binding's contact URI */
	const char *from;	/* name-addr without tag: "A" <sip:a@d> */
	const char *to;		/* name-addr without tag */
	const char *extra;	/* NULL or header lines ending in CRLF */
	struct wsip_body body;	/* data NULL: none */
	void *arg;		/* the dialog's arg (wsip_dialog_arg) */
};

/* Send the INVITE (CSeq 1, new Call-ID and From-tag, our Via and Contact,
 * Max-Forwards 70); *dp is the new dialog, state WSIP_DLG_INIT until a
 * response with a To-tag arrives.  EINVAL for bad URIs or headers,
 * ENOSPC over a limit, or the send handler's error (nothing kept). */
int wsip_invite(struct wsip *w, const struct wsip_invite *o,
		struct wsip_dialog **dp);

/* ACK a 2xx to our INVITE (initial or re-INVITE): its own transaction
 * with a new branch, CSeq number of the INVITE (RFC 3261 13.2.2.4).
 * body: the SDP answer when the 2xx carried the offer, else NULL.  The ACK
 * is kept and sent again if the browser repeats its 2xx.  EPROTO when no
 * 2xx is waiting for one, EALREADY when already sent.  (The ACK for a
 * non-2xx belongs to the transaction and is sent by the layer, 17.1.1.3.) */
int wsip_ack(struct wsip_dialog *d, const struct wsip_body *body);

/* CANCEL our pending INVITE (RFC 3261 9.1): same branch, Request-URI,
 * Call-ID, From, To (no tag) and CSeq number.  Sent when the first
 * provisional response has arrived (held until then).  extra: NULL or
 * header lines, e.g. Reason (RFC 3326).  EALREADY when the INVITE has a
 * final response, ENOENT when there is no INVITE. */
int wsip_cancel(struct wsip_dialog *d, const char *extra);

/* A request within the dialog (RFC 3261 12.2.1.1): BYE, INFO, INVITE
 * (re-INVITE), UPDATE, NOTIFY, OPTIONS, MESSAGE, REFER, ...; local CSeq +1,
 * Request-URI the remote target, Route the route set (loose routing).
 * The response comes as WSIP_EV_RESPONSE with arg.  Sending BYE ends the
 * dialog (15.1.1).  ENOTCONN without an early or confirmed dialog, EBUSY
 * for an INVITE while another is in progress (14.1), EINVAL for ACK,
 * CANCEL or a bad method, ENOSPC over the transaction limit. */
int wsip_request(struct wsip_dialog *d, const char *method,
		 const char *extra, const struct wsip_body *body, void *arg);

enum wsip_dlg_state {
	WSIP_DLG_INIT,		/* no tagged response yet */
	WSIP_DLG_EARLY,
	WSIP_DLG_CONFIRMED,
	WSIP_DLG_TERMINATED,	/* BYE, CANCEL, failure, 481/408 */
};

/* Answers requests the browser still waits for with 481 and forgets the
 * dialog; sends no requests (BYE or CANCEL first). NULL is a no-op. */
void wsip_dialog_free(struct wsip_dialog *d);
enum wsip_dlg_state wsip_dialog_state(const struct wsip_dialog *d);
const char *wsip_dialog_state_name(enum wsip_dlg_state s);
int wsip_dialog_is_uac(const struct wsip_dialog *d);
const char *wsip_dialog_call_id(const struct wsip_dialog *d);
const char *wsip_dialog_local_tag(const struct wsip_dialog *d);
const char *wsip_dialog_remote_tag(const struct wsip_dialog *d); /* or "" */
const struct wsip_flow *wsip_dialog_flow(const struct wsip_dialog *d);
/* The browser came back on another flow (RFC 5626 reconnect): our
 * requests go there from now on. */
void wsip_dialog_set_flow(struct wsip_dialog *d, const struct wsip_flow *fl);
void *wsip_dialog_arg(const struct wsip_dialog *d);
void wsip_dialog_set_arg(struct wsip_dialog *d, void *arg);

/* The request a server transaction answers (method name), for logs. */
const char *wsip_txn_method(const struct wsip_txn *st);

struct wsip_stats {
	unsigned dialogs, txns;	/* now */
	unsigned long strays;	/* responses and ACKs matching nothing */
	unsigned long refused;	/* requests answered 4xx/5xx by the layer */
	unsigned long limited;	/* of which over a limit */
};
void wsip_get_stats(const struct wsip *w, struct wsip_stats *st);

#endif
