/* b2b_tlsfd: RTCGATE_SIP_TLS_PORT taken from sofia-sip for tlsfront.
 *
 * sofia-sip 1.12 makes a TLS transport (needed to dial sips: and
 * ;transport=tls destinations) only as a listener, and its TLS server is
 * unbounded and leaks (see tlsfront.h).  So NUA binds its TLS listener on
 * RTCGATE_SIP_IP:RTCGATE_SIP_TLS_PORT as before (its Via and default
 * Contact for TLS name that port), and then the listening socket is taken
 * over: tlsfront accepts on a duplicate of it, and sofia's descriptor
 * number is given a UDP socket on the same address that can never become
 * readable (a socket filter drops every datagram), so sofia's poll on it
 * never fires while its outgoing connections, bound to the listener's
 * address (getsockname), work as before. */
#include "b2b.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int b2b_tlsfd_port(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ?
	       ntohs(((const struct sockaddr_in6 *)ss)->sin6_port) :
	       ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* The process's listening TCP socket on port, or -1. */
static int b2b_tlsfd_find(int port, struct sockaddr_storage *ss,
			  socklen_t *sl)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name), on = 0, type = 0;
		socklen_t l = sizeof(on), tl = sizeof(type);

		*sl = sizeof(*ss);
		if (fd <= 2 || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &l) || !on ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
		    type != SOCK_STREAM ||
		    getsockname(fd, (struct sockaddr *)ss, sl) ||
		    b2b_tlsfd_port(ss) != port)
			continue;
		found = fd;
		break;
	}
	if (d)
		closedir(d);
	return found;
}

/* A UDP socket on addr (any port) that drops every datagram. */
static int b2b_tlsfd_dummy(struct sockaddr_storage *ss, socklen_t sl)
{
	struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop };
	int u = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	else
		((struct sockaddr_in *)ss)->sin_port = 0;
	if (u < 0 || setsockopt(u, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog)) ||
	    bind(u, (struct sockaddr *)ss, sl)) {
		if (u >= 0)
			close(u);
		return -1;
	}
	return u;
}

int b2b_tlsfd_take(int port, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = b2b_tlsfd_find(port, &ss, &sl), mine, dummy;

	if (fd < 0) {
		LOG_ERROR("sip", "sofia's TLS listener on port %d not found",
			  port);
		return EPROTO;
	}
	mine = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	dummy = mine < 0 ? -1 : b2b_tlsfd_dummy(&ss, sl);
	if (dummy < 0 || dup3(dummy, fd, O_CLOEXEC) < 0) {
		int e = errno;
		LOG_ERROR("sip", "cannot take the TLS port from sofia: %s",
			  strerror(e));
		if (mine >= 0)
			close(mine);
		if (dummy >= 0)
			close(dummy);
		return e ? e : EPROTO;
	}
	close(dummy);
	*fdp = mine;
	return 0;
}
