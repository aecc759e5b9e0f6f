/* Unit tests for mediad's re-offers (mneg_update and the second use of
 * mneg_answer), directions, o= versions, ICE restart detection, and the
 * RFC 4733 pieces (mdtmf) and rewriter continuity they rely on.  The
 * sessions are built by hand (no ports, no worker): the negotiation code
 * is pure apart from the DTLS object it makes.  Run with a name filter as
 * argv[1] ("*hold*"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediad/msess.h"
#include "msess_fixture.h"

#define FP "sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	   "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
#define FP2 "sha-256 11:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:" \
	    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

/* A Chrome-like browser description. */
static char *web_sdp(const char *ufrag, const char *pwd, const char *fp,
		     const char *setup, const char *dir, bool pcmu)
{
	return g_strdup_printf(
		"v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"a=group:BUNDLE 0\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111%s 126\r\n"
		"c=IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
		"a=fingerprint:%s\r\na=setup:%s\r\na=mid:0\r\na=%s\r\n"
		"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n%s"
		"a=rtpmap:126 telephone-event/8000\r\n",
		pcmu ? " 0" : "", ufrag, pwd, fp, setup, dir,
		pcmu ? "a=rtpmap:0 PCMU/8000\r\n" : "");
}

static char *sip_sdp(int port, const char *dir, const char *codecs)
{
	return g_strdup_printf(
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=%s\r\n", port, codecs,
		dir);
}

/* The o= version of an SDP we wrote. */
static unsigned over(const char *sdp)
{
	unsigned long long id;
	unsigned v = 0;
	const char *o = strstr(sdp, "o=rtcgate ");

	assert_non_null(o);
	assert_int_equal(sscanf(o, "o=rtcgate %llu %u", &id, &v), 2);
	return v;
}

/* A call from a browser, relayed PCMU; returns the session. */
static struct msess *web_call(void)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *o = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "actpass",
			  "sendrecv", true);
	char *a, *r;

	r = mneg_create(s, MSESS_FROM_WEB, o, why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(over(r), 1);
	g_free(r);
	a = sip_sdp(40000, "sendrecv", "0");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(over(r), 1);
	has(r, "a=setup:passive");
	has(r, "a=sendrecv");
	assert_false(s->transcode);
	g_free(r);
	g_free(a);
	g_free(o);
	return s;
}

static void test_dir_answer(void **st)
{
	assert_int_equal(mneg_dir_answer(SDP_DIR_SENDONLY, SDP_DIR_RECVONLY),
			 SDP_DIR_RECVONLY);
	assert_int_equal(mneg_dir_answer(SDP_DIR_SENDONLY, SDP_DIR_SENDRECV),
			 SDP_DIR_RECVONLY);
	assert_int_equal(mneg_dir_answer(SDP_DIR_INACTIVE, SDP_DIR_SENDRECV),
			 SDP_DIR_INACTIVE);
	assert_int_equal(mneg_dir_answer(SDP_DIR_SENDRECV, SDP_DIR_SENDONLY),
			 SDP_DIR_SENDONLY);
	assert_int_equal(mneg_dir_answer(SDP_DIR_RECVONLY, SDP_DIR_SENDRECV),
			 SDP_DIR_SENDONLY);
	assert_int_equal(mneg_dir_answer(SDP_DIR_UNSET, SDP_DIR_UNSET),
			 SDP_DIR_SENDRECV);
	assert_int_equal(mneg_dir_make(false, true), SDP_DIR_RECVONLY);
	assert_true(mneg_dir_sends(SDP_DIR_UNSET));
	assert_false(mneg_dir_recvs(SDP_DIR_SENDONLY));
}

/* The browser holds (sendonly), then resumes: each is offered on to the
 * SIP side, mirrored, and the SIP side's answer makes ours. */
