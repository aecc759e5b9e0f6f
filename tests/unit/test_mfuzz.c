/* Mutation tests of mediad's offer/answer surface: real offers (Chrome
 * audio+video with BUNDLE, Firefox, a SIP offer with video and a=crypto,
 * re-offers) mutated tens of thousands of times (byte flips, dropped,
 * repeated and swapped lines, truncations, huge numbers, extra m=
 * sections, BUNDLE naming unknown mids, odd a=crypto keys, lifetimes and
 * MKIs, odd candidates) and fed through mneg_create, mneg_answer and
 * mneg_update, and through msdes and icecand on their own.  What is
 * checked: no crash, no leak, no undefined behaviour (run the SAN build:
 * build/san/tests/test_mfuzz), and a refusal always carries a reason.
 * The seed is fixed so a failure reproduces; MFUZZ_ITERS scales the runs.
 * argv[1] is an optional name filter ("*sdes*"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "mediad/icecand.h"
#include "mediad/msess.h"

#define L(s) s "\r\n"
#define FP "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	   "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
#define ICE L("a=ice-ufrag:Wq9h") L("a=ice-pwd:7IFkxN8b0gQv7Ez4ChQb0Xk3") \
	L("a=ice-options:trickle") L("a=fingerprint:sha-256 " FP)
#define KEY30 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define KEY44 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ="

/* Chrome: audio, VP8 video with rtx, a data channel, one BUNDLE. */
static const char chrome_av[] =
	L("v=0") L("o=- 4611731400430051336 2 IN IP4 127.0.0.1") L("s=-")
	L("t=0 0") L("a=group:BUNDLE 0 1 2") L("a=extmap-allow-mixed")
	L("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126")
	L("c=IN IP4 0.0.0.0") L("a=rtcp:9 IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:0")
	L("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level")
	L("a=sendrecv") L("a=rtcp-mux") L("a=rtcp-rsize")
	L("a=rtpmap:111 opus/48000/2") L("a=rtcp-fb:111 transport-cc")
	L("a=fmtp:111 minptime=10;useinbandfec=1")
	L("a=rtpmap:63 red/48000/2") L("a=fmtp:63 111/111")
	L("a=rtpmap:9 G722/8000") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000") L("a=rtpmap:13 CN/8000")
	L("a=rtpmap:110 telephone-event/48000")
	L("a=rtpmap:126 telephone-event/8000")
	L("a=candidate:2999745851 1 udp 2122260223 127.0.0.1 54321 typ host"
	  " generation 0 network-id 1")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6")
	L("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103")
	L("c=IN IP4 0.0.0.0") L("a=rtcp:9 IN IP4 0.0.0.0") ICE
	L("a=setup:actpass") L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
	L("a=rtcp-rsize") L("a=rtpmap:96 VP8/90000")
	L("a=rtcp-fb:96 goog-remb") L("a=rtcp-fb:96 ccm fir")
	L("a=rtcp-fb:96 nack") L("a=rtcp-fb:96 nack pli")
	L("a=rtpmap:97 rtx/90000") L("a=fmtp:97 apt=96")
	L("a=rtpmap:102 H264/90000") L("a=rtcp-fb:102 nack pli")
	L("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	  "profile-level-id=42001f")
	L("a=rtpmap:103 rtx/90000") L("a=fmtp:103 apt=102")
	L("a=ssrc-group:FID 1102390212 3402951184")
	L("a=ssrc:1102390212 cname:Yq1d8XU3rFbF4rJ6")
	L("a=ssrc:3402951184 cname:Yq1d8XU3rFbF4rJ6")
	L("m=application 9 UDP/DTLS/SCTP webrtc-datachannel")
	L("c=IN IP4 0.0.0.0") ICE L("a=setup:actpass") L("a=mid:2")
	L("a=sctp-port:5000");

/* Firefox: fingerprint and BUNDLE at session level, uppercase UDP, a TCP
 * and an srflx candidate, end-of-candidates. */
static const char firefox_av[] =
	L("v=0")
	L("o=mozilla...THIS_IS_SDPARTA-99.0 7193287395917285413 0 IN IP4"
	  " 0.0.0.0")
	L("s=-") L("t=0 0") L("a=fingerprint:sha-256 " FP)
	L("a=group:BUNDLE 0 1") L("a=ice-options:trickle")
	L("m=audio 50522 UDP/TLS/RTP/SAVPF 109 9 0 8 101")
	L("c=IN IP4 203.0.113.50")
	L("a=candidate:0 1 UDP 2122252543 10.0.0.12 50522 typ host")
	L("a=candidate:2 1 TCP 2105524479 10.0.0.12 9 typ host tcptype"
	  " active")
	L("a=candidate:1 1 UDP 1686052863 203.0.113.50 50522 typ srflx"
	  " raddr 10.0.0.12 rport 50522")
	L("a=sendrecv") L("a=end-of-candidates")
	L("a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level")
	L("a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1")
	L("a=fmtp:101 0-15") L("a=ice-pwd:2e8c1b5f9a7d4c3e6b0a1f2d3c4b5a69")
	L("a=ice-ufrag:8f1c2b3a") L("a=mid:0") L("a=rtcp-mux")
	L("a=rtpmap:109 opus/48000/2") L("a=rtpmap:9 G722/8000/1")
	L("a=rtpmap:0 PCMU/8000") L("a=rtpmap:8 PCMA/8000")
	L("a=rtpmap:101 telephone-event/8000/1") L("a=setup:actpass")
	L("a=ssrc:3363578911 cname:{0f2f3e55}")
	L("m=video 9 UDP/TLS/RTP/SAVPF 120 124 126")
	L("c=IN IP4 0.0.0.0") L("a=sendrecv")
	L("a=fmtp:126 profile-level-id=42e01f;packetization-mode=1")
	L("a=fmtp:124 apt=120") L("a=ice-pwd:2e8c1b5f9a7d4c3e6b0a1f2d3c4b5a69")
	L("a=ice-ufrag:8f1c2b3a") L("a=mid:1") L("a=rtcp-fb:120 nack")
	L("a=rtcp-fb:120 nack pli") L("a=rtcp-fb:120 ccm fir")
	L("a=rtcp-mux") L("a=rtcp-rsize") L("a=rtpmap:120 VP8/90000")
	L("a=rtpmap:124 rtx/90000") L("a=rtpmap:126 H264/90000")
	L("a=setup:actpass") L("a=ssrc:2924178225 cname:{0f2f3e55}")
	L("a=ssrc:1480625112 cname:{0f2f3e55}")
	L("a=ssrc-group:FID 2924178225 1480625112");

/* A PBX: audio and VP8 video, SDES-SRTP offered on both. */
static const char sip_av_crypto[] =
	L("v=0") L("o=pbx 7 7 IN IP4 127.0.0.1") L("s=-")
	L("c=IN IP4 127.0.0.1") L("t=0 0")
	L("m=audio 30000 RTP/SAVP 0 8 101") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:8 PCMA/8000") L("a=rtpmap:101 telephone-event/8000")
	L("a=fmtp:101 0-16") L("a=ptime:20")
	L("a=crypto:1 AEAD_AES_256_GCM inline:" KEY44)
	L("a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4")
	L("a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY30)
	L("a=sendrecv") L("m=video 30002 RTP/AVP 100 126")
	L("a=rtpmap:100 VP8/90000") L("a=rtcp-fb:100 nack")
	L("a=rtcp-fb:100 nack pli") L("a=rtcp-fb:100 ccm fir")
	L("a=rtpmap:126 H264/90000")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30)
	L("a=sendrecv");

/* The PBX's answer to our offer, with a key for our tag 1 or 2. */
static const char sip_answer[] =
	L("v=0") L("o=pbx 1 1 IN IP4 127.0.0.1") L("s=-")
	L("c=IN IP4 127.0.0.1") L("t=0 0")
	L("m=audio 30000 RTP/AVP 0 101") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000") L("a=sendrecv")
	L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30)
	L("m=video 30002 RTP/AVP 100") L("a=rtpmap:100 VP8/90000")
	L("a=rtcp-fb:100 nack pli") L("a=sendrecv");

