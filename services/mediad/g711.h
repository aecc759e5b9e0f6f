/* g711: ITU-T G.711 mu-law (PCMU) and A-law (PCMA) companding between
 * 8-bit codes and 16-bit linear PCM.  Pure functions over caller-owned
 * buffers: no allocation, no state, safe from any thread.
 *
 * Linear samples are 16-bit two's complement.  G.711 itself works on 14-bit
 * (mu-law) and 13-bit (A-law) linear values; we scale those by 4 and 8 so
 * that full scale maps onto int16_t.  Decoding is a 256-entry table lookup;
 * encoding is computed (a few integer operations, see g711.c for why not a
 * 16K/4K table).  The codes are the ones sent on the wire (RFC 3551 4.5.14):
 * mu-law with all bits inverted, A-law with the even bits inverted.
 */
#ifndef RTCGATE_G711_H
#define RTCGATE_G711_H

#include <stddef.h>
#include <stdint.h>

enum {
	G711_ULAW_MAX = 32124,	/* |decoded| of mu-law codes 0x80, 0x00 */
	G711_ALAW_MAX = 32256,	/* |decoded| of A-law codes 0xAA, 0x2A */
};

/* Decode tables, indexed by the wire code. */
extern const int16_t g711_ulaw_table[256];
extern const int16_t g711_alaw_table[256];

static inline int16_t g711_ulaw_to_pcm(uint8_t code)
{
	return g711_ulaw_table[code];
}

static inline int16_t g711_alaw_to_pcm(uint8_t code)
{
	return g711_alaw_table[code];
}

/* Quantise one sample to the code whose interval contains it.  Zero gives
 * the positive-zero codes (mu-law 0xFF, A-law 0xD5). */
uint8_t g711_pcm_to_ulaw(int16_t sample);
uint8_t g711_pcm_to_alaw(int16_t sample);

/* Buffer converters: n samples from in to out (which must not overlap). */
void g711_ulaw_decode(const uint8_t *in, size_t n, int16_t *out);
void g711_ulaw_encode(const int16_t *in, size_t n, uint8_t *out);
void g711_alaw_decode(const uint8_t *in, size_t n, int16_t *out);
void g711_alaw_encode(const int16_t *in, size_t n, uint8_t *out);

#endif
