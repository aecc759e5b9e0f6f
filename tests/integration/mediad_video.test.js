// VP8 video and BUNDLE through mediad (services/mediad/mvideo.c, mvpath.c)
// with a real Chromium: two RTCPeerConnections on one page, A and B, and
// two mediad sessions chained on their SIP legs, as the b2bua chains a
// browser-to-browser call out and back in through our own SIP side:
//   A --(ICE/DTLS/SRTP, audio+video bundled)--> session 1 (web leg)
//     session 1 (SIP leg, plain RTP: m=audio + m=video) <--> session 2 (SIP leg)
//   session 2 (web leg) <--(bundled)--> B
// Session 1 answers A's offer; session 2 offers to B.  Checks: each side
// decodes VP8 frames from the other, audio flows both ways, mediad's video
// counters move, and an RTCP PLI arriving on session 1's SIP video port
// reaches A's video sender (its pliCount grows) through the RTCP relay.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Suite, waitFor, sleep } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const browser = require('../lib/browser');

const suite = new Suite('mediad_video');
let node; let chrome;
const skip = !browser.available() && `no ${browser.CHROMIUM}`;

const req = (obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);

// Two peer connections with the fake camera and microphone.
const PAGE = `
window.v = {
  pcs: {},
  async pc(name) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pcs[name] = pc;
    pc.ontrack = (e) => {
      const el = document.createElement(e.track.kind); el.muted = true; el.autoplay = true;
      el.srcObject = e.streams[0] || new MediaStream([e.track]); document.body.appendChild(el);
      el.play().catch(() => {});
    };
    const s = await navigator.mediaDevices.getUserMedia({ audio: true,
      video: { width: 320, height: 240, frameRate: 15 } });
    return { pc, s };
  },
  async offer(name) {
    const { pc, s } = await this.pc(name);
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  },
  async answer(name, sdp) {
    const { pc, s } = await this.pc(name);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription.sdp;
  },
  async accept(name, sdp) { await this.pcs[name].setRemoteDescription({ type: 'answer', sdp }); },
  // A re-offer with every transceiver set to dir (hold: 'sendonly').
  async reoffer(name, dir) {
    const pc = this.pcs[name];
    for (const t of pc.getTransceivers()) t.direction = dir;
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  },
  // A re-offer without video: its transceiver stopped (m=video 0).
  async dropVideo(name) {
    const pc = this.pcs[name];
    pc.getTransceivers().find((t) => t.receiver.track.kind === 'video').stop();
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  },
  async audioIn(name) { const r = await this.rtp(name); return r.ain ? r.ain.packetsReceived : 0; },
  async reanswer(name, sdp) {
    const pc = this.pcs[name];
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    return pc.localDescription.sdp;
  },
  async frames(name) {
    const r = await this.rtp(name); return r.vin ? r.vin.framesDecoded : 0;
  },
  state(name) { return this.pcs[name].connectionState; },
  // inbound/outbound RTP per kind, with the codec's mime type
  async rtp(name) {
    const all = []; (await this.pcs[name].getStats()).forEach((s) => all.push(s));
    const codec = (id) => (all.find((s) => s.id === id) || {}).mimeType;
    const pick = (type, kind) => {
      const s = all.find((x) => x.type === type && x.kind === kind);
      return s ? { ...s, mime: codec(s.codecId) } : null;
    };
    return { vin: pick('inbound-rtp', 'video'), ain: pick('inbound-rtp', 'audio'),
      vout: pick('outbound-rtp', 'video') };
  },
};`;

test.before(async () => {
  await suite.startNats();
  node = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '1',
    RTCGATE_MEDIA_PORTS: portRange(__filename) });
  await waitFor(() => suite.health('mediad', node.id), 5000, 'mediad');
  if (!skip) chrome = await browser.launch();
});

test.after(async () => {
  if (chrome) await chrome.close();
  await suite.close();
});

// One RTCP PLI (RFC 4585 6.3.1): sender ssrc, media ssrc.
function pli(sender, media) {
  const b = Buffer.alloc(12);
  b[0] = 0x81; b[1] = 206; b.writeUInt16BE(2, 2);
  b.writeUInt32BE(sender, 4); b.writeUInt32BE(media, 8);
  return b;
}

