// The b2bua with every service as a process, a real nats-server, sipp
// (Debian's sip-tester) as the SIP peer and a raw SIP-over-WebSocket client
// as the browser (its signalling; real browser media is the e2e tests'
// job, and mediad's own tests drive Chromium).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, wsClient, waitFor, sleep, freePort, ROOT } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register, status, challenges, authHeader } = require('../lib/digest');
const { DOMAIN, webSdp, invite, hdr, inDialog, until, sipp: sippUas, reply } = require('../lib/websip');

const suite = new Suite('b2bua');
let gw; let b2b; let media; let h; let cdrs;

const sipp = (scenario, args) => sippUas(suite, scenario, args);
const settled = () => h.settled({ calls: 5000, media: 3000 });
const registered = (user, opts) => h.registered(user, opts);

test.before(async () => {
  h = await startB2bSuite(suite, { users: ['alice', 'bob', 'carol'], mediaPorts: portRange(__filename), cdrs: true,
    routes: '# <name>-p<port>: the sipp of one test\nre:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\nsales sip:sales@127.0.0.1:5999\nbarred @reject:403\n',
    b2bEnv: ({ sipPort }) => ({ RTCGATE_SIP_OUTBOUND: `sip:\${user}@127.0.0.1:${sipPort}`,
      RTCGATE_CLICK2CALL: 'sales*', RTCGATE_CDR_FILE: path.join(suite.tmp, 'cdr.jsonl'), RTCGATE_RING_TIMEOUT: '5',
      RTCGATE_FLOW_GRACE: '3' }) });
  ({ gw, b2b, media, cdrs } = h);
});

test.after(() => suite.close());

test('browser calls SIP: 180, 200 with a WebRTC answer, ACK, BYE from the browser', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('echo'));
  ws.send(inv.msg);
  await until(ws, /^SIP\/2\.0 100 /);
  await until(ws, /^SIP\/2\.0 180 /);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  assert.match(ok, /a=ice-lite/);
  assert.match(ok, /a=fingerprint:sha-256 /);
  assert.match(ok, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0/);
  assert.match(hdr(ok, 'Contact'), /rtcgate-owner=b2bua\./);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  assert.match(await until(ws, /^SIP\/2\.0 \d+ .*\r\n[\s\S]*CSeq: 2 BYE/), /^SIP\/2\.0 200 /);
  assert.equal((await uas.exited).code, 0, 'sipp saw the whole call');
  await settled();
  const cdr = await waitFor(() => cdrs.find((c) => c.to && c.to.includes('echo')), 3000, 'CDR');
  assert.equal(cdr.end_reason, 'normal-clearing');
  assert.equal(cdr.direction, 'web->sip');
  assert.ok(cdr.answer);
  ws.close();
});

test('the SIP side hangs up: the browser gets a BYE', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_bye.xml');
  const inv = invite('alice', uas.to('echo2'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  const bye = await until(ws, /^BYE /, 5000);
  assert.match(bye, new RegExp(`Call-ID: ${inv.callId}`));
  ws.send(`SIP/2.0 200 OK\r\nVia: ${hdr(bye, 'Via')}\r\nFrom: ${hdr(bye, 'From')}\r\nTo: ${hdr(bye, 'To')}\r\n`
    + `Call-ID: ${inv.callId}\r\nCSeq: ${hdr(bye, 'CSeq')}\r\nContent-Length: 0\r\n\r\n`);
  assert.equal((await uas.exited).code, 0);
  await settled();
  ws.close();
});

test('busy on the SIP side is relayed; nothing is left behind', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_busy.xml');
  ws.send(invite('alice', uas.to('busy')).msg);
  const r = await until(ws, /^SIP\/2\.0 [2-6]\d\d /);
  assert.equal(status(r), 486);
  assert.equal((await uas.exited).code, 0);
  await settled();
  assert.ok(cdrs.some((c) => c.to && c.to.includes('busy') && c.end_reason === 'busy'));
  ws.close();
});

