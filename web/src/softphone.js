// The softphone page (public/softphone.html): sign in (REGISTER), call a
// number or user, answer incoming calls, hang up, mute, hold, blind
// transfer, DTMF, video on/off (before and during a call), live call
// statistics, and the connection status with automatic reconnection.
import { setText, show, elapsed } from './dom.js';
import { createUA, callOptions, wireSession, reason, remoteParty, stopStream, sendDTMF,
  defaultServer, sdpHasVideo } from './sip.js';
import { userMedia, camera, ringtone } from './audio.js';
import { watchStats, describe } from './stats.js';
import { Sparkline } from './spark.js';
import { dialpad } from './dialpad.js';

const $ = (id) => document.getElementById(id);
const STORE = 'rtcgate.softphone';

const st = {
  ua: null, me: '', registeredOnce: false, signingOut: false,
  session: null, stream: null, pc: null, who: '',
  stopStats: null, stopRing: null, timer: null, t: {},
  // video: the user wants video (the toggle); videoOffered: the incoming
  // call offers it; switching: a re-INVITE for video is under way.
  video: false, videoOffered: false, switching: false,
};
let charts;

function setConn(state, text) {
  $('conn').dataset.state = state;
  setText($('conn'), text);
}

function setCall(state, text) {
  $('call').dataset.state = state;
  setText($('call-status'), text);
}

function loginError(text) {
  setText($('login-error'), text);
  show($('login-error'), Boolean(text));
}

function loadSaved() {
  try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
}

function fillLogin() {
  const app = $('app').dataset;
  const saved = loadSaved();
  $('user').value = saved.user || '';
  $('domain').value = saved.domain || app.domain || location.hostname;
  $('server').value = saved.server || app.server || defaultServer();
}

// --- signing in and out ---------------------------------------------------

function signIn(ev) {
  ev.preventDefault();
  if (st.ua) return;
  const f = {
    user: $('user').value.trim(),
    password: $('password').value,
    domain: $('domain').value.trim(),
    server: $('server').value.trim() || defaultServer(),
  };
  if (!f.user || !f.password || !f.domain) {
    loginError('Enter a user name, a password and a SIP domain.');
    return;
  }
  if (!/^wss?:\/\/[^/]/i.test(f.server)) {
    loginError('The WebSocket URL must start with wss://');
    return;
  }
  let ua;
  try {
    ua = createUA({ ...f, register: true });
  } catch (e) {
    loginError(`Cannot sign in: ${e.message}`);
    return;
  }
  try {
    localStorage.setItem(STORE, JSON.stringify({ user: f.user, domain: f.domain, server: f.server }));
  } catch (e) { /* private mode */ }
  loginError('');
  $('login-btn').disabled = true;
  st.ua = ua;
  st.me = `${f.user}@${f.domain}`;
  st.registeredOnce = false;
  st.signingOut = false;
  bindUA(ua, f.server);
  setConn('connecting', 'Connecting…');
  ua.start();
}

// The first sign-in failed: back to the form with the reason.
function failSignIn(text) {
  const { ua } = st;
  st.ua = null;
  if (ua) ua.stop();
  $('login-btn').disabled = false;
  setConn('offline', 'Offline');
  loginError(text);
}

function bindUA(ua, server) {
  const mine = (fn) => (e) => { if (st.ua === ua) fn(e); };
  ua.on('connecting', mine(() => {
    if (st.registeredOnce) setConn('reconnecting', 'Connection lost, reconnecting…');
  }));
  ua.on('connected', mine(() => setConn('connected', 'Connected, registering…')));
  ua.on('disconnected', mine(() => {
    if (!st.registeredOnce) failSignIn(`Cannot reach the gateway at ${server}`);
    else setConn('reconnecting', 'Connection lost, reconnecting…');
  }));
  ua.on('registered', mine(() => {
    st.registeredOnce = true;
    setConn('registered', `Registered as ${st.me}`);
    if (!$('phone').hidden) return;
    $('password').value = '';
    $('login-btn').disabled = false;
    setText($('me'), st.me);
    show($('login'), false);
    show($('phone'));
    $('target').focus();
  }));
  ua.on('unregistered', mine(() => {
    if (!st.signingOut) setConn('connected', 'Not registered');
  }));
  ua.on('registrationFailed', mine((e) => {
    const text = registrationError(e);
    if (!st.registeredOnce) failSignIn(`Sign-in failed: ${text}`);
    else setConn('failed', `Registration failed: ${text}`);
  }));
  ua.on('newRTCSession', mine(onSession));
}

