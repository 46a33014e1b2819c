/* udp-delay.c — a UDP relay on loopback that holds every datagram for a fixed one-way delay,
 * both ways, for the TFTP benchmark (bench/fetch-tftp.sh): a stand-in for `tc qdisc add ...
 * netem delay`, which the bench machine lacks. It follows TFTP's transfer IDs (RFC 1350
 * section 4) so that real clients and servers work through it unchanged.
 *
 *   udp-delay relay --server PORT [--listen PORT] [--delay-us N] [--quiet]
 *   udp-delay selftest [--delay-us N] [--count N]
 *
 * relay: listens on 127.0.0.1 port --listen (0, the default: any; the port is printed on the
 * first line of stdout). A read request there starts a session: the relay sends it on, from a
 * fresh socket of its own (S), to the server's port --server. The server answers S from its
 * transfer ID (a new port); that first answer fixes the server's TID, and the relay opens a
 * second fresh socket (C) from which it sends the server's packets on to the client, so the
 * client sees a new TID as it would from a real server. What the client sends to C goes on
 * from S to the server's TID. A packet from anyone else is dropped. One session at a time: a
 * new request from another client (or after the server answered) ends the one before.
 *
 * Each datagram is queued as it is read, stamped "due" at arrival + delay, and sent when due,
 * in arrival order per direction. The queues are rings, one timer serves both: the loop sleeps
 * in ppoll() until the earliest due packet (CLOCK_MONOTONIC, 1 ns timer slack; it wakes a little
 * early by what the timer has been late, and polls without sleeping until the packet is due),
 * so a window of packets stays pipelined: the delay shifts them, it never spaces them out. A
 * full queue drops (like a link queue) and is counted. A session's datagrams still held when
 * the next session starts are delivered from its sockets when due (the client's last ACK).
 * On each session's end the relay prints to stderr what each side sent:
 * DATA blocks (and how many were sent again), ACKs (and how many repeated the previous one),
 * OACKs and ERRORs, so a benchmark can see retransmissions without reading the client's code.
 * SIGTERM or SIGINT ends it, once what it holds has gone out.
 *
 * selftest: how much the relay itself adds. Round trips of small datagrams, a client and an
 * echo "server" (which answers from a new port, as TFTP does) in one process: first direct,
 * then through a relay (a child process) with D = 0, then with D = --delay-us when it is
 * not 0. The relay's own cost per pass is half the difference of the medians. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/tftp.h" /* the opcodes */

#define DELAY_SLOTS	    1024      /* datagrams held per direction; beyond, dropped */
#define DELAY_DATAGRAM_MAX  9216      /* bytes in one held datagram; longer ones are dropped */
#define DELAY_BATCH	    64	      /* datagrams per recvmmsg() / sendmmsg() */
#define DELAY_US_MAX	    1000000   /* one second one way, at most */
#define DELAY_SOCKET_BUFFER (4 << 20) /* SO_RCVBUF / SO_SNDBUF asked for on each socket */
/* A timer wakes the relay this much late, at first (a VM's is often 50-100 µs late). The
 * figure then follows what ppoll() does (a moving average); the relay asks to wake that much
 * before the next packet is due and polls the sockets without sleeping for the rest. */
#define DELAY_WAKE_LATE_NS     50000
#define DELAY_WAKE_LATE_MAX_NS 300000
#define PING_COUNT_DEFAULT     2000 /* round trips per self-test series */
#define PING_COUNT_MAX	       100000
#define PING_COUNT_MIN	       20
#define PING_DELAYED_NS	       1000000000 /* a series with a delay lasts about this long */
#define PING_WAIT_S	       2	  /* no answer in this long: the datagram was lost */
#define PING_WARMUP	       20	  /* round trips not counted at the start of a series */

struct held {
	int64_t due_ns;
	unsigned session;    /* the session it belongs to; another one's is dropped when due */
	bool to_server_port; /* a read request: for the server's own port, not its TID */
	size_t len;
};

/* One direction: a ring of held datagrams in arrival (= due) order. */
struct queue {
	uint8_t (*data)[DELAY_DATAGRAM_MAX];
	struct held held[DELAY_SLOTS];
	unsigned head, count;
};

