package dev.atlas.server.lane;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;

/**
 * Reads the public {@code long} fields of plain counter objects (lane, frame input, TCP engine)
 * by name and sums them over lanes, for the stats file and the exit report. Off the hot path:
 * it runs on a stats thread every few hundred milliseconds and reads racily.
 */
public final class CounterDump {
    private CounterDump() {}

    /** Adds every public long field of {@code counters} to {@code into} as {@code prefix.field}. */
    public static void addTo(Map<String, Long> into, String prefix, Object counters) {
        for (Field field : counters.getClass().getFields()) {
            if (field.getType() == long.class && !Modifier.isStatic(field.getModifiers())) {
                try {
                    into.merge(prefix + "." + field.getName(), field.getLong(counters), Long::sum);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("counter field " + field + " is not readable", e);
                }
            }
        }
    }
}