static void test_web_hold_resume(void **st)
{
	struct msess *s = web_call();
	char why[160] = "";
	bool fwd = false;
	char *hold = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "actpass",
			     "sendonly", true);
	char *r = mneg_update(s, MLEG_WEB, hold, &fwd, why, sizeof(why));
	char *a;

	assert_non_null(r);
	assert_true(fwd);
	has(r, "m=audio 20002 RTP/AVP 0 101\r\n");
	has(r, "a=sendonly\r\n");
	assert_int_equal(over(r), 2);		/* SIP leg: offer 1, now 2 */
	assert_false(mleg_may_send(&s->web));	/* at once: it holds */
	assert_true(msess_held(s));
	g_free(r);
	a = sip_sdp(40000, "recvonly", "0");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	has(r, "a=recvonly\r\n");
	has(r, "a=setup:passive");
	assert_int_equal(over(r), 2);		/* web leg: answer 1, now 2 */
	assert_false(mleg_may_send(&s->web));
	assert_true(mleg_may_send(&s->sip));	/* its music goes on */
	g_free(r);
	g_free(a);

	char *resume = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP,
			       "actpass", "sendrecv", true);
	r = mneg_update(s, MLEG_WEB, resume, &fwd, why, sizeof(why));
	assert_non_null(r);
	assert_true(fwd);
	has(r, "a=sendrecv\r\n");
	assert_int_equal(over(r), 3);
	g_free(r);
	a = sip_sdp(40000, "sendrecv", "0");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	has(r, "a=sendrecv\r\n");
	assert_int_equal(over(r), 3);
	assert_true(mleg_may_send(&s->web) && mleg_may_send(&s->sip));
	assert_false(msess_held(s));
	/* Nothing pending now: a stray answer is refused. */
	assert_null(mneg_answer(s, a, why, sizeof(why)));
	assert_non_null(strstr(why, "no offer of ours"));
	g_free(r);
	g_free(a);
	g_free(hold);
	g_free(resume);
	sess_free(s);
}

/* inactive: nothing either way. */
static void test_inactive(void **st)
{
	struct msess *s = web_call();
	char why[160] = "";
	bool fwd;
	char *o = sip_sdp(40000, "inactive", "0");
	char *r = mneg_update(s, MLEG_SIP, o, &fwd, why, sizeof(why));
	char *a;

	assert_non_null(r);
	assert_true(fwd);
	has(r, "a=inactive\r\n");
	has(r, "a=setup:passive");	/* our DTLS role kept (RFC 8842) */
	has(r, "UDP/TLS/RTP/SAVPF");
	g_free(r);
	a = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "active",
		    "inactive", true);
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	has(r, "a=inactive\r\n");
	assert_false(mleg_may_send(&s->web));
	assert_false(mleg_may_send(&s->sip));
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);
}

/* A session refresh (same SDP again) is answered at once, with the same
 * o= version each time (RFC 3264 8). */
static void test_refresh_same_version(void **st)
{
	struct msess *s = web_call();
	char why[160] = "";
	bool fwd = true;
	char *o = sip_sdp(40000, "sendrecv", "0");
	char *r1 = mneg_update(s, MLEG_SIP, o, &fwd, why, sizeof(why));
	char *r2;

	assert_non_null(r1);
	assert_false(fwd);
	r2 = mneg_update(s, MLEG_SIP, o, &fwd, why, sizeof(why));
	assert_non_null(r2);
	assert_false(fwd);
	assert_int_equal(over(r1), over(r2));
	assert_string_equal(r1, r2);
	has(r1, "m=audio 20002 RTP/AVP 0 101\r\n");
	g_free(r1);
	g_free(r2);
	g_free(o);
	sess_free(s);
}

/* The browser restarts ICE: new credentials both ways, DTLS kept, nothing
 * for the SIP side. */
static void test_ice_restart(void **st)
{
	struct msess *s = web_call();
	char why[160] = "";
	bool fwd = true;
	char old[64];
	char *o = web_sdp("uFr2", "pwd2pwd2pwd2pwd2pwd2pw", FP, "actpass",
			  "sendrecv", true);
	char *r;
	struct dtls_conn *d = s->web.dtls;

	snprintf(old, sizeof(old), "a=ice-ufrag:%s\r\n",
		 icelite_ufrag(&s->web.ice));
	r = mneg_update(s, MLEG_WEB, o, &fwd, why, sizeof(why));
	assert_non_null(r);
	assert_false(fwd);
	hasnt(r, old);
	has(r, "a=setup:passive");
	assert_int_equal(over(r), 2);
	assert_true(s->web.ice_restarting);
	assert_string_equal(icelite_remote_ufrag(&s->web.ice), "uFr2");
	assert_ptr_equal(s->web.dtls, d);	/* same DTLS association */
	g_free(r);
	g_free(o);
	/* Only the password changes: also a restart. */
	s->web.ice_restarting = false;
	o = web_sdp("uFr2", "pwd3pwd3pwd3pwd3pwd3pw", FP, "actpass",
		    "sendrecv", true);
	r = mneg_update(s, MLEG_WEB, o, &fwd, why, sizeof(why));
	assert_non_null(r);
	assert_true(s->web.ice_restarting);
	g_free(r);
	g_free(o);
	sess_free(s);
}

