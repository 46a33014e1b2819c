/* dhcp6_client.c — the DHCPv6 exchange on one link (RFC 8415 sections 15, 18): from the
 * link-local address on port 546 to ff02::1:2 port 547, Solicit/Advertise/Request/Reply (or
 * Information-request/Reply) on the RFC's retransmission timers, within one time-out; and
 * the leased address put on the link over rtnetlink. */
#include "net/dhcp6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define IF_INET6_PATH "/proc/net/if_inet6"
#define POLL_STEP_MS 50
/* Scopes as /proc/net/if_inet6 writes them. Site-local (fec0::/10) is deprecated (RFC 3879)
 * but QEMU's user network still hands out fec0::/64 by router advertisement. */
#define SCOPE_GLOBAL 0x00
#define SCOPE_SITE 0x40

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Transaction ids and timer jitter need no secrecy, only not to be the same on every
 * machine; early in boot the pool may not be ready, hence GRND_INSECURE and a fallback. */
static void random_bytes(void *buf, size_t n)
{
	if (getrandom(buf, n, GRND_INSECURE) == (ssize_t)n)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec * 6364136223846793005ull ^ (uint64_t)getpid();
	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		((uint8_t *)buf)[i] = (uint8_t)(x >> 56);
	}
}

static uint32_t random_u32(void)
{
	uint32_t v;
	random_bytes(&v, sizeof(v));
	return v;
}

static void sleep_ms(int64_t ms)
{
	if (ms > 0)
		poll(NULL, 0, (int)ms);
}

