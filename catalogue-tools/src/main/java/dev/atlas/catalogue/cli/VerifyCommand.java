package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.CatalogueNames;
import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.error.CatalogueException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code verify [NAME…]}: re-hashes files (all by default) and compares with the index. */
@Command(name = "verify", description = "Check files' SHA-256 against the index (all files if none named).")
final class VerifyCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Parameters(arity = "0..*", paramLabel = "NAME")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        try (Catalogue catalogue = Catalogue.open(options.devices)) {
            DeviceOptions.warnDamage(catalogue);
            final List<CatalogueEntry> chosen = new ArrayList<>();
            if (names.isEmpty()) {
                chosen.addAll(catalogue.entries());
            } else {
                for (String name : names) {
                    final CatalogueEntry e = catalogue.lookup(name);
                    if (e == null) {
                        throw new CatalogueException(
                                "no file named " + CatalogueNames.abbreviate(name) + " in the catalogue");
                    }
                    chosen.add(e);
                }
            }
            long total = 0;
            for (CatalogueEntry e : chosen) {
                total += e.length();
            }
            final Progress progress = options.progress();
            final List<String> failed = new ArrayList<>();
            progress.begin("verify", total);
            progress.files(chosen.size());
            try {
                for (CatalogueEntry e : chosen) {
                    if (!catalogue.verify(e, progress)) {
                        failed.add(e.name());
                    }
                    progress.fileDone();
                }
            } finally {
                progress.end();
            }
            for (String name : failed) {
                System.out.println("FAILED " + name);
            }
            if (!failed.isEmpty()) {
                throw new CatalogueException(failed.size() + " of " + chosen.size() + " file(s) do not match their"
                        + " SHA-256 (listed above); re-import them");
            }
            System.out.println("verified " + chosen.size() + " file(s), " + Sizes.human(total) + ": all match");
        }
        return CatalogueCli.OK;
    }
}
