package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes: the set's devices and the progress switch. */
final class DeviceOptions {

    @Option(
            names = {"-d", "--device"},
            required = true,
            paramLabel = "PATH",
            description = "A device of the catalogue set (image file or block device); repeat for each device.")
    List<Path> devices = new ArrayList<>();

    @Option(names = "--progress", description = "Draw progress bars even when stderr is not a terminal.")
    boolean progress;

    /** Warns on stderr about each kind of damage the opened catalogue has (reads go on; writes are refused). */
    static void warnDamage(dev.atlas.catalogue.Catalogue catalogue) {
        for (String damage : catalogue.damage()) {
            System.err.println("atlas-catalogue: WARNING " + damage);
        }
        System.err.flush();
    }

    Progress progress() {
        final java.io.Console console = System.console();
        final boolean terminal = console != null && console.isTerminal();
        return progress || terminal ? new ProgressBar(System.err) : Progress.NONE;
    }
}
