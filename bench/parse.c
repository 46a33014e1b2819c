/* parse.c — time loading each corpus case's menu (tests/corpus/NAME.cmd) against the 1 ms per
 * config target: config_load / config_discover over folders standing for filesystems,
 * reading files through the lookup as `kxboot list` does. Prints figures; never fails on time. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fs/volume.h"
#include "log.h"
#include "util.h"

#define BENCH_TARGET_US	     1000.0 /* the goal: one config parsed in under 1 ms */
#define BENCH_MIN_TIME_S     0.2    /* timed parsing per case, at least */
#define BENCH_MIN_ITERATIONS 100    /* timed parses per case, at least */
#define BENCH_BATCHES	     7	    /* the figure is the median of at least this many batch means */
#define BENCH_BATCHES_MAX    64	    /* more batches while the time is short of BENCH_MIN_TIME_S */
#define BENCH_CALIBRATE_S    0.02   /* parsing timed only to size the batches */
#define BENCH_CMD_FILE_MAX   4096   /* bytes in one .cmd file */
#define BENCH_CMD_WORDS_MAX  64	    /* words in one .cmd file */
#define BENCH_ROOTS_MAX	     16	    /* --root options in one case */
#define BENCH_CASES_MAX	     1024   /* .cmd files read */

struct bench_case {
	char *name;
	char *roots[BENCH_ROOTS_MAX]; /* absolute or relative to the working directory */
	size_t n_roots;
	char *config; /* inside the first root, or a lone file when there is no root */
	char *format; /* NULL: guessed */
};

/* A loaded case: its volumes and what config_load / config_discover are called with. */
struct bench_target {
	struct volume_set vs;
	const struct config_format *fmt;
	const char *device;
	char *config; /* path on device; NULL: discover */
};

static void bench_case_free(struct bench_case *c)
{
	free(c->name);
	for (size_t i = 0; i < c->n_roots; i++)
		free(c->roots[i]);
	free(c->config);
	free(c->format);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Split text at blanks into at most max words (allocated). -E2BIG beyond. */
static int split_words(const char *text, char **ret_words, size_t max, size_t *ret_n)
{
	size_t n = 0;
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (n >= max) {
			for (size_t i = 0; i < n; i++)
				free(ret_words[i]);
			return -E2BIG;
		}
		ret_words[n++] = xstrndup(start, (size_t)(p - start));
	}
	*ret_n = n;
	return 0;
}

/* Read NAME.cmd the way tests/corpus/run.sh does: --root and a lone --config are relative
 * to the corpus; with a --root, --config names a path inside the first root. */
static int bench_case_read(const char *cases_dir, const char *file, const char *corpus,
			   struct bench_case *ret)
{
	_cleanup_free_ char *path = path_join(cases_dir, file);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = file_read_all(path, BENCH_CMD_FILE_MAX, &text, &len);
	if (r < 0) {
		fprintf(stderr, "bench/parse: cannot read '%s': %s\n", path, strerror(-r));
		return r;
	}
	char *words[BENCH_CMD_WORDS_MAX];
	size_t n;
	r = split_words(text, words, BENCH_CMD_WORDS_MAX, &n);
	if (r < 0) {
		fprintf(stderr, "bench/parse: '%s': more than %d words\n", path,
			BENCH_CMD_WORDS_MAX);
		return r;
	}
	struct bench_case c = {.name = xstrndup(file, strlen(file) - strlen(".cmd"))};
	bool has_root = false;
	for (size_t i = 0; i < n; i++)
		has_root |= strcmp(words[i], "--root") == 0;
	const char *config = NULL;
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *opt = words[i];
		bool known = strcmp(opt, "--root") == 0 || strcmp(opt, "--config") == 0 ||
			     strcmp(opt, "--format") == 0;
		if (!known) {
			fprintf(stderr, "bench/parse: '%s': unknown option '%s'\n", path, opt);
			r = -EINVAL;
		} else if (i + 1 >= n) {
			fprintf(stderr, "bench/parse: '%s': %s needs a value\n", path, opt);
			r = -EINVAL;
		} else if (strcmp(opt, "--root") == 0) {
			if (c.n_roots >= BENCH_ROOTS_MAX) {
				fprintf(stderr, "bench/parse: '%s': more than %d --root\n", path,
					BENCH_ROOTS_MAX);
				r = -E2BIG;
			} else {
				c.roots[c.n_roots++] = path_join(corpus, words[++i]);
			}
		} else if (strcmp(opt, "--config") == 0) {
			config = words[++i];
		} else {
			free(c.format);
			c.format = xstrdup(words[++i]);
		}
	}
	if (r == 0 && config)
		c.config = has_root ? xstrdup(config) : path_join(corpus, config);
	if (r == 0 && !has_root && !config) {
		fprintf(stderr, "bench/parse: '%s': neither --root nor --config\n", path);
		r = -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	if (r < 0) {
		bench_case_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME.cmd in cases_dir, sorted. */
static int list_cmd_files(const char *cases_dir, struct strv *ret)
{
	DIR *d = opendir(cases_dir);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d)) && ret->n < BENCH_CASES_MAX)
		if (str_endswith(de->d_name, ".cmd") && strlen(de->d_name) > strlen(".cmd"))
			strv_pushs(ret, de->d_name);
	closedir(d);
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(ret->v[0]), cmp_names);
	return 0;
}