/* The browser's answer to our offer. */
static const char web_answer[] =
	L("v=0") L("o=- 9 2 IN IP4 127.0.0.1") L("s=-") L("t=0 0")
	L("a=group:BUNDLE 0 1") L("m=audio 9 UDP/TLS/RTP/SAVPF 0 101")
	L("c=IN IP4 0.0.0.0") ICE L("a=setup:active") L("a=mid:0")
	L("a=sendrecv") L("a=rtcp-mux") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000") L("a=ssrc:11 cname:x")
	L("m=video 9 UDP/TLS/RTP/SAVPF 100") L("c=IN IP4 0.0.0.0") ICE
	L("a=setup:active") L("a=mid:1") L("a=sendrecv") L("a=rtcp-mux")
	L("a=rtpmap:100 VP8/90000") L("a=rtcp-fb:100 nack pli")
	L("a=ssrc:22 cname:x");

/* A browser re-offer: hold, ICE restart, video dropped. */
static const char web_reoffer[] =
	L("v=0") L("o=- 4611731400430051336 3 IN IP4 127.0.0.1") L("s=-")
	L("t=0 0") L("a=group:BUNDLE 0")
	L("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 126") L("c=IN IP4 0.0.0.0")
	L("a=ice-ufrag:Zz99") L("a=ice-pwd:8IFkxN8b0gQv7Ez4ChQb0Xk4")
	L("a=fingerprint:sha-256 " FP) L("a=setup:actpass") L("a=mid:0")
	L("a=sendonly") L("a=rtcp-mux") L("a=rtpmap:111 opus/48000/2")
	L("a=rtpmap:0 PCMU/8000") L("a=rtpmap:126 telephone-event/8000")
	L("a=ssrc:2581832418 cname:Yq1d8XU3rFbF4rJ6")
	L("m=video 0 UDP/TLS/RTP/SAVPF 96") L("a=mid:1")
	L("a=rtpmap:96 VP8/90000");

