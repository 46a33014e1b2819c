/* pvboot.h — `kxboot-xen pvboot`: libxl's bootloader protocol (bootloader= of a PV or PVH
 * domain, tools/libs/light/libxl_bootloader.c) answered from a signed manifest instead of the
 * guest's disk. The disk path libxl passes is never opened.
 *
 * libxl runs the bootloader as
 *   BOOTLOADER [--kernel=K] [--ramdisk=R] [--args=CMDLINE] [--runas=UID --quiet]
 *              --output=FILE --output-format=simple0 --output-directory=DIR
 *              BOOTLOADER_ARGS... DISK
 * and, once it exits with status 0, reads FILE: NUL-terminated items "kernel PATH",
 * "ramdisk PATH", "args CMDLINE" (items longer than PATH_MAX * 2 - 1 are skipped, so longer
 * ones are refused here). It maps and unlinks the kernel and ramdisk, and removes DIR. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "minisign.h"

#define PVBOOT_KEYS_DIR "/etc/kxboot/keys"
#define PVBOOT_ITEM_MAX 8191 /* libxl's buffer: PATH_MAX * 2, with the NUL */

enum pvboot_format {
	PVBOOT_SIMPLE0, /* items end with NUL (what libxl asks for) */
	PVBOOT_SIMPLE,	/* items end with a newline */
};

struct pvboot_args {
	/* From libxl */
	const char *output;	   /* --output= */
	enum pvboot_format format; /* --output-format= */
	const char *output_dir;	   /* --output-directory= */
	const char *kernel;	/* --kernel=, --ramdisk=: paths inside the guest's disk (pygrub); */
	const char *ramdisk;	/*   not used: the manifest names the kernel */
	const char *extra_args; /* --args=: the domain's cmdline/extra, appended */
	long runas;		/* --runas=UID (bootloader_restrict): fetch as this user; -1 */
	bool quiet;		/* --quiet */
	const char *disk;	/* the last positional argument; never opened */
	/* From bootloader_args */
	const char *manifest; /* --manifest=URL */
	const char *keys_dir; /* --keys=DIR; PVBOOT_KEYS_DIR when no key is given at all */
	const char *key_files[MINISIGN_KEYS_MAX]; /* --key=FILE */
	size_t n_key_files;
	struct machine_identity id; /* --uuid= --xen-uuid= --mac= --hostname= (empty: not given) */
	long domid;		    /* --domid=, else from --output's name; -1 unknown */
	uint64_t min_version;	    /* --min-version= floor */
	const char *state;	    /* --state=FILE: highest manifest version seen */
	const char *ca_file;	    /* --cacert= */
	const char *pin;	    /* --pin=sha256//... */
	unsigned retries;	    /* --retries= (FETCH_RETRIES_DEFAULT) */
	unsigned timeout_s;	    /* --timeout= per connection (0: fetch's default) */
	bool help;
};

/* Parse what libxl passes (argv[0] is the program or "pvboot" and is skipped). Options take
 * "--name=value" or "--name value"; a positional "pvboot" before the disk is ignored, so the
 * subcommand may come from bootloader_args. 0, or -EINVAL with err saying why. */
int pvboot_args_parse(struct pvboot_args *ret, int argc, char **argv, char *err, size_t err_len);
/* The domain id in libxl's output path (XEN_LIB_DIR/bootloader.<domid>.out), or -1. */
long pvboot_domid_from_output(const char *output);
/* Is this how libxl starts a bootloader? (an argument "--output=..." among the options) */
bool pvboot_invoked_by_libxl(int argc, char **argv);

/* The result file: "kernel K", "ramdisk R" (when R is not NULL), "args C", each ended by NUL
 * (simple0) or a newline (simple). 0, or -EINVAL (a newline in an item of the simple format,
 * an empty path) or -E2BIG (an item libxl would skip); *ret allocated. */
int pvboot_output_format(enum pvboot_format f, const char *kernel, const char *ramdisk,
			 const char *cmdline, char **ret, size_t *ret_len);
/* The manifest's command line with the domain config's words added before any "--" (what
 * follows "--" is for init). extra may be NULL or empty. Allocated. */
char *pvboot_cmdline_join(const char *cmdline, const char *extra);

/* What pvboot_load chose and wrote. */
struct pvboot_loaded {
	uint64_t version;
	char target[MANIFEST_NAME_MAX + 1];
	char rule[MANIFEST_NAME_MAX + 8];
	bool recovery; /* the recovery target, because the chosen one failed or no rule matched */
	bool have_ramdisk;
	uint64_t kernel_size, ramdisk_size;
	char kernel_sha256[65];
	char signer[17]; /* key id */
	char *cmdline;	 /* allocated: manifest_cmdline + extra_args */
};
void pvboot_loaded_free(struct pvboot_loaded *l);

/* Fetch a's manifest, verify it with kr, check it against p, choose the target for a->id
 * (the recovery target when no rule matches or the chosen one cannot be fetched), fetch its
 * kernel and initrds against the manifest's SHA-256 and size, and write the kernel to
 * kernel_fd and the initrds (concatenated, 4-byte aligned) to ramdisk_fd; both start empty.
 * 0, or -errno with err saying why. */
int pvboot_load(const struct pvboot_args *a, const struct minisign_keyring *kr,
		const struct manifest_policy *p, int kernel_fd, int ramdisk_fd,
		struct pvboot_loaded *ret, char *err, size_t err_len);
