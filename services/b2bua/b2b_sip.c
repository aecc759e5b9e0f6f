/* b2b_sip: the SIP side, sofia-sip's NUA in the loop (su_glib).  NUA keeps
 * the transactions and dialogs; media handling is off (NUTAG_MEDIA_ENABLE
 * 0), so SDP passes through as a plain body between mediad and the peer. */
#include "b2b.h"
#include "b2b_call.h"
#include "log.h"
#include "siptls.h"
#include "version.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/soa_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>
#include <string.h>

static const char *b2b_sip_body(const sip_t *sip)
{
	if (!sip || !sip->sip_payload || !sip->sip_content_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp"))
		return NULL;
	return sip->sip_payload->pl_data;
}

/* A body as a NUL-terminated copy (sofia's payload is not terminated). */
static char *b2b_sip_sdp(const sip_t *sip)
{
	const char *b = b2b_sip_body(sip);

	return b ? g_strndup(b, sip->sip_payload->pl_len) : NULL;
}

static void b2b_sip_cb(nua_event_t ev, int status, char const *phrase,
		       nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		       nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct call *c = hmagic;
	char *sdp;

	switch (ev) {
	case nua_i_invite:
		metrics_inc(&b2b.svc.metrics, BM_SIP_IN);
		sdp = b2b_sip_sdp(sip);
		if (c)
			call_sip_reinvite(c, sdp);
		else
			call_sip_invite(nh, sip, sdp);
		g_free(sdp);
		break;
	case nua_r_invite:
		if (!c)
			break;
		sdp = b2b_sip_sdp(sip);
		if (c->reinv == REINV_WEB)
			call_sip_reinvite_response(c, status, phrase, sdp);
		else
			call_sip_response(c, status, phrase, sdp);
		g_free(sdp);
		break;
	case nua_i_cancel:
		if (c)
			call_sip_cancelled(c);
		break;
	case nua_i_bye:
		if (c)
			call_sip_bye(c);
		break;
	case nua_i_info:	/* NUA answers 200 itself */
		if (c && sip && sip->sip_payload)
			b2b_web_info(c, sip->sip_content_type ?
				     sip->sip_content_type->c_type : NULL,
				     sip->sip_payload->pl_data,
				     sip->sip_payload->pl_len);
		break;
	case nua_r_refer:
		if (c)
			call_sip_refer_answered(c, status, phrase);
		break;
	case nua_i_notify:	/* the REFER's implicit subscription */
		if (c && sip)
			call_sip_notify(c, sip);
		break;
	case nua_i_state: {
		int st = nua_callstate_init;
		tl_gets(tags, NUTAG_CALLSTATE_REF(st), TAG_END());
		if (c && st == nua_callstate_terminated)
			call_sip_terminated(c, status);
		break;
	}
	case nua_r_shutdown:
		if (status >= 200)
			b2b.sip_down = true;
		break;
	default:
		if (status >= 300 && ev != nua_r_bye && ev != nua_r_cancel)
			LOG_DEBUG("sip", "%s: %d %s", nua_event_name(ev), status,
				  phrase);
		break;
	}
}

/* Our Contact for a dialog toward uri: over TLS when the destination asks
 * for it (sips:, ;transport=tls), so the peer's in-dialog requests come
 * back the same way (RFC 3261 8.1.1.8: a sips Request-URI, a sips
 * Contact). */
const char *b2b_sip_contact_for_uri(const char *uri)
{
	if (!b2b.contact_tls[0] || !uri)
		return b2b.contact;
	if (!strncasecmp(uri, "sips:", 5) || !strncasecmp(uri, "<sips:", 6))
		return b2b.contact_sips;
	if (strcasestr(uri, ";transport=tls"))
		return b2b.contact_tls;
	return b2b.contact;
}

/* The same for a dialog a peer opened with this request. */
const char *b2b_sip_contact_for_msg(const sip_t *sip)
{
	if (!b2b.contact_tls[0] || !sip || !sip->sip_request)
		return b2b.contact;
	if (sip->sip_request->rq_url->url_type == url_sips)
		return b2b.contact_sips;
	/* over TLS: through tlsfront, which marks the top Via (sofia only
	 * takes a TCP one on its TCP transport) */
	if (sip->sip_via && ((sip->sip_via->v_protocol &&
	     !strcasecmp(sip->sip_via->v_protocol, "SIP/2.0/TLS")) ||
	    (sip->sip_via->v_params &&
	     msg_params_find(sip->sip_via->v_params, TLSF_VIA_MARK))))
		return b2b.contact_tls;
	return b2b.contact;
}

/* RTCGATE_SIP_TLS_CERT and _KEY: both or neither; checked and turned
 * into sofia's certificate directory (at start, before the bus, so that a
 * bad file is a configuration error: exit code 2). */
int b2b_sip_tls_prepare(void)
{
	if (!b2b.cfg.tls_cert != !b2b.cfg.tls_key) {
		LOG_ERROR("cfg", "%s is set but %s is not: set both for SIP "
			  "over TLS, or neither", b2b.cfg.tls_cert ?
			  "RTCGATE_SIP_TLS_CERT" : "RTCGATE_SIP_TLS_KEY",
			  b2b.cfg.tls_cert ? "RTCGATE_SIP_TLS_KEY" :
			  "RTCGATE_SIP_TLS_CERT");
		return EINVAL;
	}
	if (!b2b.cfg.tls_cert)
		return 0;
	if (b2b.cfg.tls_port == b2b.cfg.sip_port) {
		LOG_ERROR("cfg", "RTCGATE_SIP_TLS_PORT: %ld is RTCGATE_SIP_PORT "
			  "(TCP) already", b2b.cfg.tls_port);
		return EINVAL;
	}
	return siptls_dir_new("cfg", "RTCGATE_SIP_TLS_CERT", b2b.cfg.tls_cert,
			      "RTCGATE_SIP_TLS_KEY", b2b.cfg.tls_key,
			      &b2b.tls_dir);
}

/* Inbound TLS: tlsfront on RTCGATE_SIP_TLS_PORT (the socket NUA bound,
 * taken from it: b2b_tlsfd.c), relaying to sofia's TCP listener (loopback
 * when RTCGATE_SIP_IP is a wildcard). */
static int b2b_sip_tls_front(void)
{
	const char *up = b2b.cfg.sip_ip;
	int err, fds[TLSF_LISTEN_MAX];
	struct tlsf_opts o = {
		.ip = b2b.cfg.sip_ip, .port = (int)b2b.cfg.tls_port, .fds = fds,
		.cert = b2b.cfg.tls_cert, .key = b2b.cfg.tls_key,
		.up_port = (int)b2b.cfg.sip_port,
		.max_conn = (unsigned)b2b.cfg.tls_max_conn,
		.max_per_ip = (unsigned)b2b.cfg.tls_max_per_ip,
		.handshake_ms = (unsigned)b2b.cfg.tls_handshake_s * 1000,
		.idle_ms = (unsigned)b2b.cfg.tls_idle_s * 1000,
		.ctx = b2b.loop.ctx, .metrics = &b2b.svc.metrics,
		.mbase = BM_TLS,
	};

	if (!strcmp(up, "0.0.0.0"))
		up = "127.0.0.1";
	else if (!strcmp(up, "::") || !strcmp(up, "[::]"))
		up = "::1";
	o.up_ip = up;
	if ((err = b2b_tlsfd_take((int)b2b.cfg.tls_port, fds,
				  TLSF_LISTEN_MAX, &o.nfds)))
		return err;
	return tlsf_new(&o, &b2b.tlsf);
}

int b2b_sip_start(void)
{
	char url[160], surl[160] = "";
	unsigned t1 = (unsigned)b2b.cfg.sip_t1_ms;
	int err;

	snprintf(url, sizeof(url), "sip:%s:%ld", b2b.cfg.sip_ip,
		 b2b.cfg.sip_port);
	snprintf(b2b.contact, sizeof(b2b.contact), "<sip:b2bua@%s:%ld>",
		 b2b.cfg.sip_ip, b2b.cfg.sip_port);
	if (b2b.tls_dir) {
		snprintf(surl, sizeof(surl), "sips:%s:%ld", b2b.cfg.sip_ip,
			 b2b.cfg.tls_port);
		snprintf(b2b.contact_tls, sizeof(b2b.contact_tls),
			 "<sip:b2bua@%s:%ld;transport=tls>", b2b.cfg.sip_ip,
			 b2b.cfg.tls_port);
		snprintf(b2b.contact_sips, sizeof(b2b.contact_sips),
			 "<sips:b2bua@%s:%ld>", b2b.cfg.sip_ip,
			 b2b.cfg.tls_port);
	}
	b2b.root = su_glib_root_create(NULL);
	if (!b2b.root)
		return ENOMEM;
	g_source_attach(su_glib_root_gsource(b2b.root), b2b.loop.ctx);
	b2b.nua = nua_create(b2b.root, b2b_sip_cb, NULL, NUTAG_URL(url),
			     TAG_IF(b2b.tls_dir, NUTAG_SIPS_URL(surl)),
			     TAG_IF(b2b.tls_dir, TPTAG_CERTIFICATE(b2b.tls_dir)),
			     /* T1 sets the pace of retransmissions; 64*T1
			      * (timers B, F, H: a peer that never answers or
			      * never ACKs) follows it */
			     NTATAG_SIP_T1(t1), NTATAG_SIP_T1X64(64 * t1),
			     /* RFC 5626 3.5.1: a CRLF pong to each double-CRLF
			      * ping on TCP (TLS clients through tlsfront) */
			     TPTAG_PONG2PING(1),
			     NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0),
			     NUTAG_AUTOACK(1), NUTAG_ENABLEINVITE(1),
			     NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, "
					 "REFER, NOTIFY, UPDATE"),
			     /* RFC 4028: the peer refreshes when it can; when
			      * we must, UPDATE without SDP keeps mediad out of
			      * it.  A session that expires ends both legs. */
			     NUTAG_SESSION_TIMER((unsigned)b2b.cfg.session_timer_s),
			     NUTAG_MIN_SE(90),
			     NUTAG_SESSION_REFRESHER(nua_remote_refresher),
			     NUTAG_UPDATE_REFRESH(1),
			     SIPTAG_USER_AGENT_STR("rtcgate/" RTCGATE_VERSION),
			     TAG_END());
	/* sofia has read the certificate directory (accepted and outgoing
	 * connections share the listener's context): it may go */
	siptls_dir_free(b2b.tls_dir);
	b2b.tls_dir = NULL;
	if (!b2b.nua) {
		LOG_ERROR("sip", "cannot listen on %s (UDP and TCP)%s%s", url,
			  surl[0] ? " and " : "", surl);
		return EADDRINUSE;
	}
	if (surl[0] && (err = b2b_sip_tls_front()))
		return err;
	if (surl[0])
		LOG_INFO("sip", "SIP side on %s (UDP, TCP), sips:%s:%ld (TLS), "
			 "T1 %u ms", url, b2b.cfg.sip_ip, b2b.cfg.tls_port, t1);
	else
		LOG_INFO("sip", "SIP side on %s (UDP, TCP), T1 %u ms", url, t1);
	return 0;
}

