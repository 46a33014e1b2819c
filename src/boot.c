/* boot.c — choosing an entry, opening and checking its files, loading it with kexec. */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kexec.h"
#include "limits.h"
#include "log.h"
#include "util.h"

int boot_find_entry(const struct menu *m, const char *spec)
{
	long idx;
	if (str_to_long(spec, 10, &idx) == 0) {
		if (idx >= 0 && (size_t)idx < m->n_entries)
			return (int)idx;
	} else {
		int i = menu_find_id(m, spec);
		if (i >= 0)
			return i;
		if (strchr(spec, '>')) {
			/* A GRUB path: accept it only when it really leads to an entry titled or
			 * named as its last part says (menu_find_grub falls back to item 0). */
			i = menu_find_grub(m, spec);
			const char *last = strrchr(spec, '>') + 1;
			if (i >= 0 && (!strcmp(m->entries[i].title, last) ||
				       (m->entries[i].id && !strcmp(m->entries[i].id, last)) ||
				       (str_to_long(last, 10, &idx) == 0 &&
					m->entries[i].levels[m->entries[i].depth - 1].index == idx)))
				return i;
		}
	}
	log_warn("kxboot.entry=%s names no entry of the menu, using the default", spec);
	return -1;
}

size_t boot_candidates(const struct menu *m, int first, int *ret, size_t max)
{
	size_t n = 0;
	bool *used = xcalloc(m->n_entries ? m->n_entries : 1, sizeof(bool));
	if (first >= 0 && (size_t)first < m->n_entries && n < max) {
		ret[n++] = first;
		used[first] = true;
	}
	for (size_t i = 0; i < m->n_fallback && n < max; i++) {
		int f = m->fallback[i];
		if (f >= 0 && (size_t)f < m->n_entries && !used[f]) {
			ret[n++] = f;
			used[f] = true;
		}
	}
	for (size_t i = 0; i < m->n_entries && n < max; i++) {
		if (!used[i]) {
			ret[n++] = (int)i;
			used[i] = true;
		}
	}
	free(used);
	return n;
}

static const char *device_name(const struct menu *m, const char *device)
{
	if (!device || (m->source_device && !strcmp(device, m->source_device)))
		return "the config's filesystem";
	return device;
}

