// The registrar with real wsgw and registrar processes, a real nats-server
// (JetStream KV), and real JavaScript SIP stacks (JsSIP, SIP.js).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, wsClient, sipRequest, waitFor, sleep, sc } = require('../lib/harness');
const { jssipRegister, sipjsRegister } = require('../lib/sipua');
const { register, authHeader, challenges, status } = require('../lib/digest');

const DOMAIN = 'example.com';
const suite = new Suite('registrar');
let gw; let reg1;
const events = [];

const lookup = (aor) => suite.request('rtcgate.registrar.lookup', { v: 1, kind: 'lookup', aor });

test.before(async () => {
  await suite.startNats();
  const users = path.join(suite.tmp, 'users.conf');
  let text = 'alice alice-secret\nbob bob-secret\n# a comment\ncarol example.com 5f2c6f3c1e0d8f7a4b3c2d1e0f9a8b7c\n';
  for (let i = 0; i < 40; i++) text += `u${i} pw${i}\n`;
  fs.writeFileSync(users, text);
  Object.assign(suite.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users,
    RTCGATE_NONCE_SECRET: 'test-secret', RTCGATE_REG_MIN_EXPIRES: '2', RTCGATE_REG_SWEEP: '1',
    RTCGATE_AUTH_MAX_FAILURES: '3', RTCGATE_AUTH_MAX_FAILURES_IP: '1000', RTCGATE_AUTH_WINDOW: '60' });
  reg1 = suite.service('registrar');
  gw = await suite.wsgw();
  await waitFor(() => suite.health('registrar', reg1.id), 5000, 'registrar');
  const sub = suite.nc.subscribe('rtcgate.reg.event');
  (async () => { for await (const m of sub) events.push(JSON.parse(sc.decode(m.data))); })();
});

test.after(() => suite.close());

test('JsSIP registers with the right password, then unregisters', async () => {
  const c = jssipRegister({ url: gw.url, user: 'alice', pass: 'alice-secret', domain: DOMAIN });
  const r = await c.result;
  assert.equal(r.status, 200);
  assert.match(r.contacts[0], /expires=(1[01]\d|120)/);
  const b = await lookup(`alice@${DOMAIN}`);
  assert.equal(b.kind, 'bindings');
  assert.equal(b.bindings.length, 1);
  assert.equal(b.bindings[0].edge, gw.id);
  assert.match(b.bindings[0].instance, /^<urn:uuid:/);
  assert.ok(events.some((e) => e.event === 'registered' && e.aor === `alice@${DOMAIN}`));
  assert.equal(await c.unregister(), 200);
  assert.equal((await lookup(`alice@${DOMAIN}`)).bindings.length, 0);
  await c.stop();
});

test('JsSIP with a wrong password is rejected and nothing is stored', async () => {
  const before = await suite.counter('registrar', reg1.id, 'auth_failures_total');
  const c = jssipRegister({ url: gw.url, user: 'bob', pass: 'wrong', domain: DOMAIN });
  const r = await c.result;
  assert.equal(r.status, 401);
  assert.equal((await lookup(`bob@${DOMAIN}`)).bindings.length, 0);
  assert.ok(await suite.counter('registrar', reg1.id, 'auth_failures_total') > before);
  await c.stop();
});

test('SIP.js registers, is refused with a wrong password, unregisters', async () => {
  const c = await sipjsRegister({ url: gw.url, user: 'u1', pass: 'pw1', domain: DOMAIN });
  assert.equal((await c.result).status, 200);
  assert.equal((await lookup(`u1@${DOMAIN}`)).bindings.length, 1);
  assert.equal(await c.unregister(), 200);
  assert.equal((await lookup(`u1@${DOMAIN}`)).bindings.length, 0);
  await c.stop();
  const bad = await sipjsRegister({ url: gw.url, user: 'u2', pass: 'nope', domain: DOMAIN });
  assert.equal((await bad.result).status, 401);
  assert.equal((await lookup(`u2@${DOMAIN}`)).bindings.length, 0);
  await bad.stop();
});

test('both challenges are offered, SHA-256 works too', async () => {
  const ws = await wsClient(gw.url);
  const r = await register(ws, { user: 'u3', pass: 'pw3', alg: 'SHA-256' });
  assert.equal(r.status, 200);
  assert.equal(challenges((await (async () => {
    ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u3', headers: 'Contact: <sip:x@y.invalid>\r\n' }));
    return ws.next();
  })())).map((c) => c.algorithm).join(','), 'SHA-256,MD5');
  ws.close();
});

