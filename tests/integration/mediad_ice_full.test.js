// mediad in full ICE mode (RTCGATE_ICE_MODE=full, services/mediad/icefull.c)
// and trickle (media_candidate) in both modes, against real mediad processes
// and a real nats-server. The browser side is rtcgate-peer with a
// controlling NiceAgent (--ice nice) and a real Chromium; the SIP side is
// rtcgate-peer's phone or a plain UDP peer (tests/lib/rtppeer.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Suite, waitFor, sleep, sc } = require('../lib/harness');
const { portRange, portBounds } = require('../lib/ports');
const { runPeer } = require('../lib/peer');
const browser = require('../lib/browser');
const { RtpPeer, rmsDb } = require('../lib/rtppeer');

const suite = new Suite('mediad-ice-full');
const events = [];
let full; let lite; let stunned; let chrome; let stun;
const skipChrome = !browser.available() && `no ${browser.CHROMIUM}`;

const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 8000);
const portOf = (sdp) => Number(/m=audio (\d+)/.exec(sdp)[1]);
const FP = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const webSdp = ({ ufrag = 'uFr1', pwd = 'pwd1pwd1pwd1pwd1pwd1pw', cands = [], trickle = true, end = false } = {}) =>
  'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
  + `${trickle ? 'a=ice-options:trickle\r\n' : ''}m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n`
  + `c=IN IP4 0.0.0.0\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n`
  + `a=fingerprint:sha-256 ${FP}\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n`
  + `a=rtpmap:0 PCMU/8000\r\n${cands.map((c) => `a=${c}\r\n`).join('')}${end ? 'a=end-of-candidates\r\n' : ''}`;
const sipSdp = (port) => 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

// A STUN server that says every client is at 203.0.113.7:40000 (RFC 5737
// documentation address): the server-reflexive candidate must carry it.
let stunSilent = false;
function fakeStun() {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, from) => {
    if (stunSilent || m.length < 20 || m.readUInt16BE(0) !== 0x0001) return;
    const r = Buffer.alloc(32);
    r.writeUInt16BE(0x0101, 0); r.writeUInt16BE(12, 2); m.copy(r, 4, 4, 20);
    r.writeUInt16BE(0x0020, 20); r.writeUInt16BE(8, 22); r.writeUInt16BE(1, 24);
    r.writeUInt16BE(40000 ^ 0x2112, 26);
    r.writeUInt32BE((((203 << 24) | (0 << 16) | (113 << 8) | 7) ^ 0x2112A442) >>> 0, 28);
    sock.send(r, from.port, from.address);
  });
  return new Promise((res) => sock.bind(0, '127.0.0.1', () => res(sock)));
}

test.before(async () => {
  await suite.startNats();
  stun = await fakeStun();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_TIMEOUT: '30' };
  full = suite.service('mediad', { ...env, RTCGATE_ICE_MODE: 'full', RTCGATE_MEDIA_PORTS: portRange(__filename, 'full') });
  lite = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'lite') });
  stunned = suite.service('mediad', { ...env, RTCGATE_ICE_MODE: 'full', RTCGATE_MEDIA_PORTS: portRange(__filename, 'stunned'),
    RTCGATE_STUN_SERVER: `127.0.0.1:${stun.address().port}` });
  const sub = suite.nc.subscribe('rtcgate.media.event');
  (async () => { for await (const m of sub) events.push(JSON.parse(sc.decode(m.data))); })();
  for (const n of [full, lite, stunned]) await waitFor(() => suite.health('mediad', n.id), 8000, 'mediad');
  if (!skipChrome) chrome = await browser.launch({ loopback: true });
});

test.after(async () => {
  if (chrome) await chrome.close();
  if (stun) stun.close();
  await suite.close();
});

