/* init.c — /init: mount the API filesystems, set up consoles, load drivers, find disks,
 * read their boot configs, show the menu and kexec the chosen entry; when something fails,
 * say why on every console and move to the next candidate, ending in a rescue shell. */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "bootopts.h"
#include "config.h"
#include "console.h"
#include "fs/modules.h"
#include "fs/probe.h"
#include "fs/volume.h"
#include "kexec.h"
#include "limits.h"
#include "log.h"
#include "menu_ui.h"
#include "netboot.h"
#include "xen.h"
#include "util.h"

#define MOUNT_ROOT "/run/kxboot/mnt"
#define MENUS_MAX 16

static struct consoles consoles;
static struct timespec boot_start;

static double uptime(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - boot_start.tv_sec) + (now.tv_nsec - boot_start.tv_nsec) / 1e9;
}

/* Every message goes to every console, with the time since /init started. */
static void console_sink(enum log_level level, const char *text, void *userdata)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char line[2300];
	int n = snprintf(line, sizeof(line), "[%8.3f] kxboot: %s%s\r\n", uptime(), prefix[level], text);
	if (n > 0)
		consoles_write(&consoles, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void mount_api(void)
{
	static const struct {
		const char *src, *dir, *type, *data;
		unsigned long flags;
	} mounts[] = {
		{ "proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
		{ "devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID },
		{ "devpts", "/dev/pts", "devpts", "mode=0620,ptmxmode=0666", MS_NOSUID | MS_NOEXEC },
		{ "tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV },
		{ "tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	};
	for (size_t i = 0; i < ARRAY_SIZE(mounts); i++) {
		mkdir(mounts[i].dir, 0755);
		if (mount(mounts[i].src, mounts[i].dir, mounts[i].type, mounts[i].flags,
			  mounts[i].data) < 0 && errno != EBUSY)
			fprintf(stderr, "kxboot: mount %s: %s\n", mounts[i].dir, strerror(errno));
	}
	mkdir("/run/kxboot", 0700);
}

static char *read_cmdline(void)
{
	char *data = NULL;
	size_t len = 0;
	if (file_read_all("/proc/cmdline", 65536, &data, &len) < 0)
		return xstrdup("");
	data[strcspn(data, "\n")] = '\0';
	return data;
}

static void rescue_shell(bool locked)
{
	if (locked) {
		log_err("kxboot.locked is set: no shell. Power the machine off or reset it.");
		for (;;)
			pause();
	}
	log_info("Starting the rescue shell on %s; exit it to go back to kxboot.",
		 consoles.n ? consoles.names[0] : "the console");
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int fd = consoles.n ? consoles.fds[0] : open("/dev/console", O_RDWR);
		ioctl(fd, TIOCSCTTY, 1);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		char *const argv[] = { "sh", NULL };
		char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=linux",
				       "PS1=kxboot-rescue# ", NULL };
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	if (pid > 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			log_err("No shell in the image (/bin/sh)");
	}
}

/* Try the candidates of one menu; returns only when none could be started. */
/* kxboot.policy=signed: is this file one of the artifacts a verified manifest lists? */
static bool manifest_lists(const struct manifest *mf, int fd, const char *what, const char *title)
{
	char hex[65];
	uint64_t size;
	if (boot_fd_sha256(fd, hex, &size) < 0)
		return false;
	for (size_t t = 0; t < mf->n_targets; t++) {
		const struct manifest_target *tg = &mf->targets[t];
		if (!strcmp(tg->kernel.sha256, hex) && tg->kernel.size == size)
			return true;
		for (size_t i = 0; i < tg->n_initrds; i++)
			if (!strcmp(tg->initrds[i].sha256, hex) && tg->initrds[i].size == size)
				return true;
	}
	log_err("kxboot.policy=signed: the %s of '%s' (SHA-256 %s, %llu bytes) is not in the "
		"signed manifest, refusing it", what, title, hex, (unsigned long long)size);
	return false;
}

/* Disk entries under kxboot.policy=signed: every file must be listed by the manifest. */
static bool policy_allows(const struct boot_options *opts, const struct manifest *policy,
			  const struct lookup *lk, const struct menu *m, const struct boot_plan *plan,
			  const struct boot_entry *e)
{
	if (!opts->policy_signed)
		return true;
	if (!policy) {
		log_err("kxboot.policy=signed: no verified manifest (kxboot.manifest=), refusing '%s'",
			e->title);
		return false;
	}
	if (!manifest_lists(policy, plan->kernel_fd, "kernel", e->title))
		return false;
	/* Each initrd on its own: the plan holds them concatenated. */
	for (size_t i = 0; i < e->n_initrds; i++) {
		int fd;
		const struct boot_file *f = &e->initrds[i];
		if (lookup_open(lk, f->device ? f->device : m->source_device, f->path,
				LOAD_INITRD_MAX, &fd) < 0)
			return false;
		bool ok = manifest_lists(policy, fd, "initrd", e->title);
		close(fd);
		if (!ok)
			return false;
	}
	return true;
}

static const struct manifest *signed_policy; /* the manifest behind kxboot.policy=signed */

static void boot_menu(const struct lookup *lk, struct volume_set *vs, struct netboot *nb,
		      const struct menu *m, int first, const char *cmdline,
		      const struct boot_options *opts)
{
	int order[MENU_ENTRIES_MAX];
	size_t n = boot_candidates(m, first, order, ARRAY_SIZE(order));
	for (size_t k = 0; k < n; k++) {
		const struct boot_entry *e = &m->entries[order[k]];
		if (k > 0)
			log_info("Trying the next entry: '%s'", e->title);
		struct boot_plan plan;
		if (boot_plan_prepare(lk, m, e, &plan) < 0)
			continue;
		if (cmdline && k == 0) {
			free(plan.cmdline);
			plan.cmdline = xstrdup(cmdline);
		}
		/* Disk entries (vs set) under kxboot.policy=signed; network ones were verified
		 * while they were fetched. */
		if (vs && !policy_allows(opts, signed_policy, lk, m, &plan, e)) {
			boot_plan_free(&plan);
			continue;
		}
		log_info("Booting '%s': %s%s%s", e->title, e->kernel.path,
			 plan.cmdline[0] ? " " : "", plan.cmdline);
		if (opts->dry_run) {
			log_info("kxboot.dry_run: not starting it");
			boot_plan_free(&plan);
			return;
		}
		char why[512];
		if (!kexec_possible(why, sizeof(why))) {
			log_err("%s", why);
			xen_report("error", why);
			boot_plan_free(&plan);
			return;
		}
		int r = boot_plan_load(&plan);
		boot_plan_free(&plan);
		if (r < 0) {
				log_err("Cannot load '%s': %s", e->title, strerror(-r));
			xen_report("error", strerror(-r));
			continue;
		}
		netboot_report(nb, e, NULL);
		xen_report("entry", e->title);
		if (nb && nb->have_manifest) {
			char v[32];
			snprintf(v, sizeof(v), "%llu", (unsigned long long)nb->manifest.version);
			xen_report("manifest_version", v);
			xen_report("target", e->id ? e->id : e->title);
		}
		xen_report("state", "kexec");
		log_info("kexec into '%s' (%.3f s after /init started)", e->title, uptime());
		if (vs)
			probe_unmount_all(vs);
		r = kexec_reboot();
		log_err("kexec failed: %s", strerror(-r));
	}
	log_err("No entry of %s could be started", m->source_path ? m->source_path : "the menu");
	netboot_report(nb, NULL, "no entry could be started");
}

/* Mount every filesystem and read its config; menus with bootable entries, disk order. */
static size_t disk_menus(struct volume_set *vs, struct menu *menus, size_t max)
{
	size_t n_menus = 0;
	int disks = probe_wait_for_disks(DISK_WAIT_MS);
	if (disks == 0)
		log_warn("No block devices found");
	int volumes = probe_mount_all(vs, MOUNT_ROOT);
	if (disks > 0 && volumes == 0)
		log_warn("No readable filesystem on any disk");
	for (size_t i = 0; i < vs->n && n_menus < max; i++) {
		struct menu *m = &menus[n_menus];
		*m = (struct menu){ 0 };
		const char *where = vs->v[i].device ? vs->v[i].device : vs->v[i].id;
		if (config_discover(&vs->lookup, vs->v[i].id, m) < 0)
			continue;
		menu_keep_bootable(m);
		if (m->n_entries == 0) {
			log_warn("%s on %s has no bootable entry", m->source_path, where);
			menu_free(m);
			continue;
		}
		log_info("Found %s config %s on %s with %zu entries", m->format, m->source_path, where,
			 m->n_entries);
		n_menus++;
	}
	if (n_menus == 0 && volumes > 0)
		log_warn("No boot configuration found on any filesystem");
	return n_menus;
}

/* Show the first menu, then try its candidates and those of the other menus in turn.
 * Returns when nothing could be started: false, or true when the user asked for the shell. */
static bool run_menus(const struct lookup *lk, struct volume_set *vs, struct netboot *nb,
		      struct menu *menus, size_t n_menus, const struct boot_options *opts)
{
	struct menu *m = &menus[0];
	int selected = m->default_index;
	if (opts->entry) {
		int i = boot_find_entry(m, opts->entry);
		if (i >= 0)
			selected = i;
	}
	int timeout = opts->timeout != -2 ? opts->timeout : (m->has_timeout ? m->timeout : -1);
	if (selected < 0)
		timeout = -1; /* nothing boots without a key */
	struct menu_choice choice;
	menu_ui_run(&consoles, m, selected, timeout, opts->locked, &choice);
	if (choice.action == MENU_ACTION_BOOT) {
		boot_menu(lk, vs, nb, m, choice.index, choice.cmdline, opts);
		for (size_t i = 1; i < n_menus; i++) {
			log_info("Trying the config %s", menus[i].source_path);
			boot_menu(lk, vs, nb, &menus[i], menus[i].default_index, NULL, opts);
		}
	}
	free(choice.cmdline);
	return choice.action == MENU_ACTION_SHELL;
}

/* What busybox's reboot, poweroff and halt (and so the kernel's orderly_reboot, which runs
 * /sbin/reboot when dom0 asks a Xen guest to reboot) send to init. PID 1 ignores signals it
 * has no handler for, so without these `xl reboot` and `xl shutdown` do nothing while kxboot
 * waits in its menu or its rescue shell. */
static void init_signal(int sig)
{
	sync();
	reboot(sig == SIGTERM ? RB_AUTOBOOT : sig == SIGUSR2 ? RB_POWER_OFF : RB_HALT_SYSTEM);
}

int init_main(void)
{
	clock_gettime(CLOCK_MONOTONIC, &boot_start);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, init_signal);
	signal(SIGUSR1, init_signal);
	signal(SIGUSR2, init_signal);
	/* The kernel starts init without PATH; the DHCP hook and the shell need one. */
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	mount_api();
	char *cmdline = read_cmdline();
	struct boot_options opts;
	boot_options_parse(&opts, cmdline);
	if (opts.n_consoles)
		consoles_open(&consoles, opts.consoles, opts.n_consoles);
	else
		consoles_open(&consoles, (char *const[]){ "console" }, 1);
	log_set_sink(console_sink, NULL);
	log_max_level = opts.debug ? LOG_DEBUG : LOG_INFO;
	/* Xen: the domain's settings in xenstore (needs the xenbus device, built in). */
	if (xen_settings_apply(&opts) > 0 && opts.debug)
		log_max_level = LOG_DEBUG;
	xen_report("state", "starting");
	log_info("kxboot starting (kernel command line: %s)", cmdline);
	free(cmdline);

	int loaded = modules_coldplug();
	log_info("%d driver modules loaded", loaded);

	for (;;) {
		struct volume_set vs;
		volume_set_init(&vs);
		struct menu menus[MENUS_MAX];
		size_t n_menus = 0;
		bool shown = false, shell = false;
		if (opts.mode == BOOT_MODE_RECOVERY || opts.mode == BOOT_MODE_NET) {
			log_info("kxboot.mode=%s: the disks are not read",
				 opts.mode == BOOT_MODE_NET ? "net" : "recovery");
		} else {
			struct netboot policy_nb;
			bool have_policy_nb = false;
			if (opts.policy_signed) {
				/* Central control over disk boots: the signed manifest first. */
				log_info("kxboot.policy=signed: disk entries boot only when the signed manifest lists their files");
				if (opts.manifest && netboot_discover(&opts, &policy_nb) == 0 &&
				    policy_nb.have_manifest)
					signed_policy = &policy_nb.manifest;
				have_policy_nb = true;
			}
			n_menus = disk_menus(&vs, menus, MENUS_MAX);
			if (n_menus > 0) {
				shown = true;
				shell = run_menus(&vs.lookup, &vs, NULL, menus, n_menus, &opts);
			}
			signed_policy = NULL;
			if (have_policy_nb)
				netboot_free(&policy_nb);
		}
		for (size_t i = 0; i < n_menus; i++)
			menu_free(&menus[i]);
		probe_unmount_all(&vs);
		volume_set_free(&vs);
		if (opts.mode != BOOT_MODE_DISK && !shell) {
			log_info("Trying a network boot%s", n_menus ? " (the disk's entries failed)" : "");
			struct netboot nb;
			if (netboot_discover(&opts, &nb) == 0) {
				struct boot_options o = opts;
				if (shown)
					o.entry = NULL; /* kxboot.entry= named a disk entry */
				shell = run_menus(&nb.nl.lookup, NULL, &nb, nb.menus, nb.n_menus, &o);
			} else {
				log_err("Network boot: nothing to boot");
			}
			netboot_free(&nb);
		}
		if (opts.dry_run) {
			log_info("kxboot.dry_run: powering off");
			sync();
			reboot(RB_POWER_OFF);
		}
		xen_report("state", shell ? "shell" : "failed");
		if (!shell)
			log_err("Nothing could be booted; the rescue shell is next (kxboot starts again when it exits)");
		rescue_shell(opts.locked);
	}
}
