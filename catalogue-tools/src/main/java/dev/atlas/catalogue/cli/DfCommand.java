package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.SpaceUsage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code df}: size, used and free space of each device and of the set. */
@Command(name = "df", description = "Show used and free space per device.")
final class DfCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Override
    public Integer call() {
        try (Catalogue catalogue = Catalogue.open(options.devices)) {
            DeviceOptions.warnDamage(catalogue);
            final SpaceUsage[] usage = SpaceUsage.of(catalogue);
            System.out.printf(
                    "%-3s %-40s %10s %10s %10s %12s %7s%n",
                    "dev", "path", "size", "used", "free", "largest-free", "files");
            long size = 0;
            long used = 0;
            long free = 0;
            int files = 0;
            for (SpaceUsage u : usage) {
                System.out.printf(
                        "%-3d %-40s %10s %10s %10s %12s %7d%n",
                        u.device(),
                        catalogue.devicePath(u.device()),
                        Sizes.human(u.sizeBytes()),
                        Sizes.human(u.usedBytes()),
                        Sizes.human(u.freeBytes()),
                        Sizes.human(u.largestFreeBytes()),
                        u.files());
                size += u.sizeBytes();
                used += u.usedBytes();
                free += u.freeBytes();
                files += u.files();
            }
            System.out.printf(
                    "%-3s %-40s %10s %10s %10s %12s %7d%n",
                    "all",
                    "generation " + catalogue.generation(),
                    Sizes.human(size),
                    Sizes.human(used),
                    Sizes.human(free),
                    "",
                    files);
        }
        return CatalogueCli.OK;
    }
}
