/* dhcp6.h — a minimal DHCPv6 client (RFC 8415) for network boot: messages with the boot
 * options of RFC 5970, DNS of RFC 3646 and DUID-UUID of RFC 6355 (dhcp6.c, pure), and the
 * exchange on one link over a UDP socket (dhcp6_client.c). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547

enum dhcp6_message_type {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_REPLY = 7,
	DHCP6_INFORMATION_REQUEST = 11,
};

enum dhcp6_option_code {
	DHCP6_OPTION_CLIENTID = 1,
	DHCP6_OPTION_SERVERID = 2,
	DHCP6_OPTION_IA_NA = 3,
	DHCP6_OPTION_IAADDR = 5,
	DHCP6_OPTION_ORO = 6,
	DHCP6_OPTION_PREFERENCE = 7,
	DHCP6_OPTION_ELAPSED_TIME = 8,
	DHCP6_OPTION_STATUS_CODE = 13,
	DHCP6_OPTION_USER_CLASS = 15,
	DHCP6_OPTION_VENDOR_CLASS = 16,
	DHCP6_OPTION_DNS_SERVERS = 23,	  /* RFC 3646 */
	DHCP6_OPTION_DOMAIN_LIST = 24,	  /* RFC 3646 */
	DHCP6_OPTION_BOOTFILE_URL = 59,	  /* RFC 5970 */
	DHCP6_OPTION_BOOTFILE_PARAM = 60, /* RFC 5970 */
	DHCP6_OPTION_CLIENT_ARCH_TYPE = 61, /* RFC 5970 */
	DHCP6_OPTION_NII = 62,		  /* RFC 5970: network interface identifier */
	DHCP6_OPTION_SOL_MAX_RT = 82,
	DHCP6_OPTION_INF_MAX_RT = 83,
};

