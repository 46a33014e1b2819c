/* lookup.c — thin checked wrappers around a lookup implementation. */
#include "lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int lookup_device(const struct lookup *lk, const char *name, const char **ret_id)
{
	if (!lk || !lk->ops->device)
		return -ENODEV;
	return lk->ops->device(lk->ctx, name, ret_id);
}

int lookup_search(const struct lookup *lk, enum lookup_search kind, const char *key,
		  const char **ret_name)
{
	if (!lk || !lk->ops->search)
		return -ENOENT;
	return lk->ops->search(lk->ctx, kind, key, ret_name);
}

int lookup_stat(const struct lookup *lk, const char *id, const char *path,
		enum lookup_type *ret_type, uint64_t *ret_size)
{
	if (!lk || !lk->ops->stat || !id)
		return -ENOENT;
	return lk->ops->stat(lk->ctx, id, path, ret_type, ret_size);
}

int lookup_read(const struct lookup *lk, const char *id, const char *path, size_t max,
		char **ret_data, size_t *ret_len)
{
	if (!lk || !lk->ops->read || !id)
		return -ENOENT;
	return lk->ops->read(lk->ctx, id, path, max, ret_data, ret_len);
}

int lookup_list(const struct lookup *lk, const char *id, const char *path, char ***ret_names,
		size_t *ret_count)
{
	if (!lk || !lk->ops->list || !id)
		return -ENOENT;
	return lk->ops->list(lk->ctx, id, path, ret_names, ret_count);
}

const char *lookup_grub_name(const struct lookup *lk, const char *id)
{
	if (!lk || !lk->ops->grub_name || !id)
		return NULL;
	return lk->ops->grub_name(lk->ctx, id);
}

int lookup_open(const struct lookup *lk, const char *id, const char *path, uint64_t max,
		int *ret_fd)
{
	if (!lk || !id)
		return -ENOENT;
	if (lk->ops->open) {
		int fd;
		int r = lk->ops->open(lk->ctx, id, path, &fd);
		if (r < 0)
			return r;
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return -EISDIR;
		}
		if ((uint64_t)st.st_size > max) {
			close(fd);
			return -EFBIG;
		}
		*ret_fd = fd;
		return 0;
	}
	char *data = NULL;
	size_t len = 0;
	int r = lookup_read(lk, id, path, max, &data, &len);
	if (r < 0)
		return r;
	int fd = memfd_create("kxboot-file", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(data);
		return r;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			r = -errno;
			free(data);
			close(fd);
			return r;
		}
		off += (size_t)w;
	}
	free(data);
	lseek(fd, 0, SEEK_SET);
	*ret_fd = fd;
	return 0;
}
