/* Unit tests for common/siptls.c: a certificate file and a key file
 * checked and turned into sofia-sip's certificate directory.  The key
 * pairs and certificates are made here with OpenSSL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "siptls.h"

#include <errno.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct files {
	char dir[64];
	char cert[96], key[96], key2[96], garbage[96], empty[96];
};

static EVP_PKEY *make_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void write_key(const char *path, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL),
			 1);
	fclose(f);
}

/* A self-signed certificate for k. */
static void write_cert(const char *path, EVP_PKEY *k)
{
	X509 *x = X509_new();
	FILE *f = fopen(path, "w");

	assert_non_null(x);
	assert_non_null(f);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
}

static int setup(void **state)
{
	struct files *fs = calloc(1, sizeof(*fs));
	EVP_PKEY *k = make_key(), *k2 = make_key();
	FILE *f;

	snprintf(fs->dir, sizeof(fs->dir), "/tmp/test_siptls_XXXXXX");
	assert_non_null(mkdtemp(fs->dir));
	snprintf(fs->cert, sizeof(fs->cert), "%s/c.pem", fs->dir);
	snprintf(fs->key, sizeof(fs->key), "%s/k.pem", fs->dir);
	snprintf(fs->key2, sizeof(fs->key2), "%s/k2.pem", fs->dir);
	snprintf(fs->garbage, sizeof(fs->garbage), "%s/g.pem", fs->dir);
	snprintf(fs->empty, sizeof(fs->empty), "%s/e.pem", fs->dir);
	write_cert(fs->cert, k);
	write_key(fs->key, k);
	write_key(fs->key2, k2);
	f = fopen(fs->garbage, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
	      "-----END CERTIFICATE-----\n", f);
	fclose(f);
	fclose(fopen(fs->empty, "w"));
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	*state = fs;
	return 0;
}

static int teardown(void **state)
{
	struct files *fs = *state;
	const char *all[] = { fs->cert, fs->key, fs->key2, fs->garbage,
			      fs->empty };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		unlink(all[i]);
	rmdir(fs->dir);
	free(fs);
	return 0;
}

static int dir_new(const char *cert, const char *key, char **dir)
{
	return siptls_dir_new("test", "CERT", cert, "KEY", key, dir);
}

static void test_good_pair(void **state)
{
	struct files *fs = *state;
	char *dir = NULL, path[256], *text = NULL;
	struct stat st;

	assert_int_equal(dir_new(fs->cert, fs->key, &dir), 0);
	assert_non_null(dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);	/* the key is in it */
	snprintf(path, sizeof(path), "%s/agent.pem", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "PRIVATE KEY-----"));
	assert_non_null(strstr(text, "BEGIN CERTIFICATE-----"));
	g_free(text);
	snprintf(path, sizeof(path), "%s/cafile.pem", dir);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "BEGIN CERTIFICATE-----"));
	assert_null(strstr(text, "PRIVATE KEY"));
	g_free(text);
	snprintf(path, sizeof(path), "%s", dir);
	siptls_dir_free(dir);
	assert_int_equal(stat(path, &st), -1);	/* gone, files and all */
	assert_int_equal(errno, ENOENT);
}

static void test_bad_files(void **state)
{
	struct files *fs = *state;
	char *dir = (char *)0x1;	/* untouched on failure */

	assert_int_equal(dir_new("/nonexistent/c.pem", fs->key, &dir), EINVAL);
	assert_int_equal(dir_new(fs->cert, "/nonexistent/k.pem", &dir), EINVAL);
	assert_int_equal(dir_new(fs->empty, fs->key, &dir), EINVAL);
	assert_int_equal(dir_new(fs->garbage, fs->key, &dir), EINVAL);
	assert_int_equal(dir_new(fs->key, fs->key, &dir), EINVAL);
	assert_int_equal(dir_new(fs->cert, fs->cert, &dir), EINVAL);
	assert_int_equal(dir_new(fs->cert, fs->key2, &dir), EINVAL);
	assert_ptr_equal(dir, (char *)0x1);
	siptls_dir_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_pair),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
