// Network hosts for the cluster test: one network namespace per host, each
// with an eth0 (a veth) plugged into one bridge that lives in a namespace
// of its own, addresses 10.77.0.x/24.  The test's own process joins the
// bridge as 10.77.0.1 (through a veth in its namespace) to reach NATS.
// Everything is named with the rtcgc- prefix, so a crashed run's leftovers
// are found and removed by the next run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PREFIX = 'rtcgc-';
const BRIDGE_NS = `${PREFIX}br`;
const SUBNET = '10.77.0';
const ROOT_IF = 'rtcgc0';	// the test's own end, in its namespace

// ip <args>, in namespace ns when given; throws with ip's message.
function ip(args, { ns } = {}) {
  const argv = ns ? ['netns', 'exec', ns, 'ip', ...args] : args;
  const r = spawnSync('ip', argv, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`ip ${argv.join(' ')}: ${r.error ? r.error.message : r.stderr.trim()}`);
  }
  return r;
}

// Why the test cannot run here, or null.
function unavailable() {
  if (process.getuid && process.getuid() !== 0) return 'not root: network namespaces need root';
  const probe = `${PREFIX}probe`;
  spawnSync('ip', ['netns', 'del', probe]);
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `no ip command (package iproute2): ${r.error.message}`;
  if (r.status !== 0) return `ip netns add refused: ${r.stderr.trim()}`;
  // A namespace can be made but not entered where / cannot be remounted
  // (a chroot): ip netns exec fails there, and so would every host.
  const x = spawnSync('ip', ['netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe]);
  if (x.status !== 0) return `ip netns exec refused: ${(x.stderr || '').trim()}`;
  return null;
}

// Removes every rtcgc- namespace, its /etc/netns folder, and our veth.
function cleanup() {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout || '';
  for (const line of list.split('\n')) {
    const name = line.split(/\s+/)[0];
    if (name && name.startsWith(PREFIX)) spawnSync('ip', ['netns', 'del', name]);
  }
  spawnSync('ip', ['link', 'del', ROOT_IF]);	// gone with its peer's namespace, normally
  try {
    for (const d of fs.readdirSync('/etc/netns')) {
      if (d.startsWith(PREFIX)) fs.rmSync(path.join('/etc/netns', d), { recursive: true, force: true });
    }
  } catch (e) { /* no /etc/netns */ }
}

class Net {
  constructor() { this.hosts = new Map(); this.n = 0; }

  // The bridge, and the test's own port on it (10.77.0.1).
  up() {
    cleanup();
    ip(['netns', 'add', BRIDGE_NS]);
    ip(['link', 'add', 'br0', 'type', 'bridge'], { ns: BRIDGE_NS });
    ip(['link', 'set', 'br0', 'up'], { ns: BRIDGE_NS });
    ip(['link', 'set', 'lo', 'up'], { ns: BRIDGE_NS });
    ip(['link', 'add', ROOT_IF, 'type', 'veth', 'peer', 'name', 'vroot', 'netns', BRIDGE_NS]);
    ip(['link', 'set', 'vroot', 'master', 'br0', 'up'], { ns: BRIDGE_NS });
    ip(['addr', 'add', `${SUBNET}.1/24`, 'dev', ROOT_IF]);
    ip(['link', 'set', ROOT_IF, 'up']);
  }

  // A host: namespace rtcgc-<name> with eth0 at 10.77.0.<octet>; extra
  // /etc/hosts lines go to /etc/netns/<ns>/hosts (ip netns exec mounts it).
  host(name, octet, { hosts } = {}) {
    const ns = `${PREFIX}${name}`;
    const peer = `vb${++this.n}`;
    ip(['netns', 'add', ns]);
    ip(['link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns], { ns: BRIDGE_NS });
    ip(['link', 'set', peer, 'master', 'br0', 'up'], { ns: BRIDGE_NS });
    ip(['addr', 'add', `${SUBNET}.${octet}/24`, 'dev', 'eth0'], { ns });
    ip(['link', 'set', 'eth0', 'up'], { ns });
    ip(['link', 'set', 'lo', 'up'], { ns });
    if (hosts) {
      fs.mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      fs.writeFileSync(`/etc/netns/${ns}/hosts`, `127.0.0.1 localhost\n${hosts}`);
    }
    const h = { name, ns, ip: `${SUBNET}.${octet}` };
    this.hosts.set(name, h);
    return h;
  }

  down() { cleanup(); }
}

module.exports = { Net, unavailable, cleanup, SUBNET };
