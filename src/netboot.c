/* netboot.c — from a link to a menu: DHCP/PXE conventions (PXELINUX's config lookup order,
 * GRUB's net configs, iPXE scripts, a URL on the kernel command line). */
#include "netboot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fs/modules.h"
#include "grub2/grub2.h"
#include "ipxe.h"
#include "syslinux.h"
#include "limits.h"
#include "minisign.h"
#include "log.h"
#include "util.h"

#define LINKS_MAX 8
#define CARRIER_WAIT_MS 4000

size_t netboot_pxelinux_names(const char *uuid, const char *mac, const char *ip, char names[][64],
			      size_t max)
{
	size_t n = 0;
	if (uuid && uuid[0] && n < max)
		snprintf(names[n++], 64, "%s", uuid);
	if (mac && mac[0] && n < max) {
		/* ARP type 1 (Ethernet), then the MAC in lower case with dashes */
		char m[18];
		snprintf(m, sizeof(m), "%s", mac);
		for (char *p = m; *p; p++)
			*p = *p == ':' ? '-' : (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
		snprintf(names[n++], 64, "01-%s", m);
	}
	struct in_addr a;
	if (ip && inet_pton(AF_INET, ip, &a) == 1) {
		char hex[9];
		snprintf(hex, sizeof(hex), "%08X", ntohl(a.s_addr));
		for (int len = 8; len >= 1 && n < max; len--)
			snprintf(names[n++], 64, "%.*s", len, hex);
	}
	if (n < max)
		snprintf(names[n++], 64, "default");
	return n;
}

size_t netboot_grub_names(const char *mac, const char *ip, char names[][64], size_t max)
{
	size_t n = 0;
	if (mac && mac[0] && n < max) {
		char m[18];
		snprintf(m, sizeof(m), "%s", mac);
		for (char *p = m; *p; p++)
			*p = *p == ':' ? '-' : (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
		snprintf(names[n++], 64, "grub.cfg-01-%s", m);
	}
	struct in_addr a;
	if (ip && inet_pton(AF_INET, ip, &a) == 1) {
		char hex[9];
		snprintf(hex, sizeof(hex), "%08X", ntohl(a.s_addr));
		for (int len = 8; len >= 1 && n < max; len--)
			snprintf(names[n++], 64, "grub.cfg-%.*s", len, hex);
	}
	if (n < max)
		snprintf(names[n++], 64, "grub.cfg");
	return n;
}

/* Read url and parse it as fmt (NULL: guess from name and text) into the next menu slot.
 * workdir: PXELINUX's working directory (where pxelinux.0 was), or NULL. */
static int load_url(struct netboot *nb, const char *url, const struct config_format *fmt,
		    const char *workdir, bool quiet)
{
	if (nb->n_menus >= NETBOOT_MENUS_MAX)
		return -ENOSPC;
	const char *id;
	char *path;
	if (net_lookup_split(&nb->nl, url, &id, &path) < 0) {
		log_err("'%s' is not a URL kxboot can fetch", url);
		return -EINVAL;
	}
	struct menu *m = &nb->menus[nb->n_menus];
	*m = (struct menu){ 0 };
	char *text = NULL;
	size_t len = 0;
	int r = lookup_read(&nb->nl.lookup, id, path, CONFIG_FILE_MAX, &text, &len);
	if (r < 0) {
		if (!quiet)
			log_warn("Cannot fetch %s: %s", url, strerror(-r));
		free(path);
		return r;
	}
	if (!fmt && str_startswith(text, "#!ipxe"))
		fmt = config_format_by_name("ipxe");
	if (!fmt)
		fmt = config_format_guess(path, text);
	if (!fmt) {
		log_err("%s: not a config format kxboot reads", url);
		free(text);
		free(path);
		return -EINVAL;
	}
	struct config_source src = { .lookup = &nb->nl.lookup, .device = id, .path = path };
	if (workdir && fmt == &config_format_syslinux)
		r = syslinux_parse_text_in(&src, workdir, text, len, m);
	else
		r = fmt->parse ? fmt->parse(&src, text, len, m) : -ENOTSUP;
	free(text);
	free(path);
	if (r < 0) {
		menu_free(m);
		log_err("%s: cannot read it as a %s config", url, fmt->name);
		return r;
	}
	if (!m->source_device)
		m->source_device = xstrdup(id);
	menu_keep_bootable(m);
	if (m->n_entries == 0) {
		log_warn("%s (%s) has no bootable entry", url, m->format ? m->format : fmt->name);
		menu_free(m);
		return -ENOENT;
	}
	log_info("Found %s config %s with %zu entries", m->format ? m->format : fmt->name, url,
		 m->n_entries);
	nb->n_menus++;
	return 0;
}

static bool looks_like_pxelinux(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return strstr(base, "pxelinux") || str_endswith(base, ".0") || str_endswith(base, ".kpxe") ||
	       str_endswith(base, ".pxe");
}

/* A GRUB network image (grubx64.efi, grubnetx64.efi.signed, core.0...), not a config. */
static bool looks_like_grub(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return strstr(base, ".efi") || !strcmp(base, "core.0") || !strcmp(base, "core.efi");
}

/* A config or script named directly. */
static bool looks_like_config(const char *file)
{
	static const char *const ext[] = { ".cfg", ".conf", ".ipxe", ".txt", ".lst", ".json", NULL };
	for (size_t i = 0; ext[i]; i++)
		if (str_endswith(file, ext[i]))
			return true;
	return false;
}

static int try_pxelinux(struct netboot *nb, const char *prefix_url, char machine_uuid[37])
{
	const struct config_format *sys = &config_format_syslinux;
	const struct net_lease *l = &nb->lease;
	/* PXELINUX resolves relative names against the directory pxelinux.0 came from. */
	const char *id;
	char *workdir;
	if (net_lookup_split(&nb->nl, prefix_url, &id, &workdir) < 0)
		return -EINVAL;
	int r;
	if (l->pxe_config[0]) {
		char *url = url_resolve(prefix_url, l->pxe_config);
		r = load_url(nb, url, sys, workdir, false);
		free(url);
		free(workdir);
		return r;
	}
	char names[16][64];
	size_t n = netboot_pxelinux_names(machine_uuid, l->mac, l->ip, names, 16);
	for (size_t i = 0; i < n; i++) {
		char *rel = xasprintf("pxelinux.cfg/%s", names[i]);
		char *url = url_resolve(prefix_url, rel);
		log_debug("pxelinux: trying %s", url);
		r = load_url(nb, url, sys, workdir, true);
		free(rel);
		free(url);
		if (r == 0 || r == -ENOSPC) {
			free(workdir);
			return r;
		}
	}
	free(workdir);
	log_warn("No pxelinux config under %spxelinux.cfg/", prefix_url);
	return -ENOENT;
}

static int try_grub_net(struct netboot *nb, const char *dir_url)
{
	const struct config_format *g = &config_format_grub2;
	char names[16][64];
	size_t n = netboot_grub_names(nb->lease.mac, nb->lease.ip, names, 16);
	static const char *const subdirs[] = { "", "grub/", "boot/grub/" };
	for (size_t s = 0; s < ARRAY_SIZE(subdirs); s++) {
		for (size_t i = 0; i < n; i++) {
			char *rel = xasprintf("%s%s", subdirs[s], names[i]);
			char *url = url_resolve(dir_url, rel);
			int r = load_url(nb, url, g, NULL, true);
			free(rel);
			free(url);
			if (r == 0 || r == -ENOSPC)
				return r;
		}
	}
	log_warn("No GRUB network config under %s", dir_url);
	return -ENOENT;
}

/* What the DHCP boot file names: a URL, a pxelinux or GRUB network program, or a config or
 * script to read directly. */
static int from_boot_file(struct netboot *nb, char machine_uuid[37])
{
	const struct net_lease *l = &nb->lease;
	const char *server = l->tftp_server[0] ? l->tftp_server : l->siaddr;
	char *url;
	if (strstr(l->boot_file, "://"))
		url = xstrdup(l->boot_file);
	else if (server[0] && l->boot_file[0])
		url = xasprintf("tftp://%s/%s", server, l->boot_file[0] == '/' ? l->boot_file + 1 : l->boot_file);
	else if (server[0])
		url = xasprintf("tftp://%s/", server);
	else {
		log_warn("DHCP named no boot server and no boot file");
		return -ENOENT;
	}
	int r;
	char *prefix = l->pxe_prefix[0] ? url_resolve(url, l->pxe_prefix) : url_resolve(url, "./");
	if (looks_like_config(url)) {
		r = load_url(nb, url, NULL, NULL, false);
	} else if (str_endswith(url, "/") || looks_like_pxelinux(url)) {
		r = try_pxelinux(nb, prefix, machine_uuid);
	} else if (looks_like_grub(url)) {
		r = try_grub_net(nb, prefix);
	} else {
		r = load_url(nb, url, NULL, NULL, false);
		if (r < 0)
			r = try_pxelinux(nb, prefix, machine_uuid);
	}
	free(prefix);
	free(url);
	return r;
}

static bool is_manifest_url(const char *url)
{
	return str_endswith(url, ".json");
}

static void add_artifact_file(struct netboot *nb, struct boot_file *f, const char *url)
{
	const char *id;
	char *path;
	if (net_lookup_split(&nb->nl, url, &id, &path) == 0) {
		boot_file_set(f, id, path);
		free(path);
	}
}

/* One menu entry per target to try: the one chosen for this machine, then recovery. */
static void add_target_entry(struct netboot *nb, struct menu *m, const struct manifest_target *t,
			     const char *title_prefix, unsigned index)
{
	char *title = xasprintf("%s%s (manifest version %llu)", title_prefix, t->name,
				(unsigned long long)nb->manifest.version);
	struct boot_entry *e = menu_add_entry(m, NULL, 0, title, t->name, index);
	free(title);
	add_artifact_file(nb, &e->kernel, t->kernel.url);
	for (size_t i = 0; i < t->n_initrds; i++) {
		boot_entry_add_initrd(e, NULL, NULL);
		add_artifact_file(nb, &e->initrds[e->n_initrds - 1], t->initrds[i].url);
	}
	e->cmdline = manifest_cmdline(&nb->manifest, t);
	e->kind = BOOT_KIND_LINUX;
	e->bootable = e->kernel.path != NULL;
	e->source_file = xstrdup(nb->manifest.url ? nb->manifest.url : "manifest");
}

int netboot_manifest(struct netboot *nb, const char *url, const struct boot_options *o,
		     const char *keys_dir)
{
	if (nb->n_menus >= NETBOOT_MENUS_MAX)
		return -ENOSPC;
	struct minisign_keyring kr = { 0 };
	int nkeys = minisign_keyring_load_dir(&kr, keys_dir);
	if (nkeys <= 0) {
		log_err("Refusing the manifest %s: no trusted keys in %s (build the image with "
			"KEYS=key.pub)", url, keys_dir);
		minisign_keyring_free(&kr);
		return -ENOKEY;
	}
	struct manifest_policy policy = { .now = time(NULL), .min_version = o->min_version };
	/* Guests have no writable storage kxboot keeps: only expires and min_version guard
	 * against a replayed older manifest (docs/manifest.md). */
	struct manifest_state state = { 0 };
	struct fetch_options fo = nb->nl.fetch;
	char err[768];
	struct minisign_verified signer = { 0 };
	int r = manifest_fetch(url, &kr, &policy, &state, &fo, &nb->manifest, &signer, err, sizeof(err));
	minisign_keyring_free(&kr);
	if (r < 0) {
		log_err("Refusing the manifest %s: %s", url, err);
		return r;
	}
	minisign_verified_free(&signer);
	nb->have_manifest = true;
	machine_identity_read(&nb->id, "/sys");
	if (nb->lease.hostname[0])
		machine_identity_set_hostname(&nb->id, nb->lease.hostname);
	if (nb->lease.mac[0])
		machine_identity_add_mac(&nb->id, nb->lease.mac);
	log_info("Manifest %s version %llu verified", url, (unsigned long long)nb->manifest.version);
	r = manifest_select(&nb->manifest, &nb->id, &nb->choice);
	struct menu *m = &nb->menus[nb->n_menus];
	*m = (struct menu){ .format = "manifest", .default_index = 0, .has_timeout = true,
			    .timeout = 0 };
	m->source_path = xstrdup(url);
	unsigned index = 0;
	if (r == 0) {
		log_info("%s", nb->choice.why);
		add_target_entry(nb, m, nb->choice.target, "", index++);
	} else {
		log_warn("The manifest has no rule for this machine");
	}
	if (nb->manifest.recovery && (r < 0 || nb->manifest.recovery != nb->choice.target))
		add_target_entry(nb, m, nb->manifest.recovery, "recovery: ", index++);
	if (m->n_entries == 0) {
		menu_free(m);
		netboot_report(nb, NULL, "no target for this machine");
		return -ENOENT;
	}
	m->source_device = xstrdup(m->entries[0].kernel.device ? m->entries[0].kernel.device : "");
	/* Everything booted from here is checked against the manifest's hashes and sizes. */
	net_lookup_set_expect(&nb->nl, manifest_expected, &nb->manifest);
	nb->n_menus++;
	return 0;
}

void netboot_report(struct netboot *nb, const struct boot_entry *e, const char *error)
{
	if (!nb || !nb->have_manifest || !nb->manifest.report_url)
		return;
	bool recovery = e && nb->manifest.recovery && e->id && !strcmp(e->id, nb->manifest.recovery->name) &&
			(!nb->choice.target || nb->choice.target != nb->manifest.recovery);
	struct manifest_report rep = {
		.id = &nb->id,
		.target = e ? e->id : NULL,
		.rule = nb->choice.rule ? nb->choice.rule->name : NULL,
		.outcome = !e ? MANIFEST_OUTCOME_FAILED :
			   recovery ? MANIFEST_OUTCOME_RECOVERY : MANIFEST_OUTCOME_BOOTING,
		.error = error,
		.time = time(NULL),
	};
	char err[512];
	if (manifest_report(&nb->manifest, &rep, &nb->nl.fetch, err, sizeof(err)) < 0)
		log_warn("Boot report to %s failed: %s, ignoring", nb->manifest.report_url, err);
}

int netboot_discover(const struct boot_options *o, struct netboot *nb)
{
	*nb = (struct netboot){ 0 };
	net_lookup_init(&nb->nl, o->insecure);
	nb->nl.fetch.pin = o->pin; /* kxboot.pin= for every HTTPS fetch */
	int loaded = modules_coldplug_network();
	if (loaded > 0)
		log_info("%d network driver modules loaded", loaded);
	struct net_link links[LINKS_MAX];
	size_t n = net_links_up(links, LINKS_MAX, CARRIER_WAIT_MS);
	if (n == 0) {
		log_err("No network interface (is the NIC's driver in the image?)");
		return -ENODEV;
	}
	char uuid[37];
	net_machine_uuid(uuid);
	int r = -EAGAIN;
	/* ip=dhcp6 (dracut's spelling; the kernel's nfsroot ip= has no DHCPv6) skips DHCPv4. */
	char only[32] = "";
	bool dhcp6_only = o->ip && net_ip_wants_dhcp6(o->ip, only);
	if (o->ip && !dhcp6_only)
		r = net_static(o->ip, links, n, &nb->lease);
	if (r == -EAGAIN) {
		const struct net_dhcp6_options v6 = { .configure = true, .resolv_conf = true };
		for (size_t i = 0; i < n && r < 0; i++) {
			if (!links[i].carrier || (only[0] && strcmp(only, links[i].name)))
				continue;
			if (dhcp6_only) {
				log_info("%s: asking for an address (DHCPv6, ip=%s)", links[i].name, o->ip);
			} else {
				log_info("%s: asking for an address (DHCP)", links[i].name);
				r = net_dhcp(&links[i], uuid, &nb->lease);
				if (r == 0)
					break;
				log_warn("%s: no DHCP answer, asking DHCPv6", links[i].name);
			}
			r = net_dhcp6(&links[i], uuid, &v6, &nb->lease);
		}
		if (r == -EAGAIN && only[0])
			log_err("ip=%s: no interface %s with carrier", o->ip, only);
	}
	if (r < 0) {
		log_err("The network is not configured: %s", r == -ENONET ? "ip=off" : "no address");
		return r;
	}
	nb->have_lease = true;
	/* What an iPXE script sees as ${mac}, ${ip}, ${uuid}, ... */
	const struct net_lease *l = &nb->lease;
	const char *vars[] = { "net0/mac", l->mac, "net0/ip", l->ip, "net0/gateway", l->router,
			       "net0/next-server", l->siaddr, "net0.dhcp/filename", l->boot_file,
			       "hostname", l->hostname, "smbios/uuid", uuid, NULL };
	const char *set[ARRAY_SIZE(vars)];
	size_t k = 0;
	for (size_t i = 0; vars[i]; i += 2)
		if (vars[i + 1] && vars[i + 1][0]) {
			set[k++] = vars[i];
			set[k++] = vars[i + 1];
		}
	set[k] = NULL;
	ipxe_set_default_vars(set);
	const char *url = o->url;
	/* Sources in order; each that yields a menu is kept, so that what follows is a
	 * fallback: a signed manifest first, then kxboot.url, then what DHCP names. */
	const char *manifest_url = o->manifest;
	if (!manifest_url && url && is_manifest_url(url))
		manifest_url = url;
	if (!manifest_url && !url && strstr(nb->lease.boot_file, "://") &&
	    is_manifest_url(nb->lease.boot_file))
		manifest_url = nb->lease.boot_file;
	if (manifest_url) {
		r = netboot_manifest(nb, manifest_url, o, KXBOOT_KEYS_DIR);
		if (r < 0)
			log_info("Looking for another network boot source");
	}
	if (url && url != manifest_url) {
		int r2 = load_url(nb, url, NULL, NULL, false);
		if (r2 < 0 && str_endswith(url, "/"))
			r2 = try_pxelinux(nb, url, uuid);
		r = r2;
	} else if (!url && nb->lease.boot_file != manifest_url &&
		   (nb->lease.boot_file[0] || nb->lease.siaddr[0] || nb->lease.tftp_server[0])) {
		r = from_boot_file(nb, uuid);
	}
	return nb->n_menus ? 0 : (r < 0 ? r : -ENOENT);
}

void netboot_free(struct netboot *nb)
{
	if (nb->have_manifest)
		manifest_free(&nb->manifest);
	for (size_t i = 0; i < nb->n_menus; i++)
		menu_free(&nb->menus[i]);
	net_lookup_free(&nb->nl);
	*nb = (struct netboot){ 0 };
}
