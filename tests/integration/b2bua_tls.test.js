// SIP over TLS on the b2bua's SIP side (RTCGATE_SIP_TLS_*): a browser's
// call routed to sips: and ;transport=tls destinations is answered by our
// own sofia-sip UA (rtcgate-echo with RTCGATE_ECHO_TLS_*, listening for
// TLS only on the port dialled); a call from the SIP side arrives over TLS
// (openssl s_client carrying the raw SIP, Debian's sipp has no TLS); bad
// certificate files stop the b2bua at start with a line naming the
// variable.  Certificates are made here with openssl.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { Suite, waitFor, sleep, sc, freePort, ROOT } = require('../lib/harness');
const { register, status } = require('../lib/digest');
const { wsClient } = require('../lib/harness');
const { DOMAIN, webSdp, invite, hdr, inDialog, until, reply } = require('../lib/websip');

const suite = new Suite('b2bua-tls');
let gw; let b2b; let media; let echo; let tlsPort; let echoTls; const cdrs = [];

function makeCert(name) {
  const cert = path.join(suite.tmp, `${name}.crt`);
  const key = path.join(suite.tmp, `${name}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

// sofia-sip 1.12.11 leaks each TLS connection's SSL (tests/lsan-sofia-tls.supp):
// suppressed for the processes whose TLS goes through sofia (the echo's
// server, the b2bua's outgoing connections; inbound TLS to the b2bua is
// its own front end), with full stacks so the suppressions can see sofia's
// frames under OpenSSL's.
const SAN_TLS = process.env.ASAN_OPTIONS || /san/.test(process.env.BUILD || '') ? {
  ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:exitcode=23'}:fast_unwind_on_malloc=0`,
  LSAN_OPTIONS: `suppressions=${path.join(ROOT, 'tests/lsan-sofia-tls.supp')}:print_suppressions=0`,
} : {};

async function settled() {
  await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 8000, 'no calls left');
  await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 0, 5000,
    'no media sessions left');
}

// A service that binds SIP ports: its "SIP side on" / "echo on" line, or
// another try on other ports when it exited (a port taken meanwhile).
async function listening(kind, envFn) {
  for (let attempt = 1; ; attempt++) {
    const p = suite.service(kind, await envFn());
    const up = await waitFor(() => {
      if (p.exitCode !== null) return 'exited';
      return /info {2}\w+\/sip (SIP side|echo) on /.test(suite.log(p)) && 'up';
    }, 15000, `${kind} listening`);
    if (up === 'up') return p;
    if (attempt >= 3 || !/Address already in use|cannot listen/.test(suite.log(p))) {
      throw new Error(`${kind} did not start: ${suite.log(p).slice(-400)}`);
    }
  }
}

test.before(async () => {
  await suite.startNats();
  const users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(users, 'alice alice-secret\nbob bob-secret\n');
  Object.assign(suite.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users, RTCGATE_NONCE_SECRET: 's' });
  const b2bCert = makeCert('b2bua');
  const echoCert = makeCert('echo');
  const routes = path.join(suite.tmp, 'routes.conf');
  // a free port may be taken before the process binds it (other suites
  // run at once): start again on other ports when it could not listen
  echo = await listening('echo', async () => {
    echoTls = await freePort();
    fs.writeFileSync(routes, `sipsecho sips:echo@127.0.0.1:${echoTls}\n`
      + `tlsecho sip:echo@127.0.0.1:${echoTls};transport=tls\n`);
    return { RTCGATE_ECHO_PORT: String(await freePort()), RTCGATE_ECHO_IP: '127.0.0.1',
      RTCGATE_ECHO_TLS_PORT: String(echoTls), RTCGATE_ECHO_TLS_CERT: echoCert.cert, RTCGATE_ECHO_TLS_KEY: echoCert.key,
      RTCGATE_ECHO_MEDIA_PORTS: '26000-26099', RTCGATE_ECHO_TONE_MS: '0', ...SAN_TLS };
  });
  suite.service('registrar');
  media = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: '26200-26399',
    RTCGATE_MEDIA_WORKERS: '1', RTCGATE_MEDIA_HEARTBEAT_MS: '200' });
  b2b = await listening('b2bua', async () => {
    tlsPort = await freePort();
    return { RTCGATE_SIP_PORT: String(await freePort()), RTCGATE_SIP_IP: '127.0.0.1',
      RTCGATE_SIP_TLS_PORT: String(tlsPort), RTCGATE_SIP_TLS_CERT: b2bCert.cert, RTCGATE_SIP_TLS_KEY: b2bCert.key,
      RTCGATE_ROUTES: routes,
      // a sanitizer build on a loaded machine may take seconds for mediad
      RTCGATE_MEDIA_REQUEST_MS: '10000', ...SAN_TLS };
  });
  gw = await suite.wsgw();
  await waitFor(() => suite.health('mediad', media.id), 5000, 'mediad');
  const sub = suite.nc.subscribe('rtcgate.cdr');
  (async () => { for await (const m of sub) cdrs.push(JSON.parse(sc.decode(m.data))); })();
  await suite.mediaJoined(b2b);
});

