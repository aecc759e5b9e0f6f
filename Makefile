# rtcgate: one Makefile drives everything.
#   make deps      install missing Debian and npm packages (idempotent)
#   make           build all services
#   make test      deps, build, every test; last line "N passed, N failed"
#   make run       deps, build, start the whole suite in the foreground
#   make SAN=1 ... the same with AddressSanitizer + UBSan
#   make clean

SAN ?=
CC ?= cc
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
OPT := -O1
else
BUILD := build/release
SANFLAGS :=
OPT := -O2
endif

PKGS := jansson libnats glib-2.0 sofia-sip-ua openssl
WSGW_PKGS := libwebsockets
MEDIAD_PKGS := nice libsrtp2 opus
# -isystem: warnings in library headers are not ours to fix
pkg_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null | sed 's/-I/-isystem /g')
pkg_libs = $(shell pkg-config --libs $(1) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wno-unused-parameter
CFLAGS_ALL = -std=gnu11 $(OPT) -g $(WARN) $(SANFLAGS) -MMD -MP \
	-D_GNU_SOURCE -Icommon -I$(BUILD)/gen \
	$(call pkg_cflags,$(PKGS) $(WSGW_PKGS) $(MEDIAD_PKGS)) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
LIBS_COMMON = $(call pkg_libs,$(PKGS)) -lpthread

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SERVICES := wsgw registrar b2bua mediad
BINS := $(SERVICES:%=$(BUILD)/bin/rtcgate-%)
# The demo echo endpoint for `make run` (tools/echo), when it exists.
ECHO_SRC := $(wildcard tools/echo/*.c)
ifneq ($(ECHO_SRC),)
BINS += $(BUILD)/bin/rtcgate-echo
endif
# The WebRTC test peer and mediad load generator (tools/webrtc-peer).
PEER_SRC := $(wildcard tools/webrtc-peer/*.c)
ifneq ($(PEER_SRC),)
BINS += $(BUILD)/bin/rtcgate-peer
endif

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test run clean unit bench
all: $(BINS) $(UNIT_BINS)

# The version header is rewritten only when the version changes (see
# common/version.h); every object waits for it to exist, and the .d files
# rebuild the few that include it.
VERSION_H := $(BUILD)/gen/rtcgate_version.h
.PHONY: FORCE
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@echo '#define RTCGATE_VERSION "$(VERSION)"' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# common/ is an archive so that a service links only the modules it uses,
# and --as-needed drops libraries it does not call: mediad must not load
# sofia-sip, whose exported stun_message_length() would take the place of
# libnice's own inside libnice (ELF interposition) and break ICE.
COMMON_LIB := $(BUILD)/libcommon.a
$(COMMON_LIB): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

define service_rule
$(1)_OBJ := $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard services/$(1)/*.c))
$(BUILD)/bin/rtcgate-$(1): $$($(1)_OBJ) $(COMMON_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $(LDFLAGS_ALL) -Wl,--as-needed -o $$@ $$(filter %.o %.a,$$^) \
		$$($(1)_LIBS) $(LIBS_COMMON)
endef
wsgw_LIBS = $(call pkg_libs,$(WSGW_PKGS))
b2bua_LIBS = $(call pkg_libs,sofia-sip-ua-glib)
mediad_LIBS = $(call pkg_libs,$(MEDIAD_PKGS)) -lm
$(foreach s,$(SERVICES),$(eval $(call service_rule,$(s))))

ECHO_OBJ := $(ECHO_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/bin/rtcgate-echo: $(ECHO_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed -o $@ $(filter %.o %.a,$^) \
		$(call pkg_libs,sofia-sip-ua-glib opus) -lm $(LIBS_COMMON)

# rtcgate-peer links the objects it needs, not libcommon.a, and no
# sofia-sip: with libnice in the same process, sofia's
# stun_message_length() would replace libnice's (see above).
PEER_OBJ := $(PEER_SRC:%.c=$(BUILD)/%.o) \
	$(patsubst %,$(BUILD)/services/mediad/%.o,dtls srtpx srtp_ossl sdp sdp_write g711 rtp) \
	$(patsubst %,$(BUILD)/common/%.o,bus busmsg log handoff)
$(BUILD)/tools/webrtc-peer/%.o: CFLAGS += -Iservices/mediad
$(BUILD)/bin/rtcgate-peer: $(PEER_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -Wl,--as-needed -o $@ $(filter %.o,$^) \
		$(call pkg_libs,libnats jansson openssl libsrtp2 opus nice) -lm -lpthread

# The web app (web/): built with npm when it has a package.json.
.PHONY: web
web:
	@if [ -f web/package.json ]; then npm --prefix web run --silent build; fi

# Unit tests link the module under test from common/ or a service
# (services' main.o excluded).  libnice comes before sofia-sip: the first
# library loaded wins a symbol both export (see above).
SVC_MODULE_OBJ = $(filter-out %/main.o,$(foreach s,$(SERVICES),$($(s)_OBJ)))
$(BUILD)/tests/%: tests/unit/%.c $(COMMON_OBJ) $(SVC_MODULE_OBJ) | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Iservices -o $@ $< $(filter %.o,$^) $(LDFLAGS_ALL) \
		$(mediad_LIBS) $(wsgw_LIBS) $(b2bua_LIBS) $(LIBS_COMMON) \
		$(call pkg_libs,cmocka)

deps:
	@tools/deps.sh

test: deps
	@$(MAKE) --no-print-directory all web
	@BUILD=$(BUILD) SAN=$(SAN) tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all web
	@BUILD=$(BUILD) tools/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bench/run.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
