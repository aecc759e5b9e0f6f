/* xcode: Opus <-> G.711 transcoding for one call's media, both ways.
 *
 * One struct xcode serves a pair of stream directions: browser Opus to SIP
 * G.711 through its Opus decoder, and SIP G.711 to browser Opus through its
 * Opus encoder.  The two halves share nothing but the allocation, so they
 * may be driven independently (but by one thread: a struct belongs to the
 * worker that owns its session, like every per-call state in mediad).
 *
 * Both Opus states run at 8 kHz mono.  An Opus decoder may output any of
 * its supported rates whatever bandwidth the packet codes (libopus
 * opus_decoder_create(); CELT drops the bands above the output's Nyquist
 * rate before synthesis), and the encoder takes 8 kHz input and codes
 * narrowband, so no resampler is needed here.  G.711 goes through
 * g711.h.  Telephone-event (RFC 4733) is not transcoded: it is relayed
 * beside the audio with its payload type mapped.
 *
 * Memory: xcode_new() makes the only allocations; every per-packet call
 * works in the struct and the caller's buffers.
 *
 * Errors: every function that can fail returns a negative -XCODE_ERR_*
 * (and otherwise 0 or a count); xcode_strerror() names it.  This is the
 * convention of rtp.h, the neighbouring packet-path module, so a drop
 * counter per reason is one array index away.  libopus codes are mapped
 * onto these at the boundary.
 */
#ifndef RTCGATE_XCODE_H
#define RTCGATE_XCODE_H

#include <stddef.h>
#include <stdint.h>

enum xcode_err {
	XCODE_ERR_ARG = 1,	/* bad argument or configuration */
	XCODE_ERR_NOSPACE,	/* output buffer too small: nothing done */
	XCODE_ERR_CORRUPT,	/* malformed Opus packet (RFC 6716 3.4) */
	XCODE_ERR_FULL,		/* G.711 backlog full: drain it first */
	XCODE_ERR_NOMEM,	/* allocation failed (setup only) */
	XCODE_ERR_CODEC,	/* any other libopus failure */
	XCODE_ERR__COUNT
};

/* "malformed Opus packet" etc. for logs; takes err or -err. */
const char *xcode_strerror(int err);

enum xcode_law {
	XCODE_ULAW,		/* PCMU, static payload type 0 */
	XCODE_ALAW,		/* PCMA, static payload type 8 */
};

enum {
	XCODE_RATE = 8000,	/* G.711 and our Opus API rate, Hz */
	XCODE_OPUS_CLOCK = 48000,	/* Opus RTP clock, RFC 7587 4.1 */
	XCODE_TS_RATIO = XCODE_OPUS_CLOCK / XCODE_RATE,
	XCODE_FRAME = 160,	/* samples per Opus frame we encode: 20 ms */
	XCODE_FRAME_TS = XCODE_FRAME * XCODE_TS_RATIO,	/* 960 ticks */
	/* Most samples one Opus packet decodes to: 120 ms (RFC 6716 3.2.5,
	 * RFC 7587 4.2).  Size G.711 output buffers with it. */
	XCODE_PKT_SAMPLES_MAX = 960,
	/* Output room xcode_g711_to_opus() requires: a one-frame (code 0)
	 * packet is a TOC byte plus at most 1275 bytes (RFC 6716 3.2.1).
	 * libopus would shrink a frame to fit a smaller buffer, silently
	 * trading quality for space, so a smaller cap is refused instead. */
	XCODE_OPUS_PKT_MAX = 1276,
	/* Most G.711 samples one xcode_g711_to_opus() call accepts after
	 * the backlog has been drained: 60 ms, above any SIP ptime we
	 * negotiate (10, 20, 30, 40). */
	XCODE_G711_PUSH_MAX = 480,
};

