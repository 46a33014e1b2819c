/* syslinux.h — SYSLINUX/EXTLINUX/ISOLINUX/PXELINUX configuration files. */
#pragma once

#include "config.h"

extern const struct config_format config_format_syslinux;

/* Parse syslinux config text read from src into m (zeroed by the caller), reading INCLUDEd
 * files through src->lookup on src->device. Relative names (kernels, initrds, INCLUDEs) are
 * taken from syslinux's working directory: the directory of src->path. Always 0; problems
 * are logged with file:line. */
int syslinux_parse_text(const struct config_source *src, const char *text, size_t len,
			struct menu *m);

/* The same with an explicit working directory, for PXELINUX: there it is the directory
 * pxelinux.0 was loaded from, not pxelinux.cfg/ where the config lives. */
int syslinux_parse_text_in(const struct config_source *src, const char *workdir, const char *text,
			   size_t len, struct menu *m);
