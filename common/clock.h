/* clock: wall-clock time for timestamps that go on the bus, into SDP and
 * CDRs, and for the timeouts measured against them. */
#ifndef RTCGATE_CLOCK_H
#define RTCGATE_CLOCK_H

#include <stdint.h>
#include <sys/time.h>

/* Microseconds since the Unix epoch. */
static inline int64_t clock_wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

#endif
