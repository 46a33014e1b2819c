/* tftp.c — kxboot's TFTP client: reads in octet mode (RFC 1350) with option negotiation
 * (RFC 2347), blksize (RFC 2348), tsize and timeout (RFC 2349) and windowsize (RFC 7440).
 *
 * One transfer is one UDP socket and one loop around poll(). The RRQ goes to the server's
 * port; the first answer from the server's host fixes the server's transfer ID (its port) and
 * anything from elsewhere is answered with ERROR 5 and dropped (RFC 1350 section 4). Data is
 * taken in batches with recvmmsg() into buffers laid out so that blocks arriving in order sit
 * next to each other, batch after batch: they reach the sink (memory file and SHA-256) in
 * writes of a few hundred KiB, and the ACK that ends a window leaves before any of that work,
 * so the server is already sending the next window. Nothing is allocated per packet. ICMP
 * errors are read from the socket's error queue, so a server that is not there fails at once
 * instead of after every retransmission.
 *
 * Windows (RFC 7440 section 4): the ACK of a window's last block asks for the next window; a
 * block out of order means a loss, and the last block in order is acknowledged at once (once
 * per loss) so the server starts again from there; a timeout re-sends that same ACK. A server
 * that leaves windowsize out of its OACK, or answers with DATA 1, gets lockstep. */
#include "net/tftp.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/errqueue.h> /* after <time.h>: it uses struct timespec */

#include "limits.h"
#include "net/fetch.h"
#include "util.h"

enum tftp_error_code {
	TFTP_EUNDEF = 0,
	TFTP_ENOTFOUND = 1,
	TFTP_EACCESS = 2,
	TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4,
	TFTP_EBADID = 5,
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTNEG = 8,
};

#define TFTP_PORT 69
#define TFTP_HEADER 4		     /* opcode and block number (or error code) */
#define TFTP_BATCH_MAX 64	     /* datagrams taken by one recvmmsg() */
#define TFTP_BATCH_BYTES (1u << 20)  /* one batch's data buffers, at most */
/* Blocks in order are written to the sink this many bytes at a time (two batches' worth when
 * that is more). */
#define TFTP_WRITE_BYTES (256u << 10)
/* The first re-send of the RRQ or an ACK waits this long (or the per-packet timeout when that
 * is shorter); each further one waits twice as long, up to the per-packet timeout. */
#define TFTP_RETRANSMIT_FIRST_MS 1000
/* A duplicate of the block last acknowledged is acknowledged again (its ACK was lost and the
 * server sent it again), but not sooner than this after the previous ACK: a copy arriving
 * right behind the original must not start the Sorcerer's Apprentice (RFC 1123 4.2.3.1). */
#define TFTP_REACK_GAP_MS 100
#define TFTP_MESSAGE_MAX 100 /* characters of a server's error message kept */

struct tftp_transfer {
	int fd;
	const char *host; /* as written in the URL, for messages */
	int port;
	struct sockaddr_storage server; /* where the RRQ goes */
	struct sockaddr_storage peer;	/* the server's transfer ID, once it answered */
	bool have_tid;

	const char *file;
	struct tftp_request_options req;
	uint8_t rrq[TFTP_REQUEST_MAX];
	size_t rrq_len;
	bool options_dropped; /* ERROR 8 to the options: asked again without them */

	bool negotiated; /* OACK read or options refused: blksize and windowsize are known */
	unsigned blksize, windowsize;

	uint64_t next_block; /* the next block in order, counted on past 65535 */
	uint64_t acked;	     /* the block last acknowledged */
	uint64_t ack_at;     /* the block that ends the server's current window */
	int64_t ack_sent_ms;
	bool gap_acked;	     /* a gap was reported since the last block in order */
	bool done;

	unsigned timeout_ms; /* longest wait for one packet */
	unsigned rto_ms;     /* current retransmission interval */
	unsigned retransmits;
	int64_t deadline_ms;

