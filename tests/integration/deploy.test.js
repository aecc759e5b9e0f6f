// Deployment files, checked without Docker: compose.yaml, docker/*.Dockerfile,
// .dockerignore and the images' health probe (docker/healthcheck.c).
//
// What a service reads is taken from its C sources (configuration rows
// `{ "VAR", CFG_...`, getenv("VAR"), and "RTCGATE_..." literals in its
// *cfg*.c and main.c), so the checks stay true when variables are added:
// compose must hand every such variable to the service that reads it (from
// the operator's environment, or a value of its own), and nothing else.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const YAML = require('yaml');
const { freePort, waitFor, sleep, ROOT, BUILD } = require('../lib/harness');
const { suite, serviceInfo } = require('../lib/svcvars');

const rel = (...p) => path.join(ROOT, ...p);
const read = (...p) => fs.readFileSync(rel(...p), 'utf8');

// ---- the suite, from the sources ------------------------------------------

const SUITE = suite();
const INFO = Object.fromEntries(Object.entries(SUITE).map(([s, d]) => [s, serviceInfo(d)]));

// ---- compose ----------------------------------------------------------------

// Compose interpolation with an empty environment: ${VAR:-default} gives
// the default, $$ a dollar.
function interp(v) {
  if (typeof v !== 'string') return v;
  return v.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (all, name, op, def) => (all === '$$' ? '$' : (op && op.endsWith('-') ? def : '')));
}

function loadCompose() {
  return YAML.parse(read('compose.yaml'), { merge: true });
}

// environment as a map, whether written as a map or a list
function envOf(svc) {
  const e = svc.environment || {};
  if (!Array.isArray(e)) return e;
  return Object.fromEntries(e.map((kv) => {
    const i = kv.indexOf('=');
    return i < 0 ? [kv, null] : [kv.slice(0, i), kv.slice(i + 1)];
  }));
}

test('the variables are found in the sources (the parser is not stale)', () => {
  for (const svc of ['wsgw', 'registrar', 'b2bua', 'mediad']) {
    assert.ok(INFO[svc], `services/${svc} is missing`);
    assert.equal(INFO[svc].kind, svc, `${svc}: svc_configure kind`);
    assert.ok(INFO[svc].vars.has('NATS_URL'), `${svc}: shared variables`);
  }
  assert.ok(INFO.wsgw.vars.has('RTCGATE_WSS_PORT'));
  assert.equal(INFO.registrar.vars.get('RTCGATE_USERS'), 'config/users.conf');
  assert.equal(INFO.b2bua.vars.get('RTCGATE_SIP_PORT'), '5060');
  assert.equal(INFO.mediad.vars.get('RTCGATE_MEDIA_PORTS'), '20000-29999');
  assert.equal(INFO.mediad.vars.get('RTCGATE_MEDIA_IP'), null);
});

test('compose.yaml: every service of the suite, built from its Dockerfile', () => {
  const c = loadCompose();
  assert.ok(c.services, 'no services');
  for (const svc of Object.keys(SUITE)) {
    const s = c.services[svc];
    assert.ok(s, `compose.yaml has no service ${svc}`);
    assert.ok(s.image, `${svc}: no image`);
    assert.ok(s.build, `${svc}: no build`);
    assert.equal(s.build.context, '.', `${svc}: build context`);
    assert.equal(s.build.dockerfile, `docker/${svc}.Dockerfile`, `${svc}: dockerfile`);
    assert.ok(fs.existsSync(rel(s.build.dockerfile)), `${s.build.dockerfile} missing`);
    assert.ok(['always', 'unless-stopped', 'on-failure'].includes(s.restart),
      `${svc}: restart policy`);
    assert.ok([].concat(Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on || {}))
      .includes('nats'), `${svc}: depends_on nats`);
  }
  for (const name of Object.keys(c.services)) {
    assert.ok(name === 'nats' || SUITE[name], `compose service ${name} is not part of the suite`);
  }
});

