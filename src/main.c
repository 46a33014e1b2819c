/* main.c — kxboot: the /init of the kxboot image, and the same program as a host tool. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "init.h"

static const struct cli_command commands[] = {
	{ "list", cmd_list, "show the boot menu found on filesystems or in a config file" },
	{ "boot", cmd_boot, "choose and load an entry (--dry-run prints the plan)" },
	{ "fetch", cmd_fetch, "download a URL, verifying its SHA-256 and size" },
	{ "dhcp6", cmd_dhcp6, "ask DHCPv6 on one interface and print the lease (netns tests)" },
	{ "manifest", cmd_manifest, "verify a signed manifest, or show what a machine boots from it" },
	{ "publish", cmd_publish, "lay out kernels by hash and write + sign manifest.json" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kxboot COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nSee kxboot(8).\n");
}

int main(int argc, char **argv)
{
	/* In kxboot's own image the kernel starts us as /init. */
	if (getpid() == 1)
		return init_main();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kxboot: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
