// A minimal digest-authenticating REGISTER client over a raw WebSocket, for
// tests that need control over every field (replays, bad nonces, ...).
'use strict';
const crypto = require('node:crypto');
const { sipRequest } = require('./harness');

const H = (alg, s) => crypto.createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');

function challenges(resp) {
  const out = [];
  for (const m of resp.matchAll(/^WWW-Authenticate: Digest (.*)$/gmi)) {
    const p = {};
    for (const kv of m[1].matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) p[kv[1]] = kv[3] !== undefined ? kv[3] : kv[2];
    out.push(p);
  }
  return out;
}

function authHeader({ user, pass, realm, nonce, alg = 'MD5', nc = '00000001', cnonce = 'c0ffee', uri = 'sip:example.com', method = 'REGISTER' }) {
  const ha1 = H(alg, `${user}:${realm}:${pass}`);
  const ha2 = H(alg, `${method}:${uri}`);
  const response = H(alg, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", `
    + `response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}"\r\n`;
}

const status = (r) => Number((r.match(/^SIP\/2\.0 (\d+)/) || [])[1]);

// REGISTER, answer the challenge, return {status, text, challenge, auth}.
async function register(ws, { user, pass, domain = 'example.com', expires = 120, contact, callId, alg = 'MD5', extra = '' }) {
  const cid = callId || `reg-${user}-${Math.random().toString(36).slice(2)}`;
  const ct = contact || `<sip:${user}@${Math.random().toString(36).slice(2)}.invalid;transport=ws>`;
  const headers = `Contact: ${ct}\r\nExpires: ${expires}\r\n${extra}`;
  ws.send(sipRequest('REGISTER', `sip:${domain}`, { user, domain, callId: cid, headers }));
  const first = await ws.next();
  if (status(first) !== 401) return { status: status(first), text: first };
  const ch = challenges(first).find((c) => c.algorithm === alg);
  const auth = { user, pass, realm: ch.realm, nonce: ch.nonce, alg };
  ws.send(sipRequest('REGISTER', `sip:${domain}`, { user, domain, callId: cid, headers: headers + authHeader(auth) }));
  const text = await ws.next();
  return { status: status(text), text, challenge: ch, auth, callId: cid, headers };
}

module.exports = { register, authHeader, challenges, status, H };
