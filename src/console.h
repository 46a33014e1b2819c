/* console.h — every console kxboot talks to at once (serial, Xen hvc0, VGA tty0). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CONSOLES_MAX 8

enum console_key {
	KEY_NONE = 0,
	KEY_ENTER = '\r',
	KEY_BACKSPACE = 0x7f,
	KEY_ESC = 0x1b,
	KEY_UP = 0x100,
	KEY_DOWN,
	KEY_LEFT,
	KEY_RIGHT,
};

struct consoles {
	int fds[CONSOLES_MAX];
	char *names[CONSOLES_MAX];
	int n;
	bool raw;
};

/* Open /dev/NAME for each console name (in kernel console= order); /dev/console when none
 * opens. */
void consoles_open(struct consoles *c, char *const *names, int n);
void consoles_close(struct consoles *c);
void consoles_write(struct consoles *c, const char *text, size_t len);
void consoles_printf(struct consoles *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keys without echo or line buffering (output processing stays on). */
void consoles_set_raw(struct consoles *c, bool raw);
/* Wait up to timeout_ms (-1: for ever) for a key on any console. 0 and the key (or
 * KEY_NONE on time-out) in ret_key; ret_console says which console it came from. */
int consoles_read_key(struct consoles *c, int timeout_ms, int *ret_key, int *ret_console);
/* A line edited on one console, starting from initial. NULL when cancelled with Esc. */
char *consoles_read_line(struct consoles *c, int console, const char *prompt, const char *initial);
