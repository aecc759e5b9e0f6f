/* benchc: what the C micro-benchmarks under bench/ share (header only:
 * each benchmark is one file built by bench/run.sh). */
#ifndef BENCHC_H
#define BENCHC_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds on clock c: CLOCK_THREAD_CPUTIME_ID for CPU cost (what the
 * figures quote: other processes on a busy machine do not count),
 * CLOCK_MONOTONIC for elapsed time. */
static inline uint64_t bench_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort order for doubles, for medians. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* n samples at fs Hz of a voice-like signal: a 140 Hz pitch with its
 * harmonics below fs/2, a 4 Hz envelope and a little noise (repeatable:
 * a fixed LCG).  Link with -lm. */
static inline void bench_voiced(int16_t *pcm, size_t n, double fs)
{
	unsigned r = 1;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / fs, v = 0;
		double env = 0.55 + 0.45 * sin(2 * M_PI * 4 * t);

		for (int h = 1; h <= 24 && h * 140 < fs / 2; h++)
			v += sin(2 * M_PI * 140 * h * t) / h;
		r = r * 1103515245u + 12345u;
		v = 4000 * env * v + (double)((r >> 16) % 601) - 300;
		pcm[i] = (int16_t)lrint(v);
	}
}

#endif