/* A SIP re-offer: a new key (re-key), video on hold. */
static const char sip_reoffer[] =
	L("v=0") L("o=pbx 7 8 IN IP4 127.0.0.1") L("s=-")
	L("c=IN IP4 127.0.0.1") L("t=0 0")
	L("m=audio 30000 RTP/SAVP 0 101") L("a=rtpmap:0 PCMU/8000")
	L("a=rtpmap:101 telephone-event/8000")
	L("a=crypto:7 AEAD_AES_256_GCM inline:" KEY44) L("a=sendrecv")
	L("m=video 30002 RTP/AVP 100") L("a=rtpmap:100 VP8/90000")
	L("a=sendonly");

/* Lines a mutation may insert: limits, odd values, unknown references. */
static const char *const hostile[] = {
	"m=audio 99999999999999999999 RTP/AVP 0",
	"m=audio 65535/65535 RTP/AVP 0 0 0 0 0",
	"m=video 9 UDP/TLS/RTP/SAVPF 96",
	"m=video 30004 RTP/AVP 96",
	"m=audio 9 UDP/TLS/RTP/SAVPF 111",
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
	"m=audio 0 RTP/AVP 0",
	"m=text 9 RTP/AVP 98",
	"a=group:BUNDLE 0 1 2 3 4 5 zz unknown",
	"a=group:BUNDLE",
	"a=group:BUNDLE 7",
	"a=group:BUNDLE 1 0",
	"a=group:LS 0 1",
	"a=mid:",
	"a=mid:0",
	"a=mid:1",
	"a=mid:999999999999999999999999999999999999999999999999999999999999"
	"99999999",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^99999|1:4",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
	"|2^48|4294967296:4294967296",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:0",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "||",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|",
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 ";inline:" KEY30,
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=99 "
	"UNENCRYPTED_SRTP",
	"a=crypto:4294967296 AES_CM_128_HMAC_SHA1_80 inline:" KEY30,
	"a=crypto:4294967295 AES_CM_128_HMAC_SHA1_32 inline:" KEY30,
	"a=crypto:0 AES_256_CM_HMAC_SHA1_80 inline:" KEY44,
	"a=crypto:1 AEAD_AES_128_GCM inline:!!!!",
	"a=crypto:1 AEAD_AES_128_GCM inline:",
	"a=crypto:1 AEAD_AES_128_GCM inline:A",
	"a=crypto:1 AEAD_AES_128_GCM inline:AAAA====",
	"a=crypto:1 AEAD_AES_256_GCM inline:" KEY30,
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY44,
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 notinline:" KEY30,
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80",
	"a=crypto:1",
	"a=crypto:-1 F8_128_HMAC_SHA1_80 inline:" KEY30,
	"a=candidate:1 1 udp 99999999999 1.2.3.4 70000 typ host",
	"a=candidate:1 2 tcp 1 ::1 1 typ relay raddr x rport 99999",
	"a=candidate:x 1 udp 1 1.2.3.4 1 typ bogus generation 0 ufrag x",
	"a=candidate:1 1 udp 1 1.2.3.4 0 typ host",
	"a=candidate:1 65536 udp 1 1.2.3.4 1 typ host",
	"a=candidate:1 1 udp 1 abcd.local 9 typ host",
	"a=candidate:1 1 udp 1 1.2.3.4 9 typ srflx raddr 0.0.0.0 rport 0",
	"a=candidate:1 1 udp 1 1.2.3.4 9 typ",
	"a=candidate:",
	"a=end-of-candidates",
	"a=ssrc:4294967295 cname:x",
	"a=ssrc:99999999999 cname:x",
	"a=ssrc:0",
	"a=ssrc-group:FID 1 2 3 4 5 6",
	"a=ssrc-group:FID",
	"a=rtpmap:96 VP8/4294967296",
	"a=rtpmap:96 VP8/90000",
	"a=rtpmap:0 PCMU/0",
	"a=rtpmap:111 opus/48000/255",
	"a=rtpmap:127 telephone-event/0",
	"a=rtpmap:97 rtx/90000",
	"a=fmtp:97 apt=97",
	"a=fmtp:96 apt=4294967296",
	"a=rtcp-fb:* nack",
	"a=rtcp-fb:96 nack nack nack nack nack nack nack nack nack",
	"a=ptime:4294967295",
	"a=maxptime:0",
	"a=setup:holdconn",
	"a=setup:",
	"a=ice-ufrag:",
	"a=ice-pwd:x",
	"a=ice-lite",
	"a=fingerprint:sha-1 xx",
	"a=fingerprint:sha-256",
	"c=IN IP6 ::1",
	"c=IN IP4 999.1.1.1",
	"c=IN IP4 host.example",
	"c=IN IP4 0.0.0.0",
	"a=inactive",
	"a=sendonly",
	"a=recvonly",
	"a=rtcp:0",
	"a=rtcp:65536 IN IP4 1.2.3.4",
	"a=rtcp-mux",
	"a=extmap:1 urn:x",
	"a=extmap:99999999999/sendrecv urn:x",
	"o=- 18446744073709551616 18446744073709551616 IN IP4 1.2.3.4",
	"v=0",
	"b=AS:99999999999999",
};

