// The deployment topology as processes on separate network hosts (issue 6):
// network namespaces on one bridge (tests/cluster/lib.js) for a NATS
// cluster of 3 (the configuration of docker/k8s/nats.yaml, cluster routes
// by name, JetStream), 2 wsgw, 2 registrars, 2 b2buas, 3 mediad nodes, a
// SIP peer host (sipp as UAS) and two client hosts (tests/cluster/client.js:
// raw SIP over WSS for calls, JsSIP for reconnection).  Checks that work
// scales out and survives losing one of each: calls spread over the media
// nodes; kill -9 of a mediad ends its calls on both sides within 5 s and
// spares the rest; kill -9 of a b2bua or of a NATS server leaves the suite
// working (registrations kept in KV); a stopped wsgw's clients re-register
// through the other; a draining mediad takes no new calls.
// Needs root (ip netns); skipped, with the reason printed, without it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { connect, StringCodec } = require('nats');
const { spawn } = require('node:child_process');
const { Suite, waitFor, sleep, ROOT, BUILD } = require('../lib/harness');
const { serviceInfo } = require('../lib/svcvars');
const { Net, unavailable } = require('./lib');

const SKIP = unavailable() || false;
if (SKIP) console.log(`tests/cluster skipped: ${SKIP}`);
const sc = StringCodec();
const DOMAIN = 'example.com';
const CALLS = 30;

const net = new Net();
const suite = SKIP ? null : new Suite('cluster');
const H = {};		// host name -> { ns, ip }
const P = {};		// process name -> child process
const clients = {};	// client host -> IPC handle
let nc;
const jssipEvents = [];
const beats = {};	// media node -> its last heartbeat

const NATS_HOSTS = ['nats1', 'nats2', 'nats3'];
// One server per service, spread over the three: common/bus.c takes one
// URL (natsOptions_SetURL; a comma-separated list does not connect), and
// the client learns the rest of the cluster from that server, which is
// what it reconnects to when its server dies.
let natsTurn = 0;
const natsUrl = () => `nats://${H[NATS_HOSTS[natsTurn++ % 3]].ip}:4222`;

// The ConfigMap's nats.conf, with the data and pid paths of this run.
function natsConf(i) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, 'docker/k8s/nats.yaml'), 'utf8'));
  const cm = docs.map((d) => d.toJS()).find((d) => d && d.kind === 'ConfigMap');
  const file = path.join(suite.tmp, `nats${i}.conf`);
  fs.writeFileSync(file, cm.data['nats.conf']
    .replace('/data/jetstream', path.join(suite.tmp, `js${i}`))
    .replace('/var/run/nats/nats.pid', path.join(suite.tmp, `nats${i}.pid`)));
  return file;
}

function inNs(host, name, cmd, args, env) {
  const p = suite.spawn(name, 'ip', ['netns', 'exec', H[host].ns, cmd, ...args], env);
  P[name] = p;
  return p;
}

function service(kind, host, env) {
  const id = `${kind}-${host}`;
  const p = inNs(host, id, path.join(BUILD, 'bin', `rtcgate-${kind}`), [], {
    NATS_URL: natsUrl(), RTCGATE_INSTANCE_ID: id, RTCGATE_LOG_LEVEL: 'info',
    RTCGATE_DOMAIN: DOMAIN, RTCGATE_BUS_DEADLINE: '30', ...env,
  });
  p.id = id;
  return p;
}

async function health(kind, id, timeout = 2000) {
  const r = await nc.request(`rtcgate.health.${kind}.${id}`, sc.encode('{"v":1,"kind":"health_req"}'), { timeout });
  return JSON.parse(sc.decode(r.data));
}

