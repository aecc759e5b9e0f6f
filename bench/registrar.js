#!/usr/bin/env node
// Registrar benchmark: full digest REGISTERs through the real path
//   node client --WSS--> wsgw --NATS--> registrar --JetStream KV--> nats-server
// on N WebSocket connections, each a closed loop of
//   REGISTER -> 401 -> REGISTER + Authorization -> 200 (distinct users, Expires 600)
// for a fixed time after a warm-up.  Reports registrations/s, the latency of
// the authenticated REGISTER (request to 200: p50/p90/p99/max), and CPU
// seconds per 1,000 registrations of registrar, nats-server, wsgw and this
// client (from /proc/<pid>/stat), per registrar worker setting.
//
//   node bench/registrar.js [--conns 50] [--users 2000] [--duration 10]
//        [--warmup 2] [--runs 1] [--workers default,1] [--alg MD5|SHA-256]
//        [--rate 100000] [--json FILE] [--perf DIR]
//
// BUILD (env) selects the binaries, build/release by default (see
// tests/lib/harness.js).  wsgw's per-connection limit RTCGATE_WS_RATE (50
// SIP messages/s by default: 25 registrations/s per connection, silently
// dropping the rest) is raised to --rate for the benchmark; every other
// setting is the services' default except those set in serviceEnv() below.
// --perf DIR records a CPU profile of registrar, nats-server and wsgw over
// the measured window (perf record -e cpu-clock -g, one file per process
// and run) and prints the top symbols of each.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { wsClient, waitFor } = require('../tests/lib/harness');
const { cpuOf, threadsOf, selfCpu, pct, median, perfRecord: perfRecordTo, perfReport,
  benchSuite } = require('./lib/bench');
const { authHeader, challenges, status } = require('../tests/lib/digest');

const DOMAIN = 'example.com';

function parseArgs(argv) {
  const o = { conns: 50, users: 2000, duration: 10, warmup: 2, runs: 1,
    workers: 'default,1', alg: 'MD5', rate: 100000, json: null, perf: null };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o) || i + 1 >= argv.length) {
      console.error(`usage: ${path.basename(argv[1])} [--conns N] [--users N] [--duration S] `
        + '[--warmup S] [--runs N] [--workers default,1,...] [--alg MD5|SHA-256] [--rate N] [--json FILE] [--perf DIR]');
      process.exit(2);
    }
    const v = argv[++i];
    o[k] = typeof o[k] === 'number' ? Number(v) : v;
  }
  if (o.users < o.conns) o.users = o.conns;
  return o;
}


function serviceEnv(o) {
  return {
    RTCGATE_DOMAIN: DOMAIN,
    RTCGATE_WS_RATE: String(o.rate),
    RTCGATE_WS_MAX_PER_IP: String(Math.max(200, o.conns * 2)),
    RTCGATE_AUTH_MAX_FAILURES_IP: '1000000',	// one client address for all
  };
}

function registerText(u, cseq, extra) {
  return `REGISTER sip:${DOMAIN} SIP/2.0\r\n`
    + `Via: SIP/2.0/WSS ${u.host}.invalid;branch=z9hG4bK${u.name}x${cseq}\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:${u.name}@${DOMAIN}>\r\n`
    + `From: <sip:${u.name}@${DOMAIN}>;tag=${u.tag}\r\nCall-ID: ${u.callId}\r\n`
    + `CSeq: ${cseq} REGISTER\r\n`
    + `Contact: <sip:${u.name}@${u.host}.invalid;transport=ws>\r\nExpires: 600\r\n`
    + `User-Agent: rtcgate-bench\r\n${extra}Content-Length: 0\r\n\r\n`;
}

// The next frame answering CSeq cseq (late answers to an earlier, timed
// out request are skipped), or null after ms.
async function answer(ws, cseq, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return null;
    let f;
    try { f = await ws.next(left); } catch (e) { return null; }
    const m = f.match(/^CSeq:\s*(\d+)/mi);
    if (m && Number(m[1]) === cseq) return f;
  }
}

