/* interp.c — executing GRUB 2 scripts (GRUB manual 6.3 and 16 "The list of command-line and
 * menu entry commands"): variables and contexts, expansion and word splitting, control
 * flow, functions, and turning menuentry/submenu blocks into boot entries. */
#include "grub2/interp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bls.h"
#include "limits.h"
#include "log.h"
#include "util.h"

/* ---- variables ------------------------------------------------------------------------- */

static struct grub_var *env_find(const struct grub_env *env, const char *name)
{
	for (size_t i = 0; i < env->n; i++)
		if (strcmp(env->v[i].name, name) == 0)
			return &env->v[i];
	return NULL;
}

const char *grub_env_get(const struct interp *in, const char *name)
{
	for (const struct grub_env *env = in->env; env; env = env->base) {
		struct grub_var *v = env_find(env, name);
		if (v)
			return v->value;
	}
	return NULL;
}

static bool env_exported(const struct interp *in, const char *name)
{
	for (const struct grub_env *env = in->env; env; env = env->base) {
		struct grub_var *v = env_find(env, name);
		if (v)
			return v->exported;
	}
	return false;
}

static struct grub_var *env_slot(struct interp *in, const char *name)
{
	struct grub_env *env = in->env;
	struct grub_var *v = env_find(env, name);
	if (v)
		return v;
	if (env->n >= GRUB_VARS_MAX) {
		interp_warn(in, "too many variables, '%s' not set", name);
		return NULL;
	}
	if (env->n == env->cap) {
		env->cap = env->cap ? env->cap * 2 : 32;
		env->v = xreallocarray(env->v, env->cap, sizeof(*env->v));
	}
	bool exported = env_exported(in, name);
	v = &env->v[env->n++];
	*v = (struct grub_var){ .name = xstrdup(name), .exported = exported };
	env->bytes += strlen(name);
	return v;
}

void grub_env_set(struct interp *in, const char *name, const char *value)
{
	size_t len = strlen(value);
	struct grub_var *v = env_find(in->env, name);
	size_t old = v && v->value ? strlen(v->value) : 0;
	if (in->env->bytes - old + len > GRUB_ENV_BYTES_MAX) {
		interp_warn(in, "variables larger than %u bytes, '%s' not set", GRUB_ENV_BYTES_MAX, name);
		return;
	}
	v = env_slot(in, name);
	if (!v)
		return;
	in->env->bytes = in->env->bytes - old + len;
	free(v->value);
	v->value = xstrdup(value);
}

void grub_env_unset(struct interp *in, const char *name)
{
	struct grub_var *v = env_slot(in, name);
	if (!v)
		return;
	if (v->value)
		in->env->bytes -= strlen(v->value);
	free(v->value);
	v->value = NULL;
}

void grub_env_export(struct interp *in, const char *name)
{
	struct grub_var *v = env_find(in->env, name);
	if (!v) {
		const char *value = grub_env_get(in, name);
		v = env_slot(in, name);
		if (!v)
			return;
		v->value = value ? xstrdup(value) : xstrdup("");
		in->env->bytes += strlen(v->value);
	}
	v->exported = true;
}

void grub_env_copy(struct grub_env *dst, const struct grub_env *src, bool exported_only)
{
	/* Flatten src and its bases: the nearest definition of each name wins. */
	for (const struct grub_env *env = src; env; env = env->base) {
		for (size_t i = 0; i < env->n; i++) {
			const struct grub_var *v = &env->v[i];
			if (env_find(dst, v->name))
				continue;
			if (dst->n == dst->cap) {
				dst->cap = dst->cap ? dst->cap * 2 : 32;
				dst->v = xreallocarray(dst->v, dst->cap, sizeof(*dst->v));
			}
			/* Unset or unexported names still shadow deeper bases while copying. */
			bool keep = v->value && (!exported_only || v->exported);
			dst->v[dst->n++] = (struct grub_var){ .name = xstrdup(v->name),
							      .value = keep ? xstrdup(v->value) : NULL,
							      .exported = v->exported };
			if (keep)
				dst->bytes += strlen(v->name) + strlen(v->value);
		}
	}
	/* Drop the shadow markers. */
	size_t k = 0;
	for (size_t i = 0; i < dst->n; i++) {
		if (dst->v[i].value)
			dst->v[k++] = dst->v[i];
		else
			free(dst->v[i].name);
	}
	dst->n = k;
}

