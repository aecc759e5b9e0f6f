// Video SDP through the b2bua (which passes bodies verbatim; mediad writes
// them): a browser calls a registered browser user out and back in through
// our own SIP side with audio+video offered.  The callee's INVITE carries a
// bundled VP8 video section (mediad's SIP-side offer had m=video, the
// second mediad session offered it on), the callee's video answer comes
// back to the caller as VP8 on the bundle, and media_sdp's codec names
// VP8 for the CDR's sake.  Signalling only (fake fingerprints): real
// browser video is mediad_video.test.js's.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Suite, waitFor } = require('../lib/harness');
const { portRange } = require('../lib/ports');
const { startB2bSuite } = require('../lib/b2bsuite');
const { DOMAIN, invite, inDialog, until: untilRaw, reply } = require('../lib/websip');

// until, naming the message it waited for when it times out
const until = (ws, re, ms) => untilRaw(ws, re, ms).catch((e) => {
  throw new Error(`${re}: ${e.message}`);
});

const suite = new Suite('b2bua_video');
let b2b; let media; let h; let cdrs;

const FP = Array.from({ length: 32 }, (_, i) => (i * 5 + 17).toString(16).toUpperCase().padStart(2, '0')).join(':');
const section = (m, mid, setup, lines) => `${m}\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n`
  + `a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ${FP}\r\na=setup:${setup}\r\n`
  + `a=mid:${mid}\r\na=sendrecv\r\na=rtcp-mux\r\n${lines}`;
// A browser's audio+video description (video: VP8 with rtx, and H264).
function avSdp(setup, vpt = '96') {
  return 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n'
    + section('m=audio 9 UDP/TLS/RTP/SAVPF 111 126', 0, setup,
      'a=rtpmap:111 opus/48000/2\r\na=rtpmap:126 telephone-event/8000\r\na=ssrc:11 cname:c\r\n')
    + section(`m=video 9 UDP/TLS/RTP/SAVPF ${vpt === '96' ? '96 97 102' : vpt}`, 1, setup,
      `a=rtpmap:${vpt} VP8/90000\r\na=rtcp-fb:${vpt} nack pli\r\na=rtcp-fb:${vpt} transport-cc\r\n`
      + (vpt === '96' ? 'a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\n' : '')
      + 'a=ssrc:22 cname:c\r\n');
}

test.before(async () => {
  // the SIP side's calls come back to the b2bua itself
  h = await startB2bSuite(suite, { users: ['alice', 'bob'], mediaPorts: portRange(__filename), cdrs: true,
    b2bEnv: ({ b2bPort }) => ({ RTCGATE_SIP_OUTBOUND: `sip:\${user}@127.0.0.1:${b2bPort}` }) });
  ({ b2b, media, cdrs } = h);
});

test.after(() => suite.close());

const registered = (user) => h.registered(user);

test('browser to browser through the SIP side: video offered to the callee, its VP8 answer back to the caller', async () => {
  const alice = await registered('alice');
  const bob = await registered('bob');
  const inv = invite('alice', 'bob', { sdp: avSdp('actpass') });
  alice.send(inv.msg);
  const binv = await until(bob, /^INVITE /, 20000).catch((e) => {
    const seen = alice.frames.map((f) => f.split('\r\n')[0]).join(' | ');
    console.error(suite.log(b2b).split('\n').slice(-30).join('\n'));
    throw new Error(`${e.message}; alice got: ${seen}`);
  });
  assert.match(binv, /a=group:BUNDLE 0 1\r\n/, 'bob is offered audio and video bundled');
  const vm = /m=video (\d+) UDP\/TLS\/RTP\/SAVPF (\d+)\r\n/.exec(binv);
  assert.ok(vm && Number(vm[1]) > 0, 'a live video section for bob');
  assert.match(binv, new RegExp(`a=rtpmap:${vm[2]} VP8/90000`));
  assert.doesNotMatch(binv, /H264|rtx|transport-cc/);
  bob.send(reply(binv, 200, 'OK', { tag: 'bb', body: avSdp('active', vm[2]),
    extra: 'Contact: <sip:bob@b.invalid;transport=ws>\r\n' }));
  await until(bob, /^ACK /, 20000);
  const ok = await until(alice, /^SIP\/2\.0 200 /, 20000);
  assert.match(ok, /a=group:BUNDLE 0 1\r\n/);
  assert.match(ok, /m=video [1-9]\d* UDP\/TLS\/RTP\/SAVPF 96\r\n/, 'alice gets VP8 under her own PT');
  assert.match(ok, /a=rtpmap:96 VP8\/90000\r\n/);
  assert.doesNotMatch(ok, /H264|rtx|transport-cc/);
  alice.send(inDialog('ACK', inv, ok, 1));
  await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 2, 10000,
    'two media sessions');
  alice.send(inDialog('BYE', inv, ok, 2));
  const bye = await until(bob, /^BYE /, 20000);
  bob.send(reply(bye, 200, 'OK'));
  await waitFor(async () => (await suite.health('mediad', media.id)).counters.media_sessions === 0, 15000,
    'no media sessions left');
  // the CDR names the video codec with the audio one
  const cdr = await waitFor(() => cdrs.find((x) => /VP8/.test(x.codec_web || '')), 10000, 'a CDR');
  assert.equal(cdr.codec_web, 'opus+VP8');
  assert.equal(cdr.codec_sip, 'opus+VP8');
  alice.close(); bob.close();
});