// Why a REGISTER failed, in words a user can act on (the SIP status and
// reason phrase in brackets).
function registrationError(e) {
  const why = reason(e);
  const code = e.response ? e.response.status_code : 0;
  const domain = st.me.slice(st.me.indexOf('@') + 1);
  if (/domain/i.test(why)) return `the gateway does not serve the SIP domain ${domain} (${why})`;
  if (code === 401 || code === 407 || code === 403 || e.cause === 'Authentication Error') {
    return `wrong user name or password (${why})`;
  }
  return why;
}

function signOut() {
  const { ua } = st;
  if (!ua) return;
  st.signingOut = true;
  if (st.session) st.session.terminate();
  st.ua = null;
  ua.stop();
  setConn('offline', 'Offline');
  show($('phone'), false);
  show($('login'));
  $('password').focus();
}

// --- calls ----------------------------------------------------------------

async function dial(ev) {
  ev.preventDefault();
  const target = $('target').value.trim();
  if (!st.ua || st.session || !target) return;
  st.t = { click: performance.now() };
  st.who = target;
  setText($('xfer-status'), '');	// a transfer's outcome stays until the next call
  setCall('calling', `Calling ${target}…`);
  $('video-toggle').disabled = true;
  show($('call-controls'));
  $('call-btn').disabled = true;
  try {
    const m = await userMedia({ video: st.video });
    st.stream = m.stream;
    videoNote(m.note);
    showLocal();
    st.ua.call(target, callOptions(st.stream, { video: st.video }));
  } catch (e) {
    endCall('failed', `Call failed: ${e.message}`);
  }
}

function onSession({ session, originator, request }) {
  if (st.session || (originator === 'remote' && !st.registeredOnce)) {
    if (originator === 'remote') session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    return;
  }
  st.session = session;
  if (originator === 'remote') {
    setText($('xfer-status'), '');
    st.t = { offer: performance.now() };
    st.who = remoteParty(session) || 'unknown caller';
    st.videoOffered = sdpHasVideo(request && request.body);
  }
  wireSession(session, {
    audio: $('remote-audio'),
    onPc: (pc) => { st.pc = pc; },
    onVideo: (stream, on) => { if (st.session === session) showRemote(stream, on); },
  });
  const alive = (fn) => (e) => { if (st.session === session) fn(e); };
  session.on('progress', alive((e) => {
    if (e.originator !== 'remote') return;
    if (!st.t.ringing) st.t.ringing = performance.now();
    setCall('ringing', `Ringing ${st.who}…`);
  }));
  session.on('accepted', alive(() => inCall()));
  session.on('confirmed', alive(() => inCall()));
  session.on('ended', alive((e) => {
    endCall('ended', e.originator === 'remote' ? `Call ended by ${st.who}` : 'Call ended');
  }));
  session.on('failed', alive((e) => {
    if (originator === 'remote' && e.originator === 'remote') endCall('ended', `Missed call from ${st.who}`);
    else if (e.originator === 'local' && e.cause === 'Canceled') endCall('ended', 'Call cancelled');
    else if (e.originator === 'local' && e.cause === 'Rejected') endCall('ended', 'Call declined');
    else endCall('failed', `Call failed: ${reason(e)}`);
  }));
  session.on('muted', alive(() => setMuted(true)));
  session.on('unmuted', alive(() => setMuted(false)));
  session.on('hold', alive(() => setHeld(true)));
  session.on('unhold', alive(() => setHeld(false)));
  if (originator === 'remote') ringing(session);
}

