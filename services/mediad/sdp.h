/* sdp: a compact SDP parser and writer for WebRTC and plain SIP media.
 *
 * sofia-sip 1.12's SDP parser predates UDP/TLS/RTP/SAVPF and returns no
 * rtpmaps for it, so mediad reads and writes SDP itself.  Only what the
 * media plane acts on is kept: origin, connection, BUNDLE, ICE, DTLS
 * fingerprint and setup, SDES crypto, and per m= section the codecs,
 * candidates, SSRCs, direction, mux flags and extmaps.  Anything else
 * (msid, simulcast, rid, extmap-allow-mixed, b=, ...) is skipped.
 *
 * Everything lives in fixed-size arrays inside struct sdp_session, so one
 * sdp_session_new()/sdp_session_free() pair owns all memory; parsing and
 * writing allocate nothing.  Every limit below is enforced: input beyond it
 * gets its own error code, never a crash or a silent truncation.
 *
 * Errors are 0 or a positive code: the SDP_E* values below (>= 1000, so
 * they never collide with errno) or ENOMEM.  sdp_strerror() names both.
 *
 * The parser is sdp.c, the writer sdp_write.c, offer/answer sdp_answer.c.
 *
 * Names avoid the symbols libsofia-sip-ua exports (sdp_parse, sdp_print,
 * sdp_session, sdp_media_type, ...): every unit test links that library and
 * a clash would silently replace sofia's functions.
 */
#ifndef RTCGATE_SDP_H
#define RTCGATE_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SDP_MAX_SIZE = 65536,	/* bytes of one body */
	SDP_MAX_LINES = 1000,
	SDP_MAX_LINE = 4096,	/* bytes of one line, without CRLF */
	SDP_MAX_MEDIA = 16,
	SDP_MAX_CODECS = 64,	/* payload types per m=; Chrome video ~35 */
	SDP_MAX_CANDS = 32,	/* candidates per m= */
	SDP_MAX_FB = 8,		/* rtcp-fb values per payload type */
	SDP_MAX_SSRC = 16,
	SDP_MAX_SSRC_GROUPS = 8,
	SDP_MAX_GROUP_IDS = 4,	/* SSRCs per ssrc-group */
	SDP_MAX_CRYPTO = 8,
	SDP_MAX_EXTMAP = 32,

	SDP_NAME_LEN = 64,	/* o= user, s=, cname */
	SDP_ADDR_LEN = 64,	/* IPv6 text, or an mDNS .local name */
	SDP_ICE_LEN = 257,	/* ufrag / pwd: up to 256 chars (RFC 8839) */
	SDP_FP_LEN = 192,	/* sha-512 as hex pairs with colons: 191 */
	SDP_MID_LEN = 64,
	SDP_CODEC_LEN = 32,
	SDP_FMTP_LEN = 256,
	SDP_FB_LEN = 32,
	SDP_EXTMAP_LEN = 192,
	SDP_FOUNDATION_LEN = 33,	/* 1*32 ice-char */
	SDP_CRYPTO_KEY_LEN = 96,	/* base64 of key||salt, AES-256: 64 */
};

