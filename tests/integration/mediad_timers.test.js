// mediad's per-worker timer heap (mtimer.c) and owner-addressed events:
// sessions whose media_create names an owner publish their events on
// rtcgate.media.event.<owner> only; every one of many idle sessions gets
// its media_timeout on time from the heap (not from a scan of them all);
// a session deleted before its deadline never fires.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor, sleep, sc } = require('../lib/harness');
const { portRange } = require('../lib/ports');

const suite = new Suite('mediad-timers');
let md;
const heard = { broadcast: [], owner: [], other: [] };

const req = (obj) => suite.request(`rtcgate.media.${md.id}`, { v: 1, ...obj }, 5000);
const sipOffer = (port) => 'v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
  + `m=audio ${port} RTP/AVP 0\r\n`;

test.before(async () => {
  await suite.startNats();
  md = suite.service('mediad', { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_WORKERS: '2',
    RTCGATE_MEDIA_TIMEOUT: '2', RTCGATE_MEDIA_PORTS: portRange(__filename) });
  for (const [subj, list] of [['rtcgate.media.event', heard.broadcast],
    ['rtcgate.media.event.b2bua-owner1', heard.owner], ['rtcgate.media.event.b2bua-other', heard.other]]) {
    const sub = suite.nc.subscribe(subj);
    (async () => { for await (const m of sub) list.push(JSON.parse(sc.decode(m.data))); })();
  }
  await waitFor(() => suite.health('mediad', md.id), 5000, 'mediad');
});

test.after(async () => { await suite.close(); });

test('an owner that is not an instance id is refused', async () => {
  for (const owner of ['a b', 'x.>', '*', '']) {
    const r = await req({ kind: 'media_create', side: 'sip', sdp: sipOffer(40100), owner });
    assert.equal(r.kind, 'error', owner);
    assert.match(r.reason, /owner/);
  }
  assert.equal((await suite.health('mediad', md.id)).counters.media_sessions, 0);
});

test('events go to the owner only; without one, to everybody', async () => {
  const owned = await req({ kind: 'media_create', side: 'sip', sdp: sipOffer(40102), owner: 'b2bua-owner1' });
  const plain = await req({ kind: 'media_create', side: 'sip', sdp: sipOffer(40104) });
  assert.equal(owned.kind, 'media_sdp');
  assert.equal(plain.kind, 'media_sdp');
  await waitFor(() => heard.owner.some((e) => e.session === owned.session && e.event === 'media_timeout')
    && heard.broadcast.some((e) => e.session === plain.session && e.event === 'media_timeout'),
  8000, 'both media_timeouts');
  assert.ok(!heard.broadcast.some((e) => e.session === owned.session), 'owned event broadcast');
  assert.ok(!heard.owner.some((e) => e.session === plain.session), 'plain event sent to an owner');
  assert.equal(heard.other.length, 0);
  // once: the deadline is not re-armed for an event already sent
  await sleep(1500);
  assert.equal(heard.owner.filter((e) => e.session === owned.session).length, 1);
  for (const s of [owned, plain]) assert.equal((await req({ kind: 'media_delete', session: s.session })).kind, 'media_stats');
});

test('150 idle sessions each time out once; deleted ones never fire', async () => {
  const made = [];
  for (let i = 0; i < 150; i++) {
    const r = await req({ kind: 'media_create', side: 'sip', sdp: sipOffer(41000 + 2 * i), owner: 'b2bua-owner1' });
    assert.equal(r.kind, 'media_sdp', r.reason);
    made.push(r.session);
  }
  // a third deleted before their deadline (2 s): their timers go with them
  const gone = made.filter((_, i) => i % 3 === 0);
  for (const s of gone) assert.equal((await req({ kind: 'media_delete', session: s })).kind, 'media_stats');
  const kept = made.filter((_, i) => i % 3 !== 0);
  const timedOut = () => new Set(heard.owner.filter((e) => e.event === 'media_timeout' && made.includes(e.session))
    .map((e) => e.session));
  await waitFor(() => timedOut().size >= kept.length, 15000, 'every kept session timed out');
  await sleep(1200);	// more than a tick of the heap's idle cap (1 s)
  const got = timedOut();
  for (const s of kept) assert.ok(got.has(s), s);
  for (const s of gone) assert.ok(!got.has(s), `deleted ${s} fired`);
  const per = heard.owner.filter((e) => e.event === 'media_timeout' && made.includes(e.session));
  assert.equal(per.length, kept.length, 'a media_timeout sent twice');
  for (const s of kept) assert.equal((await req({ kind: 'media_delete', session: s })).kind, 'media_stats');
  // the gauge follows the workers' counts on the next heartbeat
  await waitFor(async () => (await suite.health('mediad', md.id)).counters.media_sessions === 0, 5000,
    'media_sessions 0');
});
