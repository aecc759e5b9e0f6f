/* metrics: see metrics.h */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int metrics_init(struct metrics *m, const struct metric_def *defs, size_t n)
{
	m->defs = defs;
	m->n = n;
	m->val = calloc(n ? n : 1, sizeof(*m->val));
	return m->val ? 0 : ENOMEM;
}

void metrics_fini(struct metrics *m)
{
	free(m->val);
	m->val = NULL;
	m->n = 0;
}

json_t *metrics_json(const struct metrics *m)
{
	json_t *o = json_object();

	for (size_t i = 0; i < m->n; i++)
		json_object_set_new(o, m->defs[i].name,
				    json_integer(metrics_get(m, i)));
	return o;
}

int metrics_is_counter(const char *name)
{
	size_t n = strlen(name);
	return n > 6 && !strcmp(name + n - 6, "_total");
}
