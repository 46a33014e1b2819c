/* lookup.h — the one interface through which parsers ask about files and devices.
 *
 * Parsers are pure: they never open files themselves. fs/ implements this for mounted
 * filesystems (and for folders standing for filesystems, `kxboot list --root`), net/ for
 * files on a boot server, tests for folders. A volume is named by an id string that the
 * implementation hands out ("uuid:...", "label:...", "tftp:..."); ids are also what the boot
 * entries record as the device a file lives on. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum lookup_search {
	LOOKUP_BY_FS_UUID,
	LOOKUP_BY_LABEL,
	LOOKUP_BY_FILE,
};

enum lookup_type {
	LOOKUP_TYPE_NONE,
	LOOKUP_TYPE_FILE,
	LOOKUP_TYPE_DIR,
};

struct lookup_ops {
	/* Map a device name to a volume id. name is a GRUB device without parentheses
	 * ("hd0,gpt2", "hd1,msdos1", "hd0,2") or a volume id. ret_id stays valid as long as the
	 * lookup. -ENODEV when nothing matches. */
	int (*device)(void *ctx, const char *name, const char **ret_id);
	/* First volume (in firmware disk order) whose UUID / label matches or which holds the
	 * file. ret_name is what GRUB would set $root to (e.g. "hd0,gpt2"), or the volume id
	 * when the volume has no GRUB name. -ENOENT when nothing matches. */
	int (*search)(void *ctx, enum lookup_search kind, const char *key, const char **ret_name);
	/* Type and size of an absolute path on a volume. -ENOENT if missing. */
	int (*stat)(void *ctx, const char *id, const char *path, enum lookup_type *ret_type,
		    uint64_t *ret_size);
	/* Whole file, at most max bytes (-EFBIG beyond), NUL-terminated; caller frees. */
	int (*read)(void *ctx, const char *id, const char *path, size_t max, char **ret_data,
		    size_t *ret_len);
	/* Names in a directory, sorted bytewise; caller frees each and the array. */
	int (*list)(void *ctx, const char *id, const char *path, char ***ret_names,
		    size_t *ret_count);
	/* The GRUB name of a volume ("hd0,gpt2") or NULL when unknown. Optional. */
	const char *(*grub_name)(void *ctx, const char *id);
	/* A read-only file descriptor on a regular file, for loading kernels without a copy.
	 * Optional: lookup_open falls back to read into a memory file. */
	int (*open)(void *ctx, const char *id, const char *path, int *ret_fd);
};

struct lookup {
	const struct lookup_ops *ops;
	void *ctx;
};

int lookup_device(const struct lookup *lk, const char *name, const char **ret_id);
int lookup_search(const struct lookup *lk, enum lookup_search kind, const char *key,
		  const char **ret_name);
int lookup_stat(const struct lookup *lk, const char *id, const char *path,
		enum lookup_type *ret_type, uint64_t *ret_size);
int lookup_read(const struct lookup *lk, const char *id, const char *path, size_t max,
		char **ret_data, size_t *ret_len);
int lookup_list(const struct lookup *lk, const char *id, const char *path, char ***ret_names,
		size_t *ret_count);
const char *lookup_grub_name(const struct lookup *lk, const char *id);
/* A readable fd for a regular file of at most max bytes (-EFBIG beyond). */
int lookup_open(const struct lookup *lk, const char *id, const char *path, uint64_t max,
		int *ret_fd);