function ringing() {
  setText($('caller'), st.who);
  setText($('incoming-kind'), st.videoOffered ? 'Incoming video call from' : 'Incoming call from');
  show($('answer-video'), st.videoOffered);
  setVideoToggle();
  setText($('answer'), st.videoOffered ? 'Answer without video' : 'Answer');
  setCall('incoming', '');	// the alert above says who calls
  show($('incoming'));
  $('call-btn').disabled = true;
  st.stopRing = ringtone();
  $('answer').focus();
}

// Answers; withVideo: with the camera too (the caller's video is shown
// either way when the call offers it).
async function answer(withVideo) {
  const { session } = st;
  if (!session || session.direction !== 'incoming' || !session.isInProgress()) return;
  stopRinging();
  show($('incoming'), false);
  show($('call-controls'));
  setCall('connecting', `Answering ${st.who}…`);
  try {
    const m = await userMedia({ video: withVideo && st.videoOffered });
    st.stream = m.stream;
    videoNote(m.note);
    showLocal();
  } catch (e) {
    session.terminate({ status_code: 480, reason_phrase: 'Temporarily Unavailable' });
    endCall('failed', `Cannot answer: ${e.message}`);
    return;
  }
  if (st.session !== session || !session.isInProgress()) { stopStream(st.stream); return; }
  session.answer(callOptions(st.stream, { video: st.videoOffered }));
}

function decline() {
  if (st.session) st.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
}

function hangup() {
  if (st.session) st.session.terminate();
}

function inCall() {
  if ($('call').dataset.state === 'in-call') return;
  st.t.answered = performance.now();
  setCall('in-call', `In call with ${st.who}`);
  show($('incoming'), false);
  show($('call-controls'));
  show($('stats'));
  show($('hold-note'), !holdEnabled());
  showLocal();
  setVideoToggle();
  const t0 = Date.now();
  setText($('call-timer'), elapsed(t0));
  st.timer = setInterval(() => setText($('call-timer'), elapsed(t0)), 1000);
  const { click, ringing: ring, answered, offer } = st.t;
  setText($('st-setup'), click !== undefined
    ? `ringing after ${ring ? Math.round(ring - click) : '–'} ms, answered after ${Math.round(answered - click)} ms`
    : `answered ${Math.round(answered - offer)} ms after the call arrived`);
  if (st.pc) {
    for (const c of Object.values(charts)) c.clear();
    st.stopStats = watchStats(st.pc, (s) => {
      const d = describe(s);
      setText($('st-codec'), d.codec);
      setText($('st-rtt'), d.rtt);
      setText($('st-jitter'), d.jitter);
      setText($('st-lost'), d.lost);
      setText($('st-bitrate'), d.bitrate);
      charts.rtt.push(s.rttMs);
      charts.jitter.push(s.jitterMs);
      charts.bitrate.push(s.inKbps);
      show($('st-video'), Boolean(d.video));
      if (d.video) {
        setText($('st-vcodec'), d.video.codec);
        setText($('st-frames'), d.video.frames);
        setText($('st-fps'), d.video.fps);
        setText($('st-vbitrate'), d.video.bitrate);
        charts.vbitrate.push(s.video.inKbps);
      }
    });
  }
}

function endCall(state, text) {
  stopRinging();
  if (st.stopStats) st.stopStats();
  clearInterval(st.timer);
  stopStream(st.stream);
  Object.assign(st, { session: null, stream: null, pc: null, stopStats: null, timer: null,
    videoOffered: false, switching: false });
  $('remote-audio').srcObject = null;
  showRemote(null, false);
  showLocal();
  show($('st-video'), false);
  setVideoToggle();
  setCall(state, text);
  setText($('call-timer'), '');
  setText($('dtmf-sent'), '');
  showXfer(false);
  show($('incoming'), false);
  show($('call-controls'), false);
  show($('hold-note'), false);
  showPad(false);
  setMuted(false);
  setHeld(false);
  $('call-btn').disabled = false;
}