void grub_env_free(struct grub_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].name);
		free(env->v[i].value);
	}
	free(env->v);
	*env = (struct grub_env){ 0 };
}

void interp_warn(struct interp *in, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_at(LOG_WARN, in->file, in->line, "%s", text);
}

static bool budget_ok(struct interp *in, size_t bytes)
{
	in->expanded += bytes;
	if (in->expanded > GRUB_EXPAND_BYTES_MAX && !in->limit_hit) {
		interp_warn(in, "expansion produced more than %u bytes, config not read further",
			    GRUB_EXPAND_BYTES_MAX);
		in->limit_hit = true;
		in->flow = FLOW_STOP;
	}
	return !in->limit_hit;
}

/* ---- expansion --------------------------------------------------------------------------- */

struct fields {
	struct strv out;
	struct strbuf cur;
	bool started;
};

static void field_end(struct interp *in, struct fields *f)
{
	if (f->started) {
		if (f->cur.len > GRUB_WORD_MAX) {
			interp_warn(in, "word longer than %u bytes cut", GRUB_WORD_MAX);
			f->cur.len = GRUB_WORD_MAX;
			f->cur.buf[f->cur.len] = '\0';
		}
		budget_ok(in, f->cur.len);
		strv_push(&f->out, strbuf_steal(&f->cur));
	}
	f->started = false;
}

