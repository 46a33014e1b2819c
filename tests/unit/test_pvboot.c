/* test_pvboot.c — kxboot-xen pvboot against libxl's bootloader protocol
 * (tools/libs/light/libxl_bootloader.c: make_bootloader_args builds the argument list,
 * parse_bootloader_result reads NUL-terminated "kernel"/"ramdisk"/"args" items of at most
 * PATH_MAX * 2 - 1 bytes), and the dom0 helpers shared with the guest (src/xen.h). */
#include <errno.h>
#include <string.h>

#include "pvboot.h"
#include "test.h"
#include "xen.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	struct pvboot_args a;
	char err[512];
	char *out;
	size_t len;

	TEST_BEGIN("libxl's full argument list, bootloader_args with the subcommand");
	/* As make_bootloader_args: path, --kernel, --ramdisk, --args, --output,
	 * --output-format=simple0, --output-directory, bootloader_args..., disk. */
	char *full[] = { "/usr/local/bin/kxboot-xen",
			"--kernel=/boot/vmlinuz",
			"--ramdisk=/boot/initrd.img",
			"--args=quiet loglevel=3",
			"--output=/var/lib/xen/bootloader.12.out",
			"--output-format=simple0",
			"--output-directory=/var/lib/xen/bootloader.12.d",
			"pvboot",
			"--manifest=http://10.0.0.1/fleet/manifest.json",
			"--keys=/etc/kxboot/fleet-keys",
			"--mac=52:54:00:AA:BB:CC",
			"/dev/vg0/web-01-disk" };
	CHECK(pvboot_invoked_by_libxl(ARGC(full), full));
	CHECK_INT(pvboot_args_parse(&a, ARGC(full), full, err, sizeof(err)), 0);
	CHECK_STR(a.output, "/var/lib/xen/bootloader.12.out");
	CHECK_STR(a.output_dir, "/var/lib/xen/bootloader.12.d");
	CHECK_INT(a.format, PVBOOT_SIMPLE0);
	CHECK_STR(a.kernel, "/boot/vmlinuz");
	CHECK_STR(a.ramdisk, "/boot/initrd.img");
	CHECK_STR(a.extra_args, "quiet loglevel=3");
	CHECK_STR(a.manifest, "http://10.0.0.1/fleet/manifest.json");
	CHECK_STR(a.keys_dir, "/etc/kxboot/fleet-keys");
	CHECK_STR(a.disk, "/dev/vg0/web-01-disk");
	CHECK_INT(a.domid, 12);
	CHECK_INT(a.id.n_macs, 1);
	CHECK_STR(a.id.macs[0], "52:54:00:aa:bb:cc");
	CHECK_INT(a.runas, -1);
	CHECK(!a.quiet);
	TEST_END();

	TEST_BEGIN("bootloader_restrict adds --runas=UID --quiet; minimal list without --args");
	char *restricted[] = { "/usr/local/bin/kxboot-xen",
			      "--runas=131072",
			      "--quiet",
			      "--output=/var/lib/xen/bootloader.3.out",
			      "--output-format=simple0",
			      "--output-directory=/var/lib/xen/bootloader.3.d",
			      "--manifest=https://boot.example/m.json",
			      "/var/lib/xen/images/d.img" };
	CHECK_INT(pvboot_args_parse(&a, ARGC(restricted), restricted, err, sizeof(err)), 0);
	CHECK_INT(a.runas, 131072);
	CHECK(a.quiet);
	CHECK(a.extra_args == NULL && a.kernel == NULL);
	CHECK(a.keys_dir == NULL && a.n_key_files == 0);
	CHECK_STR(a.disk, "/var/lib/xen/images/d.img");
	CHECK_INT(a.domid, 3);
	TEST_END();

	TEST_BEGIN("our options: both --name=value and --name value, identity normalised");
	char *ours[] = { "pvboot",
			"--output",
			"/tmp/o",
			"--output-directory=/tmp/d",
			"--manifest",
			"file:///srv/m.json",
			"--key=/k/a.pub",
			"--key",
			"/k/b.pub",
			"--xen-uuid=0B5A1C9E-7D7E-4B8A-9A2E-3C4D5E6F7A8B",
			"--uuid",
			"4C4C4544-0042-3510-8052-B4C04F4E4D32",
			"--hostname=Web-01",
			"--domid=7",
			"--min-version=42",
			"--state=/var/lib/kxboot/fleet.state",
			"--retries=0",
			"--timeout=5",
			"--output-format=simple" };
	CHECK_INT(pvboot_args_parse(&a, ARGC(ours), ours, err, sizeof(err)), 0);
	CHECK_INT(a.n_key_files, 2);
	CHECK_STR(a.key_files[1], "/k/b.pub");
	CHECK_STR(a.id.xen_uuid, "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b");
	CHECK_STR(a.id.uuid, "4c4c4544-0042-3510-8052-b4c04f4e4d32");
	CHECK_STR(a.id.hostname, "web-01");
	CHECK_INT(a.domid, 7);
	CHECK_INT(a.min_version, 42);
	CHECK_INT(a.retries, 0);
	CHECK_INT(a.timeout_s, 5);
	CHECK_INT(a.format, PVBOOT_SIMPLE);
	CHECK(a.disk == NULL);
	CHECK(!pvboot_invoked_by_libxl(ARGC(ours), ours));
	TEST_END();

	TEST_BEGIN("refused argument lists, each with the reason");
	static const struct {
		const char *args[6];
		const char *why;
	} bad[] = {
		{ { "--output-directory=/d", "--manifest=http://h/m.json" }, "no --output" },
		{ { "--output=/o", "--manifest=http://h/m.json" }, "no --output-directory" },
		{ { "--output=/o", "--output-directory=/d" }, "no --manifest" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=/srv/m.json" }, "URL" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=gopher://h/m" }, "URL" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json",
		  "--output-format=json" },
		  "simple0 and simple" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json", "--runas=0" },
		  "above 0" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json",
		  "--manfest=http://h/x" },
		  "unknown option '--manfest'" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json", "--uuid=nope" },
		  "not a UUID" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json", "--quiet=1" },
		  "takes no value" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json", "a", "b" },
		  "unexpected argument 'a'" },
		{ { "--output=/o", "--output-directory=/d", "--manifest=http://h/m.json", "--retries=11" },
		  "0 to 10" },
		{ { "--output=/o", "--output-directory=/d", "--manifest" }, "wants a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[8] = { "kxboot-xen" };
		int argc = 1;
		for (size_t k = 0; k < 6 && bad[i].args[k]; k++)
			argv[argc++] = (char *)bad[i].args[k];
		err[0] = '\0';
		CHECK_INT(pvboot_args_parse(&a, argc, argv, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].why)) {
			printf("FAIL: %s: case %zu: '%s' does not say '%s'\n", test_current, i, err,
			       bad[i].why);
			test_failures++;
		}
	}
	TEST_END();

	TEST_BEGIN("--help needs nothing else");
	char *help[] = { "pvboot", "--help" };
	CHECK_INT(pvboot_args_parse(&a, 2, help, err, sizeof(err)), 0);
	CHECK(a.help);
	TEST_END();

	TEST_BEGIN("domain id from libxl's output path");
	CHECK_INT(pvboot_domid_from_output("/var/lib/xen/bootloader.5.out"), 5);
	CHECK_INT(pvboot_domid_from_output("bootloader.32751.out"), 32751);
	CHECK_INT(pvboot_domid_from_output("/run/xen/bootloader.32752.out"), -1); /* reserved */
	CHECK_INT(pvboot_domid_from_output("/var/lib/xen/bootloader.0.out"), -1);
	CHECK_INT(pvboot_domid_from_output("/var/lib/xen/bootloader.05.out"), -1);
	CHECK_INT(pvboot_domid_from_output("/var/lib/xen/bootloader..out"), -1);
	CHECK_INT(pvboot_domid_from_output("/var/lib/xen/bootloader.5.d"), -1);
	CHECK_INT(pvboot_domid_from_output("/tmp/out.fifo"), -1);
	TEST_END();

	TEST_BEGIN("simple0: NUL-terminated items exactly as parse_bootloader_result reads them");
	CHECK_INT(
	    pvboot_output_format(PVBOOT_SIMPLE0, "/d/k", "/d/r", "root=/dev/xvda1 ro", &out, &len),
	    0);
	static const char want0[] = "kernel /d/k\0ramdisk /d/r\0args root=/dev/xvda1 ro\0";
	CHECK_INT(len, sizeof(want0) - 1);
	CHECK(len == sizeof(want0) - 1 && !memcmp(out, want0, len));
	free(out);
	TEST_END();

	TEST_BEGIN("simple: newline-terminated; no ramdisk item without initrds; empty args");
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE, "/d/k", NULL, "", &out, &len), 0);
	CHECK_STR(out, "kernel /d/k\nargs \n");
	free(out);
	TEST_END();

	TEST_BEGIN("what libxl would drop or misread is refused");
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE, "/d/k", NULL, "a\nb", &out, &len), -EINVAL);
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE0, "", NULL, "x", &out, &len), -EINVAL);
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE0, "/d/k", "", "x", &out, &len), -EINVAL);
	char longline[PVBOOT_ITEM_MAX + 2];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	longline[PVBOOT_ITEM_MAX - 5] = '\0'; /* "args " + this = PVBOOT_ITEM_MAX bytes: fits */
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE0, "/d/k", NULL, longline, &out, &len), 0);
	CHECK_INT(len, strlen("kernel /d/k") + 1 + PVBOOT_ITEM_MAX + 1);
	free(out);
	longline[PVBOOT_ITEM_MAX - 5] = 'x'; /* one byte more: libxl would skip the item */
	longline[PVBOOT_ITEM_MAX - 4] = '\0';
	CHECK_INT(pvboot_output_format(PVBOOT_SIMPLE0, "/d/k", NULL, longline, &out, &len), -E2BIG);
	TEST_END();

	TEST_BEGIN("the domain config's args go after the manifest's, before \"--\"");
	static const struct {
		const char *cmdline, *extra, *want;
	} joins[] = {
		{ "root=/dev/xvda1 ro kxboot.target=a kxboot.manifest_version=3", "quiet",
		  "root=/dev/xvda1 ro kxboot.target=a kxboot.manifest_version=3 quiet" },
		{ "ro kxboot.target=a -- single", "quiet", "ro kxboot.target=a quiet -- single" },
		{ "ro \"x=a -- b\" -- init", "q", "ro \"x=a -- b\" q -- init" },
		{ "ro --foo x--", "q", "ro --foo x-- q" },
		{ "ro", NULL, "ro" },
		{ "ro", "  ", "ro" },
		{ "", "quiet", "quiet" },
		{ "-- init", "q", "q -- init" },
	};
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		char *got = pvboot_cmdline_join(joins[i].cmdline, joins[i].extra);
		CHECK_STR(got, joins[i].want);
		free(got);
	}
	TEST_END();

	TEST_BEGIN("xenstore settings dom0 may write (xen_setting_check)");
	static const struct {
		const char *key, *value;
		int want;
	} settings[] = {
		{ "manifest", "http://boot.example/fleet/manifest.json", 0 },
		{ "url", "tftp://10.0.0.1/pxelinux.cfg/default", 0 },
		{ "mode", "net", 0 },
		{ "mode", "network", -EINVAL },
		{ "timeout", "-1", 0 },
		{ "timeout", "86400", -EINVAL },
		{ "timeout", "5s", -EINVAL },
		{ "locked", "yes", 0 },
		{ "debug", "on", -EINVAL },
		{ "min_version", "42", 0 },
		{ "min_version", "-1", -EINVAL },
		{ "policy", "signed", 0 },
		{ "policy", "strict", -EINVAL },
		{ "entry", "Advanced options>Debian 6.1", 0 },
		{ "entry", "say \"hi\"", -EINVAL },
		{ "entry", "a\nb", -EINVAL },
		{ "manifest", "boot.example/manifest.json", -EINVAL },
		{ "manifest", "http://a b/", -EINVAL },
		{ "state", "kexec", -ENOENT },
		{ "Manifest", "http://x/m.json", -ENOENT },
	};
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		int r = xen_setting_check(settings[i].key, settings[i].value, err, sizeof(err));
		if (r != settings[i].want) {
			printf("FAIL: %s: %s=%s gives %d, want %d (%s)\n", test_current,
			       settings[i].key, settings[i].value, r, settings[i].want, err);
			test_failures++;
		}
	}
	TEST_END();

	TEST_BEGIN("rollout verdicts from data/kxboot (xen_report_judge)");
	char why[256];
	CHECK_INT(xen_report_judge(NULL, NULL, NULL, 0, why, sizeof(why)), XEN_REPORT_PENDING);
	CHECK_INT(xen_report_judge("starting", NULL, NULL, 3, why, sizeof(why)),
		  XEN_REPORT_PENDING);
	CHECK_INT(xen_report_judge("kexec", "3", NULL, 3, why, sizeof(why)), XEN_REPORT_BOOTED);
	CHECK_INT(xen_report_judge("pvboot", "4", NULL, 3, why, sizeof(why)), XEN_REPORT_BOOTED);
	CHECK_INT(xen_report_judge("kexec", "2", NULL, 3, why, sizeof(why)), XEN_REPORT_FAILED);
	CHECK(strstr(why, "older than version 3") != NULL);
	CHECK_INT(xen_report_judge("kexec", NULL, NULL, 0, why, sizeof(why)), XEN_REPORT_FAILED);
	CHECK(strstr(why, "not from a manifest") != NULL);
	/* An entry that failed before another booted leaves an error behind: still booted. */
	CHECK_INT(xen_report_judge("kexec", "3", "No such file", 3, why, sizeof(why)),
		  XEN_REPORT_BOOTED);
	CHECK_INT(xen_report_judge("failed", NULL, "Exec format error", 3, why, sizeof(why)),
		  XEN_REPORT_FAILED);
	CHECK(strstr(why, "Exec format error") != NULL);
	CHECK_INT(xen_report_judge("shell", NULL, NULL, 0, why, sizeof(why)), XEN_REPORT_FAILED);
	CHECK_INT(xen_report_judge("kexec", "x3", NULL, 0, why, sizeof(why)), XEN_REPORT_FAILED);
	TEST_END();

	TEST_EXIT();
}
