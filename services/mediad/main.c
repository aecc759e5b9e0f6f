/* mediad: the media node.  Settings, the node's DTLS certificate, the
 * port pool and the packet workers; the main thread runs the GLib loop
 * for signals, the heartbeat and draining. */
#include "msess.h"
#include "log.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <signal.h>
#include <ifaddrs.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct metric_def mediad_metrics[MM__COUNT] = {
	[MM_UP] = { "up", "1 while the service runs" },
	[MM_SESSIONS] = { "media_sessions", "sessions on this node" },
	[MM_TRANSCODED] = { "media_sessions_transcoded", "of which transcoded" },
	[MM_CREATED] = { "media_sessions_created_total", "sessions created" },
	[MM_REFUSED] = { "media_sessions_refused_total", "sessions refused (limits, ports)" },
	[MM_DELETED] = { "media_sessions_deleted_total", "sessions deleted" },
	[MM_PKT_IN] = { "media_packets_in_total", "datagrams received" },
	[MM_PKT_OUT] = { "media_packets_out_total", "datagrams sent" },
	[MM_DROP_SOURCE] = { "media_drop_source_total", "datagrams from unexpected sources" },
	[MM_DROP_BAD] = { "media_drop_bad_total", "malformed or unexpected datagrams" },
	[MM_STUN_OK] = { "media_stun_checks_total", "ICE checks answered" },
	[MM_STUN_UNAUTH] = { "media_stun_unauthorized_total", "ICE checks with wrong credentials" },
	[MM_STUN_BAD] = { "media_stun_bad_total", "malformed STUN" },
	[MM_DTLS_OK] = { "media_dtls_connected_total", "DTLS handshakes completed" },
	[MM_DTLS_FAIL] = { "media_dtls_failed_total", "DTLS handshakes failed" },
	[MM_SRTP_AUTH] = { "media_srtp_auth_fail_total", "SRTP/SRTCP failing authentication" },
	[MM_SRTP_REPLAY] = { "media_srtp_replay_total", "SRTP/SRTCP replays" },
	[MM_SRTP_OTHER] = { "media_srtp_bad_total", "SRTP/SRTCP otherwise unusable" },
	[MM_TIMEOUTS] = { "media_timeouts_total", "sessions without packets past RTCGATE_MEDIA_TIMEOUT" },
	[MM_BUS_BAD] = { "bus_bad_messages_total", "bus messages that failed validation" },
	[MM_SDP_BAD] = { "media_sdp_refused_total", "offers or answers refused" },
	[MM_PORTS_FREE] = { "media_ports_free", "free port pairs" },
	[MM_DTMF] = { "media_dtmf_total", "DTMF events seen" },
	[MM_DROP_HOLD] = { "media_drop_hold_total", "packets not sent toward a leg on hold" },
	[MM_DTMF_SENT] = { "media_dtmf_sent_total", "DTMF digits sent (media_dtmf)" },
	[MM_UPDATES] = { "media_updates_total", "re-offers handled (media_update)" },
	[MM_DRAINING] = { "media_draining", "1 while draining (no new sessions)" },
	[MM_RTCP_IN] = { "media_rtcp_in_total", "RTCP compounds received (after SRTCP)" },
	[MM_RTCP_OUT] = { "media_rtcp_out_total", "RTCP compounds sent (relayed or ours)" },
	[MM_RTCP_DROP] = { "media_rtcp_dropped_total", "RTCP compounds malformed or with nowhere to go" },
	[MM_ICE_FAILED] = { "media_ice_failed_total", "full ICE: sessions whose checks or consent failed" },
	[MM_CAND_IN] = { "media_candidates_total", "trickled candidates accepted (media_candidate)" },
	[MM_CAND_REFUSED] = { "media_candidates_refused_total", "trickled candidates refused: malformed or over the limit" },
	[MM_VIDEO_PKT_IN] = { "media_video_packets_in_total", "video RTP packets received (either leg)" },
	[MM_VIDEO_PKT_OUT] = { "media_video_packets_out_total", "video RTP packets relayed out (either leg)" },
	[MM_VIDEO_BYTES_IN] = { "media_video_bytes_in_total", "video RTP payload bytes received" },
	[MM_VIDEO_BYTES_OUT] = { "media_video_bytes_out_total", "video RTP payload bytes relayed out" },
	[MM_DROP_DEMUX] = { "media_drop_demux_total", "RTP with a payload type or SSRC not negotiated for its stream or port" },
	[MM_SRTP_PROTECT_FAIL] = { "media_srtp_protect_failed_total", "SRTP/SRTCP packets we could not protect (not sent)" },
	[MM_RTCP_BYE] = { "media_rtcp_bye_total", "RTCP BYE sent at session end (one per leg)" },
};

