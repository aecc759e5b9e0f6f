/* tlsfront: the listener, its limits and deadlines (see tlsfront.h). */
#include "tlsf_int.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum {
	TLSF_ACCEPT_BATCH = 64,	/* accepts per wake-up: others get a turn */
	TLSF_NOTE_US = 10 * G_USEC_PER_SEC,	/* a log line per kind */
	TLSF_TICK_MS = 250,
	TLSF_PAUSE_MS = 500,	/* out of descriptors: accept again after */
};

void tlsf_inc(struct tlsf *f, enum tlsf_metric m)
{
	if (f->o.metrics)
		metrics_inc(f->o.metrics, f->o.mbase + m);
}

static void tlsf_gauge(struct tlsf *f)
{
	if (f->o.metrics)
		metrics_set(f->o.metrics, f->o.mbase + TLSF_M_CONNS,
			    g_queue_get_length(&f->conns));
}

/* One line per kind of event every 10 s at most, however hard a client
 * pushes: the counters hold the numbers. */
void tlsf_note(struct tlsf *f, enum tlsf_metric m, const char *ip,
	       const char *what)
{
	gint64 now = g_get_monotonic_time();

	if (f->note_us[m] && now - f->note_us[m] < TLSF_NOTE_US) {
		f->noted[m]++;
		return;
	}
	if (f->noted[m])
		LOG_WARN("tls", "%s: %s (and %u more since the last such "
			 "line)", ip, what, f->noted[m]);
	else
		LOG_WARN("tls", "%s: %s", ip, what);
	f->note_us[m] = now;
	f->noted[m] = 0;
}

static const char *tlsf_ssl_err(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

static int tlsf_no_password(char *buf, int size, int rw, void *arg)
{
	return -1;
}

static int tlsf_ctx_new(struct tlsf *f)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	ERR_clear_error();
	if (!ctx)
		return ENOMEM;
	f->ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* no renegotiation (a client could make us redo handshakes at will),
	 * no compression (CRIME); an EOF without close_notify is how phones
	 * hang up, not an attack on a request/response protocol */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* partial writes from a buffer we compact between tries; buffers
	 * released while idle (about 34 KB less per quiet connection) */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(ctx, tlsf_no_password);
	if (SSL_CTX_use_certificate_chain_file(ctx, f->o.cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, f->o.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		LOG_ERROR("tls", "certificate %s / key %s: %s", f->o.cert,
			  f->o.key, tlsf_ssl_err());
		return EINVAL;
	}
	return 0;
}

/* Text and numeric address, for a listen or upstream address. */
static int tlsf_addr(const char *ip, int port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST |
				  AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char sport[16];

	snprintf(sport, sizeof(sport), "%d", port);
	if (getaddrinfo(ip, sport, &hints, &ai) || !ai)
		return EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static bool tlsf_refuse(struct tlsf *f, const char *ip, unsigned *per_ip)
{
	if (g_queue_get_length(&f->conns) >= f->o.max_conn) {
		tlsf_inc(f, TLSF_M_REFUSED_MAX);
		tlsf_note(f, TLSF_M_REFUSED_MAX, ip, "refused: "
			  "RTCGATE_SIP_TLS_MAX_CONN connections open");
		return true;
	}
	*per_ip = GPOINTER_TO_UINT(g_hash_table_lookup(f->per_ip, ip));
	if (*per_ip >= f->o.max_per_ip) {
		tlsf_inc(f, TLSF_M_REFUSED_IP);
		tlsf_note(f, TLSF_M_REFUSED_IP, ip, "refused: "
			  "RTCGATE_SIP_TLS_MAX_PER_IP connections from there");
		return true;
	}
	return false;
}

static void tlsf_take(struct tlsf *f, int fd, struct sockaddr_storage *ss,
		      socklen_t sl)
{
	char ip[64] = "?";
	int port = 0, one = 1;
	unsigned n = 0;
	struct tlsf_conn *c;

	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	}
	if (tlsf_refuse(f, ip, &n) ||
	    tlsf_conn_new(f, fd, (struct sockaddr *)ss, sl, ip, port, &c)) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g_hash_table_insert(f->per_ip, g_strdup(ip), GUINT_TO_POINTER(n + 1));
	g_queue_push_tail_link(&f->conns, &c->link);
	tlsf_inc(f, TLSF_M_ACCEPTED);
	tlsf_gauge(f);
}

static gboolean tlsf_on_listen(gint fd, GIOCondition cond, gpointer arg);

static void tlsf_watch(struct tlsf *f)
{
	for (int i = 0; i < f->nl; i++) {
		f->lsrc[i] = g_unix_fd_source_new(f->lfd[i], G_IO_IN);
		g_source_set_callback(f->lsrc[i], G_SOURCE_FUNC(tlsf_on_listen),
				      f, NULL);
		g_source_attach(f->lsrc[i], f->o.ctx);
	}
}

static void tlsf_source_drop(GSource **s)
{
	if (!*s)
		return;
	g_source_destroy(*s);
	g_source_unref(*s);
	*s = NULL;
}

static gboolean tlsf_resume(gpointer arg)
{
	struct tlsf *f = arg;

	g_source_unref(f->resume);
	f->resume = NULL;
	tlsf_watch(f);
	return G_SOURCE_REMOVE;
}

/* Out of descriptors: the listeners stay readable and would spin; stop
 * accepting for a moment instead. */
static void tlsf_pause(struct tlsf *f, int err)
{
	LOG_WARN("tls", "accept: %s; not accepting for %d ms", strerror(err),
		 TLSF_PAUSE_MS);
	for (int i = 0; i < f->nl; i++)
		tlsf_source_drop(&f->lsrc[i]);
	f->resume = g_timeout_source_new(TLSF_PAUSE_MS);
	g_source_set_callback(f->resume, tlsf_resume, f, NULL);
	g_source_attach(f->resume, f->o.ctx);
}

static gboolean tlsf_on_listen(gint fd, GIOCondition cond, gpointer arg)
{
	struct tlsf *f = arg;

	for (int i = 0; i < TLSF_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int c = accept4(fd, (struct sockaddr *)&ss, &sl,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c >= 0) {
			tlsf_take(f, c, &ss, sl);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			tlsf_pause(f, errno);	/* this source too */
			return G_SOURCE_REMOVE;
		}
		break;	/* EAGAIN, or a client that left: next time */
	}
	return G_SOURCE_CONTINUE;
}

/* Deadlines: handshakes and idle connections (a quarter-second tick over
 * every connection: cheap next to the handshakes they cost). */
static gboolean tlsf_on_tick(gpointer arg)
{
	struct tlsf *f = arg;
	gint64 now = g_get_monotonic_time();
	GList *l = f->conns.head;

	while (l) {
		GList *next = l->next;
		tlsf_conn_expire(l->data, now);
		l = next;
	}
	return G_SOURCE_CONTINUE;
}

/* The listening sockets: those given (bound already: ours from now on),
 * else one on ip:port. */
static int tlsf_listen(struct tlsf *f)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;

	while (f->o.nfds > 0) {
		fd = f->o.fds[--f->o.nfds];
		f->lfd[f->nl++] = fd;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (listen(fd, 1024))
			return errno;
	}
	if (!f->nl) {
		if (tlsf_addr(f->o.ip, f->o.port, &ss, &sl)) {
			LOG_ERROR("tls", "bad listen address %s", f->o.ip);
			return EINVAL;
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		f->lfd[f->nl++] = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 1024)) {
			int e = errno;
			LOG_ERROR("tls", "cannot listen on %s:%d: %s", f->o.ip,
				  f->o.port, strerror(e));
			return e;
		}
	}
	tlsf_watch(f);
	f->tick = g_timeout_source_new(TLSF_TICK_MS);
	g_source_set_callback(f->tick, tlsf_on_tick, f, NULL);
	g_source_attach(f->tick, f->o.ctx);
	return 0;
}

