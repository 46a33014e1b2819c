/* probe.c — find block devices in /sys/class/block, identify their filesystems with
 * libblkid and mount them read-only, without replaying journals, with nosuid,nodev,noexec:
 * kxboot reads configs and kernels and never writes to the guest's disks. */
#include "fs/probe.h"

#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/modules.h"
#include "log.h"
#include "util.h"

#define DISKS_MAX 64

struct blockdev {
	char name[64];
	bool partition;
	int partno;
	char parent[64];
};

static bool skip_device(const char *name)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "nbd", "md", "dm-", NULL };
	for (size_t i = 0; prefixes[i]; i++)
		if (str_startswith(name, prefixes[i]))
			return true;
	return false;
}

static int read_sys_int(const char *path, int *ret)
{
	char *data = NULL;
	size_t len;
	int r = file_read_all(path, 64, &data, &len);
	if (r < 0)
		return r;
	long v;
	data[strcspn(data, "\n")] = '\0';
	r = str_to_long(data, 10, &v);
	free(data);
	if (r == 0)
		*ret = (int)v;
	return r;
}

static size_t list_blockdevs(struct blockdev *devs, size_t max)
{
	DIR *d = opendir("/sys/class/block");
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || skip_device(de->d_name) || strlen(de->d_name) >= 64)
			continue;
		struct blockdev *b = &devs[n];
		*b = (struct blockdev){ 0 };
		snprintf(b->name, sizeof(b->name), "%.63s", de->d_name);
		char path[384];
		snprintf(path, sizeof(path), "/sys/class/block/%.63s/partition", de->d_name);
		if (read_sys_int(path, &b->partno) == 0) {
			b->partition = true;
			snprintf(path, sizeof(path), "/sys/class/block/%.63s/..", de->d_name);
			char real[512];
			if (!realpath(path, real))
				continue;
			const char *base = strrchr(real, '/');
			snprintf(b->parent, sizeof(b->parent), "%.63s", base ? base + 1 : real);
		}
		n++;
	}
	closedir(d);
	return n;
}

/* Firmware disk order, approximated: vda before vdb before vdaa; sr* (CD) last. */
static int disk_cmp(const void *a, const void *b)
{
	const struct blockdev *x = a, *y = b;
	bool cx = str_startswith(x->name, "sr"), cy = str_startswith(y->name, "sr");
	if (cx != cy)
		return cx ? 1 : -1;
	size_t lx = strlen(x->name), ly = strlen(y->name);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->name, y->name);
}

int probe_wait_for_disks(int timeout_ms)
{
	struct blockdev devs[DISKS_MAX];
	size_t last = (size_t)-1;
	int stable_ms = 0, waited = 0;
	/* Devices appear as drivers probe; wait until the count holds still for a moment. */
	while (waited < timeout_ms) {
		size_t n = list_blockdevs(devs, DISKS_MAX);
		if (n == last && n > 0) {
			stable_ms += 50;
			if (stable_ms >= 200)
				return (int)n;
		} else {
			stable_ms = 0;
		}
		last = n;
		usleep(50000);
		waited += 50;
	}
	return last == (size_t)-1 ? 0 : (int)last;
}

struct probed {
	char type[32], uuid[128], label[128], partuuid[128], partlabel[128], scheme[16];
};

static void copy_value(blkid_probe pr, const char *name, char *dst, size_t size)
{
	const char *val = NULL;
	dst[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &val, NULL) == 0 && val)
		snprintf(dst, size, "%s", val);
}

static int probe_device(const char *dev, struct probed *ret)
{
	*ret = (struct probed){ 0 };
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return -errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
						      BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	int r = blkid_do_safeprobe(pr);
	if (r == 0) {
		copy_value(pr, "TYPE", ret->type, sizeof(ret->type));
		copy_value(pr, "UUID", ret->uuid, sizeof(ret->uuid));
		copy_value(pr, "LABEL", ret->label, sizeof(ret->label));
		copy_value(pr, "PART_ENTRY_UUID", ret->partuuid, sizeof(ret->partuuid));
		copy_value(pr, "PART_ENTRY_NAME", ret->partlabel, sizeof(ret->partlabel));
		copy_value(pr, "PART_ENTRY_SCHEME", ret->scheme, sizeof(ret->scheme));
		if (!ret->type[0])
			copy_value(pr, "PTTYPE", ret->type, sizeof(ret->type));
	}
	blkid_free_probe(pr);
	if (r == -2)
		return -ENOTUNIQ; /* two filesystem signatures: refuse to guess */
	return r == 0 ? 0 : (r == 1 ? -ENOENT : -EIO);
}

static bool is_partition_table(const char *type)
{
	return !strcmp(type, "gpt") || !strcmp(type, "dos") || !strcmp(type, "PMBR");
}

