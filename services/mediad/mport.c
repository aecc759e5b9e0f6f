/* mport: the node's UDP port range (RTCGATE_MEDIA_PORTS).  Ports are
 * handed out round-robin from even numbers so that a port just freed is
 * not reused at once (late packets of an old call must not reach a new
 * one).  A port another program holds is skipped. */
#include "mediad.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mport_pool {
	pthread_mutex_t lock;
	int lo, hi;		/* even lo, inclusive hi */
	int next;
	size_t nfree;
	uint8_t *used;		/* one byte per even port */
};

int mport_pool_new(struct mport_pool **pp, int lo, int hi)
{
	struct mport_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return ENOMEM;
	p->lo = lo + (lo & 1);
	p->hi = hi;
	if (p->hi - p->lo < 1) {
		free(p);
		return EINVAL;
	}
	p->nfree = (size_t)(p->hi - p->lo + 1) / 2;
	p->used = calloc(p->nfree, 1);
	if (!p->used) {
		free(p);
		return ENOMEM;
	}
	p->next = p->lo;
	pthread_mutex_init(&p->lock, NULL);
	*pp = p;
	return 0;
}

void mport_pool_free(struct mport_pool *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->used);
	free(p);
}

static int mport_bind(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, af = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s6);
	}
	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bursts of video keyframes: give the kernel room to queue them. */
	int buf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Try one even port (and its odd partner); 0 or an errno. */
static int mport_try(const char *ip, int port, bool pair, int *fd, int *fd2)
{
	*fd = mport_bind(ip, (uint16_t)port);
	if (*fd < 0)
		return -*fd;
	*fd2 = -1;
	if (pair) {
		*fd2 = mport_bind(ip, (uint16_t)(port + 1));
		if (*fd2 < 0) {
			close(*fd);
			return -*fd2;
		}
	}
	return 0;
}

int mport_open(struct mport_pool *p, const char *ip, bool pair, int *fd,
	       int *fd2, uint16_t *port)
{
	int e = EADDRINUSE;

	pthread_mutex_lock(&p->lock);
	for (size_t tries = (size_t)(p->hi - p->lo + 1) / 2; tries; tries--) {
		int cand = p->next;
		size_t slot = (size_t)(cand - p->lo) / 2;

		p->next = cand + 2 > p->hi - (pair ? 1 : 0) ? p->lo : cand + 2;
		if (p->used[slot] || (pair && cand + 1 > p->hi))
			continue;
		e = mport_try(ip, cand, pair, fd, fd2);
		if (e == EINVAL)
			break;
		if (e)
			continue;	/* held by another program */
		p->used[slot] = 1;
		p->nfree--;
		*port = (uint16_t)cand;
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return e;
}

void mport_close(struct mport_pool *p, uint16_t port, int fd, int fd2)
{
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	pthread_mutex_lock(&p->lock);
	if (port >= p->lo && port <= p->hi && !(port & 1)) {
		size_t slot = (size_t)(port - p->lo) / 2;
		if (p->used[slot]) {
			p->used[slot] = 0;
			p->nfree++;
		}
	}
	pthread_mutex_unlock(&p->lock);
}

size_t mport_free_count(const struct mport_pool *p)
{
	return p->nfree;
}