// One connection's closed loop until stopAt (performance.now() ms).
async function clientLoop(ws, users, o, st, win) {
  let k = 0;
  while (performance.now() < win.stop) {
    const u = users[k++ % users.length];
    const c1 = u.cseq++;
    ws.send(registerText(u, c1, ''));
    const r1 = await answer(ws, c1, 5000);
    if (!r1 || status(r1) !== 401) { st.errors[r1 ? status(r1) : 'timeout'] = (st.errors[r1 ? status(r1) : 'timeout'] || 0) + 1; continue; }
    const ch = challenges(r1).find((c) => c.algorithm === o.alg);
    if (!ch) { st.errors.no_challenge = (st.errors.no_challenge || 0) + 1; continue; }
    const c2 = u.cseq++;
    const auth = authHeader({ user: u.name, pass: u.pass, realm: ch.realm, nonce: ch.nonce,
      alg: o.alg, cnonce: `${u.tag}${c2}`, uri: `sip:${DOMAIN}` });
    const t1 = performance.now();
    ws.send(registerText(u, c2, auth));
    const r2 = await answer(ws, c2, 5000);
    const t2 = performance.now();
    const code = r2 ? status(r2) : 'timeout';
    if (t2 < win.start || t2 >= win.stop) continue;	// warm-up or after the end
    if (code !== 200) { st.errors[code] = (st.errors[code] || 0) + 1; continue; }
    st.lat.push(t2 - t1);
    st.ok++;
  }
}

async function oneRun(o, workers, runNo) {
  const res = { workers, run: runNo, load_before: os.loadavg().map((x) => +x.toFixed(2)) };
  const users = [];
  for (let i = 0; i < o.users; i++) {
    users.push({ name: `u${i}`, pass: `pw-${i}-secret`, cseq: 1, tag: `t${i}r${runNo}`,
      callId: `bench-${runNo}-${i}`, host: `h${i}` });
  }
  const { suite } = await benchSuite('bench-reg', users.map((u) => [u.name, u.pass]), serviceEnv(o));
  try {
    const reg = suite.service('registrar', workers === 'default' ? {} : { RTCGATE_REG_WORKERS: String(workers) });
    const gw = await suite.wsgw();
    await waitFor(() => suite.health('registrar', reg.id), 10000, 'registrar');
    await waitFor(() => suite.health('wsgw', gw.id), 10000, 'wsgw');

    const conns = [];
    for (let i = 0; i < o.conns; i++) conns.push(await wsClient(gw.url));
    // user i belongs to connection i % conns: disjoint sets, round robin
    const per = conns.map((_, i) => users.filter((_u, j) => j % o.conns === i));

    const st = { ok: 0, lat: [], errors: {} };
    const t0 = performance.now();
    const win = { start: t0 + o.warmup * 1000, stop: t0 + (o.warmup + o.duration) * 1000 };
    const pids = { registrar: reg.pid, nats: suite.nats.pid, wsgw: gw.pid };
    let cpu0; let cpu1; let thr0; let thr1;
    const sample = () => ({ ...Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuOf(p)])),
      client: selfCpu(), t: performance.now() });
    const perfs = [];
    const s0 = new Promise((r) => setTimeout(() => {
      cpu0 = sample(); thr0 = threadsOf(reg.pid);
      if (o.perf) for (const [k, p] of Object.entries(pids)) perfs.push(perfRecord(o, k, p, w2s(workers), runNo));
      r();
    }, o.warmup * 1000));
    const s1 = new Promise((r) => setTimeout(() => { cpu1 = sample(); thr1 = threadsOf(reg.pid); r(); }, (o.warmup + o.duration) * 1000));
    await Promise.all([...conns.map((ws, i) => clientLoop(ws, per[i], o, st, win)), s0, s1]);
    await Promise.all(perfs.map((pr) => pr.done));
    res.perf = perfs.map((pr) => pr.file);

    const wall = (cpu1.t - cpu0.t) / 1000;
    const lat = st.lat.sort((a, b) => a - b);
    Object.assign(res, {
      regs: st.ok, wall_s: +wall.toFixed(2), regs_per_s: +(st.ok / wall).toFixed(0),
      p50_ms: +pct(lat, 0.5).toFixed(2), p90_ms: +pct(lat, 0.9).toFixed(2),
      p99_ms: +pct(lat, 0.99).toFixed(2), max_ms: +(lat[lat.length - 1] || NaN).toFixed(2),
      errors: st.errors, cpu_per_1k: {}, cores: {},
    });
    for (const k of ['registrar', 'nats', 'wsgw', 'client']) {
      const d = cpu1[k] - cpu0[k];
      res.cpu_per_1k[k] = +(d / st.ok * 1000).toFixed(3);
      res.cores[k] = +(d / wall).toFixed(2);
    }
    res.registrar_threads = Object.fromEntries(Object.entries(thr1)
      .map(([n, v]) => [n, +((v - (thr0[n] || 0)) / wall).toFixed(2)]).filter(([, v]) => v > 0.005));
    const c = (await suite.health('registrar', reg.id)).counters || {};
    res.registrar_counters = Object.fromEntries(['reg_ok_total', 'reg_challenges_total',
      'auth_failures_total', 'auth_replays_total', 'auth_stale_nonce_total',
      'reg_store_errors_total', 'reg_rejected_total'].map((n) => [n, c[n]]));
    res.load_after = os.loadavg().map((x) => +x.toFixed(2));
    for (const ws of conns) ws.close();
  } finally {
    await suite.close();
  }
  return res;
}

