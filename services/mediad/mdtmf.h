/* mdtmf: RFC 4733 telephone-event for one leg, as pure functions over
 * caller-owned structs (no allocation, no clock, no I/O): the worker that
 * owns the leg calls them.
 *
 * - Receiving: the end of an event is reported once, however many of the
 *   (usually three) end packets arrive, and also when the end packets were
 *   all lost but the next event starts (RFC 4733 2.5.2.2).
 * - Sending: a bounded queue of digits, each played as a start packet
 *   (marker bit), updates every MDTMF_UPDATE_MS with the duration so far,
 *   and three end packets, then a pause before the next digit.  The event's
 *   timestamp is the caller's: all packets of one event carry it.
 */
#ifndef RTCGATE_MDTMF_H
#define RTCGATE_MDTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MDTMF_PAYLOAD = 4,	/* event, E|R|volume, duration (16 bits) */
	MDTMF_QUEUE = 64,	/* digits waiting on one leg */
	MDTMF_DUR_MIN = 40,	/* ms per digit accepted by media_dtmf */
	MDTMF_DUR_MAX = 8000,
	MDTMF_DUR_DEFAULT = 100,
	MDTMF_UPDATE_MS = 50,	/* RFC 4733 2.5.1.2 recommends 50 ms */
	MDTMF_GAP_MS = 50,	/* silence between queued digits */
	MDTMF_END_COPIES = 3,	/* RFC 4733 2.5.1.4 */
	MDTMF_VOLUME = 10,	/* -10 dBm0 */
	MDTMF_CLOCK = 8000,	/* telephone-event/8000 only */
};

/* The digit of events 0-15 ('0'-'9', '*', '#', 'A'-'D'), 0 for others. */
char mdtmf_digit(uint8_t event);
/* The event of a digit (also 'a'-'d'), -1 for others. */
int mdtmf_event(char digit);
/* Valid media_dtmf digits: 1-MDTMF_QUEUE of 0-9*#A-D. */
bool mdtmf_digits_ok(const char *digits);

/* ---- receiving ---- */
struct mdtmf_rx {
	bool have;		/* an event seen (ts, event valid) */
	bool ended;		/* ... and its end reported */
	uint32_t ts;
	uint8_t event;
	uint16_t dur;		/* longest duration seen, clock ticks */
};

struct mdtmf_end {
	char digit;
	uint32_t dur_ms;
};

/* One telephone-event payload with RTP timestamp ts.  Returns 1 with *out
 * set when an event ended (its first end packet, or the start of a new
 * event whose predecessor never showed its end), 0 otherwise, -1 for a
 * payload shorter than 4 bytes. */
int mdtmf_rx_packet(struct mdtmf_rx *rx, uint32_t ts, const uint8_t *pay,
		    size_t len, struct mdtmf_end *out);

/* ---- sending ---- */
struct mdtmf_tx {
	char q[MDTMF_QUEUE];
	uint16_t qdur[MDTMF_QUEUE];	/* ms */
	unsigned head, n;
	bool playing;
	uint8_t event;
	uint16_t dur_ms;		/* of the digit playing */
	uint32_t elapsed_ms;		/* since it started */
	uint32_t next_ms;		/* next packet due at elapsed_ms >= */
	unsigned ends;			/* end packets sent */
	uint32_t gap_ms;		/* pause left before the next digit */
	uint64_t sent;			/* digits completed */
};

void mdtmf_tx_init(struct mdtmf_tx *tx);
/* Queue digits (checked with mdtmf_digits_ok) of dur_ms each.  0, EINVAL,
 * or ENOSPC when they do not all fit (none is queued then). */
int mdtmf_tx_queue(struct mdtmf_tx *tx, const char *digits, unsigned dur_ms);
unsigned mdtmf_tx_pending(const struct mdtmf_tx *tx);

/* What to send now. */
struct mdtmf_pkt {
	uint8_t payload[MDTMF_PAYLOAD];
	bool marker;		/* the first packet of an event */
	bool start;		/* take a new event timestamp */
};

/* Advance by step_ms; fills *pkt and returns 1 when a packet is due (call
 * again with step_ms 0 until it returns 0: end packets can come in a
 * row), else 0. */
int mdtmf_tx_tick(struct mdtmf_tx *tx, unsigned step_ms,
		  struct mdtmf_pkt *pkt);

#endif
