/* bench_opuscfg: what each of xcode.c's Opus encoder settings costs, at
 * 8 kHz mono input (G.711 decoded), per 20 ms frame, on one core; and the
 * decoder's side: decoding to 8 kHz, FEC rebuilds and concealment.
 *
 *   bench/run.sh opuscfg
 *
 * Each line is one libopus encoder set up from a list of ctl calls (the
 * settings differ from a base line by what the name says), fed the same
 * synthetic voiced signal (a 140 Hz harmonic series under a 4 Hz syllable
 * envelope plus a little noise, through mu-law) for FRAMES frames, RUNS
 * times: the median of this thread's CPU time per frame, then the ratio
 * to the first line of its table (measured in the same invocation, so the
 * ratio holds when the machine is busy and the microseconds do not).
 * Beside the cost, what the setting buys: the mean packet size, the
 * bandwidth the encoder chose (OPUS_GET_BANDWIDTH), and the packets
 * decoded at 8 kHz against the input (delay found by cross-correlation):
 * the SNR (waveform match: fair for CELT, low for SILK whatever it
 * sounds like) and the log-spectral distance over 125-3375 Hz (blind to
 * phase, so fair to both; lower is closer).  Crude figures for a
 * perceptual codec, but they show when a setting throws information
 * away.  `bench_opuscfg one|cx|combo|dec` runs one table.
 */
#include "g711.h"
#include "lib/benchc.h"

#include <math.h>
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	RUNS = 7,
	FRAMES = 1500,		/* frames per run: 30 s of audio */
	NPKT = 150,		/* distinct input frames: 3 s of signal */
	F8 = 160,
	F48 = 960,
	PKT_MAX = 1276,
	MAX_CTL = 12,
	MAX_LAG = 400,		/* delay search for the SNR: 50 ms */
};

/* One encoder ctl: request and value (all the ones used take an int). */
struct ctl {
	int req, val;
};

struct setting {
	const char *name;
	int app;
	struct ctl ctl[MAX_CTL];	/* ends at req 0 */
};

static int16_t pcm8[NPKT * F8], pcm48[NPKT * F48], dec8[NPKT * F8];
static uint8_t ulaw[NPKT * F8];
static uint8_t pkt[NPKT][PKT_MAX];
static int pkt_len[NPKT];
static volatile unsigned sink;

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, opus_strerror(err));
	exit(1);
}

static OpusEncoder *make_enc(const struct setting *s)
{
	int e;
	OpusEncoder *enc = opus_encoder_create(8000, 1, s->app, &e);

	if (!enc)
		die("opus_encoder_create", e);
	for (const struct ctl *c = s->ctl; c->req; c++) {
		e = opus_encoder_ctl(enc, c->req, c->val);
		if (e != OPUS_OK) {
			fprintf(stderr, "%s: ctl %d(%d): %s\n", s->name,
				c->req, c->val, opus_strerror(e));
			exit(1);
		}
	}
	return enc;
}

/* The G.711-decoded input, as xcode_g711_to_opus() hands it on. */
static const int16_t *frame_in(int i)
{
	return pcm8 + (i % NPKT) * F8;
}

static double enc_run(OpusEncoder *enc)
{
	uint8_t out[PKT_MAX];
	uint64_t t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < FRAMES; i++) {
		int n = opus_encode(enc, frame_in(i), F8, out, PKT_MAX);

		if (n <= 0)
			die("opus_encode", n);
		sink += out[0];
	}
	return (double)(bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1000.0 / FRAMES;
}

static double median(double *r, int n)
{
	qsort(r, (size_t)n, sizeof(r[0]), bench_cmp_double);
	return r[n / 2];
}

/* The delay of x behind ref (up to MAX_LAG), by cross-correlation. */
static int find_lag(const int16_t *ref, const int16_t *x, size_t n)
{
	double best = -1e300;
	int lag = 0;

	for (int l = 0; l < MAX_LAG; l++) {
		double c = 0;

		for (size_t i = MAX_LAG; i + MAX_LAG < n; i++)
			c += (double)ref[i] * x[i + (size_t)l];
		if (c > best) {
			best = c;
			lag = l;
		}
	}
	return lag;
}

/* SNR of x against ref at delay lag: meaningful for a waveform coder
 * (CELT), low for SILK whatever it sounds like (noise shaping and a
 * parametric excitation do not keep the waveform). */
