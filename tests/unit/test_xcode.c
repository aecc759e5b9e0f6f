/* Unit tests for mediad/xcode: a tone keeps its frequency and level through
 * G.711 -> Opus -> G.711 and through a browser's 48 kHz Opus -> G.711 ->
 * Opus, SIP ptimes 10-40 ms become 20 ms Opus frames, FEC rebuilds a lost
 * packet that PLC cannot, garbage is refused without harm, and RTP
 * timestamps convert between 8 and 48 kHz.  argv[1] is an optional name
 * filter ("*fec*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <math.h>
#include <opus/opus.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mediad/g711.h"
#include "mediad/xcode.h"
#include "tone.h"

enum {
	SR = 8000,		/* G.711 */
	BR = 48000,		/* browser Opus */
	SECS = 2,
	N8 = SR * SECS,
	N48 = BR * SECS,
	SKIP8 = SR / 10,	/* 100 ms of codec start-up left out */
	SKIP48 = BR / 10,
	F8 = SR / 50,		/* 20 ms frames */
	F48 = BR / 50,
	MAXPKT = 200,		/* packets kept by one test */
};

/* -10 dBFS: peak 32767 * 10^(-10/20). */
static const double TONE_AMP = 10362.0;

/* Big buffers live here, not on the stack; tests run one at a time. */
static int16_t pcm_in[N48], pcm_out[N48];
static uint8_t g711_in[N8], g711_out[N8];
static uint8_t pkts[MAXPKT][XCODE_OPUS_PKT_MAX];
static int pkt_len[MAXPKT];

static const enum xcode_law laws[] = { XCODE_ULAW, XCODE_ALAW };

/* ---- signal helpers ---- */

static double rms(const int16_t *x, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return sqrt(e / (double)n);
}

static double rms_diff(const int16_t *a, const int16_t *b, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
	return sqrt(e / (double)n);
}

static int peak(const int16_t *x, size_t n)
{
	int p = 0;

	for (size_t i = 0; i < n; i++)
		p = abs(x[i]) > p ? abs(x[i]) : p;
	return p;
}

/* A 1 kHz tone at TONE_AMP: within 3 dB, and 20 dB above 500 Hz, 2 kHz
 * and 3 kHz.  n is cut to whole periods of all four (fs / 500). */
static void check_tone(const char *what, const int16_t *x, size_t n,
		       double fs)
{
	static const double others[] = { 500, 2000, 3000 };
	size_t per = (size_t)fs / 500;
	double a;

	n -= n % per;
	a = tone_amp(x, n, 1000, fs);
	print_message("%-28s 1 kHz at %+.2f dB", what, db(a, TONE_AMP));
	assert_true(fabs(db(a, TONE_AMP)) < 3.0);
	for (size_t i = 0; i < 3; i++) {
		double o = tone_amp(x, n, others[i], fs);

		print_message(", %g Hz %.1f dB below", others[i], db(a, o));
		assert_true(db(a, o) > 20.0);
	}
	print_message("\n");
}

static void g711_enc(const int16_t *pcm, size_t n, enum xcode_law law,
		     uint8_t *out)
{
	if (law == XCODE_ULAW)
		g711_ulaw_encode(pcm, n, out);
	else
		g711_alaw_encode(pcm, n, out);
}

static void g711_dec(const uint8_t *in, size_t n, enum xcode_law law,
		     int16_t *pcm)
{
	if (law == XCODE_ULAW)
		g711_ulaw_decode(in, n, pcm);
	else
		g711_alaw_decode(in, n, pcm);
}

static struct xcode *new_x(void)
{
	struct xcode *x = NULL;

	assert_int_equal(xcode_new(&x, NULL), 0);
	assert_non_null(x);
	return x;
}

/* An encoder set up the way browsers send: 48 kHz, VoIP, 32 kb/s,
 * in-band FEC on. */
static OpusEncoder *browser_encoder(int loss_perc)
{
	int e;
	OpusEncoder *enc = opus_encoder_create(BR, 1, OPUS_APPLICATION_VOIP,
					       &e);

	assert_non_null(enc);
	assert_int_equal(opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000)), 0);
	assert_int_equal(opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1)), 0);
	assert_int_equal(opus_encoder_ctl(enc,
				OPUS_SET_PACKET_LOSS_PERC(loss_perc)), 0);
	return enc;
}