test('the browser cancels while it rings: 200 for CANCEL, 487, the SIP side is cancelled', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_cancel.xml');
  const inv = invite('alice', uas.to('ring'));
  ws.send(inv.msg);
  await until(ws, /^SIP\/2\.0 180 /);
  ws.send(`CANCEL sip:ring@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=${inv.branch}\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:ring@${DOMAIN}>\r\nFrom: <sip:alice@${DOMAIN}>;tag=${inv.fromTag}\r\n`
    + `Call-ID: ${inv.callId}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n`);
  await until(ws, /^SIP\/2\.0 200 [\s\S]*CSeq: 1 CANCEL/);
  await until(ws, /^SIP\/2\.0 487 /);
  assert.equal((await uas.exited).code, 0);
  await settled();
});

test('a browser that is not registered is challenged (407); a click-to-call target is allowed', async () => {
  const ws = await wsClient(gw.url);
  const r = await until(ws.send(invite('mallory', 'echo').msg) || ws, /^SIP\/2\.0 [3-6]\d\d /);
  assert.equal(status(r), 407);
  assert.match(r, /Proxy-Authenticate: Digest realm="example\.com", nonce="[^"]+", qop="auth"/);
  const uas = await sipp('uas_answer.xml');
  const inv = invite('anonymous', uas.to('sales'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  assert.equal((await uas.exited).code, 0);
  await settled();
  ws.close();
});

test('an unregistered browser answers the 407 with its password and calls; a wrong one is challenged again', async () => {
  const ws = await wsClient(gw.url);
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('authed'));
  ws.send(inv.msg);
  const ch = challenges((await until(ws, /^SIP\/2\.0 407 /)).replace(/Proxy-Authenticate/g, 'WWW-Authenticate'))
    .find((c) => c.algorithm === 'MD5');
  const ruri = `sip:${inv.to}@${DOMAIN}`;
  const again = (cseq, pass, nc) => inv.msg.replace('CSeq: 1 INVITE', `CSeq: ${cseq} INVITE`)
    .replace(/branch=[^\r]+/, `branch=z9hG4bKauth${cseq}${Date.now()}`)
    .replace('Content-Type:', authHeader({ user: 'alice', pass, realm: ch.realm, nonce: ch.nonce, method: 'INVITE',
      uri: ruri, nc }).replace('Authorization:', 'Proxy-Authorization:') + 'Content-Type:');
  ws.send(again(2, 'wrong', '00000001'));
  assert.equal(status(await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 2 INVITE/)), 407, 'a wrong password: challenged again');
  ws.send(again(3, 'alice-secret', '00000002'));
  const ok = await until(ws, /^SIP\/2\.0 200 [\s\S]*CSeq: 3 INVITE/);
  ws.send(inDialog('ACK', inv, ok, 3));
  ws.send(inDialog('BYE', inv, ok, 4));
  assert.equal((await uas.exited).code, 0, 'the SIP side got the authenticated call');
  await settled();
  ws.close();
});

test('SIP calls a registered browser: INVITE with a WebRTC offer, answer, BYE from SIP', async () => {
  const ws = await registered('bob');
  const uac = await h.uac('bob', 'uac_call.xml');
  const inv = await until(ws, /^INVITE /, 8000);
  assert.match(inv, /a=ice-lite/);
  assert.match(inv, /a=setup:actpass/);
  assert.match(hdr(inv, 'Via'), /rtcgate-owner=b2bua\./);
  const base = `Via: ${hdr(inv, 'Via')}\r\nFrom: ${hdr(inv, 'From')}\r\nTo: ${hdr(inv, 'To')};tag=bobtag\r\n`
    + `Call-ID: ${hdr(inv, 'Call-ID')}\r\nCSeq: ${hdr(inv, 'CSeq')}\r\n`;
  ws.send(`SIP/2.0 180 Ringing\r\n${base}Contact: <sip:bob@b.invalid;transport=ws>\r\nContent-Length: 0\r\n\r\n`);
  const ans = webSdp('active', '0');
  ws.send(`SIP/2.0 200 OK\r\n${base}Contact: <sip:bob@b.invalid;transport=ws>\r\n`
    + `Content-Type: application/sdp\r\nContent-Length: ${ans.length}\r\n\r\n${ans}`);
  await until(ws, /^ACK /);
  const bye = await until(ws, /^BYE /, 5000);
  ws.send(`SIP/2.0 200 OK\r\nVia: ${hdr(bye, 'Via')}\r\nFrom: ${hdr(bye, 'From')}\r\nTo: ${hdr(bye, 'To')}\r\n`
    + `Call-ID: ${hdr(bye, 'Call-ID')}\r\nCSeq: ${hdr(bye, 'CSeq')}\r\nContent-Length: 0\r\n\r\n`);
  assert.equal((await uac.exited).code, 0, 'sipp saw 200 and its BYE answered');
  await settled();
  ws.close();
});

