// wsgw, the WSS edge, as a real process with a real nats-server: health,
// subprotocol, OPTIONS and keep-alives, routing to and from the bus, every
// limit, hostile frames, two edges side by side, restarts, start-up errors.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const tls = require('node:tls');
const WebSocket = require('ws');
const { Suite, wsClient, sipRequest, waitFor, sleep, httpsGet, sc, freePort } = require('../lib/harness');

const DOMAIN = 'example.com';
const suite = new Suite('wsgw');
let gw; // default limits, 1 MiB messages (for the hostile-input tests)
let tight; // small limits, to hit each one
let b2buaSub;

const counter = (p, name) => suite.counter('wsgw', p.id, name);
const options = (ruri = `sip:${DOMAIN}`) => sipRequest('OPTIONS', ruri);

// A client that must still be served: OPTIONS to the gateway gets 200.
async function served(p) {
  const ws = await wsClient(p.url);
  ws.send(options());
  assert.match(await ws.next(), /^SIP\/2\.0 200 OK/);
  ws.close();
}

function refused(url, protocol, opts = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocol, { rejectUnauthorized: false, ...opts });
    ws.on('open', () => { ws.close(); resolve(false); });
    ws.on('error', () => resolve(true));
    ws.on('unexpected-response', () => { resolve(true); });
  });
}

test.before(async () => {
  await suite.startNats();
  suite.env.RTCGATE_DOMAIN = DOMAIN;
  gw = await suite.wsgw({ RTCGATE_WS_MAX_MESSAGE: '1048576', RTCGATE_WS_RATE: '100000' });
  tight = await suite.wsgw({ RTCGATE_WS_MAX_CONNS: '5', RTCGATE_WS_MAX_PER_IP: '3',
    RTCGATE_WS_MAX_MESSAGE: '4096', RTCGATE_WS_RATE: '5', RTCGATE_WS_HANDSHAKE_TIMEOUT: '1',
    RTCGATE_WS_IDLE_TIMEOUT: '3', RTCGATE_WS_PING_INTERVAL: '60' });
  // The test stands in for the b2bua: requests to users arrive here.
  b2buaSub = suite.nc.subscribe('rtcgate.sip.b2bua', { queue: 'b2bua' });
  b2buaSub.msgs = [];
  b2buaSub.waiters = [];
  (async () => {
    for await (const m of b2buaSub) {
      const o = JSON.parse(sc.decode(m.data));
      const w = b2buaSub.waiters.shift();
      if (w) w(o); else b2buaSub.msgs.push(o);
    }
  })();
  b2buaSub.next = (ms = 3000) => (b2buaSub.msgs.length ? Promise.resolve(b2buaSub.msgs.shift())
    : new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('nothing on the bus')), ms);
      b2buaSub.waiters.push((o) => { clearTimeout(t); resolve(o); });
    }));
});

test.after(() => suite.close());

test('health answers carry id, version, uptime and counters; /metrics has them', async () => {
  const h = await suite.health('wsgw', gw.id);
  assert.equal(h.kind, 'health');
  assert.equal(h.id, gw.id);
  assert.equal(typeof h.version, 'string');
  assert.ok(h.uptime_s >= 0);
  assert.equal(typeof h.counters.ws_connections_total, 'number');
  const m = await httpsGet(`https://127.0.0.1:${gw.port}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.body, /# TYPE rtcgate_ws_connections_total counter/);
  assert.match(m.body, new RegExp(`rtcgate_ws_connections_total\\{[^}]*instance="${gw.id}"`));
  // Only wsgw runs here: the suite is not whole.
  const hz = await waitFor(async () => {
    const r = await httpsGet(`https://127.0.0.1:${gw.port}/healthz`);
    return JSON.parse(r.body).services.wsgw?.length === 2 && r;
  }, 3000, 'both wsgw in /healthz');
  assert.equal(hz.status, 503);
});

test('a handshake without the sip subprotocol is refused and counted', async () => {
  const before = await counter(gw, 'ws_refused_total');
  assert.equal(await refused(gw.url, undefined), true);
  assert.equal(await refused(gw.url, 'chat'), true);
  assert.equal(await counter(gw, 'ws_refused_total'), before + 2);
  await served(gw);
});

