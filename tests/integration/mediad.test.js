// mediad as a real process with a real nats-server: the bus API, its
// limits and errors, and a real Chromium RTCPeerConnection on the WebRTC
// leg (ICE-lite, DTLS-SRTP, rtcp-mux) against a plain RTP peer on the SIP
// leg: a tone each way, relayed (PCMU) and transcoded (Opus <-> PCMU).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Suite, waitFor, sleep, sc } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const browser = require('../lib/browser');
const { RtpPeer, rmsDb } = require('../lib/rtppeer');

const suite = new Suite('mediad');
let relay; let xcode; let chrome; const beats = []; const events = [];

const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const portOf = (sdp) => Number(/m=audio (\d+)/.exec(sdp)[1]);

// The SIP side's answer to our plain RTP offer: its port, one codec.
function sipAnswer(port, pt, name) {
  return `v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
    + `m=audio ${port} RTP/AVP ${pt} 101\r\na=rtpmap:${pt} ${name}/8000\r\n`
    + 'a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';
}

test.before(async () => {
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '2',
    RTCGATE_MEDIA_TIMEOUT: '3', RTCGATE_MEDIA_HEARTBEAT_MS: '200' };
  relay = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'relay') });
  xcode = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'xcode'),
    RTCGATE_CODEC_POLICY: 'opus-web', RTCGATE_MAX_TRANSCODE: '1' });
  for (const [subj, list] of [['rtcgate.media.heartbeat', beats], ['rtcgate.media.event', events]]) {
    const sub = suite.nc.subscribe(subj);
    (async () => { for await (const m of sub) list.push(JSON.parse(sc.decode(m.data))); })();
  }
  await waitFor(() => suite.health('mediad', relay.id), 5000, 'mediad');
  await waitFor(() => suite.health('mediad', xcode.id), 5000, 'mediad 2');
  if (browser.available()) chrome = await browser.launch();
});

test.after(async () => {
  if (chrome) await chrome.close();
  await suite.close();
});

test('heartbeats carry the node load', async () => {
  await waitFor(() => beats.some((b) => b.node === relay.id), 3000, 'heartbeat');
  const b = beats.filter((x) => x.node === relay.id).pop();
  assert.equal(b.kind, 'media_heartbeat');
  assert.equal(b.sessions, 0);
  assert.equal(b.free_ports, 50);
  assert.equal(typeof b.cpu, 'number');
});

test('bad requests get clear errors and are counted; nothing leaks', async () => {
  const bad0 = await suite.counter('mediad', relay.id, 'media_sdp_refused_total');
  for (const sdp of ['', 'garbage', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n']) {
    const r = await req(relay, { kind: 'media_create', side: 'web', sdp });
    assert.equal(r.kind, 'error', sdp);
    assert.match(r.reason, /SDP|WebRTC|audio|connection/);
  }
  assert.equal(await suite.counter('mediad', relay.id, 'media_sdp_refused_total'), bad0 + 3);
  let r = await req(relay, { kind: 'media_answer', session: 'nope', sdp: 'v=0' });
  assert.equal(r.kind, 'error');
  r = await req(relay, { kind: 'media_delete', session: `${relay.id}.7.1` });
  assert.equal(r.kind, 'error');
  r = await suite.request('rtcgate.media.any', { v: 1, kind: 'media_delete', session: 'x' });
  assert.equal(r.kind, 'error');
  r = await req(relay, { kind: 'media_create' });
  assert.equal(r.kind, 'error');
  assert.match(r.reason, /side/);
  await waitFor(async () => (await suite.health('mediad', relay.id)).counters.media_ports_free === 50,
    2000, 'ports back');
});

test('a SIP offer gets a WebRTC offer; delete frees its ports', async () => {
  const offer = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';
  const r = await req(relay, { kind: 'media_create', side: 'sip', sdp: offer });
  assert.equal(r.kind, 'media_sdp', r.reason);
  assert.match(r.sdp, /a=ice-lite/);
  assert.match(r.sdp, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 8 0 111 126/);
  assert.match(r.sdp, /a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  assert.match(r.sdp, /a=setup:actpass/);
  assert.match(r.sdp, /a=candidate:1 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
  const d = await req(relay, { kind: 'media_delete', session: r.session });
  assert.equal(d.kind, 'media_stats');
  await waitFor(async () => (await suite.health('mediad', relay.id)).counters.media_ports_free === 50,
    2000, 'ports back');
});

// Browser offers; SIP side answers; tone both ways; returns what was seen.
async function call(node, sipPt, sipName) {
  const page = await chrome.browser.newPage();
  await page.goto(chrome.url);
  await page.evaluate(browser.PAGE_HELPERS);
  const offer = await page.evaluate(() => window.rtc.offer());
  const peer = await new RtpPeer().open();
  try {
    const c = await req(node, { kind: 'media_create', side: 'web', sdp: offer });
    assert.equal(c.kind, 'media_sdp', c.reason);
    assert.match(c.sdp, /m=audio \d+ RTP\/AVP/);
    const a = await req(node, { kind: 'media_answer', session: c.session,
      sdp: sipAnswer(peer.port, sipPt, sipName) });
    assert.equal(a.kind, 'media_sdp', a.reason);
    await page.evaluate((sdp) => window.rtc.accept(sdp), a.sdp);
    await waitFor(() => page.evaluate(() => window.rtc.state() === 'connected'), 10000,
      'browser connected');
    peer.play('127.0.0.1', portOf(c.sdp), { freq: 1000, pt: sipPt });
    // The browser hears the 1 kHz tone.
    const heard = await waitFor(async () => {
      const p = await page.evaluate(() => window.rtc.peak());
      return p && Math.abs(p.hz - 1000) < 30 && p.db > -70 && p;
    }, 8000, 'tone in the browser');
    // The SIP side receives the browser's (fake microphone) audio.
    await waitFor(() => peer.rx.length > 50, 5000, 'audio from the browser');
    await sleep(1000);
    const got = peer.samples(sipPt, 1000);
    const st = await req(node, { kind: 'media_stats', session: c.session });
    const stats = await page.evaluate(() => window.rtc.stats());
    await req(node, { kind: 'media_delete', session: c.session });
    return { create: c, answer: a, heard, got, st, stats, peer };
  } finally {
    peer.close();
    await page.close();
  }
}

test('Chromium <-> PCMU relay: tone both ways through ICE-lite and DTLS-SRTP',
  { skip: !browser.available() && `no ${browser.CHROMIUM}` }, async () => {
    const r = await call(relay, 0, 'PCMU');
    assert.equal(r.answer.transcode, false);
    assert.match(r.answer.sdp, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 /);
    assert.equal(r.st.srtp, true);
    assert.equal(r.st.dtls, 'connected');
    assert.ok(r.got.length >= 4000, `got ${r.got.length} samples`);
    assert.ok(rmsDb(r.got) > -50, `browser audio level ${rmsDb(r.got)} dB`);
    const codec = r.stats.find((s) => s.type === 'codec' && /PCMU/i.test(s.mimeType));
    assert.ok(codec, 'browser uses PCMU');
    assert.ok(events.some((e) => e.session === r.create.session && e.event === 'dtls_connected'));
  });

test('Chromium Opus <-> PCMU transcoded: tone both ways',
  { skip: !browser.available() && `no ${browser.CHROMIUM}` }, async () => {
    const r = await call(xcode, 0, 'PCMU');
    assert.equal(r.answer.transcode, true);
    assert.match(r.answer.sdp, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 /);
    assert.ok(r.got.length >= 4000, `got ${r.got.length} samples`);
    assert.ok(rmsDb(r.got) > -50, `browser audio level ${rmsDb(r.got)} dB`);
    const codec = r.stats.find((s) => s.type === 'codec' && /opus/i.test(s.mimeType));
    assert.ok(codec, 'browser uses Opus');
    // Opus bound for PCMU is announced as narrowband (RFC 7587), and
    // Chromium takes it: 12 kb/s instead of its 32 kb/s fullband default
    // (and packets a third as costly for mediad to decode).
    assert.match(r.answer.sdp, /a=fmtp:111 .*maxplaybackrate=8000;sprop-maxcapturerate=8000/);
    const out = r.stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'audio');
    assert.ok(out && out.targetBitrate <= 16000, `Chromium's Opus target ${out && out.targetBitrate} b/s`);
    // 1 kHz survives PCMU -> Opus: the browser heard it (checked in call()).
  });

