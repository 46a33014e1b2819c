/* bootopts.c — kernel command line options (Documentation/admin-guide/kernel-parameters:
 * words separated by blanks, double quotes group, "param=value"). */
#include "bootopts.h"

#include <string.h>

#include "log.h"
#include "util.h"

char **cmdline_split(const char *cmdline, int *ret_count)
{
	struct strv words = { 0 };
	const char *p = cmdline;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		struct strbuf w = { 0 };
		bool quoted = false;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"')
				quoted = !quoted;
			else
				strbuf_addc(&w, *p);
			p++;
		}
		strv_push(&words, strbuf_steal(&w));
	}
	if (!words.v)
		strv_push(&words, NULL), words.n = 0;
	*ret_count = (int)words.n;
	return words.v;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

void boot_options_parse(struct boot_options *o, const char *cmdline)
{
	*o = (struct boot_options){ .timeout = -2 };
	int n;
	char **words = cmdline_split(cmdline ? cmdline : "", &n);
	for (int i = 0; i < n; i++) {
		const char *w = words[i];
		const char *eq = strchr(w, '=');
		const char *v = eq ? eq + 1 : "";
		size_t klen = eq ? (size_t)(eq - w) : strlen(w);
#define KEY(k) (klen == strlen(k) && strncmp(w, k, klen) == 0)
		if (KEY("kxboot.entry")) {
			set_str(&o->entry, v);
		} else if (KEY("kxboot.timeout")) {
			long t;
			if (str_to_long(v, 10, &t) == 0 && t >= -1 && t < 86400)
				o->timeout = (int)t;
			else
				log_warn("kxboot.timeout=%s is not a number of seconds, ignoring", v);
		} else if (KEY("kxboot.locked")) {
			o->locked = true;
		} else if (KEY("kxboot.debug")) {
			o->debug = true;
		} else if (KEY("kxboot.insecure")) {
			o->insecure = true;
		} else if (KEY("kxboot.dry_run")) {
			o->dry_run = true;
		} else if (KEY("kxboot.pin")) {
			set_str(&o->pin, v);
		} else if (KEY("kxboot.url")) {
			set_str(&o->url, v);
		} else if (KEY("kxboot.min_version")) {
			long mv;
			if (str_to_long(v, 10, &mv) == 0 && mv >= 0)
				o->min_version = (unsigned long long)mv;
			else
				log_warn("kxboot.min_version=%s is not a version number, ignoring", v);
		} else if (KEY("kxboot.policy")) {
			if (!strcmp(v, "signed"))
				o->policy_signed = true;
			else if (strcmp(v, "any"))
				log_warn("kxboot.policy=%s is not signed or any, ignoring", v);
		} else if (KEY("ip")) {
			set_str(&o->ip, v);
		} else if (KEY("kxboot.manifest")) {
			set_str(&o->manifest, v);
		} else if (KEY("kxboot.mode")) {
			if (!strcmp(v, "auto"))
				o->mode = BOOT_MODE_AUTO;
			else if (!strcmp(v, "disk"))
				o->mode = BOOT_MODE_DISK;
			else if (!strcmp(v, "net"))
				o->mode = BOOT_MODE_NET;
			else if (!strcmp(v, "recovery"))
				o->mode = BOOT_MODE_RECOVERY;
			else
				log_warn("kxboot.mode=%s is not auto, disk, net or recovery, ignoring", v);
		} else if (KEY("console") && o->n_consoles < 8) {
			/* console=ttyS0,115200n8 names the device before the comma */
			const char *comma = strchr(v, ',');
			char *dev = comma ? xstrndup(v, (size_t)(comma - v)) : xstrdup(v);
			bool dup = false;
			for (int k = 0; k < o->n_consoles; k++)
				dup = dup || strcmp(o->consoles[k], dev) == 0;
			if (dup || !*dev)
				free(dev);
			else
				o->consoles[o->n_consoles++] = dev;
		} else if (str_startswith(w, "kxboot.")) {
			log_warn("unknown option '%s', ignoring", w);
		}
#undef KEY
	}
	strv_free_array(words);
}

void boot_options_free(struct boot_options *o)
{
	free(o->entry);
	free(o->url);
	free(o->manifest);
	free(o->ip);
	free(o->pin);
	for (int i = 0; i < o->n_consoles; i++)
		free(o->consoles[i]);
	*o = (struct boot_options){ 0 };
}
