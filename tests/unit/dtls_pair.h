/* dtls_pair: two dtls_conn talking to each other in memory, for the dtls
 * and srtpx unit tests.  Datagrams are moved by pair_pump; a "drop" count
 * loses that many datagrams of one direction to exercise retransmission.
 * Every datagram is checked to hold whole records within DTLS_MTU. */
#ifndef RTCGATE_TEST_DTLS_PAIR_H
#define RTCGATE_TEST_DTLS_PAIR_H

#include <time.h>
#include <unistd.h>

#include "mediad/dtls.h"

struct pair {
	struct dtls_ctx *cctx;	/* the client's node */
	struct dtls_ctx *sctx;	/* the server's node */
	struct dtls_conn *c;
	struct dtls_conn *s;
	int drop_c;		/* client datagrams still to lose */
	int drop_s;		/* server datagrams still to lose */
	unsigned sent_c, sent_s;
};

static inline uint64_t pair_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* Whole records only: the headers' lengths add up to the datagram. */
static inline void pair_check_framing(const uint8_t *p, size_t n, size_t cap)
{
	size_t off = 0;

	assert_true(n > 0 && n <= cap && n <= DTLS_MTU);
	while (off < n) {
		assert_true(n - off >= DTLS_REC_HDR);
		off += DTLS_REC_HDR + ((size_t)p[off + 11] << 8 | p[off + 12]);
	}
	assert_int_equal(off, n);
}

/* Move everything from one side to the other; returns datagrams moved. */
static inline unsigned pair_move(struct dtls_conn *from, struct dtls_conn *to,
				 int *drop, size_t cap)
{
	uint8_t buf[1500];
	unsigned moved = 0;
	size_t n;

	while ((n = dtls_conn_output(from, buf, cap)) > 0) {
		pair_check_framing(buf, n, cap);
		moved++;
		if (*drop > 0) {
			(*drop)--;
			continue;
		}
		if (dtls_conn_state(to) == DTLS_STATE_HANDSHAKING ||
		    dtls_conn_state(to) == DTLS_STATE_CONNECTED)
			assert_int_equal(dtls_conn_input(to, buf, n), 0);
	}
	return moved;
}

static inline bool pair_settled(const struct pair *p)
{
	return dtls_conn_state(p->c) != DTLS_STATE_HANDSHAKING &&
		dtls_conn_state(p->s) != DTLS_STATE_HANDSHAKING;
}

/* Shuttle datagrams; when both sides are idle, sleep until the nearer
 * retransmission timer and fire both.  Returns elapsed microseconds. */
static inline uint64_t pair_run(struct pair *p, size_t cap)
{
	uint64_t t0 = pair_now_us();

	for (int round = 0; round < 200 && !pair_settled(p); round++) {
		unsigned a = pair_move(p->c, p->s, &p->drop_c, cap);
		unsigned b = pair_move(p->s, p->c, &p->drop_s, cap);
		int64_t tc, ts, t;

		p->sent_c += a;
		p->sent_s += b;
		if (a || b)
			continue;
		tc = dtls_conn_timeout_us(p->c);
		ts = dtls_conn_timeout_us(p->s);
		t = tc < 0 ? ts : ts < 0 ? tc : tc < ts ? tc : ts;
		if (t < 0)
			break;		/* nothing will ever happen */
		usleep((useconds_t)t + 1000);
		dtls_conn_handle_timeout(p->c);
		dtls_conn_handle_timeout(p->s);
	}
	/* a final flight or alert may still be queued */
	p->sent_c += pair_move(p->c, p->s, &p->drop_c, cap);
	p->sent_s += pair_move(p->s, p->c, &p->drop_s, cap);
	return pair_now_us() - t0;
}

/* New contexts and connections; each side expects the other's real
 * fingerprint unless a replacement is given. */
static inline void pair_open(struct pair *p, const char *c_expects,
			     const char *s_expects)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(dtls_ctx_new(&p->cctx), 0);
	assert_int_equal(dtls_ctx_new(&p->sctx), 0);
	assert_int_equal(dtls_conn_new(p->cctx, DTLS_ROLE_CLIENT, DTLS_FP_ALG,
				       c_expects ? c_expects :
				       dtls_ctx_fingerprint(p->sctx), &p->c),
			 0);
	assert_int_equal(dtls_conn_new(p->sctx, DTLS_ROLE_SERVER, DTLS_FP_ALG,
				       s_expects ? s_expects :
				       dtls_ctx_fingerprint(p->cctx), &p->s),
			 0);
}

static inline void pair_start(struct pair *p)
{
	uint64_t now = pair_now_us();

	assert_int_equal(dtls_conn_start(p->s, now), 0);
	assert_int_equal(dtls_conn_start(p->c, now), 0);
}

static inline void pair_close(struct pair *p)
{
	dtls_conn_free(p->c);
	dtls_conn_free(p->s);
	dtls_ctx_free(p->cctx);
	dtls_ctx_free(p->sctx);
	memset(p, 0, sizeof(*p));
}

#endif
