/* rtcgate-peer: the browser side (and a SIP-side RTP endpoint) of many
 * mediad sessions at once, for tests and load.
 *
 * Per session: a WebRTC offer or answer exchanged with mediad over NATS,
 * the controlling side of ICE (libnice's STUN usage API on a plain UDP
 * socket, or a NiceAgent for a few sessions), a DTLS handshake
 * (services/mediad/dtls.c), SRTP (srtpx.c), and audio every 20 ms both
 * ways: a tone from the WebRTC side, a tone or an echo from the SIP side.
 * What arrives is decoded and measured: packets, loss, the energy at the
 * expected frequency, and the one-way latency added on the way through
 * mediad (send time carried in an RTP header extension, receive time from
 * the kernel's socket timestamp).
 *
 * Threads: the main thread talks to mediad on the bus and hands each
 * session to one of a few worker threads (epoll loops, pworker.c), which
 * own it until they are joined; the NiceAgent mode adds one GLib thread.
 * Module prefixes: pcli (options), pctl (bus), psdp (SDP), pice (STUN
 * ICE), pnice (NiceAgent), psess (a session), pmedia (audio and
 * measurement), pworker (loops), preport (JSON report).
 */
#ifndef RTCGATE_PEER_H
#define RTCGATE_PEER_H

#include "dtls.h"
#include "sdp.h"
#include "srtpx.h"

#include <jansson.h>

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stun/stunagent.h>

struct OpusDecoder;

/* A callback's parameter that this implementation does not need. */
#define PEER_UNUSED __attribute__((unused))

enum peer_codec { PEER_PCMU, PEER_PCMA, PEER_OPUS, PEER_CODEC_COUNT };
enum peer_ice { PEER_ICE_STUN, PEER_ICE_NICE };
enum pscript { PSCRIPT_NONE, PSCRIPT_HOLD, PSCRIPT_RESTART, PSCRIPT_DTMF,
	       PSCRIPT_REKEY };

enum {
	PEER_FRAME = 160,	/* samples per 20 ms at 8 kHz */
	PEER_SLOTS = 80,	/* send slots in a 20 ms period */
	PEER_TICK_NS = 20000000 / PEER_SLOTS,	/* 250 us */
	PEER_PKT_MAX = 1500 + SRTPX_TRAILER_MAX,
	PEER_UFRAG_LEN = 8,
	PEER_PWD_LEN = 24,
	PEER_WHY_LEN = 120,
	PEER_ID_LEN = 96,
	PEER_OPUS_CYCLE = 50,	/* pre-encoded Opus frames, replayed */
	PEER_OPUS_MAX = 400,	/* bytes of one pre-encoded frame */
};

struct peer_opts {
	const char *nats_url;
	const char *node;		/* mediad's instance id, or "any" */
	const char *ip;			/* our address for both legs */
	long sessions;
	long threads;			/* epoll workers, 1 or 2 */
	long rate;			/* sessions set up per second */
	long warmup_ms;			/* after setup, before measuring */
	long duration_ms;		/* the measured window */
	long setup_timeout_ms;
	long cpu_pid;			/* mediad's pid: its CPU over the window */
	bool sip_offers;		/* the SIP side offers, not the browser */
	bool answer_passive;		/* SIP offers: answer setup:passive */
	bool echo;			/* SIP side echoes instead of a tone */
	bool per_session;		/* per-session figures in the report */
	bool hist;			/* latency histograms in the report */
	bool window_signal;		/* the window starts on SIGUSR1 */
	bool rtcp;			/* RTCP both ends (prtcp.c) */
	bool rtcp_web;			/* ... and the browser sends SRTCP */
	bool rtcp_attr;			/* ... the phone sends none, its SDP
					   names its RTCP socket (a=rtcp) */
	enum peer_ice ice;
	enum pscript script;		/* a mid-call step (pscript.c) */
	enum peer_codec web_codec, sip_codec;
	int web_hz, sip_hz;		/* tone sent by each side */
	/* SDES-SRTP on the SIP leg (psdes.c) */
	const char *sdes;		/* the phone's suite; NULL: plain RTP */
	bool sdes_avp;			/* its offer says RTP/AVP, not SAVP */
	const char *sip_srtp;		/* media_create's sip_srtp, or NULL */
	long sdes_forge;		/* forged tags (and replays) to send */
	/* a leap in the sequence numbers one end sends, after
	 * PEER_JUMP_AT packets (a phone counting on while held) */
	long sip_seq_jump, web_seq_jump;
	/* --sip-ptime, --sip-maxptime: the phone's a=ptime (its packets'
	 * size, G.711) and a=maxptime; 0: 20 ms, no maxptime */
	long sip_ptime, sip_maxptime;
	/* --max-loss: exit status 3 when either direction lost more than
	 * this share of what was sent (0..1); negative: off */
	double max_loss;
};

