/* pmedia: the audio we send, what we make of the audio we receive, and
 * latency histograms.
 *
 * Sending costs next to nothing per packet: a tone whose frequency is a
 * multiple of 50 Hz repeats exactly every 20 ms, so one G.711 frame is
 * computed at start and copied; for Opus a cycle of frames is encoded
 * once and replayed (the encoder state differs at the seam, the audio
 * does not).  That keeps the peer's CPU for the packet path, which is
 * what a load test needs to leave to mediad.
 *
 * Every packet carries its send time (CLOCK_REALTIME, ns) in a one-byte
 * RTP header extension (RFC 8285, id 14): mediad relays the header
 * untouched, and SRTP authenticates it without encrypting it.  The
 * receiver takes its arrival time from the kernel (SO_TIMESTAMPNS, same
 * clock), so the peer's own scheduling delay is not counted.
 */
#include "peer.h"
#include "g711.h"
#include "rtp.h"

#include <errno.h>
#include <math.h>
#include <opus/opus.h>
#include <string.h>
#include <time.h>

enum {
	EXT_ID = 14,		/* our send-time element */
	EXT_HDR = 4 + 12,	/* 0xBEDE, length 3 words: 1+8 bytes, padded */
	HDR_LEN = RTP_HDR_MIN + EXT_HDR,
	PT_OPUS = 111,
};

/* One side's tone, pre-encoded in that side's codec. */
struct ptone {
	enum peer_codec c;
	int hz;
	int n;				/* frames in the cycle */
	size_t len[PEER_OPUS_CYCLE];
	uint8_t data[PEER_OPUS_CYCLE][PEER_OPUS_MAX];
};

static struct ptone tones[2];

uint64_t pmedia_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t pmedia_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int pmedia_pt(enum peer_codec c)
{
	return c == PEER_PCMU ? 0 : c == PEER_PCMA ? 8 : PT_OPUS;
}

uint32_t pmedia_ts_step(enum peer_codec c)
{
	return c == PEER_OPUS ? 960 : PEER_FRAME;	/* RFC 7587 4.1 */
}

static void pmedia_sine(int16_t *pcm, size_t n, int hz, uint64_t first)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)lrint(0.3 * 32767.0 *
			sin(2.0 * M_PI * hz * (double)(first + i) / 8000.0));
}

/* 2 s of encoder history first, so the cycle kept is steady state. */
static int pmedia_opus_cycle(struct ptone *t)
{
	int err;
	OpusEncoder *enc = opus_encoder_create(8000, 1, OPUS_APPLICATION_VOIP,
					       &err);
	int16_t pcm[PEER_FRAME];

	if (!enc)
		return ENOMEM;
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(24000));
	opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(5));
	for (int f = 0; f < 2 * PEER_OPUS_CYCLE; f++) {
		int slot = f % PEER_OPUS_CYCLE;
		pmedia_sine(pcm, PEER_FRAME, t->hz, (uint64_t)f * PEER_FRAME);
		int r = opus_encode(enc, pcm, PEER_FRAME, t->data[slot],
				    PEER_OPUS_MAX);
		if (r <= 0) {
			opus_encoder_destroy(enc);
			return EIO;
		}
		t->len[slot] = (size_t)r;
	}
	opus_encoder_destroy(enc);
	t->n = PEER_OPUS_CYCLE;
	return 0;
}

static int pmedia_tone(struct ptone *t, enum peer_codec c, int hz)
{
	int16_t pcm[PEER_FRAME];

	t->c = c;
	t->hz = hz;
	if (c == PEER_OPUS)
		return pmedia_opus_cycle(t);
	pmedia_sine(pcm, PEER_FRAME, hz, 0);
	if (c == PEER_PCMU)
		g711_ulaw_encode(pcm, PEER_FRAME, t->data[0]);
	else
		g711_alaw_encode(pcm, PEER_FRAME, t->data[0]);
	t->len[0] = PEER_FRAME;
	t->n = 1;
	return 0;
}

