/* tlsf_via: the plaintext streams, message by message.
 *
 * sofia receives the client's requests on its TCP transport, and nta
 * drops a request whose top Via names another transport than the one it
 * came on ("Via check: invalid transport"), so going up a request's
 * "SIP/2.0/TLS" top Via becomes "SIP/2.0/TCP" plus the TLSF_VIA_MARK
 * parameter (b2b_sip.c reads it to answer with our TLS Contact).  Coming
 * down, a response whose top Via carries the mark gets its "SIP/2.0/TLS"
 * back, the mark removed, and received/rport naming the client's real
 * address (sofia saw 127.0.0.1 and an ephemeral port of ours).
 *
 * Framing: CRLF keep-alives (RFC 5626) pass as they are; a message is its
 * header block (sofia's parser reads its Content-Length) plus that many
 * bytes.  Messages that need no change pass byte for byte; the others are
 * parsed and re-encoded with sofia's parser (common/sipframe). */
#include "tlsf_int.h"
#include "sipframe.h"

#include <errno.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <string.h>

/* A rewrite adds a few parameters: room kept for them in the output. */
enum { TLSF_VIA_GROWTH = 256 };

static size_t tlsf_via_lines(const char *p, size_t len)
{
	size_t n = 0;

	for (const char *e = p + len; (p = memchr(p, '\n', (size_t)(e - p)));
	     p++)
		n++;
	return n;
}

/* Length of the message (or CRLF run) at the head of p: 0 while
 * incomplete, -1 when it can never be framed.  A message without a body
 * comes back parsed in *fp (the header block is all of it): one parse. */
static ssize_t tlsf_via_span(const char *p, size_t len, struct sipframe **fp)
{
	size_t crlf = 0, hlen, body = 0;
	const char *end;
	struct sipframe *f = NULL;
	enum sipframe_verdict v;
	sip_t *sip;
	char why[64];

	*fp = NULL;
	while (crlf < len && (p[crlf] == '\r' || p[crlf] == '\n'))
		crlf++;
	if (crlf)
		return (ssize_t)crlf;
	end = memmem(p, len, "\r\n\r\n", 4);
	if (!end)
		return len >= TLSF_BUF - TLSF_VIA_GROWTH ? -1 : 0;
	hlen = (size_t)(end + 4 - p);
	/* sofia's parser is quadratic in header lines (sipframe.h) */
	if (tlsf_via_lines(p, hlen) > SIPFRAME_MAX_HEADERS + 2)
		return -1;
	v = sipframe_parse(p, hlen, &f, why, sizeof(why));
	if (v == SIPFRAME_GARBAGE)
		return -1;
	sip = sipframe_sip(f);
	if (sip->sip_content_length)
		body = sip->sip_content_length->l_length;
	if (!body && v == SIPFRAME_OK)
		*fp = f;	/* the whole message, parsed */
	else
		sipframe_free(f);
	if (body > TLSF_BUF - TLSF_VIA_GROWTH - hlen)
		return -1;
	if (hlen + body > len) {
		sipframe_free(*fp);
		*fp = NULL;
		return 0;
	}
	return (ssize_t)(hlen + body);
}

/* Up: a request's "SIP/2.0/TLS" top Via becomes TCP with the mark. */
static bool tlsf_via_up(struct sipframe *f)
{
	sip_t *sip = sipframe_sip(f);
	msg_t *msg = sipframe_msg(f);
	sip_via_t *v = sip->sip_via;

	if (!sip->sip_request || !v || !v->v_protocol ||
	    strcasecmp(v->v_protocol, "SIP/2.0/TLS"))
		return false;
	v->v_protocol = sip_transport_tcp;
	msg_header_replace_param(msg_home(msg), v->v_common, TLSF_VIA_MARK);
	msg_fragment_clear(v->v_common);
	return true;
}

/* Down: a response to a marked request gets TLS and the real address. */
static bool tlsf_via_down(struct tlsf_conn *c, struct sipframe *f)
{
	sip_t *sip = sipframe_sip(f);
	msg_t *msg = sipframe_msg(f);
	su_home_t *home = msg_home(msg);
	sip_via_t *v = sip->sip_via;

	if (!sip->sip_status || !v || !v->v_params ||
	    !msg_params_find(v->v_params, TLSF_VIA_MARK))
		return false;
	v->v_protocol = sip_transport_tls;
	msg_header_remove_param(v->v_common, TLSF_VIA_MARK);
	/* RFC 3261 18.2.1: received when the sent-by host is not where the
	 * request came from; RFC 3581: rport when the client asked */
	if (v->v_host && !strcasecmp(v->v_host, c->ip))
		msg_header_remove_param(v->v_common, "received");
	else
		msg_header_replace_param(home, v->v_common,
					 su_sprintf(home, "received=%s", c->ip));
	if (v->v_rport)
		msg_header_replace_param(home, v->v_common,
					 su_sprintf(home, "rport=%d", c->port));
	msg_fragment_clear(v->v_common);
	tlsf_inc(c->f, TLSF_M_VIA_FIXED);
	return true;
}

/* One message to out: rewritten when it needs it, else as it came.  f
 * is the message parsed already, or NULL: parsed here (with its body). */
static void tlsf_via_move(struct tlsf_conn *c, bool up, const char *p,
			  size_t n, struct sipframe *f, struct tlsf_buf *out)
{
	char why[64], *text;
	size_t len;

	if (!f && p[0] != '\r' && p[0] != '\n' &&
	    sipframe_parse(p, n, &f, why, sizeof(why)) != SIPFRAME_OK) {
		sipframe_free(f);
		f = NULL;
	}
	if (f && (up ? tlsf_via_up(f) : tlsf_via_down(c, f)) &&
	    (text = sipframe_text(f, &len))) {
		if (tlsf_buf_put(out, text, len))	/* cannot: room kept */
			tlsf_buf_put(out, p, n);
		free(text);
	} else {
		tlsf_buf_put(out, p, n);
	}
	sipframe_free(f);
}

int tlsf_via_frame(struct tlsf_conn *c, bool up)
{
	struct tlsf_buf *in = up ? &c->rawup : &c->raw;
	struct tlsf_buf *out = up ? &c->up : &c->down;
	struct sipframe *f;
	ssize_t n;

	if (!in->len)
		return EAGAIN;
	n = tlsf_via_span(in->data + in->head, in->len, &f);
	if (n < 0) {
		if (up)
			return EPROTO;
		/* sofia's own stream: should not happen; pass it on */
		n = (ssize_t)MIN(in->len, tlsf_buf_room(out));
		if (!n)
			return EAGAIN;
		tlsf_buf_put(out, in->data + in->head, (size_t)n);
		tlsf_buf_take(in, (size_t)n);
		return 0;
	}
	if (!n || tlsf_buf_room(out) < (size_t)n + TLSF_VIA_GROWTH) {
		sipframe_free(f);
		return EAGAIN;
	}
	tlsf_via_move(c, up, in->data + in->head, (size_t)n, f, out);
	tlsf_buf_take(in, (size_t)n);
	return 0;
}
