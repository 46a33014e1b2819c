/* link.c — interfaces up with SIOCSIFFLAGS, carrier from sysfs, DHCP through udhcpc
 * (busybox) with a hook that writes the lease for us, static set-up from ip=. */
#include "net/link.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net/dhcp6.h"
#include "util.h"

#define BUSYBOX "/bin/busybox" /* applets run as argv[0] of busybox itself */
#define UDHCPC_SCRIPT "/usr/share/kxboot/udhcpc.script"
#define LEASE_DIR "/run/kxboot/net"

static bool sys_read_line(const char *path, char *buf, size_t size)
{
	char *data;
	size_t len;
	if (file_read_all(path, 4096, &data, &len) < 0)
		return false;
	data[strcspn(data, "\n")] = '\0';
	snprintf(buf, size, "%s", data);
	free(data);
	return true;
}

static int link_set_up(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", name);
	int r = 0;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(s);
	return r;
}

static bool has_carrier(const char *name)
{
	char path[128], buf[8];
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", name);
	return sys_read_line(path, buf, sizeof(buf)) && buf[0] == '1';
}

/* ret = the interface name (at most 31 characters) with its MAC address from sysfs, no
 * carrier yet; -ENODEV when sysfs has no address for it. */
static int link_init(const char *name, struct net_link *ret)
{
	char path[128];
	*ret = (struct net_link){ 0 };
	snprintf(ret->name, sizeof(ret->name), "%.31s", name);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ret->name);
	return sys_read_line(path, ret->mac, sizeof(ret->mac)) ? 0 : -ENODEV;
}

size_t net_links_up(struct net_link *ret, size_t max, int timeout_ms)
{
	size_t n = 0;
	DIR *d = opendir("/sys/class/net");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "lo") || strlen(de->d_name) >= 32)
			continue;
		struct net_link *l = &ret[n];
		link_init(de->d_name, l);
		int r = link_set_up(l->name);
		if (r < 0)
			log_warn("%s: cannot bring the link up: %s", l->name, strerror(-r));
		n++;
	}
	closedir(d);
	/* Carrier comes a moment after IFF_UP (autonegotiation, Xen backend connect). */
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		bool all = true;
		for (size_t i = 0; i < n; i++) {
			ret[i].carrier = has_carrier(ret[i].name);
			all = all && ret[i].carrier;
		}
		if (all)
			break;
		usleep(50000);
	}
	/* Interfaces with carrier first, in name order otherwise. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if ((!ret[i].carrier && ret[k].carrier) ||
			    (ret[i].carrier == ret[k].carrier && strcmp(ret[i].name, ret[k].name) > 0)) {
				struct net_link t = ret[i];
				ret[i] = ret[k];
				ret[k] = t;
			}
	for (size_t i = 0; i < n; i++)
		log_info("%s (%s): link %s", ret[i].name, ret[i].mac, ret[i].carrier ? "up" : "without carrier");
	return n;
}

int net_link_up(const char *name, int timeout_ms, struct net_link *ret)
{
	if (strlen(name) >= sizeof(ret->name) || strchr(name, '/'))
		return -ENODEV;
	struct net_link l;
	if (link_init(name, &l) < 0)
		return -ENODEV;
	int r = link_set_up(name);
	if (r < 0)
		return r;
	for (int waited = 0; !(l.carrier = has_carrier(name)) && waited < timeout_ms; waited += 50)
		usleep(50000);
	*ret = l;
	return 0;
}

void net_machine_uuid(char ret[37])
{
	ret[0] = '\0';
	char buf[64];
	if (sys_read_line("/sys/class/dmi/id/product_uuid", buf, sizeof(buf)) && strlen(buf) == 36) {
		for (int i = 0; i < 36; i++)
			ret[i] = (char)(buf[i] >= 'A' && buf[i] <= 'F' ? buf[i] - 'A' + 'a' : buf[i]);
		ret[36] = '\0';
	}
}

static void lease_set(struct net_lease *l, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
#define F(k, m) { k, offsetof(struct net_lease, m), sizeof(((struct net_lease *)0)->m) }
		F("ip", ip), F("mask", mask), F("router", router), F("dns", dns),
		F("hostname", hostname), F("siaddr", siaddr), F("boot_file", boot_file),
		F("bootfile", boot_file), F("tftp", tftp_server), F("pxeconffile", pxe_config),
		F("pxepathprefix", pxe_prefix), F("domain", domains),
#undef F
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strcmp(fields[i].key, key))
			continue;
		char *dst = (char *)l + fields[i].off;
		/* Option 67 wins over the BOOTP file field when both are there. */
		if (!strcmp(key, "boot_file") && dst[0])
			return;
		snprintf(dst, fields[i].size, "%s", val);
		/* udhcpc gives the first router only when several: keep the first word */
		if (!strcmp(key, "router"))
			dst[strcspn(dst, " ")] = '\0';
	}
}

