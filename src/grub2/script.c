/* script.c — lexer and parser for GRUB 2's script language (GRUB manual 6.3 "Shell-like
 * scripting"; grub-core/script/yylex.l as the reference for quoting). A hand-written
 * recursive-descent parser with error recovery: a broken statement is dropped, the rest of
 * the file is kept. */
#include "grub2/script.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "log.h"
#include "util.h"

enum token_type {
	TOK_EOF,
	TOK_WORD,
	TOK_NEWLINE,
	TOK_SEMI,
	TOK_LBRACE,
	TOK_RBRACE,
};

struct token {
	enum token_type type;
	struct word *word;
	unsigned line;
	size_t start, end; /* byte offsets in the text */
};

struct parser {
	struct script *s;
	const char *text;
	size_t len, pos, limit;
	unsigned line;
	struct token tok; /* current token */
	bool have_tok;
	unsigned depth;
	bool failed;
	const char *error;
	unsigned error_line;
	struct strbuf seg; /* segment being built */
};

/* ---- lexer ---------------------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\0' || c == '\f' || c == '\v';
}

static bool is_word_end(char c)
{
	return is_blank(c) || c == '\n' || c == ';' || c == '{' || c == '}';
}

static bool is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

struct word_builder {
	struct word_seg segs[64];
	struct word_seg *more;
	size_t n;
	size_t cap;
};

static void wb_push(struct parser *p, struct word_builder *wb, enum seg_kind kind, bool quoted,
		    const char *text, size_t len)
{
	struct word_seg seg = { .kind = kind, .quoted = quoted,
				.text = arena_strndup(&p->s->arena, text, len) };
	/* Merge adjacent literal text with the same quoting: fewer, longer segments. */
	if (wb->n > 0 && kind == SEG_TEXT) {
		struct word_seg *last = wb->n <= 64 ? &wb->segs[wb->n - 1] : &wb->more[wb->n - 65];
		if (last->kind == SEG_TEXT && last->quoted == quoted) {
			size_t a = strlen(last->text);
			char *joined = arena_alloc(&p->s->arena, a + len + 1);
			memcpy(joined, last->text, a);
			memcpy(joined + a, text, len);
			last->text = joined;
			return;
		}
	}
	if (wb->n < 64) {
		wb->segs[wb->n++] = seg;
		return;
	}
	size_t i = wb->n - 64;
	if (i >= wb->cap) {
		wb->cap = wb->cap ? wb->cap * 2 : 64;
		wb->more = xreallocarray(wb->more, wb->cap, sizeof(*wb->more));
	}
	wb->more[i] = seg;
	wb->n++;
}

static void flush_text(struct parser *p, struct word_builder *wb, bool quoted)
{
	if (p->seg.len) {
		wb_push(p, wb, SEG_TEXT, quoted, p->seg.buf, p->seg.len);
		p->seg.len = 0;
	}
}

/* $name, ${name}, $1, $#, $?, $@, $*. Returns false when '$' starts no variable (then the
 * dollar is literal text, as GRUB treats it). */
static bool lex_variable(struct parser *p, struct word_builder *wb, bool quoted)
{
	const char *t = p->text;
	size_t i = p->pos + 1;
	size_t start, end;
	if (i < p->limit && t[i] == '{') {
		start = i + 1;
		end = start;
		while (end < p->limit && t[end] != '}' && t[end] != '\n')
			end++;
		if (end >= p->limit || t[end] != '}')
			return false;
		p->pos = end + 1;
	} else if (i < p->limit && (is_name_start(t[i]))) {
		start = i;
		end = i;
		while (end < p->limit && is_name_char(t[end]))
			end++;
		p->pos = end;
	} else if (i < p->limit && isdigit((unsigned char)t[i])) {
		start = i;
		end = i;
		while (end < p->limit && isdigit((unsigned char)t[end]))
			end++;
		p->pos = end;
	} else if (i < p->limit && (t[i] == '#' || t[i] == '?' || t[i] == '@' || t[i] == '*')) {
		start = i;
		end = i + 1;
		p->pos = end;
	} else {
		return false;
	}
	flush_text(p, wb, quoted);
	wb_push(p, wb, SEG_VAR, quoted, t + start, end - start);
	return true;
}

