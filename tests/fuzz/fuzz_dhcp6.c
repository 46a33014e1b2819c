/* fuzz_dhcp6.c — libFuzzer harness for the DHCPv6 Advertise/Reply parser (RFC 8415), and
 * the ip= test for DHCPv6. The transaction id is taken from the input itself so that the
 * fuzzer gets past the "not ours" check; the client is DUID-LL 52:54:00:12:34:56, which the
 * seeds carry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net/dhcp6.h"
#include "net/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_max_level = LOG_ERR;
	static struct dhcp6_client_id id;
	if (!id.duid_len)
		dhcp6_client_id_make(NULL, "52:54:00:12:34:56", 1, &id);
	uint8_t xid[3] = { 0 };
	if (size >= 4)
		memcpy(xid, data + 1, 3);
	/* An exact-size copy, so that ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct dhcp6_reply r;
	char err[256];
	if (dhcp6_reply_parse(copy, size, xid, &id, &r, err, sizeof(err)) == 0) {
		/* What the exchange does with a parsed reply: all strings terminated. */
		if (strlen(r.bootfile_url) >= sizeof(r.bootfile_url) ||
		    strlen(r.domains) >= sizeof(r.domains) ||
		    strlen(r.bootfile_params) >= sizeof(r.bootfile_params) ||
		    strlen(r.status_message) >= sizeof(r.status_message) ||
		    r.n_addresses > DHCP6_ADDRESSES_MAX || r.n_dns > DHCP6_DNS_SERVERS_MAX)
			abort();
		dhcp6_status_name(r.status);
	}
	free(copy);
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char iface[32];
	net_ip_wants_dhcp6(text, iface);
	free(text);
	return 0;
}
