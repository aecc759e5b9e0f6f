// The operator page (web/public/admin.html) in a real Chromium against the
// whole suite: without credentials the browser gets 401; with them the
// tables fill from the API (a media node, a registered user, a call in
// progress to sipp, a finished call's CDR) and refresh by themselves.
// A screenshot goes to tests/e2e/out/admin-live.png.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { E2E, skipReason, DOMAIN } = require('../lib/webapp');
const { wsClient, waitFor } = require('../lib/harness');
const { register } = require('../lib/digest');

const skip = skipReason();
const e2e = new E2E('e2e-admin');
const PASSWORD = 'e2e-admin-password';

const FP = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
const SDP = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'
  + 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n'
  + 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n'
  + `a=fingerprint:sha-256 ${FP}\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n`
  + 'a=rtpmap:0 PCMU/8000\r\n';
const hdr = (text, name) => (new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(text) || [])[1];
let seq = 0;

async function until(ws, re, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const f = await ws.next(Math.max(10, end - Date.now()));
    if (re.test(f)) return f;
  }
}

// alice (registered on ws) calls `to` through the outbound route to sipp.
function invite(ws, to) {
  const callId = `e2e-admin-${process.pid}-${++seq}`;
  ws.send(`INVITE sip:${to}@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bKea${seq}\r\n`
    + `Max-Forwards: 70\r\nTo: <sip:${to}@${DOMAIN}>\r\nFrom: <sip:alice@${DOMAIN}>;tag=ea${seq}\r\n`
    + `Call-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@b.invalid;transport=ws;ob>\r\n`
    + `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(SDP)}\r\n\r\n${SDP}`);
  return callId;
}

function inDialog(method, ok, callId, cseq) {
  const target = /<([^>]+)>/.exec(hdr(ok, 'Contact'))[1];
  return `${method} ${target} SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bK${method}${cseq}${seq}\r\n`
    + `Max-Forwards: 70\r\nTo: ${hdr(ok, 'To')}\r\nFrom: ${hdr(ok, 'From')}\r\nCall-ID: ${callId}\r\n`
    + `CSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`;
}

async function adminPage(credentials) {
  const ctx = await e2e.chrome.browser.newContext({ ignoreHTTPSErrors: true,
    ...(credentials ? { httpCredentials: credentials } : {}) });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.closeAll = () => ctx.close();
  const resp = await page.goto(`${e2e.base}/admin.html`).catch(async (e) => { await ctx.close(); throw e; });
  return { page, resp };
}

const cellText = (page, table) => page.locator(`#${table} tbody`).innerText();

test.before(async () => {
  if (skip) return;
  e2e.suite.env.RTCGATE_ADMIN_PASSWORD = PASSWORD;	// every service sees it; wsgw uses it
  await e2e.start();
});
test.after(() => (skip ? undefined : e2e.close()));

test('without the password the browser gets 401 and no page', { skip }, async () => {
  // Headless Chromium has nobody to ask for a password: it stops at the
  // 401 (shown as a 401 page, or as a failed navigation).
  for (const creds of [null, { username: 'admin', password: 'not-it' }]) {
    let got;
    try { got = await adminPage(creds); } catch (e) {
      assert.match(e.message, /ERR_INVALID_AUTH_CREDENTIALS/);
      continue;
    }
    try {
      assert.equal(got.resp.status(), 401);
      assert.equal(await got.page.locator('#nodes').count(), 0);
    } finally { await got.page.closeAll(); }
  }
  const ctx = await e2e.chrome.browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const r = await ctx.request.get(`${e2e.base}/admin.html`, { maxRedirects: 0 });
    assert.equal(r.status(), 401);
    assert.match(r.headers()['www-authenticate'], /^Basic realm="rtcgate admin"/);
    assert.doesNotMatch(await r.text(), /admin\.js/);
  } finally { await ctx.close(); }
});

test('with the password the tables fill: media node, registration, live call, CDR', { skip }, async () => {
  const ws = await wsClient(e2e.gw.url);
  assert.equal((await register(ws, { user: 'alice', pass: 'alice-secret', extra: 'User-Agent: e2e <admin>\r\n' })).status, 200);
  // A call that fails (busy) leaves a CDR ...
  const busy = await e2e.sipp('uas_busy.xml');
  invite(ws, 'busyline');
  await until(ws, /^SIP\/2\.0 486 /);
  assert.equal((await busy.exited).code, 0);
  // ... and one that is answered stays up while the page looks.
  const uas = await e2e.sipp('uas_answer.xml');
  const callId = invite(ws, 'talker');
  const ok = await until(ws, /^SIP\/2\.0 200 /);
  ws.send(inDialog('ACK', ok, callId, 1));

  const { page, resp } = await adminPage({ username: 'admin', password: PASSWORD });
  try {
    assert.equal(resp.status(), 200);
    await waitFor(async () => (await cellText(page, 'nodes')).includes(e2e.media.id), 10000, 'media node row');
    await waitFor(async () => (await cellText(page, 'regs')).includes(`alice@${DOMAIN}`), 10000, 'registration row');
    await waitFor(async () => /talker@127\.0\.0\.1[\s\S]*answered/.test(await cellText(page, 'calls')), 10000, 'call row');
    await waitFor(async () => /busyline[\s\S]*busy/.test(await cellText(page, 'cdrs')), 10000, 'CDR row');
    const regs = await cellText(page, 'regs');
    assert.match(regs, /e2e <admin>/, 'a stranger\'s text shown as text');
    assert.equal(await page.locator('#regs tbody b, #regs tbody admin').count(), 0, 'and never as markup');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'ok');
    const loads = await page.locator('#nodes .bar > span').count();
    assert.ok(loads >= 1, 'load bars drawn');
    // Refreshes by itself.
    const n = Number(await page.getAttribute('body', 'data-loaded'));
    await waitFor(async () => Number(await page.getAttribute('body', 'data-loaded')) > n, 6000, 'a refresh');
    await e2e.shot(page, 'admin-live');

    ws.send(inDialog('BYE', ok, callId, 2));
    await until(ws, /^SIP\/2\.0 200 [\s\S]*CSeq: 2 BYE/);
    assert.equal((await uas.exited).code, 0);
    await waitFor(async () => /No calls\./.test(await cellText(page, 'calls')), 10000, 'the call gone from the page');
    await waitFor(async () => /talker[\s\S]*normal-clearing/.test(await cellText(page, 'cdrs')), 10000, 'its CDR');
    assert.deepEqual(page.errors, [], 'no script errors or CSP violations');
  } finally { await page.closeAll(); }
  ws.close();
  await e2e.callsDone();
});
