/* test_dhcp6.c — the DHCPv6 client's pure parts: messages on the wire as RFC 8415 (sections
 * 8, 21), RFC 5970, RFC 3646 and RFC 6355 lay them out, hand-assembled here; Advertise and
 * Reply packets read into what kxboot keeps, the malformed ones refused with a reason; the
 * retransmission timers (section 15); and which ip= values ask for DHCPv6. */
#include <arpa/inet.h>
#include <errno.h>

#include "net/dhcp6.h"
#include "net/link.h"
#include "test.h"
#include "util.h"

#define U16(v) (uint8_t)((v) >> 8), (uint8_t)(v)
#define U32(v) U16((uint32_t)(v) >> 16), U16((uint32_t)(v) & 0xffff)
#define OPT(code, len) U16(code), U16(len)

/* The client: MAC 52:54:00:12:34:56, so DUID-LL 00 03 00 01 + MAC, IAID 0x00123456. */
#define MAC "52:54:00:12:34:56"
#define IAID 0x00123456
#define CLIENT_ID OPT(1, 10), 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56
#define OTHER_CLIENT_ID OPT(1, 10), 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x57
/* A DUID-LLT server identifier (type 1, hardware 1, time, MAC), as dnsmasq sends. */
#define SERVER_ID OPT(2, 14), 0, 1, 0, 1, 0x2c, 0x8e, 0x5b, 0x11, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define XID 0x12, 0x34, 0x56
#define ADVERTISE 2, XID
#define REPLY 7, XID
/* fd00:99::N and 2001:db8::N */
#define FD00(n) 0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, U16(n)
#define DOC(n) 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, U16(n)
#define IAADDR(addr, pl, vl) OPT(5, 24), addr, U32(pl), U32(vl)
#define STATUS(code) OPT(13, 2), U16(code)

static const uint8_t xid[3] = { XID };

/* dnsmasq 2.90's Advertise for --dhcp-range=fd00:99::100,fd00:99::1ff with a boot URL */
static const uint8_t pkt_dnsmasq_advertise[] = {
	ADVERTISE, CLIENT_ID, SERVER_ID,
	OPT(3, 12 + 28 + 6), U32(IAID), U32(43200), U32(75600),
	IAADDR(FD00(0x195), 86400, 86400), STATUS(0),
	STATUS(0), OPT(7, 1), 0,
	OPT(23, 16), FD00(0x53),
	OPT(59, 38), 'h', 't', 't', 'p', ':', '/', '/', '[', 'f', 'd', '0', '0', ':', '9', '9', ':',
	':', '1', ']', ':', '8', '0', '8', '0', '/', 'b', 'o', 'o', 't', '/', 'g', 'r', 'u', 'b', '.',
	'c', 'f', 'g',
};

/* A Reply with two addresses, two DNS servers, a search list, a TFTP URL and parameters;
 * an option kxboot does not ask for (SOL_MAX_RT) and a vendor option in between. */
static const uint8_t pkt_reply_full[] = {
	REPLY, SERVER_ID, CLIENT_ID,
	OPT(3, 12 + 28 + 28), U32(IAID), U32(1800), U32(2880),
	IAADDR(DOC(0x10), 3600, 7200), IAADDR(DOC(0x11), 0, 60),
	OPT(82, 4), U32(3600),
	OPT(17, 8), U32(343), OPT(1, 0),
	OPT(23, 32), DOC(0x53), FD00(0x53),
	OPT(24, 18), 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 3, 'l', 'a', 'b', 0,
	OPT(59, 31), 't', 'f', 't', 'p', ':', '/', '/', '[', '2', '0', '0', '1', ':', 'd', 'b', '8',
	':', ':', '1', ']', '/', 'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', '0',
	OPT(60, 2 + 13 + 2 + 5), U16(13), 'c', 'o', 'n', 's', 'o', 'l', 'e', '=', 't', 't', 'y', 'S',
	'0', U16(5), 'q', 'u', 'i', 'e', 't',
};

