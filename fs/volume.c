/* volume.c — folders standing for filesystems, answering lookup questions (lookup.h). */
#include "fs/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "limits.h"
#include "util.h"

static const struct lookup_ops volume_lookup_ops;

void volume_set_init(struct volume_set *vs)
{
	*vs = (struct volume_set){ 0 };
	vs->lookup.ops = &volume_lookup_ops;
	vs->lookup.ctx = vs;
}

void volume_set_free(struct volume_set *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		struct volume *v = &vs->v[i];
		if (v->dirfd >= 0)
			close(v->dirfd);
		free(v->id);
		free(v->dir);
		free(v->uuid);
		free(v->label);
		free(v->fstype);
		free(v->partuuid);
		free(v->partlabel);
		free(v->device);
		free(v->grub_name);
	}
	free(vs->v);
	volume_set_init(vs);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

/* One-line identity file at the folder's top (corpus convention), trailing newline cut. */
static char *read_identity_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	char *data = NULL;
	size_t len = 0;
	int r = fd_read_all(fd, 4096, &data, &len);
	close(fd);
	if (r < 0)
		return NULL;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0 || memchr(data, '\0', len)) {
		free(data);
		return NULL;
	}
	return data;
}

int volume_set_add(struct volume_set *vs, const char *dir, const struct volume_identity *ident,
		   const struct volume **ret)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	vs->v = xreallocarray(vs->v, vs->n + 1, sizeof(*vs->v));
	struct volume *v = &vs->v[vs->n++];
	*v = (struct volume){ .dirfd = dirfd, .disk = -1 };
	v->dir = xstrdup(dir);
	if (ident) {
		v->uuid = dup_or_null(ident->uuid);
		v->label = dup_or_null(ident->label);
		v->fstype = dup_or_null(ident->fstype);
		v->partuuid = dup_or_null(ident->partuuid);
		v->partlabel = dup_or_null(ident->partlabel);
		v->device = dup_or_null(ident->device);
		v->disk = ident->disk;
		v->part = ident->part;
		if (v->disk >= 0) {
			if (v->part > 0)
				v->grub_name = xasprintf("hd%d,%s%d", v->disk,
							 ident->part_scheme ? ident->part_scheme : "msdos",
							 v->part);
			else
				v->grub_name = xasprintf("hd%d", v->disk);
		}
	} else {
		v->uuid = read_identity_file(dirfd, "UUID");
		v->label = read_identity_file(dirfd, "LABEL");
		v->fstype = read_identity_file(dirfd, "TYPE");
		v->partuuid = read_identity_file(dirfd, "PARTUUID");
		v->partlabel = read_identity_file(dirfd, "PARTLABEL");
	}
	if (v->uuid)
		v->id = xasprintf("uuid:%s", v->uuid);
	else if (v->label)
		v->id = xasprintf("label:%s", v->label);
	else if (v->device)
		v->id = xasprintf("dev:%s", v->device);
	else
		v->id = xasprintf("dir:%s", dir);
	/* Two folders with one identity: keep ids unique so each stays reachable. */
	for (size_t i = 0; i + 1 < vs->n; i++) {
		if (strcmp(vs->v[i].id, v->id) == 0) {
			char *id = xasprintf("%s#%zu", v->id, vs->n);
			free(v->id);
			v->id = id;
			break;
		}
	}
	if (ret)
		*ret = v;
	return 0;
}

const struct volume *volume_set_find(const struct volume_set *vs, const char *id)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].id, id) == 0)
			return &vs->v[i];
	return NULL;
}

/* "hd0,gpt2", "hd0,msdos1", "hd0,2", "hd0": disk and partition numbers (scheme ignored, as
 * GRUB accepts (hd0,1) for either table). */
static bool parse_grub_disk(const char *name, int *ret_disk, int *ret_part)
{
	if (strncmp(name, "hd", 2) != 0)
		return false;
	const char *p = name + 2;
	char *end;
	if (*p < '0' || *p > '9')
		return false;
	long disk = strtol(p, &end, 10);
	if (disk > 1024)
		return false;
	int part = 0;
	if (*end == ',') {
		p = end + 1;
		if (strncmp(p, "gpt", 3) == 0)
			p += 3;
		else if (strncmp(p, "msdos", 5) == 0)
			p += 5;
		if (*p < '0' || *p > '9')
			return false;
		long pn = strtol(p, &end, 10);
		if (pn < 1 || pn > 1024)
			return false;
		part = (int)pn;
		/* BSD slices (",bsd1"...) are beyond what kxboot mounts. */
		if (*end == ',')
			return false;
	}
	if (*end != '\0')
		return false;
	*ret_disk = (int)disk;
	*ret_part = part;
	return true;
}