static bool not_mountable(const char *type)
{
	static const char *const types[] = { "swap", "LVM2_member", "crypto_LUKS",
					     "linux_raid_member", "zfs_member", "BitLocker", NULL };
	for (size_t i = 0; types[i]; i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

/* Options that keep a read-only mount from writing: no journal replay. */
static const char *mount_data(const char *type)
{
	if (!strcmp(type, "ext4") || !strcmp(type, "ext3") || !strcmp(type, "ext2"))
		return "noload";
	if (!strcmp(type, "xfs"))
		return "norecovery";
	if (!strcmp(type, "btrfs"))
		return "nologreplay";
	return NULL;
}

static int mount_volume(const char *dev, const char *dir, const char *type)
{
	char alias[64];
	const char *fstype = type;
	/* ext2/ext3 are served by the ext4 driver in Debian's kernel. */
	if (!strcmp(type, "ext2") || !strcmp(type, "ext3"))
		fstype = "ext4";
	snprintf(alias, sizeof(alias), "fs-%s", fstype);
	modules_load(alias);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const char *data = mount_data(type);
	if (mount(dev, dir, fstype, flags, data) == 0)
		return 0;
	int err = -errno;
	if (data && mount(dev, dir, fstype, flags, NULL) == 0) {
		log_warn("%s: mounted without '%s' (%s)", dev, data, strerror(-err));
		return 0;
	}
	rmdir(dir);
	return err;
}

static int add_volume(struct volume_set *vs, const char *mount_root, const struct blockdev *b,
		      int disk_index, const char *disk_scheme)
{
	char dev[96], dir[256];
	snprintf(dev, sizeof(dev), "/dev/%.63s", b->name);
	struct probed p;
	int r = probe_device(dev, &p);
	if (r == -ENOENT) {
		log_info("%s: no filesystem found", dev);
		return r;
	}
	if (r == -ENOTUNIQ) {
		log_warn("%s: more than one filesystem signature, not mounted", dev);
		return r;
	}
	if (r == -ENOMEDIUM) {
		log_debug("%s: no medium", dev);
		return r;
	}
	if (r < 0) {
		log_warn("%s: cannot be read: %s", dev, strerror(-r));
		return r;
	}
	if (is_partition_table(p.type))
		return -ENOENT; /* a whole disk holding partitions */
	if (not_mountable(p.type)) {
		log_info("%s: %s, not a filesystem kxboot reads", dev, p.type);
		return -ENOTSUP;
	}
	snprintf(dir, sizeof(dir), "%s/%s", mount_root, b->name);
	r = mount_volume(dev, dir, p.type);
	if (r < 0) {
		log_warn("%s: cannot mount %s filesystem: %s", dev, p.type, strerror(-r));
		return r;
	}
	struct volume_identity id = {
		.uuid = p.uuid, .label = p.label, .fstype = p.type, .partuuid = p.partuuid,
		.partlabel = p.partlabel, .device = dev, .disk = disk_index,
		.part = b->partition ? b->partno : 0,
		.part_scheme = !strcmp(disk_scheme, "gpt") ? "gpt" : "msdos",
	};
	const struct volume *v;
	r = volume_set_add(vs, dir, &id, &v);
	if (r < 0)
		return r;
	log_info("%s: %s%s%s%s, (%s)", dev, p.type, p.label[0] ? " \"" : "", p.label,
		 p.label[0] ? "\"" : "", v->grub_name ? v->grub_name : "?");
	return 0;
}

static int part_cmp(const void *a, const void *b)
{
	return ((const struct blockdev *)a)->partno - ((const struct blockdev *)b)->partno;
}

int probe_mount_all(struct volume_set *vs, const char *mount_root)
{
	struct blockdev devs[DISKS_MAX], disks[DISKS_MAX], parts[DISKS_MAX];
	size_t n = list_blockdevs(devs, DISKS_MAX), nd = 0;
	mkdir(mount_root, 0700);
	for (size_t i = 0; i < n; i++)
		if (!devs[i].partition)
			disks[nd++] = devs[i];
	qsort(disks, nd, sizeof(disks[0]), disk_cmp);
	int added = 0;
	for (size_t d = 0; d < nd; d++) {
		size_t np = 0;
		for (size_t i = 0; i < n; i++)
			if (devs[i].partition && !strcmp(devs[i].parent, disks[d].name))
				parts[np++] = devs[i];
		qsort(parts, np, sizeof(parts[0]), part_cmp);
		char dev[96];
		snprintf(dev, sizeof(dev), "/dev/%.63s", disks[d].name);
		struct probed whole;
		int r = probe_device(dev, &whole);
		const char *scheme = r == 0 && !strcmp(whole.type, "gpt") ? "gpt" : "msdos";
		if (np == 0) {
			/* A filesystem on the whole disk (Xen guests often have one). */
			if (add_volume(vs, mount_root, &disks[d], (int)d, scheme) == 0)
				added++;
			continue;
		}
		for (size_t i = 0; i < np; i++)
			if (add_volume(vs, mount_root, &parts[i], (int)d, scheme) == 0)
				added++;
	}
	return added;
}

void probe_unmount_all(struct volume_set *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		if (!vs->v[i].device)
			continue;
		if (vs->v[i].dirfd >= 0) {
			close(vs->v[i].dirfd);
			vs->v[i].dirfd = -1;
		}
		if (umount2(vs->v[i].dir, MNT_DETACH) < 0)
			log_debug("umount %s: %s", vs->v[i].dir, strerror(errno));
	}
}
