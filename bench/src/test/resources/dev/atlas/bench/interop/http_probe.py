#!/usr/bin/env python3
"""Raw HTTP probe for the interop tests: sends REQUEST (with \\r and \\n escapes expanded) in one
write, then copies everything the server sends to stdout until it closes or IDLE seconds pass
without data. Usage: http_probe.py HOST PORT REQUEST [IDLE]
"""
import socket
import sys


def main() -> None:
    host, port, request = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    idle = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    data = request.replace("\\r", "\r").replace("\\n", "\n").encode("latin-1")
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(data)
    s.settimeout(idle)
    out = sys.stdout.buffer
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out.write(chunk)
    except socket.timeout:
        pass
    out.flush()
    s.close()


if __name__ == "__main__":
    main()
