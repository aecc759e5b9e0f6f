/* unit_capture: capture what a piece of code writes to a file descriptor
 * (stderr for log lines, stdout for tables), for unit tests.
 *
 * capture_begin() points the descriptor at a fresh temporary file;
 * capture_end() points it back and returns everything written in between
 * as a NUL-terminated string the caller frees.  Keep assertions outside
 * the captured region so cmocka's own messages are not swallowed.
 */
#ifndef RTCGATE_UNIT_CAPTURE_H
#define RTCGATE_UNIT_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct capture {
	int fd;		/* descriptor being captured */
	int saved;	/* its original target */
	FILE *tmp;
};

static inline int capture_begin(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->saved = -1;
	c->tmp = tmpfile();
	if (!c->tmp)
		return -1;
	c->saved = dup(fd);
	if (c->saved < 0 || dup2(fileno(c->tmp), fd) < 0) {
		fclose(c->tmp);
		return -1;
	}
	return 0;
}

static inline char *capture_end(struct capture *c, size_t *lenp)
{
	char *buf;
	long len;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	fseek(c->tmp, 0, SEEK_END);
	len = ftell(c->tmp);
	rewind(c->tmp);
	buf = malloc((size_t)(len > 0 ? len : 0) + 1);
	if (buf) {
		size_t n = fread(buf, 1, (size_t)(len > 0 ? len : 0), c->tmp);
		buf[n] = '\0';
		if (lenp)
			*lenp = n;
	}
	fclose(c->tmp);
	return buf;
}

#endif
