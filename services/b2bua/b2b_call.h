/* b2b_call: one call between a browser (the web leg, over wsgw) and a SIP
 * peer (the SIP leg, through NUA), with its media session on a mediad
 * node.  Everything here runs on the loop thread. */
#ifndef RTCGATE_B2B_CALL_H
#define RTCGATE_B2B_CALL_H

#include "b2b.h"

enum call_dir { CALL_WEB_TO_SIP, CALL_SIP_TO_WEB };

/* A re-INVITE in progress (hold, resume, ICE restart, refresh), by the
 * side that sent it; one at a time per call (491 otherwise). */
enum call_reinv { REINV_NONE, REINV_WEB, REINV_SIP };

enum call_state {
	CALL_NEW,		/* checking, routing, creating media */
	CALL_PROCEEDING,	/* the far leg has the offer */
	CALL_EARLY,		/* the far leg rings or sends early media */
	CALL_ANSWERED,
	CALL_ENDED,
};

struct wsip_dialog;
struct wsip_txn;
struct wsip_flow;
struct b2b_fork;

struct call {
	char id[96];			/* ours: logs, CDR */
	enum call_dir dir;
	enum call_state state;
	char from[256], to[600];	/* as the SIP leg shows them */
	char user[ROUTE_REWRITE_MAX + 1];	/* dialled or called user */
	char route_uri[ROUTE_URI_MAX];	/* the default route, while the
					 * target is looked up */
	int route_code;			/* else: reject with this */
	char sip_srtp[12];		/* the route's srtp=: media_create */
	/* web leg */
	struct wsip_dialog *wd;		/* the browser's dialog */
	struct wsip_txn *itxn;		/* its INVITE, until answered */
	char edge[SVC_ID_MAX], conn[64], src_ip[64];
	GSList *forks;			/* CALL_SIP_TO_WEB: INVITEs out */
	struct b2b_fork *winner;
	/* SIP leg */
	nua_handle_t *nh;
	bool sip_answered;
	const char *sip_contact;	/* ours on the SIP leg (b2b's):
					 * plain, ;transport=tls or sips */
	/* media */
	char node[SVC_ID_MAX];
	char session[128];
	bool media_answered;		/* mediad has both SDPs */
	bool media_pending;		/* a media_answer is in flight */
	bool media_retried;		/* media_create went to a second node */
	char *web_answer;		/* our SDP answer to the browser */
	json_t *cdr_bindings;		/* SIP -> browser: lookup reply */
	char *pending_sdp;		/* an answer waiting for mediad */
	int pending_status;
	guint ring_timer;
	char instance[128];		/* the browser's +sip.instance */
	guint grace_timer;		/* its WebSocket is gone */
	struct wsip_txn *refer_txn;	/* the browser's REFER, until the SIP
					 * side answers ours */
	bool transferred;		/* the SIP side reported success */
	int reinv;			/* enum call_reinv: who re-offered */
	struct wsip_txn *reinv_txn;	/* the browser's re-INVITE */
	char *sip_sdp;			/* our last SDP to the SIP side */
	char *invite_text;		/* the browser's INVITE, until it is
					 * authorised */
	int refs;			/* pending async requests hold one */
	char codec_web[16], codec_sip[16];	/* for the CDR */
	struct cdr cdr;
};

/* b2b_call.c */
void call_unref(struct call *c);
/* One request to the call's media node (a reference is held until cb). */
int call_media(struct call *c, const char *kind, const char *side,
	       const char *sdp, busreq_h *cb);
/* Any request m (kept by the caller) to the call's media node. */
int call_media_send(struct call *c, json_t *m, busreq_h *cb, void *arg);
/* The SDP of mediad's media_sdp reply, or NULL (logged, counted). */
const char *call_media_sdp(struct call *c, json_t *r, int e);
/* A new INVITE from a browser (everything lent for the call). */
struct call_web_in {
	struct wsip_dialog *wd;
	struct wsip_txn *txn;
	const char *edge, *conn, *src_ip;
	const char *from_aor;	/* user@host of From */
	const char *user;	/* dialled: the Request-URI's user */
	const char *sdp;	/* the offer, or NULL */
	const char *text;	/* the whole INVITE, for a digest check */
};
void call_web_invite(const struct call_web_in *in);
void call_web_ack(struct call *c);
void call_web_bye(struct call *c);
void call_web_cancelled(struct call *c);
void call_web_response(struct call *c, struct b2b_fork *f, int status,
		       const char *phrase, const char *sdp);
