/* cmd_dhcp6.c — `kxboot dhcp6 IFACE [--timeout MS] [--no-configure] [--stateful|--stateless]`:
 * the DHCPv6 client /init uses (RFC 8415), printing the lease as key=value lines. It brings IFACE
 * up and (unless --no-configure) puts the leased address on it, so on a host it belongs in a
 * network namespace of its own; it never writes /etc/resolv.conf. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "limits.h"
#include "net/dhcp6.h"
#include "net/link.h"
#include "util.h"

#define CARRIER_WAIT_MS 4000

static void usage(FILE *out)
{
	fprintf(out, "usage: kxboot dhcp6 IFACE [--timeout MS] [--no-configure]\n"
		     "                    [--stateful | --stateless] [--uuid UUID]\n");
}

int cmd_dhcp6(int argc, char **argv)
{
	const char *iface = NULL, *uuid_arg = NULL;
	struct net_dhcp6_options o = { .configure = true };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		long v;
		if (!strcmp(a, "--timeout") && more) {
			if (str_to_long(argv[++i], 10, &v) < 0 || v <= 0 || v > 3600000) {
				fprintf(stderr, "kxboot dhcp6: --timeout wants milliseconds\n");
				return EXIT_USAGE;
			}
			o.timeout_ms = (unsigned)v;
		} else if (!strcmp(a, "--no-configure")) {
			o.configure = false;
		} else if (!strcmp(a, "--stateless")) {
			o.mode = NET_DHCP6_STATELESS;
		} else if (!strcmp(a, "--stateful")) {
			o.mode = NET_DHCP6_STATEFUL;
		} else if (!strcmp(a, "--uuid") && more) {
			uuid_arg = argv[++i];
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (a[0] != '-' && !iface) {
			iface = a;
		} else {
			fprintf(stderr, "kxboot dhcp6: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!iface) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct net_link link;
	int r = net_link_up(iface, CARRIER_WAIT_MS, &link);
	if (r < 0) {
		fprintf(stderr, "kxboot dhcp6: %s: %s\n", iface,
			r == -ENODEV ? "no such interface" : strerror(-r));
		return EXIT_FAIL;
	}
	if (!link.carrier)
		fprintf(stderr, "kxboot dhcp6: %s has no carrier, trying all the same\n", iface);
	char uuid[37] = "";
	if (uuid_arg)
		snprintf(uuid, sizeof(uuid), "%s", uuid_arg);
	else
		net_machine_uuid(uuid);
	struct net_lease *l = xmalloc(sizeof(*l));
	r = net_dhcp6(&link, uuid, &o, l);
	if (r < 0) {
		free(l); /* net_dhcp6 said why */
		return EXIT_FAIL;
	}
	struct dhcp6_client_id id;
	char duid[2 * DHCP6_DUID_MAX + 1] = "";
	if (dhcp6_client_id_make(uuid, link.mac, 0, &id) == 0)
		for (size_t i = 0; i < id.duid_len; i++)
			snprintf(duid + 2 * i, 3, "%02x", id.duid[i]);
	printf("iface=%s\nmac=%s\nduid=%s\naddress=%s\nprefix=%u\nserver=%s\ndns=%s\ndomains=%s\n"
	       "boot_file=%s\nboot_params=%s\nconfigured=%s\n",
	       l->iface, l->mac, duid, l->ip6, l->prefix6, l->server6, l->dns, l->domains,
	       l->boot_file, l->boot_params, o.configure && l->ip6[0] ? "yes" : "no");
	free(l);
	return EXIT_OK;
}