test('closing the WebSocket removes its bindings within a second', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'u4', pass: 'pw4' })).status, 200);
  assert.equal((await lookup(`u4@${DOMAIN}`)).bindings.length, 1);
  ws.close();
  const t0 = Date.now();
  await waitFor(async () => (await lookup(`u4@${DOMAIN}`)).bindings.length === 0, 3000, 'binding removal');
  assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
});

test('several contacts per user; 200 lists them; too brief is 423', async () => {
  const a = await wsClient(gw.url);
  const b = await wsClient(gw.url);
  assert.equal((await register(a, { user: 'u5', pass: 'pw5' })).status, 200);
  const r = await register(b, { user: 'u5', pass: 'pw5' });
  assert.equal(r.status, 200);
  assert.equal((r.text.match(/^Contact:/gm) || []).length, 2);
  const brief = await register(a, { user: 'u5', pass: 'pw5', expires: 1 });
  assert.equal(brief.status, 423);
  assert.match(brief.text, /^Min-Expires: 2\r$/m);
  a.close(); b.close();
});

test('bindings expire on time and an expired event is published', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'u6', pass: 'pw6', expires: 2 })).status, 200);
  assert.equal((await lookup(`u6@${DOMAIN}`)).bindings.length, 1);
  await waitFor(async () => (await lookup(`u6@${DOMAIN}`)).bindings.length === 0, 4000, 'expiry');
  await waitFor(() => events.some((e) => e.event === 'expired' && e.aor === `u6@${DOMAIN}`), 4000, 'expired event');
  ws.close();
});

test('bad input gets a clear SIP error, is counted, stores nothing', async () => {
  const ws = await wsClient(gw.url);
  const rejected = () => suite.counter('registrar', reg1.id, 'reg_rejected_total');
  // 50 contacts: over RTCGATE_REG_MAX_CONTACTS, answered by the registrar
  let r0 = await rejected();
  const list = (n) => Array.from({ length: n }, (_, i) => `<sip:u7-${i}@h.invalid>`).join(', ');
  const first = await register(ws, { user: 'u7', pass: 'pw7', extra: `Contact: ${list(50)}\r\n` });
  assert.equal(first.status, 403);
  assert.match(first.text, /Too Many Contacts/);
  assert.ok(await rejected() > r0);
  assert.equal((await lookup(`u7@${DOMAIN}`)).bindings.length, 0);
  // 1,000 contacts in one line: refused at the edge (256 headers at most)
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u7', headers: `Contact: ${list(1000)}\r\n` }));
  const big = await ws.next();
  assert.equal(status(big), 400);
  assert.match(big, /Too Many Headers/);
  // a malformed Authorization and an unknown algorithm
  for (const [hdr, want] of [
    ['Authorization: Digest username="u7", realm="example.com"\r\n', /Malformed Authorization/],
    ['Authorization: Digest username="u7", realm="example.com", nonce="x", uri="sip:example.com", response="00", algorithm=SHA-512-256, qop=auth, nc=00000001, cnonce="a"\r\n', /Unsupported Digest Algorithm/],
  ]) {
    r0 = await rejected();
    ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u7', headers: `Contact: <sip:u7@h.invalid>\r\n${hdr}` }));
    const resp = await ws.next();
    assert.equal(status(resp), 400);
    assert.match(resp, want);
    assert.ok(await rejected() > r0);
  }
  // a nonce from another secret
  const bn = await suite.counter('registrar', reg1.id, 'auth_bad_nonce_total');
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u7', headers: 'Contact: <sip:u7@h.invalid>\r\n'
    + authHeader({ user: 'u7', pass: 'pw7', realm: DOMAIN, nonce: 'AAAAAGsFCq-Jg-sET2Hjuq8AzpdJvQISZyAiGiPtTX0' }) }));
  assert.equal(status(await ws.next()), 401);
  assert.equal(await suite.counter('registrar', reg1.id, 'auth_bad_nonce_total'), bn + 1);
  // a replayed nonce count
  const ok = await register(ws, { user: 'u8', pass: 'pw8' });
  assert.equal(ok.status, 200);
  const rp = await suite.counter('registrar', reg1.id, 'auth_replays_total');
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u8', callId: ok.callId, headers: ok.headers.replace('Expires: 120', 'Expires: 0') + authHeader(ok.auth) }));
  assert.equal(status(await ws.next()), 401);
  assert.equal(await suite.counter('registrar', reg1.id, 'auth_replays_total'), rp + 1);
  assert.equal((await lookup(`u8@${DOMAIN}`)).bindings.length, 1, 'the replay removed nothing');
  assert.equal((await lookup(`u7@${DOMAIN}`)).bindings.length, 0);
  ws.close();
});