/* Encode pcm (48 kHz) into frames of fs48 samples: pkts[], returns how
 * many. */
static int browser_packets(OpusEncoder *enc, const int16_t *pcm, size_t n,
			   int fs48)
{
	int k = 0;

	for (size_t off = 0; off + (size_t)fs48 <= n; off += (size_t)fs48) {
		assert_true(k < MAXPKT);
		pkt_len[k] = opus_encode(enc, pcm + off, fs48, pkts[k],
					 XCODE_OPUS_PKT_MAX);
		assert_true(pkt_len[k] > 0);
		k++;
	}
	return k;
}

/* Push G.711 in chunks of `chunk` samples through x and keep the Opus
 * packets: pkts[], returns how many.  Checks the backlog as it goes. */
static int sip_packets(struct xcode *x, const uint8_t *g711, size_t n,
		       size_t chunk, enum xcode_law law)
{
	int k = 0, r;
	size_t pushed = 0;

	for (size_t off = 0; off + chunk <= n; off += chunk) {
		pushed += chunk;
		r = xcode_g711_to_opus(x, g711 + off, chunk, law, pkts[k],
				       XCODE_OPUS_PKT_MAX);
		while (r > 0) {
			pkt_len[k++] = r;
			assert_true(k < MAXPKT);
			r = xcode_g711_to_opus(x, NULL, 0, law, pkts[k],
					       XCODE_OPUS_PKT_MAX);
		}
		assert_int_equal(r, 0);
		assert_true(xcode_g711_held(x) < XCODE_FRAME);
		assert_int_equal(xcode_g711_held(x),
				 pushed - (size_t)k * XCODE_FRAME);
	}
	return k;
}

/* ---- round trips ---- */

/* SIP side PCMU/PCMA -> Opus -> PCMU/PCMA, the packets looped back into
 * the same transcoder's decoder. */
static void test_g711_roundtrip_tone(void **state)
{
	(void)state;
	make_tone(pcm_in, N8, 1000, SR, TONE_AMP, 0);
	for (size_t l = 0; l < 2; l++) {
		struct xcode *x = new_x();
		size_t pos = 0;
		int k;

		g711_enc(pcm_in, N8, laws[l], g711_in);
		k = sip_packets(x, g711_in, N8, F8, laws[l]);
		assert_int_equal(k, N8 / F8);
		for (int i = 0; i < k; i++) {
			int n = xcode_opus_to_g711(x, pkts[i],
						   (size_t)pkt_len[i], laws[l],
						   g711_out + pos, N8 - pos);
			assert_int_equal(n, F8);
			pos += (size_t)n;
		}
		assert_int_equal(pos, N8);
		g711_dec(g711_out, N8, laws[l], pcm_out);
		check_tone(l ? "PCMA->Opus->PCMA" : "PCMU->Opus->PCMU",
			   pcm_out + SKIP8, N8 - SKIP8, SR);
		xcode_free(x);
	}
}

/* Browser Opus (48 kHz encoder) -> G.711, decoded straight to 8 kHz. */
static void test_browser_opus_to_g711(void **state)
{
	(void)state;
	make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
	for (size_t l = 0; l < 2; l++) {
		OpusEncoder *enc = browser_encoder(10);
		struct xcode *x = new_x();
		int k = browser_packets(enc, pcm_in, N48, F48);
		size_t pos = 0;

		for (int i = 0; i < k; i++) {
			int n = xcode_opus_to_g711(x, pkts[i],
						   (size_t)pkt_len[i], laws[l],
						   g711_out + pos, N8 - pos);
			assert_int_equal(n, F8);
			pos += (size_t)n;
		}
		assert_int_equal(pos, N8);
		g711_dec(g711_out, N8, laws[l], pcm_out);
		check_tone(l ? "browser Opus->PCMA" : "browser Opus->PCMU",
			   pcm_out + SKIP8, N8 - SKIP8, SR);
		xcode_free(x);
		opus_encoder_destroy(enc);
	}
}

/* The whole way and back: browser 48 kHz Opus -> G.711 -> Opus, decoded
 * by a 48 kHz decoder as the browser would. */
