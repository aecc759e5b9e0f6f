/* c2c: click-to-call, the calls a browser may place without an account.
 *
 * RTCGATE_CLICK2CALL lists the targets, comma-separated, in the pattern
 * syntax of the dial plan (route.h): exact users ("sales"), prefixes
 * ("00*", "+44*"), digit patterns ("1XXX") or "re:<regex>" without commas.
 * Blanks around entries are ignored; an empty list allows nothing.
 *
 * Each client address has a token bucket: burst calls at once, refilled
 * at per_min calls a minute.  IPv6 addresses count per /64 (one host
 * usually holds a whole /64, so per address would be no limit at all);
 * IPv4-mapped IPv6 counts as the IPv4 address.  At most max_addrs
 * buckets are kept: the least recently used is dropped for a new
 * address; it is usually full again by then, so nothing is lost.
 *
 * Not thread-safe: one owner (the b2bua loop) calls it.
 */
#ifndef RTCGATE_B2BUA_C2C_H
#define RTCGATE_B2BUA_C2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	C2C_LIST_MAX = 65536,	/* bytes of the list */
	C2C_TARGETS_MAX = 1000,
	C2C_PER_MIN_MAX = 60000,
	C2C_BURST_MAX = 10000,
	C2C_ADDRS_MAX = 10000000,
};

struct c2c;

struct c2c_stats {
	size_t addrs;		/* buckets held now */
	uint64_t admitted, refused;
	uint64_t evicted;	/* buckets dropped for new addresses */
	uint64_t evicted_busy;	/* of those, not yet full again */
};

/* list may be NULL or empty (nothing allowed).  per_min 1..60000, burst
 * 1..10000, max_addrs 1..10^7.  EINVAL on a bad list or bound (the reason
 * is logged), ENOMEM. */
int c2c_new(const char *list, int per_min, int burst, size_t max_addrs,
	    struct c2c **cp);
void c2c_free(struct c2c *c);
size_t c2c_target_count(const struct c2c *c);

/* May a browser without an account call this user part? */
bool c2c_allowed_target(const struct c2c *c, const char *user);

/* Take one call from ip's bucket at now_ms (monotonic).  0: admitted;
 * EAGAIN: refused, *retry_after_s (may be NULL) says when one more call
 * will be admitted; EINVAL: ip is not an IPv4 or IPv6 address ("[v6]"
 * and "%zone" accepted). */
int c2c_admit(struct c2c *c, const char *ip, int64_t now_ms,
	      int *retry_after_s);

void c2c_stats(const struct c2c *c, struct c2c_stats *st);

#endif
