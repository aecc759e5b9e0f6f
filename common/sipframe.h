/* sipframe: one SIP message as carried in one WebSocket frame (RFC 7118),
 * parsed and checked with sofia-sip's message parser, plus the few replies
 * an edge builds itself (400 for malformed requests, 200 to OPTIONS).
 *
 * Parsing a stranger's bytes always yields one of three verdicts: a sane
 * message, a broken request that still carries what a response needs (Via,
 * From, To, Call-ID, CSeq: answer 400), or garbage (drop and count).
 */
#ifndef RTCGATE_SIPFRAME_H
#define RTCGATE_SIPFRAME_H

#include <stddef.h>

struct sipframe;
struct msg_s;
struct sip_s;

/* A real INVITE has about 20 header lines; far more is an attack. */
enum { SIPFRAME_MAX_HEADERS = 256 };

enum sipframe_verdict {
	SIPFRAME_OK,
	SIPFRAME_BAD_REQUEST,	/* broken, but a 400 can be built */
	SIPFRAME_GARBAGE,	/* drop */
};

/* Parse; *fp is set (and must be freed) unless the verdict is GARBAGE.
 * why receives a short reason for logs and the 400's phrase. */
enum sipframe_verdict sipframe_parse(const char *data, size_t len,
				     struct sipframe **fp, char *why,
				     size_t whylen);
void sipframe_free(struct sipframe *f);

/* The parsed message, for services that read more than these accessors
 * give (sofia-sip's msg_t and sip_t; borrowed, live as long as f). */
struct msg_s *sipframe_msg(struct sipframe *f);
struct sip_s *sipframe_sip(struct sipframe *f);

int sipframe_is_request(const struct sipframe *f);
/* Method name of a request, or of the CSeq of a response. */
const char *sipframe_method(const struct sipframe *f);
int sipframe_status(const struct sipframe *f);	/* 0 for requests */
const char *sipframe_call_id(const struct sipframe *f);
/* An OPTIONS whose Request-URI has no user part: addressed to us. */
int sipframe_is_options_to_self(const struct sipframe *f);
/* Value of a URI parameter in the first Route, else the Request-URI
 * (requests), or of a top Via parameter (responses); copied to buf. */
int sipframe_route_param(const struct sipframe *f, const char *name,
			 char *buf, size_t len);

/* Add received=<ip> and rport=<port> to the top Via (RFC 3261 18.2.1,
 * RFC 3581): the view of the client that registrar and b2bua need. */
int sipframe_set_received(struct sipframe *f, const char *ip, int port);
/* The message as text; caller frees with free(). */
char *sipframe_text(struct sipframe *f, size_t *lenp);
/* A response to this request; extra is NULL or a block of header lines
 * each ending in CRLF.  Caller frees with free(). */
char *sipframe_response(struct sipframe *f, int status, const char *phrase,
			const char *extra, size_t *lenp);

#endif
