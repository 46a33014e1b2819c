/* commands.c — the GRUB 2 commands kxboot understands (GRUB manual 16 "The list of available
 * commands"), as a table. Loaders record what an entry boots; display and module commands
 * are accepted and do nothing; commands that need firmware kxboot does not have are warned
 * about once. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "grub2/grubenv.h"
#include "grub2/interp.h"
#include "limits.h"
#include "log.h"
#include "util.h"

typedef int (*grub_cmd_fn)(struct interp *in, char **argv, size_t argc);

struct grub_command {
	const char *name;
	grub_cmd_fn run;
};

static int cmd_ok(struct interp *in, char **argv, size_t argc)
{
	return 0;
}

static int cmd_false(struct interp *in, char **argv, size_t argc)
{
	return 1;
}

/* Commands kxboot cannot carry out (they need GRUB's firmware drivers): warn once, fail. */
static int cmd_unsupported(struct interp *in, char **argv, size_t argc)
{
	for (size_t i = 0; i < in->warned.n; i++)
		if (strcmp(in->warned.v[i], argv[0]) == 0)
			return 1;
	interp_warn(in, "'%s' is not supported by kxboot, ignoring", argv[0]);
	if (in->warned.n < 256)
		strv_pushs(&in->warned, argv[0]);
	return 1;
}

static int cmd_set(struct interp *in, char **argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq) {
			grub_env_set(in, argv[i], "");
			continue;
		}
		char *name = xstrndup(argv[i], (size_t)(eq - argv[i]));
		grub_env_set(in, name, eq + 1);
		free(name);
	}
	return 0;
}

static int cmd_unset(struct interp *in, char **argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++)
		grub_env_unset(in, argv[i]);
	return 0;
}

static int cmd_export(struct interp *in, char **argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++)
		grub_env_export(in, argv[i]);
	return 0;
}

static int cmd_test(struct interp *in, char **argv, size_t argc)
{
	return grub_cmd_test(in, argv + 1, argc - 1);
}

static int cmd_bracket(struct interp *in, char **argv, size_t argc)
{
	if (argc < 2 || strcmp(argv[argc - 1], "]") != 0) {
		interp_warn(in, "'[' without ']'");
		return 1;
	}
	return grub_cmd_test(in, argv + 1, argc - 2);
}

static int status_arg(struct interp *in, char **argv, size_t argc, int dflt)
{
	long v;
	if (argc > 1 && str_to_long(argv[1], 10, &v) == 0)
		return (int)v;
	return dflt;
}

static int cmd_return(struct interp *in, char **argv, size_t argc)
{
	int status = status_arg(in, argv, argc, in->status);
	if (in->call_depth > 0)
		in->flow = FLOW_RETURN;
	return status;
}

static int cmd_break(struct interp *in, char **argv, size_t argc)
{
	if (in->loop_depth > 0)
		in->flow = strcmp(argv[0], "break") == 0 ? FLOW_BREAK : FLOW_CONTINUE;
	return 0;
}

static int cmd_shift(struct interp *in, char **argv, size_t argc)
{
	int n = status_arg(in, argv, argc, 1);
	if (n < 0 || (size_t)n > in->frame.argc)
		return 1;
	in->frame.argv += n;
	in->frame.argc -= (size_t)n;
	return 0;
}

static int cmd_setparams(struct interp *in, char **argv, size_t argc)
{
	/* The new parameters must outlive this command's argv: keep a copy with the scripts. */
	struct script *holder = xcalloc(1, sizeof(*holder));
	in->scripts = xreallocarray(in->scripts, in->n_scripts + 1, sizeof(*in->scripts));
	in->scripts[in->n_scripts++] = holder;
	char **v = arena_alloc(&holder->arena, argc * sizeof(char *));
	for (size_t i = 1; i < argc; i++)
		v[i - 1] = arena_strdup(&holder->arena, argv[i]);
	in->frame = (struct grub_frame){ .argv = v, .argc = argc - 1 };
	return 0;
}

static int cmd_exit(struct interp *in, char **argv, size_t argc)
{
	in->flow = FLOW_STOP;
	return status_arg(in, argv, argc, 0);
}

