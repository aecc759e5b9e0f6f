/* bench_packet: CPU cost of mediad's per-packet pure functions.
 *
 *   cc -O2 -Icommon -Iservices/mediad bench/bench_packet.c \
 *      services/mediad/g711.c services/mediad/rtp.c \
 *      -o build/bench_packet && build/bench_packet
 *
 * Each figure is the median of RUNS runs (min and max alongside), in
 * nanoseconds per packet or per 20 ms frame of 160 samples.  The G.711
 * encoders are also timed against 16K (mu-law) and 4K (A-law) lookup
 * tables built from them, the alternative g711.c chose not to take;
 * such tables stay hot in L1 here, which flatters them.
 */
#include "g711.h"
#include "rtp.h"
#include "lib/benchc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	RUNS = 9,
	PKTS = 2000000,		/* packets per run */
	FRAMES = 200000,	/* G.711 frames per run */
	FRAME = 160,		/* 20 ms at 8 kHz */
	NFRAMES = 50,		/* distinct input frames: 1 s of signal */
};

static volatile uint32_t sink;	/* keeps results observable */

typedef double (*bench_fn)(void);

static void report(const char *name, bench_fn fn)
{
	double r[RUNS];

	fn();	/* warm caches and branch predictors */
	for (int i = 0; i < RUNS; i++)
		r[i] = fn();
	qsort(r, RUNS, sizeof(r[0]), bench_cmp_double);
	printf("%-44s %8.1f ns   (min %.1f, max %.1f)\n", name, r[RUNS / 2],
	       r[0], r[RUNS - 1]);
}

/* ---- RTP ---- */

static uint8_t pkt_template[172];

/* What the receive path does to each input packet: the header is reset
 * to an incoming one (seq and ts advancing) since the rewrite happens in
 * place.  Timed alone as the baseline. */
static inline void next_input(uint8_t *p, uint32_t i)
{
	memcpy(p, pkt_template, RTP_HDR_MIN);
	rtp_wr16(p + 2, (uint16_t)(1000 + i));
	rtp_wr32(p + 4, 160u * i);
}

static double bench_input_only(void)
{
	uint8_t p[172];
	uint32_t acc = 0;
	uint64_t t0;

	memcpy(p, pkt_template, sizeof(p));
	t0 = bench_ns(CLOCK_MONOTONIC);
	for (uint32_t i = 0; i < PKTS; i++) {
		next_input(p, i);
		acc += p[3];
		__asm__ volatile("" : : "r"(p) : "memory");
	}
	sink = acc;
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / PKTS;
}

static double bench_parse_rewrite(void)
{
	const struct rtp_rewrite_cfg cfg = {
		.ssrc = 0x0BADCAFE, .seq = 4242, .ts = 777, .ts_step = 160,
	};
	struct rtp_rewrite rw;
	struct rtp_hdr h;
	uint8_t p[172];
	uint32_t acc = 0;
	uint64_t t0;

	rtp_rewrite_init(&rw, &cfg);
	rtp_rewrite_map_pt(&rw, 0, 0);
	memcpy(p, pkt_template, sizeof(p));
	t0 = bench_ns(CLOCK_MONOTONIC);
	for (uint32_t i = 0; i < PKTS; i++) {
		next_input(p, i);
		if (rtp_parse(p, sizeof(p), &h) > 0 &&
		    rtp_rewrite_apply(&rw, p, sizeof(p)) == 0)
			acc += rtp_seq(p) + (uint32_t)h.payload_len;
	}
	sink = acc;
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / PKTS;
}

static double bench_demux_parse_rewrite_stats(void)
{
	const struct rtp_rewrite_cfg cfg = {
		.ssrc = 0x0BADCAFE, .seq = 4242, .ts = 777, .ts_step = 160,
	};
	struct rtp_rewrite rw;
	struct rtp_rxstats st;
	struct rtp_hdr h;
	uint8_t p[172];
	uint32_t acc = 0;
	uint64_t t0;

	rtp_rewrite_init(&rw, &cfg);
	rtp_rewrite_map_pt(&rw, 0, 0);
	rtp_rxstats_init(&st, rtp_ssrc(pkt_template), 8000);
	memcpy(p, pkt_template, sizeof(p));
	t0 = bench_ns(CLOCK_MONOTONIC);
	for (uint32_t i = 0; i < PKTS; i++) {
		next_input(p, i);
		if (rtp_demux_classify(p, sizeof(p)) != RTP_DEMUX_RTP ||
		    rtp_parse(p, sizeof(p), &h) < 0)
			continue;
		rtp_rxstats_update(&st, rtp_seq(p), rtp_ts(p),
				   20000u * (uint64_t)i);
		if (rtp_rewrite_apply(&rw, p, sizeof(p)) == 0)
			acc += rtp_seq(p);
	}
	sink = acc + st.received;
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / PKTS;
}

/* ---- G.711 ---- */

