/* pscript: --script, one session whose measured window has three phases
 * around a mid-call step that the b2bua would drive through mediad:
 *
 *   hold     the browser re-offers sendonly (media_update, side web); the
 *            SIP side answers mediad's forwarded offer recvonly; later
 *            both resume sendrecv.  Both ends keep sending throughout (a
 *            SIP side that ignores a hold), so phase 1 shows what mediad
 *            holds back.
 *   restart  the browser restarts ICE: new ufrag and pwd in a re-offer,
 *            mediad's new ones from its answer; the worker's ICE agent
 *            checks with them from then on, DTLS and SRTP stay.
 *   dtmf     one RFC 4733 event each way (browser '4', SIP side '6'), then
 *            media_dtmf toward each leg (web '9', sip '2').
 *
 * The main thread runs the steps (blocking bus requests); workers count
 * what arrives per phase and the telephone-events received.  The report
 * gets a "script" object. */
#include "peer.h"
#include "bus.h"
#include "rtp.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Atomic int pscript_phase;
static json_t *pscript_steps;

static const char pscript_digits[] = "0123456789*#ABCD";

/* ---- worker side ---- */

void pscript_measured(struct pmeter *ph, const struct pmeter *now,
		      const struct pmeter *before)
{
	ph->pkts += now->pkts - before->pkts;
	ph->undecodable += now->undecodable - before->undecodable;
	ph->samples += now->samples - before->samples;
	ph->energy += now->energy - before->energy;
	ph->tone += now->tone - before->tone;
	ph->other += now->other - before->other;
}

bool pscript_te_in(struct psess *s, bool web, const uint8_t *p, size_t n)
{
	int pt = web ? s->web_te_pt : s->sip_te_pt;
	struct pte_rx *r = &s->te_rx[web ? 0 : 1];
	struct rtp_hdr h;
	const uint8_t *pay;

	if (pt < 0 || n < RTP_HDR_MIN || rtp_pt(p) != pt)
		return false;
	r->pkts++;
	if (rtp_parse(p, n, &h) < 0 || h.payload_len < 4)
		return true;
	pay = p + h.hdr_len;
	/* One digit per event: its first end packet (E bit). */
	if ((pay[1] & 0x80) && !(r->have && r->ts == rtp_ts(p)) &&
	    r->n + 1 < sizeof(r->digits) && pay[0] < 16) {
		r->digits[r->n++] = pscript_digits[pay[0]];
		r->have = true;
		r->ts = rtp_ts(p);
	}
	return true;
}

/* One telephone-event packet k (0-7: five updates, three ends). */
static size_t pscript_te_pkt(struct pstream *st, int pt, uint8_t ev,
			     int k, uint32_t ts, uint8_t *p)
{
	bool end = k >= 5;
	uint16_t dur = (uint16_t)(end ? 800 : (k + 1) * 160);

	p[0] = 0x80;
	p[1] = (uint8_t)((k == 0 ? 0x80 : 0) | (pt & 0x7F));
	rtp_wr16(p + 2, st->seq++);
	rtp_wr32(p + 4, ts);
	rtp_wr32(p + 8, st->ssrc);
	p[12] = ev;
	p[13] = (uint8_t)((end ? 0x80 : 0) | 10);
	rtp_wr16(p + 14, dur);
	return 16;
}

void pscript_send(struct psess *s)
{
	uint8_t p[64 + SRTPX_TRAILER_MAX];
	size_t n;
	int k;

	if (atomic_exchange(&s->te_go, 0)) {
		s->te_frame = 1;
		s->te_ts[0] = s->web_tx.ts;
		s->te_ts[1] = s->sip_tx.ts;
	}
	if (!s->te_frame)
		return;
	k = s->te_frame - 1;
	s->te_frame = k == 7 ? 0 : s->te_frame + 1;
	if (s->web_te_pt >= 0) {
		n = pscript_te_pkt(&s->web_tx, s->web_te_pt, 4, k, s->te_ts[0], p);
		if (!srtpx_protect_rtp(s->srtp, p, &n, sizeof(p)))
			send(s->web.fd, p, n, MSG_DONTWAIT);
	}
	if (s->sip_te_pt >= 0) {
		n = pscript_te_pkt(&s->sip_tx, s->sip_te_pt, 6, k, s->te_ts[1], p);
		send(s->sip.fd, p, n, MSG_DONTWAIT);
	}
}

void pscript_tick(struct psess *s)
{
	/* Written by the main thread before the flag; read after it. */
	if (atomic_exchange(&s->ice_reinit, 0))
		pice_init(&s->ice, s->ufrag, s->rst_ufrag, s->rst_pwd);
}

/* ---- main thread ---- */

static const char *pscript_dir(const char *sdp)
{
	static const char *const dirs[] = { "sendrecv", "sendonly",
					    "recvonly", "inactive" };
	char a[16];

	for (size_t i = 0; sdp && i < 4; i++) {
		snprintf(a, sizeof(a), "a=%s\r", dirs[i]);
		if (strstr(sdp, a))
			return dirs[i];
	}
	return "none";
}

static void pscript_step(const char *what, bool fwd, const char *sdp1,
			 const char *sdp2)
{
	json_array_append_new(pscript_steps, json_pack("{s:s, s:b, s:s, s:s}",
		"step", what, "forward", fwd, "mediad_sdp_dir",
		pscript_dir(sdp1), "answer_dir", pscript_dir(sdp2)));
}