static void lex_set_error(struct parser *p, const char *msg)
{
	if (!p->failed) {
		p->failed = true;
		p->error = msg;
		p->error_line = p->line;
	}
}

/* One word starting at p->pos. */
static struct word *lex_word(struct parser *p)
{
	struct word_builder wb = { .n = 0 };
	const char *t = p->text;
	bool quoted_any = false;
	p->seg.len = 0;
	while (p->pos < p->limit && !is_word_end(t[p->pos])) {
		char c = t[p->pos];
		if (c == '\\') {
			if (p->pos + 1 >= p->limit) {
				p->pos++;
				break;
			}
			char n = t[p->pos + 1];
			p->pos += 2;
			if (n == '\n') {
				p->line++; /* line continuation */
				continue;
			}
			/* Outside quotes a backslash makes the next character literal. */
			flush_text(p, &wb, false);
			strbuf_addc(&p->seg, n);
			flush_text(p, &wb, true);
			quoted_any = true;
		} else if (c == '\'') {
			size_t end = p->pos + 1;
			while (end < p->limit && t[end] != '\'')
				end++;
			if (end >= p->limit) {
				lex_set_error(p, "unterminated single quote");
				p->pos = p->limit;
				break;
			}
			flush_text(p, &wb, false);
			for (size_t k = p->pos + 1; k < end; k++)
				if (t[k] == '\n')
					p->line++;
			strbuf_add(&p->seg, t + p->pos + 1, end - p->pos - 1);
			flush_text(p, &wb, true);
			quoted_any = true;
			p->pos = end + 1;
		} else if (c == '"' || (c == '$' && p->pos + 1 < p->limit && t[p->pos + 1] == '"')) {
			/* "..." and $"..." (a translatable string: kxboot has one language) */
			flush_text(p, &wb, false);
			p->pos += c == '$' ? 2 : 1;
			quoted_any = true;
			bool closed = false;
			while (p->pos < p->limit) {
				char d = t[p->pos];
				if (d == '"') {
					p->pos++;
					closed = true;
					break;
				}
				if (d == '\\' && p->pos + 1 < p->limit) {
					char n = t[p->pos + 1];
					if (n == '$' || n == '"' || n == '\\') {
						strbuf_addc(&p->seg, n);
						p->pos += 2;
						continue;
					}
					if (n == '\n') {
						p->line++;
						p->pos += 2;
						continue;
					}
					strbuf_addc(&p->seg, '\\');
					p->pos++;
					continue;
				}
				if (d == '$' && lex_variable(p, &wb, true))
					continue;
				if (d == '\n')
					p->line++;
				strbuf_addc(&p->seg, d);
				p->pos++;
			}
			flush_text(p, &wb, true);
			if (!closed) {
				lex_set_error(p, "unterminated double quote");
				break;
			}
		} else if (c == '$') {
			if (!lex_variable(p, &wb, false)) {
				strbuf_addc(&p->seg, '$');
				p->pos++;
			}
		} else {
			strbuf_addc(&p->seg, c);
			p->pos++;
		}
		if (p->seg.len > GRUB_WORD_MAX) {
			lex_set_error(p, "word too long");
			break;
		}
	}
	flush_text(p, &wb, false);
	struct word *w = arena_alloc(&p->s->arena, sizeof(*w));
	w->n_segs = wb.n;
	w->quoted_any = quoted_any;
	w->segs = arena_alloc(&p->s->arena, (wb.n ? wb.n : 1) * sizeof(*w->segs));
	for (size_t i = 0; i < wb.n; i++)
		w->segs[i] = i < 64 ? wb.segs[i] : wb.more[i - 64];
	free(wb.more);
	return w;
}

static void lex_next(struct parser *p)
{
	const char *t = p->text;
	for (;;) {
		while (p->pos < p->limit && is_blank(t[p->pos]))
			p->pos++;
		if (p->pos + 1 < p->limit && t[p->pos] == '\\' && t[p->pos + 1] == '\n') {
			p->pos += 2;
			p->line++;
			continue;
		}
		/* A comment starts where a word could start. */
		if (p->pos < p->limit && t[p->pos] == '#') {
			while (p->pos < p->limit && t[p->pos] != '\n')
				p->pos++;
			continue;
		}
		break;
	}
	struct token *tok = &p->tok;
	*tok = (struct token){ .line = p->line, .start = p->pos };
	p->have_tok = true;
	if (p->pos >= p->limit) {
		tok->type = TOK_EOF;
	} else if (t[p->pos] == '\n') {
		tok->type = TOK_NEWLINE;
		p->pos++;
		p->line++;
	} else if (t[p->pos] == ';') {
		tok->type = TOK_SEMI;
		p->pos++;
	} else if (t[p->pos] == '{') {
		tok->type = TOK_LBRACE;
		p->pos++;
	} else if (t[p->pos] == '}') {
		tok->type = TOK_RBRACE;
		p->pos++;
	} else {
		tok->type = TOK_WORD;
		tok->word = lex_word(p);
	}
	tok->end = p->pos;
}

