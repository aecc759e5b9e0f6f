/* wsip_msg: building the messages we send, with sofia-sip's msg_t. */
#include "wsip_int.h"
#include "sipframe.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_alloc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

msg_t *wsip_msg_new(sip_t **sipp)
{
	msg_t *msg = msg_create(sip_default_mclass(), 0);

	*sipp = msg ? sip_object(msg) : NULL;
	if (msg && !*sipp) {
		msg_destroy(msg);
		return NULL;
	}
	return msg;
}

/* A caller's string that goes into a header: bounded, one line. */
int wsip_msg_hdr_ok(const char *s, size_t max)
{
	return s && *s && strlen(s) < max && !strpbrk(s, "\r\n");
}

/* Bytes a copy of the header list h would take, and its length. */
size_t wsip_msg_chain_size(const void *h, unsigned *count)
{
	const msg_header_t *x = h;
	size_t n = 0;

	if (count)
		*count = 0;
	for (; x; x = x->sh_next) {
		n += (size_t)msg_header_size(x);
		if (count)
			(*count)++;
	}
	return n;
}

/* Extra header lines, the body, Content-Length and the empty line that
 * ends the headers (a header of its own in sofia). */
int wsip_msg_finish(msg_t *msg, sip_t *sip, const char *extra,
		    const struct wsip_body *body)
{
	su_home_t *home = msg_home(msg);
	size_t len = body && body->data ? body->len : 0;

	/* extra is ours, but a slip must not end the headers early (an
	 * empty line) nor send what sofia could not parse */
	if (extra && *extra &&
	    (strstr(extra, "\r\n\r\n") || extra[0] == '\r' ||
	     msg_header_parse_str(msg, (msg_pub_t *)sip,
				  su_strdup(home, extra)) < 0 ||
	     sip->sip_error))
		return EINVAL;
	if (len && sip_add_make(msg, sip, sip_content_type_class,
				body->type ? body->type :
					     "application/sdp") < 0)
		return EINVAL;
	if (len) {
		sip_payload_t *pl = sip_payload_create(home, body->data,
						       (isize_t)len);
		if (!pl || sip_header_insert(msg, sip, (sip_header_t *)pl) < 0)
			return ENOMEM;
	}
	sip->sip_content_length = sip_content_length_create(home,
							    (uint32_t)len);
	sip->sip_separator = sip_separator_create(home);
	return sip->sip_content_length && sip->sip_separator ? 0 : ENOMEM;
}

/* Our Via with a new branch (RFC 3261 8.1.1.7: unique, with the magic
 * cookie) and the owner, so wsgw brings the responses back here.  branch
 * receives WSIP_BRANCH_LEN + 1 bytes. */
int wsip_msg_via(struct wsip *w, msg_t *msg, sip_t *sip, char *branch)
{
	char via[WSIP_HOST_MAX + WSIP_ID_MAX + 96];

	memcpy(branch, "z9hG4bK", 7);
	wsip_token(branch + 7, WSIP_TOKEN_LEN);
	snprintf(via, sizeof(via), "SIP/2.0/WSS %s;branch=%s;rtcgate-owner=%s",
		 w->host, branch, w->owner);
	return sip_add_make(msg, sip, sip_via_class, via) < 0 ? ENOMEM : 0;
}

int wsip_msg_contact(struct wsip *w, msg_t *msg, sip_t *sip)
{
	return sip_add_make(msg, sip, sip_contact_class, w->contact) < 0 ?
	       ENOMEM : 0;
}

/* A response to req (a request received, or the copy a server
 * transaction keeps): Via, From, To, Call-ID and CSeq copied (8.2.6.2).
 * Built only: EINVAL (bad extra) or ENOMEM change nothing. */
int wsip_msg_response(struct wsip *w, const sip_t *req,
		      const struct wsip_resp *r, msg_t **mp)
{
	sip_t *sip;
	msg_t *msg = wsip_msg_new(&sip);
	su_home_t *home = msg_home(msg);
	const char *phrase = r->phrase ? r->phrase :
			     sip_status_phrase(r->status);
	int err = ENOMEM;

	if (!msg)
		return ENOMEM;
	sip->sip_status = sip_status_create(home, (unsigned)r->status,
					    phrase ? phrase : "Unknown", NULL);
	if (!sip->sip_status ||
	    sip_add_dup(msg, sip, (const sip_header_t *)req->sip_via) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)req->sip_from) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)req->sip_to) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)req->sip_call_id) < 0 ||
	    sip_add_dup(msg, sip, (const sip_header_t *)req->sip_cseq) < 0)
		goto out;
	if (r->tag && !sip->sip_to->a_tag &&
	    sip_to_tag(home, sip->sip_to, r->tag) < 0)
		goto out;
	if (r->rr && req->sip_record_route &&
	    sip_add_dup(msg, sip,
			(const sip_header_t *)req->sip_record_route) < 0)
		goto out;
	if (r->contact && (err = wsip_msg_contact(w, msg, sip)))
		goto out;
	err = wsip_msg_finish(msg, sip, r->extra, r->body);
out:
	if (err)
		msg_destroy(msg);
	else
		*mp = msg;
	return err;
}

int wsip_msg_respond(struct wsip *w, const struct wsip_flow *fl,
		     const sip_t *req, const struct wsip_resp *r)
{
	msg_t *msg;
	int err = wsip_msg_response(w, req, r, &msg);

	if (err)
		return err;
	err = wsip_send_msg(w, fl, msg, NULL, NULL);
	msg_destroy(msg);
	return err;
}

/* A refusal without any state: sipframe builds it from the request. */
int wsip_msg_reject(struct wsip *w, struct sipframe *f,
		    const struct wsip_flow *fl, int status,
		    const char *phrase, const char *extra)
{
	size_t len = 0;
	char *text = sipframe_response(f, status, phrase, extra, &len);
	int err;

	w->refused++;
	if (!text)
		return ENOMEM;
	err = w->sendh(fl, text, len, w->arg);
	free(text);
	return err;
}
