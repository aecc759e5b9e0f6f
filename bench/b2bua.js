#!/usr/bin/env node
// b2bua call set-up benchmark: the whole suite as processes (nats-server,
// wsgw, registrar, b2bua, mediad) and calls at stepped target rates, each
//   INVITE -> 200 (set-up latency) -> ACK -> hold -> BYE -> 200
// in one or both directions:
//   out: raw SIP-over-WebSocket clients (one registered user per
//        connection, as a browser's SIP stack would be) call a sipp UAS
//        (bench/sipp/uas_bench.xml) that answers at once;
//   in:  a sipp UAC (bench/sipp/uac_bench.xml, -r rate) calls those
//        registered clients, which answer at once with a canned WebRTC
//        answer; sipp measures INVITE -> 200 per call (-trace_rtt).
// The SDPs are canned and no media flows, so ICE and DTLS never happen:
// the latency is signalling and media-session set-up only (b2bua,
// registrar lookups, mediad's session, wsgw, the bus).  For each step it
// reports achieved set-ups/s, failures (non-200 and timeouts), p50/p99/max
// set-up latency (and its p99 per second), CPU of every process over the
// step (cores, from /proc/<pid>/stat utime+stime), the time each waited for
// a CPU, the services' RSS, and the b2bua's and mediad's counters once the
// step has drained (calls_active and media_sessions must return to 0; the
// exit status is 1 when they do not).
//
//   node bench/b2bua.js [--dir out,in] [--rates 50,100,200,300,400]
//        [--step 10] [--hold 1] [--conns 100] [--runs 1] [--quick]
//        [--perf DIR] [--perf-rate R] [--json FILE] [--log-level info]
//        [--nice 0] [--media-ports 50000-59999] [--warmup 2] [--drain 10]
//        [--events 0]
//
// Each direction starts with --warmup seconds at 50 calls/s, not reported
// (first connections to sipp, first JetStream reads, allocator growth).
// --quick is --rates 100,300 --step 5 (bench/run.sh's default).  --events R
// publishes R media_event/s (ice_connected of sessions no call has) on
// rtcgate.media.event over each step, as many busy media nodes would: the
// b2bua's cost per event, with as many calls up as --hold keeps.  --perf DIR
// records `perf record -F 499 -g` of the b2bua, wsgw, mediad and nats-server
// over the step at --perf-rate (default: the highest rate) and prints the
// b2bua's report (PERF_CALLGRAPH=dwarf for call chains through code built
// without frame pointers).  --nice -10 renices every thread of the suite,
// sipp and this client (root only), so that other jobs on a shared
// machine wait for them rather than the reverse.  BUILD (env) selects the
// binaries, build/release by default (see tests/lib/harness.js).  The load
// generators (this node process and sipp) run on the same machine as the
// suite and take their share of its CPUs: their CPU is reported too, and
// so is the time each process spent runnable but waiting for a CPU.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { performance, monitorEventLoopDelay } = require('node:perf_hooks');
const { wsClient, waitFor, freePort, sleep, ROOT, BUILD } = require('../tests/lib/harness');
const { cpuOf, threadsOf, waitOf, renice, rssOf, selfCpu, pct, median, loadavg, perfRecord, perfReport,
  benchSuite } = require('./lib/bench');
const { register } = require('../tests/lib/digest');
const { DOMAIN, webSdp, invite, hdr, inDialog, portTaken, reply } = require('../tests/lib/websip');

const SIPP_DIR = path.join(__dirname, 'sipp');
const SETUP_TIMEOUT_MS = 10000;	// no final answer by then: a failure
const ANSWER = webSdp('active', '0');

