/* memfs.h — an in-memory lookup (lookup.h) for unit tests and fuzzers: volumes and files
 * given as tables, no disk needed. */
#pragma once

#include <stddef.h>

#include "lookup.h"

struct memfs_file {
	const char *device; /* volume id; NULL = the first volume */
	const char *path;   /* absolute */
	const char *data;   /* NUL-terminated text, or len bytes */
	size_t len;	    /* 0: strlen(data) */
};

struct memfs_volume {
	const char *id;	       /* "uuid:1234-5678" */
	const char *uuid;
	const char *label;
	const char *grub_name; /* "hd0,msdos1" or NULL */
};

struct memfs {
	const struct memfs_volume *volumes;
	size_t n_volumes;
	const struct memfs_file *files;
	size_t n_files;
	struct lookup lookup;
};

/* Point m->lookup at m; volumes[0] is the default volume for files with device NULL. */
void memfs_init(struct memfs *m, const struct memfs_volume *volumes, size_t n_volumes,
		const struct memfs_file *files, size_t n_files);