static bool is_ifs(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* An unquoted value is split into fields on blanks, the first piece joining the word so far. */
static void field_add_split(struct interp *in, struct fields *f, const char *value)
{
	const char *p = value;
	while (*p) {
		if (is_ifs(*p)) {
			field_end(in, f);
			while (is_ifs(*p))
				p++;
			continue;
		}
		const char *start = p;
		while (*p && !is_ifs(*p))
			p++;
		strbuf_add(&f->cur, start, (size_t)(p - start));
		f->started = true;
	}
}

static const char *special_var(struct interp *in, const char *name, char *buf, size_t size)
{
	if (strcmp(name, "?") == 0) {
		snprintf(buf, size, "%d", in->status);
		return buf;
	}
	if (strcmp(name, "#") == 0) {
		snprintf(buf, size, "%zu", in->frame.argc);
		return buf;
	}
	if (name[0] >= '0' && name[0] <= '9') {
		long idx;
		if (str_to_long(name, 10, &idx) < 0)
			return NULL;
		if (idx == 0)
			return "";
		if ((size_t)idx <= in->frame.argc)
			return in->frame.argv[idx - 1];
		return NULL;
	}
	return grub_env_get(in, name);
}

static void expand_word(struct interp *in, const struct word *w, struct fields *f)
{
	if (w->quoted_any)
		f->started = true;
	for (size_t i = 0; i < w->n_segs; i++) {
		const struct word_seg *s = &w->segs[i];
		if (s->kind == SEG_TEXT) {
			strbuf_adds(&f->cur, s->text);
			if (s->text[0] || s->quoted)
				f->started = true;
			continue;
		}
		if (strcmp(s->text, "@") == 0 || strcmp(s->text, "*") == 0) {
			for (size_t k = 0; k < in->frame.argc; k++) {
				if (k > 0) {
					if (s->quoted && s->text[0] == '*')
						strbuf_addc(&f->cur, ' ');
					else
						field_end(in, f);
				}
				if (s->quoted)
					strbuf_adds(&f->cur, in->frame.argv[k]), f->started = true;
				else
					field_add_split(in, f, in->frame.argv[k]);
			}
			continue;
		}
		char buf[32];
		const char *value = special_var(in, s->text, buf, sizeof(buf));
		if (!value)
			value = "";
		if (s->quoted) {
			strbuf_adds(&f->cur, value);
			f->started = true;
		} else {
			field_add_split(in, f, value);
		}
		if (f->cur.len > GRUB_WORD_MAX)
			break;
	}
	field_end(in, f);
}

/* All words of a command as fields (argv). */
static void expand_words(struct interp *in, const struct word *words, size_t n, struct strv *ret)
{
	struct fields f = { 0 };
	for (size_t i = 0; i < n && !in->limit_hit; i++) {
		expand_word(in, &words[i], &f);
		if (f.out.n > GRUB_ARGS_MAX)
			break;
	}
	strbuf_free(&f.cur);
	*ret = f.out;
	if (!ret->v)
		strv_push(ret, NULL), ret->n = 0;
}

/* ---- paths ------------------------------------------------------------------------------- */

void interp_resolve_path(struct interp *in, const char *word, char **ret_device, char **ret_path)
{
	const char *path = word;
	char *devname = NULL;
	if (word[0] == '(') {
		const char *close = strchr(word, ')');
		if (close) {
			devname = xstrndup(word + 1, (size_t)(close - word - 1));
			path = close + 1;
		}
	}
	if (!devname || !devname[0]) {
		free(devname);
		const char *root = grub_env_get(in, "root");
		devname = xstrdup(root ? root : "");
	}
	/* GRUB writes devices with or without parentheses in $root; accept both. */
	if (devname[0] == '(' && devname[strlen(devname) - 1] == ')') {
		char *inner = xstrndup(devname + 1, strlen(devname) - 2);
		free(devname);
		devname = inner;
	}
	const char *id = NULL;
	if (!devname[0])
		*ret_device = xstrdup(in->src->device);
	else if (lookup_device(in->src->lookup, devname, &id) == 0)
		*ret_device = xstrdup(id);
	else
		*ret_device = xasprintf("(%s)", devname);
	free(devname);
	*ret_path = path_normalize(path[0] ? path : "/");
}

/* ---- execution --------------------------------------------------------------------------- */

static void run_node(struct interp *in, const struct node *n);

void interp_run_block(struct interp *in, const struct block *b)
{
	for (size_t i = 0; i < b->n && in->flow == FLOW_NORMAL; i++)
		run_node(in, b->nodes[i]);
}

static const struct grub_func *func_find(const struct interp *in, const char *name)
{
	for (size_t i = 0; i < in->n_funcs; i++)
		if (strcmp(in->funcs[i].name, name) == 0)
			return &in->funcs[i];
	return NULL;
}

static void func_define(struct interp *in, const struct node *n)
{
	for (size_t i = 0; i < in->n_funcs; i++) {
		if (strcmp(in->funcs[i].name, n->name) == 0) {
			in->funcs[i].body_node = n;
			return;
		}
	}
	in->funcs = xreallocarray(in->funcs, in->n_funcs + 1, sizeof(*in->funcs));
	in->funcs[in->n_funcs++] = (struct grub_func){ .name = xstrdup(n->name), .body_node = n };
}

static void call_function(struct interp *in, const struct grub_func *fn, char **argv, size_t argc)
{
	if (in->call_depth >= GRUB_CALL_DEPTH_MAX) {
		interp_warn(in, "function '%s' nested deeper than %u calls, not run", fn->name,
			    GRUB_CALL_DEPTH_MAX);
		in->status = 1;
		return;
	}
	struct grub_frame saved = in->frame;
	unsigned saved_loops = in->loop_depth;
	in->frame = (struct grub_frame){ .argv = argv + 1, .argc = argc - 1 };
	in->call_depth++;
	in->loop_depth = 0;
	in->status = 0;
	interp_run_block(in, &fn->body_node->bodies[0]);
	if (in->flow == FLOW_RETURN || in->flow == FLOW_BREAK || in->flow == FLOW_CONTINUE)
		in->flow = FLOW_NORMAL;
	in->loop_depth = saved_loops;
	in->call_depth--;
	in->frame = saved;
}

static bool is_assignment(const char *word, size_t *ret_namelen)
{
	const char *eq = strchr(word, '=');
	if (!eq || eq == word)
		return false;
	for (const char *p = word; p < eq; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		      (p > word && *p >= '0' && *p <= '9')))
			return false;
	*ret_namelen = (size_t)(eq - word);
	return true;
}

static void run_command(struct interp *in, const struct node *n)
{
	struct strv argv;
	expand_words(in, n->words, n->n_words, &argv);
	if (in->limit_hit || argv.n == 0) {
		if (argv.n == 0 && !in->limit_hit)
			in->status = 0;
		strv_free(&argv);
		return;
	}
	int r = grub_run_builtin(in, argv.v, argv.n);
	if (r >= 0) {
		in->status = r;
	} else {
		const struct grub_func *fn = func_find(in, argv.v[0]);
		size_t namelen;
		if (fn) {
			call_function(in, fn, argv.v, argv.n);
		} else if (is_assignment(argv.v[0], &namelen)) {
			char *name = xstrndup(argv.v[0], namelen);
			grub_env_set(in, name, argv.v[0] + namelen + 1);
			free(name);
			in->status = 0;
		} else {
			bool warned = false;
			for (size_t i = 0; i < in->warned.n && !warned; i++)
				warned = strcmp(in->warned.v[i], argv.v[0]) == 0;
			if (!warned) {
				interp_warn(in, "unknown command '%s', ignoring", argv.v[0]);
				if (in->warned.n < 256)
					strv_pushs(&in->warned, argv.v[0]);
			}
			in->status = 1;
		}
	}
	strv_free(&argv);
}