function parseArgs(argv) {
  const o = { dir: 'out,in', rates: '50,100,200,300,400', step: 10, hold: 1, conns: 100, runs: 1,
    quick: false, perf: null, 'perf-rate': 0, json: null, 'log-level': 'info', nice: 0, 'media-ports': '50000-59999', warmup: 2, drain: 10, events: 0 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'quick') { o.quick = true; continue; }
    if (!(k in o) || i + 1 >= argv.length) {
      console.error(`usage: ${path.basename(argv[1])} [--dir out,in] [--rates 50,100,...] [--step S] `
        + '[--hold S] [--conns N] [--runs N] [--quick] [--perf DIR] [--perf-rate R] [--json FILE] [--log-level L] [--nice N] [--media-ports LO-HI] [--warmup S] [--drain S] [--events R]');
      process.exit(2);
    }
    const v = argv[++i];
    o[k] = typeof o[k] === 'number' ? Number(v) : v;
  }
  if (o.quick) Object.assign(o, { rates: '100,300', step: 5 });
  o.rateList = String(o.rates).split(',').map(Number).filter((r) => r > 0);
  o.dirList = String(o.dir).split(',').filter((d) => d === 'out' || d === 'in');
  if (!o['perf-rate']) o['perf-rate'] = Math.max(...o.rateList);
  return o;
}

const r2 = (x) => (Number.isFinite(x) ? +x.toFixed(2) : x);
const bump = (m, k) => { m[k] = (m[k] || 0) + 1; };
const firstLine = (t) => t.slice(0, t.indexOf('\r\n'));
const cseqOf = (t) => { const m = /\r\nCSeq:\s*(\d+)\s+(\w+)/i.exec(t); return m ? [Number(m[1]), m[2].toUpperCase()] : [0, '']; };

// One registered user on its own WebSocket: places calls (out) and answers
// the ones it gets (in).  Frames are dispatched by Call-ID.
class Browser {
  constructor(ws, user, stats) {
    this.ws = ws;
    this.user = user;
    this.stats = stats;
    this.calls = new Map();
    ws.removeAllListeners('message');	// the harness's frame queue
    ws.on('message', (d) => this.onFrame(d.toString()));
  }

  send(t) { if (this.ws.readyState === 1) this.ws.send(t); }

  onFrame(t) {
    const cid = hdr(t, 'Call-ID');
    if (t.startsWith('SIP/2.0 ')) {
      const c = this.calls.get(cid);
      if (c) c.onResponse(t);
      else bump(this.stats.cur.stray, 'response');
      return;
    }
    const method = firstLine(t).split(' ')[0];
    if (method === 'INVITE' && !this.calls.has(cid)) return this.answer(t, cid);
    if (method === 'ACK') { const c = this.calls.get(cid); if (c && c.in) c.acked = true; return undefined; }
    if (method === 'BYE' || method === 'CANCEL') {
      this.send(reply(t, 200, 'OK'));
      const c = this.calls.get(cid);
      if (c && c.in) {
        if (method === 'CANCEL') bump(c.st.errors, 'cancelled');
        else if (!c.acked) bump(c.st.errors, 'bye-before-ack');
        this.calls.delete(cid);
        c.st.inEnded++;
      } else if (c) { c.onBye(); }
      return undefined;
    }
    // INFO, OPTIONS, UPDATE, a re-INVITE: not expected in this benchmark
    bump(this.stats.cur.errors, `unexpected-${method}`);
    if (method !== 'INVITE') this.send(reply(t, 200, 'OK'));
    return undefined;
  }

  // SIP -> browser: answer at once with the canned WebRTC answer.
  answer(t, cid) {
    const st = this.stats.cur;
    st.inInvites++;
    this.calls.set(cid, { in: true, acked: false, st });
    this.send(reply(t, 200, 'OK', { tag: `a${st.inInvites}`, body: ANSWER,
      extra: `Contact: <sip:${this.user}@b.invalid;transport=ws>\r\n` }));
  }

