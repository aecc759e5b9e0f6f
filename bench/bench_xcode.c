/* bench_xcode: CPU cost of mediad's Opus <-> G.711 transcoding per 20 ms
 * frame (160 samples at 8 kHz), one direction at a time, on one core.
 *
 *   cc -O2 -Icommon -Iservices/mediad bench/bench_xcode.c \
 *      services/mediad/xcode.c services/mediad/g711.c \
 *      -o build/bench_xcode $(pkg-config --libs opus) -lm && build/bench_xcode
 *
 * Each figure is the median of RUNS runs of FRAMES frames (min and max
 * alongside), in microseconds of this thread's CPU time per frame: CPU
 * time rather than wall time, so that other processes on a shared
 * machine inflate the figures less (they still share caches and cores).  The input is a synthetic voiced
 * signal (a 140 Hz pulse-like harmonic series under a 4 Hz syllable
 * envelope, plus a little noise): a pure tone would flatter the codecs.
 *
 * - Opus -> PCMU decodes packets as a browser sends them (48 kHz encoder,
 *   VoIP, 32 kb/s, in-band FEC) and as our own 8 kHz encoder sends them;
 *   the packets' encoder complexity is shown, the decoder has none.
 * - PCMU -> Opus encodes at 8 kHz with xcode.c's settings (32 kb/s, FEC
 *   at the 10% expected loss it starts with, before the browser's first
 *   report), every complexity 0-10 (1 is the default).  What each
 *   setting costs on its own is bench_opuscfg.c's job.
 */
#include "g711.h"
#include "xcode.h"
#include "lib/benchc.h"

#include <math.h>
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	RUNS = 9,
	FRAMES = 2000,		/* frames per run: 40 s of audio */
	NPKT = 50,		/* distinct input frames: 1 s of signal */
	F8 = 160,
	F48 = 960,
};

static int16_t pcm8[NPKT * F8], pcm48[NPKT * F48];
static uint8_t ulaw[NPKT * F8];
static uint8_t pkt[NPKT][XCODE_OPUS_PKT_MAX];
static int pkt_len[NPKT];
static struct xcode *bx;	/* the transcoder under test */
static volatile unsigned sink;	/* keeps results observable */

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, err < 0 ? xcode_strerror(err) :
		opus_strerror(err));
	exit(1);
}

static struct xcode *make_x(int complexity)
{
	struct xcode_cfg c;
	struct xcode *x;
	int err;

	xcode_cfg_default(&c);
	c.complexity = complexity;
	err = xcode_new(&x, &c);
	if (err)
		die("xcode_new", err);
	return x;
}

/* pkt[] as a browser sends them: 48 kHz, VoIP, 32 kb/s, FEC. */
static void browser_packets(int complexity)
{
	int e;
	OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP,
					       &e);

	if (!enc)
		die("opus_encoder_create", e);
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
	opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(10));
	for (int i = 0; i < NPKT; i++) {
		pkt_len[i] = opus_encode(enc, pcm48 + i * F48, F48, pkt[i],
					 XCODE_OPUS_PKT_MAX);
		if (pkt_len[i] < 0)
			die("opus_encode", pkt_len[i]);
	}
	opus_encoder_destroy(enc);
}

/* pkt[] from our own encoder at the given complexity. */
static void our_packets(int complexity)
{
	struct xcode *x = make_x(complexity);

	for (int i = 0; i < NPKT; i++) {
		pkt_len[i] = xcode_g711_to_opus(x, ulaw + i * F8, F8,
						XCODE_ULAW, pkt[i],
						XCODE_OPUS_PKT_MAX);
		if (pkt_len[i] <= 0)
			die("xcode_g711_to_opus", pkt_len[i]);
	}
	xcode_free(x);
}

static double run_decode(void)
{
	uint8_t out[XCODE_PKT_SAMPLES_MAX];
	uint64_t t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < FRAMES; i++) {
		int k = i % NPKT;
		int n = xcode_opus_to_g711(bx, pkt[k], (size_t)pkt_len[k],
					   XCODE_ULAW, out, sizeof(out));

		if (n != F8)
			die("xcode_opus_to_g711", n);
		sink += out[0];
	}
	return (double)(bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1000.0 / FRAMES;
}

static double run_encode(void)
{
	uint8_t out[XCODE_OPUS_PKT_MAX];
	uint64_t t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < FRAMES; i++) {
		int n = xcode_g711_to_opus(bx, ulaw + (i % NPKT) * F8, F8,
					   XCODE_ULAW, out, sizeof(out));

		if (n <= 0)
			die("xcode_g711_to_opus", n);
		sink += out[0];
	}
	return (double)(bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1000.0 / FRAMES;
}

static void report(const char *name, double (*fn)(void))
{
	double r[RUNS];

	fn();	/* warm caches, and let the codec settle */
	for (int i = 0; i < RUNS; i++)
		r[i] = fn();
	qsort(r, RUNS, sizeof(r[0]), bench_cmp_double);
	printf("%-44s %7.1f us   (min %.1f, max %.1f)\n", name,
	       r[RUNS / 2], r[0], r[RUNS - 1]);
}

int main(void)
{
	static const int cx[] = { 5, 10 };
	char name[64];

	bench_voiced(pcm8, NPKT * F8, 8000);
	bench_voiced(pcm48, NPKT * F48, 48000);
	g711_ulaw_encode(pcm8, NPKT * F8, ulaw);
	printf("per 20 ms frame, median of %d runs of %d frames\n", RUNS,
	       FRAMES);
	for (int i = 0; i < 2; i++) {
		bx = make_x(5);
		browser_packets(cx[i]);
		snprintf(name, sizeof(name),
			 "Opus->PCMU, browser 48 kHz packets (c%d)", cx[i]);
		report(name, run_decode);
		our_packets(cx[i]);
		snprintf(name, sizeof(name),
			 "Opus->PCMU, our 8 kHz packets (c%d)", cx[i]);
		report(name, run_decode);
		bx = xcode_free(bx);
	}
	/* Every complexity for the encoder: RTCGATE_OPUS_COMPLEXITY trades
	 * its CPU, the bulk of a transcoded call's, for quality. */
	for (int c = 0; c <= 10; c++) {
		bx = make_x(c);
		snprintf(name, sizeof(name), "PCMU->Opus, complexity %d", c);
		report(name, run_encode);
		bx = xcode_free(bx);
	}
	return sink == 0xFFFFFFFFu;
}