test('SIP calls a user nobody registered as: 480', async () => {
  const uac = await h.uac('carol', 'uac_unavailable.xml');
  assert.equal((await uac.exited).code, 0);
  await settled();
});

// The browser declines with a phrase of its own: the b2bua frees that
// message when its handler returns, while sofia wrote the 603 later on
// NUA's thread from the bare phrase pointer (a use-after-free under ASan:
// the SIP caller never got its 603).  The SIP side gets sofia's phrase.
test('SIP calls a browser that declines with a phrase of its own: 603 Decline to the caller, each time', async () => {
  const ws = await registered('bob');
  for (let i = 0; i < 5; i++) {
    const trace = path.join(suite.tmp, `declined-${i}.msg`);
    const call = await h.uac('bob', path.join(ROOT, 'tests/e2e/sipp/uac_declined.xml'),
      ['-key', 'caller', 'pbx', '-trace_msg', '-message_file', trace]);
    const inv = await until(ws, /^INVITE /, 8000);
    ws.send(reply(inv, 180, 'Ringing', { tag: `dt${i}` }));
    ws.send(reply(inv, 603, `Not now ${i} ${'z'.repeat(300)}`, { tag: `dt${i}` }));
    assert.equal((await call.exited).code, 0, `sipp ${i} got its 603:\n${suite.log(call).slice(-1500)}`);
    assert.match(fs.readFileSync(trace, 'utf8'), /SIP\/2\.0 603 Decline\r?\n/);
  }
  await settled();
  ws.close();
});

const uac = (user, scenario) => h.uac(user, scenario);

test('SIP calls a user registered twice: both ring, the first answer wins, the other is cancelled', async () => {
  const a = await registered('carol');
  const b = await registered('carol');
  const call = await uac('carol');
  const ia = await until(a, /^INVITE /, 8000);
  const ib = await until(b, /^INVITE /, 8000);
  b.send(reply(ib, 180, 'Ringing', { tag: 'cb' }));
  a.send(reply(ia, 180, 'Ringing', { tag: 'ca' }));
  a.send(reply(ia, 200, 'OK', { tag: 'ca', body: webSdp('active', '0'),
    extra: 'Contact: <sip:carol@a.invalid;transport=ws>\r\n' }));
  await until(a, /^ACK /);
  const cancel = await until(b, /^CANCEL /);
  assert.match(cancel, /Reason: SIP;cause=200/);
  b.send(reply(cancel, 200, 'OK', { tag: 'cb' }));
  b.send(reply(ib, 487, 'Request Terminated', { tag: 'cb' }));
  const bye = await until(a, /^BYE /, 5000);
  a.send(reply(bye, 200, 'OK'));
  assert.equal((await call.exited).code, 0);
  await settled();
  a.close(); b.close();
});

test('nobody answers within RTCGATE_RING_TIMEOUT: 408 to the SIP side, CANCEL to the browser', async () => {
  const ws = await registered('bob');
  const call = await uac('bob', 'uac_timeout.xml');
  const inv = await until(ws, /^INVITE /, 8000);
  ws.send(reply(inv, 180, 'Ringing', { tag: 'late' }));
  const cancel = await until(ws, /^CANCEL /, 8000);
  ws.send(reply(cancel, 200, 'OK', { tag: 'late' }));
  ws.send(reply(inv, 487, 'Request Terminated', { tag: 'late' }));
  assert.equal((await call.exited).code, 0, 'sipp got 408');
  await settled();
  assert.ok(cdrs.some((c) => c.direction === 'sip->web' && c.end_reason === 'no-answer'));
  ws.close();
});

