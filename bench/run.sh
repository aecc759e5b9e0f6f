#!/usr/bin/env bash
# Run every benchmark under bench/: the C micro-benchmarks (bench_*.c,
# built here with what each one links against) and the registrar
# and b2bua benchmarks (registrar.js, b2bua.js: real nats-server and
# services as processes).
#
#   bench/run.sh              all of them
#   bench/run.sh packet registrar    only these (names without bench_/.c/.js)
#
# BUILD selects the service binaries and where the C benchmarks are built
# ($BUILD/bench/), build/release by default; `make bench` sets it.
# REG_BENCH_ARGS adds options to registrar.js (e.g. "--runs 3 --conns 100").
# B2B_BENCH_ARGS replaces b2bua.js's options (default --quick; "" for the
# full five steps both ways).  MEDIAD_BENCH_ARGS likewise for
# mediad_load.js (default --quick: 100 relayed and 50 transcoded calls,
# 5 s windows, two peer processes).
# A bench_*.c this script does not know is skipped with a note: add its
# sources and libraries to c_bench_recipe below.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build/release}
export BUILD
CC=${CC:-cc}
CFLAGS_BENCH=${CFLAGS_BENCH:--O2}
failed=()
want=("$@")

wanted() {
	[ ${#want[@]} -eq 0 ] && return 0
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

machine() {
	echo "machine: $(nproc) CPUs,$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1 | sed 's/^/ /')"
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Sources (besides the benchmark) and pkg-config packages / extra libraries
# of each C benchmark, as "sources|packages|libs"; empty when unknown.
c_bench_recipe() {
	case "$1" in
	packet)	echo "services/mediad/g711.c services/mediad/rtp.c||" ;;
	icelite) echo "services/mediad/icelite.c|nice|-lcrypto" ;;
	icefull) echo "|nice|" ;;
	xcode)	echo "services/mediad/xcode.c services/mediad/g711.c|opus|-lm" ;;
	opuscfg) echo "services/mediad/g711.c|opus|-lm" ;;
	srtp)	echo "services/mediad/srtpx.c services/mediad/srtp_ossl.c|libsrtp2 openssl|-lpthread" ;;
	sdp)	echo "services/mediad/sdp.c||-lpthread" ;;
	*)	echo "" ;;
	esac
}

