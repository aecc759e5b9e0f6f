/* echo_sip: sofia-sip's NUA in the loop (su_glib), on UDP and TCP.  NUA
 * keeps the transactions and dialogs (it answers BYE, CANCEL and OPTIONS
 * itself); media handling is off (NUTAG_MEDIA_ENABLE 0), so the SDP is a
 * body that echo_call reads and writes. */
#include "echo.h"
#include "echo_call.h"
#include "log.h"
#include "siptls.h"
#include "version.h"

#include <errno.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <stdio.h>
#include <string.h>

static void echo_sip_cb(nua_event_t ev, int status, char const *phrase,
			nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
			nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct echo_call *c = hmagic;
	int st = nua_callstate_init;

	switch (ev) {
	case nua_i_invite:
		echo_call_invite(nh, c, sip);
		break;
	case nua_i_ack:
		if (c)
			echo_call_ack(c, sip);
		break;
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(st), TAG_END());
		if (c && st == nua_callstate_terminated)
			echo_call_terminated(c);
		break;
	case nua_r_shutdown:
		if (status >= 200)
			echo.sip_down = true;
		break;
	default:
		if (status >= 300)
			LOG_DEBUG("sip", "%s: %d %s", nua_event_name(ev), status,
				  phrase);
		break;
	}
}

const char *echo_sip_contact(const sip_t *sip)
{
	if (!echo.contact_tls[0] || !sip || !sip->sip_request)
		return echo.contact;
	if (sip->sip_request->rq_url->url_type == url_sips)
		return echo.contact_sips;
	if (sip->sip_via && sip->sip_via->v_protocol &&
	    !strcasecmp(sip->sip_via->v_protocol, "SIP/2.0/TLS"))
		return echo.contact_tls;
	return echo.contact;
}

int echo_sip_start(void)
{
	char url[160], surl[160] = "";
	bool v6 = echo.addr.ss_family == AF_INET6;
	char hostport[80], tlshp[80];

	snprintf(hostport, sizeof(hostport), v6 ? "[%s]:%ld" : "%s:%ld",
		 echo.cfg.ip, echo.cfg.sip_port);
	snprintf(url, sizeof(url), "sip:%s", hostport);
	snprintf(echo.contact, sizeof(echo.contact), "<sip:echo@%s>", hostport);
	if (echo.tls_dir) {
		snprintf(tlshp, sizeof(tlshp), v6 ? "[%s]:%ld" : "%s:%ld",
			 echo.cfg.ip, echo.cfg.tls_port);
		snprintf(surl, sizeof(surl), "sips:%s", tlshp);
		snprintf(echo.contact_tls, sizeof(echo.contact_tls),
			 "<sip:echo@%s;transport=tls>", tlshp);
		snprintf(echo.contact_sips, sizeof(echo.contact_sips),
			 "<sips:echo@%s>", tlshp);
	}
	echo.calls = g_hash_table_new(g_direct_hash, g_direct_equal);
	echo.root = su_glib_root_create(NULL);
	if (!echo.root)
		return ENOMEM;
	g_source_attach(su_glib_root_gsource(echo.root), echo.loop.ctx);
	echo.nua = nua_create(echo.root, echo_sip_cb, NULL, NUTAG_URL(url),
			      TAG_IF(echo.tls_dir, NUTAG_SIPS_URL(surl)),
			      TAG_IF(echo.tls_dir,
				     TPTAG_CERTIFICATE(echo.tls_dir)),
			      NUTAG_MEDIA_ENABLE(0), NUTAG_ENABLEINVITE(1),
			      /* No session timers: as the refresher NUA would
			       * send re-INVITEs of its own, and with media off
			       * it has no SDP for them.  (Peers' re-INVITEs
			       * are answered by echo_call.) */
			      NUTAG_SESSION_TIMER(0), SIPTAG_SUPPORTED_STR(""),
			      SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS"),
			      SIPTAG_USER_AGENT_STR("rtcgate-echo/" RTCGATE_VERSION),
			      TAG_END());
	/* sofia has read the certificate directory */
	siptls_dir_free(echo.tls_dir);
	echo.tls_dir = NULL;
	if (!echo.nua) {
		LOG_ERROR("sip", "cannot listen on %s (UDP and TCP)%s%s", url,
			  surl[0] ? " and " : "", surl);
		return EADDRINUSE;
	}
	LOG_INFO("sip", "echo on %s (UDP, TCP)%s%s%s, RTP on %ld-%ld", url,
		 surl[0] ? ", " : "", surl, surl[0] ? " (TLS)" : "",
		 echo.ports.lo, echo.ports.hi);
	return 0;
}

static gboolean echo_sip_deadline(gpointer arg)
{
	bool *passed = arg;

	*passed = true;
	return G_SOURCE_REMOVE;
}

/* NUA must finish its shutdown (BYE to every call, open transactions)
 * before it may be destroyed: run the loop until it reports, at most 2 s,
 * so that SIGTERM ends the process well within 5 s. */
void echo_sip_stop(void)
{
	bool passed = false;
	guint t;

	if (echo.nua) {
		t = g_timeout_add(2000, echo_sip_deadline, &passed);
		echo.sip_down = false;
		nua_shutdown(echo.nua);
		while (!echo.sip_down && !passed)
			g_main_context_iteration(echo.loop.ctx, TRUE);
		if (!passed)
			g_source_remove(t);
		if (!echo.sip_down)
			LOG_WARN("sip", "NUA did not shut down within 2 s");
	}
	if (echo.calls)
		echo_call_free_all();
	if (echo.nua)
		nua_destroy(echo.nua);
	echo.nua = NULL;
	if (echo.root)
		su_root_destroy(echo.root);
	echo.root = NULL;
	if (echo.calls)
		g_hash_table_destroy(echo.calls);
	echo.calls = NULL;
	siptls_dir_free(echo.tls_dir);	/* when NUA never started */
	echo.tls_dir = NULL;
}
