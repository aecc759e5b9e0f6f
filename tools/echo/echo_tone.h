/* echo_tone: the greeting, 440 Hz beeps (400 ms on, 100 ms off) as 20 ms
 * RTP payloads in the call's codec: G.711 encoded here, Opus with libopus.
 * It tells the caller at once that the call works, before their own voice
 * comes back. */
#ifndef RTCGATE_ECHO_TONE_H
#define RTCGATE_ECHO_TONE_H

#include "echo_sdp.h"

#include <stddef.h>
#include <stdint.h>

struct echo_tone;

/* ms of beeps, rounded up to whole 20 ms frames.  ENOMEM, or EIO when
 * libopus refuses (its text logged). */
int echo_tone_alloc(struct echo_tone **tp, enum echo_codec codec, long ms);
/* The next frame's payload into buf (size >= ECHO_TONE_MAX); its length,
 * or 0 when the tone is over (or Opus failed to encode it). */
size_t echo_tone_next(struct echo_tone *t, uint8_t *buf, size_t size);
void echo_tone_free(struct echo_tone *t);

enum { ECHO_TONE_MAX = 1276 };	/* the largest Opus frame + 1 */

#endif