/* ---- parser --------------------------------------------------------------------------- */

const char *word_literal(const struct word *w)
{
	if (w->n_segs != 1 || w->segs[0].kind != SEG_TEXT || w->segs[0].quoted)
		return w->n_segs == 0 && !w->quoted_any ? "" : NULL;
	return w->segs[0].text;
}

static bool tok_is_keyword(const struct token *tok, const char *kw)
{
	if (tok->type != TOK_WORD)
		return false;
	const char *lit = word_literal(tok->word);
	return lit && strcmp(lit, kw) == 0;
}

static void parse_error(struct parser *p, const char *msg)
{
	if (!p->failed) {
		p->failed = true;
		p->error = msg;
		p->error_line = p->tok.line;
	}
}

static void block_push(struct parser *p, struct block *b, struct node *n)
{
	/* Blocks grow by doubling inside the arena; old arrays are simply left behind. */
	if ((b->n & (b->n - 1)) == 0) {
		size_t cap = b->n ? b->n * 2 : 4;
		struct node **nodes = arena_alloc(&p->s->arena, cap * sizeof(*nodes));
		if (b->n)
			memcpy(nodes, b->nodes, b->n * sizeof(*nodes));
		b->nodes = nodes;
	}
	b->nodes[b->n++] = n;
}

static struct node *new_node(struct parser *p, enum node_kind kind, unsigned line)
{
	struct node *n = arena_alloc(&p->s->arena, sizeof(*n));
	n->kind = kind;
	n->line = line;
	return n;
}

static void skip_separators(struct parser *p)
{
	while (!p->failed && (p->tok.type == TOK_NEWLINE || p->tok.type == TOK_SEMI))
		lex_next(p);
}

static const char *const terminators[] = { "then", "elif", "else", "fi", "do", "done", NULL };

static bool tok_is_terminator(const struct token *tok)
{
	for (size_t i = 0; terminators[i]; i++)
		if (tok_is_keyword(tok, terminators[i]))
			return true;
	return false;
}

static struct node *parse_command(struct parser *p);

/* Commands until one of the given keywords (or '}' when brace is set, or EOF at top). */
static void parse_list(struct parser *p, struct block *b, bool brace)
{
	for (;;) {
		skip_separators(p);
		if (p->failed)
			return;
		if (p->tok.type == TOK_EOF)
			return;
		if (p->tok.type == TOK_RBRACE) {
			if (!brace)
				parse_error(p, "unexpected '}'");
			return;
		}
		if (tok_is_terminator(&p->tok))
			return;
		struct node *n = parse_command(p);
		if (p->failed)
			return;
		if (n)
			block_push(p, b, n);
	}
}

static void expect_keyword(struct parser *p, const char *kw)
{
	if (p->failed)
		return;
	if (!tok_is_keyword(&p->tok, kw)) {
		static char msg[64];
		snprintf(msg, sizeof(msg), "expected '%s'", kw);
		parse_error(p, msg);
		return;
	}
	lex_next(p);
}

/* Words of a simple command, up to a separator, '{' or '}'. */
static void collect_words(struct parser *p, struct node *n)
{
	size_t cap = 0;
	n->n_words = 0;
	n->words = NULL;
	while (p->tok.type == TOK_WORD && !p->failed) {
		if (n->n_words >= GRUB_ARGS_MAX) {
			parse_error(p, "too many words in one command");
			return;
		}
		if (n->n_words == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct word *w = arena_alloc(&p->s->arena, ncap * sizeof(*w));
			if (cap)
				memcpy(w, n->words, cap * sizeof(*w));
			n->words = w;
			cap = ncap;
		}
		n->words[n->n_words++] = *p->tok.word;
		lex_next(p);
	}
}