// The SIP side holds (sendonly) and resumes: mediad's re-offers reach the
// real RTCPeerConnection, whose answers keep the DTLS association (no new
// handshake: no second dtls_connected, no SRTP failures) and audio comes back.
test('Chromium takes mediad\'s hold and resume re-offers on the same DTLS association',
  { skip: !browser.available() && `no ${browser.CHROMIUM}` }, async () => {
    const page = await chrome.browser.newPage();
    await page.goto(chrome.url);
    await page.evaluate(browser.PAGE_HELPERS);
    const peer = await new RtpPeer().open();
    const reanswer = (sdp) => page.evaluate(async (o) => {
      await window.pc.setRemoteDescription({ type: 'offer', sdp: o });
      await window.pc.setLocalDescription(await window.pc.createAnswer());
      return window.pc.localDescription.sdp;
    }, sdp);
    try {
      const c = await req(relay, { kind: 'media_create', side: 'web', sdp: await page.evaluate(() => window.rtc.offer()) });
      const a = await req(relay, { kind: 'media_answer', session: c.session, sdp: sipAnswer(peer.port, 0, 'PCMU') });
      await page.evaluate((sdp) => window.rtc.accept(sdp), a.sdp);
      await waitFor(() => page.evaluate(() => window.rtc.state() === 'connected'), 10000, 'connected');
      peer.play('127.0.0.1', portOf(c.sdp), { freq: 1000, pt: 0 });
      const tone = async (what) => waitFor(async () => {
        const p = await page.evaluate(() => window.rtc.peak());
        return p && Math.abs(p.hz - 1000) < 30 && p.db > -70;
      }, 8000, what);
      await tone('tone before the hold');
      await waitFor(() => peer.rx.length > 50, 5000, 'browser audio before the hold');
      const auth0 = await suite.counter('mediad', relay.id, 'media_srtp_auth_fail_total');
      const step = async (dir, want) => {
        const u = await req(relay, { kind: 'media_update', session: c.session, side: 'sip',
          sdp: sipAnswer(peer.port, 0, 'PCMU').replace('a=sendrecv', `a=${dir}`) });
        assert.equal(u.kind, 'media_sdp', u.reason);
        assert.equal(u.forward, true);
        assert.match(u.sdp, /a=setup:passive/);
        const ans = await reanswer(u.sdp);
        assert.match(ans, new RegExp(`a=${want}`));
        assert.match(ans, /a=setup:active/);
        const r = await req(relay, { kind: 'media_answer', session: c.session, sdp: ans });
        assert.equal(r.kind, 'media_sdp', r.reason);
        assert.match(r.sdp, new RegExp(`a=${want}`));
      };
      await step('sendonly', 'recvonly');
      // Held: the browser sends nothing, mediad would not forward it anyway.
      await sleep(500);
      const n0 = peer.rx.length;
      await sleep(1000);
      assert.ok(peer.rx.length - n0 <= 2, `${peer.rx.length - n0} packets from a held browser`);
      await step('sendrecv', 'sendrecv');
      await waitFor(() => peer.rx.length > n0 + 50, 5000, 'browser audio after the resume');
      await tone('tone after the resume');
      const st = await req(relay, { kind: 'media_stats', session: c.session });
      assert.equal(st.dtls, 'connected');
      assert.equal(events.filter((e) => e.session === c.session && e.event === 'dtls_connected').length, 1,
        'a second DTLS handshake');
      assert.equal(await suite.counter('mediad', relay.id, 'media_srtp_auth_fail_total'), auth0);
      const tr = (await page.evaluate(() => window.rtc.stats())).find((x) => x.type === 'transport');
      assert.equal(tr.dtlsState, 'connected');
      await req(relay, { kind: 'media_delete', session: c.session });
    } finally {
      peer.close();
      await page.close();
    }
  });

