#!/usr/bin/env python3
"""Zero-window reader for the interop tests: asks for BYTES of the pattern with a small receive
buffer, reads FIRST bytes, stops reading for PAUSE seconds (the server sees a zero window and must
probe), then reads the rest and checks every byte (byte i is i mod 251).
Usage: slow_reader.py HOST PORT BYTES FIRST PAUSE. Prints 'OK <bytes>' or 'FAIL <reason>'.
"""
import socket
import sys
import time

MOD = 251
TABLE = bytes(i % MOD for i in range(MOD * 300))


def main() -> int:
    host, port, total, first, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(60)
    s.connect((host, port))
    s.sendall(f"GET /pattern/{total} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            print("FAIL connection closed before the response head")
            return 1
        head += chunk
    head, body = head.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        print("FAIL status line " + head.split(b"\r\n")[0].decode(errors="replace"))
        return 1
    position = 0
    paused = False
    while True:
        if body:
            phase = position % MOD
            for off in range(0, len(body), MOD * 299):
                piece = body[off:off + MOD * 299]
                p = (phase + off) % MOD
                if piece != TABLE[p:p + len(piece)]:
                    print(f"FAIL wrong byte near {position + off}")
                    return 1
            position += len(body)
        if position >= total:
            break
        if not paused and position >= first:
            paused = True
            time.sleep(pause)
        body = s.recv(65536)
        if not body:
            break
    s.close()
    if position != total:
        print(f"FAIL got {position} of {total} bytes")
        return 1
    print(f"OK {position}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
