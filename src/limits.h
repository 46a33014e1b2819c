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