test('bad RTCGATE_ICE_MODE or RTCGATE_STUN_SERVER stops mediad at start', async () => {
  for (const [k, v] of [['RTCGATE_ICE_MODE', 'fancy'], ['RTCGATE_STUN_SERVER', 'stun.invalid:99999']]) {
    const bad = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: portRange(__filename, 'bad'),
      RTCGATE_ICE_MODE: 'full', [k]: v });
    const { code } = await bad.exited;
    assert.equal(code, 2, `${k}=${v}`);
    assert.match(suite.log(bad), new RegExp(k));
  }
});

test('full mode SDP: no ice-lite, gathered candidates, end-of-candidates; srflx from the STUN server', async () => {
  const offer = sipSdp(40000);
  let r = await req(full, { kind: 'media_create', side: 'sip', sdp: offer });
  assert.equal(r.kind, 'media_sdp', r.reason);
  assert.doesNotMatch(r.sdp, /a=ice-lite/);
  assert.match(r.sdp, /a=ice-options:trickle/);
  const port = portOf(r.sdp);
  const [lo, hi] = portBounds(__filename, 'full');
  assert.ok(port >= lo && port <= hi, `port ${port}`);
  assert.match(r.sdp, new RegExp(`a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 ${port} typ host`));
  assert.match(r.sdp, /a=end-of-candidates/);
  await req(full, { kind: 'media_delete', session: r.session });

  r = await req(stunned, { kind: 'media_create', side: 'web', sdp: webSdp() });
  assert.equal(r.kind, 'media_sdp', r.reason);
  const a = await req(stunned, { kind: 'media_answer', session: r.session, sdp: sipSdp(40002) });
  assert.equal(a.kind, 'media_sdp', a.reason);
  const p = portOf(a.sdp);
  assert.match(a.sdp, new RegExp(`typ host`));
  assert.match(a.sdp, new RegExp(`a=candidate:\\S+ 1 udp \\d+ 203\\.0\\.113\\.7 40000 typ srflx raddr 127\\.0\\.0\\.1 rport ${p}`));
  await req(stunned, { kind: 'media_delete', session: r.session });
  // lite mode keeps its one host candidate
  r = await req(lite, { kind: 'media_create', side: 'sip', sdp: offer });
  assert.match(r.sdp, /a=ice-lite/);
  assert.match(r.sdp, /a=candidate:1 1 udp 2130706431 127\.0\.0\.1 \d+ typ host/);
  await req(lite, { kind: 'media_delete', session: r.session });
});

test('a silent STUN server delays only the reply that needs it: the worker serves other requests meanwhile',
  { timeout: 30000 }, async () => {
    const a = await req(stunned, { kind: 'media_create', side: 'web', sdp: webSdp() });
    assert.equal(a.kind, 'media_sdp', a.reason);
    stunSilent = true;
    try {
      const order = [];
      const pb = req(stunned, { kind: 'media_create', side: 'sip', sdp: sipSdp(40006) })
        .then((r) => { order.push('create'); return r; });
      const ps = req(stunned, { kind: 'media_stats', session: a.session })
        .then((r) => { order.push('stats'); return r; });
      const [b, st] = await Promise.all([pb, ps]);
      assert.equal(st.kind, 'media_stats');
      assert.deepEqual(order, ['stats', 'create']);
      assert.equal(b.kind, 'media_sdp', b.reason);
      assert.match(b.sdp, /typ host/);
      assert.doesNotMatch(b.sdp, /typ srflx/); // gave up on the STUN server
      await req(stunned, { kind: 'media_delete', session: b.session });
    } finally {
      stunSilent = false;
      await req(stunned, { kind: 'media_delete', session: a.session });
    }
  });

function assertTones(res) {
  assert.equal(res.code, 0, `peer failed: ${JSON.stringify(res.r.failures)}\n${res.err.slice(-2000)}`);
  assert.equal(res.r.media, 1);
  for (const dir of ['web_to_sip', 'sip_to_web']) {
    assert.ok(res.r[dir].received >= res.r[dir].sent * 0.95, `${dir}: ${res.r[dir].received}/${res.r[dir].sent}`);
    assert.ok(res.r[dir].worst_purity > 0.95, `${dir}: purity ${res.r[dir].worst_purity}`);
  }
}