static int cmd_source(struct interp *in, char **argv, size_t argc)
{
	if (argc < 2)
		return 1;
	return interp_source_file(in, argv[1], false);
}

static int cmd_configfile(struct interp *in, char **argv, size_t argc)
{
	if (argc < 2)
		return 1;
	return interp_source_file(in, argv[1], true);
}

static int cmd_eval(struct interp *in, char **argv, size_t argc)
{
	if (in->include_depth >= CONFIG_INCLUDE_DEPTH_MAX) {
		interp_warn(in, "eval nested too deep");
		return 1;
	}
	struct strbuf sb = { 0 };
	for (size_t i = 1; i < argc; i++) {
		if (i > 1)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, argv[i]);
	}
	char *text = strbuf_steal(&sb);
	in->include_depth++;
	interp_run_text(in, in->file ? in->file : "eval", text, strlen(text), false);
	in->include_depth--;
	free(text);
	return in->status;
}

/* ---- grubenv ----------------------------------------------------------------------------- */

struct load_env_ctx {
	struct interp *in;
	char **only;
	size_t n_only;
};

static void load_env_var(void *ctx, const char *name, const char *value)
{
	struct load_env_ctx *c = ctx;
	if (c->n_only) {
		bool wanted = false;
		for (size_t i = 0; i < c->n_only && !wanted; i++)
			wanted = strcmp(c->only[i], name) == 0;
		if (!wanted)
			return;
	}
	grub_env_set(c->in, name, value);
}

static int cmd_load_env(struct interp *in, char **argv, size_t argc)
{
	const char *file = NULL;
	struct load_env_ctx ctx = { .in = in };
	char **only = xcalloc(argc, sizeof(char *));
	for (size_t i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) {
			if (i + 1 < argc)
				file = argv[++i];
		} else if (str_startswith(argv[i], "--file=")) {
			file = argv[i] + 7;
		} else if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--skip-sig") == 0) {
			continue;
		} else {
			only[ctx.n_only++] = argv[i];
		}
	}
	ctx.only = only;
	char *dflt = NULL;
	if (!file) {
		const char *prefix = grub_env_get(in, "prefix");
		dflt = xasprintf("%s/grubenv", prefix ? prefix : "");
		file = dflt;
	}
	char *device, *path;
	interp_resolve_path(in, file, &device, &path);
	char *text = NULL;
	size_t len = 0;
	int r = lookup_read(in->src->lookup, device, path, GRUBENV_SIZE_MAX, &text, &len);
	int status = 0;
	if (r < 0) {
		log_debug("load_env: cannot read '%s': %s", file, strerror(-r));
		status = 1;
	} else if (grubenv_parse(text, len, load_env_var, &ctx) < 0) {
		interp_warn(in, "'%s' is not a GRUB environment block, ignoring", file);
		status = 1;
	}
	free(text);
	free(device);
	free(path);
	free(dflt);
	free(only);
	return status;
}

/* ---- search ------------------------------------------------------------------------------ */

static int search_run(struct interp *in, enum lookup_search kind, const char *key,
		      const char *var)
{
	const char *name = NULL;
	if (lookup_search(in->src->lookup, kind, key, &name) < 0)
		return 1;
	if (var)
		grub_env_set(in, var, name);
	return 0;
}

/* search [--file|--label|--fs-uuid] [--set[=VAR]] [--no-floppy] [--hint...] NAME */
static int cmd_search(struct interp *in, char **argv, size_t argc)
{
	enum lookup_search kind = LOOKUP_BY_FILE;
	const char *var = NULL;
	const char *key = NULL;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-f") || !strcmp(a, "--file"))
			kind = LOOKUP_BY_FILE;
		else if (!strcmp(a, "-l") || !strcmp(a, "--label"))
			kind = LOOKUP_BY_LABEL;
		else if (!strcmp(a, "-u") || !strcmp(a, "--fs-uuid"))
			kind = LOOKUP_BY_FS_UUID;
		else if (!strcmp(a, "-s") || !strcmp(a, "--set"))
			var = "root";
		else if (str_startswith(a, "--set="))
			var = a + 6;
		else if (!strcmp(a, "-h") || !strcmp(a, "--hint"))
			i++; /* hints only speed GRUB up; kxboot searches every filesystem */
		else if (a[0] == '-' && a[1] != '\0' && key == NULL)
			continue; /* --no-floppy, --hint-bios=..., --efidisk-only, ... */
		else if (!key)
			key = a;
	}
	if (!key)
		return 1;
	return search_run(in, kind, key, var);
}