function stopRinging() {
  if (st.stopRing) st.stopRing();
  st.stopRing = null;
}

// --- in-call controls -----------------------------------------------------

function setMuted(on) {
  $('mute').setAttribute('aria-pressed', String(on));
  setText($('mute'), on ? 'Unmute' : 'Mute');
}

function toggleMute() {
  const s = st.session;
  if (!s || !s.isEstablished()) return;
  if (s.isMuted().audio) s.unmute({ audio: true }); else s.mute({ audio: true });
}

const holdEnabled = () => $('app').dataset.hold === 'on';

function setHeld(on) {
  $('hold').setAttribute('aria-pressed', String(on));
  setText($('hold'), on ? 'Resume' : 'Hold');
  if (st.session && $('call').dataset.state === 'in-call') {
    setText($('call-status'), on ? `On hold: ${st.who}` : `In call with ${st.who}`);
  }
}

function toggleHold() {
  const s = st.session;
  if (!s || !s.isEstablished()) return;
  if (!holdEnabled()) return;
  if (s.isOnHold().local) s.unhold(); else s.hold();
}

// Blind transfer: REFER to the gateway, which asks the other side to call
// the target; the other side then hangs up on us.
function showXfer(on) {
  show($('xfer-form'), on);
  $('xfer-toggle').setAttribute('aria-expanded', String(on));
  if (on) $('xfer-target').focus();
}

function transfer(ev) {
  ev.preventDefault();
  const s = st.session;
  const target = $('xfer-target').value.trim();
  if (!s || !s.isEstablished() || !target) return;
  setText($('xfer-status'), `Transferring to ${target}…`);
  try {
    s.refer(target, {
      eventHandlers: {
        requestFailed: (e) => setText($('xfer-status'), `Transfer refused: ${reason(e)}`),
        accepted: () => setText($('xfer-status'), `Transferred to ${target}`),
        failed: (e) => setText($('xfer-status'), `Transfer failed: ${reason(e)}`),
      },
    });
  } catch (e) {
    setText($('xfer-status'), `Cannot transfer: ${e.message}`);
  }
}

function showPad(on) {
  show($('pad'), on);
  $('pad-toggle').setAttribute('aria-expanded', String(on));
}

function tone(t) {
  const s = st.session;
  if (!s || !s.isEstablished()) return;
  try {
    const how = sendDTMF(s, t);
    setText($('dtmf-sent'), `Sent ${t} (${how})`);
  } catch (e) {
    setText($('dtmf-sent'), `Could not send ${t}: ${e.message}`);
  }
}

// --- video ----------------------------------------------------------------

function videoNote(text) {
  setText($('video-note'), text);
}

// The camera track we send, if any.
function localVideoTrack() {
  return st.stream ? st.stream.getVideoTracks().find((t) => t.readyState === 'live') : undefined;
}

// The preview of our camera, shown while it is on.
function showLocal() {
  const t = localVideoTrack();
  const el = $('local-video');
  if (t) {
    if (!el.srcObject || el.srcObject.getVideoTracks()[0] !== t) el.srcObject = new MediaStream([t]);
  } else {
    el.srcObject = null;
  }
  show(el, Boolean(t));
  show($('videos'), Boolean(t) || !$('remote-video').hidden);
}

// The other side's video, shown while frames arrive.
function showRemote(stream, on) {
  const el = $('remote-video');
  if (on && stream) {
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().catch(() => {});
  } else if (!stream) {
    el.srcObject = null;
  }
  show(el, Boolean(on && stream));
  show($('videos'), Boolean(on && stream) || Boolean(localVideoTrack()));
}

