/* preport: the run's figures as one JSON object on stdout, for tests and
 * the load benchmark to read, plus CPU time from /proc. */
#include "peer.h"
#include "log.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* utime + stime of a process, in seconds (proc(5): fields 14 and 15). */
int preport_cpu_read(long pid, double *sec)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: count fields after its ')'. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu", &ut, &st) != 2)
		return -1;
	*sec = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

double preport_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Non-empty buckets as [us, count] (coarse ones at their middle). */
static json_t *preport_hist(const struct phist *h)
{
	json_t *a = json_array();

	for (size_t i = 0; i < PHIST_FINE; i++)
		if (h->fine[i])
			json_array_append_new(a, json_pack("[I,I]", (json_int_t)i,
				(json_int_t)h->fine[i]));
	for (size_t i = 0; i < PHIST_COARSE; i++)
		if (h->coarse[i])
			json_array_append_new(a, json_pack("[I,I]",
				(json_int_t)(PHIST_FINE + i * 100 + 50),
				(json_int_t)h->coarse[i]));
	if (h->over)
		json_array_append_new(a, json_pack("[I,I]",
			(json_int_t)h->max_us, (json_int_t)h->over));
	return a;
}

static json_t *preport_lat(const struct phist *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "n", (json_int_t)h->n,
		"p50", (json_int_t)phist_pct(h, 50), "p90",
		(json_int_t)phist_pct(h, 90), "p99", (json_int_t)phist_pct(h, 99),
		"p999", (json_int_t)phist_pct(h, 99.9), "max",
		(json_int_t)h->max_us);
}

/* The share of what was sent that did not arrive (duplicates may make
 * more arrive: no loss then).  frames: with --sip-ptime, packets are not
 * 20 ms on every hop: loss is then counted in 20 ms of audio (frames
 * sent, blocks decoded). */
static double preport_loss(uint64_t sent, const struct pmeter *m,
			   double frames)
{
	double loss = frames > 0 ? 1.0 - (double)(m->samples / PEER_FRAME) /
					 frames :
		      sent ? 1.0 - (double)m->pkts / (double)sent : 0;

	return loss < 0 ? 0 : loss;
}

/* What one direction delivered and how it sounded. */
static json_t *preport_dir(uint64_t sent, const struct pmeter *m, int hz,
			   double worst, const struct phist *lat,
			   double frames)
{
	double e = m->energy > 0 ? m->energy : 1;
	json_t *j = json_pack("{s:I, s:I, s:f, s:I, s:I, s:i, s:f, s:f, s:f, "
		"s:f}", "sent", (json_int_t)sent, "received",
		(json_int_t)m->pkts, "loss", preport_loss(sent, m, frames),
		"undecodable", (json_int_t)m->undecodable, "unstamped",
		(json_int_t)m->no_stamp, "tone_hz", hz, "purity", m->tone / e,
		"worst_purity", worst, "other_tone", m->other / e, "level_dbfs",
		m->samples ? 10 * log10(m->energy / (double)m->samples /
					(32768.0 * 32768.0) + 1e-20) : -200.0);

	if (lat)
		json_object_set_new(j, "latency_us", preport_lat(lat));
	return j;
}

static int preport_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* p50 and p99 of n values (sorted in place). */
static json_t *preport_pcts(double *v, size_t n)
{
	if (!n)
		return json_null();
	qsort(v, n, sizeof(*v), preport_cmp);
	return json_pack("{s:f, s:f, s:f}", "p50", v[(n - 1) / 2], "p99",
			 v[(size_t)((double)(n - 1) * 0.99)], "max", v[n - 1]);
}

static json_t *preport_session(const struct psess *s)
{
	double we = s->sip_rx.energy > 0 ? s->sip_rx.energy : 1;
	double se = s->web_rx.energy > 0 ? s->web_rx.energy : 1;

	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, "
		"s:f, s:f, s:f, s:[I,I,I,I]}", "idx", s->idx, "session", s->id,
		"state", s->state == PS_MEDIA ? "media" : "failed", "why", s->why,
		"srtp", s->profile, "web_sent", (json_int_t)s->web_tx.sent,
		"sip_received", (json_int_t)s->sip_rx.pkts, "sip_sent",
		(json_int_t)(s->o->echo ? s->sip_echoed : s->sip_tx.sent),
		"web_received", (json_int_t)s->web_rx.pkts,
		"sip_purity", s->sip_rx.tone / we, "web_purity", s->web_rx.tone / se,
		"ice_ms", s->t_ice ? (double)(s->t_ice - s->t_posted) / 1e3 : -1.0,
		"dtls_ms", s->t_dtls ? (double)(s->t_dtls - s->t_ice) / 1e3 : -1.0,
		"mediad", (json_int_t)s->mediad_stats[0],
		(json_int_t)s->mediad_stats[1], (json_int_t)s->mediad_stats[2],
		(json_int_t)s->mediad_stats[3]);
}