static void test_browser_roundtrip(void **state)
{
	(void)state;
	for (size_t l = 0; l < 2; l++) {
		OpusEncoder *enc = browser_encoder(10);
		OpusDecoder *dec;
		struct xcode *x = new_x();
		int e, k, k2;
		size_t pos = 0;

		make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
		k = browser_packets(enc, pcm_in, N48, F48);
		for (int i = 0; i < k; i++)
			pos += (size_t)xcode_opus_to_g711(x, pkts[i],
					(size_t)pkt_len[i], laws[l],
					g711_out + pos, N8 - pos);
		assert_int_equal(pos, N8);
		k2 = sip_packets(x, g711_out, N8, F8, laws[l]);
		assert_int_equal(k2, k);

		dec = opus_decoder_create(BR, 1, &e);
		assert_non_null(dec);
		for (int i = 0; i < k2; i++)
			assert_int_equal(opus_decode(dec, pkts[i], pkt_len[i],
					pcm_out + i * F48, F48, 0), F48);
		check_tone(l ? "Opus->PCMA->Opus (48 kHz)" :
			   "Opus->PCMU->Opus (48 kHz)",
			   pcm_out + 2 * SKIP48, N48 - 2 * SKIP48, BR);
		opus_decoder_destroy(dec);
		xcode_free(x);
		opus_encoder_destroy(enc);
	}
}

/* ---- framing ---- */

/* Every SIP ptime gives single-frame 20 ms Opus packets (960 ticks at
 * 48 kHz), with the partial frame held in between. */
static void test_sip_ptimes_to_20ms_frames(void **state)
{
	static const unsigned ptimes[] = { 10, 20, 30, 40 };
	enum { TOTAL = 9600 };	/* 1.2 s: whole packets of every ptime */

	(void)state;
	make_tone(pcm_in, TOTAL, 1000, SR, TONE_AMP, 0);
	g711_enc(pcm_in, TOTAL, XCODE_ULAW, g711_in);
	for (size_t p = 0; p < 4; p++) {
		struct xcode *x = new_x();
		size_t chunk = ptimes[p] * SR / 1000;
		int k = sip_packets(x, g711_in, TOTAL, chunk, XCODE_ULAW);

		assert_int_equal(k, TOTAL / XCODE_FRAME);
		for (int i = 0; i < k; i++) {
			assert_int_equal(opus_packet_get_nb_frames(pkts[i],
						pkt_len[i]), 1);
			assert_int_equal(opus_packet_get_nb_samples(pkts[i],
						pkt_len[i], BR),
					 XCODE_FRAME_TS);
			assert_int_equal(xcode_opus_to_g711(x, pkts[i],
					(size_t)pkt_len[i], XCODE_ULAW,
					g711_out, sizeof(g711_out)),
					 XCODE_FRAME);
		}
		xcode_free(x);
	}
}

/* With a 10 ms ptime every other push yields a packet; with 30 ms the
 * held samples go 80, 0 (two packets), 80 ... */
static void test_partial_frames_held(void **state)
{
	struct xcode *x = new_x();
	uint8_t *out = pkts[0];
	size_t cap = sizeof(pkts[0]);
	int r;

	(void)state;
	memset(g711_in, 0xFF, 480);
	r = xcode_g711_to_opus(x, g711_in, 80, XCODE_ULAW, out, cap);
	assert_int_equal(r, 0);
	assert_int_equal(xcode_g711_held(x), 80);
	r = xcode_g711_to_opus(x, g711_in, 80, XCODE_ULAW, out, cap);
	assert_true(r > 0);
	assert_int_equal(xcode_g711_held(x), 0);

	r = xcode_g711_to_opus(x, g711_in, 240, XCODE_ULAW, out, cap);
	assert_true(r > 0);
	assert_int_equal(xcode_g711_held(x), 80);
	r = xcode_g711_to_opus(x, NULL, 0, XCODE_ULAW, out, cap);
	assert_int_equal(r, 0);
	r = xcode_g711_to_opus(x, g711_in, 240, XCODE_ULAW, out, cap);
	assert_true(r > 0);
	assert_int_equal(xcode_g711_held(x), 160);
	r = xcode_g711_to_opus(x, NULL, 0, XCODE_ULAW, out, cap);
	assert_true(r > 0);
	assert_int_equal(xcode_g711_held(x), 0);

	/* A partial frame waits for more input, or goes with a reset. */
	assert_int_equal(xcode_g711_to_opus(x, g711_in, 100, XCODE_ULAW, out,
					    cap), 0);
	assert_int_equal(xcode_g711_held(x), 100);
	xcode_reset(x);
	assert_int_equal(xcode_g711_held(x), 0);
	xcode_reset(NULL);
	assert_int_equal(xcode_g711_held(NULL), 0);
	xcode_free(x);
}