/* Encoder settings.  xcode_cfg_default() fills in the defaults. */
struct xcode_cfg {
	int complexity;		/* 0-10, default 1: CPU for quality */
	int bitrate;		/* bits/s, 6000-64000, default 32000 */
	int loss_perc;		/* 0-100, default 10: expected loss until
				   the browser reports (see
				   xcode_loss_report()); sizes the in-band
				   FEC (RFC 7587 3.3), none at 0 */
};

void xcode_cfg_default(struct xcode_cfg *cfg);

struct xcode;

/* Create a transcoder (cfg NULL: defaults).  Returns 0 with *xp set, or
 * -XCODE_ERR_ARG (cfg out of range) or -XCODE_ERR_NOMEM.  The encoder is
 * OPUS_APPLICATION_VOIP, voice signal, narrowband at most, VBR, in-band
 * FEC on (coded while loss_perc > 0), DTX off (a G.711 peer sends
 * continuously and silence costs little at 8 kHz). */
int xcode_new(struct xcode **xp, const struct xcode_cfg *cfg);
/* Free x (NULL is fine).  Returns NULL, for x = xcode_free(x). */
struct xcode *xcode_free(struct xcode *x);

/* Forget all history (both codecs and held G.711 samples): for a new
 * input source, hold/resume, or a codec change.  NULL is ignored. */
void xcode_reset(struct xcode *x);

/* Retune the encoder mid-call, e.g. from RTCP loss reports or REMB.
 * Same ranges as struct xcode_cfg. */
int xcode_set_bitrate(struct xcode *x, int bitrate);
int xcode_set_loss_perc(struct xcode *x, int loss_perc);

/* The browser reported `fraction` (RTCP's 8-bit fraction lost, /256) of
 * our Opus packets lost in its last interval.  The encoder's expected
 * loss follows it: up at once, down by half per quieter report, so
 * in-band FEC is coded while the browser loses packets and for a few
 * reports after, and costs nothing (bits or the encoder's LBRR pass)
 * on a clean path.  Returns the loss percentage now set, or
 * -XCODE_ERR_ARG. */
int xcode_loss_report(struct xcode *x, unsigned fraction);

/* The encoder's settings as libopus reports them, for logs and tests. */
struct xcode_info {
	int complexity, bitrate, loss_perc;
	int inband_fec, dtx, application, signal;
	int enc_rate, dec_rate;
	int max_bandwidth, vbr, cvbr, no_prediction;
};

int xcode_info(const struct xcode *x, struct xcode_info *info);

/* ---- Opus -> G.711 ---- */

/* Decode one Opus packet (an RTP payload, any frame size 2.5-60 ms, any
 * frame count up to 120 ms) to G.711 in out.  Returns the number of
 * 8 kHz samples (= bytes) written: 80 for 10 ms, 160 for 20 ms, 320 for
 * 40 ms, 480 for 60 ms; the caller splits them into SIP packets of its
 * ptime.  Errors: -XCODE_ERR_CORRUPT (malformed, including empty
 * packets: RFC 6716 3.4 [R1]), -XCODE_ERR_NOSPACE (the packet holds more
 * than cap samples; checked before decoding, so the decoder state is
 * untouched and a retry with more room gives the same result). */
int xcode_opus_to_g711(struct xcode *x, const uint8_t *opus, size_t len,
		       enum xcode_law law, uint8_t *out, size_t cap);

/* Fill in for a lost Opus packet, in order, before decoding the packet
 * that follows it.  With next (the packet after the loss, len bytes) the
 * loss is rebuilt from the low-bitrate redundancy (LBRR) that a SILK or
 * hybrid packet may carry for its predecessor (RFC 6716 4.2.4-4.2.6,
 * RFC 7587 3.3); without it, or when next carries none or is
 * malformed, libopus conceals (PLC, RFC 6716 4.4).  Either way next
 * must still be decoded normally afterwards.
 *
 * samples is the missing duration at 8 kHz: a multiple of 20 (2.5 ms)
 * up to XCODE_PKT_SAMPLES_MAX, or 0 for "as long as the last packet".
 * Take it from the RTP timestamp gap (xcode_ts_dur_to_g711()).  For
 * several packets lost in a row, call once per packet, with next only
 * on the last one: LBRR covers one packet back.  Returns the samples
 * written, or -XCODE_ERR_ARG / -XCODE_ERR_NOSPACE (state untouched). */
