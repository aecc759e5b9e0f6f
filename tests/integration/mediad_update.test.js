// mediad's re-offers (media_update), DTMF (RFC 4733 events and media_dtmf)
// and draining, against real mediad processes and a real nats-server.
// The SIP leg is a plain UDP peer (tests/lib/rtppeer.js); where real
// WebRTC media must flow (hold with tones, ICE restart, DTMF to and from a
// browser, a drain with a call up) the browser side is rtcgate-peer
// (tools/webrtc-peer) in its scripted modes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor, sleep, sc } = require('../lib/harness');
const { portRange, portBounds } = require('../lib/ports');
const { runPeer: runPeerOn } = require('../lib/peer');
const { RtpPeer } = require('../lib/rtppeer');

const suite = new Suite('mediad-update');
const events = [];
const beats = [];
let md; let xc;

const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const portOf = (sdp) => Number(/m=audio (\d+)/.exec(sdp)[1]);
const oVer = (sdp) => Number(/^o=rtcgate \d+ (\d+) /m.exec(sdp)[1]);
const ufragOf = (sdp) => /a=ice-ufrag:(\S+)/.exec(sdp)[1];
const FP = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';

// A browser's description (no browser behind it: enough for the SDP and the
// SIP leg).
function webSdp({ ufrag = 'uFr1', pwd = 'pwd1pwd1pwd1pwd1pwd1pw', setup = 'actpass', dir = 'sendrecv',
  pcmu = true, te = true, fp = FP } = {}) {
  return 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
    + `m=audio 9 UDP/TLS/RTP/SAVPF 111${pcmu ? ' 0' : ''}${te ? ' 126' : ''}\r\n`
    + `c=IN IP4 0.0.0.0\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n`
    + `a=fingerprint:sha-256 ${fp}\r\na=setup:${setup}\r\na=mid:0\r\na=${dir}\r\na=rtcp-mux\r\n`
    + `a=rtpmap:111 opus/48000/2\r\n${pcmu ? 'a=rtpmap:0 PCMU/8000\r\n' : ''}`
    + `${te ? 'a=rtpmap:126 telephone-event/8000\r\n' : ''}`;
}
function sipSdp(port, dir = 'sendrecv', pts = '0') {
  return `v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
    + `m=audio ${port} RTP/AVP ${pts} 101\r\na=rtpmap:0 PCMU/8000\r\n`
    + `a=rtpmap:101 telephone-event/8000\r\na=${dir}\r\n`;
}

// A call from a "browser" to the UDP peer; returns {session, peer, sipPort, webSdp}.
async function webCall(node, { pcmu = true, te = true } = {}) {
  const peer = await new RtpPeer().open();
  let r = await req(node, { kind: 'media_create', side: 'web', sdp: webSdp({ pcmu, te }) });
  assert.equal(r.kind, 'media_sdp', r.reason);
  const session = r.session; const sipPort = portOf(r.sdp);
  r = await req(node, { kind: 'media_answer', session, sdp: sipSdp(peer.port) });
  assert.equal(r.kind, 'media_sdp', r.reason);
  return { session, peer, sipPort, web: r.sdp, transcode: r.transcode };
}

// RFC 4733 packets of one event from the UDP peer: updates, then 3 ends.
function sendEvent(peer, port, { event, ts, seq, ms = 100 }) {
  const pkts = [];
  const ticks = ms * 8;
  for (let d = 160; d < ticks; d += 160) pkts.push([false, d]);
  for (let i = 0; i < 3; i++) pkts.push([true, ticks]);
  pkts.forEach(([end, dur], i) => {
    const b = Buffer.alloc(16);
    b[0] = 0x80; b[1] = (i === 0 ? 0x80 : 0) | 101;
    b.writeUInt16BE((seq + i) & 0xFFFF, 2); b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(0x5eed, 8);
    b[12] = event; b[13] = (end ? 0x80 : 0) | 10; b.writeUInt16BE(dur, 14);
    peer.sock.send(b, port, '127.0.0.1');
  });
  return pkts.length;
}

// Events (telephone-event packets, pt) the UDP peer received, by timestamp.
function received(peer, pt = 101) {
  const byTs = new Map();
  for (const p of peer.rx.filter((x) => x.pt === pt)) {
    const e = byTs.get(p.ts) || { event: p.payload[0], pkts: 0, ends: 0, dur: 0, seqs: [] };
    e.pkts++; e.seqs.push(p.seq);
    if (p.payload[1] & 0x80) { e.ends++; e.dur = p.payload.readUInt16BE(2); }
    byTs.set(p.ts, e);
  }
  return [...byTs.values()];
}

test.before(async () => {
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '2',
    RTCGATE_MEDIA_TIMEOUT: '2', RTCGATE_MEDIA_HEARTBEAT_MS: '200', RTCGATE_LOG_LEVEL: 'info' };
  md = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename) });
  xc = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'xcode'), RTCGATE_CODEC_POLICY: 'opus-web' });
  suite.env = { ...suite.env, ...env };
  for (const [subj, list] of [['rtcgate.media.event', events], ['rtcgate.media.heartbeat', beats]]) {
    const sub = suite.nc.subscribe(subj);
    (async () => { for await (const m of sub) list.push(JSON.parse(sc.decode(m.data))); })();
  }
  await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
  await waitFor(() => suite.health('mediad', xc.id), 5000, 'mediad 2');
});

test.after(() => suite.close());

test('SIP side holds (sendonly) and resumes: offered on to the browser with its ICE and DTLS kept; nothing sent toward the held side; no media timeout during the hold',
  { timeout: 30000 }, async () => {
    const c = await webCall(md);
    const web0 = c.web;
    // Hold: a WebRTC offer for the browser, mirrored (we send to it only).
    let r = await req(md, { kind: 'media_update', session: c.session, side: 'sip', sdp: sipSdp(c.peer.port, 'sendonly') });
    assert.equal(r.kind, 'media_sdp', r.reason);
    assert.equal(r.forward, true);
    assert.match(r.sdp, /a=sendonly\r\n/);
    assert.match(r.sdp, /UDP\/TLS\/RTP\/SAVPF/);
    assert.equal(ufragOf(r.sdp), ufragOf(web0));
    assert.match(r.sdp, /a=setup:passive\r\n/); // our role: the browser was told passive first
    assert.equal(oVer(r.sdp), oVer(web0) + 1);
    r = await req(md, { kind: 'media_answer', session: c.session, sdp: webSdp({ setup: 'active', dir: 'recvonly' }) });
    assert.equal(r.kind, 'media_sdp', r.reason);
    assert.match(r.sdp, /a=recvonly\r\n/);
    assert.match(r.sdp, new RegExp(`m=audio ${c.sipPort} RTP/AVP 0 101`));
    // mediad must not send toward the SIP side now: digits queued for it
    // are dropped and counted, none arrive.
    const held0 = await suite.counter('mediad', md.id, 'media_drop_hold_total');
    r = await req(md, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '7' });
    assert.equal(r.kind, 'media_ok', r.reason);
    await waitFor(async () => (await req(md, { kind: 'media_stats', session: c.session })).sip.held >= 4,
      5000, 'held packets counted');
    assert.ok(await suite.counter('mediad', md.id, 'media_drop_hold_total') >= held0 + 4);
    assert.equal(received(c.peer).length, 0);
    let st = await req(md, { kind: 'media_stats', session: c.session });
    assert.equal(st.sip.local_dir, 'recvonly');
    assert.equal(st.web.local_dir, 'sendonly');
    // A held call sends no RTP: RTCGATE_MEDIA_TIMEOUT (2 s) must not fire.
    await sleep(3000);
    assert.ok(!events.some((e) => e.session === c.session && e.event === 'media_timeout'),
      'media_timeout during a hold');
    // Resume: sendrecv both ways, digits arrive again.
    r = await req(md, { kind: 'media_update', session: c.session, side: 'sip', sdp: sipSdp(c.peer.port, 'sendrecv') });
    assert.equal(r.forward, true);
    assert.match(r.sdp, /a=sendrecv\r\n/);
    assert.equal(oVer(r.sdp), oVer(web0) + 2);
    r = await req(md, { kind: 'media_answer', session: c.session, sdp: webSdp({ setup: 'active' }) });
    assert.match(r.sdp, /a=sendrecv\r\n/);
    r = await req(md, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '8' });
    assert.equal(r.kind, 'media_ok');
    await waitFor(() => received(c.peer).some((e) => e.ends === 3), 5000, 'digit after resume');
    assert.deepEqual(received(c.peer).map((e) => e.event), [8]);
    st = await req(md, { kind: 'media_stats', session: c.session });
    assert.equal(st.sip.local_dir, 'sendrecv');
    await req(md, { kind: 'media_delete', session: c.session });
    c.peer.close();
  });

test('re-offers answered at once: a session refresh keeps the o= version; a browser ICE restart gets new credentials; refusals',
  { timeout: 20000 }, async () => {
    const c = await webCall(md);
    let r = await req(md, { kind: 'media_update', session: c.session, side: 'sip', sdp: sipSdp(c.peer.port) });
    assert.equal(r.kind, 'media_sdp', r.reason);
    assert.equal(r.forward, false);
    const v = oVer(r.sdp);
    r = await req(md, { kind: 'media_update', session: c.session, side: 'sip', sdp: sipSdp(c.peer.port) });
    assert.equal(r.forward, false);
    assert.equal(oVer(r.sdp), v, 'an unchanged answer keeps its version');
    // ICE restart from the browser.
    r = await req(md, { kind: 'media_update', session: c.session, side: 'web',
      sdp: webSdp({ ufrag: 'uFr9', pwd: 'pwd9pwd9pwd9pwd9pwd9pw' }) });
    assert.equal(r.kind, 'media_sdp', r.reason);
    assert.equal(r.forward, false);
    assert.notEqual(ufragOf(r.sdp), ufragOf(c.web));
    assert.match(r.sdp, /a=setup:passive\r\n/);
    assert.equal(oVer(r.sdp), oVer(c.web) + 1);
    // Refusals, each with its reason.
    r = await req(md, { kind: 'media_update', session: c.session, side: 'web',
      sdp: webSdp({ fp: FP.replace(/^AA/, '11') }) });
    assert.equal(r.kind, 'error');
    assert.match(r.reason, /fingerprint/);
    r = await req(md, { kind: 'media_update', session: c.session, side: 'web', sdp: 'v=0\r\nx\r\n' });
    assert.match(r.reason, /SDP line 2/);
    r = await req(md, { kind: 'media_update', session: c.session, side: 'left', sdp: sipSdp(1) });
    assert.match(r.reason, /side/);
    r = await req(md, { kind: 'media_update', session: `${md.id}.0.99999`, side: 'sip', sdp: sipSdp(1) });
    assert.equal(r.reason, 'no such session');
    r = await req(md, { kind: 'media_answer', session: c.session, sdp: sipSdp(c.peer.port) });
    assert.match(r.reason, /no offer of ours/);
    await req(md, { kind: 'media_delete', session: c.session });
    c.peer.close();
  });

async function dtmfBothWays(node, { pcmu }) {
  const c = await webCall(node, { pcmu });
  // Latch the UDP peer, then a '5' of 100 ms from the SIP side.
  c.peer.play('127.0.0.1', c.sipPort, { freq: 400 });
  await sleep(200);
  c.peer.stop();
  sendEvent(c.peer, c.sipPort, { event: 5, ts: 123456, seq: 40000, ms: 100 });
  await waitFor(() => events.some((e) => e.session === c.session && e.event === 'dtmf'), 5000, 'dtmf event');
  await sleep(300); // the repeated end packets must not make more events
  const ev = events.filter((e) => e.session === c.session && e.event === 'dtmf');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].detail, '5');
  assert.equal(ev[0].leg, 'sip');
  assert.equal(ev[0].duration, 100);
  // media_dtmf toward the SIP side: RFC 4733 packets, one event per digit.
  let r = await req(node, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '1#', duration_ms: 120 });
  assert.equal(r.kind, 'media_ok', r.reason);
  await waitFor(() => received(c.peer).filter((e) => e.ends === 3).length === 2, 5000, 'two digits');
  const got = received(c.peer);
  assert.deepEqual(got.map((e) => e.event), [1, 11]);
  for (const e of got) {
    assert.equal(e.dur, 960); // 120 ms at 8 kHz
    assert.ok(e.pkts >= 5, `${e.pkts} packets`); // start, updates, 3 ends
  }
  const first = c.peer.rx.find((p) => p.pt === 101);
  assert.equal(first.payload.length, 4);
  const st = await req(node, { kind: 'media_stats', session: c.session });
  assert.equal(st.sip.dtmf_rx, 1);
  await waitFor(async () => (await req(node, { kind: 'media_stats', session: c.session })).sip.dtmf_tx === 2,
    3000, 'dtmf_tx');
  // Errors: bad digits, durations out of bounds.
  r = await req(node, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '12x' });
  assert.match(r.reason, /digits/);
  r = await req(node, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '1', duration_ms: 'long' });
  assert.match(r.reason, /duration_ms/);
  r = await req(node, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '1'.repeat(65) });
  assert.equal(r.kind, 'error');
  await req(node, { kind: 'media_delete', session: c.session });
  c.peer.close();
  return c;
}

test('DTMF, relaying PCMU: an event from the SIP side is reported once; media_dtmf plays digits to it',
  { timeout: 20000 }, async () => {
    const c = await dtmfBothWays(md, { pcmu: true });
    assert.equal(c.transcode, false);
  });

test('DTMF, transcoding Opus <-> PCMU: the same', { timeout: 20000 }, async () => {
  const c = await dtmfBothWays(md, { pcmu: false });
  assert.equal(c.transcode, true);
});

test('media_dtmf on a leg without telephone-event is refused; the queue is bounded', { timeout: 20000 }, async () => {
  const c = await webCall(md, { te: false });
  let r = await req(md, { kind: 'media_dtmf', session: c.session, leg: 'web', digits: '1' });
  assert.equal(r.kind, 'error');
  assert.match(r.reason, /no telephone-event/);
  await req(md, { kind: 'media_delete', session: c.session });
  c.peer.close();
  const d = await webCall(md);
  // A duration below the bound plays at the bound (40 ms: 320 ticks).
  r = await req(md, { kind: 'media_dtmf', session: d.session, leg: 'sip', digits: '5', duration_ms: 10 });
  assert.equal(r.kind, 'media_ok', r.reason);
  await waitFor(() => received(d.peer).some((e) => e.ends === 3), 5000, 'short digit');
  assert.equal(received(d.peer)[0].dur, 320);
  await sleep(200); // its pause ends: the queue is empty again
  r = await req(md, { kind: 'media_dtmf', session: d.session, leg: 'sip', digits: '1'.repeat(64), duration_ms: 8000 });
  assert.equal(r.kind, 'media_ok', r.reason);
  r = await req(md, { kind: 'media_dtmf', session: d.session, leg: 'sip', digits: '2' });
  assert.match(r.reason, /queue full/);
  await req(md, { kind: 'media_delete', session: d.session });
  d.peer.close();
});

// ---- draining ----

async function drainNode(extra) {
  // 50 ports each, from the file's drain range
  const [lo, hi] = portBounds(__filename, 'drain');
  const port0 = lo + 100 * (drainNode.n = (drainNode.n || 0) + 1) - 100;
  assert.ok(port0 + 49 <= hi, 'tests/lib/ports.js: a larger drain range');
  const p = suite.service('mediad', { RTCGATE_MEDIA_PORTS: `${port0}-${port0 + 49}`, ...extra });
  await waitFor(() => suite.health('mediad', p.id), 5000, 'drain node');
  return p;
}

test('drain: SIGTERM refuses new sessions, heartbeat says draining, the call goes on; its delete ends the process (exit 0)',
  { timeout: 30000 }, async () => {
    const p = await drainNode({ RTCGATE_MEDIA_DRAIN_GRACE: '600' });
    const c = await webCall(p);
    p.kill('SIGTERM');
    await waitFor(() => beats.some((b) => b.node === p.id && b.draining === true), 5000, 'draining heartbeat');
    let r = await req(p, { kind: 'media_create', side: 'web', sdp: webSdp() });
    assert.equal(r.kind, 'error');
    assert.equal(r.reason, 'draining: no new sessions');
    assert.equal(await suite.counter('mediad', p.id, 'media_draining'), 1);
    // The session still works: media from the SIP side is received and
    // digits are sent to it.
    c.peer.play('127.0.0.1', c.sipPort);
    r = await req(p, { kind: 'media_dtmf', session: c.session, leg: 'sip', digits: '3' });
    assert.equal(r.kind, 'media_ok');
    await waitFor(() => received(c.peer).some((e) => e.ends === 3), 5000, 'digit while draining');
    await waitFor(async () => (await req(p, { kind: 'media_stats', session: c.session })).sip.rx > 10,
      5000, 'media while draining');
    c.peer.stop();
    assert.equal(p.exitCode, null, 'still running with a call up');
    r = await req(p, { kind: 'media_delete', session: c.session });
    assert.equal(r.kind, 'media_stats');
    const ex = await p.exited;
    assert.deepEqual(ex, { code: 0, signal: null });
    c.peer.close();
  });

test('drain: the grace runs out: sessions end with "drained" events, exit 0', { timeout: 30000 }, async () => {
  const p = await drainNode({ RTCGATE_MEDIA_DRAIN_GRACE: '1' });
  const a = await webCall(p); const b = await webCall(p);
  p.kill('SIGTERM');
  const ex = await p.exited;
  assert.deepEqual(ex, { code: 0, signal: null });
  await waitFor(() => [a, b].every((c) => events.some((e) => e.session === c.session && e.event === 'drained')),
    3000, 'drained events');
  const e = events.find((x) => x.session === a.session && x.event === 'drained');
  assert.equal(e.node, p.id);
  assert.match(e.detail, /grace/);
  a.peer.close(); b.peer.close();
});

test('drain: a second SIGTERM exits at once; media_drain on the bus drains like SIGTERM', { timeout: 30000 }, async () => {
  const p = await drainNode({ RTCGATE_MEDIA_DRAIN_GRACE: '3600' });
  const c = await webCall(p);
  p.kill('SIGTERM');
  await waitFor(() => beats.some((b) => b.node === p.id && b.draining === true), 5000, 'draining');
  assert.equal(p.exitCode, null);
  p.kill('SIGTERM');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  c.peer.close();
  const q = await drainNode({ RTCGATE_MEDIA_DRAIN_GRACE: '3600' });
  const d = await webCall(q);
  let r = await req(q, { kind: 'media_drain' });
  assert.equal(r.kind, 'media_ok');
  assert.equal(r.draining, true);
  assert.equal(r.sessions, 1);
  r = await req(q, { kind: 'media_create', side: 'web', sdp: webSdp() });
  assert.equal(r.reason, 'draining: no new sessions');
  r = await suite.request('rtcgate.media.any', { v: 1, kind: 'media_drain' });
  assert.equal(r.kind, 'error', 'media_drain goes to a node, not to any');
  await req(q, { kind: 'media_delete', session: d.session });
  assert.deepEqual(await q.exited, { code: 0, signal: null });
  d.peer.close();
});

// ---- with real WebRTC media: rtcgate-peer (tools/webrtc-peer) ----

// Build the peer when it is missing or older than its sources.
const runPeer = (node, args, timeoutMs) => runPeerOn(suite, node.id, ['--duration', '3000', ...args], timeoutMs);

function assertOk(res) {
  assert.equal(res.code, 0, `peer failed: ${JSON.stringify(res.r.failures)}\n${res.err.slice(-2000)}`);
  assert.equal(res.r.media, 1);
  if (res.r.script) assert.ok(res.r.script.steps.length, `no script steps:\n${res.err.slice(-3000)}`);
}

// A phase of one direction carried the sender's tone.
function assertTonePhase(ph, what) {
  assert.ok(ph.received >= 30, `${what}: ${ph.received} packets`);
  assert.ok(ph.purity > 0.95, `${what}: purity ${ph.purity}`);
  assert.ok(ph.energy_per_sample > 1e6, `${what}: energy ${ph.energy_per_sample}`);
}

test('browser hold and resume with real WebRTC: its tone reaches the SIP side throughout; nothing reaches the browser while it holds; audio resumes',
  { timeout: 60000 }, async () => {
    const held0 = await suite.counter('mediad', md.id, 'media_drop_hold_total');
    const res = await runPeer(md, ['--script', 'hold']);
    assertOk(res);
    const s = res.r.script;
    assert.deepEqual(s.steps, [
      { step: 'sendonly', forward: true, mediad_sdp_dir: 'sendonly', answer_dir: 'recvonly' },
      { step: 'sendrecv', forward: true, mediad_sdp_dir: 'sendrecv', answer_dir: 'sendrecv' }]);
    for (let i = 0; i < 3; i++) assertTonePhase(s.phases[i].web_to_sip, `browser -> SIP, phase ${i}`);
    assertTonePhase(s.phases[0].sip_to_web, 'SIP -> browser before the hold');
    assertTonePhase(s.phases[2].sip_to_web, 'SIP -> browser after the resume');
    // During the hold at most what was already in flight.
    assert.ok(s.phases[1].sip_to_web.received <= 3, `${s.phases[1].sip_to_web.received} packets to a held browser`);
    assert.ok(await suite.counter('mediad', md.id, 'media_drop_hold_total') >= held0 + 30);
    assert.equal(res.r.sip_to_web.undecodable, 0);
  });

test('browser ICE restart with real WebRTC: new credentials, mediad re-verifies by ICE, media goes on both ways',
  { timeout: 60000 }, async () => {
    const res = await runPeer(md, ['--script', 'restart', '--per-session']);
    assertOk(res);
    const s = res.r.script;
    assert.equal(s.steps[0].forward, false);
    const session = res.r.per_session[0].session;
    await waitFor(() => events.some((e) => e.session === session && e.event === 'ice_connected' && e.detail === 'restart'),
      3000, 'ice_connected after the restart');
    for (const i of [1, 2]) {
      assertTonePhase(s.phases[i].web_to_sip, `browser -> SIP, phase ${i}`);
      assertTonePhase(s.phases[i].sip_to_web, `SIP -> browser, phase ${i}`);
    }
    assert.equal(events.filter((e) => e.session === session && e.event === 'dtls_connected').length, 1);
  });

for (const [name, args, transcode] of [['relaying PCMU', [], false],
  ['transcoding Opus <-> PCMU', ['--web-codec', 'opus', '--sip-codec', 'PCMU'], true]]) {
  test(`DTMF with real WebRTC, ${name}: events both ways reported and delivered; media_dtmf on both legs`,
    { timeout: 60000 }, async () => {
      const res = await runPeer(md, ['--script', 'dtmf', '--per-session', ...args]);
      assertOk(res);
      assert.equal(res.r.transcode, transcode);
      const d = res.r.script.dtmf;
      assert.equal(d.sip_digits, '42', JSON.stringify(d)); // the browser's 4, then media_dtmf's 2
      assert.equal(d.web_digits, '69', JSON.stringify(d)); // the SIP side's 6, then media_dtmf's 9
      const session = res.r.per_session[0].session;
      const ev = events.filter((e) => e.session === session && e.event === 'dtmf');
      assert.deepEqual(ev.map((e) => [e.detail, e.leg, e.duration]).sort(),
        [['4', 'web', 100], ['6', 'sip', 100]]);
      // Audio went on around the digits.
      assertTonePhase(res.r.script.phases[2].sip_to_web, 'SIP -> browser after the digits');
    });
}

test('drain with a real call up: SIGTERM, the call carries both tones to its end, then mediad exits 0',
  { timeout: 60000 }, async () => {
    const p = await drainNode({ RTCGATE_MEDIA_DRAIN_GRACE: '600', RTCGATE_MEDIA_IP: '127.0.0.1' });
    const run = runPeer(p, ['--duration', '4000', '--per-session']);
    await waitFor(() => events.some((e) => e.node === p.id && e.event === 'dtls_connected'), 20000, 'call up');
    p.kill('SIGTERM');
    await waitFor(() => beats.some((b) => b.node === p.id && b.draining === true), 5000, 'draining');
    const r = await req(p, { kind: 'media_create', side: 'web', sdp: webSdp() });
    assert.equal(r.reason, 'draining: no new sessions');
    const res = await run;
    assertOk(res);
    for (const dir of ['web_to_sip', 'sip_to_web']) {
      assert.ok(res.r[dir].received >= res.r[dir].sent * 0.99, `${dir}: ${res.r[dir].received}/${res.r[dir].sent}`);
      assert.ok(res.r[dir].worst_purity > 0.95);
    }
    assert.deepEqual(await p.exited, { code: 0, signal: null });
  });
