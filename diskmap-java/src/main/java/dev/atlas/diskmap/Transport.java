package dev.atlas.diskmap;

import dev.atlas.diskmap.emulated.EmulatedTransport;
import dev.atlas.diskmap.kernel.DiskmapTransport;
import dev.atlas.diskmap.transport.QueueTransport;
import dev.atlas.diskmap.uring.FileTransport;
import dev.atlas.diskmap.uring.PassthruTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The ways a queue pair can reach a drive, each with the name an operator types
 * ({@code --transport file}) and how it is opened.
 *
 * <p>A plain enum, so the set of transports is known to the compiler: a caller that switches over
 * it is told when one is added, and nothing is looked up by class name at run time.
 */
public enum Transport {
    /** io_uring, O_DIRECT, registered buffers on an image file or block device. */
    FILE("file") {
        @Override
        QueueTransport open(Path path, NvmeDevice.Options options) {
            return FileTransport.open(path, options.queueDepth());
        }
    },
    /** io_uring NVMe passthrough on a namespace's generic character device ({@code /dev/ngXnY}). */
    PASSTHRU("passthru") {
        @Override
        QueueTransport open(Path path, NvmeDevice.Options options) {
            return PassthruTransport.open(path, options.queueDepth());
        }
    },
    /** A queue pair lent by {@code diskmap.ko} on {@code /dev/diskmapN}: raw queues, checked doorbells. */
    DISKMAP("diskmap") {
        @Override
        QueueTransport open(Path path, NvmeDevice.Options options) {
            return DiskmapTransport.open(path, options.queueDepth());
        }
    },
    /** The NVMe controller model in Java over an image file (tests, fault injection). */
    EMULATED("emulated") {
        @Override
        QueueTransport open(Path path, NvmeDevice.Options options) throws IOException {
            return EmulatedTransport.open(
                    path, options.queueDepth(), options.blockSize(), options.maxTransferBytes(), options.faults());
        }
    };

    private static final List<Transport> ALL = List.of(values());

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    /** Opens one queue pair's transport on {@code path}. */
    abstract QueueTransport open(Path path, NvmeDevice.Options options) throws IOException;

    /** The name operators use on command lines and in configuration. */
    public String label() {
        return label;
    }

    /** Every transport's label, in declaration order. */
    public static List<String> labels() {
        return ALL.stream().map(Transport::label).toList();
    }

    /**
     * The transport an operator named.
     *
     * @throws IllegalArgumentException naming the transports that exist, when {@code label} is none of them
     */
    public static Transport named(String label) {
        for (Transport transport : ALL) {
            if (transport.label.equals(label)) {
                return transport;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + label + "'; choose " + choices());
    }

    /** "file, passthru, diskmap or emulated": the labels as a sentence lists them. */
    public static String choices() {
        final List<String> labels = labels();
        return String.join(", ", labels.subList(0, labels.size() - 1)) + " or " + labels.getLast();
    }

    @Override
    public String toString() {
        return label;
    }
}