void call_web_flow_closed(const char *edge, const char *conn);
void call_web_flow_back(const char *instance, const char *edge,
			const char *conn);
void call_web_moved(struct call *c, const struct wsip_flow *fl);
void call_web_refer(struct call *c, struct wsip_txn *txn, const sip_t *sip);
void call_sip_refer_answered(struct call *c, int status, const char *phrase);
void call_sip_notify(struct call *c, const sip_t *sip);

/* b2b_dtmf.c */
void call_web_info(struct call *c, const sip_t *sip);
void call_media_dtmf(struct call *c, const json_t *ev);

/* b2b_reinv.c */
void call_web_reinvite(struct call *c, struct wsip_txn *txn, const char *sdp);
void call_web_reinvite_response(struct call *c, int status,
				const char *phrase, const char *sdp);
void call_sip_reinvite(struct call *c, const char *sdp);
void call_sip_reinvite_response(struct call *c, int status,
				const char *phrase, const char *sdp);
void call_sip_invite(nua_handle_t *nh, const sip_t *sip, const char *sdp);
void call_sip_response(struct call *c, int status, const char *phrase,
		       const char *sdp);
void call_sip_cancelled(struct call *c);
void call_sip_bye(struct call *c);
void call_sip_terminated(struct call *c, int status);
void call_media_event(const json_t *ev);
void call_media_node_lost(const char *node);
void call_end_all(void);
/* Forget ended calls' sessions older than 10 minutes (once a second). */
void call_forget_sessions(gint64 now_us);

/* b2b_sip.c */
int b2b_sip_tls_prepare(void);
int b2b_sip_start(void);
void b2b_sip_stop(void);
const char *b2b_sip_contact_for_uri(const char *uri);
const char *b2b_sip_contact_for_msg(const sip_t *sip);
int b2b_sip_invite(struct call *c, const char *uri, const char *sdp);
/* Responses to the SIP side.  phrase says what is meant; the wire carries
 * sofia's standard phrase for status (NUA would read a caller's string on
 * its own thread after the caller freed it: see b2b_sip_phrase). */
/* A final failure with a Reason header value (RFC 3326), or none. */
void b2b_sip_refuse(struct call *c, int status, const char *phrase,
		    const char *reason);
void b2b_sip_respond(struct call *c, int status, const char *phrase,
		     const char *sdp);
void b2b_sip_hangup(struct call *c);
void b2b_sip_release(struct call *c);
void b2b_sip_info(struct call *c, const sip_t *sip);
void b2b_sip_info_body(struct call *c, const char *type, const char *body);
void b2b_sip_refer(struct call *c, const char *uri);
void b2b_sip_reinvite(struct call *c, const char *sdp);

/* b2b_web.c: the browser side over the bus, on wsip */
int b2b_web_start(void);
void b2b_web_stop(void);
void b2b_web_respond(struct call *c, int status, const char *phrase,
		     const char *sdp, const char *extra);
void b2b_web_bye(struct call *c);
int b2b_web_fork(struct call *c, const json_t *binding, const char *sdp);
void b2b_web_cancel_forks(struct call *c, struct b2b_fork *except);
void b2b_web_ack(struct call *c, struct b2b_fork *f);
void b2b_web_info(struct call *c, const char *type, const char *body,
		  size_t len);
void b2b_web_release(struct call *c);
const struct wsip_flow *b2b_web_flow(const struct call *c);
void b2b_web_set_flow(struct call *c, const struct wsip_flow *fl);
const char *b2b_web_fork_instance(const struct b2b_fork *f);
void b2b_web_refer_answer(struct call *c, int status, const char *phrase);
void b2b_web_notify(struct call *c, const sip_t *sip);
int b2b_web_reinvite(struct call *c, const char *sdp);

#endif
