// A client host of the cluster test: runs inside its own network namespace
// (ip netns exec) and is driven by the test over the IPC channel.
//   {id, op: 'open', key, url, user, pass, domain}   SIP over WSS, REGISTER
//   {id, op: 'invite', key, to}     -> {status, callId, mediaIp, owner}
//   {id, op: 'bye', callId}         -> {status}
//   {id, op: 'byes'}                -> calls the network hung up: {callId: ms since epoch}
//   {id, op: 'jssip', key, urls, user, pass, domain}  a JsSIP UA with a list of
//       servers; its events come as {ev: 'jssip', key, type, url}
// Answers are {id, result} or {id, error}.  Calls carry a fixed WebRTC
// offer and never send media: the checks here are about signalling and
// where sessions land, and mediad keeps a session without packets for
// RTCGATE_MEDIA_TIMEOUT.
'use strict';
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const { wsClient } = require('../lib/harness');
const { register } = require('../lib/digest');

const conns = new Map();	// key -> { ws, user, domain, pending: Map }
const calls = new Map();	// callId -> { conn, inv, ok }
const byes = {};
const uas = new Map();

const FP = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
const SDP = 'v=0\r\no=- 4611 2 IN IP4 10.77.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
  + 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\nc=IN IP4 0.0.0.0\r\n'
  + 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n'
  + `a=fingerprint:sha-256 ${FP}\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n`
  + 'a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n'
  + 'a=rtpmap:126 telephone-event/8000\r\n';

const hdr = (text, name) => (new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(text) || [])[1];
let seq = 0;

function reply(req, code, phrase) {
  return `SIP/2.0 ${code} ${phrase}\r\nVia: ${hdr(req, 'Via')}\r\nFrom: ${hdr(req, 'From')}\r\n`
    + `To: ${hdr(req, 'To')}\r\nCall-ID: ${hdr(req, 'Call-ID')}\r\nCSeq: ${hdr(req, 'CSeq')}\r\n`
    + 'Content-Length: 0\r\n\r\n';
}

// After REGISTER: every frame of the connection goes through here.
async function pump(c) {
  for (;;) {
    let f;
    try { f = await c.ws.next(24 * 3600 * 1000); } catch (e) { return; }
    const cid = hdr(f, 'Call-ID');
    if (/^BYE /.test(f)) {
      if (!(cid in byes)) byes[cid] = Date.now();
      c.ws.send(reply(f, 200, 'OK'));
    } else if (/^SIP\/2\.0 /.test(f)) {
      const code = Number(f.slice(8, 11));
      const key = `${cid} ${hdr(f, 'CSeq')}`;
      const w = c.pending.get(key);
      if (w && code >= 200) { c.pending.delete(key); w(f); }
    }
  }
}

// Sends a request and resolves with its final response (or a timeout).
function transact(c, msg, key, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { c.pending.delete(key); reject(new Error(`no answer to ${key}`)); }, ms);
    c.pending.set(key, (f) => { clearTimeout(t); resolve(f); });
    c.ws.send(msg);
  });
}

const ops = {
  async open({ key, url, user, pass, domain }) {
    const ws = await wsClient(url);
    const r = await register(ws, { user, pass, domain, expires: 600 });
    if (r.status !== 200) throw new Error(`REGISTER ${user}: ${r.status}`);
    const c = { ws, user, domain, pending: new Map() };
    conns.set(key, c);
    pump(c);
    return { status: r.status };
  },

  async invite({ key, to }) {
    const c = conns.get(key);
    const n = ++seq;
    const callId = `cl-${process.pid}-${n}`;
    const msg = `INVITE sip:${to}@${c.domain} SIP/2.0\r\nVia: SIP/2.0/WSS c.invalid;branch=z9hG4bK${Date.now()}x${n}\r\n`
      + `Max-Forwards: 70\r\nTo: <sip:${to}@${c.domain}>\r\nFrom: <sip:${c.user}@${c.domain}>;tag=ft${n}\r\n`
      + `Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:${c.user}@c.invalid;transport=ws;ob>\r\n`
      + `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(SDP)}\r\n\r\n${SDP}`;
    const ok = await transact(c, msg, `${callId} 1 INVITE`, 15000);
    const status = Number(ok.slice(8, 11));
    if (status !== 200) return { status, callId };
    const target = /<([^>]+)>/.exec(hdr(ok, 'Contact'))[1];
    calls.set(callId, { c, target, to: hdr(ok, 'To'), from: hdr(ok, 'From'), cseq: 1 });
    c.ws.send(inDialog(calls.get(callId), callId, 'ACK', 1));
    const media = /\r\nc=IN IP4 ([0-9.]+)/.exec(ok);
    const owner = /rtcgate-owner=([^;>\s]+)/.exec(hdr(ok, 'Contact') || '');
    return { status, callId, mediaIp: media && media[1], owner: owner && owner[1] };
  },

  async bye({ callId }) {
    const call = calls.get(callId);
    const cseq = ++call.cseq;
    const r = await transact(call.c, inDialog(call, callId, 'BYE', cseq), `${callId} ${cseq} BYE`);
    calls.delete(callId);
    return { status: Number(r.slice(8, 11)) };
  },

  async byes() { return byes; },

  async jssip({ key, urls, user, pass, domain }) {
    const JsSIP = require('jssip');
    global.WebSocket = require('ws');
    const ua = new JsSIP.UA({
      sockets: urls.map(({ url, weight }) => ({ socket: new JsSIP.WebSocketInterface(url), weight })),
      uri: `sip:${user}@${domain}`, password: pass, register: true, register_expires: 600,
      connection_recovery_min_interval: 1, connection_recovery_max_interval: 2,
    });
    const send = (type, extra = {}) => process.send({ ev: 'jssip', key, type, ...extra });
    ua.on('connected', (e) => send('connected', { url: e.socket.url }));
    ua.on('disconnected', () => send('disconnected'));
    ua.on('registered', () => send('registered', { url: ua._transport && ua._transport.socket.url }));
    ua.on('registrationFailed', (e) => send('registrationFailed', { cause: e.cause }));
    uas.set(key, ua);
    ua.start();
    return {};
  },
};

function inDialog(call, callId, method, cseq) {
  return `${method} ${call.target} SIP/2.0\r\nVia: SIP/2.0/WSS c.invalid;branch=z9hG4bK${method}${Date.now()}${cseq}\r\n`
    + `Max-Forwards: 70\r\nTo: ${call.to}\r\nFrom: ${call.from}\r\nCall-ID: ${callId}\r\n`
    + `CSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`;
}

process.on('message', async (m) => {
  try {
    process.send({ id: m.id, result: await ops[m.op](m) });
  } catch (e) {
    process.send({ id: m.id, error: e.message });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ev: 'ready' });