	unsigned low_speed_s;
	int64_t speed_mark_ms;
	uint64_t speed_mark_bytes;
	uint64_t received;
	uint64_t max_size;

	/* Receive batch: slot i is a 4-byte header and stride bytes of data, the slots' data
	 * back to back in the area from offset fill, so that blocks in order, batch after batch,
	 * pile up in one span (run) that is written to the sink when the area is full. */
	unsigned slots, slot_cap, stride;
	uint8_t (*hdr)[TFTP_HEADER];
	uint8_t *area;
	size_t area_size, fill;
	struct iovec *iov;
	struct mmsghdr *msgs;
	struct sockaddr_storage *from;

	/* Blocks in order not yet written to the sink. */
	const uint8_t *run;
	size_t run_len;

	struct fetch_sink *sink;
	char *err;
	size_t err_len;
};

/* ---- pure parts (tftp.h) -------------------------------------------------------------- */

static bool put_string(uint8_t *buf, size_t size, size_t *pos, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*pos + n > size)
		return false;
	memcpy(buf + *pos, s, n);
	*pos += n;
	return true;
}

static bool put_option(uint8_t *buf, size_t size, size_t *pos, const char *name, unsigned value)
{
	char num[16];
	snprintf(num, sizeof(num), "%u", value);
	return put_string(buf, size, pos, name) && put_string(buf, size, pos, num);
}

int tftp_rrq_build(const char *file, const struct tftp_request_options *req, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	if (!file[0])
		return -EINVAL;
	if (size > TFTP_REQUEST_MAX)
		size = TFTP_REQUEST_MAX;
	size_t pos = 2;
	if (size < pos)
		return -ENAMETOOLONG;
	buf[0] = 0;
	buf[1] = TFTP_RRQ;
	bool ok = put_string(buf, size, &pos, file) && put_string(buf, size, &pos, "octet");
	if (ok && req->blksize)
		ok = put_option(buf, size, &pos, "blksize", req->blksize);
	if (ok && req->tsize)
		ok = put_option(buf, size, &pos, "tsize", 0);
	if (ok && req->timeout_s)
		ok = put_option(buf, size, &pos, "timeout", req->timeout_s);
	if (ok && req->windowsize > 1)
		ok = put_option(buf, size, &pos, "windowsize", req->windowsize);
	if (!ok)
		return -ENAMETOOLONG;
	*ret_len = pos;
	return 0;
}

/* Take one NUL-terminated string at *pos, not past len. */
static const char *take_string(const uint8_t *body, size_t len, size_t *pos)
{
	if (*pos >= len)
		return NULL;
	const uint8_t *nul = memchr(body + *pos, '\0', len - *pos);
	if (!nul)
		return NULL;
	const char *s = (const char *)body + *pos;
	*pos = (size_t)(nul - body) + 1;
	return s;
}

/* A decimal number of at most 20 digits, nothing else. */
static bool parse_u64(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);
	if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

