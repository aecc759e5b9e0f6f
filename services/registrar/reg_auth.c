/* reg_auth: see reg_auth.h */
#include "reg_auth.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reg_users {
	GHashTable *by_name;	/* username -> struct reg_cred * */
};

static const char *const reg_alg_names[REG_ALG__COUNT] = { "MD5", "SHA-256" };

const char *reg_alg_name(enum reg_alg alg)
{
	return reg_alg_names[alg];
}

int reg_alg_parse(const char *s, enum reg_alg *alg)
{
	if (!s || !strcasecmp(s, "MD5")) {
		*alg = REG_ALG_MD5;
		return 0;
	}
	if (!strcasecmp(s, "SHA-256")) {
		*alg = REG_ALG_SHA256;
		return 0;
	}
	return EINVAL;
}

static int reg_is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* One line into a credential; EINVAL with a reason for a bad line. */
static int reg_users_line(char *line, char *name, struct reg_cred *c,
			  const char **why)
{
	char *f[4];
	int n = 0;

	for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (n == 4 || strlen(tok) >= REG_FIELD_MAX) {
			*why = n == 4 ? "too many fields" : "field too long";
			return EINVAL;
		}
		f[n++] = tok;
	}
	memset(c, 0, sizeof(*c));
	if (n == 2) {
		strcpy(c->password, f[1]);
	} else if (n == 3) {
		size_t len = strlen(f[2]);
		if (!reg_is_hex(f[2], 32) && !reg_is_hex(f[2], 64)) {
			*why = "ha1 must be 32 (MD5) or 64 (SHA-256) hex digits";
			return EINVAL;
		}
		strcpy(c->realm, f[1]);
		for (size_t i = 0; i <= len; i++)
			c->ha1[i] = (char)tolower((unsigned char)f[2][i]);
		c->ha1_alg = len == 32 ? REG_ALG_MD5 : REG_ALG_SHA256;
	} else {
		*why = "expected \"username password\" or \"username realm ha1\"";
		return EINVAL;
	}
	strcpy(name, f[0]);
	return 0;
}

int reg_users_parse(const char *text, struct reg_users **out, char *err,
		    size_t errlen)
{
	struct reg_users *u = calloc(1, sizeof(*u));
	char *copy = strdup(text), *line, *next;
	int lineno = 0, e = 0;

	if (!u || !copy) {
		free(u);
		free(copy);
		return ENOMEM;
	}
	u->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   g_free);
	/* Every line counts, blank ones too: errors name the real line. */
	for (line = copy; line; line = next) {
		char name[REG_FIELD_MAX];
		struct reg_cred c;
		const char *why = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r#")] = '\0';
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (reg_users_line(line, name, &c, &why)) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			e = EINVAL;
			break;
		}
		if (g_hash_table_size(u->by_name) >= REG_USERS_MAX) {
			snprintf(err, errlen, "more than %d users", REG_USERS_MAX);
			e = E2BIG;
			break;
		}
		g_hash_table_replace(u->by_name, g_strdup(name),
				     g_memdup2(&c, sizeof(c)));
	}
	free(copy);
	if (e) {
		reg_users_free(u);
		return e;
	}
	*out = u;
	return 0;
}

int reg_users_load(const char *path, struct reg_users **out, char *err,
		   size_t errlen)
{
	gchar *text = NULL;
	GError *gerr = NULL;

	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		snprintf(err, errlen, "%s", gerr->message);
		g_error_free(gerr);
		return ENOENT;
	}
	int e = reg_users_parse(text, out, err, errlen);
	g_free(text);
	return e;
}

void reg_users_free(struct reg_users *u)
{
	if (!u)
		return;
	g_hash_table_destroy(u->by_name);
	free(u);
}

size_t reg_users_count(const struct reg_users *u)
{
	return g_hash_table_size(u->by_name);
}

int reg_users_find(const struct reg_users *u, const char *user,
		   struct reg_cred *cred)
{
	const struct reg_cred *c = g_hash_table_lookup(u->by_name, user);

	if (!c)
		return ENOENT;
	*cred = *c;
	return 0;
}

int reg_cred_allows(const struct reg_cred *c, enum reg_alg alg,
		    const char *realm)
{
	if (c->password[0])
		return 1;
	return c->ha1_alg == alg && !strcmp(c->realm, realm);
}