for (const [name, args] of [['the browser offers (mediad controlled)', []],
  ['mediad offers (mediad controlling)', ['--sip-offers']]]) {
  test(`full ICE against a NiceAgent, ${name}: ICE, DTLS, a tone each way`, { timeout: 90000 }, async () => {
    // assertTones allows 5% loss: the peer fails a call beyond (exit 3)
    const res = await runPeer(suite, full.id, ['--ice', 'nice', '--duration', '2000', '--per-session',
      '--max-loss', '5', ...args]);
    assertTones(res);
    const session = res.r.per_session[0].session;
    for (const ev of ['ice_connected', 'dtls_connected']) {
      assert.ok(events.some((e) => e.session === session && e.event === ev), ev);
    }
  });
}

for (const mode of ['lite', 'full']) {
  test(`trickle in ${mode} mode: media_candidate accepted and counted; malformed and over-the-limit refused and counted; old ufrag ignored`,
    async () => {
      const node = mode === 'full' ? full : lite;
      const c = await req(node, { kind: 'media_create', side: 'web', sdp: webSdp() });
      assert.equal(c.kind, 'media_sdp', c.reason);
      const in0 = await suite.counter('mediad', node.id, 'media_candidates_total');
      const bad0 = await suite.counter('mediad', node.id, 'media_candidates_refused_total');
      for (let i = 0; i < 32; i++) {
        const r = await req(node, { kind: 'media_candidate', session: c.session, mid: '0',
          candidate: `candidate:${i} 1 udp ${2130706431 - i} 127.0.0.1 ${20000 + i} typ host` });
        assert.equal(r.kind, 'media_ok', r.reason);
        assert.equal(r.ignored, undefined);
      }
      let r = await req(node, { kind: 'media_candidate', session: c.session,
        candidate: 'candidate:99 1 udp 1 127.0.0.1 30000 typ host' });
      assert.equal(r.kind, 'error');
      assert.match(r.reason, /limit/);
      r = await req(node, { kind: 'media_candidate', session: c.session, candidate: 'candidate:garbage' });
      assert.equal(r.kind, 'error');
      r = await req(node, { kind: 'media_candidate', session: c.session });
      assert.equal(r.kind, 'error');
      r = await req(node, { kind: 'media_candidate', session: c.session, ufrag: 'oldUfrag',
        candidate: 'candidate:7 1 udp 1 127.0.0.1 30001 typ host' });
      assert.equal(r.kind, 'media_ok');
      assert.equal(r.ignored, 'old ufrag');
      r = await req(node, { kind: 'media_candidate', session: c.session, end_of_candidates: true });
      assert.equal(r.kind, 'media_ok');
      r = await req(node, { kind: 'media_candidate', session: 'nope', candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host' });
      assert.equal(r.kind, 'error');
      const st = await req(node, { kind: 'media_stats', session: c.session });
      assert.deepEqual([st.ice.mode, st.ice.trickled], [mode, 32]);
      assert.equal(await suite.counter('mediad', node.id, 'media_candidates_total'), in0 + 32);
      assert.equal(await suite.counter('mediad', node.id, 'media_candidates_refused_total'), bad0 + 3);
      await req(node, { kind: 'media_delete', session: c.session });
    });
}

test('full mode: candidates that never answer end in ice_failed, counted', { timeout: 90000 }, async () => {
  const f0 = await suite.counter('mediad', full.id, 'media_ice_failed_total');
  const dead = dgram.createSocket('udp4'); // bound, never answers
  await new Promise((r) => dead.bind(0, '127.0.0.1', r));
  try {
    const c = await req(full, { kind: 'media_create', side: 'web', sdp: webSdp({ end: true,
      cands: [`candidate:1 1 udp 2130706431 127.0.0.1 ${dead.address().port} typ host`] }) });
    assert.equal(c.kind, 'media_sdp', c.reason);
    const a = await req(full, { kind: 'media_answer', session: c.session, sdp: sipSdp(40004) });
    assert.equal(a.kind, 'media_sdp', a.reason);
    const ev = await waitFor(() => events.find((e) => e.session === c.session && e.event === 'ice_failed'),
      60000, 'ice_failed');
    assert.match(ev.detail, /no candidate pair worked|timeout/);
    assert.equal(await suite.counter('mediad', full.id, 'media_ice_failed_total'), f0 + 1);
    await req(full, { kind: 'media_delete', session: c.session });
  } finally {
    dead.close();
  }
});

// Chromium offers (its offer as first made: trickle, candidates stripped),
// its candidates follow by media_candidate, the SIP side is a UDP peer;
// then an ICE restart from the browser.
test('Chromium against full ICE: trickled candidates, DTLS-SRTP, a tone each way, then an ICE restart',
  { skip: skipChrome, timeout: 120000 }, async () => {
    const page = await chrome.browser.newPage();
    await page.goto(chrome.url);
    await page.evaluate(browser.PAGE_HELPERS);
    const peer = await new RtpPeer().open();
    try {
      const offer = (await page.evaluate(() => window.rtc.offer())).replace(/a=(candidate|end-of-candidates).*\r\n/g, '');
      assert.match(offer, /a=ice-options:trickle/);
      const in0 = await suite.counter('mediad', full.id, 'media_candidates_total');
      const c = await req(full, { kind: 'media_create', side: 'web', sdp: offer });
      assert.equal(c.kind, 'media_sdp', c.reason);
      const a = await req(full, { kind: 'media_answer', session: c.session, sdp: sipSdp(peer.port) });
      assert.equal(a.kind, 'media_sdp', a.reason);
      assert.doesNotMatch(a.sdp, /a=ice-lite/);
      await page.evaluate((sdp) => window.rtc.accept(sdp), a.sdp);
      // The browser's candidates, as a signalling channel would trickle them.
      await waitFor(() => page.evaluate(() => window.pc.iceGatheringState === 'complete'), 10000, 'gathering');
      const cands = (await page.evaluate(() => window.pc.localDescription.sdp)).match(/candidate:.*(?=\r\n)/g) || [];
      assert.ok(cands.length >= 1, 'Chromium gathered candidates');
      for (const cand of cands) {
        const r = await req(full, { kind: 'media_candidate', session: c.session, mid: '0', candidate: cand });
        assert.equal(r.kind, 'media_ok', r.reason);
      }
      assert.equal((await req(full, { kind: 'media_candidate', session: c.session, end_of_candidates: true })).kind,
        'media_ok');
      assert.equal(await suite.counter('mediad', full.id, 'media_candidates_total'), in0 + cands.length);
      await waitFor(() => page.evaluate(() => window.rtc.state() === 'connected'), 20000, 'browser connected');
      peer.play('127.0.0.1', portOf(c.sdp), { freq: 1000, pt: 0 });
      await waitFor(async () => {
        const p = await page.evaluate(() => window.rtc.peak());
        return p && Math.abs(p.hz - 1000) < 30 && p.db > -70 && p;
      }, 10000, 'tone in the browser');
      await waitFor(() => peer.rx.length > 50, 8000, 'audio from the browser');
      await sleep(1000);
      assert.ok(rmsDb(peer.samples(0, 1000)) > -50, 'browser audio level');
      let st = await req(full, { kind: 'media_stats', session: c.session });
      assert.equal(st.dtls, 'connected');
      assert.equal(st.srtp, true);
      assert.equal(st.ice.mode, 'full');
      assert.equal(st.ice.state, 'ready');
      assert.equal(st.ice.trickled, cands.length);
      assert.match(st.ice.remote.ip, /^[0-9.]+$|:/);
      assert.ok(st.ice.remote.port > 0);
      for (const ev of ['ice_connected', 'dtls_connected']) {
        assert.ok(events.some((e) => e.session === c.session && e.event === ev), ev);
      }

      // ICE restart (RFC 8445 9): new credentials both ways, same DTLS.
      const re = await page.evaluate(async () => {
        window.pc.restartIce();
        const o = await window.pc.createOffer();
        await window.pc.setLocalDescription(o);
        return window.pc.localDescription.sdp;
      });
      const u = await req(full, { kind: 'media_update', session: c.session, side: 'web', sdp: re });
      assert.equal(u.kind, 'media_sdp', u.reason);
      assert.equal(u.forward, false);
      assert.notEqual(/a=ice-ufrag:(\S+)/.exec(u.sdp)[1], /a=ice-ufrag:(\S+)/.exec(a.sdp)[1]);
      await page.evaluate((sdp) => window.rtc.accept(sdp), u.sdp);
      await waitFor(() => events.some((e) => e.session === c.session && e.event === 'ice_connected'
        && e.detail === 'restart'), 20000, 'ice_connected after the restart');
      const rx0 = peer.rx.length;
      await sleep(1500);
      assert.ok(peer.rx.length - rx0 > 40, `audio from the browser after the restart: ${peer.rx.length - rx0}`);
      const p = await page.evaluate(() => window.rtc.peak());
      assert.ok(p && Math.abs(p.hz - 1000) < 30 && p.db > -70, `tone after the restart ${JSON.stringify(p)}`);
      st = await req(full, { kind: 'media_stats', session: c.session });
      assert.equal(events.filter((e) => e.session === c.session && e.event === 'dtls_connected').length, 1);
      await req(full, { kind: 'media_delete', session: c.session });
    } finally {
      peer.close();
      await page.close();
    }
  });

// mediad offers (a SIP offer became its WebRTC offer): it is the
// controlling agent and Chromium the controlled one.
test('Chromium answers the offer of a full-ICE mediad: mediad controlling, DTLS-SRTP, a tone each way',
  { skip: skipChrome, timeout: 90000 }, async () => {
    const page = await chrome.browser.newPage();
    await page.goto(chrome.url);
    await page.evaluate(browser.PAGE_HELPERS);
    const peer = await new RtpPeer().open();
    try {
      const c = await req(full, { kind: 'media_create', side: 'sip', sdp: sipSdp(peer.port) });
      assert.equal(c.kind, 'media_sdp', c.reason);
      assert.doesNotMatch(c.sdp, /a=ice-lite/);
      const ans = await page.evaluate((sdp) => window.rtc.answer(sdp), c.sdp);
      const a = await req(full, { kind: 'media_answer', session: c.session, sdp: ans });
      assert.equal(a.kind, 'media_sdp', a.reason);
      await waitFor(() => page.evaluate(() => window.rtc.state() === 'connected'), 20000, 'browser connected');
      peer.play('127.0.0.1', portOf(a.sdp), { freq: 1000, pt: 0 });
      await waitFor(async () => {
        const p = await page.evaluate(() => window.rtc.peak());
        return p && Math.abs(p.hz - 1000) < 30 && p.db > -70 && p;
      }, 10000, 'tone in the browser');
      await waitFor(() => peer.rx.length > 50, 8000, 'audio from the browser');
      await sleep(1000);
      assert.ok(rmsDb(peer.samples(0, 1000)) > -50, 'browser audio level');
      const st = await req(full, { kind: 'media_stats', session: c.session });
      assert.equal(st.ice.state, 'ready');
      const pair = (await page.evaluate(() => window.rtc.stats())).find((s) => s.type === 'candidate-pair' && s.nominated);
      assert.ok(pair, 'Chromium has a nominated pair');
      await req(full, { kind: 'media_delete', session: c.session });
    } finally {
      peer.close();
      await page.close();
    }
  });