int tftp_oack_parse(const uint8_t *body, size_t len, const struct tftp_request_options *req,
		    struct tftp_params *ret, char *err, size_t err_len)
{
	struct tftp_params p = { .blksize = TFTP_BLKSIZE_RFC1350, .windowsize = 1 };
	bool seen_blksize = false, seen_windowsize = false, seen_timeout = false;
	size_t pos = 0;
	while (pos < len) {
		const char *name = take_string(body, len, &pos);
		const char *value = name ? take_string(body, len, &pos) : NULL;
		if (!value) {
			snprintf(err, err_len, "malformed OACK");
			return -EPROTO;
		}
		uint64_t v;
		if (!parse_u64(value, &v)) {
			snprintf(err, err_len, "OACK option '%.32s' has a bad value", name);
			return -EPROTO;
		}
		if (!strcasecmp(name, "blksize") && req->blksize && !seen_blksize) {
			if (v < TFTP_BLKSIZE_MIN || v > req->blksize) {
				snprintf(err, err_len, "OACK blksize %llu, asked for %u",
					 (unsigned long long)v, req->blksize);
				return -EPROTO;
			}
			p.blksize = (unsigned)v;
			seen_blksize = true;
		} else if (!strcasecmp(name, "windowsize") && req->windowsize > 1 &&
			   !seen_windowsize) {
			if (v < 1 || v > req->windowsize) {
				snprintf(err, err_len, "OACK windowsize %llu, asked for %u",
					 (unsigned long long)v, req->windowsize);
				return -EPROTO;
			}
			p.windowsize = (unsigned)v;
			seen_windowsize = true;
		} else if (!strcasecmp(name, "tsize") && req->tsize && !p.has_tsize) {
			p.tsize = v;
			p.has_tsize = true;
		} else if (!strcasecmp(name, "timeout") && req->timeout_s && !seen_timeout) {
			/* The server's retransmission interval; ours is our own business. */
			if (v < 1 || v > TFTP_TIMEOUT_OPTION_MAX) {
				snprintf(err, err_len, "OACK timeout %llu out of range",
					 (unsigned long long)v);
				return -EPROTO;
			}
			seen_timeout = true;
		} else {
			snprintf(err, err_len, "OACK has option '%.32s' that was not asked for",
				 name);
			return -EPROTO;
		}
	}
	*ret = p;
	return 0;
}

uint64_t tftp_block_unwrap(uint64_t expected, uint16_t wire)
{
	int16_t delta = (int16_t)(uint16_t)(wire - (uint16_t)expected);
	if (delta < 0 && (uint64_t)-(int32_t)delta > expected)
		return expected + (uint16_t)delta; /* before block 0 cannot be: take it as ahead */
	return expected + (uint64_t)(int64_t)delta;
}

/* ---- the transfer --------------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tftp_fail(struct tftp_transfer *t, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int tftp_fail(struct tftp_transfer *t, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, t->err_len, fmt, ap);
	va_end(ap);
	return r;
}

static bool sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

static in_port_t sockaddr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_port;
	if (a->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)(const void *)a)->sin6_port;
	return 0;
}

static bool sockaddr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return sockaddr_same_host(a, b) && sockaddr_port(a) == sockaddr_port(b);
}

static socklen_t sockaddr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Send one datagram. A full send queue is a lost packet (the retransmission covers it). */
static int tftp_send_to(struct tftp_transfer *t, const struct sockaddr_storage *to,
			const void *buf, size_t len)
{
	for (;;) {
		ssize_t n =
		    sendto(t->fd, buf, len, 0, (const struct sockaddr *)to, sockaddr_len(to));
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS)
			return 0;
		return tftp_fail(t, -errno, "sending to %s port %d: %s", t->host, t->port,
				 strerror(errno));
	}
}

/* Best effort: an ERROR packet to to (the transfer is over either way). */
static void tftp_send_error(struct tftp_transfer *t, const struct sockaddr_storage *to,
			    enum tftp_error_code code, const char *message)
{
	uint8_t pkt[TFTP_HEADER + 64];
	size_t n = strlen(message);
	if (n > sizeof(pkt) - TFTP_HEADER - 1)
		n = sizeof(pkt) - TFTP_HEADER - 1;
	pkt[0] = 0;
	pkt[1] = TFTP_ERROR;
	pkt[2] = 0;
	pkt[3] = (uint8_t)code;
	memcpy(pkt + TFTP_HEADER, message, n);
	pkt[TFTP_HEADER + n] = '\0';
	(void)sendto(t->fd, pkt, TFTP_HEADER + n + 1, MSG_DONTWAIT, (const struct sockaddr *)to,
		     sockaddr_len(to));
}

/* Abort the transfer: tell the server (when it is known) and fail with r. */
static int tftp_abort(struct tftp_transfer *t, enum tftp_error_code code, const char *message,
		      int r)
{
	if (t->have_tid)
		tftp_send_error(t, &t->peer, code, message);
	return r;
}