static const char *const huge[] = {
	"4294967296", "18446744073709551616", "-1", "0", "65536",
	"99999999999999999999999999999999", "2147483648", "",
};

static struct mediad md;
static unsigned long iters = 1;	/* MFUZZ_ITERS scale */

static uint32_t rnd(unsigned *seed, uint32_t n)
{
	return n ? (uint32_t)rand_r(seed) % n : 0;
}

/* Split text into lines (without CRLF) as new strings. */
static GPtrArray *lines_of(const char *text)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	char **v = g_strsplit(text, "\r\n", -1);

	for (char **p = v; *p; p++)
		if (**p)
			g_ptr_array_add(a, g_strdup(*p));
	g_strfreev(v);
	return a;
}

/* Replace one run of digits in line by one of huge[]. */
static char *numbers_huge(const char *line, unsigned *seed)
{
	size_t n = strlen(line), at, end;

	if (!n)
		return g_strdup(line);
	at = rnd(seed, (uint32_t)n);
	while (at < n && (line[at] < '0' || line[at] > '9'))
		at++;
	if (at == n)
		return g_strdup(line);
	end = at;
	while (end < n && line[end] >= '0' && line[end] <= '9')
		end++;
	return g_strdup_printf("%.*s%s%s", (int)at, line,
			       huge[rnd(seed, G_N_ELEMENTS(huge))], line + end);
}

