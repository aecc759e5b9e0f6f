/* siptls: SIP over TLS for sofia-sip's transports from two PEM files.
 *
 * sofia-sip 1.12 takes its TLS identity from a directory (TPTAG_CERTIFICATE)
 * holding agent.pem (key and certificate) and cafile.pem (CAs; without a
 * loadable one the TLS transport is not created at all).  Operators have a
 * certificate file and a key file, so siptls_dir_new() checks them with
 * OpenSSL (readable, parseable, the key matches) and writes such a
 * directory, private to the process, for nua_create() to read.  sofia
 * reads it when the transport is bound, so it can go right after. */
#ifndef RTCGATE_SIPTLS_H
#define RTCGATE_SIPTLS_H

/* Checks cert (PEM, chain allowed) and key (PEM, unencrypted) and makes
 * the directory; *dirp (owned) is its path.  0, or EINVAL with one error
 * line logged under module mod naming the variable (cert_var, key_var)
 * at fault, or an errno of the file system. */
int siptls_dir_new(const char *mod, const char *cert_var, const char *cert,
		   const char *key_var, const char *key, char **dirp);

/* Removes the directory and its files and frees dir (NULL is fine). */
void siptls_dir_free(char *dir);

#endif
