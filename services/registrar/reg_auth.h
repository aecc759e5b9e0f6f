/* reg_auth: the pieces of digest authentication (RFC 3261 22, RFC 7616,
 * RFC 8760) that are pure functions: the users file, stateless nonces and
 * the digest computation.  No I/O beyond reading the users file. */
#ifndef RTCGATE_REG_AUTH_H
#define RTCGATE_REG_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum reg_alg { REG_ALG_MD5, REG_ALG_SHA256, REG_ALG__COUNT };

enum {
	REG_HEX_MAX = 65,	/* SHA-256 in hex plus NUL */
	REG_NONCE_LEN = 44,	/* 43 base64url characters (32 bytes) plus NUL */
	REG_USERS_MAX = 1000000,
	REG_FIELD_MAX = 128,	/* longest username, realm, password */
};

struct reg_users;

/* Credentials of one user: a password, or one pre-hashed HA1 (whose
 * length says its algorithm: 32 hex digits MD5, 64 SHA-256). */
struct reg_cred {
	char password[REG_FIELD_MAX];	/* "" when only ha1 is known */
	char realm[REG_FIELD_MAX];	/* "" for password lines: any realm */
	char ha1[REG_HEX_MAX];
	enum reg_alg ha1_alg;
};

/* Parse a users file: lines "username password" or "username realm ha1";
 * '#' comments and blank lines ignored.  On error, err names the line. */
int reg_users_load(const char *path, struct reg_users **out, char *err,
		   size_t errlen);
int reg_users_parse(const char *text, struct reg_users **out, char *err,
		    size_t errlen);
void reg_users_free(struct reg_users *u);
size_t reg_users_count(const struct reg_users *u);
/* Copy the credentials of user into *cred; ENOENT when unknown. */
int reg_users_find(const struct reg_users *u, const char *user,
		   struct reg_cred *cred);
/* May this user authenticate with alg in realm? */
int reg_cred_allows(const struct reg_cred *c, enum reg_alg alg,
		    const char *realm);

const char *reg_alg_name(enum reg_alg alg);	/* "MD5", "SHA-256" */
int reg_alg_parse(const char *s, enum reg_alg *alg);	/* NULL: MD5 */

/* Nonce: base64url(time | random | HMAC-SHA256(secret, time|random|realm))
 * so that any registrar sharing the secret can check it, with no state. */
void reg_nonce_make(const char *secret, const char *realm, uint64_t now_s,
		    char out[REG_NONCE_LEN]);
enum reg_nonce_state { REG_NONCE_OK, REG_NONCE_STALE, REG_NONCE_BAD };
enum reg_nonce_state reg_nonce_check(const char *secret, const char *realm,
				     const char *nonce, uint64_t now_s,
				     uint64_t ttl_s);

/* Hex digest helpers. */
void reg_hash_hex(enum reg_alg alg, const char *data, size_t len,
		  char out[REG_HEX_MAX]);
/* HA1 for the credentials in realm (from the password or the stored ha1). */
int reg_ha1(const struct reg_cred *c, enum reg_alg alg, const char *user,
	    const char *realm, char out[REG_HEX_MAX]);
/* The expected response for qop=auth. */
void reg_digest_response(enum reg_alg alg, const char *ha1,
			 const char *nonce, const char *nc, const char *cnonce,
			 const char *qop, const char *method, const char *uri,
			 char out[REG_HEX_MAX]);
/* Constant-time comparison of two hex strings. */
int reg_hex_equal(const char *a, const char *b);

#endif