/* Set up the volumes as `kxboot list` does (outside the timing: /init mounts them once). */
static int bench_target_open(const struct bench_case *c, struct bench_target *t)
{
	volume_set_init(&t->vs);
	t->fmt = NULL;
	t->config = NULL;
	if (c->format) {
		t->fmt = config_format_by_name(c->format);
		if (!t->fmt) {
			fprintf(stderr, "bench/parse: %s: unknown format '%s'\n", c->name,
				c->format);
			return -EINVAL;
		}
	}
	int r;
	if (c->n_roots == 0) {
		/* A lone config file: its folder stands for the filesystem. */
		_cleanup_free_ char *copy1 = xstrdup(c->config), *copy2 = xstrdup(c->config);
		const char *dir = dirname(copy1);
		r = volume_set_add(&t->vs, dir, NULL, NULL);
		if (r < 0) {
			fprintf(stderr, "bench/parse: %s: cannot open '%s': %s\n", c->name, dir,
				strerror(-r));
			return r;
		}
		t->config = xasprintf("/%s", basename(copy2));
	} else if (c->config) {
		t->config = xstrdup(c->config);
	}
	for (size_t i = 0; i < c->n_roots; i++) {
		r = volume_set_add(&t->vs, c->roots[i], NULL, NULL);
		if (r < 0) {
			fprintf(stderr, "bench/parse: %s: cannot open '%s': %s\n", c->name,
				c->roots[i], strerror(-r));
			return r;
		}
	}
	t->device = t->vs.v[0].id;
	return 0;
}

static void bench_target_close(struct bench_target *t)
{
	volume_set_free(&t->vs);
	free(t->config);
	t->config = NULL;
}

/* The measured unit: what a user pays for one menu — read and parse the config (and what it
 * sources or lists) through the lookup, then free the result. */
static int bench_load(const struct bench_target *t, struct menu *m)
{
	*m = (struct menu){0};
	if (t->config)
		return config_load(&t->vs.lookup, t->device, t->config, t->fmt, m);
	return config_discover(&t->vs.lookup, t->device, m);
}

