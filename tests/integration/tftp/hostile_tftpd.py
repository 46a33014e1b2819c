#!/usr/bin/env python3
"""hostile_tftpd.py — a TFTP server on loopback that misbehaves on purpose, for kxboot's tests.

    hostile_tftpd.py --port P --root DIR [--ready FILE] [--log FILE] [--timeout S]

A read request names "MODE/FILE": FILE is served from DIR, and MODE says how (see MODES).
Otherwise it is a plain RFC 1350/2347/2348/2349/7440 sender: blksize, tsize, timeout and
windowsize are granted as asked, a window is sent whole, an ACK for any block of the window
moves the window there (an ACK for the block before the window makes it start again), and a
window is sent again after --timeout seconds without an ACK (5 times at most). Each transfer
runs in its own thread on its own port. One line per transfer goes to --log.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
RETRIES = 5

MODES = {
    "normal": "well-behaved",
    "drop": "every 7th DATA packet is not sent, each block at most once",
    "nowindow": "windowsize is left out of the OACK (lockstep)",
    "plain": "no options at all: DATA 1 answers the request (512-byte blocks)",
    "refuse": "ERROR 8 to a request with options; a request without options is served",
    "errormid": "ERROR 0 instead of block 6",
    "wrongport": "each DATA comes first, corrupted, from another port",
    "dup": "every OACK and DATA is sent twice",
    "endless": "no tsize; full blocks that never end",
    "truncate": "nothing after block 10, socket kept open",
    "vanish": "the transfer's socket is closed after block 10",
    "badoack": "the OACK carries an option that was not asked for",
    "bigblock": "blocks longer than the blksize granted",
    "bigtsize": "tsize says 100 GB",
    "deaf": "every 5th ACK that would move the window is not heard (once per block)",
}


def log(args, line):
    if args.log:
        with open(args.log, "a") as f:
            f.write(line + "\n")


def parse_request(pkt):
    """(filename, {option: value}) of an RRQ, or None."""
    if len(pkt) < 4 or struct.unpack("!H", pkt[:2])[0] != RRQ:
        return None
    parts = pkt[2:].split(b"\0")
    if len(parts) < 3:
        return None
    name = parts[0].decode("latin-1")
    opts = {}
    rest = parts[2:-1]
    for i in range(0, len(rest) - 1, 2):
        opts[rest[i].decode("latin-1").lower()] = rest[i + 1].decode("latin-1")
    return name, opts


def error_packet(code, msg):
    return struct.pack("!HH", ERROR, code) + msg.encode() + b"\0"


class Transfer:
    def __init__(self, args, family, client, mode, path, opts):
        self.args, self.client, self.mode, self.opts = args, client, mode, opts
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((args.host, 0))
        self.sock.settimeout(args.timeout)
        self.evil = None
        if mode == "wrongport":
            self.evil = socket.socket(family, socket.SOCK_DGRAM)
            self.evil.bind((args.host, 0))
            self.evil.setblocking(False)
        self.data = None
        if mode != "endless":
            with open(path, "rb") as f:
                self.data = f.read()
        self.sent = 0
        self.dropped = set()
        self.unheard = set()
        self.acks = 0
        self.note = ""

    def send(self, pkt):
        self.sock.sendto(pkt, self.client)

    def block(self, n):
        if self.data is None:
            return b"A" * self.blksize
        return self.data[(n - 1) * self.blksize:n * self.blksize]

    def send_block(self, n):
        payload = self.block(n)
        if self.mode == "bigblock":
            payload = payload + b"B" * 100
        pkt = struct.pack("!HH", DATA, n & 0xFFFF) + payload
        self.sent += 1
        if self.mode == "drop" and self.sent % 7 == 0 and n not in self.dropped:
            self.dropped.add(n)
            return
        if self.evil is not None and self.acked_once:
            bad = struct.pack("!HH", DATA, n & 0xFFFF) + bytes(b ^ 0x55 for b in payload)
            self.evil.sendto(bad, self.client)
        self.send(pkt)
        if self.mode == "dup":
            self.send(pkt)

    def wait_ack(self, base, end):
        """The block an ACK moves the window to (absolute), 'error', or None on timeout."""
        deadline = time.monotonic() + self.args.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                pkt, peer = self.sock.recvfrom(70000)
            except socket.timeout:
                return None
            if peer != self.client:
                self.sock.sendto(error_packet(5, "Unknown transfer ID"), peer)
                continue
            if len(pkt) < 4:
                continue
            op, arg = struct.unpack("!HH", pkt[:4])
            if op == ERROR:
                self.note = "client error %d %s" % (arg, pkt[4:].split(b"\0")[0].decode("latin-1"))
                return "error"
            if op != ACK:
                continue
            delta = (arg - base) & 0xFFFF
            if delta > end - base:
                continue
            if self.mode == "deaf" and delta > 0 and base + delta not in self.unheard:
                self.acks += 1
                if self.acks % 5 == 0:
                    self.unheard.add(base + delta)
                    continue
            return base + delta

    def run(self):
        try:
            self.acked_once = False
            self.serve()
        finally:
            if self.evil is not None:
                n = 0
                while True:
                    try:
                        pkt = self.evil.recv(1000)
                    except (BlockingIOError, OSError):
                        break
                    if pkt[:4] == struct.pack("!HH", ERROR, 5):
                        n += 1
                self.note += " wrongport-error5=%d" % n
                self.evil.close()
            if self.mode == "truncate":
                time.sleep(30)  # silent but there: the client must time out by itself
            self.sock.close()
            log(self.args, "mode=%s blksize=%s window=%s %s" % (
                self.mode, getattr(self, "blksize", "?"), getattr(self, "window", "?"), self.note))

    def serve(self):
        self.blksize, self.window = 512, 1
        oack = []
        if self.mode != "plain" and self.opts:
            for name, value in self.opts.items():
                if name == "blksize":
                    self.blksize = min(int(value), 65464)
                    oack.append((name, str(self.blksize)))
                elif name == "tsize" and self.mode != "endless":
                    size = 100 * 10**9 if self.mode == "bigtsize" else len(self.data)
                    oack.append((name, str(size)))
                elif name == "timeout":
                    oack.append((name, value))
                elif name == "windowsize" and self.mode != "nowindow":
                    self.window = int(value)
                    oack.append((name, value))
            if self.mode == "badoack":
                oack.append(("evil", "1"))
        if oack:
            pkt = struct.pack("!H", OACK) + b"".join(
                n.encode() + b"\0" + v.encode() + b"\0" for n, v in oack)
            for _ in range(RETRIES + 1):
                self.send(pkt)
                if self.mode == "dup":
                    self.send(pkt)
                got = self.wait_ack(0, 0)
                if got == 0:
                    break
                if got == "error":
                    return
            else:
                self.note = "no ACK 0"
                return
        self.acked_once = True
        if self.data is None:
            last = 1 << 62
        else:
            last = len(self.data) // self.blksize + 1
        base, tries = 0, 0
        while base < last:
            end = min(base + self.window, last)
            for n in range(base + 1, end + 1):
                if self.mode == "errormid" and n == 6:
                    self.send(error_packet(0, "hostile server: disk on fire"))
                    self.note = "error sent"
                    return
                if self.mode in ("truncate", "vanish") and n > 10:
                    self.note = "stopped after block 10"
                    return
                self.send_block(n)
            got = self.wait_ack(base, end)
            if got == "error":
                return
            if got is None:
                tries += 1
                if tries > RETRIES:
                    self.note = "client gone at block %d" % base
                    return
                continue
            tries = 0
            base = got
        self.note += " done %d blocks" % last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--root", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=0.3)
    args = ap.parse_args()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    active = {}
    while True:
        pkt, client = sock.recvfrom(70000)
        req = parse_request(pkt)
        if req is None:
            sock.sendto(error_packet(4, "only RRQ here"), client)
            continue
        name, opts = req
        mode, _, rest = name.lstrip("/").partition("/")
        path = os.path.join(args.root, rest)
        if mode not in MODES or not rest or (mode != "endless" and not os.path.isfile(path)):
            sock.sendto(error_packet(1, "File not found"), client)
            continue
        if mode == "refuse" and opts:
            # From a port of its own, as a server does; nothing stays open for it.
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.bind((args.host, 0))
                s.sendto(error_packet(8, "options refused"), client)
            log(args, "mode=refuse refused options")
            continue
        t = active.get(client)
        if t is not None and t.is_alive():
            continue  # the same request again: the transfer that runs answers it
        tr = Transfer(args, family, client, mode, path, opts)
        t = threading.Thread(target=tr.run, daemon=True)
        active[client] = t
        t.start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
