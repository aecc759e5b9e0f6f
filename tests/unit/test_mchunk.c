/* Unit tests for mediad/mchunk: the SIP ptime we send (a=ptime and
 * a=maxptime of every kind), SIP packets of any size re-chunked into
 * 20 ms frames with continuous timestamps, gaps filled or skipped, late,
 * oversized and unpopped input dropped and counted, new runs on an SSRC
 * change or a leap, and decoded audio cut into 10-40 ms packets.
 * argv[1] is an optional name filter ("*gap*"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mediad/mchunk.h"

enum { F = 160, SIL = 0xFF, SSRC = 0x1234 };

/* The input stream: sample i of the source is (i % 251), never SIL, so
 * every byte out says which sample it was, or that it was filled. */
static uint8_t sample_at(uint32_t i)
{
	return (uint8_t)(i % 251);
}

static void make(uint8_t *p, uint32_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = sample_at(first + (uint32_t)i);
}

/* What came out, frame by frame, on the output's own timeline: out_ts
 * is where the next frame starts (relative to the first input ts). */
struct sink {
	uint32_t out_ts;
	unsigned frames;
	uint8_t last[MCHUNK_FRAME_MAX];
	uint32_t last_ts;
	uint32_t skips;
};

static void drain(struct mchunk *c, struct sink *k)
{
	uint32_t skip = 99;

	while (mchunk_pop(c, k->last, &skip)) {
		k->out_ts += skip;
		k->skips += skip;
		k->last_ts = k->out_ts;
		k->out_ts += c->frame;
		k->frames++;
	}
	assert_true(c->held < c->frame);
}

/* Push n samples of the source at input position pos (ts = base + pos). */
static enum mchunk_verdict push_at(struct mchunk *c, uint32_t base,
				   uint32_t pos, size_t n)
{
	uint8_t p[MCHUNK_IN_MAX + 8];

	make(p, pos, n);
	return mchunk_push_rtp(c, SSRC, base + pos, p, n);
}