static struct mediad md;
static GMainLoop *mediad_loop;

/* RTCGATE_MEDIA_IP's default: the first non-loopback IPv4 address. */
static char *mediad_default_ip(void)
{
	struct ifaddrs *ifs, *i;
	char buf[INET_ADDRSTRLEN] = "127.0.0.1";

	if (getifaddrs(&ifs) == 0) {
		for (i = ifs; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
			if ((ntohl(a->sin_addr.s_addr) >> 24) == 127)
				continue;
			inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
			break;
		}
		freeifaddrs(ifs);
	}
	return strdup(buf);
}

static int mediad_setup(void)
{
	int e;
	long n = md.cfg.workers ? md.cfg.workers : sysconf(_SC_NPROCESSORS_ONLN);

	if (!md.cfg.media_ip)
		md.cfg.media_ip = mediad_default_ip();
	if (!md.cfg.bind_ip)
		md.cfg.bind_ip = strdup(md.cfg.media_ip);
	if ((e = srtpx_global_init()) || (e = dtls_ctx_new(&md.dtls))) {
		LOG_ERROR("main", "DTLS/SRTP setup failed (%d)", e);
		return e;
	}
	snprintf(md.fingerprint, sizeof(md.fingerprint), "%s %s", DTLS_FP_ALG,
		 dtls_ctx_fingerprint(md.dtls));
	if ((e = mport_pool_new(&md.ports, (int)md.cfg.ports.lo,
				(int)md.cfg.ports.hi)))
		return e;
	md.nworkers = (size_t)(n > 0 ? n : 1);
	md.workers = calloc(md.nworkers, sizeof(*md.workers));
	if (!md.workers)
		return ENOMEM;
	for (size_t i = 0; i < md.nworkers; i++)
		if ((e = mworker_start(&md, (int)i, &md.workers[i])))
			return e;
	LOG_INFO("main", "%zu workers, media address %s, ports %ld-%ld, ICE %s",
		 md.nworkers, md.cfg.media_ip, md.cfg.ports.lo, md.cfg.ports.hi,
		 md.cfg.ice_mode == MICE_FULL ? "full" : "lite");
	return 0;
}

static void mediad_teardown(void)
{
	for (size_t i = 0; md.workers && i < md.nworkers; i++)
		mworker_stop(md.workers[i]);
	free(md.workers);
	mport_pool_free(md.ports);
	dtls_ctx_free(md.dtls);
}

static gboolean mediad_on_term(gpointer arg)
{
	mdrain_on_term();
	return G_SOURCE_CONTINUE;
}

static gboolean mediad_on_int(gpointer arg)
{
	LOG_INFO("main", "SIGINT: exiting now");
	mdrain_quit();
	return G_SOURCE_CONTINUE;
}

int main(void)
{
	int rc = EXIT_FAILURE;

	if (svc_configure(&md.svc, "mediad", mcfg_rows, mcfg_nrows, &md.cfg) ||
	    icefull_global_init(&md))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	mediad_loop = g_main_loop_new(NULL, FALSE);
	mdrain_init(&md, mediad_loop);
	g_unix_signal_add(SIGTERM, mediad_on_term, NULL);
	g_unix_signal_add(SIGINT, mediad_on_int, NULL);
	if (mediad_setup() ||
	    svc_start(&md.svc, mediad_metrics, MM__COUNT) || mbus_start(&md))
		goto out;
	metrics_set(&md.svc.metrics, MM_UP, 1);
	g_timeout_add((guint)md.cfg.heartbeat_ms, mbus_heartbeat, &md);
	LOG_INFO("main", "ready: node %s, %s", md.svc.id, md.fingerprint);
	g_main_loop_run(mediad_loop);
	atomic_store(&md.draining, 1);
	rc = EXIT_SUCCESS;
out:
	svc_stop(&md.svc, mcfg_rows, mcfg_nrows, &md.cfg);
	mediad_teardown();
	g_main_loop_unref(mediad_loop);
	nats_CloseAndWait(2000);
	return rc;
}
