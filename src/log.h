/* log.h — messages to the console (stderr on a host, every console under /init). */
#pragma once

#include <stdarg.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_max_level;

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* A problem in an input file, reported as "file:line: message". */
void log_at(enum log_level level, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Where messages go: by default stderr. /init points this at its consoles. */
typedef void (*log_sink_fn)(enum log_level level, const char *text, void *userdata);
void log_set_sink(log_sink_fn sink, void *userdata);
/* Count of warnings and errors logged so far (tests use it). */
unsigned log_problem_count(void);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
