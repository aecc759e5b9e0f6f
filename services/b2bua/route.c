/* route: the dial plan; the file format is described in route.h.
 *
 * Exact-user rules (the bulk of a large plan: one line per extension) are
 * found by binary search; the other rules are scanned in file order, but
 * only those above the first exact match, so "first match wins" holds
 * across kinds without scanning the whole table.
 */
#include "route.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum {
	ROUTE_FIELDS_MAX = 8,	/* pattern, destination, options */
	ROUTE_GROUPS = 9,	/* ${1}..${9} */
	ROUTE_DUP_MAX = 255,	/* one {m,n} count */
	ROUTE_DUP_PRODUCT = 4096, /* all {m,n} counts of a regex, multiplied:
				   * nested counts multiply the compiled size */
	ROUTE_VAR_NAME_MAX = 10,
	WHY_MAX = 160,
};

/* Template variables: ${1}..${9} are their own numbers. */
enum { TV_USER = 0, TV_DIALLED = 10, TV_UNKNOWN = -1, TV_UNTERMINATED = -2 };

enum pat_kind { PAT_EXACT, PAT_PREFIX, PAT_DIGITS, PAT_REGEX };

struct route_pat {
	enum pat_kind kind;
	bool wild;		/* PAT_DIGITS: a trailing '*' takes any rest */
	size_t len;
	char *text;		/* normalised body, without '*' or "re:" */
	regex_t re;		/* PAT_REGEX: "^(" text ")$" */
	unsigned ngroups;	/* PAT_REGEX: the operator's own groups */
};

struct route_rule {
	struct route_pat pat;
	enum route_kind kind;
	int code;		/* ROUTE_REJECT */
	int strip;
	char *prefix;		/* NULL: none */
	char *tpl;		/* ROUTE_SIP, with "user@" in place */
	char srtp[12];		/* srtp=: mediad's sip_srtp, or "" */
	int line;
};

struct route_exact {
	const char *user;
	size_t rule;		/* index of the first rule for this user */
};

struct route_table {
	struct route_rule *rules;
	size_t n, cap, nregex;
	struct route_exact *exact;
	size_t nexact;
	size_t *other;		/* indices of the non-exact rules, in order */
	size_t nother;
};

/* What a template may refer to while it is expanded. */
struct tpl_ctx {
	const char *user;	/* rewritten */
	const char *dialled;
	const regmatch_t *m;	/* of "^(re)$": ${n} is m[n + 1] */
	unsigned ngroups;
};

/* ---- user parts ------------------------------------------------------ */

/* RFC 3261 25.1: unreserved and user-unreserved characters. */
static bool user_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-_.!~*'()&=+$,;?/", c);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One %HH escape at s: the byte, or -1 when malformed or a control. */
static int unescape(const char *s)
{
	int hi = hexval((unsigned char)s[1]);
	int lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);

	if (lo < 0)
		return -1;
	int b = hi << 4 | lo;
	return b < 0x20 || b == 0x7f ? -1 : b;
}