test('OPTIONS to the gateway is answered by wsgw; CRLF keep-alive gets CRLF', async () => {
  const ws = await wsClient(gw.url);
  ws.send(options());
  const r = await ws.next();
  assert.match(r, /^SIP\/2\.0 200 OK\r\n/);
  assert.match(r, /\r\nAllow: [^\r]*INVITE/);
  assert.match(r, /\r\nSupported: [^\r]*outbound/);
  assert.match(r, /\r\nAccept: application\/sdp/);
  assert.match(r, /;received=127\.0\.0\.1/);
  assert.match(r, /\r\n\r\n$/);
  ws.send('\r\n\r\n');
  assert.equal(await ws.next(), '\r\n');
  ws.close();
});

test('requests go to the bus with edge, conn, address and time; answers come back', async () => {
  const ws = await wsClient(gw.url);
  const t0 = Date.now() * 1000;
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { callId: 'route-1' }));
  const m = await b2buaSub.next();
  assert.equal(m.kind, 'sip');
  assert.equal(m.edge, gw.id);
  assert.equal(m.src_ip, '127.0.0.1');
  assert.equal(m.src_port, ws._socket.localPort);
  assert.equal(m.transport, 'wss');
  assert.ok(m.ts_us >= t0 - 1e6 && m.ts_us <= Date.now() * 1000 + 1e6);
  assert.equal(m.method, 'MESSAGE');
  assert.equal(m.call_id, 'route-1');
  assert.match(m.sip, new RegExp(`;rport=${ws._socket.localPort}`));
  const r = await suite.request(`rtcgate.ws.${gw.id}.send`,
    { v: 1, kind: 'send', conn: m.conn, sip: 'SIP/2.0 202 Accepted\r\nCall-ID: route-1\r\n\r\n' });
  assert.equal(r.ok, true);
  assert.match(await ws.next(), /^SIP\/2\.0 202 Accepted/);
  ws.close();
  await ws.closed;
  // The connection is gone: it is announced, and a sender is told.
  await waitFor(async () => (await suite.request(`rtcgate.ws.${gw.id}.send`,
    { v: 1, kind: 'send', conn: m.conn, sip: 'SIP/2.0 200 OK\r\n\r\n' })).ok === false, 3000, 'send_result');
});

