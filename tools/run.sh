#!/usr/bin/env bash
# make run: start the whole suite in the foreground.
#
# Every setting comes from the environment (README, "Configuration"), so two
# suites run side by side with different ports and state folders:
#   RTCGATE_WSS_PORT=9443 RTCGATE_NATS_PORT=5222 RTCGATE_STATE_DIR=/tmp/b make run
# When NATS_URL is unset a local nats-server with JetStream is started, its
# data under $RTCGATE_STATE_DIR.  Ctrl-C or SIGTERM stops everything started.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
STATE=${RTCGATE_STATE_DIR:-$PWD/.run}
mkdir -p "$STATE/logs"
STATE=$(cd "$STATE" && pwd)

export RTCGATE_WSS_ADDR=${RTCGATE_WSS_ADDR:-127.0.0.1}
export RTCGATE_WSS_PORT=${RTCGATE_WSS_PORT:-8443}
export RTCGATE_WEB_ROOT=${RTCGATE_WEB_ROOT:-$PWD/web/public}
# The demo: browser calls go to the echo endpoint unless routed elsewhere,
# and "echo" may be called without an account (click-to-call).
export RTCGATE_ECHO_PORT=${RTCGATE_ECHO_PORT:-5070}
echo_uri='sip:${user}@127.0.0.1:'"$RTCGATE_ECHO_PORT"
export RTCGATE_SIP_OUTBOUND=${RTCGATE_SIP_OUTBOUND:-$echo_uri}
export RTCGATE_CLICK2CALL=${RTCGATE_CLICK2CALL:-echo}
export RTCGATE_MEDIA_IP=${RTCGATE_MEDIA_IP:-127.0.0.1}
# The pages register in the domain of the host they were loaded from:
# for https://127.0.0.1:8443/ that is 127.0.0.1.
case $RTCGATE_WSS_ADDR in
0.0.0.0 | ::) page_host=$(hostname) ;;
*) page_host=$RTCGATE_WSS_ADDR ;;
esac
export RTCGATE_DOMAIN=${RTCGATE_DOMAIN:-$page_host}

pids=()
names=()
stopping=0

stop_all() {
	stopping=1
	trap - INT TERM
	echo "run: stopping"
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for _ in $(seq 50); do
		alive=0
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "run: stopped"
}
trap 'stop_all; exit 0' INT TERM

start() {	# name, command...
	local name=$1; shift
	"$@" >"$STATE/logs/$name.log" 2>&1 &
	pids+=($!)
	names+=("$name")
}

if [ -z "${NATS_URL:-}" ]; then
	port=${RTCGATE_NATS_PORT:-4222}
	cat >"$STATE/nats.conf" <<CONF
jetstream { store_dir: "$STATE/jetstream", max_memory_store: 256MB, max_file_store: 1GB }
CONF
	start nats nats-server -a 127.0.0.1 -p "$port" -js -c "$STATE/nats.conf"
	export NATS_URL="nats://127.0.0.1:$port"
fi

for s in registrar b2bua mediad wsgw echo; do
	start "$s" "$BUILD/bin/rtcgate-$s"
done

url="https://$RTCGATE_WSS_ADDR:$RTCGATE_WSS_PORT/"
for _ in $(seq 100); do
	if curl -skf "${url}healthz" >/dev/null 2>&1; then break; fi
	sleep 0.2
done
if curl -skf "${url}healthz" >/dev/null 2>&1; then
	echo "run: rtcgate is up: open $url (self-signed certificate unless RTCGATE_TLS_CERT is set)"
	echo "run: SIP domain $RTCGATE_DOMAIN; users from ${RTCGATE_USERS:-config/users.conf} (demo: alice/alice-secret)"
	echo "run: call \"echo\" (no account needed) to hear a tone and then yourself"
else
	echo "run: the suite did not become healthy; see $STATE/logs/ and ${url}healthz" >&2
fi
echo "run: logs in $STATE/logs/, Ctrl-C stops everything"

# Stay in the foreground; if any process dies, say which and stop the rest.
# make does not pass SIGTERM on to us: when make goes, we go.
parent=$PPID
while [ "$stopping" = 0 ]; do
	if ! kill -0 "$parent" 2>/dev/null; then
		stop_all
		exit 0
	fi
	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "run: ${names[$i]} exited; last lines of its log:" >&2
			tail -n 20 "$STATE/logs/${names[$i]}.log" >&2 || true
			stop_all
			exit 1
		fi
	done
	sleep 1 &
	wait $! || true
done
