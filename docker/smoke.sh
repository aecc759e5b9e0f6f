#!/usr/bin/env bash
# The images and compose.yaml for real; run by `make test`
# (tests/integration/compose.test.js).  Cold, it takes minutes (see the
# timings it prints); its state is kept between runs, so later runs are
# quick.
#
#   docker/smoke.sh          as root; needs docker.io, docker-compose, debootstrap
#
# On a machine without Docker Hub and without systemd: starts its own
# dockerd (no bridge network, no iptables; state in $DOCKER_SMOKE_DIR, kept
# between runs so the second run is quick), makes the base images the
# Dockerfiles name from Debian's archive (debootstrap -> debian:bookworm-slim;
# debian:bookworm is the same plus this host's CA bundle, so npm works behind
# a TLS-inspecting proxy), a stand-in nats:2.9 from Debian's nats-server,
# builds the five images, starts compose.yaml on free ports, waits until
# every container is healthy and /healthz says 200, places a call from
# Chromium to the echo endpoint when Chromium is there, and tears down.
# Prints "SKIP: <reason>" and exits 0 where dockerd cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${DOCKER_SMOKE_DIR:-/var/tmp/rtcgate-docker-smoke}
export DOCKER_HOST=unix://$DIR/docker.sock
PROJECT=rtcgatesmoke
t0=$(date +%s)
lap() { echo "smoke: $1 at $(($(date +%s) - t0)) s"; }
skip() { echo "SKIP: $1"; exit 0; }

for c in dockerd docker docker-compose debootstrap curl; do
	command -v "$c" >/dev/null || skip "no $c (packages docker.io docker-compose debootstrap curl)"
done
[ "$(id -u)" = 0 ] || skip "dockerd needs root"
mkdir -p "$DIR"

started=
if ! docker info >/dev/null 2>&1; then
	dockerd --bridge=none --iptables=false --ip-masq=false \
		--data-root "$DIR/root" --exec-root "$DIR/exec" \
		-H "$DOCKER_HOST" --pidfile "$DIR/docker.pid" \
		>"$DIR/dockerd.log" 2>&1 &
	started=$!
	for _ in $(seq 100); do
		docker info >/dev/null 2>&1 && break
		kill -0 "$started" 2>/dev/null || break
		sleep 0.2
	done
	docker info >/dev/null 2>&1 ||
		skip "dockerd does not start here: $(tail -n 1 "$DIR/dockerd.log")"
fi

env_file=$DIR/smoke.env
cleanup() {
	if [ -f "$env_file" ]; then
		docker-compose -p "$PROJECT" --env-file "$env_file" \
			-f compose.yaml down -v >/dev/null 2>&1 || true
	fi
	if [ -n "$started" ]; then
		kill "$started" 2>/dev/null || true
		wait "$started" 2>/dev/null || true
		umount "$DIR/exec/netns/default" 2>/dev/null || true
	fi
}
trap cleanup EXIT
lap "dockerd up"