test('browser A <-> mediad <-> SIP legs <-> mediad <-> browser B: VP8 and audio both ways',
  { skip }, async () => {
    const page = await chrome.browser.newPage();
    await page.goto(chrome.url);
    await page.evaluate(PAGE);
    const offA = await page.evaluate(() => window.v.offer('a'));
    assert.match(offA, /m=video 9 UDP\/TLS\/RTP\/SAVPF/);

    const s1 = await req({ kind: 'media_create', side: 'web', sdp: offA });
    assert.equal(s1.kind, 'media_sdp', s1.reason);
    const vport1 = Number(/m=video (\d+) RTP\/AVP \d+\r\n/.exec(s1.sdp)[1]);
    assert.ok(vport1 > 0, 'SIP offer carries video');
    assert.match(s1.sdp, /a=rtpmap:\d+ VP8\/90000/);
    assert.doesNotMatch(s1.sdp, /H264|VP9|AV1|rtx|transport-cc/);

    const s2 = await req({ kind: 'media_create', side: 'sip', sdp: s1.sdp });
    assert.equal(s2.kind, 'media_sdp', s2.reason);
    assert.match(s2.sdp, /a=group:BUNDLE 0 1\r\n/);
    assert.match(s2.sdp, /m=video \d+ UDP\/TLS\/RTP\/SAVPF \d+\r\n/);

    const ansB = await page.evaluate((sdp) => window.v.answer('b', sdp), s2.sdp);
    assert.match(ansB, /m=video 9 /);
    const a2 = await req({ kind: 'media_answer', session: s2.session, sdp: ansB });
    assert.equal(a2.kind, 'media_sdp', a2.reason);
    assert.match(a2.sdp, /m=video [1-9]\d* RTP\/AVP/);
    const a1 = await req({ kind: 'media_answer', session: s1.session, sdp: a2.sdp });
    assert.equal(a1.kind, 'media_sdp', a1.reason);
    assert.match(a1.sdp, /a=group:BUNDLE 0 1\r\n/);
    assert.match(a1.sdp, /m=video \d+ UDP\/TLS\/RTP\/SAVPF 96\r\n/);
    assert.doesNotMatch(a1.sdp, /H264|VP9|AV1|rtx|transport-cc/);
    await page.evaluate((sdp) => window.v.accept('a', sdp), a1.sdp);

    for (const n of ['a', 'b']) {
      await waitFor(() => page.evaluate((x) => window.v.state(x) === 'connected', n), 20000,
        `${n} connected`);
    }
    // VP8 frames decoded at each end, from the other's camera
    for (const n of ['a', 'b']) {
      const r = await waitFor(async () => {
        const s = await page.evaluate((x) => window.v.rtp(x), n);
        return s.vin && s.vin.framesDecoded > 30 && s;
      }, 30000, `${n} decoding video`);
      assert.equal(r.vin.mime, 'video/VP8');
      assert.ok(r.vin.frameWidth > 0, 'decoded frames have a size');
      // and audio still flows
      const au = await waitFor(async () => {
        const s = await page.evaluate((x) => window.v.rtp(x), n);
        return s.ain && s.ain.packetsReceived > 50 && s;
      }, 15000, `${n} receiving audio`);
      assert.equal(au.ain.mime, 'audio/opus');
    }
    // mediad counts the video per stream
    const st = await req({ kind: 'media_stats', session: s1.session });
    assert.equal(st.video.on, true);
    assert.equal(st.video.codec, 'VP8');
    assert.ok(st.video.web.rx > 30 && st.video.web.rx_bytes > 10000, 'video in from A');
    assert.ok(st.video.sip.tx > 30 && st.video.sip.tx_bytes > 10000, 'video out toward SIP');
    assert.ok(st.video.sip.rx > 30 && st.video.web.tx > 30, 'video the other way');
    assert.ok(st.web.rx > 0 && st.sip.tx > 0, 'audio counted on its own');
    const h = await suite.health('mediad', node.id);
    assert.ok(h.counters.media_video_packets_in_total > 60);
    assert.ok(h.counters.media_video_bytes_out_total > 20000);
    assert.equal(h.counters.media_srtp_auth_fail_total, 0);
    // the BUNDLE demux took every packet of a real browser for its stream
    assert.equal(h.counters.media_drop_demux_total, 0);
    assert.equal(h.counters.media_rtcp_dropped_total, 0);
    assert.ok(h.counters.media_rtcp_out_total > 0);

    // RTCP PLI on session 1's SIP video RTCP port reaches A's sender
    const before = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const got = await waitFor(async () => {
        sock.send(pli(0x5eed, st.video.sip.ssrc), vport1 + 1, '127.0.0.1');
        await sleep(300);
        const now = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
        return now >= before + 3 && now;
      }, 20000, 'PLIs at A');
      assert.ok(got >= before + 3);
    } finally {
      sock.close();
    }
    const st2 = await req({ kind: 'media_stats', session: s1.session });
    const d1 = await req({ kind: 'media_delete', session: s1.session });
    const d2 = await req({ kind: 'media_delete', session: s2.session });
    assert.equal(d1.kind, 'media_stats');
    assert.equal(d2.kind, 'media_stats');
    assert.ok(st2.video.web.tx >= st.video.web.tx);
    await page.close();
  });

