/* cfg: configuration from the environment, described as a table.
 *
 * Each service lists its settings as rows {variable, type, default, bounds,
 * offset of the field in its own config struct}.  cfg_load() fills the
 * struct from defaults and the environment and validates every value; on
 * the first bad value it returns EINVAL with one line naming the variable.
 */
#ifndef RTCGATE_CFG_H
#define RTCGATE_CFG_H

#include <stddef.h>

enum cfg_type {
	CFG_INT,	/* long; min/max apply */
	CFG_STR,	/* char * (owned, freed by cfg_free) */
	CFG_SECRET,	/* like CFG_STR, masked when printed */
	CFG_BOOL,	/* int 0/1: true/false/yes/no/1/0/on/off */
	CFG_ENUM,	/* int index into choices ("a|b|c") */
	CFG_PORTRANGE,	/* struct cfg_range "lo-hi"; both in [min,max] */
};

struct cfg_range {
	long lo, hi;
};

struct cfg_row {
	const char *var;	/* environment variable name */
	enum cfg_type type;
	const char *def;	/* default as text; NULL: unset (strings) */
	long min, max;		/* CFG_INT, CFG_PORTRANGE */
	const char *choices;	/* CFG_ENUM: "a|b|c" */
	size_t off;		/* offsetof(struct x, field) */
	const char *help;
};

#define CFG_ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* Load rows into base; on error writes one line to err and returns EINVAL.
 * getenv_fn lets tests supply values; NULL means getenv(). */
int cfg_load(const struct cfg_row *rows, size_t n, void *base,
	     const char *(*getenv_fn)(const char *), char *err, size_t errlen);
void cfg_free(const struct cfg_row *rows, size_t n, void *base);
/* Log the effective configuration, secrets masked. */
void cfg_log(const struct cfg_row *rows, size_t n, const void *base);
/* Markdown table of the rows, for docs. */
void cfg_print_table(const struct cfg_row *rows, size_t n);

#endif