static void test_refusals(void **st)
{
	struct msess *s = web_call(), *n = sess_new();
	char why[160] = "";
	bool fwd;
	char *o = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP2, "actpass",
			  "sendrecv", true);

	assert_null(mneg_update(s, MLEG_WEB, o, &fwd, why, sizeof(why)));
	assert_non_null(strstr(why, "fingerprint"));
	g_free(o);
	/* Our role is server: a peer that also wants to be it. */
	o = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "passive",
		    "sendrecv", true);
	assert_null(mneg_update(s, MLEG_WEB, o, &fwd, why, sizeof(why)));
	assert_non_null(strstr(why, "DTLS association"));
	assert_null(mneg_update(n, MLEG_WEB, o, &fwd, why, sizeof(why)));
	assert_non_null(strstr(why, "not complete"));
	g_free(o);
	assert_null(mneg_update(s, MLEG_SIP, "v=0\r\nbogus\r\n", &fwd, why,
				sizeof(why)));
	assert_non_null(strstr(why, "SDP line 2"));
	sess_free(s);
	sess_free(n);
}

/* The browser drops the codec in use (PCMU): the SIP side is offered the
 * browser's codecs again and its choice makes us transcode. */
static void test_codec_change(void **st)
{
	struct msess *s = web_call();
	char why[160] = "";
	bool fwd = false;
	char *o = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "actpass",
			  "sendrecv", false);
	char *r = mneg_update(s, MLEG_WEB, o, &fwd, why, sizeof(why));
	char *a;

	assert_non_null(r);
	assert_true(fwd);
	has(r, "RTP/AVP 111 0 8 101");
	g_free(r);
	a = sip_sdp(40000, "sendrecv", "0");
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	assert_true(s->transcode);
	has(r, "a=rtpmap:111 opus/48000/2");
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);
}

/* A call from SIP: the SIP side holds; the browser is offered sendonly
 * with its ICE credentials and our DTLS role unchanged. */
static void test_sip_hold(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	bool fwd = false;
	char *o = sip_sdp(40000, "sendrecv", "0 8"), *a, *r, *r2;
	char ufrag[64];

	r = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(r);
	has(r, "a=setup:actpass");
	snprintf(ufrag, sizeof(ufrag), "a=ice-ufrag:%s\r\n",
		 icelite_ufrag(&s->web.ice));
	g_free(r);
	a = web_sdp("bRw1", "pwdBpwdBpwdBpwdBpwdBpw", FP, "active",
		    "sendrecv", true);
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	g_free(r);
	g_free(a);
	g_free(o);
	o = sip_sdp(40000, "sendonly", "0 8");
	r = mneg_update(s, MLEG_SIP, o, &fwd, why, sizeof(why));
	assert_non_null(r);
	assert_true(fwd);
	has(r, "a=sendonly\r\n");
	has(r, ufrag);
	has(r, "a=setup:passive");	/* we are the DTLS server */
	assert_int_equal(over(r), 2);
	assert_false(mleg_may_send(&s->sip));
	a = web_sdp("bRw1", "pwdBpwdBpwdBpwdBpwdBpw", FP, "active",
		    "recvonly", true);
	r2 = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r2);
	has(r2, "a=recvonly\r\n");
	has(r2, "m=audio 20002 RTP/AVP 0 101");
	assert_true(mleg_may_send(&s->web));
	assert_false(mleg_may_send(&s->sip));
	g_free(r);
	g_free(r2);
	g_free(a);
	g_free(o);
	sess_free(s);
}

/* RFC 5761 / 3605 on the SIP side: our offer has no rtcp-mux; an offer
 * with it gets it echoed (both then mux); a=rtcp is kept for our RTCP. */
static void test_sip_rtcp_attrs(void **st)
{
	struct msess *s = sess_new();
	char why[160] = "";
	char *base = sip_sdp(40000, "sendrecv", "0");
	char *o = g_strdup_printf("%sa=rtcp-mux\r\n", base), *a, *r;

	r = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(r);
	assert_true(s->sip.rtcp.peer_mux);
	g_free(r);
	a = web_sdp("bRw1", "pwdBpwdBpwdBpwdBpwdBpw", FP, "active",
		    "sendrecv", true);
	r = mneg_answer(s, a, why, sizeof(why));
	assert_non_null(r);
	has(r, "m=audio 20002 RTP/AVP 0");
	has(r, "a=rtcp-mux\r\n");
	g_free(r);
	g_free(a);
	g_free(o);
	sess_free(s);

	/* a browser's call: our offer toward SIP has no rtcp-mux; the
	 * answer's a=rtcp names where our RTCP goes */
	s = sess_new();
	a = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "actpass",
		    "sendrecv", true);
	r = mneg_create(s, MSESS_FROM_WEB, a, why, sizeof(why));
	assert_non_null(r);
	hasnt(r, "a=rtcp-mux");
	g_free(r);
	o = g_strdup_printf("%sa=rtcp:40011 IN IP4 127.0.0.9\r\n", base);
	r = mneg_answer(s, o, why, sizeof(why));
	assert_non_null(r);
	assert_false(s->sip.rtcp.peer_mux);
	assert_int_equal(s->sip.rtcp.sdp_port, 40011);
	assert_true(s->sip.rtcp.sdp_has_addr);
	g_free(r);
	g_free(a);
	g_free(o);
	g_free(base);
	sess_free(s);
}

