/* syslinux.h — SYSLINUX/EXTLINUX/ISOLINUX/PXELINUX configuration files. */
#pragma once

#include "config.h"

extern const struct config_format config_format_syslinux;
