/* busmsg: the JSON envelope of every message on the bus (docs/bus.md).
 *
 * Every message is a JSON object {"v":1, "kind":"...", ...}.  Each kind has
 * a schema (its fields and their types); busmsg_decode() parses and checks a
 * message against it, so handlers may read required fields without checks.
 */
#ifndef RTCGATE_BUSMSG_H
#define RTCGATE_BUSMSG_H

#include <jansson.h>
#include <stddef.h>

enum {
	BUSMSG_VERSION = 1,
	BUSMSG_MAX_LEN = 1024 * 1024,	/* larger messages are refused */
};

/* Stable error codes used in error replies ({"kind":"error"}). */
enum busmsg_err {
	BUSMSG_E_BADJSON = 1,	/* not JSON, or not an object */
	BUSMSG_E_VERSION = 2,	/* missing or unknown "v" */
	BUSMSG_E_KIND = 3,	/* missing or unknown "kind" */
	BUSMSG_E_FIELD = 4,	/* a required field missing or of wrong type */
	BUSMSG_E_TOOBIG = 5,	/* larger than BUSMSG_MAX_LEN */
	BUSMSG_E_NOCONN = 6,	/* the addressed connection is gone */
};

/* New envelope of the given kind; caller owns the reference. */
json_t *busmsg_new(const char *kind);
/* Parse and validate; on success *out is a new reference.  On failure
 * returns one of enum busmsg_err and writes a reason to err. */
int busmsg_decode(const char *data, size_t len, json_t **out, char *err,
		  size_t errlen);
int busmsg_validate(const json_t *m, char *err, size_t errlen);
/* Compact JSON text; caller frees with free(). */
char *busmsg_encode(const json_t *m, size_t *lenp);
/* An error reply {"kind":"error","code":..,"reason":..}; new reference. */
json_t *busmsg_error(int code, const char *reason);

/* Borrowed accessors: NULL / 0 when absent or of another type. */
const char *busmsg_str(const json_t *m, const char *key);
long long busmsg_int(const json_t *m, const char *key);
const char *busmsg_kind(const json_t *m);

#endif
