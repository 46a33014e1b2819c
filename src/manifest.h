/* manifest.h — signed boot manifests (docs/manifest.md): which kernel, initrds and command
 * line each machine boots, chosen by ordered rules with staged rollouts.
 *
 * The order /init follows (manifest_fetch does the first four in one call):
 *   1. fetch URL and URL.minisig                       (size-capped: MANIFEST_SIZE_MAX)
 *   2. manifest_verify: the minisign signature with the trusted keys, then parse + validate
 *   3. manifest_check:  expiry, min_version, the highest version this machine has seen
 *   4. manifest_state_record: remember the version (where there is writable state)
 *   5. manifest_select: the target for this machine's identity, and why
 *   6. net_lookup_set_expect(nl, manifest_expected, m): artifacts are fetched against the
 *      manifest's sha256 and size
 *   7. manifest_cmdline: the target's command line + kxboot.target= kxboot.manifest_version=
 *   8. manifest_report: POST what happened to report_url (2 s at most, never blocks a boot)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "minisign.h"
#include "net/fetch.h"

struct manifest_artifact {
	char *url;	 /* resolved against the manifest's URL (as written when it has none) */
	char sha256[65]; /* lower-case hex */
	uint64_t size;	 /* bytes, > 0 */
};

struct manifest_target {
	char *name;	 /* [A-Za-z0-9._-]{1,64} */
	struct manifest_artifact kernel;
	struct manifest_artifact *initrds;
	size_t n_initrds;
	char *cmdline;	 /* as written; "" when absent */
};

enum manifest_selector_kind {
	MANIFEST_SEL_UUID,	/* SMBIOS system UUID, /sys/class/dmi/id/product_uuid */
	MANIFEST_SEL_XEN_UUID,	/* Xen domain UUID, /sys/hypervisor/uuid */
	MANIFEST_SEL_MAC,	/* any of the machine's MAC addresses */
	MANIFEST_SEL_HOSTNAME,	/* hostname from DHCP; '*' and '?' wildcards */
	MANIFEST_SEL_KINDS,
};

struct manifest_stage {
	size_t target;	   /* index into manifest.targets */
	unsigned share_bp; /* basis points (1/100 %) of all machines */
	unsigned upto_bp;  /* cumulative: buckets [upto of the stage before, upto_bp) land here */
};

/* The values one selector kind lists (normalised: lower-case UUIDs, "aa:bb:..." MACs). */
struct manifest_values {
	char **v;
	size_t n; /* 0: this kind is not part of the rule */
};

struct manifest_rule {
	char *name;	/* as written, or "#N" (1-based) */
	bool any;	/* matches every machine */
	struct manifest_values sel[MANIFEST_SEL_KINDS];
	bool rollout;	/* stages by cohort; otherwise one stage of 100 % */
	char *salt;	/* rollouts: keeps cohorts of different rollouts independent */
	struct manifest_stage *stages;
	size_t n_stages;
};

struct manifest {
	uint64_t version;
	uint64_t min_version;	/* 0 when absent */
	int64_t expires;	/* seconds since the epoch, UTC */
	char *expires_text;	/* as written */
	char *url;		/* where it came from; NULL when unknown */
	struct manifest_target *targets; /* sorted by name */
	size_t n_targets;
	struct manifest_rule *rules;
	size_t n_rules;
	const struct manifest_target *recovery; /* NULL when absent */
	char *report_url;	/* resolved; NULL when absent */
};

/* Parse and validate a manifest's JSON. url (may be NULL) is the manifest's own URL: relative
 * artifact and report URLs resolve against it. 0, or -EBADMSG / -EFBIG with err saying what
 * and where ("targets.new.kernel.sha256: want 64 hex digits"). */
int manifest_parse(const char *text, size_t len, const char *url, struct manifest *ret,
		   char *err, size_t err_len);
void manifest_free(struct manifest *m);
const struct manifest_target *manifest_target_find(const struct manifest *m, const char *name);

