/* bench_srtp: CPU cost of SRTP protect and unprotect through srtpx, per
 * 172-byte RTP packet (PCMU, 20 ms), for each profile we negotiate, with
 * each SRTP backend (RTCGATE_SRTP_BACKEND: openssl, our srtp_ossl.c
 * primitives; libsrtp, Debian's NSS ones) and with 0, 1,000 and 4,000
 * other calls' srtpx contexts alive (NSS's cost grows with the number of
 * keys in the process; see docs/BENCHMARKS.md).
 *
 *   cc -O2 -std=gnu11 -Iservices/mediad bench/bench_srtp.c \
 *      services/mediad/srtpx.c services/mediad/srtp_ossl.c \
 *      -o build/bench_srtp $(pkg-config --cflags --libs libsrtp2 openssl) \
 *      -lpthread && build/bench_srtp [openssl|libsrtp ...]
 *
 * The backend is process-wide, so each one runs in a child process.
 * Packets are built outside the timed loops, BATCH at a time, with
 * consecutive sequence numbers (so the receiver's replay window and
 * rollover counter do their normal work); one run is PKTS packets (fewer
 * with many contexts alive: NSS then takes up to 70 us a packet) and each
 * figure is the median of RUNS runs, min and max alongside.  Time is this
 * thread's CPU time, so that other load on a shared machine is not
 * counted as SRTP cost (cache and hyper-thread contention still is).
 */
#include "srtpx.h"
#include "lib/benchc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	RUNS = 9,
	PKTS = 200000,		/* packets per run, no other contexts */
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

struct result {
	double protect[RUNS];
	double unprotect[RUNS];
};

/* One run: PKTS packets from tx to rx; returns 0 or -1 on a failure. */
static int run_once(struct srtpx *tx, struct srtpx *rx, int pkts,
		    uint16_t *seq, uint32_t *ts, double *prot_ns,
		    double *unprot_ns)
{
	uint64_t tp = 0, tu = 0;

	for (int done = 0; done < pkts; done += BATCH) {
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
	*prot_ns = (double)tp / pkts;
	*unprot_ns = (double)tu / pkts;
	return 0;
}

static void report(const char *what, double *v)
{
	qsort(v, RUNS, sizeof(*v), bench_cmp_double);
	printf("  %-10s %7.0f ns/packet  (min %.0f, max %.0f)\n", what,
	       v[RUNS / 2], v[0], v[RUNS - 1]);
}

/* Keys of the idle contexts: distinct, so each is a key of its own. */
static void idle_key(uint8_t *k, size_t n, int i)
{
	for (size_t j = 0; j < n; j++)
		k[j] = (uint8_t)(i >> (8 * (j % 3)) ^ j * 31);
}

static int bench_profile(enum srtpx_profile prof, const char *name,
			 const char *backend, int others)
{
	uint8_t k1[SRTPX_MASTER_MAX], k2[SRTPX_MASTER_MAX];
	size_t klen = srtpx_master_len(prof);
	struct srtpx *tx = NULL, *rx = NULL, **idle;
	int pkts = PKTS / (1 + others / 100) / BATCH * BATCH;
	struct result r;
	uint16_t seq = 40000;	/* wraps during the runs */
	uint32_t ts = 0;
	int err = -1, n = 0;

	idle = calloc((size_t)others + 1, sizeof(*idle));
	if (!idle)
		return -1;
	for (; n < others; n++) {
		idle_key(k1, klen, n);
		if (srtpx_new(&idle[n], prof, k1, k1, klen))
			goto out;
	}
	for (size_t i = 0; i < klen; i++) {
		k1[i] = (uint8_t)(i * 13 + 1);
		k2[i] = (uint8_t)(i * 29 + 7);
	}
	if (pkts < BATCH)
		pkts = BATCH;
	if (srtpx_new(&tx, prof, k1, k2, klen) ||
	    srtpx_new(&rx, prof, k2, k1, klen))
		goto out;
	/* warm-up: caches, the first-packet stream clone */
	if (run_once(tx, rx, pkts, &seq, &ts, &r.protect[0],
		     &r.unprotect[0]))
		goto out;
	for (int i = 0; i < RUNS; i++)
		if (run_once(tx, rx, pkts, &seq, &ts, &r.protect[i],
			     &r.unprotect[i]))
			goto out;
	printf("%s, backend %s, %d other srtpx alive, %d-byte RTP, "
	       "median of %d runs of %d packets:\n", name, backend, others,
	       PKT_LEN, RUNS, pkts);
	report("protect", r.protect);
	report("unprotect", r.unprotect);
	fflush(stdout);
	err = 0;
 out:
	if (err)
		fprintf(stderr, "%s: SRTP failed\n", name);
	srtpx_free(tx);
	srtpx_free(rx);
	while (n > 0)
		srtpx_free(idle[--n]);
	free(idle);
	return err;
}

/* In a child: the backend is chosen once per process. */
static int bench_backend(const char *backend)
{
	static const int others[] = { 0, 1000, 4000 };
	static const struct {
		enum srtpx_profile id;
		const char *name;
	} profiles[] = {
		{ SRTPX_AEAD_AES_128_GCM, "AEAD_AES_128_GCM" },
		{ SRTPX_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80" },
	};

	if (setenv("RTCGATE_SRTP_BACKEND", backend, 1) ||
	    srtpx_global_init()) {
		fprintf(stderr, "SRTP init (%s) failed\n", backend);
		return 1;
	}
	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++)
		for (size_t o = 0; o < sizeof(others) / sizeof(others[0]); o++)
			if (bench_profile(profiles[p].id, profiles[p].name,
					  backend, others[o]))
				return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "openssl", "libsrtp" };
	const char *const *backends = argc > 1 ? (const char *const *)argv + 1
		: all;
	int n = argc > 1 ? argc - 1 : 2, failed = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (strcmp(backends[i], "openssl") &&
		    strcmp(backends[i], "libsrtp")) {
			fprintf(stderr, "usage: bench_srtp [openssl|libsrtp]...\n");
			return 2;
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(bench_backend(backends[i]));
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			failed = 1;
	}
	return failed;
}
