// RTCP through mediad (mrtcp.c), with rtcgate-peer --rtcp playing both
// outer ends against a real mediad and nats-server: the SIP phone sends an
// SR + SDES every second from its own socket to mediad's RTCP port (RTP
// port + 1) and once a truncated SR; the browser sends no RTCP.  So mediad
// must (relay) forward the phone's SRs to the browser as SRTCP with its
// SSRCs mapped, and (relay and transcode) send its own SR + report block +
// SDES CNAME to the phone every ~5 s, with the phone's last SR as LSR; the
// truncated SR is dropped and counted in /metrics.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { ensurePeer, runPeer: runPeerOn } = require('../lib/peer');

const suite = new Suite('mediad_rtcp');
let md;

// the calls carrying the RTCP are meant to be clean: over 5% loss fails
// the peer (exit 3)
const runPeer = (args, timeoutMs = 90000) => runPeerOn(suite, md.id, ['--rtcp', '--per-session', '--max-loss', '5',
  ...args], timeoutMs);

async function counters() {
  return (await suite.health('mediad', md.id)).counters;
}

// What the phone got on its RTCP socket: mediad's own reports, every one
// from mediad's RTP SSRC on that leg, each with a block about the phone's
// SSRC whose LSR is one of the phone's SRs, and a CNAME.
function assertSipSide(rt) {
  const s = rt.sip;
  assert.equal(s.bad, 0, 'malformed RTCP from mediad');
  assert.ok(s.compounds >= 1, `phone got ${s.compounds} RTCP compounds`);
  assert.ok(s.sr >= 1, 'mediad sent audio to the phone, so an SR (not RR)');
  assert.equal(s.sender_ok, s.sr + s.rr, 'sender SSRC is mediad\'s RTP SSRC toward the phone');
  assert.equal(s.block_ok, s.sr + s.rr, 'one report block about the phone\'s SSRC per report');
  assert.equal(s.lsr_ok, s.block_ok, 'LSR names one of the phone\'s SRs');
  assert.equal(s.cname, s.compounds, 'SDES CNAME in every compound');
}

test.before(async () => {
  ensurePeer();
  await suite.startNats();
  md = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1',
    RTCGATE_MEDIA_PORTS: portRange(__filename), RTCGATE_LOG_LEVEL: 'info' });
  await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
});

test.after(() => suite.close());

test('PCMU relay: the phone\'s SRs reach the browser as SRTCP with SSRCs mapped; '
  + 'mediad reports to the phone itself while the browser sends none',
  { timeout: 120000 }, async (t) => {
  const before = await counters();
  const res = await runPeer(['--duration', '7000']);
  assert.equal(res.code, 0, res.err.slice(-2000));
  assert.equal(res.r.media, 1);
  assert.equal(res.r.transcode, false);
  const rt = res.r.rtcp;
  t.diagnostic(JSON.stringify(rt));
  assert.ok(rt.sip_sr_sent >= 5, `phone sent ${rt.sip_sr_sent} SRs`);
  assert.equal(rt.sip_bad_sent, 1);
  // Browser side: SRTCP that decrypts, the phone's SR with the sender
  // rewritten to mediad's SSRC toward the browser, and the phone's block
  // (about mediad's SIP-side SSRC) now about the browser's own SSRC.
  const w = rt.web;
  assert.equal(w.bad, 0, 'SRTCP that did not decrypt or parse');
  assert.ok(w.sr >= 3 && w.sr + w.early >= rt.sip_sr_sent - 1,
    `browser got ${w.sr} (+${w.early} early) of ${rt.sip_sr_sent} SRs`);
  assert.equal(w.sender_ok, w.sr + w.rr);
  assert.ok(w.block_ok >= w.sr - 1, `${w.block_ok} blocks about the browser's SSRC`);
  assert.ok(w.cname >= w.sr, 'the phone\'s SDES went along');
  assertSipSide(rt);
  const after = await counters();
  assert.ok(after.media_rtcp_in_total - before.media_rtcp_in_total >= rt.sip_sr_sent + 1);
  assert.ok(after.media_rtcp_out_total - before.media_rtcp_out_total >= w.compounds + rt.sip.compounds);
  assert.ok(after.media_rtcp_dropped_total - before.media_rtcp_dropped_total >= 1,
    'the truncated SR was dropped and counted');
});

