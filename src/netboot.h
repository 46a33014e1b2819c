/* netboot.h — the network as a source of boot menus: links, DHCP or ip=, then the config
 * the network names (kxboot.url=, the DHCP boot file, pxelinux and GRUB lookup orders, iPXE
 * scripts), read through a verifying net lookup. */
#pragma once

#include "bootopts.h"
#include "entry.h"
#include "manifest.h"
#include "net/link.h"
#include "net/netlookup.h"

#define NETBOOT_MENUS_MAX 4

struct netboot {
	struct net_lookup nl;
	struct net_lease lease;
	bool have_lease;
	struct menu menus[NETBOOT_MENUS_MAX];
	size_t n_menus;
	/* When the menu came from a signed manifest: it, this machine, and what was chosen. */
	bool have_manifest;
	struct manifest manifest;
	struct machine_identity id;
	struct manifest_choice choice;
};

/* Before kexec of entry e (or when nothing could be booted: e NULL): send the manifest's
 * boot report, if it has a report_url. Never blocks the boot for long. */
void netboot_report(struct netboot *nb, const struct boot_entry *e, const char *error);

/* Bring the network up and read the menus it offers (bootable entries only). 0 when at
 * least one menu was found, else -errno after saying on the console what was missing. */
int netboot_discover(const struct boot_options *o, struct netboot *nb);
/* Fetch, verify and select from a signed manifest (keys in keys_dir) into the next menu:
 * the chosen target, then the recovery target. 0 or -errno after saying why. */
int netboot_manifest(struct netboot *nb, const char *url, const struct boot_options *o,
		     const char *keys_dir);
void netboot_free(struct netboot *nb);

/* The config names pxelinux tries for a client, in order (pxelinux.cfg/UUID, 01-MAC, the
 * hex IP and its prefixes, default). Exposed for tests. */
size_t netboot_pxelinux_names(const char *uuid, const char *mac, const char *ip, char names[][64],
			      size_t max);
/* Same for GRUB's network configs (grub.cfg-01-MAC, grub.cfg-HEXIP..., grub.cfg). */
size_t netboot_grub_names(const char *mac, const char *ip, char names[][64], size_t max);
