package dev.atlas.bench.serve;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A cgroup-v1 memory group (the memory controller is v1 only on this host) that bounds what a
 * baseline server may keep in the page cache. A process joins it by writing its own PID to
 * {@code cgroup.procs} before it execs the server ({@link #joinAndExec}), so every worker is born
 * inside; {@code ip netns exec} remounts /sys, so the join has to happen before it.
 */
final class MemoryCgroup implements AutoCloseable {
    static final Path MEMORY_ROOT = Path.of("/sys/fs/cgroup/memory");
    /** Name prefix of the groups this harness makes, so a killed run's leftovers can be found. */
    static final String PREFIX = "atlas-bench-serve-";

    private final Path dir;

    private MemoryCgroup(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code PREFIX + suffix} limited to {@code limitBytes} of memory (page cache included). */
    static MemoryCgroup create(String suffix, long limitBytes) throws IOException {
        if (!Files.isDirectory(MEMORY_ROOT)) {
            throw new IOException(
                    "no cgroup-v1 memory controller at " + MEMORY_ROOT + ": nginx's page cache cannot be bounded"
                            + " on this host (mount the memory controller, or run the hot case only)");
        }
        final Path dir = MEMORY_ROOT.resolve(PREFIX + suffix);
        Files.createDirectories(dir);
        final MemoryCgroup group = new MemoryCgroup(dir);
        group.limit(limitBytes);
        return group;
    }

    /** Removes empty groups left by an earlier run that was killed; returns their names. */
    static List<String> removeLeftovers() {
        final List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(MEMORY_ROOT)) {
            return removed;
        }
        try (DirectoryStream<Path> groups = Files.newDirectoryStream(MEMORY_ROOT, PREFIX + "*")) {
            for (Path group : groups) {
                if (new MemoryCgroup(group).pids().isEmpty()) {
                    Files.delete(group);
                    removed.add(group.getFileName().toString());
                }
            }
        } catch (IOException e) {
            System.err.println("bench serve: could not look for leftover cgroups: " + e.getMessage());
        }
        return removed;
    }

    void limit(long bytes) throws IOException {
        Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
    }

    long limitBytes() throws IOException {
        return Long.parseLong(
                Files.readString(dir.resolve("memory.limit_in_bytes")).strip());
    }

    /** Memory charged to the group now (its page cache included). */
    long usageBytes() throws IOException {
        return Long.parseLong(
                Files.readString(dir.resolve("memory.usage_in_bytes")).strip());
    }

    /** Processes the OOM killer ended in this group so far ({@code oom_kill} of {@code memory.oom_control}). */
    long oomKills() {
        try {
            for (String line : Files.readAllLines(dir.resolve("memory.oom_control"))) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** The processes in the group. */
    List<Long> pids() throws IOException {
        final List<Long> pids = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    /** A {@code sh -c} command that moves the shell into this group and then execs {@code command}. */
    List<String> joinAndExec(List<String> command) {
        final StringBuilder script = new StringBuilder("echo $$ > '")
                .append(dir.resolve("cgroup.procs"))
                .append("' && exec");
        for (String word : command) {
            script.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        return List.of("sh", "-c", script.toString());
    }

    String name() {
        return dir.getFileName().toString();
    }

    /** Removes the group; its processes must have exited (their page cache moves to the parent). */
    @Override
    public void close() throws IOException {
        if (Files.isDirectory(dir)) {
            if (!pids().isEmpty()) {
                throw new IOException("cgroup " + dir + " still holds processes " + pids() + "; stop them first");
            }
            Files.delete(dir);
        }
    }
}
