/* route: the dial plan (RTCGATE_ROUTES), mapping a dialled user part to a
 * SIP destination, a registered browser user, or a rejection.
 *
 * A table is loaded once and never changed afterwards, so lookups need no
 * lock and any thread may run them; to reload, load a new table, swap the
 * pointer the service uses, and free the old one when no lookup uses it.
 *
 * File format (one rule a line, first match wins, '#' starts a comment):
 *
 *   <pattern> <destination> [strip=N] [prefix=S]
 *
 * pattern:
 *   alice        exact user (case-sensitive, as SIP compares user parts)
 *   00*  +44*    prefix: a trailing '*' matches any rest, also none;
 *                '*' alone matches every user
 *   1XXX  9NXX*  digit pattern: made only of digits, '+', '*' and the
 *                capitals X (0-9), N (2-9), Z (1-9); a trailing '*' again
 *                matches any rest
 *   re:<ERE>     POSIX extended regex matched against the whole user
 *                (anchored for you); no back-references, no whitespace
 * destination:
 *   sip:${user}@pbx.example.com;transport=tcp   a SIP URI template
 *   sip:pbx.example.com   no '@': the user is put in front ("${user}@")
 *   @browser               a registered browser user of our domain
 *   @reject:<code>         answer with this status (400-699)
 * template variables: ${user} (after strip/prefix), ${dialled} (as
 *   dialled), ${1}..${9} (groups of a re: pattern)
 * options: strip=N removes the first N characters of the user, prefix=S
 *   puts S in front (after strip); a rule whose rewrite leaves an empty
 *   user is skipped.  Not valid with @reject.  srtp=off|optional|mandatory
 *   (SIP URI destinations only): SDES-SRTP in mediad's offer toward this
 *   destination, instead of the media node's RTCGATE_SIP_SRTP.
 *
 * Users are checked before matching (the characters RFC 3261 allows in a
 * user part, 1..ROUTE_USER_MAX bytes) and %-escapes of characters that
 * need none are decoded, so "%61lice" is "alice".
 */
#ifndef RTCGATE_B2BUA_ROUTE_H
#define RTCGATE_B2BUA_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	ROUTE_USER_MAX = 128,		/* dialled user part, bytes */
	ROUTE_PREFIX_MAX = 64,		/* prefix= value */
	ROUTE_REWRITE_MAX = ROUTE_USER_MAX + ROUTE_PREFIX_MAX,
	ROUTE_URI_MAX = 512,		/* expanded URI incl. NUL */
	ROUTE_LINE_MAX = 1024,		/* bytes in one line */
	ROUTE_RULES_MAX = 10000,
	ROUTE_REGEX_RULES_MAX = 1000,	/* each lookup may run all of them */
	ROUTE_REGEX_MAX = 256,		/* bytes of one regex */
	ROUTE_TPL_MAX = 256,		/* bytes of one destination */
	ROUTE_FILE_MAX = 32 << 20,	/* bytes of the whole file */
};

enum route_kind { ROUTE_SIP, ROUTE_BROWSER, ROUTE_REJECT };

struct route_result {
	enum route_kind kind;
	int code;		/* ROUTE_REJECT: SIP status */
	int line;		/* rule's line in the file; 0: default/none */
	char user[ROUTE_REWRITE_MAX + 1];	/* rewritten user */
	char uri[ROUTE_URI_MAX];		/* ROUTE_SIP: request URI */
	char srtp[12];		/* ROUTE_SIP: the rule's srtp=, or "" */
};

struct route_table;

/* Load a rules file.  On error returns EINVAL (bad content), EFBIG, or
 * the errno of open/read, with one line "path:line: why" in err. */
int route_table_load(const char *path, struct route_table **tp, char *err,
		     size_t errlen);
/* The same from text in memory; name stands for the file in errors. */
int route_table_parse(const char *text, size_t len, const char *name,
		      struct route_table **tp, char *err, size_t errlen);
void route_table_free(struct route_table *t);
size_t route_table_count(const struct route_table *t);

/* Decide where a call to user goes.  t may be NULL (no file).  When no
 * rule matches: default_tpl (a template like the destinations above,
 * RTCGATE_SIP_OUTBOUND) if not NULL/empty, else reject 404.
 * Returns 0; EINVAL for an invalid user (out: reject 400) or EBADMSG for
 * an invalid default_tpl (out: reject 500). */
int route_lookup(const struct route_table *t, const char *user,
		 const char *default_tpl, struct route_result *out);

/* Check a template (RTCGATE_SIP_OUTBOUND at start-up); 0 or EINVAL. */
int route_template_check(const char *tpl, char *err, size_t errlen);

/* Check and normalise a user part into out (outlen > ROUTE_USER_MAX);
 * 0 or EINVAL. */
int route_user_norm(const char *user, char *out, size_t outlen);

/* One pattern on its own, for other lists of users (click-to-call). */
struct route_pat;
int route_pat_new(const char *text, struct route_pat **pp, char *err,
		  size_t errlen);
/* Does the normalised user (from route_user_norm) match? */
bool route_pat_match(const struct route_pat *p, const char *norm_user);
void route_pat_free(struct route_pat *p);

#endif