static int tftp_send_ack(struct tftp_transfer *t, uint64_t block)
{
	uint8_t pkt[TFTP_HEADER] = { 0, TFTP_ACK, (uint8_t)(block >> 8), (uint8_t)block };
	t->acked = block;
	t->ack_at = block + t->windowsize;
	t->ack_sent_ms = now_ms();
	return tftp_send_to(t, &t->peer, pkt, sizeof(pkt));
}

static void tftp_timer_restart(struct tftp_transfer *t)
{
	t->retransmits = 0;
	t->rto_ms =
	    TFTP_RETRANSMIT_FIRST_MS < t->timeout_ms ? TFTP_RETRANSMIT_FIRST_MS : t->timeout_ms;
	t->deadline_ms = now_ms() + t->rto_ms;
}

static void tftp_slots_init(struct tftp_transfer *t)
{
	for (unsigned i = 0; i < t->slots; i++) {
		t->iov[2 * i] = (struct iovec){ .iov_base = t->hdr[i], .iov_len = TFTP_HEADER };
		t->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &t->iov[2 * i], .msg_iovlen = 2 };
	}
	t->stride = t->slot_cap;
	t->fill = 0;
	t->run_len = 0;
}

static int tftp_send_request(struct tftp_transfer *t)
{
	return tftp_send_to(t, &t->server, t->rrq, t->rrq_len);
}

/* Write the blocks taken in order so far to the sink. */
static int tftp_flush(struct tftp_transfer *t)
{
	if (!t->run_len)
		return 0;
	int r = fetch_sink_write(t->sink, t->run, t->run_len);
	t->run_len = 0;
	if (r == -EFBIG)
		return tftp_abort(t, TFTP_ENOSPACE, "file too large", r);
	if (r < 0) {
		tftp_abort(t, TFTP_EUNDEF, "client write error", r);
		return tftp_fail(t, r, "storing the data: %s", strerror(-r));
	}
	return 0;
}

static void tftp_set_params(struct tftp_transfer *t, unsigned blksize, unsigned windowsize)
{
	t->negotiated = true;
	t->blksize = blksize;
	t->windowsize = windowsize;
	t->next_block = 1;
	t->acked = 0;
	t->ack_at = windowsize;
	t->stride = blksize; /* from the next batch on */
	t->speed_mark_ms = now_ms();
	t->speed_mark_bytes = 0;
}

static int tftp_on_oack(struct tftp_transfer *t, const uint8_t *body, size_t len, bool truncated)
{
	struct tftp_params p;
	char why[128];
	int r = truncated ? -EPROTO : tftp_oack_parse(body, len, &t->req, &p, why, sizeof(why));
	if (truncated)
		snprintf(why, sizeof(why), "OACK too long");
	if (r < 0) {
		tftp_abort(t, TFTP_EOPTNEG, why, r);
		return tftp_fail(t, r, "%s port %d: %s", t->host, t->port, why);
	}
	if (p.has_tsize) {
		if (p.tsize > t->max_size)
			return tftp_abort(t, TFTP_ENOSPACE, "file too large", -EFBIG);
		fetch_sink_set_total(t->sink, p.tsize);
	}
	tftp_set_params(t, p.blksize, p.windowsize);
	return tftp_send_ack(t, 0);
}

/* An ERROR from the server ends the transfer, except ERROR 8 to the options of our first
 * request: some servers refuse options that way, so ask again without them. */
static int tftp_on_error(struct tftp_transfer *t, unsigned code, const uint8_t *body, size_t len)
{
	if (code == TFTP_EOPTNEG && !t->negotiated && !t->options_dropped) {
		t->options_dropped = true;
		t->req = (struct tftp_request_options){ 0 };
		t->have_tid = false;
		int r = tftp_rrq_build(t->file, &t->req, t->rrq, sizeof(t->rrq), &t->rrq_len);
		if (r < 0)
			return tftp_fail(t, r, "cannot build the request");
		tftp_timer_restart(t);
		return tftp_send_request(t);
	}
	char msg[TFTP_MESSAGE_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i < len && body[i] && n < TFTP_MESSAGE_MAX; i++)
		msg[n++] = body[i] >= 0x20 && body[i] < 0x7f ? (char)body[i] : '?';
	msg[n] = '\0';
	int r = code == TFTP_ENOTFOUND ? -ENOENT : code == TFTP_EACCESS ? -EACCES : -EIO;
	return tftp_fail(t, r, "server: %s (code %u)", n ? msg : "no message", code);
}

