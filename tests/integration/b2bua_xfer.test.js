// Attended transfer (RFC 5589) from a browser, carried out on the SIP side:
// the browser has a call with B and one with C (both sipp), and REFERs B
// with a Refer-To naming C with Replaces of its own dialog of the second
// call.  B must be asked to call C with a Replaces that names *our* SIP
// dialog with C (RFC 3891), which the test checks against C's own trace.
// B reports progress (NOTIFYs relayed to the browser) and hangs up; C, cued
// by an INFO once B "is through", hangs up the replaced dialog.  Both
// browser calls end, with nothing left.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, wsClient, waitFor } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register, status } = require('../lib/digest');
const { DOMAIN, invite, hdr, inDialog, until, sipp: sippUas, reply } = require('../lib/websip');

const suite = new Suite('b2bua-xfer');
let gw; let h; let cdrs;

const settled = () => h.settled();

test.before(async () => {
  h = await startB2bSuite(suite, { mediaPorts: portRange(__filename), cdrs: true,
    routes: 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n',
    // a sanitizer build on a loaded machine may take seconds for mediad
    b2bEnv: { RTCGATE_MEDIA_REQUEST_MS: '10000' } });
  ({ gw, cdrs } = h);
});

test.after(() => suite.close());

async function call(ws, to) {
  const inv = invite('alice', to);
  ws.send(inv.msg);
  const ok = await until(ws, new RegExp(`^SIP\\/2\\.0 200 [\\s\\S]*Call-ID: ${inv.callId}`), 20000);
  ws.send(inDialog('ACK', inv, ok, 1));
  return { inv, ok, tag: /;tag=([^;\r]+)/.exec(hdr(ok, 'To'))[1] };
}

// sipp's trace: the messages it received and sent, in order.
const trace = (p, scenario) => fs.readFileSync(path.join(suite.tmp, `sipp-${scenario}-${p.port}.msg`), 'utf8');

test('attended transfer: B is asked to call C replacing our SIP dialog with C; both calls end', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const b = await sippUas(suite, 'uas_xfer_b.xml');
  const c = await sippUas(suite, 'uas_xfer_c.xml');
  const one = await call(ws, b.to('bob'));
  const two = await call(ws, c.to('carol'));
  const refer = (cseq, replaces) => inDialog('REFER', one.inv, one.ok, cseq).replace('Content-Length: 0',
    `Refer-To: <sip:carol@${DOMAIN}?Replaces=${encodeURIComponent(replaces)}>\r\nContent-Length: 0`);

  // a Replaces naming no call of ours is refused here
  ws.send(refer(2, `${two.inv.callId};to-tag=wrong;from-tag=${two.inv.fromTag}`));
  assert.equal(status(await until(ws, /^SIP\/2\.0 \d+ [\s\S]*CSeq: 2 REFER/)), 403);

  ws.send(refer(3, `${two.inv.callId};to-tag=${two.tag};from-tag=${two.inv.fromTag}`));
  assert.equal(status(await until(ws, /^SIP\/2\.0 \d+ [\s\S]*CSeq: 3 REFER/)), 202);
  const n1 = await until(ws, /^NOTIFY /);
  assert.match(n1, /SIP\/2\.0 100 Trying/);
  ws.send(reply(n1, 200, 'OK'));
  const n2 = await until(ws, /^NOTIFY /);
  assert.match(n2, /SIP\/2\.0 200 OK/);
  ws.send(reply(n2, 200, 'OK'));
  const bye1 = await until(ws, new RegExp(`^BYE [\\s\\S]*Call-ID: ${one.inv.callId}`), 5000);
  ws.send(reply(bye1, 200, 'OK'));
  assert.equal((await b.exited).code, 0, 'B got a REFER to C with Replaces and hung up');

  // B's Refer-To names C and our dialog with C, as C saw it
  const referTo = hdr(trace(b, 'uas_xfer_b.xml').slice(trace(b, 'uas_xfer_b.xml').indexOf('REFER sip:')), 'Refer-To');
  const rep = decodeURIComponent(/\?Replaces=([^>]*)/.exec(referTo)[1]);
  const cTrace = trace(c, 'uas_xfer_c.xml');
  const cInvite = cTrace.slice(cTrace.indexOf('INVITE sip:'));
  const cCallId = hdr(cInvite, 'Call-ID');
  const ourTag = /;tag=([^;\r]+)/.exec(hdr(cInvite, 'From'))[1];
  const cOk = cTrace.slice(cTrace.indexOf('SIP/2.0 200 OK'));
  const cTag = /;tag=([^;\r]+)/.exec(hdr(cOk, 'To'))[1];
  assert.match(referTo, new RegExp(`^<sip:carol@127\\.0\\.0\\.1:${c.port}\\?Replaces=`));
  assert.equal(rep.split(';')[0], cCallId, 'Replaces: the Call-ID of our dialog with C');
  assert.match(rep, new RegExp(`;to-tag=${cTag}(;|$)`), 'to-tag: C\'s tag');
  assert.match(rep, new RegExp(`;from-tag=${ourTag}(;|$)`), 'from-tag: ours');
  assert.notEqual(cCallId, two.inv.callId, 'not the browser\'s Call-ID');

  // C drops the replaced dialog: the browser's second call ends too
  ws.send(inDialog('INFO', two.inv, two.ok, 2).replace('Content-Length: 0',
    'Content-Type: text/plain\r\nContent-Length: 3\r\n\r\ncue').replace(/\r\n\r\ncue\r\n\r\n$/, '\r\n\r\ncue'));
  const bye2 = await until(ws, new RegExp(`^BYE [\\s\\S]*Call-ID: ${two.inv.callId}`), 8000);
  ws.send(reply(bye2, 200, 'OK'));
  assert.equal((await c.exited).code, 0, 'C saw its INFO and hung up');
  await settled();
  const cdr = await waitFor(() => cdrs.find((x) => x.to && x.to.includes(`bob@127.0.0.1:${b.port}`)), 3000, 'CDR');
  assert.equal(cdr.end_reason, 'transferred');
  ws.close();
});

