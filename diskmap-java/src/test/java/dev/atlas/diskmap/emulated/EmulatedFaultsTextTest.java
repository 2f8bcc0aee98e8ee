package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fault plan as command-line text: parsing, printing back, and a sentence for every mistake. */
class EmulatedFaultsTextTest {
    private static final String ACCEPTED_TERMS = "the accepted terms are seed=N, out-of-order, delay=MIN..MAX,"
            + " error-rate=P, error-statuses=READ/WRITE/FLUSH, fail-command=N:STATUS, media-error=LBA+BLOCKS,"
            + " torn-write-rate=P, power-cut=WRITE[:torn], lose-unflushed=P (separated by commas), or none alone";
    private static final String SEED_FORM = "write seed=N (N any whole number), e.g. seed=7";
    private static final String DELAY_FORM =
            "write delay=MIN..MAX (polls per command, 0 ≤ MIN ≤ MAX, or delay=N for N..N), e.g. delay=0..3";
    private static final String ERROR_RATE_FORM =
            "write error-rate=P (P a probability from 0 to 1), e.g. error-rate=0.001";
    private static final String MEDIA_ERROR_FORM =
            "write media-error=LBA+BLOCKS (LBA the first bad block, BLOCKS at least 1), e.g. media-error=4096+64";
    private static final String FAIL_COMMAND_FORM = "write fail-command=N:STATUS (N counting fetched commands from 1,"
            + " STATUS an NVMe failure status), e.g. fail-command=3:0x281";
    private static final String POWER_CUT_FORM =
            "write power-cut=WRITE[:torn] (WRITE counting writes from 1), e.g. power-cut=100:torn";

    @TempDir
    Path dir;

    private static void assertSamePlan(EmulatedFaults expected, EmulatedFaults actual) {
        assertEquals(expected.seed, actual.seed, "seed");
        assertEquals(expected.outOfOrder, actual.outOfOrder, "out of order");
        assertEquals(expected.minDelayPolls, actual.minDelayPolls, "min delay");
        assertEquals(expected.maxDelayPolls, actual.maxDelayPolls, "max delay");
        assertEquals(expected.errorRate, actual.errorRate, "error rate");
        assertEquals(expected.readErrorStatus, actual.readErrorStatus, "read error status");
        assertEquals(expected.writeErrorStatus, actual.writeErrorStatus, "write error status");
        assertEquals(expected.flushErrorStatus, actual.flushErrorStatus, "flush error status");
        assertArrayEquals(expected.failingCommands, actual.failingCommands, "chosen failures");
        assertArrayEquals(expected.failingStatuses, actual.failingStatuses, "chosen failure statuses");
        assertArrayEquals(expected.mediaErrorFirstLbas, actual.mediaErrorFirstLbas, "media error starts");
        assertArrayEquals(expected.mediaErrorEndLbas, actual.mediaErrorEndLbas, "media error ends");
        assertEquals(expected.tornWriteRate, actual.tornWriteRate, "torn write rate");
        assertEquals(expected.powerCutAfterWrite, actual.powerCutAfterWrite, "power cut");
        assertEquals(expected.powerCutTearsWrite, actual.powerCutTearsWrite, "power cut tears");
        assertEquals(expected.unflushedLossRate, actual.unflushedLossRate, "unflushed loss rate");
    }

    @Test
    void parsesACommandLinePlan() {
        String spec = "seed=7,out-of-order,delay=0..3,error-rate=0.001,media-error=4096+64,media-error=9000+8";
        EmulatedFaults parsed = EmulatedFaults.parse(spec);
        assertSamePlan(
                EmulatedFaults.seeded(7)
                        .outOfOrder(true)
                        .delayPolls(0, 3)
                        .errorRate(0.001)
                        .mediaError(4096, 64)
                        .mediaError(9000, 8),
                parsed);
        assertEquals(spec, parsed.toString());
    }

