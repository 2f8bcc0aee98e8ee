package dev.atlas.bench.interop;

import dev.atlas.bench.tcp.Commands;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A throw-away nftables table in one namespace (blackholes, loss rules); {@link #close()} deletes it. */
public final class NftTable implements AutoCloseable {
    private final String namespace;
    private final String family;
    private final String name;

    private NftTable(String namespace, String family, String name) {
        this.namespace = namespace;
        this.family = family;
        this.name = name;
    }

    /** Creates table {@code family atlas_test_<random>} holding {@code chains} (nft syntax). */
    public static NftTable create(String namespace, String family, String... chains)
            throws IOException, InterruptedException {
        final String name =
                "atlas_test_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        final String ruleset = "table " + family + " " + name + " {\n  " + String.join("\n  ", chains) + "\n}\n";
        Commands.output(List.of("ip", "netns", "exec", namespace, "nft", ruleset));
        return new NftTable(namespace, family, name);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Commands.output(List.of("ip", "netns", "exec", namespace, "nft", "delete", "table", family, name));
    }
}
