/* xcode: Opus <-> G.711 transcoding through libopus at 8 kHz.  See
 * xcode.h. */
#include "xcode.h"

#include "g711.h"

#include <opus/opus.h>
#include <stdlib.h>
#include <string.h>

enum {
	/* Room for held G.711: a partial frame (< 160) plus one push of
	 * XCODE_G711_PUSH_MAX, rounded up to whole frames. */
	HOLD_CAP = XCODE_FRAME + XCODE_G711_PUSH_MAX,
	/* libopus conceals and decodes in steps of 2.5 ms (Fs / 400). */
	LOSS_STEP = XCODE_RATE / 400,
	/* Measured by bench/bench_opuscfg.c (docs/BENCHMARKS.md): at 8 kHz
	 * the encoder's CPU follows complexity (SILK's delayed-decision
	 * quantiser and pitch search), not bandwidth or bitrate, so CPU is
	 * saved at complexity 1 and the quality bought back with bits:
	 * complexity 1 at 32 kb/s is closer to the input than complexity 5
	 * at 24 kb/s was, for 0.45 of its CPU (FEC on; 0.40 with it
	 * dormant), and 32 kb/s is still half of G.711's 64. */
	CFG_COMPLEXITY = 1,
	CFG_BITRATE = 32000,
	CFG_LOSS_PERC = 10,
	/* Below 6 kb/s Opus has nothing left for speech; above 64 kb/s
	 * (G.711's own rate) narrowband Opus gains nothing. */
	BITRATE_MIN = 6000,
	BITRATE_MAX = 64000,
};

struct xcode {
	OpusDecoder *dec;	/* browser -> SIP */
	OpusEncoder *enc;	/* SIP -> browser */
	int loss_perc;		/* what the encoder was last told */
	unsigned held;		/* samples waiting in hold[] */
	int16_t hold[HOLD_CAP];
	int16_t pcm[XCODE_PKT_SAMPLES_MAX];	/* decoder output */
};

static const char *const err_names[XCODE_ERR__COUNT] = {
	[0] = "ok",
	[XCODE_ERR_ARG] = "bad argument",
	[XCODE_ERR_NOSPACE] = "buffer too small",
	[XCODE_ERR_CORRUPT] = "malformed Opus packet",
	[XCODE_ERR_FULL] = "G.711 backlog full",
	[XCODE_ERR_NOMEM] = "out of memory",
	[XCODE_ERR_CODEC] = "Opus codec failure",
};

const char *xcode_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= XCODE_ERR__COUNT)
		return "unknown error";
	return err_names[err];
}

/* The one place libopus codes become ours. */
static int map_opus(int e)
{
	switch (e) {
	case OPUS_BAD_ARG:
		return -XCODE_ERR_ARG;
	case OPUS_BUFFER_TOO_SMALL:
		return -XCODE_ERR_NOSPACE;
	case OPUS_INVALID_PACKET:
		return -XCODE_ERR_CORRUPT;
	case OPUS_ALLOC_FAIL:
		return -XCODE_ERR_NOMEM;
	default:
		return -XCODE_ERR_CODEC;
	}
}

static int law_ok(enum xcode_law law)
{
	return law == XCODE_ULAW || law == XCODE_ALAW;
}

static void to_g711(const int16_t *pcm, size_t n, enum xcode_law law,
		    uint8_t *out)
{
	if (law == XCODE_ULAW)
		g711_ulaw_encode(pcm, n, out);
	else
		g711_alaw_encode(pcm, n, out);
}

static void from_g711(const uint8_t *in, size_t n, enum xcode_law law,
		      int16_t *pcm)
{
	if (law == XCODE_ULAW)
		g711_ulaw_decode(in, n, pcm);
	else
		g711_alaw_decode(in, n, pcm);
}

/* ---- setup ---- */

void xcode_cfg_default(struct xcode_cfg *cfg)
{
	cfg->complexity = CFG_COMPLEXITY;
	cfg->bitrate = CFG_BITRATE;
	cfg->loss_perc = CFG_LOSS_PERC;
}

