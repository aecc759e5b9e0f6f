/* pnice: libnice's NiceAgent as a full, controlling ICE agent for a
 * session's WebRTC leg: what the issue asks of the integration test, and
 * what a browser is.  It serves a handful of sessions, not a load test:
 * an agent costs a GLib source per socket and ~18 us per packet through
 * GLib (docs/mediad.md), so the load path is pice.c instead.
 *
 * The agents run on one GLib thread with its own GMainContext.  A session
 * does not know it: its "web socket" is one end of a datagram socketpair;
 * the GLib thread moves each datagram between the other end and the
 * agent, and writes one marker datagram (PNICE_READY or PNICE_FAILED,
 * bytes outside every RFC 7983 range) when the agent's component becomes
 * ready or fails.  So the session keeps a single owner thread, and
 * libnice (which locks internally) is only called from the GLib thread,
 * except for setup and teardown from the main thread. */
#include "peer.h"
#include "log.h"

#include <agent.h>
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct pnice {
	NiceAgent *agent;
	guint stream;
	int fds[2];			/* [0] the session's, [1] ours */
	GSource *src;
	atomic_int gathered;
	atomic_int marked;
};

static GMainContext *pnice_ctx;
static GMainLoop *pnice_loop;
static GThread *pnice_thread;

static gpointer pnice_main(gpointer arg)
{
	g_main_context_push_thread_default(pnice_ctx);
	g_main_loop_run(pnice_loop);
	g_main_context_pop_thread_default(pnice_ctx);
	return arg;
}

int pnice_global_start(void)
{
	if (pnice_ctx)
		return 0;
	pnice_ctx = g_main_context_new();
	pnice_loop = g_main_loop_new(pnice_ctx, FALSE);
	pnice_thread = g_thread_new("peer-nice", pnice_main, NULL);
	return 0;
}

void pnice_global_stop(void)
{
	if (!pnice_ctx)
		return;
	g_main_loop_quit(pnice_loop);
	g_thread_join(pnice_thread);
	g_main_loop_unref(pnice_loop);
	g_main_context_unref(pnice_ctx);
	pnice_ctx = NULL;
}

/* agent -> session */
static void pnice_recv(NiceAgent *agent PEER_UNUSED, guint stream PEER_UNUSED,
		       guint comp PEER_UNUSED, guint len, gchar *buf,
		       gpointer arg)
{
	struct pnice *n = arg;

	if (send(n->fds[1], buf, len, MSG_DONTWAIT) < 0)
		return;		/* the session is behind: drop, as UDP would */
}

/* session -> agent */
static gboolean pnice_from_session(gint fd, GIOCondition cond PEER_UNUSED,
				   gpointer arg)
{
	struct pnice *n = arg;
	uint8_t buf[PEER_PKT_MAX];
	ssize_t len;

	while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		nice_agent_send(n->agent, n->stream, 1, (guint)len,
				(const gchar *)buf);
	return G_SOURCE_CONTINUE;
}

static void pnice_state(NiceAgent *agent PEER_UNUSED, guint stream PEER_UNUSED,
			guint comp PEER_UNUSED, guint state, gpointer arg)
{
	struct pnice *n = arg;
	uint8_t mark = state == NICE_COMPONENT_STATE_READY ? PNICE_READY :
		       PNICE_FAILED;

	LOG_DEBUG("nice", "component state %s",
		  nice_component_state_to_string(state));
	if (state != NICE_COMPONENT_STATE_READY &&
	    state != NICE_COMPONENT_STATE_FAILED)
		return;
	if (!atomic_exchange(&n->marked, 1))
		(void)!send(n->fds[1], &mark, 1, MSG_DONTWAIT);
}

static void pnice_gathered(NiceAgent *agent PEER_UNUSED,
			   guint stream PEER_UNUSED, gpointer arg)
{
	struct pnice *n = arg;

	atomic_store(&n->gathered, 1);
}

/* The agent: controlling, host candidates on ip only, UDP only, no UPnP,
 * consent freshness (RFC 7675) as browsers do. */
