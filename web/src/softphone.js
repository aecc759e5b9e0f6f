// The softphone page (public/softphone.html): sign in (REGISTER), call a
// number or user, answer incoming calls, hang up, mute, hold, blind
// transfer, DTMF, live call statistics, and the connection status with
// automatic reconnection.
import { setText, show, elapsed } from './dom.js';
import { createUA, callOptions, wireSession, reason, remoteParty, stopStream, sendDTMF,
  defaultServer } from './sip.js';
import { microphone, ringtone } from './audio.js';
import { watchStats, describe } from './stats.js';
import { Sparkline } from './spark.js';
import { dialpad } from './dialpad.js';

const $ = (id) => document.getElementById(id);
const STORE = 'rtcgate.softphone';

const st = {
  ua: null, me: '', registeredOnce: false, signingOut: false,
  session: null, stream: null, pc: null, who: '',
  stopStats: null, stopRing: null, timer: null, t: {},
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
  show($('call-controls'));
  $('call-btn').disabled = true;
  try {
    st.stream = await microphone();
    st.ua.call(target, callOptions(st.stream));
  } catch (e) {
    endCall('failed', `Call failed: ${e.message}`);
  }
}

function onSession({ session, originator }) {
  if (st.session || (originator === 'remote' && !st.registeredOnce)) {
    if (originator === 'remote') session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    return;
  }
  st.session = session;
  if (originator === 'remote') {
    setText($('xfer-status'), '');
    st.t = { offer: performance.now() };
    st.who = remoteParty(session) || 'unknown caller';
  }
  wireSession(session, { audio: $('remote-audio'), onPc: (pc) => { st.pc = pc; } });
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
  setCall('incoming', '');	// the alert above says who calls
  show($('incoming'));
  $('call-btn').disabled = true;
  st.stopRing = ringtone();
  $('answer').focus();
}

async function answer() {
  const { session } = st;
  if (!session || session.direction !== 'incoming' || !session.isInProgress()) return;
  stopRinging();
  show($('incoming'), false);
  show($('call-controls'));
  setCall('connecting', `Answering ${st.who}…`);
  try {
    st.stream = await microphone();
  } catch (e) {
    session.terminate({ status_code: 480, reason_phrase: 'Temporarily Unavailable' });
    endCall('failed', `Cannot answer: ${e.message}`);
    return;
  }
  if (st.session !== session || !session.isInProgress()) { stopStream(st.stream); return; }
  session.answer(callOptions(st.stream));
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
    });
  }
}

function endCall(state, text) {
  stopRinging();
  if (st.stopStats) st.stopStats();
  clearInterval(st.timer);
  stopStream(st.stream);
  Object.assign(st, { session: null, stream: null, pc: null, stopStats: null, timer: null });
  $('remote-audio').srcObject = null;
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

// --- start ----------------------------------------------------------------

function init() {
  fillLogin();
  charts = {
    rtt: new Sparkline($('ch-rtt'), { color: '#7c3aed' }),
    jitter: new Sparkline($('ch-jitter'), { color: '#d97706' }),
    bitrate: new Sparkline($('ch-bitrate'), { color: '#2563eb' }),
  };
  $('pad').append(dialpad(tone));
  $('hold').disabled = !holdEnabled();
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', signOut);
  $('dial-form').addEventListener('submit', dial);
  $('answer').addEventListener('click', answer);
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
