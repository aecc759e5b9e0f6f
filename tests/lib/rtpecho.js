// The SIP side's media for end-to-end tests: a UDP socket that sends every
// RTP packet back to where it came from (like sipp -rtp_echo, so the page
// hears its own tone) and keeps what it saw, so a test can check at the SIP
// side what the browser sent: its audio (level and frequency of the G.711
// payload) and its DTMF (RFC 4733 telephone-event packets, as digits).
// sipp keeps the SIP dialog (tests/e2e/sipp/uas_rtp.xml puts this socket's
// port in its SDP); sipp itself cannot tell payload types apart.
'use strict';
const dgram = require('node:dgram');
const { goertzel, rmsDb, ulawDecode, alawDecode } = require('./rtppeer');

const DIGITS = '0123456789*#ABCD';

class RtpEcho {
  // dtmfPt: the telephone-event payload type the SIP side answered.
  constructor({ dtmfPt = 101 } = {}) {
    this.dtmfPt = dtmfPt;
    this.pts = new Map();
    this.audio = [];	// { pt, payload } of G.711 packets, oldest first
    this.events = new Map();	// RTP timestamp -> { event, end }
    this.bad = 0;	// datagrams that are not RTP version 2
  }

  async open() {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (m, r) => this.onPacket(m, r));
    await new Promise((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    return this;
  }

  onPacket(m, r) {
    if (m.length < 12 || (m[0] >> 6) !== 2) { this.bad++; return; }
    const pt = m[1] & 0x7F;
    if (pt >= 72 && pt <= 76) return;	// RTCP (RFC 5761): not echoed
    this.sock.send(m, r.port, r.address);
    this.pts.set(pt, (this.pts.get(pt) || 0) + 1);
    // The payload starts after the CSRCs and any header extension.
    let off = 12 + 4 * (m[0] & 0x0F);
    if ((m[0] & 0x10) && m.length >= off + 4) off += 4 + 4 * m.readUInt16BE(off + 2);
    if (off > m.length) { this.bad++; return; }
    const payload = m.subarray(off);
    if (pt === 0 || pt === 8) {
      this.audio.push({ pt, payload: Buffer.from(payload) });
      if (this.audio.length > 500) this.audio.shift();	// the last 10 s
    } else if (pt === this.dtmfPt && payload.length >= 4) {
      // RFC 4733 2.3: event, E bit; one event keeps its RTP timestamp.
      const ts = m.readUInt32BE(4);
      const ev = this.events.get(ts) || { event: payload[0], end: false };
      ev.end = ev.end || Boolean(payload[1] & 0x80);
      this.events.set(ts, ev);
    }
  }

  // Digits of the telephone-events seen, in order ("5", "58").
  digits() {
    return [...this.events.values()].map((e) => DIGITS[e.event] || '?').join('');
  }

  // Digits whose end packet (E bit) arrived.
  endedDigits() {
    return [...this.events.values()].filter((e) => e.end).map((e) => DIGITS[e.event] || '?').join('');
  }

  // Decoded samples (8 kHz) of the last ms milliseconds of G.711 audio.
  samples(ms = 1000) {
    const out = [];
    for (const p of this.audio.slice(-ms / 20)) {
      for (const b of p.payload) out.push(p.pt === 8 ? alawDecode(b) : ulawDecode(b));
    }
    return out;
  }

  // Level (dBFS) of the last second, and how much stronger freq is than
  // a frequency well away from it (a tone, not noise).
  tone(freq = 1000, ms = 1000) {
    const s = this.samples(ms);
    const off = freq > 1500 ? freq / 2 : freq * 1.7;
    return { n: s.length, db: rmsDb(s), ratio: goertzel(s, freq) / (goertzel(s, off) + 1e-9) };
  }

  count(pt) { return this.pts.get(pt) || 0; }

  close() { this.sock.close(); }
}

module.exports = { RtpEcho };