static int check_bitrate(int bitrate)
{
	return bitrate >= BITRATE_MIN && bitrate <= BITRATE_MAX ?
	       0 : -XCODE_ERR_ARG;
}

static int check_loss_perc(int loss_perc)
{
	return loss_perc >= 0 && loss_perc <= 100 ? 0 : -XCODE_ERR_ARG;
}

static int check_cfg(const struct xcode_cfg *c)
{
	if (c->complexity < 0 || c->complexity > 10)
		return -XCODE_ERR_ARG;
	if (check_bitrate(c->bitrate) || check_loss_perc(c->loss_perc))
		return -XCODE_ERR_ARG;
	return 0;
}

/* SIGNAL_VOICE: the SIP leg carries telephony speech, and it keeps the
 * encoder in SILK, the mode whose frames carry LBRR redundancy (RFC 6716
 * 4.2.4).  In-band FEC costs some bitrate but lets the browser rebuild a
 * lost packet from the next one (RFC 7587 3.3); libopus codes it only
 * while PACKET_LOSS_PERC is above 0, which xcode_loss_report() steers
 * from the browser's reports (LBRR is 15-20% of the encoder's CPU).
 * DTX off: a G.711 peer sends continuously, and at 8 kHz a silent frame
 * costs a few bytes, so gaps would save little and give the browser's
 * jitter buffer nothing to time against.  MAX_BANDWIDTH narrowband says
 * what 8 kHz input holds anyway: libopus 1.3 already stays narrowband
 * at an 8 kHz API rate (it would not spend bits above 4 kHz), so this
 * costs and changes nothing there, and keeps it so for any other
 * version.  VBR (the default) stays: CBR costs 1.7x the CPU (SILK
 * re-quantises a frame until it fills the fixed size). */
static int setup_encoder(OpusEncoder *enc, const struct xcode_cfg *c)
{
	int e = opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(c->complexity));

	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(
					     OPUS_BANDWIDTH_NARROWBAND));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc, OPUS_SET_BITRATE(c->bitrate));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc,
				     OPUS_SET_PACKET_LOSS_PERC(c->loss_perc));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(enc, OPUS_SET_DTX(0));
	return e == OPUS_OK ? 0 : map_opus(e);
}

int xcode_new(struct xcode **xp, const struct xcode_cfg *cfg)
{
	struct xcode_cfg def;
	struct xcode *x;
	int e, err;

	if (!xp)
		return -XCODE_ERR_ARG;
	if (!cfg) {
		xcode_cfg_default(&def);
		cfg = &def;
	}
	err = check_cfg(cfg);
	if (err)
		return err;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -XCODE_ERR_NOMEM;

	x->dec = opus_decoder_create(XCODE_RATE, 1, &e);
	if (!x->dec) {
		err = map_opus(e);
		goto out;
	}
	x->enc = opus_encoder_create(XCODE_RATE, 1, OPUS_APPLICATION_VOIP, &e);
	if (!x->enc) {
		err = map_opus(e);
		goto out;
	}
	err = setup_encoder(x->enc, cfg);
	x->loss_perc = cfg->loss_perc;
out:
	if (err)
		xcode_free(x);
	else
		*xp = x;
	return err;
}

struct xcode *xcode_free(struct xcode *x)
{
	if (x) {
		opus_decoder_destroy(x->dec);
		opus_encoder_destroy(x->enc);
		free(x);
	}
	return NULL;
}

void xcode_reset(struct xcode *x)
{
	if (!x)
		return;
	opus_decoder_ctl(x->dec, OPUS_RESET_STATE);
	opus_encoder_ctl(x->enc, OPUS_RESET_STATE);
	x->held = 0;
}

int xcode_set_bitrate(struct xcode *x, int bitrate)
{
	int e;

	if (!x || check_bitrate(bitrate))
		return -XCODE_ERR_ARG;
	e = opus_encoder_ctl(x->enc, OPUS_SET_BITRATE(bitrate));
	return e == OPUS_OK ? 0 : map_opus(e);
}

