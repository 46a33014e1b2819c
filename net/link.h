/* link.h — network interfaces: bring them up, wait for carrier, configure addresses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct net_link {
	char name[32];
	char mac[18]; /* "52:54:00:12:34:56" */
	bool carrier;
};

/* Bring every interface but lo up and wait (at most timeout_ms) for carrier. Returns how
 * many interfaces were found (ret holds at most max); those with carrier come first. */
size_t net_links_up(struct net_link *ret, size_t max, int timeout_ms);

struct net_lease {
	char iface[32];
	char mac[18];
	char ip[64], mask[8], router[64], dns[128], hostname[64];
	char siaddr[64];       /* next-server */
	char boot_file[256];   /* BOOTP file field or option 67 */
	char tftp_server[256]; /* option 66 */
	char pxe_config[256];  /* option 209 */
	char pxe_prefix[256];  /* option 210 */
	bool is_static;
};

/* DHCPv4 through busybox udhcpc with kxboot's hook (PXE vendor class, user class "kxboot",
 * client UUID option 97 when uuid is a 32-hex-digit SMBIOS UUID). 0 or -errno. */
int net_dhcp(const struct net_link *link, const char *uuid, struct net_lease *ret);
/* ip=<client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1> (kernel
 * nfsroot syntax). -EAGAIN when the value asks for DHCP (ip=dhcp, autoconf dhcp/any/on). */
int net_static(const char *ip_param, const struct net_link *links, size_t n_links,
	       struct net_lease *ret);
/* The machine's SMBIOS UUID (lower case, with dashes) or "" when unknown. */
void net_machine_uuid(char ret[37]);
