/* pcli: rtcgate-peer's command line, as a table of options. */
#include "peer.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const codec_names[PEER_CODEC_COUNT] = {
	[PEER_PCMU] = "PCMU", [PEER_PCMA] = "PCMA", [PEER_OPUS] = "opus",
};

const char *pcli_codec_name(enum peer_codec c)
{
	return codec_names[c];
}

static const char usage[] =
"usage: rtcgate-peer [options]\n"
"  --nats URL          NATS server (default $NATS_URL or nats://127.0.0.1:4222)\n"
"  --node ID           mediad instance id, or \"any\" (default)\n"
"  --ip ADDR           our address for both legs (default 127.0.0.1)\n"
"  -n, --sessions N    concurrent sessions (default 1)\n"
"  --threads N         epoll worker threads (default 1)\n"
"  --rate N            sessions set up per second (default 200)\n"
"  --warmup MS         after all sessions are up, before measuring (1000)\n"
"  --duration MS       measured window (default 5000)\n"
"  --setup-timeout MS  per session, ICE + DTLS (default 10000)\n"
"  --cpu-pid PID       report this process's CPU over the window (mediad)\n"
"  --sip-offers        the SIP side offers (default: the browser offers)\n"
"  --answer-passive    with --sip-offers: answer setup:passive (we are the\n"
"                      DTLS server); default active\n"
"  --echo              the SIP side echoes what it gets (default: a tone)\n"
"  --ice stun|nice     STUN usage API on a UDP socket (default), or a\n"
"                      NiceAgent (full controlling ICE; a few sessions)\n"
"  --codec C           PCMU, PCMA or opus on both legs (default PCMU)\n"
"  --web-codec C, --sip-codec C   per leg (different: mediad transcodes)\n"
"  --web-hz HZ, --sip-hz HZ       tones, multiples of 50 (1000, 400)\n"
"  --per-session       per-session figures in the report\n"
"  --rtcp              the SIP side sends RTCP SRs to mediad's RTP port + 1\n"
"                      from a socket of its own; both ends check mediad's RTCP\n"
"  --rtcp-web          --rtcp, and the browser sends SRTCP SRs too\n"
"  --rtcp-attr         --rtcp, but the phone sends none: its SDP names its\n"
"                      RTCP socket (a=rtcp:PORT IN IP4 ADDR, RFC 3605)\n"
"  --script S          one session, its window in three phases around a\n"
"                      mid-call step (pscript.c): hold (browser sendonly,\n"
"                      then sendrecv), restart (browser ICE restart) or\n"
"                      dtmf (an event each way, then media_dtmf on both legs)\n"
"                      or rekey (with --sdes: the phone re-offers a new key)\n"
"  --hist              latency histograms in the report ([us, count] pairs),\n"
"                      to merge the reports of several peer processes\n"
"  --window-signal     start the window on SIGUSR1 instead of after\n"
"                      --warmup: several peer processes measure together\n"
"  --sdes SUITE        the SIP side speaks SDES-SRTP with this suite\n"
"                      (AES_CM_128_HMAC_SHA1_80, ..._32, AEAD_AES_128_GCM,\n"
"                      AEAD_AES_256_GCM): its offer is RTP/SAVP with one\n"
"                      a=crypto line; it answers the line of mediad's offer\n"
"                      with that suite\n"
"  --sdes-avp          its offer says RTP/AVP (best-effort SRTP)\n"
"  --sip-srtp P        media_create's sip_srtp: off, optional, mandatory\n"
"  --sdes-forge N      N SIP-side packets also sent with a broken tag, and\n"
"                      N replayed (mediad drops and counts them)\n"
"  --sip-seq-jump N, --web-seq-jump N   that end's sequence numbers leap\n"
"                      by N after 150 packets (3 s of audio)\n"
"  --sip-ptime MS      the phone asks for MS ms packets (a=ptime) and sends\n"
"                      G.711 packets of that size (10-120; default 20); the\n"
"                      report's framing object checks mediad's packet sizes\n"
"  --sip-maxptime MS   the phone's SDP also says a=maxptime:MS\n"
"  --max-loss PCT      exit status 3 when either direction lost more than\n"
"                      PCT percent of the packets sent (0 to 100; default:\n"
"                      no limit, the report's loss figures only)\n"
"  --log-level L       error, warn, info (default), debug\n"
"The report is one JSON object on stdout; exit status 0 when every\n"
"session carried audio both ways, 1 otherwise, 2 for bad usage, 3 when\n"
"they did but lost more than --max-loss.\n";

