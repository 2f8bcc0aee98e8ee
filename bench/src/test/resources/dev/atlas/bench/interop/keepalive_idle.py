#!/usr/bin/env python3
"""Idle keep-alive clients for the drain test.

Usage: keepalive_idle.py HOST PORT COUNT PATH WAIT_SECONDS

Opens COUNT connections, sends one GET for PATH on each and reads the whole response (its
status must be 200 and the connection must stay open: HTTP/1.1 keep-alive). Prints
"open COUNT" once all are idle, then waits up to WAIT_SECONDS for the server to end each one
and prints "closed I eof|reset SECONDS" per connection (or "open I after SECONDS" if the server
kept it). Exit 0 when every connection was ended by the server, 1 otherwise.
"""
import socket
import sys
import time


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"connection" and value.strip().lower() == b"close":
            raise RuntimeError("server answered Connection: close; wanted keep-alive")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed inside the body")
        body += chunk
    return status


def main():
    host, port, count, path, wait = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    socks = []
    for i in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: atlas\r\n\r\n" % path).encode("ascii"))
        status = read_response(s)
        if status != 200:
            print("connection %d got status %d" % (i, status), flush=True)
            return 1
        socks.append(s)
    print("open %d" % count, flush=True)
    start = time.monotonic()
    ended = 0
    for i, s in enumerate(socks):
        left = wait - (time.monotonic() - start)
        s.settimeout(max(left, 0.01))
        try:
            data = s.recv(1)
            if data:
                print("data %d after %.2f" % (i, time.monotonic() - start), flush=True)
                continue
            print("closed %d eof %.2f" % (i, time.monotonic() - start), flush=True)
            ended += 1
        except ConnectionResetError:
            print("closed %d reset %.2f" % (i, time.monotonic() - start), flush=True)
            ended += 1
        except socket.timeout:
            print("open %d after %.2f" % (i, time.monotonic() - start), flush=True)
    print("ended %d of %d" % (ended, count), flush=True)
    return 0 if ended == count else 1


if __name__ == "__main__":
    sys.exit(main())
