package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.CatalogueWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code rm NAME…}: removes names in one commit; an unknown name removes nothing. */
@Command(name = "rm", description = "Remove files from the catalogue (all or nothing, one commit).")
final class RmCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Parameters(arity = "1..*", paramLabel = "NAME")
    List<String> names;

    @Override
    public Integer call() {
        try (CatalogueWriter writer = CatalogueWriter.open(options.devices)) {
            for (String name : names) {
                writer.remove(name);
            }
            final long generation = writer.commit();
            System.out.println("removed " + names.size() + " file(s); catalogue generation " + generation);
        }
        return CatalogueCli.OK;
    }
}
