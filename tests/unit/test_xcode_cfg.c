/* Unit tests for mediad/xcode's encoder configuration: what libopus
 * reports back (OPUS_GET_*) is what xcode.c meant to set, a tone keeps
 * its frequency and level through G.711 -> Opus -> G.711 at exactly
 * these settings, the expected loss follows the browser's RTCP reports
 * (in-band FEC coded while it loses packets, dormant on a clean path),
 * and mrtcp_loss_about() finds the report block about our SSRC.
 * argv[1] is an optional name filter ("*loss*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <math.h>
#include <opus/opus.h>
#include <string.h>

#include "mediad/g711.h"
#include "mediad/mrtcp.h"
#include "mediad/rtp.h"
#include "mediad/xcode.h"
#include "tone.h"

enum {
	SR = 8000,
	SECS = 2,
	N8 = SR * SECS,
	F8 = SR / 50,
	SKIP8 = SR / 10,	/* codec start-up left out */
	NFRAMES = N8 / F8,
};

static const double TONE_AMP = 10362.0;	/* -10 dBFS */

static int16_t pcm_in[N8], pcm_out[N8];
static uint8_t g711_in[N8], g711_out[N8];

/* The defaults, as libopus reports them after xcode_new(). */
static void test_defaults_applied(void **state)
{
	struct xcode_cfg c;
	struct xcode_info i;
	struct xcode *x = NULL;

	(void)state;
	xcode_cfg_default(&c);
	assert_int_equal(c.complexity, 1);
	assert_int_equal(c.bitrate, 32000);
	assert_int_equal(c.loss_perc, 10);
	assert_int_equal(xcode_new(&x, NULL), 0);
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.complexity, 1);
	assert_int_equal(i.bitrate, 32000);
	assert_int_equal(i.loss_perc, 10);
	assert_int_equal(i.inband_fec, 1);
	assert_int_equal(i.dtx, 0);
	assert_int_equal(i.application, OPUS_APPLICATION_VOIP);
	assert_int_equal(i.signal, OPUS_SIGNAL_VOICE);
	assert_int_equal(i.max_bandwidth, OPUS_BANDWIDTH_NARROWBAND);
	assert_int_equal(i.vbr, 1);
	assert_int_equal(i.cvbr, 1);	/* libopus's default, kept */
	assert_int_equal(i.no_prediction, 0);
	assert_int_equal(i.enc_rate, 8000);
	assert_int_equal(i.dec_rate, 8000);
	xcode_free(x);
}

/* Every complexity the operator may choose is applied as given, with the
 * rest of the configuration unchanged. */
static void test_complexity_applied(void **state)
{
	(void)state;
	for (int cx = 0; cx <= 10; cx++) {
		struct xcode_cfg c;
		struct xcode_info i;
		struct xcode *x = NULL;

		xcode_cfg_default(&c);
		c.complexity = cx;
		assert_int_equal(xcode_new(&x, &c), 0);
		assert_int_equal(xcode_info(x, &i), 0);
		assert_int_equal(i.complexity, cx);
		assert_int_equal(i.max_bandwidth, OPUS_BANDWIDTH_NARROWBAND);
		assert_int_equal(i.inband_fec, 1);
		xcode_free(x);
	}
}

/* G.711 -> Opus (default settings) -> G.711 through one transcoder: the
 * 1 kHz tone within 1 dB and 30 dB above 500 Hz, 2 kHz and 3 kHz; every
 * packet narrowband SILK (TOC config 0-3: RFC 6716 3.1), so the browser
 * gets the voice codec whose frames can carry FEC. */
