/* rtcgate-echo: the demo echo endpoint for `make run`.  Answers every SIP
 * call, plays 440 Hz beeps and sends the caller's audio back; see echo.h.
 * It joins the bus like the services (health on rtcgate.health.echo) when
 * NATS is reachable, and works without it. */
#include "echo.h"
#include "log.h"

#include <errno.h>
#include <nats/nats.h>
#include <stdlib.h>

static const struct metric_def echo_metrics[EM__COUNT] = {
	[EM_UP] = { "up", "1 while the echo runs" },
	[EM_CALLS] = { "calls_active", "calls now" },
	[EM_ANSWERED] = { "calls_answered_total", "calls answered with 200" },
	[EM_REJECTED] = { "calls_rejected_total", "INVITEs refused" },
	[EM_TIMED_OUT] = { "calls_timed_out_total", "calls ended: no RTP" },
	[EM_RTP_IN] = { "rtp_packets_in_total", "RTP packets from callers" },
	[EM_RTP_OUT] = { "rtp_packets_out_total", "RTP packets sent" },
	[EM_RTP_DROPPED] = { "rtp_packets_dropped_total", "packets dropped: "
			     "malformed, oversized, other source or type" },
};

/* The bus is for health only: a demo endpoint is still useful without it
 * (svc_start waits RTCGATE_BUS_DEADLINE for it, then we go on). */
static int echo_join_bus(void)
{
	int err = svc_start(&echo.svc, echo_metrics, EM__COUNT);

	if (!echo.svc.metrics.val)
		return err ? err : ENOMEM;
	if (err)
		LOG_WARN("main", "running without the bus: no health replies");
	return 0;
}

int main(void)
{
	int rc = EXIT_FAILURE;

	if (svc_configure(&echo.svc, "echo", echo_cfg_rows, echo_cfg_nrows,
			  &echo.cfg))
		return 2;
	if (echo_cfg_check())
		return 2;
	if (svc_loop_init(&echo.loop, 16) || echo_join_bus() ||
	    echo_sip_start())
		goto out;
	metrics_set(&echo.svc.metrics, EM_UP, 1);
	LOG_INFO("main", "ready");
	svc_loop_run(&echo.loop);
	rc = EXIT_SUCCESS;
out:
	echo_sip_stop();
	svc_stop(&echo.svc, echo_cfg_rows, echo_cfg_nrows, &echo.cfg);
	svc_loop_fini(&echo.loop, NULL);
	nats_CloseAndWait(2000);
	return rc;
}
