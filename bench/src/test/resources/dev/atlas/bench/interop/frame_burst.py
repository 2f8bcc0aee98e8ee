#!/usr/bin/env python3
"""Sends COUNT minimal Ethernet frames (an experimental EtherType nobody serves) to DST_MAC out of
IFACE as fast as one packet socket can, so a receive ring that is not being drained overflows.
Prints "sent <count> <seconds>".

Usage: frame_burst.py IFACE DST_MAC COUNT
"""
import socket
import sys
import time

ETHERTYPE_LOCAL_EXPERIMENTAL = b"\x88\xb5"
MIN_PAYLOAD = 46


def main() -> None:
    iface, dst, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), int(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    frame = dst + bytes.fromhex("020000bbbb01") + ETHERTYPE_LOCAL_EXPERIMENTAL + bytes(MIN_PAYLOAD)
    started = time.monotonic()
    sent = 0
    while sent < count:
        try:
            s.send(frame)
            sent += 1
        except BlockingIOError:
            time.sleep(0.0001)
    print("sent", sent, "%.3f" % (time.monotonic() - started), flush=True)


if __name__ == "__main__":
    main()
