// rtcgate-peer (tools/webrtc-peer) for the mediad tests: built when it is
// missing or older than its sources (its own, and the mediad and common/
// modules it reuses, see its build.sh), and run to completion against a
// node, resolving with its JSON report.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { ROOT, BUILD } = require('./harness');

const PEER = path.join(BUILD, 'bin', 'rtcgate-peer');

function ensurePeer() {
  const dir = path.join(ROOT, 'tools/webrtc-peer');
  const srcs = fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => path.join(dir, f));
  for (const m of ['dtls', 'srtpx', 'srtp_ossl', 'sdp', 'sdp_write', 'g711', 'rtp']) {
    srcs.push(path.join(ROOT, 'services/mediad', `${m}.c`));
  }
  for (const m of ['bus', 'busmsg', 'log', 'handoff']) srcs.push(path.join(ROOT, 'common', `${m}.c`));
  const newest = Math.max(...srcs.filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(PEER) && fs.statSync(PEER).mtimeMs >= newest) return;
  execFileSync(path.join(dir, 'build.sh'), { cwd: ROOT, stdio: 'pipe', env: { ...process.env, BUILD } });
}

// Runs the peer against node (an id) through the suite's nats-server; a
// sanitizer report in its stderr, or no JSON report, fails the run.
function runPeer(suite, node, args, timeoutMs = 60000) {
  ensurePeer();
  return new Promise((resolve, reject) => {
    const p = spawn(PEER, ['--nats', suite.natsUrl, '--node', node, '--warmup', '300', ...args], { cwd: ROOT });
    let out = ''; let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(err)) {
        reject(new Error(`sanitizer report from rtcgate-peer:\n${err.slice(-4000)}`));
        return;
      }
      try { resolve({ code, r: JSON.parse(out), err }); } catch (e) {
        reject(new Error(`rtcgate-peer exited ${code} without a report:\n${err.slice(-3000)}`));
      }
    });
  });
}

module.exports = { PEER, ensurePeer, runPeer };