static bool step(struct interp *in)
{
	if (++in->steps > GRUB_STEPS_MAX) {
		if (!in->limit_hit)
			interp_warn(in, "more than %u commands run, config not read further",
				    GRUB_STEPS_MAX);
		in->limit_hit = true;
		in->flow = FLOW_STOP;
		return false;
	}
	if (++in->statement_steps > GRUB_STATEMENT_STEPS_MAX) {
		if (in->flow != FLOW_ABORT)
			interp_warn(in, "statement ran more than %u commands, stopped",
				    GRUB_STATEMENT_STEPS_MAX);
		in->flow = FLOW_ABORT;
		return false;
	}
	return true;
}

static void run_loop(struct interp *in, const struct node *n)
{
	in->loop_depth++;
	in->status = 0;
	int body_status = 0;
	for (;;) {
		if (!step(in))
			break;
		interp_run_block(in, &n->conds[0]);
		if (in->flow != FLOW_NORMAL)
			break;
		bool go = n->kind == NODE_WHILE ? in->status == 0 : in->status != 0;
		if (!go)
			break;
		interp_run_block(in, &n->bodies[0]);
		body_status = in->status;
		if (in->flow == FLOW_CONTINUE)
			in->flow = FLOW_NORMAL;
		if (in->flow == FLOW_BREAK) {
			in->flow = FLOW_NORMAL;
			break;
		}
		if (in->flow != FLOW_NORMAL)
			break;
	}
	in->status = body_status;
	in->loop_depth--;
}

static void run_for(struct interp *in, const struct node *n)
{
	struct strv items;
	expand_words(in, n->words, n->n_words, &items);
	in->loop_depth++;
	in->status = 0;
	for (size_t i = 0; i < items.n && in->flow == FLOW_NORMAL; i++) {
		if (!step(in))
			break;
		grub_env_set(in, n->name, items.v[i]);
		interp_run_block(in, &n->bodies[0]);
		if (in->flow == FLOW_CONTINUE)
			in->flow = FLOW_NORMAL;
		if (in->flow == FLOW_BREAK) {
			in->flow = FLOW_NORMAL;
			break;
		}
	}
	in->loop_depth--;
	strv_free(&items);
}

static void run_node(struct interp *in, const struct node *n)
{
	if (!step(in))
		return;
	in->line = n->line;
	switch (n->kind) {
	case NODE_COMMAND:
		run_command(in, n);
		break;
	case NODE_IF: {
		bool done = false;
		for (size_t i = 0; i < n->n_branches && !done; i++) {
			interp_run_block(in, &n->conds[i]);
			if (in->flow != FLOW_NORMAL)
				return;
			if (in->status == 0) {
				in->status = 0;
				interp_run_block(in, &n->bodies[i]);
				done = true;
			}
		}
		if (!done) {
			in->status = 0;
			if (n->has_else)
				interp_run_block(in, &n->else_body);
		}
		break;
	}
	case NODE_WHILE:
	case NODE_UNTIL:
		run_loop(in, n);
		break;
	case NODE_FOR:
		run_for(in, n);
		break;
	case NODE_FUNCTION:
		func_define(in, n);
		in->status = 0;
		break;
	case NODE_MENUENTRY:
	case NODE_SUBMENU: {
		struct strv argv;
		expand_words(in, n->words, n->n_words, &argv);
		if (!in->limit_hit)
			interp_add_item(in, n, argv.v, argv.n);
		strv_free(&argv);
		break;
	}
	}
}

/* ---- menus ------------------------------------------------------------------------------- */

static void pending_free(struct pending_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].title);
		free(l->v[i].id);
		free(l->v[i].file);
		strv_free(&l->v[i].params);
	}
	free(l->v);
	*l = (struct pending_list){ 0 };
}

/* menuentry/submenu arguments (GRUB manual 16.1.1), without the keyword: options may stand
 * anywhere before or after the title; the first other word is the title, the rest become
 * $2... */
