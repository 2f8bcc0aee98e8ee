#!/usr/bin/env python3
"""Deep-pipelining peer: sends every request of REQUEST_FILE on one connection while a second
thread reads the answers (a client that wrote everything before reading could wait forever: its
own receive buffer fills with answers while the server waits for room), and stores what arrives
in RESPONSE_FILE until the server closes, resets, or IDLE seconds pass without data.

PIECE 0 hands all requests to the socket in one write (sendall); PIECE > 0 cuts them into pieces
of 1..PIECE bytes (sizes from a random generator seeded with SEED) sent back to back with Nagle
off, so requests are split at arbitrary points across segments.

Prints "<ending> <bytes received> <seconds>", ending being eof, reset or idle.
Usage: http_pipeline.py HOST PORT REQUEST_FILE RESPONSE_FILE IDLE PIECE SEED
"""
import random
import socket
import sys
import threading
import time


def send(s: socket.socket, request: bytes, piece: int, seed: int, failed: list) -> None:
    try:
        if piece <= 0:
            s.sendall(request)
            return
        rng = random.Random(seed)
        at = 0
        while at < len(request):
            n = rng.randint(1, piece)
            s.sendall(request[at:at + n])
            at += n
    except OSError as e:  # the server may close after the last answer before every byte was read
        failed.append(str(e))


def main() -> None:
    host, port, request_file, response_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    idle, piece, seed = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    with open(request_file, "rb") as f:
        request = f.read()
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    failed = []
    started = time.monotonic()
    sender = threading.Thread(target=send, args=(s, request, piece, seed, failed), daemon=True)
    sender.start()
    received = bytearray()
    s.settimeout(idle)
    ending = "eof"
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            received += data
    except socket.timeout:
        ending = "idle"
    except ConnectionResetError:
        ending = "reset"
    seconds = time.monotonic() - started
    sender.join(5)
    s.close()
    with open(response_file, "wb") as f:
        f.write(received)
    print(ending, len(received), "%.3f" % seconds, *(["send-error:", failed[0].replace(" ", "_")] if failed else []),
          flush=True)


if __name__ == "__main__":
    main()
