#!/usr/bin/env node
// mediad load benchmark: N concurrent relayed calls through one mediad,
// each a WebRTC leg (ICE, DTLS-SRTP, SRTP) played by rtcgate-peer as the
// browser and a plain RTP leg played by rtcgate-peer as the SIP phone,
// both sending a 20 ms G.711 tone.  For each N it reports mediad's CPU
// per call (CPU seconds per call-minute, from /proc over the measured
// window), its busiest thread (the packet worker) and how long that thread
// waited for a CPU, loss each way, and the latency mediad adds each way
// (send time carried in an RTP header extension, arrival time from the
// kernel's socket timestamp).
//
//   node bench/mediad_load.js [--calls 100,500,1000] [--duration 20]
//        [--warmup 3] [--rate 200] [--runs 1] [--workers 1]
//        [--peer-procs 1] [--peer-threads 1] [--codec PCMU]
//        [--xcalls 100,200] [--mediad-nice 0] [--perf DIR] [--json FILE]
//        [--ice-mode lite|full] [--peer-ice stun|nice] [--sip-ptime 20]
//        [--peer-rtcp 0|1] [--quick]
//
// --xcalls N,M adds transcoded calls in the same run (after the relayed
// ones, so that the ratios compare like with like): the browser leg sends
// Opus, the SIP leg PCMU, and mediad transcodes both ways.  A transcoded
// packet carries no send-time stamp (mediad writes its header), so its
// latency is the arrival time minus the send time of the newest packet
// the other end had sent by then (tools/webrtc-peer/README.md).  --quick
// is --calls 100 --xcalls 50 --duration 5 --warmup 2 (bench/run.sh).
// --sip-ptime MS makes the transcoded calls' phone ask for (a=ptime) and
// send G.711 packets of MS ms, so mediad frames toward it at that size.
// --peer-rtcp 1 has both ends send RTCP every second (rtcgate-peer
// --rtcp-web), as browsers and phones do: the browser's reports of no
// loss let the transcoder's encoder stop coding in-band FEC after four of
// them (xcode_loss_report()), so give it --warmup 5; without them FEC
// stays on at the 10% expected loss it starts with.
//
// BUILD (env) selects the binaries, build/release by default; the peer is
// brought up to date with tools/webrtc-peer/build.sh first.  mediad runs
// with RTCGATE_MEDIA_WORKERS=--workers (1: the cost on one core).
// --peer-procs K splits the calls over K peer processes: Debian's libsrtp2
// does its crypto through NSS, whose cost per packet grows with the number
// of SRTP keys in the process (docs/BENCHMARKS.md), so one peer process
// holding every call would cost more than the mediad it measures.  The
// window is then the span in which every peer measures; the histograms of
// the processes are merged.  --mediad-nice -10 renices mediad (root only)
// so that the peers and other jobs on a shared machine wait for it rather
// than the reverse, as on a media node of its own.  --perf DIR records
// `perf record -g` of mediad over the window and prints its top symbols.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const { execFileSync, spawn } = require('node:child_process');
const { Suite, waitFor, ROOT, BUILD } = require('../tests/lib/harness');

const PEER = path.join(BUILD, 'bin', 'rtcgate-peer');
const PORTS = [20000, 29999];

function parseArgs(argv) {
  const o = { calls: '100,500,1000', duration: 20, warmup: 3, rate: 200, runs: 1, workers: 1,
    'peer-procs': 1, 'peer-threads': 1, codec: 'PCMU', xcalls: '', 'mediad-nice': 0, perf: null, json: null,
    'ice-mode': 'lite', 'peer-ice': 'stun', 'sip-ptime': 20, 'peer-rtcp': 0 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'quick') { Object.assign(o, { calls: '100', xcalls: '50', duration: 5, warmup: 2 }); continue; }
    if (!(k in o) || i + 1 >= argv.length) {
      console.error(`usage: mediad_load.js ${Object.keys(o).map((x) => `[--${x} V]`).join(' ')}`);
      process.exit(2);
    }
    const v = argv[++i];
    o[k] = typeof o[k] === 'number' ? Number(v) : v;
  }
  return o;
}

// Per thread of a process: {tid: [CPU s, s runnable but waiting for a
// CPU]} from schedstat.  The wait shows how much of the latency is the
// shared machine's rather than mediad's.
function threadCpu(pid) {
  const out = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      out[tid] = [Number(s[0]) / 1e9, Number(s[1]) / 1e9];
    }
  } catch (e) { /* gone */ }
  return out;
}