void interp_add_item(struct interp *in, const struct node *n, char **argv, size_t argc)
{
	if (in->entry) {
		/* A menuentry defined while an entry boots adds to a menu nobody sees. */
		return;
	}
	if (in->menu->n_entries + in->items->n >= MENU_ENTRIES_MAX) {
		interp_warn(in, "more than %u menu entries, rest ignored", MENU_ENTRIES_MAX);
		return;
	}
	struct pending_item item = { .submenu = n->kind == NODE_SUBMENU, .body = n,
				     .file = xstrdup(in->file ? in->file : "?"), .line = n->line };
	bool unrestricted = false, title_set = false, no_more_options = false;
	for (size_t i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *value = NULL;
		if (!no_more_options && strcmp(a, "--") == 0) {
			no_more_options = true;
			continue;
		}
		if (!no_more_options && str_startswith(a, "--")) {
			const char *eq = strchr(a, '=');
			size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
			bool takes_value = (nlen == 7 && strncmp(a, "--class", 7) == 0) ||
					   (nlen == 7 && strncmp(a, "--users", 7) == 0) ||
					   (nlen == 8 && strncmp(a, "--hotkey", 8) == 0) ||
					   (nlen == 4 && strncmp(a, "--id", 4) == 0) ||
					   (nlen == 8 && strncmp(a, "--source", 8) == 0);
			if (takes_value) {
				/* GRUB's argument parser takes the next word as the value only when it
				 * does not start with '-'; otherwise the whole command fails. */
				if (eq) {
					value = eq + 1;
				} else if (i + 1 < argc && argv[i + 1][0] != '-') {
					value = argv[++i];
				} else {
					interp_warn(in, "%s: missing value for option '%.*s', no entry made",
						    item.submenu ? "submenu" : "menuentry", (int)nlen, a);
					free(item.id);
					free(item.title);
					free(item.file);
					strv_free(&item.params);
					in->status = 1;
					return;
				}
				if (nlen == 4) {
					free(item.id);
					item.id = value[0] ? xstrdup(value) : NULL;
				}
				continue;
			}
			if (strcmp(a, "--unrestricted") == 0) {
				unrestricted = true;
				continue;
			}
			/* Unknown options are an error in GRUB; keep the entry anyway. */
			continue;
		}
		if (!title_set) {
			item.title = xstrdup(a);
			title_set = true;
		}
		strv_pushs(&item.params, a);
	}
	if (!title_set) {
		interp_warn(in, "%s without a title, ignoring", item.submenu ? "submenu" : "menuentry");
		free(item.id);
		free(item.file);
		strv_free(&item.params);
		in->status = 1;
		return;
	}
	const char *su = grub_env_get(in, "superusers");
	item.locked = su && su[0] && !unrestricted;
	struct pending_list *l = in->items;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = item;
	in->status = 0;
}

static void run_pending(struct interp *in, struct pending_list *items, struct menu_level *parents,
			size_t depth);

/* Run a body in a fresh context holding the exported variables (submenu, configfile). */
struct saved_context {
	struct grub_env *env;
	struct pending_list *items;
	struct grub_frame frame;
	const char *file;
};

static void context_enter(struct interp *in, struct saved_context *save, struct grub_env *env,
			  struct pending_list *items)
{
	save->env = in->env;
	save->items = in->items;
	save->frame = in->frame;
	save->file = in->file;
	*env = (struct grub_env){ 0 };
	grub_env_copy(env, in->env, true);
	*items = (struct pending_list){ 0 };
	in->env = env;
	in->items = items;
}

static void context_leave(struct interp *in, struct saved_context *save)
{
	in->env = save->env;
	in->items = save->items;
	in->frame = save->frame;
	in->file = save->file;
}

static void run_entry(struct interp *in, struct pending_item *item, struct menu_level *parents,
		      size_t depth, unsigned index)
{
	struct boot_entry *e = menu_add_entry(in->menu, parents, depth, item->title, item->id, index);
	e->locked = item->locked;
	e->source_file = xstrdup(item->file);
	e->source_line = item->line;
	if (item->body->n_branches == 0)
		return;
	/* The body runs when the entry is booted: with the variables as the config left them,
	 * $1.. set to the title and extra arguments, and `chosen` to its id or title. */
	struct grub_env overlay = { .base = in->env };
	struct grub_env *saved_env = in->env;
	struct grub_frame saved_frame = in->frame;
	const char *saved_file = in->file;
	size_t entry_index = in->menu->n_entries - 1;
	in->env = &overlay;
	grub_env_set(in, "chosen", item->id ? item->id : item->title);
	in->frame = (struct grub_frame){ .argv = item->params.v, .argc = item->params.n };
	in->entry = e;
	in->file = item->file;
	in->flow = FLOW_NORMAL;
	in->statement_steps = 0;
	interp_run_block(in, &item->body->bodies[0]);
	if (!in->limit_hit)
		in->flow = FLOW_NORMAL;
	e = &in->menu->entries[entry_index];
	e->bootable = e->kernel.path != NULL;
	in->entry = NULL;
	in->env = saved_env;
	in->frame = saved_frame;
	in->file = saved_file;
	grub_env_free(&overlay);
}

