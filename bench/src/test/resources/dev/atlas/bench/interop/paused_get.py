#!/usr/bin/env python3
"""A download that the test holds open: GET PATH, read FIRST body bytes, then stop reading
(the server meets a zero window and keeps the response in flight) until a line arrives on
stdin, then read the rest and store the body in OUT.

Usage: paused_get.py HOST PORT PATH FIRST OUT
Prints "paused <bytes>" when it stops reading, then "done <status> <body bytes>" or
"FAIL <reason>" (a reset too). Exit 0 when the whole body (Content-Length bytes) arrived.
"""
import socket
import sys


def main():
    host, port, path, first, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(120)
    s.connect((host, port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: atlas\r\nConnection: close\r\n\r\n" % path).encode("ascii"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            print("FAIL connection closed before the response head", flush=True)
            return 1
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = -1
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    with open(out, "wb") as f:
        f.write(body)
        got = len(body)
        while got < first and got != length:
            chunk = s.recv(65536)
            if not chunk:
                break
            f.write(chunk)
            got += len(chunk)
        print("paused %d" % got, flush=True)
        sys.stdin.readline()
        while got != length:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            f.write(chunk)
            got += len(chunk)
    s.close()
    if got != length:
        print("FAIL status %d, got %d of %d body bytes" % (status, got, length), flush=True)
        return 1
    print("done %d %d" % (status, got), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print("FAIL %s" % e, flush=True)
        sys.exit(1)