/* Browser packets of 10, 20, 40 and 60 ms give 80, 160, 320 and 480
 * samples; 2.5 and 5 ms (CELT) give 20 and 40. */
static void test_opus_frame_sizes(void **state)
{
	static const int ms10[] = { 25, 50, 100, 200, 400, 600 };
	OpusEncoder *enc = browser_encoder(0);
	struct xcode *x = new_x();

	(void)state;
	make_tone(pcm_in, BR, 1000, BR, TONE_AMP, 0);
	for (size_t i = 0; i < 6; i++) {
		int fs48 = BR * ms10[i] / 10000;
		int k = browser_packets(enc, pcm_in, BR / 5, fs48);

		for (int j = 0; j < k; j++)
			assert_int_equal(xcode_opus_to_g711(x, pkts[j],
					(size_t)pkt_len[j], XCODE_ALAW,
					g711_out, sizeof(g711_out)),
					 fs48 / XCODE_TS_RATIO);
	}
	xcode_free(x);
	opus_encoder_destroy(enc);
}

/* Stereo packets (opus/48000/2 with RFC 7587's stereo=1) decode to
 * the mono mix at 8 kHz. */
static void test_browser_stereo_packets(void **state)
{
	static int16_t st[N48 * 2];
	OpusEncoder *enc;
	struct xcode *x = new_x();
	size_t pos = 0;
	int e;

	(void)state;
	enc = opus_encoder_create(BR, 2, OPUS_APPLICATION_VOIP, &e);
	assert_non_null(enc);
	assert_int_equal(opus_encoder_ctl(enc, OPUS_SET_BITRATE(64000)), 0);
	make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
	for (size_t i = 0; i < N48; i++)
		st[2 * i] = st[2 * i + 1] = pcm_in[i];
	for (int i = 0; i < N48 / F48; i++) {
		int len = opus_encode(enc, st + 2 * i * F48, F48, pkts[0],
				      XCODE_OPUS_PKT_MAX);

		assert_true(len > 0);
		assert_int_equal(opus_packet_get_nb_channels(pkts[0]), 2);
		assert_int_equal(xcode_opus_to_g711(x, pkts[0], (size_t)len,
				XCODE_ULAW, g711_out + pos, N8 - pos), F8);
		pos += F8;
	}
	g711_ulaw_decode(g711_out, N8, pcm_out);
	check_tone("browser stereo Opus->PCMU", pcm_out + SKIP8, N8 - SKIP8,
		   SR);
	xcode_free(x);
	opus_encoder_destroy(enc);
}

/* ---- loss ---- */

struct loss_run {
	double rms_ref, rms_fec, rms_plc;
	double err_fec, err_plc;
};

/* Decode pkts[0..k) three times, losing packet `lost` in two of them:
 * once rebuilt from FEC in the next packet, once concealed. */
static void decode_with_loss(int k, int lost, struct loss_run *lr)
{
	static int16_t ref[N8], fec[N8], plc[N8];
	struct xcode *xr = new_x(), *xf = new_x(), *xp = new_x();
	uint8_t g[XCODE_PKT_SAMPLES_MAX];
	size_t at = (size_t)lost * F8;

	for (int i = 0; i < k; i++) {
		const uint8_t *p = pkts[i];
		size_t len = (size_t)pkt_len[i];

		assert_int_equal(xcode_opus_to_g711(xr, p, len, XCODE_ULAW, g,
						    sizeof(g)), F8);
		g711_ulaw_decode(g, F8, ref + i * F8);
		assert_int_equal(i == lost ?
			xcode_opus_lost(xf, pkts[i + 1],
					(size_t)pkt_len[i + 1], 0, XCODE_ULAW,
					g, sizeof(g)) :
			xcode_opus_to_g711(xf, p, len, XCODE_ULAW, g,
					   sizeof(g)), F8);
		g711_ulaw_decode(g, F8, fec + i * F8);
		assert_int_equal(i == lost ?
			xcode_opus_lost(xp, NULL, 0, 0, XCODE_ULAW, g,
					sizeof(g)) :
			xcode_opus_to_g711(xp, p, len, XCODE_ULAW, g,
					   sizeof(g)), F8);
		g711_ulaw_decode(g, F8, plc + i * F8);
	}
	lr->rms_ref = rms(ref + at, F8);
	lr->rms_fec = rms(fec + at, F8);
	lr->rms_plc = rms(plc + at, F8);
	lr->err_fec = rms_diff(fec + at, ref + at, F8);
	lr->err_plc = rms_diff(plc + at, ref + at, F8);
	xcode_free(xr);
	xcode_free(xf);
	xcode_free(xp);
}

