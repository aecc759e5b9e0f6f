/* bench_sdp: CPU cost of parsing a browser offer with mediad's SDP module.
 *
 *   cc -O2 -Icommon -Iservices/mediad bench/bench_sdp.c \
 *      services/mediad/sdp.c -o build/bench_sdp -lpthread && build/bench_sdp
 *
 * The offer is Chrome's audio-only offer (the shape in
 * /work/shared/TESTING-NOTES.md: Opus, RED, G722, PCMU, PCMA, CN, two
 * telephone-events, rtcp-mux, trickle, actpass, sha-256).  Three ways:
 *   new+parse+free          what mneg did per request before the pool
 *   parse, one session      the parser alone on a reused session
 *   acquire+parse+release   what mneg does now (per-thread session)
 * Build with -DBENCH_SDP_NO_POOL against an sdp.c without
 * sdp_session_acquire to time an older parser.  Each figure is the median
 * of RUNS runs, in microseconds per offer.
 */
#include "sdp.h"
#include "lib/benchc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	RUNS = 9,
	ITERS = 2000,		/* offers per run */
};

#define L(x) x "\r\n"

static const char offer[] =
	L("v=0")
	L("o=- 4611731400430051336 2 IN IP4 127.0.0.1")
	L("s=-")
	L("t=0 0")
	L("a=group:BUNDLE 0")
	L("a=extmap-allow-mixed")
	L("a=msid-semantic: WMS 5c8a2b1e-3f4d-4b6a-9c7e-1d2f3a4b5c6d")
	L("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126")
	L("c=IN IP4 0.0.0.0")
	L("a=rtcp:9 IN IP4 0.0.0.0")
	L("a=candidate:2999745851 1 udp 2122260223 127.0.0.1 51472 typ host"
	  " generation 0 network-id 1")
	L("a=ice-ufrag:Wq9h")
	L("a=ice-pwd:7IFkxN8b0gQv7Ez4ChQb0Xk3")
	L("a=ice-options:trickle")
	L("a=fingerprint:sha-256 3F:9A:21:5C:7E:88:0B:D4:61:2F:AE:93:17:C0:"
	  "4B:E5:72:D9:08:3A:B6:1F:C4:5E:90:27:8D:E3:4A:16:BF:62")
	L("a=setup:actpass")
	L("a=mid:0")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
	  "abs-send-time")
	L("a=extmap:3 http://www.ietf.org/id/"
	  "draft-holmer-rmcat-transport-wide-cc-extensions-01")
	L("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid")
	L("a=sendrecv")
	L("a=msid:5c8a2b1e-3f4d-4b6a-9c7e-1d2f3a4b5c6d "
	  "9b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b")
	L("a=rtcp-mux")
	L("a=rtcp-rsize")
	L("a=rtpmap:111 opus/48000/2")
	L("a=rtcp-fb:111 transport-cc")
	L("a=fmtp:111 minptime=10;useinbandfec=1")
	L("a=rtpmap:63 red/48000/2")
	L("a=fmtp:63 111/111")
	L("a=rtpmap:9 G722/8000")
	L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:13 CN/8000")
	L("a=rtpmap:110 telephone-event/48000")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6");

static volatile size_t sink;	/* keeps results observable */
static struct sdp_session *reused;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(int err, const struct sdp_session *s)
{
	if (err || s->nmedia != 1 || s->media[0].ncodecs != 8) {
		fprintf(stderr, "bench_sdp: parse failed: %s\n",
			sdp_strerror(err));
		exit(1);
	}
	sink += s->media[0].ncodecs;
}

static void one_new(void)
{
	struct sdp_session *s = NULL;

	if (sdp_session_new(&s)) {
		fprintf(stderr, "bench_sdp: out of memory\n");
		exit(1);
	}
	check(sdp_session_parse(s, offer, sizeof(offer) - 1, NULL), s);
	sdp_session_free(s);
}

static void one_reused(void)
{
	check(sdp_session_parse(reused, offer, sizeof(offer) - 1, NULL),
	      reused);
}

#ifndef BENCH_SDP_NO_POOL
static void one_pool(void)
{
	struct sdp_session *s = NULL;

	if (sdp_session_acquire(&s)) {
		fprintf(stderr, "bench_sdp: out of memory\n");
		exit(1);
	}
	check(sdp_session_parse(s, offer, sizeof(offer) - 1, NULL), s);
	sdp_session_release(s);
}
#endif

static void report(const char *name, void (*fn)(void))
{
	double r[RUNS];

	for (int i = 0; i < ITERS / 10; i++)	/* warm up */
		fn();
	for (int k = 0; k < RUNS; k++) {
		double t0 = now_us();

		for (int i = 0; i < ITERS; i++)
			fn();
		r[k] = (now_us() - t0) / ITERS;
	}
	qsort(r, RUNS, sizeof(r[0]), bench_cmp_double);
	printf("%-44s %8.2f us   (min %.2f, max %.2f)\n", name, r[RUNS / 2],
	       r[0], r[RUNS - 1]);
}

int main(void)
{
	printf("sdp_session is %zu bytes; Chrome audio offer %zu bytes\n",
	       sizeof(struct sdp_session), sizeof(offer) - 1);
	if (sdp_session_new(&reused))
		return 1;
	report("new+parse+free (mneg before)", one_new);
	report("parse, one reused session", one_reused);
#ifndef BENCH_SDP_NO_POOL
	report("acquire+parse+release (mneg now)", one_pool);
#endif
	sdp_session_free(reused);
	return 0;
}