/* Exit status when the calls were up but lost more than --max-loss. */
enum { PEER_EXIT_LOSS = 3 };

enum { PEER_JUMP_AT = 150 };	/* packets: 3 s of audio */

/* A latency histogram: 1 us steps to 10 ms, then 100 us steps to 1 s. */
enum { PHIST_FINE = 10000, PHIST_COARSE = 10000 };
struct phist {
	uint64_t n, over;
	uint64_t max_us;
	uint32_t fine[PHIST_FINE];
	uint32_t coarse[PHIST_COARSE];
};

/* What one end received on one leg, and how it sounded. */
struct pmeter {
	uint64_t pkts;
	uint64_t undecodable;		/* not RTP, wrong PT, bad Opus */
	uint64_t no_stamp;		/* no send time: mediad made the packet */
	uint64_t samples;
	double energy;			/* sum of x^2 over decoded samples */
	double tone;			/* of which at the expected frequency */
	double other;			/* ... at the other side's frequency */
	uint64_t lat_n;
	double lat_sum_us;
	uint64_t lat_max_us;
	/* samples short of a 20 ms block, for the next packet */
	int ncarry;
	int16_t carry[PEER_FRAME];
	/* framing: packets whose size, or whose timestamp step from the
	 * one before (consecutive sequence numbers only), was not the
	 * expected one (20 ms Opus toward the browser, the phone's ptime
	 * toward it) */
	uint64_t size_bad, step_bad, steps;
	uint32_t want;			/* samples at 8 kHz a packet should hold */
	bool have_last;
	uint16_t last_seq;
	uint32_t last_ts;
	uint32_t last_size;		/* samples of the last packet */
	uint64_t last_rx_ns;		/* ... its arrival */
};

/* What one end sends on one leg. */
struct pstream {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint32_t frame;			/* frames sent, picks the Opus frame */
	uint64_t sent;
	uint64_t last_ns, prev_ns;	/* send times of the last two built */
	uint64_t pos;			/* G.711 samples sent (--sip-ptime) */
	long credit;			/* ... and due, not yet sent */
};

/* Controlling ICE with the STUN usage API (pice.c). */
struct pice {
	StunAgent agent;
	uint64_t tie;
	bool outstanding;		/* a check awaits its response */
	StunTransactionId last_id;
	uint64_t next_us;		/* next check (retry or consent) */
	uint32_t checks, responses;
	char username[2 * SDP_ICE_LEN + 2];	/* remote:local */
	char remote_pwd[SDP_ICE_LEN];
};

enum psess_state {
	PS_NEW,		/* set up on the bus, not yet on a worker */
	PS_ICE,		/* checking */
	PS_DTLS,	/* handshaking */
	PS_MEDIA,	/* SRTP keyed: audio flows */
	PS_FAILED,
};

struct psess;

/* epoll's data for one socket. */
struct psock {
	struct psess *s;
	int fd;
	bool sip;
	bool rtcp;			/* the phone's RTCP socket */
};

/* --rtcp (prtcp.c): what one end got from mediad. */
struct prtcp_side {
	uint64_t compounds, sr, rr, cname;
	uint64_t sender_ok;		/* SR/RR from mediad's RTP SSRC */
	uint64_t block_ok;		/* blocks about the SSRC we send */
	uint64_t lsr_ok;		/* SIP: ... whose LSR is one of ours */
	uint64_t bad;			/* unusable SRTCP or RTCP */
	uint64_t early;			/* before mediad's RTP: not checked */
	uint64_t bye;			/* compounds ending in a BYE ... */
	uint64_t bye_ok;		/* ... naming mediad's RTP SSRC */
};
enum { PRTCP_LSR_KEEP = 16 };
struct prtcp {
	uint64_t next_us;
	uint32_t web_rx_ssrc, sip_rx_ssrc;	/* mediad's RTP toward us */
	struct prtcp_side web, sip;
	uint64_t sent, bad_sent;	/* the phone's SRs, and the broken one */
	uint64_t web_sent;		/* the browser's SRs (--rtcp-web) */
	uint32_t web_lsr;		/* the last SR the browser got ... */
	uint64_t web_lsr_us;		/* ... and when */
	uint32_t lsr_sent[PRTCP_LSR_KEEP];
	/* mediad's SRs to the phone against its RTP there: the packet
	 * count (within 2 of what arrived), octets (packets times the
	 * packet size, fixed G.711), and the RTP time of the SR's instant
	 * against the last packet's end plus the time since it arrived */
	uint64_t sr_checked, sr_count_bad, sr_octets_bad;
	uint32_t sr_ts_err_max;		/* samples, absolute */
};