int route_user_norm(const char *user, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, n = 0;

	if (!user || !out || outlen <= ROUTE_USER_MAX)
		return EINVAL;
	len = strnlen(user, ROUTE_USER_MAX + 1);
	if (len == 0 || len > ROUTE_USER_MAX)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)user[i];
		if (c != '%') {
			if (!user_char(c))
				return EINVAL;
			out[n++] = (char)c;
			continue;
		}
		int b = unescape(user + i);
		if (b < 0)
			return EINVAL;
		i += 2;
		/* decode what needs no escape, so equal users compare equal;
		 * keep the rest escaped so the result is still a user part */
		if (user_char((unsigned char)b)) {
			out[n++] = (char)b;
		} else {
			out[n++] = '%';
			out[n++] = hex[b >> 4];
			out[n++] = hex[b & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* ---- patterns -------------------------------------------------------- */

static bool digit_ok(char p, char u)
{
	switch (p) {
	case 'X': return u >= '0' && u <= '9';
	case 'N': return u >= '2' && u <= '9';
	case 'Z': return u >= '1' && u <= '9';
	default: return p == u;
	}
}

/* Digits, '+', '*' and at least one of X, N, Z. */
static bool is_digit_pattern(const char *s)
{
	bool cls = false;

	for (; *s; s++) {
		if (strchr("XNZ", *s))
			cls = true;
		else if (!strchr("0123456789+*", *s))
			return false;
	}
	return cls;
}

/* End of a bracket expression starting at s[i] == '[', or 0. */
static size_t bracket_end(const char *s, size_t i)
{
	i++;
	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++;	/* a leading ']' is a member */
	for (; s[i]; i++) {
		char k = s[i + 1];
		if (s[i] == '[' && (k == ':' || k == '.' || k == '=')) {
			const char *e = strstr(s + i + 2, k == ':' ? ":]" :
					       k == '.' ? ".]" : "=]");
			if (!e)
				return 0;
			i = (size_t)(e - s) + 1;
			continue;
		}
		if (s[i] == ']')
			return i;
	}
	return 0;
}

/* "{m}", "{m,}" or "{m,n}" at s[i]: index of '}' and the larger count
 * in *count, or 0 when malformed. */
static size_t brace_end(const char *s, size_t i, long *count)
{
	char *end;
	long m = strtol(s + i + 1, &end, 10), n = m;

	if (end == s + i + 1 || m < 0 || m > ROUTE_DUP_MAX)
		return 0;
	if (*end == ',') {
		const char *p = end + 1;
		n = *p == '}' ? m : strtol(p, &end, 10);
		if (*p != '}' && (end == p || n < m || n > ROUTE_DUP_MAX))
			return 0;
		if (*p == '}')
			end = (char *)p;
	}
	if (*end != '}')
		return 0;
	*count = n > 0 ? n : 1;
	return (size_t)(end - s);
}

/* Reject what the "^(" re ")$" wrapping or regcomp cannot take safely:
 * stray parentheses (they would undo the anchoring), back-references
 * (exponential matching) and repetition counts that explode. */
static const char *regex_scan(const char *s)
{
	long depth = 0, product = 1, count;
	size_t j;

	for (size_t i = 0; s[i]; i++) {
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return "regex: space, control or non-ASCII character";
	}
	for (size_t i = 0; s[i]; i++) {
		switch (s[i]) {
		case '\\':
			if (!s[i + 1])
				return "regex: trailing backslash";
			if (s[i + 1] >= '1' && s[i + 1] <= '9')
				return "regex: back-references are not allowed";
			i++;
			break;
		case '[':
			if (!(j = bracket_end(s, i)))
				return "regex: unterminated [";
			i = j;
			break;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth < 0)
				return "regex: unbalanced )";
			break;
		case '{':
			if (!(j = brace_end(s, i, &count)))
				return "regex: bad {m,n} (counts 0-255)";
			product *= count;
			if (product > ROUTE_DUP_PRODUCT)
				return "regex: repetition counts too large";
			i = j;
			break;
		}
	}
	return depth ? "regex: unterminated (" : NULL;
}

static int pat_regex(struct route_pat *p, const char *re, char *why,
		     size_t whylen)
{
	char wrapped[ROUTE_REGEX_MAX + 8];
	size_t len = strlen(re);
	const char *bad;
	int rc;

	if (len == 0 || len > ROUTE_REGEX_MAX) {
		snprintf(why, whylen, "regex empty or longer than %d bytes",
			 ROUTE_REGEX_MAX);
		return EINVAL;
	}
	if ((bad = regex_scan(re))) {
		snprintf(why, whylen, "%s", bad);
		return EINVAL;
	}
	snprintf(wrapped, sizeof(wrapped), "^(%s)$", re);
	rc = regcomp(&p->re, wrapped, REG_EXTENDED);
	if (rc) {
		char msg[96];
		regerror(rc, &p->re, msg, sizeof(msg));
		snprintf(why, whylen, "regex: %s", msg);
		return EINVAL;
	}
	p->kind = PAT_REGEX;
	p->ngroups = (unsigned)p->re.re_nsub - 1;
	if (!(p->text = strdup(re))) {
		regfree(&p->re);
		return ENOMEM;
	}
	p->len = len;
	return 0;
}

/* The body of a non-regex pattern: digit class or (normalised) user. */
static int pat_body(struct route_pat *p, const char *raw, bool wild,
		    char *why, size_t whylen)
{
	char norm[ROUTE_USER_MAX + 1];

	if (is_digit_pattern(raw)) {
		p->kind = PAT_DIGITS;
		snprintf(norm, sizeof(norm), "%s", raw);
	} else if (!raw[0] && wild) {
		p->kind = PAT_PREFIX;	/* "*": every user */
		norm[0] = '\0';
	} else if (route_user_norm(raw, norm, sizeof(norm))) {
		snprintf(why, whylen, "pattern '%.40s': not a user part "
			 "(or a re: regex)", raw);
		return EINVAL;
	} else {
		p->kind = wild ? PAT_PREFIX : PAT_EXACT;
	}
	p->wild = wild;
	p->len = strlen(norm);
	return (p->text = strdup(norm)) ? 0 : ENOMEM;
}

static int pat_init(struct route_pat *p, const char *text, char *why,
		    size_t whylen)
{
	char raw[ROUTE_USER_MAX + 1];
	size_t len = strlen(text);
	bool wild = len > 0 && text[len - 1] == '*';

	memset(p, 0, sizeof(*p));
	if (!strncmp(text, "re:", 3))
		return pat_regex(p, text + 3, why, whylen);
	if (len == 0 || len - wild > ROUTE_USER_MAX) {
		snprintf(why, whylen, "pattern empty or longer than %d bytes",
			 ROUTE_USER_MAX);
		return EINVAL;
	}
	memcpy(raw, text, len - wild);
	raw[len - wild] = '\0';
	return pat_body(p, raw, wild, why, whylen);
}

static void pat_fini(struct route_pat *p)
{
	if (p->kind == PAT_REGEX && p->text)
		regfree(&p->re);
	free(p->text);
	p->text = NULL;
}

/* m (ROUTE_GROUPS + 2 entries) receives a regex's groups; may be NULL. */
static bool pat_match(const struct route_pat *p, const char *u, size_t ulen,
		      regmatch_t *m)
{
	regmatch_t local[ROUTE_GROUPS + 2];

	switch (p->kind) {
	case PAT_EXACT:
		return ulen == p->len && !memcmp(u, p->text, ulen);
	case PAT_PREFIX:
		return ulen >= p->len && !memcmp(u, p->text, p->len);
	case PAT_DIGITS:
		if (ulen < p->len || (!p->wild && ulen != p->len))
			return false;
		for (size_t i = 0; i < p->len; i++) {
			if (!digit_ok(p->text[i], u[i]))
				return false;
		}
		return true;
	case PAT_REGEX:
		if (!m)
			m = local;
		/* the anchors make a match whole; checking the span as well
		 * costs nothing and does not trust the wrapping alone */
		return !regexec(&p->re, u, ROUTE_GROUPS + 2, m, 0) &&
			m[0].rm_so == 0 && (size_t)m[0].rm_eo == ulen;
	}
	return false;
}

int route_pat_new(const char *text, struct route_pat **pp, char *err,
		  size_t errlen)
{
	struct route_pat *p;
	int e;

	if (!text || !pp)
		return EINVAL;
	if (!(p = calloc(1, sizeof(*p))))
		return ENOMEM;
	e = pat_init(p, text, err, errlen);
	if (e) {
		free(p);
		return e;
	}
	*pp = p;
	return 0;
}

bool route_pat_match(const struct route_pat *p, const char *norm_user)
{
	return p && norm_user && pat_match(p, norm_user, strlen(norm_user),
					   NULL);
}

void route_pat_free(struct route_pat *p)
{
	if (!p)
		return;
	pat_fini(p);
	free(p);
}

/* ---- templates ------------------------------------------------------- */

/* s points at "${": the variable, and *end just past its '}'. */
static int tpl_var(const char *s, const char **end)
{
	size_t i = 2;

	while (s[i] && s[i] != '}' && i < 2 + ROUTE_VAR_NAME_MAX)
		i++;
	if (s[i] != '}')
		return TV_UNTERMINATED;
	*end = s + i + 1;
	if (i - 2 == 4 && !memcmp(s + 2, "user", 4))
		return TV_USER;
	if (i - 2 == 7 && !memcmp(s + 2, "dialled", 7))
		return TV_DIALLED;
	if (i - 2 == 1 && s[2] >= '1' && s[2] <= '9')
		return s[2] - '0';
	return TV_UNKNOWN;
}

/* Characters a URI may hold literally (RFC 3986 minus what SIP forbids). */
static bool tpl_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("<>\"{}|\\^`", c);
}