enum sdp_err {
	SDP_EINVAL = 1000,	/* bad argument; a value the writer refuses */
	SDP_ETOOBIG,		/* body larger than SDP_MAX_SIZE */
	SDP_ELINES,		/* more than SDP_MAX_LINES lines */
	SDP_ELINELEN,		/* a line longer than SDP_MAX_LINE */
	SDP_EBADCHAR,		/* NUL or control byte inside the body */
	SDP_EVERSION,		/* first line is not v=0 */
	SDP_ESYNTAX,		/* a line not of the form x=value */
	SDP_EORIGIN,		/* o= missing or malformed */
	SDP_ECONN,		/* c= malformed, or missing for an active m= */
	SDP_EMLINE,		/* m= malformed */
	SDP_EPORT,		/* port out of range */
	SDP_EPT,		/* payload type out of range or repeated */
	SDP_EATTR,		/* known attribute with a malformed value */
	SDP_ECAND,		/* malformed candidate */
	SDP_ECRYPTO,		/* malformed crypto */
	SDP_ETOOLONG,		/* value longer than its field */
	SDP_EMEDIA_LIMIT,	/* more than SDP_MAX_MEDIA m= sections */
	SDP_ECODEC_LIMIT,	/* more than SDP_MAX_CODECS payload types */
	SDP_ECAND_LIMIT,	/* more than SDP_MAX_CANDS candidates */
	SDP_ELIST_LIMIT,	/* ssrc, group, crypto, extmap, rtcp-fb full */
	SDP_ENOSPC,		/* writer: output buffer too small */
	SDP_ENOCODEC,		/* answer: no codec in common, m= rejected */
	SDP_EEND		/* one past the last code */
};

enum sdp_af { SDP_AF_NONE, SDP_AF_IP4, SDP_AF_IP6 };

enum sdp_media_kind {
	SDP_MEDIA_OTHER,	/* see type_name */
	SDP_MEDIA_AUDIO,
	SDP_MEDIA_VIDEO,
	SDP_MEDIA_APPLICATION,
};

enum sdp_proto {
	SDP_PROTO_OTHER,	/* see proto_name */
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
};