  // Browser -> SIP: one call; resolves when it has ended (or failed).
  call(target, holdMs) {
    const st = this.stats.cur;
    const inv = invite(this.user, target);
    return new Promise((resolve) => {
      const c = { inv, st, t0: performance.now() };
      const done = (why) => {
        clearTimeout(c.timer);
        this.calls.delete(inv.callId);
        if (why) bump(st.errors, why);
        resolve();
      };
      c.timer = setTimeout(() => done(c.ok ? 'bye-timeout' : 'timeout'), SETUP_TIMEOUT_MS + holdMs);
      c.onResponse = (t) => {
        const code = Number(t.slice(8, 11));
        const [cseq, method] = cseqOf(t);
        if (method === 'BYE' && cseq === 2) return done(code === 200 ? null : `bye-${code}`);
        if (method !== 'INVITE' || code < 200) return undefined;
        if (c.ok) return undefined;	// a retransmitted 200 (not on a WebSocket)
        if (code >= 300) {
          // ACK for a non-2xx is part of the INVITE transaction (same branch)
          this.send(`ACK sip:${target}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=${inv.branch}\r\n`
            + `Max-Forwards: 70\r\nTo: ${hdr(t, 'To')}\r\nFrom: ${hdr(t, 'From')}\r\nCall-ID: ${inv.callId}\r\n`
            + 'CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n');
          return done(String(code));
        }
        const t1 = performance.now();
        c.ok = t;
        st.lat.push(t1 - c.t0);
        st.latAt.push([c.t0, t1 - c.t0]);
        st.okAt.push(t1);
        this.send(inDialog('ACK', inv, t, 1));
        setTimeout(() => this.send(inDialog('BYE', inv, t, 2)), holdMs);
        return undefined;
      };
      c.onBye = () => { bump(st.errors, 'bye-from-sip'); done(null); };
      this.calls.set(inv.callId, c);
      st.sent++;
      this.send(inv.msg);
    });
  }
}

function newStats() {
  return { sent: 0, okAt: [], lat: [], latAt: [], errors: {}, stray: {}, inInvites: 0, inEnded: 0 };
}

// sipp in a folder of its own: it writes its -trace_* files to its
// working directory.  Registered with the suite, which stops it at the end.
async function sipp(suite, args, name, cwd = suite.tmp) {
  const port = await freePort();
  let mp;	// sipp binds its media ports mp (audio) and mp + 2 (video)
  do { mp = await freePort(); } while (mp > 65530 || await portTaken(mp + 2));
  const logPath = path.join(suite.tmp, `${name}.log`);
  const log = fs.openSync(logPath, 'w');
  const p = spawn('sipp', ['-i', '127.0.0.1', '-p', String(port), '-nostdin',
    '-mp', String(mp), ...args], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  Object.assign(p, { name, logPath, port });
  p.exited = new Promise((r) => p.on('exit', (code, signal) => r({ code, signal })));
  suite.procs.push(p);
  return p;
}

// The sipp UAS that answers browser -> SIP calls, for the whole run.
async function startUas(suite, attempt = 1) {
  const p = await sipp(suite, ['-sf', path.join(SIPP_DIR, 'uas_bench.xml'), '-m', '100000000',
    '-max_recv_loops', '10000', '-max_sched_loops', '10000', '-trace_err',
    '-error_file', path.join(suite.tmp, 'uas-errors.log')], 'sipp-uas');
  try {
    await waitFor(async () => {
      if (p.exitCode !== null) throw new Error(`sipp exited: ${suite.log(p).slice(0, 300)}`);
      return portTaken(p.port);
    }, 10000, 'sipp UAS listening');
  } catch (e) {
    if (attempt >= 3) throw e;
    return startUas(suite, attempt + 1);	// a port taken meanwhile
  }
  return p;
}

// A crash or ^C must not leave the suite running (a mediad left behind
// holds its media ports, and the next run finds none free).
let liveSuite = null;
function killLive() {
  if (!liveSuite) return;
  for (const p of liveSuite.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  liveSuite = null;
}
process.on('exit', killLive);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killLive(); process.exit(130); });

