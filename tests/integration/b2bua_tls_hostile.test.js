// Hostile clients at the b2bua's SIP-over-TLS port (RTCGATE_SIP_TLS_*,
// sofia-sip's TLS transport): garbage bytes, a TLS handshake abandoned
// midway, clients that connect and send nothing, many connections at once,
// and valid TLS connections carrying a truncated or an oversized SIP
// message. The b2bua stays up and, with all of that still connected, takes
// a normal call over TLS; its descriptors and memory are printed (the
// figures in docs/b2bua.md come from these lines).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Suite, waitFor, sleep, freePort, ROOT, wsClient } = require('../lib/harness');
const { register, status } = require('../lib/digest');
const { DOMAIN, webSdp, hdr, until, reply } = require('../lib/websip');

const suite = new Suite('b2bua-tls-hostile');
let gw; let b2b; let media; let tlsPort;
const open = [];	// every socket this file opened, closed at the end

const SAN_TLS = process.env.ASAN_OPTIONS || /san/.test(process.env.BUILD || '') ? {
  ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:exitcode=23'}:fast_unwind_on_malloc=0`,
  LSAN_OPTIONS: `suppressions=${path.join(ROOT, 'tests/lsan-sofia-tls.supp')}:print_suppressions=0`,
} : {};

function makeCert(name) {
  const cert = path.join(suite.tmp, `${name}.crt`);
  const key = path.join(suite.tmp, `${name}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

// Open descriptors and resident memory of the b2bua process.
function usage() {
  const fds = fs.readdirSync(`/proc/${b2b.pid}/fd`).length;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${b2b.pid}/status`, 'utf8'))[1]);
  return { fds, rssKiB: rss };
}

function raw(bytes) {
  return new Promise((resolve) => {
    const s = net.connect(tlsPort, '127.0.0.1', () => { if (bytes) s.write(bytes); resolve(s); });
    s.on('error', () => {});
    open.push(s);
  });
}

function tlsConn() {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false }, () => resolve(s));
    s.on('error', reject);
    s.text = '';
    s.on('data', (d) => { s.text += d.toString('latin1'); });
    open.push(s);
  });
}

async function alive() {
  const h = await suite.health('b2bua', b2b.id, 5000);
  assert.equal(h.service, 'b2bua');
  assert.equal(b2b.exitCode, null, 'the b2bua exited');
  return h;
}

test.before(async () => {
  await suite.startNats();
  const users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(users, 'bob bob-secret\n');
  Object.assign(suite.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users, RTCGATE_NONCE_SECRET: 's' });
  const cert = makeCert('b2bua');
  suite.service('registrar');
  media = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: '26400-26499',
    RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_HEARTBEAT_MS: '200' });
  for (let attempt = 1; ; attempt++) {
    tlsPort = await freePort();
    b2b = suite.service('b2bua', { RTCGATE_SIP_PORT: String(await freePort()), RTCGATE_SIP_IP: '127.0.0.1',
      RTCGATE_SIP_TLS_PORT: String(tlsPort), RTCGATE_SIP_TLS_CERT: cert.cert, RTCGATE_SIP_TLS_KEY: cert.key,
      RTCGATE_MEDIA_REQUEST_MS: '10000', ...SAN_TLS });
    const up = await waitFor(() => (b2b.exitCode !== null ? 'exited'
      : /SIP side on .*\(TLS\)/.test(suite.log(b2b)) && 'up'), 15000, 'b2bua listening');
    if (up === 'up') break;
    if (attempt >= 3) throw new Error(`b2bua did not start: ${suite.log(b2b).slice(-400)}`);
  }
  gw = await suite.wsgw();
  await waitFor(() => suite.health('mediad', media.id), 5000, 'mediad');
  await suite.mediaJoined(b2b);
});

test.after(async () => {
  for (const s of open) s.destroy();
  await suite.close();
});

