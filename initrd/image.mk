# initrd/image.mk: kernel + initrd rules, included by the top-level Makefile.
#
#   make image          -> $(BUILD)/kxboot.vmlinuz  $(BUILD)/kxboot.initrd
#   make target-image   -> $(BUILD)/target.initrd   (end-to-end test target, TARGET_NAME=target)
#   make kernel         -> fetch Debian's kernel into $(KERNEL_DIR) (no-op when up to date)
#   make image-size     -> compressed sizes, stable format (initrd/size-report.sh)
#
# User variables
#   BUILD=DIR        output directory (default build)
#   KERNEL=FILE      use this bzImage instead of fetching Debian's
#   MODULES=DIR      its /lib/modules/<ver> tree (with modules.dep), or "none" for a kernel with
#                    all drivers built in; with KERNEL= and no MODULES=, /lib/modules/<ver of KERNEL>
#   KEYS="F1 F2"     public keys copied to /etc/kxboot/keys/ in the initrd
#   KERNEL_DIR=DIR   where `make kernel` unpacks Debian's kernel (default $(BUILD)/kernel);
#                    share one between build dirs to download once
#   KXBOOT_BIN=FILE  the /init binary (default $(BUILD)/kxboot)
#   INITRD_COMPRESS  zstd (default), xz, gzip, none
#   INITRD_MODULES   extra module names on top of the built-in list
#   SOURCE_DATE_EPOCH  mtime of every file (default: git commit time, else 1704067200)

# Directory of this fragment, taken before any other include changes MAKEFILE_LIST.
KXB_INITRD_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

BUILD ?= build
KERNEL ?=
MODULES ?=
KEYS ?=
KERNEL_DIR ?= $(BUILD)/kernel
KXBOOT_BIN ?= $(BUILD)/kxboot
INITRD_COMPRESS ?= zstd
INITRD_MODULES ?=
TARGET_NAME ?= target
# Evaluated once (:=), so one make run cannot mix two values if HEAD moves during the build.
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
  SOURCE_DATE_EPOCH := $(shell git -C $(KXB_INITRD_DIR) log -1 --format=%ct 2>/dev/null || echo 1704067200)
endif
export SOURCE_DATE_EPOCH

ifeq ($(strip $(KERNEL)),)
  KXB_VMLINUZ_SRC := $(KERNEL_DIR)/vmlinuz
  KXB_KERNEL_DEP  := $(KERNEL_DIR)/version
  KXB_MODULES     := $(if $(strip $(MODULES)),$(MODULES),$(KERNEL_DIR)/modules)
else
  KXB_VMLINUZ_SRC := $(KERNEL)
  KXB_KERNEL_DEP  := $(KERNEL)
  KXB_MODULES     := $(strip $(MODULES))
endif

KXB_MKINITRD_ARGS := --kxboot $(KXBOOT_BIN) --compress $(INITRD_COMPRESS) \
	$(if $(KXB_MODULES),--modules $(KXB_MODULES),--kernel $(KERNEL)) \
	$(foreach k,$(KEYS),--key $(k)) \
	$(foreach m,$(INITRD_MODULES),--module $(m)) \
	$(if $(wildcard $(KXB_INITRD_DIR)/udhcpc.script),--udhcpc-script $(KXB_INITRD_DIR)/udhcpc.script)

KXB_INITRD_SCRIPTS := $(KXB_INITRD_DIR)/mkinitrd.sh $(KXB_INITRD_DIR)/lib.sh

.PHONY: image target-image kernel image-size FORCE

image: $(BUILD)/kxboot.vmlinuz $(BUILD)/kxboot.initrd

target-image: $(BUILD)/target.initrd

# Always asks apt whether linux-image-amd64 moved; the script does nothing if it did not.
kernel:
	$(KXB_INITRD_DIR)/fetch-kernel.sh $(KERNEL_DIR)

# Fetched once when missing; `make kernel` refreshes it.
$(KERNEL_DIR)/version:
	$(KXB_INITRD_DIR)/fetch-kernel.sh $(KERNEL_DIR)

$(BUILD)/kxboot.vmlinuz: $(KXB_KERNEL_DEP)
	@mkdir -p $(@D)
	cp -L $(KXB_VMLINUZ_SRC) $@.tmp && mv $@.tmp $@

# The arguments are part of the inputs: rebuild when KEYS/MODULES/... change.
$(BUILD)/.kxboot.initrd.args: FORCE
	@mkdir -p $(@D)
	@echo '$(KXB_MKINITRD_ARGS) SDE=$(SOURCE_DATE_EPOCH)' | cmp -s - $@ || \
	  echo '$(KXB_MKINITRD_ARGS) SDE=$(SOURCE_DATE_EPOCH)' > $@

$(BUILD)/kxboot.initrd: $(KXBOOT_BIN) $(KXB_KERNEL_DEP) $(KXB_INITRD_SCRIPTS) $(KEYS) \
		$(wildcard $(KXB_INITRD_DIR)/udhcpc.script) $(BUILD)/.kxboot.initrd.args
	$(KXB_INITRD_DIR)/mkinitrd.sh --out $@ $(KXB_MKINITRD_ARGS)

$(BUILD)/.target.initrd.args: FORCE
	@mkdir -p $(@D)
	@echo '$(TARGET_NAME) SDE=$(SOURCE_DATE_EPOCH)' | cmp -s - $@ || \
	  echo '$(TARGET_NAME) SDE=$(SOURCE_DATE_EPOCH)' > $@

$(BUILD)/target.initrd: $(KXB_INITRD_DIR)/mktarget.sh $(KXB_INITRD_DIR)/lib.sh $(BUILD)/.target.initrd.args
	$(KXB_INITRD_DIR)/mktarget.sh $@ $(TARGET_NAME)

image-size: $(BUILD)/kxboot.vmlinuz $(BUILD)/kxboot.initrd
	@$(KXB_INITRD_DIR)/size-report.sh $(BUILD)