async function startSuite(o, run) {
  const users = Array.from({ length: o.conns }, (_, i) => `u${i}`);
  const { suite } = await benchSuite('bench-b2b', users.map((u) => [u, `${u}-secret`]),
    { RTCGATE_DOMAIN: DOMAIN, RTCGATE_LOG_LEVEL: o['log-level'] });
  liveSuite = suite;
  const uas = await startUas(suite);
  const routes = path.join(suite.tmp, 'routes.conf');
  // a dial plan as a PBX deployment has one: "pbx..." goes to the sipp UAS
  fs.writeFileSync(routes, `re:(pbx[0-9]*) sip:\${1}@127.0.0.1:${uas.port}\n`);
  const b2bPort = await freePort();
  const reg = suite.service('registrar');
  // mediad takes an even port (and its odd partner) per leg: two legs a
  // call, so the default range holds about 2,500 calls, 2,000 set-ups/s at
  // a 1 s hold; the tests' ranges (30000-34999) are left alone
  const media = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: o['media-ports'] });
  const b2b = suite.service('b2bua', { RTCGATE_SIP_PORT: String(b2bPort), RTCGATE_SIP_IP: '127.0.0.1',
    RTCGATE_ROUTES: routes });
  b2b.sipPort = b2bPort;
  // one client address for every connection, and far more messages per
  // connection than a browser sends: the limits are not what is measured
  const gw = await suite.wsgw({ RTCGATE_WS_RATE: '100000', RTCGATE_WS_MAX_PER_IP: String(o.conns * 2 + 100) });
  await waitFor(() => suite.health('registrar', reg.id), 10000, 'registrar');
  await waitFor(() => suite.health('b2bua', b2b.id), 10000, 'b2bua');
  await waitFor(() => suite.health('mediad', media.id), 10000, 'mediad');
  await sleep(1500);	// mediad's heartbeat reaches the b2bua
  const stats = { cur: newStats() };
  const browsers = [];
  for (let i = 0; i < o.conns; i += 20) {
    browsers.push(...await Promise.all(users.slice(i, i + 20).map(async (u) => {
      const ws = await wsClient(gw.url);
      const r = await register(ws, { user: u, pass: `${u}-secret`, expires: 3600,
        contact: `<sip:${u}@r${run}${u}.invalid;transport=ws>` });
      if (r.status !== 200) throw new Error(`REGISTER ${u}: ${r.status}`);
      return new Browser(ws, u, stats);
    })));
  }
  const pids = { nats: suite.nats.pid, wsgw: gw.pid, registrar: reg.pid, b2bua: b2b.pid, mediad: media.pid };
  for (const pid of [...Object.values(pids), uas.pid, process.pid]) renice(pid, o.nice);
  return { suite, uas, reg, media, b2b, gw, browsers, stats, pids };
}

// --events: perS media events a second, in 10 ms batches, until stop().
function startNoise(suite, perS) {
  const enc = new TextEncoder();
  let n = 0; let due = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    due = Math.floor(((performance.now() - t0) * perS) / 1000);
    for (; n < due; n++) {
      suite.nc.publish('rtcgate.media.event', enc.encode(JSON.stringify({ v: 1, kind: 'media_event',
        session: `bench-noise.${n}`, node: 'bench-noise', event: 'ice_connected' })));
    }
  }, 10);
  return { stop: () => { clearInterval(timer); return n; } };
}

// Starts the sipp UAC of one SIP -> browser step in a folder of its own;
// readUac() then reads its per-call set-up times and final statistics.
async function uacStep(env, o, rate) {
  const { suite, b2b } = env;
  const calls = Math.round(rate * o.step);
  const inf = path.join(suite.tmp, 'callees.csv');
  if (!fs.existsSync(inf)) fs.writeFileSync(inf, `SEQUENTIAL\n${env.browsers.map((b) => `${b.user};`).join('\n')}\n`);
  const dir = fs.mkdtempSync(path.join(suite.tmp, `uac-${rate}-`));
  const p = await sipp(suite, ['-sf', path.join(SIPP_DIR, 'uac_bench.xml'), '-inf', inf, '-r', String(rate), '-rp', '1000', '-m', String(calls),
    '-d', String(o.hold * 1000), '-l', String(Math.max(100, rate * (o.hold + 10))),
    '-recv_timeout', String(SETUP_TIMEOUT_MS + o.hold * 1000), '-max_recv_loops', '10000', '-max_sched_loops', '10000',
    '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-fd', '1', '-trace_err', `127.0.0.1:${b2b.sipPort}`], `sipp-uac-${rate}`, dir);
  return { p, dir, calls };
}