// A PBX's call to bob over one TLS connection; bob answers on the browser
// side; the PBX hangs up.
async function callOverTls(n) {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'bob', pass: 'bob-secret' })).status, 200);
  const peer = await tlsConn();
  const sdp = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 36600 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
  const head = (method, cseq, extra = '') => `${method} sip:bob@127.0.0.1:${tlsPort};transport=tls SIP/2.0\r\n`
    + `Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKth${n}${method}${cseq}\r\nMax-Forwards: 70\r\n`
    + `From: <sip:pbx@127.0.0.1>;tag=pbx${n}\r\n`
    + `To: <sip:bob@${DOMAIN}>${extra}\r\nCall-ID: tls-hostile-${n}\r\nCSeq: ${cseq} ${method}\r\n`
    + 'Contact: <sip:pbx@127.0.0.1:9;transport=tls>\r\n';
  peer.write(`${head('INVITE', 1)}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
  const inv = await until(ws, /^INVITE /, 15000);
  ws.send(reply(inv, 200, 'OK', { tag: `bt${n}`, body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /, 10000);
  const ok = await waitFor(() => /SIP\/2\.0 200 [\s\S]*CSeq: 1 INVITE[\s\S]*\r\n\r\n/.test(peer.text) && peer.text,
    10000, '200 over TLS');
  const toTag = /\r\nTo: [^\r]*;tag=([^;\r]+)/i.exec(ok.slice(ok.indexOf('SIP/2.0 200')))[1];
  assert.match(hdr(ok.slice(ok.indexOf('SIP/2.0 200')), 'Contact'), /;transport=tls/);
  peer.write(`${head('ACK', 1, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  peer.write(`${head('BYE', 2, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  const bye = await until(ws, /^BYE /, 10000);
  ws.send(reply(bye, 200, 'OK'));
  await waitFor(() => /SIP\/2\.0 200 [^\r]*\r\n[\s\S]*CSeq: 2 BYE/.test(peer.text), 10000, '200 for BYE over TLS');
  peer.destroy();
  ws.close();
  await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 8000, 'no calls left');
}

test('garbage, abandoned handshakes and silent clients: the b2bua stays up and takes a call over TLS meanwhile',
  async () => {
    const u0 = usage();
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
    // a TLS record header promising 512 bytes of ClientHello, then 40
    const partialHello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
      Buffer.alloc(40, 0x41)]);
    const socks = [];
    for (let i = 0; i < 10; i++) socks.push(await raw(garbage));
    for (let i = 0; i < 10; i++) socks.push(await raw(partialHello));
    for (let i = 0; i < 10; i++) socks.push(await raw(null));
    for (let i = 0; i < 5; i++) socks.push(await tlsConn());	// handshake done, then silence
    // plain SIP on the TLS port
    socks.push(await raw('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    await alive();
    await callOverTls(1);
    await alive();
    const u1 = usage();
    console.log(`# tls hostile: ${socks.length} held connections: fds ${u0.fds} -> ${u1.fds}, `
      + `rss ${u0.rssKiB} -> ${u1.rssKiB} KiB`);
    // garbage ends its connection; the silent ones are still held
    const closedByPeer = socks.filter((s) => s.destroyed || s.readyState === 'closed').length;
    console.log(`# tls hostile: ${closedByPeer} of ${socks.length} closed by the b2bua`);
    for (const s of socks) s.destroy();
    await waitFor(() => usage().fds <= u0.fds + 2, 10000, 'descriptors back after the clients left');
  });

test('a valid TLS connection carrying truncated and oversized SIP: dropped, the b2bua stays up', async () => {
  const u0 = usage();
  // headers that never end, then the peer goes away
  let s = await tlsConn();
  s.write('INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKtr1\r\nMax-Forwards: 70\r\n');
  s.end();
  // a body shorter than its Content-Length, the connection kept
  s = await tlsConn();
  s.write('INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKtr2\r\n'
    + 'Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@x>\r\nCall-ID: trunc-2\r\nCSeq: 1 INVITE\r\n'
    + 'Content-Type: application/sdp\r\nContent-Length: 10000000\r\n\r\nv=0\r\n');
  // one header of 200 KB, and 2 MB of header lines without an end
  const big = await tlsConn();
  big.write(`OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nX-Big: ${'a'.repeat(200 * 1024)}\r\n`);
  const chunk = `X-Junk: ${'b'.repeat(1000)}\r\n`.repeat(64);
  for (let i = 0; i < 32 && !big.destroyed; i++) {
    big.write(chunk);
    await sleep(10);
  }
  await sleep(1000);
  await alive();
  const u1 = usage();
  console.log(`# tls hostile: after 2.2 MB of unterminated SIP: rss ${u0.rssKiB} -> ${u1.rssKiB} KiB, `
    + `connection ${big.destroyed ? 'closed by the b2bua' : 'still open'}`);
  // the b2bua must not buffer without bound: less than 64 MB more
  assert.ok(u1.rssKiB - u0.rssKiB < 64 * 1024, `rss grew ${u1.rssKiB - u0.rssKiB} KiB`);
  s.destroy();
  big.destroy();
  await callOverTls(2);
});

test('many TLS connections at once: all handshake, the b2bua stays up and serves a call', async () => {
  const u0 = usage();
  const N = 200;
  const res = await Promise.allSettled(Array.from({ length: N }, () => tlsConn()));
  const ok = res.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const u1 = usage();
  console.log(`# tls hostile: ${ok.length}/${N} concurrent TLS connections: fds ${u0.fds} -> ${u1.fds}, `
    + `rss ${u0.rssKiB} -> ${u1.rssKiB} KiB (${Math.round((u1.rssKiB - u0.rssKiB) / Math.max(1, ok.length))} KiB each)`);
  assert.equal(ok.length, N);
  await alive();
  await callOverTls(3);
  for (const s of ok) s.destroy();
  await waitFor(() => usage().fds <= u0.fds + 2, 15000, 'descriptors back');
});