test('PCMU relay, both ends report: the browser\'s SRTCP reaches the phone as plain RTCP on its '
  + 'RTCP port, its LSR the phone\'s own SR that mediad relayed the other way', { timeout: 120000 }, async (t) => {
  const res = await runPeer(['--duration', '7000', '--rtcp-web']);
  assert.equal(res.code, 0, res.err.slice(-2000));
  const rt = res.r.rtcp;
  t.diagnostic(JSON.stringify(rt));
  assert.ok(rt.web_sr_sent >= 5);
  const s = rt.sip;
  assert.equal(s.bad, 0);
  assert.ok(s.sr >= 3 && s.sr + s.early >= rt.web_sr_sent - 1,
    `phone got ${s.sr} (+${s.early} early) of the browser's ${rt.web_sr_sent} SRs`);
  // Relayed, not mediad's own as well: the browser reports.
  assert.ok(s.sr <= rt.web_sr_sent, `phone got ${s.sr} SRs for ${rt.web_sr_sent} sent`);
  assert.equal(s.sender_ok, s.sr + s.rr, 'sender is mediad\'s SSRC toward the phone');
  assert.ok(s.block_ok >= s.sr - 1, `${s.block_ok} blocks about the phone's SSRC`);
  assert.ok(s.lsr_ok >= s.block_ok - 2, `${s.lsr_ok} of ${s.block_ok} LSRs are the phone's SRs`);
  assert.ok(s.lsr_ok >= 2);
  assert.equal(rt.web.bad, 0);
  assert.ok(rt.web.sr >= 3);
});

test('Opus <-> PCMU transcoding: SRs consumed, mediad\'s own SR + RR blocks + CNAME on both legs',
  { timeout: 120000 }, async (t) => {
    const res = await runPeer(['--duration', '7000', '--web-codec', 'opus', '--sip-codec', 'PCMU']);
    assert.equal(res.code, 0, res.err.slice(-2000));
    assert.equal(res.r.transcode, true);
    const rt = res.r.rtcp;
    t.diagnostic(JSON.stringify(rt));
    // Not relayed: the browser gets mediad's reports, not the phone's
    // once a second.
    const w = rt.web;
    assert.equal(w.bad, 0);
    assert.ok(w.sr >= 1 && w.sr <= 2, `browser got ${w.sr} SRs in ~7 s`);
    assert.equal(w.sender_ok, w.sr + w.rr);
    assert.equal(w.block_ok, w.sr + w.rr, 'block about the browser\'s SSRC');
    assert.equal(w.cname, w.compounds);
    assertSipSide(rt);
  });

// RFC 3605: the phone's SDP names an RTCP socket that is not its RTP port
// + 1 and it never sends RTCP itself, so mediad can only have learnt the
// address from the SDP; RFC 3550 6.6: media_delete ends with a BYE from
// mediad's RTP SSRC on each leg (SRTCP toward the browser), counted.
test('a=rtcp:<port> IN IP4 <addr> from the phone: mediad\'s reports reach that socket before the phone '
  + 'sends any RTCP; media_delete sends a BYE to both ends', { timeout: 120000 }, async (t) => {
  const before = await counters();
  const res = await runPeer(['--duration', '7000', '--rtcp-attr']);
  assert.equal(res.code, 0, res.err.slice(-2000));
  assert.equal(res.r.transcode, false);
  const rt = res.r.rtcp;
  t.diagnostic(JSON.stringify(rt));
  assert.equal(rt.sip_sr_sent, 0, 'the phone sent no RTCP');
  assert.equal(rt.sip_bad_sent, 0);
  const s = rt.sip;
  assert.equal(s.bad, 0);
  assert.ok(s.compounds >= 1, `the phone's a=rtcp socket got ${s.compounds} reports`);
  assert.ok(s.sr >= 1, 'mediad sent audio to the phone, so an SR');
  assert.equal(s.sender_ok, s.sr + s.rr);
  assert.equal(s.block_ok, s.sr + s.rr, 'a block about the phone\'s SSRC');
  assert.equal(s.cname, s.compounds);
  assert.equal(s.bye, 1, 'one BYE on the phone\'s RTCP socket');
  assert.equal(s.bye_ok, 1, 'from mediad\'s RTP SSRC toward the phone');
  assert.equal(rt.web.bad, 0, 'SRTCP that did not decrypt');
  assert.equal(rt.web.bye, 1, 'one SRTCP BYE toward the browser');
  assert.equal(rt.web.bye_ok, 1, 'from mediad\'s RTP SSRC toward the browser');
  const after = await counters();
  assert.equal(after.media_rtcp_bye_total - before.media_rtcp_bye_total, 2, 'both BYEs counted');
  assert.equal(after.media_srtp_protect_failed_total, 0, 'no SRTP protect failed');
});

test('transcoding: BYE on both legs at media_delete too', { timeout: 120000 }, async (t) => {
  const res = await runPeer(['--duration', '2000', '--web-codec', 'opus', '--sip-codec', 'PCMU']);
  assert.equal(res.code, 0, res.err.slice(-2000));
  assert.equal(res.r.transcode, true);
  const rt = res.r.rtcp;
  t.diagnostic(JSON.stringify(rt));
  assert.equal(rt.sip.bye, 1);
  assert.equal(rt.sip.bye_ok, 1);
  assert.equal(rt.web.bye, 1);
  assert.equal(rt.web.bye_ok, 1);
});
