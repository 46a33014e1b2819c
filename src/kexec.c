/* kexec.c — kexec_file_load(2) and reboot(LINUX_REBOOT_CMD_KEXEC); kexec-tools (kexec(8))
 * for what kexec_file_load cannot load. */
#include "kexec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#ifndef KEXEC_TOOLS_PATH
#define KEXEC_TOOLS_PATH "/sbin/kexec"
#endif

int kexec_file(int kernel_fd, int initrd_fd, const char *cmdline)
{
	unsigned long flags = initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0;
	size_t len = strlen(cmdline) + 1;
	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd < 0 ? -1 : initrd_fd, len, cmdline,
		    flags) < 0)
		return -errno;
	return 0;
}

int kexec_tools(int kernel_fd, int initrd_fd, const char *cmdline, bool multiboot,
		const struct kexec_module *modules, int n_modules)
{
	struct strv argv = { 0 };
	strv_pushs(&argv, "kexec");
	strv_pushs(&argv, "-l");
	if (multiboot)
		strv_pushs(&argv, "--type=multiboot-x86");
	strv_push(&argv, xasprintf("/proc/self/fd/%d", kernel_fd));
	strv_push(&argv, xasprintf("--command-line=%s", cmdline));
	if (initrd_fd >= 0)
		strv_push(&argv, xasprintf("--initrd=/proc/self/fd/%d", initrd_fd));
	for (int i = 0; i < n_modules; i++)
		strv_push(&argv, xasprintf("--module=/proc/self/fd/%d %s", modules[i].fd,
					   modules[i].cmdline ? modules[i].cmdline : ""));
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		strv_free(&argv);
		return r;
	}
	if (pid == 0) {
		/* The loaded files must reach kexec: drop close-on-exec on them. */
		fcntl(kernel_fd, F_SETFD, 0);
		if (initrd_fd >= 0)
			fcntl(initrd_fd, F_SETFD, 0);
		for (int i = 0; i < n_modules; i++)
			fcntl(modules[i].fd, F_SETFD, 0);
		execv(KEXEC_TOOLS_PATH, argv.v);
		_exit(127);
	}
	strv_free(&argv);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return -ENOEXEC;
}

int kexec_reboot(void)
{
	sync();
	if (reboot(LINUX_REBOOT_CMD_KEXEC) < 0)
		return -errno;
	return 0;
}

static bool read_word(const char *path, char *buf, size_t size)
{
	char *data;
	size_t len;
	if (file_read_all(path, 256, &data, &len) < 0)
		return false;
	data[strcspn(data, "\n")] = '\0';
	snprintf(buf, size, "%s", data);
	free(data);
	return true;
}

bool kexec_possible(char *why, size_t len)
{
	char type[32], guest[32];
	if (!read_word("/sys/hypervisor/type", type, sizeof(type)) || strcmp(type, "xen") != 0)
		return true;
	if (!read_word("/sys/hypervisor/guest_type", guest, sizeof(guest)))
		return true;
	if (strcmp(guest, "PVH") != 0 && strcmp(guest, "PV") != 0)
		return true;
	snprintf(why, len,
		 "refusing to kexec in a %s guest: Xen's toolstack (libxl) soft-resets only HVM "
		 "domains, so a kexec here would destroy the domain%s. Run the guest as HVM "
		 "(type=\"hvm\" with kernel=kxboot.vmlinuz), or boot it from dom0 with "
		 "'bootloader=\"kxboot-xen\"' (pvboot), which fetches and verifies the kernel for it",
		 guest, strcmp(guest, "PV") == 0 ? " (a PV kernel halts instead)" : "");
	return false;
}
