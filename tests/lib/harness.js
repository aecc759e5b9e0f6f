// Test harness: a real nats-server and the real rtcgate services as
// processes, on free loopback ports, in a temporary folder per test file.
'use strict';
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const { spawn } = require('node:child_process');
const WebSocket = require('ws');
const { connect, StringCodec } = require('nats');

const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.resolve(ROOT, process.env.BUILD || 'build/release');
const sc = StringCodec();

// A port free for TCP and UDP alike (SIP and RTP peers use UDP).
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => {
        const u = require('node:dgram').createSocket('udp4');
        u.on('error', () => { u.close(); resolve(freePort()); });
        u.bind(port, '127.0.0.1', () => u.close(() => resolve(port)));
      });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}

function httpsGet(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    }).on('error', reject);
  });
}

class Suite {
  constructor(name) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rtcgate-${name}-`));
    this.procs = [];
    this.env = {};
    this.seq = 0;
  }

  // nats-server with JetStream; returns its URL.
  async startNats() {
    this.natsPort = await freePort();
    fs.writeFileSync(path.join(this.tmp, 'nats.conf'),
      'jetstream { max_memory_store: 64MB, max_file_store: 256MB }\n');
    this.nats = this.spawn('nats', 'nats-server', ['-a', '127.0.0.1', '-p', String(this.natsPort),
      '-js', '-sd', path.join(this.tmp, 'js'), '-c', path.join(this.tmp, 'nats.conf')], {});
    this.natsUrl = `nats://127.0.0.1:${this.natsPort}`;
    this.nc = await waitFor(() => connect({ servers: `127.0.0.1:${this.natsPort}` }), 5000, 'nats');
    this.env.NATS_URL = this.natsUrl;
    return this.natsUrl;
  }

  spawn(name, cmd, args, env) {
    const logPath = path.join(this.tmp, `${name}.${this.seq++}.log`);
    const log = fs.openSync(logPath, 'w');
    // sanitizer settings of tests/run.sh (exit code 23 on a report, LSan
    // suppressions) reach the services too
    const san = Object.fromEntries(['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']
      .filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
    const p = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...san, ...env }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    p.name = name;
    p.logPath = logPath;
    p.exited = new Promise((r) => p.on('exit', (code, signal) => r({ code, signal })));
    this.procs.push(p);
    return p;
  }

  // A service as a process; env adds to the suite's.
  service(kind, env = {}) {
    const id = env.RTCGATE_INSTANCE_ID || `${kind}-t${process.pid}-${this.seq}`;
    const p = this.spawn(kind, path.join(BUILD, 'bin', `rtcgate-${kind}`), [],
      { RTCGATE_LOG_LEVEL: 'debug', ...this.env, RTCGATE_INSTANCE_ID: id, ...env });
    p.id = id;
    return p;
  }

  async wsgw(env = {}) {
    const port = await freePort();
    const p = this.service('wsgw', { RTCGATE_WSS_ADDR: '127.0.0.1', RTCGATE_WSS_PORT: String(port),
      RTCGATE_WEB_ROOT: path.join(ROOT, 'web/public'), ...env });
    p.port = port;
    p.url = `wss://127.0.0.1:${port}`;
    await waitFor(() => httpsGet(`https://127.0.0.1:${port}/healthz`).then(() => true), 10000, 'wsgw');
    return p;
  }

  async health(kind, id, timeout = 2000) {
    const subj = id ? `rtcgate.health.${kind}.${id}` : `rtcgate.health.${kind}`;
    const r = await this.nc.request(subj, sc.encode('{"v":1,"kind":"health_req"}'), { timeout });
    return JSON.parse(sc.decode(r.data));
  }

  async counter(kind, id, name) {
    return (await this.health(kind, id)).counters[name];
  }

  async request(subj, obj, timeout = 2000) {
    const r = await this.nc.request(subj, sc.encode(JSON.stringify(obj)), { timeout });
    return JSON.parse(sc.decode(r.data));
  }

  async stop(p, signal = 'SIGTERM') {
    if (p.exitCode !== null || p.signalCode !== null) return p.exited;
    p.kill(signal);
    return p.exited;
  }

  log(p) {
    try { return fs.readFileSync(p.logPath, 'utf8'); } catch (e) { return ''; }
  }

  // Waits until a b2bua has heard the heartbeats of n media nodes (its
  // "media node ... joined" log lines): a fixed sleep was too short on a
  // loaded machine, and a call placed before gets 503.
  async mediaJoined(b2b, n = 1, ms = 20000) {
    await waitFor(() => (this.log(b2b).match(/media node \S+ joined/g) || []).length >= n, ms,
      `${n} media node(s) joined ${b2b.name}`);
  }

  // Stops every service with SIGTERM (so sanitizer builds report leaks at
  // exit), then nats-server; fails when any process logged a sanitizer
  // report or exited with ASan's exit code.
  async close() {
    const svcs = this.procs.filter((p) => p !== this.nats);
    await Promise.all(svcs.map((p) => this.stopWithin(p, 6000)));
    if (this.nc) await this.nc.close().catch(() => {});
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => p.exited));
    const bad = this.procs.filter((p) => p.exitCode === 23 ||
      /ERROR: (Address|Leak)Sanitizer|runtime error:/.test(this.log(p)));
    const report = bad.map((p) => `${p.name} (${p.logPath}):\n${this.log(p).slice(-4000)}`).join('\n');
    if (!process.env.KEEP_TMP && !bad.length) fs.rmSync(this.tmp, { recursive: true, force: true });
    if (bad.length) throw new Error(`sanitizer report from ${bad.map((p) => p.name)}:\n${report}`);
  }

  // SIGTERM; a second one after a second (mediad drains its calls on the
  // first and quits at once on the second, still reporting leaks); SIGKILL
  // only past ms.
  async stopWithin(p, ms) {
    if (p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const again = setTimeout(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM'); }, 1000);
    const t = setTimeout(() => p.kill('SIGKILL'), ms);
    await p.exited;
    clearTimeout(again);
    clearTimeout(t);
  }
}

// A raw SIP-over-WebSocket client with a queue of received frames.
async function wsClient(url, protocol = 'sip', opts = {}) {
  const ws = new WebSocket(url, protocol, { rejectUnauthorized: false, ...opts });
  ws.frames = [];
  ws.waiters = [];
  ws.on('message', (d) => {
    const s = d.toString();
    const w = ws.waiters.shift();
    if (w) w(s); else ws.frames.push(s);
  });
  ws.closed = new Promise((r) => ws.on('close', (code) => r(code)));
  await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
  ws.next = (ms = 3000) => {
    if (ws.frames.length) return Promise.resolve(ws.frames.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { ws.waiters.splice(ws.waiters.indexOf(f), 1); reject(new Error('no frame')); }, ms);
      const f = (s) => { clearTimeout(t); resolve(s); };
      ws.waiters.push(f);
    });
  };
  return ws;
}

let cseq = 1;
function sipRequest(method, ruri, { user = 'alice', domain = 'example.com', callId, headers = '', body = '' } = {}) {
  const cid = callId || `cid-${process.pid}-${cseq}`;
  return `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/WSS t.invalid;branch=z9hG4bK${Date.now()}${cseq}\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:${user}@${domain}>\r\nFrom: <sip:${user}@${domain}>;tag=t${cseq}\r\n`
    + `Call-ID: ${cid}\r\nCSeq: ${cseq++} ${method}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

module.exports = { Suite, wsClient, sipRequest, freePort, waitFor, sleep, httpsGet, sc, ROOT, BUILD };