test.after(() => suite.close());

async function registered(user) {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user, pass: `${user}-secret` })).status, 200);
  return ws;
}

async function callEchoOverTls(target, uriRe) {
  const before = await suite.counter('echo', echo.id, 'calls_answered_total');
  const ws = await registered('alice');
  const inv = invite('alice', target);
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 [2-6]\d\d [\s\S]*CSeq: 1 INVITE/, 20000);
  assert.equal(status(ok), 200, ok.slice(0, 200));
  assert.match(ok, /a=fingerprint:sha-256 /);
  // the echo listens for TLS only on the port dialled: it answered over TLS
  assert.equal(await suite.counter('echo', echo.id, 'calls_answered_total'), before + 1);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  assert.match(await until(ws, /^SIP\/2\.0 \d+ .*\r\n[\s\S]*CSeq: 2 BYE/), /^SIP\/2\.0 200 /);
  await settled();
  await waitFor(async () => (await suite.counter('echo', echo.id, 'calls_active')) === 0, 5000,
    'the echo saw the BYE (over TLS)');
  const cdr = await waitFor(() => cdrs.find((c) => c.call_id === inv.callId || (c.to && uriRe.test(c.to))), 3000, 'CDR');
  assert.match(cdr.to, uriRe);
  assert.equal(cdr.end_reason, 'normal-clearing');
  ws.close();
}

test('a browser calls a sips: destination: INVITE over TLS, answered, BYE over TLS', async () => {
  await callEchoOverTls('sipsecho', /^<?sips:echo@127\.0\.0\.1:\d+>?$/);
});

test('a browser calls a ;transport=tls destination: the same over TLS', async () => {
  await callEchoOverTls('tlsecho', /^<?sip:echo@127\.0\.0\.1:\d+;transport=tls>?$/);
});