// A client host: client.js in its namespace, with a request/answer channel.
function clientHost(host) {
  const log = fs.openSync(path.join(suite.tmp, `client-${host}.log`), 'w');
  const p = spawn('ip', ['netns', 'exec', H[host].ns, process.execPath, path.join(__dirname, 'client.js')],
    { cwd: ROOT, stdio: ['ignore', log, log, 'ipc'] });
  fs.closeSync(log);
  const waiting = new Map();
  let n = 0;
  const ready = new Promise((r) => {
    p.on('message', (m) => {
      if (m.ev === 'ready') r();
      else if (m.ev === 'jssip') jssipEvents.push({ host, at: Date.now(), ...m });
      else if (waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); }
    });
  });
  const call = (op, args = {}) => new Promise((resolve, reject) => {
    const id = ++n;
    waiting.set(id, (m) => (m.error ? reject(new Error(`${host} ${op}: ${m.error}`)) : resolve(m.result)));
    p.send({ id, op, ...args });
  });
  return { p, ready, call };
}

// Distinct Call-IDs of the BYEs sipp received.
function sippByes() {
  let text = '';
  try { text = fs.readFileSync(path.join(suite.tmp, 'sipp.msg'), 'utf8'); } catch (e) { return new Set(); }
  const out = new Set();
  for (const block of text.split(/message received \[\d+\] bytes :/).slice(1)) {
    if (/^\s*BYE /.test(block)) out.add((/\nCall-ID:\s*(\S+)/i.exec(block) || [])[1]);
  }
  return out;
}

// The AoR keys of the registrar's bucket; retried while a server is lost
// and the bucket's stream elects a new leader.
async function kvKeys(ms = 20000) {
  return waitFor(async () => {
    // the stream's subjects (one API request), not a key-listing consumer
    const kv = await nc.jetstream().views.kv('rtcgate_bindings');
    const jsm = await nc.jetstreamManager();
    const si = await jsm.streams.info('KV_rtcgate_bindings', { subjects_filter: '$KV.rtcgate_bindings.aor.>' });
    const keys = Object.keys(si.state.subjects || {}).map((x) => x.replace('$KV.rtcgate_bindings.', ''));
    return { kv, keys };
  }, ms, 'the KV bucket');
}

