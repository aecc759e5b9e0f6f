// The click-to-call widget: one script tag on any page.
//
//   <script src="https://gateway.example.com/js/c2c.js" async
//           data-target="sales"></script>
//
// data-target   who to call (a click-to-call target of the gateway) [required]
// data-server   WebSocket URL of the gateway [default: wss:// + the script's host]
// data-domain   SIP domain [default: the gateway's host name]
// data-user, data-password   an account to register first (optional; without
//               one the call is anonymous and must go to a click-to-call target)
// data-label    button text [Call us]
// data-container  CSS selector of the element to render into [default: after the script]
// data-manual   render nothing; the page calls rtcgateC2C.mount(element, options)
//
// The microphone is asked for only when the button is clicked. The widget
// lives in a shadow root, so the page's styles do not change it; the page
// can theme it with --rtcgate-accent. It reports its state in the host
// element's data-state and with "rtcgate-c2c" events on it.
import { el, setText, show, elapsed } from './dom.js';
import { createUA, callOptions, wireSession, reason, stopStream, sendDTMF } from './sip.js';
import { microphone, watchLevel } from './audio.js';
import { dialpad } from './dialpad.js';

const CSS = `
:host { all: initial; display: inline-block; font: 15px/1.4 system-ui, sans-serif; color: #1f2937;
  --accent: var(--rtcgate-accent, #15803d); --danger: var(--rtcgate-danger, #b91c1c); }
.w { border: 1px solid #d1d5db; border-radius: 12px; padding: 12px; background: #fff; width: 272px;
  box-sizing: border-box;
  box-shadow: 0 1px 3px rgb(0 0 0 / 8%); }
button { font: inherit; border-radius: 8px; border: 1px solid #9ca3af; background: #f9fafb; color: inherit;
  padding: 6px 10px; cursor: pointer; }
button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
button:disabled { opacity: .6; cursor: default; }
button.call { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600;
  padding: 10px 18px; width: 100%; }
button.hangup { background: var(--danger); border-color: var(--danger); color: #fff; }
button[aria-pressed="true"] { background: #fde68a; border-color: #d97706; }
.status { margin: 8px 0 4px; min-height: 1.4em; }
.row { display: flex; gap: 6px; margin-top: 6px; }
.row button { flex: 1 1 auto; white-space: nowrap; }
.level { display: flex; align-items: center; gap: 6px; font-size: 12px; color: #4b5563; }
meter { flex: 1; height: 10px; }
.dialpad { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px; margin-top: 8px; }
.dialpad .key { padding: 6px 0; font-size: 17px; display: flex; flex-direction: column; align-items: center; }
.dialpad small { font-size: 9px; color: #6b7280; min-height: 1em; }
[hidden] { display: none !important; }
`;

function styleInto(root) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.append(el('style', {}, CSS));	// older browsers
  }
}

// Options from the script tag's data attributes.
function optionsFrom(script) {
  const d = script ? script.dataset : {};
  let base;
  try { base = new URL(script && script.src ? script.src : location.href); } catch (e) { base = location; }
  const server = d.server || `wss://${base.host}`;
  let domain = d.domain;
  if (!domain) {
    try { domain = new URL(server.replace(/^ws/i, 'http')).hostname; } catch (e) { domain = base.hostname; }
  }
  return { server, domain, target: d.target, user: d.user, password: d.password,
    label: d.label || 'Call us', container: d.container };
}

