#!/usr/bin/env bash
# Run every test: the cmocka unit tests, then the integration tests (real
# nats-server and services, node clients).  Prints per-suite results and,
# last, one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
export BUILD
passed=0
failed=0
failed_names=()
log_dir=$(mktemp -d /tmp/rtcgate-tests.XXXXXX)

# ASan/UBSan builds: leaks and errors fail the test that hit them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

echo "== unit tests ($BUILD)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out="$log_dir/$name.log"
	"$t" >"$out" 2>&1
	rc=$?
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$out" | awk '{s+=$4} END {print s+0}')
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$out" | awk '{s+=$4} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, or a sanitizer report after the tests
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name")
		echo "-- $name: FAILED (rc=$rc)"; tail -n 40 "$out"
	else
		echo "-- $name: $p passed"
	fi
done

echo "== integration and end-to-end tests"
out="$log_dir/integration.tap"
# A hung test must not hang CI: the whole run gets 20 minutes.
dirs=(tests/integration/)
[ -d tests/e2e ] && dirs+=(tests/e2e/)
# tests/cluster: the deployment topology in network namespaces (root only;
# it prints why it skips otherwise)
[ -d tests/cluster ] && dirs+=(tests/cluster/)
timeout -k 10 1200 node --test --test-reporter=tap "${dirs[@]}" >"$out" 2>&1
rc=$?
p=$(grep -E '^# pass [0-9]+' "$out" | tail -n1 | awk '{print $3}')
f=$(grep -E '^# fail [0-9]+' "$out" | tail -n1 | awk '{print $3}')
p=${p:-0}
f=${f:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
grep -E '^# (Subtest|tests|pass|fail)|^not ok' "$out" | sed 's/^/   /'
if [ "$f" -ne 0 ]; then
	failed_names+=("integration")
	echo "-- integration failures:"
	grep -B2 -A40 '^not ok\|^    not ok' "$out" | head -n 200
fi
passed=$((passed + p))
failed=$((failed + f))

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in $log_dir)"
else
	rm -rf "$log_dir"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