function readUac(u) {
  const files = fs.readdirSync(u.dir);
  const rtt = files.find((f) => f.endsWith('_rtt.csv'));
  const stat = files.find((f) => /_\d+_?\.csv$/.test(f) && !f.endsWith('_rtt.csv'));
  const lat = [];
  const at = [];	// [ms since sipp started, set-up ms]
  if (rtt) {
    // Date_ms;response_time_ms;rtd_no
    for (const l of fs.readFileSync(path.join(u.dir, rtt), 'utf8').split('\n').slice(1)) {
      const f = l.split(';');
      if (f.length >= 3 && f[2].trim() === '1') { lat.push(Number(f[1])); at.push([Number(f[0]), Number(f[1])]); }
    }
  }
  const errs = files.find((f) => f.endsWith('_errors.log'));
  const out = { lat, at, stat: {}, errorsLog: errs ? path.join(u.dir, errs) : null };
  if (stat) {
    const rows = fs.readFileSync(path.join(u.dir, stat), 'utf8').trim().split('\n');
    const head = rows[0].split(';');
    const last = rows[rows.length - 1].split(';');
    head.forEach((h, i) => { out.stat[h] = last[i]; });
  }
  return out;
}

// Counters of the b2bua and mediad once the step's calls have all ended:
// calls_active must be 0 within 30 s, media_sessions within --drain s.
async function drained(env, o) {
  const { suite, b2b, media } = env;
  const res = {};
  try {
    await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 30000, 'calls_active 0');
  } catch (e) { res.leftover = e.message; }
  try {
    await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 0, o.drain * 1000,
      `media_sessions 0 (within --drain ${o.drain} s)`);
  } catch (e) { res.leftover = `${res.leftover || ''} ${e.message}`.trim(); }
  const bc = (await suite.health('b2bua', b2b.id)).counters || {};
  const mc = (await suite.health('mediad', media.id)).counters || {};
  res.calls_active = bc.calls_active;
  res.media_sessions = mc.media_sessions;
  res.b2bua = bc;
  return res;
}

