// The SIP torture messages of RFC 4475 (section 3; fixtures/rfc4475/, one
// file each under the RFC's name; index.json says which are valid and what
// a UAS should do) sent to the b2bua's SIP port over UDP and over TCP.
// Over TCP the answers come back on the connection: a valid request gets a
// final response, an invalid one 400 (505 for the unknown version) or
// nothing, a stray response nothing; the six the RFC lets a liberal element
// accept (lwsstart, trws, escruri, baddate, regbadct, badaspec) either.  Over UDP the answers go to
// the messages' own Via hosts (documentation addresses), so only the
// b2bua's health is checked.  Afterwards it is up, has no call or media
// session left and serves a normal call.  RTCGATE_SIP_T1=50 ms: the
// transactions these messages open end within 64*T1 = 3.2 s.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, wsClient, sleep } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register } = require('../lib/digest');
const { invite, inDialog, until, sipp: sippUas } = require('../lib/websip');

const FIX = path.join(__dirname, 'fixtures/rfc4475');
const INDEX = JSON.parse(fs.readFileSync(path.join(FIX, 'index.json'), 'utf8'));
const load = (name) => fs.readFileSync(path.join(FIX, `${name}.dat`));

const suite = new Suite('b2bua-rfc4475');
let b2b; let gw; let h;

const settled = () => h.settled({ calls: 10000, media: 5000 });

test.before(async () => {
  h = await startB2bSuite(suite, { mediaPorts: portRange(__filename), nonceSecret: null,
    routes: 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n',
    // a sanitizer build on a loaded machine may take seconds for mediad
    b2bEnv: { RTCGATE_MEDIA_REQUEST_MS: '10000', RTCGATE_SIP_T1: '50' } });
  ({ b2b, gw } = h);
});

test.after(() => suite.close());

test('the fixtures are RFC 4475 section 3, each message once', () => {
  assert.equal(INDEX.length, 49);
  for (const m of INDEX) assert.ok(load(m.name).length > 40, m.name);
  for (const n of ['wsinv', 'intmeth', 'esc01', 'escnull', 'longreq', 'dblreq', 'badinv01', 'clerr', 'ncl',
    'scalar02', 'quotbal', 'badvers', 'mismatch01', 'bigcode', 'badbranch', 'insuf', 'mcl01', 'zeromf', 'inv2543']) {
    assert.ok(INDEX.some((m) => m.name === n), n);
  }
});

// Over TCP the top Via's transport becomes TCP (most messages were written
// for UDP; sofia sends a response where the top Via says, so it comes back
// on the connection only when the Via names TCP).
function forTcp(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end).replace(/\/(\s*)(UDP|TLS|SCTP)\b/, '/$1TCP');
  return Buffer.from(head + text.slice(end), 'latin1');
}

// One TCP connection per message, all at once; what comes back on each.
async function overTcp(port) {
  const got = new Map();
  await Promise.all(INDEX.map((m) => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('connect', () => s.write(forTcp(load(m.name))));
    // finals come within 64*T1; silence for invalid ones is the answer
    const t = setTimeout(() => s.destroy(), 4000);
    s.on('close', () => { clearTimeout(t); got.set(m.name, text); resolve(); });
  })));
  return got;
}

// A valid message sofia-sip 1.12 cannot parse: it logs "nta_agent:
// received garbage" and drops it (a limitation, kept visible here).
const SOFIA_GARBAGE = {
  intmeth: 'sofia-sip 1.12 rejects its Request-Line (method and URI characters) as garbage',
};

const statuses = (text) => [...text.matchAll(/(?:^|\r\n)SIP\/2\.0 (\d{3}) /g)].map((x) => Number(x[1]));

test('over TCP: valid requests answered, invalid ones 400/505 or dropped, stray responses dropped; the b2bua stays up', async () => {
  const got = await overTcp(b2b.sipPort);
  const rows = INDEX.map((m) => ({ m, st: statuses(got.get(m.name) || '') }));
  console.log(`RFC 4475 over TCP (name section validity kind answers):\n${rows.map(({ m, st }) =>
    `${m.name.padEnd(11)} ${m.section.padEnd(9)} ${m.valid ? 'valid  ' : 'invalid'} ${m.kind.padEnd(8)} `
    + `${st.length ? st.join(',') : 'dropped'}`).join('\n')}`);
  for (const { m, st } of rows) {
    const finals = st.filter((s) => s >= 200);
    const why = `${m.name} (${m.section}, expect ${m.expect}): got ${st.join(',') || 'nothing'}`;
    if (SOFIA_GARBAGE[m.name]) assert.deepEqual(st, [], `${why}; ${SOFIA_GARBAGE[m.name]}`);
    else if (m.expect === 'none') assert.deepEqual(st, [], why);
    else if (m.expect === 'final') assert.ok(finals.length >= 1, why);
    else if (m.expect === 'reject') assert.ok(finals.every((s) => (s >= 400 && s < 500) || s === 505), why);
  }
  assert.equal(b2b.exitCode, null, 'the b2bua is running');
  await settled();
});

test('over UDP: every message in one datagram each; the b2bua stays up with nothing left', async () => {
  const udp = dgram.createSocket('udp4');
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  for (const m of INDEX) udp.send(load(m.name), b2b.sipPort, '127.0.0.1');
  await sleep(1000);
  udp.close();
  assert.equal(b2b.exitCode, null, 'the b2bua is running');
  assert.ok((await suite.health('b2bua', b2b.id)).counters.sip_invites_in_total >= 1, 'INVITEs reached the call layer');
  await settled();
});

test('after the torture a browser call is served as usual', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const uas = await sippUas(suite, 'uas_answer.xml');
  const inv = invite('alice', uas.to('after'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /, 8000);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  assert.match(await until(ws, /^SIP\/2\.0 \d+ .*\r\n[\s\S]*CSeq: 2 BYE/), /^SIP\/2\.0 200 /);
  assert.equal((await uas.exited).code, 0, 'sipp saw the whole call');
  await settled();
  ws.close();
});