/* One to four line-level changes, then sometimes byte-level ones. */
static char *mutate(const char *text, unsigned *seed)
{
	GPtrArray *a = lines_of(text);
	unsigned nops = 1 + rnd(seed, 4);
	GString *g;

	for (unsigned i = 0; i < nops && a->len; i++) {
		guint at = rnd(seed, a->len), to = rnd(seed, a->len + 1);
		char *l = a->pdata[at], *t;

		switch (rnd(seed, 7)) {
		case 0:
			g_ptr_array_remove_index(a, at);
			break;
		case 1:
			g_ptr_array_insert(a, (gint)to, g_strdup(l));
			break;
		case 2:
		case 3:
			g_ptr_array_insert(a, (gint)to, g_strdup(
				hostile[rnd(seed, G_N_ELEMENTS(hostile))]));
			break;
		case 4:
			t = numbers_huge(l, seed);
			g_free(l);
			a->pdata[at] = t;
			break;
		case 5:
			l[rnd(seed, (uint32_t)strlen(l) + 1)] = '\0';
			break;
		default:
			to = rnd(seed, a->len);
			a->pdata[at] = a->pdata[to];
			a->pdata[to] = l;
			break;
		}
	}
	g = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(g, "%s\r\n", (char *)a->pdata[i]);
	g_ptr_array_free(a, TRUE);
	if (g->len && rnd(seed, 3) == 0) {
		unsigned nb = 1 + rnd(seed, 4);

		for (unsigned i = 0; i < nb; i++) {
			static const char odd[] = " :/\r\n09aZ|\x80\xff\t=";
			size_t at = rnd(seed, (uint32_t)g->len);

			if (rnd(seed, 2))
				g->str[at] ^= (char)(1u << rnd(seed, 8));
			else
				g->str[at] = odd[rnd(seed, sizeof(odd) - 1)];
		}
	}
	if (g->len && rnd(seed, 10) == 0)
		g_string_truncate(g, rnd(seed, (uint32_t)g->len));
	return g_string_free(g, FALSE);	/* NUL inside: a shorter body */
}

static int setup(void **st)
{
	const char *e = getenv("MFUZZ_ITERS");

	(void)st;
	if (e && atol(e) > 0)
		iters = (unsigned long)atol(e);
	/* one line per refused input would bury a failure */
	log_init("mfuzz", LOG_LVL_ERROR, LOG_FMT_TEXT);
	md.cfg.media_ip = "127.0.0.1";
	md.cfg.max_transcode = 1000000;
	md.cfg.opus_complexity = 1;
	snprintf(md.fingerprint, sizeof(md.fingerprint), "sha-256 %s", FP);
	if (srtpx_global_init())
		return -1;
	return dtls_ctx_new(&md.dtls);
}

static int teardown(void **st)
{
	(void)st;
	dtls_ctx_free(md.dtls);
	return 0;
}

/* A session as the worker would hold it, without sockets: the SIP video
 * port is preset so mvideo opens none (as in test_mvideo.c). */
static struct msess *sess_new(unsigned *seed)
{
	struct msess *s = calloc(1, sizeof(*s));
	struct mleg *l[4] = { &s->web, &s->sip, &s->vweb, &s->vsip };

	assert_non_null(s);
	s->md = &md;
	snprintf(s->id, sizeof(s->id), "fuzz.0.1");
	for (int i = 0; i < 4; i++) {
		l[i]->kind = i & 1 ? MLEG_SIP : MLEG_WEB;
		l[i]->codec.pt = l[i]->codec.te_pt = -1;
		l[i]->ssrc = 1000u + (unsigned)i;
		mdtmf_tx_init(&l[i]->dtmf_tx);
	}
	s->web.port = 20000;
	s->sip.port = 20002;
	s->vsip.port = 20004;
	s->sip.sdes.policy = (enum msdes_policy)rnd(seed, 3);
	assert_int_equal(icelite_init(&s->web.ice, NULL), 0);
	return s;
}

