// The port table of the test files (tests/lib/ports.js): no two ranges
// overlap, and no test file writes a media port range that the table does
// not give it (a file that writes its own must be listed, as reserved).
// Reads files only: no process is started.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { allRanges, portRange, portBounds, keyOf } = require('../lib/ports');

const TESTS = path.join(__dirname, '..');

test('every range is sane and no two overlap', () => {
  const all = allRanges().sort((a, b) => a.lo - b.lo);
  assert.ok(all.length > 20, `${all.length} ranges`);
  for (const r of all) {
    assert.ok(Number.isInteger(r.lo) && Number.isInteger(r.hi) && r.lo >= 1024 && r.hi <= 65535 && r.lo <= r.hi,
      `${r.key} ${r.part}: ${r.lo}-${r.hi}`);
  }
  for (let i = 1; i < all.length; i++) {
    const [a, b] = [all[i - 1], all[i]];
    assert.ok(a.hi < b.lo, `${a.key} "${a.part}" ${a.lo}-${a.hi} overlaps ${b.key} "${b.part}" ${b.lo}-${b.hi}`);
  }
});

test('lookups: by __filename or key, an unknown part throws', () => {
  assert.equal(portRange(path.join(TESTS, 'integration/b2bua_fail.test.js')), portRange('integration/b2bua_fail'));
  assert.deepEqual(portBounds('integration/b2bua_tls'), [26200, 26399]);
  assert.equal(keyOf(__filename), 'integration/ports');
  assert.throws(() => portRange(__filename), /no range "" for integration\/ports/);
  assert.throws(() => portRange('integration/mediad', 'nosuch'), /no range "nosuch"/);
});

// Every "...PORTS: 'lo-hi'" written in a test file lies in a range the table
// gives that file, and only reserved files write any.
test('no test file writes a range of its own outside the table', () => {
  const files = ['integration', 'e2e', 'cluster', 'lib'].flatMap((d) => {
    const dir = path.join(TESTS, d);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f)) : [];
  });
  const ranges = allRanges();
  let seen = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/PORTS: ['`](\d+)-(\d+)['`]/g)) {
      seen++;
      const [lo, hi] = [Number(m[1]), Number(m[2])];
      const key = keyOf(f);
      const own = ranges.filter((r) => r.key === key);
      assert.ok(own.length && own.every((r) => r.reserved), `${key} writes ${lo}-${hi}: use portRange(__filename)`);
      assert.ok(own.some((r) => lo >= r.lo && hi <= r.hi), `${key} writes ${lo}-${hi}, outside its reserved ranges`);
    }
  }
  assert.ok(seen >= 3, `only ${seen} literal ranges found: the pattern no longer matches`);
});
