package dev.atlas.server.storage;

/**
 * The catalogue generation the lanes serve new requests from. The management thread publishes
 * a new one (a volatile store); each lane reads it once per request, so a swap never waits for
 * a lane and a request never sees half of two generations.
 */
public final class CurrentCatalogue {
    private volatile ServedCatalogue value;

    public CurrentCatalogue(ServedCatalogue initial) {
        this.value = initial;
    }

    public ServedCatalogue get() {
        return value;
    }

    public void publish(ServedCatalogue next) {
        value = next;
    }
}
