/* g711: ITU-T G.711 companding.  See g711.h.
 *
 * Both laws are piecewise linear: 8 segments ("chords") per sign, 16 equal
 * steps per segment, each segment twice as wide as the one below it.
 * A code is sign | segment << 4 | mantissa, then inverted for the wire:
 * mu-law inverts every bit, A-law the even bits (XOR 0x55), G.711 tables
 * 1a and 2a.
 *
 * Encoding is computed, not looked up.  bench/bench_packet.c times both
 * against tables built from these functions (mu-law depends only on
 * sample >> 2: 16K entries; A-law only on sample >> 4: 4K).  On the 2.5 GHz
 * Xeon VM we build on, best of 9 runs, encode alone: mu-law 3.0 ns/sample
 * computed vs 2.0 from the table, A-law 3.2 vs 0.5.  That is under 0.5 us
 * per 20 ms frame, below 1% of the Opus work (about 80 us per frame pair,
 * issue 4) that every G.711 encode in mediad sits next to, while the
 * tables would take 20 of the 32 KB of a core's L1d from sockets, SRTP, Opus
 * state; in the benchmark they are always hot, which flatters them.
 */
#include "g711.h"

/* Magnitude of a mu-law code after undoing the wire inversion: the
 * segment's start (33 << seg) - 33 plus mantissa steps of 2 << seg, in
 * 14-bit units (G.711 table 2a), times 4 for 16-bit PCM.  Written as the
 * usual biased form: ((mant << 3) + 0x84) << seg, minus the bias 0x84. */
#define ULAW_MAG(u)							\
	((((((u) & 0x0F) << 3) + 0x84) << (((u) >> 4) & 7)) - 0x84)
#define ULAW_DEC(c) ((int16_t)((((c) ^ 0xFF) & 0x80) ?		\
			       -ULAW_MAG((c) ^ 0xFF) : ULAW_MAG((c) ^ 0xFF)))

/* Magnitude of an A-law code after XOR 0x55: segment 0 has outputs
 * 2 * mant + 1, segment s >= 1 has (2 * mant + 33) << (s - 1) (G.711 table
 * 1a, 12-bit units), times 8 for 16-bit PCM; the shift is written as
 * s + 2 so that no shift count is negative, even in the arm not taken.
 * The sign bit set means positive. */
#define ALAW_MAG(a) ((((a) >> 4) & 7) == 0 ?				\
		     (2 * ((a) & 0x0F) + 1) << 3 :				\
		     (2 * ((a) & 0x0F) + 33) << ((((a) >> 4) & 7) + 2))
#define ALAW_DEC(c) ((int16_t)((((c) ^ 0x55) & 0x80) ?		\
			       ALAW_MAG((c) ^ 0x55) : -ALAW_MAG((c) ^ 0x55)))

/* The tables are spelled out by the preprocessor from the formulas above,
 * so they are const data with nothing to initialise at run time. */
#define ROW16(F, b)							\
	F((b) + 0x0), F((b) + 0x1), F((b) + 0x2), F((b) + 0x3),		\
	F((b) + 0x4), F((b) + 0x5), F((b) + 0x6), F((b) + 0x7),		\
	F((b) + 0x8), F((b) + 0x9), F((b) + 0xA), F((b) + 0xB),		\
	F((b) + 0xC), F((b) + 0xD), F((b) + 0xE), F((b) + 0xF)
#define TABLE256(F)							\
	ROW16(F, 0x00), ROW16(F, 0x10), ROW16(F, 0x20), ROW16(F, 0x30),	\
	ROW16(F, 0x40), ROW16(F, 0x50), ROW16(F, 0x60), ROW16(F, 0x70),	\
	ROW16(F, 0x80), ROW16(F, 0x90), ROW16(F, 0xA0), ROW16(F, 0xB0),	\
	ROW16(F, 0xC0), ROW16(F, 0xD0), ROW16(F, 0xE0), ROW16(F, 0xF0)

const int16_t g711_ulaw_table[256] = { TABLE256(ULAW_DEC) };
const int16_t g711_alaw_table[256] = { TABLE256(ALAW_DEC) };

/* Index of the highest set bit; v must be non-zero. */
static inline unsigned top_bit(unsigned v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

/* All ones for a negative sample, else 0.  Audio signs are random, so a
 * branch here mispredicts half the time (measured: A-law encode took 40%
 * longer when GCC chose one).  GCC and Clang shift signed values
 * arithmetically. */
static inline unsigned neg_mask(int16_t s)
{
	return (unsigned)(s >> 15);
}

/* Negative samples are folded with the one's complement (~x == -x - 1), as
 * ITU-T G.191's reference coder does: the decision levels are then
 * symmetric about -0.5, and -1 lands on a zero code instead of the first
 * negative step. */
static inline unsigned fold(int16_t s)
{
	return ((unsigned)s ^ neg_mask(s)) & 0x7FFF;
}

uint8_t g711_pcm_to_ulaw(int16_t sample)
{
	/* Before the wire inversion the sign bit is set for negatives. */
	unsigned sign = neg_mask(sample) & 0x80;
	/* 14-bit magnitude plus the bias 33, which makes every segment start
	 * at a power of two (33 << seg), so the segment is a bit position. */
	unsigned mag = (fold(sample) >> 2) + 33;
	unsigned seg, mant;

	if (mag > 0x1FFF)	/* clip to the top of segment 7 */
		mag = 0x1FFF;
	seg = top_bit(mag) - 5;
	mant = (mag >> (seg + 1)) & 0x0F;
	return (uint8_t)~(sign | seg << 4 | mant);
}

uint8_t g711_pcm_to_alaw(int16_t sample)
{
	unsigned sign = ~neg_mask(sample) & 0x80;	/* set: positive */
	unsigned mag = fold(sample) >> 4;	/* 0..2047, steps of 2 */
	/* Segments 0 and 1 share one step, so below 32 the magnitude is
	 * already segment << 4 | mantissa.  Above, with sh = segment - 1,
	 * mag >> sh lies in [16, 32): adding it to sh << 4 carries its
	 * leading 1 into the segment field.  One formula, no branch (the
	 * branchy form mispredicted on speech-like input). */
	unsigned sh = top_bit(mag | 16) - 4;
	unsigned code = (sh << 4) + (mag >> sh);

	return (uint8_t)((sign | code) ^ 0x55);
}

void g711_ulaw_decode(const uint8_t *in, size_t n, int16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_ulaw_table[in[i]];
}

void g711_ulaw_encode(const int16_t *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_pcm_to_ulaw(in[i]);
}

void g711_alaw_decode(const uint8_t *in, size_t n, int16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_alaw_table[in[i]];
}

void g711_alaw_encode(const int16_t *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_pcm_to_alaw(in[i]);
}