static double snr_db(const int16_t *ref, const int16_t *x, size_t n, int lag)
{
	double e = 0, d = 0;

	for (size_t i = MAX_LAG; i + MAX_LAG < n; i++) {
		double r = ref[i], v = x[i + (size_t)lag];

		e += r * r;
		d += (r - v) * (r - v);
	}
	return 10 * log10(e / (d > 0 ? d : 1));
}

enum { LSD_N = 256, LSD_LO = 4, LSD_HI = 108 };	/* 125-3375 Hz */

/* Log-spectral distance in dB (RMS over frames and bins of the voice
 * band) between ref and x at delay lag: blind to phase, so it compares
 * SILK and CELT alike; lower is closer. */
static double lsd_db(const int16_t *ref, const int16_t *x, size_t n, int lag)
{
	double sum = 0;
	long cnt = 0;

	for (size_t f = MAX_LAG; f + LSD_N + MAX_LAG < n; f += LSD_N) {
		for (int k = LSD_LO; k < LSD_HI; k++) {
			double ar = 0, ai = 0, br = 0, bi = 0, pa, pb;

			for (int i = 0; i < LSD_N; i++) {
				double w = 0.5 - 0.5 * cos(2 * M_PI * i /
							   LSD_N);
				double c = cos(2 * M_PI * k * i / LSD_N) * w;
				double s = sin(2 * M_PI * k * i / LSD_N) * w;
				double a = ref[f + (size_t)i];
				double b = x[f + (size_t)i + (size_t)lag];

				ar += a * c;
				ai += a * s;
				br += b * c;
				bi += b * s;
			}
			pa = ar * ar + ai * ai + 1e3;
			pb = br * br + bi * bi + 1e3;
			sum += pow(10 * log10(pa / pb), 2);
			cnt++;
		}
	}
	return sqrt(sum / (double)cnt);
}

/* Packets of one pass over the signal (after one pass of warm-up, so the
 * encoder has settled), their mean size, the bandwidth, the SNR. */
static void enc_quality(const struct setting *s, double *bytes, int *bw,
			double *snr, double *lsd)
{
	OpusEncoder *enc = make_enc(s);
	OpusDecoder *dec;
	uint8_t out[PKT_MAX];
	long total = 0;
	int e, lag;

	dec = opus_decoder_create(8000, 1, &e);
	if (!dec)
		die("opus_decoder_create", e);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < NPKT; i++) {
			int n = opus_encode(enc, frame_in(i), F8, out,
					    PKT_MAX);

			if (n <= 0)
				die("opus_encode", n);
			if (opus_decode(dec, out, n, dec8 + i * F8, F8, 0)
			    != F8)
				die("opus_decode", OPUS_INTERNAL_ERROR);
			if (pass)
				total += n;
		}
	opus_encoder_ctl(enc, OPUS_GET_BANDWIDTH(bw));
	*bytes = (double)total / NPKT;
	lag = find_lag(pcm8, dec8, NPKT * F8);
	*snr = snr_db(pcm8, dec8, NPKT * F8, lag);
	*lsd = lsd_db(pcm8, dec8, NPKT * F8, lag);
	opus_decoder_destroy(dec);
	opus_encoder_destroy(enc);
}

static const char *bw_name(int bw)
{
	switch (bw) {
	case OPUS_BANDWIDTH_NARROWBAND: return "NB";
	case OPUS_BANDWIDTH_MEDIUMBAND: return "MB";
	case OPUS_BANDWIDTH_WIDEBAND: return "WB";
	case OPUS_BANDWIDTH_SUPERWIDEBAND: return "SWB";
	case OPUS_BANDWIDTH_FULLBAND: return "FB";
	default: return "?";
	}
}

/* A table of settings, measured interleaved (run r of every setting
 * before run r + 1 of any), so that a burst of load elsewhere spreads
 * over all of them instead of landing on one. */