test.before(async () => {
  if (SKIP) return;
  net.up();
  const plan = [['nats1', 11], ['nats2', 12], ['nats3', 13], ['wsgw1', 21], ['wsgw2', 22],
    ['reg1', 31], ['reg2', 32], ['b2b1', 41], ['b2b2', 42], ['media1', 51], ['media2', 52],
    ['media3', 53], ['sip', 61], ['c1', 71], ['c2', 72]];
  const natsNames = NATS_HOSTS.map((h, i) => `10.77.0.${11 + i} nats-${i}.nats-headless\n`).join('');
  for (const [name, octet] of plan) {
    H[name] = net.host(name, octet, name.startsWith('nats') ? { hosts: natsNames } : {});
  }

  NATS_HOSTS.forEach((h, i) => inNs(h, h, 'nats-server', ['-c', natsConf(i)], { SERVER_NAME: `nats-${i}` }));
  nc = await waitFor(() => connect({ servers: NATS_HOSTS.map((h) => `${H[h].ip}:4222`) }), 15000, 'nats');
  // JetStream answers once the cluster has elected its meta leader.
  await waitFor(async () => {
    const r = JSON.parse(sc.decode((await nc.request('$JS.API.INFO', sc.encode(''), { timeout: 1000 })).data));
    return !r.error;
  }, 30000, 'JetStream in the cluster');

  const users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(users, ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => `${u} ${u}-secret`).join('\n') + '\n');
  for (const h of ['reg1', 'reg2']) {
    service('registrar', h, { RTCGATE_USERS: users, RTCGATE_NONCE_SECRET: 'cluster-secret', RTCGATE_KV_REPLICAS: '3' });
  }
  for (const h of ['media1', 'media2', 'media3']) {
    service('mediad', h, { RTCGATE_MEDIA_IP: H[h].ip, RTCGATE_MEDIA_PORTS: '20000-20999',
      RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_HEARTBEAT_MS: '200', RTCGATE_MEDIA_DRAIN_GRACE: '60' });
  }
  for (const h of ['b2b1', 'b2b2']) {
    service('b2bua', h, { RTCGATE_SIP_IP: H[h].ip, RTCGATE_SIP_PORT: '5060',
      RTCGATE_SIP_OUTBOUND: `sip:\${user}@${H.sip.ip}:5060` });
  }
  for (const h of ['wsgw1', 'wsgw2']) {
    const p = service('wsgw', h, { RTCGATE_WSS_ADDR: H[h].ip, RTCGATE_WSS_PORT: '8443',
      RTCGATE_WEB_ROOT: path.join(ROOT, 'web/public') });
    p.url = `wss://${H[h].ip}:8443`;
  }
  inNs('sip', 'sipp', 'sipp', ['-sf', path.join(ROOT, 'tests/sipp/uas_answer.xml'), '-i', H.sip.ip,
    '-p', '5060', '-mp', '6000', '-nostdin', '-trace_msg', '-message_file', path.join(suite.tmp, 'sipp.msg')], {});

  for (const [kind, hosts] of [['registrar', ['reg1', 'reg2']], ['mediad', ['media1', 'media2', 'media3']],
    ['b2bua', ['b2b1', 'b2b2']], ['wsgw', ['wsgw1', 'wsgw2']]]) {
    for (const h of hosts) await waitFor(() => health(kind, `${kind}-${h}`), 30000, `${kind}-${h}`);
  }
  const hb = nc.subscribe('rtcgate.media.heartbeat');
  (async () => {
    for await (const m of hb) {
      const b = JSON.parse(sc.decode(m.data));
      beats[b.node] = { at: Date.now(), m: b };
    }
  })();
  await sleep(1000);	// every b2bua has heard every media node

  clients.c1 = clientHost('c1');
  clients.c2 = clientHost('c2');
  await Promise.all([clients.c1.ready, clients.c2.ready]);
  // raw clients: alice through wsgw1, bob through wsgw2
  await clients.c1.call('open', { key: 'alice', url: P['wsgw-wsgw1'].url, user: 'alice', pass: 'alice-secret', domain: DOMAIN });
  await clients.c2.call('open', { key: 'bob', url: P['wsgw-wsgw2'].url, user: 'bob', pass: 'bob-secret', domain: DOMAIN });
  // JsSIP UAs with both edges listed, wsgw1 preferred (higher weight)
  const urls = [{ url: P['wsgw-wsgw1'].url, weight: 2 }, { url: P['wsgw-wsgw2'].url, weight: 1 }];
  await clients.c1.call('jssip', { key: 'dave', urls, user: 'dave', pass: 'dave-secret', domain: DOMAIN });
  await clients.c2.call('jssip', { key: 'erin', urls, user: 'erin', pass: 'erin-secret', domain: DOMAIN });
  await waitFor(() => ['dave', 'erin'].every((k) => jssipEvents.some((e) => e.key === k && e.type === 'registered')),
    15000, 'JsSIP UAs registered');
});

test.after(async () => {
  if (SKIP) return;
  try {
    for (const c of Object.values(clients)) c.p.kill('SIGKILL');
    if (nc) await nc.close().catch(() => {});
    // services first (SIGTERM: sanitizer builds report at exit), NATS last
    const natsProcs = NATS_HOSTS.map((h) => P[h]);
    await Promise.all(suite.procs.filter((p) => !natsProcs.includes(p)).map((p) => suite.stopWithin(p, 6000)));
    await suite.close();
  } finally {
    net.down();
  }
});

const live = {};	// callId -> { host, mediaIp, owner }

async function placeCall(host, key, to) {
  const r = await clients[host].call('invite', { key, to });
  assert.equal(r.status, 200, `call ${to} from ${key}: ${r.status}`);
  live[r.callId] = { host, key, mediaIp: r.mediaIp, owner: r.owner };
  return r;
}

async function hangUp(callId) {
  const { host } = live[callId];
  const r = await clients[host].call('bye', { callId });
  delete live[callId];
  return r.status;
}

const perNode = () => {
  const n = {};
  for (const c of Object.values(live)) n[c.mediaIp] = (n[c.mediaIp] || 0) + 1;
  return n;
};

