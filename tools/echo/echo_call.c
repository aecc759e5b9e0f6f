/* echo_call: see echo_call.h */
#include "echo_call.h"
#include "echo.h"
#include "echo_rtp.h"
#include "echo_sdp.h"
#include "log.h"

#include <errno.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct echo_call {
	nua_handle_t *nh;
	struct echo_rtp *rtp;
	char id[64];			/* Call-ID (cut) for log lines */
	struct echo_sdp_local local;
	char *sdp;			/* the last SDP we sent */
	bool offered;			/* it was an offer: answer in ACK */
	bool bye_sent;
};

/* The SDP body of a message, or NULL (not NUL-terminated: *len). */
static const char *echo_call_body(const sip_t *sip, size_t *len)
{
	if (!sip || !sip->sip_payload || !sip->sip_content_type ||
	    !sip->sip_content_type->c_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp"))
		return NULL;
	*len = sip->sip_payload->pl_len;
	return sip->sip_payload->pl_data;
}

static void echo_call_count(void)
{
	metrics_set(&echo.svc.metrics, EM_CALLS, g_hash_table_size(echo.calls));
}

static void echo_call_free(struct echo_call *c)
{
	g_hash_table_remove(echo.calls, c);
	echo_call_count();
	echo_rtp_free(c->rtp);
	if (c->nh) {
		nua_handle_bind(c->nh, NULL);
		nua_handle_destroy(c->nh);
	}
	g_free(c->sdp);
	free(c);
}

/* A final refusal of a new call; the handle goes with it. */
static void echo_call_refuse(nua_handle_t *nh, int status, const char *phrase)
{
	LOG_INFO("call", "refused: %d %s", status, phrase);
	nua_respond(nh, status, phrase, TAG_END());
	nua_handle_destroy(nh);
	metrics_inc(&echo.svc.metrics, EM_REJECTED);
}

static void echo_call_hangup(struct echo_call *c)
{
	if (c->bye_sent)
		return;
	c->bye_sent = true;
	nua_bye(c->nh, TAG_END());
}

static void echo_call_on_timeout(void *arg)
{
	struct echo_call *c = arg;

	metrics_inc(&echo.svc.metrics, EM_TIMED_OUT);
	echo_call_hangup(c);
}

/* Our SDP for this INVITE: an answer to its offer (media in *m) or our
 * offer.  The o= version goes up only when the SDP changes (RFC 3264 8). */
static int echo_call_sdp(struct echo_call *c, const char *offer, size_t len,
			 struct echo_media *m, char **sdp)
{
	for (int pass = 0; pass < 2; pass++) {
		int err = 0;

		if (offer)
			err = echo_sdp_answer(offer, len, &c->local, m, sdp);
		else
			*sdp = echo_sdp_offer(&c->local);
		if (err)
			return err;
		if (!c->sdp || !strcmp(*sdp, c->sdp) || pass)
			break;
		g_free(*sdp);
		c->local.version++;
	}
	return 0;
}

/* 200 with SDP; a bad offer gets 488 and the error back. */
static int echo_call_answer(struct echo_call *c, const sip_t *sip)
{
	size_t len = 0;
	const char *offer = echo_call_body(sip, &len);
	struct echo_media m;
	char *sdp;
	int err = echo_call_sdp(c, offer, len, &m, &sdp);

	if (err) {
		LOG_INFO("call", "offer refused: %s", err == EPROTO ?
			 "no PCMU, PCMA or opus/48000/2 over RTP/AVP" :
			 "SDP does not parse");
		nua_respond(c->nh, 488, sip_488_Not_acceptable, TAG_END());
		return err;
	}
	g_free(c->sdp);
	c->sdp = sdp;
	c->offered = !offer;
	if (offer)
		echo_rtp_set_media(c->rtp, &m);
	nua_respond(c->nh, 200, sip_200_OK,
		    SIPTAG_CONTACT_STR(echo_sip_contact(sip)),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(c->sdp), TAG_END());
	LOG_INFO("call", "answered: %s on port %u", offer ?
		 echo_codec_name(m.codec) : "our offer",
		 echo_rtp_port(c->rtp));
	return 0;
}

static void echo_call_new(nua_handle_t *nh, const sip_t *sip)
{
	struct echo_call *c;
	int err;
	struct echo_rtp_opts o = {
		.tone_ms = echo.cfg.tone_ms,
		.timeout_s = echo.cfg.media_timeout_s,
		.timeout_h = echo_call_on_timeout,
	};

	if (g_hash_table_size(echo.calls) >= (guint)echo.cfg.max_calls) {
		echo_call_refuse(nh, 486, sip_486_Busy_here);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		echo_call_refuse(nh, 500, sip_500_Internal_server_error);
		return;
	}
	c->nh = nh;
	nua_handle_bind(nh, c);
	g_hash_table_add(echo.calls, c);
	echo_call_count();
	snprintf(c->id, sizeof(c->id), "%s", sip->sip_call_id ?
		 sip->sip_call_id->i_id : "");
	o.log_id = c->id;
	o.arg = c;
	if ((err = echo_rtp_alloc(&c->rtp, &o))) {
		LOG_WARN("call", "no media port in %ld-%ld: %s",
			 echo.ports.lo, echo.ports.hi, strerror(err));
		nua_respond(nh, 503, sip_503_Service_unavailable, TAG_END());
		goto refused;
	}
	c->local.ip = echo.cfg.ip;
	c->local.family = echo.addr.ss_family;
	c->local.port = echo_rtp_port(c->rtp);
	c->local.sess_id =
		(unsigned long long)g_get_real_time() ^ g_random_int();
	c->local.version = 1;
	if (echo_call_answer(c, sip))
		goto refused;
	metrics_inc(&echo.svc.metrics, EM_ANSWERED);
	return;
refused:
	metrics_inc(&echo.svc.metrics, EM_REJECTED);
	echo_call_free(c);
}

void echo_call_invite(nua_handle_t *nh, struct echo_call *c, const sip_t *sip)
{
	if (!sip)
		return;
	log_set_context(sip->sip_call_id ? sip->sip_call_id->i_id : NULL);
	if (!c)
		echo_call_new(nh, sip);
	else
		echo_call_answer(c, sip);	/* re-INVITE: 488 keeps the call */
	log_set_context(NULL);
}

void echo_call_ack(struct echo_call *c, const sip_t *sip)
{
	struct echo_media m;
	size_t len = 0;
	const char *answer = echo_call_body(sip, &len);

	if (!c->offered)
		return;
	c->offered = false;
	log_set_context(c->id);
	if (!answer || echo_sdp_accept(answer, len, &m)) {
		LOG_INFO("call", "no usable SDP answer in the ACK: hanging up");
		echo_call_hangup(c);
	} else {
		LOG_INFO("call", "answer in the ACK: %s",
			 echo_codec_name(m.codec));
		echo_rtp_set_media(c->rtp, &m);
	}
	log_set_context(NULL);
}

void echo_call_terminated(struct echo_call *c)
{
	log_set_context(c->id);
	LOG_INFO("call", "ended");
	log_set_context(NULL);
	echo_call_free(c);
}

void echo_call_free_all(void)
{
	GList *all = g_hash_table_get_keys(echo.calls);

	for (GList *l = all; l; l = l->next)
		echo_call_free(l->data);
	g_list_free(all);
}
