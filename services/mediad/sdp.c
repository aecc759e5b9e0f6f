/* sdp: compact SDP parser and writer for WebRTC and plain SIP media.
 *
 * The parser copies one line at a time into a bounded local buffer, splits
 * it in place and dispatches a=... through a const table.  It is strict
 * about the attributes it interprets (a malformed rtpmap or candidate would
 * make us misroute media) and ignores the rest, as RFC 8866 asks.
 */
#include "sdp.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCOPY(dst, src) scopy((dst), sizeof(dst), (src))
/* a= handlers share one signature; not all of them need every argument */
#define UNUSED __attribute__((unused))

struct pctx {
	struct sdp_session *s;
	struct sdp_media *m;	/* current m= section; NULL at session level */
	bool have_origin;
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_ws(char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

/* Next whitespace-separated token of *pp, terminated in place; NULL at the
 * end of the line. */
static char *tok(char **pp)
{
	char *p = skip_ws(*pp), *t = p;

	if (!*p) {
		*pp = p;
		return NULL;
	}
	while (*p && !is_ws(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*pp = p;
	return t;
}

/* Digits only: strtoul would also take "-1", "+1", " 1" and "0x1", and
 * wraps negative numbers silently. */
static bool num(const char *t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!t || !*t)
		return false;
	for (; *t; t++) {
		unsigned d = (unsigned)(*t - '0');

		if (*t < '0' || *t > '9' || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool num32(const char *t, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!num(t, max, &v) || v < min)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool num16(const char *t, uint16_t *out)
{
	uint32_t v;

	if (!num32(t, 0, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

/* Copy with the rest of dst zeroed: a field set twice then compares equal
 * to one set once, which keeps parse results comparable with memcmp. */
static int scopy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return SDP_ETOOLONG;
	memcpy(dst, src, n);
	memset(dst + n, 0, cap - n);
	return 0;
}

/* A single visible-ASCII token: ICE credentials, mid, setup values. */
static bool is_token(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return false;
	return true;
}

/* ---- name tables ------------------------------------------------------ */

static const char *const kind_names[] = {
	[SDP_MEDIA_AUDIO] = "audio",
	[SDP_MEDIA_VIDEO] = "video",
	[SDP_MEDIA_APPLICATION] = "application",
};

static const char *const proto_names[] = {
	[SDP_PROTO_RTP_AVP] = "RTP/AVP",
	[SDP_PROTO_RTP_AVPF] = "RTP/AVPF",
	[SDP_PROTO_RTP_SAVP] = "RTP/SAVP",
	[SDP_PROTO_RTP_SAVPF] = "RTP/SAVPF",
	[SDP_PROTO_UDP_TLS_RTP_SAVPF] = "UDP/TLS/RTP/SAVPF",
};

static const char *const dir_names[] = {
	[SDP_DIR_UNSET] = "unset",
	[SDP_DIR_SENDRECV] = "sendrecv",
	[SDP_DIR_SENDONLY] = "sendonly",
	[SDP_DIR_RECVONLY] = "recvonly",
	[SDP_DIR_INACTIVE] = "inactive",
};

static const char *const setup_names[] = {
	[SDP_SETUP_NONE] = "none",
	[SDP_SETUP_ACTPASS] = "actpass",
	[SDP_SETUP_ACTIVE] = "active",
	[SDP_SETUP_PASSIVE] = "passive",
	[SDP_SETUP_HOLDCONN] = "holdconn",
};

static const char *const cand_names[] = {
	[SDP_CAND_HOST] = "host",
	[SDP_CAND_SRFLX] = "srflx",
	[SDP_CAND_PRFLX] = "prflx",
	[SDP_CAND_RELAY] = "relay",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Index of v in names[first..], or -1. */
static int name_index(const char *const *names, size_t n, size_t first,
		      const char *v)
{
	for (size_t i = first; i < n; i++)
		if (names[i] && !strcmp(names[i], v))
			return (int)i;
	return -1;
}

const char *sdp_media_kind_name(enum sdp_media_kind k)
{
	return (unsigned)k < NELEM(kind_names) ? kind_names[k] : NULL;
}

const char *sdp_proto_name(enum sdp_proto p)
{
	return (unsigned)p < NELEM(proto_names) ? proto_names[p] : NULL;
}

const char *sdp_dir_name(enum sdp_dir d)
{
	return (unsigned)d < NELEM(dir_names) ? dir_names[d] : "?";
}

const char *sdp_setup_name(enum sdp_setup s)
{
	return (unsigned)s < NELEM(setup_names) ? setup_names[s] : "?";
}

const char *sdp_cand_type_name(enum sdp_cand_type t)
{
	return (unsigned)t < NELEM(cand_names) ? cand_names[t] : "?";
}

static const char *const err_names[SDP_EEND - SDP_EINVAL] = {
	[SDP_EINVAL - SDP_EINVAL] = "invalid argument",
	[SDP_ETOOBIG - SDP_EINVAL] = "SDP body too large",
	[SDP_ELINES - SDP_EINVAL] = "too many SDP lines",
	[SDP_ELINELEN - SDP_EINVAL] = "SDP line too long",
	[SDP_EBADCHAR - SDP_EINVAL] = "NUL or control character in SDP",
	[SDP_EVERSION - SDP_EINVAL] = "SDP does not start with v=0",
	[SDP_ESYNTAX - SDP_EINVAL] = "SDP line is not type=value",
	[SDP_EORIGIN - SDP_EINVAL] = "o= missing or malformed",
	[SDP_ECONN - SDP_EINVAL] = "c= malformed or missing",
	[SDP_EMLINE - SDP_EINVAL] = "m= malformed",
	[SDP_EPORT - SDP_EINVAL] = "port out of range",
	[SDP_EPT - SDP_EINVAL] = "bad or repeated payload type",
	[SDP_EATTR - SDP_EINVAL] = "malformed attribute",
	[SDP_ECAND - SDP_EINVAL] = "malformed candidate",
	[SDP_ECRYPTO - SDP_EINVAL] = "malformed crypto attribute",
	[SDP_ETOOLONG - SDP_EINVAL] = "SDP value too long",
	[SDP_EMEDIA_LIMIT - SDP_EINVAL] = "too many m= sections",
	[SDP_ECODEC_LIMIT - SDP_EINVAL] = "too many payload types",
	[SDP_ECAND_LIMIT - SDP_EINVAL] = "too many candidates",
	[SDP_ELIST_LIMIT - SDP_EINVAL] = "too many attributes of one kind",
	[SDP_ENOSPC - SDP_EINVAL] = "SDP output buffer too small",
	[SDP_ENOCODEC - SDP_EINVAL] = "no codec in common",
};

const char *sdp_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err >= SDP_EINVAL && err < SDP_EEND)
		return err_names[err - SDP_EINVAL];
	return strerror(err);
}

/* ---- session object --------------------------------------------------- */

/* A session is zeroed once, here.  From then on every byte past the counted
 * entries of each list stays zero (every handler that fails after writing
 * an uncounted entry wipes it), so sess_clear() only has to wipe what the
 * last parse counted: the cost follows the SDP, not the 840 KiB limits,
 * and two parses of one text still compare equal with memcmp. */
int sdp_session_new(struct sdp_session **sp)
{
	struct sdp_session *s;

	if (!sp)
		return SDP_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	*sp = s;
	return 0;
}

void sdp_session_free(struct sdp_session *s)
{
	free(s);
}

#define CLEAR_N(arr, n) memset((arr), 0, (n) * sizeof((arr)[0]))

static void media_clear(struct sdp_media *m)
{
	CLEAR_N(m->codecs, m->ncodecs);
	CLEAR_N(m->ssrcs, m->nssrcs);
	CLEAR_N(m->ssrc_groups, m->nssrc_groups);
	CLEAR_N(m->cands, m->ncands);
	CLEAR_N(m->crypto, m->ncrypto);
	CLEAR_N(m->extmaps, m->nextmaps);
	/* the scalars (and ncodecs) all sit before the first list */
	memset(m, 0, offsetof(struct sdp_media, codecs));
	m->nssrcs = m->nssrc_groups = m->ncands = 0;
	m->ncrypto = m->nextmaps = 0;
}

/* Back to all zero, touching only what the last parse used. */
static void sess_clear(struct sdp_session *s)
{
	size_t n = s->nmedia < SDP_MAX_MEDIA ? s->nmedia : SDP_MAX_MEDIA;

	for (size_t i = 0; i < n; i++)
		media_clear(&s->media[i]);
	memset(s, 0, offsetof(struct sdp_session, media));
}

/* Per-thread sessions for sdp_session_acquire.  Two slots: mediad parses
 * the stored browser offer while a SIP answer is still in use. */
enum { SDP_POOL_SLOTS = 2 };

struct sdp_pool {
	struct sdp_session *slot[SDP_POOL_SLOTS];
	bool busy[SDP_POOL_SLOTS];
};

static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static bool pool_key_ok;
static __thread struct sdp_pool *tls_pool;

/* Runs when a thread that used the pool exits. */
static void pool_free(void *arg)
{
	struct sdp_pool *p = arg;

	for (size_t i = 0; i < SDP_POOL_SLOTS; i++)
		free(p->slot[i]);
	free(p);
}

static void pool_key_init(void)
{
	pool_key_ok = pthread_key_create(&pool_key, pool_free) == 0;
}

static struct sdp_pool *pool_get(void)
{
	struct sdp_pool *p = tls_pool;

	if (p)
		return p;
	pthread_once(&pool_once, pool_key_init);
	if (!pool_key_ok)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p && pthread_setspecific(pool_key, p)) {
		free(p);
		p = NULL;
	}
	tls_pool = p;
	return p;
}

int sdp_session_acquire(struct sdp_session **sp)
{
	struct sdp_pool *p;

	if (!sp)
		return SDP_EINVAL;
	p = pool_get();
	for (size_t i = 0; p && i < SDP_POOL_SLOTS; i++) {
		if (p->busy[i])
			continue;
		if (!p->slot[i] && sdp_session_new(&p->slot[i]))
			return ENOMEM;
		sess_clear(p->slot[i]);
		p->busy[i] = true;
		*sp = p->slot[i];
		return 0;
	}
	return sdp_session_new(sp);	/* nested deeper, or no pool */
}

void sdp_session_release(struct sdp_session *s)
{
	struct sdp_pool *p = tls_pool;

	if (!s)
		return;
	for (size_t i = 0; p && i < SDP_POOL_SLOTS; i++) {
		if (p->slot[i] == s) {
			p->busy[i] = false;
			return;
		}
	}
	sdp_session_free(s);
}

bool sdp_proto_is_rtp(const struct sdp_media *m)
{
	return m->proto != SDP_PROTO_OTHER || strstr(m->proto_name, "RTP/");
}

const struct sdp_codec *sdp_codec_find(const struct sdp_media *m,
				       unsigned pt)
{
	for (size_t i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	return NULL;
}

const struct sdp_media *sdp_media_find_mid(const struct sdp_session *s,
					   const char *mid)
{
	for (size_t i = 0; i < s->nmedia; i++)
		if (*s->media[i].mid && !strcmp(s->media[i].mid, mid))
			return &s->media[i];
	return NULL;
}

static struct sdp_codec *codec_get(struct sdp_media *m, unsigned pt)
{
	return (struct sdp_codec *)sdp_codec_find(m, pt);
}

/* ---- c=, o=, m= ------------------------------------------------------- */

/* "IN IP4 192.0.2.1"; the multicast "/ttl" suffix is kept in addr. */
static int conn_parse(struct sdp_conn *cn, char *v)
{
	char *net = tok(&v), *at = tok(&v), *addr = tok(&v);

	if (!net || !at || !addr || tok(&v) || strcmp(net, "IN"))
		return SDP_ECONN;
	if (!strcmp(at, "IP4"))
		cn->af = SDP_AF_IP4;
	else if (!strcmp(at, "IP6"))
		cn->af = SDP_AF_IP6;
	else
		return SDP_ECONN;
	return SCOPY(cn->addr, addr) ? SDP_ECONN : 0;
}

static int parse_origin(struct pctx *c, char *v)
{
	struct sdp_origin *o = &c->s->origin;
	char *user = tok(&v), *id = tok(&v), *ver = tok(&v);

	if (c->have_origin || c->m || !user)
		return SDP_EORIGIN;
	if (!num(id, UINT64_MAX, &o->sess_id) ||
	    !num(ver, UINT64_MAX, &o->sess_ver))
		return SDP_EORIGIN;
	if (SCOPY(o->user, user) || conn_parse(&o->conn, v))
		return SDP_EORIGIN;
	c->have_origin = true;
	return 0;
}

/* Static payload types of RFC 3551 that need no rtpmap. */
static const struct {
	uint8_t pt;
	const char *name;
	uint32_t clock;
} static_pts[] = {
	{ 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 },
	{ 8, "PCMA", 8000 }, { 9, "G722", 8000 }, { 13, "CN", 8000 },
	{ 18, "G729", 8000 },
};

static void codec_defaults(struct sdp_codec *cd)
{
	cd->channels = 1;
	for (size_t i = 0; i < NELEM(static_pts); i++) {
		if (static_pts[i].pt != cd->pt)
			continue;
		SCOPY(cd->name, static_pts[i].name);
		cd->clock = static_pts[i].clock;
	}
}

static int parse_pts(struct sdp_media *m, char *v)
{
	char *t;
	uint32_t pt;

	while ((t = tok(&v))) {
		if (m->ncodecs >= SDP_MAX_CODECS)
			return SDP_ECODEC_LIMIT;
		if (!num32(t, 0, 127, &pt) || sdp_codec_find(m, pt))
			return SDP_EPT;
		m->codecs[m->ncodecs].pt = (uint8_t)pt;
		codec_defaults(&m->codecs[m->ncodecs++]);
	}
	return 0;
}

/* "9" or "9/2" */
static int parse_port(struct sdp_media *m, char *p)
{
	char *slash = strchr(p, '/');
	uint32_t n = 1;

	if (slash) {
		*slash = '\0';
		if (!num32(slash + 1, 1, 65535, &n))
			return SDP_EPORT;
	}
	if (!num16(p, &m->port))
		return SDP_EPORT;
	m->nports = (uint16_t)n;
	return 0;
}

static int parse_mline(struct pctx *c, char *v)
{
	struct sdp_session *s = c->s;
	char *type = tok(&v), *port = tok(&v), *proto = tok(&v);
	struct sdp_media *m;
	int i, err;

	if (!type || !port || !proto || !*skip_ws(v))
		return SDP_EMLINE;
	if (s->nmedia >= SDP_MAX_MEDIA)
		return SDP_EMEDIA_LIMIT;
	m = c->m = &s->media[s->nmedia++];
	if (SCOPY(m->type_name, type) || SCOPY(m->proto_name, proto))
		return SDP_EMLINE;
	i = name_index(kind_names, NELEM(kind_names), 1, type);
	m->kind = i < 0 ? SDP_MEDIA_OTHER : (enum sdp_media_kind)i;
	i = name_index(proto_names, NELEM(proto_names), 1, proto);
	m->proto = i < 0 ? SDP_PROTO_OTHER : (enum sdp_proto)i;
	err = parse_port(m, port);
	if (err)
		return err;
	if (sdp_proto_is_rtp(m))
		return parse_pts(m, v);
	return SCOPY(m->fmt, skip_ws(v)) ? SDP_EMLINE : 0;
}

/* ---- a= handlers ------------------------------------------------------ */

static struct sdp_transport *cur_tp(struct pctx *c)
{
	return c->m ? &c->m->tp : &c->s->tp;
}

static int a_group(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_session *s = c->s;
	char *sem = tok(&v), *mid;

	/* Only the first BUNDLE group is ours; LS and others are skipped. */
	if (!sem || strcmp(sem, "BUNDLE") || s->nbundle)
		return 0;
	while ((mid = tok(&v))) {
		if (s->nbundle >= SDP_MAX_MEDIA)
			return SDP_ELIST_LIMIT;
		if (SCOPY(s->bundle[s->nbundle++], mid))
			return SDP_ETOOLONG;
	}
	return 0;
}

static int a_ice(struct pctx *c, const char *name, char *v)
{
	struct sdp_transport *tp = cur_tp(c);

	if (!strcmp(name, "ice-lite")) {
		tp->ice_lite = true;
		return 0;
	}
	if (!strcmp(name, "ice-options"))
		return *v ? SCOPY(tp->ice_options, v) : SDP_EATTR;
	if (!is_token(v))
		return SDP_EATTR;
	if (!strcmp(name, "ice-ufrag"))
		return SCOPY(tp->ufrag, v);
	return SCOPY(tp->pwd, v);
}

/* "AB:CD:..." hex pairs separated by colons. */
static bool fp_valid(const char *h)
{
	for (;;) {
		if (!isxdigit((unsigned char)h[0]) ||
		    !isxdigit((unsigned char)h[1]))
			return false;
		h += 2;
		if (!*h)
			return true;
		if (*h++ != ':')
			return false;
	}
}

static int a_fingerprint(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_transport *tp = cur_tp(c);
	char *algo = tok(&v), *hex = tok(&v);

	if (!algo || !hex || tok(&v) || !fp_valid(hex))
		return SDP_EATTR;
	if (SCOPY(tp->fp_algo, algo) || SCOPY(tp->fp_hex, hex))
		return SDP_ETOOLONG;
	return 0;
}

static int a_setup(struct pctx *c, const char *name UNUSED, char *v)
{
	int i = name_index(setup_names, NELEM(setup_names), 1, v);

	if (i < 0)
		return SDP_EATTR;
	cur_tp(c)->setup = (enum sdp_setup)i;
	return 0;
}

static int a_dir(struct pctx *c, const char *name, char *v UNUSED)
{
	enum sdp_dir d = (enum sdp_dir)name_index(dir_names, NELEM(dir_names),
						  1, name);

	if (c->m)
		c->m->dir = d;
	else
		c->s->dir = d;
	return 0;
}

static int a_eoc(struct pctx *c, const char *name UNUSED, char *v UNUSED)
{
	if (c->m)
		c->m->end_of_candidates = true;
	else
		c->s->end_of_candidates = true;
	return 0;
}

static int a_mid(struct pctx *c, const char *name UNUSED, char *v)
{
	return is_token(v) ? SCOPY(c->m->mid, v) : SDP_EATTR;
}

static int a_flag(struct pctx *c, const char *name, char *v UNUSED)
{
	if (!strcmp(name, "rtcp-mux"))
		c->m->rtcp_mux = true;
	else
		c->m->rtcp_rsize = true;
	return 0;
}

/* "a=rtcp:9 IN IP4 0.0.0.0" or "a=rtcp:53021" (RFC 3605).  A malformed
 * address is forgotten rather than refusing the SDP: the port alone is
 * still usable, with c='s address. */
static int a_rtcp(struct pctx *c, const char *name UNUSED, char *v)
{
	if (!num16(tok(&v), &c->m->rtcp_port))
		return SDP_EPORT;
	v = skip_ws(v);
	if (*v && conn_parse(&c->m->rtcp_conn, v))
		memset(&c->m->rtcp_conn, 0, sizeof(c->m->rtcp_conn));
	return 0;
}

/* "111 opus/48000/2"; an rtpmap for a pt not on the m= line is ignored. */
static int a_rtpmap(struct pctx *c, const char *name UNUSED, char *v)
{
	char *pt = tok(&v), *enc = tok(&v), *clock, *chans;
	struct sdp_codec *cd;
	uint32_t n, rate, ch = 1;

	if (!num32(pt, 0, 127, &n))
		return SDP_EPT;
	if (!enc || !(clock = strchr(enc, '/')))
		return SDP_EATTR;
	*clock++ = '\0';
	chans = strchr(clock, '/');
	if (chans)
		*chans++ = '\0';
	if (!*enc || !num32(clock, 1, UINT32_MAX, &rate) ||
	    (chans && !num32(chans, 1, 255, &ch)))
		return SDP_EATTR;
	cd = codec_get(c->m, n);
	if (!cd)
		return 0;
	cd->clock = rate;
	cd->channels = (uint8_t)ch;
	return SCOPY(cd->name, enc);
}

static int a_fmtp(struct pctx *c, const char *name UNUSED, char *v)
{
	char *pt = tok(&v);
	struct sdp_codec *cd;
	uint32_t n;

	if (!num32(pt, 0, 127, &n))
		return SDP_EPT;
	cd = codec_get(c->m, n);
	return cd ? SCOPY(cd->fmtp, skip_ws(v)) : 0;
}

static int fb_add(struct sdp_codec *cd, const char *val)
{
	if (cd->nfb >= SDP_MAX_FB)
		return SDP_ELIST_LIMIT;
	return SCOPY(cd->fb[cd->nfb++], val);
}

/* "96 nack pli"; "*" applies to every payload type of the m= line. */
static int a_rtcpfb(struct pctx *c, const char *name UNUSED, char *v)
{
	char *pt = tok(&v), *val = skip_ws(v);
	struct sdp_codec *cd;
	uint32_t n;
	int err = 0;

	if (!pt || !*val)
		return SDP_EATTR;
	if (!strcmp(pt, "*")) {
		for (size_t i = 0; i < c->m->ncodecs && !err; i++)
			err = fb_add(&c->m->codecs[i], val);
		return err;
	}
	if (!num32(pt, 0, 127, &n))
		return SDP_EPT;
	cd = codec_get(c->m, n);
	return cd ? fb_add(cd, val) : 0;
}

/* "1234 cname:x" / "1234 msid:a b": one entry per id, cname kept. */
static int a_ssrc(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_media *m = c->m;
	char *id = tok(&v), *attr = skip_ws(v);
	struct sdp_ssrc *ss = NULL;
	uint32_t n;

	if (!num32(id, 0, UINT32_MAX, &n))
		return SDP_EATTR;
	for (size_t i = 0; i < m->nssrcs && !ss; i++)
		if (m->ssrcs[i].id == n)
			ss = &m->ssrcs[i];
	if (!ss) {
		if (m->nssrcs >= SDP_MAX_SSRC)
			return SDP_ELIST_LIMIT;
		ss = &m->ssrcs[m->nssrcs++];
		ss->id = n;
	}
	if (!strncmp(attr, "cname:", 6))
		return SCOPY(ss->cname, attr + 6);
	return 0;
}

static int a_ssrc_group(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_media *m = c->m;
	char *sem = tok(&v), *id;
	struct sdp_ssrc_group *g;

	if (!sem || !*skip_ws(v))
		return SDP_EATTR;
	if (m->nssrc_groups >= SDP_MAX_SSRC_GROUPS)
		return SDP_ELIST_LIMIT;
	g = &m->ssrc_groups[m->nssrc_groups++];
	if (SCOPY(g->semantics, sem))
		return SDP_ETOOLONG;
	while ((id = tok(&v))) {
		if (g->nids >= SDP_MAX_GROUP_IDS)
			return SDP_ELIST_LIMIT;
		if (!num32(id, 0, UINT32_MAX, &g->ids[g->nids++]))
			return SDP_EATTR;
	}
	return 0;
}

/* Extension pairs after "typ x": raddr/rport/tcptype are kept, the rest
 * (generation, network-id, network-cost, ufrag) skipped. */
static int cand_ext(struct sdp_candidate *cd, char *v)
{
	char *k, *val;
	bool raddr = false, rport = false;

	while ((k = tok(&v))) {
		if (!(val = tok(&v)))
			return SDP_ECAND;
		if (!strcmp(k, "raddr")) {
			raddr = true;
			if (SCOPY(cd->raddr, val))
				return SDP_ECAND;
		} else if (!strcmp(k, "rport")) {
			rport = true;
			if (!num16(val, &cd->rport))
				return SDP_ECAND;
		} else if (!strcmp(k, "tcptype")) {
			if (SCOPY(cd->tcptype, val))
				return SDP_ECAND;
		}
	}
	/* Both or neither: the writer puts them out as a pair. */
	if (raddr != rport)
		return SDP_ECAND;
	cd->has_raddr = raddr;
	return 0;
}

/* "842163049 1 udp 1677729535 1.2.3.4 58000 typ srflx raddr ... " */
static int cand_parse(struct sdp_candidate *cd, char *v)
{
	char *fnd = tok(&v), *comp = tok(&v), *tr = tok(&v);
	char *prio = tok(&v), *addr = tok(&v), *port = tok(&v);
	char *typ = tok(&v), *type = tok(&v);
	uint32_t n;
	int i;

	if (!type || strcmp(typ, "typ"))
		return SDP_ECAND;
	if (SCOPY(cd->foundation, fnd) || SCOPY(cd->transport, tr) ||
	    SCOPY(cd->addr, addr))
		return SDP_ECAND;
	if (!num32(comp, 1, 256, &n) || !num16(port, &cd->port) ||
	    !num32(prio, 1, UINT32_MAX, &cd->priority))
		return SDP_ECAND;
	cd->component = (uint16_t)n;
	i = name_index(cand_names, NELEM(cand_names), 0, type);
	if (i < 0)
		return SDP_ECAND;
	cd->type = (enum sdp_cand_type)i;
	return cand_ext(cd, v);
}

static int a_candidate(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_media *m = c->m;
	struct sdp_candidate *cd;
	int err;

	if (m->ncands >= SDP_MAX_CANDS)
		return SDP_ECAND_LIMIT;
	cd = &m->cands[m->ncands];
	err = cand_parse(cd, v);
	if (err) {
		memset(cd, 0, sizeof(*cd));
		return err;
	}
	m->ncands++;
	return 0;
}

static bool is_b64(char ch)
{
	return isalnum((unsigned char)ch) || ch == '+' || ch == '/' ||
	       ch == '=';
}

/* "1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20|1:4 [session params]" */
static int a_crypto(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_media *m = c->m;
	char *tag = tok(&v), *suite = tok(&v), *kp = tok(&v), *extra;
	struct sdp_crypto *cr;

	if (!suite || !kp || strncmp(kp, "inline:", 7))
		return SDP_ECRYPTO;
	if (m->ncrypto >= SDP_MAX_CRYPTO)
		return SDP_ELIST_LIMIT;
	cr = &m->crypto[m->ncrypto];
	kp += 7;
	for (extra = kp; is_b64(*extra); extra++)
		;
	if (extra - kp < 4 || (*extra && *extra != '|' && *extra != ';'))
		return SDP_ECRYPTO;
	if (!num32(tag, 0, 999999999, &cr->tag) || SCOPY(cr->suite, suite) ||
	    SCOPY(cr->key_extra, extra) || SCOPY(cr->params, skip_ws(v)))
		goto bad;
	*extra = '\0';
	if (SCOPY(cr->key, kp))
		goto bad;
	m->ncrypto++;
	return 0;
bad:	/* uncounted: keep it zero for sess_clear */
	memset(cr, 0, sizeof(*cr));
	return SDP_ECRYPTO;
}

static int a_ptime(struct pctx *c, const char *name, char *v)
{
	uint32_t *dst = !strcmp(name, "ptime") ? &c->m->ptime :
						 &c->m->maxptime;

	return num32(v, 1, 10000, dst) ? 0 : SDP_EATTR;
}

/* Kept raw: "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
 * "2/recvonly <uri>". */
static int a_extmap(struct pctx *c, const char *name UNUSED, char *v)
{
	struct sdp_media *m = c->m;
	char copy[SDP_MAX_LINE + 1], *p = copy, *id;

	memcpy(copy, v, strlen(v) + 1);
	id = tok(&p);
	if (!id || !isdigit((unsigned char)*id) || !tok(&p))
		return SDP_EATTR;
	if (m->nextmaps >= SDP_MAX_EXTMAP)
		return SDP_ELIST_LIMIT;
	return SCOPY(m->extmaps[m->nextmaps++], v);
}

enum { AT_SESSION = 1, AT_MEDIA = 2, AT_BOTH = 3 };

struct attr_row {
	const char *name;
	unsigned where;
	bool needs_value;
	int (*fn)(struct pctx *c, const char *name, char *v);
};

static const struct attr_row attr_tab[] = {
	{ "group", AT_SESSION, true, a_group },
	{ "ice-ufrag", AT_BOTH, true, a_ice },
	{ "ice-pwd", AT_BOTH, true, a_ice },
	{ "ice-options", AT_BOTH, true, a_ice },
	{ "ice-lite", AT_BOTH, false, a_ice },
	{ "fingerprint", AT_BOTH, true, a_fingerprint },
	{ "setup", AT_BOTH, true, a_setup },
	{ "sendrecv", AT_BOTH, false, a_dir },
	{ "sendonly", AT_BOTH, false, a_dir },
	{ "recvonly", AT_BOTH, false, a_dir },
	{ "inactive", AT_BOTH, false, a_dir },
	{ "end-of-candidates", AT_BOTH, false, a_eoc },
	{ "mid", AT_MEDIA, true, a_mid },
	{ "rtcp-mux", AT_MEDIA, false, a_flag },
	{ "rtcp-rsize", AT_MEDIA, false, a_flag },
	{ "rtcp", AT_MEDIA, true, a_rtcp },
	{ "rtpmap", AT_MEDIA, true, a_rtpmap },
	{ "fmtp", AT_MEDIA, true, a_fmtp },
	{ "rtcp-fb", AT_MEDIA, true, a_rtcpfb },
	{ "ssrc", AT_MEDIA, true, a_ssrc },
	{ "ssrc-group", AT_MEDIA, true, a_ssrc_group },
	{ "candidate", AT_MEDIA, true, a_candidate },
	{ "crypto", AT_MEDIA, true, a_crypto },
	{ "ptime", AT_MEDIA, true, a_ptime },
	{ "maxptime", AT_MEDIA, true, a_ptime },
	{ "extmap", AT_MEDIA, true, a_extmap },
};

/* Attributes outside the table, or at a level where they mean nothing
 * (an rtpmap before any m=), are skipped. */
static int parse_attr(struct pctx *c, char *v)
{
	char *colon = strchr(v, ':');
	unsigned level = c->m ? AT_MEDIA : AT_SESSION;

	if (colon)
		*colon = '\0';
	for (size_t i = 0; i < NELEM(attr_tab); i++) {
		const struct attr_row *r = &attr_tab[i];

		if (strcmp(r->name, v))
			continue;
		if (!(r->where & level))
			return 0;
		if (r->needs_value && (!colon || !*skip_ws(colon + 1)))
			return SDP_EATTR;
		return r->fn(c, r->name, colon ? skip_ws(colon + 1) : v);
	}
	return 0;
}

/* ---- lines ------------------------------------------------------------ */

static int parse_line(struct pctx *c, char *line, unsigned lineno)
{
	char *v = line + 2;

	if (lineno == 1)
		return strcmp(line, "v=0") ? SDP_EVERSION : 0;
	if (!*line)
		return 0;	/* tolerate blank lines */
	if (line[1] != '=' || !islower((unsigned char)line[0]))
		return SDP_ESYNTAX;
	switch (line[0]) {
	case 'v':
		return SDP_EVERSION;	/* a second session in one body */
	case 'o':
		return parse_origin(c, v);
	case 's':
		return c->m ? 0 : SCOPY(c->s->name, v);
	case 'c':
		return conn_parse(c->m ? &c->m->conn : &c->s->conn, v);
	case 'm':
		return parse_mline(c, v);
	case 'a':
		return parse_attr(c, v);
	default:
		return 0;	/* i u e p b t r z k and unknown types */
	}
}

/* Copy the line at *pos into line[] (CR, trailing blanks dropped) and move
 * *pos past its LF.  Control bytes are refused: a NUL would cut the line
 * short for every later strcmp and hide what follows it. */
static int next_line(const char *buf, size_t len, size_t *pos, char *line)
{
	size_t start = *pos, end = start, n;

	for (; end < len && buf[end] != '\n'; end++) {
		unsigned char ch = (unsigned char)buf[end];

		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			return SDP_EBADCHAR;
	}
	*pos = end < len ? end + 1 : end;
	n = end - start;
	if (n && buf[start + n - 1] == '\r')
		n--;
	if (n > SDP_MAX_LINE)
		return SDP_ELINELEN;
	if (memchr(buf + start, '\r', n))
		return SDP_EBADCHAR;	/* a lone CR */
	while (n && is_ws(buf[start + n - 1]))
		n--;
	memcpy(line, buf + start, n);
	line[n] = '\0';
	return 0;
}

static void tp_inherit(struct sdp_transport *m, const struct sdp_transport *s)
{
	if (!*m->ufrag)
		memcpy(m->ufrag, s->ufrag, sizeof(m->ufrag));
	if (!*m->pwd)
		memcpy(m->pwd, s->pwd, sizeof(m->pwd));
	if (!*m->ice_options)
		memcpy(m->ice_options, s->ice_options, sizeof(m->ice_options));
	if (!*m->fp_algo) {
		memcpy(m->fp_algo, s->fp_algo, sizeof(m->fp_algo));
		memcpy(m->fp_hex, s->fp_hex, sizeof(m->fp_hex));
	}
	if (m->setup == SDP_SETUP_NONE)
		m->setup = s->setup;
	m->ice_lite = m->ice_lite || s->ice_lite;
}

/* Required lines, then session-level defaults pushed into each m=. */
static int finish(struct pctx *c)
{
	struct sdp_session *s = c->s;

	if (!c->have_origin)
		return SDP_EORIGIN;
	if (!*s->name)
		SCOPY(s->name, "-");	/* what the writer puts for "" */
	for (size_t i = 0; i < s->nmedia; i++) {
		struct sdp_media *m = &s->media[i];

		if (m->conn.af == SDP_AF_NONE)
			m->conn = s->conn;
		if (m->port && m->conn.af == SDP_AF_NONE)
			return SDP_ECONN;
		if (m->dir == SDP_DIR_UNSET)
			m->dir = s->dir ? s->dir : SDP_DIR_SENDRECV;
		m->end_of_candidates |= s->end_of_candidates;
		tp_inherit(&m->tp, &s->tp);
	}
	return 0;
}

int sdp_session_parse(struct sdp_session *s, const char *buf, size_t len,
		      unsigned *errline)
{
	struct pctx ctx = { .s = s };
	char line[SDP_MAX_LINE + 1];
	size_t pos = 0;
	unsigned lineno = 0;
	int err = 0;

	if (errline)
		*errline = 0;
	if (!s || (!buf && len))
		return SDP_EINVAL;
	sess_clear(s);
	if (len > SDP_MAX_SIZE)
		return SDP_ETOOBIG;
	while (!err && pos < len) {
		if (++lineno > SDP_MAX_LINES)
			err = SDP_ELINES;
		else
			err = next_line(buf, len, &pos, line);
		if (!err)
			err = parse_line(&ctx, line, lineno);
	}
	if (!err && lineno == 0)
		err = SDP_EVERSION;
	if (!err) {
		lineno = 0;
		err = finish(&ctx);
	}
	if (err) {
		sess_clear(s);
		if (errline)
			*errline = lineno;
	}
	return err;
}

int sdp_candidate_parse(struct sdp_candidate *cd, const char *line)
{
	char copy[SDP_MAX_LINE + 1];
	size_t n;
	int err;

	if (!cd || !line)
		return SDP_EINVAL;
	memset(cd, 0, sizeof(*cd));
	if (!strncmp(line, "a=", 2))
		line += 2;
	if (strncmp(line, "candidate:", 10))
		return SDP_ECAND;
	line += 10;
	n = strlen(line);
	while (n && (is_ws(line[n - 1]) || line[n - 1] == '\r' ||
		     line[n - 1] == '\n'))
		n--;
	if (n > SDP_MAX_LINE)
		return SDP_ELINELEN;
	/* The same bytes a whole SDP body refuses (next_line): a trickled
	 * candidate must not carry what the writer and the logs cannot. */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return SDP_EBADCHAR;
	}
	memcpy(copy, line, n);
	copy[n] = '\0';
	err = cand_parse(cd, copy);
	if (err)
		memset(cd, 0, sizeof(*cd));
	return err;
}
