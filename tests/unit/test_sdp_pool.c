/* Unit tests for mediad/sdp's reused sessions: sdp_session_parse clears
 * only what the previous parse used, so a reused session must still end
 * every parse exactly as a fresh zeroed one would (memcmp of the whole
 * struct), also after failed and damaged parses; and the per-thread pool
 * behind sdp_session_acquire hands out distinct sessions, per thread, and
 * frees them when the thread exits (the sanitizer build checks for leaks).
 * Run with a name filter as argv[1]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "mediad/sdp.h"

#define L(s) s "\r\n"

/* Every list the parser keeps, in two m= sections. */
static const char big_offer[] =
	L("v=0")
	L("o=- 42 2 IN IP4 127.0.0.1")
	L("s=-")
	L("t=0 0")
	L("a=group:BUNDLE 0 1")
	L("a=ice-ufrag:Wq9h")
	L("a=ice-pwd:7IFkxN8b0gQv7Ez4ChQb0Xk3")
	L("a=fingerprint:sha-256 3B:5C:9F:10:AA:47:E2:61:0D:8B:7C:34:F1:22:"
	  "9E:5A:6B:0C:D3:48:E7:19:A2:5F:83:6D:C4:11:90:2E:BF:07")
	L("a=setup:actpass")
	L("m=audio 51472 UDP/TLS/RTP/SAVPF 111 0 8 126")
	L("c=IN IP4 198.51.100.23")
	L("a=candidate:1 1 udp 2122260223 192.168.1.34 51472 typ host")
	L("a=candidate:2 1 udp 1686052607 198.51.100.23 51472 typ srflx"
	  " raddr 192.168.1.34 rport 51472")
	L("a=mid:0")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=rtcp-mux")
	L("a=rtpmap:111 opus/48000/2")
	L("a=rtcp-fb:111 transport-cc")
	L("a=fmtp:111 minptime=10;useinbandfec=1")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6")
	L("m=video 9 RTP/SAVP 96 97")
	L("c=IN IP4 0.0.0.0")
	L("a=mid:1")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPyw"
	  "jNWhcYD0mXXtxaVBR|2^20|1:4")
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ"
	  "+PSdFcGdUJShpX1Zj")
	L("a=rtpmap:96 VP8/90000")
	L("a=rtcp-fb:* nack")
	L("a=rtcp-fb:96 nack pli")
	L("a=rtpmap:97 rtx/90000")
	L("a=fmtp:97 apt=96")
	L("a=ssrc-group:FID 1102390212 3402951184")
	L("a=ssrc:1102390212 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:3402951184 cname:Yq1d8XU3rFbF4rJ6");

static const char small_offer[] =
	L("v=0")
	L("o=- 7 1 IN IP4 192.0.2.10")
	L("s=call")
	L("c=IN IP4 192.0.2.10")
	L("t=0 0")
	L("m=audio 40000 RTP/AVP 0")
	L("a=sendrecv");

struct fx {
	struct sdp_session *s, *fresh, *zero;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sdp_session_new(&f->s) || sdp_session_new(&f->fresh) ||
	    sdp_session_new(&f->zero))
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	sdp_session_free(f->s);
	sdp_session_free(f->fresh);
	sdp_session_free(f->zero);
	free(f);
	return 0;
}

/* text parsed into the reused f->s equals text parsed into a new one */
static void same_as_fresh(struct fx *f, const char *text, size_t n)
{
	struct sdp_session *fresh = NULL;
	int e1, e2;

	assert_int_equal(sdp_session_new(&fresh), 0);
	e1 = sdp_session_parse(f->s, text, n, NULL);
	e2 = sdp_session_parse(fresh, text, n, NULL);
	assert_int_equal(e1, e2);
	assert_memory_equal(f->s, fresh, sizeof(*fresh));
	if (e1)		/* a failed parse leaves nothing behind */
		assert_memory_equal(f->s, f->zero, sizeof(*f->zero));
	sdp_session_free(fresh);
}

static void test_big_then_small(void **state)
{
	struct fx *f = *state;

	assert_int_equal(sdp_session_parse(f->s, big_offer,
					   strlen(big_offer), NULL), 0);
	/* the big one really filled every list */
	assert_int_equal(f->s->nmedia, 2);
	assert_int_equal(f->s->media[0].ncands, 2);
	assert_int_equal(f->s->media[0].nextmaps, 1);
	assert_int_equal(f->s->media[1].ncrypto, 2);
	assert_int_equal(f->s->media[1].nssrc_groups, 1);
	assert_int_equal(f->s->media[1].codecs[0].nfb, 2);
	same_as_fresh(f, small_offer, strlen(small_offer));
	assert_int_equal(f->s->nmedia, 1);
	assert_int_equal(f->s->media[0].ncrypto, 0);
	assert_string_equal(f->s->name, "call");
}