static void table(const char *title, const struct setting *s, int n)
{
	OpusEncoder *enc[32];
	double r[32][RUNS], med[32];

	if (n > 32)
		die("table too long", OPUS_BAD_ARG);
	printf("\n%s\n%-46s %8s %6s %6s %4s %7s %7s\n", title, "setting",
	       "us/frame", "ratio", "bytes", "bw", "SNR dB", "LSD dB");
	for (int i = 0; i < n; i++) {
		enc[i] = make_enc(&s[i]);
		enc_run(enc[i]);	/* warm-up */
	}
	for (int k = 0; k < RUNS; k++)
		for (int i = 0; i < n; i++)
			r[i][k] = enc_run(enc[i]);
	for (int i = 0; i < n; i++) {
		double bytes, snr, lsd;
		int bw = 0;

		med[i] = median(r[i], RUNS);
		enc_quality(&s[i], &bytes, &bw, &snr, &lsd);
		printf("%-46s %8.1f %6.2f %6.1f %4s %7.1f %7.2f\n",
		       s[i].name, med[i], med[i] / med[0], bytes, bw_name(bw),
		       snr, lsd);
		opus_encoder_destroy(enc[i]);
	}
}

#define V OPUS_APPLICATION_VOIP
#define A OPUS_APPLICATION_AUDIO
#define L OPUS_APPLICATION_RESTRICTED_LOWDELAY
#define CX(c) { OPUS_SET_COMPLEXITY_REQUEST, c }
#define BR(b) { OPUS_SET_BITRATE_REQUEST, b }
#define SIG { OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE }
#define FEC(f) { OPUS_SET_INBAND_FEC_REQUEST, f }
#define LOSS(p) { OPUS_SET_PACKET_LOSS_PERC_REQUEST, p }
#define DTX(d) { OPUS_SET_DTX_REQUEST, d }
#define MAXBW(b) { OPUS_SET_MAX_BANDWIDTH_REQUEST, b }
#define BW(b) { OPUS_SET_BANDWIDTH_REQUEST, b }
#define VBR(v) { OPUS_SET_VBR_REQUEST, v }
#define CVBR(v) { OPUS_SET_VBR_CONSTRAINT_REQUEST, v }
#define LSB(d) { OPUS_SET_LSB_DEPTH_REQUEST, d }
#define NOPRED { OPUS_SET_PREDICTION_DISABLED_REQUEST, 1 }
#define NB OPUS_BANDWIDTH_NARROWBAND
#define WB OPUS_BANDWIDTH_WIDEBAND
/* xcode.c's settings before this benchmark (complexity 5). */
#define OLD CX(5), BR(24000), SIG, FEC(1), LOSS(10), DTX(0)

/* One setting changed at a time from xcode.c's (old) configuration. */
static const struct setting one_at_a_time[] = {
	{ "old: VOIP c5 24k voice FEC loss10 DTX0", V, { OLD } },
	{ "FEC off", V, { OLD, FEC(0) } },
	{ "FEC on, loss 0 (FEC dormant)", V, { OLD, LOSS(0) } },
	{ "FEC on, loss 1", V, { OLD, LOSS(1) } },
	{ "FEC on, loss 5", V, { OLD, LOSS(5) } },
	{ "FEC on, loss 20", V, { OLD, LOSS(20) } },
	{ "application AUDIO", A, { OLD } },
	{ "application RESTRICTED_LOWDELAY (CELT)", L, { OLD } },
	{ "signal auto", V, { OLD, { OPUS_SET_SIGNAL_REQUEST,
				     OPUS_AUTO } } },
	{ "bitrate 12k", V, { OLD, BR(12000) } },
	{ "bitrate 16k", V, { OLD, BR(16000) } },
	{ "bitrate 32k", V, { OLD, BR(32000) } },
	{ "DTX on", V, { OLD, DTX(1) } },
	{ "MAX_BANDWIDTH NB", V, { OLD, MAXBW(NB) } },
	{ "BANDWIDTH NB", V, { OLD, BW(NB) } },
	{ "BANDWIDTH WB (forced)", V, { OLD, BW(WB) } },
	{ "CBR (VBR off)", V, { OLD, VBR(0) } },
	{ "constrained VBR", V, { OLD, CVBR(1) } },
	{ "LSB depth 16", V, { OLD, LSB(16) } },
	{ "LSB depth 14", V, { OLD, LSB(14) } },
	{ "prediction disabled", V, { OLD, NOPRED } },
};