/* search.fs_uuid UUID [VAR], search.fs_label LABEL [VAR], search.file FILE [VAR] */
static int cmd_search_short(struct interp *in, char **argv, size_t argc)
{
	enum lookup_search kind = LOOKUP_BY_FILE;
	if (!strcmp(argv[0], "search.fs_uuid"))
		kind = LOOKUP_BY_FS_UUID;
	else if (!strcmp(argv[0], "search.fs_label"))
		kind = LOOKUP_BY_LABEL;
	const char *pos[2] = { NULL, NULL };
	size_t n = 0;
	for (size_t i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-')
			continue;
		if (n < 2)
			pos[n++] = argv[i];
	}
	if (!pos[0])
		return 1;
	return search_run(in, kind, pos[0], pos[1]);
}

/* regexp [--set [N:]VAR]... REGEXP STRING (POSIX extended, as GRUB's gnulib regex) */
static int cmd_regexp(struct interp *in, char **argv, size_t argc)
{
	struct {
		long n;
		const char *var;
	} sets[16];
	size_t n_sets = 0;
	const char *pos[2] = { NULL, NULL };
	size_t np = 0;
	for (size_t i = 1; i < argc; i++) {
		const char *spec = NULL;
		if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--set")) && i + 1 < argc)
			spec = argv[++i];
		else if (str_startswith(argv[i], "--set="))
			spec = argv[i] + 6;
		if (spec) {
			if (n_sets >= ARRAY_SIZE(sets))
				continue;
			const char *colon = strchr(spec, ':');
			long n = 1;
			if (colon) {
				char *num = xstrndup(spec, (size_t)(colon - spec));
				if (str_to_long(num, 10, &n) < 0 || n < 0 || n > 9)
					n = 1;
				free(num);
				spec = colon + 1;
			}
			sets[n_sets].n = n;
			sets[n_sets++].var = spec;
			continue;
		}
		if (np < 2)
			pos[np++] = argv[i];
	}
	if (np < 2)
		return 1;
	regex_t re;
	if (regcomp(&re, pos[0], REG_EXTENDED) != 0) {
		interp_warn(in, "bad regular expression '%s'", pos[0]);
		return 1;
	}
	regmatch_t m[10];
	int r = regexec(&re, pos[1], 10, m, 0);
	if (r == 0) {
		for (size_t i = 0; i < n_sets; i++) {
			regmatch_t *g = &m[sets[i].n];
			if (g->rm_so < 0)
				continue;
			char *v = xstrndup(pos[1] + g->rm_so, (size_t)(g->rm_eo - g->rm_so));
			grub_env_set(in, sets[i].var, v);
			free(v);
		}
	}
	regfree(&re);
	return r == 0 ? 0 : 1;
}

/* ---- loaders ----------------------------------------------------------------------------- */

/* GRUB's loader command line (lib/cmdline.c): arguments joined by single spaces; every '\\',
 * '\'' and '"' gets a backslash before it, and an argument with a space is put in double
 * quotes (checked against GRUB 2.06, tests/corpus/GRUB-FACTS.md). */
static char *loader_cmdline(char **argv, size_t argc)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < argc; i++) {
		if (i > 0)
			strbuf_addc(&sb, ' ');
		bool space = strchr(argv[i], ' ') != NULL;
		if (space)
			strbuf_addc(&sb, '"');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '"' || *p == '\\' || *p == '\'')
				strbuf_addc(&sb, '\\');
			strbuf_addc(&sb, *p);
		}
		if (space)
			strbuf_addc(&sb, '"');
	}
	return strbuf_steal(&sb);
}

/* Skip a loader's own --options; returns the index of the file argument. */
static size_t skip_options(char **argv, size_t argc)
{
	size_t i = 1;
	while (i < argc && str_startswith(argv[i], "--"))
		i++;
	return i;
}

