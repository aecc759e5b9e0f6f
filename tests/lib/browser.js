// A real headless Chromium (Debian's /usr/bin/chromium, never a downloaded
// browser) driven by playwright-core, with fake audio/video devices, on a
// plain page served from 127.0.0.1 (a secure context for getUserMedia).
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required'];

function available() {
  return fs.existsSync(CHROMIUM);
}

// Serves one blank page; returns { url, close }.
function blankServer() {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>rtcgate test</title><body></body>');
    }).listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${srv.address().port}/`, close: () => srv.close() });
    });
  });
}

// Options: loopback (offer 127.0.0.1 ICE candidates: without the flag
// Chromium gathers none on the loopback interface, and a private network
// namespace with only lo has no other), args (more flags).
async function launch({ loopback = false, args = [] } = {}) {
  const flags = [...FLAGS, ...(loopback ? ['--allow-loopback-in-peer-connection'] : []), ...args];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: flags, headless: true });
  const server = await blankServer();
  const close = async () => { await browser.close(); server.close(); };
  return { browser, url: server.url, close };
}

// Page-side helpers installed with page.addInitScript or evaluate: a peer
// connection with the fake microphone, and an analyser on what arrives.
const PAGE_HELPERS = `
window.rtc = {
  async offer() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    window.pc = pc;
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of s.getTracks()) pc.addTrack(t, s);
    pc.ontrack = (e) => rtc.listen(e.streams[0] || new MediaStream([e.track]));
    const o = await pc.createOffer();
    await pc.setLocalDescription(o);
    return pc.localDescription.sdp;
  },
  async answer(sdp) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    window.pc = pc;
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    pc.ontrack = (e) => rtc.listen(e.streams[0] || new MediaStream([e.track]));
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of s.getTracks()) pc.addTrack(t, s);
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    return pc.localDescription.sdp;
  },
  async accept(sdp) { await window.pc.setRemoteDescription({ type: 'answer', sdp }); },
  listen(stream) {
    const el = new Audio(); el.muted = true; el.srcObject = stream; el.play().catch(() => {});
    const ac = new AudioContext();
    const an = ac.createAnalyser(); an.fftSize = 4096;
    ac.createMediaStreamSource(stream).connect(an);
    window.analyser = an; window.actx = ac;
  },
  // Loudest frequency (Hz) and its level (dB) over the last block.
  peak() {
    const an = window.analyser; if (!an) return null;
    const d = new Float32Array(an.frequencyBinCount); an.getFloatFrequencyData(d);
    let bi = 1; for (let i = 1; i < d.length; i++) if (d[i] > d[bi]) bi = i;
    return { hz: bi * window.actx.sampleRate / an.fftSize, db: d[bi] };
  },
  async stats() {
    const r = {}; (await window.pc.getStats()).forEach((s) => { r[s.type + ':' + s.id] = s; });
    return Object.values(r);
  },
  state() { return window.pc && window.pc.connectionState; },
};`;

module.exports = { available, launch, PAGE_HELPERS, CHROMIUM };
