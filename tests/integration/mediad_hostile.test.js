// Hostile bus input to real mediad processes (ICE-lite and full ICE) on a
// real nats-server: media_create, media_update, media_candidate and
// media_dtmf with wrong types, missing fields, huge strings, bad owner ids,
// sip_srtp junk and session ids that name nothing. Every one is answered
// with an error and counted, nothing is left behind, and the node then
// serves a good session from offer to delete.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { portBounds } = require('../lib/ports');

const suite = new Suite('mediad-hostile');
const nodes = {};
const PORTS = { lite: portBounds(__filename, 'lite'), full: portBounds(__filename, 'full') };
const FREE = 20;	// even ports of a 40-port range

const req = (node, obj, raw) => suite.request(`rtcgate.media.${node.id}`,
  raw ? obj : { v: 1, ...obj }, 8000);
const FP = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const WEB = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
  + 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 126\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:uFr1\r\n'
  + `a=ice-pwd:pwd1pwd1pwd1pwd1pwd1pw\r\na=fingerprint:sha-256 ${FP}\r\na=setup:actpass\r\n`
  + 'a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n'
  + 'a=rtpmap:126 telephone-event/8000\r\n';
const SIP = (port, extra = '') => 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n'
  + `t=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n`
  + `a=rtpmap:101 telephone-event/8000\r\n${extra}a=sendrecv\r\n`;

// The nats client publishes raw bytes too: not everything is an object.
async function rawReq(node, text) {
  const { sc } = require('../lib/harness');
  const r = await suite.nc.request(`rtcgate.media.${node.id}`, sc.encode(text), { timeout: 8000 });
  return JSON.parse(sc.decode(r.data));
}

async function health(node) {
  return (await suite.health('mediad', node.id)).counters;
}

test.before(async () => {
  await suite.startNats();
  for (const mode of ['lite', 'full']) {
    const [lo, hi] = PORTS[mode];
    nodes[mode] = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '2',
      RTCGATE_MEDIA_PORTS: `${lo}-${hi}`, RTCGATE_ICE_MODE: mode });
  }
  for (const mode of Object.keys(nodes)) {
    await waitFor(() => suite.health('mediad', nodes[mode].id), 10000, `mediad ${mode}`);
  }
});

test.after(() => suite.close());