struct pnice;

struct psess {
	int idx;
	enum psess_state state;
	char why[PEER_WHY_LEN];		/* why it failed */
	char id[PEER_ID_LEN];		/* mediad's session id */
	char node[PEER_ID_LEN];		/* the mediad that owns it */
	const struct peer_opts *o;
	struct psock web, sip, rtcp;	/* rtcp: with --rtcp only */
	struct prtcp rtcp_st;
	uint16_t web_port, sip_port;	/* ours */
	uint16_t rtcp_port;		/* the phone's RTCP socket (--rtcp) */
	struct sockaddr_in mediad_sip;	/* where our SIP side sends */
	int web_pt, sip_pt;		/* as negotiated */
	uint32_t web_ptime, sip_ptime;	/* a=ptime of mediad's SDP per leg */
	bool transcode;
	char ufrag[SDP_ICE_LEN], pwd[SDP_ICE_LEN];
	char cand[256];			/* ours, "candidate:..." */
	struct pice ice;
	struct pnice *nice;
	enum dtls_role role;
	struct dtls_conn *dtls;
	struct srtpx *srtp;
	char profile[40];
	uint64_t t_posted, t_ice, t_dtls, media_at;	/* CLOCK_MONOTONIC us */
	bool sending;
	struct pstream web_tx, sip_tx;
	uint64_t sip_echoed;
	uint32_t web_drops, sip_drops;	/* our sockets' SO_RXQ_OVFL counts */
	uint64_t win_sent, win_rcvd;	/* RTP packets in the measured window */
	struct pmeter web_rx, sip_rx;
	struct OpusDecoder *web_dec, *sip_dec;
	int64_t mediad_stats[4];	/* web rx/tx, sip rx/tx, from delete */
	/* --script (pscript.c): what arrived per phase, telephone-events,
	 * ICE credentials of a restart handed to the worker */
	struct pmeter web_ph[3], sip_ph[3];
	int web_te_pt, sip_te_pt;	/* -1: not negotiated */
	_Atomic int te_go;		/* main -> worker: send an event */
	int te_frame;			/* worker: 0 idle, else packet + 1 */
	uint32_t te_ts[2];		/* web, sip: the event's timestamp */
	struct pte_rx {
		uint32_t pkts;
		bool have;
		uint32_t ts;
		size_t n;
		char digits[16];
	} te_rx[2];			/* web, sip */
	_Atomic int ice_reinit;		/* main -> worker: new credentials */
	char rst_ufrag[SDP_ICE_LEN], rst_pwd[SDP_ICE_LEN];
	/* --sdes (psdes.c): the phone's key, its tag, its SRTP */
	struct srtpx_sdes sdes_local;
	char sdes_inline[SRTPX_SDES_INLINE_MAX];
	uint32_t sdes_tag;
	const char *sdes_proto;		/* of the phone's SDP */
	struct srtpx *sip_srtp;
	/* --script rekey: the phone's SRTP with its new key, made on the
	 * main thread, taken by the worker before its next packet */
	struct srtpx *_Atomic sip_srtp_next;
	long forged;			/* forged tags sent so far */
	json_t *mediad_sip_srtp;	/* media_delete's sip.srtp */
};

/* ---- psdes.c: --sdes, SDES-SRTP on the phone's leg ---- */
struct psdp_remote;
struct bus;
int psdes_init(struct psess *s);
/* The phone's a=crypto line (and proto) for its offer or answer. */
const char *psdes_proto(const struct psess *s);
void psdes_line(const struct psess *s, char *out, size_t cap);
/* mediad's side of the exchange is known: key the phone's SRTP. */
int psdes_configure(struct psess *s, const struct psdp_remote *sip,
		    char *why, size_t whylen);
/* --script rekey: the phone re-offers with a new key of its own. */
int psdes_rekey(struct bus *b, struct psess *s, char *why, size_t whylen);
/* One RTP packet of the phone's, protected and sent (with a forged
 * copy and a replay while --sdes-forge lasts). */
