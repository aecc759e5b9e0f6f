// The SIP side stops answering (issue 5's failure list), with a short SIP
// timer T1 (RTCGATE_SIP_T1=50 ms: transactions are given up after
// 64*T1 = 3.2 s) so that each case ends in seconds: a caller that never
// ACKs our 2xx, a callee that goes silent mid-call (our BYE, or a
// re-INVITE, gets no answer) or answers a re-INVITE 408, a destination
// with nothing listening (ICMP port unreachable, TCP refused).  Each case
// ends both legs, leaves a CDR with a reason, and no call or media
// session behind.  sipp plays the SIP peer, a raw SIP-over-WebSocket
// client the browser.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, waitFor, sleep, freePort } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { status } = require('../lib/digest');
const { startB2bSuite } = require('../lib/b2bsuite');
const { webSdp, invite, inDialog, until, sipp: sippUas, reply } = require('../lib/websip');

const suite = new Suite('b2bua-fail');
let b2b; let h; let cdrs;

const sipp = (scenario, args) => sippUas(suite, scenario, args);
const settled = () => h.settled();
const registered = (user) => h.registered(user);
const uac = (user, scenario) => h.uac(user, scenario);

// CDRs name the SIP destination: each test dials a name of its own
const cdrOf = (name) => waitFor(() => cdrs.find((c) => c.to && c.to.includes(name)), 5000,
  `CDR of ${name} among ${JSON.stringify(cdrs.map((c) => [c.to, c.end_reason]))}`);

test.before(async () => {
  h = await startB2bSuite(suite, { users: ['alice', 'bob'], mediaPorts: portRange(__filename), cdrs: true,
    routes: 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n'
      + 're:([a-z0-9]+)-t([0-9]+) sip:${1}@127.0.0.1:${2};transport=tcp\n',
    // a sanitizer build on a loaded machine may take seconds for mediad
    b2bEnv: { RTCGATE_MEDIA_REQUEST_MS: '10000', RTCGATE_SIP_T1: '50', RTCGATE_RING_TIMEOUT: '10' } });
  ({ b2b, cdrs } = h);
});

test.after(() => suite.close());

test('the SIP caller never ACKs our 200: BYE to it after 64*T1, BYE to the browser, CDR sip-timeout', async () => {
  const ws = await registered('bob');
  const call = await uac('bob', 'uac_noack.xml');
  const inv = await until(ws, /^INVITE /, 8000);
  ws.send(reply(inv, 200, 'OK', { tag: 'na', body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /);
  const bye = await until(ws, /^BYE /, 15000);
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await call.exited).code, 0, 'sipp got our BYE after its missing ACK');
  await settled();
  const cdr = await waitFor(() => cdrs.find((c) => c.direction === 'sip->web' && c.end_reason !== 'normal-clearing'
    && c.to && c.to.includes('bob')), 5000, 'CDR');
  assert.equal(cdr.end_reason, 'sip-timeout', JSON.stringify(cdr));
  ws.close();
});

test('the SIP callee goes silent mid-call: our BYE, unanswered, is retransmitted at T1 pace and given up; nothing is left', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_silent.xml');
  const inv = invite('alice', uas.to('silentbye'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /, 8000);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  assert.match(await until(ws, /^SIP\/2\.0 \d+ .*\r\n[\s\S]*CSeq: 2 BYE/), /^SIP\/2\.0 200 /);
  await settled();
  const cdr = await cdrOf('silentbye');
  assert.equal(cdr.end_reason, 'normal-clearing', 'the browser hung up; the unanswered BYE does not keep the call');
  // T1 = 50 ms: 50, 100, 200, 400 ms ... apart (at 500 ms only 3 fit in 3.2 s)
  const trace = path.join(suite.tmp, `sipp-uas_silent.xml-${uas.port}.msg`);
  await waitFor(() => (fs.readFileSync(trace, 'utf8').match(/^BYE sip:/gm) || []).length >= 5, 10000,
    'the BYE retransmitted');
  await suite.stop(uas);
  await sleep(3500); // past 64*T1: NUA gives the BYE up
  assert.equal((await suite.health('b2bua', b2b.id)).counters.calls_active, 0);
  ws.close();
});

