/* xen.h — kxboot in a Xen guest: per-domain settings from xenstore, progress written back. */
#pragma once

#include "bootopts.h"

/* Under Xen, read /local/domain/<own id>/kxboot/ (keys named like the kxboot.* options:
 * url, manifest, entry, mode, timeout, locked, insecure, min_version, policy, debug) and
 * apply them over o. xenstore wins over the kernel command line: dom0 can change it per
 * boot without editing the domain's config. Returns how many keys were applied. */
int xen_settings_apply(struct boot_options *o);
/* Write KEY=VALUE under /local/domain/<own id>/data/kxboot/ (guest-writable), so dom0 sees
 * what each domain booted (state, target, manifest_version, entry, error). Quiet no-op
 * outside Xen. */
void xen_report(const char *key, const char *value);