// A SIP-side offer with audio and video from plain UDP sockets, answered
// with a browser-like description (no browser: its DTLS never completes,
// which this test does not need).  Wrong payload types on either SIP port
// are dropped and counted; the session goes on.
test('video PT on the SIP audio port, audio PT on the video port: dropped and counted', async () => {
  const open = () => new Promise((r) => {
    const s = dgram.createSocket('udp4'); s.bind(0, '127.0.0.1', () => r(s));
  });
  const au = await open(); const vi = await open();
  try {
    const offer = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
      + `m=audio ${au.address().port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`
      + `m=video ${vi.address().port} RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\na=sendrecv\r\n`;
    const c = await req({ kind: 'media_create', side: 'sip', sdp: offer });
    assert.equal(c.kind, 'media_sdp', c.reason);
    const vpt = Number(/m=video \d+ UDP\/TLS\/RTP\/SAVPF (\d+)/.exec(c.sdp)[1]);
    const fp = Array.from({ length: 32 }, () => 'AB').join(':');
    const web = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n'
      + 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n'
      + `a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ${fp}\r\na=setup:active\r\n`
      + 'a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n'
      + `m=video 9 UDP/TLS/RTP/SAVPF ${vpt}\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n`
      + `a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ${fp}\r\na=setup:active\r\n`
      + `a=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:${vpt} VP8/90000\r\n`;
    const a = await req({ kind: 'media_answer', session: c.session, sdp: web });
    assert.equal(a.kind, 'media_sdp', a.reason);
    const sipAudio = Number(/m=audio (\d+) RTP\/AVP/.exec(a.sdp)[1]);
    const sipVideo = Number(/m=video (\d+) RTP\/AVP 100/.exec(a.sdp)[1]);
    assert.ok(sipVideo > 0, 'video accepted');
    const rtp = (pt, seq) => {
      const b = Buffer.alloc(172); b[0] = 0x80; b[1] = pt; b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(seq * 160, 4); b.writeUInt32BE(0x1234, 8); return b;
    };
    const h0 = (await suite.health('mediad', node.id)).counters;
    for (let i = 0; i < 10; i++) {
      au.send(rtp(100, i), sipAudio, '127.0.0.1');	// VP8's PT on the audio port
      vi.send(rtp(0, i), sipVideo, '127.0.0.1');	// PCMU's on the video port
    }
    vi.send(Buffer.from('garbage!garbage!'), sipVideo, '127.0.0.1');
    await waitFor(async () => {
      const h = (await suite.health('mediad', node.id)).counters;
      return h.media_drop_demux_total >= h0.media_drop_demux_total + 20
        && h.media_drop_bad_total > h0.media_drop_bad_total;
    }, 10000, 'drops counted');
    // VP8 on the video port is taken (counted in), the session is fine
    for (let i = 10; i < 15; i++) vi.send(rtp(100, i), sipVideo, '127.0.0.1');
    const st = await waitFor(async () => {
      const s = await req({ kind: 'media_stats', session: c.session });
      return s.video.sip.rx >= 5 && s;
    }, 10000, 'video counted in');
    assert.equal(st.video.sip.rx, 5, 'only the VP8 packets taken');
    assert.equal(st.video.sip.rx_bytes, 5 * 160);
    assert.equal(st.video.on, true);
    assert.equal(st.video.sip.latched, true);
    assert.equal(st.sip.latched, true);
    const d = await req({ kind: 'media_delete', session: c.session });
    assert.equal(d.kind, 'media_stats');
  } finally {
    au.close(); vi.close();
  }
});

// The chain of the first test, set up again: A offers, B answers.
async function chain(page) {
  await page.goto(chrome.url);
  await page.evaluate(PAGE);
  const s1 = await req({ kind: 'media_create', side: 'web',
    sdp: await page.evaluate(() => window.v.offer('a')) });
  const s2 = await req({ kind: 'media_create', side: 'sip', sdp: s1.sdp });
  const ansB = await page.evaluate((sdp) => window.v.answer('b', sdp), s2.sdp);
  const a2 = await req({ kind: 'media_answer', session: s2.session, sdp: ansB });
  const a1 = await req({ kind: 'media_answer', session: s1.session, sdp: a2.sdp });
  assert.equal(a1.kind, 'media_sdp', a1.reason);
  await page.evaluate((sdp) => window.v.accept('a', sdp), a1.sdp);
  return { s1: s1.session, s2: s2.session };
}