// Malformed Replaces in the browser's REFER: each refused on the browser
// side (4xx), none carried to the SIP peer (sipp would fail on a REFER it
// does not expect), the call goes on and ends normally.
test('REFER with malformed Replaces from the browser: refused, nothing reaches the SIP side', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const b = await sippUas(suite, 'uas_answer.xml');
  const one = await call(ws, b.to('bob'));
  const tags = `;to-tag=${one.tag};from-tag=${one.inv.fromTag}`;
  const referTo = [
    `<sip:carol@${DOMAIN}?Replaces=>`,
    `<sip:carol@${DOMAIN}?Replaces=${encodeURIComponent(`;to-tag=a;from-tag=b`)}>`,
    `<sip:carol@${DOMAIN}?Replaces=nosuchcall>`,
    `<sip:carol@${DOMAIN}?Replaces=${encodeURIComponent('x;to-tag=;from-tag=')}>`,
    `<sip:carol@${DOMAIN}?Replaces=%00${encodeURIComponent(tags)}>`,
    // its own dialog: a call cannot replace itself
    `<sip:carol@${DOMAIN}?Replaces=${encodeURIComponent(one.inv.callId + tags)}>`,
    // longer than any Replaces we take: refused, not read as a blind transfer
    `<sip:${b.to('bob')}@${DOMAIN}?Replaces=${'x'.repeat(2000)}${encodeURIComponent(tags)}>`,
    `<sip:carol@${DOMAIN}?Replaces=${'%41'.repeat(700)}>`,
    `<sip:carol@${DOMAIN}?Replaces=a&Replaces=${encodeURIComponent(one.inv.callId + tags)}>`,
    '<sip:@example.com?Replaces=a>',
  ];
  let cseq = 2;
  for (const rt of referTo) {
    ws.send(inDialog('REFER', one.inv, one.ok, cseq).replace('Content-Length: 0',
      `Refer-To: ${rt}\r\nContent-Length: 0`));
    const r = await until(ws, new RegExp(`^SIP\\/2\\.0 \\d+ [\\s\\S]*CSeq: ${cseq} REFER`), 8000);
    assert.ok(status(r) >= 400 && status(r) < 500, `${rt.slice(0, 80)}: ${r.split('\r\n')[0]}`);
    cseq++;
  }
  // the call still works: a BYE ends it on both sides
  ws.send(inDialog('BYE', one.inv, one.ok, cseq));
  assert.equal(status(await until(ws, new RegExp(`^SIP\\/2\\.0 \\d+ [\\s\\S]*CSeq: ${cseq} BYE`), 8000)), 200);
  assert.equal((await b.exited).code, 0, 'the SIP peer saw no REFER, only the BYE');
  await settled();
  ws.close();
});
