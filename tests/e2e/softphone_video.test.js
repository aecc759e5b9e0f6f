// The softphone's video, in two real Chromium pages (fake camera and a
// 1 kHz tone as the microphone) registered as alice and bob, calling each
// other through the whole suite (the b2bua routes the call out to its own
// SIP side and back in, so two mediad sessions relay between them):
// - video off: no camera asked, no m=video in the offer, audio both ways;
// - video on, but no camera: the call goes on with audio only;
// - video on and answered with video: VP8 both ways, frames decoded grow on
//   both sides, the tone still arrives, the page's statistics show VP8;
// - video on, answered without video: only the caller's video flows;
// - video turned on, off and on again during an audio call (re-INVITEs).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { E2E, signIn, heard, waitState: untilState, skipReason } = require('../lib/webapp');
const { waitFor } = require('../lib/harness');

const skip = skipReason();
const e2e = new E2E('e2e-video');

test.before(async () => { if (!skip) await e2e.start(); });
test.after(() => (skip ? undefined : e2e.close()));

const waitState = (page, s, timeout = 15000) => untilState(page, '#call', s, { timeout, status: '#call-status' });

// The call's peer connection as the page sees it: its SDP and, per kind,
// what arrives (codec, frames decoded) and what leaves.
function media(page) {
  return page.evaluate(async () => {
    const pc = window.__e2e.pcs[window.__e2e.pcs.length - 1];
    if (!pc) return null;
    const out = { local: pc.localDescription && pc.localDescription.sdp,
      remote: pc.remoteDescription && pc.remoteDescription.sdp, video: { in: null, out: null } };
    const all = new Map();
    (await pc.getStats()).forEach((s) => all.set(s.id, s));
    for (const s of all.values()) {
      if (s.kind !== 'video' || (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp')) continue;
      const c = all.get(s.codecId);
      const row = { codec: c ? c.mimeType : '', frames: s.type === 'inbound-rtp' ? s.framesDecoded || 0 : s.framesEncoded || 0,
        bytes: s.bytesReceived || s.bytesSent || 0 };
      out.video[s.type === 'inbound-rtp' ? 'in' : 'out'] = row;
    }
    return out;
  });
}

const mVideo = (sdp) => /(^|\n)m=video [1-9]/.test(sdp || '');

// Waits until the frames decoded at the page grow by `by` over what they
// were (video arrives and is decoded, not one key frame and then nothing).
async function framesGrow(page, who, by = 30, ms = 20000) {
  let first = null;
  let last = null;
  try {
    await waitFor(async () => {
      last = await media(page);
      const n = last && last.video.in ? last.video.in.frames : 0;
      if (first === null && n > 0) first = n;
      return first !== null && n >= first + by;
    }, ms, `${who}: frames decoded grow`);
  } catch (e) {
    throw new Error(`${e.message}; first ${first}, now ${JSON.stringify(last && last.video)}\n` +
      `${who} local SDP:\n${last && last.local}\n${who} remote SDP:\n${last && last.remote}`);
  }
  return last;
}

// Milliseconds from t0 until the page has decoded its first video frame
// (polled every 100 ms: a measurement, never asserted).
async function firstFrame(page, t0, who) {
  await waitFor(async () => {
    const m = await media(page);
    return m && m.video.in && m.video.in.frames > 0;
  }, 20000, `${who}: a first video frame`).catch(() => null);
  return Date.now() - t0;
}

async function call(alice, bob) {
  await alice.fill('#target', 'bob');
  await alice.click('#call-btn');
  await bob.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
}

async function hangUp(alice, bob) {
  await alice.click('#hangup');
  await waitState(alice, 'ended');
  await waitState(bob, 'ended');
  await e2e.callsDone();
}

async function twoPages() {
  const alice = await e2e.page('/softphone.html');
  const bob = await e2e.page('/softphone.html');
  await signIn(alice, 'alice', 'alice-secret');
  await signIn(bob, 'bob', 'bob-secret');
  return [alice, bob];
}

test('video off: no camera asked, no m=video in the offer, audio both ways', { skip }, async () => {
  const [alice, bob] = await twoPages();
  try {
    assert.equal(await alice.getAttribute('#video-toggle', 'aria-pressed'), 'false', 'video is off by default');
    await call(alice, bob);
    const offer = (await media(alice)).local;
    assert.match(offer, /m=audio /);
    assert.doesNotMatch(offer, /m=video/, 'the offer has no video section');
    assert.match(await bob.textContent('#incoming-kind'), /^Incoming call from$/);
    assert.equal(await bob.isVisible('#answer-video'), false, 'no "Answer with video" for an audio call');
    await bob.click('#answer');
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    await heard(alice);
    await heard(bob);
    assert.doesNotMatch((await media(bob)).remote, /m=video/, 'bob was offered no video either');
    for (const p of [alice, bob]) {
      assert.equal(await p.evaluate(() => window.__e2e.cams), 0, 'no camera asked for');
      assert.equal(await p.isVisible('#videos'), false, 'no video area');
    }
    await e2e.shot(alice, 'softphone-video-off-call');
    await hangUp(alice, bob);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});

test('video on without a camera: the call goes on with audio only and says why', { skip }, async () => {
  const [alice, bob] = await twoPages();
  try {
    await alice.evaluate(() => {
      const gum = navigator.mediaDevices.getUserMedia;
      navigator.mediaDevices.getUserMedia = (c) => (c && c.video
        ? Promise.reject(new DOMException('no camera here', 'NotFoundError')) : gum(c));
    });
    await alice.click('#video-toggle');
    assert.equal(await alice.getAttribute('#video-toggle', 'aria-pressed'), 'true');
    await call(alice, bob);
    assert.match(await alice.textContent('#video-note'), /No camera found: audio only/);
    await bob.click('#answer');
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    await heard(alice);
    await heard(bob);
    assert.equal(await alice.isVisible('#local-video'), false, 'no preview without a camera');
    await e2e.shot(alice, 'softphone-video-no-camera');
    await hangUp(alice, bob);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});

test('two browsers with video: VP8 both ways, frames decoded grow on both sides, audio still arrives', { skip }, async (t) => {
  const [alice, bob] = await twoPages();
  try {
    await alice.click('#video-toggle');
    assert.equal(await alice.getAttribute('#video-toggle', 'aria-pressed'), 'true');
    await e2e.shot(alice, 'softphone-video-wanted');
    await call(alice, bob);
    assert.match((await media(alice)).local, /m=video [1-9]/, 'alice offers video');
    assert.equal(await alice.evaluate(() => window.__e2e.cams), 1, 'alice asked for the camera once');
    assert.match(await bob.textContent('#incoming-kind'), /Incoming video call from/);
    assert.equal(await bob.isVisible('#answer-video'), true, '"Answer with video" offered');
    assert.equal(await bob.evaluate(() => window.__e2e.cams), 0, 'bob\'s camera not asked before answering');
    await e2e.shot(bob, 'softphone-video-incoming');
    const t0 = Date.now();
    await bob.click('#answer-video');
    const first = Promise.all([firstFrame(alice, t0, 'alice'), firstFrame(bob, t0, 'bob')]);
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    const [fa, fb] = await first;
    const ring = await alice.evaluate(() => {
      const e = window.__e2e;
      const r = e.states.find((x) => x.s === 'ringing');
      return r ? Math.round(r.at - e.clickAt) : null;
    });
    t.diagnostic(`alice click -> ringing ${ring} ms; bob's answer -> first VP8 frame decoded: alice ${fa} ms, bob ${fb} ms`);
    assert.equal(await bob.evaluate(() => window.__e2e.cams), 1, 'bob asked for the camera on answering');
    for (const [p, who] of [[alice, 'alice'], [bob, 'bob']]) {
      const m = await framesGrow(p, who);
      assert.match(m.video.in.codec, /^video\/VP8$/i, `${who} receives VP8`);
      assert.ok(mVideo(m.local) && mVideo(m.remote), `${who}: video negotiated both ways`);
      await heard(p);
    }
    // Still growing a while later: the video goes on, and so does the audio.
    await framesGrow(alice, 'alice (later)', 30);
    await framesGrow(bob, 'bob (later)', 30);
    for (const p of [alice, bob]) {
      await p.waitForSelector('#remote-video:not([hidden])', { timeout: 10000 });
      assert.equal(await p.isVisible('#local-video'), true, 'the preview shows');
      assert.ok(await p.evaluate(() => document.getElementById('remote-video').videoWidth > 0), 'remote video plays');
      await p.click('#stats summary');
      await waitFor(async () => /VP8/.test(await p.textContent('#st-vcodec')), 8000, 'VP8 in the statistics');
      await waitFor(async () => /frames\/s/.test(await p.textContent('#st-fps')), 8000, 'frame rate shown');
      assert.match(await p.textContent('#st-frames'), /^[1-9]\d* decoded/);
      assert.match(await p.textContent('#st-vbitrate'), /kbit\/s/);
      assert.match(await p.textContent('#st-codec'), /\//, 'the audio codec still shown');
      await heard(p);
    }
    await e2e.shot(alice, 'softphone-video-call-alice');
    await e2e.shot(bob, 'softphone-video-call-bob');
    await hangUp(alice, bob);
    for (const p of [alice, bob]) {
      assert.equal(await p.isVisible('#videos'), false, 'the video area goes with the call');
    }
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});

test('a video call answered without video: bob sees alice, sends no camera', { skip }, async () => {
  const [alice, bob] = await twoPages();
  try {
    await alice.click('#video-toggle');
    await call(alice, bob);
    assert.equal(await bob.textContent('#answer'), 'Answer without video');
    await bob.click('#answer');
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    const m = await framesGrow(bob, 'bob');
    assert.match(m.video.in.codec, /^video\/VP8$/i);
    assert.equal(m.video.out, null, 'bob sends no video');
    assert.match(m.local, /m=video [^\n]*\n(?:(?!m=)[^\n]*\n)*a=recvonly/, 'bob\'s answer: video recvonly');
    assert.equal(await bob.evaluate(() => window.__e2e.cams), 0, 'bob\'s camera never asked for');
    await bob.waitForSelector('#remote-video:not([hidden])', { timeout: 10000 });
    assert.equal(await bob.isVisible('#local-video'), false, 'no preview at bob');
    assert.equal(await alice.isVisible('#remote-video'), false, 'nothing to show at alice');
    assert.equal(await alice.getAttribute('#video-toggle', 'aria-pressed'), 'true', 'alice sends her camera');
    await heard(alice);
    await heard(bob);
    await e2e.shot(bob, 'softphone-video-answered-without');
    await hangUp(alice, bob);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});

test('video turned on, off and on again during an audio call (re-INVITE)', { skip }, async () => {
  const [alice, bob] = await twoPages();
  try {
    await call(alice, bob);
    await bob.click('#answer');
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    await heard(bob);
    await alice.click('#video-toggle');
    await waitFor(async () => (await alice.getAttribute('#video-toggle', 'aria-pressed')) === 'true'
      && !(await alice.isDisabled('#video-toggle')), 15000, 'alice\'s camera on').catch(async (e) => {
      throw new Error(`${e.message}: "${await alice.textContent('#video-note')}", call "${await alice.textContent('#call-status')}"`);
    });
    const m = await framesGrow(bob, 'bob');
    assert.match(m.video.in.codec, /^video\/VP8$/i);
    await bob.waitForSelector('#remote-video:not([hidden])', { timeout: 10000 });
    await e2e.shot(bob, 'softphone-video-added-midcall');
    await heard(bob);
    await alice.click('#video-toggle');
    await waitFor(async () => (await alice.getAttribute('#video-toggle', 'aria-pressed')) === 'false'
      && !(await alice.isDisabled('#video-toggle')), 15000, 'alice\'s camera off');
    assert.equal(await alice.isVisible('#local-video'), false, 'the preview goes');
    // Nothing more is decoded at bob once alice stops sending.
    const frames = async () => ((await media(bob)).video.in || { frames: 0 }).frames;
    await waitFor(async () => {
      const n = await frames();
      await new Promise((r) => setTimeout(r, 1500));
      return (await frames()) === n;
    }, 20000, 'bob\'s decoded frames stop growing');
    await waitFor(async () => !(await bob.isVisible('#remote-video')), 10000, 'bob\'s remote video hidden');
    assert.equal(await alice.getAttribute('#call', 'data-state'), 'in-call', 'the call goes on');
    await heard(alice);
    await heard(bob);
    // On again: the same video section is used again (no third m= line).
    await alice.click('#video-toggle');
    await waitFor(async () => (await alice.getAttribute('#video-toggle', 'aria-pressed')) === 'true'
      && !(await alice.isDisabled('#video-toggle')), 15000, 'alice\'s camera on again');
    const again = await framesGrow(bob, 'bob (again)');
    assert.equal((again.local.match(/\nm=/g) || []).length, 2, 'audio and one video section');
    assert.equal(await alice.evaluate(() => window.__e2e.cams), 2, 'the camera asked for each time it is turned on');
    await heard(bob);
    await hangUp(alice, bob);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});
