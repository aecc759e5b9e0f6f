/* prtcp: --rtcp.  The SIP phone sends an RTCP SR + SDES every second from
 * a socket of its own to mediad's RTCP port (the RTP port + 1, RFC 3550
 * 11), plus one truncated SR that mediad must drop and count; both ends
 * check the RTCP mediad sends them: SRTCP on the WebRTC leg, plain RTCP
 * on the phone's RTCP socket.  With --rtcp-web the browser also sends an
 * SR every second as SRTCP, its block about mediad's SSRC carrying as LSR
 * the last SR it got (RFC 3550 6.4.1): relayed, that is the phone's own.
 * A report is "right" when its sender is the
 * SSRC of mediad's RTP on that leg and its report block is about the SSRC
 * this end sends (what mediad's SSRC mapping must give, relayed or its
 * own); on the SIP side its LSR must be one of the phone's SRs. */
#include "peer.h"
#include "rtp.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PRTCP_PERIOD_US = 1000000 };

void prtcp_rtp_seen(struct psess *s, bool sip, const uint8_t *p, size_t n)
{
	if (n < RTP_HDR_MIN)
		return;
	if (sip)
		s->rtcp_st.sip_rx_ssrc = rtp_ssrc(p);
	else
		s->rtcp_st.web_rx_ssrc = rtp_ssrc(p);
}

/* An SR mediad sent the phone, arrived at rx_ns, against the RTP that
 * arrived before it (G.711: 8 samples per ms, one byte each). */
static void prtcp_sip_sr(struct psess *s, const struct rtp_sender_info *si,
			 uint64_t rx_ns)
{
	struct prtcp *r = &s->rtcp_st;
	const struct pmeter *m = &s->sip_rx;
	uint32_t want, err;
	int64_t d;

	if (!m->have_last || !rx_ns || rx_ns < m->last_rx_ns ||
	    s->o->sip_codec == PEER_OPUS)
		return;
	r->sr_checked++;
	d = (int64_t)si->packets - (int64_t)m->pkts;
	if (d > 2 || d < -2)
		r->sr_count_bad++;
	if (si->octets != si->packets * m->last_size)
		r->sr_octets_bad++;
	want = m->last_ts + m->last_size +
	       (uint32_t)((rx_ns - m->last_rx_ns) * 8 / 1000000u);
	err = si->rtp_ts - want;
	if ((int32_t)err < 0)
		err = 0u - err;
	if (err > r->sr_ts_err_max)
		r->sr_ts_err_max = err;
}

/* Walk a compound mediad sent; counts what is right about it. */
static void prtcp_check(struct psess *s, bool sip, const uint8_t *p,
			size_t n, uint64_t rx_ns)
{
	struct prtcp *r = &s->rtcp_st;
	uint32_t ours = sip ? s->sip_tx.ssrc : s->web_tx.ssrc;
	uint32_t theirs = sip ? r->sip_rx_ssrc : r->web_rx_ssrc;
	struct prtcp_side *d = sip ? &r->sip : &r->web;
	struct rtp_rtcp_pkt k;
	struct rtp_report rb;
	size_t off = 0;

	if (rtp_rtcp_validate(p, n) < 0) {
		d->bad++;
		return;
	}
	if (!theirs) {	/* before mediad's first RTP: nothing to check */
		d->early++;
		return;
	}
	/* mediad's last word (RFC 3550 6.6): counted apart, so the reports
	 * above stay the periodic ones. */
	while (rtp_rtcp_next(p, n, &off, &k) > 0) {
		if (k.pt != RTCP_BYE)
			continue;
		d->bye++;
		if (k.ssrc == theirs)
			d->bye_ok++;
		return;
	}
	off = 0;
	d->compounds++;
	while (rtp_rtcp_next(p, n, &off, &k) > 0) {
		if (k.pt == RTCP_SR) {
			struct rtp_sender_info si;
			d->sr++;
			if (!sip && !rtp_rtcp_sender_info(&k, &si)) {
				r->web_lsr = (uint32_t)(si.ntp >> 16);
				r->web_lsr_us = pmedia_mono_us();
			}
			if (sip && k.ssrc == theirs &&
			    !rtp_rtcp_sender_info(&k, &si))
				prtcp_sip_sr(s, &si, rx_ns);
		}
		else if (k.pt == RTCP_RR)
			d->rr++;
		else if (k.pt == RTCP_SDES && k.len > 10 && k.p[8] == 1)
			d->cname++;
		if (k.pt != RTCP_SR && k.pt != RTCP_RR)
			continue;
		if (k.ssrc == theirs)
			d->sender_ok++;
		for (unsigned i = 0; i < k.count; i++) {
			if (rtp_rtcp_report_block(&k, i, &rb) ||
			    rb.ssrc != ours)
				continue;
			d->block_ok++;
			for (unsigned j = 0; sip && rb.lsr &&
					     j < PRTCP_LSR_KEEP; j++) {
				if (r->lsr_sent[j] == rb.lsr) {
					d->lsr_ok++;
					break;
				}
			}
		}
	}
}

