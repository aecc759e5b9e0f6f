/* icecand: ICE candidates between SDP and libnice (see icecand.h). */
#include "icecand.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static NiceCandidateType icecand_type_nice(enum sdp_cand_type t)
{
	switch (t) {
	case SDP_CAND_SRFLX:
		return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
	case SDP_CAND_PRFLX:
		return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
	case SDP_CAND_RELAY:
		return NICE_CANDIDATE_TYPE_RELAYED;
	default:
		return NICE_CANDIDATE_TYPE_HOST;
	}
}

static enum sdp_cand_type icecand_type_sdp(NiceCandidateType t)
{
	switch (t) {
	case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
		return SDP_CAND_SRFLX;
	case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
		return SDP_CAND_PRFLX;
	case NICE_CANDIDATE_TYPE_RELAYED:
		return SDP_CAND_RELAY;
	default:
		return SDP_CAND_HOST;
	}
}

/* A literal address (nice_address_set_from_string would also take a host
 * name and block resolving it: refuse anything but digits first). */
static int icecand_addr(NiceAddress *a, const char *text, uint16_t port)
{
	struct in6_addr tmp;

	if (inet_pton(AF_INET, text, &tmp) != 1 &&
	    inet_pton(AF_INET6, text, &tmp) != 1)
		return EAFNOSUPPORT;
	if (!nice_address_set_from_string(a, text))
		return EAFNOSUPPORT;
	nice_address_set_port(a, port);
	return 0;
}

int icecand_to_nice(const struct sdp_candidate *c, guint stream,
		    NiceCandidate **out)
{
	NiceCandidate *nc;
	int e;

	if (!c || !out || !c->port)
		return EINVAL;
	if (strcasecmp(c->transport, "udp") || c->component != 1)
		return ENOTSUP;
	nc = nice_candidate_new(icecand_type_nice(c->type));
	nc->transport = NICE_CANDIDATE_TRANSPORT_UDP;
	nc->stream_id = stream;
	nc->component_id = 1;
	nc->priority = c->priority;
	snprintf(nc->foundation, sizeof(nc->foundation), "%s", c->foundation);
	e = icecand_addr(&nc->addr, c->addr, c->port);
	/* The related address is informative only (RFC 8445 5.1.3): a
	 * missing or unusable one is left out, not fatal. */
	if (!e && c->has_raddr &&
	    icecand_addr(&nc->base_addr, c->raddr, c->rport))
		memset(&nc->base_addr, 0, sizeof(nc->base_addr));
	if (e) {
		nice_candidate_free(nc);
		return e;
	}
	*out = nc;
	return 0;
}

int icecand_from_nice(const NiceCandidate *nc, struct sdp_candidate *c)
{
	char a[NICE_ADDRESS_STRING_LEN];

	if (!nc || !c)
		return EINVAL;
	if (nc->transport != NICE_CANDIDATE_TRANSPORT_UDP)
		return ENOTSUP;
	if (!nice_address_is_valid(&nc->addr))
		return EINVAL;
	memset(c, 0, sizeof(*c));
	snprintf(c->foundation, sizeof(c->foundation), "%s", nc->foundation);
	c->component = (uint16_t)nc->component_id;
	snprintf(c->transport, sizeof(c->transport), "udp");
	c->priority = nc->priority;
	nice_address_to_string(&nc->addr, a);
	snprintf(c->addr, sizeof(c->addr), "%s", a);
	c->port = (uint16_t)nice_address_get_port(&nc->addr);
	c->type = icecand_type_sdp(nc->type);
	if (!c->port || !c->addr[0])
		return EINVAL;
	if (c->type != SDP_CAND_HOST && nice_address_is_valid(&nc->base_addr)) {
		nice_address_to_string(&nc->base_addr, a);
		snprintf(c->raddr, sizeof(c->raddr), "%s", a);
		c->rport = (uint16_t)nice_address_get_port(&nc->base_addr);
		c->has_raddr = true;
	}
	return 0;
}
