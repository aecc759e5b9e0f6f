/* b2b_dtmf: DTMF between a browser and the SIP side.  Browsers send SIP
 * INFO (JsSIP's default, application/dtmf-relay or application/dtmf);
 * most SIP equipment expects RFC 4733 telephone-event in the RTP.  With
 * RTCGATE_DTMF_SIP=rfc4733 (the default) a browser's INFO becomes
 * telephone-event on the SIP leg through mediad (media_dtmf) when that leg
 * negotiated it, and telephone-event from the SIP side (mediad's dtmf
 * events) reaches the browser as INFO; with `info`, or when the SIP leg has
 * no telephone-event, INFO is relayed unchanged both ways. */
#include "b2b_call.h"
#include "busmsg.h"
#include "log.h"

#include <ctype.h>
#include <sofia-sip/sip_header.h>
#include <stdlib.h>
#include <string.h>

enum { DTMF_BODY_MAX = 256 };

/* An INFO kept until mediad says whether it could play it. */
struct dtmf_info {
	struct call *c;
	char type[64];
	char body[DTMF_BODY_MAX];
};

/* The digit and duration (ms) of an INFO body, or 0 when it is none.
 * application/dtmf-relay: "Signal=5\r\nDuration=160"; application/dtmf:
 * "5". */
static char dtmf_parse(const char *type, const char *body, long *dur_ms)
{
	const char *sig = NULL, *dur;
	char d;

	*dur_ms = 100;
	if (!strcasecmp(type, "application/dtmf")) {
		sig = body;
	} else if (!strcasecmp(type, "application/dtmf-relay")) {
		sig = strcasestr(body, "Signal=");
		if (sig)
			sig += 7;
		dur = strcasestr(body, "Duration=");
		if (dur)
			*dur_ms = strtol(dur + 9, NULL, 10);
	}
	while (sig && *sig == ' ')
		sig++;
	d = sig ? (char)toupper((unsigned char)*sig) : 0;
	if (*dur_ms < 40 || *dur_ms > 8000)
		*dur_ms = 100;
	return d && strchr("0123456789*#ABCD", d) ? d : 0;
}

static void dtmf_played(json_t *r, int e, void *arg)
{
	struct dtmf_info *di = arg;
	struct call *c = di->c;
	const char *kind = r ? busmsg_kind(r) : NULL;

	if (c->state != CALL_ENDED && (e || !kind || strcmp(kind, "media_ok"))) {
		/* no telephone-event on the SIP leg: INFO as it came */
		LOG_DEBUG("call", "%s: DTMF as INFO (%s)", c->id, r &&
			  busmsg_str(r, "reason") ? busmsg_str(r, "reason") :
			  "no answer");
		b2b_sip_info_body(c, di->type, di->body);
	}
	call_unref(c);
	g_free(di);
}

void call_web_info(struct call *c, const sip_t *sip)
{
	struct dtmf_info *di;
	const char *type = sip && sip->sip_content_type ?
			   sip->sip_content_type->c_type : NULL;
	char digits[2] = { 0 };
	long dur;
	json_t *m;

	if (!sip || !sip->sip_payload || !type ||
	    sip->sip_payload->pl_len >= DTMF_BODY_MAX ||
	    strcmp(b2b.cfg.dtmf_sip, "rfc4733") || !c->session[0]) {
		b2b_sip_info(c, sip);
		return;
	}
	di = g_new0(struct dtmf_info, 1);
	di->c = c;
	snprintf(di->type, sizeof(di->type), "%s", type);
	memcpy(di->body, sip->sip_payload->pl_data, sip->sip_payload->pl_len);
	digits[0] = dtmf_parse(di->type, di->body, &dur);
	if (!digits[0]) {
		b2b_sip_info(c, sip);
		g_free(di);
		return;
	}
	m = busmsg_new("media_dtmf");
	json_object_set_new(m, "session", json_string(c->session));
	json_object_set_new(m, "leg", json_string("sip"));
	json_object_set_new(m, "digits", json_string(digits));
	json_object_set_new(m, "duration_ms", json_integer(dur));
	c->refs++;
	if (call_media_send(c, m, dtmf_played, di)) {
		c->refs--;
		b2b_sip_info(c, sip);
		g_free(di);
	}
	json_decref(m);
}

/* telephone-event from the SIP side, reported by mediad: INFO to the
 * browser (which does not surface received RFC 4733). */
void call_media_dtmf(struct call *c, const json_t *ev)
{
	const char *leg = busmsg_str(ev, "leg"), *d = busmsg_str(ev, "detail");
	json_t *dur = json_object_get(ev, "duration");
	char body[96];
	int n;

	if (!leg || strcmp(leg, "sip") || !d || strlen(d) != 1 ||
	    !strchr("0123456789*#ABCD", d[0]) ||
	    strcmp(b2b.cfg.dtmf_sip, "rfc4733") || c->state != CALL_ANSWERED)
		return;
	n = snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%lld\r\n", d[0],
		     json_is_integer(dur) && json_integer_value(dur) > 0 &&
		     json_integer_value(dur) < 60000 ?
		     (long long)json_integer_value(dur) : 100LL);
	b2b_web_info(c, "application/dtmf-relay", body, (size_t)n);
}