test('the SIP callee goes silent mid-call: a re-INVITE (hold) gets no answer, both legs end', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_silent.xml');
  const inv = invite('alice', uas.to('silentre'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /, 8000);
  ws.send(inDialog('ACK', inv, ok, 1));
  const hold = inDialog('INVITE', inv, ok, 2).replace('Content-Length: 0\r\n\r\n', '');
  const sdp = webSdp('actpass').replace('a=sendrecv', 'a=sendonly').replace('o=- 4611 2', 'o=- 4611 3');
  ws.send(`${hold}Contact: <sip:alice@b.invalid;transport=ws;ob>\r\nContent-Type: application/sdp\r\n`
    + `Content-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`);
  const got = [await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 2 INVITE|^BYE /, 15000)];
  got.push(await until(ws, /^BYE /.test(got[0]) ? /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 2 INVITE/ : /^BYE /, 10000));
  const r = got.find((f) => /^SIP/.test(f));
  const bye = got.find((f) => /^BYE /.test(f));
  assert.ok([408, 500, 503].includes(status(r)), `the re-INVITE failed: ${status(r)}`);
  ws.send(reply(bye, 200, 'OK'));
  await settled();
  const cdr = await cdrOf('silentre');
  assert.equal(cdr.end_reason, 'sip-timeout', JSON.stringify(cdr));
  await suite.stop(uas);
  ws.close();
});

test('the SIP callee answers a re-INVITE 408: the dialog is over (RFC 3261 12.2.1.2), BYE to the browser', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_408.xml');
  const inv = invite('alice', uas.to('reinv408'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /, 8000);
  ws.send(inDialog('ACK', inv, ok, 1));
  const hold = inDialog('INVITE', inv, ok, 2).replace('Content-Length: 0\r\n\r\n', '');
  const sdp = webSdp('actpass').replace('a=sendrecv', 'a=sendonly').replace('o=- 4611 2', 'o=- 4611 3');
  ws.send(`${hold}Contact: <sip:alice@b.invalid;transport=ws;ob>\r\nContent-Type: application/sdp\r\n`
    + `Content-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`);
  // the 408 and our BYE, in either order
  const got = [await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 2 INVITE|^BYE /, 10000)];
  got.push(await until(ws, /^BYE /.test(got[0]) ? /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 2 INVITE/ : /^BYE /, 10000));
  const r = got.find((f) => /^SIP/.test(f));
  const bye = got.find((f) => /^BYE /.test(f));
  assert.equal(status(r), 408);
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await uas.exited).code, 0, 'sipp saw its 408 ACKed');
  await settled();
  const cdr = await cdrOf('reinv408');
  assert.equal(cdr.end_reason, 'sip-timeout', JSON.stringify(cdr));
  ws.close();
});

for (const [how, sep] of [['UDP (ICMP port unreachable)', 'p'], ['TCP (connection refused)', 't']]) {
  test(`nothing listens at the destination, ${how}: the browser gets a final answer within 64*T1`, async () => {
    const ws = await registered('alice');
    const dead = await freePort();
    const inv = invite('alice', `dead-${sep}${dead}`);
    ws.send(inv.msg);
    // 64*T1 is 3.2 s here; the default T1 would take 32 s
    const r = await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 1 INVITE/, 8000);
    assert.ok([408, 480, 500, 502, 503].includes(status(r)), `final answer ${status(r)}`);
    await settled();
    const cdr = await cdrOf(`dead@127.0.0.1:${dead}`);
    assert.notEqual(cdr.end_reason, 'normal-clearing');
    ws.close();
  });
}