// A's re-offer through both sessions and B, as the b2bua would carry it.
async function reinvite(page, ids, dir) {
  const off = await page.evaluate((d) => (d ? window.v.reoffer('a', d) : window.v.dropVideo('a')),
    dir);
  const u1 = await req({ kind: 'media_update', session: ids.s1, side: 'web', sdp: off });
  assert.equal(u1.kind, 'media_sdp', u1.reason);
  assert.equal(u1.forward, true);
  const u2 = await req({ kind: 'media_update', session: ids.s2, side: 'sip', sdp: u1.sdp });
  assert.equal(u2.kind, 'media_sdp', u2.reason);
  assert.equal(u2.forward, true);
  const ansB = await page.evaluate((sdp) => window.v.reanswer('b', sdp), u2.sdp);
  const r2 = await req({ kind: 'media_answer', session: ids.s2, sdp: ansB });
  assert.equal(r2.kind, 'media_sdp', r2.reason);
  const r1 = await req({ kind: 'media_answer', session: ids.s1, sdp: r2.sdp });
  assert.equal(r1.kind, 'media_sdp', r1.reason);
  await page.evaluate((sdp) => window.v.accept('a', sdp), r1.sdp);
  return { sip: u1.sdp, web: u2.sdp, answer: r1.sdp };
}

// Frames decoded by name stop growing (two reads a second apart agree).
async function stalled(page, name) {
  return waitFor(async () => {
    const f0 = await page.evaluate((n) => window.v.frames(n), name);
    await sleep(1000);
    return f0 === await page.evaluate((n) => window.v.frames(n), name);
  }, 20000, `${name}'s video to stop`);
}

async function grows(page, name, by) {
  const f0 = await page.evaluate((n) => window.v.frames(n), name);
  return waitFor(async () => (await page.evaluate((n) => window.v.frames(n), name)) - f0 > by,
    20000, `${name}'s video to grow by ${by}`);
}

test('hold and resume with video through both sessions (re-INVITE)', { skip }, async () => {
  const page = await chrome.browser.newPage();
  const ids = await chain(page);
  await grows(page, 'a', 20);
  await grows(page, 'b', 20);
  // A holds (sendonly): B's video to A stops, A's to B goes on
  const h = await reinvite(page, ids, 'sendonly');
  assert.match(h.sip, /m=video [1-9]\d* RTP\/AVP \d+\r\n(?:.*\r\n)*?a=sendonly\r\n/);
  assert.match(h.web, /a=mid:1\r\na=sendonly\r\n/);
  assert.match(h.answer, /a=mid:1\r\na=recvonly\r\n/);
  await stalled(page, 'a');
  await grows(page, 'b', 20);
  const st = await req({ kind: 'media_stats', session: ids.s1 });
  assert.equal(st.video.on, true);
  assert.equal(st.video.web.local_dir, 'recvonly');
  // resume: both ways again, on the same streams
  const r = await reinvite(page, ids, 'sendrecv');
  assert.match(r.answer, /a=mid:1\r\na=sendrecv\r\n/);
  await grows(page, 'a', 20);
  await grows(page, 'b', 20);
  const st2 = await req({ kind: 'media_stats', session: ids.s1 });
  assert.ok(st2.video.web.tx > st.video.web.tx, 'video toward A again');
  await req({ kind: 'media_delete', session: ids.s1 });
  await req({ kind: 'media_delete', session: ids.s2 });
  await page.close();
});

test('A drops video in a re-offer: refused through both sessions, audio goes on', { skip },
  async () => {
    const page = await chrome.browser.newPage();
    const ids = await chain(page);
    await grows(page, 'b', 20);
    const r = await reinvite(page, ids, null);
    assert.match(r.sip, /m=video 0 RTP\/AVP \d+\r\n/);
    assert.match(r.web, /m=video 0 UDP\/TLS\/RTP\/SAVPF \d+\r\n/);
    assert.match(r.answer, /m=video 0 /);
    assert.match(r.answer, /a=group:BUNDLE 0\r\n/);
    await stalled(page, 'b');
    const st = await req({ kind: 'media_stats', session: ids.s1 });
    assert.equal(st.video.on, false);
    // audio still flows both ways
    for (const n of ['a', 'b']) {
      const a0 = await page.evaluate((x) => window.v.audioIn(x), n);
      await waitFor(async () => (await page.evaluate((x) => window.v.audioIn(x), n)) > a0 + 50,
        15000, `${n}'s audio after the video is gone`);
    }
    await req({ kind: 'media_delete', session: ids.s1 });
    await req({ kind: 'media_delete', session: ids.s2 });
    await page.close();
  });
