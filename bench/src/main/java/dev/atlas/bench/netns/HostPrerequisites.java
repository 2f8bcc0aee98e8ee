package dev.atlas.bench.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the namespace tools need of this host: root (network namespaces, AF_PACKET) and the
 * commands they run. The demo refuses to start and the tests skip (or, in CI, fail) with the list.
 */
public final class HostPrerequisites {
    /** Where tools live even when the PATH of a test or a sudo session leaves them out. */
    private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private HostPrerequisites() {}

    /** What is missing, as words for the operator ("root (…)", then tool names); empty when all is there. */
    public static List<String> missing(String... tools) {
        final List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root (network namespaces and AF_PACKET)");
        }
        for (String tool : tools) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        return missing;
    }

    /** The effective user is root (from /proc/self/status: no JNI, no shelling out). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** {@code tool} is an executable on the PATH or in the system directories. */
    public static boolean onPath(String tool) {
        final List<String> dirs = new ArrayList<>(
                List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.addAll(SYSTEM_DIRS);
        return dirs.stream().anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }
}
