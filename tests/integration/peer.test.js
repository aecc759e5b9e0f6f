// mediad driven by rtcgate-peer (tools/webrtc-peer): the browser side of
// WebRTC sessions (ICE as the controlling agent, with libnice's NiceAgent
// or its STUN usage API; DTLS client or server; SRTP) and a SIP side that
// plays a tone, against a real mediad and nats-server.  Each run checks
// that ICE and DTLS completed and that audio crossed both ways: the tone
// each side sent is found at its frequency in what the other side decoded
// (Goertzel energy over the received audio), not just counted.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor, sc } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { ensurePeer, runPeer: runPeerOn } = require('../lib/peer');

const suite = new Suite('peer');
const events = [];
let md;

// Runs the peer to completion; resolves with its JSON report.  Every call
// here is meant to be clean: the peer itself fails one that lost over 1%.
const runPeer = (args, timeoutMs) => runPeerOn(suite, md.id, ['--duration', '2000', '--max-loss', '1', ...args],
  timeoutMs);

// One direction: nearly every packet arrived, and what was decoded is the
// sender's tone: its frequency holds almost all the energy, the other
// side's frequency none, at the level sent (0.3 of full scale: -13.5 dBFS).
function assertTone(d, hz, what) {
  assert.ok(d.sent >= 50, `${what}: only ${d.sent} packets sent`);
  assert.ok(d.received >= d.sent * 0.99, `${what}: ${d.received} of ${d.sent} received`);
  assert.equal(d.undecodable, 0, `${what}: undecodable packets`);
  assert.equal(d.tone_hz, hz);
  assert.ok(d.worst_purity > 0.95, `${what}: ${hz} Hz holds only ${d.worst_purity} of the energy`);
  assert.ok(d.other_tone < 0.01, `${what}: the other tone at ${d.other_tone}`);
  assert.ok(d.level_dbfs > -16 && d.level_dbfs < -11, `${what}: level ${d.level_dbfs} dBFS`);
}

function assertCall(res, n, { web = 1000, sip = 400, transcode = false } = {}) {
  const { r } = res;
  assert.equal(res.code, 0, `peer failed: ${JSON.stringify(r.failures)}\n${res.err.slice(-2000)}`);
  assert.equal(r.sessions, n);
  assert.equal(r.media, n, JSON.stringify(r.failures));
  assert.equal(r.transcode, transcode);
  assert.match(r.srtp, /^(AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_80)$/);
  assertTone(r.web_to_sip, web, 'browser -> SIP');
  assertTone(r.sip_to_web, sip, 'SIP -> browser');
  // mediad saw what we saw (its own counters, from media_delete).
  assert.ok(r.mediad_counters.web_rx >= r.web_to_sip.sent);
  assert.ok(r.mediad_counters.sip_tx >= r.web_to_sip.received);
}

test.before(async () => {
  ensurePeer();
  await suite.startNats();
  md = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '2',
    RTCGATE_MEDIA_PORTS: portRange(__filename), RTCGATE_LOG_LEVEL: 'info' });
  const sub = suite.nc.subscribe('rtcgate.media.event');
  (async () => { for await (const m of sub) events.push(JSON.parse(sc.decode(m.data))); })();
  await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
});

test.after(() => suite.close());

test('NiceAgent (full ICE, controlling) <-> mediad ICE-lite, DTLS, PCMU relay: tone both ways',
  { timeout: 60000 }, async () => {
    const res = await runPeer(['--ice', 'nice', '--per-session']);
    assertCall(res, 1);
    const s = res.r.per_session[0];
    assert.equal(res.r.ice, 'nice');
    assert.ok(s.ice_ms >= 0 && s.dtls_ms >= 0);
    for (const ev of ['ice_connected', 'dtls_connected']) {
      assert.ok(events.some((e) => e.session === s.session && e.event === ev), `no ${ev} event`);
    }
    // Latency was measured on both legs (send time in an RTP header
    // extension that the relay keeps).
    assert.ok(res.r.web_to_sip.latency_us.n > 0 && res.r.sip_to_web.latency_us.n > 0);
  });

test('STUN usage API ICE, PCMU relay: tone both ways; delete frees the ports',
  { timeout: 60000 }, async () => {
    const res = await runPeer(['--ice', 'stun']);
    assertCall(res, 1);
    assert.equal(res.r.ice, 'stun');
    await waitFor(async () => (await suite.health('mediad', md.id)).counters.media_ports_free === 150,
      3000, 'ports back');
  });

test('twenty sessions at once, two peer threads: every one carries both tones',
  { timeout: 90000 }, async () => {
    const res = await runPeer(['-n', '20', '--threads', '2', '--rate', '100', '--duration', '3000']);
    assertCall(res, 20);
    assert.ok(res.r.web_to_sip.latency_us.n > 1000);
  });

test('SIP side offers; the browser answers active (client) and passive (mediad is the DTLS client)',
  { timeout: 60000 }, async () => {
    assertCall(await runPeer(['--sip-offers']), 1);
    assertCall(await runPeer(['--sip-offers', '--answer-passive']), 1);
  });

test('SIP side echoes: the browser hears its own tone back, round trip measured',
  { timeout: 60000 }, async () => {
    const res = await runPeer(['--echo']);
    assertCall(res, 1, { sip: 1000 });
    assert.ok(res.r.round_trip_us.n > 0);
  });

test('Opus relay and Opus <-> PCMU transcoding: tone both ways', { timeout: 60000 }, async () => {
  assertCall(await runPeer(['--codec', 'opus']), 1);
  assertCall(await runPeer(['--web-codec', 'opus', '--sip-codec', 'PCMU']), 1, { transcode: true });
});

// A call that lost most of its packets still carried audio both ways: the
// peer exits 0 (what callers had), and with --max-loss 3, saying why.  The
// loss: its media node, one of its own, is killed once audio flows.
test('--max-loss: a call whose media node dies mid-window exits 3 with the reason; without it, 0',
  { timeout: 120000 }, async () => {
    for (const limit of [null, '5']) {
      const node = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1',
        RTCGATE_MEDIA_PORTS: portRange(__filename, 'lossy'), RTCGATE_LOG_LEVEL: 'info' });
      await waitFor(() => suite.health('mediad', node.id), 5000, 'the doomed mediad');
      const run = runPeerOn(suite, node.id, ['--duration', '6000', ...(limit ? ['--max-loss', limit] : [])], 90000);
      await waitFor(async () => (await suite.health('mediad', node.id)).counters.media_packets_out_total >= 100,
        30000, 'audio through the doomed mediad');
      await suite.stop(node, 'SIGKILL');
      const res = await run;
      assert.equal(res.r.media, 1, 'the call carried audio both ways');
      assert.ok(res.r.web_to_sip.loss > 0.05 && res.r.sip_to_web.loss > 0.05,
        `lossy: ${res.r.web_to_sip.loss}, ${res.r.sip_to_web.loss}`);
      if (limit) {
        assert.equal(res.code, 3, res.err.slice(-1500));
        assert.match(res.err, /loss [\d.]+% web->sip, [\d.]+% sip->web: more than --max-loss 5\.00%/);
      } else {
        assert.equal(res.code, 0, res.err.slice(-1500));
      }
    }
  });
