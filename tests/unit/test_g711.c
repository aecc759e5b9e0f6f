/* Unit tests for mediad/g711: decode tables against ITU-T G.711 tables 1a
 * (A-law) and 2a (mu-law), round trips, monotonicity, quantisation error
 * and the SNR of a tone.  Run with a name filter as argv[1] ("*sine*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "mediad/g711.h"

struct ref {
	uint8_t code;
	int16_t pcm;
};

/* Decoder outputs written out from G.711 table 2a (14-bit units, here
 * times 4): first and last output of every positive segment, a few
 * negatives, and both zeros. */
static const struct ref ulaw_refs[] = {
	{ 0xFF, 0 }, { 0x7F, 0 }, { 0xFE, 2 * 4 }, { 0x7E, -2 * 4 },
	{ 0xF0, 30 * 4 }, { 0xEF, 33 * 4 }, { 0xE0, 93 * 4 },
	{ 0xDF, 99 * 4 }, { 0xD0, 219 * 4 }, { 0xCF, 231 * 4 },
	{ 0xC0, 471 * 4 }, { 0xBF, 495 * 4 }, { 0xB0, 975 * 4 },
	{ 0xAF, 1023 * 4 }, { 0xA0, 1983 * 4 }, { 0x9F, 2079 * 4 },
	{ 0x90, 3999 * 4 }, { 0x8F, 4191 * 4 }, { 0x80, 8031 * 4 },
	{ 0x00, -8031 * 4 }, { 0x0F, -4191 * 4 }, { 0x6F, -33 * 4 },
};

/* From G.711 table 1a (12-bit magnitudes, here times 8).  The wire code is
 * the table's character with the even bits inverted (XOR 0x55). */
static const struct ref alaw_refs[] = {
	{ 0xD5, 1 * 8 }, { 0x55, -1 * 8 }, { 0xD4, 3 * 8 },
	{ 0xDA, 31 * 8 }, { 0xC5, 33 * 8 }, { 0xCA, 63 * 8 },
	{ 0xF5, 66 * 8 }, { 0xFA, 126 * 8 }, { 0xE5, 132 * 8 },
	{ 0xEA, 252 * 8 }, { 0x95, 264 * 8 }, { 0x9A, 504 * 8 },
	{ 0x85, 528 * 8 }, { 0x8A, 1008 * 8 }, { 0xB5, 1056 * 8 },
	{ 0xBA, 2016 * 8 }, { 0xA5, 2112 * 8 }, { 0xAA, 4032 * 8 },
	{ 0x2A, -4032 * 8 }, { 0x25, -2112 * 8 }, { 0x45, -33 * 8 },
};

static void test_ulaw_reference_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ulaw_refs) / sizeof(ulaw_refs[0]); i++)
		assert_int_equal(g711_ulaw_to_pcm(ulaw_refs[i].code),
				 ulaw_refs[i].pcm);
	assert_int_equal(g711_ulaw_to_pcm(0x80), G711_ULAW_MAX);
	assert_int_equal(g711_ulaw_to_pcm(0x00), -G711_ULAW_MAX);
}

static void test_alaw_reference_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(alaw_refs) / sizeof(alaw_refs[0]); i++)
		assert_int_equal(g711_alaw_to_pcm(alaw_refs[i].code),
				 alaw_refs[i].pcm);
	assert_int_equal(g711_alaw_to_pcm(0xAA), G711_ALAW_MAX);
	assert_int_equal(g711_alaw_to_pcm(0x2A), -G711_ALAW_MAX);
}

/* Every code against the tables' closed form, written independently of
 * the implementation's: mu-law segment s starts at 33 * 2^s - 33 with
 * steps of 2^(s+1); A-law segment 0 has odd outputs 1..31, segment s >= 1
 * starts at 33 * 2^(s-1) with steps of 2^s. */