static void run_pending(struct interp *in, struct pending_list *items, struct menu_level *parents,
			size_t depth)
{
	for (size_t i = 0; i < items->n && !in->limit_hit; i++) {
		struct pending_item *item = &items->v[i];
		if (!item->submenu) {
			run_entry(in, item, parents, depth, (unsigned)i);
			continue;
		}
		if (depth + 1 >= MENU_DEPTH_MAX) {
			interp_warn(in, "submenus nested deeper than %u, '%s' ignored", MENU_DEPTH_MAX,
				    item->title);
			continue;
		}
		parents[depth] = (struct menu_level){ .title = item->title, .id = item->id,
						      .index = (unsigned)i };
		struct saved_context save;
		struct grub_env env;
		struct pending_list sub;
		context_enter(in, &save, &env, &sub);
		in->frame = (struct grub_frame){ .argv = item->params.v, .argc = item->params.n };
		in->file = item->file;
		in->statement_steps = 0;
		if (item->body->n_branches)
			interp_run_block(in, &item->body->bodies[0]);
		if (!in->limit_hit)
			in->flow = FLOW_NORMAL;
		run_pending(in, in->items, parents, depth + 1);
		struct pending_list *done = in->items;
		struct grub_env *done_env = in->env;
		context_leave(in, &save);
		pending_free(done);
		grub_env_free(done_env);
	}
}

/* ---- files ------------------------------------------------------------------------------- */

int interp_run_text(struct interp *in, const char *name, const char *text, size_t len, bool top)
{
	struct script *s = xcalloc(1, sizeof(*s));
	char *file = xstrdup(name);
	in->scripts = xreallocarray(in->scripts, in->n_scripts + 1, sizeof(*in->scripts));
	in->scripts[in->n_scripts++] = s;
	script_parse(s, file, text, len);
	/* The script keeps its file name for messages; remember it with the script. */
	const char *saved_file = in->file;
	unsigned saved_line = in->line;
	in->file = file;
	if (top) {
		for (size_t i = 0; i < s->top.n && (in->flow == FLOW_NORMAL || in->flow == FLOW_ABORT); i++) {
			in->flow = FLOW_NORMAL;
			in->statement_steps = 0;
			run_node(in, s->top.nodes[i]);
		}
		if (in->flow == FLOW_ABORT)
			in->flow = FLOW_NORMAL;
	} else {
		interp_run_block(in, &s->top);
	}
	in->file = saved_file;
	in->line = saved_line;
	/* Pending items keep copies of the file name; the parsed script no longer needs it. */
	s->file = NULL;
	free(file);
	return 0;
}