enum { O_NATS = 256, O_NODE, O_IP, O_THREADS, O_RATE, O_WARMUP, O_DURATION,
       O_SETUP_TO, O_CPU, O_SIPOFF, O_PASSIVE, O_ECHO, O_ICE, O_CODEC,
       O_WCODEC, O_SCODEC, O_WHZ, O_SHZ, O_PERSESS, O_HIST, O_WSIG,
       O_LOG, O_SCRIPT, O_RTCP, O_RTCP_WEB, O_RTCP_ATTR, O_SDES, O_SDES_AVP, O_SIP_SRTP,
       O_FORGE, O_SJUMP, O_WJUMP, O_PTIME, O_MAXPTIME, O_MAXLOSS };

static const struct option longopts[] = {
	{ "nats", 1, 0, O_NATS }, { "node", 1, 0, O_NODE }, { "ip", 1, 0, O_IP },
	{ "sessions", 1, 0, 'n' }, { "threads", 1, 0, O_THREADS },
	{ "rate", 1, 0, O_RATE }, { "warmup", 1, 0, O_WARMUP },
	{ "duration", 1, 0, O_DURATION }, { "setup-timeout", 1, 0, O_SETUP_TO },
	{ "cpu-pid", 1, 0, O_CPU }, { "sip-offers", 0, 0, O_SIPOFF },
	{ "answer-passive", 0, 0, O_PASSIVE }, { "echo", 0, 0, O_ECHO },
	{ "ice", 1, 0, O_ICE }, { "codec", 1, 0, O_CODEC },
	{ "web-codec", 1, 0, O_WCODEC }, { "sip-codec", 1, 0, O_SCODEC },
	{ "web-hz", 1, 0, O_WHZ }, { "sip-hz", 1, 0, O_SHZ },
	{ "per-session", 0, 0, O_PERSESS }, { "hist", 0, 0, O_HIST },
	{ "window-signal", 0, 0, O_WSIG }, { "rtcp", 0, 0, O_RTCP },
	{ "rtcp-web", 0, 0, O_RTCP_WEB }, { "sdes", 1, 0, O_SDES },
	{ "rtcp-attr", 0, 0, O_RTCP_ATTR },
	{ "sdes-avp", 0, 0, O_SDES_AVP }, { "sip-srtp", 1, 0, O_SIP_SRTP },
	{ "sdes-forge", 1, 0, O_FORGE }, { "sip-ptime", 1, 0, O_PTIME },
	{ "sip-maxptime", 1, 0, O_MAXPTIME }, { "sip-seq-jump", 1, 0, O_SJUMP },
	{ "web-seq-jump", 1, 0, O_WJUMP }, { "max-loss", 1, 0, O_MAXLOSS },
	{ "log-level", 1, 0, O_LOG }, { "script", 1, 0, O_SCRIPT },
	{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
};

static int pcli_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* A percentage, 0 to 100 (fractions allowed), as a share 0..1. */
static int pcli_pct(const char *s, double *share)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !(v >= 0 && v <= 100))
		return -1;
	*share = v / 100;
	return 0;
}

static int pcli_codec(const char *s, enum peer_codec *c)
{
	for (int i = 0; i < PEER_CODEC_COUNT; i++)
		if (!strcasecmp(s, codec_names[i])) {
			*c = (enum peer_codec)i;
			return 0;
		}
	return -1;
}

static int pcli_hz(const char *s, int *hz)
{
	long v;

	if (pcli_long(s, 50, 3950, &v) || v % 50)
		return -1;
	*hz = (int)v;
	return 0;
}

static void pcli_defaults(struct peer_opts *o)
{
	const char *url = getenv("NATS_URL");

	*o = (struct peer_opts){
		.nats_url = url && *url ? url : "nats://127.0.0.1:4222",
		.node = "any", .ip = "127.0.0.1", .sessions = 1, .threads = 1,
		.rate = 200, .warmup_ms = 1000, .duration_ms = 5000,
		.setup_timeout_ms = 10000, .ice = PEER_ICE_STUN,
		.web_codec = PEER_PCMU, .sip_codec = PEER_PCMU,
		.web_hz = 1000, .sip_hz = 400, .max_loss = -1,
	};
}