static void test_whole_tables(void **state)
{
	(void)state;
	for (int seg = 0; seg < 8; seg++) {
		for (int m = 0; m < 16; m++) {
			int u = (33 << seg) - 33 + m * (2 << seg);
			int a = seg == 0 ? 2 * m + 1 :
				(33 << (seg - 1)) + m * (1 << seg);
			uint8_t c = (uint8_t)(seg << 4 | m);

			/* Wire: sign bit set for positive, rest inverted. */
			assert_int_equal(g711_ulaw_to_pcm(0xFF ^ c), 4 * u);
			assert_int_equal(g711_ulaw_to_pcm(0x7F ^ c), -4 * u);
			assert_int_equal(g711_alaw_to_pcm(0xD5 ^ c), 8 * a);
			assert_int_equal(g711_alaw_to_pcm(0x55 ^ c), -8 * a);
		}
	}
}

static void test_encode_reference_values(void **state)
{
	(void)state;
	assert_int_equal(g711_pcm_to_ulaw(0), 0xFF);
	assert_int_equal(g711_pcm_to_ulaw(-1), 0x7F);	/* negative zero */
	assert_int_equal(g711_pcm_to_ulaw(32767), 0x80);
	assert_int_equal(g711_pcm_to_ulaw(-32768), 0x00);
	assert_int_equal(g711_pcm_to_alaw(0), 0xD5);
	assert_int_equal(g711_pcm_to_alaw(-1), 0x55);
	assert_int_equal(g711_pcm_to_alaw(32767), 0xAA);
	assert_int_equal(g711_pcm_to_alaw(-32768), 0x2A);
	/* mu-law decision value 1 (14-bit) between outputs 0 and 2. */
	assert_int_equal(g711_pcm_to_ulaw(3), 0xFF);
	assert_int_equal(g711_pcm_to_ulaw(4), 0xFE);
}

static void test_round_trip_all_codes(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		uint8_t u = g711_pcm_to_ulaw(g711_ulaw_to_pcm((uint8_t)c));
		uint8_t a = g711_pcm_to_alaw(g711_alaw_to_pcm((uint8_t)c));

		/* mu-law has two zeros; 0 encodes as the positive one. */
		assert_int_equal(u, c == 0x7F ? 0xFF : c);
		assert_int_equal(a, c);
	}
}

static void test_monotonic(void **state)
{
	int prev_u = -32768, prev_a = -32768;

	(void)state;
	for (int s = -32768; s <= 32767; s++) {
		int u = g711_ulaw_to_pcm(g711_pcm_to_ulaw((int16_t)s));
		int a = g711_alaw_to_pcm(g711_pcm_to_alaw((int16_t)s));

		assert_true(u >= prev_u);
		assert_true(a >= prev_a);
		prev_u = u;
		prev_a = a;
	}
}

/* Every sample inside the range lands on a code at most half a step away
 * (the step of the segment it lands in; segment = bits 4-6 of the code). */
static void test_quantisation_error(void **state)
{
	(void)state;
	for (int s = -G711_ULAW_MAX; s <= G711_ULAW_MAX; s++) {
		uint8_t c = g711_pcm_to_ulaw((int16_t)s);
		int seg = ((c ^ 0xFF) >> 4) & 7;
		int err = g711_ulaw_to_pcm(c) - s;

		assert_true(err <= (4 << seg) && -err <= (4 << seg) + 4);
	}
	for (int s = -G711_ALAW_MAX; s <= G711_ALAW_MAX; s++) {
		uint8_t c = g711_pcm_to_alaw((int16_t)s);
		int seg = ((c ^ 0x55) >> 4) & 7;
		int half = seg == 0 ? 8 : 8 << (seg - 1);
		int err = g711_alaw_to_pcm(c) - s;

		assert_true(err <= half && -err <= half);
	}
}

