/* menu_ui.c — a line-oriented menu that works the same on a serial line, hvc0 and a VGA
 * console: it is redrawn as plain lines, never with cursor addressing. */
#include "menu_ui.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static void draw(struct consoles *c, const struct menu *m, int selected, bool locked)
{
	consoles_printf(c, "\r\n  kxboot: %s menu from %s\r\n\r\n", m->format ? m->format : "?",
			m->source_path ? m->source_path : "?");
	const struct boot_entry *prev = NULL;
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct boot_entry *e = &m->entries[i];
		for (size_t l = 0; l + 1 < e->depth; l++) {
			bool same = prev && prev->depth > l + 1;
			for (size_t k = 0; same && k <= l; k++)
				same = prev->levels[k].index == e->levels[k].index;
			if (!same)
				consoles_printf(c, "       %*s%s >\r\n", (int)(2 * l), "", e->levels[l].title);
		}
		consoles_printf(c, "  %s %2zu %*s%s%s\r\n", (int)i == selected ? "=>" : "  ", i,
				(int)(2 * (e->depth - 1)), "", e->title,
				(int)i == m->default_index ? "  (default)" : "");
		prev = e;
	}
	consoles_printf(c, "\r\n  Up/Down or a number, Enter boots%s.\r\n",
			locked ? "" : ", 'e' edits the command line, 's' opens a shell");
}

int menu_ui_run(struct consoles *c, const struct menu *m, int selected, int timeout, bool locked,
		struct menu_choice *ret)
{
	*ret = (struct menu_choice){ .action = MENU_ACTION_BOOT, .index = selected };
	if (m->n_entries == 0) {
		ret->action = MENU_ACTION_SHELL;
		return 0;
	}
	if (selected < 0 || (size_t)selected >= m->n_entries)
		selected = 0;
	if (timeout == 0) {
		ret->index = selected;
		return 0;
	}
	consoles_set_raw(c, true);
	draw(c, m, selected, locked);
	int remaining = timeout;
	bool counting = timeout > 0;
	int number = -1;
	for (;;) {
		if (counting)
			consoles_printf(c, "\r  Booting '%s' in %d s. Any key stops the countdown. ",
					m->entries[selected].title, remaining);
		int key, from = 0;
		int r = consoles_read_key(c, counting ? 1000 : -1, &key, &from);
		if (r < 0)
			break;
		if (key == KEY_NONE) {
			if (counting && --remaining <= 0)
				break;
			continue;
		}
		if (counting) {
			counting = false;
			consoles_write(c, "\r\n", 2);
		}
		if (key >= '0' && key <= '9') {
			number = (number < 0 ? 0 : number * 10) + (key - '0');
			if (number >= 0 && (size_t)number < m->n_entries) {
				selected = number;
				consoles_printf(c, "\r  selected %d: %s          ", selected,
						m->entries[selected].title);
			}
			if ((size_t)number * 10 >= m->n_entries)
				number = -1;
			continue;
		}
		number = -1;
		if (key == KEY_UP || key == KEY_DOWN) {
			if (key == KEY_UP)
				selected = selected > 0 ? selected - 1 : (int)m->n_entries - 1;
			else
				selected = (size_t)(selected + 1) < m->n_entries ? selected + 1 : 0;
			draw(c, m, selected, locked);
			continue;
		}
		if (key == KEY_ENTER)
			break;
		if (locked)
			continue;
		if (key == 'e') {
			const struct boot_entry *e = &m->entries[selected];
			char *line = consoles_read_line(c, from, "  command line> ", e->cmdline);
			if (line) {
				free(ret->cmdline);
				ret->cmdline = line;
				break;
			}
			draw(c, m, selected, locked);
			continue;
		}
		if (key == 's') {
			ret->action = MENU_ACTION_SHELL;
			break;
		}
	}
	consoles_write(c, "\r\n", 2);
	consoles_set_raw(c, false);
	ret->index = selected;
	return 0;
}
