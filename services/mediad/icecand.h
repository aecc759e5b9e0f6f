/* icecand: ICE candidates between our SDP form (struct sdp_candidate,
 * sdp.c) and libnice's NiceCandidate, for full-ICE mode (icefull.c).
 * Pure functions: no agent, no I/O, so they are unit tested alone
 * (tests/unit/test_icecand.c).
 *
 * Only what a WebRTC leg under BUNDLE + rtcp-mux can use is converted: UDP
 * candidates of component 1 with a literal IPv4 or IPv6 address.  Anything
 * else is refused with its own errno, for the caller to count:
 *   ENOTSUP       TCP candidates (RFC 6544), component 2 (RTCP without
 *                 rtcp-mux)
 *   EAFNOSUPPORT  an address that is not a literal IP, e.g. Chrome's mDNS
 *                 "<uuid>.local" names (we do not resolve mDNS; the peer's
 *                 own checks still reach us and give a peer-reflexive one)
 *   EINVAL        a port of 0 or a NULL argument
 */
#ifndef RTCGATE_ICECAND_H
#define RTCGATE_ICECAND_H

#include "sdp.h"

#include <nice/agent.h>

/* A new NiceCandidate for stream (free it with nice_candidate_free), from
 * an SDP candidate.  0 or an errno above; *out set only on success. */
int icecand_to_nice(const struct sdp_candidate *c, guint stream,
		    NiceCandidate **out);

/* The SDP form of one of our candidates: foundation, component, "udp",
 * priority, address, port, type, and raddr/rport (the base) for srflx,
 * prflx and relay ones.  0, ENOTSUP (not UDP) or EINVAL. */
int icecand_from_nice(const NiceCandidate *nc, struct sdp_candidate *c);

#endif
