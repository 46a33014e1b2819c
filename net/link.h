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
	int family; /* AF_INET (DHCPv4, ip=) or AF_INET6 (DHCPv6) */
	char iface[32];
	char mac[18];
	char ip[64], mask[8], router[64], dns[256], hostname[64];
	char domains[256];     /* DNS search list */
	char siaddr[64];       /* next-server */
	char boot_file[1024];  /* BOOTP file field, option 67, or DHCPv6 option 59 (a URL) */
	char tftp_server[256]; /* option 66 */
	char pxe_config[256];  /* option 209 */
	char pxe_prefix[256];  /* option 210 */
	bool is_static;
	/* DHCPv6 only: the leased address ("" when stateless: SLAAC gave it), its prefix length
	 * (128: RFC 5942, the on-link prefix comes from router advertisements), the server's
	 * address and the boot file parameters (option 60, space separated). */
	char ip6[64];
	unsigned prefix6;
	char server6[64];
	char boot_params[1024];
};

/* DHCPv4 through busybox udhcpc with kxboot's hook (PXE vendor class, user class "kxboot",
 * client UUID option 97 when uuid is a 32-hex-digit SMBIOS UUID). 0 or -errno. */
int net_dhcp(const struct net_link *link, const char *uuid, struct net_lease *ret);
enum net_dhcp6_mode {
	/* A link that has a global address from router advertisements (SLAAC) asks only for
	 * options (Information-request: QEMU's user network answers nothing else); any other
	 * asks for an address, then for options when no server offers one and SLAAC gave the
	 * link an address meanwhile. */
	NET_DHCP6_AUTO,
	NET_DHCP6_STATEFUL,  /* Solicit/Request only */
	NET_DHCP6_STATELESS, /* Information-request only */
};

struct net_dhcp6_options {
	unsigned timeout_ms; /* the whole exchange; 0: DHCP6_TIMEOUT_MS */
	enum net_dhcp6_mode mode;
	bool configure;	     /* put the leased address on the link */
	bool resolv_conf;    /* write /etc/resolv.conf (/init only: a host's is shared) */
};
/* DHCPv6 (net/dhcp6.h) on link: client id DUID-UUID from uuid or DUID-LL from the MAC.
 * 0 with ret filled, or -errno after saying why on the console. */
int net_dhcp6(const struct net_link *link, const char *uuid, const struct net_dhcp6_options *o,
	      struct net_lease *ret);
/* Whether ip= asks for DHCPv6: "dhcp6" and "IFACE:dhcp6" (dracut), or the nfsroot form with
 * autoconf "dhcp6". ret_iface: the interface named, "" for any. */
bool net_ip_wants_dhcp6(const char *ip_param, char ret_iface[32]);
/* Bring the interface name up and wait (at most timeout_ms) for carrier. 0 or -ENODEV. */
int net_link_up(const char *name, int timeout_ms, struct net_link *ret);
/* ip=<client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1> (kernel
 * nfsroot syntax). -EAGAIN when the value asks for DHCP (ip=dhcp, autoconf dhcp/any/on). */
int net_static(const char *ip_param, const struct net_link *links, size_t n_links,
	       struct net_lease *ret);
/* The machine's SMBIOS UUID (lower case, with dashes) or "" when unknown. */
void net_machine_uuid(char ret[37]);