test('repeated wrong passwords end in 403 for that user', async () => {
  const ws = await wsClient(gw.url);
  const lk = await suite.counter('registrar', reg1.id, 'auth_lockouts_total');
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await register(ws, { user: 'u9', pass: 'bad' })).status);
  assert.deepEqual(codes.slice(0, 2), [401, 401]);
  assert.equal(codes[3], 403);
  // locked: even the right password is refused within the window
  assert.equal((await register(ws, { user: 'u9', pass: 'pw9' })).status, 403);
  assert.ok(await suite.counter('registrar', reg1.id, 'auth_lockouts_total') > lk);
  ws.close();
});

test('two replicas share bindings; kill -9 of one; restart keeps them', async () => {
  const reg2 = suite.service('registrar');
  await waitFor(() => suite.health('registrar', reg2.id), 5000, 'second registrar');
  const ws = await wsClient(gw.url);
  for (let i = 10; i < 20; i++) assert.equal((await register(ws, { user: `u${i}`, pass: `pw${i}` })).status, 200);
  const n1 = await suite.counter('registrar', reg1.id, 'reg_requests_total');
  const n2 = await suite.counter('registrar', reg2.id, 'reg_requests_total');
  assert.ok(n2 > 0, 'the second replica took some REGISTERs');
  await suite.stop(reg1, 'SIGKILL');
  // Until nats-server has read the killed replica's EOF, the queue group
  // may still hand it a REGISTER, which is lost: the client tries again,
  // as a browser would after its timeout.
  let retries = 0;
  const again = async (o) => {
    try { return await register(ws, o); } catch (e) {
      if (!/no frame/.test(e.message)) throw e;
      retries++;
      return register(ws, o);
    }
  };
  for (let i = 20; i < 30; i++) assert.equal((await again({ user: `u${i}`, pass: `pw${i}` })).status, 200);
  assert.ok(retries <= 2, `${retries} REGISTERs lost after the kill`);
  await suite.stop(reg2, 'SIGKILL');
  const reg3 = suite.service('registrar');
  await waitFor(() => suite.health('registrar', reg3.id), 5000, 'restarted registrar');
  for (let i = 10; i < 30; i++) assert.equal((await lookup(`u${i}@${DOMAIN}`)).bindings.length, 1, `u${i}`);
  assert.ok(n1 > 0);
  ws.close();
});

test('kill -9 of a replica in the middle of a load: every registration is served (a retry at most)', async () => {
  const a = suite.service('registrar');
  const b = suite.service('registrar');
  await waitFor(() => suite.health('registrar', a.id), 5000, 'replica a');
  await waitFor(() => suite.health('registrar', b.id), 5000, 'replica b');
  let retries = 0; let done = 0; let killed = false;
  // One REGISTER exchange on its own connection; a lost one times out and
  // is tried again, as a browser's refresh would be.
  async function once(user, pass) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const ws = await wsClient(gw.url);
      try {
        const r = await register(ws, { user, pass });
        if (r.status === 200) return r;
      } catch (e) {
        retries++;
      } finally {
        ws.close();
      }
    }
    throw new Error(`${user}: not served`);
  }
  const clients = [];
  for (let c = 30; c < 38; c++) {
    clients.push((async () => {
      for (let k = 0; k < 6; k++) {
        await once(`u${c}`, `pw${c}`);
        done++;
        if (done === 16 && !killed) { killed = true; await suite.stop(a, 'SIGKILL'); }
      }
    })());
  }
  await Promise.all(clients);
  assert.equal(done, 48);
  assert.ok(killed);
  assert.ok(retries <= 8, `${retries} retries`);
  // (each connection closed after its REGISTER, so its binding went too)
  assert.ok(await suite.counter('registrar', b.id, 'reg_requests_total') > 0);
  await suite.stop(b);
});

test('REGISTER without Contact is a query (RFC 3261 10.2.3): 200 with the bindings, nothing stored', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'u38', pass: 'pw38' })).status, 200);
  const cid = `query-${process.pid}`;
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u38', callId: cid }));
  const ch = challenges(await ws.next()).find((c) => c.algorithm === 'MD5');
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`, { user: 'u38', callId: cid,
    headers: authHeader({ user: 'u38', pass: 'pw38', realm: ch.realm, nonce: ch.nonce, alg: 'MD5' }) }));
  const r = await ws.next();
  assert.equal(status(r), 200);
  assert.equal((r.match(/\r\nContact: /g) || []).length, 1, 'the one binding listed');
  assert.equal((await lookup(`u38@${DOMAIN}`)).bindings.length, 1, 'nothing added or removed');
  ws.close();
});