static int cmd_linux(struct interp *in, char **argv, size_t argc)
{
	struct boot_entry *e = in->entry;
	size_t i = skip_options(argv, argc);
	if (i >= argc) {
		interp_warn(in, "%s: no kernel given", argv[0]);
		return 1;
	}
	if (!e)
		return 0; /* a loader outside an entry boots nothing from the menu */
	bool multiboot = str_startswith(argv[0], "multiboot");
	char *device, *path;
	interp_resolve_path(in, argv[i], &device, &path);
	/* A new kernel replaces what an earlier loader command in the entry set up. */
	for (size_t k = 0; k < e->n_initrds; k++)
		boot_file_clear(&e->initrds[k]);
	e->n_initrds = 0;
	for (size_t k = 0; k < e->n_modules; k++) {
		boot_file_clear(&e->modules[k].file);
		free(e->modules[k].cmdline);
	}
	e->n_modules = 0;
	e->kind = multiboot ? BOOT_KIND_MULTIBOOT : BOOT_KIND_LINUX;
	boot_file_set(&e->kernel, device, path);
	free(e->cmdline);
	e->cmdline = loader_cmdline(argv + i + 1, argc - i - 1);
	free(device);
	free(path);
	return 0;
}

static int cmd_initrd(struct interp *in, char **argv, size_t argc)
{
	struct boot_entry *e = in->entry;
	if (!e)
		return 0;
	if (!e->kernel.path || e->kind != BOOT_KIND_LINUX) {
		interp_warn(in, "%s: you need to load the kernel first", argv[0]);
		return 1;
	}
	/* Each initrd command replaces the list of the one before. */
	for (size_t k = 0; k < e->n_initrds; k++)
		boot_file_clear(&e->initrds[k]);
	e->n_initrds = 0;
	for (size_t i = 1; i < argc; i++) {
		if (str_startswith(argv[i], "--"))
			continue;
		char *device, *path;
		interp_resolve_path(in, argv[i], &device, &path);
		boot_entry_add_initrd(e, device, path);
		free(device);
		free(path);
	}
	return 0;
}

static int cmd_module(struct interp *in, char **argv, size_t argc)
{
	struct boot_entry *e = in->entry;
	if (!e)
		return 0;
	if (!e->kernel.path || e->kind != BOOT_KIND_MULTIBOOT) {
		interp_warn(in, "%s: you need to load the multiboot kernel first", argv[0]);
		return 1;
	}
	size_t i = skip_options(argv, argc);
	if (i >= argc)
		return 1;
	char *device, *path;
	interp_resolve_path(in, argv[i], &device, &path);
	char *cmdline = loader_cmdline(argv + i + 1, argc - i - 1);
	boot_entry_add_module(e, device, path, cmdline);
	free(cmdline);
	free(device);
	free(path);
	return 0;
}

static int cmd_devicetree(struct interp *in, char **argv, size_t argc)
{
	if (!in->entry || argc < 2)
		return argc < 2;
	char *device, *path;
	interp_resolve_path(in, argv[1], &device, &path);
	boot_file_set(&in->entry->devicetree, device, path);
	free(device);
	free(path);
	return 0;
}

/* chainloader & co.: the entry boots something that is not a Linux or multiboot kernel. */
static int cmd_foreign_loader(struct interp *in, char **argv, size_t argc)
{
	if (in->entry) {
		boot_file_clear(&in->entry->kernel);
		in->entry->n_initrds = 0;
	}
	return 0;
}

/* boot, reboot, halt, fwsetup: the entry ends here. */
static int cmd_end_entry(struct interp *in, char **argv, size_t argc)
{
	if (in->entry)
		in->flow = FLOW_STOP;
	return 0;
}

static int cmd_blscfg(struct interp *in, char **argv, size_t argc)
{
	interp_blscfg(in, argv, argc);
	return in->status;
}

static int cmd_cpuid(struct interp *in, char **argv, size_t argc)
{
	/* kxboot runs on x86-64: long mode and PAE are there. */
	return 0;
}

