/* interp.h — the GRUB 2 script interpreter's state, shared by its command files. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "entry.h"
#include "grub2/script.h"
#include "util.h"

struct grub_var {
	char *name;
	char *value; /* NULL: unset here, hiding the base's value */
	bool exported;
};

/* Variables of one context. GRUB opens a new context for submenus and configfile, into
 * which only exported variables are copied. A menuentry body runs in an overlay (base set)
 * so that what one entry sets is not seen by the next. */
struct grub_env {
	struct grub_var *v;
	size_t n, cap;
	size_t bytes;
	const struct grub_env *base;
};

struct grub_func {
	char *name;
	const struct node *body_node;
};

enum grub_flow {
	FLOW_NORMAL,
	FLOW_BREAK,
	FLOW_CONTINUE,
	FLOW_RETURN,
	FLOW_STOP, /* exit, a configfile that took over, or a limit hit: unwind the file */
	FLOW_ABORT, /* one statement ran too long: unwind to the next top-level statement */
};

/* A menuentry or submenu met while running a config; turned into boot entries once the
 * config (or submenu body) has finished, with the variables as they are then. */
struct pending_item {
	bool submenu;
	char *title;
	char *id;
	bool locked;
	const struct node *body; /* the menuentry/submenu node */
	struct strv params;	 /* $1.. for the body: title and extra arguments */
	char *file;
	unsigned line;
};

struct pending_list {
	struct pending_item *v;
	size_t n, cap;
};

struct grub_frame {
	char **argv; /* $1..$n */
	size_t argc;
};

struct interp {
	const struct config_source *src;
	struct menu *menu;
	struct grub_env *env; /* current context */
	struct pending_list *items; /* menu being built in the current context */
	struct grub_frame frame;
	struct boot_entry *entry; /* non-NULL while a menuentry body is read for its kernel */
	struct grub_func *funcs;
	size_t n_funcs;
	struct script **scripts; /* every parsed file, kept until the end: functions point in */
	size_t n_scripts;
	int status; /* $? */
	enum grub_flow flow;
	unsigned loop_depth;
	unsigned call_depth;
	unsigned include_depth;
	unsigned files_read;
	unsigned long steps;
	unsigned long statement_steps;
	unsigned long expanded; /* bytes produced by expansion */
	bool limit_hit;
	const char *file; /* file being run, for messages */
	unsigned line;
	struct strv warned; /* unknown commands warned about once */
	bool took_over;	/* a top-level configfile replaced the menu */
};

/* Variables */
const char *grub_env_get(const struct interp *in, const char *name);
void grub_env_set(struct interp *in, const char *name, const char *value);
void grub_env_unset(struct interp *in, const char *name);
void grub_env_export(struct interp *in, const char *name);
void grub_env_copy(struct grub_env *dst, const struct grub_env *src, bool exported_only);
void grub_env_free(struct grub_env *env);

/* Run a block / a parsed file / a file on a volume. */
void interp_run_block(struct interp *in, const struct block *b);
int interp_source_file(struct interp *in, const char *path_word, bool new_context);
/* Parse and run text. top: each top-level statement gets its own command budget. */
int interp_run_text(struct interp *in, const char *name, const char *text, size_t len, bool top);
/* Turn a GRUB path ("(hd0,1)/x", "($root)/x" already expanded, "/x") into a volume and an
 * absolute path. ret_device is a lookup id, or the device as written when unknown. */
void interp_resolve_path(struct interp *in, const char *word, char **ret_device, char **ret_path);
void interp_warn(struct interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Define the menu item of a menuentry/submenu command with expanded arguments. */
void interp_add_item(struct interp *in, const struct node *n, char **argv, size_t argc);
/* Append BLS entries (blscfg) as menu items. */
void interp_blscfg(struct interp *in, char **argv, size_t argc);

/* Run a whole grub.cfg into m (the config format's parse). */
int grub2_run(const struct config_source *src, const char *text, size_t len, struct menu *m);

/* Builtin commands: returns the command's status, or -1 when the name is unknown. */
int grub_run_builtin(struct interp *in, char **argv, size_t argc);
/* `test` / `[` */
int grub_cmd_test(struct interp *in, char **argv, size_t argc);