static int pnice_agent(struct pnice *n, const char *ip)
{
	NiceAddress addr;

	n->agent = nice_agent_new_full(pnice_ctx, NICE_COMPATIBILITY_RFC5245,
				       NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	if (!n->agent || !nice_address_set_from_string(&addr, ip))
		return EINVAL;
	g_object_set(n->agent, "controlling-mode", TRUE, "upnp", FALSE,
		     "ice-tcp", FALSE, NULL);
	nice_agent_add_local_address(n->agent, &addr);
	n->stream = nice_agent_add_stream(n->agent, 1);
	if (!n->stream)
		return EIO;
	g_signal_connect(n->agent, "candidate-gathering-done",
			 G_CALLBACK(pnice_gathered), n);
	g_signal_connect(n->agent, "component-state-changed",
			 G_CALLBACK(pnice_state), n);
	nice_agent_attach_recv(n->agent, n->stream, 1, pnice_ctx, pnice_recv, n);
	return nice_agent_gather_candidates(n->agent, n->stream) ? 0 : EIO;
}

/* Our credentials and first host candidate ("candidate:...", no "a="). */
static int pnice_local(struct pnice *n, char *ufrag, char *pwd, char *cand,
		       size_t candlen, uint16_t *port)
{
	gchar *u = NULL, *p = NULL, *line;
	GSList *c = nice_agent_get_local_candidates(n->agent, n->stream, 1);
	int e = EIO;

	if (c && nice_agent_get_local_credentials(n->agent, n->stream, &u, &p)) {
		line = nice_agent_generate_local_candidate_sdp(n->agent, c->data);
		snprintf(ufrag, SDP_ICE_LEN, "%s", u);
		snprintf(pwd, SDP_ICE_LEN, "%s", p);
		snprintf(cand, candlen, "%s", line + 2);	/* "a=" */
		*port = (uint16_t)nice_address_get_port(
			&((NiceCandidate *)c->data)->addr);
		g_free(line);
		e = 0;
	}
	g_free(u);
	g_free(p);
	g_slist_free_full(c, (GDestroyNotify)nice_candidate_free);
	return e;
}

int pnice_new(struct pnice **np, const char *ip, char *ufrag, char *pwd,
	      char *cand, size_t candlen, uint16_t *port)
{
	struct pnice *n = g_new0(struct pnice, 1);
	int e;

	n->fds[0] = n->fds[1] = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       n->fds)) {
		e = errno;
		goto out;
	}
	n->src = g_unix_fd_source_new(n->fds[1], G_IO_IN);
	g_source_set_callback(n->src, (GSourceFunc)(void (*)(void))
			      pnice_from_session, n, NULL);
	g_source_attach(n->src, pnice_ctx);
	e = pnice_agent(n, ip);
	for (int i = 0; !e && !atomic_load(&n->gathered) && i < 5000; i++)
		g_usleep(1000);
	if (!e)
		e = atomic_load(&n->gathered) ?
		    pnice_local(n, ufrag, pwd, cand, candlen, port) : ETIMEDOUT;
out:
	if (e)
		pnice_free(n);
	else
		*np = n;
	return e;
}

int pnice_set_remote(struct pnice *n, const struct psdp_remote *r)
{
	char line[SDP_MAX_LINE + 3];
	NiceCandidate *c;
	GSList one = { 0 };

	snprintf(line, sizeof(line), "a=%s", r->cand);
	c = nice_agent_parse_remote_candidate_sdp(n->agent, n->stream, line);
	if (!c)
		return EINVAL;
	one.data = c;
	int ok = nice_agent_set_remote_credentials(n->agent, n->stream,
						   r->ufrag, r->pwd) &&
		 nice_agent_set_remote_candidates(n->agent, n->stream, 1,
						  &one) == 1;
	nice_candidate_free(c);
	return ok ? 0 : EINVAL;
}

int pnice_fd(const struct pnice *n)
{
	return n->fds[0];
}

/* After the GLib thread has stopped (pnice_global_stop), or before it
 * ever touched this agent. */
void pnice_free(struct pnice *n)
{
	if (!n)
		return;
	if (n->src) {
		g_source_destroy(n->src);
		g_source_unref(n->src);
	}
	if (n->agent) {
		nice_agent_attach_recv(n->agent, n->stream, 1, pnice_ctx, NULL,
				       NULL);
		g_object_unref(n->agent);
	}
	for (int i = 0; i < 2; i++)
		if (n->fds[i] >= 0)
			close(n->fds[i]);
	g_free(n);
}