    @Test
    void parsesEveryKnob() {
        String spec = "seed=-3,out-of-order,delay=2..9,error-rate=0.25,error-statuses=0x286/0x280/6,"
                + "fail-command=3:0x281,fail-command=40:0x4006,media-error=0+1,torn-write-rate=0.5,"
                + "power-cut=12:torn,lose-unflushed=1";
        EmulatedFaults parsed = EmulatedFaults.parse(spec);
        assertSamePlan(
                EmulatedFaults.seeded(-3)
                        .outOfOrder(true)
                        .delayPolls(2, 9)
                        .errorRate(0.25)
                        .errorStatuses(NvmeStatus.ACCESS_DENIED, NvmeStatus.WRITE_FAULT, NvmeStatus.INTERNAL_ERROR)
                        .failCommand(3, NvmeStatus.UNRECOVERED_READ_ERROR)
                        .failCommand(40, NvmeStatus.INTERNAL_ERROR | NvmeStatus.DO_NOT_RETRY)
                        .mediaError(0, 1)
                        .tornWriteRate(0.5)
                        .powerCutAfterWrite(12, true)
                        .loseUnflushedWritesOnPowerCut(1.0),
                parsed);
        assertEquals(
                "seed=-3,out-of-order,delay=2..9,error-rate=0.25,error-statuses=0x286/0x280/0x6,"
                        + "fail-command=3:0x281,fail-command=40:0x4006,media-error=0+1,torn-write-rate=0.5,"
                        + "power-cut=12:torn,lose-unflushed=1.0",
                parsed.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "none", " none "})
    void emptyOrNoneMeansNoFaults(String spec) {
        EmulatedFaults parsed = EmulatedFaults.parse(spec);
        assertSamePlan(EmulatedFaults.none(), parsed);
        assertEquals("none", parsed.toString());
    }

    @Test
    void toleratesSpacesAndShortForms() {
        assertEquals(
                "seed=7,out-of-order,delay=2..2,media-error=10+2,power-cut=5",
                EmulatedFaults.parse(" seed = 7 , out-of-order , delay=2, media-error = 10 + 2,power-cut=5")
                        .toString());
        assertEquals(
                "seed=1,error-rate=1.0E-4",
                EmulatedFaults.parse("error-rate=1e-4").toString());
    }

    @Test
    void printsWhatParsingReads() {
        assertEquals("none", EmulatedFaults.none().toString());
        assertEquals("seed=9", EmulatedFaults.seeded(9).toString());
        assertEquals(
                "seed=1,out-of-order", EmulatedFaults.none().outOfOrder(true).toString());
        assertEquals(
                "seed=4,media-error=100+8,power-cut=3",
                EmulatedFaults.seeded(4)
                        .mediaError(100, 8)
                        .powerCutAfterWrite(3, false)
                        .toString());
    }

    /** A plan given as text behaves as the same plan built in code. */
    @Test
    void aParsedPlanDrivesTheController() throws IOException {
        Path image = dir.resolve("parsed.img");
        Files.write(image, new byte[64 * 4096]);
        NvmeDevice.Options options = NvmeDevice.Options.defaults()
                .withQueueDepth(8)
                .withFaults(EmulatedFaults.parse("seed=3,out-of-order,delay=0..2,media-error=20+4"));
        try (NvmeDevice device = NvmeDevice.open(image, "emulated", options)) {
            MemorySegment buffer = device.allocateBuffers(1, 8 * 4096).buffer(0);
            device.readSync(12, 8, buffer);
            device.writeSync(20, 4, buffer);
            DiskmapException failure = assertThrows(DiskmapException.class, () -> device.readSync(18, 4, buffer));
            assertEquals(EmulatedFaults.MEDIA_ERROR_STATUS, failure.status());
        }
    }