test('compose.yaml: NATS with JetStream on a volume, on the address services use', () => {
  const c = loadCompose();
  const n = c.services.nats;
  assert.ok(n, 'no nats service');
  assert.match(n.image, /^nats:2\.\d+/);
  const cmd = (Array.isArray(n.command) ? n.command : n.command.split(/\s+/)).map(interp);
  assert.ok(cmd.includes('-js') || cmd.includes('--jetstream'), 'JetStream is not on');
  const sd = cmd[cmd.indexOf('-sd') + 1];
  assert.ok(cmd.includes('-sd') && sd, 'no -sd');
  const vol = (n.volumes || []).map(String).find((v) => v.endsWith(`:${sd}`));
  assert.ok(vol, `nothing mounted on ${sd}`);
  assert.ok(c.volumes && vol.split(':')[0] in c.volumes, `volume ${vol} is not a named volume`);
  const port = cmd.includes('-p') ? cmd[cmd.indexOf('-p') + 1] : '4222';
  const addr = cmd.includes('-a') ? cmd[cmd.indexOf('-a') + 1] : '0.0.0.0';
  for (const svc of Object.keys(SUITE)) {
    const s = c.services[svc];
    const url = new URL(interp(envOf(s).NATS_URL));
    if (s.network_mode === 'host') {
      assert.equal(n.network_mode, 'host', 'nats must share the host network too');
      assert.ok(['127.0.0.1', 'localhost', addr].includes(url.hostname), `${svc}: ${url}`);
    } else {
      assert.equal(url.hostname, 'nats', `${svc}: ${url}`);
    }
    assert.equal(url.port || '4222', port, `${svc}: NATS_URL port`);
  }
});

test('compose.yaml: each service gets every variable it reads, and only those', () => {
  const c = loadCompose();
  const missing = [];
  const unread = [];
  const crossed = [];
  for (const [svc, info] of Object.entries(INFO)) {
    const env = envOf(c.services[svc]);
    for (const v of info.vars.keys()) {
      if (!(v in env)) missing.push(`${svc}: ${v}: \${${v}:-}`);
    }
    for (const [k, val] of Object.entries(env)) {
      if (!info.vars.has(k)) unread.push(`${svc}: ${k}`);
      // a pass-through names its own variable
      const m = typeof val === 'string' && val.match(/^\$\{([A-Za-z0-9_]+)(?::?-[^}]*)?\}$/);
      if (m && m[1] !== k) crossed.push(`${svc}: ${k} takes its value from ${m[1]}`);
    }
  }
  assert.deepEqual(missing, [], 'variables read by a service but not passed by compose.yaml');
  assert.deepEqual(unread, [], 'variables compose.yaml sets that the service does not read');
  assert.deepEqual(crossed, [], 'pass-throughs of another variable');
});

test('compose.yaml: host networking, and the b2bua sends calls to the echo endpoint', () => {
  const c = loadCompose();
  assert.equal(c.services.mediad.network_mode, 'host', 'mediad needs the host network');
  for (const svc of Object.keys(SUITE)) {
    const s = c.services[svc];
    if (s.network_mode === 'host') {
      assert.ok(!s.ports, `${svc}: ports are ignored on the host network`);
    }
  }
  if (!INFO.echo) return;
  const echoEnv = envOf(c.services.echo);
  const port = interp(echoEnv.RTCGATE_ECHO_PORT) || INFO.echo.vars.get('RTCGATE_ECHO_PORT');
  const ip = interp(echoEnv.RTCGATE_ECHO_IP) || INFO.echo.vars.get('RTCGATE_ECHO_IP');
  const out = interp(envOf(c.services.b2bua).RTCGATE_SIP_OUTBOUND);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  assert.match(out, new RegExp(`^sip:(?:[^@]+@)?${host.replace(/[.[\]]/g, '\\$&')}:${port}(?:;|$)`),
    `RTCGATE_SIP_OUTBOUND ${out} is not the echo endpoint ${host}:${port}`);
});

test('compose.yaml validates with docker-compose config', (t) => {
  const have = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  if (have.error) {
    t.skip('docker-compose is not installed (Debian package docker-compose)');
    return;
  }
  const r = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config', '-q'],
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /WARNING/, 'unset variables without a default');
});

