/* psdes: --sdes, the phone's leg as SDES-SRTP (RFC 4568), keyed with
 * services/mediad/srtpx.c: our own key for one suite, offered under tag
 * 1 (or answered under the tag mediad offered that suite with), mediad's
 * key read from its SDP.  --sdes-forge N also sends N packets with a
 * broken tag (each before the genuine one: libsrtp checks the replay
 * window first) and N replays, which mediad must drop and count while
 * the call goes on. */
#include "peer.h"
#include "rtp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int psdes_init(struct psess *s)
{
	const struct peer_opts *o = s->o;

	s->sdes_tag = 1;
	s->sdes_proto = o->sdes_avp ? "RTP/AVP" : "RTP/SAVP";
	if (!o->sdes)
		return 0;
	return srtpx_sdes_generate(&s->sdes_local, o->sdes, s->sdes_inline,
				   sizeof(s->sdes_inline));
}

const char *psdes_proto(const struct psess *s)
{
	return s->o->sdes ? s->sdes_proto : "RTP/AVP";
}

void psdes_line(const struct psess *s, char *out, size_t cap)
{
	if (!s->o->sdes) {
		out[0] = '\0';
		return;
	}
	snprintf(out, cap, "a=crypto:%" PRIu32 " %s %s\r\n", s->sdes_tag,
		 s->o->sdes, s->sdes_inline);
}

static int psdes_configure_into(struct psess *s,
				const struct psdp_remote *sip,
				struct srtpx **sxp, char *why, size_t whylen)
{
	struct srtpx_sdes remote;
	const char *fault = "";
	int e;

	if (!sip->crypto) {
		snprintf(why, whylen, "mediad's SIP side has no a=crypto with "
			 "%s", s->o->sdes);
		return EPROTO;
	}
	e = srtpx_sdes_parse(&remote, s->o->sdes, sip->crypto_kp, &fault);
	if (!e)
		e = srtpx_new(sxp, remote.profile, s->sdes_local.master,
			      remote.master, remote.master_len);
	if (e)
		snprintf(why, whylen, "mediad's SDES key: %s %s", fault,
			 strerror(e));
	return e;
}

int psdes_configure(struct psess *s, const struct psdp_remote *sip,
		    char *why, size_t whylen)
{
	if (!s->o->sdes)
		return 0;
	return psdes_configure_into(s, sip, &s->sip_srtp, why, whylen);
}

int psdes_rekey(struct bus *b, struct psess *s, char *why, size_t whylen)
{
	struct psdp_remote r;
	struct srtpx *next = NULL;
	char *ans = NULL;
	bool fwd = true;
	int e;

	if (!s->o->sdes || !s->sip_srtp) {
		snprintf(why, whylen, "rekey needs --sdes");
		return EINVAL;
	}
	/* the worker reads sdes_local only at set-up: free to change here */
	s->sdes_tag++;
	e = srtpx_sdes_generate(&s->sdes_local, s->o->sdes, s->sdes_inline,
				sizeof(s->sdes_inline));
	if (!e)
		e = pctl_update(b, s, "sip", psdp_sip_dir(s, true, "sendrecv"),
				&fwd, &ans, why, whylen);
	if (!e && fwd) {
		snprintf(why, whylen, "mediad forwarded a key change");
		e = EPROTO;
	}
	if (!e)
		e = psdp_read(ans, s->o->sip_codec, &r, why, whylen);
	if (!e)
		e = psdp_read_crypto(ans, s->o->sdes, &r);
	if (!e && (!r.crypto || r.crypto_tag != s->sdes_tag)) {
		snprintf(why, whylen, "mediad's answer lacks a=crypto:%u",
			 (unsigned)s->sdes_tag);
		e = EPROTO;
	}
	/* RFC 4568 7.1.4: the offerer sends with its new key once it has
	 * the answer */
	if (!e)
		e = psdes_configure_into(s, &r, &next, why, whylen);
	if (!e)
		srtpx_free(atomic_exchange(&s->sip_srtp_next, next));
	free(ans);
	return e;
}

void psdes_send(struct psess *s, uint8_t *p, size_t n, size_t cap)
{
	uint8_t bad[PEER_PKT_MAX];
	bool forge = s->forged < s->o->sdes_forge &&
		     s->sip_tx.sent % 10 == 5;
	struct srtpx *next = atomic_exchange(&s->sip_srtp_next, NULL);

	if (next) {	/* --script rekey: the new key from now on */
		srtpx_free(s->sip_srtp);
		s->sip_srtp = next;
	}

	if (srtpx_protect_rtp(s->sip_srtp, p, &n, cap))
		return;
	if (forge && n <= sizeof(bad)) {
		memcpy(bad, p, n);
		bad[n - 1] ^= 0x5A;	/* the tag's last byte */
		send(s->sip.fd, bad, n, MSG_DONTWAIT);
	}
	if (send(s->sip.fd, p, n, MSG_DONTWAIT) > 0)
		s->sip_tx.sent++;
	if (forge) {
		send(s->sip.fd, p, n, MSG_DONTWAIT);	/* a replay */
		s->forged++;
	}
}

bool psdes_in(struct psess *s, uint8_t *p, size_t *n)
{
	if (rtp_demux_classify(p, *n) == RTP_DEMUX_RTCP)
		return srtpx_unprotect_rtcp(s->sip_srtp, p, n) == SRTPX_OK;
	return srtpx_unprotect_rtp(s->sip_srtp, p, n) == SRTPX_OK;
}
