/* cfg: see cfg.h */
#include "cfg.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *cfg_env(const char *name)
{
	return getenv(name);
}

static int cfg_parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return EINVAL;
	*out = v;
	return 0;
}

static int cfg_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return EINVAL;
}

static int cfg_parse_enum(const char *s, const char *choices, int *out)
{
	size_t len = strlen(s);
	int idx = 0;

	for (const char *p = choices; *p; idx++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && !strncasecmp(p, s, n)) {
			*out = idx;
			return 0;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	return EINVAL;
}

static int cfg_parse_range(const char *s, const struct cfg_row *r,
			   struct cfg_range *out)
{
	char buf[64];
	long lo, hi;

	if (strlen(s) >= sizeof(buf))
		return EINVAL;
	strcpy(buf, s);
	char *dash = strchr(buf, '-');
	if (!dash)
		return EINVAL;
	*dash = '\0';
	if (cfg_parse_long(buf, &lo) || cfg_parse_long(dash + 1, &hi))
		return EINVAL;
	if (lo < r->min || hi > r->max || lo > hi)
		return EINVAL;
	out->lo = lo;
	out->hi = hi;
	return 0;
}

static int cfg_apply(const struct cfg_row *r, const char *val, void *base,
		     char *err, size_t errlen)
{
	char *field = (char *)base + r->off;
	long l;

	switch (r->type) {
	case CFG_INT:
		if (cfg_parse_long(val, &l)) {
			snprintf(err, errlen, "%s=\"%s\": not an integer",
				 r->var, val);
			return EINVAL;
		}
		if (l < r->min || l > r->max) {
			snprintf(err, errlen, "%s=%ld: out of range %ld..%ld",
				 r->var, l, r->min, r->max);
			return EINVAL;
		}
		*(long *)field = l;
		return 0;
	case CFG_STR:
	case CFG_SECRET: {
		char **sp = (char **)field;
		free(*sp);
		*sp = val ? strdup(val) : NULL;
		return 0;
	}
	case CFG_BOOL:
		if (cfg_parse_bool(val, (int *)field)) {
			snprintf(err, errlen, "%s=\"%s\": expected true or false",
				 r->var, val);
			return EINVAL;
		}
		return 0;
	case CFG_ENUM:
		if (cfg_parse_enum(val, r->choices, (int *)field)) {
			snprintf(err, errlen, "%s=\"%s\": expected one of %s",
				 r->var, val, r->choices);
			return EINVAL;
		}
		return 0;
	case CFG_PORTRANGE:
		if (cfg_parse_range(val, r, (struct cfg_range *)field)) {
			snprintf(err, errlen,
				 "%s=\"%s\": expected LOW-HIGH within %ld-%ld",
				 r->var, val, r->min, r->max);
			return EINVAL;
		}
		return 0;
	}
	return EINVAL;
}

int cfg_load(const struct cfg_row *rows, size_t n, void *base,
	     const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	if (!getenv_fn)
		getenv_fn = cfg_env;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_row *r = &rows[i];
		const char *val = getenv_fn(r->var);
		/* An empty variable means "use the default", as in shells. */
		if (!val || !*val)
			val = r->def;
		if (!val && (r->type == CFG_STR || r->type == CFG_SECRET))
			continue;
		if (!val) {
			snprintf(err, errlen, "%s: no value and no default",
				 r->var);
			return EINVAL;
		}
		int e = cfg_apply(r, val, base, err, errlen);
		if (e)
			return e;
	}
	return 0;
}

void cfg_free(const struct cfg_row *rows, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].type != CFG_STR && rows[i].type != CFG_SECRET)
			continue;
		char **sp = (char **)((char *)base + rows[i].off);
		free(*sp);
		*sp = NULL;
	}
}

static void cfg_format(const struct cfg_row *r, const void *base, char *buf,
		       size_t len)
{
	const char *field = (const char *)base + r->off;

	switch (r->type) {
	case CFG_INT:
		snprintf(buf, len, "%ld", *(const long *)field);
		break;
	case CFG_STR:
		snprintf(buf, len, "%s", *(char *const *)field ?
			 *(char *const *)field : "(unset)");
		break;
	case CFG_SECRET:
		snprintf(buf, len, "%s", *(char *const *)field ?
			 "(set)" : "(unset)");
		break;
	case CFG_BOOL:
		snprintf(buf, len, "%s", *(const int *)field ? "true" : "false");
		break;
	case CFG_ENUM: {
		int idx = *(const int *)field;
		const char *p = r->choices;
		for (int i = 0; i < idx && p; i++) {
			p = strchr(p, '|');
			if (p)
				p++;
		}
		size_t n = p ? strcspn(p, "|") : 0;
		snprintf(buf, len, "%.*s", (int)n, p ? p : "");
		break;
	}
	case CFG_PORTRANGE: {
		const struct cfg_range *rg = (const void *)field;
		snprintf(buf, len, "%ld-%ld", rg->lo, rg->hi);
		break;
	}
	}
}

void cfg_log(const struct cfg_row *rows, size_t n, const void *base)
{
	char buf[256];

	for (size_t i = 0; i < n; i++) {
		cfg_format(&rows[i], base, buf, sizeof(buf));
		LOG_INFO("cfg", "%s=%s", rows[i].var, buf);
	}
}

void cfg_print_table(const struct cfg_row *rows, size_t n)
{
	printf("| variable | meaning | default |\n|---|---|---|\n");
	for (size_t i = 0; i < n; i++)
		printf("| %s | %s | %s |\n", rows[i].var,
		       rows[i].help ? rows[i].help : "",
		       rows[i].def ? rows[i].def : "-");
}