/* A { ... } body: the matching '}' is found first (braces are tokens, so this needs no
 * parsing), so a broken body loses only itself. */
static void parse_brace_body(struct parser *p, struct node *n)
{
	if (p->tok.type != TOK_LBRACE) {
		parse_error(p, "expected '{'");
		return;
	}
	size_t body_start = p->pos;
	unsigned body_line = p->line;
	/* Scan for the matching brace. */
	size_t save_pos = p->pos;
	unsigned save_line = p->line;
	struct token save_tok = p->tok;
	unsigned depth = 1;
	size_t body_end = 0;
	for (;;) {
		lex_next(p);
		if (p->tok.type == TOK_EOF || p->failed)
			break;
		if (p->tok.type == TOK_LBRACE)
			depth++;
		if (p->tok.type == TOK_RBRACE && --depth == 0) {
			body_end = p->tok.start;
			break;
		}
	}
	if (p->failed || body_end == 0) {
		if (!p->failed)
			parse_error(p, "missing '}'");
		return;
	}
	size_t after_pos = p->pos;
	unsigned after_line = p->line;
	/* Parse the body within [body_start, body_end). */
	p->pos = save_pos;
	p->line = save_line;
	p->tok = save_tok;
	size_t outer_limit = p->limit;
	p->limit = body_end;
	n->bodies = arena_alloc(&p->s->arena, sizeof(*n->bodies));
	n->n_branches = 1;
	n->source = arena_strndup(&p->s->arena, p->text + body_start, body_end - body_start);
	lex_next(p);
	parse_list(p, &n->bodies[0], true);
	if (!p->failed && p->tok.type != TOK_EOF)
		parse_error(p, "unexpected text in block");
	p->limit = outer_limit;
	if (p->failed) {
		/* Resume after the block: only this block is lost. */
		log_at(LOG_WARN, p->s->file, p->error_line, "syntax error: %s; block from line %u skipped",
		       p->error, body_line);
		p->s->errors++;
		p->failed = false;
		n->bodies[0] = (struct block){ 0 };
		n->kind = NODE_COMMAND; /* dropped: executes as nothing */
		n->n_words = 0;
	}
	p->pos = after_pos;
	p->line = after_line;
	lex_next(p);
}

