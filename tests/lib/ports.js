// The fixed UDP port ranges of the test files (mediad's RTCGATE_MEDIA_PORTS,
// the echo tool's RTCGATE_ECHO_MEDIA_PORTS), in one table so that no two
// overlap: `make test` runs the files one at a time, but a developer who
// runs two at once must not have two media nodes hand out the same port.
// tests/integration/ports.test.js checks the table, and that no test file
// writes a range of its own outside it.
//
// Keys are a test file's path below tests/ without ".test.js" (what
// portRange(__filename) finds); each has named parts, '' when the file has
// one range.  Reserved entries are ranges their files still write
// themselves (files other people own, or not started through here): they
// are listed so that nothing else lands on them.  Ranges sit below the
// kernel's ephemeral ports (32768 and up) where they can; the older ones
// above are kept where they were.
'use strict';
const path = require('node:path');

const RANGES = {
  // reserved: their files write these ranges
  'integration/b2bua_tls': { echo: [26000, 26099], '': [26200, 26399], reserved: true },
  'integration/b2bua_tls_hostile': { '': [26400, 26499], reserved: true },
  'integration/mediad_ptime': { '': [39000, 39199], reserved: true },
  'cluster/cluster': { '': [20000, 20999], reserved: true },	// in network namespaces
  e2e: { '': [30000, 30999], reserved: true },	// tests/lib/webapp.js: media, sipp, b2bua

  'integration/b2bua_rfc4475': { '': [26600, 26699] },
  'integration/b2bua_xfer': { '': [26700, 26899] },
  'integration/b2bua_fail': { '': [27000, 27199] },
  'integration/b2bua_hostile': { '': [27200, 27299] },
  'integration/b2bua_sdes': { '': [27300, 27399] },
  'integration/b2bua_ice_failed': { '': [27400, 27449] },
  'integration/mediad': { relay: [31000, 31099], xcode: [31100, 31199] },
  'integration/srtp_backend': { openssl: [31400, 31449], libsrtp: [31450, 31499], bad: [31500, 31509] },
  'integration/mediad_video': { '': [31600, 31649] },
  'integration/mediad_vsdes': { '': [31650, 31699] },
  'integration/b2bua': { '': [32000, 32199] },
  'integration/b2bua_video': { '': [32300, 32399] },
  'integration/admin': { '': [32400, 32499] },
  'integration/peer': { '': [33000, 33299], lossy: [33300, 33349] },
  'integration/mediad_rtcp': { '': [33400, 33499] },
  'integration/smoke': { '': [33500, 33599] },
  'integration/mediad_sdes': { '': [33800, 33899], strict: [33900, 33949] },
  'integration/mediad_update': { '': [34000, 34199], xcode: [34200, 34299], drain: [34300, 34999] },
  'integration/b2bua_multi': { a: [35000, 35099], b: [35100, 35199], stall: [35200, 35299] },
  'integration/mediad_codec': { full: [36000, 36049], room: [36050, 36099] },
  'integration/mediad_timers': { '': [37000, 37799] },
  'integration/mediad_ice_full': { full: [38000, 38099], lite: [38100, 38149], stunned: [38150, 38199],
    bad: [38200, 38209] },
  'integration/mediad_hostile': { lite: [38300, 38339], full: [38340, 38379] },
  'integration/echo': { '': [43000, 43099] },
};

// A file's key: "integration/b2bua_fail" for .../tests/integration/b2bua_fail.test.js.
function keyOf(file) {
  return path.relative(path.join(__dirname, '..'), file).replace(/\.test\.js$/, '');
}

// [lo, hi] of a file's part (file: its __filename, or a key).
function portBounds(file, part = '') {
  const key = RANGES[file] ? file : keyOf(file);
  const r = RANGES[key] && RANGES[key][part];
  if (!Array.isArray(r)) throw new Error(`tests/lib/ports.js has no range "${part}" for ${key}`);
  return r;
}

// The same as RTCGATE_MEDIA_PORTS wants it: "lo-hi".
function portRange(file, part = '') {
  return portBounds(file, part).join('-');
}

// Every range: { key, part, lo, hi, reserved }.
function allRanges() {
  return Object.entries(RANGES).flatMap(([key, parts]) => Object.entries(parts)
    .filter(([, r]) => Array.isArray(r))
    .map(([part, [lo, hi]]) => ({ key, part, lo, hi, reserved: !!parts.reserved })));
}

module.exports = { portRange, portBounds, allRanges, keyOf };
