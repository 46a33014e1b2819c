/* grub2.h — GRUB 2 configuration: an interpreter for GRUB's script language. */
#pragma once

#include "config.h"

extern const struct config_format config_format_grub2;
