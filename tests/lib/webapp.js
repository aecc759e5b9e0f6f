// End-to-end helpers: the whole suite as processes (nats, registrar,
// mediad, b2bua, wsgw serving web/public), sipp as the SIP side, and
// Chromium pages of the web app with a known microphone (a 1 kHz tone) and
// an ear on what comes back (a WebAudio analyser on every remote track).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const dgram = require('node:dgram');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { Suite, waitFor, httpsGet, sc, ROOT } = require('./harness');
const browser = require('./browser');

const DOMAIN = 'example.com';
const OUT = path.join(ROOT, 'tests/e2e/out');

function haveSipp() {
  try { execFileSync('sipp', ['-v'], { stdio: 'ignore' }); return true; } catch (e) { return e.status !== undefined && e.code !== 'ENOENT'; }
}

// Why the e2e tests cannot run here, or false.
function skipReason() {
  if (!browser.available()) return `no ${browser.CHROMIUM}`;
  if (!haveSipp()) return 'no sipp (package sip-tester)';
  return false;
}

// The bundles are built by `make web`; build them when a test runs alone
// or a source (web/src, web/package.json) is newer than the oldest bundle.
function buildWeb() {
  const js = path.join(ROOT, 'web/public/js');
  const src = path.join(ROOT, 'web/src');
  const entries = JSON.parse(fs.readFileSync(path.join(ROOT, 'web/package.json'), 'utf8'))
    .scripts.build.match(/src\/[\w-]+\.js/g).map((f) => path.basename(f));
  const mtime = (f) => { try { return fs.statSync(f).mtimeMs; } catch { return -1; } };
  const oldest = Math.min(...entries.map((f) => mtime(path.join(js, f))));
  const newest = Math.max(mtime(path.join(ROOT, 'web/package.json')),
    ...fs.readdirSync(src).map((f) => mtime(path.join(src, f))));
  if (oldest >= 0 && oldest >= newest) return;
  execFileSync('npm', ['--prefix', path.join(ROOT, 'web'), 'run', 'build'], { stdio: 'inherit' });
}

// Runs in every page before its own scripts:
// - getUserMedia gives a 1 kHz tone (an OscillatorNode), counted in __e2e.mics
//   (with window.__e2eRealMic set first, the browser's own fake device);
//   asked for video too, it adds the fake camera's track (counted in
//   __e2e.cams);
// - with window.__e2eCodecs set first (['opus']), each offer lists only
//   those audio codecs and telephone-event (setCodecPreferences);
// - every RTCPeerConnection is kept, and each remote track gets an analyser
//   that notes when a ~1 kHz tone is first heard (__e2e.heardAt) and the
//   current peak (__e2e.peak);
// - clicks on a call button and call state changes are time-stamped.
const INIT = `(() => {
  const e2e = window.__e2e = { mics: 0, cams: 0, pcs: [], clickAt: null, heardAt: null, peak: null, states: [] };
  const now = () => performance.now();
  const realGum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    if (!c || (!c.audio && !c.video)) throw new DOMException('e2e: audio or video', 'NotFoundError');
    if (c.video) e2e.cams++;
    if (!c.audio) return realGum(c);
    e2e.mics++;
    if (window.__e2eRealMic) return realGum(c);
    const ac = new AudioContext();
    const osc = ac.createOscillator();
    osc.frequency.value = 1000;
    const gain = ac.createGain();
    gain.gain.value = 0.3;
    const dst = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dst);
    osc.start();
    if (c.video) for (const t of (await realGum({ video: c.video })).getVideoTracks()) dst.stream.addTrack(t);
    return dst.stream;
  };
  function listen(stream) {
    const el = new Audio(); el.muted = true; el.srcObject = stream; el.play().catch(() => {});
    const ac = new AudioContext();
    const an = ac.createAnalyser(); an.fftSize = 2048;
    ac.createMediaStreamSource(stream).connect(an);
    const d = new Float32Array(an.frequencyBinCount);
    setInterval(() => {
      an.getFloatFrequencyData(d);
      let bi = 1; for (let i = 1; i < d.length; i++) if (d[i] > d[bi]) bi = i;
      const p = { hz: bi * ac.sampleRate / an.fftSize, db: d[bi], at: now() };
      e2e.peak = p;
      if (Math.abs(p.hz - 1000) < 40 && p.db > -60 && e2e.heardAt === null) e2e.heardAt = p.at;
    }, 10);
  }
  const Orig = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Orig {
    constructor(...a) {
      super(...a);
      e2e.pcs.push(this);
      this.addEventListener('track', (ev) => { if (ev.track.kind === 'audio') listen(ev.streams[0] || new MediaStream([ev.track])); });
    }
    createOffer(...a) {
      const want = window.__e2eCodecs;
      if (want && RTCRtpReceiver.getCapabilities) {
        const caps = RTCRtpReceiver.getCapabilities('audio').codecs.filter((c) =>
          want.includes(c.mimeType.slice(6).toLowerCase()) || /telephone-event/i.test(c.mimeType));
        for (const t of this.getTransceivers()) if (t.receiver.track.kind === 'audio') t.setCodecPreferences(caps);
      }
      return super.createOffer(...a);
    }
  };
  document.addEventListener('click', (ev) => {
    const t = ev.composedPath()[0];
    if (t && t.closest && t.closest('#call-btn, button.call')) { e2e.clickAt = now(); e2e.heardAt = null; }
  }, true);
  new MutationObserver((list) => {
    for (const m of list) {
      const s = m.target.getAttribute('data-state');
      if (m.target.id === 'call' || m.target.classList.contains('rtcgate-c2c')) e2e.states.push({ s, at: now() });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
})();`;