test('30 calls spread over the 3 media nodes and both b2buas', { skip: SKIP }, async (t) => {
  for (let i = 0; i < CALLS; i += 5) {
    await Promise.all([0, 1, 2, 3, 4].map((j) => {
      const k = i + j;
      return k % 2 ? placeCall('c2', 'bob', `spread${k}`) : placeCall('c1', 'alice', `spread${k}`);
    }));
  }
  const n = perNode();
  t.diagnostic(`calls per media node: ${JSON.stringify(n)}`);
  const media = ['media1', 'media2', 'media3'].map((h) => H[h].ip);
  assert.deepEqual(Object.keys(n).sort(), media.sort(), `calls per node ${JSON.stringify(n)}`);
  for (const [ip, k] of Object.entries(n)) assert.ok(k <= CALLS / 2, `${ip} has ${k} of ${CALLS} calls`);
  const owners = new Set(Object.values(live).map((c) => c.owner));
  assert.equal(owners.size, 2, `calls owned by ${[...owners]}`);
  // each node's own count, in the heartbeats the b2buas balance on
  const since = Date.now();
  await waitFor(() => ['media1', 'media2', 'media3'].every((h) => (beats[`mediad-${h}`] || {}).at > since + 300),
    5000, 'fresh heartbeats');
  for (const h of ['media1', 'media2', 'media3']) {
    assert.equal(beats[`mediad-${h}`].m.sessions, n[H[h].ip], `${h}: sessions in its heartbeat`);
  }
});

test('kill -9 of a media node: its calls end on both sides within 5 s, the rest stay, new calls avoid it',
  { skip: SKIP }, async (t) => {
    const n = perNode();
    const victimIp = Object.keys(n).sort((a, b) => n[b] - n[a])[0];
    const victim = ['media1', 'media2', 'media3'].find((h) => H[h].ip === victimIp);
    const doomed = Object.keys(live).filter((id) => live[id].mediaIp === victimIp);
    const spared = Object.keys(live).filter((id) => live[id].mediaIp !== victimIp);
    assert.ok(doomed.length > 0 && spared.length > 0);
    const sipBefore = sippByes().size;
    const t0 = Date.now();
    await suite.stop(P[`mediad-${victim}`], 'SIGKILL');
    const byes = await waitFor(async () => {
      const b = { ...await clients.c1.call('byes'), ...await clients.c2.call('byes') };
      return doomed.every((id) => id in b) && b;
    }, 15000, 'BYE to the browsers of the lost node\'s calls');
    const worst = Math.max(...doomed.map((id) => byes[id] - t0));
    t.diagnostic(`${doomed.length} calls on ${victim}: the last browser BYE ${worst} ms after kill -9`);
    assert.ok(worst < 5000, `the last browser BYE came ${worst} ms after the kill`);
    await waitFor(() => sippByes().size - sipBefore >= doomed.length, 5000 - (Date.now() - t0) + 500,
      'BYE on the SIP side of every lost call');
    // nothing else was hung up
    await sleep(1000);
    const after = { ...await clients.c1.call('byes'), ...await clients.c2.call('byes') };
    assert.deepEqual(spared.filter((id) => id in after), [], 'calls on other nodes were hung up');
    assert.equal(sippByes().size - sipBefore, doomed.length, 'SIP legs hung up');
    for (const id of doomed) delete live[id];
    // new calls go to the two nodes left
    for (let i = 0; i < 4; i++) {
      const r = await placeCall(i % 2 ? 'c2' : 'c1', i % 2 ? 'bob' : 'alice', `after${i}`);
      assert.notEqual(r.mediaIp, victimIp);
    }
    // the spared calls were live all along: their BYE is answered 200
    for (const id of Object.keys(live)) assert.equal(await hangUp(id), 200, `BYE of ${id}`);
  });

test('kill -9 of a b2bua: new calls still work, through the other', { skip: SKIP }, async () => {
  await suite.stop(P['b2bua-b2b1'], 'SIGKILL');
  for (let i = 0; i < 6; i++) {
    const r = await placeCall(i % 2 ? 'c2' : 'c1', i % 2 ? 'bob' : 'alice', `b2b${i}`);
    assert.match(r.owner, /b2bua-b2b2/, `call owned by ${r.owner}`);
  }
  for (const id of Object.keys(live)) assert.equal(await hangUp(id), 200);
});

