/* cli.h — kxboot's subcommands; each is `int cmd_NAME(int argc, char **argv)` returning an
 * exit code (see kxboot(8), EXIT STATUS). */
#pragma once

#include <stdio.h>

#include "entry.h"
#include "fs/volume.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	   /* the command ran and failed: no config, fetch or check failed */
	EXIT_USAGE = 2,	   /* bad arguments */
	EXIT_NOTHING = 3,  /* a config was read but holds no bootable entry */
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_list(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_dhcp6(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_publish(int argc, char **argv);

/* Load the menu named by --root/--config/--format the way `list` and `boot --dry-run` do.
 * On success vs holds the volumes and m the menu (bootable entries only). */
struct menu_request {
	const char *roots[64];
	size_t n_roots;
	const char *config;
	const char *format;
};
int cli_load_menu(const struct menu_request *req, struct volume_set *vs, struct menu *m);
/* Parse one --root/--config/--format option at argv[*i]; 1 consumed, 0 not ours, <0 error. */
int cli_parse_menu_option(struct menu_request *req, int argc, char **argv, int *i);

void menu_print_text(FILE *out, const struct menu *m);
void menu_print_json(FILE *out, const struct menu *m);