// ---- Dockerfiles ------------------------------------------------------------

// Instructions of a Dockerfile: [{ op, args, stage }] with continuation
// lines joined and comments dropped.
function parseDockerfile(text) {
  const lines = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const l = raw.replace(/\s+$/, '');
    if (l.endsWith('\\')) { cur += `${l.slice(0, -1)} `; continue; }
    cur += l;
    if (cur.trim()) lines.push(cur.trim());
    cur = '';
  }
  const out = [];
  let stage = -1;
  for (const l of lines) {
    const [, op, args] = l.match(/^(\S+)\s*(.*)$/);
    if (op.toUpperCase() === 'FROM') stage++;
    out.push({ op: op.toUpperCase(), args, stage });
  }
  return out;
}

// Packages named by "apt-get install" in one stage.
function aptPackages(ins, stage) {
  const pk = [];
  for (const i of ins.filter((x) => x.stage === stage && x.op === 'RUN')) {
    for (const m of i.args.matchAll(/apt-get install ((?:[^&;|]|\\\n)*)/g)) {
      pk.push(...m[1].split(/\s+/).filter((w) => w && !w.startsWith('-')));
    }
  }
  return pk;
}

// -dev packages of tools/deps.sh that building needs (cmocka: unit tests).
function buildDevPackages() {
  const deps = read('tools/deps.sh').match(/DEBS=\(([^)]*)\)/)[1];
  return deps.split(/\s+/).filter((p) => p.endsWith('-dev') && p !== 'libcmocka-dev');
}

const DOCKERFILES = fs.readdirSync(rel('docker')).filter((f) => f.endsWith('.Dockerfile'));

test('docker/: one Dockerfile per service of the suite', () => {
  const want = Object.keys(SUITE).map((s) => `${s}.Dockerfile`).sort();
  for (const f of want) assert.ok(DOCKERFILES.includes(f), `docker/${f} is missing`);
  assert.ok(DOCKERFILES.includes('echo.Dockerfile'), 'docker/echo.Dockerfile is missing');
});

