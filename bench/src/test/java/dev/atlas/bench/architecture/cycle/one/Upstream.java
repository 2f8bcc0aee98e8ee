package dev.atlas.bench.architecture.cycle.one;

import dev.atlas.bench.architecture.cycle.two.Downstream;

/** Half of a deliberate package cycle: the architecture rules must reject it. */
public final class Upstream {
    private Upstream() {}

    public static int depth() {
        return Downstream.depth() + 1;
    }
}