test('kill -9 of a NATS server: registrations stay in KV, registering and calling still work',
  { skip: SKIP }, async () => {
    const before = (await kvKeys()).keys.sort();
    assert.ok(before.length >= 4, `bindings in KV: ${before}`);
    await suite.stop(P.nats1, 'SIGKILL');
    // the services and our own connection move to the other two servers
    // every process still running answers on the bus again (those that
    // were on the lost server reconnect to the two others)
    const running = Object.values(P).filter((p) => p.id && p.exitCode === null && p.signalCode === null);
    for (const p of running) {
      await waitFor(() => health(p.id.split('-')[0], p.id), 20000, `${p.id} back on the bus`);
    }
    assert.deepEqual((await kvKeys()).keys.sort(), before, 'bindings after losing a server');
    await waitFor(() => clients.c2.call('open', { key: 'carol', url: P['wsgw-wsgw2'].url, user: 'carol',
      pass: 'carol-secret', domain: DOMAIN }), 20000, 'a new registration');
    assert.ok((await kvKeys()).keys.some((k) => k.includes('carol')), 'carol\'s binding in KV');
    const r = await waitFor(() => clients.c2.call('invite', { key: 'carol', to: 'afternats' })
      .then((x) => x.status === 200 && x), 20000, 'a call');
    live[r.callId] = { host: 'c2', mediaIp: r.mediaIp, owner: r.owner };
    assert.equal(await hangUp(r.callId), 200);
  });

test('stop one wsgw: its JsSIP clients reconnect to the other and re-register', { skip: SKIP }, async () => {
  const w1 = P['wsgw-wsgw1'].url; const w2 = P['wsgw-wsgw2'].url;
  for (const k of ['dave', 'erin']) {
    const c = jssipEvents.filter((e) => e.key === k && e.type === 'connected');
    assert.equal(c[c.length - 1].url, w1, `${k} started on wsgw1 (the higher weight)`);
  }
  const mark = jssipEvents.length;
  await suite.stop(P['wsgw-wsgw1'], 'SIGTERM');
  await waitFor(() => ['dave', 'erin'].every((k) => jssipEvents.slice(mark)
    .some((e) => e.key === k && e.type === 'registered' && e.url === w2)), 20000, 're-registered through wsgw2');
  // the bindings now name wsgw2's connection
  const { kv, keys } = await kvKeys();
  for (const u of ['dave', 'erin']) {
    const key = keys.find((k) => k.includes(u));
    const e = await waitFor(async () => {
      const v = sc.decode((await kv.get(key)).value);
      return v.includes('wsgw-wsgw2') && v;
    }, 10000, `${u}'s binding on wsgw2`);
    assert.ok(!e.includes('wsgw-wsgw1'), `${u}: a binding on the stopped wsgw1 is left: ${e}`);
  }
});

const DRAIN_BUILT = serviceInfo('services/mediad').vars.has('RTCGATE_MEDIA_DRAIN_GRACE');
test('drain: a mediad told to stop takes no new calls and exits when its calls end',
  { skip: SKIP, todo: DRAIN_BUILT ? undefined : 'mediad drain (RTCGATE_MEDIA_DRAIN_GRACE) is not built yet' },
  async () => {
    const first = await placeCall('c2', 'bob', 'drain0');
    const node = ['media1', 'media2', 'media3'].find((h) => H[h].ip === first.mediaIp);
    const p = P[`mediad-${node}`];
    p.kill('SIGTERM');
    await sleep(1000);	// the draining heartbeat reaches the b2bua
    for (let i = 0; i < 3; i++) {
      const r = await placeCall('c2', 'bob', `drain${i + 1}`);
      assert.notEqual(r.mediaIp, first.mediaIp, 'a new call went to the draining node');
    }
    assert.equal(p.exitCode, null, 'the draining node exited with a call up');
    assert.equal(p.signalCode, null, 'the draining node exited with a call up');
    assert.equal(await hangUp(first.callId), 200);
    const ex = await waitFor(() => (p.exitCode !== null || p.signalCode !== null) && p.exited, 10000,
      'the drained node exits');
    assert.equal((await ex).code, 0);
    for (const id of Object.keys(live)) assert.equal(await hangUp(id), 200);
  });
