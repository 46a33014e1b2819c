/* modules.h — kernel modules for the devices present (coldplug through libkmod). */
#pragma once

/* Load the modules matching every modalias under /sys/devices, repeating while new
 * devices appear (virtio_pci brings virtio devices, which need their own drivers), then
 * the filesystem modules kxboot mounts with. Returns the number of modules loaded. */
int modules_coldplug(void);
/* The same for network devices only. modules_coldplug() leaves them out: a disk boot does not
 * need them, and under emulation each driver costs a noticeable part of a second; the network
 * boot path loads them when it starts. */
int modules_coldplug_network(void);
/* Load one module (or alias such as "fs-ext4") and its dependencies; 0 or -errno. */
int modules_load(const char *name);
