/* svc_loop: the GLib main loop that owns a service's state (registrar,
 * b2bua, mediad control), with SIGTERM/SIGINT handling and the hand-off
 * queue that brings NATS messages onto it.
 */
#ifndef RTCGATE_SVC_LOOP_H
#define RTCGATE_SVC_LOOP_H

#include "handoff.h"

#include <glib.h>

struct svc_loop {
	GMainContext *ctx;
	GMainLoop *loop;
	struct handoff *ho;
	int signo;		/* signal that stopped the loop, or 0 */
};

int svc_loop_init(struct svc_loop *l, size_t max_pending);
/* Runs until SIGTERM or SIGINT (or svc_loop_quit). */
void svc_loop_run(struct svc_loop *l);
void svc_loop_quit(struct svc_loop *l);
void svc_loop_fini(struct svc_loop *l, handoff_dtor_h *dtor);

#endif
