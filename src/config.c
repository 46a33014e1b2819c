/* config.c — the table of config formats, and finding the preferred config on a volume. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "bls.h"
#include "grub2/grub2.h"
#include "grub_legacy.h"
#include "ipxe.h"
#include "limits.h"
#include "log.h"
#include "syslinux.h"
#include "util.h"

/* Order of preference when a filesystem holds several configs: GRUB 2 is what the firmware
 * most likely ran, BLS entries stand on their own only without a grub.cfg, syslinux is the
 * choice of media that ship no GRUB, and a menu.lst left next to a grub.cfg is stale. */
const struct config_format *const config_formats[] = {
	&config_format_grub2,
	&config_format_bls,
	&config_format_syslinux,
	&config_format_grub_legacy,
	&config_format_ipxe, /* never found on disks: only fetched or named */
	NULL,
};

const struct config_format *config_format_by_name(const char *name)
{
	for (size_t i = 0; config_formats[i]; i++)
		if (strcmp(config_formats[i]->name, name) == 0)
			return config_formats[i];
	return NULL;
}

const struct config_format *config_format_guess(const char *path, const char *text)
{
	/* iPXE knows a script by its first line, whatever its name. */
	if (text && (str_startswith(text, "#!ipxe") || str_startswith(text, "#!gpxe")))
		return &config_format_ipxe;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (str_endswith(base, ".lst") || strcmp(base, "grub.conf") == 0)
		return &config_format_grub_legacy;
	if (str_endswith(path, "/loader/entries") || str_endswith(path, "/entries"))
		return &config_format_bls;
	if (strcasestr(base, "syslinux") || strcasestr(base, "extlinux") ||
	    strcasestr(base, "isolinux") || strcasestr(base, "pxelinux"))
		return &config_format_syslinux;
	if (text) {
		/* Only GRUB 2 writes menuentry; only syslinux starts lines with LABEL. */
		if (strstr(text, "menuentry") || strstr(text, "submenu"))
			return &config_format_grub2;
		if (strstr(text, "\ntitle") || str_startswith(text, "title"))
			return &config_format_grub_legacy;
		if (strcasestr(text, "label ") || strcasestr(text, "\ndefault ") ||
		    strcasestr(text, "include "))
			return &config_format_syslinux;
		if (strstr(text, "\nlinux") || str_startswith(text, "linux"))
			return &config_format_bls;
	}
	return &config_format_grub2;
}

int config_load(const struct lookup *lk, const char *device, const char *path,
		const struct config_format *fmt, struct menu *ret_menu)
{
	struct config_source src = { .lookup = lk, .device = device, .path = path };
	enum lookup_type type;
	int r = lookup_stat(lk, device, path, &type, NULL);
	if (r < 0)
		return r;
	if (type == LOOKUP_TYPE_DIR) {
		if (!fmt)
			fmt = &config_format_bls;
		if (!fmt->load)
			return -EISDIR;
		return fmt->load(&src, ret_menu);
	}
	char *text = NULL;
	size_t len = 0;
	r = lookup_read(lk, device, path, CONFIG_FILE_MAX, &text, &len);
	if (r == -EFBIG)
		log_at(LOG_ERR, path, 0, "larger than %u bytes, not read", CONFIG_FILE_MAX);
	if (r < 0)
		return r;
	if (!fmt)
		fmt = config_format_guess(path, text);
	if (!fmt->parse) {
		log_err("%s: a %s config is a directory, not a file", path, fmt->name);
		free(text);
		return -ENOTSUP;
	}
	r = fmt->parse(&src, text, len, ret_menu);
	free(text);
	return r;
}

/* Expand one '*' component ("/EFI/ * /grub.cfg") into matching existing files, sorted. */
static int discover_glob(const struct lookup *lk, const char *device, const char *pattern,
			 const struct config_format *fmt, struct menu *ret_menu)
{
	const char *star = strchr(pattern, '*');
	const char *slash = star;
	while (slash > pattern && slash[-1] != '/')
		slash--;
	char *dir = xstrndup(pattern, (size_t)(slash - pattern));
	const char *after = strchr(star, '/');
	char *component = after ? xstrndup(slash, (size_t)(after - slash)) : xstrdup(slash);
	char **names = NULL;
	size_t n = 0;
	int r = -ENOENT;
	if (lookup_list(lk, device, dir[0] ? dir : "/", &names, &n) >= 0) {
		for (size_t i = 0; i < n && r == -ENOENT; i++) {
			if (fnmatch(component, names[i], FNM_CASEFOLD) != 0)
				continue;
			char *path = xasprintf("%s%s%s", dir, names[i], after ? after : "");
			enum lookup_type type;
			if (lookup_stat(lk, device, path, &type, NULL) == 0 &&
			    type == LOOKUP_TYPE_FILE) {
				r = config_load(lk, device, path, fmt, ret_menu);
				if (r < 0)
					menu_free(ret_menu);
			}
			free(path);
		}
		strv_free_array(names);
	}
	free(dir);
	free(component);
	return r;
}

int config_discover(const struct lookup *lk, const char *device, struct menu *ret_menu)
{
	for (size_t f = 0; config_formats[f]; f++) {
		const struct config_format *fmt = config_formats[f];
		for (size_t p = 0; fmt->paths[p]; p++) {
			const char *path = fmt->paths[p];
			int r;
			if (strchr(path, '*')) {
				r = discover_glob(lk, device, path, fmt, ret_menu);
			} else {
				enum lookup_type type;
				if (lookup_stat(lk, device, path, &type, NULL) < 0)
					continue;
				if ((type == LOOKUP_TYPE_DIR) != (fmt->load != NULL))
					continue;
				r = config_load(lk, device, path, fmt, ret_menu);
			}
			if (r >= 0)
				return 0;
			if (r != -ENOENT)
				log_warn("Failed to read %s config '%s': %s, trying the next one",
					 fmt->name, path, strerror(-r));
			menu_free(ret_menu);
		}
	}
	return -ENOENT;
}
