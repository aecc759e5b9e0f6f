/* svc_loop: see svc_loop.h */
#include "svc_loop.h"
#include "log.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

static gboolean svc_loop_drain(gpointer arg)
{
	struct svc_loop *l = arg;

	handoff_drain(l->ho);
	return G_SOURCE_REMOVE;
}

/* Called by handoff_post() from a NATS thread when the queue was empty. */
static void svc_loop_wake(void *arg)
{
	struct svc_loop *l = arg;

	g_main_context_invoke(l->ctx, svc_loop_drain, l);
}

static gboolean svc_loop_on_signal(gpointer arg)
{
	struct svc_loop *l = arg;

	LOG_INFO("svc", "signal received, stopping");
	g_main_loop_quit(l->loop);
	return G_SOURCE_CONTINUE;
}

int svc_loop_init(struct svc_loop *l, size_t max_pending)
{
	memset(l, 0, sizeof(*l));
	l->ctx = g_main_context_default();
	l->loop = g_main_loop_new(l->ctx, FALSE);
	if (!l->loop)
		return ENOMEM;
	g_unix_signal_add(SIGTERM, svc_loop_on_signal, l);
	g_unix_signal_add(SIGINT, svc_loop_on_signal, l);
	signal(SIGPIPE, SIG_IGN);
	return handoff_new(&l->ho, max_pending, svc_loop_wake, l);
}

void svc_loop_run(struct svc_loop *l)
{
	g_main_loop_run(l->loop);
}

void svc_loop_quit(struct svc_loop *l)
{
	g_main_loop_quit(l->loop);
}

void svc_loop_fini(struct svc_loop *l, handoff_dtor_h *dtor)
{
	handoff_free(l->ho, dtor);
	l->ho = NULL;
	if (l->loop)
		g_main_loop_unref(l->loop);
	l->loop = NULL;
}