for (const file of DOCKERFILES) {
  const svc = file.replace(/\.Dockerfile$/, '');
  test(`docker/${file}: build on bookworm, run on bookworm-slim, non-root, health`, () => {
    const ins = parseDockerfile(read('docker', file));
    const froms = ins.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'multi-stage: at least a build and a run stage');
    const names = [];
    for (const f of froms) {
      const [image, as, name] = f.args.split(/\s+/);
      assert.ok(['debian:bookworm', 'debian:bookworm-slim'].includes(image) || names.includes(image),
        `FROM ${image}`);
      if (as && as.toUpperCase() === 'AS') names.push(name);
    }
    assert.match(froms[0].args, /^debian:bookworm\s+AS\s+\S+/i, 'build stage');
    const last = froms.length - 1;
    assert.equal(froms[last].args.split(/\s+/)[0], 'debian:bookworm-slim', 'run stage');
    const fin = ins.filter((i) => i.stage === last);
    const op = (o) => fin.filter((i) => i.op === o);

    // build: every -dev package the Makefile needs, then make the service
    const buildPk = aptPackages(ins, 0);
    for (const p of buildDevPackages()) assert.ok(buildPk.includes(p), `build stage lacks ${p}`);
    assert.ok(ins.some((i) => i.stage === 0 && i.op === 'RUN' &&
      new RegExp(`\\bmake\\b.*\\bbuild/release/bin/rtcgate-${svc}\\b`).test(i.args)),
    `build stage does not make build/release/bin/rtcgate-${svc}`);

    // run: libraries only, the binary, a non-root user
    const runPk = aptPackages(ins, last);
    assert.ok(runPk.length > 0, 'run stage installs no runtime libraries');
    for (const p of runPk) assert.doesNotMatch(p, /-dev$|^build-essential$|^gcc/, `run stage installs ${p}`);
    assert.ok(op('COPY').some((i) => /--from=\S+/.test(i.args) && i.args.includes(`rtcgate-${svc}`)),
      'the binary is not copied from the build stage');
    const users = op('USER');
    assert.ok(users.length > 0, 'no USER');
    const user = users[users.length - 1].args.split(':')[0];
    assert.ok(!['root', '0'].includes(user), `USER ${user}`);
    for (const e of op('ENTRYPOINT').concat(op('CMD'))) {
      assert.doesNotMatch(e.args, /^\s*[^[]/, `${e.op} in shell form: signals would not reach the service`);
    }
    const entry = op('ENTRYPOINT').concat(op('CMD')).map((i) => JSON.parse(i.args).join(' ')).join(' ');
    assert.match(entry, new RegExp(`^rtcgate-${svc}\\b`), 'does not run the service');

    const hc = op('HEALTHCHECK');
    assert.equal(hc.length, 1, 'one HEALTHCHECK');
    const m = hc[0].args.match(/CMD\s+(\[.*\])\s*$/);
    assert.ok(m, 'HEALTHCHECK CMD in exec form');
    const argv = JSON.parse(m[1]);
    assert.equal(argv[0], 'rtcgate-healthcheck');
    if (INFO[svc]) assert.equal(argv[1], INFO[svc].kind, 'health of the kind the service answers as');
    assert.ok(op('COPY').some((i) => i.args.includes('rtcgate-healthcheck')), 'no health probe copied');

    // ENV only for what the service reads; EXPOSE the default ports
    for (const e of op('ENV')) {
      const k = e.args.split(/[=\s]/)[0];
      assert.ok(!INFO[svc] || INFO[svc].vars.has(k), `ENV ${k}: the service does not read it`);
    }
    const expose = op('EXPOSE').map((i) => i.args).join(' ').split(/\s+/);
    const portVars = {
      wsgw: [['RTCGATE_WSS_PORT', 'tcp']],
      b2bua: [['RTCGATE_SIP_PORT', 'udp'], ['RTCGATE_SIP_PORT', 'tcp']],
      mediad: [['RTCGATE_MEDIA_PORTS', 'udp']],
      echo: [['RTCGATE_ECHO_PORT', 'udp'], ['RTCGATE_ECHO_PORT', 'tcp'], ['RTCGATE_ECHO_MEDIA_PORTS', 'udp']],
    }[svc] || [];
    for (const [v, proto] of portVars) {
      if (!INFO[svc] || !INFO[svc].vars.get(v)) continue;
      const want = `${INFO[svc].vars.get(v)}/${proto}`;
      assert.ok(expose.includes(want), `EXPOSE ${want} (default ${v})`);
    }
    if (svc === 'wsgw') {
      assert.ok(op('COPY').some((i) => /\bweb\/public$/.test(i.args)), 'the web app is not in the image');
    }
    if (svc === 'registrar') {
      assert.ok(op('COPY').some((i) => /config\/users\.conf$/.test(i.args)), 'no users file');
    }
    // everything COPYed from the context exists (the echo's sources aside,
    // which are written as this test is)
    for (const c of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const srcs = c.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
      for (const s of srcs) {
        if (s.startsWith('tools/echo') && !SUITE.echo) continue;
        assert.ok(fs.existsSync(rel(s)), `COPY ${s}: not in the repository`);
      }
    }
  });
}

test('.dockerignore keeps builds, node_modules and run state out of the context', () => {
  const lines = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const want of ['build/', '.run/']) {
    assert.ok(lines.some((l) => l.replace(/^\//, '') === want || l === want.slice(0, -1)), want);
  }
  assert.ok(lines.some((l) => /(^|\/)node_modules\/?$/.test(l)), 'node_modules');
});

// ---- the health probe, for real ------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcgate-deploy-'));
const procs = [];
test.after(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await sleep(100);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(name, cmd, args, env) {
  const log = fs.openSync(path.join(tmp, `${name}.log`), 'w');
  const p = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] });
  procs.push(p);
  return p;
}

