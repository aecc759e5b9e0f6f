/* msess_fixture: one mediad and sessions built by hand (no ports, no
 * worker) for the offer/answer unit tests: test_mneg, test_mvideo,
 * test_msdes.  The negotiation code is pure apart from the DTLS object it
 * makes, so a session needs only its legs, ports and ICE credentials.
 * Include after cmocka.h and mediad/msess.h. */
#ifndef RTCGATE_TEST_MSESS_FIXTURE_H
#define RTCGATE_TEST_MSESS_FIXTURE_H

static struct mediad md;

/* cmocka group set-up/tear-down: the node's settings and DTLS context. */
static inline int setup_md(void **st)
{
	(void)st;
	md.cfg.media_ip = "127.0.0.1";
	md.cfg.max_transcode = 10;
	md.cfg.opus_complexity = 1;
	snprintf(md.fingerprint, sizeof(md.fingerprint), "sha-256 %s",
		 "01:02:03");
	return dtls_ctx_new(&md.dtls);
}

static inline int teardown_md(void **st)
{
	(void)st;
	dtls_ctx_free(md.dtls);
	return 0;
}

/* Ports 20000 (web), 20002 (SIP audio); the SIP video port 20004 is
 * preset so mvideo opens none. */
static inline struct msess *sess_new(void)
{
	struct msess *s = calloc(1, sizeof(*s));
	struct mleg *l[4] = { &s->web, &s->sip, &s->vweb, &s->vsip };

	assert_non_null(s);
	s->md = &md;
	snprintf(s->id, sizeof(s->id), "test.0.1");
	s->created_us = 42;
	for (int i = 0; i < 4; i++) {
		l[i]->kind = i & 1 ? MLEG_SIP : MLEG_WEB;
		l[i]->codec.pt = l[i]->codec.te_pt = -1;
		l[i]->ssrc = 1000u + (unsigned)i;
		mdtmf_tx_init(&l[i]->dtmf_tx);
	}
	s->web.port = 20000;
	s->sip.port = 20002;
	s->vsip.port = 20004;
	assert_int_equal(icelite_init(&s->web.ice, NULL), 0);
	return s;
}

static inline void sess_free(struct msess *s)
{
	dtls_conn_free(s->web.dtls);
	srtpx_free(s->sip.srtp);
	srtpx_free(s->vsip.srtp);
	if (s->xc) {
		xcode_free(s->xc);
		atomic_fetch_sub(&md.ntranscode, 1);
	}
	g_free(s->offer_sdp);
	g_free(s->web_tmpl);
	free(s);
}

static inline void has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("no \"%s\" in:\n%s", what, text);
}

static inline void hasnt(const char *text, const char *what)
{
	if (strstr(text, what))
		fail_msg("\"%s\" should not be in:\n%s", what, text);
}

#endif