int net_dhcp(const struct net_link *link, const char *uuid, struct net_lease *ret)
{
	*ret = (struct net_lease){ .family = AF_INET };
	snprintf(ret->iface, sizeof(ret->iface), "%s", link->name);
	snprintf(ret->mac, sizeof(ret->mac), "%s", link->mac);
	char lease_path[128];
	snprintf(lease_path, sizeof(lease_path), LEASE_DIR "/%s.lease", link->name);
	unlink(lease_path);
	struct strv argv = { 0 };
	strv_pushs(&argv, "udhcpc");
	const char *fixed[] = { "-f", "-q", "-n", "-t", "4", "-T", "2", "-A", "1",
				"-s", UDHCPC_SCRIPT, "-V", "PXEClient:Arch:00007:UNDI:003016",
				/* user class (77): "kxboot", so servers can tell kxboot from firmware */
				"-x", "0x4d:6b78626f6f74",
				"-O", "66", "-O", "67", "-O", "209", "-O", "210", "-O", "hostname" };
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		strv_pushs(&argv, fixed[i]);
	if (uuid && strlen(uuid) == 36) {
		/* client machine identifier (97): type 0 + the 16 UUID bytes */
		char hex[40] = "00";
		size_t k = 2;
		for (const char *p = uuid; *p && k < 34; p++)
			if (*p != '-')
				hex[k++] = *p;
		hex[k] = '\0';
		strv_pushs(&argv, "-x");
		strv_push(&argv, xasprintf("0x61:%s", hex));
	}
	strv_pushs(&argv, "-i");
	strv_pushs(&argv, link->name);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(BUSYBOX, argv.v);
		_exit(127);
	}
	strv_free(&argv);
	if (pid < 0)
		return -errno;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char *text;
	size_t len;
	if (file_read_all(lease_path, 65536, &text, &len) < 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			log_err("No DHCP client in the image (%s udhcpc)", BUSYBOX);
		return -ETIMEDOUT;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		lease_set(ret, line, eq + 1);
	}
	free(text);
	if (!ret->ip[0])
		return -ETIMEDOUT;
	log_info("%s: DHCP address %s, router %s, next-server %s, boot file '%s'%s%s", link->name,
		 ret->ip, ret->router[0] ? ret->router : "-", ret->siaddr[0] ? ret->siaddr : "-",
		 ret->boot_file, ret->tftp_server[0] ? ", TFTP server " : "", ret->tftp_server);
	return 0;
}

/* /etc/resolv.conf from a lease, as the udhcpc hook writes it for DHCPv4. */
static void resolv_conf_write(const struct net_lease *l)
{
	FILE *f = fopen("/etc/resolv.conf", "w");
	if (!f) {
		log_warn("Cannot write /etc/resolv.conf: %s, ignoring", strerror(errno));
		return;
	}
	if (l->domains[0])
		fprintf(f, "search %s\n", l->domains);
	char *dns = xstrdup(l->dns);
	char *save = NULL;
	for (char *d = strtok_r(dns, " ", &save); d; d = strtok_r(NULL, " ", &save))
		fprintf(f, "nameserver %s\n", d);
	free(dns);
	fclose(f);
}