const w2s = (w) => `w${w}`;

// perf record on one process for the measured window; {file, done}.
function perfRecord(o, name, pid, tag, runNo) {
  return perfRecordTo(o.perf, `${name}-${tag}-run${runNo}`, pid, o.duration);
}

const perfTop = (file, n = 12) => perfReport(file, { limit: 1.5, lines: n });

function fmt(v, w) { return String(v).padStart(w); }

function table(rows, title) {
  console.log(`\n${title}`);
  const head = ['workers', 'run', 'regs/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms',
    'reg cpu/1k', 'nats cpu/1k', 'wsgw cpu/1k', 'client cpu/1k', 'cores reg/nats/wsgw/client', 'errors'];
  const ws = [8, 4, 7, 7, 7, 7, 8, 11, 12, 12, 14, 27, 8];
  console.log(head.map((h, i) => fmt(h, ws[i])).join(' '));
  for (const r of rows) {
    const errs = Object.entries(r.errors || {}).map(([k, v]) => `${k}:${v}`).join(',') || '0';
    console.log([r.workers, r.run, r.regs_per_s, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms,
      r.cpu_per_1k.registrar, r.cpu_per_1k.nats, r.cpu_per_1k.wsgw, r.cpu_per_1k.client,
      `${r.cores.registrar}/${r.cores.nats}/${r.cores.wsgw}/${r.cores.client}`, errs]
      .map((v, i) => fmt(v, ws[i])).join(' '));
  }
}

function medianRow(rows, workers) {
  const m = (f) => +median(rows.map(f)).toFixed(3);
  const keys = ['registrar', 'nats', 'wsgw', 'client'];
  return {
    workers, run: 'med', regs_per_s: Math.round(median(rows.map((r) => r.regs_per_s))),
    p50_ms: m((r) => r.p50_ms), p90_ms: m((r) => r.p90_ms), p99_ms: m((r) => r.p99_ms),
    max_ms: m((r) => r.max_ms),
    cpu_per_1k: Object.fromEntries(keys.map((k) => [k, m((r) => r.cpu_per_1k[k])])),
    cores: Object.fromEntries(keys.map((k) => [k, +median(rows.map((r) => r.cores[k])).toFixed(2)])),
    errors: rows.reduce((acc, r) => { for (const [k, v] of Object.entries(r.errors)) acc[k] = (acc[k] || 0) + v; return acc; }, {}),
  };
}

async function main() {
  const o = parseArgs(process.argv);
  const build = process.env.BUILD || 'build/release';
  for (const b of ['rtcgate-registrar', 'rtcgate-wsgw']) {
    if (!fs.existsSync(path.resolve(__dirname, '..', build, 'bin', b))) {
      console.error(`registrar bench: ${build}/bin/${b} missing (make BUILD=${build})`);
      process.exit(2);
    }
  }
  console.log(`registrar bench: ${o.conns} WebSocket connections, ${o.users} users, `
    + `${o.warmup} s warm-up + ${o.duration} s, ${o.runs} run(s) per setting, ${o.alg}, BUILD=${build}`);
  console.log(`machine: ${os.cpus().length} CPUs, ${os.cpus()[0].model}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('latency: authenticated REGISTER sent -> 200 received; cpu/1k: CPU seconds per 1,000 '
    + 'registrations; cores: CPU seconds per wall second');
  const all = [];
  const meds = [];
  for (const w of String(o.workers).split(',')) {
    const rows = [];
    for (let i = 1; i <= o.runs; i++) {
      const r = await oneRun(o, w, i);
      rows.push(r);
      all.push(r);
      console.log(`  workers=${w} run ${i}: ${r.regs_per_s}/s p50 ${r.p50_ms} p99 ${r.p99_ms} ms; `
        + `load ${r.load_before.join(' ')} -> ${r.load_after.join(' ')}; registrar threads ${JSON.stringify(r.registrar_threads)}; `
        + `counters ${JSON.stringify(r.registrar_counters)}`);
    }
    if (o.runs > 1) meds.push(medianRow(rows, w));
  }
  table(all, 'every run:');
  if (meds.length) table(meds, `medians of ${o.runs} runs:`);
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (o.perf) {
    for (const r of all) {
      for (const f of r.perf || []) console.log(`\nprofile ${path.basename(f)} (self time, >= 1.5%):\n${perfTop(f)}`);
    }
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, runs: all, medians: meds }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
