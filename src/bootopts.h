/* bootopts.h — kxboot's options from the kernel command line (kxboot(8), OPTIONS). */
#pragma once

#define KXBOOT_KEYS_DIR "/etc/kxboot/keys" /* trusted minisign keys in the image */

#include <stdbool.h>

enum boot_mode {
	BOOT_MODE_AUTO,	    /* disk configs, then network, then rescue shell */
	BOOT_MODE_DISK,
	BOOT_MODE_NET,
	BOOT_MODE_RECOVERY, /* skip the disk */
};

struct boot_options {
	char *entry;	     /* kxboot.entry=: index, id, title or submenu path */
	int timeout;	     /* kxboot.timeout=, -2 when not given */
	bool locked;	     /* kxboot.locked: no editing, no shell */
	bool debug;	     /* kxboot.debug */
	enum boot_mode mode; /* kxboot.mode= */
	char *url;	     /* kxboot.url= */
	char *manifest;	     /* kxboot.manifest= */
	char *ip;	     /* ip= (kernel nfsroot syntax) */
	unsigned long long min_version; /* kxboot.min_version=: lowest manifest version accepted */
	bool policy_signed;  /* kxboot.policy=signed: disk entries only when a manifest lists them */
	bool insecure;	     /* kxboot.insecure */
	char *pin;	     /* kxboot.pin=sha256//BASE64: HTTPS public-key pin */
	bool dry_run;	     /* kxboot.dry_run: print the plan, do not kexec */
	char *consoles[8];   /* console= devices in order ("ttyS0", "hvc0", "tty0") */
	int n_consoles;
};

/* Parse a kernel command line (the kernel's quoting: "..." groups words). */
void boot_options_parse(struct boot_options *o, const char *cmdline);
void boot_options_free(struct boot_options *o);
/* Split a kernel command line into words the way the kernel does; caller frees. */
char **cmdline_split(const char *cmdline, int *ret_count);