# Base images, once.
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
	rm -rf "$DIR/bookworm"
	debootstrap --variant=minbase bookworm "$DIR/bookworm" \
		http://deb.debian.org/debian >"$DIR/debootstrap.log" 2>&1
	rm -f "$DIR"/bookworm/var/cache/apt/archives/*.deb
	tar -C "$DIR/bookworm" -c . | docker import - debian:bookworm-slim >/dev/null
	lap "debian:bookworm-slim imported"
fi
if ! docker image inspect debian:bookworm >/dev/null 2>&1; then
	mkdir -p "$DIR/ca"
	cp /etc/ssl/certs/ca-certificates.crt "$DIR/ca/host-ca.crt"
	printf '%s\n' 'FROM debian:bookworm-slim' \
		'COPY host-ca.crt /etc/ssl/host-ca.crt' \
		'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt' >"$DIR/ca/Dockerfile"
	docker build -t debian:bookworm "$DIR/ca" >"$DIR/build-base.log" 2>&1 ||
		{ cat "$DIR/build-base.log"; echo "smoke: FAIL: debian:bookworm"; exit 1; }
fi
if ! docker image inspect nats:2.9 >/dev/null 2>&1; then
	mkdir -p "$DIR/nats"
	printf '%s\n' 'FROM debian:bookworm-slim' \
		'RUN apt-get update && apt-get install -y --no-install-recommends nats-server && rm -rf /var/lib/apt/lists/*' \
		'ENTRYPOINT ["nats-server"]' >"$DIR/nats/Dockerfile"
	docker build --network host -t nats:2.9 "$DIR/nats" >"$DIR/build-nats.log" 2>&1 ||
		{ cat "$DIR/build-nats.log"; echo "smoke: FAIL: nats:2.9"; exit 1; }
	lap "stand-in nats:2.9 built"
fi

# No bridge network: builds use the host's.
for s in registrar b2bua mediad echo wsgw; do
	docker build --network host -f "docker/$s.Dockerfile" -t "rtcgate/$s" . \
		>"$DIR/build-$s.log" 2>&1 ||
		{ tail -n 30 "$DIR/build-$s.log"; echo "smoke: FAIL: build of $s"; exit 1; }
	lap "rtcgate/$s built ($(docker image inspect -f '{{.Size}}' "rtcgate/$s" | awk '{printf "%d MB", $1/1e6}'))"
done

# Free ports, so that a `make run` on this host does not collide.
free() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wss=$(free); echo_port=$(free)
cat >"$env_file" <<ENV
RTCGATE_NATS_PORT=$(free)
RTCGATE_WSS_ADDR=127.0.0.1
RTCGATE_WSS_PORT=$wss
RTCGATE_SIP_PORT=$(free)
RTCGATE_ECHO_PORT=$echo_port
RTCGATE_SIP_OUTBOUND=sip:127.0.0.1:$echo_port
RTCGATE_MEDIA_IP=127.0.0.1
RTCGATE_MEDIA_PORTS=46000-46999
RTCGATE_ECHO_MEDIA_PORTS=47000-47099
RTCGATE_DOMAIN=rtcgate.test
ENV
docker-compose -p "$PROJECT" --env-file "$env_file" -f compose.yaml \
	up -d --no-build >"$DIR/up.log" 2>&1 ||
	{ cat "$DIR/up.log"; echo "smoke: FAIL: compose up"; exit 1; }
lap "compose up"

dc() { docker-compose -p "$PROJECT" --env-file "$env_file" -f compose.yaml "$@"; }
healthy() {
	for s in wsgw registrar b2bua mediad echo; do
		id=$(dc ps -q "$s")
		[ -n "$id" ] || return 1
		[ "$(docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ] ||
			return 1
	done
}
for _ in $(seq 90); do healthy && break; sleep 1; done
if ! healthy || ! curl -fsk "https://127.0.0.1:$wss/healthz" >/dev/null; then
	dc ps
	dc logs --tail 20
	echo "smoke: FAIL: the suite did not become healthy"
	exit 1
fi
lap "every container healthy, /healthz 200"

if [ -x /usr/bin/chromium ] && [ -d tests/node_modules/playwright-core ]; then
	(cd tests && node - "https://127.0.0.1:$wss" <<'JS'
// alice signs in on the softphone page the wsgw container serves, calls
// "echo" (the echo container) and must hear her 1 kHz microphone back.
const browser = require('./lib/browser');
const INIT = `(() => {
  const e = window.__smoke = { heard: 0 };
  navigator.mediaDevices.getUserMedia = async () => {
    const ac = new AudioContext(); const o = ac.createOscillator(); o.frequency.value = 1000;
    const d = ac.createMediaStreamDestination(); o.connect(d); o.start(); return d.stream; };
  const O = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends O { constructor(...a) { super(...a);
    this.addEventListener('track', (ev) => {
      const s = ev.streams[0] || new MediaStream([ev.track]);
      const el = new Audio(); el.muted = true; el.srcObject = s; el.play().catch(() => {});
      const ac = new AudioContext(); const an = ac.createAnalyser(); an.fftSize = 2048;
      ac.createMediaStreamSource(s).connect(an); const f = new Float32Array(an.frequencyBinCount);
      setInterval(() => { an.getFloatFrequencyData(f); let b = 1;
        for (let i = 1; i < f.length; i++) if (f[i] > f[b]) b = i;
        if (f[b] > -60 && Math.abs(b * ac.sampleRate / an.fftSize - 1000) < 40) e.heard++; }, 20); }); } };
})();`;
(async () => {
  const chrome = await browser.launch({ loopback: true });
  try {
    const ctx = await chrome.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    await page.addInitScript(INIT);
    await page.goto(`${process.argv[2]}/softphone.html`);
    await page.fill('#user', 'alice'); await page.fill('#password', 'alice-secret');
    await page.fill('#domain', 'rtcgate.test'); await page.click('#login-btn');
    await page.waitForSelector('#conn[data-state="registered"]', { timeout: 10000 });
    await page.fill('#target', 'echo'); await page.click('#call-btn');
    await page.waitForSelector('#call[data-state="in-call"]', { timeout: 10000 });
    await page.waitForFunction(() => window.__smoke.heard > 10, null, { timeout: 10000 });
    await page.click('#hangup');
    await page.waitForSelector('#call[data-state="ended"]', { timeout: 10000 });
  } finally { await chrome.close(); }
})().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
JS
	) || { echo "smoke: FAIL: the call through compose"; exit 1; }
	lap "call from Chromium to the echo endpoint: audio came back"
else
	echo "smoke: no Chromium or tests/node_modules: no call placed"
fi
echo "smoke: OK"
