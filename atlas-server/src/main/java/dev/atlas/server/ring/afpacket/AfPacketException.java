package dev.atlas.server.ring.afpacket;

/** Setting up or using an AF_PACKET ring failed; the message is a sentence for the operator. */
public final class AfPacketException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AfPacketException(String message) {
        super(message);
    }
}
