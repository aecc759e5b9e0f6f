// What the suite benchmarks (registrar.js, b2bua.js) share: a suite with
// a generated users file, process figures from /proc, and perf profiles.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { Suite } = require('../../tests/lib/harness');

let clkTck = 100;
try { clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch (e) { /* 100 */ }

// CPU seconds (user + system, all threads) a process has used so far.
function cpuOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clkTck;	// utime, stime
  } catch (e) { return NaN; }
}

// Per-thread-name CPU seconds of a process (a service's loop against the
// NATS library's threads).
function threadsOf(pid) {
  const out = {};
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch (e) { return out; }
  for (const tid of tids) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] || 0) + (Number(f[11]) + Number(f[12])) / clkTck;
    } catch (e) { /* thread gone */ }
  }
  return out;
}

// Seconds the threads of a process have spent runnable but waiting for a
// CPU (schedstat): on a shared machine, the part of the latency that is
// other programs' doing rather than ours.
function waitOf(pid) {
  let w = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try { w += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9; } catch (e) { /* gone */ }
    }
  } catch (e) { return NaN; }
  return w;
}

// renice every thread of a process (a nice value is per thread on Linux,
// so the threads already running keep theirs otherwise).
function renice(pid, n) {
  if (!n) return;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), n);
  } catch (e) { console.error(`renice ${pid}: ${e.message} (root only)`); }
}

// Resident memory of a process, MiB: growth across steps is a leak.
function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? +(Number(m[1]) / 1024).toFixed(1) : NaN;
  } catch (e) { return NaN; }
}

const selfCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
const median = (a) => {
  const s = a.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

// perf record of one process for `seconds` into DIR/<base>.data:
// {file, done}.  PERF_CALLGRAPH=dwarf gives call chains through code
// built without frame pointers (ours, libc, sofia-sip, jansson, libnats),
// at a higher cost.
function perfRecord(dir, base, pid, seconds) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.resolve(dir, `${base}.data`);
  const cg = process.env.PERF_CALLGRAPH ? ['--call-graph', process.env.PERF_CALLGRAPH] : ['-g'];
  const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '499', ...cg, '-p', String(pid),
    '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
  return { file, done: new Promise((r) => { p.on('exit', r); p.on('error', r); }) };
}

// The self-time lines of a profile at or above limit percent.
function perfReport(file, { limit = 0.5, lines = 60 } = {}) {
  try {
    const out = execFileSync('perf', ['report', '-i', file, '--stdio', '--no-children', '-g', 'none',
      '--sort', 'dso,sym', '--percent-limit', String(limit)], { stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 26 }).toString();
    return out.split('\n').filter((l) => /^\s+\d/.test(l)).slice(0, lines).join('\n');
  } catch (e) { return `(perf report failed: ${e.message})`; }
}

// A suite with nats-server started and a users file of [name, password]
// pairs, its services' environment set for a benchmark (log level info:
// the harness defaults to debug; the sanitizer settings passed on).
// Services are then started by the caller: suite.service(...), suite.wsgw().
async function benchSuite(name, users, env = {}) {
  const suite = new Suite(name);
  await suite.startNats();
  const usersPath = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(usersPath, users.map(([u, p]) => `${u} ${p}\n`).join(''));
  Object.assign(suite.env, { RTCGATE_USERS: usersPath, RTCGATE_NONCE_SECRET: 'bench-secret',
    RTCGATE_LOG_LEVEL: 'info', ...env });
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) suite.env[k] = process.env[k];
  return { suite, usersPath };
}

module.exports = { cpuOf, threadsOf, waitOf, renice, rssOf, selfCpu, pct, median, loadavg,
  perfRecord, perfReport, benchSuite };
