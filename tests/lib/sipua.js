// Real JavaScript SIP stacks (JsSIP, SIP.js) driven from node against
// rtcgate's WSS edge.  The certificate is self-signed in tests.
'use strict';
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const WebSocket = require('ws');

global.WebSocket = WebSocket;

// Register with JsSIP; resolves {status, contacts} or {failed: cause, status}.
function jssipRegister({ url, user, pass, domain, expires = 120 }) {
  const JsSIP = require('jssip');
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(url)], uri: `sip:${user}@${domain}`,
    password: pass, register: true, register_expires: expires,
    connection_recovery_min_interval: 60, connection_recovery_max_interval: 60,
  });
  const result = new Promise((resolve) => {
    ua.on('registered', (e) => resolve({ status: e.response.status_code, contacts: e.response.getHeaders('contact') }));
    ua.on('registrationFailed', (e) => resolve({ failed: e.cause, status: e.response && e.response.status_code }));
  });
  ua.start();
  return {
    ua,
    result,
    unregister: () => new Promise((resolve) => {
      ua.once('unregistered', (e) => resolve(e.response ? e.response.status_code : 0));
      ua.unregister();
    }),
    stop: () => new Promise((resolve) => { ua.once('disconnected', () => resolve()); ua.stop(); setTimeout(resolve, 1000); }),
  };
}

// Register with SIP.js; same shape as jssipRegister.
async function sipjsRegister({ url, user, pass, domain, expires = 120 }) {
  const { UserAgent, Registerer, RegistererState } = await import('sip.js');
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${domain}`),
    transportOptions: { server: url },
    authorizationUsername: user, authorizationPassword: pass,
    logLevel: 'error',
  });
  const reg = new Registerer(ua, { expires });
  await ua.start();
  const result = new Promise((resolve) => {
    reg.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) resolve({ status: 200 });
    });
  });
  const failed = new Promise((resolve) => {
    reg.register({ requestDelegate: { onReject: (r) => resolve({ failed: 'rejected', status: r.message.statusCode }) } });
  });
  return {
    ua,
    result: Promise.race([result, failed]),
    unregister: () => new Promise((resolve) => {
      reg.unregister({ requestDelegate: { onAccept: (r) => resolve(r.message.statusCode),
        onReject: (r) => resolve(r.message.statusCode) } });
    }),
    stop: () => ua.stop(),
  };
}

module.exports = { jssipRegister, sipjsRegister };