static size_t scheme_len(const char *t)
{
	if (!strncasecmp(t, "sip:", 4))
		return 4;
	if (!strncasecmp(t, "sips:", 5))
		return 5;
	return 0;
}

/* Check tpl against a pattern with ngroups groups; the worst-case
 * expansion must fit ROUTE_URI_MAX so that lookups never truncate. */
static int tpl_check(const char *tpl, unsigned ngroups, char *why,
		     size_t whylen)
{
	size_t worst = 0;
	const char *end;

	for (const char *s = tpl; *s; ) {
		if (s[0] != '$' || s[1] != '{') {
			if (!tpl_char((unsigned char)*s)) {
				snprintf(why, whylen, "destination: bad "
					 "character 0x%02x", (unsigned char)*s);
				return EINVAL;
			}
			worst++;
			s++;
			continue;
		}
		int v = tpl_var(s, &end);
		if (v == TV_UNTERMINATED || v == TV_UNKNOWN) {
			snprintf(why, whylen, v == TV_UNKNOWN ?
				 "destination: unknown variable '%.16s'" :
				 "destination: unterminated '%.16s'", s);
			return EINVAL;
		}
		if (v >= 1 && v <= ROUTE_GROUPS && (unsigned)v > ngroups) {
			snprintf(why, whylen, "destination: ${%d} but the "
				 "pattern has %u regex groups", v, ngroups);
			return EINVAL;
		}
		worst += v == TV_USER ? ROUTE_REWRITE_MAX : ROUTE_USER_MAX;
		s = end;
	}
	if (worst >= ROUTE_URI_MAX) {
		snprintf(why, whylen, "destination may expand beyond %d bytes",
			 ROUTE_URI_MAX - 1);
		return EINVAL;
	}
	return 0;
}