test('DTMF by INFO (application/dtmf-relay) goes both ways', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_info.xml');
  const inv = invite('alice', uas.to('dtmf'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  const body = 'Signal=5\r\nDuration=160\r\n';
  ws.send(inDialog('INFO', inv, ok, 2).replace('Content-Length: 0\r\n\r\n',
    `Content-Type: application/dtmf-relay\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
  await until(ws, /^SIP\/2\.0 200 [\s\S]*CSeq: 2 INFO/);
  const info = await until(ws, /^INFO /, 5000);
  assert.match(info, /Signal=7/);
  assert.match(info, /Content-Type: application\/dtmf-relay/i);
  ws.send(reply(info, 200, 'OK'));
  ws.send(inDialog('BYE', inv, ok, 3));
  assert.equal((await uas.exited).code, 0, 'sipp got Signal=5 and its INFO answered');
  await settled();
  ws.close();
});

test('a media node dies mid-call: both sides are hung up within 5 s', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('echo3'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  await sleep(200);
  const t0 = Date.now();
  await suite.stop(media, 'SIGKILL');
  const bye = await until(ws, /^BYE /, 6000);
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await uas.exited).code, 0, 'the SIP side got its BYE');
  await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 5000, 'no calls');
  assert.ok(cdrs.some((c) => c.to && c.to.includes('echo3') && c.end_reason === 'media-node-lost'));
  ws.close();
  media = await h.restartMedia(); // for the tests that follow
});

test('a browser calls a registered browser user: out and back in through the SIP side, two media sessions', async () => {
  const alice = await registered('alice');
  const bob = await registered('bob');
  const inv = invite('alice', 'bob');
  alice.send(inv.msg);
  const binv = await until(bob, /^INVITE /, 8000);
  assert.match(binv, /a=ice-lite/, 'bob gets a WebRTC offer from mediad');
  assert.match(hdr(binv, 'From'), /sip:alice@/, 'the caller is shown');
  bob.send(reply(binv, 180, 'Ringing', { tag: 'bb' }));
  await until(alice, /^SIP\/2\.0 180 /);
  bob.send(reply(binv, 200, 'OK', { tag: 'bb', body: webSdp('active', '111'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(bob, /^ACK /);
  const ok = await until(alice, /^SIP\/2\.0 200 /);
  assert.match(ok, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111/, 'Opus end to end: no transcoding');
  alice.send(inDialog('ACK', inv, ok, 1));
  await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 2, 3000,
    'one media session per browser');
  alice.send(inDialog('BYE', inv, ok, 2));
  const bye = await until(bob, /^BYE /, 5000);
  bob.send(reply(bye, 200, 'OK'));
  await settled();
  alice.close(); bob.close();
});

test('a browser loses its WebSocket and does not come back: BYE to the SIP side after RTCGATE_FLOW_GRACE', async () => {
  const ws = await registered('alice', { instance: '11111111-2222-3333-4444-555555555555' });
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('gone'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  await sleep(300);
  const t0 = Date.now();
  ws.close();
  await sleep(1500);
  assert.equal(uas.exitCode, null, 'the call is still up within the grace period');
  assert.equal((await uas.exited).code, 0, 'the SIP side got a BYE');
  assert.ok(Date.now() - t0 >= 2500, `BYE after ${Date.now() - t0} ms, grace is 3 s`);
  await settled();
  assert.ok(cdrs.some((c) => c.to && c.to.includes('gone') && c.end_reason === 'flow-lost'));
});

test('a browser reconnects through another wsgw within the grace period: the call goes on', async () => {
  const gw2 = await suite.wsgw();
  const instance = '99999999-8888-7777-6666-555555555555';
  const ws = await registered('alice', { instance });
  const uas = await sipp('uas_bye_late.xml', ['-d', '8000']);
  const inv = invite('alice', uas.to('back'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.close();
  await sleep(500);
  const ws2 = await registered('alice', { url: gw2.url, instance });
  await sleep(3500); // past the grace period: the call must not have ended
  assert.equal(uas.exitCode, null, 'no BYE went to the SIP side');
  const bye = await until(ws2, /^BYE /, 10000);
  assert.match(bye, new RegExp(`Call-ID: ${inv.callId}`), "the SIP side's BYE reaches the new WebSocket");
  ws2.send(reply(bye, 200, 'OK'));
  assert.equal((await uas.exited).code, 0, 'sipp got 200 for its BYE');
  await settled();
  ws2.close();
  await suite.stop(gw2);
});

test('blind transfer: the browser REFERs, the SIP side is asked to call the target, NOTIFYs come back', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_refer.xml');
  const inv = invite('alice', uas.to('xfer'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('REFER', inv, ok, 2).replace('Content-Length: 0', `Refer-To: <sip:barred@${DOMAIN}>\r\nContent-Length: 0`));
  assert.equal(status(await until(ws, /^SIP\/2\.0 \d+ [\s\S]*CSeq: 2 REFER/)), 403, 'a barred target is refused here');
  ws.send(inDialog('REFER', inv, ok, 3).replace('Content-Length: 0', `Refer-To: <sip:sales@${DOMAIN}>\r\nContent-Length: 0`));
  assert.equal(status(await until(ws, /^SIP\/2\.0 \d+ [\s\S]*CSeq: 3 REFER/)), 202);
  const n1 = await until(ws, /^NOTIFY /);
  assert.match(n1, /Event: refer/);
  assert.match(n1, /SIP\/2\.0 100 Trying/);
  ws.send(reply(n1, 200, 'OK'));
  const n2 = await until(ws, /^NOTIFY /);
  assert.match(n2, /Subscription-State: terminated/);
  assert.match(n2, /SIP\/2\.0 200 OK/);
  ws.send(reply(n2, 200, 'OK'));
  const bye = await until(ws, /^BYE /, 5000);
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await uas.exited).code, 0, 'sipp got the REFER to sales and its NOTIFYs answered');
  await settled();
  assert.ok(cdrs.some((c) => c.to && c.to.includes('xfer') && c.end_reason === 'transferred'));
  ws.close();
});

// A re-offer from the browser: same ICE credentials and fingerprint unless
// told otherwise, a newer o= version, the direction asked for.
function reoffer(inv, ok, cseq, { dir = 'sendrecv', ver = 3, ufrag } = {}) {
  let sdp = webSdp('actpass').replace('a=sendrecv', `a=${dir}`).replace('o=- 4611 2', `o=- 4611 ${ver}`);
  if (ufrag) sdp = sdp.replace('a=ice-ufrag:abcd', `a=ice-ufrag:${ufrag}`).replace('abcdefghijklmnopqrstuvwx', 'zyxwvutsrqponmlkjihgfedc');
  return inDialog('INVITE', inv, ok, cseq).replace('Content-Length: 0\r\n\r\n',
    `Contact: <sip:alice@b.invalid;transport=ws>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
}
const finalFor = (cseq, method) => new RegExp(`^SIP\\/2\\.0 [2-6]\\d\\d [\\s\\S]*CSeq: ${cseq} ${method}`);

test('the browser holds and resumes: re-INVITEs through mediad reach the SIP side (sendonly, then sendrecv)', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_held.xml');
  const inv = invite('alice', uas.to('held'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(reoffer(inv, ok, 2, { dir: 'sendonly' }));
  const held = await until(ws, finalFor(2, 'INVITE'), 8000);
  assert.equal(status(held), 200);
  assert.match(held, /a=recvonly/, 'the SIP side\'s recvonly answer reaches the browser');
  ws.send(inDialog('ACK', inv, ok, 2));
  ws.send(reoffer(inv, ok, 3, { ver: 4 }));
  const resumed = await until(ws, finalFor(3, 'INVITE'), 8000);
  assert.equal(status(resumed), 200);
  assert.match(resumed, /a=sendrecv/);
  ws.send(inDialog('ACK', inv, ok, 3));
  ws.send(inDialog('BYE', inv, ok, 4));
  assert.equal((await uas.exited).code, 0, 'sipp saw sendonly, then sendrecv');
  await settled();
  ws.close();
});

test('an ICE restart from the browser is answered by mediad alone; the SIP side sees nothing', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('restart'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(reoffer(inv, ok, 2, { ufrag: 'wxyz' }));
  const r = await until(ws, finalFor(2, 'INVITE'), 8000);
  assert.equal(status(r), 200);
  const u1 = /a=ice-ufrag:(\S+)/.exec(ok)[1]; const u2 = /a=ice-ufrag:(\S+)/.exec(r)[1];
  assert.notEqual(u1, u2, 'new ICE credentials of ours');
  ws.send(inDialog('ACK', inv, ok, 2));
  ws.send(reoffer(inv, ok, 3, { ver: 4 })); // a second re-INVITE while none is pending is fine
  assert.equal(status(await until(ws, finalFor(3, 'INVITE'), 8000)), 200);
  ws.send(inDialog('ACK', inv, ok, 3));
  ws.send(inDialog('BYE', inv, ok, 4));
  assert.equal((await uas.exited).code, 0, 'sipp got no re-INVITE, only the BYE');
  await settled();
  ws.close();
});

test('the SIP side holds: the browser is re-offered sendonly and its recvonly answer goes back', async () => {
  const ws = await registered('bob');
  const call = await uac('bob', 'uac_hold.xml');
  const inv = await until(ws, /^INVITE /, 8000);
  ws.send(reply(inv, 200, 'OK', { tag: 'hb', body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /);
  const re = await until(ws, /^INVITE /, 8000);
  assert.match(re, /a=sendonly/, 'mediad passes the hold on to the browser');
  assert.match(re, new RegExp(`Call-ID: ${hdr(inv, 'Call-ID')}`), 'within the call');
  ws.send(reply(re, 200, 'OK', { body: webSdp('active', '0').replace('a=sendrecv', 'a=recvonly'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK [\s\S]*CSeq: 2 ACK/);
  const bye = await until(ws, /^BYE /, 5000);
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await call.exited).code, 0, 'sipp got 200 with a=recvonly');
  await settled();
  ws.close();
});

test('session timers on the SIP side (RFC 4028): the caller refreshes, by UPDATE, without the browser', async () => {
  const ws = await registered('bob');
  const seen = [];
  ws.on('message', (d) => seen.push(d.toString()));
  const call = await uac('bob', 'uac_timer.xml');
  const inv = await until(ws, /^INVITE /, 8000);
  ws.send(reply(inv, 200, 'OK', { tag: 'st', body: webSdp('active', '0'),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(ws, /^ACK /);
  const bye = await until(ws, /^BYE /, 5000);
  assert.ok(!seen.some((f) => /^(UPDATE|INVITE) [\s\S]*CSeq: 2 /.test(f)), 'the refresh stays on the SIP side');
  ws.send(reply(bye, 200, 'OK'));
  assert.equal((await call.exited).code, 0, 'sipp saw Session-Expires: 90;refresher=uac in 200 and its UPDATE answered');
  await settled();
  ws.close();
});

test('the SIP side is unreachable (ICMP port unreachable): the browser gets a final answer, nothing is left', async () => {
  const ws = await registered('alice');
  const dead = await freePort();
  ws.send(invite('alice', `dead-p${dead}`).msg);
  const r = await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 1 INVITE/, 40000);
  assert.ok([408, 480, 500, 502, 503].includes(status(r)), `final answer ${status(r)}`);
  await settled();
  ws.close();
});

test('a browser offer with no audio codec in common: 488 with a Reason saying why', async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  ws.send(invite('alice', uas.to('nocodec'), { sdp: webSdp('actpass', '9').replace('a=rtpmap:111', 'a=rtpmap:9 G722/8000\r\na=rtpmap:111') }).msg);
  const r = await until(ws, /^SIP\/2\.0 [3-6]\d\d /);
  assert.equal(status(r), 488);
  assert.match(hdr(r, 'Reason'), /^SIP;cause=488;text="[^"]*codec[^"]*"$/);
  await settled();
  await suite.stop(uas);
  ws.close();
});
