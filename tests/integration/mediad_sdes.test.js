// SDES-SRTP (RFC 4568) on mediad's SIP leg, through the real process and a
// real nats-server, with rtcgate-peer playing the browser (DTLS-SRTP) and
// a phone that speaks SDES (--sdes): a tone each way for every suite, the
// SIP side offering (RTP/SAVP, RTP/AVP + crypto) or answering our optional
// and mandatory offers, relayed and transcoded; forged tags and replays
// dropped and counted while the call goes on; refusals with a reason.
// Also the long-hold cases of issue 4: a phone whose sequence numbers leap
// by 40,000 mid-call (the browser must go on decrypting), and a browser
// whose SRTP leaps 30,000 ahead (a sender that legitimately went on).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { ensurePeer, runPeer: runPeerOn } = require('../lib/peer');
const { webSdp } = require('../lib/websip');

const suite = new Suite('mediad_sdes');
let md; let strict;

const SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'];
const KEY30 = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
// every call here is meant to be clean (assertTone: 2% loss at most): the
// peer fails one that is not itself (exit 3)
const runPeer = (args) => runPeerOn(suite, md.id, ['--duration', '4000', '--max-loss', '2', ...args], 90000);
const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const counters = async (node = md) => (await suite.health('mediad', node.id)).counters;

// Audio both ways: everything sent arrived, decoded as the right tone
// (purity: the share of the energy at the sender's frequency), loud.
function assertTone(r, what) {
  for (const [dir, d] of [['web_to_sip', r.web_to_sip], ['sip_to_web', r.sip_to_web]]) {
    assert.ok(d.sent >= 150, `${what} ${dir}: sent ${d.sent}`);
    assert.ok(d.loss <= 0.02, `${what} ${dir}: loss ${d.loss}`);
    assert.equal(d.undecodable, 0, `${what} ${dir}: packets that did not decrypt or decode`);
    assert.ok(d.purity > 0.98, `${what} ${dir}: purity ${d.purity}`);
    assert.ok(d.level_dbfs > -20, `${what} ${dir}: level ${d.level_dbfs} dBFS`);
  }
}

