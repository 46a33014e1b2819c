/* fuzz_manifest.c — libFuzzer harness for the manifest reader: parse and validate, then run
 * everything /init does with a parsed manifest (select for a few machines, expected hashes,
 * command lines, the report record) and the RFC 3339 parser on its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_max_level = LOG_ERR;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	int64_t t;
	if (size <= 64)
		rfc3339_parse(text, &t);

	struct manifest m;
	char err[512];
	if (manifest_parse(text, size, "http://boot.example/fleet/manifest.json", &m, err,
			   sizeof(err)) == 0) {
		struct machine_identity ids[3] = { { { 0 } } };
		machine_identity_set_uuid(&ids[0], "4c4c4544-0042-3510-8052-b4c04f4e4d32");
		machine_identity_add_mac(&ids[0], "52:54:00:aa:bb:cc");
		machine_identity_set_hostname(&ids[0], "web-01.example.com");
		machine_identity_set_xen_uuid(&ids[1], "0b5a1c9e-7d7e-4b8a-9a2e-3c4d5e6f7a8b");
		for (size_t i = 0; i < 3; i++) {
			struct manifest_choice c;
			if (manifest_select(&m, &ids[i], &c) == 0) {
				char *cl = manifest_cmdline(&m, c.target);
				free(cl);
			}
		}
		for (size_t i = 0; i < m.n_targets; i++) {
			int64_t sz;
			manifest_expected(&m, m.targets[i].kernel.url, &sz);
			for (size_t j = 0; j < m.targets[i].n_initrds; j++)
				manifest_expected(&m, m.targets[i].initrds[j].url, &sz);
		}
		struct manifest_policy p = { .now = 1717243200, .have_highest_seen = true,
					     .highest_seen = 3 };
		manifest_check(&m, &p, err, sizeof(err));
		struct manifest_report rep = { .id = &ids[0], .target = m.targets[0].name,
					       .error = text, .time = 1717243200 };
		char *json = manifest_report_json(&m, &rep);
		free(json);
		manifest_free(&m);
	}
	free(text);
	return 0;
}
