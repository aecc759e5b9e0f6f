// SIP ptime through a transcoding mediad (issue 4: "ptime 20, and 10/30/40
// on the SIP side when asked"), with the real process, a real nats-server
// and rtcgate-peer playing the browser (Opus) and a PCMU phone whose SDP
// says a=ptime and which sends packets of that size (--sip-ptime):
// - toward the phone, mediad's G.711 comes in packets of the phone's
//   ptime (80/240/320 bytes) with timestamps stepping to match, and its
//   SDP says that ptime, whether the phone offered or answered;
// - the phone's 10/30/40 ms packets reach the browser as 20 ms Opus
//   frames, timestamps 960 apart;
// - the tones are heard at their frequencies and levels both ways;
// - a=maxptime alone, odd values; relayed PCMU passes packets as they are
//   and carries the phone's a=ptime to the browser; a re-offer that
//   changes ptime takes effect; packets over 60 ms are dropped, counted.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { ensurePeer, runPeer: runPeerOn } = require('../lib/peer');
const browser = require('../lib/browser');
const { RtpPeer } = require('../lib/rtppeer');

const suite = new Suite('mediad_ptime');
let xc; let relay;

const runPeer = (node, args) => runPeerOn(suite, node.id, ['--duration', '3000', ...args], 90000);
const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const XCODE = ['--web-codec', 'opus', '--sip-codec', 'PCMU'];

// Both tones arrived, at their frequencies (purity: the share of the
// energy at the sender's frequency), loud, nothing lost or undecodable.
function assertTone(r, what) {
  for (const [dir, d] of [['web_to_sip', r.web_to_sip], ['sip_to_web', r.sip_to_web]]) {
    assert.ok(d.sent >= 50, `${what} ${dir}: sent ${d.sent}`);
    assert.ok(d.loss <= 0.03, `${what} ${dir}: loss ${d.loss}`);
    assert.equal(d.undecodable, 0, `${what} ${dir}: undecodable`);
    assert.ok(d.purity > 0.97, `${what} ${dir}: purity ${d.purity}`);
    assert.ok(d.other_tone < 0.01, `${what} ${dir}: the other tone ${d.other_tone}`);
    assert.ok(d.level_dbfs > -20, `${what} ${dir}: level ${d.level_dbfs} dBFS`);
  }
}

// Every packet of the size wanted on that hop, every step between
// consecutive packets one packet's duration.  said: the a=ptime of
// mediad's SDP toward SIP (its answer states the ptime it sends; its
// offer, made before the phone has said anything, the default 20).
function assertFraming(r, what, sipPtime, said = sipPtime) {
  const f = r.framing;
  assert.equal(f.sip.ptime_said, said, `${what}: mediad's SDP toward SIP says a=ptime:${said}`);
  assert.ok(f.sip.steps >= 50, `${what}: ${f.sip.steps} steps toward SIP`);
  assert.equal(f.sip.size_bad, 0, `${what}: packets toward SIP not ${sipPtime * 8} bytes`);
  assert.equal(f.sip.step_bad, 0, `${what}: timestamp steps toward SIP`);
  assert.ok(f.web.steps >= 50, `${what}: ${f.web.steps} steps toward the browser`);
  assert.equal(f.web.size_bad, 0, `${what}: Opus packets toward the browser not 20 ms`);
  assert.equal(f.web.step_bad, 0, `${what}: Opus timestamp steps not 960`);
}

test.before(async () => {
  ensurePeer();
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1' };
  xc = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: '39000-39099' });
  relay = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: '39100-39199' });
  await waitFor(() => suite.health('mediad', xc.id), 5000, 'mediad');
  await waitFor(() => suite.health('mediad', relay.id), 5000, 'mediad (relay)');
});
test.after(() => suite.close());

for (const ptime of [10, 30, 40]) {
  for (const offers of [false, true]) {
    const who = offers ? 'the phone offers' : 'the phone answers';
    test(`transcoded, a=ptime:${ptime} (${who}): ${ptime * 8}-byte PCMU toward it, `
      + '20 ms Opus toward the browser, tones both ways', { timeout: 120000 }, async () => {
      const res = await runPeer(xc, [...XCODE, '--sip-ptime', String(ptime),
        ...(offers ? ['--sip-offers'] : [])]);
      assert.equal(res.code, 0, res.err.slice(-1500));
      assert.equal(res.r.transcode, true);
      assertFraming(res.r, `ptime ${ptime}, ${who}`, ptime, offers ? ptime : 20);
      assertTone(res.r, `ptime ${ptime}, ${who}`);
      // the phone got one packet per ptime: 20 ms frames in, P ms out
      const w = res.r.web_to_sip;
      const want = (w.sent * 20) / ptime;
      assert.ok(Math.abs(w.received - want) <= want * 0.05 + 3,
        `${w.received} packets toward SIP for ${w.sent} 20 ms frames at ${ptime} ms`);
    });
  }
}

