/* util.h — small memory, string and file helpers used everywhere. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ __attribute__((cleanup(freep)))

/* A growable string; always NUL-terminated once anything was added. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *strbuf_steal(struct strbuf *sb); /* returns "" (allocated) when empty */
void strbuf_free(struct strbuf *sb);

/* A NULL-terminated vector of allocated strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *sv, char *s); /* takes ownership */
void strv_pushs(struct strv *sv, const char *s);
void strv_free(struct strv *sv);
void strv_free_array(char **v);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
bool str_caseeq(const char *a, const char *b);
bool str_eq0(const char *a, const char *b); /* both NULL or equal */
/* Parse a whole decimal (or 0x hex when base 0) number; 0 or -EINVAL/-ERANGE. */
int str_to_long(const char *s, int base, long *ret);
/* Join dir (of path) and a relative name; "/a/b.cfg" + "c.cfg" -> "/a/c.cfg". */
char *path_join_dir(const char *path, const char *rel);
char *path_join(const char *a, const char *b);
/* Collapse "//", "." and ".." (never above "/"); result is absolute. */
char *path_normalize(const char *path);

/* Read a whole file, at most max bytes (-EFBIG beyond). Result is NUL-terminated. */
int file_read_all(const char *path, size_t max, char **ret_data, size_t *ret_len);
int fd_read_all(int fd, size_t max, char **ret_data, size_t *ret_len);
