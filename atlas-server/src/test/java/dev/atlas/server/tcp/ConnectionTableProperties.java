package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The open-addressing 4-tuple table against a HashMap, with deletions (backward shift) in the mix. */
class ConnectionTableProperties {
    @Provide
    Arbitrary<List<long[]>> operations() {
        // {put?, key}: small key space so collisions and removals of probed runs are frequent
        return Arbitraries.longs()
                .between(0, 1)
                .flatMap(put -> Arbitraries.longs().between(0, 60).map(k ->
                        new long[] {put, ConnectionTable.key((int) (k * 7919), (int) (k % 5) + 40_000, 80)}))
                .list()
                .ofMaxSize(200);
    }

    @Property(tries = 300)
    void behavesLikeAMap(@ForAll("operations") List<long[]> ops) {
        ConnectionTable table = new ConnectionTable(64);
        Map<Long, Integer> model = new HashMap<>();
        int value = 0;
        for (long[] op : ops) {
            if (op[0] == 1 && (model.size() < 64 || model.containsKey(op[1]))) {
                table.put(op[1], value);
                model.put(op[1], value++);
            } else {
                table.remove(op[1]);
                model.remove(op[1]);
            }
            assertEquals(model.size(), table.size());
            for (Map.Entry<Long, Integer> e : model.entrySet()) {
                assertEquals(e.getValue(), table.get(e.getKey()));
            }
            assertEquals(model.containsKey(op[1]) ? model.get(op[1]) : ConnectionTable.MISSING, table.get(op[1]));
        }
    }
}