/* Each client costs three descriptors (its socket and both ends of the
 * relay): raise the soft limit toward what the cap needs, and say so when
 * the hard limit is lower (accept then pauses at EMFILE, see tlsf_pause). */
static void tlsf_fd_limit(unsigned max_conn)
{
	rlim_t need = (rlim_t)max_conn * 3 + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
		      need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		LOG_WARN("tls", "descriptor limit %lu is below the %lu that "
			 "RTCGATE_SIP_TLS_MAX_CONN=%u needs (3 a connection)",
			 (unsigned long)rl.rlim_cur, (unsigned long)need,
			 max_conn);
}

int tlsf_new(const struct tlsf_opts *o, struct tlsf **fp)
{
	struct tlsf *f;
	int err;

	if (!o || !fp || !o->ip || !o->cert || !o->key || !o->up_ip ||
	    !o->max_conn || !o->max_per_ip || o->nfds > TLSF_LISTEN_MAX) {
		for (int i = 0; o && i < o->nfds; i++)
			close(o->fds[i]);
		return EINVAL;
	}
	f = g_new0(struct tlsf, 1);
	f->o = *o;
	g_queue_init(&f->conns);
	f->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  NULL);
	if (tlsf_addr(o->up_ip, o->up_port, &f->up, &f->uplen)) {
		LOG_ERROR("tls", "bad upstream address %s", o->up_ip);
		err = EINVAL;
		goto out;
	}
	tlsf_fd_limit(o->max_conn);
	if ((err = tlsf_ctx_new(f)) || (err = tlsf_listen(f)))
		goto out;
	LOG_INFO("tls", "SIP over TLS on %s:%d -> TCP %s:%d (at most %u "
		 "connections, %u per address; handshake %u ms, idle %u ms)",
		 o->ip, o->port, o->up_ip, o->up_port, o->max_conn,
		 o->max_per_ip, o->handshake_ms, o->idle_ms);
out:
	if (err)
		tlsf_free(f);
	else
		*fp = f;
	return err;
}

void tlsf_forget(struct tlsf *f, struct tlsf_conn *c)
{
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(f->per_ip, c->ip));

	if (n <= 1)
		g_hash_table_remove(f->per_ip, c->ip);
	else
		g_hash_table_insert(f->per_ip, g_strdup(c->ip),
				    GUINT_TO_POINTER(n - 1));
	g_queue_unlink(&f->conns, &c->link);
	tlsf_gauge(f);
}

void tlsf_free(struct tlsf *f)
{
	if (!f)
		return;
	while (f->conns.head)
		tlsf_conn_free(f->conns.head->data);
	for (int i = 0; i < f->nl; i++) {
		tlsf_source_drop(&f->lsrc[i]);
		close(f->lfd[i]);
	}
	for (int i = 0; i < f->o.nfds; i++)	/* given, never taken */
		close(f->o.fds[i]);
	tlsf_source_drop(&f->tick);
	tlsf_source_drop(&f->resume);
	SSL_CTX_free(f->ctx);
	g_hash_table_destroy(f->per_ip);
	g_free(f);
}

unsigned tlsf_count(const struct tlsf *f)
{
	return f ? g_queue_get_length((GQueue *)&f->conns) : 0;
}