void prtcp_web_in(struct psess *s, uint8_t *p, size_t n)
{
	if (srtpx_unprotect_rtcp(s->srtp, p, &n) != SRTPX_OK) {
		s->rtcp_st.web.bad++;
		return;
	}
	prtcp_check(s, false, p, n, 0);
}

void prtcp_sip_in(struct psess *s, uint8_t *p, size_t n, uint64_t rx_ns)
{
	/* --sdes: SRTCP on the phone's leg too */
	if (s->sip_srtp &&
	    srtpx_unprotect_rtcp(s->sip_srtp, p, &n) != SRTPX_OK) {
		s->rtcp_st.sip.bad++;
		return;
	}
	prtcp_check(s, true, p, n, rx_ns);
}

/* The phone's RTCP out: SRTCP with --sdes. */
static bool prtcp_sip_send(struct psess *s, uint8_t *buf, size_t n,
			   size_t cap)
{
	if (s->sip_srtp && srtpx_protect_rtcp(s->sip_srtp, buf, &n, cap))
		return false;
	return send(s->rtcp.fd, buf, n, MSG_DONTWAIT) > 0;
}

/* The browser's SR, as SRTCP. */
static void prtcp_web_send(struct psess *s, uint64_t now_us)
{
	struct prtcp *r = &s->rtcp_st;
	struct rtp_sender_info si;
	struct rtp_report rb = { .ssrc = r->web_rx_ssrc, .ext_max_seq = 4321,
				 .lsr = r->web_lsr };
	uint8_t buf[256 + SRTPX_TRAILER_MAX];
	size_t n;
	int a, b;

	if (r->web_lsr)
		rb.dlsr = (uint32_t)((now_us - r->web_lsr_us) * 65536u /
				     1000000u);
	si.ntp = rtp_ntp_from_unix_us(pmedia_real_ns() / 1000u);
	si.rtp_ts = s->web_tx.ts;
	si.packets = (uint32_t)s->web_tx.sent;
	si.octets = (uint32_t)s->web_tx.sent * PEER_FRAME;
	a = rtp_rtcp_build_sr(buf, 256, s->web_tx.ssrc, &si, &rb,
			      r->web_rx_ssrc ? 1 : 0);
	if (a < 0)
		return;
	b = rtp_rtcp_build_sdes(buf + a, 256 - (size_t)a, s->web_tx.ssrc,
				"browser@rtcgate-peer");
	if (b < 0)
		return;
	n = (size_t)(a + b);
	if (!srtpx_protect_rtcp(s->srtp, buf, &n, sizeof(buf)) &&
	    send(s->web.fd, buf, n, MSG_DONTWAIT) > 0)
		r->web_sent++;
}

