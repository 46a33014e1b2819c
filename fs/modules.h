/* modules.h — kernel modules for the devices present (coldplug through libkmod). */
#pragma once

/* Load the modules matching every modalias under /sys/devices, repeating while new
 * devices appear (virtio_pci brings virtio devices, which need their own drivers), then
 * the filesystem modules kxboot mounts with. Returns the number of modules loaded. */
int modules_coldplug(void);
/* Load one module (or alias such as "fs-ext4") and its dependencies; 0 or -errno. */
int modules_load(const char *name);