/* RFC 3315 servers put NoAddrsAvail at the top; RFC 8415 ones in the IA_NA. */
static const uint8_t pkt_noaddrs_top[] = {
	ADVERTISE, CLIENT_ID, SERVER_ID,
	OPT(13, 2 + 12), U16(2), 'n', 'o', ' ', 'a', 'd', 'd', 'r', 'e', 's', 's', 0x07, 's',
};
static const uint8_t pkt_noaddrs_ia[] = {
	ADVERTISE, CLIENT_ID, SERVER_ID,
	OPT(3, 12 + 6), U32(IAID), U32(0), U32(0), STATUS(2),
};
/* Addresses the client must not use: preferred > valid, valid 0, NotOnLink. */
static const uint8_t pkt_bad_lifetimes[] = {
	REPLY, CLIENT_ID, SERVER_ID,
	OPT(3, 12 + 28 + 28 + 34), U32(IAID), U32(0), U32(0),
	IAADDR(FD00(1), 7200, 3600), IAADDR(FD00(2), 0, 0),
	OPT(5, 24 + 6), FD00(3), U32(60), U32(60), STATUS(4),
};
/* T1 > T2 > 0 throws the IA_NA away (section 21.4). */
static const uint8_t pkt_t1_over_t2[] = {
	REPLY, CLIENT_ID, SERVER_ID,
	OPT(3, 12 + 28), U32(IAID), U32(5000), U32(4000), IAADDR(FD00(1), 60, 60),
};
static const uint8_t pkt_other_iaid[] = {
	REPLY, CLIENT_ID, SERVER_ID,
	OPT(3, 12 + 28), U32(IAID + 1), U32(0), U32(0), IAADDR(FD00(1), 60, 60),
};
static const uint8_t pkt_preference_255[] = { ADVERTISE, CLIENT_ID, SERVER_ID, OPT(7, 1), 255 };
static const uint8_t pkt_many_dns[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(23, 80), FD00(1), FD00(2), FD00(3), FD00(4), FD00(5),
};

/* QEMU's user network (libslirp) answers Information-request with the client id, DNS and
 * a boot URL from its zero-padded host address, and no Server Identifier. */
static const uint8_t pkt_slirp_reply[] = {
	REPLY, CLIENT_ID, OPT(23, 16), 0xfe, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
	OPT(59, 59), 't', 'f', 't', 'p', ':', '/', '/', '[', 'f', 'e', 'c', '0', ':', '0', '0', '0',
	'0', ':', '0', '0', '0', '0', ':', '0', '0', '0', '0', ':', '0', '0', '0', '0', ':', '0',
	'0', '0', '0', ':', '0', '0', '0', '0', ':', '0', '0', '0', '2', ']', '/', 'p', 'x', 'e',
	'l', 'i', 'n', 'u', 'x', '.', '0',
};

/* Not for us */
static const uint8_t pkt_wrong_xid[] = { 2, 0x12, 0x34, 0x57, CLIENT_ID, SERVER_ID };
static const uint8_t pkt_solicit[] = { 1, XID, CLIENT_ID };
static const uint8_t pkt_no_client[] = { ADVERTISE, SERVER_ID, OPT(7, 1), 5 };
static const uint8_t pkt_other_client[] = { ADVERTISE, OTHER_CLIENT_ID, SERVER_ID };

