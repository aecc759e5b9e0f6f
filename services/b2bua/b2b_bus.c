/* b2b_bus: bus messages into the loop.  NATS delivers on its own threads;
 * everything the b2bua owns lives on the loop thread. */
#include "b2b.h"
#include "busmsg.h"

#include <string.h>

/* Decode msg (of kind, or any kind when NULL) and run fn(json) on the
 * loop, which then owns the json.  Bad messages are counted and dropped. */
void b2b_bus_to_loop(natsMsg *msg, const char *kind, handoff_h *fn)
{
	json_t *m = NULL;
	char err[128];

	if (busmsg_decode(natsMsg_GetData(msg),
			  (size_t)natsMsg_GetDataLength(msg), &m, err,
			  sizeof(err)) || (kind && strcmp(busmsg_kind(m), kind))) {
		metrics_inc(&b2b.svc.metrics, BM_BUS_BAD);
		json_decref(m);
		return;
	}
	if (handoff_post(b2b.loop.ho, fn, m, NULL))
		json_decref(m);
}