/* Check the signature of text (the detached .minisig in sig) with the keys of kr, then parse
 * it. Nothing of text is parsed before the signature holds. Errors as minisign_verify (plus
 * -EFBIG for an oversized manifest and -EBADMSG for one that does not parse), err saying
 * why. ret_signer may be NULL. */
int manifest_verify(const struct minisign_keyring *kr, const char *url, const char *text,
		    size_t len, const char *sig, size_t sig_len, struct manifest *ret,
		    struct minisign_verified *ret_signer, char *err, size_t err_len);

/* Freshness and rollback. */
struct manifest_policy {
	int64_t now;		  /* seconds since the epoch */
	uint64_t min_version;	  /* a floor from outside the manifest (kernel command line); 0: none */
	bool have_highest_seen;	  /* the machine remembers versions (manifest_state) */
	uint64_t highest_seen;
};
/* 0, or -EKEYEXPIRED (expires is not after now) or -ESTALE (version below min_version,
 * the policy's floor or the highest version seen), err saying which. */
int manifest_check(const struct manifest *m, const struct manifest_policy *p, char *err,
		   size_t err_len);

/* "Highest manifest version seen" storage behind a small interface. */
struct manifest_state_ops {
	/* 0 with the version, -ENOENT when nothing was recorded yet, other -errno: unreadable
	 * or corrupt (the caller refuses manifests then: fail closed). */
	int (*load)(void *ctx, uint64_t *ret_version, char *err, size_t err_len);
	int (*store)(void *ctx, uint64_t version, char *err, size_t err_len);
};
struct manifest_state {
	const struct manifest_state_ops *ops; /* NULL: no state, nothing remembered */
	void *ctx;
};
/* A text file "highest_version=N\n", replaced atomically (write, fsync, rename). path is
 * not copied. */
void manifest_state_file(struct manifest_state *st, const char *path);
/* In memory (tests): *cell holds the version, 0 meaning nothing recorded. */
void manifest_state_memory(struct manifest_state *st, uint64_t *cell);
/* Fill p->have_highest_seen / highest_seen from st. 0 or -errno (fail closed). */
int manifest_state_apply(const struct manifest_state *st, struct manifest_policy *p, char *err,
			 size_t err_len);
/* Remember version when it is above what is recorded. 0 or -errno. */
int manifest_state_record(const struct manifest_state *st, uint64_t version, char *err,
			  size_t err_len);

/* Steps 3-4: complete p from st, manifest_check, then record m's version in st (a failure
 * to record is logged as a warning and ignored). 0 or the error of the first two. */
int manifest_accept(const struct manifest *m, const struct manifest_policy *p,
		    const struct manifest_state *st, char *err, size_t err_len);

/* Steps 1-4 of the order above: fetch url and url.minisig with o (each capped), verify with
 * kr, check with p (completed from st when st->ops is set), record the version in st.
 * 0 or -errno with err saying why; ret_signer may be NULL. */
int manifest_fetch(const char *url, const struct minisign_keyring *kr,
		   const struct manifest_policy *p, const struct manifest_state *st,
		   const struct fetch_options *o, struct manifest *ret,
		   struct minisign_verified *ret_signer, char *err, size_t err_len);

/* ---- machines and selection ---------------------------------------------------------- */

struct machine_identity {
	char uuid[37];	   /* SMBIOS system UUID, lower-case; "" when unknown */
	char xen_uuid[37]; /* Xen domain UUID, lower-case; "" when unknown */
	char macs[MACHINE_MACS_MAX][18]; /* "52:54:00:12:34:56", sorted */
	size_t n_macs;
	char hostname[254]; /* from DHCP, lower-case; "" when unknown */
};

/* Read the UUIDs and MAC addresses from sysfs (root "/sys" normally; tests pass a folder).
 * The hostname is left as it is (it comes from DHCP). Placeholder UUIDs (all zeros, all
 * ones) count as unknown. Returns 0; what cannot be read stays unknown. */