/* Complexity, with FEC at 10% loss and with FEC dormant (loss 0). */
static const struct setting complexity[] = {
	{ "old: c5, FEC loss10", V, { OLD } },
	{ "c0, FEC loss10", V, { OLD, CX(0) } },
	{ "c1, FEC loss10", V, { OLD, CX(1) } },
	{ "c2, FEC loss10", V, { OLD, CX(2) } },
	{ "c3, FEC loss10", V, { OLD, CX(3) } },
	{ "c4, FEC loss10", V, { OLD, CX(4) } },
	{ "c6, FEC loss10", V, { OLD, CX(6) } },
	{ "c8, FEC loss10", V, { OLD, CX(8) } },
	{ "c10, FEC loss10", V, { OLD, CX(10) } },
	{ "c0, loss 0", V, { OLD, CX(0), LOSS(0) } },
	{ "c1, loss 0", V, { OLD, CX(1), LOSS(0) } },
	{ "c2, loss 0", V, { OLD, CX(2), LOSS(0) } },
	{ "c3, loss 0", V, { OLD, CX(3), LOSS(0) } },
	{ "c4, loss 0", V, { OLD, CX(4), LOSS(0) } },
	{ "c5, loss 0", V, { OLD, CX(5), LOSS(0) } },
	{ "c6, loss 0", V, { OLD, CX(6), LOSS(0) } },
	{ "c8, loss 0", V, { OLD, CX(8), LOSS(0) } },
	{ "c10, loss 0", V, { OLD, CX(10), LOSS(0) } },
};

/* Combinations. */
static const struct setting combos[] = {
	{ "old: c5 24k FEC loss10", V, { OLD } },
	{ "c5 16k FEC loss10", V, { OLD, BR(16000) } },
	{ "c5 24k loss0 MAXBW NB", V, { OLD, LOSS(0), MAXBW(NB) } },
	{ "c5 16k loss0", V, { OLD, BR(16000), LOSS(0) } },
	{ "c5 16k loss10 CVBR", V, { OLD, BR(16000), CVBR(1) } },
	{ "c5 24k loss0 pred-off LSB16", V, { OLD, LOSS(0), NOPRED,
					      LSB(16) } },
	{ "c3 24k FEC loss10", V, { OLD, CX(3) } },
	{ "c3 24k loss0", V, { OLD, CX(3), LOSS(0) } },
	{ "c1 24k loss0", V, { OLD, CX(1), LOSS(0) } },
	{ "c5 24k FEC off", V, { OLD, FEC(0) } },
	{ "c5 libopus default bitrate (11k), FEC off", V,
	  { OLD, BR(OPUS_AUTO), FEC(0) } },
	{ "c5 12k loss10", V, { OLD, BR(12000) } },
	{ "c5 20k loss10", V, { OLD, BR(20000) } },
	{ "c5 20k loss0", V, { OLD, BR(20000), LOSS(0) } },
	{ "c5 16k loss5", V, { OLD, BR(16000), LOSS(5) } },
	{ "c5 16k loss20", V, { OLD, BR(16000), LOSS(20) } },
	{ "c3 16k loss10", V, { OLD, CX(3), BR(16000) } },
	{ "c3 16k loss0", V, { OLD, CX(3), BR(16000), LOSS(0) } },
	{ "c1 16k loss10", V, { OLD, CX(1), BR(16000) } },
	{ "c8 16k loss10", V, { OLD, CX(8), BR(16000) } },
	{ "c1 24k loss10", V, { OLD, CX(1) } },
	{ "c1 20k loss0", V, { OLD, CX(1), BR(20000), LOSS(0) } },
	{ "c1 16k loss0", V, { OLD, CX(1), BR(16000), LOSS(0) } },
	{ "c1 32k loss0", V, { OLD, CX(1), BR(32000), LOSS(0) } },
	{ "c1 32k loss10", V, { OLD, CX(1), BR(32000) } },
	{ "c2 24k loss0", V, { OLD, CX(2), LOSS(0) } },
	{ "c2 20k loss0", V, { OLD, CX(2), BR(20000), LOSS(0) } },
	{ "c0 24k loss0", V, { OLD, CX(0), LOSS(0) } },
	{ "c1 24k loss0 MAXBW NB", V, { OLD, CX(1), LOSS(0), MAXBW(NB) } },
};

/* ---- decoder ---- */

static OpusDecoder *dec8k;