/* Scheme check; "sip:host" becomes "sip:${user}@host". */
static int tpl_prepare(const char *tpl, unsigned ngroups, char *out,
		       size_t outlen, char *why, size_t whylen)
{
	size_t sl = scheme_len(tpl), len = strlen(tpl);
	const char *at;

	if (!sl || len > ROUTE_TPL_MAX) {
		snprintf(why, whylen, "destination '%.40s': not a sip: or "
			 "sips: URI of at most %d bytes", tpl, ROUTE_TPL_MAX);
		return EINVAL;
	}
	if (strchr(tpl, '@'))
		snprintf(out, outlen, "%s", tpl);
	else
		snprintf(out, outlen, "%.*s${user}@%s", (int)sl, tpl, tpl + sl);
	at = strchr(out, '@');
	if (!at[1] || strchr(";?:>", at[1])) {
		snprintf(why, whylen, "destination '%.40s': no host", tpl);
		return EINVAL;
	}
	return tpl_check(out, ngroups, why, whylen);
}

int route_template_check(const char *tpl, char *err, size_t errlen)
{
	char buf[ROUTE_TPL_MAX + 16];

	if (!tpl)
		return EINVAL;
	return tpl_prepare(tpl, 0, buf, sizeof(buf), err, errlen);
}

static const char *tpl_value(int v, const struct tpl_ctx *x, size_t *len)
{
	if (v == TV_USER || v == TV_DIALLED) {
		const char *s = v == TV_USER ? x->user : x->dialled;
		*len = strlen(s);
		return s;
	}
	/* groups start at m[2]: m[1] is the wrapping group */
	if (!x->m || (unsigned)v > x->ngroups || x->m[v + 1].rm_so < 0) {
		*len = 0;
		return "";
	}
	*len = (size_t)(x->m[v + 1].rm_eo - x->m[v + 1].rm_so);
	return x->dialled + x->m[v + 1].rm_so;
}

