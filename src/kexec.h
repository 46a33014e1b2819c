/* kexec.h — starting the chosen kernel: kexec_file_load, kexec-tools as the fallback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kexec_module {
	int fd;
	const char *cmdline;
};

/* Load a Linux kernel with the kexec_file_load syscall (initrd_fd -1: none). */
int kexec_file(int kernel_fd, int initrd_fd, const char *cmdline);
/* Load through kexec-tools' `kexec -l` (multiboot kernels such as Xen, or when the kernel
 * refuses kexec_file_load). */
int kexec_tools(int kernel_fd, int initrd_fd, const char *cmdline, bool multiboot,
		const struct kexec_module *modules, int n_modules);
/* Jump into the loaded kernel. Only returns on failure. */
int kexec_reboot(void);

/* Can this machine kexec at all? Under Xen only HVM domains can: libxl soft-resets nothing
 * else (a PVH domain is destroyed, a PV kernel halts). false with the reason and what to do
 * instead in why. */
bool kexec_possible(char *why, size_t len);
