/* sdp_write: SDP text from a struct sdp_session (see sdp.h).
 *
 * Writes exactly what the struct holds, in the order browsers write it, so
 * a parsed body written back parses to the same struct.  The output never
 * ends up truncated: a short buffer is an error and leaves "".
 */
#include "sdp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Output buffer with a sticky error: the first failure stops all writes,
 * so callers check once at the end. */
struct wbuf {
	char *p;
	size_t size, len;
	int err;
};

static bool has_ctl(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return true;
	return false;
}

/* Append formatted text; refuses control bytes, so a value taken from
 * elsewhere cannot smuggle a line in with CRLF. */
__attribute__((format(printf, 2, 3)))
static void wput(struct wbuf *w, const char *fmt, ...)
{
	size_t room = w->size - w->len;
	va_list ap;
	int n;

	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		w->err = SDP_EINVAL;
	else if ((size_t)n >= room)
		w->err = SDP_ENOSPC;
	else if (has_ctl(w->p + w->len))
		w->err = SDP_EINVAL;
	else
		w->len += (size_t)n;
}

static void wend(struct wbuf *w)
{
	if (w->err)
		return;
	if (w->size - w->len < 3) {
		w->err = SDP_ENOSPC;
		return;
	}
	memcpy(w->p + w->len, "\r\n", 3);
	w->len += 2;
}

#define WLINE(w, ...) do { wput((w), __VA_ARGS__); wend(w); } while (0)

static const char *af_name(enum sdp_af af)
{
	return af == SDP_AF_IP6 ? "IP6" : "IP4";
}

static void write_conn(struct wbuf *w, const struct sdp_conn *cn)
{
	if (cn->af != SDP_AF_NONE)
		WLINE(w, "c=IN %s %s", af_name(cn->af), cn->addr);
}

static void write_tp(struct wbuf *w, const struct sdp_transport *tp)
{
	if (*tp->ufrag)
		WLINE(w, "a=ice-ufrag:%s", tp->ufrag);
	if (*tp->pwd)
		WLINE(w, "a=ice-pwd:%s", tp->pwd);
	if (*tp->ice_options)
		WLINE(w, "a=ice-options:%s", tp->ice_options);
	if (*tp->fp_algo)
		WLINE(w, "a=fingerprint:%s %s", tp->fp_algo, tp->fp_hex);
	if (tp->setup != SDP_SETUP_NONE)
		WLINE(w, "a=setup:%s", sdp_setup_name(tp->setup));
}

static void write_session(struct wbuf *w, const struct sdp_session *s)
{
	const struct sdp_origin *o = &s->origin;

	WLINE(w, "v=0");
	WLINE(w, "o=%s %" PRIu64 " %" PRIu64 " IN %s %s",
	      *o->user ? o->user : "-", o->sess_id, o->sess_ver,
	      af_name(o->conn.af), *o->conn.addr ? o->conn.addr : "0.0.0.0");
	WLINE(w, "s=%s", *s->name ? s->name : "-");
	write_conn(w, &s->conn);
	WLINE(w, "t=0 0");
	if (s->tp.ice_lite)
		WLINE(w, "a=ice-lite");
	if (s->nbundle) {
		wput(w, "a=group:BUNDLE");
		for (size_t i = 0; i < s->nbundle && i < SDP_MAX_MEDIA; i++)
			wput(w, " %s", s->bundle[i]);
		wend(w);
	}
	write_tp(w, &s->tp);
	if (s->dir != SDP_DIR_UNSET)
		WLINE(w, "a=%s", sdp_dir_name(s->dir));
	if (s->end_of_candidates)
		WLINE(w, "a=end-of-candidates");
}

static void write_mline(struct wbuf *w, const struct sdp_media *m)
{
	const char *type = sdp_media_kind_name(m->kind);
	const char *proto = sdp_proto_name(m->proto);
	bool rtp = sdp_proto_is_rtp(m);

	/* names as written only for kinds and protos we have no enum for */
	type = type ? type : m->type_name;
	proto = proto ? proto : m->proto_name;
	if (!*type || !*proto || (!*m->fmt && (!rtp || !m->ncodecs))) {
		w->err = w->err ? w->err : SDP_EINVAL;
		return;
	}
	wput(w, "m=%s %u", type, m->port);
	if (m->nports > 1)
		wput(w, "/%u", m->nports);
	wput(w, " %s", proto);
	if (rtp && m->ncodecs)
		for (size_t i = 0; i < m->ncodecs && i < SDP_MAX_CODECS; i++)
			wput(w, " %u", m->codecs[i].pt);
	else
		wput(w, " %s", m->fmt);
	wend(w);
}

static void write_codec(struct wbuf *w, const struct sdp_codec *cd)
{
	if (*cd->name) {
		if (!cd->clock) {
			w->err = w->err ? w->err : SDP_EINVAL;
			return;
		}
		wput(w, "a=rtpmap:%u %s/%u", cd->pt, cd->name, cd->clock);
		if (cd->channels > 1)
			wput(w, "/%u", cd->channels);
		wend(w);
	}
	for (size_t i = 0; i < cd->nfb && i < SDP_MAX_FB; i++)
		WLINE(w, "a=rtcp-fb:%u %s", cd->pt, cd->fb[i]);
	if (*cd->fmtp)
		WLINE(w, "a=fmtp:%u %s", cd->pt, cd->fmtp);
}

