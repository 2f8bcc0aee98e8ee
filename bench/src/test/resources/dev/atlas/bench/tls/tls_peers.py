#!/usr/bin/env python3
"""TLS peers that misbehave (or crowd in) for the robustness test, built on ssl.MemoryBIO so the
records themselves can be touched.

Usage: tls_peers.py MODE HOST CAFILE [N]
  badmac     handshake, then a request record with its tag corrupted; expects alert bad_record_mac
  overflow   handshake, then a record header announcing more than the protocol allows; expects
             alert record_overflow
  truncated  half a ClientHello, then close
  oldversion a ClientHello offering only TLS 1.0 and 1.1 (the client's own security level lowered
             so it will send one); expects alert protocol_version
  many       N concurrent TLS handshakes, each then GET /tiny.bin (1 byte) and close; the TCP
             connections are opened at most CONNECTING at a time
Prints "ok ..." and exits 0 when the server did what it should, else prints "FAIL ...".
"""
import asyncio
import socket
import ssl
import sys
import warnings

NAME = "edge.test"
CONNECTING = 128


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def handshake(host, cafile):
    sock = socket.create_connection((host, 443), timeout=20)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context(cafile).wrap_bio(incoming, outgoing, server_hostname=NAME)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("connection closed during the handshake")
            incoming.write(data)
    sock.sendall(outgoing.read())
    return sock, tls, incoming, outgoing


def expect_alert(sock, tls, incoming, wanted):
    """Reads until the server's alert surfaces as an SSLError naming `wanted`."""
    while True:
        data = sock.recv(65536)
        if not data:
            incoming.write_eof()
        else:
            incoming.write(data)
        try:
            got = tls.read(65536)
            if not got and not data:
                return "FAIL connection closed without an alert"
        except ssl.SSLWantReadError:
            if not data:
                return "FAIL connection closed without an alert"
            continue
        except ssl.SSLError as e:
            text = str(e).upper()
            return ("ok alert " if wanted in text else "FAIL unexpected alert ") + str(e)


def badmac(host, cafile):
    sock, tls, incoming, outgoing = handshake(host, cafile)
    tls.write(b"GET /tiny.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n")
    record = bytearray(outgoing.read())
    record[-1] ^= 0x01  # the last byte of the tag
    sock.sendall(bytes(record))
    return expect_alert(sock, tls, incoming, "BAD_RECORD_MAC")


def overflow(host, cafile):
    sock, tls, incoming, outgoing = handshake(host, cafile)
    length = 16384 + 2048 + 1
    sock.sendall(bytes([23, 3, 3, length >> 8, length & 0xFF]) + bytes(length))
    return expect_alert(sock, tls, incoming, "RECORD_OVERFLOW")


def truncated(host, cafile):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context(cafile).wrap_bio(incoming, outgoing, server_hostname=NAME)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    sock = socket.create_connection((host, 443), timeout=20)
    sock.sendall(hello[: len(hello) // 2])
    sock.close()
    return "ok sent %d of %d ClientHello bytes" % (len(hello) // 2, len(hello))


def oldversion(host, cafile):
    ctx = context(cafile)
    # OpenSSL's default security level refuses TLS 1.0/1.1 before sending anything: level 0 lets
    # the client offer them, so the server is the one that has to say no.
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    sock = socket.create_connection((host, 443), timeout=20)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=NAME)
    while True:
        try:
            tls.do_handshake()
            return "FAIL the handshake completed with %s" % tls.version()
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            data = sock.recv(65536)
            if not data:
                return "FAIL connection closed without an alert"
            incoming.write(data)
        except ssl.SSLError as e:
            text = str(e).upper()
            return ("ok alert " if "PROTOCOL_VERSION" in text else "FAIL unexpected alert ") + str(e)


async def one(host, ctx, index, connecting):
    # TCP connections are opened at most CONNECTING at a time (the server's SYN queue holds 256;
    # beyond it SYN cookies take over, which is the TCP engine's business, not this test's);
    # the TLS handshakes that follow all overlap.
    async with connecting:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, 443), 150)
    await asyncio.wait_for(writer.start_tls(ctx, server_hostname=NAME), 150)
    writer.write(b"GET /tiny.bin HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 150)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or len(body) != 1:
        raise RuntimeError("connection %d: %r" % (index, data[:80]))
    return body


async def many(host, cafile, n):
    ctx = context(cafile)
    connecting = asyncio.Semaphore(CONNECTING)
    results = await asyncio.gather(*(one(host, ctx, i, connecting) for i in range(n)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, Exception)]
    bodies = set(r for r in results if not isinstance(r, Exception))
    if failures:
        return "FAIL %d of %d: %r" % (len(failures), n, failures[0])
    return "ok %d handshakes and responses, bodies %s" % (n, sorted(b.hex() for b in bodies))


def main():
    mode, host, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "many":
        result = asyncio.run(many(host, cafile, int(sys.argv[4])))
    else:
        result = {"badmac": badmac, "overflow": overflow, "truncated": truncated, "oldversion": oldversion}[mode](host, cafile)
    print(result, flush=True)
    return 0 if result.startswith("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