int pmedia_init(const struct peer_opts *o)
{
	int e = pmedia_tone(&tones[0], o->web_codec, o->web_hz);

	return e ? e : pmedia_tone(&tones[1], o->sip_codec, o->sip_hz);
}

static const struct ptone *pmedia_find(enum peer_codec c, int hz)
{
	for (int i = 0; i < 2; i++)
		if (tones[i].c == c && tones[i].hz == hz)
			return &tones[i];
	return &tones[0];	/* not reached: both are built at init */
}

size_t pmedia_build(struct pstream *st, enum peer_codec c, int pt, int hz,
		    uint8_t *p, size_t cap)
{
	const struct ptone *t = pmedia_find(c, hz);
	int f = (int)(st->frame % (uint32_t)t->n);
	uint64_t now = pmedia_real_ns();

	if (cap < HDR_LEN + t->len[f])
		return 0;
	p[0] = 0x90;			/* V=2, X=1 */
	p[1] = (uint8_t)pt;
	rtp_wr16(p + 2, st->seq++);
	rtp_wr32(p + 4, st->ts);
	rtp_wr32(p + 8, st->ssrc);
	p[12] = 0xBE, p[13] = 0xDE;	/* one-byte elements, RFC 8285 4.2 */
	rtp_wr16(p + 14, 3);
	p[16] = EXT_ID << 4 | 7;	/* 8 bytes */
	rtp_wr32(p + 17, (uint32_t)(now >> 32));
	rtp_wr32(p + 21, (uint32_t)now);
	p[25] = p[26] = p[27] = 0;	/* padding elements */
	memcpy(p + HDR_LEN, t->data[f], t->len[f]);
	st->ts += pmedia_ts_step(c);
	st->frame++;
	st->prev_ns = st->last_ns;
	st->last_ns = now;
	return HDR_LEN + t->len[f];
}

/* --sip-ptime: n samples of the G.711 tone from where the stream is (the
 * tone repeats every 20 ms, so any offset into the frame is the tone's
 * phase), with the same header and send time as pmedia_build's. */
size_t pmedia_build_g711(struct pstream *st, enum peer_codec c, int pt,
			 int hz, size_t n, uint8_t *p, size_t cap)
{
	const struct ptone *t = pmedia_find(c, hz);
	uint64_t now = pmedia_real_ns();

	if (c == PEER_OPUS || cap < HDR_LEN + n)
		return 0;
	p[0] = 0x90;
	p[1] = (uint8_t)pt;
	rtp_wr16(p + 2, st->seq++);
	rtp_wr32(p + 4, st->ts);
	rtp_wr32(p + 8, st->ssrc);
	p[12] = 0xBE, p[13] = 0xDE;
	rtp_wr16(p + 14, 3);
	p[16] = EXT_ID << 4 | 7;
	rtp_wr32(p + 17, (uint32_t)(now >> 32));
	rtp_wr32(p + 21, (uint32_t)now);
	p[25] = p[26] = p[27] = 0;
	for (size_t i = 0; i < n; i++)
		p[HDR_LEN + i] = t->data[0][(st->pos + i) % PEER_FRAME];
	st->pos += n;
	st->ts += (uint32_t)n;
	st->frame++;
	st->prev_ns = st->last_ns;
	st->last_ns = now;
	return HDR_LEN + n;
}

/* Our send-time element, if the packet carries one. */
static bool pmedia_stamp(const uint8_t *p, const struct rtp_hdr *h,
			 uint64_t *ns)
{
	const uint8_t *e = p + h->ext_off;
	size_t i = 0;

	if (!h->ext_off || h->ext_profile != 0xBEDE)
		return false;
	while (i < h->ext_len) {
		uint8_t id = e[i] >> 4, l = (uint8_t)((e[i] & 15) + 1);
		if (id == 0) {		/* padding */
			i++;
			continue;
		}
		if (id == 15 || i + 1 + l > h->ext_len)
			return false;
		if (id == EXT_ID && l == 8) {
			*ns = (uint64_t)rtp_rd32(e + i + 1) << 32 |
			      rtp_rd32(e + i + 5);
			return true;
		}
		i += 1u + l;
	}
	return false;
}

