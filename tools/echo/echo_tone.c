/* echo_tone: see echo_tone.h */
#include "echo_tone.h"
#include "echo_g711.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <opus/opus.h>
#include <stdlib.h>

enum {
	TONE_HZ = 440,
	TONE_ON_MS = 400,
	TONE_PERIOD_MS = 500,
	TONE_FRAME_MS = 20,
	TONE_MAX_SAMPLES = 960,	/* 20 ms at 48 kHz */
};
#define TONE_LEVEL 0.25		/* -12 dBFS: clear, not harsh */

struct echo_tone {
	enum echo_codec codec;
	unsigned rate;		/* samples per second */
	unsigned long n;	/* samples made so far */
	unsigned long total;	/* samples to make */
	OpusEncoder *enc;	/* Opus only */
};

int echo_tone_alloc(struct echo_tone **tp, enum echo_codec codec, long ms)
{
	struct echo_tone *t = calloc(1, sizeof(*t));
	long frames = (ms + TONE_FRAME_MS - 1) / TONE_FRAME_MS;
	int oe = OPUS_OK;

	if (!t)
		return ENOMEM;
	t->codec = codec;
	t->rate = echo_codec_frame(codec) * (1000 / TONE_FRAME_MS);
	t->total = (unsigned long)frames * echo_codec_frame(codec);
	if (codec == ECHO_OPUS) {
		/* One channel: an opus/48000/2 decoder plays mono packets. */
		t->enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO,
					     &oe);
		if (oe != OPUS_OK) {
			LOG_WARN("tone", "no Opus encoder: %s", opus_strerror(oe));
			free(t);
			return EIO;
		}
	}
	*tp = t;
	return 0;
}

/* One 20 ms frame of linear samples; beeps with silence between them. */
static void echo_tone_pcm(struct echo_tone *t, int16_t *pcm, unsigned len)
{
	for (unsigned i = 0; i < len; i++, t->n++) {
		unsigned long ms = t->n * 1000 / t->rate;
		double v = 0;

		if (ms % TONE_PERIOD_MS < TONE_ON_MS)
			v = TONE_LEVEL * 32767 *
			    sin(2 * M_PI * TONE_HZ * (double)t->n / t->rate);
		pcm[i] = (int16_t)lrint(v);
	}
}

size_t echo_tone_next(struct echo_tone *t, uint8_t *buf, size_t size)
{
	int16_t pcm[TONE_MAX_SAMPLES];
	unsigned len = echo_codec_frame(t->codec);
	opus_int32 n;

	if (t->n >= t->total || size < ECHO_TONE_MAX)
		return 0;
	echo_tone_pcm(t, pcm, len);
	if (t->codec != ECHO_OPUS) {
		for (unsigned i = 0; i < len; i++)
			buf[i] = t->codec == ECHO_PCMU ? echo_g711_ulaw(pcm[i])
						       : echo_g711_alaw(pcm[i]);
		return len;
	}
	n = opus_encode(t->enc, pcm, (int)len, buf, (opus_int32)size);
	if (n < 0) {
		LOG_WARN("tone", "Opus encoding failed: %s", opus_strerror(n));
		t->n = t->total;
		return 0;
	}
	return (size_t)n;
}

void echo_tone_free(struct echo_tone *t)
{
	if (!t)
		return;
	if (t->enc)
		opus_encoder_destroy(t->enc);
	free(t);
}
