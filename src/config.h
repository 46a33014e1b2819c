/* config.h — the table of config formats kxboot reads, and discovery on one volume. */
#pragma once

#include "entry.h"
#include "lookup.h"

/* Where a config file was read from: its volume and absolute path there. */
struct config_source {
	const struct lookup *lookup;
	const char *device; /* volume id */
	const char *path;
};

struct config_format {
	const char *name;	     /* "grub2", ... as in `kxboot list --json` */
	const char *const *paths;    /* locations tried, in order of preference */
	/* Parse text read from src into m (zeroed by the caller). Problems are logged with
	 * file:line; the result keeps every entry that could be read. 0 or -errno only when
	 * nothing usable came out. */
	int (*parse)(const struct config_source *src, const char *text, size_t len,
		     struct menu *m);
	/* Formats spread over a directory (BLS) load instead of parse: src->path names the
	 * directory. NULL for single-file formats. */
	int (*load)(const struct config_source *src, struct menu *m);
};

extern const struct config_format *const config_formats[];

const struct config_format *config_format_by_name(const char *name);
/* Guess the format of a file from its path (and text); NULL if unknown. */
const struct config_format *config_format_guess(const char *path, const char *text);

/* Find the preferred config on a volume and parse it. -ENOENT when there is none. */
int config_discover(const struct lookup *lk, const char *device, struct menu *ret_menu);
/* Parse one named file on a volume with a given (or guessed, when fmt is NULL) format. */
int config_load(const struct lookup *lk, const char *device, const char *path,
		const struct config_format *fmt, struct menu *ret_menu);