static void tone_round_trip(enum xcode_law law)
{
	static const double others[] = { 500, 2000, 3000 };
	uint8_t pkt[XCODE_OPUS_PKT_MAX], g[XCODE_PKT_SAMPLES_MAX];
	struct xcode *x = NULL;
	size_t n = N8 - SKIP8;
	double a;

	make_tone(pcm_in, N8, 1000, SR, TONE_AMP, 0);
	if (law == XCODE_ULAW)
		g711_ulaw_encode(pcm_in, N8, g711_in);
	else
		g711_alaw_encode(pcm_in, N8, g711_in);
	assert_int_equal(xcode_new(&x, NULL), 0);
	for (int f = 0; f < NFRAMES; f++) {
		int r = xcode_g711_to_opus(x, g711_in + f * F8, F8, law, pkt,
					   sizeof(pkt));

		assert_true(r > 0);
		assert_true((pkt[0] >> 3) <= 3);
		assert_int_equal(opus_packet_get_bandwidth(pkt),
				 OPUS_BANDWIDTH_NARROWBAND);
		assert_int_equal(xcode_opus_to_g711(x, pkt, (size_t)r, law, g,
						    sizeof(g)), F8);
		memcpy(g711_out + f * F8, g, F8);
	}
	if (law == XCODE_ULAW)
		g711_ulaw_decode(g711_out, N8, pcm_out);
	else
		g711_alaw_decode(g711_out, N8, pcm_out);
	n -= n % (SR / 500);
	a = tone_amp(pcm_out + SKIP8, n, 1000, SR);
	print_message("%s round trip: 1 kHz at %+.2f dB", law == XCODE_ULAW ?
		      "PCMU" : "PCMA", db(a, TONE_AMP));
	assert_true(fabs(db(a, TONE_AMP)) < 1.0);
	for (size_t i = 0; i < 3; i++) {
		double o = tone_amp(pcm_out + SKIP8, n, others[i], SR);

		print_message(", %g Hz %.1f dB below", others[i], db(a, o));
		assert_true(db(a, o) > 30.0);
	}
	print_message("\n");
	xcode_free(x);
}

static void test_tone_round_trip(void **state)
{
	(void)state;
	tone_round_trip(XCODE_ULAW);
	tone_round_trip(XCODE_ALAW);
}

/* Frames of the step: quiet 500 Hz, then loud 1 kHz from STEP on. */
enum { STEP = 25, STEPS = 40 };

/* How much of the first loud frame the packet after it rebuilds: encode
 * the step through x as it is set now, then decode with that frame lost
 * and the next packet's LBRR asked for (xcode_opus_lost()).  Returns its
 * level against the frame decoded normally, in dB: about 0 when the
 * packets carry FEC, far below when libopus could only conceal (which
 * extends the quiet tone before it). */
static double fec_rebuild_db(struct xcode *x)
{
	static uint8_t pkts[STEPS][XCODE_OPUS_PKT_MAX];
	int len[STEPS];
	uint8_t g[XCODE_PKT_SAMPLES_MAX];
	int16_t ref[F8], got[F8];
	struct xcode *dr = NULL, *df = NULL;
	double er = 0, ef = 0;

	make_tone(pcm_in, (size_t)STEP * F8, 500, SR, TONE_AMP / 30, 0);
	make_tone(pcm_in + STEP * F8, (size_t)(STEPS - STEP) * F8, 1000,
		  SR, TONE_AMP, 0);
	g711_ulaw_encode(pcm_in, (size_t)STEPS * F8, g711_in);
	for (int f = 0; f < STEPS; f++) {
		len[f] = xcode_g711_to_opus(x, g711_in + f * F8, F8,
					    XCODE_ULAW, pkts[f],
					    XCODE_OPUS_PKT_MAX);
		assert_true(len[f] > 0);
	}
	assert_int_equal(xcode_new(&dr, NULL), 0);
	assert_int_equal(xcode_new(&df, NULL), 0);
	for (int f = 0; f < STEP; f++) {
		assert_int_equal(xcode_opus_to_g711(dr, pkts[f], (size_t)len[f],
						    XCODE_ULAW, g, sizeof(g)),
				 F8);
		assert_int_equal(xcode_opus_to_g711(df, pkts[f], (size_t)len[f],
						    XCODE_ULAW, g, sizeof(g)),
				 F8);
	}
	assert_int_equal(xcode_opus_to_g711(dr, pkts[STEP], (size_t)len[STEP],
					    XCODE_ULAW, g, sizeof(g)), F8);
	g711_ulaw_decode(g, F8, ref);
	assert_int_equal(xcode_opus_lost(df, pkts[STEP + 1],
					 (size_t)len[STEP + 1], 0, XCODE_ULAW,
					 g, sizeof(g)), F8);
	g711_ulaw_decode(g, F8, got);
	for (int i = 0; i < F8; i++) {
		er += (double)ref[i] * ref[i];
		ef += (double)got[i] * got[i];
	}
	xcode_free(dr);
	xcode_free(df);
	return 10 * log10((ef + 1) / (er + 1));
}

