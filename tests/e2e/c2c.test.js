// The click-to-call widget embedded with one script tag in a plain page
// (web/public/c2c-demo.html), in a real Chromium against the whole suite:
// no microphone until the button is clicked, then an anonymous call to a
// click-to-call target (RTCGATE_CLICK2CALL) that reaches a SIP UAS (sipp,
// echoing RTP), with the input level meter moving and the tone coming back.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { E2E, heard, waitState, skipReason } = require('../lib/webapp');
const { waitFor } = require('../lib/harness');

const skip = skipReason();
const e2e = new E2E('e2e-c2c');

test.before(async () => { if (!skip) await e2e.start({ click2call: 'echo' }); });
test.after(() => (skip ? undefined : e2e.close()));

const widgetState = (page) => page.getAttribute('.rtcgate-c2c', 'data-state');

test('the widget calls a click-to-call target without an account; the SIP side gets the call', { skip }, async (t) => {
  const page = await e2e.page('/c2c-demo.html');
  const uas = await e2e.sipp('uas_answer.xml');
  try {
    const button = page.locator('.rtcgate-c2c button.call');	// inside the widget's shadow root
    await button.waitFor();
    assert.equal(await button.textContent(), 'Call the echo test');
    assert.equal(await widgetState(page), 'idle');
    assert.equal(await page.evaluate(() => window.__e2e.mics), 0, 'no microphone before the click');
    await e2e.shot(page, 'c2c-idle');

    await button.click();
    await waitState(page, '.rtcgate-c2c', 'in-call', { status: '.rtcgate-c2c .status' });
    await heard(page);
    const tm = await page.evaluate(() => {
      const e = window.__e2e;
      const ring = e.states.find((s) => s.s === 'ringing');
      return { ringing: ring && ring.at - e.clickAt, audio: e.heardAt - e.clickAt, mics: e.mics };
    });
    assert.equal(tm.mics, 1, 'the microphone was asked for once, on the click');
    assert.ok(tm.ringing > 0, 'the widget showed ringing');
    const line = `e2e: widget click-to-ringing ${Math.round(tm.ringing)} ms, click-to-audio ${Math.round(tm.audio)} ms`;
    console.log(line);
    t.diagnostic(line);
    assert.match(await page.locator('.rtcgate-c2c .status').textContent(), /^Connected \d\d:\d\d$/);
    await waitFor(() => page.locator('.rtcgate-c2c meter').evaluate((m) => m.value > 0.3), 3000,
      'the input level meter shows the microphone');
    await page.locator('.rtcgate-c2c button[aria-expanded]').click();
    assert.equal(await page.locator('.rtcgate-c2c .dialpad').isVisible(), true, 'the keypad opens');
    await page.locator('.rtcgate-c2c [data-tone="1"]').click();
    await e2e.shot(page, 'c2c-in-call');

    await page.locator('.rtcgate-c2c button.hangup').click();
    await waitState(page, '.rtcgate-c2c', 'ended', { status: '.rtcgate-c2c .status', timeout: 5000 });
    assert.equal(await button.isVisible(), true, 'the call button is back');
    assert.equal((await uas.exited).code, 0, 'sipp saw the call and its BYE');
    await e2e.callsDone();
    const cdr = await waitFor(() => e2e.cdrs.find((c) => /echo/.test(c.to)), 3000, 'the CDR of the call');
    assert.equal(cdr.direction, 'web->sip');
    assert.equal(cdr.end_reason, 'normal-clearing');
    assert.match(cdr.from, /anonymous/, 'an anonymous caller');
    assert.ok(cdr.answer, 'answered');
    await e2e.shot(page, 'c2c-ended');
    assert.deepEqual(page.errors, []);
  } finally {
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('a target the gateway does not list is refused, and the widget says so', { skip }, async () => {
  const page = await e2e.page('/c2c-demo.html');
  try {
    // The same widget, mounted by hand with another target.
    await page.locator('.rtcgate-c2c button.call').waitFor();
    await page.evaluate(() => {
      const host = document.createElement('div');
      host.className = 'other';
      document.body.append(host);
      window.rtcgateC2C.mount(host, { target: 'sales', label: 'Call sales' });
    });
    await page.locator('.other button.call').click();
    await waitState(page, '.other', 'failed', { status: '.other .status' });
    assert.match(await page.locator('.other .status').textContent(), /did not go through: 403 /);
    assert.equal(await page.locator('.other button.call').isVisible(), true);
    await e2e.callsDone();
  } finally { await page.closeAll(); }
});

test('with data-user and data-password the widget registers and calls as that user', { skip }, async () => {
  const html = '<!doctype html><html lang="en"><title>Support</title><body>\n'
    + `<script src="${e2e.base}/js/c2c.js" data-target="support" data-user="carol" `
    + 'data-password="carol-secret" data-domain="example.com" data-label="Call support" async></script>\n</body></html>';
  const page = await e2e.page(null, { html });
  const uas = await e2e.sipp('uas_answer.xml');
  try {
    const button = page.locator('.rtcgate-c2c button.call');
    await button.click();
    await waitState(page, '.rtcgate-c2c', 'in-call', { status: '.rtcgate-c2c .status' });
    await page.locator('.rtcgate-c2c button.hangup').click();
    await waitState(page, '.rtcgate-c2c', 'ended', { status: '.rtcgate-c2c .status', timeout: 5000 });
    assert.equal((await uas.exited).code, 0);
    const cdr = await waitFor(() => e2e.cdrs.find((c) => /support/.test(c.to)), 3000, 'the CDR of the call');
    assert.match(cdr.from, /carol@example\.com/, 'the call came from carol, not anonymous');
    // The widget signed out when the call ended.
    await waitFor(async () => (await e2e.bindings('carol')).length === 0, 5000, 'carol unregistered');
    await e2e.callsDone();
    assert.deepEqual(page.errors, []);
  } finally {
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});

test('the README snippet works pasted into a page of another origin', { skip }, async () => {
  const html = '<!doctype html><html lang="en"><title>Shop</title><body><h1>A shop</h1>\n'
    + `<script src="${e2e.base}/js/c2c.js" data-target="echo" async></script>\n</body></html>`;
  const page = await e2e.page(null, { html });
  const uas = await e2e.sipp('uas_answer.xml');
  try {
    assert.ok(!page.url().startsWith(e2e.base), 'the page is not the gateway\'s');
    const button = page.locator('.rtcgate-c2c button.call');
    await button.waitFor();
    assert.equal(await button.textContent(), 'Call us');
    await button.click();
    await waitState(page, '.rtcgate-c2c', 'in-call', { status: '.rtcgate-c2c .status' });
    await heard(page);
    await e2e.shot(page, 'c2c-other-origin');
    await page.locator('.rtcgate-c2c button.hangup').click();
    await waitState(page, '.rtcgate-c2c', 'ended', { status: '.rtcgate-c2c .status', timeout: 5000 });
    assert.equal((await uas.exited).code, 0, 'sipp saw the call and its BYE');
    await e2e.callsDone();
    assert.deepEqual(page.errors, []);
  } finally {
    await e2e.suite.stop(uas);
    await page.closeAll();
  }
});