/* Expand a checked template; E2BIG only if the check was skipped. */
static int tpl_expand(const char *tpl, const struct tpl_ctx *x, char *out,
		      size_t outlen)
{
	size_t n = 0, len;
	const char *end, *val;

	for (const char *s = tpl; *s; ) {
		if (s[0] != '$' || s[1] != '{') {
			val = s;
			len = 1;
			end = s + 1;
		} else {
			int v = tpl_var(s, &end);
			if (v < 0)
				return EINVAL;
			val = tpl_value(v, x, &len);
		}
		if (n + len >= outlen)
			return E2BIG;
		memcpy(out + n, val, len);
		n += len;
		s = end;
	}
	out[n] = '\0';
	return 0;
}

/* ---- one line -------------------------------------------------------- */

static int opt_parse(struct route_rule *r, const char *opt, char *why,
		     size_t whylen)
{
	char norm[ROUTE_USER_MAX + 1];

	if (!strncmp(opt, "strip=", 6)) {
		const char *v = opt + 6;
		char *end;
		long n = strtol(v, &end, 10);
		if (r->strip || *v < '0' || *v > '9' || *end || n < 1 ||
		    n > ROUTE_USER_MAX) {
			snprintf(why, whylen, "strip= wants 1-%d, once",
				 ROUTE_USER_MAX);
			return EINVAL;
		}
		r->strip = (int)n;
		return 0;
	}
	if (!strncmp(opt, "prefix=", 7)) {
		if (r->prefix || strlen(opt + 7) > ROUTE_PREFIX_MAX ||
		    route_user_norm(opt + 7, norm, sizeof(norm))) {
			snprintf(why, whylen, "prefix= wants user-part "
				 "characters (1-%d), once", ROUTE_PREFIX_MAX);
			return EINVAL;
		}
		return (r->prefix = strdup(norm)) ? 0 : ENOMEM;
	}
	if (!strncmp(opt, "srtp=", 5)) {
		const char *v = opt + 5;
		if (r->srtp[0] || (strcmp(v, "off") && strcmp(v, "optional") &&
				   strcmp(v, "mandatory"))) {
			snprintf(why, whylen, "srtp= wants off, optional or "
				 "mandatory, once");
			return EINVAL;
		}
		snprintf(r->srtp, sizeof(r->srtp), "%s", v);
		return 0;
	}
	snprintf(why, whylen, "unknown option '%.40s' (strip=, prefix=, "
		 "srtp=)", opt);
	return EINVAL;
}

static int dest_parse(struct route_rule *r, const char *d, char *why,
		      size_t whylen)
{
	char tpl[ROUTE_TPL_MAX + 16];
	int e;

	if (!strcmp(d, "@browser")) {
		r->kind = ROUTE_BROWSER;
		return 0;
	}
	if (!strncmp(d, "@reject:", 8)) {
		const char *c = d + 8;
		r->kind = ROUTE_REJECT;
		r->code = atoi(c);
		if (strlen(c) != 3 || strspn(c, "0123456789") != 3 ||
		    r->code < 400 || r->code > 699) {
			snprintf(why, whylen, "@reject: wants 400-699");
			return EINVAL;
		}
		return 0;
	}
	if (d[0] == '@') {
		snprintf(why, whylen, "unknown destination '%.40s' (@browser, "
			 "@reject:<code> or a sip: URI)", d);
		return EINVAL;
	}
	r->kind = ROUTE_SIP;
	e = tpl_prepare(d, r->pat.kind == PAT_REGEX ? r->pat.ngroups : 0, tpl,
			sizeof(tpl), why, whylen);
	if (e)
		return e;
	return (r->tpl = strdup(tpl)) ? 0 : ENOMEM;
}