static int volume_lookup_device(void *ctx, const char *name, const char **ret_id)
{
	struct volume_set *vs = ctx;
	for (size_t i = 0; i < vs->n; i++) {
		if (strcmp(vs->v[i].id, name) == 0) {
			*ret_id = vs->v[i].id;
			return 0;
		}
	}
	int disk, part;
	if (parse_grub_disk(name, &disk, &part)) {
		for (size_t i = 0; i < vs->n; i++) {
			if (vs->v[i].disk == disk && vs->v[i].part == part) {
				*ret_id = vs->v[i].id;
				return 0;
			}
		}
	}
	return -ENODEV;
}

static int volume_open(const struct volume *v, const char *path, int flags)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	struct open_how how = {
		/* openat2 refuses O_NOCTTY next to O_PATH. */
		.flags = (uint64_t)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, v->dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* Kernels before 5.6: refuse ".." and follow no final symlink. */
		char *norm = path_normalize(path);
		fd = openat(v->dirfd, norm[1] ? norm + 1 : ".", flags | O_CLOEXEC | O_NOFOLLOW);
		free(norm);
	}
	return fd < 0 ? -errno : fd;
}

static int volume_lookup_stat(void *ctx, const char *id, const char *path,
			      enum lookup_type *ret_type, uint64_t *ret_size)
{
	const struct volume *v = volume_set_find(ctx, id);
	if (!v)
		return -ENODEV;
	int fd = volume_open(v, path, O_PATH);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	if (ret_type)
		*ret_type = S_ISDIR(st.st_mode) ? LOOKUP_TYPE_DIR : LOOKUP_TYPE_FILE;
	if (ret_size)
		*ret_size = (uint64_t)st.st_size;
	return 0;
}

static int volume_lookup_read(void *ctx, const char *id, const char *path, size_t max,
			      char **ret_data, size_t *ret_len)
{
	const struct volume *v = volume_set_find(ctx, id);
	if (!v)
		return -ENODEV;
	int fd = volume_open(v, path, O_RDONLY);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	int r = fd_read_all(fd, max, ret_data, ret_len);
	close(fd);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int volume_lookup_list(void *ctx, const char *id, const char *path, char ***ret_names,
			      size_t *ret_count)
{
	const struct volume *v = volume_set_find(ctx, id);
	if (!v)
		return -ENODEV;
	int fd = volume_open(v, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	struct strv names = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (names.n >= DIR_ENTRIES_MAX)
			break;
		strv_pushs(&names, de->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	*ret_names = names.v ? names.v : xcalloc(1, sizeof(char *));
	*ret_count = names.n;
	return 0;
}

static int volume_lookup_search(void *ctx, enum lookup_search kind, const char *key,
				const char **ret_name)
{
	struct volume_set *vs = ctx;
	for (size_t i = 0; i < vs->n; i++) {
		const struct volume *v = &vs->v[i];
		bool hit = false;
		switch (kind) {
		case LOOKUP_BY_FS_UUID:
			/* GRUB compares filesystem UUIDs without regard to case. */
			hit = v->uuid && strcasecmp(v->uuid, key) == 0;
			break;
		case LOOKUP_BY_LABEL:
			hit = v->label && strcmp(v->label, key) == 0;
			break;
		case LOOKUP_BY_FILE: {
			enum lookup_type t;
			hit = volume_lookup_stat(ctx, v->id, key, &t, NULL) == 0;
			break;
		}
		}
		if (hit) {
			*ret_name = v->grub_name ? v->grub_name : v->id;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *volume_lookup_grub_name(void *ctx, const char *id)
{
	const struct volume *v = volume_set_find(ctx, id);
	return v ? v->grub_name : NULL;
}

static int volume_lookup_open(void *ctx, const char *id, const char *path, int *ret_fd)
{
	const struct volume *v = volume_set_find(ctx, id);
	if (!v)
		return -ENODEV;
	int fd = volume_open(v, path, O_RDONLY);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static const struct lookup_ops volume_lookup_ops = {
	.open = volume_lookup_open,
	.device = volume_lookup_device,
	.search = volume_lookup_search,
	.stat = volume_lookup_stat,
	.read = volume_lookup_read,
	.list = volume_lookup_list,
	.grub_name = volume_lookup_grub_name,
};