/* One option; -1 for a bad value. */
static int pcli_one(int c, const char *a, struct peer_opts *o)
{
	enum log_level lvl;

	switch (c) {
	case O_NATS: o->nats_url = a; return 0;
	case O_NODE: o->node = a; return 0;
	case O_IP: o->ip = a; return 0;
	case 'n': return pcli_long(a, 1, 20000, &o->sessions);
	case O_THREADS: return pcli_long(a, 1, 8, &o->threads);
	case O_RATE: return pcli_long(a, 1, 100000, &o->rate);
	case O_WARMUP: return pcli_long(a, 0, 3600000, &o->warmup_ms);
	case O_DURATION: return pcli_long(a, 0, 3600000, &o->duration_ms);
	case O_SETUP_TO: return pcli_long(a, 100, 600000, &o->setup_timeout_ms);
	case O_CPU: return pcli_long(a, 1, 1L << 30, &o->cpu_pid);
	case O_SIPOFF: o->sip_offers = true; return 0;
	case O_PASSIVE: o->answer_passive = true; return 0;
	case O_ECHO: o->echo = true; return 0;
	case O_PERSESS: o->per_session = true; return 0;
	case O_HIST: o->hist = true; return 0;
	case O_WSIG: o->window_signal = true; return 0;
	case O_RTCP: o->rtcp = true; return 0;
	case O_RTCP_WEB: o->rtcp = o->rtcp_web = true; return 0;
	case O_RTCP_ATTR: o->rtcp = o->rtcp_attr = true; return 0;
	case O_SDES: {
		enum srtpx_profile pr;
		o->sdes = a;
		return srtpx_sdes_suite(a, &pr) ? -1 : 0;
	}
	case O_SDES_AVP: o->sdes_avp = true; return 0;
	case O_SIP_SRTP:
		o->sip_srtp = a;
		return strcmp(a, "off") && strcmp(a, "optional") &&
		       strcmp(a, "mandatory") ? -1 : 0;
	case O_FORGE: return pcli_long(a, 0, 1000000, &o->sdes_forge);
	case O_SJUMP: return pcli_long(a, 0, 65535, &o->sip_seq_jump);
	case O_WJUMP: return pcli_long(a, 0, 65535, &o->web_seq_jump);
	case O_PTIME: return pcli_long(a, 10, 120, &o->sip_ptime);
	case O_MAXPTIME: return pcli_long(a, 1, 1000, &o->sip_maxptime);
	case O_MAXLOSS: return pcli_pct(a, &o->max_loss);
	case O_SCRIPT:
		o->script = !strcmp(a, "hold") ? PSCRIPT_HOLD :
			    !strcmp(a, "restart") ? PSCRIPT_RESTART :
			    !strcmp(a, "dtmf") ? PSCRIPT_DTMF :
			    !strcmp(a, "rekey") ? PSCRIPT_REKEY : PSCRIPT_NONE;
		return o->script == PSCRIPT_NONE ? -1 : 0;
	case O_ICE:
		o->ice = !strcmp(a, "nice") ? PEER_ICE_NICE : PEER_ICE_STUN;
		return strcmp(a, "nice") && strcmp(a, "stun") ? -1 : 0;
	case O_CODEC:
		return pcli_codec(a, &o->web_codec) ? -1 :
		       pcli_codec(a, &o->sip_codec);
	case O_WCODEC: return pcli_codec(a, &o->web_codec);
	case O_SCODEC: return pcli_codec(a, &o->sip_codec);
	case O_WHZ: return pcli_hz(a, &o->web_hz);
	case O_SHZ: return pcli_hz(a, &o->sip_hz);
	case O_LOG:
		if (log_level_parse(a, &lvl))
			return -1;
		log_init("peer", lvl, LOG_FMT_TEXT);
		return 0;
	default: return -1;
	}
}

/* 0 to run, 1 after --help, 2 for bad usage. */
int pcli_parse(int argc, char **argv, struct peer_opts *o)
{
	int c;

	pcli_defaults(o);
	log_init("peer", LOG_LVL_INFO, LOG_FMT_TEXT);
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (pcli_one(c, optarg, o)) {
			fprintf(stderr, "rtcgate-peer: bad option or value "
				"near %s\n%s", argv[optind - 1], usage);
			return 2;
		}
	}
	if (o->script && (o->sessions != 1 || o->ice != PEER_ICE_STUN)) {
		fprintf(stderr, "rtcgate-peer: --script takes one session and "
			"--ice stun\n");
		return 2;
	}
	if (optind < argc || o->web_hz == o->sip_hz) {
		fprintf(stderr, "rtcgate-peer: %s\n%s", optind < argc ?
			"unexpected argument" : "the two tones must differ",
			usage);
		return 2;
	}
	return 0;
}
