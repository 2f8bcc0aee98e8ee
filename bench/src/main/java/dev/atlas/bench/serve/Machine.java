package dev.atlas.bench.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a run set was measured on, as the summary states it: CPU, cores, memory, kernel, last-level cache. */
final class Machine {
    private static final Path LLC_SIZE = Path.of("/sys/devices/system/cpu/cpu0/cache/index3/size");

    private Machine() {}

    static String describe() {
        return "- CPU: " + firstValue(Path.of("/proc/cpuinfo"), "model name") + ", "
                + Runtime.getRuntime().availableProcessors()
                + " cores visible\n"
                + "- Memory: " + firstValue(Path.of("/proc/meminfo"), "MemTotal") + "\n"
                + "- Kernel: " + read(Path.of("/proc/sys/kernel/osrelease")) + ", Java " + Runtime.version() + "\n"
                + "- Last-level cache: " + llcDescription() + "\n";
    }

    /** The 1/5/15-minute load averages now: how busy the machine was with other work around the run. */
    static String loadAverage() {
        final String[] f = read(Path.of("/proc/loadavg")).split("\\s+");
        return f.length < 3 ? "unknown" : f[0] + " / " + f[1] + " / " + f[2];
    }

    /** The LLC size from sysfs, or a sentence saying the machine does not tell. */
    static String llcDescription() {
        final String size = read(LLC_SIZE);
        return size.isEmpty()
                ? "not exposed by this machine (no cache index3 in sysfs), so the working set is shown in KiB only"
                : size;
    }

    private static String firstValue(Path file, String key) {
        try {
            final List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return "unknown (" + file + " unreadable)";
        }
        return "unknown";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
