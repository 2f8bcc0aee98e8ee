package dev.atlas.bench.serve;

/** The round trip the client sees: the bare veth, or the delay middlebox's bands. */
enum Rtt {
    /** cli —veth— srv, no middlebox. */
    NONE("none", "no added delay"),
    /** cli — mbox — srv, each flow hashed to one of the middlebox's delay bands (10–40 ms by default). */
    BANDS("bands", "delay bands");

    private final String id;
    private final String label;

    Rtt(String id, String label) {
        this.id = id;
        this.label = label;
    }

    String id() {
        return id;
    }

    String label() {
        return label;
    }

    static Rtt byId(String id) {
        for (Rtt r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown RTT setting '" + id + "' (none or bands)");
    }
}