/* ---- addresses and DAD, from /proc/net/if_inet6 -------------------------------------------
 * One line per address: 32 hex digits, ifindex, prefix length, scope, flags (all hex), name. */

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool hex_field(const char *s, size_t len, unsigned *ret)
{
	unsigned v = 0;
	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hex_value(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	*ret = v;
	return true;
}

enum address_kind {
	ADDRESS_EXACT,	    /* the address given */
	ADDRESS_LINK_LOCAL, /* the first link-local one */
	ADDRESS_ROUTABLE,   /* the first global (or site-local) one that passed DAD */
};

/* The state of an address on ifindex. 0 with its flags (IFA_F_*) and the address; -ENOENT
 * when there is none. */
static int address_flags(unsigned ifindex, enum address_kind kind, const struct in6_addr *want,
			 struct in6_addr *ret_addr, unsigned *ret_flags)
{
	char *text;
	size_t len;
	int r = file_read_all(IF_INET6_PATH, 1u << 20, &text, &len);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (char *line = text; *line && r == -ENOENT;) {
		char *end = line + strcspn(line, "\n");
		char *next = *end ? end + 1 : end;
		*end = '\0';
		/* fields: address, ifindex, prefix length, scope, flags */
		const char *f[5];
		size_t flen[5], n = 0;
		for (char *p = line; *p && n < 5;) {
			while (*p == ' ')
				p++;
			f[n] = p;
			flen[n] = strcspn(p, " ");
			p += flen[n];
			if (flen[n])
				n++;
		}
		struct in6_addr a = { 0 };
		unsigned index = 0, scope = 0, flags = 0, byte = 0;
		bool ok = n == 5 && flen[0] == 32 && hex_field(f[1], flen[1], &index) &&
			  hex_field(f[3], flen[3], &scope) && hex_field(f[4], flen[4], &flags);
		for (size_t i = 0; ok && i < 16; i++) {
			ok = hex_field(f[0] + 2 * i, 2, &byte);
			a.s6_addr[i] = (uint8_t)byte;
		}
		bool match = kind == ADDRESS_EXACT	 ? !memcmp(&a, want, sizeof(a)) :
			     kind == ADDRESS_LINK_LOCAL ? IN6_IS_ADDR_LINKLOCAL(&a) :
							  (scope == SCOPE_GLOBAL || scope == SCOPE_SITE) &&
								  !IN6_IS_ADDR_LINKLOCAL(&a) &&
								  !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
		if (ok && index == ifindex && match) {
			*ret_addr = a;
			*ret_flags = flags;
			r = 0;
		}
		line = next;
	}
	free(text);
	return r;
}

/* Wait until the address (NULL: a link-local one) has passed DAD, until the deadline. */
static int wait_dad(const char *ifname, unsigned ifindex, const struct in6_addr *want,
		    int64_t deadline, struct in6_addr *ret_addr, char *err, size_t err_len)
{
	char text[INET6_ADDRSTRLEN] = "";
	for (;;) {
		struct in6_addr a;
		unsigned flags = 0;
		int r = address_flags(ifindex, want ? ADDRESS_EXACT : ADDRESS_LINK_LOCAL, want, &a,
				      &flags);
		if (r == 0)
			inet_ntop(AF_INET6, &a, text, sizeof(text));
		if (r == 0 && (flags & IFA_F_DADFAILED)) {
			snprintf(err, err_len, "%s on %s failed duplicate address detection", text,
				 ifname);
			return -EADDRINUSE;
		}
		if (r == 0 && !(flags & IFA_F_TENTATIVE)) {
			if (ret_addr)
				*ret_addr = a;
			return 0;
		}
		if (r < 0 && r != -ENOENT) {
			snprintf(err, err_len, "cannot read %s: %s", IF_INET6_PATH, strerror(-r));
			return r;
		}
		if (now_ms() >= deadline) {
			if (r == 0)
				snprintf(err, err_len, "%s on %s is still tentative (duplicate address "
					 "detection did not finish)", text, ifname);
			else if (want)
				snprintf(err, err_len, "the address went away from %s", ifname);
			else
				snprintf(err, err_len, "%s has no IPv6 link-local address (IPv6 disabled "
					 "on it?)", ifname);
			return -EADDRNOTAVAIL;
		}
		sleep_ms(POLL_STEP_MS);
	}
}

bool dhcp6_link_has_routable_address(const char *ifname)
{
	unsigned ifindex = if_nametoindex(ifname), flags;
	struct in6_addr a;
	return ifindex && address_flags(ifindex, ADDRESS_ROUTABLE, NULL, &a, &flags) == 0;
}

/* ---- the exchange ------------------------------------------------------------------------- */

struct exchange {
	int fd;
	const char *ifname;
	const struct dhcp6_client_id *id;
	struct sockaddr_in6 servers; /* ff02::1:2 port 547 on the link */
	int64_t deadline;
	char *err;
	size_t err_len;
	unsigned answers;	/* messages for us, usable or not */
	bool stateless_on_slaac;
	char refusal[512];	/* why the last server that answered gave us nothing */
	uint8_t buf[DHCP6_MESSAGE_MAX];
};

static int send_message(struct exchange *x, const struct dhcp6_request *req)
{
	size_t len;
	int r = dhcp6_message_build(req, x->buf, sizeof(x->buf), &len);
	if (r < 0) {
		snprintf(x->err, x->err_len, "cannot build a DHCPv6 message: %s", strerror(-r));
		return r;
	}
	if (sendto(x->fd, x->buf, len, 0, (const struct sockaddr *)&x->servers,
		   sizeof(x->servers)) < 0) {
		r = -errno;
		/* A link that lost carrier: the next retransmission may get through. */
		if (r == -ENETDOWN || r == -ENETUNREACH || r == -ENOBUFS || r == -EAGAIN)
			return 0;
		snprintf(x->err, x->err_len, "sending to ff02::1:2 on %s: %s", x->ifname,
			 strerror(errno));
		return r;
	}
	return 0;
}

/* The next message for xid until the time until: 0, -ETIMEDOUT, or -errno of the socket.
 * Malformed messages and messages for someone else are skipped. */
static int receive(struct exchange *x, int64_t until, const uint8_t xid[3],
		   struct dhcp6_reply *ret)
{
	for (;;) {
		int64_t left = until - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = x->fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(x->err, x->err_len, "poll: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			return -ETIMEDOUT;
		struct sockaddr_in6 from;
		socklen_t from_len = sizeof(from);
		ssize_t got = recvfrom(x->fd, x->buf, sizeof(x->buf), MSG_TRUNC,
				       (struct sockaddr *)&from, &from_len);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(x->err, x->err_len, "receiving on %s: %s", x->ifname, strerror(errno));
			return -errno;
		}
		char who[INET6_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET6, &from.sin6_addr, who, sizeof(who));
		if ((size_t)got > sizeof(x->buf)) {
			log_warn("%s: a DHCPv6 message of %zd bytes from %s (over %d), ignoring",
				 x->ifname, got, who, DHCP6_MESSAGE_MAX);
			continue;
		}
		char why[256];
		struct dhcp6_reply r;
		int k = dhcp6_reply_parse(x->buf, (size_t)got, xid, x->id, &r, why, sizeof(why));
		if (k == -ENOMSG) {
			log_debug("%s: DHCPv6 message from %s not for us: %s", x->ifname, who, why);
			continue;
		}
		if (k < 0) {
			log_warn("%s: malformed DHCPv6 message from %s: %s, ignoring", x->ifname, who,
				 why);
			continue;
		}
		x->answers++;
		r.server_address = from.sin6_addr;
		*ret = r;
		return 0;
	}
}

/* A reply that carries nothing usable: remember why for the final message. */
static bool reply_refused(struct exchange *x, const struct dhcp6_reply *r, bool want_address)
{
	char who[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &r->server_address, who, sizeof(who));
	int status = r->status != DHCP6_STATUS_SUCCESS ? r->status : r->ia_status;
	if (status != DHCP6_STATUS_SUCCESS) {
		snprintf(x->refusal, sizeof(x->refusal), "server %s said %s%s%s%s", who,
			 dhcp6_status_name(status), r->status_message[0] ? " (" : "",
			 r->status_message, r->status_message[0] ? ")" : "");
		return true;
	}
	if (want_address && (!r->has_ia || r->n_addresses == 0)) {
		snprintf(x->refusal, sizeof(x->refusal), "server %s offered no usable address", who);
		return true;
	}
	return false;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Solicit until an Advertise with an address: during the first timeout the best preference
 * wins (255 at once), after it the first one (section 18.2.1). */
static int solicit(struct exchange *x, struct dhcp6_reply *ret)
{
	uint8_t xid[3];
	random_bytes(xid, sizeof(xid));
	sleep_ms(min64(random_u32() % (DHCP6_SOLICIT_DELAY_MAX_MS + 1), x->deadline - now_ms()));
	int64_t start = now_ms();
	unsigned rt = 0;
	bool first_round = true, have = false;
	struct dhcp6_reply best, r;
	while (now_ms() < x->deadline) {
		rt = dhcp6_retransmit_ms(rt, DHCP6_SOL_TIMEOUT_MS, DHCP6_SOL_MAX_RT_MS, random_u32(),
					 rt == 0);
		struct dhcp6_request req = { .type = DHCP6_SOLICIT,
					     .elapsed_ms = (unsigned)(now_ms() - start),
					     .client = x->id };
		memcpy(req.xid, xid, 3);
		int k = send_message(x, &req);
		if (k < 0)
			return k;
		int64_t until = min64(now_ms() + rt, x->deadline);
		while ((k = receive(x, until, xid, &r)) == 0) {
			if (r.type != DHCP6_ADVERTISE || reply_refused(x, &r, true))
				continue;
			if (!have || r.preference > best.preference) {
				best = r;
				have = true;
			}
			if (best.preference == 255 || !first_round)
				break;
		}
		if (k != 0 && k != -ETIMEDOUT)
			return k;
		if (have) {
			*ret = best;
			return 0;
		}
		/* No address offered (no answer, or NoAddrsAvail), but SLAAC configured the link
		 * meanwhile: a stateless server (QEMU's user network, dnsmasq ra-stateless) is
		 * worth an Information-request (RFC 8415 section 18.2.9 allows it). */
		if (x->stateless_on_slaac && dhcp6_link_has_routable_address(x->ifname))
			return -EAGAIN;
		first_round = false;
	}
	return -ETIMEDOUT;
}

/* Send req (a fresh transaction) on the timers given until a Reply: 0, -ETIMEDOUT, or
 * -EADDRNOTAVAIL when the Reply refused (x->refusal says how). */
static int transact(struct exchange *x, struct dhcp6_request *req, unsigned irt_ms,
		    unsigned mrt_ms, unsigned max_rc, const struct dhcp6_reply *server,
		    struct dhcp6_reply *ret)
{
	random_bytes(req->xid, sizeof(req->xid));
	int64_t start = now_ms();
	unsigned rt = 0;
	for (unsigned attempt = 0; (!max_rc || attempt < max_rc) && now_ms() < x->deadline;
	     attempt++) {
		rt = dhcp6_retransmit_ms(rt, irt_ms, mrt_ms, random_u32(), false);
		req->elapsed_ms = (unsigned)(now_ms() - start);
		int k = send_message(x, req);
		if (k < 0)
			return k;
		int64_t until = min64(now_ms() + rt, x->deadline);
		struct dhcp6_reply r;
		while ((k = receive(x, until, req->xid, &r)) == 0) {
			if (r.type != DHCP6_REPLY)
				continue;
			/* Only the server we asked answers a Request. */
			if (server && (r.server_id_len != server->server_id_len ||
				       memcmp(r.server_id, server->server_id, r.server_id_len)))
				continue;
			if (reply_refused(x, &r, req->type == DHCP6_REQUEST))
				return -EADDRNOTAVAIL;
			*ret = r;
			return 0;
		}
		if (k != -ETIMEDOUT)
			return k;
	}
	return -ETIMEDOUT;
}

static int open_socket(struct exchange *x, unsigned ifindex, const struct in6_addr *link_local)
{
	x->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (x->fd < 0) {
		snprintf(x->err, x->err_len, "socket: %s", strerror(errno));
		return -errno;
	}
	/* The scope id already ties the socket to the link; the device binding also keeps
	 * multicast from other links out. It needs CAP_NET_RAW: without, the scope id does. */
	(void)setsockopt(x->fd, SOL_SOCKET, SO_BINDTODEVICE, x->ifname, (socklen_t)strlen(x->ifname));
	int index = (int)ifindex, off = 0;
	(void)setsockopt(x->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index));
	(void)setsockopt(x->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off));
	struct sockaddr_in6 local = { .sin6_family = AF_INET6,
				      .sin6_port = htons(DHCP6_CLIENT_PORT),
				      .sin6_addr = *link_local,
				      .sin6_scope_id = ifindex };
	if (bind(x->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		int r = -errno;
		snprintf(x->err, x->err_len, "cannot bind port %d on %s: %s%s", DHCP6_CLIENT_PORT,
			 x->ifname, strerror(errno),
			 r == -EADDRINUSE ? " (another DHCPv6 client runs on it?)" : "");
		return r;
	}
	x->servers = (struct sockaddr_in6){ .sin6_family = AF_INET6,
					    .sin6_port = htons(DHCP6_SERVER_PORT),
					    .sin6_scope_id = ifindex };
	inet_pton(AF_INET6, "ff02::1:2", &x->servers.sin6_addr);
	return 0;
}

int dhcp6_exchange(const char *ifname, const struct dhcp6_client_id *id,
		   const struct dhcp6_exchange_options *o, struct dhcp6_reply *ret, char *err,
		   size_t err_len)
{
	unsigned timeout_ms = o && o->timeout_ms ? o->timeout_ms : DHCP6_TIMEOUT_MS;
	struct exchange *x = xcalloc(1, sizeof(*x));
	*x = (struct exchange){ .fd = -1, .ifname = ifname, .id = id, .err = err, .err_len = err_len };
	x->deadline = now_ms() + timeout_ms;
	int r;
	unsigned ifindex = if_nametoindex(ifname);
	struct in6_addr link_local;
	if (!ifindex) {
		r = -ENODEV;
		snprintf(err, err_len, "no interface %s", ifname);
		goto out;
	}
	/* DAD holds the link-local address for about a second after the link comes up; it
	 * cannot be bound before. */
	r = wait_dad(ifname, ifindex, NULL, min64(x->deadline, now_ms() + DHCP6_DAD_WAIT_MS),
		     &link_local, err, err_len);
	if (r < 0)
		goto out;
	r = open_socket(x, ifindex, &link_local);
	if (r < 0)
		goto out;
	x->stateless_on_slaac = o && o->stateless_on_slaac;
	bool stateless = o && o->stateless;
	if (!stateless) {
		/* A refused Request, or one never answered, starts over with Solicit. */
		r = -ETIMEDOUT;
		while (r < 0 && now_ms() < x->deadline) {
			struct dhcp6_reply adv;
			r = solicit(x, &adv);
			if (r == -EAGAIN) {
				log_info("%s: no address offered%s%s, and router advertisements gave "
					 "one: asking DHCPv6 for boot options only", ifname,
					 x->refusal[0] ? ": " : "", x->refusal);
				stateless = true;
				break;
			}
			if (r < 0)
				break;
			struct dhcp6_request req = { .type = DHCP6_REQUEST,
						     .client = id,
						     .server_id = adv.server_id,
						     .server_id_len = adv.server_id_len,
						     .address = &adv.addresses[0].address };
			r = transact(x, &req, DHCP6_REQ_TIMEOUT_MS, DHCP6_REQ_MAX_RT_MS,
				     DHCP6_REQ_MAX_RC, &adv, ret);
			if (r == -ETIMEDOUT && !x->refusal[0]) {
				char who[INET6_ADDRSTRLEN];
				inet_ntop(AF_INET6, &adv.server_address, who, sizeof(who));
				snprintf(x->refusal, sizeof(x->refusal),
					 "server %s advertised an address but did not answer the Request",
					 who);
			}
		}
	}
	if (stateless) {
		struct dhcp6_request req = { .type = DHCP6_INFORMATION_REQUEST, .client = id };
		r = transact(x, &req, DHCP6_INF_TIMEOUT_MS, DHCP6_INF_MAX_RT_MS, 0, NULL, ret);
	}
	if (r == -ETIMEDOUT || r == -EADDRNOTAVAIL) {
		if (x->refusal[0]) {
			r = -EADDRNOTAVAIL;
			snprintf(err, err_len, "no lease within %u ms: %s", timeout_ms, x->refusal);
		} else {
			r = -ETIMEDOUT;
			snprintf(err, err_len, "no DHCPv6 server answered within %u ms", timeout_ms);
		}
	}
out:
	if (x->fd >= 0)
		close(x->fd);
	free(x);
	return r;
}

/* ---- the leased address on the link ------------------------------------------------------- */

static int netlink_add_address(unsigned ifindex, const struct in6_addr *address)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[2 * RTA_SPACE(sizeof(struct in6_addr))];
	} req = { 0 };
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_INET6;
	req.ifa.ifa_prefixlen = 128;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = ifindex;
	size_t len = NLMSG_LENGTH(sizeof(req.ifa));
	static const unsigned short types[] = { IFA_LOCAL, IFA_ADDRESS };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(len));
		rta->rta_type = types[i];
		rta->rta_len = RTA_LENGTH(sizeof(*address));
		memcpy(RTA_DATA(rta), address, sizeof(*address));
		len = NLMSG_ALIGN(len) + RTA_SPACE(sizeof(*address));
	}
	req.nh.nlmsg_len = (unsigned)len;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int r = 0;
	if (sendto(fd, &req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
	} else {
		/* The acknowledgement: an error message whose code is 0 on success. */
		union {
			struct nlmsghdr nh;
			char buf[1024];
		} ack;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = poll(&pfd, 1, 2000) == 1 ? recv(fd, &ack, sizeof(ack), 0) : -1;
		if (n < 0)
			r = errno ? -errno : -ETIMEDOUT;
		else if ((size_t)n < NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
			 ack.nh.nlmsg_type != NLMSG_ERROR)
			r = -EPROTO;
		else
			r = ((struct nlmsgerr *)NLMSG_DATA(&ack.nh))->error;
	}
	close(fd);
	return r;
}

int dhcp6_address_add(const char *ifname, const struct in6_addr *address, unsigned wait_ms,
		      char *err, size_t err_len)
{
	unsigned ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(err, err_len, "no interface %s", ifname);
		return -ENODEV;
	}
	/* No lifetimes: kxboot does not renew, and the lease ends with the kexec anyway (as
	 * the DHCPv4 path, udhcpc -q). */
	int r = netlink_add_address(ifindex, address);
	if (r < 0) {
		char text[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, address, text, sizeof(text));
		snprintf(err, err_len, "cannot add %s/128 to %s: %s", text, ifname, strerror(-r));
		return r;
	}
	/* A tentative address cannot be the source of a connection yet. */
	return wait_dad(ifname, ifindex, address, now_ms() + wait_ms, NULL, err, err_len);
}