static int tftp_on_data(struct tftp_transfer *t, unsigned wire, const uint8_t *body, size_t len,
			bool truncated)
{
	if (truncated || len > t->blksize) {
		tftp_abort(t, TFTP_EBADOP, "block larger than blksize", -EPROTO);
		return tftp_fail(t, -EPROTO, "%s port %d sent a block larger than %u bytes",
				 t->host, t->port, t->blksize);
	}
	uint64_t block = tftp_block_unwrap(t->next_block, (uint16_t)wire);
	if (block == t->next_block) {
		if (t->run_len && t->run + t->run_len != body) {
			int r = tftp_flush(t);
			if (r < 0)
				return r;
		}
		if (!t->run_len)
			t->run = body;
		t->run_len += len;
		t->received += len;
		t->next_block++;
		t->gap_acked = false;
		tftp_timer_restart(t);
		if (len < t->blksize) {
			t->done = true;
			return tftp_send_ack(t, block);
		}
		if (block >= t->ack_at)
			return tftp_send_ack(t, block);
		return 0;
	}
	if (block > t->next_block) {
		/* A gap: ask for everything after the last block in order (RFC 7440 section 4),
		 * once; the rest of the window the server already sent is dropped. */
		if (t->gap_acked)
			return 0;
		t->gap_acked = true;
		return tftp_send_ack(t, t->next_block - 1);
	}
	if (block == t->acked && now_ms() - t->ack_sent_ms >= TFTP_REACK_GAP_MS)
		return tftp_send_ack(t, block);
	return 0;
}

/* One datagram of a batch. */
static int tftp_on_packet(struct tftp_transfer *t, unsigned i)
{
	struct mmsghdr *m = &t->msgs[i];
	if (m->msg_len < TFTP_HEADER)
		return 0;
	const struct sockaddr_storage *from = &t->from[i];
	const uint8_t *h = t->hdr[i];
	const uint8_t *body = t->iov[2 * i + 1].iov_base;
	size_t len = m->msg_len - TFTP_HEADER;
	bool truncated = m->msg_hdr.msg_flags & MSG_TRUNC;
	unsigned opcode = (unsigned)h[0] << 8 | h[1];
	unsigned arg = (unsigned)h[2] << 8 | h[3];

	if (t->have_tid) {
		if (!sockaddr_same(from, &t->peer)) {
			tftp_send_error(t, from, TFTP_EBADID, "Unknown transfer ID");
			return 0;
		}
	} else {
		if (!sockaddr_same_host(from, &t->server)) {
			tftp_send_error(t, from, TFTP_EBADID, "Unknown transfer ID");
			return 0;
		}
		/* Only an answer to a read request fixes the transfer ID. */
		if (opcode != TFTP_OACK && opcode != TFTP_ERROR &&
		    !(opcode == TFTP_DATA && arg == 1))
			return 0;
		t->peer = *from;
		t->have_tid = true;
	}

	switch (opcode) {
	case TFTP_ERROR:
		return tftp_on_error(t, arg, body, len);
	case TFTP_OACK:
		if (!t->negotiated) {
			/* The options start right after the opcode, inside the header slot. */
			uint8_t oack[TFTP_REQUEST_MAX];
			if (len + 2 > sizeof(oack))
				return tftp_on_oack(t, NULL, 0, true);
			memcpy(oack, h + 2, 2);
			memcpy(oack + 2, body, len);
			return tftp_on_oack(t, oack, len + 2, truncated);
		}
		/* The OACK again: our ACK 0 was lost. */
		if (t->next_block == 1 && now_ms() - t->ack_sent_ms >= TFTP_REACK_GAP_MS)
			return tftp_send_ack(t, 0);
		return 0;
	case TFTP_DATA:
		if (!t->negotiated) /* DATA 1 instead of an OACK: the options were refused */
			tftp_set_params(t, TFTP_BLKSIZE_RFC1350, 1);
		return tftp_on_data(t, arg, body, len, truncated);
	default:
		return 0; /* RRQ, WRQ, ACK or garbage from the server: nothing to answer */
	}
}

