// SDES-SRTP (RFC 4568) on the SIP side's video m-line (mvideo.c, mvpath.c,
// msdes.c) with a real Chromium: browsers A and B on one page and two
// mediad sessions chained on their SIP legs, as in mediad_video.test.js,
// but session 1 offers toward SIP with sip_srtp: mandatory, so both SIP
// legs (audio and video) run SRTP keyed by SDES:
//   A --(DTLS-SRTP, bundled)--> session 1 ==(SDES-SRTP: m=audio + m=video
//   RTP/SAVP)== session 2 <--(DTLS-SRTP, bundled)--> B
// Checks: VP8 decoded at each end, audio both ways, media_stats shows SRTP
// on the video SIP legs with no authentication failure, RTCP reports cross
// the SRTCP video legs browser to browser, B's own keyframe requests
// (RTCRtpScriptTransform.sendKeyFrameRequest: PLIs) reach A's sender, as
// does an SRTCP PLI the test makes with session 2's key, and forged, replayed and garbage packets at
// the SIP video ports are dropped and counted.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const { Suite, waitFor, sleep } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const browser = require('../lib/browser');

const suite = new Suite('mediad_vsdes');
let node; let chrome;
const skip = !browser.available() && `no ${browser.CHROMIUM}`;

const req = (obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);

