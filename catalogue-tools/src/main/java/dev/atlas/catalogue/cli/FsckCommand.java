package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Fsck;
import dev.atlas.catalogue.error.CatalogueException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fsck [--data] [--repair]}: structural check of the set (and optionally every file's hash);
 * with {@code --repair}, first repairs damaged superblock slots and generations.
 */
@Command(
        name = "fsck",
        description = {
            "Check superblocks, index, extents and overlaps (and data with --data).",
            "A damaged superblock slot or index makes fsck fail, and writes are refused, until you choose:"
                    + " --repair keeps the newest whole generation (giving up a newer one whose superblock or index"
                    + " is damaged) and rewrites damaged copies; or restore the device from a backup."
        })
final class FsckCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Option(names = "--data", description = "Also re-hash every file (as verify does).")
    boolean data;

    @Option(
            names = "--repair",
            description = "Accept the newest whole generation and rewrite damaged superblock"
                    + " slots so that writes are allowed again (says what it kept and what it gave up).")
    boolean repair;

    @Option(
            names = {"-v", "--verbose"},
            description = "Print what was checked, not only problems.")
    boolean verbose;

    @Override
    public Integer call() {
        if (repair) {
            final List<String> done = Fsck.repair(options.devices);
            if (done.isEmpty()) {
                System.out.println("fsck --repair: nothing damaged to repair");
            }
            done.forEach(d -> System.out.println("REPAIRED " + d));
        }
        final Fsck.Report report = Fsck.check(options.devices, data, options.progress());
        if (verbose) {
            report.notes().forEach(n -> System.out.println("  " + n));
        }
        report.problems().forEach(p -> System.out.println("PROBLEM " + p));
        if (!report.clean()) {
            throw new CatalogueException("fsck found " + report.problems().size() + " problem(s) (listed above)"
                    + (repair
                            ? ""
                            : "; damage of superblocks or generations is repaired by `atlas-catalogue fsck"
                                    + " --repair`"));
        }
        System.out.println("fsck: clean (" + report.files() + " files)");
        return CatalogueCli.OK;
    }
}
