#!/usr/bin/env python3
"""A client that gives up mid-download, COUNT times, each on a new connection: GET PATH, read at
least FIRST bytes of the body, then close with SO_LINGER 0, so its kernel resets the connection
(RST) while the response is in flight. Prints "aborted <body bytes read>" per download, or
"FAIL <reason>".

Usage: abort_get.py HOST PORT PATH FIRST COUNT
"""
import socket
import struct
import sys


def abort_one(host: str, port: int, path: str, first: int) -> int:
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(("GET %s HTTP/1.1\r\nHost: atlas\r\n\r\n" % path).encode("ascii"))
    data = b""
    while b"\r\n\r\n" not in data or len(data) - data.index(b"\r\n\r\n") - 4 < first:
        chunk = s.recv(65536)
        if not chunk:
            print("FAIL the server closed first", flush=True)
            return 1
        data += chunk
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("aborted", len(data) - data.index(b"\r\n\r\n") - 4, flush=True)
    return 0


def main() -> int:
    host, port, path, first, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    for _ in range(count):
        if abort_one(host, port, path, first) != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
