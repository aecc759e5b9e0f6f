// What the softphone and the widget share: a JsSIP user agent set up for
// rtcgate, and the wiring every call needs.
import JsSIP from 'jssip';

// rtcgate answers ICE as a lite agent on an address the browser reaches
// directly: no STUN or TURN server is needed, and gathering candidates
// from one would only delay the call.
export const PC_CONFIG = { iceServers: [], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

export const defaultServer = () => `wss://${location.host}`;

// A user agent. register: true registers as soon as the WebSocket is up,
// and again after every reconnection (JsSIP does both).
export function createUA({ server, user, password, domain, displayName, register }) {
  const uri = new JsSIP.URI('sip', user || 'anonymous', domain);
  return new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(server)],
    uri: uri.toString(),
    password: password || undefined,
    display_name: displayName || undefined,
    register: Boolean(register),
    register_expires: 300,
    // The gateway does not refresh sessions (it answers re-INVITE and
    // UPDATE with 501), so session timers would only end calls.
    session_timers: false,
    // Reconnect quickly after a lost WebSocket: 1 s, then up to 16 s.
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 16,
    user_agent: 'rtcgate-web JsSIP',
  });
}

// Options for ua.call() and session.answer() with our own stream
// (microphone, and camera if any). video: offer to receive video too (an
// offer without it has no m=video at all unless the stream has a camera).
export function callOptions(stream, { video = false } = {}) {
  return {
    mediaStream: stream,
    pcConfig: PC_CONFIG,
    rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: Boolean(video) },
  };
}

// True when an SDP offers video (an m=video line with a port other than 0).
export const sdpHasVideo = (sdp) => /(^|\n)m=video [1-9]/.test(sdp || '');

// Wires a session (outgoing or incoming, before it is answered):
// - ICE: the first host candidate is enough for a lite peer on a reachable
//   address, so the SDP leaves at once instead of after gathering ends;
// - the remote audio goes to the given <audio> element;
// - onVideo(stream, on) is told when remote video starts (on: true, the
//   track unmuted: frames arrive) and when it stops;
// - onPc(pc) receives the peer connection (for statistics).
export function wireSession(session, { audio, onPc, onRemoteStream, onVideo } = {}) {
  session.on('icecandidate', (e) => {
    if (e.candidate.type === 'host' || /typ host/.test(e.candidate.candidate)) e.ready();
  });
  const hook = (pc) => {
    pc.addEventListener('track', (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      if (audio) {
        audio.srcObject = stream;
        audio.play().catch(() => {});
      }
      if (onRemoteStream) onRemoteStream(stream);
      if (onVideo && ev.track.kind === 'video') {
        const t = ev.track;
        t.addEventListener('unmute', () => onVideo(stream, true));
        t.addEventListener('mute', () => onVideo(stream, false));
        t.addEventListener('ended', () => onVideo(stream, false));
        if (!t.muted) onVideo(stream, true);
      }
    });
    if (onPc) onPc(pc);
  };
  if (session.connection) hook(session.connection);
  else session.on('peerconnection', (e) => hook(e.peerconnection));
}

// A short human-readable reason for a failed or ended call or
// registration, from JsSIP's event (cause, and a SIP response if any).
export function reason(e) {
  const r = e && e.message && e.message.status_code ? e.message : e && e.response;
  if (r && r.status_code) return `${r.status_code} ${r.reason_phrase || ''}`.trim();
  return (e && e.cause) || 'unknown';
}

// The other party of a session, as text: "Name <user@host>" or "user".
export function remoteParty(session) {
  const id = session.remote_identity;
  if (!id) return '';
  const who = id.uri ? (id.uri.user || id.uri.host) : '';
  return id.display_name && id.display_name !== who ? `${id.display_name} (${who})` : who;
}

export function stopStream(stream) {
  if (stream) for (const t of stream.getTracks()) t.stop();
}

export const DTMF_OPTIONS = { duration: 160, interToneGap: 80 };

// Sends one DTMF tone: in the media (RFC 4733) when the call negotiated
// telephone-event, else as SIP INFO.
export function sendDTMF(session, tone) {
  const pc = session.connection;
  const sender = pc && pc.getSenders().find((s) => s.track && s.track.kind === 'audio' && s.dtmf);
  const rtp = sender && sender.dtmf.canInsertDTMF;
  session.sendDTMF(tone, { ...DTMF_OPTIONS, transportType: rtp ? 'RFC2833' : 'INFO' });
  return rtp ? 'RFC 4733' : 'SIP INFO';
}

export { JsSIP };