static void test_ptime_choice(void **state)
{
	static const struct { uint32_t p, m; unsigned want; } t[] = {
		{ 10, 0, 10 }, { 20, 0, 20 }, { 30, 0, 30 }, { 40, 0, 40 },
		{ 0, 0, 20 },			/* nothing said */
		{ 25, 0, 20 }, { 15, 0, 10 }, { 35, 0, 30 },	/* odd */
		{ 60, 0, 40 }, { 150, 0, 40 }, { 4294967295u, 0, 40 },
		{ 5, 0, 20 }, { 1, 0, 20 },	/* below ours */
		{ 0, 40, 20 }, { 0, 150, 20 }, { 0, 20, 20 },	/* maxptime */
		{ 0, 10, 10 }, { 0, 15, 10 }, { 0, 5, 10 },
		{ 30, 20, 20 }, { 40, 30, 30 }, { 40, 35, 30 },	/* both */
		{ 10, 40, 10 }, { 30, 60, 30 }, { 20, 5, 10 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned got = mchunk_ptime(t[i].p, t[i].m);
		if (got != t[i].want)
			fail_msg("ptime %u maxptime %u: %u, want %u", t[i].p,
				 t[i].m, got, t[i].want);
	}
}

static void test_init_checks(void **state)
{
	struct mchunk c;

	(void)state;
	assert_int_equal(mchunk_init(&c, 0, SIL), EINVAL);
	assert_int_equal(mchunk_init(&c, MCHUNK_FRAME_MAX + 1, SIL), EINVAL);
	assert_int_equal(mchunk_init(&c, F, SIL), 0);
	assert_int_equal(mchunk_set_frame(&c, 7), EINVAL);
	assert_int_equal(c.frame, F);
}

/* Every SIP ptime, and 60 ms, becomes 20 ms frames holding exactly the
 * samples sent, in order, with timestamps one frame apart. */
static void test_sizes_to_20ms(void **state)
{
	static const unsigned ms[] = { 10, 20, 30, 40, 60 };

	(void)state;
	for (size_t k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
		struct mchunk c;
		struct sink s = { 0 };
		uint32_t n = ms[k] * 8, pos = 0, base = 0xFFFFF000u;

		mchunk_init(&c, F, SIL);
		for (int i = 0; i < 100; i++, pos += n) {
			enum mchunk_verdict v = push_at(&c, base, pos, n);
			assert_int_equal(v, i ? MCHUNK_OK : MCHUNK_FIRST);
			unsigned before = s.frames;
			drain(&c, &s);
			for (unsigned f = before; f < s.frames && f + 1 ==
			     s.frames; f++) {
				uint8_t want[F];
				make(want, s.last_ts, F);
				assert_memory_equal(s.last, want, F);
			}
		}
		assert_int_equal(s.frames, 100 * n / F);
		assert_int_equal(s.skips, 0);
		assert_int_equal(c.st.taken, 100);
		assert_int_equal(c.st.fill_samples, 0);
	}
}

/* Ragged sizes 1..480 (ts wrapping on the way): every sample comes out
 * once, in order, nothing filled. */
static void test_ragged_sizes(void **state)
{
	struct mchunk c;
	struct sink s = { 0 };
	uint32_t pos = 0, base = 0xFFFF0000u, seed = 7;
	uint8_t got[F];

	(void)state;
	mchunk_init(&c, F, SIL);
	while (pos < 200000) {
		seed = seed * 1103515245u + 12345u;
		uint32_t n = 1 + (seed >> 8) % MCHUNK_IN_MAX;
		assert_true(push_at(&c, base, pos, n) <= MCHUNK_FIRST);
		pos += n;
		while (mchunk_pop(&c, got, NULL)) {
			uint8_t want[F];
			make(want, s.out_ts, F);
			assert_memory_equal(got, want, F);
			s.out_ts += F;
		}
	}
	assert_int_equal(s.out_ts, pos - c.held);
	assert_int_equal(c.st.fill_samples, 0);
	assert_int_equal(c.st.late + c.st.bad + c.st.busy, 0);
}

/* A lost 30 ms packet (a sequence gap) is filled with silence in its
 * place: the frames keep real time, no skip. */
static void test_short_gap_filled(void **state)
{
	struct mchunk c;
	uint8_t all[16 * 240];
	unsigned at = 0;

	(void)state;
	mchunk_init(&c, F, SIL);
	for (uint32_t i = 0; i < 16; i++) {
		if (i == 5)
			continue;	/* lost */
		enum mchunk_verdict v = push_at(&c, 1000, i * 240, 240);
		assert_int_equal(v, i == 0 ? MCHUNK_FIRST :
				 i == 6 ? MCHUNK_FILLED : MCHUNK_OK);
		uint8_t f[F];
		uint32_t skip;
		while (mchunk_pop(&c, f, &skip)) {
			assert_int_equal(skip, 0);
			memcpy(all + at, f, F);
			at += F;
		}
	}
	assert_int_equal(at, 16 * 240);
	for (uint32_t i = 0; i < 16 * 240; i++)
		assert_int_equal(all[i], i / 240 == 5 ? SIL : sample_at(i));
	assert_int_equal(c.st.filled, 1);
	assert_int_equal(c.st.fill_samples, 240);
}

/* A long pause (silence suppression): the partial frame before it is
 * closed with silence, and the frame after it starts exactly at the
 * timestamp of the audio that resumed. */
static void test_long_gap_skipped(void **state)
{
	struct mchunk c;
	struct sink s = { 0 };

	(void)state;
	mchunk_init(&c, F, SIL);
	for (uint32_t i = 0; i < 3; i++)	/* 720 samples: 4.5 frames */
		push_at(&c, 0, i * 240, 240), drain(&c, &s);
	assert_int_equal(s.frames, 4);
	assert_int_equal(c.held, 80);
	/* 1 s later */
	assert_int_equal(push_at(&c, 0, 720 + 8000, 240), MCHUNK_SKIPPED);
	drain(&c, &s);
	assert_int_equal(s.frames, 6);
	/* frame 5 is the closed one (80 samples + 80 silence) */
	assert_int_equal(s.last_ts, 640 + 160 + (8000 - 80));
	assert_int_equal(s.last_ts, 720 + 8000);	/* where audio resumed */
	uint8_t want[F];
	make(want, 720 + 8000, F);
	assert_memory_equal(s.last, want, F);
	assert_int_equal(c.st.skipped, 1);
	assert_int_equal(c.st.fill_samples, 80);
	/* and on from there, continuously */
	push_at(&c, 0, 720 + 8000 + 240, 240);
	drain(&c, &s);
	assert_int_equal(s.last_ts, 720 + 8000 + 320);
}

/* A gap right after a frame boundary, with 10 ms packets: the skip goes
 * to the frame that starts at the resumed audio, not before. */
static void test_gap_on_boundary_10ms(void **state)
{
	struct mchunk c;
	struct sink s = { 0 };

	(void)state;
	mchunk_init(&c, F, SIL);
	push_at(&c, 0, 0, 80), drain(&c, &s);
	push_at(&c, 0, 80, 80), drain(&c, &s);
	assert_int_equal(s.frames, 1);
	assert_int_equal(push_at(&c, 0, 5000, 80), MCHUNK_SKIPPED);
	drain(&c, &s);
	assert_int_equal(s.frames, 1);	/* half a frame so far */
	/* another long gap while that half frame waits */
	assert_int_equal(push_at(&c, 0, 9000, 80), MCHUNK_SKIPPED);
	drain(&c, &s);
	assert_int_equal(s.frames, 2);
	assert_int_equal(s.last_ts, 5000);
	push_at(&c, 0, 9080, 80), drain(&c, &s);
	assert_int_equal(s.frames, 3);
	assert_int_equal(s.last_ts, 9000);
}

static void test_late_and_repeated_dropped(void **state)
{
	struct mchunk c;
	struct sink s = { 0 };

	(void)state;
	mchunk_init(&c, F, SIL);
	for (uint32_t i = 0; i < 5; i++)
		push_at(&c, 0, i * 160, 160), drain(&c, &s);
	assert_int_equal(push_at(&c, 0, 4 * 160, 160), MCHUNK_LATE);
	assert_int_equal(push_at(&c, 0, 1 * 160, 160), MCHUNK_LATE);
	assert_int_equal(push_at(&c, 0, 4 * 160 + 80, 160), MCHUNK_LATE);
	assert_int_equal(c.st.late, 3);
	assert_int_equal(push_at(&c, 0, 5 * 160, 160), MCHUNK_OK);
	drain(&c, &s);
	assert_int_equal(s.frames, 6);
	assert_int_equal(s.last_ts, 5 * 160);
	/* reordered: 7 before 6 fills 6's place; 6 then comes too late */
	assert_int_equal(push_at(&c, 0, 7 * 160, 160), MCHUNK_FILLED);
	assert_int_equal(push_at(&c, 0, 6 * 160, 160), MCHUNK_BUSY);
	drain(&c, &s);
	assert_int_equal(push_at(&c, 0, 6 * 160, 160), MCHUNK_LATE);
}

static void test_bad_sizes_dropped(void **state)
{
	struct mchunk c;
	uint8_t p[MCHUNK_IN_MAX + 1] = { 0 };

	(void)state;
	mchunk_init(&c, F, SIL);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 0, p, 0), MCHUNK_BAD);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 0, NULL, 10), MCHUNK_BAD);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 0, p, MCHUNK_IN_MAX + 1),
			 MCHUNK_BAD);
	assert_int_equal(c.held, 0);
	assert_int_equal(c.st.bad, 3);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 0, p, MCHUNK_IN_MAX),
			 MCHUNK_FIRST);
	assert_int_equal(c.held, MCHUNK_IN_MAX);
}