// UDP receive-queue drops so far on mediad's ports and on all others (the
// peers'), from /proc/net/udp, and the namespace's RcvbufErrors.
function udpDrops() {
  const d = { mediad: 0, other: 0, rcvbuf: 0 };
  try {
    for (const l of fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f.length < 13) continue;
      const port = parseInt(f[1].split(':')[1], 16);
      d[port >= PORTS[0] && port <= PORTS[1] ? 'mediad' : 'other'] += Number(f[f.length - 1]);
    }
    const snmp = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    d.rcvbuf = Number(snmp[1].split(/\s+/)[5]);
  } catch (e) { /* not Linux */ }
  return d;
}

// Incremental: recompiles what changed, relinks.
function ensurePeer() {
  execFileSync(path.join(ROOT, 'tools/webrtc-peer/build.sh'), { cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BUILD } });
}

const load = () => os.loadavg().map((x) => x.toFixed(2));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

function perfRecord(o, pid, tag, seconds) {
  fs.mkdirSync(o.perf, { recursive: true });
  const file = path.resolve(o.perf, `mediad-${tag}.data`);
  const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid),
    '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
  return { file, done: new Promise((r) => { p.on('exit', r); p.on('error', r); }) };
}

function perfTop(file, n = 25) {
  try {
    const out = execFileSync('perf', ['report', '-i', file, '--stdio', '--no-children', '-g', 'none',
      '--percent-limit', '0.7', '--sort', 'dso,sym'], { stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 26 }).toString();
    return out.split('\n').filter((l) => /^\s+\d/.test(l)).slice(0, n).join('\n');
  } catch (e) { return `(perf report failed: ${e.message})`; }
}

// One peer process for n calls; onLine sees its log lines.
function spawnPeer(o, md, n, rate, onLine) {
  const args = ['--nats', md.nats, '--node', md.id, '-n', String(n), '--rate', String(rate),
    '--threads', String(o['peer-threads']), '--warmup', String(o.warmup * 1000),
    '--duration', String(o.duration * 1000), '--setup-timeout', '20000', '--hist', '--window-signal',
    '--ice', o['peer-ice'], ...(o.xcode ? ['--web-codec', 'opus', '--sip-codec', 'PCMU'] : ['--codec', o.codec]),
    ...(o.xcode && o['sip-ptime'] !== 20 ? ['--sip-ptime', String(o['sip-ptime'])] : []),
    ...(Number(o['peer-rtcp']) ? ['--rtcp-web'] : [])];
  const p = spawn(PEER, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  readline.createInterface({ input: p.stderr }).on('line', (l) => onLine(p, l));
  return new Promise((resolve) => p.on('exit', (code) => {
    let report = null;
    try { report = JSON.parse(out); } catch (e) { /* none */ }
    resolve({ code, report, pid: p.pid });
  }));
}

// The K peers' common window: once every peer has its sessions up, wait
// --warmup, then start all their windows with SIGUSR1; it ends with the
// first "window end".  CPU and drops are read at its edges.
function windowWatcher(o, md, k, tag) {
  const w = { ups: 0, ends: 0, peers: new Set() };
  const peerCpu = () => Object.assign({}, ...[...w.peers].map((pid) => {
    const t = threadCpu(pid);
    return Object.fromEntries(Object.entries(t).map(([tid, v]) => [`${pid}.${tid}`, v]));
  }));
  const start = () => {
    Object.assign(w, { t0: performance.now(), m0: threadCpu(md.pid), p0: peerCpu(),
      d0: udpDrops(), load0: load() });
    for (const pid of w.peers) process.kill(pid, 'SIGUSR1');
    if (o.perf) w.perf = perfRecord(o, md.pid, tag, Math.max(1, o.duration - 1));
  };
  w.onLine = (p, l) => {
    w.peers.add(p.pid);
    if (/sessions up/.test(l) && ++w.ups === k) {
      console.log(`  all peers up: ${l.replace(/.*sessions up: /, '')} (last peer)`);
      setTimeout(start, o.warmup * 1000);
    } else if (/window end/.test(l) && ++w.ends === 1) {
      Object.assign(w, { t1: performance.now(), m1: threadCpu(md.pid), p1: peerCpu(),
        d1: udpDrops(), load1: load() });
    } else if (/error|warn/.test(l)) {
      console.error(`  peer ${p.pid}: ${l}`);
    }
  };
  return w;
}

// CPU over the window: [total cores, busiest thread cores, its wait share].
function cpuOver(t0 = {}, t1 = {}, seconds) {
  let total = 0; let best = [0, 0];
  for (const [tid, [c1, w1]] of Object.entries(t1)) {
    const [c0, w0] = t0[tid] || [0, 0];
    total += c1 - c0;
    if (c1 - c0 > best[0]) best = [c1 - c0, w1 - w0];
  }
  return [total / seconds, best[0] / seconds, best[1] / seconds];
}

// Merged [us, count] histograms -> percentiles.
function pctls(hists) {
  const m = new Map();
  for (const h of hists) for (const [us, c] of h || []) m.set(us, (m.get(us) || 0) + c);
  const b = [...m.entries()].sort((x, y) => x[0] - y[0]);
  const n = sum(b.map((x) => x[1]));
  const at = (p) => {
    let seen = 0; const want = Math.max(1, Math.ceil(n * p / 100));
    for (const [us, c] of b) if ((seen += c) >= want) return us;
    return 0;
  };
  return { n, p50: at(50), p99: at(99), p999: at(99.9), max: b.length ? b[b.length - 1][0] : 0 };
}

function mergeDir(reps, key) {
  const ds = reps.map((r) => r[key]);
  const sent = sum(ds.map((d) => d.sent)); const received = sum(ds.map((d) => d.received));
  // each peer's own loss, weighted: with --sip-ptime it counts 20 ms of
  // audio, not packets (a 40 ms phone gets half as many)
  return { sent, received, loss: sent ? sum(ds.map((d) => d.loss * d.sent)) / sent : 0,
    purity: Math.min(...ds.map((d) => d.worst_purity)),
    latency: pctls(reps.map((r) => r.latency_hist[key])) };
}

async function runPeers(o, md, calls, tag) {
  const k = Math.min(o['peer-procs'], calls);
  const w = windowWatcher(o, md, k, tag);
  const rate = Math.max(1, Math.round(o.rate / k));
  const parts = [...Array(k).keys()].map((i) => Math.floor(calls / k) + (i < calls % k ? 1 : 0));
  const res = await Promise.all(parts.map((n) => spawnPeer(o, md, n, rate, w.onLine)));
  if (w.perf) await w.perf.done;
  const bad = res.find((r) => !r.report);
  if (bad) throw new Error(`rtcgate-peer ${bad.pid} exited ${bad.code} without a report`);
  return { reps: res.map((r) => r.report), w };
}

async function oneRun(o, calls, runNo) {
  const suite = new Suite('mediad-bench');
  try {
    await suite.startNats();
    const proc = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1',
      RTCGATE_MEDIA_WORKERS: String(o.workers), RTCGATE_MEDIA_PORTS: PORTS.join('-'),
      RTCGATE_MAX_CALLS: '20000', RTCGATE_MAX_TRANSCODE: '20000', RTCGATE_LOG_LEVEL: 'info',
      RTCGATE_MEDIA_TIMEOUT: '60', RTCGATE_ICE_MODE: o['ice-mode'],
      // the peers inherit it too (they link srtpx)
      RTCGATE_SRTP_BACKEND: process.env.RTCGATE_SRTP_BACKEND || 'openssl',
      // the transcoder's encoder: most of a transcoded call's CPU
      ...(process.env.RTCGATE_OPUS_COMPLEXITY ? { RTCGATE_OPUS_COMPLEXITY: process.env.RTCGATE_OPUS_COMPLEXITY } : {}) });
    await waitFor(() => suite.health('mediad', proc.id), 5000, 'mediad');
    if (o['mediad-nice']) {
      for (const tid of fs.readdirSync(`/proc/${proc.pid}/task`)) {
        execFileSync('renice', ['-n', String(o['mediad-nice']), '-p', tid], { stdio: 'ignore' });
      }
    }
    const md = { id: proc.id, pid: proc.pid, nats: suite.natsUrl };
    const { reps, w } = await runPeers(o, md, calls, `${o.xcode ? 'x' : ''}${calls}-run${runNo}`);
    return { mode: o.xcode ? 'xcode' : 'relay', ...summarize(calls, runNo, reps, w) };
  } finally {
    await suite.close();
  }
}