async function oneStep(env, o, dir, rate, run) {
  const { stats, browsers, pids } = env;
  const st = newStats();
  stats.cur = st;
  const tag = `${dir}-${rate}-run${run}`;
  const res = { dir, rate, run, load_before: loadavg() };
  let uac = null;
  const procPids = { ...pids };
  if (dir === 'in') {
    uac = await uacStep(env, o, rate);
    renice(uac.p.pid, o.nice);
    procPids.sipp = uac.p.pid;
  } else {
    procPids.sipp = env.uas.pid;
  }
  const sample = () => ({ ...Object.fromEntries(Object.entries(procPids).map(([k, p]) => [k, cpuOf(p)])),
    client: selfCpu(), t: performance.now(),
    wait: Object.fromEntries(Object.entries({ ...procPids, client: process.pid }).map(([k, p]) => [k, waitOf(p)])) });
  // this client's own event-loop delay: how much of the latency it adds
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const c0 = sample();
  const th0 = threadsOf(pids.b2bua);
  const perfs = (o.perf && rate === o['perf-rate'] && run === 1)
    ? ['b2bua', 'wsgw', 'mediad', 'nats'].map((k) => perfRecord(o.perf, `${k}-${tag}`, pids[k], o.step)) : [];
  let c1; let th1;
  const stepEnd = c0.t + o.step * 1000;
  const noise = o.events > 0 ? startNoise(env.suite, o.events) : null;
  const endSample = new Promise((r) => setTimeout(() => {
    c1 = sample(); th1 = threadsOf(pids.b2bua);
    if (noise) res.events_sent = noise.stop();
    r();
  }, o.step * 1000));
  const pending = [];
  if (dir === 'out') {
    // open loop: calls are started on schedule, whatever the answers do
    let k = 0; let started = 0;
    const total = Math.round(rate * o.step);
    await new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - c0.t) * rate / 1000));
        for (; started < due; started++) pending.push(browsers[k++ % browsers.length].call(`pbx${started}`, o.hold * 1000));
        if (started >= total) resolve(); else setTimeout(tick, 2);
      };
      tick();
    });
    await Promise.all(pending);
  } else {
    const ex = await uac.p.exited;
    res.sipp_exit = ex.code;
  }
  await endSample;
  eld.disable();
  // the histogram holds the intervals between 5 ms timer ticks: the delay
  // is what exceeds 5 ms
  const late = (ns) => r2(Math.max(0, ns / 1e6 - 5));
  res.client_loop_delay_ms = { p50: late(eld.percentile(50)), p99: late(eld.percentile(99)), max: late(eld.max) };
  const tDone = performance.now();
  const cDone = sample();
  res.counters = await drained(env, o);
  res.rss_mib = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, rssOf(p)]));
  res.load_after = loadavg();
  await Promise.all(perfs.map((p) => p.done));
  res.perf = perfs.map((p) => p.file);

  const wall = (c1.t - c0.t) / 1000;
  let lat; let ok; let lastOk; let sent;
  if (dir === 'out') {
    lat = st.lat.sort((a, b) => a - b);
    res.p99_by_s = bySecond(st.latAt.map(([t, l]) => [t - c0.t, l]));
    ok = lat.length;
    sent = st.sent;
    lastOk = st.okAt.length ? Math.max(...st.okAt) : c0.t;
    res.errors = st.errors;
  } else {
    const u = readUac(uac);
    lat = u.lat.sort((a, b) => a - b);
    res.p99_by_s = bySecond(u.at);
    ok = Number(u.stat['SuccessfulCall(C)'] || 0);
    sent = Number(u.stat['OutgoingCall(C)'] || uac.calls);
    // sipp's rtt trace does not carry absolute send times: the step ends
    // when sipp has placed every call, plus the set-up time of the last
    lastOk = c0.t + (sent / rate) * 1000 + (lat.length ? lat[lat.length - 1] : 0);
    res.errors = { ...st.errors };
    const failed = Number(u.stat['FailedCall(C)'] || 0);
    if (failed) res.errors.sipp_failed = failed;
    res.sipp_fail_reasons = {};
    for (const [k, v] of Object.entries(u.stat)) {
      if (/^Failed.*\(C\)$/.test(k) && k !== 'FailedCall(C)' && Number(v)) res.sipp_fail_reasons[k] = Number(v);
    }
    res.sipp_errors_log = u.errorsLog;
    res.browser_invites = st.inInvites;
    res.browser_byes = st.inEnded;
  }
  // set-ups/s: answered calls over the time from the step's start to its
  // last answer (a backlog that drains after the step lowers it)
  const span = Math.max(o.step * 1000, lastOk - c0.t) / 1000;
  Object.assign(res, {
    sent, ok, failed: Object.values(res.errors).reduce((a, b) => a + b, 0),
    setups_per_s: +(ok / span).toFixed(1), span_s: r2(span),
    p50_ms: r2(pct(lat, 0.5)), p90_ms: r2(pct(lat, 0.9)), p99_ms: r2(pct(lat, 0.99)),
    max_ms: r2(lat[lat.length - 1]), cores: {}, cpu_ms_per_call: {}, waiting: {},
    stray: st.stray, tail_s: r2((tDone - stepEnd) / 1000),
  });
  for (const k of Object.keys(procPids).concat('client')) {
    res.cores[k] = r2((c1[k] - c0[k]) / wall);
    const end = Number.isFinite(cDone[k]) ? cDone[k] : c1[k];	// sipp UAC: exited
    res.cpu_ms_per_call[k] = ok ? r2(((end - c0[k]) * 1000) / ok) : NaN;
    res.waiting[k] = r2((c1.wait[k] - c0.wait[k]) / wall);
  }
  res.b2bua_threads = Object.fromEntries(Object.entries(th1)
    .map(([n, v]) => [n, r2((v - (th0[n] || 0)) / wall)]).filter(([, v]) => v >= 0.01));
  return res;
}

