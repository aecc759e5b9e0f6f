// The softphone's in-call controls that need the gateway's re-INVITE and
// REFER support, in a real Chromium against the whole suite: hold and
// resume (the SIP side gets a=sendonly, then a=sendrecv; the echoed tone
// stops while held and comes back), and a blind transfer (the SIP side gets
// a REFER to the target, its NOTIFYs reach the page, it hangs up).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { E2E, signIn, heard, waitState: untilState, skipReason } = require('../lib/webapp');
const { waitFor } = require('../lib/harness');
const { RtpEcho } = require('../lib/rtpecho');

const skip = skipReason();
const e2e = new E2E('e2e-calls');

test.before(async () => { if (!skip) await e2e.start(); });
test.after(() => (skip ? undefined : e2e.close()));

const waitState = (page, s, timeout = 10000) => untilState(page, '#call', s, { timeout, status: '#call-status' });

test('hold and resume: the SIP side is re-offered sendonly then sendrecv; the tone stops and returns', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  const echo = await new RtpEcho().open();
  const uas = await e2e.sipp('uas_rtp_hold.xml', { args: ['-key', 'rtp_port', String(echo.port)] });
  try {
    await signIn(page, 'alice', 'alice-secret');
    await page.fill('#target', 'held');
    await page.click('#call-btn');
    await waitState(page, 'in-call');
    await heard(page);
    assert.equal(await page.isDisabled('#hold'), false, 'Hold is offered');
    await page.click('#hold');
    await waitFor(async () => (await page.getAttribute('#hold', 'aria-pressed')) === 'true', 8000, 'on hold');
    assert.equal(await page.textContent('#hold'), 'Resume');
    await heard(page, { gone: true, ms: 6000 });
    await e2e.shot(page, 'softphone-on-hold');
    await page.click('#hold');
    await waitFor(async () => (await page.getAttribute('#hold', 'aria-pressed')) === 'false', 8000, 'resumed');
    await heard(page, { ms: 8000 });
    assert.match(await page.textContent('#call-status'), /In call with held/, 'the same call all along');
    await page.click('#hangup');
    await waitState(page, 'ended');
    assert.equal((await uas.exited).code, 0, 'sipp saw sendonly, then sendrecv, then the BYE');
    await e2e.callsDone();
    assert.deepEqual(page.errors, []);
  } finally {
    echo.close();
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('blind transfer: REFER to the SIP side, progress on the page, the call ends', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  const uas = await e2e.sipp('uas_refer.xml');
  try {
    await signIn(page, 'alice', 'alice-secret');
    await page.fill('#target', 'xfer');
    await page.click('#call-btn');
    await waitState(page, 'in-call');
    await page.click('#xfer-toggle');
    assert.equal(await page.isVisible('#xfer-form'), true);
    await page.fill('#xfer-target', 'sales');
    await page.click('#xfer-btn');
    await waitState(page, 'ended');
    await waitFor(async () => /Transferred to sales/.test(await page.textContent('#xfer-status')), 8000,
      'the transfer reported done').catch(async (e) => {
      throw new Error(`${e.message}: "${await page.textContent('#xfer-status')}"`);
    });
    await e2e.shot(page, 'softphone-transferred');
    assert.match(await page.textContent('#call-status'), /Call ended by xfer/);
    assert.equal((await uas.exited).code, 0, 'sipp got the REFER to sales and its NOTIFYs answered');
    await e2e.callsDone();
    const cdr = await waitFor(() => e2e.cdrs.find((c) => c.to && c.to.includes('xfer')), 5000, 'CDR');
    assert.equal(cdr.end_reason, 'transferred');
    assert.deepEqual(page.errors, []);
  } finally {
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('the WebSocket is lost during a call: the page reconnects, the call and its audio go on, hang-up ends it', { skip }, async () => {
  const page = await e2e.page('/softphone.html');
  const echo = await new RtpEcho().open();
  const uas = await e2e.sipp('uas_rtp.xml', { args: ['-key', 'rtp_port', String(echo.port)] });
  try {
    await signIn(page, 'alice', 'alice-secret');
    await page.fill('#target', 'lost');
    await page.click('#call-btn');
    await waitState(page, 'in-call');
    await heard(page);
    const port = e2e.gw.port;
    await e2e.suite.stop(e2e.gw);
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 10000 });
    e2e.gw = await e2e.restartWsgw(port);
    await page.waitForSelector('#conn[data-state="registered"]', { timeout: 30000 });
    assert.equal(await page.getAttribute('#call', 'data-state'), 'in-call', 'the call is still up');
    await heard(page, { ms: 5000 });
    const before = echo.count(0);
    await waitFor(() => echo.count(0) > before + 50 && echo.tone(1000).ratio > 50, 5000,
      'the browser\'s tone still reaches the SIP side');
    await page.click('#hangup');
    await waitState(page, 'ended');
    assert.equal((await uas.exited).code, 0, 'the BYE reached the SIP side over the new WebSocket');
    await e2e.callsDone();
    assert.ok(!e2e.cdrs.some((c) => c.end_reason === 'flow-lost'), 'not ended as lost');
  } finally {
    echo.close();
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('two browsers call each other through rtcgate: each hears the other', { skip }, async () => {
  const alice = await e2e.page('/softphone.html');
  const bob = await e2e.page('/softphone.html');
  try {
    await signIn(alice, 'alice', 'alice-secret');
    await signIn(bob, 'bob', 'bob-secret');
    await alice.fill('#target', 'bob');
    await alice.click('#call-btn');
    await bob.waitForSelector('#incoming:not([hidden])', { timeout: 10000 });
    assert.match(await bob.textContent('#caller'), /alice/);
    await bob.click('#answer');
    await waitState(alice, 'in-call');
    await waitState(bob, 'in-call');
    await heard(alice);
    await heard(bob);
    await e2e.shot(bob, 'softphone-browser-to-browser');
    await alice.click('#hangup');
    await waitState(alice, 'ended');
    await waitState(bob, 'ended');
    assert.match(await bob.textContent('#call-status'), /Call ended by alice/);
    await e2e.callsDone();
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await alice.closeAll();
    await bob.closeAll();
  }
});
