package dev.atlas.bench.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of DESIGN §2 checked against the compiled code of every module: a dependency
 * that closes a package cycle, or points from a lower module to a higher one, fails the build.
 */
class ArchitectureTest {
    /** Every package is its own node: no two packages may reach each other. */
    static final ArchRule NO_PACKAGE_CYCLES =
            slices().matching("dev.atlas.(**)").should().beFreeOfCycles().as("no package cycles");

    /** The rooms of the server (a backend's sub-package belongs to its room): no two rooms may reach each other. */
    static final ArchRule NO_ROOM_CYCLES_IN_SERVER = slices().matching("dev.atlas.server.(*)..")
            .should()
            .beFreeOfCycles()
            .as("no cycles between the server's rooms");

    static final ArchRule DISKMAP_IS_THE_BOTTOM = noClasses()
            .that()
            .resideInAPackage("dev.atlas.diskmap..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.atlas.catalogue..", "dev.atlas.server..", "dev.atlas.bench..")
            .as("diskmap-java depends on no other module");

    static final ArchRule CATALOGUE_BELOW_SERVER = noClasses()
            .that()
            .resideInAPackage("dev.atlas.catalogue..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.atlas.server..", "dev.atlas.bench..")
            .as("catalogue-tools depends only on diskmap-java");

    static final ArchRule SERVER_BELOW_BENCH = noClasses()
            .that()
            .resideInAPackage("dev.atlas.server..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.atlas.bench..")
            .as("atlas-server never depends on bench");

    static final List<ArchRule> RULES = List.of(
            NO_PACKAGE_CYCLES,
            NO_ROOM_CYCLES_IN_SERVER,
            DISKMAP_IS_THE_BOTTOM,
            CATALOGUE_BELOW_SERVER,
            SERVER_BELOW_BENCH);

    private static JavaClasses production;

    @BeforeAll
    static void importProductionCode() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.atlas");
    }

    @Test
    void everyModuleIsImported() {
        for (String root : List.of("dev.atlas.diskmap", "dev.atlas.catalogue", "dev.atlas.server", "dev.atlas.bench")) {
            assertTrue(
                    production.stream().anyMatch(c -> c.getPackageName().startsWith(root)),
                    "no production classes of " + root + " were found: the rules would pass vacuously");
        }
    }

    @Test
    void productionCodeKeepsTheLayout() {
        for (ArchRule rule : RULES) {
            rule.check(production);
        }
    }

    /** The rules' own negative case: two test packages that import each other must fail the cycle rule. */
    @Test
    void aPackageCycleFailsTheRules() {
        final JavaClasses cycle = new ClassFileImporter().importPackages("dev.atlas.bench.architecture.cycle");
        assertEquals(
                2,
                cycle.stream()
                        .filter(c -> !c.getSimpleName().equals("package-info"))
                        .count());
        final AssertionError error = assertThrows(AssertionError.class, () -> NO_PACKAGE_CYCLES.check(cycle));
        assertTrue(error.getMessage().contains("Cycle detected"), error.getMessage());
    }

    /** A lower module reaching up fails too: the diskmap rule applied to a class that uses the server. */
    @Test
    void anUpwardModuleDependencyFailsTheRules() {
        final JavaClasses bench = new ClassFileImporter().importPackages("dev.atlas.bench.architecture.cycle");
        final ArchRule benchBelowNothing = noClasses()
                .that()
                .resideInAPackage("dev.atlas.bench.architecture.cycle.one..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.atlas.bench.architecture.cycle.two..");
        assertThrows(AssertionError.class, () -> benchBelowNothing.check(bench));
    }

    /** A package is a room: each main source package says in its {@code package-info.java} what lives there. */
    @Test
    void everyMainPackageHasAPackageInfo() throws IOException {
        final Path root =
                Path.of(System.getProperty("atlas.home", "..")).toAbsolutePath().normalize();
        final List<String> missing;
        try (Stream<Path> files = Files.walk(root)) {
            missing = files.filter(p -> p.toString().contains("/src/main/java/")
                            && p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .map(Path::getParent)
                    .distinct()
                    .filter(dir -> !Files.exists(dir.resolve("package-info.java")))
                    .map(dir -> root.relativize(dir).toString())
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        assertEquals(List.of(), missing, "packages without package-info.java");
    }
}