int xcode_opus_lost(struct xcode *x, const uint8_t *next, size_t len,
		    unsigned samples, enum xcode_law law, uint8_t *out,
		    size_t cap);

/* ---- G.711 -> Opus ---- */

/* Push n G.711 samples (any SIP ptime) and take out at most one 20 ms
 * Opus packet.  Samples wait in the struct until 160 have arrived; each
 * call encodes the oldest 160 if it can, so a call may yield nothing
 * (10 ms ptime: every other call) or leave whole frames behind (30 and
 * 40 ms).  Drain those by calling again with g711 NULL and n 0 until it
 * returns 0, e.g.
 *
 *	for (r = xcode_g711_to_opus(x, p, n, law, buf, cap); r > 0;
 *	     r = xcode_g711_to_opus(x, NULL, 0, law, buf, cap))
 *		send_opus(buf, r);	-- RTP ts += XCODE_FRAME_TS
 *
 * A partial frame (held < 160) stays until more input or xcode_reset().
 * Returns the packet's length, 0 for no packet yet, or
 * -XCODE_ERR_NOSPACE (cap < XCODE_OPUS_PKT_MAX), -XCODE_ERR_FULL (more
 * than the backlog can hold; see XCODE_G711_PUSH_MAX), -XCODE_ERR_ARG:
 * none of these consume input.  -XCODE_ERR_CODEC drops the frame. */
int xcode_g711_to_opus(struct xcode *x, const uint8_t *g711, size_t n,
		       enum xcode_law law, uint8_t *out, size_t cap);

/* G.711 samples pushed but not yet encoded (0 for NULL).  Timing:
 * the packet a call has just returned starts xcode_g711_held(x) +
 * XCODE_FRAME samples before the end of all input pushed so far, i.e.
 * at G.711 timestamp ts + n - held - 160 for a last push of n samples
 * at timestamp ts. */
unsigned xcode_g711_held(const struct xcode *x);

/* ---- RTP timestamps ----
 *
 * Opus RTP timestamps count 48 kHz ticks whatever the coded bandwidth
 * or the decoder's rate (RFC 7587 4.1); G.711 counts 8 kHz (RFC 3551
 * 4.5.14).  Each leg starts at its own random value (RFC 3550 5.1), so
 * absolute values convert only through an anchor: a pair of timestamps,
 * one on each clock, for the same instant (e.g. the first packet
 * transcoded).  G.711 to Opus multiplies by 6, which is exact modulo
 * 2^32 at any distance from the anchor.  Opus to G.711 divides a
 * difference taken modulo 2^32 as signed, so it is exact within 2^31
 * ticks (12.4 hours) either side of the anchor; moving the anchor along
 * with the stream (anchor = last pair converted) lifts that limit.  Opus
 * frame durations are multiples of 2.5 ms = 120 ticks, so the division
 * is exact between packet timestamps of one Opus stream; otherwise it
 * rounds toward minus infinity, keeping the mapping monotonic across the
 * anchor. */

/* A duration (a timestamp difference) from one clock to the other. */
static inline uint32_t xcode_ts_dur_to_opus(uint32_t g711_ticks)
{
	return g711_ticks * XCODE_TS_RATIO;	/* exact modulo 2^32 */
}

static inline uint32_t xcode_ts_dur_to_g711(uint32_t opus_ticks)
{
	return opus_ticks / XCODE_TS_RATIO;
}

/* An absolute timestamp, through the anchor (g711_at, opus_at). */
uint32_t xcode_ts_to_opus(uint32_t g711_ts, uint32_t g711_at,
			  uint32_t opus_at);
uint32_t xcode_ts_to_g711(uint32_t opus_ts, uint32_t opus_at,
			  uint32_t g711_at);

#endif
