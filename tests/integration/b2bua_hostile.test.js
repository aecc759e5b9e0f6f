// Hostile input at the b2bua's SIP port, over UDP and TCP, in the spirit
// of RFC 4475's torture tests (messages written here, not copied): the
// invalid ones are answered 4xx or dropped, the valid-but-odd ones are
// handled, and the b2bua keeps serving.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const { Suite, wsClient, waitFor, sleep } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register } = require('../lib/digest');

const suite = new Suite('b2bua-hostile');
let b2b; let gw; let h;

function msg(first, headers, body = '') {
  return `${first}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}
const base = (m, n) => [`Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKt${n}`, 'Max-Forwards: 70',
  `From: <sip:t@example.com>;tag=t${n}`, `To: <sip:${m}@example.com>`, `Call-ID: torture-${n}`];

const SDP = 'v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

const HOSTILE = [
  Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x80]),
  'INVITE sip:x@example.com SIP/2.0\r\n\r\n',
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 1), 'CSeq: 1 INVITE', 'Content-Length: 9999'], SDP),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 2), 'CSeq: 1 INVITE', 'Content-Length: -5'], SDP),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 3), 'CSeq: 36893488147419103232 INVITE', 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 4).filter((h) => !h.startsWith('Call-ID')), 'CSeq: 1 INVITE', 'Content-Length: 0']),
  msg('!interesting-Method0123456789_*+`.%indeed\'~ sip:x@example.com SIP/2.0', [...base('x', 5), 'CSeq: 1 !interesting-Method0123456789_*+`.%indeed\'~', 'Content-Length: 0']),
  msg('INVITE nosuchscheme:foo SIP/2.0', [...base('x', 6), 'CSeq: 1 INVITE', 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 7), 'CSeq: 1 INVITE', 'Content-Length: 3', 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/7.0', [...base('x', 8), 'CSeq: 1 INVITE', 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 9), 'CSeq: 1 INVITE', `X-Big: ${'a'.repeat(60000)}`, 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 10), 'CSeq: 1 INVITE', 'Max-Forwards: 0', 'Content-Length: 0']),
  msg('INVITE sip:x@example.com SIP/2.0', [...base('x', 11), 'CSeq: 1 INVITE', 'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`], SDP.replace('m=audio 9', 'm=audio 99999999')),
  'INVITE sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\u0000:9\r\n\r\n',
];

// Valid but unusual (folded headers, compact forms, odd spacing): handled.
const ODD = msg('INVITE   sip:nobody@example.com   SIP/2.0', ['v: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bKodd1',
  'Max-Forwards: 70', 'f: <sip:t@example.com>\r\n  ;tag=odd1', 't:\r\n <sip:nobody@example.com>',
  'i: odd-call-1', 'CSeq: 8\r\n   INVITE', 'c: application/sdp', `l: ${SDP.length}`], SDP);

test.before(async () => {
  h = await startB2bSuite(suite, { mediaPorts: portRange(__filename), nonceSecret: null,
    b2bEnv: { RTCGATE_MAX_CALLS: '1', RTCGATE_RING_TIMEOUT: '2' } });
  ({ b2b, gw } = h);
});

test.after(() => suite.close());

test('hostile messages over UDP and TCP: the b2bua stays up and answers a valid odd INVITE', async () => {
  const udp = dgram.createSocket('udp4');
  const got = [];
  udp.on('message', (m) => got.push(m.toString()));
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  for (const h of HOSTILE) udp.send(typeof h === 'string' ? Buffer.from(h) : h, b2b.sipPort, '127.0.0.1');
  // The same over TCP, one connection each, some cut short.
  for (const h of HOSTILE) {
    const s = net.connect(b2b.sipPort, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    s.on('error', () => {});
    s.write(typeof h === 'string' ? h : Buffer.from(h));
    s.end();
  }
  const half = net.connect(b2b.sipPort, '127.0.0.1');
  half.on('error', () => {});
  half.write('INVITE sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKh\r\nContent-Len');
  await sleep(500);
  half.destroy();
  for (const r of got) assert.match(r, /^SIP\/2\.0 [3-6]\d\d /, r.slice(0, 80));
  assert.equal(b2b.exitCode, null, 'still running');
  // A valid INVITE in odd spelling: handled (nobody registered: 480).
  const port = udp.address().port;
  got.length = 0;
  udp.send(ODD.replace('PORT', String(port)), b2b.sipPort, '127.0.0.1');
  const r = await waitFor(() => got.find((x) => /^SIP\/2\.0 [2-6]\d\d /.test(x) && /odd-call-1/.test(x)), 5000,
    'an answer to the odd INVITE');
  assert.match(r, /^SIP\/2\.0 480 /);
  udp.close();
  const h = await suite.health('b2bua', b2b.id);
  await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 5000, 'no calls');
  assert.ok(h.counters.sip_invites_in_total >= 1);
});

test('at RTCGATE_MAX_CALLS a new call gets 503 with Retry-After; the ringing one ends at the ring timeout', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const udp = dgram.createSocket('udp4');
  const got = [];
  udp.on('message', (m) => got.push(m.toString()));
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  const inv = (n) => msg('INVITE sip:alice@example.com SIP/2.0', [
    `Via: SIP/2.0/UDP 127.0.0.1:${udp.address().port};branch=z9hG4bKmax${n}`, 'Max-Forwards: 70',
    `From: <sip:pbx@127.0.0.1>;tag=m${n}`, 'To: <sip:alice@example.com>', `Call-ID: max-${n}`,
    'CSeq: 1 INVITE', `Contact: <sip:pbx@127.0.0.1:${udp.address().port}>`, 'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`], SDP);
  udp.send(inv(1), b2b.sipPort, '127.0.0.1');
  await ws.next(5000);	// the browser rings (it never answers)
  udp.send(inv(2), b2b.sipPort, '127.0.0.1');
  const busy = await waitFor(() => got.find((x) => /max-2/.test(x) && /^SIP\/2\.0 503 /.test(x)), 5000, '503');
  assert.match(busy, /\r\nRetry-After: \d+/i);
  const timeout = await waitFor(() => got.find((x) => /max-1/.test(x) && /^SIP\/2\.0 408 /.test(x)), 6000, '408');
  assert.ok(timeout);
  await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 5000, 'no calls');
  udp.close();
  ws.close();
});