/* Split at blanks, up to a '#' that starts a field; count or -1. */
static int split(char *line, char **f)
{
	int n = 0;

	for (char *s = line; *s; ) {
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			break;
		if (n == ROUTE_FIELDS_MAX)
			return -1;
		f[n++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
	return n;
}

static void rule_fini(struct route_rule *r)
{
	pat_fini(&r->pat);
	free(r->prefix);
	free(r->tpl);
}

/* Checks that need the whole rule. */
static int rule_check(const struct route_rule *r, char *why, size_t whylen)
{
	if (r->kind == ROUTE_REJECT && (r->strip || r->prefix)) {
		snprintf(why, whylen, "options are not valid with @reject");
		return EINVAL;
	}
	if (r->kind != ROUTE_SIP && r->srtp[0]) {
		snprintf(why, whylen, "srtp= is for SIP URI destinations");
		return EINVAL;
	}
	/* an exact user is known now: its rewrite must leave something, so
	 * that lookups can take an exact match without trying it */
	if (r->pat.kind == PAT_EXACT && !r->prefix &&
	    (size_t)r->strip >= r->pat.len) {
		snprintf(why, whylen, "strip= removes the whole user");
		return EINVAL;
	}
	return 0;
}

static int rule_parse(struct route_rule *r, char **f, int nf, char *why,
		      size_t whylen)
{
	int e;

	if (nf < 2) {
		snprintf(why, whylen, "a pattern needs a destination");
		return EINVAL;
	}
	if ((e = pat_init(&r->pat, f[0], why, whylen)))
		return e;
	if ((e = dest_parse(r, f[1], why, whylen)))
		return e;
	for (int i = 2; i < nf; i++) {
		if ((e = opt_parse(r, f[i], why, whylen)))
			return e;
	}
	return rule_check(r, why, whylen);
}

static int table_add(struct route_table *t, char *line, int lineno,
		     char *why, size_t whylen)
{
	char *f[ROUTE_FIELDS_MAX];
	struct route_rule r = { .line = lineno };
	int nf = split(line, f), e;

	if (nf == 0)
		return 0;
	if (nf < 0) {
		snprintf(why, whylen, "more than %d fields", ROUTE_FIELDS_MAX);
		return EINVAL;
	}
	if (t->n == ROUTE_RULES_MAX) {
		snprintf(why, whylen, "more than %d rules", ROUTE_RULES_MAX);
		return EINVAL;
	}
	if ((e = rule_parse(&r, f, nf, why, whylen)))
		goto fail;
	if (r.pat.kind == PAT_REGEX && ++t->nregex > ROUTE_REGEX_RULES_MAX) {
		snprintf(why, whylen, "more than %d re: rules",
			 ROUTE_REGEX_RULES_MAX);
		e = EINVAL;
		goto fail;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct route_rule *nr = realloc(t->rules, cap * sizeof(*nr));
		if (!nr) {
			e = ENOMEM;
			goto fail;
		}
		t->rules = nr;
		t->cap = cap;
	}
	t->rules[t->n++] = r;
	return 0;
fail:
	if (e == ENOMEM)
		snprintf(why, whylen, "out of memory");
	rule_fini(&r);
	return e;
}

/* One raw line (no '\n'): limits and characters, then the rule. */
static int take_line(struct route_table *t, const char *s, size_t len,
		     int lineno, char *why, size_t whylen)
{
	char line[ROUTE_LINE_MAX + 1];

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > ROUTE_LINE_MAX) {
		snprintf(why, whylen, "line longer than %d bytes",
			 ROUTE_LINE_MAX);
		return EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < ' ' && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "control character 0x%02x "
				 "(not a text file?)", c);
			return EINVAL;
		}
	}
	memcpy(line, s, len);
	line[len] = '\0';
	return table_add(t, line, lineno, why, whylen);
}

