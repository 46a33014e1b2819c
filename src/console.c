/* console.c — output to all consoles, keys from any of them (ANSI/VT100 arrow keys). */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

void consoles_open(struct consoles *c, char *const *names, int n)
{
	*c = (struct consoles){ 0 };
	for (int i = 0; i < n && c->n < CONSOLES_MAX; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/dev/%s", names[i]);
		int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* Writes block normally; only reads are polled. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		c->names[c->n] = xstrdup(names[i]);
		c->fds[c->n++] = fd;
	}
	if (c->n == 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			c->names[0] = xstrdup("console");
			c->fds[0] = fd;
			c->n = 1;
		}
	}
}

void consoles_close(struct consoles *c)
{
	consoles_set_raw(c, false);
	for (int i = 0; i < c->n; i++) {
		close(c->fds[i]);
		free(c->names[i]);
	}
	c->n = 0;
}

void consoles_write(struct consoles *c, const char *text, size_t len)
{
	for (int i = 0; i < c->n; i++) {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(c->fds[i], text + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
}

void consoles_printf(struct consoles *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		consoles_write(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void consoles_set_raw(struct consoles *c, bool raw)
{
	for (int i = 0; i < c->n; i++) {
		struct termios t;
		if (tcgetattr(c->fds[i], &t) < 0)
			continue;
		if (raw) {
			t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
			t.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
			t.c_cc[VMIN] = 1;
			t.c_cc[VTIME] = 0;
		} else {
			t.c_lflag |= ICANON | ECHO | ISIG;
			t.c_iflag |= ICRNL;
		}
		tcsetattr(c->fds[i], TCSANOW, &t);
	}
	c->raw = raw;
}

static int read_byte(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	unsigned char b;
	if (read(fd, &b, 1) != 1)
		return -1;
	return b;
}

int consoles_read_key(struct consoles *c, int timeout_ms, int *ret_key, int *ret_console)
{
	struct pollfd p[CONSOLES_MAX];
	for (int i = 0; i < c->n; i++)
		p[i] = (struct pollfd){ .fd = c->fds[i], .events = POLLIN };
	*ret_key = KEY_NONE;
	int r = poll(p, (nfds_t)c->n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	for (int i = 0; i < c->n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		int b = read_byte(c->fds[i], 0);
		if (b < 0)
			continue;
		if (ret_console)
			*ret_console = i;
		if (b == '\n')
			b = '\r';
		if (b == 8)
			b = KEY_BACKSPACE;
		if (b == 0x1b) {
			/* ESC [ A..D: arrows; the rest of a sequence arrives within a moment. */
			int b2 = read_byte(c->fds[i], 50);
			if (b2 == '[' || b2 == 'O') {
				int b3 = read_byte(c->fds[i], 50);
				static const int arrows[] = { KEY_UP, KEY_DOWN, KEY_RIGHT, KEY_LEFT };
				if (b3 >= 'A' && b3 <= 'D') {
					*ret_key = arrows[b3 - 'A'];
					return 0;
				}
			}
			*ret_key = KEY_ESC;
			return 0;
		}
		*ret_key = b;
		return 0;
	}
	return 0;
}

char *consoles_read_line(struct consoles *c, int console, const char *prompt, const char *initial)
{
	struct strbuf line = { 0 };
	strbuf_adds(&line, initial ? initial : "");
	consoles_printf(c, "\r\n%s%s", prompt, line.buf ? line.buf : "");
	for (;;) {
		int key, from;
		if (consoles_read_key(c, -1, &key, &from) < 0)
			break;
		if (key == KEY_ENTER) {
			consoles_write(c, "\r\n", 2);
			return strbuf_steal(&line);
		}
		if (key == KEY_ESC) {
			consoles_write(c, "\r\n", 2);
			strbuf_free(&line);
			return NULL;
		}
		if (key == KEY_BACKSPACE) {
			if (line.len > 0) {
				line.buf[--line.len] = '\0';
				consoles_write(c, "\b \b", 3);
			}
			continue;
		}
		if (key >= 0x20 && key < 0x7f && line.len < 4096) {
			char ch = (char)key;
			strbuf_addc(&line, ch);
			consoles_write(c, &ch, 1);
		}
	}
	strbuf_free(&line);
	return NULL;
}
