// A call whose media node runs full ICE (RTCGATE_ICE_MODE=full) and whose
// browser never answers ICE checks: mediad's ice_failed event makes the
// b2bua end the call on both sides (BYE to the browser and to the SIP
// side), with end_reason media-failure. Real services, nats-server, sipp.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { Suite, wsClient, waitFor, sc } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { register } = require('../lib/digest');
const { DOMAIN, webSdp, invite, inDialog, until, sipp: sippUas, reply } = require('../lib/websip');

const suite = new Suite('b2bua-ice-failed');
let gw; let b2b; let media; let h; let cdrs; const events = [];

test.before(async () => {
  h = await startB2bSuite(suite, { mediaPorts: portRange(__filename), cdrs: true,
    routes: 're:([a-z0-9]+)-p([0-9]+) sip:${1}@127.0.0.1:${2}\n',
    mediaEnv: { RTCGATE_ICE_MODE: 'full', RTCGATE_MEDIA_TIMEOUT: '120' },
    b2bEnv: ({ sipPort }) => ({ RTCGATE_SIP_OUTBOUND: `sip:\${user}@127.0.0.1:${sipPort}` }) });
  ({ gw, b2b, media, cdrs } = h);
  // the b2bua's sessions publish their events to it alone (docs/bus.md)
  for (const subj of ['rtcgate.media.event', 'rtcgate.media.event.>']) {
    const sub = suite.nc.subscribe(subj);
    (async () => { for await (const m of sub) events.push(JSON.parse(sc.decode(m.data))); })();
  }
});

test.after(() => suite.close());

test('full ICE fails (the browser never answers checks): ice_failed, BYE both ways, CDR media-failure',
  { timeout: 90000 }, async () => {
    const dead = dgram.createSocket('udp4'); // takes the checks, answers none
    await new Promise((r) => dead.bind(0, '127.0.0.1', r));
    const ws = await wsClient(gw.url);
    try {
      assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret' })).status, 200);
      const uas = await sippUas(suite, 'uas_answer.xml', ['-timeout', '60s']);
      const sdp = `${webSdp('actpass')}a=candidate:1 1 udp 2130706431 127.0.0.1 ${dead.address().port} typ host\r\n`
        + 'a=end-of-candidates\r\n';
      const inv = invite('alice', uas.to('icefail'), { sdp });
      ws.send(inv.msg);
      const ok = await until(ws, /^SIP\/2\.0 200 /, 10000);
      assert.doesNotMatch(ok, /a=ice-lite/);
      ws.send(inDialog('ACK', inv, ok, 1));
      const bye = await until(ws, /^BYE /, 60000);
      ws.send(reply(bye, 200, 'OK'));
      assert.ok(events.some((e) => e.event === 'ice_failed'), 'ice_failed event');
      assert.equal((await uas.exited).code, 0, 'the SIP side got its BYE');
      const cdr = await waitFor(() => cdrs.find((c) => c.to && c.to.includes('icefail')), 5000, 'CDR');
      assert.equal(cdr.end_reason, 'media-failure');
      await waitFor(async () => (await suite.health('b2bua', b2b.id)).counters.calls_active === 0, 5000, 'no calls');
      await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 0, 5000,
        'no media sessions');
    } finally {
      ws.close();
      dead.close();
    }
  });
