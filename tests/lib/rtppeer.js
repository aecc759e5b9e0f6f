// A plain RTP peer for the SIP side of media tests: sends a G.711 tone
// every 20 ms, records what it receives, and measures it (level and the
// strength of one frequency, Goertzel).
'use strict';
const dgram = require('node:dgram');

// ITU-T G.711 mu-law and A-law, written from the standard's tables.
function ulawEncode(s) {
  const BIAS = 0x84; const CLIP = 32635;
  let sign = 0;
  if (s < 0) { s = -s; sign = 0x80; }
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exp = 7;
  for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0F;
  return ~(sign | (exp << 4) | mant) & 0xFF;
}
function ulawDecode(u) {
  u = ~u & 0xFF;
  const t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}
function alawDecode(a) {
  a ^= 0x55;
  let t = (a & 0x0F) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8; else if (seg === 1) t += 0x108; else t = (t + 0x108) << (seg - 1);
  return (a & 0x80) ? t : -t;
}

// Power of one frequency in samples at 8 kHz (Goertzel), and the level.
function goertzel(samples, freq) {
  const k = 2 * Math.cos(2 * Math.PI * freq / 8000);
  let s1 = 0; let s2 = 0;
  for (const x of samples) { const s0 = x + k * s1 - s2; s2 = s1; s1 = s0; }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length || 1);
}
function rmsDb(samples) {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return 20 * Math.log10(Math.sqrt(sum / (samples.length || 1)) / 32768 + 1e-12);
}

class RtpPeer {
  constructor() { this.rx = []; this.pts = new Map(); this.from = null; }

  async open() {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (m, r) => {
      if (m.length < 12 || (m[0] >> 6) !== 2) return;
      this.from = r;
      const pt = m[1] & 0x7F;
      this.pts.set(pt, (this.pts.get(pt) || 0) + 1);
      this.rx.push({ pt, seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), payload: m.subarray(12) });
    });
    await new Promise((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    return this;
  }

  // Send a tone (Hz) as PCMU/PCMA (pt 0/8) to host:port every 20 ms.
  play(host, port, { freq = 1000, pt = 0, level = 0.3 } = {}) {
    let seq = 1; let ts = 0; let n = 0;
    const ssrc = 0x1234abcd;
    this.timer = setInterval(() => {
      const b = Buffer.alloc(172);
      b[0] = 0x80; b[1] = pt; b.writeUInt16BE(seq++ & 0xFFFF, 2); b.writeUInt32BE(ts >>> 0, 4);
      b.writeUInt32BE(ssrc, 8);
      for (let i = 0; i < 160; i++) {
        const s = Math.round(level * 32767 * Math.sin(2 * Math.PI * freq * (n++) / 8000));
        b[12 + i] = pt === 8 ? alawEncodeSimple(s) : ulawEncode(s);
      }
      ts += 160;
      this.sock.send(b, port, host);
    }, 20);
  }

  stop() { clearInterval(this.timer); }

  // Decoded samples of the last ms milliseconds received with pt.
  samples(pt, ms = 1000) {
    const pkts = this.rx.filter((p) => p.pt === pt).slice(-ms / 20);
    const out = [];
    for (const p of pkts) for (const b of p.payload) out.push(pt === 8 ? alawDecode(b) : ulawDecode(b));
    return out;
  }

  close() { this.stop(); this.sock.close(); }
}

// A-law through mu-law's magnitude steps is close enough for a test tone.
function alawEncodeSimple(s) {
  let sign = 0x80;
  if (s < 0) { s = -s - 1; sign = 0; }
  if (s > 32767) s = 32767;
  let seg = 0;
  for (let v = s >> 8; v && seg < 7; v >>= 1) seg++;
  const mant = seg ? (s >> (seg + 3)) & 0x0F : (s >> 4) & 0x0F;
  return ((sign | (seg << 4) | mant) ^ 0x55) & 0xFF;
}

module.exports = { RtpPeer, goertzel, rmsDb, ulawEncode, ulawDecode, alawDecode };
