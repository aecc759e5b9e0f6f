#!/usr/bin/env node
// mediad's fixed cost per session: N sessions created over the bus (SIP
// offers, no media), then mediad's CPU over a window while they sit idle.
// What it measures is the per-session timer work of the workers (the
// 10 ms tick; mtimer.c) and the heartbeats, not the packet path.
//
//   node bench/mediad_idle.js [--sessions 0,1000,4000] [--window 10]
//        [--workers 1] [--runs 1]
//
// BUILD (env) selects the binaries, build/release by default.  Each run
// starts its own nats-server and mediad (RTCGATE_MEDIA_TIMEOUT 3600, so
// that no session times out in the window).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Suite, waitFor, sleep, ROOT, BUILD } = require('../tests/lib/harness');

function parseArgs(argv) {
  const o = { sessions: '0,1000,4000', window: 10, workers: 1, runs: 1 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o) || i + 1 >= argv.length) {
      console.error('usage: mediad_idle.js [--sessions 0,1000,4000] [--window S] [--workers N] [--runs N]');
      process.exit(2);
    }
    const v = argv[++i];
    o[k] = typeof o[k] === 'number' ? Number(v) : v;
  }
  return o;
}

let clkTck = 100;
try {
  clkTck = Number(require('node:child_process').execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch (e) { /* 100 */ }

// CPU seconds (user + system, all threads) of a process so far.
function cpuOf(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / clkTck;
}

const offer = (port) => 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + `m=audio ${port} RTP/AVP 0\r\n`;

async function oneRun(o, n) {
  const suite = new Suite('mediad-idle');
  try {
    await suite.startNats();
    const md = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: String(o.workers),
      RTCGATE_MEDIA_PORTS: '20000-39999', RTCGATE_MAX_CALLS: '20000', RTCGATE_MEDIA_TIMEOUT: '3600',
      RTCGATE_LOG_LEVEL: 'warn' });
    await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
    for (let i = 0; i < n; i += 50) {
      const rs = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => suite.request(
        `rtcgate.media.${md.id}`, { v: 1, kind: 'media_create', side: 'sip', sdp: offer(40000 + 2 * ((i + j) % 10000)) }, 10000)));
      const bad = rs.find((r) => r.kind !== 'media_sdp');
      if (bad) throw new Error(`media_create: ${bad.reason}`);
    }
    await sleep(2000);	// the create burst is over
    const c0 = cpuOf(md.pid); const t0 = process.hrtime.bigint();
    await sleep(o.window * 1000);
    const c1 = cpuOf(md.pid); const t1 = process.hrtime.bigint();
    const wall = Number(t1 - t0) / 1e9;
    return { sessions: n, cores: (c1 - c0) / wall, load: os.loadavg()[0] };
  } finally {
    await suite.close();
  }
}

async function main() {
  const o = parseArgs(process.argv);
  console.log(`mediad idle sessions: ${o.sessions}, ${o.window} s window, RTCGATE_MEDIA_WORKERS=${o.workers}, `
    + `BUILD=${path.relative(ROOT, BUILD)}; machine: ${os.cpus().length} CPUs, ${os.cpus()[0].model}`);
  const rows = [];
  for (const n of String(o.sessions).split(',').map(Number)) {
    for (let r = 1; r <= o.runs; r++) {
      const x = await oneRun(o, n);
      rows.push(x);
      console.log(`  ${n} sessions, run ${r}: mediad ${(x.cores * 1000).toFixed(1)} ms CPU per s`
        + `${n ? `, ${((x.cores * 1e6) / n).toFixed(2)} us per session per s` : ''}; load ${x.load.toFixed(2)}`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
