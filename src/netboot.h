/* netboot.h — the network as a source of boot menus: links, DHCP or ip=, then the config
 * the network names (kxboot.url=, the DHCP boot file, pxelinux and GRUB lookup orders, iPXE
 * scripts), read through a verifying net lookup. */
#pragma once

#include "bootopts.h"
#include "entry.h"
#include "net/link.h"
#include "net/netlookup.h"

#define NETBOOT_MENUS_MAX 4

struct netboot {
	struct net_lookup nl;
	struct net_lease lease;
	bool have_lease;
	struct menu menus[NETBOOT_MENUS_MAX];
	size_t n_menus;
};

/* Bring the network up and read the menus it offers (bootable entries only). 0 when at
 * least one menu was found, else -errno after saying on the console what was missing. */
int netboot_discover(const struct boot_options *o, struct netboot *nb);
void netboot_free(struct netboot *nb);

/* The config names pxelinux tries for a client, in order (pxelinux.cfg/UUID, 01-MAC, the
 * hex IP and its prefixes, default). Exposed for tests. */
size_t netboot_pxelinux_names(const char *uuid, const char *mac, const char *ip, char names[][64],
			      size_t max);
/* Same for GRUB's network configs (grub.cfg-01-MAC, grub.cfg-HEXIP..., grub.cfg). */
size_t netboot_grub_names(const char *mac, const char *ip, char names[][64], size_t max);