/* Whole frames must be popped before more comes in: the queue holds at
 * most a partial frame, one gap and one packet. */
static void test_bounded(void **state)
{
	struct mchunk c;
	uint8_t p[MCHUNK_IN_MAX];
	uint32_t seed = 1, ts = 0, ssrc = SSRC;

	(void)state;
	memset(p, 1, sizeof(p));
	mchunk_init(&c, F, SIL);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 0, p, 480), MCHUNK_FIRST);
	assert_int_equal(mchunk_push_rtp(&c, SSRC, 480, p, 480), MCHUNK_BUSY);
	assert_int_equal(c.held, 480);
	assert_int_equal(c.st.busy, 1);
	/* anything at all, popped after each push: never over the cap */
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t r = seed >> 4;
		size_t n = r % (MCHUNK_IN_MAX + 40);
		switch (r % 7) {
		case 0: ts += r % 1000; break;		/* small gap */
		case 1: ts += r;  break;		/* anywhere */
		case 2: ts -= r % 20000; break;		/* back */
		case 3: ssrc ^= r & 1; break;
		default: break;
		}
		mchunk_push_rtp(&c, ssrc, ts, p, n);
		assert_true(c.held <= MCHUNK_CAP);
		ts += (uint32_t)n;
		while (mchunk_pop(&c, p, NULL))
			;
		memset(p, 1, sizeof(p));
		assert_true(c.held < c.frame);
	}
	assert_true(c.st.runs > 1 && c.st.late > 0 && c.st.skipped > 0 &&
		    c.st.filled > 0 && c.st.bad > 0);
}

/* A new SSRC, or a leap of the same source (over 60 s ahead, over 2 s
 * back), goes on right after what was held: no skip, partial frame
 * closed with silence. */
