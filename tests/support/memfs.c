/* memfs.c — in-memory volumes and files answering lookup questions. */
#include "memfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *file_device(const struct memfs *m, const struct memfs_file *f)
{
	if (f->device)
		return f->device;
	return m->n_volumes ? m->volumes[0].id : "";
}

static const struct memfs_file *find_file(const struct memfs *m, const char *id, const char *path)
{
	char *norm = path_normalize(path);
	const struct memfs_file *hit = NULL;
	for (size_t i = 0; i < m->n_files && !hit; i++)
		if (strcmp(file_device(m, &m->files[i]), id) == 0 &&
		    strcmp(m->files[i].path, norm) == 0)
			hit = &m->files[i];
	free(norm);
	return hit;
}

/* A directory exists when some file lies below it. */
static bool dir_exists(const struct memfs *m, const char *id, const char *path)
{
	char *norm = path_normalize(path);
	size_t n = strlen(norm);
	bool hit = strcmp(norm, "/") == 0;
	for (size_t i = 0; i < m->n_files && !hit; i++) {
		const char *p = m->files[i].path;
		if (strcmp(file_device(m, &m->files[i]), id) == 0 && strncmp(p, norm, n) == 0 &&
		    p[n] == '/')
			hit = true;
	}
	free(norm);
	return hit;
}

static int memfs_device(void *ctx, const char *name, const char **ret_id)
{
	struct memfs *m = ctx;
	for (size_t i = 0; i < m->n_volumes; i++) {
		const struct memfs_volume *v = &m->volumes[i];
		if (strcmp(v->id, name) == 0 || (v->grub_name && strcmp(v->grub_name, name) == 0)) {
			*ret_id = v->id;
			return 0;
		}
	}
	return -ENODEV;
}

static int memfs_stat(void *ctx, const char *id, const char *path, enum lookup_type *ret_type,
		      uint64_t *ret_size)
{
	struct memfs *m = ctx;
	const struct memfs_file *f = find_file(m, id, path);
	if (f) {
		if (ret_type)
			*ret_type = LOOKUP_TYPE_FILE;
		if (ret_size)
			*ret_size = f->len ? f->len : strlen(f->data);
		return 0;
	}
	if (dir_exists(m, id, path)) {
		if (ret_type)
			*ret_type = LOOKUP_TYPE_DIR;
		if (ret_size)
			*ret_size = 0;
		return 0;
	}
	return -ENOENT;
}

static int memfs_search(void *ctx, enum lookup_search kind, const char *key, const char **ret_name)
{
	struct memfs *m = ctx;
	for (size_t i = 0; i < m->n_volumes; i++) {
		const struct memfs_volume *v = &m->volumes[i];
		bool hit = false;
		if (kind == LOOKUP_BY_FS_UUID)
			hit = v->uuid && strcasecmp(v->uuid, key) == 0;
		else if (kind == LOOKUP_BY_LABEL)
			hit = v->label && strcmp(v->label, key) == 0;
		else
			hit = memfs_stat(ctx, v->id, key, NULL, NULL) == 0;
		if (hit) {
			*ret_name = v->grub_name ? v->grub_name : v->id;
			return 0;
		}
	}
	return -ENOENT;
}

static int memfs_read(void *ctx, const char *id, const char *path, size_t max, char **ret_data,
		      size_t *ret_len)
{
	struct memfs *m = ctx;
	const struct memfs_file *f = find_file(m, id, path);
	if (!f)
		return dir_exists(m, id, path) ? -EISDIR : -ENOENT;
	size_t len = f->len ? f->len : strlen(f->data);
	if (len > max)
		return -EFBIG;
	*ret_data = xstrndup(f->data, len);
	*ret_len = len;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int memfs_list(void *ctx, const char *id, const char *path, char ***ret_names,
		      size_t *ret_count)
{
	struct memfs *m = ctx;
	if (!dir_exists(m, id, path))
		return -ENOENT;
	char *norm = path_normalize(path);
	size_t n = strcmp(norm, "/") == 0 ? 0 : strlen(norm);
	struct strv names = { 0 };
	for (size_t i = 0; i < m->n_files; i++) {
		const char *p = m->files[i].path;
		if (strcmp(file_device(m, &m->files[i]), id) != 0 || strncmp(p, norm, n) != 0 ||
		    p[n] != '/')
			continue;
		const char *name = p + n + 1;
		const char *slash = strchr(name, '/');
		char *entry = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup(name);
		bool dup = false;
		for (size_t k = 0; k < names.n && !dup; k++)
			dup = strcmp(names.v[k], entry) == 0;
		if (dup)
			free(entry);
		else
			strv_push(&names, entry);
	}
	free(norm);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	*ret_names = names.v ? names.v : xcalloc(1, sizeof(char *));
	*ret_count = names.n;
	return 0;
}

static const char *memfs_grub_name(void *ctx, const char *id)
{
	struct memfs *m = ctx;
	for (size_t i = 0; i < m->n_volumes; i++)
		if (strcmp(m->volumes[i].id, id) == 0)
			return m->volumes[i].grub_name;
	return NULL;
}

static const struct lookup_ops memfs_ops = {
	.device = memfs_device,
	.search = memfs_search,
	.stat = memfs_stat,
	.read = memfs_read,
	.list = memfs_list,
	.grub_name = memfs_grub_name,
};

void memfs_init(struct memfs *m, const struct memfs_volume *volumes, size_t n_volumes,
		const struct memfs_file *files, size_t n_files)
{
	m->volumes = volumes;
	m->n_volumes = n_volumes;
	m->files = files;
	m->n_files = n_files;
	m->lookup.ops = &memfs_ops;
	m->lookup.ctx = m;
}
