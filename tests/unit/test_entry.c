/* test_entry.c — GRUB's rules for default values over a menu with submenus (GRUB manual
 * "default", and normal/menu.c's '>' paths). */
#include "entry.h"
#include "test.h"

/* Menu:  0 "Debian"  (id deb)
 *        1 submenu "Advanced options" (id adv): 0 "Debian 6.1" (id d61), 1 "Debian 6.1 recovery", 2 "Debian 5.10"
 *        2 "Windows" (not bootable)
 *        3 "Memtest >> test" */
static void build(struct menu *m)
{
	struct menu_level adv = { .title = "Advanced options", .id = "adv", .index = 1 };
	struct boot_entry *e;
	e = menu_add_entry(m, NULL, 0, "Debian", "deb", 0);
	e->bootable = true;
	e = menu_add_entry(m, &adv, 1, "Debian 6.1", "d61", 0);
	e->bootable = true;
	e = menu_add_entry(m, &adv, 1, "Debian 6.1 recovery", NULL, 1);
	e->bootable = true;
	e = menu_add_entry(m, &adv, 1, "Debian 5.10", NULL, 2);
	e->bootable = true;
	e = menu_add_entry(m, NULL, 0, "Windows", NULL, 2);
	e = menu_add_entry(m, NULL, 0, "Memtest > test", NULL, 3);
	e->bootable = true;
}

int main(void)
{
	struct menu m = { 0 };
	build(&m);
	static const struct {
		const char *spec;
		int want;
	} cases[] = {
		{ NULL, 0 },
		{ "", 0 },
		{ "0", 0 },
		{ "1", 1 },		 /* a submenu: its first item */
		{ "1>2", 3 },
		{ "1>1", 2 },
		{ "2", 4 },
		{ "3", 5 },
		{ "9", 0 },		 /* out of range: item 0 */
		{ "0x3", 5 },		 /* strtoul base 0 */
		{ "deb", 0 },
		{ "Debian", 0 },
		{ "adv>d61", 1 },
		{ "Advanced options>Debian 5.10", 3 },
		{ "Advanced options>Debian 6.1 recovery", 2 },
		{ "Advanced options>nonexistent", 1 }, /* submenu's item 0 */
		{ "Memtest >> test", 5 },
		{ "nothing", 0 },
		{ "1>", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		snprintf(name, sizeof(name), "menu_find_grub(%s)", cases[i].spec ? cases[i].spec : "NULL");
		TEST_BEGIN(name);
		CHECK_INT(menu_find_grub(&m, cases[i].spec), cases[i].want);
		TEST_END();
	}

	TEST_BEGIN("menu_keep_bootable remaps default and fallback");
	m.default_index = 4; /* Windows */
	m.fallback = malloc(2 * sizeof(int));
	m.fallback[0] = 4;
	m.fallback[1] = 3;
	m.n_fallback = 2;
	menu_keep_bootable(&m);
	CHECK_INT(m.n_entries, 5);
	CHECK_INT(m.n_fallback, 1);
	CHECK_INT(m.fallback[0], 3);
	CHECK_INT(m.default_index, 3);
	CHECK_STR(m.entries[4].title, "Memtest > test");
	TEST_END();
	menu_free(&m);
	TEST_EXIT();
}