/* The phone's SR: what it sent, a block on what it gets from mediad. */
void prtcp_tick(struct psess *s, uint64_t now_us)
{
	struct prtcp *r = &s->rtcp_st;
	struct rtp_sender_info si;
	struct rtp_report rb = { .ssrc = r->sip_rx_ssrc, .ext_max_seq = 1234 };
	uint8_t buf[256 + SRTPX_TRAILER_MAX], cut[256 + SRTPX_TRAILER_MAX];
	int a, b;

	if (s->rtcp.fd < 0 || s->o->rtcp_attr || !s->sending ||
	    now_us < r->next_us)
		return;
	r->next_us = now_us + PRTCP_PERIOD_US;
	if (s->o->rtcp_web && s->srtp)
		prtcp_web_send(s, now_us);
	si.ntp = rtp_ntp_from_unix_us(pmedia_real_ns() / 1000u);
	si.rtp_ts = s->sip_tx.ts;
	si.packets = (uint32_t)s->sip_tx.sent;
	si.octets = (uint32_t)s->sip_tx.sent * PEER_FRAME;
	a = rtp_rtcp_build_sr(buf, sizeof(buf), s->sip_tx.ssrc, &si, &rb,
			      r->sip_rx_ssrc ? 1 : 0);
	if (a < 0)
		return;
	b = rtp_rtcp_build_sdes(buf + a, 256 - (size_t)a, s->sip_tx.ssrc,
				"phone@rtcgate-peer");
	if (b < 0)
		return;
	memcpy(cut, buf, (size_t)a - 4);
	if (prtcp_sip_send(s, buf, (size_t)(a + b), sizeof(buf))) {
		r->lsr_sent[r->sent % PRTCP_LSR_KEEP] =
			(uint32_t)(si.ntp >> 16);
		r->sent++;
	}
	/* Once: the same SR cut short, which mediad must drop and count
	 * (with --sdes, a valid SRTCP packet around the broken RTCP). */
	if (r->sent == 2 && prtcp_sip_send(s, cut, (size_t)a - 4,
					   sizeof(cut)))
		r->bad_sent++;
}

static json_t *prtcp_side(const struct prtcp_side *d)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:I}", "early", (json_int_t)d->early,
		"bye", (json_int_t)d->bye, "bye_ok", (json_int_t)d->bye_ok,
		"compounds", (json_int_t)d->compounds, "sr", (json_int_t)d->sr,
		"rr", (json_int_t)d->rr, "cname", (json_int_t)d->cname,
		"sender_ok", (json_int_t)d->sender_ok,
		"block_ok", (json_int_t)d->block_ok,
		"lsr_ok", (json_int_t)d->lsr_ok, "bad", (json_int_t)d->bad);
}

json_t *prtcp_report(struct psess **ss, size_t n)
{
	struct prtcp_side web = { 0 }, sip = { 0 };
	uint64_t sent = 0, bad_sent = 0, web_sent = 0;
	uint64_t sr_checked = 0, sr_count_bad = 0, sr_octets_bad = 0;
	uint32_t sr_ts_err = 0;

	for (size_t i = 0; i < n; i++) {
		const struct prtcp *r = &ss[i]->rtcp_st;
		const struct prtcp_side *a[2] = { &r->web, &r->sip };
		struct prtcp_side *t[2] = { &web, &sip };

		for (int j = 0; j < 2; j++) {
			t[j]->compounds += a[j]->compounds;
			t[j]->sr += a[j]->sr;
			t[j]->rr += a[j]->rr;
			t[j]->cname += a[j]->cname;
			t[j]->sender_ok += a[j]->sender_ok;
			t[j]->block_ok += a[j]->block_ok;
			t[j]->lsr_ok += a[j]->lsr_ok;
			t[j]->bad += a[j]->bad;
			t[j]->early += a[j]->early;
			t[j]->bye += a[j]->bye;
			t[j]->bye_ok += a[j]->bye_ok;
		}
		sent += r->sent;
		bad_sent += r->bad_sent;
		web_sent += r->web_sent;
		sr_checked += r->sr_checked;
		sr_count_bad += r->sr_count_bad;
		sr_octets_bad += r->sr_octets_bad;
		if (r->sr_ts_err_max > sr_ts_err)
			sr_ts_err = r->sr_ts_err_max;
	}
	return json_pack("{s:o, s:o, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}",
			 "web", prtcp_side(&web),
			 "sip", prtcp_side(&sip), "sip_sr_sent",
			 (json_int_t)sent, "sip_bad_sent", (json_int_t)bad_sent,
			 "web_sr_sent", (json_int_t)web_sent, "sip_sr_check",
			 "checked", (json_int_t)sr_checked, "count_bad",
			 (json_int_t)sr_count_bad, "octets_bad",
			 (json_int_t)sr_octets_bad, "ts_err_max",
			 (json_int_t)sr_ts_err);
}

void prtcp_bye_wait(struct psess **ss, size_t n, struct phist *scratch)
{
	for (int tries = 0; tries < 50; tries++) {	/* 50 x 20 ms */
		size_t done = 0;

		for (size_t i = 0; i < n; i++) {
			const struct prtcp *r = &ss[i]->rtcp_st;
			psess_flush(ss[i], scratch);
			done += r->web.bye && r->sip.bye;
		}
		if (done == n)
			return;
		usleep(20000);
	}
}