export function mount(host, opts) {
  const root = host.attachShadow({ mode: 'open' });
  styleInto(root);
  const ui = {
    call: el('button', { type: 'button', class: 'call' }, opts.label),
    status: el('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
    meter: el('meter', { min: '0', max: '1', value: '0', low: '0.15', high: '0.85', optimum: '0.5',
      'aria-label': 'Microphone level' }),
    hangup: el('button', { type: 'button', class: 'hangup' }, 'Hang up'),
    mute: el('button', { type: 'button', 'aria-pressed': 'false' }, 'Mute'),
    keypad: el('button', { type: 'button', 'aria-expanded': 'false' }, 'Keypad'),
  };
  const pad = dialpad((t) => tone(t), { label: 'Keypad for tones' });
  pad.hidden = true;
  const level = el('div', { class: 'level' }, el('span', { 'aria-hidden': 'true' }, 'Mic'), ui.meter);
  const controls = el('div', { class: 'controls' }, level,
    el('div', { class: 'row' }, ui.hangup, ui.mute, ui.keypad), pad);
  controls.hidden = true;
  const remote = el('audio', { autoplay: true });
  const box = el('div', { class: 'w', role: 'region', 'aria-label': 'Call' }, ui.call, ui.status, controls, remote);
  root.append(box);

  let call = null;	// { ua, session, stream, stopLevel, timer }

  function setState(state, text) {
    host.dataset.state = state;
    box.dataset.state = state;
    setText(ui.status, text);
    host.dispatchEvent(new CustomEvent('rtcgate-c2c', { detail: { state, text } }));
  }

  function finish(state, text) {
    if (!call) return;
    const c = call;
    call = null;
    clearInterval(c.timer);
    if (c.stopLevel) c.stopLevel();
    stopStream(c.stream);
    remote.srcObject = null;
    if (c.ua) c.ua.stop();
    controls.hidden = true;
    pad.hidden = true;
    ui.keypad.setAttribute('aria-expanded', 'false');
    ui.mute.setAttribute('aria-pressed', 'false');
    setText(ui.mute, 'Mute');
    ui.call.disabled = false;
    ui.call.hidden = false;
    setState(state, text);
  }

  // Connected (and registered, with an account), or an error.
  function ready(ua, register) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the gateway does not answer')), 10000);
      const ok = () => { clearTimeout(t); resolve(); };
      const bad = (why) => { clearTimeout(t); reject(new Error(why)); };
      ua.on(register ? 'registered' : 'connected', ok);
      ua.on('registrationFailed', (e) => bad(`sign-in refused (${reason(e)})`));
      ua.on('disconnected', () => bad('cannot reach the gateway'));
    });
  }

  async function start() {
    if (call) return;
    if (!opts.target) { setState('failed', 'This call button has no data-target.'); return; }
    call = { t0: Date.now() };
    const c = call;
    ui.call.disabled = true;
    setState('starting', 'Allow the microphone to call…');
    try {
      c.stream = await microphone();
      if (call !== c) { stopStream(c.stream); return; }
      controls.hidden = false;
      ui.call.hidden = true;
      c.stopLevel = watchLevel(c.stream, (v) => { ui.meter.value = v; });
      setState('connecting', 'Connecting…');
      const register = Boolean(opts.user && opts.password);
      c.ua = createUA({ server: opts.server, domain: opts.domain, user: opts.user || 'anonymous',
        password: opts.password, register });
      const up = ready(c.ua, register);
      c.ua.start();
      await up;
      if (call !== c) return;
      const session = c.ua.call(opts.target, callOptions(c.stream));
      c.session = session;
      wireSession(session, { audio: remote });
      setState('calling', 'Calling…');
      session.on('progress', (e) => { if (e.originator === 'remote' && call === c) setState('ringing', 'Ringing…'); });
      session.on('accepted', () => {
        if (call !== c) return;
        const t0 = Date.now();
        setState('in-call', 'Connected 00:00');
        c.timer = setInterval(() => setText(ui.status, `Connected ${elapsed(t0)}`), 1000);
      });
      session.on('ended', (e) => call === c && finish('ended', e.originator === 'remote' ? 'The call was ended by the other side.' : 'Call ended.'));
      session.on('failed', (e) => call === c && finish(e.cause === 'Canceled' ? 'ended' : 'failed',
        e.cause === 'Canceled' ? 'Call cancelled.' : `The call did not go through: ${reason(e)}`));
      session.on('muted', () => { ui.mute.setAttribute('aria-pressed', 'true'); setText(ui.mute, 'Unmute'); });
      session.on('unmuted', () => { ui.mute.setAttribute('aria-pressed', 'false'); setText(ui.mute, 'Mute'); });
    } catch (e) {
      if (call === c) finish('failed', `Cannot call: ${e.message}`);
    }
  }

  function tone(t) {
    const s = call && call.session;
    if (!s || !s.isEstablished()) return;
    try { sendDTMF(s, t); } catch (e) { /* ignore a tone that cannot be sent now */ }
  }

  ui.call.addEventListener('click', start);
  ui.hangup.addEventListener('click', () => {
    if (call && call.session && !call.session.isEnded()) call.session.terminate();
    else finish('ended', 'Call cancelled.');
  });
  ui.mute.addEventListener('click', () => {
    const s = call && call.session;
    if (!s || !s.isEstablished()) return;
    if (s.isMuted().audio) s.unmute({ audio: true }); else s.mute({ audio: true });
  });
  ui.keypad.addEventListener('click', () => {
    pad.hidden = !pad.hidden;
    ui.keypad.setAttribute('aria-expanded', String(!pad.hidden));
  });
  setState('idle', '');
  return { call: start, hangup: () => ui.hangup.click() };
}

// Started from a script tag: render next to it (or into data-container).
(function fromScriptTag() {
  const script = document.currentScript
    || document.querySelector('script[src*="c2c"][data-target]');
  const opts = optionsFrom(script);
  window.rtcgateC2C = { mount: (host, o = {}) => mount(host, { ...opts, ...o }) };
  if (!script || script.dataset.manual !== undefined) return;
  const inHead = !script.parentNode || script.parentNode === document.head;
  const place = () => {
    const target = opts.container ? document.querySelector(opts.container) : null;
    const host = el('div', { class: 'rtcgate-c2c' });
    if (target) target.append(host);
    else if (!inHead) script.after(host);
    else document.body.append(host);
    mount(host, opts);
  };
  if ((opts.container || inHead) && document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', place);
  } else {
    place();
  }
}());
