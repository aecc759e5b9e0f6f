/* bench_icefull: CPU per datagram received by full ICE mode's path (a
 * NiceAgent on a GMainContext: GLib polls every source of the context on
 * each wake-up, libnice reads the socket, checks the pair and calls the
 * recv callback) against lite mode's (epoll_wait + recvfrom).  Both sides
 * send the same way (sendto on the socket; mediad sends on the selected
 * pair's socket in full mode too), so the difference is the receive path.
 *
 * A second agent (controlling) on the same context connects to the first
 * over 127.0.0.1; then rounds of B packets (B = 1: one datagram per
 * wake-up, the usual case at low load; B = 16: a burst) are sent and
 * received in the same thread, timed with CLOCK_THREAD_CPUTIME_ID.  With
 * M idle agents on the context (M = 0, 100, 1000: one socket each, as a
 * worker with M sessions has) the GLib cost per wake-up shows.
 *
 *   bench_icefull [packets (default 200000)] */
#include <arpa/inet.h>
#include <errno.h>
#include <nice/agent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static GMainContext *ctx;
static unsigned long got;

struct side {
	NiceAgent *agent;
	guint stream;
	bool gathered, selected;
	NiceAddress remote;		/* of the selected pair */
};

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_gathered(NiceAgent *a, guint stream, gpointer arg)
{
	((struct side *)arg)->gathered = true;
}

static void on_selected(NiceAgent *a, guint stream, guint comp,
			NiceCandidate *l, NiceCandidate *r, gpointer arg)
{
	struct side *s = arg;

	s->remote = r->addr;
	s->selected = true;
}

static void on_recv(NiceAgent *a, guint stream, guint comp, guint len,
		    gchar *buf, gpointer arg)
{
	got++;
}

static void side_new(struct side *s, bool controlling)
{
	NiceAddress ip;

	s->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245,
				       NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	g_object_set(s->agent, "upnp", FALSE, "ice-tcp", FALSE,
		     "controlling-mode", controlling, NULL);
	nice_address_set_from_string(&ip, "127.0.0.1");
	nice_agent_add_local_address(s->agent, &ip);
	s->stream = nice_agent_add_stream(s->agent, 1);
	g_signal_connect(s->agent, "candidate-gathering-done",
			 G_CALLBACK(on_gathered), s);
	g_signal_connect(s->agent, "new-selected-pair-full",
			 G_CALLBACK(on_selected), s);
	nice_agent_attach_recv(s->agent, s->stream, 1, ctx, on_recv, s);
	nice_agent_gather_candidates(s->agent, s->stream);
	while (!s->gathered)
		g_main_context_iteration(ctx, TRUE);
}

static void side_tell(struct side *from, struct side *to)
{
	gchar *u, *p;
	GSList *c = nice_agent_get_local_candidates(from->agent, from->stream, 1);

	nice_agent_get_local_credentials(from->agent, from->stream, &u, &p);
	nice_agent_set_remote_credentials(to->agent, to->stream, u, p);
	nice_agent_set_remote_candidates(to->agent, to->stream, 1, c);
	g_slist_free_full(c, (GDestroyNotify)nice_candidate_free);
	g_free(u);
	g_free(p);
}

/* CPU microseconds per packet: n packets in rounds of burst, sent with
 * sendto(fd, to), received by recv_some until all are in. */
static double run_nice(int fd, const struct sockaddr_storage *to,
		       unsigned long n, int burst)
{
	uint8_t pkt[172] = { 0x80, 0x00 };
	double t0 = cpu_s();

	got = 0;
	for (unsigned long sent = 0; sent < n;) {
		for (int i = 0; i < burst; i++, sent++)
			sendto(fd, pkt, sizeof(pkt), 0,
			       (const struct sockaddr *)to, sizeof(*to));
		while (got < sent)
			g_main_context_iteration(ctx, TRUE);
	}
	return (cpu_s() - t0) * 1e6 / (double)n;
}

static int udp(struct sockaddr_in *a)
{
	socklen_t l = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)a, sizeof(*a));
	getsockname(fd, (struct sockaddr *)a, &l);
	return fd;
}

static double run_epoll(unsigned long n, int burst)
{
	struct sockaddr_in ra, sa;
	int r = udp(&ra), s = udp(&sa), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out[64];
	uint8_t pkt[172] = { 0x80, 0x00 }, buf[2048];
	unsigned long rx = 0;
	double t0;

	epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev);
	t0 = cpu_s();
	for (unsigned long sent = 0; sent < n;) {
		for (int i = 0; i < burst; i++, sent++)
			sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&ra,
			       sizeof(ra));
		while (rx < sent) {
			if (epoll_wait(ep, out, 64, 1000) <= 0)
				continue;
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			while (recvfrom(r, buf, sizeof(buf), MSG_DONTWAIT,
					(struct sockaddr *)&from, &fl) > 0) {
				rx++;
				fl = sizeof(from);
			}
		}
	}
	t0 = (cpu_s() - t0) * 1e6 / (double)n;
	close(r);
	close(s);
	close(ep);
	return t0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	struct side a = { 0 }, b = { 0 };
	struct sockaddr_storage to;
	GSocket *gs;
	int fd, idle = 0;
	const int steps[] = { 0, 100, 1000 };

	ctx = g_main_context_new();
	g_main_context_push_thread_default(ctx);
	side_new(&a, false);
	side_new(&b, true);
	side_tell(&a, &b);
	side_tell(&b, &a);
	while (!a.selected || !b.selected)
		g_main_context_iteration(ctx, TRUE);
	gs = nice_agent_get_selected_socket(b.agent, b.stream, 1);
	fd = g_socket_get_fd(gs);
	memset(&to, 0, sizeof(to));
	nice_address_copy_to_sockaddr(&b.remote, (struct sockaddr *)&to);
	printf("packets: %lu of 172 bytes per figure; CPU us per packet "
	       "received (send included, same in both)\n", n);
	printf("%-36s %10s %10s\n", "path", "burst 1", "burst 16");
	printf("%-36s %10.2f %10.2f\n", "lite: epoll_wait + recvfrom",
	       run_epoll(n, 1), run_epoll(n, 16));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char name[64];
		for (; idle < steps[i]; idle++) {
			struct side *x = calloc(1, sizeof(*x));
			side_new(x, false);	/* one socket more to poll */
		}
		snprintf(name, sizeof(name), "full: NiceAgent, %d idle agents",
			 idle);
		printf("%-36s %10.2f %10.2f\n", name, run_nice(fd, &to, n, 1),
		       run_nice(fd, &to, n, 16));
		fflush(stdout);
	}
	g_object_unref(gs);
	return 0;
}