/* ---- the table ------------------------------------------------------- */

static int exact_cmp(const void *a, const void *b)
{
	const struct route_exact *x = a, *y = b;
	int c = strcmp(x->user, y->user);

	if (c)
		return c;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Sorted exact users (first rule of each kept) and the other rules. */
static int table_index(struct route_table *t)
{
	size_t k = 0;

	t->exact = calloc(t->n + 1, sizeof(*t->exact));
	t->other = calloc(t->n + 1, sizeof(*t->other));
	if (!t->exact || !t->other)
		return ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		if (t->rules[i].pat.kind == PAT_EXACT)
			t->exact[t->nexact++] = (struct route_exact){
				t->rules[i].pat.text, i };
		else
			t->other[t->nother++] = i;
	}
	qsort(t->exact, t->nexact, sizeof(*t->exact), exact_cmp);
	for (size_t i = 0; i < t->nexact; i++) {
		if (k == 0 || strcmp(t->exact[k - 1].user, t->exact[i].user))
			t->exact[k++] = t->exact[i];
	}
	t->nexact = k;
	return 0;
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		rule_fini(&t->rules[i]);
	free(t->rules);
	free(t->exact);
	free(t->other);
	free(t);
}

size_t route_table_count(const struct route_table *t)
{
	return t ? t->n : 0;
}

int route_table_parse(const char *text, size_t len, const char *name,
		      struct route_table **tp, char *err, size_t errlen)
{
	struct route_table *t = calloc(1, sizeof(*t));
	char why[WHY_MAX];
	size_t pos = 0;
	int lineno = 0, e = 0;

	if (!t)
		return ENOMEM;
	while (pos < len && !e) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		e = take_line(t, text + pos, ll, ++lineno, why, sizeof(why));
		pos += ll + 1;
	}
	if (!e && (e = table_index(t)))
		snprintf(why, sizeof(why), "out of memory");
	if (e) {
		snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
		route_table_free(t);
		return e;
	}
	*tp = t;
	return 0;
}

/* Read a whole file; EFBIG beyond ROUTE_FILE_MAX bytes, without holding
 * more than that (the path may name a device or a pipe). */
static int read_all(int fd, char **bufp, size_t *lenp)
{
	const size_t max = (size_t)ROUTE_FILE_MAX + 1;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int e = 0;

	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;
			if (cap == max) {
				e = EFBIG;
				break;
			}
			ncap = ncap < max ? ncap : max;
			if (!(nb = realloc(buf, ncap))) {
				e = ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : 0;
			break;
		}
		len += (size_t)n;
	}
	if (!e && len == max)
		e = EFBIG;
	if (e) {
		free(buf);
		return e;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int route_table_load(const char *path, struct route_table **tp, char *err,
		     size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, e;

	if (!path || !tp)
		return EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return e;
	}
	e = read_all(fd, &buf, &len);
	close(fd);
	if (e) {
		snprintf(err, errlen, "%s: %s", path, e == EFBIG ?
			 "larger than " "32 MiB" : strerror(e));
		return e;
	}
	e = route_table_parse(buf, len, path, tp, err, errlen);
	free(buf);
	return e;
}

/* ---- lookup ---------------------------------------------------------- */

static size_t rewrite(const struct route_rule *r, const char *u, size_t ulen,
		      char *out)
{
	size_t s = (size_t)r->strip < ulen ? (size_t)r->strip : ulen;
	size_t pl = r->prefix ? strlen(r->prefix) : 0;

	memcpy(out, r->prefix ? r->prefix : "", pl);
	memcpy(out + pl, u + s, ulen - s);
	out[pl + ulen - s] = '\0';
	return pl + ulen - s;
}