static const struct grub_command commands[] = {
	{ "set", cmd_set },
	{ "unset", cmd_unset },
	{ "export", cmd_export },
	{ "test", cmd_test },
	{ "[", cmd_bracket },
	{ "true", cmd_ok },
	{ "false", cmd_false },
	{ "return", cmd_return },
	{ "break", cmd_break },
	{ "continue", cmd_break },
	{ "shift", cmd_shift },
	{ "setparams", cmd_setparams },
	{ "exit", cmd_exit },
	{ "source", cmd_source },
	{ ".", cmd_source },
	{ "configfile", cmd_configfile },
	{ "normal", cmd_configfile },
	{ "eval", cmd_eval },
	{ "load_env", cmd_load_env },
	{ "save_env", cmd_ok },
	{ "list_env", cmd_ok },
	{ "search", cmd_search },
	{ "search.fs_uuid", cmd_search_short },
	{ "search.fs_label", cmd_search_short },
	{ "search.file", cmd_search_short },
	{ "regexp", cmd_regexp },
	{ "linux", cmd_linux },
	{ "linux16", cmd_linux },
	{ "linuxefi", cmd_linux },
	{ "multiboot", cmd_linux },
	{ "multiboot2", cmd_linux },
	{ "initrd", cmd_initrd },
	{ "initrd16", cmd_initrd },
	{ "initrdefi", cmd_initrd },
	{ "module", cmd_module },
	{ "module2", cmd_module },
	{ "devicetree", cmd_devicetree },
	{ "blscfg", cmd_blscfg },
	{ "chainloader", cmd_foreign_loader },
	{ "ntldr", cmd_foreign_loader },
	{ "freedos", cmd_foreign_loader },
	{ "appleloader", cmd_foreign_loader },
	{ "kfreebsd", cmd_foreign_loader },
	{ "knetbsd", cmd_foreign_loader },
	{ "kopenbsd", cmd_foreign_loader },
	{ "xnu_kernel", cmd_foreign_loader },
	{ "xnu_kernel64", cmd_foreign_loader },
	{ "boot", cmd_end_entry },
	{ "reboot", cmd_end_entry },
	{ "halt", cmd_end_entry },
	{ "fwsetup", cmd_end_entry },
	{ "cpuid", cmd_cpuid },
	/* Display, input and module commands: nothing to do for kxboot. */
	{ "insmod", cmd_ok },
	{ "rmmod", cmd_ok },
	{ "lsmod", cmd_ok },
	{ "loadfont", cmd_ok },
	{ "terminal_input", cmd_ok },
	{ "terminal_output", cmd_ok },
	{ "terminal", cmd_ok },
	{ "terminfo", cmd_ok },
	{ "serial", cmd_ok },
	{ "background_image", cmd_ok },
	{ "background_color", cmd_ok },
	{ "clear", cmd_ok },
	{ "echo", cmd_ok },
	{ "play", cmd_ok },
	{ "sleep", cmd_ok },
	{ "videoinfo", cmd_ok },
	{ "vbeinfo", cmd_ok },
	{ "password", cmd_ok },
	{ "password_pbkdf2", cmd_ok },
	{ "nativedisk", cmd_ok },
	{ "usb", cmd_ok },
	{ "ls", cmd_ok },
	{ "cat", cmd_ok },
	{ "read", cmd_ok },
	{ "gettext", cmd_ok },
	{ "keystatus", cmd_false }, /* no key is held down while kxboot reads the config */
	{ "hwmatch", cmd_false },
	/* Need firmware or GRUB drivers kxboot does not have. */
	{ "probe", cmd_unsupported },
	{ "loopback", cmd_unsupported },
	{ "cryptomount", cmd_unsupported },
	{ "smbios", cmd_unsupported },
	{ "tr", cmd_unsupported },
	{ "drivemap", cmd_unsupported },
	{ "parttool", cmd_unsupported },
	{ "syslinux_configfile", cmd_unsupported },
	{ "syslinux_source", cmd_unsupported },
	{ "legacy_configfile", cmd_unsupported },
	{ "legacy_source", cmd_unsupported },
	{ "net_bootp", cmd_unsupported },
	{ "net_dhcp", cmd_unsupported },
	{ "increment", cmd_ok },
	{ "decrement", cmd_ok },
};

int grub_run_builtin(struct interp *in, char **argv, size_t argc)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			return commands[i].run(in, argv, argc);
	return -1;
}
