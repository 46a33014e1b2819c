/* cmd_boot.c — `kxboot boot`: choose and load an entry; with --dry-run print the plan. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "cli.h"
#include "kexec.h"
#include "limits.h"
#include "log.h"
#include "util.h"

int cmd_boot(int argc, char **argv)
{
	struct menu_request req = { 0 };
	bool dry_run = false, really = false;
	const char *entry = NULL;
	for (int i = 1; i < argc; i++) {
		int r = cli_parse_menu_option(&req, argc, argv, &i);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(argv[i], "--really-kexec-this-machine")) {
			really = true;
		} else if (!strcmp(argv[i], "--entry") && i + 1 < argc) {
			entry = argv[++i];
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: kxboot boot --dry-run [--root DIR]... [--config FILE] [--format NAME] [--entry X]\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "kxboot boot: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	/* Safety: a real kexec replaces the running system. Only /init (PID 1 in kxboot's own
	 * image) does it, or a caller who says so in so many words. */
	if (!dry_run && !really) {
		fprintf(stderr, "kxboot boot: refusing to kexec this machine; use --dry-run\n");
		return EXIT_USAGE;
	}
	struct volume_set vs;
	struct menu m = { 0 };
	volume_set_init(&vs);
	int code = EXIT_FAIL;
	if (cli_load_menu(&req, &vs, &m) < 0)
		goto out;
	if (m.n_entries == 0) {
		log_err("The config has no bootable entry");
		code = EXIT_NOTHING;
		goto out;
	}
	int first = m.default_index;
	if (entry) {
		first = boot_find_entry(&m, entry);
		if (first < 0) {
			code = EXIT_USAGE;
			goto out;
		}
	}
	if (first < 0)
		first = 0;
	int order[MENU_ENTRIES_MAX];
	size_t n = boot_candidates(&m, first, order, ARRAY_SIZE(order));
	for (size_t k = 0; k < n; k++) {
		const struct boot_entry *e = &m.entries[order[k]];
		if (k > 0)
			log_info("Trying the next entry: '%s'", e->title);
		struct boot_plan plan;
		if (boot_plan_prepare(&vs.lookup, &m, e, &plan) < 0)
			continue;
		if (dry_run) {
			boot_plan_print(stdout, &m, &plan);
			boot_plan_free(&plan);
			code = EXIT_OK;
			goto out;
		}
		int r = boot_plan_load(&plan);
		boot_plan_free(&plan);
		if (r == 0) {
			r = kexec_reboot();
			log_err("kexec failed: %s", strerror(-r));
		}
	}
	log_err("No entry could be loaded");
out:
	menu_free(&m);
	volume_set_free(&vs);
	return code;
}