/* The packet lost is the first of a loud 1 kHz tone after a quiet
 * 500 Hz one: concealment can only extend the quiet tone, while the
 * next packet's redundancy carries the loud one. */
static void check_fec(const char *what, int k, int lost)
{
	struct loss_run lr;

	decode_with_loss(k, lost, &lr);
	print_message("%-12s lost frame rms: original %.0f, FEC %.0f "
		      "(error %.0f), PLC %.0f (error %.0f)\n", what,
		      lr.rms_ref, lr.rms_fec, lr.err_fec, lr.rms_plc,
		      lr.err_plc);
	assert_true(fabs(db(lr.rms_fec, lr.rms_ref)) < 3.0);
	assert_true(lr.err_fec < lr.err_plc / 2);
	assert_true(lr.rms_fec > lr.rms_plc);
}

enum { STEP_FRAME = 25, STEP_FRAMES = 40 };

static void step_signal(int16_t *pcm, double fs)
{
	size_t step = (size_t)(fs / 50) * STEP_FRAME;
	size_t n = (size_t)(fs / 50) * STEP_FRAMES;

	make_tone(pcm, step, 500, fs, TONE_AMP / 30, 0);
	make_tone(pcm + step, n - step, 1000, fs, TONE_AMP, step);
}

static void test_fec_from_browser(void **state)
{
	OpusEncoder *enc = browser_encoder(20);
	int k;

	(void)state;
	step_signal(pcm_in, BR);
	k = browser_packets(enc, pcm_in, (size_t)F48 * STEP_FRAMES, F48);
	check_fec("browser", k, STEP_FRAME);
	opus_encoder_destroy(enc);
}

/* Our own encoder's packets carry FEC too (for the browser's benefit). */
static void test_fec_from_our_encoder(void **state)
{
	struct xcode *x = new_x();
	int k;

	(void)state;
	step_signal(pcm_in, SR);
	g711_enc(pcm_in, (size_t)F8 * STEP_FRAMES, XCODE_ULAW, g711_in);
	k = sip_packets(x, g711_in, (size_t)F8 * STEP_FRAMES, F8, XCODE_ULAW);
	assert_int_equal(k, STEP_FRAMES);
	check_fec("our encoder", k, STEP_FRAME);
	xcode_free(x);
}

/* Concealment of a steady tone: audible, never louder than the tone,
 * fading over a burst, and decoding resumes after it. */
static void test_plc(void **state)
{
	OpusEncoder *enc = browser_encoder(10);
	struct xcode *x = new_x();
	uint8_t g[XCODE_PKT_SAMPLES_MAX];
	int16_t s[XCODE_PKT_SAMPLES_MAX];
	double first = 0, r = 0;
	int k;

	(void)state;
	make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
	k = browser_packets(enc, pcm_in, N48, F48);
	for (int i = 0; i < 50; i++)
		assert_int_equal(xcode_opus_to_g711(x, pkts[i],
				(size_t)pkt_len[i], XCODE_ULAW, g, sizeof(g)),
				 F8);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(xcode_opus_lost(x, NULL, 0, 0, XCODE_ULAW, g,
						 sizeof(g)), F8);
		g711_ulaw_decode(g, F8, s);
		r = rms(s, F8);
		if (i == 0)
			first = r;
		assert_true(peak(s, F8) <= 1.5 * TONE_AMP);
	}
	print_message("PLC rms: first lost frame %.0f (tone %.0f), "
		      "tenth %.0f\n", first, TONE_AMP / sqrt(2), r);
	assert_true(first > TONE_AMP / sqrt(2) / 10);	/* within 20 dB */
	assert_true(r < first);
	/* Shorter and default-length concealment, then normal decoding. */
	assert_int_equal(xcode_opus_lost(x, NULL, 0, 80, XCODE_ULAW, g,
					 sizeof(g)), 80);
	assert_int_equal(xcode_opus_lost(x, NULL, 0, 0, XCODE_ULAW, g,
					 sizeof(g)), 80);
	assert_int_equal(xcode_opus_to_g711(x, pkts[60], (size_t)pkt_len[60],
					    XCODE_ULAW, g, sizeof(g)), F8);
	assert_true(k > 60);
	xcode_free(x);
	opus_encoder_destroy(enc);
}