static void sess_free(struct msess *s)
{
	struct mleg *l[4] = { &s->web, &s->sip, &s->vweb, &s->vsip };

	for (int i = 0; i < 4; i++) {
		dtls_conn_free(l[i]->dtls);
		srtpx_free(l[i]->srtp);
	}
	if (s->xc) {
		xcode_free(s->xc);
		atomic_fetch_sub(&md.ntranscode, 1);
	}
	g_free(s->offer_sdp);
	g_free(s->web_tmpl);
	free(s);
}

/* A NULL result must come with a reason (the b2bua sends it on). */
static char *checked(char *sdp, const char *why)
{
	if (!sdp && !*why)
		fail_msg("refused without a reason");
	return sdp;
}

/* One round: offer, answer, then a re-offer from either side (answered
 * by the other side when it was forwarded).  Each step's input is the
 * real one or a mutation of it. */
static void round_trip(unsigned *seed, enum msess_origin from,
		       const char *offer)
{
	struct msess *s = sess_new(seed);
	bool web = from == MSESS_FROM_WEB, fwd = false;
	const char *ans_src = web ? sip_answer : web_answer;
	char why[256] = "", *m, *out, *ans, *re;
	enum mleg_kind side;

	m = mutate(offer, seed);
	out = checked(mneg_create(s, from, m, why, sizeof(why)), why);
	g_free(m);
	if (!out)
		goto done;
	g_free(out);
	ans = rnd(seed, 4) ? mutate(ans_src, seed) : g_strdup(ans_src);
	why[0] = '\0';
	out = checked(mneg_answer(s, ans, why, sizeof(why)), why);
	g_free(ans);
	if (!out)
		goto done;
	g_free(out);
	side = rnd(seed, 2) ? MLEG_WEB : MLEG_SIP;
	re = mutate(side == MLEG_WEB ? (rnd(seed, 2) ? web_reoffer : offer)
		    : sip_reoffer, seed);
	why[0] = '\0';
	out = checked(mneg_update(s, side, re, &fwd, why, sizeof(why)), why);
	g_free(re);
	if (!out || !fwd)
		goto done;
	g_free(out);
	ans = mutate(side == MLEG_WEB ? sip_answer : web_answer, seed);
	why[0] = '\0';
	out = checked(mneg_answer(s, ans, why, sizeof(why)), why);
	g_free(ans);
done:
	g_free(out);
	sess_free(s);
}

static void test_chrome_offers(void **st)
{
	unsigned seed = 1001;

	(void)st;
	for (unsigned long i = 0; i < 6000 * iters; i++)
		round_trip(&seed, MSESS_FROM_WEB, chrome_av);
}

static void test_firefox_offers(void **st)
{
	unsigned seed = 2002;

	(void)st;
	for (unsigned long i = 0; i < 6000 * iters; i++)
		round_trip(&seed, MSESS_FROM_WEB, firefox_av);
}

static void test_sip_crypto_offers(void **st)
{
	unsigned seed = 3003;

	(void)st;
	for (unsigned long i = 0; i < 8000 * iters; i++)
		round_trip(&seed, MSESS_FROM_SIP, sip_av_crypto);
}

/* msdes alone: every parsed m= of a mutated crypto offer through pick,
 * offer_in and apply, then our offer and a mutated answer to it. */
