/* bench_srtp: CPU cost of SRTP protect and unprotect through srtpx, per
 * 172-byte RTP packet (PCMU, 20 ms), for each profile we negotiate.
 *
 *   cc -O2 -std=gnu11 -Iservices/mediad bench/bench_srtp.c \
 *      services/mediad/srtpx.c -o build/bench_srtp \
 *      $(pkg-config --cflags --libs libsrtp2 openssl) -lpthread \
 *      && build/bench_srtp
 *
 * Packets are built outside the timed loops, BATCH at a time, with
 * consecutive sequence numbers (so the receiver's replay window and
 * rollover counter do their normal work); one run is PKTS packets and
 * each figure is the median of RUNS runs, min and max alongside.  Time is
 * this thread's CPU time, so that other load on a shared machine is not
 * counted as SRTP cost (cache and hyper-thread contention still is).
 */
#include "srtpx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	RUNS = 9,
	PKTS = 200000,		/* packets per run */
	BATCH = 1000,		/* packets built, then timed, at a time */
	PKT_LEN = 172,		/* 12-byte header + 160 bytes of PCMU */
	SLOT = 512,		/* >= PKT_LEN + SRTPX_TRAILER_MAX */
};

static uint8_t bufs[BATCH][SLOT] __attribute__((aligned(64)));
static size_t lens[BATCH];

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void build(uint16_t seq0, uint32_t ts0)
{
	for (int i = 0; i < BATCH; i++) {
		uint8_t *b = bufs[i];
		uint16_t seq = (uint16_t)(seq0 + i);
		uint32_t ts = ts0 + 160u * (uint32_t)i;

		b[0] = 0x80;
		b[1] = 0;
		b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
		b[4] = (uint8_t)(ts >> 24), b[5] = (uint8_t)(ts >> 16);
		b[6] = (uint8_t)(ts >> 8), b[7] = (uint8_t)ts;
		b[8] = 0x12, b[9] = 0x34, b[10] = 0x56, b[11] = 0x78;
		memset(b + 12, 0xFF ^ (uint8_t)i, PKT_LEN - 12);
		lens[i] = PKT_LEN;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct result {
	double protect[RUNS];
	double unprotect[RUNS];
};

/* One run: PKTS packets from tx to rx; returns 0 or -1 on a failure. */
static int run_once(struct srtpx *tx, struct srtpx *rx, uint16_t *seq,
		    uint32_t *ts, double *prot_ns, double *unprot_ns)
{
	uint64_t tp = 0, tu = 0;

	for (int done = 0; done < PKTS; done += BATCH) {
		uint64_t t0, t1, t2;
		int bad = 0;

		build(*seq, *ts);
		*seq = (uint16_t)(*seq + BATCH);
		*ts += 160u * BATCH;
		t0 = cpu_ns();
		for (int i = 0; i < BATCH; i++)
			bad |= srtpx_protect_rtp(tx, bufs[i], &lens[i], SLOT);
		t1 = cpu_ns();
		for (int i = 0; i < BATCH; i++)
			bad |= srtpx_unprotect_rtp(rx, bufs[i], &lens[i]) !=
				SRTPX_OK;
		t2 = cpu_ns();
		if (bad)
			return -1;
		tp += t1 - t0;
		tu += t2 - t1;
	}
	*prot_ns = (double)tp / PKTS;
	*unprot_ns = (double)tu / PKTS;
	return 0;
}

static void report(const char *what, double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	printf("  %-10s %7.0f ns/packet  (min %.0f, max %.0f)\n", what,
	       v[RUNS / 2], v[0], v[RUNS - 1]);
}

static int bench_profile(enum srtpx_profile prof, const char *name)
{
	uint8_t k1[SRTPX_MASTER_MAX], k2[SRTPX_MASTER_MAX];
	size_t klen = srtpx_master_len(prof);
	struct srtpx *tx = NULL, *rx = NULL;
	struct result r;
	uint16_t seq = 40000;	/* wraps during the runs */
	uint32_t ts = 0;
	int err = -1;

	for (size_t i = 0; i < klen; i++) {
		k1[i] = (uint8_t)(i * 13 + 1);
		k2[i] = (uint8_t)(i * 29 + 7);
	}
	if (srtpx_new(&tx, prof, k1, k2, klen) ||
	    srtpx_new(&rx, prof, k2, k1, klen))
		goto out;
	/* warm-up: caches, the first-packet stream clone */
	if (run_once(tx, rx, &seq, &ts, &r.protect[0], &r.unprotect[0]))
		goto out;
	for (int i = 0; i < RUNS; i++)
		if (run_once(tx, rx, &seq, &ts, &r.protect[i],
			     &r.unprotect[i]))
			goto out;
	printf("%s, %d-byte RTP, median of %d runs of %d packets:\n", name,
	       PKT_LEN, RUNS, PKTS);
	report("protect", r.protect);
	report("unprotect", r.unprotect);
	err = 0;
 out:
	if (err)
		fprintf(stderr, "%s: SRTP failed\n", name);
	srtpx_free(tx);
	srtpx_free(rx);
	return err;
}

int main(void)
{
	if (srtpx_global_init()) {
		fprintf(stderr, "srtp_init failed\n");
		return 1;
	}
	if (bench_profile(SRTPX_AEAD_AES_128_GCM, "AEAD_AES_128_GCM") ||
	    bench_profile(SRTPX_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80"))
		return 1;
	return 0;
}
