// Smoke test of the whole suite as processes: nats-server, the four
// services, a WebSocket client speaking SIP and a NATS client standing in
// for the registrar.  The detailed wsgw tests live in the other files.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const { spawn } = require('node:child_process');
const WebSocket = require('ws');
const { connect } = require('nats');
const { portRange } = require('../lib/ports');

const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.resolve(ROOT, process.env.BUILD || 'build/release');
const procs = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcgate-smoke-'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(cmd, args, env, name) {
  const log = fs.openSync(path.join(tmp, `${name}.log`), 'w');
  // from the repository's root, as make test runs it: the services' defaults
  // (RTCGATE_USERS=config/users.conf) are relative to it
  const p = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] });
  p.name = name;
  p.exited = new Promise((r) => p.on('exit', (code, signal) => r({ code, signal })));
  procs.push(p);
  return p;
}

function get(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

async function waitFor(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch (e) { /* retry */ }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function nextMessage(ws, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no frame')), ms);
    ws.once('message', (d) => { clearTimeout(t); resolve(d.toString()); });
  });
}

let nc; let wssPort; let env;

test.before(async () => {
  const natsPort = await freePort();
  wssPort = await freePort();
  fs.writeFileSync(path.join(tmp, 'nats.conf'),
    'jetstream { max_memory_store: 64MB, max_file_store: 256MB }\n');
  start('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js',
    '-sd', path.join(tmp, 'js'), '-c', path.join(tmp, 'nats.conf')], {}, 'nats');
  env = { NATS_URL: `nats://127.0.0.1:${natsPort}`, RTCGATE_LOG_LEVEL: 'debug' };
  nc = await waitFor(() => connect({ servers: `127.0.0.1:${natsPort}` }), 5000);
  const sipPort = await freePort();
  for (const s of ['registrar', 'b2bua', 'mediad']) {
    start(path.join(BUILD, 'bin', `rtcgate-${s}`), [], { ...env, RTCGATE_SIP_PORT: String(sipPort),
      RTCGATE_MEDIA_PORTS: portRange(__filename) }, s);
  }
  start(path.join(BUILD, 'bin', 'rtcgate-wsgw'), [], {
    ...env, RTCGATE_WSS_ADDR: '127.0.0.1', RTCGATE_WSS_PORT: String(wssPort),
    RTCGATE_WEB_ROOT: path.join(ROOT, 'web/public'), RTCGATE_INSTANCE_ID: 'edge-smoke',
  }, 'wsgw');
  await waitFor(async () => (await get(`https://127.0.0.1:${wssPort}/healthz`)).status === 200, 10000);
});

test.after(async () => {
  if (nc) await nc.close();
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('healthz lists all four services', async () => {
  const r = await get(`https://127.0.0.1:${wssPort}/healthz`);
  assert.equal(r.status, 200);
  const h = JSON.parse(r.body);
  for (const k of ['wsgw', 'registrar', 'b2bua', 'mediad']) {
    assert.equal(h.services[k].length, 1, k);
  }
});

test('a request goes over the bus to the b2bua and its answer comes back', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${wssPort}`, 'sip', { rejectUnauthorized: false });
  await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
  const frame = nextMessage(ws);
  ws.send('OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/WSS x.invalid;branch=z9hG4bK2\r\n'
    + 'Max-Forwards: 70\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n'
    + 'Call-ID: smoke1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
  const r = await frame;
  assert.match(r, /^SIP\/2\.0 200 OK\r\n/);
  assert.match(r, /\r\nAllow: [^\r]*INVITE/);
  assert.match(r, /Call-ID: smoke1/);
  ws.close();
});

test('SIGTERM stops every service cleanly within 5 s', async () => {
  for (const p of procs.filter((x) => x.name !== 'nats')) {
    const t0 = Date.now();
    p.kill('SIGTERM');
    const { code } = await p.exited;
    assert.equal(code, 0, `${p.name} exit code`);
    assert.ok(Date.now() - t0 < 5000, `${p.name} took ${Date.now() - t0} ms`);
  }
});
