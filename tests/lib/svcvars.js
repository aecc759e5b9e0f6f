// The environment variables each rtcgate service reads, taken from its C
// sources: configuration rows `{ "VAR", CFG_...`, getenv("VAR"), and
// "RTCGATE_..." literals in its *cfg*.c and main.c, so the deployment
// checks (deploy.test.js, k8s.test.js) stay true when variables are added.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const rel = (...p) => path.join(ROOT, ...p);

// Every service of the suite: services/<svc>/ with a main.c, plus the demo
// echo endpoint (tools/echo).
function suite() {
  const out = {};
  for (const svc of fs.readdirSync(rel('services'))) {
    const dir = path.join('services', svc);
    if (fs.existsSync(rel(dir, 'main.c'))) out[svc] = dir;
  }
  if (fs.existsSync(rel('tools/echo')) &&
      fs.readdirSync(rel('tools/echo')).some((f) => f.endsWith('.c'))) {
    out.echo = 'tools/echo';
  }
  return out;
}

const CFG_ROW = /\{\s*"([A-Z][A-Z0-9_]*)"\s*,\s*CFG_[A-Z]+\s*,\s*(NULL|"(?:[^"\\]|\\.)*")/g;
const GETENV = /getenv\s*\(\s*"([A-Z][A-Z0-9_]*)"\s*\)/g;
const LITERAL = /"(RTCGATE_[A-Z0-9_]*)"/g;

// Variables one C file reads: name -> default text (null: none).
function varsOf(file, { literals }) {
  const src = fs.readFileSync(rel(file), 'utf8');
  const vars = new Map();
  for (const m of src.matchAll(CFG_ROW)) {
    vars.set(m[1], m[2] === 'NULL' ? null : JSON.parse(m[2]));
  }
  for (const m of src.matchAll(GETENV)) if (!vars.has(m[1])) vars.set(m[1], null);
  if (literals) {
    for (const m of src.matchAll(LITERAL)) if (!vars.has(m[1])) vars.set(m[1], null);
  }
  return vars;
}

// What one service reads, and its kind on the bus (svc_configure's name).
function serviceInfo(dir) {
  const files = fs.readdirSync(rel(dir)).filter((f) => f.endsWith('.c'));
  const vars = new Map();
  let kind = null;
  for (const f of files) {
    const file = path.join(dir, f);
    const literals = /cfg/.test(f) || f === 'main.c';
    for (const [k, v] of varsOf(file, { literals })) vars.set(k, v);
    const m = fs.readFileSync(rel(file), 'utf8').match(/svc_configure\s*\([^,]+,\s*"([^"]+)"/);
    if (m) kind = m[1];
  }
  if (kind) {	// common/svc.c: NATS_URL, log settings, instance id, ...
    for (const [k, v] of varsOf('common/svc.c', { literals: true })) vars.set(k, v);
  }
  return { dir, vars, kind };
}

// Every RTCGATE_ variable named anywhere in the C sources (any literal,
// any file), for the check that a new one reaches the deployment files.
function allSourceVars() {
  const out = new Set();
  for (const dir of ['common', ...Object.values(suite())]) {
    for (const f of fs.readdirSync(rel(dir)).filter((x) => x.endsWith('.c'))) {
      for (const k of varsOf(path.join(dir, f), { literals: true }).keys()) {
        if (k.startsWith('RTCGATE_')) out.add(k);
      }
    }
  }
  return out;
}

module.exports = { suite, serviceInfo, varsOf, allSourceVars };