enum dhcp6_status_code {
	DHCP6_STATUS_SUCCESS = 0,
	DHCP6_STATUS_UNSPEC_FAIL = 1,
	DHCP6_STATUS_NO_ADDRS_AVAIL = 2,
	DHCP6_STATUS_NO_BINDING = 3,
	DHCP6_STATUS_NOT_ON_LINK = 4,
	DHCP6_STATUS_USE_MULTICAST = 5,
	DHCP6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* RFC 8415 section 7.6 (milliseconds) */
#define DHCP6_SOL_TIMEOUT_MS 1000
#define DHCP6_SOL_MAX_RT_MS 3600000
#define DHCP6_REQ_TIMEOUT_MS 1000
#define DHCP6_REQ_MAX_RT_MS 30000
#define DHCP6_REQ_MAX_RC 10
#define DHCP6_INF_TIMEOUT_MS 1000
#define DHCP6_INF_MAX_RT_MS 3600000

/* Client architecture 7: EFI x86-64 (RFC 4578 registry), as kxboot's DHCPv4 vendor class. */
#define DHCP6_CLIENT_ARCH 7
#define DHCP6_VENDOR_ENTERPRISE 343 /* Intel, whose PXE vendor class firmware sends */
#define DHCP6_VENDOR_CLASS "PXEClient:Arch:00007:UNDI:003016"
#define DHCP6_USER_CLASS "kxboot"

/* What identifies this client in every message. */
struct dhcp6_client_id {
	uint8_t duid[DHCP6_DUID_MAX];
	size_t duid_len;
	uint32_t iaid;
};

/* DUID-UUID (type 4, RFC 6355) when uuid is an SMBIOS UUID ("xxxxxxxx-xxxx-..."), else
 * DUID-LL (type 3, hardware type 1) from mac ("52:54:00:12:34:56"). The IAID is the last four
 * bytes of the MAC, stable across boots unlike the interface index (used when there is no
 * MAC). -EINVAL when neither is usable. */
int dhcp6_client_id_make(const char *uuid, const char *mac, unsigned ifindex,
			 struct dhcp6_client_id *ret);

/* One message to send. */
struct dhcp6_request {
	enum dhcp6_message_type type;	/* Solicit, Request or Information-request */
	uint8_t xid[3];
	unsigned elapsed_ms;		/* since the first message of this exchange */
	const struct dhcp6_client_id *client;
	const uint8_t *server_id;	/* Request: the chosen server's DUID */
	size_t server_id_len;
	const struct in6_addr *address; /* Request: the address advertised, or NULL */
};

/* Build req into buf: 0, -EINVAL for a request that misses what its type needs, -ENOBUFS
 * when size is too small. */
int dhcp6_message_build(const struct dhcp6_request *req, uint8_t *buf, size_t size,
			size_t *ret_len);

struct dhcp6_address {
	struct in6_addr address;
	uint32_t preferred_s, valid_s;
};

/* An Advertise or Reply as kxboot reads it. */
struct dhcp6_reply {
	enum dhcp6_message_type type;
	uint8_t server_id[DHCP6_DUID_MAX];
	size_t server_id_len;
	unsigned preference;		/* option 7; 0 when absent (RFC 8415 section 18.2.9) */
	int status;			/* top-level status code; success when absent */
	bool has_ia;			/* an IA_NA with our IAID */
	int ia_status;			/* its status code; success when absent */
	char status_message[DHCP6_STATUS_MESSAGE_MAX]; /* of the first failing status, printable */
	uint32_t t1_s, t2_s;
	struct dhcp6_address addresses[DHCP6_ADDRESSES_MAX]; /* usable ones: valid > 0 */
	size_t n_addresses;
	struct in6_addr dns[DHCP6_DNS_SERVERS_MAX];
	size_t n_dns;
	char domains[DHCP6_DOMAINS_MAX];	 /* option 24, space separated */
	char bootfile_url[DHCP6_BOOTFILE_URL_MAX]; /* option 59 */
	char bootfile_params[DHCP6_BOOTFILE_PARAMS_MAX]; /* option 60, space separated */
	struct in6_addr server_address; /* where it came from: set by dhcp6_exchange only */
};

/* Read an Advertise or Reply answering the message with transaction id xid from client.
 * 0; -ENOMSG when it is not for us (another type, transaction or client: RFC 8415 says to
 * drop those); -EBADMSG when malformed. err says why in both cases. ret is left untouched on
 * failure. A failing status code is not an error here: the caller decides. A Reply without
 * Server Identifier (server_id_len 0) is accepted: QEMU's user network sends such. */
int dhcp6_reply_parse(const uint8_t *buf, size_t len, const uint8_t xid[3],
		      const struct dhcp6_client_id *client, struct dhcp6_reply *ret, char *err,
		      size_t err_len);

/* "Success", "NoAddrsAvail", ... or "status N". */
const char *dhcp6_status_name(int status);

/* The next retransmission timeout (RFC 8415 section 15): prev_ms 0 for the first, then the
 * previous value. random is any 32-bit random number; the result is within the RFC's
 * +-10 % of the nominal value (strictly above irt_ms for the first Solicit, first_above). */
unsigned dhcp6_retransmit_ms(unsigned prev_ms, unsigned irt_ms, unsigned mrt_ms, uint32_t random,
			     bool first_above);

/* ---- the exchange on one link (dhcp6_client.c) ------------------------------------------- */

struct dhcp6_exchange_options {
	unsigned timeout_ms;	/* the whole exchange, DAD wait included; 0: DHCP6_TIMEOUT_MS */
	bool stateless;		/* Information-request only: the address comes from SLAAC */
	/* Switch to Information-request when Solicit brings no address offer and SLAAC gave
	 * the link a global address meanwhile (a stateless server: QEMU's user network). */
	bool stateless_on_slaac;
};

/* Wait until ifname has a link-local address that passed DAD, then Solicit, pick the best
 * Advertise, Request and read the Reply (or Information-request and Reply when stateless),
 * retransmitting on RFC 8415's timers within the time-out. 0 with the Reply in ret; else
 * -errno with err saying why: -ETIMEDOUT when no server answered, -EADDRNOTAVAIL when servers
 * answered without an address (or the link has no usable link-local address), -ENODEV. */
int dhcp6_exchange(const char *ifname, const struct dhcp6_client_id *id,
		   const struct dhcp6_exchange_options *o, struct dhcp6_reply *ret, char *err,
		   size_t err_len);

/* Whether ifname has a global or site-local address that passed DAD (from SLAAC, or set by
 * hand): one a boot server can be reached from. */
bool dhcp6_link_has_routable_address(const char *ifname);

/* Put address/128 on ifname (RFC 5942: the on-link prefix comes from router advertisements)
 * and wait at most wait_ms for it to pass DAD. 0, -EADDRINUSE when DAD failed, or -errno. */
int dhcp6_address_add(const char *ifname, const struct in6_addr *address, unsigned wait_ms,
		      char *err, size_t err_len);
