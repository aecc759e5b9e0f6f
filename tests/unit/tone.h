/* tone: the signal helpers the transcoder's unit tests share (a sine in,
 * the level of one frequency out). */
#ifndef TONE_H
#define TONE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* n samples at fs Hz of a sine at f Hz, amplitude amp, from sample t0. */
static inline void make_tone(int16_t *pcm, size_t n, double f, double fs,
			     double amp, size_t t0)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)lrint(amp * sin(2 * M_PI * f *
						  (double)(t0 + i) / fs));
}

/* Amplitude of the component at f (Goertzel): exact for a sine whose
 * period divides n evenly. */
static inline double tone_amp(const int16_t *x, size_t n, double f,
			      double fs)
{
	double c = 2 * cos(2 * M_PI * f / fs), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return 2 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n;
}

static inline double db(double a, double b)
{
	return 20 * log10(a / b);
}

#endif
