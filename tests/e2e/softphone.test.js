// The softphone page (web/public/softphone.html) in a real Chromium against
// the whole suite: sign-in with a good and a bad password, a call to a SIP
// UAS that echoes RTP (a 1 kHz tone goes out and comes back: audio both ways
// through ICE-lite, DTLS-SRTP and mediad), mute, DTMF, statistics, set-up
// times, a call from a SIP UAC answered in the page, and reconnection after
// the WebSocket is lost.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { E2E, signIn, heard, waitState: untilState, skipReason, DOMAIN } = require('../lib/webapp');
const { waitFor, sleep } = require('../lib/harness');

const skip = skipReason();
const e2e = new E2E('e2e-softphone');

test.before(async () => { if (!skip) await e2e.start(); });
test.after(() => (skip ? undefined : e2e.close()));

const waitState = (page, s, timeout = 10000) => untilState(page, '#call', s, { timeout, status: '#call-status' });

test('signs in with the right password; the wrong one is refused and said so', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  try {
    assert.equal(await page.inputValue('#server'), e2e.base.replace('https', 'wss'), 'WebSocket URL from the page');
    await signIn(page, 'alice', 'alice-secret');
    assert.match(await page.textContent('#conn'), new RegExp(`Registered as alice@${DOMAIN}`));
    assert.equal(await page.isVisible('#phone'), true);
    assert.equal(await page.isVisible('#login'), false);
    const b = await e2e.bindings('alice');
    assert.equal(b.length, 1, 'the registrar has one binding for alice');
    assert.match(b[0].ua || '', /JsSIP/);
    await e2e.shot(page, 'softphone-registered');

    const bad = await e2e.page('/softphone.html');
    try {
      await signIn(bad, 'bob', 'not-bobs-password', { expect: 'error' });
      assert.match(await bad.textContent('#login-error'), /wrong user name or password \((401|403) /);
      assert.equal(await bad.getAttribute('#conn', 'data-state'), 'offline');
      assert.equal(await bad.isVisible('#phone'), false);
      assert.equal((await e2e.bindings('bob')).length, 0, 'bob is not registered');
      await e2e.shot(bad, 'softphone-bad-password');
      // The right password in a domain the gateway does not serve.
      await bad.fill('#password', 'bob-secret');
      await bad.fill('#domain', 'elsewhere.example');
      await bad.click('#login-btn');
      await waitFor(async () => /does not serve the SIP domain elsewhere\.example/.test(
        await bad.textContent('#login-error')), 10000, 'the domain error');
      assert.deepEqual(bad.errors, []);
    } finally { await bad.closeAll(); }
    assert.deepEqual(page.errors, []);
  } finally { await page.closeAll(); }
});

