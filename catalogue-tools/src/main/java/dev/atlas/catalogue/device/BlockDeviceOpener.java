package dev.atlas.catalogue.device;

import java.nio.file.Path;

/** Opens the devices of a set; tests substitute an opener that injects faults. */
@FunctionalInterface
public interface BlockDeviceOpener {

    BlockDevice open(Path path);
}
