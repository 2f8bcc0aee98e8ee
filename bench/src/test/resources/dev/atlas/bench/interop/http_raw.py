#!/usr/bin/env python3
"""Raw HTTP peer for the semantics suite. For each exchange, in order and each on a new
connection: sends the bytes of REQUEST_FILE, then stores everything the server sends in
RESPONSE_FILE until the server closes, resets, or IDLE seconds pass without data. Prints one line
per exchange saying how it ended and how many bytes arrived: "eof N", "reset N" or "idle N".

With CHUNK > 0 the request goes out in pieces of CHUNK bytes, 2 ms apart, with Nagle off, so the
server sees requests cut at arbitrary points across TCP segments. With CHUNK = -1 it goes out in
one write followed by a FIN (the client half-closes, as `nc -N` does).

Many exchanges share one interpreter start, which costs far more than an exchange.

Usage: http_raw.py HOST PORT (REQUEST_FILE RESPONSE_FILE IDLE CHUNK)...
"""
import socket
import sys
import time


def exchange(host: str, port: int, request: bytes, idle: float, chunk: int) -> tuple:
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    received = bytearray()
    try:
        if chunk > 0:
            for at in range(0, len(request), chunk):
                s.sendall(request[at:at + chunk])
                time.sleep(0.002)
        else:
            s.sendall(request)
            if chunk < 0:
                s.shutdown(socket.SHUT_WR)
    except (ConnectionResetError, BrokenPipeError):
        # The server may answer and close before it has read everything (e.g. 431): read on.
        pass
    s.settimeout(idle)
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                return "eof", received
            received += data
    except socket.timeout:
        return "idle", received
    except ConnectionResetError:
        return "reset", received
    finally:
        s.close()


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    specs = sys.argv[3:]
    if not specs or len(specs) % 4 != 0:
        sys.exit("usage: http_raw.py HOST PORT (REQUEST_FILE RESPONSE_FILE IDLE CHUNK)...")
    for i in range(0, len(specs), 4):
        request_file, response_file, idle, chunk = specs[i], specs[i + 1], float(specs[i + 2]), int(specs[i + 3])
        with open(request_file, "rb") as f:
            request = f.read()
        ending, received = exchange(host, port, request, idle, chunk)
        with open(response_file, "wb") as f:
            f.write(received)
        print(ending, len(received), flush=True)


if __name__ == "__main__":
    main()
