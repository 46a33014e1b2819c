/* modules.c — coldplug: walk /sys for modalias files and load their modules with libkmod
 * (dependency order from modules.dep, never by hand). */
#include "fs/modules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define COLDPLUG_ROUNDS_MAX 6
#define SYSFS_WALK_DEPTH_MAX 12

static struct kmod_ctx *kmod_context(void)
{
	static struct kmod_ctx *ctx;
	if (!ctx) {
		ctx = kmod_new(NULL, NULL);
		if (ctx)
			kmod_load_resources(ctx);
	}
	return ctx;
}

static int load_alias(struct kmod_ctx *ctx, const char *alias, unsigned *loaded)
{
	struct kmod_list *list = NULL, *it;
	int r = kmod_module_new_from_lookup(ctx, alias, &list);
	if (r < 0)
		return r;
	if (!list)
		return -ENOENT;
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);
		int state = kmod_module_get_initstate(mod);
		if (state != KMOD_MODULE_LIVE && state != KMOD_MODULE_BUILTIN) {
			int pr = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_LOADED, NULL,
								 NULL, NULL, NULL);
			if (pr == 0) {
				(*loaded)++;
				log_debug("loaded module %s", kmod_module_get_name(mod));
			} else if (pr < 0 && pr != -EEXIST) {
				log_debug("module %s: %s", kmod_module_get_name(mod), strerror(-pr));
			}
		}
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return 0;
}

int modules_load(const char *name)
{
	struct kmod_ctx *ctx = kmod_context();
	unsigned loaded = 0;
	if (!ctx)
		return -ENOSYS;
	return load_alias(ctx, name, &loaded);
}

/* Network controllers: PCI class 02, virtio device 1 (net), Xen vif. */
static bool network_alias(const char *alias)
{
	if (str_startswith(alias, "pci:")) {
		const char *bc = strstr(alias, "bc");
		return bc && bc[2] == '0' && bc[3] == '2';
	}
	if (str_startswith(alias, "virtio:d00000001v"))
		return true;
	return str_startswith(alias, "xen:vif");
}

enum coldplug_which { COLDPLUG_NOT_NETWORK, COLDPLUG_NETWORK };
static enum coldplug_which coldplug_which;

static void walk(struct kmod_ctx *ctx, int dirfd, unsigned depth, struct strv *seen,
		 unsigned *loaded)
{
	if (depth > SYSFS_WALK_DEPTH_MAX)
		return;
	int fd = openat(dirfd, "modalias", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			bool dup = false;
			for (size_t i = 0; i < seen->n && !dup; i++)
				dup = strcmp(seen->v[i], buf) == 0;
			bool net = network_alias(buf);
			if (!dup && net == (coldplug_which == COLDPLUG_NETWORK)) {
				strv_pushs(seen, buf);
				load_alias(ctx, buf, loaded);
			}
		}
	}
	int dfd = dup(dirfd);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Real directories only: sysfs links (subsystem, driver, ...) lead back up. */
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		walk(ctx, sub, depth + 1, seen, loaded);
		close(sub);
	}
	closedir(d);
}

static int coldplug(void);

int modules_coldplug(void)
{
	coldplug_which = COLDPLUG_NOT_NETWORK;
	return coldplug();
}

int modules_coldplug_network(void)
{
	coldplug_which = COLDPLUG_NETWORK;
	return coldplug();
}

static int coldplug(void)
{
	struct kmod_ctx *ctx = kmod_context();
	if (!ctx) {
		log_warn("Cannot use kernel modules (libkmod), relying on built-in drivers");
		return 0;
	}
	struct strv seen = { 0 };
	unsigned total = 0;
	for (int round = 0; round < COLDPLUG_ROUNDS_MAX; round++) {
		unsigned loaded = 0;
		int root = open("/sys/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			break;
		walk(ctx, root, 0, &seen, &loaded);
		close(root);
		total += loaded;
		if (loaded == 0)
			break;
		/* Drivers just loaded may register new devices asynchronously. */
		usleep(20000);
	}
	strv_free(&seen);
	return (int)total;
}
