/* mchunk: G.711 re-chunking and the SIP ptime we send.  See mchunk.h. */
#include "mchunk.h"

#include <errno.h>
#include <string.h>

static bool frame_ok(unsigned frame)
{
	return frame >= MCHUNK_PER_MS && frame <= MCHUNK_FRAME_MAX;
}

int mchunk_init(struct mchunk *c, unsigned frame, uint8_t silence)
{
	if (!c || !frame_ok(frame))
		return EINVAL;
	memset(c, 0, offsetof(struct mchunk, buf));
	c->frame = frame;
	c->silence = silence;
	return 0;
}

int mchunk_set_frame(struct mchunk *c, unsigned frame)
{
	if (!c || !frame_ok(frame))
		return EINVAL;
	c->frame = frame;
	return 0;
}

void mchunk_reset(struct mchunk *c)
{
	c->held = 0;
	c->have = false;
	c->skip[0] = c->skip[1] = 0;
}

static void append(struct mchunk *c, const uint8_t *p, size_t n)
{
	memcpy(c->buf + c->held, p, n);
	c->held += (unsigned)n;
}

static void fill(struct mchunk *c, size_t n)
{
	memset(c->buf + c->held, c->silence, n);
	c->held += (unsigned)n;
	c->st.fill_samples += n;
}

/* Close the partial frame with silence, so that what comes next starts a
 * frame of its own; gap: samples left out before it (a skip). */
static void close_frame(struct mchunk *c, uint32_t gap)
{
	unsigned part = c->held % c->frame;

	if (part)
		fill(c, c->frame - part);
	c->skip[c->held ? 1 : 0] += gap;
}

enum mchunk_verdict mchunk_push_rtp(struct mchunk *c, uint32_t ssrc,
				    uint32_t ts, const uint8_t *p, size_t n)
{
	enum mchunk_verdict v = MCHUNK_OK;
	int32_t d;

	if (!p || n == 0 || n > MCHUNK_IN_MAX || !c->frame) {
		c->st.bad++;
		return MCHUNK_BAD;
	}
	if (c->held >= c->frame) {
		c->st.busy++;
		return MCHUNK_BUSY;
	}
	d = (int32_t)(ts - c->next_ts);
	if (!c->have || ssrc != c->ssrc || d > MCHUNK_LEAP ||
	    d < -MCHUNK_BACK) {
		/* A new run goes on right after what we hold: the output
		 * never jumps for a source that did. */
		if (c->have)
			close_frame(c, 0);
		c->have = true;
		c->ssrc = ssrc;
		c->st.runs++;
		v = MCHUNK_FIRST;
	} else if (d < 0) {
		/* Behind what we hold: played out already (a packet that
		 * overlaps the end is a repeat, or ragged: dropped too). */
		c->st.late++;
		return MCHUNK_LATE;
	} else if (d > 0 && d <= MCHUNK_FILL_MAX) {
		fill(c, (size_t)d);
		c->st.filled++;
		v = MCHUNK_FILLED;
	} else if (d > 0) {
		/* The frame before the gap closes; the audio after it
		 * starts a frame whose timestamp says how long it was. */
		unsigned part = c->held % c->frame;
		uint32_t pad = part ? c->frame - part : 0;
		close_frame(c, (uint32_t)d - pad);
		c->st.skipped++;
		v = MCHUNK_SKIPPED;
	}
	append(c, p, n);
	c->next_ts = ts + (uint32_t)n;
	c->st.taken++;
	return v;
}

int mchunk_push(struct mchunk *c, const uint8_t *p, size_t n)
{
	if (n > MCHUNK_PUSH_MAX || c->held >= c->frame || (!p && n))
		return ENOSPC;	/* (also an mchunk never set up: frame 0) */
	if (n)
		append(c, p, n);
	return 0;
}

bool mchunk_pop(struct mchunk *c, uint8_t *out, uint32_t *skip)
{
	if (!c->frame || c->held < c->frame)
		return false;
	memcpy(out, c->buf, c->frame);
	c->held -= c->frame;
	memmove(c->buf, c->buf + c->frame, c->held);
	if (skip)
		*skip = c->skip[0];
	c->skip[0] = c->skip[1];
	c->skip[1] = 0;
	return true;
}

/* Ours, largest first. */
static const unsigned ptimes[] = { 40, 30, 20, 10 };

static unsigned at_most(uint32_t ms)
{
	for (size_t i = 0; i < sizeof(ptimes) / sizeof(ptimes[0]); i++)
		if (ptimes[i] <= ms)
			return ptimes[i];
	return 0;
}

unsigned mchunk_ptime(uint32_t ptime, uint32_t maxptime)
{
	unsigned want = MCHUNK_PTIME_DEFAULT, cap;

	if (ptime) {
		want = at_most(ptime);
		if (!want)	/* below 10 ms: not ours to do */
			want = MCHUNK_PTIME_DEFAULT;
	}
	if (maxptime) {
		cap = at_most(maxptime);
		if (!cap)
			cap = ptimes[3];	/* the closest we come */
		if (want > cap)
			want = cap;
	}
	return want;
}
