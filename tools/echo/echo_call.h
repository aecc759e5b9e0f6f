/* echo_call: one call, from the INVITE to the end of its dialog.
 *
 * Every INVITE is answered at once with 200: with our SDP answer when it
 * carried an offer, else with our offer (the answer then comes in the
 * ACK).  A re-INVITE is answered the same way and may change the media.
 * Refused: beyond RTCGATE_ECHO_MAX_CALLS (486), no codec in common (488),
 * no free media port (503).  The call is freed when NUA ends the dialog
 * (BYE either way, or its own timeouts).
 */
#ifndef RTCGATE_ECHO_CALL_H
#define RTCGATE_ECHO_CALL_H

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct echo_call;

/* An INVITE; c is the handle's call for a re-INVITE, else NULL. */
void echo_call_invite(nua_handle_t *nh, struct echo_call *c, const sip_t *sip);
void echo_call_ack(struct echo_call *c, const sip_t *sip);
/* NUA ended the dialog: frees c. */
void echo_call_terminated(struct echo_call *c);
/* At shutdown, after NUA's: free what is left. */
void echo_call_free_all(void);

#endif