run_c_bench() {
	local src=$1 name recipe srcs pkgs libs bin
	name=$(basename "$src" .c)
	name=${name#bench_}
	wanted "$name" || return 0
	recipe=$(c_bench_recipe "$name")
	if [ -z "$recipe" ]; then
		echo "== $src: skipped (run.sh does not know what it links against;" \
		     "add it to c_bench_recipe)"
		return 0
	fi
	IFS='|' read -r srcs pkgs libs <<<"$recipe"
	for s in $srcs; do
		if [ ! -f "$s" ]; then
			echo "== $src: skipped ($s is missing)"
			return 0
		fi
	done
	bin=$BUILD/bench/bench_$name
	mkdir -p "$BUILD/bench"
	echo "== $src"
	# shellcheck disable=SC2086 # word splitting of the lists is wanted
	if ! $CC $CFLAGS_BENCH -Icommon -Iservices/mediad \
		${pkgs:+$(pkg-config --cflags $pkgs)} "$src" $srcs -o "$bin" \
		${pkgs:+$(pkg-config --libs $pkgs)} $libs; then
		echo "-- $name: build FAILED"
		failed+=("$name (build)")
		return 0
	fi
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	if ! "$bin"; then
		echo "-- $name: FAILED"
		failed+=("$name")
	fi
}

run_registrar_bench() {
	wanted registrar || return 0
	echo "== bench/registrar.js (BUILD=$BUILD)"
	if ! command -v node >/dev/null || [ ! -d tests/node_modules/ws ]; then
		echo "-- registrar: skipped (needs node and tests/node_modules: make deps)"
		return 0
	fi
	# shellcheck disable=SC2086 # REG_BENCH_ARGS is a list of options
	if ! node bench/registrar.js ${REG_BENCH_ARGS:-}; then
		echo "-- registrar: FAILED"
		failed+=(registrar)
	fi
}

# bench/b2bua.js: call set-up through the whole suite (sipp as the SIP
# peer); --quick (two short steps) unless B2B_BENCH_ARGS says otherwise.
run_b2bua_bench() {
	wanted b2bua || return 0
	echo "== bench/b2bua.js (BUILD=$BUILD)"
	if ! command -v node >/dev/null || ! command -v sipp >/dev/null || [ ! -d tests/node_modules/ws ]; then
		echo "-- b2bua: skipped (needs node, sipp and tests/node_modules: make deps)"
		return 0
	fi
	# shellcheck disable=SC2086 # B2B_BENCH_ARGS is a list of options
	if ! node bench/b2bua.js ${B2B_BENCH_ARGS---quick}; then
		echo "-- b2bua: FAILED"
		failed+=(b2bua)
	fi
}

# bench/mediad_load.js: relayed and transcoded calls through one mediad.
run_mediad_load_bench() {
	wanted mediad_load || return 0
	echo "== bench/mediad_load.js (BUILD=$BUILD)"
	if ! command -v node >/dev/null || [ ! -d tests/node_modules/nats ]; then
		echo "-- mediad_load: skipped (needs node and tests/node_modules: make deps)"
		return 0
	fi
	# shellcheck disable=SC2086 # MEDIAD_BENCH_ARGS is a list of options
	if ! node bench/mediad_load.js ${MEDIAD_BENCH_ARGS---quick --peer-procs 2}; then
		echo "-- mediad_load: FAILED"
		failed+=(mediad_load)
	fi
}

# bench/mediad_idle.js: mediad's CPU for idle sessions (its timers).
run_mediad_idle_bench() {
	wanted mediad_idle || return 0
	echo "== bench/mediad_idle.js (BUILD=$BUILD)"
	if ! command -v node >/dev/null || [ ! -d tests/node_modules/nats ]; then
		echo "-- mediad_idle: skipped (needs node and tests/node_modules: make deps)"
		return 0
	fi
	if ! node bench/mediad_idle.js --sessions 0,2000 --window 5; then
		echo "-- mediad_idle: FAILED"
		failed+=(mediad_idle)
	fi
}

# bench/b2bua_tls.js: the b2bua's TLS front end, CPU per TLS set-up and per
# relayed message.
run_b2bua_tls_bench() {
	wanted b2bua_tls || return 0
	echo "== bench/b2bua_tls.js (BUILD=$BUILD)"
	if ! command -v node >/dev/null || [ ! -d tests/node_modules/nats ]; then
		echo "-- b2bua_tls: skipped (needs node and tests/node_modules: make deps)"
		return 0
	fi
	# shellcheck disable=SC2086 # B2B_TLS_BENCH_ARGS is a list of options
	if ! node bench/b2bua_tls.js ${B2B_TLS_BENCH_ARGS:-}; then
		echo "-- b2bua_tls: FAILED"
		failed+=(b2bua_tls)
	fi
}

machine
for src in bench/bench_*.c; do
	[ -e "$src" ] || continue
	run_c_bench "$src"
done
run_registrar_bench
run_b2bua_bench
run_mediad_load_bench
run_mediad_idle_bench
run_b2bua_tls_bench
for js in bench/*.js; do
	[ -e "$js" ] || continue
	[ "$js" = bench/registrar.js ] && continue
	[ "$js" = bench/b2bua.js ] && continue
	[ "$js" = bench/mediad_load.js ] && continue
	[ "$js" = bench/mediad_idle.js ] && continue
	[ "$js" = bench/b2bua_tls.js ] && continue
	echo "== $js: skipped (run.sh does not know how to run it)"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ${#failed[@]} -gt 0 ]; then
	echo "benchmarks failed: ${failed[*]}"
	exit 1
fi