/* ---- RFC 4733 ---- */

static void te(uint8_t *p, uint8_t ev, bool end, uint16_t dur)
{
	p[0] = ev;
	p[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	p[2] = (uint8_t)(dur >> 8);
	p[3] = (uint8_t)dur;
}

static void test_dtmf_rx(void **st)
{
	struct mdtmf_rx rx = { 0 };
	struct mdtmf_end e;
	uint8_t p[4];
	int ends = 0;

	for (int i = 1; i <= 4; i++) {	/* updates: nothing yet */
		te(p, 5, false, (uint16_t)(i * 160));
		assert_int_equal(mdtmf_rx_packet(&rx, 1000, p, 4, &e), 0);
	}
	for (int i = 0; i < 3; i++) {	/* three end copies: one event */
		te(p, 5, true, 800);
		ends += mdtmf_rx_packet(&rx, 1000, p, 4, &e);
		if (i == 0) {
			assert_int_equal(e.digit, '5');
			assert_int_equal(e.dur_ms, 100);
		}
	}
	assert_int_equal(ends, 1);
	/* '#' whose end packets are all lost, then '*': '#' ends there. */
	te(p, 11, false, 160);
	assert_int_equal(mdtmf_rx_packet(&rx, 2000, p, 4, &e), 0);
	te(p, 10, false, 160);
	assert_int_equal(mdtmf_rx_packet(&rx, 3000, p, 4, &e), 1);
	assert_int_equal(e.digit, '#');
	te(p, 10, true, 400);
	assert_int_equal(mdtmf_rx_packet(&rx, 3000, p, 4, &e), 1);
	assert_int_equal(e.digit, '*');
	assert_int_equal(mdtmf_rx_packet(&rx, 3000, p, 3, &e), -1);
	assert_int_equal(mdtmf_digit(15), 'D');
	assert_int_equal(mdtmf_event('b'), 13);
	assert_int_equal(mdtmf_event('x'), -1);
}

static void test_dtmf_tx(void **st)
{
	struct mdtmf_tx tx;
	struct mdtmf_pkt p;
	int starts = 0, ends = 0, updates = 0;
	uint8_t evs[2];

	mdtmf_tx_init(&tx);
	assert_int_equal(mdtmf_tx_queue(&tx, "1#", 100), 0);
	assert_int_equal(mdtmf_tx_pending(&tx), 2);
	for (int t = 0; t < 100; t++) {		/* one second in 10 ms steps */
		unsigned ms = 10;
		while (mdtmf_tx_tick(&tx, ms, &p)) {
			ms = 0;
			if (p.start) {
				assert_true(p.marker);
				evs[starts++] = p.payload[0];
			} else if (p.payload[1] & 0x80) {
				ends++;
				assert_int_equal(p.payload[2] << 8 |
						 p.payload[3], 800);
			} else {
				updates++;
				assert_false(p.marker);
			}
		}
	}
	assert_int_equal(starts, 2);
	assert_int_equal(evs[0], 1);
	assert_int_equal(evs[1], 11);
	assert_int_equal(ends, 6);
	assert_int_equal(updates, 2);	/* at 50 ms of each 100 ms digit */
	assert_int_equal(tx.sent, 2);
	assert_int_equal(mdtmf_tx_pending(&tx), 0);
	/* Bounds: a full queue takes no more, bad digits or durations none. */
	char many[MDTMF_QUEUE + 1];
	memset(many, '9', MDTMF_QUEUE);
	many[MDTMF_QUEUE] = '\0';
	assert_int_equal(mdtmf_tx_queue(&tx, many, 100), 0);
	assert_int_equal(mdtmf_tx_queue(&tx, "1", 100), ENOSPC);
	mdtmf_tx_init(&tx);
	assert_int_equal(mdtmf_tx_queue(&tx, "12x", 100), EINVAL);
	assert_int_equal(mdtmf_tx_queue(&tx, "1", 10), EINVAL);
	assert_int_equal(mdtmf_tx_queue(&tx, "", 100), EINVAL);
	assert_int_equal(mdtmf_tx_pending(&tx), 0);
}

/* ---- rewriter continuity across a hold and our own inserted packets ---- */

static void pkt(uint8_t *p, uint16_t seq, uint32_t ts)
{
	memset(p, 0, 20);
	p[0] = 0x80;
	p[1] = 0;
	rtp_wr16(p + 2, seq);
	rtp_wr32(p + 4, ts);
	rtp_wr32(p + 8, 0xabcdef01);
}

static void test_rewrite_resync_insert(void **st)
{
	struct rtp_rewrite rw;
	struct rtp_rewrite_cfg c = { .ssrc = 7, .seq = 100, .ts = 5000,
				     .ts_step = 160, .mark_on_switch = true };
	uint8_t p[20];
	uint32_t ts;

	rtp_rewrite_init(&rw, &c);
	rtp_rewrite_map_pt(&rw, 0, 0);
	for (int i = 0; i < 3; i++) {
		pkt(p, (uint16_t)(10 + i), 160u * (unsigned)i);
		assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
		assert_int_equal(rtp_seq(p), 100 + i);
	}
	/* Our own packet in between takes 103; the relay goes on at 104. */
	assert_int_equal(rtp_rewrite_insert(&rw, &ts), 103);
	assert_int_equal(ts, 5000 + 320);
	pkt(p, 13, 480);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), 104);
	/* A hold: the input moved on by 500 packets; after the resync the
	 * output goes on at 105, one frame later, marked. */
	rtp_rewrite_resync(&rw);
	pkt(p, 513, 80480);
	assert_int_equal(rtp_rewrite_apply(&rw, p, sizeof(p)), 0);
	assert_int_equal(rtp_seq(p), 105);
	assert_int_equal(rtp_ts(p), 5000 + 480 + 160);
	assert_true(rtp_marker(p));
	assert_int_equal(rtp_ssrc(p), 7);
}

