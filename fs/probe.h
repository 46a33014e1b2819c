/* probe.h — block devices, their filesystems (libblkid) and read-only mounts. */
#pragma once

#include "fs/volume.h"

/* Wait (at most timeout_ms) for block devices to appear and settle. Returns how many. */
int probe_wait_for_disks(int timeout_ms);
/* Probe every block device, mount each filesystem read-only under mount_root and add it to
 * vs in firmware disk order (hd0 = first disk). Returns the number of volumes added. */
int probe_mount_all(struct volume_set *vs, const char *mount_root);
/* Unmount everything probe_mount_all mounted (before kexec). */
void probe_unmount_all(struct volume_set *vs);
