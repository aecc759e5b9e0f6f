// Two b2bua instances side by side: new calls are shared through the queue
// group, and a browser's CANCEL (which names no owner) reaches the instance
// that has the INVITE: it answers 200 and 487, the other stays silent.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Suite, wsClient, waitFor, sleep, freePort } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { register, status } = require('../lib/digest');
const { DOMAIN, invite, hdr, inDialog, until, sipp } = require('../lib/websip');

const suite = new Suite('b2bua-multi');
let gw; const b2bs = []; const medias = [];

test.before(async () => {
  await suite.startNats();
  const users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(users, 'alice alice-secret\n');
  const routes = path.join(suite.tmp, 'routes.conf');
  fs.writeFileSync(routes, 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n');
  Object.assign(suite.env, { RTCGATE_DOMAIN: DOMAIN, RTCGATE_USERS: users, RTCGATE_ROUTES: routes });
  suite.service('registrar');
  for (const ports of [portRange(__filename, 'a'), portRange(__filename, 'b')]) {
    medias.push(suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: ports,
      RTCGATE_MEDIA_HEARTBEAT_MS: '200' }));
  }
  for (let i = 0; i < 2; i++) {
    b2bs.push(suite.service('b2bua', { RTCGATE_SIP_PORT: String(await freePort()), RTCGATE_SIP_IP: '127.0.0.1' }));
  }
  gw = await suite.wsgw();
  for (const b of b2bs) await waitFor(() => suite.health('b2bua', b.id), 5000, 'b2bua');
  for (const b of b2bs) await suite.mediaJoined(b, 2);	// both nodes' heartbeats
});

test.after(() => suite.close());

test('a CANCEL reaches the instance that has the INVITE, whichever it is', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const seen = [];
  ws.on('message', (d) => seen.push(d.toString()));
  const owners = new Set(); const callIds = [];
  for (let i = 0; i < 20 && owners.size < 2; i++) {
    const uas = await sipp(suite, 'uas_cancel.xml');
    const inv = invite('alice', uas.to('ring'));
    ws.send(inv.msg);
    callIds.push(inv.callId);
    const ringing = await until(ws, /^SIP\/2\.0 180 /, 8000);
    owners.add(/rtcgate-owner=([^;>\s]+)/.exec(hdr(ringing, 'Contact'))[1]);
    ws.send(`CANCEL sip:${inv.to}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=${inv.branch}\r\n`
      + `Max-Forwards: 70\r\nTo: <sip:${inv.to}@${DOMAIN}>\r\nFrom: <sip:alice@${DOMAIN}>;tag=${inv.fromTag}\r\n`
      + `Call-ID: ${inv.callId}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n`);
    const c = await until(ws, /^SIP\/2\.0 \d+ [\s\S]*CSeq: 1 CANCEL/);
    assert.equal(status(c), 200, `call ${i}: the CANCEL is answered by its owner`);
    assert.equal(status(await until(ws, /^SIP\/2\.0 [3-6]\d\d [\s\S]*CSeq: 1 INVITE/)), 487);
    assert.equal((await uas.exited).code, 0, 'the SIP side was cancelled');
  }
  assert.equal(owners.size, 2, `both instances took calls: ${[...owners]}`);
  await sleep(500);
  for (const id of callIds) {
    const answers = seen.filter((f) => f.includes(`Call-ID: ${id}`) && /^SIP\/2\.0 /.test(f) && /CSeq: 1 CANCEL/.test(f));
    assert.equal(answers.length, 1, `exactly one answer to the CANCEL of ${id}`);
  }
  for (const b of b2bs) {
    await waitFor(async () => (await suite.health('b2bua', b.id)).counters.calls_active === 0, 5000, 'no calls left');
  }
  ws.close();
});

test('a media node that died but is not missed yet: new calls are set up on the other', async () => {
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  await suite.stop(medias[0], 'SIGKILL');
  // within the 3 s before its silence is noticed, every call must still work
  for (let i = 0; i < 4; i++) {
    const uas = await sipp(suite, 'uas_answer.xml');
    const inv = invite('alice', uas.to(`after${i}`));
    ws.send(inv.msg);
    const r = await until(ws, /^SIP\/2\.0 [2-6]\d\d [\s\S]*CSeq: 1 INVITE/, 8000);
    assert.equal(Number(r.slice(8, 11)), 200, `call ${i} set up`);
    ws.send(inDialog('ACK', inv, r, 1));
    ws.send(inDialog('BYE', inv, r, 2));
    assert.equal((await uas.exited).code, 0);
  }
  ws.close();
});

test('a media node that stalls loses its calls; the sessions it kept are deleted once it reports their media timeout', async () => {
  const m = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: portRange(__filename, 'stall'),
    RTCGATE_MEDIA_HEARTBEAT_MS: '200', RTCGATE_MEDIA_TIMEOUT: '3' });
  await waitFor(() => suite.health('mediad', m.id), 5000, 'the new mediad');
  await suite.stop(medias[1], 'SIGKILL'); // the only other node: calls go to m
  await sleep(3500); // the b2buas have missed it and heard m's heartbeats
  const ws = await wsClient(gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
  const uas = await sipp(suite, 'uas_answer.xml');
  const inv = invite('alice', uas.to('stall'));
  ws.send(inv.msg);
  const ok = await until(ws, /^SIP\/2\.0 [2-6]\d\d [\s\S]*CSeq: 1 INVITE/, 10000);
  assert.equal(Number(ok.slice(8, 11)), 200, ok.split('\r\n')[0]);
  ws.send(inDialog('ACK', inv, ok, 1));
  await waitFor(async () => (await suite.health('mediad', m.id)).counters.media_sessions === 1, 3000, 'a session');
  m.kill('SIGSTOP');
  const bye = await until(ws, /^BYE /, 10000); // the node is missed: the call is ended
  ws.send(`SIP/2.0 200 OK\r\nVia: ${hdr(bye, 'Via')}\r\nFrom: ${hdr(bye, 'From')}\r\nTo: ${hdr(bye, 'To')}\r\n`
    + `Call-ID: ${hdr(bye, 'Call-ID')}\r\nCSeq: ${hdr(bye, 'CSeq')}\r\nContent-Length: 0\r\n\r\n`);
  await sleep(2500); // the media_delete sent to the stalled node times out
  m.kill('SIGCONT');
  await waitFor(async () => (await suite.health('mediad', m.id)).counters.media_sessions === 0, 15000,
    'the orphaned session deleted after its media timeout');
  assert.equal((await uas.exited).code, 0);
  ws.close();
});