/* Opus bound for G.711 is announced as narrowband to the browser
 * (maxplaybackrate, sprop-maxcapturerate: RFC 7587); Opus that is relayed,
 * or may be, is not. */
static void test_opus_narrow(void **st)
{
	const char *nb = "maxplaybackrate=8000;sprop-maxcapturerate=8000";
	struct msess *s = sess_new();
	char why[160] = "", *o, *r;

	/* a browser offering Opus only, a PBX answering PCMU: transcoded */
	o = web_sdp("uFr1", "pwd1pwd1pwd1pwd1pwd1pw", FP, "actpass",
		    "sendrecv", false);
	r = mneg_create(s, MSESS_FROM_WEB, o, why, sizeof(why));
	assert_non_null(r);
	hasnt(r, "maxplaybackrate");	/* the SIP side's offer */
	g_free(r);
	g_free(o);
	o = sip_sdp(40000, "sendrecv", "0");
	r = mneg_answer(s, o, why, sizeof(why));
	assert_non_null(r);
	has(r, nb);
	g_free(r);
	g_free(o);
	sess_free(s);

	/* a PBX offering G.711 only: Opus can only be transcoded */
	s = sess_new();
	o = sip_sdp(40000, "sendrecv", "0 8");
	r = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(r);
	has(r, "opus/48000/2");
	has(r, nb);
	g_free(r);
	g_free(o);
	sess_free(s);

	/* a PBX offering Opus too: it may be relayed, full band */
	s = sess_new();
	o = g_strdup("v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		     "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		     "m=audio 40000 RTP/AVP 0 107\r\n"
		     "a=rtpmap:0 PCMU/8000\r\na=rtpmap:107 opus/48000/2\r\n");
	r = mneg_create(s, MSESS_FROM_SIP, o, why, sizeof(why));
	assert_non_null(r);
	has(r, "opus/48000/2");
	hasnt(r, "maxplaybackrate");
	g_free(r);
	g_free(o);
	sess_free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_answer),
		cmocka_unit_test(test_web_hold_resume),
		cmocka_unit_test(test_inactive),
		cmocka_unit_test(test_refresh_same_version),
		cmocka_unit_test(test_ice_restart),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_codec_change),
		cmocka_unit_test(test_sip_hold),
		cmocka_unit_test(test_sip_rtcp_attrs),
		cmocka_unit_test(test_dtmf_rx),
		cmocka_unit_test(test_dtmf_tx),
		cmocka_unit_test(test_rewrite_resync_insert),
		cmocka_unit_test(test_opus_narrow),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup_md, teardown_md);
}