/* The browser re-offers dir; mediad forwards an offer to the SIP side,
 * which answers sip_dir; the answer for the browser comes back. */
static int pscript_reoffer(struct bus *b, struct psess *s, const char *dir,
			   const char *sip_dir, char *why, size_t whylen)
{
	char *offer = NULL, *ans = NULL;
	bool fwd = false;
	int e = pctl_update(b, s, "web", psdp_web_dir(s, true, s->cand, dir),
			    &fwd, &offer, why, whylen);

	if (!e && fwd)
		e = pctl_reanswer(b, s, psdp_sip_dir(s, false, sip_dir), &ans,
				  why, whylen);
	if (!e)
		pscript_step(dir, fwd, offer, ans);
	free(offer);
	free(ans);
	return e;
}

static int pscript_restart(struct bus *b, struct psess *s, char *why,
			   size_t whylen)
{
	struct psdp_remote r;
	char *ans = NULL;
	bool fwd = true;
	int e;

	if (psdp_random_chars(s->ufrag, PEER_UFRAG_LEN) ||
	    psdp_random_chars(s->pwd, PEER_PWD_LEN))
		return EIO;
	e = pctl_update(b, s, "web", psdp_web(s, true, s->cand), &fwd, &ans,
			why, whylen);
	if (!e)
		e = psdp_read(ans, s->o->web_codec, &r, why, whylen);
	if (!e) {
		json_array_append_new(pscript_steps, json_pack("{s:s, s:b, s:s}",
			"step", "ice-restart", "forward", fwd, "mediad_ufrag",
			r.ufrag));
		snprintf(s->rst_ufrag, sizeof(s->rst_ufrag), "%s", r.ufrag);
		snprintf(s->rst_pwd, sizeof(s->rst_pwd), "%s", r.pwd);
		atomic_store(&s->ice_reinit, 1);
	}
	free(ans);
	return e;
}

int pscript_run(const struct peer_opts *o, struct bus *b, struct psess *s)
{
	useconds_t third = (useconds_t)(o->duration_ms * 1000 / 3);
	char why[PEER_WHY_LEN] = "";
	int e = 0;

	pscript_steps = json_array();
	atomic_store(&pscript_phase, 0);
	usleep(third);
	switch (o->script) {
	case PSCRIPT_HOLD:
		e = pscript_reoffer(b, s, "sendonly", "recvonly", why,
				    sizeof(why));
		atomic_store(&pscript_phase, 1);
		usleep(third);
		if (!e)
			e = pscript_reoffer(b, s, "sendrecv", "sendrecv", why,
					    sizeof(why));
		break;
	case PSCRIPT_RESTART:
		e = pscript_restart(b, s, why, sizeof(why));
		atomic_store(&pscript_phase, 1);
		usleep(third);
		break;
	case PSCRIPT_REKEY:
		e = psdes_rekey(b, s, why, sizeof(why));
		if (!e)
			json_array_append_new(pscript_steps, json_pack("{s:s}",
				"step", "sdes-rekey"));
		atomic_store(&pscript_phase, 1);
		usleep(third);
		break;
	case PSCRIPT_DTMF:
		atomic_store(&s->te_go, 1);
		atomic_store(&pscript_phase, 1);
		usleep(third / 2);
		e = pctl_dtmf(b, s, "web", "9", why, sizeof(why));
		if (!e)
			e = pctl_dtmf(b, s, "sip", "2", why, sizeof(why));
		if (!e)
			json_array_append_new(pscript_steps, json_pack("{s:s}",
				"step", "media_dtmf web 9, sip 2"));
		usleep(third / 2);
		break;
	default:
		break;
	}
	atomic_store(&pscript_phase, 2);
	usleep(third);
	if (e) {
		json_array_append_new(pscript_steps, json_pack("{s:s}",
			"error", why));
		psess_fail(s, why);
	}
	return e;
}

static json_t *pscript_phase_json(const struct pmeter *m)
{
	double e = m->energy > 0 ? m->energy : 1;

	return json_pack("{s:I, s:f, s:f}", "received", (json_int_t)m->pkts,
		"purity", m->tone / e, "energy_per_sample",
		m->samples ? m->energy / (double)m->samples : 0.0);
}

json_t *pscript_report(const struct psess *s)
{
	json_t *ph = json_array();

	for (int i = 0; i < 3; i++)
		json_array_append_new(ph, json_pack("{s:o, s:o}", "web_to_sip",
			pscript_phase_json(&s->sip_ph[i]), "sip_to_web",
			pscript_phase_json(&s->web_ph[i])));
	json_t *steps = pscript_steps ? pscript_steps : json_array();

	pscript_steps = NULL;	/* the report owns it now */
	return json_pack("{s:o, s:o, s:{s:I, s:s%, s:I, s:s%}}", "steps",
		steps, "phases", ph,
		"dtmf", "web_te_packets", (json_int_t)s->te_rx[0].pkts,
		"web_digits", s->te_rx[0].digits, s->te_rx[0].n,
		"sip_te_packets", (json_int_t)s->te_rx[1].pkts,
		"sip_digits", s->te_rx[1].digits, s->te_rx[1].n);
}