// True once something (sipp) holds the UDP port.
function portTaken(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

function udpFree(port) {
  return portTaken(port).then((t) => !t);
}

function tcpFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

// An even port p in [lo, hi] with p .. p+n-1 free for UDP and p for TCP.
async function quietPorts(lo, hi, n) {
  for (let i = 0; i < 200; i++) {
    const p = lo + 2 * Math.floor(Math.random() * ((hi - lo - n) / 2));
    let ok = await tcpFree(p);
    for (let k = 0; ok && k < n; k++) ok = await udpFree(p + k);
    if (ok) return p;
  }
  throw new Error(`no free ports in ${lo}-${hi}`);
}

class E2E {
  constructor(name) {
    this.suite = new Suite(name);
    this.chrome = null;
  }

  // The whole suite; the SIP side's calls go to sipp on this.sipPort.
  // chromium: false starts no Chromium (a test that drives another browser).
  async start({ click2call = 'echo', chromium = true } = {}) {
    buildWeb();
    const s = this.suite;
    await s.startNats();
    const users = path.join(s.tmp, 'users.conf');
    fs.writeFileSync(users, 'alice alice-secret\nbob bob-secret\ncarol carol-secret\n');
    // Ports free for both UDP and TCP, below the kernel's ephemeral range
    // (where any outgoing socket could take them before they are bound):
    // sipp binds its own only while a test runs.
    this.sipPort = await quietPorts(30500, 30799, 4);
    this.b2bSipPort = await quietPorts(30800, 30999, 1);
    const mp = 30000 + Math.floor(Math.random() * 5) * 100;
    Object.assign(s.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users, RTCGATE_NONCE_SECRET: 'e2e' });
    this.registrar = s.service('registrar');
    this.media = s.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1',
      RTCGATE_MEDIA_PORTS: `${mp}-${mp + 99}`, RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_HEARTBEAT_MS: '200' });
    this.b2b = s.service('b2bua', { RTCGATE_SIP_PORT: String(this.b2bSipPort), RTCGATE_SIP_IP: '127.0.0.1',
      RTCGATE_SIP_OUTBOUND: `sip:\${user}@127.0.0.1:${this.sipPort}`, RTCGATE_CLICK2CALL: click2call });
    this.gw = await s.wsgw({ RTCGATE_WEB_ROOT: path.join(ROOT, 'web/public') });
    this.base = `https://127.0.0.1:${this.gw.port}`;
    for (const [kind, p] of [['b2bua', this.b2b], ['mediad', this.media], ['registrar', this.registrar]]) {
      await this.up(kind, p);
    }
    this.cdrs = [];
    const sub = s.nc.subscribe('rtcgate.cdr');
    (async () => { for await (const m of sub) this.cdrs.push(JSON.parse(sc.decode(m.data))); })();
    await s.mediaJoined(this.b2b); // else a call placed before gets 503
    if (chromium) this.chrome = await browser.launch({ loopback: true });
    fs.mkdirSync(OUT, { recursive: true });
  }

  // Waits for a service to answer on the bus; if it does not, the error
  // carries its exit status and the end of its log.
  async up(kind, p, ms = 10000) {
    try {
      await waitFor(() => this.suite.health(kind, p.id), ms, kind);
    } catch (e) {
      const how = p.exitCode !== null || p.signalCode ? `exited (${p.exitCode ?? p.signalCode})` : 'still running';
      throw new Error(`${e.message}; ${kind} ${how}, log ${p.logPath}:\n${this.suite.log(p).slice(-2000)}`);
    }
  }

  async close() {
    if (this.chrome) await this.chrome.close().catch(() => {});
    await this.suite.close();
  }

  // A fresh page (its own context) with the e2e instrumentation: a page of
  // the gateway, or with html, a page of another origin (http://127.0.0.1:P/
  // from a server of its own); codecs: offer only these audio codecs.
  async page(pathname, { html, codecs } = {}) {
    const ctx = await this.chrome.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
    await page.addInitScript((codecs ? `window.__e2eCodecs = ${JSON.stringify(codecs)};` : '') + INIT);
    let site = null;
    if (html) {	// a real server: Chromium lets loopback pages reach loopback
      site = http.createServer((q, r) => { r.writeHead(200, { 'content-type': 'text/html' }); r.end(html); });
      await new Promise((r) => site.listen(0, '127.0.0.1', r));
      await page.goto(`http://127.0.0.1:${site.address().port}/`);
    } else {
      await page.goto(this.base + pathname);
    }
    page.closeAll = async () => { await ctx.close(); if (site) site.close(); };
    return page;
  }

  // A screenshot under tests/e2e/out/; a blank page compresses to a few
  // kB, so a small one means the page shows nothing.
  async shot(page, name) {
    const png = await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    if (png.length < 8000) throw new Error(`screenshot ${name} looks blank (${png.length} bytes)`);
  }

  // sipp with a scenario (tests/sipp or tests/e2e/sipp), echoing RTP.
  // As a UAS it listens on this.sipPort; as a UAC it calls `user` at the b2bua.
  async sipp(scenario, { uac, user, args: more = [] } = {}) {
    const dir = fs.existsSync(path.join(ROOT, 'tests/e2e/sipp', scenario)) ? 'tests/e2e/sipp' : 'tests/sipp';
    await waitFor(async () => !(await portTaken(this.sipPort)), 5000, 'the last sipp gone');
    const args = ['-sf', path.join(ROOT, dir, scenario), '-i', '127.0.0.1', '-p', String(this.sipPort),
      '-m', '1', '-timeout', '30s', '-timeout_error', '-nostdin', '-mp', String(this.sipPort + 2), '-rtp_echo',
      '-trace_err', '-error_file', path.join(this.suite.tmp, `sipp-${scenario}.err`)];
    args.push(...more);
    if (uac) args.push('-s', user, `127.0.0.1:${this.b2bSipPort}`);
    const p = this.suite.spawn('sipp', 'sipp', args, {});
    await waitFor(() => portTaken(this.sipPort), 5000, 'sipp listening');
    return p;
  }

  // wsgw again on the same port (the page reconnects to the URL it knows).
  async restartWsgw(port) {
    const p = this.suite.service('wsgw', { RTCGATE_WSS_ADDR: '127.0.0.1', RTCGATE_WSS_PORT: String(port),
      RTCGATE_WEB_ROOT: path.join(ROOT, 'web/public') });
    p.port = port;
    p.url = `wss://127.0.0.1:${port}`;
    await waitFor(() => httpsGet(`https://127.0.0.1:${port}/healthz`).then(() => true), 10000, 'wsgw again');
    return p;
  }

  async bindings(user) {
    const r = await this.suite.request('rtcgate.registrar.lookup', { v: 1, kind: 'lookup', aor: `${user}@${DOMAIN}` });
    return r.bindings || [];
  }

  async callsDone() {
    await waitFor(async () => (await this.suite.health('b2bua', this.b2b.id)).counters.calls_active === 0,
      5000, 'no calls left in the b2bua');
    await waitFor(async () => (await this.suite.health('mediad', this.media.id)).counters.media_sessions === 0,
      5000, 'no media sessions left');
  }
}