test('a closed connection is announced on rtcgate.ws.closed', async () => {
  const sub = suite.nc.subscribe('rtcgate.ws.closed');
  const ws = await wsClient(gw.url);
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`));
  const m = await b2buaSub.next();
  ws.terminate();
  const it = sub[Symbol.asyncIterator]();
  for (;;) {
    const c = JSON.parse(sc.decode((await it.next()).value.data));
    if (c.conn !== m.conn) continue;
    assert.equal(c.kind, 'closed');
    assert.equal(c.edge, gw.id);
    break;
  }
  sub.unsubscribe();
});

test('requests nobody serves get 503 at once', async () => {
  const ws = await wsClient(gw.url);
  ws.send(sipRequest('REGISTER', `sip:${DOMAIN}`)); // no registrar runs here
  assert.match(await ws.next(), /^SIP\/2\.0 503 /);
  ws.close();
});

test('limit: connections per wsgw and per client address', async () => {
  const before = await counter(tight, 'ws_refused_total');
  const a = [];
  for (let i = 0; i < 3; i++) a.push(await wsClient(tight.url, 'sip', { localAddress: '127.0.0.1' }));
  assert.equal(await refused(tight.url, 'sip', { localAddress: '127.0.0.1' }), true, 'per address');
  a.push(await wsClient(tight.url, 'sip', { localAddress: '127.0.0.2' }));
  a.push(await wsClient(tight.url, 'sip', { localAddress: '127.0.0.3' }));
  assert.equal(await refused(tight.url, 'sip', { localAddress: '127.0.0.4' }), true, 'per wsgw');
  assert.equal(await counter(tight, 'ws_refused_total'), before + 2);
  for (const ws of a) { ws.close(); await ws.closed; }
  await served(tight);
});

test('limit: a message over the size limit closes with 1009', async () => {
  const before = await counter(tight, 'ws_too_big_total');
  const ws = await wsClient(tight.url);
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { body: 'x'.repeat(5000) }));
  assert.equal(await ws.closed, 1009);
  assert.equal(await counter(tight, 'ws_too_big_total'), before + 1);
  await served(tight);
});

test('limit: messages per second per connection', async () => {
  const before = await counter(tight, 'ws_rate_limited_total');
  const ws = await wsClient(tight.url);
  for (let i = 0; i < 20; i++) ws.send(options());
  await sleep(500);
  const answered = ws.frames.length;
  assert.ok(answered >= 5 && answered < 20, `answered ${answered}`);
  assert.ok(await counter(tight, 'ws_rate_limited_total') >= before + 20 - answered);
  await sleep(1100);
  ws.frames.length = 0;
  ws.send(options());
  assert.match(await ws.next(), /^SIP\/2\.0 200/);
  ws.close();
});

test('limit: a stalled TLS or HTTP handshake is closed at the deadline', async () => {
  const before = await counter(tight, 'ws_handshake_timeouts_total');
  const tcp = net.connect(tight.port, '127.0.0.1');
  const tcpClosed = new Promise((r) => tcp.on('close', r));
  const t = tls.connect({ port: tight.port, host: '127.0.0.1', rejectUnauthorized: false });
  await new Promise((r) => t.on('secureConnect', r));
  const tlsClosed = new Promise((r) => t.on('close', r));
  const t0 = Date.now();
  await Promise.all([tcpClosed, tlsClosed]);
  assert.ok(Date.now() - t0 < 5000);
  await waitFor(async () => await counter(tight, 'ws_handshake_timeouts_total') >= before + 2, 3000,
    'handshake timeouts counted');
  await served(tight);
});

test('limit: an idle connection is closed; keep-alives keep one open', async () => {
  const before = await counter(tight, 'ws_idle_closed_total');
  const idle = await wsClient(tight.url);
  idle.pong = () => {}; // ws answers pings itself; the edge pings only every 60 s here
  const busy = await wsClient(tight.url);
  const timer = setInterval(() => busy.send('\r\n\r\n'), 500);
  const t0 = Date.now();
  await idle.closed;
  const took = Date.now() - t0;
  clearInterval(timer);
  assert.ok(took >= 2000 && took < 6000, `closed after ${took} ms`);
  assert.equal(busy.readyState, WebSocket.OPEN);
  assert.ok(await counter(tight, 'ws_idle_closed_total') >= before + 1);
  busy.close();
});

test('hostile frames are answered or dropped and counted; wsgw keeps serving', async () => {
  const c0 = await suite.health('wsgw', gw.id);
  const ws = await wsClient(gw.url);
  ws.send(Buffer.from([0, 1, 2, 255, 254, 0x80, 0x81]), { binary: true });
  ws.send('\u0000\u0001 not SIP at all');
  ws.send('MESSAGE sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n'); // no Via..CSeq
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`).replace(/\r\nFrom:[^\r]*/, '')); // no From
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`).replace(/\r\nCall-ID:[^\r]*/, ''));
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`).replace('Max-Forwards: 70', 'Max-Forwards: 7\u00000'));
  ws.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { headers: 'X-Pad: 1\r\n'.repeat(10000) }));
  // One message in 1,000 fragments, reassembled.
  const msg = sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { callId: 'frag-1000', body: 'y'.repeat(3000) });
  const step = Math.ceil(msg.length / 1000);
  for (let i = 0; i < 1000; i++) ws.send(msg.slice(i * step, (i + 1) * step), { fin: i === 999 });
  let got;
  for (;;) { got = await b2buaSub.next(5000); if (got.call_id === 'frag-1000') break; }
  assert.match(got.sip, /y{3000}$/);
  // 400 answers arrive for those with enough to answer; none is a crash.
  await sleep(300);
  for (const f of ws.frames) assert.match(f, /^SIP\/2\.0 400 /);
  const c1 = await suite.health('wsgw', gw.id);
  const dropped = (k) => c1.counters[k] - c0.counters[k];
  assert.ok(dropped('ws_garbage_total') >= 2, 'garbage counted');
  assert.ok(dropped('ws_garbage_total') + dropped('ws_bad_requests_total') >= 6,
    JSON.stringify(c1.counters));
  // 10 MiB in one frame: closed with 1009, nothing buffered.
  ws.send('z'.repeat(10 * 1024 * 1024));
  assert.equal(await ws.closed, 1009);
  assert.equal(gw.exitCode, null);
  await served(gw);
});

