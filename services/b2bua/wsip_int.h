/* wsip internals, shared by wsip*.c only.  See wsip.h for the contract. */
#ifndef RTCGATE_WSIP_INT_H
#define RTCGATE_WSIP_INT_H

#include "wsip.h"

#include <glib.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

enum {
	WSIP_TOKEN_LEN = 16,	/* random chars: 80 bits */
	WSIP_BRANCH_LEN = 7 + WSIP_TOKEN_LEN,	/* z9hG4bK + token */
	/* edge, conn, sent-by host and port, branch, method, separators */
	WSIP_SKEY_MAX = 2 * WSIP_ID_MAX + WSIP_HOST_MAX + 8 + WSIP_TAG_MAX +
			WSIP_METHOD_MAX + 8,
};

struct wsip {
	char host[WSIP_HOST_MAX];
	char owner[WSIP_ID_MAX + 8];
	char contact[2 * WSIP_HOST_MAX];	/* our Contact header value */
	unsigned max_dialogs, max_txns, timeout_ms;
	wsip_send_h *sendh;
	wsip_clock_h *clockh;
	void *arg;
	GHashTable *dialogs;	/* local tag -> dialog */
	GHashTable *servers;	/* wsip_skey() -> server transaction */
	GHashTable *clients;	/* our branch -> client transaction */
	struct wsip_txn *txns;	/* every transaction, for the timer scan */
	unsigned ndialogs, ntxns;
	unsigned long strays, refused, limited;
};

struct wsip_txn {
	struct wsip *w;
	struct wsip_dialog *dlg;	/* NULL: outside a dialog or detached */
	struct wsip_txn *prev, *next;	/* w->txns */
	struct wsip_txn *dnext;		/* dlg->txns (non-INVITE only) */
	unsigned server : 1;
	unsigned invite : 1;
	unsigned initial : 1;	/* the INVITE that made its dialog */
	unsigned final : 1;	/* final response sent / received */
	unsigned acked : 1;	/* server: ACK in; client: our ACK sent */
	unsigned proceeding : 1;	/* client INVITE: a 1xx came */
	unsigned cancel_sent : 1;
	unsigned cancel_held : 1;	/* wsip_cancel() before any 1xx */
	unsigned cancelled : 1;	/* server INVITE: ended by CANCEL */
	unsigned in_table : 1;
	int status;		/* last status sent or received */
	uint32_t cseq;
	char method[WSIP_METHOD_MAX];
	char key[WSIP_SKEY_MAX];	/* server: wsip_skey(); client:
					 * the branch */
	char tag[WSIP_TOKEN_LEN + 1];	/* server outside a dialog: To-tag */
	uint64_t deadline;	/* ms; 0: no timer */
	struct wsip_flow flow;	/* server: where the answers go */
	msg_t *req;	/* server: what an answer copies; client INVITE: the
			 * request as sent (for CANCEL and ACK) */
	char *ack;	/* client INVITE: the ACK of its 2xx (malloc) */
	size_t acklen;
	char *cancel_extra;	/* held CANCEL's header lines (malloc) */
	void *arg;
};

struct wsip_dialog {
	struct wsip *w;
	su_home_t *home;	/* everything below that is not inline */
	unsigned uac : 1;
	enum wsip_dlg_state state;
	char ltag[WSIP_TOKEN_LEN + 1];	/* our tag: the table key */
	sip_call_id_t *call_id;
	sip_addr_t *local;	/* our URI and tag: From of our requests */
	sip_addr_t *remote;	/* theirs: To of our requests */
	url_t *target;		/* remote target (Contact) */
	sip_route_t *routes;	/* route set, in the order we send it */
	uint32_t lcseq, rcseq;
	unsigned rcseq_set : 1;
	struct wsip_flow flow;
	struct wsip_txn *ist, *ict;	/* last INVITE server / client txn */
	struct wsip_txn *txns;	/* non-INVITE transactions */
	unsigned npending;	/* of which unanswered server ones */
	void *arg;
};

/* wsip.c */
uint64_t wsip_now(const struct wsip *w);
void wsip_token(char *buf, size_t chars);
int wsip_send_msg(struct wsip *w, const struct wsip_flow *fl, msg_t *msg,
		  char **keep, size_t *keeplen);
int wsip_txn_new(struct wsip *w, struct wsip_dialog *d, int server,
		 struct wsip_txn **tp);
void wsip_txn_free(struct wsip_txn *t);
int wsip_txn_key(struct wsip_txn *t, const char *key);
void wsip_ev_init(struct wsip_event *ev);

/* wsip_msg.c: building messages */
msg_t *wsip_msg_new(sip_t **sipp);
int wsip_msg_finish(msg_t *msg, sip_t *sip, const char *extra,
		    const struct wsip_body *body);
int wsip_msg_via(struct wsip *w, msg_t *msg, sip_t *sip, char *branch);
int wsip_msg_contact(struct wsip *w, msg_t *msg, sip_t *sip);
struct wsip_resp {
	int status;
	const char *phrase;
	const char *tag;	/* To-tag to add when missing, or NULL */
	int contact;		/* add our Contact */
	int rr;			/* copy Record-Route */
	const char *extra;
	const struct wsip_body *body;
};
int wsip_msg_response(struct wsip *w, const sip_t *req,
		      const struct wsip_resp *r, msg_t **mp);
int wsip_msg_respond(struct wsip *w, const struct wsip_flow *fl,
		     const sip_t *req, const struct wsip_resp *r);
int wsip_msg_reject(struct wsip *w, struct sipframe *f,
		    const struct wsip_flow *fl, int status,
		    const char *phrase, const char *extra);
int wsip_msg_hdr_ok(const char *s, size_t max);
size_t wsip_msg_chain_size(const void *h, unsigned *count);

/* wsip_dlg.c */
int wsip_dlg_new(struct wsip *w, int uac, struct wsip_dialog **dp);
struct wsip_dialog *wsip_dlg_find(struct wsip *w, const sip_t *sip);
int wsip_dlg_target(struct wsip_dialog *d, const sip_contact_t *m);
int wsip_dlg_routes(struct wsip_dialog *d, const sip_record_route_t *rr,
		    int reverse);
int wsip_dlg_uas_init(struct wsip_dialog *d, const sip_t *sip,
		      const struct wsip_flow *fl);
int wsip_dlg_uac_init(struct wsip_dialog *d, const struct wsip_invite *o);
int wsip_dlg_from_response(struct wsip_dialog *d, const sip_t *sip);
int wsip_dlg_request(struct wsip_dialog *d, const char *method,
		     uint32_t cseq, char *branch, const char *extra,
		     const struct wsip_body *body, msg_t **mp);
void wsip_dlg_unlink(struct wsip_dialog *d, struct wsip_txn *t);

/* wsip_uas.c / wsip_uac.c */
int wsip_st_answer(struct wsip_txn *t, int status, const char *phrase,
		   const char *extra, const struct wsip_body *body);
int wsip_uas_recv(struct wsip *w, struct sipframe *f, const sip_t *sip,
		  const struct wsip_flow *fl, struct wsip_event *ev);
int wsip_uac_recv(struct wsip *w, const sip_t *sip, struct wsip_event *ev);

#endif
