package dev.atlas.bench.architecture.cycle.two;

import dev.atlas.bench.architecture.cycle.one.Upstream;

/** The other half of a deliberate package cycle: the architecture rules must reject it. */
public final class Downstream {
    private Downstream() {}

    public static int depth() {
        return 0;
    }

    /** Closes the cycle back to {@link Upstream}. */
    public static int upstreamDepth() {
        return Upstream.depth();
    }
}
