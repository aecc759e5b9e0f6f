/* sipframe: see sipframe.h */
#include "sipframe.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_alloc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sipframe {
	msg_t *msg;
	sip_t *sip;
};

static int sipframe_can_answer(const sip_t *sip)
{
	return sip->sip_request && sip->sip_via && sip->sip_from &&
	       sip->sip_to && sip->sip_call_id && sip->sip_cseq;
}

static const char *sipframe_missing(const sip_t *sip)
{
	if (!sip->sip_via) return "Missing Via";
	if (!sip->sip_from) return "Missing From";
	if (!sip->sip_to) return "Missing To";
	if (!sip->sip_call_id) return "Missing Call-ID";
	if (!sip->sip_cseq) return "Missing CSeq";
	return NULL;
}

/* Lines before the blank line that ends the headers. */
static size_t sipframe_count_lines(const char *data, size_t len)
{
	size_t n = 0;
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p || (nl == p + 1 && *p == '\r'))
			break;
		n++;
		p = nl + 1;
	}
	return n;
}

/* Header objects in encoding order (list elements count one each). */
static size_t sipframe_count_headers(msg_t *msg)
{
	size_t n = 0;
	msg_header_t **head = msg_chain_head(msg);

	for (msg_header_t *h = head ? *head : NULL; h; h = h->sh_succ)
		n++;
	return n;
}

enum sipframe_verdict sipframe_parse(const char *data, size_t len,
				     struct sipframe **fp, char *why,
				     size_t whylen)
{
	msg_t *msg;
	sip_t *sip;
	const char *miss;

	*fp = NULL;
	/* NUL bytes are not SIP; sofia would stop at them silently. */
	if (len == 0 || memchr(data, '\0', len)) {
		snprintf(why, whylen, "empty or NUL bytes");
		return SIPFRAME_GARBAGE;
	}
	/* sofia's parser is quadratic in the number of header lines: a 64 KiB
	 * frame of tiny headers would hold the caller's thread for seconds. */
	if (sipframe_count_lines(data, len) > SIPFRAME_MAX_HEADERS) {
		snprintf(why, whylen, "more than %d header lines",
			 SIPFRAME_MAX_HEADERS);
		return SIPFRAME_GARBAGE;
	}
	msg = msg_make(sip_default_mclass(), 0, data, (ssize_t)len);
	sip = msg ? sip_object(msg) : NULL;
	if (!sip || (!sip->sip_request && !sip->sip_status)) {
		snprintf(why, whylen, "no request or status line");
		msg_destroy(msg);
		return SIPFRAME_GARBAGE;
	}
	struct sipframe *f = calloc(1, sizeof(*f));
	if (!f) {
		msg_destroy(msg);
		snprintf(why, whylen, "out of memory");
		return SIPFRAME_GARBAGE;
	}
	f->msg = msg;
	f->sip = sip;
	miss = sipframe_missing(sip);
	/* A comma list is one line here but one header per element once
	 * re-encoded for the bus: the limit holds for both forms. */
	if (!miss && sipframe_count_headers(msg) > SIPFRAME_MAX_HEADERS)
		miss = "Too Many Headers";
	if (!miss && !msg_has_error(msg) && sip_sanity_check(sip) == 0) {
		*fp = f;
		return SIPFRAME_OK;
	}
	snprintf(why, whylen, "%s", miss ? miss :
		 msg_has_error(msg) ? "Malformed Header" :
		 "Bad Request-URI or CSeq");
	if (sipframe_can_answer(sip)) {
		*fp = f;
		return SIPFRAME_BAD_REQUEST;
	}
	sipframe_free(f);
	return SIPFRAME_GARBAGE;
}

void sipframe_free(struct sipframe *f)
{
	if (!f)
		return;
	msg_destroy(f->msg);
	free(f);
}

struct msg_s *sipframe_msg(struct sipframe *f)
{
	return f->msg;
}

struct sip_s *sipframe_sip(struct sipframe *f)
{
	return f->sip;
}

int sipframe_is_request(const struct sipframe *f)
{
	return f->sip->sip_request != NULL;
}

const char *sipframe_method(const struct sipframe *f)
{
	if (f->sip->sip_request)
		return f->sip->sip_request->rq_method_name;
	return f->sip->sip_cseq ? f->sip->sip_cseq->cs_method_name : "";
}

int sipframe_status(const struct sipframe *f)
{
	return f->sip->sip_status ? f->sip->sip_status->st_status : 0;
}

const char *sipframe_call_id(const struct sipframe *f)
{
	return f->sip->sip_call_id ? f->sip->sip_call_id->i_id : "";
}

int sipframe_is_options_to_self(const struct sipframe *f)
{
	const sip_request_t *rq = f->sip->sip_request;

	return rq && rq->rq_method == sip_method_options &&
	       (!rq->rq_url->url_user || !*rq->rq_url->url_user);
}

