#!/usr/bin/env python3
"""Seeded frame fuzzer for the interop tests: COUNT malformed or random frames to the server's MAC,
sent as raw Ethernet (AF_PACKET) from inside the client namespace. Kinds: random bytes; TCP
segments to the server (random ports other than AVOID_PORT, flags, sequence numbers, option
bytes and payload, correct checksums so they reach the TCP engine); the same with bit flips;
truncations; IPv4 with random IHL/length/fragment fields; ARP and ICMP with random bodies.
Usage: fuzzframes.py IFACE DST_MAC SRC_IP DST_IP DST_PORT AVOID_PORT COUNT SEED
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


def ipv4(rng, src, dst, proto, payload, ihl=5, frag=0, total=None):
    opts = bytes(rng.getrandbits(8) for _ in range((ihl - 5) * 4)) if ihl > 5 else b""
    length = total if total is not None else 4 * ihl + len(payload)
    head = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, length & 0xFFFF, rng.getrandbits(16), frag, 64, proto, 0, src, dst) + opts
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + payload


def tcp(rng, src, dst, sport, dport):
    opts = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 4, 8, 12, 20, 40])))
    offset = (20 + len(opts)) // 4 if rng.random() < 0.8 else rng.randint(0, 15)
    payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 0, 1, 10, 100, 600])))
    head = struct.pack("!HHIIBBHHH", sport, dport, rng.getrandbits(32), rng.getrandbits(32),
                       (offset & 0xF) << 4, rng.getrandbits(8), rng.getrandbits(16), 0, rng.getrandbits(16))
    seg = head + opts + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    return seg[:16] + struct.pack("!H", checksum(pseudo + seg)) + seg[18:]


def main() -> None:
    iface, dst_mac, src_ip, dst_ip, dst_port, avoid, count, seed = sys.argv[1:9]
    dst_port, avoid, count = int(dst_port), int(avoid), int(count)
    rng = random.Random(int(seed))
    dmac = bytes(int(x, 16) for x in dst_mac.split(":"))
    with open(f"/sys/class/net/{iface}/address") as f:
        smac = bytes(int(x, 16) for x in f.read().strip().split(":"))
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    start = time.monotonic()
    kinds = {}
    for n in range(count):
        kind = rng.choice(["random", "tcp", "tcp-flip", "truncated", "ip-fields", "arp", "icmp"])
        sport = rng.randint(1024, 65535)
        while sport == avoid:
            sport = rng.randint(1024, 65535)
        eth = dmac + smac
        if kind == "random":
            frame = eth + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 1500)))
        elif kind in ("tcp", "tcp-flip", "truncated"):
            frame = eth + b"\x08\x00" + ipv4(rng, src, dst, 6, tcp(rng, src, dst, sport, rng.choice([dst_port, dst_port, rng.randint(1, 65535)])))
            if kind == "tcp-flip":
                b = bytearray(frame)
                for _ in range(rng.randint(1, 3)):
                    i = rng.randint(14, len(b) - 1)
                    b[i] ^= 1 << rng.randint(0, 7)
                frame = bytes(b)
            elif kind == "truncated":
                frame = frame[:rng.randint(14, len(frame))]
        elif kind == "ip-fields":
            payload = tcp(rng, src, dst, sport, dst_port)
            frame = eth + b"\x08\x00" + ipv4(rng, src, dst, rng.choice([6, 6, 1, 17, rng.getrandbits(8)]), payload,
                                           ihl=rng.randint(0, 15), frag=rng.getrandbits(16),
                                           total=rng.choice([None, rng.getrandbits(16)]))
        elif kind == "arp":
            frame = eth + b"\x08\x06" + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 60)))
        else:
            body = struct.pack("!BBHHH", rng.choice([8, 0, 3, rng.getrandbits(8)]), 0, 0, rng.getrandbits(16), n & 0xFFFF) + bytes(
                rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
            body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
            frame = eth + b"\x08\x00" + ipv4(rng, src, dst, 1, body)
        if len(frame) < 14:
            frame = eth + b"\x08\x00"
        s.send(frame[:1514])
        kinds[kind] = kinds.get(kind, 0) + 1
        if n % 500 == 499:
            time.sleep(0.01)  # bounded rate: about 50k frames per second at most
    print(f"sent {count} frames in {time.monotonic() - start:.1f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
