# kxboot — top-level build. Plain GNU make; dependencies through pkg-config.
#   make            build build/kxboot and build/kxboot-xen (the dom0 tool, src/xen_tool/)
#   make check      install missing Debian packages (as root), build, run every test
#                   normally and under ASan+UBSan, print "N passed, N failed" last
#   make image      build/kxboot.vmlinuz + build/kxboot.initrd (see initrd/README.md)
#   make demo       boot a demo guest in QEMU through kxboot
#   make fuzz       run every libFuzzer harness for FUZZ_SECONDS each
#   make install    DESTDIR= PREFIX=

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libcurl libcrypto blkid libkmod jansson xenstore

# Extra flags for a variant build (the sanitizer build sets these).
VARIANT_CFLAGS ?=
VARIANT_LDFLAGS ?=

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -fno-strict-aliasing \
	-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -iquote src -iquote . $(PKG_CFLAGS) $(VARIANT_CFLAGS) -MMD -MP
override LDFLAGS += $(VARIANT_LDFLAGS)
LDLIBS += $(PKG_LIBS)

LIB_SRCS := $(sort $(wildcard src/*.c src/*/*.c fs/*.c net/*.c))
LIB_SRCS := $(filter-out src/main.c src/xen_tool/%,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
SUPPORT_SRCS := $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
# kxboot-xen runs in dom0 and links libxl as well (Debian: libxen-dev).
XEN_TOOL_PKGS := xenlight xenstore xentoollog
XEN_TOOL_SRCS := $(sort $(wildcard src/xen_tool/*.c))
XEN_TOOL_OBJS := $(XEN_TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
XEN_TOOL_LIBS := $(shell $(PKG_CONFIG) --libs $(XEN_TOOL_PKGS) 2>/dev/null)
$(XEN_TOOL_OBJS): override CFLAGS += $(shell $(PKG_CONFIG) --cflags $(XEN_TOOL_PKGS) 2>/dev/null)

all: $(BUILD)/kxboot $(BUILD)/kxboot-xen

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libkxboot.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kxboot: $(BUILD)/obj/src/main.o $(BUILD)/libkxboot.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/kxboot-xen: $(XEN_TOOL_OBJS) $(BUILD)/libkxboot.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XEN_TOOL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(SUPPORT_OBJS) $(BUILD)/libkxboot.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -iquote tests/unit -iquote tests/support $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) \
		$(BUILD)/libkxboot.a $(LDLIBS)

tests: $(BUILD)/kxboot $(BUILD)/kxboot-xen $(UNIT_BINS)

# ---- fuzzing (clang's libFuzzer) -------------------------------------------------------
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzzers:
	$(MAKE) BUILD=$(FUZZ_BUILD)/lib CC=clang VARIANT_CFLAGS="$(FUZZ_CFLAGS)" \
		VARIANT_LDFLAGS="-fsanitize=address,undefined" $(FUZZ_BUILD)/lib/libkxboot.a \
		$(SUPPORT_SRCS:%.c=$(FUZZ_BUILD)/lib/obj/%.o)
	$(MAKE) $(FUZZ_BINS)

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_BUILD)/lib/libkxboot.a
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -O1 -g -iquote src -iquote . -iquote tests/support $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(SUPPORT_SRCS:%.c=$(FUZZ_BUILD)/lib/obj/%.o) \
		$(FUZZ_BUILD)/lib/libkxboot.a $(LDLIBS)

fuzz: fuzzers
	tests/fuzz/run.sh --long $(FUZZ_SECONDS) $(FUZZ_BUILD)

# ---- sanitizer build of everything the tests run ---------------------------------------
SAN_BUILD := $(BUILD)/asan
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

asan:
	$(MAKE) BUILD=$(SAN_BUILD) VARIANT_CFLAGS="$(SAN_CFLAGS)" \
		VARIANT_LDFLAGS="-fsanitize=address,undefined" tests

# ---- the test suite ----------------------------------------------------------------------
deps:
	@tests/install-deps.sh

check: deps
	$(MAKE) tests
	$(MAKE) asan
	$(MAKE) fuzzers
	$(MAKE) image
	@tests/run.sh $(BUILD)

demo: deps
	$(MAKE) image
	contrib/demo/demo.sh $(BUILD)

install: $(BUILD)/kxboot $(BUILD)/kxboot-xen
	install -D -m 0755 $(BUILD)/kxboot $(DESTDIR)$(PREFIX)/bin/kxboot
	install -D -m 0755 $(BUILD)/kxboot-xen $(DESTDIR)$(PREFIX)/bin/kxboot-xen
	install -D -m 0644 docs/kxboot.8 $(DESTDIR)$(PREFIX)/share/man/man8/kxboot.8

clean:
	rm -rf $(BUILD)

-include initrd/image.mk
-include bench/bench.mk
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: all tests check deps asan fuzz fuzzers install clean demo
