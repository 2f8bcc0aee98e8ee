package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.CatalogueNames;
import dev.atlas.catalogue.error.CatalogueException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code get NAME [-o FILE]}: reads a file back (to stdout by default), checking its SHA-256 on the way. */
@Command(name = "get", description = "Read a file back from the catalogue (stdout unless -o).")
final class GetCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write to FILE instead of stdout.")
    Path output;

    @Override
    public Integer call() throws IOException {
        final boolean toStdout = output == null || output.toString().equals("-");
        final Path target = toStdout ? null : output.toAbsolutePath();
        if (target != null && !Files.isDirectory(target.getParent())) {
            throw new CatalogueException("cannot write " + output + ": the directory " + target.getParent()
                    + " does not exist; create it first or choose another -o path");
        }
        try (Catalogue catalogue = Catalogue.open(options.devices)) {
            DeviceOptions.warnDamage(catalogue);
            final CatalogueEntry e = catalogue.lookup(name);
            if (e == null) {
                throw new CatalogueException("no file named " + CatalogueNames.abbreviate(name) + " in the catalogue"
                        + " (see `atlas-catalogue ls`)");
            }
            // Into a temporary file beside the target, renamed over it only once the SHA-256 matched:
            // a damaged file never leaves bytes at the path the operator named.
            final Path partial = target == null
                    ? null
                    : target.resolveSibling("." + target.getFileName() + ".partial-"
                            + ProcessHandle.current().pid());
            boolean matched = false;
            try {
                final MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (WritableByteChannel out = partial == null
                        ? new FileOutputStream(FileDescriptor.out).getChannel()
                        : FileChannel.open(
                                partial,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.TRUNCATE_EXISTING)) {
                    final var progress = partial == null ? dev.atlas.catalogue.Progress.NONE : options.progress();
                    progress.begin("get", e.length());
                    try {
                        catalogue.read(
                                e,
                                chunk -> {
                                    sha.update(chunk.duplicate());
                                    while (chunk.hasRemaining()) {
                                        out.write(chunk);
                                    }
                                },
                                progress);
                    } finally {
                        progress.end();
                    }
                }
                if (!MessageDigest.isEqual(sha.digest(), e.sha256())) {
                    throw new CatalogueException("the bytes of " + CatalogueNames.abbreviate(name) + " on "
                            + catalogue.devicePath(e.device()) + " no longer match their SHA-256"
                            + (partial == null ? "" : "; " + output + " was not written") + "; run `atlas-catalogue"
                            + " verify` and re-import the file");
                }
                if (partial != null) {
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                matched = true;
            } finally {
                if (partial != null && !matched) {
                    Files.deleteIfExists(partial);
                }
            }
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        return CatalogueCli.OK;
    }
}