/* Malformed */
static const uint8_t pkt_header_only[] = { 2, 0x12, 0x34 };
static const uint8_t pkt_no_server[] = { ADVERTISE, CLIENT_ID, STATUS(0) };
static const uint8_t pkt_option_overrun[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(23, 32), FD00(1) };
static const uint8_t pkt_option_header_cut[] = { REPLY, CLIENT_ID, SERVER_ID, 0, 23, 0 };
static const uint8_t pkt_ia_short[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(3, 8), U32(IAID), U32(0) };
static const uint8_t pkt_iaaddr_short[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(3, 12 + 4 + 20), U32(IAID), U32(0), U32(0), OPT(5, 20),
	FD00(1), U32(60),
};
static const uint8_t pkt_ia_nested_overrun[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(3, 12 + 6), U32(IAID), U32(0), U32(0), OPT(13, 9), U16(0),
};
static const uint8_t pkt_two_servers[] = { REPLY, CLIENT_ID, SERVER_ID, SERVER_ID };
static const uint8_t pkt_server_empty[] = { REPLY, CLIENT_ID, OPT(2, 0) };
static const uint8_t pkt_preference_long[] = { ADVERTISE, CLIENT_ID, SERVER_ID, OPT(7, 2), 0, 1 };
static const uint8_t pkt_dns_odd[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(23, 15), FD00(1) };
static const uint8_t pkt_status_short[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(13, 1), 0 };
static const uint8_t pkt_url_space[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(59, 12), 'h', 't', 't', 'p', ':', '/', '/', 'a', ' ', '/',
	'b', 'c',
};
static const uint8_t pkt_url_empty[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(59, 0) };
static const uint8_t pkt_url_nul[] = { REPLY, CLIENT_ID, SERVER_ID, OPT(59, 3), 'a', 0, 'b' };
static const uint8_t pkt_domain_unterminated[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(24, 4), 3, 'l', 'a', 'b',
};
static const uint8_t pkt_domain_label_overrun[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(24, 4), 9, 'l', 'a', 'b',
};
static const uint8_t pkt_domain_bad_byte[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(24, 5), 3, 'a', '\n', 'b', 0,
};
static const uint8_t pkt_domain_compressed[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(24, 2), 0xc0, 0x0c,
};
static const uint8_t pkt_param_overrun[] = {
	REPLY, CLIENT_ID, SERVER_ID, OPT(60, 4), U16(5), 'a', 'b',
};