static void test_sdes(void **st)
{
	unsigned seed = 4004;
	struct sdp_session *sd;

	(void)st;
	assert_int_equal(sdp_session_new(&sd), 0);
	for (unsigned long i = 0; i < 15000 * iters; i++) {
		char *t = mutate(i & 1 ? sip_av_crypto : sip_reoffer, &seed);
		struct msdes d = { .policy = rnd(&seed, 3) };
		struct srtpx *sx = NULL;
		struct srtpx_sdes k;
		char why[160];
		size_t idx;

		if (sdp_session_parse(sd, t, strlen(t), NULL) == 0) {
			for (size_t j = 0; j < sd->nmedia; j++) {
				const struct sdp_media *m = &sd->media[j];

				if (msdes_pick(m, &idx, &k, why, sizeof(why))
				    == 0)
					assert_true(idx < m->ncrypto);
				if (msdes_offer_in(&d, m, why, sizeof(why)) ==
				    0)
					msdes_apply(&d, &sx, why, sizeof(why));
				if (msdes_offer_out(&d) == 0 &&
				    msdes_answer_in(&d, m, why,
						    sizeof(why)) == 0)
					msdes_apply(&d, &sx, why, sizeof(why));
			}
		}
		srtpx_free(sx);
		g_free(t);
	}
	sdp_session_free(sd);
}

/* Trickled candidates (media_candidate's "candidate" string): mutated
 * real ones through the parser, libnice's form and back. */
static void test_candidates(void **st)
{
	static const char *const real[] = {
		"candidate:2999745851 1 udp 2122260223 192.168.1.20 54321 "
		"typ host generation 0 ufrag Wq9h network-id 1",
		"a=candidate:842163049 1 udp 1686052607 203.0.113.9 61000 typ "
		"srflx raddr 192.168.1.20 rport 54321 generation 0",
		"candidate:1 1 UDP 16777215 2001:db8::7 3478 typ relay raddr "
		"2001:db8::1 rport 9",
		"candidate:3 1 tcp 1518280447 192.168.1.20 9 typ host "
		"tcptype active",
		"candidate:5 1 udp 2122260223 0c1d6b1e-7f5a-4b8e.local 5 typ "
		"host",
	};
	unsigned seed = 5005;
	struct sdp_candidate one;

	(void)st;
	/* found by this test: a control byte inside a trickled candidate
	 * was taken, though a whole SDP body with it is refused */
	assert_int_equal(sdp_candidate_parse(&one, "candidate:1 1 udp 1 "
		"203.0.113.9 9 typ srflx raddr 192.16\x18.1.20 rport 1"),
		SDP_EBADCHAR);
	for (unsigned long i = 0; i < 30000 * iters; i++) {
		const char *src = real[rnd(&seed, G_N_ELEMENTS(real))];
		char *t = mutate(src, &seed), *nl;
		struct sdp_candidate c, back;
		NiceCandidate *nc = NULL;
		char out[512];

		if ((nl = strpbrk(t, "\r\n")))
			*nl = '\0';	/* one line, as media_candidate */
		if (rnd(&seed, 3) == 0) {	/* a field made huge */
			char *h = numbers_huge(t, &seed);

			g_free(t);
			t = h;
		}
		if (sdp_candidate_parse(&c, t) == 0) {
			assert_int_equal(sdp_candidate_write(&c, out,
							     sizeof(out)), 0);
			if (icecand_to_nice(&c, 1, &nc) == 0) {
				assert_non_null(nc);
				assert_int_equal(icecand_from_nice(nc, &back),
						 0);
				nice_candidate_free(nc);
			}
		}
		g_free(t);
	}
}

/* The video path's RTCP walkers on mutated compounds (SR, RR, SDES,
 * NACK, PLI, REMB-like APP), each in a heap buffer of its exact length so
 * the sanitizer sees any read or write past it. */