// The toggle shows whether video is wanted (no call) or sent (in a call).
function setVideoToggle() {
  const inCall = st.session && st.session.isEstablished();
  const on = inCall ? Boolean(localVideoTrack()) : st.video;
  $('video-toggle').setAttribute('aria-pressed', String(on));
  setText($('video-toggle'), on ? 'Video on' : 'Video off');
  // While a call is being set up there is nothing to change yet.
  $('video-toggle').disabled = st.switching || Boolean(st.session && !inCall);
}

// Before a call: video wanted or not. During one: the camera is added to
// or taken from the call by a re-INVITE (JsSIP renegotiate); the other
// side keeps whatever it sends.
async function toggleVideo() {
  const s = st.session;
  if (!s) {
    st.video = !st.video;
    videoNote('');
    setVideoToggle();
    return;
  }
  if (!s.isEstablished() || st.switching || !st.pc) return;
  const on = !localVideoTrack();
  st.switching = true;
  setVideoToggle();
  try {
    if (on) await addCamera(st.pc);
    else await dropCamera(st.pc);
    showLocal();
    const started = s.renegotiate({ rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: true } },
      () => { if (st.session === s) { st.switching = false; videoNote(''); setVideoToggle(); } });
    if (!started) throw new Error('the call is busy with another change; try again');
    videoNote(on ? 'Starting video…' : 'Stopping video…');
  } catch (e) {
    st.switching = false;
    videoNote(`Video: ${e.message}`);
  }
  setVideoToggle();
}

// The video transceiver of the call, if it has one.
function videoTransceiver(pc) {
  return pc.getTransceivers().find((t) => !t.stopped && t.receiver.track && t.receiver.track.kind === 'video');
}

async function addCamera(pc) {
  const track = await camera();
  st.stream.addTrack(track);
  const tr = videoTransceiver(pc);
  if (tr) {
    await tr.sender.replaceTrack(track);
    if (tr.sender.setStreams) tr.sender.setStreams(st.stream);
    tr.direction = 'sendrecv';
  } else {
    pc.addTrack(track, st.stream);
  }
}

async function dropCamera(pc) {
  const track = localVideoTrack();
  const tr = videoTransceiver(pc);
  if (tr) {
    await tr.sender.replaceTrack(null);
    tr.direction = 'recvonly';
  }
  if (track) {
    track.stop();
    st.stream.removeTrack(track);
  }
}

// --- start ----------------------------------------------------------------

function init() {
  fillLogin();
  charts = {
    rtt: new Sparkline($('ch-rtt'), { color: '#7c3aed' }),
    jitter: new Sparkline($('ch-jitter'), { color: '#d97706' }),
    bitrate: new Sparkline($('ch-bitrate'), { color: '#2563eb' }),
    vbitrate: new Sparkline($('ch-vbitrate'), { color: '#059669' }),
  };
  $('pad').append(dialpad(tone));
  $('hold').disabled = !holdEnabled();
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', signOut);
  $('dial-form').addEventListener('submit', dial);
  $('answer').addEventListener('click', () => answer(false));
  $('answer-video').addEventListener('click', () => answer(true));
  $('video-toggle').addEventListener('click', toggleVideo);
  setVideoToggle();
  $('decline').addEventListener('click', decline);
  $('hangup').addEventListener('click', hangup);
  $('mute').addEventListener('click', toggleMute);
  $('hold').addEventListener('click', toggleHold);
  $('pad-toggle').addEventListener('click', () => showPad($('pad').hidden));
  $('xfer-toggle').addEventListener('click', () => showXfer($('xfer-form').hidden));
  $('xfer-form').addEventListener('submit', transfer);
  window.addEventListener('pagehide', () => { if (st.ua) st.ua.stop(); });
  ($('user').value ? $('password') : $('user')).focus();
}

init();