/* Packets from an encoder set up as s (or a browser's, s NULL). */
static void packets(const struct setting *s)
{
	int e;
	OpusEncoder *enc;

	if (s) {
		enc = make_enc(s);
	} else {
		enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &e);
		if (!enc)
			die("opus_encoder_create", e);
		opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
		opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
		opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(10));
	}
	for (int i = 0; i < NPKT; i++) {
		pkt_len[i] = s ? opus_encode(enc, frame_in(i), F8, pkt[i],
					     PKT_MAX) :
			     opus_encode(enc, pcm48 + i * F48, F48, pkt[i],
					 PKT_MAX);
		if (pkt_len[i] <= 0)
			die("opus_encode", pkt_len[i]);
	}
	opus_encoder_destroy(enc);
}

enum dmode { D_NORMAL, D_FEC, D_PLC };

/* Per frame: decode every packet, rebuild it from the next one's LBRR
 * (what xcode_opus_lost() does with next), or conceal it. */
static double dec_run(enum dmode m)
{
	int16_t out[F8];
	uint64_t t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < FRAMES; i++) {
		int k = i % NPKT, n;

		if (m == D_NORMAL)
			n = opus_decode(dec8k, pkt[k], pkt_len[k], out, F8, 0);
		else if (m == D_FEC)
			n = opus_decode(dec8k, pkt[k], pkt_len[k], out, F8, 1);
		else
			n = opus_decode(dec8k, NULL, 0, out, F8, 0);
		if (n != F8)
			die("opus_decode", n);
		sink += (unsigned)out[0];
	}
	return (double)(bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1000.0 / FRAMES;
}

static void dec_line(const char *name, enum dmode m)
{
	double r[RUNS];

	dec_run(m);
	for (int k = 0; k < RUNS; k++)
		r[k] = dec_run(m);
	printf("%-46s %8.1f\n", name, median(r, RUNS));
}

static void decoder(void)
{
	static const struct setting ours_old = { "", V, { OLD } };
	static const struct setting ours_nofec = { "", V, { OLD, LOSS(0) } };
	int e;

	dec8k = opus_decoder_create(8000, 1, &e);
	if (!dec8k)
		die("opus_decoder_create", e);
	printf("\ndecoder to 8 kHz, us per 20 ms frame (median of %d runs)\n",
	       RUNS);
	packets(NULL);
	dec_line("browser 48 kHz 32k FEC packets: decode", D_NORMAL);
	dec_line("browser packets: FEC rebuild (decode_fec 1)", D_FEC);
	packets(&ours_old);
	dec_line("8 kHz c5 FEC loss10 packets: decode", D_NORMAL);
	dec_line("8 kHz c5 FEC loss10 packets: FEC rebuild", D_FEC);
	packets(&ours_nofec);
	dec_line("8 kHz c5 loss0 packets: decode", D_NORMAL);
	dec_line("concealment (PLC, no packet)", D_PLC);
	opus_decoder_destroy(dec8k);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "";

	bench_voiced(pcm8, NPKT * F8, 8000);
	bench_voiced(pcm48, NPKT * F48, 48000);
	/* "tone": a steady 1 kHz sine at -10 dBFS instead, to show how much
	 * a pure tone flatters the encoder. */
	if (strstr(only, "tone"))
		for (int i = 0; i < NPKT * F8; i++)
			pcm8[i] = (int16_t)lrint(10362 * sin(2 * M_PI * 1000 *
							      i / 8000.0));
	/* What the encoder gets is G.711: quantise the input through it. */
	g711_ulaw_encode(pcm8, NPKT * F8, ulaw);
	g711_ulaw_decode(ulaw, NPKT * F8, pcm8);
	printf("libopus %s; encoder at 8 kHz mono, per 20 ms frame, median "
	       "of %d runs of %d frames\n", opus_get_version_string(), RUNS,
	       FRAMES);
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
	if (!*only || strstr(only, "one"))
		table("one setting changed from the old configuration",
		      one_at_a_time, N(one_at_a_time));
	if (!*only || strstr(only, "cx"))
		table("complexity", complexity, N(complexity));
	if (!*only || strstr(only, "combo"))
		table("combinations", combos, N(combos));
	if (!*only || strstr(only, "dec"))
		decoder();
	return sink == 0xFFFFFFFFu;
}
