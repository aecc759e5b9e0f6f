/* echo_g711: see echo_g711.h.  Written from the segment description in
 * G.711: a sign bit, a 3-bit segment (the position of the highest set bit
 * of the magnitude) and the 4 bits below it. */
#include "echo_g711.h"

/* Segment of a magnitude: how far its top bit lies above bit 'base'. */
static unsigned echo_g711_seg(unsigned mag, unsigned base)
{
	unsigned seg = 0;

	for (mag >>= base; mag > 1 && seg < 7; mag >>= 1)
		seg++;
	return seg;
}

uint8_t echo_g711_ulaw(int16_t pcm)
{
	/* mu-law works on 14 bits plus a bias of 33 (0x84 at 16 bits) that
	 * puts the first segment's top bit at bit 7. */
	unsigned sign = pcm < 0 ? 0x80 : 0;
	unsigned mag = pcm < 0 ? -(int)pcm : pcm;
	unsigned seg, mant;

	if (mag > 32635)
		mag = 32635;
	mag += 0x84;
	seg = echo_g711_seg(mag, 7);
	mant = (mag >> (seg + 3)) & 0x0F;
	return (uint8_t)~(sign | seg << 4 | mant);
}

uint8_t echo_g711_alaw(int16_t pcm)
{
	/* A-law: 13 bits, segment 0 is linear like segment 1; the sign bit
	 * is set for positive values and even bits are inverted (0x55). */
	unsigned sign = pcm >= 0 ? 0x80 : 0;
	unsigned mag = pcm < 0 ? -((int)pcm + 1) : pcm;
	unsigned seg, mant;

	mag >>= 3;		/* 16 -> 13 bits */
	seg = mag < 32 ? 0 : echo_g711_seg(mag, 4);
	mant = seg ? (mag >> seg) & 0x0F : (mag >> 1) & 0x0F;
	return (uint8_t)((sign | seg << 4 | mant) ^ 0x55);
}