// p99 of the set-up latency of the calls started in each second of the
// step: a tail spread over the step is load, one bad second a stall.
function bySecond(pairs) {
  const b = [];
  for (const [t, l] of pairs) {
    const i = Math.max(0, Math.floor(t / 1000));
    (b[i] = b[i] || []).push(l);
  }
  return Array.from(b, (x) => (x ? Math.round(pct(x.sort((p, q) => p - q), 0.99)) : null));
}

function fmt(v, w) { return String(v).padStart(w); }
const PROCS = ['b2bua', 'wsgw', 'registrar', 'mediad', 'nats', 'sipp', 'client'];

function table(rows, title) {
  console.log(`\n${title}`);
  const head = ['dir', 'run', 'target/s', 'set-ups/s', 'ok', 'fail', 'p50 ms', 'p99 ms', 'max ms',
    `cores ${PROCS.join('/')}`, 'left'];
  const w = [4, 4, 9, 10, 6, 6, 8, 8, 8, 52, 5];
  console.log(head.map((h, i) => fmt(h, w[i])).join(' '));
  for (const r of rows) {
    console.log([r.dir, r.run, r.rate, r.setups_per_s, r.ok, r.failed, r.p50_ms, r.p99_ms, r.max_ms,
      PROCS.map((k) => r.cores[k]).join('/'), r.counters ? (r.counters.calls_active || 0) : '?']
      .map((v, i) => fmt(v, w[i])).join(' '));
  }
}

