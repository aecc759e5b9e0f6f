// mediad's SRTP backends (RTCGATE_SRTP_BACKEND, services/mediad/srtp_ossl.c)
// against a real Chromium: both profiles WebRTC negotiates, with our
// OpenSSL primitives (the default) and with libsrtp's own (NSS on Debian).
// AEAD_AES_128_GCM comes when mediad is the DTLS server (it picks, GCM
// first); AES_CM_128_HMAC_SHA1_80 when Chromium is the server, which we
// get by showing mediad the browser's offer with setup:passive (Chromium
// offered actpass, so mediad's setup:active answer is valid for it too).
// Each call checks the profile on both ends and a tone each way.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor, sleep, sc } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const browser = require('../lib/browser');
const { RtpPeer, rmsDb } = require('../lib/rtppeer');

const suite = new Suite('srtp_backend');
const nodes = {}; const events = []; let chrome;
const skip = !browser.available() && `no ${browser.CHROMIUM}`;

const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const portOf = (sdp) => Number(/m=audio (\d+)/.exec(sdp)[1]);
const sipAnswer = (port) => 'v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n'
  + `t=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

test.before(async () => {
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1' };
  nodes.openssl = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'openssl') });
  nodes.libsrtp = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'libsrtp'),
    RTCGATE_SRTP_BACKEND: 'libsrtp' });
  const sub = suite.nc.subscribe('rtcgate.media.event');
  (async () => { for await (const m of sub) events.push(JSON.parse(sc.decode(m.data))); })();
  for (const n of Object.values(nodes)) await waitFor(() => suite.health('mediad', n.id), 5000, 'mediad');
  if (!skip) chrome = await browser.launch();
});

test.after(async () => {
  if (chrome) await chrome.close();
  await suite.close();
});

test('a bad RTCGATE_SRTP_BACKEND stops mediad at start', async () => {
  const bad = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1',
    RTCGATE_MEDIA_PORTS: portRange(__filename, 'bad'), RTCGATE_SRTP_BACKEND: 'nss' });
  const { code } = await bad.exited;
  assert.equal(code, 2);
  assert.match(suite.log(bad), /RTCGATE_SRTP_BACKEND/);
});

// Browser offers, SIP side answers with PCMU; tone both ways.
async function call(node, forceActive) {
  const page = await chrome.browser.newPage();
  await page.goto(chrome.url);
  await page.evaluate(browser.PAGE_HELPERS);
  const peer = await new RtpPeer().open();
  try {
    let offer = await page.evaluate(() => window.rtc.offer());
    assert.match(offer, /a=setup:actpass/);
    if (forceActive) offer = offer.replace(/a=setup:actpass/g, 'a=setup:passive');
    const c = await req(node, { kind: 'media_create', side: 'web', sdp: offer });
    assert.equal(c.kind, 'media_sdp', c.reason);
    const a = await req(node, { kind: 'media_answer', session: c.session, sdp: sipAnswer(peer.port) });
    assert.equal(a.kind, 'media_sdp', a.reason);
    assert.match(a.sdp, forceActive ? /a=setup:active/ : /a=setup:passive/);
    await page.evaluate((sdp) => window.rtc.accept(sdp), a.sdp);
    await waitFor(() => page.evaluate(() => window.rtc.state() === 'connected'), 15000,
      'browser connected');
    peer.play('127.0.0.1', portOf(c.sdp), { freq: 1000, pt: 0 });
    const heard = await waitFor(async () => {
      const p = await page.evaluate(() => window.rtc.peak());
      return p && Math.abs(p.hz - 1000) < 30 && p.db > -70 && p;
    }, 10000, 'tone in the browser');
    await waitFor(() => peer.rx.length > 50, 8000, 'audio from the browser');
    await sleep(1000);
    const got = peer.samples(0, 1000);
    const st = await req(node, { kind: 'media_stats', session: c.session });
    const stats = await page.evaluate(() => window.rtc.stats());
    await req(node, { kind: 'media_delete', session: c.session });
    const ev = events.find((e) => e.session === c.session && e.event === 'dtls_connected');
    return { heard, got, st, stats, ev };
  } finally {
    peer.close();
    await page.close();
  }
}

for (const backend of ['openssl', 'libsrtp']) {
  for (const [forceActive, name, cipher] of [
    [false, 'AEAD_AES_128_GCM', /AEAD_AES_128_GCM/],
    [true, 'AES_CM_128_HMAC_SHA1_80', /AES(128_CM|_CM_128)_HMAC_SHA1_80/]]) {
    test(`Chromium ${name} through mediad, SRTP backend ${backend}`, { skip }, async () => {
      const r = await call(nodes[backend], forceActive);
      assert.equal(r.st.srtp, true);
      assert.ok(r.ev, 'dtls_connected event');
      assert.equal(r.ev.detail, name);
      const tr = r.stats.find((s) => s.type === 'transport' && s.srtpCipher);
      assert.ok(tr, 'browser transport stats');
      assert.match(tr.srtpCipher, cipher);
      assert.ok(r.got.length >= 4000, `got ${r.got.length} samples`);
      assert.ok(rmsDb(r.got) > -50, `browser audio level ${rmsDb(r.got)} dB`);
      // nothing failed authentication on the way in
      const h = await suite.health('mediad', nodes[backend].id);
      assert.equal(h.counters.media_srtp_auth_fail_total, 0);
    });
  }
}