static int16_t pcm_in[NFRAMES][FRAME];
static uint8_t ulaw_tab[16384];	/* index: sample >> 2, offset */
static uint8_t alaw_tab[4096];	/* index: sample >> 4, offset */

/* Speech-like input: a sum of uniform variates (peaky, mostly quiet)
 * with a level that changes per frame, from a fixed LCG seed. */
static void make_signal(void)
{
	uint32_t x = 2024;

	for (int f = 0; f < NFRAMES; f++) {
		int level = 200 + (f * 997) % 12000;

		for (int i = 0; i < FRAME; i++) {
			int s = 0;

			for (int k = 0; k < 4; k++) {
				x = x * 1664525u + 1013904223u;
				s += (int)(x >> 21) - 1024;
			}
			s = s * level / 2048;
			pcm_in[f][i] = (int16_t)(s > 32767 ? 32767 :
						 s < -32768 ? -32768 : s);
		}
	}
}

/* The encoders depend on sample >> 2 (mu-law) and sample >> 4 (A-law)
 * only, negatives included (their one's complement commutes with an
 * arithmetic shift), so these tables reproduce them exactly. */
static void make_tables(void)
{
	for (int k = -8192; k < 8192; k++)
		ulaw_tab[k + 8192] = g711_pcm_to_ulaw((int16_t)(k * 4));
	for (int k = -2048; k < 2048; k++)
		alaw_tab[k + 2048] = g711_pcm_to_alaw((int16_t)(k * 16));
	for (int s = -32768; s < 32768; s++) {
		int16_t x = (int16_t)s;

		if (ulaw_tab[(s >> 2) + 8192] != g711_pcm_to_ulaw(x) ||
		    alaw_tab[(s >> 4) + 2048] != g711_pcm_to_alaw(x)) {
			fprintf(stderr, "table mismatch at %d\n", s);
			exit(1);
		}
	}
}

static double bench_g711(int alaw, int table)
{
	uint8_t code[FRAME];
	int16_t out[FRAME];
	uint32_t acc = 0;
	uint64_t t0 = bench_ns(CLOCK_MONOTONIC);

	for (int n = 0; n < FRAMES; n++) {
		const int16_t *in = pcm_in[n % NFRAMES];

		if (table && alaw) {
			for (int i = 0; i < FRAME; i++)
				code[i] = alaw_tab[(in[i] >> 4) + 2048];
		} else if (table) {
			for (int i = 0; i < FRAME; i++)
				code[i] = ulaw_tab[(in[i] >> 2) + 8192];
		} else if (alaw) {
			g711_alaw_encode(in, FRAME, code);
		} else {
			g711_ulaw_encode(in, FRAME, code);
		}
		if (alaw)
			g711_alaw_decode(code, FRAME, out);
		else
			g711_ulaw_decode(code, FRAME, out);
		acc += (uint32_t)out[n % FRAME];
	}
	sink = acc;
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / FRAMES;
}

static double bench_ulaw(void) { return bench_g711(0, 0); }
static double bench_alaw(void) { return bench_g711(1, 0); }
static double bench_ulaw_tab(void) { return bench_g711(0, 1); }
static double bench_alaw_tab(void) { return bench_g711(1, 1); }

static double bench_ulaw_decode_only(void)
{
	int16_t out[FRAME];
	uint8_t code[NFRAMES][FRAME];
	uint32_t acc = 0;
	uint64_t t0;

	for (int f = 0; f < NFRAMES; f++)
		g711_ulaw_encode(pcm_in[f], FRAME, code[f]);
	t0 = bench_ns(CLOCK_MONOTONIC);
	for (int n = 0; n < FRAMES; n++) {
		g711_ulaw_decode(code[n % NFRAMES], FRAME, out);
		acc += (uint32_t)out[n % FRAME];
	}
	sink = acc;
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / FRAMES;
}

static void make_template(void)
{
	pkt_template[0] = 0x80;
	pkt_template[1] = 0;		/* PCMU */
	rtp_wr32(pkt_template + 8, 0x12345678);
	memset(pkt_template + RTP_HDR_MIN, 0xFF, 160);
}

int main(void)
{
	make_template();
	make_signal();
	make_tables();

	printf("per 172-byte PCMU packet (%d packets x %d runs):\n", PKTS,
	       RUNS);
	report("  input reset only (baseline)", bench_input_only);
	report("  rtp_parse + rtp_rewrite_apply", bench_parse_rewrite);
	report("  demux + parse + rxstats + rewrite",
	       bench_demux_parse_rewrite_stats);
	printf("per 160-sample frame, encode + decode (%d frames x %d "
	       "runs):\n", FRAMES, RUNS);
	report("  mu-law, computed encode", bench_ulaw);
	report("  mu-law, 16K-table encode", bench_ulaw_tab);
	report("  A-law, computed encode", bench_alaw);
	report("  A-law, 4K-table encode", bench_alaw_tab);
	report("  mu-law decode only", bench_ulaw_decode_only);
	return 0;
}
