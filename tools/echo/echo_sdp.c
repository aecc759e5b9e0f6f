/* echo_sdp: see echo_sdp.h */
#include "echo_sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <sofia-sip/sdp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* In order of preference. */
static const struct {
	const char *name;
	unsigned long rate;
	const char *params;	/* channels, when the rtpmap must name them */
	unsigned frame;		/* samples in 20 ms */
} echo_codecs[] = {
	[ECHO_PCMU] = { "PCMU", 8000, NULL, 160 },
	[ECHO_PCMA] = { "PCMA", 8000, NULL, 160 },
	[ECHO_OPUS] = { "opus", 48000, "2", 960 },
};
#define ECHO_NCODECS (sizeof(echo_codecs) / sizeof(echo_codecs[0]))

unsigned echo_codec_frame(enum echo_codec c)
{
	return echo_codecs[c].frame;
}

const char *echo_codec_name(enum echo_codec c)
{
	return echo_codecs[c].name;
}

/* One of ours, or -1.  G.711 may say "/1" (one channel) or nothing. */
static int echo_sdp_codec_of(const sdp_rtpmap_t *rm)
{
	for (size_t i = 0; i < ECHO_NCODECS; i++) {
		const char *want = echo_codecs[i].params;

		if (!rm->rm_encoding ||
		    strcasecmp(rm->rm_encoding, echo_codecs[i].name) ||
		    rm->rm_rate != echo_codecs[i].rate)
			continue;
		if (want ? rm->rm_params && !strcmp(rm->rm_params, want)
			 : !rm->rm_params || !strcmp(rm->rm_params, "1"))
			return (int)i;
	}
	return -1;
}

/* An audio stream over plain RTP/AVP that is not disabled.  (Sofia
 * parses rtpmaps only for RTP/AVP and RTP/SAVP; AVPF, SAVP and DTLS are
 * refused anyway: we send no feedback and do no crypto.) */
static bool echo_sdp_usable(const sdp_media_t *mm)
{
	return mm->m_type == sdp_media_audio && mm->m_port && !mm->m_rejected &&
	       mm->m_proto == sdp_proto_rtp;
}

/* Our best codec in a stream; false when it has none of them. */
static bool echo_sdp_pick(const sdp_media_t *mm, struct echo_media *m)
{
	int best = -1, pt = -1;

	for (const sdp_rtpmap_t *rm = mm->m_rtpmaps; rm; rm = rm->rm_next) {
		int c = echo_sdp_codec_of(rm);

		if (c >= 0 && (best < 0 || c < best)) {
			best = c;
			pt = rm->rm_pt;
		}
	}
	if (best < 0)
		return false;
	m->codec = (enum echo_codec)best;
	m->pt = pt;
	return true;
}

/* The peer's c= (media level, else session level) and m= port.  An
 * unspecified address (0.0.0.0: the old way to put a call on hold) gives
 * no address: we then send only after the first packet arrives. */
static void echo_sdp_peer(const sdp_session_t *s, const sdp_media_t *mm,
			  struct echo_media *m)
{
	const sdp_connection_t *c = mm->m_connections ? mm->m_connections
						      : s->sdp_connection;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&m->peer;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&m->peer;

	memset(&m->peer, 0, sizeof(m->peer));
	m->peer_len = 0;
	if (!c || !c->c_address || mm->m_port > 65535)
		return;
	if (c->c_addrtype == sdp_addr_ip4 &&
	    inet_pton(AF_INET, c->c_address, &a4->sin_addr) == 1 &&
	    a4->sin_addr.s_addr != htonl(INADDR_ANY)) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)mm->m_port);
		m->peer_len = sizeof(*a4);
	} else if (c->c_addrtype == sdp_addr_ip6 &&
		   inet_pton(AF_INET6, c->c_address, &a6->sin6_addr) == 1 &&
		   !IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr)) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)mm->m_port);
		m->peer_len = sizeof(*a6);
	}
}

/* The first stream we can take: fills *m, returns it (or NULL). */
static const sdp_media_t *echo_sdp_take(const sdp_session_t *s,
					struct echo_media *m)
{
	for (const sdp_media_t *mm = s->sdp_media; mm; mm = mm->m_next) {
		if (!echo_sdp_usable(mm) || !echo_sdp_pick(mm, m))
			continue;
		echo_sdp_peer(s, mm, m);
		/* m_mode is the peer's view: its "send" is our "receive". */
		m->recv = (mm->m_mode & sdp_sendonly) != 0;
		m->send = (mm->m_mode & sdp_recvonly) != 0;
		return mm;
	}
	return NULL;
}

