/* entry.h — the boot-entry model every config format produces: a menu of boot entries. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum boot_kind {
	BOOT_KIND_LINUX,
	BOOT_KIND_MULTIBOOT, /* Xen and other multiboot(2) kernels, with modules */
};

/* A file an entry needs, and the volume it lives on. device is a lookup volume id, or, when
 * the config names a device kxboot cannot resolve, the device as written ("(hd1,gpt2)"). */
struct boot_file {
	char *device;
	char *path;
};

struct boot_module {
	struct boot_file file;
	char *cmdline;
};

/* One level of the menu hierarchy: a submenu above the entry, or the entry itself. index
 * counts every item at that level (entries and submenus, bootable or not), as GRUB does. */
struct menu_level {
	char *title;
	char *id;
	unsigned index;
};

struct boot_entry {
	char *id;
	char *title;
	struct menu_level *levels; /* levels[depth-1] is the entry itself */
	size_t depth;
	enum boot_kind kind;
	bool bootable;		   /* has a kernel kxboot can start */
	bool locked;		   /* password or --users: needs authentication in the original */
	struct boot_file kernel;   /* path NULL when the entry loads no kernel */
	struct boot_file *initrds;
	size_t n_initrds;
	char *cmdline;		   /* NULL when none given */
	struct boot_file devicetree; /* path NULL when none */
	struct boot_module *modules;
	size_t n_modules;
	char *source_file; /* config file and line the entry was defined at */
	unsigned source_line;
};

struct menu {
	const char *format;  /* "grub2", "grub-legacy", "syslinux", "bls", "ipxe" */
	char *source_device; /* volume id the config was read from */
	char *source_path;
	struct boot_entry *entries; /* every menu item, bootable or not, depth-first */
	size_t n_entries, entries_cap;
	int default_index; /* into entries; -1 when nothing is booted without a key */
	bool has_timeout;
	int timeout;	   /* seconds; -1 waits for ever */
	int *fallback;	   /* indices into entries */
	size_t n_fallback;
	bool hidden;	   /* hiddenmenu / timeout_style=hidden */
};

void boot_file_set(struct boot_file *f, const char *device, const char *path);
void boot_file_clear(struct boot_file *f);

/* Append a new, zeroed entry whose levels are the given parent levels plus one. */
struct boot_entry *menu_add_entry(struct menu *m, const struct menu_level *parents, size_t depth,
				  const char *title, const char *id, unsigned index);
void boot_entry_add_initrd(struct boot_entry *e, const char *device, const char *path);
void boot_entry_add_module(struct boot_entry *e, const char *device, const char *path,
			   const char *cmdline);
void boot_entry_clear(struct boot_entry *e);
void menu_free(struct menu *m);

/* GRUB's rules for `default`/`fallback`/`saved_entry` values: a number (index at the top
 * level), an id or a title, or a '>'-separated path into submenus ("1>2", ">>" escapes '>').
 * A path that stops at a submenu selects that submenu's first item. Returns the entry index
 * or -1. */
int menu_find_grub(const struct menu *m, const char *spec);
/* Index of the entry with this id (syslinux LABEL, BLS id) or title; -1 if none. */
int menu_find_id(const struct menu *m, const char *id);

/* Drop entries that are not bootable, remapping default and fallback (a default that is
 * not bootable moves to the first bootable fallback, else -1). */
void menu_keep_bootable(struct menu *m);
