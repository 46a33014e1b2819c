#!/usr/bin/env python3
"""hostile_httpd.py — an HTTP/1.1 server on loopback that misbehaves on purpose, for
tests/integration/http/run.sh. One thread per connection.

usage: hostile_httpd.py PORT_FILE
Binds 127.0.0.1 on a free port, writes the port number to PORT_FILE, serves until killed.

Paths (ID is any token, so each test run has its own counters):
  /good                 DATA (1 MiB, deterministic), correct
  /corrupt              DATA with one byte flipped in the middle
  /drop                 Content-Length: 1 MiB, 256 KiB of it, then a TCP reset
  /truncated            Content-Length: 1 MiB, half of it, then a clean close
  /drop-once?ID         first request: as /drop; then DATA
  /endless              chunked, never ends
  /slow                 Content-Length: 1 MiB, then 10 bytes a second
  /silent               accepts the request, never answers
  /error-endless        404 with an endless chunked body
  /huge                 Content-Length: 16 GiB, then DATA over and over
  /busy?ID              first request: 503, Retry-After: 1 (body "busy"); then DATA
  /busy-date?ID         first request: 429, Retry-After as an HTTP-date 2 s ahead; then DATA
  /keepalive?ID         first request: 503, empty body, connection kept; then DATA
  /fail?ID              500 always
  /status/NNN?ID        status NNN with a short body (counted under ID)
  /chunked-cut          chunked, 256 KiB in chunks, then a clean close before the last chunk
  /close-delimited      DATA with neither Content-Length nor chunking: ends at the close
  /close-cut            the same, but only half of DATA: indistinguishable from success
  /count?ID             "REQUESTS CONNECTIONS" seen for ID (plain text)
"""
import email.utils
import hashlib
import os
import socket
import socketserver
import struct
import sys
import threading
import time

MIB = 1 << 20


