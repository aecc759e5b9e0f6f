// Hostile clients at the b2bua's SIP-over-TLS port (RTCGATE_SIP_TLS_*,
// the b2bua's own TLS front end, services/b2bua/tlsfront.c): garbage
// bytes, a TLS handshake abandoned midway, clients that connect and send
// nothing, many connections at once, valid TLS connections carrying a
// truncated or an oversized SIP message, a TLS alert mid-stream, and 1000
// connect/handshake/close cycles. A second b2bua with small limits
// (RTCGATE_SIP_TLS_MAX_CONN 20, _MAX_PER_IP 10, _HANDSHAKE_TIMEOUT 2 s,
// _IDLE 3 s) shows each cap and deadline closing what it must and counting
// it. The b2buas stay up and take normal calls over TLS, whose responses
// name the client's real address in their top Via; descriptors and memory
// are printed (the figures in docs/b2bua.md come from these lines).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Suite, waitFor, sleep, freePort, wsClient } = require('../lib/harness');
const { register, status } = require('../lib/digest');
const { DOMAIN, webSdp, hdr, until, reply } = require('../lib/websip');

const suite = new Suite('b2bua-tls-hostile');
let gw; let b2b; let small; let media; let tlsPort;
const open = [];	// every socket this file opened, closed at the end

// Inbound TLS no longer touches sofia-sip's TLS code (its per-connection
// leak, tests/lsan-sofia-tls.supp): the b2buas here run with the suite's
// own LSan settings, no suppression, so a leak per connection is reported.
const SAN = Boolean(process.env.ASAN_OPTIONS) || /san/.test(process.env.BUILD || '');

function makeCert(name) {
  const cert = path.join(suite.tmp, `${name}.crt`);
  const key = path.join(suite.tmp, `${name}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

// Open descriptors and resident memory of a b2bua process.
function usage(p = b2b) {
  const fds = fs.readdirSync(`/proc/${p.pid}/fd`).length;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p.pid}/status`, 'utf8'))[1]);
  return { fds, rssKiB: rss };
}

// A plain TCP client; s.gone once the b2bua closed it.
function raw(bytes, { port = tlsPort, from = '127.0.0.1' } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from }, () => { if (bytes) s.write(bytes); resolve(s); });
    s.on('error', () => {});
    s.on('close', () => { s.gone = true; });
    open.push(s);
  });
}

// A TLS client, handshake done; s.gone once closed; s.text what came.
function tlsConn({ port = tlsPort, from = '127.0.0.1', socket } = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, localAddress: from, socket, rejectUnauthorized: false },
      () => resolve(s));
    s.on('error', reject);
    s.on('close', () => { s.gone = true; reject(new Error('closed before the handshake')); });
    s.text = '';
    s.on('data', (d) => { s.text += d.toString('latin1'); });
    open.push(s);
  });
}

// CRLF keep-alives (RFC 5626) every 500 ms while held.
function keepAlive(s) {
  const t = setInterval(() => { if (!s.gone) s.write('\r\n\r\n'); }, 500);
  s.on('close', () => clearInterval(t));
  return s;
}

async function alive(p = b2b) {
  const h = await suite.health('b2bua', p.id, 5000);
  assert.equal(h.service, 'b2bua');
  assert.equal(p.exitCode, null, 'the b2bua exited');
  return h;
}

const tlsCount = async (p, name) => (await suite.health('b2bua', p.id, 5000)).counters[`sip_tls_${name}`];

// A b2bua listening for TLS (on other ports when one was taken meanwhile).
async function startB2b(env) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = suite.service('b2bua', { RTCGATE_SIP_PORT: String(await freePort()), RTCGATE_SIP_IP: '127.0.0.1',
      RTCGATE_SIP_TLS_PORT: String(port), RTCGATE_SIP_TLS_CERT: suite.cert.cert, RTCGATE_SIP_TLS_KEY: suite.cert.key,
      RTCGATE_MEDIA_REQUEST_MS: '10000', ...env });
    const up = await waitFor(() => (p.exitCode !== null ? 'exited'
      : /SIP side on .*\(TLS\)/.test(suite.log(p)) && 'up'), 15000, 'b2bua listening');
    if (up === 'up') {
      p.tlsPort = port;
      return p;
    }
    if (attempt >= 3) throw new Error(`b2bua did not start: ${suite.log(p).slice(-400)}`);
  }
}