/* Run n loads; seconds taken, or a negative value when any load failed. */
static double bench_batch(const struct bench_target *t, unsigned long n)
{
	int failed = 0;
	double start = now_s();
	for (unsigned long i = 0; i < n; i++) {
		struct menu m;
		if (bench_load(t, &m) < 0)
			failed = 1;
		menu_free(&m);
	}
	double took = now_s() - start;
	return failed ? -1.0 : took;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Messages during timing would cost console writes the user does not pay per parse, and
 * flood the output: drop them (errors included; the first load showed them). */
static void discard_log(enum log_level level, const char *text, void *userdata) {}

struct bench_result {
	int error; /* 0 or -errno */
	char format[32];
	size_t n_entries, n_bootable;
	double us_per_parse; /* median batch mean */
	double us_best;	     /* fastest batch mean: what the code costs on a quiet machine */
	unsigned long iterations;
	double seconds; /* timed in all */
};

/* Load once (count entries; messages shown), calibrate, then time the batches. */
static int bench_case_run(const struct bench_case *c, double min_time, struct bench_result *ret)
{
	struct bench_target t;
	int r = bench_target_open(c, &t);
	if (r < 0) {
		bench_target_close(&t);
		return r;
	}
	struct menu m;
	r = bench_load(&t, &m);
	if (r < 0) {
		menu_free(&m);
		bench_target_close(&t);
		return r;
	}
	snprintf(ret->format, sizeof(ret->format), "%s",
		 m.format ? m.format : (c->format ? c->format : "?"));
	ret->n_entries = m.n_entries;
	ret->n_bootable = 0;
	for (size_t i = 0; i < m.n_entries; i++)
		ret->n_bootable += m.entries[i].bootable;
	menu_free(&m);

	log_set_sink(discard_log, NULL);
	unsigned long calib_n = 0;
	double calib_start = now_s(), calib_took;
	do {
		if (bench_batch(&t, 1) < 0) {
			r = -EIO;
			break;
		}
		calib_n++;
		calib_took = now_s() - calib_start;
	} while (calib_took < BENCH_CALIBRATE_S || calib_n < 3);
	if (r == 0) {
		double per = calib_took / (double)calib_n;
		unsigned long per_batch =
		    (BENCH_MIN_ITERATIONS + BENCH_BATCHES - 1) / BENCH_BATCHES;
		double want = min_time / BENCH_BATCHES / (per > 0 ? per : 1e-9);
		if (want > (double)per_batch)
			per_batch = (unsigned long)want + 1;
		/* The calibration is short and may have been slowed down (cold caches, a busy
		 * machine): while the total is short of min_time, add batches sized from the
		 * pace measured so far. Batch means are per parse, so sizes may differ. */
		double batch_us[BENCH_BATCHES_MAX], total = 0;
		unsigned long done = 0;
		int b = 0;
		while (b < BENCH_BATCHES_MAX && (b < BENCH_BATCHES || total < min_time)) {
			if (b >= BENCH_BATCHES) {
				double pace = total / (double)done;
				double want_more =
				    (min_time - total) / (pace > 0 ? pace : 1e-9) / 4;
				if (want_more > (double)per_batch)
					per_batch = (unsigned long)want_more + 1;
			}
			double took = bench_batch(&t, per_batch);
			if (took < 0) {
				r = -EIO;
				break;
			}
			batch_us[b++] = took * 1e6 / (double)per_batch;
			total += took;
			done += per_batch;
		}
		if (r == 0) {
			qsort(batch_us, (size_t)b, sizeof(batch_us[0]), cmp_double);
			ret->us_per_parse = batch_us[b / 2];
			ret->us_best = batch_us[0];
			ret->iterations = done;
			ret->seconds = total;
		}
	}
	log_set_sink(NULL, NULL);
	bench_target_close(&t);
	return r;
}

/* Run one case in a child process: parsers are being written while this benchmark runs
 * over them, and a case that crashes one must show as an error, not end the run. */
static void bench_case_run_isolated(const struct bench_case *c, double min_time,
				    struct bench_result *ret, char *why, size_t why_size)
{
	int fds[2];
	*ret = (struct bench_result){.error = -EIO};
	snprintf(why, why_size, "%s", "");
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) < 0) {
		ret->error = -errno;
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ret->error = -errno;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		struct bench_result res = {0};
		res.error = bench_case_run(c, min_time, &res);
		ssize_t w = write(fds[1], &res, sizeof(res));
		fflush(stderr);
		_exit(w == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	struct bench_result res;
	size_t got = 0;
	while (got < sizeof(res)) {
		ssize_t n = read(fds[0], (char *)&res + got, sizeof(res) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		snprintf(why, why_size, "crashed: %s", strsignal(WTERMSIG(status)));
		return;
	}
	if (got != sizeof(res)) {
		snprintf(why, why_size, "no result from the child");
		return;
	}
	*ret = res;
	ret->format[sizeof(ret->format) - 1] = '\0';
	if (res.error < 0)
		snprintf(why, why_size, "%s", strerror(-res.error));
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench/parse [--cases DIR] [--min-time SECONDS] [--match TEXT] [CORPUS]\n"
		"  --cases DIR      the NAME.cmd files (default tests/corpus)\n"
		"  --min-time S     timed parsing per case, at least (default %.1f)\n"
		"  --match TEXT     only cases whose name contains TEXT\n"
		"  CORPUS           default $KXBOOT_CORPUS, else ../shared/corpus from the repo\n",
		BENCH_MIN_TIME_S);
}

int main(int argc, char **argv)
{
	const char *cases_dir = "tests/corpus";
	const char *corpus = NULL;
	const char *match = NULL;
	double min_time = BENCH_MIN_TIME_S;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if ((strcmp(a, "--cases") == 0 || strcmp(a, "--min-time") == 0 ||
			    strcmp(a, "--match") == 0) &&
			   i + 1 < argc) {
			const char *v = argv[++i];
			if (strcmp(a, "--cases") == 0) {
				cases_dir = v;
			} else if (strcmp(a, "--match") == 0) {
				match = v;
			} else {
				char *end;
				errno = 0;
				min_time = strtod(v, &end);
				if (errno || end == v || *end || !(min_time >= 0) ||
				    min_time > 3600) {
					fprintf(stderr, "bench/parse: bad --min-time '%s'\n", v);
					return 2;
				}
			}
		} else if (a[0] != '-' && !corpus) {
			corpus = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	/* The corpus sits next to the repo: CASES/../../../shared/corpus, as tests/corpus/run.sh.
	 */
	_cleanup_free_ char *default_corpus = path_join(cases_dir, "../../../shared/corpus");
	if (!corpus)
		corpus = getenv("KXBOOT_CORPUS");
	if (!corpus || !*corpus)
		corpus = default_corpus;
	_cleanup_free_ char *corpus_real = realpath(corpus, NULL);
	if (!corpus_real) {
		fprintf(stderr, "bench/parse: no corpus at '%s': %s\n", corpus, strerror(errno));
		return 1;
	}
	corpus = corpus_real;

	struct strv files = {0};
	int r = list_cmd_files(cases_dir, &files);
	if (r < 0 || files.n == 0) {
		fprintf(stderr, "bench/parse: no NAME.cmd cases in '%s'%s%s\n", cases_dir,
			r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
		strv_free(&files);
		return 1;
	}
	log_max_level = LOG_ERR; /* warnings about corpus quirks are not the point here */

	printf("kxboot parse benchmark: corpus %s, cases %s\n", corpus, cases_dir);
	printf("A parse is one config_load/config_discover as `kxboot list` runs it, so it\n"
	       "INCLUDES READING FILES through the lookup (openat2 on folders, page cache warm):\n"
	       "the config and everything it sources, lists or stats. Freeing the menu is timed;\n"
	       "setting up the volumes is not. Warnings are off (log level error).\n"
	       "us/parse: median of >= %d batch means, >= %.2f s and >= %d parses per case.\n"
	       "best us: the fastest batch mean (the figure least disturbed by a busy machine).\n"
	       "entries: every menu item parsed; bootable: those `kxboot list` keeps.\n\n",
	       BENCH_BATCHES, min_time, BENCH_MIN_ITERATIONS);
	printf("%-34s %-9s %7s %8s %9s %9s %9s %7s %5s\n", "case", "format", "entries", "bootable",
	       "us/parse", "us/entry", "best us", "parses", "secs");

	double max_us = 0, sum_us = 0, max_best_us = 0;
	const char *max_name = NULL;
	size_t n_ok = 0, n_err = 0, n_over = 0;
	_cleanup_free_ char *max_name_copy = NULL;
	for (size_t i = 0; i < files.n; i++) {
		struct bench_case c;
		if (bench_case_read(cases_dir, files.v[i], corpus, &c) < 0) {
			printf("%-34.*s error (bad .cmd file)\n", (int)(strlen(files.v[i]) - 4),
			       files.v[i]);
			n_err++;
			continue;
		}
		if (match && !strstr(c.name, match)) {
			bench_case_free(&c);
			continue;
		}
		struct bench_result res;
		char why[128];
		bench_case_run_isolated(&c, min_time, &res, why, sizeof(why));
		if (res.error < 0) {
			printf("%-34s error (%s)\n", c.name, why);
			n_err++;
		} else {
			double per_entry =
			    res.n_entries ? res.us_per_parse / (double)res.n_entries : 0;
			printf("%-34s %-9s %7zu %8zu %9.1f ", c.name, res.format, res.n_entries,
			       res.n_bootable, res.us_per_parse);
			if (res.n_entries)
				printf("%9.2f", per_entry);
			else
				printf("%9s", "-");
			printf(" %9.1f %7lu %5.2f\n", res.us_best, res.iterations, res.seconds);
			n_ok++;
			sum_us += res.us_per_parse;
			if (res.us_best > max_best_us)
				max_best_us = res.us_best;
			if (res.us_per_parse > BENCH_TARGET_US)
				n_over++;
			if (!max_name || res.us_per_parse > max_us) {
				max_us = res.us_per_parse;
				free(max_name_copy);
				max_name_copy = xstrdup(c.name);
				max_name = max_name_copy;
			}
		}
		bench_case_free(&c);
	}
	strv_free(&files);

	printf("\n%zu cases timed, %zu errors\n", n_ok, n_err);
	if (n_ok) {
		printf("mean %.1f us per file; max %.1f us per file (%s)\n", sum_us / (double)n_ok,
		       max_us, max_name);
		printf("max / 1 ms target = %.3f; %zu case%s over the target\n",
		       max_us / BENCH_TARGET_US, n_over, n_over == 1 ? "" : "s");
		printf("max best-batch %.1f us per file = %.3f of the target\n", max_best_us,
		       max_best_us / BENCH_TARGET_US);
	}
	return 0;
}
