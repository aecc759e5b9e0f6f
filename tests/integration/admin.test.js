// The operator API (docs/admin.md): wsgw's /api/* and /admin.html behind
// HTTP Basic auth, fed by the registrar, the b2bua, mediad heartbeats and
// CDRs over a real nats-server; sipp is the SIP peer of a call.
// Requests that must fail authentication come from other loopback
// addresses (127.0.0.2, .3) so the per-address failure limit of one test
// never touches another.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const https = require('node:https');
const path = require('node:path');
const { Suite, wsClient, waitFor, sc, freePort, ROOT } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register } = require('../lib/digest');

const DOMAIN = 'example.com';
const PASSWORD = 'admin-test-password-1';
const suite = new Suite('admin');
let gw; let gwOff; let b2b; let media;

const basic = (user, pass) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const GOOD = basic('admin', PASSWORD);

// One HTTPS request; resolves {status, headers, text, json} or {error}.
function req(port, p, { auth, headers = {}, from = '127.0.0.1', method = 'GET' } = {}) {
  return new Promise((resolve) => {
    const h = { ...headers };
    if (auth) h.Authorization = auth;
    const r = https.request({ host: '127.0.0.1', port, path: p, method, headers: h, localAddress: from,
      rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    r.on('error', (error) => resolve({ error }));
    r.setTimeout(8000, () => r.destroy(new Error('no answer in 8 s')));
    r.end();
  });
}
const api = (p, opts = {}) => req(gw.port, p, { auth: GOOD, ...opts });

function sipp(scenario) {
  return (async () => {
    const port = await freePort();
    const p = suite.spawn('sipp', 'sipp', ['-sf', path.join(ROOT, 'tests/sipp', scenario), '-i', '127.0.0.1',
      '-p', String(port), '-m', '1', '-timeout', '30s', '-timeout_error', '-nostdin',
      '-mp', String(await freePort())], {});
    p.port = port;
    await waitFor(() => new Promise((resolve) => {
      const s = require('node:dgram').createSocket('udp4');
      s.on('error', () => resolve(true));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
    }), 10000, 'sipp listening');
    return p;
  })();
}

const FP = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
const SDP = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
  + 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n'
  + 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n'
  + `a=fingerprint:sha-256 ${FP}\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n`
  + 'a=rtpmap:0 PCMU/8000\r\n';
const hdr = (text, name) => (new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(text) || [])[1];

async function until(ws, re, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const f = await ws.next(Math.max(10, end - Date.now()));
    if (re.test(f)) return f;
  }
}

test.before(async () => {
  const h = await startB2bSuite(suite, { domain: DOMAIN, mediaPorts: portRange(__filename),
    routes: 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n', gwEnv: { RTCGATE_ADMIN_PASSWORD: PASSWORD } });
  ({ gw, b2b, media } = h);
  gwOff = await suite.wsgw();
  await waitFor(() => suite.health('registrar'), 5000, 'registrar');
});

test.after(() => suite.close());

test('without RTCGATE_ADMIN_PASSWORD the API and the page are 404, and the log says so once', async () => {
  for (const p of ['/api/nodes', '/api/registrations', '/admin.html']) {
    const r = await req(gwOff.port, p, { auth: GOOD });
    assert.equal(r.status, 404, p);
    assert.equal(r.json.error, 'not found');
  }
  const log = suite.log(gwOff);
  assert.equal(log.match(/admin API and page are off/g).length, 1);
  assert.doesNotMatch(log, new RegExp(PASSWORD));
  assert.doesNotMatch(suite.log(gw), new RegExp(PASSWORD), 'the password is masked in the config dump');
});

test('no credentials or a wrong password: 401 with a Basic challenge, no data', async () => {
  const none = await req(gw.port, '/api/nodes');
  assert.equal(none.status, 401);
  assert.match(none.headers['www-authenticate'], /^Basic realm="rtcgate admin"/);
  assert.equal(none.json.nodes, undefined);
  const wrong = await api('/api/registrations', { auth: basic('admin', 'nope') });
  assert.equal(wrong.status, 401);
  const user = await api('/admin.html', { auth: basic('root', PASSWORD) });
  assert.equal(user.status, 401, 'the user must be admin');
  assert.equal((await req(gw.port, '/admin.html')).status, 401);
});

test('hostile requests: huge or malformed Authorization answered 400/401, wsgw carries on', async () => {
  const from = '127.0.0.3';
  const big = await req(gw.port, '/api/nodes', { from, auth: `Basic ${'QUFB'.repeat(500)}` });
  assert.equal(big.status, 400);
  for (const auth of ['Basic !!!!', 'Basic QUFB=QUFB', `Basic ${Buffer.from('admin').toString('base64')}`, 'Basic', 'Basic a']) {
    const r = await req(gw.port, '/api/nodes', { from, auth });
    assert.ok([400, 401].includes(r.status), `${auth}: ${r.status}`);
  }
  assert.equal((await req(gw.port, '/api/nodes', { from, auth: 'Bearer abc' })).status, 401);
  // Larger than lws's header buffer: refused by lws itself; no crash.
  const huge = await req(gw.port, '/api/nodes', { from: '127.0.0.4', auth: `Basic ${'A'.repeat(20000)}` });
  assert.ok(huge.error || huge.status >= 400, 'refused');
  const post = await req(gw.port, '/api/nodes', { method: 'POST', auth: GOOD, headers: { 'Content-Length': '0' } });
  assert.equal(post.status, 405, 'read-only API');
  assert.equal((await api('/api/nope')).status, 404);
  assert.equal((await api('/api/nodes')).status, 200, 'still serving');
});

test('ten failures from one address in a minute: 429 for it (even with the password), others unaffected', async () => {
  const from = '127.0.0.2';
  const before = await suite.counter('wsgw', gw.id, 'admin_auth_failures_total');
  for (let i = 0; i < 10; i++)
    assert.equal((await api('/api/nodes', { from, auth: basic('admin', `guess${i}`) })).status, 401);
  const limited = await api('/api/nodes', { from, auth: basic('admin', 'guess-again') });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 61);
  assert.equal((await api('/api/nodes', { from })).status, 429, 'locked out even with the password');
  assert.equal((await api('/api/nodes')).status, 200, 'another address is served');
  await waitFor(async () => (await suite.counter('wsgw', gw.id, 'admin_auth_failures_total')) >= before + 10,
    5000, 'failures counted');
  await waitFor(async () => (await suite.counter('wsgw', gw.id, 'admin_rate_limited_total')) >= 2, 5000, '429s counted');
  const metrics = await req(gw.port, '/metrics');
  assert.match(metrics.text, /rtcgate_admin_auth_failures_total\{service="wsgw"[^}]*\} \d+/);
});

test('the page and the API with the password: no-store JSON, the page itself', async () => {
  const page = await api('/admin.html');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.match(page.text, /<script src="\/js\/admin\.js"/);
  assert.equal(page.headers['cache-control'], 'no-store');
  const r = await api('/api/cdrs');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.json.kept, 100);
});