static void test_loss_report_policy(void **state)
{
	struct xcode *x = NULL;
	struct xcode_info i;

	(void)state;
	assert_int_equal(xcode_new(&x, NULL), 0);
	/* no loss: halves each report from the start value, then stays */
	assert_int_equal(xcode_loss_report(x, 0), 5);
	assert_int_equal(xcode_loss_report(x, 0), 2);
	assert_int_equal(xcode_loss_report(x, 0), 1);
	assert_int_equal(xcode_loss_report(x, 0), 0);
	assert_int_equal(xcode_loss_report(x, 0), 0);
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.loss_perc, 0);
	/* one packet in 256 lost is enough to code FEC again */
	assert_int_equal(xcode_loss_report(x, 1), 1);
	/* 64/256 = 25% at once */
	assert_int_equal(xcode_loss_report(x, 64), 25);
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.loss_perc, 25);
	/* less loss: down by half, not below what was seen */
	assert_int_equal(xcode_loss_report(x, 26), 12);	/* 10.2% -> 11 */
	assert_int_equal(xcode_loss_report(x, 26), 11);
	assert_int_equal(xcode_loss_report(x, 255), 100);
	/* FEC stays enabled throughout: only the expected loss moves */
	assert_int_equal(xcode_info(x, &i), 0);
	assert_int_equal(i.inband_fec, 1);
	assert_int_equal(xcode_loss_report(x, 256), -XCODE_ERR_ARG);
	assert_int_equal(xcode_loss_report(NULL, 0), -XCODE_ERR_ARG);
	xcode_free(x);
}

/* What the reports change on the wire: while the browser reports loss
 * our packets carry LBRR, so a lost one is rebuilt from the next; on a
 * clean path they do not (the encoder skips that work), and the loss
 * can only be concealed. */
static void test_loss_report_fec_on_wire(void **state)
{
	struct xcode *x = NULL;
	double start, clean, lossy, again;

	(void)state;
	assert_int_equal(xcode_new(&x, NULL), 0);
	start = fec_rebuild_db(x);	/* before any report: FEC */
	for (int k = 0; k < 5; k++)
		xcode_loss_report(x, 0);
	clean = fec_rebuild_db(x);
	assert_int_equal(xcode_loss_report(x, 13), 6);	/* 5% */
	lossy = fec_rebuild_db(x);
	for (int k = 0; k < 5; k++)
		xcode_loss_report(x, 0);
	again = fec_rebuild_db(x);
	print_message("lost loud frame rebuilt at: before reports %+.1f dB, "
		      "clean path %+.1f, 5%% loss %+.1f, clean again %+.1f\n",
		      start, clean, lossy, again);
	assert_true(fabs(start) < 3.0);
	assert_true(fabs(lossy) < 3.0);
	assert_true(clean < -10.0);
	assert_true(again < -10.0);
	xcode_free(x);
}

/* The browser's report block about our SSRC, among others in a
 * compound (SR with two blocks, then an RR). */
static void test_mrtcp_loss_about(void **state)
{
	uint8_t buf[512];
	struct rtp_sender_info si = { .ntp = 1, .rtp_ts = 2, .packets = 3 };
	struct rtp_report rb[2] = {
		{ .ssrc = 0x1111, .fraction = 7 },
		{ .ssrc = 0x2222, .fraction = 42 },
	};
	struct rtp_report rr = { .ssrc = 0x2222, .fraction = 9 };
	int a, b;

	(void)state;
	a = rtp_rtcp_build_sr(buf, sizeof(buf), 0xABCD, &si, rb, 2);
	assert_true(a > 0);
	assert_int_equal(mrtcp_loss_about(buf, (size_t)a, 0x2222), 42);
	assert_int_equal(mrtcp_loss_about(buf, (size_t)a, 0x1111), 7);
	assert_int_equal(mrtcp_loss_about(buf, (size_t)a, 0x3333), -1);
	b = rtp_rtcp_build_rr(buf + a, sizeof(buf) - (size_t)a, 0xABCD,
			      &rr, 1);
	assert_true(b > 0);
	/* the last block about it wins */
	assert_int_equal(mrtcp_loss_about(buf, (size_t)(a + b), 0x2222), 9);
	/* cut short: what parses before the break still counts, no more */
	assert_int_equal(mrtcp_loss_about(buf, (size_t)a + 3, 0x2222), 42);
	assert_int_equal(mrtcp_loss_about(buf, 0, 0x2222), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_applied),
		cmocka_unit_test(test_complexity_applied),
		cmocka_unit_test(test_tone_round_trip),
		cmocka_unit_test(test_loss_report_policy),
		cmocka_unit_test(test_loss_report_fec_on_wire),
		cmocka_unit_test(test_mrtcp_loss_about),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
