/* mdtmf: RFC 4733 telephone-event detection and generation.  See mdtmf.h. */
#include "mdtmf.h"

#include <errno.h>
#include <string.h>

static const char mdtmf_digits[] = "0123456789*#ABCD";

char mdtmf_digit(uint8_t event)
{
	return event < 16 ? mdtmf_digits[event] : 0;
}

int mdtmf_event(char digit)
{
	const char *p;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	if (!digit || !(p = strchr(mdtmf_digits, digit)))
		return -1;
	return (int)(p - mdtmf_digits);
}

bool mdtmf_digits_ok(const char *digits)
{
	size_t n = digits ? strlen(digits) : 0;

	if (n == 0 || n > MDTMF_QUEUE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (mdtmf_event(digits[i]) < 0)
			return false;
	return true;
}

static int mdtmf_rx_end(struct mdtmf_rx *rx, struct mdtmf_end *out)
{
	rx->ended = true;
	out->digit = mdtmf_digit(rx->event);
	out->dur_ms = (uint32_t)rx->dur * 1000 / MDTMF_CLOCK;
	return out->digit ? 1 : 0;	/* events past 15 are not digits */
}

int mdtmf_rx_packet(struct mdtmf_rx *rx, uint32_t ts, const uint8_t *pay,
		    size_t len, struct mdtmf_end *out)
{
	uint8_t ev;
	bool end;
	uint16_t dur;
	int r = 0;

	if (len < MDTMF_PAYLOAD)
		return -1;
	ev = pay[0];
	end = pay[1] & 0x80;
	dur = (uint16_t)(pay[2] << 8 | pay[3]);
	/* Same timestamp and event: the same event (updates, the repeated
	 * end packets).  Anything else starts a new one; a predecessor whose
	 * end packets were all lost ends here. */
	if (rx->have && rx->ts == ts && rx->event == ev) {
		if (rx->ended)
			return 0;
	} else {
		if (rx->have && !rx->ended)
			r = mdtmf_rx_end(rx, out);
		rx->have = true;
		rx->ended = false;
		rx->ts = ts;
		rx->event = ev;
		rx->dur = 0;
	}
	if (dur > rx->dur)
		rx->dur = dur;
	if (end && !r)
		return mdtmf_rx_end(rx, out);
	/* A new event that already ends while its predecessor was reported
	 * here: report the predecessor now, the new one on its next end copy
	 * (its end is not marked yet). */
	return r;
}

void mdtmf_tx_init(struct mdtmf_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
}

int mdtmf_tx_queue(struct mdtmf_tx *tx, const char *digits, unsigned dur_ms)
{
	size_t n;

	if (!mdtmf_digits_ok(digits) || dur_ms < MDTMF_DUR_MIN ||
	    dur_ms > MDTMF_DUR_MAX)
		return EINVAL;
	n = strlen(digits);
	/* The digit playing counts: a queue that just took one to play
	 * must not read as having room again. */
	if (mdtmf_tx_pending(tx) + n > MDTMF_QUEUE)
		return ENOSPC;
	for (size_t i = 0; i < n; i++) {
		unsigned at = (tx->head + tx->n) % MDTMF_QUEUE;
		tx->q[at] = digits[i];
		tx->qdur[at] = (uint16_t)dur_ms;
		tx->n++;
	}
	return 0;
}

unsigned mdtmf_tx_pending(const struct mdtmf_tx *tx)
{
	return tx->n + (tx->playing ? 1 : 0);
}

static void mdtmf_fill(struct mdtmf_pkt *pkt, uint8_t ev, bool end,
		       uint32_t ms)
{
	uint32_t ticks = ms * (MDTMF_CLOCK / 1000);

	if (ticks > 0xFFFF)
		ticks = 0xFFFF;
	pkt->payload[0] = ev;
	pkt->payload[1] = (uint8_t)((end ? 0x80 : 0) | MDTMF_VOLUME);
	pkt->payload[2] = (uint8_t)(ticks >> 8);
	pkt->payload[3] = (uint8_t)ticks;
}

int mdtmf_tx_tick(struct mdtmf_tx *tx, unsigned step_ms,
		  struct mdtmf_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (!tx->playing) {
		tx->gap_ms = tx->gap_ms > step_ms ? tx->gap_ms - step_ms : 0;
		if (tx->gap_ms || !tx->n)
			return 0;
		tx->playing = true;
		tx->event = (uint8_t)mdtmf_event(tx->q[tx->head]);
		tx->dur_ms = tx->qdur[tx->head];
		tx->head = (tx->head + 1) % MDTMF_QUEUE;
		tx->n--;
		tx->elapsed_ms = 0;
		tx->ends = 0;
		tx->next_ms = MDTMF_UPDATE_MS;
		/* The start packet.  Its duration is one packet time rather
		 * than 0, which some receivers take for a broken event. */
		mdtmf_fill(pkt, tx->event, false, 20);
		pkt->marker = pkt->start = true;
		return 1;
	}
	tx->elapsed_ms += step_ms;
	if (tx->elapsed_ms < tx->dur_ms) {
		if (tx->elapsed_ms < tx->next_ms)
			return 0;
		tx->next_ms += MDTMF_UPDATE_MS;
		mdtmf_fill(pkt, tx->event, false, tx->elapsed_ms);
		return 1;
	}
	/* The end: three copies, one per call, then the pause. */
	mdtmf_fill(pkt, tx->event, true, tx->dur_ms);
	if (++tx->ends >= MDTMF_END_COPIES) {
		tx->playing = false;
		tx->gap_ms = MDTMF_GAP_MS;
		tx->sent++;
	}
	return 1;
}