// Waits for an element to reach a data-state; on a timeout the error says
// where the page was (its status text and the states it went through).
async function waitState(page, selector, state, { timeout = 10000, status } = {}) {
  try {
    await page.waitForSelector(`${selector}[data-state="${state}"]`, { timeout });
  } catch (e) {
    const now = await page.locator(selector).first().getAttribute('data-state', { timeout: 1000 }).catch(() => '?');
    const text = status ? await page.locator(status).first().textContent({ timeout: 1000 }).catch(() => '?') : '';
    const seen = await page.evaluate(() => window.__e2e.states.map((x) => x.s).join(' > ')).catch(() => '?');
    throw new Error(`${selector} is "${now}" (${text}), not "${state}" after ${timeout} ms; went ${seen}`);
  }
}

// Signs the softphone page in; waits for the status badge to settle.
async function signIn(page, user, password, { expect = 'registered' } = {}) {
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.fill('#domain', DOMAIN);
  await page.click('#login-btn');
  if (expect === 'registered') await page.waitForSelector('#conn[data-state="registered"]', { timeout: 10000 });
  else await page.waitForSelector('#login-error:not([hidden])', { timeout: 10000 });
}

// Waits until the page hears a ~1 kHz tone (or, with gone: true, no longer does).
async function heard(page, { gone = false, ms = 8000 } = {}) {
  return waitFor(() => page.evaluate((g) => {
    const p = window.__e2e.peak;
    const tone = p && Math.abs(p.hz - 1000) < 40 && p.db > -60;
    return (g ? !tone : tone) && (p || true);
  }, gone), ms, gone ? 'the tone to stop' : 'the 1 kHz tone back from the SIP side');
}

module.exports = { E2E, signIn, heard, waitState, skipReason, haveSipp, buildWeb, DOMAIN, OUT, INIT };
