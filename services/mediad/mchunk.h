/* mchunk: G.711 re-chunked between the SIP side's packet sizes and the
 * fixed frames of the transcoder, and the SIP ptime we send.
 *
 * Transcoding, the two legs frame audio differently: Opus toward the
 * browser is encoded in 20 ms frames, while a SIP peer sends and wants
 * G.711 in packets of its own ptime (10, 20, 30, 40 ms, RFC 4566 6; some
 * send ragged sizes).  One struct mchunk is a bounded byte queue of G.711
 * samples that takes what comes and gives out whole frames of one size:
 *
 * - toward the browser (mchunk_push_rtp): SIP packets of any size up to
 *   60 ms, placed by their RTP timestamps.  A short gap (lost packets,
 *   up to 60 ms) is filled with the law's silence, so the frames keep
 *   real time; a longer one (a peer's silence suppression, a pause) is
 *   not filled: the frame after it carries the gap as a timestamp skip
 *   (mchunk_pop's *skip).  Late and repeated packets are dropped; a new
 *   SSRC, a leap (more than 60 s ahead, more than 2 s back) starts a new
 *   run right after what was held.  Nothing more than a frame plus one
 *   packet and one gap is ever held.
 * - toward SIP (mchunk_push): decoded samples appended as they come, cut
 *   into packets of the SIP side's ptime.
 *
 * Pure and allocation-free (the struct holds its buffer); one thread, like
 * every per-call state in mediad. */
#ifndef RTCGATE_MCHUNK_H
#define RTCGATE_MCHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MCHUNK_PER_MS = 8,		/* G.711 samples per ms */
	MCHUNK_PTIME_DEFAULT = 20,	/* ms, without a=ptime/maxptime */
	MCHUNK_FRAME_MAX = 40 * MCHUNK_PER_MS,	/* our largest: 40 ms */
	/* Largest SIP packet taken in: 60 ms (bigger: dropped, counted). */
	MCHUNK_IN_MAX = 60 * MCHUNK_PER_MS,
	/* Longest gap filled with silence; a longer one is skipped. */
	MCHUNK_FILL_MAX = 60 * MCHUNK_PER_MS,
	/* A step this far ahead (60 s), or back (2 s), is a new run. */
	MCHUNK_LEAP = 60 * 1000 * MCHUNK_PER_MS,
	MCHUNK_BACK = 2 * 1000 * MCHUNK_PER_MS,
	/* Most one mchunk_push() takes: an Opus packet's 120 ms. */
	MCHUNK_PUSH_MAX = 120 * MCHUNK_PER_MS,
	MCHUNK_CAP = MCHUNK_FRAME_MAX + MCHUNK_PUSH_MAX,
};

/* What mchunk_push_rtp() made of a packet. */
enum mchunk_verdict {
	MCHUNK_OK,		/* taken, right after the last one */
	MCHUNK_FIRST,		/* taken: the first of a run (new SSRC,
				   leap, or the very first) */
	MCHUNK_FILLED,		/* taken, a short gap before it filled */
	MCHUNK_SKIPPED,		/* taken, a long gap before it skipped */
	MCHUNK_LATE,		/* dropped: late or repeated */
	MCHUNK_BAD,		/* dropped: empty or over MCHUNK_IN_MAX */
	MCHUNK_BUSY,		/* dropped: whole frames not popped yet */
};

struct mchunk_stats {
	uint64_t taken, filled, skipped, runs, late, bad, busy;
	uint64_t fill_samples;	/* silence inserted */
};

struct mchunk {
	unsigned frame;		/* samples per frame given out */
	unsigned held;		/* samples in buf */
	uint8_t silence;	/* the law's zero: 0xFF mu-law, 0xD5 A-law */
	bool have;		/* a run is on: ssrc, next_ts valid */
	uint32_t ssrc;
	uint32_t next_ts;	/* timestamp of the sample after buf's last */
	/* Gap skipped before the frame at buf[0] and the one after it (a
	 * padded partial frame may come between skip and new data). */
	uint32_t skip[2];
	struct mchunk_stats st;
	uint8_t buf[MCHUNK_CAP];
};

/* frame: samples per frame (8..MCHUNK_FRAME_MAX); silence: the byte
 * filled in for lost audio.  Returns 0 or EINVAL. */
int mchunk_init(struct mchunk *c, unsigned frame, uint8_t silence);
/* A new frame size (a re-offer's ptime): held samples stay.  0/EINVAL. */
int mchunk_set_frame(struct mchunk *c, unsigned frame);
/* Forget held samples and the run (counters stay). */
void mchunk_reset(struct mchunk *c);

/* One RTP packet's G.711 payload (n samples at timestamp ts of source
 * ssrc).  Pop every whole frame before the next push (else BUSY). */
enum mchunk_verdict mchunk_push_rtp(struct mchunk *c, uint32_t ssrc,
				    uint32_t ts, const uint8_t *p, size_t n);
/* Plain samples, no timing (decoded audio toward SIP): 0, or ENOSPC
 * (n over MCHUNK_PUSH_MAX, or frames not popped) with nothing taken. */
int mchunk_push(struct mchunk *c, const uint8_t *p, size_t n);
/* The next whole frame into out (c->frame bytes): true, with *skip the
 * samples of a gap left unfilled just before it (0 mostly: the frame's
 * timestamp is the last one's plus a frame plus *skip); false when less
 * than a frame is held. */
bool mchunk_pop(struct mchunk *c, uint8_t *out, uint32_t *skip);

/* The ptime (ms) we send toward a SIP side whose SDP said ptime and
 * maxptime (0: absent).  We frame at 10, 20, 30 or 40 ms: a=ptime's value
 * if it is one of those, else the nearest below it, else 20; never above
 * maxptime (the largest of ours within it, 10 if none is); with only
 * maxptime, 20 when it allows 20 (maxptime is a limit, not a wish). */
unsigned mchunk_ptime(uint32_t ptime, uint32_t maxptime);

#endif