static void test_video_rtcp(void **st)
{
	static const uint8_t good[] = {
		/* SR, one report block */
		0x81, 200, 0, 12, 0x41, 0xB4, 0x52, 0xC4, 1, 2, 3, 4, 5, 6,
		7, 8, 0, 0, 0x10, 0, 0, 0, 0, 9, 0, 0, 0x20, 0, 0, 0, 3, 0xE9,
		0, 0, 0, 1, 0, 0, 0x0F, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* SDES, one chunk: CNAME "ab" */
		0x81, 202, 0, 2, 0x41, 0xB4, 0x52, 0xC4, 1, 2, 'a', 'b',
		/* generic NACK: two FCIs */
		0x81, 205, 0, 4, 0x41, 0xB4, 0x52, 0xC4, 0, 0, 3, 0xE9,
		0x00, 0x10, 0x00, 0x03, 0x00, 0x20, 0xFF, 0xFF,
		/* PLI */
		0x81, 206, 0, 2, 0x41, 0xB4, 0x52, 0xC4, 0, 0, 3, 0xE9,
		/* RR, no block */
		0x80, 201, 0, 1, 0x41, 0xB4, 0x52, 0xC4,
	};
	unsigned seed = 6006;
	char why[160];
	struct msess *s = sess_new(&seed);
	char *sip = mneg_create(s, MSESS_FROM_WEB, chrome_av, why, sizeof(why));
	char *web;

	(void)st;
	assert_non_null(sip);
	web = mneg_answer(s, sip_answer, why, sizeof(why));
	if (!web)
		fail_msg("answer refused: %s", why);
	assert_true(s->vid.on);
	s->vweb.ssrc = 1001;	/* the NACK and PLI above name it */
	for (unsigned long i = 0; i < 100000 * iters; i++) {
		size_t n = rnd(&seed, 5) ? sizeof(good) :
			   rnd(&seed, sizeof(good) + 1);
		uint8_t *b = malloc(n ? n : 1);

		memcpy(b, good, n);
		for (unsigned j = 1 + rnd(&seed, 6); j && n; j--) {
			size_t at = rnd(&seed, (uint32_t)n);

			b[at] = rnd(&seed, 2) ? (uint8_t)rand_r(&seed) :
				(uint8_t)(b[at] ^ (1u << rnd(&seed, 8)));
		}
		(void)mvideo_rtcp_is_video(s, b, n);
		mvpath_nack_back(b, n, 1001, (uint16_t)rand_r(&seed));
		if (n >= 12)
			(void)mvideo_demux_rtp(s, b[1] & 0x7f,
					       (uint32_t)rand_r(&seed));
		free(b);
	}
	g_free(sip);
	g_free(web);
	sess_free(s);
}

/* Requests in any order on one session, as a confused or hostile b2bua
 * could send them: answers with no offer pending, re-offers while one is
 * pending, from either side, real or mutated. */
static void test_any_order(void **st)
{
	static const char *const web_in[] = { chrome_av, firefox_av,
					      web_reoffer, web_answer };
	static const char *const sip_in[] = { sip_av_crypto, sip_answer,
					      sip_reoffer };
	unsigned seed = 7007;

	(void)st;
	for (unsigned long i = 0; i < 3000 * iters; i++) {
		struct msess *s = sess_new(&seed);
		enum msess_origin from = rnd(&seed, 2) ? MSESS_FROM_WEB :
					 MSESS_FROM_SIP;
		char why[256] = "", *out, *in;
		bool fwd;

		out = mneg_create(s, from, from == MSESS_FROM_WEB ?
				  chrome_av : sip_av_crypto, why, sizeof(why));
		assert_non_null(out);
		g_free(out);
		for (unsigned k = 2 + rnd(&seed, 7); k; k--) {
			bool web = rnd(&seed, 2);
			const char *src = web ?
				web_in[rnd(&seed, G_N_ELEMENTS(web_in))] :
				sip_in[rnd(&seed, G_N_ELEMENTS(sip_in))];

			in = rnd(&seed, 3) ? g_strdup(src) :
			     mutate(src, &seed);
			why[0] = '\0';
			if (rnd(&seed, 2))
				out = checked(mneg_answer(s, in, why,
							  sizeof(why)), why);
			else
				out = checked(mneg_update(s, web ? MLEG_WEB :
							  MLEG_SIP, in, &fwd,
							  why, sizeof(why)),
					      why);
			g_free(out);
			g_free(in);
		}
		sess_free(s);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_offers),
		cmocka_unit_test(test_firefox_offers),
		cmocka_unit_test(test_sip_crypto_offers),
		cmocka_unit_test(test_sdes),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_video_rtcp),
		cmocka_unit_test(test_any_order),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