struct preport_sum {
	struct pmeter w2s, s2w;		/* as received by the SIP, web end */
	uint64_t web_sent, sip_sent;
	double worst_w2s, worst_s2w;
	long media, failed;
	double *ice, *dtls;
	size_t nset;
	json_int_t mediad[4];
	json_int_t drops[2];		/* our web, SIP sockets' overflows */
	json_int_t win[2];		/* RTP sent, received in the window */
	json_t *fails;			/* reason -> count */
	bool all_ok;
};

static double preport_purity(const struct pmeter *m)
{
	return m->energy > 0 ? m->tone / m->energy : 0;
}

static void preport_add(struct preport_sum *t, const struct psess *s)
{
	if (s->state != PS_MEDIA) {
		json_t *c = json_object_get(t->fails, s->why);
		json_object_set_new(t->fails, s->why, json_integer(
			json_integer_value(c) + 1));
		t->failed++;
		t->all_ok = false;
		return;
	}
	t->media++;
	pmeter_add(&t->w2s, &s->sip_rx);
	pmeter_add(&t->s2w, &s->web_rx);
	t->web_sent += s->web_tx.sent;
	t->sip_sent += s->o->echo ? s->sip_echoed : s->sip_tx.sent;
	t->worst_w2s = fmin(t->worst_w2s, preport_purity(&s->sip_rx));
	t->worst_s2w = fmin(t->worst_s2w, preport_purity(&s->web_rx));
	t->ice[t->nset] = (double)(s->t_ice - s->t_posted) / 1e3;
	t->dtls[t->nset++] = (double)(s->t_dtls - s->t_ice) / 1e3;
	for (int i = 0; i < 4; i++)
		t->mediad[i] += s->mediad_stats[i];
	t->win[0] += (json_int_t)s->win_sent;
	t->win[1] += (json_int_t)s->win_rcvd;
	t->drops[0] += s->web_drops;
	t->drops[1] += s->sip_drops;
	if (!s->sip_rx.pkts || !s->web_rx.pkts)
		t->all_ok = false;
}

static json_t *preport_cpu(const struct preport_cpu *c, long calls)
{
	double min = c->window_s / 60.0 * (double)(calls ? calls : 1);
	json_t *j = json_pack("{s:f, s:f, s:f, s:f}", "window_s", c->window_s,
		"peer_cpu_s", c->peer_s, "peer_cores",
		c->window_s > 0 ? c->peer_s / c->window_s : 0.0,
		"peer_cpu_s_per_call_minute", c->peer_s / min);

	if (c->have_mediad) {
		json_object_set_new(j, "mediad_cpu_s", json_real(c->mediad_s));
		json_object_set_new(j, "mediad_cores", json_real(
			c->window_s > 0 ? c->mediad_s / c->window_s : 0.0));
		json_object_set_new(j, "mediad_cpu_s_per_call_minute",
				    json_real(c->mediad_s / min));
	}
	return j;
}

static json_t *preport_head(const struct peer_opts *o, size_t n,
			    const struct preport_sum *t)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:{s:s, s:s}, s:O}",
		"sessions", (json_int_t)n, "media", (json_int_t)t->media,
		"failed", (json_int_t)t->failed, "offer", o->sip_offers ? "sip" :
		"web", "ice", o->ice == PEER_ICE_NICE ? "nice" : "stun",
		"sip_side", o->echo ? "echo" : "tone", "codec", "web",
		pcli_codec_name(o->web_codec), "sip", pcli_codec_name(o->sip_codec),
		"failures", t->fails);
}

/* 20 ms frames each way when --sip-ptime changes the packet sizes, for
 * preport_loss; 0 otherwise. */
static double preport_w2s_frames(const struct peer_opts *o,
				 const struct preport_sum *t)
{
	return o->sip_ptime ? (double)t->web_sent : 0;
}

static double preport_s2w_frames(const struct peer_opts *o,
				 const struct preport_sum *t)
{
	return o->sip_ptime && !o->echo ?
	       (double)t->sip_sent * (double)o->sip_ptime / 20.0 : 0;
}

/* --max-loss: every session carried audio, but was it clean enough?  The
 * same figures as the report's web_to_sip.loss and sip_to_web.loss. */
