/* srtp_ossl: OpenSSL (libcrypto) primitives for libsrtp2.
 *
 * Debian's libsrtp2 does its crypto through NSS, whose softoken walks a
 * list of every live key object on each encrypt or decrypt: an SRTP
 * operation costs 1.3 us with one call's keys alive and 70 us with 4,000
 * (docs/BENCHMARKS.md).  libsrtp lets an application replace the
 * implementation of a cipher or auth type (srtp_replace_cipher_type,
 * srtp_replace_auth_type); we keep all of libsrtp (key derivation, replay
 * window, rollover, packet formats) and give it these primitives instead:
 *
 *   SRTP_AES_ICM_128, SRTP_AES_ICM_256   AES counter mode (EVP aes-*-ctr)
 *   SRTP_AES_GCM_128, SRTP_AES_GCM_256   AES-GCM with 8- or 16-byte tags
 *   SRTP_HMAC_SHA1                       HMAC-SHA1, truncated tags
 *
 * Each context is allocated and keyed once (srtp_create, or the first
 * packet of a new SSRC); protect and unprotect allocate nothing.
 *
 * libsrtp runs each replacement against its own test vectors and against
 * those of the type it replaces before accepting it, so a wrong
 * implementation fails the install instead of corrupting media.
 */
#ifndef RTCGATE_SRTP_OSSL_H
#define RTCGATE_SRTP_OSSL_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/* After srtp_init(), before the sessions that should use it are created
 * (a session keeps the implementation it was created with).  Process-wide
 * and not thread-safe against concurrent srtp_create: call it once at
 * start.  0, or EIO when libsrtp refused a replacement (its self-test
 * failed); the types replaced before the failure stay replaced. */
int srtp_ossl_install(void);

/* Our implementation of a cipher type (SRTP_AES_ICM_128, ...) or NULL;
 * for tests that drive a type directly (srtp_cipher_type_test). */
const srtp_cipher_type_t *srtp_ossl_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_ossl_auth_type(void);

#endif
