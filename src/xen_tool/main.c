/* main.c — kxboot-xen, kxboot's dom0 tool: per-domain settings, reports, staged rollouts,
 * and pvboot (a PV/PVH domain's bootloader= fed by a signed manifest). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pvboot.h"
#include "xen_tool/xentool.h"

static const struct cli_command commands[] = {
	{ "list", xentool_cmd_list, "every domain with its kxboot settings and reports (--json)" },
	{ "set", xentool_cmd_set, "set or remove a domain's kxboot settings in xenstore" },
	{ "rollout", xentool_cmd_rollout, "give domains a manifest; reboot them in batches" },
	{ "pvboot", xentool_cmd_pvboot, "libxl bootloader for PV/PVH domains (bootloader=)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kxboot-xen COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nAs a domain's bootloader= (libxl runs it with --output=...), it is pvboot.\n");
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	/* libxl runs bootloader= with its own options first and bootloader_args after them, so
	 * "pvboot" may come late or not at all: --output= says it is libxl. */
	if (!strcmp(base, "kxboot-pvboot") || pvboot_invoked_by_libxl(argc, argv))
		return xentool_cmd_pvboot(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	int rc = -1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			rc = commands[i].run(argc - 1, argv + 1);
	if (rc < 0) {
		fprintf(stderr, "kxboot-xen: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	xentool_libxl_free();
	xentool_xs_close();
	return rc;
}
