// The b2bua integration suites' start-up, once: nats-server, registrar, one
// mediad, the b2bua and wsgw as processes, each answering on the bus, and
// the b2bua having heard the media node's heartbeats (suite.mediaJoined:
// a call placed before gets 503).  Returns the handles the tests use, and
// the helpers they share: registered browsers, a sipp UAC toward the b2bua,
// "nothing left" checks.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { wsClient, waitFor, sc, freePort, ROOT } = require('./harness');
const { register } = require('./digest');
const { DOMAIN } = require('./websip');

// users: each with the password `${user}-secret`; routes: the dial plan's
// text (RTCGATE_ROUTES), none when absent; nonceSecret: null leaves
// RTCGATE_NONCE_SECRET unset; mediaPorts: the file's own range (see
// tests/lib/ports.js); mediaEnv, b2bEnv: added to those services' env (a
// function of the handle for values that need its ports); gwEnv: wsgw's;
// cdrs: collect rtcgate.cdr into h.cdrs.
async function startB2bSuite(suite, {
  users = ['alice'], routes, domain = DOMAIN, nonceSecret = 's', mediaPorts,
  mediaEnv = {}, b2bEnv = {}, gwEnv = {}, cdrs = false,
} = {}) {
  assert.ok(mediaPorts, 'startB2bSuite: mediaPorts');
  const h = { suite, cdrs: [] };
  await suite.startNats();
  h.users = path.join(suite.tmp, 'users.conf');
  fs.writeFileSync(h.users, users.map((u) => `${u} ${u}-secret\n`).join(''));
  Object.assign(suite.env, { RTCGATE_DOMAIN: domain, RTCGATE_USERS: h.users },
    nonceSecret === null ? {} : { RTCGATE_NONCE_SECRET: nonceSecret });
  if (routes !== undefined) {
    h.routes = path.join(suite.tmp, 'routes.conf');
    fs.writeFileSync(h.routes, routes);
  }
  // a port for a SIP peer the tests start later (RTCGATE_SIP_OUTBOUND), and
  // the b2bua's own
  h.sipPort = await freePort();
  const b2bPort = await freePort();
  h.mediaEnv = { RTCGATE_MEDIA_IP: '127.0.0.1', RTCGATE_MEDIA_PORTS: mediaPorts, RTCGATE_MEDIA_WORKERS: '1',
    RTCGATE_MEDIA_HEARTBEAT_MS: '200', ...mediaEnv };
  h.registrar = suite.service('registrar');
  h.media = suite.service('mediad', h.mediaEnv);
  h.b2b = suite.service('b2bua', { RTCGATE_SIP_PORT: String(b2bPort), RTCGATE_SIP_IP: '127.0.0.1',
    ...(h.routes ? { RTCGATE_ROUTES: h.routes } : {}),
    ...(typeof b2bEnv === 'function' ? b2bEnv({ sipPort: h.sipPort, b2bPort }) : b2bEnv) });
  h.b2b.sipPort = b2bPort;
  h.gw = await suite.wsgw(gwEnv);
  await waitFor(() => suite.health('b2bua', h.b2b.id), 5000, 'b2bua');
  await waitFor(() => suite.health('mediad', h.media.id), 5000, 'mediad');
  if (cdrs) {
    const sub = suite.nc.subscribe('rtcgate.cdr');
    (async () => { for await (const m of sub) h.cdrs.push(JSON.parse(sc.decode(m.data))); })();
  }
  await suite.mediaJoined(h.b2b);

  // No call left in the b2bua, no session in mediad.
  h.settled = async ({ calls = 8000, media = 5000 } = {}) => {
    await waitFor(async () => (await suite.health('b2bua', h.b2b.id)).counters.calls_active === 0, calls,
      'no calls left');
    await waitFor(async () => (await suite.health('mediad', h.media.id)).counters.media_sessions === 0, media,
      'no media sessions left');
  };

  // A browser registered as user (on url, with a +sip.instance when given).
  h.registered = async (user, { url = h.gw.url, instance } = {}) => {
    const ws = await wsClient(url);
    const contact = instance
      ? `<sip:${user}@${instance.slice(-8)}.invalid;transport=ws>;+sip.instance="<urn:uuid:${instance}>"` : undefined;
    assert.equal((await register(ws, { user, pass: `${user}-secret`, contact })).status, 200);
    return ws;
  };

  // sipp as a SIP caller of user through the b2bua (scenario: a file of
  // tests/sipp, or an absolute path); args go before the target.
  h.uac = async (user, scenario = 'uac_call.xml', args = []) => suite.spawn('sipp', 'sipp', [
    '-sf', path.resolve(ROOT, 'tests/sipp', scenario), '-s', user, '-i', '127.0.0.1', '-p', String(await freePort()),
    '-m', '1', '-timeout', '20s', '-timeout_error', '-nostdin', '-mp', String(await freePort()), ...args,
    `127.0.0.1:${h.b2b.sipPort}`], {});

  // A new media node with the same settings (after a test killed h.media),
  // once the b2bua has heard it.
  h.restartMedia = async () => {
    const joined = (suite.log(h.b2b).match(/media node \S+ joined/g) || []).length;
    h.media = suite.service('mediad', h.mediaEnv);
    await waitFor(() => suite.health('mediad', h.media.id), 5000, 'mediad');
    await suite.mediaJoined(h.b2b, joined + 1);
    return h.media;
  };
  return h;
}

module.exports = { startB2bSuite };
