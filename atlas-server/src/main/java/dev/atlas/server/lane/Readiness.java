package dev.atlas.server.lane;

/**
 * Whether the server should get new traffic: not ready until start-up has finished, and never
 * again once draining. Written by the management thread and start-up code, read by lanes (to
 * answer new requests with 503 while draining) and load balancers (through /readyz): volatile,
 * a load per request is negligible next to parsing it.
 */
public final class Readiness {
    private volatile boolean ready;
    private volatile boolean draining;

    /** Start-up is complete: catalogue loaded, lanes running. */
    public void markReady() {
        ready = true;
    }

    /** Stop taking new work; returns false if a drain had already begun. */
    public boolean startDrain() {
        boolean first = !draining;
        draining = true;
        return first;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Ready for new traffic: started and not draining. */
    public boolean isReady() {
        return ready && !draining;
    }
}
