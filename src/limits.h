/* limits.h — every bound kxboot puts on its inputs, in one place (see kxboot(8), LIMITS). */
#pragma once

/* Config files */
#define CONFIG_FILE_MAX (4u << 20)	/* bytes read from one config file */
#define CONFIG_LINE_MAX 65536		/* bytes in one logical line */
#define CONFIG_INCLUDE_DEPTH_MAX 16	/* source/configfile/INCLUDE nesting */
#define CONFIG_FILES_MAX 256		/* files read for one menu (source loops) */
#define MENU_ENTRIES_MAX 4096		/* menu entries in one menu */
#define MENU_DEPTH_MAX 16		/* submenu nesting */

/* GRUB script interpreter */
#define GRUB_NEST_MAX 128		/* nesting of blocks while parsing */
#define GRUB_CALL_DEPTH_MAX 64		/* function recursion */
#define GRUB_STEPS_MAX 2000000		/* commands executed for one config */
#define GRUB_STATEMENT_STEPS_MAX 100000	/* commands run by one top-level statement or entry */
#define GRUB_WORD_MAX 65536		/* bytes in one word, as written or expanded */
#define GRUB_EXPAND_BYTES_MAX (64u << 20) /* bytes produced by expansion for one config */
#define GRUB_ENV_BYTES_MAX (1u << 20)	/* bytes held by one context's variables */
#define GRUB_ARGS_MAX 4096		/* words in one command */
#define GRUB_VARS_MAX 4096		/* variables in one context */
#define GRUBENV_SIZE_MAX 65536		/* bytes read from a grubenv file */

/* iPXE script interpreter (every menu item is a run of the script with that item chosen) */
#define IPXE_STEPS_MAX 1000000		/* lines and commands run for one script, all runs */
#define IPXE_RUN_STEPS_MAX 50000	/* lines and commands run to find what one item boots */
#define IPXE_ARGS_MAX 4096		/* words in one command line */
#define IPXE_WORD_MAX 65536		/* bytes in one word after ${} expansion, or one setting */
#define IPXE_EXPANSIONS_MAX 1024	/* ${} expansions in one word (values are expanded too) */
#define IPXE_EXPAND_BYTES_MAX (32u << 20) /* bytes built by expansion for one script, all runs */
#define IPXE_SETTINGS_MAX 4096		/* settings held at once */
#define IPXE_IMAGES_MAX 256		/* images (kernels, initrds, scripts) loaded at once */
#define IPXE_SCRIPT_PROBE_MAX (256u << 10) /* bytes read to see whether an image is a script */

/* Boot Loader Specification */
#define BLS_ENTRIES_MAX 1024		/* entry files read from one directory */
#define DIR_ENTRIES_MAX 4096		/* names listed in one directory */

/* Loading */
#define LOAD_KERNEL_MAX (256ull << 20)	/* bytes in one kernel image */
#define LOAD_INITRD_MAX (2ull << 30)	/* bytes in all initrds of one entry together */
#define DISK_WAIT_MS 5000		/* how long /init waits for block devices */

/* Network */
#define FETCH_SIZE_MAX (2ull << 30)	/* bytes in one download */
#define FETCH_REDIRECTS_MAX 5		/* HTTP redirects followed */
#define FETCH_RETRIES_DEFAULT 3		/* extra attempts after a transient failure */
#define FETCH_BACKOFF_MS 500		/* first retry delay, doubled each time, plus jitter */
#define FETCH_BACKOFF_MAX_MS 8000
#define FETCH_TIMEOUT_S 10		/* connect / per-packet time-out */
#define FETCH_LOW_SPEED_S 20		/* below 1 KiB/s for this long: give up */
#define TFTP_BLKSIZE_DEFAULT 1468	/* fits one Ethernet frame with IP/UDP/TFTP headers */
#define TFTP_WINDOWSIZE_DEFAULT 16	/* RFC 7440 window */
#define TFTP_RETRANSMITS_MAX 6		/* re-sends of one packet before giving up */

/* DHCPv6 (RFC 8415): the whole exchange is bounded so a silent network never hangs the boot */
#define DHCP6_TIMEOUT_MS 10000		/* Solicit to Reply (or Information-request to Reply) */
#define DHCP6_INFO_TIMEOUT_MS 4000	/* Information-request after a failed Solicit (SLAAC links) */
#define DHCP6_DAD_WAIT_MS 5000		/* for the link-local and the leased address to pass DAD */
#define DHCP6_SOLICIT_DELAY_MAX_MS 100	/* random delay of the first Solicit (RFC: up to 1 s) */
#define DHCP6_MESSAGE_MAX 4096		/* bytes in one message received or sent */
#define DHCP6_DUID_MAX 130		/* bytes in a DUID: type + 128 (RFC 8415 section 11.1) */
#define DHCP6_ADDRESSES_MAX 8		/* addresses kept from one IA_NA (more are ignored) */
#define DHCP6_DNS_SERVERS_MAX 4		/* DNS servers kept from option 23 (more are ignored) */
#define DHCP6_DOMAINS_MAX 256		/* bytes of the search list (option 24), space separated */
#define DHCP6_BOOTFILE_URL_MAX 1024	/* bytes in option 59 (RFC 5970) */
#define DHCP6_BOOTFILE_PARAMS_MAX 1024	/* bytes of option 60's parameters, space separated */
#define DHCP6_STATUS_MESSAGE_MAX 256	/* bytes of a status code's message kept for the log */

/* Signed manifests (docs/manifest.md) and minisign signatures */
#define MANIFEST_SIZE_MAX (1u << 20)	/* bytes in manifest.json */
#define MANIFEST_TARGETS_MAX 256	/* targets in one manifest */
#define MANIFEST_RULES_MAX 4096		/* rules in one manifest */
#define MANIFEST_MATCH_VALUES_MAX 65536	/* selector values (UUIDs, MACs, ...) in all rules */
#define MANIFEST_STAGES_MAX 16		/* stages in one rollout */
#define MANIFEST_INITRDS_MAX 16		/* initrds of one target */
#define MANIFEST_NAME_MAX 64		/* bytes in a target or rule name */
#define MANIFEST_URL_MAX 4096		/* bytes in one URL, as written or resolved */
#define MANIFEST_CMDLINE_MAX 4096	/* bytes in a target's command line */
#define MANIFEST_TEXT_MAX 1024		/* bytes in a salt, comment-free free text, hostname pattern */
#define MANIFEST_STATE_SIZE_MAX 4096	/* bytes read from the "highest version seen" file */
#define MANIFEST_REPORT_TIMEOUT_MS 2000	/* whole boot report POST, connect included */
#define MANIFEST_REPORT_SIZE_MAX 16384	/* bytes in one boot report */
#define MACHINE_MACS_MAX 32		/* network interfaces read for the machine identity */
#define MINISIGN_KEY_FILE_MAX 4096	/* bytes in a minisign .pub file */
#define MINISIGN_SIG_FILE_MAX 12288	/* bytes in a .minisig file */
#define MINISIGN_COMMENT_MAX 1024	/* bytes in an untrusted comment line (as minisign) */
#define MINISIGN_TRUSTED_COMMENT_MAX 8192 /* bytes in a trusted comment line (as minisign) */
#define MINISIGN_KEYS_MAX 64		/* public keys in one keyring (/etc/kxboot/keys) */