/* Energy of a bin-aligned frequency in one block (Goertzel), scaled so
 * that a pure tone gives the block's whole energy (sum of x^2). */
static double pmedia_goertzel(const int16_t *x, size_t n, int hz)
{
	double k = 2.0 * cos(2.0 * M_PI * hz / 8000.0), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return 2.0 * (s1 * s1 + s2 * s2 - k * s1 * s2) / (double)n;
}

static int pmedia_decode(struct OpusDecoder *dec, enum peer_codec c,
			 const uint8_t *pay, size_t n, int16_t *pcm)
{
	if (c == PEER_OPUS)
		return dec ? opus_decode(dec, pay, (opus_int32)n, pcm, 960, 0)
			   : -1;
	if (n > 960)
		return -1;
	if (c == PEER_PCMU)
		g711_ulaw_decode(pay, n, pcm);
	else
		g711_alaw_decode(pay, n, pcm);
	return (int)n;
}

static void pmedia_block(struct pmeter *m, const int16_t *b, int hz,
			 int other_hz)
{
	for (int i = 0; i < PEER_FRAME; i++)
		m->energy += (double)b[i] * b[i];
	m->tone += pmedia_goertzel(b, PEER_FRAME, hz);
	if (other_hz != hz)
		m->other += pmedia_goertzel(b, PEER_FRAME, other_hz);
	m->samples += PEER_FRAME;
}

static void pmedia_analyse(struct pmeter *m, const int16_t *pcm, int n,
			   int hz, int other_hz)
{
	int off = 0;

	/* Packets that are not 20 ms (--sip-ptime): samples short of a
	 * block wait for the next packet's. */
	if (m->ncarry || n % PEER_FRAME) {
		while (off < n) {
			int k = PEER_FRAME - m->ncarry;
			if (k > n - off)
				k = n - off;
			memcpy(m->carry + m->ncarry, pcm + off,
			       (size_t)k * sizeof(*pcm));
			m->ncarry += k;
			off += k;
			if (m->ncarry == PEER_FRAME) {
				pmedia_block(m, m->carry, hz, other_hz);
				m->ncarry = 0;
			}
		}
		return;
	}
	/* Blocks of 160 samples (20 ms): both tones are multiples of 50 Hz,
	 * so each falls on a bin and leaks nothing into the other. */
	for (off = 0; off + PEER_FRAME <= n; off += PEER_FRAME) {
		const int16_t *b = pcm + off;
		for (int i = 0; i < PEER_FRAME; i++)
			m->energy += (double)b[i] * b[i];
		m->tone += pmedia_goertzel(b, PEER_FRAME, hz);
		if (other_hz != hz)
			m->other += pmedia_goertzel(b, PEER_FRAME, other_hz);
		m->samples += PEER_FRAME;
	}
}

/* Framing: each packet's size and its timestamp step from the last one
 * (only across consecutive sequence numbers), against the size wanted:
 * m->want samples at 8 kHz (the phone's ptime), or 20 ms of Opus. */
static void pmedia_framing(struct pmeter *m, const uint8_t *p, uint32_t n,
			   enum peer_codec c)
{
	uint32_t ticks = c == PEER_OPUS ? n * 6 : n;	/* RTP clock */
	uint16_t seq = rtp_seq(p);

	if (m->want && n != m->want)
		m->size_bad++;
	if (m->have_last && (uint16_t)(seq - m->last_seq) == 1) {
		m->steps++;
		if (rtp_ts(p) - m->last_ts != m->last_size)
			m->step_bad++;
	}
	m->have_last = true;
	m->last_seq = seq;
	m->last_ts = rtp_ts(p);
	m->last_size = ticks;
}