test('media timeout fires when nothing flows', async () => {
  const offer = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 40002 RTP/AVP 0\r\n';
  const r = await req(relay, { kind: 'media_create', side: 'sip', sdp: offer });
  assert.equal(r.kind, 'media_sdp');
  await waitFor(() => events.some((e) => e.session === r.session && e.event === 'media_timeout'),
    6000, 'media_timeout event');
  await req(relay, { kind: 'media_delete', session: r.session });
});

test('hostile datagrams at a media port are dropped and counted', async () => {
  const offer = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 40004 RTP/AVP 0\r\n';
  const r = await req(relay, { kind: 'media_create', side: 'sip', sdp: offer });
  const port = portOf(r.sdp);
  const s = dgram.createSocket('udp4');
  const c0 = (await suite.health('mediad', relay.id)).counters;
  const junk = [Buffer.alloc(0), Buffer.from([0, 1]), Buffer.from([0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42]),
    Buffer.alloc(100, 0x16), Buffer.alloc(1500, 0x80), Buffer.from('hello'), Buffer.alloc(12, 0xff)];
  for (let i = 0; i < 300; i++) s.send(junk[i % junk.length], port, '127.0.0.1');
  await sleep(500);
  s.close();
  const c1 = (await suite.health('mediad', relay.id)).counters;
  assert.ok(c1.media_stun_bad_total + c1.media_stun_unauthorized_total + c1.media_drop_source_total
    > c0.media_stun_bad_total + c0.media_stun_unauthorized_total + c0.media_drop_source_total,
    JSON.stringify(c1));
  assert.equal(relay.exitCode, null);
  const st = await req(relay, { kind: 'media_stats', session: r.session });
  assert.equal(st.kind, 'media_stats');
  await req(relay, { kind: 'media_delete', session: r.session });
});