void psdes_send(struct psess *s, uint8_t *p, size_t n, size_t cap);
/* A packet from mediad on the SIP leg: false when it does not verify. */
bool psdes_in(struct psess *s, uint8_t *p, size_t *n);

/* ---- prtcp.c: --rtcp ---- */
void prtcp_rtp_seen(struct psess *s, bool sip, const uint8_t *p, size_t n);
void prtcp_web_in(struct psess *s, uint8_t *p, size_t n);
/* rx_ns: its arrival (CLOCK_REALTIME), to check an SR's RTP time. */
void prtcp_sip_in(struct psess *s, uint8_t *p, size_t n, uint64_t rx_ns);
void prtcp_tick(struct psess *s, uint64_t now_us);
json_t *prtcp_report(struct psess **ss, size_t n);
/* After media_delete: read what is still coming until each session has
 * had mediad's BYE on both legs, or a second has passed. */
void prtcp_bye_wait(struct psess **ss, size_t n, struct phist *scratch);

/* ---- pcli.c ---- */
int pcli_parse(int argc, char **argv, struct peer_opts *o);
const char *pcli_codec_name(enum peer_codec c);

/* ---- pmedia.c: audio, RTP with a send-time extension, measurement ---- */
int pmedia_init(const struct peer_opts *o);
uint64_t pmedia_mono_us(void);
uint64_t pmedia_real_ns(void);
int pmedia_pt(enum peer_codec c);
uint32_t pmedia_ts_step(enum peer_codec c);
/* Build the next 20 ms packet of a tone (hz) in codec c into buf. */
size_t pmedia_build(struct pstream *st, enum peer_codec c, int pt, int hz,
		    uint8_t *buf, size_t cap);
/* Measure a received RTP packet; rx_ns is the kernel's arrival time (0 if
 * unknown).  Returns the latency sample in ns, or -1 without a stamp. */
/* --sip-ptime: one G.711 packet of n samples of the tone. */
size_t pmedia_build_g711(struct pstream *st, enum peer_codec c, int pt,
			 int hz, size_t n, uint8_t *p, size_t cap);
int64_t pmedia_measure(struct pmeter *m, struct OpusDecoder *dec,
		       enum peer_codec c, int pt, int hz, int other_hz,
		       const uint8_t *p, size_t len, uint64_t rx_ns);
int pmedia_decoder_new(enum peer_codec c, struct OpusDecoder **dp);
void pmedia_decoder_free(struct OpusDecoder *d);
void pmeter_add(struct pmeter *sum, const struct pmeter *m);

void phist_add(struct phist *h, uint64_t us);
void phist_merge(struct phist *into, const struct phist *h);
uint64_t phist_pct(const struct phist *h, double pct);

/* ---- psdp.c ---- */
struct psdp_remote {
	char addr[SDP_ADDR_LEN];
	uint16_t port;
	int pt;				/* the codec we use, -1 if none */
	char ufrag[SDP_ICE_LEN], pwd[SDP_ICE_LEN];
	char fp_hex[SDP_FP_LEN];
	enum sdp_setup setup;
	char cand[SDP_MAX_LINE];	/* first candidate, "candidate:..." */
	bool webrtc;
	int te_pt;			/* telephone-event/8000, -1: none */
	char proto[32];			/* the m= line's, as written */
	uint32_t ptime, maxptime;	/* mediad's a=ptime, a=maxptime, 0 */
	/* SDES: the first a=crypto line with --sdes's suite */
	bool crypto;
	uint32_t crypto_tag;
	char crypto_kp[SDP_CRYPTO_KEY_LEN + 64];	/* inline:KEY|... */
};
int psdp_global_init(void);
void psdp_global_fini(void);
const char *psdp_fingerprint(void);
struct dtls_ctx *psdp_dtls_ctx(void);
char *psdp_web(const struct psess *s, bool offer, const char *cand);
char *psdp_sip(const struct psess *s, bool offer);
/* The same with a direction ("sendrecv", "sendonly", ...). */
char *psdp_web_dir(const struct psess *s, bool offer, const char *cand,
		   const char *dir);
char *psdp_sip_dir(const struct psess *s, bool offer, const char *dir);
/* Parse mediad's SDP and pick codec c; 0 or an errno, why set. */
int psdp_read(const char *text, enum peer_codec c, struct psdp_remote *r,
	      char *why, size_t whylen);
int psdp_random_chars(char *out, size_t n);
int psdp_read_crypto(const char *text, const char *suite,
		     struct psdp_remote *r);

/* ---- pice.c ---- */
void pice_init(struct pice *ice, const char *local_ufrag,
	       const char *remote_ufrag, const char *remote_pwd);