for (const mode of ['lite', 'full']) {
  test(`${mode}: malformed envelopes and unknown sessions are refused and counted`, async () => {
    const node = nodes[mode];
    const c0 = await health(node);
    const raw = ['', 'not json', '[1,2]', '"str"', '{"v":1}', '{"kind":"media_create"}',
      '{"v":2,"kind":"media_create","side":"web","sdp":"v=0"}', '{"v":1,"kind":7}',
      '{"v":1,"kind":"media_create","side":"web","sdp":"x","side":"sip"}',
      `{"v":1,"kind":"media_nonsense${'x'.repeat(5000)}"}`];
    for (const t of raw) {
      const r = await rawReq(node, t);
      assert.equal(r.kind, 'error', t.slice(0, 60));
      assert.equal(typeof r.code, 'number');
    }
    const id = node.id;
    const bad = [
      { kind: 'media_create', side: 5, sdp: WEB },
      { kind: 'media_create', side: 'web', sdp: { m: 'audio' } },
      { kind: 'media_create', side: 'web' },
      { kind: 'media_update', session: 5, side: 'web', sdp: WEB },
      { kind: 'media_update', session: `${id}.0.1`, side: ['web'], sdp: WEB },
      { kind: 'media_dtmf', session: `${id}.0.1`, leg: 'web' },
      { kind: 'media_candidate' },
      { kind: 'media_delete', session: null },
      // session ids that name no worker of this node
      { kind: 'media_stats', session: `${id}.99999999999999999999.1` },
      { kind: 'media_stats', session: `${id}.-1.1` },
      { kind: 'media_stats', session: `${id}.2.1` },
      { kind: 'media_stats', session: `${id}..1` },
      { kind: 'media_stats', session: 'other-node.0.1' },
      { kind: 'media_stats', session: `${id}` },
      { kind: 'media_stats', session: 'x'.repeat(100000) },
      { kind: 'media_heartbeat', node: id, sessions: 1 },
    ];
    for (const m of bad) {
      const r = await req(node, m);
      assert.equal(r.kind, 'error', JSON.stringify(m).slice(0, 80));
    }
    const c1 = await health(node);
    assert.equal(c1.bus_bad_messages_total, c0.bus_bad_messages_total + raw.length + bad.length);
    assert.equal(c1.media_sessions_created_total, c0.media_sessions_created_total);
  });

  test(`${mode}: media_create with junk fields is refused and counted, no session or port left`, async () => {
    const node = nodes[mode];
    const c0 = await health(node);
    const fieldBad = [
      { side: 'left', sdp: WEB },
      { side: 'web', sdp: WEB, owner: 42 },
      { side: 'web', sdp: WEB, owner: '' },
      { side: 'web', sdp: WEB, owner: 'b2bua with spaces' },
      { side: 'web', sdp: WEB, owner: 'b2bua.*' },
      { side: 'web', sdp: WEB, owner: 'o'.repeat(5000) },
      { side: 'web', sdp: WEB, owner: { id: 'b2bua-1' } },
      { side: 'sip', sdp: SIP(40000), sip_srtp: 7 },
      { side: 'web', sdp: WEB, sip_srtp: 'maybe' },
      { side: 'web', sdp: WEB, sip_srtp: '' },
      { side: 'web', sdp: WEB, sip_srtp: null },
    ];
    for (const f of fieldBad) {
      const r = await req(node, { kind: 'media_create', ...f });
      assert.equal(r.kind, 'error', JSON.stringify(f).slice(0, 80));
      assert.equal(r.code, 4);
    }
    // SDP junk: refused with a reason, counted as refused offers
    const sdpBad = ['x'.repeat(1000 * 1000), `${WEB}a=candidate:${'9'.repeat(300)} 1 udp 1 1.2.3.4 9 typ host\r\n`,
      SIP(40000, 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!|2^99999|99999999999:4\r\n')
        .replace('RTP/AVP', 'RTP/SAVP'),
      SIP(40000, `a=crypto:4294967296 AES_CM_128_HMAC_SHA1_80 inline:${'A'.repeat(4000)}\r\n`)
        .replace('RTP/AVP', 'RTP/SAVP'),
      WEB.replace('a=group:BUNDLE 0', 'a=group:BUNDLE 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17')
        .replace('a=mid:0', 'a=mid:zz'),
      WEB + WEB.slice(WEB.indexOf('m=audio')).repeat(20)];
    for (const sdp of sdpBad) {
      const side = sdp.includes('RTP/SAVP') ? 'sip' : 'web';
      const r = await req(node, { kind: 'media_create', side, sdp });
      assert.equal(r.kind, 'error', sdp.slice(0, 80));
      assert.ok(r.reason.length > 0);
    }
    const c1 = await health(node);
    assert.equal(c1.bus_bad_messages_total, c0.bus_bad_messages_total + fieldBad.length);
    assert.ok(c1.media_sdp_refused_total >= c0.media_sdp_refused_total + sdpBad.length - 1,
      `${c1.media_sdp_refused_total} vs ${c0.media_sdp_refused_total}`);
    await waitFor(async () => (await health(node)).media_ports_free === FREE, 5000, 'ports back');
  });

  test(`${mode}: junk on a live session is refused and counted; the session and the next one work`, async () => {
    const node = nodes[mode];
    const c = await req(node, { kind: 'media_create', side: 'web', sdp: WEB, owner: 'b2bua-hostile-1',
      sip_srtp: 'optional' });
    assert.equal(c.kind, 'media_sdp', c.reason);
    const session = c.session;
    const c0 = await health(node);
    const fieldBad = [
      { kind: 'media_update', session, side: 'left', sdp: WEB },
      { kind: 'media_dtmf', session, leg: 'both', digits: '1' },
      { kind: 'media_dtmf', session, leg: 'web', digits: 'zz' },
      { kind: 'media_dtmf', session, leg: 'web', digits: '1'.repeat(10000) },
      { kind: 'media_dtmf', session, leg: 'web', digits: '' },
      { kind: 'media_dtmf', session, leg: 'web', digits: '1', duration_ms: 'long' },
      { kind: 'media_dtmf', session, leg: 'web', digits: '1', duration_ms: 1.5 },
    ];
    for (const m of fieldBad) {
      const r = await req(node, m);
      assert.equal(r.kind, 'error', JSON.stringify(m).slice(0, 80));
    }
    const cands = [
      { candidate: 7 }, { candidate: '' }, { candidate: 'candidate:\u0018 1 udp 1 127.0.0.1 9 typ host' },
      { candidate: `candidate:1 1 udp 1 127.0.0.1 9 typ host ${'x'.repeat(8000)}` },
      { candidate: 'candidate:1 1 udp 99999999999 127.0.0.1 99999 typ host' },
      { end_of_candidates: 'yes' },
    ];
    for (const m of cands) {
      const r = await req(node, { kind: 'media_candidate', session, ...m });
      assert.equal(r.kind, 'error', JSON.stringify(m).slice(0, 80));
    }
    // re-offers and answers that do not parse: refused, the session kept
    for (const sdp of ['', 'v=0', WEB.replace('m=audio 9', 'm=audio 99999999999')]) {
      const r = await req(node, { kind: 'media_answer', session, sdp });
      assert.equal(r.kind, 'error');
    }
    // huge but in-range DTMF durations are clamped, not refused
    const c1 = await health(node);
    assert.equal(c1.bus_bad_messages_total, c0.bus_bad_messages_total + fieldBad.length);
    assert.equal(c1.media_candidates_refused_total, c0.media_candidates_refused_total + cands.length);
    assert.equal(c1.media_sdp_refused_total, c0.media_sdp_refused_total + 3);
    let r = await req(node, { kind: 'media_answer', session, sdp: SIP(40000) });
    assert.equal(r.kind, 'media_sdp', r.reason);
    for (const duration_ms of [1e15, -5]) {
      r = await req(node, { kind: 'media_dtmf', session, leg: 'sip', digits: '1', duration_ms });
      assert.equal(r.kind, 'media_ok', r.reason);
    }
    r = await req(node, { kind: 'media_update', session, side: 'sip', sdp: SIP(40002, 'a=crypto:1 x\r\n') });
    assert.ok(['media_sdp', 'error'].includes(r.kind));
    r = await req(node, { kind: 'media_stats', session });
    assert.equal(r.kind, 'media_stats');
    r = await req(node, { kind: 'media_delete', session });
    assert.equal(r.kind, 'media_stats');
    // the next good session, the other way round
    const s2 = await req(node, { kind: 'media_create', side: 'sip', sdp: SIP(40004) });
    assert.equal(s2.kind, 'media_sdp', s2.reason);
    assert.match(s2.sdp, /UDP\/TLS\/RTP\/SAVPF/);
    r = await req(node, { kind: 'media_delete', session: s2.session });
    assert.equal(r.kind, 'media_stats');
    await waitFor(async () => (await health(node)).media_ports_free === FREE, 5000, 'ports back');
    const h = await suite.health('mediad', node.id);
    assert.equal(h.counters.media_sessions ?? 0, 0);
  });
}

// A seeded generator (mulberry32), so a failing round can be replayed.
function prng(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}
const ODD_LINES = ['a=candidate:1 1 udp 99999999999 127.0.0.1 70000 typ host',
  'a=candidate:2 1 udp 1 127.0.0.1 0 typ host', 'a=candidate:3 2 udp 1 127.0.0.1 9 typ host',
  'a=candidate:4 1 tcp 1 127.0.0.1 9 typ host tcptype passive', 'a=candidate:5 1 udp 1 x.local 9 typ host',
  'a=candidate:6 1 udp 1 ::1 9 typ relay raddr ::1 rport 99999', 'a=candidate:7 1 udp 1 127.0.0.1 9 typ srflx',
  'a=ice-ufrag:', 'a=ice-pwd:x', 'a=group:BUNDLE 0 9 zz', 'a=mid:9', 'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=rtpmap:96 VP8/90000', 'a=ssrc:4294967295 cname:x', 'a=setup:holdconn', 'a=end-of-candidates',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^99|9:9', 'c=IN IP6 ::1'];
function mutate(sdp, r) {
  const lines = sdp.split('\r\n').filter(Boolean);
  for (let k = 1 + r(4); k; k--) {
    const at = r(lines.length + 1);
    switch (r(5)) {
      case 0: lines.splice(r(lines.length), 1); break;
      case 1: lines.splice(at, 0, lines[r(lines.length)] || ''); break;
      case 2: lines.splice(at, 0, ODD_LINES[r(ODD_LINES.length)]); break;
      case 3: { const i = r(lines.length); lines[i] = (lines[i] || '').replace(/\d+/, String(2 ** (8 * (1 + r(8))))); break; }
      default: { const i = r(lines.length); lines[i] = (lines[i] || '').slice(0, r((lines[i] || '').length + 1)); }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
const WEB_CANDS = WEB.replace('a=rtcp-mux\r\n', 'a=rtcp-mux\r\n'
  + 'a=candidate:1 1 udp 2130706431 127.0.0.1 45001 typ host\r\n'
  + 'a=candidate:2 1 udp 1694498815 127.0.0.1 45002 typ srflx raddr 127.0.0.1 rport 45001\r\n');

for (const mode of ['lite', 'full']) {
  test(`${mode}: 150 sessions of mutated offers, answers and re-offers; nothing left, the node still serves`,
    async () => {
      const node = nodes[mode];
      const r = prng(mode === 'full' ? 11 : 22);
      let made = 0;
      for (let i = 0; i < 150; i++) {
        const fromWeb = r(2) === 0;
        const c = await req(node, { kind: 'media_create', side: fromWeb ? 'web' : 'sip',
          sdp: mutate(fromWeb ? WEB_CANDS : SIP(40000), r) });
        if (c.kind !== 'media_sdp') {
          assert.equal(c.kind, 'error');
          continue;
        }
        made++;
        for (let k = r(4); k; k--) {
          const web = r(2) === 0;
          const sdp = mutate(web ? WEB_CANDS : SIP(40010), r);
          const m = r(2) ? { kind: 'media_answer', sdp } : { kind: 'media_update', side: web ? 'web' : 'sip', sdp };
          const a = await req(node, { session: c.session, ...m });
          assert.ok(['media_sdp', 'error'].includes(a.kind), JSON.stringify(a).slice(0, 100));
        }
        const d = await req(node, { kind: 'media_delete', session: c.session });
        assert.equal(d.kind, 'media_stats');
      }
      assert.ok(made > 20, `only ${made} sessions made`);
      await waitFor(async () => (await health(node)).media_ports_free === FREE, 5000, 'ports back');
      const c = await req(node, { kind: 'media_create', side: 'web', sdp: WEB });
      assert.equal(c.kind, 'media_sdp', c.reason);
      assert.equal((await req(node, { kind: 'media_delete', session: c.session })).kind, 'media_stats');
    });
}