function summarize(calls, run, reps, w) {
  const secs = ((w.t1 || 0) - (w.t0 || 0)) / 1000;
  const up = sum(reps.map((r) => r.media));
  // What was really relayed in the window (a peer short of CPU sends late):
  // each call should relay 100 packets/s, 50 each way.
  const relayed = sum(reps.map((r) => r.window_packets.received));
  const peerSecs = reps[0].cpu.window_s;
  const [mdCores, worker, wait] = cpuOver(w.m0, w.m1, secs);
  const [peerCores, , peerWait] = cpuOver(w.p0, w.p1, secs);
  const failures = {};
  for (const r of reps) for (const [why, n] of Object.entries(r.failures)) failures[why] = (failures[why] || 0) + n;
  return {
    calls, run, up, failed: sum(reps.map((r) => r.failed)), failures, window_s: secs,
    cpu_per_call_min: up && secs ? mdCores * secs / (up * secs / 60) : NaN,
    pace: up && peerSecs ? relayed / (up * 100 * peerSecs) : NaN,
    us_per_packet: relayed ? mdCores * peerSecs * 1e6 / relayed : NaN,
    mediad_cores: mdCores, worker_cores: worker, worker_wait: wait,
    peer_cores: peerCores, peer_wait: peerWait,
    w2s: mergeDir(reps, 'web_to_sip'), s2w: mergeDir(reps, 'sip_to_web'),
    overruns: sum(reps.map((r) => r.peer_overruns)), backlog: sum(reps.map((r) => r.peer_backlog)),
    drops: w.d1 && { mediad: w.d1.mediad - w.d0.mediad, peers: w.d1.other - w.d0.other,
      rcvbuf_errors: w.d1.rcvbuf - w.d0.rcvbuf },
    srtp: reps[0].srtp, ice_ms: reps[0].ice_ms, dtls_ms: reps[0].dtls_ms,
    load0: w.load0, load1: w.load1, perf: w.perf && w.perf.file,
  };
}