// Each browser sends a tone of its own (A 600 Hz, B 1000 Hz) beside the
// fake camera, and analyses the audio it receives.
const TONE = { a: 600, b: 1000 };
const PAGE = `
window.v = {
  pcs: {}, an: {}, ac: null,
  async pc(name) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pcs[name] = pc;
    const ac = this.ac || (this.ac = new AudioContext());
    pc.ontrack = (e) => {
      const st = e.streams[0] || new MediaStream([e.track]);
      const el = document.createElement(e.track.kind); el.muted = true; el.autoplay = true;
      el.srcObject = st; document.body.appendChild(el);
      el.play().catch(() => {});
      if (e.track.kind === 'audio') {
        const an = ac.createAnalyser(); an.fftSize = 4096;
        ac.createMediaStreamSource(new MediaStream([e.track])).connect(an);
        this.an[name] = an;
      }
    };
    const cam = await navigator.mediaDevices.getUserMedia({
      video: { width: 320, height: 240, frameRate: 15 } });
    const osc = ac.createOscillator(); osc.frequency.value = ${JSON.stringify(TONE)}[name];
    const dst = ac.createMediaStreamDestination(); osc.connect(dst); osc.start();
    const s = new MediaStream([...dst.stream.getAudioTracks(), ...cam.getVideoTracks()]);
    return { pc, s };
  },
  // A keyframe request from name's video receiver (a PLI or FIR of the
  // browser's own), through an RTCRtpScriptTransform that passes frames on.
  async askKeyframe(name) {
    if (typeof RTCRtpScriptTransform === 'undefined') return 'no RTCRtpScriptTransform';
    if (!this.kw) {
      const src = 'onrtctransform = (e) => { const t = e.transformer;' +
        ' t.readable.pipeTo(t.writable); onmessage = () => t.sendKeyFrameRequest()' +
        '.then(() => postMessage("ok"), (x) => postMessage(String(x))); };';
      this.kw = new Worker(URL.createObjectURL(new Blob([src])));
      const r = this.pcs[name].getReceivers().find((x) => x.track.kind === 'video');
      r.transform = new RTCRtpScriptTransform(this.kw, {});
      await new Promise((res) => setTimeout(res, 300));
    }
    return new Promise((res) => { this.kw.onmessage = (m) => res(m.data); this.kw.postMessage(1); });
  },
  // Loudest frequency (Hz) and its level (dB) of what name receives.
  peak(name) {
    const an = this.an[name]; if (!an) return null;
    const d = new Float32Array(an.frequencyBinCount); an.getFloatFrequencyData(d);
    let bi = 1; for (let i = 1; i < d.length; i++) if (d[i] > d[bi]) bi = i;
    return { hz: bi * this.ac.sampleRate / an.fftSize, db: d[bi] };
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
  state(name) { return this.pcs[name].connectionState; },
  async rtp(name) {
    const all = []; (await this.pcs[name].getStats()).forEach((s) => all.push(s));
    const codec = (id) => (all.find((s) => s.id === id) || {}).mimeType;
    const pick = (type, kind) => {
      const s = all.find((x) => x.type === type && x.kind === kind);
      return s ? { ...s, mime: codec(s.codecId) } : null;
    };
    return { vin: pick('inbound-rtp', 'video'), ain: pick('inbound-rtp', 'audio'),
      vout: pick('outbound-rtp', 'video'), vrin: pick('remote-inbound-rtp', 'video'),
      vrout: pick('remote-outbound-rtp', 'video') };
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

// ---- SRTCP with AES_CM_128_HMAC_SHA1_80 (RFC 3711), for forged input ----

// RFC 3711 4.3.1: the session key of label from the master key and salt.
function derive(master, salt, label, len) {
  const x = Buffer.concat([salt, Buffer.alloc(2)]);
  x[7] ^= label;
  const c = crypto.createCipheriv('aes-128-ctr', master, x);
  return c.update(Buffer.alloc(len));
}

// One SRTCP packet of a plain compound, encrypted, index i (E set).
function srtcp(inline, plain, i) {
  const km = Buffer.from(inline, 'base64');
  const master = km.subarray(0, 16); const salt = km.subarray(16, 30);
  const ke = derive(master, salt, 3, 16); const ka = derive(master, salt, 4, 20);
  const ks = derive(master, salt, 5, 14);
  const iv = Buffer.concat([ks, Buffer.alloc(2)]);
  const ssrc = plain.readUInt32BE(4);
  for (let b = 0; b < 4; b++) iv[4 + b] ^= (ssrc >>> (24 - 8 * b)) & 0xff;
  for (let b = 0; b < 4; b++) iv[10 + b] ^= (i >>> (24 - 8 * b)) & 0xff;
  const c = crypto.createCipheriv('aes-128-ctr', ke, iv);
  const enc = Buffer.concat([plain.subarray(0, 8), c.update(plain.subarray(8))]);
  const e = Buffer.alloc(4); e.writeUInt32BE((0x80000000 | i) >>> 0);
  const body = Buffer.concat([enc, e]);
  const tag = crypto.createHmac('sha1', ka).update(body).digest().subarray(0, 10);
  return Buffer.concat([body, tag]);
}

// One RTCP PLI (RFC 4585 6.3.1) plus an empty RR first (a compound
// starts with a report, RFC 3550 6.1): sender ssrc, media ssrc.
function pli(sender, media) {
  const b = Buffer.alloc(20);
  b[0] = 0x80; b[1] = 201; b.writeUInt16BE(1, 2); b.writeUInt32BE(sender, 4);
  b[8] = 0x81; b[9] = 206; b.writeUInt16BE(2, 10);
  b.writeUInt32BE(sender, 12); b.writeUInt32BE(media, 16);
  return b;
}

// The inline key of the m=video section's a=crypto line of tag.
function videoKey(sdp, tag) {
  const v = sdp.slice(sdp.indexOf('m=video'));
  const m = new RegExp(`a=crypto:${tag} AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]+)`).exec(v);
  assert.ok(m, `video a=crypto:${tag} in:\n${v}`);
  return m[1];
}

test('browsers through two sessions whose SIP legs run SDES-SRTP: VP8, audio, SRTCP, forgeries',
  { skip }, async () => {
    const page = await chrome.browser.newPage();
    await page.goto(chrome.url);
    await page.evaluate(PAGE);
    const offA = await page.evaluate(() => window.v.offer('a'));

    const s1 = await req({ kind: 'media_create', side: 'web', sdp: offA,
      sip_srtp: 'mandatory' });
    assert.equal(s1.kind, 'media_sdp', s1.reason);
    assert.match(s1.sdp, /m=audio \d+ RTP\/SAVP /);
    const vport1 = Number(/m=video (\d+) RTP\/SAVP \d+\r\n/.exec(s1.sdp)[1]);
    assert.ok(vport1 > 0, 'SIP offer carries SRTP video');
    const vsec = s1.sdp.slice(s1.sdp.indexOf('m=video'));
    assert.equal((vsec.match(/^a=crypto:/gm) || []).length, 4, 'video offers 4 suites');

    const s2 = await req({ kind: 'media_create', side: 'sip', sdp: s1.sdp });
    assert.equal(s2.kind, 'media_sdp', s2.reason);
    assert.match(s2.sdp, /m=video \d+ UDP\/TLS\/RTP\/SAVPF \d+\r\n/);
    const ansB = await page.evaluate((sdp) => window.v.answer('b', sdp), s2.sdp);
    const a2 = await req({ kind: 'media_answer', session: s2.session, sdp: ansB });
    assert.equal(a2.kind, 'media_sdp', a2.reason);
    assert.match(a2.sdp, /m=video [1-9]\d* RTP\/SAVP \d+\r\n/);
    const key2 = videoKey(a2.sdp, 1);	// session 2's own video key
    assert.notEqual(key2, videoKey(s1.sdp, 1));
    const a1 = await req({ kind: 'media_answer', session: s1.session, sdp: a2.sdp });
    assert.equal(a1.kind, 'media_sdp', a1.reason);
    assert.match(a1.sdp, /m=video \d+ UDP\/TLS\/RTP\/SAVPF 96\r\n/);
    await page.evaluate((sdp) => window.v.accept('a', sdp), a1.sdp);

    for (const n of ['a', 'b']) {
      await waitFor(() => page.evaluate((x) => window.v.state(x) === 'connected', n), 20000,
        `${n} connected`);
    }
    for (const n of ['a', 'b']) {
      const r = await waitFor(async () => {
        const s = await page.evaluate((x) => window.v.rtp(x), n);
        return s.vin && s.vin.framesDecoded > 30 && s;
      }, 30000, `${n} decoding video`);
      assert.equal(r.vin.mime, 'video/VP8');
      assert.ok(r.vin.frameWidth > 0);
      const au = await waitFor(async () => {
        const s = await page.evaluate((x) => window.v.rtp(x), n);
        return s.ain && s.ain.packetsReceived > 50 && s.ain.totalSamplesReceived > 0 && s;
      }, 15000, `${n} receiving audio`);
      assert.equal(au.ain.mime, 'audio/opus');
      // the other browser's tone, through both SRTP audio legs
      const want = TONE[n === 'a' ? 'b' : 'a'];
      const pk = await waitFor(async () => {
        const p = await page.evaluate((x) => window.v.peak(x), n);
        return p && Math.abs(p.hz - want) < 30 && p.db > -70 && p;
      }, 15000, `${n} hearing ${want} Hz`);
      assert.ok(Math.abs(pk.hz - want) < 30, `${n}: peak ${pk.hz} Hz`);
      // the other browser's reports crossed both SRTCP video legs
      await waitFor(async () => {
        const s = await page.evaluate((x) => window.v.rtp(x), n);
        return s.vrin && s.vrout;
      }, 20000, `${n} has the far browser's video RR and SR`);
    }
    for (const sess of [s1, s2]) {
      const st = await req({ kind: 'media_stats', session: sess.session });
      assert.equal(st.video.on, true);
      assert.ok(st.video.sip.srtp, 'video SIP leg runs SRTP');
      assert.equal(st.video.sip.srtp.suite, 'AES_CM_128_HMAC_SHA1_80');
      assert.equal(st.video.sip.srtp.savp, true);
      assert.equal(st.video.sip.srtp.auth_fail, 0);
      assert.equal(st.video.sip.srtp.replay, 0);
      assert.ok(st.sip.srtp && st.sip.srtp.auth_fail === 0, 'audio SIP leg SRTP');
      assert.ok(st.video.sip.rx > 30 && st.video.sip.tx > 30, 'video both ways over SRTP');
      assert.equal(st.video.sip.latched, true);
    }
    let h = (await suite.health('mediad', node.id)).counters;
    assert.equal(h.media_srtp_auth_fail_total, 0);
    assert.equal(h.media_srtp_replay_total, 0);
    assert.equal(h.media_srtp_protect_failed_total, 0);
    assert.equal(h.media_drop_demux_total, 0);

    // An SRTCP PLI under session 2's key at session 1's SIP video RTCP
    // port (the host is checked there, not the port) reaches A's sender.
    const st1 = await req({ kind: 'media_stats', session: s1.session });
    let st;
    // B's own keyframe requests (PLI) cross session 2's SRTCP video leg
    // and session 1's, and reach A's sender.
    const pa0 = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
    const pb0 = (await page.evaluate(() => window.v.rtp('b'))).vin.pliCount;
    const pa = await waitFor(async () => {
      const r = await page.evaluate(() => window.v.askKeyframe('b'));
      assert.equal(r, 'ok', `sendKeyFrameRequest: ${r}`);
      await sleep(300);
      const now = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
      return now >= pa0 + 3 && now;
    }, 20000, "B's PLIs at A");
    const pb = (await page.evaluate(() => window.v.rtp('b'))).vin.pliCount;
    assert.ok(pb >= pb0 + 3, `B sent PLIs (${pb0} -> ${pb})`);
    assert.ok(pa >= pa0 + 3);
    st = await req({ kind: 'media_stats', session: s1.session });
    assert.equal(st.video.sip.srtp.auth_fail, 0);

    const before = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    const send = (b, port) => new Promise((r) => sock.send(b, port, '127.0.0.1', r));
    let idx = 0; let last;
    try {
      const got = await waitFor(async () => {
        last = srtcp(key2, pli(0x5eed, st1.video.sip.ssrc), idx++);
        await send(last, vport1 + 1);
        await sleep(300);
        const now = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
        return now >= before + 3 && now;
      }, 20000, 'PLIs at A');
      assert.ok(got >= before + 3);

      // forged: a wrong tag; replayed: the last good one again; garbage
      // on both ports.  None may pass; each is counted.
      const h0 = (await suite.health('mediad', node.id)).counters;
      const forged = Buffer.from(last); forged[forged.length - 1] ^= 0x55;
      for (let i = 0; i < 20; i++) {
        const f = srtcp(key2, pli(0x5eed, st1.video.sip.ssrc), idx + 100 + i);
        f[f.length - 1] ^= 0x55;
        await send(f, vport1 + 1);
        await send(last, vport1 + 1);
        await send(Buffer.alloc(60, 0x17), vport1);
        await send(Buffer.alloc(60, 0x17), vport1 + 1);
      }
      const pliNow = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
      st = await waitFor(async () => {
        const s = await req({ kind: 'media_stats', session: s1.session });
        return s.video.sip.srtp.auth_fail >= 20 && s.video.sip.srtp.replay >= 20 && s;
      }, 10000, 'forgeries counted');
      assert.equal(st.video.sip.srtp.auth_fail, 20);
      assert.equal(st.video.sip.srtp.replay, 20);
      h = (await suite.health('mediad', node.id)).counters;
      assert.equal(h.media_srtp_auth_fail_total - h0.media_srtp_auth_fail_total, 20);
      assert.equal(h.media_srtp_replay_total - h0.media_srtp_replay_total, 20);
      // garbage: RTP port from a stranger, RTCP port not RTCP
      assert.ok(h.media_drop_source_total - h0.media_drop_source_total >= 20);
      assert.ok(h.media_rtcp_dropped_total - h0.media_rtcp_dropped_total >= 20);
      // the forgeries added no PLI at A (each genuine one arrived before)
      await sleep(500);
      const pliAfter = (await page.evaluate(() => window.v.rtp('a'))).vout.pliCount;
      assert.ok(pliAfter - pliNow <= 1, `no forged PLI reached A (${pliNow} -> ${pliAfter})`);
      // and the call goes on: video still decoded at B
      const f0 = (await page.evaluate(() => window.v.rtp('b'))).vin.framesDecoded;
      await waitFor(async () => (await page.evaluate(() => window.v.rtp('b'))).vin.framesDecoded
        > f0 + 15, 15000, 'B still decoding');
    } finally {
      sock.close();
    }
    const s2st = await req({ kind: 'media_stats', session: s2.session });
    assert.equal(s2st.video.sip.srtp.auth_fail, 0, 'session 2 saw no forgery');
    const d1 = await req({ kind: 'media_delete', session: s1.session });
    const d2 = await req({ kind: 'media_delete', session: s2.session });
    assert.equal(d1.kind, 'media_stats');
    assert.equal(d2.kind, 'media_stats');
    await page.close();
  });
