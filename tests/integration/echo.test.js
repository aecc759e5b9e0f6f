// The demo echo endpoint (tools/echo) as a process with a real nats-server,
// driven by a raw SIP client over UDP written here and plain RTP peers:
// the offer/answer, the tone, the echo, symmetric RTP, the limits, garbage
// on both ports, the media timeout and a clean SIGTERM.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Suite, waitFor, sleep, freePort } = require('../lib/harness');
const { portRange, portBounds } = require('../lib/ports');
const { RtpPeer, goertzel, rmsDb } = require('../lib/rtppeer');

const suite = new Suite('echo');
const MEDIA_TIMEOUT_S = 4;
let echo; let sip;

// A SIP user agent over UDP: requests out, responses matched by Call-ID and
// CSeq; BYEs from the echo are answered 200 and remembered.
class SipClient {
  constructor(port) { this.target = port; this.msgs = []; this.byes = []; this.seq = 0; }

  async open() {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (m) => this.onMessage(m.toString()));
    await new Promise((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    return this;
  }

  onMessage(text) {
    if (text.startsWith('BYE ')) {
      this.byes.push(text);
      const h = (n) => hdr(text, n);
      this.raw(`SIP/2.0 200 OK\r\nVia: ${h('Via')}\r\nFrom: ${h('From')}\r\nTo: ${h('To')}\r\n`
        + `Call-ID: ${h('Call-ID')}\r\nCSeq: ${h('CSeq')}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.msgs.push(text);
  }

  raw(text) { this.sock.send(Buffer.from(text), this.target, '127.0.0.1'); }

  // A request; dialog = {callId, fromTag, toTag, uri} (toTag and uri after 200).
  send(method, d, { cseq, body = '', ctype = 'application/sdp', branch } = {}) {
    const b = branch || `z9hG4bK${method}${++this.seq}${Date.now()}`;
    const uri = d.uri || `sip:echo@127.0.0.1:${this.target}`;
    const msg = `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${b};rport\r\n`
      + `Max-Forwards: 70\r\nFrom: <sip:tester@127.0.0.1>;tag=${d.fromTag}\r\n`
      + `To: <sip:echo@127.0.0.1>${d.toTag ? `;tag=${d.toTag}` : ''}\r\nCall-ID: ${d.callId}\r\n`
      + `CSeq: ${cseq} ${method}\r\nContact: <sip:tester@127.0.0.1:${this.port}>\r\n`
      + `${body ? `Content-Type: ${ctype}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    this.raw(msg);
    return b;
  }

  // The final response to (callId, cseq method); earlier ones are dropped.
  async final(d, cseq, method, ms = 5000) {
    const re = new RegExp(`\r\nCSeq: ${cseq} ${method}\r\n`, 'i');
    return waitFor(() => {
      const i = this.msgs.findIndex((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && re.test(m)
        && hdr(m, 'Call-ID') === d.callId);
      return i >= 0 ? this.msgs.splice(i, 1)[0] : null;
    }, ms, `${method} response`);
  }

  // INVITE -> final response; ACK sent (2xx: new transaction to the Contact;
  // else: same branch, RFC 3261 17.1.1.3).  Returns {status, res, d}.
  async invite(body, { ack = true, ackBody = '' } = {}) {
    const d = { callId: `echo-${process.pid}-${++this.seq}-${Date.now()}`, fromTag: `f${this.seq}` };
    const branch = this.send('INVITE', d, { cseq: 1, body });
    const res = await this.final(d, 1, 'INVITE');
    const status = Number(res.split(' ')[1]);
    d.toTag = /;tag=([^;\s>]+)/.exec(hdr(res, 'To'))[1];
    if (status < 300) {
      d.uri = /<([^>]+)>/.exec(hdr(res, 'Contact'))[1];
      if (ack) this.send('ACK', d, { cseq: 1, body: ackBody });
    } else {
      this.send('ACK', { ...d, uri: undefined }, { cseq: 1, branch });
    }
    return { status, res, d, body: res.split('\r\n\r\n')[1] };
  }

  async bye(d, cseq = 2) {
    this.send('BYE', d, { cseq });
    return Number((await this.final(d, cseq, 'BYE')).split(' ')[1]);
  }

  // A re-INVITE in the dialog d -> {status, body}; ACKed.
  async reinvite(d, cseq, body) {
    this.send('INVITE', d, { cseq, body });
    const res = await this.final(d, cseq, 'INVITE');
    const status = Number(res.split(' ')[1]);
    if (status < 300) this.send('ACK', d, { cseq });
    return { status, body: res.split('\r\n\r\n')[1] };
  }

  close() { this.sock.close(); }
}

const hdr = (text, name) => (new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(text) || [])[1];
const sdpPort = (sdp) => Number(/m=audio (\d+)/.exec(sdp)[1]);

function offer(port, pts, rtpmaps = '', extra = '') {
  return `v=0\r\no=tester 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
    + `m=audio ${port} RTP/AVP ${pts}\r\n${rtpmaps}a=ptime:20\r\n${extra}a=sendrecv\r\n`;
}
const pcmuOffer = (port) => offer(port, '0 101', 'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n');

// One RTP packet with any payload.
function rtp(pt, seq, ts, ssrc, payload) {
  const h = Buffer.alloc(12);
  h[0] = 0x80; h[1] = pt; h.writeUInt16BE(seq & 0xFFFF, 2); h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

// Every RTP header a peer receives (rtppeer keeps no SSRC).
function headers(peer) {
  const list = [];
  peer.sock.on('message', (m) => {
    if (m.length >= 12) {
      list.push({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), ssrc: m.readUInt32BE(8), marker: m[1] >> 7 });
    }
  });
  return list;
}

async function idle() {
  await waitFor(async () => (await suite.health('echo', echo.id)).counters.calls_active === 0, 5000,
    'no calls left');
}

test.before(async () => {
  await suite.startNats();
  const port = await freePort();
  echo = suite.service('echo', { RTCGATE_ECHO_PORT: String(port), RTCGATE_ECHO_IP: '127.0.0.1',
    RTCGATE_ECHO_MEDIA_PORTS: portRange(__filename), RTCGATE_ECHO_MAX_CALLS: '1',
    RTCGATE_ECHO_MEDIA_TIMEOUT: String(MEDIA_TIMEOUT_S) });
  await waitFor(() => suite.health('echo', echo.id), 10000, 'echo');
  sip = await new SipClient(port).open();
});

test.after(async () => {
  if (sip) sip.close();
  await suite.close();
});

test('PCMU call: 200 with SDP, the tone first, then the caller is echoed; BYE gets 200', async () => {
  const peer = await new RtpPeer().open();
  const hs = headers(peer);
  const call = await sip.invite(pcmuOffer(peer.port));
  assert.equal(call.status, 200);
  assert.equal(hdr(call.res, 'Content-Type'), 'application/sdp');
  assert.match(call.body, /^m=audio \d+ RTP\/AVP 0\r$/m);
  assert.match(call.body, /^a=rtpmap:0 PCMU\/8000\r$/m);
  assert.match(call.body, /^c=IN IP4 127\.0\.0\.1\r$/m);
  const port = sdpPort(call.body);
  const [lo, hi] = portBounds(__filename);
  assert.ok(port >= lo && port <= hi && port % 2 === 0, `media port ${port}`);

  // The tone: 1 s of 440 Hz beeps toward the SDP address before we send.
  await waitFor(() => peer.rx.length >= 45, 3000, 'the tone');
  const tone = peer.samples(0, 900);
  assert.ok(rmsDb(tone) > -30, `tone level ${rmsDb(tone)} dB`);
  assert.ok(goertzel(tone, 440) > 50 * goertzel(tone, 1000), 'the tone is 440 Hz');
  await sleep(300);
  const toneCount = peer.rx.length;
  assert.ok(toneCount >= 48 && toneCount <= 52, `${toneCount} tone packets`);

  // The echo: 1 kHz in, 1 kHz back (from the echo's media port).
  peer.play('127.0.0.1', port, { freq: 1000, pt: 0 });
  await waitFor(() => peer.rx.length >= toneCount + 50, 3000, 'the echo');
  peer.stop();
  const back = peer.samples(0, 800);
  assert.ok(rmsDb(back) > -20, `echo level ${rmsDb(back)} dB`);
  assert.ok(goertzel(back, 1000) > 50 * goertzel(back, 440), 'the echo is 1 kHz');
  assert.equal(peer.from.port, port, 'sent from the port in the SDP');

  // One stream: our SSRC throughout, seq runs on from tone to echo, ts in
  // 20 ms steps, and where the echo begins a gap of whole frames (the time
  // the caller took to start) with the marker bit.
  await sleep(100);
  assert.equal(new Set(hs.map((h) => h.ssrc)).size, 1);
  assert.notEqual(hs[0].ssrc, 0x1234abcd, 'our own SSRC, not the caller\'s');
  assert.equal(hs[0].marker, 1);
  for (let i = 1; i < hs.length; i++) {
    assert.equal((hs[i].seq - hs[i - 1].seq) & 0xFFFF, 1, `seq at ${i}`);
    const step = (hs[i].ts - hs[i - 1].ts) >>> 0;
    if (i === toneCount) {
      assert.ok(step >= 160 && step % 160 === 0 && step < 8000 * 3, `ts step ${step} into the echo`);
      assert.equal(hs[i].marker, 1, 'marker where the echo begins');
    } else {
      assert.equal(step, 160, `ts at ${i}`);
      assert.equal(hs[i].marker, 0, `marker at ${i}`);
    }
  }

  assert.equal(await sip.bye(call.d), 200);
  await idle();
  const c = (await suite.health('echo', echo.id)).counters;
  assert.ok(c.calls_answered_total >= 1);
  assert.ok(c.rtp_packets_in_total >= 50);
  peer.close();
});

test('codec choice: PCMU preferred, else PCMA, else Opus; nothing usable gets 488', async () => {
  const cases = [
    [offer(40, '111 8 0', 'a=rtpmap:111 opus/48000/2\r\n'), /^m=audio \d+ RTP\/AVP 0\r$/m],
    [offer(40, '111 8', 'a=rtpmap:111 opus/48000/2\r\n'), /^a=rtpmap:8 PCMA\/8000\r$/m],
    [offer(40, '96', 'a=rtpmap:96 OPUS/48000/2\r\n'), /^m=audio \d+ RTP\/AVP 96\r\na=rtpmap:96 opus\/48000\/2\r$/m],
    [offer(40, '97', 'a=rtpmap:97 PCMU/8000\r\n'), /^a=rtpmap:97 PCMU\/8000\r$/m],
  ];
  for (const [o, re] of cases) {
    const call = await sip.invite(o);
    assert.equal(call.status, 200, o);
    assert.match(call.body, re);
    assert.equal(await sip.bye(call.d), 200);
    await idle();
  }
  for (const o of [offer(40, '18 9', 'a=rtpmap:18 G729/8000\r\n'),
    offer(40, '0').replace('RTP/AVP', 'RTP/SAVP'), 'v=0\r\ngarbage\r\n']) {
    const r = await sip.invite(o);
    assert.equal(r.status, 488, o);
  }
  // A video stream beside the audio is declined with port 0.
  const v = await sip.invite(`${pcmuOffer(40)}m=video 42 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`);
  assert.equal(v.status, 200);
  assert.match(v.body, /^m=video 0 RTP\/AVP 96\r$/m);
  assert.equal(await sip.bye(v.d), 200);
  await idle();
});

test('Opus: the tone is Opus-encoded, the caller\'s packets come back byte for byte', async () => {
  const peer = await new RtpPeer().open();
  const call = await sip.invite(offer(peer.port, '111', 'a=rtpmap:111 opus/48000/2\r\n'));
  assert.equal(call.status, 200);
  assert.match(call.body, /^a=rtpmap:111 opus\/48000\/2\r$/m);
  const port = sdpPort(call.body);
  await waitFor(() => peer.rx.length >= 45, 3000, 'the Opus tone');
  assert.ok(peer.rx.every((p) => p.pt === 111 && p.payload.length > 2 && p.payload.length < 400));
  await sleep(300);
  const n = peer.rx.length;
  const sent = [];
  for (let i = 0; i < 10; i++) {
    const payload = Buffer.from(Array.from({ length: 40 + i }, (_, j) => (i * 7 + j) & 0xFF));
    sent.push(payload);
    peer.sock.send(rtp(111, i, i * 960, 0x5555, payload), port, '127.0.0.1');
    await sleep(20);
  }
  await waitFor(() => peer.rx.length >= n + 10, 2000, 'Opus echo');
  const back = peer.rx.slice(n).map((p) => p.payload);
  assert.deepEqual(back, sent);
  assert.equal(await sip.bye(call.d), 200);
  await idle();
  peer.close();
});

test('INVITE without SDP: our offer in the 200, the answer in the ACK', async () => {
  const peer = await new RtpPeer().open();
  const call = await sip.invite('', { ackBody: offer(peer.port, '8', 'a=rtpmap:8 PCMA/8000\r\n') });
  assert.equal(call.status, 200);
  assert.match(call.body, /^m=audio \d+ RTP\/AVP 0 8 111\r$/m);
  await waitFor(() => peer.rx.length >= 20, 3000, 'the tone after the ACK');
  assert.ok(peer.rx.every((p) => p.pt === 8));
  const tone = peer.samples(8, 400);
  assert.ok(goertzel(tone, 440) > 50 * goertzel(tone, 1000), 'a 440 Hz tone in PCMA');
  assert.equal(await sip.bye(call.d), 200);
  await idle();
  peer.close();
});

test('symmetric RTP: the echo goes to the source, strangers and bad packets are dropped', async () => {
  const decoy = await new RtpPeer().open(); // the SDP address
  const peer = await new RtpPeer().open(); // where the caller really sends from
  const stranger = await new RtpPeer().open();
  const d0 = (await suite.health('echo', echo.id)).counters.rtp_packets_dropped_total;
  const call = await sip.invite(pcmuOffer(decoy.port));
  const port = sdpPort(call.body);
  await waitFor(() => decoy.rx.length >= 10, 3000, 'the tone at the SDP address');
  peer.play('127.0.0.1', port, { freq: 1000, pt: 0 });
  await sleep(1500);
  const decoyCount = decoy.rx.length;
  // Garbage: not RTP, version 1, oversized, wrong payload type, no payload.
  const junk = [Buffer.from('hello'), Buffer.alloc(40, 0x40), Buffer.alloc(3000, 0x80),
    rtp(8, 1, 1, 1, Buffer.alloc(160)), rtp(0, 1, 1, 1, Buffer.alloc(0))];
  for (const j of junk) peer.sock.send(j, port, '127.0.0.1');
  stranger.play('127.0.0.1', port, { freq: 440, pt: 0 });
  await sleep(600);
  stranger.stop();
  peer.stop();
  assert.ok(peer.rx.length >= 50, `echo at the source: ${peer.rx.length}`);
  assert.ok(decoy.rx.length - decoyCount <= 2, 'nothing to the SDP address after latching');
  assert.equal(stranger.rx.length, 0, 'nothing to a stranger');
  const back = peer.samples(0, 400);
  assert.ok(goertzel(back, 1000) > 50 * goertzel(back, 440), 'only the caller is echoed');
  const c = (await suite.health('echo', echo.id)).counters;
  assert.ok(c.rtp_packets_dropped_total - d0 >= 25, `dropped ${c.rtp_packets_dropped_total - d0}`);
  assert.equal(await sip.bye(call.d), 200);
  await idle();
  for (const p of [decoy, peer, stranger]) p.close();
});

test('re-INVITE: same offer, same answer; a new address and codec move the media', async () => {
  const a = await new RtpPeer().open();
  const b = await new RtpPeer().open();
  const call = await sip.invite(pcmuOffer(a.port));
  assert.equal(call.status, 200);
  const o = (sdp) => /^o=.*$/m.exec(sdp)[0];
  const same = await sip.reinvite(call.d, 2, pcmuOffer(a.port));
  assert.equal(same.status, 200);
  assert.equal(same.body, call.body, 'an unchanged answer keeps its o= version');
  await sleep(300);
  const moved = await sip.reinvite(call.d, 3, offer(b.port, '8', 'a=rtpmap:8 PCMA/8000\r\n'));
  assert.equal(moved.status, 200);
  assert.match(moved.body, /^a=rtpmap:8 PCMA\/8000\r$/m);
  assert.notEqual(o(moved.body), o(call.body), 'the o= version goes up');
  assert.equal(sdpPort(moved.body), sdpPort(call.body), 'the same media port');
  b.play('127.0.0.1', sdpPort(moved.body), { freq: 1000, pt: 8 });
  await waitFor(() => b.rx.filter((p) => p.pt === 8).length >= 20, 3000, 'PCMA echo to the new address');
  b.stop();
  const refused = await sip.reinvite(call.d, 4, offer(b.port, '18'));
  assert.equal(refused.status, 488, 'a refused re-INVITE...');
  assert.equal(await sip.bye(call.d, 5), 200, '...keeps the call');
  await idle();
  a.close();
  b.close();
});

test('TCP: an INVITE over TCP is answered too (no session timer taken on)', async () => {
  const s = require('node:net').connect(sip.target, '127.0.0.1');
  await new Promise((r) => s.on('connect', r));
  const body = pcmuOffer(40);
  let got = '';
  s.on('data', (d) => { got += d; });
  s.write(`INVITE sip:echo@127.0.0.1:${sip.target};transport=tcp SIP/2.0\r\n`
    + `Via: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bKtcp${Date.now()}\r\nMax-Forwards: 70\r\n`
    + 'From: <sip:tester@127.0.0.1>;tag=tcp\r\nTo: <sip:echo@127.0.0.1>\r\nCall-ID: echo-tcp-1\r\n'
    + 'CSeq: 1 INVITE\r\nSupported: timer\r\nSession-Expires: 1800;refresher=uas\r\n'
    + `Contact: <sip:tester@127.0.0.1:${s.localPort};transport=tcp>\r\n`
    + `Content-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await waitFor(() => /^SIP\/2\.0 200 [\s\S]*m=audio/m.test(got), 3000, '200 over TCP');
  assert.doesNotMatch(got, /\r\nSession-Expires:/i);
  const toTag = /\r\nTo: [^\r]*;tag=([^;\s\r]+)/.exec(got)[1];
  const d = { callId: 'echo-tcp-1', fromTag: 'tcp', toTag };
  s.write(`BYE sip:echo@127.0.0.1:${sip.target};transport=tcp SIP/2.0\r\n`
    + `Via: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bKtcpbye${Date.now()}\r\nMax-Forwards: 70\r\n`
    + `From: <sip:tester@127.0.0.1>;tag=${d.fromTag}\r\nTo: <sip:echo@127.0.0.1>;tag=${d.toTag}\r\n`
    + 'Call-ID: echo-tcp-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n');
  await waitFor(() => /^SIP\/2\.0 200 [^\r]*\r\n[\s\S]*CSeq: 2 BYE/m.test(got), 3000, '200 for BYE over TCP');
  s.destroy();
  await idle();
});

test('limits: a second call gets 486; garbage on the SIP port is survived', async () => {
  const first = await sip.invite(pcmuOffer(40));
  assert.equal(first.status, 200);
  const second = await sip.invite(pcmuOffer(42));
  assert.equal(second.status, 486);
  for (const g of ['', 'garbage\r\n\r\n', 'INVITE sip:x SIP/2.0\r\n\r\n', 'SIP/2.0 200 OK\r\n\r\n',
    Buffer.alloc(1400, 0xff).toString('binary'), 'OPTIONS sip:echo SIP/2.0\r\nVia: x\r\n']) {
    sip.raw(g);
  }
  await sleep(200);
  assert.equal(await sip.bye(first.d), 200);
  await idle();
  const again = await sip.invite(pcmuOffer(40));
  assert.equal(again.status, 200, 'still answering');
  assert.equal(await sip.bye(again.d), 200);
  await idle();
  assert.ok((await suite.health('echo', echo.id)).counters.calls_rejected_total >= 1);
});

test('no RTP from the caller: the echo hangs up with BYE', async () => {
  const byes = sip.byes.length;
  const t0 = Date.now();
  const call = await sip.invite(pcmuOffer(40));
  assert.equal(call.status, 200);
  await waitFor(() => sip.byes.length > byes, (MEDIA_TIMEOUT_S + 3) * 1000, 'BYE from the echo');
  const waited = (Date.now() - t0) / 1000;
  assert.ok(waited >= MEDIA_TIMEOUT_S - 0.5, `BYE after ${waited} s`);
  assert.equal(hdr(sip.byes[sip.byes.length - 1], 'Call-ID'), call.d.callId);
  await idle();
  assert.ok((await suite.health('echo', echo.id)).counters.calls_timed_out_total >= 1);
});

test('SIGTERM with a call up: BYE to the caller, exit 0 within 5 s', async () => {
  const byes = sip.byes.length;
  const call = await sip.invite(pcmuOffer(40));
  assert.equal(call.status, 200);
  const t0 = Date.now();
  echo.kill('SIGTERM');
  const { code, signal } = await echo.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
  assert.ok(sip.byes.length > byes, 'the call got a BYE');
  assert.doesNotMatch(suite.log(echo), /^\S+ error /m);
});