/* A crypto line that fails after its fields were filled in, at the end of
 * an otherwise good body: nothing of it may stay in the reused session. */
static void test_failed_crypto_leaves_nothing(void **state)
{
	struct fx *f = *state;
	char *bad = malloc(sizeof(big_offer) + 200);
	size_t n;

	assert_non_null(bad);
	n = (size_t)snprintf(bad, sizeof(big_offer) + 200, "%s%s", big_offer,
			     L("a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:"
			       "QUJDRA==|2^20 UNENCRYPTED_SRTCP"
			       "_AND_A_SESSION_PARAMETER_FAR_FAR_FAR_TOO_LONG_TO_KEEP"));
	assert_int_equal(sdp_session_parse(f->s, bad, n, NULL), SDP_ECRYPTO);
	assert_memory_equal(f->s, f->zero, sizeof(*f->zero));
	same_as_fresh(f, bad, n);
	/* too long a key: fails after suite and lifetime were copied */
	n = (size_t)snprintf(bad, sizeof(big_offer) + 200, "%s%s", big_offer,
			     "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:"
			     "QUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRA"
			     "QUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRAQUJDRA"
			     "QUJDRAQUJDRA|2^20\r\n");
	assert_int_equal(sdp_session_parse(f->s, bad, n, NULL), SDP_ECRYPTO);
	assert_memory_equal(f->s, f->zero, sizeof(*f->zero));
	same_as_fresh(f, small_offer, strlen(small_offer));
	free(bad);
}

/* Damaged copies of the big offer, one after another into one session:
 * each result matches a fresh parse of the same bytes. */
static void test_damaged_sequence(void **state)
{
	struct fx *f = *state;
	static const char bytes[] = " :/0123456789am=\r\n-x";
	size_t n = strlen(big_offer);
	char *buf = malloc(n);
	uint32_t rnd = 7;
	int ok = 0;

	assert_non_null(buf);
	for (int iter = 0; iter < 400; iter++) {
		memcpy(buf, big_offer, n);
		for (int k = 0; k < 1 + iter % 3; k++) {
			rnd = rnd * 1103515245u + 12345u;
			buf[(rnd >> 8) % n] = bytes[(rnd >> 4) %
						    (sizeof(bytes) - 1)];
		}
		if (!sdp_session_parse(f->fresh, buf, n, NULL))
			ok++;
		same_as_fresh(f, buf, n);
		if (iter % 5 == 0)	/* and a truncated good one */
			same_as_fresh(f, big_offer, (rnd >> 3) % n);
	}
	free(buf);
	print_message("%d of 400 damaged offers parsed\n", ok);
	assert_true(ok > 0 && ok < 400);
}

struct tres {
	struct sdp_session *a, *b, *c, *again;
};

static void *pool_thread(void *arg)
{
	struct tres *r = arg;

	if (sdp_session_acquire(&r->a) || sdp_session_acquire(&r->b) ||
	    sdp_session_acquire(&r->c))
		return NULL;
	/* a used pooled session comes back cleared */
	(void)sdp_session_parse(r->a, big_offer, strlen(big_offer), NULL);
	sdp_session_release(r->c);
	sdp_session_release(r->b);
	sdp_session_release(r->a);
	if (sdp_session_acquire(&r->again))
		return NULL;
	sdp_session_release(r->again);
	return r;
}

static void test_pool(void **state)
{
	struct fx *f = *state;
	struct sdp_session *a = NULL, *b = NULL, *c = NULL;
	struct tres r = { 0 };
	pthread_t th;
	void *ret = NULL;

	assert_int_equal(sdp_session_acquire(NULL), SDP_EINVAL);
	assert_int_equal(sdp_session_acquire(&a), 0);
	assert_int_equal(sdp_session_acquire(&b), 0);
	assert_int_equal(sdp_session_acquire(&c), 0);
	assert_true(a != b && b != c && a != c);
	assert_int_equal(sdp_session_parse(a, big_offer, strlen(big_offer),
					   NULL), 0);
	sdp_session_release(c);	/* the third was heap-allocated: freed */
	sdp_session_release(a);
	sdp_session_release(NULL);
	assert_int_equal(sdp_session_acquire(&c), 0);
	assert_ptr_equal(c, a);	/* the free slot, reused */
	assert_memory_equal(c, f->zero, sizeof(*c));	/* and cleared */

	assert_int_equal(pthread_create(&th, NULL, pool_thread, &r), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_ptr_equal(ret, &r);
	assert_true(r.a != r.b && r.b != r.c && r.a != r.c);
	assert_ptr_equal(r.again, r.a);
	/* the other thread had its own sessions */
	assert_true(r.a != a && r.a != b && r.b != a && r.b != b);
	sdp_session_release(c);
	sdp_session_release(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
		T(test_big_then_small),
		T(test_failed_crypto_leaves_nothing),
		T(test_damaged_sequence),
		T(test_pool),
#undef T
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