static void test_buffers_match_samples(void **state)
{
	int16_t pcm[300], out[300];
	uint8_t u[300], a[300];

	(void)state;
	for (int i = 0; i < 300; i++)
		pcm[i] = (int16_t)(i * 219 - 32768);
	g711_ulaw_encode(pcm, 300, u);
	g711_alaw_encode(pcm, 300, a);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(u[i], g711_pcm_to_ulaw(pcm[i]));
		assert_int_equal(a[i], g711_pcm_to_alaw(pcm[i]));
	}
	g711_ulaw_decode(u, 300, out);
	for (int i = 0; i < 300; i++)
		assert_int_equal(out[i], g711_ulaw_to_pcm(u[i]));
	g711_alaw_decode(a, 300, out);
	for (int i = 0; i < 300; i++)
		assert_int_equal(out[i], g711_alaw_to_pcm(a[i]));
	g711_ulaw_decode(u, 0, out);	/* empty buffers are fine */
}

/* sin() without libm (the unit-test link line has no -lm): reduce to
 * [-pi/2, pi/2] and sum the Taylor series, error < 1e-12 there. */
static double t_sin(double x)
{
	const double pi = 3.14159265358979323846;
	double term, sum;

	x -= 2 * pi * (double)(long)(x / (2 * pi));
	if (x > pi)
		x -= 2 * pi;
	if (x < -pi)
		x += 2 * pi;
	if (x > pi / 2)
		x = pi - x;
	if (x < -pi / 2)
		x = -pi - x;
	term = sum = x;
	for (int k = 1; k < 12; k++) {
		term *= -x * x / ((2 * k) * (2 * k + 1));
		sum += term;
	}
	return sum;
}

/* Signal-to-noise power ratio of a tone through encode + decode. */
static double tone_snr(double hz, double peak, int alaw)
{
	enum { N = 8000 };
	int16_t pcm[N], out[N];
	uint8_t code[N];
	double sig = 0, noise = 0;

	for (int i = 0; i < N; i++)
		pcm[i] = (int16_t)(peak * t_sin(2 * 3.14159265358979 * hz *
						i / 8000.0 + 0.3));
	if (alaw) {
		g711_alaw_encode(pcm, N, code);
		g711_alaw_decode(code, N, out);
	} else {
		g711_ulaw_encode(pcm, N, code);
		g711_ulaw_decode(code, N, out);
	}
	for (int i = 0; i < N; i++) {
		double d = (double)out[i] - pcm[i];

		sig += (double)pcm[i] * pcm[i];
		noise += d * d;
	}
	return sig / noise;
}

/* A 1 kHz (and the 1004 Hz test tone, which is no sub-multiple of 8 kHz)
 * sine at -10 dBFS peak: SNR above 30 dB, a power ratio of 1000.  G.711
 * gives about 38 dB at this level. */
static void test_sine_snr(void **state)
{
	const double peak = 32767 * 0.316227766;	/* 10^(-10/20) */
	const double hz[] = { 1000, 1004 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		double u = tone_snr(hz[i], peak, 0);
		double a = tone_snr(hz[i], peak, 1);

		print_message("%.0f Hz: SNR power ratio mu-law %.0f, "
			      "A-law %.0f\n", hz[i], u, a);
		assert_true(u > 1000.0);
		assert_true(a > 1000.0);
	}
	/* A quiet tone (-40 dBFS) keeps over 30 dB too: that is the point of
	 * companding. */
	assert_true(tone_snr(1004, 327.67, 0) > 1000.0);
	assert_true(tone_snr(1004, 327.67, 1) > 1000.0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_reference_values),
		cmocka_unit_test(test_alaw_reference_values),
		cmocka_unit_test(test_whole_tables),
		cmocka_unit_test(test_encode_reference_values),
		cmocka_unit_test(test_round_trip_all_codes),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_quantisation_error),
		cmocka_unit_test(test_buffers_match_samples),
		cmocka_unit_test(test_sine_snr),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("g711", tests, NULL, NULL);
}
