/* b2b_flow: browsers that lose their WebSocket.  Media never passes
 * through the WebSocket, so an answered call outlives it: wsgw's `closed`
 * starts RTCGATE_FLOW_GRACE for the calls on that flow, and the browser's
 * new registration with the same +sip.instance (RFC 5626), on any wsgw,
 * moves them to the new flow.  Both arrive on NATS threads and are handed
 * to the loop, which owns the calls. */
#include "b2b.h"
#include "b2b_call.h"
#include "busmsg.h"

#include <string.h>

static void b2b_flow_closed(void *data, void *arg)
{
	json_t *m = data;
	const char *edge = busmsg_str(m, "edge"), *conn = busmsg_str(m, "conn");

	if (edge && conn)
		call_web_flow_closed(edge, conn);
	else
		metrics_inc(&b2b.svc.metrics, BM_BUS_BAD);
	json_decref(m);
}

static void b2b_flow_registered(void *data, void *arg)
{
	json_t *m = data;
	const char *ev = busmsg_str(m, "event"), *inst = busmsg_str(m, "instance");
	const char *edge = busmsg_str(m, "edge"), *conn = busmsg_str(m, "conn");

	/* refreshed too: a browser may re-register over a flow that was
	 * never seen closed (wsgw killed), and no instance, no match */
	if (ev && (!strcmp(ev, "registered") || !strcmp(ev, "refreshed")) &&
	    inst && inst[0] && edge && conn)
		call_web_flow_back(inst, edge, conn);
	json_decref(m);
}

static void b2b_flow_heard_closed(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "closed", b2b_flow_closed);
}

static void b2b_flow_heard_reg(struct bus *b, natsMsg *msg, void *arg)
{
	b2b_bus_to_loop(msg, "reg_event", b2b_flow_registered);
}

int b2b_flow_start(void)
{
	int e = bus_subscribe(b2b.svc.bus, "rtcgate.ws.closed", NULL,
			      b2b_flow_heard_closed, NULL);

	if (!e)
		e = bus_subscribe(b2b.svc.bus, "rtcgate.reg.event", NULL,
				  b2b_flow_heard_reg, NULL);
	return e;
}