/* source / configfile: read a file named by a GRUB path and run it. */
int interp_source_file(struct interp *in, const char *path_word, bool new_context)
{
	if (in->include_depth >= CONFIG_INCLUDE_DEPTH_MAX) {
		interp_warn(in, "'%s' nested deeper than %u files, not read", path_word,
			    CONFIG_INCLUDE_DEPTH_MAX);
		return 1;
	}
	if (in->files_read >= CONFIG_FILES_MAX) {
		interp_warn(in, "more than %u files read, '%s' not read", CONFIG_FILES_MAX, path_word);
		return 1;
	}
	char *device, *path;
	interp_resolve_path(in, path_word, &device, &path);
	char *text = NULL;
	size_t len = 0;
	int r = lookup_read(in->src->lookup, device, path, CONFIG_FILE_MAX, &text, &len);
	if (r < 0) {
		interp_warn(in, "cannot read '%s': %s", path_word, strerror(-r));
		free(device);
		free(path);
		return 1;
	}
	in->files_read++;
	in->include_depth++;
	char *name = xstrdup(path);
	if (!new_context) {
		interp_run_text(in, name, text, len, false);
		if (in->flow == FLOW_RETURN)
			in->flow = FLOW_NORMAL;
	} else {
		/* configfile: a new context and a new menu. When that menu has entries GRUB shows
		 * it at once and boots from it, so it replaces the menu being built here. */
		struct saved_context save;
		struct grub_env env;
		struct pending_list items;
		context_enter(in, &save, &env, &items);
		char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		const char *grub_name = lookup_grub_name(in->src->lookup, device);
		char *prefixed_dir = device[0] == '(' ? xasprintf("%s%s", device, dir)
					: xasprintf("(%s)%s", grub_name ? grub_name : device, dir);
		grub_env_set(in, "config_directory", prefixed_dir);
		char *config_file = xasprintf("%s/%s", prefixed_dir, slash ? slash + 1 : path);
		grub_env_set(in, "config_file", config_file);
		free(config_file);
		free(prefixed_dir);
		free(dir);
		interp_run_text(in, name, text, len, true);
		if (!in->limit_hit)
			in->flow = FLOW_NORMAL;
		context_leave(in, &save);
		if (items.n > 0 && !in->entry) {
			pending_free(in->items);
			*in->items = items;
			grub_env_free(in->env);
			*in->env = env;
			in->env->base = NULL;
			in->took_over = true;
			in->flow = FLOW_STOP;
		} else {
			pending_free(&items);
			grub_env_free(&env);
		}
	}
	in->include_depth--;
	free(name);
	free(text);
	free(device);
	free(path);
	return 0;
}

/* blscfg (Fedora/RHEL GRUB): BLS entries become menu items, generated as the script GRUB's
 * blscfg module generates for each entry so that $kernelopts & co. expand as they do there. */
void interp_blscfg(struct interp *in, char **argv, size_t argc)
{
	if (in->entry)
		return;
	const char *root = grub_env_get(in, "root");
	char *devword = xasprintf("(%s)/", root ? root : "");
	char *device, *unused;
	interp_resolve_path(in, devword, &device, &unused);
	free(devword);
	free(unused);
	const char *blsdir = grub_env_get(in, "blsdir");
	static const char *const dirs[] = { "/loader/entries", "/boot/loader/entries", NULL };
	struct menu tmp = { 0 };
	int r = -ENOENT;
	if (blsdir && blsdir[0]) {
		r = bls_append_entries(in->src->lookup, device, blsdir, NULL, &tmp, NULL, 0, 0);
	} else {
		for (size_t i = 0; dirs[i] && r < 0; i++)
			r = bls_append_entries(in->src->lookup, device, dirs[i], NULL, &tmp, NULL, 0, 0);
	}
	if (r < 0) {
		in->status = 1;
		free(device);
		menu_free(&tmp);
		return;
	}
	for (size_t i = 0; i < tmp.n_entries; i++) {
		const struct boot_entry *e = &tmp.entries[i];
		if (!e->kernel.path)
			continue;
		struct strbuf src = { 0 };
		strbuf_addf(&src, "linux (%s)%s", device, e->kernel.path);
		if (e->cmdline && e->cmdline[0])
			strbuf_addf(&src, " %s", e->cmdline);
		strbuf_adds(&src, "\n");
		if (e->n_initrds) {
			strbuf_adds(&src, "initrd");
			for (size_t k = 0; k < e->n_initrds; k++) {
				const char *p = e->initrds[k].path;
				if (p[0] == '$' || strstr(p, "/$"))
					strbuf_addf(&src, " %s", p[0] == '/' ? p + 1 : p);
				else
					strbuf_addf(&src, " (%s)%s", device, p);
			}
			strbuf_adds(&src, "\n");
		}
		if (e->devicetree.path)
			strbuf_addf(&src, "devicetree (%s)%s\n", device, e->devicetree.path);
		/* Parse the generated body as a menuentry of its own. */
		struct script *s = xcalloc(1, sizeof(*s));
		in->scripts = xreallocarray(in->scripts, in->n_scripts + 1, sizeof(*in->scripts));
		in->scripts[in->n_scripts++] = s;
		char *text = xasprintf("menuentry x {\n%s}\n", src.buf);
		script_parse(s, e->source_file ? e->source_file : "blscfg", text, strlen(text));
		free(text);
		strbuf_free(&src);
		if (s->top.n != 1 || s->top.nodes[0]->kind != NODE_MENUENTRY)
			continue;
		char *args[] = { "--id", e->id ? e->id : "", e->title, NULL };
		interp_add_item(in, s->top.nodes[0], args, 3);
		struct pending_item *item = &in->items->v[in->items->n - 1];
		free(item->file);
		item->file = xstrdup(e->source_file ? e->source_file : "blscfg");
		item->line = e->source_line;
	}
	free(device);
	menu_free(&tmp);
	in->status = 0;
}

