/* psdp: the SDP the peer writes (a browser's WebRTC offer or answer, a SIP
 * phone's RTP/AVP offer or answer) and reads (mediad's), with mediad's own
 * parser (services/mediad/sdp.c).  Also the process's DTLS certificate,
 * whose fingerprint every WebRTC description carries. */
#include "peer.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct dtls_ctx *psdp_ctx;
/* 840 KiB: one, reused.  Only the main (bus) thread parses today; the
 * lock keeps that an assumption rather than a requirement. */
static struct sdp_session *psdp_parsed;
static pthread_mutex_t psdp_lock = PTHREAD_MUTEX_INITIALIZER;

int psdp_global_init(void)
{
	int e = dtls_ctx_new(&psdp_ctx);

	return e ? e : sdp_session_new(&psdp_parsed);
}

void psdp_global_fini(void)
{
	dtls_ctx_free(psdp_ctx);
	sdp_session_free(psdp_parsed);
}

const char *psdp_fingerprint(void)
{
	return dtls_ctx_fingerprint(psdp_ctx);
}

struct dtls_ctx *psdp_dtls_ctx(void)
{
	return psdp_ctx;
}

/* ice-char, RFC 8839 5.4: 64 of them, so 6 random bits pick one. */
int psdp_random_chars(char *out, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[64];

	if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
		return EIO;
	for (size_t i = 0; i < n; i++)
		out[i] = set[raw[i] & 63];
	out[n] = '\0';
	return 0;
}

static const char *psdp_rtpmap(enum peer_codec c)
{
	return c == PEER_PCMU ? "PCMU/8000" : c == PEER_PCMA ? "PCMA/8000"
							    : "opus/48000/2";
}

/* A browser's audio section, as Chrome writes one (less what mediad
 * ignores: extmaps, rtcp-fb, msid). */
char *psdp_web(const struct psess *s, bool offer, const char *cand)
{
	return psdp_web_dir(s, offer, cand, "sendrecv");
}

char *psdp_web_dir(const struct psess *s, bool offer, const char *cand,
		   const char *dir)
{
	const struct peer_opts *o = s->o;
	int pt = offer ? pmedia_pt(o->web_codec) : s->web_pt;
	char *out = NULL;
	const char *setup = offer ? "actpass" :
			    o->answer_passive ? "passive" : "active";

	if (asprintf(&out, "v=0\r\no=- %d 2 IN IP4 %s\r\ns=-\r\nt=0 0\r\n"
		     "a=group:BUNDLE 0\r\nm=audio %u UDP/TLS/RTP/SAVPF %d 126\r\n"
		     "c=IN IP4 %s\r\na=%s\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
		     "a=fingerprint:sha-256 %s\r\na=setup:%s\r\na=mid:0\r\n"
		     "a=%s\r\na=rtcp-mux\r\na=rtpmap:%d %s\r\n%s"
		     "a=rtpmap:126 telephone-event/8000\r\n"
		     "a=ssrc:%u cname:peer-%d\r\n", 4611 + s->idx, o->ip,
		     s->web_port, pt, o->ip, cand, s->ufrag, s->pwd,
		     psdp_fingerprint(), setup, dir, pt,
		     psdp_rtpmap(o->web_codec),
		     o->web_codec == PEER_OPUS ?
		     "a=fmtp:111 minptime=10;useinbandfec=1\r\n" : "",
		     s->web_tx.ssrc, s->idx) < 0)
		return NULL;
	return out;
}

/* A SIP phone's plain RTP section; one codec either way, and
 * telephone-event. */
char *psdp_sip(const struct psess *s, bool offer)
{
	return psdp_sip_dir(s, offer, "sendrecv");
}

char *psdp_sip_dir(const struct psess *s, bool offer, const char *dir)
{
	const struct peer_opts *o = s->o;
	int pt = offer ? pmedia_pt(o->sip_codec) : s->sip_pt;
	char *out = NULL;
	char crypto[SRTPX_SDES_INLINE_MAX + 80], rtcp[80] = "", maxp[24] = "";

	psdes_line(s, crypto, sizeof(crypto));
	if (o->sip_maxptime)
		snprintf(maxp, sizeof(maxp), "%ld", o->sip_maxptime);
	if (o->rtcp_attr)	/* RFC 3605: not the RTP port + 1 */
		snprintf(rtcp, sizeof(rtcp), "a=rtcp:%u IN IP4 %s\r\n",
			 s->rtcp_port, o->ip);
	if (asprintf(&out, "v=0\r\no=phone %d 1 IN IP4 %s\r\ns=-\r\n"
		     "c=IN IP4 %s\r\nt=0 0\r\nm=audio %u %s %d 101\r\n"
		     "a=rtpmap:%d %s\r\na=rtpmap:101 telephone-event/8000\r\n"
		     "a=ptime:%ld\r\n%s%s%sa=%s\r\n%s%s",
		     7000 + s->idx, o->ip, o->ip, s->sip_port, psdes_proto(s),
		     pt, pt, psdp_rtpmap(o->sip_codec),
		     o->sip_ptime ? o->sip_ptime : 20L, maxp[0] ? "a=maxptime:" :
		     "", maxp, maxp[0] ? "\r\n" : "", dir, rtcp, crypto) < 0)
		return NULL;
	return out;
}

