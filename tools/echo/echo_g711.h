/* echo_g711: 16-bit linear PCM to ITU-T G.711 mu-law and A-law, for the
 * tone only (the echo sends the caller's own bytes back, so nothing is
 * ever decoded). */
#ifndef RTCGATE_ECHO_G711_H
#define RTCGATE_ECHO_G711_H

#include <stdint.h>

uint8_t echo_g711_ulaw(int16_t pcm);
uint8_t echo_g711_alaw(int16_t pcm);

#endif