int64_t pmedia_measure(struct pmeter *m, struct OpusDecoder *dec,
		       enum peer_codec c, int pt, int hz, int other_hz,
		       const uint8_t *p, size_t len, uint64_t rx_ns)
{
	struct rtp_hdr h;
	int16_t pcm[960];
	uint64_t tx_ns;
	int n;

	m->pkts++;
	if (rtp_parse(p, len, &h) < 0 || rtp_pt(p) != pt ||
	    (n = pmedia_decode(dec, c, p + h.hdr_len, h.payload_len, pcm)) < 0) {
		m->undecodable++;
		return -1;
	}
	pmedia_analyse(m, pcm, n, hz, other_hz);
	pmedia_framing(m, p, (uint32_t)n, c);
	m->last_rx_ns = rx_ns;
	if (!pmedia_stamp(p, &h, &tx_ns) || !rx_ns) {
		m->no_stamp++;
		return -1;
	}
	int64_t lat = rx_ns > tx_ns ? (int64_t)(rx_ns - tx_ns) : 0;
	uint64_t us = (uint64_t)lat / 1000u;
	m->lat_n++;
	m->lat_sum_us += (double)us;
	if (us > m->lat_max_us)
		m->lat_max_us = us;
	return lat;
}

int pmedia_decoder_new(enum peer_codec c, struct OpusDecoder **dp)
{
	int err;

	*dp = NULL;
	if (c != PEER_OPUS)
		return 0;
	*dp = opus_decoder_create(8000, 1, &err);
	return *dp ? 0 : ENOMEM;
}

void pmedia_decoder_free(struct OpusDecoder *d)
{
	if (d)
		opus_decoder_destroy(d);
}

void pmeter_add(struct pmeter *sum, const struct pmeter *m)
{
	sum->pkts += m->pkts;
	sum->undecodable += m->undecodable;
	sum->no_stamp += m->no_stamp;
	sum->samples += m->samples;
	sum->energy += m->energy;
	sum->tone += m->tone;
	sum->other += m->other;
	sum->lat_n += m->lat_n;
	sum->lat_sum_us += m->lat_sum_us;
	sum->size_bad += m->size_bad;
	sum->step_bad += m->step_bad;
	sum->steps += m->steps;
	if (m->lat_max_us > sum->lat_max_us)
		sum->lat_max_us = m->lat_max_us;
}

void phist_add(struct phist *h, uint64_t us)
{
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
	if (us < PHIST_FINE)
		h->fine[us]++;
	else if ((us - PHIST_FINE) / 100 < PHIST_COARSE)
		h->coarse[(us - PHIST_FINE) / 100]++;
	else
		h->over++;
}

void phist_merge(struct phist *into, const struct phist *h)
{
	into->n += h->n;
	into->over += h->over;
	if (h->max_us > into->max_us)
		into->max_us = h->max_us;
	for (size_t i = 0; i < PHIST_FINE; i++)
		into->fine[i] += h->fine[i];
	for (size_t i = 0; i < PHIST_COARSE; i++)
		into->coarse[i] += h->coarse[i];
}

/* The value below which pct percent of the samples fall (upper bound of
 * its bucket); 0 for an empty histogram. */
uint64_t phist_pct(const struct phist *h, double pct)
{
	uint64_t want = (uint64_t)ceil((double)h->n * pct / 100.0), seen = 0;

	if (!h->n)
		return 0;
	if (want < 1)
		want = 1;
	for (size_t i = 0; i < PHIST_FINE; i++)
		if ((seen += h->fine[i]) >= want)
			return i;
	for (size_t i = 0; i < PHIST_COARSE; i++)
		if ((seen += h->coarse[i]) >= want)
			return PHIST_FINE + i * 100 + 99;
	return h->max_us;
}