function sipSdp(proto, crypto, port = 40000) {
  return `v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
    + `m=audio ${port} ${proto} 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n${crypto}`;
}

test.before(async () => {
  ensurePeer();
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1' };
  md = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename) });
  strict = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'strict'), RTCGATE_SIP_SRTP: 'mandatory' });
  await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
  await waitFor(() => suite.health('mediad', strict.id), 5000, 'mediad (mandatory)');
});
test.after(() => suite.close());

test('the phone offers RTP/SAVP: each suite gets SRTP both ways on the SIP leg, relayed PCMU',
  { timeout: 240000 }, async (t) => {
    for (const s of SUITES) {
      const res = await runPeer(['--sip-offers', '--sdes', s]);
      assert.equal(res.code, 0, `${s}: ${res.err.slice(-1500)}`);
      t.diagnostic(`${s}: ${JSON.stringify(res.r.mediad_sip_srtp)}`);
      assert.equal(res.r.transcode, false);
      assertTone(res.r, s);
      assert.deepEqual(res.r.mediad_sip_srtp, { suite: s, savp: true, auth_fail: 0, replay: 0, bad: 0 });
    }
  });

test('mediad offers: optional (RTP/AVP + a=crypto) and mandatory (RTP/SAVP) answered with SDES; '
  + 'a transcoded call (Opus browser, PCMU phone) too', { timeout: 180000 }, async () => {
  let res = await runPeer(['--sip-srtp', 'optional', '--sdes', 'AEAD_AES_128_GCM']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'optional');
  assert.equal(res.r.mediad_sip_srtp.suite, 'AEAD_AES_128_GCM');
  assert.equal(res.r.mediad_sip_srtp.savp, false, 'an optional offer is RTP/AVP');

  res = await runPeer(['--sip-srtp', 'mandatory', '--sdes', 'AES_CM_128_HMAC_SHA1_80']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'mandatory');
  assert.equal(res.r.mediad_sip_srtp.savp, true, 'a mandatory offer is RTP/SAVP');

  res = await runPeer(['--sip-srtp', 'optional', '--sdes', 'AEAD_AES_256_GCM', '--web-codec', 'opus', '--sip-codec', 'PCMU']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assert.equal(res.r.transcode, true);
  assertTone(res.r, 'transcoded');
  assert.equal(res.r.mediad_sip_srtp.suite, 'AEAD_AES_256_GCM');

  // an optional offer answered without crypto: plain RTP, as before
  res = await runPeer(['--sip-srtp', 'optional']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'optional, answered plain');
  assert.equal(res.r.mediad_sip_srtp, null);
});

test('the phone offers RTP/AVP with a=crypto (best effort): answered with SRTP', { timeout: 60000 }, async () => {
  const res = await runPeer(['--sip-offers', '--sdes', 'AES_CM_128_HMAC_SHA1_80', '--sdes-avp']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'RTP/AVP + crypto');
  assert.equal(res.r.mediad_sip_srtp.savp, false);
});

test('forged tags and replays on the SIP leg are dropped and counted; the call goes on', { timeout: 60000 }, async () => {
  const before = await counters();
  const res = await runPeer(['--sip-offers', '--sdes', 'AES_CM_128_HMAC_SHA1_80', '--sdes-forge', '20']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'forged');
  assert.equal(res.r.sip_to_web.received, res.r.sip_to_web.sent, 'every genuine packet got through');
  const st = res.r.mediad_sip_srtp;
  assert.equal(st.auth_fail, 20, JSON.stringify(st));
  assert.equal(st.replay, 20, JSON.stringify(st));
  const after = await counters();
  assert.equal(after.media_srtp_auth_fail_total - before.media_srtp_auth_fail_total, 20);
  assert.equal(after.media_srtp_replay_total - before.media_srtp_replay_total, 20);
});

test('RTCP on the SDES leg is SRTCP both ways: the phone\'s SRs reach the browser, mediad\'s reports '
  + 'reach the phone and decrypt; a broken RTCP inside valid SRTCP is dropped and counted', { timeout: 90000 }, async (t) => {
  const before = await counters();
  const res = await runPeer(['--sip-offers', '--sdes', 'AEAD_AES_128_GCM', '--rtcp', '--duration', '7000']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertTone(res.r, 'SRTCP');
  const rt = res.r.rtcp;
  t.diagnostic(JSON.stringify(rt));
  assert.ok(rt.sip_sr_sent >= 5, `phone sent ${rt.sip_sr_sent} SRs`);
  assert.equal(rt.sip_bad_sent, 1);
  assert.ok(rt.web.sr >= 3, `browser got ${rt.web.sr} of the phone's SRs`);
  assert.equal(rt.web.bad, 0);
  // mediad reports to the phone (the browser sends no RTCP): as SRTCP
  assert.equal(rt.sip.bad, 0, 'RTCP from mediad that did not decrypt or parse');
  assert.ok(rt.sip.sr >= 1, `phone got ${rt.sip.sr} SRs`);
  assert.equal(rt.sip.sender_ok, rt.sip.sr + rt.sip.rr);
  assert.equal(rt.sip.cname, rt.sip.compounds);
  const after = await counters();
  assert.ok(after.media_rtcp_in_total - before.media_rtcp_in_total >= rt.sip_sr_sent + 1);
  assert.ok(after.media_rtcp_dropped_total - before.media_rtcp_dropped_total >= 1, 'the cut SR');
  assert.equal(after.media_srtp_auth_fail_total, before.media_srtp_auth_fail_total);
});

test('the phone re-offers with a new SDES key mid-call: answered at once, our key kept, no packet lost either '
  + 'way across the switch', { timeout: 90000 }, async (t) => {
  for (const suiteName of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_256_GCM']) {
    const res = await runPeer(['--sip-offers', '--sdes', suiteName, '--script', 'rekey', '--duration', '6000']);
    assert.equal(res.code, 0, res.err.slice(-1500));
    const sc = res.r.script;
    t.diagnostic(`${suiteName}: ${JSON.stringify(sc.steps)} ${JSON.stringify(res.r.mediad_sip_srtp)}`);
    assert.deepEqual(sc.steps.map((x) => x.step), ['sdes-rekey']);
    assertTone(res.r, `rekey ${suiteName}`);
    for (const [i, ph] of sc.phases.entries()) {
      for (const dir of ['web_to_sip', 'sip_to_web']) {
        assert.ok(ph[dir].received >= 40, `phase ${i} ${dir}: ${ph[dir].received} packets`);
        assert.ok(ph[dir].purity > 0.98, `phase ${i} ${dir}: purity ${ph[dir].purity}`);
      }
    }
    // packets under the old key still in flight were taken, none failed
    assert.equal(res.r.mediad_sip_srtp.auth_fail, 0, JSON.stringify(res.r.mediad_sip_srtp));
  }
});

