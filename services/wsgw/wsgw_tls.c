/* wsgw_tls: a self-signed certificate made at start when the operator has
 * configured none, so `make run` serves HTTPS/WSS with no setup.  Browsers
 * warn about it; production sets RTCGATE_TLS_CERT and RTCGATE_TLS_KEY. */
#include "wsgw.h"
#include "log.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static char *wsgw_tls_bio_text(BIO *bio)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	char *out = n > 0 ? malloc((size_t)n + 1) : NULL;

	if (out) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	return out;
}

static int wsgw_tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return EINVAL;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : EINVAL;
}

static X509 *wsgw_tls_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	char san[300];

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"rtcgate", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1", cn);
	if (wsgw_tls_add_ext(x, NID_subject_alt_name, san) ||
	    !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int wsgw_tls_self_signed(const char *cn, char **cert_pem, char **key_pem)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? wsgw_tls_cert(key, cn) : NULL;
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
	int err = EIO;

	if (!x || !cb || !kb || !PEM_write_bio_X509(cb, x) ||
	    !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	*cert_pem = wsgw_tls_bio_text(cb);
	*key_pem = wsgw_tls_bio_text(kb);
	if (*cert_pem && *key_pem) {
		err = 0;
	} else {
		free(*cert_pem);
		free(*key_pem);
		err = ENOMEM;
	}
out:
	if (err)
		LOG_ERROR("tls", "cannot make a self-signed certificate");
	BIO_free(cb);
	BIO_free(kb);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}