function probe(args, env) {
  return new Promise((resolve) => {
    const p = spawn(path.join(tmp, 'rtcgate-healthcheck'), args,
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('docker/healthcheck.c: healthy only when the instance answers on the bus', async (t) => {
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libnats', 'jansson', 'openssl'], { encoding: 'utf8' });
  if (flags.status !== 0) { t.skip('no pkg-config or -dev packages to build the probe'); return; }
  const cc = spawnSync('cc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-Wshadow',
    '-Wmissing-prototypes', '-Wstrict-prototypes', '-Wvla', rel('docker/healthcheck.c'),
    '-o', path.join(tmp, 'rtcgate-healthcheck'), ...flags.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `the probe does not build: ${cc.stderr}`);
  for (const b of ['rtcgate-registrar', 'rtcgate-wsgw']) {
    if (!fs.existsSync(path.join(BUILD, 'bin', b))) { t.skip(`${b} is not built`); return; }
  }

  const natsPort = await freePort();
  const wssPort = await freePort();
  const nats = start('nats', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', path.join(tmp, 'js')], {});
  const bus = { NATS_URL: `nats://127.0.0.1:${natsPort}` };
  const regEnv = { ...bus, RTCGATE_INSTANCE_ID: 'registrar-deploytest' };
  const wsEnv = { ...bus, RTCGATE_INSTANCE_ID: 'wsgw-deploytest', RTCGATE_WSS_ADDR: '127.0.0.1', RTCGATE_WSS_PORT: String(wssPort) };
  const reg = start('registrar', path.join(BUILD, 'bin/rtcgate-registrar'), [], regEnv);
  start('wsgw', path.join(BUILD, 'bin/rtcgate-wsgw'), [], wsEnv);

  await t.test('a live registrar is healthy', async () => {
    const r = await waitFor(async () => { const x = await probe(['registrar'], regEnv); return x.code === 0 && x; },
      10000, 'registrar healthy');
    assert.match(r.out, /ok: registrar registrar-deploytest/);
  });
  await t.test('wsgw: bus and HTTPS /healthz', async () => {
    const r = await waitFor(async () => { const x = await probe(['wsgw', '--https'], wsEnv); return x.code === 0 && x; },
      10000, 'wsgw healthy');
    assert.match(r.out, /https \/healthz (200|503)/);
    const bad = await probe(['wsgw', '--https'], { ...wsEnv, RTCGATE_WSS_PORT: String(await freePort()) });
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /no HTTPS answer/);
  });
  await t.test('another instance id, or a stopped process: unhealthy', async () => {
    const other = await probe(['registrar'], { ...regEnv, RTCGATE_INSTANCE_ID: 'registrar-elsewhere' });
    assert.equal(other.code, 1, other.out);
    reg.kill('SIGSTOP');
    try {
      const stopped = await probe(['registrar'], regEnv);
      assert.equal(stopped.code, 1, stopped.out);
      assert.match(stopped.out, /no health reply/);
    } finally {
      reg.kill('SIGCONT');
    }
  });
  await t.test('the instance id made as the service makes it (own pid namespace)', async (st) => {
    // In a container the probe finds rtcgate-<svc> in /proc and derives
    // <svc>-<host>-<pid>; here a private pid namespace stands in for it.
    const script = `"${path.join(BUILD, 'bin/rtcgate-registrar')}" & pid=$!; ` +
      `for i in $(seq 50); do "${path.join(tmp, 'rtcgate-healthcheck')}" registrar && ok=1 && break; sleep 0.2; done; ` +
      'kill $pid; wait $pid; [ "$ok" = 1 ]';
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script],
      { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...bus }, timeout: 20000 });
    // unshare itself refused (no privilege, or a chroot without a mount
    // namespace to change): the environment, not the probe, says no.
    if (r.error || /^unshare: /m.test(r.stderr)) {
      st.skip(`no private pid namespace here: ${r.error ? r.error.message : r.stderr.trim()}`);
      return;
    }
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`ok: registrar registrar-${os.hostname().slice(0, 39).replace(/[^A-Za-z0-9_-]/g, '-')}-\\d+ `));
  });
  await t.test('NATS gone: unhealthy', async () => {
    nats.kill('SIGTERM');
    await new Promise((r) => nats.once('exit', r));
    const r = await probe(['registrar'], regEnv);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /NATS at/);
  });
});