static int preport_loss_check(const struct peer_opts *o,
			      const struct preport_sum *t)
{
	double w2s = preport_loss(t->web_sent, &t->w2s, preport_w2s_frames(o, t));
	double s2w = preport_loss(t->sip_sent, &t->s2w, preport_s2w_frames(o, t));

	if (o->max_loss < 0 || (w2s <= o->max_loss && s2w <= o->max_loss))
		return 0;
	LOG_ERROR("report", "loss %.2f%% web->sip, %.2f%% sip->web: more "
		  "than --max-loss %.2f%%", w2s * 100, s2w * 100,
		  o->max_loss * 100);
	return PEER_EXIT_LOSS;
}

int preport_print(const struct peer_opts *o, struct psess **ss, size_t n,
		  const struct phist lat[3], const struct preport_cpu *cpu,
		  const struct preport_peer *pp)
{
	struct preport_sum t = { .worst_w2s = 1, .worst_s2w = 1,
				 .fails = json_object(), .all_ok = n > 0 };
	json_t *j, *per = json_array();

	t.ice = calloc(n + 1, sizeof(double));
	t.dtls = calloc(n + 1, sizeof(double));
	for (size_t i = 0; t.ice && t.dtls && i < n; i++) {
		preport_add(&t, ss[i]);
		if (o->per_session)
			json_array_append_new(per, preport_session(ss[i]));
	}
	j = preport_head(o, n, &t);
	json_object_set_new(j, "transcode", json_boolean(n && ss[0]->transcode));
	json_object_set_new(j, "srtp", json_string(n ? ss[0]->profile : ""));
	json_object_set_new(j, "ice_ms", preport_pcts(t.ice, t.nset));
	json_object_set_new(j, "dtls_ms", preport_pcts(t.dtls, t.nset));
	json_object_set_new(j, "web_to_sip", preport_dir(t.web_sent, &t.w2s,
		o->web_hz, t.worst_w2s, &lat[0], preport_w2s_frames(o, &t)));
	json_object_set_new(j, "sip_to_web", preport_dir(t.sip_sent, &t.s2w,
		o->echo ? o->web_hz : o->sip_hz, t.worst_s2w,
		o->echo ? NULL : &lat[1], preport_s2w_frames(o, &t)));
	if (o->echo)
		json_object_set_new(j, "round_trip_us", preport_lat(&lat[2]));
	if (o->hist)
		json_object_set_new(j, "latency_hist", json_pack("{s:o, s:o, s:o}",
			"web_to_sip", preport_hist(&lat[0]), "sip_to_web",
			preport_hist(&lat[1]), "round_trip", preport_hist(&lat[2])));
	json_object_set_new(j, "cpu", preport_cpu(cpu, t.media));
	json_object_set_new(j, "peer_overruns",
			    json_integer((json_int_t)pp->overruns));
	json_object_set_new(j, "peer_backlog", json_integer((json_int_t)pp->backlog));
	json_object_set_new(j, "window_packets", json_pack("{s:I, s:I}", "sent",
		t.win[0], "received", t.win[1]));
	json_object_set_new(j, "peer_socket_drops", json_pack("{s:I, s:I}", "web",
		t.drops[0], "sip", t.drops[1]));
	json_object_set_new(j, "mediad_counters", json_pack("{s:I, s:I, s:I, "
		"s:I}", "web_rx", t.mediad[0], "web_tx", t.mediad[1], "sip_rx",
		t.mediad[2], "sip_tx", t.mediad[3]));
	json_object_set_new(j, "per_session", per);
	if (o->sdes || o->sip_srtp)	/* the first session's, from mediad */
		json_object_set_new(j, "mediad_sip_srtp", n &&
			ss[0]->mediad_sip_srtp ?
			json_incref(ss[0]->mediad_sip_srtp) : json_null());
	if (o->rtcp)
		json_object_set_new(j, "rtcp", prtcp_report(ss, n));
	json_object_set_new(j, "framing", json_pack("{s:{s:I, s:I, s:I, s:i},"
		" s:{s:I, s:I, s:I, s:i}}", "sip", "size_bad",
		(json_int_t)t.w2s.size_bad, "step_bad", (json_int_t)t.w2s.step_bad,
		"steps", (json_int_t)t.w2s.steps, "ptime_said",
		n ? (int)ss[0]->sip_ptime : 0, "web", "size_bad",
		(json_int_t)t.s2w.size_bad, "step_bad", (json_int_t)t.s2w.step_bad,
		"steps", (json_int_t)t.s2w.steps, "ptime_said",
		n ? (int)ss[0]->web_ptime : 0));
	if (o->script && n)
		json_object_set_new(j, "script", pscript_report(ss[0]));
	json_dumpf(j, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
	json_decref(t.fails);
	free(t.ice);
	free(t.dtls);
	return t.all_ok ? preport_loss_check(o, &t) : 1;
}
