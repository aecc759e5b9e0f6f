/* pice: the controlling side of ICE against mediad's ICE-lite agent, with
 * libnice's STUN usage API on the session's own UDP socket: no GLib, no
 * NiceAgent, so thousands of sessions cost a socket and 11 KB each.
 *
 * mediad offers one host candidate and we have one, so there is one pair
 * and nothing to choose: every check carries USE-CANDIDATE (aggressive
 * nomination, RFC 5245 8.1.1.2), PRIORITY, ICE-CONTROLLING,
 * MESSAGE-INTEGRITY keyed with mediad's ice-pwd and FINGERPRINT, as
 * Chrome's do (MEDIA-NOTES).  Unanswered checks are retried every
 * RETRY_US; once answered, a consent check (RFC 7675) goes out every
 * CONSENT_US, as Chrome does after nomination, so that mediad answers the
 * same STUN load a browser would cause. */
#include "peer.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stun/usages/ice.h>

enum {
	RETRY_US = 100000,
	CONSENT_US = 2500000,
	/* host candidate, RFC 8445 5.1.2.1: type pref 126, local 65535 */
	PRIORITY = (126u << 24) | (65535u << 8) | 255u,
};

/* Attributes a response may carry; the list must outlive the agent. */
static const uint16_t pice_known[] = {
	STUN_ATTRIBUTE_USERNAME,
	STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_PRIORITY,
	STUN_ATTRIBUTE_USE_CANDIDATE,
	STUN_ATTRIBUTE_ICE_CONTROLLED,
	STUN_ATTRIBUTE_ICE_CONTROLLING,
	STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
	STUN_ATTRIBUTE_ERROR_CODE,
	STUN_ATTRIBUTE_FINGERPRINT,
	0
};

void pice_init(struct pice *ice, const char *local_ufrag,
	       const char *remote_ufrag, const char *remote_pwd)
{
	memset(ice, 0, sizeof(*ice));
	stun_agent_init(&ice->agent, pice_known, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
			STUN_AGENT_USAGE_USE_FINGERPRINT);
	RAND_bytes((unsigned char *)&ice->tie, sizeof(ice->tie));
	/* USERNAME is "<receiver's ufrag>:<sender's ufrag>" (RFC 8445
	 * 7.2.2); the key is the receiver's pwd. */
	snprintf(ice->username, sizeof(ice->username), "%s:%s", remote_ufrag,
		 local_ufrag);
	snprintf(ice->remote_pwd, sizeof(ice->remote_pwd), "%s", remote_pwd);
}

static void pice_send(struct psess *s)
{
	struct pice *ice = &s->ice;
	uint8_t buf[STUN_MAX_MESSAGE_SIZE_IPV4];
	StunMessage msg;
	size_t n;

	/* A check still unanswered is given up: its slot in the agent's
	 * table of 200 transactions would otherwise never come back. */
	if (ice->outstanding)
		stun_agent_forget_transaction(&ice->agent, ice->last_id);
	n = stun_usage_ice_conncheck_create(&ice->agent, &msg, buf,
		sizeof(buf), (const uint8_t *)ice->username,
		strlen(ice->username), (const uint8_t *)ice->remote_pwd,
		strlen(ice->remote_pwd), true, true, PRIORITY, ice->tie, NULL,
		STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	if (!n)
		return;
	stun_message_id(&msg, ice->last_id);
	ice->outstanding = true;
	ice->checks++;
	if (send(s->web.fd, buf, n, MSG_DONTWAIT) < 0)
		return;		/* retried at the next tick */
}

void pice_tick(struct psess *s, uint64_t now_us)
{
	struct pice *ice = &s->ice;

	if (now_us < ice->next_us)
		return;
	pice_send(s);
	ice->next_us = now_us + (s->state == PS_ICE ? RETRY_US : CONSENT_US);
}

bool pice_input(struct psess *s, const uint8_t *p, size_t len)
{
	struct pice *ice = &s->ice;
	struct sockaddr_storage mapped;
	socklen_t mlen = sizeof(mapped);
	StunMessage msg;

	/* Responses are checked with the key their request was sent with,
	 * which the agent kept; requests (none from a lite agent) fail. */
	if (stun_agent_validate(&ice->agent, &msg, p, len, NULL, NULL) !=
	    STUN_VALIDATION_SUCCESS ||
	    stun_message_get_class(&msg) != STUN_RESPONSE)
		return false;
	if (stun_usage_ice_conncheck_process(&msg, &mapped, &mlen,
		STUN_USAGE_ICE_COMPATIBILITY_RFC5245) !=
	    STUN_USAGE_ICE_RETURN_SUCCESS)
		return false;
	ice->outstanding = false;
	ice->responses++;
	return true;
}