    static Stream<Arguments> badTerms() {
        return Stream.of(
                Arguments.of("bogus", "unknown fault term \"bogus\"; " + ACCEPTED_TERMS),
                Arguments.of("seed=7,Seed=8", "unknown fault term \"Seed=8\"; " + ACCEPTED_TERMS),
                Arguments.of("seed=x", "fault term \"seed=x\" is not valid; " + SEED_FORM),
                Arguments.of("seed", "fault term \"seed\" is not valid; " + SEED_FORM),
                Arguments.of("seed=", "fault term \"seed=\" is not valid; " + SEED_FORM),
                Arguments.of(
                        "seed=99999999999999999999",
                        "fault term \"seed=99999999999999999999\" is not valid; " + SEED_FORM),
                Arguments.of("seed=1,seed=2", "fault term \"seed=2\" sets seed a second time; give seed=N once"),
                Arguments.of(
                        "out-of-order=true",
                        "fault term \"out-of-order=true\" is not valid; write out-of-order"
                                + " (no value), e.g. out-of-order"),
                Arguments.of(
                        "out-of-order,out-of-order",
                        "fault term \"out-of-order\" sets out-of-order a second time; give out-of-order once"),
                Arguments.of(
                        "delay=3..1",
                        "fault term \"delay=3..1\" is not valid: delay must satisfy 0 ≤ min ≤ max," + " not 3..1; "
                                + DELAY_FORM),
                Arguments.of(
                        "delay=-1",
                        "fault term \"delay=-1\" is not valid: delay must satisfy 0 ≤ min ≤ max," + " not -1..-1; "
                                + DELAY_FORM),
                Arguments.of("delay=a..b", "fault term \"delay=a..b\" is not valid; " + DELAY_FORM),
                Arguments.of("delay=1..2..3", "fault term \"delay=1..2..3\" is not valid; " + DELAY_FORM),
                Arguments.of(
                        "error-rate=2",
                        "fault term \"error-rate=2\" is not valid: a probability is between" + " 0 and 1, not 2.0; "
                                + ERROR_RATE_FORM),
                Arguments.of("error-rate=NaN", "fault term \"error-rate=NaN\" is not valid; " + ERROR_RATE_FORM),
                Arguments.of("error-rate=0.5d", "fault term \"error-rate=0.5d\" is not valid; " + ERROR_RATE_FORM),
                Arguments.of("error-rate=1%", "fault term \"error-rate=1%\" is not valid; " + ERROR_RATE_FORM),
                Arguments.of(
                        "torn-write-rate=-0.1",
                        "fault term \"torn-write-rate=-0.1\" is not valid: a probability"
                                + " is between 0 and 1, not -0.1; write torn-write-rate=P (P a probability from 0 to 1),"
                                + " e.g. torn-write-rate=0.01"),
                Arguments.of(
                        "lose-unflushed=",
                        "fault term \"lose-unflushed=\" is not valid; write lose-unflushed=P"
                                + " (P a probability from 0 to 1), e.g. lose-unflushed=0.5"),
                Arguments.of(
                        "error-statuses=0x281/0x280",
                        "fault term \"error-statuses=0x281/0x280\" is not valid;"
                                + " write error-statuses=READ/WRITE/FLUSH (three NVMe failure statuses, hexadecimal with 0x"
                                + " or decimal), e.g. error-statuses=0x281/0x280/0x6"),
                Arguments.of(
                        "error-statuses=0x281/0/0x6",
                        "fault term \"error-statuses=0x281/0/0x6\" is not valid:"
                                + " 0 is a success status, which fails nothing; write error-statuses=READ/WRITE/FLUSH (three"
                                + " NVMe failure statuses, hexadecimal with 0x or decimal), e.g. error-statuses=0x281/0x280/0x6"),
                Arguments.of("fail-command=3", "fault term \"fail-command=3\" is not valid; " + FAIL_COMMAND_FORM),
                Arguments.of(
                        "fail-command=0:0x281",
                        "fault term \"fail-command=0:0x281\" is not valid: commands are" + " numbered from 1, not 0; "
                                + FAIL_COMMAND_FORM),
                Arguments.of(
                        "fail-command=3:0x4000",
                        "fault term \"fail-command=3:0x4000\" is not valid: 0x4000 is a"
                                + " success status, which fails nothing; " + FAIL_COMMAND_FORM),
                Arguments.of(
                        "fail-command=3:0x8000",
                        "fault term \"fail-command=3:0x8000\" is not valid: an NVMe"
                                + " status fits in 15 bits, so 0x8000 is not one; " + FAIL_COMMAND_FORM),
                Arguments.of(
                        "fail-command=3:0xzz", "fault term \"fail-command=3:0xzz\" is not valid; " + FAIL_COMMAND_FORM),
                Arguments.of("media-error=4096", "fault term \"media-error=4096\" is not valid; " + MEDIA_ERROR_FORM),
                Arguments.of(
                        "media-error=4096-64", "fault term \"media-error=4096-64\" is not valid; " + MEDIA_ERROR_FORM),
                Arguments.of("media-error=1+2+3", "fault term \"media-error=1+2+3\" is not valid; " + MEDIA_ERROR_FORM),
                Arguments.of(
                        "media-error=4096+0",
                        "fault term \"media-error=4096+0\" is not valid: a media error"
                                + " covers at least one block, not 0; " + MEDIA_ERROR_FORM),
                Arguments.of(
                        "media-error=-1+8",
                        "fault term \"media-error=-1+8\" is not valid: a media error starts"
                                + " at an LBA of 0 or more, not -1; " + MEDIA_ERROR_FORM),
                Arguments.of(
                        "media-error=9223372036854775807+1",
                        "fault term \"media-error=9223372036854775807+1\""
                                + " is not valid: a media error at LBA 9223372036854775807+1 runs past the"
                                + " largest possible LBA; " + MEDIA_ERROR_FORM),
                Arguments.of(
                        "power-cut=0",
                        "fault term \"power-cut=0\" is not valid: writes are numbered from 1," + " not 0; "
                                + POWER_CUT_FORM),
                Arguments.of("power-cut=5:tear", "fault term \"power-cut=5:tear\" is not valid; " + POWER_CUT_FORM),
                Arguments.of(
                        "power-cut=5,power-cut=6",
                        "fault term \"power-cut=6\" sets power-cut a second time; give power-cut=WRITE[:torn] once"),
                Arguments.of(
                        "none,seed=3",
                        "fault term \"none\" stands for the whole plan and cannot be combined"
                                + " with other terms in \"none,seed=3\""),
                Arguments.of(
                        "seed=1,,out-of-order",
                        "fault plan \"seed=1,,out-of-order\" has an empty term;"
                                + " separate terms with single commas, e.g. seed=7,media-error=4096+64"),
                Arguments.of(
                        "seed=1,",
                        "fault plan \"seed=1,\" has an empty term; separate terms with single"
                                + " commas, e.g. seed=7,media-error=4096+64"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTerms")
    void badTextIsOneOperatorSentence(String spec, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> EmulatedFaults.parse(spec));
        assertEquals(message, error.getMessage());
    }

    @Test
    void limitsOnRepeatedTermsAreNamed() {
        StringJoiner regions = new StringJoiner(",");
        for (int i = 0; i <= 64; i++) {
            regions.add("media-error=" + i * 10 + "+1");
        }
        assertEquals(
                "fault term \"media-error=640+1\" is not valid: at most 64 media errors; " + MEDIA_ERROR_FORM,
                assertThrows(IllegalArgumentException.class, () -> EmulatedFaults.parse(regions.toString()))
                        .getMessage());
    }

    /** Whatever the text, parsing either succeeds or says which term is wrong; nothing else escapes. */
    @Property(tries = 2000)
    void anyTextParsesOrNamesItsMistake(@ForAll("faultishText") String spec) {
        try {
            EmulatedFaults parsed = EmulatedFaults.parse(spec);
            assertSamePlan(parsed, EmulatedFaults.parse(parsed.toString()));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue(
                    message.startsWith("fault term \"")
                            || message.startsWith("unknown fault term \"")
                            || message.startsWith("fault plan \""),
                    message);
            assertFalse(message.endsWith("."), "messages follow the library's style: no closing full stop");
        }
    }

    @Provide
    Arbitrary<String> faultishText() {
        Arbitrary<String> term = Arbitraries.oneOf(
                Arbitraries.of(
                                "seed=",
                                "out-of-order",
                                "delay=",
                                "error-rate=",
                                "error-statuses=",
                                "fail-command=",
                                "media-error=",
                                "torn-write-rate=",
                                "power-cut=",
                                "lose-unflushed=",
                                "none",
                                "",
                                " ")
                        .flatMap(key -> Arbitraries.strings()
                                .withChars("0123456789.+-:/xe torn")
                                .ofMaxLength(8)
                                .map(value -> key + value)),
                Arbitraries.strings().ofMaxLength(12));
        return term.list().ofMaxSize(5).map(terms -> String.join(",", terms));
    }

    /** Any plan built in code prints as text that parses back to the same plan. */
    @Property(tries = 500)
    void everyPlanRoundTripsThroughText(
            @ForAll long seed,
            @ForAll boolean outOfOrder,
            @ForAll @IntRange(max = 1000) int minDelay,
            @ForAll @IntRange(max = 1000) int extraDelay,
            @ForAll("probabilities") double errorRate,
            @ForAll("failureStatuses") int readStatus,
            @ForAll @Size(max = 4) List<@LongRange(min = 1, max = 1_000_000) Long> failing,
            @ForAll @Size(max = 4) List<@LongRange(max = 1L << 40) Long> badLbas,
            @ForAll @IntRange(min = 1, max = 4096) int badBlocks,
            @ForAll("probabilities") double tornRate,
            @ForAll @LongRange(max = 1000) long powerCut,
            @ForAll boolean tear,
            @ForAll("probabilities") double lossRate) {
        EmulatedFaults plan = EmulatedFaults.seeded(seed)
                .outOfOrder(outOfOrder)
                .delayPolls(minDelay, minDelay + extraDelay)
                .errorRate(errorRate)
                .errorStatuses(readStatus, NvmeStatus.WRITE_FAULT, NvmeStatus.INTERNAL_ERROR)
                .tornWriteRate(tornRate)
                .loseUnflushedWritesOnPowerCut(lossRate);
        for (long command : failing) {
            plan.failCommand(command, readStatus);
        }
        for (long lba : badLbas) {
            plan.mediaError(lba, badBlocks);
        }
        if (powerCut > 0) {
            plan.powerCutAfterWrite(powerCut, tear);
        }
        String text = plan.toString();
        EmulatedFaults parsed = EmulatedFaults.parse(text);
        assertSamePlan(plan, parsed);
        assertEquals(text, parsed.toString());
    }

    @Provide
    Arbitrary<Double> probabilities() {
        return Arbitraries.oneOf(
                Arbitraries.of(0.0, 1.0, Double.MIN_VALUE, 0.001),
                Arbitraries.doubles().between(0.0, 1.0).ofScale(12));
    }

    @Provide
    Arbitrary<Integer> failureStatuses() {
        return Arbitraries.integers().between(1, (1 << 15) - 1).filter(status -> !NvmeStatus.isSuccess(status));
    }
}