/* Keep what we last offered or answered to the SIP side: an offerless
 * re-INVITE (a refresh) is answered with it. */
static void b2b_sip_keep(struct call *c, const char *sdp)
{
	if (!sdp)
		return;
	g_free(c->sip_sdp);
	c->sip_sdp = g_strdup(sdp);
}

int b2b_sip_invite(struct call *c, const char *uri, const char *sdp)
{
	c->nh = nua_handle(b2b.nua, c, SIPTAG_TO_STR(uri), TAG_END());
	if (!c->nh)
		return ENOMEM;
	b2b_sip_keep(c, sdp);
	c->sip_contact = b2b_sip_contact_for_uri(uri);
	nua_invite(c->nh, SIPTAG_FROM_STR(c->from),
		   SIPTAG_CONTACT_STR(c->sip_contact),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	return 0;
}

/* nua_respond() hands its phrase to NUA's own thread as a bare pointer
 * (only the tags are copied) and the response is written there, later: a
 * phrase taken from the browser's answer, freed when our handler returns,
 * was read after the free (ASan in the e2e "declines a call" test, and the
 * SIP caller never got its 603).  So the SIP side gets sofia's static
 * phrase for the status, whatever the phrase given. */
static const char *b2b_sip_phrase(int status)
{
	const char *p = sip_status_phrase(status);

	return p ? p : "";
}

void b2b_sip_respond(struct call *c, int status, const char *phrase,
		     const char *sdp)
{
	if (!c->nh)
		return;
	b2b_sip_keep(c, sdp);
	if (sdp)
		nua_respond(c->nh, status, b2b_sip_phrase(status),
			    SIPTAG_CONTACT_STR(c->sip_contact ? c->sip_contact :
					       b2b.contact),
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	else	/* 503: when to try again (RFC 3261 21.5.4); a 180 makes an
		 * early dialog: the Contact the 200 will have (NUA's own
		 * default is not the dialog's, e.g. sips: for a TLS one) */
		nua_respond(c->nh, status, b2b_sip_phrase(status),
			    TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR("5")),
			    TAG_IF(status < 300 && c->sip_contact,
				   SIPTAG_CONTACT_STR(c->sip_contact)),
			    TAG_END());
}

void b2b_sip_refuse(struct call *c, int status, const char *phrase,
		    const char *reason)
{
	if (!c->nh)
		return;
	nua_respond(c->nh, status, b2b_sip_phrase(status),
		    TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
}

void b2b_sip_hangup(struct call *c)
{
	if (!c->nh)
		return;
	if (c->sip_answered)
		nua_bye(c->nh, TAG_END());
	else if (c->dir == CALL_WEB_TO_SIP)
		nua_cancel(c->nh, TAG_END());
	else
		nua_respond(c->nh, 487, "Request Terminated", TAG_END());
}

/* The browser's INFO (DTMF as application/dtmf-relay) to the SIP side,
 * body and type unchanged. */
void b2b_sip_info(struct call *c, const sip_t *sip)
{
	if (!sip || !sip->sip_payload)
		return;
	char *body = g_strndup(sip->sip_payload->pl_data,
			       sip->sip_payload->pl_len);
	b2b_sip_info_body(c, sip->sip_content_type ?
			  sip->sip_content_type->c_type :
			  "application/dtmf-relay", body);
	g_free(body);
}

void b2b_sip_info_body(struct call *c, const char *type, const char *body)
{
	if (!c->nh || !c->sip_answered)
		return;
	nua_info(c->nh, SIPTAG_CONTENT_TYPE_STR(type), SIPTAG_PAYLOAD_STR(body),
		 TAG_END());
}

/* A re-INVITE on the SIP leg with mediad's offer; NUA ACKs its 2xx. */
void b2b_sip_reinvite(struct call *c, const char *sdp)
{
	if (!c->nh)
		return;
	b2b_sip_keep(c, sdp);
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
}

/* Ask the SIP side to call uri instead of us (blind transfer). */
void b2b_sip_refer(struct call *c, const char *uri)
{
	char to[ROUTE_URI_MAX + 2];

	snprintf(to, sizeof(to), "<%s>", uri);
	nua_refer(c->nh, SIPTAG_REFER_TO_STR(to),
		  SIPTAG_REFERRED_BY_STR(c->from), TAG_END());
}

void b2b_sip_release(struct call *c)
{
	if (!c->nh)
		return;
	nua_handle_bind(c->nh, NULL);
	nua_handle_destroy(c->nh);
	c->nh = NULL;
}

/* NUA must finish its shutdown (BYEs, transactions) before it may be
 * destroyed: run the loop until it reports, at most 3 s. */
void b2b_sip_stop(void)
{
	gint64 end = g_get_monotonic_time() + 3000000;

	tlsf_free(b2b.tlsf);	/* its clients first: sofia's TCP side goes */
	b2b.tlsf = NULL;
	if (b2b.nua) {
		b2b.sip_down = false;
		nua_shutdown(b2b.nua);
		while (!b2b.sip_down && g_get_monotonic_time() < end)
			g_main_context_iteration(b2b.loop.ctx, TRUE);
		nua_destroy(b2b.nua);
	}
	if (b2b.root)
		su_root_destroy(b2b.root);
	siptls_dir_free(b2b.tls_dir);	/* when NUA never started */
	b2b.tls_dir = NULL;
}
