// SIP over a raw WebSocket as a browser would speak it, and sipp as the SIP
// peer: the pieces the b2bua tests share.
'use strict';
const path = require('node:path');
const { waitFor, freePort, ROOT } = require('./harness');

const DOMAIN = 'example.com';
const FP = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
function webSdp(setup, pts = '111 0 8 126') {
  return 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
    + `m=audio 9 UDP/TLS/RTP/SAVPF ${pts}\r\nc=IN IP4 0.0.0.0\r\n`
    + 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n'
    + `a=fingerprint:sha-256 ${FP}\r\na=setup:${setup}\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n`
    + 'a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n'
    + 'a=rtpmap:126 telephone-event/8000\r\n';
}

let seq = 0;
function invite(user, to, { callId = `call-${process.pid}-${++seq}`, sdp = webSdp('actpass') } = {}) {
  const branch = `z9hG4bK${Date.now()}${seq}`;
  const msg = `INVITE sip:${to}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=${branch}\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:${to}@${DOMAIN}>\r\nFrom: <sip:${user}@${DOMAIN}>;tag=ft${seq}\r\n`
    + `Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:${user}@b.invalid;transport=ws;ob>\r\n`
    + `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`;
  return { msg, callId, branch, user, to, fromTag: `ft${seq}` };
}
const hdr = (text, name) => (new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(text) || [])[1];

// An in-dialog request from the browser: to the Contact we were given.
function inDialog(method, inv, ok, cseq) {
  const target = /<([^>]+)>/.exec(hdr(ok, 'Contact'))[1];
  return `${method} ${target} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bK${method}${Date.now()}\r\n`
    + `Max-Forwards: 70\r\nTo: ${hdr(ok, 'To')}\r\nFrom: ${hdr(ok, 'From')}\r\nCall-ID: ${inv.callId}\r\n`
    + `CSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`;
}

// Frames until one matches re (others are kept aside).
async function until(ws, re, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const f = await ws.next(Math.max(10, end - Date.now()));
    if (re.test(f)) return f;
  }
}

// True once something (sipp) holds the UDP port.
function portTaken(port) {
  return new Promise((resolve) => {
    const s = require('node:dgram').createSocket('udp4');
    s.on('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

// A sipp UAS on a port of its own (calls reach it by dialling
// "<name>-p<port>", see the routes file), listening when this returns: a
// late retransmission of one test can never reach the next test's sipp.
// A free port can be taken between the check and sipp's bind (sipp also
// binds the media port and the ones above it): then sipp exits at once,
// and another pair of ports is tried.
async function sipp(suite, scenario, args = []) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = suite.spawn('sipp', 'sipp', ['-sf', path.join(ROOT, 'tests/sipp', scenario), '-i', '127.0.0.1',
      '-p', String(port), '-m', '1', '-timeout', '20s', '-timeout_error', '-nostdin',
      '-mp', String(await freePort()), '-trace_msg', '-message_file',
      path.join(suite.tmp, `sipp-${scenario}-${port}.msg`), ...args], {});
    p.port = port;
    p.to = (name) => `${name}-p${port}`;
    try {
      await waitFor(async () => {
        if (p.exitCode !== null) throw new Error(`sipp exited: ${suite.log(p).slice(-500)}`);
        return portTaken(port);
      }, 10000, 'sipp listening');
      return p;
    } catch (e) {
      if (attempt >= 3 || p.exitCode === null) throw e;
    }
  }
}

function reply(req, code, phrase, { tag, body, extra = '' } = {}) {
  const to = hdr(req, 'To') + (tag && !/;tag=/.test(hdr(req, 'To')) ? `;tag=${tag}` : '');
  return `SIP/2.0 ${code} ${phrase}\r\nVia: ${hdr(req, 'Via')}\r\nFrom: ${hdr(req, 'From')}\r\nTo: ${to}\r\n`
    + `Call-ID: ${hdr(req, 'Call-ID')}\r\nCSeq: ${hdr(req, 'CSeq')}\r\n${extra}`
    + (body ? `Content-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      : 'Content-Length: 0\r\n\r\n');
}

module.exports = { DOMAIN, webSdp, invite, hdr, inDialog, until, portTaken, sipp, reply };