test.before(async () => {
  await suite.startNats();
  const users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(users, 'bob bob-secret\n');
  Object.assign(suite.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users, RTCGATE_NONCE_SECRET: 's' });
  suite.cert = makeCert('b2bua');
  suite.service('registrar');
  media = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: '26400-26499',
    RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_HEARTBEAT_MS: '200' });
  // 200 connections at once from 127.0.0.1 below: above the default 64
  b2b = await startB2b({ RTCGATE_SIP_TLS_MAX_PER_IP: '256' });
  tlsPort = b2b.tlsPort;
  small = await startB2b({ RTCGATE_SIP_TLS_MAX_CONN: '20', RTCGATE_SIP_TLS_MAX_PER_IP: '10',
    RTCGATE_SIP_TLS_HANDSHAKE_TIMEOUT: '2', RTCGATE_SIP_TLS_IDLE: '3' });
  gw = await suite.wsgw();
  await waitFor(() => suite.health('mediad', media.id), 5000, 'mediad');
  await suite.mediaJoined(b2b);
  await suite.mediaJoined(small);
});

test.after(async () => {
  for (const s of open) s.destroy();
  await suite.close();
});

// A PBX's call to bob over one TLS connection (to b2bua p, from address
// from); bob answers on the browser side; the PBX hangs up. The PBX's Via
// names an address it does not send from, with rport: the responses say
// where it really is (received, rport), over TLS, as if no front end
// stood between.
async function callOverTls(n, p = b2b, from = '127.0.0.1') {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'bob', pass: 'bob-secret' })).status, 200);
  const tlsPort = p.tlsPort; // eslint-disable-line no-shadow
  const peer = await tlsConn({ port: tlsPort, from });
  const sdp = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 36600 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
  const head = (method, cseq, extra = '') => `${method} sip:bob@127.0.0.1:${tlsPort};transport=tls SIP/2.0\r\n`
    + `Via: SIP/2.0/TLS 192.0.2.9:9;branch=z9hG4bKth${n}${method}${cseq};rport\r\nMax-Forwards: 70\r\n`
    + `From: <sip:pbx@127.0.0.1>;tag=pbx${n}\r\n`
    + `To: <sip:bob@${DOMAIN}>${extra}\r\nCall-ID: tls-hostile-${n}\r\nCSeq: ${cseq} ${method}\r\n`
    + 'Contact: <sip:pbx@127.0.0.1:9;transport=tls>\r\n';
  peer.write(`${head('INVITE', 1)}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
  const inv = await until(ws, /^INVITE /, 15000);
  // ringing first: the early dialog's Contact keeps it on TLS too
  ws.send(reply(inv, 180, 'Ringing', { tag: `bt${n}`, extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  const ringing = await waitFor(() => /SIP\/2\.0 180 [\s\S]*?\r\n\r\n/.exec(peer.text), 10000, '180 over TLS');
  assert.match(hdr(ringing[0], 'Contact'), new RegExp(`:${tlsPort};transport=tls>`), ringing[0]);
  ws.send(reply(inv, 200, 'OK', { tag: `bt${n}`, body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /, 10000);
  const ok = await waitFor(() => /SIP\/2\.0 200 [\s\S]*CSeq: 1 INVITE[\s\S]*\r\n\r\n/.test(peer.text) && peer.text,
    10000, '200 over TLS');
  const toTag = /\r\nTo: [^\r]*;tag=([^;\r]+)/i.exec(ok.slice(ok.indexOf('SIP/2.0 200')))[1];
  assert.match(hdr(ok.slice(ok.indexOf('SIP/2.0 200')), 'Contact'), /;transport=tls/);
  const via = hdr(ok.slice(ok.indexOf('SIP/2.0 200')), 'Via');
  assert.match(via, /^SIP\/2\.0\/TLS 192\.0\.2\.9:9;/, via);
  assert.match(via, new RegExp(`;received=${from.replace(/\./g, '\\.')}(;|$)`), via);
  assert.match(via, new RegExp(`;rport=${peer.localPort}(;|$)`), via);
  assert.doesNotMatch(ok, /rtcgate-tls/);
  peer.write(`${head('ACK', 1, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  peer.write(`${head('BYE', 2, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  const bye = await until(ws, /^BYE /, 10000);
  ws.send(reply(bye, 200, 'OK'));
  await waitFor(() => /SIP\/2\.0 200 [^\r]*\r\n[\s\S]*CSeq: 2 BYE/.test(peer.text), 10000, '200 for BYE over TLS');
  peer.destroy();
  ws.close();
  await waitFor(async () => (await suite.health('b2bua', p.id)).counters.calls_active === 0, 8000, 'no calls left');
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
    // garbage and plain SIP end their connection at once (a failed
    // handshake, counted); the silent ones wait for the handshake deadline
    await waitFor(() => socks.slice(0, 10).every((s) => s.gone) && socks[35].gone, 10000, 'garbage closed');
    assert.ok(await tlsCount(b2b, 'handshake_failed_total') >= 11);
    const closedByPeer = socks.filter((s) => s.gone).length;
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

test('RTCGATE_SIP_TLS_MAX_PER_IP: the 11th connection from one address is closed at once, others still come in', async () => {
  const before = await tlsCount(small, 'refused_per_ip_total');
  const held = [];
  for (let i = 0; i < 10; i++) held.push(keepAlive(await tlsConn({ port: small.tlsPort })));
  await assert.rejects(tlsConn({ port: small.tlsPort }), 'the 11th from 127.0.0.1 is refused');
  assert.equal(await tlsCount(small, 'refused_per_ip_total'), before + 1);
  // another address still gets in, and the held ones are untouched
  held.push(keepAlive(await tlsConn({ port: small.tlsPort, from: '127.0.0.2' })));
  assert.ok(held.every((s) => !s.gone));
  assert.equal(await tlsCount(small, 'connections'), 11);
  for (const s of held) s.destroy();
  await waitFor(async () => (await tlsCount(small, 'connections')) === 0, 10000, 'connections gone');
});

test('RTCGATE_SIP_TLS_MAX_CONN: the 21st connection is closed at once and counted; a call works once they left', async () => {
  const before = await tlsCount(small, 'refused_max_conn_total');
  const held = [];
  for (let i = 0; i < 10; i++) held.push(keepAlive(await tlsConn({ port: small.tlsPort, from: '127.0.0.1' })));
  for (let i = 0; i < 10; i++) held.push(keepAlive(await tlsConn({ port: small.tlsPort, from: '127.0.0.2' })));
  assert.equal(await tlsCount(small, 'connections'), 20);
  await assert.rejects(tlsConn({ port: small.tlsPort, from: '127.0.0.3' }), 'the 21st is refused');
  const r = await raw(null, { port: small.tlsPort, from: '127.0.0.3' });
  await waitFor(() => r.gone, 5000, 'a plain TCP client closed at once too');
  assert.equal(await tlsCount(small, 'refused_max_conn_total'), before + 2);
  assert.ok(held.every((s) => !s.gone), 'the held connections are untouched');
  await alive(small);
  for (const s of held) s.destroy();
  await waitFor(async () => (await tlsCount(small, 'connections')) === 0, 10000, 'connections gone');
  await callOverTls(10, small, '127.0.0.3');
});

test('RTCGATE_SIP_TLS_HANDSHAKE_TIMEOUT: silent clients and half-done handshakes are closed and counted', async () => {
  const before = await tlsCount(small, 'timeouts_handshake_total');
  const partialHello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
    Buffer.alloc(40, 0x41)]);
  const socks = [];
  for (let i = 0; i < 3; i++) socks.push(await raw(null, { port: small.tlsPort }));
  for (let i = 0; i < 3; i++) socks.push(await raw(partialHello, { port: small.tlsPort }));
  await waitFor(() => socks.every((s) => s.gone), 20000, 'all closed by the b2bua');
  assert.equal(await tlsCount(small, 'timeouts_handshake_total'), before + 6);
  assert.equal(await tlsCount(small, 'connections'), 0);
});

test('RTCGATE_SIP_TLS_IDLE: a silent TLS connection is closed, one sending keep-alives is not', async () => {
  const before = await tlsCount(small, 'timeouts_idle_total');
  const quiet = await tlsConn({ port: small.tlsPort });
  const chatty = keepAlive(await tlsConn({ port: small.tlsPort }));
  await waitFor(() => quiet.gone, 20000, 'the silent connection closed');
  assert.equal(await tlsCount(small, 'timeouts_idle_total'), before + 1);
  // the idle time again: the one with keep-alives is still there, and
  // sofia answered its pings (RFC 5626 pong) through the front end
  await sleep(3500);
  assert.ok(!chatty.gone, 'keep-alives keep a connection');
  assert.match(chatty.text, /^\r\n/);
  chatty.destroy();
  await waitFor(async () => (await tlsCount(small, 'connections')) === 0, 10000, 'connections gone');
});

test('garbage instead of a ClientHello, and a TLS alert mid-stream: closed, counted, the b2bua serves on', async () => {
  const hs = await tlsCount(small, 'handshake_failed_total');
  const se = await tlsCount(small, 'stream_errors_total');
  const tlsLines = () => (suite.log(small).match(/ b2bua\/tls /g) || []).length;
  const lines0 = tlsLines();
  const gs = [];
  for (let i = 0; i < 10; i++) gs.push(await raw(Buffer.from('GET / HTTP/1.0\r\n\r\n'.repeat(20)), { port: small.tlsPort }));
  await waitFor(() => gs.every((g) => g.gone), 5000, 'garbage closed');
  assert.equal(await tlsCount(small, 'handshake_failed_total'), hs + 10);
  // counted each, logged at most once (one line per kind per 10 s)
  assert.ok(tlsLines() - lines0 <= 1, `${tlsLines() - lines0} log lines for 10 failed handshakes`);
  // after the handshake, a plaintext fatal alert record on the raw socket
  const tcp = await raw(null, { port: small.tlsPort });
  const t = await tlsConn({ socket: tcp });
  // a request answered first: the handshake is over on the b2bua's side too
  t.write('OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKal1\r\nMax-Forwards: 70\r\n'
    + 'From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b2bua@127.0.0.1>\r\nCall-ID: alert-1\r\nCSeq: 1 OPTIONS\r\n'
    + 'Content-Length: 0\r\n\r\n');
  await waitFor(() => /^SIP\/2\.0 200 [\s\S]*\r\n\r\n/.test(t.text), 5000, 'OPTIONS answered');
  // sofia's own answer names the TLS port it bound, which the front end took
  assert.match(hdr(t.text, 'Contact'), new RegExp(`^<sips:127\\.0\\.0\\.1:${small.tlsPort}>`));
  tcp.write(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
  await waitFor(() => t.gone || tcp.gone, 5000, 'closed after the alert');
  await waitFor(async () => (await tlsCount(small, 'stream_errors_total')) === se + 1, 5000, 'stream error counted');
  await alive(small);
  await callOverTls(11, small, '127.0.0.2');
});

test('1000 connect/handshake/close cycles: no descriptor or memory left behind', async () => {
  const cycle = async () => { const s = await tlsConn(); s.end(); await waitFor(() => s.gone, 5000, 'closed'); };
  for (let i = 0; i < 50; i++) await cycle();	// warm-up: the allocator's pools
  const u0 = usage();
  const accepted0 = await tlsCount(b2b, 'accepted_total');
  const N = 1000; const P = 8;
  await Promise.all(Array.from({ length: P }, async () => { for (let i = 0; i < N / P; i++) await cycle(); }));
  await waitFor(async () => (await tlsCount(b2b, 'connections')) === 0, 10000, 'connections gone');
  const u1 = usage();
  assert.equal(await tlsCount(b2b, 'accepted_total'), accepted0 + N);
  console.log(`# tls hostile: ${N} TLS connect/handshake/close cycles: fds ${u0.fds} -> ${u1.fds}, `
    + `rss ${u0.rssKiB} -> ${u1.rssKiB} KiB (${u1.rssKiB - u0.rssKiB} KiB)`);
  assert.ok(u1.fds <= u0.fds + 2, `descriptors ${u0.fds} -> ${u1.fds}`);
  // ASan's quarantine holds freed memory: RSS says nothing there (LSan at
  // exit does the leak check)
  if (!SAN) assert.ok(u1.rssKiB - u0.rssKiB < 4096, `rss grew ${u1.rssKiB - u0.rssKiB} KiB`);
  await alive();
});

test('RTCGATE_SIP_IP=0.0.0.0: sofia binds TLS on every local address, the front end takes them all', async () => {
  const wild = await startB2b({ RTCGATE_SIP_IP: '0.0.0.0' });
  const t = await tlsConn({ port: wild.tlsPort });
  t.write('OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 192.0.2.9:9;branch=z9hG4bKw1;rport\r\nMax-Forwards: 70\r\n'
    + 'From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b2bua@127.0.0.1>\r\nCall-ID: wild-1\r\nCSeq: 1 OPTIONS\r\n'
    + 'Content-Length: 0\r\n\r\n');
  await waitFor(() => /^SIP\/2\.0 200 [\s\S]*\r\n\r\n/.test(t.text), 5000, 'OPTIONS answered');
  // through the front end (counted, the client's port in rport), not sofia's own TLS server
  assert.equal(await tlsCount(wild, 'accepted_total'), 1);
  assert.match(hdr(t.text, 'Via'), new RegExp(`;rport=${t.localPort}(;|$)`));
  t.destroy();
  await suite.stop(wild);
});