static int open_file(const struct lookup *lk, const struct menu *m, const struct boot_entry *e,
		     const struct boot_file *f, const char *what, uint64_t max, int *ret_fd,
		     uint64_t *ret_size)
{
	if (f->device && f->device[0] == '(') {
		log_err("'%s': %s %s is on %s, which is not a disk kxboot found", e->title, what,
			f->path, f->device);
		return -ENODEV;
	}
	int fd;
	int r = lookup_open(lk, f->device ? f->device : m->source_device, f->path, max, &fd);
	if (r < 0) {
		if (r == -EFBIG)
			log_err("'%s': %s %s is larger than %llu bytes", e->title, what, f->path,
				(unsigned long long)max);
		else
			log_err("'%s': %s %s on %s: %s", e->title, what, f->path,
				device_name(m, f->device), strerror(-r));
		return r;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		log_err("'%s': %s %s is empty", e->title, what, f->path);
		close(fd);
		return -ENOEXEC;
	}
	*ret_fd = fd;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

/* GRUB loads several initrds one after another, each padded to 4 bytes, so that the kernel
 * sees one cpio stream; kexec_file_load takes one initrd, so build that stream. */
static int concat_initrds(const struct lookup *lk, const struct menu *m, const struct boot_entry *e,
			  int *ret_fd, uint64_t *ret_size)
{
	if (e->n_initrds == 1)
		return open_file(lk, m, e, &e->initrds[0], "initrd", LOAD_INITRD_MAX, ret_fd, ret_size);
	int out = memfd_create("kxboot-initrd", MFD_CLOEXEC);
	if (out < 0)
		return -errno;
	uint64_t total = 0;
	for (size_t i = 0; i < e->n_initrds; i++) {
		int fd;
		uint64_t size;
		int r = open_file(lk, m, e, &e->initrds[i], "initrd", LOAD_INITRD_MAX - total, &fd, &size);
		if (r < 0) {
			close(out);
			return r;
		}
		uint64_t done = 0;
		while (done < size) {
			ssize_t w = sendfile(out, fd, NULL, size - done > (1u << 30) ? (1u << 30) : size - done);
			if (w <= 0) {
				r = w < 0 ? -errno : -EIO;
				close(fd);
				close(out);
				log_err("'%s': reading initrd %s: %s", e->title, e->initrds[i].path, strerror(-r));
				return r;
			}
			done += (uint64_t)w;
		}
		close(fd);
		total += size;
		static const char zeros[4];
		if (total % 4 && i + 1 < e->n_initrds) {
			size_t pad = 4 - total % 4;
			if (write(out, zeros, pad) != (ssize_t)pad) {
				close(out);
				return -EIO;
			}
			total += pad;
		}
	}
	*ret_fd = out;
	*ret_size = total;
	return 0;
}

int boot_plan_prepare(const struct lookup *lk, const struct menu *m, const struct boot_entry *e,
		      struct boot_plan *ret)
{
	*ret = (struct boot_plan){ .entry = e, .kernel_fd = -1, .initrd_fd = -1 };
	if (!e->bootable || !e->kernel.path) {
		log_err("'%s' loads no kernel", e->title);
		return -ENOEXEC;
	}
	int r = open_file(lk, m, e, &e->kernel, e->kind == BOOT_KIND_MULTIBOOT ? "multiboot kernel" : "kernel",
			  LOAD_KERNEL_MAX, &ret->kernel_fd, &ret->kernel_size);
	if (r < 0)
		return r;
	ret->multiboot = e->kind == BOOT_KIND_MULTIBOOT;
	if (e->n_initrds) {
		r = concat_initrds(lk, m, e, &ret->initrd_fd, &ret->initrd_size);
		if (r < 0) {
			boot_plan_free(ret);
			return r;
		}
	}
	if (e->n_modules) {
		ret->module_fds = xcalloc(e->n_modules, sizeof(int));
		for (size_t i = 0; i < e->n_modules; i++)
			ret->module_fds[i] = -1;
		ret->n_modules = e->n_modules;
		for (size_t i = 0; i < e->n_modules; i++) {
			uint64_t size;
			r = open_file(lk, m, e, &e->modules[i].file, "module", LOAD_INITRD_MAX,
				      &ret->module_fds[i], &size);
			if (r < 0) {
				boot_plan_free(ret);
				return r;
			}
		}
	}
	ret->cmdline = xstrdup(e->cmdline ? e->cmdline : "");
	return 0;
}

void boot_plan_print(FILE *out, const struct menu *m, const struct boot_plan *p)
{
	const struct boot_entry *e = p->entry;
	fprintf(out, "entry: %s\n", e->title);
	fprintf(out, "config: %s on %s\n", m->source_path ? m->source_path : "?",
		m->source_device ? m->source_device : "?");
	fprintf(out, "method: %s\n", p->multiboot ? "kexec-tools (multiboot)" : "kexec_file_load");
	fprintf(out, "kernel: %s on %s (%llu bytes)\n", e->kernel.path,
		device_name(m, e->kernel.device), (unsigned long long)p->kernel_size);
	for (size_t i = 0; i < e->n_initrds; i++)
		fprintf(out, "initrd: %s on %s\n", e->initrds[i].path, device_name(m, e->initrds[i].device));
	if (p->initrd_fd >= 0)
		fprintf(out, "initrd-bytes: %llu\n", (unsigned long long)p->initrd_size);
	for (size_t i = 0; i < e->n_modules; i++)
		fprintf(out, "module: %s %s\n", e->modules[i].file.path, e->modules[i].cmdline);
	fprintf(out, "cmdline: %s\n", p->cmdline);
}

int boot_plan_load(const struct boot_plan *p)
{
	const struct boot_entry *e = p->entry;
	if (!p->multiboot) {
		int r = kexec_file(p->kernel_fd, p->initrd_fd, p->cmdline);
		if (r == 0)
			return 0;
		log_warn("kexec_file_load refused '%s': %s; trying kexec-tools", e->title, strerror(-r));
	}
	struct kexec_module *mods = xcalloc(p->n_modules ? p->n_modules : 1, sizeof(*mods));
	for (size_t i = 0; i < p->n_modules; i++)
		mods[i] = (struct kexec_module){ .fd = p->module_fds[i], .cmdline = e->modules[i].cmdline };
	int r = kexec_tools(p->kernel_fd, p->initrd_fd, p->cmdline, p->multiboot, mods,
			    (int)p->n_modules);
	free(mods);
	if (r < 0)
		log_err("kexec-tools could not load '%s'%s", e->title,
			r == -ENOENT ? ": /sbin/kexec is missing" : "");
	return r;
}

void boot_plan_free(struct boot_plan *p)
{
	if (p->kernel_fd >= 0)
		close(p->kernel_fd);
	if (p->initrd_fd >= 0)
		close(p->initrd_fd);
	for (size_t i = 0; i < p->n_modules; i++)
		if (p->module_fds[i] >= 0)
			close(p->module_fds[i]);
	free(p->module_fds);
	free(p->cmdline);
	*p = (struct boot_plan){ .kernel_fd = -1, .initrd_fd = -1 };
}

int boot_fd_sha256(int fd, char ret_hex[65], uint64_t *ret_size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	static char buf[1 << 20];
	uint64_t off = 0;
	int r = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += (uint64_t)n;
	}
	unsigned char d[32];
	unsigned dl;
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	if (r < 0)
		return r;
	for (int i = 0; i < 32; i++)
		snprintf(ret_hex + 2 * i, 3, "%02x", d[i]);
	*ret_size = off;
	return 0;
}
