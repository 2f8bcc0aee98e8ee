package dev.atlas.bench.sealing;

import java.lang.management.ManagementFactory;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The same cases as {@link SealingBenchmarks}, in one JVM, taking turns of a few thousand
 * records in a random order, each turn timed by the thread's CPU time. On a shared machine JMH's
 * cases, run one after another by wall-clock time, each meet a different load; here every case
 * meets the same, and time spent descheduled does not count. Reports the median turn.
 */
final class InterleavedComparison {
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final SealingBenchmarks benchmarks = new SealingBenchmarks();
    private final SealingBenchmarks.ByteArray array = new SealingBenchmarks.ByteArray();
    private final SealingBenchmarks.Frames[] frames;

    InterleavedComparison() throws GeneralSecurityException {
        array.setUp();
        final SealingCase[] cases = SealingCase.values();
        frames = new SealingBenchmarks.Frames[cases.length];
        for (int i = 1; i < cases.length; i++) {
            frames[i] = new SealingBenchmarks.Frames();
            frames[i].path = cases[i].label;
            frames[i].setUp();
        }
    }

    /**
     * {@code warmUp} records per case first (enough for C2 to compile SunJCE's path: its
     * intrinsics run only compiled), then {@code rounds} turns of {@code records} records per
     * case, the first quarter not counted.
     */
    List<SealingRow> run(int warmUp, int rounds, int records) throws GeneralSecurityException {
        threads.setThreadAllocatedMemoryEnabled(true);
        final SealingCase[] cases = SealingCase.values();
        for (int i = 0; i < cases.length; i++) {
            turn(i, warmUp);
        }
        final List<List<Double>> speeds = new ArrayList<>();
        final long[] allocated = new long[cases.length];
        final long[] counted = new long[cases.length];
        for (int i = 0; i < cases.length; i++) {
            speeds.add(new ArrayList<>());
        }
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < cases.length; i++) {
            order.add(i);
        }
        final Random random = new Random(1);
        for (int round = 0; round < rounds; round++) {
            Collections.shuffle(order, random);
            for (int i : order) {
                final long bytes = threads.getCurrentThreadAllocatedBytes();
                final long cpu = threads.getCurrentThreadCpuTime();
                turn(i, records);
                final long nanos = threads.getCurrentThreadCpuTime() - cpu;
                if (round >= rounds / 4) {
                    speeds.get(i).add((double) records * SealingBenchmarks.PLAINTEXT / Math.max(1, nanos));
                    allocated[i] += threads.getCurrentThreadAllocatedBytes() - bytes;
                    counted[i] += records;
                }
            }
        }
        final List<SealingRow> rows = new ArrayList<>();
        for (int i = 0; i < cases.length; i++) {
            final double[] s =
                    speeds.get(i).stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(s);
            rows.add(new SealingRow(
                    cases[i],
                    s[s.length / 2],
                    (s[3 * s.length / 4] - s[s.length / 4]) / 2,
                    (double) allocated[i] / counted[i]));
        }
        return rows;
    }

    private void turn(int i, int records) throws GeneralSecurityException {
        if (i == 0) {
            for (int r = 0; r < records; r++) {
                benchmarks.jceOnByteArray(array);
            }
        } else {
            for (int r = 0; r < records; r++) {
                benchmarks.recordLayer(frames[i]);
            }
        }
    }

    void close() {
        for (SealingBenchmarks.Frames f : frames) {
            if (f != null) {
                f.tearDown();
            }
        }
    }
}
