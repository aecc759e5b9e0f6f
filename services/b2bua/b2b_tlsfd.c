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

/* The process's listening TCP sockets on port (sofia's, before any is
 * taken: a taken one's duplicate would match too): at most max. */
static int b2b_tlsfd_find(int port, int *fds, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		int fd = atoi(e->d_name), on = 0, type = 0;
		socklen_t l = sizeof(on), tl = sizeof(type);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (fd <= 2 || fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &l) || !on ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
		    type != SOCK_STREAM ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) ||
		    b2b_tlsfd_port(&ss) != port)
			continue;
		fds[n++] = fd;
	}
	if (d)
		closedir(d);
	return n;
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

/* sofia's listener fd becomes the dummy; *mine its duplicate. */
static int b2b_tlsfd_swap(int fd, int *mine)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int dummy;

	*mine = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	dummy = *mine < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) ?
		-1 : b2b_tlsfd_dummy(&ss, sl);
	if (dummy < 0 || dup3(dummy, fd, O_CLOEXEC) < 0) {
		int e = errno ? errno : EPROTO;
		if (*mine >= 0)
			close(*mine);
		if (dummy >= 0)
			close(dummy);
		return e;
	}
	close(dummy);
	return 0;
}

/* Every listener on port (a wildcard RTCGATE_SIP_IP makes sofia bind one
 * per local address). */
int b2b_tlsfd_take(int port, int *fds, int max, int *n)
{
	int theirs[64], found = b2b_tlsfd_find(port, theirs, MIN(max, 64));
	int err;

	*n = 0;
	if (!found) {
		LOG_ERROR("sip", "sofia's TLS listener on port %d not found",
			  port);
		return EPROTO;
	}
	for (int i = 0; i < found; i++) {
		if ((err = b2b_tlsfd_swap(theirs[i], &fds[*n]))) {
			LOG_ERROR("sip", "cannot take the TLS port from sofia: "
				  "%s", strerror(err));
			while (*n > 0)
				close(fds[--*n]);
			return err;
		}
		(*n)++;
	}
	return 0;
}