static void write_ssrcs(struct wbuf *w, const struct sdp_media *m)
{
	for (size_t i = 0; i < m->nssrc_groups && i < SDP_MAX_SSRC_GROUPS;
	     i++) {
		const struct sdp_ssrc_group *g = &m->ssrc_groups[i];

		wput(w, "a=ssrc-group:%s", g->semantics);
		for (size_t j = 0; j < g->nids && j < SDP_MAX_GROUP_IDS; j++)
			wput(w, " %" PRIu32, g->ids[j]);
		wend(w);
	}
	for (size_t i = 0; i < m->nssrcs && i < SDP_MAX_SSRC; i++) {
		const struct sdp_ssrc *ss = &m->ssrcs[i];

		if (*ss->cname)
			WLINE(w, "a=ssrc:%" PRIu32 " cname:%s", ss->id,
			      ss->cname);
		else
			WLINE(w, "a=ssrc:%" PRIu32, ss->id);
	}
}

static void write_crypto(struct wbuf *w, const struct sdp_crypto *cr)
{
	WLINE(w, "a=crypto:%" PRIu32 " %s inline:%s%s%s%s", cr->tag,
	      cr->suite, cr->key, cr->key_extra, *cr->params ? " " : "",
	      cr->params);
}

static void write_cand(struct wbuf *w, const struct sdp_candidate *cd)
{
	wput(w, "candidate:%s %u %s %" PRIu32 " %s %u typ %s",
	     cd->foundation, cd->component, cd->transport, cd->priority,
	     cd->addr, cd->port, sdp_cand_type_name(cd->type));
	if (cd->has_raddr)
		wput(w, " raddr %s rport %u", cd->raddr, cd->rport);
	if (*cd->tcptype)
		wput(w, " tcptype %s", cd->tcptype);
}

static void write_media_attrs(struct wbuf *w, const struct sdp_session *s,
			      const struct sdp_media *m)
{
	if (m->rtcp_port && m->rtcp_conn.af != SDP_AF_NONE)
		WLINE(w, "a=rtcp:%u IN %s %s", m->rtcp_port,
		      m->rtcp_conn.af == SDP_AF_IP6 ? "IP6" : "IP4",
		      m->rtcp_conn.addr);
	else if (m->rtcp_port)
		WLINE(w, "a=rtcp:%u", m->rtcp_port);
	if (m->tp.ice_lite && !s->tp.ice_lite)
		WLINE(w, "a=ice-lite");
	write_tp(w, &m->tp);
	if (*m->mid)
		WLINE(w, "a=mid:%s", m->mid);
	for (size_t i = 0; i < m->nextmaps && i < SDP_MAX_EXTMAP; i++)
		WLINE(w, "a=extmap:%s", m->extmaps[i]);
	WLINE(w, "a=%s", sdp_dir_name(m->dir ? m->dir : SDP_DIR_SENDRECV));
	if (m->rtcp_mux)
		WLINE(w, "a=rtcp-mux");
	if (m->rtcp_rsize)
		WLINE(w, "a=rtcp-rsize");
}

static void write_media(struct wbuf *w, const struct sdp_session *s,
			const struct sdp_media *m)
{
	write_mline(w, m);
	write_conn(w, &m->conn);
	write_media_attrs(w, s, m);
	for (size_t i = 0; i < m->ncodecs && i < SDP_MAX_CODECS; i++)
		write_codec(w, &m->codecs[i]);
	if (m->ptime)
		WLINE(w, "a=ptime:%" PRIu32, m->ptime);
	if (m->maxptime)
		WLINE(w, "a=maxptime:%" PRIu32, m->maxptime);
	write_ssrcs(w, m);
	for (size_t i = 0; i < m->ncrypto && i < SDP_MAX_CRYPTO; i++)
		write_crypto(w, &m->crypto[i]);
	for (size_t i = 0; i < m->ncands && i < SDP_MAX_CANDS; i++) {
		wput(w, "a=");
		write_cand(w, &m->cands[i]);
		wend(w);
	}
	if (m->end_of_candidates)
		WLINE(w, "a=end-of-candidates");
}

int sdp_session_write(const struct sdp_session *s, char *buf, size_t size,
		      size_t *lenp)
{
	struct wbuf w = { .p = buf, .size = size };

	if (!s || !buf || !size)
		return !s || !buf ? SDP_EINVAL : SDP_ENOSPC;
	buf[0] = '\0';
	write_session(&w, s);
	for (size_t i = 0; i < s->nmedia && i < SDP_MAX_MEDIA; i++)
		write_media(&w, s, &s->media[i]);
	if (w.err) {
		buf[0] = '\0';	/* never hand out a truncated body */
		return w.err;
	}
	if (lenp)
		*lenp = w.len;
	return 0;
}

int sdp_candidate_write(const struct sdp_candidate *cd, char *buf,
			size_t size)
{
	struct wbuf w = { .p = buf, .size = size };

	if (!cd || !buf || !size)
		return !cd || !buf ? SDP_EINVAL : SDP_ENOSPC;
	buf[0] = '\0';
	write_cand(&w, cd);
	if (w.err)
		buf[0] = '\0';
	return w.err;
}