def make_data(size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"kxboot-hostile-%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


DATA = make_data(MIB)
CORRUPT = bytearray(DATA)
CORRUPT[len(DATA) // 2] ^= 0x01
CORRUPT = bytes(CORRUPT)

lock = threading.Lock()
requests = {}     # ID -> number of requests
connections = {}  # ID -> set of client ports


def seen(key, port):
    with lock:
        requests[key] = requests.get(key, 0) + 1
        connections.setdefault(key, set()).add(port)
        return requests[key]


def head(status, reason, headers):
    lines = ["HTTP/1.1 %d %s" % (status, reason)]
    lines += ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Handler(socketserver.BaseRequestHandler):
    def read_request(self, buf):
        """One request head (bounded); returns (path, rest of buffer) or (None, _)."""
        while b"\r\n\r\n" not in buf:
            if len(buf) > 65536:
                return None, b""
            chunk = self.request.recv(65536)
            if not chunk:
                return None, b""
            buf += chunk
        headpart, rest = buf.split(b"\r\n\r\n", 1)
        line = headpart.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3:
            return None, b""
        return parts[1], rest

    def handle(self):
        sock = self.request
        port = self.client_address[1]
        buf = b""
        try:
            while True:
                path, buf = self.read_request(buf)
                if path is None:
                    return
                if not self.respond(sock, path, port):
                    return
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            return

    def send_data(self, sock, data, extra=()):
        sock.sendall(head(200, "OK", [("Content-Length", len(data)),
                                      ("Content-Type", "application/octet-stream"),
                                      ("Connection", "close")] + list(extra)) + data)

    def respond(self, sock, path, port):
        """Answer one request; True to keep the connection for another."""
        name, _, key = path.partition("?")
        if name == "/good":
            self.send_data(sock, DATA)
        elif name == "/corrupt":
            self.send_data(sock, CORRUPT)
        elif name == "/drop" or (name == "/drop-once" and seen(key, port) == 1):
            sock.sendall(head(200, "OK", [("Content-Length", MIB), ("Connection", "close")]))
            sock.sendall(DATA[:256 * 1024])
            time.sleep(0.1)
            # SO_LINGER 0: close() sends a RST instead of a FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        elif name == "/drop-once":
            self.send_data(sock, DATA)
        elif name == "/truncated":
            sock.sendall(head(200, "OK", [("Content-Length", MIB), ("Connection", "close")]))
            sock.sendall(DATA[:MIB // 2])
            sock.shutdown(socket.SHUT_WR)
        elif name == "/endless":
            sock.sendall(head(200, "OK", [("Transfer-Encoding", "chunked")]))
            chunk = b"%x\r\n" % len(DATA) + DATA + b"\r\n"
            while True:
                sock.sendall(chunk)
        elif name == "/slow":
            sock.sendall(head(200, "OK", [("Content-Length", MIB), ("Connection", "close")]))
            for i in range(MIB // 10):
                sock.sendall(DATA[i * 10:(i + 1) * 10])
                time.sleep(1)
        elif name == "/silent":
            time.sleep(3600)
        elif name == "/error-endless":
            sock.sendall(head(404, "Not Found", [("Transfer-Encoding", "chunked")]))
            chunk = b"%x\r\n" % len(DATA) + DATA + b"\r\n"
            while True:
                sock.sendall(chunk)
        elif name == "/huge":
            sock.sendall(head(200, "OK", [("Content-Length", 16 << 30), ("Connection", "close")]))
            while True:
                sock.sendall(DATA)
        elif name == "/busy":
            if seen(key, port) == 1:
                body = b"busy\n"
                sock.sendall(head(503, "Service Unavailable",
                                  [("Retry-After", "1"), ("Content-Length", len(body)),
                                   ("Connection", "close")]) + body)
            else:
                self.send_data(sock, DATA)
        elif name == "/busy-date":
            if seen(key, port) == 1:
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                sock.sendall(head(429, "Too Many Requests",
                                  [("Retry-After", when), ("Content-Length", 0),
                                   ("Connection", "close")]))
            else:
                self.send_data(sock, DATA)
        elif name == "/keepalive":
            if seen(key, port) == 1:
                sock.sendall(head(503, "Service Unavailable", [("Content-Length", 0)]))
                return True
            self.send_data(sock, DATA)
        elif name == "/fail":
            seen(key, port)
            body = b"always failing\n"
            sock.sendall(head(500, "Internal Server Error",
                              [("Content-Length", len(body)), ("Connection", "close")]) + body)
        elif name.startswith("/status/") and name[8:].isdigit():
            seen(key, port)
            body = b"status %s\n" % name[8:].encode()
            sock.sendall(head(int(name[8:]), "Status", [("Content-Length", len(body)),
                                                        ("Connection", "close")]) + body)
        elif name == "/chunked-cut":
            sock.sendall(head(200, "OK", [("Transfer-Encoding", "chunked"),
                                          ("Connection", "close")]))
            for i in range(4):
                part = DATA[i * 65536:(i + 1) * 65536]
                sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            sock.shutdown(socket.SHUT_WR)
        elif name in ("/close-delimited", "/close-cut"):
            sock.sendall(head(200, "OK", [("Connection", "close")]))
            sock.sendall(DATA if name == "/close-delimited" else DATA[:len(DATA) // 2])
            sock.shutdown(socket.SHUT_WR)
        elif name == "/count":
            with lock:
                body = b"%d %d\n" % (requests.get(key, 0), len(connections.get(key, ())))
            sock.sendall(head(200, "OK", [("Content-Length", len(body)),
                                          ("Connection", "close")]) + body)
        else:
            body = b"no such path\n"
            sock.sendall(head(404, "Not Found", [("Content-Length", len(body)),
                                                 ("Connection", "close")]) + body)
        return False


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: hostile_httpd.py PORT_FILE")
    server = Server(("127.0.0.1", 0), Handler)
    port_file = sys.argv[1]
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
