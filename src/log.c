/* log.c — console messages; one sink, set by /init to write on every console. */
#include "log.h"

#include <stdio.h>

#include "util.h"

enum log_level log_max_level = LOG_INFO;
static log_sink_fn log_sink;
static void *log_sink_data;
static unsigned problems;

void log_set_sink(log_sink_fn sink, void *userdata)
{
	log_sink = sink;
	log_sink_data = userdata;
}

unsigned log_problem_count(void)
{
	return problems;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level <= LOG_WARN)
		problems++;
	if (level > log_max_level)
		return;
	char text[2048];
	vsnprintf(text, sizeof(text), fmt, ap);
	if (log_sink) {
		log_sink(level, text, log_sink_data);
		return;
	}
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	fprintf(stderr, "kxboot: %s%s\n", prefix[level], text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_at(enum log_level level, const char *file, unsigned line, const char *fmt, ...)
{
	char text[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line)
		log_msg(level, "%s:%u: %s", file ? file : "?", line, text);
	else
		log_msg(level, "%s: %s", file ? file : "?", text);
}
