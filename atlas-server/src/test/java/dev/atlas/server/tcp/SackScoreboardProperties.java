package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The scoreboard against a naive model: one boolean per byte offset. */
class SackScoreboardProperties {
    private static final int SPACE = 160;

    @Provide
    Arbitrary<List<int[]>> operations() {
        // {kind, a, b}: kind 0..3 add [a, a+b), kind 4 trim to a
        return Arbitraries.integers()
                .between(0, 4)
                .flatMap(kind -> Arbitraries.integers()
                        .between(0, SPACE - 1)
                        .flatMap(a -> Arbitraries.integers().between(1, 24).map(b -> new int[] {kind, a, b})))
                .list()
                .ofMaxSize(30);
    }

    @Property(tries = 300)
    void agreesWithAByteModel(@ForAll("operations") List<int[]> ops, @ForAll @IntRange(min = 1, max = 9) int mss) {
        SackScoreboard board = new SackScoreboard(64);
        boolean[] sacked = new boolean[SPACE + 32];
        int una = 0;
        for (int[] op : ops) {
            if (op[0] < 4) {
                int from = Math.max(op[1], una);
                int to = Math.min(op[1] + op[2], SPACE);
                board.add(from, to);
                for (int i = from; i < to; i++) {
                    sacked[i] = true;
                }
            } else if (op[1] > una) {
                una = op[1];
                board.trim(una);
                for (int i = 0; i < una; i++) {
                    sacked[i] = false;
                }
            }
            check(board, sacked, una, mss);
        }
    }

    private static void check(SackScoreboard board, boolean[] sacked, int una, int mss) {
        int lastLost = -1;
        for (int o = una; o < SPACE; o++) {
            assertEquals(sacked[o], board.isSacked(o), "isSacked " + o);
            long above = 0;
            for (int i = o + 1; i < sacked.length; i++) {
                above += sacked[i] ? 1 : 0;
            }
            // a block wholly above o starts after o
            int wholly = 0;
            for (int i = o + 1; i < sacked.length; i++) {
                if (sacked[i] && !sacked[i - 1]) {
                    wholly++;
                }
            }
            assertEquals(above, board.sackedAbove(o), "sackedAbove " + o);
            boolean lost = wholly >= SackScoreboard.DUP_THRESH || above > (long) (SackScoreboard.DUP_THRESH - 1) * mss;
            assertEquals(lost, board.isLost(o, mss), "isLost " + o);
            if (lost) {
                lastLost = o;
            }
            int hole = -1;
            for (int i = o; i < SPACE; i++) {
                if (!sacked[i]) {
                    hole = i;
                    break;
                }
            }
            assertEquals(hole, board.nextHole(o, SPACE), "nextHole " + o);
            int unsacked = 0;
            for (int i = una; i < o; i++) {
                unsacked += sacked[i] ? 0 : 1;
            }
            assertEquals(unsacked, board.unsackedBytes(una, o), "unsackedBytes " + una + ".." + o);
            if (!sacked[o]) {
                int end = o;
                while (end < SPACE && !sacked[end]) {
                    end++;
                }
                assertEquals(end, board.holeEnd(o, SPACE), "holeEnd " + o);
            }
        }
        assertEquals(Math.max(una, lastLost + 1), board.lostBoundary(una, mss), "lostBoundary");
    }
}