int xcode_set_loss_perc(struct xcode *x, int loss_perc)
{
	int e;

	if (!x || check_loss_perc(loss_perc))
		return -XCODE_ERR_ARG;
	e = opus_encoder_ctl(x->enc, OPUS_SET_PACKET_LOSS_PERC(loss_perc));
	if (e != OPUS_OK)
		return map_opus(e);
	x->loss_perc = loss_perc;
	return 0;
}

/* Up at once to what the browser saw (ceil(fraction * 100 / 256): one
 * lost packet in an interval is enough to turn FEC on), down by half per
 * report that saw less, so FEC outlasts a burst by a few reports (losses
 * come in episodes) and then goes dormant. */
int xcode_loss_report(struct xcode *x, unsigned fraction)
{
	int seen, next, err;

	if (!x || fraction > 255)
		return -XCODE_ERR_ARG;
	seen = (int)((fraction * 100 + 255) / 256);
	next = seen >= x->loss_perc ? seen : x->loss_perc / 2;
	if (next < seen)
		next = seen;
	if (next != x->loss_perc) {
		err = xcode_set_loss_perc(x, next);
		if (err)
			return err;
	}
	return next;
}

int xcode_info(const struct xcode *x, struct xcode_info *i)
{
	OpusEncoder *enc;
	int e;

	if (!x || !i)
		return -XCODE_ERR_ARG;
	enc = x->enc;
	e = opus_encoder_ctl(enc, OPUS_GET_COMPLEXITY(&i->complexity));
	e |= opus_encoder_ctl(enc, OPUS_GET_BITRATE(&i->bitrate));
	e |= opus_encoder_ctl(enc, OPUS_GET_PACKET_LOSS_PERC(&i->loss_perc));
	e |= opus_encoder_ctl(enc, OPUS_GET_INBAND_FEC(&i->inband_fec));
	e |= opus_encoder_ctl(enc, OPUS_GET_DTX(&i->dtx));
	e |= opus_encoder_ctl(enc, OPUS_GET_APPLICATION(&i->application));
	e |= opus_encoder_ctl(enc, OPUS_GET_SIGNAL(&i->signal));
	e |= opus_encoder_ctl(enc, OPUS_GET_SAMPLE_RATE(&i->enc_rate));
	e |= opus_encoder_ctl(enc, OPUS_GET_MAX_BANDWIDTH(&i->max_bandwidth));
	e |= opus_encoder_ctl(enc, OPUS_GET_VBR(&i->vbr));
	e |= opus_encoder_ctl(enc, OPUS_GET_VBR_CONSTRAINT(&i->cvbr));
	e |= opus_encoder_ctl(enc,
			      OPUS_GET_PREDICTION_DISABLED(&i->no_prediction));
	e |= opus_decoder_ctl(x->dec, OPUS_GET_SAMPLE_RATE(&i->dec_rate));
	/* OPUS_OK is 0 and every error negative, so any failure shows. */
	return e == OPUS_OK ? 0 : -XCODE_ERR_CODEC;
}

/* ---- Opus -> G.711 ---- */

int xcode_opus_to_g711(struct xcode *x, const uint8_t *opus, size_t len,
		       enum xcode_law law, uint8_t *out, size_t cap)
{
	int n;

	if (!x || !out || !law_ok(law))
		return -XCODE_ERR_ARG;
	/* Empty is malformed (RFC 6716 3.4 [R1]); libopus would take it
	 * for a loss and conceal, which is the caller's call to make. */
	if (!opus || len == 0 || len > INT32_MAX)
		return -XCODE_ERR_CORRUPT;
	/* Size the output from the TOC and frame count first, so that a
	 * short buffer leaves the decoder untouched.  This also refuses
	 * code 3 packets over 120 ms (RFC 6716 3.4 [R5]). */
	n = opus_packet_get_nb_samples(opus, (opus_int32)len, XCODE_RATE);
	if (n < 0)
		return map_opus(n);
	if ((size_t)n > cap)
		return -XCODE_ERR_NOSPACE;
	n = opus_decode(x->dec, opus, (opus_int32)len, x->pcm,
			XCODE_PKT_SAMPLES_MAX, 0);
	if (n < 0)
		return map_opus(n);
	to_g711(x->pcm, (size_t)n, law, out);
	return n;
}

