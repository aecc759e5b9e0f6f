// A real headless Firefox (Debian's /usr/bin/firefox-esr, never a
// downloaded browser) driven by puppeteer-core over WebDriver BiDi, for the
// end-to-end tests of the web app.
//
// Facts this relies on (found on Debian 12, Firefox ESR 153):
// - media.navigator.streams.fake gives a fake microphone that plays a
//   steady sine (media.navigator.audio.fake_frequency, 1000 Hz by default;
//   set here so the ear in the page listens for what is sent);
// - Firefox runs WebAudio (and reports an AudioContext "running") only with
//   an audio output: without a sound server its AudioContext stays
//   "suspended" and resume() never settles, so the analyser that checks
//   the received tone reads nothing. Each browser therefore gets its own
//   PulseAudio with a null sink, on a socket in the test's folder;
// - Firefox offers a 127.0.0.1 candidate only with
//   media.peerconnection.ice.loopback and a microphone permission (below).
//
// pages have the small part of Playwright's Page API the helpers of
// tests/lib/webapp.js use (fill, click, textContent, waitForSelector, ...),
// so signIn, waitState and heard work on them unchanged.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { waitFor } = require('./harness');

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const PULSEAUDIO = 'pulseaudio';

const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.navigator.audio.fake_frequency': 1000,
  'media.peerconnection.ice.loopback': true,
  // A page with no stored microphone permission gathers only on the
  // default route's address ("use only default local addresses" in
  // nICEr's log), never 127.0.0.1, even while the fake device captures.
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  'media.cubeb.backend': 'pulse',
  // Quiet: nothing phones home in a test.
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
};

function have(cmd, args = ['--version']) {
  try { execFileSync(cmd, args, { stdio: 'ignore' }); return true; } catch (e) { return false; }
}

// Why Firefox cannot be driven here (the step that is missing), or false.
function skipReason() {
  if (!fs.existsSync(FIREFOX)) return `no ${FIREFOX} (package firefox-esr)`;
  try { require.resolve('puppeteer-core'); } catch (e) { return 'no puppeteer-core in tests/node_modules (npm --prefix tests ci)'; }
  if (!have(PULSEAUDIO)) return 'no pulseaudio (package pulseaudio): Firefox runs no WebAudio without an audio output';
  return false;
}

// PulseAudio with a null sink only, no D-Bus, no autospawn, on
// dir/native; resolves { server, proc }.
async function startPulse(suite, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const sock = path.join(dir, 'native');
  const proc = suite.spawn('pulseaudio', PULSEAUDIO, ['-n', '--daemonize=no', '--exit-idle-time=-1',
    '--use-pid-file=no', '--disallow-module-loading=no', '--log-target=stderr',
    '-L', 'module-null-sink sink_name=e2e', '-L', `module-native-protocol-unix socket=${sock} auth-anonymous=1`],
  { HOME: dir, XDG_RUNTIME_DIR: dir, XDG_CONFIG_HOME: dir });
  try {
    await waitFor(() => fs.existsSync(sock) || proc.exitCode !== null, 10000, 'pulseaudio socket');
  } catch (e) { /* said below */ }
  if (!fs.existsSync(sock)) {
    throw new Error(`pulseaudio did not start (${proc.exitCode ?? 'no socket'}): ${suite.log(proc).slice(-500)}`);
  }
  return { server: `unix:${sock}`, proc };
}

// Launches Firefox; on failure the error's message names the step.
async function launch(suite) {
  let step = 'loading puppeteer-core';
  try {
    const puppeteer = require('puppeteer-core');
    step = 'starting pulseaudio';
    const pulse = await startPulse(suite, path.join(suite.tmp, 'pulse'));
    step = `launching ${FIREFOX} over WebDriver BiDi`;
    const browser = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX, protocol: 'webDriverBiDi', headless: true,
      acceptInsecureCerts: true, extraPrefsFirefox: PREFS, timeout: 60000, protocolTimeout: 60000,
      env: { ...process.env, PULSE_SERVER: pulse.server, MOZ_CRASHREPORTER_DISABLE: '1' },
    });
    const version = await browser.version();
    return {
      browser, version, pulse,
      close: async () => { await browser.close().catch(() => {}); await suite.stop(pulse.proc); },
    };
  } catch (e) {
    throw new Error(`${step}: ${e.message.split('\n')[0]}`);
  }
}

// What webapp.js's waitState reads on a timeout: locator(s).first().
function locator(page, sel) {
  const one = {
    getAttribute: (name) => page.getAttribute(sel, name),
    textContent: () => page.textContent(sel),
    first: () => one,
  };
  return one;
}

// A page in a fresh browser context, with an init script, in the
// Playwright-like shape described above.
async function newPage(ff, url, init) {
  const ctx = await ff.browser.createBrowserContext();
  const pp = await ctx.newPage();
  const errors = [];
  pp.on('pageerror', (e) => errors.push(e.message));
  pp.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  if (init) await pp.evaluateOnNewDocument(init);
  await pp.goto(url, { waitUntil: 'load' });
  const $eval = (sel, fn, ...a) => pp.$eval(sel, fn, ...a);
  const page = {
    raw: pp,
    errors,
    evaluate: (fn, ...a) => pp.evaluate(fn, ...a),
    waitForSelector: (sel, o = {}) => pp.waitForSelector(sel, { timeout: o.timeout ?? 10000 }),
    click: async (sel) => { await pp.waitForSelector(sel, { visible: true, timeout: 10000 }); await pp.click(sel); },
    // Replaces the value and fires input/change, as Playwright's fill does.
    fill: (sel, v) => $eval(sel, (el, val) => {
      el.value = val;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, v),
    inputValue: (sel) => $eval(sel, (el) => el.value),
    textContent: (sel) => $eval(sel, (el) => el.textContent),
    getAttribute: (sel, name) => $eval(sel, (el, n) => el.getAttribute(n), name),
    isVisible: (sel) => pp.$(sel).then((h) => (h ? h.isVisible() : false)),
    isDisabled: (sel) => $eval(sel, (el) => el.disabled),
    locator: (sel) => locator(page, sel),
    screenshot: (o) => pp.screenshot({ path: o.path, fullPage: Boolean(o.fullPage) }),
    closeAll: () => ctx.close().catch(() => {}),
  };
  return page;
}

module.exports = { skipReason, launch, newPage, FIREFOX, PREFS };
