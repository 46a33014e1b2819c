/* script.h — GRUB 2's script language parsed into a tree (GRUB manual, "Shell-like
 * scripting"): words with quoting and variables, commands, if/while/until/for, functions,
 * menuentry and submenu blocks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* A word is a run of segments: literal text, or a variable reference. A segment is quoted
 * when it came from '...' or "..." (quoted variables are not split into fields). */
enum seg_kind {
	SEG_TEXT,
	SEG_VAR,
};

struct word_seg {
	enum seg_kind kind;
	bool quoted;
	const char *text; /* literal, or the variable's name */
};

struct word {
	struct word_seg *segs;
	size_t n_segs;
	bool quoted_any; /* any quoting at all: "" is an empty field, not nothing */
};

enum node_kind {
	NODE_COMMAND,
	NODE_IF,
	NODE_WHILE,
	NODE_UNTIL,
	NODE_FOR,
	NODE_FUNCTION,
	NODE_MENUENTRY,
	NODE_SUBMENU,
};

struct node;

struct block {
	struct node **nodes;
	size_t n;
};

struct node {
	enum node_kind kind;
	unsigned line;
	struct word *words; /* command words; menuentry/submenu arguments; for's list */
	size_t n_words;
	const char *name;   /* for's variable; function's name */
	struct block *conds; /* if/elif conditions (n_branches), while/until condition (1) */
	struct block *bodies; /* if/elif bodies; loop, function and menu bodies use bodies[0] */
	size_t n_branches;
	struct block else_body;
	bool has_else;
	const char *source; /* menuentry/submenu body as written, for the editor */
};

struct script {
	struct arena arena;
	struct block top;
	const char *file;
	unsigned errors; /* statements dropped for syntax errors */
};

/* Parse text (any bytes; NULs end nothing but are treated as blanks). Syntax errors are
 * logged as file:line and lose only the statement (or menuentry) they are in. */
void script_parse(struct script *s, const char *file, const char *text, size_t len);
void script_free(struct script *s);

/* The literal text of a word that has no variables, NULL otherwise. */
const char *word_literal(const struct word *w);