/* The duration of the last packet decoded or concealed, for a loss of
 * unknown length: 20 ms before the first packet. */
static unsigned last_duration(struct xcode *x)
{
	opus_int32 d = 0;

	if (opus_decoder_ctl(x->dec, OPUS_GET_LAST_PACKET_DURATION(&d)) !=
	    OPUS_OK || d <= 0)
		return XCODE_FRAME;
	return (unsigned)d;
}

int xcode_opus_lost(struct xcode *x, const uint8_t *next, size_t len,
		    unsigned samples, enum xcode_law law, uint8_t *out,
		    size_t cap)
{
	int n = -1;

	if (!x || !out || !law_ok(law))
		return -XCODE_ERR_ARG;
	if (samples == 0)
		samples = last_duration(x);
	/* libopus wants exactly the missing duration (opus_decode()), so
	 * that the packet after the gap lines up with the concealment. */
	if (samples % LOSS_STEP || samples > XCODE_PKT_SAMPLES_MAX)
		return -XCODE_ERR_ARG;
	if (samples > cap)
		return -XCODE_ERR_NOSPACE;
	/* decode_fec = 1 rebuilds the frame before next from its LBRR
	 * data, and falls back to PLC by itself when next has none (CELT
	 * packets, or a SILK frame coded without it). */
	if (next && len > 0 && len <= INT32_MAX)
		n = opus_decode(x->dec, next, (opus_int32)len, x->pcm,
				(int)samples, 1);
	/* A malformed next packet carries no usable redundancy: conceal.
	 * It will be refused again when the caller decodes it. */
	if (n < 0)
		n = opus_decode(x->dec, NULL, 0, x->pcm, (int)samples, 0);
	if (n < 0)
		return map_opus(n);
	to_g711(x->pcm, (size_t)n, law, out);
	return n;
}

/* ---- G.711 -> Opus ---- */

int xcode_g711_to_opus(struct xcode *x, const uint8_t *g711, size_t n,
		       enum xcode_law law, uint8_t *out, size_t cap)
{
	int r;

	if (!x || !out || !law_ok(law) || (!g711 && n))
		return -XCODE_ERR_ARG;
	if (cap < XCODE_OPUS_PKT_MAX)
		return -XCODE_ERR_NOSPACE;
	if (n > HOLD_CAP - x->held)
		return -XCODE_ERR_FULL;
	if (n) {
		from_g711(g711, n, law, x->hold + x->held);
		x->held += (unsigned)n;
	}
	if (x->held < XCODE_FRAME)
		return 0;

	r = opus_encode(x->enc, x->hold, XCODE_FRAME, out, XCODE_OPUS_PKT_MAX);
	/* Whether or not the encoder took the frame, it leaves the queue:
	 * retrying a frame libopus refused would wedge the stream. */
	x->held -= XCODE_FRAME;
	memmove(x->hold, x->hold + XCODE_FRAME, x->held * sizeof(x->hold[0]));
	return r < 0 ? map_opus(r) : r;
}

unsigned xcode_g711_held(const struct xcode *x)
{
	return x ? x->held : 0;
}

/* ---- RTP timestamps ---- */

uint32_t xcode_ts_to_opus(uint32_t g711_ts, uint32_t g711_at,
			  uint32_t opus_at)
{
	return opus_at + xcode_ts_dur_to_opus(g711_ts - g711_at);
}

uint32_t xcode_ts_to_g711(uint32_t opus_ts, uint32_t opus_at,
			  uint32_t g711_at)
{
	uint32_t d = opus_ts - opus_at;
	uint32_t back;

	if (d < UINT32_C(0x80000000))
		return g711_at + d / XCODE_TS_RATIO;
	/* Behind the anchor: divide the magnitude, rounding it up so that
	 * the result rounds toward minus infinity like the forward case. */
	back = 0u - d;
	return g711_at - (back + XCODE_TS_RATIO - 1) / XCODE_TS_RATIO;
}