/* ---- the config format --------------------------------------------------------------------- */

static void set_initial_env(struct interp *in)
{
	/* What a modern GRUB 2 (i386-pc) has set when it reads grub.cfg. */
	static const char *const features[] = {
		"feature_chainloader_bpb", "feature_ntldr", "feature_platform_search_hint",
		"feature_default_font_path", "feature_all_video_module", "feature_menuentry_id",
		"feature_menuentry_options", "feature_200_final", "feature_nativedisk_cmd",
		"feature_timeout_style", NULL,
	};
	for (size_t i = 0; features[i]; i++) {
		grub_env_set(in, features[i], "y");
		grub_env_export(in, features[i]);
	}
	grub_env_set(in, "grub_platform", "pc");
	grub_env_set(in, "grub_cpu", "i386");
	grub_env_export(in, "grub_platform");
	grub_env_export(in, "grub_cpu");
	const char *grub_name = lookup_grub_name(in->src->lookup, in->src->device);
	const char *root = grub_name ? grub_name : in->src->device;
	grub_env_set(in, "root", root);
	grub_env_export(in, "root");
	char *dir = xstrdup(in->src->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	char *prefix = xasprintf("(%s)%s", root, dir);
	grub_env_set(in, "prefix", prefix);
	grub_env_export(in, "prefix");
	grub_env_set(in, "cmdpath", prefix);
	grub_env_set(in, "config_directory", prefix);
	char *config_file = xasprintf("(%s)%s", root, in->src->path);
	grub_env_set(in, "config_file", config_file);
	grub_env_export(in, "config_directory");
	grub_env_export(in, "config_file");
	free(config_file);
	free(prefix);
	free(dir);
}

int grub2_run(const struct config_source *src, const char *text, size_t len, struct menu *m)
{
	struct grub_env env = { 0 };
	struct pending_list items = { 0 };
	struct interp in = { .src = src, .menu = m, .env = &env, .items = &items, .file = src->path };
	m->format = "grub2";
	m->source_path = xstrdup(src->path);
	m->source_device = xstrdup(src->device);
	set_initial_env(&in);
	interp_run_text(&in, src->path, text, len, true);
	in.flow = FLOW_NORMAL;
	bool limited = in.limit_hit;
	/* The menu is read once the config has run, with the variables it left. */
	struct menu_level parents[MENU_DEPTH_MAX];
	in.limit_hit = false;
	in.steps = 0;
	in.expanded = 0;
	run_pending(&in, in.items, parents, 0);
	limited = limited || in.limit_hit;
	const char *def = grub_env_get(&in, "default");
	m->default_index = m->n_entries ? menu_find_grub(m, def) : -1;
	const char *timeout = grub_env_get(&in, "timeout");
	long t;
	if (timeout && str_to_long(timeout, 10, &t) == 0) {
		m->has_timeout = true;
		m->timeout = t < 0 ? -1 : (t > 86400 ? 86400 : (int)t);
	}
	const char *style = grub_env_get(&in, "timeout_style");
	m->hidden = style && (strcmp(style, "hidden") == 0 || strcmp(style, "countdown") == 0);
	const char *fallback = grub_env_get(&in, "fallback");
	if (fallback && fallback[0]) {
		char *copy = xstrdup(fallback);
		char *save = NULL;
		for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			int idx = menu_find_grub(m, tok);
			if (idx < 0)
				continue;
			m->fallback = xreallocarray(m->fallback, m->n_fallback + 1, sizeof(int));
			m->fallback[m->n_fallback++] = idx;
		}
		free(copy);
	}
	if (limited)
		log_at(LOG_WARN, src->path, 0, "a limit was hit; the menu holds what was read until then");
	pending_free(in.items);
	grub_env_free(in.env);
	for (size_t i = 0; i < in.n_scripts; i++) {
		script_free(in.scripts[i]);
		free(in.scripts[i]);
	}
	free(in.scripts);
	for (size_t i = 0; i < in.n_funcs; i++)
		free(in.funcs[i].name);
	free(in.funcs);
	strv_free(&in.warned);
	return 0;
}
