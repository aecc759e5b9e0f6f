#!/usr/bin/env bash
# Build rtcgate-peer into $BUILD/bin/rtcgate-peer (BUILD defaults to
# build/release; SAN=1 builds with ASan+UBSan like `make SAN=1`, and then
# BUILD defaults to build/san).
#
#   tools/webrtc-peer/build.sh            # from anywhere
#   BUILD=build/h-peer tools/webrtc-peer/build.sh
#
# It compiles the peer, the mediad modules it reuses (DTLS, SRTP, SDP,
# G.711, RTP) and the common/ modules it needs (bus, busmsg, log, handoff)
# into $BUILD/tools/webrtc-peer/, never into the Makefile's own object
# directories.  It links no sofia-sip (whose stun_message_length() would
# replace libnice's, see docs/mediad.md) and checks that with readelf.
set -euo pipefail
cd "$(dirname "$0")/../.."
SAN=${SAN:-}
if [ "$SAN" = 1 ]; then
	BUILD=${BUILD:-build/san}
	SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	OPT=-O1
else
	BUILD=${BUILD:-build/release}
	SANFLAGS=
	OPT=-O2
fi
CC=${CC:-cc}
OBJ=$BUILD/tools/webrtc-peer
BIN=$BUILD/bin/rtcgate-peer
PKGS="libnats jansson openssl libsrtp2 opus nice"

# -isystem: warnings inside library headers are not ours to fix.
PKG_CFLAGS=$(pkg-config --cflags $PKGS | sed 's/-I/-isystem /g')
PKG_LIBS=$(pkg-config --libs $PKGS)
BASE="-std=gnu11 $OPT -g -D_GNU_SOURCE $SANFLAGS -Icommon -Iservices/mediad $PKG_CFLAGS"
STRICT="-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wvla"
# The reused modules are built as the Makefile builds them.
REUSED_WARN="$STRICT -Wno-unused-parameter"

PEER_SRC=(tools/webrtc-peer/*.c)
REUSED_SRC=(services/mediad/dtls.c services/mediad/srtpx.c services/mediad/sdp.c
	services/mediad/sdp_write.c services/mediad/g711.c services/mediad/rtp.c
	common/bus.c common/busmsg.c common/log.c common/handoff.c)
# srtpx.c may install an OpenSSL SRTP backend of its own file.
[ -f services/mediad/srtp_ossl.c ] && REUSED_SRC+=(services/mediad/srtp_ossl.c)

mkdir -p "$OBJ" "$(dirname "$BIN")"
headers=(tools/webrtc-peer/*.h services/mediad/*.h common/*.h)
objs=()

# Rebuild an object when its source or any header is newer.
stale() {
	local o=$1 s=$2 h
	[ -f "$o" ] && [ "$o" -nt "$s" ] || return 0
	for h in "${headers[@]}"; do [ "$h" -nt "$o" ] && return 0; done
	return 1
}

compile() {
	local src=$1 warn=$2 o
	o=$OBJ/$(echo "${src%.c}" | tr / _).o
	objs+=("$o")
	if stale "$o" "$src"; then
		echo "cc $src"
		# shellcheck disable=SC2086 # flag lists are meant to split
		$CC $BASE $warn -c "$src" -o "$o"
	fi
}

for s in "${PEER_SRC[@]}"; do compile "$s" "$STRICT"; done
for s in "${REUSED_SRC[@]}"; do compile "$s" "$REUSED_WARN"; done
# shellcheck disable=SC2086
$CC $SANFLAGS -Wl,--as-needed -o "$BIN" "${objs[@]}" $PKG_LIBS -lm -lpthread
if readelf -d "$BIN" | grep -q 'NEEDED.*sofia'; then
	echo "build.sh: $BIN needs libsofia-sip-ua: it must not" >&2
	exit 1
fi
echo "built $BIN"