const f = (v, d = 3) => (typeof v === 'number' ? v.toFixed(d) : String(v));
const pct = (x) => `${(x * 100).toFixed(3)}%`;

function table(rows) {
  console.log('\nworker: mediad\'s busiest thread, cores used / share of the window it waited for a CPU;'
    + ' peers: all peer processes, likewise (wait of their busiest thread)');
  console.log('pace: packets relayed in the window over 100/s per call; us/pkt: mediad CPU per packet relayed');
  console.log('mode  calls run    up fail  cpu-s/call-min  pace  us/pkt  mediad  worker use/wait  peers use/wait'
    + '   loss w->s   loss s->w   w->s p50/p99/max us   s->w p50/p99/max us  backlog  load 1m');
  for (const r of rows) {
    console.log([r.mode.padEnd(5), String(r.calls).padStart(5), String(r.run).padStart(3), String(r.up).padStart(5),
      String(r.failed).padStart(4), f(r.cpu_per_call_min, 4).padStart(15), f(r.pace, 2).padStart(5),
      f(r.us_per_packet, 1).padStart(7), f(r.mediad_cores, 2).padStart(7),
      `${f(r.worker_cores, 2)}/${f(r.worker_wait, 2)}`.padStart(16),
      `${f(r.peer_cores, 2)}/${f(r.peer_wait, 2)}`.padStart(15),
      pct(r.w2s.loss).padStart(11), pct(r.s2w.loss).padStart(11),
      `${r.w2s.latency.p50}/${r.w2s.latency.p99}/${r.w2s.latency.max}`.padStart(21),
      `${r.s2w.latency.p50}/${r.s2w.latency.p99}/${r.s2w.latency.max}`.padStart(21),
      String(r.backlog).padStart(8), `${r.load0[0]}-${r.load1[0]}`.padStart(10)].join(' '));
  }
}

async function main() {
  const o = parseArgs(process.argv);
  ensurePeer();
  console.log(`mediad load: ${o.codec} relay${o.xcalls ? ` + Opus<->PCMU transcoded (${o.xcalls})` : ''}, RTCGATE_MEDIA_WORKERS=${o.workers}, nice ${o['mediad-nice']}, `
    + `ICE ${o['ice-mode']} (peer ${o['peer-ice']}), calls ${o.calls}, ${o.warmup} s warm-up + ${o.duration} s window, ${o.runs} run(s), `
    + `${o['peer-procs']} peer process(es) x ${o['peer-threads']} thread(s), transcoded SIP ptime ${o['sip-ptime']} ms, `
    + `BUILD=${path.relative(ROOT, BUILD)}`);
  console.log(`machine: ${os.cpus().length} CPUs, ${os.cpus()[0].model}; load average ${load().join(' ')}`);
  const rows = [];
  const plan = [...String(o.calls).split(',').filter(Boolean).map((n) => [Number(n), false]),
    ...String(o.xcalls).split(',').filter(Boolean).map((n) => [Number(n), true])];
  for (const [calls, xcode] of plan) {
    for (let i = 1; i <= o.runs; i++) {
      const r = await oneRun({ ...o, xcode }, calls, i);
      rows.push(r);
      console.log(`  ${r.mode} ${calls} calls, run ${i}: ${r.up} up, ${r.failed} failed ${JSON.stringify(r.failures)}; `
        + `window ${f(r.window_s, 1)} s; mediad ${f(r.cpu_per_call_min, 4)} CPU-s/call-min; srtp ${r.srtp}; `
        + `ice ${JSON.stringify(r.ice_ms)} dtls ${JSON.stringify(r.dtls_ms)} ms; worst tone purity `
        + `${f(Math.min(r.w2s.purity, r.s2w.purity), 4)}; UDP drops ${JSON.stringify(r.drops)}; `
        + `overruns ${r.overruns}; load ${r.load0} -> ${r.load1}`);
    }
  }
  table(rows);
  console.log(`load average at the end: ${load().join(' ')}`);
  for (const r of rows) if (r.perf) console.log(`\nprofile ${path.basename(r.perf)} (self, >= 0.7%):\n${perfTop(r.perf)}`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, runs: rows }, null, 2));
  if (rows.some((r) => r.failed)) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exit(1); });
