/* xen.h — kxboot in a Xen guest: per-domain settings from xenstore, progress written back. */
#pragma once

#include <stddef.h>
#include <stdint.h>

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

/* ---- shared with dom0's kxboot-xen (src/xen_tool/) ----------------------------------- */

/* The settings kxboot reads under /local/domain/<id>/kxboot/, NULL-terminated. */
extern const char *const xen_setting_keys[];
/* Can dom0 set key to value? 0, -ENOENT for a key kxboot does not read, -EINVAL for a value
 * it would ignore or misread (err says why). */
int xen_setting_check(const char *key, const char *value, char *err, size_t err_len);

enum xen_report_verdict {
	XEN_REPORT_PENDING, /* nothing final yet */
	XEN_REPORT_BOOTED,  /* kexec (kxboot in the guest) or pvboot (dom0) with the manifest */
	XEN_REPORT_FAILED,
};
/* Judge what a domain reported under data/kxboot/ (NULL: key absent) for a rollout that
 * wants manifest version want_version or later (0: any version). why says what it saw. */
enum xen_report_verdict xen_report_judge(const char *state, const char *manifest_version,
					 const char *error, uint64_t want_version, char *why,
					 size_t why_len);
