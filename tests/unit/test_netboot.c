/* test_netboot.c — the config names PXELINUX and GRUB look up for a client (PXELINUX docs
 * "Configuration filename"; GRUB manual "Network" / net_bootp default configs), the kernel's
 * command line quoting, kxboot's options, and URLs with IPv6 literals (RFC 3986 section 3.2.2,
 * RFC 6874 zones) as DHCPv6 option 59 gives them. */
#include <errno.h>
#include <string.h>

#include "bootopts.h"
#include "net/fetch.h"
#include "netboot.h"
#include "test.h"

int main(void)
{
	char names[16][64];
	size_t n;
	TEST_BEGIN("pxelinux order for the PXELINUX docs' example client");
	/* The documentation's example: UUID b8945908-d6a6-41a9-611d-74a6ab80b83d,
	 * MAC 88:99:AA:BB:CC:DD, IP 192.168.2.91 (C0A8025B). */
	n = netboot_pxelinux_names("b8945908-d6a6-41a9-611d-74a6ab80b83d", "88:99:AA:BB:CC:DD",
					  "192.168.2.91", names, 16);
	static const char *const want[] = { "b8945908-d6a6-41a9-611d-74a6ab80b83d",
					    "01-88-99-aa-bb-cc-dd", "C0A8025B", "C0A8025", "C0A802",
					    "C0A80", "C0A8", "C0A", "C0", "C", "default" };
	CHECK_INT(n, 11);
	for (size_t i = 0; i < n && i < 11; i++)
		CHECK_STR(names[i], want[i]);
	TEST_END();

	TEST_BEGIN("pxelinux order without UUID");
	n = netboot_pxelinux_names("", "52:54:00:12:34:56", "10.0.2.15", names, 16);
	CHECK_INT(n, 10);
	CHECK_STR(names[0], "01-52-54-00-12-34-56");
	CHECK_STR(names[1], "0A00020F");
	CHECK_STR(names[9], "default");
	TEST_END();

	TEST_BEGIN("GRUB network config names");
	n = netboot_grub_names("52:54:00:12:34:56", "10.0.2.15", names, 16);
	CHECK_INT(n, 10);
	CHECK_STR(names[0], "grub.cfg-01-52-54-00-12-34-56");
	CHECK_STR(names[1], "grub.cfg-0A00020F");
	CHECK_STR(names[8], "grub.cfg-0");
	CHECK_STR(names[9], "grub.cfg");
	TEST_END();

	TEST_BEGIN("kernel command line words and kxboot options");
	struct boot_options o;
	boot_options_parse(&o, "BOOT_IMAGE=/vmlinuz console=tty0 console=ttyS0,115200n8 "
			       "kxboot.entry=\"Advanced options>Debian 6.1\" kxboot.timeout=7 "
			       "kxboot.locked kxboot.mode=net kxboot.url=http://10.0.2.2/x.ipxe "
			       "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off kxboot.insecure "
			       "kxboot.pin=sha256//AAAA");
	CHECK_STR(o.entry, "Advanced options>Debian 6.1");
	CHECK_INT(o.timeout, 7);
	CHECK(o.locked);
	CHECK(o.insecure);
	CHECK_INT(o.mode, BOOT_MODE_NET);
	CHECK_STR(o.url, "http://10.0.2.2/x.ipxe");
	CHECK_STR(o.ip, "10.0.2.15::10.0.2.2:255.255.255.0::eth0:off");
	CHECK_STR(o.pin, "sha256//AAAA");
	CHECK_INT(o.n_consoles, 2);
	CHECK_STR(o.consoles[0], "tty0");
	CHECK_STR(o.consoles[1], "ttyS0");
	boot_options_free(&o);
	boot_options_parse(&o, "kxboot.timeout=abc kxboot.mode=weird");
	CHECK_INT(o.timeout, -2);
	CHECK_INT(o.mode, BOOT_MODE_AUTO);
	boot_options_free(&o);
	TEST_END();

	TEST_BEGIN("url_resolve (RFC 3986 common cases)");
	char *u = url_resolve("tftp://10.0.2.2:6969/boot/pxelinux.0", "./");
	CHECK_STR(u, "tftp://10.0.2.2:6969/boot/");
	free(u);
	u = url_resolve("tftp://10.0.2.2:6969/boot/", "pxelinux.cfg/default");
	CHECK_STR(u, "tftp://10.0.2.2:6969/boot/pxelinux.cfg/default");
	free(u);
	u = url_resolve("http://h/a/b/c.ipxe", "../k/vmlinuz");
	CHECK_STR(u, "http://h/a/k/vmlinuz");
	free(u);
	u = url_resolve("http://h/a/b", "/root");
	CHECK_STR(u, "http://h/root");
	free(u);
	u = url_resolve("http://h", "x");
	CHECK_STR(u, "http://h/x");
	free(u);
	u = url_resolve("http://h/a", "https://other/y");
	CHECK_STR(u, "https://other/y");
	free(u);
	TEST_END();

	TEST_BEGIN("url_resolve keeps an IPv6 literal host");
	char *u = url_resolve("tftp://[2001:db8::1]/boot/pxelinux.0", "pxelinux.cfg/default");
	CHECK_STR(u, "tftp://[2001:db8::1]/boot/pxelinux.cfg/default");
	free(u);
	u = url_resolve("http://[fd00:99::1]:8080/boot/grub.cfg", "/k/vmlinuz");
	CHECK_STR(u, "http://[fd00:99::1]:8080/k/vmlinuz");
	free(u);
	u = url_resolve("http://[fd00:99::1]:8080", "grub.cfg");
	CHECK_STR(u, "http://[fd00:99::1]:8080/grub.cfg");
	free(u);
	TEST_END();

	static const struct {
		const char *url;
		int want_r;
		const char *host;
		int port;
		const char *path;
	} splits[] = {
		{ "tftp://[2001:db8::1]/pxelinux.0", 0, "2001:db8::1", 0, "/pxelinux.0" },
		{ "http://[fd00:99::1]:8080/boot/grub.cfg", 0, "fd00:99::1", 8080, "/boot/grub.cfg" },
		{ "tftp://[::1]:69", 0, "::1", 69, "/" },
		{ "tftp://[fec0:0000:0000:0000:0000:0000:0000:0002]/pxelinux.0", 0,
		  "fec0:0000:0000:0000:0000:0000:0000:0002", 0, "/pxelinux.0" },
		{ "tftp://[fe80::1%25eth0]:6969/k", 0, "fe80::1%eth0", 6969, "/k" },
		{ "tftp://user@[2001:db8::2]/k", 0, "2001:db8::2", 0, "/k" },
		{ "tftp://10.0.2.2:6969/k", 0, "10.0.2.2", 6969, "/k" },
		{ "tftp://10.0.2.2/k", 0, "10.0.2.2", 0, "/k" },
		{ "tftp://[2001:db8::1/k", .want_r = -EINVAL },
		{ "tftp://[2001:db8::1]x/k", .want_r = -EINVAL },
		{ "tftp://[2001:db8::1]:/k", .want_r = -EINVAL },
		{ "tftp://[2001:db8::1]:99999/k", .want_r = -EINVAL },
		{ "tftp://[2001:db8::1]:69x/k", .want_r = -EINVAL },
		{ "tftp://[]/k", .want_r = -EINVAL },
		{ "tftp://h:0/k", .want_r = -EINVAL },
		{ "tftp://h:x/k", .want_r = -EINVAL },
	};
	TEST_BEGIN("url_split with IPv6 literals, ports and zones");
	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		char *host = NULL, *path = NULL;
		int port = -1;
		int r = url_split(splits[i].url, NULL, &host, &port, &path);
		if (r != splits[i].want_r)
			printf("   %s: %d\n", splits[i].url, r);
		CHECK_INT(r, splits[i].want_r);
		if (r == 0 && splits[i].want_r == 0) {
			CHECK_STR(host, splits[i].host);
			CHECK_INT(port, splits[i].port);
			CHECK_STR(path, splits[i].path);
		}
		free(host);
		free(path);
	}
	TEST_END();
	TEST_EXIT();
}