static struct node *parse_command(struct parser *p)
{
	struct token *tok = &p->tok;
	unsigned line = tok->line;
	if (++p->depth > GRUB_NEST_MAX) {
		parse_error(p, "nesting too deep");
		p->depth--;
		return NULL;
	}
	struct node *n = NULL;
	if (tok->type == TOK_LBRACE) {
		parse_error(p, "unexpected '{'");
	} else if (tok_is_keyword(tok, "if")) {
		n = new_node(p, NODE_IF, line);
		size_t cap = 0;
		lex_next(p);
		for (;;) {
			if (n->n_branches >= GRUB_NEST_MAX) {
				parse_error(p, "too many elif branches");
				break;
			}
			if (n->n_branches == cap) {
				/* Grow inside the arena; the old arrays stay behind until it is freed. */
				size_t ncap = cap ? cap * 2 : 2;
				struct block *c = arena_alloc(&p->s->arena, ncap * sizeof(*c));
				struct block *b = arena_alloc(&p->s->arena, ncap * sizeof(*b));
				if (cap) {
					memcpy(c, n->conds, cap * sizeof(*c));
					memcpy(b, n->bodies, cap * sizeof(*b));
				}
				n->conds = c;
				n->bodies = b;
				cap = ncap;
			}
			size_t k = n->n_branches++;
			parse_list(p, &n->conds[k], false);
			expect_keyword(p, "then");
			parse_list(p, &n->bodies[k], false);
			if (p->failed)
				break;
			if (tok_is_keyword(tok, "elif")) {
				lex_next(p);
				continue;
			}
			if (tok_is_keyword(tok, "else")) {
				lex_next(p);
				n->has_else = true;
				parse_list(p, &n->else_body, false);
			}
			expect_keyword(p, "fi");
			break;
		}
	} else if (tok_is_keyword(tok, "while") || tok_is_keyword(tok, "until")) {
		n = new_node(p, tok_is_keyword(tok, "while") ? NODE_WHILE : NODE_UNTIL, line);
		n->conds = arena_alloc(&p->s->arena, sizeof(*n->conds));
		n->bodies = arena_alloc(&p->s->arena, sizeof(*n->bodies));
		n->n_branches = 1;
		lex_next(p);
		parse_list(p, &n->conds[0], false);
		expect_keyword(p, "do");
		parse_list(p, &n->bodies[0], false);
		expect_keyword(p, "done");
	} else if (tok_is_keyword(tok, "for")) {
		n = new_node(p, NODE_FOR, line);
		lex_next(p);
		const char *name = tok->type == TOK_WORD ? word_literal(tok->word) : NULL;
		if (!name || !is_name_start(name[0])) {
			parse_error(p, "for needs a variable name");
		} else {
			n->name = name;
			lex_next(p);
			expect_keyword(p, "in");
			if (!p->failed)
				collect_words(p, n);
			skip_separators(p);
			expect_keyword(p, "do");
			n->bodies = arena_alloc(&p->s->arena, sizeof(*n->bodies));
			n->n_branches = 1;
			parse_list(p, &n->bodies[0], false);
			expect_keyword(p, "done");
		}
	} else if (tok_is_keyword(tok, "function")) {
		n = new_node(p, NODE_FUNCTION, line);
		lex_next(p);
		const char *name = tok->type == TOK_WORD ? word_literal(tok->word) : NULL;
		if (!name || !*name) {
			parse_error(p, "function needs a name");
		} else {
			n->name = name;
			lex_next(p);
			skip_separators(p);
			parse_brace_body(p, n);
			if (n->kind != NODE_FUNCTION)
				n = NULL;
		}
	} else if (tok_is_keyword(tok, "menuentry") || tok_is_keyword(tok, "submenu")) {
		n = new_node(p, tok_is_keyword(tok, "menuentry") ? NODE_MENUENTRY : NODE_SUBMENU, line);
		lex_next(p);
		collect_words(p, n);
		if (!p->failed) {
			parse_brace_body(p, n);
			if (n->kind == NODE_COMMAND)
				n = NULL;
		}
	} else if (tok->type == TOK_WORD) {
		n = new_node(p, NODE_COMMAND, line);
		collect_words(p, n);
		if (!p->failed && tok->type == TOK_LBRACE)
			parse_error(p, "unexpected '{'");
	} else {
		parse_error(p, "unexpected token");
	}
	p->depth--;
	return p->failed ? NULL : n;
}

/* Skip to the start of the line after `line`, counting lines from offset `from`. */
static void resume_after_line(struct parser *p, size_t from, unsigned from_line)
{
	p->pos = from;
	p->line = from_line;
	while (p->pos < p->limit && p->text[p->pos] != '\n')
		p->pos++;
	if (p->pos < p->limit) {
		p->pos++;
		p->line++;
	}
	p->failed = false;
	lex_next(p);
}

void script_parse(struct script *s, const char *file, const char *text, size_t len)
{
	struct parser p = { .s = s, .text = text, .len = len, .limit = len, .line = 1 };
	s->file = file;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		log_at(LOG_WARN, file, line, "NUL bytes in the file, read as blanks");
	}
	lex_next(&p);
	for (;;) {
		skip_separators(&p);
		if (p.failed) {
			/* A lexer error (unterminated quote) while skipping: drop that line. */
			log_at(LOG_WARN, file, p.error_line, "syntax error: %s, line skipped", p.error);
			s->errors++;
			resume_after_line(&p, p.tok.start, p.tok.line);
			continue;
		}
		if (p.tok.type == TOK_EOF)
			break;
		size_t start = p.tok.start;
		unsigned start_line = p.tok.line;
		struct node *n = parse_command(&p);
		if (p.failed || !n) {
			if (p.failed) {
				/* Drop the statement's first line and read on: a broken if/while or a
				 * stray keyword loses as little as possible. */
				log_at(LOG_WARN, file, p.error_line, "syntax error: %s; statement at line %u skipped",
				       p.error, start_line);
				s->errors++;
				resume_after_line(&p, start, start_line);
			}
			continue;
		}
		block_push(&p, &s->top, n);
	}
	strbuf_free(&p.seg);
}

void script_free(struct script *s)
{
	arena_free(&s->arena);
	*s = (struct script){ 0 };
}