test('media nodes: the mediad heartbeat with its load', async () => {
  const n = await waitFor(async () => (await api('/api/nodes')).json.nodes.find((x) => x.node === media.id),
    5000, 'node listed');
  assert.equal(n.ip, '127.0.0.1');
  assert.equal(typeof n.sessions, 'number');
  assert.ok(n.max_sessions > 0);
  assert.equal(typeof n.cpu, 'number');
  assert.ok(n.age_ms >= 0 && n.age_ms < 5000);
});

test('registrations: a registered client is listed, without call ids or nonces', async () => {
  const ws = await wsClient(gw.url);
  const reg = await register(ws, { user: 'alice', pass: 'alice-secret', extra: 'User-Agent: admin-test/1\r\n' });
  assert.equal(reg.status, 200);
  const r = await waitFor(async () => {
    const x = await api('/api/registrations');
    return x.json.bindings.some((b) => b.aor === `alice@${DOMAIN}`) && x;
  }, 5000, 'binding listed');
  const b = r.json.bindings.find((x) => x.aor === `alice@${DOMAIN}`);
  assert.equal(b.src_ip, '127.0.0.1');
  assert.equal(b.edge, gw.id);
  assert.equal(b.ua, 'admin-test/1');
  assert.ok(b.expires > 0 && b.expires <= 120);
  assert.match(b.contact, /^sip:alice@/);
  assert.ok(r.json.total >= 1);
  assert.equal(r.json.truncated, false);
  assert.doesNotMatch(r.text, new RegExp(reg.callId));
  assert.doesNotMatch(r.text, /nonce|call_id|conn"/);
  ws.close();
});

test('a call in progress is in /api/calls; once ended it is in /api/cdrs', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const uas = await sipp('uas_answer.xml');
  const to = `adm-p${uas.port}`;
  const mine = (x) => x.to && x.to.includes(`adm@127.0.0.1:${uas.port}`);	// as routed
  const callId = `admin-call-${process.pid}`;
  ws.send(`INVITE sip:${to}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bKadm1\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:${to}@${DOMAIN}>\r\nFrom: <sip:alice@${DOMAIN}>;tag=adm1\r\n`
    + `Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@b.invalid;transport=ws;ob>\r\n`
    + `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(SDP)}\r\n\r\n${SDP}`);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  const target = /<([^>]+)>/.exec(hdr(ok, 'Contact'))[1];
  const inDialog = (method, cseq) => `${method} ${target} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bK${method}${cseq}\r\n`
    + `Max-Forwards: 70\r\nTo: ${hdr(ok, 'To')}\r\nFrom: ${hdr(ok, 'From')}\r\nCall-ID: ${callId}\r\n`
    + `CSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`;
  ws.send(inDialog('ACK', 1));
  const calls = await waitFor(async () => {
    const x = await api('/api/calls');
    return x.json.calls.some((c) => mine(c) && c.state === 'answered') && x;
  }, 8000, 'call listed');
  const c = calls.json.calls.find(mine);
  assert.equal(c.dir, 'web->sip');
  assert.equal(c.b2bua, b2b.id);
  assert.equal(c.node, media.id);
  assert.equal(c.codec_sip, 'PCMU');
  assert.ok(c.started > 0 && c.answered >= c.started);
  assert.deepEqual(calls.json.b2bua_answered, [b2b.id]);
  assert.doesNotMatch(calls.text, /v=0|a=fingerprint/, 'no SDP');
  ws.send(inDialog('BYE', 2));
  await until(ws, /^SIP\/2\.0 200 [\s\S]*CSeq: 2 BYE/);
  assert.equal((await uas.exited).code, 0);
  const cdr = await waitFor(async () => (await api('/api/cdrs')).json.cdrs.find(mine),
    5000, 'CDR listed');
  assert.equal(cdr.end_reason, 'normal-clearing');
  assert.equal(cdr.direction, 'web->sip');
  assert.ok(cdr.duration_ms >= 0);
  await waitFor(async () => !(await api('/api/calls')).json.calls.some(mine), 5000, 'call gone');
  ws.close();
});