static void test_new_runs(void **state)
{
	struct mchunk c;
	struct sink s = { 0 };
	uint8_t p[240];

	(void)state;
	mchunk_init(&c, F, SIL);
	push_at(&c, 0, 0, 240), drain(&c, &s);		/* 1.5 frames */
	make(p, 0, sizeof(p));
	assert_int_equal(mchunk_push_rtp(&c, SSRC + 1, 777777, p, 240),
			 MCHUNK_FIRST);
	drain(&c, &s);
	assert_int_equal(s.frames, 3);
	assert_int_equal(s.skips, 0);
	assert_int_equal(c.held, 80);
	/* same source, 61 s ahead */
	assert_int_equal(mchunk_push_rtp(&c, SSRC + 1, 777777 + 240 +
					 61 * 8000, p, 240), MCHUNK_FIRST);
	drain(&c, &s);
	/* 59 s ahead is a pause, skipped */
	uint32_t at = 777777 + 240 + 61 * 8000 + 240;
	assert_int_equal(mchunk_push_rtp(&c, SSRC + 1, at + 59 * 8000, p,
					 240), MCHUNK_SKIPPED);
	drain(&c, &s);
	at += 59 * 8000 + 240;
	/* 1 s back: late; 3 s back: a restarted sender */
	assert_int_equal(mchunk_push_rtp(&c, SSRC + 1, at - 8000, p, 240),
			 MCHUNK_LATE);
	assert_int_equal(mchunk_push_rtp(&c, SSRC + 1, at - 24000, p, 240),
			 MCHUNK_FIRST);
	assert_int_equal(c.st.runs, 4);
	drain(&c, &s);
	assert_int_equal(s.skips, 59 * 8000 - 80);
}

/* Decoded audio toward SIP: 20 ms Opus frames (and 10, 60 ms ones) cut
 * into 10/20/30/40 ms packets, every sample once and in order. */
static void test_out_framing(void **state)
{
	static const unsigned ptime[] = { 10, 20, 30, 40 };
	static const unsigned dec[] = { 160, 80, 480, 960 };

	(void)state;
	for (size_t k = 0; k < 4; k++)
		for (size_t d = 0; d < 4; d++) {
			struct mchunk c;
			uint8_t in[960], out[MCHUNK_FRAME_MAX];
			uint32_t pos = 0, got = 0;
			unsigned fr = ptime[k] * 8;

			mchunk_init(&c, fr, SIL);
			for (int i = 0; i < 50; i++) {
				make(in, pos, dec[d]);
				assert_int_equal(mchunk_push(&c, in, dec[d]), 0);
				pos += dec[d];
				while (mchunk_pop(&c, out, NULL)) {
					uint8_t want[MCHUNK_FRAME_MAX];
					make(want, got, fr);
					assert_memory_equal(out, want, fr);
					got += fr;
				}
			}
			assert_int_equal(got + c.held, pos);
			assert_true(c.held < fr);
		}
}

static void test_out_push_limits(void **state)
{
	struct mchunk c;
	uint8_t in[MCHUNK_PUSH_MAX + 1] = { 0 };

	(void)state;
	mchunk_init(&c, 240, SIL);
	assert_int_equal(mchunk_push(&c, in, MCHUNK_PUSH_MAX + 1), ENOSPC);
	assert_int_equal(mchunk_push(&c, in, MCHUNK_PUSH_MAX), 0);
	assert_int_equal(mchunk_push(&c, in, 1), ENOSPC);	/* pop first */
	assert_int_equal(c.held, MCHUNK_PUSH_MAX);
}

/* A re-offer's new ptime: held samples go on into frames of the new
 * size, none lost. */
static void test_set_frame_midstream(void **state)
{
	struct mchunk c;
	uint8_t in[480], out[MCHUNK_FRAME_MAX];
	uint32_t pos = 0, got = 0;

	(void)state;
	mchunk_init(&c, 160, SIL);
	make(in, pos, 240);
	mchunk_push(&c, in, 240), pos += 240;
	assert_true(mchunk_pop(&c, out, NULL));
	got += 160;
	assert_int_equal(mchunk_set_frame(&c, 320), 0);
	assert_false(mchunk_pop(&c, out, NULL));	/* 80 held */
	make(in, pos, 480);
	mchunk_push(&c, in, 480), pos += 480;
	while (mchunk_pop(&c, out, NULL)) {
		uint8_t want[320];
		make(want, got, 320);
		assert_memory_equal(out, want, 320);
		got += 320;
	}
	assert_int_equal(got, 160 + 320);
	assert_int_equal(c.held, 80 + 480 - 320);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptime_choice),
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_sizes_to_20ms),
		cmocka_unit_test(test_ragged_sizes),
		cmocka_unit_test(test_short_gap_filled),
		cmocka_unit_test(test_long_gap_skipped),
		cmocka_unit_test(test_gap_on_boundary_10ms),
		cmocka_unit_test(test_late_and_repeated_dropped),
		cmocka_unit_test(test_bad_sizes_dropped),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_new_runs),
		cmocka_unit_test(test_out_framing),
		cmocka_unit_test(test_out_push_limits),
		cmocka_unit_test(test_set_frame_midstream),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
