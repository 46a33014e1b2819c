/* volume.h — a set of filesystems, each reachable as a folder (a read-only mount point under
 * /init, or a folder standing for a filesystem in `kxboot list --root`), answering the
 * parsers' lookup questions. Every access stays inside the folder (openat2 RESOLVE_IN_ROOT),
 * so a hostile symlink on a guest disk cannot reach kxboot's own files. */
#pragma once

#include <stdbool.h>

#include "lookup.h"

struct volume {
	char *id;	 /* "uuid:<uuid>", else "label:<label>", else "dir:<folder>" */
	char *dir;
	int dirfd;
	char *uuid;
	char *label;
	char *fstype;
	char *partuuid;
	char *partlabel;
	char *device;	 /* block device (/dev/vda1) under /init; NULL for folders */
	int disk;	 /* firmware disk order (hdN), -1 when unknown */
	int part;	 /* partition number, 0 for a whole disk */
	char *grub_name; /* "hd0,gpt2" / "hd0,msdos1" / "hd0", NULL when unknown */
};

struct volume_identity {
	const char *uuid, *label, *fstype, *partuuid, *partlabel, *device;
	int disk; /* -1 when unknown */
	int part;
	const char *part_scheme; /* "gpt" or "msdos" */
};

struct volume_set {
	struct volume *v;
	size_t n;
	struct lookup lookup;
};

void volume_set_init(struct volume_set *vs);
void volume_set_free(struct volume_set *vs);
/* Add a folder. ident NULL: read the identity from files UUID, LABEL, TYPE, PARTUUID,
 * PARTLABEL at the folder's top (the corpus convention). */
int volume_set_add(struct volume_set *vs, const char *dir, const struct volume_identity *ident,
		   const struct volume **ret);
const struct volume *volume_set_find(const struct volume_set *vs, const char *id);