/* UNSET only before inheritance: after parsing, every m= has a value. */
enum sdp_dir {
	SDP_DIR_UNSET,
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

enum sdp_setup {
	SDP_SETUP_NONE,
	SDP_SETUP_ACTPASS,
	SDP_SETUP_ACTIVE,
	SDP_SETUP_PASSIVE,
	SDP_SETUP_HOLDCONN,
};

enum sdp_cand_type {
	SDP_CAND_HOST,
	SDP_CAND_SRFLX,
	SDP_CAND_PRFLX,
	SDP_CAND_RELAY,
};

struct sdp_conn {
	enum sdp_af af;		/* NONE: no c= */
	char addr[SDP_ADDR_LEN];
};

struct sdp_origin {
	char user[SDP_NAME_LEN];
	uint64_t sess_id;
	uint64_t sess_ver;
	struct sdp_conn conn;
};

/* ICE and DTLS attributes: allowed at session and media level. */
struct sdp_transport {
	char ufrag[SDP_ICE_LEN];
	char pwd[SDP_ICE_LEN];
	char ice_options[SDP_NAME_LEN];	/* raw, e.g. "trickle" */
	bool ice_lite;
	char fp_algo[16];		/* "sha-256"; empty: none */
	char fp_hex[SDP_FP_LEN];	/* "AB:CD:..." */
	enum sdp_setup setup;
};

struct sdp_codec {
	uint8_t pt;
	char name[SDP_CODEC_LEN];	/* empty: dynamic pt without rtpmap */
	uint32_t clock;
	uint8_t channels;		/* 1 when the rtpmap omits it */
	char fmtp[SDP_FMTP_LEN];	/* raw parameters, may be empty */
	size_t nfb;
	char fb[SDP_MAX_FB][SDP_FB_LEN];	/* "nack pli", "ccm fir" */
};

struct sdp_candidate {
	char foundation[SDP_FOUNDATION_LEN];
	uint16_t component;
	char transport[8];		/* as written: "udp", "UDP", "tcp" */
	uint32_t priority;
	char addr[SDP_ADDR_LEN];
	uint16_t port;
	enum sdp_cand_type type;
	bool has_raddr;
	char raddr[SDP_ADDR_LEN];
	uint16_t rport;
	char tcptype[8];		/* active, passive, so; tcp only */
};

struct sdp_ssrc {
	uint32_t id;
	char cname[SDP_NAME_LEN];	/* empty when not given */
};

struct sdp_ssrc_group {
	char semantics[16];		/* "FID", "SIM", "FEC-FR" */
	size_t nids;
	uint32_t ids[SDP_MAX_GROUP_IDS];
};

/* RFC 4568: a=crypto:<tag> <suite> inline:<key>[|lifetime][|mki] [params] */
struct sdp_crypto {
	uint32_t tag;
	char suite[48];
	char key[SDP_CRYPTO_KEY_LEN];	/* base64 key||salt */
	char key_extra[48];		/* "|2^31|1:1" as written, or "" */
	char params[SDP_NAME_LEN];	/* session params, may be empty */
};

struct sdp_media {
	enum sdp_media_kind kind;
	char type_name[16];		/* as written ("audio", "text") */
	uint16_t port;
	uint16_t nports;		/* "port/n"; 1 normally */
	enum sdp_proto proto;
	char proto_name[32];		/* as written */
	char fmt[SDP_NAME_LEN];		/* non-RTP protos: fmt list raw */
	struct sdp_conn conn;
	uint16_t rtcp_port;		/* a=rtcp; 0: none */
	struct sdp_conn rtcp_conn;	/* a=rtcp's address; NONE: c='s */
	struct sdp_transport tp;
	enum sdp_dir dir;
	char mid[SDP_MID_LEN];
	bool rtcp_mux;
	bool rtcp_rsize;
	bool end_of_candidates;
	uint32_t ptime, maxptime;	/* ms; 0: none */
	size_t ncodecs;			/* in m= line order */
	struct sdp_codec codecs[SDP_MAX_CODECS];
	size_t nssrcs;
	struct sdp_ssrc ssrcs[SDP_MAX_SSRC];
	size_t nssrc_groups;
	struct sdp_ssrc_group ssrc_groups[SDP_MAX_SSRC_GROUPS];
	size_t ncands;
	struct sdp_candidate cands[SDP_MAX_CANDS];
	size_t ncrypto;
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
	size_t nextmaps;
	char extmaps[SDP_MAX_EXTMAP][SDP_EXTMAP_LEN];	/* "1 urn:..." */
};

/* After parsing, each m= holds the effective values: a session-level c=,
 * direction or ICE/DTLS attribute fills the media fields the m= section
 * left empty (media-level values win).  The session-level fields keep what
 * the session level said, so the writer reproduces both. */
struct sdp_session {
	struct sdp_origin origin;
	char name[SDP_NAME_LEN];	/* s= */
	struct sdp_conn conn;
	struct sdp_transport tp;
	enum sdp_dir dir;		/* session-level direction; UNSET */
	bool end_of_candidates;
	size_t nbundle;			/* first a=group:BUNDLE only */
	char bundle[SDP_MAX_MEDIA][SDP_MID_LEN];
	size_t nmedia;
	struct sdp_media media[SDP_MAX_MEDIA];
};

/* Zeroed session on the heap.  It is about 840 KiB (every list at its
 * limit), so keep it off the stack and do not hold one per call: parse,
 * copy out what the call needs, then free or reuse it.  Returns 0 or
 * ENOMEM; free with sdp_session_free (NULL is ok). */
int sdp_session_new(struct sdp_session **sp);
void sdp_session_free(struct sdp_session *s);

/* A cleared session reused by the calling thread, for a parse that lives
 * only as long as one request: zeroing a new one per call cost mediad 43%
 * of its CPU at 600 call set-ups/s.  Each thread keeps two (held at the
 * same time they are distinct; a third is heap-allocated), freed when the
 * thread exits.  Give it back with sdp_session_release on the same thread
 * (it frees one that did not come from the pool).  0 or ENOMEM. */
int sdp_session_acquire(struct sdp_session **sp);
void sdp_session_release(struct sdp_session *s);

/* Parse len bytes of buf (no NUL terminator needed; CRLF or LF).  Clears
 * *s first; on error *s is cleared again and *errline (if not NULL) gets
 * the 1-based line at fault, or 0 when no single line is.  Clearing wipes
 * only the entries the last parse counted, so s must come from
 * sdp_session_new/acquire and be changed only by the parser (or zeroed in
 * full by the caller). */
int sdp_session_parse(struct sdp_session *s, const char *buf, size_t len,
		      unsigned *errline);

/* Write s as SDP with CRLF line ends and a NUL terminator.  SDP_ENOSPC when
 * size is too small (buf then holds ""), SDP_EINVAL when a string field
 * holds CR/LF or an RTP m= has no payload type.  *lenp (if not NULL) gets
 * the length without the NUL. */
int sdp_session_write(const struct sdp_session *s, char *buf, size_t size,
		      size_t *lenp);

/* One candidate, as in a trickle message: "candidate:..." with or without
 * a leading "a=". */
int sdp_candidate_parse(struct sdp_candidate *c, const char *line);
/* "candidate:..." without "a=" or CRLF. */
int sdp_candidate_write(const struct sdp_candidate *c, char *buf,
			size_t size);

/* Lookups; NULL when absent. */
const struct sdp_codec *sdp_codec_find(const struct sdp_media *m,
				       unsigned pt);
const struct sdp_media *sdp_media_find_mid(const struct sdp_session *s,
					   const char *mid);
bool sdp_proto_is_rtp(const struct sdp_media *m);

/* Offer/answer, pure functions. */

/* One codec we support, for sdp_codecs_select.  "telephone-event" and
 * "rtx" are special: they are never picked on their own, but follow the
 * chosen codecs (telephone-event at the clock rate of each chosen codec,
 * rtx by its apt= pointing at a chosen payload type). */
struct sdp_codec_pref {
	const char *name;	/* compared case-insensitively */
	uint32_t clock;		/* 0: any */
	uint8_t channels;	/* 0: any */
	const char *fmtp;	/* our fmtp in the answer; NULL: the offer's */
	bool keep_fb;		/* answer with the offer's rtcp-fb values */
};

/* Pick codecs from offer in the order of prefs, keeping the offerer's
 * payload type numbers.  max_primary caps the codecs picked for their own
 * sake (0: no cap); their telephone-event and rtx companions come after.
 * Writes up to cap entries to out and their number to *nout.  Returns
 * SDP_ENOCODEC when nothing matches, SDP_ECODEC_LIMIT when out is full. */
int sdp_codecs_select(const struct sdp_media *offer,
		      const struct sdp_codec_pref *prefs, size_t nprefs,
		      size_t max_primary, struct sdp_codec *out, size_t cap,
		      size_t *nout);

/* The direction to answer with, given the offer's and what we want. */
enum sdp_dir sdp_dir_answer(enum sdp_dir offered, enum sdp_dir local);
/* The DTLS role to answer with; prefer is used for an actpass offer
 * (RFC 5763 asks the answerer to prefer active). */
enum sdp_setup sdp_setup_answer(enum sdp_setup offered,
				enum sdp_setup prefer);

/* Fill *ans (cleared first) as the answer to one offered m= section:
 * kind, proto, mid, rtcp-mux and rtcp-rsize echoed, codecs picked, and the
 * direction answered.  The caller adds port, c=, ICE, fingerprint, SSRCs
 * and crypto.  When the m= is not RTP, was rejected (port 0) or shares no
 * codec, *ans is the rejection (port 0, inactive) and the return is
 * SDP_ENOCODEC. */
int sdp_media_answer(const struct sdp_media *offer,
		     const struct sdp_codec_pref *prefs, size_t nprefs,
		     size_t max_primary, enum sdp_dir local,
		     struct sdp_media *ans);

const char *sdp_strerror(int err);
/* Canonical names; NULL for SDP_MEDIA_OTHER / SDP_PROTO_OTHER. */
const char *sdp_media_kind_name(enum sdp_media_kind k);
const char *sdp_proto_name(enum sdp_proto p);
const char *sdp_dir_name(enum sdp_dir d);
const char *sdp_setup_name(enum sdp_setup s);
const char *sdp_cand_type_name(enum sdp_cand_type t);

#endif