static const EVP_MD *reg_md(enum reg_alg alg)
{
	return alg == REG_ALG_MD5 ? EVP_md5() : EVP_sha256();
}

void reg_hash_hex(enum reg_alg alg, const char *data, size_t len,
		  char out[REG_HEX_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, reg_md(alg), NULL);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * n] = '\0';
}

int reg_ha1(const struct reg_cred *c, enum reg_alg alg, const char *user,
	    const char *realm, char out[REG_HEX_MAX])
{
	if (!reg_cred_allows(c, alg, realm))
		return EPERM;
	if (!c->password[0]) {
		strcpy(out, c->ha1);
		return 0;
	}
	char *a1 = g_strdup_printf("%s:%s:%s", user, realm, c->password);
	reg_hash_hex(alg, a1, strlen(a1), out);
	OPENSSL_cleanse(a1, strlen(a1));
	g_free(a1);
	return 0;
}

void reg_digest_response(enum reg_alg alg, const char *ha1,
			 const char *nonce, const char *nc, const char *cnonce,
			 const char *qop, const char *method, const char *uri,
			 char out[REG_HEX_MAX])
{
	char ha2[REG_HEX_MAX];
	char *a2 = g_strdup_printf("%s:%s", method, uri);

	reg_hash_hex(alg, a2, strlen(a2), ha2);
	g_free(a2);
	char *kd = g_strdup_printf("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce,
				   qop, ha2);
	reg_hash_hex(alg, kd, strlen(kd), out);
	g_free(kd);
}

int reg_hex_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return 0;
	/* Compare lowercase, in constant time for equal lengths. */
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(tolower((unsigned char)a[i]) ^
					tolower((unsigned char)b[i]));
	return diff == 0;
}

enum { REG_NONCE_RAW = 32, REG_NONCE_MAC = 16 };

static void reg_nonce_mac(const char *secret, const char *realm,
			  const unsigned char *head, unsigned char *mac)
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	/* HMAC over time|random|realm: a nonce is good for one realm only */
	unsigned char buf[16 + REG_FIELD_MAX];
	size_t rl = strnlen(realm, REG_FIELD_MAX - 1);
	memcpy(buf, head, 16);
	memcpy(buf + 16, realm, rl);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), buf, 16 + rl, full, &n);
	memcpy(mac, full, REG_NONCE_MAC);
}

void reg_nonce_make(const char *secret, const char *realm, uint64_t now_s,
		    char out[REG_NONCE_LEN])
{
	unsigned char raw[REG_NONCE_RAW];
	/* EVP_EncodeBlock writes 44 characters plus a NUL for 32 bytes */
	char b64[4 * ((REG_NONCE_RAW + 2) / 3) + 1];

	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)(now_s >> (56 - 8 * i));
	RAND_bytes(raw + 8, 8);
	reg_nonce_mac(secret, realm, raw, raw + 16);
	EVP_EncodeBlock((unsigned char *)b64, raw, REG_NONCE_RAW);
	/* base64 -> base64url without padding: safe inside quotes and URIs */
	for (size_t i = 0; i < REG_NONCE_LEN - 1; i++) {
		char c = b64[i];
		out[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[REG_NONCE_LEN - 1] = '\0';
}

enum reg_nonce_state reg_nonce_check(const char *secret, const char *realm,
				     const char *nonce, uint64_t now_s,
				     uint64_t ttl_s)
{
	char b64[REG_NONCE_LEN + 4];
	unsigned char raw[REG_NONCE_RAW + 3], mac[REG_NONCE_MAC];
	size_t n = strlen(nonce);

	if (n != REG_NONCE_LEN - 1)
		return REG_NONCE_BAD;
	for (size_t i = 0; i < n; i++) {
		char c = nonce[i];
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return REG_NONCE_BAD;
		b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	strcpy(b64 + n, "=");
	if (EVP_DecodeBlock(raw, (unsigned char *)b64, 44) != 33)
		return REG_NONCE_BAD;
	reg_nonce_mac(secret, realm, raw, mac);
	if (CRYPTO_memcmp(mac, raw + 16, REG_NONCE_MAC))
		return REG_NONCE_BAD;
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = (t << 8) | raw[i];
	/* up to 5 s in the future: another replica's clock may be ahead */
	if (t > now_s + 5 || (now_s > t && now_s - t > ttl_s))
		return REG_NONCE_STALE;
	return REG_NONCE_OK;
}