static bool psdp_is(const struct sdp_codec *k, enum peer_codec c)
{
	if (c == PEER_OPUS)
		return !strcasecmp(k->name, "opus") && k->clock == 48000;
	return !strcasecmp(k->name, c == PEER_PCMU ? "PCMU" : "PCMA") &&
	       k->clock == 8000;
}

static void psdp_copy(struct psdp_remote *r, const struct sdp_media *m,
		      enum peer_codec c)
{
	snprintf(r->addr, sizeof(r->addr), "%s", m->conn.addr);
	r->port = m->port;
	r->pt = -1;
	for (size_t i = 0; i < m->ncodecs && r->pt < 0; i++)
		if (psdp_is(&m->codecs[i], c))
			r->pt = m->codecs[i].pt;
	r->webrtc = m->proto == SDP_PROTO_UDP_TLS_RTP_SAVPF;
	r->te_pt = -1;
	for (size_t i = 0; i < m->ncodecs && r->te_pt < 0; i++)
		if (!strcasecmp(m->codecs[i].name, "telephone-event") &&
		    m->codecs[i].clock == 8000)
			r->te_pt = m->codecs[i].pt;
	snprintf(r->ufrag, sizeof(r->ufrag), "%s", m->tp.ufrag);
	snprintf(r->pwd, sizeof(r->pwd), "%s", m->tp.pwd);
	snprintf(r->fp_hex, sizeof(r->fp_hex), "%s", m->tp.fp_hex);
	r->setup = m->tp.setup;
	r->cand[0] = '\0';
	if (m->ncands)
		sdp_candidate_write(&m->cands[0], r->cand, sizeof(r->cand));
	snprintf(r->proto, sizeof(r->proto), "%s", m->proto_name);
	r->ptime = m->ptime;
	r->maxptime = m->maxptime;
}

/* --sdes: the first a=crypto line of mediad's SDP with our suite. */
int psdp_read_crypto(const char *text, const char *suite,
		     struct psdp_remote *r)
{
	unsigned line = 0;
	int e;

	r->crypto = false;
	pthread_mutex_lock(&psdp_lock);
	e = sdp_session_parse(psdp_parsed, text, strlen(text), &line);
	for (size_t i = 0; !e && i < psdp_parsed->nmedia; i++) {
		const struct sdp_media *m = &psdp_parsed->media[i];
		for (size_t k = 0; k < m->ncrypto && !r->crypto; k++) {
			if (strcmp(m->crypto[k].suite, suite))
				continue;
			r->crypto = true;
			r->crypto_tag = m->crypto[k].tag;
			snprintf(r->crypto_kp, sizeof(r->crypto_kp),
				 "inline:%s%s", m->crypto[k].key,
				 m->crypto[k].key_extra);
		}
	}
	pthread_mutex_unlock(&psdp_lock);
	return e ? EPROTO : 0;
}

int psdp_read(const char *text, enum peer_codec c, struct psdp_remote *r,
	      char *why, size_t whylen)
{
	const struct sdp_media *m = NULL;
	unsigned line = 0;
	int e;

	pthread_mutex_lock(&psdp_lock);
	e = sdp_session_parse(psdp_parsed, text, strlen(text), &line);
	for (size_t i = 0; !e && i < psdp_parsed->nmedia && !m; i++)
		if (psdp_parsed->media[i].kind == SDP_MEDIA_AUDIO &&
		    psdp_parsed->media[i].port)
			m = &psdp_parsed->media[i];
	if (e)
		snprintf(why, whylen, "mediad's SDP, line %u: %s", line,
			 sdp_strerror(e));
	else if (!m)
		snprintf(why, whylen, "mediad's SDP has no audio");
	else
		psdp_copy(r, m, c);
	pthread_mutex_unlock(&psdp_lock);
	if (!e && m && r->pt < 0) {
		snprintf(why, whylen, "mediad did not offer %s",
			 pcli_codec_name(c));
		return ENOENT;
	}
	return e || !m ? EPROTO : 0;
}