test('bad bus messages for the admin API are dropped and counted, never shown', async () => {
  const before = await suite.counter('wsgw', gw.id, 'admin_bus_bad_total') || 0;
  suite.nc.publish('rtcgate.cdr', sc.encode('not json'));
  suite.nc.publish('rtcgate.cdr', sc.encode('{"v":1,"call_id":5}'));
  suite.nc.publish('rtcgate.cdr', sc.encode(JSON.stringify({ v: 1, call_id: 'x', end_reason: 'normal-clearing',
    from: 'a'.repeat(5000), sdp: 'v=0 secret' })));
  suite.nc.publish('rtcgate.media.heartbeat', sc.encode('{"v":1,"kind":"media_heartbeat","node":"bad id!","sessions":1}'));
  suite.nc.publish('rtcgate.media.heartbeat', sc.encode('{"v":1,"kind":"media_heartbeat"}'));
  suite.nc.publish(`_INBOX.${gw.id}.adm.999999`, sc.encode('{"v":1}'));
  await waitFor(async () => (await suite.counter('wsgw', gw.id, 'admin_bus_bad_total')) >= before + 4, 5000, 'counted');
  const cdrs = (await api('/api/cdrs')).json.cdrs;
  const odd = cdrs.find((x) => x.call_id === 'x');
  assert.ok(odd, 'a valid record is kept');
  assert.equal(odd.from, null, 'an oversized field is dropped');
  assert.equal(odd.sdp, undefined, 'unknown fields never pass');
  assert.ok(!(await api('/api/nodes')).json.nodes.some((n) => n.node === 'bad id!'));
  assert.equal((await req(gw.port, '/healthz')).status < 600, true);
});

test('static files: bundles cacheable with an ETag (304 on revalidation), HTML pages not stored', async () => {
  const js = await req(gw.port, '/js/admin.js');
  assert.equal(js.status, 200);
  assert.match(js.headers['cache-control'], /max-age=300/);
  assert.ok(js.headers.etag, 'ETag');
  const again = await req(gw.port, '/js/admin.js', { headers: { 'If-None-Match': js.headers.etag } });
  assert.equal(again.status, 304);
  const css = await req(gw.port, '/css/site.css');
  assert.match(css.headers['cache-control'], /max-age=300/);
  for (const p of ['/js/../admin.html', '//admin.html', '/js/%2e%2e/admin.html', '/css/../admin.html']) {
    const r = await req(gw.port, p);
    assert.ok(!(r.status === 200 && /admin\.js/.test(r.text)), `${p}: the page only with the password`);
  }
  for (const p of ['/softphone.html', '/']) {
    const html = await req(gw.port, p);
    assert.equal(html.status, 200);
    assert.equal(html.headers['cache-control'], 'no-store', p);
  }
});
