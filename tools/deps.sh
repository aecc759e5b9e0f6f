#!/usr/bin/env bash
# Install what rtcgate needs to build, run and test, only what is missing.
# Works as root on a fresh Debian 12 (or through sudo); idempotent and quick
# when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
	build-essential pkg-config git ca-certificates curl iproute2 procps
	openssl libssl-dev libjansson-dev libnats-dev nats-server
	libwebsockets-dev libsofia-sip-ua-dev libsofia-sip-ua-glib-dev
	libglib2.0-dev libcmocka-dev libnice-dev libsrtp2-dev libopus-dev
	sip-tester chromium firefox-esr pulseaudio docker-compose docker.io
	debootstrap
)

missing=()
for p in "${DEBS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
# Node: any node >= 18 will do (Debian 12's is 18); install Debian's only
# when there is none, so a newer one already on the machine is kept.
if ! command -v node >/dev/null 2>&1; then
	missing+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=sudo
		else
			echo "deps: missing packages and not root: apt-get install ${missing[*]}" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
		$SUDO apt-get update
		$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
	fi
fi

# npm packages for the tests (and, later, the web app): from the lock file,
# re-installed only when the lock file changed.
for dir in tests web; do
	[ -f "$dir/package-lock.json" ] || continue
	stamp="$dir/node_modules/.rtcgate-lock"
	if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
		echo "deps: npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$stamp"
	fi
done
