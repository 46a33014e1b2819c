/* test_cmd.c — GRUB's `test` / `[` (GRUB manual 16.3 "test"): string, integer and file
 * tests, `!`, `-a`, `-o` and parentheses; files are asked of the lookup. */
#include <ctype.h>
#include <string.h>

#include "grub2/interp.h"

struct test_state {
	struct interp *in;
	char **argv;
	size_t argc, pos;
	unsigned depth;
};

static bool file_test(struct interp *in, const char *op, const char *word)
{
	char *device, *path;
	interp_resolve_path(in, word, &device, &path);
	enum lookup_type type = LOOKUP_TYPE_NONE;
	uint64_t size = 0;
	int r = lookup_stat(in->src->lookup, device, path, &type, &size);
	free(device);
	free(path);
	if (r < 0)
		return false;
	switch (op[1]) {
	case 'e':
		return true;
	case 'f':
		return type == LOOKUP_TYPE_FILE;
	case 'd':
		return type == LOOKUP_TYPE_DIR;
	case 's':
		return type == LOOKUP_TYPE_FILE && size > 0;
	}
	return false;
}

/* GRUB reads integers with strtol semantics: leading number, junk ignored. */
static long long to_int(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* -pgt/-plt: compare the numbers after a common non-numeric prefix ("vmlinuz-5.10"). */
static int prefixed_cmp(const char *a, const char *b)
{
	while (*a && *a == *b && !isdigit((unsigned char)*a)) {
		a++;
		b++;
	}
	long long x = to_int(a), y = to_int(b);
	return x < y ? -1 : x > y;
}

static bool test_expr(struct test_state *t);

static const char *peek(struct test_state *t, size_t k)
{
	return t->pos + k < t->argc ? t->argv[t->pos + k] : NULL;
}

static bool test_primary(struct test_state *t)
{
	const char *a = peek(t, 0);
	if (!a)
		return false;
	if (strcmp(a, "!") == 0) {
		t->pos++;
		return !test_primary(t);
	}
	if (strcmp(a, "(") == 0 && t->depth < 64) {
		t->pos++;
		t->depth++;
		bool v = test_expr(t);
		t->depth--;
		if (peek(t, 0) && strcmp(peek(t, 0), ")") == 0)
			t->pos++;
		return v;
	}
	const char *op = peek(t, 1), *b = peek(t, 2);
	if (op && b) {
		static const char *const binops[] = { "=", "==", "!=", "<", ">", "<=", ">=", "-eq",
						      "-ne", "-lt", "-le", "-gt", "-ge", "-pgt",
						      "-plt", "-nt", "-ot", NULL };
		for (size_t i = 0; binops[i]; i++) {
			if (strcmp(op, binops[i]) != 0)
				continue;
			t->pos += 3;
			int c = strcmp(a, b);
			if (!strcmp(op, "=") || !strcmp(op, "=="))
				return c == 0;
			if (!strcmp(op, "!="))
				return c != 0;
			if (!strcmp(op, "<"))
				return c < 0;
			if (!strcmp(op, ">"))
				return c > 0;
			if (!strcmp(op, "<="))
				return c <= 0;
			if (!strcmp(op, ">="))
				return c >= 0;
			long long x = to_int(a), y = to_int(b);
			if (!strcmp(op, "-eq"))
				return x == y;
			if (!strcmp(op, "-ne"))
				return x != y;
			if (!strcmp(op, "-lt"))
				return x < y;
			if (!strcmp(op, "-le"))
				return x <= y;
			if (!strcmp(op, "-gt"))
				return x > y;
			if (!strcmp(op, "-ge"))
				return x >= y;
			if (!strcmp(op, "-pgt"))
				return prefixed_cmp(a, b) > 0;
			if (!strcmp(op, "-plt"))
				return prefixed_cmp(a, b) < 0;
			/* -nt / -ot: kxboot has no modification times to compare. */
			return false;
		}
	}
	if (op && a[0] == '-' && a[1] && !a[2]) {
		char u = a[1];
		if (u == 'z' || u == 'n') {
			t->pos += 2;
			return u == 'z' ? op[0] == '\0' : op[0] != '\0';
		}
		if (u == 'e' || u == 'f' || u == 'd' || u == 's') {
			t->pos += 2;
			return file_test(t->in, a, op);
		}
	}
	t->pos++;
	return a[0] != '\0';
}

static bool test_and(struct test_state *t)
{
	bool v = test_primary(t);
	while (peek(t, 0) && strcmp(peek(t, 0), "-a") == 0) {
		t->pos++;
		bool w = test_primary(t);
		v = v && w;
	}
	return v;
}

static bool test_expr(struct test_state *t)
{
	bool v = test_and(t);
	while (peek(t, 0) && strcmp(peek(t, 0), "-o") == 0) {
		t->pos++;
		bool w = test_and(t);
		v = v || w;
	}
	return v;
}

int grub_cmd_test(struct interp *in, char **argv, size_t argc)
{
	struct test_state t = { .in = in, .argv = argv, .argc = argc };
	if (argc == 0)
		return 1;
	bool v = test_expr(&t);
	return v ? 0 : 1;
}