int machine_identity_read(struct machine_identity *id, const char *sysfs_root);
/* Set one field from text, normalised; -EINVAL when the text is not a UUID / MAC / host name. */
int machine_identity_set_uuid(struct machine_identity *id, const char *text);
int machine_identity_set_xen_uuid(struct machine_identity *id, const char *text);
int machine_identity_add_mac(struct machine_identity *id, const char *text);
int machine_identity_set_hostname(struct machine_identity *id, const char *text);
/* What the cohort hash is taken of: the SMBIOS UUID, else the Xen UUID, else the lowest MAC,
 * else the hostname; NULL when the machine has none. */
const char *machine_identity_cohort_key(const struct machine_identity *id);

/* The cohort bucket of a machine in a rollout: SHA-256(salt ":" key), first 8 bytes as a
 * big-endian number, modulo 10000. Stages cover buckets [0, p1*100), [p1*100, (p1+p2)*100)...
 * so a machine stays in its stage while the percentages grow. */
unsigned manifest_cohort_bucket(const char *salt, const char *key);
#define MANIFEST_BUCKETS 10000u

struct manifest_choice {
	const struct manifest_target *target;
	const struct manifest_rule *rule;
	size_t rule_index;	/* 0-based */
	int stage;		/* 0-based stage of a rollout; -1 for a plain rule */
	int bucket;		/* the cohort bucket for a rollout; -1 otherwise */
	char why[512];		/* one line for the console */
};
/* The first rule that matches id chooses the target (a rollout whose stages do not cover the
 * machine's bucket does not match). 0, or -ENOENT when no rule matches (why says so); the
 * recovery target is m->recovery, for when the chosen one cannot be booted. */
int manifest_select(const struct manifest *m, const struct machine_identity *id,
		    struct manifest_choice *ret);

/* The sha256 and size the manifest gives for an artifact URL, or NULL; an net_expect_fn for
 * net_lookup_set_expect (ctx is the struct manifest). */
const char *manifest_expected(void *ctx, const char *url, int64_t *ret_size);
const struct manifest_artifact *manifest_artifact_find(const struct manifest *m, const char *url);

/* Fetch an artifact of the manifest (the chosen target's kernel and initrds) without going
 * through a lookup: its sha256 and size are required, and the download stops at its size.
 * As fetch_url: -EBADMSG for a mismatch, -EFBIG for a longer file. */
int manifest_fetch_artifact(const struct manifest_artifact *a, const struct fetch_options *o,
			    struct fetch_result *ret);

/* The command line to boot t with: its own (without any kxboot.target= or
 * kxboot.manifest_version= it holds) followed by "kxboot.target=NAME
 * kxboot.manifest_version=N". Allocated. */
char *manifest_cmdline(const struct manifest *m, const struct manifest_target *t);

/* ---- boot reports --------------------------------------------------------------------- */

enum manifest_outcome {
	MANIFEST_OUTCOME_BOOTING,  /* about to kexec the chosen target */
	MANIFEST_OUTCOME_RECOVERY, /* about to kexec the recovery target */
	MANIFEST_OUTCOME_FAILED,   /* no target could be booted from the manifest */
};

struct manifest_report {
	const struct machine_identity *id;
	const char *target; /* NULL: none */
	const char *rule;   /* NULL: none */
	enum manifest_outcome outcome;
	const char *error;  /* NULL: none */
	int64_t time;	    /* seconds since the epoch */
};
/* The JSON record (docs/manifest.md, "Boot reports"). Allocated. */
char *manifest_report_json(const struct manifest *m, const struct manifest_report *rep);
/* POST it to m->report_url (nothing when there is none) with libcurl, giving up after
 * MANIFEST_REPORT_TIMEOUT_MS in all. o may be NULL; its ca_file and pin are used for https.
 * 0 or -errno with err saying why; the caller logs and boots on. */
int manifest_report(const struct manifest *m, const struct manifest_report *rep,
		    const struct fetch_options *o, char *err, size_t err_len);

/* ---- time ------------------------------------------------------------------------------ */

/* RFC 3339 date-time ("2024-06-01T12:00:00Z", "...T14:00:00.5+02:00"): 0 or -EINVAL. */
int rfc3339_parse(const char *s, int64_t *ret);
/* "YYYY-MM-DDTHH:MM:SSZ" */
void rfc3339_format(int64_t t, char ret[32]);
