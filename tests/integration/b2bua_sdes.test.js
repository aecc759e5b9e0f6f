// SDES-SRTP decisions seen through the whole call path: every service as
// a process, a real nats-server, sipp as the SIP peer and a raw
// SIP-over-WebSocket browser.  A SIP INVITE whose RTP/SAVP offer has no
// usable a=crypto line is answered 488 (mediad refuses it); a dial-plan
// rule's srtp= reaches mediad's offer toward that destination: mandatory
// makes it RTP/SAVP with a=crypto, and a plain answer ends the call with a
// 488 to the browser naming the reason; optional offers RTP/AVP with
// a=crypto and a plain answer still makes the call.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { invite, hdr, inDialog, until, sipp: sippUas } = require('../lib/websip');

const suite = new Suite('b2bua_sdes');
let media; let h;
const sipp = (scenario, args) => sippUas(suite, scenario, args);

const registered = (user) => h.registered(user);
const settled = () => h.settled();

// The INVITE sipp received, from its message trace.
function sippInvite(uas) {
  const dir = suite.tmp;
  const f = fs.readdirSync(dir).find((n) => n.startsWith('sipp-') && n.endsWith(`-${uas.port}.msg`));
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const i = text.indexOf('INVITE sip:');
  assert.ok(i >= 0, 'sipp got an INVITE');
  return text.slice(i, text.indexOf('\n\n----', i) > 0 ? text.indexOf('\n\n----', i) : undefined);
}

test.before(async () => {
  h = await startB2bSuite(suite, { users: ['alice', 'bob'], mediaPorts: portRange(__filename),
    routes: 're:mand-p([0-9]+) sip:mand@127.0.0.1:${1} srtp=mandatory\n'
      + 're:opt-p([0-9]+) sip:opt@127.0.0.1:${1} srtp=optional\n',
    b2bEnv: { RTCGATE_RING_TIMEOUT: '5' } });
  ({ media } = h);
});
test.after(() => suite.close());

test('SIP calls a browser with RTP/SAVP and only an unknown crypto suite: 488, nothing left', { timeout: 60000 }, async () => {
  const ws = await registered('bob');
  const refused0 = (await suite.health('mediad', media.id)).counters.media_sdp_refused_total;
  const uac = await h.uac('bob', 'uac_savp_488.xml', ['-trace_msg', '-message_file', path.join(suite.tmp, 'uac488.msg')]);
  assert.equal((await uac.exited).code, 0, `sipp got its 488 with a Reason:\n${suite.log(uac).slice(-1500)}`);
  assert.equal((await suite.health('mediad', media.id)).counters.media_sdp_refused_total, refused0 + 1);
  await settled();
  ws.close();
});

test('a route with srtp=mandatory: mediad offers RTP/SAVP with a=crypto; a plain answer gets the browser a 488 '
  + 'with the reason', { timeout: 60000 }, async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('mand'));
  ws.send(inv.msg);
  const r = await until(ws, /^SIP\/2\.0 488 /, 10000);
  assert.match(hdr(r, 'Reason'), /cause=488;text="mandatory SRTP: SIP answer without usable SRTP \(no a=crypto/);
  assert.equal((await uas.exited).code, 0, 'sipp: 200, then ACK and BYE from the b2bua');
  const sent = sippInvite(uas);
  assert.match(sent, /m=audio \d+ RTP\/SAVP /);
  assert.match(sent, /a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
  await settled();
  ws.close();
});

test('a route with srtp=optional: RTP/AVP with a=crypto offered; a plain answer makes the call', { timeout: 60000 }, async () => {
  const ws = await registered('alice');
  const uas = await sipp('uas_answer.xml');
  const inv = invite('alice', uas.to('opt'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 200 /, 10000);
  ws.send(inDialog('ACK', inv, ok, 1));
  ws.send(inDialog('BYE', inv, ok, 2));
  await until(ws, /^SIP\/2\.0 200 .*\r\n[\s\S]*CSeq: 2 BYE/);
  assert.equal((await uas.exited).code, 0, 'sipp saw the whole call');
  const sent = sippInvite(uas);
  assert.match(sent, /m=audio \d+ RTP\/AVP /);
  assert.match(sent, /a=crypto:2 AEAD_AES_128_GCM inline:/);
  await settled();
  ws.close();
});