// One TLS connection to the b2bua carrying raw SIP, as a PBX would.
function tlsPeer(port) {
  const p = spawn('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.text = '';
  p.stdout.on('data', (d) => { p.text += d.toString(); });
  p.stderr.on('data', () => {});
  p.closed = new Promise((r) => p.on('exit', r));
  return p;
}

test('the SIP side calls a browser over TLS: INVITE on RTCGATE_SIP_TLS_PORT, answered with a TLS Contact', async () => {
  const ws = await registered('bob');
  const peer = tlsPeer(tlsPort);
  const sdp = 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 36500 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
  const head = (method, cseq, extra = '') => `${method} sip:bob@127.0.0.1:${tlsPort};transport=tls SIP/2.0\r\n`
    + `Via: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKtls${method}${cseq}\r\nMax-Forwards: 70\r\n`
    + 'From: <sip:pbx@127.0.0.1>;tag=pbx1\r\n'
    + `To: <sip:bob@${DOMAIN}>${extra}\r\nCall-ID: tls-in-1\r\nCSeq: ${cseq} ${method}\r\n`
    + 'Contact: <sip:pbx@127.0.0.1:9;transport=tls>\r\n';
  peer.stdin.write(`${head('INVITE', 1)}Content-Type: application/sdp\r\n`
    + `Content-Length: ${sdp.length}\r\n\r\n${sdp}`);
  const inv = await until(ws, /^INVITE /, 10000);
  ws.send(reply(inv, 200, 'OK', { tag: 'bt', body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /);
  const ok = await waitFor(() => /SIP\/2\.0 200 [\s\S]*CSeq: 1 INVITE[\s\S]*\r\n\r\n/.test(peer.text) && peer.text,
    8000, '200 over TLS');
  const contact = hdr(ok.slice(ok.indexOf('SIP/2.0 200')), 'Contact');
  assert.match(contact, new RegExp(`127\\.0\\.0\\.1:${tlsPort};transport=tls`), 'our Contact keeps the dialog on TLS');
  assert.match(ok, /m=audio \d+ RTP\/AVP 0/);
  const toTag = /\r\nTo: [^\r]*;tag=([^;\r]+)/i.exec(ok.slice(ok.indexOf('SIP/2.0 200')))[1];
  peer.stdin.write(`${head('ACK', 1, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  peer.stdin.write(`${head('BYE', 2, `;tag=${toTag}`)}Content-Length: 0\r\n\r\n`);
  const bye = await until(ws, /^BYE /, 8000);
  ws.send(reply(bye, 200, 'OK'));
  await waitFor(() => /SIP\/2\.0 200 [^\r]*\r\n[\s\S]*CSeq: 2 BYE/.test(peer.text), 8000, '200 for BYE over TLS');
  peer.stdin.end();
  peer.kill();
  await settled();
  ws.close();
});

test('bad TLS files stop the b2bua at start (exit code 2) with a line naming the variable', async () => {
  const good = makeCert('good');
  const other = makeCert('other');
  const garbage = path.join(suite.tmp, 'garbage.pem');
  fs.writeFileSync(garbage, 'not a certificate\n');
  const cases = [
    [{ RTCGATE_SIP_TLS_CERT: good.cert }, /RTCGATE_SIP_TLS_CERT is set but RTCGATE_SIP_TLS_KEY is not/],
    [{ RTCGATE_SIP_TLS_CERT: path.join(suite.tmp, 'missing.pem'), RTCGATE_SIP_TLS_KEY: good.key },
      /RTCGATE_SIP_TLS_CERT: cannot read .*missing\.pem/],
    [{ RTCGATE_SIP_TLS_CERT: garbage, RTCGATE_SIP_TLS_KEY: good.key }, /RTCGATE_SIP_TLS_CERT: no PEM certificate/],
    [{ RTCGATE_SIP_TLS_CERT: good.cert, RTCGATE_SIP_TLS_KEY: garbage }, /RTCGATE_SIP_TLS_KEY: no unencrypted PEM private key/],
    [{ RTCGATE_SIP_TLS_CERT: good.cert, RTCGATE_SIP_TLS_KEY: other.key }, /RTCGATE_SIP_TLS_KEY: the key does not belong/],
  ];
  for (const [env, re] of cases) {
    const p = suite.service('b2bua', { RTCGATE_SIP_PORT: String(await freePort()), ...env });
    const { code } = await p.exited;
    assert.equal(code, 2, `exit code with ${JSON.stringify(env)}`);
    assert.match(suite.log(p), re);
  }
  // and nothing of the key is left in the temporary folder
  assert.deepEqual(fs.readdirSync(require('node:os').tmpdir()).filter((f) => f.startsWith('rtcgate-siptls-')
    && fs.statSync(path.join(require('node:os').tmpdir(), f)).mtimeMs > Date.now() - 60000), []);
});