test('calls a SIP UAS: ringing, the tone comes back, mute, DTMF, statistics, hang-up from the page', { skip }, async (t) => {
  const page = await e2e.page('/softphone.html');
  const uas = await e2e.sipp('uas_answer.xml');
  try {
    await signIn(page, 'alice', 'alice-secret');
    await page.fill('#target', 'echo');
    await page.click('#call-btn');
    await waitState(page, 'in-call');
    await heard(page);
    const tm = await page.evaluate(() => {
      const e = window.__e2e;
      const ring = e.states.find((s) => s.s === 'ringing');
      return { ringing: ring && ring.at - e.clickAt, audio: e.heardAt - e.clickAt, mics: e.mics };
    });
    assert.ok(tm.ringing > 0, 'the page showed ringing (180) before the answer');
    assert.equal(tm.mics, 1);
    const line = `e2e: click-to-ringing ${Math.round(tm.ringing)} ms, click-to-audio ${Math.round(tm.audio)} ms`;
    console.log(line);
    t.diagnostic(line);
    assert.match(await page.textContent('#call-status'), /In call with echo/);

    // Mute: the tone stops coming back; unmute: it returns.
    await page.click('#mute');
    assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
    await heard(page, { gone: true, ms: 4000 });
    await page.click('#mute');
    await heard(page, { ms: 4000 });

    // Hold: the gateway answers re-INVITE with 501 (and JsSIP ends a call
    // whose hold fails), so Hold is disabled and the page says why.
    assert.equal(await page.isDisabled('#hold'), true);
    assert.equal(await page.isVisible('#hold-note'), true);

    // DTMF from the dial pad, in the media (telephone-event was negotiated).
    await page.click('#pad-toggle');
    await page.click('#pad [data-tone="5"]');
    assert.match(await page.textContent('#dtmf-sent'), /Sent 5 \(RFC 4733\)/);

    // Statistics from getStats.
    await page.click('#stats summary');
    await waitFor(async () => /kbit\/s/.test(await page.textContent('#st-bitrate')), 5000, 'bitrate shown');
    assert.match(await page.textContent('#st-codec'), /PCMU\/8000/);
    assert.match(await page.textContent('#st-rtt'), /\d+ ms/);
    assert.match(await page.textContent('#st-lost'), /^\d+ of \d+$/);
    await e2e.shot(page, 'softphone-in-call');

    await page.click('#hangup');
    await waitState(page, 'ended');
    assert.match(await page.textContent('#call-status'), /Call ended/);
    assert.equal((await uas.exited).code, 0, 'sipp saw the whole call and the BYE');
    await e2e.callsDone();
    assert.deepEqual(page.errors, []);
  } finally {
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('a SIP UAC calls the softphone: it rings, is answered, audio both ways, the SIP side hangs up', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  try {
    await signIn(page, 'bob', 'bob-secret');
    const uac = await e2e.sipp('uac_echo.xml', { uac: true, user: 'bob' });
    await waitState(page, 'incoming');
    assert.equal(await page.isVisible('#incoming'), true);
    assert.match(await page.textContent('#caller'), /pbx/);
    await e2e.shot(page, 'softphone-incoming');
    await page.click('#answer');
    await waitState(page, 'in-call');
    await heard(page);
    await waitState(page, 'ended', 10000);
    assert.match(await page.textContent('#call-status'), /Call ended by/);
    assert.equal((await uac.exited).code, 0, 'sipp got 200 and its BYE was answered');
    await e2e.callsDone();
    assert.deepEqual(page.errors, []);
  } finally { await page.closeAll(); }
});

test('the softphone declines a call: the SIP caller gets 603, the page is idle again', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  try {
    await signIn(page, 'carol', 'carol-secret');
    // The caller's name is markup: the page must show it as text.
    const uac = await e2e.sipp('uac_declined.xml', { uac: true, user: 'carol',
      args: ['-key', 'caller', '%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E'] });
    await waitState(page, 'incoming');
    assert.equal(await page.textContent('#caller'), '<img src=x onerror=window.__pwned=1>');
    assert.equal(await page.locator('#incoming img').count(), 0, 'no markup from the network');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await page.click('#decline');
    await waitState(page, 'ended');
    assert.match(await page.textContent('#call-status'), /declined/);
    const r = await uac.exited;
    assert.equal(r.code, 0, 'sipp got 603 Decline');
    await e2e.callsDone();
  } finally { await page.closeAll(); }
});

test('the WebSocket is lost: the page says so, reconnects and registers again on its own', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  try {
    await signIn(page, 'alice', 'alice-secret');
    const flow = (b) => `${b.edge}/${b.conn}`;
    const before = (await e2e.bindings('alice')).map(flow);
    const port = e2e.gw.port;
    await e2e.suite.stop(e2e.gw);
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 10000 });
    await e2e.shot(page, 'softphone-reconnecting');
    e2e.gw = await e2e.restartWsgw(port);
    await page.waitForSelector('#conn[data-state="registered"]', { timeout: 30000 });
    const after = await waitFor(async () => {
      const b = await e2e.bindings('alice');
      return b.length === 1 && !before.includes(flow(b[0])) && b;
    }, 5000, 'one binding, on the new WebSocket');
    assert.equal(after[0].edge, e2e.gw.id, 'bound to the new wsgw');
  } finally { await page.closeAll(); }
});