function medianRows(all) {
  const groups = new Map();
  for (const r of all) {
    const k = `${r.dir}:${r.rate}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  return [...groups.values()].map((rows) => {
    const m = (f) => r2(median(rows.map(f)));
    return { dir: rows[0].dir, rate: rows[0].rate, run: 'med', setups_per_s: m((r) => r.setups_per_s),
      ok: m((r) => r.ok), failed: m((r) => r.failed), p50_ms: m((r) => r.p50_ms), p99_ms: m((r) => r.p99_ms),
      max_ms: m((r) => r.max_ms), cores: Object.fromEntries(PROCS.map((k) => [k, m((r) => r.cores[k])])),
      counters: { calls_active: Math.max(...rows.map((r) => (r.counters ? r.counters.calls_active || 0 : 0))) } };
  });
}

async function oneRun(o, run, all) {
  const env = await startSuite(o, run);
  let failedBadly = false;
  let keep = false;
  try {
    for (const dir of o.dirList) {
      if (o.warmup > 0) {
        const w = await oneStep(env, { ...o, step: o.warmup, perf: null, events: 0 }, dir, Math.min(50, ...o.rateList), run);
        console.log(`  ${dir} warm-up: ${w.ok}/${w.sent} answered, errors ${JSON.stringify(w.errors)}`);
      }
      for (const rate of o.rateList) {
        const r = await oneStep(env, o, dir, rate, run);
        all.push(r);
        console.log(`  ${dir} ${rate}/s run ${run}: ${r.setups_per_s} set-ups/s, ok ${r.ok}/${r.sent}, `
          + `p50 ${r.p50_ms} p99 ${r.p99_ms} max ${r.max_ms} ms (p99 by second ${(r.p99_by_s || []).join(',')}), `
          + `errors ${JSON.stringify(r.errors)}`
          + `, client event-loop delay ${JSON.stringify(r.client_loop_delay_ms)} ms`
          + `${r.sipp_fail_reasons && r.errors.sipp_failed ? ` (sipp: ${JSON.stringify(r.sipp_fail_reasons)}, ${r.sipp_errors_log})` : ''}; `
          + `cores ${JSON.stringify(r.cores)}; waiting for a CPU ${JSON.stringify(r.waiting)}; cpu ms/call ${JSON.stringify(r.cpu_ms_per_call)}; `
          + `b2bua threads ${JSON.stringify(r.b2bua_threads)}; `
          + `${r.events_sent ? `media events published ${r.events_sent}, b2bua us CPU per event (all of its CPU / events) ${r2((r.cores.b2bua * o.step * 1e6) / r.events_sent)}; ` : ''}after the step: calls_active ${r.counters.calls_active}, `
          + `media_sessions ${r.counters.media_sessions}${r.counters.leftover ? ` (LEFT OVER: ${r.counters.leftover})` : ''}; `
          + `RSS MiB ${JSON.stringify(r.rss_mib)}; `
          + `load ${r.load_before.join(' ')} -> ${r.load_after.join(' ')}`);
        if (r.failed || r.counters.leftover) keep = true;
        if (r.sent && r.failed > r.sent / 2) {
          console.log(`  ${dir}: more than half the calls failed at ${rate}/s: higher rates skipped (logs in ${env.suite.tmp})`);
          failedBadly = true;
          break;
        }
      }
    }
    const bc = (await env.suite.health('b2bua', env.b2b.id)).counters || {};
    console.log(`  b2bua counters at the end of run ${run}: ${JSON.stringify(bc)}`);
  } finally {
    for (const b of env.browsers) b.ws.close();
    if (keep || failedBadly) {
      process.env.KEEP_TMP = '1';	// the services' logs say why
      console.log(`  run ${run}: failures or leftovers: logs kept in ${env.suite.tmp}`);
    }
    await env.suite.close();
    liveSuite = null;
  }
}

async function main() {
  const o = parseArgs(process.argv);
  for (const b of ['rtcgate-wsgw', 'rtcgate-registrar', 'rtcgate-b2bua', 'rtcgate-mediad']) {
    if (!fs.existsSync(path.join(BUILD, 'bin', b))) {
      console.error(`b2bua bench: ${path.relative(ROOT, BUILD)}/bin/${b} missing (make BUILD=${path.relative(ROOT, BUILD)})`);
      process.exit(2);
    }
  }
  console.log(`b2bua bench: directions ${o.dirList.join(',')}, target rates ${o.rateList.join(',')}/s, `
    + `${o.step} s per step, hold ${o.hold} s, ${o.conns} registered WebSocket clients, ${o.runs} run(s), nice ${o.nice}, `
    + `BUILD=${path.relative(ROOT, BUILD)}`);
  console.log(`machine: ${os.cpus().length} CPUs, ${os.cpus()[0].model}; load average ${loadavg().join(' ')}`);
  console.log('the load generators (this node process: "client", and sipp) share the machine with the suite; '
    + 'latency: INVITE sent -> 200 received (out: this client; in: sipp -trace_rtt, 1 ms resolution); '
    + 'cores: CPU seconds per wall second over the step');
  const all = [];
  for (let run = 1; run <= o.runs; run++) await oneRun(o, run, all);
  table(all, 'every step:');
  if (o.runs > 1) table(medianRows(all), `medians of ${o.runs} runs:`);
  console.log(`load average at the end: ${loadavg().join(' ')}`);
  for (const r of all) {
    for (const f of r.perf || []) {
      if (path.basename(f).startsWith('b2bua-')) console.log(`\nprofile ${f} (self time):\n${perfReport(f)}`);
    }
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, steps: all }, null, 2));
  const bad = all.filter((r) => r.counters && (r.counters.calls_active || r.counters.media_sessions));
  if (bad.length) {
    console.log(`calls or media sessions left behind after ${bad.map((r) => `${r.dir} ${r.rate}/s`).join(', ')}`);
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
