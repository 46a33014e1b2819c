/* boot.h — from a menu entry to a loaded kernel: choosing, opening files, the fallback
 * order, and the plan that `kxboot boot --dry-run` prints. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "entry.h"
#include "lookup.h"

struct boot_plan {
	const struct boot_entry *entry;
	int kernel_fd;
	uint64_t kernel_size;
	int initrd_fd; /* all initrds concatenated (4-byte aligned, as GRUB does); -1 none */
	uint64_t initrd_size;
	int *module_fds;
	size_t n_modules;
	char *cmdline;
	bool multiboot;
};

/* The entry kxboot.entry= names: an index into the menu's entries, an id or title, or a GRUB
 * path ("1>2", "Advanced options>..."). -1 with a warning when it names nothing. */
int boot_find_entry(const struct menu *m, const char *spec);
/* Candidates in the order they are tried: first, then the config's fallbacks, then every
 * other entry in menu order. Returns the count written to ret (at most max). */
size_t boot_candidates(const struct menu *m, int first, int *ret, size_t max);
/* Open the kernel, initrds and modules of e. Says on the console what is missing. */
int boot_plan_prepare(const struct lookup *lk, const struct menu *m, const struct boot_entry *e,
		      struct boot_plan *ret);
void boot_plan_print(FILE *out, const struct menu *m, const struct boot_plan *p);
/* Load the plan into the kernel (kexec_file_load, else kexec-tools). */
int boot_plan_load(const struct boot_plan *p);
void boot_plan_free(struct boot_plan *p);
/* SHA-256 (hex) and size of what an fd holds, read from offset 0 with pread. 0 or -errno. */
int boot_fd_sha256(int fd, char ret_hex[65], uint64_t *ret_size);
