/* rtcgate-peer: WebRTC test peer and load generator for mediad (see
 * peer.h and README.md).  The main thread runs the plan: set sessions up
 * on the bus at --rate and hand them to the workers, wait until all carry
 * audio (or failed), measure a window, stop the audio, let what is in
 * flight arrive, take the sessions back, delete them on the bus, report. */
#include "peer.h"
#include "bus.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum {
	DRAIN_QUIET_US = 300000,	/* nothing received for this long */
	DRAIN_MAX_US = 5000000,
};

static void peer_sleep_until(uint64_t t_us)
{
	uint64_t now = pmedia_mono_us();

	if (t_us > now)
		usleep((useconds_t)(t_us - now));
}

/* Three descriptors per session here (two sockets, plus a socketpair end
 * with NiceAgent) and three in mediad: lift the soft limit. */
static void peer_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int peer_setup_all(const struct peer_opts *o, struct bus *b,
			  struct pworker **ws, struct psess **ss)
{
	uint64_t t0 = pmedia_mono_us();
	char why[PEER_WHY_LEN];
	int e;

	for (long i = 0; i < o->sessions; i++) {
		peer_sleep_until(t0 + (uint64_t)(i * 1000000 / o->rate));
		if ((e = psess_new(&ss[i], (int)i, o))) {
			LOG_ERROR("main", "session %ld: %s", i, strerror(e));
			return e;
		}
		why[0] = '\0';
		if (pctl_setup(b, ss[i], why, sizeof(why)))
			psess_fail(ss[i], why);
		else if (pworker_add(ws[i % o->threads], ss[i]))
			psess_fail(ss[i], "worker queue full");
	}
	LOG_INFO("main", "%ld sessions set up on the bus in %.1f s",
		 o->sessions, (double)(pmedia_mono_us() - t0) / 1e6);
	return 0;
}

static void peer_wait_up(const struct peer_opts *o)
{
	uint64_t t0 = pmedia_mono_us();
	uint64_t end = t0 + (uint64_t)o->setup_timeout_ms * 1000 + 500000;

	while (atomic_load(&pworker_media) + atomic_load(&pworker_failed) <
	       o->sessions && pmedia_mono_us() < end)
		usleep(10000);
	LOG_INFO("main", "sessions up: %ld with audio, %ld failed",
		 atomic_load(&pworker_media), atomic_load(&pworker_failed));
}

/* The measured window: latency samples and CPU time are taken here. */
static void peer_window(const struct peer_opts *o, struct bus *b,
			struct psess **ss, struct preport_cpu *cpu)
{
	double m0 = 0, m1 = 0, p0, t0, t1;

	if (o->window_signal) {
		sigset_t set;
		int sig;
		LOG_INFO("main", "waiting for SIGUSR1 to start the window");
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigwait(&set, &sig);
	} else {
		usleep((useconds_t)o->warmup_ms * 1000);
	}
	cpu->have_mediad = o->cpu_pid && !preport_cpu_read(o->cpu_pid, &m0);
	p0 = preport_self_cpu();
	t0 = (double)pmedia_mono_us();
	atomic_store(&pworker_measuring, 1);
	LOG_INFO("main", "window start: %ld ms", o->duration_ms);
	if (o->script)
		pscript_run(o, b, ss[0]);
	else
		usleep((useconds_t)o->duration_ms * 1000);
	atomic_store(&pworker_measuring, 0);
	t1 = (double)pmedia_mono_us();
	cpu->peer_s = preport_self_cpu() - p0;
	if (cpu->have_mediad && !preport_cpu_read(o->cpu_pid, &m1))
		cpu->mediad_s = m1 - m0;
	else
		cpu->have_mediad = false;
	cpu->window_s = (t1 - t0) / 1e6;
	LOG_INFO("main", "window end");
}

/* Audio has stopped: wait until what is in flight has arrived (nothing
 * for DRAIN_QUIET_US), so that a stalled machine does not read as loss. */
static void peer_drain(void)
{
	uint64_t t0 = pmedia_mono_us(), now;

	do {
		usleep(20000);
		now = pmedia_mono_us();
	} while (now - atomic_load(&pworker_last_rx_us) < DRAIN_QUIET_US &&
		 now - t0 < DRAIN_MAX_US);
}

/* Stop audio, drain, take sessions back, delete them, report. */
static int peer_finish(const struct peer_opts *o, struct bus *b,
		       struct pworker **ws, struct psess **ss,
		       const struct preport_cpu *cpu)
{
	struct phist *lat = calloc(4, sizeof(*lat));	/* [3]: scratch */
	struct preport_peer pp = { 0 };
	int rc;

	if (!lat)
		return 1;
	for (long i = 0; i < o->threads; i++)
		pworker_quiet(ws[i]);
	peer_drain();
	for (long i = 0; i < o->threads; i++)
		pworker_join(ws[i], lat, &pp.overruns);
	for (long i = 0; i < o->sessions; i++)
		pp.backlog += psess_flush(ss[i], &lat[3]);
	for (long i = 0; i < o->sessions; i++)
		pctl_delete(b, ss[i]);
	if (o->rtcp)	/* mediad's BYEs, sent as it deleted each */
		prtcp_bye_wait(ss, (size_t)o->sessions, &lat[3]);
	pnice_global_stop();
	rc = preport_print(o, ss, (size_t)o->sessions, lat, cpu, &pp);
	free(lat);
	return rc;
}

static int peer_run(const struct peer_opts *o, struct bus *b)
{
	struct pworker **ws = calloc((size_t)o->threads, sizeof(*ws));
	struct psess **ss = calloc((size_t)o->sessions, sizeof(*ss));
	struct preport_cpu cpu = { 0 };
	int rc = 1;

	for (long i = 0; ws && i < o->threads; i++)
		if (pworker_start(&ws[i], (int)i))
			goto out;
	if (!ss || peer_setup_all(o, b, ws, ss))
		goto out;
	peer_wait_up(o);
	peer_window(o, b, ss, &cpu);
	rc = peer_finish(o, b, ws, ss, &cpu);
out:
	for (long i = 0; ws && i < o->threads; i++)
		pworker_free(ws[i]);
	pnice_global_stop();
	for (long i = 0; ss && i < o->sessions; i++)
		psess_free(ss[i]);
	free(ws);
	free(ss);
	return rc;
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct bus *b = NULL;
	int rc = pcli_parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);
	/* Blocked before any thread exists, so that every thread inherits
	 * the mask and sigwait() in the main thread receives it. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	peer_nofile();
	if (srtpx_global_init() || psdp_global_init() || pmedia_init(&o) ||
	    (o.ice == PEER_ICE_NICE && pnice_global_start())) {
		LOG_ERROR("main", "DTLS, SRTP or Opus setup failed");
		return 1;
	}
	if (pctl_connect(&b, o.nats_url))
		return 1;
	LOG_INFO("main", "%ld sessions against mediad %s (%s offers, ICE by %s,"
		 " web %s, sip %s%s)", o.sessions, o.node, o.sip_offers ?
		 "SIP" : "browser", o.ice == PEER_ICE_NICE ? "NiceAgent" :
		 "STUN usage API", pcli_codec_name(o.web_codec),
		 pcli_codec_name(o.sip_codec), o.echo ? ", echo" : "");
	rc = peer_run(&o, b);
	/* The drain in bus_close reads as a disconnect to bus.c's callback,
	 * which would log a misleading warning. */
	log_init("peer", LOG_LVL_ERROR, LOG_FMT_TEXT);
	bus_close(b, 1000);
	psdp_global_fini();
	return rc;
}