static void test_parse(void)
{
	static const struct {
		const char *name;
		const uint8_t *pkt;
		size_t len;
		int want_r;
		const char *want_err; /* a word of the reason, for refused ones */
		int type, status, ia_status;
		bool has_ia;
		size_t n_addresses;
		const char *address; /* the first */
		unsigned preference;
		size_t n_dns;
		const char *dns; /* the first */
		const char *domains, *url, *params, *status_message;
	} cases[] = {
#define P(x) #x, x, sizeof(x)
		{ P(pkt_dnsmasq_advertise), 0, NULL, DHCP6_ADVERTISE, 0, 0, true, 1, "fd00:99::195", 0,
		  1, "fd00:99::53", "", "http://[fd00:99::1]:8080/boot/grub.cfg", "", "" },
		{ P(pkt_reply_full), 0, NULL, DHCP6_REPLY, 0, 0, true, 2, "2001:db8::10", 0, 2,
		  "2001:db8::53", "example.com lab", "tftp://[2001:db8::1]/pxelinux.0",
		  "console=ttyS0 quiet", "" },
		{ P(pkt_noaddrs_top), 0, NULL, DHCP6_ADVERTISE, DHCP6_STATUS_NO_ADDRS_AVAIL, 0, false, 0,
		  NULL, 0, 0, NULL, "", "", "", "no address?s" },
		{ P(pkt_noaddrs_ia), 0, NULL, DHCP6_ADVERTISE, 0, DHCP6_STATUS_NO_ADDRS_AVAIL, true, 0,
		  NULL, 0, 0, NULL, "", "", "", "" },
		{ P(pkt_bad_lifetimes), 0, NULL, DHCP6_REPLY, 0, 0, true, 0, NULL, 0, 0, NULL, "", "",
		  "", "" },
		{ P(pkt_t1_over_t2), 0, NULL, DHCP6_REPLY, 0, 0, false, 0, NULL, 0, 0, NULL, "", "", "",
		  "" },
		{ P(pkt_other_iaid), 0, NULL, DHCP6_REPLY, 0, 0, false, 0, NULL, 0, 0, NULL, "", "", "",
		  "" },
		{ P(pkt_preference_255), 0, NULL, DHCP6_ADVERTISE, 0, 0, false, 0, NULL, 255, 0, NULL,
		  "", "", "", "" },
		{ P(pkt_many_dns), 0, NULL, DHCP6_REPLY, 0, 0, false, 0, NULL, 0, DHCP6_DNS_SERVERS_MAX,
		  "fd00:99::1", "", "", "", "" },
		{ P(pkt_slirp_reply), 0, NULL, DHCP6_REPLY, 0, 0, false, 0, NULL, 0, 1, "fec0::3", "",
		  "tftp://[fec0:0000:0000:0000:0000:0000:0000:0002]/pxelinux.0", "", "" },
		{ P(pkt_wrong_xid), .want_r = -ENOMSG, .want_err = "transaction" },
		{ P(pkt_solicit), .want_r = -ENOMSG, .want_err = "type 1" },
		{ P(pkt_no_client), .want_r = -ENOMSG, .want_err = "no Client Identifier" },
		{ P(pkt_other_client), .want_r = -ENOMSG, .want_err = "another client" },
		{ P(pkt_header_only), .want_r = -EBADMSG, .want_err = "shorter than a DHCPv6 header" },
		{ P(pkt_no_server), .want_r = -EBADMSG, .want_err = "no Server Identifier" },
		{ P(pkt_option_overrun), .want_r = -EBADMSG, .want_err = "past the end" },
		{ P(pkt_option_header_cut), .want_r = -EBADMSG, .want_err = "past the end" },
		{ P(pkt_ia_short), .want_r = -EBADMSG, .want_err = "IA_NA option shorter" },
		{ P(pkt_iaaddr_short), .want_r = -EBADMSG, .want_err = "IA Address option shorter" },
		{ P(pkt_ia_nested_overrun), .want_r = -EBADMSG, .want_err = "nested option" },
		{ P(pkt_two_servers), .want_r = -EBADMSG, .want_err = "two Server" },
		{ P(pkt_server_empty), .want_r = -EBADMSG, .want_err = "Server Identifier of 0" },
		{ P(pkt_preference_long), .want_r = -EBADMSG, .want_err = "Preference option of 2" },
		{ P(pkt_dns_odd), .want_r = -EBADMSG, .want_err = "multiple of 16" },
		{ P(pkt_status_short), .want_r = -EBADMSG, .want_err = "Status Code" },
		{ P(pkt_url_space), .want_r = -EBADMSG, .want_err = "Boot File URL with a space" },
		{ P(pkt_url_empty), .want_r = -EBADMSG, .want_err = "Boot File URL of 0" },
		{ P(pkt_url_nul), .want_r = -EBADMSG, .want_err = "not printable" },
		{ P(pkt_domain_unterminated), .want_r = -EBADMSG, .want_err = "does not end" },
		{ P(pkt_domain_label_overrun), .want_r = -EBADMSG, .want_err = "runs past" },
		{ P(pkt_domain_bad_byte), .want_r = -EBADMSG, .want_err = "byte 0x0a" },
		{ P(pkt_domain_compressed), .want_r = -EBADMSG, .want_err = "longer than 63" },
		{ P(pkt_param_overrun), .want_r = -EBADMSG, .want_err = "Parameters" },
#undef P
	};
	struct dhcp6_client_id id;
	dhcp6_client_id_make(NULL, MAC, 7, &id);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		TEST_BEGIN(cases[i].name);
		struct dhcp6_reply r;
		memset(&r, 0xa5, sizeof(r));
		char err[256] = "";
		int got = dhcp6_reply_parse(cases[i].pkt, cases[i].len, xid, &id, &r, err, sizeof(err));
		CHECK_INT(got, cases[i].want_r);
		if (got < 0) {
			const char *want_err = cases[i].want_err ? cases[i].want_err : "(success)";
			CHECK(strstr(err, want_err) != NULL);
			if (!strstr(err, want_err))
				printf("   reason: %s\n", err);
			CHECK_INT(r.n_addresses, (size_t)0xa5a5a5a5a5a5a5a5ull); /* untouched */
		} else {
			CHECK_INT(r.type, cases[i].type);
			CHECK_INT(r.status, cases[i].status);
			CHECK_INT(r.ia_status, cases[i].ia_status);
			CHECK_INT(r.has_ia, cases[i].has_ia);
			CHECK_INT(r.server_id_len, cases[i].pkt == pkt_slirp_reply ? 0 : 14);
			CHECK_INT(r.n_addresses, cases[i].n_addresses);
			char text[INET6_ADDRSTRLEN] = "";
			if (r.n_addresses)
				inet_ntop(AF_INET6, &r.addresses[0].address, text, sizeof(text));
			CHECK_STR(r.n_addresses ? text : NULL, cases[i].address);
			CHECK_INT(r.preference, cases[i].preference);
			CHECK_INT(r.n_dns, cases[i].n_dns);
			if (r.n_dns)
				inet_ntop(AF_INET6, &r.dns[0], text, sizeof(text));
			CHECK_STR(r.n_dns ? text : NULL, cases[i].dns);
			CHECK_STR(r.domains, cases[i].domains);
			CHECK_STR(r.bootfile_url, cases[i].url);
			CHECK_STR(r.bootfile_params, cases[i].params);
			CHECK_STR(r.status_message, cases[i].status_message);
		}
		TEST_END();
	}

	struct dhcp6_reply r;
	char err[256];
	TEST_BEGIN("parse/lifetimes and second address");
	CHECK_INT(dhcp6_reply_parse(pkt_reply_full, sizeof(pkt_reply_full), xid, &id, &r, err,
				    sizeof(err)), 0);
	CHECK_INT(r.t1_s, 1800);
	CHECK_INT(r.t2_s, 2880);
	CHECK_INT(r.addresses[0].preferred_s, 3600);
	CHECK_INT(r.addresses[0].valid_s, 7200);
	CHECK_INT(r.addresses[1].preferred_s, 0); /* deprecated but still valid: kept */
	CHECK_INT(r.addresses[1].valid_s, 60);
	TEST_END();

	/* Every shorter prefix of a good message: cut inside an option it is refused, cut
	 * between options it is a shorter message (not ours until the Client Identifier, which
	 * comes second here); never read past (exact-size copies, for ASan). */
	TEST_BEGIN("parse/every truncation of a Reply");
	size_t boundary = 4, client_end = 4 + 18 + 14;
	for (size_t len = 0; len < sizeof(pkt_reply_full); len++) {
		if (len > boundary)
			boundary += 4 + ((size_t)pkt_reply_full[boundary + 2] << 8 |
					 pkt_reply_full[boundary + 3]);
		int want = len < 4 || len != boundary ? -EBADMSG : len < client_end ? -ENOMSG : 0;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, pkt_reply_full, len);
		int got = dhcp6_reply_parse(copy, len, xid, &id, &r, err, sizeof(err));
		if (got != want)
			printf("   cut at %zu: %d, want %d\n", len, got, want);
		CHECK_INT(got, want);
		free(copy);
	}
	TEST_END();

	TEST_BEGIN("parse/Boot File URL at and over the limit");
	uint8_t big[4 + 18 + 14 + 4 + DHCP6_BOOTFILE_URL_MAX];
	const uint8_t head[] = { REPLY, CLIENT_ID, SERVER_ID };
	memcpy(big, head, sizeof(head));
	for (size_t n = DHCP6_BOOTFILE_URL_MAX - 1; n <= DHCP6_BOOTFILE_URL_MAX; n++) {
		uint8_t *o = big + sizeof(head);
		o[0] = 0;
		o[1] = 59;
		o[2] = (uint8_t)(n >> 8);
		o[3] = (uint8_t)n;
		memset(o + 4, 'u', n);
		int got = dhcp6_reply_parse(big, sizeof(head) + 4 + n, xid, &id, &r, err, sizeof(err));
		CHECK_INT(got, n < DHCP6_BOOTFILE_URL_MAX ? 0 : -EBADMSG);
		if (got == 0)
			CHECK_INT(strlen(r.bootfile_url), n);
	}
	TEST_END();
}

