/* grub_legacy.h — GRUB legacy (0.97) menu.lst / grub.conf. */
#pragma once

#include "config.h"

extern const struct config_format config_format_grub_legacy;