/* ---- bad input ---- */

static uint32_t rng = 0x12345678;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Packets that break RFC 6716 3.4's rules. */
static void test_malformed_packets(void **state)
{
	static const struct {
		uint8_t b[8];
		size_t len;
	} bad[] = {
		{ { 0x09, 1, 2, 3 }, 4 },	/* [R3] code 1, even length */
		{ { 0x0A, 200, 1 }, 3 },	/* [R4] code 2, too long */
		{ { 0x0B }, 1 },		/* code 3 without count byte */
		{ { 0x0B, 0x00 }, 2 },		/* [R5] code 3, no frame */
		{ { 0x0B, 0x07, 0 }, 3 },	/* [R5] 7 x 20 ms = 140 ms */
		{ { 0x0B, 0x82, 1 }, 3 },	/* [R7] VBR sizes past end */
	};
	struct xcode *x = new_x();
	uint8_t g[XCODE_PKT_SAMPLES_MAX];

	(void)state;
	assert_int_equal(xcode_opus_to_g711(x, bad[0].b, 0, XCODE_ULAW, g,
					    sizeof(g)), -XCODE_ERR_CORRUPT);
	assert_int_equal(xcode_opus_to_g711(x, NULL, 3, XCODE_ULAW, g,
					    sizeof(g)), -XCODE_ERR_CORRUPT);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(xcode_opus_to_g711(x, bad[i].b, bad[i].len,
						    XCODE_ULAW, g, sizeof(g)),
				 -XCODE_ERR_CORRUPT);
	/* A malformed next packet: conceal instead of using its FEC. */
	assert_int_equal(xcode_opus_lost(x, bad[3].b, bad[3].len, 0,
					 XCODE_ULAW, g, sizeof(g)), F8);
	xcode_free(x);
}

/* 10,000 random packets: each refused as malformed or decoded to a sane
 * length; nothing crashes (run under ASan), and good packets decode
 * normally afterwards. */
static void test_garbage_packets(void **state)
{
	OpusEncoder *enc = browser_encoder(10);
	struct xcode *x = new_x();
	uint8_t buf[1500], g[XCODE_PKT_SAMPLES_MAX];
	int bad = 0, good = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		size_t len = xorshift() % sizeof(buf);
		int r;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)xorshift();
		r = i % 10 == 9 ?
		    xcode_opus_lost(x, buf, len, 0, XCODE_ALAW, g, sizeof(g)) :
		    xcode_opus_to_g711(x, buf, len, XCODE_ALAW, g, sizeof(g));
		if (r < 0) {
			assert_int_equal(r, -XCODE_ERR_CORRUPT);
			bad++;
		} else {
			assert_true(r > 0 && r <= XCODE_PKT_SAMPLES_MAX);
			assert_int_equal(r % 20, 0);
			good++;
		}
	}
	print_message("garbage: %d refused, %d decoded as noise\n", bad, good);
	assert_true(bad > 0);

	make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
	(void)browser_packets(enc, pcm_in, (size_t)F48 * 10, F48);
	for (int i = 0; i < 10; i++)
		assert_int_equal(xcode_opus_to_g711(x, pkts[i],
				(size_t)pkt_len[i], XCODE_ALAW, g, sizeof(g)),
				 F8);
	xcode_free(x);
	opus_encoder_destroy(enc);
}

/* A short output buffer is refused before anything changes: the decoder
 * then gives exactly what an untouched twin gives. */