static int echo_sdp_parse(const char *text, size_t len, sdp_parser_t **pp,
			  const sdp_session_t **sp)
{
	sdp_parser_t *p;

	if (!text || !len || len > 65536)
		return EBADMSG;
	p = sdp_parse(NULL, text, (issize_t)len, sdp_f_c_missing);
	if (!p)
		return ENOMEM;
	if (!sdp_session(p)) {
		sdp_parser_free(p);
		return EBADMSG;
	}
	*pp = p;
	*sp = sdp_session(p);
	return 0;
}

static const char *echo_sdp_mode(bool send, bool recv)
{
	return send && recv ? "sendrecv" : send ? "sendonly"
	       : recv ? "recvonly" : "inactive";
}

static void echo_sdp_head(GString *g, const struct echo_sdp_local *l)
{
	const char *ipv = l->family == AF_INET6 ? "IP6" : "IP4";

	g_string_append_printf(g, "v=0\r\no=rtcgate-echo %llu %llu IN %s %s\r\n"
			       "s=rtcgate echo\r\nc=IN %s %s\r\nt=0 0\r\n",
			       l->sess_id, l->version, ipv, l->ip, ipv, l->ip);
}

static void echo_sdp_codec_lines(GString *g, enum echo_codec c, int pt)
{
	g_string_append_printf(g, "a=rtpmap:%d %s/%lu%s%s\r\n", pt,
			       echo_codecs[c].name, echo_codecs[c].rate,
			       echo_codecs[c].params ? "/" : "",
			       echo_codecs[c].params ? echo_codecs[c].params : "");
}

/* A stream we do not take: port 0, its first format (RFC 3264 6). */
static void echo_sdp_reject(GString *g, const sdp_media_t *mm)
{
	char fmt[16] = "0";

	if (mm->m_rtpmaps)
		snprintf(fmt, sizeof(fmt), "%u", (unsigned)mm->m_rtpmaps->rm_pt);
	else if (mm->m_format && mm->m_format->l_text)
		snprintf(fmt, sizeof(fmt), "%s", mm->m_format->l_text);
	g_string_append_printf(g, "m=%s 0 %s %s\r\n",
			       mm->m_type_name ? mm->m_type_name : "audio",
			       mm->m_proto_name ? mm->m_proto_name : "RTP/AVP",
			       fmt);
}

int echo_sdp_answer(const char *offer, size_t len,
		    const struct echo_sdp_local *l, struct echo_media *m,
		    char **answer)
{
	sdp_parser_t *p = NULL;
	const sdp_session_t *s;
	const sdp_media_t *take;
	GString *g;
	int err = echo_sdp_parse(offer, len, &p, &s);

	if (err)
		return err;
	take = echo_sdp_take(s, m);
	if (!take) {
		err = EPROTO;
		goto out;
	}
	g = g_string_new(NULL);
	echo_sdp_head(g, l);
	for (const sdp_media_t *mm = s->sdp_media; mm; mm = mm->m_next) {
		if (mm != take) {
			echo_sdp_reject(g, mm);
			continue;
		}
		g_string_append_printf(g, "m=audio %u RTP/AVP %d\r\n", l->port,
				       m->pt);
		echo_sdp_codec_lines(g, m->codec, m->pt);
		g_string_append_printf(g, "a=ptime:20\r\na=%s\r\n",
				       echo_sdp_mode(m->send, m->recv));
	}
	*answer = g_string_free(g, FALSE);
out:
	sdp_parser_free(p);
	return err;
}

char *echo_sdp_offer(const struct echo_sdp_local *l)
{
	GString *g = g_string_new(NULL);

	echo_sdp_head(g, l);
	g_string_append_printf(g, "m=audio %u RTP/AVP 0 8 111\r\n", l->port);
	echo_sdp_codec_lines(g, ECHO_PCMU, 0);
	echo_sdp_codec_lines(g, ECHO_PCMA, 8);
	echo_sdp_codec_lines(g, ECHO_OPUS, 111);
	g_string_append(g, "a=ptime:20\r\na=sendrecv\r\n");
	return g_string_free(g, FALSE);
}

int echo_sdp_accept(const char *answer, size_t len, struct echo_media *m)
{
	sdp_parser_t *p = NULL;
	const sdp_session_t *s;
	int err = echo_sdp_parse(answer, len, &p, &s);

	if (err)
		return err;
	if (!echo_sdp_take(s, m))
		err = EPROTO;
	sdp_parser_free(p);
	return err;
}