test('a=ptime:20 and no a=ptime are framed at 20 ms as before', { timeout: 60000 }, async () => {
  const res = await runPeer(xc, [...XCODE, '--sip-offers']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertFraming(res.r, 'default', 20);
  assertTone(res.r, 'default');
});

test('a=maxptime:10 caps a=ptime:20 at 10 ms; an odd a=ptime:25 gives 20 ms', { timeout: 120000 }, async () => {
  let res = await runPeer(xc, [...XCODE, '--sip-offers', '--sip-maxptime', '10']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assertFraming(res.r, 'maxptime 10', 10);
  assertTone(res.r, 'maxptime 10');
  res = await runPeer(xc, [...XCODE, '--sip-offers', '--sip-ptime', '25']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assert.equal(res.r.framing.sip.ptime_said, 20);
  assert.equal(res.r.framing.sip.size_bad, 0);
  // the phone's 25 ms (200-byte) packets still become 20 ms Opus frames
  assert.equal(res.r.framing.web.size_bad, 0);
  assert.equal(res.r.framing.web.step_bad, 0);
  assertTone(res.r, 'ptime 25');
});

test('the phone sends 60 ms packets: taken; 80 ms ones: dropped and counted', { timeout: 120000 }, async () => {
  let res = await runPeer(xc, [...XCODE, '--sip-offers', '--sip-ptime', '60']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assert.equal(res.r.framing.sip.ptime_said, 40, 'we send at most 40 ms');
  assert.equal(res.r.framing.sip.size_bad, 0);
  assert.equal(res.r.framing.web.size_bad, 0);
  assertTone(res.r, 'ptime 60');
  const bad0 = (await suite.health('mediad', xc.id)).counters.media_drop_bad_total;
  res = await runPeer(xc, [...XCODE, '--sip-ptime', '80']);
  assert.equal(res.r.sip_to_web.received, 0, 'nothing of 80 ms packets reaches the browser');
  assert.ok(res.r.web_to_sip.received > 50, 'the other way still works');
  const bad = (await suite.health('mediad', xc.id)).counters.media_drop_bad_total;
  assert.ok(bad - bad0 >= res.r.sip_to_web.sent - 5, `${bad - bad0} dropped of ${res.r.sip_to_web.sent}`);
});

test('relayed PCMU: packets pass as they are, the phone\'s a=ptime goes to the browser', { timeout: 120000 }, async () => {
  const res = await runPeer(relay, ['--sip-offers', '--sip-ptime', '30']);
  assert.equal(res.code, 0, res.err.slice(-1500));
  assert.equal(res.r.transcode, false);
  const f = res.r.framing;
  assert.equal(f.web.ptime_said, 30, 'our WebRTC offer carries a=ptime:30');
  assert.equal(f.web.size_bad, 0, 'the phone\'s 240-byte packets reach the browser as they are');
  assert.equal(f.sip.size_bad, 0, 'the browser\'s 20 ms packets reach the phone as they are');
  assert.equal(f.sip.ptime_said, 30);
  assertTone(res.r, 'relay');
});

// A SIP session set up over the bus alone (no media): our SDP toward SIP
// follows each of its descriptions.
const sipSdp = (port, attrs) => 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n${attrs}a=sendrecv\r\n`;
const webAnswer = (offer) => offer
  .replace(/a=ice-lite\r\n/, '')
  .replace(/m=audio (\d+) (\S+) [\d ]+\r\n/, 'm=audio 9 $2 111\r\n')
  .replace(/a=rtpmap:(?!111 )\d+ [^\r]*\r\n/g, '')
  .replace(/a=fmtp:(?!111 )\d+ [^\r]*\r\n/g, '')
  .replace(/a=ptime:\d+\r\n/, '')
  .replace(/a=setup:actpass/, 'a=setup:active')
  .replace(/a=ice-ufrag:\S+/, 'a=ice-ufrag:abcd')
  .replace(/a=ice-pwd:\S+/, 'a=ice-pwd:abcdefghijklmnopqrstuv')
  .replace(/a=candidate:[^\r]*\r\n|a=end-of-candidates\r\n/g, '');

test('a SIP re-offer that changes a=ptime takes effect; one without goes back to 20', { timeout: 30000 }, async () => {
  const c = await req(xc, { kind: 'media_create', side: 'sip', sdp: sipSdp(40000, 'a=ptime:30\r\n') });
  assert.equal(c.kind, 'media_sdp', c.reason);
  assert.match(c.sdp, /a=rtpmap:111 opus/);
  assert.match(c.sdp, /m=audio \d+ \S+ 0 /, 'PCMU first: relay is offered');
  assert.match(c.sdp, /a=ptime:30\r\n/, 'the phone\'s ptime offered on to the browser');
  const a = await req(xc, { kind: 'media_answer', session: c.session, sdp: webAnswer(c.sdp) });
  assert.equal(a.kind, 'media_sdp', a.reason);
  assert.equal(a.transcode, true);
  assert.match(a.sdp, /a=ptime:30\r\n/);
  let st = await req(xc, { kind: 'media_stats', session: c.session });
  assert.equal(st.sip.ptime, 30);
  assert.equal(st.sip.rechunk.taken, 0);
  for (const [attrs, want] of [['a=ptime:40\r\n', 40], ['a=maxptime:10\r\n', 10], ['', 20]]) {
    const u = await req(xc, { kind: 'media_update', session: c.session, side: 'sip', sdp: sipSdp(40000, attrs) });
    assert.equal(u.kind, 'media_sdp', u.reason);
    assert.equal(u.forward, false, 'nothing for the browser to hear of');
    assert.match(u.sdp, new RegExp(`a=ptime:${want}\r\n`), `${attrs}: our answer says ${want}`);
    st = await req(xc, { kind: 'media_stats', session: c.session });
    assert.equal(st.sip.ptime, want);
  }
  await req(xc, { kind: 'media_delete', session: c.session });
});

// What Chromium does with the a=ptime we carry into its SDP when relaying
// G.711: libwebrtc frames PCMU at a remote a=ptime (its G.711 encoder takes
// the ptime parameter).  Measured here on the packets reaching the phone.
test('Chromium relaying PCMU sends the phone\'s a=ptime:30 (240-byte packets)',
  { skip: !browser.available() && `no ${browser.CHROMIUM}`, timeout: 60000 }, async () => {
    const chrome = await browser.launch();
    const peer = await new RtpPeer().open();
    try {
      const page = await chrome.browser.newPage();
      await page.goto(chrome.url);
      await page.evaluate(browser.PAGE_HELPERS);
      const offer = await page.evaluate(() => window.rtc.offer());
      const c = await req(relay, { kind: 'media_create', side: 'web', sdp: offer });
      assert.equal(c.kind, 'media_sdp', c.reason);
      const a = await req(relay, { kind: 'media_answer', session: c.session,
        sdp: sipSdp(peer.port, 'a=ptime:30\r\n') });
      assert.equal(a.kind, 'media_sdp', a.reason);
      assert.equal(a.transcode, false);
      assert.match(a.sdp, /a=ptime:30\r\n/, 'carried into the browser\'s answer');
      await page.evaluate((sdp) => window.rtc.accept(sdp), a.sdp);
      await waitFor(() => peer.rx.length >= 30, 10000, 'PCMU from Chromium');
      const sizes = [...new Set(peer.rx.slice(5).map((p) => p.payload.length))];
      const steps = [...new Set(peer.rx.slice(5, -1).map((p, i) => (peer.rx[i + 6].ts - p.ts) >>> 0))];
      assert.deepEqual(sizes, [240], `payload sizes ${sizes}`);
      assert.deepEqual(steps, [240], `timestamp steps ${steps}`);
      await req(relay, { kind: 'media_delete', session: c.session });
    } finally {
      peer.close();
      await chrome.close();
    }
  });

// Our SR toward the phone when we frame at its ptime: packet and octet
// counts of what it got, and an RTP time that matches its packets (the
// last one's end plus the time since it arrived, within 5 ms).
test('transcoded at ptime 40 and 10, our SRs toward the phone count and time its packets', { timeout: 120000 }, async (t) => {
  for (const ptime of [40, 10]) {
    const res = await runPeerOn(suite, xc.id, ['--duration', '7000', ...XCODE, '--sip-offers',
      '--sip-ptime', String(ptime), '--rtcp'], 90000);
    assert.equal(res.code, 0, res.err.slice(-1500));
    const c = res.r.rtcp.sip_sr_check;
    t.diagnostic(`ptime ${ptime}: ${JSON.stringify(c)}`);
    assert.ok(c.checked >= 1, `ptime ${ptime}: no SR of ours reached the phone`);
    assert.equal(c.count_bad, 0, `ptime ${ptime}: SR packet count`);
    assert.equal(c.octets_bad, 0, `ptime ${ptime}: SR octet count`);
    assert.ok(c.ts_err_max <= 40, `ptime ${ptime}: SR RTP time off by ${c.ts_err_max} samples`);
    assert.equal(res.r.framing.sip.size_bad, 0);
  }
});