static void test_output_too_small(void **state)
{
	OpusEncoder *enc = browser_encoder(10);
	struct xcode *x = new_x(), *twin = new_x();
	uint8_t g[XCODE_PKT_SAMPLES_MAX], g2[XCODE_PKT_SAMPLES_MAX];
	uint8_t opus[XCODE_OPUS_PKT_MAX];

	(void)state;
	make_tone(pcm_in, N48, 1000, BR, TONE_AMP, 0);
	(void)browser_packets(enc, pcm_in, (size_t)F48 * 4, F48);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(xcode_opus_to_g711(x, pkts[i],
				(size_t)pkt_len[i], XCODE_ULAW, g, F8 - 1),
				 -XCODE_ERR_NOSPACE);
		assert_int_equal(xcode_opus_lost(x, NULL, 0, F8, XCODE_ULAW, g,
						 F8 - 1), -XCODE_ERR_NOSPACE);
		assert_int_equal(xcode_opus_to_g711(x, pkts[i],
				(size_t)pkt_len[i], XCODE_ULAW, g, F8), F8);
		assert_int_equal(xcode_opus_to_g711(twin, pkts[i],
				(size_t)pkt_len[i], XCODE_ULAW, g2, F8), F8);
		assert_memory_equal(g, g2, F8);
	}

	memset(g711_in, 0xFF, F8);
	assert_int_equal(xcode_g711_to_opus(x, g711_in, F8, XCODE_ULAW, opus,
					    XCODE_OPUS_PKT_MAX - 1),
			 -XCODE_ERR_NOSPACE);
	assert_int_equal(xcode_g711_held(x), 0);
	assert_int_equal(xcode_g711_to_opus(x, g711_in, 10, XCODE_ULAW, opus,
					    sizeof(opus)), 0);
	/* Backlog: 10 + 480 is fine, another 480 undrained is not. */
	assert_true(xcode_g711_to_opus(x, g711_in, XCODE_G711_PUSH_MAX,
				       XCODE_ULAW, opus, sizeof(opus)) > 0);
	assert_int_equal(xcode_g711_held(x), 330);
	assert_int_equal(xcode_g711_to_opus(x, g711_in, XCODE_G711_PUSH_MAX,
					    XCODE_ULAW, opus, sizeof(opus)),
			 -XCODE_ERR_FULL);
	assert_int_equal(xcode_g711_held(x), 330);
	xcode_free(x);
	xcode_free(twin);
	opus_encoder_destroy(enc);
}