static int sipframe_param(const char *const *params, const char *name,
			  char *buf, size_t len)
{
	size_t n = strlen(name);

	for (; params && *params; params++) {
		if (strncasecmp(*params, name, n) || (*params)[n] != '=')
			continue;
		snprintf(buf, len, "%s", *params + n + 1);
		return 0;
	}
	return ENOENT;
}

int sipframe_route_param(const struct sipframe *f, const char *name,
			 char *buf, size_t len)
{
	const sip_t *sip = f->sip;
	const url_t *url;

	if (!sip->sip_request)
		return sip->sip_via ? sipframe_param(sip->sip_via->v_params,
						     name, buf, len) : ENOENT;
	url = sip->sip_route ? sip->sip_route->r_url : sip->sip_request->rq_url;
	if (!url->url_params)
		return ENOENT;
	/* URI parameters are ';'-separated; url_param() finds one by name. */
	/* url_param() returns the length needed and writes nothing when the
	 * value does not fit: a stranger's over-long value is ENOSPC. */
	isize_t n = url_param(url->url_params, name, buf, len);
	if (n <= 0)
		return ENOENT;
	return (size_t)n > len ? ENOSPC : 0;
}

int sipframe_set_received(struct sipframe *f, const char *ip, int port)
{
	su_home_t *home = msg_home(f->msg);
	sip_via_t *v = f->sip->sip_via;

	if (!v)
		return EINVAL;
	/* The parameters are kept by reference: allocate them in the
	 * message's home so they live as long as the message. */
	if (msg_header_replace_param(home, v->v_common,
				     su_sprintf(home, "received=%s", ip)) < 0 ||
	    msg_header_replace_param(home, v->v_common,
				     su_sprintf(home, "rport=%d", port)) < 0)
		return ENOMEM;
	/* Drop the cached text so the header is encoded anew. */
	msg_fragment_clear(v->v_common);
	return 0;
}

char *sipframe_text(struct sipframe *f, size_t *lenp)
{
	size_t len = 0;
	char *s, *out;

	if (msg_serialize(f->msg, (msg_pub_t *)f->sip) < 0)
		return NULL;
	s = msg_as_string(msg_home(f->msg), f->msg, NULL, 0, &len);
	if (!s)
		return NULL;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
		*lenp = len;
	}
	su_free(msg_home(f->msg), s);
	return out;
}

static char *sipframe_build(msg_t *reply, sip_t *rsip, size_t *lenp)
{
	size_t len = 0;
	char *s, *out = NULL;

	if (msg_serialize(reply, (msg_pub_t *)rsip) < 0)
		return NULL;
	s = msg_as_string(msg_home(reply), reply, NULL, 0, &len);
	if (s && (out = malloc(len + 1))) {
		memcpy(out, s, len);
		out[len] = '\0';
		*lenp = len;
	}
	return out;
}

char *sipframe_response(struct sipframe *f, int status, const char *phrase,
			const char *extra, size_t *lenp)
{
	const sip_t *sip = f->sip;
	msg_t *reply = msg_create(sip_default_mclass(), 0);
	sip_t *rsip = reply ? sip_object(reply) : NULL;
	su_home_t *home = msg_home(reply);
	char tag[24];
	char *out = NULL;

	if (!rsip)
		goto out;
	rsip->sip_status = sip_status_create(home, status, phrase, NULL);
	if (!rsip->sip_status ||
	    sip_add_dup(reply, rsip, (const sip_header_t *)sip->sip_via) < 0 ||
	    sip_add_dup(reply, rsip, (const sip_header_t *)sip->sip_from) < 0 ||
	    sip_add_dup(reply, rsip, (const sip_header_t *)sip->sip_to) < 0 ||
	    sip_add_dup(reply, rsip, (const sip_header_t *)sip->sip_call_id) < 0 ||
	    sip_add_dup(reply, rsip, (const sip_header_t *)sip->sip_cseq) < 0)
		goto out;
	if (!rsip->sip_to->a_tag) {
		/* RFC 3261 19.3: tags must be globally unique and random */
		strcpy(tag, "rg");
		msg_random_token(tag + 2, 16, NULL, 0);
		sip_to_tag(home, rsip->sip_to, tag);
	}
	if (extra && msg_header_parse_str(reply, (msg_pub_t *)rsip,
					  su_strdup(home, extra)) < 0)
		goto out;
	rsip->sip_content_length = sip_content_length_create(home, 0);
	/* The empty line that ends the headers is a header of its own. */
	rsip->sip_separator = sip_separator_create(home);
	out = sipframe_build(reply, rsip, lenp);
out:
	msg_destroy(reply);
	return out;
}
