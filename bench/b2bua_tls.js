#!/usr/bin/env node
// The b2bua's TLS front end (services/b2bua/tlsfront.c): CPU of the b2bua
// process per TLS connection set-up (connect, handshake, close), and per
// relayed SIP message (OPTIONS -> 200 over TLS through the front end,
// against the same over plain TCP straight to sofia's port: the
// difference is what the front end adds: TLS, the relay hop and the Via
// rewrite).  A real nats-server and b2bua; the b2bua's own NUA answers
// the OPTIONS.  Figures: docs/BENCHMARKS.md, "b2bua: the TLS front end".
//   node bench/b2bua_tls.js [--conns N] [--exchanges N] [--par N] [--perf S]
// --perf S: a perf profile of the b2bua for S seconds of the TLS exchanges.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');
const { spawnSync } = require('node:child_process');
const { freePort, waitFor } = require('../tests/lib/harness');
const { cpuOf, rssOf, loadavg, benchSuite, perfRecord, perfReport } = require('./lib/bench');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CONNS = arg('conns', 1000);
const EXCH = arg('exchanges', 20000);
const PAR = arg('par', 8);
const PERF = arg('perf', 0);

function options(n, proto) {
  return `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/${proto} 192.0.2.1:5060;branch=z9hG4bKb${n};rport\r\n`
    + `Max-Forwards: 70\r\nFrom: <sip:bench@192.0.2.1>;tag=b${n}\r\nTo: <sip:b2bua@127.0.0.1>\r\n`
    + `Call-ID: bench-${proto}-${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
}

// One closed loop of OPTIONS exchanges on one connection.
async function exchanges(sock, proto, count, base) {
  let text = '';
  let waiting = null;
  sock.on('data', (d) => {
    text += d.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end >= 0 && waiting) { text = text.slice(end + 4); const w = waiting; waiting = null; w(); }
  });
  for (let i = 0; i < count; i++) {
    await new Promise((r) => { waiting = r; sock.write(options(base + i, proto)); });
  }
}

const tlsConnect = (port) => new Promise((resolve, reject) => {
  const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(s));
  s.on('error', reject);
});
const tcpConnect = (port) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => resolve(s));
  s.on('error', reject);
});

async function main() {
  const { suite } = await benchSuite('bench-b2bua-tls', [['bob', 'x']], { RTCGATE_DOMAIN: 'bench.test' });
  const cert = path.join(suite.tmp, 'c.pem');
  const key = path.join(suite.tmp, 'k.pem');
  spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1']);
  const sipPort = await freePort();
  const tlsPort = await freePort();
  const b2b = suite.service('b2bua', { RTCGATE_SIP_PORT: String(sipPort), RTCGATE_SIP_IP: '127.0.0.1',
    RTCGATE_SIP_TLS_PORT: String(tlsPort), RTCGATE_SIP_TLS_CERT: cert, RTCGATE_SIP_TLS_KEY: key,
    RTCGATE_SIP_TLS_MAX_PER_IP: '100000' });
  try {
    await waitFor(() => /SIP side on .*\(TLS\)/.test(suite.log(b2b)), 15000, 'b2bua');
    console.log(`load average at start: ${loadavg().join(' ')}`);

    // connection set-up: connect, handshake (TLS 1.3, RSA 2048), close
    let c0 = cpuOf(b2b.pid);
    let t0 = Date.now();
    let left = CONNS;
    await Promise.all(Array.from({ length: PAR }, async () => {
      while (left-- > 0) {
        const s = await tlsConnect(tlsPort);
        await new Promise((r) => { s.on('close', r); s.end(); });
      }
    }));
    let cpu = cpuOf(b2b.pid) - c0;
    console.log(`TLS set-ups: ${CONNS} in ${((Date.now() - t0) / 1000).toFixed(1)} s, b2bua CPU `
      + `${cpu.toFixed(2)} s: ${(cpu * 1000 / CONNS).toFixed(2)} ms per connection; rss ${rssOf(b2b.pid)} MiB`);

    // relayed messages: OPTIONS/200 over TLS through the front end, then
    // over TCP straight to sofia
    const perConn = Math.ceil(EXCH / PAR);
    const run = async (proto, connect, port) => {
      const socks = await Promise.all(Array.from({ length: PAR }, () => connect(port)));
      c0 = cpuOf(b2b.pid);
      t0 = Date.now();
      const prof = PERF && proto === 'TLS' ? perfRecord(suite.tmp, 'tls', b2b.pid, PERF) : null;
      await Promise.all(socks.map((s, i) => exchanges(s, proto, perConn, i * perConn)));
      if (prof) { await prof.done; console.log(perfReport(prof.file, { limit: 1, lines: 30 })); }
      cpu = cpuOf(b2b.pid) - c0;
      const secs = (Date.now() - t0) / 1000;
      for (const s of socks) s.destroy();
      const n = perConn * PAR;
      console.log(`${proto}: ${n} OPTIONS/200 exchanges on ${PAR} connections in ${secs.toFixed(1)} s `
        + `(${Math.round(n / secs)}/s), b2bua CPU ${cpu.toFixed(2)} s: ${(cpu * 1e6 / n).toFixed(0)} us per exchange`);
      return cpu * 1e6 / n;
    };
    const viaTls = await run('TLS', tlsConnect, tlsPort);
    const viaTcp = await run('TCP', tcpConnect, sipPort);
    console.log(`front end: ${((viaTls - viaTcp) / 2).toFixed(0)} us of b2bua CPU per relayed message `
      + `(half the difference per exchange: one request up, one response down)`);
    const m = /"sip_tls_via_fixed_total":(\d+)/.exec(JSON.stringify(await suite.health('b2bua', b2b.id)));
    if (m) console.log(`responses with a corrected Via: ${m[1]}`);
    console.log(`load average at the end: ${loadavg().join(' ')}`);
  } finally {
    await suite.close();
    fs.rmSync(suite.tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