test('two wsgw side by side: each answer reaches the edge that owns the connection', async () => {
  const a = await wsClient(gw.url);
  const b = await wsClient(tight.url);
  a.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { callId: 'edge-a' }));
  b.send(sipRequest('MESSAGE', `sip:bob@${DOMAIN}`, { callId: 'edge-b' }));
  const seen = {};
  while (!seen['edge-a'] || !seen['edge-b']) { const m = await b2buaSub.next(); seen[m.call_id] = m; }
  assert.equal(seen['edge-a'].edge, gw.id);
  assert.equal(seen['edge-b'].edge, tight.id);
  for (const [m, ws] of [[seen['edge-a'], a], [seen['edge-b'], b]]) {
    await suite.request(`rtcgate.ws.${m.edge}.send`,
      { v: 1, kind: 'send', conn: m.conn, sip: `SIP/2.0 200 OK\r\nCall-ID: ${m.call_id}\r\n\r\n` });
    assert.match(await ws.next(), new RegExp(`Call-ID: ${m.call_id}`));
  }
  a.close(); b.close();
});

test('a service killed and started again is back without restarting the others', async () => {
  const b = suite.service('b2bua');
  await waitFor(async () => JSON.parse((await httpsGet(`https://127.0.0.1:${gw.port}/healthz`)).body)
    .services.b2bua?.length === 1, 5000, 'b2bua in healthz');
  b.kill('SIGKILL');
  await b.exited;
  await waitFor(async () => !JSON.parse((await httpsGet(`https://127.0.0.1:${gw.port}/healthz`)).body)
    .services.b2bua?.length, 8000, 'b2bua gone from healthz');
  const again = suite.service('b2bua');
  await waitFor(() => suite.health('b2bua', again.id), 5000, 'b2bua back');
  await served(gw);
  await suite.stop(again);
});

test('bad config exits 2 naming the variable; unreachable NATS exits 1', async () => {
  const bad = suite.service('wsgw', { RTCGATE_WSS_PORT: '99999' });
  const r1 = await bad.exited;
  assert.equal(r1.code, 2);
  assert.match(suite.log(bad), /RTCGATE_WSS_PORT/);
  const port = await freePort();
  const lost = suite.service('registrar', { NATS_URL: `nats://127.0.0.1:${port}`, RTCGATE_BUS_DEADLINE: '1' });
  const r2 = await lost.exited;
  assert.equal(r2.code, 1);
  assert.match(suite.log(lost), /NATS/);
});

test('NATS_URL may list several servers: a dead one first, the live one is used', async () => {
  const dead = await freePort();
  const p = suite.service('registrar', { NATS_URL: `nats://127.0.0.1:${dead}, ${suite.natsUrl}` });
  await waitFor(() => suite.health('registrar', p.id), 10000, 'registrar on the bus');
  await suite.stop(p);
});

test('/healthz and /metrics answer GET only: a POST gets 405 with Allow', async () => {
  const post = (pathname) => new Promise((resolve, reject) => {
    const r = require('node:https').request({ host: '127.0.0.1', port: gw.port, path: pathname, method: 'POST',
      rejectUnauthorized: false, headers: { 'Content-Length': '2' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    r.on('error', reject);
    r.end('{}');
  });
  for (const p of ['/healthz', '/metrics']) {
    const res = await post(p);
    assert.equal(res.statusCode, 405, p);
    assert.equal(res.headers.allow, 'GET');
  }
  assert.match((await httpsGet(`https://127.0.0.1:${gw.port}/metrics`)).body, /rtcgate_/, 'GET still works');
});

test('RTCGATE_LOG_FORMAT=json writes one JSON object per line', async () => {
  const p = await suite.wsgw({ RTCGATE_LOG_FORMAT: 'json' });
  await served(p);
  await suite.stop(p);
  const lines = suite.log(p).trim().split('\n');
  assert.ok(lines.length > 5);
  for (const l of lines) {
    const o = JSON.parse(l);
    assert.equal(typeof o.ts, 'string');
    assert.equal(typeof o.level, 'string');
    assert.equal(typeof o.msg, 'string');
  }
});
