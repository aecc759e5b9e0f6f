// mediad's codec choice when it may not transcode (RTCGATE_MAX_TRANSCODE
// reached): offers keep to what can be relayed, opus-web falls back to the
// shared codec, and only a browser with nothing in common is refused.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { webSdp } = require('../lib/websip');

const suite = new Suite('mediad-codec');
let full; let room;
const req = (node, obj) => suite.request(`rtcgate.media.${node.id}`, { v: 1, ...obj }, 5000);
const mline = (sdp) => /m=audio \d+ \S+ ([\d ]+)/.exec(sdp)[1].trim().split(' ');
const sipOffer = (pts) => `v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
  + `m=audio 40000 RTP/AVP ${pts}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:111 opus/48000/2\r\n`;
const sipAnswer = (pt, name) => `v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n`
  + `m=audio 40002 RTP/AVP ${pt}\r\na=rtpmap:${pt} ${name}/8000\r\n`;

test.before(async () => {
  await suite.startNats();
  const env = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_CODEC_POLICY: 'opus-web' };
  full = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'full'), RTCGATE_MAX_TRANSCODE: '0' });
  room = suite.service('mediad', { ...env, RTCGATE_MEDIA_PORTS: portRange(__filename, 'room'), RTCGATE_MAX_TRANSCODE: '5' });
  for (const n of [full, room]) await waitFor(() => suite.health('mediad', n.id), 5000, 'mediad');
});
test.after(() => suite.close());

test('browser offers: with no room to transcode the SIP side is offered only what the browser has', async () => {
  const a = await req(room, { kind: 'media_create', side: 'web', sdp: webSdp('actpass', '111 0') });
  assert.deepEqual(mline(a.sdp).filter((p) => p !== '101'), ['111', '0', '8'], 'room: PCMA added, to transcode');
  const b = await req(full, { kind: 'media_create', side: 'web', sdp: webSdp('actpass', '111 0') });
  assert.deepEqual(mline(b.sdp).filter((p) => p !== '101'), ['111', '0'], 'full: no PCMA');
  // opus-web would transcode PCMU to Opus; with no room the PCMU is relayed
  const ans = await req(full, { kind: 'media_answer', session: b.session, sdp: sipAnswer(0, 'PCMU') });
  assert.equal(ans.kind, 'media_sdp', JSON.stringify(ans));
  assert.equal(ans.transcode, false);
  assert.deepEqual(mline(ans.sdp), ['0'], 'the browser gets PCMU, relayed');
  for (const [n, r] of [[room, a], [full, b]]) await req(n, { kind: 'media_delete', session: r.session });
});

test('SIP offers: with no room the browser is offered the SIP codec only, unless the SIP side speaks Opus', async () => {
  const a = await req(room, { kind: 'media_create', side: 'sip', sdp: sipOffer('0') });
  assert.ok(mline(a.sdp).includes('111'), 'room: Opus offered, to transcode');
  const b = await req(full, { kind: 'media_create', side: 'sip', sdp: sipOffer('0') });
  assert.ok(!mline(b.sdp).includes('111'), 'full: no Opus');
  assert.ok(mline(b.sdp).includes('0'));
  const c = await req(full, { kind: 'media_create', side: 'sip', sdp: sipOffer('111 0') });
  assert.ok(mline(c.sdp).includes('111'), 'Opus relayed needs no room');
  for (const [n, r] of [[room, a], [full, b], [full, c]]) await req(n, { kind: 'media_delete', session: r.session });
});
