package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.Fsck;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fsck [--data]}: structural check of the set (and optionally every file's hash). */
@Command(name = "fsck", description = "Check superblocks, index, extents and overlaps (and data with --data).")
final class FsckCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Option(names = "--data", description = "Also re-hash every file (as verify does).")
    boolean data;

    @Option(names = {"-v", "--verbose"}, description = "Print what was checked, not only problems.")
    boolean verbose;

    @Override
    public Integer call() {
        final Fsck.Report report = Fsck.check(options.devices, data, options.progress());
        if (verbose) {
            report.notes().forEach(n -> System.out.println("  " + n));
        }
        report.problems().forEach(p -> System.out.println("PROBLEM " + p));
        if (!report.clean()) {
            throw new CatalogueException("fsck found " + report.problems().size() + " problem(s) (listed above)");
        }
        System.out.println("fsck: clean (" + report.files() + " files)");
        return CatalogueCli.OK;
    }
}
