/* rtcgate-healthcheck: the HEALTHCHECK of the rtcgate container images.
 *
 *   rtcgate-healthcheck <service> [--https]
 *
 * A service's health is on the bus (docs/bus.md): every process answers
 * rtcgate.health.<service>.<instance id>.  This probe finds the instance id
 * the way the service makes it (RTCGATE_INSTANCE_ID, else
 * <service>-<host>-<pid> of each running rtcgate-<service> process in this
 * container), asks each instance over NATS_URL and checks the reply.  With
 * --https (wsgw) it also fetches /healthz over TLS from
 * RTCGATE_WSS_ADDR:RTCGATE_WSS_PORT and accepts any HTTP answer: 200 means
 * the whole suite is up, 503 that another kind of service is missing, and
 * both mean this wsgw serves.
 *
 * Why not a process check: services reconnect to NATS forever, so a live
 * process can be cut off from the bus; this probe sees that.
 * Exit 0 healthy, 1 unhealthy (Docker's HEALTHCHECK contract); one line on
 * stdout either way, which `docker inspect` shows.
 */
#include <dirent.h>
#include <jansson.h>
#include <nats/nats.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { ID_MAX = 64, MAX_PROCS = 16, TIMEOUT_MS = 2000 };

static const char idchars[] = "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* Same as svc_default_id() in common/svc.c: <kind>-<host>-<pid>, the host
 * name cut to 39 characters and characters outside idchars made '-'. */
static void default_id(char *id, const char *kind, long pid)
{
	char host[40] = "host";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		if (!strchr(idchars, *p))
			*p = '-';
	snprintf(id, ID_MAX, "%s-%s-%ld", kind, host, pid);
}

/* 1 when argv[0] of process pid is (a path ending in) name. */
static int proc_is(long pid, const char *name)
{
	char path[64], argv0[256] = "";
	FILE *f;
	size_t n;
	const char *base;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(argv0, 1, sizeof(argv0) - 1, f);
	fclose(f);
	argv0[n] = '\0';
	base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	return strcmp(base, name) == 0;
}

/* Pids of the running rtcgate-<kind> processes; returns how many. */
static int find_pids(const char *kind, long *pids, int max)
{
	char name[64];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	snprintf(name, sizeof(name), "rtcgate-%s", kind);
	while (n < max && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end == '\0' && pid > 0 && proc_is(pid, name))
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Ask one instance for its health; 0 when it answers as itself. */
static int ask(natsConnection *nc, const char *kind, const char *id)
{
	char subj[160];
	natsMsg *reply = NULL;
	json_t *m;
	natsStatus s;
	int ok;

	snprintf(subj, sizeof(subj), "rtcgate.health.%s.%s", kind, id);
	s = natsConnection_RequestString(&reply, nc, subj, "{}", TIMEOUT_MS);
	if (s != NATS_OK) {
		printf("unhealthy: %s %s: no health reply on the bus (%s)\n",
		       kind, id, natsStatus_GetText(s));
		return 1;
	}
	m = json_loadb(natsMsg_GetData(reply), natsMsg_GetDataLength(reply),
		       0, NULL);
	ok = m && json_is_string(json_object_get(m, "id")) &&
	     !strcmp(json_string_value(json_object_get(m, "id")), id) &&
	     json_is_string(json_object_get(m, "service")) &&
	     !strcmp(json_string_value(json_object_get(m, "service")), kind);
	if (ok)
		printf("ok: %s %s up %llds on the bus; ", kind, id,
		       (long long)json_integer_value(
			       json_object_get(m, "uptime_s")));
	else
		printf("unhealthy: %s %s: bad health reply\n", kind, id);
	json_decref(m);
	natsMsg_Destroy(reply);
	return !ok;
}

static int bus_check(const char *kind)
{
	const char *id = env_or("RTCGATE_INSTANCE_ID", NULL);
	const char *url = env_or("NATS_URL", "nats://127.0.0.1:4222");
	long pids[MAX_PROCS];
	int n = 0, bad = 0;
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	natsStatus s;

	if (!id && (n = find_pids(kind, pids, MAX_PROCS)) == 0) {
		printf("unhealthy: no rtcgate-%s process\n", kind);
		return 1;
	}
	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, url);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "rtcgate-healthcheck");
	if (s == NATS_OK)
		s = natsConnection_Connect(&nc, o);
	if (s != NATS_OK) {
		printf("unhealthy: NATS at %s: %s\n", url,
		       natsStatus_GetText(s));
		natsOptions_Destroy(o);
		return 1;
	}
	if (id) {
		bad = ask(nc, kind, id);
	} else {
		for (int i = 0; i < n; i++) {
			char def[ID_MAX];

			default_id(def, kind, pids[i]);
			bad |= ask(nc, kind, def);
		}
	}
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	return bad;
}

/* TCP connection to host:port with TIMEOUT_MS on connect, read, write. */
static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* GET /healthz over TLS (certificate not verified: it is our own, often
 * self-signed); returns the HTTP status, or -1. */
static int https_status(const char *host, const char *port)
{
	char req[256], buf[512] = "";
	int fd = tcp_connect(host, port), n = 0, status = -1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;

	if (fd >= 0 && ssl && SSL_set_fd(ssl, fd) == 1 &&
	    SSL_connect(ssl) == 1) {
		snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\n"
			 "Host: %s\r\nConnection: close\r\n\r\n", host);
		if (SSL_write(ssl, req, (int)strlen(req)) > 0)
			n = SSL_read(ssl, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
				status = -1;
		}
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return status;
}

static int https_check(void)
{
	const char *addr = env_or("RTCGATE_WSS_ADDR", "0.0.0.0");
	const char *port = env_or("RTCGATE_WSS_PORT", "8443");
	int status;

	if (!strcmp(addr, "0.0.0.0"))
		addr = "127.0.0.1";
	else if (!strcmp(addr, "::"))
		addr = "::1";
	status = https_status(addr, port);
	if (status != 200 && status != 503) {
		printf("unhealthy: https://%s:%s/healthz: %s\n", addr, port,
		       status < 0 ? "no HTTPS answer" : "unexpected status");
		return 1;
	}
	printf("https /healthz %d%s; ", status,
	       status == 503 ? " (suite incomplete)" : "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "";
	int https = argc > 2 && !strcmp(argv[2], "--https");
	int bad;

	if (!*kind || strspn(kind, idchars) != strlen(kind) ||
	    (argc > 2 && !https) || argc > 3) {
		fprintf(stderr, "usage: rtcgate-healthcheck <service> "
			"[--https]\n");
		return 1;
	}
	bad = bus_check(kind);
	if (!bad && https)
		bad = https_check();
	if (!bad)
		printf("healthy\n");
	nats_Close();
	return bad ? 1 : 0;
}
