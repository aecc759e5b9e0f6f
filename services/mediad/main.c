/* mediad: skeleton.  Starts, joins the bus, answers health, stops cleanly.
 * Its own issue fills in the service. */
#include "log.h"
#include "svc.h"
#include "svc_loop.h"

#include <nats/nats.h>
#include <stdlib.h>

enum { M_UP };

static const struct metric_def mediad_metrics[] = {
	{ "up", "1 while the service runs" },
};

int main(void)
{
	struct svc svc = { 0 };
	struct svc_loop loop;
	int rc = EXIT_FAILURE;

	if (svc_configure(&svc, "mediad", NULL, 0, NULL))
		return 2;
	if (svc_loop_init(&loop, 100000))
		goto out;
	if (svc_start(&svc, mediad_metrics, CFG_ROWS(mediad_metrics)))
		goto out_loop;
	metrics_set(&svc.metrics, M_UP, 1);
	LOG_INFO("main", "ready");
	svc_loop_run(&loop);
	rc = EXIT_SUCCESS;
out_loop:
	svc_loop_fini(&loop, NULL);
out:
	svc_stop(&svc, NULL, 0, NULL);
	nats_CloseAndWait(2000);
	return rc;
}