static void set_reject(struct route_result *out, int code, int line)
{
	out->kind = ROUTE_REJECT;
	out->code = code;
	out->line = line;
	out->uri[0] = '\0';
	out->srtp[0] = '\0';
}

/* Does rule r take user u?  Fills out when it does. */
static bool rule_try(const struct route_rule *r, const char *u, size_t ulen,
		     struct route_result *out)
{
	regmatch_t m[ROUTE_GROUPS + 2];
	struct tpl_ctx x = { out->user, u, m, r->pat.ngroups };

	if (!pat_match(&r->pat, u, ulen, m))
		return false;
	if (r->kind == ROUTE_REJECT) {
		memcpy(out->user, u, ulen + 1);
		set_reject(out, r->code, r->line);
		return true;
	}
	if (rewrite(r, u, ulen, out->user) == 0)
		return false;	/* skipped: nothing left to call */
	out->kind = r->kind;
	out->code = 0;
	out->line = r->line;
	out->uri[0] = '\0';
	snprintf(out->srtp, sizeof(out->srtp), "%s", r->srtp);
	if (r->kind == ROUTE_SIP && r->pat.kind != PAT_REGEX)
		x.m = NULL;
	if (r->kind == ROUTE_SIP && tpl_expand(r->tpl, &x, out->uri,
					       sizeof(out->uri)))
		set_reject(out, 500, r->line);	/* not reached: checked */
	return true;
}

static int exact_cmp_user(const void *a, const void *b)
{
	const struct route_exact *x = a, *y = b;

	return strcmp(x->user, y->user);
}

static const struct route_exact *exact_find(const struct route_table *t,
					    const char *u)
{
	struct route_exact key = { u, 0 };

	if (!t->nexact)
		return NULL;
	/* users are unique in the index after table_index */
	return bsearch(&key, t->exact, t->nexact, sizeof(key), exact_cmp_user);
}

/* First match in file order: the non-exact rules above the exact one. */
static bool table_route(const struct route_table *t, const char *u,
			size_t ulen, struct route_result *out)
{
	const struct route_exact *x = exact_find(t, u);
	size_t limit = x ? x->rule : SIZE_MAX;

	for (size_t i = 0; i < t->nother && t->other[i] < limit; i++) {
		if (rule_try(&t->rules[t->other[i]], u, ulen, out))
			return true;
	}
	return x && rule_try(&t->rules[x->rule], u, ulen, out);
}

static int route_default(const char *u, const char *tpl,
			 struct route_result *out)
{
	char buf[ROUTE_TPL_MAX + 16], why[WHY_MAX];
	struct tpl_ctx x = { u, u, NULL, 0 };

	if (!tpl || !tpl[0]) {
		set_reject(out, 404, 0);
		return 0;
	}
	if (tpl_prepare(tpl, 0, buf, sizeof(buf), why, sizeof(why)) ||
	    tpl_expand(buf, &x, out->uri, sizeof(out->uri))) {
		set_reject(out, 500, 0);
		return EBADMSG;
	}
	out->kind = ROUTE_SIP;
	out->code = 0;
	out->line = 0;
	out->srtp[0] = '\0';
	return 0;
}

int route_lookup(const struct route_table *t, const char *user,
		 const char *default_tpl, struct route_result *out)
{
	char norm[ROUTE_USER_MAX + 1];
	size_t len;

	if (!out)
		return EINVAL;
	out->user[0] = '\0';
	if (route_user_norm(user, norm, sizeof(norm))) {
		set_reject(out, 400, 0);
		return EINVAL;
	}
	len = strlen(norm);
	if (t && table_route(t, norm, len, out))
		return 0;
	memcpy(out->user, norm, len + 1);
	return route_default(norm, default_tpl, out);
}