static void test_client_id(void)
{
	struct dhcp6_client_id id;
	TEST_BEGIN("client id/DUID-UUID from the SMBIOS UUID (RFC 6355)");
	CHECK_INT(dhcp6_client_id_make("4c4c4544-0051-3010-8052-b3c04f4e4c31", MAC, 3, &id), 0);
	static const uint8_t want[] = { 0, 4, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x51, 0x30, 0x10,
					0x80, 0x52, 0xb3, 0xc0, 0x4f, 0x4e, 0x4c, 0x31 };
	CHECK_INT(id.duid_len, sizeof(want));
	CHECK(!memcmp(id.duid, want, sizeof(want)));
	CHECK_INT(id.iaid, IAID);
	TEST_END();

	TEST_BEGIN("client id/DUID-LL from the MAC without a UUID");
	static const uint8_t want_ll[] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const char *no_uuid[] = { NULL, "", "00000000-0000-0000-0000-000000000000",
				  "ffffffff-ffff-ffff-ffff-ffffffffffff",
				  "4c4c4544x0051-3010-8052-b3c04f4e4c31", "4c4c4544-0051" };
	for (size_t i = 0; i < ARRAY_SIZE(no_uuid); i++) {
		CHECK_INT(dhcp6_client_id_make(no_uuid[i], "52:54:00:12:34:56", 3, &id), 0);
		CHECK_INT(id.duid_len, sizeof(want_ll));
		CHECK(!memcmp(id.duid, want_ll, sizeof(want_ll)));
	}
	TEST_END();

	TEST_BEGIN("client id/neither UUID nor MAC");
	CHECK_INT(dhcp6_client_id_make(NULL, "", 3, &id), -EINVAL);
	CHECK_INT(dhcp6_client_id_make(NULL, "52:54:00:12:34", 3, &id), -EINVAL);
	CHECK_INT(dhcp6_client_id_make(NULL, "52-54-00-12-34-56", 3, &id), -EINVAL);
	TEST_END();

	TEST_BEGIN("client id/IAID from the interface index without a MAC");
	CHECK_INT(dhcp6_client_id_make("4c4c4544-0051-3010-8052-b3c04f4e4c31", NULL, 9, &id), 0);
	CHECK_INT(id.iaid, 9);
	TEST_END();
}