/* What each side of one session sent, as the relay saw it. */
struct session_stats {
	uint64_t rrq, acks, acks_repeated, client_errors;
	uint64_t data, data_resent, oacks, server_errors, other;
	uint64_t data_bytes;
	uint64_t highest_block; /* DATA block numbers, counted on past 65535 */
	uint16_t last_ack;
	char file[64];
};

struct session {
	unsigned id; /* 0: none */
	struct sockaddr_in client;
	int server_fd; /* S: ours, towards the server */
	int client_fd; /* C: ours, towards the client (-1 until the server answered) */
	struct sockaddr_in server_tid;
	bool have_tid;
	unsigned held; /* its datagrams in the queues */
	struct session_stats st;
};

struct relay {
	int64_t delay_ns;
	bool quiet;
	struct sockaddr_in server; /* the server's own port, where read requests go */
	int listen_fd;

	unsigned sessions;
	struct session cur;
	/* The session before: its last datagrams (the client's last ACK) are still delivered
	 * when they are due, from its sockets, which close then. Nothing more is read for it. */
	struct session prev;

	struct queue to_server, to_client;
	int64_t wake_late_ns; /* how late a ppoll() timeout wakes us, on average */
	uint64_t dropped_full, dropped_long, dropped_stale, dropped_foreign, dropped_send;
	uint8_t scratch[DELAY_DATAGRAM_MAX];
};

static volatile sig_atomic_t relay_stop;