/* Send a check when one is due; true once the pair is nominated. */
void pice_tick(struct psess *s, uint64_t now_us);
/* A STUN datagram from mediad: true when it validated a response. */
bool pice_input(struct psess *s, const uint8_t *p, size_t len);

/* ---- pnice.c: NiceAgent as a controlling full ICE agent ---- */
int pnice_global_start(void);
void pnice_global_stop(void);
/* Gathers, then gives our ufrag, pwd, candidate line and its port. */
int pnice_new(struct pnice **np, const char *ip, char *ufrag, char *pwd,
	      char *cand, size_t candlen, uint16_t *port);
int pnice_set_remote(struct pnice *n, const struct psdp_remote *r);
int pnice_fd(const struct pnice *n);
void pnice_free(struct pnice *n);
enum { PNICE_READY = 0xFF, PNICE_FAILED = 0xFE };	/* marker datagrams */

/* ---- psess.c ---- */
int psess_new(struct psess **sp, int idx, const struct peer_opts *o);
void psess_free(struct psess *s);
int psess_configure(struct psess *s, const struct psdp_remote *web,
		    const struct psdp_remote *sip, char *why, size_t whylen);
void psess_start(struct psess *s, uint64_t now_us);
/* Reads what is queued (a batch); the number of datagrams read. */
int psess_readable(struct psock *k, struct phist *lat);
uint64_t psess_flush(struct psess *s, struct phist *scratch);
void psess_tick(struct psess *s, uint64_t now_us);
void psess_send(struct psess *s);
void psess_fail(struct psess *s, const char *why);

/* ---- pctl.c: mediad over the bus ---- */
struct bus;
int pctl_connect(struct bus **bp, const char *url);
int pctl_setup(struct bus *b, struct psess *s, char *why, size_t whylen);
void pctl_delete(struct bus *b, struct psess *s);
/* media_update: *out (malloc'd) is mediad's SDP, *fwd its forward. */
int pctl_update(struct bus *b, struct psess *s, const char *side, char *sdp,
		bool *fwd, char **out, char *why, size_t whylen);
/* media_answer after a forwarded re-offer: *out the answer it gives. */
int pctl_reanswer(struct bus *b, struct psess *s, char *sdp, char **out,
		  char *why, size_t whylen);
int pctl_dtmf(struct bus *b, struct psess *s, const char *leg,
	      const char *digits, char *why, size_t whylen);

/* ---- pscript.c: --script, a mid-call step ---- */
extern _Atomic int pscript_phase;	/* 0 before, 1 during, 2 after */
/* Main thread: the measured window in three phases around the step. */
int pscript_run(const struct peer_opts *o, struct bus *b, struct psess *s);
/* Worker: per packet received (web: after SRTP); true when it was a
 * telephone-event (counted, not measured as audio). */
bool pscript_te_in(struct psess *s, bool web, const uint8_t *p, size_t n);
void pscript_measured(struct pmeter *ph, const struct pmeter *now,
		      const struct pmeter *before);
/* Worker: every 20 ms (telephone-events to send), every tick (ICE). */
void pscript_send(struct psess *s);
void pscript_tick(struct psess *s);
struct json_t;
struct json_t *pscript_report(const struct psess *s);

/* ---- pworker.c ---- */
struct pworker;
/* Counters the main thread watches while workers run. */
extern _Atomic long pworker_media, pworker_failed;
extern _Atomic int pworker_measuring;
extern _Atomic uint64_t pworker_last_rx_us;	/* any packet, any worker */
int pworker_start(struct pworker **wp, int idx);
int pworker_add(struct pworker *w, struct psess *s);
/* Stop sending audio, keep receiving (to drain what is in flight). */
void pworker_quiet(struct pworker *w);
/* Join the thread; sessions come back to the caller's ownership. */
void pworker_join(struct pworker *w, struct phist *lat, uint64_t *overruns);
void pworker_free(struct pworker *w);

/* ---- preport.c ---- */
struct preport_cpu {
	double mediad_s, peer_s, window_s;
	bool have_mediad;
};
int preport_cpu_read(long pid, double *sec);
double preport_self_cpu(void);
struct preport_peer {
	uint64_t overruns;		/* send ticks the workers were late for */
	uint64_t backlog;		/* datagrams still queued at the end */
};
int preport_print(const struct peer_opts *o, struct psess **ss, size_t n,
		  const struct phist lat[3], const struct preport_cpu *cpu,
		  const struct preport_peer *pp);

#endif