/* The options every message kxboot sends ends with. */
#define ORO_TAIL(last) OPT(6, 10), U16(23), U16(24), U16(59), U16(60), U16(last)
#define PXE_TAIL \
	OPT(61, 2), U16(7), OPT(62, 3), 1, 3, 16, OPT(16, 4 + 2 + 32), U32(343), U16(32), 'P', 'X', \
		'E', 'C', 'l', 'i', 'e', 'n', 't', ':', 'A', 'r', 'c', 'h', ':', '0', '0', '0', '0', \
		'7', ':', 'U', 'N', 'D', 'I', ':', '0', '0', '3', '0', '1', '6', OPT(15, 8), U16(6), \
		'k', 'x', 'b', 'o', 'o', 't'

static void test_build(void)
{
	struct dhcp6_client_id id;
	dhcp6_client_id_make(NULL, MAC, 7, &id);
	static const uint8_t server[] = { 0, 1, 0, 1, 0x2c, 0x8e, 0x5b, 0x11, 2, 0, 0, 0, 0, 1 };
	static const uint8_t addr[16] = { FD00(0x195) };
	static const uint8_t want_solicit[] = {
		1, XID, CLIENT_ID, OPT(8, 2), U16(150),
		OPT(3, 12), U32(IAID), U32(0), U32(0),
		ORO_TAIL(82), PXE_TAIL,
	};
	static const uint8_t want_request[] = {
		3, XID, CLIENT_ID, SERVER_ID, OPT(8, 2), U16(0xffff),
		OPT(3, 40), U32(IAID), U32(0), U32(0), IAADDR(FD00(0x195), 0, 0),
		ORO_TAIL(82), PXE_TAIL,
	};
	static const uint8_t want_inforeq[] = {
		11, XID, CLIENT_ID, OPT(8, 2), U16(0),
		ORO_TAIL(83), PXE_TAIL,
	};
	const struct {
		const char *name;
		struct dhcp6_request req;
		const uint8_t *want;
		size_t want_len;
	} cases[] = {
		{ "build/Solicit", { DHCP6_SOLICIT, { XID }, 1509, &id, NULL, 0, NULL },
		  want_solicit, sizeof(want_solicit) },
		{ "build/Request", { DHCP6_REQUEST, { XID }, 700000, &id, server, sizeof(server),
				     (const struct in6_addr *)addr },
		  want_request, sizeof(want_request) },
		{ "build/Information-request", { DHCP6_INFORMATION_REQUEST, { XID }, 9, &id, NULL, 0,
						 NULL },
		  want_inforeq, sizeof(want_inforeq) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		TEST_BEGIN(cases[i].name);
		uint8_t buf[DHCP6_MESSAGE_MAX];
		size_t len = 0;
		CHECK_INT(dhcp6_message_build(&cases[i].req, buf, sizeof(buf), &len), 0);
		CHECK_INT(len, cases[i].want_len);
		CHECK(len == cases[i].want_len && !memcmp(buf, cases[i].want, len));
		/* Too small by one byte, never written past */
		uint8_t *tight = malloc(cases[i].want_len - 1);
		CHECK_INT(dhcp6_message_build(&cases[i].req, tight, cases[i].want_len - 1, &len),
			  -ENOBUFS);
		free(tight);
		TEST_END();
	}

	uint8_t buf[DHCP6_MESSAGE_MAX];
	size_t len;
	TEST_BEGIN("build/Request without a server, unknown type");
	struct dhcp6_request req = { .type = DHCP6_REQUEST, .client = &id };
	CHECK_INT(dhcp6_message_build(&req, buf, sizeof(buf), &len), -EINVAL);
	req.type = DHCP6_REPLY;
	CHECK_INT(dhcp6_message_build(&req, buf, sizeof(buf), &len), -EINVAL);
	req.type = DHCP6_SOLICIT;
	req.client = NULL;
	CHECK_INT(dhcp6_message_build(&req, buf, sizeof(buf), &len), -EINVAL);
	TEST_END();
}

static void test_timers(void)
{
	static const uint32_t randoms[] = { 0, 1, 99, 100, 101, 200, 0x7fffffff, 0xffffffff };
	TEST_BEGIN("timers/first Solicit strictly above SOL_TIMEOUT, at most +10 %");
	for (size_t i = 0; i < ARRAY_SIZE(randoms); i++) {
		unsigned rt = dhcp6_retransmit_ms(0, 1000, 3600000, randoms[i], true);
		CHECK(rt > 1000 && rt <= 1100);
	}
	TEST_END();
	TEST_BEGIN("timers/first Request within IRT +-10 %");
	bool low = false, high = false;
	for (size_t i = 0; i < ARRAY_SIZE(randoms); i++) {
		unsigned rt = dhcp6_retransmit_ms(0, 1000, 30000, randoms[i], false);
		CHECK(rt >= 900 && rt <= 1100);
		low = low || rt < 1000;
		high = high || rt > 1000;
	}
	CHECK(low && high);
	TEST_END();
	TEST_BEGIN("timers/doubling, then MRT +-10 %");
	for (size_t i = 0; i < ARRAY_SIZE(randoms); i++) {
		unsigned rt = dhcp6_retransmit_ms(4000, 1000, 30000, randoms[i], false);
		CHECK(rt >= 7600 && rt <= 8400);
		rt = dhcp6_retransmit_ms(20000, 1000, 30000, randoms[i], false);
		CHECK(rt >= 27000 && rt <= 33000);
	}
	/* REQ_MAX_RC attempts from REQ_TIMEOUT: 1+2+4+8+16+30*5 s, about 181 s nominal */
	unsigned rt = 0, total = 0;
	for (int i = 0; i < DHCP6_REQ_MAX_RC; i++) {
		rt = dhcp6_retransmit_ms(rt, 1000, 30000, 100, false);
		total += rt;
	}
	CHECK_INT(total, 181000);
	TEST_END();
}

static void test_ip_param(void)
{
	static const struct {
		const char *ip;
		bool want;
		const char *iface;
	} cases[] = {
		{ "dhcp6", true, "" },
		{ "eth0:dhcp6", true, "eth0" },
		{ "enp1s0:dhcp6:9000:52:54:00:12:34:56", true, "enp1s0" },
		{ ":::::eth1:dhcp6", true, "eth1" },
		{ ":::::::", false, "" },
		{ "::::::dhcp6", true, "" },
		{ "dhcp", false, "" },
		{ "eth0:dhcp", false, "" },
		{ "10.0.0.5::10.0.0.1:255.255.255.0:host:eth0:off", false, "" },
		{ "dhcp6x", false, "" },
		{ ":dhcp6", false, "" },
		{ "", false, "" },
	};
	TEST_BEGIN("ip= asking for DHCPv6 (dracut and nfsroot forms)");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char iface[32] = "junk";
		bool got = net_ip_wants_dhcp6(cases[i].ip, iface);
		if (got != cases[i].want || strcmp(iface, cases[i].iface))
			printf("   ip=%s: %d '%s'\n", cases[i].ip, got, iface);
		CHECK_INT(got, cases[i].want);
		CHECK_STR(iface, cases[i].iface);
	}
	TEST_END();
}

int main(void)
{
	test_parse();
	test_client_id();
	test_build();
	test_timers();
	test_ip_param();
	TEST_EXIT();
}
