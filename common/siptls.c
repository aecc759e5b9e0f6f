/* siptls: a sofia-sip certificate directory from a certificate file and a
 * key file, checked first so that a bad file is one clear line at start
 * instead of a TLS transport that silently does not exist. */
#include "siptls.h"
#include "log.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* An encrypted key would make OpenSSL prompt on the terminal: refuse. */
static int siptls_no_password(char *buf, int size, int rw, void *arg)
{
	return -1;
}

static const char *siptls_ssl_error(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "not PEM";
}

enum { SIPTLS_FILE_MAX = 1 << 20 };

/* The text of one file; logs "VAR: path: why" when it cannot be read. */
static int siptls_read(const char *mod, const char *var, const char *path,
		       char **text, gsize *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		LOG_ERROR(mod, "%s: cannot read %s: %s", var, path,
			  strerror(errno));
		return EINVAL;
	}
	buf = g_malloc(SIPTLS_FILE_MAX + 1);
	n = fread(buf, 1, SIPTLS_FILE_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > SIPTLS_FILE_MAX) {
		LOG_ERROR(mod, "%s: %s is %s", var, path,
			  n ? "larger than 1 MiB" : "empty or unreadable");
		g_free(buf);
		return EINVAL;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int siptls_check(const char *mod, const char *cert_var,
			const char *cert, gsize cert_len, const char *key_var,
			const char *key, gsize key_len)
{
	BIO *cb = BIO_new_mem_buf(cert, (int)cert_len);
	BIO *kb = BIO_new_mem_buf(key, (int)key_len);
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int err = EINVAL;

	ERR_clear_error();
	if (!cb || !kb) {
		err = ENOMEM;
		goto out;
	}
	if (!(x = PEM_read_bio_X509(cb, NULL, siptls_no_password, NULL))) {
		LOG_ERROR(mod, "%s: no PEM certificate in the file (%s)",
			  cert_var, siptls_ssl_error());
		goto out;
	}
	if (!(k = PEM_read_bio_PrivateKey(kb, NULL, siptls_no_password,
					  NULL))) {
		LOG_ERROR(mod, "%s: no unencrypted PEM private key in the file "
			  "(%s)", key_var, siptls_ssl_error());
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		LOG_ERROR(mod, "%s: the key does not belong to the certificate "
			  "of %s", key_var, cert_var);
		goto out;
	}
	err = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	return err;
}

static int siptls_write(const char *dir, const char *name, const char *a,
			gsize alen, const char *b, gsize blen)
{
	char *path = g_build_filename(dir, name, NULL);
	GString *s = g_string_new_len(a, (gssize)alen);
	GError *ge = NULL;
	int err = 0;

	if (b) {
		g_string_append_c(s, '\n');
		g_string_append_len(s, b, (gssize)blen);
	}
	if (!g_file_set_contents_full(path, s->str, (gssize)s->len,
				      G_FILE_SET_CONTENTS_NONE, 0600, &ge)) {
		LOG_ERROR("siptls", "%s: %s", path, ge->message);
		g_error_free(ge);
		err = EIO;
	}
	g_string_free(s, TRUE);
	g_free(path);
	return err;
}

int siptls_dir_new(const char *mod, const char *cert_var, const char *cert,
		   const char *key_var, const char *key, char **dirp)
{
	char *ct = NULL, *kt = NULL, *dir = NULL;
	gsize cl = 0, kl = 0;
	GError *ge = NULL;
	int err;

	if ((err = siptls_read(mod, cert_var, cert, &ct, &cl)) ||
	    (err = siptls_read(mod, key_var, key, &kt, &kl)) ||
	    (err = siptls_check(mod, cert_var, ct, cl, key_var, kt, kl)))
		goto out;
	/* mode 0700: the key is in it */
	if (!(dir = g_dir_make_tmp("rtcgate-siptls-XXXXXX", &ge))) {
		LOG_ERROR(mod, "TLS: cannot make a directory: %s", ge->message);
		g_error_free(ge);
		err = EIO;
		goto out;
	}
	/* agent.pem: key and certificate (chain); cafile.pem: the chain, so
	 * that it loads (peers' certificates are not verified against it) */
	if ((err = siptls_write(dir, "agent.pem", kt, kl, ct, cl)) ||
	    (err = siptls_write(dir, "cafile.pem", ct, cl, NULL, 0)))
		goto out;
	*dirp = dir;
	dir = NULL;
out:
	siptls_dir_free(dir);
	if (kt)
		memset(kt, 0, kl);
	g_free(kt);
	g_free(ct);
	return err;
}

void siptls_dir_free(char *dir)
{
	const char *names[] = { "agent.pem", "cafile.pem" };

	if (!dir)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *p = g_build_filename(dir, names[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(dir);
	g_free(dir);
}
