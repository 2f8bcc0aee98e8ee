package dev.atlas.server.tcp.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The wheel against a sorted model: a timer fires at the first expire whose time has reached its
 * deadline rounded up to a tick, exactly once, never after a cancel; deadlines span many revolutions.
 */
class HashedTimingWheelProperties {
    private static final int TIMERS = 12;
    private static final long TICK = 10;
    private static final int SLOTS = 8;

    @Provide
    Arbitrary<List<int[]>> operations() {
        // {kind, timer, amount}: 0/1 schedule timer at now+amount, 2 cancel, 3 advance by amount (sometimes far)
        return Arbitraries.integers()
                .between(0, 3)
                .flatMap(kind -> Arbitraries.integers()
                        .between(0, TIMERS - 1)
                        .flatMap(t -> Arbitraries.integers().between(-30, 2000).map(a -> new int[] {kind, t, a})))
                .list()
                .ofMaxSize(80);
    }

    @Property(tries = 400)
    void firesLikeTheModel(@ForAll("operations") List<int[]> ops) {
        long start = 12_345;
        HashedTimingWheel wheel = new HashedTimingWheel(TIMERS, SLOTS, TICK, start);
        Map<Integer, Long> model = new HashMap<>();
        long[] now = {start};
        for (int[] op : ops) {
            int timer = op[1];
            switch (op[0]) {
                case 0, 1 -> {
                    long deadline = now[0] + op[2];
                    wheel.schedule(timer, deadline);
                    model.put(timer, deadline);
                }
                case 2 -> {
                    wheel.cancel(timer);
                    model.remove(timer);
                }
                default -> {
                    now[0] += Math.abs(op[2]) * (op[2] % 5 == 0 ? 7L : 1L);
                    TreeSet<Integer> fired = new TreeSet<>();
                    wheel.expire(now[0], (id, t) -> {
                        assertEquals(now[0], t);
                        fired.add(id);
                    });
                    TreeSet<Integer> due = new TreeSet<>();
                    model.forEach((id, deadline) -> {
                        long dueAt = Math.floorDiv(deadline + TICK - 1, TICK) * TICK;
                        if (dueAt <= now[0]) {
                            due.add(id);
                        }
                    });
                    due.forEach(model::remove);
                    assertEquals(due, fired, "fired at " + now[0]);
                }
            }
            assertEquals(model.size(), wheel.scheduled());
        }
    }

    @Test
    void handlerMayRescheduleItselfAndCancelOthers() {
        HashedTimingWheel wheel = new HashedTimingWheel(TIMERS, SLOTS, TICK, 0);
        for (int i = 0; i < TIMERS; i++) {
            wheel.schedule(i, 5);
        }
        List<Integer> fired = new ArrayList<>();
        Set<Integer> cancelled = new HashSet<>();
        wheel.expire(10, (id, t) -> {
            assertTrue(!fired.contains(id), "fired twice: " + id);
            assertTrue(!cancelled.contains(id), "fired after cancel: " + id);
            fired.add(id);
            int next = (id + 1) % TIMERS;
            if (!fired.contains(next) && wheel.isScheduled(next)) {
                wheel.cancel(next);
                cancelled.add(next);
            }
            wheel.schedule(id, t + 100);
        });
        assertEquals(TIMERS, fired.size() + cancelled.size());
        assertEquals(fired.size(), wheel.scheduled());
        for (int id : fired) {
            assertEquals(110, wheel.deadline(id));
        }
    }
}
