/* dhcp6.c — DHCPv6 messages (RFC 8415 sections 8, 15, 21): Solicit, Request and
 * Information-request out, Advertise and Reply in, with RFC 5970 (boot file URL and
 * parameters, client architecture, NII), RFC 3646 (DNS) and RFC 6355 (DUID-UUID). Pure: bytes
 * in, structures out, so that unit tests and the fuzzer see all of it. */
#include "net/dhcp6.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* ---- writing ------------------------------------------------------------------------------ */

struct writer {
	uint8_t *buf;
	size_t size, len;
	bool overflow;
};

static void put_bytes(struct writer *w, const void *data, size_t n)
{
	if (w->overflow || n > w->size - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static void put_u8(struct writer *w, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put_bytes(w, &b, 1);
}

static void put_u16(struct writer *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, 4);
}

/* Start an option; returns where its length goes, for option_end. */
static size_t option_begin(struct writer *w, unsigned code)
{
	put_u16(w, code);
	size_t at = w->len;
	put_u16(w, 0);
	return at;
}

static void option_end(struct writer *w, size_t at)
{
	if (w->overflow)
		return;
	size_t n = w->len - at - 2;
	w->buf[at] = (uint8_t)(n >> 8);
	w->buf[at + 1] = (uint8_t)n;
}

static void put_option(struct writer *w, unsigned code, const void *data, size_t n)
{
	put_u16(w, code);
	put_u16(w, (unsigned)n);
	put_bytes(w, data, n);
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "xx:xx:xx:xx:xx:xx" -> 6 bytes */
static bool parse_mac(const char *mac, uint8_t ret[6])
{
	if (!mac || strlen(mac) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(mac[3 * i]), lo = hex_digit(mac[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && mac[3 * i + 2] != ':'))
			return false;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "8-4-4-4-12" hex digits -> 16 bytes, in the order written (RFC 6355 section 4). */
static bool parse_uuid(const char *uuid, uint8_t ret[16])
{
	if (!uuid || strlen(uuid) != 36)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < 36; i += 2) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (uuid[i] != '-')
				return false;
			i++;
		}
		int hi = hex_digit(uuid[i]), lo = hex_digit(uuid[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		ret[k++] = (uint8_t)(hi << 4 | lo);
	}
	/* All zeros or all ones: firmware that has no UUID, shared by every such machine. */
	bool zero = true, ones = true;
	for (size_t i = 0; i < 16; i++) {
		zero = zero && ret[i] == 0;
		ones = ones && ret[i] == 0xff;
	}
	return k == 16 && !zero && !ones;
}

int dhcp6_client_id_make(const char *uuid, const char *mac, unsigned ifindex,
			 struct dhcp6_client_id *ret)
{
	struct dhcp6_client_id id = { 0 };
	uint8_t u[16], m[6];
	bool have_mac = parse_mac(mac, m);
	if (parse_uuid(uuid, u)) {
		id.duid[1] = 4; /* DUID-UUID */
		memcpy(id.duid + 2, u, 16);
		id.duid_len = 18;
	} else if (have_mac) {
		id.duid[1] = 3; /* DUID-LL */
		id.duid[3] = 1; /* hardware type: Ethernet */
		memcpy(id.duid + 4, m, 6);
		id.duid_len = 10;
	} else {
		return -EINVAL;
	}
	id.iaid = have_mac ? (uint32_t)m[2] << 24 | (uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5]
			   : ifindex;
	*ret = id;
	return 0;
}

int dhcp6_message_build(const struct dhcp6_request *req, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	if (!req->client || !req->client->duid_len || req->client->duid_len > DHCP6_DUID_MAX)
		return -EINVAL;
	if (req->type != DHCP6_SOLICIT && req->type != DHCP6_REQUEST &&
	    req->type != DHCP6_INFORMATION_REQUEST)
		return -EINVAL;
	if (req->type == DHCP6_REQUEST &&
	    (!req->server_id || !req->server_id_len || req->server_id_len > DHCP6_DUID_MAX))
		return -EINVAL;
	struct writer w = { .buf = buf, .size = size };
	put_u8(&w, req->type);
	put_bytes(&w, req->xid, 3);
	put_option(&w, DHCP6_OPTION_CLIENTID, req->client->duid, req->client->duid_len);
	if (req->type == DHCP6_REQUEST)
		put_option(&w, DHCP6_OPTION_SERVERID, req->server_id, req->server_id_len);
	/* Hundredths of a second, 0xffff for anything longer (RFC 8415 section 21.9). */
	unsigned cs = req->elapsed_ms / 10;
	put_u16(&w, DHCP6_OPTION_ELAPSED_TIME);
	put_u16(&w, 2);
	put_u16(&w, cs > 0xffff ? 0xffff : cs);
	if (req->type != DHCP6_INFORMATION_REQUEST) {
		/* T1 and T2 0: the server chooses (section 21.4). */
		size_t ia = option_begin(&w, DHCP6_OPTION_IA_NA);
		put_u32(&w, req->client->iaid);
		put_u32(&w, 0);
		put_u32(&w, 0);
		if (req->address) {
			size_t a = option_begin(&w, DHCP6_OPTION_IAADDR);
			put_bytes(&w, req->address, 16);
			put_u32(&w, 0);
			put_u32(&w, 0);
			option_end(&w, a);
		}
		option_end(&w, ia);
	}
	/* SOL_MAX_RT resp. INF_MAX_RT must be asked for (sections 18.2.1, 18.2.6). */
	size_t oro = option_begin(&w, DHCP6_OPTION_ORO);
	put_u16(&w, DHCP6_OPTION_DNS_SERVERS);
	put_u16(&w, DHCP6_OPTION_DOMAIN_LIST);
	put_u16(&w, DHCP6_OPTION_BOOTFILE_URL);
	put_u16(&w, DHCP6_OPTION_BOOTFILE_PARAM);
	put_u16(&w, req->type == DHCP6_INFORMATION_REQUEST ? DHCP6_OPTION_INF_MAX_RT
							    : DHCP6_OPTION_SOL_MAX_RT);
	option_end(&w, oro);
	put_u16(&w, DHCP6_OPTION_CLIENT_ARCH_TYPE);
	put_u16(&w, 2);
	put_u16(&w, DHCP6_CLIENT_ARCH);
	/* NII: type 1 (UNDI), version 3.16, as the vendor class says */
	static const uint8_t nii[3] = { 1, 3, 16 };
	put_option(&w, DHCP6_OPTION_NII, nii, sizeof(nii));
	size_t vc = option_begin(&w, DHCP6_OPTION_VENDOR_CLASS);
	put_u32(&w, DHCP6_VENDOR_ENTERPRISE);
	put_u16(&w, (unsigned)strlen(DHCP6_VENDOR_CLASS));
	put_bytes(&w, DHCP6_VENDOR_CLASS, strlen(DHCP6_VENDOR_CLASS));
	option_end(&w, vc);
	size_t uc = option_begin(&w, DHCP6_OPTION_USER_CLASS);
	put_u16(&w, (unsigned)strlen(DHCP6_USER_CLASS));
	put_bytes(&w, DHCP6_USER_CLASS, strlen(DHCP6_USER_CLASS));
	option_end(&w, uc);
	if (w.overflow)
		return -ENOBUFS;
	*ret_len = w.len;
	return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* A bounded cursor: every take checks what is left first. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static bool take(struct cursor *c, size_t n, const uint8_t **ret)
{
	if (n > c->left)
		return false;
	*ret = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

static bool take_u16(struct cursor *c, unsigned *ret)
{
	const uint8_t *b;
	if (!take(c, 2, &b))
		return false;
	*ret = (unsigned)b[0] << 8 | b[1];
	return true;
}

static bool take_u32(struct cursor *c, uint32_t *ret)
{
	const uint8_t *b;
	if (!take(c, 4, &b))
		return false;
	*ret = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return true;
}

/* The next option: its code and a cursor over its data. */
static bool take_option(struct cursor *c, unsigned *ret_code, struct cursor *ret_data)
{
	unsigned len;
	const uint8_t *data;
	if (!take_u16(c, ret_code) || !take_u16(c, &len) || !take(c, len, &data))
		return false;
	*ret_data = (struct cursor){ data, len };
	return true;
}

struct parse {
	struct dhcp6_reply r;
	bool have_client, have_server, have_preference, status_noted;
	char *err;
	size_t err_len;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->err_len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

const char *dhcp6_status_name(int status)
{
	static const char *const names[] = { "Success",	     "UnspecFail",   "NoAddrsAvail",
					     "NoBinding",    "NotOnLink",    "UseMulticast",
					     "NoPrefixAvail" };
	static char other[24];
	if (status >= 0 && (size_t)status < ARRAY_SIZE(names))
		return names[status];
	snprintf(other, sizeof(other), "status %d", status);
	return other;
}

/* Status Code (section 21.13): 2-byte code and a UTF-8 message, kept printable for the log. */
static int parse_status(struct parse *p, struct cursor *c, int *ret_status)
{
	unsigned code;
	if (!take_u16(c, &code))
		return bad(p, "Status Code option shorter than its code");
	*ret_status = (int)code;
	if (code != DHCP6_STATUS_SUCCESS && !p->status_noted) {
		p->status_noted = true;
		size_t n = c->left < sizeof(p->r.status_message) - 1 ? c->left
								      : sizeof(p->r.status_message) - 1;
		for (size_t i = 0; i < n; i++)
			p->r.status_message[i] = c->p[i] >= 0x20 && c->p[i] < 0x7f ? (char)c->p[i] : '?';
		p->r.status_message[n] = '\0';
	}
	return 0;
}

static int parse_iaaddr(struct parse *p, struct cursor *c)
{
	const uint8_t *addr;
	uint32_t preferred, valid;
	if (!take(c, 16, &addr) || !take_u32(c, &preferred) || !take_u32(c, &valid))
		return bad(p, "IA Address option shorter than 24 bytes");
	int status = DHCP6_STATUS_SUCCESS;
	while (c->left) {
		unsigned code;
		struct cursor o;
		if (!take_option(c, &code, &o))
			return bad(p, "IA Address option: a nested option runs past its end");
		if (code == DHCP6_OPTION_STATUS_CODE) {
			int r = parse_status(p, &o, &status);
			if (r < 0)
				return r;
		}
	}
	/* Section 21.6: preferred > valid is discarded; valid 0 means "no longer yours". */
	if (status != DHCP6_STATUS_SUCCESS || valid == 0 || preferred > valid ||
	    p->r.n_addresses >= DHCP6_ADDRESSES_MAX)
		return 0;
	struct dhcp6_address *a = &p->r.addresses[p->r.n_addresses++];
	memcpy(&a->address, addr, 16);
	a->preferred_s = preferred;
	a->valid_s = valid;
	return 0;
}

static int parse_ia_na(struct parse *p, struct cursor *c, uint32_t iaid_wanted)
{
	uint32_t iaid, t1, t2;
	if (!take_u32(c, &iaid) || !take_u32(c, &t1) || !take_u32(c, &t2))
		return bad(p, "IA_NA option shorter than 12 bytes");
	/* Another IAID, or a second IA_NA with ours: not what we asked for. */
	if (iaid != iaid_wanted || p->r.has_ia)
		return 0;
	struct parse save = *p;
	p->r.has_ia = true;
	p->r.t1_s = t1;
	p->r.t2_s = t2;
	while (c->left) {
		unsigned code;
		struct cursor o;
		if (!take_option(c, &code, &o))
			return bad(p, "IA_NA option: a nested option runs past its end");
		int r = 0;
		if (code == DHCP6_OPTION_IAADDR)
			r = parse_iaaddr(p, &o);
		else if (code == DHCP6_OPTION_STATUS_CODE)
			r = parse_status(p, &o, &p->r.ia_status);
		if (r < 0)
			return r;
	}
	/* Section 21.4: T1 > T2 (both set) makes the whole IA_NA as if it were not there. */
	if (t1 && t2 && t1 > t2)
		*p = save;
	return 0;
}

/* Option 24 (RFC 3646): uncompressed RFC 1035 names; they end up in resolv.conf, so only
 * host-name characters are taken. */
static int parse_domains(struct parse *p, struct cursor *c)
{
	while (c->left) {
		char name[256];
		size_t n = 0;
		for (;;) {
			const uint8_t *lenb, *label;
			if (!take(c, 1, &lenb))
				return bad(p, "Domain List option: a name does not end");
			if (*lenb == 0)
				break;
			if (*lenb > 63)
				return bad(p, "Domain List option: a label longer than 63 bytes");
			if (!take(c, *lenb, &label))
				return bad(p, "Domain List option: a label runs past the option");
			if (n + *lenb + 1 >= sizeof(name))
				return bad(p, "Domain List option: a name longer than 255 bytes");
			for (size_t i = 0; i < *lenb; i++) {
				uint8_t ch = label[i];
				bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
				if (!ok)
					return bad(p, "Domain List option: byte 0x%02x in a name", ch);
			}
			if (n)
				name[n++] = '.';
			memcpy(name + n, label, *lenb);
			n += *lenb;
		}
		if (n == 0)
			continue; /* the root: nothing to search */
		name[n] = '\0';
		size_t used = strlen(p->r.domains);
		if (used + (used ? 1 : 0) + n < sizeof(p->r.domains))
			snprintf(p->r.domains + used, sizeof(p->r.domains) - used, "%s%s",
				 used ? " " : "", name);
	}
	return 0;
}

/* Bytes that may go into a URL or the console: printable ASCII, spaces only when allowed. */
static bool printable(const uint8_t *s, size_t n, bool space)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < (space ? 0x20 : 0x21) || s[i] > 0x7e)
			return false;
	return true;
}

static int parse_bootfile_params(struct parse *p, struct cursor *c)
{
	char *out = p->r.bootfile_params;
	size_t used = 0;
	while (c->left) {
		unsigned len;
		const uint8_t *param;
		if (!take_u16(c, &len) || !take(c, len, &param))
			return bad(p, "Boot File Parameters option: a parameter runs past the option");
		if (!printable(param, len, true))
			return bad(p, "Boot File Parameters option: a parameter is not printable text");
		if (used + (used ? 1 : 0) + len >= DHCP6_BOOTFILE_PARAMS_MAX)
			return bad(p, "Boot File Parameters option: longer than %d bytes",
				   DHCP6_BOOTFILE_PARAMS_MAX - 1);
		if (used)
			out[used++] = ' ';
		memcpy(out + used, param, len);
		used += len;
		out[used] = '\0';
	}
	return 0;
}

static int parse_option(struct parse *p, unsigned code, struct cursor *o,
			const struct dhcp6_client_id *client)
{
	switch (code) {
	case DHCP6_OPTION_CLIENTID:
		if (p->have_client)
			return bad(p, "two Client Identifier options");
		p->have_client = true;
		if (o->left != client->duid_len || memcmp(o->p, client->duid, o->left))
			return -ENOMSG;
		return 0;
	case DHCP6_OPTION_SERVERID:
		if (p->have_server)
			return bad(p, "two Server Identifier options");
		if (o->left == 0 || o->left > DHCP6_DUID_MAX)
			return bad(p, "Server Identifier of %zu bytes", o->left);
		p->have_server = true;
		memcpy(p->r.server_id, o->p, o->left);
		p->r.server_id_len = o->left;
		return 0;
	case DHCP6_OPTION_IA_NA:
		return parse_ia_na(p, o, client->iaid);
	case DHCP6_OPTION_PREFERENCE:
		if (p->have_preference)
			return bad(p, "two Preference options");
		if (o->left != 1)
			return bad(p, "Preference option of %zu bytes, not 1", o->left);
		p->have_preference = true;
		p->r.preference = o->p[0];
		return 0;
	case DHCP6_OPTION_STATUS_CODE:
		return parse_status(p, o, &p->r.status);
	case DHCP6_OPTION_DNS_SERVERS:
		if (o->left % 16)
			return bad(p, "DNS Servers option of %zu bytes, not a multiple of 16", o->left);
		for (const uint8_t *a; take(o, 16, &a);)
			if (p->r.n_dns < DHCP6_DNS_SERVERS_MAX)
				memcpy(&p->r.dns[p->r.n_dns++], a, 16);
		return 0;
	case DHCP6_OPTION_DOMAIN_LIST:
		return parse_domains(p, o);
	case DHCP6_OPTION_BOOTFILE_URL:
		if (p->r.bootfile_url[0])
			return bad(p, "two Boot File URL options");
		if (o->left == 0 || o->left >= DHCP6_BOOTFILE_URL_MAX)
			return bad(p, "Boot File URL of %zu bytes (1 to %d)", o->left,
				   DHCP6_BOOTFILE_URL_MAX - 1);
		if (!printable(o->p, o->left, false))
			return bad(p, "Boot File URL with a space or a byte that is not printable ASCII");
		memcpy(p->r.bootfile_url, o->p, o->left);
		p->r.bootfile_url[o->left] = '\0';
		return 0;
	case DHCP6_OPTION_BOOTFILE_PARAM:
		if (p->r.bootfile_params[0])
			return bad(p, "two Boot File Parameters options");
		return parse_bootfile_params(p, o);
	default:
		return 0; /* not asked for, or not needed to boot */
	}
}

int dhcp6_reply_parse(const uint8_t *buf, size_t len, const uint8_t xid[3],
		      const struct dhcp6_client_id *client, struct dhcp6_reply *ret, char *err,
		      size_t err_len)
{
	struct parse p = { .err = err, .err_len = err_len };
	struct cursor c = { buf, len };
	const uint8_t *head;
	if (!take(&c, 4, &head))
		return bad(&p, "%zu bytes, shorter than a DHCPv6 header", len);
	if (head[0] != DHCP6_ADVERTISE && head[0] != DHCP6_REPLY) {
		snprintf(err, err_len, "message type %u, not Advertise or Reply", head[0]);
		return -ENOMSG;
	}
	if (memcmp(head + 1, xid, 3)) {
		snprintf(err, err_len, "transaction id %02x%02x%02x, not ours (%02x%02x%02x)",
			 head[1], head[2], head[3], xid[0], xid[1], xid[2]);
		return -ENOMSG;
	}
	p.r.type = head[0];
	while (c.left) {
		unsigned code;
		struct cursor o;
		if (!take_option(&c, &code, &o))
			return bad(&p, "an option runs past the end of the message");
		int r = parse_option(&p, code, &o, client);
		if (r == -ENOMSG) {
			snprintf(err, err_len, "the Client Identifier is another client's");
			return r;
		}
		if (r < 0)
			return r;
	}
	/* Section 16.3, 16.10: without our Client Identifier it is not for us. */
	if (!p.have_client) {
		snprintf(err, err_len, "no Client Identifier");
		return -ENOMSG;
	}
	/* RFC 8415 says every Advertise and Reply carries one, but QEMU's user network
	 * (libslirp) answers Information-request without; a Request's Reply is matched
	 * against the server asked (dhcp6_client.c), so there it is still needed. */
	if (!p.have_server && p.r.type != DHCP6_REPLY)
		return bad(&p, "no Server Identifier");
	*ret = p.r;
	return 0;
}

unsigned dhcp6_retransmit_ms(unsigned prev_ms, unsigned irt_ms, unsigned mrt_ms, uint32_t random,
			     bool first_above)
{
	/* RAND is uniform in [-0.1, 0.1], here in thousandths: -100..100. */
	long rand_permille = (long)(random % 201) - 100;
	unsigned long long rt;
	if (prev_ms == 0) {
		if (first_above) /* RAND strictly positive for the first Solicit (section 18.2.1) */
			rand_permille = 1 + (long)(random % 100);
		rt = (unsigned long long)irt_ms * (unsigned long long)(1000 + rand_permille) / 1000;
	} else {
		rt = 2ull * prev_ms * 1000 + (unsigned long long)((long long)prev_ms * rand_permille);
		rt /= 1000;
	}
	if (mrt_ms && rt > mrt_ms)
		rt = (unsigned long long)mrt_ms * (unsigned long long)(1000 + rand_permille) / 1000;
	return rt > 0xffffffffu ? 0xffffffffu : (unsigned)rt;
}
