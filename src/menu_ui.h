/* menu_ui.h — the boot menu on the consoles: entries with submenus, the default marked, a
 * countdown; arrows or numbers select, Enter boots, 'e' edits the command line, 's' opens
 * the rescue shell. */
#pragma once

#include <stdbool.h>

#include "console.h"
#include "entry.h"

enum menu_action {
	MENU_ACTION_BOOT,
	MENU_ACTION_SHELL,
};

struct menu_choice {
	enum menu_action action;
	int index;     /* entry to boot */
	char *cmdline; /* edited command line, or NULL */
};

/* timeout: seconds, 0 boots at once without showing the menu, -1 waits for ever. */
int menu_ui_run(struct consoles *c, const struct menu *m, int selected, int timeout, bool locked,
		struct menu_choice *ret);
