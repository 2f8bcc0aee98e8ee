package dev.atlas.server.tls;

import java.io.IOException;
import java.security.SecureRandom;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * A Bouncy Castle client (non-blocking) handshaking with a {@link TlsSession} in memory: the
 * bytes go straight from one protocol object to the other. Afterwards the client decrypts what
 * our record layer wrote, and the server's Bouncy Castle protocol can still be asked to write
 * a record, to compare with ours.
 */
final class InMemoryHandshake {
    final TlsClientProtocol client = new TlsClientProtocol();
    final TlsSession session = new TlsSession();
    final TlsCounters counters = new TlsCounters();
    TlsCertificate serverLeaf;

    InMemoryHandshake(CertificateStore store, ProtocolVersion version, int suite, String serverName)
            throws IOException {
        final SecureRandom random = new SecureRandom();
        session.start(store, random, counters, System.nanoTime());
        final PinnedTlsClient pinned = new PinnedTlsClient(
                new JcaTlsCryptoProvider()
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                        .create(random),
                version,
                suite,
                serverName);
        client.connect(pinned);
        for (int round = 0;
                round < 20 && (client.isHandshaking() || session.state == TlsSession.HANDSHAKING);
                round++) {
            pump(client.getAvailableOutputBytes(), true);
            pump(session.protocol.getAvailableOutputBytes(), false);
        }
        if (session.state != TlsSession.ESTABLISHED || client.isHandshaking()) {
            throw new IOException("the in-memory handshake did not complete");
        }
        serverLeaf = pinned.serverLeaf;
    }

    private void pump(int available, boolean fromClient) throws IOException {
        if (available <= 0) {
            return;
        }
        final byte[] bytes = new byte[available];
        if (fromClient) {
            client.readOutput(bytes, 0, available);
            session.protocol.offerInput(bytes);
        } else {
            session.protocol.readOutput(bytes, 0, available);
            client.offerInput(bytes);
        }
    }

    /** The server's Bouncy Castle protocol writes {@code data} as application data; returns the records. */
    byte[] bcServerWrites(byte[] data) throws IOException {
        session.protocol.writeApplicationData(data, 0, data.length);
        final byte[] out = new byte[session.protocol.getAvailableOutputBytes()];
        session.protocol.readOutput(out, 0, out.length);
        return out;
    }

    /** The client takes {@code records} (our output) and returns the plaintext it decrypted. */
    byte[] clientReads(byte[] records) throws IOException {
        client.offerInput(records);
        final byte[] plain = new byte[client.getAvailableInputBytes()];
        client.readInput(plain, 0, plain.length);
        return plain;
    }
}