static int run_ip(const char *const *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(BUSYBOX, (char *const *)args);
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int mask_bits(const char *mask)
{
	struct in_addr a;
	if (inet_pton(AF_INET, mask, &a) != 1)
		return -1;
	return __builtin_popcount(a.s_addr);
}

int net_static(const char *ip_param, const struct net_link *links, size_t n_links,
	       struct net_lease *ret)
{
	*ret = (struct net_lease){ .family = AF_INET, .is_static = true };
	if (!strcmp(ip_param, "dhcp") || !strcmp(ip_param, "on") || !strcmp(ip_param, "any") ||
	    !strcmp(ip_param, "bootp"))
		return -EAGAIN;
	if (!strcmp(ip_param, "off") || !strcmp(ip_param, "none"))
		return -ENONET;
	char *copy = xstrdup(ip_param);
	char *field[9] = { 0 };
	char *p = copy;
	for (int i = 0; i < 9 && p; i++) {
		field[i] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
	}
	int r = 0;
	const char *autoconf = field[6] ? field[6] : "";
	if (!field[0] || !field[0][0] || !strcmp(autoconf, "dhcp") || !strcmp(autoconf, "on") ||
	    !strcmp(autoconf, "any")) {
		r = -EAGAIN;
		goto out;
	}
	const struct net_link *link = NULL;
	for (size_t i = 0; i < n_links; i++)
		if (!field[5] || !field[5][0] || !strcmp(field[5], links[i].name)) {
			link = &links[i];
			break;
		}
	if (!link) {
		log_err("ip=%s: no interface %s", ip_param, field[5] ? field[5] : "");
		r = -ENODEV;
		goto out;
	}
	snprintf(ret->iface, sizeof(ret->iface), "%s", link->name);
	snprintf(ret->mac, sizeof(ret->mac), "%s", link->mac);
	snprintf(ret->ip, sizeof(ret->ip), "%s", field[0]);
	if (field[1])
		snprintf(ret->siaddr, sizeof(ret->siaddr), "%s", field[1]);
	if (field[2])
		snprintf(ret->router, sizeof(ret->router), "%s", field[2]);
	int bits = field[3] && field[3][0] ? mask_bits(field[3]) : 24;
	if (bits < 0) {
		log_err("ip=%s: bad netmask", ip_param);
		r = -EINVAL;
		goto out;
	}
	snprintf(ret->mask, sizeof(ret->mask), "%d", bits);
	if (field[4])
		snprintf(ret->hostname, sizeof(ret->hostname), "%s", field[4]);
	if (field[7] && field[7][0])
		snprintf(ret->dns, sizeof(ret->dns), "%s%s%s", field[7], field[8] && field[8][0] ? " " : "",
			 field[8] ? field[8] : "");
	char *addr = xasprintf("%s/%d", ret->ip, bits);
	const char *add[] = { "ip", "addr", "add", addr, "dev", ret->iface, NULL };
	r = run_ip(add);
	free(addr);
	if (r == 0 && ret->router[0]) {
		const char *route[] = { "ip", "route", "add", "default", "via", ret->router, "dev", ret->iface, NULL };
		r = run_ip(route);
	}
	if (r == 0 && ret->dns[0])
		resolv_conf_write(ret);
	if (r == 0)
		log_info("%s: static address %s/%d, router %s", ret->iface, ret->ip, bits,
			 ret->router[0] ? ret->router : "-");
	else
		log_err("ip=%s: cannot configure %s", ip_param, ret->iface);
out:
	free(copy);
	return r;
}

bool net_ip_wants_dhcp6(const char *ip_param, char ret_iface[32])
{
	ret_iface[0] = '\0';
	if (!strcmp(ip_param, "dhcp6"))
		return true;
	/* Fields split at ':'; IPv6 literals are not in the forms that can ask for DHCPv6. */
	const char *field[9] = { 0 };
	size_t len[9] = { 0 }, n = 0;
	for (const char *p = ip_param; n < 9; n++) {
		field[n] = p;
		len[n] = strcspn(p, ":");
		p += len[n];
		if (*p != ':') {
			n++;
			break;
		}
		p++;
	}
#define IS(i, word) (n > (i) && len[i] == strlen(word) && !strncmp(field[i], word, len[i]))
	const char *iface = NULL;
	size_t iface_len = 0;
	if (IS(1, "dhcp6") && len[0]) { /* dracut: IFACE:dhcp6[:MTU[:MAC]] */
		iface = field[0];
		iface_len = len[0];
	} else if (IS(6, "dhcp6")) { /* nfsroot: client:server:gw:mask:host:device:dhcp6 */
		iface = field[5];
		iface_len = len[5];
	} else {
		return false;
	}
#undef IS
	if (iface_len < 32) {
		memcpy(ret_iface, iface, iface_len);
		ret_iface[iface_len] = '\0';
	}
	return true;
}

int net_dhcp6(const struct net_link *link, const char *uuid, const struct net_dhcp6_options *o,
	      struct net_lease *ret)
{
	char err[768];
	struct dhcp6_client_id id;
	if (dhcp6_client_id_make(uuid, link->mac, if_nametoindex(link->name), &id) < 0) {
		log_warn("%s: no DHCPv6 client identifier (no SMBIOS UUID and no MAC address)",
			 link->name);
		return -EINVAL;
	}
	struct dhcp6_exchange_options xo = { .timeout_ms = o->timeout_ms,
					     .stateless = o->mode == NET_DHCP6_STATELESS,
					     .stateless_on_slaac = o->mode == NET_DHCP6_AUTO };
	bool slaac = o->mode == NET_DHCP6_AUTO && dhcp6_link_has_routable_address(link->name);
	if (slaac) {
		log_info("%s: has an address from router advertisements: asking DHCPv6 for boot "
			 "options only", link->name);
		xo.stateless = true;
	}
	struct dhcp6_reply *reply = xmalloc(sizeof(*reply));
	int r = dhcp6_exchange(link->name, &id, &xo, reply, err, sizeof(err));
	if (r < 0 && o->mode == NET_DHCP6_AUTO && !slaac &&
	    dhcp6_link_has_routable_address(link->name)) {
		log_info("%s: %s; router advertisements gave an address meanwhile: asking DHCPv6 "
			 "for boot options only", link->name, err);
		xo = (struct dhcp6_exchange_options){ .timeout_ms = DHCP6_INFO_TIMEOUT_MS,
						      .stateless = true };
		r = dhcp6_exchange(link->name, &id, &xo, reply, err, sizeof(err));
	}
	if (r < 0) {
		log_warn("%s: no DHCPv6 lease: %s", link->name, err);
		free(reply);
		return r;
	}
	struct net_lease l = { .family = AF_INET6 };
	snprintf(l.iface, sizeof(l.iface), "%s", link->name);
	snprintf(l.mac, sizeof(l.mac), "%s", link->mac);
	inet_ntop(AF_INET6, &reply->server_address, l.server6, sizeof(l.server6));
	if (reply->n_addresses) {
		inet_ntop(AF_INET6, &reply->addresses[0].address, l.ip6, sizeof(l.ip6));
		l.prefix6 = 128;
	}
	for (size_t i = 0; i < reply->n_dns; i++) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &reply->dns[i], a, sizeof(a));
		size_t used = strlen(l.dns);
		snprintf(l.dns + used, sizeof(l.dns) - used, "%s%s", used ? " " : "", a);
	}
	snprintf(l.domains, sizeof(l.domains), "%s", reply->domains);
	snprintf(l.boot_file, sizeof(l.boot_file), "%s", reply->bootfile_url);
	snprintf(l.boot_params, sizeof(l.boot_params), "%s", reply->bootfile_params);
	if (o->configure && reply->n_addresses) {
		r = dhcp6_address_add(link->name, &reply->addresses[0].address, DHCP6_DAD_WAIT_MS, err,
				      sizeof(err));
		if (r < 0) {
			log_warn("%s: DHCPv6 leased an address kxboot cannot use: %s", link->name, err);
			free(reply);
			return r;
		}
	}
	free(reply);
	if (o->resolv_conf && l.dns[0])
		resolv_conf_write(&l);
	log_info("%s: DHCPv6 address %s%s, server %s, DNS %s, boot file URL '%s'", link->name,
		 l.ip6[0] ? l.ip6 : "(stateless)", l.ip6[0] ? "/128" : "", l.server6,
		 l.dns[0] ? l.dns : "-", l.boot_file);
	*ret = l;
	return 0;
}