static void test_bad_arguments(void **state)
{
	struct xcode *x = new_x();
	struct xcode_cfg c;
	struct xcode *y = NULL;		/* must stay untouched */
	uint8_t g[XCODE_PKT_SAMPLES_MAX], in[4] = { 0xF8, 1, 2, 3 };
	uint8_t opus[XCODE_OPUS_PKT_MAX];

	(void)state;
	assert_int_equal(xcode_opus_to_g711(NULL, in, 4, XCODE_ULAW, g,
					    sizeof(g)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_opus_to_g711(x, in, 4, XCODE_ULAW, NULL,
					    sizeof(g)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_opus_to_g711(x, in, 4, (enum xcode_law)7, g,
					    sizeof(g)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_opus_lost(x, NULL, 0, 30, XCODE_ULAW, g,
					 sizeof(g)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_opus_lost(x, NULL, 0, 980, XCODE_ULAW, g,
					 sizeof(g)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_g711_to_opus(x, NULL, 5, XCODE_ULAW, opus,
					    sizeof(opus)), -XCODE_ERR_ARG);
	assert_int_equal(xcode_g711_to_opus(x, g, 5, (enum xcode_law)-1,
					    opus, sizeof(opus)),
			 -XCODE_ERR_ARG);

	assert_int_equal(xcode_new(NULL, NULL), -XCODE_ERR_ARG);
	xcode_cfg_default(&c);
	c.complexity = 11;
	assert_int_equal(xcode_new(&y, &c), -XCODE_ERR_ARG);
	xcode_cfg_default(&c);
	c.bitrate = 5999;
	assert_int_equal(xcode_new(&y, &c), -XCODE_ERR_ARG);
	xcode_cfg_default(&c);
	c.loss_perc = 101;
	assert_int_equal(xcode_new(&y, &c), -XCODE_ERR_ARG);
	assert_null(y);
	assert_int_equal(xcode_set_bitrate(x, 64001), -XCODE_ERR_ARG);
	assert_int_equal(xcode_set_loss_perc(x, -1), -XCODE_ERR_ARG);
	assert_null(xcode_free(x));
	assert_null(xcode_free(NULL));
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(xcode_strerror(0), "ok");
	assert_string_equal(xcode_strerror(-XCODE_ERR_CORRUPT),
			    "malformed Opus packet");
	assert_string_equal(xcode_strerror(XCODE_ERR_NOSPACE),
			    "buffer too small");
	for (int e = 1; e < XCODE_ERR__COUNT; e++)
		assert_string_not_equal(xcode_strerror(-e), "unknown error");
	assert_string_equal(xcode_strerror(XCODE_ERR__COUNT), "unknown error");
}

/* The encoder settings as libopus reports them. */
static void test_config(void **state)
{
	struct xcode_cfg c = { .complexity = 10, .bitrate = 16000,
			       .loss_perc = 25 };
	struct xcode_info i;
	struct xcode *x = new_x();

	(void)state;
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.complexity, 1);
	assert_int_equal(i.bitrate, 32000);
	assert_int_equal(i.loss_perc, 10);
	assert_int_equal(i.inband_fec, 1);
	assert_int_equal(i.dtx, 0);
	assert_int_equal(i.application, OPUS_APPLICATION_VOIP);
	assert_int_equal(i.signal, OPUS_SIGNAL_VOICE);
	assert_int_equal(i.enc_rate, 8000);
	assert_int_equal(i.dec_rate, 8000);
	xcode_free(x);

	assert_int_equal(xcode_new(&x, &c), 0);
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.complexity, 10);
	assert_int_equal(i.bitrate, 16000);
	assert_int_equal(i.loss_perc, 25);
	assert_int_equal(xcode_set_bitrate(x, 12000), 0);
	assert_int_equal(xcode_set_loss_perc(x, 0), 0);
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.bitrate, 12000);
	assert_int_equal(i.loss_perc, 0);
	xcode_free(x);
}

/* ---- timestamps ---- */

static void test_timestamps(void **state)
{
	(void)state;
	assert_int_equal(XCODE_FRAME_TS, 960);
	assert_int_equal(xcode_ts_dur_to_opus(160), 960);
	assert_int_equal(xcode_ts_dur_to_g711(960), 160);
	assert_int_equal(xcode_ts_dur_to_g711(2880), 480);

	/* Forward and back, across the 8 kHz wrap. */
	assert_int_equal(xcode_ts_to_opus(0x100, 0xFFFFFF00u, 1000),
			 1000 + 512 * 6);
	assert_int_equal(xcode_ts_to_g711(1000 + 512 * 6, 1000, 0xFFFFFF00u),
			 0x100);
	/* Across the 48 kHz wrap, and behind the anchor. */
	assert_int_equal(xcode_ts_to_g711(0x00000100, 0xFFFFFF00u, 50),
			 50 + 512 / 6);
	assert_int_equal(xcode_ts_to_g711(40, 1000, 5000), 5000 - 160);
	assert_int_equal(xcode_ts_to_g711(999, 1000, 5000), 4999);
	assert_int_equal(xcode_ts_to_g711(994, 1000, 5000), 4999);
	assert_int_equal(xcode_ts_to_g711(993, 1000, 5000), 4998);
	assert_int_equal(xcode_ts_to_opus(4840, 5000, 1000), 40);
	/* Far from the anchor: G.711 -> Opus is exact mod 2^32 anywhere;
	 * Opus -> G.711 within 2^31 ticks. */
	for (int i = 0; i < 1000; i++) {
		uint32_t g_at = xorshift(), o_at = xorshift();
		uint32_t d = xorshift() % (0x80000000u / 6);
		uint32_t g = i % 2 ? g_at + d : g_at - d;
		uint32_t o = xcode_ts_to_opus(g, g_at, o_at);

		assert_int_equal(xcode_ts_to_g711(o, o_at, g_at), g);
		assert_int_equal(o - o_at, (g - g_at) * 6u);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g711_roundtrip_tone),
		cmocka_unit_test(test_browser_opus_to_g711),
		cmocka_unit_test(test_browser_roundtrip),
		cmocka_unit_test(test_sip_ptimes_to_20ms_frames),
		cmocka_unit_test(test_partial_frames_held),
		cmocka_unit_test(test_opus_frame_sizes),
		cmocka_unit_test(test_browser_stereo_packets),
		cmocka_unit_test(test_fec_from_browser),
		cmocka_unit_test(test_fec_from_our_encoder),
		cmocka_unit_test(test_plc),
		cmocka_unit_test(test_malformed_packets),
		cmocka_unit_test(test_garbage_packets),
		cmocka_unit_test(test_output_too_small),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_timestamps),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("xcode", tests, NULL, NULL);
}
