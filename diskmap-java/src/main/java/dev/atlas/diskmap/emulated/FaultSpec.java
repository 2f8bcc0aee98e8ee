package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.nvme.NvmeStatus;
import java.util.EnumSet;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * The text form of an {@link EmulatedFaults} plan, for the command line of a server started
 * on the emulated transport: comma-separated terms such as
 * {@code seed=7,out-of-order,delay=0..3,error-rate=0.001,media-error=4096+64}.
 *
 * <p>{@link #format} writes exactly the form {@link #parse} reads, so a plan printed in a log
 * replays the run that printed it.
 */
final class FaultSpec {
    /** The whole plan when nothing goes wrong. */
    static final String NONE = "none";

    private static final String TERM_SEPARATOR = ",";
    private static final String KEY_VALUE_SEPARATOR = "=";
    private static final String DELAY_SEPARATOR = "..";
    private static final String EXTENT_SEPARATOR = "+";
    private static final String STATUS_SEPARATOR = ":";
    private static final String TORN = "torn";
    private static final String STATUS_LIST_SEPARATOR = "/";
    private static final String HEX_PREFIX = "0x";
    private static final int HEX_RADIX = 16;
    /** A CQE status field without its phase tag is 15 bits wide. */
    private static final int LARGEST_STATUS = (1 << 15) - 1;

    private static final int STATUSES_PER_LIST = 3;
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    /** Every term of the text form: its key, the form an operator writes, what the form needs, an example. */
    enum Term {
        SEED("seed", "seed=N", "N any whole number", "seed=7"),
        OUT_OF_ORDER("out-of-order", "out-of-order", "no value", "out-of-order"),
        DELAY("delay", "delay=MIN..MAX", "polls per command, 0 ≤ MIN ≤ MAX, or delay=N for N..N", "delay=0..3"),
        ERROR_RATE("error-rate", "error-rate=P", "P a probability from 0 to 1", "error-rate=0.001"),
        ERROR_STATUSES(
                "error-statuses",
                "error-statuses=READ/WRITE/FLUSH",
                "three NVMe failure statuses, hexadecimal with 0x or decimal",
                "error-statuses=0x281/0x280/0x6"),
        FAIL_COMMAND(
                "fail-command",
                "fail-command=N:STATUS",
                "N counting fetched commands from 1, STATUS an NVMe failure status",
                "fail-command=3:0x281"),
        MEDIA_ERROR(
                "media-error",
                "media-error=LBA+BLOCKS",
                "LBA the first bad block, BLOCKS at least 1",
                "media-error=4096+64"),
        TORN_WRITE_RATE("torn-write-rate", "torn-write-rate=P", "P a probability from 0 to 1", "torn-write-rate=0.01"),
        POWER_CUT("power-cut", "power-cut=WRITE[:torn]", "WRITE counting writes from 1", "power-cut=100:torn"),
        LOSE_UNFLUSHED("lose-unflushed", "lose-unflushed=P", "P a probability from 0 to 1", "lose-unflushed=0.5");

        final String key;
        final String form;
        final String needs;
        final String example;

        Term(String key, String form, String needs, String example) {
            this.key = key;
            this.form = form;
            this.needs = needs;
            this.example = example;
        }

        /** Terms that add to the plan rather than set one knob may be given several times. */
        boolean repeatable() {
            return this == MEDIA_ERROR || this == FAIL_COMMAND;
        }

        static Term byKey(String key) {
            for (Term term : values()) {
                if (term.key.equals(key)) {
                    return term;
                }
            }
            return null;
        }
    }

    /** Text that does not have the shape of its term; the term's accepted form says what would. */
    private static final class MalformedTerm extends IllegalArgumentException {}

    private FaultSpec() {}

    static EmulatedFaults parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        final String trimmed = spec.strip();
        final EmulatedFaults plan = EmulatedFaults.none();
        if (trimmed.isEmpty() || trimmed.equals(NONE)) {
            return plan;
        }
        final EnumSet<Term> given = EnumSet.noneOf(Term.class);
        for (String part : trimmed.split(TERM_SEPARATOR, -1)) {
            final String text = part.strip();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("fault plan \"" + spec + "\" has an empty term; separate terms"
                        + " with single commas, e.g. " + Term.SEED.example + TERM_SEPARATOR + Term.MEDIA_ERROR.example);
            }
            if (text.equals(NONE)) {
                throw new IllegalArgumentException("fault term \"" + NONE + "\" stands for the whole plan and cannot be"
                        + " combined with other terms in \"" + spec + "\"");
            }
            final int separator = text.indexOf(KEY_VALUE_SEPARATOR);
            final String key =
                    separator < 0 ? text : text.substring(0, separator).strip();
            final String value =
                    separator < 0 ? null : text.substring(separator + 1).strip();
            final Term term = Term.byKey(key);
            if (term == null) {
                throw new IllegalArgumentException(
                        "unknown fault term \"" + text + "\"; the accepted terms are " + acceptedForms());
            }
            if (!given.add(term) && !term.repeatable()) {
                throw new IllegalArgumentException(
                        "fault term \"" + text + "\" sets " + term.key + " a second time; give " + term.form + " once");
            }
            apply(term, text, value, plan);
        }
        return plan;
    }

    private static void apply(Term term, String text, String value, EmulatedFaults plan) {
        try {
            final boolean takesValue = term != Term.OUT_OF_ORDER;
            if (takesValue == (value == null)) {
                throw new MalformedTerm();
            }
            switch (term) {
                case SEED -> plan.seed(Long.parseLong(value));
                case OUT_OF_ORDER -> plan.outOfOrder(true);
                case DELAY -> {
                    final int range = value.indexOf(DELAY_SEPARATOR);
                    if (range < 0) {
                        final int polls = Integer.parseInt(value);
                        plan.delayPolls(polls, polls);
                    } else {
                        plan.delayPolls(
                                Integer.parseInt(value.substring(0, range)),
                                Integer.parseInt(value.substring(range + DELAY_SEPARATOR.length())));
                    }
                }
                case ERROR_RATE -> plan.errorRate(probability(value));
                case ERROR_STATUSES -> {
                    final String[] statuses = value.split(STATUS_LIST_SEPARATOR, -1);
                    if (statuses.length != STATUSES_PER_LIST) {
                        throw new MalformedTerm();
                    }
                    plan.errorStatuses(status(statuses[0]), status(statuses[1]), status(statuses[2]));
                }
                case FAIL_COMMAND -> {
                    final String[] halves = split(value, STATUS_SEPARATOR);
                    final long command = Long.parseLong(halves[0]);
                    if (command < 1) {
                        throw new IllegalArgumentException("commands are numbered from 1, not " + command);
                    }
                    plan.failCommand(command, status(halves[1]));
                }
                case MEDIA_ERROR -> {
                    final String[] halves = split(value, EXTENT_SEPARATOR);
                    plan.mediaError(Long.parseLong(halves[0]), Long.parseLong(halves[1]));
                }
                case TORN_WRITE_RATE -> plan.tornWriteRate(probability(value));
                case POWER_CUT -> {
                    final int suffix = value.indexOf(STATUS_SEPARATOR);
                    if (suffix >= 0 && !value.substring(suffix + 1).equals(TORN)) {
                        throw new MalformedTerm();
                    }
                    plan.powerCutAfterWrite(
                            Long.parseLong(suffix < 0 ? value : value.substring(0, suffix)), suffix >= 0);
                }
                case LOSE_UNFLUSHED -> plan.loseUnflushedWritesOnPowerCut(probability(value));
            }
        } catch (MalformedTerm | NumberFormatException e) {
            throw invalid(term, text, null);
        } catch (IllegalArgumentException e) {
            throw invalid(term, text, e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(Term term, String text, String reason) {
        return new IllegalArgumentException("fault term \"" + text + "\" is not valid"
                + (reason == null ? "" : ": " + reason) + "; write " + term.form + " (" + term.needs + "), e.g. "
                + term.example);
    }

    /** The two sides of {@code separator}, which must occur exactly once. */
    private static String[] split(String value, String separator) {
        final int at = value.indexOf(separator);
        if (at < 0 || value.indexOf(separator, at + 1) >= 0) {
            throw new MalformedTerm();
        }
        return new String[] {
            value.substring(0, at).strip(),
            value.substring(at + separator.length()).strip()
        };
    }

    /** Plain decimal or exponent notation: Java's NaN, float suffixes and hex floats are not operator text. */
    private static double probability(String value) {
        if (!DECIMAL.matcher(value).matches()) {
            throw new MalformedTerm();
        }
        return Double.parseDouble(value);
    }

    /** An NVMe status as {@link NvmeStatus} holds it, hexadecimal with 0x or decimal, never success. */
    private static int status(String value) {
        final int status = value.startsWith(HEX_PREFIX)
                ? Integer.parseInt(value.substring(HEX_PREFIX.length()), HEX_RADIX)
                : Integer.parseInt(value);
        if (status < 0 || status > LARGEST_STATUS) {
            throw new IllegalArgumentException("an NVMe status fits in 15 bits, so " + value + " is not one");
        }
        if (NvmeStatus.isSuccess(status)) {
            throw new IllegalArgumentException(value + " is a success status, which fails nothing");
        }
        return status;
    }

    private static String acceptedForms() {
        final StringJoiner forms = new StringJoiner(", ");
        for (Term term : Term.values()) {
            forms.add(term.form);
        }
        return forms + " (separated by commas), or " + NONE + " alone";
    }

    static String format(EmulatedFaults plan) {
        final StringJoiner terms = new StringJoiner(TERM_SEPARATOR);
        if (plan.outOfOrder) {
            terms.add(Term.OUT_OF_ORDER.key);
        }
        if (plan.maxDelayPolls > 0) {
            add(terms, Term.DELAY, plan.minDelayPolls + DELAY_SEPARATOR + plan.maxDelayPolls);
        }
        if (plan.errorRate > 0) {
            add(terms, Term.ERROR_RATE, Double.toString(plan.errorRate));
        }
        if (plan.readErrorStatus != EmulatedFaults.DEFAULT_READ_ERROR_STATUS
                || plan.writeErrorStatus != EmulatedFaults.DEFAULT_WRITE_ERROR_STATUS
                || plan.flushErrorStatus != EmulatedFaults.DEFAULT_FLUSH_ERROR_STATUS) {
            add(
                    terms,
                    Term.ERROR_STATUSES,
                    hex(plan.readErrorStatus)
                            + STATUS_LIST_SEPARATOR
                            + hex(plan.writeErrorStatus)
                            + STATUS_LIST_SEPARATOR
                            + hex(plan.flushErrorStatus));
        }
        for (int i = 0; i < plan.failingCommands.length; i++) {
            add(terms, Term.FAIL_COMMAND, plan.failingCommands[i] + STATUS_SEPARATOR + hex(plan.failingStatuses[i]));
        }
        for (int i = 0; i < plan.mediaErrorFirstLbas.length; i++) {
            add(
                    terms,
                    Term.MEDIA_ERROR,
                    plan.mediaErrorFirstLbas[i]
                            + EXTENT_SEPARATOR
                            + (plan.mediaErrorEndLbas[i] - plan.mediaErrorFirstLbas[i]));
        }
        if (plan.tornWriteRate > 0) {
            add(terms, Term.TORN_WRITE_RATE, Double.toString(plan.tornWriteRate));
        }
        if (plan.powerCutAfterWrite > 0) {
            add(
                    terms,
                    Term.POWER_CUT,
                    plan.powerCutAfterWrite + (plan.powerCutTearsWrite ? STATUS_SEPARATOR + TORN : ""));
        }
        if (plan.unflushedLossRate > 0) {
            add(terms, Term.LOSE_UNFLUSHED, Double.toString(plan.unflushedLossRate));
        }
        if (terms.length() == 0 && plan.seed == EmulatedFaults.DEFAULT_SEED) {
            return NONE;
        }
        // The seed leads whenever anything is random, so a logged plan names what replays it.
        final String seed = Term.SEED.key + KEY_VALUE_SEPARATOR + plan.seed;
        return terms.length() == 0 ? seed : seed + TERM_SEPARATOR + terms;
    }

    private static void add(StringJoiner terms, Term term, String value) {
        terms.add(term.key + KEY_VALUE_SEPARATOR + value);
    }

    private static String hex(int status) {
        return HEX_PREFIX + Integer.toHexString(status);
    }
}