static void relay_on_signal(int sig)
{
	relay_stop = sig;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct sockaddr_in loopback_addr(unsigned port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons((uint16_t)port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

static bool addr_same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* A UDP socket bound to 127.0.0.1 port (0: any), buffers enlarged. The fd or -errno. */
static int socket_open_loopback(unsigned port, bool nonblocking)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0),
			IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	int size = DELAY_SOCKET_BUFFER;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	struct sockaddr_in a = loopback_addr(port);
	if (bind(fd, (const struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static unsigned socket_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	return ntohs(a.sin_port);
}

static int queue_init(struct queue *q)
{
	q->data = calloc(DELAY_SLOTS, sizeof(*q->data));
	q->head = q->count = 0;
	return q->data ? 0 : -ENOMEM;
}

/* ---- the relay ---------------------------------------------------------------------- */

static void session_print(const struct relay *r, const struct session *ses)
{
	const struct session_stats *s = &ses->st;
	if (r->quiet || !ses->id)
		return;
	fprintf(stderr,
		"udp-delay: session %u \"%s\": server sent %llu DATA (%llu again, %llu bytes), "
		"%llu OACK, %llu ERROR; client sent %llu RRQ, %llu ACK (%llu repeated), %llu "
		"ERROR\n",
		ses->id, s->file, (unsigned long long)s->data, (unsigned long long)s->data_resent,
		(unsigned long long)s->data_bytes, (unsigned long long)s->oacks,
		(unsigned long long)s->server_errors, (unsigned long long)s->rrq,
		(unsigned long long)s->acks, (unsigned long long)s->acks_repeated,
		(unsigned long long)s->client_errors);
}

static void session_close(struct session *ses)
{
	if (ses->server_fd >= 0)
		close(ses->server_fd);
	if (ses->client_fd >= 0)
		close(ses->client_fd);
	*ses = (struct session){ .server_fd = -1, .client_fd = -1 };
}

/* The current session ends (a new request came, or the relay stops): its figures are
 * printed; it becomes the previous one while datagrams of it are held. */
static void relay_session_end(struct relay *r)
{
	if (!r->cur.id)
		return;
	session_print(r, &r->cur);
	session_close(&r->prev); /* what it still held is dropped when due */
	if (r->cur.held) {
		r->prev = r->cur;
		r->cur = (struct session){ .server_fd = -1, .client_fd = -1 };
	} else {
		session_close(&r->cur);
	}
}

static int relay_session_start(struct relay *r, const struct sockaddr_in *client,
			       const uint8_t *rrq, size_t len)
{
	relay_session_end(r);
	int fd = socket_open_loopback(0, true);
	if (fd < 0)
		return fd;
	struct session *ses = &r->cur;
	*ses = (struct session){ .id = ++r->sessions,
				 .client = *client,
				 .server_fd = fd,
				 .client_fd = -1 };
	/* The file name, printable, for the session line. */
	size_t n = 0;
	for (size_t i = 2; i < len && rrq[i] && n < sizeof(ses->st.file) - 1; i++)
		ses->st.file[n++] =
		    rrq[i] >= 0x20 && rrq[i] < 0x7f && rrq[i] != '"' ? (char)rrq[i] : '?';
	ses->st.file[n] = '\0';
	return 0;
}

static unsigned packet_opcode(const uint8_t *p, size_t len)
{
	return len >= 2 ? (unsigned)p[0] << 8 | p[1] : 0;
}

static unsigned packet_block(const uint8_t *p, size_t len)
{
	return len >= 4 ? (unsigned)p[2] << 8 | p[3] : 0;
}

/* Count what the client sent (on C). */
static void relay_count_from_client(struct relay *r, const uint8_t *p, size_t len)
{
	struct session_stats *s = &r->cur.st;
	unsigned op = packet_opcode(p, len);
	if (op == TFTP_ACK) {
		uint16_t block = (uint16_t)packet_block(p, len);
		if (s->acks && block == s->last_ack)
			s->acks_repeated++;
		s->acks++;
		s->last_ack = block;
	} else if (op == TFTP_ERROR) {
		s->client_errors++;
	}
}

/* Count what the server sent (on S). */
static void relay_count_from_server(struct relay *r, const uint8_t *p, size_t len)
{
	struct session_stats *s = &r->cur.st;
	unsigned op = packet_opcode(p, len);
	if (op == TFTP_DATA) {
		uint16_t wire = (uint16_t)packet_block(p, len);
		int16_t delta = (int16_t)(uint16_t)(wire - (uint16_t)s->highest_block);
		if (s->data && delta <= 0)
			s->data_resent++;
		else
			s->highest_block += (uint64_t)(int64_t)delta;
		s->data++;
		s->data_bytes += len - 4;
	} else if (op == TFTP_OACK) {
		s->oacks++;
	} else if (op == TFTP_ERROR) {
		s->server_errors++;
	} else {
		s->other++;
	}
}

/* Decide about a datagram from from, read on fd: true to hold it (to_server_port set for a
 * read request), false to drop it. May start a session or fix the server's TID. */
static bool relay_accept(struct relay *r, int fd, const struct sockaddr_in *from,
			 const uint8_t *p, size_t len, bool *to_server_port)
{
	struct session *ses = &r->cur;
	*to_server_port = false;
	if (fd == r->listen_fd) {
		if (packet_opcode(p, len) != TFTP_RRQ)
			return false;
		/* The same request again before the server answered: the same session. */
		bool again = ses->id && !ses->have_tid && addr_same(from, &ses->client);
		if (!again && relay_session_start(r, from, p, len) < 0)
			return false;
		ses->st.rrq++;
		*to_server_port = true;
		return true;
	}
	if (fd == ses->client_fd) {
		if (!addr_same(from, &ses->client))
			return false;
		relay_count_from_client(r, p, len);
		return true;
	}
	/* fd == ses->server_fd */
	if (from->sin_addr.s_addr != r->server.sin_addr.s_addr)
		return false;
	if (!ses->have_tid) {
		int c = socket_open_loopback(0, true);
		if (c < 0)
			return false;
		ses->client_fd = c;
		ses->server_tid = *from;
		ses->have_tid = true;
	} else if (!addr_same(from, &ses->server_tid)) {
		return false;
	}
	relay_count_from_server(r, p, len);
	return true;
}

/* Read what fd has into q (the session's packets towards the other side). */
static void relay_take(struct relay *r, int fd, struct queue *q)
{
	for (;;) {
		unsigned tail = (q->head + q->count) % DELAY_SLOTS;
		unsigned room = DELAY_SLOTS - q->count;
		if (room > DELAY_SLOTS - tail)
			room = DELAY_SLOTS - tail; /* contiguous slots only */
		if (room > DELAY_BATCH)
			room = DELAY_BATCH;
		if (room == 0) {
			/* The queue is full: read and drop, as a full link queue does. */
			if (recv(fd, r->scratch, sizeof(r->scratch), MSG_DONTWAIT) < 0)
				return;
			r->dropped_full++;
			continue;
		}
		struct mmsghdr msgs[DELAY_BATCH];
		struct iovec iov[DELAY_BATCH];
		struct sockaddr_in from[DELAY_BATCH];
		for (unsigned i = 0; i < room; i++) {
			iov[i] = (struct iovec){ .iov_base = q->data[tail + i],
						 .iov_len = DELAY_DATAGRAM_MAX };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							   .msg_namelen = sizeof(from[i]),
							   .msg_iov = &iov[i],
							   .msg_iovlen = 1 };
		}
		int n = recvmmsg(fd, msgs, room, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN, or an ICMP error queued on the socket: nothing to hold */
		int64_t due = now_ns() + r->delay_ns;
		unsigned kept = 0;
		for (int i = 0; i < n; i++) {
			const uint8_t *p = q->data[tail + (unsigned)i];
			size_t len = msgs[i].msg_len;
			bool to_server_port;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				r->dropped_long++;
				continue;
			}
			if (!relay_accept(r, fd, &from[i], p, len, &to_server_port)) {
				r->dropped_foreign++;
				continue;
			}
			unsigned slot = tail + kept;
			if (slot != tail + (unsigned)i)
				memcpy(q->data[slot], p, len);
			r->cur.held++;
			q->held[slot] = (struct held){ .due_ns = due,
						       .session = r->cur.id,
						       .to_server_port = to_server_port,
						       .len = len };
			kept++;
		}
		q->count += kept;
		if ((unsigned)n < room)
			return;
		/* A session may have started in this batch: the next batch comes from the
		 * same socket, which is still the one to read. */
	}
}

/* The session a held datagram belongs to, or NULL when it is over. */
static struct session *relay_session_of(struct relay *r, const struct held *h)
{
	if (h->session == r->cur.id)
		return &r->cur;
	if (h->session == r->prev.id)
		return &r->prev;
	return NULL;
}

/* Send what is due in q: batches of consecutive datagrams of one session. */
static void relay_send_due(struct relay *r, struct queue *q, bool to_server, int64_t now)
{
	while (q->count && q->held[q->head].due_ns <= now) {
		struct mmsghdr msgs[DELAY_BATCH];
		struct iovec iov[DELAY_BATCH];
		struct session *ses = relay_session_of(r, &q->held[q->head]);
		unsigned taken = 0, n = 0;
		while (taken < q->count && n < DELAY_BATCH) {
			unsigned slot = (q->head + taken) % DELAY_SLOTS;
			const struct held *h = &q->held[slot];
			if (h->due_ns > now || relay_session_of(r, h) != ses)
				break;
			taken++;
			int fd = !ses ? -1 : to_server ? ses->server_fd : ses->client_fd;
			if (ses)
				ses->held--;
			if (fd < 0) {
				r->dropped_stale++;
				continue;
			}
			const struct sockaddr_in *to = !to_server	   ? &ses->client
						       : h->to_server_port ? &r->server
									   : &ses->server_tid;
			iov[n] = (struct iovec){ .iov_base = q->data[slot], .iov_len = h->len };
			msgs[n].msg_hdr = (struct msghdr){ .msg_name = (void *)to,
							   .msg_namelen = sizeof(*to),
							   .msg_iov = &iov[n],
							   .msg_iovlen = 1 };
			n++;
		}
		unsigned sent = 0;
		while (sent < n) {
			int k = sendmmsg(to_server ? ses->server_fd : ses->client_fd, msgs + sent,
					 n - sent, MSG_DONTWAIT);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				/* A full send buffer, or an ICMP error from an earlier send:
				 * this datagram is lost, the next ones may go. */
				r->dropped_send++;
				sent++;
				continue;
			}
			sent += (unsigned)k;
		}
		q->head = (q->head + taken) % DELAY_SLOTS;
		q->count -= taken;
	}
	if (r->prev.id && !r->prev.held)
		session_close(&r->prev);
}

static int relay_run(struct relay *r)
{
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake when due, not up to 50 µs later */
	sigset_t block, during_poll;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	struct sigaction sa = { .sa_handler = relay_on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* After SIGTERM, no more reading: what is held goes out when due, then the end. */
	for (;;) {
		int64_t now = now_ns();
		relay_send_due(r, &r->to_server, true, now);
		relay_send_due(r, &r->to_client, false, now);
		if (relay_stop && !r->to_server.count && !r->to_client.count)
			break;

		int64_t next = -1;
		if (r->to_server.count)
			next = r->to_server.held[r->to_server.head].due_ns;
		if (r->to_client.count) {
			int64_t d = r->to_client.held[r->to_client.head].due_ns;
			if (next < 0 || d < next)
				next = d;
		}
		/* Sleep until a little before the next packet is due (the timer is late), then
		 * poll without sleeping until it is due. */
		struct timespec wait, *timeout = NULL;
		int64_t wake_at = -1;
		if (next >= 0) {
			int64_t ns = next - r->wake_late_ns - now_ns();
			if (ns < 0)
				ns = 0;
			else
				wake_at = now_ns() + ns;
			wait = (struct timespec){ .tv_sec = ns / 1000000000,
						  .tv_nsec = ns % 1000000000 };
			timeout = &wait;
		}
		bool reading = !relay_stop;
		struct pollfd p[3] = {
			{ .fd = reading ? r->listen_fd : -1, .events = POLLIN },
			{ .fd = reading ? r->cur.server_fd : -1, .events = POLLIN },
			{ .fd = reading ? r->cur.client_fd : -1, .events = POLLIN },
		};
		int n = ppoll(p, 3, timeout, &during_poll);
		if (n < 0 && errno != EINTR) {
			perror("udp-delay: ppoll");
			return -1;
		}
		if (n == 0 && wake_at >= 0) {
			int64_t late = now_ns() - wake_at;
			r->wake_late_ns += (late - r->wake_late_ns) / 8;
			if (r->wake_late_ns < 0)
				r->wake_late_ns = 0;
			if (r->wake_late_ns > DELAY_WAKE_LATE_MAX_NS)
				r->wake_late_ns = DELAY_WAKE_LATE_MAX_NS;
		}
		if (n <= 0)
			continue;
		/* The fds as they were polled: reading may start a session and close them. */
		int server_fd = r->cur.server_fd, client_fd = r->cur.client_fd;
		if (p[2].revents && client_fd >= 0)
			relay_take(r, client_fd, &r->to_server);
		if (p[1].revents && server_fd >= 0 && server_fd == r->cur.server_fd)
			relay_take(r, server_fd, &r->to_client);
		if (p[0].revents)
			relay_take(r, r->listen_fd, &r->to_server);
	}
	relay_session_end(r);
	session_close(&r->prev);
	if (!r->quiet)
		fprintf(stderr,
			"udp-delay: %u sessions; dropped: %llu queue full, %llu too long, %llu from "
			"elsewhere, %llu of an ended session, %llu not sent\n",
			r->sessions, (unsigned long long)r->dropped_full,
			(unsigned long long)r->dropped_long, (unsigned long long)r->dropped_foreign,
			(unsigned long long)r->dropped_stale, (unsigned long long)r->dropped_send);
	return 0;
}

static void relay_free(struct relay *r)
{
	if (!r)
		return;
	free(r->to_server.data);
	free(r->to_client.data);
	free(r);
}

static struct relay *relay_new(int listen_fd, unsigned server_port, int64_t delay_ns, bool quiet)
{
	struct relay *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->listen_fd = listen_fd;
	r->server = loopback_addr(server_port);
	r->delay_ns = delay_ns;
	r->quiet = quiet;
	r->wake_late_ns = DELAY_WAKE_LATE_NS;
	r->cur = r->prev = (struct session){ .server_fd = -1, .client_fd = -1 };
	if (queue_init(&r->to_server) < 0 || queue_init(&r->to_client) < 0) {
		relay_free(r);
		return NULL;
	}
	return r;
}

/* ---- the self-test ------------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A blocking socket that gives up on a receive after PING_WAIT_S. */
static int ping_socket(void)
{
	int fd = socket_open_loopback(0, false);
	if (fd < 0)
		return fd;
	struct timeval tv = { .tv_sec = PING_WAIT_S };
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void put_header(uint8_t *p, unsigned opcode, unsigned block)
{
	p[0] = (uint8_t)(opcode >> 8);
	p[1] = (uint8_t)opcode;
	p[2] = (uint8_t)(block >> 8);
	p[3] = (uint8_t)block;
}

/* count timed round trips from a new client socket to port (the echo server's own port or a
 * relay's), answered by echo_fd, into ret_rtt_ns (sorted). 0, or -1 when one was lost. */
static int ping_series(int echo_fd, unsigned port, unsigned count, int64_t *ret_rtt_ns)
{
	int client = ping_socket(), tid = ping_socket();
	int r = -1;
	if (client < 0 || tid < 0)
		goto out;
	/* The "read request", answered from the echo server's TID socket. */
	uint8_t pkt[12] = { 0 }, in[64];
	static const char rrq[] = "\0\1ping\0octet";
	struct sockaddr_in to = loopback_addr(port), from, server;
	socklen_t len = sizeof(from);
	if (sendto(client, rrq, sizeof(rrq), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    recvfrom(echo_fd, in, sizeof(in), 0, (struct sockaddr *)&from, &len) < 0)
		goto out;
	put_header(pkt, TFTP_DATA, 0);
	len = sizeof(server);
	if (sendto(tid, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, sizeof(from)) < 0 ||
	    recvfrom(client, in, sizeof(in), 0, (struct sockaddr *)&server, &len) < 0)
		goto out;
	for (unsigned i = 0; i < count + PING_WARMUP; i++) {
		int64_t t0 = now_ns();
		put_header(pkt, TFTP_ACK, i);
		len = sizeof(from);
		if (sendto(client, pkt, sizeof(pkt), 0, (struct sockaddr *)&server,
			   sizeof(server)) < 0 ||
		    recvfrom(tid, in, sizeof(in), 0, (struct sockaddr *)&from, &len) < 0)
			goto out;
		put_header(pkt, TFTP_DATA, i + 1);
		if (sendto(tid, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, len) < 0 ||
		    recv(client, in, sizeof(in), 0) < 0)
			goto out;
		if (i >= PING_WARMUP)
			ret_rtt_ns[i - PING_WARMUP] = now_ns() - t0;
	}
	qsort(ret_rtt_ns, count, sizeof(*ret_rtt_ns), cmp_i64);
	r = 0;
out:
	if (client >= 0)
		close(client);
	if (tid >= 0)
		close(tid);
	return r;
}

/* One series through a relay child with delay_ns; sorted RTTs into rtt. */
static int ping_through_relay(int echo_fd, int64_t delay_ns, unsigned count, int64_t *rtt)
{
	int listen_fd = socket_open_loopback(0, true);
	if (listen_fd < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct relay *r = relay_new(listen_fd, socket_port(echo_fd), delay_ns, true);
		int rc = r && relay_run(r) == 0 ? 0 : 1;
		relay_free(r);
		_exit(rc);
	}
	int res = ping_series(echo_fd, socket_port(listen_fd), count, rtt);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(listen_fd);
	return res;
}

static void ping_print(const char *label, unsigned count, const int64_t *rtt)
{
	printf("  %-26s %6u round trips   median %8.1f µs   p90 %8.1f µs   p99 %8.1f µs", label,
	       count, (double)rtt[count / 2] / 1e3, (double)rtt[count * 9 / 10] / 1e3,
	       (double)rtt[count * 99 / 100] / 1e3);
}

static int selftest(int64_t delay_ns, unsigned count)
{
	int echo_fd = ping_socket();
	int64_t *direct = calloc(count, sizeof(*direct));
	int64_t *relayed = calloc(count, sizeof(*relayed));
	if (echo_fd < 0 || !direct || !relayed) {
		fprintf(stderr, "udp-delay selftest: no socket or no memory\n");
		return 1;
	}
	printf("udp-delay selftest: ping-pong of 12-byte datagrams on 127.0.0.1 (one process is "
	       "client and\n  echo server); through the relay each round trip passes it twice\n");
	if (ping_series(echo_fd, socket_port(echo_fd), count, direct) < 0) {
		fprintf(stderr, "udp-delay selftest: a datagram was lost on loopback\n");
		return 1;
	}
	ping_print("direct (no relay)", count, direct);
	printf("\n");
	double base_us = (double)direct[count / 2] / 1e3;

	int64_t delays[2] = { 0, delay_ns };
	for (unsigned k = 0; k < (delay_ns ? 2u : 1u); k++) {
		unsigned n = count;
		if (delays[k]) {
			int64_t fit = PING_DELAYED_NS / (2 * delays[k]);
			n = fit < PING_COUNT_MIN ? PING_COUNT_MIN : fit < n ? (unsigned)fit : n;
		}
		if (ping_through_relay(echo_fd, delays[k], n, relayed) < 0) {
			fprintf(stderr, "udp-delay selftest: no answer through the relay\n");
			return 1;
		}
		char label[64];
		snprintf(label, sizeof(label), "relay, D = %.3f ms", (double)delays[k] / 1e6);
		ping_print(label, n, relayed);
		double pass_us = ((double)relayed[n / 2] / 1e3 - base_us) / 2;
		printf("\n  %-26s one pass through it takes %.1f µs: D + %.1f µs\n", "",
		       pass_us, pass_us - (double)delays[k] / 1e3);
	}
	free(direct);
	free(relayed);
	close(echo_fd);
	return 0;
}

/* ---- command line ------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: udp-delay relay --server PORT [--listen PORT] [--delay-us N] "
			"[--quiet]\n"
			"       udp-delay selftest [--delay-us N] [--count N]\n");
	return 2;
}

/* A decimal number from 0 to max, nothing else. */
static int parse_number(const char *s, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	bool relay_mode = !strcmp(argv[1], "relay");
	if (!relay_mode && strcmp(argv[1], "selftest"))
		return usage();
	long listen_port = 0, server_port = -1, delay_us = 0, count = PING_COUNT_DEFAULT;
	bool quiet = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		int r = 0;
		if (!strcmp(a, "--listen") && more && relay_mode)
			r = parse_number(argv[++i], 65535, &listen_port);
		else if (!strcmp(a, "--server") && more && relay_mode)
			r = parse_number(argv[++i], 65535, &server_port);
		else if (!strcmp(a, "--delay-us") && more)
			r = parse_number(argv[++i], DELAY_US_MAX, &delay_us);
		else if (!strcmp(a, "--count") && more && !relay_mode)
			r = parse_number(argv[++i], PING_COUNT_MAX, &count);
		else if (!strcmp(a, "--quiet") && relay_mode)
			quiet = true;
		else
			return usage();
		if (r < 0)
			return usage();
	}
	if (!relay_mode)
		return selftest(delay_us * 1000, count < PING_COUNT_MIN ? PING_COUNT_MIN
									 : (unsigned)count);
	if (server_port <= 0)
		return usage();

	int listen_fd = socket_open_loopback((unsigned)listen_port, true);
	if (listen_fd < 0) {
		fprintf(stderr, "udp-delay: cannot listen on 127.0.0.1 port %ld: %s\n", listen_port,
			strerror(-listen_fd));
		return 1;
	}
	struct relay *r = relay_new(listen_fd, (unsigned)server_port, delay_us * 1000, quiet);
	if (!r) {
		fprintf(stderr, "udp-delay: out of memory\n");
		return 1;
	}
	printf("%u\n", socket_port(listen_fd));
	fflush(stdout);
	int rc = relay_run(r) == 0 ? 0 : 1;
	relay_free(r);
	close(listen_fd);
	return rc;
}