test('offers with only unknown suites or bad keys are refused with a reason; RTP/AVP falls back to plain',
  { timeout: 30000 }, async () => {
    const refused0 = await counters();
    for (const [crypto, why] of [
      ['a=crypto:1 F8_128_HMAC_SHA1_80 inline:' + KEY30 + '\r\n', /unknown crypto suite/],
      ['a=crypto:1 AEAD_AES_128_GCM inline:' + KEY30 + '\r\n', /wrong key length/],
      ['a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + KEY30 + '|2^20|1:4\r\n', /MKI/],
      ['a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + KEY30 + ' UNENCRYPTED_SRTP\r\n', /session parameters/],
      ['', /RTP\/SAVP offer without a usable SDES key/],
    ]) {
      const r = await req(md, { kind: 'media_create', side: 'sip', sdp: sipSdp('RTP/SAVP', crypto) });
      assert.equal(r.kind, 'error', crypto);
      assert.match(r.reason, why);
      assert.match(r.reason, /SDES/);
    }
    assert.equal((await counters()).media_sdp_refused_total - refused0.media_sdp_refused_total, 5);
    // best effort: nothing usable, so plain RTP
    const r = await req(md, { kind: 'media_create', side: 'sip',
      sdp: sipSdp('RTP/AVP', 'a=crypto:1 F8_128_HMAC_SHA1_80 inline:' + KEY30 + '\r\n') });
    assert.equal(r.kind, 'media_sdp', JSON.stringify(r));
    const st = await req(md, { kind: 'media_delete', session: r.session });
    assert.equal(st.sip.srtp, null);
    // a bad per-request policy
    const b = await req(md, { kind: 'media_create', side: 'web', sdp: webSdp('actpass'), sip_srtp: 'always' });
    assert.equal(b.kind, 'error');
    assert.match(b.reason, /sip_srtp/);
  });

test('RTCGATE_SIP_SRTP=mandatory: our offer is RTP/SAVP with a key per suite; a plain answer fails with a reason',
  { timeout: 30000 }, async () => {
    const o = await req(strict, { kind: 'media_create', side: 'web', sdp: webSdp('actpass', '0 126') });
    assert.equal(o.kind, 'media_sdp', JSON.stringify(o));
    assert.match(o.sdp, /m=audio \d+ RTP\/SAVP /);
    const lines = o.sdp.match(/a=crypto:\d+ \S+ inline:\S+/g);
    assert.deepEqual(lines.map((l) => l.split(' ')[1]), SUITES.slice(0, 1).concat(['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_32']));
    assert.equal(new Set(lines.map((l) => l.split('inline:')[1])).size, 4, 'a distinct key per line');
    const a = await req(strict, { kind: 'media_answer', session: o.session, sdp: sipSdp('RTP/AVP', '') });
    assert.equal(a.kind, 'error');
    assert.match(a.reason, /^mandatory SRTP: SIP answer without usable SRTP/);
    await req(strict, { kind: 'media_delete', session: o.session });
    // the per-request choice wins over the node's (a b2bua route)
    const p = await req(strict, { kind: 'media_create', side: 'web', sdp: webSdp('actpass', '0 126'), sip_srtp: 'off' });
    assert.match(p.sdp, /m=audio \d+ RTP\/AVP /);
    assert.doesNotMatch(p.sdp, /a=crypto/);
    await req(strict, { kind: 'media_delete', session: p.session });
  });

test('long hold: the phone\'s sequence numbers leap by 40,000 mid-call; the browser still decrypts and '
  + 'hears the tone', { timeout: 60000 }, async () => {
  const res = await runPeer(['--sip-seq-jump', '40000', '--duration', '5000']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assert.ok(res.r.sip_to_web.sent > 150 + 50, 'the leap came in the middle of the window');
  assertTone(res.r, 'seq leap');
  // (an SDES phone that leapt 2^15 or more would lose mediad's own SRTP
  // receiver, as any: RFC 3711 3.3.1 forbids it; not tested)
});

test('the browser\'s SRTP leaps 30,000 ahead (a sender that went on counting): mediad accepts it and the '
  + 'phone hears it, over SDES too', { timeout: 60000 }, async () => {
  for (const extra of [[], ['--sip-offers', '--sdes', 'AES_CM_128_HMAC_SHA1_80']]) {
    const res = await runPeer(['--web-seq-jump', '30000', '--duration', '5000', ...extra]);
    assert.equal(res.code, 0, res.err.slice(-1500));
    assertTone(res.r, `web leap ${extra.join(' ')}`);
  }
});