/* An ICMP error queued on the socket: fatal when it is about a packet to the server. */
static int tftp_read_icmp(struct tftp_transfer *t)
{
	int fatal = 0;
	for (;;) {
		struct sockaddr_storage dest = { 0 };
		uint8_t payload[64];
		union {
			char buf[512];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
		struct msghdr mh = { .msg_name = &dest,
				     .msg_namelen = sizeof(dest),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		if (recvmsg(t->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			const struct sock_extended_err *ee = (const void *)CMSG_DATA(c);
			if (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
			    ee->ee_origin != SO_EE_ORIGIN_ICMP6)
				continue;
			const struct sockaddr_storage *to = t->have_tid ? &t->peer : &t->server;
			if (!fatal && ee->ee_errno && sockaddr_same(&dest, to))
				fatal = -(int)ee->ee_errno;
		}
	}
	int soerr;
	socklen_t sl = sizeof(soerr);
	(void)getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl); /* clear the pending error */
	if (fatal)
		return tftp_fail(t, fatal, "%s port %d: %s", t->host,
				 t->have_tid ? ntohs(sockaddr_port(&t->peer)) : t->port,
				 strerror(-fatal));
	return 0;
}

/* Take what is queued on the socket and act on it. */
static int tftp_receive(struct tftp_transfer *t)
{
	/* The next batch goes right after the blocks waiting to be written, so that the next
	 * block in order continues them; when the area has no room for a batch, write first. */
	size_t batch = (size_t)t->slots * t->stride;
	if (t->run_len)
		t->fill = (size_t)(t->run + t->run_len - t->area);
	if (t->area_size - t->fill < batch) {
		int r = tftp_flush(t);
		if (r < 0)
			return r;
		t->fill = 0;
	}
	for (unsigned i = 0; i < t->slots; i++) {
		t->iov[2 * i + 1].iov_base = t->area + t->fill + (size_t)i * t->stride;
		t->iov[2 * i + 1].iov_len = t->stride;
		t->msgs[i].msg_hdr.msg_name = &t->from[i];
		t->msgs[i].msg_hdr.msg_namelen = sizeof(t->from[i]);
		t->msgs[i].msg_hdr.msg_flags = 0;
	}
	int n = recvmmsg(t->fd, t->msgs, t->slots, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH ||
		    errno == EHOSTDOWN || errno == ENONET || errno == EPROTO)
			return tftp_read_icmp(t);
		return tftp_fail(t, -errno, "receiving: %s", strerror(errno));
	}
	for (int i = 0; i < n && !t->done; i++) {
		int r = tftp_on_packet(t, (unsigned)i);
		if (r < 0)
			return r;
	}
	return t->done ? tftp_flush(t) : 0;
}

static int tftp_on_timeout(struct tftp_transfer *t)
{
	if (t->retransmits >= TFTP_RETRANSMITS_MAX) {
		if (!t->have_tid)
			return tftp_fail(t, -ETIMEDOUT, "no answer from %s port %d", t->host,
					 t->port);
		return tftp_abort(t, TFTP_EUNDEF, "timed out",
				  tftp_fail(t, -ETIMEDOUT,
					    "timed out waiting for block %llu from %s",
					    (unsigned long long)t->next_block, t->host));
	}
	t->retransmits++;
	t->rto_ms = t->rto_ms * 2 < t->timeout_ms ? t->rto_ms * 2 : t->timeout_ms;
	t->deadline_ms = now_ms() + t->rto_ms;
	if (!t->negotiated)
		return t->have_tid ? 0 : tftp_send_request(t);
	return tftp_send_ack(t, t->next_block - 1);
}

/* Under 1 KiB/s over low_speed_s seconds: a server that trickles keeps no boot waiting. */
static int tftp_check_speed(struct tftp_transfer *t)
{
	int64_t now = now_ms();
	int64_t span = now - t->speed_mark_ms;
	if (!t->negotiated || span < (int64_t)t->low_speed_s * 1000)
		return 0;
	uint64_t got = t->received - t->speed_mark_bytes;
	if (got * 1000 < 1024 * (uint64_t)span)
		return tftp_abort(t, TFTP_EUNDEF, "too slow",
				  tftp_fail(t, -ETIMEDOUT,
					    "timed out: %s sent under 1 KiB/s for %u s", t->host,
					    t->low_speed_s));
	t->speed_mark_ms = now;
	t->speed_mark_bytes = t->received;
	return 0;
}

static int tftp_run(struct tftp_transfer *t)
{
	int r = tftp_send_request(t);
	if (r < 0)
		return r;
	tftp_timer_restart(t);
	while (!t->done) {
		int64_t now = now_ms();
		if (now >= t->deadline_ms) {
			r = tftp_on_timeout(t);
			if (r < 0)
				return r;
			continue;
		}
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		int n = poll(&p, 1, (int)(t->deadline_ms - now));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tftp_fail(t, -errno, "poll: %s", strerror(errno));
		}
		if (n > 0 && (p.revents & POLLERR)) {
			r = tftp_read_icmp(t);
			if (r < 0)
				return r;
		}
		if (n > 0 && (p.revents & POLLIN)) {
			r = tftp_receive(t);
			if (r < 0)
				return r;
		}
		r = tftp_check_speed(t);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Receive buffers for a transfer that asked for req. One allocation each, per transfer. */
static void tftp_buffers_alloc(struct tftp_transfer *t)
{
	unsigned window = t->req.windowsize ? t->req.windowsize : 1;
	t->slot_cap = t->req.blksize > TFTP_BLKSIZE_RFC1350 ? t->req.blksize : TFTP_BLKSIZE_RFC1350;
	t->slots = window < TFTP_BATCH_MAX ? window : TFTP_BATCH_MAX;
	while (t->slots > 1 && (size_t)t->slots * t->slot_cap > TFTP_BATCH_BYTES)
		t->slots /= 2;
	size_t batch = (size_t)t->slots * t->slot_cap;
	t->area_size = 2 * batch > TFTP_WRITE_BYTES ? 2 * batch : TFTP_WRITE_BYTES;
	t->hdr = xcalloc(t->slots, sizeof(*t->hdr));
	t->area = xmalloc(t->area_size);
	t->iov = xcalloc(2 * (size_t)t->slots, sizeof(*t->iov));
	t->msgs = xcalloc(t->slots, sizeof(*t->msgs));
	t->from = xcalloc(t->slots, sizeof(*t->from));
	tftp_slots_init(t);
}

static void tftp_buffers_free(struct tftp_transfer *t)
{
	free(t->hdr);
	free(t->area);
	free(t->iov);
	free(t->msgs);
	free(t->from);
}

/* One transfer from one address of the server. */
static int tftp_transfer_from(struct tftp_transfer *t, const struct addrinfo *ai)
{
	memcpy(&t->server, ai->ai_addr, ai->ai_addrlen);
	t->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (t->fd < 0)
		return tftp_fail(t, -errno, "socket: %s", strerror(errno));
	int on = 1;
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(t->fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	else
		(void)setsockopt(t->fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
	/* Room for two windows, so a burst is not dropped while the last one is written (the
	 * kernel's default is often enough; never make it smaller). */
	size_t want = 2 * (size_t)(t->req.windowsize ? t->req.windowsize : 1) * (t->slot_cap + 256);
	int rcvbuf = 0;
	socklen_t sl = sizeof(rcvbuf);
	if (want > (1u << 22))
		want = 1u << 22;
	if (getsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl) == 0 && (size_t)rcvbuf < want) {
		rcvbuf = (int)want;
		(void)setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	int r = tftp_run(t);
	close(t->fd);
	t->fd = -1;
	return r;
}

static int tftp_fetch(const char *url, const struct fetch_options *o, struct fetch_sink *sink,
		      char *err, size_t err_len)
{
	_cleanup_free_ char *scheme = NULL, *host = NULL, *path = NULL;
	int port;
	if (url_split(url, &scheme, &host, &port, &path) < 0 || !host[0]) {
		snprintf(err, err_len, "malformed URL");
		return -EINVAL;
	}
	if (!port)
		port = TFTP_PORT;
	/* The path without its first '/': tftp://host/a is "a", tftp://host//srv/a is "/srv/a". */
	const char *file = path[0] == '/' ? path + 1 : path;

	struct tftp_transfer t = {
		.fd = -1,
		.host = host,
		.port = port,
		.file = file,
		.sink = sink,
		.err = err,
		.err_len = err_len,
		.max_size = o->max_size ? o->max_size : FETCH_SIZE_MAX,
		.timeout_ms = 1000 * (o->timeout_s ? o->timeout_s : FETCH_TIMEOUT_S),
		.low_speed_s = o->low_speed_s ? o->low_speed_s : FETCH_LOW_SPEED_S,
	};
	unsigned blksize = o->tftp_blksize ? o->tftp_blksize : TFTP_BLKSIZE_DEFAULT;
	unsigned windowsize = o->tftp_windowsize ? o->tftp_windowsize : TFTP_WINDOWSIZE_DEFAULT;
	t.req = (struct tftp_request_options){
		.blksize = blksize < TFTP_BLKSIZE_MIN	? TFTP_BLKSIZE_MIN
			   : blksize > TFTP_BLKSIZE_MAX ? TFTP_BLKSIZE_MAX
							: blksize,
		.windowsize = windowsize > TFTP_WINDOWSIZE_MAX ? TFTP_WINDOWSIZE_MAX : windowsize,
		.timeout_s = o->timeout_s > TFTP_TIMEOUT_OPTION_MAX ? TFTP_TIMEOUT_OPTION_MAX
								    : o->timeout_s,
		.tsize = true,
	};
	int r = tftp_rrq_build(file, &t.req, t.rrq, sizeof(t.rrq), &t.rrq_len);
	if (r == -EINVAL) {
		snprintf(err, err_len, "no file name in the URL");
		return r;
	}
	if (r < 0) {
		snprintf(err, err_len, "file name too long for a TFTP request");
		return r;
	}

	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int g = getaddrinfo(host, service, &hints, &res);
	if (g != 0) {
		snprintf(err, err_len, "cannot resolve '%s': %s", host,
			 g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
		return g == EAI_AGAIN ? -EAGAIN : g == EAI_SYSTEM ? -errno : -ENXIO;
	}
	tftp_buffers_alloc(&t);
	r = -EHOSTUNREACH;
	snprintf(err, err_len, "no IPv4 or IPv6 address for '%s'", host);
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		struct tftp_transfer attempt = t;
		r = tftp_transfer_from(&attempt, ai);
		/* Next address only when this one never answered. */
		if (r == 0 || attempt.have_tid || !ai->ai_next)
			break;
		if (r != -ETIMEDOUT && r != -ECONNREFUSED && r != -EHOSTUNREACH &&
		    r != -ENETUNREACH && r != -EAFNOSUPPORT && r != -EADDRNOTAVAIL)
			break;
		tftp_slots_init(&t);
	}
	freeaddrinfo(res);
	tftp_buffers_free(&t);
	return r;
}

const struct fetch_scheme fetch_scheme_tftp = { .name = "tftp", .fetch = tftp_fetch };
