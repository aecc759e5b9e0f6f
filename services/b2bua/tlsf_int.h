/* tlsfront internals: shared by tlsfront.c (listener, limits, timers),
 * tlsf_conn.c (one client: handshake and relay) and tlsf_via.c (the
 * sofia -> client stream, message by message). */
#ifndef RTCGATE_TLSF_INT_H
#define RTCGATE_TLSF_INT_H

#include "tlsfront.h"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

/* 64 KB each way per connection: a SIP message is far smaller (sofia's
 * own stream transport takes at most 64 KB a message too); a side whose
 * peer's buffer is full is not read (back-pressure). */
enum { TLSF_BUF = 64 * 1024 };

/* A linear buffer, allocated while its connection is busy (a quiet
 * connection costs no buffer memory). */
struct tlsf_buf {
	char *data;
	size_t head, len;
};

/* What ended a connection, for the counters and the log. */
enum tlsf_end {
	TLSF_END_NONE,
	TLSF_END_CLOSED,	/* either side closed: normal */
	TLSF_END_HS_FAILED,
	TLSF_END_HS_TIMEOUT,
	TLSF_END_IDLE,
	TLSF_END_STREAM_ERR,
	TLSF_END_UPSTREAM_ERR,
};

enum tlsf_state { TLSF_HANDSHAKE, TLSF_CONNECTING, TLSF_RELAY };

struct tlsf_conn {
	GSource *src;		/* both descriptors, one dispatch */
	struct tlsf *f;
	GList link;		/* in f->conns */
	int tfd, ufd;		/* client (TLS), upstream (sofia, plain) */
	gpointer ttag, utag;
	SSL *ssl;
	enum tlsf_state st;
	int hs_io, rd_io, wr_io;	/* G_IO_IN/OUT an SSL call waits for */
	bool t_eof, u_eof;	/* that side sent all it will */
	enum tlsf_end end;
	struct tlsf_buf rawup;	/* client -> sofia, not yet framed */
	struct tlsf_buf up;	/* client -> sofia, whole messages */
	struct tlsf_buf raw;	/* sofia -> client, not yet framed */
	struct tlsf_buf down;	/* sofia -> client, whole messages */
	gint64 hs_deadline_us;
	gint64 last_us;		/* last byte either way */
	struct sockaddr_storage peer;
	char ip[64];		/* the client's address, text */
	int port;
};

struct tlsf {
	struct tlsf_opts o;
	SSL_CTX *ctx;
	int lfd[TLSF_LISTEN_MAX];
	GSource *lsrc[TLSF_LISTEN_MAX];
	int nl;
	GSource *tick, *resume;
	GQueue conns;
	GHashTable *per_ip;	/* ip text -> count */
	struct sockaddr_storage up;
	socklen_t uplen;
	gint64 note_us[TLSF_M__COUNT];	/* log rate limits, per kind */
	unsigned noted[TLSF_M__COUNT];	/* suppressed since */
};

/* tlsfront.c */
void tlsf_inc(struct tlsf *f, enum tlsf_metric m);
void tlsf_note(struct tlsf *f, enum tlsf_metric m, const char *ip,
	       const char *what);
/* c is closing: its place in the caps and the gauge are given back. */
void tlsf_forget(struct tlsf *f, struct tlsf_conn *c);

/* tlsf_conn.c */
int tlsf_conn_new(struct tlsf *f, int fd, const struct sockaddr *sa,
		  socklen_t salen, const char *ip, int port,
		  struct tlsf_conn **cp);
void tlsf_conn_free(struct tlsf_conn *c);
/* Deadlines: true when c was closed (and freed). */
bool tlsf_conn_expire(struct tlsf_conn *c, gint64 now_us);

/* tlsf_buf (tlsf_conn.c) */
size_t tlsf_buf_room(const struct tlsf_buf *b);
int tlsf_buf_put(struct tlsf_buf *b, const char *p, size_t n);
void tlsf_buf_take(struct tlsf_buf *b, size_t n);
void tlsf_buf_reset(struct tlsf_buf *b);

/* tlsf_via.c: moves whole messages from c->rawup to c->up (up) or from
 * c->raw to c->down, with the top Via rewritten (see tlsf_via.c).  0 when
 * something moved, EAGAIN when nothing could, EPROTO when the stream
 * cannot be framed (a header block over 64 KB or 256 lines, a body that
 * does not fit). */
int tlsf_via_frame(struct tlsf_conn *c, bool up);

#endif
