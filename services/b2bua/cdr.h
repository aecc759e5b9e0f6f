/* cdr: call detail records, one JSON object per call, written as JSON
 * lines to a file (and published on the bus by the caller).
 *
 * Record fields (times are wall-clock milliseconds since the epoch; a
 * moment that did not happen is null):
 *   v 1, kind "cdr", call_id, direction "web->sip" | "sip->web" | "web->web",
 *   from, to, caller_addr, start, answer, end, setup_ms (answer or end
 *   minus start), duration_ms (end minus answer; 0 when not answered),
 *   codec_web, codec_sip, transcoded, media_node, end_reason, sip_status,
 *   node (the b2bua instance).
 * end_reason: normal-clearing, busy, no-answer, cancelled, rejected:<code>,
 *   media-failure, flow-lost, sip-timeout, media-node-lost, transferred,
 *   shutdown, internal-error.
 * Strings may come from strangers (From, To, Call-ID): each is cut to
 * CDR_STR_MAX bytes at a character boundary, invalid UTF-8 and control
 * characters become '?'; a missing string is null.
 */
#ifndef RTCGATE_B2BUA_CDR_H
#define RTCGATE_B2BUA_CDR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CDR_STR_MAX = 256 };

enum cdr_dir { CDR_WEB_SIP, CDR_SIP_WEB, CDR_WEB_WEB };

enum cdr_end {
	CDR_END_NORMAL,		/* a BYE from either side */
	CDR_END_BUSY,		/* 486, 600 */
	CDR_END_NO_ANSWER,	/* ring timeout, 408/480 from the callee */
	CDR_END_CANCELLED,	/* the caller gave up before answer */
	CDR_END_REJECTED,	/* another final status: reject_code */
	CDR_END_MEDIA_FAILURE,	/* ICE/DTLS failure, media timeout */
	CDR_END_FLOW_LOST,	/* browser gone past the grace period */
	CDR_END_SIP_TIMEOUT,	/* SIP side stopped answering */
	CDR_END_MEDIA_NODE_LOST,	/* mediad heartbeat lost */
	CDR_END_TRANSFERRED,	/* REFER carried out */
	CDR_END_SHUTDOWN,
	CDR_END_INTERNAL,
};

struct cdr {
	const char *call_id;
	enum cdr_dir dir;
	const char *from, *to;		/* URIs or users */
	const char *caller_addr;	/* browser or SIP peer address */
	int64_t start_ms, answer_ms, end_ms;	/* 0: did not happen */
	const char *codec_web, *codec_sip;	/* "opus", "PCMU", ... */
	bool transcoded;
	const char *media_node;
	const char *node;		/* b2bua instance */
	enum cdr_end end;
	int reject_code;		/* CDR_END_REJECTED */
	int sip_status;			/* final status; 0: none */
};

const char *cdr_dir_name(enum cdr_dir d);
/* Writes "rejected:<code>" into buf when needed; returns the name. */
const char *cdr_end_name(enum cdr_end e, int reject_code, char *buf,
			 size_t len);

/* A new JSON object (caller owns the reference), NULL on ENOMEM. */
json_t *cdr_json(const struct cdr *c);

struct cdr_writer;

/* Append to path (created 0640 if missing).  0 or the errno of open. */
int cdr_writer_open(const char *path, struct cdr_writer **wp);
/* fsync after each record (off by default). */
void cdr_writer_set_fsync(struct cdr_writer *w, bool on);
/* One record as one line; j is not taken.  0 or errno. */
int cdr_writer_write(struct cdr_writer *w, const json_t *j);
/* Open the path again (after log rotation renamed it).  On failure the
 * old file stays in use and the errno is returned. */
int cdr_writer_reopen(struct cdr_writer *w);
void cdr_writer_close(struct cdr_writer *w);

#endif
